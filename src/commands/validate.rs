//! `drplan validate FILE...`: every problem in each file, located; exit 2 when there is an error.

use crate::cli::ValidateArgs;
use crate::exit::Exit;
use crate::pipeline;

use super::Context;

pub fn run(args: &ValidateArgs, cx: &mut Context) -> Exit {
    let mut worst = Exit::Success;
    for file in std::iter::once(&args.file).chain(&args.more) {
        let exit = one(file, cx);
        if exit as u8 > worst as u8 {
            worst = exit;
        }
    }
    worst
}

fn one(file: &std::path::Path, cx: &mut Context) -> Exit {
    let checked = match cx.checked_file(file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    // Nothing serving with every component up is a validation error too (MODEL.md §1).
    if let Err(d) = pipeline::analyze_serving(&checked) {
        return cx.invalid(*d, &checked.source);
    }
    let m = &checked.model;
    let counts = [
        (m.regions.len(), "region"),
        (m.azs.len(), "AZ"),
        (m.links.len(), "link"),
        (m.services.len(), "service"),
        (m.datastores.len(), "datastore"),
        (m.users.len(), "user group"),
    ]
    .map(|(n, what)| format!("{n} {what}{}", if n == 1 { "" } else { "s" }));
    let _ = writeln!(
        cx.out,
        "{}: valid ({})",
        checked.source.name,
        counts.join(", ")
    );
    Exit::Success
}
