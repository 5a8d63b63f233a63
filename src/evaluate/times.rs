//! MODEL.md §3.7 with §10.4, §11.4 and §12.5: per-group recovery times, RTO, impact and DNS
//! exposure.
//!
//! [`times`] runs for every evaluated scenario (millions with `--max-failures`), so it computes
//! numbers only. An explanation (`drplan explain`, the JSON `rto_breakdown`) needs to know which
//! term of each maximum won: the same function takes a [`Record`] that it tells about every
//! candidate. The hot path passes [`Silent`], whose empty methods compile to nothing; the
//! explanation passes a recorder that keeps the winners. One body of arithmetic serves both, so
//! an explanation cannot drift from the figure it explains.

use super::tiers::NOWHERE;
use super::{Core, Engine, change, control};
use crate::model::{DatastoreIdx, Dependency, RegionIdx, RoutingKind, ServiceIdx};

/// The figures of §3.7 for one scenario that is not `down`.
#[derive(Default)]
pub(super) struct Times {
    pub rto: f64,
    pub impact: f64,
    pub dns_exposure: f64,
    /// The part of `impact` from stuck groups (§10.5).
    pub stuck_impact: f64,
    /// §11.5: the share of users with failed requests.
    pub blast_radius: f64,
}

/// One candidate for a group's time t_u (the largest candidate wins, then the §11.4 cap).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Candidate {
    /// The slowest required datastore's recovery (§3.7, the same for every group).
    Datastores,
    /// The group moved region: a routing shift S (D + [decision +] TTL, D + convergence, D).
    Shift,
    /// Its region still serves but lost an AZ holding entry instances: D.
    AzLost,
    /// A required tier scales in a region on the group's path: D + [decision +] `scale_up`
    /// (§12.5); `decision` is the manual routing decision when groups shifted there (§10.4).
    ScaleUp {
        service: ServiceIdx,
        region: RegionIdx,
        decision: f64,
    },
    /// The group is stuck (§10.5): it waits for repair, W.
    Stuck,
}

/// Told about every candidate [`times`] weighs. Every method does nothing by default.
pub(super) trait Record {
    /// A required datastore's recovery time (the slowest is the datastore candidate of every
    /// group).
    #[inline(always)]
    fn store(&mut self, _d: DatastoreIdx, _time: f64) {}
    /// A candidate for group `u`'s time, in the order weighed (ties go to the first).
    #[inline(always)]
    fn candidate(&mut self, _u: usize, _candidate: Candidate, _seconds: f64) {}
    /// Group `u`'s time and impact once every candidate is weighed and §11.4's cap applied.
    #[inline(always)]
    fn group(&mut self, _u: usize, _t: f64, _i: f64) {}
}

/// The recorder of the hot path: records nothing.
pub(super) struct Silent;

impl Record for Silent {}

/// Computes the times of §3.7 for a scenario that is not `down`, telling `rec` why.
#[inline(always)]
pub(super) fn times<R: Record>(engine: &Engine, core: &Core, rec: &mut R) -> Times {
    let m = engine.model;
    let graphs = &engine.graphs;
    let routing = &m.routing;
    let d = routing.detection().0;
    let n = m.regions.len();
    let entry = &m.services[m.entry.idx()];
    // Required stores' recovery is the same for every group; partial ones add to the
    // impact of the groups whose regions reach them.
    let mut datastore_time: f64 = 0.0;
    let mut partial_stores = Vec::new();
    for x in &graphs.entry_datastores {
        let c = graphs.fraction(m, Dependency::Datastore(*x));
        let recovery = &core.recoveries[x.idx()];
        if c >= 1.0 {
            rec.store(*x, recovery.time);
            datastore_time = datastore_time.max(recovery.time);
        } else if !recovery.homes.is_empty() && recovery.time > 0.0 {
            // It recovered (promotion, election, restore); one that waits adds nothing.
            let node = m.services.len() + x.idx();
            partial_stores.push((node, c * recovery.time));
        }
    }
    // §10.4: a manual routing failover waits for the decision after detection.
    let manual = control::manual_delay(m);
    let cap = core.time_cap;
    let (shift, shift_impact) = match routing.kind {
        RoutingKind::GeoDns | RoutingKind::FailoverDns => {
            (d + manual + routing.ttl.0, d + manual + routing.ttl.0 / 2.0)
        }
        RoutingKind::Anycast => (d + routing.convergence.0, d + routing.convergence.0),
        RoutingKind::GlobalLb => (d, d),
    };
    let tiers = &core.tiers;
    let base = &engine.baseline.tiers;
    let items = graphs.call_fraction.len();
    let mut out = Times::default();
    let shifted_into = |r: RegionIdx| {
        manual > 0.0
            && (0..m.users.len())
                .any(|v| core.assignment[v] == Some(r) && engine.baseline.assignment[v] != Some(r))
    };
    for (u, user) in m.users.iter().enumerate() {
        if core.stuck.get(u).copied().unwrap_or(false) {
            // §10.5: a stuck group waits for repair; no DNS exposure, no stale tail.
            rec.candidate(u, Candidate::Stuck, core.state.wait);
            let w = core.state.wait.min(cap);
            rec.group(u, w, w);
            out.rto = out.rto.max(w);
            out.impact += user.share * w;
            out.stuck_impact += user.share * w;
            out.blast_radius += user.share;
            continue;
        }
        let (Some(before), Some(after)) = (engine.baseline.assignment[u], core.assignment[u])
        else {
            continue;
        };
        rec.candidate(u, Candidate::Datastores, datastore_time);
        let mut t = datastore_time;
        let mut i = datastore_time;
        let shifted = before != after;
        if shifted {
            rec.candidate(u, Candidate::Shift, shift);
            t = t.max(shift);
            i = i.max(shift_impact);
        } else {
            let (mut lost, mut total) = (0u64, 0u64);
            for a in &m.regions[after.idx()].azs {
                let n = u64::from(entry.instances[a.idx()]);
                total += n;
                if !core.instances_up(m.entry.idx(), a.idx()) {
                    lost += n;
                }
            }
            if lost > 0 {
                rec.candidate(u, Candidate::AzLost, d);
                t = t.max(d);
                i = i.max(d * lost as f64 / total as f64);
            }
        }
        // §12.5: every tier on the group's path that scales now and did not with nothing
        // failed; the impact weighted by the tier's shortfall before scaling.
        let r = after.idx();
        let mut extra = 0.0;
        for (k, &(s, c)) in engine.closure.iter().enumerate() {
            let q = tiers.sigma[k * n + r];
            if q == NOWHERE {
                continue;
            }
            let j = k * n + q as usize;
            if !tiers.scaled[j] || base.scaled.get(j).copied().unwrap_or(false) {
                continue;
            }
            // §10.4: a tier that scales because groups shifted to their region under a
            // manual failover starts after the decision too.
            let decision = if shifted_into(after) { manual } else { 0.0 };
            let scale = d + decision + m.services[s.idx()].scale_up[q as usize].0;
            let (offered, steady) = if k == 0 && routing.kind == RoutingKind::GlobalLb {
                (tiers.pooled_offered, tiers.pooled_steady)
            } else {
                (tiers.offered[j], tiers.steady[j])
            };
            let weight = if offered > 0.0 {
                ((offered - steady) / offered).max(0.0)
            } else {
                0.0
            };
            if c >= 1.0 {
                rec.candidate(
                    u,
                    Candidate::ScaleUp {
                        service: s,
                        region: RegionIdx::from(q as usize),
                        decision,
                    },
                    scale,
                );
                t = t.max(scale);
                i = i.max(scale * weight);
            } else {
                // A partial tier adds to the impact only, as a term of the sum.
                extra += scale * weight * c;
            }
        }
        for &(node, cost) in &partial_stores {
            if tiers.open(items, r, node) {
                extra += cost;
            }
        }
        // §11.4: after rollback the old version serves again.
        let (t, i) = (t.min(cap), (i + extra).min(cap));
        out.rto = out.rto.max(t);
        out.impact += user.share * i;
        if i > 0.0 || change::short(core, after) {
            out.blast_radius += user.share;
        }
        let mut tail = 0.0;
        if shifted && routing.kind.is_dns() {
            out.dns_exposure = (d + manual + routing.ttl.0).min(cap);
            tail = ((d + manual + routing.stale_duration.0).min(cap) - t).max(0.0);
            out.impact += user.share * routing.stale_fraction * tail;
        }
        // i_u with the stale tail: share_u x i_u is what the group adds to the impact.
        rec.group(u, t, i + routing.stale_fraction * tail);
    }
    out
}
