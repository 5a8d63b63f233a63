//! Steps 1 and 2 (docs/availability.md): the sum split by restore policy (which interval
//! between restore thresholds W falls in), the series components factored out, every subset
//! of failed shared-fate groups conditioned on, and the islands of step 4 chosen once for
//! every term.

use rayon::prelude::*;

use super::islands::{Candidate, Candidates, Island};
use crate::availability::StateProbabilities;
use rustc_hash::FxHashMap;

use super::{MAX_ANCHORED_ISLANDS, MAX_ISLANDS, MAX_THRESHOLDS, Setup};

impl<'a> Setup<'a> {
    /// E[(down, not full, shortfall)] with component availabilities `avail`, and the error
    /// bound. Step 1 of the module documentation: split by restore policy.
    pub(super) fn expectation(
        &self,
        avail: &[f64],
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<(StateProbabilities, f64), String> {
        let e = self.expectation_parts(avail, pool)?;
        Ok((e.total, e.bound))
    }

    /// [`Setup::expectation`] with the parts of its bound.
    pub(super) fn expectation_parts(
        &self,
        avail: &[f64],
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<Expectation, String> {
        self.expectation_given(avail, pool, (None, None))
    }

    /// [`Setup::expectation_parts`]; with `split_bound`, P(¬N) is not computed but taken as
    /// that upper bound for every set of failed groups (so the whole is at most it too), and
    /// no islands are sought. With `found`, the anchored islands of the term with nothing
    /// forced are not sought either, but those another run found ([`Setup::keep`]) are
    /// weighed again (for the importance runs through the islands, whose bound says what
    /// that misses).
    pub(super) fn expectation_given(
        &self,
        avail: &[f64],
        pool: Option<&rayon::ThreadPool>,
        (split_bound, reuse): (Option<f64>, Option<&Found>),
    ) -> Result<Expectation, String> {
        let m = self.engine.model();
        let (terms, unforced) = self.terms(avail)?;
        // Step 2 for each term: series components, then every subset of failed groups; the
        // subproblems run in parallel and are summed in a fixed order.
        let groups = m.shared.len();
        let mut tasks: Vec<(usize, u32, f64)> = Vec::new();
        let mut total = StateProbabilities::ZERO;
        for (t, (weight, forced, _)) in terms.iter().enumerate() {
            if *weight == 0.0 {
                continue;
            }
            let log_up: f64 = self
                .series
                .iter()
                .map(|&i| (-(1.0 - forced[i])).ln_1p())
                .sum();
            // P(some series component down), without cancellation.
            total.add(
                &StateProbabilities::of(crate::evaluate::Outcome::Down, 0.0),
                weight * -log_up.exp_m1(),
            );
            for mask in 0u32..(1u32 << groups) {
                let p = weight * log_up.exp() * self.groups_probability(forced, mask);
                if p != 0.0 {
                    tasks.push((t, mask, p));
                }
            }
        }
        let tasks = self.without_cancelling(&terms, tasks, unforced)?;
        // Step 4 on the term with nothing forced: P(¬N) per set of failed groups, and the
        // islands (see `candidates`) taken heaviest first until what they leave of it is
        // small; the same islands are then corrected for in every term.
        let planned: Vec<(u32, f64)> = tasks
            .iter()
            .filter(|(t, _, _)| *t == unforced)
            .map(|&(_, mask, p)| (mask, p))
            .collect();
        let (avail0, policy0) = (&terms[unforced].1, &terms[unforced].2);
        // First P(¬N) alone; the candidates only when it is too large (given those splits).
        let search = |splits: Option<&[f64]>| {
            let candidates = |(k, &(mask, p)): (usize, &(u32, f64))| {
                let known = splits.map(|s| s[k]);
                self.candidates(avail0, policy0, mask, p, known)
            };
            let found: Vec<Result<Candidates, String>> = match pool {
                Some(pool) => {
                    pool.install(|| planned.par_iter().enumerate().map(candidates).collect())
                }
                None => planned.iter().enumerate().map(candidates).collect(),
            };
            found
                .into_iter()
                .collect::<Result<Vec<Candidates>, String>>()
        };
        let mut found = match split_bound {
            Some(b) => planned.iter().map(|_| (b, Vec::new(), b)).collect(),
            None => search(None)?,
        };
        let splits: Vec<f64> = found.iter().map(|(split, _, _)| *split).collect();
        let whole: f64 = planned.iter().zip(&splits).map(|((_, p), s)| p * s).sum();
        // P(¬N) whatever the series components: each group subset's probability alone.
        let split: f64 = planned
            .iter()
            .zip(&splits)
            .map(|(&(mask, _), s)| self.groups_probability(avail0, mask) * s)
            .sum();
        // Islands are not computed under global-lb (one pool across the parts) unless they
        // hold the anchor (then only they serve), nor when the split states are to be
        // computed one by one instead: the splits stay in the bound.
        let pool_ok = !self.pooled || self.anchor.is_some();
        let wanted = whole > self.island_target && pool_ok && self.islands && split_bound.is_none();
        if wanted {
            found = match (reuse, self.anchor) {
                (Some(reuse), Some(_)) => {
                    let differs = self.links_differ(avail0, &reuse.avail);
                    let weigh = |(&(mask, p), &split): (&(u32, f64), &f64)| {
                        let known = reuse.per_mask.get(&mask).map_or(&[][..], Vec::as_slice);
                        let (cover, c) = self.reweighed(
                            avail0,
                            policy0,
                            mask,
                            p,
                            (known, &differs),
                            Some(split),
                        )?;
                        Ok((split, c, cover))
                    };
                    let weighed: Vec<Result<Candidates, String>> = match pool {
                        Some(pool) => {
                            pool.install(|| planned.par_iter().zip(&splits).map(weigh).collect())
                        }
                        None => planned.iter().zip(&splits).map(weigh).collect(),
                    };
                    weighed
                        .into_iter()
                        .collect::<Result<Vec<Candidates>, String>>()?
                }
                _ => search(Some(&splits))?,
            };
            if self.keep && self.anchor.is_some() {
                let per_mask = planned
                    .iter()
                    .map(|(mask, _)| *mask)
                    .zip(found.iter().map(|(_, c, _)| c.clone()))
                    .collect();
                *self.kept.lock().unwrap() = Some(Found {
                    avail: avail0.clone(),
                    per_mask,
                });
            }
        }
        // Per task (an index into `tasks`): the islands it corrects for.
        let (networks, bound) = if wanted && self.anchor.is_some() {
            self.anchored_islands(&terms, &tasks, (unforced, found), whole, pool)?
        } else {
            self.shared_islands(avail0, policy0, &tasks, (&planned, found), whole, pool)?
        };
        let none = Vec::new();
        let run = |(k, &(t, mask, _)): (usize, &(usize, u32, f64))| {
            let islands = networks.get(&k).unwrap_or(&none);
            self.regions(&terms[t].1, &terms[t].2, mask, islands)
        };
        let results: Vec<Result<(StateProbabilities, f64), String>> = match pool {
            Some(pool) => pool.install(|| tasks.par_iter().enumerate().map(run).collect()),
            None => tasks.iter().enumerate().map(run).collect(),
        };
        let mut pruned_mass = 0.0;
        for ((_, _, p), result) in tasks.iter().zip(results) {
            let (e, pruned) = result?;
            total.add(&e, *p);
            pruned_mass += pruned * p.abs();
        }
        Ok(Expectation {
            total,
            bound: bound + pruned_mass,
            pruned: pruned_mass,
            split,
        })
    }

    /// `tasks` without the pairs that cancel: two terms of step 1 with the same
    /// availabilities and opposite weights differ only by their restore policies (if at all),
    /// and where
    /// every store one restores and the other does not always has a home without restoring
    /// (the first tier of its homes, in one region that is alive, with that tier, in every
    /// one of its classes), the store is never left with no home, so it is never restored
    /// (MODEL.md §3.2: only a store left with no home restores or waits, and homes depend on
    /// being alive, not connected): the two figures are equal on every state, and their
    /// contributions cancel exactly, whatever the network. (Typically the terms above and
    /// below a restore threshold where the components with longer repairs are forced up,
    /// regions and AZs among them, so the primary is always alive.)
    ///
    /// The term with nothing forced (`unforced`) is kept: step 4 chooses its islands and
    /// bounds the network there. (With no component repairing slower than a restore, it has
    /// the availabilities of the term below it with the opposite weight and the same policy.)
    fn without_cancelling(
        &self,
        terms: &[Term],
        tasks: Vec<(usize, u32, f64)>,
        unforced: usize,
    ) -> Result<Vec<(usize, u32, f64)>, String> {
        let mut cancelled = vec![false; terms.len() * (1 << self.engine.model().shared.len())];
        let key = |t: usize, mask: u32| (mask as usize) * terms.len() + t;
        for (a, (wa, avail_a, policy_a)) in terms.iter().enumerate() {
            for (b, (wb, avail_b, policy_b)) in terms.iter().enumerate().skip(a + 1) {
                let same = avail_a
                    .iter()
                    .zip(avail_b)
                    .all(|(x, y)| x.to_bits() == y.to_bits());
                if *wa == 0.0 || *wa != -*wb || !same || a == unforced || b == unforced {
                    continue;
                }
                let differ: Vec<usize> = (policy_a.iter().filter(|d| !policy_b.contains(d)))
                    .chain(policy_b.iter().filter(|d| !policy_a.contains(d)))
                    .copied()
                    .collect();
                // A matching: each task cancels with one other at most.
                let masks = tasks.iter().filter(|(t, _, _)| *t == a).map(|(_, m, _)| *m);
                for mask in masks {
                    if cancelled[key(a, mask)] || cancelled[key(b, mask)] {
                        continue;
                    }
                    let always_homed = |d: &usize| -> Result<bool, String> {
                        let items = super::requirements::Items::new(self, &[*d])?;
                        let Some((region, bit)) = items.first_tier(*d) else {
                            return Ok(false);
                        };
                        // (That region's classes alone.)
                        let classes = self.classes_where(avail_a, &items, mask, |r| r == region);
                        Ok(classes[region]
                            .iter()
                            .filter(|c| c.probability > 0.0)
                            .all(|c| c.alive && c.bits & bit != 0))
                    };
                    let mut all = true;
                    for d in &differ {
                        all &= always_homed(d)?;
                    }
                    if all {
                        cancelled[key(a, mask)] = true;
                        cancelled[key(b, mask)] = true;
                    }
                }
            }
        }
        Ok(tasks
            .into_iter()
            .filter(|&(t, mask, _)| !cancelled[key(t, mask)])
            .collect())
    }

    /// Without an anchor: the islands found on the term with nothing forced, taken heaviest
    /// first until what they leave of P(¬N) is small, corrected for in every term (so that
    /// the correction is one function of the state, see `candidates`), and the bound: what
    /// they leave, and what `leftover` says they may get wrong. With `planned`, the tasks of
    /// that term (failed groups, weight) and what `candidates` found for each.
    fn shared_islands(
        &self,
        avail0: &[f64],
        policy0: &[usize],
        tasks: &[(usize, u32, f64)],
        (planned, found): (&[(u32, f64)], Vec<Candidates>),
        whole: f64,
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<(FxHashMap<usize, Vec<Island>>, f64), String> {
        // What the islands are to cover of P(¬N).
        let cover: f64 = planned.iter().zip(&found).map(|((_, p), f)| p * f.2).sum();
        let mut heaviest: Vec<(f64, u32, Vec<usize>)> = Vec::new();
        for ((mask, p), (_, islands, _)) in planned.iter().zip(found) {
            heaviest.extend(islands.into_iter().map(|c| (p * c.covers, *mask, c.block)));
        }
        heaviest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut networks: FxHashMap<u32, Vec<Vec<usize>>> = FxHashMap::default();
        let mut residual = cover;
        for (q, mask, block) in heaviest.into_iter().take(MAX_ISLANDS) {
            if residual <= self.island_target {
                break;
            }
            residual -= q;
            networks.entry(mask).or_default().push(block);
        }
        let chosen: Vec<(u32, f64)> = planned
            .iter()
            .copied()
            .filter(|(mask, _)| networks.contains_key(mask))
            .collect();
        let leftover =
            |&(mask, _): &(u32, f64)| self.leftover(avail0, policy0, mask, &networks[&mask]);
        let leftovers: Vec<Result<(f64, f64), String>> = match pool {
            Some(pool) => pool.install(|| chosen.par_iter().map(leftover).collect()),
            None => chosen.iter().map(leftover).collect(),
        };
        let mut wrong = 0.0;
        for ((_, p), result) in chosen.iter().zip(leftovers) {
            let (unsplit, u) = result?;
            residual += p * unsplit;
            wrong += p * u;
        }
        let bound = residual.max(0.0) + wrong;
        if bound > whole || bound > self.give_up_above {
            // The islands do not help, or not enough for the answer to be accepted: bound by
            // the whole of P(¬N) and save the corrections.
            return Ok((FxHashMap::default(), whole));
        }
        let per_task = tasks
            .iter()
            .enumerate()
            .filter_map(|(k, (_, mask, _))| {
                let islands = networks.get(mask)?.iter().map(|block| Island {
                    block: block.clone(),
                    connected: None,
                });
                Some((k, islands.collect()))
            })
            .collect();
        Ok((per_task, bound))
    }

    /// With an anchor: each task (a term of step 1 and a set of failed groups) corrects for
    /// its own islands, each exact on all of its event, so a task's error is at most |its
    /// weight| x what its islands leave of its P(¬N, anchor alive), and the bound is the sum
    /// of those. The islands found on the term with nothing forced (`found`, per task of that
    /// term) are weighed again in every other term with its availabilities (where longer
    /// repairs are forced up, few of them weigh anything), and taken heaviest first over
    /// all tasks until the sum is small.
    fn anchored_islands(
        &self,
        terms: &[Term],
        tasks: &[(usize, u32, f64)],
        (unforced, found): (usize, Vec<Candidates>),
        whole: f64,
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<(FxHashMap<usize, Vec<Island>>, f64), String> {
        let mut of_mask: FxHashMap<u32, Candidates> = tasks
            .iter()
            .filter(|(t, _, _)| *t == unforced)
            .map(|&(_, mask, _)| mask)
            .zip(found)
            .collect();
        // Whether blocks are connected depends on their links alone: where a term has the
        // same availabilities as the unforced one for those (links not forced up), it is known.
        let weigh = |&(t, mask, p): &(usize, u32, f64)| -> Result<(f64, Vec<Candidate>), String> {
            if t == unforced {
                return Ok((0.0, Vec::new()));
            }
            let (avail, policy) = (&terms[t].1, &terms[t].2);
            // (A set of failed groups the unforced term has no task for has no blocks.)
            let found = of_mask.get(&mask).map_or(&[][..], |(_, c, _)| c.as_slice());
            let differs = self.links_differ(avail, &terms[unforced].1);
            self.reweighed(avail, policy, mask, p.abs(), (found, &differs), None)
        };
        let weighed: Vec<Result<(f64, Vec<Candidate>), String>> = match pool {
            Some(pool) => pool.install(|| tasks.par_iter().map(weigh).collect()),
            None => tasks.iter().map(weigh).collect(),
        };
        let mut residual = 0.0;
        let mut heaviest: Vec<(f64, usize, Candidate)> = Vec::new();
        for (k, (&(t, mask, p), w)) in tasks.iter().zip(weighed).enumerate() {
            let (cover, candidates) = if t == unforced {
                let (_, c, cover) = of_mask.remove(&mask).expect("one task per mask");
                (cover, c)
            } else {
                w?
            };
            residual += p.abs() * cover;
            heaviest.extend(candidates.into_iter().map(|c| (p.abs() * c.covers, k, c)));
        }
        heaviest.sort_by(|a, b| {
            (b.0.total_cmp(&a.0))
                .then(a.1.cmp(&b.1))
                .then(a.2.block.cmp(&b.2.block))
        });
        let mut networks: FxHashMap<usize, Vec<Island>> = FxHashMap::default();
        for (q, k, c) in heaviest
            .into_iter()
            .take(MAX_ANCHORED_ISLANDS * terms.len())
        {
            if residual <= self.island_target {
                break;
            }
            residual -= q;
            networks.entry(k).or_default().push(Island {
                block: c.block,
                connected: c.connected,
            });
        }
        let bound = residual.max(0.0);
        if bound > whole || bound > self.give_up_above {
            return Ok((FxHashMap::default(), whole));
        }
        Ok((networks, bound))
    }

    /// Per link, whether its availability in `avail` differs from that in `other`.
    fn links_differ(&self, avail: &[f64], other: &[f64]) -> Vec<bool> {
        (self.link_c.iter())
            .map(|&c| avail[c].to_bits() != other[c].to_bits())
            .collect()
    }

    /// Step 1's terms of the sum: (sign x weight, availabilities with the longer-MTTR
    /// components forced up, restore policy), and which term has nothing forced.
    pub(super) fn terms(&self, avail: &[f64]) -> Result<(Vec<Term>, usize), String> {
        let m = self.engine.model();
        let mut thresholds: Vec<f64> = self.restorable.iter().map(|(_, t)| *t).collect();
        thresholds.sort_by(f64::total_cmp);
        thresholds.dedup();
        if thresholds.len() > MAX_THRESHOLDS {
            return Err(format!(
                "{} distinct restore times is above the {MAX_THRESHOLDS} the factored method splits on",
                thresholds.len()
            ));
        }
        let mttr: Vec<f64> = self
            .engine
            .components()
            .iter()
            .map(|c| m.mttr(*c).0)
            .collect();
        // Terms of the sum: (sign, availabilities, policy). E[f_policy x 1{W <= t}] is
        // P(every component with a longer MTTR is up) x E[f_policy] with those forced up.
        let below = |t: f64| -> (f64, Vec<f64>) {
            let mut forced = avail.to_vec();
            let mut weight = 1.0;
            for (i, a) in forced.iter_mut().enumerate() {
                if mttr[i] > t {
                    weight *= *a;
                    *a = 1.0;
                }
            }
            (weight, forced)
        };
        let mut terms: Vec<Term> = Vec::new();
        for j in 0..=thresholds.len() {
            // W in (t_j, t_{j+1}]: restore every store whose time is at most t_j.
            let policy: Vec<usize> = if j == 0 {
                Vec::new()
            } else {
                self.restorable
                    .iter()
                    .filter(|(_, t)| *t <= thresholds[j - 1])
                    .map(|(d, _)| *d)
                    .collect()
            };
            match thresholds.get(j) {
                Some(&t) => {
                    let (w, forced) = below(t);
                    terms.push((w, forced, policy.clone()));
                }
                None => terms.push((1.0, avail.to_vec(), policy.clone())),
            }
            if j > 0 {
                let (w, forced) = below(thresholds[j - 1]);
                terms.push((-w, forced, policy));
            }
        }
        // The one term with nothing forced: the network's part of the bound, and the islands
        // every term corrects for, are chosen there (see `candidates`).
        let unforced = terms.len() - if thresholds.is_empty() { 1 } else { 2 };
        debug_assert!(terms[unforced].0 == 1.0 && terms[unforced].1 == avail);
        Ok((terms, unforced))
    }

    /// P(¬N) alone, as [`Setup::expectation_parts`] computes it (for a component held down
    /// whose other figures are shared with another's run, see `importance.rs`).
    pub(super) fn split_probability(&self, avail: &[f64]) -> Result<f64, String> {
        let (terms, unforced) = self.terms(avail)?;
        let (avail0, policy0) = (&terms[unforced].1, &terms[unforced].2);
        let log_up: f64 = self
            .series
            .iter()
            .map(|&i| (-(1.0 - avail0[i])).ln_1p())
            .sum();
        let mut split = 0.0;
        for mask in 0u32..(1u32 << self.engine.model().shared.len()) {
            let g = self.groups_probability(avail0, mask);
            if g * log_up.exp() == 0.0 {
                continue;
            }
            let (s, _, _) = self.candidates(avail0, policy0, mask, g * log_up.exp(), None)?;
            split += g * s;
        }
        Ok(split)
    }
}

impl Setup<'_> {
    /// P(exactly the shared-fate groups in `mask` failed).
    fn groups_probability(&self, avail: &[f64], mask: u32) -> f64 {
        let mut p = 1.0;
        for (g, &c) in self.shared_c.iter().enumerate() {
            p *= if mask >> g & 1 == 1 {
                1.0 - avail[c]
            } else {
                avail[c]
            };
        }
        p
    }
}

/// The figures of [`Setup::expectation_parts`] and the parts of their bound.
/// (sign x weight, availabilities, restore policy): one term of step 1.
pub(super) type Term = (f64, Vec<f64>, Vec<usize>);

/// The anchored islands a run found on its term with nothing forced (before choosing among
/// them), per set of failed groups, and the availabilities they were weighed with: kept by a
/// [`Setup`] that [`keeps`](Setup::keep) them, for runs that weigh them again instead of
/// searching (see [`Setup::expectation_given`]).
pub(super) struct Found {
    pub(super) avail: Vec<f64>,
    pub(super) per_mask: FxHashMap<u32, Vec<Candidate>>,
}

pub(super) struct Expectation {
    pub(super) total: StateProbabilities,
    /// The whole error bound: the network's part and `pruned`.
    pub(super) bound: f64,
    /// The mass the routing searches did not explore (weighted by each term's coefficient).
    pub(super) pruned: f64,
    /// P(¬N): the probability that failed links and regions split the alive regions (an upper
    /// bound, exact to 1e-24 per state dropped), whatever the series components.
    pub(super) split: f64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GenerateArgs, LinkShape};

    /// The terms above and below the `orders` restore threshold (2h: regions and AZs, 8h and
    /// 4h, held up) cancel for every set of failed groups where the primary's region is alive
    /// (not where the shared-fate group holding it failed): their figures, computed, are
    /// equal, and the pair is left out. With a restore slower than every repair, nothing is
    /// held up: the terms with the same availabilities and opposite weights are the one with
    /// nothing forced and the one below it, which stays.
    #[test]
    fn terms_whose_restore_never_happens_cancel() {
        let args = GenerateArgs {
            regions: 6,
            azs: 2,
            links: LinkShape::Ring,
            ..GenerateArgs::default()
        };
        let checked = super::super::generated(&args);
        let engine = crate::evaluate::Engine::new(&checked.model);
        let setup = Setup::new(&engine).unwrap();
        let avail = super::super::availabilities(&engine);
        let tasks_of = |setup: &Setup| {
            let (terms, unforced) = setup.terms(&avail).unwrap();
            let groups = engine.model().shared.len();
            let tasks: Vec<(usize, u32, f64)> = (0..terms.len())
                .flat_map(|t| (0u32..1 << groups).map(move |mask| (t, mask, 1.0)))
                .collect();
            let kept = (setup.without_cancelling(&terms, tasks.clone(), unforced)).unwrap();
            (terms, tasks, kept)
        };
        let (terms, tasks, kept) = tasks_of(&setup);
        assert_eq!(terms.len(), 3, "one restore threshold");
        let dropped: Vec<&(usize, u32, f64)> = tasks.iter().filter(|t| !kept.contains(t)).collect();
        // Every group subset where r00 lives: generate's group holds r00 and another region.
        assert_eq!(dropped.len(), 2, "{dropped:?}");
        let figures = |&&(t, mask, _): &&(usize, u32, f64)| {
            setup
                .regions(&terms[t].1, &terms[t].2, mask, &[])
                .unwrap()
                .0
        };
        let (a, b) = (figures(&dropped[0]), figures(&dropped[1]));
        assert_eq!(
            dropped[0].1, dropped[1].1,
            "a pair shares its failed groups"
        );
        assert!(terms[dropped[0].0].0 == -terms[dropped[1].0].0);
        for (x, y) in [
            (a.unavailability, b.unavailability),
            (a.not_full_capacity, b.not_full_capacity),
            (a.expected_shortfall, b.expected_shortfall),
        ] {
            assert!((x - y).abs() <= 1e-15, "{x:e} against {y:e}");
        }
        // Restored in 12h: slower than every repair.
        let source = crate::load::Source {
            name: "g.yaml".into(),
            text: crate::generate::topology(&args)
                .unwrap()
                .replace("restore: 2h", "restore: 12h"),
        };
        let slow = crate::pipeline::check_source(source, "g").unwrap();
        let engine = crate::evaluate::Engine::new(&slow.model);
        let setup = Setup::new(&engine).unwrap();
        let (terms, tasks, kept) = tasks_of(&setup);
        assert_eq!(terms.len(), 3);
        assert_eq!(tasks.len(), kept.len());
    }
}
