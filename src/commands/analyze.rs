//! `drplan analyze FILE`: evaluate every scenario (and with `--max-failures`, every
//! combination), render the report, gate on objectives.

use std::io::{Seek, Write};
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::availability::Step;
use crate::cli::AnalyzeArgs;
use crate::evaluate::Engine;
use crate::exit::Exit;
use crate::model::Class;
use crate::model::units::{Seconds, group_thousands};
use crate::pipeline::{self, AnalyzeError, Options, Progress};
use crate::render::{self, ANALYZE_FORMATS, Format, Style, json};
use crate::report::{DEFAULT_TOP, Report};
use crate::scenario::{COMPONENT_CLASSES, Plan};

use super::{Context, gate_exit};

/// Analyses estimated to take longer than this are refused without `--force`.
pub const REFUSE_AFTER: Duration = Duration::from_secs(30 * 60);

/// The JSON document's scenarios stay in memory up to this size, then go to a temporary file.
const SPOOL_IN_MEMORY: usize = 64 * 1024 * 1024;

pub fn run(args: &AnalyzeArgs, cx: &mut Context) -> Exit {
    if let Err(exit) = cx.check_format(args.format, "analyze", ANALYZE_FORMATS) {
        return exit;
    }
    if args.max_failures == 0 {
        return cx.fail(Exit::Invalid, "--max-failures must be 1 or more");
    }
    let classes = match parse_classes(args.classes.as_deref()) {
        Ok(c) => c,
        Err(m) => return cx.fail(Exit::Invalid, m),
    };
    let checked = match cx.checked_file(&args.file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let engine = Engine::new(&checked.model);
    // Problems found by evaluation are reported before any output starts.
    if let Some(d) = crate::validate::serving(&engine, &checked.loaded.positions) {
        return cx.invalid(d, &checked.source);
    }
    if let Err(message) = crate::gate::today() {
        return cx.fail(Exit::Invalid, message);
    }
    let plan = Plan::new(&engine, args.max_failures, classes.as_deref());
    let threads = args
        .threads
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    if !args.force
        && let Some(message) = too_long(&engine, &plan, args.max_failures, threads)
    {
        return cx.fail(Exit::Invalid, message);
    }
    let options = Options {
        max_failures: args.max_failures,
        classes,
        top: args.top.unwrap_or(DEFAULT_TOP),
        threads: args.threads,
        cut_order: args.cut_order.map(usize::from),
        importance: !args.no_importance,
        show_supersets: args.show_supersets,
    };
    let show_progress = cx.err_is_terminal && !args.quiet;
    let bar = progress_bar(plan.total(), show_progress);
    let started = Instant::now();
    let mut scenarios_done = false;
    let mut progress = |p: Progress| {
        if show_progress && started.elapsed() > Duration::from_secs(1) && bar.is_hidden() {
            bar.set_draw_target(ProgressDrawTarget::stderr());
        }
        match p {
            Progress::Scenarios(done) => bar.set_position(done),
            step => {
                if !std::mem::replace(&mut scenarios_done, true)
                    && let Ok(style) = ProgressStyle::with_template("{msg} ({elapsed})")
                {
                    bar.set_style(style);
                }
                bar.set_message(step_message(step));
            }
        }
    };
    let model = &checked.model;
    let source = &checked.source;
    match args.format {
        Format::Json => {
            // Scenarios are spooled as they are evaluated; the document is written once the
            // summary (which comes first) is known.
            let mut spool = tempfile::spooled_tempfile(SPOOL_IN_MEMORY);
            let mut first = true;
            let render_item = |s: &_, r: &_, core: &_| json::scenario_item(&engine, s, r, core);
            let result = pipeline::analyze_with(
                &checked,
                &engine,
                &plan,
                &options,
                Some(&render_item),
                &mut progress,
                &mut |item| {
                    spool.write_all(if first { b"\n" } else { b",\n" })?;
                    first = false;
                    spool.write_all(item)
                },
            );
            bar.finish_and_clear();
            let report = match finished(result, cx, source) {
                Ok(r) => r,
                Err(exit) => return exit,
            };
            let written = cx.emit(&args.output, |w, _| {
                spool.rewind()?;
                json::write_document(&report, &mut spool, w)
            });
            written.map_or_else(
                |exit| exit,
                |()| gate_exit(report.objectives.passed, args.no_fail),
            )
        }
        Format::Jsonl => {
            // Scenarios go straight to the output as they are evaluated, the summary last.
            let render_line = |s: &_, r: &_, core: &_| json::scenario_line(&engine, s, r, core);
            let mut outcome: Option<Result<Report, AnalyzeError<std::io::Error>>> = None;
            let written = cx.emit(&args.output, |w, _| {
                let result = pipeline::analyze_with(
                    &checked,
                    &engine,
                    &plan,
                    &options,
                    Some(&render_line),
                    &mut progress,
                    &mut |line| w.write_all(line),
                );
                let written = match &result {
                    Ok(report) => json::write_summary_line(report, w),
                    // A failed write leaves no file behind (the atomic write is abandoned).
                    Err(AnalyzeError::Stream(e)) => {
                        Err(std::io::Error::new(e.kind(), e.to_string()))
                    }
                    Err(AnalyzeError::Invalid(_)) => Ok(()),
                };
                outcome = Some(result);
                written
            });
            bar.finish_and_clear();
            match (written, outcome) {
                (Err(exit), _) => exit,
                (Ok(()), Some(result)) => match finished(result, cx, source) {
                    Ok(report) => gate_exit(report.objectives.passed, args.no_fail),
                    Err(exit) => exit,
                },
                (Ok(()), None) => cx.fail(Exit::Internal, "the analysis did not run"),
            }
        }
        format => {
            let result = pipeline::analyze_with(
                &checked,
                &engine,
                &plan,
                &options,
                None,
                &mut progress,
                &mut |_| Ok(()),
            );
            bar.finish_and_clear();
            let report = match finished(result, cx, source) {
                Ok(r) => r,
                Err(exit) => return exit,
            };
            let top = args.top;
            let written = cx.emit(&args.output, |w, color| {
                let style = Style { color };
                if format == Format::Table {
                    render::table::write_with(&report, w, style, top)
                } else {
                    // HTML draws the topology, so it takes the model too.
                    render::html::write_report(format, &report, model, w, style)
                }
            });
            written.map_or_else(
                |exit| exit,
                |()| gate_exit(report.objectives.passed, args.no_fail),
            )
        }
    }
}

/// Turns an analysis error into its exit code, printing it.
fn finished(
    result: Result<Report, AnalyzeError<std::io::Error>>,
    cx: &mut Context,
    source: &crate::load::Source,
) -> Result<Report, Exit> {
    match result {
        Ok(r) => Ok(r),
        Err(AnalyzeError::Invalid(d)) => Err(cx.invalid(*d, source)),
        Err(AnalyzeError::Stream(e)) => {
            Err(cx.fail(Exit::Internal, format!("writing the report: {e}")))
        }
    }
}

/// `--classes`: component classes only (combinations are made of components).
fn parse_classes(list: Option<&[String]>) -> Result<Option<Vec<Class>>, String> {
    let Some(list) = list else { return Ok(None) };
    let mut out = Vec::new();
    for name in list.iter().map(|s| s.trim()).filter(|s| !s.is_empty()) {
        match Class::parse(name).filter(|c| COMPONENT_CLASSES.contains(c)) {
            Some(c) if !out.contains(&c) => out.push(c),
            Some(_) => {}
            None => {
                let names: Vec<&str> = COMPONENT_CLASSES.iter().map(|c| c.name()).collect();
                return Err(format!(
                    "`{name}` is not a component class for --classes; use {}",
                    names.join(", ")
                ));
            }
        }
    }
    Ok(Some(out))
}

/// A refusal message when the plan would take longer than [`REFUSE_AFTER`], from the measured
/// cost of a sample of scenarios on this machine.
fn too_long(engine: &Engine, plan: &Plan, max_failures: usize, threads: usize) -> Option<String> {
    let total = plan.total();
    if total < 100_000 {
        return None;
    }
    let sample: Vec<_> = plan.scenarios().take(2000).collect();
    let started = Instant::now();
    for s in &sample {
        std::hint::black_box(engine.evaluate(&s.failure));
    }
    let per_scenario = started.elapsed().as_secs_f64() / sample.len().max(1) as f64;
    // Output and bookkeeping roughly double the evaluation time.
    let estimate = 2.0 * per_scenario * total as f64 / threads.max(1) as f64;
    if estimate <= REFUSE_AFTER.as_secs_f64() {
        return None;
    }
    Some(format!(
        "--max-failures {max_failures} means {} scenarios, about {} on {threads} thread{} here (over the {} limit); narrow it with --classes (for example --classes region,az), a smaller --max-failures, or run it anyway with --force",
        group_thousands(total),
        Seconds(estimate),
        if threads == 1 { "" } else { "s" },
        Seconds(REFUSE_AFTER.as_secs_f64()),
    ))
}

/// What the progress line says after the scenarios.
fn step_message(step: Progress) -> String {
    match step {
        Progress::Scenarios(done) => format!("{done} scenarios"),
        Progress::Availability(Step::Exact) => "availability: the exact figures".into(),
        Progress::Availability(Step::SplitStates) => {
            "availability: the states where the network splits, one by one".into()
        }
        Progress::Availability(Step::Importance(done, of)) if of > 0 => {
            format!("availability: importance, {done} of {of} runs")
        }
        Progress::Availability(Step::Importance(..)) => "availability: importance".into(),
        Progress::Availability(Step::Islands) => {
            "availability: the parts of a split network that can serve".into()
        }
        Progress::Availability(Step::Interval) => {
            "availability: a proven interval from the most probable states".into()
        }
        Progress::CutSets => "minimal cut sets".into(),
    }
}

/// A progress bar on standard error, hidden until the work has run for a second, and never
/// shown when standard error is not a terminal or with `--quiet`.
fn progress_bar(total: u64, enabled: bool) -> ProgressBar {
    if !enabled {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
    if let Ok(style) = ProgressStyle::with_template(
        "{bar:40} {human_pos}/{human_len} scenarios, {per_sec}, ETA {eta}",
    ) {
        bar.set_style(style);
    }
    bar
}
