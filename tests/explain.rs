//! Issue 16, "every RTO and RPO explained": `rto_breakdown`, `rto_driver` and `rpo_driver` in the
//! JSON report, checked against `rto_s` and `rpo_s` on every scenario of every example and
//! against MODEL.md by hand; and `drplan explain`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{analyze_json, drplan, root, scenario};
use crate::examples::topologies;

/// Every example: `topologies/`, the reference examples of `../shared/spec` (when there) and the
/// hand-computed fixtures (many corner cases: stuck groups, manual routing, tiers, corruption).
fn every_example() -> Vec<PathBuf> {
    let mut files = topologies();
    for name in ["example.yaml", "example-v2.yaml"] {
        let path = root().join("../shared/spec").join(name);
        if path.exists() {
            files.push(path);
        } else if std::env::var_os("DRPLAN_REQUIRE_TOOLS").is_some() {
            panic!("../shared/spec/{name} is missing and DRPLAN_REQUIRE_TOOLS is set");
        } else {
            eprintln!("SKIPPED: ../shared/spec/{name} is not beside the repository");
        }
    }
    let mut hand: Vec<PathBuf> = std::fs::read_dir(root().join("tests/fixtures/hand"))
        .expect("tests/fixtures/hand exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    hand.sort();
    files.extend(hand);
    files
}

fn checked(path: &Path) -> drplan::pipeline::Checked {
    match drplan::pipeline::check_file(path, 10 << 20) {
        Ok(c) => c,
        Err(_) => panic!("{} validates", path.display()),
    }
}

/// `drplan analyze PATH -f json --max-failures 2`: every single failure and every pair.
fn analyze_pairs(path: &Path) -> Value {
    let out = drplan()
        .args([
            "analyze",
            "--format",
            "json",
            "--max-failures",
            "2",
            "--no-importance",
        ])
        .arg(path)
        .output()
        .expect("drplan runs");
    let code = out.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "{} exited {code}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON")
}

/// The sum of a breakdown's seconds, left to right.
fn breakdown_sum(s: &Value) -> f64 {
    s["rto_breakdown"]
        .as_array()
        .expect("rto_breakdown is an array")
        .iter()
        .map(|t| t["seconds"].as_f64().expect("seconds"))
        .fold(0.0, |a, b| a + b)
}

/// The checks every scenario of the JSON report must pass; `model` supplies each store's
/// `lag` and backup `interval`, so that `rpo_driver`'s reason is checked against the file.
fn check_scenario(file: &Path, model: &drplan::model::Model, s: &Value) {
    let id = format!("{}: {}", file.display(), s["id"]);
    let terms = s["rto_breakdown"].as_array().expect("rto_breakdown");
    for t in terms {
        assert!(
            t["seconds"].as_f64().unwrap() > 0.0,
            "{id}: a term of 0 s: {t}"
        );
        assert!(
            t["what"].as_str().is_some_and(|w| !w.is_empty()),
            "{id}: {t}"
        );
        assert!(t["term"].is_string(), "{id}: {t}");
    }
    match s["rto_s"].as_f64() {
        Some(rto) => {
            let sum = breakdown_sum(s);
            assert!(
                (sum - rto).abs() <= 1e-9 * rto.max(1.0),
                "{id}: rto_s {rto} but the breakdown sums to {sum}: {terms:?}"
            );
            assert_eq!(
                s["rto_driver"].is_null(),
                rto == 0.0,
                "{id}: {}",
                s["rto_driver"]
            );
            if rto > 0.0 && s["outcome"] != "down" {
                assert!(s["rto_driver"]["user_group"].is_string(), "{id}");
            }
        }
        None => {
            assert!(terms.is_empty(), "{id}: an unbounded RTO has no terms");
            assert_eq!(s["rto_driver"]["cause"], "datastore_lost", "{id}");
        }
    }
    let driver = &s["rpo_driver"];
    match s["rpo_s"].as_f64() {
        Some(rpo) if rpo > 0.0 => {
            let name = driver["datastore"]
                .as_str()
                .expect("rpo_driver names a store");
            let ds = model
                .datastores
                .iter()
                .find(|d| d.id == name)
                .unwrap_or_else(|| panic!("{id}: rpo_driver names {name}, not a datastore"));
            assert_eq!(driver["loss_s"].as_f64(), Some(rpo), "{id}");
            // The store's own keys give that loss, for the reason given (MODEL.md §3.2).
            let expected = match driver["reason"].as_str().expect("a reason") {
                "replication_lag" | "active_active_lag" => ds.lag.0,
                "backup_interval" | "corruption" => {
                    ds.backups
                        .as_ref()
                        .expect("a restore has backups")
                        .interval
                        .0
                }
                other => panic!("{id}: reason {other} with a bounded RPO"),
            };
            assert_eq!(expected, rpo, "{id}: {driver}");
            assert!(!ds.ephemeral, "{id}: an ephemeral store loses nothing");
        }
        Some(_) => assert!(driver.is_null(), "{id}: RPO 0 has no driver: {driver}"),
        None => {
            assert_eq!(driver["reason"], "lost", "{id}");
            assert!(driver["loss_s"].is_null(), "{id}");
        }
    }
}

/// Acceptance: for every scenario (every single failure and every pair) of every example, the
/// critical-path terms sum to `rto_s` and `rpo_driver` names a store whose loss is `rpo_s`.
#[test]
fn every_rto_is_the_sum_of_its_breakdown_and_every_rpo_has_its_store() {
    let mut scenarios = 0;
    let mut explained = 0;
    for file in every_example() {
        let model = checked(&file).model;
        let report = analyze_pairs(&file);
        for s in report["scenarios"].as_array().expect("scenarios") {
            check_scenario(&file, &model, s);
            scenarios += 1;
            explained += usize::from(!s["rto_breakdown"].as_array().unwrap().is_empty());
        }
        // The worst combinations kept in memory carry the same fields.
        if let Some(worst) = report["combinations"]["worst"].as_array() {
            for s in worst {
                check_scenario(&file, &model, s);
            }
        }
    }
    assert!(scenarios > 1000, "{scenarios} scenarios checked");
    assert!(explained > 300, "{explained} scenarios with a breakdown");
}

/// JSON lines carry the same explanation as the document.
#[test]
fn json_lines_explain_like_the_document() {
    let file = root().join("topologies/active-passive.yaml");
    let doc = analyze_json(&file);
    let out = drplan()
        .args(["analyze", "--format", "jsonl"])
        .arg(&file)
        .output()
        .expect("drplan runs");
    let text = String::from_utf8(out.stdout).expect("UTF-8");
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .filter(|v: &Value| v.get("summary").is_none())
        .collect();
    assert!(!lines.is_empty());
    for line in lines {
        let s = scenario(&doc, line["id"].as_str().unwrap());
        for key in ["rto_breakdown", "rto_driver", "rpo_driver"] {
            assert_eq!(line[key], s[key], "{} {key}", line["id"]);
        }
    }
}

/// The explanation of the library agrees with the hot path (`times()` with its silent
/// recorder): the same RTO, each group's terms summing exactly (same arithmetic, same order) to
/// its time, the largest time being the RTO, and each request's terms summing to it; on every
/// single failure and pair of every example.
#[test]
fn the_explanation_agrees_with_the_hot_path() {
    let mut checked_groups = 0;
    for file in every_example() {
        let c = checked(&file);
        let engine = drplan::evaluate::Engine::new(&c.model);
        let plan = drplan::scenario::Plan::new(&engine, 2, None);
        for s in plan.scenarios() {
            let id = format!("{}: {}", file.display(), s.id);
            let hot = engine.evaluate(&s.failure);
            let x = engine.explain(&s.failure);
            let r = &x.result;
            assert_eq!(hot.rto, r.rto, "{id}");
            assert_eq!(hot.impact, r.impact, "{id}");
            assert_eq!(hot.worst_request_ms, r.worst_request_ms, "{id}");
            let e = &x.explanation;
            let sum = |terms: &[drplan::evaluate::explain::Term]| {
                terms.iter().map(|t| t.seconds).fold(0.0, |a, b| a + b)
            };
            match r.rto {
                Some(rto) => assert_eq!(sum(&e.rto_terms), rto, "{id}: {:?}", e.rto_terms),
                None => assert!(e.rto_terms.is_empty(), "{id}"),
            }
            let mut largest: f64 = 0.0;
            for g in &e.groups {
                if let Some(t) = g.time {
                    assert_eq!(
                        sum(&g.terms),
                        t,
                        "{id} group {}: {:?}",
                        g.user.idx(),
                        g.terms
                    );
                    largest = largest.max(t);
                    checked_groups += 1;
                }
            }
            if r.outcome != drplan::evaluate::Outcome::Down {
                assert_eq!(
                    Some(largest),
                    r.rto,
                    "{id}: the largest group time is the RTO"
                );
            }
            let mut worst: Option<f64> = None;
            for q in x.requests.iter().flatten() {
                let mut total = q.rtt_ms;
                let mut backend = 0.0;
                for p in &q.parts {
                    backend += match p {
                        drplan::evaluate::latency::Part::Service { rtt_ms, .. } => *rtt_ms,
                        drplan::evaluate::latency::Part::Datastore {
                            rtt_ms, commit_ms, ..
                        } => rtt_ms + commit_ms,
                    };
                }
                total += backend;
                assert_eq!(total, q.total_ms, "{id}");
                worst = Some(worst.unwrap_or(0.0).max(q.total_ms));
            }
            if r.outcome != drplan::evaluate::Outcome::Down {
                assert_eq!(worst, r.worst_request_ms, "{id}: the worst request");
            }
        }
    }
    assert!(
        checked_groups > 1000,
        "{checked_groups} group times checked"
    );
}

/// Analyzes `text` written to a temporary `name.yaml`.
fn analyze_text(name: &str, text: &str) -> Value {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join(format!("{name}.yaml"));
    std::fs::write(&path, text).expect("written");
    analyze_json(&path)
}

/// `(term, seconds, datastore or service or component)` of each term of a scenario.
fn terms(s: &Value) -> Vec<(String, f64, String)> {
    s["rto_breakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            let subject = ["datastore", "service", "component", "change"]
                .iter()
                .find_map(|k| t[*k].as_str())
                .unwrap_or("")
                .to_string();
            (
                t["term"].as_str().unwrap().to_string(),
                t["seconds"].as_f64().unwrap(),
                subject,
            )
        })
        .collect()
}

fn term(kind: &str, seconds: f64, subject: &str) -> (String, f64, String) {
    (kind.to_string(), seconds, subject.to_string())
}

/// The reviewer's case, from MODEL.md §3.2 and §3.7 alone: an asynchronous active-passive store
/// with a manual failover. D = 30 s x 3 = 90 s; the promotion waits D + manual_decision 20 m
/// (1200 s) + promotion 2 m (120 s) = 1410 s = 23m30s. DNS moves the users at D + ttl = 90 + 60
/// = 150 s, well before: the store sets the RTO. RPO = lag 5 s.
#[test]
fn by_hand_manual_decision_and_promotion() {
    let text = r#"
version: 1
regions:
  a: { location: [0, 0], azs: { a1: {}, a2: {} } }
  b: { location: [0, 10], azs: { b1: {}, b2: {} } }
links:
  - between: [a, b]
routing:
  kind: geodns
  ttl: 60s
  health_check: { interval: 30s, failure_threshold: 3 }
users:
  ua: { location: [0, 0], share: 0.5 }
  ub: { location: [0, 10], share: 0.5 }
demand: { peak_rps: 100 }
services:
  web:
    entry: true
    capacity_per_instance: 100
    placement: { a: { per_az: 1 }, b: { per_az: 1 } }
    depends_on: [orders-db]
datastores:
  orders-db:
    replication: active-passive
    primary: a
    replicas: [b]
    lag: 5s
    failover: manual
    manual_decision: 20m
    promotion: 2m
"#;
    let r = analyze_text("manual", text);
    let s = scenario(&r, "region:a");
    assert_eq!(s["rto_s"], 1410.0);
    assert_eq!(
        terms(s),
        vec![
            term("detection", 90.0, "orders-db"),
            term("manual_decision", 1200.0, "orders-db"),
            term("promotion", 120.0, "orders-db"),
        ]
    );
    assert_eq!(s["rto_breakdown"][2]["region"], "b");
    assert_eq!(s["rto_driver"]["cause"], "datastore");
    assert_eq!(s["rto_driver"]["datastore"], "orders-db");
    // ua (file order first) moved; both groups wait for the store.
    assert_eq!(s["rto_driver"]["user_group"], "ua");
    assert_eq!(s["rpo_s"], 5.0);
    assert_eq!(s["rpo_driver"]["datastore"], "orders-db");
    assert_eq!(s["rpo_driver"]["reason"], "replication_lag");
    // `drplan explain` writes the same sum for a reader to check.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("manual.yaml");
    std::fs::write(&path, text).unwrap();
    let out = drplan()
        .args(["explain", "--color", "never"])
        .arg(&path)
        .arg("region:a")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("RTO 23m 30s = detection (health checks every 30s x 3) 1m 30s + manual decision for orders-db 20m + promotion of orders-db in b 2m"),
        "{text}"
    );
    assert!(
        text.contains("in seconds: 1410 = 90 + 1200 + 120"),
        "{text}"
    );
}

/// A DNS shift alone (MODEL.md §3.7): D = 10 s x 3 = 30 s, ttl 2 m: S = 30 + 120 = 150 s for the
/// group that moved (ua, from a to b); ub stays in b and waits 0. No store: RPO 0, no driver.
/// Anycast instead: S = D + convergence = 30 + 45 = 75 s.
#[test]
fn by_hand_dns_ttl_and_anycast_convergence() {
    let text = r#"
version: 1
regions:
  a: { location: [0, 0], azs: { a1: {} } }
  b: { location: [0, 10], azs: { b1: {} } }
routing:
  kind: geodns
  ttl: 2m
users:
  ua: { location: [0, 0], share: 0.5 }
  ub: { location: [0, 10], share: 0.5 }
demand: { peak_rps: 100 }
services:
  web:
    entry: true
    capacity_per_instance: 100
    placement: { a: { per_az: 1 }, b: { per_az: 1 } }
"#;
    let r = analyze_text("dns", text);
    let s = scenario(&r, "region:a");
    assert_eq!(s["rto_s"], 150.0);
    assert_eq!(
        terms(s),
        vec![term("detection", 30.0, ""), term("dns_ttl", 120.0, "")]
    );
    assert_eq!(s["rto_driver"]["cause"], "routing_shift");
    assert_eq!(s["rto_driver"]["user_group"], "ua");
    assert_eq!(s["rto_driver"]["region"], "b");
    assert!(s["rpo_driver"].is_null());
    let anycast = text.replace(
        "  kind: geodns\n  ttl: 2m",
        "  kind: anycast\n  convergence: 45s",
    );
    let r = analyze_text("anycast", &anycast);
    let s = scenario(&r, "region:a");
    assert_eq!(s["rto_s"], 75.0);
    assert_eq!(
        terms(s),
        vec![
            term("detection", 30.0, ""),
            term("anycast_convergence", 45.0, "")
        ]
    );
}

/// A pilot light (tests/fixtures/hand/scale.yaml): region a fails, failover-dns sends everyone
/// to b, which has no instances and scales to 5 per AZ in 20 m. Shift S = D + ttl = 30 + 60 =
/// 90 s; scale term D + scale_up = 30 + 1200 = 1230 s, the larger: RTO 1230 s, set by the
/// scale-up of web in b.
#[test]
fn by_hand_scale_up() {
    let r = analyze_json(root().join("tests/fixtures/hand/scale.yaml"));
    let s = scenario(&r, "region:a");
    assert_eq!(s["rto_s"], 1230.0);
    assert_eq!(
        terms(s),
        vec![term("detection", 30.0, ""), term("scale_up", 1200.0, "web")]
    );
    assert_eq!(s["rto_breakdown"][1]["region"], "b");
    assert_eq!(s["rto_driver"]["cause"], "scale_up");
    assert_eq!(s["rto_driver"]["service"], "web");
    assert_eq!(s["rto_driver"]["region"], "b");
}

/// Restore, and W (tests/fixtures/hand/single_az_backups.yaml). az:a1 fails: W = its mttr 2 h =
/// 7200 s; manual_decision 20 m + restore 1 h = 1200 + 3600 = 4800 s < W, so db is restored in b:
/// RTO 4800 s = 1200 + 3600, RPO = interval 30 m = 1800 s. With region b down too (custom
/// scenario a1-and-b), backups are not alive: db waits, nothing serves, RTO = W = the longest
/// mttr = region b's default 8 h = 28800 s.
#[test]
fn by_hand_restore_and_wait_for_repair() {
    let r = analyze_json(root().join("tests/fixtures/hand/single_az_backups.yaml"));
    let s = scenario(&r, "az:a1");
    assert_eq!(s["rto_s"], 4800.0);
    assert_eq!(
        terms(s),
        vec![
            term("manual_decision", 1200.0, "db"),
            term("restore", 3600.0, "db"),
        ]
    );
    assert_eq!(s["rto_breakdown"][1]["region"], "b");
    assert_eq!(s["rpo_s"], 1800.0);
    assert_eq!(s["rpo_driver"]["reason"], "backup_interval");
    let s = scenario(&r, "a1-and-b");
    assert_eq!(s["outcome"], "down");
    assert_eq!(s["rto_s"], 28800.0);
    assert_eq!(terms(s), vec![term("wait_for_repair", 28800.0, "region:b")]);
    assert_eq!(s["rto_driver"]["cause"], "repair");
    assert!(s["rto_driver"]["user_group"].is_null());
    assert!(s["rpo_driver"].is_null(), "an outage destroys no data");
}

/// The T of MODEL.md §11: a bad routing push takes routing down for T = detect 5 m + rollback
/// 20 m = 300 + 1200 = 1500 s; a bad, health-checked deployment of web to region a moves ua to
/// b (S = D + ttl = 30 + 60 = 90 s), capped at T = 10 + 20 = 30 s: RTO 30 s = the change's T.
#[test]
fn by_hand_change_duration() {
    let text = r#"
version: 1
regions:
  a: { location: [0, 0], azs: { a1: {} } }
  b: { location: [0, 10], azs: { b1: {} } }
routing: { kind: geodns }
users:
  ua: { location: [0, 0], share: 0.5 }
  ub: { location: [0, 10], share: 0.5 }
demand: { peak_rps: 100 }
services:
  web:
    entry: true
    capacity_per_instance: 100
    placement: { a: { per_az: 1 }, b: { per_az: 1 } }
changes:
  dns-push: { target: routing, per_year: 12, detect: 5m, rollback: 20m }
  deploy:
    target: service:web
    per_year: 50
    waves: [[a], [b]]
    bake: 1h
    detect: 10s
    rollback: 20s
    health_checked: true
"#;
    let r = analyze_text("changes", text);
    let s = scenario(&r, "change:dns-push");
    assert_eq!(s["rto_s"], 1500.0);
    assert_eq!(
        terms(s),
        vec![
            term("change_detect", 300.0, "dns-push"),
            term("change_rollback", 1200.0, "dns-push"),
        ]
    );
    assert_eq!(s["rto_driver"]["cause"], "change");
    let s = scenario(&r, "change:deploy");
    assert_eq!(s["rto_s"], 30.0);
    assert_eq!(
        terms(s),
        vec![
            term("change_detect", 10.0, "deploy"),
            term("change_rollback", 20.0, "deploy"),
        ]
    );
    assert_eq!(s["rto_driver"]["cause"], "change");
    assert_eq!(s["rto_driver"]["user_group"], "ua");
}

/// `drplan explain FILE ID` run from the repository root (`file` relative to it).
fn explain(file: &str, id: &str) -> std::process::Output {
    drplan()
        .current_dir(root())
        .args(["explain", "--color", "never", file, id])
        .output()
        .expect("drplan runs")
}

/// `drplan explain` on a manual failover with an asynchronous replica, pinned.
#[test]
fn explain_a_regional_failover_is_pinned() {
    let out = explain("topologies/active-passive.yaml", "region:us-east");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("explain-active-passive-region", text);
}

/// `drplan explain` on a scenario whose recovery a control plane froze, pinned.
#[test]
fn explain_a_frozen_recovery_is_pinned() {
    let out = explain("topologies/static-stability-trap.yaml", "region:us-east");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    insta::assert_snapshot!("explain-static-stability-trap-region", text);
}

/// An unknown scenario is a usage error naming the file, with the close names.
#[test]
fn explain_an_unknown_scenario_suggests_close_names() {
    let out = explain("topologies/active-passive.yaml", "region:us-eats");
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("no scenario `region:us-eats` in "), "{err}");
    assert!(err.contains("active-passive.yaml"), "{err}");
    assert!(err.contains("did you mean `region:us-east`?"), "{err}");
    // Nothing close: every scenario id is listed.
    let out = explain("topologies/active-passive.yaml", "zzz");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("the scenarios are: "), "{err}");
    assert!(err.contains("corruption:orders-db"), "{err}");
}

/// The HTML report draws each scenario's breakdown as a timeline: one segment per term, its
/// tooltip the term in words, the segments of a bar spanning the same width (each bar is its
/// own RTO); and it stays out of the page when no scenario has a breakdown.
#[test]
fn the_html_report_has_an_rto_timeline_per_scenario() {
    let page = |path: &Path| {
        let out = drplan()
            .args(["analyze", "--format", "html"])
            .arg(path)
            .output()
            .expect("drplan runs");
        String::from_utf8(out.stdout).expect("UTF-8")
    };
    let html = page(&root().join("topologies/active-passive.yaml"));
    let section = html
        .split("<section id=\"rto-timeline\">")
        .nth(1)
        .and_then(|s| s.split("</section>").next())
        .expect("an RTO timeline section");
    // region:us-east: detection 30 s + manual decision 15 m + promotion 1 m = 16m 30s.
    for title in [
        "detection (health checks every 10s x 3): 30s",
        "manual decision for orders-db: 15m",
        "promotion of orders-db in us-west: 1m",
    ] {
        assert!(section.contains(title), "{title} in {section}");
    }
    // Every row's segments add up to the bar's width (540 units), whatever the RTO.
    let rows: Vec<&str> = section.split("text-anchor=\"end\"").skip(1).collect();
    assert!(rows.len() >= 5, "{} rows", rows.len());
    for row in rows {
        let widths: f64 = row
            .split("<rect ")
            .skip(1)
            .map(|r| {
                r.split("width=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap()
                    .parse::<f64>()
                    .unwrap()
            })
            .sum();
        assert!((widths - 540.0).abs() < 0.05, "a row {widths} wide: {row}");
    }
    // A single region with nothing to recover but waits: still a timeline for its repairs; a
    // page's timeline never exceeds the chart width (the 1280 px test in html.rs loads them).
    for path in topologies() {
        let html = page(&path);
        if let Some(s) = html.split("<section id=\"rto-timeline\">").nth(1) {
            assert!(s.contains("viewBox=\"0 0 860 "), "{}", path.display());
        }
    }
}
