//! `drplan init`: every pattern's starter topology validates, analyzes and passes its own gate,
//! matches the schema, and an existing file is never overwritten without `--force`.

use crate::common::drplan;
use crate::schema::{errors, validator, yaml_to_json};

const PATTERNS: [&str; 7] = [
    "single-region",
    "multi-az",
    "active-passive",
    "active-active",
    "anycast",
    "consensus",
    "static-stability",
];

#[test]
fn every_pattern_validates_analyzes_and_matches_the_schema() {
    let schema = validator();
    let dir = tempfile::tempdir().unwrap();
    for pattern in PATTERNS {
        let path = dir.path().join(format!("{pattern}.yaml"));
        drplan()
            .args(["init", "--pattern", pattern])
            .arg(&path)
            .assert()
            .code(0);
        drplan().arg("validate").arg(&path).assert().code(0);
        let out = drplan()
            .args(["analyze", "--format", "json"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{pattern}: analyze exits 0 (its own objectives pass):\n{}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        assert!(
            out.stderr.is_empty(),
            "{pattern}: no warnings:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            report["summary"]["availability"].is_number(),
            "{pattern}: small enough for the exact availability"
        );
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.starts_with("# yaml-language-server: $schema="));
        let errs = errors(&schema, &yaml_to_json(&text));
        assert!(errs.is_empty(), "{pattern}: {}", errs.join("\n"));
    }
}

#[test]
fn the_default_is_active_passive_in_topology_yaml() {
    let dir = tempfile::tempdir().unwrap();
    drplan()
        .current_dir(dir.path())
        .arg("init")
        .assert()
        .code(0)
        .stderr(predicates::str::contains("drplan analyze topology.yaml"));
    let text = std::fs::read_to_string(dir.path().join("topology.yaml")).unwrap();
    assert!(text.contains("replication: active-passive"));
}

#[test]
fn init_refuses_to_overwrite_without_force() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("topology.yaml");
    std::fs::write(&path, "mine\n").unwrap();
    drplan()
        .arg("init")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("already exists"));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "mine\n");
    // No temporary file is left behind either.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    drplan()
        .args(["init", "--force", "--pattern", "multi-az"])
        .arg(&path)
        .assert()
        .code(0);
    assert!(
        std::fs::read_to_string(&path)
            .unwrap()
            .contains("replication: multi-az")
    );
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
}

#[test]
fn init_creates_missing_folders_and_dash_prints() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("infra/dr/topology.yaml");
    drplan().arg("init").arg(&path).assert().code(0);
    assert!(path.exists());
    let out = drplan()
        .args(["init", "--pattern", "anycast", "-"])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains("kind: anycast")
    );
}
