//! What tray-mcp created in users' config files: the servers containers (`"mcpServers": {}`,
//! `[mcp_servers]`, `extensions:`) and the files themselves, so that removing the last Tray
//! entry puts the file back as the user had it.
//!
//! Why a record rather than a rule: after the last entry goes, an empty `"mcpServers": {}` may
//! be the user's (they had it before the install, and it must stay) or tray-mcp's (the install
//! created it, and it must go). The file alone cannot tell, so the install that creates a
//! container, or a file, says so here, in tray-mcp's config folder beside the profiles and
//! backups (`created.json`). A remove takes a container out only when it is empty *and* recorded
//! here, and deletes a file only when tray-mcp created it and it now holds nothing at all. What
//! is gone is forgotten.
//!
//! A path alone does not say who wrote the file there now, so each record carries a fingerprint
//! of the text tray-mcp last wrote and counts only while the file holds exactly that
//! ([`identity`]): a file the user deleted and wrote anew, or changed, keeps everything but our
//! entry. The record also says how to give the file system back: the folders the install
//! created (removed when empty), the text of a file that held nothing (a 0-byte file comes back
//! as 0 bytes) and the mode an install tightened for an inline token (given back once none is
//! left).
//!
//! The record is keyed by the config file (as its client names it) and the container's key
//! path, not by entry: several entries share a container, and renaming one changes nothing.
//! It is written in the same commit as the config files it describes (see
//! [`crate::commands::finish_planned`]), so a failed write leaves neither half-done. A missing
//! record (an install by an older tray-mcp) only means the container stays, as before.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::safe_write::Privacy;

mod identity;

use crate::config::transaction::{Edited, FileEdit, FileProblem, FileTask, Folder};
use crate::config::{Change, DocumentError, Format};
use crate::paths::Environment;
pub use identity::{AfterCommit, run_after_commit};

/// What tray-mcp created in one config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileRecord {
    /// The file did not exist before tray-mcp wrote it.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub file: bool,
    /// The key paths of the containers an install added (`["mcpServers"]`, and for Claude
    /// Code's project entries `["projects", DIR]` and `["projects", DIR, "mcpServers"]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub containers: Vec<Vec<String>>,
    /// The folders the install created for the file, innermost first: they go with the file
    /// when they are empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub folders: Vec<String>,
    /// What the file held when it held nothing (0 bytes, or only white space) before tray-mcp
    /// wrote into it: a remove that leaves nothing gives exactly that back, not `{}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blank: Option<String>,
    /// The file's mode before an install tightened it to owner-only for an inline token: given
    /// back once no inline token is left in the file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<u32>,
    /// The fingerprint of the text tray-mcp last wrote to the file ([`identity::of_text`]). A
    /// record is trusted only while the file still holds that text: a file deleted and written
    /// anew by the user, or rewritten by anyone, is no longer known to be what tray-mcp created.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written: Option<String>,
}

impl FileRecord {
    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        !self.file && self.containers.is_empty() && self.blank.is_none() && self.mode.is_none()
    }

    /// Whether the file, holding `text` now, is still the one this record describes: its text is
    /// the one tray-mcp last wrote. A record without a fingerprint (an older tray-mcp's) is not.
    pub fn identifies(&self, text: Option<&str>) -> bool {
        match (text, &self.written) {
            (Some(text), Some(written)) => identity::of_text(text) == *written,
            _ => false,
        }
    }

    /// The recorded containers, innermost first (a parent is checked after its child went).
    pub fn containers_innermost_first(&self) -> Vec<&[String]> {
        let mut containers: Vec<&[String]> = self.containers.iter().map(Vec::as_slice).collect();
        containers.sort_by_key(|path| std::cmp::Reverse(path.len()));
        containers
    }
}

/// Every record, by config file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Created {
    /// The config files, by path as their client names them.
    #[serde(default)]
    pub files: BTreeMap<String, FileRecord>,
}

impl Created {
    /// What is recorded for the file at `path` (nothing when it is not recorded).
    pub fn for_file(&self, path: &Path) -> FileRecord {
        self.files.get(&key(path)).cloned().unwrap_or_default()
    }

    /// Applies `changes`: each changed file's record is replaced (or dropped).
    fn apply(&mut self, changes: &RecordChanges) {
        for (path, record) in &changes.records {
            match record {
                Some(record) => {
                    self.files.insert(path.clone(), record.clone());
                }
                None => {
                    self.files.remove(path);
                }
            }
        }
    }
}

fn key(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The record's file.
pub fn record_path(environment: &Environment) -> PathBuf {
    environment.join(&environment.tray_config_dir(), &["created.json"])
}

/// Reads the record. A missing or unreadable one is empty: then a remove keeps containers and
/// files, which is the safe side (the commit that writes it reports a broken one).
pub fn load(environment: &Environment) -> Created {
    crate::config::safe_write::read_to_string(&record_path(environment))
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or_default()
}

/// The changes one command makes to the record, an edit of its file, and what is to be done
/// once the config files are written (folders to remove, modes to give back).
#[derive(Debug, Clone, Default)]
pub struct RecordChanges {
    /// Each changed file's new record (`None`: forgotten).
    records: Vec<(String, Option<FileRecord>)>,
    after_commit: Vec<AfterCommit>,
}

/// One config file as a command plans to change it, for [`RecordChanges::add`].
pub struct ConfigChange<'a> {
    /// The file as its client names it.
    pub path: &'a Path,
    /// Its format.
    pub format: Format,
    /// Its text before (`None`: missing).
    pub before: Option<&'a str>,
    /// Its text after (`None`: deleted).
    pub after: Option<&'a str>,
    /// The key paths of the entries the command sets in it.
    pub added_entries: Vec<Vec<String>>,
    /// The folders writing the file will create (those on its path that do not exist yet, below
    /// the home folder), innermost first.
    pub new_folders: Vec<PathBuf>,
    /// The file's mode, when the write makes an existing file owner-only that was not.
    pub tightened_from: Option<u32>,
    /// Key paths of objects known to exist in `before` (the plan's read skimmed for them): a
    /// container among them was there already, and `before` is not skimmed again for it.
    pub present_before: &'a [Vec<String>],
}

impl RecordChanges {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Adds what one changed file means for the record. A record that no longer identifies the
    /// file (see [`FileRecord::identifies`]) is dropped first: what it says tray-mcp created may
    /// be the user's now. Then: a deleted file is forgotten (its recorded folders go after the
    /// commit); a recorded container no longer there is forgotten; a file, folder or container
    /// the command's entries brought is recorded, and the text written fingerprinted.
    pub fn add(&mut self, change: &ConfigChange<'_>, known: &Created) -> Result<(), DocumentError> {
        let path = key(change.path);
        let had_record = known.files.contains_key(&path);
        let trusted = known.files.get(&path).filter(|record| record.identifies(change.before));
        let Some(after) = change.after else {
            if let Some(record) = trusted {
                let folders = record.folders.iter().map(PathBuf::from).map(AfterCommit::RemoveFolder);
                self.after_commit.extend(folders);
            }
            if had_record {
                self.records.push((path, None));
            }
            return Ok(());
        };
        let mut record = trusted.cloned().unwrap_or_default();
        let mut gone = Vec::new();
        for container in &record.containers {
            if !has_key(change.format, after, container)? {
                gone.push(container.clone());
            }
        }
        record.containers.retain(|container| !gone.contains(container));
        match change.before {
            None => {
                record = FileRecord {
                    file: !change.added_entries.is_empty(),
                    containers: all_levels(&change.added_entries),
                    folders: change.new_folders.iter().map(|folder| key(folder)).collect(),
                    ..FileRecord::default()
                };
                if !record.file {
                    record = FileRecord::default();
                }
            }
            Some(before) => {
                for container in created_containers(change, before, after)? {
                    if !record.containers.contains(&container) {
                        record.containers.push(container);
                    }
                }
                if is_blank(before) && !change.added_entries.is_empty() && record.blank.is_none() {
                    record.blank = Some(before.to_string());
                }
            }
        }
        self.track_mode(change, after, &mut record);
        if record.blank.is_some() && is_blank(after) {
            // Given back as it was: nothing left to remember.
            record = FileRecord::default();
        }
        if record.is_empty() {
            if had_record {
                self.records.push((path, None));
            }
        } else {
            record.written = Some(identity::of_text(after));
            self.records.push((path, Some(record)));
        }
        Ok(())
    }

    /// Records the mode a write tightens, and gives it back once no inline token is left.
    fn track_mode(&mut self, change: &ConfigChange<'_>, after: &str, record: &mut FileRecord) {
        if let Some(mode) = change.tightened_from {
            record.mode.get_or_insert(mode);
        } else if let Some(mode) = record.mode
            && !identity::holds_inline_token(after)
        {
            self.after_commit
                .push(AfterCommit::RestoreMode(change.path.to_path_buf(), mode));
            record.mode = None;
        }
    }

    /// What is to be done once the commit that writes these changes has succeeded.
    pub fn take_after_commit(&mut self) -> Vec<AfterCommit> {
        std::mem::take(&mut self.after_commit)
    }

    /// The task that writes these changes into the record's file.
    pub fn task(self, environment: &Environment) -> FileTask {
        let path = record_path(environment);
        FileTask {
            shown_path: environment.display_path(&path),
            path,
            role: "tray-mcp record of created containers".to_string(),
            privacy: Privacy::OwnerOnly,
            backup: false,
            folder: Folder::User(environment.home.clone()),
            named_by_others: false,
            edit: Box::new(self),
        }
    }
}

/// The container key paths on the way to an entry: every proper prefix but the empty one.
fn levels(entry: &[String]) -> Vec<Vec<String>> {
    (1..entry.len()).map(|depth| entry[..depth].to_vec()).collect()
}

/// The containers on the way to every entry, each once.
fn all_levels(entries: &[Vec<String>]) -> Vec<Vec<String>> {
    let mut all: Vec<Vec<String>> = Vec::new();
    for container in entries.iter().flat_map(|entry| levels(entry)) {
        if !all.contains(&container) {
            all.push(container);
        }
    }
    all
}

/// The containers on the way to the change's entries that `before` lacks and `after` has.
fn created_containers(change: &ConfigChange<'_>, before: &str, after: &str) -> Result<Vec<Vec<String>>, DocumentError> {
    let mut created: Vec<Vec<String>> = Vec::new();
    for entry in &change.added_entries {
        let containers = levels(entry);
        // The common case first: the servers container was there already (known from the
        // plan's read, else one skim).
        if containers.last().is_none_or(|innermost| {
            change.present_before.contains(innermost) || has_key(change.format, before, innermost).unwrap_or(true)
        }) {
            continue;
        }
        for container in containers {
            if !created.contains(&container)
                && !has_key(change.format, before, &container)?
                && has_key(change.format, after, &container)?
            {
                created.push(container);
            }
        }
    }
    Ok(created)
}

/// Whether a file's text holds nothing at all: no byte but white space (and a byte-order mark).
pub fn is_blank(text: &str) -> bool {
    text.chars()
        .all(|character| character.is_whitespace() || character == '\u{feff}')
}

/// Whether `text` has the key at `path`. JSON is skimmed in one pass without building anything
/// (Claude Code's state file can be tens of megabytes); other formats are opened and asked.
fn has_key(format: Format, text: &str, path: &[String]) -> Result<bool, DocumentError> {
    let Some((last, parent)) = path.split_last() else {
        return Ok(true);
    };
    let parent: Vec<&str> = parent.iter().map(String::as_str).collect();
    let found = crate::config::format::keys_matching(format, text, &[&parent])?;
    Ok(found
        .iter()
        .any(|(at, keys)| at.iter().map(String::as_str).eq(parent.iter().copied()) && keys.contains(last)))
}

impl FileEdit for RecordChanges {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut created: Created = match current {
            None => Created::default(),
            Some(text) => serde_json::from_str(text).map_err(|error| {
                FileProblem::Document(DocumentError::Syntax {
                    line: error.line(),
                    column: error.column(),
                    message: error.to_string(),
                })
            })?,
        };
        let old = created.clone();
        created.apply(self);
        if created == old {
            return Ok(Edited {
                contents: current.map(str::to_string),
                change: Change::Unchanged,
            });
        }
        let change = if current.is_none() {
            Change::Added
        } else {
            Change::Updated
        };
        if created.files.is_empty() {
            // Nothing left to remember: the file goes, as it was before the first install.
            return Ok(Edited {
                contents: None,
                change: Change::Removed,
            });
        }
        let mut text = serde_json::to_string_pretty(&created).unwrap_or_default();
        text.push('\n');
        Ok(Edited {
            contents: Some(text),
            change,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(path: &[&str]) -> Vec<String> {
        path.iter().map(|key| (*key).to_string()).collect()
    }

    fn changes_for(before: Option<&str>, after: Option<&str>, known: &Created) -> RecordChanges {
        let mut changes = RecordChanges::default();
        changes
            .add(
                &ConfigChange {
                    path: Path::new("/h/.claude.json"),
                    format: Format::Json,
                    before,
                    after,
                    added_entries: vec![strings(&["projects", "/p", "mcpServers", "tray"])],
                    new_folders: Vec::new(),
                    tightened_from: None,
                    present_before: &[],
                },
                known,
            )
            .unwrap();
        changes
    }

    fn applied(changes: &RecordChanges, known: &Created) -> Created {
        let mut created = known.clone();
        created.apply(changes);
        created
    }

    #[test]
    fn records_only_the_levels_the_install_added() {
        let before = r#"{"projects": {"/p": {"trust": true}}}"#;
        let after = r#"{"projects": {"/p": {"trust": true, "mcpServers": {"tray": {}}}}}"#;
        let created = applied(
            &changes_for(Some(before), Some(after), &Created::default()),
            &Created::default(),
        );
        let record = created.for_file(Path::new("/h/.claude.json"));
        assert!(!record.file);
        assert_eq!(record.containers, vec![strings(&["projects", "/p", "mcpServers"])]);
    }

    #[test]
    fn a_container_the_plans_read_found_is_taken_as_there_without_a_skim() {
        // The text is made up to show which answer wins: the read's skim found the servers
        // object, so `before` is not skimmed for it again (the 20 MB state file's second pass).
        let before = r#"{"projects": {"/p": {"trust": true}}}"#;
        let after = r#"{"projects": {"/p": {"trust": true, "mcpServers": {"tray": {}}}}}"#;
        let present = [strings(&["projects", "/p", "mcpServers"])];
        let mut changes = RecordChanges::default();
        changes
            .add(
                &ConfigChange {
                    path: Path::new("/h/.claude.json"),
                    format: Format::Json,
                    before: Some(before),
                    after: Some(after),
                    added_entries: vec![strings(&["projects", "/p", "mcpServers", "tray"])],
                    new_folders: Vec::new(),
                    tightened_from: None,
                    present_before: &present,
                },
                &Created::default(),
            )
            .unwrap();
        assert!(changes.is_empty());
    }

    #[test]
    fn a_new_file_records_the_file_and_every_level() {
        let after = r#"{"projects": {"/p": {"mcpServers": {"tray": {}}}}}"#;
        let created = applied(
            &changes_for(None, Some(after), &Created::default()),
            &Created::default(),
        );
        let record = created.for_file(Path::new("/h/.claude.json"));
        assert!(record.file);
        assert_eq!(record.containers.len(), 3);
        assert_eq!(
            record.containers_innermost_first()[0],
            strings(&["projects", "/p", "mcpServers"]).as_slice()
        );
    }

    #[test]
    fn a_container_that_was_there_is_not_recorded_and_a_gone_one_is_forgotten() {
        let with = r#"{"projects": {"/p": {"mcpServers": {"tray": {}}}}}"#;
        let known = applied(&changes_for(None, Some(with), &Created::default()), &Created::default());
        // A second install into the same container records nothing new.
        let again = changes_for(Some(with), Some(with), &known);
        assert_eq!(applied(&again, &known), known);
        // The containers went: forgotten; the file record stays while the file does.
        let mut gone = RecordChanges::default();
        gone.add(
            &ConfigChange {
                path: Path::new("/h/.claude.json"),
                format: Format::Json,
                before: Some(with),
                after: Some("{\"theme\": 1}"),
                added_entries: Vec::new(),
                new_folders: Vec::new(),
                tightened_from: None,
                present_before: &[],
            },
            &known,
        )
        .unwrap();
        let left = applied(&gone, &known).for_file(Path::new("/h/.claude.json"));
        assert_eq!(
            left,
            FileRecord {
                file: true,
                written: Some(identity::of_text("{\"theme\": 1}")),
                ..FileRecord::default()
            }
        );
        // The file went: all of it is forgotten, and the record's file with it.
        let deleted = changes_for(Some(with), None, &known);
        let edited = deleted.apply(Some(&serde_json::to_string(&known).unwrap())).unwrap();
        assert_eq!(edited.contents, None);
    }

    #[test]
    fn every_format_tells_a_container_that_was_there() {
        for (format, before, after) in [
            (Format::Json, "{\"a\": 1}", "{\"a\": 1, \"mcpServers\": {\"tray\": {}}}"),
            (
                Format::Jsonc,
                "// c\n{\"a\": 1,}",
                "{\"a\": 1, \"mcpServers\": {\"tray\": {}}}",
            ),
            (Format::Toml, "a = 1\n", "a = 1\n[mcpServers.tray]\nx = 1\n"),
            (Format::Yaml, "a: 1\n", "a: 1\nmcpServers:\n  tray:\n    x: 1\n"),
        ] {
            let entry = strings(&["mcpServers", "tray"]);
            let mut changes = RecordChanges::default();
            let change = ConfigChange {
                path: Path::new("/h/c"),
                format,
                before: Some(before),
                after: Some(after),
                added_entries: vec![entry.clone()],
                new_folders: Vec::new(),
                tightened_from: None,
                present_before: &[],
            };
            changes.add(&change, &Created::default()).unwrap();
            let recorded = applied(&changes, &Created::default()).for_file(Path::new("/h/c"));
            assert_eq!(recorded.containers, vec![strings(&["mcpServers"])], "{format:?}");
            // Into the container it made, a second install records nothing.
            let mut again = RecordChanges::default();
            let change = ConfigChange {
                before: Some(after),
                ..change
            };
            again.add(&change, &Created::default()).unwrap();
            assert!(again.is_empty(), "{format:?}");
        }
    }

    #[test]
    fn a_broken_record_is_an_error_with_its_position() {
        let changes = changes_for(None, Some("{}"), &Created::default());
        let Err(FileProblem::Document(DocumentError::Syntax { line, .. })) = changes.apply(Some("{\n  \"files\": ["))
        else {
            panic!("a broken record was accepted");
        };
        assert_eq!(line, 2);
    }
}
