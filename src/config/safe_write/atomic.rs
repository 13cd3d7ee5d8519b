//! Replacing a file so that no reader ever sees half of it.
//!
//! A temporary file in the same directory, fsync, rename, fsync of the directory. Permissions of
//! the old file are kept (or tightened to 0600 for a file that holds a secret); a symlink keeps
//! pointing at its target, which is what gets replaced.

use std::fs::{self, File};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use super::crew::{SyncCrew, Task};
use super::lock::FileLock;

/// Who may read the file after the write.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Privacy {
    /// Keep the old file's permissions; a new file gets 0644 (less the umask, as editors do).
    Ordinary,
    /// The file holds a secret: readable and writable by the owner only (0600).
    OwnerOnly,
}

/// What a staged write knows of the file it will replace before it is staged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Replaced {
    /// Not looked at: staging asks (one `stat`).
    #[default]
    Unknown,
    /// No file there (as read under the folder's lock).
    Nothing,
    /// A file with these permission bits (as read under the folder's lock; 0 where there are
    /// none to keep).
    Mode(u32),
}

impl Replaced {
    /// What the metadata of the file as read says (`None`: there was no file).
    pub fn from_metadata(metadata: Option<&fs::Metadata>) -> Replaced {
        metadata.map_or(Replaced::Nothing, |metadata| Replaced::Mode(permission_bits(metadata)))
    }

    /// The permission bits of the replaced file (`None`: none), asked now if not known.
    fn mode(self, target: &Path) -> Option<u32> {
        match self {
            Replaced::Unknown => fs::metadata(target).ok().map(|metadata| permission_bits(&metadata)),
            Replaced::Nothing => None,
            Replaced::Mode(mode) => Some(mode),
        }
    }
}

/// The permission bits a file's metadata gives (0 where the system has none to keep).
fn permission_bits(metadata: &fs::Metadata) -> u32 {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        metadata.permissions().mode() & 0o7777
    }
    #[cfg(not(unix))]
    {
        let _ = metadata;
        0
    }
}

/// Replaces `target` (a resolved path) with `contents` atomically and durably.
pub fn atomic_write(target: &Path, contents: &[u8], privacy: Privacy) -> io::Result<()> {
    let staged = StagedWrite::new(target, contents, privacy, Replaced::Unknown)?;
    staged.temporary.as_file().sync_all()?;
    let directory = staged.directory.clone();
    staged.commit()?;
    sync_directory(&directory);
    Ok(())
}

/// New content written to a temporary file beside its target, not yet in place.
///
/// Several files are staged first, then made durable together ([`sync_all_parallel`]), then
/// renamed into place one by one: the slow part (fsync, ~2-4 ms each on this kind of disk)
/// overlaps instead of adding up, and a failure before the renames leaves every target as it
/// was (the temporary files are deleted on drop).
#[derive(Debug)]
pub struct StagedWrite {
    temporary: tempfile::NamedTempFile,
    target: PathBuf,
    directory: PathBuf,
}

impl StagedWrite {
    /// Writes `contents` to a temporary file in the target's directory, with the permissions
    /// the target must end up with (those of the file it replaces, `replaced`, kept).
    pub fn new(target: &Path, contents: &[u8], privacy: Privacy, replaced: Replaced) -> io::Result<StagedWrite> {
        let directory = target
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .unwrap_or(Path::new("."))
            .to_path_buf();
        let file_name = target
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let existing = replaced.mode(target);
        let prefix = format!(".{file_name}{STAGED_MARK}");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        if existing.is_none() && privacy == Privacy::Ordinary {
            // A new ordinary file is created 0666 less the umask, as editors create files: the
            // kernel applies the umask, so there is nothing to look up or change afterwards.
            use std::os::unix::fs::PermissionsExt;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        // The folder is nearly always there (its lock was taken in it): created only when the
        // temporary file cannot be, which saves a failing `mkdir` and a `stat` per file.
        let mut temporary = match builder.tempfile_in(&directory) {
            Err(error) if error.kind() == io::ErrorKind::NotFound => {
                fs::create_dir_all(&directory)?;
                builder.tempfile_in(&directory)?
            }
            other => other?,
        };
        temporary.write_all(contents)?;
        apply_permissions(temporary.as_file(), existing, privacy)?;
        Ok(StagedWrite {
            temporary,
            target: target.to_path_buf(),
            directory,
        })
    }

    /// The directory the file lives in (to be synced after the rename).
    pub fn directory(&self) -> &Path {
        &self.directory
    }

    /// Renames the temporary file over the target.
    pub fn commit(self) -> io::Result<()> {
        persist_with_retry(self.temporary, &self.target)
    }
}

/// fsyncs every staged file, side by side on `crew`.
pub fn sync_all_parallel(staged: &[&StagedWrite], crew: &mut SyncCrew) -> io::Result<()> {
    let mut tasks: Vec<Task<()>> = Vec::with_capacity(staged.len());
    for file in staged {
        // A handle of its own, so the task needs nothing of the caller's.
        let handle = file.temporary.as_file().try_clone()?;
        tasks.push(Box::new(move || handle.sync_all()));
    }
    crew.run(tasks).into_iter().collect()
}

/// fsyncs directories (so renames in them are durable), side by side on `crew`, each through
/// the descriptor of its lock among `locks` where there is one. Best effort.
pub fn sync_directories_parallel(directories: &[PathBuf], locks: &[FileLock], crew: &mut SyncCrew) {
    let tasks: Vec<Task<()>> = directories
        .iter()
        .map(|directory| {
            let open = locks.iter().find_map(|lock| lock.open_folder(directory));
            let directory = directory.clone();
            Box::new(move || {
                match open {
                    Some(handle) => {
                        let _ = handle.sync_all();
                    }
                    None => sync_directory(&directory),
                }
                Ok(())
            }) as Task<()>
        })
        .collect();
    crew.run(tasks);
}

/// Gives the temporary file the mode the target must end up with: the old file's (made
/// owner-only for a secret), or 0600 for a new file holding a secret. A new ordinary file
/// already has its mode from its creation (see [`StagedWrite::new`]).
#[cfg(unix)]
fn apply_permissions(file: &File, existing: Option<u32>, privacy: Privacy) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    let mode = match (existing, privacy) {
        (Some(mode), Privacy::Ordinary) => mode,
        (Some(mode), Privacy::OwnerOnly) => mode & 0o700 | 0o600,
        (None, Privacy::Ordinary) => return Ok(()),
        (None, Privacy::OwnerOnly) => 0o600,
    };
    file.set_permissions(fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn apply_permissions(_file: &File, _existing: Option<u32>, _privacy: Privacy) -> io::Result<()> {
    Ok(())
}

fn persist_with_retry(temporary: tempfile::NamedTempFile, target: &Path) -> io::Result<()> {
    let mut pending = temporary;
    // Windows refuses to replace a file another program holds open for a moment (antivirus,
    // the client itself): retry with backoff. On Unix the first attempt settles it.
    for attempt in 0..6u32 {
        match pending.persist(target) {
            Ok(_) => return Ok(()),
            Err(error) if cfg!(windows) && attempt < 5 && error.error.kind() == io::ErrorKind::PermissionDenied => {
                pending = error.file;
                std::thread::sleep(Duration::from_millis(20 << attempt));
            }
            Err(error) => return Err(error.error),
        }
    }
    Ok(())
}

fn sync_directory(directory: &Path) {
    if cfg!(unix)
        && let Ok(handle) = File::open(directory)
    {
        let _ = handle.sync_all();
    }
}

/// Removes the files a killed run staged in `directory` and never renamed
/// (`.NAME.tray-mcp-XXXXXX.tmp`, holding a config's new text, inline token and all). Call it
/// only under the folder's lock: then no other run is staging there. Other files, and anything
/// that is not a regular file, stay. Best effort.
pub fn remove_stale_staged(directory: &Path) {
    let Ok(entries) = fs::read_dir(directory) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name();
        if is_staged_name(&name.to_string_lossy()) && entry.file_type().is_ok_and(|kind| kind.is_file()) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// Whether `name` is one [`StagedWrite::new`] gives: `.NAME.tray-mcp-` and six letters or
/// digits (tempfile's random part), then `.tmp`.
fn is_staged_name(name: &str) -> bool {
    let Some(stem) = name.strip_prefix('.').and_then(|rest| rest.strip_suffix(".tmp")) else {
        return false;
    };
    let Some(split) = stem.len().checked_sub(6).filter(|split| stem.is_char_boundary(*split)) else {
        return false;
    };
    let (head, random) = stem.split_at(split);
    random.chars().all(|c| c.is_ascii_alphanumeric()) && head.len() > STAGED_MARK.len() && head.ends_with(STAGED_MARK)
}

/// What sits between the file's name and the random part in a staged file's name.
const STAGED_MARK: &str = ".tray-mcp-";

/// Whether a failed write failed for want of space: the disk is full (ENOSPC) or the user's
/// quota is used up (EDQUOT). Then the advice is to free space, not to check permissions.
pub fn is_disk_full(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::StorageFull | io::ErrorKind::QuotaExceeded)
}

/// Removes a file we created in this run (rollback of a file that did not exist before).
pub fn remove_created(target: &Path) -> io::Result<()> {
    match fs::remove_file(target) {
        Err(error) if error.kind() != io::ErrorKind::NotFound => Err(error),
        _ => Ok(()),
    }
}

/// Creates a directory readable by the owner only (0700 on Unix).
pub fn create_private_dir(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        fs::DirBuilder::new().recursive(true).mode(0o700).create(path)
    }
    #[cfg(not(unix))]
    {
        fs::create_dir_all(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_names_are_told_from_others() {
        let directory = tempfile::tempdir().unwrap();
        let target = directory.path().join("mcp.json");
        let staged = StagedWrite::new(&target, b"{}", Privacy::Ordinary, Replaced::Unknown).unwrap();
        let name = staged
            .temporary
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(is_staged_name(&name), "{name}");
        for other in [
            ".mcp.json.tray-mcp-ab12.tmp",
            "mcp.json.tray-mcp-abc123.tmp",
            ".mcp.json.other-abc123.tmp",
            ".tray-mcp-abc123.tmp",
            ".mcp.json.tray-mcp-abc123.bak",
        ] {
            assert!(!is_staged_name(other), "{other}");
        }
    }

    #[cfg(unix)]
    #[test]
    fn write_through_symlink_keeps_link_and_mode() {
        use std::os::unix::fs::PermissionsExt;
        let directory = tempfile::tempdir().unwrap();
        let real = directory.path().join("real.json");
        let link = directory.path().join("link.json");
        fs::write(&real, "{}").unwrap();
        fs::set_permissions(&real, fs::Permissions::from_mode(0o640)).unwrap();
        std::os::unix::fs::symlink(&real, &link).unwrap();
        atomic_write(
            &super::super::resolve_below(&link, directory.path()).0,
            b"{\"a\":1}",
            Privacy::Ordinary,
        )
        .unwrap();
        assert!(fs::symlink_metadata(&link).unwrap().file_type().is_symlink());
        assert_eq!(fs::read_to_string(&real).unwrap(), "{\"a\":1}");
        assert_eq!(fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o640);
        atomic_write(&real, b"{}", Privacy::OwnerOnly).unwrap();
        assert_eq!(fs::metadata(&real).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
