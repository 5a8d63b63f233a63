//! MODEL.md §4: round trips after recovery, including the speed-of-light cost of calling a
//! dependency or committing a write in another region.

use super::{Core, Engine};
use crate::model::{RegionIdx, Replication, UserIdx};

/// (worst_rtt_ms, worst_request_ms) over the served user groups.
pub fn worst(engine: &Engine, core: &Core) -> (f64, f64) {
    let mut worst_rtt: f64 = 0.0;
    let mut worst_request: f64 = 0.0;
    for (u, r) in core.assignment.iter().enumerate() {
        let Some(r) = *r else { continue };
        let rtt = engine.rtt_user(UserIdx::from(u), r);
        worst_rtt = worst_rtt.max(rtt);
        worst_request = worst_request.max(rtt + backend_ms(engine, core, r));
    }
    (worst_rtt, worst_request)
}

/// The time a request served in region `r` spends on dependencies in other regions and on
/// commits.
pub fn backend_ms(engine: &Engine, core: &Core, r: RegionIdx) -> f64 {
    let model = engine.model();
    let graphs = engine.graphs();
    let state = &core.state;
    let n = model.regions.len();
    let mut total = 0.0;
    for s in &graphs.entry_services {
        if core.usable[s.idx()][r.idx()] {
            continue;
        }
        let nearest = (0..n)
            .map(RegionIdx::from)
            .filter(|x| core.usable[s.idx()][x.idx()] && state.connected(r, *x))
            .map(|x| engine.rtt_regions(r, x))
            .fold(f64::INFINITY, f64::min);
        if nearest.is_finite() {
            total += nearest;
        }
    }
    for d in &graphs.entry_datastores {
        let recovery = &core.recoveries[d.idx()];
        let mut best: Option<(f64, &str, RegionIdx)> = None;
        for h in recovery.homes.iter().filter(|h| state.connected(r, **h)) {
            let key = (
                engine.rtt_regions(r, *h),
                model.regions[h.idx()].id.as_str(),
                *h,
            );
            if best
                .is_none_or(|b| key.0 < b.0 || (key.0 == b.0 && key.1.as_bytes() < b.1.as_bytes()))
            {
                best = Some(key);
            }
        }
        if let Some((rtt, _, home)) = best {
            total += rtt + commit_ms(engine, core, d.idx(), home);
        }
    }
    total
}

/// The time a write takes to commit at `home` beyond reaching it.
fn commit_ms(engine: &Engine, core: &Core, d: usize, home: RegionIdx) -> f64 {
    let model = engine.model();
    let ds = &model.datastores[d];
    let recovery = &core.recoveries[d];
    let state = &core.state;
    if recovery.restored {
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
            let majority = regions.len() / 2 + 1;
            let mut rtts: Vec<f64> = regions
                .iter()
                .filter(|x| state.connected(home, **x))
                .map(|x| {
                    if *x == home {
                        0.0
                    } else {
                        engine.rtt_regions(home, *x)
                    }
                })
                .collect();
            rtts.sort_by(f64::total_cmp);
            rtts.get(majority - 1)
                .or(rtts.last())
                .copied()
                .unwrap_or(0.0)
        }
        _ => 0.0,
    }
}
