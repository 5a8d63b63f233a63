//! `drplan import terraform`: a Terraform plan (`terraform show -json plan.out`) -> a drplan
//! topology, as YAML text with a comment on each item naming the resource it came from.
//!
//! The stages: [`plan`] reads and checks the JSON and lists the resources of one side;
//! [`context`] answers "what is this attribute" (known, unknown, unset), "what does it
//! reference" and "which region"; [`aws`] and [`others`] map resources into a [`draft`]; the
//! draft becomes a [`tree`] that the overlay is merged into and that is written as YAML. What a
//! plan cannot know is written as `null` with a `FILL IN` comment, so the ordinary validator
//! reports each at its line until an overlay supplies it: nothing is invented.

pub mod aws;
pub mod context;
pub mod draft;
pub mod others;
pub mod plan;
pub mod regions;
pub mod tree;

use indexmap::IndexMap;
use serde_json::Value;

use crate::diagnostic::Diagnostic;
use context::{Ctx, Val};
use draft::{Draft, short_list};
pub use plan::Side;
use tree::{Item, Node};

/// How to import.
#[derive(Clone, Debug)]
pub struct Options {
    pub side: Side,
    /// The region of resources whose provider sets none (the user's `AWS_REGION`).
    pub default_region: Option<String>,
    /// The plan's name, for the header comment and `name:`.
    pub source_name: String,
    /// The topology's `name`.
    pub name: String,
}

/// An imported topology.
#[derive(Debug)]
pub struct Imported {
    /// The topology file text.
    pub text: String,
    /// What the import could not settle (unknown regions, unknown values, guesses).
    pub warnings: Vec<Diagnostic>,
    /// Keys still to fill in after the overlay: `(key path, what to supply)`.
    pub missing: Vec<(String, String)>,
    /// Topology key path (`datastores.orders`, `routing`) -> the resource addresses it came from.
    pub origins: IndexMap<String, Vec<String>>,
    /// Address -> the values of that resource on the imported side (sensitive ones removed), to
    /// tell which resources a pull request changed.
    pub fingerprints: IndexMap<String, String>,
    /// How many managed resources the side holds.
    pub resources: usize,
}

/// Reads an overlay: a topology fragment in YAML, parsed by the loader's YAML stage.
pub fn parse_overlay(text: &str) -> Result<Value, Vec<Diagnostic>> {
    let doc = crate::load::yaml::parse(text)?;
    let v = serde_json::to_value(&doc.root).map_err(|e| {
        vec![Diagnostic::error(
            "overlay-shape",
            "",
            format!("the overlay cannot be read as a topology fragment: {e}"),
        )]
    })?;
    match v {
        Value::Object(_) => Ok(v),
        Value::Null => Ok(Value::Object(Default::default())),
        _ => Err(vec![Diagnostic::error(
            "overlay-shape",
            "",
            "the overlay must be a map of topology keys (`users:`, `demand:`, `services:` ...)",
        )]),
    }
}

/// Imports one side of a plan, merging the overlay on top.
#[allow(clippy::result_large_err)] // one error per plan
pub fn import(
    bytes: &[u8],
    overlay: Option<&Value>,
    opts: &Options,
) -> Result<Imported, Diagnostic> {
    let plan = plan::parse(bytes)?;
    let resources = plan.resources(opts.side);
    let count = resources.len();
    let mut cx = Ctx::new(&plan, resources, opts.default_region.clone());
    cx.before = opts.side == Side::Before;
    let mut d = Draft::default();
    aws::services(&mut cx, &mut d);
    aws::datastores(&mut cx, &mut d);
    others::google(&mut cx, &mut d);
    others::azure(&mut cx, &mut d);
    backups(&mut cx, &mut d);
    if d.routing.is_none() {
        aws::routing(&mut cx, &mut d);
    }
    aws::cloudfront_notes(&mut cx, &mut d);
    let mut root = assemble(&plan, &mut d, opts);
    if let Some(o) = overlay {
        tree::merge(&mut root, o);
    }
    let missing = tree::missing(&root);
    let mut text = header(&plan, opts, &d, &missing, count, overlay.is_some());
    text.push_str(&tree::to_yaml(&root));
    let fingerprints = cx
        .res
        .iter()
        .map(|r| {
            (
                r.address.clone(),
                fingerprint(&r.values, &r.sensitive, &r.unknown),
            )
        })
        .collect();
    Ok(Imported {
        text,
        warnings: cx.warnings,
        missing,
        origins: d.origins,
        fingerprints,
        resources: count,
    })
}

/// The resource's values without sensitive or unknown leaves, as one comparable string.
fn fingerprint(values: &Value, sensitive: &Value, unknown: &Value) -> String {
    fn strip(v: &Value, s: &Value, u: &Value) -> Value {
        if s == &Value::Bool(true) || u == &Value::Bool(true) {
            return Value::String("(hidden)".into());
        }
        match v {
            Value::Object(o) => Value::Object(
                o.iter()
                    .map(|(k, x)| {
                        (
                            k.clone(),
                            strip(
                                x,
                                s.get(k).unwrap_or(&Value::Null),
                                u.get(k).unwrap_or(&Value::Null),
                            ),
                        )
                    })
                    .collect(),
            ),
            Value::Array(a) => Value::Array(
                a.iter()
                    .enumerate()
                    .map(|(i, x)| {
                        strip(
                            x,
                            s.get(i).unwrap_or(&Value::Null),
                            u.get(i).unwrap_or(&Value::Null),
                        )
                    })
                    .collect(),
            ),
            other => other.clone(),
        }
    }
    strip(values, sensitive, unknown).to_string()
}

fn header(
    plan: &plan::Plan,
    opts: &Options,
    d: &Draft,
    missing: &[(String, String)],
    count: usize,
    overlaid: bool,
) -> String {
    let tf = plan
        .json
        .get("terraform_version")
        .and_then(Value::as_str)
        .unwrap_or("unknown");
    let side = match opts.side {
        Side::Before => "before",
        Side::After => "after",
    };
    let mut h = format!(
        "# drplan topology imported from the Terraform plan {} (Terraform {tf}, plan format {}, side {side}, {count} managed resources{}).\n# Each item's comment names the resource address it came from.\n",
        opts.source_name,
        plan.format_version,
        if overlaid { ", overlay merged" } else { "" }
    );
    for n in &d.notes {
        h.push_str(&format!("# Note: {n}\n"));
    }
    if !missing.is_empty() {
        h.push_str(
            "# A plan cannot know these; supply them in an overlay (--overlay FILE) or here, where each says FILL IN:\n",
        );
        for (path, what) in missing {
            h.push_str(&format!("#   {path}: {what}\n"));
        }
    }
    h
}

fn assemble(plan: &plan::Plan, d: &mut Draft, opts: &Options) -> Item {
    let mut root = Item::map();
    root.set("version", Item::scalar(1));
    root.set("name", Item::scalar(opts.name.as_str()));
    root.set(
        "description",
        Item::scalar(format!(
            "Imported from {} by drplan import terraform",
            opts.source_name
        )),
    );
    // Entry service and dependencies, before regions (they do not add regions).
    let datastore_ids: Vec<String> = d.datastores.keys().cloned().collect();
    let entry = if d.services.len() == 1 {
        d.services.keys().next().cloned()
    } else {
        d.behind_lb
            .first()
            .cloned()
            .or_else(|| d.services.keys().next().cloned())
    };
    let n_services = d.services.len();
    for (sid, s) in d.services.iter_mut() {
        if Some(sid) == entry.as_ref() {
            let why = if n_services == 1 {
                "the only service".to_string()
            } else {
                "the first service behind a load balancer; set `entry: null` here and `entry: true` on another in the overlay to change".to_string()
            };
            if let Node::Map(m) = &mut s.node {
                m.shift_insert(0, "entry".into(), Item::scalar(true).with_comment(why));
            }
            if !datastore_ids.is_empty() {
                s.set(
                    "depends_on",
                    Item::strings(&datastore_ids).with_comment(
                        "assumed: the entry service needs every imported datastore; the overlay's list replaces this one",
                    ),
                );
            }
        }
    }
    root.set("regions", d.regions_item());
    let routing = match d.routing.take() {
        Some(r) => r,
        None if d.regions.len() <= 1 => {
            let mut r = Item::map().with_comment(
                "no routing resource in the plan; with one region there is nothing to steer",
            );
            r.set("kind", Item::scalar("geodns"));
            r
        }
        None => {
            let mut r = Item::map();
            r.set(
                "kind",
                Item::missing(
                    "geodns, failover-dns, anycast or global-lb: the plan has no Route 53 routing policy, Global Accelerator or global load balancer",
                ),
            );
            r
        }
    };
    root.set("routing", routing);
    root.set(
        "users",
        Item::missing("user groups {<id>: {location: [lat, lon], share: F}}, shares summing to 1"),
    );
    let mut demand = Item::map();
    demand.set("peak_rps", Item::missing("total peak requests per second"));
    root.set("demand", demand);
    if d.services.is_empty() {
        root.set(
            "services",
            Item::missing(
                "the services (no Auto Scaling group or load-balanced instance in the plan); one with `entry: true`",
            ),
        );
    } else {
        root.set(
            "services",
            Item::new(Node::Map(std::mem::take(&mut d.services))),
        );
    }
    if !d.datastores.is_empty() {
        root.set(
            "datastores",
            Item::new(Node::Map(std::mem::take(&mut d.datastores))),
        );
    }
    let _ = plan;
    root
}

/// AWS Backup: a plan's schedule and copy actions become `backups` of the stores its selections
/// name.
fn backups(cx: &mut Ctx, d: &mut Draft) {
    for sel in cx.of_type("aws_backup_selection") {
        let saddr = cx.res[sel].address.clone();
        if matches!(cx.val(sel, &["resources"]), Val::Unset) {
            cx.warn(
                sel,
                "import-backup-selection",
                "a selection by tags cannot be matched to resources from a plan",
            );
        }
        let Some(&p) = cx
            .refs(sel, &["plan_id"])
            .iter()
            .find(|&&j| cx.res[j].rtype == "aws_backup_plan")
        else {
            continue;
        };
        let paddr = cx.res[p].address.clone();
        let schedule = cx.val(p, &["rule", "0", "schedule"]);
        let interval = schedule.as_str().and_then(cron_interval);
        let mut copy_region = None;
        for v in cx.refs(
            p,
            &["rule", "0", "copy_action", "0", "destination_vault_arn"],
        ) {
            if let Some(r) = cx.region(v) {
                copy_region = Some(r.name);
            }
        }
        if copy_region.is_none()
            && let Some(arn) = cx
                .val(
                    p,
                    &["rule", "0", "copy_action", "0", "destination_vault_arn"],
                )
                .as_str()
        {
            copy_region = arn
                .split(':')
                .nth(3)
                .filter(|r| regions::is_aws_region(r))
                .map(str::to_string);
        }
        let home = cx.region(p).map(|r| r.name);
        let covered: Vec<String> = cx
            .refs(sel, &["resources"])
            .iter()
            .map(|&j| cx.res[j].address.clone())
            .collect();
        let stores: Vec<String> = d
            .origins
            .iter()
            .filter(|(k, v)| k.starts_with("datastores.") && v.iter().any(|a| covered.contains(a)))
            .map(|(k, _)| k["datastores.".len()..].to_string())
            .collect();
        for sid in stores {
            let Some(item) = d.datastores.get_mut(&sid) else {
                continue;
            };
            let mut b = Item::map().with_comment(format!("{paddr} via {saddr}"));
            b.set(
                "interval",
                match interval {
                    Some(s) => Item::scalar(s)
                        .with_comment(format!("schedule {}", schedule.as_str().unwrap_or(""))),
                    None => Item::missing(
                        "the backup interval: the schedule is not a simple daily or hourly cron",
                    ),
                },
            );
            b.set("restore", Item::missing("how long a restore takes"));
            match copy_region.clone().or(home.clone()) {
                Some(r) => {
                    let how = if copy_region.is_some() {
                        "copy_action destination"
                    } else {
                        "no copy_action: the plan's own region"
                    };
                    d.regions
                        .entry(r.clone())
                        .or_default()
                        .1
                        .push(paddr.clone());
                    b.set("region", Item::scalar(r).with_comment(how));
                }
                None => {
                    b.set("region", Item::missing("the region that keeps the backups"));
                }
            }
            item.set("backups", b);
            d.origins
                .entry(format!("datastores.{sid}.backups"))
                .or_default()
                .extend([paddr.clone(), saddr.clone()]);
        }
    }
}

/// `cron(M H ...)`: hourly when the hour field is `*`, daily when it is one hour; else unknown.
fn cron_interval(s: &str) -> Option<&'static str> {
    let inner = s.strip_prefix("cron(")?.strip_suffix(')')?;
    let f: Vec<&str> = inner.split_whitespace().collect();
    if f.len() != 6 || f[0].parse::<u8>().is_err() {
        return None;
    }
    let every_day = (f[2] == "*" || f[2] == "?") && (f[4] == "*" || f[4] == "?");
    if !every_day || f[3] != "*" {
        return None;
    }
    if f[1] == "*" {
        Some("1h")
    } else if f[1].parse::<u8>().is_ok() {
        Some("24h")
    } else {
        None
    }
}

/// The resource addresses behind a topology key path (its longest recorded prefix).
pub fn origin_of<'a>(
    origins: &'a IndexMap<String, Vec<String>>,
    path: &str,
) -> Option<&'a [String]> {
    let mut p = path;
    loop {
        if let Some(v) = origins.get(p) {
            return Some(v);
        }
        let i = p.rfind(['.', '['])?;
        p = &p[..i];
    }
}

/// A short list of addresses, for messages.
pub fn addresses(list: &[String]) -> String {
    short_list(list)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cron_schedules() {
        assert_eq!(cron_interval("cron(0 5 * * ? *)"), Some("24h"));
        assert_eq!(cron_interval("cron(0 * * * ? *)"), Some("1h"));
        assert_eq!(cron_interval("cron(0 5 ? * MON *)"), None);
        assert_eq!(cron_interval("rate(1 hour)"), None);
    }
}
