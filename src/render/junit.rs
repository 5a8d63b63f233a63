//! JUnit XML for CI test reports (Jenkins, GitLab, Azure DevOps, GitHub test-report actions).
//!
//! One `<testsuite>` per objective, one `<testcase>` per gated scenario it is checked in (and
//! one named `overall` for a figure of the whole topology). A breach is a `<failure>`, a waived
//! breach is `<skipped>`, and stale waivers are skipped cases in a `waivers` suite. The output
//! validates against the Jenkins xunit-plugin `junit-10.xsd` (vendored in `tests/schemas/`).

use std::io::{self, Write};

use super::describe::{self, file_line};
use crate::gate::{Breach, Verdict, Waived};
use crate::report::Report;

/// One test case as written.
struct Case {
    name: String,
    /// `<failure>` or `<skipped>` with its message and body, or nothing for a pass.
    outcome: Option<(&'static str, String, String)>,
}

struct Suite {
    name: String,
    cases: Vec<Case>,
}

impl Suite {
    fn count(&self, element: &str) -> usize {
        self.cases
            .iter()
            .filter(|c| c.outcome.as_ref().is_some_and(|o| o.0 == element))
            .count()
    }
}

/// The JUnit report of the gate; deterministic (no timestamps or durations).
pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    let v = &report.objectives;
    let suites = suites(v);
    let tests: usize = suites.iter().map(|s| s.cases.len()).sum();
    let failures: usize = suites.iter().map(|s| s.count("failure")).sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="{}" tests="{tests}" failures="{failures}" errors="0">"#,
        escape(&format!("drplan objectives of {}", report.topology))
    )?;
    for suite in &suites {
        writeln!(
            out,
            r#"  <testsuite name="{}" tests="{}" failures="{}" errors="0" skipped="{}" file="{}">"#,
            escape(&suite.name),
            suite.cases.len(),
            suite.count("failure"),
            suite.count("skipped"),
            escape(&v.file)
        )?;
        for case in &suite.cases {
            let head = format!(
                r#"    <testcase name="{}" classname="{}""#,
                escape(&case.name),
                escape(&format!("drplan.{}", suite.name))
            );
            match &case.outcome {
                None => writeln!(out, "{head}/>")?,
                Some((element, message, body)) => {
                    writeln!(out, "{head}>")?;
                    writeln!(
                        out,
                        r#"      <{element} message="{}" type="{}">{}</{element}>"#,
                        escape(message),
                        escape(&suite.name),
                        escape_text(body)
                    )?;
                    writeln!(out, "    </testcase>")?;
                }
            }
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

fn suites(v: &Verdict) -> Vec<Suite> {
    if !v.has_objectives {
        return vec![Suite {
            name: "objectives".into(),
            cases: vec![Case {
                name: "no objectives set".into(),
                outcome: None,
            }],
        }];
    }
    let mut suites: Vec<Suite> = v
        .checked
        .iter()
        .map(|c| {
            let mut names: Vec<Option<&str>> = Vec::new();
            if c.overall {
                names.push(None);
            }
            names.extend(c.scenarios.iter().map(|s| Some(s.as_str())));
            Suite {
                name: c.objective.to_string(),
                cases: names
                    .into_iter()
                    .map(|scenario| case(v, c.objective, scenario))
                    .collect(),
            }
        })
        .collect();
    if !v.stale_waivers.is_empty() {
        suites.push(Suite {
            name: "waivers".into(),
            cases: v
                .stale_waivers
                .iter()
                .map(|w| Case {
                    name: w.path.clone(),
                    outcome: Some((
                        "skipped",
                        format!("stale: {}", describe::stale_sentence(w)),
                        file_line(&v.file, w.location),
                    )),
                })
                .collect(),
        });
    }
    suites
}

/// The test case of one objective in one scenario (`None`: overall).
fn case(v: &Verdict, objective: &str, scenario: Option<&str>) -> Case {
    let is = |b: &Breach| b.objective == objective && b.scenario.as_deref() == scenario;
    let name = scenario.unwrap_or("overall").to_string();
    if let Some(b) = v.breaches.iter().find(|b| is(b)) {
        let body = format!(
            "{}\nobjective at {}",
            describe::breach_message(b),
            file_line(&v.file, b.location)
        );
        return Case {
            name,
            outcome: Some(("failure", describe::breach_message(b), body)),
        };
    }
    if let Some(Waived { breach, waiver }) = v.waived.iter().find(|w| is(&w.breach)) {
        let message = format!(
            "waived {}: {}",
            describe::waiver_expiry(waiver),
            waiver.reason
        );
        let body = format!(
            "{}\nwaiver at {}",
            describe::breach_message(breach),
            file_line(&v.file, waiver.location)
        );
        return Case {
            name,
            outcome: Some(("skipped", message, body)),
        };
    }
    Case {
        name,
        outcome: None,
    }
}

/// Escapes text for an XML attribute (line breaks kept as references).
fn escape(text: &str) -> String {
    escape_text(text).replace('\n', "&#10;")
}

/// Escapes text for element content.
fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // Characters XML 1.0 does not allow at all.
            c if (c as u32) < 0x20 && !matches!(c, '\t' | '\n' | '\r') => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}
