//! A proven interval for any topology: the most probable component states evaluated one by
//! one (as enumeration does), and the probability of all the others as the interval's width.
//!
//! Used when neither exact method reaches a topology within 1e-12 (docs/availability.md, "When
//! it says no"), so that availability is never "not computed". Every figure is an expectation
//! of a quantity in [0, 1] (down, not full, 1 - served fraction), so with E the states
//! evaluated and M = 1 - P(E), each figure lies in [sum over E, sum over E + M].
//!
//! The states are failure sets F, visited as a tree: the children of F add one component that
//! comes after F's last in a fixed order (unavailability descending, then id). The subtree of F
//! (every state whose failures are F plus components after F's last) has probability
//! S(F) = prod_{F} q x prod_{up to F's last, not in F} a, and a state F itself has probability
//! S(F) x prod_{after F's last} a. Subtrees lighter than a threshold are not visited: their
//! mass goes to M. The order makes the children of a node lighter and lighter, so the first
//! light child ends the node and the mass of it and every later sibling is one product,
//! S(F) x prod_{between} a x (1 - prod_{from it on} a). The threshold is the smallest power of
//! ten (then a half-step) whose tree holds at most [`MAX_STATES`] states: a fixed count, so the
//! interval does not depend on the machine or the number of threads.

use rayon::prelude::*;

use super::{Conditional, StateProbabilities};
use crate::evaluate::{Engine, Failure};

/// States evaluated at most.
pub const MAX_STATES: usize = 200_000;
/// States per parallel chunk; chunks are summed in order.
const CHUNK: usize = 4096;

/// The evaluated part and the mass left out.
#[derive(Clone, Debug)]
pub struct Partial {
    /// Sum over the evaluated states of probability x contribution (a lower bound on each
    /// figure).
    pub evaluated: StateProbabilities,
    /// Probability of the states not evaluated: each figure is at most `evaluated` + this.
    pub unexplored: f64,
    pub states: usize,
    /// Per component (as in `Engine::components`), the same given it is down and given it is
    /// up: the evaluated part of each conditional figure, and the conditional probability of
    /// the states left out (so each conditional figure lies in [part, part + that]).
    pub conditional: Vec<(Conditional, [f64; 2])>,
}

/// The thresholds tried, in turn: 10^-0.5, 10^-1, ..., 10^-30.
pub(super) fn thresholds() -> impl Iterator<Item = f64> {
    (1..=60).map(|step| 10f64.powf(-(step as f64) / 2.0))
}

/// How a sum over states may treat a component that changes nothing it sums but possibly W
/// (the largest MTTR among the failed components, MODEL.md §3.2): see
/// `factored::Setup::summed_out`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SummedOut {
    /// The component matters: it has its own place in the tree.
    No,
    /// Nothing depends on it, W neither (its MTTR is no longer than any restore time): it is
    /// up in every state of the tree, its probabilities summed out.
    Fully,
    /// Only W depends on it, and only through which restore times W exceeds, the same for
    /// every component of group `k` (their MTTRs exceed the same restore times): only whether
    /// one of the group failed matters, so the group is one place in the tree (its first
    /// component, failing with the probability that any of them does).
    ByW(usize),
}

pub(super) struct Tree {
    /// Components that can fail, in visiting order: (component index, q, a).
    pub(super) order: Vec<(usize, f64, f64)>,
    /// suffix_log[j] = sum_{i >= j} ln(a_i).
    pub(super) suffix_log: Vec<f64>,
    /// Components always down (availability 0).
    pub(super) always_down: Vec<usize>,
}

impl Tree {
    pub(super) fn new(engine: &Engine) -> Tree {
        Tree::given(engine, None, &[])
    }

    /// The positions of the groups of [`SummedOut::ByW`], by group.
    pub(super) fn groups(&self, summed: &[SummedOut]) -> Vec<(usize, usize)> {
        self.order
            .iter()
            .enumerate()
            .filter_map(|(i, &(c, _, _))| match summed.get(c) {
                Some(SummedOut::ByW(k)) => Some((*k, i)),
                _ => None,
            })
            .collect()
    }

    /// The tree of the states with component `down` down (given it is down: it is among the
    /// components always down, and the probabilities are conditional on it), for a sum that
    /// treats components as `summed` says (none summed out when it is empty). `down` is not
    /// one of a [`SummedOut::ByW`] group.
    pub(super) fn given(engine: &Engine, down: Option<usize>, summed: &[SummedOut]) -> Tree {
        let model = engine.model();
        let mut order = Vec::new();
        let mut always_down = Vec::new();
        // Per group of `SummedOut::ByW`: its first component, and the sum of ln(a).
        let mut groups: std::collections::BTreeMap<usize, (usize, f64)> = Default::default();
        for (i, c) in engine.components().iter().enumerate() {
            let a = model.availability(*c).0;
            let q = model.availability(*c).unavailability();
            let how = summed.get(i).copied().unwrap_or(SummedOut::No);
            if a <= 0.0 || down == Some(i) {
                debug_assert!(how == SummedOut::No, "a group member given down");
                always_down.push(i);
            } else if q > 0.0 {
                match how {
                    SummedOut::No => order.push((i, q, a)),
                    SummedOut::Fully => {}
                    SummedOut::ByW(k) => groups.entry(k).or_insert((i, 0.0)).1 += (-q).ln_1p(),
                }
            }
        }
        for (first, log_a) in groups.into_values() {
            order.push((first, -log_a.exp_m1(), log_a.exp()));
        }
        let ids: Vec<String> = engine
            .components()
            .iter()
            .map(|c| model.component_id(*c))
            .collect();
        order.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| ids[x.0].cmp(&ids[y.0])));
        let mut suffix_log = vec![0.0; order.len() + 1];
        for j in (0..order.len()).rev() {
            suffix_log[j] = suffix_log[j + 1] + (-order[j].1).ln_1p();
        }
        Tree {
            order,
            suffix_log,
            always_down,
        }
    }

    /// The smallest threshold (powers of ten and half-steps, down to 1e-30) whose tree holds
    /// at most `limit` nodes.
    pub(super) fn threshold(&self, limit: usize) -> f64 {
        let mut threshold = 1.0;
        for t in thresholds() {
            if !self.walk(t, limit, &mut |_, _| {}, &mut |_, _, _| {}) {
                break;
            }
            threshold = t;
        }
        threshold
    }

    /// The failure of the components at these positions (and those always down).
    pub(super) fn failure(&self, set: &[usize], failure: &mut Failure) {
        failure.components.clear();
        failure
            .components
            .extend(set.iter().map(|&j| self.order[j].0));
        failure.components.extend_from_slice(&self.always_down);
        failure.components.sort_unstable();
    }

    /// Visits every node whose subtree weighs at least `threshold`, depth first, with its
    /// failure set (positions in `order`) and the probability of exactly that state; calls
    /// `left(set, j, running)` for the subtrees not visited: the states whose failures are
    /// `set` plus at least one of the positions from j on, of total probability
    /// running x (1 - prod_{i >= j} a_i). Stops (returning false) after `limit` nodes.
    pub(super) fn walk(
        &self,
        threshold: f64,
        limit: usize,
        visit: &mut dyn FnMut(&[usize], f64),
        left: &mut dyn FnMut(&[usize], usize, f64),
    ) -> bool {
        let mut stack: Vec<usize> = Vec::new();
        let mut count = 0usize;
        self.node(threshold, limit, &mut stack, 1.0, visit, left, &mut count)
    }

    #[allow(clippy::too_many_arguments)]
    fn node(
        &self,
        threshold: f64,
        limit: usize,
        set: &mut Vec<usize>,
        subtree: f64,
        visit: &mut dyn FnMut(&[usize], f64),
        left: &mut dyn FnMut(&[usize], usize, f64),
        count: &mut usize,
    ) -> bool {
        *count += 1;
        if *count > limit {
            return false;
        }
        let start = set.last().map_or(0, |&k| k + 1);
        visit(set, subtree * self.suffix_log[start].exp());
        // running = S(F) x prod_{start <= i < j} a_i.
        let mut running = subtree;
        for j in start..self.order.len() {
            let (_, q, a) = self.order[j];
            let child = running * q;
            if child < threshold {
                // This child and every later sibling, not visited: the states whose failures
                // are `set` plus some of j.. (at least one), with running = their S without j...
                left(set, j, running);
                return true;
            }
            set.push(j);
            let ok = self.node(threshold, limit, set, child, visit, left, count);
            set.pop();
            if !ok {
                return false;
            }
            running *= a;
        }
        true
    }
}

/// The most probable states of `engine`'s components, at most [`MAX_STATES`], evaluated.
pub fn evaluate(engine: &Engine, pool: Option<&rayon::ThreadPool>) -> Partial {
    let tree = Tree::new(engine);
    let threshold = tree.threshold(MAX_STATES);
    let n = engine.components().len();
    let k = tree.order.len();
    let mut states: Vec<(Vec<usize>, f64)> = Vec::new();
    let mut unexplored = 0.0;
    // Per position: the mass left out with that position down because it is in the set, and
    // the running products of the breaks from it on (each adds running x q_i for i >= j).
    let mut left_down = vec![0.0; k];
    let mut from = vec![0.0; k + 1];
    tree.walk(
        threshold,
        usize::MAX,
        &mut |set, p| states.push((set.to_vec(), p)),
        &mut |set, j, running| {
            let mass = running * -tree.suffix_log[j].exp_m1();
            unexplored += mass;
            for &i in set {
                left_down[i] += mass;
            }
            from[j] += running;
        },
    );
    let mut acc = 0.0;
    for (i, (_, q, _)) in tree.order.iter().enumerate() {
        acc += from[i];
        left_down[i] += acc * q;
    }
    let zero = || {
        (
            StateProbabilities::ZERO,
            vec![StateProbabilities::ZERO; 2 * k],
        )
    };
    let run = |chunk: &[(Vec<usize>, f64)]| {
        let mut core = engine.scratch();
        let mut failure = Failure::default();
        let (mut sum, mut cond) = zero();
        let mut down = vec![false; k];
        for (set, p) in chunk {
            if *p == 0.0 {
                continue;
            }
            tree.failure(set, &mut failure);
            engine.core_into(&failure, &mut core);
            let state = StateProbabilities::of(core.outcome, core.served_fraction);
            sum.add(&state, *p);
            for &j in set {
                down[j] = true;
            }
            for (i, &(_, q, a)) in tree.order.iter().enumerate() {
                if down[i] {
                    cond[2 * i].add(&state, p / q);
                } else {
                    cond[2 * i + 1].add(&state, p / a);
                }
            }
            for &j in set {
                down[j] = false;
            }
        }
        (sum, cond)
    };
    let sums: Vec<(StateProbabilities, Vec<StateProbabilities>)> = match pool {
        Some(pool) => pool.install(|| states.par_chunks(CHUNK).map(run).collect()),
        None => states.chunks(CHUNK).map(run).collect(),
    };
    let (mut evaluated, mut cond) = zero();
    for (s, c) in &sums {
        evaluated.add(s, 1.0);
        for (x, y) in cond.iter_mut().zip(c) {
            x.add(y, 1.0);
        }
    }
    // Components that never fail: given down is every state with it down too, which this
    // method does not evaluate (the importance of a perfect component is not asked for);
    // given up is the whole.
    let mut conditional: Vec<(Conditional, [f64; 2])> = (0..n)
        .map(|_| {
            (
                Conditional {
                    given_down: evaluated.clone(),
                    given_up: evaluated.clone(),
                },
                [unexplored, unexplored],
            )
        })
        .collect();
    for (i, &(c, q, a)) in tree.order.iter().enumerate() {
        conditional[c] = (
            Conditional {
                given_down: cond[2 * i].clone(),
                given_up: cond[2 * i + 1].clone(),
            },
            [left_down[i] / q, ((unexplored - left_down[i]) / a).max(0.0)],
        );
    }
    Partial {
        evaluated,
        unexplored,
        states: states.len(),
        conditional,
    }
}
