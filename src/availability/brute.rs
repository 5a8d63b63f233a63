//! Exact availability by enumerating all 2^n component states, state by state.
//!
//! The reference method: every other method is tested against it. One pass also yields, for
//! every component, the figures conditioned on it being down and on it being up (for the
//! importance measures), by dividing each state's probability by that component's own factor.

use rayon::prelude::*;

use super::{Conditional, StateProbabilities};
use crate::evaluate::{Engine, Failure, Outcome};

/// The largest topology enumerated state by state (2^22, about four million states).
pub const MAX_COMPONENTS: usize = 22;

/// States per parallel chunk; chunks are summed in order, so results do not depend on the
/// number of threads.
const CHUNK_BITS: usize = 12;

/// A component held in one state instead of enumerated.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Forced {
    Free,
    Up,
    Down,
}

/// What one enumeration yields.
#[derive(Clone, Debug)]
pub struct Enumerated {
    pub total: StateProbabilities,
    /// Per component (as in `Engine::components`): the figures given it is down and given it is
    /// up.
    pub conditional: Vec<Conditional>,
}

#[derive(Clone)]
struct Partial {
    total: StateProbabilities,
    down: Vec<StateProbabilities>,
    up: Vec<StateProbabilities>,
}

impl Partial {
    fn new(n: usize) -> Partial {
        Partial {
            total: StateProbabilities::ZERO,
            down: vec![StateProbabilities::ZERO; n],
            up: vec![StateProbabilities::ZERO; n],
        }
    }

    fn merge(&mut self, other: &Partial) {
        self.total.add(&other.total, 1.0);
        for (a, b) in self.down.iter_mut().zip(&other.down) {
            a.add(b, 1.0);
        }
        for (a, b) in self.up.iter_mut().zip(&other.up) {
            a.add(b, 1.0);
        }
    }
}

/// Enumerates every state of the free components (`forced` holds the others), or `None` when
/// there are more than [`MAX_COMPONENTS`] free ones.
pub fn enumerate(
    engine: &Engine,
    forced: &[Forced],
    pool: Option<&rayon::ThreadPool>,
) -> Option<Enumerated> {
    let model = engine.model();
    let n = engine.components().len();
    // Free components in id order, so that the sums (and their last bits) do not depend on
    // the order of the file.
    let mut free: Vec<usize> = (0..n).filter(|&i| forced[i] == Forced::Free).collect();
    let ids: Vec<String> = engine
        .components()
        .iter()
        .map(|c| model.component_id(*c))
        .collect();
    free.sort_by(|a, b| ids[*a].cmp(&ids[*b]));
    if free.len() > MAX_COMPONENTS {
        return None;
    }
    let fixed_down: Vec<usize> = (0..n).filter(|&i| forced[i] == Forced::Down).collect();
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
    let bits = free.len();
    let chunk_bits = CHUNK_BITS.min(bits);
    let chunks = 1u64 << (bits - chunk_bits);
    let run_chunk = |chunk: u64| {
        let mut partial = Partial::new(n);
        let mut failure = Failure::default();
        let mut core = engine.scratch();
        let mut failed = vec![false; n];
        for low in 0..(1u64 << chunk_bits) {
            let mask = chunk << chunk_bits | low;
            failure.components.clear();
            failure.components.extend_from_slice(&fixed_down);
            let mut p = 1.0;
            for (bit, &i) in free.iter().enumerate() {
                let is_down = mask >> bit & 1 == 1;
                failed[i] = is_down;
                if is_down {
                    failure.components.push(i);
                    p *= down[i];
                } else {
                    p *= up[i];
                }
            }
            if p == 0.0 {
                continue;
            }
            failure.components.sort_unstable();
            engine.core_into(&failure, &mut core);
            let state = StateProbabilities::of(core.outcome, core.served_fraction);
            partial.total.add(&state, p);
            for &i in &free {
                if failed[i] {
                    partial.down[i].add(&state, p / down[i]);
                } else {
                    partial.up[i].add(&state, p / up[i]);
                }
            }
        }
        partial
    };
    let partials: Vec<Partial> = match pool {
        Some(pool) => pool.install(|| (0..chunks).into_par_iter().map(run_chunk).collect()),
        None => (0..chunks).map(run_chunk).collect(),
    };
    let mut sum = Partial::new(n);
    for p in &partials {
        sum.merge(p);
    }
    // Components held up or down: conditioning on them changes nothing. Components that never
    // fail (availability 1) have no states down: enumerate those separately.
    let conditional = (0..n)
        .map(|i| match forced[i] {
            Forced::Free if down[i] > 0.0 => Conditional {
                given_down: sum.down[i].clone(),
                given_up: sum.up[i].clone(),
            },
            Forced::Free => {
                let mut f = forced.to_vec();
                f[i] = Forced::Down;
                let given_down =
                    enumerate(engine, &f, pool).map_or(StateProbabilities::ZERO, |e| e.total);
                Conditional {
                    given_down,
                    given_up: sum.total.clone(),
                }
            }
            Forced::Up | Forced::Down => Conditional {
                given_down: sum.total.clone(),
                given_up: sum.total.clone(),
            },
        })
        .collect();
    Some(Enumerated {
        total: sum.total,
        conditional,
    })
}

impl StateProbabilities {
    pub const ZERO: StateProbabilities = StateProbabilities {
        unavailability: 0.0,
        not_full_capacity: 0.0,
        expected_shortfall: 0.0,
    };

    /// The contribution of one state, with weight 1.
    pub fn of(outcome: Outcome, served_fraction: f64) -> StateProbabilities {
        match outcome {
            Outcome::Down => StateProbabilities {
                unavailability: 1.0,
                not_full_capacity: 1.0,
                expected_shortfall: 1.0,
            },
            Outcome::Degraded => StateProbabilities {
                unavailability: 0.0,
                not_full_capacity: 1.0,
                expected_shortfall: 1.0 - served_fraction,
            },
            Outcome::Up => StateProbabilities {
                unavailability: 0.0,
                not_full_capacity: 0.0,
                expected_shortfall: 1.0 - served_fraction,
            },
        }
    }

    /// `self += weight * other`.
    pub fn add(&mut self, other: &StateProbabilities, weight: f64) {
        self.unavailability += weight * other.unavailability;
        self.not_full_capacity += weight * other.not_full_capacity;
        self.expected_shortfall += weight * other.expected_shortfall;
    }
}
