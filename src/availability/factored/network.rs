//! Step 4, P(¬N): the probability that failed links and regions split the alive regions, by a
//! frontier programme over the region graph.

use rustc_hash::FxHashMap;

use super::{MAX_SPLIT_STATES, SPLIT_PRUNE, Setup};

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
    let mut remaining: Vec<usize> = adjacency.iter().map(Vec::len).collect();
    // A state packs the frontier's labels (4 bits each: 0 dead, else a block number) and, in
    // the top bit, whether a block has closed. More than 31 frontier regions: give up (the
    // whole mass counts as split, so the bound says so).
    let mut frontier: Vec<usize> = Vec::new();
    let mut states: FxHashMap<u128, f64> = FxHashMap::default();
    states.insert(0, 1.0);
    let mut split = 0.0;
    let mut processed = vec![false; n];
    for &v in &order {
        processed[v] = true;
        if frontier.len() >= FRONTIER_SLOTS {
            return 1.0;
        }
        let edges: Vec<(usize, usize)> = adjacency[v]
            .iter()
            .copied()
            .filter(|(x, _)| processed[*x] && *x != v)
            .map(|(x, l)| (frontier.iter().position(|&f| f == x).unwrap(), l))
            .collect();
        let vi = frontier.len();
        frontier.push(v);
        let mut next: FxHashMap<u128, f64> = FxHashMap::default();
        let mut branches: Vec<(u128, f64)> = Vec::new();
        for (key, p) in states.drain() {
            let closed = key & CLOSED != 0;
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
                let start = if alive_v { set(key, vi, 15) } else { key };
                branches.clear();
                branches.push((start, q));
                for &(xi, l) in &edges {
                    let up = avail[setup.link_c[l]];
                    let count = branches.len();
                    for b in 0..count {
                        let (labels, q) = branches[b];
                        let (lx, lv) = (get(labels, xi), get(labels, vi));
                        if lx == 0 || lv == 0 || lx == lv {
                            continue;
                        }
                        branches[b].1 = q * (1.0 - up);
                        if up > 0.0 {
                            branches.push((relabel(labels, vi + 1, lv, lx), q * up));
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
            let mut closed = key & CLOSED != 0;
            let mut bad = false;
            for i in 0..slots {
                let lab = get(key, i);
                if keep[i] || lab == 0 {
                    continue;
                }
                let still_open =
                    (0..slots).any(|j| j != i && get(key, j) == lab && (keep[j] || j > i));
                if still_open {
                    continue;
                }
                // Block `lab` closes: any other alive block means a split.
                let others = (0..slots).any(|j| {
                    let o = get(key, j);
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
            let mut kept = 0u128;
            let mut k = 0;
            for (i, &keep_i) in keep.iter().enumerate() {
                if keep_i {
                    kept = set(kept, k, get(key, i));
                    k += 1;
                }
            }
            let Some(mut canonical_key) = canonical(kept, k) else {
                // More blocks than labels: counted as split (the bound stays an upper bound).
                split += p;
                continue;
            };
            if closed {
                canonical_key |= CLOSED;
            }
            *states.entry(canonical_key).or_default() += p;
        }
        frontier = frontier
            .iter()
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(f, _)| *f)
            .collect();
        if states.len() > MAX_SPLIT_STATES {
            return 1.0;
        }
        states.retain(|_, p| {
            if *p < SPLIT_PRUNE {
                split += *p;
                false
            } else {
                true
            }
        });
    }
    split
}

/// Frontier slots a network state can hold (4 bits each, below the closed bit).
pub(super) const FRONTIER_SLOTS: usize = 31;
pub(super) const CLOSED: u128 = 1 << 127;

pub(super) fn get(key: u128, i: usize) -> u8 {
    (key >> (4 * i) & 15) as u8
}

pub(super) fn set(key: u128, i: usize, label: u8) -> u128 {
    key & !(15u128 << (4 * i)) | u128::from(label) << (4 * i)
}

/// Every label `from` in the first `slots` slots becomes `to`.
pub(super) fn relabel(key: u128, slots: usize, from: u8, to: u8) -> u128 {
    let mut out = key;
    for i in 0..slots {
        if get(key, i) == from {
            out = set(out, i, to);
        }
    }
    out
}

/// Relabels blocks in order of first appearance (1, 2, ...); dead stays 0. `None` when there
/// are more than 14 blocks (15 is the label of a new region).
pub(super) fn canonical(key: u128, slots: usize) -> Option<u128> {
    let mut map = [0u8; 16];
    let mut next = 0u8;
    let mut out = 0u128;
    for i in 0..slots {
        let l = get(key, i);
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
        out = set(out, i, map[l as usize]);
    }
    Some(out)
}
