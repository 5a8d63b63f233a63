//! Why a scenario's RTO and RPO are what they are (issue 16): the terms on the critical path,
//! which group, datastore or tier set the RTO, and which datastore gave the RPO.
//!
//! Computed only for the scenarios being reported, never in the availability enumeration. The
//! RTO's terms come from the same arithmetic as the RTO itself ([`super::times::times`] with a
//! recorder), and each term list sums, left to right, to the figure it explains.

use super::datastore::{How, Recovery};
use super::latency::{self, Request};
use super::times::{self, Candidate, Record};
use super::{Core, Engine, Failure, Outcome, ScenarioResult, change};
use crate::model::{
    ChangeIdx, ChangeTarget, Component, ControlIdx, DatastoreIdx, Dependency, Failover, Model,
    RegionIdx, Replication, RoutingKind, ServiceIdx, UserIdx,
};

/// What one term of an RTO is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TermKind {
    /// D: health-check interval x failure threshold.
    Detection,
    /// A person's decision: a datastore's `manual_decision` (failover or restore), or the
    /// routing's under `failover: manual` (no datastore then).
    ManualDecision,
    /// A datastore's `promotion` (in-region standby or replica).
    Promotion,
    /// A quorum datastore's `election`.
    Election,
    /// The DNS record TTL of a routing shift.
    DnsTtl,
    /// Anycast (BGP) convergence of a routing shift.
    AnycastConvergence,
    /// A tier's `scale_up` in a region.
    ScaleUp,
    /// A datastore's restore from backups.
    Restore,
    /// W: the longest repair among the failed components.
    WaitForRepair,
    /// §11: a bad change's `detect` (part of T).
    ChangeDetect,
    /// §11: a bad change's `rollback` (part of T).
    ChangeRollback,
}

impl TermKind {
    /// The name in the JSON report.
    pub fn name(self) -> &'static str {
        match self {
            TermKind::Detection => "detection",
            TermKind::ManualDecision => "manual_decision",
            TermKind::Promotion => "promotion",
            TermKind::Election => "election",
            TermKind::DnsTtl => "dns_ttl",
            TermKind::AnycastConvergence => "anycast_convergence",
            TermKind::ScaleUp => "scale_up",
            TermKind::Restore => "restore",
            TermKind::WaitForRepair => "wait_for_repair",
            TermKind::ChangeDetect => "change_detect",
            TermKind::ChangeRollback => "change_rollback",
        }
    }
}

/// One term of an RTO, with what it belongs to.
#[derive(Clone, Debug, PartialEq)]
pub struct Term {
    pub kind: TermKind,
    pub seconds: f64,
    pub datastore: Option<DatastoreIdx>,
    pub service: Option<ServiceIdx>,
    pub region: Option<RegionIdx>,
    /// The component whose repair is waited for.
    pub component: Option<Component>,
    pub change: Option<ChangeIdx>,
    /// A control plane that was down and froze the action (the store waits instead).
    pub frozen_by: Vec<ControlIdx>,
}

impl Term {
    fn new(kind: TermKind, seconds: f64) -> Term {
        Term {
            kind,
            seconds,
            datastore: None,
            service: None,
            region: None,
            component: None,
            change: None,
            frozen_by: Vec::new(),
        }
    }
    fn datastore(mut self, d: DatastoreIdx) -> Term {
        self.datastore = Some(d);
        self
    }
    fn region(mut self, r: RegionIdx) -> Term {
        self.region = Some(r);
        self
    }
}

/// What set a scenario's RTO.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RtoCause {
    /// The slowest required datastore's recovery.
    Datastore,
    /// A routing shift (the group moved region).
    RoutingShift,
    /// The group's region lost an AZ holding entry instances.
    AzLost,
    /// A required tier's scale-up.
    ScaleUp,
    /// The group was stuck (routing frozen by a control plane) and waits for repair.
    Stuck,
    /// A `down` scenario: everyone waits for the longest repair.
    Repair,
    /// A bad change, until its rollback (§11).
    Change,
    /// A datastore the entry service needs is lost: the RTO is unbounded.
    DatastoreLost,
}

impl RtoCause {
    pub fn name(self) -> &'static str {
        match self {
            RtoCause::Datastore => "datastore",
            RtoCause::RoutingShift => "routing_shift",
            RtoCause::AzLost => "az_lost",
            RtoCause::ScaleUp => "scale_up",
            RtoCause::Stuck => "stuck",
            RtoCause::Repair => "repair",
            RtoCause::Change => "change",
            RtoCause::DatastoreLost => "datastore_lost",
        }
    }
}

/// Which user group, datastore or tier set the RTO.
#[derive(Clone, Debug, PartialEq)]
pub struct RtoDriver {
    pub cause: RtoCause,
    /// The group whose time is the RTO (the smallest id at a tie); `None` in a `down` scenario.
    pub user: Option<UserIdx>,
    pub datastore: Option<DatastoreIdx>,
    pub service: Option<ServiceIdx>,
    pub region: Option<RegionIdx>,
    pub component: Option<Component>,
    pub change: Option<ChangeIdx>,
}

impl RtoDriver {
    fn new(cause: RtoCause, user: Option<UserIdx>) -> RtoDriver {
        RtoDriver {
            cause,
            user,
            datastore: None,
            service: None,
            region: None,
            component: None,
            change: None,
        }
    }
}

/// Why a datastore lost data.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RpoReason {
    /// An asynchronous replica was promoted: the writes not yet replicated (`lag`).
    ReplicationLag,
    /// Asynchronous active-active lost a member that served users: its `lag`.
    ActiveActiveLag,
    /// Restored from backups after an outage: the writes since the last backup (`interval`).
    Backups,
    /// Logical corruption, restored from backups: `interval`.
    Corruption,
    /// Logical corruption with no backups in an alive region: everything (RPO `null`).
    Lost,
}

impl RpoReason {
    pub fn name(self) -> &'static str {
        match self {
            RpoReason::ReplicationLag => "replication_lag",
            RpoReason::ActiveActiveLag => "active_active_lag",
            RpoReason::Backups => "backup_interval",
            RpoReason::Corruption => "corruption",
            RpoReason::Lost => "lost",
        }
    }
}

/// The datastore whose loss is the RPO (the largest loss, the smallest id at a tie; a lost store
/// first of all).
#[derive(Clone, Debug, PartialEq)]
pub struct RpoDriver {
    pub datastore: DatastoreIdx,
    pub reason: RpoReason,
    /// Seconds of writes lost; `None` when the data is lost.
    pub loss: Option<f64>,
}

/// One user group in a scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupTime {
    pub user: UserIdx,
    /// Its region with nothing failed and after recovery (`None`: served by no region).
    pub before: Option<RegionIdx>,
    pub after: Option<RegionIdx>,
    pub stuck: bool,
    /// t_u and i_u of §3.7 (`None` when the scenario's RTO is unbounded).
    pub time: Option<f64>,
    pub impact: Option<f64>,
    /// The terms of t_u, summing to it; empty when t_u is 0.
    pub terms: Vec<Term>,
    pub cause: Option<RtoCause>,
    /// When the group moved region: the routing shift's terms, whether or not they set t_u
    /// (users reach the new region then, and may wait there for a datastore or a scale-up).
    pub shift: Vec<Term>,
}

/// Why a scenario's RTO and RPO are what they are.
#[derive(Clone, Debug, PartialEq)]
pub struct Explanation {
    /// The critical path: the terms of the RTO in order, summing (left to right) to it. Empty
    /// when the RTO is 0 or unbounded.
    pub rto_terms: Vec<Term>,
    /// `None` when the RTO is 0.
    pub rto_driver: Option<RtoDriver>,
    /// `None` when no data is lost (RPO 0).
    pub rpo_driver: Option<RpoDriver>,
    pub groups: Vec<GroupTime>,
    /// Every datastore's recovery in this scenario, in file order.
    pub recoveries: Vec<Recovery>,
}

/// A scenario evaluated and explained, with each group's request term by term.
pub struct Explained {
    pub result: ScenarioResult,
    pub explanation: Explanation,
    /// Per user group: its request after recovery (`None` when served by no region).
    pub requests: Vec<Option<Request>>,
}

impl Engine<'_> {
    /// Evaluates `failure` and explains it (for `drplan explain` and the reported scenarios).
    pub fn explain(&self, failure: &Failure) -> Explained {
        let mut core = self.scratch();
        let result = self.evaluate_into(failure, &mut core);
        let explanation = self.explain_evaluated(failure, &core, &result, true);
        let requests = (0..self.model().users.len())
            .map(|u| latency::request(self, &core, UserIdx::from(u)))
            .collect();
        Explained {
            result,
            explanation,
            requests,
        }
    }

    /// The RTO's terms and drivers of a scenario just evaluated into `core` (by
    /// [`Engine::evaluate_into`]) with `result`: what the JSON report needs, without the
    /// per-group detail (`groups` and `recoveries` are left empty), as it runs for every
    /// streamed scenario.
    pub fn explanation(
        &self,
        failure: &Failure,
        core: &Core,
        result: &ScenarioResult,
    ) -> Explanation {
        self.explain_evaluated(failure, core, result, false)
    }

    /// [`Engine::explanation`], with every group's times, terms and shift, and every store's
    /// recovery, when `detail`.
    fn explain_evaluated(
        &self,
        failure: &Failure,
        core: &Core,
        result: &ScenarioResult,
        detail: bool,
    ) -> Explanation {
        let m = self.model();
        let rpo_driver = rpo_driver(m, failure, core);
        let recoveries = if detail {
            core.recoveries.clone()
        } else {
            Vec::new()
        };
        let stuck = |u: usize| core.stuck.get(u).copied().unwrap_or(false);
        let before = |u: usize| self.baseline().assignment.get(u).copied().flatten();
        if result.outcome == Outcome::Down {
            let (terms, driver) = match result.rto {
                None => {
                    let lost = self
                        .graphs()
                        .entry_datastores
                        .iter()
                        .copied()
                        .filter(|d| {
                            core.recoveries[d.idx()].loss.is_none()
                                && self.graphs().required(m, Dependency::Datastore(*d))
                        })
                        .min_by_key(|d| m.datastores[d.idx()].id.as_str());
                    let mut driver = RtoDriver::new(RtoCause::DatastoreLost, None);
                    driver.datastore = lost;
                    (Vec::new(), Some(driver))
                }
                Some(rto) => {
                    let terms = self.wait_terms(failure, core);
                    let by_change = terms.iter().any(|t| t.change.is_some());
                    let mut driver = RtoDriver::new(
                        if by_change {
                            RtoCause::Change
                        } else {
                            RtoCause::Repair
                        },
                        None,
                    );
                    driver.change = terms.iter().find_map(|t| t.change);
                    driver.component = terms.iter().find_map(|t| t.component);
                    (terms, (rto > 0.0).then_some(driver))
                }
            };
            let groups = (0..m.users.len())
                .filter(|_| detail)
                .map(|u| GroupTime {
                    user: UserIdx::from(u),
                    before: before(u),
                    after: None,
                    stuck: stuck(u),
                    time: result.rto,
                    impact: result.rto,
                    terms: terms.clone(),
                    cause: driver.as_ref().map(|d| d.cause),
                    shift: Vec::new(),
                })
                .collect();
            return Explanation {
                rto_terms: terms,
                rto_driver: driver,
                rpo_driver,
                groups,
                recoveries,
            };
        }
        if let Some(run) = failure.change {
            let c = &m.changes[run.change.idx()];
            if let ChangeTarget::Service(target) = c.target
                && !c.health_checked
            {
                let mut e = self.unchecked_change(run.change, target, run.latent, core, result);
                if !detail {
                    e.groups.clear();
                    e.recoveries.clear();
                }
                return e;
            }
        }
        let mut rec = Recorder::new(m);
        times::times(self, core, &mut rec);
        let mut groups = Vec::with_capacity(m.users.len());
        let mut driver: Option<RtoDriver> = None;
        let mut rto_terms = Vec::new();
        let rto = result.rto.unwrap_or(0.0);
        for (u, g) in rec.groups.iter().enumerate() {
            let may_set_rto = rto > 0.0 && g.time == rto;
            if !(detail || may_set_rto) {
                // Only the groups that may set the RTO matter to the JSON fields.
                continue;
            }
            let (terms, cause) = match g.best {
                _ if g.time <= 0.0 => (Vec::new(), None),
                Some((_, value)) if g.time < value => {
                    (self.change_terms(failure), Some(RtoCause::Change))
                }
                Some((candidate, _)) => self.candidate_terms(failure, core, candidate, rec.slowest),
                None => (Vec::new(), None),
            };
            // Among the groups whose time is the RTO, the smallest id (file order changes no
            // figure).
            let earlier_id = |d: &Option<RtoDriver>| {
                d.as_ref()
                    .and_then(|d| d.user)
                    .is_some_and(|v| m.users[v.idx()].id.as_bytes() < m.users[u].id.as_bytes())
            };
            if rto > 0.0 && g.time == rto && (driver.is_none() || !earlier_id(&driver)) {
                let mut d =
                    RtoDriver::new(cause.unwrap_or(RtoCause::Repair), Some(UserIdx::from(u)));
                match g.best.map(|b| b.0) {
                    _ if cause == Some(RtoCause::Change) => {
                        d.change = failure.change.map(|c| c.change);
                    }
                    Some(Candidate::Datastores) => {
                        d.datastore = rec.slowest.map(|s| s.0);
                        d.region = d
                            .datastore
                            .and_then(|x| core.recoveries[x.idx()].homes.first().copied());
                    }
                    Some(Candidate::ScaleUp {
                        service, region, ..
                    }) => {
                        d.service = Some(service);
                        d.region = Some(region);
                    }
                    Some(Candidate::Shift) | Some(Candidate::AzLost) => {
                        d.region = core.assignment[u];
                    }
                    Some(Candidate::Stuck) => {
                        d.component = terms.iter().find_map(|t| t.component);
                        d.change = failure.change.map(|c| c.change);
                    }
                    None => {}
                }
                driver = Some(d);
                rto_terms.clone_from(&terms);
            }
            if !detail {
                continue;
            }
            let shift = if g.shifted {
                self.candidate_terms(failure, core, Candidate::Shift, None)
                    .0
            } else {
                Vec::new()
            };
            groups.push(GroupTime {
                user: UserIdx::from(u),
                before: before(u),
                after: core.assignment[u],
                stuck: stuck(u),
                time: Some(g.time),
                impact: Some(g.impact),
                terms,
                cause,
                shift,
            });
        }
        Explanation {
            rto_terms,
            rto_driver: driver,
            rpo_driver,
            groups,
            recoveries,
        }
    }

    /// §11.2 with `health_checked: false`: a group whose requests reach broken instances
    /// fails b_u of them for T; nothing moves.
    fn unchecked_change(
        &self,
        id: ChangeIdx,
        target: ServiceIdx,
        latent: bool,
        core: &Core,
        result: &ScenarioResult,
    ) -> Explanation {
        let m = self.model();
        let c = &m.changes[id.idx()];
        let broken = change::reached_azs(m, c, latent);
        let t = c.duration();
        let terms = change_terms(id, c.detect.0, c.rollback.0);
        let mut driver = None;
        let mut groups = Vec::new();
        for u in 0..m.users.len() {
            let after = core.assignment[u];
            let b = after.map_or(0.0, |r| {
                change::broken_fraction(self, core, &broken, target, r)
            });
            let hit = b > 0.0;
            let earlier = driver
                .as_ref()
                .and_then(|d: &RtoDriver| d.user)
                .is_some_and(|v| m.users[v.idx()].id.as_bytes() < m.users[u].id.as_bytes());
            if hit && !earlier {
                let mut d = RtoDriver::new(RtoCause::Change, Some(UserIdx::from(u)));
                d.change = Some(id);
                d.service = Some(target);
                driver = Some(d);
            }
            groups.push(GroupTime {
                user: UserIdx::from(u),
                before: self.baseline().assignment.get(u).copied().flatten(),
                after,
                stuck: false,
                time: Some(if hit { t } else { 0.0 }),
                impact: Some(b * t),
                terms: if hit { terms.clone() } else { Vec::new() },
                cause: hit.then_some(RtoCause::Change),
                shift: Vec::new(),
            });
        }
        let rto_terms = if result.rto.unwrap_or(0.0) > 0.0 {
            terms
        } else {
            Vec::new()
        };
        Explanation {
            rto_terms,
            rto_driver: driver,
            rpo_driver: rpo_driver(m, &Failure::default(), core),
            groups,
            recoveries: core.recoveries.clone(),
        }
    }

    /// A bad change's T, as its two terms.
    fn change_terms(&self, failure: &Failure) -> Vec<Term> {
        match failure.change {
            Some(run) => {
                let c = &self.model().changes[run.change.idx()];
                change_terms(run.change, c.detect.0, c.rollback.0)
            }
            None => Vec::new(),
        }
    }

    /// W: the T of a change scenario, else the repair of the failed component with the
    /// longest `mttr` (the first in component order at a tie).
    fn wait_terms(&self, failure: &Failure, core: &Core) -> Vec<Term> {
        let m = self.model();
        // A routing or service change lasts T (§11.4, and a `down` service change); a bad
        // change to data is a corruption, whose W is 0.
        if let Some(run) = failure.change
            && !matches!(
                m.changes[run.change.idx()].target,
                ChangeTarget::Datastore(_)
            )
        {
            return self.change_terms(failure);
        }
        let wait = core.state.wait;
        // The longest repair; at a tie, the smallest component id.
        let component = failure
            .components
            .iter()
            .map(|i| self.components()[*i])
            .filter(|c| m.mttr(*c).0 == wait)
            .min_by_key(|c| m.component_id(*c));
        match component {
            Some(c) if wait > 0.0 => {
                let mut t = Term::new(TermKind::WaitForRepair, wait);
                t.component = Some(c);
                vec![t]
            }
            _ => Vec::new(),
        }
    }

    /// The terms of a group's winning candidate, and what it was.
    fn candidate_terms(
        &self,
        failure: &Failure,
        core: &Core,
        candidate: Candidate,
        slowest: Option<(DatastoreIdx, f64)>,
    ) -> (Vec<Term>, Option<RtoCause>) {
        let m = self.model();
        let routing = &m.routing;
        let d = routing.detection().0;
        let manual = super::control::manual_delay(m);
        let mut terms = Vec::new();
        let cause = match candidate {
            Candidate::Datastores => {
                if let Some((x, _)) = slowest {
                    terms = self.store_terms(failure, core, x);
                }
                RtoCause::Datastore
            }
            Candidate::Shift => {
                terms.push(Term::new(TermKind::Detection, d));
                match routing.kind {
                    RoutingKind::GeoDns | RoutingKind::FailoverDns => {
                        terms.push(Term::new(TermKind::ManualDecision, manual));
                        terms.push(Term::new(TermKind::DnsTtl, routing.ttl.0));
                    }
                    RoutingKind::Anycast => {
                        terms.push(Term::new(
                            TermKind::AnycastConvergence,
                            routing.convergence.0,
                        ));
                    }
                    RoutingKind::GlobalLb => {}
                }
                RtoCause::RoutingShift
            }
            Candidate::AzLost => {
                terms.push(Term::new(TermKind::Detection, d));
                RtoCause::AzLost
            }
            Candidate::ScaleUp {
                service,
                region,
                decision,
            } => {
                terms.push(Term::new(TermKind::Detection, d));
                terms.push(Term::new(TermKind::ManualDecision, decision));
                let mut t = Term::new(
                    TermKind::ScaleUp,
                    m.services[service.idx()].scale_up[region.idx()].0,
                )
                .region(region);
                t.service = Some(service);
                terms.push(t);
                RtoCause::ScaleUp
            }
            Candidate::Stuck => {
                terms = self.wait_terms(failure, core);
                for t in &mut terms {
                    t.frozen_by = frozen_routing(m, core);
                }
                RtoCause::Stuck
            }
        };
        terms.retain(|t| t.seconds != 0.0);
        (terms, Some(cause))
    }

    /// The terms of datastore `x`'s recovery time (§3.2), summing to it.
    fn store_terms(&self, failure: &Failure, core: &Core, x: DatastoreIdx) -> Vec<Term> {
        let m = self.model();
        let ds = &m.datastores[x.idx()];
        let rec = &core.recoveries[x.idx()];
        let home = rec.homes.first().copied();
        let mut terms = Vec::new();
        let at = |t: Term| match home {
            Some(h) => t.datastore(x).region(h),
            None => t.datastore(x),
        };
        match rec.how {
            How::Unchanged | How::MembersLost | How::Lost => {}
            How::StandbyPromoted => terms.push(at(Term::new(TermKind::Promotion, ds.promotion.0))),
            How::ReplicaPromoted => {
                let decision = match ds.failover {
                    Failover::Automatic => 0.0,
                    Failover::Manual => ds.manual_decision.0,
                };
                terms.push(at(Term::new(TermKind::Detection, core.state.detection)));
                terms.push(at(Term::new(TermKind::ManualDecision, decision)));
                terms.push(at(Term::new(TermKind::Promotion, ds.promotion.0)));
            }
            How::Elected => terms.push(at(Term::new(TermKind::Election, ds.election.0))),
            How::Restored | How::CorruptionRestored => {
                let restore = ds.backups.as_ref().map_or(0.0, |b| b.restore.0);
                terms.push(at(Term::new(
                    TermKind::ManualDecision,
                    ds.manual_decision.0,
                )));
                terms.push(at(Term::new(TermKind::Restore, restore)));
            }
            How::Waits | How::Frozen => {
                for mut t in self.wait_terms(failure, core) {
                    t.datastore = Some(x);
                    if rec.how == How::Frozen {
                        t.frozen_by = ds
                            .requires
                            .iter()
                            .copied()
                            .filter(|c| {
                                !core.state.control_up.get(c.idx()).copied().unwrap_or(true)
                            })
                            .collect();
                    }
                    terms.push(t);
                }
            }
        }
        terms.retain(|t| t.seconds != 0.0);
        terms
    }
}

/// A change's T = `detect` + `rollback`, as two terms.
fn change_terms(id: ChangeIdx, detect: f64, rollback: f64) -> Vec<Term> {
    let mut terms = vec![
        Term::new(TermKind::ChangeDetect, detect),
        Term::new(TermKind::ChangeRollback, rollback),
    ];
    for t in &mut terms {
        t.change = Some(id);
    }
    terms.retain(|t| t.seconds != 0.0);
    terms
}

/// The control planes of `routing.requires` that are down (they froze a stuck group).
fn frozen_routing(m: &Model, core: &Core) -> Vec<ControlIdx> {
    m.routing
        .requires
        .iter()
        .copied()
        .filter(|c| !core.state.control_up.get(c.idx()).copied().unwrap_or(true))
        .collect()
}

/// The store whose loss is the RPO: a lost store first, else the largest loss above 0 (the
/// smallest id at a tie, so that file order changes nothing); `None` when nothing is lost.
fn rpo_driver(m: &Model, failure: &Failure, core: &Core) -> Option<RpoDriver> {
    let by_id = |a: usize, b: usize| m.datastores[a].id.as_bytes() < m.datastores[b].id.as_bytes();
    let lost = (0..core.recoveries.len())
        .filter(|d| core.recoveries[*d].loss.is_none())
        .reduce(|a, b| if by_id(b, a) { b } else { a });
    if let Some(d) = lost {
        return Some(RpoDriver {
            datastore: DatastoreIdx::from(d),
            reason: RpoReason::Lost,
            loss: None,
        });
    }
    let mut best: Option<(usize, f64)> = None;
    for (d, r) in core.recoveries.iter().enumerate() {
        let loss = r.loss.unwrap_or(0.0);
        let better = match best {
            None => loss > 0.0,
            Some((b, l)) => loss > l || (loss == l && by_id(d, b)),
        };
        if better {
            best = Some((d, loss));
        }
    }
    let (d, loss) = best?;
    let rec = &core.recoveries[d];
    let corrupted = failure.corrupted.contains(&DatastoreIdx::from(d));
    let reason = match rec.how {
        How::ReplicaPromoted => RpoReason::ReplicationLag,
        How::MembersLost => RpoReason::ActiveActiveLag,
        How::CorruptionRestored => RpoReason::Corruption,
        How::Frozen if corrupted => RpoReason::Corruption,
        _ if matches!(
            m.datastores[d].replication,
            Replication::ActiveActive { .. }
        ) && !m.datastores[d].sync =>
        {
            RpoReason::ActiveActiveLag
        }
        _ => RpoReason::Backups,
    };
    Some(RpoDriver {
        datastore: DatastoreIdx::from(d),
        reason,
        loss: Some(loss),
    })
}

/// Per group: the winning candidate so far (ties to the first) and its final time and impact.
#[derive(Clone, Copy, Default)]
struct GroupRecord {
    best: Option<(Candidate, f64)>,
    shifted: bool,
    time: f64,
    impact: f64,
}

/// The recorder of explanations: keeps each group's winning candidate and the slowest store
/// (at a tie, the smallest id).
struct Recorder<'m> {
    model: &'m Model,
    groups: Vec<GroupRecord>,
    slowest: Option<(DatastoreIdx, f64)>,
}

impl<'m> Recorder<'m> {
    fn new(model: &'m Model) -> Recorder<'m> {
        Recorder {
            model,
            groups: vec![GroupRecord::default(); model.users.len()],
            slowest: None,
        }
    }
}

impl Record for Recorder<'_> {
    fn store(&mut self, d: DatastoreIdx, time: f64) {
        let id = |x: DatastoreIdx| self.model.datastores[x.idx()].id.as_bytes();
        let better = match self.slowest {
            None => true,
            Some((b, t)) => time > t || (time == t && id(d) < id(b)),
        };
        if better {
            self.slowest = Some((d, time));
        }
    }
    fn candidate(&mut self, u: usize, candidate: Candidate, seconds: f64) {
        let g = &mut self.groups[u];
        g.shifted |= candidate == Candidate::Shift;
        if g.best.is_none_or(|(_, t)| seconds > t) {
            g.best = Some((candidate, seconds));
        }
    }
    fn group(&mut self, u: usize, t: f64, i: f64) {
        self.groups[u].time = t;
        self.groups[u].impact = i;
    }
}

/// A term in words, for people: what it is and what it belongs to.
pub fn describe(m: &Model, t: &Term) -> String {
    let ds = t.datastore.map(|d| m.datastores[d.idx()].id.as_str());
    let region = t.region.map(|r| m.regions[r.idx()].id.as_str());
    let change = t.change.map(|c| m.changes[c.idx()].id.as_str());
    let mut text = match t.kind {
        TermKind::Detection => format!(
            "detection (health checks every {} x {})",
            crate::model::units::Seconds(m.routing.health_interval.0),
            m.routing.failure_threshold
        ),
        TermKind::ManualDecision => match ds {
            Some(ds) => format!("manual decision for {ds}"),
            None => "manual routing decision".to_string(),
        },
        TermKind::Promotion => match (ds, region) {
            (Some(ds), Some(r)) => format!("promotion of {ds} in {r}"),
            (Some(ds), None) => format!("promotion of {ds}"),
            _ => "promotion".to_string(),
        },
        TermKind::Election => format!("leader election of {}", ds.unwrap_or("the store")),
        TermKind::DnsTtl => "DNS TTL".to_string(),
        TermKind::AnycastConvergence => "anycast convergence".to_string(),
        TermKind::ScaleUp => format!(
            "scale-up of {} in {}",
            t.service.map_or("", |s| m.services[s.idx()].id.as_str()),
            region.unwrap_or("")
        ),
        TermKind::Restore => match (ds, region) {
            (Some(ds), Some(r)) => format!("restore of {ds} from backups in {r}"),
            (Some(ds), None) => format!("restore of {ds} from backups"),
            _ => "restore from backups".to_string(),
        },
        TermKind::WaitForRepair => {
            let what = t.component.map_or(String::new(), |c| m.component_id(c));
            match ds {
                Some(ds) => format!("{ds} waits for repair of {what}"),
                None => format!("wait for repair of {what}"),
            }
        }
        TermKind::ChangeDetect => format!("bad change {} noticed", change.unwrap_or("")),
        TermKind::ChangeRollback => format!("rollback of {}", change.unwrap_or("")),
    };
    if !t.frozen_by.is_empty() {
        let ids: Vec<&str> = t
            .frozen_by
            .iter()
            .map(|c| m.control_planes[c.idx()].id.as_str())
            .collect();
        text.push_str(&format!(" (frozen: {} down)", ids.join(", ")));
    }
    text
}
