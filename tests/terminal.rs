//! Terminal niceties: completions for every shell, the man page, examples in every `--help`.

use crate::common::drplan;

const COMMANDS: [&str; 12] = [
    "analyze",
    "validate",
    "check",
    "diff",
    "compare",
    "init",
    "schema",
    "graph",
    "explain",
    "completions",
    "man",
    "generate",
];

#[test]
fn completions_cover_every_shell_and_command() {
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let out = drplan().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}");
        let text = String::from_utf8(out.stdout).unwrap();
        for command in COMMANDS {
            assert!(text.contains(command), "{shell} completes {command}");
        }
        assert!(text.contains("pattern"), "{shell} completes options");
        if shell != "powershell" {
            // clap_complete's PowerShell script completes names, not values.
            assert!(text.contains("single-region"), "{shell} completes values");
        }
    }
    drplan().args(["completions", "tcsh"]).assert().code(2);
}

#[test]
fn the_bash_completion_script_parses() {
    let out = drplan().args(["completions", "bash"]).output().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("drplan.bash");
    std::fs::write(&path, &out.stdout).unwrap();
    match std::process::Command::new("bash")
        .arg("-n")
        .arg(&path)
        .output()
    {
        Ok(check) => assert!(
            check.status.success(),
            "bash -n: {}",
            String::from_utf8_lossy(&check.stderr)
        ),
        Err(_) => eprintln!("SKIPPED: bash is not installed"),
    }
}

#[test]
fn the_man_page_documents_every_command() {
    let out = drplan().arg("man").output().unwrap();
    assert!(out.status.success());
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with(".ie") || page.starts_with(".TH"), "roff");
    assert!(page.contains(".TH drplan 1"));
    for command in COMMANDS {
        assert!(
            page.contains(&format!(".SS \"drplan {command}")),
            "the man page has a section for {command}"
        );
    }
    assert!(page.contains("EXIT STATUS"));
    assert!(page.contains("\\-\\-pattern"));
}

#[test]
fn every_command_help_has_examples_and_exit_codes() {
    for command in COMMANDS {
        let out = drplan().args([command, "--help"]).output().unwrap();
        assert!(out.status.success(), "{command} --help");
        let text = String::from_utf8(out.stdout).unwrap();
        assert!(text.contains("Examples:"), "{command} --help has examples");
        assert!(
            text.contains("Exit codes:"),
            "{command} --help has exit codes"
        );
    }
}
