//! The JSON renderer: the report's serde form, pretty-printed, byte-for-byte deterministic.

use std::io::{self, Write};

use crate::report::Report;

pub fn write(report: &Report, out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, report)?;
    writeln!(out)
}
