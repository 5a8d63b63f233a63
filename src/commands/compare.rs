//! `drplan compare` (the CI-gating issue builds it).

use crate::cli::CompareArgs;
use crate::exit::Exit;

use super::Context;

pub fn run(_args: &CompareArgs, cx: &mut Context) -> Exit {
    cx.fail(Exit::Internal, "`drplan compare` is not built yet")
}
