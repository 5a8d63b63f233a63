//! Version 2 of the reference model: control planes and what needs them (MODEL.md §10), and
//! changes (§11). Kept apart from the version 1 checks so each stage reads in one place.

use std::collections::HashMap;

use super::{Cx, Names};
use crate::load::raw::RawTopology;
use crate::load::yaml::{index, join};
use crate::model::{
    Az, Change, ChangeTarget, ControlIdx, ControlPlane, Place, Region, Seconds, Service,
};

/// `control_planes`: each with its (optional) hosting region.
pub(super) fn build_control_planes(
    cx: &mut Cx,
    raw: &RawTopology,
    names: &mut Names,
) -> Vec<ControlPlane> {
    let mut out = Vec::new();
    for (id, c) in &raw.control_planes {
        let path = join("control_planes", id);
        let region = c.region.as_ref().and_then(|r| {
            let found = names.regions.get(r).copied();
            if found.is_none() {
                cx.error(
                    "dangling-reference",
                    &join(&path, "region"),
                    format!("`{r}` is not a region"),
                );
            }
            found
        });
        names
            .controls
            .insert(id.clone(), ControlIdx::from(out.len()));
        out.push(ControlPlane {
            id: id.clone(),
            region,
            availability: cx.probability(
                c.availability.as_ref(),
                &join(&path, "availability"),
                0.9999,
            ),
            mttr: cx.mttr(c.mttr.as_ref(), &join(&path, "mttr"), 3600.0),
        });
    }
    out
}

/// A `requires` or `scale_requires` list: control plane ids, each once.
pub(super) fn requires(cx: &mut Cx, list: &[String], path: &str, names: &Names) -> Vec<ControlIdx> {
    let mut out: Vec<ControlIdx> = Vec::new();
    for (i, id) in list.iter().enumerate() {
        let at = index(path, i);
        match names.controls.get(id) {
            None => cx.error(
                "dangling-reference",
                &at,
                format!("`{id}` is not a control plane; declare it under `control_planes`"),
            ),
            Some(c) if out.contains(c) => {
                cx.warning("repeated-entry", &at, format!("`{id}` is listed twice"));
            }
            Some(c) => out.push(*c),
        }
    }
    out
}

/// `changes`: targets, waves and timings (MODEL.md §1 and §11).
pub(super) fn build_changes(
    cx: &mut Cx,
    raw: &RawTopology,
    names: &Names,
    regions: &[Region],
    azs: &[Az],
    services: &[Service],
) -> Vec<Change> {
    let mut out = Vec::new();
    for (id, c) in &raw.changes {
        let path = join("changes", id);
        let p = |key: &str| join(&path, key);
        let target = parse_target(cx, &c.target, &p("target"), names);
        let fraction = |cx: &mut Cx, v: Option<f64>, key: &str, default: f64| match v {
            None => default,
            Some(x) if (0.0..=1.0).contains(&x) => x,
            Some(x) => {
                cx.error(
                    "invalid-number",
                    &p(key),
                    format!("`{key}` is a fraction between 0 and 1, not {x}"),
                );
                default
            }
        };
        let per_year = if c.per_year.is_finite() && c.per_year >= 0.0 {
            c.per_year
        } else {
            cx.error(
                "invalid-number",
                &p("per_year"),
                format!(
                    "`per_year` must be a finite number, 0 or more, not {}",
                    c.per_year
                ),
            );
            0.0
        };
        let bad = fraction(cx, c.bad, "bad", 0.05);
        let service = matches!(target, Some(ChangeTarget::Service(_)));
        cx.ignored(
            !service && c.bake.is_some(),
            &p("bake"),
            "it applies to `service:` targets, whose waves it spaces",
        );
        cx.ignored(
            !service && c.health_checked.is_some(),
            &p("health_checked"),
            "it applies to `service:` targets (a broken routing change or data change is not routed around)",
        );
        let data = matches!(target, Some(ChangeTarget::Datastore(_)));
        for key in ["detect", "rollback"] {
            let present = if key == "detect" {
                c.detect.is_some()
            } else {
                c.rollback.is_some()
            };
            cx.ignored(
                data && present,
                &p(key),
                "a bad data change is restored from backups, not rolled back (MODEL.md §11.3)",
            );
        }
        let latent = fraction(cx, c.latent, "latent", 0.0);
        let waves = match (target, &c.waves) {
            (Some(ChangeTarget::Service(s)), waves) => {
                let service = &services[s.idx()];
                match waves {
                    Some(list) => build_waves(cx, list, &p("waves"), names, azs, service),
                    None => vec![
                        (0..regions.len())
                            .filter(|r| service.placed[*r])
                            .map(|r| Place::Region(r.into()))
                            .collect(),
                    ],
                }
            }
            (_, Some(_)) => {
                cx.error(
                    "invalid-wave",
                    &p("waves"),
                    "`waves` apply to `service:` targets only; a routing or datastore change reaches everything at once",
                );
                Vec::new()
            }
            (_, None) => Vec::new(),
        };
        out.push(Change {
            id: id.clone(),
            target: target.unwrap_or(ChangeTarget::Routing),
            per_year,
            bad,
            waves,
            bake: cx.duration(c.bake.as_ref(), &p("bake"), 0.0),
            detect: cx.duration(c.detect.as_ref(), &p("detect"), 600.0),
            rollback: cx.duration(c.rollback.as_ref(), &p("rollback"), 900.0),
            latent,
            health_checked: c.health_checked.unwrap_or(false),
            path,
        });
    }
    out
}

/// `routing`, `service:<id>` or `datastore:<id>`.
fn parse_target(cx: &mut Cx, text: &str, path: &str, names: &Names) -> Option<ChangeTarget> {
    if text == "routing" {
        return Some(ChangeTarget::Routing);
    }
    let found = if let Some(id) = text.strip_prefix("service:") {
        Some(
            names
                .services
                .get(id)
                .map(|s| ChangeTarget::Service(*s))
                .ok_or(format!("`{id}` is not a service")),
        )
    } else {
        text.strip_prefix("datastore:").map(|id| {
            names
                .datastores
                .get(id)
                .map(|d| ChangeTarget::Datastore(*d))
                .ok_or(format!("`{id}` is not a datastore"))
        })
    };
    match found {
        Some(Ok(t)) => Some(t),
        Some(Err(why)) => {
            cx.error("dangling-reference", path, why);
            None
        }
        None => {
            cx.error(
                "invalid-target",
                path,
                format!("`{text}` is not a change target; write `routing`, `service:<id>` or `datastore:<id>`"),
            );
            None
        }
    }
}

/// The waves of a service change: region and AZ ids, none empty, no place twice.
fn build_waves(
    cx: &mut Cx,
    list: &[Vec<String>],
    path: &str,
    names: &Names,
    azs: &[Az],
    service: &Service,
) -> Vec<Vec<Place>> {
    let mut seen: HashMap<&str, String> = HashMap::new();
    let mut out = Vec::new();
    if list.is_empty() {
        cx.error(
            "invalid-wave",
            path,
            "`waves` lists at least one wave; leave it out for one wave of every region",
        );
    }
    for (i, wave) in list.iter().enumerate() {
        let wpath = index(path, i);
        if wave.is_empty() {
            cx.error(
                "invalid-wave",
                &wpath,
                "a wave lists at least one region or AZ id",
            );
        }
        let mut places = Vec::new();
        for (j, id) in wave.iter().enumerate() {
            let at = index(&wpath, j);
            if let Some(first) = seen.insert(id.as_str(), at.clone()) {
                cx.error(
                    "duplicate-reference",
                    &at,
                    format!("`{id}` is already in a wave at `{first}`; a place is changed once"),
                );
                continue;
            }
            let place = if let Some(r) = names.regions.get(id) {
                Place::Region(*r)
            } else if let Some(a) = names.azs.get(id) {
                Place::Az(*a)
            } else {
                cx.error(
                    "dangling-reference",
                    &at,
                    format!("`{id}` is not a region or AZ"),
                );
                continue;
            };
            let has_instances = match place {
                Place::Region(r) => {
                    service.placed[r.idx()]
                        && azs
                            .iter()
                            .enumerate()
                            .any(|(a, az)| az.region == r && service.scaled_instances[a] > 0)
                }
                Place::Az(a) => service.scaled_instances[a.idx()] > 0,
            };
            if !has_instances {
                cx.warning(
                    "wave-without-instances",
                    &at,
                    format!(
                        "service `{}` has no instance in `{id}`; this place changes nothing",
                        service.id
                    ),
                );
            }
            places.push(place);
        }
        out.push(places);
    }
    out
}

/// A duration objective, or `None` when absent.
pub(super) fn duration_limit(
    cx: &mut Cx,
    q: Option<&crate::load::raw::Quantity>,
    path: &str,
) -> Option<Seconds> {
    q.map(|q| cx.duration(Some(q), path, 0.0))
}
