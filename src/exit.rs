//! Exit codes: a documented contract (MODEL.md §8), kept in one place and asserted in tests.

use std::process::ExitCode;

/// What the process reports to its caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Exit {
    /// Success, or the gate passed.
    Success = 0,
    /// The gate was breached.
    GateBreached = 1,
    /// Bad usage or an invalid topology file.
    Invalid = 2,
    /// An internal error or an I/O error (a missing or unreadable file included).
    Internal = 3,
}

impl From<Exit> for ExitCode {
    fn from(e: Exit) -> ExitCode {
        ExitCode::from(e as u8)
    }
}
