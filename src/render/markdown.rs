//! GitHub-flavoured markdown for a pull-request comment: a verdict line first, then details in
//! collapsible `<details>` sections. No ANSI codes; ids are code spans so that `~` in a link id
//! never turns into strikethrough.

use std::io::{self, Write};

use super::check::objective_names;
use super::describe::{self, file_line};
use super::labels;
use crate::model::units::{nines, percent, round_to};
use crate::model::{Millis, Seconds, Usd};
use crate::report::{Report, ScenarioReport};

/// `analyze --format markdown`: the verdict, the key figures, then breaches and scenarios.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}\n", headline(report))?;
    writeln!(out, "{}\n", figures_line(report))?;
    write_gate_sections(report, out)?;
    write_summary(report, out)?;
    write_importance(report, out)?;
    write_scenarios(report, out)
}

/// `check --format markdown`: the verdict and the breaches only.
pub fn write_verdict(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "{}\n", headline(report))?;
    write_gate_sections(report, out)
}

/// The first line: the verdict, naming the objectives that fail.
pub fn headline(report: &Report) -> String {
    let v = &report.objectives;
    let name = code(&report.topology);
    let waived = match v.waived.len() {
        0 => String::new(),
        1 => " (1 breach waived)".into(),
        n => format!(" ({n} breaches waived)"),
    };
    if !v.has_objectives {
        format!("### ℹ️ drplan: {name} sets no objectives (nothing is gated)")
    } else if v.passed {
        let n = v.checked.len();
        format!(
            "### ✅ drplan: {name} passes its {n} objective{}{waived}",
            if n == 1 { "" } else { "s" }
        )
    } else {
        let names = objective_names(&v.breaches);
        let list: Vec<String> = names.iter().map(|n| code(n)).collect();
        format!(
            "### ❌ drplan: {name} fails {} objective{}: {}{waived}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            list.join(", ")
        )
    }
}

/// One line of the figures a reviewer looks at first.
fn figures_line(report: &Report) -> String {
    let s = &report.summary;
    let mut parts = Vec::new();
    match (s.availability, s.effective_availability) {
        (Some(_), Some(_)) if labels::interval(s).is_some() => parts.push(format!(
            "availability **{}** (proven interval), effective {}",
            labels::fraction(s, s.availability, |b| b.availability),
            labels::fraction(s, s.effective_availability, |b| b.effective_availability)
        )),
        (Some(a), Some(e)) => parts.push(format!(
            "availability **{}** ({} nines), effective {}",
            percent(a),
            round_to(nines(a), 2),
            percent(e)
        )),
        _ => parts.push("availability not computed".into()),
    }
    if s.downtime_minutes_per_year.is_some() {
        parts.push(format!("downtime **{}**/year", labels::downtime(s)));
    }
    parts.push(format!("monthly cost **{}**", Usd(s.monthly_cost)));
    parts.push(format!("worst RTO {}", duration(s.worst_rto_s)));
    parts.push(format!("worst RPO {}", duration(s.worst_rpo_s)));
    let spofs = if s.single_points_of_failure.is_empty() {
        "none".to_string()
    } else {
        codes(&s.single_points_of_failure)
    };
    parts.push(format!("single points of failure: {spofs}"));
    capitalize(&parts.join(" · "))
}

/// Breaches (open when failing), expired waivers, waived breaches and stale waivers.
fn write_gate_sections(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let v = &report.objectives;
    if !v.breaches.is_empty() {
        open_details(out, &format!("Breaches ({})", v.breaches.len()), true)?;
        writeln!(out, "| Objective | Scenario | Limit | Actual | Line |")?;
        writeln!(out, "|---|---|---|---|---|")?;
        for b in &v.breaches {
            writeln!(
                out,
                "| {} | {} | {} | {} | {} |",
                code(b.objective),
                b.scenario
                    .as_deref()
                    .map_or(describe::overall_scenario(b.objective).into(), code),
                cell(&describe::value(b.objective, &b.limit)),
                cell(&describe::value(b.objective, &b.actual)),
                code(&file_line(&v.file, b.location))
            )?;
        }
        writeln!(out)?;
        write_expired(report, out)?;
        close_details(out)?;
    }
    if !v.waived.is_empty() {
        let n = v.waived.len();
        open_details(
            out,
            &format!(
                "Waived: {n} accepted risk{}, not failing",
                if n == 1 { "" } else { "s" }
            ),
            false,
        )?;
        writeln!(
            out,
            "| Objective | Scenario | Limit | Actual | Reason | Expires | Waiver |"
        )?;
        writeln!(out, "|---|---|---|---|---|---|---|")?;
        for w in &v.waived {
            let b = &w.breach;
            writeln!(
                out,
                "| {} | {} | {} | {} | {} | {} | {} |",
                code(b.objective),
                b.scenario
                    .as_deref()
                    .map_or(describe::overall_scenario(b.objective).into(), code),
                cell(&describe::value(b.objective, &b.limit)),
                cell(&describe::value(b.objective, &b.actual)),
                cell(&w.waiver.reason),
                w.waiver.expires.as_deref().unwrap_or("never"),
                code(&file_line(&v.file, w.waiver.location))
            )?;
        }
        writeln!(out)?;
        close_details(out)?;
    }
    write_stale_waivers(out, v)
}

/// A quoted warning line per waiver that matches no breach (shared with the diff comment).
pub fn write_stale_waivers(out: &mut dyn Write, v: &crate::gate::Verdict) -> io::Result<()> {
    for w in &v.stale_waivers {
        writeln!(
            out,
            "> ⚠️ {} ({})\n",
            cell(&describe::stale_sentence(w)),
            code(&file_line(&v.file, w.location))
        )?;
    }
    Ok(())
}

/// A list item for each breach that fails because its waiver expired.
pub fn write_expired(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    write_expired_of(&report.objectives, out)
}

/// The same, from a verdict.
pub fn write_expired_of(v: &crate::gate::Verdict, out: &mut dyn Write) -> io::Result<()> {
    let mut any = false;
    for (b, w) in v.expired_waivers() {
        writeln!(
            out,
            "- ❌ {}: {}",
            code(&describe::breach_title(b)),
            cell(&describe::expired_sentence(w))
        )?;
        any = true;
    }
    if any {
        writeln!(out)?;
    }
    Ok(())
}

fn write_summary(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let s = &report.summary;
    open_details(out, "Summary", false)?;
    writeln!(out, "| Figure | Value |")?;
    writeln!(out, "|---|---|")?;
    let mut row = |k: &str, v: String| writeln!(out, "| {k} | {v} |");
    match (
        s.availability,
        s.full_capacity_availability,
        s.effective_availability,
    ) {
        (Some(a), Some(_), Some(_)) => {
            let why = match labels::interval(s) {
                Some(_) => "proven interval; the gate reads its lower end".to_string(),
                None => format!("{} nines", round_to(nines(a), 2)),
            };
            row(
                "Availability",
                format!(
                    "{} ({why})",
                    labels::fraction(s, s.availability, |b| b.availability)
                ),
            )?;
            row(
                "Full-capacity availability",
                labels::fraction(s, s.full_capacity_availability, |b| {
                    b.full_capacity_availability
                }),
            )?;
            row(
                "Expected served fraction",
                labels::fraction(s, s.expected_served_fraction, |b| {
                    b.expected_served_fraction
                }),
            )?;
            row(
                "Effective availability",
                labels::fraction(s, s.effective_availability, |b| b.effective_availability),
            )?;
            if let (Some(_), Some(note)) = (labels::interval(s), &s.availability_note) {
                row("Why an interval", cell(note))?;
            }
            if let Some(bound) = labels::error_bound(s) {
                row("Error bound", format!("{bound} (docs/availability.md)"))?;
            }
        }
        _ => row(
            "Availability",
            cell(s.availability_note.as_deref().unwrap_or("not computed")),
        )?,
    }
    if s.downtime_minutes_per_year.is_some() {
        let split = match (labels::interval(s), &s.downtime_split) {
            (None, Some(x)) => format!(" = {}", labels::split_text(x)),
            _ => String::new(),
        };
        row(
            labels::DOWNTIME,
            format!("{} per year{split}", labels::downtime(s)),
        )?;
    }
    let c = &report.cost;
    row(
        "Monthly cost",
        format!(
            "{} (compute {}, datastores {}, replication {}, routing {})",
            Usd(c.total),
            Usd(c.compute),
            Usd(c.datastores),
            Usd(c.replication),
            Usd(c.routing)
        ),
    )?;
    let left_out: Vec<&str> = s.worst_rto_left_out.iter().map(String::as_str).collect();
    let left_out = super::labels::left_out_note(&left_out);
    row(
        "Worst RTO",
        match left_out {
            Some(note) => format!("{} ({note})", duration(s.worst_rto_s)),
            None => duration(s.worst_rto_s),
        },
    )?;
    row("Worst RPO", duration(s.worst_rpo_s))?;
    row(
        "Worst DNS exposure",
        Seconds(s.worst_dns_exposure_s).to_string(),
    )?;
    let b = &report.baseline;
    row(
        "Latency, nothing failed",
        format!(
            "worst RTT {}, worst request {}",
            millis(b.worst_rtt_ms),
            millis(b.worst_request_ms)
        ),
    )?;
    row(
        "Single points of failure",
        if s.single_points_of_failure.is_empty() {
            "none".into()
        } else {
            codes(&s.single_points_of_failure)
        },
    )?;
    writeln!(out)?;
    close_details(out)
}

fn write_scenarios(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let mut rows: Vec<&ScenarioReport> = report.scenarios.iter().collect();
    rows.sort_by(|a, b| {
        severity(a.outcome)
            .cmp(&severity(b.outcome))
            .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
    });
    let count = |o: &str| rows.iter().filter(|s| s.outcome == o).count();
    open_details(
        out,
        &format!(
            "Scenarios: {} ({} down, {} degraded, {} up)",
            rows.len(),
            count("down"),
            count("degraded"),
            count("up")
        ),
        false,
    )?;
    writeln!(
        out,
        "| Scenario | Outcome after recovery | Served after recovery | Limited by | Degraded for | RTO | RPO | DNS exposure | Impact | Worst RTT | Request | Surge / h | Residency |"
    )?;
    writeln!(out, "|---|---|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|---|")?;
    for s in rows {
        let informational =
            s.class == "custom" && report.summary.informational_scenarios.contains(&s.id);
        writeln!(
            out,
            "| {}{} | {} | {}% | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            code(&s.id),
            if informational {
                format!(" ({})", super::labels::INFORMATIONAL)
            } else {
                String::new()
            },
            shown_outcome(s),
            round_to(s.served_fraction * 100.0, 1),
            s.bottleneck
                .as_ref()
                .map_or(String::new(), |b| cell(&describe::bottleneck(b))),
            duration(s.degraded_s),
            duration(s.rto_s),
            duration(s.rpo_s),
            Seconds(s.dns_exposure_s),
            duration(s.impact_s),
            millis(s.worst_rtt_ms),
            millis(s.worst_request_ms),
            super::labels::surge(s.surge_cost_per_hour),
            if s.residency_violations.is_empty() {
                String::new()
            } else {
                codes(&s.residency_violations)
            }
        )?;
    }
    writeln!(out)?;
    close_details(out)
}

/// What to fix first: the two per-component downtime measures and the importance measures,
/// with the terminal's labels.
fn write_importance(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    const SHOWN: usize = 10;
    let Some(rows) = &report.importance else {
        if report.summary.availability.is_some() && report.importance_asked {
            let why = super::labels::importance_not_computed(report);
            writeln!(out, "What to fix first: {why}\n")?;
        }
        return Ok(());
    };
    open_details(out, "What to fix first", false)?;
    writeln!(
        out,
        "| Component | {} | {} | Failures/yr | Birnbaum | RAW | RRW |",
        super::labels::NEVER_FAILED,
        super::labels::FAILURE_ALONE
    )?;
    writeln!(out, "|---|--:|--:|--:|--:|--:|--:|")?;
    let ratio = |x: Option<f64>| x.map_or("-".into(), |x| round_to(x, 2));
    for row in rows.iter().take(SHOWN) {
        let i = &row.measures;
        writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            code(&i.component),
            Seconds(i.downtime_minutes_per_year * 60.0),
            Seconds(row.single_failure_downtime_minutes_per_year * 60.0),
            round_to(i.failures_per_year, 3),
            super::labels::birnbaum(i.birnbaum),
            ratio(i.risk_achievement_worth),
            ratio(i.risk_reduction_worth)
        )?;
    }
    writeln!(out)?;
    if rows.iter().take(SHOWN).any(|i| i.measures.birnbaum < 0.0) {
        writeln!(
            out,
            "\u{2020} {}\n",
            cell(super::labels::NEGATIVE_BIRNBAUM_NOTE)
        )?;
    }
    writeln!(
        out,
        "{}{}\n",
        cell(super::labels::MEASURES_NOTE),
        if rows.len() > SHOWN {
            format!(
                " Showing {SHOWN} of {}; --format json lists all.",
                rows.len()
            )
        } else {
            String::new()
        }
    )?;
    close_details(out)
}

fn severity(outcome: &str) -> u8 {
    match outcome {
        "down" => 0,
        "degraded" => 1,
        _ => 2,
    }
}

/// An outcome with a marker a reader sees at a glance.
/// A scenario's outcome with its mark, "🟡 up after 3h 15m" for a long recovery.
fn shown_outcome(s: &ScenarioReport) -> String {
    match super::labels::outcome(s) {
        (text, "late") => format!("🟡 {text}"),
        _ => outcome(s.outcome),
    }
}

pub fn outcome(o: &str) -> String {
    match o {
        "down" => "🔴 down".into(),
        "degraded" => "🟡 degraded".into(),
        "up" => "🟢 up".into(),
        other => other.into(),
    }
}

/// `<details>` with a summary line; a blank line after it so that GitHub renders the markdown
/// inside.
pub fn open_details(out: &mut dyn Write, summary: &str, open: bool) -> io::Result<()> {
    let open = if open { " open" } else { "" };
    writeln!(
        out,
        "<details{open}><summary>{}</summary>\n",
        html_escape(summary)
    )
}

/// Ends a `<details>` section, with the blank line GitHub needs after it.
pub fn close_details(out: &mut dyn Write) -> io::Result<()> {
    writeln!(out, "</details>\n")
}

/// Text safe inside a table cell: no pipe, no line break, no raw HTML.
pub fn cell(text: &str) -> String {
    html_escape(text)
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A code span, with a fence longer than any backtick run inside; pipes escaped for tables.
pub fn code(text: &str) -> String {
    let text = text.replace(['\n', '\r'], " ");
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('|', "\\|"))
}

/// Several ids as code spans, comma-separated.
pub fn codes(ids: &[String]) -> String {
    ids.iter().map(|i| code(i)).collect::<Vec<_>>().join(", ")
}

/// A duration, or `unbounded`.
pub fn duration(v: Option<f64>) -> String {
    v.map_or("unbounded".into(), |s| Seconds(s).to_string())
}

fn millis(v: Option<f64>) -> String {
    v.map_or("-".into(), |m| Millis(m).to_string())
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
