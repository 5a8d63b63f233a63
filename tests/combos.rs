//! `analyze --max-failures K`: combination count and order, `--classes`, `--top`, determinism
//! across thread counts, streamed JSON lines, and the refusal of very long runs.

use crate::common::{drplan, root};

fn json(args: &[&str]) -> serde_json::Value {
    let out = drplan()
        .current_dir(root())
        .arg("analyze")
        .args(args)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

fn ids(report: &serde_json::Value) -> Vec<String> {
    report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

fn choose(n: u64, k: u64) -> u64 {
    (0..k).fold(1, |acc, i| acc * (n - i) / (i + 1))
}

const FILE: &str = "topologies/active-passive.yaml";

#[test]
fn max_failures_adds_every_combination_in_id_order() {
    let singles = json(&[FILE]);
    let base = ids(&singles);
    let components = singles["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !matches!(s["class"].as_str(), Some("corruption" | "custom")))
        .count() as u64;
    for k in [2u64, 3] {
        let report = json(&[FILE, "--max-failures", &k.to_string()]);
        let all = ids(&report);
        let combos: Vec<&String> = all.iter().filter(|id| !base.contains(id)).collect();
        let expected: u64 = (2..=k).map(|j| choose(components, j)).sum();
        assert_eq!(
            combos.len() as u64,
            expected,
            "K={k}: C(n,2)+...+C(n,K) combinations of {components} components"
        );
        assert_eq!(report["combinations"]["evaluated"], expected);
        assert_eq!(report["summary"]["scenario_count"], all.len());
        let mut sorted = all.clone();
        sorted.sort_by(|a, b| a.as_bytes().cmp(b.as_bytes()));
        assert_eq!(all, sorted, "scenarios are sorted by id (bytes)");
        for s in report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["class"] == "combo")
        {
            let failed: Vec<&str> = s["failed"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| f.as_str().unwrap())
                .collect();
            assert_eq!(s["id"].as_str().unwrap(), failed.join("+"));
            assert!(
                failed.windows(2).all(|w| w[0] < w[1]),
                "parts sorted: {failed:?}"
            );
            assert!(failed.len() >= 2 && failed.len() as u64 <= k);
        }
    }
}

#[test]
fn classes_restrict_what_fails_in_combinations() {
    let report = json(&[FILE, "--max-failures", "2", "--classes", "region,az"]);
    let combos: Vec<&serde_json::Value> = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["class"] == "combo")
        .collect();
    assert!(!combos.is_empty());
    for s in &combos {
        for part in s["failed"].as_array().unwrap() {
            let p = part.as_str().unwrap();
            assert!(
                p.starts_with("region:") || p.starts_with("az:"),
                "{p} is not a region or AZ"
            );
        }
    }
    assert_eq!(
        report["combinations"]["classes"],
        serde_json::json!(["region", "az"])
    );
    drplan()
        .current_dir(root())
        .args([
            "analyze",
            FILE,
            "--max-failures",
            "2",
            "--classes",
            "region,custom",
        ])
        .assert()
        .code(2);
}

#[test]
fn a_combination_of_one_region_and_the_other_is_a_hidden_dependency() {
    // active-passive.yaml: two regions; neither alone is fatal, both together are.
    let report = json(&[FILE, "--max-failures", "2"]);
    let hidden: Vec<&str> = report["combinations"]["hidden_dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|h| h.as_str().unwrap())
        .collect();
    assert!(
        hidden.contains(&"region:us-east+region:us-west"),
        "{hidden:?}"
    );
    // Every hidden dependency is down, and none contains a single point of failure.
    let spofs: Vec<&str> = report["summary"]["single_points_of_failure"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    for h in &hidden {
        let s = report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["id"] == *h)
            .unwrap();
        assert_eq!(s["outcome"], "down");
        assert!(h.split('+').all(|p| !spofs.contains(&p)));
    }
}

#[test]
fn top_limits_the_table_but_not_the_json() {
    let out = drplan()
        .current_dir(root())
        .args(["analyze", FILE, "--max-failures", "2", "--top", "5"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let rows = text
        .lines()
        .filter(|l| {
            l.starts_with("│ ")
                && (l.contains("┆ down") || l.contains("┆ up") || l.contains("┆ degraded"))
        })
        .count();
    assert_eq!(rows, 5, "{text}");
    assert!(text.contains("showing the 5 worst of"));
    let report = json(&[FILE, "--max-failures", "2", "--top", "5"]);
    assert!(ids(&report).len() > 5);
    assert_eq!(report["combinations"]["worst"].as_array().unwrap().len(), 5);
}

#[test]
fn output_is_identical_for_any_number_of_threads() {
    for format in ["json", "jsonl", "table"] {
        let run = |threads: &str| {
            let mut cmd = drplan();
            cmd.current_dir(root()).args([
                "analyze",
                "topologies/spanner-consensus.yaml",
                "--max-failures",
                "2",
                "--format",
                format,
            ]);
            if !threads.is_empty() {
                cmd.args(["--threads", threads]);
            }
            cmd.output().unwrap().stdout
        };
        let one = run("1");
        assert!(!one.is_empty());
        assert_eq!(one, run(""), "{format}: --threads 1 and the default differ");
        assert_eq!(one, run("3"), "{format}: --threads 1 and 3 differ");
    }
}

#[test]
fn jsonl_is_one_scenario_per_line_then_the_summary() {
    let out = drplan()
        .current_dir(root())
        .args(["analyze", FILE, "--max-failures", "2", "--format", "jsonl"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (last, scenarios) = lines.split_last().unwrap();
    assert!(last.get("summary").is_some() && last.get("scenarios").is_none());
    assert_eq!(last["summary"]["scenario_count"], scenarios.len());
    let document = json(&[FILE, "--max-failures", "2"]);
    assert_eq!(
        document["scenarios"].as_array().unwrap(),
        scenarios,
        "the same scenarios as the JSON document"
    );
    assert_eq!(document["summary"], last["summary"]);
}

#[test]
fn very_long_runs_are_refused_with_the_count_and_how_to_narrow() {
    let dir = tempfile::tempdir().unwrap();
    let estate = dir.path().join("estate.yaml");
    let generated = drplan()
        .args(["generate", "--regions", "30"])
        .output()
        .unwrap();
    std::fs::write(&estate, generated.stdout).unwrap();
    // 187 components: about 5e10 combinations of up to six.
    let out = drplan()
        .arg("analyze")
        .arg(&estate)
        .args(["--max-failures", "6"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.contains("--max-failures 6 means"), "{err}");
    assert!(err.contains("scenarios, about"), "{err}");
    assert!(
        err.contains("--classes") && err.contains("--force"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "nothing is written when refused");
    drplan()
        .current_dir(root())
        .args(["analyze", FILE, "--max-failures", "0"])
        .assert()
        .code(2);
}

/// Combinations that contain a single point of failure (a component that alone is `down`) are
/// supersets of a known cut set: by default they rank after the combinations that are new, are
/// counted, and the table says so; `--show-supersets` ranks everything by outcome and impact.
#[test]
fn combinations_containing_a_single_point_of_failure_rank_after_the_new_ones() {
    let report = json(&[FILE, "--max-failures", "2"]);
    let spofs: Vec<&str> = report["summary"]["single_points_of_failure"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s.as_str().unwrap())
        .collect();
    assert!(spofs.len() >= 2, "the example has single points of failure");
    let singles = report["scenarios"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| !matches!(s["class"].as_str(), Some("custom" | "corruption" | "combo")))
        .count() as u64;
    let c = &report["combinations"];
    let contains_spof = |s: &serde_json::Value| {
        s["id"]
            .as_str()
            .unwrap()
            .split('+')
            .any(|part| spofs.contains(&part))
    };
    // Pairs with at least one single point of failure: all pairs minus pairs of the others.
    let expected = choose(singles, 2) - choose(singles - spofs.len() as u64, 2);
    assert_eq!(
        c["supersets_of_single_points_of_failure"],
        expected,
        "{singles} components, {} single points of failure",
        spofs.len()
    );
    assert_eq!(c["supersets_ranked_last"], true);
    let worst = c["worst"].as_array().unwrap();
    let first_superset = worst.iter().position(contains_spof);
    let new = worst.iter().filter(|s| !contains_spof(s)).count();
    assert!(new > 0, "some combinations are new");
    if let Some(at) = first_superset {
        assert!(
            worst[at..].iter().all(contains_spof),
            "every superset comes after every new combination"
        );
    }
    assert!(
        !contains_spof(&worst[0]),
        "the first combination is new: {}",
        worst[0]["id"]
    );

    let all = json(&[FILE, "--max-failures", "2", "--show-supersets"]);
    let c = &all["combinations"];
    assert_eq!(c["supersets_ranked_last"], false);
    assert_eq!(c["supersets_of_single_points_of_failure"], expected);
    let worst = c["worst"].as_array().unwrap();
    let rank = |s: &serde_json::Value| match s["outcome"].as_str() {
        Some("down") => 0,
        Some("degraded") => 1,
        _ => 2,
    };
    assert!(
        worst.windows(2).all(|w| rank(&w[0]) <= rank(&w[1])),
        "by outcome alone"
    );
    let first_new = worst.iter().position(|s| !contains_spof(s)).unwrap();
    assert!(
        worst[first_new..].iter().any(contains_spof),
        "supersets are mixed in with the new combinations"
    );

    let table = drplan()
        .current_dir(root())
        .args(["analyze", FILE, "--max-failures", "2", "--no-fail"])
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    assert!(
        table.contains(&format!(
            "{expected} of {} combinations contain a single point of failure",
            choose(singles, 2)
        )),
        "{table}"
    );
    let first_combo = table
        .lines()
        .find(|l| l.starts_with("│ ") && l.split('┆').next().unwrap().contains('+'))
        .expect("a combination row");
    assert!(
        !spofs.iter().any(|s| first_combo.contains(s)),
        "the table's first combination is new: {first_combo}"
    );
}
