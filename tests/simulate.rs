//! `drplan simulate`: the Monte Carlo estimate agrees with the exact figures, and the output is
//! a function of the seed alone.
//!
//! The checks are statistical with a fixed seed, so they are deterministic; a change to how
//! years are sampled changes every draw, and then a 95% check misses by chance about one time
//! in twenty. Before suspecting a bug after such a change, look at how far outside the miss is.

use std::path::Path;

use crate::common::{analyze_json, assert_close, drplan, root};
use crate::examples::topologies;

/// The seed of the agreement checks, fixed before the first run.
const SEED: &str = "1";
/// Years per example: 100,000 takes 0.2 to 1.5 s per example in a debug build, and gives a 95%
/// interval of the mean within 1% (anycast-edge, spanner-consensus, single-region) to 2.5%
/// (multi-az) of it on every example, far tighter than the factor 1.5 a wrong formula would
/// show. The examples differ in variance (single-region: a few long region outages a decade;
/// active-active: many short transients) but none needs more years than this.
const YEARS: &str = "100000";

fn simulate_json(path: &Path, extra: &[&str]) -> serde_json::Value {
    let output = drplan()
        .args(["simulate", "--format", "json", "--quiet", "--years", YEARS])
        .args(["--seed", SEED])
        .args(extra)
        .arg(path)
        .output()
        .expect("drplan runs");
    assert_eq!(
        output.status.code(),
        Some(0),
        "drplan simulate {} failed:\n{}",
        path.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "no progress bar or message on a non-terminal stderr:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("simulate --format json prints JSON")
}

fn interval(estimate: &serde_json::Value) -> (f64, f64) {
    let ci = &estimate["ci95"];
    (
        ci[0].as_f64().expect("a lower bound"),
        ci[1].as_f64().expect("an upper bound"),
    )
}

/// How many half-widths of the 95% interval `x` lies from the estimate (|z| / 1.96).
fn distance(estimate: &serde_json::Value, x: f64) -> f64 {
    let (lo, hi) = interval(estimate);
    let value = estimate["value"].as_f64().unwrap();
    (x - value).abs() / ((hi - lo) / 2.0)
}

#[test]
fn the_mean_agrees_with_the_analytic_downtime_on_every_example() {
    for path in topologies() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let report = analyze_json(&path);
        let exact = report["summary"]["downtime_minutes_per_year"]
            .as_f64()
            .expect("the examples are small enough for the exact figure");
        let sim = simulate_json(&path, &[]);
        assert_eq!(sim["years"], 100_000);
        assert_eq!(sim["seed"], 1);
        assert!(sim["failure_events"].as_u64().unwrap() > 10_000, "{name}");
        // The figure printed beside the estimate is analyze's own.
        assert_close(&sim["analytic"]["downtime_minutes_per_year"], exact);
        let downtime = &sim["downtime_minutes_per_year"];
        let mean = &downtime["mean"];
        let (lo, hi) = interval(mean);
        assert!(
            lo <= exact && exact <= hi,
            "{name}: analytic {exact} outside the simulated mean's 95% interval [{lo}, {hi}]"
        );
        // The check can fail: a figure 1.5 times too large, or too small, is far outside.
        for wrong in [exact * 1.5, exact / 1.5] {
            assert!(
                wrong < lo || wrong > hi,
                "{name}: the interval [{lo}, {hi}] cannot tell {exact} from {wrong}"
            );
        }
        // The interval is a real one: narrow, but not degenerate.
        assert!(
            hi - lo > 0.0 && hi - lo < 0.06 * exact,
            "{name}: [{lo}, {hi}]"
        );
    }
}

/// The two parts of the mean against what each converges to: the states part to §5's
/// 525,960 x E[1 - served] exactly, the transients to their expectation as the simulation
/// counts them (`transients_with_pairs`, exact to second order). These are 14 more checks, so
/// they use a 99.9% interval (3.29 standard errors, 1.68 half-widths of the 95% one) to keep
/// the chance of a miss at any seed near 1%; the transients have little variance, so that is
/// still tight enough to tell `transients_with_pairs` from §5's single-failure figure where
/// the two differ (spanner-consensus: restores from backups after a second region loss).
#[test]
fn each_part_of_the_mean_agrees_with_what_it_estimates() {
    const HALF_WIDTHS_99_9: f64 = 3.290_526_731_491_926 / 1.959_963_984_540_054;
    for path in topologies() {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let sim = simulate_json(&path, &[]);
        let analytic = &sim["analytic"];
        let downtime = &sim["downtime_minutes_per_year"];
        let states = analytic["states"].as_f64().unwrap();
        let transients = analytic["transients"].as_f64().unwrap();
        let with_pairs = analytic["transients_with_pairs"].as_f64().unwrap();
        assert_close(
            &serde_json::json!(states + transients),
            analytic["downtime_minutes_per_year"].as_f64().unwrap(),
        );
        if transients == 0.0 {
            // single-region: every failure is down, so there is no transient at all.
            assert_eq!(downtime["transients"]["value"], 0.0, "{name}");
            assert_eq!(with_pairs, 0.0, "{name}");
        } else {
            let d = distance(&downtime["transients"], with_pairs);
            assert!(
                d <= HALF_WIDTHS_99_9,
                "{name}: transients {d} half-widths off"
            );
        }
        let d = distance(&downtime["states"], states);
        assert!(d <= HALF_WIDTHS_99_9, "{name}: states {d} half-widths off");
        if name == "spanner-consensus.yaml" {
            assert!(
                with_pairs > 1.5 * transients,
                "{with_pairs} vs {transients}"
            );
            assert!(distance(&downtime["transients"], transients) > HALF_WIDTHS_99_9);
        }
    }
}

#[test]
fn percentiles_are_ordered_inside_their_intervals() {
    let sim = simulate_json(&root().join("topologies/spanner-consensus.yaml"), &[]);
    let d = &sim["downtime_minutes_per_year"];
    let mut last = 0.0;
    for key in ["p50", "p90", "p99"] {
        let value = d[key]["value"].as_f64().unwrap();
        let (lo, hi) = interval(&d[key]);
        assert!(
            lo <= value && value <= hi && lo < hi,
            "{key}: {lo} {value} {hi}"
        );
        assert!(value >= last, "{key} below the one before");
        last = value;
    }
    // Downtime is skewed: the median year is well below the mean, the p99 far above.
    let mean = d["mean"]["value"].as_f64().unwrap();
    assert!(d["p50"]["value"].as_f64().unwrap() < mean);
    assert!(d["p99"]["value"].as_f64().unwrap() > 3.0 * mean);
    assert!(d["std_dev"].as_f64().unwrap() > 0.0);
}

#[test]
fn few_years_leave_the_p99_unbounded_above() {
    let output = drplan()
        .args([
            "simulate", "--format", "json", "--years", "50", "--seed", "3",
        ])
        .arg(root().join("topologies/active-passive.yaml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let sim: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    // 0.99^50 = 0.6: no order statistic of 50 years bounds the p99 from above.
    assert!(sim["downtime_minutes_per_year"]["p99"]["ci95"][1].is_null());
}

/// Standard output of `drplan simulate topologies/active-passive.yaml` with `args`, 20,000
/// years unless `args` say otherwise.
fn simulate_bytes(args: &[&str]) -> Vec<u8> {
    let years: &[&str] = if args.contains(&"--years") {
        &[]
    } else {
        &["--years", "20000"]
    };
    let output = drplan()
        .arg("simulate")
        .arg(root().join("topologies/active-passive.yaml"))
        .args(years)
        .args(args)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    output.stdout
}

#[test]
fn the_same_seed_gives_the_same_bytes_for_any_thread_count() {
    for format in ["json", "table"] {
        let one = simulate_bytes(&["--seed", "7", "--threads", "1", "--format", format]);
        let two = simulate_bytes(&["--seed", "7", "--threads", "2", "--format", format]);
        let again = simulate_bytes(&["--seed", "7", "--threads", "2", "--format", format]);
        let default = simulate_bytes(&["--seed", "7", "--format", format]);
        assert!(!one.is_empty());
        assert_eq!(one, two, "--threads 1 and 2 differ ({format})");
        assert_eq!(two, again, "two runs differ ({format})");
        assert_eq!(one, default, "the default thread count differs ({format})");
    }
}

#[test]
fn a_different_seed_gives_different_draws() {
    let a = simulate_bytes(&["--seed", "7", "--format", "json"]);
    let b = simulate_bytes(&["--seed", "8", "--format", "json"]);
    assert_ne!(a, b);
    let a: serde_json::Value = serde_json::from_slice(&a).unwrap();
    let b: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_ne!(
        a["downtime_minutes_per_year"]["mean"],
        b["downtime_minutes_per_year"]["mean"]
    );
    assert_ne!(a["failure_events"], b["failure_events"]);
    // ... while the exact figure does not depend on the seed.
    assert_eq!(a["analytic"], b["analytic"]);
}

#[test]
fn the_table_shows_the_estimate_beside_the_analytic_figure() {
    let out = simulate_bytes(&["--seed", "1", "--years", "100000"]);
    let text = String::from_utf8(out).unwrap();
    assert!(
        text.starts_with("drplan simulate: active-passive-warm-standby, 100,000 years, seed 1, ")
    );
    for needle in ["mean", "p50", "p90", "p99", "95% CI", "analytic (§5)"] {
        assert!(text.contains(needle), "{needle} missing:\n{text}");
    }
    assert!(
        text.contains("is inside the 95% interval of the simulated mean"),
        "{text}"
    );
}

#[test]
fn exit_codes() {
    let file = root().join("topologies/active-passive.yaml");
    let code = |args: &[&str]| {
        drplan()
            .arg("simulate")
            .args(args)
            .output()
            .unwrap()
            .status
            .code()
    };
    let path = file.to_str().unwrap();
    // Usage errors: 2, with a message.
    let out = drplan()
        .args(["simulate", path, "--years", "0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--years must be 1 or more"));
    assert!(out.stdout.is_empty());
    assert_eq!(code(&[path, "--years", "10000001"]), Some(2));
    assert_eq!(code(&[path, "--years", "-5"]), Some(2));
    assert_eq!(code(&[path, "--threads", "0"]), Some(2));
    assert_eq!(code(&[path, "--format", "markdown"]), Some(2));
    assert_eq!(code(&[]), Some(2));
    // An invalid file: 2, with the located diagnostics of every command.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "version: 1\nregions: {}\nbogus: 3\n").unwrap();
    let out = drplan()
        .arg("simulate")
        .arg(&bad)
        .args(["--years", "10"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("bad.yaml:3:1"), "{err}");
    assert!(out.stdout.is_empty());
    // A missing file: 3.
    assert_eq!(
        code(&[dir.path().join("missing.yaml").to_str().unwrap()]),
        Some(3)
    );
    // Success: 0, and --output writes the file instead of standard output.
    let target = dir.path().join("sim.json");
    let out = drplan()
        .args(["simulate", path, "--years", "100", "-f", "json", "-o"])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(out.stdout.is_empty());
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&target).unwrap()).unwrap();
    assert_eq!(written["years"], 100);
}

#[test]
fn where_availability_is_only_an_interval_there_is_no_analytic_figure_but_a_note() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    // A 40-region ring: failures split it into several parts more often than 1e-12, and
    // without a region every serving part needs (the anchor of the islands: no single-AZ or
    // multi-AZ store) neither the split states one by one nor the most probable states reach
    // 1e-12: the figures are a proven interval, not an analytic figure to converge to.
    let generated = drplan()
        .args([
            "generate",
            "--regions",
            "40",
            "--azs",
            "3",
            "--links",
            "ring",
            "--datastores",
            "active-passive,consensus",
        ])
        .output()
        .unwrap();
    assert_eq!(generated.status.code(), Some(0));
    std::fs::write(&path, &generated.stdout).unwrap();
    let output = drplan()
        .args(["simulate", "--format", "json", "--years", "500"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let sim: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(sim["analytic"].is_null());
    let note = sim["analytic_note"].as_str().unwrap();
    assert!(
        note.contains("ring") && note.contains("proven interval"),
        "{note}"
    );
    // The simulation itself still runs: it is the figure these topologies have.
    assert!(
        sim["downtime_minutes_per_year"]["mean"]["value"]
            .as_f64()
            .unwrap()
            > 0.0
    );
}

/// Above enumeration, the analytic figure comes from the factored method, and the simulation
/// agrees with it within its interval.
#[test]
fn above_enumeration_the_factored_figure_agrees_with_the_simulation() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.yaml");
    let generated = drplan()
        .args([
            "generate",
            "--regions",
            "5",
            "--azs",
            "3",
            "--links",
            "mesh",
        ])
        .output()
        .unwrap();
    std::fs::write(&path, &generated.stdout).unwrap();
    let output = drplan()
        .args([
            "simulate", "--format", "json", "--years", "20000", "--seed", "7",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let sim: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let analytic = sim["analytic"]["downtime_minutes_per_year"]
        .as_f64()
        .unwrap();
    let mean = &sim["downtime_minutes_per_year"]["mean"];
    let (low, high) = (
        mean["ci95"][0].as_f64().unwrap(),
        mean["ci95"][1].as_f64().unwrap(),
    );
    assert!(
        low <= analytic && analytic <= high,
        "analytic {analytic} outside [{low}, {high}]"
    );
}
