//! Sentences about the gate, shared by every format that explains a verdict (check's table,
//! markdown, JUnit, SARIF, GitHub annotations), so that they all say the same thing.

use serde_json::Value;

use crate::diagnostic::Location;
use crate::gate::{Breach, WaiverNote};
use crate::model::units::{nines, percent, round_to};
use crate::model::{Millis, Seconds, Usd};

/// A breach limit or actual value in human units (`16m 30s`, `99.95%`, `$4,039.85`).
pub fn value(objective: &str, v: &Value) -> String {
    match (objective, v) {
        ("availability", Value::Null) => "not computed".into(),
        ("max_rtt" | "max_request_rtt", Value::Null) => "none (nothing serves)".into(),
        (_, Value::Null) => "unbounded".into(),
        ("availability" | "min_served", Value::Number(n)) => {
            n.as_f64().map_or(v.to_string(), percent)
        }
        ("rto" | "rpo" | "max_dns_exposure", Value::Number(n)) => {
            n.as_f64().map_or(v.to_string(), |s| Seconds(s).to_string())
        }
        ("max_rtt" | "max_request_rtt", Value::Number(n)) => {
            n.as_f64().map_or(v.to_string(), |m| Millis(m).to_string())
        }
        ("max_monthly_cost", Value::Number(n)) => {
            n.as_f64().map_or(v.to_string(), |c| Usd(c).to_string())
        }
        ("max_blast_radius", Value::Number(n)) => n.as_f64().map_or(v.to_string(), |x| {
            format!("{}% of users", round_to(x * 100.0, 4))
        }),
        ("max_change_downtime", Value::Number(n)) => n
            .as_f64()
            .map_or(v.to_string(), |m| format!("{} a year", Seconds(m * 60.0))),
        (_, Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or(i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::String(s)) => s.clone(),
        _ => v.to_string(),
    }
}

/// The tier that limited a scenario: `api in us-west 62%` (`web pooled 60%` under global-lb).
pub fn bottleneck(b: &crate::report::BottleneckReport) -> String {
    let ratio = format!("{}%", round_to(b.pass_ratio * 100.0, 1));
    match &b.region {
        Some(r) => format!("{} in {r} {ratio}", b.service),
        None => format!("{} pooled {ratio}", b.service),
    }
}

/// What the objective limits, in a few words.
pub fn objective_title(objective: &str) -> &'static str {
    match objective {
        "availability" => "effective availability",
        "survive" => "scenarios survived",
        "rto" => "recovery time (RTO)",
        "rpo" => "data loss (RPO)",
        "max_dns_exposure" => "DNS exposure",
        "max_monthly_cost" => "monthly cost",
        "max_rtt" => "worst round trip, nothing failed",
        "max_request_rtt" => "worst request time, nothing failed",
        "residency" => "data residency",
        "min_served" => "served fraction after recovery",
        "static_stability" => "static stability (no frozen recovery)",
        "max_blast_radius" => "share of users a bad change fails",
        "max_change_downtime" => "downtime a year from bad changes",
        _ => "objective",
    }
}

/// What the Scenario cell of a breach row says when the breach has no scenario: the figure of
/// the whole topology it is about. Availability is compared as effective availability over
/// every failure (not "with nothing failed"); latency and residency are with nothing failed.
pub fn overall_scenario(objective: &str) -> &'static str {
    match objective {
        "availability" => "effective availability (overall)",
        "max_monthly_cost" => "monthly cost (overall)",
        "max_rtt" | "max_request_rtt" | "residency" => "nothing failed",
        _ => "overall",
    }
}

/// `rto in region:us-east`, or `availability` for an overall breach.
pub fn breach_title(b: &Breach) -> String {
    match &b.scenario {
        Some(s) => format!("{} in {s}", b.objective),
        None => b.objective.to_string(),
    }
}

/// One sentence: what is broken, the actual value and the limit.
pub fn breach_message(b: &Breach) -> String {
    let actual = value(b.objective, &b.actual);
    let limit = value(b.objective, &b.limit);
    let scenario = b.scenario.as_deref().unwrap_or("nothing failed");
    let sentence = match b.objective {
        "availability" if b.actual.is_null() => format!(
            "effective availability was not computed (too many components), so the objective {limit} cannot pass"
        ),
        "availability" => {
            format!("effective availability {actual} is below the objective {limit}")
        }
        "survive" => format!(
            "{scenario} is down, but a gated scenario (survive: [{limit}], or custom) must keep serving"
        ),
        "rto" => format!("RTO after {scenario} is {actual}, above the objective {limit}"),
        "rpo" => format!("RPO after {scenario} is {actual}, above the objective {limit}"),
        "max_dns_exposure" => {
            format!("DNS exposure after {scenario} is {actual}, above the objective {limit}")
        }
        "max_monthly_cost" => format!("monthly cost {actual} is above the objective {limit}"),
        "max_rtt" => format!(
            "worst user round trip with nothing failed is {actual}, above the objective {limit}"
        ),
        "max_request_rtt" => format!(
            "worst request time with nothing failed is {actual}, above the objective {limit}"
        ),
        "residency" if b.scenario.is_none() => format!(
            "with nothing failed, users {actual} are served or stored outside their residency"
        ),
        "residency" => {
            format!("after {scenario}, users {actual} are served outside their residency")
        }
        "min_served" => format!(
            "after {scenario} only {actual} of requests are served, below the objective {limit}"
        ),
        "static_stability" => format!(
            "recovery from {scenario} needs control planes that are down ({actual}): it is not statically stable"
        ),
        "max_blast_radius" => {
            format!("{scenario} fails requests of {actual}, above the objective {limit}")
        }
        "max_change_downtime" => {
            format!("bad changes cost {actual} of downtime, above the objective {limit}")
        }
        other => format!("{other}: {actual}, limit {limit}"),
    };
    match &b.expired_waiver {
        Some(w) => format!("{sentence}; {}", expired_sentence(w)),
        None => sentence,
    }
}

/// Why a breach fails again although a waiver names it.
pub fn expired_sentence(w: &WaiverNote) -> String {
    format!(
        "the waiver {} expired on {} (reason: {}): fix the breach or renew the waiver with a new date",
        w.path,
        w.expires.as_deref().unwrap_or("?"),
        w.reason
    )
}

/// What a waiver covers: `rto in region:us-east`, or `availability`.
pub fn waiver_target(w: &WaiverNote) -> String {
    match &w.scenario {
        Some(s) => format!("{} in {s}", w.objective),
        None => w.objective.clone(),
    }
}

/// `until 2027-01-31`, `expired on 2026-01-31`, or `no expiry`.
pub fn waiver_expiry(w: &WaiverNote) -> String {
    match (&w.expires, w.expired) {
        (Some(d), true) => format!("expired on {d}"),
        (Some(d), false) => format!("until {d}"),
        (None, _) => "no expiry".into(),
    }
}

/// Why a waiver that matches nothing is worth a warning.
pub fn stale_sentence(w: &WaiverNote) -> String {
    format!(
        "the waiver {} ({}) matches no breach: the risk is gone or the objective or scenario is misspelled; remove or fix it",
        w.path,
        waiver_target(w)
    )
}

/// `file:line`, or the file alone when the line is unknown.
pub fn file_line(file: &str, location: Option<Location>) -> String {
    match location {
        Some(l) => format!("{file}:{}", l.line),
        None => file.to_string(),
    }
}

/// A summary figure in human units, by its report key (`worst_rto_s` -> `16m 30s`). `None` is
/// unbounded for durations and "not computed" for availabilities.
pub fn figure_value(key: &str, v: Option<f64>) -> String {
    match (key, v) {
        ("availability" | "effective_availability", Some(a)) => percent(a),
        ("nines", Some(n)) if n.is_infinite() => "∞".into(),
        ("nines", Some(n)) => round_to(n, 2),
        (
            "availability" | "effective_availability" | "nines" | "downtime_minutes_per_year",
            None,
        ) => "not computed".into(),
        ("downtime_minutes_per_year" | "change_downtime_minutes_per_year", Some(m)) => {
            Seconds(m * 60.0).to_string()
        }
        ("worst_rto_s" | "worst_rpo_s" | "worst_dns_exposure_s", Some(s)) => Seconds(s).to_string(),
        ("worst_rto_s" | "worst_rpo_s" | "worst_dns_exposure_s", None) => "unbounded".into(),
        ("monthly_cost" | "cost_per_extra_nine", Some(c)) => Usd(c).to_string(),
        ("cost_per_extra_nine", None) => "-".into(),
        ("worst_rtt_ms" | "worst_request_ms", Some(m)) => Millis(m).to_string(),
        ("worst_rtt_ms" | "worst_request_ms", None) => "none (nothing serves)".into(),
        ("single_points_of_failure", Some(n)) => round_to(n, 0),
        ("served_fraction", Some(f)) => format!("{}%", round_to(f * 100.0, 1)),
        (_, Some(x)) => round_to(x, 6),
        (_, None) => "-".into(),
    }
}

/// The label of a summary figure in tables.
pub fn figure_label(key: &str) -> &'static str {
    match key {
        "availability" => "Availability",
        "effective_availability" => "Effective availability",
        "nines" => "Nines",
        "downtime_minutes_per_year" => "Downtime per year",
        "change_downtime_minutes_per_year" => "Downtime from bad changes",
        "worst_rto_s" => "Worst RTO",
        "worst_rpo_s" => "Worst RPO",
        "worst_dns_exposure_s" => "Worst DNS exposure",
        "monthly_cost" => "Monthly cost",
        "worst_rtt_ms" => "Worst RTT, nothing failed",
        "worst_request_ms" => "Worst request, nothing failed",
        "single_points_of_failure" => "Single points of failure",
        "cost_per_extra_nine" => "Cost per extra nine (vs first)",
        _ => "figure",
    }
}

/// How much a figure moved, with its sign: `+0.3 nines`, `-5m`, `+$120.00`, `now unbounded`.
pub fn figure_delta(key: &str, base: Option<f64>, head: Option<f64>) -> String {
    let (b, h) = match (base, head) {
        (Some(b), Some(h)) => (b, h),
        (Some(_), None) => return "now unbounded".into(),
        (None, Some(_)) => return "now bounded".into(),
        (None, None) => return String::new(),
    };
    let sign = if h >= b { "+" } else { "-" };
    let d = (h - b).abs();
    match key {
        "availability" | "effective_availability" => {
            let (nb, nh) = (nines(b), nines(h));
            if nb.is_finite() && nh.is_finite() {
                let dn = nh - nb;
                format!(
                    "{}{} nines",
                    if dn >= 0.0 { "+" } else { "-" },
                    significant(dn.abs(), 2)
                )
            } else {
                format!("{sign}{} points", round_to(d * 100.0, 6))
            }
        }
        "downtime_minutes_per_year" | "change_downtime_minutes_per_year" => {
            format!("{sign}{}", Seconds(d * 60.0))
        }
        "worst_rto_s" | "worst_rpo_s" | "worst_dns_exposure_s" => format!("{sign}{}", Seconds(d)),
        "monthly_cost" => format!("{sign}{}", Usd(d)),
        "worst_rtt_ms" | "worst_request_ms" => format!("{sign}{}", Millis(d)),
        _ => format!("{sign}{}", round_to(d, 6)),
    }
}

/// A number with `digits` decimals, or more until it is not zero (a tiny change still shows).
pub fn significant(x: f64, digits: usize) -> String {
    let mut d = digits;
    loop {
        let text = round_to(x, d);
        if x == 0.0 || text != "0" || d >= 12 {
            return text;
        }
        d += 1;
    }
}

/// Two availabilities as percentages with enough digits that different values read different.
/// A proven interval of a fraction, as "99.9981% to 99.9983%" (digits enough to tell the ends
/// apart).
pub fn percent_interval(b: [f64; 2]) -> String {
    let (lo, hi) = percent_pair(b[0], b[1]);
    format!("{lo} to {hi}")
}

pub fn percent_pair(a: f64, b: f64) -> (String, String) {
    let (mut ta, mut tb) = (percent(a), percent(b));
    let mut digits = ta.len().max(tb.len()).saturating_sub(4);
    while ta == tb && a != b && digits < 14 {
        digits += 1;
        ta = format!("{}%", round_to(a * 100.0, digits));
        tb = format!("{}%", round_to(b * 100.0, digits));
    }
    (ta, tb)
}

/// The residency problems with nothing failed, one sentence each (serving, then storage).
pub fn baseline_residency(b: &crate::report::Baseline) -> Vec<String> {
    let mut out = Vec::new();
    if !b.serving_residency_violations.is_empty() {
        out.push(format!(
            "served out of residency: {}",
            b.serving_residency_violations.join(", ")
        ));
    }
    if !b.storage_residency_violations.is_empty() {
        out.push(format!(
            "data stored out of residency: {}",
            b.storage_residency_violations.join(", ")
        ));
    }
    out
}
