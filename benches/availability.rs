//! The exact availability engine on the synthetic estates of `drplan generate`: N regions x 3
//! AZs, links to the four nearest regions, a consensus store over all regions and one datastore
//! of every other kind (single-az, multi-az, active-passive with backups, active-active), three
//! services, one shared-fate pair, one external.
//!
//! `cargo bench --bench availability` times `availability::compute` (the factored method above
//! 22 components; importance not included) on all cores. The side-by-side comparison with SCRAM
//! on the exported fault trees is `benches/scram.sh` (BENCHMARKS.md).

use drplan::availability;
use drplan::evaluate::Engine;
use drplan::generate::{self, GenerateArgs, LinkShape};
use drplan::load::Source;
use drplan::pipeline::{self, Checked};

fn main() {
    divan::main();
}

fn estate(regions: usize) -> Checked {
    let args = GenerateArgs {
        regions,
        azs: 3,
        links: LinkShape::Nearest(4),
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

#[divan::bench(args = [10, 20, 30, 50], sample_count = 5)]
fn exact_availability(bencher: divan::Bencher, regions: usize) {
    let checked = estate(regions);
    let engine = Engine::new(&checked.model);
    let pool = drplan::sweep::pool(None);
    bencher.bench_local(|| {
        let exact = availability::compute(&engine, pool.as_ref(), false, &mut |_| {});
        assert!(exact.is_exact(), "the estate is within exact reach");
        divan::black_box(exact.total.unavailability)
    });
}
