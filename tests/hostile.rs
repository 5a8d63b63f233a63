//! Hostile inputs end in a clear diagnostic and exit 2, never a crash or a hang. Time and
//! memory of each are measured in docs/robustness.md (timing targets live there, not here).

use std::path::Path;

use crate::common::{drplan, root};

/// A valid topology to corrupt.
fn base() -> String {
    std::fs::read_to_string(root().join("topologies/active-passive.yaml")).unwrap()
}

/// The base topology with the first `from` replaced; panics if `from` is not there, so a case
/// can never silently test the unaltered file.
fn altered(from: &str, to: &str) -> Vec<u8> {
    let text = base();
    assert!(text.contains(from), "the base topology has no `{from}`");
    text.replacen(from, to, 1).into_bytes()
}

/// The inputs, each with the diagnostic code it must produce.
pub fn cases() -> Vec<(&'static str, Vec<u8>, &'static str)> {
    let mut laughs = String::from("a: &a [x, x, x, x, x, x, x, x, x]\n");
    for (i, name) in "bcdefghij".chars().enumerate() {
        let prev = (b'a' + i as u8) as char;
        let refs = vec![format!("*{prev}"); 9].join(", ");
        laughs.push_str(&format!("{name}: &{name} [{refs}]\n"));
    }
    vec![
        ("billion-laughs", laughs.into_bytes(), "yaml-syntax"),
        (
            "deep-nesting",
            format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000)).into_bytes(),
            "yaml-syntax",
        ),
        (
            "not-utf8",
            b"version: 1\nname: caf\xe9\n".to_vec(),
            "not-utf8",
        ),
        (
            "nan",
            altered("peak_rps: 3000", "peak_rps: .nan"),
            "invalid-number",
        ),
        (
            "infinity",
            altered("peak_rps: 3000", "peak_rps: .inf"),
            "invalid-number",
        ),
        (
            "integer-overflow",
            altered("per_az: 4", "per_az: 99999999999999999999"),
            "yaml-syntax",
        ),
        (
            "duration-1e400s",
            altered("mttr: 4h", "mttr: 1e400s"),
            "invalid-duration",
        ),
        ("empty", Vec::new(), "empty-file"),
        ("only-comments", b"# nothing here\n".to_vec(), "empty-file"),
        (
            "several-documents",
            format!("{}---\n{}", base(), base()).into_bytes(),
            "multiple-documents",
        ),
        (
            "duplicate-keys",
            altered("routing:\n", "routing:\n  kind: geodns\n"),
            "duplicate-key",
        ),
        (
            "not-a-mapping",
            b"- just\n- a list\n".to_vec(),
            "invalid-value",
        ),
    ]
}

fn check(dir: &Path, name: &str, bytes: &[u8], code: &str, extra: &[&str]) {
    let path = dir.join(format!("{name}.yaml"));
    std::fs::write(&path, bytes).unwrap();
    let out = drplan()
        .arg("validate")
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{name}: {err}");
    assert!(
        err.contains(&format!("[{code}]")),
        "{name}: expected [{code}] in\n{err}"
    );
}

#[test]
fn hostile_inputs_end_in_a_diagnostic_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes, code) in cases() {
        assert!(
            name == "empty" || !bytes.is_empty(),
            "{name}: the case must alter the input"
        );
        check(dir.path(), name, &bytes, code, &[]);
    }
}

#[test]
fn the_size_limit_is_a_diagnostic_and_a_flag_raises_it() {
    let dir = tempfile::tempdir().unwrap();
    let text = base();
    check(
        dir.path(),
        "large",
        text.as_bytes(),
        "file-too-large",
        &["--max-file-size", "100"],
    );
    let path = dir.path().join("large.yaml");
    drplan()
        .arg("validate")
        .arg(&path)
        .args(["--max-file-size", "1000000"])
        .assert()
        .code(0);
}

#[test]
fn too_many_components_is_refused_before_evaluation() {
    let out = drplan()
        .current_dir(root())
        .args(["analyze", "tests/fixtures/invalid/too-many-components.yaml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("[too-many-components]"));
}
