//! `drplan validate FILE`: every problem in the file, located; exit 2 when there is an error.

use crate::cli::ValidateArgs;
use crate::exit::Exit;
use crate::pipeline;

use super::{Io, checked_input, render_diagnostics};

pub fn run(args: &ValidateArgs, io: &mut Io) -> Exit {
    let checked = match checked_input(&args.input, io) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    // Nothing serving with every component up is a validation error too (MODEL.md §1).
    if let Err(d) = pipeline::analyze_serving(&checked) {
        let color = args.input.color.enabled(io.err_is_terminal);
        let _ = write!(
            io.err,
            "{}",
            render_diagnostics(&[d], &checked.source, color)
        );
        return Exit::Invalid;
    }
    let m = &checked.model;
    let _ = writeln!(
        io.out,
        "{}: valid ({} regions, {} AZs, {} links, {} services, {} datastores, {} user groups)",
        checked.source.name,
        m.regions.len(),
        m.azs.len(),
        m.links.len(),
        m.services.len(),
        m.datastores.len(),
        m.users.len()
    );
    Exit::Success
}
