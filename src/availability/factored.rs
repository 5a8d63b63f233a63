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

/// One way a region can be (its class), with what it contributes.
#[derive(Clone, Debug, PartialEq)]
struct Class {
    probability: f64,
    alive: bool,
    /// Runs the entry service (placement or scale_to) in an alive AZ.
    entry: bool,
    steady: f64,
    scaled: f64,
    /// Requirement items this region satisfies (bit i: item i).
    bits: u32,
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
}

/// Exact probabilities by conditioning and per-region sums, or why the topology is out of reach.
pub fn compute(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    importance: bool,
) -> Result<Exact, String> {
    let exact = compute_with_bound(engine, pool, importance)?;
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
    let setup = Setup::new(engine)?;
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
        if m.shared.len() > MAX_SHARED {
            return Err(format!(
                "{} shared-fate groups is above the {MAX_SHARED} the factored method conditions on",
                m.shared.len()
            ));
        }
        let graphs = engine.graphs();
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
        // The last flag marks the one term with nothing forced: the network bound is computed
        // there only (see `regions`).
        let mut terms: Vec<(f64, Vec<f64>, Vec<usize>, bool)> = Vec::new();
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
                    terms.push((w, forced, policy.clone(), false));
                }
                None => terms.push((1.0, avail.to_vec(), policy.clone(), true)),
            }
            if j > 0 {
                let (w, forced) = below(thresholds[j - 1]);
                terms.push((-w, forced, policy, false));
            }
        }
        // Step 2 for each term: series components, then every subset of failed groups; the
        // subproblems run in parallel and are summed in a fixed order.
        let groups = m.shared.len();
        let mut tasks: Vec<(usize, u32, f64)> = Vec::new();
        let mut total = StateProbabilities::ZERO;
        for (t, (weight, forced, _, _)) in terms.iter().enumerate() {
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
        let run = |&(t, mask, _): &(usize, u32, f64)| {
            self.regions(&terms[t].1, &terms[t].2, mask, terms[t].3)
        };
        let results: Vec<Result<(StateProbabilities, f64), String>> = match pool {
            Some(pool) => pool.install(|| tasks.par_iter().map(run).collect()),
            None => tasks.iter().map(run).collect(),
        };
        let mut bound = 0.0;
        for ((_, _, p), result) in tasks.iter().zip(results) {
            let (e, b) = result?;
            total.add(&e, *p);
            bound += b * p.abs();
        }
        Ok((total, bound))
    }

    /// Steps 3-5 for one restore policy and one set of failed shared-fate groups: the figures
    /// and an error bound. The error of every term of step 1 is at most P(¬N, W in its
    /// interval, series up, these groups), so the terms' errors sum to at most P(¬N, series up,
    /// these groups) with nothing forced: `network` asks for that term's P(¬N) (the others add
    /// only their pruned mass).
    fn regions(
        &self,
        avail: &[f64],
        policy: &[usize],
        failed_groups: u32,
        network: bool,
    ) -> Result<(StateProbabilities, f64), String> {
        let items = Items::new(self, policy)?;
        let classes = self.classes(avail, &items, failed_groups);
        let alive: Vec<f64> = classes
            .iter()
            .map(|cs| cs.iter().filter(|c| c.alive).map(|c| c.probability).sum())
            .collect();
        let split = if network {
            network_split(self, avail, &alive)
        } else {
            0.0
        };
        let ok = OkProgramme::new(self, &items, &classes)?;
        let mut search = Search {
            setup: self,
            classes: &classes,
            ok: &ok,
            visited: vec![NONE; classes.len()],
            total: StateProbabilities::ZERO,
            pruned: 0.0,
            scratch: (Vec::new(), Vec::new(), Vec::new()),
            nodes: 0,
        };
        search.explore(1.0);
        if search.nodes > MAX_SEARCH_NODES {
            return Err(format!(
                "routing depends on more than {MAX_SEARCH_NODES} combinations of region states above {PRUNE:e}"
            ));
        }
        let mut total = search.total;
        let not_ok = ok.not_ok();
        total.add(
            &StateProbabilities::of(crate::evaluate::Outcome::Down, 0.0),
            not_ok,
        );
        Ok((total, search.pruned + split))
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
            bits: 0,
            members: 0,
        };
        (0..m.regions.len())
            .map(|r| {
                if region_killed[r] {
                    return vec![dead(1.0)];
                }
                // A programme over the region's AZs: what the alive ones add up to (entry
                // instances steady and scaled, whether any runs the entry, requirements met).
                let a_region = avail[self.region_c[r]];
                type Key = (bool, u64, u64, bool, u32);
                let mut dist: FxHashMap<Key, f64> = FxHashMap::default();
                dist.insert((false, 0, 0, false, 0), a_region);
                for a in &m.regions[r].azs {
                    let a = a.idx();
                    if az_killed[a] {
                        continue;
                    }
                    let av = avail[self.az_c[a]];
                    let bits = items.az_bits(r, a);
                    let mut next: FxHashMap<Key, f64> = FxHashMap::default();
                    for ((any, steady, scaled, runs, b), p) in dist {
                        if av < 1.0 {
                            *next.entry((any, steady, scaled, runs, b)).or_default() +=
                                p * (1.0 - av);
                        }
                        if av > 0.0 {
                            let key = (
                                true,
                                steady + u64::from(entry.instances[a]),
                                scaled + u64::from(entry.scaled_instances[a]),
                                runs || entry.scaled_instances[a] > 0,
                                b | bits,
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
                for ((any, steady, scaled, runs, bits), p) in outcomes {
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
                        bits: bits | region_bits,
                        members: items.members(r),
                    });
                }
                out.retain(|c| c.probability > 0.0);
                let most = m.peak_rps * m.users.iter().map(|u| u.share).sum::<f64>().max(1.0);
                merge_sufficient(out, most + 1e-9 * m.peak_rps)
            })
            .collect()
    }
}

/// Merges the alive classes whose steady capacity alone covers `most` (the whole demand, with
/// the degradation tolerance) and that differ in nothing else: no load can exceed them or make
/// them scale, so their capacities have the same effect. Regions with many AZs otherwise have a class per number of alive AZs, and the
/// routing search would branch on each.
fn merge_sufficient(classes: Vec<Class>, most: f64) -> Vec<Class> {
    let sufficient = |c: &Class| c.alive && c.steady >= most;
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

/// The requirements of OK (step 5): one boolean item per needed datastore without a majority
/// rule and per needed service other than the entry, and per quorum store a member count (with
/// an item for its restore).
struct Items<'a> {
    setup: &'a Setup<'a>,
    /// Per item: the regions (with an AZ condition) that satisfy it.
    satisfied_by: Vec<Vec<Satisfier>>,
    quorums: Vec<Quorum>,
    /// Per quorum: its member regions.
    quorum_members: Vec<Vec<usize>>,
    /// Items that must all be set (the quorum restore items are alternatives, not required).
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
        let mut satisfied_by: Vec<Vec<Satisfier>> = Vec::new();
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
            let mut sats: Vec<Satisfier> = Vec::new();
            match &ds.replication {
                Replication::SingleAz { az } => sats.push(Satisfier::Az(az.idx())),
                Replication::MultiAz {
                    primary,
                    primary_az,
                    standby,
                } => sats.push(Satisfier::Primary {
                    region: primary.idx(),
                    az: primary_az.idx(),
                    standby: *standby,
                }),
                Replication::ActivePassive {
                    primary,
                    primary_az,
                    standby,
                    replicas,
                } => {
                    sats.push(Satisfier::Primary {
                        region: primary.idx(),
                        az: primary_az.idx(),
                        standby: *standby,
                    });
                    sats.extend(replicas.iter().map(|r| Satisfier::Region(r.idx())));
                }
                Replication::ActiveActive { regions } if !ds.sync => {
                    sats.extend(regions.iter().map(|r| Satisfier::Region(r.idx())));
                }
                Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
                    let restore_item = restore.map(|s| {
                        satisfied_by.push(vec![s]);
                        satisfied_by.len() - 1
                    });
                    quorums.push(Quorum {
                        majority: (regions.len() / 2 + 1) as u32,
                        restore_item,
                    });
                    quorum_members.push(regions.iter().map(|r| r.idx()).collect());
                    continue;
                }
            }
            sats.extend(restore);
            required |= 1 << satisfied_by.len().min(31);
            satisfied_by.push(sats);
        }
        for s in &graphs.entry_services {
            required |= 1 << satisfied_by.len().min(31);
            satisfied_by.push(vec![Satisfier::Service(s.idx())]);
        }
        if satisfied_by.len() > MAX_ITEMS || quorums.len() > 4 {
            return Err(format!(
                "{} datastore and service requirements is above what the factored method tracks",
                satisfied_by.len() + quorums.len()
            ));
        }
        Ok(Items {
            setup,
            satisfied_by,
            quorums,
            quorum_members,
            required,
        })
    }

    /// The items region `r` satisfies whenever it is alive.
    fn region_bits(&self, r: usize) -> u32 {
        self.hits(|s| match *s {
            Satisfier::Region(x) => x == r,
            Satisfier::Primary {
                region, standby, ..
            } => region == r && standby,
            Satisfier::Az(_) | Satisfier::Service(_) => false,
        })
    }

    /// The items AZ `a` of region `r` satisfies when it is alive.
    fn az_bits(&self, r: usize, a: usize) -> u32 {
        let m = self.setup.engine.model();
        self.hits(|s| match *s {
            Satisfier::Region(_) => false,
            Satisfier::Primary { region, az, .. } => region == r && az == a,
            Satisfier::Az(az) => az == a,
            Satisfier::Service(s) => m.services[s].scaled_instances[a] > 0,
        })
    }

    fn hits(&self, hit: impl Fn(&Satisfier) -> bool) -> u32 {
        let mut bits = 0;
        for (i, sats) in self.satisfied_by.iter().enumerate() {
            if sats.iter().any(&hit) {
                bits |= 1 << i;
            }
        }
        bits
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

/// P(OK | some regions' classes fixed), by a programme over regions in `Setup::order`: the
/// state is the set of items satisfied so far and each quorum's member count (capped at its
/// majority); `value[p][key]` is P(OK | state `key` after the first p regions).
struct OkProgramme<'a> {
    items: &'a Items<'a>,
    classes: &'a [Vec<Class>],
    order: &'a [usize],
    /// Mixed radix of the key: items bits, then each quorum's count (0..=majority).
    radix: Vec<usize>,
    value: Vec<Vec<f64>>,
}

impl<'a> OkProgramme<'a> {
    fn new(
        setup: &'a Setup<'a>,
        items: &'a Items<'a>,
        classes: &'a [Vec<Class>],
    ) -> Result<OkProgramme<'a>, String> {
        let mut radix = vec![1usize << items.satisfied_by.len()];
        radix.extend(items.quorums.iter().map(|q| q.majority as usize + 1));
        let keys: usize = radix.iter().product();
        if keys > MAX_KEYS {
            return Err(format!(
                "the datastore requirements have {keys} combined states, above the {MAX_KEYS} the factored method tracks"
            ));
        }
        let mut programme = OkProgramme {
            items,
            classes,
            order: &setup.order,
            radix,
            value: Vec::new(),
        };
        let n = setup.order.len();
        let mut value = vec![vec![0.0; keys]; n + 1];
        for (key, v) in value[n].iter_mut().enumerate() {
            *v = if programme.satisfied(key) { 1.0 } else { 0.0 };
        }
        for p in (0..n).rev() {
            let r = setup.order[p];
            let (head, tail) = value.split_at_mut(p + 1);
            let next = &tail[0];
            for key in 0..keys {
                head[p][key] = classes[r]
                    .iter()
                    .map(|c| c.probability * next[programme.apply(key, c)])
                    .sum();
            }
        }
        programme.value = value;
        Ok(programme)
    }

    /// The state after a region of this class.
    fn apply(&self, key: usize, class: &Class) -> usize {
        if !class.alive {
            return key;
        }
        let r0 = self.radix[0];
        let bits = (key % r0) | class.bits as usize;
        let mut rest = key / r0;
        let (mut counts, mut scale) = (0, 1);
        for (q, &r) in self.radix[1..].iter().enumerate() {
            let mut c = rest % r;
            rest /= r;
            if class.members >> q & 1 == 1 {
                c = (c + 1).min(r - 1);
            }
            counts += c * scale;
            scale *= r;
        }
        counts * r0 + bits
    }

    /// Whether a state satisfies every requirement.
    fn satisfied(&self, key: usize) -> bool {
        let r0 = self.radix[0];
        let bits = (key % r0) as u32;
        if bits & self.items.required != self.items.required {
            return false;
        }
        let mut rest = key / r0;
        self.items
            .quorums
            .iter()
            .zip(&self.radix[1..])
            .all(|(q, &r)| {
                let c = rest % r;
                rest /= r;
                c >= q.majority as usize || q.restore_item.is_some_and(|i| bits >> i & 1 == 1)
            })
    }

    /// P(not OK) with every region free, summed directly over the failing states.
    fn not_ok(&self) -> f64 {
        let keys = self.value[0].len();
        let mut dist: FxHashMap<usize, f64> = FxHashMap::default();
        dist.insert(0, 1.0);
        for &r in self.order {
            let mut next: FxHashMap<usize, f64> = FxHashMap::default();
            for (&key, &p) in &dist {
                for c in &self.classes[r] {
                    *next.entry(self.apply(key, c)).or_default() += p * c.probability;
                }
            }
            dist = next;
        }
        let _ = keys;
        let mut failing: Vec<(usize, f64)> = dist
            .into_iter()
            .filter(|(k, _)| !self.satisfied(*k))
            .collect();
        failing.sort_by_key(|(k, _)| *k);
        failing.iter().map(|(_, p)| p).sum()
    }

    /// P(OK | the regions with `visited[r] != NONE` are in that class). `scratch` holds two
    /// buffers reused between calls.
    fn given(&self, visited: &[u16], position: &[usize], scratch: &mut Buffers) -> f64 {
        let last = visited
            .iter()
            .enumerate()
            .filter(|(_, v)| **v != NONE)
            .map(|(r, _)| position[r] + 1)
            .max()
            .unwrap_or(0);
        let (dist, next, dense) = scratch;
        dense.resize(self.value[0].len(), 0.0);
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
                    add(self.apply(key, &self.classes[r][fixed as usize]), p);
                } else {
                    for c in &self.classes[r] {
                        add(self.apply(key, c), p * c.probability);
                    }
                }
            }
            for (k, p) in next.iter_mut() {
                *p = std::mem::take(&mut dense[*k]);
            }
            std::mem::swap(dist, next);
        }
        dist.iter().map(|&(k, p)| p * self.value[last][k]).sum()
    }
}

const NONE: u16 = u16::MAX;

/// Two sparse distributions over programme states and a dense accumulator, reused between
/// calls.
type Buffers = (Vec<(usize, f64)>, Vec<(usize, f64)>, Vec<f64>);

/// Step 5's search over the regions routing looks at.
struct Search<'a> {
    setup: &'a Setup<'a>,
    classes: &'a [Vec<Class>],
    ok: &'a OkProgramme<'a>,
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

impl Search<'_> {
    fn next(&self) -> Next {
        let mut assignment = Vec::with_capacity(self.setup.rankings.len());
        for ranking in &self.setup.rankings {
            let mut found = None;
            for &r in ranking {
                match self.visited[r] {
                    NONE => return Next::Branch(r),
                    c => {
                        if self.classes[r][c as usize].entry && self.classes[r][c as usize].alive {
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
                    * self
                        .ok
                        .given(&self.visited, &self.setup.position, &mut self.scratch);
                self.total.add(
                    &StateProbabilities::of(crate::evaluate::Outcome::Down, 0.0),
                    w,
                );
            }
            Next::Assigned(assignment) => {
                let w = probability
                    * self
                        .ok
                        .given(&self.visited, &self.setup.position, &mut self.scratch);
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
        let mut served = 0.0;
        let mut degraded = false;
        for &(r, load) in &loads {
            let class = &self.classes[r][self.visited[r] as usize];
            let (_, capacity) = crate::evaluate::scaled_capacity(
                load,
                class.steady,
                class.scaled,
                entry.scales[r],
                tolerance,
            );
            served += load.min(capacity);
            if load - capacity > tolerance {
                degraded = true;
            }
        }
        let outcome = if degraded {
            crate::evaluate::Outcome::Degraded
        } else {
            crate::evaluate::Outcome::Up
        };
        (outcome, (served / peak).min(1.0))
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
