//! `drplan compare` as a terminal table, JSON or markdown: architectures as columns, metrics as
//! rows, the best value of each row marked with ★.

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color};

use super::describe::figure_value;
use super::markdown::{cell, close_details, code, codes, open_details};
use super::terminal::{new_table, paint};
use super::{Format, Style};
use crate::compare::{Comparison, Metric, Row};
use crate::model::units::round_to;

/// The formats `compare` writes.
pub const FORMATS: &[Format] = &[Format::Table, Format::Json, Format::Markdown, Format::Html];

/// The marker of the best value in a row.
const BEST: &str = "★";

/// Writes a comparison in one of [`FORMATS`].
pub fn write(
    format: Format,
    comparison: &Comparison,
    out: &mut dyn Write,
    style: Style,
) -> io::Result<()> {
    match format {
        Format::Json => {
            serde_json::to_writer_pretty(&mut *out, comparison)?;
            writeln!(out)
        }
        Format::Markdown => write_markdown(comparison, out),
        _ => write_table(comparison, out, style),
    }
}

/// The report key of a metric, for formatting its values.
fn key(metric: Metric) -> &'static str {
    match metric {
        Metric::Availability => "availability",
        Metric::Nines => "nines",
        Metric::EffectiveAvailability => "effective_availability",
        Metric::DowntimeMinutesPerYear => "downtime_minutes_per_year",
        Metric::ChangeDowntimeMinutesPerYear => "change_downtime_minutes_per_year",
        Metric::WorstRtoS => "worst_rto_s",
        Metric::WorstRpoS => "worst_rpo_s",
        Metric::WorstDnsExposureS => "worst_dns_exposure_s",
        Metric::RegionLossRtoS => "worst_rto_s",
        Metric::RegionLossRpoS => "worst_rpo_s",
        Metric::RegionLossServedFraction => "served_fraction",
        Metric::SinglePointsOfFailure => "single_points_of_failure",
        Metric::MonthlyCost => "monthly_cost",
        Metric::CostPerExtraNine => "cost_per_extra_nine",
    }
}

/// The values of a row as shown. Availabilities and nines get more digits until different
/// values read different, so the ★ never sits on one of two equal-looking numbers.
fn texts(row: &Row) -> Vec<String> {
    let render = |digits: Option<usize>| -> Vec<String> {
        (0..row.values.len())
            .map(|i| match (digits, row.metric, row.values[i]) {
                (Some(d), Metric::Availability | Metric::EffectiveAvailability, Some(a)) => {
                    format!("{}%", round_to(a * 100.0, d))
                }
                (Some(d), Metric::Nines, Some(n)) if n.is_finite() => round_to(n, d),
                _ => text(row, i),
            })
            .collect()
    };
    let adaptive = matches!(
        row.metric,
        Metric::Availability | Metric::EffectiveAvailability | Metric::Nines
    );
    let mut shown = render(None);
    if !adaptive {
        return shown;
    }
    let clash = |shown: &[String]| {
        (0..shown.len())
            .any(|i| (0..i).any(|j| shown[i] == shown[j] && row.values[i] != row.values[j]))
    };
    let start = shown
        .iter()
        .map(|t| {
            t.split('.')
                .nth(1)
                .map_or(0, |d| d.trim_end_matches('%').len())
        })
        .max()
        .unwrap_or(0);
    let mut digits = start;
    while clash(&shown) && digits < 14 {
        digits += 1;
        shown = render(Some(digits));
    }
    shown
}

/// One value as shown: per-nine costs say when there is nothing to divide by.
fn text(row: &Row, column: usize) -> String {
    let v = row.values[column];
    match (row.metric, v) {
        (Metric::CostPerExtraNine, None) if column == 0 => "(reference)".into(),
        (Metric::CostPerExtraNine, None) => "no extra nine".into(),
        (Metric::CostPerExtraNine, Some(c)) if c < 0.0 => {
            format!("saves {}", figure_value("monthly_cost", Some(-c)))
        }
        (Metric::DowntimeMinutesPerYear | Metric::ChangeDowntimeMinutesPerYear, Some(_)) => {
            format!("{}/year", figure_value(key(row.metric), v))
        }
        _ => figure_value(key(row.metric), v),
    }
}

fn header(comparison: &Comparison) -> Vec<String> {
    let mut h = vec!["Metric".to_string()];
    h.extend(
        comparison
            .columns
            .iter()
            .map(|c| format!("{}\n{}", c.topology, c.source)),
    );
    h
}

fn write_table(comparison: &Comparison, out: &mut dyn Write, style: Style) -> io::Result<()> {
    writeln!(
        out,
        "drplan compare: {} architectures\n",
        comparison.columns.len()
    )?;
    let mut t = new_table(style);
    t.set_header(header(comparison));
    for row in &comparison.rows {
        let mut cells = vec![Cell::new(row.metric.label())];
        let shown = texts(row);
        for (i, text) in shown.into_iter().enumerate() {
            let mut text = text;
            if row.best.contains(&i) {
                text = format!("{BEST} {text}");
            }
            let c = Cell::new(text).set_alignment(CellAlignment::Right);
            cells.push(if row.best.contains(&i) {
                paint(c, Color::Green, style)
            } else {
                c
            });
        }
        t.add_row(cells);
    }
    writeln!(out, "{t}")?;
    if let Some(ids) = comparison
        .row(Metric::SinglePointsOfFailure)
        .and_then(|r| r.ids.as_ref())
    {
        for (c, ids) in comparison.columns.iter().zip(ids) {
            if !ids.is_empty() {
                writeln!(
                    out,
                    "Single points of failure of {} ({}): {}",
                    c.topology,
                    c.source,
                    ids.join(", ")
                )?;
            }
        }
    }
    writeln!(
        out,
        "{BEST} best in the row. Cost per extra nine: the monthly cost difference to the first file divided by the nines of availability gained."
    )
}

fn write_markdown(comparison: &Comparison, out: &mut dyn Write) -> io::Result<()> {
    let names: Vec<String> = comparison
        .columns
        .iter()
        .map(|c| code(&c.topology))
        .collect();
    writeln!(out, "### drplan compare: {}\n", names.join(" vs "))?;
    let mut head = String::from("| Metric |");
    let mut rule = String::from("|---|");
    for c in &comparison.columns {
        head.push_str(&format!(" {}<br>{} |", code(&c.topology), code(&c.source)));
        rule.push_str("--:|");
    }
    writeln!(out, "{head}\n{rule}")?;
    for row in &comparison.rows {
        let mut line = format!("| {} |", row.metric.label());
        for (i, t) in texts(row).iter().enumerate() {
            let t = cell(t);
            if row.best.contains(&i) {
                line.push_str(&format!(" **{BEST} {t}** |"));
            } else {
                line.push_str(&format!(" {t} |"));
            }
        }
        writeln!(out, "{line}")?;
    }
    writeln!(
        out,
        "\n{BEST} best in the row. Cost per extra nine: the monthly cost difference to the first file divided by the nines of availability gained.\n"
    )?;
    if let Some(ids) = comparison
        .row(Metric::SinglePointsOfFailure)
        .and_then(|r| r.ids.as_ref())
    {
        open_details(out, "Single points of failure", false)?;
        for (c, ids) in comparison.columns.iter().zip(ids) {
            let list = if ids.is_empty() {
                "none".to_string()
            } else {
                codes(ids)
            };
            writeln!(out, "- {}: {list}", code(&c.topology))?;
        }
        writeln!(out)?;
        close_details(out)?;
    }
    Ok(())
}
