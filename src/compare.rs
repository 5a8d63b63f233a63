//! Several architectures side by side: one column per topology, one row per metric, the best
//! value of each row marked. The core of `drplan compare`; it computes from reports and never
//! prints (renderers are in `render/compare.rs`).

use serde::Serialize;

use crate::diff::{Better, same};
use crate::model::units::nines;
use crate::report::{Report, ScenarioReport};

/// One architecture: a column.
#[derive(Clone, Debug, Serialize)]
pub struct Column {
    /// The file as named on the command line.
    pub source: String,
    pub topology: String,
}

/// The metrics, in row order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Metric {
    Availability,
    Nines,
    EffectiveAvailability,
    DowntimeMinutesPerYear,
    /// MODEL.md §11.6: the part of the downtime that bad changes cost.
    ChangeDowntimeMinutesPerYear,
    WorstRtoS,
    WorstRpoS,
    WorstDnsExposureS,
    /// The worst RTO, RPO and served fraction over the `region` scenarios: what losing a whole
    /// region costs (RTO and RPO `null` when unbounded).
    RegionLossRtoS,
    RegionLossRpoS,
    RegionLossServedFraction,
    SinglePointsOfFailure,
    MonthlyCost,
    /// (cost - first file's cost) / (nines - first file's nines): what each extra nine of
    /// availability costs per month, relative to the first file.
    CostPerExtraNine,
}

impl Metric {
    /// The row's label in tables.
    pub fn label(self) -> &'static str {
        match self {
            Metric::Availability => "Availability",
            Metric::Nines => "Nines",
            Metric::EffectiveAvailability => "Effective availability",
            Metric::DowntimeMinutesPerYear => "Downtime per year",
            Metric::ChangeDowntimeMinutesPerYear => "Downtime from bad changes",
            Metric::WorstRtoS => "Worst RTO",
            Metric::WorstRpoS => "Worst RPO",
            Metric::WorstDnsExposureS => "Worst DNS exposure",
            Metric::RegionLossRtoS => "Region loss: worst RTO",
            Metric::RegionLossRpoS => "Region loss: worst RPO",
            Metric::RegionLossServedFraction => "Region loss: least served",
            Metric::SinglePointsOfFailure => "Single points of failure",
            Metric::MonthlyCost => "Monthly cost",
            Metric::CostPerExtraNine => "Cost per extra nine (vs first)",
        }
    }
}

/// One metric across the architectures.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub metric: Metric,
    /// One value per column. `null` means unbounded (RTO, RPO), not computed (availability), or
    /// not applicable (the first file's cost per extra nine, or no extra nine); nines of a
    /// perfect availability are infinite and also written `null`.
    pub values: Vec<Option<f64>>,
    pub better: Better,
    /// The columns holding the best value (ties all marked; none when every column ties).
    pub best: Vec<usize>,
    /// For single points of failure: the ids in each column.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ids: Option<Vec<Vec<String>>>,
}

/// Everything `drplan compare` shows.
#[derive(Clone, Debug, Serialize)]
pub struct Comparison {
    pub schema_version: u32,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

impl Comparison {
    /// The row of one metric (renderers look up the single points of failure's ids).
    pub fn row(&self, metric: Metric) -> Option<&Row> {
        self.rows.iter().find(|r| r.metric == metric)
    }
}

/// Compares analyses, given with the names of their files.
pub fn compare(reports: &[(String, Report)]) -> Comparison {
    let columns = reports
        .iter()
        .map(|(source, r)| Column {
            source: source.clone(),
            topology: r.topology.clone(),
        })
        .collect();
    let values = |f: &dyn Fn(&Report) -> Option<f64>| -> Vec<Option<f64>> {
        reports.iter().map(|(_, r)| f(r)).collect()
    };
    let nines_of: Vec<Option<f64>> = values(&|r| r.summary.availability.map(nines));
    let costs: Vec<f64> = reports
        .iter()
        .map(|(_, r)| r.summary.monthly_cost)
        .collect();
    let per_nine: Vec<Option<f64>> = (0..reports.len())
        .map(|i| {
            if i == 0 {
                return None;
            }
            let extra = nines_of[i]? - nines_of[0]?;
            (extra > 1e-9).then(|| (costs[i] - costs[0]) / extra)
        })
        .collect();
    let spof_ids: Vec<Vec<String>> = reports
        .iter()
        .map(|(_, r)| r.summary.single_points_of_failure.clone())
        .collect();
    let row = |metric, values: Vec<Option<f64>>, better, missing_is_worst| Row {
        metric,
        best: best(&values, better, missing_is_worst),
        values,
        better,
        ids: None,
    };
    let mut rows = vec![
        row(
            Metric::Availability,
            values(&|r| r.summary.availability),
            Better::Higher,
            true,
        ),
        row(Metric::Nines, nines_of, Better::Higher, true),
        row(
            Metric::EffectiveAvailability,
            values(&|r| r.summary.effective_availability),
            Better::Higher,
            true,
        ),
        row(
            Metric::DowntimeMinutesPerYear,
            values(&|r| r.summary.downtime_minutes_per_year),
            Better::Lower,
            true,
        ),
        row(
            Metric::ChangeDowntimeMinutesPerYear,
            values(&|r| Some(r.summary.change_downtime_minutes_per_year)),
            Better::Lower,
            true,
        ),
        row(
            Metric::WorstRtoS,
            values(&|r| r.summary.worst_rto_s),
            Better::Lower,
            true,
        ),
        row(
            Metric::WorstRpoS,
            values(&|r| r.summary.worst_rpo_s),
            Better::Lower,
            true,
        ),
        row(
            Metric::WorstDnsExposureS,
            values(&|r| Some(r.summary.worst_dns_exposure_s)),
            Better::Lower,
            true,
        ),
        row(
            Metric::RegionLossRtoS,
            values(&|r| region_worst(r, |s| s.rto_s)),
            Better::Lower,
            true,
        ),
        row(
            Metric::RegionLossRpoS,
            values(&|r| region_worst(r, |s| s.rpo_s)),
            Better::Lower,
            true,
        ),
        row(
            Metric::RegionLossServedFraction,
            values(&|r| {
                r.scenarios
                    .iter()
                    .filter(|s| s.class == "region")
                    .map(|s| s.served_fraction)
                    .reduce(f64::min)
            }),
            Better::Higher,
            true,
        ),
        row(
            Metric::SinglePointsOfFailure,
            spof_ids.iter().map(|ids| Some(ids.len() as f64)).collect(),
            Better::Lower,
            true,
        ),
        row(
            Metric::MonthlyCost,
            costs.iter().map(|c| Some(*c)).collect(),
            Better::Lower,
            true,
        ),
        row(Metric::CostPerExtraNine, per_nine, Better::Lower, false),
    ];
    if let Some(r) = rows
        .iter_mut()
        .find(|r| r.metric == Metric::SinglePointsOfFailure)
    {
        r.ids = Some(spof_ids);
    }
    Comparison {
        schema_version: crate::report::SCHEMA_VERSION,
        columns,
        rows,
    }
}

/// The largest value over the `region` scenarios, `None` when one is unbounded (or when there
/// are none).
fn region_worst(r: &Report, pick: fn(&ScenarioReport) -> Option<f64>) -> Option<f64> {
    let mut worst: Option<f64> = None;
    for s in r.scenarios.iter().filter(|s| s.class == "region") {
        let v = pick(s)?;
        worst = Some(worst.map_or(v, |w| w.max(v)));
    }
    worst
}

/// The columns with the best value. A missing value is the worst when `missing_is_worst`
/// (unbounded RTO), else left out (not applicable). Nothing is marked when every column ties.
fn best(values: &[Option<f64>], better: Better, missing_is_worst: bool) -> Vec<usize> {
    let present: Vec<f64> = values.iter().flatten().copied().collect();
    let Some(top) = present.iter().copied().reduce(|a, b| match better {
        Better::Higher => a.max(b),
        Better::Lower => a.min(b),
    }) else {
        return Vec::new();
    };
    let marked: Vec<usize> = values
        .iter()
        .enumerate()
        .filter(|(_, v)| v.is_some_and(|v| v == top || same(Some(v), Some(top))))
        .map(|(i, _)| i)
        .collect();
    let candidates = if missing_is_worst {
        values.len()
    } else {
        present.len()
    };
    if marked.len() == candidates {
        Vec::new()
    } else {
        marked
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_best_value_is_marked_and_ties_are_all_marked() {
        assert_eq!(best(&[Some(1.0), Some(3.0)], Better::Higher, true), [1]);
        assert_eq!(
            best(&[Some(1.0), Some(1.0), Some(3.0)], Better::Lower, true),
            [0, 1]
        );
        assert!(best(&[Some(2.0), Some(2.0)], Better::Lower, true).is_empty());
        assert_eq!(best(&[None, Some(5.0)], Better::Lower, true), [1]);
        assert!(best(&[None, Some(5.0)], Better::Lower, false).is_empty());
        assert_eq!(
            best(&[None, Some(5.0), Some(9.0)], Better::Lower, false),
            [1]
        );
        assert!(best(&[None, None], Better::Lower, true).is_empty());
    }
}
