//! A debug-build test hook: every file tray-mcp opens to read, and each commit's start, appended
//! to a log (`TRAY_MCP_TEST_COUNT_READS=PATH`, see `crate::env`), so an integration test can
//! count how often one run reads a file (issue 23: one profile read per install; issue 27: one
//! pass over each config file before the commit's locked re-read).
//!
//! Why a log and not strace: the count is then a plain test that runs wherever `cargo test`
//! does. Release builds never open the log (`cfg!(debug_assertions)` guards the setter).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

static LOG: OnceLock<PathBuf> = OnceLock::new();

/// The line written when a commit takes its locks: reads before it are the plan's, after it
/// the commit's re-reads.
pub const COMMIT_MARK: &str = "-- commit";

/// Logs every read of this process to `path` from now on (debug builds only; the first call wins).
pub fn log_reads_to(path: &Path) {
    if cfg!(debug_assertions) {
        let _ = LOG.set(path.to_path_buf());
    }
}

/// Notes a read of `path` (found or not) in the log, when there is one.
pub(super) fn note_read(path: &Path) {
    note(&path.to_string_lossy());
}

/// Notes that a commit starts.
pub fn note_commit() {
    note(COMMIT_MARK);
}

fn note(line: &str) {
    let Some(log) = LOG.get() else { return };
    // Best effort: a test hook must never change what the run does.
    if let Ok(mut file) = std::fs::OpenOptions::new().create(true).append(true).open(log) {
        let _ = writeln!(file, "{line}");
    }
}
