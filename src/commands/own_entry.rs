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
    /// tray-mcp's keys in the client's entries.
    pub owned: Arc<OwnedKeys>,
    /// tray-mcp's record says it wrote the entry at this place.
    pub recorded: bool,
    /// Replace an entry tray-mcp did not write (`--force`, the wizard's yes).
    pub force: bool,
}

impl EntryGuard {
    /// The guard of `client`'s entry.
    pub fn new(client: ClientId, force: bool) -> Self {
        EntryGuard {
            client,
            owned: ownership::owned_keys(client.client()),
            recorded: false,
            force,
        }
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
            return Ok(self.owned.merge(existing, ours));
        }
        if self.force {
            return Ok(ours.clone());
        }
        Err(refusal(existing, name, is_tray))
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
