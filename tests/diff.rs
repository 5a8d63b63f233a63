//! `drplan diff BASE HEAD`: no changes against itself, a breaking change named in the first
//! line of the markdown, regressions, exit codes, and `REV:PATH` read through git from a
//! temporary repository.

use std::path::Path;
use std::process::Command as StdCommand;

use serde_json::Value;

use crate::common::drplan;
use crate::gate::{AFTER_EXPIRY, BASE, HEAD, expect, parse_markdown, run, tool_available};

const COSTLIER: &str = "tests/fixtures/gate/costlier.yaml";

#[test]
fn a_file_against_itself_shows_no_changes_and_exits_0() {
    let r = expect(&["diff", BASE, BASE], 0);
    assert!(
        r.stdout
            .contains("No changes: BASE and HEAD give the same figures"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('┌'), "no table when nothing changed");
    let md = expect(&["diff", BASE, BASE, "-f", "markdown"], 0).stdout;
    let parsed = parse_markdown(&md);
    assert_eq!(
        parsed.first_line,
        "### ✅ drplan diff: no changes; shop passes its 6 objectives"
    );
    assert!(parsed.tables.is_empty());
    let json: Value =
        serde_json::from_str(&expect(&["diff", BASE, BASE, "-f", "json"], 0).stdout).unwrap();
    assert!(
        json["figures"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["change"] == "same")
    );
    assert_eq!(json["scenarios"].as_array().unwrap().len(), 0);
    assert_eq!(json["passed"], true);
    insta::assert_snapshot!("self-markdown", md);
}

#[test]
fn a_diff_that_breaks_an_objective_exits_1_and_names_it_in_the_first_line() {
    let md = expect(&["diff", BASE, HEAD, "--format", "markdown"], 1).stdout;
    let first = md.lines().next().unwrap();
    assert_eq!(
        first,
        "### ❌ drplan diff: shop fails 1 objective: rto (new)"
    );
    let parsed = parse_markdown(&md);
    let heads: Vec<&str> = parsed.tables.iter().map(|t| t[0].as_str()).collect();
    assert_eq!(heads, ["Figure", "Objective", "Objective", "Scenario"]);
    assert!(md.contains("<details open><summary>Breaches in HEAD: 1 (1 new)</summary>"));
    assert!(md.contains(
        "| `rto` 🆕 | `region:us-east` | 15m | 1h 1m | `tests/fixtures/gate/head.yaml:60` |"
    ));
    insta::assert_snapshot!("markdown", md);
}

#[test]
fn diff_shows_figures_spofs_and_changed_scenarios_only() {
    let r = expect(&["diff", BASE, HEAD], 1);
    for part in [
        "FAILED: shop fails 1 objective: rto (new)",
        "Effective availability",
        "Worst RTO",
        "5m 30s",
        "1h 1m",
        "worse, +56m",
        "Monthly cost",
        "better, -$146.00",
        "region:us-east",
        "up → degraded",
        "Breaches in HEAD (1, 1 new):",
    ] {
        assert!(r.stdout.contains(part), "{part:?} in:\n{}", r.stdout);
    }
    // Unchanged rows are hidden: the DNS exposure and the AZ scenarios did not change.
    assert!(!r.stdout.contains("Worst DNS exposure"));
    assert!(!r.stdout.contains("az:use1-a"));
    insta::assert_snapshot!("table", r.stdout);
    let json = expect(&["diff", BASE, HEAD, "-f", "json"], 1).stdout;
    let v: Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["head"]["passed"], false);
    assert_eq!(v["base"]["passed"], true);
    assert_eq!(v["new_breaches"][0]["objective"], "rto");
    let ids: Vec<&str> = v["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["az:usw2-b", "region:us-east"]);
    assert_eq!(v["scenarios"][0]["change"], "removed");
    insta::assert_snapshot!("json", json);
}

#[test]
fn no_fail_and_fail_on_regression() {
    expect(&["diff", BASE, HEAD, "--no-fail"], 0);
    // Costlier still meets its objectives: only --fail-on-regression fails on the cost.
    let r = expect(&["diff", BASE, COSTLIER], 0);
    assert!(
        r.stdout
            .contains("add --fail-on-regression to fail on them")
    );
    let md = expect(
        &[
            "diff",
            BASE,
            COSTLIER,
            "--fail-on-regression",
            "-f",
            "markdown",
        ],
        1,
    )
    .stdout;
    assert_eq!(
        md.lines().next().unwrap(),
        "### ❌ drplan diff: shop meets its objectives but regresses max_monthly_cost"
    );
    parse_markdown(&md);
    expect(
        &["diff", BASE, COSTLIER, "--fail-on-regression", "--no-fail"],
        0,
    );
    // Getting cheaper is no regression.
    expect(&["diff", COSTLIER, BASE, "--fail-on-regression"], 0);
}

#[test]
fn diff_exit_codes_for_bad_input_and_usage() {
    let r = expect(
        &["diff", BASE, "tests/fixtures/invalid/invalid-date.yaml"],
        2,
    );
    assert!(r.stderr.contains("error[invalid-date]"), "{}", r.stderr);
    // Both sides are read, and every problem is printed.
    let r = expect(
        &[
            "diff",
            "tests/fixtures/invalid/invalid-waiver.yaml",
            "tests/fixtures/invalid/invalid-date.yaml",
        ],
        2,
    );
    assert!(r.stderr.contains("error[invalid-waiver]") && r.stderr.contains("error[invalid-date]"));
    let r = expect(&["diff", BASE, "tests/fixtures/gate/missing.yaml"], 3);
    assert!(r.stderr.contains("missing.yaml"), "{}", r.stderr);
    expect(&["diff", BASE, HEAD, "--format", "junit"], 2);
    expect(&["diff", BASE], 2);
}

// ---- REV:PATH through git ----

/// Runs git in `dir`, failing the test on error.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = StdCommand::new("git")
        .current_dir(dir)
        .args(args)
        .env("GIT_AUTHOR_NAME", "drplan tests")
        .env("GIT_AUTHOR_EMAIL", "tests@drplan.invalid")
        .env("GIT_COMMITTER_NAME", "drplan tests")
        .env("GIT_COMMITTER_EMAIL", "tests@drplan.invalid")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?} failed:\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Writes `text` to `path` in the repository and commits it.
pub fn commit(dir: &Path, path: &str, text: &str, message: &str) {
    let file = dir.join(path);
    std::fs::create_dir_all(file.parent().unwrap()).unwrap();
    std::fs::write(&file, text).unwrap();
    git(dir, &["add", path]);
    git(dir, &["commit", "-q", "-m", message]);
}

pub fn fixture(path: &str) -> String {
    std::fs::read_to_string(crate::common::root().join(path)).unwrap()
}

/// A repository whose `main` has two commits of `infra/topology.yaml`: BASE, then HEAD.
fn two_commit_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    git(dir.path(), &["init", "-q", "-b", "main"]);
    commit(dir.path(), "infra/topology.yaml", &fixture(BASE), "base");
    commit(dir.path(), "infra/topology.yaml", &fixture(HEAD), "head");
    dir
}

fn in_repo(dir: &Path, args: &[&str]) -> crate::gate::Run {
    let output = drplan()
        .current_dir(dir)
        .env("DRPLAN_TODAY", AFTER_EXPIRY)
        .args(args)
        .output()
        .expect("drplan runs");
    crate::gate::Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).unwrap(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

#[test]
fn rev_path_reads_topologies_from_git() {
    if !tool_available("git", &["--version"]) {
        return;
    }
    let repo = two_commit_repo();
    let dir = repo.path();
    let r = in_repo(
        dir,
        &[
            "diff",
            "HEAD~1:infra/topology.yaml",
            "infra/topology.yaml",
            "-f",
            "markdown",
        ],
    );
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout
            .starts_with("### ❌ drplan diff: shop fails 1 objective: rto (new)")
    );
    assert!(
        r.stdout
            .contains("`HEAD~1:infra/topology.yaml` → `infra/topology.yaml`")
    );
    let same = in_repo(
        dir,
        &["diff", "main:infra/topology.yaml", "infra/topology.yaml"],
    );
    assert_eq!(same.code, 1, "HEAD still breaches its rto objective");
    assert!(same.stdout.contains("no changes"), "{}", same.stdout);
    let both_git = in_repo(
        dir,
        &[
            "diff",
            "HEAD~1:infra/topology.yaml",
            "HEAD~1:infra/topology.yaml",
        ],
    );
    assert_eq!(both_git.code, 0, "{}", both_git.stderr);
}

#[test]
fn a_missing_revision_or_path_is_exit_3_with_a_clear_message() {
    if !tool_available("git", &["--version"]) {
        return;
    }
    let repo = two_commit_repo();
    let dir = repo.path();
    let r = in_repo(
        dir,
        &["diff", "nope:infra/topology.yaml", "infra/topology.yaml"],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(
        r.stderr
            .starts_with("error: reading nope:infra/topology.yaml from git: "),
        "{}",
        r.stderr
    );
    let r = in_repo(
        dir,
        &["diff", "HEAD~1:infra/missing.yaml", "infra/topology.yaml"],
    );
    assert_eq!(r.code, 3, "{}", r.stderr);
    assert!(r.stderr.contains("infra/missing.yaml"), "{}", r.stderr);
    // Outside a repository, too.
    let plain = tempfile::tempdir().unwrap();
    std::fs::write(plain.path().join("t.yaml"), fixture(BASE)).unwrap();
    let r = in_repo(plain.path(), &["diff", "main:t.yaml", "t.yaml"]);
    assert_eq!(r.code, 3, "{}", r.stderr);
}

#[test]
fn invalid_content_at_a_revision_is_exit_2_with_diagnostics_naming_rev_path() {
    if !tool_available("git", &["--version"]) {
        return;
    }
    let repo = two_commit_repo();
    let dir = repo.path();
    let broken = fixture(BASE).replace("  rto: 15m", "  rto: fifteen minutes");
    commit(dir, "infra/topology.yaml", &broken, "broken");
    let r = in_repo(
        dir,
        &[
            "diff",
            "HEAD:infra/topology.yaml",
            "HEAD~1:infra/topology.yaml",
        ],
    );
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("error[invalid-duration]"), "{}", r.stderr);
    assert!(
        r.stderr.contains("--> HEAD:infra/topology.yaml:60:"),
        "the source is named REV:PATH:\n{}",
        r.stderr
    );
}

#[test]
fn an_existing_file_wins_over_rev_path() {
    if !tool_available("git", &["--version"]) {
        return;
    }
    let repo = two_commit_repo();
    let dir = repo.path();
    // A file literally named like `REV:PATH` is read as a file.
    std::fs::write(dir.join("HEAD:odd.yaml"), fixture(BASE)).unwrap();
    let r = in_repo(
        dir,
        &["diff", "HEAD:odd.yaml", "HEAD~1:infra/topology.yaml"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("no changes"), "{}", r.stdout);
}

#[test]
fn the_diff_of_the_examples_against_themselves_is_empty() {
    for t in ["topologies/active-passive.yaml", "topologies/multi-az.yaml"] {
        let r = run(&["diff", t, t]);
        assert_eq!(r.code, 0, "{t}: {}", r.stderr);
        assert!(r.stdout.contains("no changes"), "{t}");
    }
}

/// Issue 14's first pull request: shrinking the standby's `scale_to` (9 -> 4 web instances in
/// us-west) serves 1600 / 3000 = 53.33% after losing us-east. With `min_served: 1` and `survive:
/// [az, region, link]` that is a new breach named with its scenario in the markdown, and the
/// scenario's served fraction shows before and after.
#[test]
fn a_pull_request_that_shrinks_the_standby_fails_min_served() {
    let base = "tests/fixtures/pr/warm-standby.yaml";
    expect(&["check", base], 0);
    let md = expect(
        &[
            "diff",
            base,
            "tests/fixtures/pr/shrunk-standby.yaml",
            "-f",
            "markdown",
        ],
        1,
    )
    .stdout;
    let first = md.lines().next().unwrap_or_default();
    assert_eq!(
        first,
        "### ❌ drplan diff: warm-standby-pr-base fails 1 objective: min_served (new)"
    );
    assert!(
        md.contains("| `min_served` 🆕 | `region:us-east` | 100% | 53.33% |"),
        "{md}"
    );
    // The scenario row: degraded, served 100% -> 53.3%.
    let row = md
        .lines()
        .find(|l| l.starts_with("| `region:us-east` | ") && l.contains("→"))
        .unwrap_or_else(|| panic!("a changed-scenario row for region:us-east: {md}"));
    assert!(row.contains("100% → 53.3%"), "{row}");
}

/// Issue 14's second pull request: the api tier cut to one 500 rps instance per region for 3000
/// rps. Version 1 saw "0 scenarios changed" and a cheaper bill; now with nothing failed only
/// 500 / 3000 = 16.67% is served, every gated scenario breaches `min_served`, and the scenarios
/// show their served fractions before and after.
#[test]
fn a_pull_request_that_starves_the_api_tier_fails_min_served() {
    let base = "tests/fixtures/pr/warm-standby.yaml";
    let md = expect(
        &[
            "diff",
            base,
            "tests/fixtures/pr/api-cut.yaml",
            "-f",
            "markdown",
        ],
        1,
    )
    .stdout;
    let first = md.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("### ❌ drplan diff: warm-standby-pr-base fails 2 objectives:")
            && first.contains("min_served (new)"),
        "{first}"
    );
    // link:us-east~us-west changes nothing but the api: 500 / 3000 of the requests pass.
    assert!(
        md.contains("| `min_served` 🆕 | `link:us-east~us-west` | 100% | 16.67% |"),
        "{md}"
    );
    let json: Value = serde_json::from_str(
        &expect(
            &["diff", base, "tests/fixtures/pr/api-cut.yaml", "-f", "json"],
            1,
        )
        .stdout,
    )
    .expect("diff JSON");
    let changed = json["scenarios"].as_array().expect("scenarios");
    let link = changed
        .iter()
        .find(|s| s["id"] == "link:us-east~us-west")
        .expect("the link scenario changed");
    assert_eq!(link["base"]["served_fraction"], 1.0);
    let head = link["head"]["served_fraction"].as_f64().expect("a number");
    assert!((head - 500.0 / 3000.0).abs() < 1e-12, "{head}");
}
