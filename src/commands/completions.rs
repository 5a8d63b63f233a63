//! `drplan completions SHELL`: shell completions generated from the CLI definition (clap_complete).

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs, Shell};
use crate::exit::Exit;

use super::Context;

/// Prints the completion script of one shell.
pub fn run(args: &CompletionsArgs, cx: &mut Context) -> Exit {
    let shell = match args.shell {
        Shell::Bash => clap_complete::Shell::Bash,
        Shell::Zsh => clap_complete::Shell::Zsh,
        Shell::Fish => clap_complete::Shell::Fish,
        Shell::Powershell => clap_complete::Shell::PowerShell,
    };
    let mut text = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "drplan", &mut text);
    match cx.out.write_all(&text).and_then(|()| cx.out.flush()) {
        Ok(()) => Exit::Success,
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Exit::Success,
        Err(e) => cx.fail(Exit::Internal, format!("writing standard output: {e}")),
    }
}
