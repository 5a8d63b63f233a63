//! MODEL.md §12 computed by hand: every tier's capacity, call fractions, partial dependencies,
//! the per-tier scale term and its shortfall weight, `degraded_s`, `min_served` and the
//! bottleneck. Same conventions as tests/hand_computed.rs (D = 30 s, ttl 60 s, stale 0.02 for
//! 900 s; AZ mttr 4 h = 14400 s, region 8 h = 28800 s, link 2 h = 7200 s, external 1 h = 3600 s).
//! Fixtures: tests/fixtures/hand/{tiers,tiers_scale,partial,tiers_globallb}.yaml.

use serde_json::{Value, json};

use crate::common::scenario;
use crate::hand_computed::{down, num, outcome, report};

/// The bottleneck of a scenario as (service, region, pass ratio).
#[track_caller]
fn bottleneck(s: &Value, service: &str, region: Option<&str>, pass: f64) {
    let b = &s["bottleneck"];
    assert_eq!(b["service"], service, "{} bottleneck service", s["id"]);
    assert_eq!(
        b["region"],
        region.map_or(Value::Null, |r| json!(r)),
        "{} bottleneck region",
        s["id"]
    );
    num(b, "pass_ratio", pass);
}

/// tiers.yaml: web (400 rps an instance, $1/h) 1 per AZ in a and b -> api (100 rps, $2/h) 3 per
/// AZ in a, 2 per AZ in b -> worker (900 rps, $0) only in a1. ua at a, ub at b, 0.5 each, peak
/// 1000: each region's load is 500. Call fractions are all 1 (§12.1).
/// With nothing failed: web 800 >= 500 in each region; api a 600 >= 500, api b 400 < 500 (pass
/// 0.8); worker is usable only in a, so σ_worker(a) = σ_worker(b) = a and it is offered
/// 500 + 500 = 1000 > 900 (pass 0.9): b's calls overload a (§12.2).
#[test]
fn a_tier_short_in_one_region_and_a_tier_called_cross_region() {
    let r = report("tiers");
    // az:a2: a keeps a1: web 400 for 500 (pass 0.8, short 100: ceil(100/400) = 1 x $1), api
    // 300 for 500 (pass 0.6, short 200: 2 x $2 = 4), worker still 900 for 1000 (0.9, $0); api
    // b 400 for 500 (0.8, 1 x $2 = 2). ρ_a = min(0.8, 0.6, 0.9) = 0.6, ρ_b = min(1, 0.8, 0.9)
    // = 0.8; served = 0.5 x 0.6 + 0.5 x 0.8 = 0.7; surge 1 + 4 + 2 + 0 = 7.
    // ua lost one of a's two entry instances: t = D = 30, i = 30 x 1/2 = 15; impact 0.5 x 15.
    let s = scenario(&r, "az:a2");
    outcome(s, "degraded");
    num(s, "served_fraction", 0.7);
    num(s, "surge_cost_per_hour", 7.0);
    num(s, "rto_s", 30.0);
    num(s, "impact_s", 7.5);
    bottleneck(s, "api", Some("a"), 0.6);
    // A degraded scenario stays degraded until repair: degraded_s = W = 14400 (§12.5).
    num(s, "degraded_s", 14400.0);
    // az:b1: web b 400 for 500 (0.8, $1), api b 200 for 500 (0.4, short 300: 3 x $2 = 6),
    // worker 0.9. ρ_a = min(1, 1, 0.9) = 0.9 (api a 600 >= 500), ρ_b = 0.4.
    // served = 0.5 x 0.9 + 0.5 x 0.4 = 0.65; surge 1 + 6 = 7. The same tier (api) is short in
    // b and not in a.
    let s = scenario(&r, "az:b1");
    num(s, "served_fraction", 0.65);
    num(s, "surge_cost_per_hour", 7.0);
    bottleneck(s, "api", Some("b"), 0.4);
    // region:b: ub shifts to a (t = D + ttl = 90; i = 60 + stale 0.02 x (30 + 900 - 90) = 16.8).
    // a carries 1000: web 800 (0.8, short 200: 1 x $1), api 600 (0.6, short 400: 4 x $2 = 8),
    // worker 900 (0.9, $0). Two tiers short at once: surge 1 + 8 = 9. ρ_a = 0.6: served 0.6.
    // Impact = 0.5 x 60 + 0.5 x 16.8 = 38.4.
    let s = scenario(&r, "region:b");
    outcome(s, "degraded");
    num(s, "served_fraction", 0.6);
    num(s, "surge_cost_per_hour", 9.0);
    num(s, "rto_s", 90.0);
    num(s, "impact_s", 38.4);
    bottleneck(s, "api", Some("a"), 0.6);
    num(s, "degraded_s", 28800.0);
    // az:a1 takes worker's only AZ: worker is usable nowhere, so api and web are usable
    // nowhere: down for W = 14400 (§3.3, §3.9), degraded_s = RTO.
    let s = scenario(&r, "az:a1");
    down(s, 14400.0, 0.0, 1000.0);
    num(s, "degraded_s", 14400.0);
    assert!(
        s["bottleneck"].is_null(),
        "a down scenario has no bottleneck"
    );
}

/// The same fixture gates `min_served: 0.65` over `survive: [az, region]` (§12.6): az:b1 and
/// az:b2 serve exactly 0.65 (a value equal to its limit passes), az:a2 0.7 passes, region:b 0.6
/// and the down az:a1 and region:a (served 0) breach. link:a~b (0.6) is not gated.
#[test]
fn min_served_breaches_below_its_limit_only() {
    let r = report("tiers");
    let b = r["objectives"]["breaches"]
        .as_array()
        .expect("breaches is an array");
    let got: Vec<(String, Value, Value)> = b
        .iter()
        .map(|x| {
            (
                x["objective"].as_str().unwrap_or("?").to_owned(),
                x["scenario"].clone(),
                x["actual"].clone(),
            )
        })
        .collect();
    let expected = vec![
        ("survive".to_owned(), json!("az:a1"), json!("down")),
        ("survive".to_owned(), json!("region:a"), json!("down")),
        ("min_served".to_owned(), json!("az:a1"), json!(0.0)),
        ("min_served".to_owned(), json!("region:a"), json!(0.0)),
        ("min_served".to_owned(), json!("region:b"), json!(0.6)),
    ];
    assert_eq!(got, expected);
    for x in b.iter().filter(|x| x["objective"] == "min_served") {
        assert_eq!(x["limit"], json!(0.65));
    }
    assert_eq!(r["objectives"]["passed"], false);
}

/// tiers_scale.yaml: failover-dns a -> b, u (share 1) at a, peak 1000. web 1000 rps in each
/// region -> api (100 rps) 10 in a, 8 in b with scale_to 12, scale_up 20m; web also needs
/// search for 10% of requests ({fraction: 0.1}: call fraction 0.1): 10 x 10 rps in a, 5 in b
/// with scale_to 10, scale_up 10m.
#[test]
fn each_tier_scales_and_is_charged_its_shortfall_of_the_wait() {
    let r = report("tiers_scale");
    // region:a: u shifts to b: t = D + ttl = 90, i = D + ttl/2 = 60. b's api is offered 1000 >
    // 800 steady: it scales to 1200 (pass 1); its scale term is D + 20m = 30 + 1200 = 1230 in
    // t_u, and 1230 x (1000 - 800)/1000 = 1230 x 0.2 = 246 in i_u (the region needed 20% more
    // capacity: it is charged 20% of the wait). search is offered 0.1 x 1000 = 100 > 50 steady:
    // it scales to 100; as a partial tier it adds to i_u only: (30 + 600) x (100 - 50)/100 x 0.1
    // = 630 x 0.5 x 0.1 = 31.5. t_u = max(90, 1230) = 1230; i_u = max(60, 246) + 31.5 = 277.5;
    // stale tail 0.02 x max(0, 30 + 900 - 1230) = 0. Everything fits after scaling: up.
    let s = scenario(&r, "region:a");
    outcome(s, "up");
    num(s, "served_fraction", 1.0);
    num(s, "rto_s", 1230.0);
    num(s, "impact_s", 277.5);
    num(s, "failed_requests", 277_500.0);
    num(s, "dns_exposure_s", 90.0);
    num(s, "degraded_s", 0.0);
    assert!(
        s["bottleneck"].is_null(),
        "nothing falls short after scaling"
    );
    // region:b: the standby is lost, u stays on a: nothing to wait for.
    let s = scenario(&r, "region:b");
    num(s, "rto_s", 0.0);
    num(s, "impact_s", 0.0);
}

/// partial.yaml: web (1000 rps, 1 per AZ in a and b) needs api, idp for 10% and the search
/// store for 50%; api (1000 rps, 1 per AZ) needs db and recs for 30% (a nested partial
/// service: call fraction 1 x 0.3); recs (100 rps, 3 in a2 only) needs the ephemeral cache
/// (single-az a1). db: active-passive a -> b (primary_az a1, in-region standby); search:
/// multi-az in a, primary_az a2. ua at a, ub at b, 0.5 each, peak 1000. recs is offered 0.3 x
/// 1000 = 300 = its capacity: never short.
#[test]
fn partial_dependencies_lower_the_served_fraction_instead_of_taking_everything_down() {
    let r = report("partial");
    // external:idp: idp fails for every region; it counts (web lists it): factor 1 - 0.1.
    // Version 1 would call this down; now served 0.9, degraded for W = 3600. Nothing moves: RTO
    // and impact 0 (the lost requests are in the expected served fraction, §12.5).
    let s = scenario(&r, "external:idp");
    outcome(s, "degraded");
    num(s, "served_fraction", 0.9);
    num(s, "rto_s", 0.0);
    num(s, "impact_s", 0.0);
    num(s, "degraded_s", 3600.0);
    assert!(s["bottleneck"].is_null(), "no tier is short of capacity");
    // az:a1: cache (a1) has no home and waits, so recs is usable nowhere: recs counts (0.3);
    // cache is reached only through recs, a partial item not usable: it does not count again
    // (an unusable subtree counts once, at its top). Factor 0.7, not 0.7 x 0.7.
    // db loses primary_az a1: in-region promotion, 60 s, required: t_u and i_u >= 60 for both
    // groups. ua also lost one of two entry instances (30; 15). RTO 60, impact 60.
    let s = scenario(&r, "az:a1");
    outcome(s, "degraded");
    num(s, "served_fraction", 0.7);
    num(s, "rto_s", 60.0);
    num(s, "impact_s", 60.0);
    // az:a2: recs loses its instances (factor 0.7). search loses primary_az a2 and promotes
    // in-region in 60 s: a partial store that recovers adds c x time = 0.5 x 60 = 30 to i_u
    // of every group that reaches it, and nothing to t_u. ua: t = 30 (AZ), i = 15 + 30 = 45;
    // ub: t = 0, i = 0 + 30 = 30. RTO 30, impact 0.5 x 45 + 0.5 x 30 = 37.5.
    let s = scenario(&r, "az:a2");
    num(s, "served_fraction", 0.7);
    num(s, "rto_s", 30.0);
    num(s, "impact_s", 37.5);
    // region:a: ua shifts to b (90; 60 + stale 0.02 x 840 = 16.8). db promotes b: D + 60 = 90,
    // loss lag 1 s. search has no home (no backups: it waits; adds nothing to i_u): factor 0.5;
    // recs is usable nowhere: 0.7. ρ_b = 0.5 x 0.7 = 0.35 = served. t_u = 90 for both (db is
    // required); i: ua max(90, 60) = 90, ub 90; impact 90 + 0.5 x 16.8 = 98.4. RPO 1.
    let s = scenario(&r, "region:a");
    outcome(s, "degraded");
    num(s, "served_fraction", 0.35);
    num(s, "rto_s", 90.0);
    num(s, "impact_s", 98.4);
    num(s, "rpo_s", 1.0);
    // corruption:search: no backups, so the store is lost (RPO null), but only the half of
    // requests that use it fail: served 0.5, not down.
    let s = scenario(&r, "corruption:search");
    outcome(s, "degraded");
    num(s, "served_fraction", 0.5);
    assert!(s["rpo_s"].is_null(), "a lost store's RPO is null");
}

/// tiers_globallb.yaml: global-lb; web 600 rps, 1 per region (pooled 1200); api 100 rps ($2/h),
/// 6 in a (600) and 3 in b (300); ua at a, ub at b, 0.5 each, peak 1000. web pools, api does
/// not: with nothing failed api b is offered 500 for 300 (pass 0.6).
#[test]
fn global_lb_pools_the_entry_but_not_a_short_tier_behind_it() {
    let r = report("tiers_globallb");
    // link:a~b: both regions serve their own group as with nothing failed: pooled web 1200 for
    // 1000 (pass 1), api a 1; api b 0.6 (short 200: 2 x $2 = 4). served 0.5 + 0.5 x 0.6 = 0.8.
    let s = scenario(&r, "link:a~b");
    num(s, "served_fraction", 0.8);
    num(s, "surge_cost_per_hour", 4.0);
    bottleneck(s, "api", Some("b"), 0.6);
    // region:a: ua moves to b in D = 30 (global-lb). Pooled web 600 for 1000 (0.6; short 400:
    // ceil(400/600) = 1 x $1); api b 300 for 1000 (0.3; short 700: 7 x $2 = 14). ρ_b = min(0.6,
    // 0.3) = 0.3 = served; surge 15; impact 0.5 x 30 = 15.
    let s = scenario(&r, "region:a");
    num(s, "served_fraction", 0.3);
    num(s, "surge_cost_per_hour", 15.0);
    num(s, "rto_s", 30.0);
    num(s, "impact_s", 15.0);
    bottleneck(s, "api", Some("b"), 0.3);
    // region:b: a carries 1000: pooled web 0.6 (region null) and api a 600/1000 = 0.6 tie;
    // ties go by service id: api < web.
    let s = scenario(&r, "region:b");
    num(s, "served_fraction", 0.6);
    num(s, "surge_cost_per_hour", 9.0);
    bottleneck(s, "api", Some("a"), 0.6);
}
