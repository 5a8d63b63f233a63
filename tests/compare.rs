//! `drplan compare`: architectures as columns, the best value of each row marked, the cost of
//! each extra nine relative to the first file, and exit codes.

use serde_json::Value;

use crate::common::analyze_json;
use crate::gate::{BASE, HEAD, expect, parse_markdown};

const SINGLE: &str = "tests/fixtures/gate/single.yaml";

fn row<'a>(json: &'a Value, metric: &str) -> &'a Value {
    json["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["metric"] == metric)
        .unwrap_or_else(|| panic!("no row {metric}"))
}

#[test]
fn compare_marks_the_best_of_each_row_and_prices_each_extra_nine() {
    let json: Value =
        serde_json::from_str(&expect(&["compare", SINGLE, BASE, HEAD, "-f", "json"], 0).stdout)
            .unwrap();
    let files: Vec<&str> = json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["source"].as_str().unwrap())
        .collect();
    assert_eq!(files, [SINGLE, BASE, HEAD]);
    assert_eq!(row(&json, "availability")["best"], serde_json::json!([1]));
    assert_eq!(row(&json, "monthly_cost")["best"], serde_json::json!([0]));
    assert_eq!(
        row(&json, "single_points_of_failure")["best"],
        serde_json::json!([1, 2])
    );
    // Every column's RPO is unbounded (no backups): nothing to mark.
    assert_eq!(row(&json, "worst_rpo_s")["best"], serde_json::json!([]));

    // Cost per extra nine = cost difference / nines difference, against the first file.
    let reports: Vec<Value> = [SINGLE, BASE, HEAD].iter().map(analyze_json).collect();
    let nines = |r: &Value| -(1.0 - r["summary"]["availability"].as_f64().unwrap()).log10();
    let cost = |r: &Value| r["summary"]["monthly_cost"].as_f64().unwrap();
    let per_nine = row(&json, "cost_per_extra_nine")["values"]
        .as_array()
        .unwrap();
    assert!(per_nine[0].is_null(), "the first file is the reference");
    for i in 1..3 {
        let expected =
            (cost(&reports[i]) - cost(&reports[0])) / (nines(&reports[i]) - nines(&reports[0]));
        crate::common::assert_close(&per_nine[i], expected);
    }
    assert_eq!(
        row(&json, "nines")["values"][0].as_f64().unwrap(),
        nines(&reports[0])
    );
}

#[test]
fn compare_formats_are_pinned() {
    let table = expect(&["compare", SINGLE, BASE, HEAD], 0).stdout;
    assert!(table.contains("★ $1,898.00"), "{table}");
    assert!(table.contains("(reference)"));
    assert!(!table.contains('\u{1b}'));
    insta::assert_snapshot!("table", table);
    let md = expect(&["compare", SINGLE, BASE, HEAD, "-f", "markdown"], 0).stdout;
    let parsed = parse_markdown(&md);
    assert_eq!(
        parsed.first_line,
        "### drplan compare: `single` vs `shop` vs `shop`"
    );
    assert_eq!(parsed.tables.len(), 1);
    assert_eq!(
        parsed.tables[0].len(),
        4,
        "a metric column and three architectures"
    );
    assert!(md.contains("**★ $1,898.00**"));
    insta::assert_snapshot!("markdown", md);
    insta::assert_snapshot!(
        "json",
        expect(&["compare", SINGLE, BASE, HEAD, "-f", "json"], 0).stdout
    );
}

#[test]
fn compare_exit_codes() {
    expect(&["compare", SINGLE], 2);
    expect(&["compare", SINGLE, BASE, "--format", "sarif"], 2);
    let r = expect(
        &[
            "compare",
            SINGLE,
            "tests/fixtures/invalid/invalid-waiver.yaml",
        ],
        2,
    );
    assert!(r.stderr.contains("error[invalid-waiver]"));
    let r = expect(&["compare", SINGLE, "tests/fixtures/gate/missing.yaml"], 3);
    assert!(r.stderr.contains("missing.yaml"));
    // A breached gate does not matter to compare.
    expect(&["compare", BASE, HEAD], 0);
}

#[test]
fn compare_writes_a_self_contained_html_page_with_each_topology() {
    let out = crate::common::drplan()
        .current_dir(crate::common::root())
        .args([
            "compare",
            "topologies/single-region.yaml",
            "topologies/multi-az.yaml",
            "--format",
            "html",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let page = String::from_utf8(out.stdout).unwrap();
    assert!(page.starts_with("<!DOCTYPE html>"));
    assert_eq!(
        page.matches("<svg").count(),
        2,
        "one topology picture per architecture"
    );
    assert!(
        !page.contains("<script src") && !page.contains("<link "),
        "no external scripts or styles"
    );
}
