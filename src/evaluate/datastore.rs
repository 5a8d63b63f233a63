//! MODEL.md §3.2: where each datastore's writes go after a failure, how long recovery takes and
//! how much data is lost.

use super::State;
use crate::model::{Datastore, Failover, Model, RegionIdx, Replication};

/// The recovered state of one datastore in one scenario.
#[derive(Clone, Debug, PartialEq)]
pub struct Recovery {
    /// Regions where writes go after recovery; empty when the store has no home.
    pub homes: Vec<RegionIdx>,
    /// Seconds until the store takes writes again.
    pub time: f64,
    /// Seconds of writes lost; `None` when the data is lost for good (corruption, no backups).
    pub loss: Option<f64>,
    /// The home is a restore from backups (commit time 0).
    pub restored: bool,
}

impl Recovery {
    fn at(homes: Vec<RegionIdx>, time: f64, loss: f64) -> Recovery {
        Recovery {
            homes,
            time,
            loss: Some(loss),
            restored: false,
        }
    }
}

/// What happened to the store in this scenario besides component failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    No,
    Yes,
}

/// Recovers one store. `was_serving[r]` tells whether region r served some user group with
/// nothing failed (for active-active loss).
pub fn recover(
    model: &Model,
    ds: &Datastore,
    state: &State,
    corruption: Corruption,
    was_serving: &[bool],
) -> Recovery {
    let mut r = if corruption == Corruption::Yes && !ds.ephemeral {
        corrupted(ds, state)
    } else {
        after_failure(model, ds, state, was_serving)
    };
    if ds.ephemeral {
        r.loss = Some(0.0);
    }
    r
}

/// Logical corruption: replication copied it everywhere, only backups help.
fn corrupted(ds: &Datastore, state: &State) -> Recovery {
    match &ds.backups {
        Some(b) if state.region_alive[b.region.idx()] => Recovery {
            homes: vec![b.region],
            time: ds.manual_decision.0 + b.restore.0,
            loss: Some(b.interval.0),
            restored: true,
        },
        _ => Recovery {
            homes: Vec::new(),
            time: 0.0,
            loss: None,
            restored: false,
        },
    }
}

/// Restore from backups if that beats waiting for repair, else wait (no home, time W, loss 0).
fn restore_or_wait(ds: &Datastore, state: &State) -> Recovery {
    if let Some(b) = &ds.backups {
        let restore_time = ds.manual_decision.0 + b.restore.0;
        if state.region_alive[b.region.idx()] && restore_time < state.wait {
            return Recovery {
                homes: vec![b.region],
                time: restore_time,
                loss: Some(b.interval.0),
                restored: true,
            };
        }
    }
    Recovery::at(Vec::new(), state.wait, 0.0)
}

fn after_failure(model: &Model, ds: &Datastore, state: &State, was_serving: &[bool]) -> Recovery {
    match &ds.replication {
        Replication::SingleAz { az } => {
            if state.az_alive[az.idx()] {
                Recovery::at(vec![model.azs[az.idx()].region], 0.0, 0.0)
            } else {
                restore_or_wait(ds, state)
            }
        }
        Replication::MultiAz {
            primary,
            primary_az,
            standby,
        } => {
            if !state.region_alive[primary.idx()] {
                restore_or_wait(ds, state)
            } else if state.az_alive[primary_az.idx()] {
                Recovery::at(vec![*primary], 0.0, 0.0)
            } else if *standby {
                Recovery::at(vec![*primary], ds.promotion.0, 0.0)
            } else {
                restore_or_wait(ds, state)
            }
        }
        Replication::ActivePassive {
            primary,
            primary_az,
            standby,
            replicas,
        } => {
            if state.region_alive[primary.idx()] {
                if state.az_alive[primary_az.idx()] {
                    return Recovery::at(vec![*primary], 0.0, 0.0);
                }
                if *standby {
                    return Recovery::at(vec![*primary], ds.promotion.0, 0.0);
                }
            }
            match replicas.iter().find(|r| state.region_alive[r.idx()]) {
                Some(r) => {
                    let decision = match ds.failover {
                        Failover::Automatic => 0.0,
                        Failover::Manual => ds.manual_decision.0,
                    };
                    let loss = if ds.sync { 0.0 } else { ds.lag.0 };
                    Recovery::at(vec![*r], state.detection + decision + ds.promotion.0, loss)
                }
                None => restore_or_wait(ds, state),
            }
        }
        Replication::ActiveActive { regions } if !ds.sync => {
            let homes: Vec<RegionIdx> = regions
                .iter()
                .copied()
                .filter(|r| state.region_alive[r.idx()])
                .collect();
            if homes.is_empty() {
                return restore_or_wait(ds, state);
            }
            let lost_serving = regions
                .iter()
                .any(|r| !state.region_alive[r.idx()] && was_serving[r.idx()]);
            Recovery::at(homes, 0.0, if lost_serving { ds.lag.0 } else { 0.0 })
        }
        Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
            let majority = regions.len() / 2 + 1;
            // Alive members grouped by connected component; a majority lives in at most one.
            let mut best: Option<Vec<RegionIdx>> = None;
            for r in regions.iter().filter(|r| state.region_alive[r.idx()]) {
                let group: Vec<RegionIdx> = regions
                    .iter()
                    .copied()
                    .filter(|m| {
                        state.region_alive[m.idx()]
                            && state.component[m.idx()] == state.component[r.idx()]
                    })
                    .collect();
                if group.len() >= majority {
                    best = Some(group);
                    break;
                }
            }
            match best {
                Some(homes) => {
                    let time = if homes.contains(&regions[0]) {
                        0.0
                    } else {
                        ds.election.0
                    };
                    Recovery::at(homes, time, 0.0)
                }
                None => restore_or_wait(ds, state),
            }
        }
    }
}
