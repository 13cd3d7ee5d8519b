//! What a changing command (install, remove) reports: one line per file, or JSON for scripts.
//!
//! stdout carries the report (data); notes, warnings and next steps go to stderr.

use serde_json::{Value, json};
use similar::TextDiff;

use crate::clients::{ClientId, Scope};
use crate::config::Change;
use crate::config::transaction::{Outcome, Planned};
use crate::notice::Notice;
use crate::paths::Environment;
use crate::secrets::Redactor;

use super::FileOwner;

/// What happened (or would happen) to one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    /// The client whose config it is (`None`: tray-mcp's own profile).
    pub client: Option<ClientId>,
    /// The scope written.
    pub scope: Option<Scope>,
    /// "Cursor config", "tray-mcp profile".
    pub role: String,
    /// The path, with `~` for the home directory.
    pub shown_path: String,
    /// The real file that changes, when a symlink leads to it (shown like `shown_path`).
    pub real_path: Option<String>,
    /// The change.
    pub change: Change,
    /// Where the previous version was saved.
    pub backup: Option<String>,
}

impl FileReport {
    /// From a planned (not yet written) file.
    pub fn planned(environment: &Environment, file: &Planned, owner: FileOwner) -> Self {
        FileReport {
            client: owner.client(),
            scope: owner.scope(),
            role: file.task.role.clone(),
            shown_path: file.task.shown_path.clone(),
            real_path: file.through_link.then(|| environment.display_path(&file.resolved)),
            change: file.change,
            backup: None,
        }
    }

    /// From a written file.
    pub fn done(environment: &Environment, outcome: &Outcome, owner: FileOwner) -> Self {
        FileReport {
            client: owner.client(),
            scope: owner.scope(),
            role: outcome.role.clone(),
            shown_path: outcome.shown_path.clone(),
            real_path: outcome.real_path.as_deref().map(|path| environment.display_path(path)),
            change: outcome.change,
            backup: outcome.backup.as_ref().map(|path| path.to_string_lossy().into_owned()),
        }
    }

    /// The file as a report line names it: the real file, and the link that leads to it.
    fn named(&self) -> String {
        match &self.real_path {
            Some(real) => format!("{real} (linked from {})", self.shown_path),
            None => self.shown_path.clone(),
        }
    }
}

/// The result of a changing command.
#[derive(Debug, Clone)]
pub struct Report {
    /// One entry per file.
    pub files: Vec<FileReport>,
    /// Unified diffs (dry runs), tokens redacted.
    pub diffs: Vec<String>,
    /// Notes and warnings.
    pub notices: Vec<Notice>,
    /// What the user should do next, per client.
    pub next_steps: Vec<String>,
    /// Nothing was written.
    pub dry_run: bool,
}

impl Report {
    /// The stdout text: one line per file (`Added  ~/.cursor/mcp.json  (Cursor config)`), then
    /// the diffs of a dry run, each ending with a line break.
    pub fn to_human(&self) -> String {
        let mut text = String::new();
        for file in &self.files {
            let change = match (self.dry_run, file.change) {
                (true, Change::Added) => "Would add",
                (true, Change::Updated) => "Would update",
                (true, Change::Removed) => "Would remove",
                (_, change) => change_word(change),
            };
            text.push_str(&format!("{change:<12} {}  ({})\n", file.named(), file.role));
        }
        for diff in &self.diffs {
            text.push('\n');
            text.push_str(diff);
            if !diff.ends_with('\n') {
                text.push('\n');
            }
        }
        text
    }

    /// The stderr text: notices, then next steps.
    pub fn to_stderr(&self) -> String {
        let mut text = String::new();
        for notice in &self.notices {
            text.push_str(&format!("{notice}\n"));
        }
        if self.dry_run {
            text.push_str("dry run: no file was changed\n");
        } else if !self.next_steps.is_empty() {
            text.push_str("next:\n");
            for step in &self.next_steps {
                text.push_str(&format!("  - {step}\n"));
            }
            text.push_str("  - run `tray-mcp list` to see every Tray entry\n");
        }
        text
    }

    /// The `--json` output.
    pub fn to_json(&self) -> Value {
        json!({
            "dry_run": self.dry_run,
            "files": self.files.iter().map(|file| json!({
                "client": file.client.map(ClientId::id),
                "scope": file.scope.map(Scope::as_str),
                "role": file.role,
                "path": file.shown_path,
                "real_path": file.real_path,
                "change": change_word(file.change),
                "backup": file.backup,
            })).collect::<Vec<_>>(),
            "diffs": self.diffs,
            "notices": self.notices.iter().map(Notice::to_string).collect::<Vec<_>>(),
        })
    }
}

/// The word for a change, as printed.
pub fn change_word(change: Change) -> &'static str {
    match change {
        Change::Added => "Added",
        Change::Updated => "Updated",
        Change::Unchanged => "Unchanged",
        Change::Removed => "Removed",
    }
}

/// A unified diff of a planned file, tokens redacted; `None` when it does not change.
///
/// The diff is made from the real texts and redacted afterwards, so a rotated token still shows
/// as a changed line (`-` and `+`, both `[REDACTED]`) rather than vanishing from the diff.
pub fn diff(file: &Planned, redactor: &Redactor) -> Option<String> {
    if file.change == Change::Unchanged {
        return None;
    }
    let shown_or_none = |text: &Option<String>| {
        if text.is_some() {
            file.task.shown_path.clone()
        } else {
            "/dev/null".to_string()
        }
    };
    let before = file.before.as_deref().unwrap_or("");
    let after = file.after.as_deref().unwrap_or("");
    let diff = TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .header(&shown_or_none(&file.before), &shown_or_none(&file.after))
        .to_string();
    Some(redactor.redact(&diff))
}

/// A plain-text table: a header line, then one line per row, columns padded to their widest
/// cell and two spaces apart (`list`, `clients`).
pub fn table<const N: usize>(header: [&str; N], rows: &[[String; N]]) -> String {
    let header = header.map(String::from);
    let mut widths = [0usize; N];
    for row in std::iter::once(&header).chain(rows) {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    std::iter::once(&header)
        .chain(rows)
        .map(|row| {
            let cells: Vec<String> = row
                .iter()
                .zip(widths)
                .map(|(cell, width)| format!("{cell:<width$}"))
                .collect();
            format!("{}\n", cells.join("  ").trim_end())
        })
        .collect()
}
