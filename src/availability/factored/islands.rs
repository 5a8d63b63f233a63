//! Step 4, split networks: islands (a set of regions cut off from the rest) whose figures are
//! computed with two parts of the network, and the bound on what they leave.

use super::network::network_split;
use super::ok::{Layout, OkProgramme};
use super::requirements::Items;
use super::search::Search;
use crate::availability::StateProbabilities;

use super::{Class, ISLAND_TARGET, MAX_CUT_COMBINATIONS, MAX_INNER_LINKS, Setup};

impl<'a> Setup<'a> {
    /// Step 4 for one set of failed shared-fate groups, on the term with nothing forced:
    /// P(¬N) given these groups; and, when it is `known_split` already (the second pass),
    /// every candidate island with its probability.
    ///
    /// An island B (a set of regions connected by links) is the event E_B: B's regions alive
    /// and connected among themselves, every link from B to an alive region outside down. On
    /// E_B the figures are computed with B and the rest as two parts of the network (`island`),
    /// which is exact on S_B = E_B ∩ {the rest's alive regions are connected and are not
    /// empty nor an island chosen before B}. The events S_B are disjoint and lie in ¬N, and a
    /// state outside them but in some E_B gets a wrong correction of at most 1, so the error is
    /// at most P(¬N) − Σ P(S_B) + Σ P(E_B \ S_B) ≤ P(¬N) − Σ P(E_B) + 2 Σ P(E_B \ S_B),
    /// the last bounded in `leftover`. The same islands are corrected for in every term of
    /// step 1, so the correction is one function of the state and this bound holds for the
    /// whole sum. The candidates are the parts cut off by up to three failures (two on large
    /// networks); `expectation` takes them heaviest first.
    pub(super) fn candidates(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
        weight: f64,
        known_split: Option<f64>,
    ) -> Result<Candidates, String> {
        let (items, classes) = self.prepare(avail, policy, failed_groups)?;
        let life = Life::of(&classes);
        let split = known_split.unwrap_or_else(|| network_split(self, avail, &life.alive));
        if split == 0.0 {
            return Ok((0.0, Vec::new()));
        }
        if known_split.is_none() || weight * split <= ISLAND_TARGET * 1e-3 {
            return Ok((split, Vec::new()));
        }
        // The parts cut off by every combination of none to three failures (two on large
        // networks) of regions and links: each part but the largest is a candidate.
        let m = self.engine.model();
        let n = m.regions.len();
        let can_fail: Vec<Failure> = (0..n)
            .filter(|&r| life.alive[r] > 0.0 && life.dead[r] > 0.0)
            .map(Failure::Region)
            .chain(
                m.links
                    .iter()
                    .enumerate()
                    .filter(|(l, link)| {
                        avail[self.link_c[*l]] < 1.0
                            && link.ends.iter().all(|e| life.alive[e.idx()] > 0.0)
                    })
                    .map(|(l, _)| Failure::Link(l)),
            )
            .collect();
        let k = can_fail.len();
        let order = if k * k.saturating_sub(1) * k.saturating_sub(2) / 6 <= MAX_CUT_COMBINATIONS {
            3
        } else {
            2
        };
        let mut blocks: std::collections::BTreeSet<Vec<usize>> = Default::default();
        let mut visit = |combo: &[usize]| {
            let mut alive: Vec<bool> = life.alive.iter().map(|&a| a > 0.0).collect();
            let mut down = vec![false; m.links.len()];
            for &i in combo {
                match can_fail[i] {
                    Failure::Region(r) => alive[r] = false,
                    Failure::Link(l) => down[l] = true,
                }
            }
            for part in parts(m, &alive, &down).into_iter().skip(1) {
                blocks.insert(part);
            }
        };
        // No failure at all too: the failed groups alone may split the network.
        visit(&[]);
        combinations(k, order, &mut Vec::new(), &mut visit);
        // Only blocks whose two-part programme fits (the classes here hold at least the tiers
        // of the conditioned ones, and forced terms only remove classes) and whose inner links
        // are few enough to enumerate.
        let islands = blocks
            .into_iter()
            .filter(|b| {
                let in_block: Vec<bool> = (0..n).map(|r| b.contains(&r)).collect();
                let inner = m
                    .links
                    .iter()
                    .filter(|l| l.ends.iter().all(|e| in_block[e.idx()]))
                    .count();
                inner <= MAX_INNER_LINKS && Layout::new(&items, &classes, Some(&in_block)).is_ok()
            })
            .map(|b| {
                let p = self.cut_off(avail, &life, &b).probability;
                (b, p)
            })
            .filter(|(_, p)| *p > 0.0)
            .collect();
        Ok((split, islands))
    }

    /// Over the chosen islands (in the order chosen): Σ P(E_B, no region alive outside B),
    /// which `candidates` subtracted from P(¬N) with E_B but is not split (and has no error:
    /// the two parts are the static network); and Σ 2 P(E_B \ S_B, ¬N), at most 2 P(E_B) x
    /// (P(the rest's alive regions split | E_B) + P(they are exactly an island chosen before |
    /// E_B)).
    pub(super) fn leftover(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
        islands: &[Vec<usize>],
    ) -> Result<(f64, f64), String> {
        let (_, classes) = self.prepare(avail, policy, failed_groups)?;
        let life = Life::of(&classes);
        let (mut unsplit, mut out) = (0.0, 0.0);
        for (i, block) in islands.iter().enumerate() {
            let cut = self.cut_off(avail, &life, block);
            let rest_split = network_split(self, avail, &cut.rest_alive);
            unsplit += cut.probability * exactly(&cut.rest_alive, &[]);
            let few: f64 = islands[..i]
                .iter()
                .filter(|b| !b.iter().any(|r| block.contains(r)))
                .map(|b| exactly(&cut.rest_alive, b))
                .sum();
            out += 2.0 * cut.probability * (rest_split + few);
        }
        Ok((unsplit, out))
    }

    /// Event E_B for the regions `block` (see `candidates`): its probability, the factor by
    /// which each outside region's alive classes are weighted (the probability that its links
    /// to the block are down), and the outside regions' probabilities of being alive given it.
    pub(super) fn cut_off(&self, avail: &[f64], life: &Life, block: &[usize]) -> Cut {
        let m = self.engine.model();
        let n = m.regions.len();
        let mut tilt = vec![1.0; n];
        let mut inner: Vec<(usize, usize, f64)> = Vec::new();
        for (l, link) in m.links.iter().enumerate() {
            let (a, b) = (link.ends[0].idx(), link.ends[1].idx());
            let up = avail[self.link_c[l]];
            match (block.contains(&a), block.contains(&b)) {
                (true, true) if a != b => inner.push((a, b, up)),
                (true, false) => tilt[b] *= 1.0 - up,
                (false, true) => tilt[a] *= 1.0 - up,
                _ => {}
            }
        }
        let mut probability = connected_probability(block, &inner);
        let mut rest_alive = vec![0.0; n];
        for r in 0..n {
            if block.contains(&r) {
                probability *= life.alive[r];
                continue;
            }
            let z = life.dead[r] + life.alive[r] * tilt[r];
            probability *= z;
            if z > 0.0 {
                rest_alive[r] = life.alive[r] * tilt[r] / z;
            }
        }
        Cut {
            probability,
            tilt,
            rest_alive,
        }
    }

    /// E[(f_B − f) 1{E_B}]: on the event that `block` is cut off (see `candidates`), the
    /// figures with the block and the rest as two parts of the network (f_B) minus the figures
    /// on the static network (f); and the pruned mass.
    pub(super) fn island(
        &self,
        avail: &[f64],
        items: &Items,
        classes: &[Vec<Class>],
        life: &Life,
        block: &[usize],
    ) -> Result<(StateProbabilities, f64), String> {
        let cut = self.cut_off(avail, life, block);
        if cut.probability == 0.0 {
            return Ok((StateProbabilities::ZERO, 0.0));
        }
        // Each region's classes given E_B (regions stay independent): the block's alive, the
        // others' alive ones weighted by the cut, normalised.
        let conditioned: Vec<Vec<Class>> = classes
            .iter()
            .enumerate()
            .map(|(r, cs)| {
                let inside = block.contains(&r);
                let mut out: Vec<Class> = cs
                    .iter()
                    .filter(|c| c.alive || !inside)
                    .map(|c| {
                        let mut c = c.clone();
                        if c.alive && !inside {
                            c.probability *= cut.tilt[r];
                        }
                        c
                    })
                    .filter(|c| c.probability > 0.0)
                    .collect();
                let z: f64 = out.iter().map(|c| c.probability).sum();
                for c in &mut out {
                    c.probability /= z;
                }
                out
            })
            .collect();
        let (connected, mut pruned) = self.connected(items, &conditioned)?;
        let in_block: Vec<bool> = (0..classes.len()).map(|r| block.contains(&r)).collect();
        let ok = OkProgramme::new(self, items, &conditioned, Some(&in_block))?;
        let mut cut_figures = StateProbabilities::ZERO;
        for target in 0..4u32 {
            if ok.value[0][target as usize] == 0.0 {
                continue;
            }
            let mut search = Search::new(self, &conditioned, &ok, Some(&in_block), target);
            search.explore(1.0);
            search.finished()?;
            cut_figures.add(&search.total, 1.0);
            pruned += search.pruned;
        }
        let mut out = StateProbabilities::ZERO;
        out.add(&cut_figures, cut.probability);
        out.add(&connected, -cut.probability);
        Ok((out, pruned * cut.probability))
    }
}

/// P(¬N) for one set of failed groups, and the candidate islands with their probabilities.
pub(super) type Candidates = (f64, Vec<(Vec<usize>, f64)>);

/// Event E_B (see `Setup::cut_off`).
pub(super) struct Cut {
    pub(super) probability: f64,
    pub(super) tilt: Vec<f64>,
    pub(super) rest_alive: Vec<f64>,
}

/// Each region's probabilities of being alive and dead (summed separately, so that neither
/// is 1 minus the other).
pub(super) struct Life {
    pub(super) alive: Vec<f64>,
    pub(super) dead: Vec<f64>,
}

impl Life {
    pub(super) fn of(classes: &[Vec<Class>]) -> Life {
        let sum = |alive: bool| -> Vec<f64> {
            classes
                .iter()
                .map(|cs| {
                    cs.iter()
                        .filter(|c| c.alive == alive)
                        .map(|c| c.probability)
                        .sum()
                })
                .collect()
        };
        Life {
            alive: sum(true),
            dead: sum(false),
        }
    }
}

/// P(the regions of `block` are connected by the links among them that are up), by every
/// state of those links (few of them).
pub(super) fn connected_probability(block: &[usize], inner: &[(usize, usize, f64)]) -> f64 {
    if block.len() <= 1 {
        return 1.0;
    }
    let mut total = 0.0;
    for state in 0u32..(1 << inner.len()) {
        let mut p = 1.0;
        let mut label: Vec<usize> = block.to_vec();
        for (i, &(a, b, up)) in inner.iter().enumerate() {
            if state >> i & 1 == 1 {
                p *= up;
                let pos = |x: usize| block.iter().position(|&r| r == x).unwrap_or(0);
                let (la, lb) = (label[pos(a)], label[pos(b)]);
                for l in label.iter_mut() {
                    if *l == lb {
                        *l = la;
                    }
                }
            } else {
                p *= 1.0 - up;
            }
        }
        if label.iter().all(|&l| l == label[0]) {
            total += p;
        }
    }
    total
}

/// Calls `visit` on every combination of 1 to `order` of `0..k`, extending `combo`.
pub(super) fn combinations(
    k: usize,
    order: usize,
    combo: &mut Vec<usize>,
    visit: &mut impl FnMut(&[usize]),
) {
    let start = combo.last().map_or(0, |&i| i + 1);
    for i in start..k {
        combo.push(i);
        visit(combo);
        if combo.len() < order {
            combinations(k, order, combo, visit);
        }
        combo.pop();
    }
}

/// A component that can fail, for the search of islands.
#[derive(Clone, Copy)]
pub(super) enum Failure {
    Region(usize),
    Link(usize),
}

/// The connected parts of the alive regions through the links not down, largest first (ties:
/// the one with the lowest region first), each sorted.
pub(super) fn parts(m: &crate::model::Model, alive: &[bool], down: &[bool]) -> Vec<Vec<usize>> {
    let n = alive.len();
    let mut label: Vec<usize> = (0..n).collect();
    pub(super) fn root(label: &mut [usize], mut x: usize) -> usize {
        while label[x] != x {
            label[x] = label[label[x]];
            x = label[x];
        }
        x
    }
    for (l, link) in m.links.iter().enumerate() {
        let (a, b) = (link.ends[0].idx(), link.ends[1].idx());
        if !down[l] && alive[a] && alive[b] {
            let (ra, rb) = (root(&mut label, a), root(&mut label, b));
            label[ra.max(rb)] = ra.min(rb);
        }
    }
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut index = vec![usize::MAX; n];
    for r in (0..n).filter(|&r| alive[r]) {
        let root = root(&mut label, r);
        if index[root] == usize::MAX {
            index[root] = parts.len();
            parts.push(Vec::new());
        }
        parts[index[root]].push(r);
    }
    parts.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
    parts
}

/// P(exactly the regions of `block` are alive), regions alive independently with
/// probabilities `alive`.
pub(super) fn exactly(alive: &[f64], block: &[usize]) -> f64 {
    alive
        .iter()
        .enumerate()
        .map(|(r, &a)| if block.contains(&r) { a } else { 1.0 - a })
        .product()
}
