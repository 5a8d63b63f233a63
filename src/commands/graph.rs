//! `drplan graph FILE [--format dot|mermaid] [--scenario ID]`: the topology as a picture.

use crate::cli::{GraphArgs, GraphFormat};
use crate::evaluate::Engine;
use crate::exit::Exit;
use crate::render::topology::{self, Picture};
use crate::render::{dot, mermaid};

use super::Context;

/// Loads the file, resolves `--scenario`, and prints the picture in `--format`.
pub fn run(args: &GraphArgs, cx: &mut Context) -> Exit {
    let checked = match cx.checked_file(&args.file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let engine = Engine::new(&checked.model);
    let scenario = match &args.scenario {
        None => None,
        Some(id) => match topology::find_scenario(&engine, id) {
            Some(s) => Some(s),
            None => {
                let known: Vec<String> = crate::scenario::standard(&engine)
                    .into_iter()
                    .map(|s| s.id)
                    .collect();
                return cx.fail(
                    Exit::Invalid,
                    format!(
                        "no scenario `{id}` in {}; use a scenario id ({}) or component ids joined by `+`",
                        checked.source.name,
                        known.join(", ")
                    ),
                );
            }
        },
    };
    let picture = Picture::new(&engine, scenario.as_ref());
    let text = match args.format {
        GraphFormat::Dot => dot::render(&picture),
        GraphFormat::Mermaid => mermaid::render(&picture),
    };
    match cx.emit(&args.output, |w, _color| w.write_all(text.as_bytes())) {
        Ok(()) => Exit::Success,
        Err(exit) => exit,
    }
}
