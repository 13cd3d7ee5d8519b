//! The cross-process lock that keeps two tray-mcp runs from losing each other's edits.
//!
//! What is locked is the folder that holds the config, not the config: locking the config
//! itself is useless once a rename swaps its inode (with 8 processes x 25 writes that kept 55 of
//! 200 entries). The folder's inode never changes while files in it are replaced, so on Unix the
//! lock is `flock` on the folder itself: nothing is created in the user's folder and nothing has
//! to be removed afterwards. That used to be a lock file per config (`.NAME.tray-mcp.lock`),
//! created and unlinked again by every run: two more changes to each folder, which its fsync then
//! had to make durable too (measured: `bench/install_all.sh`, BENCHMARKS.md).
//!
//! Where a folder cannot be locked (Windows; NFS, whose lock emulation wants a file open for
//! writing), a lock file `.tray-mcp.lock` in the folder is used instead, one per folder either
//! way, so every run agrees on what to lock. On Unix it is removed again on release, and a waiter
//! that wakes on a removed lock file retries on the new one.

use std::fs::{self, File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A held cross-process lock on the folder of one or more config files. Released on drop.
#[derive(Debug)]
pub struct FileLock {
    /// The locked descriptor: the lock lasts as long as it is open (shared only with the
    /// folder's fsync, which ends before the lock does).
    file: Arc<File>,
    /// The folder locked.
    folder: PathBuf,
    /// The lock file to remove on release (`None` when the folder itself is locked).
    lock_file: Option<PathBuf>,
}

impl FileLock {
    /// The folder whose lock covers `target` (a resolved path). Files in one folder share one
    /// lock: take it once, however many of them change.
    pub fn scope(target: &Path) -> PathBuf {
        target
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf()
    }

    /// Blocks until this process holds the lock of `folder` (see [`FileLock::scope`]), creating
    /// the folder if it is missing.
    pub fn acquire(folder: &Path) -> io::Result<FileLock> {
        #[cfg(not(unix))]
        fs::create_dir_all(folder)?;
        #[cfg(unix)]
        match open_folder_creating(folder) {
            Ok(handle) => match handle.lock() {
                Ok(()) => {
                    return Ok(FileLock {
                        file: Arc::new(handle),
                        folder: folder.to_path_buf(),
                        lock_file: None,
                    });
                }
                Err(error) if !folder_lock_unsupported(&error) => return Err(error),
                Err(_) => {}
            },
            // A folder we may write in but not list (mode 0300): a lock file still works.
            Err(error) if error.kind() == io::ErrorKind::PermissionDenied => {}
            Err(error) => return Err(error),
        }
        acquire_lock_file(folder)
    }

    /// The open folder `folder`, when this is the lock of that folder held on the folder itself
    /// (then its fsync needs no `open` of its own: 2 calls fewer per folder an install changes).
    pub fn open_folder(&self, folder: &Path) -> Option<Arc<File>> {
        (self.lock_file.is_none() && self.folder == folder).then(|| Arc::clone(&self.file))
    }
}

/// Opens `folder` (refusing anything that is no folder), creating it and its parents first only
/// when it is missing: one call when it is there, where `create_dir_all` first would cost two
/// more (a `mkdir` that fails, a `stat`) for every folder an install locks.
#[cfg(unix)]
fn open_folder_creating(folder: &Path) -> io::Result<File> {
    use std::os::unix::fs::OpenOptionsExt;
    let open = || {
        OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_DIRECTORY)
            .open(folder)
    };
    match open() {
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            fs::create_dir_all(folder)?;
            open()
        }
        other => other,
    }
}

/// Whether a failed `flock` on a folder means "not on this file system" rather than a real
/// failure (NFS answers EBADF for a folder, which cannot be opened for writing).
#[cfg(unix)]
fn folder_lock_unsupported(error: &io::Error) -> bool {
    matches!(
        error.raw_os_error(),
        Some(libc::EBADF | libc::ENOLCK | libc::EINVAL | libc::EOPNOTSUPP)
    ) || error.kind() == io::ErrorKind::Unsupported
}

fn acquire_lock_file(folder: &Path) -> io::Result<FileLock> {
    let path = &folder.join(".tray-mcp.lock");
    loop {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)?;
        file.lock()?;
        if still_current(&file, path) {
            return Ok(FileLock {
                file: Arc::new(file),
                folder: folder.to_path_buf(),
                lock_file: Some(path.to_path_buf()),
            });
        }
        // The holder before us removed this lock file after we opened it: try the new one.
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        // Remove while still holding the lock, so nobody can lock a file about to vanish
        // without noticing (see `still_current`).
        if cfg!(unix)
            && let Some(path) = &self.lock_file
        {
            let _ = fs::remove_file(path);
        }
        // On Unix closing the descriptor (just after this) releases the lock: no call of its
        // own. Windows asks for the explicit unlock.
        #[cfg(not(unix))]
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_folder_is_locked_and_nothing_is_left_in_it() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("sub").join("c.json");
        let folder = FileLock::scope(&target);
        assert_eq!(folder, directory.path().join("sub"));
        {
            let lock = FileLock::acquire(&folder).unwrap();
            assert!(folder.is_dir(), "a missing folder is created");
            // On Unix the folder itself is locked, and its fsync takes the locked descriptor.
            let held = lock.open_folder(&folder);
            assert_eq!(held.is_some(), cfg!(unix));
            assert!(held.is_none_or(|handle| handle.sync_all().is_ok()));
            assert!(lock.open_folder(&folder.join("other")).is_none());
            // Another holder (another open file description, as another process has) waits.
            let other = File::open(&folder).unwrap();
            assert!(matches!(other.try_lock(), Err(fs::TryLockError::WouldBlock)));
        }
        let other = File::open(&folder).unwrap();
        assert!(other.try_lock().is_ok(), "released on drop");
        assert_eq!(fs::read_dir(&folder).unwrap().count(), 0, "nothing left in the folder");
    }

    #[test]
    fn a_lock_file_is_removed_on_release() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join(".tray-mcp.lock");
        {
            let lock = acquire_lock_file(directory.path()).unwrap();
            assert!(path.exists());
            assert!(
                lock.open_folder(directory.path()).is_none(),
                "the lock file is no folder to fsync"
            );
        }
        assert!(!path.exists() || cfg!(not(unix)));
    }
}
