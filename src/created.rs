//! What tray-mcp created in users' config files: the servers containers (`"mcpServers": {}`,
//! `[mcp_servers]`, `extensions:`) and the files themselves, so that removing the last Tray
//! entry puts the file back as the user had it.
//!
//! Why a record rather than a rule: after the last entry goes, an empty `"mcpServers": {}` may
//! be the user's (they had it before the install, and it must stay) or tray-mcp's (the install
//! created it, and it must go). The file alone cannot tell, so the install that creates a
//! container, or a file, says so here, in tray-mcp's config folder beside the profiles and
//! backups (`created.json`). A remove takes a container out only when it is empty *and* recorded
//! here, and deletes a file only when tray-mcp created it and it now holds nothing at all (a file
//! the user has since given other keys, or a comment, stays). What is gone is forgotten.
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
use crate::config::transaction::{Edited, FileEdit, FileProblem, FileTask, Folder};
use crate::config::{Change, DocumentError, Format};
use crate::paths::Environment;

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
}

impl FileRecord {
    /// Whether nothing is recorded.
    pub fn is_empty(&self) -> bool {
        !self.file && self.containers.is_empty()
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

    /// Applies `changes` (forgetting before recording).
    fn apply(&mut self, changes: &RecordChanges) {
        for (path, forgotten) in &changes.forgotten {
            let Some(record) = self.files.get_mut(path) else {
                continue;
            };
            match forgotten {
                Forget::File => {
                    self.files.remove(path);
                }
                Forget::Containers(containers) => {
                    record.containers.retain(|container| !containers.contains(container));
                    if record.is_empty() {
                        self.files.remove(path);
                    }
                }
            }
        }
        for (path, created) in &changes.recorded {
            let record = self.files.entry(path.clone()).or_default();
            record.file |= created.file;
            for container in &created.containers {
                if !record.containers.contains(container) {
                    record.containers.push(container.clone());
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

/// What to forget of one file.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Forget {
    /// All of it (the file is gone).
    File,
    /// These containers (they are gone).
    Containers(Vec<Vec<String>>),
}

/// The changes one command makes to the record, an edit of its file.
#[derive(Debug, Clone, Default)]
pub struct RecordChanges {
    recorded: Vec<(String, FileRecord)>,
    forgotten: Vec<(String, Forget)>,
}

/// One config file as a command plans to change it, for [`RecordChanges::between`].
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
}

impl RecordChanges {
    /// Whether there is nothing to write.
    pub fn is_empty(&self) -> bool {
        self.recorded.is_empty() && self.forgotten.is_empty()
    }

    /// Adds what one changed file means for the record: a file deleted is forgotten; a recorded
    /// container no longer there is forgotten; a file or container the command's entries
    /// brought is recorded.
    pub fn add(&mut self, change: &ConfigChange<'_>, known: &Created) -> Result<(), DocumentError> {
        let path = key(change.path);
        let Some(after) = change.after else {
            if known.files.contains_key(&path) {
                self.forgotten.push((path, Forget::File));
            }
            return Ok(());
        };
        let Some(before) = change.before else {
            // A new file: an earlier record of a file by that name is of one since deleted.
            if known.files.contains_key(&path) {
                self.forgotten.push((path.clone(), Forget::File));
            }
            if change.added_entries.is_empty() {
                return Ok(());
            }
            let containers = change.added_entries.iter().flat_map(|entry| levels(entry)).fold(
                Vec::new(),
                |mut all: Vec<Vec<String>>, container| {
                    if !all.contains(&container) {
                        all.push(container);
                    }
                    all
                },
            );
            self.recorded.push((path, FileRecord { file: true, containers }));
            return Ok(());
        };
        if let Some(record) = known.files.get(&path) {
            let mut gone = Vec::new();
            for container in &record.containers {
                if !has_key(change.format, after, container)? {
                    gone.push(container.clone());
                }
            }
            if !gone.is_empty() {
                self.forgotten.push((path.clone(), Forget::Containers(gone)));
            }
        }
        let mut created: Vec<Vec<String>> = Vec::new();
        for entry in &change.added_entries {
            let containers = levels(entry);
            // The common case first, one skim: the servers container was there already.
            if containers
                .last()
                .is_none_or(|innermost| has_key(change.format, before, innermost).unwrap_or(true))
            {
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
        if !created.is_empty() {
            self.recorded.push((
                path,
                FileRecord {
                    file: false,
                    containers: created,
                },
            ));
        }
        Ok(())
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
            },
            &known,
        )
        .unwrap();
        let left = applied(&gone, &known).for_file(Path::new("/h/.claude.json"));
        assert_eq!(
            left,
            FileRecord {
                file: true,
                containers: Vec::new()
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
