//! Checks that need the whole model: dependency cycles (on the graph) and whether anything
//! serves with every component up (needs an evaluation).

use crate::diagnostic::Diagnostic;
use crate::evaluate::{Engine, Outcome};
use crate::load::yaml::{Positions, index, join};
use crate::model::{Dependency, Model, ServiceIdx};

/// A diagnostic for each cycle of services that depend on each other, naming the cycle in
/// order (`web -> api -> web`) and pointing at the dependency that closes it.
pub fn dependency_cycles(model: &Model, positions: &Positions) -> Vec<Diagnostic> {
    crate::graph::dependency_cycles(model)
        .into_iter()
        .map(|members| {
            let cycle = cycle_order(model, &members);
            let mut names: Vec<&str> = cycle
                .iter()
                .map(|s| model.services[s.idx()].id.as_str())
                .collect();
            names.push(names[0]);
            // The edge from the last service of the cycle back to the first.
            let (last, first) = (cycle[cycle.len() - 1], cycle[0]);
            let list = join(&join("services", names[cycle.len() - 1]), "depends_on");
            let path = match model.services[last.idx()]
                .depends_on
                .iter()
                .position(|d| *d == Dependency::Service(first))
            {
                Some(j) => index(&list, j),
                // Closed by a partial dependency: point at the list.
                None => list,
            };
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

/// Orders the members of a strongly connected group as a cycle: from the first member, follow
/// dependencies inside the group until one leads back to the start.
fn cycle_order(model: &Model, members: &[ServiceIdx]) -> Vec<ServiceIdx> {
    let start = members[0];
    let mut path = vec![start];
    let mut seen = vec![start];
    fn walk(
        model: &Model,
        members: &[ServiceIdx],
        path: &mut Vec<ServiceIdx>,
        seen: &mut Vec<ServiceIdx>,
    ) -> bool {
        let here = *path.last().unwrap_or(&members[0]);
        for (d, _) in model.services[here.idx()].needs() {
            let Dependency::Service(next) = d else {
                continue;
            };
            if next == path[0] {
                return true;
            }
            if members.contains(&next) && !seen.contains(&next) {
                seen.push(next);
                path.push(next);
                if walk(model, members, path, seen) {
                    return true;
                }
                path.pop();
            }
        }
        false
    }
    if walk(model, members, &mut path, &mut seen) {
        path
    } else {
        members.to_vec()
    }
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
