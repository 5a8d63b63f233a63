//! Stage 7: renderers. Each writes a report to a `&mut dyn Write`; the core never prints.

mod json;
mod table;

use std::io::{self, Write};

use clap::ValueEnum;

use crate::report::Report;

/// Output formats of `analyze`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Tables for a terminal.
    Table,
    /// A JSON document (schema_version 1, described in the README).
    Json,
}

/// How to style terminal output.
#[derive(Clone, Copy, Debug, Default)]
pub struct Style {
    pub color: bool,
}

impl Format {
    /// Writes the report in this format.
    pub fn write(self, report: &Report, out: &mut dyn Write, style: Style) -> io::Result<()> {
        match self {
            Format::Table => table::write(report, out, style),
            Format::Json => json::write(report, out),
        }
    }
}
