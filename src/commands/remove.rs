//! `tray-mcp remove NAME`: takes exactly that Tray entry out of every client (or the chosen
//! ones), and drops its profile when no client uses it any more.
//!
//! The file is left as the user had it before the install: a servers container the install
//! created goes once it is empty, and a file it created goes once it holds nothing (both as
//! recorded in [`crate::created`]); a container or file of the user's stays, even empty.

use crate::clients::{ClientId, Companion};
use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem};
use crate::config::{Change, ConfigDocument, Format};
use crate::context::Context;
use crate::created::{self, Created, FileRecord};
use crate::error::CommandError;
use crate::inventory::FoundEntry;
use crate::paths::Environment;
use crate::profiles::{self, TokenLocation};
use crate::secrets::Redactor;
use crate::token_store::KeychainChanges;
use crate::tray::ServerName;

use super::report::Report;
use super::{
    DeleteProfile, Finish, config_secrets, execute_with_keychain, profile_task, readable_inventory, tasks_per_file,
    tray_entries_named,
};

/// What to remove.
#[derive(Debug, Clone)]
pub struct RemoveRequest {
    /// The entry's name.
    pub name: ServerName,
    /// Only from these clients (all when empty).
    pub clients: Vec<ClientId>,
    /// Show what would change without writing.
    pub dry_run: bool,
}

/// Removes the entry. A dropped profile's keychain entry (in the context's token store) is
/// deleted after the files are written (a failed delete is a warning; no file points at the
/// entry any more).
pub fn remove(context: &Context, request: &RemoveRequest) -> Result<Report, CommandError> {
    let environment = &context.environment;
    let store = context.store();
    let clients: Vec<ClientId> = if request.clients.is_empty() {
        ClientId::all().to_vec()
    } else {
        request.clients.clone()
    };
    let inventory = readable_inventory(environment)?;
    let name = request.name.as_str();
    let targets = tray_entries_named(&inventory.entries, name, &clients)?;
    if targets.is_empty() {
        return Err(CommandError::failure(
            format!("no Tray entry named \"{name}\" in the chosen clients"),
            "run `tray-mcp list` to see the entries and their names",
        ));
    }
    let record = created::load(environment);
    let mut tasks = tasks_per_file(environment, &targets, Privacy::Ordinary, |entries| {
        Box::new(RemoveEntries::for_entries(entries, &record))
    });
    let still_used = inventory.entries.iter().any(|entry| {
        !targets.iter().any(|target| std::ptr::eq(*target, entry))
            && entry.tray.as_ref().and_then(|tray| tray.profile.as_ref()) == Some(&request.name)
    });
    let profile_path = profiles::profile_path(environment, &request.name);
    tasks.extend(approval_removal(environment, &request.name, &targets, still_used));
    let mut keychain = KeychainChanges::default();
    if !still_used && profile_path.exists() {
        if profiles::load(environment, &request.name)
            .is_ok_and(|profile| profile.token_store == TokenLocation::Keychain)
        {
            keychain.deletes.push(request.name.clone());
        }
        tasks.push(profile_task(environment, &request.name, Box::new(DeleteProfile)));
    }
    let redactor = Redactor::for_entries(targets.iter().map(|entry| &entry.value));
    let finish = Finish {
        dry_run: request.dry_run,
        redactor: &redactor,
        notices: Vec::new(),
        store,
        keychain: &keychain,
        binary: None,
    };
    execute_with_keychain(environment, tasks, finish)
}

/// Takes out the approval rules `install --approve` recorded for the clients whose entries go
/// (and, when other entries still use the profile, forgets them in it).
fn approval_removal(
    environment: &Environment,
    name: &ServerName,
    targets: &[&FoundEntry],
    still_used: bool,
) -> Vec<crate::commands::LabeledTask> {
    let Ok(mut profile) = profiles::load(environment, name) else {
        return Vec::new();
    };
    let (going, staying): (Vec<_>, Vec<_>) = profile
        .approvals
        .drain(..)
        .partition(|rules| targets.iter().any(|entry| entry.client.id() == rules.client));
    if going.is_empty() {
        return Vec::new();
    }
    let mut tasks =
        crate::commands::approve::into_tasks(environment, crate::commands::approve::removal(environment, &going));
    if still_used {
        profile.approvals = staying;
        tasks.push(profile_task(
            environment,
            name,
            Box::new(crate::commands::WriteProfile { profile }),
        ));
    }
    tasks
}

/// Takes entries (and the items the client keeps beside them, such as VS Code's token input)
/// out of one file (`remove`, and `apply --prune`), and what the install that added them
/// created there: a servers container left empty, the file left holding nothing.
pub struct RemoveEntries {
    format: Format,
    keys: Vec<Vec<String>>,
    companions: Vec<Companion>,
    /// For a client's entry file: the keys of the header its install wrote. A file left with no
    /// server and nothing else is deleted, as the install that made it is undone.
    entry_file_header: Option<&'static [&'static str]>,
    /// What tray-mcp recorded creating in this file.
    created: FileRecord,
}

impl RemoveEntries {
    /// Removes these entries, all of one file, with what `record` says tray-mcp created there.
    pub fn for_entries(entries: &[&FoundEntry], record: &Created) -> Self {
        let first = entries[0];
        RemoveEntries {
            format: first.client.client().format(),
            keys: entries.iter().map(|entry| entry.entry_path()).collect(),
            companions: entries
                .iter()
                .flat_map(|entry| entry.client.client().removal_companions(&entry.name))
                .collect(),
            entry_file_header: first
                .in_entry_file
                .then(|| first.client.client().entry_files().map(|files| files.header_keys))
                .flatten(),
            created: record.for_file(&first.path),
        }
    }

    /// What tray-mcp recorded creating in the file, if the file (holding `current`) is still the
    /// one it wrote; else nothing (see [`FileRecord::identifies`]).
    fn created_in(&self, current: Option<&str>) -> Option<&FileRecord> {
        self.created.identifies(current).then_some(&self.created)
    }

    /// Whether `document`, after the removal from `current`, is to be deleted: an entry file
    /// holding nothing but the header an install wrote (no server, no other key), or a file
    /// tray-mcp created that holds nothing at all.
    pub fn leaves_nothing(&self, document: &dyn ConfigDocument, current: Option<&str>) -> Result<bool, FileProblem> {
        let created = self.created_in(current).is_some_and(|record| record.file);
        Ok(self.only_header_left(document)? || (created && holds_nothing(document)?))
    }

    /// The text to give back when `document`, after the removal from `current`, holds nothing
    /// and the file held only white space (a 0-byte file) before tray-mcp wrote into it.
    pub fn restored_blank(
        &self,
        document: &dyn ConfigDocument,
        current: Option<&str>,
    ) -> Result<Option<String>, FileProblem> {
        let Some(blank) = self.created_in(current).and_then(|record| record.blank.as_ref()) else {
            return Ok(None);
        };
        Ok(holds_nothing(document)?.then(|| blank.clone()))
    }

    /// Whether `document`, an entry file after the removal, holds nothing but the header an
    /// install wrote: no server, no other key (the file then goes).
    fn only_header_left(&self, document: &dyn ConfigDocument) -> Result<bool, FileProblem> {
        let Some(header) = self.entry_file_header else {
            return Ok(false);
        };
        for keys in &self.keys {
            let servers: Vec<&str> = keys[..keys.len() - 1].iter().map(String::as_str).collect();
            if !document.keys(&servers)?.is_empty() {
                return Ok(false);
            }
        }
        let servers_keys: Vec<&str> = self
            .keys
            .iter()
            .filter_map(|keys| keys.first())
            .map(String::as_str)
            .collect();
        Ok(document
            .keys(&[])?
            .iter()
            .all(|key| header.contains(&key.as_str()) || servers_keys.contains(&key.as_str())))
    }

    /// The keys of the entries it removes.
    pub fn entry_paths(&self) -> &[Vec<String>] {
        &self.keys
    }

    /// Removes the entries from `document` (the file's text `current`, opened), then each
    /// container tray-mcp created there that they left empty; whether any entry was there.
    pub fn apply_to(&self, document: &mut dyn ConfigDocument, current: Option<&str>) -> Result<bool, FileProblem> {
        let mut removed = false;
        for keys in &self.keys {
            let path: Vec<&str> = keys.iter().map(String::as_str).collect();
            removed |= document.remove(&path)?;
        }
        for companion in &self.companions {
            companion.apply(document)?;
        }
        if removed && let Some(created) = self.created_in(current) {
            for container in created.containers_innermost_first() {
                let path: Vec<&str> = container.iter().map(String::as_str).collect();
                document.remove_if_empty(&path)?;
            }
        }
        Ok(removed)
    }
}

/// Whether a document holds nothing: no key, no comment (`{}` or an empty file).
fn holds_nothing(document: &dyn ConfigDocument) -> Result<bool, FileProblem> {
    if !document.keys(&[])?.is_empty() {
        return Ok(false);
    }
    let text = document.render();
    let bare: String = text
        .chars()
        .filter(|character| !character.is_whitespace() && *character != '\u{feff}')
        .collect();
    Ok(bare.is_empty() || bare == "{}")
}

impl FileEdit for RemoveEntries {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = crate::config::open(self.format, current.unwrap_or(""))?;
        let removed = self.apply_to(document.as_mut(), current)?;
        let contents = if !removed {
            Some(document.into_text())
        } else if self.leaves_nothing(document.as_ref(), current)? {
            None
        } else if let Some(blank) = self.restored_blank(document.as_ref(), current)? {
            Some(blank)
        } else {
            Some(document.into_text())
        };
        Ok(Edited {
            contents,
            change: if removed { Change::Removed } else { Change::Unchanged },
        })
    }

    fn secrets(&self, text: &str) -> Vec<String> {
        config_secrets(text, self.format, &self.keys)
    }
}
