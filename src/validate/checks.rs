//! Checks that need the whole model: dependency cycles (on the graph) and whether anything
//! serves with every component up (needs an evaluation).

use crate::diagnostic::Diagnostic;
use crate::evaluate::{Engine, Outcome};
use crate::load::yaml::{Positions, join};
use crate::model::Model;

/// A diagnostic for each cycle of services that depend on each other.
pub fn dependency_cycles(model: &Model, positions: &Positions) -> Vec<Diagnostic> {
    crate::graph::dependency_cycles(model)
        .into_iter()
        .map(|cycle| {
            let names: Vec<&str> = cycle
                .iter()
                .map(|s| model.services[s.idx()].id.as_str())
                .collect();
            let path = join(&join("services", names[0]), "depends_on");
            Diagnostic::error(
                "dependency-cycle",
                path.clone(),
                format!(
                    "services depend on each other in a cycle: {}",
                    names.join(" -> ")
                ),
            )
            .at(positions.value(&path))
        })
        .collect()
}

/// An error when the topology serves nobody even with every component up.
pub fn serving(engine: &Engine, positions: &Positions) -> Option<Diagnostic> {
    let baseline = engine.baseline();
    if baseline.outcome != Outcome::Down {
        return None;
    }
    let model = engine.model();
    let entry = &model.services[model.entry.idx()];
    let path = join("services", &entry.id);
    Some(
        Diagnostic::error(
            "nothing-serves",
            path.clone(),
            format!(
                "nothing serves users even with every component up: {}",
                engine.why_not_serving()
            ),
        )
        .at(positions.key(&path)),
    )
}
