//! `drplan export FILE --format open-psa`: the topology's "down" condition as a fault tree.

use crate::exit::Exit;
use crate::export::{self, ExportArgs, ExportFormat};

use super::Context;

/// Loads and validates the file like `analyze` (invalid files exit 2 with their diagnostics)
/// and writes the fault tree to standard output or `--output`.
pub fn run(args: &ExportArgs, cx: &mut Context) -> Exit {
    let checked = match cx.checked_file(&args.file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let engine = crate::evaluate::Engine::new(&checked.model);
    if let Some(d) = crate::validate::serving(&engine, &checked.loaded.positions) {
        return cx.invalid(d, &checked.source);
    }
    if let Some(why) = export::unsupported(&checked.model) {
        return cx.fail(Exit::Invalid, why);
    }
    let written = match args.format {
        ExportFormat::OpenPsa => cx.emit(&args.output, |w, _color| {
            export::open_psa(&checked.model, w).map(|_| ())
        }),
    };
    match written {
        Ok(()) => Exit::Success,
        Err(exit) => exit,
    }
}
