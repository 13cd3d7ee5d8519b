//! Setting an entry that may already be there: install and apply replace only an entry tray-mcp
//! wrote, and only its own keys in it.
//!
//! Why here, in the edit: the check reads the entry the commit itself replaces (the file is
//! re-planned under its lock), so a server the user wrote between planning and writing is not
//! replaced either. Whose entry, and which keys, is [`crate::clients::ownership`]'s rule; the
//! record of the entries tray-mcp wrote is [`crate::written`].

use std::sync::Arc;

use serde_json::Value;

use crate::clients::ClientId;
use crate::clients::ownership::{self, OwnedKeys};
use crate::config::transaction::FileProblem;
use crate::secrets::Redactor;

/// What an entry's set must respect of an entry already there.
#[derive(Debug, Clone)]
pub struct EntryGuard {
    /// The client whose entry it is (its recognition of Tray entries).
    pub client: ClientId,
    /// tray-mcp's record says it wrote the entry at this place.
    pub recorded: bool,
    /// Replace an entry tray-mcp did not write (`--force`, the wizard's yes).
    pub force: bool,
    /// The install sets the client's own tool filter: its keys are tray-mcp's this time (set
    /// as the new entry has them, taken out where it has none), not the user's.
    pub filter: bool,
    /// The approvals the install sets in a table of the entry (Codex's `tools`): applied to
    /// the table as the file has it when the entry is written, so every other tool's settings
    /// there stay.
    pub approval_table: Option<ApprovalTable>,
}

impl EntryGuard {
    /// The guard of `client`'s entry.
    pub fn new(client: ClientId, force: bool) -> Self {
        EntryGuard {
            client,
            recorded: false,
            force,
            filter: false,
            approval_table: None,
        }
    }

    /// The guard, taking over the client's tool filter keys when `filter` (the install sets a
    /// filter).
    pub fn taking_filter(self, filter: bool) -> Self {
        EntryGuard { filter, ..self }
    }

    /// tray-mcp's keys in the client's entries: built on the first entry found in place (a
    /// first install, which finds none, never builds them: ~60 entries for five clients).
    fn owned(&self) -> Arc<OwnedKeys> {
        ownership::owned_keys(self.client.client())
    }

    /// The value to set over `existing` (the entry now at the place, if any): `ours` for a new
    /// entry; over tray-mcp's own entry, `ours` with the keys that are not tray-mcp's kept; an
    /// entry tray-mcp did not write is refused, unless forced (then a Tray entry keeps the
    /// keys beside ours, and a server of the user's is replaced whole).
    pub fn value_over(&self, existing: Option<&Value>, ours: &Value, name: &str) -> Result<Value, FileProblem> {
        let Some(existing) = existing else {
            return Ok(ours.clone());
        };
        let recognized = self.client.client().recognize(existing);
        let is_tray = recognized.is_some();
        let is_ours = ownership::is_ours(existing, recognized.as_ref(), self.recorded);
        if is_ours || (self.force && is_tray) {
            return Ok(self.with_filter(self.owned().merge(existing, ours), ours));
        }
        if self.force {
            return Ok(ours.clone());
        }
        Err(refusal(existing, name, is_tray))
    }

    /// `merged` with the client's filter keys as `ours` has them, when the install sets a
    /// filter, and its approval table, when the install sets approvals in one (otherwise
    /// whatever is there stays).
    fn with_filter(&self, mut merged: Value, ours: &Value) -> Value {
        let mut keys: Vec<&str> = Vec::new();
        if self.filter {
            keys.extend(
                self.client
                    .client()
                    .tool_filter()
                    .map(|keys| keys.keys())
                    .unwrap_or_default(),
            );
        }
        if let Some(object) = merged.as_object_mut() {
            for key in keys {
                match ours.get(key) {
                    Some(value) => object.insert(key.to_string(), value.clone()),
                    None => object.remove(key),
                };
            }
            if let Some(table) = &self.approval_table {
                table.apply(object);
            }
        }
        merged
    }
}

/// tray-mcp's approvals in a table of tools inside an entry (Codex's
/// `tools.<tool>.approval_mode = "approve"`).
#[derive(Debug, Clone, PartialEq)]
pub struct ApprovalTable {
    /// The entry's key of the table (`tools`).
    pub key: &'static str,
    /// The field of each tool's table (`approval_mode`).
    pub field: &'static str,
    /// The value that approves (`approve`).
    pub approves: &'static str,
    /// The tools tray-mcp approves now.
    pub set: Vec<String>,
    /// The tools tray-mcp approved before and no longer does: their field goes (and their
    /// table, when nothing else is left in it).
    pub drop: Vec<String>,
}

impl ApprovalTable {
    /// Sets and takes out tray-mcp's fields in `entry`'s table; every other field and tool
    /// stays as it is.
    pub fn apply(&self, entry: &mut serde_json::Map<String, Value>) {
        let mut table = match entry.remove(self.key) {
            Some(Value::Object(table)) => table,
            _ => serde_json::Map::new(),
        };
        for stale in &self.drop {
            if let Some(Value::Object(tool)) = table.get_mut(stale) {
                tool.remove(self.field);
                if tool.is_empty() {
                    table.remove(stale);
                }
            }
        }
        for tool in &self.set {
            let settings = table.entry(tool.clone()).or_insert_with(|| serde_json::json!({}));
            if let Some(settings) = settings.as_object_mut() {
                settings.insert(self.field.to_string(), Value::from(self.approves));
            }
        }
        if !table.is_empty() {
            entry.insert(self.key.to_string(), Value::Object(table));
        }
    }
}

/// What an entry tray-mcp did not write shows of itself: its command line or URL, no secret.
pub fn shown_entry(existing: &Value) -> String {
    Redactor::for_entries([existing]).redact(&ownership::describe(existing))
}

fn refusal(existing: &Value, name: &str, is_tray: bool) -> FileProblem {
    let what = format!(
        "already has a server named \"{name}\" that tray-mcp did not write ({})",
        shown_entry(existing)
    );
    let hint = if is_tray {
        format!(
            "it is a Tray entry written by hand or by another tool: make it tray-mcp's with `tray-mcp adopt {name}`, choose another name (install -n NAME, or the manifest's name), or replace it with --force"
        )
    } else {
        "choose another name (install -n NAME, or the manifest's name), or replace that server with --force".to_string()
    };
    FileProblem::Refused { what, hint }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn guard(recorded: bool, force: bool) -> EntryGuard {
        let cline = ClientId::parse("cline").expect("cline");
        EntryGuard {
            recorded,
            force,
            ..EntryGuard::new(cline, false)
        }
    }

    const GATEWAY: &str = "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai";

    #[test]
    fn a_server_of_the_user_s_own_is_refused_and_replaced_whole_only_when_forced() {
        let own = json!({"command": "node", "args": ["mine.js"], "cwd": "/srv"});
        let ours = json!({"type": "streamableHttp", "url": GATEWAY});
        let refused = guard(false, false).value_over(Some(&own), &ours, "tray-workspace");
        assert!(matches!(refused, Err(FileProblem::Refused { .. })));
        assert_eq!(guard(false, true).value_over(Some(&own), &ours, "x").ok(), Some(ours));
    }

    #[test]
    fn a_recorded_http_entry_is_ours_and_keeps_the_client_s_keys() {
        let existing = json!({"type": "streamableHttp", "url": GATEWAY, "autoApprove": ["a"]});
        let ours = json!({"type": "streamableHttp", "url": GATEWAY, "headers": {"Authorization": "Bearer t"}});
        assert!(
            guard(false, false).value_over(Some(&existing), &ours, "x").is_err(),
            "unrecorded: adoptable"
        );
        let merged = guard(true, false).value_over(Some(&existing), &ours, "x").ok();
        assert_eq!(
            merged,
            Some(
                json!({"type": "streamableHttp", "url": GATEWAY, "autoApprove": ["a"], "headers": {"Authorization": "Bearer t"}})
            )
        );
    }

    #[test]
    fn approvals_in_a_table_change_only_our_fields_of_the_table_as_the_file_has_it() {
        // The file gained a tool setting of the user's after planning: it stays.
        let existing = json!({"type": "streamableHttp", "url": GATEWAY, "tools": {
            "list_workflows": {"timeout": 30},
            "old_read": {"approval_mode": "approve"},
            "send": {"approval_mode": "prompt"},
        }});
        let ours = json!({"type": "streamableHttp", "url": GATEWAY, "tools": {"list_workflows": {"approval_mode": "approve"}}});
        let approvals = ApprovalTable {
            key: "tools",
            field: "approval_mode",
            approves: "approve",
            set: vec!["list_workflows".to_string()],
            drop: vec!["old_read".to_string()],
        };
        let mut guard = guard(true, false);
        guard.approval_table = Some(approvals);
        let merged = guard.value_over(Some(&existing), &ours, "x").expect("ours");
        assert_eq!(
            merged["tools"],
            json!({
                "list_workflows": {"timeout": 30, "approval_mode": "approve"},
                "send": {"approval_mode": "prompt"},
            })
        );
    }
}
