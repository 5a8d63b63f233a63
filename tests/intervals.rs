//! Availability is never "not computed": where the exact methods decline, the most probable
//! states give a proven interval (docs/availability.md, method 3), exact when it is narrow
//! enough, and the gate reads its pessimistic end (docs/gating.md).

use drplan::availability::{self, brute, factored, partial, split_states};
use drplan::generate::{GenerateArgs, LinkShape, topology};
use proptest::prelude::*;

use crate::availability::checked;
use crate::availability::random::with_availabilities;
use crate::common::drplan;

fn cases() -> u32 {
    std::env::var("DRPLAN_PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(32)
}

fn shape(k: usize) -> LinkShape {
    [
        LinkShape::Mesh,
        LinkShape::Ring,
        LinkShape::Hub,
        LinkShape::Nearest(1),
        LinkShape::None,
    ][k]
}

/// A generated topology (regions, AZs, links, routing, users, shared-fate groups; these
/// datastore kinds; one external) with these region and AZ availabilities and links at 0.95:
/// unreliable enough that states of many failures weigh. `None` when the shape is not valid at
/// that size.
fn unreliable(
    (regions, azs, links, routing, users, shared): (usize, usize, LinkShape, &str, usize, usize),
    stores: &[&str],
    region_avail: &[f64],
    az_avail: &[f64],
) -> Option<String> {
    let args = GenerateArgs {
        shared_fate: shared,
        externals: 1,
        ..crate::common::estate((regions, azs), links, routing, users, stores)
    };
    let text = topology(&args).ok()?;
    Some(with_availabilities(&text, region_avail, az_avail, false))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// On topologies small enough to enumerate, with unreliable components (so that states of
    /// many failures weigh, and splits into several parts happen) and, in some, a control
    /// plane hosted in a region that fails (MODEL.md §10), the evaluated states and
    /// the mass left out bracket the enumerated figures; and when every state fits in the
    /// budget (at most 17 components) nothing is left out and the figures are equal.
    #[test]
    fn the_most_probable_states_bracket_enumeration(
        regions in 1usize..=5,
        azs in 1usize..=2,
        links in 0usize..5,
        routing in prop::sample::select(vec!["geodns", "failover-dns", "anycast", "global-lb"]),
        stores in prop::sample::subsequence(
            vec!["single-az", "multi-az", "active-passive", "active-active", "consensus"], 1..=3),
        region_avail in prop::collection::vec(0.7f64..0.999, 4),
        az_avail in prop::collection::vec(0.7f64..0.999, 4),
        users in 1usize..=4,
        shared in 0usize..=1,
        control in any::<bool>(),
    ) {
        let Some(mut text) = unreliable(
            (regions, azs, shape(links), routing, users, shared), &stores, &region_avail, &az_avail,
        ) else { return Ok(()) };
        if control && (routing == "geodns" || routing == "failover-dns") {
            // MODEL.md §10: a DNS control plane hosted in r0 that every record change needs.
            text = text.replace(
                &format!("routing:\n  kind: {routing}\n"),
                &format!("control_planes:\n  cp: {{ region: r0, availability: 0.9 }}\nrouting:\n  kind: {routing}\n  requires: [cp]\n"),
            );
        }
        let source = drplan::load::Source { name: "g.yaml".into(), text: text.clone() };
        // Some shapes are invalid for some sizes (a hub of one region): not this test's matter.
        let Ok(checked) = drplan::pipeline::check_source(source, "g") else { return Ok(()) };
        let engine = drplan::evaluate::Engine::new(&checked.model);
        let n = engine.components().len();
        prop_assume!(n <= 20);
        let all = brute::enumerate(&engine, &vec![brute::Forced::Free; n], None).unwrap();
        let b = all.total;
        let p = partial::evaluate(&engine, None);
        // Each conditional figure (for importance) within its own bracket too.
        for (c, (brute_c, (part, [down_w, up_w]))) in
            all.conditional.iter().zip(&p.conditional).enumerate()
        {
            let q = engine.model().availability(engine.components()[c]).unavailability();
            if q == 0.0 {
                continue;
            }
            for (given, exact, low, w) in [
                ("down", &brute_c.given_down, &part.given_down, *down_w),
                ("up", &brute_c.given_up, &part.given_up, *up_w),
            ] {
                for (x, l) in [
                    (exact.unavailability, low.unavailability),
                    (exact.not_full_capacity, low.not_full_capacity),
                    (exact.expected_shortfall, low.expected_shortfall),
                ] {
                    let rounding = 1e-9 * x.abs() + 1e-12;
                    prop_assert!(l <= x + rounding && x <= l + w + rounding,
                        "component {c} given {given}: enumeration {x:e}, [{l:e}, {:e}]", l + w);
                }
            }
        }
        for (name, exact, low) in [
            ("unavailability", b.unavailability, p.evaluated.unavailability),
            ("not full", b.not_full_capacity, p.evaluated.not_full_capacity),
            ("shortfall", b.expected_shortfall, p.evaluated.expected_shortfall),
        ] {
            let rounding = 1e-12 * exact.abs() + 1e-15;
            prop_assert!(low <= exact + rounding && exact <= low + p.unexplored + rounding,
                "{name}: enumeration {exact:e}, interval [{low:e}, {:e}] ({} states)\n{text}",
                low + p.unexplored, p.states);
            if n <= 17 {
                prop_assert!((exact - low).abs() <= rounding,
                    "{name}: every state fits, yet enumeration {exact:e} and the states {low:e}");
            }
        }
        if n <= 17 {
            prop_assert!(p.unexplored < 1e-25, "{n} components left {:e} out", p.unexplored);
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    /// Step 4's split states one by one: the factored method's static figures, corrected on
    /// every state where the network splits (evaluated on the model and on the static network),
    /// equal enumeration within the bound; with unreliable regions, AZs and links (so that
    /// splits into three and more parts weigh), on rings, hubs, chains of nearest neighbours and
    /// meshes, every routing kind (global-lb, whose pool spans the parts, too). The states are
    /// visited until what they leave out is at most half the tolerance (and half the
    /// conditional figures' tolerance for importance), which every tree here reaches.
    #[test]
    fn the_static_network_corrected_on_split_states_equals_enumeration(
        regions in 2usize..=6,
        azs in 1usize..=2,
        links in 0usize..5,
        routing in prop::sample::select(vec!["geodns", "failover-dns", "anycast", "global-lb"]),
        stores in prop::sample::subsequence(
            vec!["single-az", "multi-az", "active-passive", "active-active", "consensus"], 1..=3),
        region_avail in prop::collection::vec(0.7f64..0.999, 4),
        az_avail in prop::collection::vec(0.7f64..0.999, 4),
        users in 1usize..=4,
        shared in 0usize..=1,
    ) {
        let Some(text) = unreliable(
            (regions, azs, shape(links), routing, users, shared), &stores, &region_avail, &az_avail,
        ) else { return Ok(()) };
        let source = drplan::load::Source { name: "g.yaml".into(), text: text.clone() };
        let Ok(checked) = drplan::pipeline::check_source(source, "g") else { return Ok(()) };
        let engine = drplan::evaluate::Engine::new(&checked.model);
        let n = engine.components().len();
        prop_assume!(n <= 20);
        let Ok(static_) = factored::static_network(&engine, None, true) else { return Ok(()) };
        let all = brute::enumerate(&engine, &vec![brute::Forced::Free; n], None).unwrap();
        let b = all.total;
        let s = split_states::compute(&engine, None, &static_);
        // (Up to the rounding of P(split) and of the sum of the states' probabilities.)
        prop_assert!(s.bound <= static_.main.pruned + 5e-13 + 1e-12 * static_.main.split,
            "{:e} is left of P(split) {:e}", s.bound, static_.main.split);
        for (name, exact, ours) in [
            ("unavailability", b.unavailability, s.total.unavailability),
            ("not full", b.not_full_capacity, s.total.not_full_capacity),
            ("shortfall", b.expected_shortfall, s.total.expected_shortfall),
        ] {
            let rounding = 1e-9 * exact.abs() + 1e-14;
            prop_assert!((exact - ours).abs() <= s.bound + rounding,
                "{name}: enumeration {exact:e}, split states {ours:e} (bound {:e}, {} split \
                 states, P(split) {:e})\n{text}", s.bound, s.states, static_.main.split);
        }
        // Importance from the same states: each component's figures given it down and given
        // it up, within their own bounds.
        let conditional = s.conditional.expect("importance asked for, and small enough");
        let runs = static_.conditional.as_ref().expect("the static runs held each component");
        for (c, (brute_c, (ours, [down_b, up_b]))) in
            all.conditional.iter().zip(&conditional).enumerate()
        {
            let q = engine.model().availability(engine.components()[c]).unavailability();
            if q == 0.0 {
                continue;
            }
            // Each bound within half the conditional tolerance of its static run's pruned mass.
            for (run, bound) in runs[c].iter().zip([down_b, up_b]) {
                prop_assert!(*bound <= run.pruned + 5e-10 + 1e-10 * run.split,
                    "component {c}: bound {bound:e}, P(split) {:e}", run.split);
            }
            for (given, exact, mine, bound) in [
                ("down", &brute_c.given_down, &ours.given_down, *down_b),
                ("up", &brute_c.given_up, &ours.given_up, *up_b),
            ] {
                for (x, y) in [
                    (exact.unavailability, mine.unavailability),
                    (exact.not_full_capacity, mine.not_full_capacity),
                    (exact.expected_shortfall, mine.expected_shortfall),
                ] {
                    prop_assert!((x - y).abs() <= bound + 1e-9 * x.abs() + 1e-13,
                        "component {c} given {given}: enumeration {x:e}, split states {y:e} \
                         (bound {bound:e})\n{text}");
                }
            }
        }
    }
}

/// A 5-region estate whose DNS record changes need a control plane hosted in one of its regions
/// (MODEL.md §10): above enumeration, and the factored method declines control planes, so the
/// text of an estate with one, for the tests below.
fn with_control_plane() -> String {
    let args = GenerateArgs {
        regions: 5,
        azs: 3,
        ..GenerateArgs::default()
    };
    let text = topology(&args).unwrap();
    let out = text.replacen(
        "routing:\n  kind: geodns\n",
        "control_planes:\n  dns-api: { region: r02, availability: 0.9995 }\nrouting:\n  kind: geodns\n  requires: [dns-api]\n",
        1,
    );
    assert_ne!(out, text, "the edit applies");
    out
}

/// Such an estate gets exact figures from the most probable states (its components are
/// reliable, so what is left out weighs far less than 1e-12), with bounds around each figure.
#[test]
fn control_planes_above_enumeration_are_exact_from_the_most_probable_states() {
    let checked = checked(&with_control_plane());
    let engine = drplan::evaluate::Engine::new(&checked.model);
    assert!(engine.components().len() > brute::MAX_COMPONENTS);
    assert!(availability::factored::compute(&engine, None).is_err());
    let exact = availability::compute(&engine, None, false, &mut |_| {});
    assert_eq!(exact.method, availability::Method::MostProbableStates);
    assert!(exact.is_exact(), "bound {:e}", exact.error_bound);
    assert!(exact.note.is_none());
    let a = availability::summarize(&engine, &exact, &[]);
    let b = &a.bounds;
    for (name, x, [lo, hi]) in [
        ("availability", a.availability, b.availability),
        (
            "full capacity",
            a.full_capacity_availability,
            b.full_capacity_availability,
        ),
        (
            "served",
            a.expected_served_fraction,
            b.expected_served_fraction,
        ),
        (
            "effective",
            a.effective_availability,
            b.effective_availability,
        ),
    ] {
        assert!(
            lo <= x && x <= hi && hi - lo <= 2e-12,
            "{name}: {x} not in [{lo}, {hi}]"
        );
    }
}

/// Unreliable AZs and regions over 24 components: the states left out weigh too much for an
/// exact figure, so the report gives a proven interval (JSON bounds, "X% to Y%" in the table,
/// a note saying why), and an availability objective between the interval's lower end and its
/// middle is breached, with the lower end as the actual value: a pass must be proven.
#[test]
fn a_wide_interval_is_reported_and_gated_on_its_lower_end() {
    // (Without a single-AZ or multi-AZ store no region is the anchor of every serving part,
    // whose islands would make the figures exact.)
    let args = GenerateArgs {
        regions: 4,
        azs: 3,
        routing: "global-lb".into(),
        datastores: vec!["active-passive".into(), "consensus".into()],
        ..GenerateArgs::default()
    };
    let text = with_availabilities(&topology(&args).unwrap(), &[0.9, 0.95], &[0.8, 0.9], false);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wide.yaml");
    std::fs::write(&path, &text).unwrap();
    let out = drplan()
        .args(["analyze", "-f", "json"])
        .arg(&path)
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let s = &report["summary"];
    assert_eq!(s["availability_method"], "most-probable-states");
    let bound = s["availability_error_bound"].as_f64().unwrap();
    assert!(bound > 1e-12, "bound {bound:e}: not an interval");
    let [lo, hi] = [0, 1].map(|i| {
        s["availability_bounds"]["effective_availability"][i]
            .as_f64()
            .unwrap()
    });
    let mid = s["effective_availability"].as_f64().unwrap();
    assert!(lo < mid && mid < hi, "{lo} {mid} {hi}");
    assert!(
        s["availability_note"]
            .as_str()
            .unwrap()
            .contains("proven interval")
    );
    let table = drplan()
        .args(["analyze", "--color", "never"])
        .arg(&path)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(
        table.contains("% to ") && table.contains("Why an interval"),
        "{table}"
    );
    // The same interval, digit for digit, in markdown and HTML.
    let interval = table
        .lines()
        .find(|l| l.contains("Effective availability"))
        .and_then(|l| l.split('┆').nth(1))
        .map(|c| {
            c.trim_matches(|ch: char| ch == '│' || ch.is_whitespace())
                .to_string()
        })
        .expect("an effective availability row");
    assert!(interval.contains("% to "), "{interval}");
    for format in ["markdown", "html"] {
        let out = drplan()
            .args(["analyze", "-f", format])
            .arg(&path)
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&interval),
            "{format} does not show {interval}"
        );
    }

    // An objective between the lower end and the middle: breached, on the lower end; below
    // the lower end: passed.
    let gate = |limit: f64| {
        std::fs::write(
            &path,
            format!("{text}\nobjectives:\n  survive: []\n  availability: {limit}\n"),
        )
        .unwrap();
        let out = drplan()
            .args(["analyze", "-f", "json"])
            .arg(&path)
            .output()
            .unwrap();
        let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code(), report)
    };
    let (code, report) = gate((lo + mid) / 2.0);
    assert_eq!(code, Some(1), "{report}");
    let breach = report["objectives"]["breaches"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["objective"] == "availability")
        .expect("an availability breach");
    assert_eq!(breach["actual"].as_f64().unwrap(), lo);
    let (code, report) = gate(lo * 0.999);
    assert_eq!(code, Some(0), "{}", report["objectives"]);
}

/// Importance from the most probable states (the same states, each conditional figure within
/// 1e-9) against its definition: a rerun with one region made perfect gives P(down | it is up)
/// directly, P(down) = P(down | up) + q x Birnbaum, and the region's downtime share is the
/// downtime that goes away. On the estate with a control plane above.
#[test]
fn importance_from_the_most_probable_states_matches_a_rerun_with_a_perfect_region() {
    use crate::common::analyze_json;
    let text = with_control_plane();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("control.yaml");
    std::fs::write(&path, &text).unwrap();
    let report = analyze_json(&path);
    assert_eq!(
        report["summary"]["availability_method"],
        "most-probable-states"
    );
    let rows = report["importance"]
        .as_array()
        .expect("importance is computed");
    assert!(rows.len() > 22);
    let row = rows
        .iter()
        .find(|r| r["component"] == "region:r02")
        .expect("a row for region:r02");
    let perfect = text.replacen("  r02:\n", "  r02:\n    availability: 1\n", 1);
    assert_ne!(perfect, text);
    std::fs::write(&path, perfect).unwrap();
    let rerun = analyze_json(&path);
    let figure = |r: &serde_json::Value, k: &str| r["summary"][k].as_f64().unwrap();
    let (u, u_up) = (
        figure(&report, "unavailability"),
        figure(&rerun, "unavailability"),
    );
    let q = row["unavailability"].as_f64().unwrap();
    let birnbaum = row["birnbaum"].as_f64().unwrap();
    assert!(birnbaum > 0.0, "a region of five matters: {row}");
    assert!(
        (u_up + q * birnbaum - u).abs() <= 1e-9 * u,
        "U {u} vs U(up) {u_up} + q {q} x B {birnbaum}"
    );
    let downtime = figure(&report, "downtime_minutes_per_year");
    let rerun_downtime = figure(&rerun, "downtime_minutes_per_year");
    let share = row["downtime_minutes_per_year"].as_f64().unwrap();
    assert!(
        (downtime - rerun_downtime - share).abs() <= 1e-9 * downtime,
        "{downtime} - {rerun_downtime} vs {share}"
    );
}

/// Above enumeration, on a ring the factored method corrects state by state (its split states,
/// docs/availability.md step 4) when no region anchors the serving part, and importance comes
/// from the same states: for a link (which matters only through the splits it takes part in)
/// and for a region, the figures given the component up equal a rerun with it made perfect.
#[test]
fn importance_from_the_split_states_matches_a_rerun_with_a_perfect_component() {
    importance_matches_reruns_with_perfect_components(
        &[
            "--regions",
            "8",
            "--links",
            "ring",
            "--datastores",
            "active-passive,consensus",
        ],
        &["link:r00~r01", "region:r02"],
    );
}

/// With an anchor (the generated single-AZ store's region), the islands make the figures
/// exact and importance comes from the whole method rerun through them with each component
/// held down: on a 24-region ring (whose split states one by one cannot reach the tolerance)
/// and on a 16-region chain (every link and inner region a bridge: held down, it splits the
/// network for sure), and on a 24-region estate linked to the three nearest regions, the
/// figures given a link or a region up equal a rerun with it made perfect, and so do those
/// given the single-AZ store's AZ up (held down, nothing serves).
#[test]
fn importance_through_the_islands_matches_a_rerun_with_a_perfect_component() {
    importance_matches_reruns_with_perfect_components(
        &["--regions", "24", "--links", "ring"],
        &["link:r00~r01", "region:r02", "link:r11~r12", "az:r00-az0"],
    );
    importance_matches_reruns_with_perfect_components(
        &["--regions", "16", "--links", "chain"],
        &["link:r04~r05", "region:r07"],
    );
    // Islands with more links among their regions than can be enumerated: their connectivity
    // with a link held down comes from one recorded programme per island.
    importance_matches_reruns_with_perfect_components(
        &["--regions", "24", "--links", "nearest:3"],
        &["link:r00~r05", "link:r03~r11", "region:r05"],
    );
}

/// The estate `drplan generate` writes with `args`, analyzed: exact by the factored method,
/// with the importance table; and each of `components` made perfect, P(down) = P(down | up) +
/// q x Birnbaum, and its downtime share is what the rerun loses.
fn importance_matches_reruns_with_perfect_components(args: &[&str], components: &[&str]) {
    use crate::common::analyze_json;
    let generated = drplan().arg("generate").args(args).output().unwrap();
    assert!(generated.status.success());
    let text = String::from_utf8(generated.stdout).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("estate.yaml");
    std::fs::write(&path, &text).unwrap();
    let report = analyze_json(&path);
    let figure = |r: &serde_json::Value, k: &str| r["summary"][k].as_f64().unwrap();
    assert_eq!(report["summary"]["availability_method"], "factored");
    let bound = figure(&report, "availability_error_bound");
    assert!(bound <= 1e-12, "{args:?}: bound {bound:e}");
    // The table, markdown and HTML name the same bound and method as the JSON.
    for format in ["table", "markdown", "html"] {
        let out = drplan()
            .args(["analyze", "--color", "never", "-f", format])
            .arg(&path)
            .output()
            .unwrap();
        let out = String::from_utf8(out.stdout).unwrap();
        assert!(
            out.contains(&format!(
                "every probability within {bound:.1e}, method factored"
            )),
            "{args:?} {format}: {out}"
        );
    }
    let rows = report["importance"]
        .as_array()
        .unwrap_or_else(|| panic!("{args:?}: importance is computed"));
    for &component in components {
        let (kind, name) = component.split_once(':').unwrap();
        let perfect = match kind {
            "link" => {
                let (a, b) = name.split_once('~').unwrap();
                text.replacen(
                    &format!("  - between: [{a}, {b}]"),
                    &format!("  - {{ between: [{a}, {b}], availability: 1 }}"),
                    1,
                )
            }
            "region" => text.replacen(
                &format!("  {name}:\n"),
                &format!("  {name}:\n    availability: 1\n"),
                1,
            ),
            _ => text.replacen(
                &format!("      {name}: {{}}"),
                &format!("      {name}: {{ availability: 1 }}"),
                1,
            ),
        };
        assert_ne!(perfect, text, "{component}");
        let row = rows
            .iter()
            .find(|r| r["component"] == component)
            .unwrap_or_else(|| panic!("a row for {component}"));
        let rerun_path = dir.path().join("perfect.yaml");
        std::fs::write(&rerun_path, perfect).unwrap();
        let rerun = analyze_json(&rerun_path);
        let (u, u_up) = (
            figure(&report, "unavailability"),
            figure(&rerun, "unavailability"),
        );
        let q = row["unavailability"].as_f64().unwrap();
        let birnbaum = row["birnbaum"].as_f64().unwrap();
        // (q x Birnbaum is several times the 1e-9 x U the check allows: it could fail.)
        assert!(
            q * birnbaum > 5e-9 * u,
            "{args:?} {component} matters: {row}"
        );
        assert!(
            (u_up + q * birnbaum - u).abs() <= 1e-9 * u,
            "{args:?} {component}: U {u} vs U(up) {u_up} + q {q} x B {birnbaum}"
        );
        let downtime = figure(&report, "downtime_minutes_per_year");
        let rerun_downtime = figure(&rerun, "downtime_minutes_per_year");
        let share = row["downtime_minutes_per_year"].as_f64().unwrap();
        assert!(
            (downtime - rerun_downtime - share).abs() <= 1e-9 * downtime,
            "{args:?} {component}: {downtime} - {rerun_downtime} vs {share}"
        );
    }
}

/// A triangle of unreliable regions that splits often, and two regions linked to each other but
/// not to it, which can never serve (the cache's only home and restore region are in the
/// triangle) and hold no tier: the split states sum them out (docs/availability.md, step 4).
/// `b1` changes nothing at all (its MTTR is below the restore time); `b0` and its AZ change W
/// (24h, above the cache's 5h restore): only whether one of them failed matters, which decides,
/// when `a2` is down and the link between `a0` and `a1` too, whether `a0` restores the cache and
/// serves alone, degraded (on the static network `a1` shares the load). The split states
/// and every component's figures given it down and up equal enumeration within their bounds.
#[test]
fn split_states_sum_out_the_regions_that_cannot_serve() {
    use drplan::availability::partial::SummedOut;
    let text = r#"version: 1
name: unlinked
regions:
  a0: { location: [50.1, 8.7], availability: 0.9, mttr: 2h, azs: { a0-z: { availability: 0.9, mttr: 1h } } }
  a1: { location: [48.9, 2.3], availability: 0.9, mttr: 2h, azs: { a1-z: { availability: 0.9, mttr: 1h } } }
  a2: { location: [53.3, -6.3], availability: 0.9, mttr: 2h, azs: { a2-z: { availability: 0.9, mttr: 1h } } }
  b0: { location: [1.3, 103.8], availability: 0.8, mttr: 24h, azs: { b0-z: { availability: 0.9, mttr: 24h } } }
  b1: { location: [35.7, 139.7], availability: 0.8, mttr: 2h, azs: { b1-z: { availability: 0.9, mttr: 1h } } }
links:
  - { between: [a0, a1], availability: 0.8, mttr: 1h }
  - { between: [a1, a2], availability: 0.8, mttr: 1h }
  - { between: [a0, a2], availability: 0.8, mttr: 1h }
  - { between: [b0, b1], availability: 0.8, mttr: 1h }
routing: { kind: geodns, availability: 0.999, mttr: 1h }
users:
  west: { location: [50.1, 8.7], share: 0.5 }
  north: { location: [53.3, -6.3], share: 0.5 }
demand: { peak_rps: 1000 }
datastores:
  cache: { replication: single-az, az: a2-z, manual_decision: 0s, backups: { interval: 1h, restore: 5h, region: a0 } }
  orders: { replication: active-active, regions: [a0, a1] }
services:
  web:
    entry: true
    capacity_per_instance: 600
    placement: { a0: { per_az: 1 }, a1: { per_az: 1 }, a2: { per_az: 1 }, b0: { per_az: 1 }, b1: { per_az: 1 } }
    depends_on: [cache, orders]
"#;
    let checked = crate::availability::checked(text);
    let engine = drplan::evaluate::Engine::new(&checked.model);
    let n = engine.components().len();
    let static_ = factored::static_network(&engine, None, true).expect("one part can serve");
    let id = |c: usize| checked.model.component_id(engine.components()[c]);
    let how = |name: &str| static_.summed[(0..n).find(|&c| id(c) == name).unwrap()];
    assert_eq!(how("region:b1"), SummedOut::Fully);
    assert!(matches!(how("region:b0"), SummedOut::ByW(_)));
    assert_eq!(how("region:a0"), SummedOut::No);
    let all = brute::enumerate(&engine, &vec![brute::Forced::Free; n], None).unwrap();
    let s = split_states::compute(&engine, None, &static_);
    assert!(s.bound <= 1e-12, "bound {:e}", s.bound);
    for (name, x, y) in [
        (
            "unavailability",
            all.total.unavailability,
            s.total.unavailability,
        ),
        (
            "not full",
            all.total.not_full_capacity,
            s.total.not_full_capacity,
        ),
        (
            "shortfall",
            all.total.expected_shortfall,
            s.total.expected_shortfall,
        ),
    ] {
        assert!(
            (x - y).abs() <= s.bound + 1e-12 * x,
            "{name}: enumeration {x:e}, split states {y:e}"
        );
    }
    let conditional = s.conditional.expect("importance asked for");
    for (c, (exact, (ours, bounds))) in all.conditional.iter().zip(&conditional).enumerate() {
        for (given, x, y, bound) in [
            ("down", &exact.given_down, &ours.given_down, bounds[0]),
            ("up", &exact.given_up, &ours.given_up, bounds[1]),
        ] {
            assert!(bound <= 1e-9, "{} given {given}: bound {bound:e}", id(c));
            for (x, y) in [
                (x.unavailability, y.unavailability),
                (x.not_full_capacity, y.not_full_capacity),
                (x.expected_shortfall, y.expected_shortfall),
            ] {
                assert!(
                    (x - y).abs() <= bound + 1e-10 * x,
                    "{} given {given}: enumeration {x:e}, split states {y:e} (bound {bound:e})",
                    id(c)
                );
            }
        }
    }
}

/// The analysis reports its progress through the availability steps, in the calling thread and
/// in order: the scenarios, the exact figures, then on an 8-region ring (which splits) without
/// an anchor the split states, the importance runs counted up to their number and the split
/// states again for importance; with an anchor (the generated single-AZ store's) the islands
/// and the importance runs through them; and the minimal cut sets.
#[test]
fn progress_names_each_step_of_the_availability_computation() {
    use drplan::availability::Step;
    for anchored in [false, true] {
        let steps = progress_of_an_8_region_ring(anchored);
        let Some(Step::Importance(done, of)) = steps.iter().rev().find_map(|s| match s {
            Step::Importance(..) => Some(*s),
            _ => None,
        }) else {
            panic!("no importance runs: {steps:?}")
        };
        assert!(of > 0 && done == of, "{steps:?}");
        if anchored {
            assert_eq!(
                steps[..3],
                [Step::Exact, Step::Islands, Step::Importance(0, 0)]
            );
            assert_eq!(steps.last(), Some(&Step::Importance(of, of)), "{steps:?}");
        } else {
            assert_eq!(steps[..2], [Step::Exact, Step::SplitStates], "{steps:?}");
            assert_eq!(steps.iter().rev().nth(1), Some(&Step::Importance(of, of)));
            assert_eq!(steps.last(), Some(&Step::SplitStates));
        }
    }
}

/// The availability steps [`progress_names_each_step_of_the_availability_computation`] sees,
/// with the rest of the progress checked: from the calling thread, the scenarios first, the
/// cut sets last.
fn progress_of_an_8_region_ring(anchored: bool) -> Vec<drplan::availability::Step> {
    use drplan::pipeline::{Options, Progress, analyze_with};
    let mut args = GenerateArgs {
        regions: 8,
        links: LinkShape::Ring,
        ..GenerateArgs::default()
    };
    if !anchored {
        args.datastores = vec!["active-passive".into(), "consensus".into()];
    }
    let text = topology(&args).unwrap();
    let checked = crate::availability::checked(&text);
    let engine = drplan::evaluate::Engine::new(&checked.model);
    let plan = drplan::scenario::Plan::new(&engine, 1, None);
    let mut seen: Vec<Progress> = Vec::new();
    let caller = std::thread::current().id();
    let report = analyze_with(
        &checked,
        &engine,
        &plan,
        &Options::default(),
        None,
        &mut |p| {
            assert_eq!(std::thread::current().id(), caller, "{p:?} from a worker");
            seen.push(p);
        },
        &mut |_| Ok::<(), std::convert::Infallible>(()),
    )
    .unwrap();
    assert!(report.importance.is_some());
    assert_eq!(seen.last(), Some(&Progress::CutSets));
    let first = seen
        .iter()
        .position(|p| matches!(p, Progress::Availability(_)))
        .unwrap();
    assert!(
        seen[..first]
            .iter()
            .all(|p| matches!(p, Progress::Scenarios(_)))
    );
    assert_eq!(seen[first - 1], Progress::Scenarios(plan.total()));
    seen.iter()
        .filter_map(|p| match p {
            Progress::Availability(s) => Some(*s),
            _ => None,
        })
        .collect()
}

/// A component that never fails (availability 1) is down in no state of the split-state walk,
/// so its figures given down come from a walk of its own: the importance table is given, and
/// P(down | it is down) does not depend on its own availability (it equals the figure with the
/// region at 0.9999999). And one outside the part that can serve, whose MTTR is above a restore
/// time, is not summed out with the components that change only W (it changes nothing: it
/// once left a group with no place in the walk, and analyze panicked).
#[test]
fn a_component_that_never_fails_gets_its_figures_given_down() {
    use crate::common::analyze_json;
    let dir = tempfile::tempdir().unwrap();
    // (Without a single-AZ store no region anchors the serving part: the split states one by
    // one give the importance table, not the islands.)
    let ring = topology(&GenerateArgs {
        regions: 8,
        links: LinkShape::Ring,
        datastores: vec!["active-passive".into(), "consensus".into()],
        ..GenerateArgs::default()
    })
    .unwrap();
    let given_down = |availability: &str| {
        let text = ring.replacen(
            "  r02:\n",
            &format!("  r02:\n    availability: {availability}\n"),
            1,
        );
        let path = dir.path().join(format!("ring-{availability}.yaml"));
        std::fs::write(&path, text).unwrap();
        let report = analyze_json(&path);
        assert_eq!(report["summary"]["availability_method"], "factored");
        let u = report["summary"]["unavailability"].as_f64().unwrap();
        let rows = report["importance"]
            .as_array()
            .expect("the importance table");
        let row = rows
            .iter()
            .find(|r| r["component"] == "region:r02")
            .unwrap();
        row["risk_achievement_worth"].as_f64().unwrap() * u
    };
    let (never, almost) = (given_down("1"), given_down("0.9999999"));
    assert!(never > 1e-6, "{never:e}");
    assert!(
        (never - almost).abs() <= 1e-9 * never,
        "{never:e} against {almost:e}"
    );

    // Three linked regions, a fourth unlinked and perfect with an 8h MTTR (above the store's
    // 1h30 restore), its AZs failing.
    let az = |r: &str, i: u32| format!("      {r}{i}: {{ availability: 0.999, mttr: 1h }}\n");
    let region = |r: &str, at: &str, availability: &str, mttr: &str| {
        format!(
            "  {r}:\n    location: {at}\n    availability: {availability}\n    mttr: {mttr}\n    azs:\n{}",
            (1..=4).map(|i| az(r, i)).collect::<String>()
        )
    };
    let text = format!(
        "version: 1\nname: perfect-outside\nregions:\n{}{}{}{}\
links:\n  - {{ between: [a, b], availability: 0.999 }}\n  - {{ between: [b, c], availability: 0.999 }}\n  - {{ between: [a, c], availability: 0.999 }}\n\
routing: {{ kind: geodns }}\nusers:\n  u1: {{ location: [40, -75], share: 1.0 }}\ndemand: {{ peak_rps: 1000 }}\n\
services:\n  web:\n    entry: true\n    capacity_per_instance: 1000\n    placement: {{ a: {{ per_az: 1 }}, b: {{ per_az: 1 }}, c: {{ per_az: 1 }} }}\n    depends_on: [db]\n\
datastores:\n  db: {{ replication: active-passive, primary: a, replicas: [b, c], manual_decision: 30m, backups: {{ interval: 1h, restore: 1h, region: c }} }}\n",
        region("a", "[40, -75]", "0.999", "6h"),
        region("b", "[41, -80]", "0.999", "6h"),
        region("c", "[42, -85]", "0.999", "6h"),
        region("x", "[50, 10]", "1", "8h"),
    );
    let path = dir.path().join("perfect-outside.yaml");
    std::fs::write(&path, text).unwrap();
    let report = analyze_json(&path);
    assert_eq!(report["summary"]["availability_method"], "factored");
    assert!(
        report["summary"]["availability_error_bound"]
            .as_f64()
            .unwrap()
            <= 1e-12
    );
    assert!(report["importance"].is_array(), "{}", report["summary"]);
}
