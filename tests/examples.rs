//! Every example topology (and the reference `example.yaml`) analyzes, and its summary is pinned.

use std::path::PathBuf;

use crate::common::{analyze_json, drplan, root};

/// The example topologies, sorted.
pub fn topologies() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("topologies"))
        .expect("topologies/ exists")
        .map(|e| e.expect("readable entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    files
}

/// The reference example beside the repository, when the shared folder is there.
fn shared_example() -> Option<PathBuf> {
    let path = root().join("../shared/spec/example.yaml");
    if path.exists() {
        Some(path)
    } else if std::env::var_os("DRPLAN_REQUIRE_TOOLS").is_some() {
        panic!("../shared/spec/example.yaml is missing and DRPLAN_REQUIRE_TOOLS is set");
    } else {
        eprintln!("SKIPPED: ../shared/spec/example.yaml is not beside the repository");
        None
    }
}

/// The pinned part of a report: the summary, the verdict and the baseline.
fn pinned(report: &serde_json::Value) -> serde_json::Value {
    serde_json::json!({
        "topology": report["topology"],
        "summary": report["summary"],
        "objectives": report["objectives"],
        "baseline": report["baseline"],
        "cost": report["cost"],
        "outcomes": report["scenarios"].as_array().unwrap().iter()
            .map(|s| format!("{} {}", s["id"].as_str().unwrap(), s["outcome"].as_str().unwrap()))
            .collect::<Vec<_>>(),
    })
}

#[test]
fn the_required_patterns_are_all_there_with_a_header() {
    let names: Vec<String> = topologies()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    for required in [
        "single-region",
        "multi-az",
        "active-passive",
        "active-active-geodns",
        "anycast-edge",
        "spanner-consensus",
        "eu-residency",
    ] {
        assert!(
            names.iter().any(|n| n == required),
            "topologies/{required}.yaml is missing"
        );
    }
    for path in topologies() {
        let text = std::fs::read_to_string(&path).unwrap();
        let header = text.lines().take_while(|l| l.starts_with('#')).count();
        assert!(
            header >= 3,
            "{} needs a header comment saying what it shows",
            path.display()
        );
    }
}

#[test]
fn every_example_summary_is_pinned() {
    for path in topologies() {
        let report = analyze_json(&path);
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        insta::assert_json_snapshot!(format!("example-{name}"), pinned(&report));
    }
}

#[test]
fn the_reference_example_loads_unchanged_and_is_pinned() {
    let Some(path) = shared_example() else { return };
    let report = analyze_json(&path);
    assert_eq!(report["schema_version"], 1);
    assert_eq!(report["topology"], "shop-active-passive");
    insta::assert_json_snapshot!("example-shared-spec", pinned(&report));
}

#[test]
fn every_example_renders_as_tables() {
    for path in topologies() {
        let out = drplan().arg("analyze").arg(&path).output().unwrap();
        let code = out.status.code().unwrap();
        assert!(code == 0 || code == 1, "{} exited {code}", path.display());
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(
            text.contains("Single points of failure"),
            "{}",
            path.display()
        );
        assert!(
            !text.contains('\u{1b}'),
            "no ANSI codes when stdout is not a terminal"
        );
    }
}

#[test]
fn the_table_report_of_one_example_is_pinned() {
    let out = drplan()
        .current_dir(root())
        .args(["analyze", "topologies/active-passive.yaml"])
        .output()
        .unwrap();
    insta::assert_snapshot!(
        "table-active-passive",
        String::from_utf8(out.stdout).unwrap()
    );
}

#[test]
fn every_example_validates() {
    for path in topologies() {
        drplan().arg("validate").arg(&path).assert().success();
    }
}

/// `example-v2.yaml` (MODEL.md version 2, every new key) loads unchanged and analyzes: every
/// scenario has the §8 v2 fields, the partial identity provider (10% of requests) degrades
/// instead of taking everything down, and the change streams have their frequencies (§11.6:
/// per_year x bad, split by latent).
#[test]
fn the_version_2_reference_example_analyzes() {
    let path = root().join("../shared/spec/example-v2.yaml");
    if !path.exists() {
        if std::env::var_os("DRPLAN_REQUIRE_TOOLS").is_some() {
            panic!("../shared/spec/example-v2.yaml is missing and DRPLAN_REQUIRE_TOOLS is set");
        }
        eprintln!("SKIPPED: ../shared/spec/example-v2.yaml is not beside the repository");
        return;
    }
    let report = analyze_json(&path);
    let scenarios = report["scenarios"].as_array().expect("scenarios");
    for s in scenarios {
        for key in ["frozen", "stuck", "blast_radius", "degraded_s"] {
            assert!(s.get(key).is_some(), "{} has no {key}", s["id"]);
        }
        let change = s["class"] == "change";
        assert_eq!(s.get("frequency_per_year").is_some(), change, "{}", s["id"]);
    }
    let idp = scenarios
        .iter()
        .find(|s| s["id"] == "external:identity-provider")
        .expect("the external's scenario");
    // Only sign-ins (fraction 0.1) need it: 90% served until it is back (1 h).
    assert_eq!(idp["outcome"], "degraded");
    assert!((idp["served_fraction"].as_f64().unwrap() - 0.9).abs() < 1e-12);
    assert_eq!(idp["degraded_s"], 3600.0);
    let changes: usize = scenarios.iter().filter(|s| s["class"] == "change").count();
    assert!(changes >= 4, "{changes} change scenarios");
    assert!(
        report["summary"]["change_downtime_minutes_per_year"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}
