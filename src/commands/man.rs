//! `drplan man`: the man page, generated from the CLI definition (clap_mangen), with every
//! subcommand's options in one page.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::{Cli, ManArgs};
use crate::exit::Exit;

use super::Context;

/// Prints the man page, or writes it to `--output`.
pub fn run(args: &ManArgs, cx: &mut Context) -> Exit {
    match cx.emit(&args.output, |w, _color| write_page(w)) {
        Ok(()) => Exit::Success,
        Err(exit) => exit,
    }
}

/// The page: clap_mangen's sections for `drplan` (its SUBCOMMANDS section would point at
/// separate `drplan-<name>(1)` pages, so it is replaced by) a COMMANDS section with the usage,
/// description, options and examples of each subcommand.
fn write_page(w: &mut dyn Write) -> io::Result<()> {
    let cmd = Cli::command();
    let man = clap_mangen::Man::new(cmd.clone());
    man.render_title(w)?;
    man.render_name_section(w)?;
    man.render_synopsis_section(w)?;
    man.render_description_section(w)?;
    man.render_options_section(w)?;
    writeln!(w, ".SH COMMANDS")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let mut sub = sub.clone().bin_name(format!("drplan {}", sub.get_name()));
        let usage = sub.render_usage().to_string();
        let usage = usage.trim_start_matches("Usage: ");
        writeln!(w, ".SS \"{}\"", escape(usage))?;
        if let Some(about) = sub.get_about() {
            writeln!(w, "{}", escape(&about.to_string()))?;
        }
        for arg in sub.get_arguments().filter(|a| !a.is_hide_set()) {
            if arg.is_global_set() {
                continue;
            }
            let takes_value = arg.get_action().takes_values();
            let value = arg.get_value_names().and_then(|v| v.first()).map_or_else(
                || arg.get_id().to_string().to_uppercase(),
                |v| v.to_string(),
            );
            let mut name = match (arg.get_short(), arg.get_long()) {
                (Some(s), Some(l)) => format!("\\-{s}, \\-\\-{}", escape(l)),
                (None, Some(l)) => format!("\\-\\-{}", escape(l)),
                (Some(s), None) => format!("\\-{s}"),
                (None, None) => value.clone(),
            };
            if takes_value && arg.get_long().is_some() {
                name.push_str(&format!(" <{}>", escape(&value)));
            }
            writeln!(w, ".TP\n\\fB{name}\\fR")?;
            let mut help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
            let values: Vec<String> = arg
                .get_possible_values()
                .iter()
                .filter(|v| !v.is_hide_set())
                .map(|v| v.get_name().to_string())
                .collect();
            if !values.is_empty() && arg.get_long().is_some() {
                help.push_str(&format!(" [possible values: {}]", values.join(", ")));
            }
            let defaults: Vec<String> = arg
                .get_default_values()
                .iter()
                .map(|v| v.to_string_lossy().into_owned())
                .collect();
            if !defaults.is_empty() && takes_value && arg.get_long().is_some() {
                help.push_str(&format!(" [default: {}]", defaults.join(",")));
            }
            writeln!(w, "{}", escape(&help))?;
        }
        if let Some(after) = sub.get_after_help() {
            writeln!(w, ".PP")?;
            for line in after.to_string().lines() {
                if line.is_empty() {
                    writeln!(w, ".PP")?;
                } else if let Some(example) = line.strip_prefix("  ") {
                    writeln!(w, ".br\n\\fB{}\\fR", escape(example))?;
                } else {
                    writeln!(w, "{}", escape(line))?;
                }
            }
        }
    }
    man.render_extra_section(w)?;
    man.render_version_section(w)?;
    exit_status(w)
}

fn exit_status(w: &mut dyn Write) -> io::Result<()> {
    writeln!(
        w,
        ".SH \"EXIT STATUS\"\n0 success or gate passed, 1 gate breached, 2 usage or invalid input, 3 internal or I/O error."
    )
}

/// Escapes text for roff: backslashes, leading dots and quotes, and hyphens.
fn escape(text: &str) -> String {
    let text = text.replace('\\', "\\e").replace('-', "\\-");
    if text.starts_with('.') || text.starts_with('\'') {
        format!("\\&{text}")
    } else {
        text
    }
}
