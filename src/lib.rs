//! drplan: disaster-recovery planning for multi-region architectures.
//!
//! The pipeline, one module per stage:
//! `load` (YAML -> raw structs) -> `validate` (-> typed `model`) -> `graph` (petgraph) ->
//! `scenario` (what fails) -> `evaluate` (one scenario, MODEL.md §3-§4) -> `availability` (§5)
//! and `cost` (§6) -> `gate` (§7) -> `report` (§8) -> `render` (table, json).
//! `pipeline` strings the stages together; `commands` are the CLI edge that prints.

#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod availability;
pub mod cli;
pub mod commands;
pub mod cost;
pub mod diagnostic;
pub mod evaluate;
pub mod exit;
pub mod gate;
pub mod geo;
pub mod graph;
pub mod load;
pub mod model;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod scenario;
pub mod validate;

use std::io::IsTerminal;

use clap::Parser;

use cli::{Cli, Command};
use exit::Exit;

/// Runs drplan with the process arguments and standard streams; returns the exit code.
pub fn run() -> Exit {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                Exit::Invalid
            } else {
                Exit::Success
            };
        }
    };
    let stdout = std::io::stdout();
    let stderr = std::io::stderr();
    let mut io = commands::Io {
        out_is_terminal: stdout.is_terminal(),
        err_is_terminal: stderr.is_terminal(),
        out: &mut stdout.lock(),
        err: &mut stderr.lock(),
    };
    let exit = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| dispatch(&cli, &mut io)));
    match exit {
        Ok(exit) => exit,
        Err(_) => {
            let _ = writeln!(
                io.err,
                "error: drplan hit an internal error (a bug); please report it with the input file"
            );
            Exit::Internal
        }
    }
}

fn dispatch(cli: &Cli, io: &mut commands::Io) -> Exit {
    match &cli.command {
        Command::Analyze(args) => commands::analyze::run(args, io),
        Command::Validate(args) => commands::validate::run(args, io),
    }
}
