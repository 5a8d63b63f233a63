//! `drplan diff` (the CI-gating issue builds it).

use crate::cli::DiffArgs;
use crate::exit::Exit;

use super::Context;

pub fn run(_args: &DiffArgs, cx: &mut Context) -> Exit {
    cx.fail(Exit::Internal, "`drplan diff` is not built yet")
}
