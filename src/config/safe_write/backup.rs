//! Backups of the previous version of every user file tray-mcp replaces.
//!
//! They go to tray-mcp's own backup folder (never beside the user's file), 0600, the newest ten
//! kept plus the very first one (`original`).

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

impl BackupStore {
    /// A store under `root` (tray-mcp's config directory + `backups`).
    pub fn new(root: PathBuf) -> Self {
        BackupStore { root }
    }

    /// The folder holding the backups of one file.
    pub fn folder_for(&self, target: &Path) -> PathBuf {
        let slug: String = target
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
        self.root.join(slug)
    }

    /// Keeps the current version of `target` (about to be replaced by a rename). Returns the
    /// backup's path.
    ///
    /// The backup is a hard link to the current file: since tray-mcp never writes into a file
    /// but renames a new one over it, the old content stays intact under the backup's name, at
    /// no cost even for a 20 MB `~/.claude.json`. Where a link is impossible (another file
    /// system), the file is copied.
    pub fn save(&self, target: &Path) -> io::Result<PathBuf> {
        let folder = self.folder_for(target);
        create_private_dir(&folder)?;
        let original = folder.join("original");
        if !original.exists() {
            link_or_copy(target, &original)?;
        }
        let path = folder.join(timestamp_name());
        link_or_copy(target, &path)?;
        self.prune(&folder);
        Ok(path)
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
    fn civil_dates() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_414), (2025, 11, 22));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
    }
}
