//! The stages in order, as the commands use them:
//! load -> validate -> graph -> scenarios -> evaluate -> availability -> cost -> gate -> report.

use std::path::Path;

use crate::availability;
use crate::cost;
use crate::diagnostic::Diagnostic;
use crate::evaluate::{Engine, ScenarioResult};
use crate::gate;
use crate::load::{self, Loaded, ReadError, Source};
use crate::model::Model;
use crate::report::{Parts, Report};
use crate::scenario::{self, Scenario};
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

/// Analyzes a validated topology; fails with a diagnostic when nothing serves at all.
pub fn analyze(checked: &Checked) -> Result<Report, Box<Diagnostic>> {
    let engine = Engine::new(&checked.model);
    if let Some(d) = validate::serving(&engine, &checked.loaded.positions) {
        return Err(Box::new(d));
    }
    let scenarios = scenario::standard(&engine);
    let results = evaluate_all(&engine, &scenarios);
    let availability = availability_of(&engine, &scenarios, &results);
    let cost = cost::monthly(&checked.model);
    let baseline = engine.evaluate(&Default::default());
    let storage = engine.storage_residency_violations();
    let baseline_residency = engine.baseline_residency_violations(&baseline, &storage);
    let today = gate::today().map_err(|m| Box::new(Diagnostic::error("invalid-date", "", m)))?;
    let verdict = gate::check(&gate::Inputs {
        engine: &engine,
        scenarios: &scenarios,
        results: &results,
        availability: availability.as_ref().ok(),
        monthly_cost: cost.total,
        baseline: &baseline,
        baseline_residency: &baseline_residency,
        positions: &checked.loaded.positions,
        file: &checked.source.name,
        today,
    });
    Ok(Report::new(Parts {
        engine: &engine,
        scenarios: &scenarios,
        results: &results,
        availability,
        cost,
        verdict,
        baseline: &baseline,
        storage_violations: &storage,
    }))
}

/// Evaluates every scenario, in order.
pub fn evaluate_all(engine: &Engine, scenarios: &[Scenario]) -> Vec<ScenarioResult> {
    scenarios
        .iter()
        .map(|s| engine.evaluate(&s.failure))
        .collect()
}

/// The §5 figures, or why they are not computed.
fn availability_of(
    engine: &Engine,
    scenarios: &[Scenario],
    results: &[ScenarioResult],
) -> Result<availability::Availability, String> {
    let probabilities = availability::enumerate(engine).ok_or_else(|| {
        format!(
            "not computed: {} components is above the {} that this version enumerates exactly",
            engine.components().len(),
            availability::MAX_ENUMERATED_COMPONENTS
        )
    })?;
    let singles: Vec<(usize, Option<f64>)> = scenarios
        .iter()
        .zip(results)
        .filter(|(s, _)| {
            s.class != crate::model::Class::Custom
                && s.failure.corrupted.is_empty()
                && s.failure.components.len() == 1
        })
        .map(|(s, r)| {
            let impact = if r.outcome == crate::evaluate::Outcome::Down {
                None
            } else {
                r.impact
            };
            (s.failure.components[0], impact)
        })
        .collect();
    Ok(availability::summarize(engine, &probabilities, &singles))
}
