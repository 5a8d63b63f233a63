//! Step 4, P(¬N): the probability that failed links and regions split the alive regions, by a
//! frontier programme over the region graph.

use rustc_hash::FxHashMap;

use super::{MAX_SPLIT_STATES, SPLIT_PRUNE, Setup};

/// [`Labels::PRUNE`] of [`Wide`] keys.
const WIDE_PRUNE: f64 = 1e-20;

/// Step 4: P(¬N), the probability that the alive regions are not all connected through up
/// links (the network is one static component). A frontier programme over regions: the state
/// is the partition of the frontier's alive regions into connected blocks, and whether a block
/// has closed already (then any other alive region means a split). States lighter than
/// [`SPLIT_PRUNE`] are dropped and their mass counted as split, so the result is an upper bound
/// that is exact up to that.
pub(super) fn network_split(setup: &Setup, avail: &[f64], alive: &[f64]) -> f64 {
    let m = setup.engine.model();
    let n = m.regions.len();
    let mut adjacency: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n];
    for (l, link) in m.links.iter().enumerate() {
        let [a, b] = link.ends;
        adjacency[a.idx()].push((b.idx(), l));
        adjacency[b.idx()].push((a.idx(), l));
    }
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
    let frontier = Frontier {
        setup,
        avail,
        alive,
        adjacency: &adjacency,
        order: &order,
    };
    #[cfg(test)]
    if let Some(wide) = FORCE_WIDE.with(|f| f.get().then(|| frontier.split::<Wide>())) {
        return wide;
    }
    if widest <= u128::SLOTS {
        frontier.split::<u128>()
    } else if widest <= Wide::SLOTS {
        frontier.split::<Wide>()
    } else {
        1.0
    }
}

/// The frontier programme's inputs: the region graph and the order it is visited in.
struct Frontier<'a> {
    setup: &'a Setup<'a>,
    avail: &'a [f64],
    alive: &'a [f64],
    adjacency: &'a [Vec<(usize, usize)>],
    order: &'a [usize],
}

impl Frontier<'_> {
    /// The programme with keys of type `K` (wide enough for every frontier of the order).
    fn split<K: Labels>(&self) -> f64 {
        let (setup, avail, alive, adjacency) = (self.setup, self.avail, self.alive, self.adjacency);
        let mut remaining: Vec<usize> = adjacency.iter().map(Vec::len).collect();
        // A state packs the frontier's labels (4 bits each: 0 dead, else a block number) and, in
        // the slot after the last, whether a block has closed.
        let mut frontier: Vec<usize> = Vec::new();
        let mut states: FxHashMap<K, f64> = FxHashMap::default();
        states.insert(K::default(), 1.0);
        let mut split = 0.0;
        let mut processed = vec![false; adjacency.len()];
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
            let mut next: FxHashMap<K, f64> = FxHashMap::default();
            let mut branches: Vec<(K, f64)> = Vec::new();
            for (key, p) in states.drain() {
                let closed = key.closed();
                for alive_v in [true, false] {
                    let pv = if alive_v { alive[v] } else { 1.0 - alive[v] };
                    let q = p * pv;
                    if q == 0.0 {
                        continue;
                    }
                    if alive_v && closed {
                        split += q;
                        continue;
                    }
                    // A new block number for v: 15 is free (canonical labels stay below it).
                    let start = if alive_v { key.set(vi, 15) } else { key };
                    branches.clear();
                    branches.push((start, q));
                    for &(xi, l) in &edges {
                        let up = avail[setup.link_c[l]];
                        let count = branches.len();
                        for b in 0..count {
                            let (labels, q) = branches[b];
                            let (lx, lv) = (labels.get(xi), labels.get(vi));
                            if lx == 0 || lv == 0 || lx == lv {
                                continue;
                            }
                            branches[b].1 = q * (1.0 - up);
                            if up > 0.0 {
                                branches.push((labels.relabel(vi + 1, lv, lx), q * up));
                            }
                        }
                    }
                    for &(labels, q) in &branches {
                        if q != 0.0 {
                            *next.entry(labels).or_default() += q;
                        }
                    }
                }
            }
            for &(xi, _) in &edges {
                remaining[frontier[xi]] -= 1;
            }
            remaining[v] -= edges.len();
            // Retire frontier regions with no unprocessed neighbours.
            let keep: Vec<bool> = frontier.iter().map(|&f| remaining[f] > 0).collect();
            let slots = frontier.len();
            for (key, p) in next {
                let mut closed = key.closed();
                let mut bad = false;
                for i in 0..slots {
                    let lab = key.get(i);
                    if keep[i] || lab == 0 {
                        continue;
                    }
                    let still_open =
                        (0..slots).any(|j| j != i && key.get(j) == lab && (keep[j] || j > i));
                    if still_open {
                        continue;
                    }
                    // Block `lab` closes: any other alive block means a split.
                    let others = (0..slots).any(|j| {
                        let o = key.get(j);
                        o != 0 && o != lab && (keep[j] || j > i)
                    });
                    if others || closed {
                        bad = true;
                        break;
                    }
                    closed = true;
                }
                if bad {
                    split += p;
                    continue;
                }
                let mut kept = K::default();
                let mut k = 0;
                for (i, &keep_i) in keep.iter().enumerate() {
                    if keep_i {
                        kept = kept.set(k, key.get(i));
                        k += 1;
                    }
                }
                let Some(mut canonical_key) = kept.canonical(k) else {
                    // More blocks than labels: counted as split (the bound stays an upper bound).
                    split += p;
                    continue;
                };
                if closed {
                    canonical_key = canonical_key.set(K::SLOTS, 8);
                }
                *states.entry(canonical_key).or_default() += p;
            }
            frontier = frontier
                .iter()
                .zip(&keep)
                .filter(|(_, k)| **k)
                .map(|(f, _)| *f)
                .collect();
            setup
                .work
                .fetch_add(states.len() as u64, std::sync::atomic::Ordering::Relaxed);
            if states.len() > MAX_SPLIT_STATES {
                return 1.0;
            }
            states.retain(|_, p| {
                if *p < K::PRUNE {
                    split += *p;
                    false
                } else {
                    true
                }
            });
        }
        split
    }
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
