//! Step 5, routing: a search over the regions routing looks at, each leaf an assignment of
//! user groups to serving regions with its capacity and served fraction (MODEL.md §3.4-3.5, §12.3).

use super::islands::{Island, Life};
use super::ok::{Buffers, NONE, OkProgramme, Parts};
use super::pooled::Pooled;
use super::requirements::Items;
use crate::availability::StateProbabilities;

use super::{Class, MAX_SEARCH_NODES, PRUNE, Setup};

impl<'a> Setup<'a> {
    /// Steps 3-5 for one restore policy and one set of failed shared-fate groups: the figures
    /// on the static network, corrected on each island, and the mass the searches pruned.
    pub(super) fn regions(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
        islands: &[Island],
    ) -> Result<(StateProbabilities, f64), String> {
        let (items, classes) = self.prepare(avail, policy, failed_groups)?;
        if self.star {
            return self.star(avail, &items, &classes);
        }
        let (mut total, mut pruned) = self.connected(&items, &classes)?;
        if !islands.is_empty() {
            // In parallel (in the caller's pool: thousands of anchored islands may fall to one
            // subproblem), summed in order.
            use rayon::prelude::*;
            let life = Life::of(&classes);
            let corrections: Vec<Result<(StateProbabilities, f64), String>> = islands
                .par_iter()
                .map(|island| self.island(avail, &items, &classes, &life, island))
                .collect();
            for result in corrections {
                let (correction, p) = result?;
                total.add(&correction, 1.0);
                pruned += p;
            }
        }
        Ok((total, pruned))
    }

    /// Step 5 on the static network: the figures as if every alive region were connected to
    /// every other, and the pruned mass.
    pub(super) fn connected(
        &self,
        items: &Items,
        classes: &[Vec<Class>],
    ) -> Result<(StateProbabilities, f64), String> {
        // Without links between the serving part and the rest, the rest is a second part of
        // OK that never serves (`serving_part.rs`).
        self.connected_within(items, classes, self.outside.as_deref(), (1.0, self.prune.0))
    }

    /// [`Setup::connected`] with the regions marked `outside` never serving (they hold tiers:
    /// a second part of OK that is never OK), for figures that will be weighted by `weight`:
    /// the search prunes branches whose weighted probability is below `prune` ([`PRUNE`], or
    /// [`ISLAND_PRUNE`](super::ISLAND_PRUNE) for the anchored islands' corrections; the
    /// pruned mass returned is still per unit of weight).
    pub(super) fn connected_within(
        &self,
        items: &Items,
        classes: &[Vec<Class>],
        outside: Option<&[bool]>,
        (weight, prune): (f64, f64),
    ) -> Result<(StateProbabilities, f64), String> {
        let parts = outside.map_or(Parts::One, Parts::Outside);
        let ok = OkProgramme::new(self, items, classes, parts)?;
        let pooled = if self.pooled {
            Some(Pooled::new(self, classes, &ok, outside)?)
        } else {
            None
        };
        let mut search = Search::new(self, classes, &ok, outside, 1);
        search.pooled = pooled.as_ref();
        search.prune = prune;
        search.explore(weight);
        search.finished()?;
        let mut total = StateProbabilities::ZERO;
        total.add(&search.total, 1.0 / weight);
        search.pruned /= weight;
        // P(not OK) summed directly keeps its digits where it is tiny; figures weighted by
        // at most 1e-3 (islands) lose a few units in the last place of their weight by taking
        // it as 1 - P(OK), which the programme already has.
        let not_ok = if weight <= 1e-3 {
            (1.0 - ok.value_at(0, 0, 0)).max(0.0)
        } else {
            ok.not_ok()
        };
        total.add(
            &StateProbabilities::of(crate::evaluate::Outcome::Down, 0.0),
            not_ok,
        );
        // The programme's entries actually computed (the keys reached at each position).
        let states = (ok.reach.iter().map(Vec::len).sum::<usize>() * ok.slots) as u64;
        self.work.fetch_add(
            search.nodes + search.scratch.walked + states,
            std::sync::atomic::Ordering::Relaxed,
        );
        Ok((total, search.pruned))
    }
}

/// Step 5's search over the regions routing looks at, for one outcome of OK (`target`: bit 0
/// the rest of the network is OK, bit 1 the island is).
pub(super) struct Search<'a> {
    pub(super) setup: &'a Setup<'a>,
    pub(super) classes: &'a [Vec<Class>],
    pub(super) ok: &'a OkProgramme<'a>,
    pub(super) target: u32,
    /// Per region, whether it is in the island.
    pub(super) block: Option<&'a [bool]>,
    pub(super) visited: Vec<u16>,
    pub(super) total: StateProbabilities,
    pub(super) pruned: f64,
    pub(super) scratch: Buffers,
    /// Nodes explored, to stop at [`MAX_SEARCH_NODES`].
    pub(super) nodes: u64,
    /// Under `global-lb`: the pooled-capacity programme (leaves are summed through it).
    pub(super) pooled: Option<&'a Pooled>,
    /// Branches lighter than this are not explored (their mass is `pruned`).
    pub(super) prune: f64,
}

pub(super) enum Next {
    /// Every group has a serving region (in OK's world).
    Assigned(Vec<usize>),
    /// Some group has no serving region left.
    Down,
    /// This region decides the next assignment.
    Branch(usize),
}

impl<'a> Search<'a> {
    pub(super) fn new(
        setup: &'a Setup<'a>,
        classes: &'a [Vec<Class>],
        ok: &'a OkProgramme<'a>,
        block: Option<&'a [bool]>,
        target: u32,
    ) -> Search<'a> {
        Search {
            setup,
            classes,
            ok,
            target,
            block,
            visited: vec![NONE; classes.len()],
            total: StateProbabilities::ZERO,
            pruned: 0.0,
            scratch: Buffers::default(),
            nodes: 0,
            pooled: None,
            prune: PRUNE,
        }
    }

    /// The programme's slot for this search's outcome.
    pub(super) fn slot(&self) -> usize {
        if self.ok.slots == 1 {
            0
        } else {
            self.target as usize
        }
    }

    /// An error when the search gave up.
    pub(super) fn finished(&self) -> Result<(), String> {
        if self.nodes > MAX_SEARCH_NODES {
            return Err(format!(
                "routing depends on more than {MAX_SEARCH_NODES} combinations of region states above {PRUNE:e}"
            ));
        }
        Ok(())
    }

    pub(super) fn next(&self) -> Next {
        let rest_ok = self.target & 1 != 0;
        let island_ok = self.target & 2 != 0;
        let mut assignment = Vec::with_capacity(self.setup.rankings.len());
        for ranking in &self.setup.rankings {
            let mut found = None;
            for &r in ranking {
                let in_block = self.block.is_some_and(|b| b[r]);
                // A region of a part that is not OK never serves, whatever its class.
                if !(if in_block { island_ok } else { rest_ok }) {
                    continue;
                }
                match self.visited[r] {
                    NONE => return Next::Branch(r),
                    c => {
                        let class = &self.classes[r][c as usize];
                        if class.entry && class.alive && !class.outside {
                            found = Some(r);
                            break;
                        }
                    }
                }
            }
            match found {
                Some(r) => assignment.push(r),
                None => return Next::Down,
            }
        }
        Next::Assigned(assignment)
    }

    pub(super) fn explore(&mut self, probability: f64) {
        self.nodes += 1;
        if self.nodes > MAX_SEARCH_NODES {
            return;
        }
        if probability < self.prune {
            self.pruned += probability;
            return;
        }
        match self.next() {
            Next::Branch(r) => {
                for c in 0..self.classes[r].len() {
                    self.visited[r] = c as u16;
                    let p = self.classes[r][c].probability;
                    self.explore(probability * p);
                }
                self.visited[r] = NONE;
            }
            Next::Down => {
                let w = probability
                    * self.ok.given(
                        &self.visited,
                        &self.setup.position,
                        self.slot(),
                        &mut self.scratch,
                    );
                self.total.add(
                    &StateProbabilities::of(crate::evaluate::Outcome::Down, 0.0),
                    w,
                );
            }
            Next::Assigned(assignment) if self.pooled.is_some() => {
                if let Some(pooled) = self.pooled {
                    let (fixed, serving, tiers_short) = self.pooled_leaf(&assignment);
                    let setup = self.setup;
                    let peak = setup.engine.model().peak_rps;
                    // MODEL.md §12.3: each serving region up to the tighter of the pooled entry
                    // and its own tracked tiers.
                    let figures = |units: usize| {
                        let (pass, short) = super::pooled::pass(setup, pooled, units);
                        let mut served = 0.0;
                        let mut degraded = short || tiers_short;
                        for &(load, tiers) in &serving {
                            let rho = pass.min(tiers);
                            degraded |= rho < 1.0 - 1e-9;
                            served += load / peak * rho;
                        }
                        let served = served.min(1.0);
                        let outcome = if served <= 0.0 {
                            crate::evaluate::Outcome::Down
                        } else if degraded {
                            crate::evaluate::Outcome::Degraded
                        } else {
                            crate::evaluate::Outcome::Up
                        };
                        StateProbabilities::of(outcome, served)
                    };
                    let walked = &mut self.scratch.walked;
                    let e = pooled.given(setup, self.ok, &self.visited, &fixed, &figures, walked);
                    self.total.add(&e, probability);
                }
            }
            Next::Assigned(assignment) => {
                let w = probability
                    * self.ok.given(
                        &self.visited,
                        &self.setup.position,
                        self.slot(),
                        &mut self.scratch,
                    );
                if w == 0.0 {
                    return;
                }
                let (outcome, served) = self.capacity(&assignment);
                self.total.add(&StateProbabilities::of(outcome, served), w);
            }
        }
    }

    /// Under `global-lb`, at a leaf: per region, the entry instances a visited region adds to
    /// the pool at this assignment's loads (scaled where its own load exceeds its steady
    /// capacity; 0 when it does not serve); each serving region's load and the pass ratio of
    /// its tightest tracked tier; and whether a tracked tier falls short somewhere.
    fn pooled_leaf(&self, assignment: &[usize]) -> (Vec<usize>, Vec<(f64, f64)>, bool) {
        let m = self.setup.engine.model();
        let entry = &m.services[m.entry.idx()];
        let tolerance = 1e-9 * m.peak_rps;
        let mut load = vec![0.0; self.classes.len()];
        for (u, &r) in assignment.iter().enumerate() {
            load[r] += m.peak_rps * m.users[u].share;
        }
        let mut serving = Vec::new();
        let mut short = false;
        let fixed = (0..self.classes.len())
            .map(|r| {
                if self.visited[r] == NONE {
                    return 0;
                }
                let class = &self.classes[r][self.visited[r] as usize];
                if !(class.alive && class.entry) || class.outside {
                    return 0;
                }
                if load[r] > 0.0 {
                    let mut tiers = 1.0f64;
                    for (k, &s) in self.setup.tracked.iter().enumerate() {
                        let (steady, scaled) = class.tiers[k];
                        let (_, capacity) = crate::evaluate::scaled_capacity(
                            load[r],
                            steady,
                            scaled,
                            m.services[s].scales[r],
                            tolerance,
                        );
                        tiers = tiers.min((capacity / load[r]).min(1.0));
                        short |= load[r] - capacity > tolerance;
                    }
                    serving.push((load[r], tiers));
                }
                let (_, capacity) = crate::evaluate::scaled_capacity(
                    load[r],
                    class.steady,
                    class.scaled,
                    entry.scales[r],
                    tolerance,
                );
                (capacity / entry.capacity_per_instance).round() as usize
            })
            .collect();
        (fixed, serving, short)
    }

    /// MODEL.md §3.5 for an assignment of groups to regions (not global-lb).
    pub(super) fn capacity(&self, assignment: &[usize]) -> (crate::evaluate::Outcome, f64) {
        let m = self.setup.engine.model();
        let entry = &m.services[m.entry.idx()];
        let peak = m.peak_rps;
        let tolerance = 1e-9 * peak;
        let mut loads: Vec<(usize, f64)> = Vec::new();
        for (u, &r) in assignment.iter().enumerate() {
            let load = peak * m.users[u].share;
            match loads.iter_mut().find(|(x, _)| *x == r) {
                Some((_, l)) => *l += load,
                None => loads.push((r, load)),
            }
        }
        loads.sort_by_key(|(r, _)| *r);
        // Served requests (rps) with the entry alone, as in version 1 (bit for bit); the served
        // fraction directly when tiers are tracked (MODEL.md §12.3: each region serves up to
        // its tightest tier; every tracked tier is called in the serving region itself, see
        // `tiers_to_track`, with its whole load).
        let tracked = &self.setup.tracked;
        let mut served = 0.0;
        let mut degraded = false;
        for &(r, load) in &loads {
            if load <= 0.0 {
                continue;
            }
            let class = &self.classes[r][self.visited[r] as usize];
            let (_, capacity) = crate::evaluate::scaled_capacity(
                load,
                class.steady,
                class.scaled,
                entry.scales[r],
                tolerance,
            );
            degraded |= load - capacity > tolerance;
            if tracked.is_empty() {
                served += load.min(capacity);
                continue;
            }
            let mut rho = (capacity / load).min(1.0);
            for (k, &s) in tracked.iter().enumerate() {
                let (steady, scaled) = class.tiers[k];
                let (_, capacity) = crate::evaluate::scaled_capacity(
                    load,
                    steady,
                    scaled,
                    m.services[s].scales[r],
                    tolerance,
                );
                rho = rho.min((capacity / load).min(1.0));
                degraded |= load - capacity > tolerance;
            }
            degraded |= rho < 1.0 - 1e-9;
            served += load / peak * rho;
        }
        let outcome = if degraded {
            crate::evaluate::Outcome::Degraded
        } else {
            crate::evaluate::Outcome::Up
        };
        let fraction = if tracked.is_empty() {
            served / peak
        } else {
            served
        };
        (outcome, fraction.min(1.0))
    }
}
