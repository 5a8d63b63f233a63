//! The HTML report's RTO timelines (issue 16): per scenario, its `rto_breakdown` drawn as
//! consecutive segments, so that the RTO reads as detection, then the decision, then the
//! promotion, and so on. Each bar is scaled to its own RTO (the terms' proportions are what it
//! shows; the RTO chart above compares scenarios), and the SVG fits a 1280 px page.

use std::fmt::Write as _;

use super::svg::esc;
use crate::model::units::Seconds;
use crate::report::{Report, ScenarioReport, TermReport};

/// At most this many scenarios get a timeline (the longest RTOs first); the JSON has them all.
const MAX_ROWS: usize = 60;

/// Widths of the drawing (viewBox units; the SVG scales down below them).
const WIDTH: f64 = 860.0;
const LABEL: f64 = 230.0;
const TOTAL: f64 = 90.0;
const ROW: f64 = 24.0;

/// The section, or nothing when no scenario has a breakdown.
pub fn timelines(h: &mut String, report: &Report) {
    let mut rows: Vec<&ScenarioReport> = report
        .scenarios
        .iter()
        .filter(|s| !s.explained.rto_breakdown.is_empty())
        .collect();
    if rows.is_empty() {
        return;
    }
    // Longest RTO first, then id, and at most MAX_ROWS; then shown in id order.
    rows.sort_by(|a, b| {
        b.rto_s
            .unwrap_or(0.0)
            .total_cmp(&a.rto_s.unwrap_or(0.0))
            .then_with(|| a.id.as_bytes().cmp(b.id.as_bytes()))
    });
    let left_out = rows.len().saturating_sub(MAX_ROWS);
    rows.truncate(MAX_ROWS);
    rows.sort_by(|a, b| a.id.as_bytes().cmp(b.id.as_bytes()));
    let bar = WIDTH - LABEL - TOTAL;
    let height = ROW * rows.len() as f64 + 8.0;
    let _ = write!(
        h,
        r#"<section id="rto-timeline"><h2>RTO timelines</h2><p class="note">Each scenario's RTO as the terms on its critical path, in order (JSON <code>rto_breakdown</code>; <code>drplan explain FILE SCENARIO</code> prints them in words). Each bar is its own RTO; hover a segment for its term.</p><svg class="chart" viewBox="0 0 {WIDTH:.0} {height:.0}" width="{WIDTH:.0}" height="{height:.0}" role="img" aria-label="RTO timeline per scenario">"#
    );
    let mut kinds: Vec<&'static str> = Vec::new();
    for (i, s) in rows.iter().enumerate() {
        let y = 4.0 + ROW * i as f64;
        let rto = s.rto_s.unwrap_or(0.0);
        let _ = write!(
            h,
            r#"<text class="axis" x="{x:.1}" y="{ty:.1}" text-anchor="end">{id}</text>"#,
            x = LABEL - 8.0,
            ty = y + 15.0,
            id = esc(&shorten(&s.id, 34)),
        );
        let mut x = LABEL;
        for t in &s.explained.rto_breakdown {
            if !kinds.contains(&t.term) {
                kinds.push(t.term);
            }
            let w = if rto > 0.0 {
                bar * t.seconds / rto
            } else {
                0.0
            };
            let _ = write!(
                h,
                r##"<rect x="{x:.2}" y="{ry:.1}" width="{w:.2}" height="18" fill="{fill}" stroke="#fff" stroke-width="1"><title>{title}</title></rect>"##,
                ry = y + 2.0,
                fill = color(t.term),
                title = esc(&format!("{}: {}", t.what, Seconds(t.seconds))),
            );
            let label = segment_label(t);
            // About 6 units per character at 10 px.
            if w > 6.0 * label.len() as f64 + 8.0 {
                let _ = write!(
                    h,
                    r#"<text class="small" x="{tx:.2}" y="{ty:.1}" text-anchor="middle" fill="{ink}">{label}</text>"#,
                    tx = x + w / 2.0,
                    ty = y + 14.5,
                    ink = ink(t.term),
                    label = esc(&label),
                );
            }
            x += w;
        }
        let _ = write!(
            h,
            r#"<text class="axis" x="{tx:.1}" y="{ty:.1}">{total}</text>"#,
            tx = LABEL + bar + 8.0,
            ty = y + 15.0,
            total = esc(&Seconds(rto).to_string()),
        );
    }
    h.push_str("</svg><p class=\"note\">");
    for k in &kinds {
        let _ = write!(
            h,
            r#"<span class="swatch" style="background:{}"></span>{}"#,
            color(k),
            esc(&k.replace('_', " "))
        );
    }
    h.push_str("</p>");
    if left_out > 0 {
        let _ = write!(
            h,
            r#"<p class="note">{left_out} more scenarios with a shorter RTO are in the JSON report.</p>"#
        );
    }
    h.push_str("</section>\n");
}

/// A segment's short label: the term and its duration (`promotion 2m`).
fn segment_label(t: &TermReport) -> String {
    let name = match t.term {
        "detection" => "detect",
        "manual_decision" => "decision",
        "anycast_convergence" => "convergence",
        "wait_for_repair" => "repair",
        "change_detect" => "detect",
        "change_rollback" => "rollback",
        other => other,
    };
    format!("{} {}", name.replace('_', " "), Seconds(t.seconds))
}

/// One color per kind of term.
fn color(term: &str) -> &'static str {
    match term {
        "detection" | "change_detect" => "#90a4ae",
        "manual_decision" => "#ef6c00",
        "promotion" | "election" => "#1e88e5",
        "dns_ttl" | "anycast_convergence" => "#8e24aa",
        "scale_up" => "#43a047",
        "restore" => "#6d4c41",
        "wait_for_repair" => "#c62828",
        "change_rollback" => "#f9a825",
        _ => "#546e7a",
    }
}

/// Text color on a segment.
fn ink(term: &str) -> &'static str {
    match term {
        "detection" | "change_detect" | "change_rollback" => "#263238",
        _ => "#ffffff",
    }
}

/// An id cut to `max` characters with an ellipsis (the full id is in the table below).
fn shorten(id: &str, max: usize) -> String {
    if id.chars().count() <= max {
        return id.to_string();
    }
    let cut: String = id.chars().take(max - 1).collect();
    format!("{cut}\u{2026}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn long_ids_are_shortened() {
        assert_eq!(super::shorten("abc", 5), "abc");
        assert_eq!(super::shorten("abcdefgh", 5), "abcd\u{2026}");
    }
}
