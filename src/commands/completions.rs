//! `drplan completions` (the usability issue builds it).

use crate::cli::CompletionsArgs;
use crate::exit::Exit;

use super::Context;

pub fn run(_args: &CompletionsArgs, cx: &mut Context) -> Exit {
    cx.fail(Exit::Internal, "`drplan completions` is not built yet")
}
