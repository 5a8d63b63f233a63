//! `drplan graph` (the usability issue builds it).

use crate::cli::GraphArgs;
use crate::exit::Exit;

use super::Context;

pub fn run(_args: &GraphArgs, cx: &mut Context) -> Exit {
    cx.fail(Exit::Internal, "`drplan graph` is not built yet")
}
