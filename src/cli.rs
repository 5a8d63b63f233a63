//! The command line, declared with clap.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::load::DEFAULT_MAX_FILE_BYTES;
use crate::render::Format;

/// drplan: disaster-recovery planning for multi-region architectures.
///
/// Describe regions, zones, links, routing, services and datastores in one YAML file; drplan
/// evaluates every failure scenario (RTO, RPO, DNS exposure, user impact, latency, residency,
/// cost) and the exact availability, and gates changes against your objectives.
#[derive(Debug, Parser)]
#[command(name = "drplan", version, about, long_about = None, after_help = EXIT_CODES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 success or gate passed, 1 gate breached, 2 usage or invalid input, 3 internal or I/O error.";

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate every failure scenario of a topology and report, with the gate verdict.
    #[command(
        after_help = "Examples:\n  drplan analyze topologies/active-passive.yaml\n  drplan analyze topology.yaml --format json > report.json\n\nExit codes: 0 objectives passed (or none set), 1 an objective breached, 2 invalid file or usage, 3 I/O or internal error."
    )]
    Analyze(AnalyzeArgs),
    /// Check a topology file and report every problem in it, with its line and column.
    #[command(
        after_help = "Examples:\n  drplan validate topology.yaml\n\nExit codes: 0 valid (warnings allowed), 2 invalid file or usage, 3 I/O or internal error."
    )]
    Validate(ValidateArgs),
}

#[derive(Debug, Args)]
pub struct InputArgs {
    /// The topology file (YAML).
    pub file: PathBuf,
    /// Refuse files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_BYTES)]
    pub max_file_size: u64,
    /// When to color output.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    #[command(flatten)]
    pub input: InputArgs,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    /// Exit 0 even when an objective is breached.
    #[arg(long)]
    pub no_fail: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,
}

/// `--color`: `auto` colors a terminal unless `NO_COLOR` is set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    /// Whether to color a stream, given whether it is a terminal.
    pub fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => {
                is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
            }
        }
    }
}
