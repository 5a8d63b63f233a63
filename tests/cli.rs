//! The command-line contract: exit codes (MODEL.md §8), determinism, color, help.

use crate::common::{drplan, root};

#[test]
fn a_passing_gate_exits_0() {
    let report = crate::common::analyze_json("topologies/multi-az.yaml");
    assert_eq!(
        report["objectives"]["passed"], true,
        "multi-az.yaml is expected to pass its objectives"
    );
    drplan()
        .current_dir(root())
        .args(["analyze", "topologies/multi-az.yaml"])
        .assert()
        .code(0);
}

#[test]
fn a_breached_gate_exits_1_and_no_fail_exits_0() {
    let report = crate::common::analyze_json("topologies/eu-residency.yaml");
    assert_eq!(
        report["objectives"]["passed"], false,
        "eu-residency.yaml is expected to breach"
    );
    drplan()
        .current_dir(root())
        .args(["analyze", "topologies/eu-residency.yaml"])
        .assert()
        .code(1);
    drplan()
        .current_dir(root())
        .args(["analyze", "--no-fail", "topologies/eu-residency.yaml"])
        .assert()
        .code(0);
}

#[test]
fn invalid_input_and_bad_usage_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "version: 1\nregions: [\n").unwrap();
    drplan().arg("analyze").arg(&bad).assert().code(2);
    drplan().arg("validate").arg(&bad).assert().code(2);
    drplan()
        .args(["analyze", "--format", "nonsense", "x.yaml"])
        .assert()
        .code(2);
    drplan().args(["frobnicate"]).assert().code(2);
    drplan().assert().code(2);
}

#[test]
fn a_missing_file_exits_3_with_its_name() {
    let out = drplan()
        .args(["analyze", "does-not-exist.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("does-not-exist.yaml"), "{err}");
}

#[test]
fn output_is_byte_identical_across_runs() {
    for format in ["json", "table"] {
        let run = || {
            drplan()
                .current_dir(root())
                .args([
                    "analyze",
                    "--format",
                    format,
                    "topologies/spanner-consensus.yaml",
                ])
                .output()
                .unwrap()
                .stdout
        };
        assert_eq!(run(), run(), "{format} output differs between runs");
    }
}

#[test]
fn color_follows_the_flag_and_no_color() {
    let run = |args: &[&str], no_color: bool| {
        let mut cmd = drplan();
        cmd.current_dir(root())
            .args(["analyze", "topologies/multi-az.yaml"])
            .args(args);
        if no_color {
            cmd.env("NO_COLOR", "1");
        } else {
            cmd.env_remove("NO_COLOR");
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    assert!(!run(&[], false).contains('\u{1b}'), "not a terminal: plain");
    assert!(
        run(&["--color", "always"], false).contains('\u{1b}'),
        "--color always colors"
    );
    assert!(!run(&["--color", "never"], false).contains('\u{1b}'));
}

#[test]
fn help_is_pinned() {
    for args in [
        vec!["--help"],
        vec!["analyze", "--help"],
        vec!["validate", "--help"],
    ] {
        let out = drplan().env("COLUMNS", "100").args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(0));
        insta::assert_snapshot!(
            format!("help-{}", args.join("-")),
            String::from_utf8(out.stdout).unwrap()
        );
    }
}

#[test]
fn version_prints_the_crate_version() {
    let out = drplan().arg("--version").output().unwrap();
    assert!(
        String::from_utf8(out.stdout)
            .unwrap()
            .contains(env!("CARGO_PKG_VERSION"))
    );
}
