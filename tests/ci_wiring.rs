//! The CI wiring people install in one line: the GitHub Action (`action.yml`, whose steps are
//! `scripts/action.sh`), the pre-commit hooks (`.pre-commit-hooks.yaml`, run with the real
//! `pre-commit`), and the minimum Rust version declared in Cargo.toml.

use std::path::{Path, PathBuf};
use std::process::Command as StdCommand;

use serde_yaml::Value;

use crate::common::root;

/// The folder holding the drplan binary under test, for PATH.
fn bin_dir() -> PathBuf {
    let bin = assert_cmd::cargo::cargo_bin("drplan");
    bin.parent().unwrap().to_path_buf()
}

fn path_with(dirs: &[&Path]) -> std::ffi::OsString {
    let mut paths: Vec<PathBuf> = dirs.iter().map(|d| d.to_path_buf()).collect();
    paths.extend(std::env::split_paths(
        &std::env::var_os("PATH").unwrap_or_default(),
    ));
    std::env::join_paths(paths).unwrap()
}

fn action() -> Value {
    let text = std::fs::read_to_string(root().join("action.yml")).unwrap();
    serde_yaml::from_str(&text).unwrap()
}

#[test]
fn the_action_is_composite_and_every_input_is_documented() {
    let a = action();
    assert_eq!(a["runs"]["using"].as_str(), Some("composite"));
    let doc = std::fs::read_to_string(root().join("docs/ci.md")).unwrap();
    let script = std::fs::read_to_string(root().join("scripts/action.sh")).unwrap();
    let inputs = a["inputs"].as_mapping().unwrap();
    assert!(inputs.len() >= 6);
    for (name, spec) in inputs {
        let name = name.as_str().unwrap();
        assert!(
            doc.contains(&format!("| `{name}` |")),
            "input {name} is not in docs/ci.md's table"
        );
        assert!(spec["description"].as_str().is_some_and(|d| !d.is_empty()));
        // Each input reaches the script through an environment variable it reads.
        let var = format!("DRPLAN_{}", name.to_ascii_uppercase().replace('-', "_"));
        let steps = serde_yaml::to_string(&a["runs"]["steps"]).unwrap();
        assert!(
            steps.contains(&format!("{var}: ${{{{ inputs.{name} }}}}")),
            "{name} -> {var}"
        );
        assert!(
            script.contains(&var),
            "scripts/action.sh does not read {var}"
        );
    }
}

/// Runs `scripts/action.sh run` as the action's Gate step would, with drplan on PATH.
fn run_action(env: &[(&str, &Path)], command: &str) -> (i32, String, String, String) {
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    let output = tmp.path().join("output");
    let mut cmd = StdCommand::new(root().join("scripts/action.sh"));
    cmd.arg("run")
        .env("PATH", path_with(&[&bin_dir()]))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &output)
        .env("DRPLAN_COMMAND", command)
        .current_dir(root());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        std::fs::read_to_string(&summary).unwrap_or_default(),
        std::fs::read_to_string(&output).unwrap_or_default(),
        String::from_utf8_lossy(&out.stdout).to_string(),
    )
}

#[test]
fn the_action_gates_a_terraform_pull_request_and_posts_the_summary() {
    let dir = root().join("tests/terraform/pull-request");
    let (code, summary, output, stdout) = run_action(
        &[
            ("DRPLAN_BASE_PLAN", &dir.join("base.json")),
            ("DRPLAN_PLAN", &dir.join("head.json")),
            ("DRPLAN_OVERLAY", &dir.join("overlay.yaml")),
        ],
        "diff-terraform",
    );
    assert_eq!(code, 1, "{summary}{stdout}");
    let first = summary.lines().next().unwrap_or_default();
    assert!(
        first.contains("survive") && first.contains("aws_db_instance.orders"),
        "{first}"
    );
    assert_eq!(output.trim(), "exit-code=1");
    assert!(
        stdout.contains("::error title=drplan%3A survive"),
        "{stdout}"
    );
    // A topology that meets its objectives: exit 0, a summary all the same.
    let topo = root().join("topologies/active-passive.yaml");
    let (code, summary, output, _) = run_action(&[("DRPLAN_TOPOLOGY", &topo)], "check");
    assert!(code == 0 || code == 1, "{summary}");
    assert!(!summary.is_empty());
    assert_eq!(output.trim(), format!("exit-code={code}"));
    // An unknown command is a usage error.
    let (code, ..) = run_action(&[], "deploy");
    assert_eq!(code, 2);
}

/// `pre-commit`, or `None` with a visible skip (a failure when DRPLAN_REQUIRE_TOOLS is set).
fn pre_commit() -> Option<PathBuf> {
    let found = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .map(|d| d.join("pre-commit"))
        .find(|p| p.is_file());
    if found.is_none() {
        assert!(
            std::env::var_os("DRPLAN_REQUIRE_TOOLS").is_none(),
            "pre-commit is required (DRPLAN_REQUIRE_TOOLS is set) but is not on PATH"
        );
        eprintln!("SKIPPED: pre-commit is not on PATH (pip install pre-commit)");
    }
    found
}

fn git(dir: &Path, args: &[&str]) {
    let out = StdCommand::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn the_pre_commit_hook_validates_topology_files_with_the_real_pre_commit() {
    let Some(pre_commit) = pre_commit() else {
        return;
    };
    let tmp = tempfile::tempdir().unwrap();
    // The hook repository: this repository's .pre-commit-hooks.yaml, committed in a copy (CI's
    // clone may have local changes; pre-commit reads hooks from a git revision).
    let hooks = tmp.path().join("hooks");
    std::fs::create_dir(&hooks).unwrap();
    std::fs::copy(
        root().join(".pre-commit-hooks.yaml"),
        hooks.join(".pre-commit-hooks.yaml"),
    )
    .unwrap();
    git(&hooks, &["init", "-q"]);
    git(&hooks, &["add", "."]);
    git(&hooks, &["commit", "-qm", "hooks"]);
    // A project with a valid and an invalid topology file, and a file the hook must not read.
    let project = tmp.path().join("project");
    std::fs::create_dir_all(project.join("infra")).unwrap();
    std::fs::copy(
        root().join("topologies/active-passive.yaml"),
        project.join("infra/topology.yaml"),
    )
    .unwrap();
    std::fs::write(project.join("notes.yaml"), "not: [a topology\n").unwrap();
    git(&project, &["init", "-q"]);
    git(&project, &["add", "."]);
    let home = tmp.path().join("cache");
    let run = |project: &Path| {
        StdCommand::new(&pre_commit)
            .args(["try-repo"])
            .arg(&hooks)
            .args(["drplan-validate-system", "--all-files"])
            .current_dir(project)
            .env("PATH", path_with(&[&bin_dir()]))
            .env("PRE_COMMIT_HOME", &home)
            .output()
            .unwrap()
    };
    let ok = run(&project);
    let text = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        text.contains("drplan validate (drplan on PATH)") && text.contains("Passed"),
        "{text}"
    );
    // Break the topology: the hook fails and shows drplan's located error.
    std::fs::write(
        project.join("infra/topology.yaml"),
        "version: 1\nregions: {}\nrouting: { kind: geodns }\n",
    )
    .unwrap();
    git(&project, &["add", "."]);
    let bad = run(&project);
    let text = String::from_utf8_lossy(&bad.stdout);
    assert!(!bad.status.success(), "{text}");
    assert!(
        text.contains("Failed") && text.contains("infra/topology.yaml"),
        "{text}"
    );
    assert!(text.contains("error["), "{text}");
}

/// Cargo.toml declares the oldest Rust that builds drplan, and it is not older than any direct
/// dependency's own `rust-version` (read from the sources cargo downloaded for the build).
#[test]
fn rust_version_is_declared_and_covers_the_dependencies() {
    let manifest: toml_like::Manifest = toml_like::read(&root().join("Cargo.toml"));
    let declared = manifest.rust_version.expect("rust-version in Cargo.toml");
    let parse = |v: &str| -> (u32, u32) {
        let mut it = v.split('.').map(|p| p.parse::<u32>().unwrap_or(0));
        (it.next().unwrap_or(0), it.next().unwrap_or(0))
    };
    let declared_v = parse(&declared);
    // Let chains (`if let ... && let ...`), used throughout, are stable since 1.88.
    assert!(
        declared_v >= (1, 88),
        "rust-version {declared} is older than let chains"
    );
    let rustc = StdCommand::new("rustc").arg("--version").output().unwrap();
    let rustc = String::from_utf8_lossy(&rustc.stdout).to_string();
    let current = parse(rustc.split_whitespace().nth(1).unwrap_or("0.0"));
    assert!(
        declared_v <= current,
        "rust-version {declared} is newer than {rustc}"
    );
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).unwrap();
    let locked = toml_like::locked_versions(&lock);
    let cargo_home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))
        .unwrap();
    let registries: Vec<PathBuf> = std::fs::read_dir(cargo_home.join("registry/src"))
        .map(|r| r.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    let mut checked = 0;
    for dep in &manifest.dependencies {
        for version in locked.iter().filter(|(n, _)| n == dep).map(|(_, v)| v) {
            let Some(toml) = registries
                .iter()
                .map(|r| r.join(format!("{dep}-{version}/Cargo.toml")))
                .find(|p| p.is_file())
            else {
                continue;
            };
            checked += 1;
            if let Some(v) = toml_like::read(&toml).rust_version {
                assert!(
                    parse(&v) <= declared_v,
                    "{dep} {version} needs Rust {v}, above rust-version {declared}"
                );
            }
        }
    }
    assert!(
        checked * 2 >= manifest.dependencies.len(),
        "only {checked} dependency manifests found"
    );
}

/// Just enough of TOML for the test above: `rust-version`, the names under `[dependencies]`,
/// and the `[[package]]` names and versions of Cargo.lock.
mod toml_like {
    use std::path::Path;

    pub struct Manifest {
        pub rust_version: Option<String>,
        pub dependencies: Vec<String>,
    }

    pub fn read(path: &Path) -> Manifest {
        let text = std::fs::read_to_string(path).unwrap();
        let mut section = String::new();
        let mut m = Manifest {
            rust_version: None,
            dependencies: Vec::new(),
        };
        for line in text.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                section = line.trim_matches(|c| c == '[' || c == ']').to_string();
                continue;
            }
            let Some((key, value)) = line.split_once('=') else {
                continue;
            };
            let key = key.trim();
            if section == "package" && key == "rust-version" {
                m.rust_version = Some(value.trim().trim_matches('"').to_string());
            }
            if section == "dependencies" && !key.starts_with('#') {
                m.dependencies.push(key.to_string());
            }
        }
        m
    }

    pub fn locked_versions(lock: &str) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let mut name = None;
        for line in lock.lines() {
            if let Some(n) = line.strip_prefix("name = ") {
                name = Some(n.trim_matches('"').to_string());
            } else if let Some(v) = line.strip_prefix("version = ")
                && let Some(n) = name.take()
            {
                out.push((n, v.trim_matches('"').to_string()));
            }
        }
        out
    }
}
