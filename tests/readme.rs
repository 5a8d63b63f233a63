//! The README's commands and sample output stay true.

use crate::common::{drplan, root};

fn readme() -> String {
    std::fs::read_to_string(root().join("README.md")).unwrap()
}

#[test]
fn the_first_two_commands_are_the_analyze_and_test_commands() {
    let text = readme();
    let block = text
        .split("```sh\n")
        .nth(1)
        .unwrap()
        .split("```")
        .next()
        .unwrap();
    let lines: Vec<&str> = block.lines().collect();
    assert_eq!(
        lines[0],
        "cargo run --release -- analyze topologies/active-passive.yaml"
    );
    assert_eq!(lines[1], "cargo test");
    // The example it analyzes passes its own gate, so the first command exits 0.
    drplan()
        .current_dir(root())
        .args(["analyze", "topologies/active-passive.yaml"])
        .assert()
        .code(0);
    let ci = std::fs::read_to_string(root().join(".ci/run")).unwrap();
    assert!(
        ci.lines().any(|l| l.trim().starts_with("cargo test")),
        ".ci/run runs the README's test command"
    );
}

#[test]
fn the_sample_output_is_what_the_tool_prints() {
    let text = readme();
    let block = text
        .split("```text\n$ ")
        .nth(1)
        .expect("a sample session in the README")
        .split("```")
        .next()
        .unwrap();
    let mut lines = block.lines();
    let command = lines.next().unwrap();
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    let out = drplan().current_dir(root()).args(&args).output().unwrap();
    let actual = String::from_utf8(out.stdout).unwrap();
    for line in lines.filter(|l| *l != "...") {
        assert!(
            actual.contains(line),
            "README line not in the output of `{command}`:\n{line}"
        );
    }
}

#[test]
fn every_diagnostic_code_in_the_source_is_documented() {
    let text = readme();
    for code in crate::common::diagnostic_codes() {
        assert!(
            text.contains(&format!("`{code}`")),
            "diagnostic code {code} is not in the README"
        );
    }
}
