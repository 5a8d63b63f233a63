//! AWS resources -> services, datastores and routing (MAPPING.md in the shared notes).

use indexmap::IndexMap;
use serde_json::Value;

use super::context::{Ctx, Val};
use super::draft::{Draft, id, short_list};
use super::tree::Item;

/// Services: Auto Scaling groups, and instances behind a classic ELB or a target group.
pub fn services(cx: &mut Ctx, d: &mut Draft) {
    for i in cx.of_type("aws_autoscaling_group") {
        let addr = cx.res[i].address.clone();
        let Some(region) = cx.region(i) else { continue };
        let count = match cx.val(i, &["desired_capacity"]).as_f64() {
            Some(n) => Some(n),
            None => cx.val(i, &["min_size"]).as_f64(),
        };
        let azs = cx.azs(i);
        let sid = service_id(d, &cx.res[i].name);
        let behind = !matches!(cx.val(i, &["target_group_arns"]), Val::Unset)
            || !matches!(cx.val(i, &["load_balancers"]), Val::Unset);
        if behind && !d.behind_lb.contains(&sid) {
            d.behind_lb.push(sid.clone());
        }
        let placement = match (count, azs.is_empty()) {
            (Some(n), false) => {
                let n = n.max(0.0).round() as u64;
                let k = azs.len() as u64;
                let mut per = Item::map();
                for (j, az) in azs.iter().enumerate() {
                    d.az(&region.name, az, &addr);
                    let c = n / k + u64::from((j as u64) < n % k);
                    per.set(az, Item::scalar(c));
                }
                let mut p = Item::map();
                p.set("azs", per);
                // max_size above the running count: what failover can scale the group to.
                let max = cx
                    .val(i, &["max_size"])
                    .as_f64()
                    .map(|m| m.max(0.0).round() as u64);
                if let Some(max) = max.filter(|m| *m > n) {
                    let mut to = Item::map();
                    for (j, az) in azs.iter().enumerate() {
                        let c = max / k + u64::from((j as u64) < max % k);
                        to.set(az, Item::scalar(c));
                    }
                    let mut scale = Item::map();
                    scale.set("azs", to);
                    p.set("scale_to", scale.with_comment(format!("max_size = {max}")));
                }
                p.with_comment(format!(
                    "{addr}: {n} instance(s) spread over {k} AZ(s); region by {}",
                    region.how
                ))
            }
            (None, _) => {
                d.region(&region.name, &addr);
                Item::missing(format!(
                    "{{per_az: N}}: the instance count of {addr} is unknown at plan"
                ))
            }
            (Some(_), true) => {
                d.region(&region.name, &addr);
                cx.warn(
                    i,
                    "import-azs-unknown",
                    "the AZs of this group are unknown at plan (its subnets have no known availability_zone)",
                );
                Item::missing(format!(
                    "{{azs: {{AZ: N}}}}: the AZs of {addr} are unknown at plan"
                ))
            }
        };
        add_placement(d, &sid, &region.name, placement, &addr);
    }
    // Instances behind a classic ELB (`instances`) or a target group attachment.
    let mut groups: IndexMap<String, Vec<(usize, String)>> = IndexMap::new();
    for e in cx.of_type("aws_elb") {
        let name = cx.res[e].name.clone();
        for j in cx.refs(e, &["instances"]) {
            if cx.res[j].rtype == "aws_instance" {
                let a = cx.res[e].address.clone();
                groups.entry(name.clone()).or_default().push((j, a));
            }
        }
    }
    for t in cx.of_type("aws_lb_target_group_attachment") {
        let tg = cx
            .refs(t, &["target_group_arn"])
            .first()
            .map_or_else(|| cx.res[t].name.clone(), |&g| cx.res[g].name.clone());
        for j in cx.refs(t, &["target_id"]) {
            if cx.res[j].rtype == "aws_instance" {
                let a = cx.res[t].address.clone();
                groups.entry(tg.clone()).or_default().push((j, a));
            }
        }
    }
    for (name, members) in groups {
        let sid = service_id(d, &name);
        if !d.behind_lb.contains(&sid) {
            d.behind_lb.push(sid.clone());
        }
        let mut per_region: IndexMap<String, (IndexMap<String, u64>, Vec<String>)> =
            IndexMap::new();
        for (j, via) in members {
            let addr = cx.res[j].address.clone();
            let Some(region) = cx.region(j) else { continue };
            let azs = cx.azs(j);
            let e = per_region.entry(region.name.clone()).or_default();
            e.1.push(format!("{addr} (via {via})"));
            match azs.first() {
                Some(az) => {
                    *e.0.entry(az.clone()).or_default() += 1;
                    d.az(&region.name, az, &addr);
                }
                None => {
                    cx.warn(
                        j,
                        "import-azs-unknown",
                        "the AZ of this instance is unknown at plan",
                    );
                    d.region(&region.name, &addr);
                }
            }
        }
        for (region, (azs, from)) in per_region {
            let placement = if azs.is_empty() {
                Item::missing(format!(
                    "{{azs: {{AZ: N}}}}: the AZs of {} are unknown at plan",
                    short_list(&from)
                ))
            } else {
                let mut per = Item::map();
                for (az, n) in azs {
                    per.set(&az, Item::scalar(n));
                }
                let mut p = Item::map();
                p.set("azs", per);
                p.with_comment(short_list(&from))
            };
            add_placement(d, &sid, &region, placement, &from.join(", "));
        }
    }
}

fn service_id(d: &Draft, name: &str) -> String {
    let base = id(name);
    if d.services.contains_key(&base) {
        base
    } else {
        d.free_id(&base)
    }
}

fn add_placement(d: &mut Draft, sid: &str, region: &str, placement: Item, from: &str) {
    d.origin(&format!("services.{sid}"), &[from]);
    let s = d.services.entry(sid.to_string()).or_insert_with(|| {
        let mut s = Item::map();
        s.set(
            "capacity_per_instance",
            Item::missing("requests per second one instance serves"),
        );
        s
    });
    let p = s.child("placement");
    if let Some(existing) = p.get(region)
        && let Some(super::tree::Node::Map(m)) = existing.get("azs").map(|a| &a.node)
        && let Some(super::tree::Node::Map(new)) = placement.get("azs").map(|a| &a.node)
    {
        // Two groups of one service in one region: add their counts per AZ.
        let mut merged = m.clone();
        for (az, n) in new {
            let add = |x: &Item| match &x.node {
                super::tree::Node::Scalar(Value::Number(v)) => v.as_u64().unwrap_or(0),
                _ => 0,
            };
            let total = merged.get(az).map_or(0, add) + add(n);
            merged.insert(az.clone(), Item::scalar(total));
        }
        let mut item = Item::map();
        item.set("azs", Item::new(super::tree::Node::Map(merged)));
        // Name the first few groups; beyond that, count them (a comment stays one short line).
        let before = existing.comment.clone().unwrap_or_default();
        let comment = match before.split_once(" and ") {
            Some((head, more)) if before.ends_with(" more group(s)") => {
                let n: usize = more.trim_end_matches(" more group(s)").parse().unwrap_or(0);
                format!("{head} and {} more group(s)", n + 1)
            }
            _ if before.matches("; ").count() >= 2 => format!("{before} and 1 more group(s)"),
            _ => format!(
                "{before}; {}",
                placement.comment.clone().unwrap_or_default()
            ),
        };
        p.set(region, item.with_comment(comment));
        return;
    }
    p.set(region, placement);
}

/// Datastores: RDS instances and their replicas, Aurora clusters and global clusters, DynamoDB
/// tables and their replicas, ElastiCache groups and global datastores, replicated S3 buckets.
pub fn datastores(cx: &mut Ctx, d: &mut Draft) {
    rds_instances(cx, d);
    aurora(cx, d);
    dynamodb(cx, d);
    elasticache(cx, d);
    s3(cx, d);
}

fn rds_instances(cx: &mut Ctx, d: &mut Draft) {
    let all = cx.of_type("aws_db_instance");
    let mut replicas_of: IndexMap<usize, Vec<usize>> = IndexMap::new();
    let mut primaries = Vec::new();
    for &i in &all {
        let src = cx.val(i, &["replicate_source_db"]);
        // Unset in the values but referenced in the configuration (a before side whose state
        // lacks it, an old plan that drops unknowns) is still a replica.
        if matches!(src, Val::Unset) && cx.refs(i, &["replicate_source_db"]).is_empty() {
            primaries.push(i);
            continue;
        }
        let mut source: Option<usize> = cx
            .refs(i, &["replicate_source_db"])
            .into_iter()
            .find(|&j| cx.res[j].rtype == "aws_db_instance");
        if source.is_none()
            && let Some(s) = src.as_str()
        {
            let s = s.to_string();
            source = all.iter().copied().find(|&j| {
                ["identifier", "arn", "id"]
                    .iter()
                    .any(|k| cx.val(j, &[k]).as_str() == Some(s.as_str()))
            });
        }
        match source {
            Some(p) => replicas_of.entry(p).or_default().push(i),
            None => {
                cx.warn(
                    i,
                    "import-replica-source",
                    "a read replica whose source database is not in this plan: imported as its own store",
                );
                primaries.push(i);
            }
        }
    }
    for p in primaries {
        let addr = cx.res[p].address.clone();
        let Some(region) = cx.region(p) else { continue };
        d.region(&region.name, &addr);
        let sid = d.free_id(&cx.res[p].name);
        let mut item = Item::map();
        let mut from = vec![addr.clone()];
        let multi_az = match cx.val(p, &["multi_az"]) {
            Val::Known(v) => Some(v.as_bool().unwrap_or(false)),
            // Not set in the configuration: the RDS default is a single-AZ instance.
            Val::Unset => Some(false),
            Val::Unknown => {
                let why = if cx.expr(p, &["multi_az"]).is_some() {
                    "`multi_az` is unknown at plan (an expression drplan cannot evaluate)"
                } else {
                    "`multi_az` is not set in the configuration and the provider computes it at apply (unknown, not false)"
                };
                cx.warn(
                    p,
                    "import-unknown-value",
                    format!("{why}: set `multi_az` in the configuration, or `replication` in the overlay"),
                );
                None
            }
        };
        let az = cx
            .val(p, &["availability_zone"])
            .as_str()
            .map(str::to_string);
        let mut replicas: Vec<String> = Vec::new();
        let mut in_region = Vec::new();
        for r in replicas_of.get(&p).cloned().unwrap_or_default() {
            let raddr = cx.res[r].address.clone();
            match cx.region(r) {
                Some(rr) if rr.name != region.name => {
                    d.region(&rr.name, &raddr);
                    if !replicas.contains(&rr.name) {
                        replicas.push(rr.name.clone());
                    }
                    from.push(raddr);
                }
                Some(_) => in_region.push(raddr),
                None => {}
            }
        }
        let primary_note = format!("region by {}", region.how);
        match (multi_az, replicas.is_empty()) {
            (None, _) => {
                item.set(
                    "replication",
                    Item::missing(format!(
                        "multi-az or single-az: `multi_az` of {addr} is unknown at plan"
                    )),
                );
                item.set("primary", Item::scalar(region.name.as_str()));
            }
            (Some(m), false) => {
                item.set("replication", Item::scalar("active-passive"));
                item.set(
                    "primary",
                    Item::scalar(region.name.as_str()).with_comment(primary_note),
                );
                item.set(
                    "standby_in_region",
                    Item::scalar(m).with_comment("multi_az"),
                );
                item.set(
                    "replicas",
                    Item::strings(&replicas).with_comment(format!(
                        "cross-region read replicas: {}",
                        from[1..].join(", ")
                    )),
                );
                item.set(
                    "failover",
                    Item::scalar("manual")
                        .with_comment("a cross-region RDS replica is promoted by an operator"),
                );
            }
            (Some(true), true) => {
                item.set(
                    "replication",
                    Item::scalar("multi-az").with_comment("multi_az = true"),
                );
                item.set(
                    "primary",
                    Item::scalar(region.name.as_str()).with_comment(primary_note),
                );
            }
            (Some(false), true) => {
                item.set(
                    "replication",
                    Item::scalar("single-az").with_comment("multi_az is false or unset"),
                );
            }
        }
        if multi_az == Some(false) && replicas.is_empty() {
            match &az {
                Some(a) => {
                    d.az(&region.name, a, &addr);
                    item.set("az", Item::scalar(a.as_str()));
                }
                None => match assumed_az(d, &region.name) {
                    Some(a) => {
                        cx.warn(
                            p,
                            "import-az-assumed",
                            format!(
                                "a single-AZ instance whose AZ RDS picks at apply: modelled in {a} (any AZ of equal availability gives the same figures); set `availability_zone` to pin it"
                            ),
                        );
                        d.az(&region.name, &a, &addr);
                        item.set(
                            "az",
                            Item::scalar(a.as_str())
                                .with_comment("assumed: RDS picks the AZ at apply"),
                        );
                    }
                    None => {
                        item.set(
                            "az",
                            Item::missing(format!(
                                "one AZ of {}: RDS picks the AZ of {addr} at apply",
                                region.name
                            )),
                        );
                    }
                },
            }
        } else if let Some(a) = &az {
            d.az(&region.name, a, &addr);
            item.set("primary_az", Item::scalar(a.as_str()));
        }
        if !in_region.is_empty() {
            item.comment = Some(format!(
                "{addr}; same-region read replicas not modelled: {}",
                in_region.join(", ")
            ));
        } else {
            item.comment = Some(addr.clone());
        }
        let refs: Vec<&str> = from.iter().map(String::as_str).collect();
        d.origin(&format!("datastores.{sid}"), &refs);
        d.datastores.insert(sid, item);
    }
}

/// The AZ a store whose AZ is picked at apply is modelled in: the region's first AZ in the
/// plan, else the first of its stand-in AZs.
fn assumed_az(d: &Draft, region: &str) -> Option<String> {
    if let Some((azs, _)) = d.regions.get(region)
        && let Some(a) = azs.first()
    {
        return Some(a.clone());
    }
    super::regions::is_aws_region(region).then(|| format!("{region}a"))
}

fn aurora(cx: &mut Ctx, d: &mut Draft) {
    let clusters = cx.of_type("aws_rds_cluster");
    let mut instances: IndexMap<usize, usize> = IndexMap::new();
    for i in cx.of_type("aws_rds_cluster_instance") {
        if let Some(c) = referenced(cx, i, "cluster_identifier", "aws_rds_cluster", &clusters) {
            *instances.entry(c).or_default() += 1;
        }
    }
    let globals = cx.of_type("aws_rds_global_cluster");
    let mut members: IndexMap<usize, Vec<usize>> = IndexMap::new();
    let mut standalone = Vec::new();
    for &c in &clusters {
        let global = referenced(
            cx,
            c,
            "global_cluster_identifier",
            "aws_rds_global_cluster",
            &globals,
        );
        match global {
            Some(g) => members.entry(g).or_default().push(c),
            None => standalone.push(c),
        }
    }
    for c in standalone {
        let addr = cx.res[c].address.clone();
        let Some(region) = cx.region(c) else { continue };
        d.region(&region.name, &addr);
        let n = instances.get(&c).copied().unwrap_or(0);
        let sid = d.free_id(&cx.res[c].name);
        let mut item = Item::map().with_comment(format!("{addr} (Aurora, {n} instance(s))"));
        item.set(
            "replication",
            Item::scalar("multi-az").with_comment("Aurora storage spans three AZs"),
        );
        item.set("primary", Item::scalar(region.name.as_str()));
        item.set(
            "standby_in_region",
            Item::scalar(n >= 2).with_comment("a second instance to fail over to"),
        );
        item.set(
            "promotion",
            Item::scalar("35s").with_comment("Aurora fails over in about 30 s"),
        );
        d.origin(&format!("datastores.{sid}"), &[&addr]);
        d.datastores.insert(sid, item);
    }
    for (g, ms) in members {
        let gaddr = cx.res[g].address.clone();
        // The primary: the member the global cluster was made from, else the one that sets the
        // master user (secondaries cannot), else the first.
        let source = cx.refs(g, &["source_db_cluster_identifier"]);
        let primary = ms
            .iter()
            .copied()
            .find(|m| source.contains(m))
            .or_else(|| {
                ms.iter()
                    .copied()
                    .find(|&m| !matches!(cx.val(m, &["master_username"]), Val::Unset))
            })
            .unwrap_or(ms[0]);
        let Some(pregion) = cx.region(primary) else {
            continue;
        };
        let mut from = vec![gaddr.clone(), cx.res[primary].address.clone()];
        d.region(&pregion.name, &cx.res[primary].address.clone());
        let mut replicas = Vec::new();
        for &m in &ms {
            if m == primary {
                continue;
            }
            let maddr = cx.res[m].address.clone();
            if let Some(r) = cx.region(m) {
                d.region(&r.name, &maddr);
                if r.name != pregion.name && !replicas.contains(&r.name) {
                    replicas.push(r.name);
                }
                from.push(maddr);
            }
        }
        let sid = d.free_id(&cx.res[g].name);
        let n = instances.get(&primary).copied().unwrap_or(0);
        let mut item =
            Item::map().with_comment(format!("{} (Aurora global database)", short_list(&from)));
        if replicas.is_empty() {
            item.set("replication", Item::scalar("multi-az"));
            item.set("primary", Item::scalar(pregion.name.as_str()));
        } else {
            item.set("replication", Item::scalar("active-passive"));
            item.set("primary", Item::scalar(pregion.name.as_str()));
            item.set("replicas", Item::strings(&replicas));
            item.set(
                "failover",
                Item::scalar("manual")
                    .with_comment("an operator starts the global database failover"),
            );
        }
        item.set(
            "standby_in_region",
            Item::scalar(n >= 2).with_comment(format!("{n} instance(s) in the primary cluster")),
        );
        let refs: Vec<&str> = from.iter().map(String::as_str).collect();
        d.origin(&format!("datastores.{sid}"), &refs);
        d.datastores.insert(sid, item);
    }
}

/// The resource of type `rtype` that attribute `key` of resource `i` names: a reference in the
/// configuration, else a literal identifier equal to a candidate's `key` or `id` (a cluster
/// named by its identifier string, as modules often pass it).
fn referenced(cx: &Ctx, i: usize, key: &str, rtype: &str, candidates: &[usize]) -> Option<usize> {
    cx.refs(i, &[key])
        .into_iter()
        .find(|&j| cx.res[j].rtype == rtype)
        .or_else(|| {
            let s = cx.val(i, &[key]);
            let s = s.as_str()?;
            candidates.iter().copied().find(|&c| {
                cx.val(c, &[key]).as_str() == Some(s) || cx.val(c, &["id"]).as_str() == Some(s)
            })
        })
}

fn region_list(cx: &Ctx, i: usize, block: &str, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    for k in 0..64 {
        let ks = k.to_string();
        match cx.val(i, &[block, &ks, key]) {
            Val::Known(Value::String(s)) if !s.is_empty() => out.push(s),
            Val::Unset if cx.val(i, &[block, &ks]) == Val::Unset => break,
            _ => {}
        }
    }
    out
}

fn dynamodb(cx: &mut Ctx, d: &mut Draft) {
    let mut tables = cx.of_type("aws_dynamodb_table");
    tables.extend(cx.of_type("aws_dynamodb_global_table"));
    for t in tables {
        let addr = cx.res[t].address.clone();
        let Some(region) = cx.region(t) else { continue };
        d.region(&region.name, &addr);
        let mut regions = vec![region.name.clone()];
        for r in region_list(cx, t, "replica", "region_name") {
            d.region(&r, &addr);
            if !regions.contains(&r) {
                regions.push(r);
            }
        }
        let sid = d.free_id(&cx.res[t].name);
        let pitr = cx
            .val(t, &["point_in_time_recovery", "0", "enabled"])
            .as_bool()
            == Some(true);
        let mut item = Item::map().with_comment(format!(
            "{addr} (DynamoDB{})",
            if pitr {
                ", point-in-time recovery on"
            } else {
                ""
            }
        ));
        if regions.len() > 1 {
            item.set(
                "replication",
                Item::scalar("active-active").with_comment("global table replicas"),
            );
            item.set("regions", Item::strings(&regions));
        } else {
            item.set(
                "replication",
                Item::scalar("multi-az").with_comment("a regional table spans the region's AZs"),
            );
            item.set("primary", Item::scalar(region.name.as_str()));
            item.set(
                "promotion",
                Item::scalar("0s").with_comment("no failover step"),
            );
        }
        d.origin(&format!("datastores.{sid}"), &[&addr]);
        d.datastores.insert(sid, item);
    }
}

fn elasticache(cx: &mut Ctx, d: &mut Draft) {
    let groups = cx.of_type("aws_elasticache_replication_group");
    let globals = cx.of_type("aws_elasticache_global_replication_group");
    let mut in_global: IndexMap<usize, (usize, Vec<usize>)> = IndexMap::new();
    for &g in &globals {
        if let Some(&p) = cx
            .refs(g, &["primary_replication_group_id"])
            .iter()
            .find(|&&j| cx.res[j].rtype == "aws_elasticache_replication_group")
        {
            in_global.insert(g, (p, Vec::new()));
        }
    }
    for &r in &groups {
        for g in cx.refs(r, &["global_replication_group_id"]) {
            if let Some(e) = in_global.get_mut(&g) {
                e.1.push(r);
            }
        }
    }
    let members: Vec<usize> = in_global
        .values()
        .flat_map(|(p, s)| std::iter::once(*p).chain(s.iter().copied()))
        .collect();
    for r in groups {
        if members.contains(&r) {
            continue;
        }
        let addr = cx.res[r].address.clone();
        let Some(region) = cx.region(r) else { continue };
        let nodes = cx
            .val(r, &["number_cache_clusters"])
            .as_f64()
            .or_else(|| cx.val(r, &["num_cache_clusters"]).as_f64())
            .or_else(|| {
                let g = cx.val(r, &["num_node_groups"]).as_f64()?;
                let rep = cx
                    .val(r, &["replicas_per_node_group"])
                    .as_f64()
                    .unwrap_or(0.0);
                Some(g * (1.0 + rep))
            })
            .unwrap_or(1.0);
        let auto = cx.val(r, &["automatic_failover_enabled"]).as_bool() == Some(true);
        let azs = cx.azs(r);
        let sid = d.free_id(&cx.res[r].name);
        let mut item = Item::map().with_comment(format!(
            "{addr} (ElastiCache, {nodes} node(s), automatic failover {})",
            if auto { "on" } else { "off" }
        ));
        if auto && nodes >= 2.0 {
            d.region(&region.name, &addr);
            item.set("replication", Item::scalar("multi-az"));
            item.set("primary", Item::scalar(region.name.as_str()));
            if let Some(a) = azs.first() {
                d.az(&region.name, a, &addr);
                item.set("primary_az", Item::scalar(a.as_str()));
            }
        } else {
            item.set("replication", Item::scalar("single-az"));
            match azs.first() {
                Some(a) => {
                    d.az(&region.name, a, &addr);
                    item.set("az", Item::scalar(a.as_str()));
                }
                None => {
                    d.region(&region.name, &addr);
                    item.set(
                        "az",
                        Item::missing(format!(
                            "one AZ of {}: the plan does not place {addr}",
                            region.name
                        )),
                    );
                }
            }
        }
        item.set("ephemeral", Item::scalar(true).with_comment("a cache"));
        d.origin(&format!("datastores.{sid}"), &[&addr]);
        d.datastores.insert(sid, item);
    }
    for (g, (p, secondaries)) in in_global {
        let gaddr = cx.res[g].address.clone();
        let Some(pregion) = cx.region(p) else {
            continue;
        };
        d.region(&pregion.name, &gaddr);
        let mut replicas = Vec::new();
        for s in secondaries {
            let saddr = cx.res[s].address.clone();
            if let Some(r) = cx.region(s) {
                d.region(&r.name, &saddr);
                if r.name != pregion.name && !replicas.contains(&r.name) {
                    replicas.push(r.name);
                }
            }
        }
        let sid = d.free_id(&cx.res[g].name);
        let mut item = Item::map().with_comment(format!("{gaddr} (ElastiCache global datastore)"));
        item.set("replication", Item::scalar("active-passive"));
        item.set("primary", Item::scalar(pregion.name.as_str()));
        item.set("replicas", Item::strings(&replicas));
        item.set(
            "failover",
            Item::scalar("manual").with_comment("a secondary is promoted by an operator"),
        );
        item.set("ephemeral", Item::scalar(true));
        d.origin(&format!("datastores.{sid}"), &[&gaddr]);
        d.datastores.insert(sid, item);
    }
}

fn s3(cx: &mut Ctx, d: &mut Draft) {
    // (source bucket, destination buckets, replication time control, configured at)
    let mut pairs: Vec<(usize, Vec<usize>, bool, String)> = Vec::new();
    for b in cx.of_type("aws_s3_bucket") {
        let (dests, rtc) = replication_rules(cx, b, &["replication_configuration", "0", "rules"]);
        if !dests.is_empty() {
            let a = cx.res[b].address.clone();
            pairs.push((b, dests, rtc, a));
        }
    }
    for c in cx.of_type("aws_s3_bucket_replication_configuration") {
        let Some(&src) = cx.refs(c, &["bucket"]).first() else {
            continue;
        };
        let (dests, rtc) = replication_rules(cx, c, &["rule"]);
        let a = cx.res[c].address.clone();
        pairs.push((src, dests, rtc, a));
    }
    for (src, dests, rtc, via) in pairs {
        let addr = cx.res[src].address.clone();
        let Some(region) = cx.region(src) else {
            continue;
        };
        d.region(&region.name, &addr);
        let mut replicas = Vec::new();
        for dst in dests {
            if let Some(r) = cx.region(dst) {
                d.region(&r.name, &cx.res[dst].address.clone());
                if r.name != region.name && !replicas.contains(&r.name) {
                    replicas.push(r.name);
                }
            }
        }
        let sid = d.free_id(&cx.res[src].name);
        let mut item = Item::map().with_comment(format!("{addr} (S3, replication by {via})"));
        if replicas.is_empty() {
            item.set("replication", Item::scalar("multi-az"));
            item.set("primary", Item::scalar(region.name.as_str()));
        } else {
            item.set("replication", Item::scalar("active-passive"));
            item.set("primary", Item::scalar(region.name.as_str()));
            item.set("replicas", Item::strings(&replicas));
            item.set("failover", Item::scalar("manual"));
            if rtc {
                item.set(
                    "lag",
                    Item::scalar("15m")
                        .with_comment("S3 Replication Time Control: 99.99 % within 15 min"),
                );
            } else {
                item.set(
                    "lag",
                    Item::missing(
                        "the replication lag you accept: S3 replication without RTC has no bound",
                    ),
                );
            }
        }
        d.origin(&format!("datastores.{sid}"), &[&addr, &via]);
        d.datastores.insert(sid, item);
    }
}

/// The destination buckets of an S3 replication configuration's rules (the first 16 under
/// `prefix`: inline on the bucket, or in a separate `aws_s3_bucket_replication_configuration`),
/// and whether a rule turns on replication time control.
fn replication_rules(cx: &Ctx, i: usize, prefix: &[&str]) -> (Vec<usize>, bool) {
    let mut dests = Vec::new();
    let mut rtc = false;
    for k in 0..16 {
        let ks = k.to_string();
        let mut destination: Vec<&str> = prefix.to_vec();
        destination.extend([ks.as_str(), "destination", "0"]);
        dests.extend(cx.refs(i, &[destination.as_slice(), &["bucket"]].concat()));
        let status = [destination.as_slice(), &["replication_time", "0", "status"]].concat();
        if cx.val(i, &status).as_str() == Some("Enabled") {
            rtc = true;
        }
    }
    (dests, rtc)
}

/// Routing: Route 53 record groups with a routing policy, else Global Accelerator, else a
/// CloudFront origin group (noted only).
pub fn routing(cx: &mut Ctx, d: &mut Draft) {
    if route53(cx, d) {
        return;
    }
    global_accelerator(cx, d);
}

/// The region a record or endpoint points at, through its references.
fn target_region(cx: &mut Ctx, i: usize, paths: &[&[&str]]) -> Option<String> {
    for p in paths {
        for j in cx.refs(i, p) {
            if matches!(
                cx.res[j].rtype.as_str(),
                "aws_route53_zone" | "aws_route53_health_check"
            ) {
                continue;
            }
            if let Some(r) = cx.region(j) {
                return Some(r.name);
            }
        }
    }
    None
}

fn route53(cx: &mut Ctx, d: &mut Draft) -> bool {
    let records = cx.of_type("aws_route53_record");
    // Group by name and type; the first group with a routing policy decides.
    let mut groups: IndexMap<(String, String), Vec<(usize, &'static str)>> = IndexMap::new();
    for r in records {
        let policy = [
            ("failover_routing_policy", "failover"),
            ("latency_routing_policy", "latency"),
            ("geolocation_routing_policy", "geolocation"),
            ("weighted_routing_policy", "weighted"),
            ("geoproximity_routing_policy", "geoproximity"),
        ]
        .iter()
        .find(|(k, _)| !matches!(cx.val(r, &[k, "0"]), Val::Unset))
        .map(|(_, p)| *p);
        let Some(policy) = policy else { continue };
        let name = cx.val(r, &["name"]).as_str().unwrap_or("?").to_string();
        let rtype = cx.val(r, &["type"]).as_str().unwrap_or("?").to_string();
        groups.entry((name, rtype)).or_default().push((r, policy));
    }
    let Some(((name, rtype), members)) = groups.into_iter().next() else {
        return false;
    };
    let policy = members[0].1;
    let mut item = Item::map();
    let addrs: Vec<String> = members
        .iter()
        .map(|(r, _)| cx.res[*r].address.clone())
        .collect();
    let mut ttl: Option<f64> = None;
    let mut alias = false;
    let mut interval: Option<f64> = None;
    let mut threshold: Option<f64> = None;
    let mut primary: Option<String> = None;
    let mut order: Vec<String> = Vec::new();
    let mut primary_checked = false;
    let mut regions: Vec<String> = Vec::new();
    for &(r, _) in &members {
        if let Some(t) = cx.val(r, &["ttl"]).as_f64().filter(|t| *t > 0.0) {
            ttl = Some(ttl.map_or(t, |x: f64| x.max(t)));
        }
        if !matches!(cx.val(r, &["alias", "0"]), Val::Unset) {
            alias = true;
        }
        let mut checked = cx
            .val(r, &["alias", "0", "evaluate_target_health"])
            .as_bool()
            == Some(true);
        for h in cx.refs(r, &["health_check_id"]) {
            if cx.res[h].rtype != "aws_route53_health_check" {
                continue;
            }
            checked = true;
            let iv = cx.val(h, &["request_interval"]).as_f64().unwrap_or(30.0);
            let th = cx.val(h, &["failure_threshold"]).as_f64().unwrap_or(3.0);
            interval = Some(interval.map_or(iv, |x: f64| x.max(iv)));
            threshold = Some(threshold.map_or(th, |x: f64| x.max(th)));
        }
        if !checked && cx.val(r, &["health_check_id"]).as_str().is_some() {
            checked = true;
        }
        let region = target_region(cx, r, &[&["records"], &["alias", "0", "name"]]).or_else(|| {
            cx.val(r, &["latency_routing_policy", "0", "region"])
                .as_str()
                .map(str::to_string)
        });
        let Some(region) = region else {
            cx.warn(
                r,
                "import-target-unknown",
                "the region this record points at is not found (its target is not a resource of this plan): set `routing` in the overlay",
            );
            continue;
        };
        d.region(&region, &cx.res[r].address.clone());
        if !regions.contains(&region) {
            regions.push(region.clone());
        }
        if policy == "failover" {
            let kind = cx
                .val(r, &["failover_routing_policy", "0", "type"])
                .as_str()
                .unwrap_or("")
                .to_ascii_uppercase();
            if kind == "PRIMARY" {
                primary = Some(region);
                primary_checked = checked;
            } else if !order.contains(&region) {
                order.push(region);
            }
        }
    }
    let kind = if policy == "failover" {
        "failover-dns"
    } else {
        "geodns"
    };
    item.set(
        "kind",
        Item::scalar(kind).with_comment(format!("Route 53 {policy} records for {name} {rtype}")),
    );
    if policy == "failover" {
        match &primary {
            Some(p) => {
                item.set("primary", Item::scalar(p.as_str()));
                order.retain(|r| r != p);
                item.set("failover_order", Item::strings(&order));
            }
            None => {
                item.set(
                    "primary",
                    Item::missing("the region of the PRIMARY record (not found in the plan)"),
                );
            }
        }
        if primary.is_some() && !primary_checked {
            item.set(
                "failover",
                Item::scalar("manual").with_comment(
                    "the PRIMARY record has no health check: Route 53 never fails it over by itself",
                ),
            );
        }
    } else if policy != "latency" {
        item.comment = Some(format!(
            "Route 53 {policy} routing read as nearest-region routing (drplan has no {policy} kind)"
        ));
    }
    match (ttl, alias) {
        (Some(t), _) => {
            item.set(
                "ttl",
                Item::scalar(format!("{t}s")).with_comment("record ttl"),
            );
        }
        (None, true) => {
            item.set(
                "ttl",
                Item::scalar("60s").with_comment(
                    "alias records answer with the target's TTL (60 s for a load balancer)",
                ),
            );
        }
        (None, false) => {}
    }
    if let (Some(iv), Some(th)) = (interval, threshold) {
        item.set(
            "health_check",
            health_check("request_interval x failure_threshold", iv, th),
        );
    }
    let refs: Vec<&str> = addrs.iter().map(String::as_str).collect();
    d.origin("routing", &refs);
    item.comment = Some(match item.comment.take() {
        Some(c) => format!("{}; {c}", short_list(&addrs)),
        None => short_list(&addrs),
    });
    d.routing = Some(item);
    true
}

fn global_accelerator(cx: &mut Ctx, d: &mut Draft) {
    let groups = cx.of_type("aws_globalaccelerator_endpoint_group");
    if groups.is_empty() {
        return;
    }
    let mut interval: f64 = 0.0;
    let mut threshold: f64 = 0.0;
    let mut addrs = Vec::new();
    for g in groups {
        let addr = cx.res[g].address.clone();
        interval = interval.max(
            cx.val(g, &["health_check_interval_seconds"])
                .as_f64()
                .unwrap_or(30.0),
        );
        threshold = threshold.max(cx.val(g, &["threshold_count"]).as_f64().unwrap_or(3.0));
        match cx.val(g, &["endpoint_group_region"]).as_str() {
            Some(r) => {
                let r = r.to_string();
                d.region(&r, &addr);
            }
            None => {
                if let Some(r) = cx.region(g) {
                    d.region(&r.name, &addr);
                }
            }
        }
        addrs.push(addr);
    }
    let mut item = Item::map().with_comment(short_list(&addrs));
    item.set(
        "kind",
        Item::scalar("anycast").with_comment("Global Accelerator"),
    );
    item.set(
        "health_check",
        health_check(
            "health_check_interval_seconds x threshold_count",
            interval,
            threshold,
        ),
    );
    let refs: Vec<&str> = addrs.iter().map(String::as_str).collect();
    d.origin("routing", &refs);
    d.routing = Some(item);
}

/// `routing.health_check` from the provider's interval (seconds) and failure threshold, the
/// comment naming the provider's keys (`what`) and the detection time they give.
fn health_check(what: &str, interval: f64, threshold: f64) -> Item {
    let mut hc =
        Item::map().with_comment(format!("{what} = {} s of detection", interval * threshold));
    hc.set("interval", Item::scalar(format!("{interval}s")));
    hc.set("failure_threshold", Item::scalar(threshold));
    hc
}

/// CloudFront origin groups: noted (a per-request origin failover in front of the regions).
pub fn cloudfront_notes(cx: &mut Ctx, d: &mut Draft) {
    for c in cx.of_type("aws_cloudfront_distribution") {
        if !matches!(cx.val(c, &["origin_group", "0"]), Val::Unset) {
            d.notes.push(format!(
                "{}: a CloudFront origin group fails over per request between its origins",
                cx.res[c].address
            ));
        }
    }
}
