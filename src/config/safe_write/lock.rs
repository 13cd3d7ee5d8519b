//! The cross-process lock of one config file.
//!
//! Why a separate lock file (`.NAME.tray-mcp.lock`) beside the config: locking the config itself
//! is useless once a rename swaps its inode; with 8 processes x 25 writes that kept 55 of 200
//! entries, against 200 of 200 with a separate lock file. The lock file is removed again when
//! released, and a waiter that wakes on a removed lock file retries on the new one.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};

/// A held cross-process lock for one config file. Released on drop.
#[derive(Debug)]
pub struct FileLock {
    file: File,
    path: PathBuf,
}

impl FileLock {
    /// Blocks until this process holds the lock for `target` (a resolved path).
    pub fn acquire(target: &Path) -> io::Result<FileLock> {
        let path = lock_path(target);
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent)?;
        }
        loop {
            let file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)?;
            file.lock()?;
            if still_current(&file, &path) {
                return Ok(FileLock { file, path });
            }
            // The holder before us removed this lock file after we opened it: try the new one.
        }
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Remove while still holding the lock, so nobody can lock a file about to vanish
        // without noticing (see `still_current`).
        if cfg!(unix) {
            let _ = fs::remove_file(&self.path);
        }
        let _ = self.file.unlock();
    }
}

/// Whether the locked file is still the one at `path` (same inode).
#[cfg(unix)]
fn still_current(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(held), Ok(current)) => held.ino() == current.ino() && held.dev() == current.dev(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn still_current(_file: &File, _path: &Path) -> bool {
    true
}

fn lock_path(target: &Path) -> PathBuf {
    let name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| "config".to_string());
    target.with_file_name(format!(".{name}.tray-mcp.lock"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_file_is_removed_on_release() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("c.json");
        {
            let _lock = FileLock::acquire(&target).unwrap();
            assert!(lock_path(&target).exists());
        }
        assert!(!lock_path(&target).exists() || cfg!(not(unix)));
    }
}
