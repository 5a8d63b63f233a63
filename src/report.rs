//! Stage 6: the report, a plain data structure that every renderer reads.
//!
//! Its serde form is the JSON of MODEL.md §8 (plus documented extra fields), so the JSON
//! renderer is a straight serialization and other renderers read the same numbers.

use indexmap::IndexMap;
use serde::Serialize;

use crate::availability::Availability;
use crate::cost::MonthlyCost;
use crate::evaluate::{Engine, Outcome, ScenarioResult};
use crate::gate::Verdict;
use crate::model::UserIdx;
use crate::scenario::Scenario;

/// The version of the JSON shape.
pub const SCHEMA_VERSION: u32 = 1;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub topology: String,
    pub summary: Summary,
    pub scenarios: Vec<ScenarioReport>,
    pub objectives: Verdict,
    /// Extra: the topology with nothing failed.
    pub baseline: Baseline,
    /// Extra: the monthly cost by part.
    pub cost: MonthlyCost,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_capacity_availability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_served_fraction: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_availability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_minutes_per_year: Option<f64>,
    /// Extra: P(down), computed directly (not as 1 - availability).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailability: Option<f64>,
    /// Extra: why the availability figures are missing, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_note: Option<String>,
    pub monthly_cost: f64,
    pub worst_rto_s: Option<f64>,
    pub worst_rpo_s: Option<f64>,
    pub worst_dns_exposure_s: f64,
    pub single_points_of_failure: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioReport {
    pub id: String,
    pub class: &'static str,
    pub failed: Vec<String>,
    pub outcome: &'static str,
    pub rto_s: Option<f64>,
    pub rpo_s: Option<f64>,
    pub dns_exposure_s: f64,
    pub impact_s: Option<f64>,
    pub failed_requests: Option<f64>,
    pub served_fraction: f64,
    pub worst_rtt_ms: Option<f64>,
    pub worst_request_ms: Option<f64>,
    pub surge_cost_per_hour: Option<f64>,
    pub residency_violations: Vec<String>,
    /// Extra: the region serving each user group after recovery (`null` when down).
    pub served_by: IndexMap<String, Option<String>>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Baseline {
    pub outcome: &'static str,
    pub served_fraction: f64,
    pub worst_rtt_ms: Option<f64>,
    pub worst_request_ms: Option<f64>,
    pub served_by: IndexMap<String, Option<String>>,
    /// Users served from a region their residency does not allow.
    pub serving_residency_violations: Vec<String>,
    /// Users whose data is stored (copies, replicas, backups) where their residency does not
    /// allow.
    pub storage_residency_violations: Vec<String>,
}

/// Everything the report is made from.
pub struct Parts<'a> {
    pub engine: &'a Engine<'a>,
    pub scenarios: &'a [Scenario],
    pub results: &'a [ScenarioResult],
    pub availability: Result<Availability, String>,
    pub cost: MonthlyCost,
    pub verdict: Verdict,
    pub baseline: &'a ScenarioResult,
    pub storage_violations: &'a [UserIdx],
}

impl Report {
    pub fn new(parts: Parts) -> Report {
        let engine = parts.engine;
        let model = engine.model();
        let user_ids = |users: &[UserIdx]| -> Vec<String> {
            let mut v: Vec<String> = users
                .iter()
                .map(|u| model.users[u.idx()].id.clone())
                .collect();
            v.sort();
            v
        };
        let served_by = |r: &ScenarioResult| -> IndexMap<String, Option<String>> {
            model
                .users
                .iter()
                .zip(&r.assignment)
                .map(|(u, a)| (u.id.clone(), a.map(|a| model.regions[a.idx()].id.clone())))
                .collect()
        };
        let scenarios: Vec<ScenarioReport> = parts
            .scenarios
            .iter()
            .zip(parts.results)
            .map(|(s, r)| ScenarioReport {
                id: s.id.clone(),
                class: s.class.name(),
                failed: s.failed.clone(),
                outcome: r.outcome.name(),
                rto_s: r.rto,
                rpo_s: r.rpo,
                dns_exposure_s: r.dns_exposure,
                impact_s: r.impact,
                failed_requests: r.failed_requests,
                served_fraction: r.served_fraction,
                worst_rtt_ms: r.worst_rtt_ms,
                worst_request_ms: r.worst_request_ms,
                surge_cost_per_hour: r.surge_cost_per_hour,
                residency_violations: user_ids(&r.residency_violations),
                served_by: served_by(r),
            })
            .collect();
        let results = parts.results;
        let worst_rto_s = results
            .iter()
            .filter(|r| r.outcome != Outcome::Down)
            .filter_map(|r| r.rto)
            .reduce(f64::max);
        let worst_rpo_s = results
            .iter()
            .map(|r| r.rpo)
            .try_fold(0.0_f64, |acc, x| x.map(|x| acc.max(x)));
        let worst_dns_exposure_s = results.iter().map(|r| r.dns_exposure).fold(0.0, f64::max);
        let mut single_points_of_failure: Vec<String> = parts
            .scenarios
            .iter()
            .zip(results)
            .filter(|(s, r)| {
                s.failure.corrupted.is_empty()
                    && s.failure.components.len() == 1
                    && s.class != crate::model::Class::Custom
                    && r.outcome == Outcome::Down
            })
            .map(|(s, _)| s.id.clone())
            .collect();
        single_points_of_failure.sort();
        let (a, note) = match parts.availability {
            Ok(a) => (Some(a), None),
            Err(note) => (None, Some(note)),
        };
        let summary = Summary {
            availability: a.as_ref().map(|a| a.availability),
            full_capacity_availability: a.as_ref().map(|a| a.full_capacity_availability),
            expected_served_fraction: a.as_ref().map(|a| a.expected_served_fraction),
            effective_availability: a.as_ref().map(|a| a.effective_availability),
            downtime_minutes_per_year: a.as_ref().map(|a| a.downtime_minutes_per_year),
            unavailability: a.as_ref().map(|a| a.unavailability),
            availability_note: note,
            monthly_cost: parts.cost.total,
            worst_rto_s,
            worst_rpo_s,
            worst_dns_exposure_s,
            single_points_of_failure,
        };
        let b = parts.baseline;
        Report {
            schema_version: SCHEMA_VERSION,
            topology: model.name.clone(),
            summary,
            scenarios,
            objectives: parts.verdict,
            baseline: Baseline {
                outcome: b.outcome.name(),
                served_fraction: b.served_fraction,
                worst_rtt_ms: b.worst_rtt_ms,
                worst_request_ms: b.worst_request_ms,
                served_by: served_by(b),
                serving_residency_violations: user_ids(&b.residency_violations),
                storage_residency_violations: user_ids(parts.storage_violations),
            },
            cost: parts.cost,
        }
    }
}
