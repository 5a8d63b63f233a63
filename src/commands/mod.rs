//! One module per subcommand. Commands are the edge: they own the output streams and turn
//! results into exit codes.

pub mod analyze;
pub mod validate;

use std::io::Write;

use crate::cli::InputArgs;
use crate::diagnostic::{self, Diagnostic};
use crate::exit::Exit;
use crate::load::{ReadError, Source};
use crate::pipeline::{self, Checked};

/// The output streams of a command.
pub struct Io<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub out_is_terminal: bool,
    pub err_is_terminal: bool,
}

/// Loads and validates the input file, printing warnings; on failure prints the problems and
/// returns the exit code.
pub fn checked_input(input: &InputArgs, io: &mut Io) -> Result<Checked, Exit> {
    let color = input.color.enabled(io.err_is_terminal);
    match pipeline::check_file(&input.file, input.max_file_size) {
        Ok(checked) => {
            if !checked.warnings.is_empty() {
                let text = render_diagnostics(&checked.warnings, &checked.source, color);
                let _ = write!(io.err, "{text}");
            }
            Ok(checked)
        }
        Err(ReadError::Io(e)) => {
            let _ = writeln!(io.err, "error: {e:#}");
            Err(Exit::Internal)
        }
        Err(ReadError::Invalid(source, diagnostics)) => {
            let _ = write!(
                io.err,
                "{}",
                render_diagnostics(&diagnostics, &source, color)
            );
            Err(Exit::Invalid)
        }
    }
}

/// Renders diagnostics against their source, warnings-only lists without the count line's
/// "errors" alarm.
pub fn render_diagnostics(diagnostics: &[Diagnostic], source: &Source, color: bool) -> String {
    diagnostic::render(diagnostics, &source.name, &source.text, color)
}
