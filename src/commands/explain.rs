//! `drplan explain FILE SCENARIO`: one scenario in prose, its RTO term by term, so that a reader
//! can check every figure by hand.

use crate::cli::ExplainArgs;
use crate::evaluate::Engine;
use crate::exit::Exit;
use crate::render::topology::find_scenario;

use super::Context;

/// Loads the file, finds the scenario (or suggests close names) and prints its explanation.
pub fn run(args: &ExplainArgs, cx: &mut Context) -> Exit {
    let checked = match cx.checked_file(&args.file) {
        Ok(c) => c,
        Err(exit) => return exit,
    };
    let engine = Engine::new(&checked.model);
    if let Some(d) = crate::validate::serving(&engine, &checked.loaded.positions) {
        return cx.invalid(d, &checked.source);
    }
    let Some(scenario) = find_scenario(&engine, args.scenario.trim()) else {
        let message = unknown_scenario(&engine, &args.scenario, &checked.source.name);
        return cx.fail(Exit::Invalid, message);
    };
    let explained = engine.explain(&scenario.failure);
    let written = cx.emit(&args.output, |w, color| {
        crate::render::explain::write(
            &engine,
            &checked.source.name,
            &scenario,
            &explained,
            w,
            crate::render::Style { color },
        )
    });
    written.map_or_else(|exit| exit, |()| Exit::Success)
}

/// "no scenario `X` in FILE", with the close scenario ids (or every one when none is close).
fn unknown_scenario(engine: &Engine, id: &str, file: &str) -> String {
    let standard = crate::scenario::standard(engine);
    let known: Vec<&str> = standard.iter().map(|s| s.id.as_str()).collect();
    let close = crate::load::close_names(id, &known);
    let mut text = format!("no scenario `{id}` in {file}");
    match close.as_slice() {
        [] => text.push_str(&format!(
            "\n  = the scenarios are: {}\n  = or join component ids with `+` for a combination (`region:a+az:b`)",
            known.join(", ")
        )),
        [best, others @ ..] => {
            text.push_str(&format!("\n  = did you mean `{best}`?"));
            if !others.is_empty() {
                let list: Vec<String> = others.iter().take(4).map(|c| format!("`{c}`")).collect();
                text.push_str(&format!("\n  = other close names: {}", list.join(", ")));
            }
        }
    }
    text
}
