//! `drplan schema`: the JSON Schema of the topology format, for editors (YAML language server).

use crate::cli::SchemaArgs;
use crate::exit::Exit;

use super::Context;

/// Prints the schema, or writes it to `--output`.
pub fn run(args: &SchemaArgs, cx: &mut Context) -> Exit {
    let schema = crate::schema::topology();
    let emitted = cx.emit(&args.output, |w, _color| {
        serde_json::to_writer_pretty(&mut *w, &schema)?;
        writeln!(w)
    });
    match emitted {
        Ok(()) => Exit::Success,
        Err(exit) => exit,
    }
}
