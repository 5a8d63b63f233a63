//! The one integration-test binary (see `autotests = false` in Cargo.toml).

mod common;
mod hand_computed;
