//! The one integration-test binary (see `autotests = false` in Cargo.toml).

mod cli;
mod common;
mod diagnostics;
mod examples;
mod hand_computed;
mod readme;
mod robustness;
mod schema;
