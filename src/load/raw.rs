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
#[derive(Clone, Debug, Deserialize)]
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
    pub routing: Option<super::yaml::Node>,
    pub users: Option<super::yaml::Node>,
    pub demand: Option<super::yaml::Node>,
    pub services: Option<super::yaml::Node>,
    pub datastores: Option<super::yaml::Node>,
    pub objectives: Option<super::yaml::Node>,
    pub scenarios: Option<super::yaml::Node>,
}

/// The whole file, decoded; ids are the map keys in file order.
#[derive(Debug, Default)]
pub struct RawTopology {
    pub version: Option<Quantity>,
    pub name: Option<String>,
    pub description: Option<String>,
    pub regions: IndexMap<String, RawRegion>,
    pub links: Vec<RawLink>,
    pub shared_fate: IndexMap<String, RawSharedFate>,
    pub externals: IndexMap<String, RawExternal>,
    pub routing: Option<RawRouting>,
    pub users: IndexMap<String, RawUsers>,
    pub demand: Option<RawDemand>,
    pub services: IndexMap<String, RawService>,
    pub datastores: IndexMap<String, RawDatastore>,
    pub objectives: Option<RawObjectives>,
    pub scenarios: Vec<RawScenario>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub location: Vec<f64>,
    pub jurisdiction: Option<String>,
    pub availability: Option<Quantity>,
    pub mttr: Option<Quantity>,
    #[serde(default)]
    pub azs: Option<IndexMap<String, Option<RawAz>>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAz {
    pub availability: Option<Quantity>,
    pub mttr: Option<Quantity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLink {
    pub between: Vec<String>,
    pub rtt: Option<Quantity>,
    pub availability: Option<Quantity>,
    pub mttr: Option<Quantity>,
    pub cost_per_gb: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSharedFate {
    pub members: Vec<String>,
    pub availability: Option<Quantity>,
    pub mttr: Option<Quantity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawExternal {
    pub availability: Quantity,
    pub mttr: Option<Quantity>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawRoutingKind {
    Geodns,
    FailoverDns,
    Anycast,
    GlobalLb,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouting {
    pub kind: RawRoutingKind,
    pub primary: Option<String>,
    pub failover_order: Option<Vec<String>>,
    pub ttl: Option<Quantity>,
    pub health_check: Option<RawHealthCheck>,
    pub convergence: Option<Quantity>,
    pub stale_clients: Option<RawStaleClients>,
    pub availability: Option<Quantity>,
    pub mttr: Option<Quantity>,
    pub cost_per_month: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawHealthCheck {
    pub interval: Option<Quantity>,
    pub failure_threshold: Option<u32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawStaleClients {
    pub fraction: Option<f64>,
    pub duration: Option<Quantity>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawUsers {
    pub location: Vec<f64>,
    pub share: f64,
    pub residency: Option<OneOrMany>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDemand {
    pub peak_rps: f64,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawService {
    #[serde(default)]
    pub entry: bool,
    pub capacity_per_instance: f64,
    pub cost_per_hour: Option<f64>,
    pub placement: IndexMap<String, RawPlacement>,
    #[serde(default)]
    pub depends_on: Vec<String>,
}

/// Instances of a service in one region: `{per_az: N}` or `{azs: {az: N}}`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawShape {
    pub per_az: Option<u32>,
    pub azs: Option<IndexMap<String, u32>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPlacement {
    pub per_az: Option<u32>,
    pub azs: Option<IndexMap<String, u32>>,
    pub scale_to: Option<RawShape>,
    pub scale_up: Option<Quantity>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawReplication {
    SingleAz,
    MultiAz,
    ActivePassive,
    ActiveActive,
    Consensus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RawFailover {
    Automatic,
    Manual,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawDatastore {
    pub replication: RawReplication,
    pub az: Option<String>,
    pub primary: Option<String>,
    pub primary_az: Option<String>,
    pub standby_in_region: Option<bool>,
    pub replicas: Option<Vec<String>>,
    pub regions: Option<Vec<String>>,
    pub sync: Option<bool>,
    pub lag: Option<Quantity>,
    pub failover: Option<RawFailover>,
    pub promotion: Option<Quantity>,
    pub manual_decision: Option<Quantity>,
    pub election: Option<Quantity>,
    pub ephemeral: Option<bool>,
    pub residency_scoped: Option<bool>,
    pub backups: Option<RawBackups>,
    pub storage_gb: Option<f64>,
    pub write_mb_per_s: Option<f64>,
    pub cost_per_hour: Option<f64>,
    pub storage_cost_per_gb_month: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBackups {
    pub interval: Quantity,
    pub restore: Quantity,
    pub region: String,
    pub cost_per_month: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawObjectives {
    pub availability: Option<Quantity>,
    pub survive: Option<Vec<String>>,
    pub rto: Option<Quantity>,
    pub rpo: Option<Quantity>,
    pub max_dns_exposure: Option<Quantity>,
    pub max_monthly_cost: Option<f64>,
    pub max_rtt: Option<Quantity>,
    pub max_request_rtt: Option<Quantity>,
    pub residency: Option<bool>,
    #[serde(default)]
    pub waivers: Vec<RawWaiver>,
}

/// An accepted, known breach: `{objective, scenario, reason, expires}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawWaiver {
    pub objective: String,
    pub scenario: Option<String>,
    pub reason: String,
    /// `YYYY-MM-DD`; the waiver stops applying after this day.
    pub expires: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: String,
    pub fail: Vec<String>,
}
