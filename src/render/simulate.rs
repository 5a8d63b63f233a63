//! `drplan simulate` as a terminal table or a JSON document (fields in the README).

use std::io::{self, Write};

use comfy_table::{Cell, CellAlignment, Color};
use serde::Serialize;

use super::terminal::{new_table, paint};
use super::{Format, Style};
use crate::model::units::{group_thousands, round_to};
use crate::simulate::{Analytic, Estimate, Simulation};

/// The formats `simulate` writes.
pub const FORMATS: &[Format] = &[Format::Table, Format::Json];

/// What a simulation report shows: the run, and the exact figure beside it when there is one.
pub struct View<'a> {
    pub topology: &'a str,
    pub simulation: &'a Simulation,
    /// The §5 figures, or why they are absent.
    pub analytic: Result<&'a Analytic, &'a str>,
}

/// Writes a simulation report in one of [`FORMATS`].
pub fn write(format: Format, view: &View, out: &mut dyn Write, style: Style) -> io::Result<()> {
    match format {
        Format::Json => write_json(view, out),
        _ => write_table(view, out, style),
    }
}

/// The JSON document; field order is fixed by the structs.
fn write_json(view: &View, out: &mut dyn Write) -> io::Result<()> {
    #[derive(Serialize)]
    struct Downtime<'a> {
        mean: &'a Estimate,
        std_dev: f64,
        p50: Estimate,
        p90: Estimate,
        p99: Estimate,
        states: &'a Estimate,
        transients: &'a Estimate,
    }
    #[derive(Serialize)]
    struct Document<'a> {
        schema_version: u32,
        topology: &'a str,
        seed: u64,
        years: u64,
        failure_events: u64,
        downtime_minutes_per_year: Downtime<'a>,
        analytic: Option<&'a Analytic>,
        #[serde(skip_serializing_if = "Option::is_none")]
        analytic_note: Option<&'a str>,
    }
    let s = view.simulation;
    let p = |q: f64| {
        s.percentiles.iter().find(|p| p.q == q).map_or(
            Estimate {
                value: f64::NAN,
                ci95: [None, None],
            },
            |p| Estimate {
                value: p.value,
                ci95: p.ci95,
            },
        )
    };
    let doc = Document {
        schema_version: 1,
        topology: view.topology,
        seed: s.seed,
        years: s.years,
        failure_events: s.failure_events,
        downtime_minutes_per_year: Downtime {
            mean: &s.mean,
            std_dev: s.std_dev,
            p50: p(0.5),
            p90: p(0.9),
            p99: p(0.99),
            states: &s.states,
            transients: &s.transients,
        },
        analytic: view.analytic.ok(),
        analytic_note: view.analytic.err(),
    };
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

/// Minutes with enough digits for small values.
fn minutes(x: f64) -> String {
    round_to(x, if x.abs() < 1.0 { 4 } else { 2 })
}

/// `low – high`, with `unbounded` for a side the data cannot bound.
fn interval(ci: &[Option<f64>; 2]) -> String {
    let side = |x: Option<f64>| x.map_or_else(|| "unbounded".to_string(), minutes);
    format!("{} – {}", side(ci[0]), side(ci[1]))
}

fn write_table(view: &View, out: &mut dyn Write, style: Style) -> io::Result<()> {
    let s = view.simulation;
    writeln!(
        out,
        "drplan simulate: {}, {} years, seed {}, {} failure events\n",
        view.topology,
        group_thousands(s.years),
        s.seed,
        group_thousands(s.failure_events)
    )?;
    let mut t = new_table(style);
    t.set_header(vec![
        "annual downtime",
        "minutes",
        "95% CI",
        "analytic (§5)",
    ]);
    let right = |text: String| Cell::new(text).set_alignment(CellAlignment::Right);
    let analytic = view.analytic.ok();
    let verdict = |value: f64, ci: &[Option<f64>; 2]| -> Cell {
        let inside = matches!(ci, [Some(lo), Some(hi)] if *lo <= value && value <= *hi);
        let c = right(minutes(value));
        paint(c, if inside { Color::Green } else { Color::Yellow }, style)
    };
    let rows: [(&str, &Estimate, Option<f64>); 3] = [
        (
            "mean",
            &s.mean,
            analytic.map(|a| a.downtime_minutes_per_year),
        ),
        (
            "  in degraded or down states",
            &s.states,
            analytic.map(|a| a.states),
        ),
        (
            "  recovery transients",
            &s.transients,
            analytic.map(|a| a.transients),
        ),
    ];
    for (label, e, exact) in rows {
        t.add_row(vec![
            Cell::new(label),
            right(minutes(e.value)),
            right(interval(&e.ci95)),
            exact.map_or_else(|| Cell::new(""), |x| verdict(x, &e.ci95)),
        ]);
    }
    t.add_row(vec![
        Cell::new("standard deviation"),
        right(minutes(s.std_dev)),
        Cell::new(""),
        Cell::new(""),
    ]);
    for p in &s.percentiles {
        t.add_row(vec![
            Cell::new(format!("p{}", round_to(p.q * 100.0, 1))),
            right(minutes(p.value)),
            right(interval(&p.ci95)),
            Cell::new(""),
        ]);
    }
    writeln!(out, "{t}")?;
    match view.analytic {
        Ok(a) => {
            let inside = matches!(s.mean.ci95, [Some(lo), Some(hi)]
                if lo <= a.downtime_minutes_per_year && a.downtime_minutes_per_year <= hi);
            writeln!(
                out,
                "The analytic downtime_minutes_per_year ({}) is {} the 95% interval of the simulated mean.",
                minutes(a.downtime_minutes_per_year),
                if inside { "inside" } else { "outside" }
            )?;
        }
        Err(note) => writeln!(out, "Analytic figure: {note}.")?,
    }
    if let Some(a) = analytic {
        writeln!(
            out,
            "§5 prices every failure as a single failure; the simulation charges the scenario each failure leads to, which with at most one other component down gives {} minutes of transients a year.",
            minutes(a.transients_with_pairs)
        )?;
    }
    writeln!(
        out,
        "Each year starts from the stationary state; percentile intervals are distribution-free (order statistics)."
    )
}
