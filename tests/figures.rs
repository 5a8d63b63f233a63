//! One definition per figure (issue 16): the HTML report's downtime parts add up to the headline
//! downtime per year, and every figure shown in two formats (terminal table, markdown, HTML,
//! JSON) is the same number, at the precision each format shows. The expected text is the JSON
//! value formatted the way the renderers format it; the HTML's full-precision `data-*`
//! attributes are compared with the JSON exactly.

use std::path::{Path, PathBuf};

use drplan::model::Seconds;
use drplan::model::units::{percent, round_to};
use drplan::render::labels;
use serde_json::Value;

use crate::common::{drplan, root};
use crate::examples::topologies;
use crate::graph::skip;

/// Every example: `topologies/` and the two reference examples beside the repository.
fn examples() -> Vec<PathBuf> {
    let mut files = topologies();
    for name in ["example.yaml", "example-v2.yaml"] {
        let path = root().join("../shared/spec").join(name);
        if path.exists() {
            files.push(path);
        } else {
            skip(&format!(
                "../shared/spec/{name} is not beside the repository"
            ));
        }
    }
    files
}

/// `drplan analyze --no-fail --color never --format FORMAT PATH`.
fn run(path: &Path, format: &str) -> String {
    let out = drplan()
        .args([
            "analyze",
            "--no-fail",
            "--color",
            "never",
            "--format",
            format,
        ])
        .arg(path)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{} --format {format}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// The text between `start` (excluded) and the next `end` after it.
fn between<'a>(text: &'a str, start: &str, end: &str) -> &'a str {
    let from = text
        .find(start)
        .unwrap_or_else(|| panic!("no `{start}` in:\n{text}"))
        + start.len();
    let rest = &text[from..];
    &rest[..rest.find(end).unwrap_or(rest.len())]
}

/// Every `data-minutes="..."` value in `html`, in order.
fn data_minutes(html: &str) -> Vec<f64> {
    html.split("data-minutes=\"")
        .skip(1)
        .map(|p| p.split('"').next().unwrap().parse().unwrap())
        .collect()
}

fn f(v: &Value) -> f64 {
    v.as_f64()
        .unwrap_or_else(|| panic!("expected a number, found {v}"))
}

fn minutes(m: f64) -> String {
    Seconds(m * 60.0).to_string()
}

/// The HTML's downtime parts (from their full-precision attributes) add up to the headline
/// within 1e-9, equal the JSON's `summary.downtime_split`, and each part is what the model says
/// it is: 1 - expected served fraction, the single failures' transients, the bad changes.
#[test]
fn the_html_downtime_parts_add_up_to_the_headline_on_every_example() {
    let (mut transients, mut changes) = (false, false);
    for path in examples() {
        let what = path.display().to_string();
        let json: Value = serde_json::from_str(&run(&path, "json")).unwrap();
        let html = run(&path, "html");
        let s = &json["summary"];
        let headline = f(&s["downtime_minutes_per_year"]);
        let section = between(&html, r#"<section id="downtime-split">"#, "</section>");
        let values = data_minutes(section);
        assert_eq!(values.len(), 4, "{what}: three parts and the total");
        let (parts, total) = (&values[..3], values[3]);
        assert_eq!(total, headline, "{what}: the total is the headline");
        let sum: f64 = parts.iter().sum();
        assert!(
            (sum - headline).abs() <= 1e-9,
            "{what}: parts {parts:?} add up to {sum}, headline {headline}"
        );
        // The parts the page shows are the JSON's, and their text is theirs.
        let split = &s["downtime_split"];
        let json_parts = [
            f(&split["capacity_shortfall_minutes_per_year"]),
            f(&split["recovery_transients_minutes_per_year"]),
            f(&split["bad_changes_minutes_per_year"]),
        ];
        assert_eq!(parts, json_parts, "{what}");
        for (name, m) in labels::SPLIT_PARTS.iter().zip(json_parts) {
            assert!(
                section.contains(&format!(
                    "{name}</td><td class=\"num\" data-minutes=\"{m}\">{}</td>",
                    minutes(m)
                )),
                "{what}: {name} {} in the page:\n{section}",
                minutes(m)
            );
        }
        // What each part is, recomputed from other JSON fields.
        let shortfall = (1.0 - f(&s["expected_served_fraction"])) * 525_960.0;
        assert!(
            (json_parts[0] - shortfall).abs() <= 1e-6,
            "{what}: capacity shortfall {} vs (1 - expected served) x 525,960 = {shortfall}",
            json_parts[0]
        );
        assert!(
            (json_parts[2] - f(&s["change_downtime_minutes_per_year"])).abs() <= 1e-9,
            "{what}: bad changes are §11.6's change downtime"
        );
        let singles: f64 = json["importance"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|row| {
                let id = row["component"].as_str().unwrap();
                crate::common::scenario(&json, id)["outcome"] != "down"
            })
            .map(|row| f(&row["single_failure_downtime_minutes_per_year"]))
            .sum();
        assert!(
            (json_parts[1] - singles).abs() <= 1e-9 * headline.max(1.0),
            "{what}: recovery transients {} vs the single failures that are not down, {singles}",
            json_parts[1]
        );
        transients |= json_parts[1] > 0.0;
        changes |= json_parts[2] > 0.0;
    }
    assert!(
        transients && changes,
        "the examples exercise every part (transients {transients}, changes {changes})"
    );
}

/// The value of a summary row of the terminal table (`│ label ┆ value │`).
fn table_summary(table: &str, label: &str) -> String {
    let line = table
        .lines()
        .find(|l| l.starts_with(&format!("│ {label} ")))
        .unwrap_or_else(|| panic!("no terminal row {label}:\n{table}"));
    line.split('┆')
        .nth(1)
        .unwrap()
        .trim_end_matches('│')
        .trim()
        .to_string()
}

/// The value of a summary row of the markdown (`| label | value |`).
fn markdown_summary(markdown: &str, label: &str) -> String {
    let line = markdown
        .lines()
        .find(|l| l.starts_with(&format!("| {label} | ")))
        .unwrap_or_else(|| panic!("no markdown row {label}:\n{markdown}"));
    line[label.len() + 5..]
        .trim_end_matches('|')
        .trim()
        .to_string()
}

/// The value of an HTML summary card.
fn html_card(html: &str, label: &str) -> String {
    between(
        html,
        &format!(r#"<div class="label">{label}</div><div class="value">"#),
        "</div>",
    )
    .to_string()
}

/// Rows of a terminal table (cells trimmed), by its header line's first cell, with the header.
fn table_rows(text: &str, first: &str) -> Vec<Vec<String>> {
    let mut lines = text
        .lines()
        .skip_while(|l| !l.starts_with(&format!("│ {first} ")));
    let mut rows = Vec::new();
    for l in lines.by_ref() {
        if l.starts_with('└') {
            break;
        }
        if l.starts_with('│') {
            rows.push(
                l.trim_matches('│')
                    .split('┆')
                    .map(|c| c.trim().to_string())
                    .collect(),
            );
        }
    }
    rows
}

/// Rows of a markdown table (cells trimmed), by its header's first cell, with the header.
fn markdown_rows(text: &str, first: &str) -> Vec<Vec<String>> {
    text.lines()
        .skip_while(|l| !l.starts_with(&format!("| {first} |")))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.starts_with("|--") && !l.starts_with("|---"))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// An HTML table cell: its text and its `data-v`, if any.
type HtmlCell = (String, Option<String>);

/// Rows of an HTML table (cells as text, tags dropped, entities of `esc` undone), with the
/// header; and the `data-v` of each cell.
fn html_rows(table: &str) -> (Vec<String>, Vec<Vec<HtmlCell>>) {
    let text = |cell: &str| {
        let mut out = String::new();
        let mut tag = false;
        for c in cell.chars() {
            match c {
                '<' => tag = true,
                '>' => tag = false,
                c if !tag => out.push(c),
                _ => {}
            }
        }
        out.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
            .trim()
            .to_string()
    };
    let head = between(table, "<thead>", "</thead>");
    let header: Vec<String> = head
        .split("<th")
        .skip(1)
        .map(|c| text(&format!("<th{}", c.split("</th>").next().unwrap())))
        .collect();
    let body = between(table, "<tbody>", "</tbody>");
    let rows = body
        .split("<tr")
        .skip(1)
        .map(|row| {
            row.split("<td")
                .skip(1)
                .map(|c| {
                    let cell = c.split("</td>").next().unwrap();
                    let v = cell
                        .split_once("data-v=\"")
                        .map(|(_, rest)| rest.split('"').next().unwrap().to_string());
                    (text(&format!("<td{cell}</td>")), v)
                })
                .collect()
        })
        .collect();
    (header, rows)
}

fn column(header: &[String], name: &str) -> usize {
    header
        .iter()
        .position(|h| h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"))
}

/// Every figure the terminal, markdown and HTML reports share with the JSON report reads the
/// same in each of them: the summary figures, the downtime split, each scenario's served
/// fraction, RTO, RPO, impact, bottleneck and degraded time, and the importance table.
#[test]
fn every_figure_shown_in_two_formats_is_the_same_number() {
    for path in examples() {
        let what = path.display().to_string();
        let json: Value = serde_json::from_str(&run(&path, "json")).unwrap();
        let table = run(&path, "table");
        let markdown = run(&path, "markdown");
        let html = run(&path, "html");
        let s = &json["summary"];

        // Summary figures.
        for (label, key) in [
            ("Full-capacity availability", "full_capacity_availability"),
            ("Expected served fraction", "expected_served_fraction"),
            ("Effective availability", "effective_availability"),
        ] {
            let expected = percent(f(&s[key]));
            assert_eq!(
                table_summary(&table, label),
                expected,
                "{what}: table {label}"
            );
            assert_eq!(
                markdown_summary(&markdown, label),
                expected,
                "{what}: markdown {label}"
            );
            assert_eq!(html_card(&html, label), expected, "{what}: HTML {label}");
        }
        let availability = percent(f(&s["availability"]));
        assert!(table_summary(&table, "Availability").starts_with(&format!("{availability} (")));
        assert!(
            markdown_summary(&markdown, "Availability").starts_with(&format!("{availability} ("))
        );
        assert_eq!(html_card(&html, "Availability"), availability, "{what}");
        let downtime = minutes(f(&s["downtime_minutes_per_year"]));
        let split = &s["downtime_split"];
        let split_text = labels::SPLIT_PARTS
            .iter()
            .zip([
                "capacity_shortfall_minutes_per_year",
                "recovery_transients_minutes_per_year",
                "bad_changes_minutes_per_year",
            ])
            .map(|(name, key)| format!("{name} {}", minutes(f(&split[key]))))
            .collect::<Vec<_>>()
            .join(" + ");
        let full = format!("{downtime} per year = {split_text}");
        assert_eq!(
            table_summary(&table, labels::DOWNTIME),
            full,
            "{what}: table downtime"
        );
        assert_eq!(
            markdown_summary(&markdown, labels::DOWNTIME),
            full,
            "{what}: markdown downtime"
        );
        assert_eq!(
            html_card(&html, labels::DOWNTIME),
            downtime,
            "{what}: HTML downtime"
        );
        assert!(
            html.contains(&format!(
                r#"<div class="detail">per year = {split_text}</div>"#
            )),
            "{what}: HTML downtime split {split_text}"
        );
        let left_out: Vec<&str> = s["worst_rto_left_out"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap())
            .collect();
        if let Some(note) = labels::left_out_note(&left_out) {
            assert!(table_summary(&table, "Worst RTO").contains(&note), "{what}");
            assert!(
                markdown_summary(&markdown, "Worst RTO").contains(&note),
                "{what}"
            );
            assert!(html.contains(&note), "{what}: {note}");
        }

        // Scenarios: the same text in every table, from the same JSON value.
        let terminal = table_rows(&table, "Scenario");
        let md = markdown_rows(&markdown, "Scenario");
        let (html_header, html_body) = html_rows(between(
            &html,
            r#"<table class="sortable" id="scenario-table">"#,
            "</table>",
        ));
        let duration = |v: &Value| {
            v.as_f64()
                .map_or("unbounded".to_string(), |x| Seconds(x).to_string())
        };
        for sc in json["scenarios"].as_array().unwrap() {
            let id = sc["id"].as_str().unwrap();
            let served = format!("{}%", round_to(f(&sc["served_fraction"]) * 100.0, 1));
            let limited = sc["bottleneck"].as_object().map_or(String::new(), |b| {
                let ratio = format!("{}%", round_to(f(&b["pass_ratio"]) * 100.0, 1));
                match b["region"].as_str() {
                    Some(r) => format!("{} in {r} {ratio}", b["service"].as_str().unwrap()),
                    None => format!("{} pooled {ratio}", b["service"].as_str().unwrap()),
                }
            });
            let mut expected = vec![
                ("Served after recovery", served),
                ("Limited by", limited),
                ("RTO", duration(&sc["rto_s"])),
                ("RPO", duration(&sc["rpo_s"])),
                ("Impact", duration(&sc["impact_s"])),
            ];
            let row = terminal
                .iter()
                .find(|r| r[0] == id)
                .unwrap_or_else(|| panic!("{what}: terminal row {id}"));
            for (name, text) in &expected {
                assert_eq!(
                    &row[column(&terminal[0], name)],
                    text,
                    "{what}: terminal {id} {name}"
                );
            }
            expected.push(("Degraded for", duration(&sc["degraded_s"])));
            let row = md
                .iter()
                .find(|r| r[0] == format!("`{id}`"))
                .unwrap_or_else(|| panic!("{what}: markdown row {id}"));
            for (name, text) in &expected {
                assert_eq!(
                    &row[column(&md[0], name)],
                    text,
                    "{what}: markdown {id} {name}"
                );
            }
            let row = html_body
                .iter()
                .find(|r| r[0].1.as_deref() == Some(id))
                .unwrap_or_else(|| panic!("{what}: HTML row {id}"));
            for (name, text) in &expected {
                let (shown, v) = &row[column(&html_header, name)];
                let text = if text == "unbounded" {
                    "\u{221e}"
                } else {
                    text.as_str()
                };
                assert_eq!(shown, text, "{what}: HTML {id} {name}");
                // Numeric cells carry the JSON value itself.
                let key = match *name {
                    "Served after recovery" => "served_fraction",
                    "RTO" => "rto_s",
                    "RPO" => "rpo_s",
                    "Impact" => "impact_s",
                    "Degraded for" => "degraded_s",
                    _ => continue,
                };
                let full = v.as_deref().unwrap();
                match sc[key].as_f64() {
                    Some(x) => assert_eq!(full.parse::<f64>().unwrap(), x, "{what}: {id} {key}"),
                    None => assert_eq!(full, "", "{what}: {id} {key} unbounded"),
                }
            }
        }

        // What to fix first: the two downtime measures and the importance values.
        let rows = json["importance"].as_array().unwrap();
        let terminal = table_rows(between(&table, "What to fix first:\n", "\n\n"), "Component");
        let md = markdown_rows(
            between(
                &markdown,
                "<summary>What to fix first</summary>",
                "</details>",
            ),
            "Component",
        );
        let importance = between(&html, r#"<section id="importance">"#, "</section>");
        let (html_header, html_body) = html_rows(importance);
        let chart = between(&html, r#"<section id="downtime">"#, "</section>");
        assert_eq!(
            terminal.len() - 1,
            rows.len().min(10),
            "{what}: terminal rows"
        );
        assert_eq!(md.len() - 1, rows.len().min(10), "{what}: markdown rows");
        assert_eq!(html_body.len(), rows.len().min(10), "{what}: HTML rows");
        for (k, row) in rows.iter().take(10).enumerate() {
            let never = f(&row["downtime_minutes_per_year"]);
            let alone = f(&row["single_failure_downtime_minutes_per_year"]);
            let expected = [
                ("Component", row["component"].as_str().unwrap().to_string()),
                (labels::NEVER_FAILED, minutes(never)),
                (labels::FAILURE_ALONE, minutes(alone)),
                ("Failures/yr", round_to(f(&row["failures_per_year"]), 3)),
                ("Birnbaum", labels::birnbaum(f(&row["birnbaum"]))),
            ];
            for (name, text) in &expected {
                assert_eq!(
                    &terminal[k + 1][column(&terminal[0], name)],
                    text,
                    "{what}: terminal importance {k} {name}"
                );
                let shown = &md[k + 1][column(&md[0], name)];
                let shown = shown.trim_matches('`');
                assert_eq!(shown, text, "{what}: markdown importance {k} {name}");
                let name = if *name == "Failures/yr" {
                    "Failures / yr"
                } else {
                    name
                };
                assert_eq!(
                    &html_body[k][column(&html_header, name)].0,
                    text,
                    "{what}: HTML importance {k} {name}"
                );
            }
            // The full-precision values in the table and in the chart are the JSON's.
            let cells = between(
                importance,
                &format!("<tr><td><code>{}</code></td>", expected[0].1),
                "</tr>",
            );
            assert_eq!(
                data_minutes(cells),
                [never, alone],
                "{what}: {}",
                expected[0].1
            );
            if never > 0.0 || alone > 0.0 {
                let after = chart
                    .split(&format!(">{}</text>", expected[0].1))
                    .nth(1)
                    .unwrap_or_else(|| panic!("{what}: {} in the chart", expected[0].1));
                let bars: Vec<f64> = data_minutes(after).into_iter().take(2).collect();
                assert_eq!(
                    bars,
                    [never, alone],
                    "{what}: chart bars of {}",
                    expected[0].1
                );
            }
        }
    }
}

/// A custom scenario with `gate: false` is marked in every scenario table and listed in the
/// JSON; the worst RTO's exclusions are a JSON field; without `gate: false` nothing is marked.
#[test]
fn informational_scenarios_and_worst_rto_exclusions_are_named() {
    let original = root().join("topologies/active-passive.yaml");
    let json: Value = serde_json::from_str(&run(&original, "json")).unwrap();
    assert_eq!(
        json["summary"]["worst_rto_left_out"],
        serde_json::json!(["routing", "shared:provider-wide"])
    );
    assert!(json["summary"].get("informational_scenarios").is_none());
    assert!(!run(&original, "table").contains(labels::INFORMATIONAL));

    let text = std::fs::read_to_string(&original).unwrap();
    let id = "us-east-lost-during-west-az-outage";
    let marked = text.replace(
        "    fail: [region:us-east, az:usw2-az2]\n",
        "    fail: [region:us-east, az:usw2-az2]\n    gate: false\n",
    );
    assert_ne!(marked, text, "the example has the custom scenario");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("informational.yaml");
    std::fs::write(&file, marked).unwrap();
    let json: Value = serde_json::from_str(&run(&file, "json")).unwrap();
    assert_eq!(
        json["summary"]["informational_scenarios"],
        serde_json::json!([id])
    );
    let mark = format!("({})", labels::INFORMATIONAL);
    let table = run(&file, "table");
    let row = table
        .lines()
        .find(|l| l.starts_with(&format!("│ {id} ")))
        .unwrap();
    assert!(row.contains(&mark), "{row}");
    assert_eq!(table.matches(&mark).count(), 1, "only that scenario");
    let markdown = run(&file, "markdown");
    assert!(
        markdown.contains(&format!("| `{id}` {mark} |")),
        "{markdown}"
    );
    let html = run(&file, "html");
    assert!(html.contains(&format!(
        r#"<code>{id}</code> <span class="note">{mark}</span>"#
    )));
}
