//! Stage 5: evaluating one failure scenario (MODEL.md §3 and §4).
//!
//! An [`Engine`] is built once per model: it precomputes round-trip times, dependency order and
//! the no-failure baseline. [`Engine::evaluate`] then turns a set of failed components (and
//! corrupted datastores) into a [`ScenarioResult`]. [`Engine::core`] computes only what the
//! availability engine needs (outcome and served fraction).

pub mod change;
pub mod control;
pub mod datastore;
pub mod explain;
pub mod latency;
pub mod tiers;
pub mod times;

use crate::graph::Graphs;
use crate::model::{
    ChangeIdx, Component, ControlIdx, DatastoreIdx, Dependency, Model, RegionIdx, Replication,
    RoutingKind, UserIdx,
};
use datastore::{Corruption, Recovery};
use tiers::{Bottleneck, Tiers};

/// The outcome of a scenario.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Outcome {
    Up,
    Degraded,
    #[default]
    Down,
}

impl Outcome {
    pub fn name(self) -> &'static str {
        match self {
            Outcome::Up => "up",
            Outcome::Degraded => "degraded",
            Outcome::Down => "down",
        }
    }
}

/// What fails in a scenario: components by their index in [`Engine::components`], and
/// corrupted datastores; or, for a `change` scenario (MODEL.md §11), the bad change.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Failure {
    pub components: Vec<usize>,
    pub corrupted: Vec<DatastoreIdx>,
    pub change: Option<ChangeRun>,
}

/// A bad change of one stream: `change:<id>` or, when `latent`, `change:<id>:latent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChangeRun {
    pub change: ChangeIdx,
    pub latent: bool,
}

/// Which parts are alive and connected in a scenario (MODEL.md §3.1).
#[derive(Clone, Debug, Default)]
pub struct State {
    pub region_alive: Vec<bool>,
    pub az_alive: Vec<bool>,
    pub link_up: Vec<bool>,
    pub external_alive: Vec<bool>,
    /// Connected-component label per region (alive regions only are meaningful): the index of
    /// a region of the component.
    pub component: Vec<usize>,
    pub routing_failed: bool,
    /// W: the largest MTTR among the failed components, seconds.
    pub wait: f64,
    /// D: health-check detection time, seconds.
    pub detection: f64,
    /// Per control plane: whether it is up (MODEL.md §10.1).
    pub control_up: Vec<bool>,
    /// Scratch: failed flag per component index, regions down by themselves or a group, and
    /// failed links.
    failed: Vec<bool>,
    region_down: Vec<bool>,
    link_failed: Vec<bool>,
}

impl State {
    pub fn connected(&self, a: RegionIdx, b: RegionIdx) -> bool {
        self.region_alive[a.idx()]
            && self.region_alive[b.idx()]
            && self.component[a.idx()] == self.component[b.idx()]
    }
}

/// Outcome and capacity: what the availability engine needs from every state. It doubles as
/// the scratch space of an evaluation: [`Engine::core_into`] refills it in place, so a loop over
/// many scenarios allocates nothing per scenario.
#[derive(Clone, Debug, Default)]
pub struct Core {
    pub state: State,
    pub recoveries: Vec<Recovery>,
    /// usable[service * R + region].
    usable: Vec<bool>,
    /// The region serving each user group; `None` for all when down.
    pub assignment: Vec<Option<RegionIdx>>,
    /// Per region: whether it scaled up to `scale_to`.
    pub scaled: Vec<bool>,
    pub outcome: Outcome,
    pub served_fraction: f64,
    /// Extra instances needed to serve everyone, per hour cost (0 when not degraded).
    pub surge_cost_per_hour: f64,
    /// Scratch, indexed by component label (a region index): whether service s is usable in
    /// some region of the component ([s * R + label]), and whether datastore d has a home
    /// there ([d * R + label]).
    usable_in_component: Vec<bool>,
    home_in_component: Vec<bool>,
    load: Vec<f64>,
    /// MODEL.md §12: every tier's load, capacity and pass ratio, and each region's ρ.
    pub tiers: Tiers,
    /// Per serving region: request time beyond the user's round trip, NaN until computed.
    backend: Vec<f64>,
    regions: usize,
    /// MODEL.md §10.4: per user group, whether it is stuck (routing frozen, its region gone).
    pub stuck: Vec<bool>,
    /// §10.6: a routing shift did not happen (a stuck group while some region serves).
    pub routing_frozen: bool,
    /// §10.3: the services that a region would have scaled and did not (a control plane of
    /// their `scale_requires` was down).
    pub scale_frozen: Vec<crate::model::ServiceIdx>,
    /// §11.2: the service whose instances a bad, health-checked change broke, and per AZ
    /// whether its instances there are broken (they count as instances in a failed AZ).
    broken_service: Option<usize>,
    broken: Vec<bool>,
    /// §11.4: every time of §3.7 is capped at this (T in a routing or health-checked change
    /// scenario; infinite otherwise).
    time_cap: f64,
}

impl Core {
    /// Whether service `s` is usable in region `r` (MODEL.md §3.3).
    pub fn usable(&self, s: usize, r: usize) -> bool {
        self.usable[s * self.regions + r]
    }

    /// Whether the instances of service `s` in AZ `a` run and pass health checks: the AZ is
    /// alive and no health-checked bad change broke them (§11.2).
    fn instances_up(&self, s: usize, a: usize) -> bool {
        instances_up(&self.state, self.broken_service, &self.broken, s, a)
    }
}

/// Everything MODEL.md reports for one scenario.
#[derive(Clone, Debug)]
pub struct ScenarioResult {
    pub outcome: Outcome,
    pub rto: Option<f64>,
    pub rpo: Option<f64>,
    pub dns_exposure: f64,
    pub impact: Option<f64>,
    pub failed_requests: Option<f64>,
    pub served_fraction: f64,
    pub worst_rtt_ms: Option<f64>,
    pub worst_request_ms: Option<f64>,
    pub surge_cost_per_hour: Option<f64>,
    pub residency_violations: Vec<UserIdx>,
    /// Where each user group is served after recovery.
    pub assignment: Vec<Option<RegionIdx>>,
    /// MODEL.md §12.5: how long the served fraction stays below 1 (W when degraded, RTO when
    /// down, 0 when up; `None` when down with a needed store lost).
    pub degraded_s: Option<f64>,
    /// The tier that limited a degraded scenario (lowest pass ratio among those short).
    pub bottleneck: Option<Bottleneck>,
    /// MODEL.md §10.6: control planes that were down when an action needed them, by id.
    pub frozen: Vec<ControlIdx>,
    /// §10.5: user groups served by no region because routing could not move them.
    pub stuck: Vec<UserIdx>,
    /// §11.5: the share of users with failed requests.
    pub blast_radius: f64,
    /// The impact with stuck groups counted 0 (§5's penalty of single failures, §10.5).
    pub transient_impact: Option<f64>,
    /// §11.6: a change scenario's frequency and waves reached.
    pub change: Option<change::Figures>,
}

/// MODEL.md §3.5 for one region: whether it scales (its load exceeds its steady capacity by more
/// than `tolerance` and it has `scale_to`) and the capacity it then has.
pub fn scaled_capacity(
    load: f64,
    steady: f64,
    scaled: f64,
    has_scale_to: bool,
    tolerance: f64,
) -> (bool, f64) {
    let scales = has_scale_to && load > steady + tolerance;
    (scales, if scales { scaled } else { steady })
}

/// Precomputed, immutable evaluation context for one model.
pub struct Engine<'m> {
    model: &'m Model,
    graphs: Graphs,
    components: Vec<Component>,
    /// region_rtt[a * R + b], ms.
    region_rtt: Vec<f64>,
    /// user_rtt[u * R + r], ms.
    user_rtt: Vec<f64>,
    /// Per region: shared-fate groups holding it; per AZ likewise.
    region_groups: Vec<Vec<usize>>,
    az_groups: Vec<Vec<usize>>,
    baseline: Core,
    /// Per region: whether it served some user group with nothing failed.
    was_serving: Vec<bool>,
    /// Per user group, every region by round trip (ties by region id): nearest[u * R + k].
    nearest: Vec<RegionIdx>,
    /// Per region, every region by round trip from it (itself at 0, ties by id):
    /// by_rtt[r * R + k].
    by_rtt: Vec<RegionIdx>,
    /// Per quorum datastore and member home, the members by round trip from the home (the
    /// home first, at 0): members_by_rtt[d][home] (empty for other stores and regions).
    members_by_rtt: Vec<Vec<Vec<(f64, RegionIdx)>>>,
    /// The entry service's closure with call fractions (MODEL.md §12.1): the entry first, then
    /// the services it calls in id order.
    closure: Vec<(crate::model::ServiceIdx, f64)>,
    /// The partial items of the closure (call fraction below 1) with their call fractions.
    partial_items: Vec<(Dependency, f64)>,
    /// Each service's and region's position in id order (bytes), for tie-breaks.
    service_rank: Vec<u32>,
    region_rank: Vec<u32>,
}

impl<'m> Engine<'m> {
    pub fn new(model: &'m Model) -> Engine<'m> {
        let graphs = Graphs::new(model);
        let n = model.regions.len();
        let mut region_rtt = vec![0.0; n * n];
        for a in 0..n {
            for b in 0..n {
                if a != b {
                    let (ra, rb) = (RegionIdx::from(a), RegionIdx::from(b));
                    region_rtt[a * n + b] = match model.link_between(ra, rb).and_then(|l| l.rtt) {
                        Some(rtt) => rtt.0,
                        None => {
                            crate::geo::derived_rtt(
                                model.regions[a].location,
                                model.regions[b].location,
                            )
                            .0
                        }
                    };
                }
            }
        }
        let user_rtt = model
            .users
            .iter()
            .flat_map(|u| {
                model
                    .regions
                    .iter()
                    .map(move |r| crate::geo::derived_rtt(u.location, r.location).0)
            })
            .collect();
        let mut region_groups = vec![Vec::new(); n];
        let mut az_groups = vec![Vec::new(); model.azs.len()];
        for (g, s) in model.shared.iter().enumerate() {
            for r in &s.regions {
                region_groups[r.idx()].push(g);
            }
            for a in &s.azs {
                az_groups[a.idx()].push(g);
            }
        }
        let closure = std::iter::once(model.entry)
            .chain(graphs.entry_services.iter().copied())
            .map(|s| (s, graphs.fraction(model, Dependency::Service(s))))
            .collect();
        let partial_items = graphs
            .entry_services
            .iter()
            .map(|s| Dependency::Service(*s))
            .chain(
                graphs
                    .entry_datastores
                    .iter()
                    .map(|d| Dependency::Datastore(*d)),
            )
            .chain((0..model.externals.len()).map(|e| Dependency::External(e.into())))
            .map(|d| (d, graphs.fraction(model, d)))
            .filter(|(_, c)| *c > 0.0 && *c < 1.0)
            .collect();
        let rank = |ids: Vec<&str>| -> Vec<u32> {
            let mut order: Vec<usize> = (0..ids.len()).collect();
            order.sort_by(|a, b| ids[*a].as_bytes().cmp(ids[*b].as_bytes()));
            let mut rank = vec![0; ids.len()];
            for (position, i) in order.into_iter().enumerate() {
                rank[i] = position as u32;
            }
            rank
        };
        let service_rank = rank(model.services.iter().map(|s| s.id.as_str()).collect());
        let region_rank = rank(model.regions.iter().map(|r| r.id.as_str()).collect());
        let mut engine = Engine {
            model,
            graphs,
            closure,
            partial_items,
            service_rank,
            region_rank,
            components: model.components(),
            region_rtt,
            user_rtt,
            region_groups,
            az_groups,
            baseline: Core::default(),
            was_serving: vec![false; n],
            nearest: Vec::new(),
            by_rtt: Vec::new(),
            members_by_rtt: Vec::new(),
        };
        for r in 0..n {
            let mut order: Vec<RegionIdx> = (0..n).map(RegionIdx::from).collect();
            order.sort_by(|a, b| {
                let rtt = |x: &RegionIdx| engine.rtt_regions(r.into(), *x);
                rtt(a).total_cmp(&rtt(b)).then_with(|| {
                    model.regions[a.idx()]
                        .id
                        .as_bytes()
                        .cmp(model.regions[b.idx()].id.as_bytes())
                })
            });
            engine.by_rtt.extend(order);
        }
        engine.members_by_rtt = model
            .datastores
            .iter()
            .map(|ds| match &ds.replication {
                Replication::Consensus { regions } | Replication::ActiveActive { regions }
                    if ds.is_quorum() =>
                {
                    (0..n)
                        .map(|h| {
                            if !regions.iter().any(|m| m.idx() == h) {
                                return Vec::new();
                            }
                            let mut list: Vec<(f64, RegionIdx)> = regions
                                .iter()
                                .map(|m| {
                                    (
                                        if m.idx() == h {
                                            0.0
                                        } else {
                                            engine.rtt_regions(h.into(), *m)
                                        },
                                        *m,
                                    )
                                })
                                .collect();
                            list.sort_by(|a, b| a.0.total_cmp(&b.0));
                            list
                        })
                        .collect()
                }
                _ => Vec::new(),
            })
            .collect();
        for u in 0..model.users.len() {
            let mut order: Vec<RegionIdx> = (0..n).map(RegionIdx::from).collect();
            order.sort_by(|a, b| {
                engine
                    .rtt_user(u.into(), *a)
                    .total_cmp(&engine.rtt_user(u.into(), *b))
                    .then_with(|| {
                        model.regions[a.idx()]
                            .id
                            .as_bytes()
                            .cmp(model.regions[b.idx()].id.as_bytes())
                    })
            });
            engine.nearest.extend(order);
        }
        // Active-active loss depends on where users were served before the failure; with
        // nothing failed no member is lost, so the baseline does not need it.
        let mut baseline = engine.core(&Failure::default());
        baseline.time_cap = f64::INFINITY;
        for r in baseline.assignment.iter().flatten() {
            engine.was_serving[r.idx()] = true;
        }
        engine.baseline = baseline;
        engine
    }

    /// Every region by round trip from user group `u`, nearest first, ties by id (the order in
    /// which `geodns`, `anycast` and `global-lb` pick a serving region).
    pub fn nearest_regions(&self, u: UserIdx) -> &[RegionIdx] {
        let n = self.model.regions.len();
        &self.nearest[u.idx() * n..(u.idx() + 1) * n]
    }

    /// Every region by round trip from `r` (itself at 0), nearest first, ties by id.
    pub fn regions_by_rtt(&self, r: RegionIdx) -> &[RegionIdx] {
        let n = self.model.regions.len();
        &self.by_rtt[r.idx() * n..(r.idx() + 1) * n]
    }

    /// A quorum store's members by round trip from one of them (itself first, at 0).
    pub fn members_by_rtt(&self, d: usize, home: RegionIdx) -> &[(f64, RegionIdx)] {
        self.members_by_rtt
            .get(d)
            .and_then(|per_home| per_home.get(home.idx()))
            .map_or(&[], Vec::as_slice)
    }

    pub fn model(&self) -> &'m Model {
        self.model
    }

    pub fn graphs(&self) -> &Graphs {
        &self.graphs
    }

    /// The components in index order (see [`Model::components`]).
    pub fn components(&self) -> &[Component] {
        &self.components
    }

    /// The state with nothing failed.
    pub fn baseline(&self) -> &Core {
        &self.baseline
    }

    /// The index of a component in [`Engine::components`].
    pub fn component_index(&self, c: Component) -> usize {
        let m = self.model;
        let (r, a, l, s) = (m.regions.len(), m.azs.len(), m.links.len(), m.shared.len());
        let e = m.externals.len();
        match c {
            Component::Region(x) => x.idx(),
            Component::Az(x) => r + x.idx(),
            Component::Link(x) => r + a + x.idx(),
            Component::Routing => r + a + l,
            Component::Shared(x) => r + a + l + 1 + x.idx(),
            Component::External(x) => r + a + l + 1 + s + x.idx(),
            Component::Control(x) => r + a + l + 1 + s + e + x.idx(),
        }
    }

    pub fn rtt_regions(&self, a: RegionIdx, b: RegionIdx) -> f64 {
        self.region_rtt[a.idx() * self.model.regions.len() + b.idx()]
    }

    pub fn rtt_user(&self, u: UserIdx, r: RegionIdx) -> f64 {
        self.user_rtt[u.idx() * self.model.regions.len() + r.idx()]
    }

    /// MODEL.md §3.1: which parts are alive and connected.
    ///
    /// Fills `st` for `failure`: from the no-failure baseline, marking only what the failed
    /// components take down (a scenario fails a few components of many).
    fn fill_state(&self, failure: &Failure, st: &mut State) {
        let m = self.model;
        let base = &self.baseline.state;
        if base.region_alive.len() != m.regions.len() {
            // The baseline itself is being computed.
            return self.fill_state_full(failure, st);
        }
        st.region_alive.clone_from(&base.region_alive);
        st.az_alive.clone_from(&base.az_alive);
        st.external_alive.clone_from(&base.external_alive);
        st.routing_failed = false;
        st.wait = 0.0;
        st.detection = base.detection;
        let mut topology_changed = false;
        reset(&mut st.link_failed, m.links.len(), false);
        let kill_region = |st: &mut State, r: RegionIdx| {
            st.region_alive[r.idx()] = false;
            for a in &m.regions[r.idx()].azs {
                st.az_alive[a.idx()] = false;
            }
        };
        let kill_az = |st: &mut State, a: crate::model::AzIdx| {
            st.az_alive[a.idx()] = false;
            let r = m.azs[a.idx()].region;
            if st.region_alive[r.idx()]
                && !m.regions[r.idx()].azs.iter().any(|x| st.az_alive[x.idx()])
            {
                st.region_alive[r.idx()] = false;
            }
        };
        for &i in &failure.components {
            let c = self.components[i];
            st.wait = st.wait.max(m.mttr(c).0);
            match c {
                Component::Region(r) => {
                    kill_region(st, r);
                    topology_changed = true;
                }
                Component::Az(a) => {
                    kill_az(st, a);
                    topology_changed = true;
                }
                Component::Link(l) => {
                    st.link_failed[l.idx()] = true;
                    topology_changed = true;
                }
                Component::Routing => st.routing_failed = true,
                Component::Shared(g) => {
                    let group = &m.shared[g.idx()];
                    for r in &group.regions {
                        kill_region(st, *r);
                    }
                    for a in &group.azs {
                        kill_az(st, *a);
                    }
                    topology_changed = true;
                }
                Component::External(e) => st.external_alive[e.idx()] = false,
                // Control planes are filled after the regions (`control::fill`).
                Component::Control(_) => {}
            }
        }
        if !topology_changed {
            st.link_up.clone_from(&base.link_up);
            st.component.clone_from(&base.component);
            return;
        }
        let n = m.regions.len();
        reset(&mut st.component, n, 0);
        for (r, label) in st.component.iter_mut().enumerate() {
            *label = r;
        }
        reset(&mut st.link_up, m.links.len(), false);
        for (l, link) in m.links.iter().enumerate() {
            let [a, b] = link.ends;
            let up = !st.link_failed[l] && st.region_alive[a.idx()] && st.region_alive[b.idx()];
            st.link_up[l] = up;
            if up {
                union(&mut st.component, a.idx(), b.idx());
            }
        }
        for r in 0..n {
            let root = find(&mut st.component, r);
            st.component[r] = root;
        }
    }

    /// MODEL.md §3.1 computed from scratch, for the baseline and as the reference the fast
    /// path is tested against.
    fn fill_state_full(&self, failure: &Failure, st: &mut State) {
        let m = self.model;
        let (n_regions, n_azs) = (m.regions.len(), m.azs.len());
        reset(&mut st.failed, self.components.len(), false);
        let mut wait: f64 = 0.0;
        for &i in &failure.components {
            st.failed[i] = true;
            wait = wait.max(m.mttr(self.components[i]).0);
        }
        let shared_base = self.component_index(Component::Shared(0usize.into()));
        let failed = &st.failed;
        let group_failed = |groups: &[usize]| groups.iter().any(|g| failed[shared_base + g]);
        reset(&mut st.region_down, n_regions, false);
        for (r, down) in st.region_down.iter_mut().enumerate() {
            *down = failed[r] || group_failed(&self.region_groups[r]);
        }
        reset(&mut st.az_alive, n_azs, false);
        for (a, az) in m.azs.iter().enumerate() {
            st.az_alive[a] = !failed[n_regions + a]
                && !st.region_down[az.region.idx()]
                && !group_failed(&self.az_groups[a]);
        }
        reset(&mut st.region_alive, n_regions, false);
        for (r, region) in m.regions.iter().enumerate() {
            st.region_alive[r] =
                !st.region_down[r] && region.azs.iter().any(|a| st.az_alive[a.idx()]);
        }
        // Connected components by union-find over the up links; the label is the root.
        reset(&mut st.component, n_regions, 0);
        for r in 0..n_regions {
            st.component[r] = r;
        }
        reset(&mut st.link_up, m.links.len(), false);
        let link_base = n_regions + n_azs;
        for (l, link) in m.links.iter().enumerate() {
            let [a, b] = link.ends;
            let up = !failed[link_base + l] && st.region_alive[a.idx()] && st.region_alive[b.idx()];
            st.link_up[l] = up;
            if up {
                union(&mut st.component, a.idx(), b.idx());
            }
        }
        for r in 0..n_regions {
            let root = find(&mut st.component, r);
            st.component[r] = root;
        }
        let ext_base = self.component_index(Component::External(0usize.into()));
        reset(&mut st.external_alive, m.externals.len(), false);
        for e in 0..m.externals.len() {
            st.external_alive[e] = !failed[ext_base + e];
        }
        st.routing_failed = failed[self.component_index(Component::Routing)];
        st.wait = wait;
        st.detection = m.routing.detection().0;
    }

    /// Whether failed links and regions split the alive regions of `failure` into more than
    /// one connected part (the event ¬N of docs/availability.md, step 4): the alive regions
    /// marked in `within` (all of them when `None`). `st` is scratch.
    pub fn splits_network(
        &self,
        failure: &Failure,
        st: &mut State,
        within: Option<&[bool]>,
    ) -> bool {
        self.fill_state(failure, st);
        let mut label = None;
        for (r, (alive, &l)) in st.region_alive.iter().zip(&st.component).enumerate() {
            if *alive && within.is_none_or(|w| w[r]) {
                match label {
                    None => label = Some(l),
                    Some(x) if x != l => return true,
                    _ => {}
                }
            }
        }
        false
    }

    /// An empty scratch for [`Engine::core_into`] and [`Engine::evaluate_into`].
    pub fn scratch(&self) -> Core {
        Core::default()
    }

    /// MODEL.md §3.2-§3.6: recovery, serving regions, routing and capacity.
    pub fn core(&self, failure: &Failure) -> Core {
        let mut core = Core::default();
        self.core_into(failure, &mut core);
        core
    }

    /// Like [`Engine::core`], refilling `core` in place.
    pub fn core_into(&self, failure: &Failure, core: &mut Core) {
        self.core_on(failure, core, None);
    }

    /// Like [`Engine::core_into`], as if every alive region (of those marked in `within`; all
    /// when `None`) were connected to every other whatever the links: the *static network* of
    /// the factored method (docs/availability.md, step 4), whose figures differ from the
    /// model's only where failures split the network. The regions not marked keep their parts
    /// (a region not linked to those marked is never in their part).
    pub fn core_connected_into(&self, failure: &Failure, core: &mut Core, within: Option<&[bool]>) {
        self.core_on(failure, core, Some(within));
    }

    fn core_on(&self, failure: &Failure, core: &mut Core, connected: Option<Option<&[bool]>>) {
        let m = self.model;
        let n = m.regions.len();
        core.regions = n;
        self.fill_state(failure, &mut core.state);
        match connected {
            // One part: every label the same region (labels index per-part tables).
            Some(None) => core.state.component.iter_mut().for_each(|label| *label = 0),
            // The marked regions in one part: the label of the first marked one, which no
            // region outside them has (they are not linked to it).
            Some(Some(within)) => {
                if let Some(first) = within.iter().position(|w| *w) {
                    let label = core.state.component[first];
                    for (l, _) in core
                        .state
                        .component
                        .iter_mut()
                        .zip(within)
                        .filter(|(_, w)| **w)
                    {
                        *l = label;
                    }
                }
            }
            None => {}
        }
        control::fill(self, failure, core);
        change::apply(self, failure, core);
        core.recoveries
            .resize_with(m.datastores.len(), Recovery::default);
        for (i, ds) in m.datastores.iter().enumerate() {
            let corruption = if failure.corrupted.contains(&DatastoreIdx::from(i)) {
                Corruption::Yes
            } else {
                Corruption::No
            };
            datastore::recover_into(
                m,
                ds,
                &core.state,
                corruption,
                &self.was_serving,
                &mut core.recoveries[i],
            );
        }
        self.fill_usable(core);
        reset(&mut core.assignment, m.users.len(), None);
        if !core.state.routing_failed {
            self.route(core);
        }
        let mut down = core.assignment.iter().any(Option::is_none);
        // §10.4: routing that needs a control plane that is down moves no one.
        down |= control::freeze_routing(self, core);
        if down {
            core.assignment.iter_mut().for_each(|a| *a = None);
        }
        reset(&mut core.scaled, n, false);
        core.outcome = Outcome::Down;
        core.served_fraction = 0.0;
        core.surge_cost_per_hour = 0.0;
        core.scale_frozen.clear();
        if !down {
            self.capacity(core);
            if core.outcome == Outcome::Down {
                // Served fraction 0 (MODEL.md §3.6).
                core.assignment.iter_mut().for_each(|a| *a = None);
            } else if core.stuck.iter().any(|s| *s) {
                // §10.5: a stuck group is not served.
                core.outcome = Outcome::Degraded;
            }
        }
    }

    /// MODEL.md §3.3: where each service is usable, services in dependency order. A dependency
    /// is usable from r when it is usable (or has a home) somewhere in r's connected component,
    /// so per-component tables replace a search over regions.
    fn fill_usable(&self, core: &mut Core) {
        let m = self.model;
        let n = m.regions.len();
        let st = &core.state;
        reset(&mut core.usable, m.services.len() * n, false);
        reset(&mut core.usable_in_component, m.services.len() * n, false);
        reset(&mut core.home_in_component, m.datastores.len() * n, false);
        for (d, rec) in core.recoveries.iter().enumerate() {
            for h in &rec.homes {
                if st.region_alive[h.idx()] {
                    core.home_in_component[d * n + st.component[h.idx()]] = true;
                }
            }
        }
        for &s in &self.graphs.service_order {
            let svc = &m.services[s.idx()];
            for r in 0..n {
                if !st.region_alive[r] {
                    continue;
                }
                let has_instance = m.regions[r].azs.iter().any(|a| {
                    instances_up(st, core.broken_service, &core.broken, s.idx(), a.idx())
                        && svc.scaled_instances[a.idx()] > 0
                });
                if !has_instance {
                    continue;
                }
                let label = st.component[r];
                let deps_ok = svc.depends_on.iter().all(|d| match d {
                    Dependency::Service(t) => core.usable_in_component[t.idx() * n + label],
                    Dependency::Datastore(x) => core.home_in_component[x.idx() * n + label],
                    Dependency::External(e) => st.external_alive[e.idx()],
                });
                if deps_ok {
                    core.usable[s.idx() * n + r] = true;
                    core.usable_in_component[s.idx() * n + label] = true;
                }
            }
        }
    }

    /// MODEL.md §3.4: the serving region of each user group (`None` when none serves it).
    fn route(&self, core: &mut Core) {
        let m = self.model;
        let n = m.regions.len();
        let serving = &core.usable[m.entry.idx() * n..(m.entry.idx() + 1) * n];
        match m.routing.kind {
            RoutingKind::FailoverDns => {
                let order = std::iter::once(m.routing.primary)
                    .chain(m.routing.failover_order.iter().copied());
                let pick = order.into_iter().find(|r| serving[r.idx()]);
                core.assignment.iter_mut().for_each(|a| *a = pick);
            }
            _ => {
                // Regions by round trip from each group, ties by id, precomputed.
                for (u, a) in core.assignment.iter_mut().enumerate() {
                    *a = self.nearest[u * n..(u + 1) * n]
                        .iter()
                        .copied()
                        .find(|r| serving[r.idx()]);
                }
            }
        }
    }

    /// A short explanation of why the entry service does not serve with nothing failed: the
    /// dependencies that are usable from no region running it.
    pub fn why_not_serving(&self) -> String {
        let m = self.model;
        let core = &self.baseline;
        let entry = &m.services[m.entry.idx()];
        let running: Vec<RegionIdx> = (0..m.regions.len())
            .map(RegionIdx::from)
            .filter(|r| {
                m.regions[r.idx()]
                    .azs
                    .iter()
                    .any(|a| entry.scaled_instances[a.idx()] > 0)
            })
            .collect();
        if running.is_empty() {
            return format!("the entry service `{}` has no instances anywhere", entry.id);
        }
        if (0..m.regions.len()).any(|r| core.usable(m.entry.idx(), r)) {
            return "routing sends users to no serving region (check `routing.primary` and `routing.failover_order`)".into();
        }
        let state = &core.state;
        let blocked: Vec<String> = entry
            .depends_on
            .iter()
            .filter(|d| {
                running.iter().all(|r| match d {
                    Dependency::Service(t) => !(0..m.regions.len())
                        .any(|x| core.usable(t.idx(), x) && state.connected(*r, x.into())),
                    Dependency::Datastore(x) => !core.recoveries[x.idx()]
                        .homes
                        .iter()
                        .any(|h| state.connected(*r, *h)),
                    Dependency::External(e) => !state.external_alive[e.idx()],
                })
            })
            .map(|d| match d {
                Dependency::Service(t) => format!(
                    "service `{}` is usable in no region reachable from it",
                    m.services[t.idx()].id
                ),
                Dependency::Datastore(x) => format!(
                    "datastore `{}` has no home reachable from it",
                    m.datastores[x.idx()].id
                ),
                Dependency::External(e) => {
                    format!("external `{}` is down", m.externals[e.idx()].id)
                }
            })
            .collect();
        format!(
            "the entry service `{}` runs in {} but {}",
            entry.id,
            running
                .iter()
                .map(|r| format!("`{}`", m.regions[r.idx()].id))
                .collect::<Vec<_>>()
                .join(", "),
            if blocked.is_empty() {
                "a dependency is unreachable".to_string()
            } else {
                blocked.join("; ")
            }
        )
    }

    /// MODEL.md §3.8: users whose data has a copy (home, replica, member or backup) of a store
    /// the entry service needs in a jurisdiction their residency does not allow, with nothing
    /// failed. Stores that are `residency_scoped` keep each group's data in its own
    /// jurisdictions and never count.
    pub fn storage_residency_violations(&self) -> Vec<UserIdx> {
        let m = self.model;
        let copies: Vec<RegionIdx> = self
            .graphs
            .entry_datastores
            .iter()
            .map(|d| &m.datastores[d.idx()])
            .filter(|ds| !ds.residency_scoped)
            .flat_map(|ds| ds.copy_regions(m))
            .collect();
        (0..m.users.len())
            .filter(|u| {
                copies
                    .iter()
                    .any(|r| !m.users[*u].allows(m.regions[r.idx()].jurisdiction.as_deref()))
            })
            .map(UserIdx::from)
            .collect()
    }

    /// Serving and storage residency violations with nothing failed, sorted, without repeats.
    pub fn baseline_residency_violations(
        &self,
        baseline: &ScenarioResult,
        storage: &[UserIdx],
    ) -> Vec<UserIdx> {
        let mut all: Vec<UserIdx> = baseline
            .residency_violations
            .iter()
            .chain(storage)
            .copied()
            .collect();
        all.sort();
        all.dedup();
        all
    }

    /// Evaluates one scenario fully (MODEL.md §3 and §4).
    pub fn evaluate(&self, failure: &Failure) -> ScenarioResult {
        let mut core = Core::default();
        self.evaluate_into(failure, &mut core)
    }

    /// Like [`Engine::evaluate`], reusing `scratch` (from [`Engine::scratch`]) for the
    /// intermediate state.
    pub fn evaluate_into(&self, failure: &Failure, scratch: &mut Core) -> ScenarioResult {
        self.core_into(failure, scratch);
        if let Some(run) = failure.change {
            return change::finish(self, run, scratch);
        }
        self.finish(scratch)
    }

    fn finish(&self, core: &mut Core) -> ScenarioResult {
        let m = self.model;
        let rpo = core
            .recoveries
            .iter()
            .map(|r| r.loss)
            .try_fold(0.0_f64, |acc, l| l.map(|l| acc.max(l)));
        if core.outcome == Outcome::Down {
            let needed_lost = self.graphs.entry_datastores.iter().any(|d| {
                core.recoveries[d.idx()].loss.is_none()
                    && self.graphs.required(m, Dependency::Datastore(*d))
            });
            let rto = if needed_lost {
                None
            } else {
                Some(core.state.wait)
            };
            return ScenarioResult {
                outcome: Outcome::Down,
                rto,
                rpo,
                dns_exposure: 0.0,
                impact: rto,
                failed_requests: rto.map(|t| t * m.peak_rps),
                served_fraction: 0.0,
                worst_rtt_ms: None,
                worst_request_ms: None,
                surge_cost_per_hour: None,
                residency_violations: Vec::new(),
                assignment: core.assignment.clone(),
                degraded_s: rto,
                bottleneck: None,
                frozen: control::frozen(self, core),
                stuck: control::stuck(core),
                blast_radius: 1.0,
                transient_impact: rto,
                change: None,
            };
        }
        let times = times::times(self, core, &mut times::Silent);
        let (worst_rtt, worst_request) = latency::worst(self, core);
        let residency_violations = m
            .users
            .iter()
            .enumerate()
            .filter(|(u, user)| {
                core.assignment[*u]
                    .is_some_and(|r| !user.allows(m.regions[r.idx()].jurisdiction.as_deref()))
            })
            .map(|(u, _)| UserIdx::from(u))
            .collect();
        ScenarioResult {
            outcome: core.outcome,
            rto: Some(times.rto),
            rpo,
            dns_exposure: times.dns_exposure,
            impact: Some(times.impact),
            failed_requests: Some(times.impact * m.peak_rps),
            served_fraction: core.served_fraction,
            worst_rtt_ms: Some(worst_rtt),
            worst_request_ms: Some(worst_request),
            surge_cost_per_hour: Some(core.surge_cost_per_hour),
            residency_violations,
            assignment: core.assignment.clone(),
            degraded_s: Some(match core.outcome {
                Outcome::Degraded => core.state.wait,
                _ => 0.0,
            }),
            bottleneck: core.tiers.bottleneck,
            frozen: control::frozen(self, core),
            stuck: control::stuck(core),
            blast_radius: times.blast_radius.min(1.0),
            transient_impact: Some(times.impact - times.stuck_impact),
            change: None,
        }
    }
}

/// See [`Core::instances_up`] (a free function for loops that write other fields of the core).
fn instances_up(
    st: &State,
    broken_service: Option<usize>,
    broken: &[bool],
    s: usize,
    a: usize,
) -> bool {
    st.az_alive[a] && !(broken_service == Some(s) && broken.get(a).copied().unwrap_or(false))
}

/// Clears a scratch vector and fills it with `len` copies of `value`, keeping its allocation.
fn reset<T: Clone>(v: &mut Vec<T>, len: usize, value: T) {
    v.clear();
    v.resize(len, value);
}

/// Joins the sets of `a` and `b`, the smaller root becoming the label; whether they were
/// apart.
pub(crate) fn union(parent: &mut [usize], a: usize, b: usize) -> bool {
    let (ra, rb) = (find(parent, a), find(parent, b));
    if ra != rb {
        let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
        parent[hi] = lo;
    }
    ra != rb
}

/// Union-find root with path halving.
pub(crate) fn find(parent: &mut [usize], mut x: usize) -> usize {
    while parent[x] != x {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    x
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The incremental state equals the from-scratch state for every pair of components, on a
    /// topology with a shared-fate group holding a region and an AZ.
    #[test]
    fn incremental_state_matches_the_full_computation() {
        let text = r#"
version: 1
regions:
  a: { location: [0, 0], azs: { a1: {}, a2: {} } }
  b: { location: [0, 10], azs: { b1: {} } }
  c: { location: [0, 20], azs: { c1: {}, c2: {} } }
  d: { location: [0, 30], azs: { d1: {} } }
links:
  - between: [a, b]
  - between: [b, c]
  - between: [c, d]
  - between: [a, d]
shared_fate:
  grid: { members: [b, c2] }
externals:
  idp: { availability: 0.999 }
routing: { kind: geodns }
users:
  u: { location: [0, 0], share: 1 }
demand: { peak_rps: 10 }
services:
  web:
    entry: true
    capacity_per_instance: 10
    placement: { a: { per_az: 1 }, b: { per_az: 1 }, c: { per_az: 1 }, d: { per_az: 1 } }
    depends_on: [idp]
"#;
        let source = crate::load::Source {
            name: "t.yaml".into(),
            text: text.into(),
        };
        let Ok(checked) = crate::pipeline::check_source(source, "t") else {
            panic!("the test topology validates")
        };
        let engine = Engine::new(&checked.model);
        let n = engine.components().len();
        let (mut fast, mut full) = (State::default(), State::default());
        for i in 0..n {
            for j in i..n {
                let failure = Failure {
                    components: if i == j { vec![i] } else { vec![i, j] },
                    corrupted: Vec::new(),
                    change: None,
                };
                engine.fill_state(&failure, &mut fast);
                engine.fill_state_full(&failure, &mut full);
                let ids: Vec<String> = failure
                    .components
                    .iter()
                    .map(|c| checked.model.component_id(engine.components()[*c]))
                    .collect();
                assert_eq!(fast.region_alive, full.region_alive, "{ids:?}");
                assert_eq!(fast.az_alive, full.az_alive, "{ids:?}");
                assert_eq!(fast.link_up, full.link_up, "{ids:?}");
                assert_eq!(fast.component, full.component, "{ids:?}");
                assert_eq!(fast.external_alive, full.external_alive, "{ids:?}");
                assert_eq!(fast.routing_failed, full.routing_failed, "{ids:?}");
                assert_eq!(fast.wait, full.wait, "{ids:?}");
            }
        }
    }
}
