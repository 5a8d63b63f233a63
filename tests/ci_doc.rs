//! `docs/ci.md` stays true: its GitHub Actions workflow and GitLab CI job are parsed out of the
//! page and their shell steps run exactly as written, in a temporary git repository with two
//! commits of a topology (the target branch, then the pull request). `gh`, `curl` and `cargo`
//! are replaced by recorders on `PATH`; `drplan` is the binary under test.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use serde_yaml::Value;

use crate::common::root;
use crate::diff::{commit, fixture, git};
use crate::gate::{BASE, HEAD, tool_available};

/// The page's fenced blocks of one language, under the heading that starts with `section`.
fn blocks(section: &str, language: &str) -> Vec<String> {
    let text = std::fs::read_to_string(root().join("docs/ci.md")).expect("docs/ci.md exists");
    let start = text
        .find(&format!("\n## {section}"))
        .unwrap_or_else(|| panic!("a `## {section}` section in docs/ci.md"));
    let rest = &text[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end]
        .split(&format!("```{language}\n"))
        .skip(1)
        .map(|b| b.split("```").next().unwrap().to_string())
        .collect()
}

/// GitHub expressions the workflow may use, with test values. Any other expression fails the
/// test, so the page cannot drift into something this test does not understand.
fn substitute(text: &str) -> String {
    let mut out = text.to_string();
    for (expr, value) in [
        ("${{ github.base_ref }}", "main"),
        (
            "${{ vars.DRPLAN_GIT_URL }}",
            "https://git.invalid/drplan.git",
        ),
        ("${{ github.token }}", "test-token"),
        ("${{ github.event.pull_request.number }}", "7"),
    ] {
        out = out.replace(expr, value);
    }
    assert!(
        !out.contains("${{"),
        "an expression this test does not know: {out}"
    );
    out
}

/// Recorders for the tools that talk to the outside, and `drplan` itself, in a `bin` folder.
struct Stubs {
    dir: tempfile::TempDir,
}

impl Stubs {
    fn new() -> Stubs {
        let dir = tempfile::tempdir().unwrap();
        let bin = dir.path().join("bin");
        std::fs::create_dir(&bin).unwrap();
        let script = |name: &str, body: &str| {
            let path = bin.join(name);
            std::fs::write(
                &path,
                format!("#!/bin/sh\necho \"{name} $*\" >> \"$STUB_DIR/log\"\n{body}"),
            )
            .unwrap();
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        };
        script("cargo", "exit 0\n");
        // `gh pr comment --edit-last` fails when there is no comment yet, like the real one.
        script(
            "gh",
            r#"edit=no; body=
while [ $# -gt 0 ]; do
  case "$1" in
    --edit-last) edit=yes ;;
    --body-file) body="$2"; shift ;;
  esac
  shift
done
if [ "$edit" = yes ] && [ ! -e "$STUB_DIR/comment.md" ]; then
  echo "no comments found for current user" >&2; exit 1
fi
cp "$body" "$STUB_DIR/comment.md"
"#,
        );
        script(
            "curl",
            r#"for a in "$@"; do
  case "$a" in body@*) cp "${a#body@}" "$STUB_DIR/comment.md" ;; esac
done
"#,
        );
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_drplan"), bin.join("drplan")).unwrap();
        Stubs { dir }
    }

    fn path_var(&self) -> String {
        format!(
            "{}:{}",
            self.dir.path().join("bin").display(),
            std::env::var("PATH").unwrap_or_default()
        )
    }

    fn comment(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("comment.md")).ok()
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("log")).unwrap_or_default()
    }
}

/// A pull request: `origin` has `main` with `base` at `infra/topology.yaml` (when given), and the
/// checkout is a branch that changes it to `head`.
struct PullRequest {
    _dirs: tempfile::TempDir,
    work: PathBuf,
}

fn pull_request(base: Option<&str>, head: &str) -> PullRequest {
    let dirs = tempfile::tempdir().unwrap();
    let origin = dirs.path().join("origin");
    let seed = dirs.path().join("seed");
    let work = dirs.path().join("work");
    std::fs::create_dir_all(&seed).unwrap();
    git(&seed, &["init", "-q", "-b", "main"]);
    commit(&seed, "README.md", "a service\n", "start");
    if let Some(base) = base {
        commit(&seed, "infra/topology.yaml", base, "the topology");
    }
    git(
        dirs.path(),
        &[
            "clone",
            "-q",
            "--bare",
            seed.to_str().unwrap(),
            origin.to_str().unwrap(),
        ],
    );
    git(
        dirs.path(),
        &[
            "clone",
            "-q",
            origin.to_str().unwrap(),
            work.to_str().unwrap(),
        ],
    );
    git(&work, &["checkout", "-q", "-b", "change"]);
    commit(&work, "infra/topology.yaml", head, "the change");
    PullRequest { _dirs: dirs, work }
}

/// Runs a shell script the way CI runners do (bash, stop at the first failing command).
fn bash(dir: &Path, script: &str, env: &BTreeMap<String, String>, stubs: &Stubs) -> (i32, String) {
    let out = StdCommand::new("bash")
        .args(["--noprofile", "--norc", "-eo", "pipefail", "-c", script])
        .current_dir(dir)
        .envs(env)
        .env("PATH", stubs.path_var())
        .env("STUB_DIR", stubs.dir.path())
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("DRPLAN_TODAY", "2026-06-01")
        .env_remove("NO_COLOR")
        .output()
        .expect("bash runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.code().unwrap_or(-1), text)
}

fn string_map(v: &Value) -> BTreeMap<String, String> {
    v.as_mapping()
        .map(|m| {
            m.iter()
                .map(|(k, v)| {
                    let value = match v {
                        Value::String(s) => s.clone(),
                        other => serde_yaml::to_string(other).unwrap().trim().to_string(),
                    };
                    (k.as_str().unwrap().to_string(), substitute(&value))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// The GitHub job's steps that run a shell command, by name, with their environment.
fn github_steps() -> Vec<(String, String, BTreeMap<String, String>)> {
    let workflow = blocks("GitHub Actions", "yaml");
    assert_eq!(workflow.len(), 1, "one workflow");
    let doc: Value = serde_yaml::from_str(&workflow[0]).expect("the workflow is YAML");
    let job = &doc["jobs"]["gate"];
    let job_env = string_map(&job["env"]);
    job["steps"]
        .as_sequence()
        .unwrap()
        .iter()
        .filter_map(|step| {
            let run = step["run"].as_str()?;
            let mut env = job_env.clone();
            env.extend(string_map(&step["env"]));
            Some((
                step["name"].as_str().unwrap_or("").to_string(),
                substitute(run),
                env,
            ))
        })
        .collect()
}

/// Runs the workflow's steps in order until one fails; returns each step's exit code and output.
fn run_github(pr: &PullRequest, stubs: &Stubs) -> Vec<(String, i32, String)> {
    let mut results = Vec::new();
    for (name, run, env) in github_steps() {
        let (code, out) = bash(&pr.work, &run, &env, stubs);
        results.push((name, code, out));
        if code != 0 {
            break;
        }
    }
    results
}

fn tools_here() -> bool {
    tool_available("git", &["--version"]) && tool_available("bash", &["--version"])
}

#[test]
fn the_github_workflow_comments_the_diff_and_fails_on_a_breach() {
    if !tools_here() {
        return;
    }
    let stubs = Stubs::new();
    let pr = pull_request(Some(&fixture(BASE)), &fixture(HEAD));
    let results = run_github(&pr, &stubs);
    let names: Vec<&str> = results.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(
        names,
        [
            "Install drplan",
            "Diff against the target branch",
            "Comment on the pull request",
            "Gate"
        ]
    );
    let codes: Vec<i32> = results.iter().map(|r| r.1).collect();
    assert_eq!(codes, [0, 0, 0, 1], "{results:#?}");
    let comment = stubs.comment().expect("a comment was posted");
    assert_eq!(
        comment.lines().next().unwrap(),
        "### ❌ drplan diff: shop fails 1 objective: rto (new)"
    );
    assert!(comment.contains("`origin/main:infra/topology.yaml` → `infra/topology.yaml`"));
    let gate = &results[3].2;
    assert!(
        gate.contains("::error file=infra/topology.yaml,line=60,col=3,title=drplan%3A rto in region%3Aus-east::"),
        "{gate}"
    );
    let log = stubs.log();
    assert!(log.contains("cargo install --locked --git https://git.invalid/drplan.git drplan"));
    assert!(log.contains("gh pr comment 7 --body-file drplan-diff.md --edit-last"));
    assert!(
        log.contains("gh pr comment 7 --body-file drplan-diff.md\n"),
        "the first push falls back to a new comment:\n{log}"
    );
}

#[test]
fn the_github_workflow_passes_a_harmless_change_and_handles_a_new_topology() {
    if !tools_here() {
        return;
    }
    let stubs = Stubs::new();
    let harmless = format!("{}\n# reviewed\n", fixture(BASE));
    let pr = pull_request(Some(&fixture(BASE)), &harmless);
    let results = run_github(&pr, &stubs);
    assert!(results.iter().all(|r| r.1 == 0), "{results:#?}");
    assert_eq!(results.len(), 4);
    assert_eq!(
        stubs.comment().unwrap().lines().next().unwrap(),
        "### ✅ drplan diff: no changes; shop passes its 6 objectives"
    );

    // The topology is new in the pull request: no BASE, so the full analysis is commented.
    let stubs = Stubs::new();
    let pr = pull_request(None, &fixture(BASE));
    let results = run_github(&pr, &stubs);
    assert!(results.iter().all(|r| r.1 == 0), "{results:#?}");
    assert_eq!(
        stubs.comment().unwrap().lines().next().unwrap(),
        "### ✅ drplan: `shop` passes its 6 objectives"
    );
}

#[test]
fn the_gitlab_job_comments_the_diff_writes_junit_and_fails_on_a_breach() {
    if !tools_here() {
        return;
    }
    let job = blocks("GitLab CI", "yaml");
    assert_eq!(job.len(), 1, "one job");
    let doc: Value = serde_yaml::from_str(&job[0]).expect("the job is YAML");
    let job = &doc["drplan"];
    let mut env: BTreeMap<String, String> = [
        ("CI_PIPELINE_SOURCE", "merge_request_event"),
        ("CI_MERGE_REQUEST_TARGET_BRANCH_NAME", "main"),
        ("CI_API_V4_URL", "https://gitlab.invalid/api/v4"),
        ("CI_PROJECT_ID", "42"),
        ("CI_MERGE_REQUEST_IID", "7"),
        ("DRPLAN_BOT_TOKEN", "test-token"),
        ("DRPLAN_GIT_URL", "https://git.invalid/drplan.git"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    env.extend(string_map(&job["variables"]));
    let lines = |key: &str| -> Vec<String> {
        job[key]
            .as_sequence()
            .map(|s| s.iter().map(|l| l.as_str().unwrap().to_string()).collect())
            .unwrap_or_default()
    };
    let mut script = lines("before_script");
    script.extend(lines("script"));
    assert!(
        script.last().unwrap().starts_with("drplan check"),
        "the gate runs last"
    );
    assert_eq!(
        job["artifacts"]["reports"]["junit"].as_str(),
        Some("drplan-junit.xml")
    );

    let stubs = Stubs::new();
    let pr = pull_request(Some(&fixture(BASE)), &fixture(HEAD));
    let (code, out) = bash(&pr.work, &script.join("\n"), &env, &stubs);
    assert_eq!(code, 1, "the gate fails the job:\n{out}");
    assert!(
        out.contains("FAILED: 1 breach of rto in infra/topology.yaml (shop)"),
        "{out}"
    );
    let comment = stubs.comment().expect("a note was posted");
    assert_eq!(
        comment.lines().next().unwrap(),
        "### ❌ drplan diff: shop fails 1 objective: rto (new)"
    );
    assert!(
        stubs
            .log()
            .contains("https://gitlab.invalid/api/v4/projects/42/merge_requests/7/notes")
    );
    let junit = std::fs::read_to_string(pr.work.join("drplan-junit.xml")).unwrap();
    assert!(junit.contains(r#"failures="1""#), "{junit}");

    // A harmless change passes the whole job.
    let stubs = Stubs::new();
    let pr = pull_request(
        Some(&fixture(BASE)),
        &format!("{}\n# reviewed\n", fixture(BASE)),
    );
    let (code, out) = bash(&pr.work, &script.join("\n"), &env, &stubs);
    assert_eq!(code, 0, "{out}");
}

#[test]
fn the_local_commands_run_as_shown() {
    if !tools_here() {
        return;
    }
    let commands = blocks("Trying the commands locally", "sh");
    assert_eq!(commands.len(), 1);
    let stubs = Stubs::new();
    let pr = pull_request(Some(&fixture(BASE)), &fixture(HEAD));
    let mut codes = Vec::new();
    for line in commands[0].lines().filter(|l| !l.trim().is_empty()) {
        let command = line.split(" #").next().unwrap().trim();
        let (code, out) = bash(&pr.work, command, &BTreeMap::new(), &stubs);
        assert!(out.contains("rto"), "{command}:\n{out}");
        codes.push(code);
    }
    assert_eq!(codes, [1, 1, 1], "each shows the breach and exits 1");
}
