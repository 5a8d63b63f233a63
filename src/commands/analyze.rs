//! `drplan analyze FILE`: evaluate every scenario, render the report, gate on objectives.

use crate::cli::AnalyzeArgs;
use crate::exit::Exit;
use crate::pipeline;
use crate::render::Style;

use super::{Io, checked_input, render_diagnostics};

pub fn run(args: &AnalyzeArgs, io: &mut Io) -> Exit {
    let checked = match checked_input(&args.input, io) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let report = match pipeline::analyze(&checked) {
        Ok(r) => r,
        Err(d) => {
            let color = args.input.color.enabled(io.err_is_terminal);
            let _ = write!(
                io.err,
                "{}",
                render_diagnostics(&[*d], &checked.source, color)
            );
            return Exit::Invalid;
        }
    };
    let style = Style {
        color: args.input.color.enabled(io.out_is_terminal),
    };
    if let Err(e) = args
        .format
        .write(&report, io.out, style)
        .and_then(|()| io.out.flush())
    {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return Exit::Success;
        }
        let _ = writeln!(io.err, "error: writing the report: {e}");
        return Exit::Internal;
    }
    if report.objectives.passed || args.no_fail {
        Exit::Success
    } else {
        Exit::GateBreached
    }
}
