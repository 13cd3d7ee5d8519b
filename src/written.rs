//! tray-mcp's record of the entries it wrote into client configs (`written.json`).
//!
//! Why a record: an entry's shape does not always say who wrote it. The bundled server's entry
//! and a bridge through `TRAY_AUTH_HEADER` are tray-mcp's by shape, but an http or headless
//! entry, or a bridge that names the token's variable, can be written by hand exactly as
//! tray-mcp writes it; and only entries tray-mcp wrote are its to replace, prune or uninstall
//! (see [`crate::clients::ownership`]). So every commit that sets an entry records its file
//! (as its client names it) and key path here, and forgets an entry once its file no longer has
//! it (removed, renamed, pruned, or taken out by hand and noticed by the next command that
//! writes the file). It is written in the same commit as the configs it describes, beside
//! [`crate::created`]'s record. A missing or unreadable record only means fewer entries count
//! as tray-mcp's: the safe side.

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem, FileTask, Folder};
use crate::config::{Change, DocumentError, Format};
use crate::paths::Environment;

/// Every entry tray-mcp wrote, by config file: the key paths of its entries there.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Written {
    /// The entries' key paths, by config file (as its client names it).
    #[serde(default)]
    pub files: BTreeMap<String, BTreeSet<Vec<String>>>,
}

impl Written {
    /// Whether tray-mcp wrote the entry at `entry_path` of the file at `path`.
    pub fn has(&self, path: &Path, entry_path: &[String]) -> bool {
        self.files
            .get(&key(path))
            .is_some_and(|entries| entries.contains(entry_path))
    }
}

fn key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The record's file.
pub fn record_path(environment: &Environment) -> PathBuf {
    environment.join(&environment.tray_config_dir(), &["written.json"])
}

/// Reads the record; a missing or unreadable one is empty.
pub fn load(environment: &Environment) -> Written {
    crate::config::safe_write::read_to_string(&record_path(environment))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// One config file as a command plans to leave it.
pub struct WrittenFile<'a> {
    /// The file as its client names it.
    pub path: &'a Path,
    /// Its format.
    pub format: Format,
    /// Its text after the command (`None`: deleted).
    pub after: Option<&'a str>,
    /// The key paths of the entries the command sets in it.
    pub set_entries: Vec<Vec<String>>,
}

/// The record after the commands' changes to `files`: entries set are recorded, recorded
/// entries a file no longer has are forgotten.
pub fn updated(known: &Written, files: &[WrittenFile<'_>]) -> Result<Written, DocumentError> {
    let mut record = known.clone();
    for file in files {
        let path = key(file.path);
        let mut entries = record.files.remove(&path).unwrap_or_default();
        if let Some(after) = file.after {
            entries = present_entries(file.format, after, &entries)?;
            entries.extend(file.set_entries.iter().cloned());
        } else {
            entries.clear();
        }
        if !entries.is_empty() {
            record.files.insert(path, entries);
        }
    }
    Ok(record)
}

/// Which of `entries` the text has (one pass over it, however many entries).
fn present_entries(
    format: Format,
    text: &str,
    entries: &BTreeSet<Vec<String>>,
) -> Result<BTreeSet<Vec<String>>, DocumentError> {
    let parents: BTreeSet<Vec<&str>> = entries
        .iter()
        .filter_map(|entry| entry.split_last())
        .map(|(_, parent)| parent.iter().map(String::as_str).collect())
        .collect();
    if parents.is_empty() {
        return Ok(BTreeSet::new());
    }
    let patterns: Vec<&[&str]> = parents.iter().map(Vec::as_slice).collect();
    let found: HashSet<Vec<String>> = crate::config::format::keys_matching(format, text, &patterns)?
        .into_iter()
        .flat_map(|(at, keys)| {
            keys.into_iter().map(move |key| {
                let mut path = at.clone();
                path.push(key);
                path
            })
        })
        .collect();
    Ok(entries.iter().filter(|entry| found.contains(*entry)).cloned().collect())
}

/// The task that writes `record` (when it differs from what the file holds).
pub fn task(environment: &Environment, record: Written) -> FileTask {
    let path = record_path(environment);
    FileTask {
        shown_path: environment.display_path(&path),
        path,
        role: "tray-mcp record of the entries it wrote".to_string(),
        privacy: Privacy::OwnerOnly,
        backup: false,
        named_by_others: false,
        folder: Folder::User(environment.home.clone()),
        edit: Box::new(WriteRecord(record)),
    }
}

struct WriteRecord(Written);

impl FileEdit for WriteRecord {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let old: Written = current
            .and_then(|text| serde_json::from_str(text).ok())
            .unwrap_or_default();
        if old == self.0 && (current.is_some() || self.0.files.is_empty()) {
            return Ok(Edited {
                contents: current.map(str::to_string),
                change: Change::Unchanged,
            });
        }
        if self.0.files.is_empty() {
            return Ok(Edited {
                contents: None,
                change: Change::Removed,
            });
        }
        let mut text = serde_json::to_string_pretty(&self.0).unwrap_or_default();
        text.push('\n');
        Ok(Edited {
            contents: Some(text),
            change: if current.is_none() {
                Change::Added
            } else {
                Change::Updated
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn path(parts: &[&str]) -> Vec<String> {
        parts.iter().map(|part| part.to_string()).collect()
    }

    #[test]
    fn entries_set_are_recorded_and_entries_gone_from_their_file_forgotten() {
        let file = Path::new("/h/.cursor/mcp.json");
        let first = updated(
            &Written::default(),
            &[WrittenFile {
                path: file,
                format: Format::Json,
                after: Some(r#"{"mcpServers": {"a": {}, "b": {}}}"#),
                set_entries: vec![path(&["mcpServers", "a"]), path(&["mcpServers", "b"])],
            }],
        )
        .unwrap();
        assert!(first.has(file, &path(&["mcpServers", "a"])));
        let second = updated(
            &first,
            &[WrittenFile {
                path: file,
                format: Format::Json,
                after: Some(r#"{"mcpServers": {"b": {}}}"#),
                set_entries: Vec::new(),
            }],
        )
        .unwrap();
        assert!(!second.has(file, &path(&["mcpServers", "a"])));
        assert!(second.has(file, &path(&["mcpServers", "b"])));
        let deleted = WrittenFile {
            path: file,
            format: Format::Json,
            after: None,
            set_entries: Vec::new(),
        };
        assert_eq!(updated(&second, &[deleted]).unwrap(), Written::default());
    }
}
