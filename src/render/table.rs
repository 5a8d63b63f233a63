//! The terminal renderer: a summary an SRE reads at a glance, then one row per scenario, worst
//! first, then the objectives that were breached.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color, Table};

use super::Style;
use super::describe::percent_interval;
use super::labels::scientific;
use super::terminal::{breach_cells, new_table, paint};
use crate::model::units::{percent, round_to};
use crate::model::{Millis, Seconds, Usd};
use crate::report::{Report, ScenarioReport};

pub fn write(report: &Report, out: &mut dyn Write, style: Style) -> io::Result<()> {
    write_with(report, out, style, None)
}

/// The report, with the scenario table limited to the `top` worst scenarios when given.
pub fn write_with(
    report: &Report,
    out: &mut dyn Write,
    style: Style,
    top: Option<usize>,
) -> io::Result<()> {
    writeln!(out, "drplan analysis of {}\n", report.topology)?;
    writeln!(out, "{}\n", summary(report, style))?;
    write_changes(report, out, style)?;
    write_frozen(report, out)?;
    write_cut_sets(report, out, style)?;
    write_importance(report, out, style)?;
    if let Some(c) = &report.combinations {
        writeln!(out, "{}", combinations(c, style))?;
        match supersets_note(report, c) {
            Some(note) => writeln!(out, "{note}\n")?,
            None => writeln!(out)?,
        }
        if c.hidden_dependencies.is_empty() {
            writeln!(
                out,
                "Hidden dependencies: none (no combination is down unless a smaller part of it is)\n"
            )?;
        } else {
            writeln!(
                out,
                "Hidden dependencies: {} combination{} down although no smaller part of {} is:",
                c.hidden_dependencies.len(),
                if c.hidden_dependencies.len() == 1 {
                    " is"
                } else {
                    "s are"
                },
                if c.hidden_dependencies.len() == 1 {
                    "it"
                } else {
                    "them"
                },
            )?;
            for id in c.hidden_dependencies.iter().take(20) {
                writeln!(out, "  {id}")?;
            }
            if c.hidden_dependencies.len() > 20 {
                writeln!(
                    out,
                    "  ... and {} more (see --format json)",
                    c.hidden_dependencies.len() - 20
                )?;
            }
            writeln!(out)?;
        }
    }
    let (rows, hidden) = rows(report, top);
    writeln!(out, "{}", scenarios(report, &rows, style))?;
    let all = report.summary.scenario_count;
    if hidden > 0 {
        writeln!(
            out,
            "showing the {} worst of {} scenarios (by outcome, then impact); --top N shows more, --format json or jsonl lists all\n",
            rows.len(),
            all
        )?;
    } else {
        let counts = count_outcomes(&report.scenarios);
        writeln!(
            out,
            "{} scenarios: {} down, {} degraded, {} up\n",
            report.scenarios.len(),
            counts[2],
            counts[1],
            counts[0]
        )?;
    }
    if !report.objectives.breaches.is_empty() {
        writeln!(out, "Objectives breached:\n{}\n", breaches(report, style))?;
    }
    Ok(())
}

/// The rows to show and how many scenarios are left out. Without `top` every standard scenario
/// is shown (worst first, then by id) with the worst combinations after it; with `top`, the N
/// worst of all, worst first.
fn rows(report: &Report, top: Option<usize>) -> (Vec<&ScenarioReport>, u64) {
    let combos = report
        .combinations
        .as_ref()
        .map_or(&[][..], |c| c.worst.as_slice());
    let mut rows: Vec<&ScenarioReport> = report.scenarios.iter().chain(combos).collect();
    let all = report.summary.scenario_count;
    let last = |s: &ScenarioReport| ranked_last(report, s);
    match top {
        Some(n) => {
            rows.sort_by(|a, b| {
                last(a)
                    .cmp(&last(b))
                    .then_with(|| severity(a.outcome).cmp(&severity(b.outcome)))
                    .then_with(|| impact_order(b.impact_s, a.impact_s))
                    .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
            });
            rows.truncate(n);
        }
        None => rows.sort_by(|a, b| {
            (a.class == "combo")
                .cmp(&(b.class == "combo"))
                .then_with(|| last(a).cmp(&last(b)))
                .then_with(|| severity(a.outcome).cmp(&severity(b.outcome)))
                .then_with(|| {
                    if a.class == "combo" {
                        impact_order(b.impact_s, a.impact_s)
                    } else {
                        std::cmp::Ordering::Equal
                    }
                })
                .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
        }),
    }
    let hidden = all.saturating_sub(rows.len() as u64);
    (rows, hidden)
}

/// Whether a combination contains a single point of failure and is ranked after the others.
fn ranked_last(report: &Report, s: &ScenarioReport) -> bool {
    let spofs = &report.summary.single_points_of_failure;
    s.class == "combo"
        && report
            .combinations
            .as_ref()
            .is_some_and(|c| c.supersets_ranked_last)
        && s.id.split('+').any(|part| spofs.iter().any(|p| p == part))
}

/// The line under the combination counts that says how many combinations contain a single
/// point of failure and where they are ranked.
fn supersets_note(report: &Report, c: &crate::report::Combinations) -> Option<String> {
    let n = c.supersets_of_single_points_of_failure;
    if n == 0 {
        return None;
    }
    let spofs = report.summary.single_points_of_failure.join(", ");
    Some(if c.supersets_ranked_last {
        format!(
            "{n} of {} combinations contain a single point of failure ({spofs}) and say nothing new: folded after the other combinations in the scenario table (--show-supersets ranks them all by outcome and impact)",
            c.evaluated
        )
    } else {
        format!(
            "{n} of {} combinations contain a single point of failure ({spofs}); ranked with the others (--show-supersets)",
            c.evaluated
        )
    })
}

/// Orders impacts ascending with unbounded (`None`) largest.
fn impact_order(a: Option<f64>, b: Option<f64>) -> std::cmp::Ordering {
    match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (Some(_), None) => std::cmp::Ordering::Less,
        (Some(x), Some(y)) => x.total_cmp(&y),
    }
}

/// Scenario counts by class and outcome.
fn combinations(c: &crate::report::Combinations, style: Style) -> Table {
    let mut t = new_table(style);
    t.set_header(vec!["Class", "Down", "Degraded", "Up", "Scenarios"]);
    for (class, n) in &c.outcomes {
        t.add_row(vec![
            Cell::new(class),
            paint(
                Cell::new(n.down),
                Color::Red,
                Style {
                    color: style.color && n.down > 0,
                },
            )
            .set_alignment(CellAlignment::Right),
            Cell::new(n.degraded).set_alignment(CellAlignment::Right),
            Cell::new(n.up).set_alignment(CellAlignment::Right),
            Cell::new(n.down + n.degraded + n.up).set_alignment(CellAlignment::Right),
        ]);
    }
    t
}

fn duration(v: Option<f64>) -> String {
    match v {
        Some(s) => Seconds(s).to_string(),
        None => "unbounded".into(),
    }
}

fn summary(report: &Report, style: Style) -> Table {
    let s = &report.summary;
    let mut t = new_table(style);
    let mut row = |k: &str, v: Cell| {
        t.add_row(vec![Cell::new(k), v]);
    };
    match (s.availability, s.unavailability) {
        (Some(a), Some(u)) => {
            let nines = s.availability_nines.map_or("no downtime".into(), |n| {
                format!("{} nines", round_to(n, 2))
            });
            if let Some(b) = super::labels::interval(s) {
                // Not exact: every figure as its proven interval, and why.
                row(
                    "Availability",
                    Cell::new(format!(
                        "{} (proven interval; the gate reads its lower end)",
                        percent_interval(b.availability)
                    )),
                );
                row(
                    "Full-capacity availability",
                    Cell::new(percent_interval(b.full_capacity_availability)),
                );
                row(
                    "Expected served fraction",
                    Cell::new(percent_interval(b.expected_served_fraction)),
                );
                row(
                    "Effective availability",
                    Cell::new(percent_interval(b.effective_availability)),
                );
                let d = b.downtime_minutes_per_year;
                row(
                    super::labels::DOWNTIME,
                    Cell::new(format!(
                        "{} to {} per year",
                        Seconds(d[0] * 60.0),
                        Seconds(d[1] * 60.0)
                    )),
                );
                if let Some(note) = &s.availability_note {
                    row("Why an interval", Cell::new(note));
                }
            } else {
                row(
                    "Availability",
                    Cell::new(format!("{} ({nines}; unavailability {u:.3e})", percent(a))),
                );
                if let Some(bound) = super::labels::error_bound(s) {
                    row(
                        "Error bound",
                        Cell::new(format!("{bound} (docs/availability.md)")),
                    );
                }
                if let Some(f) = s.full_capacity_availability {
                    row("Full-capacity availability", Cell::new(percent(f)));
                }
                if let Some(e) = s.expected_served_fraction {
                    row("Expected served fraction", Cell::new(percent(e)));
                }
                if let Some(e) = s.effective_availability {
                    row("Effective availability", Cell::new(percent(e)));
                }
                if let Some(d) = s.downtime_minutes_per_year {
                    let split = s.downtime_split.as_ref().map_or(String::new(), |x| {
                        format!(" = {}", super::labels::split_text(x))
                    });
                    row(
                        super::labels::DOWNTIME,
                        Cell::new(format!("{} per year{split}", Seconds(d * 60.0))),
                    );
                }
            }
        }
        _ => row(
            "Availability",
            Cell::new(
                s.availability_note
                    .clone()
                    .unwrap_or_else(|| "not computed".into()),
            ),
        ),
    }
    let c = &report.cost;
    row(
        "Monthly cost",
        Cell::new(format!(
            "{} (compute {}, datastores {}, replication {}, routing {})",
            Usd(c.total),
            Usd(c.compute),
            Usd(c.datastores),
            Usd(c.replication),
            Usd(c.routing)
        )),
    );
    let mut worst_rto = worst_with(report, s.worst_rto_s, |x| x.rto_s, true);
    let left_out: Vec<&str> = s.worst_rto_left_out.iter().map(String::as_str).collect();
    if let Some(note) = super::labels::left_out_note(&left_out) {
        worst_rto = format!("{worst_rto}; {note}");
    }
    row("Worst RTO", Cell::new(worst_rto));
    row(
        "Worst RPO",
        Cell::new(worst_with(report, s.worst_rpo_s, |x| x.rpo_s, false)),
    );
    row(
        "Worst DNS exposure",
        Cell::new(worst_with(
            report,
            Some(s.worst_dns_exposure_s),
            |x| Some(x.dns_exposure_s),
            false,
        )),
    );
    let b = &report.baseline;
    row(
        "Latency, nothing failed",
        Cell::new(format!(
            "worst RTT {}, worst request {}",
            b.worst_rtt_ms.map_or("-".into(), |m| Millis(m).to_string()),
            b.worst_request_ms
                .map_or("-".into(), |m| Millis(m).to_string())
        )),
    );
    let spofs = if s.single_points_of_failure.is_empty() {
        paint(Cell::new("none"), Color::Green, style)
    } else {
        paint(
            Cell::new(s.single_points_of_failure.join(", ")),
            Color::Red,
            style,
        )
    };
    row("Single points of failure", spofs);
    let residency = super::describe::baseline_residency(b);
    if !residency.is_empty() {
        row(
            "Residency, nothing failed",
            paint(Cell::new(residency.join("; ")), Color::Red, style),
        );
    }
    let verdict = if !has_objectives(report) {
        Cell::new("none set")
    } else if report.objectives.passed {
        paint(Cell::new("passed"), Color::Green, style)
    } else {
        let n = report.objectives.breaches.len();
        paint(
            Cell::new(format!(
                "FAILED: {n} breach{}",
                if n == 1 { "" } else { "es" }
            )),
            Color::Red,
            style,
        )
    };
    row("Objectives", verdict);
    t
}

fn has_objectives(report: &Report) -> bool {
    report.objectives.has_objectives
}

/// A worst value and the scenario that has it (the first by id among equals).
fn worst_with(
    report: &Report,
    value: Option<f64>,
    pick: fn(&ScenarioReport) -> Option<f64>,
    skip_down: bool,
) -> String {
    let Some(v) = value else {
        return "unbounded (data lost)".into();
    };
    if v == 0.0 {
        return "0s".into();
    }
    let at = report
        .scenarios
        .iter()
        .filter(|s| !skip_down || s.outcome != "down")
        .find(|s| pick(s) == Some(v))
        .map(|s| format!(" ({})", s.id))
        .unwrap_or_default();
    format!("{}{at}", Seconds(v))
}

fn severity(outcome: &str) -> u8 {
    match outcome {
        "down" => 0,
        "degraded" => 1,
        _ => 2,
    }
}

fn count_outcomes(scenarios: &[ScenarioReport]) -> [usize; 3] {
    let mut c = [0; 3];
    for s in scenarios {
        c[2 - severity(s.outcome) as usize] += 1;
    }
    c
}

/// Whether a scenario is a custom one with `gate: false` (reported, never gated).
fn informational(report: &Report, s: &ScenarioReport) -> bool {
    s.class == "custom" && report.summary.informational_scenarios.contains(&s.id)
}

fn scenarios(report: &Report, rows: &[&ScenarioReport], style: Style) -> Table {
    let mut t = new_table(style);
    t.set_header(vec![
        "Scenario",
        "Outcome after recovery",
        "Served after recovery",
        "Limited by",
        "RTO",
        "RPO",
        "DNS exp.",
        "Impact",
        "Worst RTT",
        "Request",
        "Surge/h",
        "Residency",
    ]);
    for s in rows {
        let (outcome, kind) = super::labels::outcome(s);
        let color = match kind {
            "down" => Color::Red,
            "degraded" | "late" => Color::Yellow,
            _ => Color::Green,
        };
        let dash = |v: Option<f64>, f: fn(f64) -> String| v.map_or("-".to_string(), f);
        let id = if informational(report, s) {
            format!("{} ({})", s.id, super::labels::INFORMATIONAL)
        } else {
            s.id.clone()
        };
        t.add_row(vec![
            Cell::new(id),
            paint(Cell::new(outcome), color, style),
            Cell::new(format!("{}%", round_to(s.served_fraction * 100.0, 1)))
                .set_alignment(CellAlignment::Right),
            Cell::new(
                s.bottleneck
                    .as_ref()
                    .map_or(String::new(), super::describe::bottleneck),
            ),
            Cell::new(duration(s.rto_s)).set_alignment(CellAlignment::Right),
            Cell::new(duration(s.rpo_s)).set_alignment(CellAlignment::Right),
            Cell::new(Seconds(s.dns_exposure_s).to_string()).set_alignment(CellAlignment::Right),
            Cell::new(duration(s.impact_s)).set_alignment(CellAlignment::Right),
            Cell::new(dash(s.worst_rtt_ms, |m| Millis(m).to_string()))
                .set_alignment(CellAlignment::Right),
            Cell::new(dash(s.worst_request_ms, |m| Millis(m).to_string()))
                .set_alignment(CellAlignment::Right),
            Cell::new(super::labels::surge(s.surge_cost_per_hour))
                .set_alignment(CellAlignment::Right),
            if s.residency_violations.is_empty() {
                Cell::new("")
            } else {
                paint(
                    Cell::new(s.residency_violations.join(", ")),
                    Color::Red,
                    style,
                )
            },
        ]);
    }
    t
}

/// MODEL.md §11: each change scenario, its waves reached, blast radius and downtime a year,
/// so that a staged rollout and a global push can be compared at a glance.
fn write_changes(report: &Report, out: &mut dyn Write, style: Style) -> io::Result<()> {
    let changes: Vec<(&ScenarioReport, &crate::evaluate::change::Figures)> = report
        .scenarios
        .iter()
        .filter_map(|s| s.change.as_ref().map(|c| (s, c)))
        .collect();
    if changes.is_empty() {
        return Ok(());
    }
    let mut t = new_table(style);
    t.set_header(vec![
        "Change",
        "Outcome",
        "Waves reached",
        "Blast radius",
        "Bad/yr",
        "Impact",
        "Downtime/yr",
    ]);
    for (s, c) in &changes {
        let waves = match c.waves_reached {
            Some(n) => format!("{n} of {}", c.waves),
            None => "all (not staged)".into(),
        };
        let downtime = s.impact_s.map_or("- (data lost)".to_string(), |i| {
            Seconds(c.frequency_per_year * i).to_string()
        });
        let color = match s.outcome {
            "down" => Color::Red,
            "degraded" => Color::Yellow,
            _ => Color::Green,
        };
        t.add_row(vec![
            Cell::new(&s.id),
            paint(Cell::new(s.outcome), color, style),
            Cell::new(waves),
            Cell::new(format!("{}%", round_to(s.blast_radius * 100.0, 1)))
                .set_alignment(CellAlignment::Right),
            Cell::new(round_to(c.frequency_per_year, 3)).set_alignment(CellAlignment::Right),
            Cell::new(duration(s.impact_s)).set_alignment(CellAlignment::Right),
            Cell::new(downtime).set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(
        out,
        "Changes (bad ones a year, and what each costs; {} a year in all):\n{t}\n",
        Seconds(report.summary.change_downtime_minutes_per_year * 60.0)
    )
}

/// MODEL.md §10.6: scenarios whose recovery needed a control plane that was down.
fn write_frozen(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let frozen: Vec<&ScenarioReport> = report
        .scenarios
        .iter()
        .filter(|s| !s.frozen.is_empty())
        .collect();
    if frozen.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "Frozen recovery (not statically stable): {} scenario{} need{} a control plane that is down:",
        frozen.len(),
        if frozen.len() == 1 { "" } else { "s" },
        if frozen.len() == 1 { "s" } else { "" },
    )?;
    for s in frozen.iter().take(10) {
        let stuck = if s.stuck.is_empty() {
            String::new()
        } else {
            format!("; stuck: {}", s.stuck.join(", "))
        };
        writeln!(
            out,
            "  {} ({}): needs {}{stuck}",
            s.id,
            s.outcome,
            s.frozen.join(", ")
        )?;
    }
    if frozen.len() > 10 {
        writeln!(
            out,
            "  ... and {} more (see --format json)",
            frozen.len() - 10
        )?;
    }
    writeln!(out)
}

fn breaches(report: &Report, style: Style) -> Table {
    let mut t = new_table(style);
    t.set_header(vec!["Objective", "Scenario", "Limit", "Actual"]);
    for b in &report.objectives.breaches {
        t.add_row(breach_cells(b, Color::Red, style));
    }
    t
}

/// How many cut sets and components the terminal shows (JSON has all).
const SHOWN: usize = 10;

/// The most probable minimal cut sets.
fn write_cut_sets(report: &Report, out: &mut dyn Write, style: Style) -> io::Result<()> {
    let c = &report.minimal_cut_sets;
    if c.sets.is_empty() {
        return writeln!(
            out,
            "Minimal cut sets: none of up to {} components\n",
            c.max_order
        );
    }
    let mut t = new_table(style);
    t.set_header(vec!["Minimal cut set", "Order", "Probability"]);
    for set in c.sets.iter().take(SHOWN) {
        t.add_row(vec![
            Cell::new(set.components.join(" + ")),
            Cell::new(set.components.len()).set_alignment(CellAlignment::Right),
            Cell::new(scientific(set.probability)).set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(out, "{t}")?;
    writeln!(
        out,
        "{} minimal cut set{} of up to {} components, most probable first{}\n",
        c.sets.len(),
        if c.sets.len() == 1 { "" } else { "s" },
        c.max_order,
        if c.sets.len() > SHOWN {
            format!(" (showing {SHOWN}; --format json lists all, --cut-order K goes deeper)")
        } else {
            String::new()
        }
    )
}

/// What to fix first: each component's share of the expected downtime, with importance
/// measures.
fn write_importance(report: &Report, out: &mut dyn Write, style: Style) -> io::Result<()> {
    let Some(rows) = &report.importance else {
        if report.summary.availability.is_some() && report.importance_asked {
            writeln!(
                out,
                "What to fix first: {}\n",
                super::labels::importance_not_computed(report)
            )?;
        }
        return Ok(());
    };
    let mut t = new_table(style);
    t.set_header(vec![
        "Component",
        super::labels::NEVER_FAILED,
        super::labels::FAILURE_ALONE,
        "Failures/yr",
        "Birnbaum",
        "RAW",
        "RRW",
    ]);
    let ratio = |x: Option<f64>| x.map_or("-".into(), |x| round_to(x, 2));
    for row in rows.iter().take(SHOWN) {
        let i = &row.measures;
        t.add_row(vec![
            Cell::new(&i.component),
            Cell::new(Seconds(i.downtime_minutes_per_year * 60.0))
                .set_alignment(CellAlignment::Right),
            Cell::new(Seconds(row.single_failure_downtime_minutes_per_year * 60.0))
                .set_alignment(CellAlignment::Right),
            Cell::new(round_to(i.failures_per_year, 3)).set_alignment(CellAlignment::Right),
            Cell::new(super::labels::birnbaum(i.birnbaum)).set_alignment(CellAlignment::Right),
            Cell::new(ratio(i.risk_achievement_worth)).set_alignment(CellAlignment::Right),
            Cell::new(ratio(i.risk_reduction_worth)).set_alignment(CellAlignment::Right),
        ]);
    }
    writeln!(out, "What to fix first:\n{t}")?;
    if rows.iter().take(SHOWN).any(|i| i.measures.birnbaum < 0.0) {
        writeln!(out, "\u{2020} {}", super::labels::NEGATIVE_BIRNBAUM_NOTE)?;
    }
    writeln!(
        out,
        "{} Birnbaum: P(down | it is down) - P(down | it is up); RAW, RRW: risk achievement and reduction worth{}\n",
        super::labels::MEASURES_NOTE,
        if rows.len() > SHOWN {
            format!(
                " (showing {SHOWN} of {}; --format json lists all)",
                rows.len()
            )
        } else {
            String::new()
        }
    )
}
