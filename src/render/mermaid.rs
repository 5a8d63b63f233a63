//! The topology picture as a Mermaid flowchart (`drplan graph --format mermaid`), for GitHub
//! markdown (paste it in a ```` ```mermaid ```` block).
//!
//! The same picture as the DOT renderer: regions are subgraphs holding AZ subgraphs, links join
//! region subgraphs, dashed arrows are replication, dotted grey arrows go from services to
//! the datastores they use, dashed teal arrows go from recovery actions to the control planes
//! they call (drawn in their region), users reach regions through the routing node. Node ids are
//! generated (`r0`, `r0a1`, `d2_primary_r0`), so no user id can clash with Mermaid's keywords;
//! labels are quoted and escaped.

use std::fmt::Write as _;

use super::dot::percent;
use super::topology::{Copy, Mark, Needer, Picture, Role};

const RED: &str = "#c62828";
/// The color of the edges from recovery actions to the control planes they call (as in DOT).
const CONTROL: &str = "#00796b";
/// The color of the edges from services to the datastores they use.
const USES: &str = "#78909c";

/// The Mermaid text of a picture.
pub fn render(p: &Picture) -> String {
    let mut out = String::new();
    let mut edges = Edges::default();
    let title = p.title();
    let _ = writeln!(out, "---\ntitle: {}\n---", yaml_scalar(&title));
    out.push_str("flowchart TB\n");
    out.push_str(
        "  classDef failed fill:#e6e6e6,color:#888888,stroke:#c62828,stroke-dasharray:4 3\n",
    );
    out.push_str("  classDef spof stroke:#c62828,stroke-width:3px\n");
    out.push_str("  classDef user fill:#e3f2fd,stroke:#1565c0\n");
    out.push_str("  classDef entry fill:#e8f5e9,stroke:#2e7d32\n");
    out.push_str("  classDef store fill:#fff3e0,stroke:#8d6e63\n");
    out.push_str("  classDef home fill:#fff3e0,stroke:#2e7d32,stroke-width:3px\n");
    out.push_str("  classDef note fill:#fffde7,stroke:#9e9d24\n");
    out.push_str("  classDef control fill:#e0f2f1,stroke:#00796b\n");

    for (u, user) in p.users.iter().enumerate() {
        let _ = writeln!(
            out,
            "  u{u}([\"{}<br/>{}\"])",
            label(&user.id),
            percent(user.share)
        );
        let class = if p.scenario.is_some() && user.served_by.is_none() {
            "failed"
        } else {
            "user"
        };
        let _ = writeln!(out, "  class u{u} {class}");
    }
    let _ = writeln!(
        out,
        "  routing{{{{\"routing<br/>{}\"}}}}",
        label(&p.routing.detail)
    );
    class_of(&mut out, "routing", p.routing.mark);
    for u in 0..p.users.len() {
        edges.push(&mut out, format!("u{u} --> routing"), None);
    }

    for (r, region) in p.regions.iter().enumerate() {
        let mut title = region.id.clone();
        if let Some(j) = &region.jurisdiction {
            title.push_str(&format!(" ({j})"));
        }
        if region.mark.spof {
            title.push_str(" - single point of failure");
        }
        let _ = writeln!(out, "  subgraph r{r}[\"{}\"]", label(&title));
        out.push_str("    direction TB\n");
        for (a, az) in region.azs.iter().enumerate() {
            let mut title = az.id.clone();
            if az.mark.spof {
                title.push_str(" - SPOF");
            }
            if az.instances.is_empty() && az.copies.is_empty() {
                let _ = writeln!(out, "    r{r}a{a}[\"{}\"]", label(&title));
                class_of(&mut out, &format!("r{r}a{a}"), az.mark);
                continue;
            }
            let _ = writeln!(out, "    subgraph r{r}a{a}[\"{}\"]", label(&title));
            for (k, i) in az.instances.iter().enumerate() {
                let id = format!("r{r}a{a}s{k}");
                let _ = writeln!(
                    out,
                    "      {id}[\"{}\"]",
                    label(&Picture::instances_label(i))
                );
                if az.mark.failed {
                    let _ = writeln!(out, "      class {id} failed");
                } else if i.entry {
                    let _ = writeln!(out, "      class {id} entry");
                }
            }
            for copy in &az.copies {
                copy_node(&mut out, p, copy, r, "      ");
            }
            out.push_str("    end\n");
            subgraph_style(&mut out, &format!("r{r}a{a}"), az.mark, "#ffffff");
        }
        for copy in &region.copies {
            copy_node(&mut out, p, copy, r, "    ");
        }
        for (c, plane) in p.controls.iter().enumerate() {
            if plane.region == Some(r) {
                control_node(&mut out, p, c, "    ");
            }
        }
        out.push_str("  end\n");
        subgraph_style(&mut out, &format!("r{r}"), region.mark, "#f5f9ff");
    }

    for (r, groups) in p.served_groups() {
        let moved = groups.iter().any(|u| p.users[*u].moved());
        let text: Vec<String> = groups
            .iter()
            .map(|u| format!("{} {}", p.users[*u].id, percent(p.users[*u].share)))
            .collect();
        let style = moved.then(|| "stroke:#ef6c00,stroke-width:3px,color:#ef6c00".to_string());
        edges.push(
            &mut out,
            format!("routing -->|\"{}\"| r{r}", label(&text.join("<br/>"))),
            style,
        );
    }
    for link in &p.links {
        let style = if link.down {
            Some(format!("stroke:{RED},stroke-dasharray:4 3,color:{RED}"))
        } else if link.mark.spof {
            Some(format!("stroke:{RED},stroke-width:3px"))
        } else {
            None
        };
        edges.push(
            &mut out,
            format!(
                "r{} ---|\"{}\"| r{}",
                link.a,
                label(&Picture::rtt_label(link)),
                link.b
            ),
            style,
        );
    }
    for e in &p.replication {
        let text = match e.to_role {
            Role::Backups => "backups".to_string(),
            _ => p.stores[e.store].mode.clone(),
        };
        let head = if e.both_ways { "<-.->" } else { "-.->" };
        let arrow = if text.is_empty() {
            head.to_string()
        } else {
            format!("{head}|\"{}\"|", label(&text))
        };
        edges.push(
            &mut out,
            format!(
                "{} {arrow} {}",
                copy_id(e.store, e.from_role, e.from),
                copy_id(e.store, e.to_role, e.to)
            ),
            Some("stroke:#6a1b9a,color:#6a1b9a".into()),
        );
    }
    // Dotted grey arrows from each service's instances to the copy of each datastore it uses:
    // the copy in its region, else the first region holding one (as in DOT).
    for (r, region) in p.regions.iter().enumerate() {
        for (a, az) in region.azs.iter().enumerate() {
            for (k, i) in az.instances.iter().enumerate() {
                for (_, store) in p.uses.iter().filter(|(s, _)| *s == i.service) {
                    if let Some(target) = copy_for(p, *store, r) {
                        edges.push(
                            &mut out,
                            format!("r{r}a{a}s{k} -.-> {target}"),
                            Some(format!("stroke:{USES},stroke-dasharray:2 3")),
                        );
                    }
                }
            }
        }
    }
    // Control planes hosted in no region, and every recovery action to the control plane it
    // calls (MODEL.md §10): dashed teal, red and "(frozen)" when the scenario froze it.
    for (c, plane) in p.controls.iter().enumerate() {
        if plane.region.is_none() {
            control_node(&mut out, p, c, "  ");
        }
    }
    for need in &p.needs {
        let from = match need.by {
            Needer::Routing => "routing".to_string(),
            Needer::Copy {
                store,
                role,
                region,
            } => copy_id(store, role, region),
            Needer::Instances { region, az, index } => format!("r{region}a{az}s{index}"),
        };
        let (color, text) = if need.frozen {
            (RED, format!("{} (frozen)", need.action.name()))
        } else {
            (CONTROL, need.action.name().to_string())
        };
        edges.push(
            &mut out,
            format!("{from} -.->|\"{}\"| c{}", label(&text), need.control),
            Some(format!("stroke:{color},color:{color}")),
        );
    }
    for (e, ext) in p.externals.iter().enumerate() {
        let _ = writeln!(
            out,
            "  x{e}[/\"external: {}<br/>{}\"/]",
            label(&ext.id),
            label(&ext.detail)
        );
        class_of(&mut out, &format!("x{e}"), ext.mark);
    }
    for (g, group) in p.shared.iter().enumerate() {
        let _ = writeln!(
            out,
            "  g{g}[\"shared fate: {}<br/>{}\"]",
            label(&group.id),
            label(&group.detail)
        );
        if group.mark.failed || group.mark.spof {
            class_of(&mut out, &format!("g{g}"), group.mark);
        } else {
            let _ = writeln!(out, "  class g{g} note");
        }
    }
    if !p.spofs.is_empty() {
        let _ = writeln!(
            out,
            "  legend[\"single points of failure: {}\"]",
            label(&p.spofs.join(", "))
        );
        let _ = writeln!(out, "  style legend fill:#ffffff,stroke:{RED},color:{RED}");
    }
    out
}

/// Edges in order, so that `linkStyle N` can style the N-th.
#[derive(Default)]
struct Edges {
    count: usize,
}

impl Edges {
    fn push(&mut self, out: &mut String, edge: String, style: Option<String>) {
        let _ = writeln!(out, "  {edge}");
        if let Some(style) = style {
            let _ = writeln!(out, "  linkStyle {} {style}", self.count);
        }
        self.count += 1;
    }
}

/// The node of the copy of `store` that a service in region `r` uses: the serving copy (not
/// backups) in `r`, else the first region holding one.
fn copy_for(p: &Picture, store: usize, r: usize) -> Option<String> {
    let in_region = |region: &super::topology::RegionView| {
        region
            .azs
            .iter()
            .flat_map(|az| az.copies.iter())
            .chain(region.copies.iter())
            .find(|c| c.store == store && c.role != Role::Backups)
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

fn copy_node(out: &mut String, p: &Picture, copy: &Copy, region: usize, indent: &str) {
    let id = copy_id(copy.store, copy.role, region);
    let mut text = p.copy_label(copy);
    let store = &p.stores[copy.store];
    if p.scenario.is_some() && copy.home && !matches!(copy.role, Role::Primary | Role::Single) {
        text.push_str("<br/>home after failover");
    }
    if p.scenario.is_some()
        && store.homeless
        && matches!(copy.role, Role::Primary | Role::Single | Role::Leader)
    {
        text.push_str("<br/>no home: waits or restores");
    }
    let _ = writeln!(out, "{indent}{id}[(\"{}\")]", label(&text));
    let class = if copy.failed {
        "failed"
    } else if copy.home && p.scenario.is_some() {
        "home"
    } else {
        "store"
    };
    let _ = writeln!(out, "{indent}class {id} {class}");
}

/// A control plane's node, labelled as in DOT.
fn control_node(out: &mut String, p: &Picture, c: usize, indent: &str) {
    let plane = &p.controls[c];
    let _ = writeln!(
        out,
        "{indent}c{c}{{{{\"{}\"}}}}",
        label(&p.control_label(c))
    );
    let _ = writeln!(
        out,
        "{indent}class c{c} {}",
        if plane.mark.failed {
            "failed"
        } else {
            "control"
        }
    );
}

fn class_of(out: &mut String, id: &str, mark: Mark) {
    if mark.failed {
        let _ = writeln!(out, "  class {id} failed");
    } else if mark.spof {
        let _ = writeln!(out, "  class {id} spof");
    }
}

fn subgraph_style(out: &mut String, id: &str, mark: Mark, fill: &str) {
    let style = if mark.failed {
        format!("fill:#e6e6e6,stroke:{RED},stroke-dasharray:4 3,color:#888888")
    } else if mark.spof {
        format!("fill:{fill},stroke:{RED},stroke-width:3px")
    } else {
        format!("fill:{fill},stroke:#90a4ae")
    };
    let _ = writeln!(out, "  style {id} {style}");
}

/// Text inside a quoted Mermaid label: quotes and markup characters as entity codes (`<br/>`
/// added by the renderer is kept).
fn label(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix("<br/>") {
            out.push_str("<br/>");
            rest = after;
            continue;
        }
        let c = rest.chars().next().unwrap_or(' ');
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '\n' => out.push_str("<br/>"),
            c => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A YAML scalar for the front-matter title.
fn yaml_scalar(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}
