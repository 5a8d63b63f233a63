//! Nothing is lost: every command that writes a file (`--output`, `init`) writes a temporary
//! file in the same folder and renames it into place. A successful write gives the same bytes
//! as standard output; a failed one (the input is invalid, or the rename fails after the
//! content was written) leaves the old file as it was and no temporary file behind; the input
//! file is never modified.

use std::path::Path;
use std::time::SystemTime;

use crate::common::{drplan, root};

/// Every command with `--output`, with its arguments (paths relative to the repository root).
fn commands() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "analyze",
            "topologies/active-passive.yaml",
            "--format",
            "json",
        ],
        vec![
            "analyze",
            "topologies/active-passive.yaml",
            "--format",
            "html",
        ],
        vec![
            "check",
            "topologies/active-passive.yaml",
            "--format",
            "sarif",
        ],
        vec![
            "diff",
            "tests/fixtures/gate/base.yaml",
            "tests/fixtures/gate/head.yaml",
        ],
        vec![
            "compare",
            "topologies/single-region.yaml",
            "topologies/active-passive.yaml",
        ],
        vec!["graph", "topologies/active-passive.yaml"],
        vec!["schema"],
        vec!["man"],
    ]
}

/// The files in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A copy of the inputs in `dir`, so their bytes and modification times can be checked.
fn copy_inputs(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>, SystemTime)> {
    let mut out = Vec::new();
    for rel in [
        "topologies/active-passive.yaml",
        "topologies/single-region.yaml",
        "tests/fixtures/gate/base.yaml",
        "tests/fixtures/gate/head.yaml",
    ] {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root().join(rel), &to).unwrap();
        let bytes = std::fs::read(&to).unwrap();
        let mtime = std::fs::metadata(&to).unwrap().modified().unwrap();
        out.push((to, bytes, mtime));
    }
    out
}

fn assert_inputs_untouched(inputs: &[(std::path::PathBuf, Vec<u8>, SystemTime)]) {
    for (path, bytes, mtime) in inputs {
        assert_eq!(
            &std::fs::read(path).unwrap(),
            bytes,
            "{} changed",
            path.display()
        );
        assert_eq!(
            std::fs::metadata(path).unwrap().modified().unwrap(),
            *mtime,
            "{} was written",
            path.display()
        );
    }
}

#[test]
fn output_files_hold_what_standard_output_holds_and_inputs_are_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = copy_inputs(dir.path());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for (i, args) in commands().into_iter().enumerate() {
        let stdout = drplan()
            .current_dir(dir.path())
            .env("DRPLAN_TODAY", "2026-06-01")
            .args(&args)
            .output()
            .unwrap();
        let path = out_dir.join(format!("result-{i}"));
        let written = drplan()
            .current_dir(dir.path())
            .env("DRPLAN_TODAY", "2026-06-01")
            .args(&args)
            .arg("--output")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            stdout.status.code(),
            written.status.code(),
            "{args:?}: exit codes differ with --output"
        );
        assert!(
            written.stdout.is_empty(),
            "{args:?}: --output prints nothing"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            stdout.stdout,
            "{args:?}: the file differs from standard output"
        );
    }
    let expected: Vec<String> = (0..commands().len())
        .map(|i| format!("result-{i}"))
        .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(listing(&out_dir), expected, "no temporary file is left");
    assert_inputs_untouched(&inputs);
}

#[test]
fn a_failed_rename_leaves_no_partial_file() {
    // The output path is a folder: the report is written to the temporary file, then the
    // rename fails. The folder stays as it was, no temporary file is left, exit 3.
    let dir = tempfile::tempdir().unwrap();
    let inputs = copy_inputs(dir.path());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep"), "old").unwrap();
    for args in commands() {
        let out = drplan()
            .current_dir(dir.path())
            .args(&args)
            .arg("--output")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{args:?}: an I/O error is exit 3"
        );
        assert!(!out.stderr.is_empty(), "{args:?}: says why");
        assert_eq!(
            listing(&out_dir),
            ["taken"],
            "{args:?}: no temporary file is left"
        );
        assert_eq!(listing(&target), ["keep"], "{args:?}");
        assert_eq!(std::fs::read_to_string(target.join("keep")).unwrap(), "old");
    }
    assert_inputs_untouched(&inputs);
}

#[test]
fn an_invalid_input_leaves_the_old_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "version: 1\nregions: {}\n").unwrap();
    let before = std::fs::read(&bad).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("report");
    std::fs::write(&target, "old").unwrap();
    let bad_str = bad.to_str().unwrap();
    for args in [
        vec!["analyze", bad_str, "--format", "json"],
        vec!["check", bad_str],
        vec!["diff", bad_str, bad_str],
        vec!["compare", bad_str, bad_str],
        vec!["graph", bad_str],
    ] {
        let out = drplan()
            .args(&args)
            .arg("--output")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: invalid input is exit 2"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old", "{args:?}");
        assert_eq!(
            listing(&out_dir),
            ["report"],
            "{args:?}: no temporary file is left"
        );
    }
    assert_eq!(
        std::fs::read(&bad).unwrap(),
        before,
        "the input is untouched"
    );
}

#[test]
fn init_onto_a_folder_fails_without_leaving_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("topology.yaml");
    std::fs::create_dir(&target).unwrap();
    let out = drplan()
        .current_dir(dir.path())
        .args(["init", "--force", "topology.yaml"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "writing over a folder fails");
    assert!(target.is_dir());
    assert_eq!(
        listing(dir.path()),
        ["topology.yaml"],
        "no temporary file is left"
    );
}

/// `--output` naming the input file is refused (exit 2), and the input keeps its bytes.
#[test]
fn output_over_the_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("topology.yaml");
    let original = std::fs::read(root().join("topologies/active-passive.yaml")).unwrap();
    std::fs::write(&input, &original).unwrap();
    for args in [
        vec!["analyze"],
        vec!["check"],
        vec!["graph"],
        vec!["export", "--format", "open-psa"],
    ] {
        let out = drplan()
            .args(&args)
            .arg(&input)
            .arg("-o")
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("over the input file"), "{args:?}: {stderr}");
        assert_eq!(std::fs::read(&input).unwrap(), original, "{args:?}");
    }
}
