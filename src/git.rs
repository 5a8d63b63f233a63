//! Topology files read from git as `REV:PATH` (`origin/main:infra/topology.yaml`), so that a
//! pull request's CI job can diff against the base branch without checking it out.
//!
//! Runs `git show REV:PATH` in the current directory. A missing revision or path, or no git, is
//! an I/O error (exit 3); the text itself goes through the same checks as a file (exit 2).

use std::path::Path;
use std::process::Command;

use anyhow::anyhow;

use crate::load::{ReadError, Source, source_from_bytes};

/// Splits `REV:PATH`; `None` when there is no colon or either side is empty.
pub fn split(spec: &str) -> Option<(&str, &str)> {
    let (rev, path) = spec.split_once(':')?;
    (!rev.is_empty() && !path.is_empty()).then_some((rev, path))
}

/// Whether a command-line argument names a git object rather than a file: it is not an existing
/// file and reads as `REV:PATH`.
pub fn is_spec(arg: &str) -> bool {
    !Path::new(arg).exists() && split(arg).is_some()
}

/// The default topology name of `REV:PATH`: the file stem of PATH.
pub fn stem(spec: &str) -> String {
    let path = split(spec).map_or(spec, |(_, p)| p);
    Path::new(path)
        .file_stem()
        .map_or_else(|| "topology".into(), |s| s.to_string_lossy().into_owned())
}

/// Reads `REV:PATH` through `git show`; the source is named `REV:PATH` in diagnostics.
pub fn read(spec: &str, max_bytes: u64) -> Result<Source, ReadError> {
    let output = Command::new("git")
        .args(["--no-pager", "show", "--no-textconv", spec])
        .output()
        .map_err(|e| ReadError::Io(anyhow!("reading {spec}: cannot run git: {e}")))?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let reason = stderr
            .lines()
            .map(|l| l.trim_start_matches("fatal: ").trim())
            .find(|l| !l.is_empty())
            .unwrap_or("git failed");
        return Err(ReadError::Io(anyhow!(
            "reading {spec} from git: {reason} (is the revision fetched, and the path relative to the repository root?)"
        )));
    }
    source_from_bytes(spec.to_string(), output.stdout, max_bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rev_and_path_are_split_at_the_first_colon() {
        assert_eq!(
            split("origin/main:infra/topology.yaml"),
            Some(("origin/main", "infra/topology.yaml"))
        );
        assert_eq!(split("HEAD~1:a:b.yaml"), Some(("HEAD~1", "a:b.yaml")));
        assert_eq!(split("topology.yaml"), None);
        assert_eq!(split(":topology.yaml"), None);
        assert_eq!(stem("main:infra/prod.yaml"), "prod");
    }
}
