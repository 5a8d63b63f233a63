//! Availability engine (issue 3): minimal cut sets, importance measures and the exact methods,
//! checked against other computations of the same numbers.

use std::collections::{BTreeMap, BTreeSet};

use crate::common::{analyze_json, drplan, root};

fn examples() -> Vec<std::path::PathBuf> {
    let mut files: Vec<_> = std::fs::read_dir(root().join("topologies"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    files.sort();
    files
}

/// Every example's terminal report shows the single points of failure, the top cut sets and
/// the importance table under the summary.
#[test]
fn every_example_shows_cut_sets_and_importance() {
    for file in examples() {
        let out = drplan()
            .args(["analyze", "--color", "never"])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        for needle in [
            "Single points of failure",
            "Minimal cut set",
            "What to fix first",
        ] {
            assert!(text.contains(needle), "{}: no {needle:?}", file.display());
        }
        let summary_end = text.find("Objectives").unwrap();
        assert!(text.find("Minimal cut set").unwrap() > summary_end);
    }
}

/// With `--no-importance` the report of an estate the factored method computes has no
/// importance table and does not say it could not compute one (nobody asked), in the terminal
/// and in HTML; without it, the table.
#[test]
fn no_importance_asked_is_not_reported_as_not_computed() {
    let args = crate::common::estate(
        (10, 3),
        drplan::generate::LinkShape::Nearest(4),
        "geodns",
        2,
        &["single-az", "consensus"],
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.yaml");
    std::fs::write(&file, drplan::generate::topology(&args).unwrap()).unwrap();
    for (format, said) in [
        ("table", "importance not computed"),
        ("html", "Not computed"),
    ] {
        let run = |extra: &[&str]| {
            let out = drplan()
                .args(["analyze", "--color", "never", "--format", format])
                .args(extra)
                .arg(&file)
                .output()
                .unwrap();
            String::from_utf8(out.stdout).unwrap()
        };
        let without = run(&["--no-importance"]);
        assert!(
            !without.contains(said),
            "{format}: {said:?} with --no-importance"
        );
        assert!(
            !without.contains("Birnbaum"),
            "{format}: a table with --no-importance"
        );
        let with = run(&[]);
        assert!(with.contains("Birnbaum"), "{format}: no table");
    }
}

/// Where the importance table is out of reach, the report says why, naming the runs and their
/// estimate against the budget, the same in JSON (`importance_note`), the terminal, markdown
/// and HTML: a 32-region estate linked to the two nearest regions is exact through its
/// anchored islands, but its runs through them are over the budget, and its split states one
/// by one cannot reach 1e-12.
#[test]
fn a_missing_importance_table_says_why() {
    let args = drplan::generate::GenerateArgs {
        regions: 32,
        links: drplan::generate::LinkShape::Nearest(2),
        ..Default::default()
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("estate.yaml");
    std::fs::write(&file, drplan::generate::topology(&args).unwrap()).unwrap();
    let report = analyze_json(&file);
    assert!(
        report["summary"]["availability_error_bound"]
            .as_f64()
            .unwrap()
            <= 1e-12
    );
    assert!(report.get("importance").is_none(), "a table");
    let note = report["importance_note"].as_str().expect("importance_note");
    let over = regex_lite_over_budget(note);
    assert!(over, "{note}");
    assert!(
        note.contains("the split states one by one cannot reach 1e-12"),
        "{note}"
    );
    for format in ["table", "markdown", "html"] {
        let out = drplan()
            .args(["analyze", "--color", "never", "--format", format])
            .arg(&file)
            .output()
            .unwrap();
        let out = String::from_utf8(out.stdout).unwrap();
        assert!(out.contains(note), "{format}: no {note:?}");
        assert!(!out.contains("Birnbaum"), "{format}: a table");
    }
}

/// Whether `note` says "through the islands, its N runs are estimated at X units of work, over
/// the budget of 800 million" with an estimate that is over it.
fn regex_lite_over_budget(note: &str) -> bool {
    let Some(rest) = note.strip_prefix("through the islands, its ") else {
        return false;
    };
    let Some((runs, rest)) = rest.split_once(" runs are estimated at ") else {
        return false;
    };
    let Some((estimate, rest)) = rest.split_once(" units of work, over the budget of ") else {
        return false;
    };
    let value = |x: &str| match x.split_once(' ') {
        Some((v, "million")) => v.parse::<f64>().ok().map(|v| v * 1e6),
        Some((v, "billion")) => v.parse::<f64>().ok().map(|v| v * 1e9),
        _ => None,
    };
    runs.parse::<usize>().is_ok_and(|r| r > 32)
        && rest.starts_with("800 million")
        && value(estimate).is_some_and(|e| e > 8e8)
}

/// The cut sets agree with a sweep of every combination of up to three components: each is
/// down, no proper subset of it is, and every down combination contains one.
#[test]
fn cut_sets_agree_with_the_combination_sweep() {
    for file in examples() {
        let report = analyze_json(&file);
        let out = drplan()
            .args([
                "analyze",
                "--format",
                "jsonl",
                "--max-failures",
                "3",
                "--quiet",
            ])
            .arg(&file)
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let mut down: BTreeSet<BTreeSet<String>> = BTreeSet::new();
        for line in text.lines() {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            // Corruption, custom and change scenarios are not sets of failed components.
            if v["outcome"] == "down"
                && v["class"] != "corruption"
                && v["class"] != "custom"
                && v["class"] != "change"
            {
                let failed: BTreeSet<String> = v["failed"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect();
                down.insert(failed);
            }
        }
        let cuts: Vec<BTreeSet<String>> = report["minimal_cut_sets"]["sets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                c["components"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s.as_str().unwrap().to_string())
                    .collect()
            })
            .collect();
        assert_eq!(report["minimal_cut_sets"]["max_order"], 3);
        let expected: BTreeSet<BTreeSet<String>> = down
            .iter()
            .filter(|set| {
                !down
                    .iter()
                    .any(|other| other.len() < set.len() && other.is_subset(set))
            })
            .cloned()
            .collect();
        let got: BTreeSet<BTreeSet<String>> = cuts.iter().cloned().collect();
        assert_eq!(got, expected, "{}", file.display());
        assert_eq!(got.len(), cuts.len(), "no duplicates");
        let probabilities: Vec<f64> = report["minimal_cut_sets"]["sets"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["probability"].as_f64().unwrap())
            .collect();
        assert!(probabilities.windows(2).all(|w| w[0] >= w[1]), "sorted");
        let spofs: BTreeSet<BTreeSet<String>> = report["summary"]["single_points_of_failure"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| BTreeSet::from([s.as_str().unwrap().to_string()]))
            .collect();
        assert!(spofs.is_subset(&got));
    }
}

/// Importance measures against their definitions, recomputed from a second analysis with one
/// component made perfect (availability 1): that gives P(down | it is up) directly, and
/// P(down) = P(down | up) + q x Birnbaum ties Birnbaum (and so RAW) to it.
#[test]
fn importance_matches_a_rerun_with_the_component_made_perfect() {
    let file = root().join("topologies/active-passive.yaml");
    let report = analyze_json(&file);
    let text = std::fs::read_to_string(&file).unwrap();
    let u = report["summary"]["unavailability"].as_f64().unwrap();
    let downtime = report["summary"]["downtime_minutes_per_year"]
        .as_f64()
        .unwrap();
    let rows: BTreeMap<String, serde_json::Value> = report["importance"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["component"].as_str().unwrap().to_string(), r.clone()))
        .collect();
    assert_eq!(
        rows.len(),
        report["scenarios"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|s| s["failed"].as_array().unwrap().len() == 1
                && s["class"] != "corruption"
                && s["class"] != "custom")
            .count()
    );
    // region:us-west made perfect: set its availability to 1 in a copy of the file.
    let block = text.find("  us-west:\n").unwrap();
    let at = block + text[block..].find("availability: \"99.99%\"").unwrap();
    let perfect = format!(
        "{}availability: 1{}",
        &text[..at],
        &text[at + "availability: \"99.99%\"".len()..]
    );
    assert_ne!(perfect, text, "the edit applies");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("perfect.yaml");
    std::fs::write(&path, perfect).unwrap();
    let rerun = analyze_json(&path);
    let u_up = rerun["summary"]["unavailability"].as_f64().unwrap();
    let row = &rows["region:us-west"];
    let q = row["unavailability"].as_f64().unwrap();
    let birnbaum = row["birnbaum"].as_f64().unwrap();
    // P(down) = P(down | up) + q * Birnbaum.
    let expected_u = u_up + q * birnbaum;
    assert!(
        (expected_u - u).abs() <= 1e-9 * u,
        "U {u} vs U(up) {u_up} + q {q} x B {birnbaum} = {expected_u}"
    );
    let rrw = row["risk_reduction_worth"].as_f64().unwrap();
    assert!((rrw - u / u_up).abs() <= 1e-9 * rrw);
    let raw = row["risk_achievement_worth"].as_f64().unwrap();
    assert!((raw - (u_up + birnbaum) / u).abs() <= 1e-9 * raw);
    // Its downtime share is the downtime that goes away when it never fails. The rerun's
    // downtime also loses us-west's own transient (its single failure's impact x f_c).
    let rerun_downtime = rerun["summary"]["downtime_minutes_per_year"]
        .as_f64()
        .unwrap();
    let share = row["downtime_minutes_per_year"].as_f64().unwrap();
    assert!(
        (downtime - rerun_downtime - share).abs() <= 1e-9 * downtime,
        "{downtime} - {rerun_downtime} vs {share}"
    );
}

/// A validated model from YAML text.
pub(crate) fn checked(text: &str) -> drplan::pipeline::Checked {
    let source = drplan::load::Source {
        name: "generated.yaml".into(),
        text: text.into(),
    };
    match drplan::pipeline::check_source(source, "generated") {
        Ok(c) => c,
        Err(_) => panic!("invalid topology:\n{text}"),
    }
}

/// The three figures of two computations side by side, named.
fn pairs(
    a: &drplan::availability::StateProbabilities,
    b: &drplan::availability::StateProbabilities,
) -> [(&'static str, f64, f64); 3] {
    [
        ("unavailability", a.unavailability, b.unavailability),
        ("not full", a.not_full_capacity, b.not_full_capacity),
        ("shortfall", a.expected_shortfall, b.expected_shortfall),
    ]
}

/// A factored computation (`factored::compute` or `compute_with_bound`).
type Factored = fn(
    &drplan::evaluate::Engine,
    Option<&rayon::ThreadPool>,
) -> Result<drplan::availability::Exact, String>;

/// Brute force over every state, and `factored`, on the same topology.
fn both(
    text: &str,
    factored: Factored,
) -> (
    drplan::availability::StateProbabilities,
    Result<drplan::availability::Exact, String>,
) {
    use drplan::availability::brute;
    let checked = checked(text);
    let engine = drplan::evaluate::Engine::new(&checked.model);
    let n = engine.components().len();
    let brute = brute::enumerate(&engine, &vec![brute::Forced::Free; n], None)
        .unwrap_or_else(|| panic!("{n} components is too many to enumerate"))
        .total;
    (brute, factored(&engine, None))
}

/// Brute force and the factored method on the same model: equal within the factored method's
/// reported error bound (plus rounding), whether or not that bound is small enough for
/// `analyze` to accept; or the factored method says the topology is out of its reach.
/// Returns whether the factored method answered.
fn agree(text: &str, what: &str) -> bool {
    let (brute, f) = both(text, drplan::availability::factored::compute_with_bound);
    let Ok(f) = f else {
        return false;
    };
    for (name, b, x) in pairs(&brute, &f.total) {
        let tolerance = f.error_bound + 1e-12 * b.abs() + 1e-18;
        assert!(
            (b - x).abs() <= tolerance,
            "{what}: {name}: brute force {b:e}, factored {x:e}, bound {:e}",
            f.error_bound
        );
    }
    true
}

/// The factored method equals enumeration on the examples it reaches.
#[test]
fn factored_equals_enumeration_on_the_examples() {
    let mut reached = 0;
    for file in examples() {
        let text = std::fs::read_to_string(&file).unwrap();
        if agree(&text, &file.display().to_string()) {
            reached += 1;
        }
    }
    assert!(
        reached >= 3,
        "the factored method reached only {reached} examples"
    );
}

/// `drplan generate` arguments for a small estate: three user groups, one shared-fate pair, one
/// external, the datastore kinds listed (comma-separated), a seed from the shape.
fn small_args(
    regions: usize,
    azs: usize,
    links: drplan::generate::LinkShape,
    routing: &str,
    datastores: &str,
    salt: usize,
) -> drplan::generate::GenerateArgs {
    let stores: Vec<&str> = datastores.split(',').collect();
    drplan::generate::GenerateArgs {
        shared_fate: 1,
        externals: 1,
        seed: (regions * salt + azs) as u64,
        ..crate::common::estate((regions, azs), links, routing, 3, &stores)
    }
}

/// ... and on generated topologies of every shape and routing kind it reaches.
#[test]
fn factored_equals_enumeration_on_generated_topologies() {
    use drplan::generate::{LinkShape, topology};
    let mut reached = 0;
    let mut tried = 0;
    for regions in 1..=4 {
        for azs in 1..=2 {
            for links in [LinkShape::Mesh, LinkShape::Ring, LinkShape::Nearest(1)] {
                for routing in ["geodns", "failover-dns", "anycast", "global-lb"] {
                    for datastores in [
                        "single-az,multi-az",
                        "active-passive",
                        "active-active,consensus",
                        "consensus",
                    ] {
                        let args = small_args(regions, azs, links, routing, datastores, 7);
                        let Ok(text) = topology(&args) else { continue };
                        let c = checked(&text);
                        let engine = drplan::evaluate::Engine::new(&c.model);
                        if engine.components().len() > 18 {
                            continue;
                        }
                        tried += 1;
                        if agree(&text, &format!("{args:?}")) {
                            reached += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(
        tried > 50 && reached * 2 > tried,
        "reached {reached} of {tried}"
    );
}

/// With perfect links in a full mesh the network can never split, so the bound is only the
/// pruned search mass and the two methods must agree to rounding.
#[test]
fn factored_equals_enumeration_tightly_when_the_network_cannot_split() {
    use drplan::availability::{brute, factored};
    use drplan::generate::{GenerateArgs, LinkShape, topology};
    let mut checked_count = 0;
    for regions in 1..=4 {
        for azs in 1..=3 {
            for routing in ["geodns", "failover-dns", "anycast", "global-lb"] {
                for datastores in [
                    "single-az,multi-az,active-passive",
                    "active-active,consensus",
                ] {
                    let stores: Vec<&str> = datastores.split(',').collect();
                    let args = GenerateArgs {
                        seed: (regions * 3 + azs) as u64,
                        ..crate::common::estate(
                            (regions, azs),
                            LinkShape::Mesh,
                            routing,
                            3,
                            &stores,
                        )
                    };
                    let text = topology(&args)
                        .unwrap()
                        .lines()
                        .map(|l| match l.strip_prefix("  - between: ") {
                            Some(pair) => format!("  - {{ between: {pair}, availability: 1 }}"),
                            None => l.to_string(),
                        })
                        .collect::<Vec<_>>()
                        .join("\n");
                    let c = checked(&text);
                    let engine = drplan::evaluate::Engine::new(&c.model);
                    let n = engine.components().len();
                    if n > 20 {
                        continue;
                    }
                    let b = brute::enumerate(&engine, &vec![brute::Forced::Free; n], None)
                        .unwrap()
                        .total;
                    let f = factored::compute(&engine, None)
                        .unwrap_or_else(|e| panic!("{args:?}: {e}"));
                    assert!(f.error_bound < 1e-20, "{args:?}: bound {:e}", f.error_bound);
                    for (name, x, y) in pairs(&b, &f.total) {
                        assert!(
                            (x - y).abs() <= 1e-11 * x.abs() + 1e-20,
                            "{args:?}: {name}: brute force {x:e}, factored {y:e}"
                        );
                    }
                    checked_count += 1;
                }
            }
        }
    }
    assert!(
        checked_count >= 40,
        "only {checked_count} topologies compared"
    );
}

/// Random small topologies with random (and much lower than default) availabilities, so rare
/// states weigh enough to show any disagreement: the factored method equals enumeration within
/// its bound, and to 1e-9 relative when the network cannot split (perfect links, full mesh).
pub(crate) mod random {
    use drplan::availability::{brute, factored};
    use drplan::generate::{GenerateArgs, LinkShape, topology};
    use proptest::prelude::*;

    pub(crate) fn cases() -> u32 {
        std::env::var("DRPLAN_PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(48)
    }

    /// Rewrites a generated topology with the given availabilities: regions, AZs (cycled), and
    /// links (perfect when `perfect_links`).
    pub(crate) fn with_availabilities(
        text: &str,
        regions: &[f64],
        azs: &[f64],
        perfect_links: bool,
    ) -> String {
        let (mut r, mut a) = (0, 0);
        let mut out = Vec::new();
        for line in text.lines() {
            if line.starts_with("    jurisdiction:") {
                out.push(line.to_string());
                out.push(format!("    availability: {}", regions[r % regions.len()]));
                r += 1;
            } else if line.starts_with("      r") && line.ends_with(": {}") {
                let id = line.trim().trim_end_matches(": {}");
                out.push(format!(
                    "      {id}: {{ availability: {} }}",
                    azs[a % azs.len()]
                ));
                a += 1;
            } else if let Some(pair) = line.strip_prefix("  - between: ") {
                if perfect_links {
                    out.push(format!("  - {{ between: {pair}, availability: 1 }}"));
                } else {
                    out.push(format!("  - {{ between: {pair}, availability: 0.95 }}"));
                }
            } else {
                out.push(line.to_string());
            }
        }
        out.join("\n")
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

        #[test]
        fn factored_equals_enumeration(
            regions in 1usize..=4,
            azs in 1usize..=2,
            routing in prop::sample::select(vec!["geodns", "failover-dns", "anycast", "global-lb"]),
            stores in prop::sample::subsequence(
                vec!["single-az", "multi-az", "active-passive", "active-active", "consensus"], 1..=3),
            region_avail in prop::collection::vec(0.8f64..0.999, 4),
            az_avail in prop::collection::vec(0.7f64..0.999, 4),
            perfect_links in any::<bool>(),
            users in 1usize..=4,
            shared in 0usize..=1,
        ) {
            let args = GenerateArgs {
                shared_fate: shared,
                externals: 1,
                ..crate::common::estate((regions, azs), LinkShape::Mesh, routing, users, &stores)
            };
            let text = with_availabilities(&topology(&args).unwrap(), &region_avail, &az_avail, perfect_links);
            let checked = super::checked(&text);
            let engine = drplan::evaluate::Engine::new(&checked.model);
            let n = engine.components().len();
            prop_assume!(n <= 16);
            let b = brute::enumerate(&engine, &vec![brute::Forced::Free; n], None).unwrap().total;
            let f = factored::compute_with_bound(&engine, None).unwrap();
            for (name, x, y) in [
                ("unavailability", b.unavailability, f.total.unavailability),
                ("not full", b.not_full_capacity, f.total.not_full_capacity),
                ("shortfall", b.expected_shortfall, f.total.expected_shortfall),
            ] {
                let tolerance = f.error_bound + 1e-9 * x.abs() + 1e-15;
                prop_assert!((x - y).abs() <= tolerance,
                    "{name}: brute force {x:e}, factored {y:e}, bound {:e}\n{text}", f.error_bound);
            }
            if perfect_links {
                prop_assert!(f.error_bound < 1e-20, "bound {:e} with perfect links", f.error_bound);
            }
        }
    }
}

/// Link graphs that are not connected (`none`, pairs, two clusters): the part that can serve is
/// the factored method's static network and the rest only holds tiers (docs/availability.md,
/// step 4). Low availabilities so that a primary alive outside the serving part, a split of
/// the serving part and a lost majority all weigh: the factored method must reach nearly every
/// case and equal enumeration within its bound.
pub(crate) mod disconnected {
    use drplan::availability::{brute, factored};
    use drplan::generate::{GenerateArgs, LinkShape, topology};
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig { cases: super::random::cases(), ..ProptestConfig::default() })]

        /// With the single-AZ store (in the first region, no backups) only the first region's
        /// part can serve, so the factored method must reach every case.
        #[test]
        fn factored_equals_enumeration_on_unlinked_parts(
            regions in 2usize..=5,
            azs in 1usize..=2,
            links in prop::sample::select(vec![LinkShape::None, LinkShape::Nearest(1), LinkShape::Nearest(2)]),
            routing in prop::sample::select(vec!["geodns", "failover-dns", "anycast", "global-lb"]),
            stores in prop::sample::subsequence(
                vec!["multi-az", "active-passive", "active-active", "consensus"], 0..=2),
            consensus_regions in 1usize..=3,
            region_avail in prop::collection::vec(0.7f64..0.999, 4),
            az_avail in prop::collection::vec(0.7f64..0.999, 4),
            users in 1usize..=4,
            seed in 0u64..1000,
        ) {
            let args = GenerateArgs {
                consensus_regions,
                ..unreliable_estate((regions, azs), links, routing, users, &stores, seed)
            };
            let Ok(text) = topology(&args) else { return Ok(()) };
            let text = super::random::with_availabilities(&text, &region_avail, &az_avail, false);
            let checked = super::checked(&text);
            let engine = drplan::evaluate::Engine::new(&checked.model);
            prop_assume!(engine.components().len() <= 16);
            prop_assume!(petgraph::algo::connected_components(&engine.graphs().network) > 1);
            // A consensus store whose majority is not linked to the first region leaves
            // nothing serving with nothing failed (`analyze` refuses it: nothing-serves).
            let none = drplan::evaluate::Failure::default();
            prop_assume!(engine.core(&none).outcome != drplan::evaluate::Outcome::Down);
            within_its_bound(&engine, &text)?;
        }
    }

    /// A generated estate with the single-AZ store (in the first region, no backups) and
    /// `stores`, no shared-fate group and no external.
    pub(crate) fn unreliable_estate(
        size: (usize, usize),
        links: LinkShape,
        routing: &str,
        users: usize,
        stores: &[&str],
        seed: u64,
    ) -> GenerateArgs {
        let stores: Vec<&str> = std::iter::once("single-az")
            .chain(stores.iter().copied())
            .collect();
        GenerateArgs {
            shared_fate: 0,
            externals: 0,
            seed,
            ..crate::common::estate(size, links, routing, users, &stores)
        }
    }

    /// Enumeration and the factored method with its bound on `engine` (read from `text`):
    /// equal within the bound and 1e-9 relative. The factored result.
    pub(crate) fn within_its_bound(
        engine: &drplan::evaluate::Engine,
        text: &str,
    ) -> Result<drplan::availability::Exact, TestCaseError> {
        let n = engine.components().len();
        let b = brute::enumerate(engine, &vec![brute::Forced::Free; n], None)
            .unwrap()
            .total;
        let f = factored::compute_with_bound(engine, None)
            .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        for (name, x, y) in super::pairs(&b, &f.total) {
            let tolerance = f.error_bound + 1e-9 * x.abs() + 1e-15;
            prop_assert!(
                (x - y).abs() <= tolerance,
                "{name}: brute force {x:e}, factored {y:e}, bound {:e}\n{text}",
                f.error_bound
            );
        }
        Ok(f)
    }
}

/// Rings, chains, hubs and sparse nearest-K graphs whose serving part must hold one region (the
/// anchor: the single-AZ store's, docs/availability.md step 4): the islands that hold it are
/// exact on all of their events (on a hub, one programme sums every split), so the factored
/// method must be exact (bound at most 1e-12) and equal enumeration, with unreliable links,
/// regions and AZs so that splits into many parts weigh.
pub(crate) mod anchored {
    use drplan::availability::factored;
    use drplan::generate::{LinkShape, topology};
    use proptest::prelude::*;

    prop_compose! {
        /// An unreliable estate of 3 to 6 regions in one of `shapes`, with every routing kind
        /// and a few stores, its regions and AZs at 0.7 to 0.999: its YAML, `None` where
        /// `drplan generate` declines the shape.
        fn drawn(shapes: Vec<LinkShape>)(
            regions in 3usize..=6,
            azs in 1usize..=2,
            links in prop::sample::select(shapes),
            routing in prop::sample::select(vec!["geodns", "failover-dns", "anycast", "global-lb"]),
            stores in prop::sample::subsequence(
                vec!["multi-az", "active-passive", "active-active", "consensus"], 0..=2),
            region_avail in prop::collection::vec(0.7f64..0.999, 4),
            az_avail in prop::collection::vec(0.7f64..0.999, 4),
            users in 1usize..=4,
            seed in 0u64..1000,
        ) -> Option<String> {
            let args = super::disconnected::unreliable_estate(
                (regions, azs), links, routing, users, &stores, seed);
            topology(&args).ok().map(|text| {
                super::random::with_availabilities(&text, &region_avail, &az_avail, false)
            })
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: super::random::cases(), ..ProptestConfig::default() })]

        #[test]
        fn anchored_islands_equal_enumeration(
            text in drawn(vec![
                LinkShape::Ring, LinkShape::Chain, LinkShape::Hub,
                LinkShape::Nearest(1), LinkShape::Nearest(2), LinkShape::Mesh,
            ]),
        ) {
            let Some(text) = text else { return Ok(()) };
            let checked = super::checked(&text);
            let engine = drplan::evaluate::Engine::new(&checked.model);
            prop_assume!(engine.components().len() <= 18);
            // (A link graph in several parts is `disconnected`'s.)
            prop_assume!(petgraph::algo::connected_components(&engine.graphs().network) == 1);
            prop_assert!(factored::anchored(&engine), "no anchor\n{text}");
            let f = super::disconnected::within_its_bound(&engine, &text)?;
            prop_assert!(f.error_bound <= 1e-12, "bound {:e}\n{text}", f.error_bound);
        }

        /// The importance runs through the islands (the whole method again with each
        /// component held down, each within 1e-9) give the conditional figures (given each
        /// component down and up), and those equal enumeration's within 1e-9.
        #[test]
        fn importance_through_the_islands_equals_enumeration(
            text in drawn(vec![
                LinkShape::Ring, LinkShape::Chain, LinkShape::Nearest(1), LinkShape::Nearest(2),
            ]),
        ) {
            let Some(text) = text else { return Ok(()) };
            let checked = super::checked(&text);
            let engine = drplan::evaluate::Engine::new(&checked.model);
            let n = engine.components().len();
            prop_assume!(n <= 18);
            prop_assume!(petgraph::algo::connected_components(&engine.graphs().network) == 1);
            let mut islands = factored::islands(&engine, None, factored::TOLERANCE, true)
                .map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assume!(islands.exact.is_exact());
            islands.add_importance(&engine, None, &mut |_, _| {});
            // (On networks this small every anchored island is a candidate: the runs are
            // within their tolerance, and the table is given.)
            let conditional = islands.exact.conditional.ok_or_else(|| {
                TestCaseError::fail(format!("no conditional figures\n{text}"))
            })?;
            prop_assert_eq!(conditional.len(), n);
            let forced = vec![drplan::availability::brute::Forced::Free; n];
            let all = drplan::availability::brute::enumerate(&engine, &forced, None).unwrap();
            for (c, (f, b)) in conditional.iter().zip(&all.conditional).enumerate() {
                for (given, x, y) in [("down", &b.given_down, &f.given_down), ("up", &b.given_up, &f.given_up)] {
                    for (name, x, y) in super::pairs(x, y) {
                        prop_assert!(
                            (x - y).abs() <= 1e-9 + 1e-9 * x.abs(),
                            "{} given {given}, {name}: enumeration {x:e}, islands {y:e}\n{text}",
                            checked.model.component_id(engine.components()[c])
                        );
                    }
                }
            }
        }
    }
}

/// A triangle of reliable regions joined by perfect links, and a pair of unreliable regions
/// (joined to each other by a perfect link) hanging off it by one unreliable link: the network
/// splits often (P about 5%), always into the triangle and a part of the pair, which the
/// factored method computes exactly as islands. `stores` and `api` choose which datastores and
/// where the `api` service runs, so that either part can hold the homes.
fn pendant(routing: &str, stores: &str, api: &str) -> String {
    pendant_linked(routing, stores, api, true)
}

/// [`pendant`], with or without the link between the triangle and the pair (`cross`).
fn pendant_linked(routing: &str, stores: &str, api: &str, cross: bool) -> String {
    let cross = if cross {
        "  - { between: [m0, p1], availability: 0.95 }\n"
    } else {
        ""
    };
    let datastores = match stores {
        "quorum-in-triangle" => {
            "  votes: { replication: consensus, regions: [m0, m1, p1, p2, m2] }\n  \
             orders: { replication: active-passive, primary: p1, replicas: [m1] }\n"
        }
        "quorum-in-pair" => {
            "  votes: { replication: consensus, regions: [m0, p1, p2], backups: { interval: 1h, restore: 30m, region: m2 } }\n  \
             carts: { replication: active-active, regions: [p2, m2] }\n  \
             cache: { replication: single-az, az: p1-a, backups: { interval: 1h, restore: 2h, region: m1 } }\n"
        }
        "replica-outside" => {
            "  orders: { replication: active-passive, primary: m1, replicas: [p2, m0], backups: { interval: 1h, restore: 1h, region: m2 } }\n  \
             cache: { replication: single-az, az: m2-a }\n"
        }
        _ => {
            "  orders: { replication: active-passive, primary: m1, replicas: [p2, m0], backups: { interval: 1h, restore: 1h, region: p1 } }\n  \
             audit: { replication: multi-az, primary: p2 }\n"
        }
    };
    let names: Vec<&str> = datastores
        .lines()
        .map(|l| l.trim().split(':').next().unwrap())
        .collect();
    let api_placement: String = api
        .split(',')
        .map(|r| format!("      {r}: {{ per_az: 1 }}\n"))
        .collect();
    let routing = match routing {
        "failover-dns" => {
            "  kind: failover-dns\n  primary: p1\n  failover_order: [m0, m1, m2, p2]\n".to_string()
        }
        kind => format!("  kind: {kind}\n"),
    };
    let region = |name: &str, at: &str, a: &str| {
        format!(
            "  {name}:\n    location: {at}\n    jurisdiction: EU\n    availability: {a}\n    azs:\n      {name}-a: {{ availability: {a} }}\n"
        )
    };
    format!(
        "version: 1\nname: pendant\nregions:\n{}{}{}{}{}\
links:\n  - {{ between: [m0, m1], availability: 1 }}\n  - {{ between: [m1, m2], availability: 1 }}\n  \
- {{ between: [m0, m2], availability: 1 }}\n  - {{ between: [p1, p2], availability: 1 }}\n\
{cross}routing:\n{routing}\
users:\n  west: {{ location: [50.1, 8.7], share: 0.5 }}\n  east: {{ location: [1.3, 103.8], share: 0.5 }}\n\
demand:\n  peak_rps: 1000\n\
services:\n  web:\n    entry: true\n    capacity_per_instance: 400\n    placement:\n      \
m0: {{ per_az: 1 }}\n      m1: {{ per_az: 1 }}\n      m2: {{ per_az: 1 }}\n      \
p1: {{ per_az: 1, scale_to: {{ per_az: 3 }} }}\n      p2: {{ per_az: 2 }}\n    \
depends_on: [api, {}]\n  api:\n    capacity_per_instance: 1000\n    placement:\n{api_placement}\
datastores:\n{datastores}",
        region("m0", "[50.1, 8.7]", "0.999"),
        region("m1", "[48.9, 2.3]", "0.999"),
        region("m2", "[53.3, -6.3]", "0.999"),
        region("p1", "[1.3, 103.8]", "0.97"),
        region("p2", "[35.7, 139.7]", "0.98"),
        names.join(", "),
    )
}

/// The pendant's two parts with no link between them: only one part can serve (the other
/// lacks a store's only home, or a majority), but the other holds tiers: an alive primary
/// there is the home, so the serving part waits (MODEL.md §3.2). The factored method takes the
/// serving part as its static network and the other as a part that is never OK; it must
/// equal enumeration to rounding (no link can fail, so its bound is 0).
#[test]
fn factored_equals_enumeration_when_only_one_unlinked_part_serves() {
    use drplan::availability::factored;
    let mut compared = 0;
    for routing in ["geodns", "failover-dns", "anycast", "global-lb"] {
        for stores in ["replica-outside", "quorum-in-triangle"] {
            for api in ["m0,m1,m2,p1,p2", "m0,m2,p1"] {
                let text = pendant_linked(routing, stores, api, false);
                let c = checked(&text);
                let engine = drplan::evaluate::Engine::new(&c.model);
                let none = drplan::evaluate::Failure::default();
                if engine.core(&none).outcome == drplan::evaluate::Outcome::Down {
                    continue;
                }
                let (b, f) = both(&text, factored::compute);
                let f = f.unwrap_or_else(|e| panic!("{routing} {stores} {api}: {e}\n{text}"));
                assert_eq!(f.error_bound, 0.0, "{routing} {stores} {api}");
                for (name, x, y) in pairs(&b, &f.total) {
                    assert!(
                        (x - y).abs() <= 1e-12 * x.abs() + 1e-18,
                        "{routing} {stores} {api}: {name}: brute force {x:e}, factored {y:e}"
                    );
                }
                compared += 1;
            }
        }
    }
    assert!(compared >= 8, "only {compared} compared");
}

/// Where the network splits often, the factored method computes the split states (islands)
/// rather than bounding them: its bound is tiny although P(split) is about 5%, and it equals
/// enumeration within that bound, with homes and services in either part, every routing kind,
/// and restore times splitting the sum.
#[test]
fn factored_computes_the_islands_of_a_split_network() {
    use drplan::availability::factored;
    let mut compared = 0;
    for routing in ["geodns", "failover-dns", "anycast"] {
        for stores in [
            "quorum-in-triangle",
            "quorum-in-pair",
            "primary-in-triangle",
        ] {
            for api in ["m0,m1,m2,p1,p2", "p2", "m2,p1"] {
                let text = pendant(routing, stores, api);
                let (b, f) = both(&text, factored::compute);
                let f = f.unwrap_or_else(|e| panic!("{routing} {stores} {api}: {e}\n{text}"));
                assert!(
                    f.error_bound < 1e-9,
                    "{routing} {stores} {api}: bound {:e}",
                    f.error_bound
                );
                for (name, x, y) in pairs(&b, &f.total) {
                    assert!(
                        (x - y).abs() <= f.error_bound + 1e-12 * x.abs(),
                        "{routing} {stores} {api}: {name}: brute force {x:e}, factored {y:e}, bound {:e}\n{text}",
                        f.error_bound
                    );
                }
                compared += 1;
            }
        }
    }
    assert_eq!(compared, 27);
}

/// Islands whose two-part programme would be too large are not chosen: the method answers
/// (bounding those splits) rather than failing. Ten services in every region need ten bits on
/// the static network but twenty with an island.
#[test]
fn islands_too_large_to_track_are_bounded_not_fatal() {
    use drplan::availability::factored;
    let services: String = (0..10)
        .map(|i| {
            format!(
                "  s{i}:\n    capacity_per_instance: 100\n    placement:\n      a: {{ per_az: 1 }}\n      b: {{ per_az: 1 }}\n      c: {{ per_az: 1 }}\n"
            )
        })
        .collect();
    let deps: Vec<String> = (0..10).map(|i| format!("s{i}")).collect();
    let place =
        "    placement:\n      a: { per_az: 1 }\n      b: { per_az: 1 }\n      c: { per_az: 1 }";
    let text = [
        "version: 1",
        "name: many-services",
        "regions:",
        "  a: { location: [50.1, 8.7], jurisdiction: EU, azs: { a1: {} } }",
        "  b: { location: [48.9, 2.3], jurisdiction: EU, azs: { b1: {} } }",
        "  c: { location: [1.3, 103.8], jurisdiction: EU, availability: 0.97, azs: { c1: {} } }",
        "links:",
        "  - { between: [a, b], availability: 1 }",
        "  - { between: [b, c], availability: 0.95 }",
        "routing:",
        "  kind: geodns",
        "users:",
        "  west: { location: [50.1, 8.7], share: 0.5 }",
        "  east: { location: [1.3, 103.8], share: 0.5 }",
        "demand:",
        "  peak_rps: 100",
        "services:",
        "  web:",
        "    entry: true",
        "    capacity_per_instance: 100",
        place,
        &format!("    depends_on: [{}]", deps.join(", ")),
        &services,
    ]
    .join("\n");
    let (b, f) = both(&text, factored::compute_with_bound);
    let f = f.unwrap_or_else(|e| panic!("the factored method failed: {e}"));
    for (name, x, y) in pairs(&b, &f.total) {
        assert!(
            (x - y).abs() <= f.error_bound + 1e-12 * x.abs(),
            "{name}: brute force {x:e}, factored {y:e}, bound {:e}",
            f.error_bound
        );
    }
}

/// MODEL.md §12: where a tier other than the entry is called in another region, or a partial
/// dependency exists, the factored method declines and says why (never a wrong number); where
/// every other tier is dominated by the entry, never short, or co-located with it (tracked per
/// region class), it equals enumeration.
#[test]
fn factored_declines_tiers_called_elsewhere_and_tracks_co_located_ones() {
    let fixture = |name: &str| {
        std::fs::read_to_string(
            crate::common::root().join(format!("tests/fixtures/hand/{name}.yaml")),
        )
        .expect("the fixture exists")
    };
    for (name, why) in [
        // worker runs only in a1 and 900 rps cannot carry the demand of 1000: b calls it in a.
        (
            "tiers",
            "service `worker` can limit capacity and is not placed in every AZ",
        ),
        ("partial", "partial dependencies"),
        ("tiers_scale", "partial dependencies"),
    ] {
        let (_, f) = both(
            &fixture(name),
            drplan::availability::factored::compute_with_bound,
        );
        match f {
            Ok(_) => {
                panic!("{name}: the factored method answered where a tier is called elsewhere")
            }
            Err(e) => assert!(e.contains(why), "{name}: {e}"),
        }
    }
    // worker at 1000 rps (one AZ carries the whole demand: never short): api, short in b with
    // nothing failed, is co-located with web and tracked.
    let tracked =
        fixture("tiers").replace("capacity_per_instance: 900", "capacity_per_instance: 1000");
    assert!(agree(&tracked, "api tracked"));
    // api at web's 400 rps in every AZ as well: dominated, nothing tracked.
    let dominated = tracked
        .replace("a: { per_az: 3 }", "a: { per_az: 4 }")
        .replace("b: { per_az: 2 }", "b: { per_az: 4 }");
    assert!(agree(&dominated, "api dominated"));
}

/// Generated topologies whose api (300 rps an AZ) and worker (600) tiers are smaller than web's
/// 500 rps an AZ (1000 scaled): they bind even with nothing failed (each region's 1000 rps meets
/// at most 300 x AZs of api), so a method that summed web alone would be off by about 1 in
/// full-capacity availability. The factored method tracks both (co-located in every AZ of web)
/// and equals enumeration on every case it reaches.
#[test]
fn factored_tracks_co_located_tiers_that_bind_like_enumeration() {
    use drplan::generate::{LinkShape, topology};
    let (mut tried, mut reached, mut binding) = (0, 0, 0);
    for regions in 1..=4 {
        for azs in 1..=3 {
            for links in [LinkShape::Mesh, LinkShape::Ring] {
                for routing in ["geodns", "failover-dns", "anycast"] {
                    for datastores in ["active-passive", "consensus"] {
                        let args = small_args(regions, azs, links, routing, datastores, 5);
                        let Ok(text) = topology(&args) else { continue };
                        let text = text
                            .replace(
                                "api:\n    capacity_per_instance: 1000",
                                "api:\n    capacity_per_instance: 300",
                            )
                            .replace(
                                "worker:\n    capacity_per_instance: 1000",
                                "worker:\n    capacity_per_instance: 600",
                            );
                        assert!(text.contains("capacity_per_instance: 300"), "{text}");
                        let c = checked(&text);
                        let engine = drplan::evaluate::Engine::new(&c.model);
                        if engine.components().len() > 18 {
                            continue;
                        }
                        tried += 1;
                        if agree(&text, &format!("{args:?}")) {
                            reached += 1;
                        }
                        if engine.baseline().outcome == drplan::evaluate::Outcome::Degraded {
                            binding += 1;
                        }
                    }
                }
            }
        }
    }
    assert!(
        tried > 40 && reached * 2 > tried && binding == tried,
        "reached {reached} of {tried}, {binding} short with nothing failed"
    );
}
