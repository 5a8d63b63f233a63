//! The topology picture as Graphviz DOT (`drplan graph`, render with `dot -Tsvg`).
//!
//! Regions are clusters holding AZ clusters; service instances and datastore copies sit where
//! they run; links join region clusters with their round trip; dashed arrows are replication;
//! users reach regions through the routing node. Control planes (MODEL.md §10) are tabs in
//! their region (or on their own), with teal dashed edges from the routing node, store copies
//! and service instances whose recovery actions call them, labelled with the action. Red
//! borders mark single points of failure; with a scenario, failed parts are grey with a red
//! dashed border (a control plane whose region died too), actions a down control plane froze
//! are red, and groups that moved are drawn in orange.

use std::fmt::Write as _;

use super::topology::{Copy, Mark, Needer, Picture, Role};

const RED: &str = "#c62828";
const GREY_FILL: &str = "#e6e6e6";
const GREY_TEXT: &str = "#888888";
const MOVED: &str = "#ef6c00";
const REPLICATION: &str = "#6a1b9a";
const HOME: &str = "#2e7d32";
const USES: &str = "#78909c";
const CONTROL: &str = "#00796b";

/// The DOT text of a picture.
pub fn render(p: &Picture) -> String {
    let mut out = String::new();
    let title = p.title();
    let _ = writeln!(out, "digraph {} {{", quote(&p.name));
    let _ = writeln!(
        out,
        "  graph [label={}, labelloc=t, fontname=\"Helvetica\", fontsize=14, compound=true, newrank=true, rankdir=TB, nodesep=0.3, ranksep=0.7];",
        quote(&title)
    );
    out.push_str("  node [fontname=\"Helvetica\", fontsize=10, shape=box, style=\"rounded,filled\", fillcolor=\"#ffffff\", color=\"#555555\"];\n");
    out.push_str("  edge [fontname=\"Helvetica\", fontsize=9, color=\"#555555\"];\n\n");

    // Users and the front door.
    out.push_str("  subgraph users {\n    rank=source;\n");
    for (u, user) in p.users.iter().enumerate() {
        let mut attrs = vec![
            format!(
                "label={}",
                quote(&format!("{}\n{}", user.id, percent(user.share)))
            ),
            "shape=ellipse".into(),
            "fillcolor=\"#e3f2fd\"".into(),
        ];
        if p.scenario.is_some() && user.served_by.is_none() {
            attrs.push(format!("color=\"{RED}\", penwidth=2"));
        }
        let _ = writeln!(out, "    u{u} [{}];", attrs.join(", "));
    }
    out.push_str("  }\n");
    let mut routing = vec![
        format!("label={}", quote(&format!("routing\n{}", p.routing.detail))),
        "shape=hexagon".into(),
        "fillcolor=\"#fff8e1\"".into(),
    ];
    routing.extend(mark_attrs(p.routing.mark));
    let _ = writeln!(out, "  routing [{}];", routing.join(", "));
    for u in 0..p.users.len() {
        let _ = writeln!(out, "  u{u} -> routing;");
    }
    out.push('\n');

    // Regions, AZs and what runs in them. `bottoms` are the last node of each stack, to keep
    // the notes (externals, shared fate, legend) below the regions.
    let mut bottoms = Vec::new();
    for (r, region) in p.regions.iter().enumerate() {
        let mut label = region.id.clone();
        if let Some(j) = &region.jurisdiction {
            label.push_str(&format!(" ({j})"));
        }
        if region.mark.spof {
            label.push_str(" \u{2014} single point of failure");
        }
        let _ = writeln!(out, "  subgraph cluster_r{r} {{");
        let _ = writeln!(out, "    label={};", quote(&label));
        out.push_str(&cluster_style(region.mark, "#f5f9ff", "    "));
        let _ = writeln!(
            out,
            "    r{r} [shape=point, style=invis, width=0.01, height=0.01, label=\"\"];"
        );
        for (a, az) in region.azs.iter().enumerate() {
            let mut label = az.id.clone();
            if az.mark.spof {
                label.push_str(" \u{2014} SPOF");
            }
            let _ = writeln!(out, "    subgraph cluster_r{r}_a{a} {{");
            let _ = writeln!(out, "      label={};", quote(&label));
            out.push_str(&cluster_style(az.mark, "#ffffff", "      "));
            // Invisible edges stack the AZ's contents under the region's anchor, so that
            // users, routing and regions read top to bottom.
            let mut stack = vec![format!("r{r}")];
            if az.instances.is_empty() && az.copies.is_empty() {
                let _ = writeln!(
                    out,
                    "      r{r}_a{a}_empty [label=\"(nothing placed)\", shape=plaintext, style=\"\", fontcolor=\"#999999\"];"
                );
                stack.push(format!("r{r}_a{a}_empty"));
            }
            for (k, i) in az.instances.iter().enumerate() {
                let mut attrs = vec![format!("label={}", quote(&Picture::instances_label(i)))];
                if i.entry {
                    attrs.push("fillcolor=\"#e8f5e9\"".into());
                }
                attrs.extend(mark_attrs(Mark {
                    failed: az.mark.failed,
                    spof: false,
                }));
                let _ = writeln!(out, "      r{r}_a{a}_s{k} [{}];", attrs.join(", "));
                stack.push(format!("r{r}_a{a}_s{k}"));
            }
            for copy in &az.copies {
                let _ = writeln!(out, "      {};", copy_node(p, copy, r));
                stack.push(copy_id(copy.store, copy.role, r));
            }
            let _ = writeln!(out, "      {} [style=invis];", stack.join(" -> "));
            bottoms.extend(stack.last().cloned());
            out.push_str("    }\n");
        }
        for copy in &region.copies {
            let _ = writeln!(out, "    {};", copy_node(p, copy, r));
            let _ = writeln!(
                out,
                "    r{r} -> {} [style=invis];",
                copy_id(copy.store, copy.role, r)
            );
        }
        for (c, plane) in p.controls.iter().enumerate() {
            if plane.region == Some(r) {
                let _ = writeln!(out, "    {};", control_node(p, c));
                let _ = writeln!(out, "    r{r} -> c{c} [style=invis];");
            }
        }
        out.push_str("  }\n");
    }
    // Control planes hosted in no region.
    for (c, plane) in p.controls.iter().enumerate() {
        if plane.region.is_none() {
            let _ = writeln!(out, "  {};", control_node(p, c));
            let _ = writeln!(out, "  routing -> c{c} [style=invis];");
        }
    }
    out.push('\n');

    // Every region on one rank under the routing node, serving or not.
    let anchors: Vec<String> = (0..p.regions.len()).map(|r| format!("r{r}")).collect();
    let _ = writeln!(out, "  {{ rank=same; {}; }}", anchors.join("; "));
    let served = p.served_groups();
    for r in 0..p.regions.len() {
        if !served.iter().any(|(x, _)| *x == r) {
            let _ = writeln!(out, "  routing -> r{r} [style=invis];");
        }
    }

    // Routing to the serving regions.
    for (r, groups) in served {
        let moved = groups.iter().any(|u| p.users[*u].moved());
        let label: Vec<String> = groups
            .iter()
            .map(|u| format!("{} {}", p.users[*u].id, percent(p.users[*u].share)))
            .collect();
        let mut attrs = vec![
            format!("lhead=cluster_r{r}"),
            format!("label={}", quote(&label.join("\n"))),
        ];
        if moved {
            attrs.push(format!(
                "color=\"{MOVED}\", fontcolor=\"{MOVED}\", penwidth=2"
            ));
        }
        let _ = writeln!(out, "  routing -> r{r} [{}];", attrs.join(", "));
    }

    // Links.
    for link in &p.links {
        let mut attrs = vec![
            "dir=none".to_string(),
            format!("ltail=cluster_r{}", link.a),
            format!("lhead=cluster_r{}", link.b),
            format!("label={}", quote(&Picture::rtt_label(link))),
            "constraint=false".into(),
            "penwidth=1.5".into(),
        ];
        if link.down {
            attrs.push(format!(
                "color=\"{RED}\", fontcolor=\"{RED}\", style=dashed"
            ));
        } else if link.mark.spof {
            attrs.push(format!("color=\"{RED}\", penwidth=3"));
        }
        let _ = writeln!(out, "  r{} -> r{} [{}];", link.a, link.b, attrs.join(", "));
    }

    // Replication.
    for e in &p.replication {
        let store = &p.stores[e.store];
        let label = match e.to_role {
            Role::Backups => "backups".to_string(),
            _ => store.mode.clone(),
        };
        let _ = writeln!(
            out,
            "  {} -> {} [style=dashed, color=\"{REPLICATION}\", fontcolor=\"{REPLICATION}\", label={}, weight=0{}];",
            copy_id(e.store, e.from_role, e.from),
            copy_id(e.store, e.to_role, e.to),
            quote(&label),
            if e.both_ways { ", dir=both" } else { "" }
        );
    }

    // Services to the datastores they use: from each service's instances in a region to the
    // store's copy in that region (or, without one there, to its first copy).
    for (r, region) in p.regions.iter().enumerate() {
        for (a, az) in region.azs.iter().enumerate() {
            for (k, i) in az.instances.iter().enumerate() {
                for (_, store) in p.uses.iter().filter(|(s, _)| *s == i.service) {
                    if let Some(target) = copy_for(p, *store, r) {
                        let _ = writeln!(
                            out,
                            "  r{r}_a{a}_s{k} -> {target} [style=dotted, color=\"{USES}\", arrowsize=0.6, constraint=false];"
                        );
                    }
                }
            }
        }
    }

    // Recovery actions to the control planes they call (MODEL.md §10).
    for need in &p.needs {
        let from = match need.by {
            Needer::Routing => "routing".to_string(),
            Needer::Copy {
                store,
                role,
                region,
            } => copy_id(store, role, region),
            Needer::Instances { region, az, index } => format!("r{region}_a{az}_s{index}"),
        };
        let (color, label, width) = if need.frozen {
            (RED, format!("{} (frozen)", need.action.name()), 2.0)
        } else {
            (CONTROL, need.action.name().to_string(), 1.0)
        };
        let _ = writeln!(
            out,
            "  {from} -> c{} [style=dashed, color=\"{color}\", fontcolor=\"{color}\", penwidth={width}, label={}, arrowhead=vee, constraint=false];",
            need.control,
            quote(&label)
        );
    }

    // Externals and shared-fate groups.
    for (e, ext) in p.externals.iter().enumerate() {
        let mut attrs = vec![
            format!(
                "label={}",
                quote(&format!("external: {}\n{}", ext.id, ext.detail))
            ),
            "shape=component".into(),
            "fillcolor=\"#f3e5f5\"".into(),
        ];
        attrs.extend(mark_attrs(ext.mark));
        let _ = writeln!(out, "  x{e} [{}];", attrs.join(", "));
    }
    for (g, group) in p.shared.iter().enumerate() {
        let mut attrs = vec![
            format!(
                "label={}",
                quote(&format!("shared fate: {}\n{}", group.id, group.detail))
            ),
            "shape=note".into(),
            "fillcolor=\"#fffde7\"".into(),
        ];
        attrs.extend(mark_attrs(group.mark));
        let _ = writeln!(out, "  g{g} [{}];", attrs.join(", "));
    }
    let (legend, has_legend) = legend(p);
    out.push_str(&legend);
    let notes: Vec<String> = (0..p.externals.len())
        .map(|e| format!("x{e}"))
        .chain((0..p.shared.len()).map(|g| format!("g{g}")))
        .chain(has_legend.then(|| "legend".to_string()))
        .collect();
    if !notes.is_empty() {
        let _ = writeln!(out, "  {{ rank=same; {}; }}", notes.join("; "));
        for bottom in &bottoms {
            let _ = writeln!(out, "  {bottom} -> {} [style=invis];", notes[0]);
        }
    }
    out.push_str("}\n");
    out
}

fn legend(p: &Picture) -> (String, bool) {
    let mut lines = Vec::new();
    if !p.spofs.is_empty() {
        lines.push(format!("single points of failure: {}", p.spofs.join(", ")));
    }
    if let Some(s) = &p.scenario {
        lines.push(format!("failed: {}", s.failed.join(", ")));
        let frozen: Vec<&str> = p
            .controls
            .iter()
            .filter(|c| c.frozen)
            .map(|c| c.id.as_str())
            .collect();
        if !frozen.is_empty() {
            lines.push(format!("frozen recovery: {}", frozen.join(", ")));
        }
    }
    if lines.is_empty() {
        return (String::new(), false);
    }
    let text = format!(
        "  legend [shape=plaintext, style=\"\", fontcolor=\"{RED}\", label={}];\n",
        quote(&lines.join("\n"))
    );
    (text, true)
}

/// The node of a store's copy in region `r` (a copy that serves: not backups), else of its first
/// such copy anywhere.
fn copy_for(p: &Picture, store: usize, r: usize) -> Option<String> {
    let serving = |c: &&Copy| c.store == store && c.role != Role::Backups;
    let in_region = |region: &super::topology::RegionView| {
        region
            .azs
            .iter()
            .flat_map(|az| az.copies.iter())
            .chain(region.copies.iter())
            .find(serving)
            .map(|c| c.role)
    };
    if let Some(role) = in_region(&p.regions[r]) {
        return Some(copy_id(store, role, r));
    }
    p.regions
        .iter()
        .enumerate()
        .find_map(|(x, region)| in_region(region).map(|role| copy_id(store, role, x)))
}

fn copy_id(store: usize, role: Role, region: usize) -> String {
    format!("d{store}_{}_r{region}", role.name())
}

fn copy_node(p: &Picture, copy: &Copy, region: usize) -> String {
    let store = &p.stores[copy.store];
    let mut label = p.copy_label(copy);
    if p.scenario.is_some() && copy.home && !matches!(copy.role, Role::Primary | Role::Single) {
        label.push_str("\nhome after failover");
    }
    if p.scenario.is_some()
        && store.homeless
        && matches!(copy.role, Role::Primary | Role::Single | Role::Leader)
    {
        label.push_str("\nno home: waits or restores");
    }
    let mut attrs = vec![
        format!("label={}", quote(&label)),
        "shape=cylinder".into(),
        format!(
            "fillcolor=\"{}\"",
            if store.ephemeral {
                "#fafafa"
            } else {
                "#fff3e0"
            }
        ),
    ];
    if copy.home && p.scenario.is_some() && !copy.failed {
        attrs.push(format!("color=\"{HOME}\", penwidth=2"));
    }
    attrs.extend(mark_attrs(Mark {
        failed: copy.failed,
        spof: false,
    }));
    format!(
        "{} [{}]",
        copy_id(copy.store, copy.role, region),
        attrs.join(", ")
    )
}

/// A control plane's node: `control plane route53-api`, its availability, and in a scenario
/// whether it is down and froze an action.
fn control_node(p: &Picture, c: usize) -> String {
    let plane = &p.controls[c];
    let label = p.control_label(c);
    let mut attrs = vec![
        format!("label={}", quote(&label)),
        "shape=tab".into(),
        "fillcolor=\"#e0f2f1\"".into(),
        format!("color=\"{CONTROL}\""),
    ];
    attrs.extend(mark_attrs(plane.mark));
    format!("c{c} [{}]", attrs.join(", "))
}

fn mark_attrs(mark: Mark) -> Vec<String> {
    let mut attrs = Vec::new();
    if mark.failed {
        attrs.push(format!(
            "fillcolor=\"{GREY_FILL}\", fontcolor=\"{GREY_TEXT}\", color=\"{RED}\", style=\"rounded,filled,dashed\""
        ));
    } else if mark.spof {
        attrs.push(format!("color=\"{RED}\", penwidth=3"));
    }
    attrs
}

fn cluster_style(mark: Mark, fill: &str, indent: &str) -> String {
    if mark.failed {
        format!(
            "{indent}style=\"rounded,filled,dashed\"; fillcolor=\"{GREY_FILL}\"; color=\"{RED}\"; fontcolor=\"{GREY_TEXT}\";\n"
        )
    } else if mark.spof {
        format!(
            "{indent}style=\"rounded,filled\"; fillcolor=\"{fill}\"; color=\"{RED}\"; penwidth=3; fontcolor=\"{RED}\";\n"
        )
    } else {
        format!("{indent}style=\"rounded,filled\"; fillcolor=\"{fill}\"; color=\"#90a4ae\";\n")
    }
}

/// A DOT double-quoted string.
fn quote(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

pub(super) fn percent(x: f64) -> String {
    format!("{}%", crate::model::units::round_to(x * 100.0, 1))
}
