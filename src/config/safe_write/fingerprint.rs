//! Telling whether a file changed since it was read, without reading it again.
//!
//! Why: re-reading Claude Code's 20 MB state file under the lock would cost as much as the edit
//! itself; its metadata says the same in microseconds.

use std::fs;
use std::path::Path;
use std::time::SystemTime;

/// What identifies one version of a file without reading it: size, modification and change
/// times, and (on Unix) device and inode. A rename or any write changes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fingerprint {
    length: u64,
    modified: Option<SystemTime>,
    identity: (u64, u64, i64, i64),
}

impl Fingerprint {
    /// The fingerprint of the file now (`None` when it does not exist).
    pub fn of(path: &Path) -> Option<Fingerprint> {
        fs::metadata(path)
            .ok()
            .map(|metadata| Fingerprint::from_metadata(&metadata))
    }

    /// The fingerprint the metadata of a file gives (an open file's, or a path's).
    pub fn from_metadata(metadata: &fs::Metadata) -> Fingerprint {
        #[cfg(unix)]
        let identity = {
            use std::os::unix::fs::MetadataExt;
            (metadata.dev(), metadata.ino(), metadata.ctime(), metadata.ctime_nsec())
        };
        #[cfg(not(unix))]
        let identity = (0, 0, 0, 0);
        Fingerprint {
            length: metadata.len(),
            modified: metadata.modified().ok(),
            identity,
        }
    }
}
