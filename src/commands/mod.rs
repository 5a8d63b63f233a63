//! One module per subcommand. Commands are the edge: they own the output streams and turn
//! results into exit codes.

pub mod analyze;
pub mod check;
pub mod compare;
pub mod completions;
pub mod diff;
pub mod explain;
pub mod export;
pub mod graph;
pub mod import;
pub mod init;
pub mod man;
pub mod schema;
pub mod simulate;
pub mod validate;

use std::io::Write;
use std::path::Path;

use crate::cli::{GlobalArgs, OutputArgs};
use crate::diagnostic::{self, Diagnostic};
use crate::exit::Exit;
use crate::load::{ReadError, Source};
use crate::pipeline::{self, Checked};
use crate::render::Format;

/// What a command runs with: the output streams and the global options.
pub struct Context<'a> {
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
    pub out_is_terminal: bool,
    pub err_is_terminal: bool,
    pub global: &'a GlobalArgs,
    /// The files the command read, so that `--output` never replaces one of them.
    pub inputs: Vec<std::path::PathBuf>,
}

impl Context<'_> {
    /// Whether to color what goes to standard error.
    pub fn err_color(&self) -> bool {
        self.global.color.enabled(self.err_is_terminal)
    }

    /// Prints an error line on standard error and returns the exit code.
    pub fn fail(&mut self, exit: Exit, message: impl std::fmt::Display) -> Exit {
        let _ = writeln!(self.err, "error: {message}");
        exit
    }

    /// Refuses a format the command does not offer (a usage error, exit 2).
    pub fn check_format(
        &mut self,
        format: Format,
        command: &str,
        allowed: &[Format],
    ) -> Result<(), Exit> {
        format
            .check_allowed(command, allowed)
            .map_err(|m| self.fail(Exit::Invalid, m))
    }

    /// Writes the command's output to standard output or `--output`; color only for a terminal
    /// (and per `--color`). I/O errors are exit 3.
    pub fn emit(
        &mut self,
        output: &OutputArgs,
        write: impl FnOnce(&mut dyn Write, bool) -> std::io::Result<()>,
    ) -> Result<(), Exit> {
        if let Some(target) = output.output.as_deref()
            && let Ok(target) = target.canonicalize()
            && let Some(input) = self
                .inputs
                .iter()
                .find(|i| i.canonicalize().is_ok_and(|i| i == target))
        {
            let message = format!(
                "refusing to write the output over the input file {}",
                input.display()
            );
            return Err(self.fail(Exit::Invalid, message));
        }
        let color = self.global.color;
        let result = crate::output::emit(
            output.output.as_deref(),
            self.out,
            self.out_is_terminal,
            |w, tty| write(w, color.enabled(tty)),
        );
        result.map_err(|e| {
            let target = output
                .output
                .as_deref()
                .map_or("standard output".into(), |p| p.display().to_string());
            self.fail(Exit::Internal, format!("writing {target}: {e}"))
        })
    }

    /// Loads and validates a topology file, printing warnings; on failure prints the problems
    /// and returns the exit code.
    pub fn checked_file(&mut self, path: &Path) -> Result<Checked, Exit> {
        self.inputs.push(path.to_path_buf());
        let result = pipeline::check_file(path, self.global.max_file_size);
        self.report_checked(result)
    }

    /// Prints the warnings of a check, or its problems and the matching exit code.
    pub fn report_checked(&mut self, result: Result<Checked, ReadError>) -> Result<Checked, Exit> {
        let color = self.err_color();
        match result {
            Ok(checked) => {
                if !checked.warnings.is_empty() {
                    let text = render_diagnostics(&checked.warnings, &checked.source, color);
                    let _ = write!(self.err, "{text}");
                }
                Ok(checked)
            }
            Err(ReadError::Io(e)) => Err(self.fail(Exit::Internal, format!("{e:#}"))),
            Err(ReadError::Invalid(source, diagnostics)) => {
                let _ = write!(
                    self.err,
                    "{}",
                    render_diagnostics(&diagnostics, &source, color)
                );
                Err(Exit::Invalid)
            }
        }
    }

    /// Prints one diagnostic about a checked file (e.g. `nothing-serves`) and returns exit 2.
    pub fn invalid(&mut self, d: Diagnostic, source: &Source) -> Exit {
        let color = self.err_color();
        let _ = write!(self.err, "{}", render_diagnostics(&[d], source, color));
        Exit::Invalid
    }
}

/// Renders diagnostics against their source.
pub fn render_diagnostics(diagnostics: &[Diagnostic], source: &Source, color: bool) -> String {
    diagnostic::render(diagnostics, &source.name, &source.text, color)
}

/// The exit code of a gate verdict.
pub fn gate_exit(passed: bool, no_fail: bool) -> Exit {
    if passed || no_fail {
        Exit::Success
    } else {
        Exit::GateBreached
    }
}
