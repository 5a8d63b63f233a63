//! `drplan graph`: every example's DOT renders with Graphviz `dot -Tsvg`, and every example's
//! Mermaid parses and renders with Mermaid itself (version pinned in tests/mermaid/package.json,
//! run in headless Chromium), with nothing failed and after scenarios.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::common::{drplan, root};
use crate::examples::topologies;

/// An external tool, or a visible skip (a failure when DRPLAN_REQUIRE_TOOLS is set).
pub fn tool(name: &str, why: &str) -> Option<PathBuf> {
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join(name))
            .find(|p| p.is_file())
    });
    if found.is_none() {
        skip(&format!("`{name}` is not installed ({why})"));
    }
    found
}

/// Prints a visible skip, or panics when DRPLAN_REQUIRE_TOOLS is set.
pub fn skip(what: &str) {
    if std::env::var_os("DRPLAN_REQUIRE_TOOLS").is_some() {
        panic!("{what}, and DRPLAN_REQUIRE_TOOLS is set");
    }
    eprintln!("SKIPPED: {what}");
}

/// Headless Chromium with the flags this machine needs, a fresh profile, and `args`.
pub fn chromium(chromium: &Path, args: &[String]) -> std::process::Output {
    let profile = tempfile::tempdir().unwrap();
    Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--enable-logging=stderr",
            "--v=0",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(args)
        .output()
        .expect("chromium runs")
}

fn graph(args: &[&str], file: &Path) -> String {
    let out = drplan().arg("graph").arg(file).args(args).output().unwrap();
    assert!(
        out.status.success(),
        "drplan graph {} {args:?}: {}",
        file.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Each example with nothing failed, after each of its regions fails, and after its first
/// single point of failure.
fn cases() -> Vec<(PathBuf, Option<String>)> {
    let mut out = Vec::new();
    for path in topologies() {
        out.push((path.clone(), None));
        let report = crate::common::analyze_json(&path);
        let scenarios = report["scenarios"].as_array().unwrap();
        for s in scenarios {
            let id = s["id"].as_str().unwrap();
            if id.starts_with("region:") || id.starts_with("corruption:") {
                out.push((path.clone(), Some(id.to_string())));
            }
        }
        if let Some(spof) = report["summary"]["single_points_of_failure"][0].as_str() {
            out.push((path.clone(), Some(spof.to_string())));
        }
    }
    out
}

#[test]
fn every_example_renders_with_graphviz_dot() {
    let Some(dot) = tool("dot", "Debian package graphviz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut rendered = 0;
    for (path, scenario) in cases() {
        let mut args = vec![];
        if let Some(s) = &scenario {
            args.extend(["--scenario", s.as_str()]);
        }
        let text = graph(&args, &path);
        let file = dir.path().join("g.dot");
        std::fs::write(&file, &text).unwrap();
        let out = Command::new(&dot).arg("-Tsvg").arg(&file).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success() && stderr.trim().is_empty(),
            "dot -Tsvg fails on {} {scenario:?}: {stderr}",
            path.display()
        );
        let svg = String::from_utf8(out.stdout).unwrap();
        assert!(svg.contains("<svg") && svg.contains("cluster_r0"));
        rendered += 1;
    }
    assert!(rendered >= 20, "rendered {rendered} graphs");
}

#[test]
fn dot_shows_regions_azs_links_users_and_spofs() {
    let file = root().join("topologies/active-passive.yaml");
    let text = graph(&[], &file);
    for needle in [
        "subgraph cluster_r0 {",
        "label=\"us-east (US)\"",
        "label=\"use1-az1\"",
        "web \u{d7}4",
        "orders-db (primary)",
        "orders-db (replica)",
        "label=\"62 ms\"",
        "label=\"async 1s\"",
        "us-east-coast\\n45%",
        "routing\\nfailover-dns",
        "single points of failure: routing, shared:provider-wide",
    ] {
        assert!(text.contains(needle), "the graph shows {needle}");
    }
    // The routing node is a single point of failure: a thick red border.
    let routing = text
        .lines()
        .find(|l| l.trim_start().starts_with("routing ["))
        .unwrap();
    assert!(routing.contains("penwidth=3") && routing.contains("#c62828"));
}

#[test]
fn a_scenario_greys_out_what_failed_and_shows_the_new_routing() {
    let file = root().join("topologies/active-passive.yaml");
    let text = graph(&["--scenario", "region:us-east"], &file);
    assert!(text.contains("after region:us-east (up, 100% served; RTO 16m 30s, RPO 1s)"));
    let cluster = text
        .split("subgraph cluster_r0 {")
        .nth(1)
        .unwrap()
        .lines()
        .nth(2)
        .unwrap();
    assert!(
        cluster.contains("dashed") && cluster.contains("#e6e6e6"),
        "{cluster}"
    );
    // Everyone now goes to us-west (r1), in orange; the replica is the home.
    let edge = text
        .lines()
        .find(|l| l.contains("routing -> r1 [lhead"))
        .unwrap();
    assert!(edge.contains("#ef6c00"), "{edge}");
    assert!(text.contains("orders-db (replica)\\nhome after failover"));
    // A combination of components, joined by `+`.
    let combo = graph(&["--scenario", "region:us-east+az:usw2-az2"], &file);
    assert!(combo.contains("after az:usw2-az2+region:us-east (degraded"));
}

#[test]
fn an_unknown_scenario_is_a_usage_error() {
    let file = root().join("topologies/active-passive.yaml");
    drplan()
        .arg("graph")
        .arg(&file)
        .args(["--scenario", "region:mars"])
        .assert()
        .code(2)
        .stderr(predicates::str::contains("no scenario `region:mars`"));
}

#[test]
fn mermaid_is_well_formed() {
    for (path, scenario) in cases() {
        let mut args = vec!["--format", "mermaid"];
        if let Some(s) = &scenario {
            args.extend(["--scenario", s.as_str()]);
        }
        let text = graph(&args, &path);
        let what = format!("{} {scenario:?}", path.display());
        assert!(text.starts_with("---\ntitle: "), "{what}");
        assert!(text.contains("\nflowchart TB\n"), "{what}");
        let opens = text
            .lines()
            .filter(|l| l.trim_start().starts_with("subgraph "))
            .count();
        let ends = text.lines().filter(|l| l.trim() == "end").count();
        assert_eq!(opens, ends, "{what}: balanced subgraphs");
        // Every edge joins defined ids, and ids are plain words.
        let mut defined = std::collections::HashSet::new();
        for line in text.lines().map(str::trim) {
            let id: String = line
                .trim_start_matches("subgraph ")
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !id.is_empty()
                && (line.contains("[\"")
                    || line.contains("([")
                    || line.contains("{{")
                    || line.contains("[(")
                    || line.contains("[/"))
            {
                defined.insert(id);
            }
        }
        let edges = text.lines().map(str::trim).filter(|l| {
            l.contains(" --> ") || l.contains(" ---|") || l.contains(" -.->") || l.contains(" -->|")
        });
        for edge in edges {
            let from = edge.split_whitespace().next().unwrap();
            let to = edge.split_whitespace().last().unwrap();
            for id in [from, to] {
                assert!(
                    defined.contains(id),
                    "{what}: `{id}` in `{edge}` is defined"
                );
            }
        }
    }
}

/// Mermaid draws what DOT draws: a dotted grey edge from each service's instances to every
/// datastore it uses (issue 16, "edges from services to the datastores they use").
#[test]
fn mermaid_draws_services_to_the_datastores_they_use() {
    let file = root().join("topologies/active-passive.yaml");
    let mermaid = graph(&["--format", "mermaid"], &file);
    let dot = graph(&[], &file);
    let in_dot = dot
        .lines()
        .filter(|l| l.contains("style=dotted, color=\"#78909c\""))
        .count();
    let uses: Vec<&str> = mermaid
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('r') && l.contains(" -.-> d"))
        .collect();
    assert!(in_dot > 0);
    assert_eq!(uses.len(), in_dot, "{mermaid}");
    // web in us-east's first AZ uses the orders database's primary there.
    assert!(uses.contains(&"r0a0s0 -.-> d0_primary_r0"), "{uses:?}");
    assert!(mermaid.contains("stroke:#78909c,stroke-dasharray:2 3"));
}

#[test]
fn mermaid_parses_and_renders_with_mermaid() {
    let Some(chromium_bin) = tool("chromium", "Debian package chromium") else {
        return;
    };
    let mermaid_js = root().join("tests/mermaid/node_modules/mermaid/dist/mermaid.min.js");
    if !mermaid_js.exists() {
        skip("tests/mermaid/node_modules is missing (run `npm ci --prefix tests/mermaid`)");
        return;
    }
    let mut graphs = Vec::new();
    for (path, scenario) in cases() {
        let mut args = vec!["--format", "mermaid"];
        if let Some(s) = &scenario {
            args.extend(["--scenario", s.as_str()]);
        }
        graphs.push((
            format!("{} {scenario:?}", path.display()),
            graph(&args, &path),
        ));
    }
    // One broken graph proves that a parse error is seen.
    graphs.push(("broken".into(), "flowchart TB\n  a --> b(\n".into()));
    let texts: Vec<&str> = graphs.iter().map(|(_, t)| t.as_str()).collect();
    let page = format!(
        r#"<!doctype html><html><body><pre id="result">pending</pre>
<script src="file://{js}"></script>
<script>
const graphs = {graphs};
mermaid.initialize({{ startOnLoad: false, securityLevel: "strict" }});
(async () => {{
  const out = [];
  for (const [i, g] of graphs.entries()) {{
    try {{
      await mermaid.parse(g);
      const r = await mermaid.render("g" + i, g);
      out.push(r.svg.includes("<svg") ? "OK" : "EMPTY");
    }} catch (e) {{
      out.push("ERR " + String(e && e.message || e).split("\n").join(" "));
    }}
  }}
  document.getElementById("result").textContent = out.join("\n");
}})();
</script></body></html>"#,
        js = mermaid_js.display(),
        graphs = serde_json::to_string(&texts).unwrap()
    );
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("mermaid.html");
    std::fs::write(&html, page).unwrap();
    let out = chromium(
        &chromium_bin,
        &[
            "--allow-file-access-from-files".into(),
            "--virtual-time-budget=60000".into(),
            "--dump-dom".into(),
            format!("file://{}", html.display()),
        ],
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    let result = dom
        .split("<pre id=\"result\">")
        .nth(1)
        .and_then(|r| r.split("</pre>").next())
        .unwrap_or_else(|| panic!("no result in the page:\n{dom}"));
    let lines: Vec<&str> = result.lines().collect();
    assert_eq!(
        lines.len(),
        graphs.len(),
        "every graph was tried:\n{result}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for ((what, _), line) in graphs.iter().zip(&lines).take(graphs.len() - 1) {
        assert_eq!(*line, "OK", "Mermaid fails on {what}");
    }
    assert!(
        lines.last().unwrap().starts_with("ERR "),
        "the broken graph is refused"
    );
}

#[test]
fn graph_writes_to_a_file_with_output() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("g.mmd");
    drplan()
        .arg("graph")
        .arg(root().join("topologies/multi-az.yaml"))
        .args(["--format", "mermaid", "--output"])
        .arg(&out)
        .assert()
        .success();
    assert!(
        std::fs::read_to_string(&out)
            .unwrap()
            .contains("flowchart TB")
    );
}

#[test]
fn the_pictures_of_one_example_are_pinned() {
    let file = root().join("topologies/active-passive.yaml");
    insta::assert_snapshot!("graph-dot-active-passive", graph(&[], &file));
    insta::assert_snapshot!(
        "graph-mermaid-active-passive-region-us-east",
        graph(
            &["--format", "mermaid", "--scenario", "region:us-east"],
            &file
        )
    );
}

/// The picture draws what the model says: asynchronous active-active replication both ways; a
/// cache's copies as a cache, never as "async 1s" data; an in-region standby in its region, not
/// in an AZ the model does not tie it to; services joined to the datastores they use; and a
/// scenario's title with its RTO and RPO, in DOT and mermaid alike.
#[test]
fn pictures_match_the_model() {
    let aa = graph(&[], &root().join("topologies/active-active-geodns.yaml"));
    let replication: Vec<&str> = aa
        .lines()
        .filter(|l| l.contains("style=dashed, color=\"#6a1b9a\""))
        .collect();
    let subscriber: Vec<&&str> = replication
        .iter()
        .filter(|l| l.trim_start().starts_with("d0_member") && !l.contains("backups"))
        .collect();
    assert_eq!(subscriber.len(), 2, "{replication:#?}");
    assert!(subscriber.iter().all(|l| l.contains("dir=both")));
    assert!(
        !replication.iter().any(|l| l.contains("d1_member")),
        "the per-region cache is not replicated data: {replication:#?}"
    );
    assert!(aa.contains("evcache (member, cache)"));
    // The HTML report's picture says the same: both ways, and the scenario title.
    let page = drplan()
        .args(["analyze", "--no-fail", "--format", "html"])
        .arg(root().join("topologies/active-active-geodns.yaml"))
        .output()
        .unwrap();
    let page = String::from_utf8(page.stdout).unwrap();
    assert!(page.contains("subscriber-db (member \u{2194} us-east"));
    assert!(!page.contains("subscriber-db (member \u{2190}"));

    let ap = graph(&[], &root().join("topologies/active-passive.yaml"));
    assert!(!ap.contains("label=\"async 1s\", weight=0];\n  r0_a0_s0"));
    let sessions = ap
        .lines()
        .find(|l| l.contains("-> d1_replica_r1 [style=dashed"))
        .expect("the sessions cache's replica edge");
    assert!(!sessions.contains("async"), "{sessions}");
    let standby = ap
        .lines()
        .find(|l| l.trim_start().starts_with("d0_standby_r0 ["))
        .expect("the in-region standby");
    assert!(
        standby.starts_with("    d0") && !standby.starts_with("      "),
        "drawn in the region, not in an AZ cluster: {standby:?}"
    );
    // web (s0) in every AZ of both regions uses orders-db and sessions, in its own region.
    for (r, role) in [(0, "primary"), (1, "replica")] {
        for a in 0..3 {
            let edge = format!("  r{r}_a{a}_s0 -> d0_{role}_r{r} [style=dotted");
            assert!(ap.contains(&edge), "missing {edge}");
        }
    }

    let title = "active-passive-warm-standby after corruption:orders-db (up, 100% served; RTO 3h 15m, RPO 1h)";
    let dot = graph(
        &["--scenario", "corruption:orders-db"],
        &root().join("topologies/active-passive.yaml"),
    );
    assert!(dot.contains(title), "{}", dot.lines().nth(1).unwrap_or(""));
    let mermaid = graph(
        &["--scenario", "corruption:orders-db", "--format", "mermaid"],
        &root().join("topologies/active-passive.yaml"),
    );
    assert!(
        mermaid.contains(title),
        "{}",
        mermaid.lines().nth(1).unwrap_or("")
    );
}

/// The DOT node statement of `id` (`c0 [label=...]`), and the cluster it sits in (the last
/// `subgraph cluster_rN {` opened before it, `None` at top level).
fn node_in(dot: &str, id: &str) -> (String, Option<String>) {
    let mut cluster = None;
    for line in dot.lines() {
        let t = line.trim_start();
        if let Some(rest) = t.strip_prefix("subgraph cluster_r")
            && !rest.contains("_a")
        {
            cluster = Some(format!("cluster_r{}", rest.trim_end_matches(" {")));
        }
        if line == "  }" {
            cluster = None;
        }
        if t.starts_with(&format!("{id} [")) {
            return (t.to_string(), cluster);
        }
    }
    panic!("no node {id} in:\n{dot}");
}

/// The edge statement `from -> to [...]`.
fn edge<'a>(dot: &'a str, from: &str, to: &str) -> &'a str {
    let head = format!("{from} -> {to} [");
    dot.lines()
        .map(str::trim_start)
        .find(|l| l.starts_with(&head) && !l.contains("style=invis"))
        .unwrap_or_else(|| panic!("no edge {from} -> {to} in:\n{dot}"))
}

/// MODEL.md §10 in the picture: each control plane is drawn in the region hosting it (on its own
/// when it has none), with a dashed edge from every part whose recovery action calls it,
/// labelled with the action (a routing record change, a store's promotion and restore, a
/// service's scale-up in each region that scales it). After a scenario, a control plane that is
/// down (its region failed, or itself) is drawn failed, and the actions it froze are red and
/// labelled frozen, as the analysis reports them. DOT renders with Graphviz.
#[test]
fn control_planes_are_drawn_in_their_region_with_the_actions_that_need_them() {
    let trap = root().join("topologies/static-stability-trap.yaml");
    let dot = graph(&[], &trap);
    // route53-api in us-east (r0), rds-api-west in us-west (r1).
    let (node, cluster) = node_in(&dot, "c0");
    assert_eq!(cluster.as_deref(), Some("cluster_r0"), "{node}");
    assert!(node.contains("control plane: route53-api\\navailability 99.95%"));
    assert!(!node.contains("#e6e6e6"), "up with nothing failed: {node}");
    let (node, cluster) = node_in(&dot, "c1");
    assert_eq!(cluster.as_deref(), Some("cluster_r1"), "{node}");
    assert!(node.contains("control plane: rds-api-west"));
    let record = edge(&dot, "routing", "c0");
    assert!(
        record.contains("style=dashed") && record.contains("label=\"record change\""),
        "{record}"
    );
    // orders-db's primary is d0 in us-east; its backups are in us-west.
    assert!(edge(&dot, "d0_primary_r0", "c1").contains("label=\"promotion\""));
    assert!(edge(&dot, "d0_backups_r1", "c1").contains("label=\"restore\""));
    assert!(!dot.contains("(frozen)"));

    // us-east fails: route53-api fails with it and freezes the record change; the promotion
    // through rds-api-west in us-west happens.
    let east = graph(&["--scenario", "region:us-east"], &trap);
    let (node, _) = node_in(&east, "c0");
    assert!(
        node.contains("down: recovery frozen") && node.contains("#e6e6e6"),
        "{node}"
    );
    let record = edge(&east, "routing", "c0");
    assert!(
        record.contains("label=\"record change (frozen)\"") && record.contains("#c62828"),
        "{record}"
    );
    assert!(edge(&east, "d0_primary_r0", "c1").contains("label=\"promotion\""));
    assert!(east.contains("frozen recovery: route53-api"));
    let (node, _) = node_in(&east, "c1");
    assert!(!node.contains("down"), "{node}");

    // Mermaid draws the same: each control plane inside its region's subgraph, the actions as
    // labelled dotted edges, frozen ones red.
    let mermaid = graph(&["--format", "mermaid"], &trap);
    let in_r0 =
        &mermaid[mermaid.find("subgraph r0[").unwrap()..mermaid.find("subgraph r1[").unwrap()];
    assert!(
        in_r0.contains("c0{{\"control plane: route53-api<br/>availability 99.95%\"}}"),
        "{in_r0}"
    );
    assert!(
        mermaid.contains("routing -.->|\"record change\"| c0"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("d0_primary_r0 -.->|\"promotion\"| c1"),
        "{mermaid}"
    );
    assert!(
        mermaid.contains("d0_backups_r1 -.->|\"restore\"| c1"),
        "{mermaid}"
    );
    let mermaid = graph(
        &["--format", "mermaid", "--scenario", "region:us-east"],
        &trap,
    );
    assert!(
        mermaid.contains("routing -.->|\"record change (frozen)\"| c0"),
        "{mermaid}"
    );
    assert!(mermaid.contains("down: recovery frozen"), "{mermaid}");
    assert!(mermaid.contains("class c0 failed"), "{mermaid}");

    // example-v2: compute-api-ap (r2) is called by web's scale-ups in eu-west (r1) and
    // ap-southeast (r2); failing it alone freezes nothing (no region needs to scale).
    let v2 = root().join("../shared/spec/example-v2.yaml");
    if v2.exists() {
        let dot = graph(&[], &v2);
        let (_, cluster) = node_in(&dot, "c2");
        assert_eq!(cluster.as_deref(), Some("cluster_r2"));
        assert!(edge(&dot, "r1_a0_s0", "c2").contains("label=\"scale-up\""));
        assert!(edge(&dot, "r2_a0_s0", "c2").contains("label=\"scale-up\""));
        assert!(edge(&dot, "routing", "c0").contains("label=\"record change\""));
        let alone = graph(&["--scenario", "control:compute-api-ap"], &v2);
        let (node, _) = node_in(&alone, "c2");
        assert!(
            node.contains("\\ndown\"") && node.contains("#e6e6e6"),
            "{node}"
        );
        assert!(!alone.contains("(frozen)"));
    } else {
        crate::graph::skip("../shared/spec/example-v2.yaml is not beside the repository");
    }

    // A control plane hosted nowhere is drawn on its own; a frozen scale-up is red, drawn from
    // the AZ where web grows (b2: b1 already runs its one instance).
    let recovery = root().join("tests/fixtures/hand/v2_recovery.yaml");
    let dot = graph(&["--scenario", "region-a-compute-b-down"], &recovery);
    let (node, cluster) = node_in(&dot, "c0");
    assert_eq!(cluster, None, "db-api has no region: {node}");
    let (node, cluster) = node_in(&dot, "c1");
    assert_eq!(cluster.as_deref(), Some("cluster_r1"), "{node}");
    let scale = edge(&dot, "r1_a1_s0", "c1");
    assert!(
        scale.contains("label=\"scale-up (frozen)\"") && scale.contains("#c62828"),
        "{scale}"
    );
    assert!(dot.contains("frozen recovery: compute-b"));

    // The HTML report's picture says the same in words.
    let page = drplan()
        .args(["analyze", "--no-fail", "--format", "html"])
        .arg(&trap)
        .output()
        .unwrap();
    let page = String::from_utf8(page.stdout).unwrap();
    for line in [
        "\u{2699} control plane route53-api</text>",
        "\u{21b3} record change</text>",
        "\u{2699} control plane rds-api-west</text>",
        "\u{21b3} promotion of orders-db</text>",
        "\u{21b3} restore of orders-db</text>",
    ] {
        assert!(page.contains(line), "the HTML picture shows {line}");
    }

    // Every picture with control planes renders with Graphviz, nothing failed and after
    // each scenario that freezes something.
    let Some(dot_tool) = tool("dot", "Debian package graphviz") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let mut files = vec![trap, recovery];
    if v2.exists() {
        files.push(v2);
    }
    let mut rendered = 0;
    for file in files {
        let report = crate::common::analyze_json(&file);
        let mut scenarios = vec![None];
        for s in report["scenarios"].as_array().unwrap() {
            if !s["frozen"].as_array().unwrap().is_empty() || s["id"] == "region:us-east" {
                scenarios.push(Some(s["id"].as_str().unwrap().to_string()));
            }
        }
        for scenario in scenarios {
            let mut args = vec![];
            if let Some(s) = &scenario {
                args.extend(["--scenario", s.as_str()]);
            }
            let text = graph(&args, &file);
            let path = dir.path().join("g.dot");
            std::fs::write(&path, &text).unwrap();
            let out = Command::new(&dot_tool)
                .arg("-Tsvg")
                .arg(&path)
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(
                out.status.success() && stderr.trim().is_empty(),
                "dot -Tsvg fails on {} {scenario:?}: {stderr}",
                file.display()
            );
            rendered += 1;
        }
    }
    assert!(rendered >= 8, "rendered {rendered}");
}
