//! SARIF 2.1.0 for code-scanning annotations (GitHub code scanning, GitLab, Azure DevOps).
//!
//! One rule per objective plus `waiver`; one result per breach, pointing at the line of its
//! objective in the topology file. A waived breach is a result with an in-source suppression
//! (the waiver, with its reason), so viewers show it as accepted; a stale waiver is a warning at
//! the waiver's line. The output validates against the OASIS SARIF 2.1.0 JSON schema (vendored
//! in `tests/schemas/`).

use std::io::{self, Write};

use serde_json::{Value, json};

use super::describe;
use crate::diagnostic::Location;
use crate::gate::{Breach, OBJECTIVE_ORDER, Verdict, WaiverNote};
use crate::report::Report;

/// The rule of stale and expired waivers.
const WAIVER_RULE: &str = "waiver";

/// The SARIF log of the gate: one run, rules for every objective, results at their lines.
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let v = &report.objectives;
    let mut results: Vec<Value> = Vec::new();
    for b in &v.breaches {
        let mut r = result(v, b);
        if let Some(w) = &b.expired_waiver {
            r["relatedLocations"] = json!([related(v, w, 1)]);
        }
        results.push(r);
    }
    for w in &v.waived {
        let mut r = result(v, &w.breach);
        r["suppressions"] = json!([{
            "kind": "inSource",
            "status": "accepted",
            "justification": format!("{} ({})", w.waiver.reason, describe::waiver_expiry(&w.waiver)),
            "location": location(&v.file, w.waiver.location),
        }]);
        results.push(r);
    }
    for w in &v.stale_waivers {
        results.push(json!({
            "ruleId": WAIVER_RULE,
            "ruleIndex": OBJECTIVE_ORDER.len(),
            "level": "warning",
            "message": { "text": describe::stale_sentence(w) },
            "locations": [location(&v.file, w.location)],
            "partialFingerprints": { "drplanWaiver/v1": format!("stale:{}", describe::waiver_target(w)) },
        }));
    }
    let properties = json!({
        "topology": report.topology,
        "passed": v.passed,
        "hasObjectives": v.has_objectives,
    });
    write_log(rules(), results, properties, out)
}

/// Writes a SARIF 2.1.0 log of one drplan run: its rules, results and run properties.
fn write_log(
    rules: Vec<Value>,
    results: Vec<Value>,
    properties: Value,
    out: &mut dyn Write,
) -> io::Result<()> {
    let doc = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "drplan",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
            "properties": properties,
        }],
    });
    serde_json::to_writer_pretty(&mut *out, &doc)?;
    writeln!(out)
}

fn rules() -> Vec<Value> {
    let mut rules: Vec<Value> = OBJECTIVE_ORDER
        .iter()
        .map(|o| {
            json!({
                "id": o,
                "name": rule_name(o),
                "shortDescription": { "text": format!("Objective `{o}`: {}", describe::objective_title(o)) },
                "fullDescription": { "text": rule_help(o) },
                "help": { "text": rule_help(o) },
                "defaultConfiguration": { "level": "error" },
            })
        })
        .collect();
    rules.push(json!({
        "id": WAIVER_RULE,
        "name": "Waiver",
        "shortDescription": { "text": "A waiver that matches no breach, or that has expired" },
        "fullDescription": { "text": "objectives.waivers accepts a known breach until its expiry date. A waiver that matches no breach is stale; an expired waiver no longer accepts its breach." },
        "defaultConfiguration": { "level": "warning" },
    }));
    rules
}

/// `max_dns_exposure` -> `MaxDnsExposure` (SARIF rule names are identifiers).
fn rule_name(objective: &str) -> String {
    objective
        .split('_')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
        })
        .collect()
}

fn rule_help(objective: &str) -> &'static str {
    match objective {
        "availability" => {
            "Breached when the effective availability (MODEL.md §5) is below the limit."
        }
        "survive" => {
            "Breached when a gated scenario (of a class listed in `survive`, or a custom one) is down."
        }
        "rto" => {
            "Breached when a gated scenario's recovery time exceeds the limit; unbounded exceeds everything."
        }
        "rpo" => {
            "Breached when a gated scenario's data loss exceeds the limit; unbounded exceeds everything."
        }
        "max_dns_exposure" => {
            "Breached when a gated scenario leaves cached DNS answers pointing at a dead region longer than the limit."
        }
        "max_monthly_cost" => "Breached when the monthly cost exceeds the limit.",
        "max_rtt" => {
            "Breached when the worst user round trip with nothing failed exceeds the limit."
        }
        "max_request_rtt" => {
            "Breached when the worst request time with nothing failed exceeds the limit."
        }
        "residency" => {
            "Breached when users are served or their data is stored outside their residency, with nothing failed or in a gated scenario."
        }
        "min_served" => {
            "Breached when a gated scenario serves a smaller fraction of requests than the limit after recovery (every tier's capacity counts, MODEL.md §12)."
        }
        "static_stability" => {
            "Breached when a gated scenario's recovery needs a control plane that is down in it (MODEL.md §10): a promotion, restore, scale-up or routing shift that cannot happen."
        }
        "max_blast_radius" => {
            "Breached when a bad change (MODEL.md §11) fails requests of a larger share of users than the limit."
        }
        "max_change_downtime" => {
            "Breached when bad changes cost more downtime a year than the limit (MODEL.md §11.6)."
        }
        _ => "An objective of the CI gate.",
    }
}

fn result(v: &Verdict, b: &Breach) -> Value {
    let index = OBJECTIVE_ORDER
        .iter()
        .position(|o| *o == b.objective)
        .unwrap_or(0);
    json!({
        "ruleId": b.objective,
        "ruleIndex": index,
        "level": "error",
        "message": { "text": describe::breach_message(b) },
        "locations": [location(&v.file, b.location)],
        "partialFingerprints": {
            "drplanBreach/v1": format!("{}:{}", b.objective, b.scenario.as_deref().unwrap_or("")),
        },
        "properties": {
            "objective": b.objective,
            "scenario": b.scenario,
            "limit": b.limit,
            "actual": b.actual,
        },
    })
}

fn related(v: &Verdict, w: &WaiverNote, id: usize) -> Value {
    let mut l = location(&v.file, w.location);
    l["id"] = json!(id);
    l["message"] = json!({ "text": describe::expired_sentence(w) });
    l
}

fn location(file: &str, at: Option<Location>) -> Value {
    let artifact = json!({ "uri": uri(file) });
    match at {
        Some(l) => json!({ "physicalLocation": {
            "artifactLocation": artifact,
            "region": { "startLine": l.line, "startColumn": l.column.max(1) },
        }}),
        None => json!({ "physicalLocation": { "artifactLocation": artifact } }),
    }
}

/// A file name as a URI reference: forward slashes, percent-encoded where needed; an absolute
/// path becomes a `file://` URI.
fn uri(file: &str) -> String {
    let path = file.replace('\\', "/");
    let mut out = String::new();
    for b in path.bytes() {
        match b {
            b'A'..=b'Z'
            | b'a'..=b'z'
            | b'0'..=b'9'
            | b'-'
            | b'.'
            | b'_'
            | b'~'
            | b'/'
            | b'+'
            | b'@' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    if out.starts_with('/') {
        format!("file://{out}")
    } else {
        out
    }
}

/// `diff --terraform`: one result per breach of HEAD, located in the plan file and, logically, at each
/// changed resource address (a plan carries no .tf file or line).
pub fn write_terraform_diff(
    d: &crate::diff::Diff,
    changed: &[String],
    plan: &str,
    w: &mut dyn Write,
) -> io::Result<()> {
    let mut rules: Vec<&str> = Vec::new();
    for b in &d.verdict.breaches {
        if !rules.contains(&b.objective) {
            rules.push(b.objective);
        }
    }
    let logical: Vec<Value> = changed
        .iter()
        .map(|a| json!({ "fullyQualifiedName": a, "kind": "resource" }))
        .collect();
    let results: Vec<Value> = d
        .verdict
        .breaches
        .iter()
        .map(|b| {
            json!({
                "ruleId": b.objective,
                "ruleIndex": rules.iter().position(|r| *r == b.objective).unwrap_or(0),
                "level": "error",
                "message": { "text": format!(
                    "{}; changed: {}",
                    describe::breach_message(b),
                    if changed.is_empty() { "no DR-relevant resource".to_string() } else { changed.join(", ") }
                ) },
                "locations": [{
                    "physicalLocation": { "artifactLocation": { "uri": plan.replace('\\', "/") } },
                    "logicalLocations": logical,
                }],
            })
        })
        .collect();
    let rules = rules
        .iter()
        .map(|r| {
            json!({
                "id": r,
                "shortDescription": { "text": format!("drplan objective {r}") },
            })
        })
        .collect();
    let properties = json!({ "passed": d.passed, "changedResources": changed });
    write_log(rules, results, properties, w)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(uri("infra/topology.yaml"), "infra/topology.yaml");
        assert_eq!(uri("my dir/a:b.yaml"), "my%20dir/a%3Ab.yaml");
        assert_eq!(uri("/tmp/x.yaml"), "file:///tmp/x.yaml");
        assert_eq!(rule_name("max_dns_exposure"), "MaxDnsExposure");
    }
}
