//! `drplan init [--pattern P] [PATH]`: write a commented starter topology.
//!
//! The templates live in `templates/` (one per pattern, each validated and analyzed by the
//! tests). The file is written atomically, and an existing file is never replaced without
//! `--force`, even by a race: without `--force` the temporary file is linked into place only if
//! nothing is there.

use std::io::Write;
use std::path::Path;

use crate::cli::{InitArgs, Pattern};
use crate::exit::Exit;

use super::Context;

/// The starter topology of a pattern.
pub fn template(pattern: Pattern) -> &'static str {
    match pattern {
        Pattern::SingleRegion => include_str!("../../templates/single-region.yaml"),
        Pattern::MultiAz => include_str!("../../templates/multi-az.yaml"),
        Pattern::ActivePassive => include_str!("../../templates/active-passive.yaml"),
        Pattern::ActiveActive => include_str!("../../templates/active-active.yaml"),
        Pattern::Anycast => include_str!("../../templates/anycast.yaml"),
        Pattern::Consensus => include_str!("../../templates/consensus.yaml"),
        Pattern::StaticStability => include_str!("../../templates/static-stability.yaml"),
    }
}

/// Writes the template of `--pattern` to PATH (or standard output for `-`).
pub fn run(args: &InitArgs, cx: &mut Context) -> Exit {
    let text = template(args.pattern);
    let path = args.path.as_path();
    if path == Path::new("-") {
        return match cx.out.write_all(text.as_bytes()) {
            Ok(()) => Exit::Success,
            Err(e) => cx.fail(Exit::Internal, format!("writing standard output: {e}")),
        };
    }
    if !args.force && path.symlink_metadata().is_ok() {
        return cx.fail(
            Exit::Invalid,
            format!(
                "{} already exists; pass --force to overwrite it, or give another path",
                path.display()
            ),
        );
    }
    match write(path, text, args.force) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            return cx.fail(
                Exit::Invalid,
                format!(
                    "{} already exists; pass --force to overwrite it, or give another path",
                    path.display()
                ),
            );
        }
        Err(e) => return cx.fail(Exit::Internal, format!("writing {}: {e}", path.display())),
    }
    let shown = path.display();
    let _ = writeln!(
        cx.err,
        "wrote {shown} ({} pattern)\nnext:\n  drplan analyze {shown}\n  drplan schema -o {} # editor completion (the file's first line points at it)",
        pattern_name(args.pattern),
        path.parent()
            .filter(|p| !p.as_os_str().is_empty())
            .map_or_else(
                || "drplan.schema.json".to_string(),
                |p| p.join("drplan.schema.json").display().to_string()
            ),
    );
    Exit::Success
}

/// Writes through a temporary file in the same folder; without `overwrite`, fails with
/// `AlreadyExists` rather than replace a file that appeared meanwhile. A symbolic link is
/// followed and a device or FIFO written in place (see [`crate::output::resolve`]).
fn write(path: &Path, text: &str, overwrite: bool) -> std::io::Result<()> {
    let path = match crate::output::resolve(path)? {
        crate::output::Target::Replace(path) => path,
        crate::output::Target::Direct(path) => {
            return crate::output::write_atomically(&path, |w| w.write_all(text.as_bytes()));
        }
    };
    let path = path.as_path();
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::Builder::new()
        .prefix(".drplan-init-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    tmp.write_all(text.as_bytes())?;
    // A temporary file is private (0600); a topology is an ordinary file: keep the mode of the
    // file it replaces, else make it readable like any file an editor creates.
    let permissions = match std::fs::metadata(path) {
        Ok(m) => m.permissions(),
        Err(_) => default_permissions(tmp.as_file())?,
    };
    tmp.as_file().set_permissions(permissions)?;
    tmp.as_file().sync_all()?;
    let persisted = if overwrite {
        tmp.persist(path)
    } else {
        tmp.persist_noclobber(path)
    };
    persisted.map(|_| ()).map_err(|e| e.error)
}

#[cfg(unix)]
fn default_permissions(_: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    use std::os::unix::fs::PermissionsExt;
    Ok(std::fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn default_permissions(file: &std::fs::File) -> std::io::Result<std::fs::Permissions> {
    Ok(file.metadata()?.permissions())
}

fn pattern_name(pattern: Pattern) -> &'static str {
    match pattern {
        Pattern::SingleRegion => "single-region",
        Pattern::MultiAz => "multi-az",
        Pattern::ActivePassive => "active-passive",
        Pattern::ActiveActive => "active-active",
        Pattern::Anycast => "anycast",
        Pattern::Consensus => "consensus",
        Pattern::StaticStability => "static-stability",
    }
}
