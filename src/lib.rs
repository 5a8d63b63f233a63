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
pub mod compare;
pub mod cost;
pub mod diagnostic;
pub mod diff;
pub mod evaluate;
pub mod exit;
pub mod export;
pub mod gate;
pub mod generate;
pub mod geo;
pub mod git;
pub mod graph;
pub mod import;
pub mod load;
pub mod model;
pub mod output;
pub mod pipeline;
pub mod render;
pub mod report;
pub mod scenario;
pub mod schema;
pub mod simulate;
pub mod sweep;
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
    let mut cx = commands::Context {
        out_is_terminal: stdout.is_terminal(),
        err_is_terminal: stderr.is_terminal(),
        out: &mut stdout.lock(),
        err: &mut stderr.lock(),
        global: &cli.global,
        inputs: Vec::new(),
    };
    let exit = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        dispatch(&cli.command, &mut cx)
    }));
    match exit {
        Ok(exit) => exit,
        Err(_) => cx.fail(
            Exit::Internal,
            "drplan hit an internal error (a bug); please report it with the input file",
        ),
    }
}

fn dispatch(command: &Command, cx: &mut commands::Context) -> Exit {
    match command {
        Command::Analyze(args) => commands::analyze::run(args, cx),
        Command::Validate(args) => commands::validate::run(args, cx),
        Command::Check(args) => commands::check::run(args, cx),
        Command::Diff(args) => commands::diff::run(args, cx),
        Command::Compare(args) => commands::compare::run(args, cx),
        Command::Init(args) => commands::init::run(args, cx),
        Command::Schema(args) => commands::schema::run(args, cx),
        Command::Graph(args) => commands::graph::run(args, cx),
        Command::Explain(args) => commands::explain::run(args, cx),
        Command::Completions(args) => commands::completions::run(args, cx),
        Command::Man(args) => commands::man::run(args, cx),
        Command::Generate(args) => generate::run(args, cx),
        Command::Simulate(args) => commands::simulate::run(args, cx),
        Command::Export(args) => commands::export::run(args, cx),
        Command::Import(args) => commands::import::run(args, cx),
    }
}
