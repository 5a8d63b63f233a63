//! The stages in order, as the commands use them:
//! load -> validate -> graph -> scenarios -> sweep (evaluate each) -> availability -> cost ->
//! gate -> report.

use std::path::Path;

use crate::availability::{self, cutsets};
use crate::cost;
use crate::diagnostic::Diagnostic;
use crate::evaluate::{Engine, Failure, Outcome, ScenarioResult};
use crate::gate;
use crate::load::{self, Loaded, ReadError, Source};
use crate::model::{Class, Model};
use crate::report::{Collector, Parts, Report};
use crate::scenario::{Plan, Scenario};
use crate::sweep;
use crate::validate;

/// A file that loaded and validated, with its warnings.
pub struct Checked {
    pub source: Source,
    pub loaded: Loaded,
    pub model: Model,
    pub warnings: Vec<Diagnostic>,
}

/// Reads, parses and validates a topology file.
pub fn check_file(path: &Path, max_bytes: u64) -> Result<Checked, ReadError> {
    let source = load::read(path, max_bytes)?;
    let stem = path
        .file_stem()
        .map_or_else(|| "topology".into(), |s| s.to_string_lossy().into_owned());
    check_source(source, &stem)
}

/// Parses and validates text already in memory (tests, fuzzing, git revisions).
pub fn check_source(source: Source, default_name: &str) -> Result<Checked, ReadError> {
    let loaded = match load::parse(&source) {
        Ok(loaded) => loaded,
        Err(diagnostics) => return Err(ReadError::Invalid(source, diagnostics)),
    };
    let validated = validate::validate(&loaded, default_name);
    match validated.model {
        Some(model) => Ok(Checked {
            source,
            loaded,
            model,
            warnings: validated.diagnostics,
        }),
        None => Err(ReadError::Invalid(source, validated.diagnostics)),
    }
}

/// Checks that something serves with every component up (a validation rule that needs an
/// evaluation).
pub fn analyze_serving(checked: &Checked) -> Result<(), Box<Diagnostic>> {
    let engine = Engine::new(&checked.model);
    validate::serving(&engine, &checked.loaded.positions).map_or(Ok(()), |d| Err(Box::new(d)))
}

/// How much to analyze.
#[derive(Clone, Debug)]
pub struct Options {
    /// Evaluate every combination of up to this many components (1: singles only).
    pub max_failures: usize,
    /// The component classes that may fail in combinations (`None`: all).
    pub classes: Option<Vec<Class>>,
    /// How many of the worst combinations the report keeps.
    pub top: usize,
    /// Evaluation threads (`None`: all cores).
    pub threads: Option<usize>,
    /// Minimal cut sets up to this many components (`None`: automatic, see
    /// `availability::cutsets::auto_order`).
    pub cut_order: Option<usize>,
    /// Compute the importance measures (they cost 2n more runs above 22 components).
    pub importance: bool,
    /// Rank combinations containing a single point of failure with the others, rather than
    /// after them.
    pub show_supersets: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            max_failures: 1,
            classes: None,
            top: crate::report::DEFAULT_TOP,
            threads: None,
            cut_order: None,
            importance: true,
            show_supersets: false,
        }
    }
}

/// Why an analysis stopped.
#[derive(Debug)]
pub enum AnalyzeError<E> {
    /// A problem in the file found by evaluation (`nothing-serves`) or in the environment
    /// (`DRPLAN_TODAY`): exit 2.
    Invalid(Box<Diagnostic>),
    /// The stream of rendered scenarios failed (writing the output): exit 3.
    Stream(E),
}

/// Analyzes a validated topology with the default options.
pub fn analyze(checked: &Checked) -> Result<Report, Box<Diagnostic>> {
    let engine = Engine::new(&checked.model);
    let plan = Plan::new(&engine, 1, None);
    let mut no_stream = |_: &[u8]| Ok::<(), std::convert::Infallible>(());
    let options = Options::default();
    match analyze_with(
        checked,
        &engine,
        &plan,
        &options,
        None,
        &mut |_| {},
        &mut no_stream,
    ) {
        Ok(report) => Ok(report),
        Err(AnalyzeError::Invalid(d)) => Err(d),
        Err(AnalyzeError::Stream(never)) => match never {},
    }
}

/// Whether each component alone takes the service down (index as in `Engine::components`).
pub fn single_down(engine: &Engine) -> Vec<bool> {
    (0..engine.components().len())
        .map(|i| {
            let failure = Failure {
                components: vec![i],
                corrupted: Vec::new(),
                change: None,
            };
            engine.core(&failure).outcome == Outcome::Down
        })
        .collect()
}

/// How far [`analyze_with`] has got, for a progress display (always reported in the calling
/// thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Scenarios evaluated so far, of `Plan::total`.
    Scenarios(u64),
    /// The availability figures, at this step.
    Availability(availability::Step),
    /// The minimal cut sets.
    CutSets,
}

/// The whole analysis: sweep every scenario of `plan` (streaming each to `stream`, rendered by
/// `render` when given), then availability, cost, the gate and the report.
pub fn analyze_with<E>(
    checked: &Checked,
    engine: &Engine,
    plan: &Plan,
    options: &Options,
    render: Option<sweep::RenderFn>,
    progress: &mut dyn FnMut(Progress),
    stream: &mut dyn FnMut(&[u8]) -> Result<(), E>,
) -> Result<Report, AnalyzeError<E>> {
    if let Some(d) = validate::serving(engine, &checked.loaded.positions) {
        return Err(AnalyzeError::Invalid(Box::new(d)));
    }
    let today = gate::today()
        .map_err(|m| AnalyzeError::Invalid(Box::new(Diagnostic::error("invalid-date", "", m))))?;
    let pool = sweep::pool(options.threads);
    let mut collector = Collector::new(engine, options.top, single_down(engine));
    collector.show_supersets(options.show_supersets);
    let scenarios = &mut |done| progress(Progress::Scenarios(done));
    sweep::sweep(engine, plan, pool.as_ref(), render, scenarios, &mut |e| {
        collector.add(&e);
        if e.rendered.is_empty() {
            Ok(())
        } else {
            stream(&e.rendered)
        }
    })
    .map_err(AnalyzeError::Stream)?;
    let singles = singles(&collector.standard);
    let change_seconds = change_seconds_per_year(&collector.standard);
    let exact = availability::compute(engine, pool.as_ref(), options.importance, &mut |step| {
        progress(Progress::Availability(step))
    });
    let mut availability = availability::summarize(engine, &exact, &singles);
    availability::add_changes(&mut availability, change_seconds);
    let importance = exact
        .conditional
        .as_ref()
        .map(|c| availability::importance(engine, &exact.total, c, &singles));
    let cut_order = options
        .cut_order
        .unwrap_or_else(|| cutsets::auto_order(engine.components().len()));
    progress(Progress::CutSets);
    let cut_sets = cutsets::minimal(engine, &collector.single_down, cut_order, pool.as_ref());
    let cost = cost::monthly(&checked.model);
    let baseline = engine.evaluate(&Failure::default());
    let storage = engine.storage_residency_violations();
    let baseline_residency = engine.baseline_residency_violations(&baseline, &storage);
    let (gated_scenarios, gated_results): (Vec<Scenario>, Vec<ScenarioResult>) =
        collector.gated.iter().cloned().unzip();
    let changes: Vec<(Scenario, ScenarioResult)> = collector
        .standard
        .iter()
        .filter(|(s, _)| s.class == Class::Change)
        .cloned()
        .collect();
    let verdict = gate::check(&gate::Inputs {
        engine,
        scenarios: &gated_scenarios,
        results: &gated_results,
        changes: &changes,
        change_downtime_minutes_per_year: change_seconds / 60.0,
        availability: Some(&availability),
        monthly_cost: cost.total,
        baseline: &baseline,
        baseline_residency: &baseline_residency,
        positions: &checked.loaded.positions,
        file: &checked.source.name,
        today,
    });
    let combinations = (options.max_failures > 1).then(|| {
        let classes = options
            .classes
            .clone()
            .unwrap_or_else(|| crate::scenario::COMPONENT_CLASSES.to_vec());
        (options.max_failures, classes)
    });
    Ok(Report::new(Parts {
        engine,
        collector,
        availability: Ok(availability),
        importance,
        importance_note: exact.importance_note.clone(),
        importance_asked: options.importance,
        cut_sets,
        cost,
        verdict,
        baseline: &baseline,
        storage_violations: &storage,
        combinations,
    }))
}

/// MODEL.md §11.6: the sum over change scenarios of frequency x impact, seconds a year (a
/// lost store's null impact adds nothing).
pub fn change_seconds_per_year(standard: &[(Scenario, ScenarioResult)]) -> f64 {
    standard
        .iter()
        .filter(|(s, _)| s.class == Class::Change)
        .filter_map(|(_, r)| Some(r.change?.frequency_per_year * r.impact?))
        .fold(0.0, |a, b| a + b)
}

/// The impact of each component's single failure (stuck groups counted 0, §10.5), `None` when
/// it is down.
fn singles(standard: &[(Scenario, ScenarioResult)]) -> Vec<(usize, Option<f64>)> {
    standard
        .iter()
        .filter(|(s, _)| s.is_single())
        .map(|(s, r)| {
            let impact = if r.outcome == Outcome::Down {
                None
            } else {
                r.transient_impact
            };
            (s.failure.components[0], impact)
        })
        .collect()
}
