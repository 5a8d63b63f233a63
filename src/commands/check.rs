//! `drplan check FILE`: only the gate verdict and each breach, with the line of its objective.
//! Exit 0 when the objectives pass (or none are set), 1 when one is breached.

use crate::cli::CheckArgs;
use crate::exit::Exit;
use crate::gate::Verdict;
use crate::pipeline;
use crate::render::{self, Style, describe};

use super::{Context, gate_exit};

/// Runs `check`: analyze, warn about stale waivers, write the verdict, exit 0 or 1.
pub fn run(args: &CheckArgs, cx: &mut Context) -> Exit {
    if let Err(exit) = cx.check_format(args.format, "check", render::check::FORMATS) {
        return exit;
    }
    let checked = match cx.checked_file(&args.file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let report = match pipeline::analyze(&checked) {
        Ok(r) => r,
        Err(d) => return cx.invalid(*d, &checked.source),
    };
    warn_stale_waivers(cx, &report.objectives);
    let format = args.format;
    if let Err(exit) = cx.emit(&args.output, |w, color| {
        render::check::write(format, &report, w, Style { color })
    }) {
        return exit;
    }
    gate_exit(report.objectives.passed, args.no_fail)
}

/// Prints a warning on standard error for each waiver that matches no breach.
pub fn warn_stale_waivers(cx: &mut Context, v: &Verdict) {
    let label = if cx.err_color() {
        "\u{1b}[1;33mwarning\u{1b}[0m"
    } else {
        "warning"
    };
    for w in &v.stale_waivers {
        let at = match w.location {
            Some(l) => format!("{}:{}:{}", v.file, l.line, l.column),
            None => v.file.clone(),
        };
        let _ = writeln!(
            cx.err,
            "{label}: {}\n  --> {at}",
            describe::stale_sentence(w)
        );
    }
}
