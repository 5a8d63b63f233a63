//! Where MODEL.md version 2 shows up outside the JSON: the table's Changes section and frozen
//! recovery, and CI annotations located at the change or the `requires` they are about.

use serde_json::Value;

use crate::common::{drplan, root};

fn run(fixture: &str, format: &str) -> String {
    let out = drplan()
        .current_dir(root())
        .args(["analyze", "--color", "never", "--format", format])
        .arg(format!("tests/fixtures/hand/{fixture}.yaml"))
        .output()
        .expect("drplan runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The 1-based line of the first line of `fixture` that starts with `prefix` (after spaces).
fn line_of(fixture: &str, prefix: &str) -> u64 {
    let text = std::fs::read_to_string(root().join(format!("tests/fixtures/hand/{fixture}.yaml")))
        .expect("the fixture reads");
    text.lines()
        .position(|l| l.trim_start().starts_with(prefix))
        .map(|i| i as u64 + 1)
        .unwrap_or_else(|| panic!("no line {prefix:?}"))
}

#[test]
fn the_table_shows_each_change_stream_and_frozen_recovery() {
    let table = run("v2_changes", "table");
    assert!(table.contains("Changes (bad ones a year"), "{table}");
    // staged: 2 of its 3 waves reached; 60% of users fail; 4 a year x 1080 s = 1h 12m.
    let row = table
        .lines()
        .find(|l| l.contains("change:staged ") || l.contains("change:staged│"))
        .unwrap_or_else(|| panic!("no change:staged row in\n{table}"));
    assert!(row.contains("2 of 3"), "{row}");
    assert!(row.contains("60%"), "{row}");
    assert!(row.contains("1h 12m"), "{row}");
    let table = run("v2_stuck_geodns", "table");
    assert!(table.contains("Frozen recovery"), "{table}");
    assert!(
        table.contains("region:a (degraded): needs dns-api; stuck: ua"),
        "{table}"
    );
}

#[test]
fn sarif_points_at_the_requires_and_the_change() {
    let sarif: Value = serde_json::from_str(&run("v2_recovery", "sarif")).expect("SARIF JSON");
    let results = sarif["runs"][0]["results"].as_array().expect("results");
    let line = |rule: &str, scenario: &str| {
        results
            .iter()
            .find(|r| r["ruleId"] == rule && r["properties"]["scenario"] == scenario)
            .unwrap_or_else(|| panic!("no {rule} result for {scenario}"))["locations"][0]
            ["physicalLocation"]["region"]["startLine"]
            .as_u64()
    };
    // compute-b is named by web's scale_requires; db-api first by db's requires.
    assert_eq!(
        line("static_stability", "region-a-compute-b-down"),
        Some(line_of("v2_recovery", "scale_requires:"))
    );
    assert_eq!(
        line("static_stability", "region-a-db-api-down"),
        Some(line_of("v2_recovery", "requires: [db-api]"))
    );
}

/// `simulate` counts bad changes as Poisson events of their frequency, each costing its
/// impact: the simulated mean agrees with §5's downtime, which includes
/// change_downtime_minutes_per_year (175.24 of its 204.55 minutes here).
#[test]
fn simulate_includes_bad_changes() {
    let out = drplan()
        .current_dir(root())
        .args(["simulate", "--format", "json", "--quiet", "--years", "4000"])
        .args(["--seed", "7"])
        .arg("tests/fixtures/hand/v2_changes.yaml")
        .output()
        .expect("drplan runs");
    assert_eq!(out.status.code(), Some(0));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let analytic = v["analytic"]["downtime_minutes_per_year"]
        .as_f64()
        .expect("analytic");
    let report = crate::common::analyze_json("tests/fixtures/hand/v2_changes.yaml");
    let changes = report["summary"]["change_downtime_minutes_per_year"]
        .as_f64()
        .expect("change downtime");
    assert!((changes - 10514.56 / 60.0).abs() < 1e-9);
    let expected = report["summary"]["downtime_minutes_per_year"]
        .as_f64()
        .expect("downtime");
    assert!(
        (analytic - expected).abs() < 1e-9,
        "{analytic} vs {expected}"
    );
    let ci = &v["downtime_minutes_per_year"]["mean"]["ci95"];
    let (low, high) = (ci[0].as_f64().expect("low"), ci[1].as_f64().expect("high"));
    assert!(
        low <= analytic && analytic <= high,
        "{analytic} outside [{low}, {high}]"
    );
    // Without the changes the mean would be near 204.55 - 175.24 = 29.3: far below.
    assert!(low > 150.0, "the changes are in the simulation: {low}");
}

/// The first screen (40 lines) of `drplan analyze` on the two version 2 examples shows the
/// finding each is about.
#[test]
fn the_v2_examples_show_their_finding_on_the_first_screen() {
    let first_screen = |file: &str| {
        let out = drplan()
            .current_dir(root())
            .args(["analyze", "--color", "never", file])
            .output()
            .expect("drplan runs");
        assert_eq!(out.status.code(), Some(1), "{file}: the gate fails");
        String::from_utf8_lossy(&out.stdout)
            .lines()
            .take(40)
            .collect::<Vec<_>>()
            .join("\n")
    };
    let trap = first_screen("topologies/static-stability-trap.yaml");
    assert!(
        trap.contains("region:us-east (down): needs route53-api; stuck: east, west"),
        "{trap}"
    );
    let staged = first_screen("topologies/staged-rollout.yaml");
    for needle in [
        "change:code-release ",
        "1 of 3",
        "change:config-push",
        "100%",
    ] {
        assert!(staged.contains(needle), "{needle}: {staged}");
    }
    // The fix the trap's header names: health-check failover needs no control plane.
    let text = std::fs::read_to_string(root().join("topologies/static-stability-trap.yaml"))
        .expect("the example reads");
    let fixed: String = text
        .lines()
        .filter(|l| !l.contains("the trap, ") && !l.contains("manual_decision: 10m"))
        .map(|l| format!("{l}\n"))
        .collect();
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("fixed.yaml");
    std::fs::write(&path, fixed).expect("written");
    let r = crate::common::analyze_json(&path);
    assert_eq!(r["objectives"]["passed"], true, "{}", r["objectives"]);
    let s = crate::common::scenario(&r, "region:us-east");
    assert_eq!(s["outcome"], "up");
    assert_eq!(s["rto_s"], 90.0);
}

/// `drplan diff`: a PR that turns a staged rollout into a global push, or moves a failover onto
/// a control plane in the primary region, is a regression naming the objective.
#[test]
fn diff_names_the_v2_objectives_a_change_regresses() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).expect("written");
        path
    };
    let regressions = |base: &std::path::Path, head: &std::path::Path| {
        let out = drplan()
            .args(["diff", "--format", "json"])
            .arg(base)
            .arg(head)
            .output()
            .expect("drplan runs");
        let v: Value = serde_json::from_slice(&out.stdout).expect("diff JSON");
        v["regressions"]
            .as_array()
            .expect("regressions")
            .iter()
            .map(|r| {
                (
                    r["objective"].as_str().unwrap_or("?").to_string(),
                    r["scenario"].as_str().map(str::to_string),
                )
            })
            .collect::<Vec<_>>()
    };
    let trap = std::fs::read_to_string(root().join("topologies/static-stability-trap.yaml"))
        .expect("the example reads");
    let fixed: String = trap
        .lines()
        .filter(|l| !l.contains("the trap, ") && !l.contains("manual_decision: 10m"))
        .map(|l| format!("{l}\n"))
        .collect();
    let base = write("fixed.yaml", &fixed);
    let head = write("trap.yaml", &trap);
    assert!(
        regressions(&base, &head)
            .contains(&("static_stability".into(), Some("region:us-east".into()))),
        "{:?}",
        regressions(&base, &head)
    );
    let staged = std::fs::read_to_string(root().join("topologies/staged-rollout.yaml"))
        .expect("the example reads");
    let global = staged.replace(
        "    waves: [[use-a], [us-east], [eu-west, ap-northeast]]\n    bake: 1h\n",
        "",
    );
    assert_ne!(staged, global);
    let base = write("staged.yaml", &staged);
    let head = write("global.yaml", &global);
    let found = regressions(&base, &head);
    assert!(
        found.contains(&(
            "max_blast_radius".into(),
            Some("change:code-release".into())
        )),
        "{found:?}"
    );
    assert!(
        found.contains(&("max_change_downtime".into(), None)),
        "{found:?}"
    );
}

/// The HTML report shows the change streams and the frozen recovery.
#[test]
fn the_html_report_shows_changes_and_frozen_recovery() {
    let html = run("v2_changes", "html");
    let changes = html
        .split(r#"<section id="changes">"#)
        .nth(1)
        .and_then(|rest| rest.split("</section>").next())
        .unwrap_or_else(|| panic!("no changes section"));
    assert!(
        changes.contains("<td>change:staged</td><td>degraded</td><td>2 of 3</td><td>60%</td>"),
        "{changes}"
    );
    let html = run("v2_stuck_geodns", "html");
    assert!(
        html.contains("<tr><td>region:a</td><td>degraded</td><td>dns-api</td><td>ua</td></tr>"),
        "no frozen row"
    );
}
