//! What `apply` reports: per file, what happens to each declared entry in it; for `--check`,
//! the drift and what was not compared. Kept apart from the planning (`plan`) it describes.

use serde_json::{Value, json};

use crate::clients::ClientId;
use crate::commands::report::{Report, change_word};
use crate::config::Change;

/// One entry's part in one file, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryChange {
    /// The entry.
    pub name: String,
    /// What happens (happened) to it there.
    pub change: Change,
    /// For `--check`: why it differs, when it does.
    pub drift: Option<String>,
    /// The keys leading to the entry in its file (empty for a profile).
    pub entry_path: Vec<String>,
}

/// The result of `apply`: the files (as every changing command reports them) and, per file,
/// what happens to each entry in it.
#[derive(Debug, Clone)]
pub struct ApplyReport {
    /// The files.
    pub report: Report,
    /// Per file of `report.files`, in the same order: its entries.
    pub entries: Vec<Vec<EntryChange>>,
    /// This was `--check`: nothing was written, and any change is drift.
    pub check: bool,
    /// The entries whose token was not read (a command a dry run or `--check` does not run):
    /// `--check` did not compare their tokens.
    pub unread: Vec<String>,
}

impl ApplyReport {
    /// Whether anything changed (would change; for `--check`: drifted, which a file's change
    /// alone is not: an unread token's stand-in changes the text without any drift).
    pub fn changed(&self) -> bool {
        (!self.check && self.report.files.iter().any(|file| file.change != Change::Unchanged))
            || self.entries.iter().flatten().any(|entry| entry.drift.is_some())
    }

    /// The stdout text.
    pub fn to_human(&self) -> String {
        if self.check {
            return self.check_text();
        }
        let mut text = String::new();
        let files = self.report.to_human();
        let mut lines = files.lines();
        for entries in &self.entries {
            if let Some(line) = lines.next() {
                text.push_str(line);
                text.push('\n');
            }
            for entry in entries {
                text.push_str(&format!("    {:<10} {}\n", change_word(entry.change), entry.name));
            }
        }
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    fn check_text(&self) -> String {
        let mut text = String::new();
        for (file, entries) in self.report.files.iter().zip(&self.entries) {
            for entry in entries {
                if let Some(drift) = &entry.drift {
                    text.push_str(&format!(
                        "drift: {} in {} {}: {drift}\n",
                        entry.name, file.role, file.shown_path
                    ));
                }
            }
        }
        if text.is_empty() {
            let count: usize = self.entries.iter().map(Vec::len).sum();
            text.push_str(&format!(
                "in step: {count} entries in {} files match the manifest\n",
                self.entries.len()
            ));
        }
        for name in &self.unread {
            text.push_str(&format!(
                "not compared: the token of {name} (its source is a command, which --check runs only with --allow-commands)\n"
            ));
        }
        text
    }

    /// The `--json` output: install's report, each file with its `entries`, and `changed`
    /// (what Ansible's `changed_when` reads); `--check` adds `in_sync` and `drift`.
    pub fn to_json(&self) -> Value {
        let mut value = self.report.to_json();
        if let Some(Value::Array(files)) = value.get_mut("files") {
            for (file, entries) in files.iter_mut().zip(&self.entries) {
                file["entries"] = json!(entries
                    .iter()
                    .map(|entry| json!({"name": entry.name, "change": change_word(entry.change), "drift": entry.drift}))
                    .collect::<Vec<_>>());
            }
        }
        value["changed"] = json!(!self.check && self.changed());
        if self.check {
            let drift: Vec<Value> = self
                .report
                .files
                .iter()
                .zip(&self.entries)
                .flat_map(|(file, entries)| {
                    entries.iter().filter_map(move |entry| {
                        entry.drift.as_ref().map(|drift| {
                            json!({"name": entry.name, "role": file.role, "path": file.shown_path, "client": file.client.map(ClientId::id), "reason": drift})
                        })
                    })
                })
                .collect();
            value["in_sync"] = json!(drift.is_empty());
            value["drift"] = json!(drift);
            value["tokens_not_compared"] = json!(self.unread);
        }
        value
    }
}
