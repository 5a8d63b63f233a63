//! `drplan init` (the usability issue builds it).

use crate::cli::InitArgs;
use crate::exit::Exit;

use super::Context;

pub fn run(_args: &InitArgs, cx: &mut Context) -> Exit {
    cx.fail(Exit::Internal, "`drplan init` is not built yet")
}
