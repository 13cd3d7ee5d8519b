//! Writing a user's file so that no reader ever sees half of it and no concurrent writer is lost.
//!
//! - **Lock**: the folder that holds the config (`flock` on the folder on Unix; a lock file
//!   `.tray-mcp.lock` in it where a folder cannot be locked). Locking the config itself is
//!   useless once a rename swaps its inode; with 8 processes × 25 writes that kept 55 of 200
//!   entries, against 200 of 200 with a lock that outlives the rename.
//! - **Atomic replace**: a temporary file in the same directory, fsync, rename, fsync of the
//!   directory. Permissions of the old file are kept; a symlink keeps pointing at its target,
//!   which is what gets replaced.
//! - **Backups**: the previous version goes to tray-mcp's own backup folder (never beside the
//!   user's file), 0600, the newest ten kept plus the very first one (`original`); one folder
//!   per file, never sharing storage with the live file after a run, scrubbed of the tokens a
//!   run takes out of the file (see [`backup`]).
//! - **Reading**: regular files only, at most [`READ_LIMIT`] bytes (a FIFO would hang the run,
//!   `/dev/zero` would fill memory).
//! - **Crash leftovers**: a file staged by a killed run is removed by the next run that locks
//!   its folder ([`remove_stale_staged`]).
//!
//! One file per concern: [`lock`], [`read`] (and symlinks), [`read_log`] (a debug-build test hook), [`fingerprint`], [`atomic`]
//! (replace and permissions), [`crew`] (the threads that fsync), [`backup`], [`signals`]. Everything is re-exported here.

mod atomic;
mod backup;
mod crew;
mod fingerprint;
mod lock;
mod read;
mod read_log;
mod signals;

pub use atomic::{
    Privacy, Replaced, StagedWrite, atomic_write, create_private_dir, is_disk_full, remove_created,
    remove_stale_staged, sync_all_parallel, sync_directories_parallel,
};
pub use backup::{BackupStore, SCRUBBED};
pub use crew::SyncCrew;
pub use fingerprint::Fingerprint;
pub use lock::FileLock;
pub use read::{
    READ_LIMIT, Unreadable, buffer_with_capacity, open_regular, read, read_if_exists, read_to_string,
    read_with_metadata, real_path, resolve_below, resolves_within,
};
pub use read_log::{COMMIT_MARK, log_reads_to, note_commit};
pub use signals::HoldSignals;
