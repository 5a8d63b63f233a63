//! `drplan simulate FILE`: Monte Carlo over simulated years (see `crate::simulate`), with the
//! analytic figure beside the estimate.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::cli::OutputArgs;
use crate::evaluate::Engine;
use crate::exit::Exit;
use crate::render::simulate::{FORMATS, View};
use crate::render::{Format, Style};
use crate::simulate::{self, Settings};

use super::Context;

#[derive(Debug, Args)]
pub struct SimulateArgs {
    /// The topology file (YAML).
    pub file: PathBuf,
    /// Years to simulate (each an independent year from the stationary state).
    #[arg(long, value_name = "N", default_value_t = 100_000)]
    pub years: u64,
    /// Seed of the random streams: the same seed gives the same output.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub seed: u64,
    /// Output format: `table` or `json`.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Worker threads (default: all cores); the output is the same for any number.
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
}

pub fn run(args: &SimulateArgs, cx: &mut Context) -> Exit {
    if let Err(exit) = cx.check_format(args.format, "simulate", FORMATS) {
        return exit;
    }
    let settings = Settings {
        years: args.years,
        seed: args.seed,
        threads: args.threads,
    };
    if let Err(e) = settings.check() {
        return cx.fail(Exit::Invalid, e);
    }
    if args.threads == Some(0) {
        return cx.fail(Exit::Invalid, "--threads must be 1 or more");
    }
    let checked = match cx.checked_file(&args.file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let engine = Engine::new(&checked.model);
    if let Some(d) = crate::validate::serving(&engine, &checked.loaded.positions) {
        return cx.invalid(d, &checked.source);
    }
    let enabled = cx.err_is_terminal && !args.quiet;
    let bar = progress_bar(args.years, enabled);
    let started = Instant::now();
    let mut progress = |years: u64| {
        if enabled && bar.is_hidden() && started.elapsed() > Duration::from_secs(1) {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        bar.set_position(years);
    };
    let simulation = simulate::simulate(&engine, &settings, &mut progress);
    bar.finish_and_clear();
    let simulation = match simulation {
        Ok(s) => s,
        Err(e) => return cx.fail(Exit::Invalid, e),
    };
    let exact = simulate::analytic(&engine);
    let view = View {
        topology: &checked.model.name,
        simulation: &simulation,
        analytic: exact.as_ref().map_err(String::as_str),
    };
    let format = args.format;
    match cx.emit(&args.output, |w, color| {
        crate::render::simulate::write(format, &view, w, Style { color })
    }) {
        Ok(()) => Exit::Success,
        Err(exit) => exit,
    }
}

/// A progress bar on standard error, drawn once the run has taken a second; never drawn when
/// standard error is not a terminal or with `--quiet`.
fn progress_bar(years: u64, enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(years), ProgressDrawTarget::hidden());
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {human_pos}/{human_len} years, {per_sec}, ETA {eta}")
    {
        bar.set_style(style);
    }
    bar
}
