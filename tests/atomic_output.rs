//! Nothing is lost: every command that writes a file (`--output`, `init`) writes a temporary
//! file in the same folder and renames it into place. A successful write gives the same bytes
//! as standard output; a failed one (the input is invalid, or the rename fails after the
//! content was written) leaves the old file as it was and no temporary file behind; the input
//! file is never modified.

use std::path::Path;
use std::time::SystemTime;

use crate::common::{drplan, root};

/// Every command with `--output`, with its arguments (paths relative to the repository root).
fn commands() -> Vec<Vec<&'static str>> {
    vec![
        vec![
            "analyze",
            "topologies/active-passive.yaml",
            "--format",
            "json",
        ],
        vec![
            "analyze",
            "topologies/active-passive.yaml",
            "--format",
            "html",
        ],
        vec![
            "check",
            "topologies/active-passive.yaml",
            "--format",
            "sarif",
        ],
        vec![
            "diff",
            "tests/fixtures/gate/base.yaml",
            "tests/fixtures/gate/head.yaml",
        ],
        vec![
            "compare",
            "topologies/single-region.yaml",
            "topologies/active-passive.yaml",
        ],
        vec!["graph", "topologies/active-passive.yaml"],
        vec!["schema"],
        vec!["man"],
    ]
}

/// The files in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("readable folder")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// A copy of the inputs in `dir`, so their bytes and modification times can be checked.
fn copy_inputs(dir: &Path) -> Vec<(std::path::PathBuf, Vec<u8>, SystemTime)> {
    let mut out = Vec::new();
    for rel in [
        "topologies/active-passive.yaml",
        "topologies/single-region.yaml",
        "tests/fixtures/gate/base.yaml",
        "tests/fixtures/gate/head.yaml",
    ] {
        let to = dir.join(rel);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root().join(rel), &to).unwrap();
        let bytes = std::fs::read(&to).unwrap();
        let mtime = std::fs::metadata(&to).unwrap().modified().unwrap();
        out.push((to, bytes, mtime));
    }
    out
}

fn assert_inputs_untouched(inputs: &[(std::path::PathBuf, Vec<u8>, SystemTime)]) {
    for (path, bytes, mtime) in inputs {
        assert_eq!(
            &std::fs::read(path).unwrap(),
            bytes,
            "{} changed",
            path.display()
        );
        assert_eq!(
            std::fs::metadata(path).unwrap().modified().unwrap(),
            *mtime,
            "{} was written",
            path.display()
        );
    }
}

#[test]
fn output_files_hold_what_standard_output_holds_and_inputs_are_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = copy_inputs(dir.path());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    for (i, args) in commands().into_iter().enumerate() {
        let stdout = drplan()
            .current_dir(dir.path())
            .env("DRPLAN_TODAY", "2026-06-01")
            .args(&args)
            .output()
            .unwrap();
        let path = out_dir.join(format!("result-{i}"));
        let written = drplan()
            .current_dir(dir.path())
            .env("DRPLAN_TODAY", "2026-06-01")
            .args(&args)
            .arg("--output")
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(
            stdout.status.code(),
            written.status.code(),
            "{args:?}: exit codes differ with --output"
        );
        assert!(
            written.stdout.is_empty(),
            "{args:?}: --output prints nothing"
        );
        assert_eq!(
            std::fs::read(&path).unwrap(),
            stdout.stdout,
            "{args:?}: the file differs from standard output"
        );
    }
    let expected: Vec<String> = (0..commands().len())
        .map(|i| format!("result-{i}"))
        .collect();
    let mut expected = expected;
    expected.sort();
    assert_eq!(listing(&out_dir), expected, "no temporary file is left");
    assert_inputs_untouched(&inputs);
}

#[test]
fn a_failed_rename_leaves_no_partial_file() {
    // The output path is a folder: the report is written to the temporary file, then the
    // rename fails. The folder stays as it was, no temporary file is left, exit 3.
    let dir = tempfile::tempdir().unwrap();
    let inputs = copy_inputs(dir.path());
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("taken");
    std::fs::create_dir(&target).unwrap();
    std::fs::write(target.join("keep"), "old").unwrap();
    for args in commands() {
        let out = drplan()
            .current_dir(dir.path())
            .args(&args)
            .arg("--output")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(3),
            "{args:?}: an I/O error is exit 3"
        );
        assert!(!out.stderr.is_empty(), "{args:?}: says why");
        assert_eq!(
            listing(&out_dir),
            ["taken"],
            "{args:?}: no temporary file is left"
        );
        assert_eq!(listing(&target), ["keep"], "{args:?}");
        assert_eq!(std::fs::read_to_string(target.join("keep")).unwrap(), "old");
    }
    assert_inputs_untouched(&inputs);
}

#[test]
fn an_invalid_input_leaves_the_old_output_file() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.yaml");
    std::fs::write(&bad, "version: 1\nregions: {}\n").unwrap();
    let before = std::fs::read(&bad).unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let target = out_dir.join("report");
    std::fs::write(&target, "old").unwrap();
    let bad_str = bad.to_str().unwrap();
    for args in [
        vec!["analyze", bad_str, "--format", "json"],
        vec!["check", bad_str],
        vec!["diff", bad_str, bad_str],
        vec!["compare", bad_str, bad_str],
        vec!["graph", bad_str],
    ] {
        let out = drplan()
            .args(&args)
            .arg("--output")
            .arg(&target)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(2),
            "{args:?}: invalid input is exit 2"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "old", "{args:?}");
        assert_eq!(
            listing(&out_dir),
            ["report"],
            "{args:?}: no temporary file is left"
        );
    }
    assert_eq!(
        std::fs::read(&bad).unwrap(),
        before,
        "the input is untouched"
    );
}

#[test]
fn init_onto_a_folder_fails_without_leaving_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("topology.yaml");
    std::fs::create_dir(&target).unwrap();
    let out = drplan()
        .current_dir(dir.path())
        .args(["init", "--force", "topology.yaml"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0), "writing over a folder fails");
    assert!(target.is_dir());
    assert_eq!(
        listing(dir.path()),
        ["topology.yaml"],
        "no temporary file is left"
    );
}

/// `--output` naming the input file is refused (exit 2), and the input keeps its bytes.
#[test]
fn output_over_the_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("topology.yaml");
    let original = std::fs::read(root().join("topologies/active-passive.yaml")).unwrap();
    std::fs::write(&input, &original).unwrap();
    for args in [
        vec!["analyze"],
        vec!["check"],
        vec!["graph"],
        vec!["export", "--format", "open-psa"],
    ] {
        let out = drplan()
            .args(&args)
            .arg(&input)
            .arg("-o")
            .arg(&input)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("over the input file"), "{args:?}: {stderr}");
        assert_eq!(std::fs::read(&input).unwrap(), original, "{args:?}");
    }
}

/// The output of `analyze --format json` for the active-passive example, as standard output
/// gives it.
fn analyze_json() -> Vec<u8> {
    let out = drplan()
        .current_dir(root())
        .args(["analyze", "topologies/active-passive.yaml", "-f", "json"])
        .output()
        .unwrap();
    assert!(!out.stdout.is_empty());
    out.stdout
}

/// Runs `analyze --format json -o target` and returns the process output.
fn analyze_into(target: &Path) -> std::process::Output {
    drplan()
        .current_dir(root())
        .args([
            "analyze",
            "topologies/active-passive.yaml",
            "-f",
            "json",
            "-o",
        ])
        .arg(target)
        .output()
        .unwrap()
}

/// Runs an external tool that makes a special file; false (with a visible skip, or a failure
/// under `DRPLAN_REQUIRE_TOOLS`) when it cannot.
fn make_special(tool: &str, args: &[&std::ffi::OsStr]) -> bool {
    let ran = std::process::Command::new(tool).args(args).output();
    match ran {
        Ok(out) if out.status.success() => true,
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).into_owned(),
                Err(e) => e.to_string(),
            };
            assert!(
                std::env::var_os("DRPLAN_REQUIRE_TOOLS").is_none(),
                "{tool} failed ({why}) and DRPLAN_REQUIRE_TOOLS is set"
            );
            eprintln!("SKIPPED: {tool} failed here ({why})");
            false
        }
    }
}

/// `-o` onto a character device (made with mknod like /dev/null: 1,3) writes into the device
/// and keeps it a device: the atomic rename would have replaced it with a regular file.
#[cfg(unix)]
#[test]
fn output_onto_a_device_keeps_the_device() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = tempfile::tempdir().unwrap();
    let null = dir.path().join("null");
    if !make_special(
        "mknod",
        &[null.as_os_str(), "c".as_ref(), "1".as_ref(), "3".as_ref()],
    ) {
        return;
    }
    let out = analyze_into(&null);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let meta = std::fs::symlink_metadata(&null).unwrap();
    assert!(
        meta.file_type().is_char_device(),
        "the device is still a device: {:?}",
        meta.file_type()
    );
    assert_eq!(listing(dir.path()), ["null"], "no temporary file is left");
}

/// `-o` onto a FIFO writes the report into the pipe, read by another thread, and keeps the FIFO.
#[cfg(unix)]
#[test]
fn output_onto_a_fifo_writes_through_the_pipe() {
    use std::os::unix::fs::FileTypeExt as _;
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("pipe");
    if !make_special("mkfifo", &[fifo.as_os_str()]) {
        return;
    }
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read(&fifo).unwrap())
    };
    let out = analyze_into(&fifo);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let read = reader.join().unwrap();
    assert_eq!(read, analyze_json(), "the reader gets the whole report");
    assert!(
        std::fs::symlink_metadata(&fifo)
            .unwrap()
            .file_type()
            .is_fifo(),
        "the FIFO is still a FIFO"
    );
    assert_eq!(listing(dir.path()), ["pipe"], "no temporary file is left");
}

/// `-o` onto a symbolic link writes its target atomically and keeps the link; a link whose
/// target does not exist is refused (exit 3, with a message), the link kept as it was.
#[cfg(unix)]
#[test]
fn output_onto_a_symlink_writes_its_target_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let reports = dir.path().join("reports");
    std::fs::create_dir(&reports).unwrap();
    let real = reports.join("real.json");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("latest.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let out = analyze_into(&link);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    assert_eq!(std::fs::read_link(&link).unwrap(), real);
    assert_eq!(std::fs::read(&real).unwrap(), analyze_json());
    assert_eq!(
        listing(&reports),
        ["real.json"],
        "no temporary file is left"
    );
    assert_eq!(listing(dir.path()), ["latest.json", "reports"]);

    let dangling = dir.path().join("dangling.json");
    std::os::unix::fs::symlink(reports.join("missing/x.json"), &dangling).unwrap();
    let out = analyze_into(&dangling);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("symbolic link") && stderr.contains("refusing to replace the link"),
        "{stderr}"
    );
    assert!(
        std::fs::symlink_metadata(&dangling)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(
        listing(dir.path()),
        ["dangling.json", "latest.json", "reports"]
    );
}
