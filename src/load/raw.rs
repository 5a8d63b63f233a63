//! Raw serde structs: the topology file exactly as written, before any meaning is given to it.
//!
//! Every struct denies unknown fields so that a typo fails with "unknown field ..., expected one
//! of ...". Quantities with units stay as [`Quantity`] (a number or a string) here; validation
//! parses them so that a bad value gets a located diagnostic rather than a serde message.

use std::fmt;

use indexmap::IndexMap;
use serde::Deserialize;
use serde::de::{self, Deserializer, Visitor};

/// A number or a string: durations (`30s` or `30`), availabilities (`0.999` or `"99.9%"`).
#[derive(Clone, Debug, PartialEq)]
pub enum Quantity {
    Number(f64),
    Text(String),
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Quantity;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a number or a string such as `30s` or `\"99.9%\"`")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Quantity, E> {
                Ok(Quantity::Number(v as f64))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Quantity, E> {
                Ok(Quantity::Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// One value or a list of them (`residency: EU` or `residency: [EU, UK]`).
#[derive(Clone, Debug, Deserialize, schemars::JsonSchema)]
#[serde(untagged, expecting = "a jurisdiction or a list of jurisdictions")]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

/// The top-level keys, each section still undecoded so that a problem in one entry does not
/// hide the problems in the others.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSections {
    pub version: Option<super::yaml::Node>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub regions: Option<super::yaml::Node>,
    pub links: Option<super::yaml::Node>,
    pub shared_fate: Option<super::yaml::Node>,
    pub externals: Option<super::yaml::Node>,
    pub control_planes: Option<super::yaml::Node>,
    pub routing: Option<super::yaml::Node>,
    pub users: Option<super::yaml::Node>,
    pub demand: Option<super::yaml::Node>,
    pub services: Option<super::yaml::Node>,
    pub datastores: Option<super::yaml::Node>,
    pub objectives: Option<super::yaml::Node>,
    pub changes: Option<super::yaml::Node>,
    pub scenarios: Option<super::yaml::Node>,
}

/// The whole file, decoded; ids are the map keys in file order.
#[derive(Debug, Default, schemars::JsonSchema)]
#[schemars(
    rename = "Topology",
    title = "drplan topology",
    description = "A drplan topology file (format version 1): regions, links, routing, users, services and datastores. See MODEL.md and the README's topology file reference.",
    deny_unknown_fields
)]
pub struct RawTopology {
    /// The format version; must be `1`.
    #[schemars(required, schema_with = "crate::schema::version")]
    pub version: Option<Quantity>,
    /// The topology's name in reports. Default: the file name without extension.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Regions by id. Region and AZ ids share one namespace.
    #[schemars(extend("minProperties" = 1))]
    pub regions: IndexMap<String, RawRegion>,
    /// Inter-region network links.
    #[schemars(default)]
    pub links: Vec<RawLink>,
    /// Shared-fate groups by id: regions and AZs that all fail together (a power grid, a provider-wide outage).
    #[schemars(default)]
    pub shared_fate: IndexMap<String, RawSharedFate>,
    /// Dependencies outside the topology (an identity provider, a payment API), by id.
    #[schemars(default)]
    pub externals: IndexMap<String, RawExternal>,
    /// Control planes by id (MODEL.md §10): APIs that recovery actions call (a DNS record API, a database's management API, a compute API).
    #[schemars(default)]
    pub control_planes: IndexMap<String, RawControlPlane>,
    /// How users reach regions.
    #[schemars(required)]
    pub routing: Option<RawRouting>,
    /// User populations by id; their shares sum to 1.
    #[schemars(extend("minProperties" = 1))]
    pub users: IndexMap<String, RawUsers>,
    /// Total demand.
    #[schemars(required)]
    pub demand: Option<RawDemand>,
    /// Services by id; exactly one has `entry: true`.
    #[schemars(extend("minProperties" = 1))]
    pub services: IndexMap<String, RawService>,
    /// Datastores by id.
    #[schemars(default)]
    pub datastores: IndexMap<String, RawDatastore>,
    /// The CI gate: without it there is no gate.
    pub objectives: Option<RawObjectives>,
    /// Streams of changes (deployments, configuration pushes) by id (MODEL.md §11).
    #[schemars(default)]
    pub changes: IndexMap<String, RawChange>,
    /// Extra named failure scenarios.
    #[schemars(default)]
    pub scenarios: Vec<RawScenario>,
}

/// A region: a shared-fate failure domain holding availability zones.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Region", extend("required" = ["location", "azs"]))]
pub struct RawRegion {
    /// `[lat, lon]` in degrees.
    #[schemars(length(equal = 2))]
    pub location: Vec<f64>,
    /// The legal jurisdiction, e.g. `US`, `EU`, `UK`, `SG`. Default: unknown (never satisfies a residency rule).
    pub jurisdiction: Option<String>,
    /// Availability of the region as a whole (region-wide failure): a fraction (`0.9999`) or a percent string (`"99.99%"`).
    #[schemars(default, schema_with = "crate::schema::availability", extend("default" = 0.9999))]
    pub availability: Option<Quantity>,
    /// Mean time to repair the region: a duration (`8h`) or seconds.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "8h"))]
    pub mttr: Option<Quantity>,
    /// Availability zones by id (at least one). An AZ may be written `az-id: {}` or `az-id:` for all defaults.
    #[serde(default)]
    #[schemars(extend("minProperties" = 1))]
    pub azs: Option<IndexMap<String, Option<RawAz>>>,
}

/// One availability zone.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Az")]
pub struct RawAz {
    /// Availability of the AZ: a fraction or a percent string.
    #[schemars(default, schema_with = "crate::schema::availability", extend("default" = 0.9999))]
    pub availability: Option<Quantity>,
    /// Mean time to repair the AZ.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "4h"))]
    pub mttr: Option<Quantity>,
}

/// An inter-region network link.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Link")]
pub struct RawLink {
    /// The two regions it joins: `[region, region]`.
    #[schemars(length(equal = 2))]
    pub between: Vec<String>,
    /// The measured round trip (`62ms`). Default: derived from the great-circle distance.
    #[schemars(default, schema_with = "crate::schema::duration")]
    pub rtt: Option<Quantity>,
    /// Availability of the link.
    #[schemars(default, schema_with = "crate::schema::availability", extend("default" = 0.9999))]
    pub availability: Option<Quantity>,
    /// Mean time to repair the link.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "2h"))]
    pub mttr: Option<Quantity>,
    /// Replication traffic price, USD per GB.
    #[schemars(extend("default" = 0.02))]
    pub cost_per_gb: Option<f64>,
}

/// Regions and AZs that all fail when this group fails.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "SharedFate")]
pub struct RawSharedFate {
    /// Region and AZ ids.
    pub members: Vec<String>,
    /// Availability of the group.
    #[schemars(default, schema_with = "crate::schema::availability", extend("default" = 0.99999))]
    pub availability: Option<Quantity>,
    /// Mean time to repair.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "2h"))]
    pub mttr: Option<Quantity>,
}

/// A dependency outside the topology.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "External")]
pub struct RawExternal {
    /// Availability of the dependency (required).
    #[schemars(schema_with = "crate::schema::availability")]
    pub availability: Quantity,
    /// Mean time to repair.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "1h"))]
    pub mttr: Option<Quantity>,
}

/// An API or management system that recovery actions call (MODEL.md §10).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "ControlPlane")]
pub struct RawControlPlane {
    /// The region hosting it: it fails with that region. Default: none (it fails only on its own).
    pub region: Option<String>,
    /// Availability of the control plane.
    #[schemars(default, schema_with = "crate::schema::availability", extend("default" = 0.9999))]
    pub availability: Option<Quantity>,
    /// Mean time to repair.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "1h"))]
    pub mttr: Option<Quantity>,
}

/// A stream of changes of one kind (MODEL.md §11).
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Change")]
pub struct RawChange {
    /// What a bad change breaks: `service:<id>`, `datastore:<id>` or `routing`.
    #[schemars(extend("pattern" = "^(routing|(service|datastore):.+)$"))]
    pub target: String,
    /// Changes of this kind a year.
    pub per_year: f64,
    /// The fraction of changes that are bad (the change failure rate).
    #[schemars(extend("default" = 0.05, "minimum" = 0, "maximum" = 1))]
    pub bad: Option<f64>,
    /// `service:` targets only: lists of region and AZ ids, applied in order. Default: one wave of every region placing the service.
    pub waves: Option<Vec<Vec<String>>>,
    /// Time from one wave's start to the next.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "0s"))]
    pub bake: Option<Quantity>,
    /// Time from the first wave's start until a bad change is noticed.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "10m"))]
    pub detect: Option<Quantity>,
    /// Time to undo a bad change everywhere once noticed.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "15m"))]
    pub rollback: Option<Quantity>,
    /// Fraction of bad changes whose fault shows only after the last wave.
    #[schemars(extend("default" = 0, "minimum" = 0, "maximum" = 1))]
    pub latent: Option<f64>,
    /// Health checks see the breakage (broken instances fail their checks and are routed around).
    #[schemars(extend("default" = false))]
    pub health_checked: Option<bool>,
}

/// How user traffic reaches regions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "RoutingKind")]
pub enum RawRoutingKind {
    /// DNS answering each user group with its lowest-RTT serving region.
    Geodns,
    /// DNS answering with `primary` while it serves, else the first serving region of `failover_order`.
    FailoverDns,
    /// One anycast prefix; BGP sends users to the nearest serving region.
    Anycast,
    /// A global load balancer: lowest-RTT region, capacity pooled across regions.
    GlobalLb,
}

/// The routing front door.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Routing")]
pub struct RawRouting {
    /// `geodns`, `failover-dns`, `anycast` or `global-lb`.
    pub kind: RawRoutingKind,
    /// `failover-dns`: the active region. Default: the first region.
    pub primary: Option<String>,
    /// `failover-dns`: the standby regions in order; a region left out is never used. Default: the other regions in file order.
    pub failover_order: Option<Vec<String>>,
    /// DNS record TTL (DNS kinds only).
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "60s"))]
    pub ttl: Option<Quantity>,
    /// Health checks of regions and AZs; detection takes `interval` x `failure_threshold`.
    pub health_check: Option<RawHealthCheck>,
    /// `anycast` only: BGP convergence after a withdrawal.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "60s"))]
    pub convergence: Option<Quantity>,
    /// DNS kinds: clients that ignore the TTL.
    pub stale_clients: Option<RawStaleClients>,
    /// Availability of the routing provider itself.
    #[schemars(default, schema_with = "crate::schema::availability", extend("default" = 0.99999))]
    pub availability: Option<Quantity>,
    /// Mean time to repair the routing provider.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "2h"))]
    pub mttr: Option<Quantity>,
    /// USD per month.
    #[schemars(extend("default" = 0))]
    pub cost_per_month: Option<f64>,
    /// `automatic` (health checks move traffic) or `manual` (people decide, then change the records); DNS kinds only.
    #[schemars(extend("default" = "automatic"))]
    pub failover: Option<RawFailover>,
    /// `failover: manual`: human time from the page to the record change.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "1h"))]
    pub manual_decision: Option<Quantity>,
    /// Control planes a routing shift needs (the DNS provider's record API); DNS kinds only.
    #[serde(default)]
    pub requires: Vec<String>,
}

/// Health checks of regions and AZs.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "HealthCheck")]
pub struct RawHealthCheck {
    /// Time between checks.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "10s"))]
    pub interval: Option<Quantity>,
    /// Failed checks before a region or AZ is declared down.
    #[schemars(extend("default" = 3))]
    pub failure_threshold: Option<u32>,
}

/// DNS clients that ignore the TTL.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "StaleClients")]
pub struct RawStaleClients {
    /// The fraction of clients that ignore the TTL.
    #[schemars(extend("default" = 0.02))]
    pub fraction: Option<f64>,
    /// How long after detection they keep the old answer.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "15m"))]
    pub duration: Option<Quantity>,
}

/// A user population.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Users")]
pub struct RawUsers {
    /// `[lat, lon]` in degrees.
    #[schemars(length(equal = 2))]
    pub location: Vec<f64>,
    /// Fraction of the traffic; the shares of all groups sum to 1.
    pub share: f64,
    /// Jurisdictions allowed to serve the group and store its data: `EU` or `[EU, UK]`. Default: any.
    pub residency: Option<OneOrMany>,
}

/// Total demand.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Demand")]
pub struct RawDemand {
    /// Total peak requests per second.
    pub peak_rps: f64,
}

/// A service: instances placed in regions and AZs.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Service")]
pub struct RawService {
    /// `true` for the one service users call.
    #[serde(default)]
    pub entry: bool,
    /// Requests per second one instance serves.
    pub capacity_per_instance: f64,
    /// USD per running instance per hour.
    #[schemars(extend("default" = 0))]
    pub cost_per_hour: Option<f64>,
    /// Instances per region: `{per_az: N}` or `{azs: {<az>: N}}`, optionally with `scale_to` and `scale_up`.
    pub placement: IndexMap<String, RawPlacement>,
    /// Services, datastores and externals it needs: an id, or `{id: X, fraction: F}` when only
    /// that fraction of requests needs it (a partial dependency, MODEL.md §12.4).
    #[serde(default)]
    pub depends_on: Vec<RawDependency>,
    /// Control planes that scaling up needs (the compute API).
    #[serde(default)]
    pub scale_requires: Vec<String>,
}

/// One `depends_on` item: an id (every request needs it) or `{id, fraction}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(
    untagged,
    expecting = "an id, or `{id: X, fraction: F}` for a dependency only a fraction F of requests needs"
)]
pub enum RawDependency {
    Id(String),
    Partial(RawPartialDependency),
}

/// A partial dependency: only `fraction` of the requests need `id`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "PartialDependency")]
pub struct RawPartialDependency {
    /// The service, datastore or external.
    pub id: String,
    /// The fraction of requests that need it, in (0, 1].
    pub fraction: f64,
}

impl RawDependency {
    /// The id it names.
    pub fn id(&self) -> &str {
        match self {
            RawDependency::Id(id) => id,
            RawDependency::Partial(p) => &p.id,
        }
    }

    /// The fraction of requests that need it (1 for a plain id).
    pub fn fraction(&self) -> f64 {
        match self {
            RawDependency::Id(_) => 1.0,
            RawDependency::Partial(p) => p.fraction,
        }
    }
}

/// Instances of a service in one region: `{per_az: N}` or `{azs: {az: N}}`.
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "Shape",
    extend("oneOf" = [{"required": ["per_az"]}, {"required": ["azs"]}])
)]
pub struct RawShape {
    /// N instances in every AZ of the region.
    pub per_az: Option<u32>,
    /// Instances per AZ id; unlisted AZs have none.
    pub azs: Option<IndexMap<String, u32>>,
}

/// Instances of a service in one region, and what the region grows to on failover.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "Placement",
    extend("oneOf" = [{"required": ["per_az"]}, {"required": ["azs"]}])
)]
pub struct RawPlacement {
    /// N instances in every AZ of the region.
    pub per_az: Option<u32>,
    /// Instances per AZ id; unlisted AZs have none.
    pub azs: Option<IndexMap<String, u32>>,
    /// What the region grows to when failover sends it more load than it serves (pilot light, warm standby); same shape as the placement.
    pub scale_to: Option<RawShape>,
    /// How long growing to `scale_to` takes.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "10m"))]
    pub scale_up: Option<Quantity>,
}

/// How a datastore keeps its copies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "Replication")]
pub enum RawReplication {
    /// One copy in one AZ (`az`).
    SingleAz,
    /// A primary in one region (`primary`), optionally with a synchronous standby in another AZ.
    MultiAz,
    /// A primary region and standby regions (`replicas`) promoted in order.
    ActivePassive,
    /// Every member region (`regions`) takes writes.
    ActiveActive,
    /// A majority quorum over `regions`; the first is the leader.
    Consensus,
}

/// Whether a failover needs a human.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, schemars::JsonSchema)]
#[serde(rename_all = "kebab-case")]
#[schemars(rename = "Failover")]
pub enum RawFailover {
    /// Promote as soon as the failure is detected.
    Automatic,
    /// Wait for `manual_decision` before promoting.
    Manual,
}

/// A datastore and how it replicates.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(
    rename = "Datastore",
    extend("allOf" = [
        {"if": {"required": ["replication"], "properties": {"replication": {"const": "single-az"}}},
         "then": {"required": ["az"]}},
        {"if": {"required": ["replication"], "properties": {"replication": {"const": "multi-az"}}},
         "then": {"required": ["primary"]}},
        {"if": {"required": ["replication"], "properties": {"replication": {"const": "active-passive"}}},
         "then": {"required": ["primary", "replicas"]}},
        {"if": {"required": ["replication"], "properties": {"replication": {"enum": ["active-active", "consensus"]}}},
         "then": {"required": ["regions"]}}
    ])
)]
pub struct RawDatastore {
    /// `single-az`, `multi-az`, `active-passive`, `active-active` or `consensus`.
    pub replication: RawReplication,
    /// `single-az`: its AZ.
    pub az: Option<String>,
    /// `multi-az`, `active-passive`: the home region.
    pub primary: Option<String>,
    /// The AZ of the leader, in `primary`. Default: the first AZ of `primary`.
    pub primary_az: Option<String>,
    /// `multi-az`, `active-passive`: a synchronous standby in another AZ of the primary region, charged as a copy.
    #[schemars(extend("default" = true))]
    pub standby_in_region: Option<bool>,
    /// `active-passive`: standby regions, in promotion order.
    pub replicas: Option<Vec<String>>,
    /// `active-active`, `consensus`: member regions; for consensus the first is the leader.
    pub regions: Option<Vec<String>>,
    /// Replication to other regions is synchronous.
    #[schemars(extend("default" = false))]
    pub sync: Option<bool>,
    /// Asynchronous replication lag.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "1s"))]
    pub lag: Option<Quantity>,
    /// `automatic` or `manual` promotion.
    #[schemars(extend("default" = "automatic"))]
    pub failover: Option<RawFailover>,
    /// Time to promote a standby or replica.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "60s"))]
    pub promotion: Option<Quantity>,
    /// Human time from the page to the decision and runbook.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "1h"))]
    pub manual_decision: Option<Quantity>,
    /// Consensus and synchronous active-active: leader election time.
    #[schemars(default, schema_with = "crate::schema::duration", extend("default" = "10s"))]
    pub election: Option<Quantity>,
    /// A cache: its contents never count as lost data.
    #[schemars(extend("default" = false))]
    pub ephemeral: Option<bool>,
    /// Each user group's data is kept only in regions its residency allows (sharded by jurisdiction).
    #[schemars(extend("default" = false))]
    pub residency_scoped: Option<bool>,
    /// Last-resort restore from backups.
    pub backups: Option<RawBackups>,
    /// GB stored per copy.
    #[schemars(extend("default" = 0))]
    pub storage_gb: Option<f64>,
    /// Write rate in MB/s, for replication traffic.
    #[schemars(extend("default" = 0))]
    pub write_mb_per_s: Option<f64>,
    /// USD per copy per hour.
    #[schemars(extend("default" = 0))]
    pub cost_per_hour: Option<f64>,
    /// USD per GB-month of storage.
    #[schemars(extend("default" = 0.10))]
    pub storage_cost_per_gb_month: Option<f64>,
    /// Control planes that promotion and restore need.
    #[serde(default)]
    pub requires: Vec<String>,
}

/// Backups: the last-resort restore.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Backups")]
pub struct RawBackups {
    /// Time between backups (the data lost on restore).
    #[schemars(schema_with = "crate::schema::duration")]
    pub interval: Quantity,
    /// Time to restore.
    #[schemars(schema_with = "crate::schema::duration")]
    pub restore: Quantity,
    /// The region where backups are kept and restored.
    pub region: String,
    /// USD per month.
    #[schemars(extend("default" = 0))]
    pub cost_per_month: Option<f64>,
}

/// The CI gate: `drplan analyze` exits 1 when one of these is breached. A value equal to its limit passes.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Objectives")]
pub struct RawObjectives {
    /// Breached when the effective availability is below it. Also spelled
    /// `effective_availability`, the figure it is compared with.
    #[serde(alias = "effective_availability")]
    #[schemars(default, schema_with = "crate::schema::availability")]
    pub availability: Option<Quantity>,
    /// Scenario classes that must not be `down` (custom scenarios are always gated).
    #[schemars(extend("default" = ["az"], "items" = {"enum": ["region", "az", "link", "routing", "shared", "external", "control", "corruption", "change", "custom", "combo"]}))]
    pub survive: Option<Vec<String>>,
    /// Breached when a gated scenario's RTO exceeds it.
    #[schemars(default, schema_with = "crate::schema::duration")]
    pub rto: Option<Quantity>,
    /// Breached when a gated scenario's RPO exceeds it.
    #[schemars(default, schema_with = "crate::schema::duration")]
    pub rpo: Option<Quantity>,
    /// Breached when a gated scenario's DNS exposure exceeds it.
    #[schemars(default, schema_with = "crate::schema::duration")]
    pub max_dns_exposure: Option<Quantity>,
    /// Breached when the monthly cost (USD) exceeds it.
    pub max_monthly_cost: Option<f64>,
    /// Breached when the worst user round trip with nothing failed exceeds it (`250ms`).
    #[schemars(default, schema_with = "crate::schema::duration")]
    pub max_rtt: Option<Quantity>,
    /// Breached when the worst request time with nothing failed exceeds it.
    #[schemars(default, schema_with = "crate::schema::duration")]
    pub max_request_rtt: Option<Quantity>,
    /// `true`: any residency violation with nothing failed, or in a gated scenario, is a breach.
    #[schemars(extend("default" = false))]
    pub residency: Option<bool>,
    /// Breached when a gated scenario's served fraction is below it (MODEL.md §12.6): `1` with
    /// `survive: [region]` says "the standby must carry the whole load". A fraction or a
    /// percent string.
    #[schemars(default, schema_with = "crate::schema::availability")]
    pub min_served: Option<Quantity>,
    /// `true`: a gated scenario whose recovery needed a control plane that was down (`frozen` not empty) is a breach.
    #[schemars(extend("default" = false))]
    pub static_stability: Option<bool>,
    /// Breached when a change scenario's blast radius (share of users with failed requests) exceeds it, gated or not.
    #[schemars(extend("minimum" = 0, "maximum" = 1))]
    pub max_blast_radius: Option<f64>,
    /// Breached when bad changes cost more downtime a year than this duration (`1h`).
    #[schemars(default, schema_with = "crate::schema::duration")]
    pub max_change_downtime: Option<Quantity>,
    /// Accepted, known breaches that do not fail the gate.
    #[serde(default)]
    pub waivers: Vec<RawWaiver>,
}

/// An accepted, known breach: `{objective, scenario, reason, expires}`.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Waiver")]
pub struct RawWaiver {
    /// The objective whose breach is accepted; `"*"`, with a `scenario`, accepts the breaches of
    /// every objective in that scenario.
    #[schemars(extend("enum" = ["*", "availability", "effective_availability", "survive", "rto", "rpo", "max_dns_exposure", "max_monthly_cost", "max_rtt", "max_request_rtt", "residency", "min_served", "static_stability", "max_blast_radius", "max_change_downtime"]))]
    pub objective: String,
    /// The scenario id the waiver covers. Default: the overall breach (`scenario: null`).
    pub scenario: Option<String>,
    /// Why the risk is accepted.
    pub reason: String,
    /// `YYYY-MM-DD`; the waiver stops applying after this day.
    #[schemars(extend("pattern" = "^\\s*[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}\\s*$"))]
    pub expires: Option<String>,
}

/// A named failure scenario: components that fail together.
#[derive(Debug, Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(rename = "Scenario")]
pub struct RawScenario {
    /// The scenario's id in reports; must not equal a generated id.
    pub name: String,
    /// Component ids: `region:<id>`, `az:<id>`, `link:<a>~<b>` (ids sorted), `routing`, `shared:<id>`, `external:<id>`, `control:<id>`, and `corruption:<datastore>`.
    #[schemars(extend("minItems" = 1, "items" = {"type": "string", "pattern": "^(routing|(region|az|link|shared|external|corruption):.+)$"}))]
    pub fail: Vec<String>,
    /// Whether the objectives gate this scenario. `false` makes it informational: a what-if
    /// kept in every report and out of the verdict. Default: `true`.
    #[schemars(extend("default" = true))]
    pub gate: Option<bool>,
}
