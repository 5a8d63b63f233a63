//! Writes a [`FaultTree`] as an Open-PSA Model Exchange Format document (the input of SCRAM and
//! other fault-tree tools): one fault tree holding the gates, top event first, and the basic
//! events with their probabilities in `model-data`.

use std::io::{self, Write};

use super::circuit::{Lit, Op};
use super::fault_tree::FaultTree;

/// Sizes of a written tree.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sizes {
    pub basic_events: usize,
    pub gates: usize,
}

/// Writes the document. Only the gates the top event depends on are written; every component
/// is a basic event, used or not, so the file lists them all.
pub fn write(tree: &FaultTree, w: &mut dyn Write) -> io::Result<Sizes> {
    let c = &tree.circuit;
    let (gates, _) = c.reachable(tree.top);
    let sizes = Sizes {
        basic_events: c.events.len(),
        gates: gates.iter().filter(|g| **g).count(),
    };
    let top_name = match tree.top {
        Lit::Gate { index, .. } => c.gates[index as usize].name.as_str(),
        _ => "down",
    };
    writeln!(w, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(w, "<!--")?;
    writeln!(
        w,
        "  drplan export: the fault tree of topology {}, in the Open-PSA Model Exchange Format.",
        comment(&tree.name)
    )?;
    writeln!(
        w,
        "  Top event `{top_name}`: the service is down (MODEL.md section 3): routing failed or no"
    )?;
    writeln!(
        w,
        "  region serves. One basic event per component (true = failed, probability ="
    )?;
    writeln!(
        w,
        "  1 - availability); each label names the drplan component or condition. {} basic",
        sizes.basic_events
    )?;
    writeln!(
        w,
        "  events, {} gates. SCRAM quantifies it exactly (docs/scram.md).",
        sizes.gates
    )?;
    writeln!(w, "-->")?;
    writeln!(w, "<opsa-mef>")?;
    writeln!(
        w,
        r#"  <define-fault-tree name="{}">"#,
        super::circuit::sanitize(&tree.name)
    )?;
    // Top first, then the gates it uses, each after the gates that use it.
    for (i, gate) in c.gates.iter().enumerate().rev() {
        if !gates[i] {
            continue;
        }
        writeln!(w, r#"    <define-gate name="{}">"#, gate.name)?;
        writeln!(w, "      <label>{}</label>", escape(&gate.label))?;
        match gate.op {
            Op::Same => {
                for a in &gate.args {
                    write_lit(tree, *a, 6, w)?;
                }
            }
            Op::And | Op::Or | Op::AtLeast(_) => {
                let open = match gate.op {
                    Op::And => "<and>".to_string(),
                    Op::Or => "<or>".to_string(),
                    Op::AtLeast(k) => format!(r#"<atleast min="{k}">"#),
                    Op::Same => String::new(),
                };
                let close = match gate.op {
                    Op::And => "</and>",
                    Op::Or => "</or>",
                    _ => "</atleast>",
                };
                writeln!(w, "      {open}")?;
                for a in &gate.args {
                    write_lit(tree, *a, 8, w)?;
                }
                writeln!(w, "      {close}")?;
            }
        }
        writeln!(w, "    </define-gate>")?;
    }
    writeln!(w, "  </define-fault-tree>")?;
    writeln!(w, "  <model-data>")?;
    for e in &c.events {
        writeln!(w, r#"    <define-basic-event name="{}">"#, e.name)?;
        writeln!(w, "      <label>{}</label>", escape(&e.label))?;
        writeln!(w, r#"      <float value="{:e}"/>"#, e.probability)?;
        writeln!(w, "    </define-basic-event>")?;
    }
    writeln!(w, "  </model-data>")?;
    writeln!(w, "</opsa-mef>")?;
    Ok(sizes)
}

fn write_lit(tree: &FaultTree, lit: Lit, indent: usize, w: &mut dyn Write) -> io::Result<()> {
    let c = &tree.circuit;
    let pad = " ".repeat(indent);
    let (element, negated) = match lit {
        Lit::True => (r#"<constant value="true"/>"#.to_string(), false),
        Lit::False => (r#"<constant value="false"/>"#.to_string(), false),
        Lit::Event { index, negated } => (
            format!(r#"<basic-event name="{}"/>"#, c.events[index as usize].name),
            negated,
        ),
        Lit::Gate { index, negated } => (
            format!(r#"<gate name="{}"/>"#, c.gates[index as usize].name),
            negated,
        ),
    };
    if negated {
        writeln!(w, "{pad}<not>{element}</not>")
    } else {
        writeln!(w, "{pad}{element}")
    }
}

/// Escapes text for XML element content and attributes.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text safe inside an XML comment (no `--`, no control characters).
fn comment(text: &str) -> String {
    escape(text).replace("--", "- -")
}
