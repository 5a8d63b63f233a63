//! MODEL.md §6: monthly cost (730 hours) of running the topology with nothing failed.

use serde::Serialize;

use crate::model::{Model, Replication};

/// Hours in the model's month.
pub const HOURS_PER_MONTH: f64 = 730.0;
/// Seconds in the model's month of replication traffic (730 h + a little: 2,628,000 s).
pub const SECONDS_PER_MONTH: f64 = 2_628_000.0;
/// Replication traffic price when no link joins the two regions, USD per GB.
pub const DEFAULT_COST_PER_GB: f64 = 0.02;

/// The monthly cost and its parts, USD.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MonthlyCost {
    pub compute: f64,
    pub datastores: f64,
    pub replication: f64,
    pub routing: f64,
    pub total: f64,
}

/// Computes the monthly cost of a model.
pub fn monthly(model: &Model) -> MonthlyCost {
    let compute = model
        .services
        .iter()
        .map(|s| {
            s.instances.iter().map(|n| f64::from(*n)).sum::<f64>()
                * s.cost_per_hour.0
                * HOURS_PER_MONTH
        })
        .sum();
    let mut datastores = 0.0;
    let mut replication = 0.0;
    for ds in &model.datastores {
        let copies = match &ds.replication {
            Replication::SingleAz { .. } => 1,
            Replication::MultiAz { standby, .. } => 1 + usize::from(*standby),
            Replication::ActivePassive {
                standby, replicas, ..
            } => 1 + replicas.len() + usize::from(*standby),
            Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
                regions.len()
            }
        };
        datastores += copies as f64
            * (ds.cost_per_hour.0 * HOURS_PER_MONTH
                + ds.storage_gb * ds.storage_cost_per_gb_month.0)
            + ds.backups.as_ref().map_or(0.0, |b| b.cost_per_month.0);
        let home = ds.first_home(model);
        let remote: Vec<_> = match &ds.replication {
            Replication::ActivePassive { replicas, .. } => replicas.clone(),
            Replication::ActiveActive { regions } | Replication::Consensus { regions } => {
                regions.clone()
            }
            _ => Vec::new(),
        };
        let gb_per_month = ds.write_mb_per_s * SECONDS_PER_MONTH / 1024.0;
        for r in remote.into_iter().filter(|r| *r != home) {
            let price = model
                .link_between(home, r)
                .map_or(DEFAULT_COST_PER_GB, |l| l.cost_per_gb.0);
            replication += gb_per_month * price;
        }
    }
    let routing = model.routing.cost_per_month.0;
    MonthlyCost {
        compute,
        datastores,
        replication,
        routing,
        total: compute + datastores + replication + routing,
    }
}
