//! Step 4, P(¬N): the probability that failed links and regions split the alive regions, by a
//! frontier programme over the region graph.

use rustc_hash::FxHashMap;

use super::{MAX_SPLIT_STATES, SPLIT_PRUNE, Setup};

/// States a [`Recording`] holds at most (about 24 bytes each, twice).
const MAX_RECORDED: usize = 4_000_000;
/// [`Labels::PRUNE`] of [`Wide`] keys.
const WIDE_PRUNE: f64 = 1e-20;

/// Step 4: P(¬N), the probability that the alive regions are not all connected through up
/// links (the network is one static component). A frontier programme over regions: the state
/// is the partition of the frontier's alive regions into connected blocks, and whether a block
/// has closed already (then any other alive region means a split). States lighter than
/// [`SPLIT_PRUNE`] are dropped and their mass counted as split, so the result is an upper bound
/// that is exact up to that.
pub(super) fn network_split(setup: &Setup, avail: &[f64], alive: &[f64]) -> f64 {
    network_split_above(setup, avail, alive, 0.0)
}

/// [`network_split`], dropping (and counting as split) the states lighter than `prune` too
/// (where an upper bound within about that, times the states, is precise enough: it costs far
/// less), and without reusing recorded runs.
pub(super) fn network_split_above(setup: &Setup, avail: &[f64], alive: &[f64], prune: f64) -> f64 {
    network_split_told(setup, avail, alive, prune).unwrap_or(1.0)
}

/// [`network_split_above`], or `None` where the programme gives up (keys wider than 127
/// regions, or more than [`MAX_SPLIT_STATES`] states at a step) and the whole mass would count
/// as split: a 1 that says "cannot tell", told apart from a probability of 1 (a region held
/// down that cuts a chain in two).
pub(super) fn network_split_told(
    setup: &Setup,
    avail: &[f64],
    alive: &[f64],
    prune: f64,
) -> Option<f64> {
    // Without links between the serving part and the rest, only the serving part's split
    // counts (`serving_part.rs`): the rest is never alive here.
    let masked: Vec<f64>;
    let alive = match &setup.outside {
        Some(outside) => {
            masked = alive
                .iter()
                .zip(outside)
                .map(|(&a, &o)| if o { 0.0 } else { a })
                .collect();
            &masked[..]
        }
        None => alive,
    };
    if let Some(split) = setup
        .recorded
        .iter()
        .filter(|_| prune == 0.0)
        .find_map(|r| r.reuse(setup, avail, alive))
    {
        return Some(split);
    }
    let (adjacency, order, widest) = frontier_order(setup.engine.model());
    let frontier = Frontier::new(setup, (avail, alive), (&adjacency, &order), prune);
    #[cfg(test)]
    if let Some(wide) = FORCE_WIDE.with(|f| f.get().then(|| frontier.split::<Wide>())) {
        return (!frontier.gave_up.get()).then_some(wide);
    }
    let split = if widest <= u128::SLOTS {
        if !setup.record || prune > 0.0 {
            frontier.split::<u128>()
        } else {
            let (split, recording) = frontier.record();
            if let Some(recording) = recording {
                setup.recording.lock().unwrap().push(recording);
            }
            split
        }
    } else if widest <= Wide::SLOTS {
        frontier.split::<Wide>()
    } else {
        return None;
    };
    (!frontier.gave_up.get()).then_some(split)
}

/// [`network_split_above`] with each of `links` down in turn (availability 0), from one
/// recorded run of the programme: one step each (see [`Recording`]); `None` for a link the
/// recording cannot change (one that never fails or never works), and for all where the run
/// cannot be recorded (keys wider than one word, too many states, or a serving part).
pub(super) fn split_with_each_down(
    setup: &Setup,
    (avail, alive): (&[f64], &[f64]),
    prune: f64,
    links: &[usize],
) -> Option<Vec<Option<f64>>> {
    let (adjacency, order, widest) = frontier_order(setup.engine.model());
    if widest > u128::SLOTS || setup.outside.is_some() {
        return None;
    }
    let frontier = Frontier::new(setup, (avail, alive), (&adjacency, &order), prune);
    let recording = frontier.record().1?;
    let mut changed = avail.to_vec();
    let each = links
        .iter()
        .map(|&l| {
            let c = setup.link_c[l];
            changed[c] = 0.0;
            let split = recording.reuse(setup, &changed, alive);
            changed[c] = avail[c];
            split
        })
        .collect();
    Some(each)
}

/// Per region, its neighbours and the links to them.
pub(super) type Adjacency = Vec<Vec<(usize, usize)>>;

/// The region graph of `m` as [`Adjacency`].
pub(super) fn adjacency(m: &crate::model::Model) -> Adjacency {
    let mut adjacency: Adjacency = vec![Vec::new(); m.regions.len()];
    for (l, link) in m.links.iter().enumerate() {
        let [a, b] = link.ends;
        adjacency[a.idx()].push((b.idx(), l));
        adjacency[b.idx()].push((a.idx(), l));
    }
    adjacency
}

/// The region graph's adjacency (neighbour, link), the order the frontier programme visits
/// the regions in, and the widest frontier in that order.
fn frontier_order(m: &crate::model::Model) -> (Adjacency, Vec<usize>, usize) {
    let n = m.regions.len();
    let adjacency = adjacency(m);
    // Greedy order: next the region with the most processed neighbours (fewest unprocessed
    // on ties), which keeps the frontier small on geographic graphs.
    let mut done = vec![false; n];
    let mut order = Vec::with_capacity(n);
    for _ in 0..n {
        let next = (0..n)
            .filter(|&r| !done[r])
            .max_by_key(|&r| {
                let processed = adjacency[r].iter().filter(|(x, _)| done[*x]).count();
                let open = adjacency[r].len() - processed;
                (processed, std::cmp::Reverse(open), std::cmp::Reverse(r))
            })
            .unwrap();
        done[next] = true;
        order.push(next);
    }
    // The widest frontier in this order picks the key: 31 regions fit in a u128 (the usual
    // case, and the fastest), 127 in four; wider, give up (the whole mass counts as split, so
    // the bound says so).
    let mut remaining: Vec<usize> = adjacency.iter().map(Vec::len).collect();
    let mut open = vec![false; n];
    let mut widest = 0;
    for &v in &order {
        widest = widest.max(open.iter().filter(|o| **o).count() + 1);
        open[v] = true;
        for &(x, _) in &adjacency[v] {
            if open[x] && x != v {
                remaining[x] -= 1;
                remaining[v] -= 1;
            }
        }
        for (r, o) in open.iter_mut().enumerate() {
            *o &= remaining[r] > 0;
        }
    }
    (adjacency, order, widest)
}

/// Whether the frontier programme needs keys wider than one word (more than 31 regions on
/// its frontier: a full mesh of 32 regions or more), where it drops states below 1e-20
/// rather than 1e-24, so that its P(¬N) is an upper bound too coarse to be covered.
pub(super) fn wide(m: &crate::model::Model) -> bool {
    frontier_order(m).2 > u128::SLOTS
}

/// The frontier programme's inputs: the region graph and the order it is visited in.
struct Frontier<'a> {
    setup: &'a Setup<'a>,
    avail: &'a [f64],
    alive: &'a [f64],
    adjacency: &'a [Vec<(usize, usize)>],
    order: &'a [usize],
    /// States lighter than this (or than the keys' own [`Labels::PRUNE`]) are dropped.
    prune: f64,
    /// Set when a run gives up (too many states at a step): its P(¬N) is then 1, the whole.
    gave_up: std::cell::Cell<bool>,
}

/// A run of the programme kept for [`Recording`]: its steps, the states before each with the
/// split mass before it, and the states after the last.
type Run<K> = (Vec<Step>, Vec<(Vec<(K, f64)>, f64)>, FxHashMap<K, f64>);

/// One step of the programme: region `v` joins the frontier.
struct Step {
    v: usize,
    /// Per link from `v` to a region already processed: that region's frontier slot, and the
    /// link.
    edges: Vec<(usize, usize)>,
    /// `v`'s slot.
    vi: usize,
    /// Per slot once `v` has joined: whether it stays (it has unprocessed neighbours).
    keep: Vec<bool>,
}

/// A run of the programme (u128 keys) kept for runs that change one region's probability of
/// being alive or one link's availability: P(¬N) with that one value changed is then one step
/// of the programme over the states recorded before it, weighted by the probability of a
/// split from each state after it (with the same states dropped as light: those count as
/// split, so the result stays an upper bound). Each value enters one step only (a region's
/// where it joins, a link's where its second end does), so the rest is unchanged.
pub(super) struct Recording {
    links: Vec<f64>,
    alive: Vec<f64>,
    steps: Vec<Step>,
    /// Per step: the states before it with their probabilities, and the split mass before it.
    before: Vec<(Vec<(u128, f64)>, f64)>,
    /// Per step: P(split from here | each state kept after it).
    after: Vec<FxHashMap<u128, f64>>,
    split: f64,
    /// The step where each region joins, and where each link is counted (`None`: never).
    step_of_region: Vec<usize>,
    step_of_link: Vec<Option<usize>>,
}

impl Recording {
    /// P(¬N) when `avail` and `alive` differ from the recorded run's in at most one value (a
    /// region's alive probability or a link's availability), which the recorded run had
    /// strictly between 0 and 1; `None` otherwise.
    pub(super) fn reuse(&self, setup: &Setup, avail: &[f64], alive: &[f64]) -> Option<f64> {
        let mut changed = None;
        for (r, (&x, &y)) in alive.iter().zip(&self.alive).enumerate() {
            if x != y {
                if changed.is_some() {
                    return None;
                }
                changed = Some((self.step_of_region[r], Some(r), None, x));
            }
        }
        for (l, &y) in self.links.iter().enumerate() {
            let x = avail[setup.link_c[l]];
            if x != y {
                if changed.is_some() {
                    return None;
                }
                match self.step_of_link[l] {
                    Some(k) => changed = Some((k, None, Some(l), x)),
                    // A link from a region to itself joins nothing.
                    None => changed = Some((usize::MAX, None, None, x)),
                }
            }
        }
        let Some((k, region, link, value)) = changed else {
            return Some(self.split);
        };
        // The recorded run went through both values of the one that changed (else the states
        // the other leads to were never recorded, and would all count as split).
        let recorded = match (region, link) {
            (Some(r), _) => self.alive[r],
            (_, Some(l)) => self.links[l],
            _ => 0.5,
        };
        if recorded <= 0.0 || recorded >= 1.0 {
            return None;
        }
        if k == usize::MAX {
            return Some(self.split);
        }
        let step = &self.steps[k];
        let alive_v = if region.is_some() {
            value
        } else {
            self.alive[step.v]
        };
        let links = &self.links;
        let up = |l: usize| if Some(l) == link { value } else { links[l] };
        let (states, split_before) = &self.before[k];
        let (mut branches, mut out) = (Vec::new(), Vec::new());
        let mut split = *split_before;
        for &(key, p) in states {
            transitions(step, key, p, alive_v, &up, &mut branches, &mut out);
            for &(target, q) in &out {
                split += q * target.map_or(1.0, |t| self.after[k].get(&t).copied().unwrap_or(1.0));
            }
        }
        Some(split)
    }
}

impl<'a> Frontier<'a> {
    /// The programme over the region graph visited in `order`, with these availabilities and
    /// alive probabilities, dropping states lighter than `prune`.
    fn new(
        setup: &'a Setup<'a>,
        (avail, alive): (&'a [f64], &'a [f64]),
        (adjacency, order): (&'a Adjacency, &'a [usize]),
        prune: f64,
    ) -> Frontier<'a> {
        Frontier {
            setup,
            avail,
            alive,
            adjacency,
            order,
            prune,
            gave_up: Default::default(),
        }
    }

    /// The programme's steps (they depend on the graph and the order only).
    fn steps(&self) -> Vec<Step> {
        let adjacency = self.adjacency;
        let mut remaining: Vec<usize> = adjacency.iter().map(Vec::len).collect();
        let mut frontier: Vec<usize> = Vec::new();
        let mut processed = vec![false; adjacency.len()];
        let mut steps = Vec::with_capacity(self.order.len());
        for &v in self.order {
            processed[v] = true;
            let edges: Vec<(usize, usize)> = adjacency[v]
                .iter()
                .copied()
                .filter(|(x, _)| processed[*x] && *x != v)
                .map(|(x, l)| (frontier.iter().position(|&f| f == x).unwrap(), l))
                .collect();
            let vi = frontier.len();
            frontier.push(v);
            for &(xi, _) in &edges {
                remaining[frontier[xi]] -= 1;
            }
            remaining[v] -= edges.len();
            // Retire frontier regions with no unprocessed neighbours.
            let keep: Vec<bool> = frontier.iter().map(|&f| remaining[f] > 0).collect();
            frontier = frontier
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(f, _)| *f)
                .collect();
            steps.push(Step { v, edges, vi, keep });
        }
        steps
    }

    /// The programme with keys of type `K` (wide enough for every frontier of the order).
    fn split<K: Labels>(&self) -> f64 {
        self.run::<K>(false).0
    }

    /// The programme, and with `record` its [`Recording`] (u128 keys only).
    fn run<K: Labels>(&self, record: bool) -> (f64, Option<Run<K>>) {
        let steps = self.steps();
        let links = |l: usize| self.avail[self.setup.link_c[l]];
        let mut states: FxHashMap<K, f64> = FxHashMap::default();
        states.insert(K::default(), 1.0);
        let mut split = 0.0;
        let mut before = Vec::new();
        let (mut branches, mut out) = (Vec::new(), Vec::new());
        let mut recorded = 0;
        for step in &steps {
            if record {
                recorded += states.len();
                if recorded > MAX_RECORDED {
                    return (split, None);
                }
                before.push((states.iter().map(|(k, p)| (*k, *p)).collect(), split));
            }
            // Joined first, summed over the states, then each distinct one finished once.
            let mut raw: FxHashMap<K, f64> = FxHashMap::default();
            for (&key, &p) in &states {
                joined(
                    step,
                    key,
                    p,
                    self.alive[step.v],
                    &links,
                    &mut branches,
                    &mut out,
                );
                for &(target, q) in &out {
                    match target {
                        None => split += q,
                        Some(t) => *raw.entry(t).or_default() += q,
                    }
                }
            }
            let mut next: FxHashMap<K, f64> = FxHashMap::default();
            for (key, p) in raw {
                match finish(step, key) {
                    None => split += p,
                    Some(t) => *next.entry(t).or_default() += p,
                }
            }
            self.setup
                .work
                .fetch_add(next.len() as u64, std::sync::atomic::Ordering::Relaxed);
            if next.len() > MAX_SPLIT_STATES {
                self.gave_up.set(true);
                return (1.0, None);
            }
            next.retain(|_, p| {
                if *p < K::PRUNE.max(self.prune) {
                    split += *p;
                    false
                } else {
                    true
                }
            });
            states = next;
        }
        (split, record.then_some((steps, before, states)))
    }

    /// The programme on u128 keys, and its [`Recording`] (`None` when it gave up, or held
    /// more than [`MAX_RECORDED`] states).
    fn record(&self) -> (f64, Option<Recording>) {
        let (split, Some((steps, before, last))) = self.run::<u128>(true) else {
            return (self.run::<u128>(false).0, None);
        };
        let n = steps.len();
        let links: Vec<f64> = self.setup.link_c.iter().map(|&c| self.avail[c]).collect();
        let up = |l: usize| links[l];
        // Backwards: P(split from here | each state kept after step k).
        let mut after: Vec<FxHashMap<u128, f64>> = vec![FxHashMap::default(); n];
        if n > 0 {
            after[n - 1] = last.keys().map(|k| (*k, 0.0)).collect();
        }
        let (mut branches, mut out) = (Vec::new(), Vec::new());
        for k in (1..n).rev() {
            let step = &steps[k];
            let mut values = FxHashMap::default();
            for &(key, _) in &before[k].0 {
                transitions(
                    step,
                    key,
                    1.0,
                    self.alive[step.v],
                    &up,
                    &mut branches,
                    &mut out,
                );
                let value: f64 = out
                    .iter()
                    .map(|&(target, q)| {
                        q * target.map_or(1.0, |t| after[k].get(&t).copied().unwrap_or(1.0))
                    })
                    .sum();
                values.insert(key, value);
            }
            after[k - 1] = values;
        }
        let mut step_of_region = vec![0; self.adjacency.len()];
        let mut step_of_link = vec![None; links.len()];
        for (k, step) in steps.iter().enumerate() {
            step_of_region[step.v] = k;
            for &(_, l) in &step.edges {
                step_of_link[l] = Some(k);
            }
        }
        let recording = Recording {
            links,
            alive: self.alive.to_vec(),
            steps,
            before,
            after,
            split,
            step_of_region,
            step_of_link,
        };
        (split, Some(recording))
    }
}

/// The states a state `key` goes to at `step` (`None`: split), each with p times its
/// probability, region `v` alive with probability `alive_v` and link l up with `up(l)`.
fn transitions<K: Labels>(
    step: &Step,
    key: K,
    p: f64,
    alive_v: f64,
    up: &impl Fn(usize) -> f64,
    branches: &mut Vec<(K, f64)>,
    out: &mut Vec<(Option<K>, f64)>,
) {
    joined(step, key, p, alive_v, up, branches, out);
    for (target, _) in out.iter_mut() {
        *target = target.and_then(|t| finish(step, t));
    }
}

/// [`transitions`] before [`finish`]: the states once `step`'s region has joined, with the
/// frontier not yet updated (`None`: an alive region after a closed block, a split). The
/// forward pass sums these over its states first, and finishes each distinct one once.
fn joined<K: Labels>(
    step: &Step,
    key: K,
    p: f64,
    alive_v: f64,
    up: &impl Fn(usize) -> f64,
    branches: &mut Vec<(K, f64)>,
    out: &mut Vec<(Option<K>, f64)>,
) {
    out.clear();
    let closed = key.closed();
    let vi = step.vi;
    for alive in [true, false] {
        let pv = if alive { alive_v } else { 1.0 - alive_v };
        let q = p * pv;
        if q == 0.0 {
            continue;
        }
        if alive && closed {
            out.push((None, q));
            continue;
        }
        // A new block number for v: 15 is free (canonical labels stay below it).
        let start = if alive { key.set(vi, 15) } else { key };
        branches.clear();
        branches.push((start, q));
        for &(xi, l) in &step.edges {
            let u = up(l);
            let count = branches.len();
            for b in 0..count {
                let (labels, q) = branches[b];
                let (lx, lv) = (labels.get(xi), labels.get(vi));
                if lx == 0 || lv == 0 || lx == lv {
                    continue;
                }
                branches[b].1 = q * (1.0 - u);
                if u > 0.0 {
                    branches.push((labels.relabel(vi + 1, lv, lx), q * u));
                }
            }
        }
        for &(labels, q) in branches.iter() {
            if q != 0.0 {
                out.push((Some(labels), q));
            }
        }
    }
}

/// A state once `step`'s region has joined: regions with no unprocessed neighbour leave the
/// frontier, a block left with none closes (`None`, a split, when another block is alive or
/// one closed before), and the labels are made canonical (`None` too when there are more
/// blocks than labels: counted as split, so the result stays an upper bound).
fn finish<K: Labels>(step: &Step, key: K) -> Option<K> {
    let keep = &step.keep;
    let slots = keep.len();
    let mut closed = key.closed();
    for i in 0..slots {
        let lab = key.get(i);
        if keep[i] || lab == 0 {
            continue;
        }
        let still_open = (0..slots).any(|j| j != i && key.get(j) == lab && (keep[j] || j > i));
        if still_open {
            continue;
        }
        // Block `lab` closes: any other alive block means a split.
        let others = (0..slots).any(|j| {
            let o = key.get(j);
            o != 0 && o != lab && (keep[j] || j > i)
        });
        if others || closed {
            return None;
        }
        closed = true;
    }
    let mut kept = K::default();
    let mut k = 0;
    for (i, &keep_i) in keep.iter().enumerate() {
        if keep_i {
            kept = kept.set(k, key.get(i));
            k += 1;
        }
    }
    let mut canonical_key = kept.canonical(k)?;
    if closed {
        canonical_key = canonical_key.set(K::SLOTS, 8);
    }
    Some(canonical_key)
}

/// A network state: 4 bits per frontier slot (0 dead, else a block number), and the slot
/// after the last ([`Labels::SLOTS`]) non-zero when a block has closed.
pub(super) trait Labels: Copy + Default + Eq + std::hash::Hash {
    /// Frontier regions a key holds.
    const SLOTS: usize;
    /// States lighter than this are dropped, their mass counted as split.
    const PRUNE: f64;
    fn get(self, i: usize) -> u8;
    fn set(self, i: usize, label: u8) -> Self;

    fn closed(self) -> bool {
        self.get(Self::SLOTS) != 0
    }

    /// Every label `from` in the first `slots` slots becomes `to`.
    fn relabel(self, slots: usize, from: u8, to: u8) -> Self {
        let mut out = self;
        for i in 0..slots {
            if self.get(i) == from {
                out = out.set(i, to);
            }
        }
        out
    }

    /// Relabels blocks in order of first appearance (1, 2, ...); dead stays 0. `None` when
    /// there are more than 14 blocks (15 is the label of a new region).
    fn canonical(self, slots: usize) -> Option<Self> {
        let mut map = [0u8; 16];
        let mut next = 0u8;
        let mut out = Self::default();
        for i in 0..slots {
            let l = self.get(i);
            if l == 0 {
                continue;
            }
            if map[l as usize] == 0 {
                next += 1;
                if next > 14 {
                    return None;
                }
                map[l as usize] = next;
            }
            out = out.set(i, map[l as usize]);
        }
        Some(out)
    }
}

impl Labels for u128 {
    const SLOTS: usize = 31;
    const PRUNE: f64 = SPLIT_PRUNE;

    fn get(self, i: usize) -> u8 {
        (self >> (4 * i) & 15) as u8
    }

    fn set(self, i: usize, label: u8) -> u128 {
        self & !(15u128 << (4 * i)) | u128::from(label) << (4 * i)
    }
}

/// Keys for frontiers wider than 31 regions (a mesh of many regions).
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub(super) struct Wide([u128; 4]);

impl Labels for Wide {
    const SLOTS: usize = 127;
    /// A wide frontier (a dense graph: every region linked to most others) tells its states
    /// apart by which of its many regions are dead: 4 dead among 39 are 82,251 states of about
    /// 1e-16 each, 6 dead 3.3 million of 1e-24. Dropping those below 1e-20 keeps it to a few
    /// hundred thousand and counts under 1e-14 as split.
    const PRUNE: f64 = WIDE_PRUNE;

    fn get(self, i: usize) -> u8 {
        self.0[i / 32].get(i % 32)
    }

    fn set(mut self, i: usize, label: u8) -> Wide {
        self.0[i / 32] = self.0[i / 32].set(i % 32, label);
        self
    }
}

#[cfg(test)]
thread_local! {
    /// Tests: use [`Wide`] keys whatever the width.
    static FORCE_WIDE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateArgs, LinkShape};

    /// P(¬N) with each link down in turn from one recorded run equals a fresh run of the
    /// programme with that link down, for a block of regions alive (as the islands' connectivity
    /// asks) and for every region alive with some probability, and is an upper bound on it
    /// where the recorded run pruned: the states it dropped count as split.
    #[test]
    fn each_link_down_from_one_recording_equals_a_run_each() {
        for (links, regions, prune) in [
            (LinkShape::Nearest(3), 16, 0.0),
            (LinkShape::Nearest(3), 16, 1e-16),
            (LinkShape::Mesh, 8, 1e-16),
            (LinkShape::Ring, 10, 0.0),
        ] {
            let args = GenerateArgs {
                regions,
                links,
                ..GenerateArgs::default()
            };
            let checked = super::super::generated(&args);
            let engine = crate::evaluate::Engine::new(&checked.model);
            let setup = Setup::new(&engine).unwrap();
            let mut avail = vec![0.9; engine.components().len()];
            for (l, &c) in setup.link_c.iter().enumerate() {
                avail[c] = 0.8 + 0.01 * (l % 10) as f64;
            }
            let block: Vec<f64> = (0..regions).map(|r| f64::from(u8::from(r < 12))).collect();
            let some: Vec<f64> = (0..regions).map(|r| 0.8 + 0.01 * r as f64).collect();
            for alive in [block, some] {
                let all: Vec<usize> = (0..setup.link_c.len()).collect();
                let given = (&avail[..], &alive[..]);
                let each = split_with_each_down(&setup, given, prune, &all).unwrap();
                for (l, got) in each.into_iter().enumerate() {
                    let got = got.unwrap();
                    let mut down = avail.clone();
                    down[setup.link_c[l]] = 0.0;
                    let fresh = network_split_above(&setup, &down, &alive, prune);
                    assert!(
                        (got - fresh).abs() <= 1e-12 || (prune > 0.0 && got >= fresh),
                        "{links:?} link {l}: one recording {got}, a run {fresh}"
                    );
                    assert!(got <= fresh + 1e-9, "{links:?} link {l}: {got} > {fresh}");
                }
            }
        }
    }

    /// The wide keys (a frontier of more than 31 regions) give the same P(¬N) as the narrow
    /// ones on graphs both can hold, up to what each prunes.
    #[test]
    fn wide_keys_agree_with_narrow_ones() {
        for (links, regions) in [
            (LinkShape::Ring, 9),
            (LinkShape::Hub, 7),
            (LinkShape::Nearest(2), 12),
            (LinkShape::Mesh, 8),
        ] {
            let args = GenerateArgs {
                regions,
                links,
                ..GenerateArgs::default()
            };
            let checked = super::super::generated(&args);
            let engine = crate::evaluate::Engine::new(&checked.model);
            let setup = Setup::new(&engine).unwrap();
            // Unreliable links and regions, so that splits weigh.
            let avail = vec![0.9; engine.components().len()];
            let alive: Vec<f64> = (0..regions).map(|r| 0.8 + 0.01 * r as f64).collect();
            let narrow = network_split(&setup, &avail, &alive);
            FORCE_WIDE.with(|f| f.set(true));
            let wide = network_split(&setup, &avail, &alive);
            FORCE_WIDE.with(|f| f.set(false));
            assert!(narrow > 1e-4, "{links:?}: {narrow}");
            assert!(
                (narrow - wide).abs() <= 1e-12,
                "{links:?}: narrow {narrow:e}, wide {wide:e}"
            );
        }
    }
}
