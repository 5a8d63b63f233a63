//! `drplan diff` as terminal tables, JSON, or a pull-request comment in markdown. Unchanged
//! figures and scenarios are hidden.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color};

use super::check::objective_names;
use super::describe::{self, figure_delta, figure_label, figure_value, file_line};
use super::markdown::{
    cell, close_details, code, codes, duration, open_details, outcome, write_expired_of,
};
use super::terminal::{breach_cells, new_table, paint, paint_text};
use super::{Format, Style};
use crate::diff::{Change, Diff, Figure, ScenarioChange, ScenarioSide};
use crate::model::Millis;
use crate::model::units::{nines, round_to};

/// The formats `diff` writes.
pub const FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Markdown];

/// Writes a diff in one of [`FORMATS`].
pub fn write(format: Format, diff: &Diff, out: &mut dyn Write, style: Style) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, diff)?;
            writeln!(out)
        }
        Format::Markdown => write_markdown(diff, out),
        _ => write_table(diff, out, style),
    }
}

/// `diff --terraform` in `format`: the diff of the plan's two sides, naming the changed
/// DR-relevant resource addresses (`changed`) of the plan file `plan`: in the markdown title,
/// as a JSON field, in each GitHub annotation and as SARIF logical locations.
pub fn write_terraform(
    format: Format,
    d: &Diff,
    changed: &[String],
    plan: &str,
    w: &mut dyn Write,
    style: Style,
) -> io::Result<()> {
    let names = if changed.is_empty() {
        "no DR-relevant resource changed".to_string()
    } else {
        format!(
            "changed: {}",
            changed
                .iter()
                .map(|a| format!("`{a}`"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    match format {
        Format::Markdown => {
            let mut buf = Vec::new();
            write(format, d, &mut buf, style)?;
            let text = String::from_utf8_lossy(&buf);
            let (first, rest) = text.split_once('\n').unwrap_or((&text, ""));
            writeln!(w, "{first} ({names})")?;
            w.write_all(rest.as_bytes())
        }
        Format::Json => {
            let mut v = serde_json::to_value(d).map_err(io::Error::other)?;
            if let serde_json::Value::Object(o) = &mut v {
                o.insert("terraform_changed".into(), serde_json::json!(changed));
            }
            serde_json::to_writer_pretty(&mut *w, &v)?;
            writeln!(w)
        }
        Format::Github => super::github::write_terraform_diff(d, changed, &names, w),
        Format::Sarif => super::sarif::write_terraform_diff(d, changed, plan, w),
        _ => {
            write(format, d, w, style)?;
            writeln!(w, "{names}")
        }
    }
}

/// The verdict of the diff in one line, naming what fails it.
pub fn verdict(diff: &Diff) -> String {
    let v = &diff.verdict;
    let name = &diff.head.topology;
    let regressed = objectives_regressed(diff);
    let mut line = if !v.has_objectives {
        format!("{name} sets no objectives (nothing is gated)")
    } else if !v.passed {
        let names: Vec<String> = objective_names(&v.breaches)
            .into_iter()
            .map(|o| {
                let new = diff.new_breaches.iter().any(|b| b.objective == o);
                if new {
                    format!("{o} (new)")
                } else {
                    o.to_string()
                }
            })
            .collect();
        format!(
            "{name} fails {} objective{}: {}",
            names.len(),
            plural(names.len()),
            names.join(", ")
        )
    } else if diff.fail_on_regression && !regressed.is_empty() {
        format!(
            "{name} meets its objectives but regresses {}",
            regressed.join(", ")
        )
    } else {
        let n = v.checked.len();
        format!("{name} passes its {n} objective{}", plural(n))
    };
    if diff.is_unchanged() {
        line = format!("no changes; {line}");
    }
    line
}

/// The objectives whose gated figures got worse, in §7 order.
fn objectives_regressed(diff: &Diff) -> Vec<&'static str> {
    let mut names: Vec<&'static str> = Vec::new();
    for r in &diff.regressions {
        if !names.contains(&r.objective) {
            names.push(r.objective);
        }
    }
    names
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// `2 figures changed (1 worse, 1 better), 3 scenarios changed, 1 new single point of failure`.
fn changes_sentence(diff: &Diff) -> String {
    if diff.is_unchanged() {
        return "no changes: BASE and HEAD give the same figures, scenarios and breaches".into();
    }
    let figures: Vec<&Figure> = diff.changed_figures().collect();
    let worse = figures.iter().filter(|f| f.change == Change::Worse).count();
    let mut parts = vec![format!(
        "{} figure{} changed ({worse} worse, {} better)",
        figures.len(),
        plural(figures.len()),
        figures.len() - worse
    )];
    parts.push(format!(
        "{} scenario{} changed",
        diff.scenarios.len(),
        plural(diff.scenarios.len())
    ));
    if !diff.spofs_added.is_empty() {
        let n = diff.spofs_added.len();
        parts.push(format!("{n} new single point{} of failure", plural(n)));
    }
    if !diff.spofs_removed.is_empty() {
        let n = diff.spofs_removed.len();
        parts.push(format!("{n} single point{} of failure removed", plural(n)));
    }
    parts.join(", ")
}

fn change_word(c: Change) -> &'static str {
    match c {
        Change::Better => "better",
        Change::Worse => "worse",
        Change::Mixed => "mixed",
        Change::Same => "same",
        Change::Added => "added",
        Change::Removed => "removed",
    }
}

fn change_color(c: Change) -> Color {
    match c {
        Change::Better => Color::Green,
        Change::Worse | Change::Removed => Color::Red,
        _ => Color::Yellow,
    }
}

fn change_mark(c: Change) -> &'static str {
    match c {
        Change::Better => "🟢 better",
        Change::Worse => "🔴 worse",
        Change::Mixed => "🟡 mixed",
        Change::Same => "same",
        Change::Added => "🆕 added",
        Change::Removed => "➖ removed",
    }
}

/// A figure's BASE and HEAD values, with nines beside an availability; availabilities get
/// enough digits to tell them apart.
fn figure_texts(f: &Figure) -> (String, String) {
    match (f.key, f.base, f.head) {
        ("availability" | "effective_availability", Some(b), Some(h)) => {
            let (tb, th) = describe::percent_pair(b, h);
            let with_nines = |t: String, a: f64| {
                if f.key == "availability" && nines(a).is_finite() {
                    format!("{t} ({} nines)", round_to(nines(a), 2))
                } else {
                    t
                }
            };
            (with_nines(tb, b), with_nines(th, h))
        }
        _ => (figure_text(f, f.base), figure_text(f, f.head)),
    }
}

/// A figure's value, with nines beside an availability.
fn figure_text(f: &Figure, v: Option<f64>) -> String {
    let text = figure_value(f.key, v);
    match (f.key, v) {
        ("availability", Some(a)) if nines(a).is_finite() => {
            format!("{text} ({} nines)", round_to(nines(a), 2))
        }
        ("downtime_minutes_per_year" | "change_downtime_minutes_per_year", Some(_)) => {
            format!("{text}/year")
        }
        _ => text,
    }
}

/// `up -> down`, or the value alone when it did not change.
fn arrow(base: Option<String>, head: Option<String>) -> String {
    match (base, head) {
        (Some(b), Some(h)) if b == h => h,
        (b, h) => format!(
            "{} → {}",
            b.unwrap_or_else(|| "—".into()),
            h.unwrap_or_else(|| "—".into())
        ),
    }
}

/// Outcome, served fraction, RTO, RPO and worst request time, each `base → head` (one value
/// when unchanged).
fn scenario_cells(s: &ScenarioChange) -> [String; 5] {
    let pick =
        |f: fn(&ScenarioSide) -> String| arrow(s.base.as_ref().map(f), s.head.as_ref().map(f));
    [
        pick(|x| x.outcome.to_string()),
        pick(|x| format!("{}%", round_to(x.served_fraction * 100.0, 1))),
        pick(|x| duration(x.rto_s)),
        pick(|x| duration(x.rpo_s)),
        pick(|x| {
            x.worst_request_ms
                .map_or("-".into(), |m| Millis(m).to_string())
        }),
    ]
}

fn write_table(diff: &Diff, out: &mut dyn Write, style: Style) -> io::Result<()> {
    writeln!(
        out,
        "drplan diff {} → {}",
        diff.base.source, diff.head.source
    )?;
    let color = if diff.passed {
        Color::Green
    } else {
        Color::Red
    };
    let word = if diff.passed { "passed" } else { "FAILED" };
    writeln!(out, "{}: {}", paint_text(word, color, style), verdict(diff))?;
    writeln!(out, "{}\n", capitalize(&changes_sentence(diff)))?;
    let figures: Vec<&Figure> = diff.changed_figures().collect();
    if !figures.is_empty() {
        let mut t = new_table(style);
        t.set_header(vec!["Figure", "Base", "Head", "Change"]);
        for f in figures {
            let (base, head) = figure_texts(f);
            t.add_row(vec![
                Cell::new(figure_label(f.key)),
                Cell::new(base).set_alignment(CellAlignment::Right),
                Cell::new(head).set_alignment(CellAlignment::Right),
                paint(
                    Cell::new(format!(
                        "{}, {}",
                        change_word(f.change),
                        figure_delta(f.key, f.base, f.head)
                    )),
                    change_color(f.change),
                    style,
                ),
            ]);
        }
        writeln!(out, "{t}\n")?;
    }
    if !diff.spofs_added.is_empty() || !diff.spofs_removed.is_empty() {
        let mut parts = Vec::new();
        if !diff.spofs_added.is_empty() {
            parts.push(format!("added {}", diff.spofs_added.join(", ")));
        }
        if !diff.spofs_removed.is_empty() {
            parts.push(format!("removed {}", diff.spofs_removed.join(", ")));
        }
        writeln!(out, "Single points of failure: {}\n", parts.join("; "))?;
    }
    if !diff.scenarios.is_empty() {
        writeln!(out, "Scenarios changed ({}):", diff.scenarios.len())?;
        let mut t = new_table(style);
        t.set_header(vec![
            "Scenario", "Outcome", "Served", "RTO", "RPO", "Request", "Change",
        ]);
        for s in &diff.scenarios {
            let [o, served, rto, rpo, request] = scenario_cells(s);
            t.add_row(vec![
                Cell::new(&s.id),
                Cell::new(o),
                Cell::new(served).set_alignment(CellAlignment::Right),
                Cell::new(rto).set_alignment(CellAlignment::Right),
                Cell::new(rpo).set_alignment(CellAlignment::Right),
                Cell::new(request).set_alignment(CellAlignment::Right),
                paint(
                    Cell::new(change_word(s.change)),
                    change_color(s.change),
                    style,
                ),
            ]);
        }
        writeln!(out, "{t}\n")?;
    }
    for l in &diff.limits {
        writeln!(
            out,
            "Objective {} changed: {} → {}",
            l.objective,
            l.base
                .as_ref()
                .map_or("not set".into(), |v| describe::value(l.objective, v)),
            l.head
                .as_ref()
                .map_or("not set".into(), |v| describe::value(l.objective, v))
        )?;
    }
    let v = &diff.verdict;
    if !v.breaches.is_empty() {
        let new = v.breaches.iter().filter(|b| diff.is_new(b)).count();
        writeln!(out, "Breaches in HEAD ({}, {new} new):", v.breaches.len())?;
        let mut t = new_table(style);
        t.set_header(vec![
            "Objective",
            "Scenario",
            "Limit",
            "Actual",
            "New",
            "Line",
        ]);
        for b in &v.breaches {
            let mut cells = breach_cells(b, Color::Red, style);
            cells.push(Cell::new(if diff.is_new(b) { "new" } else { "" }));
            cells.push(Cell::new(file_line(&v.file, b.location)));
            t.add_row(cells);
        }
        writeln!(out, "{t}\n")?;
    }
    if !diff.fixed_breaches.is_empty() {
        let fixed: Vec<String> = diff
            .fixed_breaches
            .iter()
            .map(describe::breach_title)
            .collect();
        writeln!(out, "Fixed since BASE: {}\n", fixed.join(", "))?;
    }
    if !diff.regressions.is_empty() {
        writeln!(
            out,
            "Gated figures that got worse ({}):",
            if diff.fail_on_regression {
                "these fail the diff with --fail-on-regression"
            } else {
                "add --fail-on-regression to fail on them"
            }
        )?;
        let mut t = new_table(style);
        t.set_header(vec!["Objective", "Scenario", "Base", "Head"]);
        for r in &diff.regressions {
            t.add_row(vec![
                Cell::new(r.objective),
                Cell::new(r.scenario.as_deref().unwrap_or("(overall)")),
                Cell::new(describe::value(r.objective, &r.base)),
                paint(
                    Cell::new(describe::value(r.objective, &r.head)),
                    Color::Red,
                    style,
                ),
            ]);
        }
        writeln!(out, "{t}\n")?;
    }
    Ok(())
}

/// The pull-request comment: the verdict line first, the changed figures, then details in
/// collapsible sections.
fn write_markdown(diff: &Diff, out: &mut dyn Write) -> io::Result<()> {
    let mark = if !diff.verdict.has_objectives {
        "ℹ️"
    } else if diff.passed {
        "✅"
    } else {
        "❌"
    };
    let headline = verdict(diff);
    writeln!(out, "### {mark} drplan diff: {}\n", cell(&headline))?;
    writeln!(
        out,
        "{} → {}: {}.\n",
        code(&diff.base.source),
        code(&diff.head.source),
        changes_sentence(diff)
    )?;
    let figures: Vec<&Figure> = diff.changed_figures().collect();
    if !figures.is_empty() {
        writeln!(out, "| Figure | Base | Head | Change |")?;
        writeln!(out, "|---|--:|--:|---|")?;
        for f in figures {
            let (base, head) = figure_texts(f);
            writeln!(
                out,
                "| {} | {} | {} | {} {} |",
                figure_label(f.key),
                cell(&base),
                cell(&head),
                change_mark(f.change),
                cell(&figure_delta(f.key, f.base, f.head))
            )?;
        }
        writeln!(out)?;
    }
    let v = &diff.verdict;
    if !v.breaches.is_empty() {
        let new = v.breaches.iter().filter(|b| diff.is_new(b)).count();
        open_details(
            out,
            &format!("Breaches in HEAD: {} ({new} new)", v.breaches.len()),
            true,
        )?;
        writeln!(out, "| Objective | Scenario | Limit | Actual | Line |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for b in &v.breaches {
            writeln!(
                out,
                "| {}{} | {} | {} | {} | {} |",
                code(b.objective),
                if diff.is_new(b) { " 🆕" } else { "" },
                b.scenario.as_deref().map_or(
                    crate::render::describe::overall_scenario(b.objective).into(),
                    code
                ),
                cell(&describe::value(b.objective, &b.limit)),
                cell(&describe::value(b.objective, &b.actual)),
                code(&file_line(&v.file, b.location))
            )?;
        }
        writeln!(out)?;
        write_expired_of(v, out)?;
        close_details(out)?;
    }
    if !diff.regressions.is_empty() {
        let note = if diff.fail_on_regression {
            "failing with --fail-on-regression"
        } else {
            "reported only"
        };
        open_details(
            out,
            &format!(
                "Gated figures that got worse: {} ({note})",
                diff.regressions.len()
            ),
            diff.fail_on_regression,
        )?;
        writeln!(out, "| Objective | Scenario | Base | Head |")?;
        writeln!(out, "|---|---|---|---|")?;
        for r in &diff.regressions {
            writeln!(
                out,
                "| {} | {} | {} | {} |",
                code(r.objective),
                r.scenario.as_deref().map_or("overall".into(), code),
                cell(&describe::value(r.objective, &r.base)),
                cell(&describe::value(r.objective, &r.head))
            )?;
        }
        writeln!(out)?;
        close_details(out)?;
    }
    if !diff.scenarios.is_empty() {
        open_details(
            out,
            &format!("Scenarios changed: {}", diff.scenarios.len()),
            false,
        )?;
        writeln!(
            out,
            "| Scenario | Outcome | Served | RTO | RPO | Request | Change |"
        )?;
        writeln!(out, "|---|---|--:|--:|--:|--:|---|")?;
        for s in &diff.scenarios {
            let pick_outcome = |x: &ScenarioSide| outcome(x.outcome);
            let o = arrow(
                s.base.as_ref().map(pick_outcome),
                s.head.as_ref().map(pick_outcome),
            );
            let [_, served, rto, rpo, request] = scenario_cells(s);
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(&s.id),
                o,
                served,
                rto,
                rpo,
                request,
                change_mark(s.change)
            )?;
        }
        writeln!(out)?;
        close_details(out)?;
    }
    if !diff.spofs_added.is_empty() || !diff.spofs_removed.is_empty() {
        open_details(
            out,
            &format!(
                "Single points of failure: +{} −{}",
                diff.spofs_added.len(),
                diff.spofs_removed.len()
            ),
            false,
        )?;
        if !diff.spofs_added.is_empty() {
            writeln!(out, "- added: {}", codes(&diff.spofs_added))?;
        }
        if !diff.spofs_removed.is_empty() {
            writeln!(out, "- removed: {}", codes(&diff.spofs_removed))?;
        }
        writeln!(out)?;
        close_details(out)?;
    }
    if !diff.limits.is_empty() || !diff.fixed_breaches.is_empty() || !v.waived.is_empty() {
        open_details(out, "Objectives and waivers", false)?;
        for l in &diff.limits {
            writeln!(
                out,
                "- limit of {} changed: {} → {}",
                code(l.objective),
                l.base
                    .as_ref()
                    .map_or("not set".into(), |x| cell(&describe::value(l.objective, x))),
                l.head
                    .as_ref()
                    .map_or("not set".into(), |x| cell(&describe::value(l.objective, x)))
            )?;
        }
        for b in &diff.fixed_breaches {
            writeln!(
                out,
                "- fixed since BASE: {}",
                code(&describe::breach_title(b))
            )?;
        }
        for w in &v.waived {
            writeln!(
                out,
                "- waived: {} ({}): {}",
                code(&describe::breach_title(&w.breach)),
                describe::waiver_expiry(&w.waiver),
                cell(&w.waiver.reason)
            )?;
        }
        writeln!(out)?;
        close_details(out)?;
    }
    super::markdown::write_stale_waivers(out, v)
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
