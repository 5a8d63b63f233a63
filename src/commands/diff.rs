//! `drplan diff BASE HEAD`: what changed between two versions of a topology, each a file or
//! `REV:PATH` read through git, and HEAD's gate verdict. Exit 1 when HEAD breaches an objective
//! (or, with `--fail-on-regression`, when a gated figure got worse).

use std::path::Path;

use crate::cli::DiffArgs;
use crate::diff;
use crate::exit::Exit;
use crate::git;
use crate::pipeline::{self, Checked};
use crate::render::{self, Style};

use super::Context;
use super::check::warn_stale_waivers;

/// Runs `diff`: read both sides (files or git), analyze both, write the diff, exit per HEAD.
pub fn run(args: &DiffArgs, cx: &mut Context) -> Exit {
    if !args.terraform.is_empty() {
        return super::import::diff_terraform(args, cx);
    }
    if let Err(exit) = cx.check_format(args.format, "diff", render::diff::FORMATS) {
        return exit;
    }
    let (Some(base_arg), Some(head_arg)) = (args.base.as_deref(), args.head.as_deref()) else {
        return cx.fail(
            Exit::Invalid,
            "diff needs BASE and HEAD, or --terraform PLAN.json",
        );
    };
    // Both sides are read before giving up, so that every problem is printed at once.
    let (base, head) = match (load(cx, base_arg), load(cx, head_arg)) {
        (Ok(b), Ok(h)) => (b, h),
        (b, h) => return worst(b.err(), h.err()),
    };
    let base_report = match pipeline::analyze(&base) {
        Ok(r) => r,
        Err(d) => return cx.invalid(*d, &base.source),
    };
    let head_report = match pipeline::analyze(&head) {
        Ok(r) => r,
        Err(d) => return cx.invalid(*d, &head.source),
    };
    warn_stale_waivers(cx, &head_report.objectives);
    let d = diff::compare(
        &base_report,
        &head_report,
        base_arg,
        head_arg,
        args.fail_on_regression,
    );
    let format = args.format;
    if let Err(exit) = cx.emit(&args.output, |w, color| {
        render::diff::write(format, &d, w, Style { color })
    }) {
        return exit;
    }
    if d.passed || args.no_fail {
        Exit::Success
    } else {
        Exit::GateBreached
    }
}

/// Reads one side: a file, or `REV:PATH` through git when no such file exists.
pub fn load(cx: &mut Context, arg: &str) -> Result<Checked, Exit> {
    if git::is_spec(arg) {
        let result = git::read(arg, cx.global.max_file_size)
            .and_then(|source| pipeline::check_source(source, &git::stem(arg)));
        cx.report_checked(result)
    } else {
        cx.checked_file(Path::new(arg))
    }
}

/// The exit code when some inputs failed: an I/O error (3) outranks an invalid file (2).
pub fn worst(a: Option<Exit>, b: Option<Exit>) -> Exit {
    [a, b]
        .into_iter()
        .flatten()
        .max_by_key(|e| *e as u8)
        .unwrap_or(Exit::Internal)
}
