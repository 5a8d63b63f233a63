//! MODEL.md §4: round trips after recovery, including the speed-of-light cost of calling a
//! dependency or committing a write in another region.
//!
//! Everything here depends on the serving region, not on the user group, so it is computed once
//! per serving region per scenario; "nearest" searches walk precomputed lists of regions sorted
//! by round trip and stop at the first match.

use super::{Core, Engine};
use crate::model::{DatastoreIdx, RegionIdx, Replication, ServiceIdx, UserIdx};

/// (worst_rtt_ms, worst_request_ms) over the served user groups.
pub fn worst(engine: &Engine, core: &mut Core) -> (f64, f64) {
    let n = engine.model().regions.len();
    // backend[r]: the time a request served in r spends beyond the user's round trip (NaN
    // until computed).
    let mut backend = std::mem::take(&mut core.backend);
    backend.clear();
    backend.resize(n, f64::NAN);
    let mut worst_rtt: f64 = 0.0;
    let mut worst_request: f64 = 0.0;
    for (u, r) in core.assignment.iter().enumerate() {
        let Some(r) = *r else { continue };
        let rtt = engine.rtt_user(UserIdx::from(u), r);
        if backend[r.idx()].is_nan() {
            backend[r.idx()] = backend_ms(engine, core, r);
        }
        worst_rtt = worst_rtt.max(rtt);
        worst_request = worst_request.max(rtt + backend[r.idx()]);
    }
    core.backend = backend;
    (worst_rtt, worst_request)
}

/// One term of a request's time beyond the user's round trip (MODEL.md §4).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Part {
    /// A service of the closure not usable in the serving region, called in `region`.
    Service {
        service: ServiceIdx,
        region: RegionIdx,
        rtt_ms: f64,
    },
    /// A datastore of the closure: the round trip to its nearest home connected to the
    /// serving region (0 when that is the serving region) and its commit time there.
    Datastore {
        datastore: DatastoreIdx,
        home: RegionIdx,
        rtt_ms: f64,
        commit_ms: f64,
    },
}

/// A user group's request after recovery, term by term: `total_ms` = `rtt_ms` + the parts
/// (a datastore part adds its round trip and commit together), the `request_u` of §4.
#[derive(Clone, Debug, PartialEq)]
pub struct Request {
    pub region: RegionIdx,
    pub rtt_ms: f64,
    pub parts: Vec<Part>,
    pub total_ms: f64,
}

/// Group `u`'s request term by term; `None` when no region serves it.
pub fn request(engine: &Engine, core: &Core, u: UserIdx) -> Option<Request> {
    let r = (*core.assignment.get(u.idx())?)?;
    let rtt_ms = engine.rtt_user(u, r);
    let mut parts = Vec::new();
    let backend = backend_ms_with(engine, core, r, |p| parts.push(p));
    Some(Request {
        region: r,
        rtt_ms,
        parts,
        total_ms: rtt_ms + backend,
    })
}

/// The time a request served in region `r` spends on dependencies in other regions and on
/// commits.
fn backend_ms(engine: &Engine, core: &Core, r: RegionIdx) -> f64 {
    backend_ms_with(engine, core, r, |_| {})
}

/// [`backend_ms`], telling `part` about each term (a no-op closure on the hot path).
#[inline(always)]
fn backend_ms_with(engine: &Engine, core: &Core, r: RegionIdx, mut part: impl FnMut(Part)) -> f64 {
    let graphs = engine.graphs();
    let state = &core.state;
    let mut total = 0.0;
    for s in &graphs.entry_services {
        if core.usable(s.idx(), r.idx()) {
            continue;
        }
        // The nearest connected region where the service is usable (usable implies alive).
        if let Some(x) = engine
            .regions_by_rtt(r)
            .iter()
            .find(|x| core.usable(s.idx(), x.idx()) && state.connected(r, **x))
        {
            let rtt_ms = engine.rtt_regions(r, *x);
            part(Part::Service {
                service: *s,
                region: *x,
                rtt_ms,
            });
            total += rtt_ms;
        }
    }
    for d in &graphs.entry_datastores {
        let recovery = &core.recoveries[d.idx()];
        if recovery.homes.is_empty() {
            continue;
        }
        // The nearest home connected to r (ties by region id, as the lists are sorted).
        let home = engine
            .regions_by_rtt(r)
            .iter()
            .find(|h| state.connected(r, **h) && recovery.homes.contains(h));
        if let Some(home) = home {
            let (rtt_ms, commit_ms) = (
                engine.rtt_regions(r, *home),
                commit_ms(engine, core, d.idx(), *home),
            );
            part(Part::Datastore {
                datastore: *d,
                home: *home,
                rtt_ms,
                commit_ms,
            });
            total += rtt_ms + commit_ms;
        }
    }
    total
}

/// The time a write takes to commit at `home` beyond reaching it.
fn commit_ms(engine: &Engine, core: &Core, d: usize, home: RegionIdx) -> f64 {
    let model = engine.model();
    let ds = &model.datastores[d];
    let state = &core.state;
    if core.recoveries[d].restored {
        return 0.0;
    }
    match &ds.replication {
        Replication::ActivePassive {
            primary, replicas, ..
        } if ds.sync => {
            let promoted = home != *primary;
            std::iter::once(*primary)
                .chain(replicas.iter().copied())
                .filter(|x| {
                    *x != home && !(promoted && x == primary) && state.region_alive[x.idx()]
                })
                .map(|x| engine.rtt_regions(home, x))
                .fold(0.0, f64::max)
        }
        Replication::Consensus { regions } | Replication::ActiveActive { regions }
            if ds.is_quorum() =>
        {
            // Members sorted by round trip from the home (the home first, at 0): the
            // majority-th alive member connected to the home, or the farthest such member if
            // fewer are reachable.
            let majority = regions.len() / 2 + 1;
            let mut count = 0;
            let mut last = 0.0;
            for (rtt, m) in engine.members_by_rtt(d, home) {
                if state.connected(home, *m) {
                    count += 1;
                    last = *rtt;
                    if count == majority {
                        break;
                    }
                }
            }
            last
        }
        _ => 0.0,
    }
}
