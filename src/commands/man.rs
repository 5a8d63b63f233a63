//! `drplan man` (the usability issue builds it).

use crate::cli::ManArgs;
use crate::exit::Exit;

use super::Context;

pub fn run(_args: &ManArgs, cx: &mut Context) -> Exit {
    cx.fail(Exit::Internal, "`drplan man` is not built yet")
}
