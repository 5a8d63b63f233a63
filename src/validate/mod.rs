//! Stage 2: raw structs -> validated [`Model`], collecting every problem with its location.
//!
//! Checks run on everything that decoded; a failed check records a diagnostic and substitutes a
//! harmless value so later checks can still run and report their own problems. The model is
//! returned only when no error was found.

mod checks;
mod v2;

use std::collections::{HashMap, HashSet};

use crate::diagnostic::{Diagnostic, Location};
use crate::load::Loaded;
use crate::load::raw::{self, Quantity, RawDependency, RawShape, RawTopology};
use crate::load::yaml::{self, index, join};
use crate::model::units::{parse_duration, parse_percent};
use crate::model::*;

pub use checks::serving;

/// Everything validation found: the model when there was no error, and all diagnostics
/// (warnings included) sorted by position.
pub struct Validated {
    pub model: Option<Model>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Validates a decoded file. `default_name` is the file stem, used when `name` is absent.
pub fn validate(loaded: &Loaded, default_name: &str) -> Validated {
    let mut cx = Cx {
        positions: &loaded.positions,
        diagnostics: loaded.diagnostics.clone(),
    };
    let model = build(&mut cx, &loaded.raw, default_name);
    let mut diagnostics = cx.diagnostics;
    if let Some(model) = &model {
        diagnostics.extend(checks::dependency_cycles(model, &loaded.positions));
    }
    loaded
        .damage
        .remove_knock_ons(&mut diagnostics, loaded.diagnostics.len());
    crate::diagnostic::sort(&mut diagnostics);
    let ok = !diagnostics.iter().any(Diagnostic::is_error);
    Validated {
        model: model.filter(|_| ok),
        diagnostics,
    }
}

/// The validation context: where keys are, and what was found so far.
struct Cx<'a> {
    positions: &'a yaml::Positions,
    diagnostics: Vec<Diagnostic>,
}

impl Cx<'_> {
    fn loc(&self, path: &str) -> Option<Location> {
        self.positions.value(path)
    }

    /// An error about the value at `path`.
    fn error(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        let d = Diagnostic::error(code, path, message).at(self.loc(path));
        self.diagnostics.push(d);
    }

    /// An error about the key at `path` (for duplicates and misplaced entries).
    fn key_error(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        let d = Diagnostic::error(code, path, message).at(self.positions.key(path));
        self.diagnostics.push(d);
    }

    /// A warning about the value at `path`.
    fn warning(&mut self, code: &'static str, path: &str, message: impl Into<String>) {
        let d = Diagnostic::warning(code, path, message).at(self.loc(path));
        self.diagnostics.push(d);
    }

    fn duration(&mut self, q: Option<&Quantity>, path: &str, default: f64) -> Seconds {
        match q {
            None => Seconds(default),
            Some(Quantity::Number(n)) if !n.is_finite() => {
                self.error(
                    "invalid-duration",
                    path,
                    format!("`{n}` is not a finite duration"),
                );
                Seconds(default)
            }
            Some(Quantity::Number(n)) if *n < 0.0 => {
                self.error(
                    "invalid-duration",
                    path,
                    format!("`{n}` is negative; durations must be 0 or more"),
                );
                Seconds(default)
            }
            Some(Quantity::Number(n)) => Seconds(*n),
            Some(Quantity::Text(t)) => parse_duration(t).unwrap_or_else(|e| {
                self.error("invalid-duration", path, e);
                Seconds(default)
            }),
        }
    }

    /// An MTTR: a duration above 0.
    fn mttr(&mut self, q: Option<&Quantity>, path: &str, default: f64) -> Seconds {
        let s = self.duration(q, path, default);
        if s.0 <= 0.0 {
            self.error(
                "invalid-mttr",
                path,
                "`mttr` must be above 0: a repair takes some time",
            );
            return Seconds(default);
        }
        s
    }

    /// A round-trip time; warns when 10 s or more (a likely missing `ms`).
    fn rtt(&mut self, q: Option<&Quantity>, path: &str) -> Option<Millis> {
        let q = q?;
        let s = self.duration(Some(q), path, 0.0);
        if s.0 >= 10.0 {
            self.warning(
                "suspicious-rtt",
                path,
                format!(
                    "a round trip of {s} is very long; did you mean milliseconds (`{}ms`)?",
                    units::round_to(s.0, 3)
                ),
            );
        }
        Some(s.as_millis())
    }

    fn probability(&mut self, q: Option<&Quantity>, path: &str, default: f64) -> Probability {
        let value = match q {
            None => return Probability(default),
            Some(Quantity::Number(n)) => *n,
            Some(Quantity::Text(t)) => match parse_percent(t) {
                Ok(v) => v,
                Err(e) => {
                    self.error("invalid-availability", path, e);
                    return Probability(default);
                }
            },
        };
        if !(value > 0.0 && value <= 1.0) {
            self.error(
                "invalid-availability",
                path,
                format!("availability `{value}` is outside (0, 1]; write a fraction like 0.9995 or a percent string like \"99.95%\""),
            );
            return Probability(default);
        }
        Probability(value)
    }

    /// A fraction in [0, 1], as a number or a percent string (`min_served`).
    fn fraction(&mut self, q: &Quantity, path: &str) -> Option<f64> {
        let value = match q {
            Quantity::Number(n) => *n,
            Quantity::Text(t) => match parse_percent(t) {
                Ok(v) => v,
                Err(e) => {
                    self.error("invalid-fraction", path, e);
                    return None;
                }
            },
        };
        if !(0.0..=1.0).contains(&value) {
            self.error(
                "invalid-fraction",
                path,
                format!("`{value}` is outside [0, 1]; write a fraction like 0.9 or a percent string like \"90%\""),
            );
            return None;
        }
        Some(value)
    }

    /// A finite number that is 0 or more (costs, sizes, rates).
    fn non_negative(&mut self, v: Option<f64>, path: &str, default: f64) -> f64 {
        match v {
            None => default,
            Some(n) if n.is_finite() && n >= 0.0 => n,
            Some(n) => {
                self.error(
                    "invalid-number",
                    path,
                    format!("`{n}` must be a finite number, 0 or more"),
                );
                default
            }
        }
    }

    /// A `[lat, lon]` location; `None` (after a diagnostic) when it is not one.
    fn location(&mut self, v: &[f64], path: &str) -> Option<LatLon> {
        let problem = match v {
            [lat, lon] if !(-90.0..=90.0).contains(lat) => {
                format!("latitude {lat} is outside [-90, 90]")
            }
            [_, lon] if !(-180.0..=180.0).contains(lon) => {
                format!("longitude {lon} is outside [-180, 180]")
            }
            [lat, lon] => {
                return Some(LatLon {
                    lat: *lat,
                    lon: *lon,
                });
            }
            _ => format!("it has {} numbers, not 2", v.len()),
        };
        self.error(
            "invalid-location",
            path,
            format!("a location is `[latitude, longitude]` in degrees; {problem}"),
        );
        None
    }

    /// Warns that a key does not apply to the chosen kind and is ignored.
    fn ignored(&mut self, present: bool, path: &str, why: &str) {
        if present {
            let key = path.rsplit('.').next().unwrap_or(path);
            let d = Diagnostic::warning("ignored-key", path, format!("`{key}` is ignored: {why}"))
                .at(self.positions.key(path));
            self.diagnostics.push(d);
        }
    }
}

/// Name lookups for references.
struct Names {
    regions: HashMap<String, RegionIdx>,
    azs: HashMap<String, AzIdx>,
    services: HashMap<String, ServiceIdx>,
    datastores: HashMap<String, DatastoreIdx>,
    externals: HashMap<String, ExternalIdx>,
    controls: HashMap<String, ControlIdx>,
}

fn build(cx: &mut Cx, raw: &RawTopology, default_name: &str) -> Option<Model> {
    match &raw.version {
        Some(Quantity::Number(n)) if *n == 1.0 => {}
        Some(_) => cx.error(
            "unsupported-version",
            "version",
            "`version` must be 1, the only format version so far",
        ),
        None => {}
    }

    // Regions and AZs share one namespace.
    let mut regions = Vec::new();
    let mut bad_location: Vec<bool> = Vec::new();
    let mut azs: Vec<Az> = Vec::new();
    let mut place_names: HashMap<String, String> = HashMap::new();
    let mut names = Names {
        regions: HashMap::new(),
        azs: HashMap::new(),
        services: HashMap::new(),
        datastores: HashMap::new(),
        externals: HashMap::new(),
        controls: HashMap::new(),
    };
    for (rid, r) in &raw.regions {
        let path = join("regions", rid);
        if let Some(first) = place_names.insert(rid.clone(), path.clone()) {
            cx.key_error(
                "duplicate-id",
                &path,
                format!(
                    "id `{rid}` is already used by `{first}`; region and AZ ids share one namespace"
                ),
            );
        }
        let ridx = RegionIdx::from(regions.len());
        names.regions.insert(rid.clone(), ridx);
        let mut region_azs = Vec::new();
        match &r.azs {
            Some(list) if !list.is_empty() => {
                for (aid, a) in list {
                    let apath = join(&join(&path, "azs"), aid);
                    if let Some(first) = place_names.insert(aid.clone(), apath.clone()) {
                        cx.key_error("duplicate-id", &apath, format!("id `{aid}` is already used by `{first}`; region and AZ ids share one namespace"));
                        continue;
                    }
                    let default_az = raw::RawAz::default();
                    let a = a.as_ref().unwrap_or(&default_az);
                    let aidx = AzIdx::from(azs.len());
                    names.azs.insert(aid.clone(), aidx);
                    region_azs.push(aidx);
                    azs.push(Az {
                        id: aid.clone(),
                        region: ridx,
                        availability: cx.probability(
                            a.availability.as_ref(),
                            &join(&apath, "availability"),
                            0.9999,
                        ),
                        mttr: cx.mttr(a.mttr.as_ref(), &join(&apath, "mttr"), 4.0 * 3600.0),
                    });
                }
            }
            _ => cx.key_error(
                "region-without-azs",
                &path,
                format!("region `{rid}` has no AZs; list at least one under `azs`"),
            ),
        }
        let location = cx.location(&r.location, &join(&path, "location"));
        bad_location.push(location.is_none());
        regions.push(Region {
            id: rid.clone(),
            location: location.unwrap_or(LatLon { lat: 0.0, lon: 0.0 }),
            jurisdiction: r.jurisdiction.clone(),
            availability: cx.probability(
                r.availability.as_ref(),
                &join(&path, "availability"),
                0.9999,
            ),
            mttr: cx.mttr(r.mttr.as_ref(), &join(&path, "mttr"), 8.0 * 3600.0),
            azs: region_azs,
        });
    }
    if raw.regions.is_empty() {
        cx.error(
            "missing-key",
            "regions",
            "a topology needs at least one region under `regions`",
        );
    }

    if !within_limits(cx, raw) {
        return None;
    }
    let links = build_links(cx, raw, &names, &regions, &bad_location);
    let shared = build_shared(cx, raw, &names);
    let control_planes = v2::build_control_planes(cx, raw, &mut names);

    // Services, datastores and externals share one namespace.
    let mut thing_names: HashMap<String, String> = HashMap::new();
    let mut claim = |cx: &mut Cx, id: &str, path: &str| {
        if let Some(first) = thing_names.insert(id.to_string(), path.to_string()) {
            cx.key_error("duplicate-id", path, format!("id `{id}` is already used by `{first}`; service, datastore and external ids share one namespace"));
            false
        } else {
            true
        }
    };
    let mut externals = Vec::new();
    for (id, e) in &raw.externals {
        let path = join("externals", id);
        claim(cx, id, &path);
        names
            .externals
            .insert(id.clone(), ExternalIdx::from(externals.len()));
        externals.push(External {
            id: id.clone(),
            availability: cx.probability(
                Some(&e.availability),
                &join(&path, "availability"),
                0.9999,
            ),
            mttr: cx.mttr(e.mttr.as_ref(), &join(&path, "mttr"), 3600.0),
        });
    }
    for (i, id) in raw.services.keys().enumerate() {
        if claim(cx, id, &join("services", id)) {
            names.services.insert(id.clone(), ServiceIdx::from(i));
        }
    }
    for (i, id) in raw.datastores.keys().enumerate() {
        if claim(cx, id, &join("datastores", id)) {
            names.datastores.insert(id.clone(), DatastoreIdx::from(i));
        }
    }

    let routing = build_routing(cx, raw, &names, &regions);
    let users = build_users(cx, raw);
    let peak_rps = match &raw.demand {
        Some(d) if d.peak_rps.is_finite() && d.peak_rps > 0.0 => d.peak_rps,
        Some(d) => {
            cx.error(
                "invalid-number",
                "demand.peak_rps",
                format!("`peak_rps` must be above 0, not {}", d.peak_rps),
            );
            1.0
        }
        None => 1.0,
    };
    let services = build_services(cx, raw, &names, &regions, &azs);
    let datastores = build_datastores(cx, raw, &names, &regions, &azs);
    let objectives = build_objectives(cx, raw);
    let changes = v2::build_changes(cx, raw, &names, &regions, &azs, &services);
    let entries: Vec<usize> = services
        .iter()
        .enumerate()
        .filter(|(_, s)| s.entry)
        .map(|(i, _)| i)
        .collect();
    if entries.len() != 1 {
        let path = if entries.len() > 1 {
            join("services", &services[entries[1]].id)
        } else {
            "services".to_string()
        };
        cx.key_error(
            "entry-count",
            &path,
            format!(
                "exactly one service must have `entry: true` (the one users call); found {}",
                entries.len()
            ),
        );
    }
    let mut model = Model {
        name: raw.name.clone().unwrap_or_else(|| default_name.to_string()),
        description: raw.description.clone().unwrap_or_default(),
        regions,
        azs,
        links,
        shared,
        externals,
        control_planes,
        routing: routing?,
        users,
        peak_rps,
        services,
        entry: ServiceIdx::from(entries.first().copied().unwrap_or(0)),
        datastores,
        objectives,
        changes,
        scenarios: Vec::new(),
    };
    model.scenarios = build_scenarios(cx, raw, &model, &names);
    if model.services.is_empty() || model.users.is_empty() || model.regions.is_empty() {
        return None;
    }
    Some(model)
}

/// The largest topology drplan accepts. Evaluation keeps round-trip tables over pairs of
/// regions (and of users and regions), so sizes far beyond any real estate would exhaust memory
/// rather than fail clearly. Real estates have tens of regions; an anycast network a few
/// hundred points of presence.
pub const LIMITS: [(&str, usize); 7] = [
    ("regions", 1_000),
    ("azs", 10_000),
    ("links", 20_000),
    ("users", 5_000),
    ("services", 1_000),
    ("datastores", 1_000),
    ("scenarios", 10_000),
];

/// Checks the sizes against [`LIMITS`]; an error per exceeded limit.
fn within_limits(cx: &mut Cx, raw: &RawTopology) -> bool {
    let azs: usize = raw
        .regions
        .values()
        .map(|r| r.azs.as_ref().map_or(0, |a| a.len()))
        .sum();
    let counts = [
        raw.regions.len(),
        azs,
        raw.links.len(),
        raw.users.len(),
        raw.services.len(),
        raw.datastores.len(),
        raw.scenarios.len(),
    ];
    let mut ok = true;
    for ((what, limit), count) in LIMITS.iter().zip(counts) {
        if count > *limit {
            ok = false;
            let path = if *what == "azs" { "regions" } else { what };
            cx.key_error(
                "too-many-components",
                path,
                format!("the topology has {count} {what}; drplan takes at most {limit}"),
            );
        }
    }
    ok
}

/// `bad_location[r]`: region r's location was invalid, so no round trip is checked against it.
fn build_links(
    cx: &mut Cx,
    raw: &RawTopology,
    names: &Names,
    regions: &[Region],
    bad_location: &[bool],
) -> Vec<Link> {
    let mut links = Vec::new();
    let mut pairs: HashMap<(RegionIdx, RegionIdx), String> = HashMap::new();
    for (i, l) in raw.links.iter().enumerate() {
        let path = index("links", i);
        let between = join(&path, "between");
        let ends: Vec<Option<RegionIdx>> = l
            .between
            .iter()
            .enumerate()
            .map(|(j, id)| {
                let r = names.regions.get(id).copied();
                if r.is_none() {
                    cx.error(
                        "dangling-reference",
                        &index(&between, j),
                        format!("`{id}` is not a region"),
                    );
                }
                r
            })
            .collect();
        if l.between.len() != 2 {
            cx.error(
                "invalid-link",
                &between,
                format!(
                    "`between` names exactly two regions, not {}",
                    l.between.len()
                ),
            );
            continue;
        }
        let (Some(a), Some(b)) = (ends[0], ends[1]) else {
            continue;
        };
        if a == b {
            cx.error(
                "self-link",
                &index(&between, 1),
                format!(
                    "a link joins two different regions; this one joins `{}` to itself",
                    l.between[0]
                ),
            );
            continue;
        }
        let mut ends = [a, b];
        ends.sort_by(|x, y| {
            regions[x.idx()]
                .id
                .as_bytes()
                .cmp(regions[y.idx()].id.as_bytes())
        });
        if let Some(first) = pairs.insert((ends[0], ends[1]), path.clone()) {
            cx.error(
                "duplicate-link",
                &index(&between, 0),
                format!(
                    "`{}` and `{}` are already joined by `{first}`; one link per pair",
                    l.between[0], l.between[1]
                ),
            );
            continue;
        }
        let rtt = cx.rtt(l.rtt.as_ref(), &join(&path, "rtt"));
        if let Some(rtt) = rtt.filter(|_| !bad_location[a.idx()] && !bad_location[b.idx()]) {
            let bound = crate::geo::min_rtt(regions[a.idx()].location, regions[b.idx()].location);
            if rtt.0 < bound.0 {
                cx.error(
                    "rtt-below-light",
                    &join(&path, "rtt"),
                    format!(
                        "rtt {} is faster than light in fiber over the great circle ({}); check the value and the region locations",
                        rtt,
                        bound
                    ),
                );
            }
        }
        links.push(Link {
            ends,
            rtt,
            availability: cx.probability(
                l.availability.as_ref(),
                &join(&path, "availability"),
                0.9999,
            ),
            mttr: cx.mttr(l.mttr.as_ref(), &join(&path, "mttr"), 2.0 * 3600.0),
            cost_per_gb: Usd(cx.non_negative(l.cost_per_gb, &join(&path, "cost_per_gb"), 0.02)),
        });
    }
    links
}

fn build_shared(cx: &mut Cx, raw: &RawTopology, names: &Names) -> Vec<SharedFate> {
    let mut out = Vec::new();
    for (id, s) in &raw.shared_fate {
        let path = join("shared_fate", id);
        let mut group = SharedFate {
            id: id.clone(),
            regions: Vec::new(),
            azs: Vec::new(),
            availability: cx.probability(
                s.availability.as_ref(),
                &join(&path, "availability"),
                0.99999,
            ),
            mttr: cx.mttr(s.mttr.as_ref(), &join(&path, "mttr"), 2.0 * 3600.0),
        };
        if s.members.is_empty() {
            cx.warning(
                "empty-shared-fate",
                &join(&path, "members"),
                format!("shared-fate group `{id}` has no members; its failure changes nothing"),
            );
        }
        for (j, m) in s.members.iter().enumerate() {
            if let Some(r) = names.regions.get(m) {
                group.regions.push(*r);
            } else if let Some(a) = names.azs.get(m) {
                group.azs.push(*a);
            } else {
                cx.error(
                    "dangling-reference",
                    &index(&join(&path, "members"), j),
                    format!("`{m}` is neither a region nor an AZ"),
                );
            }
        }
        out.push(group);
    }
    out
}

fn build_routing(
    cx: &mut Cx,
    raw: &RawTopology,
    names: &Names,
    regions: &[Region],
) -> Option<Routing> {
    let r = raw.routing.as_ref()?;
    let kind = match r.kind {
        raw::RawRoutingKind::Geodns => RoutingKind::GeoDns,
        raw::RawRoutingKind::FailoverDns => RoutingKind::FailoverDns,
        raw::RawRoutingKind::Anycast => RoutingKind::Anycast,
        raw::RawRoutingKind::GlobalLb => RoutingKind::GlobalLb,
    };
    let failover = kind == RoutingKind::FailoverDns;
    let why = format!("it applies to other routing kinds, not `{}`", kind.name());
    cx.ignored(
        !failover && r.primary.is_some(),
        "routing.primary",
        "it applies to `failover-dns` only",
    );
    cx.ignored(
        !failover && r.failover_order.is_some(),
        "routing.failover_order",
        "it applies to `failover-dns` only",
    );
    cx.ignored(!kind.is_dns() && r.ttl.is_some(), "routing.ttl", &why);
    cx.ignored(
        !kind.is_dns() && r.stale_clients.is_some(),
        "routing.stale_clients",
        &why,
    );
    cx.ignored(
        kind != RoutingKind::Anycast && r.convergence.is_some(),
        "routing.convergence",
        "it applies to `anycast` only",
    );
    let data_plane = "anycast and global-lb move traffic on their data plane (MODEL.md §10.4)";
    cx.ignored(
        !kind.is_dns() && r.failover.is_some(),
        "routing.failover",
        data_plane,
    );
    cx.ignored(
        !kind.is_dns() && r.manual_decision.is_some(),
        "routing.manual_decision",
        data_plane,
    );
    cx.ignored(
        !kind.is_dns() && !r.requires.is_empty(),
        "routing.requires",
        data_plane,
    );
    let manual = kind.is_dns() && r.failover == Some(raw::RawFailover::Manual);
    cx.ignored(
        kind.is_dns() && !manual && r.manual_decision.is_some(),
        "routing.manual_decision",
        "it applies to `failover: manual` only",
    );
    let requires = v2::requires(cx, &r.requires, "routing.requires", names);

    let primary = match &r.primary {
        Some(p) => names.regions.get(p).copied().unwrap_or_else(|| {
            cx.error(
                "dangling-reference",
                "routing.primary",
                format!("`{p}` is not a region"),
            );
            RegionIdx(0)
        }),
        None => RegionIdx(0),
    };
    let failover_order = match &r.failover_order {
        Some(order) => {
            let mut out: Vec<RegionIdx> = Vec::new();
            for (i, id) in order.iter().enumerate() {
                let path = index("routing.failover_order", i);
                match names.regions.get(id) {
                    None => cx.error(
                        "dangling-reference",
                        &path,
                        format!("`{id}` is not a region"),
                    ),
                    Some(x) if out.contains(x) => cx.error(
                        "duplicate-reference",
                        &path,
                        format!("`{id}` is listed twice"),
                    ),
                    Some(x) if *x == primary && failover => cx.warning(
                        "ignored-key",
                        &path,
                        format!("`{id}` is the primary; it is always tried first"),
                    ),
                    Some(x) => out.push(*x),
                }
            }
            out
        }
        None => (0..regions.len())
            .map(RegionIdx::from)
            .filter(|x| *x != primary)
            .collect(),
    };
    let hc = r.health_check.as_ref();
    let stale = r.stale_clients.as_ref();
    let stale_fraction = stale.and_then(|s| s.fraction).unwrap_or(0.02);
    let stale_fraction = if (0.0..=1.0).contains(&stale_fraction) {
        stale_fraction
    } else {
        cx.error(
            "invalid-number",
            "routing.stale_clients.fraction",
            "`fraction` must be between 0 and 1",
        );
        0.02
    };
    Some(Routing {
        kind,
        primary,
        failover_order,
        ttl: cx.duration(r.ttl.as_ref(), "routing.ttl", 60.0),
        health_interval: cx.duration(
            hc.and_then(|h| h.interval.as_ref()),
            "routing.health_check.interval",
            10.0,
        ),
        failure_threshold: hc.and_then(|h| h.failure_threshold).unwrap_or(3),
        convergence: cx.duration(r.convergence.as_ref(), "routing.convergence", 60.0),
        stale_fraction,
        stale_duration: cx.duration(
            stale.and_then(|s| s.duration.as_ref()),
            "routing.stale_clients.duration",
            900.0,
        ),
        availability: cx.probability(r.availability.as_ref(), "routing.availability", 0.99999),
        mttr: cx.mttr(r.mttr.as_ref(), "routing.mttr", 2.0 * 3600.0),
        cost_per_month: Usd(cx.non_negative(r.cost_per_month, "routing.cost_per_month", 0.0)),
        failover: if manual {
            Failover::Manual
        } else {
            Failover::Automatic
        },
        manual_decision: cx.duration(
            r.manual_decision.as_ref(),
            "routing.manual_decision",
            3600.0,
        ),
        requires: if kind.is_dns() { requires } else { Vec::new() },
    })
}

fn build_users(cx: &mut Cx, raw: &RawTopology) -> Vec<UserGroup> {
    let mut users = Vec::new();
    let mut total = 0.0;
    let mut any_invalid = false;
    for (id, u) in &raw.users {
        let path = join("users", id);
        let share = if u.share.is_finite() && (0.0..=1.0).contains(&u.share) {
            u.share
        } else {
            cx.error(
                "invalid-share",
                &join(&path, "share"),
                format!("`share` must be between 0 and 1, not {}", u.share),
            );
            any_invalid = true;
            0.0
        };
        total += share;
        users.push(UserGroup {
            id: id.clone(),
            location: cx
                .location(&u.location, &join(&path, "location"))
                .unwrap_or(LatLon { lat: 0.0, lon: 0.0 }),
            share,
            residency: u.residency.clone().map(raw::OneOrMany::into_vec),
        });
    }
    if raw.users.is_empty() {
        cx.error(
            "missing-key",
            "users",
            "a topology needs at least one user group under `users`",
        );
    } else if !any_invalid && (total - 1.0).abs() > 1e-6 {
        cx.key_error(
            "shares-not-one",
            "users",
            format!("user shares sum to {}, not 1", units::round_to(total, 9)),
        );
    }
    users
}

/// Instances per AZ of one placement shape; reports unknown AZs and both/neither forms.
fn shape(
    cx: &mut Cx,
    per_az: Option<u32>,
    listed: Option<&indexmap::IndexMap<String, u32>>,
    path: &str,
    region: &Region,
    names: &Names,
    n_azs: usize,
) -> Vec<u32> {
    let mut out = vec![0; n_azs];
    match (per_az, listed) {
        (Some(n), None) => {
            for a in &region.azs {
                out[a.idx()] = n;
            }
        }
        (None, Some(list)) => {
            for (aid, n) in list {
                match names.azs.get(aid) {
                    Some(a) if region.azs.contains(a) => out[a.idx()] = *n,
                    _ => cx.key_error(
                        "az-not-in-region",
                        &join(&join(path, "azs"), aid),
                        format!("`{aid}` is not an AZ of region `{}`", region.id),
                    ),
                }
            }
        }
        (Some(_), Some(_)) => cx.error(
            "invalid-placement",
            path,
            "give either `per_az` or `azs`, not both",
        ),
        (None, None) => cx.error(
            "invalid-placement",
            path,
            "give instances as `per_az: N` or `azs: {<az>: N}`",
        ),
    }
    out
}

fn build_services(
    cx: &mut Cx,
    raw: &RawTopology,
    names: &Names,
    regions: &[Region],
    azs: &[Az],
) -> Vec<Service> {
    let mut out = Vec::new();
    for (id, s) in &raw.services {
        let path = join("services", id);
        let capacity = if s.capacity_per_instance.is_finite() && s.capacity_per_instance > 0.0 {
            s.capacity_per_instance
        } else {
            cx.error(
                "invalid-capacity",
                &join(&path, "capacity_per_instance"),
                format!(
                    "`capacity_per_instance` must be above 0, not {}",
                    s.capacity_per_instance
                ),
            );
            1.0
        };
        let mut svc = Service {
            id: id.clone(),
            entry: s.entry,
            capacity_per_instance: capacity,
            cost_per_hour: Usd(cx.non_negative(
                s.cost_per_hour,
                &join(&path, "cost_per_hour"),
                0.0,
            )),
            instances: vec![0; azs.len()],
            scaled_instances: vec![0; azs.len()],
            scales: vec![false; regions.len()],
            scale_up: vec![Seconds(600.0); regions.len()],
            placed: vec![false; regions.len()],
            depends_on: Vec::new(),
            partial: Vec::new(),
            scale_requires: v2::requires(
                cx,
                &s.scale_requires,
                &join(&path, "scale_requires"),
                names,
            ),
        };
        for (rid, p) in &s.placement {
            let ppath = join(&join(&path, "placement"), rid);
            let Some(r) = names.regions.get(rid).copied() else {
                cx.key_error(
                    "dangling-reference",
                    &ppath,
                    format!("`{rid}` is not a region"),
                );
                continue;
            };
            let region = &regions[r.idx()];
            let base = shape(
                cx,
                p.per_az,
                p.azs.as_ref(),
                &ppath,
                region,
                names,
                azs.len(),
            );
            let scaled = match &p.scale_to {
                Some(RawShape {
                    per_az,
                    azs: listed,
                }) => {
                    let spath = join(&ppath, "scale_to");
                    let target = shape(
                        cx,
                        *per_az,
                        listed.as_ref(),
                        &spath,
                        region,
                        names,
                        azs.len(),
                    );
                    for a in &region.azs {
                        if target[a.idx()] < base[a.idx()] {
                            let az_id = &azs[a.idx()].id;
                            let at = match listed {
                                Some(list) if list.contains_key(az_id) => {
                                    join(&join(&spath, "azs"), az_id)
                                }
                                Some(_) => join(&spath, "azs"),
                                None => join(&spath, "per_az"),
                            };
                            cx.error(
                                "scale-to-smaller",
                                &at,
                                format!("`scale_to` has {} instances in `{}`, fewer than the {} placed there", target[a.idx()], azs[a.idx()].id, base[a.idx()]),
                            );
                        }
                    }
                    svc.scales[r.idx()] = true;
                    Some(target)
                }
                None => None,
            };
            cx.ignored(
                p.scale_to.is_none() && p.scale_up.is_some(),
                &join(&ppath, "scale_up"),
                "there is no `scale_to` to grow to",
            );
            svc.scale_up[r.idx()] =
                cx.duration(p.scale_up.as_ref(), &join(&ppath, "scale_up"), 600.0);
            svc.placed[r.idx()] = true;
            for a in &region.azs {
                let i = a.idx();
                svc.instances[i] = base[i];
                svc.scaled_instances[i] = scaled.as_ref().map_or(base[i], |t| t[i].max(base[i]));
            }
        }
        for (j, dep) in s.depends_on.iter().enumerate() {
            let dpath = index(&join(&path, "depends_on"), j);
            let name = dep.id();
            let d = if let Some(x) = names.services.get(name) {
                Dependency::Service(*x)
            } else if let Some(x) = names.datastores.get(name) {
                Dependency::Datastore(*x)
            } else if let Some(x) = names.externals.get(name) {
                Dependency::External(*x)
            } else {
                let at = match dep {
                    RawDependency::Id(_) => dpath,
                    RawDependency::Partial(_) => join(&dpath, "id"),
                };
                cx.error(
                    "dangling-reference",
                    &at,
                    format!("`{name}` is not a service, datastore or external"),
                );
                continue;
            };
            let fraction = dep.fraction();
            if !(fraction > 0.0 && fraction <= 1.0) {
                cx.error(
                    "invalid-fraction",
                    &join(&dpath, "fraction"),
                    format!("`fraction` {fraction} is outside (0, 1]: it is the share of requests that need `{name}`"),
                );
                continue;
            }
            let earlier = s.depends_on[..j].iter().find(|e| e.id() == name);
            if let Some(earlier) = earlier {
                let same = match (earlier, dep) {
                    (RawDependency::Id(_), RawDependency::Id(_)) => true,
                    (RawDependency::Partial(a), RawDependency::Partial(b)) => {
                        a.fraction == b.fraction
                    }
                    _ => false,
                };
                if same {
                    cx.warning(
                        "repeated-entry",
                        &dpath,
                        format!("`{name}` is listed twice"),
                    );
                } else {
                    cx.error(
                        "repeated-dependency",
                        &dpath,
                        format!("`{name}` is listed twice with different fractions (a plain id is a fraction of 1); keep one"),
                    );
                }
            } else if fraction < 1.0 {
                svc.partial.push((d, fraction));
            } else {
                svc.depends_on.push(d);
            }
        }
        out.push(svc);
    }
    out
}

fn build_datastores(
    cx: &mut Cx,
    raw: &RawTopology,
    names: &Names,
    regions: &[Region],
    azs: &[Az],
) -> Vec<Datastore> {
    use raw::RawReplication as K;
    let mut out = Vec::new();
    for (id, d) in &raw.datastores {
        let path = join("datastores", id);
        let p = |key: &str| join(&path, key);
        let kind = d.replication;
        let region_ref = |cx: &mut Cx, value: &str, at: &str| -> RegionIdx {
            names.regions.get(value).copied().unwrap_or_else(|| {
                cx.error(
                    "dangling-reference",
                    at,
                    format!("`{value}` is not a region"),
                );
                RegionIdx(0)
            })
        };
        let required = |cx: &mut Cx, present: bool, key: &str| {
            if !present {
                cx.key_error(
                    "missing-key",
                    &path,
                    format!("`{key}` is required for `{}` replication", kind_name(kind)),
                );
            }
            present
        };
        let not_for = |kinds: &str| {
            format!(
                "it does not apply to `{}` replication (only {kinds})",
                kind_name(kind)
            )
        };
        cx.ignored(
            kind != K::SingleAz && d.az.is_some(),
            &p("az"),
            &not_for("single-az"),
        );
        let primary_kind = matches!(kind, K::MultiAz | K::ActivePassive);
        cx.ignored(
            !primary_kind && d.primary_az.is_some(),
            &p("primary_az"),
            &not_for("multi-az, active-passive"),
        );
        cx.ignored(
            !primary_kind && d.standby_in_region.is_some(),
            &p("standby_in_region"),
            &not_for("multi-az, active-passive"),
        );
        cx.ignored(
            kind != K::ActivePassive && d.replicas.is_some(),
            &p("replicas"),
            &not_for("active-passive"),
        );
        cx.ignored(
            !matches!(kind, K::ActiveActive | K::Consensus) && d.regions.is_some(),
            &p("regions"),
            &not_for("active-active, consensus"),
        );
        cx.ignored(
            matches!(kind, K::SingleAz | K::MultiAz) && d.sync.is_some(),
            &p("sync"),
            "it is about replication to other regions",
        );
        cx.ignored(
            matches!(kind, K::SingleAz | K::MultiAz) && d.lag.is_some(),
            &p("lag"),
            "it is about replication to other regions",
        );
        let quorum = kind == K::Consensus || (kind == K::ActiveActive && d.sync == Some(true));
        cx.ignored(
            !quorum && d.election.is_some(),
            &p("election"),
            "it applies to consensus and synchronous active-active stores",
        );
        cx.ignored(
            kind == K::SingleAz && d.primary.is_some(),
            &p("primary"),
            &not_for("multi-az, active-passive"),
        );

        let members = |cx: &mut Cx, list: &[String], at: &str| -> Vec<RegionIdx> {
            let mut out: Vec<RegionIdx> = Vec::new();
            for (i, id) in list.iter().enumerate() {
                let ipath = index(at, i);
                match names.regions.get(id) {
                    None => cx.error(
                        "dangling-reference",
                        &ipath,
                        format!("`{id}` is not a region"),
                    ),
                    Some(r) if out.contains(r) => cx.error(
                        "duplicate-reference",
                        &ipath,
                        format!("`{id}` is listed twice"),
                    ),
                    Some(r) => out.push(*r),
                }
            }
            out
        };
        let primary_and_az = |cx: &mut Cx| -> (RegionIdx, AzIdx) {
            let primary = match &d.primary {
                Some(v) if required(cx, true, "primary") => region_ref(cx, v, &p("primary")),
                _ => {
                    required(cx, false, "primary");
                    RegionIdx(0)
                }
            };
            let region = regions.get(primary.idx());
            let first = region
                .and_then(|r| r.azs.first().copied())
                .unwrap_or(AzIdx(0));
            let az = match &d.primary_az {
                None => first,
                Some(a) => match names.azs.get(a) {
                    Some(x) if azs[x.idx()].region == primary => *x,
                    _ => {
                        let rname = region.map_or("?", |r| r.id.as_str());
                        cx.error(
                            "az-not-in-region",
                            &p("primary_az"),
                            format!("`{a}` is not an AZ of the primary region `{rname}`"),
                        );
                        first
                    }
                },
            };
            (primary, az)
        };
        let replication = match kind {
            K::SingleAz => {
                let az = match &d.az {
                    Some(a) => names.azs.get(a).copied().unwrap_or_else(|| {
                        cx.error(
                            "dangling-reference",
                            &p("az"),
                            format!("`{a}` is not an AZ"),
                        );
                        AzIdx(0)
                    }),
                    None => {
                        required(cx, false, "az");
                        AzIdx(0)
                    }
                };
                Replication::SingleAz { az }
            }
            K::MultiAz => {
                let (primary, primary_az) = primary_and_az(cx);
                Replication::MultiAz {
                    primary,
                    primary_az,
                    standby: d.standby_in_region.unwrap_or(true),
                }
            }
            K::ActivePassive => {
                let (primary, primary_az) = primary_and_az(cx);
                required(cx, d.replicas.is_some(), "replicas");
                let list = d.replicas.clone().unwrap_or_default();
                let mut replicas = members(cx, &list, &p("replicas"));
                if let Some(i) = replicas.iter().position(|r| *r == primary) {
                    let at = list
                        .iter()
                        .position(|r| names.regions.get(r) == Some(&primary))
                        .unwrap_or(i);
                    cx.error("replica-is-primary", &index(&p("replicas"), at), "a replica cannot be in the primary region; use `standby_in_region` for an in-region standby");
                    replicas.remove(i);
                }
                Replication::ActivePassive {
                    primary,
                    primary_az,
                    standby: d.standby_in_region.unwrap_or(true),
                    replicas,
                }
            }
            K::ActiveActive | K::Consensus => {
                let list = d.regions.clone().unwrap_or_default();
                if list.is_empty() {
                    cx.key_error("missing-key", &path, format!("`regions` (at least one member region) is required for `{}` replication", kind_name(kind)));
                }
                let regions_list = members(cx, &list, &p("regions"));
                if let Some(pr) = &d.primary {
                    if !list.contains(pr) {
                        cx.error(
                            "primary-not-member",
                            &p("primary"),
                            format!("`primary` `{pr}` is not one of the store's `regions`"),
                        );
                    } else if kind == K::Consensus && list.first() != Some(pr) {
                        cx.warning("ignored-key", &p("primary"), "the leader of a consensus store is the first of its `regions`; `primary` is ignored");
                    }
                }
                if kind == K::Consensus {
                    Replication::Consensus {
                        regions: regions_list,
                    }
                } else {
                    Replication::ActiveActive {
                        regions: regions_list,
                    }
                }
            }
        };
        let requires = v2::requires(cx, &d.requires, &p("requires"), names);
        if !requires.is_empty() && matches!(kind, K::Consensus | K::ActiveActive) {
            let d = crate::diagnostic::Diagnostic::warning(
                "no-control-plane-needed",
                p("requires"),
                format!(
                    "`{}` stores fail over without a control plane (elections, every member a home); `requires` applies only to restores from backups",
                    kind_name(kind)
                ),
            )
            .at(cx.positions.key(&p("requires")));
            cx.diagnostics.push(d);
        }
        let backups = d.backups.as_ref().map(|b| {
            let bp = p("backups");
            Backups {
                interval: cx.duration(Some(&b.interval), &join(&bp, "interval"), 0.0),
                restore: cx.duration(Some(&b.restore), &join(&bp, "restore"), 0.0),
                region: region_ref(cx, &b.region, &join(&bp, "region")),
                cost_per_month: Usd(cx.non_negative(
                    b.cost_per_month,
                    &join(&bp, "cost_per_month"),
                    0.0,
                )),
            }
        });
        out.push(Datastore {
            id: id.clone(),
            replication,
            sync: d.sync.unwrap_or(false),
            lag: cx.duration(d.lag.as_ref(), &p("lag"), 1.0),
            failover: match d.failover {
                Some(raw::RawFailover::Manual) => Failover::Manual,
                _ => Failover::Automatic,
            },
            promotion: cx.duration(d.promotion.as_ref(), &p("promotion"), 60.0),
            manual_decision: cx.duration(d.manual_decision.as_ref(), &p("manual_decision"), 3600.0),
            election: cx.duration(d.election.as_ref(), &p("election"), 10.0),
            ephemeral: d.ephemeral.unwrap_or(false),
            residency_scoped: d.residency_scoped.unwrap_or(false),
            backups,
            storage_gb: cx.non_negative(d.storage_gb, &p("storage_gb"), 0.0),
            write_mb_per_s: cx.non_negative(d.write_mb_per_s, &p("write_mb_per_s"), 0.0),
            cost_per_hour: Usd(cx.non_negative(d.cost_per_hour, &p("cost_per_hour"), 0.0)),
            storage_cost_per_gb_month: Usd(cx.non_negative(
                d.storage_cost_per_gb_month,
                &p("storage_cost_per_gb_month"),
                0.10,
            )),
            requires,
        });
    }
    out
}

fn kind_name(kind: raw::RawReplication) -> &'static str {
    use raw::RawReplication as K;
    match kind {
        K::SingleAz => "single-az",
        K::MultiAz => "multi-az",
        K::ActivePassive => "active-passive",
        K::ActiveActive => "active-active",
        K::Consensus => "consensus",
    }
}

fn build_objectives(cx: &mut Cx, raw: &RawTopology) -> Option<Objectives> {
    let o = raw.objectives.as_ref()?;
    let mut survive = Vec::new();
    match &o.survive {
        None => survive.push(Class::Az),
        Some(list) => {
            for (i, name) in list.iter().enumerate() {
                match Class::parse(name) {
                    Some(c) if !survive.contains(&c) => survive.push(c),
                    Some(_) => {}
                    None => cx.error(
                        "unknown-class",
                        &index("objectives.survive", i),
                        format!("`{name}` is not a scenario class; expected one of region, az, link, routing, shared, external, control, corruption, change, custom, combo"),
                    ),
                }
            }
        }
    }
    let availability = o
        .availability
        .as_ref()
        .map(|q| cx.probability(Some(q), "objectives.availability", 0.0).0);
    let limit = |cx: &mut Cx, q: &Option<Quantity>, key: &str| {
        q.as_ref()
            .map(|q| cx.duration(Some(q), &join("objectives", key), 0.0))
    };
    Some(Objectives {
        availability,
        survive,
        rto: limit(cx, &o.rto, "rto"),
        rpo: limit(cx, &o.rpo, "rpo"),
        max_dns_exposure: limit(cx, &o.max_dns_exposure, "max_dns_exposure"),
        max_monthly_cost: o
            .max_monthly_cost
            .map(|c| Usd(cx.non_negative(Some(c), "objectives.max_monthly_cost", 0.0))),
        max_rtt: o
            .max_rtt
            .as_ref()
            .and_then(|q| cx.rtt(Some(q), "objectives.max_rtt")),
        max_request_rtt: o
            .max_request_rtt
            .as_ref()
            .and_then(|q| cx.rtt(Some(q), "objectives.max_request_rtt")),
        residency: o.residency.unwrap_or(false),
        min_served: o
            .min_served
            .as_ref()
            .and_then(|q| cx.fraction(q, "objectives.min_served")),
        static_stability: o.static_stability.unwrap_or(false),
        max_blast_radius: o.max_blast_radius.map(|x| {
            if (0.0..=1.0).contains(&x) {
                x
            } else {
                cx.error(
                    "invalid-number",
                    "objectives.max_blast_radius",
                    format!("`max_blast_radius` is a share of users between 0 and 1, not {x}"),
                );
                1.0
            }
        }),
        max_change_downtime: v2::duration_limit(
            cx,
            o.max_change_downtime.as_ref(),
            "objectives.max_change_downtime",
        ),
        waivers: build_waivers(cx, o),
    })
}

fn build_waivers(cx: &mut Cx, o: &raw::RawObjectives) -> Vec<Waiver> {
    let mut out = Vec::new();
    for (i, w) in o.waivers.iter().enumerate() {
        let path = index("objectives.waivers", i);
        if w.objective == crate::gate::EVERY_OBJECTIVE {
            if w.scenario.is_none() {
                cx.error(
                    "invalid-waiver",
                    &join(&path, "objective"),
                    "a waiver of every objective (`objective: \"*\"`) needs the `scenario` it covers",
                );
            }
        } else if !crate::gate::OBJECTIVE_ORDER
            .contains(&crate::gate::canonical_objective(&w.objective))
        {
            cx.error(
                "unknown-objective",
                &join(&path, "objective"),
                format!(
                    "`{}` is not an objective; expected one of {}",
                    w.objective,
                    crate::gate::OBJECTIVE_ORDER.join(", ")
                ),
            );
        }
        if w.reason.trim().is_empty() {
            cx.error(
                "invalid-waiver",
                &join(&path, "reason"),
                "a waiver needs a `reason`: why the risk is accepted",
            );
        }
        let expires = w.expires.as_ref().and_then(|e| {
            let d = Date::parse(e);
            if d.is_none() {
                cx.error(
                    "invalid-date",
                    &join(&path, "expires"),
                    format!("`{e}` is not a date; write `YYYY-MM-DD`"),
                );
            }
            d
        });
        out.push(Waiver {
            objective: w.objective.clone(),
            scenario: w.scenario.clone(),
            reason: w.reason.clone(),
            expires,
            path,
        });
    }
    out
}

fn build_scenarios(
    cx: &mut Cx,
    raw: &RawTopology,
    model: &Model,
    names: &Names,
) -> Vec<CustomScenario> {
    let by_id: HashMap<String, Component> = model
        .components()
        .into_iter()
        .map(|c| (model.component_id(c), c))
        .collect();
    let change_ids: HashSet<String> = model
        .changes
        .iter()
        .flat_map(|c| [c.scenario_id(false), c.scenario_id(true)])
        .collect();
    let mut seen: HashSet<String> = HashSet::new();
    let mut out = Vec::new();
    for (i, s) in raw.scenarios.iter().enumerate() {
        let path = index("scenarios", i);
        let generated = s
            .name
            .split('+')
            .all(|part| by_id.contains_key(part) || corruption_target(part, names).is_some());
        if s.name.trim().is_empty() {
            cx.error(
                "invalid-scenario",
                &join(&path, "name"),
                "a scenario needs a non-empty `name`",
            );
        } else if generated || change_ids.contains(&s.name) {
            cx.error(
                "scenario-name-taken",
                &join(&path, "name"),
                format!(
                    "`{}` is the id of a generated scenario; pick another name",
                    s.name
                ),
            );
        } else if !seen.insert(s.name.clone()) {
            cx.error(
                "duplicate-scenario",
                &join(&path, "name"),
                format!("another scenario is already named `{}`", s.name),
            );
        }
        if s.fail.is_empty() {
            cx.error(
                "empty-scenario",
                &join(&path, "fail"),
                "`fail` lists at least one component id or `corruption:<datastore>`",
            );
        }
        let mut fail = Vec::new();
        for (j, id) in s.fail.iter().enumerate() {
            let item = by_id
                .get(id)
                .map(|c| FailItem::Component(*c))
                .or_else(|| corruption_target(id, names).map(FailItem::Corruption));
            let named_change = id.strip_prefix("change:").is_some_and(|c| {
                model
                    .changes
                    .iter()
                    .any(|x| x.id == c || format!("{}:latent", x.id) == c)
            });
            match item {
                None if named_change => cx.error(
                    "change-in-scenario",
                    &index(&join(&path, "fail"), j),
                    format!("`{id}` is a change, not a component: changes are evaluated on their own and never combined (MODEL.md §11)"),
                ),
                Some(item) if !fail.contains(&item) => fail.push(item),
                Some(_) => cx.warning("repeated-entry", &index(&join(&path, "fail"), j), format!("`{id}` is listed twice")),
                None => cx.error(
                    "unknown-component",
                    &index(&join(&path, "fail"), j),
                    format!("`{id}` is not a component id; write `region:<id>`, `az:<id>`, `link:<a>~<b>` (sorted), `routing`, `shared:<id>`, `external:<id>`, `control:<id>` or `corruption:<datastore>`"),
                ),
            }
        }
        fail.sort();
        out.push(CustomScenario {
            name: s.name.clone(),
            fail,
            gate: s.gate.unwrap_or(true),
        });
    }
    out
}

fn corruption_target(id: &str, names: &Names) -> Option<DatastoreIdx> {
    id.strip_prefix("corruption:")
        .and_then(|d| names.datastores.get(d).copied())
}
