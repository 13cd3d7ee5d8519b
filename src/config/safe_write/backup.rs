//! Backups of the previous version of every user file tray-mcp replaces.
//!
//! They go to tray-mcp's own backup folder (never beside the user's file), 0600, the newest ten
//! kept plus the very first one (`original`).
//!
//! Three rules keep them what they claim to be:
//! - **One folder per file**: its name is a readable part of the path plus a hash of the whole
//!   path, so `my_app/…` and `my/app/…`, `My Project` and `My_Project`, `café` and `cafè` never
//!   share `original` or prune each other's versions.
//! - **No storage shared with a live file once a run is over**: a backup is a hard link taken
//!   before the new file is renamed over the old one; a run that fails before that rename breaks
//!   the links ([`BackupStore::unshare`]), so an editor's in-place write of the config can never
//!   rewrite its backups.
//! - **No token outlives its use**: when a run takes a secret out of a file (rotated, removed,
//!   moved to an environment variable), every backup of that file is scrubbed of it
//!   ([`BackupStore::scrub`]); `uninstall --all` removes the whole folder.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::create_private_dir;

/// Where previous versions of user files are kept.
#[derive(Debug, Clone)]
pub struct BackupStore {
    root: PathBuf,
}

/// How many timestamped backups are kept per file (besides `original`).
const BACKUPS_KEPT: usize = 10;

/// How many characters of the path the folder name keeps (its end: the file's own name).
const READABLE_PART: usize = 64;

/// The shortest secret scrubbed from backups: an API token is longer, and a shorter value our
/// entry held (an `env` setting such as `true`) would rewrite unrelated text.
const SHORTEST_SCRUBBED: usize = 12;

/// What a scrubbed secret becomes in a backup.
pub const SCRUBBED: &str = "REMOVED-BY-TRAY-MCP";

impl BackupStore {
    /// A store under `root` (tray-mcp's config directory + `backups`).
    pub fn new(root: PathBuf) -> Self {
        BackupStore { root }
    }

    /// The folder holding every backup of every file.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The folder holding the backups of one file: the path's last characters made safe for a
    /// file name, then a hash of the whole path (the readable part alone can collide).
    pub fn folder_for(&self, target: &Path) -> PathBuf {
        let slug: Vec<char> = target
            .to_string_lossy()
            .trim_start_matches(['/', '\\'])
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let readable: String = slug[slug.len().saturating_sub(READABLE_PART)..].iter().collect();
        self.root.join(format!(
            "{readable}-{:016x}",
            fnv1a(target.as_os_str().as_encoded_bytes())
        ))
    }

    /// Keeps the current version of `target` (about to be replaced by a rename). Returns the
    /// backup's path.
    ///
    /// The backup is a hard link to the current file: since tray-mcp never writes into a file
    /// but renames a new one over it, the old content stays intact under the backup's name, at
    /// no cost even for a 20 MB `~/.claude.json`. Where a link is impossible (another file
    /// system), the file is copied. Links left by a run that was killed before its rename are
    /// broken first.
    pub fn save(&self, target: &Path) -> io::Result<PathBuf> {
        let folder = self.folder_for(target);
        create_private_dir(&folder)?;
        self.unshare(target)?;
        let original = folder.join("original");
        if !original.exists() {
            link_or_copy(target, &original)?;
        }
        let path = folder.join(timestamp_name());
        link_or_copy(target, &path)?;
        self.prune(&folder);
        Ok(path)
    }

    /// Makes every backup of `target` that shares storage with it (a hard link taken by a run
    /// that then did not replace the file) a copy of its own.
    pub fn unshare(&self, target: &Path) -> io::Result<()> {
        let Some(live) = identity(target) else { return Ok(()) };
        for backup in self.backups_of(target) {
            if identity(&backup) == Some(live) {
                replace_with(&backup, &fs::read(&backup)?)?;
            }
        }
        Ok(())
    }

    /// Replaces every occurrence of `secrets` in the backups of `target` with [`SCRUBBED`];
    /// the paths of the backups that could not be scrubbed, with why.
    pub fn scrub(&self, target: &Path, secrets: &[String]) -> Vec<(PathBuf, io::Error)> {
        let finders: Vec<memchr::memmem::Finder<'_>> = secrets
            .iter()
            .filter(|secret| secret.len() >= SHORTEST_SCRUBBED)
            .map(|secret| memchr::memmem::Finder::new(secret.as_bytes()))
            .collect();
        let mut failed = Vec::new();
        if finders.is_empty() {
            return failed;
        }
        for backup in self.backups_of(target) {
            let scrubbed = fs::read(&backup).and_then(|bytes| match scrubbed(&bytes, &finders) {
                Some(clean) => replace_with(&backup, &clean),
                None => Ok(()),
            });
            if let Err(error) = scrubbed {
                failed.push((backup, error));
            }
        }
        failed
    }

    /// The backups kept of `target`: `original` and the timestamped ones.
    fn backups_of(&self, target: &Path) -> Vec<PathBuf> {
        let Ok(entries) = fs::read_dir(self.folder_for(target)) else {
            return Vec::new();
        };
        entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| {
                path.file_name().is_some_and(|name| name == "original")
                    || path.extension().is_some_and(|extension| extension == "bak")
            })
            .collect()
    }

    fn prune(&self, folder: &Path) {
        let Ok(entries) = fs::read_dir(folder) else { return };
        let mut stamped: Vec<PathBuf> = entries
            .filter_map(Result::ok)
            .map(|entry| entry.path())
            .filter(|path| path.extension().is_some_and(|extension| extension == "bak"))
            .collect();
        stamped.sort();
        let excess = stamped.len().saturating_sub(BACKUPS_KEPT);
        for old in &stamped[..excess] {
            let _ = fs::remove_file(old);
        }
    }
}

/// `bytes` with every match of `finders` replaced by [`SCRUBBED`]; `None` when none matched.
fn scrubbed(bytes: &[u8], finders: &[memchr::memmem::Finder<'_>]) -> Option<Vec<u8>> {
    let mut current: Option<Vec<u8>> = None;
    for finder in finders {
        let text = current.as_deref().unwrap_or(bytes);
        if finder.find(text).is_none() {
            continue;
        }
        let mut clean = Vec::with_capacity(text.len());
        let mut last = 0;
        for start in finder.find_iter(text) {
            if start < last {
                continue;
            }
            clean.extend_from_slice(&text[last..start]);
            clean.extend_from_slice(SCRUBBED.as_bytes());
            last = start + finder.needle().len();
        }
        clean.extend_from_slice(&text[last..]);
        current = Some(clean);
    }
    current
}

/// Writes `contents` as the new `backup` (a new file renamed over it, 0600), so a link it
/// shared with another name is broken.
fn replace_with(backup: &Path, contents: &[u8]) -> io::Result<()> {
    super::atomic_write(backup, contents, super::Privacy::OwnerOnly)
}

/// The device and inode of a file (`None` when it is missing, or off Unix).
fn identity(path: &Path) -> Option<(u64, u64)> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        fs::metadata(path).ok().map(|metadata| (metadata.dev(), metadata.ino()))
    }
    #[cfg(not(unix))]
    {
        let _ = path;
        None
    }
}

/// FNV-1a, 64 bits: a hash that stays the same across versions and platforms (std's hasher
/// promises neither), for folder names.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, byte| {
        (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn link_or_copy(from: &Path, to: &Path) -> io::Result<()> {
    if fs::hard_link(from, to).is_ok() {
        return Ok(());
    }
    fs::copy(from, to)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        fs::set_permissions(to, fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// `20261122T031500.123456789Z-<pid>.bak`: sortable, unique per process.
fn timestamp_name() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = now.as_secs();
    let (year, month, day) = civil_from_days((seconds / 86_400) as i64);
    let time_of_day = seconds % 86_400;
    format!(
        "{year:04}{month:02}{day:02}T{:02}{:02}{:02}.{:09}Z-{}.bak",
        time_of_day / 3600,
        time_of_day / 60 % 60,
        time_of_day % 60,
        now.subsec_nanos(),
        std::process::id()
    )
}

/// Days since 1970-01-01 to a (year, month, day) date (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468;
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_that_read_alike_get_folders_of_their_own() {
        let store = BackupStore::new(PathBuf::from("/b"));
        let pairs = [
            ("/h/src/my_app/.cursor/mcp.json", "/h/src/my/app/.cursor/mcp.json"),
            ("/h/My Project/.mcp.json", "/h/My_Project/.mcp.json"),
            ("/h/caf\u{e9}/.mcp.json", "/h/caf\u{e8}/.mcp.json"),
        ];
        for (left, right) in pairs {
            assert_ne!(store.folder_for(Path::new(left)), store.folder_for(Path::new(right)));
        }
        let folder = store.folder_for(Path::new("/h/.cursor/mcp.json"));
        assert_eq!(folder, store.folder_for(Path::new("/h/.cursor/mcp.json")), "stable");
        assert!(
            folder.to_string_lossy().starts_with("/b/h_.cursor_mcp.json-"),
            "{}",
            folder.display()
        );
    }

    #[test]
    fn scrubbing_replaces_every_occurrence() {
        let secrets = ["abc".to_string(), "zz".to_string()];
        // (`scrub` itself leaves values shorter than a token alone.)
        let finders: Vec<_> = secrets
            .iter()
            .map(|s| memchr::memmem::Finder::new(s.as_bytes()))
            .collect();
        assert_eq!(
            scrubbed(b"x abc abcabc zz", &finders).unwrap(),
            format!("x {SCRUBBED} {SCRUBBED}{SCRUBBED} {SCRUBBED}").into_bytes()
        );
        assert!(scrubbed(b"nothing", &finders).is_none());
    }

    #[cfg(unix)]
    #[test]
    fn unshare_breaks_the_links_and_keeps_the_content() {
        use std::os::unix::fs::MetadataExt;
        let directory = tempfile::tempdir().unwrap();
        let store = BackupStore::new(directory.path().join("backups"));
        let live = directory.path().join("mcp.json");
        fs::write(&live, "{}").unwrap();
        let saved = store.save(&live).unwrap();
        assert_eq!(
            fs::metadata(&live).unwrap().nlink(),
            3,
            "original and the .bak are links"
        );
        store.unshare(&live).unwrap();
        assert_eq!(fs::metadata(&live).unwrap().nlink(), 1);
        assert_eq!(fs::read(saved).unwrap(), b"{}");
        assert_eq!(fs::read(store.folder_for(&live).join("original")).unwrap(), b"{}");
    }

    #[test]
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
