//! The command line, declared with clap. Every subcommand's arguments live here; each command's
//! behaviour lives in `commands/<name>.rs`.

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
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

const EXIT_CODES: &str = "Exit codes: 0 success or gate passed, 1 gate breached, 2 usage or invalid input, 3 internal or I/O error.";

/// Options every command takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// When to color output (`auto`: when writing to a terminal and NO_COLOR is not set).
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true)]
    pub color: ColorChoice,
    /// Refuse topology files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_FILE_BYTES, global = true)]
    pub max_file_size: u64,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Evaluate every failure scenario of a topology and report, with the gate verdict.
    #[command(
        after_help = "Examples:\n  drplan analyze topologies/active-passive.yaml\n  drplan analyze topology.yaml --format json > report.json\n  drplan analyze topology.yaml --max-failures 2 --classes region,az --top 20\n\nExit codes: 0 objectives passed (or none set), 1 an objective breached, 2 invalid file or usage, 3 I/O or internal error."
    )]
    Analyze(AnalyzeArgs),
    /// Check a topology file and report every problem in it, with its line and column.
    #[command(
        after_help = "Examples:\n  drplan validate topology.yaml\n\nExit codes: 0 valid (warnings allowed), 2 invalid file or usage, 3 I/O or internal error."
    )]
    Validate(ValidateArgs),
    /// Print only the gate verdict and each breached objective.
    #[command(
        after_help = "Examples:\n  drplan check topology.yaml\n  drplan check topology.yaml --format github\n\nExit codes: 0 objectives passed (or none set), 1 an objective breached, 2 invalid file or usage, 3 I/O or internal error."
    )]
    Check(CheckArgs),
    /// Compare two versions of a topology: what got better or worse.
    #[command(
        after_help = "Examples:\n  drplan diff origin/main:infra/topology.yaml infra/topology.yaml --format markdown\n  drplan diff old.yaml new.yaml --fail-on-regression\n\nExit codes: 0 HEAD passes its gate (and nothing regressed with --fail-on-regression), 1 otherwise, 2 invalid file or usage, 3 I/O or internal error."
    )]
    Diff(DiffArgs),
    /// Several architectures side by side, metrics as rows.
    #[command(
        after_help = "Examples:\n  drplan compare topologies/single-region.yaml topologies/multi-az.yaml topologies/active-passive.yaml\n\nExit codes: 0 success, 2 invalid file or usage, 3 I/O or internal error."
    )]
    Compare(CompareArgs),
    /// Write a commented starter topology.
    #[command(
        after_help = "Examples:\n  drplan init\n  drplan init --pattern active-passive infra/topology.yaml\n\nExit codes: 0 written, 2 usage error or the file exists (without --force), 3 I/O error."
    )]
    Init(InitArgs),
    /// Print the JSON Schema of the topology format, for editors.
    #[command(
        after_help = "Examples:\n  drplan schema > drplan.schema.json\n\nExit codes: 0 success, 3 I/O error."
    )]
    Schema(SchemaArgs),
    /// Draw the topology as a Graphviz DOT or Mermaid graph.
    #[command(
        after_help = "Examples:\n  drplan graph topology.yaml | dot -Tsvg > topology.svg\n  drplan graph topology.yaml --format mermaid --scenario region:us-east\n\nExit codes: 0 success, 2 invalid file, unknown scenario or usage, 3 I/O error."
    )]
    Graph(GraphArgs),
    /// Explain one scenario: its RTO term by term, the store that gave its RPO, and each user
    /// group before and after.
    #[command(
        after_help = "Examples:\n  drplan explain topologies/active-passive.yaml region:us-east\n  drplan explain topology.yaml corruption:orders-db\n  drplan explain topology.yaml az:use1-az1+az:use1-az2\n\nExit codes: 0 success, 2 invalid file, unknown scenario or usage, 3 I/O error."
    )]
    Explain(ExplainArgs),
    /// Print shell completions.
    #[command(
        after_help = "Examples:\n  drplan completions bash > /etc/bash_completion.d/drplan\n\nExit codes: 0 success, 2 usage error."
    )]
    Completions(CompletionsArgs),
    /// Print the man page (roff).
    #[command(
        after_help = "Examples:\n  drplan man > drplan.1\n\nExit codes: 0 success, 3 I/O error."
    )]
    Man(ManArgs),
    /// Generate a synthetic topology (for benchmarks and tests).
    #[command(
        after_help = "Examples:\n  drplan generate --regions 30 --azs 3 --links nearest:4 > estate.yaml\n\nExit codes: 0 success, 2 usage error."
    )]
    Generate(crate::generate::GenerateArgs),
    /// Simulate years of failures and repairs: the distribution of annual downtime.
    #[command(
        after_help = "Examples:\n  drplan simulate topologies/active-passive.yaml --years 100000 --seed 1\n  drplan simulate topology.yaml --format json > simulation.json\n\nExit codes: 0 success, 2 invalid file or usage, 3 I/O or internal error."
    )]
    Simulate(crate::commands::simulate::SimulateArgs),
    /// Write the topology's "down" condition as a fault tree (Open-PSA MEF, for SCRAM).
    #[command(
        after_help = "Examples:\n  drplan export topology.yaml --format open-psa -o topology.xml\n  scram --probability true -l 1 topology.xml\n\nExit codes: 0 success, 2 invalid file or usage, 3 I/O or internal error."
    )]
    Export(crate::export::ExportArgs),
    /// Write a topology from another tool's description of the infrastructure.
    #[command(subcommand)]
    Import(crate::commands::import::ImportCommand),
}

/// Where a command's output goes.
#[derive(Debug, Args)]
pub struct OutputArgs {
    /// Write the output to this file (atomically: a temporary file renamed into place) instead
    /// of standard output.
    #[arg(long, short, value_name = "PATH")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct AnalyzeArgs {
    /// The topology file (YAML).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Exit 0 even when an objective is breached.
    #[arg(long)]
    pub no_fail: bool,
    /// Also evaluate every combination of up to K failed components (class `combo`).
    #[arg(long, value_name = "K", default_value_t = 1)]
    pub max_failures: usize,
    /// Only these component classes may fail in combinations (comma-separated: region, az,
    /// link, routing, shared, external, control).
    #[arg(long, value_delimiter = ',', value_name = "CLASSES")]
    pub classes: Option<Vec<String>>,
    /// Show only the N worst scenarios in the table (JSON keeps all).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// Rank combinations that contain a single point of failure with the others (by default
    /// they come after the combinations that are new).
    #[arg(long)]
    pub show_supersets: bool,
    /// Worker threads for evaluation (default: all cores).
    #[arg(long, value_name = "N")]
    pub threads: Option<usize>,
    /// No progress bar.
    #[arg(long, short)]
    pub quiet: bool,
    /// Evaluate even a combination count that would take very long.
    #[arg(long)]
    pub force: bool,
    /// Find minimal cut sets of up to K components (default: 3, or 2 when there are more
    /// than 250,000 triples).
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u8).range(1..=4))]
    pub cut_order: Option<u8>,
    /// Skip the importance measures (above 22 components they take two more exact runs per
    /// component).
    #[arg(long)]
    pub no_importance: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The topology file (YAML).
    pub file: PathBuf,
    /// More topology files, each checked in turn (as a pre-commit hook passes them); the exit
    /// code is the worst of all.
    pub more: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The topology file (YAML).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Exit 0 even when an objective is breached.
    #[arg(long)]
    pub no_fail: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old topology: a file, or `REV:PATH` read through git (`origin/main:infra/topology.yaml`).
    #[arg(required_unless_present = "terraform")]
    pub base: Option<String>,
    /// The new topology: a file, or `REV:PATH`.
    #[arg(required_unless_present = "terraform")]
    pub head: Option<String>,
    /// Compare the two sides of a Terraform plan (`terraform show -json`) instead: before vs
    /// after. Given twice, the first plan's result is BASE and the second's is HEAD.
    #[arg(long, value_name = "PLAN.json", conflicts_with_all = ["base", "head"], num_args = 1, action = clap::ArgAction::Append)]
    pub terraform: Vec<PathBuf>,
    #[command(flatten)]
    pub import: crate::commands::import::ImportOptions,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub output: OutputArgs,
    /// Also fail (exit 1) when any gated figure got worse.
    #[arg(long)]
    pub fail_on_regression: bool,
    /// Exit 0 even when HEAD breaches an objective or regresses.
    #[arg(long)]
    pub no_fail: bool,
}

#[derive(Debug, Args)]
pub struct CompareArgs {
    /// Two or more topology files.
    #[arg(required = true, num_args = 2..)]
    pub files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = Format::Table)]
    pub format: Format,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Starter topology patterns for `init`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Pattern {
    SingleRegion,
    MultiAz,
    ActivePassive,
    ActiveActive,
    Anycast,
    Consensus,
    /// A warm standby whose recovery needs no control plane in the failed region, with staged
    /// deploys (MODEL.md §10 and §11).
    StaticStability,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The starting pattern.
    #[arg(long, value_enum, default_value_t = Pattern::ActivePassive)]
    pub pattern: Pattern,
    /// Where to write the topology.
    #[arg(default_value = "topology.yaml")]
    pub path: PathBuf,
    /// Overwrite an existing file.
    #[arg(long)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Output formats of `graph`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum GraphFormat {
    /// Graphviz DOT (render with `dot -Tsvg`).
    Dot,
    /// Mermaid flowchart (renders in GitHub markdown).
    Mermaid,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    /// The topology file (YAML).
    pub file: PathBuf,
    /// Output format.
    #[arg(long, short, value_enum, default_value_t = GraphFormat::Dot)]
    pub format: GraphFormat,
    /// Show the topology after this scenario (a scenario id, e.g. `region:us-east`).
    #[arg(long, value_name = "ID")]
    pub scenario: Option<String>,
    #[command(flatten)]
    pub output: OutputArgs,
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The topology file (YAML).
    pub file: PathBuf,
    /// The scenario: an id as `analyze` lists it (`region:us-east`, `corruption:orders-db`,
    /// `change:web-deploy`, a custom scenario's name) or component ids joined by `+`.
    pub scenario: String,
    #[command(flatten)]
    pub output: OutputArgs,
}

/// Shells for `completions`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Shell {
    Bash,
    Zsh,
    Fish,
    Powershell,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: Shell,
}

#[derive(Debug, Args)]
pub struct ManArgs {
    #[command(flatten)]
    pub output: OutputArgs,
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
