//! `drplan compare A.yaml B.yaml ...`: architectures side by side, metrics as rows, the best of
//! each row marked. No gate: exit 0, or 2 / 3 when a file is invalid or unreadable.

use crate::cli::CompareArgs;
use crate::compare;
use crate::exit::Exit;
use crate::pipeline;
use crate::render::html::Topology;
use crate::render::{self, Format, Style};

use super::Context;

/// Runs `compare`: read and analyze every file, write the comparison, exit 0.
pub fn run(args: &CompareArgs, cx: &mut Context) -> Exit {
    if let Err(exit) = cx.check_format(args.format, "compare", render::compare::FORMATS) {
        return exit;
    }
    // Every file is read before giving up, so that every problem is printed at once.
    let loaded: Vec<_> = args.files.iter().map(|f| cx.checked_file(f)).collect();
    if let Some(exit) = loaded
        .iter()
        .filter_map(|r| r.as_ref().err())
        .max_by_key(|e| **e as u8)
    {
        return *exit;
    }
    let checked: Vec<_> = loaded.into_iter().flatten().collect();
    let mut reports = Vec::new();
    for (file, checked) in args.files.iter().zip(&checked) {
        match pipeline::analyze(checked) {
            Ok(r) => reports.push((file.display().to_string(), r)),
            Err(d) => return cx.invalid(*d, &checked.source),
        }
    }
    let comparison = compare::compare(&reports);
    let format = args.format;
    if let Err(exit) = cx.emit(&args.output, |w, color| {
        if format == Format::Html {
            // The HTML page draws each architecture, so it takes the models too.
            let topologies: Vec<Topology> =
                checked.iter().map(|c| Topology::new(&c.model)).collect();
            let architectures: Vec<_> = reports
                .iter()
                .map(|(_, r)| r)
                .zip(topologies.iter().map(Some))
                .collect();
            render::html::write_comparison(&comparison, &architectures, w)
        } else {
            render::compare::write(format, &comparison, w, Style { color })
        }
    }) {
        return exit;
    }
    Exit::Success
}
