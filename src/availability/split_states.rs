//! Split states one by one (docs/availability.md, step 4): the factored method's figures on
//! the static network, corrected state by state where failed links and regions split it.
//!
//! On N (the alive regions all connected through up links) every state has the figures of the
//! static network, where every alive region is connected to every other. So
//! F = E[f_static] + E[(f - f_static) 1{¬N}]: the factored method gives E[f_static] (up to the
//! mass its searches pruned) and P(¬N); the most probable states of ¬N are evaluated twice,
//! on the model and on the static network ([`Engine::core_connected_into`]), and the rest of
//! ¬N bounds the error: each figure lies in [0, 1], so |f - f_static| <= 1 on every state left
//! out, and those weigh P(¬N) - P(the split states evaluated).
//!
//! The states are visited as in [`super::partial`] (a tree by unavailability, the same order
//! and thresholds) but only the split ones are evaluated: telling a state's network apart
//! costs a union-find at most, so the tree can hold ten times as many states.

use rayon::prelude::*;

use super::factored::TOLERANCE;
use super::factored::{Static, StaticRun};
use super::partial::{Tree, thresholds};
use super::{CONDITIONAL_TOLERANCE, Conditional, StateProbabilities};
use crate::evaluate::{Engine, Failure};
use crate::model::Component;

/// Nodes of the tree visited at most (a fixed count, so the result does not depend on the
/// machine or the number of threads).
pub const MAX_NODES: usize = 2_000_000;
/// Split states per parallel chunk; chunks are summed in order.
const CHUNK: usize = 1024;

/// The corrected figures and their proven error bound.
#[derive(Clone, Debug)]
pub struct SplitStates {
    pub total: StateProbabilities,
    /// Bound on the absolute error of each figure: the static figures' pruned mass plus the
    /// probability of the split states not evaluated.
    pub bound: f64,
    /// Split states evaluated.
    pub states: usize,
    /// Per component (when the static figures have them), the figures given it down and given
    /// it up, each with its own bound (the same terms given the component's state).
    pub conditional: Option<Vec<(Conditional, [f64; 2])>>,
}

/// The static figures `static_` corrected on the most probable split states.
pub fn compute(engine: &Engine, pool: Option<&rayon::ThreadPool>, static_: &Static) -> SplitStates {
    let tree = Tree::new(engine);
    // The thresholds of the tree in turn (powers of ten, then half-steps), until the split
    // states left out weigh at most half the tolerance or the next tree would not fit.
    // With importance, every conditional figure's too (at most half its tolerance).
    let enough = |states: &[(Vec<usize>, f64)]| {
        let left = |run: &StaticRun, covered: f64| run.pruned + (run.split - covered).max(0.0);
        let covered: f64 = states.iter().map(|(_, p)| p).sum();
        if left(&static_.main, covered) > TOLERANCE / 2.0 {
            return false;
        }
        let Some(runs) = &static_.conditional else {
            return true;
        };
        let mut down = vec![0.0; tree.order.len()];
        for (set, p) in states {
            for &j in set {
                down[j] += p / tree.order[j].1;
            }
        }
        tree.order.iter().zip(&down).all(|(&(c, q, a), &d)| {
            let up = ((covered - q * d) / a).max(0.0);
            left(&runs[c][0], d) <= CONDITIONAL_TOLERANCE / 2.0
                && left(&runs[c][1], up) <= CONDITIONAL_TOLERANCE / 2.0
        })
    };
    let mut split_states = Vec::new();
    for threshold in thresholds() {
        match find_split_states(engine, &tree, threshold) {
            Some(states) => {
                let done = enough(&states);
                split_states = states;
                if done {
                    break;
                }
            }
            None => break,
        }
    }
    let k = tree.order.len();
    let conditional = static_.conditional.is_some();
    // Per chunk: the correction, and per tree position given down and given up, the
    // correction and the probability of the split states evaluated (each divided by the
    // position's own factor).
    let run = |chunk: &[(Vec<usize>, f64)]| {
        let mut core = engine.scratch();
        let mut failure = Failure::default();
        let mut sum = Sums::new(if conditional { 2 * k } else { 0 });
        let mut down = vec![false; k];
        for (set, p) in chunk {
            tree.failure(set, &mut failure);
            engine.core_into(&failure, &mut core);
            let mut diff = StateProbabilities::of(core.outcome, core.served_fraction);
            engine.core_connected_into(&failure, &mut core);
            diff.add(
                &StateProbabilities::of(core.outcome, core.served_fraction),
                -1.0,
            );
            sum.add(usize::MAX, &diff, *p);
            if !conditional {
                continue;
            }
            for &j in set {
                down[j] = true;
            }
            for (i, &(_, q, a)) in tree.order.iter().enumerate() {
                match down[i] {
                    true => sum.add(2 * i, &diff, p / q),
                    false => sum.add(2 * i + 1, &diff, p / a),
                }
            }
            for &j in set {
                down[j] = false;
            }
        }
        sum
    };
    let sums: Vec<Sums> = match pool {
        Some(pool) => pool.install(|| split_states.par_chunks(CHUNK).map(run).collect()),
        None => split_states.chunks(CHUNK).map(run).collect(),
    };
    let mut all = Sums::new(if conditional { 2 * k } else { 0 });
    for s in &sums {
        all.merge(s);
    }
    let corrected = |run: &StaticRun, correction: &StateProbabilities, covered: f64| {
        let mut total = run.total.clone();
        total.add(correction, 1.0);
        (total, run.pruned + (run.split - covered).max(0.0))
    };
    let (total, bound) = corrected(&static_.main, &all.main.0, all.main.1);
    let conditional = static_.conditional.as_ref().map(|runs| {
        let mut position = vec![None; runs.len()];
        for (i, &(c, _, a)) in tree.order.iter().enumerate() {
            position[c] = Some((i, a));
        }
        runs.iter()
            .enumerate()
            .map(|(c, [down, up])| {
                // A component outside the tree never fails (then given up is the whole) or
                // always does (given down is the whole); its other side has no state here.
                let none = (StateProbabilities::ZERO, 0.0);
                let (d, u) = match position[c] {
                    Some((i, _)) => (&all.each[2 * i], &all.each[2 * i + 1]),
                    None if engine.model().availability(engine.components()[c]).0 >= 1.0 => {
                        (&none, &all.main)
                    }
                    None => (&all.main, &none),
                };
                let (given_down, bound_down) = corrected(down, &d.0, d.1);
                let (given_up, bound_up) = corrected(up, &u.0, u.1);
                (
                    Conditional {
                        given_down,
                        given_up,
                    },
                    [bound_down, bound_up],
                )
            })
            .collect()
    });
    SplitStates {
        total,
        bound,
        states: split_states.len(),
        conditional,
    }
}

/// The split states of the tree's nodes above `threshold`, with their probabilities (`None`
/// when the tree holds more than [`MAX_NODES`] nodes).
fn find_split_states(
    engine: &Engine,
    tree: &Tree,
    threshold: f64,
) -> Option<Vec<(Vec<usize>, f64)>> {
    let model = engine.model();
    // Per tree position: whether its failure alone can change the network (a region, a
    // link, a shared-fate group), or the region of an AZ (a region dies with its last AZ).
    let role: Vec<Role> = tree
        .order
        .iter()
        .map(|&(c, _, _)| match engine.components()[c] {
            Component::Region(_) | Component::Link(_) | Component::Shared(_) => Role::Network,
            Component::Az(a) => Role::Az(model.azs[a.idx()].region.idx()),
            _ => Role::Other,
        })
        .collect();
    let azs_of: Vec<usize> = model.regions.iter().map(|r| r.azs.len()).collect();
    let always_network = tree.always_down.iter().any(|&c| {
        !matches!(
            engine.components()[c],
            Component::Routing | Component::External(_)
        )
    });
    let mut scratch = engine.scratch().state;
    let mut failure = Failure::default();
    let mut out: Vec<(Vec<usize>, f64)> = Vec::new();
    let fits = tree.walk(
        threshold,
        MAX_NODES,
        &mut |set, p| {
            if p == 0.0 {
                return;
            }
            let may_split = always_network
                || set.iter().any(|&j| match role[j] {
                    Role::Network => true,
                    Role::Az(r) => {
                        set.iter().filter(|&&k| role[k] == Role::Az(r)).count() == azs_of[r]
                    }
                    Role::Other => false,
                });
            if !may_split {
                return;
            }
            tree.failure(set, &mut failure);
            if engine.splits_network(&failure, &mut scratch) {
                out.push((set.to_vec(), p));
            }
        },
        &mut |_, _, _| {},
    );
    fits.then_some(out)
}

/// Sums of (f - f_static) x weight and of the weights: over all, and per slot.
struct Sums {
    main: (StateProbabilities, f64),
    each: Vec<(StateProbabilities, f64)>,
}

impl Sums {
    fn new(slots: usize) -> Sums {
        Sums {
            main: (StateProbabilities::ZERO, 0.0),
            each: vec![(StateProbabilities::ZERO, 0.0); slots],
        }
    }

    /// Adds to `slot` (`usize::MAX`: the whole).
    fn add(&mut self, slot: usize, diff: &StateProbabilities, weight: f64) {
        let s = match slot {
            usize::MAX => &mut self.main,
            i => &mut self.each[i],
        };
        s.0.add(diff, weight);
        s.1 += weight;
    }

    fn merge(&mut self, other: &Sums) {
        for (x, y) in std::iter::once((&mut self.main, &other.main))
            .chain(self.each.iter_mut().zip(&other.each))
        {
            x.0.add(&y.0, 1.0);
            x.1 += y.1;
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    Network,
    Az(usize),
    Other,
}
