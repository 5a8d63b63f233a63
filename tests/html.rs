//! `analyze --format html`: one self-contained file, rendered in headless Chromium without a
//! console message, a screenshot that is not blank, and a table that sorts.

use std::path::Path;

use crate::common::{drplan, root};
use crate::examples::topologies;
use crate::graph::{chromium, tool};

fn html(path: &Path) -> String {
    let out = drplan()
        .args(["analyze", "--format", "html"])
        .arg(path)
        .output()
        .unwrap();
    let code = out.status.code().unwrap();
    assert!(
        code == 0 || code == 1,
        "{}: {}",
        path.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_report_is_one_self_contained_file() {
    for path in topologies() {
        let page = html(&path);
        let what = path.display();
        let lower = page.to_lowercase();
        for banned in [
            "<link",
            "src=\"http",
            "src='http",
            "href=\"http",
            "url(http",
            "@import",
            "@font-face",
        ] {
            assert!(!lower.contains(banned), "{what}: no external `{banned}`");
        }
        assert!(page.starts_with("<!DOCTYPE html>"));
        assert!(page.contains("Content-Security-Policy\" content=\"default-src 'none'"));
        for section in [
            "id=\"summary\"",
            "id=\"topology\"",
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"topology\"",
            "id=\"downtime\"",
            "id=\"rto-rpo\"",
            "id=\"scenario-table\"",
        ] {
            assert!(page.contains(section), "{what}: has {section}");
        }
        let report = crate::common::analyze_json(&path);
        for s in report["scenarios"].as_array().unwrap() {
            let id = s["id"].as_str().unwrap().replace('&', "&amp;");
            assert!(
                page.contains(&format!("<code>{id}</code>")),
                "{what}: scenario {id} in the table"
            );
        }
        for spof in report["summary"]["single_points_of_failure"]
            .as_array()
            .unwrap()
        {
            assert!(page.contains(&format!("<code>{}</code>", spof.as_str().unwrap())));
        }
    }
}

#[test]
fn the_downtime_chart_follows_model_section_5() {
    // active-passive: routing is down for its MTTR (1h) at 0.99999: its failures alone cost
    // (1e-5 x 8766 / 1 h) x 60 min = 5.2596 min a year; shared:provider-wide the same (0.99999,
    // 3h, down for 3h). Both measures are drawn, under the labels of every other format.
    let page = html(&root().join("topologies/active-passive.yaml"));
    let chart = page
        .split("id=\"downtime\"")
        .nth(1)
        .unwrap()
        .split("</section>")
        .next()
        .unwrap();
    use drplan::render::labels::{FAILURE_ALONE, NEVER_FAILED};
    for id in ["routing", "shared:provider-wide"] {
        let bars: Vec<f64> = chart
            .split(&format!(">{id}</text>"))
            .nth(1)
            .unwrap_or_else(|| panic!("{id} in {chart}"))
            .split("data-minutes=\"")
            .skip(1)
            .take(2)
            .map(|p| p.split('"').next().unwrap().parse().unwrap())
            .collect();
        assert!((bars[1] - 5.2596).abs() < 1e-9, "{id}: {bars:?}");
        assert!(bars[0] > 0.0, "{id}: {bars:?}");
        assert!(
            chart.contains(&format!("{id}: {FAILURE_ALONE} 5m 16s")),
            "{chart}"
        );
    }
    assert!(chart.contains(NEVER_FAILED) && chart.contains(FAILURE_ALONE));
    // The objectives are drawn on the RTO/RPO chart.
    assert!(page.contains("RTO objective 30m") && page.contains("RPO objective 5m"));
}

#[test]
fn chromium_renders_every_example_without_console_messages() {
    let Some(bin) = tool("chromium", "Debian package chromium") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for path in topologies() {
        let file = dir.path().join("report.html");
        std::fs::write(&file, html(&path)).unwrap();
        let out = chromium(
            &bin,
            &["--dump-dom".into(), format!("file://{}", file.display())],
        );
        let dom = String::from_utf8_lossy(&out.stdout);
        let log = String::from_utf8_lossy(&out.stderr);
        let console: Vec<&str> = log.lines().filter(|l| l.contains(":CONSOLE")).collect();
        assert!(
            console.is_empty(),
            "{}: console messages:\n{}",
            path.display(),
            console.join("\n")
        );
        assert!(
            dom.contains("data-drplan-ready=\"1\""),
            "{}: the page script ran to the end",
            path.display()
        );
    }
}

#[test]
fn the_screenshot_is_not_blank() {
    let Some(bin) = tool("chromium", "Debian package chromium") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, html(&root().join("topologies/active-passive.yaml"))).unwrap();
    let shot = dir.path().join("shot.png");
    let out = chromium(
        &bin,
        &[
            "--window-size=1280,1600".into(),
            "--hide-scrollbars".into(),
            format!("--screenshot={}", shot.display()),
            format!("file://{}", file.display()),
        ],
    );
    assert!(
        shot.exists(),
        "chromium wrote no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let channels = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let total = (info.width * info.height) as usize;
    let mut ink = 0usize;
    let mut colors = std::collections::HashSet::new();
    for px in pixels.chunks(channels) {
        let (r, g, b) = (px[0], px[1], px[2]);
        if r < 235 || g < 235 || b < 235 {
            ink += 1;
        }
        colors.insert((r / 16, g / 16, b / 16));
    }
    assert_eq!((info.width, info.height), (1280, 1600));
    let share = ink as f64 / total as f64;
    assert!(
        share > 0.03,
        "only {:.2}% of the page is not white",
        share * 100.0
    );
    assert!(colors.len() > 30, "only {} colors", colors.len());
    // Red (down, single points of failure) and green (up) both show.
    assert!(
        colors.contains(&(0xc6 / 16, 0x28 / 16, 0x28 / 16)),
        "red shows"
    );
    assert!(
        colors.contains(&(0x2e / 16, 0x7d / 16, 0x32 / 16)),
        "green shows"
    );
}

#[test]
fn the_scenario_table_sorts_in_the_browser() {
    let Some(bin) = tool("chromium", "Debian package chromium") else {
        return;
    };
    let page = html(&root().join("topologies/active-passive.yaml"));
    // Click the RTO header twice (descending), then record the first rows.
    let probe = r#"<script>
var t = document.getElementById("scenario-table");
var rto = Array.prototype.find.call(t.tHead.rows[0].cells, function (c) { return c.textContent === "RTO"; });
rto.click();
var asc = t.tBodies[0].rows[0].cells[0].textContent;
rto.click();
var desc = t.tBodies[0].rows[0].cells[0].textContent;
document.body.setAttribute("data-probe", asc + "|" + desc + "|" + rto.getAttribute("aria-sort"));
</script></body>"#;
    let page = page.replace("</body>", probe);
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.html");
    std::fs::write(&file, page).unwrap();
    let out = chromium(
        &bin,
        &["--dump-dom".into(), format!("file://{}", file.display())],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let probe = dom
        .split("data-probe=\"")
        .nth(1)
        .and_then(|p| p.split('"').next())
        .unwrap_or_else(|| panic!("no probe result: {}", String::from_utf8_lossy(&out.stderr)));
    let parts: Vec<&str> = probe.split('|').collect();
    // Ascending starts with a 0 s RTO (ties keep their order); descending with the longest,
    // corruption:orders-db at 3h 15m.
    assert!(
        parts[0].starts_with("az:usw2")
            || parts[0].starts_with("corruption:sessions")
            || parts[0].starts_with("link:")
            || parts[0].starts_with("region:us-west"),
        "{probe}"
    );
    assert_eq!(parts[1], "corruption:orders-db", "{probe}");
    assert_eq!(parts[2], "descending");
}

#[test]
fn the_committed_screenshot_is_in_docs_and_the_readme() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for picture in [
        "docs/report-active-passive.png",
        "docs/graph-active-passive.svg",
    ] {
        assert!(root().join(picture).exists(), "{picture} is committed");
        assert!(readme.contains(picture), "the README shows {picture}");
    }
}

#[test]
fn the_comparison_page_is_self_contained_and_renders() {
    use drplan::render::html::{Topology, write_comparison};
    let files = [
        "topologies/single-region.yaml",
        "topologies/multi-az.yaml",
        "topologies/active-passive.yaml",
    ];
    let mut reports = Vec::new();
    let mut models = Vec::new();
    for f in files {
        let Ok(checked) = drplan::pipeline::check_file(&root().join(f), 1 << 24) else {
            panic!("{f} loads");
        };
        let Ok(report) = drplan::pipeline::analyze(&checked) else {
            panic!("{f} analyzes");
        };
        reports.push((f.to_string(), report));
        models.push(checked.model);
    }
    let comparison = drplan::compare::compare(&reports);
    let topologies: Vec<Topology> = models.iter().map(Topology::new).collect();
    let architectures: Vec<_> = reports
        .iter()
        .zip(&topologies)
        .map(|((_, r), t)| (r, Some(t)))
        .collect();
    let mut out = Vec::new();
    write_comparison(&comparison, &architectures, &mut out).unwrap();
    let page = String::from_utf8(out).unwrap();
    assert!(!page.to_lowercase().contains("<link") && !page.contains("src=\"http"));
    assert_eq!(page.matches("class=\"topology\"").count(), 3);
    assert!(page.contains("Cost per extra nine") && page.contains("&#9733;"));
    let Some(bin) = tool("chromium", "Debian package chromium") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("compare.html");
    std::fs::write(&file, &page).unwrap();
    let out = chromium(
        &bin,
        &["--dump-dom".into(), format!("file://{}", file.display())],
    );
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(!log.contains(":CONSOLE"), "{log}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("data-drplan-ready=\"1\""));
}

/// A scenario that ends `up` only after hours (a restore from backups) never reads as a plain
/// green "up", in any format; the Outcome and Served headers say they describe the state after
/// recovery; "Worst RTO" names what it leaves out; a negative Birnbaum importance is explained.
#[test]
fn labels_say_what_they_mean_in_every_format() {
    let file = root().join("topologies/active-passive.yaml");
    let run = |format: &str| {
        let out = drplan()
            .args([
                "analyze",
                "--no-fail",
                "--color",
                "never",
                "--format",
                format,
            ])
            .arg(&file)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let page = html(&file);
    assert!(
        page.contains(r#"<span class="badge late">up after 3h 15m</span>"#),
        "the corruption restore is yellow in HTML"
    );
    assert!(page.contains("Outcome after recovery") && page.contains("Served after recovery"));
    assert!(page.contains("state after recovery"), "the legend says so");
    assert!(page.contains("leaves out 2 scenarios that stay down or lose data"));
    let table = run("table");
    let row = table
        .lines()
        .find(|l| l.contains("corruption:orders-db") && !l.contains("Worst"))
        .expect("a row for the restore");
    assert!(row.contains("up after 3h 15m"), "{row}");
    assert!(table.contains("Outcome after recovery"));
    assert!(table.contains(
        "leaves out 2 scenarios that stay down or lose data: routing, shared:provider-wide"
    ));
    let negative = table
        .lines()
        .filter(|l| l.contains("-2.50e-11 \u{2020}"))
        .count();
    assert!(
        negative > 0,
        "negative Birnbaum values are marked:\n{table}"
    );
    assert!(table.contains("\u{2020} A negative Birnbaum importance is not an error"));
    let markdown = run("markdown");
    assert!(markdown.contains("🟡 up after 3h 15m"), "{markdown}");
    assert!(!markdown.contains("🟢 up | 100% | 3h 15m"));
    // A short recovery stays a plain `up`.
    let row = table
        .lines()
        .find(|l| l.contains("│ region:us-east ") && l.contains("100%"))
        .expect("a row for the region");
    assert!(row.contains(" up ") && !row.contains("up after"), "{row}");
}

/// The HTML report shows the minimal cut sets, the importance table and full-capacity
/// availability, with the numbers of the JSON report and the terminal.
#[test]
fn the_report_has_cut_sets_importance_and_full_capacity_availability() {
    let file = root().join("topologies/active-passive.yaml");
    let page = html(&file);
    let out = drplan()
        .args(["analyze", "--no-fail", "--format", "json"])
        .arg(&file)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let sets = json["minimal_cut_sets"]["sets"].as_array().unwrap();
    assert!(!sets.is_empty());
    for set in sets.iter().take(10) {
        let ids: Vec<&str> = set["components"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c.as_str().unwrap())
            .collect();
        assert!(
            page.contains(&format!("<code>{}</code>", ids.join(" + "))),
            "cut set {ids:?} in the HTML"
        );
    }
    let importance = json["importance"].as_array().unwrap();
    for row in importance.iter().take(10) {
        assert!(
            page.contains(&format!(
                "<td><code>{}</code></td>",
                row["component"].as_str().unwrap()
            )),
            "{} in the importance table",
            row["component"]
        );
    }
    assert!(page.contains(r#"<section id="importance">"#));
    assert!(page.contains("&#8224; A negative Birnbaum importance"));
    // The same full-capacity figure as the terminal's summary.
    let table = drplan()
        .args(["analyze", "--no-fail", "--color", "never"])
        .arg(&file)
        .output()
        .unwrap();
    let table = String::from_utf8(table.stdout).unwrap();
    let figure = table
        .lines()
        .find(|l| l.contains("Full-capacity availability"))
        .and_then(|l| l.split('┆').nth(1))
        .map(|v| v.trim_end_matches(['│', ' ']).trim().to_string())
        .expect("the terminal shows it");
    assert!(
        page.contains(&format!(
            r#"<div class="label">Full-capacity availability</div><div class="value">{figure}</div>"#
        )) || page.contains(&figure),
        "{figure} in the HTML"
    );
}

/// Every example's report fits a 1280 px window without sideways scrolling of the page.
#[test]
fn every_report_fits_1280_px() {
    let Some(bin) = tool("chromium", "Debian package chromium") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    for path in topologies() {
        let probe = r#"<script>
document.body.setAttribute("data-probe", String(document.documentElement.scrollWidth));
</script></body>"#;
        let page = html(&path).replace("</body>", probe);
        let file = dir.path().join("report.html");
        std::fs::write(&file, page).unwrap();
        let out = chromium(
            &bin,
            &[
                "--window-size=1280,2000".into(),
                "--dump-dom".into(),
                format!("file://{}", file.display()),
            ],
        );
        let dom = String::from_utf8_lossy(&out.stdout);
        let width: u32 = dom
            .split("data-probe=\"")
            .nth(1)
            .and_then(|p| p.split('"').next())
            .and_then(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no probe: {}", String::from_utf8_lossy(&out.stderr)));
        assert!(width <= 1280, "{}: {width} px wide", path.display());
    }
}

/// Surge cost reads the same in every format: the amount when a region scales, `-` when
/// nothing does (never `$0.00` in one format and `-` in another).
#[test]
fn surge_reads_the_same_in_every_format() {
    let file = root().join("topologies/active-passive.yaml");
    let run = |format: &str| {
        let out = drplan()
            .args([
                "analyze",
                "--no-fail",
                "--color",
                "never",
                "--format",
                format,
            ])
            .arg(&file)
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    let scaled = "us-east-lost-during-west-az-outage";
    let row = |text: &str, id: &str| {
        text.lines()
            .find(|l| l.contains(id) && !l.contains("Worst"))
            .unwrap_or_else(|| panic!("a row for {id}"))
            .to_string()
    };
    let table = run("table");
    let markdown = run("markdown");
    let page = html(&file);
    assert!(row(&table, scaled).contains("$0.38"));
    assert!(row(&markdown, scaled).contains("| $0.38 |"));
    assert!(page.contains(">$0.38<"));
    let west = table
        .lines()
        .find(|l| l.starts_with("│ region:us-west ") && l.contains("100%"))
        .expect("the scenario row");
    assert!(west.contains("┆       - ┆"), "{west}");
    let west = markdown
        .lines()
        .find(|l| l.starts_with("| `region:us-west` |") && l.contains("100%"))
        .expect("the scenario row");
    assert!(west.contains("| - |"), "{west}");
    assert!(!page.contains("$0.00"), "no zero surge in HTML");
}
