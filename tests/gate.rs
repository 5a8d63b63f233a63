//! The CI gate: `drplan check`, waivers, and the formats CI systems read (markdown, JUnit,
//! SARIF, GitHub workflow commands), for `check` and `analyze`.
//!
//! Every format is snapshotted (`tests/snapshots/main__gate__*.snap`). JUnit output is validated
//! against the Jenkins xunit-plugin `junit-10.xsd` with `xmllint` (skipped with a visible message
//! when it is missing, a failure when `DRPLAN_REQUIRE_TOOLS` is set), SARIF output against the
//! OASIS SARIF 2.1.0 JSON schema with the `jsonschema` crate, and markdown is parsed as GitHub
//! does (tables, no strikethrough, balanced `<details>`). Both schemas are vendored in
//! `tests/schemas/`: no network at test time.

use std::path::Path;
use std::process::Command as StdCommand;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde_json::Value;

use crate::common::{drplan, root};

/// A day after the cost waiver of `waivers.yaml` expired (2026-01-31).
pub const AFTER_EXPIRY: &str = "2026-06-01";
/// A day before it expired.
pub const BEFORE_EXPIRY: &str = "2025-12-01";

pub const BASE: &str = "tests/fixtures/gate/base.yaml";
pub const HEAD: &str = "tests/fixtures/gate/head.yaml";
pub const WAIVERS: &str = "tests/fixtures/gate/waivers.yaml";
pub const NO_OBJECTIVES: &str = "tests/fixtures/gate/no-objectives.yaml";

/// What a run printed and how it exited.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Runs drplan from the repository root (so paths in the output are relative and stable) with
/// a fixed date for waivers.
pub fn run(args: &[&str]) -> Run {
    run_on(args, AFTER_EXPIRY)
}

pub fn run_on(args: &[&str], today: &str) -> Run {
    let output = drplan()
        .current_dir(root())
        .env("DRPLAN_TODAY", today)
        .env_remove("NO_COLOR")
        .args(args)
        .output()
        .expect("drplan runs");
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("UTF-8 output"),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// Runs and checks the exit code.
#[track_caller]
pub fn expect(args: &[&str], code: i32) -> Run {
    let r = run(args);
    assert_eq!(
        r.code, code,
        "drplan {args:?} exited {}; stdout:\n{}\nstderr:\n{}",
        r.code, r.stdout, r.stderr
    );
    r
}

// ---- check: verdict and exit codes ----

#[test]
fn check_exits_0_when_the_objectives_pass() {
    let r = expect(&["check", BASE], 0);
    assert_eq!(
        r.stdout,
        "passed: tests/fixtures/gate/base.yaml (shop) meets its 6 objectives\n"
    );
    insta::assert_snapshot!("check-table-passed", r.stdout);
}

#[test]
fn check_exits_1_on_a_breach_and_names_objective_scenario_limit_actual_and_line() {
    let r = expect(&["check", HEAD], 1);
    let first = r.stdout.lines().next().unwrap();
    assert_eq!(
        first,
        "FAILED: 1 breach of rto in tests/fixtures/gate/head.yaml (shop)"
    );
    let text = std::fs::read_to_string(root().join(HEAD)).unwrap();
    let line = text
        .lines()
        .position(|l| l.trim_start().starts_with("rto:"))
        .unwrap()
        + 1;
    let row = r
        .stdout
        .lines()
        .find(|l| l.contains("region:us-east"))
        .expect("a row for the breach");
    for part in [
        "rto",
        "region:us-east",
        "15m",
        "1h 1m",
        &format!("tests/fixtures/gate/head.yaml:{line}"),
    ] {
        assert!(row.contains(part), "{part:?} in {row:?}");
    }
    insta::assert_snapshot!("check-table-failed", r.stdout);
}

#[test]
fn no_fail_turns_a_breach_into_exit_0_for_check_and_analyze() {
    expect(&["check", HEAD, "--no-fail"], 0);
    expect(&["analyze", HEAD, "--no-fail", "--format", "json"], 0);
    expect(&["analyze", HEAD, "--format", "json"], 1);
}

#[test]
fn check_without_objectives_passes_and_says_nothing_is_gated() {
    let r = expect(&["check", NO_OBJECTIVES], 0);
    assert!(
        r.stdout.contains("sets none, so nothing is gated"),
        "{}",
        r.stdout
    );
}

#[test]
fn check_exit_codes_for_bad_input_usage_and_missing_files() {
    let r = expect(&["check", "tests/fixtures/invalid/invalid-waiver.yaml"], 2);
    assert!(r.stderr.contains("error[invalid-waiver]"), "{}", r.stderr);
    expect(&["check", BASE, "--format", "html"], 2);
    expect(&["check", BASE, "--format", "nope"], 2);
    let r = expect(&["check", "tests/fixtures/gate/missing.yaml"], 3);
    assert!(r.stderr.contains("missing.yaml"), "{}", r.stderr);
    let bad_day = run_on(&["check", WAIVERS], "2026-13-01");
    assert_eq!(bad_day.code, 2, "{}", bad_day.stderr);
    assert!(
        bad_day.stderr.contains("DRPLAN_TODAY"),
        "{}",
        bad_day.stderr
    );
}

#[test]
fn output_writes_the_file_and_nothing_to_stdout() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("gate.sarif");
    let r = expect(
        &[
            "check",
            HEAD,
            "--format",
            "sarif",
            "--output",
            path.to_str().unwrap(),
        ],
        1,
    );
    assert!(r.stdout.is_empty());
    let written: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(written["version"], "2.1.0");
}

// ---- waivers ----

#[test]
fn waived_breaches_are_shown_and_do_not_fail() {
    let r = run_on(&["check", WAIVERS], BEFORE_EXPIRY);
    assert_eq!(r.code, 0, "{}\n{}", r.stdout, r.stderr);
    assert!(r.stdout.starts_with("passed: "), "{}", r.stdout);
    assert!(r.stdout.contains("2 waived"));
    assert!(r.stdout.contains("Waived (accepted risks"));
    assert!(r.stdout.contains("OPS-142"));
    let json: Value =
        serde_json::from_str(&run_on(&["check", WAIVERS, "-f", "json"], BEFORE_EXPIRY).stdout)
            .unwrap();
    assert_eq!(json["passed"], true);
    assert_eq!(json["breaches"].as_array().unwrap().len(), 0);
    assert_eq!(json["waived"].as_array().unwrap().len(), 2);
    assert_eq!(json["waived"][0]["waiver"]["path"], "objectives.waivers[0]");
}

#[test]
fn an_expired_waiver_fails_with_a_clear_message() {
    let r = expect(&["check", WAIVERS], 1);
    assert!(
        r.stdout.contains(
            "error: the waiver objectives.waivers[1] expired on 2026-01-31 (reason: two regions cost more during the migration): fix the breach or renew the waiver with a new date"
        ),
        "{}",
        r.stdout
    );
    let json: Value =
        serde_json::from_str(&expect(&["check", WAIVERS, "-f", "json"], 1).stdout).unwrap();
    assert_eq!(json["breaches"][0]["objective"], "max_monthly_cost");
    assert_eq!(json["breaches"][0]["expired_waiver"]["expired"], true);
    // The waiver still applies on its last day.
    assert_eq!(run_on(&["check", WAIVERS], "2026-01-31").code, 0);
    assert_eq!(run_on(&["check", WAIVERS], "2026-02-01").code, 1);
}

#[test]
fn a_waiver_that_matches_nothing_is_a_warning() {
    let r = run_on(&["check", WAIVERS], BEFORE_EXPIRY);
    assert_eq!(r.code, 0);
    assert!(
        r.stderr.contains(
            "warning: the waiver objectives.waivers[2] (rpo in region:us-west) matches no breach"
        ),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("--> tests/fixtures/gate/waivers.yaml:73:7"),
        "{}",
        r.stderr
    );
    let json = analyze_json_on(WAIVERS, BEFORE_EXPIRY);
    assert_eq!(
        json["objectives"]["stale_waivers"][0]["path"],
        "objectives.waivers[2]"
    );
}

#[test]
fn analyze_json_shows_waived_breaches_apart_from_failing_ones() {
    let json = analyze_json_on(WAIVERS, AFTER_EXPIRY);
    let o = &json["objectives"];
    assert_eq!(o["passed"], false);
    assert_eq!(o["breaches"].as_array().unwrap().len(), 1);
    assert_eq!(o["waived"][0]["objective"], "rto");
    assert_eq!(o["waived"][0]["scenario"], "region:us-east");
    assert_eq!(o["waived"][0]["waiver"]["expires"], "2099-12-31");
    // Without waivers the JSON keeps exactly the MODEL.md §8 verdict keys.
    let plain = analyze_json_on(HEAD, AFTER_EXPIRY);
    let keys: Vec<&String> = plain["objectives"].as_object().unwrap().keys().collect();
    assert_eq!(keys, ["breaches", "has_objectives", "passed"]);
    let breach_keys: Vec<&String> = plain["objectives"]["breaches"][0]
        .as_object()
        .unwrap()
        .keys()
        .collect();
    assert_eq!(breach_keys, ["actual", "limit", "objective", "scenario"]);
}

fn analyze_json_on(file: &str, today: &str) -> Value {
    let r = run_on(&["analyze", file, "--format", "json"], today);
    assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
    serde_json::from_str(&r.stdout).unwrap()
}

// ---- formats: snapshots ----

#[test]
fn check_formats_are_pinned() {
    for format in ["table", "json", "markdown", "junit", "sarif", "github"] {
        let r = expect(&["check", WAIVERS, "--format", format], 1);
        assert!(!r.stdout.contains('\u{1b}'), "no ANSI codes in {format}");
        insta::assert_snapshot!(format!("check-{format}"), r.stdout);
    }
}

#[test]
fn analyze_ci_formats_are_pinned() {
    for format in ["markdown", "junit", "sarif", "github"] {
        let r = expect(&["analyze", WAIVERS, "--format", format], 1);
        assert!(!r.stdout.contains('\u{1b}'), "no ANSI codes in {format}");
        insta::assert_snapshot!(format!("analyze-{format}"), r.stdout);
    }
}

#[test]
fn color_is_only_for_terminals_or_when_asked() {
    let plain = expect(&["check", HEAD], 1);
    assert!(!plain.stdout.contains('\u{1b}'));
    let colored = expect(&["check", HEAD, "--color", "always"], 1);
    assert!(colored.stdout.contains("\u{1b}["));
    let md = expect(&["check", HEAD, "--color", "always", "-f", "markdown"], 1);
    assert!(
        !md.stdout.contains('\u{1b}'),
        "markdown never has ANSI codes"
    );
}

// ---- GitHub workflow commands ----

#[test]
fn github_annotations_point_at_the_objective_lines() {
    let r = expect(&["check", WAIVERS, "--format", "github"], 1);
    let lines: Vec<&str> = r.stdout.lines().collect();
    assert!(lines[0].starts_with(
        "::error file=tests/fixtures/gate/waivers.yaml,line=64,col=3,title=drplan%3A max_monthly_cost::monthly cost $2,117.00 is above the objective $1,000.00; the waiver objectives.waivers[1] expired on 2026-01-31"
    ), "{}", lines[0]);
    assert!(lines[1].starts_with("::notice file=tests/fixtures/gate/waivers.yaml,line=61,"));
    assert!(lines[2].starts_with("::warning file=tests/fixtures/gate/waivers.yaml,line=73,"));
    assert!(lines[3].starts_with("drplan: FAILED"));
    for l in &lines[..3] {
        let (_, message) = l.split_once("::").unwrap().1.split_once("::").unwrap();
        assert!(!message.contains('\n') && !message.contains('\r'));
    }
}

// ---- markdown ----

/// What a markdown document looks like once parsed as GitHub does.
#[derive(Debug, Default)]
pub struct Markdown {
    pub first_line: String,
    /// Each table's header cells.
    pub tables: Vec<Vec<String>>,
    pub details_open: usize,
    pub details_close: usize,
    pub strikethrough: usize,
}

/// Parses GitHub-flavoured markdown and checks what every comment needs: a heading first, no
/// ANSI codes, every table row as wide as its header, balanced `<details>`.
pub fn parse_markdown(text: &str) -> Markdown {
    assert!(!text.contains('\u{1b}'), "ANSI codes in markdown");
    let mut md = Markdown {
        first_line: text.lines().next().unwrap_or_default().to_string(),
        ..Markdown::default()
    };
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut in_head = false;
    let mut cell = String::new();
    let mut row_width = 0;
    let mut header: Vec<String> = Vec::new();
    for event in Parser::new_ext(text, options) {
        match event {
            Event::Start(Tag::Table(_)) => header.clear(),
            Event::Start(Tag::TableHead) => in_head = true,
            Event::End(TagEnd::TableHead) => {
                in_head = false;
                md.tables.push(header.clone());
            }
            Event::Start(Tag::TableRow) => row_width = 0,
            Event::End(TagEnd::TableRow) => assert_eq!(
                row_width,
                header.len(),
                "a row as wide as its header {header:?} in:\n{text}"
            ),
            Event::Start(Tag::TableCell) => cell.clear(),
            Event::End(TagEnd::TableCell) => {
                if in_head {
                    header.push(cell.clone());
                } else {
                    row_width += 1;
                }
            }
            Event::Text(t) | Event::Code(t) => cell.push_str(&t),
            Event::Start(Tag::Strikethrough) => md.strikethrough += 1,
            Event::Html(h) | Event::InlineHtml(h) => {
                md.details_open += h.matches("<details").count();
                md.details_close += h.matches("</details>").count();
            }
            _ => {}
        }
    }
    assert!(md.first_line.starts_with("### "), "a heading first: {text}");
    assert_eq!(md.strikethrough, 0, "no accidental strikethrough:\n{text}");
    assert_eq!(
        md.details_open, md.details_close,
        "balanced <details>:\n{text}"
    );
    md
}

#[test]
fn markdown_renders_as_intended() {
    let md = parse_markdown(&expect(&["analyze", WAIVERS, "-f", "markdown"], 1).stdout);
    assert_eq!(
        md.first_line,
        "### ❌ drplan: `shop` fails 1 objective: `max_monthly_cost` (1 breach waived)"
    );
    let heads: Vec<&str> = md.tables.iter().map(|t| t[0].as_str()).collect();
    assert_eq!(
        heads,
        ["Objective", "Objective", "Figure", "Component", "Scenario"]
    );
    assert_eq!(
        md.details_open, 5,
        "breaches, waived, summary, what to fix first, scenarios"
    );
    // A link id (`link:us-east~us-west`) stays a code span, not strikethrough.
    assert_eq!(md.strikethrough, 0);
    let passed = parse_markdown(&expect(&["check", BASE, "-f", "markdown"], 0).stdout);
    assert_eq!(
        passed.first_line,
        "### ✅ drplan: `shop` passes its 6 objectives"
    );
    assert!(passed.tables.is_empty());
}

// ---- JUnit against the XSD ----

/// Whether a tool runs here; when it does not, say so, or fail under `DRPLAN_REQUIRE_TOOLS`.
pub fn tool_available(tool: &str, args: &[&str]) -> bool {
    let found = StdCommand::new(tool)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        assert!(
            std::env::var_os("DRPLAN_REQUIRE_TOOLS").is_none(),
            "{tool} is required (DRPLAN_REQUIRE_TOOLS is set) but does not run"
        );
        eprintln!("SKIPPED: {tool} is not installed; install it to run this check");
    }
    found
}

fn junit_outputs() -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (args, code) in [
        (vec!["check", WAIVERS, "-f", "junit"], 1),
        (vec!["check", BASE, "-f", "junit"], 0),
        (vec!["check", NO_OBJECTIVES, "-f", "junit"], 0),
        (vec!["analyze", HEAD, "-f", "junit"], 1),
    ] {
        out.push((format!("{args:?}"), expect(&args, code).stdout));
    }
    for t in example_topologies() {
        let r = run(&["check", &t, "-f", "junit"]);
        assert!(r.code == 0 || r.code == 1, "{}", r.stderr);
        out.push((t, r.stdout));
    }
    out
}

fn example_topologies() -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join("topologies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| format!("topologies/{}", p.file_name().unwrap().to_string_lossy()))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    files
}

#[test]
fn junit_validates_against_the_junit_xsd() {
    let outputs = junit_outputs();
    // The counts agree with the test cases whatever the validator.
    for (name, xml) in &outputs {
        let cases = xml.matches("<testcase ").count();
        let head = xml.lines().nth(1).unwrap();
        assert!(
            head.contains(&format!(r#"tests="{cases}""#)),
            "{name}: {head}"
        );
        let failures = xml.matches("<failure ").count();
        assert!(
            head.contains(&format!(r#"failures="{failures}""#)),
            "{name}"
        );
    }
    let (_, waivers) = &outputs[0];
    assert_eq!(
        waivers.matches("<failure ").count(),
        1,
        "the expired cost waiver"
    );
    assert_eq!(
        waivers.matches("<skipped ").count(),
        2,
        "waived rto, stale rpo"
    );
    if !tool_available("xmllint", &["--version"]) {
        return;
    }
    let xsd = root().join("tests/schemas/junit-10.xsd");
    let dir = tempfile::tempdir().unwrap();
    for (i, (name, xml)) in outputs.iter().enumerate() {
        let path = dir.path().join(format!("report-{i}.xml"));
        std::fs::write(&path, xml).unwrap();
        let out = StdCommand::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{name} does not validate against junit-10.xsd:\n{}\n{xml}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_junit_schema_rejects_a_broken_report() {
    if !tool_available("xmllint", &["--version"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.xml");
    // A test suite without its required counts.
    std::fs::write(
        &path,
        r#"<testsuites><testsuite name="x"><testcase name="y"/></testsuite></testsuites>"#,
    )
    .unwrap();
    let out = StdCommand::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(root().join("tests/schemas/junit-10.xsd"))
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success(), "the schema is really checked");
}

// ---- SARIF against the SARIF 2.1.0 schema ----

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json"))
        .expect("the vendored SARIF schema");
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft7::new(&schema).expect("the SARIF schema compiles")
}

#[track_caller]
fn assert_valid_sarif(validator: &jsonschema::Validator, name: &str, text: &str) -> Value {
    let doc: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let errors: Vec<String> = validator
        .iter_errors(&doc)
        .map(|e| format!("{}: {e}", e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{name} is not valid SARIF 2.1.0:\n{}",
        errors.join("\n")
    );
    doc
}

#[test]
fn sarif_validates_against_the_sarif_2_1_0_schema() {
    let validator = sarif_validator();
    let doc = assert_valid_sarif(
        &validator,
        "waivers",
        &expect(&["check", WAIVERS, "-f", "sarif"], 1).stdout,
    );
    let results = doc["runs"][0]["results"].as_array().unwrap();
    let summary: Vec<(&str, &str, u64, bool)> = results
        .iter()
        .map(|r| {
            (
                r["ruleId"].as_str().unwrap(),
                r["level"].as_str().unwrap(),
                r["locations"][0]["physicalLocation"]["region"]["startLine"]
                    .as_u64()
                    .unwrap(),
                r.get("suppressions").is_some(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("max_monthly_cost", "error", 64, false),
            ("rto", "error", 61, true),
            ("waiver", "warning", 73, false),
        ]
    );
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "tests/fixtures/gate/waivers.yaml"
    );
    for (args, code) in [
        (vec!["check", BASE, "-f", "sarif"], 0),
        (vec!["check", NO_OBJECTIVES, "-f", "sarif"], 0),
        (vec!["analyze", HEAD, "-f", "sarif"], 1),
    ] {
        assert_valid_sarif(
            &validator,
            &format!("{args:?}"),
            &expect(&args, code).stdout,
        );
    }
    for t in example_topologies() {
        let r = run(&["check", &t, "-f", "sarif"]);
        assert_valid_sarif(&validator, &t, &r.stdout);
    }
}

#[test]
fn the_sarif_schema_rejects_a_broken_log() {
    let validator = sarif_validator();
    let broken = serde_json::json!({ "version": "2.1.0", "runs": [{ "results": [] }] });
    assert!(
        !validator.is_valid(&broken),
        "a run without a tool is invalid"
    );
    let wrong_level = serde_json::json!({ "version": "2.1.0", "runs": [{
        "tool": { "driver": { "name": "x" } },
        "results": [{ "message": { "text": "m" }, "level": "fatal" }] }] });
    assert!(!validator.is_valid(&wrong_level));
}

/// The vendored schemas are the files the tests say they are.
#[test]
fn the_vendored_schemas_are_present() {
    let sarif =
        std::fs::read_to_string(root().join("tests/schemas/sarif-schema-2.1.0.json")).unwrap();
    assert!(sarif.contains("Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"));
    let xsd = std::fs::read_to_string(root().join("tests/schemas/junit-10.xsd")).unwrap();
    assert!(xsd.contains(r#"<xs:element name="testsuites">"#));
    assert!(Path::new(&root().join("tests/schemas/README.md")).exists());
}

// ---- informational scenarios and scenario-wide waivers ----

/// `HEAD` with a custom scenario that loses both regions (down: breaches `survive`, `rto`,
/// `rpo`), `scenario_extra` added to the scenario, and `objectives_extra` to the objectives.
fn head_with_what_if(dir: &Path, scenario_extra: &str, objectives_extra: &str) -> String {
    let mut text = std::fs::read_to_string(root().join(HEAD)).unwrap();
    text.push_str(objectives_extra);
    text.push_str(&format!(
        "scenarios:\n  - name: both-regions-out\n    fail: [region:us-east, region:us-west]\n{scenario_extra}"
    ));
    let path = dir.join("what-if.yaml");
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

/// The (objective, scenario) pairs of a JSON list of breaches.
fn pairs(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|b| {
            (
                b["objective"].as_str().unwrap().to_string(),
                b["scenario"].as_str().unwrap_or("-").to_string(),
            )
        })
        .collect()
}

#[test]
fn a_scenario_with_gate_false_is_reported_and_not_gated() {
    let dir = tempfile::tempdir().unwrap();
    let gated = head_with_what_if(dir.path(), "", "");
    let json = analyze_json_on(&gated, AFTER_EXPIRY);
    let what_if: Vec<(String, String)> = pairs(&json["objectives"]["breaches"])
        .into_iter()
        .filter(|(_, s)| s == "both-regions-out")
        .collect();
    assert!(
        what_if.contains(&("survive".into(), "both-regions-out".into())),
        "gated by default: {what_if:?}"
    );

    let informational = head_with_what_if(dir.path(), "    gate: false\n", "");
    let json = analyze_json_on(&informational, AFTER_EXPIRY);
    assert_eq!(
        pairs(&json["objectives"]["breaches"]),
        [("rto".to_string(), "region:us-east".to_string())],
        "only HEAD's own breach is left"
    );
    let scenario = json["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["id"] == "both-regions-out")
        .expect("the informational scenario is still in the report");
    assert_eq!(scenario["outcome"], "down");
    let r = run(&["check", &informational]);
    assert_eq!(r.code, 1, "HEAD's own rto breach still fails");
    assert!(!r.stdout.contains("both-regions-out"), "{}", r.stdout);
}

#[test]
fn a_waiver_of_every_objective_covers_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let waivers = "  waivers:\n    - objective: \"*\"\n      scenario: both-regions-out\n      reason: a what-if we accept\n    - objective: rto\n      scenario: region:us-east\n      reason: OPS-142\n";
    let file = head_with_what_if(dir.path(), "", waivers);
    let json = analyze_json_on(&file, AFTER_EXPIRY);
    let o = &json["objectives"];
    assert_eq!(o["passed"], true, "{o:#}");
    let waived = pairs(&o["waived"]);
    // Down with nothing served: `survive` and `rto` breach; the RPO stays within its limit.
    for objective in ["survive", "rto"] {
        assert!(
            waived.contains(&(objective.into(), "both-regions-out".into())),
            "{objective} is waived: {waived:?}"
        );
    }
    assert!(
        o.get("stale_waivers")
            .is_none_or(|s| s.as_array().unwrap().is_empty())
    );

    // `*` without a scenario would waive everything at once: refused.
    let everything = "  waivers:\n    - objective: \"*\"\n      reason: all of it\n";
    let file = head_with_what_if(dir.path(), "", everything);
    let r = run(&["check", &file]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("invalid-waiver"), "{}", r.stderr);
}

// ---- effective availability: the objective's clearer name, and what breach rows say ----

/// `HEAD` with its availability objective raised out of reach, spelled `key`.
fn head_with_availability(dir: &Path, key: &str) -> String {
    let text = std::fs::read_to_string(root().join(HEAD)).unwrap();
    let text = text.replace(
        "  availability: \"99.9%\"\n",
        &format!("  {key}: \"99.99999%\"\n"),
    );
    assert!(text.contains(key));
    let path = dir.join(format!("{key}.yaml"));
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn effective_availability_is_the_availability_objective_by_its_clearer_name() {
    let dir = tempfile::tempdir().unwrap();
    let plain = head_with_availability(dir.path(), "availability");
    let clear = head_with_availability(dir.path(), "effective_availability");
    let a = analyze_json_on(&plain, AFTER_EXPIRY);
    let b = analyze_json_on(&clear, AFTER_EXPIRY);
    assert_eq!(a["objectives"], b["objectives"], "the same verdict");
    assert!(
        pairs(&a["objectives"]["breaches"]).contains(&("availability".into(), "-".into())),
        "{:#}",
        a["objectives"]
    );
    let r = run(&["check", &clear]);
    assert_eq!(r.code, 1);
    assert!(
        r.stdout.contains("effective availability (overall)"),
        "the row says what was compared:\n{}",
        r.stdout
    );
    assert!(!r.stdout.contains("nothing failed"), "{}", r.stdout);
    // The breach points at the line of the key as written.
    assert!(r.stdout.contains(".yaml:"), "{}", r.stdout);

    // Both names at once: which one counts is not for drplan to guess.
    let both = std::fs::read_to_string(&clear)
        .unwrap()
        .replace("objectives:\n", "objectives:\n  availability: \"99%\"\n");
    let both_path = dir.path().join("both.yaml");
    std::fs::write(&both_path, both).unwrap();
    let r = run(&["check", both_path.to_str().unwrap()]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}
