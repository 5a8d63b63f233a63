//! Every diagnostic code drplan can emit, each shown on a broken fixture in
//! `tests/fixtures/invalid/<code>.yaml` (a small valid topology with exactly that problem).
//!
//! Each test runs `drplan validate` on its fixture from the repository root with a relative path,
//! checks the exit code and that the code is reported with a `file:line:column`, and snapshots
//! the rendered output, so a change in what users see is a reviewed diff
//! (`tests/snapshots/main__diagnostics__<code>.snap`). A last test scans `src/` for the codes in use,
//! so a new code without a fixture fails here.

use std::collections::BTreeSet;
use std::path::Path;

use crate::common::{drplan, root};

/// Where the fixtures live, relative to the repository root (and so in the snapshots).
const DIR: &str = "tests/fixtures/invalid";

/// Fixtures that are not named after a code.
const EXTRA_FIXTURES: &[&str] = &[
    "many-problems",
    "missing-key-top-level",
    // Version 2 rules (MODEL.md §1) reported with codes shared with version 1 rules.
    "requires-dangling",
    "control-plane-region-dangling",
    "change-target-dangling",
    "waves-not-a-service",
    "wave-place-dangling",
    "wave-place-twice",
    "change-per-year-negative",
    "change-bad-fraction",
    "change-latent-fraction",
    "requires-on-anycast",
    "manual-failover-on-global-lb",
    "scenario-named-like-a-change",
    "change-keys-ignored",
    "eight-mistakes",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Severity {
    Error,
    Warning,
}

/// What the test expects of a fixture.
#[derive(Clone, Copy)]
struct Expect {
    severity: Severity,
    /// Whether the diagnostic points at a line and column. Whole-file problems (empty, too
    /// large, not UTF-8) have no position to show.
    located: bool,
    /// Extra arguments to `drplan validate`.
    args: &'static [&'static str],
}

const ERROR: Expect = Expect {
    severity: Severity::Error,
    located: true,
    args: &[],
};
const WARNING: Expect = Expect {
    severity: Severity::Warning,
    ..ERROR
};
const WHOLE_FILE: Expect = Expect {
    located: false,
    ..ERROR
};

/// One `#[test]` per code, and the list of the codes that have one.
macro_rules! codes {
    ($($test:ident: $code:literal => $expect:expr;)*) => {
        /// Every code with a fixture and a test in this module.
        const COVERED: &[&str] = &[$($code),*];
        $(
            #[test]
            fn $test() {
                check($code, $code, $expect);
            }
        )*
    };
}

codes! {
    // Reading and parsing the file.
    not_utf8: "not-utf8" => ERROR;
    file_too_large: "file-too-large" => Expect { args: &["--max-file-size", "10"], ..WHOLE_FILE };
    empty_file: "empty-file" => WHOLE_FILE;
    yaml_syntax: "yaml-syntax" => ERROR;
    multiple_documents: "multiple-documents" => ERROR;
    duplicate_key: "duplicate-key" => ERROR;
    // Shape: keys and value types.
    unknown_key: "unknown-key" => ERROR;
    missing_key: "missing-key" => ERROR;
    unknown_value: "unknown-value" => ERROR;
    invalid_value: "invalid-value" => ERROR;
    // Values.
    unsupported_version: "unsupported-version" => ERROR;
    duplicate_id: "duplicate-id" => ERROR;
    region_without_azs: "region-without-azs" => ERROR;
    invalid_location: "invalid-location" => ERROR;
    invalid_duration: "invalid-duration" => ERROR;
    invalid_mttr: "invalid-mttr" => ERROR;
    invalid_availability: "invalid-availability" => ERROR;
    invalid_number: "invalid-number" => ERROR;
    suspicious_rtt: "suspicious-rtt" => WARNING;
    ignored_key: "ignored-key" => WARNING;
    // Links and shared fate.
    invalid_link: "invalid-link" => ERROR;
    dangling_reference: "dangling-reference" => ERROR;
    self_link: "self-link" => ERROR;
    duplicate_link: "duplicate-link" => ERROR;
    rtt_below_light: "rtt-below-light" => ERROR;
    empty_shared_fate: "empty-shared-fate" => WARNING;
    // Routing and users.
    duplicate_reference: "duplicate-reference" => ERROR;
    invalid_share: "invalid-share" => ERROR;
    shares_not_one: "shares-not-one" => ERROR;
    // Services and datastores.
    invalid_placement: "invalid-placement" => ERROR;
    az_not_in_region: "az-not-in-region" => ERROR;
    scale_to_smaller: "scale-to-smaller" => ERROR;
    invalid_capacity: "invalid-capacity" => ERROR;
    entry_count: "entry-count" => ERROR;
    replica_is_primary: "replica-is-primary" => ERROR;
    primary_not_member: "primary-not-member" => ERROR;
    dependency_cycle: "dependency-cycle" => ERROR;
    // Objectives and scenarios.
    unknown_class: "unknown-class" => ERROR;
    unknown_objective: "unknown-objective" => ERROR;
    invalid_waiver: "invalid-waiver" => ERROR;
    invalid_date: "invalid-date" => ERROR;
    invalid_scenario: "invalid-scenario" => ERROR;
    scenario_name_taken: "scenario-name-taken" => ERROR;
    duplicate_scenario: "duplicate-scenario" => ERROR;
    empty_scenario: "empty-scenario" => ERROR;
    unknown_component: "unknown-component" => ERROR;
    repeated_entry: "repeated-entry" => WARNING;
    invalid_fraction: "invalid-fraction" => ERROR;
    repeated_dependency: "repeated-dependency" => ERROR;
    too_many_components: "too-many-components" => ERROR;
    // Version 2: control planes (MODEL.md §10) and changes (§11).
    invalid_target: "invalid-target" => ERROR;
    invalid_wave: "invalid-wave" => ERROR;
    change_in_scenario: "change-in-scenario" => ERROR;
    wave_without_instances: "wave-without-instances" => WARNING;
    no_control_plane_needed: "no-control-plane-needed" => WARNING;
    // Needs an evaluation.
    nothing_serves: "nothing-serves" => ERROR;
}

/// Version 2 rules of MODEL.md §1 that reuse a version 1 code: each fixture shows exactly that
/// code, located.
#[test]
fn version_2_rules_with_shared_codes() {
    for (name, code, expect) in [
        ("requires-dangling", "dangling-reference", ERROR),
        ("control-plane-region-dangling", "dangling-reference", ERROR),
        ("change-target-dangling", "dangling-reference", ERROR),
        ("waves-not-a-service", "invalid-wave", ERROR),
        ("wave-place-dangling", "dangling-reference", ERROR),
        ("wave-place-twice", "duplicate-reference", ERROR),
        ("change-per-year-negative", "invalid-number", ERROR),
        ("change-bad-fraction", "invalid-number", ERROR),
        ("change-latent-fraction", "invalid-number", ERROR),
        ("requires-on-anycast", "ignored-key", WARNING),
        ("manual-failover-on-global-lb", "ignored-key", WARNING),
        ("scenario-named-like-a-change", "scenario-name-taken", ERROR),
        ("change-keys-ignored", "ignored-key", WARNING),
    ] {
        check(name, code, expect);
    }
}

/// A missing top-level section is found after decoding, not by serde.
#[test]
fn missing_key_top_level() {
    check("missing-key-top-level", "missing-key", ERROR);
}

/// One diagnostic as rendered: `error[code]: message` then ` --> file:line:column`.
#[derive(Debug)]
struct Rendered {
    severity: Severity,
    code: String,
    message: String,
    /// The text after `-->`: the file name, then `:line:column` when located.
    location: String,
}

impl Rendered {
    /// The line and column, if the location has them.
    fn line_column(&self) -> Option<(usize, usize)> {
        let mut parts = self.location.rsplitn(3, ':');
        let column = parts.next()?.parse().ok()?;
        let line = parts.next()?.parse().ok()?;
        parts.next()?;
        Some((line, column))
    }
}

/// Splits rendered diagnostics into their heads and locations.
fn parse_rendered(stderr: &str) -> Vec<Rendered> {
    let lines: Vec<&str> = stderr.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let (severity, rest) = if let Some(rest) = line.strip_prefix("error[") {
            (Severity::Error, rest)
        } else if let Some(rest) = line.strip_prefix("warning[") {
            (Severity::Warning, rest)
        } else {
            continue;
        };
        let (code, message) = rest
            .split_once("]: ")
            .unwrap_or_else(|| panic!("a diagnostic head `code]: message`, found {line:?}"));
        let location = lines
            .get(i + 1)
            .and_then(|l| l.trim_start().strip_prefix("--> "))
            .unwrap_or_else(|| panic!("a ` --> file` line after {line:?}"));
        out.push(Rendered {
            severity,
            code: code.to_string(),
            message: message.to_string(),
            location: location.trim_end().to_string(),
        });
    }
    out
}

/// The relative path of a fixture, as given on the command line.
fn fixture(name: &str) -> String {
    format!("{DIR}/{name}.yaml")
}

/// Runs `drplan validate` on a fixture from the repository root; returns exit code, stdout and
/// stderr.
fn validate(name: &str, args: &[&str]) -> (i32, String, String) {
    let output = drplan()
        .current_dir(root())
        .args(["validate", "--color", "never"])
        .args(args)
        .arg(fixture(name))
        .output()
        .expect("drplan runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Validates fixture `name`, expects exactly the diagnostic `code` (once or more, as `expect`
/// says) and snapshots what the user sees on stderr.
fn check(name: &str, code: &str, expect: Expect) {
    let (status, stdout, stderr) = validate(name, expect.args);
    let wanted = match expect.severity {
        Severity::Error => 2,
        Severity::Warning => 0,
    };
    assert_eq!(
        status, wanted,
        "exit code for {name}.yaml; stderr:\n{stderr}"
    );
    if expect.severity == Severity::Warning {
        assert!(
            stdout.contains(": valid ("),
            "a file with only warnings is valid; stdout:\n{stdout}"
        );
    }
    assert!(
        stderr.contains(&format!("[{code}]")),
        "no [{code}] in:\n{stderr}"
    );

    let diagnostics = parse_rendered(&stderr);
    assert!(!diagnostics.is_empty(), "no diagnostic in:\n{stderr}");
    for d in &diagnostics {
        assert_eq!(
            d.code, code,
            "{name}.yaml should show only the problem it is named after:\n{stderr}"
        );
        assert_eq!(d.severity, expect.severity, "severity of {code}:\n{stderr}");
        assert!(
            d.location.starts_with(&fixture(name)),
            "the location names the file as given: {:?}",
            d.location
        );
        assert!(!d.message.trim().is_empty(), "{code} has an empty message");
        match d.line_column() {
            Some((line, column)) => {
                assert!(
                    expect.located,
                    "{code} is a whole-file problem, yet located"
                );
                assert!(
                    line >= 1 && column >= 1,
                    "1-based location: {:?}",
                    d.location
                );
            }
            None => assert!(
                !expect.located,
                "{code} should point at a line and column: {:?}",
                d.location
            ),
        }
    }
    let errors = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let count_line = format!(
        "{}: {errors} error{}, {} warning{}",
        fixture(name),
        if errors == 1 { "" } else { "s" },
        diagnostics.len() - errors,
        if diagnostics.len() - errors == 1 {
            ""
        } else {
            "s"
        },
    );
    assert!(
        stderr.contains(&count_line),
        "the count line {count_line:?} in:\n{stderr}"
    );
    insta::assert_snapshot!(name, stderr);
}

/// All problems of a file are reported in one run, each at its own line.
#[test]
fn many_problems_are_reported_at_once() {
    let (status, _, stderr) = validate("many-problems", &[]);
    assert_eq!(status, 2, "stderr:\n{stderr}");
    let diagnostics = parse_rendered(&stderr);
    let errors: Vec<&Rendered> = diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect();
    let codes: Vec<&str> = errors.iter().map(|d| d.code.as_str()).collect();
    let expected = [
        "invalid-availability", // regions
        "rtt-below-light",      // links
        "invalid-duration",     // routing
        "shares-not-one",       // users
        "dangling-reference",   // services
        "replica-is-primary",   // datastores
        "unknown-class",        // objectives
        "unknown-component",    // scenarios
    ];
    assert_eq!(codes, expected, "the errors, in file order:\n{stderr}");
    let lines: BTreeSet<usize> = errors
        .iter()
        .map(|d| {
            d.line_column()
                .unwrap_or_else(|| panic!("{} is located", d.code))
                .0
        })
        .collect();
    assert_eq!(lines.len(), errors.len(), "one line per error:\n{stderr}");
    assert!(
        diagnostics
            .iter()
            .any(|d| d.severity == Severity::Warning && d.code == "ignored-key"),
        "warnings are reported beside the errors:\n{stderr}"
    );
    assert!(stderr.contains("many-problems.yaml: 8 errors, 1 warning"));
    insta::assert_snapshot!("many-problems", stderr);
}

/// The reviewer's file: eight mistakes of different kinds, shape problems (which used to stop
/// decoding, hiding the value problems of every other section) beside value problems, all in
/// one run, each at its line, each unknown key with the keys it could be and the nearest one,
/// and nothing that only follows from them (the dropped `eu-west` region is referenced all over
/// the file).
#[test]
fn the_reviewers_eight_mistakes_are_reported_in_one_run() {
    let (status, _, stderr) = validate("eight-mistakes", &[]);
    assert_eq!(status, 2, "stderr:\n{stderr}");
    let found: Vec<(String, usize)> = parse_rendered(&stderr)
        .iter()
        .map(|d| {
            let line = d
                .line_column()
                .unwrap_or_else(|| panic!("{} is located", d.code));
            (d.code.clone(), line.0)
        })
        .collect();
    let expected = [
        ("unknown-key", 27),        // regions: `mtr`
        ("invalid-value", 30),      // regions: a location that is not a number
        ("invalid-duration", 54),   // routing: `60 sec`
        ("unknown-key", 55),        // routing: `threshold`
        ("shares-not-one", 61),     // users
        ("dangling-reference", 88), // services: `evcach`
        ("invalid-value", 94),      // datastores: `sync: maybe`
        ("unknown-component", 121), // scenarios: `region:us-centre`
    ];
    let expected: Vec<(String, usize)> = expected
        .iter()
        .map(|(c, l)| ((*c).to_string(), *l))
        .collect();
    assert_eq!(found, expected, "stderr:\n{stderr}");
    assert!(stderr.contains("8 errors, 0 warnings"), "{stderr}");
    assert!(
        stderr.contains("unknown key `threshold`; expected `interval` or `failure_threshold`")
            && stderr.contains("did you mean `failure_threshold`?"),
        "{stderr}"
    );
    assert!(
        stderr.contains("unknown key `mtr`; expected `availability` or `mttr`")
            && stderr.contains("did you mean `mttr`?"),
        "{stderr}"
    );
    assert!(!stderr.contains("expected one of \n"), "{stderr}");
}

/// A file of only comments and blank lines is empty too.
#[test]
fn a_file_of_comments_is_empty() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("comments.yaml");
    std::fs::write(&path, "# nothing yet\n\n").expect("the file is written");
    let output = drplan()
        .args(["validate", "--color", "never"])
        .arg(&path)
        .output()
        .expect("drplan runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr:\n{stderr}");
    assert!(stderr.contains("error[empty-file]"), "stderr:\n{stderr}");
}

/// The diagnostic codes used in `src/`: string literals passed first to a function whose name
/// ends in `error` or `warning` (`Diagnostic::error`, `cx.key_error`, `self.warning`, ...), or
/// assigned to a `code:` field.
fn codes_in_source() -> BTreeSet<String> {
    let mut codes = BTreeSet::new();
    let mut files = Vec::new();
    collect_rs(&root().join("src"), &mut files);
    assert!(!files.is_empty(), "src/ holds Rust files");
    // The Terraform importer's codes are about plan files, not topologies: tests/terraform.rs
    // shows each on a hostile plan (`every_import_code_is_shown_by_a_test`).
    files.retain(|f| !f.starts_with(root().join("src/import")));
    for file in files {
        let text = std::fs::read_to_string(&file).expect("a source file is UTF-8 text");
        for opener in ["error(", "warning(", "code: "] {
            for (at, _) in text.match_indices(opener) {
                let rest = text[at + opener.len()..].trim_start();
                let Some(literal) = rest.strip_prefix('"') else {
                    continue;
                };
                let Some(end) = literal.find('"') else {
                    continue;
                };
                let code = &literal[..end];
                if is_code(code) {
                    codes.insert(code.to_string());
                }
            }
        }
    }
    codes
}

fn collect_rs(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            collect_rs(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Kebab-case with at least one dash: `dangling-reference`, not `routing` or `Foo`.
fn is_code(s: &str) -> bool {
    s.contains('-')
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('-')
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// Adding a code to `src/` without a fixture and a test here fails; so does a fixture left
/// behind for a code that is gone.
#[test]
fn every_code_in_the_source_has_a_fixture() {
    let used = codes_in_source();
    assert!(
        used.len() >= 30 && used.contains("dangling-reference") && used.contains("ignored-key"),
        "the scan of src/ finds the codes: {used:?}"
    );
    let covered: BTreeSet<String> = COVERED.iter().map(|c| c.to_string()).collect();
    let missing: Vec<&String> = used.difference(&covered).collect();
    assert!(
        missing.is_empty(),
        "codes used in src/ without a fixture and a test in tests/diagnostics.rs: {missing:?}"
    );
    let stale: Vec<&String> = covered.difference(&used).collect();
    assert!(
        stale.is_empty(),
        "codes tested here that src/ no longer uses: {stale:?}"
    );

    let mut on_disk = BTreeSet::new();
    for entry in std::fs::read_dir(root().join(DIR)).expect("the fixture folder exists") {
        let path = entry.expect("a directory entry").path();
        let stem = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a fixture name is UTF-8");
        assert_eq!(
            path.extension().and_then(|e| e.to_str()),
            Some("yaml"),
            "only .yaml files in {DIR}: {}",
            path.display()
        );
        on_disk.insert(stem.to_string());
    }
    for code in &used {
        assert!(on_disk.contains(code), "no fixture {DIR}/{code}.yaml");
    }
    for stem in &on_disk {
        assert!(
            used.contains(stem) || EXTRA_FIXTURES.contains(&stem.as_str()),
            "{DIR}/{stem}.yaml is named after no code in use"
        );
    }
}
