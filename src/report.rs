//! Stage 6: the report, a plain data structure that every renderer reads.
//!
//! Scenarios stream past a [`Collector`] that keeps only what is bounded: the standard
//! scenarios (one per component, corruption and custom scenario), the gated ones the objectives
//! need, running worst values and counts, the N worst combinations and the hidden dependencies.
//! Its serde form is the JSON of MODEL.md §8 (plus documented extra fields); the scenarios of a
//! JSON document are streamed by the renderer, so the full list is never held in memory.

use std::collections::{BTreeMap, HashSet};

use indexmap::IndexMap;
use serde::Serialize;

use crate::availability::{self, cutsets::CutSets};
use crate::availability::{Availability, DowntimeSplit, Importance};
use crate::cost::MonthlyCost;
use crate::evaluate::explain::{self, Explanation};
use crate::evaluate::tiers::Bottleneck;
use crate::evaluate::{Engine, Outcome, ScenarioResult};
use crate::gate::Verdict;
use crate::model::{Class, Model, UserIdx};
use crate::scenario::{Scenario, proper_subsets};
use crate::sweep::Evaluated;

/// The version of the JSON shape.
pub const SCHEMA_VERSION: u32 = 1;

/// How many of the worst combinations the report keeps by default.
pub const DEFAULT_TOP: usize = 20;

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub topology: String,
    pub summary: Summary,
    /// The standard scenarios (every single component, corruption and custom scenario), sorted
    /// by id. Combinations are in `combinations` (and streamed in full by JSON output).
    pub scenarios: Vec<ScenarioReport>,
    pub objectives: Verdict,
    /// Extra: every minimal cut set up to an order (MODEL.md §5), most probable first.
    pub minimal_cut_sets: CutSets,
    /// Extra: per component, its share of the expected downtime and importance measures, largest
    /// share first (absent when the availability is not computed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importance: Option<Vec<ImportanceRow>>,
    /// Why `importance` is absent although it was asked for (the exact availability is there):
    /// which runs were over the work budget, or whose figures were not within 1e-9.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub importance_note: Option<String>,
    /// Extra: the topology with nothing failed.
    pub baseline: Baseline,
    /// Extra: the monthly cost by part.
    pub cost: MonthlyCost,
    /// Extra: what `--max-failures` found, when it is above 1.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub combinations: Option<Combinations>,
    /// Whether the importance measures were asked for (not `--no-importance`): a report
    /// without them says why only when they were.
    #[serde(skip)]
    pub importance_asked: bool,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub full_capacity_availability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expected_served_fraction: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub effective_availability: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_minutes_per_year: Option<f64>,
    /// Extra: the three parts of `downtime_minutes_per_year` (capacity shortfall, recovery
    /// transients, bad changes), which add up to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub downtime_split: Option<DowntimeSplit>,
    /// Extra: P(down), computed directly (not as 1 - availability).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailability: Option<f64>,
    /// Extra: -log10(unavailability), from the unavailability itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_nines: Option<f64>,
    /// Extra: proven `[low, high]` bounds on each figure above (docs/availability.md); they
    /// differ from the figure by at most `availability_error_bound`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_bounds: Option<availability::Bounds>,
    /// Extra: `enumeration`, `factored` or `interval` (docs/availability.md).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_method: Option<availability::Method>,
    /// Extra: a proven bound on the absolute error of every availability figure (0: exact).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_error_bound: Option<f64>,
    /// Extra: why the availability figures are an interval rather than exact, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub availability_note: Option<String>,
    pub monthly_cost: f64,
    pub worst_rto_s: Option<f64>,
    /// Extra: the scenarios (single, corruption, change, custom; by id) that `worst_rto_s`
    /// leaves out because they stay `down` or lose a needed store's data (RTO unbounded).
    pub worst_rto_left_out: Vec<String>,
    pub worst_rpo_s: Option<f64>,
    pub worst_dns_exposure_s: f64,
    pub single_points_of_failure: Vec<String>,
    /// Extra: custom scenarios marked `gate: false`, reported and never gated (absent when none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub informational_scenarios: Vec<String>,
    /// MODEL.md §11.6: minutes a year of requests lost to bad changes (0 without `changes`).
    pub change_downtime_minutes_per_year: f64,
    /// Extra: how many scenarios were evaluated.
    pub scenario_count: u64,
}

/// One row of "what to fix first": the importance measures of a component, with the downtime of
/// its single failure beside the downtime that would go away if it never failed. The two
/// differ (a region whose failure alone costs minutes can remove far more when it never fails,
/// since it also takes part in combinations), so every format names both.
#[derive(Clone, Debug, Serialize)]
pub struct ImportanceRow {
    #[serde(flatten)]
    pub measures: Importance,
    /// f_c x the impact of the component's single-failure scenario, minutes a year: its RTO
    /// when that is `down` (the MTTR when unbounded), else the impact without stuck groups (a
    /// lost store's unbounded impact adds nothing), which is exactly its term of the recovery transients (MODEL.md §5), so these terms of
    /// the components whose failure alone is not `down` add up to
    /// `downtime_split.recovery_transients_minutes_per_year`.
    pub single_failure_downtime_minutes_per_year: f64,
}

impl ImportanceRow {
    /// Pairs each importance row with its single-failure downtime, from the single-failure
    /// scenarios among `standard`.
    fn rows(
        engine: &Engine,
        importance: Vec<Importance>,
        standard: &[(Scenario, ScenarioResult)],
    ) -> Vec<ImportanceRow> {
        let model = engine.model();
        importance
            .into_iter()
            .map(|measures| {
                let single = standard
                    .iter()
                    .find(|(s, _)| s.is_single() && s.id == measures.component);
                let seconds = single.map(|(s, r)| {
                    let mttr = model.mttr(engine.components()[s.failure.components[0]]);
                    if r.outcome == Outcome::Down {
                        r.rto.unwrap_or(mttr.0)
                    } else {
                        r.transient_impact.unwrap_or(0.0)
                    }
                });
                ImportanceRow {
                    single_failure_downtime_minutes_per_year: seconds
                        .map_or(0.0, |x| measures.failures_per_year * x / 60.0),
                    measures,
                }
            })
            .collect()
    }
}

#[derive(Clone, Debug, Serialize)]
pub struct ScenarioReport {
    pub id: String,
    pub class: &'static str,
    pub failed: Vec<String>,
    pub outcome: &'static str,
    pub rto_s: Option<f64>,
    pub rpo_s: Option<f64>,
    pub dns_exposure_s: f64,
    pub impact_s: Option<f64>,
    pub failed_requests: Option<f64>,
    pub served_fraction: f64,
    pub worst_rtt_ms: Option<f64>,
    pub worst_request_ms: Option<f64>,
    pub surge_cost_per_hour: Option<f64>,
    pub residency_violations: Vec<String>,
    /// MODEL.md §10.6: control planes that were down when a recovery action needed them.
    pub frozen: Vec<String>,
    /// §10.5: user groups no region serves because routing could not move them.
    pub stuck: Vec<String>,
    /// §11.5: the share of users with failed requests.
    pub blast_radius: f64,
    /// §12.5: how long the served fraction stays below 1 (seconds).
    pub degraded_s: Option<f64>,
    /// §11.6: `frequency_per_year` and `waves_reached`, on change scenarios only.
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    pub change: Option<crate::evaluate::change::Figures>,
    /// Extra: the tier that limited a degraded scenario, `null` when no tier falls short.
    pub bottleneck: Option<BottleneckReport>,
    /// Extra: the region serving each user group after recovery (`null` when down).
    pub served_by: IndexMap<String, Option<String>>,
    /// Issue 16: the RTO's critical-path terms, what set it and which store gave the RPO.
    #[serde(flatten)]
    pub explained: ExplainedReport,
}

/// Why a scenario's RTO and RPO are what they are, as the JSON report shows it (README, "The
/// JSON report"): `rto_breakdown`, `rto_driver`, `rpo_driver`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ExplainedReport {
    /// The terms of the RTO on its critical path, in order; they sum to `rto_s`. Empty when the
    /// RTO is 0 or `null`.
    pub rto_breakdown: Vec<TermReport>,
    /// What set the RTO; `null` when it is 0.
    pub rto_driver: Option<RtoDriverReport>,
    /// The datastore whose loss is the RPO; `null` when nothing is lost (RPO 0).
    pub rpo_driver: Option<RpoDriverReport>,
}

/// One term of an RTO.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TermReport {
    /// `detection`, `manual_decision`, `promotion`, `election`, `dns_ttl`,
    /// `anycast_convergence`, `scale_up`, `restore`, `wait_for_repair`, `change_detect`,
    /// `change_rollback`.
    pub term: &'static str,
    pub seconds: f64,
    /// The term in words (`promotion of orders-db in us-west`).
    pub what: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datastore: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    /// The component whose repair is waited for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// What set the RTO.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RtoDriverReport {
    /// `datastore`, `routing_shift`, `az_lost`, `scale_up`, `stuck`, `repair`, `change`,
    /// `datastore_lost`.
    pub cause: &'static str,
    /// The user group whose time is the RTO (the smallest id at a tie); `null` when down.
    pub user_group: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub datastore: Option<String>,
    /// The tier, for `scale_up` (and the changed service, for a service change).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub component: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<String>,
}

/// The datastore that gave the RPO, and why.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RpoDriverReport {
    pub datastore: String,
    /// `replication_lag`, `active_active_lag`, `backup_interval`, `corruption` or `lost`.
    pub reason: &'static str,
    /// Its loss: equal to `rpo_s` (`null` when the data is lost).
    pub loss_s: Option<f64>,
}

impl ExplainedReport {
    pub fn new(model: &Model, e: &Explanation) -> ExplainedReport {
        let region =
            |r: Option<crate::model::RegionIdx>| r.map(|r| model.regions[r.idx()].id.clone());
        let datastore =
            |d: Option<crate::model::DatastoreIdx>| d.map(|d| model.datastores[d.idx()].id.clone());
        let service =
            |s: Option<crate::model::ServiceIdx>| s.map(|s| model.services[s.idx()].id.clone());
        let change =
            |c: Option<crate::model::ChangeIdx>| c.map(|c| model.changes[c.idx()].id.clone());
        ExplainedReport {
            rto_breakdown: e
                .rto_terms
                .iter()
                .map(|t| TermReport {
                    term: t.kind.name(),
                    seconds: t.seconds,
                    what: explain::describe(model, t),
                    datastore: datastore(t.datastore),
                    service: service(t.service),
                    region: region(t.region),
                    component: t.component.map(|c| model.component_id(c)),
                    change: change(t.change),
                })
                .collect(),
            rto_driver: e.rto_driver.as_ref().map(|d| RtoDriverReport {
                cause: d.cause.name(),
                user_group: d.user.map(|u| model.users[u.idx()].id.clone()),
                datastore: datastore(d.datastore),
                service: service(d.service),
                region: region(d.region),
                component: d.component.map(|c| model.component_id(c)),
                change: change(d.change),
            }),
            rpo_driver: e.rpo_driver.as_ref().map(|d| RpoDriverReport {
                datastore: model.datastores[d.datastore.idx()].id.clone(),
                reason: d.reason.name(),
                loss_s: d.loss,
            }),
        }
    }

    /// Evaluates the scenario again and explains it (for the few scenarios a report keeps).
    pub fn of(engine: &Engine, s: &Scenario) -> ExplainedReport {
        ExplainedReport::new(engine.model(), &engine.explain(&s.failure).explanation)
    }
}

/// The tier with the lowest pass ratio among those short of capacity (MODEL.md §12.2).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BottleneckReport {
    pub service: String,
    /// `null` for the entry service's pooled capacity under `global-lb`.
    pub region: Option<String>,
    /// Capacity / offered load of that tier there.
    pub pass_ratio: f64,
}

impl BottleneckReport {
    pub fn new(model: &Model, b: &Bottleneck) -> BottleneckReport {
        BottleneckReport {
            service: model.services[b.service.idx()].id.clone(),
            region: b.region.map(|r| model.regions[r.idx()].id.clone()),
            pass_ratio: b.pass_ratio,
        }
    }
}

impl ScenarioReport {
    /// The owned form (for reports kept in memory; streaming uses [`ScenarioView`]).
    pub fn new(engine: &Engine, s: &Scenario, r: &ScenarioResult) -> ScenarioReport {
        let model = engine.model();
        ScenarioReport {
            explained: ExplainedReport::of(engine, s),
            id: s.id.clone(),
            class: s.class.name(),
            failed: s.failed.clone(),
            outcome: r.outcome.name(),
            rto_s: r.rto,
            rpo_s: r.rpo,
            dns_exposure_s: r.dns_exposure,
            impact_s: r.impact,
            failed_requests: r.failed_requests,
            served_fraction: r.served_fraction,
            worst_rtt_ms: r.worst_rtt_ms,
            worst_request_ms: r.worst_request_ms,
            surge_cost_per_hour: r.surge_cost_per_hour,
            residency_violations: user_ids(model, &r.residency_violations),
            frozen: control_ids(model, &r.frozen),
            stuck: user_ids(model, &r.stuck),
            blast_radius: r.blast_radius,
            degraded_s: r.degraded_s,
            change: r.change,
            bottleneck: r
                .bottleneck
                .as_ref()
                .map(|b| BottleneckReport::new(model, b)),
            served_by: served_by(model, r),
        }
    }
}

/// A scenario as [`ScenarioReport`] serializes it, borrowed from the model and the result so
/// that streaming millions of scenarios clones no strings. Field for field the same JSON.
pub struct ScenarioView<'a> {
    pub model: &'a Model,
    pub scenario: &'a Scenario,
    pub result: &'a ScenarioResult,
    pub explained: &'a ExplainedReport,
}

impl Serialize for ScenarioView<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeStruct};
        struct Residency<'a>(&'a Model, &'a [UserIdx]);
        impl Serialize for Residency<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut ids: Vec<&str> = self
                    .1
                    .iter()
                    .map(|u| self.0.users[u.idx()].id.as_str())
                    .collect();
                ids.sort_unstable();
                ids.serialize(serializer)
            }
        }
        struct ServedBy<'a>(&'a Model, &'a ScenarioResult);
        impl Serialize for ServedBy<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let mut map = serializer.serialize_map(Some(self.0.users.len()))?;
                for (u, a) in self.0.users.iter().zip(&self.1.assignment) {
                    map.serialize_entry(&u.id, &a.map(|a| self.0.regions[a.idx()].id.as_str()))?;
                }
                map.end()
            }
        }
        let (m, s, r) = (self.model, self.scenario, self.result);
        let mut st = serializer.serialize_struct("ScenarioReport", 25)?;
        st.serialize_field("id", &s.id)?;
        st.serialize_field("class", s.class.name())?;
        st.serialize_field("failed", &s.failed)?;
        st.serialize_field("outcome", r.outcome.name())?;
        st.serialize_field("rto_s", &r.rto)?;
        st.serialize_field("rpo_s", &r.rpo)?;
        st.serialize_field("dns_exposure_s", &r.dns_exposure)?;
        st.serialize_field("impact_s", &r.impact)?;
        st.serialize_field("failed_requests", &r.failed_requests)?;
        st.serialize_field("served_fraction", &r.served_fraction)?;
        st.serialize_field("worst_rtt_ms", &r.worst_rtt_ms)?;
        st.serialize_field("worst_request_ms", &r.worst_request_ms)?;
        st.serialize_field("surge_cost_per_hour", &r.surge_cost_per_hour)?;
        st.serialize_field(
            "residency_violations",
            &Residency(m, &r.residency_violations),
        )?;
        st.serialize_field("frozen", &control_ids(m, &r.frozen))?;
        st.serialize_field("stuck", &Residency(m, &r.stuck))?;
        st.serialize_field("blast_radius", &r.blast_radius)?;
        st.serialize_field("degraded_s", &r.degraded_s)?;
        if let Some(change) = &r.change {
            st.serialize_field("frequency_per_year", &change.frequency_per_year)?;
            st.serialize_field("waves_reached", &change.waves_reached)?;
        }
        struct BottleneckView<'a>(&'a Model, &'a Bottleneck);
        impl Serialize for BottleneckView<'_> {
            fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let (m, b) = (self.0, self.1);
                let mut st = serializer.serialize_struct("BottleneckReport", 3)?;
                st.serialize_field("service", &m.services[b.service.idx()].id)?;
                st.serialize_field("region", &b.region.map(|r| &m.regions[r.idx()].id))?;
                st.serialize_field("pass_ratio", &b.pass_ratio)?;
                st.end()
            }
        }
        st.serialize_field(
            "bottleneck",
            &r.bottleneck.as_ref().map(|b| BottleneckView(m, b)),
        )?;
        st.serialize_field("served_by", &ServedBy(m, r))?;
        st.serialize_field("rto_breakdown", &self.explained.rto_breakdown)?;
        st.serialize_field("rto_driver", &self.explained.rto_driver)?;
        st.serialize_field("rpo_driver", &self.explained.rpo_driver)?;
        st.end()
    }
}

/// Control plane ids, sorted by bytes (§10.6).
fn control_ids(model: &Model, controls: &[crate::model::ControlIdx]) -> Vec<String> {
    let mut v: Vec<String> = controls
        .iter()
        .map(|c| model.control_planes[c.idx()].id.clone())
        .collect();
    v.sort();
    v
}

fn user_ids(model: &Model, users: &[UserIdx]) -> Vec<String> {
    let mut v: Vec<String> = users
        .iter()
        .map(|u| model.users[u.idx()].id.clone())
        .collect();
    v.sort();
    v
}

fn served_by(model: &Model, r: &ScenarioResult) -> IndexMap<String, Option<String>> {
    model
        .users
        .iter()
        .zip(&r.assignment)
        .map(|(u, a)| (u.id.clone(), a.map(|a| model.regions[a.idx()].id.clone())))
        .collect()
}

#[derive(Clone, Debug, Serialize)]
pub struct Baseline {
    pub outcome: &'static str,
    pub served_fraction: f64,
    pub worst_rtt_ms: Option<f64>,
    pub worst_request_ms: Option<f64>,
    pub served_by: IndexMap<String, Option<String>>,
    /// Users served from a region their residency does not allow.
    pub serving_residency_violations: Vec<String>,
    /// Users whose data is stored (copies, replicas, backups) where their residency does not
    /// allow.
    pub storage_residency_violations: Vec<String>,
}

/// What the combinations of `--max-failures` showed.
#[derive(Clone, Debug, Serialize)]
pub struct Combinations {
    pub max_failures: usize,
    /// Classes that could fail in combinations.
    pub classes: Vec<&'static str>,
    /// Combination scenarios evaluated.
    pub evaluated: u64,
    /// Scenarios by class and outcome, every evaluated scenario included.
    pub outcomes: BTreeMap<&'static str, OutcomeCounts>,
    /// The worst scenarios (by outcome, then impact, then id), at most `--top` of them; unless
    /// `--show-supersets`, those containing a single point of failure come after the others.
    pub worst: Vec<ScenarioReport>,
    /// Evaluated combinations that contain a single point of failure (a component that alone is
    /// `down`): supersets of a known cut set, whose outcome says nothing new.
    pub supersets_of_single_points_of_failure: u64,
    /// Whether `worst` ranks those supersets after the other combinations (false with
    /// `--show-supersets`).
    pub supersets_ranked_last: bool,
    /// Combinations that are down although no smaller part of them is: failures that only
    /// hurt together, which single-failure analysis cannot see.
    pub hidden_dependencies: Vec<String>,
}

#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct OutcomeCounts {
    pub up: u64,
    pub degraded: u64,
    pub down: u64,
}

/// What ranks a scenario among the worst: whether it is ranked last as a superset of a single
/// point of failure, outcome, impact, id.
type WorstKey = (bool, Outcome, Option<f64>, String);

/// Order for "worst": what is new first (not a superset ranked last); then down, degraded, up;
/// then larger impact (unbounded first); then id.
fn worse(a: &WorstKey, b: &WorstKey) -> std::cmp::Ordering {
    a.0.cmp(&b.0)
        .then_with(|| worse_outcome(&(a.1, a.2, &a.3), &(b.1, b.2, &b.3)))
}

fn worse_outcome(
    a: &(Outcome, Option<f64>, &String),
    b: &(Outcome, Option<f64>, &String),
) -> std::cmp::Ordering {
    b.0.cmp(&a.0)
        .then_with(|| match (a.1, b.1) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Less,
            (Some(_), None) => std::cmp::Ordering::Greater,
            (Some(x), Some(y)) => y.total_cmp(&x),
        })
        .then_with(|| a.2.as_bytes().cmp(b.2.as_bytes()))
}

/// Aggregates scenarios as they stream past, keeping only bounded state.
pub struct Collector<'e> {
    engine: &'e Engine<'e>,
    top: usize,
    gated_classes: Vec<Class>,
    pub single_down: Vec<bool>,
    /// Standard scenarios with their results, in id order.
    pub standard: Vec<(Scenario, ScenarioResult)>,
    /// Scenarios the objectives gate, with their results, in id order.
    pub gated: Vec<(Scenario, ScenarioResult)>,
    count: u64,
    combos: u64,
    worst_rto: Option<f64>,
    any_lost: bool,
    worst_rpo: f64,
    worst_dns: f64,
    outcomes: BTreeMap<&'static str, OutcomeCounts>,
    /// The worst combinations so far; their reports (with explanations) are made at the end.
    worst: Vec<(WorstKey, Scenario, ScenarioResult)>,
    hidden: Vec<Vec<usize>>,
    /// Combinations containing a component that alone is down.
    supersets: u64,
    /// Rank those combinations after the others among the worst (see [`Collector::show_supersets`]).
    supersets_last: bool,
}

impl<'e> Collector<'e> {
    /// `top`: how many worst combinations to keep; `single_down[i]`: whether component i alone
    /// is down (for hidden dependencies).
    pub fn new(engine: &'e Engine<'e>, top: usize, single_down: Vec<bool>) -> Self {
        let model = engine.model();
        let mut gated_classes = model
            .objectives
            .as_ref()
            .map(|o| o.survive.clone())
            .unwrap_or_default();
        if model.objectives.is_some() {
            gated_classes.push(Class::Custom);
        }
        Collector {
            engine,
            top,
            gated_classes,
            single_down,
            standard: Vec::new(),
            gated: Vec::new(),
            count: 0,
            combos: 0,
            worst_rto: None,
            any_lost: false,
            worst_rpo: 0.0,
            worst_dns: 0.0,
            outcomes: BTreeMap::new(),
            worst: Vec::new(),
            hidden: Vec::new(),
            supersets: 0,
            supersets_last: true,
        }
    }

    /// Ranks every combination by outcome and impact alone (`--show-supersets`), rather than
    /// the combinations containing a single point of failure after the others.
    pub fn show_supersets(&mut self, show: bool) {
        self.supersets_last = !show;
    }

    /// Takes one evaluated scenario.
    pub fn add(&mut self, e: &Evaluated) {
        let (s, r) = (&e.scenario, &e.result);
        self.count += 1;
        if r.outcome != Outcome::Down {
            self.worst_rto = Some(self.worst_rto.unwrap_or(0.0).max(r.rto.unwrap_or(0.0)));
        }
        match r.rpo {
            Some(x) => self.worst_rpo = self.worst_rpo.max(x),
            None => self.any_lost = true,
        }
        self.worst_dns = self.worst_dns.max(r.dns_exposure);
        let counts = self.outcomes.entry(s.class.name()).or_default();
        match r.outcome {
            Outcome::Up => counts.up += 1,
            Outcome::Degraded => counts.degraded += 1,
            Outcome::Down => counts.down += 1,
        }
        if self.gated_classes.contains(&s.class) && !self.engine.model().informational(&s.id) {
            self.gated.push((s.clone(), r.clone()));
        }
        if s.class != Class::Combo {
            self.standard.push((s.clone(), r.clone()));
            return;
        }
        self.combos += 1;
        if r.outcome == Outcome::Down && s.failure.components.iter().all(|i| !self.single_down[*i])
        {
            self.hidden.push(s.failure.components.clone());
        }
        let superset = s.failure.components.iter().any(|i| self.single_down[*i]);
        if superset {
            self.supersets += 1;
        }
        let last = superset && self.supersets_last;
        if self.top > 0 {
            // Cheap test first: most combinations are not among the worst.
            let full = self.worst.len() >= self.top;
            if full
                && let Some((worst_last, _, _)) = self.worst.last()
                && worse(
                    &(last, r.outcome, r.impact, String::new()),
                    &(worst_last.0, worst_last.1, worst_last.2, String::new()),
                ) == std::cmp::Ordering::Greater
            {
                return;
            }
            let key = (last, r.outcome, r.impact, s.id.clone());
            let keep = self.worst.len() < self.top
                || self
                    .worst
                    .last()
                    .is_some_and(|(k, _, _)| worse(&key, k) == std::cmp::Ordering::Less);
            if keep {
                let at = self
                    .worst
                    .partition_point(|(k, _, _)| worse(k, &key) == std::cmp::Ordering::Less);
                self.worst.insert(at, (key, s.clone(), r.clone()));
                self.worst.truncate(self.top);
            }
        }
    }

    /// The hidden dependencies: down combinations none of whose smaller parts (of two or more
    /// components) is down, as ids.
    fn hidden_dependencies(&self) -> Vec<String> {
        let down: HashSet<&Vec<usize>> = self.hidden.iter().collect();
        let model = self.engine.model();
        let components = self.engine.components();
        let mut out: Vec<String> = self
            .hidden
            .iter()
            .filter(|set| !proper_subsets(set, 2).any(|sub| down.contains(&sub)))
            .map(|set| {
                let mut ids: Vec<String> = set
                    .iter()
                    .map(|i| model.component_id(components[*i]))
                    .collect();
                ids.sort();
                ids.join("+")
            })
            .collect();
        out.sort();
        out
    }
}

/// Everything the report is made from.
pub struct Parts<'a> {
    pub engine: &'a Engine<'a>,
    pub collector: Collector<'a>,
    pub availability: Result<Availability, String>,
    pub importance: Option<Vec<Importance>>,
    pub importance_note: Option<String>,
    pub importance_asked: bool,
    pub cut_sets: CutSets,
    pub cost: MonthlyCost,
    pub verdict: Verdict,
    pub baseline: &'a ScenarioResult,
    pub storage_violations: &'a [UserIdx],
    /// `--max-failures` and the classes allowed in combinations, when above 1.
    pub combinations: Option<(usize, Vec<Class>)>,
}

impl Report {
    pub fn new(parts: Parts) -> Report {
        let model = parts.engine.model();
        let c = parts.collector;
        let hidden_dependencies = c.hidden_dependencies();
        let scenarios: Vec<ScenarioReport> = c
            .standard
            .iter()
            .map(|(s, r)| ScenarioReport::new(parts.engine, s, r))
            .collect();
        let single_points_of_failure: Vec<String> = c
            .standard
            .iter()
            .filter(|(s, r)| s.is_single() && r.outcome == Outcome::Down)
            .map(|(s, _)| s.id.clone())
            .collect();
        let importance = parts
            .importance
            .map(|rows| ImportanceRow::rows(parts.engine, rows, &c.standard));
        // Those that stay down (no recovery to time) and those whose RTO is unbounded (a needed
        // store's data is lost for good).
        let worst_rto_left_out = scenarios
            .iter()
            .filter(|s| s.outcome == "down" || s.rto_s.is_none())
            .map(|s| s.id.clone())
            .collect();
        let informational_scenarios = model
            .scenarios
            .iter()
            .filter(|s| !s.gate)
            .map(|s| s.name.clone())
            .collect();
        let (a, note) = match parts.availability {
            Ok(a) => {
                let note = a.note.clone();
                (Some(a), note)
            }
            Err(note) => (None, Some(note)),
        };
        let summary = Summary {
            availability: a.as_ref().map(|a| a.availability),
            full_capacity_availability: a.as_ref().map(|a| a.full_capacity_availability),
            expected_served_fraction: a.as_ref().map(|a| a.expected_served_fraction),
            effective_availability: a.as_ref().map(|a| a.effective_availability),
            downtime_minutes_per_year: a.as_ref().map(|a| a.downtime_minutes_per_year),
            downtime_split: a.as_ref().map(|a| a.downtime_split),
            unavailability: a.as_ref().map(|a| a.unavailability),
            availability_nines: a.as_ref().and_then(|a| a.nines),
            availability_bounds: a.as_ref().map(|a| a.bounds.clone()),
            availability_method: a.as_ref().map(|a| a.method),
            availability_error_bound: a.as_ref().map(|a| a.error_bound),
            availability_note: note,
            monthly_cost: parts.cost.total,
            worst_rto_s: c.worst_rto,
            worst_rto_left_out,
            worst_rpo_s: if c.any_lost { None } else { Some(c.worst_rpo) },
            worst_dns_exposure_s: c.worst_dns,
            single_points_of_failure,
            informational_scenarios,
            change_downtime_minutes_per_year: crate::pipeline::change_seconds_per_year(&c.standard)
                / 60.0,
            scenario_count: c.count,
        };
        let combinations = parts
            .combinations
            .map(|(max_failures, classes)| Combinations {
                max_failures,
                classes: classes.iter().map(|c| c.name()).collect(),
                evaluated: c.combos,
                outcomes: c.outcomes.clone(),
                worst: c
                    .worst
                    .iter()
                    .map(|(_, s, r)| ScenarioReport::new(parts.engine, s, r))
                    .collect(),
                hidden_dependencies,
                supersets_of_single_points_of_failure: c.supersets,
                supersets_ranked_last: c.supersets_last,
            });
        let b = parts.baseline;
        Report {
            schema_version: SCHEMA_VERSION,
            topology: model.name.clone(),
            summary,
            scenarios,
            objectives: parts.verdict,
            minimal_cut_sets: parts.cut_sets,
            importance_note: parts.importance_note.filter(|_| importance.is_none()),
            importance,
            baseline: Baseline {
                outcome: b.outcome.name(),
                served_fraction: b.served_fraction,
                worst_rtt_ms: b.worst_rtt_ms,
                worst_request_ms: b.worst_request_ms,
                served_by: served_by(model, b),
                serving_residency_violations: user_ids(model, &b.residency_violations),
                storage_residency_violations: user_ids(model, parts.storage_violations),
            },
            cost: parts.cost,
            combinations,
            importance_asked: parts.importance_asked,
        }
    }
}
