//! MODEL.md §5: availability over all 2^n component states, and the figures derived from it.
//!
//! This version enumerates every state, so it is exact but limited to
//! [`MAX_ENUMERATED_COMPONENTS`] components; above that the figures are not computed (and the
//! report says so) rather than sampled.

use serde::Serialize;

use crate::evaluate::{Engine, Failure, Outcome};

/// The largest topology enumerated state by state (2^20, about a million states).
pub const MAX_ENUMERATED_COMPONENTS: usize = 20;
/// Hours in the model's year (365.25 days).
pub const HOURS_PER_YEAR: f64 = 8766.0;
/// Seconds in the model's year.
pub const SECONDS_PER_YEAR: f64 = 31_557_600.0;
/// Minutes in the model's year.
pub const MINUTES_PER_YEAR: f64 = 525_960.0;

/// Probabilities over all component states.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StateProbabilities {
    /// P(outcome is down), summed directly so that tiny values keep their digits.
    pub unavailability: f64,
    /// P(outcome is not up).
    pub not_full_capacity: f64,
    /// E[1 - served fraction].
    pub expected_shortfall: f64,
}

/// The §5 summary figures.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Availability {
    pub availability: f64,
    pub full_capacity_availability: f64,
    pub expected_served_fraction: f64,
    pub effective_availability: f64,
    pub downtime_minutes_per_year: f64,
    pub unavailability: f64,
}

/// Enumerates every state, or returns `None` when there are too many components.
pub fn enumerate(engine: &Engine) -> Option<StateProbabilities> {
    let n = engine.components().len();
    if n > MAX_ENUMERATED_COMPONENTS {
        return None;
    }
    let model = engine.model();
    let up: Vec<f64> = engine
        .components()
        .iter()
        .map(|c| model.availability(*c).0)
        .collect();
    let down: Vec<f64> = engine
        .components()
        .iter()
        .map(|c| model.availability(*c).unavailability())
        .collect();
    let mut out = StateProbabilities {
        unavailability: 0.0,
        not_full_capacity: 0.0,
        expected_shortfall: 0.0,
    };
    let mut failure = Failure::default();
    let mut core = engine.scratch();
    for mask in 0u64..(1u64 << n) {
        failure.components.clear();
        let mut p = 1.0;
        for i in 0..n {
            if mask >> i & 1 == 1 {
                failure.components.push(i);
                p *= down[i];
            } else {
                p *= up[i];
            }
        }
        if p == 0.0 {
            continue;
        }
        engine.core_into(&failure, &mut core);
        match core.outcome {
            Outcome::Down => {
                out.unavailability += p;
                out.not_full_capacity += p;
                out.expected_shortfall += p;
            }
            Outcome::Degraded => {
                out.not_full_capacity += p;
                out.expected_shortfall += p * (1.0 - core.served_fraction);
            }
            Outcome::Up => out.expected_shortfall += p * (1.0 - core.served_fraction),
        }
    }
    Some(out)
}

/// Combines state probabilities with the transients of single failures: `singles` holds, for
/// each component index, the impact in seconds of its single failure when that is not down.
pub fn summarize(
    engine: &Engine,
    probabilities: &StateProbabilities,
    singles: &[(usize, Option<f64>)],
) -> Availability {
    let model = engine.model();
    let transient: f64 = singles
        .iter()
        .filter_map(|(i, impact)| impact.map(|s| (i, s)))
        .map(|(i, impact)| {
            let c = engine.components()[*i];
            let frequency =
                model.availability(c).unavailability() * HOURS_PER_YEAR / model.mttr(c).hours();
            frequency * impact
        })
        .sum::<f64>()
        / SECONDS_PER_YEAR;
    let lost = probabilities.expected_shortfall + transient;
    Availability {
        availability: 1.0 - probabilities.unavailability,
        full_capacity_availability: 1.0 - probabilities.not_full_capacity,
        expected_served_fraction: 1.0 - probabilities.expected_shortfall,
        effective_availability: 1.0 - lost,
        downtime_minutes_per_year: lost * MINUTES_PER_YEAR,
        unavailability: probabilities.unavailability,
    }
}
