//! Two versions of a topology, compared: which figures and scenarios changed, which breaches are
//! new or fixed, and which gated figures got worse. The core of `drplan diff`; it computes from
//! two reports and never prints (renderers are in `render/diff.rs`).

use serde::Serialize;
use serde_json::{Value, json};

use crate::gate::{Breach, Verdict};
use crate::report::{Report, ScenarioReport};

/// Relative tolerance under which two figures count as equal: the same model always gives the
/// same bits, but reordering a file may change the last digits of a sum.
const TOLERANCE: f64 = 1e-9;

/// Which way a change went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    Better,
    Worse,
    /// Some parts better, some worse (a scenario whose RTO fell while its RPO rose).
    Mixed,
    Same,
    /// Only in HEAD.
    Added,
    /// Only in BASE.
    Removed,
}

/// Which values of a figure are better.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Better {
    Higher,
    Lower,
}

/// One side of the diff, as named on the command line.
#[derive(Clone, Debug, Serialize)]
pub struct Side {
    /// `origin/main:infra/topology.yaml` or a file name.
    pub source: String,
    pub topology: String,
    pub passed: bool,
    pub breaches: usize,
}

/// A summary figure in BASE and HEAD (`null`: unbounded, or not computed).
#[derive(Clone, Debug, Serialize)]
pub struct Figure {
    /// The report's key (`effective_availability`, `worst_rto_s`, ...).
    pub key: &'static str,
    pub base: Option<f64>,
    pub head: Option<f64>,
    pub better: Better,
    pub change: Change,
    /// HEAD sets an objective on this figure.
    pub gated: bool,
}

/// What a scenario looks like on one side.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioSide {
    pub outcome: &'static str,
    pub served_fraction: f64,
    pub rto_s: Option<f64>,
    pub rpo_s: Option<f64>,
    /// The worst request time after recovery (`null` when down).
    pub worst_request_ms: Option<f64>,
}

/// A scenario whose outcome, served fraction, RTO, RPO or worst request time changed, or that
/// exists on one side only.
#[derive(Clone, Debug, Serialize)]
pub struct ScenarioChange {
    pub id: String,
    pub class: &'static str,
    pub base: Option<ScenarioSide>,
    pub head: Option<ScenarioSide>,
    pub change: Change,
}

/// A gated figure that got worse from BASE to HEAD, judged by HEAD's objectives (whether or not
/// it still meets the limit).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Regression {
    pub objective: &'static str,
    pub scenario: Option<String>,
    pub base: Value,
    pub head: Value,
}

/// An objective whose limit differs between BASE and HEAD.
#[derive(Clone, Debug, Serialize)]
pub struct LimitChange {
    pub objective: &'static str,
    pub base: Option<Value>,
    pub head: Option<Value>,
}

/// Everything `drplan diff` shows.
#[derive(Clone, Debug, Serialize)]
pub struct Diff {
    pub schema_version: u32,
    pub base: Side,
    pub head: Side,
    /// The diff's verdict: HEAD passes its gate and, with `--fail-on-regression`, nothing
    /// regressed.
    pub passed: bool,
    pub fail_on_regression: bool,
    /// Every summary figure, changed or not (renderers hide the unchanged ones).
    pub figures: Vec<Figure>,
    pub spofs_added: Vec<String>,
    pub spofs_removed: Vec<String>,
    /// Only the scenarios that changed, sorted by id.
    pub scenarios: Vec<ScenarioChange>,
    pub limits: Vec<LimitChange>,
    /// HEAD's breaches that BASE did not have (by objective and scenario).
    pub new_breaches: Vec<Breach>,
    /// BASE's breaches that HEAD no longer has.
    pub fixed_breaches: Vec<Breach>,
    pub regressions: Vec<Regression>,
    /// HEAD's gate verdict.
    pub verdict: Verdict,
}

impl Diff {
    /// Nothing drplan computes differs: figures, single points of failure, scenarios, limits
    /// and breaches are the same.
    pub fn is_unchanged(&self) -> bool {
        self.figures.iter().all(|f| f.change == Change::Same)
            && self.spofs_added.is_empty()
            && self.spofs_removed.is_empty()
            && self.scenarios.is_empty()
            && self.limits.is_empty()
            && self.new_breaches.is_empty()
            && self.fixed_breaches.is_empty()
    }

    /// The figures that changed.
    pub fn changed_figures(&self) -> impl Iterator<Item = &Figure> {
        self.figures.iter().filter(|f| f.change != Change::Same)
    }

    /// Whether this breach of HEAD is new.
    pub fn is_new(&self, b: &Breach) -> bool {
        self.new_breaches.iter().any(|n| same_breach(n, b))
    }
}

/// Compares two analyses. `base_source` and `head_source` are the names given on the command
/// line.
pub fn compare(
    base: &Report,
    head: &Report,
    base_source: &str,
    head_source: &str,
    fail_on_regression: bool,
) -> Diff {
    let gated = |objective: &str| {
        head.objectives
            .checked
            .iter()
            .any(|c| c.objective == objective)
    };
    let (bs, hs) = (&base.summary, &head.summary);
    let figure =
        |key, base: Option<f64>, head: Option<f64>, better, objective: Option<&str>| Figure {
            key,
            base,
            head,
            better,
            change: compare_values(base, head, better),
            gated: objective.is_some_and(gated),
        };
    let figures = vec![
        figure(
            "availability",
            bs.availability,
            hs.availability,
            Better::Higher,
            None,
        ),
        figure(
            "effective_availability",
            bs.effective_availability,
            hs.effective_availability,
            Better::Higher,
            Some("availability"),
        ),
        figure(
            "downtime_minutes_per_year",
            bs.downtime_minutes_per_year,
            hs.downtime_minutes_per_year,
            Better::Lower,
            Some("availability"),
        ),
        figure(
            "change_downtime_minutes_per_year",
            Some(bs.change_downtime_minutes_per_year),
            Some(hs.change_downtime_minutes_per_year),
            Better::Lower,
            Some("max_change_downtime"),
        ),
        figure(
            "worst_rto_s",
            bs.worst_rto_s,
            hs.worst_rto_s,
            Better::Lower,
            Some("rto"),
        ),
        figure(
            "worst_rpo_s",
            bs.worst_rpo_s,
            hs.worst_rpo_s,
            Better::Lower,
            Some("rpo"),
        ),
        figure(
            "worst_dns_exposure_s",
            Some(bs.worst_dns_exposure_s),
            Some(hs.worst_dns_exposure_s),
            Better::Lower,
            Some("max_dns_exposure"),
        ),
        figure(
            "monthly_cost",
            Some(bs.monthly_cost),
            Some(hs.monthly_cost),
            Better::Lower,
            Some("max_monthly_cost"),
        ),
        figure(
            "worst_rtt_ms",
            base.baseline.worst_rtt_ms,
            head.baseline.worst_rtt_ms,
            Better::Lower,
            Some("max_rtt"),
        ),
        figure(
            "worst_request_ms",
            base.baseline.worst_request_ms,
            head.baseline.worst_request_ms,
            Better::Lower,
            Some("max_request_rtt"),
        ),
    ];
    let not_in = |a: &[String], b: &[String]| -> Vec<String> {
        a.iter().filter(|x| !b.contains(x)).cloned().collect()
    };
    let regressions = regressions(base, head);
    let passed = head.objectives.passed && (!fail_on_regression || regressions.is_empty());
    let side = |r: &Report, source: &str| Side {
        source: source.to_string(),
        topology: r.topology.clone(),
        passed: r.objectives.passed,
        breaches: r.objectives.breaches.len(),
    };
    Diff {
        schema_version: crate::report::SCHEMA_VERSION,
        base: side(base, base_source),
        head: side(head, head_source),
        passed,
        fail_on_regression,
        figures,
        spofs_added: not_in(&hs.single_points_of_failure, &bs.single_points_of_failure),
        spofs_removed: not_in(&bs.single_points_of_failure, &hs.single_points_of_failure),
        scenarios: scenario_changes(&base.scenarios, &head.scenarios),
        limits: limit_changes(&base.objectives, &head.objectives),
        new_breaches: breaches_not_in(&head.objectives, &base.objectives),
        fixed_breaches: breaches_not_in(&base.objectives, &head.objectives),
        regressions,
        verdict: head.objectives.clone(),
    }
}

/// Two optional figures are equal within the tolerance (`None` equals only `None`).
pub fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= TOLERANCE * a.abs().max(b.abs()).max(1.0),
        _ => false,
    }
}

/// Better or worse; `None` (unbounded, not computed) is the worst value either way.
pub fn compare_values(base: Option<f64>, head: Option<f64>, better: Better) -> Change {
    if same(base, head) {
        return Change::Same;
    }
    let head_better = match (base, head) {
        (None, _) => true,
        (_, None) => false,
        (Some(b), Some(h)) => match better {
            Better::Higher => h > b,
            Better::Lower => h < b,
        },
    };
    if head_better {
        Change::Better
    } else {
        Change::Worse
    }
}

fn severity(outcome: &str) -> u8 {
    match outcome {
        "up" => 0,
        "degraded" => 1,
        _ => 2,
    }
}

fn scenario_side(s: &ScenarioReport) -> ScenarioSide {
    ScenarioSide {
        outcome: s.outcome,
        served_fraction: s.served_fraction,
        rto_s: s.rto_s,
        rpo_s: s.rpo_s,
        worst_request_ms: s.worst_request_ms,
    }
}

/// Scenarios added, removed, or with a different outcome, served fraction, RTO, RPO or worst
/// request time (a PR that halves the served fraction changes the scenario even when the
/// outcome word stays `degraded`).
fn scenario_changes(base: &[ScenarioReport], head: &[ScenarioReport]) -> Vec<ScenarioChange> {
    let mut ids: Vec<&str> = base.iter().chain(head).map(|s| s.id.as_str()).collect();
    ids.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
    ids.dedup();
    let mut out = Vec::new();
    for id in ids {
        let b = base.iter().find(|s| s.id == id);
        let h = head.iter().find(|s| s.id == id);
        let change = match (b, h) {
            (Some(b), Some(h)) => {
                let parts = [
                    match severity(h.outcome).cmp(&severity(b.outcome)) {
                        std::cmp::Ordering::Less => Change::Better,
                        std::cmp::Ordering::Greater => Change::Worse,
                        std::cmp::Ordering::Equal => Change::Same,
                    },
                    compare_values(
                        Some(b.served_fraction),
                        Some(h.served_fraction),
                        Better::Higher,
                    ),
                    compare_values(b.rto_s, h.rto_s, Better::Lower),
                    compare_values(b.rpo_s, h.rpo_s, Better::Lower),
                    compare_values(b.worst_request_ms, h.worst_request_ms, Better::Lower),
                ];
                let worse = parts.contains(&Change::Worse);
                let better = parts.contains(&Change::Better);
                match (worse, better) {
                    (true, true) => Change::Mixed,
                    (true, false) => Change::Worse,
                    (false, true) => Change::Better,
                    (false, false) => continue,
                }
            }
            (None, Some(_)) => Change::Added,
            (Some(_), None) => Change::Removed,
            (None, None) => continue,
        };
        let class = h.or(b).map_or("custom", |s| s.class);
        out.push(ScenarioChange {
            id: id.to_string(),
            class,
            base: b.map(scenario_side),
            head: h.map(scenario_side),
            change,
        });
    }
    out
}

fn same_breach(a: &Breach, b: &Breach) -> bool {
    a.objective == b.objective && a.scenario == b.scenario
}

/// The failing breaches of `a` that `b` does not have.
fn breaches_not_in(a: &Verdict, b: &Verdict) -> Vec<Breach> {
    a.breaches
        .iter()
        .filter(|x| !b.breaches.iter().any(|y| same_breach(x, y)))
        .cloned()
        .collect()
}

fn limit_changes(base: &Verdict, head: &Verdict) -> Vec<LimitChange> {
    let limit = |v: &Verdict, o: &str| {
        v.checked
            .iter()
            .find(|c| c.objective == o)
            .map(|c| c.limit.clone())
    };
    crate::gate::OBJECTIVE_ORDER
        .iter()
        .filter_map(|o| {
            let (b, h) = (limit(base, o), limit(head, o));
            (b != h).then_some(LimitChange {
                objective: o,
                base: b,
                head: h,
            })
        })
        .collect()
}

/// Gated figures that got worse, per HEAD's objectives: the figure of an overall objective, or
/// the value in each gated scenario that exists on both sides.
fn regressions(base: &Report, head: &Report) -> Vec<Regression> {
    let mut out = Vec::new();
    let mut push = |objective: &'static str, scenario: Option<&str>, b: Value, h: Value| {
        out.push(Regression {
            objective,
            scenario: scenario.map(str::to_string),
            base: b,
            head: h,
        });
    };
    let lower_worse =
        |b: Option<f64>, h: Option<f64>| compare_values(b, h, Better::Lower) == Change::Worse;
    for c in &head.objectives.checked {
        let pairs: Vec<(&ScenarioReport, &ScenarioReport)> = c
            .scenarios
            .iter()
            .filter_map(|id| {
                let b = base.scenarios.iter().find(|s| &s.id == id)?;
                let h = head.scenarios.iter().find(|s| &s.id == id)?;
                Some((b, h))
            })
            .collect();
        match c.objective {
            "availability" => {
                let (b, h) = (
                    base.summary.effective_availability,
                    head.summary.effective_availability,
                );
                if compare_values(b, h, Better::Higher) == Change::Worse {
                    push(c.objective, None, json!(b), json!(h));
                }
            }
            "survive" => {
                for (b, h) in pairs {
                    if severity(h.outcome) > severity(b.outcome) {
                        push(c.objective, Some(&h.id), json!(b.outcome), json!(h.outcome));
                    }
                }
            }
            "rto" | "rpo" | "max_dns_exposure" => {
                let pick = |s: &ScenarioReport| match c.objective {
                    "rto" => s.rto_s,
                    "rpo" => s.rpo_s,
                    _ => Some(s.dns_exposure_s),
                };
                for (b, h) in pairs {
                    if lower_worse(pick(b), pick(h)) {
                        push(c.objective, Some(&h.id), json!(pick(b)), json!(pick(h)));
                    }
                }
            }
            "max_monthly_cost" => {
                let (b, h) = (base.summary.monthly_cost, head.summary.monthly_cost);
                if lower_worse(Some(b), Some(h)) {
                    push(c.objective, None, json!(b), json!(h));
                }
            }
            "max_rtt" | "max_request_rtt" => {
                let pick = |r: &Report| match c.objective {
                    "max_rtt" => r.baseline.worst_rtt_ms,
                    _ => r.baseline.worst_request_ms,
                };
                if lower_worse(pick(base), pick(head)) {
                    push(c.objective, None, json!(pick(base)), json!(pick(head)));
                }
            }
            "residency" => {
                let overall = |r: &Report| {
                    let mut v: Vec<String> = r
                        .baseline
                        .serving_residency_violations
                        .iter()
                        .chain(&r.baseline.storage_residency_violations)
                        .cloned()
                        .collect();
                    v.sort();
                    v.dedup();
                    v
                };
                let grew = |b: &[String], h: &[String]| h.iter().any(|u| !b.contains(u));
                let (b, h) = (overall(base), overall(head));
                if grew(&b, &h) {
                    push(c.objective, None, json!(b), json!(h));
                }
                for (b, h) in pairs {
                    if grew(&b.residency_violations, &h.residency_violations) {
                        push(
                            c.objective,
                            Some(&h.id),
                            json!(b.residency_violations),
                            json!(h.residency_violations),
                        );
                    }
                }
            }
            "min_served" => {
                for (b, h) in pairs {
                    let (bv, hv) = (Some(b.served_fraction), Some(h.served_fraction));
                    if compare_values(bv, hv, Better::Higher) == Change::Worse {
                        push(c.objective, Some(&h.id), json!(bv), json!(hv));
                    }
                }
            }
            // MODEL.md §10.6: a recovery that needs a control plane it did not need before
            // (a failover moved onto a control plane hosted in the primary region).
            "static_stability" => {
                for (b, h) in pairs {
                    if h.frozen.iter().any(|c| !b.frozen.contains(c)) {
                        push(c.objective, Some(&h.id), json!(b.frozen), json!(h.frozen));
                    }
                }
            }
            // §11.5: a change that reaches more users (a staged rollout turned global).
            "max_blast_radius" => {
                for (b, h) in pairs {
                    if h.blast_radius > b.blast_radius + 1e-12 {
                        push(
                            c.objective,
                            Some(&h.id),
                            json!(b.blast_radius),
                            json!(h.blast_radius),
                        );
                    }
                }
            }
            "max_change_downtime" => {
                let (b, h) = (
                    base.summary.change_downtime_minutes_per_year,
                    head.summary.change_downtime_minutes_per_year,
                );
                if lower_worse(Some(b), Some(h)) {
                    push(c.objective, None, json!(b), json!(h));
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unbounded_is_the_worst_value_either_way() {
        assert_eq!(
            compare_values(Some(10.0), None, Better::Lower),
            Change::Worse
        );
        assert_eq!(
            compare_values(None, Some(10.0), Better::Lower),
            Change::Better
        );
        assert_eq!(
            compare_values(Some(0.999), None, Better::Higher),
            Change::Worse
        );
        assert_eq!(compare_values(None, None, Better::Lower), Change::Same);
    }

    #[test]
    fn figures_equal_within_the_tolerance_are_the_same() {
        assert!(same(Some(0.1 + 0.2), Some(0.3)));
        assert!(!same(Some(0.99995), Some(0.99996)));
        assert_eq!(
            compare_values(Some(100.0), Some(90.0), Better::Lower),
            Change::Better
        );
        assert_eq!(
            compare_values(Some(0.9999), Some(0.999), Better::Higher),
            Change::Worse
        );
    }
}
