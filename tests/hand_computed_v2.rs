//! Version 2 of the reference model computed by hand: control planes and who performs failover
//! (MODEL.md §10) and changes (§11), each value with its arithmetic.
//!
//! Same conventions as `hand_computed.rs`: D = 10 s x 3 = 30 s, ttl 60 s, stale clients 0.02
//! for 900 s, promotion 60 s, mttr region 8 h = 28800 s, AZ 4 h = 14400 s, external and control
//! plane 1 h = 3600 s; regions on the equator (a = [0, 0], b = [0, 10], c = [0, 25]) with users at
//! their locations. A change lasts T = detect + rollback (§11.1); `bad` defaults to 0.05,
//! `detect` to 10 m and `rollback` to 15 m, so T = 1500 s by default.
//! - AMBIGUOUS: the (1 - served_fraction) x T addition of §11.4 applies to the targets §11.4
//!   names (routing, health-checked services); with `health_checked: false` the failed requests
//!   are already b_u x T, so nothing is added.

use std::path::PathBuf;

use serde_json::{Value, json};

use crate::common::{analyze_json, drplan, root, scenario};

/// `tests/fixtures/hand/NAME.yaml`.
fn fixture(name: &str) -> PathBuf {
    root().join(format!("tests/fixtures/hand/{name}.yaml"))
}

fn report(name: &str) -> Value {
    analyze_json(fixture(name))
}

/// Analyzes a copy of a fixture with `from` replaced by `to` (a variant of one key).
fn variant(name: &str, from: &str, to: &str) -> Value {
    let text = std::fs::read_to_string(fixture(name)).expect("the fixture reads");
    assert!(text.contains(from), "{name}.yaml contains {from:?}");
    analyze_text(name, &text.replacen(from, to, 1))
}

/// Analyzes `text` written to a temporary file named `name.yaml`.
fn analyze_text(name: &str, text: &str) -> Value {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(format!("{name}.yaml"));
    std::fs::write(&path, text).expect("the text is written");
    analyze_json(&path)
}

/// `drplan validate` on a variant; returns its standard error.
fn validate_variant(name: &str, from: &str, to: &str) -> String {
    let text = std::fs::read_to_string(fixture(name)).expect("the fixture reads");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(format!("{name}.yaml"));
    std::fs::write(&path, text.replacen(from, to, 1)).expect("the variant is written");
    let out = drplan()
        .args(["validate", "--color", "never"])
        .arg(&path)
        .output()
        .expect("drplan runs");
    assert_eq!(out.status.code(), Some(0), "the variant is valid");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[track_caller]
fn num(s: &Value, key: &str, expected: f64) {
    let v = &s[key];
    let a = v
        .as_f64()
        .unwrap_or_else(|| panic!("{} {key}: expected {expected}, found {v}", s["id"]));
    assert!(
        (a - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{} {key}: expected {expected}, found {a}",
        s["id"]
    );
}

#[track_caller]
fn outcome(s: &Value, expected: &str) {
    assert_eq!(s["outcome"], expected, "{} outcome", s["id"]);
}

/// Outcome, RTO, impact (and failed_requests = 1000 x impact: every fixture has peak 1000),
/// served fraction and blast radius.
#[track_caller]
fn figures(s: &Value, out: &str, rto: f64, impact: f64, served: f64, blast: f64) {
    outcome(s, out);
    num(s, "rto_s", rto);
    num(s, "impact_s", impact);
    num(s, "failed_requests", 1000.0 * impact);
    num(s, "served_fraction", served);
    num(s, "blast_radius", blast);
}

fn breaches(r: &Value) -> Vec<(String, Option<String>)> {
    r["objectives"]["breaches"]
        .as_array()
        .expect("breaches")
        .iter()
        .map(|b| {
            (
                b["objective"].as_str().unwrap_or("?").to_string(),
                b["scenario"].as_str().map(str::to_string),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// §11: changes (v2_changes.yaml: web 500 rps per instance, one per AZ in a (a1, a2) and in b
// (b1, b2); ua at a 0.6, ub at b 0.4; peak 1000; geodns; api behind web with one instance in
// a1, a2 and b1).
// ---------------------------------------------------------------------------------------------

/// Waves reached (§11.1): wave i starts at (i - 1) x bake and is reached when it starts
/// strictly before `detect`.
#[test]
fn waves_reached_stop_at_detect_and_a_start_equal_to_detect_is_not_reached() {
    let r = report("v2_changes");
    // staged: waves [a1], [a2], [b]; bake 10 m; detect 20 m = 1200 s; rollback 10 m.
    // Wave 1 at 0 (always), wave 2 at 600 < 1200 (reached), wave 3 at 1200, not < 1200.
    // T = 1200 + 600 = 1800. Broken: a1 and a2 = both web instances of a.
    // ua (served by a): b = 2/2 = 1; ub (served by b): b = 0. Nothing moves (health_checked
    // false). served = 0.6 x 1 x (1 - 1) + 0.4 x 1 x (1 - 0) = 0.4; degraded (some b > 0).
    // t_ua = T = 1800; i_ua = 1 x 1800; impact = 0.6 x 1800 = 1080. RTO 1800.
    // blast radius: ua has i > 0: 0.6. frequency = 100 x 0.05 x (1 - 0.2) = 4.
    let s = scenario(&r, "change:staged");
    figures(s, "degraded", 1800.0, 1080.0, 0.4, 0.6);
    assert_eq!(s["class"], "change");
    assert_eq!(s["failed"], json!([]));
    assert_eq!(s["waves_reached"], 2);
    num(s, "frequency_per_year", 4.0);
    num(s, "dns_exposure_s", 0.0);
    num(s, "rpo_s", 0.0);
    // Nothing moved: latency as with nothing failed (users at their region: RTT 0).
    num(s, "worst_rtt_ms", 0.0);
    // staged-slower: detect 1201 s, so wave 3 (at 1200 < 1201) is reached: every web instance
    // is broken, every b_u = 1: down. RTO = impact = T = 1201 + 600 = 1801.
    // frequency = 10 x 0.1 x (1 - 0) = 1; blast 1.
    let s = scenario(&r, "change:staged-slower");
    figures(s, "down", 1801.0, 1801.0, 0.0, 1.0);
    assert_eq!(s["waves_reached"], 3);
    num(s, "frequency_per_year", 1.0);
    assert!(s["worst_rtt_ms"].is_null());
    assert!(s["surge_cost_per_hour"].is_null());
}

/// The latent scenario reaches every wave (§11.1) and has frequency per_year x bad x latent
/// (§11.6).
#[test]
fn latent_faults_reach_every_wave() {
    let r = report("v2_changes");
    // staged, latent 0.2: all 3 waves, every web instance broken: down, RTO = impact = T = 1800.
    // frequency = 100 x 0.05 x 0.2 = 1.
    let s = scenario(&r, "change:staged:latent");
    figures(s, "down", 1800.0, 1800.0, 0.0, 1.0);
    assert_eq!(s["waves_reached"], 3);
    num(s, "frequency_per_year", 1.0);
    // No latent scenario without `latent`.
    assert!(
        r["scenarios"]
            .as_array()
            .expect("scenarios")
            .iter()
            .all(|s| s["id"] != "change:az-wave:latent")
    );
}

/// An AZ wave breaks part of a region's entry instances: b_u is the broken fraction.
#[test]
fn an_az_wave_breaks_part_of_a_regions_entry_instances() {
    let r = report("v2_changes");
    // az-wave: [a1], detect 5 m, rollback 5 m: T = 600. ua: b = 1 broken of 2 = 0.5.
    // served = 0.6 x 0.5 + 0.4 = 0.7; impact = 0.6 x 0.5 x 600 = 180; RTO 600; blast 0.6.
    // frequency = 20 x 0.05 = 1.
    let s = scenario(&r, "change:az-wave");
    figures(s, "degraded", 600.0, 180.0, 0.7, 0.6);
    assert_eq!(s["waves_reached"], 1);
    num(s, "frequency_per_year", 1.0);
}

/// A service behind the entry: b_u = call fraction (1) x broken instances / instances in the
/// region the group's region calls it in.
#[test]
fn a_non_entry_service_target_fails_the_requests_that_reach_broken_instances() {
    let r = report("v2_changes");
    // api-push: waves [a1], [b], bake 1 h, detect 10 m: only wave 1 (b starts at 3600 >= 600).
    // T = 600 + 900 = 1500. ua is served by a, where api is usable: 1 broken of 2 (a1, a2):
    // b = 0.5. ub is served by b, where api is usable (b1, not broken): b = 0.
    // served = 0.6 x 0.5 + 0.4 = 0.7; impact = 0.6 x 0.5 x 1500 = 450; RTO 1500.
    // frequency = 40 x 0.025 = 1.
    let s = scenario(&r, "change:api-push");
    figures(s, "degraded", 1500.0, 450.0, 0.7, 0.6);
    num(s, "frequency_per_year", 1.0);
}

/// health_checked: true. Broken instances count as instances in a failed AZ (§11.2), W = T
/// and the impact adds (1 - served) x T (§11.4).
#[test]
fn health_checked_breakage_is_routed_around_like_a_failed_az() {
    let r = report("v2_changes");
    // hc-az: [a1] broken, T = 600. a keeps web in a2: capacity 500 for load 0.6 x 1000 = 600:
    // short by 100, served = (500 + 400) / 1000 = 0.9, degraded; surge ceil(100 / 500) = 1
    // instance x $2 = 2. ua stays on a, which lost 1 of its 2 entry instances to breakage:
    // t = D = 30, i = 30 x 1/2 = 15. impact = 0.6 x 15 + (1 - 0.9) x 600 = 9 + 60 = 69.
    // blast: ua (i > 0, and its region short): 0.6.
    let s = scenario(&r, "change:hc-az");
    figures(s, "degraded", 30.0, 69.0, 0.9, 0.6);
    num(s, "surge_cost_per_hour", 2.0);
    num(s, "dns_exposure_s", 0.0);
    // hc-region: wave [a] (b starts at 1 h, after detect 5 m). a has no healthy web: ua is
    // routed to b (geodns): shift t = D + ttl = 90, i = D + ttl/2 = 60. b: load 1000,
    // capacity 1000: served 1, nothing added. Stale tail: its end D + 900 = 930 is capped at
    // T = 600: 0.6 x 0.02 x max(0, 600 - 90) = 6.12. impact = 0.6 x 60 + 6.12 = 42.12.
    // DNS exposure = min(D + ttl, T) = 90. blast 0.6 (ub untouched).
    let s = scenario(&r, "change:hc-region");
    figures(s, "up", 90.0, 42.12, 1.0, 0.6);
    num(s, "dns_exposure_s", 90.0);
    assert_eq!(s["served_by"]["ua"], "b");
}

/// §11.4: every time is capped at T, the stale tail and DNS exposure included.
#[test]
fn every_time_is_capped_at_the_change_duration() {
    let r = report("v2_changes");
    // hc-fast: as hc-region with detect 30 s, rollback 30 s: T = 60.
    // t_ua = min(90, 60) = 60; i_ua = min(60, 60) = 60; tail end min(930, 60) = 60:
    // max(0, 60 - 60) = 0. impact = 0.6 x 60 = 36. DNS exposure min(90, 60) = 60.
    let s = scenario(&r, "change:hc-fast");
    figures(s, "up", 60.0, 36.0, 1.0, 0.6);
    num(s, "dns_exposure_s", 60.0);
}

/// Routing and datastore targets (§11.3).
#[test]
fn routing_and_datastore_targets() {
    let r = report("v2_changes");
    // edge: routing fails for T = 600 + 900 = 1500: down, RTO = impact = 1500.
    // frequency = 6 x 0.05 = 0.3; waves_reached null.
    let s = scenario(&r, "change:edge");
    figures(s, "down", 1500.0, 1500.0, 0.0, 1.0);
    assert!(s["waves_reached"].is_null());
    assert!(
        s.as_object()
            .is_some_and(|o| o.contains_key("waves_reached"))
    );
    num(s, "frequency_per_year", 0.3);
    // migration: as corruption:db. Backups in b (alive): restore, time manual_decision +
    // restore = 600 + 1800 = 2400, loss interval 3600, home b. W = 0, no cap. web in a calls
    // db in b; both regions serve: up, t_u = 2400 for everyone, impact 2400, blast 1.
    let s = scenario(&r, "change:migration");
    figures(s, "up", 2400.0, 2400.0, 1.0, 1.0);
    num(s, "rpo_s", 3600.0);
    assert!(s["waves_reached"].is_null());
    let corruption = scenario(&r, "corruption:db");
    for key in ["rto_s", "rpo_s", "impact_s", "served_fraction"] {
        assert_eq!(s[key], corruption[key], "{key} as corruption:db");
    }
    // archive-fix: archive has no backups: lost. Impact null, RPO null, and it adds nothing
    // to the change downtime (below).
    let s = scenario(&r, "change:archive-fix");
    assert!(s["impact_s"].is_null());
    assert!(s["failed_requests"].is_null());
    assert!(s["rpo_s"].is_null());
    num(s, "frequency_per_year", 0.6);
    assert!(r["summary"]["worst_rpo_s"].is_null());
}

/// §11.6: change downtime a year, and how it enters §5.
#[test]
fn change_downtime_enters_effective_availability_only() {
    let r = report("v2_changes");
    // frequency x impact, seconds a year:
    //   staged 4 x 1080 = 4320; staged:latent 1 x 1800 = 1800; staged-slower 1 x 1801 = 1801;
    //   az-wave 1 x 180 = 180; api-push 1 x 450 = 450; hc-az 0.5 x 69 = 34.5;
    //   hc-region 0.5 x 42.12 = 21.06; hc-fast 0.5 x 36 = 18; edge 0.3 x 1500 = 450;
    //   migration 0.6 x 2400 = 1440; archive-fix: null impact, nothing.
    //   sum = 10514.56 s = 175.24266... minutes a year.
    let seconds = 10514.56;
    num(
        &r["summary"],
        "change_downtime_minutes_per_year",
        seconds / 60.0,
    );
    // Without the changes: the steady-state figures are the same, the effective availability
    // is higher by exactly 10514.56 / 31557600 and the downtime lower by 175.24 minutes.
    let text = std::fs::read_to_string(fixture("v2_changes")).expect("the fixture reads");
    let cut = text.find("\nchanges:").expect("the fixture has changes");
    let without = analyze_text("v2_changes", &text[..cut + 1]);
    num(&without["summary"], "change_downtime_minutes_per_year", 0.0);
    let (a, b) = (&r["summary"], &without["summary"]);
    for key in [
        "availability",
        "full_capacity_availability",
        "expected_served_fraction",
    ] {
        assert_eq!(a[key], b[key], "{key} does not count changes");
    }
    let f = |v: &Value, k: &str| v[k].as_f64().expect("a number");
    let drop = f(b, "effective_availability") - f(a, "effective_availability");
    assert!(
        (drop - seconds / 31_557_600.0).abs() < 1e-12,
        "effective availability drops by {drop}"
    );
    let more = f(a, "downtime_minutes_per_year") - f(b, "downtime_minutes_per_year");
    assert!(
        (more - seconds / 60.0).abs() < 1e-6,
        "downtime grows by {more}"
    );
}

/// `max_blast_radius` (every change scenario, gated or not) and `max_change_downtime` (minutes
/// a year, from a duration), each at, below and above its limit.
#[test]
fn change_objectives_at_below_and_above_their_limits() {
    // Only az-wave (blast 0.6, 1 x 180 s = 3 minutes a year) and edge (blast 1, 0.3 x 1500 =
    // 450 s = 7.5 minutes a year) are kept: 10.5 minutes a year in all. No `survive` of class
    // change: max_blast_radius applies anyway.
    let text = std::fs::read_to_string(fixture("v2_changes")).expect("the fixture reads");
    let cut = text.find("\nchanges:").expect("the fixture has changes");
    let changes = "changes:
  az-wave:
    target: service:web
    per_year: 20
    waves: [[a1]]
    detect: 5m
    rollback: 5m
  edge:
    target: routing
    per_year: 6
";
    let with = |objectives: &str| {
        analyze_text(
            "v2_objectives",
            &format!("{}{changes}objectives:\n{objectives}", &text[..cut + 1]),
        )
    };
    let b = |id: &str| ("max_blast_radius".to_string(), Some(id.to_string()));
    // At the limit (1 for edge): no breach.
    assert_eq!(breaches(&with("  max_blast_radius: 1\n")), vec![]);
    // Below az-wave's 0.6: both break it, in id order.
    assert_eq!(
        breaches(&with("  max_blast_radius: 0.5\n")),
        vec![b("change:az-wave"), b("change:edge")]
    );
    // Equal to az-wave's 0.6: only edge.
    let r = with("  max_blast_radius: 0.6\n");
    assert_eq!(breaches(&r), vec![b("change:edge")]);
    let breach = &r["objectives"]["breaches"][0];
    assert_eq!(breach["limit"], json!(0.6));
    assert_eq!(breach["actual"], json!(1.0));
    // max_change_downtime: 10.5 minutes a year = 630 s. A limit of 630 s passes, 629 s fails.
    let d = ("max_change_downtime".to_string(), None);
    assert_eq!(breaches(&with("  max_change_downtime: 630s\n")), vec![]);
    assert_eq!(breaches(&with("  max_change_downtime: 11m\n")), vec![]);
    let r = with("  max_change_downtime: 629s\n");
    assert_eq!(breaches(&r), vec![d]);
    let breach = &r["objectives"]["breaches"][0];
    num(breach, "limit", 629.0 / 60.0);
    num(breach, "actual", 10.5);
    assert!(breach["scenario"].is_null());
    // Gated when `change` is in survive: edge is down.
    let r = with("  survive: [change]\n  rto: 10m\n");
    assert_eq!(
        breaches(&r),
        vec![
            ("survive".to_string(), Some("change:edge".to_string())),
            ("rto".to_string(), Some("change:edge".to_string())),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// §10: control planes.
// ---------------------------------------------------------------------------------------------

/// §10.4-5 under geodns: routing needs dns-api, hosted in a. Losing a also loses dns-api:
/// ua (before: a) is stuck; ub and uc keep their regions.
#[test]
fn stuck_groups_under_geodns_and_their_share_left_out_of_the_penalty() {
    let r = report("v2_stuck_geodns");
    // region:a: W = 28800. ua stuck: t = i = W; ub, uc unmoved. served = 0.3 + 0.2 = 0.5,
    // degraded (a group is stuck). RTO 28800, impact 0.5 x 28800 = 14400, DNS exposure 0
    // (stuck groups do not count), blast 0.5, frozen [dns-api] (b and c serve).
    let s = scenario(&r, "region:a");
    figures(s, "degraded", 28800.0, 14400.0, 0.5, 0.5);
    num(s, "dns_exposure_s", 0.0);
    assert_eq!(s["stuck"], json!(["ua"]));
    assert_eq!(s["frozen"], json!(["dns-api"]));
    assert!(s["served_by"]["ua"].is_null());
    assert_eq!(s["residency_violations"], json!([]));
    // control:dns-api alone (availability 1, still evaluated): nothing to move, up, not frozen.
    let s = scenario(&r, "control:dns-api");
    figures(s, "up", 0.0, 0.0, 1.0, 0.0);
    assert_eq!(s["frozen"], json!([]));
    // §5: only region a can fail (every other availability is 1). availability = 1 (never
    // down), full capacity = 0.9999, expected served = 0.9999 + 0.0001 x 0.5 = 0.99995.
    // The penalty: f_a x impact(region:a) with the stuck group's i_u at 0 = f_a x 0 = 0, so
    // effective = 0.99995 (counting it would take 0.1095750 x 14400 / 31557600 = 5e-5 more).
    let sum = &r["summary"];
    num(sum, "availability", 1.0);
    num(sum, "full_capacity_availability", 0.9999);
    num(sum, "expected_served_fraction", 0.99995);
    num(sum, "effective_availability", 0.99995);
    // static_stability: region:a (gated by survive: [region]) has a frozen action.
    assert_eq!(
        breaches(&r),
        vec![("static_stability".to_string(), Some("region:a".to_string()))]
    );
    assert_eq!(r["objectives"]["breaches"][0]["actual"], json!(["dns-api"]));
}

/// §10.4-5 under failover-dns: every group was on a; with dns-api down in a, all are stuck:
/// down.
#[test]
fn stuck_groups_under_failover_dns_make_the_scenario_down() {
    let r = report("v2_stuck_failover");
    // region:a: both groups stuck: down, RTO = impact = W = 28800; stuck lists them anyway.
    let s = scenario(&r, "region:a");
    figures(s, "down", 28800.0, 28800.0, 0.0, 1.0);
    assert_eq!(s["stuck"], json!(["ua", "ub"]));
    assert_eq!(s["frozen"], json!(["dns-api"]));
    assert!(
        r["summary"]["single_points_of_failure"]
            .as_array()
            .expect("spofs")
            .contains(&json!("region:a"))
    );
    // Under anycast the requires list is ignored (with a warning): each group picks its
    // nearest serving region, so ub was on b already; region:a shifts ua to b after
    // D + convergence = 90. b: 2 x 500 = 1000 for load 1000: up.
    // impact = 0.6 x 90 = 54 (no DNS refinement, no tail under anycast); blast 0.6.
    let stderr = validate_variant("v2_stuck_failover", "kind: failover-dns", "kind: anycast");
    assert!(stderr.contains("`requires` is ignored"), "{stderr}");
    let r = variant("v2_stuck_failover", "kind: failover-dns", "kind: anycast");
    let s = scenario(&r, "region:a");
    figures(s, "up", 90.0, 54.0, 1.0, 0.6);
    assert_eq!(s["stuck"], json!([]));
    assert_eq!(s["frozen"], json!([]));
}

/// §10.4: manual routing failover: D + manual_decision + ttl, and the decision delays the
/// scale-up of the region the groups shift to.
#[test]
fn manual_routing_failover_waits_for_the_decision() {
    let r = report("v2_manual");
    // region:a: both groups shift to b. S = D + 900 + 60 = 990; in the impact
    // D + 900 + 30 = 960. b: steady 500 for load 1000 with scale_to 1000: scales, started
    // after the decision: D + 900 + 600 = 1530. t = max(990, 1530) = 1530. In the impact the
    // scale term is weighted by b's shortfall before scaling (§12.5): (1000 - 500) / 1000 =
    // 0.5, so i = max(960, 1530 x 0.5 = 765) = 960.
    // Stale tail: max(0, D + 900 + 900 - 1530) = 300 x 0.02 = 6 (shares sum to 1).
    // impact = 960 + 6 = 966; DNS exposure = D + 900 + 60 = 990.
    let s = scenario(&r, "region:a");
    figures(s, "up", 1530.0, 966.0, 1.0, 1.0);
    num(s, "dns_exposure_s", 990.0);
    // An AZ of a: no routing shift, no decision: the AZ term D = 30, i = 30 x 1/2 = 15.
    let s = scenario(&r, "az:a1");
    figures(s, "degraded", 30.0, 15.0, 0.5, 1.0);
    // Under anycast and global-lb `failover` and `manual_decision` are ignored (warnings):
    // anycast: shift D + 60 = 90, scale D + 600 = 630: t = 630; i = max(90, 630 x 0.5) = 315
    // (§12.5 weight 0.5 as above), no tail.
    let text_from = "kind: failover-dns";
    for (kind, rto, impact) in [("anycast", 630.0, 315.0), ("global-lb", 630.0, 315.0)] {
        let stderr = validate_variant("v2_manual", text_from, &format!("kind: {kind}"));
        assert!(
            stderr.contains("`failover` is ignored")
                && stderr.contains("`manual_decision` is ignored"),
            "{kind}: {stderr}"
        );
        let r = variant("v2_manual", text_from, &format!("kind: {kind}"));
        let s = scenario(&r, "region:a");
        // global-lb: shift D = 30, scale 630: t = 630; the weight is the pooled shortfall
        // before scaling, (1000 - 500) / 1000 = 0.5 (only b is alive): i = max(30, 315) = 315.
        figures(s, "up", rto, impact, 1.0, 1.0);
        num(s, "dns_exposure_s", 0.0);
    }
}

/// §10.2-3: promotions, restores and scale-ups that need a control plane that is down.
#[test]
fn promotions_restores_and_scaling_blocked_by_control_planes() {
    let r = report("v2_recovery");
    // region:a (everything needed is up): db promotes to b: D + 60 = 90, loss lag 1 s; ledger
    // (a2) restores in b: 300 + 300 = 600 < W = 28800, loss 3600. Routing shifts both groups
    // to b: S = 90, i = 60. b: steady 500 for 1000, scales (compute-b up): D + 600 = 630,
    // weighted in the impact by its shortfall before scaling (§12.5), 500 / 1000: 315.
    // t = max(90, 600, 90, 630) = 630; i = max(90, 600, 60, 315) = 600; tail 0.02 x max(0,
    // 930 - 630) = 6. impact 606.
    let s = scenario(&r, "region:a");
    figures(s, "up", 630.0, 606.0, 1.0, 1.0);
    num(s, "rpo_s", 3600.0);
    assert_eq!(s["frozen"], json!([]));
    // region:a + compute-b down: b cannot scale and keeps its steady 500: served 0.5,
    // degraded, surge ceil(500 / 500) x $1 = 1. No scale term: t = max(90, 600) = 600,
    // i = max(60, 600) = 600; tail 0.02 x (930 - 600) = 6.6; impact 606.6.
    let s = scenario(&r, "region-a-compute-b-down");
    figures(s, "degraded", 600.0, 606.6, 0.5, 1.0);
    num(s, "surge_cost_per_hour", 1.0);
    assert_eq!(s["frozen"], json!(["compute-b"]));
    // region:a + db-api down: db's promotion to b does not happen: no home, waits W =
    // max(28800, 3600); web is usable nowhere: down, RTO = impact = 28800, RPO 0 (ledger's
    // restore is frozen too: it waits, loss 0).
    let s = scenario(&r, "region-a-db-api-down");
    figures(s, "down", 28800.0, 28800.0, 0.0, 1.0);
    num(s, "rpo_s", 0.0);
    assert_eq!(s["frozen"], json!(["db-api"]));
    // az:a1 + db-api down: db lost its primary AZ; the in-region promotion needs db-api: it
    // waits W = max(14400, 3600) = 14400: down.
    let s = scenario(&r, "a1-db-api-down");
    figures(s, "down", 14400.0, 14400.0, 0.0, 1.0);
    assert_eq!(s["frozen"], json!(["db-api"]));
    // az:a2 alone: ledger restores in b (600 < 14400), loss 3600; web in a keeps 1 of 2
    // instances: served 0.5. t = max(D = 30, 600) = 600 = i.
    let s = scenario(&r, "az:a2");
    figures(s, "degraded", 600.0, 600.0, 0.5, 1.0);
    num(s, "rpo_s", 3600.0);
    // az:a2 + db-api down: the restore restore-or-wait chose does not happen: waits, no home:
    // down, RTO 14400, RPO 0.
    let s = scenario(&r, "a2-db-api-down");
    figures(s, "down", 14400.0, 14400.0, 0.0, 1.0);
    num(s, "rpo_s", 0.0);
    assert_eq!(s["frozen"], json!(["db-api"]));
    // A control plane down alone freezes nothing that runs.
    for id in ["control:db-api", "control:compute-b"] {
        let s = scenario(&r, id);
        figures(s, "up", 0.0, 0.0, 1.0, 0.0);
        assert_eq!(s["class"], "control");
        assert_eq!(s["frozen"], json!([]));
    }
    // static_stability breaches: the custom scenarios (always gated) with a frozen action,
    // in id order; region:a (gated by survive: [region]) has none.
    let ss: Vec<String> = breaches(&r)
        .into_iter()
        .filter(|(o, _)| o == "static_stability")
        .filter_map(|(_, s)| s)
        .collect();
    assert_eq!(
        ss,
        vec![
            "a1-db-api-down",
            "a2-db-api-down",
            "region-a-compute-b-down",
            "region-a-db-api-down"
        ]
    );
}

/// `static_stability` at its limit: without a frozen gated scenario it passes; a frozen
/// scenario of a class not gated does not count.
#[test]
fn static_stability_counts_gated_scenarios_only() {
    // v2_stuck_geodns with survive [az]: region:a (frozen) is not gated, az:a1 is and it is
    // frozen too (a's only AZ: a dies, dns-api with it).
    let r = variant("v2_stuck_geodns", "survive: [region]", "survive: [link]");
    assert_eq!(breaches(&r), vec![]);
    let r = variant("v2_stuck_geodns", "survive: [region]", "survive: [az]");
    assert_eq!(
        breaches(&r),
        vec![("static_stability".to_string(), Some("az:a1".to_string()))]
    );
}

/// §5 and §10.1: control planes enter the exact availability like every component, and a
/// control plane hosted in a region fails with it.
#[test]
fn exact_availability_counts_control_planes_and_their_regions() {
    // q_a = 0.001, q_b = 0.01, q_c (db-api) = 0.1. a up: db home a, served: up. a down, b up:
    // db promotes to b only with db-api up; else it waits and nothing serves. b down too: down.
    // P(down) = q_a x (p_b x q_c + q_b) = 0.001 x (0.99 x 0.1 + 0.01) = 1.09e-4.
    let r = report("v2_availability");
    let sum = &r["summary"];
    assert_eq!(sum["availability_method"], "enumeration");
    num(sum, "unavailability", 1.09e-4);
    num(sum, "availability", 1.0 - 1.09e-4);
    // Hosted in b: db-api is down whenever b is; the same states are down (b down is down
    // anyway): 1.09e-4 again.
    let r = variant(
        "v2_availability",
        "db-api: { availability: 0.9 }",
        "db-api: { availability: 0.9, region: b }",
    );
    num(&r["summary"], "unavailability", 1.09e-4);
    // Hosted in a, the region whose failure needs it: every failure of a is down:
    // P(down) = q_a = 0.001; the promotion is frozen in region:a.
    let r = variant(
        "v2_availability",
        "db-api: { availability: 0.9 }",
        "db-api: { availability: 0.9, region: a }",
    );
    num(&r["summary"], "unavailability", 0.001);
    let s = scenario(&r, "region:a");
    outcome(s, "down");
    assert_eq!(s["frozen"], json!(["db-api"]));
    // control:db-api is a single component: its own scenario, in the cut sets with region:a.
    let sets: Vec<Value> = r["minimal_cut_sets"]["sets"]
        .as_array()
        .expect("cut sets")
        .iter()
        .map(|s| s["components"].clone())
        .collect();
    assert!(sets.contains(&json!(["region:a"])), "{sets:?}");
    let r = report("v2_availability");
    let sets: Vec<Value> = r["minimal_cut_sets"]["sets"]
        .as_array()
        .expect("cut sets")
        .iter()
        .map(|s| s["components"].clone())
        .collect();
    assert!(
        sets.contains(&json!(["control:db-api", "region:a"])),
        "{sets:?}"
    );
}

/// Above 22 components the factored method would have to condition on control planes; it
/// declines, and the most probable states (docs/availability.md, method 3) give figures that
/// include them: exact here (reliable components leave far less than 1e-12 out), and lower
/// than the same topology's without the control plane, whose loss with r0 now freezes routing.
#[test]
fn large_topologies_with_control_planes_get_figures_that_include_them() {
    // 3 regions of 6 AZs, fully linked: 3 + 18 + 3 links + routing + 1 control plane = 26
    // components.
    let mut text = String::from("version: 1\nregions:\n");
    for i in 0..3 {
        let azs: Vec<String> = (0..6).map(|k| format!("r{i}z{k}: {{}}")).collect();
        text.push_str(&format!(
            "  r{i}: {{ location: [0, {}], azs: {{ {} }} }}\n",
            i * 5,
            azs.join(", ")
        ));
    }
    text.push_str("links:\n  - { between: [r0, r1], availability: 1 }\n  - { between: [r1, r2], availability: 1 }\n  - { between: [r0, r2], availability: 1 }\n");
    text.push_str(
        "control_planes:\n  dns-api: { region: r0 }\nrouting: { kind: geodns, requires: [dns-api] }\n\
         users:\n  u: { location: [0, 0], share: 1 }\ndemand: { peak_rps: 100 }\n\
         services:\n  web:\n    entry: true\n    capacity_per_instance: 100\n    placement:\n",
    );
    for i in 0..3 {
        text.push_str(&format!("      r{i}: {{ per_az: 1 }}\n"));
    }
    let r = analyze_text("large-control", &text);
    let sum = &r["summary"];
    assert_eq!(sum["availability_method"], "most-probable-states", "{sum}");
    assert!(
        sum["availability_error_bound"].as_f64().unwrap() <= 1e-12,
        "{sum}"
    );
    assert!(sum.get("availability_note").is_none(), "{sum}");
    let with_control = sum["availability"].as_f64().unwrap();
    // Without the control plane the same topology is computed (factored).
    let plain = text
        .replace("control_planes:\n  dns-api: { region: r0 }\n", "")
        .replace(", requires: [dns-api]", "");
    let r = analyze_text("large-plain", &plain);
    assert_eq!(r["summary"]["availability_method"], "factored");
    let without = r["summary"]["availability"].as_f64().unwrap();
    assert!(
        with_control < without,
        "with the control plane {with_control}, without {without}"
    );
}
