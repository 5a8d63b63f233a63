//! Stage 7: renderers. Each writes to a `&mut dyn Write`; the core never prints.
//!
//! One [`Format`] enum covers every command; each command accepts the formats that make sense
//! for it (see [`Format::check_allowed`]).

pub mod check;
pub mod compare;
pub mod describe;
pub mod diff;
pub mod dot;
pub mod explain;
pub(crate) mod github;
pub mod html;
mod html_tables;
mod html_timeline;
pub mod json;
mod junit;
pub mod labels;
pub mod markdown;
pub mod mermaid;
mod sarif;
pub mod simulate;
pub mod svg;
pub mod table;
mod terminal;
pub mod topology;

use std::io::{self, Write};

use clap::ValueEnum;

use crate::report::Report;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for a terminal.
    Table,
    /// A JSON document (schema_version 1, described in the README).
    Json,
    /// JSON lines: one scenario per line, then a summary line (for very many scenarios).
    Jsonl,
    /// GitHub-flavoured markdown, for a pull-request comment.
    Markdown,
    /// JUnit XML, for CI test reports.
    Junit,
    /// SARIF 2.1.0, for code-scanning annotations.
    Sarif,
    /// GitHub Actions workflow commands (`::error file=...`), for inline annotations.
    Github,
    /// A self-contained HTML report.
    Html,
}

/// How to style terminal output.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Json => "json",
            Format::Jsonl => "jsonl",
            Format::Markdown => "markdown",
            Format::Junit => "junit",
            Format::Sarif => "sarif",
            Format::Github => "github",
            Format::Html => "html",
        }
    }

    /// An error message when `command` does not offer this format.
    pub fn check_allowed(self, command: &str, allowed: &[Format]) -> Result<(), String> {
        if allowed.contains(&self) {
            return Ok(());
        }
        let names: Vec<&str> = allowed.iter().map(|f| f.name()).collect();
        Err(format!(
            "`{command}` cannot write `--format {}`; use one of: {}",
            self.name(),
            names.join(", ")
        ))
    }
}

/// The formats `analyze` writes.
pub const ANALYZE_FORMATS: &[Format] = &[
    Format::Table,
    Format::Json,
    Format::Jsonl,
    Format::Markdown,
    Format::Junit,
    Format::Sarif,
    Format::Github,
    Format::Html,
];

/// Writes an analysis report in a format `analyze` offers.
pub fn write_report(
    format: Format,
    report: &Report,
    out: &mut dyn Write,
    style: Style,
) -> io::Result<()> {
    match format {
        Format::Table => table::write(report, out, style),
        Format::Json => json::write(report, out),
        Format::Html => html::write(report, None, out),
        Format::Markdown => markdown::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        other => Err(io::Error::other(format!(
            "the `{}` format is not available yet",
            other.name()
        ))),
    }
}
