//! No input makes drplan panic: mutated versions of real topologies end in diagnostics or a
//! report, never a crash. (The fuzzing issue goes further; this runs in every test run.)

use drplan::load::{ReadError, Source};
use drplan::pipeline;
use proptest::prelude::*;

use crate::common::root;

fn seeds() -> Vec<String> {
    let mut out: Vec<String> = crate::examples::topologies()
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    if let Ok(text) = std::fs::read_to_string(root().join("../shared/spec/example.yaml")) {
        out.push(text);
    }
    out
}

/// Replacement tokens that stress the loader and the validator.
const TOKENS: &[&str] = &[
    "",
    "-1",
    "0",
    "1e400",
    ".nan",
    "-.inf",
    "~",
    "[]",
    "{}",
    "\"99.9%\"",
    "150%",
    "-5s",
    "1h30",
    "x",
    "us-east",
    "az:use1-az1",
    "*a",
    "&a x",
    "!!binary AAAA",
    "[a, b, c]",
    "{ per_az: -1 }",
    "4294967296",
];

fn mutate(text: &str, ops: &[(u8, usize, usize)]) -> String {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    for &(op, a, b) in ops {
        if lines.is_empty() {
            break;
        }
        let i = a % lines.len();
        match op % 5 {
            0 => {
                lines.remove(i);
            }
            1 => {
                let l = lines[i].clone();
                lines.insert(i, l);
            }
            2 => {
                // Replace the value after the first `: ` with a hostile token.
                if let Some(p) = lines[i].find(": ") {
                    let head = lines[i][..p + 2].to_string();
                    lines[i] = head + TOKENS[b % TOKENS.len()];
                }
            }
            3 => {
                let j = b % lines.len();
                lines.swap(i, j);
            }
            _ => {
                // Change indentation, the most common YAML mistake.
                lines[i] = format!("{}{}", " ".repeat(b % 5), lines[i].trim_start());
            }
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn mutated_topologies_never_panic(
        seed in 0usize..64,
        ops in proptest::collection::vec((any::<u8>(), any::<usize>(), any::<usize>()), 1..6),
    ) {
        let seeds = seeds();
        let text = mutate(&seeds[seed % seeds.len()], &ops);
        let source = Source { name: "mutated.yaml".into(), text };
        match pipeline::check_source(source, "mutated") {
            Ok(checked) => {
                // Either a report or a located `nothing-serves` diagnostic.
                let _ = pipeline::analyze(&checked);
            }
            Err(ReadError::Invalid(_, diagnostics)) => {
                prop_assert!(diagnostics.iter().any(|d| d.is_error()), "invalid input must say why");
            }
            Err(ReadError::Io(e)) => prop_assert!(false, "no I/O happens here: {e}"),
        }
    }
}
