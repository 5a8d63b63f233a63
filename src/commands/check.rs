//! `drplan check` (the CI-gating issue builds it).

use crate::cli::CheckArgs;
use crate::exit::Exit;

use super::Context;

pub fn run(_args: &CheckArgs, cx: &mut Context) -> Exit {
    cx.fail(Exit::Internal, "`drplan check` is not built yet")
}
