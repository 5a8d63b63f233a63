//! Where command output goes: standard output, or a file written atomically.
//!
//! A file is written to a temporary file in the same folder and renamed into place, so a reader
//! never sees a partial file and a failure leaves the old file untouched. What is not a regular
//! file is never replaced: a device or a FIFO (`-o /dev/null`, `-o /dev/stdout`) is written
//! directly, and a symbolic link is followed, its target written atomically (a link whose target
//! does not exist is refused).

use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// Runs `write` against the chosen destination. `write` gets the writer and whether it is a
/// terminal (false for files).
pub fn emit(
    path: Option<&Path>,
    stdout: &mut dyn Write,
    stdout_is_terminal: bool,
    write: impl FnOnce(&mut dyn Write, bool) -> io::Result<()>,
) -> io::Result<()> {
    match path {
        None => {
            // Rust's standard output is line-buffered: buffer in large blocks so streaming
            // millions of lines does not cost a system call each.
            let mut buffered = io::BufWriter::with_capacity(1 << 20, stdout);
            let result = write(&mut buffered, stdout_is_terminal).and_then(|()| buffered.flush());
            match result {
                // A closed pipe (`drplan ... | head`) is the reader's choice, not an error.
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
                other => other,
            }
        }
        Some(path) => write_atomically(path, |w| write(w, false)),
    }
}

/// Where a write to a path lands, once links are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// A regular file, a path that does not exist yet, or a folder (whose rename then fails):
    /// written through a temporary file renamed into place.
    Replace(PathBuf),
    /// A device, a FIFO or a socket: opened and written in place, never replaced.
    Direct(PathBuf),
}

/// Decides how `path` is written: symbolic links are followed to their final target (so the
/// link itself is kept), and what is not a regular file is written directly.
pub fn resolve(path: &Path) -> io::Result<Target> {
    let meta = match std::fs::symlink_metadata(path) {
        Ok(meta) => meta,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Target::Replace(path.to_path_buf()));
        }
        Err(e) => return Err(e),
    };
    if meta.file_type().is_symlink() {
        let real = std::fs::canonicalize(path).map_err(|e| {
            io::Error::new(
                e.kind(),
                format!(
                    "{} is a symbolic link whose target cannot be reached ({e}); \
                     refusing to replace the link: write to its target or remove it",
                    path.display()
                ),
            )
        })?;
        let meta = std::fs::metadata(&real)?;
        return Ok(classify(real, &meta));
    }
    Ok(classify(path.to_path_buf(), &meta))
}

fn classify(path: PathBuf, meta: &std::fs::Metadata) -> Target {
    if meta.is_file() || meta.is_dir() {
        Target::Replace(path)
    } else {
        Target::Direct(path)
    }
}

/// Writes `path` without ever replacing what is not a regular file: see [`resolve`].
pub fn write_atomically(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    match resolve(path)? {
        Target::Replace(path) => replace(&path, write),
        Target::Direct(path) => write_in_place(&path, write),
    }
}

/// Opens a device or FIFO for writing (no truncation, no rename) and writes to it.
fn write_in_place(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<()>,
) -> io::Result<()> {
    let file = std::fs::OpenOptions::new().write(true).open(path)?;
    let mut buffered = io::BufWriter::with_capacity(1 << 20, file);
    write(&mut buffered)?;
    buffered.flush()
}

/// Writes a file through a temporary file in the same folder, renamed into place.
fn replace(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new()
        .prefix(".drplan-")
        .suffix(".tmp")
        .tempfile_in(dir)?;
    {
        let mut buffered = io::BufWriter::with_capacity(1 << 20, tmp.as_file_mut());
        write(&mut buffered)?;
        buffered.flush()?;
    }
    // A temporary file is private (0600); the result gets the permissions of the file it
    // replaces, or the usual 0644 for a new file.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(path).map_or(0o644, |m| m.permissions().mode() & 0o7777);
        tmp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(mode))?;
    }
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.txt");
        std::fs::write(&path, "old").unwrap();
        let err = write_atomically(&path, |w| {
            w.write_all(b"partial")?;
            Err(io::Error::other("boom"))
        });
        assert!(err.is_err());
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "old");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
        write_atomically(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "new");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let fresh = dir.path().join("fresh.txt");
            write_atomically(&fresh, |w| w.write_all(b"x")).unwrap();
            assert_eq!(
                std::fs::metadata(&fresh).unwrap().permissions().mode() & 0o777,
                0o644
            );
        }
    }
}
