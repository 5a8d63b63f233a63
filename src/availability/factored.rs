//! Exact availability for topologies too large to enumerate (docs/availability.md has the
//! method, its proof sketch and its complexity).
//!
//! In short, for E[(down, not full, shortfall)] over all states:
//! 1. `W` (the largest MTTR among failed components) matters only through restore-or-wait
//!    (`manual_decision + restore < W`): the sum is split by which interval between those
//!    thresholds W falls in, each interval written as a difference of "every component with a
//!    longer MTTR is up" events (inclusion–exclusion), so each part has a fixed restore policy.
//! 2. `routing` and the externals the entry service needs are in series: factored out.
//!    Shared-fate groups are conditioned on (every subset).
//! 3. Given those, regions are independent. Each region's own components (itself, its AZs)
//!    collapse into a few *classes* (alive, instances per service, capacity, which datastore
//!    homes it can hold).
//! 4. Links: the figures are computed as if every link were up (the *static* network); the
//!    probability that failed links or regions actually split the alive regions of the network
//!    (event ¬N) is computed exactly by a frontier dynamic programme over the region graph and
//!    reported as the error bound, since the figures agree whenever N holds.
//! 5. With one connected network, a region serves iff it is alive, runs the entry service and
//!    a global condition OK holds (every needed datastore has a home, every needed service runs
//!    somewhere): OK is a threshold function of per-region features, so P(OK | some regions
//!    fixed) is a dynamic programme over regions. Routing picks each group's first serving
//!    region in its order, so a search over the regions routing actually looks at (each
//!    branch a class of the next region, pruned below 1e-20 with the pruned mass added to the
//!    bound) reaches every assignment of groups to regions, with its capacity and served
//!    fraction.

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{Exact, Method, StateProbabilities};
use crate::evaluate::Engine;
use crate::model::{Component, Dependency, Replication, RoutingKind};

/// The largest error bound accepted as exact (absolute, on every probability).
pub const TOLERANCE: f64 = 1e-12;
/// Routing-search branches lighter than this are not explored; their mass is in the bound.
const PRUNE: f64 = 1e-20;
/// Limits beyond which the method says the topology is out of reach.
const MAX_SHARED: usize = 10;
/// Routing-search nodes per subproblem, and network states per step, beyond which the method
/// gives up (very unreliable components make both grow).
const MAX_SEARCH_NODES: u64 = 1_000_000;
const MAX_SPLIT_STATES: usize = 1_000_000;
const MAX_ITEMS: usize = 24;
const MAX_KEYS: usize = 1 << 18;
const MAX_THRESHOLDS: usize = 6;
/// CPU seconds (estimated) the importance measures may take; above it they are not computed.
const IMPORTANCE_BUDGET_S: f64 = 4.0;
/// Network states lighter than this are counted as split (so the bound stays an upper bound).
const SPLIT_PRUNE: f64 = 1e-24;
/// Islands (step 4) are taken, heaviest first, until what they leave of P(¬N) is at most
/// this, or there are this many, of at most this many regions.
const ISLAND_TARGET: f64 = TOLERANCE / 2.0;
const MAX_ISLANDS: usize = 64;
/// Failure combinations of order 3 searched for islands when there are at most this many
/// (else order 2).
const MAX_CUT_COMBINATIONS: usize = 200_000;
/// Tiers other than the entry whose capacity is tracked per region class (MODEL.md §12).
const MAX_TRACKED: usize = 3;
/// Islands have at most this many links among their regions (their connectivity is summed
/// over every state of those links).
const MAX_INNER_LINKS: usize = 12;

/// One way a region can be (its class), with what it contributes.
#[derive(Clone, Debug, PartialEq)]
struct Class {
    probability: f64,
    alive: bool,
    /// Runs the entry service (placement or scale_to) in an alive AZ.
    entry: bool,
    steady: f64,
    scaled: f64,
    /// Per tracked tier (see [`Setup::tracked`]): its steady and scaled capacity here.
    tiers: [(f64, f64); MAX_TRACKED],
    /// Tiers of requirement items this region holds (see [`Items`]).
    bits: u64,
    /// Per quorum store: whether this region counts as an alive member.
    members: u32,
}

/// A datastore with a majority rule (consensus, sync active-active).
#[derive(Clone, Debug)]
struct Quorum {
    majority: u32,
    /// The requirement item set by restoring from backups instead.
    restore_item: Option<usize>,
}

/// Per-region features that do not depend on the policy.
struct Setup<'a> {
    engine: &'a Engine<'a>,
    /// Component index of each region, AZ, link, group.
    region_c: Vec<usize>,
    az_c: Vec<usize>,
    link_c: Vec<usize>,
    shared_c: Vec<usize>,
    /// Components in series: routing and the externals the entry needs.
    series: Vec<usize>,
    /// Needed datastores with backups: (datastore index, manual_decision + restore).
    restorable: Vec<(usize, f64)>,
    /// Per user group: the regions it may be routed to, in order.
    rankings: Vec<Vec<usize>>,
    /// Regions in the order the OK programme visits them (most relevant to routing first),
    /// and each region's position in it.
    order: Vec<usize>,
    position: Vec<usize>,
    /// Bounds above which the answer will be declined anyway (see `bounded`).
    give_up_above: f64,
    /// Services other than the entry that can be the tighter tier, each co-located with the
    /// entry (see [`tiers_to_track`]): their capacities are class features.
    tracked: Vec<usize>,
}

/// Exact probabilities by conditioning and per-region sums, or why the topology is out of reach.
pub fn compute(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    importance: bool,
) -> Result<Exact, String> {
    let exact = bounded(engine, pool, importance, TOLERANCE)?;
    let bound = exact.error_bound;
    if bound > TOLERANCE {
        return Err(format!(
            "the factored method bounds its error by {bound:.1e}, above {TOLERANCE:.0e} (links or regions whose failure splits the network, such as a ring or a hub, make it large)"
        ));
    }
    Ok(exact)
}

/// The figures and their error bound, however large the bound (for tests, and for the message
/// when it is too large).
pub fn compute_with_bound(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    importance: bool,
) -> Result<Exact, String> {
    bounded(engine, pool, importance, f64::INFINITY)
}

/// The figures and their error bound; the islands of step 4 are not computed when they
/// cannot bring the bound to `give_up_above`.
fn bounded(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    importance: bool,
    give_up_above: f64,
) -> Result<Exact, String> {
    let mut setup = Setup::new(engine)?;
    setup.give_up_above = give_up_above;
    let base: Vec<f64> = engine
        .components()
        .iter()
        .map(|c| engine.model().availability(*c).0)
        .collect();
    let started = std::time::Instant::now();
    let (total, bound) = setup.expectation(&base, pool)?;
    // Importance needs every component held down and held up: 2n more runs, done when that
    // fits the budget.
    let n = base.len();
    let estimate = started.elapsed().as_secs_f64() * 2.0 * n as f64;
    let conditional = if importance && estimate <= IMPORTANCE_BUDGET_S {
        let run = |(i, value): (usize, f64)| {
            let mut avail = base.clone();
            avail[i] = value;
            setup.expectation(&avail, None)
        };
        let jobs: Vec<(usize, f64)> = (0..n).flat_map(|i| [(i, 0.0), (i, 1.0)]).collect();
        let results: Vec<Result<(StateProbabilities, f64), String>> = match pool {
            Some(pool) => pool.install(|| jobs.par_iter().copied().map(run).collect()),
            None => jobs.iter().copied().map(run).collect(),
        };
        let mut out = Vec::with_capacity(n);
        let mut it = results.into_iter();
        while let (Some(down), Some(up)) = (it.next(), it.next()) {
            out.push(super::Conditional {
                given_down: down?.0,
                given_up: up?.0,
            });
        }
        Some(out)
    } else {
        None
    };
    Ok(Exact {
        total,
        conditional,
        method: Method::Factored,
        error_bound: bound,
    })
}

impl<'a> Setup<'a> {
    fn new(engine: &'a Engine<'a>) -> Result<Setup<'a>, String> {
        let m = engine.model();
        if m.routing.kind == RoutingKind::GlobalLb {
            return Err("global-lb pools capacity across regions, which the factored method does not sum yet".into());
        }
        if !m.control_planes.is_empty() {
            return Err("control planes (MODEL.md §10) freeze recovery in ways the factored method does not condition on yet".into());
        }
        if m.shared.len() > MAX_SHARED {
            return Err(format!(
                "{} shared-fate groups is above the {MAX_SHARED} the factored method conditions on",
                m.shared.len()
            ));
        }
        let graphs = engine.graphs();
        let tracked = tiers_to_track(m, graphs)?;
        if petgraph::algo::connected_components(&graphs.network) != 1 {
            return Err("the regions do not form one linked network".into());
        }
        let c = |x: Component| engine.component_index(x);
        let region_c = (0..m.regions.len())
            .map(|i| c(Component::Region(i.into())))
            .collect();
        let az_c = (0..m.azs.len())
            .map(|i| c(Component::Az(i.into())))
            .collect();
        let link_c = (0..m.links.len())
            .map(|i| c(Component::Link(i.into())))
            .collect();
        let shared_c = (0..m.shared.len())
            .map(|i| c(Component::Shared(i.into())))
            .collect();
        let mut series = vec![c(Component::Routing)];
        let mut needs = vec![m.entry];
        needs.extend(graphs.entry_services.iter().copied());
        for s in &needs {
            for d in &m.services[s.idx()].depends_on {
                if let Dependency::External(e) = d {
                    let i = c(Component::External(*e));
                    if !series.contains(&i) {
                        series.push(i);
                    }
                }
            }
        }
        let restorable = graphs
            .entry_datastores
            .iter()
            .filter_map(|d| {
                let ds = &m.datastores[d.idx()];
                ds.backups
                    .as_ref()
                    .map(|b| (d.idx(), ds.manual_decision.0 + b.restore.0))
            })
            .collect();
        let rankings: Vec<Vec<usize>> = match m.routing.kind {
            RoutingKind::FailoverDns => {
                let order: Vec<usize> = std::iter::once(m.routing.primary)
                    .chain(m.routing.failover_order.iter().copied())
                    .map(|r| r.idx())
                    .collect();
                vec![order; m.users.len()]
            }
            _ => (0..m.users.len())
                .map(|u| {
                    engine
                        .nearest_regions(u.into())
                        .iter()
                        .map(|r| r.idx())
                        .collect()
                })
                .collect(),
        };
        let n = m.regions.len();
        let mut rank = vec![usize::MAX; n];
        for ranking in &rankings {
            for (k, &r) in ranking.iter().enumerate() {
                rank[r] = rank[r].min(k);
            }
        }
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by_key(|&r| (rank[r], r));
        let mut position = vec![0; n];
        for (p, &r) in order.iter().enumerate() {
            position[r] = p;
        }
        Ok(Setup {
            engine,
            region_c,
            az_c,
            link_c,
            shared_c,
            series,
            restorable,
            rankings,
            order,
            position,
            give_up_above: f64::INFINITY,
            tracked,
        })
    }

    /// E[(down, not full, shortfall)] with component availabilities `avail`, and the error
    /// bound. Step 1 of the module documentation: split by restore policy.
    fn expectation(
        &self,
        avail: &[f64],
        pool: Option<&rayon::ThreadPool>,
    ) -> Result<(StateProbabilities, f64), String> {
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
        let mut terms: Vec<(f64, Vec<f64>, Vec<usize>)> = Vec::new();
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
                let mut p = weight * log_up.exp();
                for g in 0..groups {
                    let a = forced[self.shared_c[g]];
                    p *= if mask >> g & 1 == 1 { 1.0 - a } else { a };
                }
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
        let mut found = search(None)?;
        let splits: Vec<f64> = found.iter().map(|(split, _)| *split).collect();
        let whole: f64 = planned.iter().zip(&splits).map(|((_, p), s)| p * s).sum();
        if whole > ISLAND_TARGET {
            found = search(Some(&splits))?;
        }
        let mut heaviest: Vec<(f64, u32, Vec<usize>)> = Vec::new();
        for ((mask, p), (_, islands)) in planned.iter().zip(found) {
            heaviest.extend(islands.into_iter().map(|(b, q)| (p * q, *mask, b)));
        }
        heaviest.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
        let mut networks: FxHashMap<u32, Vec<Vec<usize>>> = FxHashMap::default();
        let mut residual = whole;
        for (q, mask, block) in heaviest.into_iter().take(MAX_ISLANDS) {
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
        for ((_, _, p), result) in tasks.iter().zip(results) {
            let (e, pruned) = result?;
            total.add(&e, *p);
            bound += pruned * p.abs();
        }
        Ok((total, bound))
    }

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
    fn candidates(
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
    fn leftover(
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
    fn cut_off(&self, avail: &[f64], life: &Life, block: &[usize]) -> Cut {
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

    /// Steps 3-5 for one restore policy and one set of failed shared-fate groups: the figures
    /// on the static network, corrected on each island, and the mass the searches pruned.
    fn regions(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
        islands: &[Vec<usize>],
    ) -> Result<(StateProbabilities, f64), String> {
        let (items, classes) = self.prepare(avail, policy, failed_groups)?;
        let (mut total, mut pruned) = self.connected(&items, &classes)?;
        if !islands.is_empty() {
            let life = Life::of(&classes);
            for block in islands {
                let (correction, p) = self.island(avail, &items, &classes, &life, block)?;
                total.add(&correction, 1.0);
                pruned += p;
            }
        }
        Ok((total, pruned))
    }

    /// Step 5 on the static network: the figures as if every alive region were connected to
    /// every other, and the pruned mass.
    fn connected(
        &self,
        items: &Items,
        classes: &[Vec<Class>],
    ) -> Result<(StateProbabilities, f64), String> {
        let ok = OkProgramme::new(self, items, classes, None)?;
        let mut search = Search::new(self, classes, &ok, None, 1);
        search.explore(1.0);
        search.finished()?;
        let mut total = search.total;
        total.add(
            &StateProbabilities::of(crate::evaluate::Outcome::Down, 0.0),
            ok.not_ok(),
        );
        Ok((total, search.pruned))
    }

    /// E[(f_B − f) 1{E_B}]: on the event that `block` is cut off (see `candidates`), the
    /// figures with the block and the rest as two parts of the network (f_B) minus the figures
    /// on the static network (f); and the pruned mass.
    fn island(
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

    /// The requirements under `policy` and each region's classes with these groups failed.
    fn prepare(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
    ) -> Result<(Items<'_>, Vec<Vec<Class>>), String> {
        let items = Items::new(self, policy)?;
        let classes = self.classes(avail, &items, failed_groups);
        Ok((items, classes))
    }

    /// Step 3: each region's classes.
    fn classes(&self, avail: &[f64], items: &Items, failed_groups: u32) -> Vec<Vec<Class>> {
        let m = self.engine.model();
        let entry = &m.services[m.entry.idx()];
        let mut region_killed = vec![false; m.regions.len()];
        let mut az_killed = vec![false; m.azs.len()];
        for (g, group) in m.shared.iter().enumerate() {
            if failed_groups >> g & 1 == 1 {
                for r in &group.regions {
                    region_killed[r.idx()] = true;
                }
                for a in &group.azs {
                    az_killed[a.idx()] = true;
                }
            }
        }
        let dead = |p: f64| Class {
            probability: p,
            alive: false,
            entry: false,
            steady: 0.0,
            scaled: 0.0,
            tiers: [(0.0, 0.0); MAX_TRACKED],
            bits: 0,
            members: 0,
        };
        (0..m.regions.len())
            .map(|r| {
                if region_killed[r] {
                    return vec![dead(1.0)];
                }
                // A programme over the region's AZs: what the alive ones add up to (entry
                // instances steady and scaled, whether any runs the entry, tiers held).
                let a_region = avail[self.region_c[r]];
                // The tracked tiers' instances, steady and scaled, in pairs.
                type Key = (bool, u64, u64, bool, u64, [u64; 2 * MAX_TRACKED]);
                let mut dist: FxHashMap<Key, f64> = FxHashMap::default();
                dist.insert((false, 0, 0, false, 0, [0; 2 * MAX_TRACKED]), a_region);
                for a in &m.regions[r].azs {
                    let a = a.idx();
                    if az_killed[a] {
                        continue;
                    }
                    let av = avail[self.az_c[a]];
                    let bits = items.az_bits(r, a);
                    let mut next: FxHashMap<Key, f64> = FxHashMap::default();
                    for ((any, steady, scaled, runs, b, tiers), p) in dist {
                        if av < 1.0 {
                            *next
                                .entry((any, steady, scaled, runs, b, tiers))
                                .or_default() += p * (1.0 - av);
                        }
                        if av > 0.0 {
                            let mut tiers = tiers;
                            for (k, &s) in self.tracked.iter().enumerate() {
                                let svc = &m.services[s];
                                tiers[2 * k] += u64::from(svc.instances[a]);
                                tiers[2 * k + 1] += u64::from(svc.scaled_instances[a]);
                            }
                            let key = (
                                true,
                                steady + u64::from(entry.instances[a]),
                                scaled + u64::from(entry.scaled_instances[a]),
                                runs || entry.scaled_instances[a] > 0,
                                b | bits,
                                tiers,
                            );
                            *next.entry(key).or_default() += p * av;
                        }
                    }
                    dist = next;
                }
                let mut outcomes: Vec<(Key, f64)> = dist.into_iter().collect();
                outcomes.sort_by_key(|(k, _)| *k);
                let mut out = vec![dead(1.0 - a_region)];
                let region_bits = items.region_bits(r);
                for ((any, steady, scaled, runs, bits, counts), p) in outcomes {
                    if !any {
                        out[0].probability += p;
                        continue;
                    }
                    out.push(Class {
                        probability: p,
                        alive: true,
                        entry: runs,
                        steady: steady as f64 * entry.capacity_per_instance,
                        scaled: scaled as f64 * entry.capacity_per_instance,
                        tiers: std::array::from_fn(|k| match self.tracked.get(k) {
                            Some(&s) => {
                                let per = m.services[s].capacity_per_instance;
                                (counts[2 * k] as f64 * per, counts[2 * k + 1] as f64 * per)
                            }
                            None => (0.0, 0.0),
                        }),
                        bits: bits | region_bits,
                        members: items.members(r),
                    });
                }
                out.retain(|c| c.probability > 0.0);
                let most = m.peak_rps * m.users.iter().map(|u| u.share).sum::<f64>().max(1.0);
                merge_sufficient(out, most + 1e-9 * m.peak_rps, self.tracked.len())
            })
            .collect()
    }
}

/// MODEL.md §12: the tiers other than the entry whose capacity the method must track. It sums
/// per-region classes, so every tier must be called in the region that serves (σ_s(r) = r).
/// Every other service of the closure must be required (no partial dependencies) and
/// - *never short*: every AZ holding it (placement or `scale_to`) alone carries the whole
///   demand (its offered load anywhere is at most `peak_rps`, and a region short on its steady
///   instances scales to at least that AZ's scaled capacity): not tracked; or
/// - *dominated*: in every AZ where the entry runs (placement or `scale_to`) it has instances
///   of at least the entry's scaled capacity there; it is then usable wherever the entry is
///   (its required items are required by the entry too, so usable from any region where the
///   entry is), its offered load equals the entry's and its capacity is never below the
///   entry's, so its pass ratio never binds and it falls short only when the entry does: not
///   tracked; or
/// - *co-located*: it has an instance (placement or `scale_to`) in every AZ where the entry
///   has one, so again σ_s(r) = r and its offered load in r is r's load, but its capacity may
///   bind: tracked, its steady and scaled capacity a feature of each region class.
///
/// Otherwise (a tier called in another region), or above [`MAX_TRACKED`] tracked tiers, the
/// topology is declined (enumeration reaches it up to 22 components).
fn tiers_to_track(
    m: &crate::model::Model,
    graphs: &crate::graph::Graphs,
) -> Result<Vec<usize>, String> {
    if graphs.has_partial {
        return Err(
            "partial dependencies (MODEL.md §12.4) are not summed by the factored method yet"
                .into(),
        );
    }
    let entry = &m.services[m.entry.idx()];
    let mut tracked = Vec::new();
    for s in &graphs.entry_services {
        let svc = &m.services[s.idx()];
        let never_short = (0..m.azs.len()).all(|a| {
            svc.scaled_instances[a] == 0
                || f64::from(svc.scaled_instances[a]) * svc.capacity_per_instance >= m.peak_rps
        });
        let dominated = (0..m.azs.len()).all(|a| {
            entry.scaled_instances[a] == 0
                || f64::from(svc.instances[a]) * svc.capacity_per_instance
                    >= f64::from(entry.scaled_instances[a]) * entry.capacity_per_instance
        });
        if never_short || dominated {
            continue;
        }
        let co_located =
            (0..m.azs.len()).all(|a| entry.scaled_instances[a] == 0 || svc.scaled_instances[a] > 0);
        if !co_located {
            return Err(format!(
                "service `{}` can limit capacity and is not placed in every AZ where the entry service runs, so some regions call it in another region (MODEL.md §12.2), which the factored method does not sum",
                svc.id
            ));
        }
        tracked.push(s.idx());
    }
    if tracked.len() > MAX_TRACKED {
        return Err(format!(
            "{} tiers besides the entry can limit capacity, above the {MAX_TRACKED} the factored method tracks",
            tracked.len()
        ));
    }
    Ok(tracked)
}

/// P(¬N) for one set of failed groups, and the candidate islands with their probabilities.
type Candidates = (f64, Vec<(Vec<usize>, f64)>);

/// Event E_B (see `Setup::cut_off`).
struct Cut {
    probability: f64,
    tilt: Vec<f64>,
    rest_alive: Vec<f64>,
}

/// Each region's probabilities of being alive and dead (summed separately, so that neither
/// is 1 minus the other).
struct Life {
    alive: Vec<f64>,
    dead: Vec<f64>,
}

impl Life {
    fn of(classes: &[Vec<Class>]) -> Life {
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
fn connected_probability(block: &[usize], inner: &[(usize, usize, f64)]) -> f64 {
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
fn combinations(k: usize, order: usize, combo: &mut Vec<usize>, visit: &mut impl FnMut(&[usize])) {
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
enum Failure {
    Region(usize),
    Link(usize),
}

/// The connected parts of the alive regions through the links not down, largest first (ties:
/// the one with the lowest region first), each sorted.
fn parts(m: &crate::model::Model, alive: &[bool], down: &[bool]) -> Vec<Vec<usize>> {
    let n = alive.len();
    let mut label: Vec<usize> = (0..n).collect();
    fn root(label: &mut [usize], mut x: usize) -> usize {
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
fn exactly(alive: &[f64], block: &[usize]) -> f64 {
    alive
        .iter()
        .enumerate()
        .map(|(r, &a)| if block.contains(&r) { a } else { 1.0 - a })
        .product()
}

/// Merges the alive classes whose steady capacity alone covers `most` (the whole demand, with
/// the degradation tolerance) and that differ in nothing else: no load can exceed them or make
/// them scale, so their capacities have the same effect. Regions with many AZs otherwise have
/// a class per number of alive AZs, and the routing search would branch on each.
fn merge_sufficient(classes: Vec<Class>, most: f64, tracked: usize) -> Vec<Class> {
    let sufficient =
        |c: &Class| c.alive && c.steady >= most && c.tiers[..tracked].iter().all(|t| t.0 >= most);
    let mut out: Vec<Class> = Vec::with_capacity(classes.len());
    for c in classes {
        if sufficient(&c)
            && let Some(same) = out.iter_mut().find(|o| {
                sufficient(o) && o.entry == c.entry && o.bits == c.bits && o.members == c.members
            })
        {
            same.probability += c.probability;
            continue;
        }
        out.push(c);
    }
    out
}

/// The requirements of OK (step 5): one item per needed datastore without a majority rule and
/// per needed service other than the entry, and per quorum store a member count (with an item
/// for its restore). Each item has tiers (MODEL.md §3.2): its homes are the alive satisfiers of
/// the first tier that has one (an active-passive store's primary, then each replica in order,
/// then its backups region when this policy restores it).
struct Items<'a> {
    setup: &'a Setup<'a>,
    /// Per item, its tiers in order, each the regions (with an AZ condition) that satisfy it.
    tiers: Vec<Vec<Vec<Satisfier>>>,
    /// Per item, the bit of its first tier in `Class::bits` (tier t is bit `offset + t`).
    offset: Vec<u32>,
    quorums: Vec<Quorum>,
    /// Per quorum: its member regions.
    quorum_members: Vec<Vec<usize>>,
    /// Items that must all be met (the quorum restore items are alternatives, not required).
    required: u32,
}

#[derive(Clone, Debug)]
enum Satisfier {
    /// Region alive.
    Region(usize),
    /// Region alive with this AZ alive, or (when `standby`) with any AZ alive.
    Primary {
        region: usize,
        az: usize,
        standby: bool,
    },
    /// This AZ alive.
    Az(usize),
    /// The service has an instance in an alive AZ of any region.
    Service(usize),
}

impl<'a> Items<'a> {
    fn new(setup: &'a Setup<'a>, policy: &[usize]) -> Result<Items<'a>, String> {
        let m = setup.engine.model();
        let graphs = setup.engine.graphs();
        let mut tiers: Vec<Vec<Vec<Satisfier>>> = Vec::new();
        let mut quorums = Vec::new();
        let mut quorum_members = Vec::new();
        let mut required = 0u32;
        for d in &graphs.entry_datastores {
            let ds = &m.datastores[d.idx()];
            let restore = policy
                .contains(&d.idx())
                .then(|| {
                    ds.backups
                        .as_ref()
                        .map(|b| Satisfier::Region(b.region.idx()))
                })
                .flatten();
            let mut item: Vec<Vec<Satisfier>> = Vec::new();
            match &ds.replication {
                Replication::SingleAz { az } => item.push(vec![Satisfier::Az(az.idx())]),
                Replication::MultiAz {
                    primary,
                    primary_az,
                    standby,
                } => item.push(vec![Satisfier::Primary {
                    region: primary.idx(),
                    az: primary_az.idx(),
                    standby: *standby,
                }]),
                Replication::ActivePassive {
                    primary,
                    primary_az,
                    standby,
                    replicas,
                } => {
                    item.push(vec![Satisfier::Primary {
                        region: primary.idx(),
                        az: primary_az.idx(),
                        standby: *standby,
                    }]);
                    item.extend(replicas.iter().map(|r| vec![Satisfier::Region(r.idx())]));
                }
                Replication::ActiveActive { regions } if !ds.sync => {
                    item.push(regions.iter().map(|r| Satisfier::Region(r.idx())).collect());
                }
                Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
                    let restore_item = restore.map(|s| {
                        tiers.push(vec![vec![s]]);
                        tiers.len() - 1
                    });
                    quorums.push(Quorum {
                        majority: (regions.len() / 2 + 1) as u32,
                        restore_item,
                    });
                    quorum_members.push(regions.iter().map(|r| r.idx()).collect());
                    continue;
                }
            }
            item.extend(restore.map(|s| vec![s]));
            required |= 1 << tiers.len().min(31);
            tiers.push(item);
        }
        for s in &graphs.entry_services {
            required |= 1 << tiers.len().min(31);
            tiers.push(vec![vec![Satisfier::Service(s.idx())]]);
        }
        let mut offset = Vec::with_capacity(tiers.len());
        let mut bits = 0u32;
        for item in &tiers {
            offset.push(bits);
            bits += item.len() as u32;
        }
        if tiers.len() > MAX_ITEMS || quorums.len() > 4 || bits > 64 {
            return Err(format!(
                "{} datastore and service requirements is above what the factored method tracks",
                tiers.len() + quorums.len()
            ));
        }
        Ok(Items {
            setup,
            tiers,
            offset,
            quorums,
            quorum_members,
            required,
        })
    }

    /// The tiers region `r` holds whenever it is alive.
    fn region_bits(&self, r: usize) -> u64 {
        self.hits(|s| match *s {
            Satisfier::Region(x) => x == r,
            Satisfier::Primary {
                region, standby, ..
            } => region == r && standby,
            Satisfier::Az(_) | Satisfier::Service(_) => false,
        })
    }

    /// The tiers AZ `a` of region `r` holds when it is alive.
    fn az_bits(&self, r: usize, a: usize) -> u64 {
        let m = self.setup.engine.model();
        self.hits(|s| match *s {
            Satisfier::Region(_) => false,
            Satisfier::Primary { region, az, .. } => region == r && az == a,
            Satisfier::Az(az) => az == a,
            Satisfier::Service(s) => m.services[s].scaled_instances[a] > 0,
        })
    }

    fn hits(&self, hit: impl Fn(&Satisfier) -> bool) -> u64 {
        let mut bits = 0;
        for (i, item) in self.tiers.iter().enumerate() {
            for (t, sats) in item.iter().enumerate() {
                if sats.iter().any(&hit) {
                    bits |= 1 << (self.offset[i] as usize + t);
                }
            }
        }
        bits
    }

    /// The tiers of item `i` among `bits` (bit t: tier t).
    fn tiers_of(&self, bits: u64, i: usize) -> u64 {
        let n = self.tiers[i].len() as u32;
        if n == 0 {
            return 0;
        }
        (bits >> self.offset[i]) & (u64::MAX >> (64 - n))
    }

    /// Per quorum store, whether alive region `r` is a member.
    fn members(&self, r: usize) -> u32 {
        let mut out = 0;
        for (q, members) in self.quorum_members.iter().enumerate() {
            if members.contains(&r) {
                out |= 1 << q;
            }
        }
        out
    }
}

/// How the OK programme's key holds one item: per part of the network, either one bit "holds
/// some tier" (when the other part holds none, or there is no island) or one bit per tier that
/// part can hold (to tell which part holds the better one).
#[derive(Clone, Default)]
struct ItemBits {
    /// Per part (the rest, the island): (tier, key bit); tier `None` is "any tier".
    parts: [Vec<(Option<u32>, u32)>; 2],
}

/// What a region in a class changes in the OK programme's state.
#[derive(Clone, Copy)]
struct Effect {
    alive: bool,
    bits: u64,
    members: u32,
    /// In the island (else in the rest).
    island: bool,
}

/// The OK programme's key: per item its bits, per quorum and part its count digit, the radix
/// and the number of keys.
struct Layout {
    layout: Vec<ItemBits>,
    count_digit: Vec<[Option<usize>; 2]>,
    radix: Vec<usize>,
    keys: usize,
}

impl Layout {
    /// The key for these classes, with the regions marked in `island` cut off (see
    /// [`OkProgramme`]), or why it is too large.
    fn new(
        items: &Items,
        classes: &[Vec<Class>],
        island: Option<&[bool]>,
    ) -> Result<Layout, String> {
        let part = |r: usize| usize::from(island.is_some_and(|b| b[r]));
        let n_items = items.tiers.len();
        // The tiers each part can hold, per item.
        let mut held = vec![[0u64; 2]; n_items];
        for (r, cs) in classes.iter().enumerate() {
            for c in cs.iter().filter(|c| c.alive) {
                for (i, h) in held.iter_mut().enumerate() {
                    h[part(r)] |= items.tiers_of(c.bits, i);
                }
            }
        }
        let mut next_bit = 0u32;
        let layout: Vec<ItemBits> = held
            .iter()
            .map(|h| {
                let mut bits = ItemBits::default();
                let both = island.is_some() && h[0] != 0 && h[1] != 0;
                for (p, &tiers) in h.iter().enumerate() {
                    if tiers == 0 {
                        continue;
                    }
                    if both {
                        for t in 0..64 {
                            if tiers >> t & 1 == 1 {
                                bits.parts[p].push((Some(t), next_bit));
                                next_bit += 1;
                            }
                        }
                    } else {
                        bits.parts[p].push((None, next_bit));
                        next_bit += 1;
                    }
                }
                bits
            })
            .collect();
        if next_bit > 40 {
            return Err(format!(
                "the datastore requirements need {next_bit} bits of state, above what the factored method tracks"
            ));
        }
        let mut radix = vec![1usize << next_bit];
        let mut count_digit = Vec::with_capacity(items.quorums.len());
        for (q, quorum) in items.quorums.iter().enumerate() {
            let mut digits = [None; 2];
            for (p, digit) in digits.iter_mut().enumerate() {
                let members = items.quorum_members[q]
                    .iter()
                    .filter(|&&r| part(r) == p)
                    .count();
                if members >= quorum.majority as usize {
                    *digit = Some(radix.len());
                    radix.push(quorum.majority as usize + 1);
                }
            }
            count_digit.push(digits);
        }
        let keys = radix
            .iter()
            .try_fold(1usize, |k, &r| k.checked_mul(r))
            .filter(|&k| k <= MAX_KEYS)
            .ok_or_else(|| {
                format!(
                    "the datastore requirements have more combined states than the {MAX_KEYS} the factored method tracks"
                )
            })?;
        Ok(Layout {
            layout,
            count_digit,
            radix,
            keys,
        })
    }
}

/// P(the outcome of OK | some regions' classes fixed), by a programme over regions in
/// `Setup::order`. The outcome has bit 0 "the rest of the network is OK" and, with an island
/// (a set of regions cut off from the rest, step 4), bit 1 "the island is OK"; without one the
/// rest is everything. The state is, per item, which tiers each part holds (see [`ItemBits`]),
/// and each quorum's member count in each part that can reach a majority (capped at it).
/// `value[p][key * slots + j]` is P(outcome j, or OK when there is one slot | state `key`
/// after the first p regions).
struct OkProgramme<'a> {
    items: &'a Items<'a>,
    classes: &'a [Vec<Class>],
    order: &'a [usize],
    /// 1 on the static network (the probability of OK), 4 with an island (every outcome).
    slots: usize,
    layout: Vec<ItemBits>,
    /// Per quorum and part, the digit of its member count in the key (after the bits).
    count_digit: Vec<[Option<usize>; 2]>,
    effects: Vec<Vec<Effect>>,
    /// Mixed radix of the key: the bits, then each count (0..=majority).
    radix: Vec<usize>,
    value: Vec<Vec<f64>>,
}

impl<'a> OkProgramme<'a> {
    /// The programme on the static network (`island` None), or with the regions marked in
    /// `island` cut off from the others.
    fn new(
        setup: &'a Setup<'a>,
        items: &'a Items<'a>,
        classes: &'a [Vec<Class>],
        island: Option<&[bool]>,
    ) -> Result<OkProgramme<'a>, String> {
        let part = |r: usize| usize::from(island.is_some_and(|b| b[r]));
        let Layout {
            layout,
            count_digit,
            radix,
            keys,
        } = Layout::new(items, classes, island)?;
        let effects: Vec<Vec<Effect>> = classes
            .iter()
            .enumerate()
            .map(|(r, cs)| {
                let p = part(r);
                cs.iter()
                    .map(|c| {
                        let mut bits = 0u64;
                        if c.alive {
                            for (i, item) in layout.iter().enumerate() {
                                let tiers = items.tiers_of(c.bits, i);
                                for &(t, bit) in &item.parts[p] {
                                    let hit = match t {
                                        None => tiers != 0,
                                        Some(t) => tiers >> t & 1 == 1,
                                    };
                                    if hit {
                                        bits |= 1 << bit;
                                    }
                                }
                            }
                        }
                        Effect {
                            alive: c.alive,
                            bits,
                            members: if c.alive { c.members } else { 0 },
                            island: p == 1,
                        }
                    })
                    .collect()
            })
            .collect();
        let slots = if island.is_some() { 4 } else { 1 };
        let mut programme = OkProgramme {
            items,
            classes,
            order: &setup.order,
            slots,
            layout,
            count_digit,
            effects,
            radix,
            value: Vec::new(),
        };
        let n = setup.order.len();
        let mut value = vec![vec![0.0; keys * slots]; n + 1];
        for key in 0..keys {
            let o = programme.outcome(key) as usize;
            if slots == 1 {
                value[n][key] = if o == 1 { 1.0 } else { 0.0 };
            } else {
                value[n][key * slots + o] = 1.0;
            }
        }
        for p in (0..n).rev() {
            let r = setup.order[p];
            let (head, tail) = value.split_at_mut(p + 1);
            let next = &tail[0];
            for key in 0..keys {
                let out = &mut head[p][key * slots..(key + 1) * slots];
                for (c, e) in classes[r].iter().zip(&programme.effects[r]) {
                    let to = programme.apply(key, e) * slots;
                    for (o, v) in out.iter_mut().zip(&next[to..to + slots]) {
                        *o += c.probability * v;
                    }
                }
            }
        }
        programme.value = value;
        Ok(programme)
    }

    /// The state after a region with this effect.
    fn apply(&self, key: usize, effect: &Effect) -> usize {
        if !effect.alive {
            return key;
        }
        let r0 = self.radix[0];
        let mut out = (key % r0) | effect.bits as usize;
        if effect.members != 0 {
            let part = usize::from(effect.island);
            let mut scale = r0;
            let mut rest = key / r0;
            let mut counts = 0;
            for (d, &r) in self.radix.iter().enumerate().skip(1) {
                let mut c = rest % r;
                rest /= r;
                if let Some(q) = self.count_digit.iter().position(|x| x[part] == Some(d))
                    && effect.members >> q & 1 == 1
                {
                    c = (c + 1).min(r - 1);
                }
                counts += c * scale;
                scale *= r;
            }
            out += counts;
        } else {
            out += key - key % r0;
        }
        out
    }

    /// The outcome of a final state: bit 0 the rest is OK, bit 1 the island is OK.
    fn outcome(&self, key: usize) -> u32 {
        let r0 = self.radix[0];
        let bits = key % r0;
        // Per item, which parts hold its homes: the best tier held anywhere.
        let homes = |i: usize| -> [bool; 2] {
            let best = |p: usize| -> Option<u32> {
                self.layout[i].parts[p]
                    .iter()
                    .filter(|(_, bit)| bits >> bit & 1 == 1)
                    .map(|(t, _)| t.unwrap_or(0))
                    .min()
            };
            let (a, b) = (best(0), best(1));
            match (a, b) {
                (Some(a), Some(b)) => [a <= b, b <= a],
                _ => [a.is_some(), b.is_some()],
            }
        };
        let mut ok = [true, self.slots > 1];
        for i in 0..self.layout.len() {
            if self.items.required >> i & 1 == 1 {
                let h = homes(i);
                ok[0] &= h[0];
                ok[1] &= h[1];
            }
        }
        let mut digits = vec![0; self.radix.len()];
        let mut rest = key / r0;
        for (d, &r) in self.radix.iter().enumerate().skip(1) {
            digits[d] = rest % r;
            rest /= r;
        }
        for (q, quorum) in self.items.quorums.iter().enumerate() {
            let majority = |p: usize| {
                self.count_digit[q][p].is_some_and(|d| digits[d] >= quorum.majority as usize)
            };
            let (mine, theirs) = (majority(0), majority(1));
            let restore = quorum.restore_item.map_or([false; 2], homes);
            ok[0] &= mine || (!theirs && restore[0]);
            ok[1] &= theirs || (!mine && restore[1]);
        }
        u32::from(ok[0]) | u32::from(ok[1]) << 1
    }

    /// P(not OK) on the static network with every region free, summed directly over those
    /// states.
    fn not_ok(&self) -> f64 {
        let mut dist: FxHashMap<usize, f64> = FxHashMap::default();
        dist.insert(0, 1.0);
        for &r in self.order {
            let mut next: FxHashMap<usize, f64> = FxHashMap::default();
            for (&key, &p) in &dist {
                for (c, e) in self.classes[r].iter().zip(&self.effects[r]) {
                    *next.entry(self.apply(key, e)).or_default() += p * c.probability;
                }
            }
            dist = next;
        }
        let mut failing: Vec<(usize, f64)> = dist
            .into_iter()
            .filter(|(k, _)| self.outcome(*k) != 1)
            .collect();
        failing.sort_by_key(|(k, _)| *k);
        failing.iter().map(|(_, p)| p).sum()
    }

    /// P(the outcome of slot `slot` | the regions with `visited[r] != NONE` are in that
    /// class). `scratch` holds buffers reused between calls.
    fn given(
        &self,
        visited: &[u16],
        position: &[usize],
        slot: usize,
        scratch: &mut Buffers,
    ) -> f64 {
        let last = visited
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != NONE)
            .map(|(r, _)| position[r] + 1)
            .max()
            .unwrap_or(0);
        let (dist, next, dense) = scratch;
        dense.resize(self.value[0].len() / self.slots, 0.0);
        dist.clear();
        dist.push((0, 1.0));
        for &r in &self.order[..last] {
            next.clear();
            let fixed = visited[r];
            let mut add = |key: usize, p: f64| {
                if p > 0.0 {
                    if dense[key] == 0.0 {
                        next.push((key, 0.0));
                    }
                    dense[key] += p;
                }
            };
            for &(key, p) in dist.iter() {
                if fixed != NONE {
                    add(self.apply(key, &self.effects[r][fixed as usize]), p);
                } else {
                    for (c, e) in self.classes[r].iter().zip(&self.effects[r]) {
                        add(self.apply(key, e), p * c.probability);
                    }
                }
            }
            for (k, p) in next.iter_mut() {
                *p = std::mem::take(&mut dense[*k]);
            }
            std::mem::swap(dist, next);
        }
        dist.iter()
            .map(|&(k, p)| p * self.value[last][k * self.slots + slot])
            .sum()
    }
}

const NONE: u16 = u16::MAX;

/// Two sparse distributions over programme states and a dense accumulator, reused between
/// calls.
type Buffers = (Vec<(usize, f64)>, Vec<(usize, f64)>, Vec<f64>);

/// Step 5's search over the regions routing looks at, for one outcome of OK (`target`: bit 0
/// the rest of the network is OK, bit 1 the island is).
struct Search<'a> {
    setup: &'a Setup<'a>,
    classes: &'a [Vec<Class>],
    ok: &'a OkProgramme<'a>,
    target: u32,
    /// Per region, whether it is in the island.
    block: Option<&'a [bool]>,
    visited: Vec<u16>,
    total: StateProbabilities,
    pruned: f64,
    scratch: Buffers,
    /// Nodes explored, to stop at [`MAX_SEARCH_NODES`].
    nodes: u64,
}

enum Next {
    /// Every group has a serving region (in OK's world).
    Assigned(Vec<usize>),
    /// Some group has no serving region left.
    Down,
    /// This region decides the next assignment.
    Branch(usize),
}

impl<'a> Search<'a> {
    fn new(
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
            scratch: (Vec::new(), Vec::new(), Vec::new()),
            nodes: 0,
        }
    }

    /// The programme's slot for this search's outcome.
    fn slot(&self) -> usize {
        if self.ok.slots == 1 {
            0
        } else {
            self.target as usize
        }
    }

    /// An error when the search gave up.
    fn finished(&self) -> Result<(), String> {
        if self.nodes > MAX_SEARCH_NODES {
            return Err(format!(
                "routing depends on more than {MAX_SEARCH_NODES} combinations of region states above {PRUNE:e}"
            ));
        }
        Ok(())
    }

    fn next(&self) -> Next {
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
                        if class.entry && class.alive {
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

    fn explore(&mut self, probability: f64) {
        self.nodes += 1;
        if self.nodes > MAX_SEARCH_NODES {
            return;
        }
        if probability < PRUNE {
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

    /// MODEL.md §3.5 for an assignment of groups to regions (not global-lb).
    fn capacity(&self, assignment: &[usize]) -> (crate::evaluate::Outcome, f64) {
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

/// Step 4: P(¬N), the probability that the alive regions are not all connected through up
/// links (the network is one static component). A frontier programme over regions: the state
/// is the partition of the frontier's alive regions into connected blocks, and whether a block
/// has closed already (then any other alive region means a split). States lighter than
/// [`SPLIT_PRUNE`] are dropped and their mass counted as split, so the result is an upper bound
/// that is exact up to that.
fn network_split(setup: &Setup, avail: &[f64], alive: &[f64]) -> f64 {
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
const FRONTIER_SLOTS: usize = 31;
const CLOSED: u128 = 1 << 127;

fn get(key: u128, i: usize) -> u8 {
    (key >> (4 * i) & 15) as u8
}

fn set(key: u128, i: usize, label: u8) -> u128 {
    key & !(15u128 << (4 * i)) | u128::from(label) << (4 * i)
}

/// Every label `from` in the first `slots` slots becomes `to`.
fn relabel(key: u128, slots: usize, from: u8, to: u8) -> u128 {
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
fn canonical(key: u128, slots: usize) -> Option<u128> {
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
