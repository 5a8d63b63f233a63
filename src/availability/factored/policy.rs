//! Steps 1 and 2 (docs/availability.md): the sum split by restore policy (which interval
//! between restore thresholds W falls in), the series components factored out, every subset
//! of failed shared-fate groups conditioned on, and the islands of step 4 chosen once for
//! every term.

use rayon::prelude::*;

use super::islands::Candidates;
use crate::availability::StateProbabilities;
use rustc_hash::FxHashMap;

use super::{ISLAND_TARGET, MAX_ANCHORED_ISLANDS, MAX_ISLANDS, MAX_THRESHOLDS, Setup};

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
        self.expectation_given(avail, pool, None)
    }

    /// [`Setup::expectation_parts`]; with `split_bound`, P(¬N) is not computed but taken as
    /// that upper bound for every set of failed groups (so the whole is at most it too), and
    /// no islands are sought.
    pub(super) fn expectation_given(
        &self,
        avail: &[f64],
        pool: Option<&rayon::ThreadPool>,
        split_bound: Option<f64>,
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
        if whole > ISLAND_TARGET && pool_ok && self.islands && split_bound.is_none() {
            found = search(Some(&splits))?;
        }
        // What the islands are to cover of P(¬N) (with an anchor, where it is alive).
        let cover: f64 = planned.iter().zip(&found).map(|((_, p), f)| p * f.2).sum();
        let mut heaviest: Vec<(f64, u32, Vec<usize>)> = Vec::new();
        for ((mask, p), (_, islands, _)) in planned.iter().zip(found) {
            heaviest.extend(islands.into_iter().map(|(b, q)| (p * q, *mask, b)));
        }
        heaviest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut networks: FxHashMap<u32, Vec<Vec<usize>>> = FxHashMap::default();
        let mut residual = cover;
        let most = if self.anchor.is_some() {
            MAX_ANCHORED_ISLANDS
        } else {
            MAX_ISLANDS
        };
        for (q, mask, block) in heaviest.into_iter().take(most) {
            if residual <= ISLAND_TARGET {
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
        let mut bound = residual.max(0.0) + wrong;
        if bound > whole || bound > self.give_up_above {
            // The islands do not help, or not enough for the answer to be accepted: bound by
            // the whole of P(¬N) and save the corrections.
            bound = whole;
            networks.clear();
        }
        let none = Vec::new();
        let run = |&(t, mask, _): &(usize, u32, f64)| {
            let islands = networks.get(&mask).unwrap_or(&none);
            self.regions(&terms[t].1, &terms[t].2, mask, islands)
        };
        let results: Vec<Result<(StateProbabilities, f64), String>> = match pool {
            Some(pool) => pool.install(|| tasks.par_iter().map(run).collect()),
            None => tasks.iter().map(run).collect(),
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
