//! The same input gives byte-identical output (MODEL.md §8), in every format of every command
//! that reports: across runs, and for `analyze` across thread counts (`--threads 1` against
//! `--threads 2`, twice, singles and combinations). Runs the real binary, so hash-map order,
//! timestamps or thread scheduling reaching any output would show here.
//!
//! `DRPLAN_TODAY` is fixed so that a run crossing midnight cannot change a waiver's state
//! between the two runs; the date is the one input from the environment (documented in
//! docs/gating.md).

use clap::ValueEnum;
use drplan::render::Format;

use crate::common::{drplan, root};

const TODAY: &str = "2026-06-01";

/// Examples that cover every routing kind and replication kind, waivers and objectives.
const EXAMPLES: &[&str] = &[
    "topologies/active-passive.yaml",
    "topologies/eu-residency.yaml",
    "topologies/spanner-consensus.yaml",
    "topologies/active-active-geodns.yaml",
    "tests/fixtures/gate/waivers.yaml",
];

fn name(format: Format) -> String {
    format
        .to_possible_value()
        .expect("every format has a name")
        .get_name()
        .to_string()
}

/// Runs drplan with `args` (paths relative to the repository root) and returns its exit code
/// and standard output.
fn run(args: &[&str]) -> (i32, Vec<u8>) {
    let output = drplan()
        .current_dir(root())
        .env("DRPLAN_TODAY", TODAY)
        .env("NO_COLOR", "1")
        .args(args)
        .output()
        .expect("drplan runs");
    let code = output.status.code().unwrap_or(-1);
    assert!(
        code == 0 || code == 1,
        "drplan {args:?} exited {code}:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(!output.stdout.is_empty(), "drplan {args:?} printed nothing");
    (code, output.stdout)
}

/// Runs each argument list and asserts that every run gives the same exit code and bytes.
fn assert_identical(runs: &[Vec<&str>]) {
    let first = run(&runs[0]);
    for args in &runs[1..] {
        let other = run(args);
        assert_eq!(
            first.0, other.0,
            "exit codes differ: {:?} vs {args:?}",
            runs[0]
        );
        if first.1 != other.1 {
            let a = String::from_utf8_lossy(&first.1);
            let b = String::from_utf8_lossy(&other.1);
            let line = a
                .lines()
                .zip(b.lines())
                .position(|(x, y)| x != y)
                .unwrap_or(a.lines().count().min(b.lines().count()));
            panic!(
                "output differs between {:?} and {args:?}, first at line {}:\n{}\n{}",
                runs[0],
                line + 1,
                a.lines().nth(line).unwrap_or("<end>"),
                b.lines().nth(line).unwrap_or("<end>")
            );
        }
    }
}

#[test]
fn analyze_is_byte_identical_across_runs_and_threads() {
    let all: Vec<Format> = Format::value_variants().to_vec();
    for example in EXAMPLES {
        for &format in &all {
            let f = name(format);
            let base = vec!["analyze", example, "--format", &f, "--quiet"];
            let with = |threads: &'static str| {
                let mut v = base.clone();
                v.extend(["--threads", threads]);
                v
            };
            assert_identical(&[with("1"), with("2"), with("2")]);
        }
    }
}

#[test]
fn combinations_are_byte_identical_across_threads() {
    // Combinations are swept in parallel chunks: the place where scheduling could leak.
    for example in [
        "topologies/active-passive.yaml",
        "topologies/spanner-consensus.yaml",
    ] {
        for format in ["json", "jsonl", "table", "markdown"] {
            let base = vec![
                "analyze",
                example,
                "--format",
                format,
                "--quiet",
                "--max-failures",
                "3",
            ];
            let with = |threads: &'static str| {
                let mut v = base.clone();
                v.extend(["--threads", threads]);
                v
            };
            assert_identical(&[with("1"), with("2"), with("2")]);
        }
    }
}

#[test]
fn check_is_byte_identical_across_runs() {
    for example in EXAMPLES {
        for &format in drplan::render::check::FORMATS {
            let f = name(format);
            let args = vec!["check", example, "--format", &f];
            assert_identical(&[args.clone(), args]);
        }
    }
}

#[test]
fn diff_is_byte_identical_across_runs() {
    let pairs = [
        (
            "tests/fixtures/gate/base.yaml",
            "tests/fixtures/gate/head.yaml",
        ),
        ("topologies/single-region.yaml", "topologies/multi-az.yaml"),
        (
            "topologies/active-passive.yaml",
            "topologies/eu-residency.yaml",
        ),
    ];
    for (a, b) in pairs {
        for &format in drplan::render::diff::FORMATS {
            let f = name(format);
            let args = vec!["diff", a, b, "--format", &f];
            assert_identical(&[args.clone(), args]);
        }
    }
}

#[test]
fn compare_is_byte_identical_across_runs() {
    for &format in drplan::render::compare::FORMATS {
        let f = name(format);
        let args = vec![
            "compare",
            "topologies/single-region.yaml",
            "topologies/active-passive.yaml",
            "topologies/spanner-consensus.yaml",
            "topologies/active-active-geodns.yaml",
            "--format",
            &f,
        ];
        assert_identical(&[args.clone(), args]);
    }
}

#[test]
fn graph_is_byte_identical_across_runs() {
    for example in EXAMPLES {
        for format in ["dot", "mermaid"] {
            let args = vec!["graph", example, "--format", format];
            assert_identical(&[args.clone(), args]);
        }
    }
    for scenario in ["region:us-east", "az:use1-az1+region:us-west"] {
        for format in ["dot", "mermaid"] {
            let args = vec![
                "graph",
                "topologies/active-passive.yaml",
                "--format",
                format,
                "--scenario",
                scenario,
            ];
            assert_identical(&[args.clone(), args]);
        }
    }
}

#[test]
fn diagnostics_are_byte_identical_across_runs() {
    // Validation looks ids up in hash maps; the diagnostics must not follow their order.
    let dir = root().join("tests/fixtures/invalid");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    files.sort();
    assert!(files.len() > 10);
    for path in files {
        let once = || {
            drplan()
                .env("NO_COLOR", "1")
                .env("DRPLAN_TODAY", TODAY)
                .arg("validate")
                .arg(&path)
                .output()
                .expect("drplan runs")
        };
        let (a, b) = (once(), once());
        assert_eq!(a.status.code(), b.status.code(), "{}", path.display());
        assert_eq!(a.stdout, b.stdout, "{}", path.display());
        assert_eq!(a.stderr, b.stderr, "{}", path.display());
    }
}
