//! `drplan schema` (the usability issue builds it).

use crate::cli::SchemaArgs;
use crate::exit::Exit;

use super::Context;

pub fn run(_args: &SchemaArgs, cx: &mut Context) -> Exit {
    cx.fail(Exit::Internal, "`drplan schema` is not built yet")
}
