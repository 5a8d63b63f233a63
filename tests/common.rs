//! Shared helpers for the end-to-end tests: run the real binary on fixture files.

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository root, so fixtures are found whatever the working directory.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A command for the drplan binary under test.
pub fn drplan() -> Command {
    Command::cargo_bin("drplan").expect("the drplan binary is built for integration tests")
}

/// Runs `drplan analyze PATH --format json` and parses its output; any exit code is accepted
/// (0 passed, 1 gate breached) except the error codes 2 and 3, which fail the test.
pub fn analyze_json(path: impl AsRef<Path>) -> serde_json::Value {
    let path = path.as_ref();
    let path = if path.is_absolute() {
        path.to_path_buf()
    } else {
        root().join(path)
    };
    let output = drplan()
        .args(["analyze", "--format", "json"])
        .arg(&path)
        .output()
        .expect("drplan runs");
    let code = output.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "drplan analyze {} exited {code}:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("analyze --format json prints JSON")
}

/// The scenario with this id in an analyze JSON report.
pub fn scenario<'a>(report: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    report["scenarios"]
        .as_array()
        .expect("scenarios is an array")
        .iter()
        .find(|s| s["id"] == id)
        .unwrap_or_else(|| panic!("no scenario {id} in the report"))
}

/// Asserts two floats agree to a relative 1e-9 (or absolute 1e-9 near zero).
#[track_caller]
pub fn assert_close(actual: &serde_json::Value, expected: f64) {
    let a = actual
        .as_f64()
        .unwrap_or_else(|| panic!("expected the number {expected}, found {actual}"));
    let tol = 1e-9 * expected.abs().max(1.0);
    assert!(
        (a - expected).abs() <= tol,
        "expected {expected}, found {a}"
    );
}

/// Every diagnostic code used in src/: the first string argument of `Diagnostic::error`,
/// `Diagnostic::warning`, `cx.error`, `cx.key_error` and `cx.warning`, and `ignored-key`.
pub fn diagnostic_codes() -> Vec<String> {
    let mut codes = std::collections::BTreeSet::new();
    let mut stack = vec![root().join("src")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            for marker in ["error(\n", "error(", "warning(", "key_error("] {
                for piece in text.split(marker).skip(1) {
                    let piece = piece.trim_start();
                    if let Some(rest) = piece.strip_prefix('"') {
                        let code: String = rest.chars().take_while(|c| *c != '"').collect();
                        if !code.is_empty()
                            && code
                                .chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                        {
                            codes.insert(code);
                        }
                    }
                }
            }
            if text.contains("\"ignored-key\"") {
                codes.insert("ignored-key".to_string());
            }
        }
    }
    codes.into_iter().collect()
}

/// `drplan generate` arguments for an estate of this size, link shape, routing kind, number of
/// user groups and datastore kinds, the rest at their defaults (callers set shared-fate
/// groups, externals and the seed where they need to).
pub fn estate(
    (regions, azs): (usize, usize),
    links: drplan::generate::LinkShape,
    routing: &str,
    users: usize,
    stores: &[&str],
) -> drplan::generate::GenerateArgs {
    drplan::generate::GenerateArgs {
        regions,
        azs,
        links,
        routing: routing.into(),
        users,
        datastores: stores.iter().map(|s| s.to_string()).collect(),
        ..drplan::generate::GenerateArgs::default()
    }
}
