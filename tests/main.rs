//! The one integration-test binary (see `autotests = false` in Cargo.toml).

mod atomic_output;
mod availability;
mod ci_doc;
mod cli;
mod combos;
mod common;
mod compare;
mod determinism;
mod diagnostics;
mod diff;
mod examples;
mod export;
mod fuzz_regressions;
mod gate;
mod graph;
mod hand_computed;
mod hostile;
mod html;
mod init;
mod properties;
mod readme;
mod robustness;
mod schema;
mod simulate;
mod terminal;
mod topogen;
