//! Google Cloud and Azure resources that decide disaster recovery (MAPPING.md, last table):
//! Cloud SQL, Spanner, global forwarding rules, Traffic Manager and Cosmos DB.

use super::context::{Ctx, Val};
use super::draft::{Draft, short_list};
use super::tree::Item;

pub fn google(cx: &mut Ctx, d: &mut Draft) {
    let sql = cx.of_type("google_sql_database_instance");
    for &i in &sql {
        let addr = cx.res[i].address.clone();
        let master = cx.val(i, &["master_instance_name"]);
        if !matches!(master, Val::Unset) {
            let source_here = !cx.refs(i, &["master_instance_name"]).is_empty()
                || sql.iter().any(|&j| {
                    j != i && master.as_str().is_some() && cx.val(j, &["name"]) == master
                });
            if source_here {
                continue; // a replica: folded into its primary below
            }
            cx.warn(
                i,
                "import-replica-source",
                "a read replica whose primary instance is not in this plan: imported as its own store",
            );
        }
        let Some(region) = cx.region(i) else { continue };
        d.region(&region.name, &addr);
        let mut replicas = Vec::new();
        for &j in &sql {
            let points_here = cx.refs(j, &["master_instance_name"]).contains(&i)
                || (cx.val(j, &["master_instance_name"]).as_str().is_some()
                    && cx.val(j, &["master_instance_name"]) == cx.val(i, &["name"]));
            if j != i
                && points_here
                && let Some(r) = cx.region(j)
            {
                let raddr = cx.res[j].address.clone();
                d.region(&r.name, &raddr);
                if r.name != region.name && !replicas.contains(&r.name) {
                    replicas.push(r.name);
                }
            }
        }
        let ha = cx.val(i, &["settings", "0", "availability_type"]).as_str() == Some("REGIONAL");
        let zone = cx
            .val(i, &["settings", "0", "location_preference", "0", "zone"])
            .as_str()
            .map(|z| z.rsplit('/').next().unwrap_or(z).to_string());
        let sid = d.free_id(&cx.res[i].name);
        let mut item = Item::map().with_comment(format!("{addr} (Cloud SQL)"));
        if !replicas.is_empty() {
            item.set("replication", Item::scalar("active-passive"));
            item.set("primary", Item::scalar(region.name.as_str()));
            item.set(
                "standby_in_region",
                Item::scalar(ha).with_comment("availability_type REGIONAL"),
            );
            item.set("replicas", Item::strings(&replicas));
            item.set(
                "failover",
                Item::scalar("manual")
                    .with_comment("a cross-region replica is promoted by an operator"),
            );
        } else if ha {
            item.set(
                "replication",
                Item::scalar("multi-az").with_comment("availability_type REGIONAL"),
            );
            item.set("primary", Item::scalar(region.name.as_str()));
        } else {
            item.set(
                "replication",
                Item::scalar("single-az").with_comment("availability_type ZONAL"),
            );
            match zone {
                Some(z) => {
                    d.az(&region.name, &z, &addr);
                    item.set("az", Item::scalar(z));
                }
                None => {
                    item.set(
                        "az",
                        Item::missing(format!(
                            "one zone of {}: the plan does not name it",
                            region.name
                        )),
                    );
                }
            }
        }
        d.origin(&format!("datastores.{sid}"), &[&addr]);
        d.datastores.insert(sid, item);
    }
    for i in cx.of_type("google_spanner_instance") {
        let addr = cx.res[i].address.clone();
        let config = cx.val(i, &["config"]);
        let Some(config) = config
            .as_str()
            .map(|c| c.rsplit('/').next().unwrap_or(c).to_string())
        else {
            cx.warn(
                i,
                "import-unknown-value",
                "the Spanner `config` is unknown at plan",
            );
            continue;
        };
        let sid = d.free_id(&cx.res[i].name);
        let mut item = Item::map().with_comment(format!("{addr} (Spanner {config})"));
        match config.strip_prefix("regional-") {
            Some(region) => {
                d.region(region, &addr);
                item.set(
                    "replication",
                    Item::scalar("multi-az")
                        .with_comment("regional Spanner: replicas in three zones"),
                );
                item.set("primary", Item::scalar(region));
                item.set(
                    "promotion",
                    Item::scalar("10s").with_comment("Paxos leader election"),
                );
            }
            None => {
                cx.warn(i, "import-multi-region-config", format!("Spanner multi-region configuration {config}: its member regions are not in the plan; give `regions` in the overlay"));
                item.set("replication", Item::scalar("consensus"));
                item.set(
                    "regions",
                    Item::missing(format!("the regions of the Spanner configuration {config}")),
                );
            }
        }
        d.origin(&format!("datastores.{sid}"), &[&addr]);
        d.datastores.insert(sid, item);
    }
    let rules = cx.of_type("google_compute_global_forwarding_rule");
    if d.routing.is_none() && !rules.is_empty() {
        let addrs: Vec<String> = rules.iter().map(|&r| cx.res[r].address.clone()).collect();
        let mut item = Item::map().with_comment(short_list(&addrs));
        item.set(
            "kind",
            Item::scalar("global-lb").with_comment("Google global load balancer"),
        );
        let refs: Vec<&str> = addrs.iter().map(String::as_str).collect();
        d.origin("routing", &refs);
        d.routing = Some(item);
    }
}

pub fn azure(cx: &mut Ctx, d: &mut Draft) {
    for i in cx.of_type("azurerm_cosmosdb_account") {
        let addr = cx.res[i].address.clone();
        let mut locs: Vec<(f64, String)> = Vec::new();
        for k in 0..32 {
            let ks = k.to_string();
            let Some(loc) = cx
                .val(i, &["geo_location", &ks, "location"])
                .as_str()
                .map(str::to_string)
            else {
                if cx.val(i, &["geo_location", &ks]) == Val::Unset {
                    break;
                }
                continue;
            };
            let prio = cx
                .val(i, &["geo_location", &ks, "failover_priority"])
                .as_f64()
                .unwrap_or(k as f64);
            locs.push((prio, loc.to_ascii_lowercase().replace(' ', "")));
        }
        locs.sort_by(|a, b| a.0.total_cmp(&b.0));
        let regions: Vec<String> = locs.into_iter().map(|(_, l)| l).collect();
        if regions.is_empty() {
            cx.warn(
                i,
                "import-region-unknown",
                "a Cosmos DB account with no known geo_location",
            );
            continue;
        }
        for r in &regions {
            d.region(r, &addr);
        }
        let multi_write = cx.val(i, &["multiple_write_locations_enabled"]).as_bool() == Some(true)
            || cx.val(i, &["enable_multiple_write_locations"]).as_bool() == Some(true);
        let auto = cx.val(i, &["automatic_failover_enabled"]).as_bool() == Some(true)
            || cx.val(i, &["enable_automatic_failover"]).as_bool() == Some(true);
        let sid = d.free_id(&cx.res[i].name);
        let mut item = Item::map().with_comment(format!("{addr} (Cosmos DB)"));
        if regions.len() == 1 {
            item.set("replication", Item::scalar("multi-az"));
            item.set("primary", Item::scalar(regions[0].as_str()));
        } else if multi_write {
            item.set(
                "replication",
                Item::scalar("active-active").with_comment("multiple write locations"),
            );
            item.set("regions", Item::strings(&regions));
        } else {
            item.set(
                "replication",
                Item::scalar("active-passive").with_comment("geo_location by failover_priority"),
            );
            item.set("primary", Item::scalar(regions[0].as_str()));
            item.set("replicas", Item::strings(&regions[1..]));
            item.set(
                "failover",
                Item::scalar(if auto { "automatic" } else { "manual" })
                    .with_comment("automatic failover setting"),
            );
        }
        d.origin(&format!("datastores.{sid}"), &[&addr]);
        d.datastores.insert(sid, item);
    }
    if d.routing.is_some() {
        return;
    }
    if let Some(&t) = cx.of_type("azurerm_traffic_manager_profile").first() {
        let addr = cx.res[t].address.clone();
        let method = cx
            .val(t, &["traffic_routing_method"])
            .as_str()
            .unwrap_or("")
            .to_string();
        let kind = if method == "Priority" {
            "failover-dns"
        } else {
            "geodns"
        };
        let mut item = Item::map().with_comment(addr.clone());
        item.set(
            "kind",
            Item::scalar(kind).with_comment(format!("Traffic Manager {method}")),
        );
        if let Some(ttl) = cx.val(t, &["dns_config", "0", "ttl"]).as_f64() {
            item.set("ttl", Item::scalar(format!("{ttl}s")));
        }
        let iv = cx
            .val(t, &["monitor_config", "0", "interval_in_seconds"])
            .as_f64();
        let tol = cx
            .val(t, &["monitor_config", "0", "tolerated_number_of_failures"])
            .as_f64();
        if let Some(iv) = iv {
            let mut hc = Item::map().with_comment("interval x (tolerated failures + 1)");
            hc.set("interval", Item::scalar(format!("{iv}s")));
            hc.set("failure_threshold", Item::scalar(tol.unwrap_or(3.0) + 1.0));
            item.set("health_check", hc);
        }
        d.origin("routing", &[&addr]);
        d.routing = Some(item);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::{Options, Side, import};

    /// No Azure plan is in the shared corpus: the mapping is checked on a plan shaped like
    /// the provider's documented attributes (MAPPING.md, last table).
    #[test]
    fn cosmos_db_and_traffic_manager() {
        let plan = json!({
            "format_version": "1.2",
            "resource_changes": [
                {"address": "azurerm_cosmosdb_account.db", "mode": "managed", "type": "azurerm_cosmosdb_account", "name": "db",
                 "change": {"actions": ["create"], "before": null, "after_unknown": {}, "after": {
                    "location": "West Europe", "enable_automatic_failover": true,
                    "geo_location": [
                        {"location": "francecentral", "failover_priority": 1},
                        {"location": "westeurope", "failover_priority": 0}
                    ]}}},
                {"address": "azurerm_traffic_manager_profile.tm", "mode": "managed", "type": "azurerm_traffic_manager_profile", "name": "tm",
                 "change": {"actions": ["create"], "before": null, "after_unknown": {}, "after": {
                    "traffic_routing_method": "Priority",
                    "dns_config": [{"relative_name": "shop", "ttl": 30}],
                    "monitor_config": [{"protocol": "HTTPS", "port": 443, "interval_in_seconds": 30, "tolerated_number_of_failures": 3}]}}}
            ]
        });
        let opts = Options {
            side: Side::After,
            default_region: None,
            source_name: "azure.json".into(),
            name: "azure".into(),
        };
        let out = import(plan.to_string().as_bytes(), None, &opts).unwrap();
        let t = out.text;
        assert!(
            t.contains("  db:  # azurerm_cosmosdb_account.db (Cosmos DB)"),
            "{t}"
        );
        assert!(t.contains("primary: westeurope"), "{t}");
        assert!(t.contains("replicas: [francecentral]"), "{t}");
        assert!(t.contains("failover: automatic"), "{t}");
        assert!(
            t.contains("kind: failover-dns  # Traffic Manager Priority"),
            "{t}"
        );
        assert!(t.contains("ttl: \"30s\""), "{t}");
        assert!(t.contains("interval: \"30s\""), "{t}");
        assert!(t.contains("failure_threshold: 4"), "{t}");
    }
}
