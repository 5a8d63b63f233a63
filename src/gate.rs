//! MODEL.md §7: objectives -> breaches -> pass or fail.

use serde::Serialize;
use serde_json::{Value, json};

use crate::availability::Availability;
use crate::evaluate::{Engine, Outcome, ScenarioResult};
use crate::model::{Class, Model, UserIdx};
use crate::scenario::Scenario;

/// One objective broken in one scenario (or overall, with `scenario: null`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Breach {
    pub objective: &'static str,
    pub limit: Value,
    pub actual: Value,
    pub scenario: Option<String>,
}

/// The gate's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    pub passed: bool,
    /// Extra: whether the file sets objectives at all (without, there is no gate).
    pub has_objectives: bool,
    pub breaches: Vec<Breach>,
}

/// The order of objectives in the §7 table, which is the order of breaches.
pub const OBJECTIVE_ORDER: [&str; 9] = [
    "availability",
    "survive",
    "rto",
    "rpo",
    "max_dns_exposure",
    "max_monthly_cost",
    "max_rtt",
    "max_request_rtt",
    "residency",
];

/// What the gate needs from the analysis.
pub struct Inputs<'a> {
    pub engine: &'a Engine<'a>,
    pub scenarios: &'a [Scenario],
    pub results: &'a [ScenarioResult],
    pub availability: Option<&'a Availability>,
    pub monthly_cost: f64,
    pub baseline: &'a ScenarioResult,
    /// Users whose residency is broken with nothing failed (serving or storage), sorted.
    pub baseline_residency: &'a [UserIdx],
}

/// Applies the objectives of the model; no objectives means passed with no breaches.
pub fn check(inputs: &Inputs) -> Verdict {
    let model: &Model = inputs.engine.model();
    let Some(o) = &model.objectives else {
        return Verdict {
            passed: true,
            has_objectives: false,
            breaches: Vec::new(),
        };
    };
    let mut breaches = Vec::new();
    let mut push =
        |objective: &'static str, limit: Value, actual: Value, scenario: Option<&str>| {
            breaches.push(Breach {
                objective,
                limit,
                actual,
                scenario: scenario.map(str::to_string),
            });
        };
    if let Some(limit) = o.availability {
        match inputs.availability {
            Some(a) if a.effective_availability < limit => push(
                "availability",
                json!(limit),
                json!(a.effective_availability),
                None,
            ),
            Some(_) => {}
            None => push("availability", json!(limit), Value::Null, None),
        }
    }
    let gated: Vec<(&Scenario, &ScenarioResult)> = inputs
        .scenarios
        .iter()
        .zip(inputs.results)
        .filter(|(s, _)| s.class == Class::Custom || o.survive.contains(&s.class))
        .collect();
    let classes: Vec<&str> = o.survive.iter().map(|c| c.name()).collect();
    for (s, r) in &gated {
        if r.outcome == Outcome::Down {
            push("survive", json!(classes), json!("down"), Some(&s.id));
        }
    }
    let exceeds = |value: Option<f64>, limit: f64| value.is_none_or(|v| v > limit);
    for (key, limit, pick) in [
        (
            "rto",
            o.rto.map(|s| s.0),
            (|r: &ScenarioResult| r.rto) as fn(&ScenarioResult) -> Option<f64>,
        ),
        ("rpo", o.rpo.map(|s| s.0), |r: &ScenarioResult| r.rpo),
        (
            "max_dns_exposure",
            o.max_dns_exposure.map(|s| s.0),
            |r: &ScenarioResult| Some(r.dns_exposure),
        ),
    ] {
        let Some(limit) = limit else { continue };
        for (s, r) in &gated {
            let v = pick(r);
            if exceeds(v, limit) {
                push(key, json!(limit), json!(v), Some(&s.id));
            }
        }
    }
    if let Some(limit) = o.max_monthly_cost
        && inputs.monthly_cost > limit.0
    {
        push(
            "max_monthly_cost",
            json!(limit.0),
            json!(inputs.monthly_cost),
            None,
        );
    }
    for (key, limit, value) in [
        ("max_rtt", o.max_rtt, inputs.baseline.worst_rtt_ms),
        (
            "max_request_rtt",
            o.max_request_rtt,
            inputs.baseline.worst_request_ms,
        ),
    ] {
        if let Some(limit) = limit
            && exceeds(value, limit.0)
        {
            push(key, json!(limit.0), json!(value), None);
        }
    }
    if o.residency {
        let ids = |users: &[UserIdx]| {
            let mut v: Vec<&str> = users
                .iter()
                .map(|u| model.users[u.idx()].id.as_str())
                .collect();
            v.sort();
            json!(v)
        };
        if !inputs.baseline_residency.is_empty() {
            push(
                "residency",
                json!(true),
                ids(inputs.baseline_residency),
                None,
            );
        }
        for (s, r) in &gated {
            if !r.residency_violations.is_empty() {
                push(
                    "residency",
                    json!(true),
                    ids(&r.residency_violations),
                    Some(&s.id),
                );
            }
        }
    }
    Verdict {
        passed: breaches.is_empty(),
        has_objectives: true,
        breaches,
    }
}
