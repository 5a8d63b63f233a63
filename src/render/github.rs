//! GitHub Actions workflow commands: `::error file=...,line=...::` lines that the runner turns
//! into annotations on the topology file in the pull request's diff.
//!
//! Breaches are errors at the line of their objective, expired waivers are named in the
//! breach's message, waived breaches are notices, stale waivers warnings at the waiver's line.
//! A last plain line states the verdict for the log.

use std::io::{self, Write};

use super::check::verdict_line;
use super::describe;
use crate::diagnostic::Location;
use crate::report::Report;

/// One workflow command per breach, waived breach and stale waiver, then the verdict.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let v = &report.objectives;
    for b in &v.breaches {
        command(
            out,
            "error",
            &v.file,
            b.location,
            &format!("drplan: {}", describe::breach_title(b)),
            &describe::breach_message(b),
        )?;
    }
    for w in &v.waived {
        command(
            out,
            "notice",
            &v.file,
            w.breach.location,
            &format!("drplan: {} (waived)", describe::breach_title(&w.breach)),
            &format!(
                "{}; waived by {} {}: {}",
                describe::breach_message(&w.breach),
                w.waiver.path,
                describe::waiver_expiry(&w.waiver),
                w.waiver.reason
            ),
        )?;
    }
    for w in &v.stale_waivers {
        command(
            out,
            "warning",
            &v.file,
            w.location,
            "drplan: stale waiver",
            &describe::stale_sentence(w),
        )?;
    }
    writeln!(out, "drplan: {}", verdict_line(&report.topology, v))
}

fn command(
    out: &mut dyn Write,
    level: &str,
    file: &str,
    at: Option<Location>,
    title: &str,
    message: &str,
) -> io::Result<()> {
    let mut props = format!("file={}", property(file));
    if let Some(l) = at {
        props.push_str(&format!(",line={},col={}", l.line, l.column));
    }
    props.push_str(&format!(",title={}", property(title)));
    writeln!(out, "::{level} {props}::{}", data(message))
}

/// `diff --terraform`: one error per breach of the plan's after side, titled at the first
/// changed resource address (a plan carries no .tf file or line), the message naming every
/// changed address (`names`); then the diff's verdict.
pub fn write_terraform_diff(
    d: &crate::diff::Diff,
    changed: &[String],
    names: &str,
    out: &mut dyn Write,
) -> io::Result<()> {
    let at = changed.first().map_or("", String::as_str);
    for b in &d.verdict.breaches {
        let title = format!("drplan: {}", describe::breach_title(b));
        let message = format!("{} ({names})", describe::breach_message(b));
        let title = if at.is_empty() {
            title
        } else {
            format!("{title} at {at}")
        };
        writeln!(
            out,
            "::error title={}::{}",
            property(&title),
            data(&message)
        )?;
    }
    writeln!(out, "{}", super::diff::verdict(d))
}

/// Escapes a command's message (GitHub's `escapeData`).
pub(crate) fn data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command's property value (GitHub's `escapeProperty`).
pub(crate) fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_escaped_as_the_runner_expects() {
        assert_eq!(data("50%\nnext"), "50%25%0Anext");
        assert_eq!(property("rto in region:a, b"), "rto in region%3Aa%2C b");
    }
}
