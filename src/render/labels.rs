//! Labels that say what a figure means, shared by the table, markdown and HTML reports: what
//! users saw in a scenario that ends `up` only after hours, which scenarios the worst RTO leaves
//! out, and what a negative Birnbaum importance is.

use crate::model::Seconds;
use crate::report::ScenarioReport;

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

/// The scenarios the worst RTO does not count: those that stay down (no recovery to time) and
/// those whose RTO is unbounded (a needed store's data is lost for good).
pub fn rto_left_out(scenarios: &[ScenarioReport]) -> Vec<&str> {
    scenarios
        .iter()
        .filter(|s| s.outcome == "down" || s.rto_s.is_none())
        .map(|s| s.id.as_str())
        .collect()
}

/// "leaves out 2 that stay down or lose data: a, b" (a few named, then "+N more"); `None` when
/// nothing is left out.
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
