//! `drplan import terraform PLAN.json`: a topology from a Terraform plan; and the
//! `diff --terraform` path of `drplan diff`, which imports both sides of a plan (or two plans)
//! and diffs them as `diff` diffs two files.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};
use serde_json::Value;

use super::Context;
use super::check::warn_stale_waivers;
use crate::cli::{DiffArgs, OutputArgs};
use crate::diagnostic::{self, Diagnostic};
use crate::diff;
use crate::exit::Exit;
use crate::import::terraform::{self, Imported, Options, Side};
use crate::load::Source;
use crate::pipeline::{self, Checked};
use crate::render::{self, Format, Style};

/// Plans larger than this are refused unless `--max-plan-size` raises it.
pub const DEFAULT_MAX_PLAN_BYTES: u64 = 512 * 1024 * 1024;

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// Write a topology from a Terraform plan in JSON (`terraform show -json plan.out`).
    #[command(
        after_help = "Examples:\n  terraform show -json plan.out > plan.json\n  drplan import terraform plan.json --overlay drplan-overlay.yaml -o topology.yaml\n\nThe overlay is a topology fragment merged on top: maps merge key by key, any other value (a scalar, a list) replaces the imported one, null deletes the key.\n\nExit codes: 0 written and valid, 2 unreadable plan, invalid overlay or a topology that still misses keys (it is written all the same, each missing key marked FILL IN), 3 I/O or internal error."
    )]
    Terraform(ImportTerraformArgs),
}

/// Options shared by `import terraform` and `diff --terraform`.
#[derive(Debug, Args)]
pub struct ImportOptions {
    /// A topology fragment merged on top of the import (users, demand, capacities,
    /// availabilities, objectives): its keys win.
    #[arg(long, value_name = "FILE")]
    pub overlay: Option<PathBuf>,
    /// The region of resources whose provider sets none (what AWS_REGION was when planning).
    #[arg(long, value_name = "REGION")]
    pub default_region: Option<String>,
    /// Refuse plan files larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = DEFAULT_MAX_PLAN_BYTES)]
    pub max_plan_size: u64,
}

#[derive(Debug, Args)]
pub struct ImportTerraformArgs {
    /// The plan JSON (`terraform show -json plan.out > plan.json`).
    pub plan: PathBuf,
    /// Which side of the plan: the infrastructure after it is applied, or before.
    #[arg(long, value_enum, default_value_t = Side::After)]
    pub side: Side,
    #[command(flatten)]
    pub import: ImportOptions,
    #[command(flatten)]
    pub output: OutputArgs,
}

pub fn run(command: &ImportCommand, cx: &mut Context) -> Exit {
    match command {
        ImportCommand::Terraform(args) => terraform_command(args, cx),
    }
}

fn terraform_command(args: &ImportTerraformArgs, cx: &mut Context) -> Exit {
    let overlay = match read_overlay(cx, &args.import) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let imported = match import_side(cx, &args.plan, args.side, &args.import, overlay.as_ref()) {
        Ok(i) => i,
        Err(e) => return e,
    };
    if let Err(e) = cx.emit(&args.output, |w, _| w.write_all(imported.text.as_bytes())) {
        return e;
    }
    let name = args
        .output
        .output
        .as_ref()
        .map_or("(imported topology)".to_string(), |p| {
            p.display().to_string()
        });
    let source = Source {
        name,
        text: imported.text.clone(),
    };
    let stem = stem(&args.plan);
    let checked = pipeline::check_source(source, &stem).and_then(|c| {
        pipeline::analyze_serving(&c)
            .map(|()| c.source.clone())
            .map_err(|d| crate::load::ReadError::Invalid(c.source.clone(), vec![*d]))
            .map(|_| c)
    });
    match checked {
        Ok(c) => {
            let color = cx.err_color();
            if !c.warnings.is_empty() {
                let _ = write!(
                    cx.err,
                    "{}",
                    super::render_diagnostics(&c.warnings, &c.source, color)
                );
            }
            Exit::Success
        }
        Err(crate::load::ReadError::Invalid(source, diagnostics)) => {
            let color = cx.err_color();
            let source = if source.text.is_empty() {
                Source {
                    name: source.name,
                    text: imported.text.clone(),
                }
            } else {
                source
            };
            let _ = write!(
                cx.err,
                "{}",
                super::render_diagnostics(&diagnostics, &source, color)
            );
            if !imported.missing.is_empty() {
                let _ = writeln!(
                    cx.err,
                    "error: the imported topology misses {} key(s) a plan cannot give (each marked FILL IN in the output): {}\n  supply them with --overlay FILE (see `drplan import terraform --help`)",
                    imported.missing.len(),
                    imported
                        .missing
                        .iter()
                        .map(|(p, _)| p.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                );
            }
            Exit::Invalid
        }
        Err(crate::load::ReadError::Io(e)) => cx.fail(Exit::Internal, format!("{e:#}")),
    }
}

fn stem(path: &Path) -> String {
    path.file_stem()
        .map_or_else(|| "terraform".into(), |s| s.to_string_lossy().into_owned())
}

fn read_overlay(cx: &mut Context, opts: &ImportOptions) -> Result<Option<Value>, Exit> {
    let Some(path) = &opts.overlay else {
        return Ok(None);
    };
    cx.inputs.push(path.clone());
    let source = match crate::load::read(path, cx.global.max_file_size) {
        Ok(s) => s,
        Err(crate::load::ReadError::Io(e)) => return Err(cx.fail(Exit::Internal, format!("{e:#}"))),
        Err(crate::load::ReadError::Invalid(source, d)) => {
            let color = cx.err_color();
            let _ = write!(cx.err, "{}", super::render_diagnostics(&d, &source, color));
            return Err(Exit::Invalid);
        }
    };
    terraform::parse_overlay(&source.text)
        .map(Some)
        .map_err(|d| {
            let color = cx.err_color();
            let _ = write!(cx.err, "{}", super::render_diagnostics(&d, &source, color));
            Exit::Invalid
        })
}

/// Reads a plan file and imports one side, printing the import's warnings; a plan that cannot
/// be read is exit 2 with a message (3 for I/O).
fn import_side(
    cx: &mut Context,
    path: &Path,
    side: Side,
    opts: &ImportOptions,
    overlay: Option<&Value>,
) -> Result<Imported, Exit> {
    cx.inputs.push(path.to_path_buf());
    let name = path.display().to_string();
    let bytes = match read_limited(path, opts.max_plan_size) {
        Ok(b) => b,
        Err(e) => return Err(cx.fail(Exit::Internal, format!("reading {name}: {e}"))),
    };
    if bytes.len() as u64 > opts.max_plan_size {
        return Err(cx.fail(
            Exit::Invalid,
            format!(
                "{name}: the plan is larger than the limit of {} bytes (raise it with --max-plan-size)",
                opts.max_plan_size
            ),
        ));
    }
    let options = Options {
        side,
        default_region: opts.default_region.clone(),
        source_name: name.clone(),
        name: stem(path),
    };
    match terraform::import(&bytes, overlay, &options) {
        Ok(imported) => {
            print_plan_diagnostics(cx, &name, &imported.warnings);
            Ok(imported)
        }
        Err(d) => {
            print_plan_diagnostics(cx, &name, &[d]);
            Err(Exit::Invalid)
        }
    }
}

fn read_limited(path: &Path, max: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read as _;
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(max.saturating_add(1))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Plan diagnostics are located by resource address or JSON path (the `at` line), not by line.
fn print_plan_diagnostics(cx: &mut Context, name: &str, diagnostics: &[Diagnostic]) {
    if diagnostics.is_empty() {
        return;
    }
    let color = cx.err_color();
    let mut sorted = diagnostics.to_vec();
    diagnostic::sort(&mut sorted);
    let _ = write!(cx.err, "{}", diagnostic::render(&sorted, name, "", color));
}

/// `drplan diff --terraform PLAN.json`: BASE is the plan's before side, HEAD its after side;
/// with two plans, the first plan's after side is BASE and the second's is HEAD.
pub fn diff_terraform(args: &DiffArgs, cx: &mut Context) -> Exit {
    let allowed = [
        Format::Table,
        Format::Json,
        Format::Markdown,
        Format::Github,
        Format::Sarif,
    ];
    if let Err(exit) = cx.check_format(args.format, "diff --terraform", &allowed) {
        return exit;
    }
    if args.terraform.len() > 2 {
        return cx.fail(
            Exit::Invalid,
            "--terraform takes one plan (before vs after) or two (base, head)",
        );
    }
    let overlay = match read_overlay(cx, &args.import) {
        Ok(o) => o,
        Err(e) => return e,
    };
    let (base_path, base_side, head_path) = match args.terraform.as_slice() {
        [one] => (one.clone(), Side::Before, one.clone()),
        [a, b] => (a.clone(), Side::After, b.clone()),
        _ => return cx.fail(Exit::Invalid, "--terraform needs a plan"),
    };
    let base = import_side(cx, &base_path, base_side, &args.import, overlay.as_ref());
    let head = import_side(cx, &head_path, Side::After, &args.import, overlay.as_ref());
    let (base, head) = match (base, head) {
        (Ok(b), Ok(h)) => (b, h),
        (b, h) => return super::diff::worst(b.err(), h.err()),
    };
    if base.resources == 0 {
        return cx.fail(
            Exit::Invalid,
            format!(
                "{}: the plan only creates resources, so there is no before side to compare; give the base branch's plan first: --terraform BASE.json --terraform HEAD.json",
                base_path.display()
            ),
        );
    }
    let side_name = |p: &Path, side: &str| format!("{}#{side}", p.display());
    let base_name = if args.terraform.len() == 1 {
        side_name(&base_path, "before")
    } else {
        base_path.display().to_string()
    };
    let head_name = if args.terraform.len() == 1 {
        side_name(&head_path, "after")
    } else {
        head_path.display().to_string()
    };
    let stem = stem(&head_path);
    let base_checked = check(cx, &base, &base_name, &stem);
    let head_checked = check(cx, &head, &head_name, &stem);
    let (base_checked, head_checked) = match (base_checked, head_checked) {
        (Ok(b), Ok(h)) => (b, h),
        (b, h) => return super::diff::worst(b.err(), h.err()),
    };
    let base_report = match pipeline::analyze(&base_checked) {
        Ok(r) => r,
        Err(d) => return cx.invalid(*d, &base_checked.source),
    };
    let head_report = match pipeline::analyze(&head_checked) {
        Ok(r) => r,
        Err(d) => return cx.invalid(*d, &head_checked.source),
    };
    warn_stale_waivers(cx, &head_report.objectives);
    let d = diff::compare(
        &base_report,
        &head_report,
        &base_name,
        &head_name,
        args.fail_on_regression,
    );
    let changed = changed_resources(&base, &head);
    let format = args.format;
    let plan_name = head_path.display().to_string();
    let result = cx.emit(&args.output, |w, color| {
        render::diff::write_terraform(format, &d, &changed, &plan_name, w, Style { color })
    });
    if let Err(exit) = result {
        return exit;
    }
    if d.passed || args.no_fail {
        Exit::Success
    } else {
        Exit::GateBreached
    }
}

fn check(cx: &mut Context, imported: &Imported, name: &str, stem: &str) -> Result<Checked, Exit> {
    let source = Source {
        // Lines in findings are lines of the imported topology, not of the plan.
        name: format!("{name} (imported topology)"),
        text: imported.text.clone(),
    };
    let result = pipeline::check_source(source, stem);
    cx.report_checked(result)
}

/// The DR-relevant resources the plan changes: those behind a topology item whose values
/// differ between the sides, or that exist on one side only.
pub fn changed_resources(base: &Imported, head: &Imported) -> Vec<String> {
    let mut relevant: Vec<&String> = Vec::new();
    for list in base.origins.values().chain(head.origins.values()) {
        for a in list {
            if !relevant.contains(&a) {
                relevant.push(a);
            }
        }
    }
    relevant
        .into_iter()
        .filter(|a| base.fingerprints.get(*a) != head.fingerprints.get(*a))
        .cloned()
        .collect()
}
