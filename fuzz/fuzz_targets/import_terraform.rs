//! Arbitrary bytes -> `drplan import terraform` (both sides of the plan) -> the loader and
//! validator on the topology it wrote. Any outcome is fine except a panic, a hang or running out
//! of memory; and the importer must always write YAML the loader can parse (its own emitter's
//! quoting and indentation), whatever the plan held.

#![no_main]

use drplan::import::terraform::{self, Options, Side};
use drplan::load::{ReadError, Source};
use drplan::pipeline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for side in [Side::After, Side::Before] {
        let options = Options {
            side,
            default_region: None,
            source_name: "fuzz.json".into(),
            name: "fuzz".into(),
        };
        let Ok(imported) = terraform::import(data, None, &options) else {
            continue;
        };
        let source = Source {
            name: "imported.yaml".into(),
            text: imported.text,
        };
        match pipeline::check_source(source, "fuzz") {
            Ok(_) => {}
            Err(ReadError::Invalid(_, diagnostics)) => {
                assert!(!diagnostics.is_empty(), "an invalid topology without a diagnostic");
                for d in &diagnostics {
                    assert!(
                        !matches!(d.code, "yaml-syntax" | "duplicate-key" | "multiple-documents"),
                        "the importer wrote text the loader cannot parse: {d:?}"
                    );
                }
            }
            Err(ReadError::Io(e)) => panic!("text in memory gave an I/O error: {e}"),
        }
    }
});
