//! The topology picture as a standalone SVG, laid out here (no Graphviz needed), for the HTML
//! report.
//!
//! Layout, top to bottom: user groups (west to east), the routing front door, the regions
//! (west to east, at most four a row) each holding its AZs with the service instances and
//! datastore copies placed there, then externals, shared-fate groups and the single points of
//! failure. Links are arcs under the regions, labelled with their round trip; replication is
//! written on each copy (`orders-db (replica <- us-east, async 1s)`). Control planes (MODEL.md
//! §10) are listed in their region with the actions that call them (`⚙ control plane rds-api`,
//! `↳ promotion of orders-db`), or in a note when hosted nowhere. Marks follow the DOT
//! picture: red borders for single points of failure; grey with a red dashed border for what
//! failed in a scenario (a control plane down struck through, red when it froze recovery);
//! orange for user groups that moved.

use std::fmt::Write as _;

use super::dot::percent;
use super::topology::{Copy, Mark, Picture, Role};

const REGION_W: f64 = 290.0;
const GAP: f64 = 46.0;
const LINE: f64 = 16.0;
const PER_ROW: usize = 4;
const CHAR_W: f64 = 6.1;
const RED: &str = "#c62828";
const MOVED: &str = "#ef6c00";

/// One region's box: its lines of text, grouped by AZ.
struct RegionBox {
    x: f64,
    y: f64,
    h: f64,
    /// Per AZ: its title, mark and lines.
    azs: Vec<(String, Mark, Vec<Line>)>,
    /// Region-level copies.
    copies: Vec<Line>,
}

struct Line {
    text: String,
    failed: bool,
    strong: bool,
    home: bool,
    /// Red: a control plane that froze recovery.
    alert: bool,
}

/// The SVG text of a picture.
pub fn render(p: &Picture) -> String {
    let n = p.regions.len().max(1);
    let cols = n.min(PER_ROW);
    let width = (cols as f64 * (REGION_W + GAP) + GAP).max(560.0);
    let mut order: Vec<usize> = (0..p.regions.len()).collect();
    order.sort_by(|a, b| p.regions[*a].lon.total_cmp(&p.regions[*b].lon));

    // Region contents and sizes.
    let mut boxes: Vec<RegionBox> = p
        .regions
        .iter()
        .enumerate()
        .map(|(r, region)| {
            let azs = region
                .azs
                .iter()
                .map(|az| {
                    let mut lines: Vec<Line> = az
                        .instances
                        .iter()
                        .map(|i| Line {
                            text: Picture::instances_label(i),
                            failed: az.mark.failed,
                            strong: i.entry,
                            home: false,
                            alert: false,
                        })
                        .collect();
                    lines.extend(az.copies.iter().map(|c| copy_line(p, c, r)));
                    if lines.is_empty() {
                        lines.push(Line {
                            text: "(nothing placed)".into(),
                            failed: az.mark.failed,
                            strong: false,
                            home: false,
                            alert: false,
                        });
                    }
                    let mut title = az.id.clone();
                    if az.mark.spof {
                        title.push_str("  SPOF");
                    }
                    (title, az.mark, lines)
                })
                .collect::<Vec<_>>();
            let mut copies: Vec<Line> = region.copies.iter().map(|c| copy_line(p, c, r)).collect();
            copies.extend(
                (0..p.controls.len())
                    .filter(|c| p.controls[*c].region == Some(r))
                    .flat_map(|c| control_lines(p, c, false)),
            );
            let mut h = 30.0;
            for (_, _, lines) in &azs {
                h += 22.0 + lines.len() as f64 * LINE + 8.0;
            }
            if !copies.is_empty() {
                h += 6.0 + copies.len() as f64 * LINE;
            }
            RegionBox {
                x: 0.0,
                y: 0.0,
                h: h + 6.0,
                azs,
                copies,
            }
        })
        .collect();

    // Rows of regions, each with room below for link arcs.
    let users_y = 54.0;
    let routing_y = 118.0;
    let mut y = 190.0;
    let mut row_of = vec![0usize; p.regions.len()];
    let mut rows: Vec<(f64, f64)> = Vec::new();
    for (row, chunk) in order.chunks(PER_ROW).enumerate() {
        let row_h = chunk.iter().map(|r| boxes[*r].h).fold(0.0, f64::max);
        let row_w = chunk.len() as f64 * (REGION_W + GAP) - GAP;
        let x0 = (width - row_w) / 2.0;
        for (k, r) in chunk.iter().enumerate() {
            boxes[*r].x = x0 + k as f64 * (REGION_W + GAP);
            boxes[*r].y = y;
            row_of[*r] = row;
        }
        let spans = p
            .links
            .iter()
            .filter(|l| row_of[l.a] == row && row_of[l.b] == row)
            .count();
        let arc_room = if spans > 0 {
            40.0 + 10.0 * spans.min(8) as f64
        } else {
            20.0
        };
        rows.push((y, row_h));
        y += row_h + arc_room;
    }
    let notes_y = y + 10.0;
    let global_controls: Vec<usize> = (0..p.controls.len())
        .filter(|c| p.controls[*c].region.is_none())
        .collect();
    let note_lines = p.externals.len()
        + p.shared.len()
        + global_controls.len()
        + usize::from(!p.spofs.is_empty());
    let height = notes_y + note_lines as f64 * 20.0 + 20.0;

    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="topology" viewBox="0 0 {w:.0} {h:.0}" width="{w:.0}" height="{h:.0}" role="img" aria-label="{label}" font-family="system-ui, -apple-system, 'Segoe UI', Roboto, Helvetica, Arial, sans-serif" font-size="11">"#,
        w = width,
        h = height,
        label = esc(&format!("Topology of {}", p.name))
    );
    s.push_str(r##"<defs><marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#607d8b"/></marker><marker id="arrow-moved" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="#ef6c00"/></marker></defs>"##);
    s.push('\n');
    let title = p.title();
    let _ = writeln!(
        s,
        r##"<text x="{:.0}" y="22" text-anchor="middle" font-size="14" font-weight="600" fill="#263238">{}</text>"##,
        width / 2.0,
        esc(&title)
    );

    // Users and routing.
    let routing_x = width / 2.0;
    let mut users: Vec<usize> = (0..p.users.len()).collect();
    users.sort_by(|a, b| p.users[*a].lon.total_cmp(&p.users[*b].lon));
    let slot = width / (users.len().max(1) as f64);
    for (k, u) in users.iter().enumerate() {
        let user = &p.users[*u];
        let cx = slot * (k as f64 + 0.5);
        let text = format!("{} {}", user.id, percent(user.share));
        let w = (text.len() as f64 * CHAR_W + 18.0)
            .min(slot - 6.0)
            .max(40.0);
        let down = p.scenario.is_some() && user.served_by.is_none();
        let (stroke, color) = if down {
            (RED, RED)
        } else if user.moved() {
            (MOVED, MOVED)
        } else {
            ("#1565c0", "#607d8b")
        };
        let marker = if user.moved() { "arrow-moved" } else { "arrow" };
        let _ = writeln!(
            s,
            r##"<line x1="{cx:.1}" y1="{:.1}" x2="{routing_x:.1}" y2="{:.1}" stroke="{color}" stroke-width="1.2" marker-end="url(#{marker})"/>"##,
            users_y + 11.0,
            routing_y - 15.0
        );
        let _ = writeln!(
            s,
            r##"<rect x="{:.1}" y="{:.1}" width="{w:.1}" height="22" rx="11" fill="#e3f2fd" stroke="{stroke}"/><text x="{cx:.1}" y="{:.1}" text-anchor="middle" fill="#0d47a1">{}</text>"##,
            cx - w / 2.0,
            users_y - 11.0,
            users_y + 4.0,
            esc(&fit(&text, w - 10.0))
        );
    }
    let routing_text = format!("routing: {}", p.routing.detail);
    let rw = (routing_text.len() as f64 * CHAR_W + 30.0).min(width - 20.0);
    let (fill, stroke, sw, dash) = mark_style(p.routing.mark, "#fff8e1", "#f9a825");
    let _ = writeln!(
        s,
        r##"<rect x="{:.1}" y="{:.1}" width="{rw:.1}" height="30" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}/><text x="{routing_x:.1}" y="{:.1}" text-anchor="middle" font-weight="600" fill="#5d4037">{}</text>"##,
        routing_x - rw / 2.0,
        routing_y - 15.0,
        routing_y + 4.0,
        esc(&fit(&routing_text, rw - 10.0))
    );

    // Routing to serving regions.
    for (r, groups) in p.served_groups() {
        let b = &boxes[r];
        let share: f64 = groups.iter().map(|u| p.users[*u].share).sum();
        let moved = groups.iter().any(|u| p.users[*u].moved());
        let (color, marker) = if moved {
            (MOVED, "arrow-moved")
        } else {
            ("#607d8b", "arrow")
        };
        let tx = b.x + REGION_W / 2.0;
        let _ = writeln!(
            s,
            r##"<line x1="{routing_x:.1}" y1="{:.1}" x2="{tx:.1}" y2="{:.1}" stroke="{color}" stroke-width="1.6" marker-end="url(#{marker})"/>"##,
            routing_y + 15.0,
            b.y - 2.0
        );
        let _ = writeln!(
            s,
            r##"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="10" fill="{color}" paint-order="stroke" stroke="#ffffff" stroke-width="3">{}</text>"##,
            (routing_x + tx) / 2.0,
            (routing_y + 15.0 + b.y) / 2.0,
            esc(&format!("{} of users", percent(share)))
        );
    }

    // Links: arcs under a row, straight lines between rows (drawn before the boxes).
    for link in &p.links {
        let (a, b) = (&boxes[link.a], &boxes[link.b]);
        let color = if link.down || link.mark.spof {
            RED
        } else {
            "#78909c"
        };
        let dash = if link.down {
            r#" stroke-dasharray="5 4""#
        } else {
            ""
        };
        let width_px = if link.mark.spof { 3.0 } else { 1.6 };
        let (ax, bx) = (a.x + REGION_W / 2.0, b.x + REGION_W / 2.0);
        let (path, lx, ly) = if row_of[link.a] == row_of[link.b] {
            let (row_y, row_h) = rows[row_of[link.a]];
            let base = row_y + row_h;
            let depth = 18.0 + (ax - bx).abs() / (REGION_W + GAP) * 12.0;
            let ya = a.y + a.h;
            let yb = b.y + b.h;
            (
                format!(
                    "M{ax:.1},{ya:.1} C{ax:.1},{:.1} {bx:.1},{:.1} {bx:.1},{yb:.1}",
                    base + depth * 1.3,
                    base + depth * 1.3
                ),
                (ax + bx) / 2.0,
                base + depth,
            )
        } else {
            let (ay, by) = (a.y + a.h / 2.0, b.y + b.h / 2.0);
            (
                format!("M{ax:.1},{ay:.1} L{bx:.1},{by:.1}"),
                (ax + bx) / 2.0,
                (ay + by) / 2.0,
            )
        };
        let _ = writeln!(
            s,
            r##"<path d="{path}" fill="none" stroke="{color}" stroke-width="{width_px}"{dash}/><text x="{lx:.1}" y="{ly:.1}" text-anchor="middle" font-size="10" fill="{color}" paint-order="stroke" stroke="#ffffff" stroke-width="3">{}</text>"##,
            esc(&Picture::rtt_label(link))
        );
    }

    // Regions.
    for (r, region) in p.regions.iter().enumerate() {
        let b = &boxes[r];
        let (fill, stroke, sw, dash) = mark_style(region.mark, "#f5f9ff", "#90a4ae");
        let mut title = region.id.clone();
        if let Some(j) = &region.jurisdiction {
            title.push_str(&format!(" ({j})"));
        }
        let _ = writeln!(
            s,
            r##"<g class="region" data-id="region:{}"><rect x="{:.1}" y="{:.1}" width="{REGION_W}" height="{:.1}" rx="10" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}/><text x="{:.1}" y="{:.1}" font-size="13" font-weight="600" fill="{}">{}</text>"##,
            esc(&region.id),
            b.x,
            b.y,
            b.h,
            b.x + 10.0,
            b.y + 19.0,
            if region.mark.failed {
                "#888888"
            } else {
                "#263238"
            },
            esc(&fit(&title, REGION_W - 70.0))
        );
        if region.mark.spof {
            tag(&mut s, b.x + REGION_W - 44.0, b.y + 7.0);
        }
        let mut cy = b.y + 30.0;
        for (az_title, mark, lines) in &b.azs {
            let h = 22.0 + lines.len() as f64 * LINE + 4.0;
            let (fill, stroke, sw, dash) = mark_style(*mark, "#ffffff", "#b0bec5");
            let _ = writeln!(
                s,
                r##"<rect x="{:.1}" y="{cy:.1}" width="{:.1}" height="{h:.1}" rx="6" fill="{fill}" stroke="{stroke}" stroke-width="{sw}"{dash}/><text x="{:.1}" y="{:.1}" font-weight="600" fill="{}">{}</text>"##,
                b.x + 8.0,
                REGION_W - 16.0,
                b.x + 16.0,
                cy + 15.0,
                if mark.failed { "#888888" } else { "#455a64" },
                esc(&fit(az_title, REGION_W - 40.0))
            );
            let mut ly = cy + 32.0;
            for line in lines {
                text_line(&mut s, line, b.x + 18.0, ly, REGION_W - 36.0);
                ly += LINE;
            }
            cy += h + 8.0;
        }
        let mut ly = cy + 10.0;
        for line in &b.copies {
            text_line(&mut s, line, b.x + 12.0, ly, REGION_W - 24.0);
            ly += LINE;
        }
        s.push_str("</g>\n");
    }

    // Notes.
    let mut ny = notes_y;
    for ext in &p.externals {
        note(
            &mut s,
            &format!("external {}: {}", ext.id, ext.detail),
            ext.mark,
            ny,
        );
        ny += 20.0;
    }
    for g in &p.shared {
        note(
            &mut s,
            &format!("shared fate {}: {}", g.id, g.detail),
            g.mark,
            ny,
        );
        ny += 20.0;
    }
    for &c in &global_controls {
        for line in control_lines(p, c, true) {
            text_line(&mut s, &line, 16.0, ny, width - 32.0);
        }
        ny += 20.0;
    }
    if !p.spofs.is_empty() {
        let _ = writeln!(
            s,
            r#"<text x="16" y="{ny:.1}" fill="{RED}" font-weight="600">{}</text>"#,
            esc(&format!("Single points of failure: {}", p.spofs.join(", ")))
        );
    }
    s.push_str("</svg>\n");
    s
}

fn copy_line(p: &Picture, copy: &Copy, region: usize) -> Line {
    let store = &p.stores[copy.store];
    let source = p
        .replication
        .iter()
        .find(|e| e.store == copy.store && e.to == region && e.to_role == copy.role);
    let mut text = match (source, copy.role) {
        (Some(e), Role::Backups) => format!("{} (backups of {})", store.id, p.regions[e.from].id),
        (Some(e), _) if !store.mode.is_empty() => format!(
            "{} ({} {} {}, {})",
            store.id,
            copy.role.name(),
            // Asynchronous active-active replicates both ways.
            if e.both_ways { "\u{2194}" } else { "\u{2190}" },
            p.regions[e.from].id,
            store.mode
        ),
        _ => p.copy_label(copy),
    };
    if p.scenario.is_some() && copy.home && !matches!(copy.role, Role::Primary | Role::Single) {
        text.push_str(" \u{2605} home");
    }
    Line {
        text: format!("\u{25a4} {text}"),
        failed: copy.failed,
        strong: false,
        home: copy.home && p.scenario.is_some() && !copy.failed,
        alert: false,
    }
}

/// A control plane's lines: `⚙ control plane rds-api`, then `↳ promotion of orders-db` for each
/// action that calls it (one line each, to fit a region's box), with what the scenario did to
/// it. `inline` puts it all on one line (for the notes under the regions, which are wide).
fn control_lines(p: &Picture, c: usize, inline: bool) -> Vec<Line> {
    let plane = &p.controls[c];
    let mut texts = vec![format!("\u{2699} control plane {}", plane.id)];
    if plane.region.is_none() {
        texts[0].push_str(&format!(" ({})", plane.detail));
    }
    if plane.mark.spof {
        texts.push("single point of failure".into());
    }
    if plane.frozen {
        texts.push("down: recovery frozen".into());
    }
    texts.extend(
        p.control_uses(c)
            .into_iter()
            .map(|u| format!("\u{21b3} {u}")),
    );
    if inline {
        let head = texts.remove(0);
        texts = vec![if texts.is_empty() {
            head
        } else {
            format!("{head}: {}", texts.join(", "))
        }];
    } else {
        for t in texts.iter_mut().skip(1) {
            t.insert_str(0, "    ");
        }
    }
    texts
        .into_iter()
        .map(|text| Line {
            text,
            // A frozen plane is shown in red rather than struck through, so that it reads.
            failed: p.scenario.is_some() && plane.mark.failed && !plane.frozen,
            strong: false,
            home: false,
            alert: plane.frozen || plane.mark.spof,
        })
        .collect()
}

fn text_line(s: &mut String, line: &Line, x: f64, y: f64, max_w: f64) {
    let fill = if line.failed {
        "#9e9e9e"
    } else if line.alert {
        RED
    } else if line.home {
        "#2e7d32"
    } else {
        "#37474f"
    };
    let weight = if line.strong || line.home {
        r#" font-weight="600""#
    } else {
        ""
    };
    let deco = if line.failed {
        r#" text-decoration="line-through""#
    } else {
        ""
    };
    let _ = writeln!(
        s,
        r#"<text x="{x:.1}" y="{y:.1}" fill="{fill}"{weight}{deco}>{}</text>"#,
        esc(&fit(&line.text, max_w))
    );
}

fn note(s: &mut String, text: &str, mark: Mark, y: f64) {
    let color = if mark.failed {
        "#9e9e9e"
    } else if mark.spof {
        RED
    } else {
        "#5d4037"
    };
    let suffix = if mark.failed {
        " (failed)"
    } else if mark.spof {
        " (single point of failure)"
    } else {
        ""
    };
    let _ = writeln!(
        s,
        r#"<text x="16" y="{y:.1}" fill="{color}">{}</text>"#,
        esc(&format!("{text}{suffix}"))
    );
}

fn tag(s: &mut String, x: f64, y: f64) {
    let _ = writeln!(
        s,
        r##"<rect x="{x:.1}" y="{y:.1}" width="36" height="16" rx="3" fill="{RED}"/><text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="9" font-weight="700" fill="#ffffff">SPOF</text>"##,
        x + 18.0,
        y + 11.5
    );
}

/// Fill, stroke, stroke width and dash attribute for a mark.
fn mark_style(
    mark: Mark,
    fill: &'static str,
    stroke: &'static str,
) -> (&'static str, &'static str, f64, &'static str) {
    if mark.failed {
        ("#eeeeee", RED, 1.5, r#" stroke-dasharray="5 4""#)
    } else if mark.spof {
        (fill, RED, 3.0, "")
    } else {
        (fill, stroke, 1.2, "")
    }
}

/// Cuts text to about `max_w` pixels, with an ellipsis.
fn fit(text: &str, max_w: f64) -> String {
    let max = (max_w / CHAR_W).floor().max(4.0) as usize;
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}\u{2026}")
    }
}

/// Escapes text for XML.
pub(super) fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}
