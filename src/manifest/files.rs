//! One config file's edit under `apply`: every declared entry in it, and (with `--prune`) the
//! undeclared Tray entries to take out, in passes over the file that do not grow with the
//! number of entries (see [`ApplyFile::upsert`]).

use std::collections::BTreeMap;

use serde_json::Value;

use super::report::EntryChange;
use crate::clients::{ClientId, Scope};
use crate::commands::config_secrets;
use crate::commands::install::{self, EntryUpsert, UpsertEntries};
use crate::commands::remove::RemoveEntries;
use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem};
use crate::config::{Change, ConfigDocument, Format};
use crate::inventory::FoundEntry;

/// Every change to one config file: the declared entries in it, and (with `--prune`) the
/// undeclared Tray entries to take out.
pub(super) struct FileGroup {
    pub(super) owner: (ClientId, Scope),
    pub(super) format: Format,
    pub(super) privacy: Privacy,
    pub(super) upserts: Vec<(String, EntryUpsert)>,
    pub(super) removals: Vec<FoundEntry>,
}

impl FileGroup {
    pub(super) fn new(owner: (ClientId, Scope), format: Format) -> Self {
        FileGroup {
            owner,
            format,
            privacy: Privacy::Ordinary,
            upserts: Vec::new(),
            removals: Vec::new(),
        }
    }

    pub(super) fn names(&self) -> Vec<EntryChange> {
        let upserted = self
            .upserts
            .iter()
            .map(|(name, upsert)| (name.clone(), Change::Unchanged, upsert.entry_path.clone()));
        let removed = self
            .removals
            .iter()
            .map(|entry| (entry.name.clone(), Change::Removed, entry.entry_path()));
        upserted
            .chain(removed)
            .map(|(name, change, entry_path)| EntryChange {
                name,
                change,
                drift: None,
                entry_path,
            })
            .collect()
    }

    pub(super) fn into_edit(self, record: &crate::created::Created) -> ApplyFile {
        let removals: Vec<&FoundEntry> = self.removals.iter().collect();
        ApplyFile {
            upserts: UpsertEntries {
                format: self.format,
                upserts: self.upserts.into_iter().map(|(_, upsert)| upsert).collect(),
            },
            removals: (!removals.is_empty()).then(|| RemoveEntries::for_entries(&removals, record)),
        }
    }
}

/// One config file's edit under `apply`: install's upsert of each declared entry, then
/// remove's removal of each pruned one.
pub(super) struct ApplyFile {
    upserts: UpsertEntries,
    removals: Option<RemoveEntries>,
}

impl ApplyFile {
    /// Sets every declared entry, as [`UpsertEntries::apply_to`] would, in passes over the file
    /// that do not grow with the number of entries where it can. Why: every set reads the whole
    /// file, so N entries one at a time cost N passes over a file of N entries (`apply` of
    /// 10,000 took minutes). Their values are read in one pass per container first: an entry
    /// that holds exactly its declared value (and keeps nothing beside it) is left alone; new
    /// entries with nothing beside them are added together ([`ConfigDocument::add_members`]);
    /// the others (changed entries, VS Code's with their input) go through the upsert one by one.
    fn upsert(&self, document: &mut dyn ConfigDocument) -> Result<Change, FileProblem> {
        let existing = crate::config::batch::values_at(document, &self.upserts.entry_paths());
        let mut added: BTreeMap<Vec<String>, Vec<(String, Value)>> = BTreeMap::new();
        let mut others = Vec::new();
        let mut changes = Vec::new();
        for (upsert, existing) in self.upserts.upserts.iter().zip(existing) {
            match (upsert.companions.is_empty(), existing, upsert.entry_path.split_last()) {
                (true, Some(existing), _) if existing == upsert.server => {
                    // Unchanged, but only if it is ours to keep as it is: the same refusal as a
                    // change would meet (a server of the user's that happens to match).
                    if let (Some(guard), Some(name)) = (&upsert.guard, upsert.entry_path.last()) {
                        guard.value_over(Some(&existing), &upsert.server, name)?;
                    }
                    changes.push(Change::Unchanged)
                }
                (true, None, Some((key, parent))) => {
                    added
                        .entry(parent.to_vec())
                        .or_default()
                        .push((key.clone(), upsert.server.clone()));
                    changes.push(Change::Added);
                }
                _ => others.push(upsert.clone()),
            }
        }
        for (parent, members) in &added {
            let parent: Vec<&str> = parent.iter().map(String::as_str).collect();
            document.add_members(&parent, members)?;
        }
        changes.push(
            UpsertEntries {
                format: self.upserts.format,
                upserts: others,
            }
            .apply_to(document)?,
        );
        Ok(install::combined_change(&changes))
    }
}

impl FileEdit for ApplyFile {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = crate::config::open(self.upserts.format, self.upserts.starting_text(current))?;
        let mut change = self.upsert(document.as_mut())?;
        let mut emptied = false;
        if let Some(removals) = &self.removals
            && removals.apply_to(document.as_mut(), current)?
        {
            change = if change == Change::Unchanged && self.upserts.upserts.is_empty() {
                Change::Removed
            } else {
                Change::Updated
            };
            // A file of its own entry (Continue's block), or one tray-mcp created, goes with its
            // last entry, as `remove` takes it.
            emptied = self.upserts.upserts.is_empty() && removals.leaves_nothing(document.as_ref(), current)?;
            if self.upserts.upserts.is_empty()
                && !emptied
                && let Some(blank) = removals.restored_blank(document.as_ref(), current)?
            {
                return Ok(Edited {
                    contents: Some(blank),
                    change,
                });
            }
        }
        Ok(Edited {
            contents: (!emptied).then(|| document.into_text()),
            change,
        })
    }

    fn secrets(&self, text: &str) -> Vec<String> {
        let mut paths = self.upserts.entry_paths();
        if let Some(removals) = &self.removals {
            paths.extend(removals.entry_paths().iter().cloned());
        }
        config_secrets(text, self.upserts.format, &paths)
    }

    fn added_entries(&self) -> Vec<Vec<String>> {
        self.upserts.entry_paths()
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use serde_json::json;

    use super::*;
    use crate::config::DocumentError;
    use crate::config::document::Members;

    /// A JSON document that counts the reads and edits asked of it: each one goes over the
    /// whole text, so their number must not grow with the number of entries.
    struct Counting {
        inner: Box<dyn ConfigDocument>,
        passes: Cell<usize>,
    }

    impl Counting {
        fn pass(&self) {
            self.passes.set(self.passes.get() + 1);
        }
    }

    impl ConfigDocument for Counting {
        fn get(&self, path: &[&str]) -> Result<Option<Value>, DocumentError> {
            self.pass();
            self.inner.get(path)
        }
        fn members(&self, path: &[&str]) -> Result<Members, DocumentError> {
            self.pass();
            self.inner.members(path)
        }
        fn members_matching(&self, pattern: &[&str]) -> Result<Vec<(Vec<String>, Members)>, DocumentError> {
            self.pass();
            self.inner.members_matching(pattern)
        }
        fn keys(&self, path: &[&str]) -> Result<Vec<String>, DocumentError> {
            self.pass();
            self.inner.keys(path)
        }
        fn set(&mut self, path: &[&str], value: &Value) -> Result<Change, DocumentError> {
            self.pass();
            self.inner.set(path, value)
        }
        fn add_members(&mut self, parent: &[&str], members: &[(String, Value)]) -> Result<(), DocumentError> {
            self.pass();
            self.inner.add_members(parent, members)
        }
        fn remove(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
            self.pass();
            self.inner.remove(path)
        }
        fn remove_if_empty(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
            self.pass();
            self.inner.remove_if_empty(path)
        }
        fn rename_key(&mut self, path: &[&str], new_key: &str) -> Result<bool, DocumentError> {
            self.pass();
            self.inner.rename_key(path, new_key)
        }
        fn upsert_array_item(
            &mut self,
            path: &[&str],
            id_key: &str,
            id: &str,
            value: &Value,
        ) -> Result<Change, DocumentError> {
            self.pass();
            self.inner.upsert_array_item(path, id_key, id, value)
        }
        fn remove_array_item(&mut self, path: &[&str], id_key: &str, id: &str) -> Result<bool, DocumentError> {
            self.pass();
            self.inner.remove_array_item(path, id_key, id)
        }
        fn render(&self) -> String {
            self.inner.render()
        }
        fn into_text(self: Box<Self>) -> String {
            self.inner.render()
        }
    }

    fn apply_file(count: usize) -> ApplyFile {
        let upserts = (0..count)
            .map(|index| EntryUpsert {
                format: Format::Json,
                entry_path: vec!["mcpServers".to_string(), format!("tray-{index}")],
                server: json!({"command": "/bin/tray-mcp", "args": ["serve", "--profile", format!("tray-{index}")]}),
                companions: Vec::new(),
                new_file: None,
                guard: None,
            })
            .collect();
        ApplyFile {
            upserts: UpsertEntries {
                format: Format::Json,
                upserts,
            },
            removals: None,
        }
    }

    /// Issue 21 (12): apply set each entry with its own pass over the file, so N entries cost
    /// N passes over a file of N entries. Now: as many passes for 500 entries as for 5.
    #[test]
    fn passes_over_the_file_do_not_grow_with_the_number_of_entries() {
        let mut passes = Vec::new();
        for count in [5, 500] {
            let edit = apply_file(count);
            let mut document = Counting {
                inner: crate::config::open(Format::Json, "{\n  \"mcpServers\": {\n    \"other\": {}\n  }\n}\n")
                    .expect("opens"),
                passes: Cell::new(0),
            };
            assert_eq!(edit.upsert(&mut document).expect("added"), Change::Added);
            let added = document.passes.replace(0);
            assert_eq!(edit.upsert(&mut document).expect("in step"), Change::Unchanged);
            let in_step = document.passes.get();
            let text = document.render();
            assert_eq!(text.matches("--profile").count(), count, "{text}");
            passes.push((added, in_step));
        }
        assert_eq!(passes[0], passes[1], "passes for 5 and for 500 entries");
    }
}
