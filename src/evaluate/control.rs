//! MODEL.md §10: control planes, and the recovery actions that need them.
//!
//! A control plane that is down stops nothing that runs; it freezes the actions that call it:
//! promotions and restores (in [`super::datastore`]), scaling up (§10.3) and routing shifts
//! (§10.4). This module holds the parts the engine calls into: which control planes are up, the
//! routing freeze and its stuck groups, and the `frozen` list of a scenario.

use super::{Core, Engine, Failure, reset};
use crate::model::{Component, ControlIdx, Failover, Model, Service, UserIdx};

/// Whether each control plane is up (§10.1): not failed itself, and its region, if any, alive.
pub(super) fn fill(engine: &Engine, failure: &Failure, core: &mut Core) {
    let m = engine.model();
    let st = &mut core.state;
    reset(&mut st.control_up, m.control_planes.len(), true);
    if m.control_planes.is_empty() {
        return;
    }
    for &i in &failure.components {
        if let Component::Control(c) = engine.components()[i] {
            st.control_up[c.idx()] = false;
        }
    }
    for (c, plane) in m.control_planes.iter().enumerate() {
        if let Some(r) = plane.region
            && !st.region_alive[r.idx()]
        {
            st.control_up[c] = false;
        }
    }
}

/// Whether every control plane of `list` is up.
pub fn all_up(control_up: &[bool], list: &[ControlIdx]) -> bool {
    list.iter()
        .all(|c| control_up.get(c.idx()).copied().unwrap_or(true))
}

/// §10.3: whether a region may scale `service` up (every control plane of its
/// `scale_requires` is up).
pub(super) fn can_scale(core: &Core, service: &Service) -> bool {
    all_up(&core.state.control_up, &service.scale_requires)
}

/// §10.4: when a control plane of `routing.requires` is down, routing moves no one: each group
/// keeps its region before failure if it still serves, else it is stuck. Runs after routing;
/// returns whether every group is stuck. Routing that needs no control plane (or anycast and
/// global-lb, whose `requires` validation drops) is left alone.
pub(super) fn freeze_routing(engine: &Engine, core: &mut Core) -> bool {
    let m = engine.model();
    reset(&mut core.stuck, m.users.len(), false);
    core.routing_frozen = false;
    if all_up(&core.state.control_up, &m.routing.requires) {
        return false;
    }
    let n = m.regions.len();
    let entry = m.entry.idx();
    let mut any_stuck = false;
    for u in 0..m.users.len() {
        let before = engine.baseline().assignment.get(u).copied().flatten();
        match before {
            Some(r) if core.usable[entry * n + r.idx()] => {
                if !core.state.routing_failed {
                    core.assignment[u] = Some(r);
                }
            }
            _ => {
                core.stuck[u] = true;
                core.assignment[u] = None;
                any_stuck = true;
            }
        }
    }
    let some_region_serves = (0..n).any(|r| core.usable[entry * n + r]);
    core.routing_frozen = any_stuck && some_region_serves;
    core.stuck.iter().all(|s| *s)
}

/// The routing shift's extra wait under `failover: manual` (§10.4): `manual_decision` for DNS
/// kinds, 0 otherwise.
pub fn manual_delay(model: &Model) -> f64 {
    if model.routing.kind.is_dns() && model.routing.failover == Failover::Manual {
        model.routing.manual_decision.0
    } else {
        0.0
    }
}

/// §10.6: the control planes that are down and that an action of this scenario needed, sorted
/// by id.
pub(super) fn frozen(engine: &Engine, core: &Core) -> Vec<ControlIdx> {
    let m = engine.model();
    if m.control_planes.is_empty() {
        return Vec::new();
    }
    let up = &core.state.control_up;
    let mut out: Vec<ControlIdx> = Vec::new();
    let mut add = |list: &[ControlIdx]| {
        for c in list {
            if !up.get(c.idx()).copied().unwrap_or(true) && !out.contains(c) {
                out.push(*c);
            }
        }
    };
    for (d, rec) in core.recoveries.iter().enumerate() {
        if rec.blocked {
            add(&m.datastores[d].requires);
        }
    }
    for s in &core.scale_frozen {
        add(&m.services[s.idx()].scale_requires);
    }
    if core.routing_frozen {
        add(&m.routing.requires);
    }
    out.sort_by(|a, b| {
        m.control_planes[a.idx()]
            .id
            .as_bytes()
            .cmp(m.control_planes[b.idx()].id.as_bytes())
    });
    out
}

/// The stuck groups of a scenario, in user order.
pub(super) fn stuck(core: &Core) -> Vec<UserIdx> {
    core.stuck
        .iter()
        .enumerate()
        .filter(|(_, s)| **s)
        .map(|(u, _)| UserIdx::from(u))
        .collect()
}
