//! Labels that say what a figure means, shared by the table, markdown and HTML reports: what
//! users saw in a scenario that ends `up` only after hours, which scenarios the worst RTO leaves
//! out, what a negative Birnbaum importance is, how the downtime per year splits, and the two
//! per-component downtime measures, and why the importance table is absent. One text per
//! figure, so that every format names it alike.

use crate::availability::{Bounds, DowntimeSplit};
use crate::model::Seconds;
use crate::report::{Report, ScenarioReport, Summary};

/// The headline downtime figure (`downtime_minutes_per_year`).
pub const DOWNTIME: &str = "Expected downtime";

/// The parts of the headline downtime (`summary.downtime_split`), in the order they are shown.
pub const SPLIT_PARTS: [&str; 3] = ["capacity shortfall", "recovery transients", "bad changes"];

/// What each part of the split is, for a note.
pub const SPLIT_NOTE: &str = "capacity shortfall: requests lost while components are down, over every combination of failures (1 - expected served fraction); recovery transients: failures a year x impact of each single failure that is not down (detection, failover, DNS, scale-up); bad changes: failures a year x impact of each bad deployment or configuration push.";

/// The three parts in minutes a year, in the order of [`SPLIT_PARTS`].
pub fn split_parts(s: &DowntimeSplit) -> [f64; 3] {
    [
        s.capacity_shortfall_minutes_per_year,
        s.recovery_transients_minutes_per_year,
        s.bad_changes_minutes_per_year,
    ]
}

/// "capacity shortfall 10m 57s + recovery transients 4m 37s + bad changes 0s".
pub fn split_text(s: &DowntimeSplit) -> String {
    SPLIT_PARTS
        .iter()
        .zip(split_parts(s))
        .map(|(name, minutes)| format!("{name} {}", Seconds(minutes * 60.0)))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// The downtime that would go away if a component never failed (`importance[].downtime_minutes_per_year`).
pub const NEVER_FAILED: &str = "Downtime/yr if it never failed";

/// f x impact of a component's single failure (`importance[].single_failure_downtime_minutes_per_year`).
pub const FAILURE_ALONE: &str = "Downtime/yr of its failures alone (f x impact)";

/// How the two measures differ, for a note under the table or chart.
pub const MEASURES_NOTE: &str = "Downtime/yr if it never failed: the expected downtime per year that would go away if the component never failed (every combination it takes part in included). Downtime/yr of its failures alone: its failures a year x the impact of its single failure (its RTO when that is down); for a component whose failure alone is not down this is its share of the recovery transients.";

/// A probability in three significant digits (`1.00e-5`), and 0 as `0`.
pub fn scientific(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x:.2e}")
    }
}

/// A Birnbaum importance, marked with a dagger when negative (see [`NEGATIVE_BIRNBAUM_NOTE`]).
pub fn birnbaum(x: f64) -> String {
    if x < 0.0 {
        format!("{} \u{2020}", scientific(x))
    } else {
        scientific(x)
    }
}

/// The mark of a custom scenario with `gate: false`.
pub const INFORMATIONAL: &str = "informational, not gated";

/// An `up` scenario whose RTO is at least this long (an hour) is not shown as a plain "up":
/// users were unserved or short of service until then (a restore from backups, a manual
/// failover that waits for a person).
pub const LONG_RECOVERY_S: f64 = 3600.0;

/// How many scenario ids a note names before "+N more".
const NAMED: usize = 3;

/// How a scenario's outcome reads, and its kind for color: `up`, `late` (up, but only after a
/// long recovery: shown as "up after 3h 15m", yellow), `degraded` or `down`.
pub fn outcome(s: &ScenarioReport) -> (String, &'static str) {
    match (s.outcome, s.rto_s) {
        ("up", Some(rto)) if rto >= LONG_RECOVERY_S => {
            (format!("up after {}", Seconds(rto)), "late")
        }
        ("up", _) => ("up".into(), "up"),
        ("degraded", _) => ("degraded".into(), "degraded"),
        _ => ("down".into(), "down"),
    }
}

/// The explanation of `late` outcomes, for a note under a table.
pub const LATE_NOTE: &str = "Outcome and Served describe the state after recovery; \"up after T\" is a scenario that ends up but leaves users without full service for T (its RTO, an hour or more) first.";

/// "leaves out 2 that stay down or lose data: a, b" (a few named, then "+N more"), from
/// `summary.worst_rto_left_out`; `None` when nothing is left out.
pub fn left_out_note(ids: &[&str]) -> Option<String> {
    if ids.is_empty() {
        return None;
    }
    let mut named = ids
        .iter()
        .take(NAMED)
        .copied()
        .collect::<Vec<_>>()
        .join(", ");
    if ids.len() > NAMED {
        named.push_str(&format!(", +{} more", ids.len() - NAMED));
    }
    Some(if ids.len() == 1 {
        format!("leaves out 1 scenario that stays down or loses data: {named}")
    } else {
        format!(
            "leaves out {} scenarios that stay down or lose data: {named}",
            ids.len()
        )
    })
}

/// The surge cost per hour of a scenario, the same in every format: `$0.38`, or `-` when nothing
/// scales (none, or zero).
pub fn surge(per_hour: Option<f64>) -> String {
    match per_hour {
        Some(c) if c != 0.0 => crate::model::Usd(c).to_string(),
        _ => "-".into(),
    }
}

/// The footnote for negative Birnbaum importances, when a shown row has one.
pub const NEGATIVE_BIRNBAUM_NOTE: &str = "A negative Birnbaum importance is not an error: the model is not monotone (MODEL.md §3.2: a primary cut off by a partition keeps its role, so failing it too can bring service back), and this component's failure makes the topology slightly more available on balance.";

/// The proven bounds of the summary's figures when they are an interval rather than exact
/// (error above 1e-12, docs/availability.md); `None` when they are exact.
pub fn interval(s: &Summary) -> Option<&Bounds> {
    s.availability_bounds.as_ref().filter(|_| {
        s.availability_error_bound
            .is_some_and(|b| b > crate::availability::factored::TOLERANCE)
    })
}

/// For exact figures with a non-zero error bound: "every probability within 5.2e-15, method
/// factored" (the method as the JSON names it, `summary.availability_method`); the same words
/// in every format.
pub fn error_bound(s: &Summary) -> Option<String> {
    if interval(s).is_some() {
        return None;
    }
    let bound = s.availability_error_bound.filter(|b| *b > 0.0)?;
    let method = s.availability_method.map_or(String::new(), |m| {
        let name = serde_json::to_value(m).unwrap_or_default();
        format!(", method {}", name.as_str().unwrap_or_default())
    });
    Some(format!("every probability within {bound:.1e}{method}"))
}

/// A summary fraction in every format: its percentage, or "99.9981% to 99.9983%" when the
/// figures are an interval (`pick` chooses the figure's bounds).
pub fn fraction(s: &Summary, value: Option<f64>, pick: fn(&Bounds) -> [f64; 2]) -> String {
    match (interval(s), value) {
        (Some(b), _) => super::describe::percent_interval(pick(b)),
        (None, Some(v)) => crate::model::units::percent(v),
        (None, None) => "not computed".into(),
    }
}

/// Downtime per year in every format: one duration, or "a to b" when the figures are an
/// interval.
pub fn downtime(s: &Summary) -> String {
    match (interval(s), s.downtime_minutes_per_year) {
        (Some(b), _) => {
            let [lo, hi] = b.downtime_minutes_per_year;
            format!("{} to {}", Seconds(lo * 60.0), Seconds(hi * 60.0))
        }
        (None, Some(d)) => Seconds(d * 60.0).to_string(),
        (None, None) => "-".into(),
    }
}

/// Why the importance table is absent although it was asked for (`importance_note`).
pub fn importance_not_computed(report: &Report) -> String {
    let why = report.importance_note.as_deref().unwrap_or(
        "one more exact run per component is over the work budget, or the figures given a component down or up are not within 1e-9",
    );
    format!("importance not computed ({why}; docs/availability.md, Importance)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_few_ids_are_named_then_counted() {
        assert_eq!(left_out_note(&[]), None);
        assert_eq!(
            left_out_note(&["a"]).unwrap(),
            "leaves out 1 scenario that stays down or loses data: a"
        );
        assert_eq!(
            left_out_note(&["a", "b", "c", "d", "e"]).unwrap(),
            "leaves out 5 scenarios that stay down or lose data: a, b, c, +2 more"
        );
    }
}
