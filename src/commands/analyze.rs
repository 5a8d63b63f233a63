//! `drplan analyze FILE`: evaluate every scenario, render the report, gate on objectives.

use crate::cli::AnalyzeArgs;
use crate::exit::Exit;
use crate::pipeline;
use crate::render::{self, ANALYZE_FORMATS, Style};

use super::{Context, gate_exit};

pub fn run(args: &AnalyzeArgs, cx: &mut Context) -> Exit {
    if let Err(exit) = cx.check_format(args.format, "analyze", ANALYZE_FORMATS) {
        return exit;
    }
    let checked = match cx.checked_file(&args.file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let report = match pipeline::analyze(&checked) {
        Ok(r) => r,
        Err(d) => return cx.invalid(*d, &checked.source),
    };
    let format = args.format;
    if let Err(exit) = cx.emit(&args.output, |w, color| {
        render::html::write_report(format, &report, &checked.model, w, Style { color })
    }) {
        return exit;
    }
    gate_exit(report.objectives.passed, args.no_fail)
}
