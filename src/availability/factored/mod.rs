//! Exact availability for topologies too large to enumerate (docs/availability.md has the
//! method, its proof sketch and its complexity).
//!
//! In short, for E[(down, not full, shortfall)] over all states (each step its module):
//! 1. `W` (the largest MTTR among failed components) matters only through restore-or-wait
//!    (`manual_decision + restore < W`): the sum is split by which interval between those
//!    thresholds W falls in, each interval written as a difference of "every component with a
//!    longer MTTR is up" events (inclusion–exclusion), so each part has a fixed restore policy
//!    (`policy.rs`).
//! 2. `routing` and the externals the entry service needs are in series: factored out.
//!    Shared-fate groups are conditioned on (every subset) (`policy.rs`).
//! 3. Given those, regions are independent. Each region's own components (itself, its AZs)
//!    collapse into a few *classes* (alive, instances per service, capacity, which datastore
//!    homes it can hold) (`classes.rs`; the requirements they hold: `requirements.rs`).
//! 4. Links: the figures are computed as if every link were up (the *static* network); the
//!    probability that failed links or regions actually split the alive regions of the network
//!    (event ¬N) is computed exactly by a frontier dynamic programme over the region graph and
//!    reported as the error bound, since the figures agree whenever N holds (`network.rs`);
//!    where it matters, the split states are corrected one by one ([`static_network`] and
//!    `availability::split_states`), and where that is not enough, *islands* cut off from the
//!    rest are computed with two parts (`islands.rs`).
//! 5. With one connected network, a region serves iff it is alive, runs the entry service and
//!    a global condition OK holds (every needed datastore has a home, every needed service runs
//!    somewhere): OK is a threshold function of per-region features, so P(OK | some regions
//!    fixed) is a dynamic programme over regions (`ok.rs`). Routing picks each group's first serving
//!    region in its order, so a search over the regions routing actually looks at (each
//!    branch a class of the next region, pruned below 1e-20 with the pruned mass added to the
//!    bound) reaches every assignment of groups to regions, with its capacity and served
//!    fraction (`search.rs`).

mod classes;
mod importance;
mod islands;
mod network;
mod ok;
mod policy;
mod pooled;
mod requirements;
mod search;
mod serving_part;
mod star;

use classes::tiers_to_track;

use super::{Exact, StateProbabilities};
use crate::evaluate::Engine;
use crate::model::{Component, Dependency, RoutingKind};

/// The largest error bound accepted as exact (absolute, on every probability).
pub const TOLERANCE: f64 = 1e-12;
/// Routing-search branches lighter than this are not explored; their mass is in the bound.
const PRUNE: f64 = 1e-20;
/// The same for the searches of the anchored islands' corrections (`islands.rs`), weighted by
/// their islands' probabilities: there are thousands of them, most far lighter than the main
/// run, and what they prune stays in the bound.
const ISLAND_PRUNE: f64 = 1e-18;
/// The same two (the main searches', the islands') for the importance runs through the
/// islands ([`Islands::add_importance`]), whose figures need only be within 1e-9: what they
/// prune is in each run's bound, which is checked.
const IMPORTANCE_PRUNE: (f64, f64) = (1e-15, 1e-14);
/// Limits beyond which the method says the topology is out of reach.
const MAX_SHARED: usize = 10;
/// Routing-search nodes per subproblem, and network states per step, beyond which the method
/// gives up (very unreliable components make both grow).
const MAX_SEARCH_NODES: u64 = 1_000_000;
const MAX_SPLIT_STATES: usize = 1_000_000;
const MAX_ITEMS: usize = 24;
const MAX_KEYS: usize = 1 << 18;
const MAX_THRESHOLDS: usize = 6;
/// Work (routing-search nodes, OK- and network-programme states, the states walked forward at
/// the search's leaves, see [`Setup::work`]) the importance runs may take, estimated as the main
/// run's work times the number of runs; above it they are not computed. A count, not a time, so
/// that whether the table appears does not depend on the machine or its load. A 50-region x
/// 3-AZ estate is estimated at 336 million units and its runs take about 5.5 CPU seconds on the
/// 2-core machine of BENCHMARKS.md; a 40-region hub at 690 million, 12 CPU seconds.
const IMPORTANCE_WORK: u64 = 800_000_000;
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
/// over every state of those links), unless they hold the anchor.
const MAX_INNER_LINKS: usize = 12;
/// Failure combinations visited at most in the search for anchored islands (those of up to
/// three failures, then heavier ones by their odds).
const MAX_WEIGHTED_COMBINATIONS: usize = 2_000_000;
/// Islands that hold the anchor (each exact on all of its event) taken at most.
const MAX_ANCHORED_ISLANDS: usize = 16384;

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
    /// Alive but cut off from the one part that can serve (the anchor's, on a star: see
    /// `Setup::star`): holds its tiers, never serves.
    outside: bool,
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
    /// What the islands of step 4 may leave of P(¬N) ([`ISLAND_TARGET`] for the figures; the
    /// importance runs through islands need less, see [`Islands::add_importance`]).
    island_target: f64,
    /// Routing-search branches lighter than these are not explored: ([`PRUNE`] for the
    /// figures, [`ISLAND_PRUNE`] for the anchored islands' corrections), looser for the
    /// importance runs through islands.
    prune: (f64, f64),
    /// Services other than the entry that can be the tighter tier, each co-located with the
    /// entry (see [`tiers_to_track`]): their capacities are class features.
    tracked: Vec<usize>,
    /// `global-lb`: capacity is pooled across regions (`pooled.rs`).
    pooled: bool,
    /// Whether step 4 computes islands (else every split stays in the bound, for
    /// [`static_network`]).
    islands: bool,
    /// When the link graph is not connected (its parts with every link up: `none`, pairs,
    /// clusters) and exactly one of its parts can ever serve (`serving_part.rs`): the regions
    /// outside that part. They never serve, but they hold datastore tiers (an alive primary
    /// is the home wherever it is, MODEL.md §3.2), so the OK programme keeps them as a
    /// second part that is never OK; the static network and P(¬N) are the serving part's.
    outside: Option<Vec<bool>>,
    /// A region without which no part of the network is OK (see [`Setup::anchor`]): the
    /// islands of step 4 are then the parts that hold it, each exact on all of its event.
    anchor: Option<usize>,
    /// Every link has the anchor at one end (a hub): given the anchor alive, each other region
    /// is in its part exactly when it is alive and linked to it, independently of the others,
    /// so the split states are summed exactly in the OK programme (classes `outside`), and
    /// P(¬N) is no part of the bound (`star.rs`).
    star: bool,
    /// Work done so far: routing-search nodes, the OK programme's states reached, the states
    /// walked forward at the search's leaves (a pooled one counting four) and the network
    /// programme's states per step, summed over subproblems (deterministic, whatever the
    /// threads).
    work: std::sync::atomic::AtomicU64,
    /// Whether the network programme keeps its runs (`recording`), for the importance runs
    /// to reuse (`recorded`): see [`network::Recording`].
    record: bool,
    recording: std::sync::Mutex<Vec<network::Recording>>,
    recorded: Vec<network::Recording>,
    /// Whether a run keeps the anchored islands it found (`kept`), for the importance runs
    /// through the islands to weigh them again rather than search ([`Islands`]).
    keep: bool,
    kept: std::sync::Mutex<Option<policy::Found>>,
}

/// Exact probabilities by conditioning and per-region sums, or why the topology is out of reach.
pub fn compute(engine: &Engine, pool: Option<&rayon::ThreadPool>) -> Result<Exact, String> {
    let exact = bounded(engine, pool, TOLERANCE)?;
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
) -> Result<Exact, String> {
    bounded(engine, pool, f64::INFINITY)
}

/// The figures with islands, when they bring the bound to `give_up_above` or below (else the
/// bound is the whole of P(¬N): the islands' programmes are not run).
pub fn compute_within(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    give_up_above: f64,
) -> Result<Exact, String> {
    bounded(engine, pool, give_up_above)
}

/// The figures through the islands of step 4 ([`compute_within`]), with what the importance
/// runs through them reuse ([`Islands::add_importance`]).
pub struct Islands {
    pub exact: Exact,
    /// The run's work (see [`Setup::work`]), to estimate the importance runs'.
    work: u64,
    /// The anchored islands the run found (see [`Setup::keep`]).
    found: Option<policy::Found>,
    /// The run's network programmes (see [`network::Recording`]).
    recorded: Vec<network::Recording>,
}

/// [`compute_within`]; with `importance`, keeping what the importance runs reuse.
pub fn islands(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    give_up_above: f64,
    importance: bool,
) -> Result<Islands, String> {
    let mut setup = Setup::new(engine)?;
    setup.give_up_above = give_up_above;
    setup.keep = importance;
    setup.record = importance;
    let (total, bound) = setup.expectation(&availabilities(engine), pool)?;
    Ok(Islands {
        exact: Exact::factored(total, bound),
        work: setup.work.load(std::sync::atomic::Ordering::Relaxed),
        found: setup.kept.get_mut().unwrap().take(),
        recorded: std::mem::take(setup.recording.get_mut().unwrap()),
    })
}

impl Islands {
    /// The importance runs through the islands: the whole method again with each component
    /// held down (held up derived, as on the static network: `importance::reruns`), when they
    /// fit the work budget. They need only be within
    /// [`CONDITIONAL_TOLERANCE`](crate::availability::CONDITIONAL_TOLERANCE), so they cost
    /// less than the main run: the islands are taken until what they leave is a quarter of
    /// it, the searches prune at [`IMPORTANCE_PRUNE`], the anchored islands are the main
    /// run's weighed again ([`Setup::keep`]; sought again where those leave too much), and
    /// P(¬N) comes from the main run's network programmes. Sets `exact.conditional` when
    /// every figure is within the tolerance. `progress` gets the runs done and their number,
    /// in the calling thread.
    pub fn add_importance(
        &mut self,
        engine: &Engine,
        pool: Option<&rayon::ThreadPool>,
        progress: &mut dyn FnMut(usize, usize),
    ) {
        let tolerance = crate::availability::CONDITIONAL_TOLERANCE;
        let Ok(mut setup) = Setup::new(engine) else {
            return;
        };
        if !setup.islands || !self.exact.is_exact() {
            return;
        }
        setup.island_target = tolerance / 4.0;
        setup.give_up_above = tolerance / 2.0;
        setup.prune = IMPORTANCE_PRUNE;
        setup.recorded = std::mem::take(&mut self.recorded);
        let base = availabilities(engine);
        let main = StaticRun {
            total: self.exact.total.clone(),
            pruned: self.exact.error_bound,
            split: 0.0,
        };
        let budget = (self.work, IMPORTANCE_WORK);
        let found = self.found.as_mut();
        let runs = importance::reruns(&setup, &base, (&main, found), budget, pool, progress);
        let runs = match runs {
            Ok(runs) => runs,
            Err(why) => {
                self.exact.importance_note = Some(format!("through the islands, {why}"));
                return;
            }
        };
        // The widest bound, and whose: a component given down (0) or up (1).
        let (c, given, widest) = (runs.iter().enumerate())
            .flat_map(|(c, pair)| (0..2).map(move |k| (c, k, pair[k].pruned + pair[k].split)))
            .fold((0, 0, 0.0), |w, x| if x.2 > w.2 { x } else { w });
        if widest > tolerance {
            let m = engine.model();
            self.exact.importance_note = Some(format!(
                "through the islands, the figures given {} {} are within {widest:.1e}, not {tolerance:.0e}",
                m.component_id(engine.components()[c]),
                ["down", "up"][given],
            ));
            return;
        }
        self.exact.conditional = Some(conditionals(&runs));
    }
}

/// Whether a region holds a requirement no part of the network is OK without (see
/// `Setup::anchor`): the islands of step 4 are then exact on all of their events, and the
/// figures are exact when they cover the split states (`compute_within`).
pub fn anchored(engine: &Engine) -> bool {
    Setup::new(engine).is_ok_and(|s| s.anchor.is_some())
}

/// The figures on the static network of step 4 (every alive region connected to every other),
/// for the split states to be corrected one by one (`availability::split_states`).
pub struct Static {
    pub main: StaticRun,
    /// Per component: the same with it held down, and held up (for importance; `None` when not
    /// asked for or over the budget).
    pub conditional: Option<Vec<[StaticRun; 2]>>,
    /// Why `conditional` is `None` when the importance runs were made.
    pub importance_note: Option<String>,
    /// The main run's work (see [`Setup::work`]), to estimate the importance runs'.
    work: u64,
    /// The main run's network programmes, which the importance runs reuse.
    recorded: Vec<network::Recording>,
    /// When the link graph is not connected: the regions of its one part that can serve (see
    /// [`Setup::outside`]); the static network connects those alone. `None`: every region.
    pub within: Option<Vec<bool>>,
    /// Per component: how the split states' correction depends on it (see
    /// `Setup::summed_out`); empty when the link graph is connected (every one matters).
    pub summed: Vec<crate::availability::partial::SummedOut>,
}

/// The importance figures of runs with each component held down and held up.
pub fn conditionals(runs: &[[StaticRun; 2]]) -> Vec<super::Conditional> {
    runs.iter()
        .map(|[down, up]| super::Conditional {
            given_down: down.total.clone(),
            given_up: up.total.clone(),
        })
        .collect()
}

/// One expectation on the static network.
#[derive(Clone)]
pub struct StaticRun {
    pub total: StateProbabilities,
    /// Bound on the error of `total` as the expectation of the static figures: the mass the
    /// routing searches did not explore.
    pub pruned: f64,
    /// P(¬N), an upper bound: the states where the figures may differ from the static ones.
    pub split: f64,
}

/// [`Static`] (its importance runs when `importance` asks for them and they fit the budget;
/// `None` when one of them is out of reach), or why the topology is out of reach.
pub fn static_network(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    importance: bool,
) -> Result<Static, String> {
    let mut static_ = static_network_alone(engine, pool, importance)?;
    if importance {
        static_.add_importance(engine, pool, &mut |_, _| {});
    }
    Ok(static_)
}

/// [`Static`] without its importance runs; with `record`, keeping what they reuse of the main
/// run (its network programmes) for [`Static::add_importance`].
pub fn static_network_alone(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    record: bool,
) -> Result<Static, String> {
    let mut setup = Setup::static_network(engine)?;
    setup.record = record;
    let main = setup.expectation_parts(&availabilities(engine), pool)?;
    let static_ = Static {
        main: StaticRun {
            total: main.total,
            pruned: main.pruned,
            split: main.split,
        },
        conditional: None,
        importance_note: None,
        work: setup.work.load(std::sync::atomic::Ordering::Relaxed),
        recorded: std::mem::take(setup.recording.get_mut().unwrap()),
        within: setup
            .outside
            .as_ref()
            .map(|o| o.iter().map(|x| !x).collect()),
        summed: setup.summed_out()?,
    };
    Ok(static_)
}

impl Static {
    /// The importance runs (`conditional`), when they fit the budget and none is out of reach;
    /// asked for apart when the main figures decide whether they are worth it. `progress` gets
    /// the runs done and their number, in the calling thread.
    pub fn add_importance(
        &mut self,
        engine: &Engine,
        pool: Option<&rayon::ThreadPool>,
        progress: &mut dyn FnMut(usize, usize),
    ) {
        let Ok(mut setup) = Setup::static_network(engine) else {
            return;
        };
        setup.recorded = std::mem::take(&mut self.recorded);
        let base = availabilities(engine);
        let budget = (self.work, IMPORTANCE_WORK);
        let runs = importance::reruns(&setup, &base, (&self.main, None), budget, pool, progress);
        self.conditional = runs.map_err(|why| self.importance_note = Some(why)).ok();
    }
}

fn availabilities(engine: &Engine) -> Vec<f64> {
    engine
        .components()
        .iter()
        .map(|c| engine.model().availability(*c).0)
        .collect()
}

/// The figures and their error bound; the islands of step 4 are not computed when they
/// cannot bring the bound to `give_up_above`.
fn bounded(
    engine: &Engine,
    pool: Option<&rayon::ThreadPool>,
    give_up_above: f64,
) -> Result<Exact, String> {
    islands(engine, pool, give_up_above, false).map(|i| i.exact)
}

impl<'a> Setup<'a> {
    /// For the static network of step 4: the split states stay in the bound (no islands),
    /// to be corrected one by one.
    fn static_network(engine: &'a Engine<'a>) -> Result<Setup<'a>, String> {
        let mut setup = Setup::new(engine)?;
        setup.islands = false;
        Ok(setup)
    }

    fn new(engine: &'a Engine<'a>) -> Result<Setup<'a>, String> {
        let m = engine.model();
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
        let pooled = m.routing.kind == RoutingKind::GlobalLb;
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
        let mut setup = Setup {
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
            island_target: ISLAND_TARGET,
            prune: (PRUNE, ISLAND_PRUNE),
            tracked,
            pooled,
            islands: true,
            work: Default::default(),
            record: false,
            recording: Default::default(),
            recorded: Vec::new(),
            keep: false,
            kept: Default::default(),
            outside: None,
            anchor: None,
            star: false,
        };
        setup.outside = setup.serving_part()?;
        setup.islands = setup.outside.is_none();
        setup.anchor = setup.anchor();
        setup.star = setup.anchor.is_some_and(|a| {
            !m.links.is_empty() && m.links.iter().all(|l| l.ends.iter().any(|e| e.idx() == a))
        });
        Ok(setup)
    }
}

/// Tests: a topology from `drplan generate`, checked.
#[cfg(test)]
pub(super) fn generated(args: &crate::generate::GenerateArgs) -> crate::pipeline::Checked {
    let source = crate::load::Source {
        name: "g.yaml".into(),
        text: crate::generate::topology(args).unwrap(),
    };
    crate::pipeline::check_source(source, "g").unwrap()
}
