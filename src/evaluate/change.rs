//! MODEL.md §11: a bad change, evaluated as its own scenario (`change:<id>`,
//! `change:<id>:latent`). No component fails: the change breaks the instances of a service in
//! the waves it reached, or routing, or a datastore's data, for T = detect + rollback.

use serde::Serialize;

use super::{ChangeRun, Core, Engine, Failure, Outcome, ScenarioResult, reset};
use crate::model::{Change, ChangeTarget, Model, Place, RegionIdx, ServiceIdx};

/// What a change scenario reports besides the usual figures (§8).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Figures {
    /// Bad changes a year that take this path (§11.6).
    pub frequency_per_year: f64,
    /// The waves the bad change reached; `None` for routing and datastore targets.
    pub waves_reached: Option<usize>,
    /// Extra, for renderers: the stream's number of waves (0 for routing and datastores).
    #[serde(skip)]
    pub waves: usize,
}

/// Per AZ, whether the bad change reached the service's instances there (§11.1-2).
pub fn reached_azs(model: &Model, change: &Change, latent: bool) -> Vec<bool> {
    let mut out = vec![false; model.azs.len()];
    for wave in change.waves.iter().take(change.waves_reached(latent)) {
        for place in wave {
            match place {
                Place::Region(r) => {
                    for a in &model.regions[r.idx()].azs {
                        out[a.idx()] = true;
                    }
                }
                Place::Az(a) => out[a.idx()] = true,
            }
        }
    }
    out
}

/// Sets up the evaluation of a change scenario before recovery runs: a routing change fails
/// routing, a health-checked service change breaks instances (they count as instances in a
/// failed AZ), and both last T (W = T, every time capped at T, §11.4). A datastore change is a
/// corruption of the store (the scenario's failure names it); a change that passes health
/// checks moves nothing and is finished by [`finish`].
pub(super) fn apply(engine: &Engine, failure: &Failure, core: &mut Core) {
    core.broken_service = None;
    core.time_cap = f64::INFINITY;
    let Some(run) = failure.change else { return };
    let m = engine.model();
    let Some(change) = m.changes.get(run.change.idx()) else {
        return;
    };
    match change.target {
        ChangeTarget::Routing => {
            core.state.routing_failed = true;
            core.state.wait = change.duration();
            core.time_cap = change.duration();
        }
        ChangeTarget::Service(s) if change.health_checked => {
            core.state.wait = change.duration();
            core.time_cap = change.duration();
            core.broken_service = Some(s.idx());
            let reached = reached_azs(m, change, run.latent);
            reset(&mut core.broken, m.azs.len(), false);
            core.broken.copy_from_slice(&reached);
        }
        ChangeTarget::Service(_) | ChangeTarget::Datastore(_) => {}
    }
}

/// The result of a change scenario once the engine has evaluated its state.
pub(super) fn finish(engine: &Engine, run: ChangeRun, core: &mut Core) -> ScenarioResult {
    let m = engine.model();
    let change = &m.changes[run.change.idx()];
    let t = change.duration();
    let mut result = match change.target {
        ChangeTarget::Service(s) if !change.health_checked => {
            unchecked(engine, core, change, s, run.latent)
        }
        ChangeTarget::Service(_) | ChangeTarget::Routing => {
            let mut r = engine.finish(core);
            if r.outcome != Outcome::Down {
                // §11.4: requests lost to a shortfall for as long as the change stays.
                let extra = (1.0 - r.served_fraction) * t;
                r.impact = r.impact.map(|i| i + extra);
                r.transient_impact = r.transient_impact.map(|i| i + extra);
                r.failed_requests = r.impact.map(|i| i * m.peak_rps);
            }
            r
        }
        ChangeTarget::Datastore(d) => {
            let mut r = engine.finish(core);
            if core.recoveries[d.idx()].loss.is_none() {
                // §11.3: a lost store's change has no impact figure (its null RPO reports
                // the loss) and adds nothing to the change downtime.
                r.impact = None;
                r.transient_impact = None;
                r.failed_requests = None;
            }
            r
        }
    };
    result.change = Some(Figures {
        frequency_per_year: change.frequency(run.latent),
        waves_reached: match change.target {
            ChangeTarget::Service(_) => Some(change.waves_reached(run.latent)),
            _ => None,
        },
        waves: change.waves.len(),
    });
    result
}

/// §11.2 with `health_checked: false`: broken instances keep their share of requests and fail
/// them until rollback; nothing moves. Group u served by r loses b_u of its requests.
fn unchecked(
    engine: &Engine,
    core: &mut Core,
    change: &Change,
    target: ServiceIdx,
    latent: bool,
) -> ScenarioResult {
    let m = engine.model();
    let t = change.duration();
    let broken = reached_azs(m, change, latent);
    let mut base = engine.finish(core);
    if base.outcome == Outcome::Down {
        return base;
    }
    let mut served = 0.0;
    let mut impact = 0.0;
    let mut rto: f64 = 0.0;
    let mut blast = 0.0;
    let mut all_broken = true;
    let mut any_broken = false;
    for (u, user) in m.users.iter().enumerate() {
        let Some(r) = core.assignment[u] else {
            all_broken = false;
            continue;
        };
        let b = broken_fraction(engine, core, &broken, target, r);
        if b < 1.0 {
            all_broken = false;
        }
        any_broken |= b > 0.0;
        served += user.share * pass_ratio(core, r) * (1.0 - b);
        if b > 0.0 {
            rto = rto.max(t);
            impact += user.share * b * t;
        }
        if b > 0.0 || short(core, r) {
            blast += user.share;
        }
    }
    if all_broken {
        return ScenarioResult {
            outcome: Outcome::Down,
            rto: Some(t),
            dns_exposure: 0.0,
            impact: Some(t),
            failed_requests: Some(t * m.peak_rps),
            served_fraction: 0.0,
            worst_rtt_ms: None,
            worst_request_ms: None,
            surge_cost_per_hour: None,
            residency_violations: Vec::new(),
            blast_radius: 1.0,
            transient_impact: Some(t),
            ..base
        };
    }
    let served = served.min(1.0);
    let affected = any_broken || served < 1.0 - 1e-9;
    base.outcome = if affected {
        Outcome::Degraded
    } else {
        base.outcome
    };
    base.served_fraction = served;
    base.rto = Some(rto);
    base.dns_exposure = 0.0;
    base.impact = Some(impact);
    base.transient_impact = Some(impact);
    base.failed_requests = Some(impact * m.peak_rps);
    base.blast_radius = blast;
    base
}

/// b_u for a group served by `r`: for the entry service, r's broken entry instances over r's
/// entry instances; for another service of the entry's closure, its call fraction x its
/// broken instances over its instances in the region r calls it in (r itself when it is
/// usable there, else the nearest connected region where it is, §4).
pub(super) fn broken_fraction(
    engine: &Engine,
    core: &Core,
    broken: &[bool],
    target: ServiceIdx,
    r: RegionIdx,
) -> f64 {
    let m = engine.model();
    let (q, call_fraction) = if target == m.entry {
        (r, 1.0)
    } else if engine.graphs().entry_services.contains(&target) {
        let s = target.idx();
        let q = if core.usable(s, r.idx()) {
            Some(r)
        } else {
            engine
                .regions_by_rtt(r)
                .iter()
                .copied()
                .find(|x| core.usable(s, x.idx()) && core.state.connected(r, *x))
        };
        match q {
            Some(q) => (
                q,
                engine
                    .graphs()
                    .fraction(m, crate::model::Dependency::Service(target)),
            ),
            None => return 0.0,
        }
    } else {
        return 0.0;
    };
    let svc = &m.services[target.idx()];
    // The instances in use: the scaled ones where the region runs scaled with nothing failed.
    let azs = &m.regions[q.idx()].azs;
    let placed: u64 = azs.iter().map(|a| u64::from(svc.instances[a.idx()])).sum();
    let scaled = (target == m.entry && core.scaled[q.idx()]) || placed == 0;
    let count = |a: usize| {
        if scaled {
            svc.scaled_instances[a]
        } else {
            svc.instances[a]
        }
    };
    let (mut lost, mut total) = (0u64, 0u64);
    for a in azs {
        if !core.state.az_alive[a.idx()] {
            continue;
        }
        let n = u64::from(count(a.idx()));
        total += n;
        if broken[a.idx()] {
            lost += n;
        }
    }
    if total == 0 {
        return 0.0;
    }
    call_fraction * lost as f64 / total as f64
}

/// The share of region r's requests served in the scenario: ρ_r of MODEL.md §12.3 (the
/// tightest tier on its path and its partial factor; under `global-lb` the pooled entry ratio
/// is one of its terms).
pub(super) fn pass_ratio(core: &Core, r: RegionIdx) -> f64 {
    core.tiers.rho.get(r.idx()).copied().unwrap_or(0.0)
}

/// §11.5: whether the requests of a serving region r are not all served: a tier short of
/// capacity on their path or a partial dependency lost (under `global-lb`, every region when
/// the pooled entry total falls short): ρ_r below 1 by more than 1e-9.
pub(super) fn short(core: &Core, r: RegionIdx) -> bool {
    pass_ratio(core, r) < 1.0 - 1e-9
}
