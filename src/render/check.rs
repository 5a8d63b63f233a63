//! `drplan check` in the terminal and as JSON: the verdict and each breach with the line of its
//! objective, nothing else.

use std::io::{self, Write};

use comfy_table::{Cell, Color};
use serde::Serialize;
use serde_json::Value;

use super::describe::{self, file_line};
use super::terminal::{breach_cells, new_table, paint_text};
use super::{Format, Style};
use crate::diagnostic::Location;
use crate::gate::{Breach, Verdict, WaiverNote};
use crate::report::{Report, SCHEMA_VERSION};

/// The formats `check` writes.
pub const FORMATS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Markdown,
    Format::Junit,
    Format::Sarif,
    Format::Github,
];

/// Writes the verdict of `check`. JUnit, SARIF and GitHub annotations are the same as
/// `analyze`'s, which are about the gate only.
pub fn write(format: Format, report: &Report, out: &mut dyn Write, style: Style) -> io::Result<()> {
    match format {
        Format::Json => write_json(report, out),
        Format::Markdown => super::markdown::write_verdict(report, out),
        Format::Junit | Format::Sarif | Format::Github => {
            super::write_report(format, report, out, style)
        }
        _ => write_table(report, out, style),
    }
}

/// The verdict in one line: `FAILED: 2 breaches of rto, availability (file, topology)`.
pub fn verdict_line(topology: &str, v: &Verdict) -> String {
    let at = format!("{} ({topology})", v.file);
    if !v.has_objectives {
        return format!("no objectives: {at} sets none, so nothing is gated");
    }
    let waived = match v.waived.len() {
        0 => String::new(),
        n => format!(", {n} waived"),
    };
    if v.passed {
        let n = v.checked.len();
        format!("passed: {at} meets its {n} objective{}{waived}", plural(n))
    } else {
        let n = v.breaches.len();
        format!(
            "FAILED: {n} breach{} of {} in {at}{waived}",
            if n == 1 { "" } else { "es" },
            objective_names(&v.breaches).join(", ")
        )
    }
}

/// The distinct objectives of some breaches, in §7 order.
pub fn objective_names(breaches: &[Breach]) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for b in breaches {
        if !names.contains(&b.objective) {
            names.push(b.objective);
        }
    }
    names
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The terminal verdict: a line, the breaches with their lines, expired and waived ones.
pub fn write_table(report: &Report, out: &mut dyn Write, style: Style) -> io::Result<()> {
    let v = &report.objectives;
    let line = verdict_line(&report.topology, v);
    let line = match (v.has_objectives, v.passed) {
        (false, _) => line,
        (true, true) => paint_text(&line, Color::Green, style),
        (true, false) => paint_text(&line, Color::Red, style),
    };
    writeln!(out, "{line}")?;
    if !v.breaches.is_empty() {
        let mut t = new_table(style);
        t.set_header(vec!["Objective", "Scenario", "Limit", "Actual", "Line"]);
        for b in &v.breaches {
            let mut cells = breach_cells(b, Color::Red, style);
            cells.push(Cell::new(file_line(&v.file, b.location)));
            t.add_row(cells);
        }
        writeln!(out, "{t}")?;
    }
    for (_, w) in v.expired_waivers() {
        writeln!(
            out,
            "{}: {} ({})",
            paint_text("error", Color::Red, style),
            describe::expired_sentence(w),
            file_line(&v.file, w.location)
        )?;
    }
    if !v.waived.is_empty() {
        writeln!(out, "Waived (accepted risks, not failing the gate):")?;
        let mut t = new_table(style);
        t.set_header(vec![
            "Objective",
            "Scenario",
            "Limit",
            "Actual",
            "Reason",
            "Expires",
            "Waiver",
        ]);
        for w in &v.waived {
            let b = &w.breach;
            let mut cells = breach_cells(b, Color::Yellow, style);
            cells.extend([
                Cell::new(&w.waiver.reason),
                Cell::new(w.waiver.expires.as_deref().unwrap_or("never")),
                Cell::new(file_line(&v.file, w.waiver.location)),
            ]);
            t.add_row(cells);
        }
        writeln!(out, "{t}")?;
    }
    Ok(())
}

/// Where something is written in the file.
#[derive(Serialize)]
struct At {
    line: usize,
    column: usize,
}

impl At {
    fn of(location: Option<Location>) -> Option<At> {
        location.map(|l| At {
            line: l.line,
            column: l.column,
        })
    }
}

#[derive(Serialize)]
struct JsonWaiver<'a> {
    #[serde(flatten)]
    waiver: &'a WaiverNote,
    at: Option<At>,
}

#[derive(Serialize)]
struct JsonBreach<'a> {
    objective: &'a str,
    limit: &'a Value,
    actual: &'a Value,
    scenario: Option<&'a str>,
    /// The line of the objective in the file.
    at: Option<At>,
    message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    expired_waiver: Option<JsonWaiver<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    waiver: Option<JsonWaiver<'a>>,
}

impl<'a> JsonBreach<'a> {
    fn new(b: &'a Breach, waiver: Option<&'a WaiverNote>) -> JsonBreach<'a> {
        let note = |w: &'a WaiverNote| JsonWaiver {
            waiver: w,
            at: At::of(w.location),
        };
        JsonBreach {
            objective: b.objective,
            limit: &b.limit,
            actual: &b.actual,
            scenario: b.scenario.as_deref(),
            at: At::of(b.location),
            message: describe::breach_message(b),
            expired_waiver: b.expired_waiver.as_ref().map(note),
            waiver: waiver.map(note),
        }
    }
}

/// The JSON of `check`: the verdict with lines and messages, for scripts and bots.
#[derive(Serialize)]
struct JsonCheck<'a> {
    schema_version: u32,
    topology: &'a str,
    file: &'a str,
    passed: bool,
    has_objectives: bool,
    checked: Vec<&'a str>,
    breaches: Vec<JsonBreach<'a>>,
    waived: Vec<JsonBreach<'a>>,
    stale_waivers: Vec<JsonWaiver<'a>>,
}

/// The verdict as JSON, with each breach's line and message, for bots and scripts.
pub fn write_json(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let v: &Verdict = &report.objectives;
    let doc = JsonCheck {
        schema_version: SCHEMA_VERSION,
        topology: &report.topology,
        file: &v.file,
        passed: v.passed,
        has_objectives: v.has_objectives,
        checked: v.checked.iter().map(|c| c.objective).collect(),
        breaches: v
            .breaches
            .iter()
            .map(|b| JsonBreach::new(b, None))
            .collect(),
        waived: v
            .waived
            .iter()
            .map(|w| JsonBreach::new(&w.breach, Some(&w.waiver)))
            .collect(),
        stale_waivers: v
            .stale_waivers
            .iter()
            .map(|w| JsonWaiver {
                waiver: w,
                at: At::of(w.location),
            })
            .collect(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}
