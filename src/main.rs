//! The drplan binary: everything lives in the library so tests and benchmarks can reach it.

use std::process::ExitCode;

fn main() -> ExitCode {
    drplan::run().into()
}
