//! Stage 2 output: the validated topology, with typed indices and units.
//!
//! Everything here has been checked: references resolve, numbers are in range, defaults are
//! filled in. Entities refer to each other by dense indices (`RegionIdx`, ...) into the vectors of
//! [`Model`], so evaluation can use plain arrays instead of string lookups.

pub mod units;

use std::fmt;

pub use units::{Millis, Probability, Seconds, Usd};

macro_rules! index_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub u32);

        impl $name {
            pub fn idx(self) -> usize {
                self.0 as usize
            }
        }

        impl From<usize> for $name {
            fn from(i: usize) -> Self {
                $name(i as u32)
            }
        }
    };
}

index_type!(/// A region, by its position in [`Model::regions`].
    RegionIdx);
index_type!(/// An availability zone, by its position in [`Model::azs`].
    AzIdx);
index_type!(/// An inter-region link, by its position in [`Model::links`].
    LinkIdx);
index_type!(/// A shared-fate group, by its position in [`Model::shared`].
    SharedIdx);
index_type!(/// An external dependency, by its position in [`Model::externals`].
    ExternalIdx);
index_type!(/// A service, by its position in [`Model::services`].
    ServiceIdx);
index_type!(/// A datastore, by its position in [`Model::datastores`].
    DatastoreIdx);
index_type!(/// A user population, by its position in [`Model::users`].
    UserIdx);
index_type!(/// A control plane, by its position in [`Model::control_planes`].
    ControlIdx);
index_type!(/// A change stream, by its position in [`Model::changes`].
    ChangeIdx);

/// A point on the globe, in degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LatLon {
    pub lat: f64,
    pub lon: f64,
}

/// Something that can fail (MODEL.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Component {
    Region(RegionIdx),
    Az(AzIdx),
    Link(LinkIdx),
    Routing,
    Shared(SharedIdx),
    External(ExternalIdx),
    Control(ControlIdx),
}

/// A scenario class (MODEL.md §2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Class {
    Region,
    Az,
    Link,
    Routing,
    Shared,
    External,
    Control,
    Corruption,
    Change,
    Custom,
    Combo,
}

impl Class {
    pub const ALL: [Class; 11] = [
        Class::Region,
        Class::Az,
        Class::Link,
        Class::Routing,
        Class::Shared,
        Class::External,
        Class::Control,
        Class::Corruption,
        Class::Change,
        Class::Custom,
        Class::Combo,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Class::Region => "region",
            Class::Az => "az",
            Class::Link => "link",
            Class::Routing => "routing",
            Class::Shared => "shared",
            Class::External => "external",
            Class::Control => "control",
            Class::Corruption => "corruption",
            Class::Change => "change",
            Class::Custom => "custom",
            Class::Combo => "combo",
        }
    }

    pub fn parse(text: &str) -> Option<Class> {
        Class::ALL.into_iter().find(|c| c.name() == text)
    }
}

impl fmt::Display for Class {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Debug)]
pub struct Region {
    pub id: String,
    pub location: LatLon,
    pub jurisdiction: Option<String>,
    pub availability: Probability,
    pub mttr: Seconds,
    pub azs: Vec<AzIdx>,
}

#[derive(Clone, Debug)]
pub struct Az {
    pub id: String,
    pub region: RegionIdx,
    pub availability: Probability,
    pub mttr: Seconds,
}

#[derive(Clone, Debug)]
pub struct Link {
    /// The two ends, sorted by region id.
    pub ends: [RegionIdx; 2],
    pub rtt: Option<Millis>,
    pub availability: Probability,
    pub mttr: Seconds,
    pub cost_per_gb: Usd,
}

#[derive(Clone, Debug)]
pub struct SharedFate {
    pub id: String,
    pub regions: Vec<RegionIdx>,
    pub azs: Vec<AzIdx>,
    pub availability: Probability,
    pub mttr: Seconds,
}

#[derive(Clone, Debug)]
pub struct External {
    pub id: String,
    pub availability: Probability,
    pub mttr: Seconds,
}

/// An API or management system that recovery actions call (MODEL.md §10.1).
#[derive(Clone, Debug)]
pub struct ControlPlane {
    pub id: String,
    /// The region hosting it: it is down whenever that region is not alive.
    pub region: Option<RegionIdx>,
    pub availability: Probability,
    pub mttr: Seconds,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RoutingKind {
    GeoDns,
    FailoverDns,
    Anycast,
    GlobalLb,
}

impl RoutingKind {
    pub fn name(self) -> &'static str {
        match self {
            RoutingKind::GeoDns => "geodns",
            RoutingKind::FailoverDns => "failover-dns",
            RoutingKind::Anycast => "anycast",
            RoutingKind::GlobalLb => "global-lb",
        }
    }

    /// DNS kinds have a TTL, cached answers and stale clients.
    pub fn is_dns(self) -> bool {
        matches!(self, RoutingKind::GeoDns | RoutingKind::FailoverDns)
    }
}

#[derive(Clone, Debug)]
pub struct Routing {
    pub kind: RoutingKind,
    /// `failover-dns`: the active region.
    pub primary: RegionIdx,
    /// `failover-dns`: standbys in order (the primary is not in it).
    pub failover_order: Vec<RegionIdx>,
    pub ttl: Seconds,
    pub health_interval: Seconds,
    pub failure_threshold: u32,
    pub convergence: Seconds,
    pub stale_fraction: f64,
    pub stale_duration: Seconds,
    pub availability: Probability,
    pub mttr: Seconds,
    pub cost_per_month: Usd,
    /// MODEL.md §10.4: who moves traffic (DNS kinds; always automatic for the others).
    pub failover: Failover,
    /// `failover: manual`: human time from the page to the record change.
    pub manual_decision: Seconds,
    /// Control planes a routing shift needs (DNS kinds; empty for the others).
    pub requires: Vec<ControlIdx>,
}

impl Routing {
    /// D: the time for health checks to declare a failure.
    pub fn detection(&self) -> Seconds {
        Seconds(self.health_interval.0 * f64::from(self.failure_threshold))
    }
}

#[derive(Clone, Debug)]
pub struct UserGroup {
    pub id: String,
    pub location: LatLon,
    pub share: f64,
    /// Allowed jurisdictions; `None` means any.
    pub residency: Option<Vec<String>>,
}

impl UserGroup {
    /// Whether a region with this jurisdiction may serve the group and store its data.
    pub fn allows(&self, jurisdiction: Option<&str>) -> bool {
        match &self.residency {
            None => true,
            Some(allowed) => jurisdiction.is_some_and(|j| allowed.iter().any(|a| a == j)),
        }
    }
}

/// What a service needs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Dependency {
    Service(ServiceIdx),
    Datastore(DatastoreIdx),
    External(ExternalIdx),
}

#[derive(Clone, Debug)]
pub struct Service {
    pub id: String,
    pub entry: bool,
    pub capacity_per_instance: f64,
    pub cost_per_hour: Usd,
    /// Running instances per AZ, indexed by `AzIdx` (0 where none).
    pub instances: Vec<u32>,
    /// Instances per AZ once scaled up: max(placement, scale_to); equal to `instances` in
    /// regions without `scale_to`.
    pub scaled_instances: Vec<u32>,
    /// Per region: whether the placement there has a `scale_to`.
    pub scales: Vec<bool>,
    /// Per region: how long scaling up takes.
    pub scale_up: Vec<Seconds>,
    /// Per region: whether the service is placed there at all.
    pub placed: Vec<bool>,
    /// What every request needs (plain ids, and `fraction: 1`): decides where it is usable.
    pub depends_on: Vec<Dependency>,
    /// Partial dependencies (MODEL.md §12.4): what only a fraction (in (0, 1)) of requests
    /// needs; they never decide where the service is usable.
    pub partial: Vec<(Dependency, f64)>,
    /// MODEL.md §10.3: control planes that scaling up needs.
    pub scale_requires: Vec<ControlIdx>,
}

impl Service {
    /// Every `depends_on` item with the fraction of requests that need it: the required ones
    /// (fraction 1) first, then the partial ones.
    pub fn needs(&self) -> impl Iterator<Item = (Dependency, f64)> + '_ {
        self.depends_on
            .iter()
            .map(|d| (*d, 1.0))
            .chain(self.partial.iter().copied())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failover {
    Automatic,
    Manual,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Replication {
    SingleAz {
        az: AzIdx,
    },
    MultiAz {
        primary: RegionIdx,
        primary_az: AzIdx,
        standby: bool,
    },
    ActivePassive {
        primary: RegionIdx,
        primary_az: AzIdx,
        standby: bool,
        replicas: Vec<RegionIdx>,
    },
    ActiveActive {
        regions: Vec<RegionIdx>,
    },
    Consensus {
        regions: Vec<RegionIdx>,
    },
}

impl Replication {
    pub fn name(&self) -> &'static str {
        match self {
            Replication::SingleAz { .. } => "single-az",
            Replication::MultiAz { .. } => "multi-az",
            Replication::ActivePassive { .. } => "active-passive",
            Replication::ActiveActive { .. } => "active-active",
            Replication::Consensus { .. } => "consensus",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Backups {
    pub interval: Seconds,
    pub restore: Seconds,
    pub region: RegionIdx,
    pub cost_per_month: Usd,
}

#[derive(Clone, Debug)]
pub struct Datastore {
    pub id: String,
    pub replication: Replication,
    pub sync: bool,
    pub lag: Seconds,
    pub failover: Failover,
    pub promotion: Seconds,
    pub manual_decision: Seconds,
    pub election: Seconds,
    pub ephemeral: bool,
    pub residency_scoped: bool,
    pub backups: Option<Backups>,
    pub storage_gb: f64,
    pub write_mb_per_s: f64,
    pub cost_per_hour: Usd,
    pub storage_cost_per_gb_month: Usd,
    /// MODEL.md §10.2: control planes that promotion and restore need.
    pub requires: Vec<ControlIdx>,
}

impl Datastore {
    /// The region of the first home, used for replication costs (MODEL.md §3.2, last rule).
    pub fn first_home(&self, model: &Model) -> RegionIdx {
        match &self.replication {
            Replication::SingleAz { az } => model.azs[az.idx()].region,
            Replication::MultiAz { primary, .. } | Replication::ActivePassive { primary, .. } => {
                *primary
            }
            Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
                regions[0]
            }
        }
    }

    /// Every region that holds a copy of the data with nothing failed: homes, replicas,
    /// members and the backup region, in that order, without repeats.
    pub fn copy_regions(&self, model: &Model) -> Vec<RegionIdx> {
        let mut out = match &self.replication {
            Replication::SingleAz { az } => vec![model.azs[az.idx()].region],
            Replication::MultiAz { primary, .. } => vec![*primary],
            Replication::ActivePassive {
                primary, replicas, ..
            } => std::iter::once(*primary)
                .chain(replicas.iter().copied())
                .collect(),
            Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
                regions.clone()
            }
        };
        if let Some(b) = &self.backups {
            out.push(b.region);
        }
        let mut seen = Vec::new();
        out.retain(|r| {
            let new = !seen.contains(r);
            seen.push(*r);
            new
        });
        out
    }

    /// Whether the store behaves as a majority quorum: consensus, or synchronous active-active.
    pub fn is_quorum(&self) -> bool {
        matches!(self.replication, Replication::Consensus { .. })
            || (self.sync && matches!(self.replication, Replication::ActiveActive { .. }))
    }
}

/// The limits of the CI gate (MODEL.md §7), in report units, with the key path of each.
#[derive(Clone, Debug, Default)]
pub struct Objectives {
    pub availability: Option<f64>,
    pub survive: Vec<Class>,
    pub rto: Option<Seconds>,
    pub rpo: Option<Seconds>,
    pub max_dns_exposure: Option<Seconds>,
    pub max_monthly_cost: Option<Usd>,
    pub max_rtt: Option<Millis>,
    pub max_request_rtt: Option<Millis>,
    pub residency: bool,
    /// MODEL.md §12.6: the least served fraction a gated scenario may have.
    pub min_served: Option<f64>,
    /// MODEL.md §10.6: no gated scenario may have a frozen recovery action.
    pub static_stability: bool,
    /// MODEL.md §11.7: the largest share of users a change scenario may fail.
    pub max_blast_radius: Option<f64>,
    /// The most downtime a year bad changes may cost (a duration).
    pub max_change_downtime: Option<Seconds>,
    pub waivers: Vec<Waiver>,
}

/// A calendar day, for waiver expiry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Date {
    pub year: i32,
    pub month: u32,
    pub day: u32,
}

impl Date {
    /// Parses `YYYY-MM-DD`.
    pub fn parse(text: &str) -> Option<Date> {
        let mut parts = text.trim().splitn(3, '-');
        let year = parts.next()?.parse().ok()?;
        let month: u32 = parts.next()?.parse().ok()?;
        let day: u32 = parts.next()?.parse().ok()?;
        let days_in_month = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
            2 => 28,
            _ => return None,
        };
        (1..=days_in_month)
            .contains(&day)
            .then_some(Date { year, month, day })
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// An accepted risk: a breach of `objective` (in `scenario`, or overall when `None`) that does
/// not fail the gate until `expires`.
#[derive(Clone, Debug, PartialEq)]
pub struct Waiver {
    pub objective: String,
    pub scenario: Option<String>,
    pub reason: String,
    pub expires: Option<Date>,
    /// The key path of the waiver in the file (`objectives.waivers[0]`), for messages.
    pub path: String,
}

/// What a bad change breaks (MODEL.md §11).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ChangeTarget {
    Service(ServiceIdx),
    Datastore(DatastoreIdx),
    Routing,
}

/// A place a wave of a change reaches: a whole region or one AZ.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    Region(RegionIdx),
    Az(AzIdx),
}

/// A stream of changes of one kind (MODEL.md §11).
#[derive(Clone, Debug)]
pub struct Change {
    pub id: String,
    pub target: ChangeTarget,
    pub per_year: f64,
    pub bad: f64,
    /// `service:` targets: the places of each wave, in order (never empty for them).
    pub waves: Vec<Vec<Place>>,
    pub bake: Seconds,
    pub detect: Seconds,
    pub rollback: Seconds,
    pub latent: f64,
    pub health_checked: bool,
    /// The key path of the change in the file (`changes.web-release`), for annotations.
    pub path: String,
}

impl Change {
    /// T: how long every reached wave stays broken (detect + rollback).
    pub fn duration(&self) -> f64 {
        self.detect.0 + self.rollback.0
    }

    /// MODEL.md §11.1: the number of waves a bad change reaches: wave 1, and every wave i
    /// that starts ((i - 1) x bake) strictly before `detect`; every wave when bake is 0 or the
    /// fault is latent.
    pub fn waves_reached(&self, latent: bool) -> usize {
        let n = self.waves.len();
        if latent || self.bake.0 == 0.0 {
            return n;
        }
        (1..=n)
            .take_while(|i| *i == 1 || (*i - 1) as f64 * self.bake.0 < self.detect.0)
            .count()
    }

    /// Bad changes a year of the scenario (MODEL.md §11.6).
    pub fn frequency(&self, latent: bool) -> f64 {
        let share = if latent {
            self.latent
        } else {
            1.0 - self.latent
        };
        self.per_year * self.bad * share
    }

    /// The scenario id: `change:<id>` or `change:<id>:latent`.
    pub fn scenario_id(&self, latent: bool) -> String {
        if latent {
            format!("change:{}:latent", self.id)
        } else {
            format!("change:{}", self.id)
        }
    }
}

/// One entry of a custom scenario's `fail` list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FailItem {
    Component(Component),
    Corruption(DatastoreIdx),
}

#[derive(Clone, Debug)]
pub struct CustomScenario {
    pub name: String,
    pub fail: Vec<FailItem>,
    /// Whether the objectives gate it (`gate: false` in the file makes it informational).
    pub gate: bool,
}

/// The validated topology.
#[derive(Clone, Debug)]
pub struct Model {
    pub name: String,
    pub description: String,
    pub regions: Vec<Region>,
    pub azs: Vec<Az>,
    pub links: Vec<Link>,
    pub shared: Vec<SharedFate>,
    pub externals: Vec<External>,
    pub control_planes: Vec<ControlPlane>,
    pub routing: Routing,
    pub users: Vec<UserGroup>,
    pub peak_rps: f64,
    pub services: Vec<Service>,
    pub entry: ServiceIdx,
    pub datastores: Vec<Datastore>,
    pub objectives: Option<Objectives>,
    pub changes: Vec<Change>,
    pub scenarios: Vec<CustomScenario>,
}

impl Model {
    /// Whether `id` is a custom scenario marked `gate: false`: reported, never gated.
    pub fn informational(&self, id: &str) -> bool {
        self.scenarios.iter().any(|s| s.name == id && !s.gate)
    }

    /// Every component that can fail, in a fixed order: regions, AZs, links, routing, shared-fate
    /// groups, externals, control planes (file order within each kind).
    pub fn components(&self) -> Vec<Component> {
        let mut out = Vec::new();
        out.extend((0..self.regions.len()).map(|i| Component::Region(i.into())));
        out.extend((0..self.azs.len()).map(|i| Component::Az(i.into())));
        out.extend((0..self.links.len()).map(|i| Component::Link(i.into())));
        out.push(Component::Routing);
        out.extend((0..self.shared.len()).map(|i| Component::Shared(i.into())));
        out.extend((0..self.externals.len()).map(|i| Component::External(i.into())));
        out.extend((0..self.control_planes.len()).map(|i| Component::Control(i.into())));
        out
    }

    /// The stable id of a component (`region:us-east`, `link:a~b`, `routing`, ...).
    pub fn component_id(&self, c: Component) -> String {
        match c {
            Component::Region(r) => format!("region:{}", self.regions[r.idx()].id),
            Component::Az(a) => format!("az:{}", self.azs[a.idx()].id),
            Component::Link(l) => {
                let [a, b] = self.links[l.idx()].ends;
                format!(
                    "link:{}~{}",
                    self.regions[a.idx()].id,
                    self.regions[b.idx()].id
                )
            }
            Component::Routing => "routing".into(),
            Component::Shared(s) => format!("shared:{}", self.shared[s.idx()].id),
            Component::External(e) => format!("external:{}", self.externals[e.idx()].id),
            Component::Control(c) => format!("control:{}", self.control_planes[c.idx()].id),
        }
    }

    pub fn fail_item_id(&self, item: FailItem) -> String {
        match item {
            FailItem::Component(c) => self.component_id(c),
            FailItem::Corruption(d) => format!("corruption:{}", self.datastores[d.idx()].id),
        }
    }

    /// The class of a single-component scenario.
    pub fn component_class(c: Component) -> Class {
        match c {
            Component::Region(_) => Class::Region,
            Component::Az(_) => Class::Az,
            Component::Link(_) => Class::Link,
            Component::Routing => Class::Routing,
            Component::Shared(_) => Class::Shared,
            Component::External(_) => Class::External,
            Component::Control(_) => Class::Control,
        }
    }

    pub fn availability(&self, c: Component) -> Probability {
        match c {
            Component::Region(r) => self.regions[r.idx()].availability,
            Component::Az(a) => self.azs[a.idx()].availability,
            Component::Link(l) => self.links[l.idx()].availability,
            Component::Routing => self.routing.availability,
            Component::Shared(s) => self.shared[s.idx()].availability,
            Component::External(e) => self.externals[e.idx()].availability,
            Component::Control(c) => self.control_planes[c.idx()].availability,
        }
    }

    pub fn mttr(&self, c: Component) -> Seconds {
        match c {
            Component::Region(r) => self.regions[r.idx()].mttr,
            Component::Az(a) => self.azs[a.idx()].mttr,
            Component::Link(l) => self.links[l.idx()].mttr,
            Component::Routing => self.routing.mttr,
            Component::Shared(s) => self.shared[s.idx()].mttr,
            Component::External(e) => self.externals[e.idx()].mttr,
            Component::Control(c) => self.control_planes[c.idx()].mttr,
        }
    }

    /// The link between two regions, if any.
    pub fn link_between(&self, a: RegionIdx, b: RegionIdx) -> Option<&Link> {
        self.links
            .iter()
            .find(|l| (l.ends[0] == a && l.ends[1] == b) || (l.ends[0] == b && l.ends[1] == a))
    }
}
