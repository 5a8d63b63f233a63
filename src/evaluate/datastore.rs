//! MODEL.md §3.2: where each datastore's writes go after a failure, how long recovery takes and
//! how much data is lost.

use super::State;
use crate::model::{Datastore, Failover, Model, RegionIdx, Replication};

/// The recovered state of one datastore in one scenario.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Recovery {
    /// Regions where writes go after recovery; empty when the store has no home.
    pub homes: Vec<RegionIdx>,
    /// Seconds until the store takes writes again.
    pub time: f64,
    /// Seconds of writes lost; `None` when the data is lost for good (corruption, no backups).
    pub loss: Option<f64>,
    /// The home is a restore from backups (commit time 0).
    pub restored: bool,
    /// MODEL.md §10.2: a promotion or restore did not happen because a control plane of the
    /// store's `requires` was down; the store waits for repair instead.
    pub blocked: bool,
    /// Which rule of §3.2 gave `time` and `loss`, so that an explanation can name their terms
    /// (a byte written per store, nothing computed).
    pub how: How,
}

/// Which rule of MODEL.md §3.2 recovered a store: what its time and loss are made of.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum How {
    /// Writes go where they went with nothing failed (or to the surviving members of a quorum
    /// whose leader survived): time 0, loss 0.
    #[default]
    Unchanged,
    /// The primary AZ was lost and the in-region synchronous standby promoted: time
    /// `promotion`, loss 0.
    StandbyPromoted,
    /// The primary region was lost and a replica promoted: time D (+ `manual_decision` when
    /// manual) + `promotion`; loss `lag` when asynchronous, else 0.
    ReplicaPromoted,
    /// A quorum lost its leader and elected one: time `election`, loss 0.
    Elected,
    /// Asynchronous active-active lost members: time 0; loss `lag` when a lost member served
    /// users with nothing failed.
    MembersLost,
    /// Restored from backups after an outage: time `manual_decision` + `restore`, loss
    /// `backups.interval`.
    Restored,
    /// Restored from backups after logical corruption: same time and loss as [`How::Restored`].
    CorruptionRestored,
    /// No home: waits for repair (time W, loss 0).
    Waits,
    /// A promotion or restore that a control plane froze (§10.2): waits for repair (time W).
    Frozen,
    /// Corrupted with no backups in an alive region: the data is lost (loss unbounded).
    Lost,
}

impl Recovery {
    /// Writes into `self`, keeping the homes' allocation.
    fn set(
        &mut self,
        homes: impl IntoIterator<Item = RegionIdx>,
        time: f64,
        loss: Option<f64>,
        restored: bool,
        how: How,
    ) {
        self.homes.clear();
        self.homes.extend(homes);
        self.time = time;
        self.loss = loss;
        self.restored = restored;
        self.blocked = false;
        self.how = how;
    }

    /// §10.2: a promotion or restore that cannot run: no home, wait for repair (time W), loss
    /// as given (0 for an outage).
    fn frozen(&mut self, state: &State, loss: Option<f64>) {
        self.set([], state.wait, loss, false, How::Frozen);
        self.blocked = true;
    }
}

/// What happened to the store in this scenario besides component failures.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Corruption {
    No,
    Yes,
}

/// Recovers one store into `out`. `was_serving[r]` tells whether region r served some user
/// group with nothing failed (for active-active loss).
pub fn recover_into(
    model: &Model,
    ds: &Datastore,
    state: &State,
    corruption: Corruption,
    was_serving: &[bool],
    out: &mut Recovery,
) {
    let actions = super::control::all_up(&state.control_up, &ds.requires);
    if corruption == Corruption::Yes && !ds.ephemeral {
        corrupted(ds, state, actions, out);
    } else {
        after_failure(model, ds, state, actions, was_serving, out);
    }
    if ds.ephemeral {
        out.loss = Some(0.0);
    }
}

/// Logical corruption: replication copied it everywhere, only backups help. A restore whose
/// control plane is down waits for repair, then restores: loss `interval` still (README,
/// Interpretations).
fn corrupted(ds: &Datastore, state: &State, actions: bool, out: &mut Recovery) {
    match &ds.backups {
        Some(b) if state.region_alive[b.region.idx()] && !actions => {
            out.frozen(state, Some(b.interval.0));
        }
        Some(b) if state.region_alive[b.region.idx()] => out.set(
            [b.region],
            ds.manual_decision.0 + b.restore.0,
            Some(b.interval.0),
            true,
            How::CorruptionRestored,
        ),
        _ => out.set([], 0.0, None, false, How::Lost),
    }
}

/// Restore from backups if that beats waiting for repair, else wait (no home, time W, loss 0).
/// A restore whose control plane is down waits too (§10.2).
fn restore_or_wait(ds: &Datastore, state: &State, actions: bool, out: &mut Recovery) {
    if let Some(b) = &ds.backups {
        let restore_time = ds.manual_decision.0 + b.restore.0;
        if state.region_alive[b.region.idx()] && restore_time < state.wait {
            if actions {
                out.set(
                    [b.region],
                    restore_time,
                    Some(b.interval.0),
                    true,
                    How::Restored,
                );
            } else {
                out.frozen(state, Some(0.0));
            }
            return;
        }
    }
    out.set([], state.wait, Some(0.0), false, How::Waits);
}

fn after_failure(
    model: &Model,
    ds: &Datastore,
    state: &State,
    actions: bool,
    was_serving: &[bool],
    out: &mut Recovery,
) {
    let at = |out: &mut Recovery, home: RegionIdx, time: f64, loss: f64| {
        out.set([home], time, Some(loss), false, How::Unchanged)
    };
    // §10.2: a promotion needs the store's control planes; without them it waits.
    let promote = |out: &mut Recovery, home: RegionIdx, time: f64, loss: f64, how: How| {
        if actions {
            out.set([home], time, Some(loss), false, how)
        } else {
            out.frozen(state, Some(0.0))
        }
    };
    match &ds.replication {
        Replication::SingleAz { az } => {
            if state.az_alive[az.idx()] {
                at(out, model.azs[az.idx()].region, 0.0, 0.0);
            } else {
                restore_or_wait(ds, state, actions, out);
            }
        }
        Replication::MultiAz {
            primary,
            primary_az,
            standby,
        } => {
            if !state.region_alive[primary.idx()] {
                restore_or_wait(ds, state, actions, out);
            } else if state.az_alive[primary_az.idx()] {
                at(out, *primary, 0.0, 0.0);
            } else if *standby {
                promote(out, *primary, ds.promotion.0, 0.0, How::StandbyPromoted);
            } else {
                restore_or_wait(ds, state, actions, out);
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
                    return at(out, *primary, 0.0, 0.0);
                }
                if *standby {
                    return promote(out, *primary, ds.promotion.0, 0.0, How::StandbyPromoted);
                }
            }
            match replicas.iter().find(|r| state.region_alive[r.idx()]) {
                Some(r) => {
                    let decision = match ds.failover {
                        Failover::Automatic => 0.0,
                        Failover::Manual => ds.manual_decision.0,
                    };
                    let loss = if ds.sync { 0.0 } else { ds.lag.0 };
                    promote(
                        out,
                        *r,
                        state.detection + decision + ds.promotion.0,
                        loss,
                        How::ReplicaPromoted,
                    );
                }
                None => restore_or_wait(ds, state, actions, out),
            }
        }
        Replication::ActiveActive { regions } if !ds.sync => {
            if !regions.iter().any(|r| state.region_alive[r.idx()]) {
                return restore_or_wait(ds, state, actions, out);
            }
            let (mut lost_any, mut lost_serving) = (false, false);
            for r in regions.iter().filter(|r| !state.region_alive[r.idx()]) {
                lost_any = true;
                lost_serving |= was_serving[r.idx()];
            }
            let homes = regions
                .iter()
                .copied()
                .filter(|r| state.region_alive[r.idx()]);
            out.set(
                homes,
                0.0,
                Some(if lost_serving { ds.lag.0 } else { 0.0 }),
                false,
                if lost_any {
                    How::MembersLost
                } else {
                    How::Unchanged
                },
            );
        }
        Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
            let majority = regions.len() / 2 + 1;
            // A strict majority of alive members can live in at most one connected component:
            // count members per component label and take the first that reaches it.
            let mut label = None;
            for (i, r) in regions.iter().enumerate() {
                if !state.region_alive[r.idx()] {
                    continue;
                }
                let l = state.component[r.idx()];
                if regions[..i]
                    .iter()
                    .any(|p| state.region_alive[p.idx()] && state.component[p.idx()] == l)
                {
                    continue; // this component was counted already
                }
                let count = regions[i..]
                    .iter()
                    .filter(|m| state.region_alive[m.idx()] && state.component[m.idx()] == l)
                    .count();
                if count >= majority {
                    label = Some(l);
                    break;
                }
            }
            match label {
                Some(label) => {
                    let homes = regions.iter().copied().filter(|m| {
                        state.region_alive[m.idx()] && state.component[m.idx()] == label
                    });
                    let leader_in = state.region_alive[regions[0].idx()]
                        && state.component[regions[0].idx()] == label;
                    let (time, how) = if leader_in {
                        (0.0, How::Unchanged)
                    } else {
                        (ds.election.0, How::Elected)
                    };
                    out.set(homes, time, Some(0.0), false, how);
                }
                None => restore_or_wait(ds, state, actions, out),
            }
        }
    }
}
