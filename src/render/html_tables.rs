//! The HTML report's tables of the availability analysis: the minimal cut sets and what to fix
//! first (the importance measures), with the same numbers and definitions as the terminal.

use std::fmt::Write as _;

use super::labels::{FAILURE_ALONE, MEASURES_NOTE, NEVER_FAILED, birnbaum, scientific};
use super::svg::esc;
use crate::model::Seconds;
use crate::model::units::round_to;
use crate::report::Report;

/// How many rows each table shows (JSON has all), as in the terminal.
const SHOWN: usize = 10;

/// The most probable minimal cut sets.
pub fn cut_sets(h: &mut String, report: &Report) {
    let c = &report.minimal_cut_sets;
    h.push_str(r#"<section id="cut-sets"><h2>Minimal cut sets</h2>"#);
    if c.sets.is_empty() {
        let _ = write!(
            h,
            r#"<p class="note">None of up to {} components: no failure of that many parts at once takes the service down.</p></section>"#,
            c.max_order
        );
        return;
    }
    h.push_str(r#"<div class="wide"><table class="plain"><thead><tr><th>Minimal cut set</th><th>Order</th><th>Probability</th></tr></thead><tbody>"#);
    for set in c.sets.iter().take(SHOWN) {
        let _ = write!(
            h,
            r#"<tr><td><code>{}</code></td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(&set.components.join(" + ")),
            set.components.len(),
            scientific(set.probability)
        );
    }
    let _ = write!(
        h,
        r#"</tbody></table></div><p class="note">{} minimal cut set{} of up to {} components (sets of failures that take the service down, none of whose parts would alone), most probable first{}.</p></section>"#,
        c.sets.len(),
        if c.sets.len() == 1 { "" } else { "s" },
        c.max_order,
        if c.sets.len() > SHOWN {
            format!("; showing {SHOWN}, --format json lists all")
        } else {
            String::new()
        }
    );
}

/// What to fix first: each component's downtime that would go away if it never failed, and
/// the importance measures.
pub fn importance(h: &mut String, report: &Report) {
    let Some(rows) = &report.importance else {
        return;
    };
    let _ = write!(
        h,
        r#"<section id="importance"><h2>What to fix first</h2><div class="wide"><table class="plain"><thead><tr><th>Component</th><th>{}</th><th>{}</th><th>Failures / yr</th><th>Birnbaum</th><th>RAW</th><th>RRW</th></tr></thead><tbody>"#,
        esc(NEVER_FAILED),
        esc(FAILURE_ALONE)
    );
    let ratio = |x: Option<f64>| x.map_or("-".into(), |x| round_to(x, 2));
    let mut negative = false;
    for row in rows.iter().take(SHOWN) {
        let i = &row.measures;
        negative |= i.birnbaum < 0.0;
        let _ = write!(
            h,
            r#"<tr><td><code>{}</code></td><td class="num" data-minutes="{}">{}</td><td class="num" data-minutes="{}">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            esc(&i.component),
            i.downtime_minutes_per_year,
            Seconds(i.downtime_minutes_per_year * 60.0),
            row.single_failure_downtime_minutes_per_year,
            Seconds(row.single_failure_downtime_minutes_per_year * 60.0),
            round_to(i.failures_per_year, 3),
            birnbaum(i.birnbaum),
            ratio(i.risk_achievement_worth),
            ratio(i.risk_reduction_worth)
        );
    }
    h.push_str("</tbody></table></div>");
    let _ = write!(
        h,
        r#"<p class="note">{} Birnbaum: P(down | it is down) - P(down | it is up); RAW, RRW: risk achievement and reduction worth"#,
        esc(MEASURES_NOTE)
    );
    if rows.len() > SHOWN {
        let _ = write!(
            h,
            " (showing {SHOWN} of {}; --format json lists all)",
            rows.len()
        );
    }
    h.push_str(".</p>");
    if negative {
        let _ = write!(
            h,
            r#"<p class="note">&#8224; {}</p>"#,
            esc(super::labels::NEGATIVE_BIRNBAUM_NOTE)
        );
    }
    h.push_str("</section>\n");
}
