//! JSON renderers, byte-for-byte deterministic.
//!
//! - The JSON document (MODEL.md §8): scenarios are streamed into a spool while they are
//!   evaluated (memory, then a temporary file past a size), and the document is written once
//!   the summary is known, summary first. Memory stays bounded however many scenarios there are.
//! - JSON lines: one compact scenario object per line, in id order, then one last line with the
//!   report without its scenarios (it has a `summary` key).

use std::io::{self, Read, Write};

use serde::Serialize;

use crate::evaluate::{Core, Engine, ScenarioResult};
use crate::report::{ExplainedReport, Report, ScenarioView};
use crate::scenario::Scenario;

/// The document from a report whose scenarios are all in `report.scenarios`.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut items = Vec::new();
    for (i, s) in report.scenarios.iter().enumerate() {
        items.extend_from_slice(if i == 0 { b"\n" } else { b",\n" });
        items.extend_from_slice(&indented(s, 4)?);
    }
    write_document(report, &mut items.as_slice(), out)
}

/// The explanation of a scenario just evaluated into `core`.
fn explained(engine: &Engine, s: &Scenario, r: &ScenarioResult, core: &Core) -> ExplainedReport {
    ExplainedReport::new(engine.model(), &engine.explanation(&s.failure, core, r))
}

/// One scenario as an item of the document's `scenarios` array (indented, no separator);
/// `core` is the scratch it was evaluated into.
pub fn scenario_item(engine: &Engine, s: &Scenario, r: &ScenarioResult, core: &Core) -> Vec<u8> {
    let explained = explained(engine, s, r, core);
    let view = ScenarioView {
        model: engine.model(),
        scenario: s,
        result: r,
        explained: &explained,
    };
    indented(&view, 4).unwrap_or_default()
}

/// One scenario as a JSON line; `core` is the scratch it was evaluated into.
pub fn scenario_line(engine: &Engine, s: &Scenario, r: &ScenarioResult, core: &Core) -> Vec<u8> {
    let explained = explained(engine, s, r, core);
    let view = ScenarioView {
        model: engine.model(),
        scenario: s,
        result: r,
        explained: &explained,
    };
    let mut line = Vec::with_capacity(1024);
    if serde_json::to_writer(&mut line, &view).is_err() {
        line.clear();
    }
    line.push(b'\n');
    line
}

/// Pretty JSON of a value, every line after the first indented by `indent` spaces, and the
/// first too.
fn indented<T: Serialize>(value: &T, indent: usize) -> io::Result<Vec<u8>> {
    let text = serde_json::to_string_pretty(value)?;
    let pad = " ".repeat(indent);
    let mut out = Vec::with_capacity(text.len() + 64);
    for (i, line) in text.lines().enumerate() {
        if i > 0 {
            out.push(b'\n');
        }
        out.extend_from_slice(pad.as_bytes());
        out.extend_from_slice(line.as_bytes());
    }
    Ok(out)
}

/// A top-level field: `  "key": value` with the value's continuation lines indented.
fn field<T: Serialize>(out: &mut dyn Write, key: &str, value: &T, last: bool) -> io::Result<()> {
    let text = serde_json::to_string_pretty(value)?.replace('\n', "\n  ");
    writeln!(
        out,
        "  {}: {text}{}",
        serde_json::to_string(key)?,
        if last { "" } else { "," }
    )
}

/// The document, with the scenario items (each preceded by its separator) read from `items`.
pub fn write_document(
    report: &Report,
    items: &mut dyn Read,
    out: &mut dyn Write,
) -> io::Result<()> {
    writeln!(out, "{{")?;
    field(out, "schema_version", &report.schema_version, false)?;
    field(out, "topology", &report.topology, false)?;
    field(out, "summary", &report.summary, false)?;
    write!(out, "  \"scenarios\": [")?;
    let copied = io::copy(items, out)?;
    writeln!(out, "{}],", if copied > 0 { "\n  " } else { "" })?;
    field(out, "objectives", &report.objectives, false)?;
    field(out, "minimal_cut_sets", &report.minimal_cut_sets, false)?;
    if let Some(importance) = &report.importance {
        field(out, "importance", importance, false)?;
    }
    if let Some(note) = &report.importance_note {
        field(out, "importance_note", note, false)?;
    }
    field(out, "baseline", &report.baseline, false)?;
    match &report.combinations {
        Some(c) => {
            field(out, "cost", &report.cost, false)?;
            field(out, "combinations", c, true)?;
        }
        None => field(out, "cost", &report.cost, true)?,
    }
    writeln!(out, "}}")
}

/// The last line of JSON-lines output: the report without its scenarios.
pub fn write_summary_line(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Tail<'a> {
        schema_version: u32,
        topology: &'a str,
        summary: &'a crate::report::Summary,
        objectives: &'a crate::gate::Verdict,
        minimal_cut_sets: &'a crate::availability::cutsets::CutSets,
        #[serde(skip_serializing_if = "Option::is_none")]
        importance: &'a Option<Vec<crate::report::ImportanceRow>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        importance_note: &'a Option<String>,
        baseline: &'a crate::report::Baseline,
        cost: &'a crate::cost::MonthlyCost,
        #[serde(skip_serializing_if = "Option::is_none")]
        combinations: &'a Option<crate::report::Combinations>,
    }
    let tail = Tail {
        schema_version: report.schema_version,
        topology: &report.topology,
        summary: &report.summary,
        objectives: &report.objectives,
        minimal_cut_sets: &report.minimal_cut_sets,
        importance: &report.importance,
        importance_note: &report.importance_note,
        baseline: &report.baseline,
        cost: &report.cost,
        combinations: &report.combinations,
    };
    serde_json::to_writer(&mut *out, &tail)?;
    writeln!(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_is_the_pretty_json_of_its_fields() {
        // The hand-written layout must parse and match serde's own for a nested value.
        let value = serde_json::json!({"a": [1, {"b": 2}]});
        let mut out = Vec::new();
        super::field(&mut out, "k", &value, true).unwrap();
        let text = format!("{{\n{}}}", String::from_utf8(out).unwrap());
        let parsed: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(parsed["k"], value);
    }
}
