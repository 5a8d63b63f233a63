//! MODEL.md §7: objectives -> breaches -> waivers -> pass or fail.
//!
//! The gate also remembers where each objective and waiver is written in the file, so that CI
//! formats (SARIF, GitHub annotations, JUnit) can point at the line, and which objectives were
//! checked in which scenarios, so that a JUnit report has a test case for each.

use serde::Serialize;
use serde_json::{Value, json};

use crate::availability::Availability;
use crate::diagnostic::Location;
use crate::evaluate::{Engine, Outcome, ScenarioResult};
use crate::load::yaml::{Positions, join};
use crate::model::{Class, Date, Model, UserIdx, Waiver};
use crate::scenario::Scenario;

/// The environment variable that overrides today's date (`YYYY-MM-DD`) for waiver expiry, so
/// that tests and reproducible CI runs do not depend on the clock.
pub const TODAY_ENV: &str = "DRPLAN_TODAY";

/// One objective broken in one scenario (or overall, with `scenario: null`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Breach {
    pub objective: &'static str,
    pub limit: Value,
    pub actual: Value,
    pub scenario: Option<String>,
    /// Extra: a waiver that matched this breach but has expired, so the breach fails again.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expired_waiver: Option<WaiverNote>,
    /// Where the objective is written (`objectives.rto`), for annotations.
    #[serde(skip)]
    pub location: Option<Location>,
}

/// A waiver as reports show it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WaiverNote {
    /// Its key path, `objectives.waivers[0]`.
    pub path: String,
    pub objective: String,
    pub scenario: Option<String>,
    pub reason: String,
    pub expires: Option<String>,
    /// Whether `expires` is before today.
    pub expired: bool,
    #[serde(skip)]
    pub location: Option<Location>,
}

/// A breach that a waiver accepts: shown, but not failing the gate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Waived {
    #[serde(flatten)]
    pub breach: Breach,
    pub waiver: WaiverNote,
}

/// One objective as the gate checked it: the JUnit report's test cases.
#[derive(Clone, Debug, PartialEq)]
pub struct Checked {
    pub objective: &'static str,
    pub limit: Value,
    /// Checked once for the whole topology (with nothing failed, or a summary figure).
    pub overall: bool,
    /// The gated scenarios it was checked in (empty for overall-only objectives).
    pub scenarios: Vec<String>,
    pub location: Option<Location>,
}

/// The gate's verdict.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Verdict {
    /// No breach is left once waivers are applied (an expired waiver applies no more).
    pub passed: bool,
    /// Extra: whether the file sets objectives at all (without, there is no gate).
    pub has_objectives: bool,
    /// The breaches that fail the gate, in §7 order then by scenario id.
    pub breaches: Vec<Breach>,
    /// Extra: breaches accepted by a waiver that has not expired.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waived: Vec<Waived>,
    /// Extra: waivers that match no breach (stale: the risk is gone or the waiver is mistyped).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub stale_waivers: Vec<WaiverNote>,
    /// The file the objectives are written in, as named on the command line.
    #[serde(skip)]
    pub file: String,
    /// Every objective that was checked, in §7 order.
    #[serde(skip)]
    pub checked: Vec<Checked>,
}

impl Verdict {
    /// Waivers whose breach fails because they expired.
    pub fn expired_waivers(&self) -> impl Iterator<Item = (&Breach, &WaiverNote)> {
        self.breaches
            .iter()
            .filter_map(|b| b.expired_waiver.as_ref().map(|w| (b, w)))
    }
}

/// The order of objectives in the §7 table, which is the order of breaches.
pub const OBJECTIVE_ORDER: [&str; 13] = [
    "availability",
    "survive",
    "rto",
    "rpo",
    "max_dns_exposure",
    "max_monthly_cost",
    "max_rtt",
    "max_request_rtt",
    "residency",
    "min_served",
    "static_stability",
    "max_blast_radius",
    "max_change_downtime",
];

/// What the gate needs from the analysis.
pub struct Inputs<'a> {
    pub engine: &'a Engine<'a>,
    pub scenarios: &'a [Scenario],
    pub results: &'a [ScenarioResult],
    /// Every change scenario with its result, gated or not (`max_blast_radius`, §11.7).
    pub changes: &'a [(Scenario, ScenarioResult)],
    /// §11.6, for `max_change_downtime`.
    pub change_downtime_minutes_per_year: f64,
    pub availability: Option<&'a Availability>,
    pub monthly_cost: f64,
    pub baseline: &'a ScenarioResult,
    /// Users whose residency is broken with nothing failed (serving or storage), sorted.
    pub baseline_residency: &'a [UserIdx],
    /// Where keys are written in the file, for the objectives' lines.
    pub positions: &'a Positions,
    /// The file's name as given, for annotations.
    pub file: &'a str,
    /// Waivers whose `expires` is before this day have expired.
    pub today: Date,
}

/// Today's date for waiver expiry: `DRPLAN_TODAY` when set, else the system clock (UTC).
pub fn today() -> Result<Date, String> {
    match std::env::var(TODAY_ENV) {
        Ok(text) if !text.trim().is_empty() => Date::parse(&text)
            .ok_or_else(|| format!("{TODAY_ENV}=`{text}` is not a date; write YYYY-MM-DD")),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(format!("{TODAY_ENV} is not a date; write YYYY-MM-DD"))
        }
        _ => Ok(utc_today()),
    }
}

/// The current UTC day from the system clock.
fn utc_today() -> Date {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    date_from_days((seconds / 86_400) as i64)
}

/// The civil date `days` after 1970-01-01 (H. Hinnant's `civil_from_days`).
fn date_from_days(days: i64) -> Date {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    Date {
        year: year as i32,
        month,
        day,
    }
}

/// Collects breaches and the list of checked objectives, with their lines.
struct Collector<'a> {
    positions: &'a Positions,
    breaches: Vec<Breach>,
    checked: Vec<Checked>,
}

impl Collector<'_> {
    /// Moves the last breach's location (to the change or `requires` it is about).
    fn relocate(&mut self, at: Location) {
        if let Some(b) = self.breaches.last_mut() {
            b.location = Some(at);
        }
    }

    fn location(&self, objective: &str) -> Option<Location> {
        self.positions
            .key(&join("objectives", objective))
            .or_else(|| match objective {
                "availability" => self.positions.key("objectives.effective_availability"),
                _ => None,
            })
    }

    fn checked(
        &mut self,
        objective: &'static str,
        limit: Value,
        overall: bool,
        scenarios: &[&str],
    ) {
        self.checked.push(Checked {
            objective,
            limit,
            overall,
            scenarios: scenarios.iter().map(|s| s.to_string()).collect(),
            location: self.location(objective),
        });
    }

    fn breach(
        &mut self,
        objective: &'static str,
        limit: Value,
        actual: Value,
        scenario: Option<&str>,
    ) {
        self.breaches.push(Breach {
            objective,
            limit,
            actual,
            scenario: scenario.map(str::to_string),
            expired_waiver: None,
            location: self.location(objective),
        });
    }
}

/// The effective availability the `availability` objective is compared with: the figure when
/// it is exact, the lower end of its interval when it is not (docs/gating.md: a pass must be
/// proven).
fn pessimistic(a: &Availability) -> f64 {
    if !a.is_exact() {
        a.bounds.effective_availability[0]
    } else {
        a.effective_availability
    }
}

/// Applies the objectives of the model, then its waivers; no objectives means passed with no
/// breaches.
pub fn check(inputs: &Inputs) -> Verdict {
    let model: &Model = inputs.engine.model();
    let Some(o) = &model.objectives else {
        return Verdict {
            passed: true,
            has_objectives: false,
            breaches: Vec::new(),
            waived: Vec::new(),
            stale_waivers: Vec::new(),
            file: inputs.file.to_string(),
            checked: Vec::new(),
        };
    };
    let mut c = Collector {
        positions: inputs.positions,
        breaches: Vec::new(),
        checked: Vec::new(),
    };
    if let Some(limit) = o.availability {
        c.checked("availability", json!(limit), true, &[]);
        match inputs.availability {
            Some(a) if pessimistic(a) < limit => {
                c.breach("availability", json!(limit), json!(pessimistic(a)), None)
            }
            Some(_) => {}
            None => c.breach("availability", json!(limit), Value::Null, None),
        }
    }
    let gated: Vec<(&Scenario, &ScenarioResult)> = inputs
        .scenarios
        .iter()
        .zip(inputs.results)
        .filter(|(s, _)| s.class == Class::Custom || o.survive.contains(&s.class))
        .collect();
    let gated_ids: Vec<&str> = gated.iter().map(|(s, _)| s.id.as_str()).collect();
    let classes: Vec<&str> = o.survive.iter().map(|c| c.name()).collect();
    c.checked("survive", json!(classes), false, &gated_ids);
    for (s, r) in &gated {
        if r.outcome == Outcome::Down {
            c.breach("survive", json!(classes), json!("down"), Some(&s.id));
        }
    }
    let exceeds = |value: Option<f64>, limit: f64| value.is_none_or(|v| v > limit);
    for (key, limit, pick) in [
        (
            "rto",
            o.rto.map(|s| s.0),
            (|r: &ScenarioResult| r.rto) as fn(&ScenarioResult) -> Option<f64>,
        ),
        ("rpo", o.rpo.map(|s| s.0), |r: &ScenarioResult| r.rpo),
        (
            "max_dns_exposure",
            o.max_dns_exposure.map(|s| s.0),
            |r: &ScenarioResult| Some(r.dns_exposure),
        ),
    ] {
        let Some(limit) = limit else { continue };
        c.checked(key, json!(limit), false, &gated_ids);
        for (s, r) in &gated {
            let v = pick(r);
            if exceeds(v, limit) {
                c.breach(key, json!(limit), json!(v), Some(&s.id));
            }
        }
    }
    if let Some(limit) = o.max_monthly_cost {
        c.checked("max_monthly_cost", json!(limit.0), true, &[]);
        if inputs.monthly_cost > limit.0 {
            c.breach(
                "max_monthly_cost",
                json!(limit.0),
                json!(inputs.monthly_cost),
                None,
            );
        }
    }
    for (key, limit, value) in [
        ("max_rtt", o.max_rtt, inputs.baseline.worst_rtt_ms),
        (
            "max_request_rtt",
            o.max_request_rtt,
            inputs.baseline.worst_request_ms,
        ),
    ] {
        if let Some(limit) = limit {
            c.checked(key, json!(limit.0), true, &[]);
            if exceeds(value, limit.0) {
                c.breach(key, json!(limit.0), json!(value), None);
            }
        }
    }
    if o.residency {
        c.checked("residency", json!(true), true, &gated_ids);
        let ids = |users: &[UserIdx]| {
            let mut v: Vec<&str> = users
                .iter()
                .map(|u| model.users[u.idx()].id.as_str())
                .collect();
            v.sort();
            json!(v)
        };
        if !inputs.baseline_residency.is_empty() {
            c.breach(
                "residency",
                json!(true),
                ids(inputs.baseline_residency),
                None,
            );
        }
        for (s, r) in &gated {
            if !r.residency_violations.is_empty() {
                c.breach(
                    "residency",
                    json!(true),
                    ids(&r.residency_violations),
                    Some(&s.id),
                );
            }
        }
    }
    if let Some(limit) = o.min_served {
        c.checked("min_served", json!(limit), false, &gated_ids);
        for (s, r) in &gated {
            if r.served_fraction < limit {
                c.breach(
                    "min_served",
                    json!(limit),
                    json!(r.served_fraction),
                    Some(&s.id),
                );
            }
        }
    }
    v2_objectives(&mut c, inputs, o, &gated, &gated_ids);
    let applied = apply_waivers(c.breaches, &o.waivers, inputs.positions, inputs.today);
    Verdict {
        passed: applied.failing.is_empty(),
        has_objectives: true,
        breaches: applied.failing,
        waived: applied.waived,
        stale_waivers: applied.stale,
        file: inputs.file.to_string(),
        checked: c.checked,
    }
}

/// The objectives of MODEL.md version 2 (§10.6, §11.7), in §7 order: `static_stability`,
/// `max_blast_radius`, `max_change_downtime`.
fn v2_objectives(
    c: &mut Collector,
    inputs: &Inputs,
    o: &crate::model::Objectives,
    gated: &[(&Scenario, &ScenarioResult)],
    gated_ids: &[&str],
) {
    let model = inputs.engine.model();
    if o.static_stability {
        c.checked("static_stability", json!(true), false, gated_ids);
        for (s, r) in gated {
            if !r.frozen.is_empty() {
                let mut ids: Vec<&str> = r
                    .frozen
                    .iter()
                    .map(|x| model.control_planes[x.idx()].id.as_str())
                    .collect();
                ids.sort_unstable();
                c.breach("static_stability", json!(true), json!(ids), Some(&s.id));
                // Annotations point at the `requires` that names the first frozen plane.
                if let Some(at) = requires_location(inputs, ids[0]) {
                    c.relocate(at);
                }
            }
        }
    }
    if let Some(limit) = o.max_blast_radius {
        let ids: Vec<&str> = inputs.changes.iter().map(|(s, _)| s.id.as_str()).collect();
        c.checked("max_blast_radius", json!(limit), false, &ids);
        for (s, r) in inputs.changes {
            if r.blast_radius > limit {
                c.breach(
                    "max_blast_radius",
                    json!(limit),
                    json!(r.blast_radius),
                    Some(&s.id),
                );
                // Annotations point at the change itself.
                let change = s
                    .failure
                    .change
                    .and_then(|run| model.changes.get(run.change.idx()));
                if let Some(at) = change.and_then(|ch| inputs.positions.key(&ch.path)) {
                    c.relocate(at);
                }
            }
        }
    }
    if let Some(limit) = o.max_change_downtime {
        // A duration limit, compared in minutes a year (§8).
        let limit = limit.0 / 60.0;
        c.checked("max_change_downtime", json!(limit), true, &[]);
        if inputs.change_downtime_minutes_per_year > limit {
            c.breach(
                "max_change_downtime",
                json!(limit),
                json!(inputs.change_downtime_minutes_per_year),
                None,
            );
        }
    }
}

/// Where the `requires` list naming control plane `id` is written: routing's, then the
/// services' `scale_requires`, then the datastores' (file order).
fn requires_location(inputs: &Inputs, id: &str) -> Option<Location> {
    let m = inputs.engine.model();
    let names =
        |list: &[crate::model::ControlIdx]| list.iter().any(|c| m.control_planes[c.idx()].id == id);
    let mut paths = Vec::new();
    if names(&m.routing.requires) {
        paths.push("routing.requires".to_string());
    }
    for svc in &m.services {
        if names(&svc.scale_requires) {
            paths.push(join(&join("services", &svc.id), "scale_requires"));
        }
    }
    for ds in &m.datastores {
        if names(&ds.requires) {
            paths.push(join(&join("datastores", &ds.id), "requires"));
        }
    }
    paths.iter().find_map(|p| inputs.positions.key(p))
}

/// An objective's name as breaches carry it: `effective_availability` is the clearer name of
/// `availability` (the same objective, compared with effective availability).
pub fn canonical_objective(name: &str) -> &str {
    match name {
        "effective_availability" => "availability",
        other => other,
    }
}

/// The `objective` of a waiver that covers every objective of its scenario.
pub const EVERY_OBJECTIVE: &str = "*";

/// Whether a waiver covers a breach: same scenario (or both none), and the breach's objective
/// or every objective (`*`, which always names a scenario).
fn covers(waiver: &Waiver, breach: &Breach) -> bool {
    let objective = canonical_objective(&waiver.objective) == breach.objective
        || (waiver.objective == EVERY_OBJECTIVE && waiver.scenario.is_some());
    objective && waiver.scenario.as_deref() == breach.scenario.as_deref()
}

/// Breaches sorted into failing and waived, and the waivers that matched nothing.
struct Applied {
    failing: Vec<Breach>,
    waived: Vec<Waived>,
    stale: Vec<WaiverNote>,
}

/// A waiver matches a breach of its objective in its scenario; without `scenario` it matches the
/// breach that has none (the overall one: availability, cost, latency, residency with nothing
/// failed). The first matching waiver that has not expired accepts the breach; when every
/// matching waiver has expired, the breach fails and names the expired waiver.
fn apply_waivers(
    breaches: Vec<Breach>,
    waivers: &[Waiver],
    positions: &Positions,
    today: Date,
) -> Applied {
    let notes: Vec<WaiverNote> = waivers
        .iter()
        .map(|w| WaiverNote {
            path: w.path.clone(),
            objective: w.objective.clone(),
            scenario: w.scenario.clone(),
            reason: w.reason.clone(),
            expires: w.expires.map(|d| d.to_string()),
            expired: w.expires.is_some_and(|d| d < today),
            location: positions.key(&join(&w.path, "objective")),
        })
        .collect();
    let mut used = vec![false; waivers.len()];
    let mut failing = Vec::new();
    let mut waived = Vec::new();
    for mut breach in breaches {
        let matching: Vec<usize> = (0..waivers.len())
            .filter(|&i| covers(&waivers[i], &breach))
            .collect();
        for &i in &matching {
            used[i] = true;
        }
        match matching.iter().find(|&&i| !notes[i].expired) {
            Some(&i) => waived.push(Waived {
                breach,
                waiver: notes[i].clone(),
            }),
            None => {
                breach.expired_waiver = matching.first().map(|&i| notes[i].clone());
                failing.push(breach);
            }
        }
    }
    let stale = notes
        .into_iter()
        .zip(used)
        .filter(|(_, used)| !used)
        .map(|(n, _)| n)
        .collect();
    Applied {
        failing,
        waived,
        stale,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_since_the_epoch_become_civil_dates() {
        let d = |y, m, d| Date {
            year: y,
            month: m,
            day: d,
        };
        assert_eq!(date_from_days(0), d(1970, 1, 1));
        assert_eq!(date_from_days(59), d(1970, 3, 1));
        assert_eq!(date_from_days(11_016), d(2000, 2, 29));
        assert_eq!(date_from_days(19_723), d(2024, 1, 1));
        assert_eq!(date_from_days(20_513), d(2026, 3, 1));
        assert_eq!(date_from_days(-1), d(1969, 12, 31));
    }
}
