//! Step 4, split networks: islands (a set of regions cut off from the rest) whose figures are
//! computed with two parts of the network, and the bound on what they leave.

use super::network::{
    Adjacency, adjacency, network_split, network_split_above, split_with_each_down,
};

/// States of the frontier programme lighter than this are counted as split when it gives the
/// probability that an island's regions are connected (`Setup::connected_probability`).
const CONNECTED_PRUNE: f64 = 1e-16;
use super::ok::{Layout, OkProgramme, Parts};
use super::requirements::{Items, Satisfier};
use super::search::Search;
use crate::availability::StateProbabilities;
use crate::evaluate::{find, union};

use super::{Class, MAX_CUT_COMBINATIONS, MAX_INNER_LINKS, MAX_WEIGHTED_COMBINATIONS, Setup};

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
    /// whole sum (anchored islands, exact on all of E_B, are chosen per term instead: see
    /// `Setup::anchored_islands`). The candidates are the parts cut off by up to three failures (two on large
    /// networks); `expectation` takes them heaviest first.
    pub(super) fn candidates(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
        weight: f64,
        known_split: Option<f64>,
    ) -> Result<Candidates, String> {
        // On a star the split states are summed exactly (`star.rs`).
        if self.star {
            return Ok((0.0, Vec::new(), 0.0));
        }
        let (items, classes) = self.prepare(avail, policy, failed_groups)?;
        let life = Life::of(&classes);
        let split = known_split.unwrap_or_else(|| network_split(self, avail, &life.alive));
        if split == 0.0 {
            return Ok((0.0, Vec::new(), 0.0));
        }
        if known_split.is_none() || weight * split <= self.island_target * 1e-3 {
            return Ok((split, Vec::new(), split));
        }
        // The parts cut off by every combination of none to three failures (two on large
        // networks) of regions and links: each part but the largest is a candidate (with an
        // anchor, the part that holds it).
        let m = self.engine.model();
        let n = m.regions.len();
        // What the islands are to cover: with an anchor, the split states where it is alive
        // (where it is dead, nothing is OK on the model nor on the static network). When the
        // frontier programme is too coarse for that (wide keys) or cannot tell (wider still:
        // the whole mass), no islands can bring it down: none are sought.
        if self.anchor.is_some() && super::network::wide(m) {
            return Ok((split, Vec::new(), split));
        }
        let cover = match self.anchored_cover(avail, &life) {
            Some(Some(cover)) => cover,
            Some(None) => return Ok((split, Vec::new(), split)),
            None => split,
        };
        // With an anchor, regions alone: any part B that holds it is its part with the
        // regions next to B dead (E_B then weighs every way they are dead or cut off), so
        // region combinations reach every shape, with far fewer combinations.
        let can_fail: Vec<Failure> = (0..n)
            .filter(|&r| life.alive[r] > 0.0 && life.dead[r] > 0.0)
            .map(Failure::Region)
            .chain(
                m.links
                    .iter()
                    .enumerate()
                    .filter(|(l, link)| {
                        self.anchor.is_none()
                            && avail[self.link_c[*l]] < 1.0
                            && avail[self.link_c[*l]] > 0.0
                            && link.ends.iter().all(|e| life.alive[e.idx()] > 0.0)
                    })
                    .map(|(l, _)| Failure::Link(l)),
            )
            .collect();
        let k = can_fail.len();
        // Every combination of up to `order` failures: 3 (2 on large networks), and with an
        // anchor as many as fit in the same number of combinations (up to 5).
        let most = if self.anchor.is_some() { 5 } else { 3 };
        let order = (2..=most)
            .rev()
            .find(|&o| binomial(k, o) <= MAX_CUT_COMBINATIONS)
            .unwrap_or(2);
        let mut blocks: std::collections::BTreeSet<Vec<usize>> = Default::default();
        // With an anchor, its part by a search from it (many combinations are visited).
        let mut anchored = Anchored::new(m, &life);
        let mut alive: Vec<bool> = life.alive.iter().map(|&a| a > 0.0).collect();
        // (A link that never works, one held down for importance, is down in every state.)
        let mut down: Vec<bool> = self.link_c.iter().map(|&c| avail[c] == 0.0).collect();
        let mut visit = |combo: &[usize]| {
            let set = |alive: &mut [bool], down: &mut [bool], failed: bool| {
                for &i in combo {
                    match can_fail[i] {
                        Failure::Region(r) => alive[r] = !failed,
                        Failure::Link(l) => down[l] = failed,
                    }
                }
            };
            set(&mut alive, &mut down, true);
            match self.anchor {
                Some(a) => anchored.visit(a, &alive, &down),
                None => blocks.extend(parts(m, &alive, &down).into_iter().skip(1)),
            }
            set(&mut alive, &mut down, false);
        };
        // No failure at all too: the failed groups alone may split the network.
        visit(&[]);
        if self.anchor.is_some() {
            // Heavier combinations too, while they may matter: the anchored islands are
            // cheap, and each one taken is exact.
            let odds: Vec<f64> = can_fail
                .iter()
                .map(|f| match *f {
                    Failure::Region(r) => life.dead[r] / life.alive[r],
                    Failure::Link(l) => {
                        let a = avail[self.link_c[l]];
                        (1.0 - a) / a
                    }
                })
                .collect();
            let mut by_odds: Vec<usize> = (0..k).collect();
            by_odds.sort_by(|&a, &b| odds[b].total_cmp(&odds[a]).then(a.cmp(&b)));
            let sorted: Vec<f64> = by_odds.iter().map(|&i| odds[i]).collect();
            let threshold = self.island_target * 1e-4 / weight;
            let mut budget = MAX_WEIGHTED_COMBINATIONS;
            weighted_combinations(
                &sorted,
                (order, threshold),
                (&mut Vec::new(), 1.0),
                &mut budget,
                &mut |combo: &[usize]| {
                    let original: Vec<usize> = combo.iter().map(|&i| by_odds[i]).collect();
                    visit(&original)
                },
            );
        } else {
            combinations(k, order, &mut Vec::new(), &mut visit);
        }
        blocks.extend(anchored.blocks());
        // Only blocks whose two-part programme fits (the classes here hold at least the tiers
        // of the conditioned ones, and forced terms only remove classes) and, unless anchored,
        // whose inner links are few enough to enumerate.
        let islands = match self.anchor {
            Some(_) => {
                let blocks = blocks.into_iter().map(|b| (b, None));
                self.anchored_candidates(avail, &items, &classes, &life, blocks, weight)
            }
            None => blocks
                .into_iter()
                .filter(|b| {
                    let in_block: Vec<bool> = (0..n).map(|r| b.contains(&r)).collect();
                    let inner = m
                        .links
                        .iter()
                        .filter(|l| l.ends.iter().all(|e| in_block[e.idx()]))
                        .count();
                    inner <= MAX_INNER_LINKS
                        && Layout::new(&items, &classes, Parts::Island(&in_block)).is_ok()
                })
                .map(|b| {
                    let p = self.cut_off(avail, &life, &b).probability;
                    Candidate {
                        block: b,
                        covers: p,
                        connected: None,
                        down: Vec::new(),
                    }
                })
                .filter(|c| c.covers > 0.0)
                .collect(),
        };
        Ok((split, islands, cover))
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
        self.cut_off_as(avail, life, block, true)
    }

    /// [`Setup::cut_off`]; without `connected`, B's regions are taken as connected whenever
    /// alive (so the probability is an upper bound).
    fn cut_off_as(&self, avail: &[f64], life: &Life, block: &[usize], connected: bool) -> Cut {
        let m = self.engine.model();
        let n = m.regions.len();
        let mut in_block = vec![false; n];
        for &r in block {
            in_block[r] = true;
        }
        let mut tilt = vec![1.0; n];
        for (l, link) in m.links.iter().enumerate() {
            let (a, b) = (link.ends[0].idx(), link.ends[1].idx());
            let up = avail[self.link_c[l]];
            match (in_block[a], in_block[b]) {
                (true, false) => tilt[b] *= 1.0 - up,
                (false, true) => tilt[a] *= 1.0 - up,
                _ => {}
            }
        }
        let mut probability = if connected {
            self.block_connected(avail, block)
        } else {
            1.0
        };
        let mut rest_alive = vec![0.0; n];
        for r in 0..n {
            if in_block[r] {
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
    /// figures with the block and the rest as two parts of the network (f_B; with an anchor,
    /// the rest a part that never serves) minus the figures on the static network (f); and
    /// the pruned mass.
    pub(super) fn island(
        &self,
        avail: &[f64],
        items: &Items,
        classes: &[Vec<Class>],
        life: &Life,
        island: &Island,
    ) -> Result<(StateProbabilities, f64), String> {
        let block = &island.block[..];
        let cut = match island.connected {
            Some(connected) => {
                let mut cut = self.cut_off_as(avail, life, block, false);
                cut.probability *= connected;
                cut
            }
            None => self.cut_off(avail, life, block),
        };
        if cut.probability == 0.0 {
            return Ok((StateProbabilities::ZERO, 0.0));
        }
        let conditioned = conditioned(classes, &cut, block);
        if self.anchor.is_some() {
            // An island that holds the anchor: the rest never serves however it splits, so
            // on all of E_B the figures are those with the rest outside the one part that can
            // serve (searches pruned at their weighted probability).
            let w = cut.probability;
            let weight = (w, self.prune.1);
            let (connected, p0) = self.connected_within(items, &conditioned, None, weight)?;
            let outside: Vec<bool> = (0..classes.len()).map(|r| !block.contains(&r)).collect();
            let (cut_figures, p1) =
                self.connected_within(items, &conditioned, Some(&outside), weight)?;
            let mut out = StateProbabilities::ZERO;
            out.add(&cut_figures, w);
            out.add(&connected, -w);
            return Ok((out, (p0 + p1) * w));
        }
        let (connected, mut pruned) = self.connected(items, &conditioned)?;
        let in_block: Vec<bool> = (0..classes.len()).map(|r| block.contains(&r)).collect();
        let ok = OkProgramme::new(self, items, &conditioned, Parts::Island(&in_block))?;
        let mut cut_figures = StateProbabilities::ZERO;
        for target in 0..4u32 {
            if ok.value_at(0, 0, target as usize) == 0.0 {
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

impl Setup<'_> {
    /// The anchored islands among `blocks`, each with what it covers of ¬N: P(E_B with a
    /// region alive outside B), a lower bound (`connected_probability`: the island is exact
    /// on all of E_B, so nothing is added back for it), and the probability that B's regions
    /// are connected (from `known` where given). The connectivity of B costs a frontier programme where B has
    /// cycles, so it is computed only for the blocks that can matter: those whose weight
    /// without it (an upper bound) is not in the lightest tail, which weighs at most
    /// [`Setup::island_target`] / 1000 / `weight` in all (it stays uncovered, in the bound).
    fn anchored_candidates(
        &self,
        avail: &[f64],
        items: &Items,
        classes: &[Vec<Class>],
        life: &Life,
        blocks: impl IntoIterator<Item = (Vec<usize>, Option<f64>)>,
        weight: f64,
    ) -> Vec<Candidate> {
        let n = classes.len();
        let covers = |cut: &Cut| cut.probability * (1.0 - exactly(&cut.rest_alive, &[]));
        let mut upper: Vec<(Vec<usize>, f64, Option<f64>)> = blocks
            .into_iter()
            .map(|(b, known)| {
                let u = covers(&self.cut_off_as(avail, life, &b, false));
                (b, u, known)
            })
            .filter(|(_, u, _)| *u > 0.0)
            .collect();
        upper.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let mut tail: f64 = upper.iter().map(|(_, u, _)| u).sum();
        let negligible = self.island_target * 1e-3 / weight;
        let kept = upper
            .iter()
            .take_while(|(_, u, _)| {
                let keep = tail > negligible;
                tail -= u;
                keep
            })
            .count();
        upper.truncate(kept);
        // The exact weights (a frontier programme each where B has cycles), in parallel (in
        // the caller's pool), in order.
        use rayon::prelude::*;
        upper
            .into_par_iter()
            .filter_map(|(b, u, known)| {
                let outside: Vec<bool> = (0..n).map(|r| !b.contains(&r)).collect();
                Layout::new(items, classes, Parts::Outside(&outside)).ok()?;
                // The weight is the upper one times P(B's regions are connected).
                let connected = known.unwrap_or_else(|| self.block_connected(avail, &b));
                let p = u * connected;
                (p > 0.0).then_some(Candidate {
                    block: b,
                    covers: p,
                    connected: Some(connected),
                    down: Vec::new(),
                })
            })
            .collect()
    }

    /// With an anchor, what the islands are to cover: P(¬N, the anchor alive) (where it is
    /// dead, nothing is OK on the model nor on the static network); `Some(None)` when the
    /// frontier programme gives up (it cannot tell it from the whole of ¬N), `None` without an
    /// anchor. A probability of 1 is an answer (a region held down that cuts a chain in two),
    /// not "cannot tell" (`network::network_split_told`).
    fn anchored_cover(&self, avail: &[f64], life: &Life) -> Option<Option<f64>> {
        let a = self.anchor?;
        if life.alive[a] == 0.0 {
            return Some(Some(0.0));
        }
        let mut given = life.alive.clone();
        given[a] = 1.0;
        let split = super::network::network_split_told(self, avail, &given, 0.0);
        Some(split.map(|split| life.alive[a] * split))
    }

    /// Anchored islands for a subproblem of another term of step 1 than the one they were
    /// found in (see `policy.rs`), or of another run: what it is to cover, and the blocks of
    /// `found` weighed with its own availabilities (reusing the probabilities that they are
    /// connected where no link among B's regions `differs` from those they were computed
    /// with). Nothing when it has no split state where the anchor is alive. `known_split`:
    /// its P(¬N), when computed already.
    pub(super) fn reweighed(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
        weight: f64,
        (found, differs): (&[Candidate], &[bool]),
        known_split: Option<f64>,
    ) -> Result<(f64, Vec<Candidate>), String> {
        let (items, classes) = self.prepare(avail, policy, failed_groups)?;
        let life = Life::of(&classes);
        let split = known_split.unwrap_or_else(|| network_split(self, avail, &life.alive));
        if split == 0.0 {
            return Ok((0.0, Vec::new()));
        }
        // As in `candidates`: where the frontier programme cannot tell, the whole of ¬N.
        if super::network::wide(self.engine.model()) {
            return Ok((split, Vec::new()));
        }
        let Some(Some(cover)) = self.anchored_cover(avail, &life) else {
            return Ok((split, Vec::new()));
        };
        if cover == 0.0 {
            return Ok((0.0, Vec::new()));
        }
        let m = self.engine.model();
        // Known: no link among B's regions changed, or one held down whose connectivity
        // without it was computed.
        let blocks = found.iter().map(|c| {
            let mut changed = links_among(m, &c.block);
            changed.retain(|&l| differs[l]);
            let known = match changed[..] {
                [] => c.connected,
                [l] if avail[self.link_c[l]] == 0.0 => {
                    c.down.iter().find(|(x, _)| *x == l).map(|(_, p)| *p)
                }
                _ => None,
            };
            (c.block.clone(), known)
        });
        let found = self.anchored_candidates(avail, &items, &classes, &life, blocks, weight);
        Ok((cover, found))
    }

    /// A region that holds every tier of some requirement OK cannot do without, whatever the
    /// restore policy (the AZ of a single-AZ store, the primary of a multi-AZ store without
    /// backups elsewhere): a part of the network without it is never OK, so the only part
    /// that can serve is the one that holds it. `None` when there is none, or the link graph
    /// is not connected (`serving_part.rs` handles that).
    pub(super) fn anchor(&self) -> Option<usize> {
        if self.outside.is_some() {
            return None;
        }
        let m = self.engine.model();
        let restore_all: Vec<usize> = self.restorable.iter().map(|(d, _)| *d).collect();
        let items = Items::new(self, &restore_all).ok()?;
        (0..items.tiers.len())
            .filter(|i| items.required >> i & 1 == 1)
            .find_map(|i| {
                let mut regions = items.tiers[i].iter().flatten().map(|s| match *s {
                    Satisfier::Region(r) | Satisfier::Primary { region: r, .. } => Some(r),
                    Satisfier::Az(a) => Some(m.azs[a].region.idx()),
                    Satisfier::Service(_) => None,
                });
                let first = regions.next()??;
                regions.all(|r| r == Some(first)).then_some(first)
            })
    }
}

/// Each region's classes given E_B (regions stay independent): the block's alive, the others'
/// alive ones weighted by the cut, normalised.
fn conditioned(classes: &[Vec<Class>], cut: &Cut, block: &[usize]) -> Vec<Vec<Class>> {
    classes
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
        .collect()
}

/// P(¬N) for one set of failed groups, the candidate islands with their probabilities, and
/// the part of P(¬N) the islands are to cover (all of it, or with an anchor the states where
/// it is alive).
pub(super) type Candidates = (f64, Vec<Candidate>, f64);

/// A candidate island: its regions, what it covers of P(¬N) (see `candidates`), and the
/// probability that its regions are connected when that was computed with it (anchored ones).
#[derive(Clone)]
pub(super) struct Candidate {
    pub(super) block: Vec<usize>,
    pub(super) covers: f64,
    pub(super) connected: Option<f64>,
    /// Per link among its regions: the probability that they are connected with that link
    /// down, where computed ([`Setup::connected_with_each_down_in`], for the importance runs).
    pub(super) down: Vec<(usize, f64)>,
}

/// An island chosen for a subproblem: its regions, and P(they are connected) with the
/// subproblem's availabilities when known (else computed where it is used).
#[derive(Clone)]
pub(super) struct Island {
    pub(super) block: Vec<usize>,
    pub(super) connected: Option<f64>,
}

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

impl Setup<'_> {
    /// P(the regions of `block` are connected by the links among them that are up).
    fn block_connected(&self, avail: &[f64], block: &[usize]) -> f64 {
        let m = self.engine.model();
        let inner: Vec<(usize, usize, f64)> = links_among(m, block)
            .into_iter()
            .map(|l| {
                let [a, b] = m.links[l].ends;
                (a.idx(), b.idx(), avail[self.link_c[l]])
            })
            .collect();
        self.connected_probability(avail, block, &inner)
    }

    /// For each candidate the main run `found` (anchored ones), the probability that its
    /// regions are connected with each link among them down in turn (`down`), where that
    /// takes the frontier programme (more links among them than can be enumerated, and not a
    /// tree): one recorded run each, one step per link (`network::split_with_each_down`),
    /// instead of a run per link. A lower bound, like [`Setup::block_connected`].
    pub(super) fn connected_with_each_down_in(
        &self,
        found: &mut super::policy::Found,
        pool: Option<&rayon::ThreadPool>,
    ) {
        let avail = found.avail.clone();
        for candidates in found.per_mask.values_mut() {
            match pool {
                Some(pool) => {
                    pool.install(|| self.connected_with_each_down(&avail, candidates, true))
                }
                None => self.connected_with_each_down(&avail, candidates, false),
            }
        }
    }

    /// [`Setup::connected_with_each_down_in`] for the candidates of one set of failed groups,
    /// in parallel or not.
    fn connected_with_each_down(&self, avail: &[f64], found: &mut [Candidate], parallel: bool) {
        use rayon::prelude::*;
        let m = self.engine.model();
        let each = |c: &mut Candidate| {
            let inner = links_among(m, &c.block);
            if inner.len() <= MAX_INNER_LINKS || inner.len() + 1 == c.block.len() {
                // (Enumerated, or a tree: each is cheap.)
                return;
            }
            let mut alive = vec![0.0; m.regions.len()];
            c.block.iter().for_each(|&r| alive[r] = 1.0);
            let given = (avail, &alive[..]);
            if let Some(splits) = split_with_each_down(self, given, CONNECTED_PRUNE, &inner) {
                let connected = splits.iter().map(|s| s.map(|s| (1.0 - s).max(0.0)));
                let each = inner.iter().copied().zip(connected);
                c.down = each.filter_map(|(l, p)| Some((l, p?))).collect();
            }
        };
        // (In the caller's pool; on this thread alone without one: `--threads 1`.)
        match parallel {
            true => found.par_iter_mut().for_each(each),
            false => found.iter_mut().for_each(each),
        }
    }

    /// [`Setup::block_connected`] given the links among its regions: every
    /// link up when they form a tree; else by every state of those links when they are few;
    /// else by the frontier programme of step 4 with exactly the block alive (an upper bound
    /// on its split, so a lower bound here: only anchored islands, whose bound needs no more,
    /// have that many links among their regions; see docs/availability.md, "The anchor").
    fn connected_probability(
        &self,
        avail: &[f64],
        block: &[usize],
        inner: &[(usize, usize, f64)],
    ) -> f64 {
        if block.len() <= 1 {
            return 1.0;
        }
        if inner.len() <= MAX_INNER_LINKS {
            return enumerated_connected_probability(block, inner);
        }
        if inner.len() + 1 == block.len() {
            let mut label: Vec<usize> = (0..self.engine.model().regions.len()).collect();
            let joined = inner
                .iter()
                .filter(|&&(a, b, _)| union(&mut label, a, b))
                .count();
            if joined == inner.len() {
                return inner.iter().map(|&(_, _, up)| up).product();
            }
        }
        let alive: Vec<f64> = (0..self.engine.model().regions.len())
            .map(|r| if block.contains(&r) { 1.0 } else { 0.0 })
            .collect();
        // A lower bound is all the bound needs (see `Setup::candidates`), and far finer than
        // 1e-16 is lost in the island's other factors: the programme drops lighter states.
        (1.0 - network_split_above(self, avail, &alive, CONNECTED_PRUNE)).max(0.0)
    }
}

/// The links between two different regions of `block`: those its connectivity depends on.
fn links_among(m: &crate::model::Model, block: &[usize]) -> Vec<usize> {
    let mut in_block = vec![false; m.regions.len()];
    block.iter().for_each(|&r| in_block[r] = true);
    (0..m.links.len())
        .filter(|&l| {
            let [a, b] = m.links[l].ends;
            a != b && in_block[a.idx()] && in_block[b.idx()]
        })
        .collect()
}

/// P(the regions of `block` are connected by the links among them that are up), by every
/// state of those links (few of them).
fn enumerated_connected_probability(block: &[usize], inner: &[(usize, usize, f64)]) -> f64 {
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

/// Calls `visit` on every combination of `0..k` (`odds` sorted from the highest) of up to
/// `order` members, and on larger ones while the product of their odds is at least
/// `threshold`, extending `combo` (whose odds multiply to `product`); at most `budget` calls.
fn weighted_combinations(
    odds: &[f64],
    (order, threshold): (usize, f64),
    (combo, product): (&mut Vec<usize>, f64),
    budget: &mut usize,
    visit: &mut impl FnMut(&[usize]),
) {
    let start = combo.last().map_or(0, |&i| i + 1);
    for i in start..odds.len() {
        let p = product * odds[i];
        if combo.len() >= order && p < threshold {
            break;
        }
        if *budget == 0 {
            return;
        }
        *budget -= 1;
        combo.push(i);
        visit(combo);
        weighted_combinations(odds, (order, threshold), (combo, p), budget, visit);
        combo.pop();
    }
}

/// The number of ways to choose `k` of `n`.
fn binomial(n: usize, k: usize) -> usize {
    if k > n {
        return 0;
    }
    (0..k).fold(1usize, |acc, i| acc.saturating_mul(n - i) / (i + 1))
}

/// The anchor's parts found so far (see `Setup::candidates`), each a set of regions.
struct Anchored {
    adjacency: Adjacency,
    /// Regions that can be alive.
    can_live: usize,
    found: rustc_hash::FxHashSet<Vec<u64>>,
    /// Scratch: the search's stack and marks.
    stack: Vec<usize>,
    seen: Vec<u64>,
}

impl Anchored {
    fn new(m: &crate::model::Model, life: &Life) -> Anchored {
        let n = m.regions.len();
        Anchored {
            adjacency: adjacency(m),
            can_live: life.alive.iter().filter(|&&a| a > 0.0).count(),
            found: Default::default(),
            stack: Vec::new(),
            seen: vec![0; n.div_ceil(64)],
        }
    }

    /// Notes the part of `a` with these regions alive and links down, unless it is every
    /// region that can be alive or `a` is dead. (A part that is every alive region still
    /// counts: its event E_B also holds where the regions outside are alive and cut off.)
    fn visit(&mut self, a: usize, alive: &[bool], down: &[bool]) {
        if !alive[a] {
            return;
        }
        self.seen.iter_mut().for_each(|w| *w = 0);
        self.seen[a / 64] |= 1 << (a % 64);
        self.stack.clear();
        self.stack.push(a);
        let mut size = 1;
        while let Some(r) = self.stack.pop() {
            for &(x, l) in &self.adjacency[r] {
                if !down[l] && alive[x] && self.seen[x / 64] >> (x % 64) & 1 == 0 {
                    self.seen[x / 64] |= 1 << (x % 64);
                    self.stack.push(x);
                    size += 1;
                }
            }
        }
        if size < self.can_live && !self.found.contains(&self.seen) {
            self.found.insert(self.seen.clone());
        }
    }

    /// The parts found, each as its sorted regions.
    fn blocks(self) -> impl Iterator<Item = Vec<usize>> {
        self.found.into_iter().map(|bits| {
            (0..bits.len() * 64)
                .filter(|&r| bits[r / 64] >> (r % 64) & 1 == 1)
                .collect()
        })
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
    for (l, link) in m.links.iter().enumerate() {
        let (a, b) = (link.ends[0].idx(), link.ends[1].idx());
        if !down[l] && alive[a] && alive[b] {
            union(&mut label, a, b);
        }
    }
    let mut parts: Vec<Vec<usize>> = Vec::new();
    let mut index = vec![usize::MAX; n];
    for r in (0..n).filter(|&r| alive[r]) {
        let root = find(&mut label, r);
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

#[cfg(test)]
mod tests {
    /// Fewer failures than asked for is no combination (the order search on small networks
    /// asks for up to five of as few as one).
    #[test]
    fn binomial_counts_combinations() {
        assert_eq!(super::binomial(40, 4), 91_390);
        assert_eq!(super::binomial(5, 0), 1);
        assert_eq!(super::binomial(3, 5), 0);
    }
}
