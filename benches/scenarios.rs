//! Scenario evaluation throughput on the synthetic estate of the combinations issue: 30 regions
//! x 3 AZs, links to the four nearest regions, three services and one datastore of each kind.
//!
//! `cargo bench --bench scenarios` reports the time per scenario for single failures and for a
//! fixed sample of 2- and 3-component combinations (one thread). End-to-end numbers with the
//! CLI, threads and memory come from `benches/run.sh` (see BENCHMARKS.md).

use drplan::evaluate::Engine;
use drplan::generate::{self, GenerateArgs};
use drplan::load::Source;
use drplan::pipeline::{self, Checked};
use drplan::scenario::{Plan, Scenario};

fn main() {
    divan::main();
}

/// The benchmark estate, loaded through the real pipeline.
pub fn estate(regions: usize) -> Checked {
    let args = GenerateArgs {
        regions,
        ..GenerateArgs::default()
    };
    let text = generate::topology(&args).expect("generator arguments are valid");
    let source = Source {
        name: "estate.yaml".into(),
        text,
    };
    match pipeline::check_source(source, "estate") {
        Ok(checked) => checked,
        Err(_) => panic!("the generated estate validates"),
    }
}

/// Up to `n` scenarios of exactly `k` failed components, spread evenly over all of them.
fn sample(plan: &Plan, k: usize, n: usize) -> Vec<Scenario> {
    let all: Vec<Scenario> = plan
        .scenarios()
        .filter(|s| s.failure.components.len() == k && s.failure.corrupted.is_empty())
        .collect();
    let step = (all.len() / n).max(1);
    all.into_iter().step_by(step).take(n).collect()
}

#[divan::bench(args = [1, 2, 3], sample_count = 20)]
fn evaluate_scenarios(bencher: divan::Bencher, k: usize) {
    let checked = estate(30);
    let engine = Engine::new(&checked.model);
    let plan = Plan::new(&engine, k, None);
    let scenarios = sample(&plan, k, 2000);
    let mut scratch = engine.scratch();
    bencher
        .counter(divan::counter::ItemsCount::new(scenarios.len()))
        .bench_local(|| {
            for s in &scenarios {
                divan::black_box(engine.evaluate_into(&s.failure, &mut scratch));
            }
        });
}
