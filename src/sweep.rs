//! Stage 5b: every scenario of a plan, evaluated in parallel and delivered in id order.
//!
//! Scenarios are enumerated lazily in id order as cheap items, then a chunk at a time built
//! (their id strings), evaluated and rendered on a rayon pool, each worker reusing one scratch
//! space, and handed to the sink in the same order: the output is byte-identical for any number
//! of threads, and memory stays bounded by the chunk size whatever the number of scenarios.

use rayon::prelude::*;

use crate::evaluate::{Core, Engine, ScenarioResult};
use crate::scenario::{Item, Plan, Scenario};

/// Scenarios per chunk: large enough to keep every core busy, small enough to bound memory.
pub const CHUNK: usize = 4096;

/// Turns a scenario and its result into bytes for streamed output (run in parallel). The
/// scratch the scenario was evaluated into comes along, so that a renderer can explain the
/// scenario (`rto_breakdown`) without evaluating it again.
pub type RenderFn<'a> = &'a (dyn Fn(&Scenario, &ScenarioResult, &Core) -> Vec<u8> + Sync);

/// One evaluated scenario, in id order.
pub struct Evaluated {
    pub scenario: Scenario,
    pub result: ScenarioResult,
    /// The bytes from the render function, if one was given.
    pub rendered: Vec<u8>,
}

/// Evaluates every scenario of `plan` on `pool` (in this thread when `None`), calling `sink`
/// in id order and `progress` with the count done after each chunk. The sink's error stops
/// the sweep and is returned.
pub fn sweep<E>(
    engine: &Engine,
    plan: &Plan,
    pool: Option<&rayon::ThreadPool>,
    render: Option<RenderFn>,
    progress: &mut dyn FnMut(u64),
    sink: &mut dyn FnMut(Evaluated) -> Result<(), E>,
) -> Result<(), E> {
    let mut items = plan.items();
    let mut chunk: Vec<Item> = Vec::with_capacity(CHUNK);
    let mut done = 0u64;
    loop {
        chunk.clear();
        chunk.extend(items.by_ref().take(CHUNK));
        if chunk.is_empty() {
            return Ok(());
        }
        let one = |scratch: &mut Core, item: &Item| {
            let scenario = plan.materialize(item);
            let result = engine.evaluate_into(&scenario.failure, scratch);
            let rendered = render.map_or_else(Vec::new, |f| f(&scenario, &result, scratch));
            Evaluated {
                scenario,
                result,
                rendered,
            }
        };
        let evaluated: Vec<Evaluated> = match pool {
            Some(pool) => pool.install(|| {
                chunk
                    .par_iter()
                    .map_init(|| engine.scratch(), one)
                    .collect()
            }),
            None => {
                let mut scratch = engine.scratch();
                chunk.iter().map(|item| one(&mut scratch, item)).collect()
            }
        };
        done += chunk.len() as u64;
        for e in evaluated {
            sink(e)?;
        }
        progress(done);
    }
}

/// A pool of `threads` workers (all cores when `None`); `None` when one thread is asked for
/// or the pool cannot start (then the sweep runs in the calling thread, with the same result).
pub fn pool(threads: Option<usize>) -> Option<rayon::ThreadPool> {
    if threads == Some(1) {
        return None;
    }
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        builder = builder.num_threads(n);
    }
    builder.build().ok()
}
