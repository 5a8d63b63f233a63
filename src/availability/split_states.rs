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
use super::partial::{SummedOut, Tree, thresholds};
use super::{CONDITIONAL_TOLERANCE, Conditional, StateProbabilities};
use crate::evaluate::{Engine, Failure};
use crate::model::Component;

/// Nodes of the tree visited at most (a fixed count, so the result does not depend on the
/// machine or the number of threads).
pub const MAX_NODES: usize = 2_000_000;
/// Split states per parallel chunk; chunks are summed in order.
const CHUNK: usize = 1024;
/// Components given a walk of their own at most (see `given_down_walk`; with more, the
/// importance table is not given), and the nodes of each walk's tree.
const MAX_FRAGILE: usize = 64;

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
    /// The split states evaluated, each with f - f_static, and how many thresholds the walk
    /// tried: for [`compute_again`].
    found: Vec<(Vec<usize>, f64)>,
    diffs: Vec<StateProbabilities>,
    tried: usize,
    /// The heaviest node the last tree left out (thresholds above it give the same tree).
    heaviest_left: f64,
}

/// The static figures `static_` corrected on the most probable split states.
pub fn compute(engine: &Engine, pool: Option<&rayon::ThreadPool>, static_: &Static) -> SplitStates {
    walk(engine, pool, static_, None, false).expect("a walk that does not give up ends")
}

/// [`compute`] when it reaches the tolerance; `None`, without evaluating the split states it
/// found, when it does not (for when the figures come from elsewhere and only the importance
/// table would need them: docs/availability.md, "The anchor").
pub fn compute_exact(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    static_: &Static,
) -> Option<SplitStates> {
    walk(engine, pool, static_, None, true)
}

/// [`compute`] again, once `static_` has its importance runs: the split states `previous`
/// evaluated are reused (not evaluated again) when they are enough for the conditional
/// figures too, and the walk goes on from its last threshold otherwise.
pub fn compute_again(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    static_: &Static,
    previous: SplitStates,
) -> SplitStates {
    walk(engine, pool, static_, Some(previous), false).expect("a walk that does not give up ends")
}

/// The walk; with `give_up`, `None` as soon as it cannot reach the tolerance.
fn walk(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    static_: &Static,
    previous: Option<SplitStates>,
    give_up: bool,
) -> Option<SplitStates> {
    let within = static_.within.as_deref();
    let tree = Tree::given(engine, None, &static_.summed);
    // The thresholds of the tree in turn (powers of ten, then half-steps), until the split
    // states left out weigh at most half the tolerance or the next tree would not fit.
    // With importance, every conditional figure's too (at most half its tolerance).
    let enough = |states: &[(Vec<usize>, f64)]| {
        let left = left_out;
        let covered = covered(states);
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
                && left(&given_up(&runs[c][1], &static_.main, q, a, d), up)
                    <= CONDITIONAL_TOLERANCE / 2.0
        })
    };
    let (mut split_states, mut known, mut tried, mut heaviest_left) = match previous {
        Some(p) => (p.found, Some(p.diffs), p.tried, p.heaviest_left),
        None => (Vec::new(), None, 0, f64::INFINITY),
    };
    let mut done = tried > 0 && enough(&split_states);
    // Going on from the previous walk's last threshold (whose tree was not enough, or did
    // not fit).
    let mut skip = known.is_some();
    for threshold in thresholds().skip(tried.saturating_sub(1)) {
        if done {
            break;
        }
        if std::mem::take(&mut skip) {
            continue;
        }
        tried += 1;
        // No node of the tree lies between this threshold and the heaviest one the last
        // tree left out: the same tree, not walked again.
        if threshold > heaviest_left {
            continue;
        }
        match find_split_states(engine, &tree, threshold, MAX_NODES, within) {
            Some((states, heaviest)) => {
                done = enough(&states);
                // Every state a larger tree adds weighs at most the heaviest node left out,
                // and each is a node: when even a whole tree of them would leave the bound
                // above the tolerance, no threshold reaches it.
                let most = covered(&states) + heaviest * MAX_NODES as f64;
                let hopeless = left_out(&static_.main, most) > TOLERANCE;
                split_states = states;
                known = None;
                heaviest_left = heaviest;
                if give_up && !done && hopeless {
                    break;
                }
            }
            None => break,
        }
    }
    // (Not done is still exact when the bound is within the tolerance: only the walk aims at
    // half of it.)
    if give_up && !done && left_out(&static_.main, covered(&split_states)) > TOLERANCE {
        return None;
    }
    let conditional = static_.conditional.is_some();
    let diffs = match known {
        Some(diffs) => diffs,
        None => differences(engine, &tree, &split_states, pool, within),
    };
    let all = correct(&tree, &split_states, &diffs, pool, conditional);
    let corrected = |run: &StaticRun, correction: &StateProbabilities, covered: f64| {
        let mut total = run.total.clone();
        total.add(correction, 1.0);
        (total, left_out(run, covered))
    };
    let (total, bound) = corrected(&static_.main, &all.main.0, all.main.1);
    let conditional = static_.conditional.as_ref().map(|runs| {
        let summed = |c: usize| static_.summed.get(c).copied().unwrap_or(SummedOut::No);
        // A place of a group of `SummedOut::ByW` is the group's, not its first component's.
        let mut position = vec![None; runs.len()];
        for (i, &(c, _, a)) in tree.order.iter().enumerate() {
            if summed(c) == SummedOut::No {
                position[c] = Some((i, a));
            }
        }
        let groups: rustc_hash::FxHashMap<usize, usize> =
            tree.groups(&static_.summed).into_iter().collect();
        // A component whose split states given it down weigh more than the walk above
        // reached (its failure makes the network fragile: their states are lighter by its q)
        // gets a walk of its own, over the states with it down.
        // So does one that never fails (it is down in no state of the walk) when the
        // correction given it down matters.
        let never_fails = |c: usize| engine.model().availability(engine.components()[c]).0 >= 1.0;
        let fragile: Vec<usize> = (0..runs.len())
            .filter(|&c| {
                let covered = match position[c] {
                    Some((i, _)) => all.each[2 * i].1,
                    None if never_fails(c) && summed(c) == SummedOut::No => 0.0,
                    None => return false,
                };
                left_out(&runs[c][0], covered) > CONDITIONAL_TOLERANCE / 2.0
            })
            .collect();
        // Only when the table can be given: the figures exact, and few enough of them.
        let fragile = if bound <= TOLERANCE && fragile.len() <= MAX_FRAGILE {
            fragile
        } else {
            Vec::new()
        };
        let mut given_down: Vec<Option<(StateProbabilities, f64)>> = vec![None; runs.len()];
        let walks: Vec<(StateProbabilities, f64)> = match pool {
            Some(pool) => pool.install(|| {
                fragile
                    .par_iter()
                    .map(|&c| given_down_walk(engine, &runs[c][0], c, static_))
                    .collect()
            }),
            None => fragile
                .iter()
                .map(|&c| given_down_walk(engine, &runs[c][0], c, static_))
                .collect(),
        };
        for (&c, walk) in fragile.iter().zip(walks) {
            given_down[c] = Some(walk);
        }
        runs.iter()
            .enumerate()
            .map(|(c, [down, up])| {
                // A component outside the tree never fails (then given up is the whole) or
                // always does (given down is the whole); its other side has no state here.
                // One summed out changes no term of the correction (both sides are the
                // whole), or only through its group: given it down the group has failed,
                // given it up the group fails when another of it does.
                let none = (StateProbabilities::ZERO, 0.0);
                let a_c = engine.model().availability(engine.components()[c]).0;
                let (d, u) = match (position[c], summed(c)) {
                    (Some((i, _)), _) => (all.each[2 * i].clone(), all.each[2 * i + 1].clone()),
                    (None, SummedOut::Fully) => (all.main.clone(), all.main.clone()),
                    (None, SummedOut::ByW(k)) if groups.contains_key(&k) => {
                        let i = groups[&k];
                        let other = 1.0 - tree.order[i].2 / a_c;
                        let (down, up) = (&all.each[2 * i], &all.each[2 * i + 1]);
                        let mut mixed = StateProbabilities::ZERO;
                        mixed.add(&down.0, other);
                        mixed.add(&up.0, 1.0 - other);
                        (down.clone(), (mixed, other * down.1 + (1.0 - other) * up.1))
                    }
                    (None, _) if a_c >= 1.0 => (none, all.main.clone()),
                    (None, _) => (all.main.clone(), none),
                };
                let (given_down, bound_down, covered_down) = match &given_down[c] {
                    Some(w) => {
                        let (total, bound) = corrected(down, &w.0, w.1);
                        (total, bound, w.1.max(d.1))
                    }
                    None => {
                        let (total, bound) = corrected(down, &d.0, d.1);
                        (total, bound, d.1)
                    }
                };
                let up = match position[c] {
                    Some((_, a)) => &given_up(up, &static_.main, 1.0 - a, a, covered_down),
                    // One summed out does not change P(¬N) either (its held-up run only
                    // bounds it, by P(¬N) / a).
                    None if summed(c) != SummedOut::No => &StaticRun {
                        split: up.split.min(static_.main.split),
                        ..up.clone()
                    },
                    None => up,
                };
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
    Some(SplitStates {
        total,
        bound,
        states: split_states.len(),
        conditional,
        found: split_states,
        diffs,
        tried,
        heaviest_left,
    })
}

/// The error bound of a static run corrected on split states of probability `covered`: its
/// pruned mass, plus what the split states left out can change. That is at most their
/// probability, P(¬N) - covered; and it is also at most P(f_static is not down): on a state
/// that is down on the static network, where every alive region is connected, the model is
/// down too (splitting the network only takes serving regions away: a part is OK only if the
/// whole network would be, MODEL.md §3), so its correction is 0. (That second bound is what
/// makes a component whose failure takes everything down, such as a shared-fate group over
/// the regions every request needs, exact given down.)
fn left_out(run: &StaticRun, covered: f64) -> f64 {
    let split = (run.split - covered).max(0.0);
    let not_down = (1.0 - run.total.unavailability).max(0.0) + run.pruned;
    run.pruned + split.min(not_down)
}

/// The static run given a component up, with P(¬N | up) bounded by the tighter of its own
/// bound and (P(¬N) - q P(¬N | down)) / a, where `covered_down` (the split states evaluated
/// with it down, by conditional probability) is a lower bound on P(¬N | down). (The held-up
/// runs of `factored` are derived from the whole and the held-down ones, and bound it by
/// P(¬N) / a alone: on a ring, where a region's failure makes every other one a cut, that
/// is far too loose.)
fn given_up(up: &StaticRun, main: &StaticRun, q: f64, a: f64, covered_down: f64) -> StaticRun {
    StaticRun {
        total: up.total.clone(),
        pruned: up.pruned,
        split: up.split.min(((main.split - q * covered_down) / a).max(0.0)),
    }
}

/// f - f_static on each of these split states, evaluated in fixed chunks.
fn differences(
    engine: &Engine,
    tree: &Tree,
    states: &[(Vec<usize>, f64)],
    pool: Option<&rayon::ThreadPool>,
    within: Option<&[bool]>,
) -> Vec<StateProbabilities> {
    let run = |chunk: &[(Vec<usize>, f64)]| {
        let mut core = engine.scratch();
        let mut failure = Failure::default();
        chunk
            .iter()
            .map(|(set, _)| {
                tree.failure(set, &mut failure);
                engine.core_into(&failure, &mut core);
                let mut diff = StateProbabilities::of(core.outcome, core.served_fraction);
                engine.core_connected_into(&failure, &mut core, within);
                diff.add(
                    &StateProbabilities::of(core.outcome, core.served_fraction),
                    -1.0,
                );
                diff
            })
            .collect::<Vec<_>>()
    };
    let chunks: Vec<Vec<StateProbabilities>> = match pool {
        Some(pool) => pool.install(|| states.par_chunks(CHUNK).map(run).collect()),
        None => states.chunks(CHUNK).map(run).collect(),
    };
    chunks.into_iter().flatten().collect()
}

/// Σ p x (f - f_static) over these split states (their differences `diffs`) and Σ p; with
/// `per_position`, the same per tree position given down and given up (each state's weight
/// divided by the position's own factor). Summed in fixed chunks, in order.
fn correct(
    tree: &Tree,
    states: &[(Vec<usize>, f64)],
    diffs: &[StateProbabilities],
    pool: Option<&rayon::ThreadPool>,
    per_position: bool,
) -> Sums {
    let k = tree.order.len();
    let slots = if per_position { 2 * k } else { 0 };
    let run = |(chunk, diffs): (&[(Vec<usize>, f64)], &[StateProbabilities])| {
        let mut sum = Sums::new(slots);
        let mut down = vec![false; k];
        for ((set, p), diff) in chunk.iter().zip(diffs) {
            sum.add(usize::MAX, diff, *p);
            if !per_position {
                continue;
            }
            for &j in set {
                down[j] = true;
            }
            for (i, &(_, q, a)) in tree.order.iter().enumerate() {
                match down[i] {
                    true => sum.add(2 * i, diff, p / q),
                    false => sum.add(2 * i + 1, diff, p / a),
                }
            }
            for &j in set {
                down[j] = false;
            }
        }
        sum
    };
    let sums: Vec<Sums> = match pool {
        Some(pool) => pool.install(|| {
            states
                .par_chunks(CHUNK)
                .zip(diffs.par_chunks(CHUNK))
                .map(run)
                .collect()
        }),
        None => states
            .chunks(CHUNK)
            .zip(diffs.chunks(CHUNK))
            .map(run)
            .collect(),
    };
    let mut all = Sums::new(slots);
    for s in &sums {
        all.merge(s);
    }
    all
}

/// The correction given component `c` down, from the split states of its own tree (the
/// states with it down, by conditional probability), thresholds in turn until what they leave
/// of P(¬N | c down) is within half the conditional tolerance or the tree would not fit.
fn given_down_walk(
    engine: &Engine,
    down: &StaticRun,
    c: usize,
    static_: &Static,
) -> (StateProbabilities, f64) {
    let within = static_.within.as_deref();
    let tree = Tree::given(engine, Some(c), &static_.summed);
    let mut states = Vec::new();
    let mut heaviest_left = f64::INFINITY;
    for threshold in thresholds() {
        // (The same tree as the last one, as in `walk`.)
        if threshold > heaviest_left {
            continue;
        }
        match find_split_states(engine, &tree, threshold, MAX_NODES / 4, within) {
            Some((found, heaviest)) => {
                let covered = covered(&found);
                states = found;
                heaviest_left = heaviest;
                if left_out(down, covered) <= CONDITIONAL_TOLERANCE / 2.0 {
                    break;
                }
            }
            None => break,
        }
    }
    let diffs = differences(engine, &tree, &states, None, within);
    correct(&tree, &states, &diffs, None, false).main
}

/// The split states of the tree's nodes above `threshold`, with their probabilities, and the
/// heaviest node the tree left out (every tree for a threshold above it and at most
/// `threshold` is this one); `None` when the tree holds more than `limit` nodes.
fn find_split_states(
    engine: &Engine,
    tree: &Tree,
    threshold: f64,
    limit: usize,
    within: Option<&[bool]>,
) -> Option<(Vec<FailureSet>, f64)> {
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
    let mut heaviest = 0.0f64;
    let fits = tree.walk(
        threshold,
        limit,
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
            if engine.splits_network(&failure, &mut scratch, within) {
                out.push((set.to_vec(), p));
            }
        },
        &mut |_, j, running| heaviest = heaviest.max(running * tree.order[j].1),
    );
    fits.then_some((out, heaviest))
}

/// A set of failed components (positions in the tree) with its probability.
type FailureSet = (Vec<usize>, f64);

/// The probability of these states.
fn covered(states: &[FailureSet]) -> f64 {
    states.iter().map(|(_, p)| p).sum()
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateArgs, LinkShape};

    /// The walk that gives up ([`compute_exact`], for the importance table where the islands
    /// give the figures) gives up exactly where the walk does not reach the tolerance, and
    /// otherwise gives the same figures and bound: on a 24-region ring (it does not) and a
    /// 16-region chain and 12-region `nearest:2` estate (they do).
    #[test]
    fn the_walk_that_gives_up_does_so_exactly_where_the_walk_is_not_exact() {
        let mut outcomes = Vec::new();
        for (regions, links) in [
            (24, LinkShape::Ring),
            (16, LinkShape::Chain),
            (12, LinkShape::Nearest(2)),
        ] {
            let args = GenerateArgs {
                regions,
                azs: 2,
                links,
                ..GenerateArgs::default()
            };
            let checked = super::super::factored::generated(&args);
            let engine = Engine::new(&checked.model);
            let static_ =
                super::super::factored::static_network_alone(&engine, None, false).unwrap();
            let full = compute(&engine, None, &static_);
            let exact = compute_exact(&engine, None, &static_);
            assert_eq!(
                exact.is_some(),
                full.bound <= TOLERANCE,
                "{links:?}: bound {:e}",
                full.bound
            );
            if let Some(e) = exact {
                assert_eq!(e.bound, full.bound, "{links:?}");
                assert_eq!(
                    e.total.unavailability, full.total.unavailability,
                    "{links:?}"
                );
            }
            outcomes.push(full.bound <= TOLERANCE);
        }
        assert_eq!(outcomes, [false, true, true]);
    }

    /// The tree for any threshold above the heaviest node a tree left out and at most its
    /// threshold holds the same split states (what lets the walk skip it), and the next
    /// threshold at or below that node at least those (more, some of the time).
    #[test]
    fn a_threshold_above_the_heaviest_left_out_finds_the_same_states() {
        let args = GenerateArgs {
            regions: 10,
            azs: 2,
            links: LinkShape::Ring,
            ..GenerateArgs::default()
        };
        let checked = super::super::factored::generated(&args);
        let engine = Engine::new(&checked.model);
        let tree = Tree::given(&engine, None, &[]);
        let mut skipped = 0;
        let mut grew = 0;
        for threshold in thresholds().take(30) {
            let (states, heaviest) =
                find_split_states(&engine, &tree, threshold, MAX_NODES, None).unwrap();
            assert!(heaviest < threshold);
            for next in thresholds().filter(|&t| t < threshold) {
                let (more, _) = find_split_states(&engine, &tree, next, MAX_NODES, None).unwrap();
                if next > heaviest {
                    assert_eq!(more, states, "{next:e} above {heaviest:e}");
                    skipped += 1;
                } else {
                    // A larger tree: every state found before, and more nodes (split or not).
                    assert!(states.iter().all(|s| more.contains(s)), "{next:e}");
                    grew += usize::from(more.len() > states.len());
                    break;
                }
            }
        }
        assert!(skipped > 0 && grew > 0, "{skipped} skipped, {grew} grew");
    }
}
