//! Arbitrary bytes -> size and encoding check -> YAML -> raw structs -> validation, as
//! `drplan validate` does it (every stage that sees the user's bytes before evaluation).
//! Any outcome is fine except a panic, a hang or running out of memory.

#![no_main]

use drplan::diagnostic;
use drplan::load::{self, ReadError};
use drplan::pipeline;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let source = match load::source_from_bytes(
        "fuzz.yaml".into(),
        data.to_vec(),
        load::DEFAULT_MAX_FILE_BYTES,
    ) {
        Ok(source) => source,
        Err(ReadError::Invalid(source, mut diagnostics)) => {
            diagnostic::sort(&mut diagnostics);
            let _ = diagnostic::render(&diagnostics, &source.name, &source.text, false);
            return;
        }
        Err(ReadError::Io(e)) => panic!("bytes in memory gave an I/O error: {e}"),
    };
    match pipeline::check_source(source, "fuzz") {
        Ok(checked) => {
            // A valid file: the one validation rule that evaluates (something serves), and the
            // warnings rendered with their source lines, as the CLI does.
            let mut diagnostics = checked.warnings.clone();
            if let Err(d) = pipeline::analyze_serving(&checked) {
                diagnostics.push(*d);
            }
            diagnostic::sort(&mut diagnostics);
            let _ = diagnostic::render(&diagnostics, "fuzz.yaml", &checked.source.text, false);
        }
        Err(ReadError::Invalid(source, mut diagnostics)) => {
            assert!(!diagnostics.is_empty(), "an invalid file without a diagnostic");
            diagnostic::sort(&mut diagnostics);
            let _ = diagnostic::render(&diagnostics, &source.name, &source.text, false);
        }
        Err(ReadError::Io(e)) => panic!("text in memory gave an I/O error: {e}"),
    }
});
