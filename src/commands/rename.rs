//! `tray-mcp rename OLD NEW`: renames an entry in every client that has it, and its profile.
//!
//! The key is renamed in place (position, formatting and comments around it stay); inside the
//! entry, `--profile OLD` and VS Code's `${input:...}` reference follow the new name.

use crate::clients::ClientId;
use crate::config::Change;
use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem};
use crate::context::Context;
use crate::error::CommandError;
use crate::inventory::{FoundEntry, entry_path};
use crate::paths::Environment;
use crate::profiles::{self, TokenLocation};
use crate::secrets::Redactor;
use crate::token_store::KeychainChanges;
use crate::tray::ServerName;

use super::install::{EntryUpsert, UpsertEntries};
use super::remove::RemoveEntries;
use super::report::Report;
use super::{
    DeleteProfile, Finish, WriteProfile, check_case_unique, config_secrets, config_task, execute_with_keychain,
    profile_task, readable_inventory, tasks_per_file, tray_entries_named,
};
use crate::secrets::holds_inline_token;

/// What to rename.
#[derive(Debug, Clone)]
pub struct RenameRequest {
    /// The current name.
    pub old: ServerName,
    /// The new name.
    pub new: ServerName,
    /// Show what would change without writing.
    pub dry_run: bool,
}

/// Renames the entry everywhere. A keychain token (in the context's token store) moves in two
/// steps around the file commit: the copy under the new name is written before (and deleted
/// again if the commit fails), the old entry deleted after (a failed delete is a warning).
pub fn rename(context: &Context, request: &RenameRequest) -> Result<Report, CommandError> {
    let environment = &context.environment;
    let store = context.store();
    let (old, new) = (request.old.as_str(), request.new.as_str());
    check_names(old, new)?;
    let inventory = readable_inventory(environment)?;
    check_case_unique(environment, &inventory.names(), &request.new)?;
    let targets = tray_entries_named(&inventory.entries, old, ClientId::all())?;
    check_no_clash(&inventory.entries, &targets, new)?;
    // An entry in a file of its own moves to the new name's file; the others are renamed in
    // place.
    let (moved, in_place): (Vec<&FoundEntry>, Vec<&FoundEntry>) =
        targets.iter().copied().partition(|entry| entry.in_entry_file);
    let written = crate::written::load(environment);
    let mut tasks = tasks_per_file(environment, &in_place, Privacy::Ordinary, |entries| {
        Box::new(RenameEntries::new(entries, old, new, &written))
    });
    for entry in moved {
        tasks.extend(move_tasks(environment, entry, old, new));
    }
    let old_profile = profiles::profile_path(environment, &request.old);
    let mut keychain = KeychainChanges::default();
    let mut redactor = Redactor::for_entries(targets.iter().map(|entry| &entry.value));
    if old_profile.exists() {
        let new_profile = profiles::profile_path(environment, &request.new);
        if new_profile.exists() {
            return Err(CommandError::failure(
                format!(
                    "a tray-mcp profile named \"{new}\" already exists ({})",
                    environment.display_path(&new_profile)
                ),
                format!("choose another name, or remove it first (tray-mcp remove {new})"),
            ));
        }
        let mut profile = profiles::load(environment, &request.old)?;
        tasks.extend(super::approve::renaming(
            environment,
            &mut profile.approvals,
            (request.old.as_str(), request.new.as_str()),
        ));
        if profile.token_store == TokenLocation::Keychain {
            let token = store.token(&request.old, &profile)?;
            if let Some(token) = token {
                redactor.add(token.expose());
                keychain.writes.push((request.new.clone(), token));
                keychain.deletes.push(request.old.clone());
            }
        }
        tasks.push(profile_task(
            environment,
            &request.new,
            Box::new(WriteProfile { profile }),
        ));
        tasks.push(profile_task(environment, &request.old, Box::new(DeleteProfile)));
    }
    if tasks.is_empty() {
        return Err(CommandError::failure(
            format!("no Tray entry or profile named \"{old}\""),
            "run `tray-mcp list` to see the entries and their names",
        ));
    }
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

/// Refuses a rename to the same name, or to one that differs only in case.
fn check_names(old: &str, new: &str) -> Result<(), CommandError> {
    if old == new {
        return Err(CommandError::usage(
            "the old and new names are the same",
            "pick a different new name",
        ));
    }
    if old.eq_ignore_ascii_case(new) {
        return Err(CommandError::failure(
            format!("\"{old}\" and \"{new}\" differ only in case, and names are compared ignoring case"),
            format!(
                "on macOS and Windows both would be one profile file; rename in two steps: `tray-mcp rename {old} {old}-tmp` then `tray-mcp rename {old}-tmp {new}`"
            ),
        ));
    }
    Ok(())
}

/// Refuses a rename onto an entry named `new` where one of `targets` would go.
fn check_no_clash(entries: &[FoundEntry], targets: &[&FoundEntry], new: &str) -> Result<(), CommandError> {
    if let Some(clash) = entries.iter().find(|entry| {
        entry.name == new
            && targets.iter().any(|target| {
                (target.path == entry.path && target.servers_key == entry.servers_key)
                    || (target.in_entry_file && target.client == entry.client && target.scope == entry.scope)
            })
    }) {
        return Err(CommandError::failure(
            format!(
                "{} config {} already has an entry named \"{new}\"",
                clash.client.client().display_name(),
                clash.shown_path
            ),
            format!("choose another name, or remove that entry first (tray-mcp remove {new})"),
        ));
    }
    Ok(())
}

/// The two file tasks that move an entry of a file of its own to the file of its new name: the
/// entry (with what in it names the entry following the new name) written there, and taken out
/// of the old file, which goes when nothing but its header is left.
fn move_tasks(
    environment: &Environment,
    entry: &FoundEntry,
    old: &str,
    new: &str,
) -> Vec<crate::commands::LabeledTask> {
    let client = entry.client.client();
    let Some(location) = client.entry_location(environment, entry.scope, new) else {
        return Vec::new();
    };
    let server = client.rename_references(&entry.value, old, new);
    let privacy = if holds_inline_token(&server) {
        Privacy::OwnerOnly
    } else {
        Privacy::Ordinary
    };
    let upsert = UpsertEntries {
        format: client.format(),
        upserts: vec![EntryUpsert {
            format: client.format(),
            entry_path: entry_path(&location.servers_key, new),
            server,
            companions: client.rename_companions(old, new),
            new_file: client.entry_files().map(|files| (files.header)(new)),
            guard: None,
        }],
    };
    vec![
        config_task(
            environment,
            (entry.client, entry.scope),
            location.path,
            privacy,
            Box::new(upsert),
        ),
        config_task(
            environment,
            (entry.client, entry.scope),
            entry.path.clone(),
            Privacy::Ordinary,
            Box::new(RemoveEntries::for_entries(&[entry], &crate::created::load(environment))),
        ),
    ]
}

/// Renames entries in one file, with what the client keeps beside them (VS Code's token
/// input) and what inside them names the entry (`--profile OLD`, `${input:...}`).
struct RenameEntries {
    client: ClientId,
    servers_keys: Vec<Vec<String>>,
    old: String,
    new: String,
    /// The new key paths of the entries tray-mcp's record says it wrote: still its own.
    recorded: Vec<Vec<String>>,
}

impl RenameEntries {
    fn new(entries: &[&FoundEntry], old: &str, new: &str, written: &crate::written::Written) -> Self {
        RenameEntries {
            client: entries[0].client,
            servers_keys: entries.iter().map(|entry| entry.servers_key.clone()).collect(),
            old: old.to_string(),
            new: new.to_string(),
            recorded: entries
                .iter()
                .filter(|entry| written.has(&entry.path, &entry.entry_path()))
                .map(|entry| entry_path(&entry.servers_key, new))
                .collect(),
        }
    }
}

impl FileEdit for RenameEntries {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let client = self.client.client();
        let mut document = crate::config::open(client.format(), current.unwrap_or(""))?;
        let mut renamed = false;
        for servers_key in &self.servers_keys {
            let mut path: Vec<&str> = servers_key.iter().map(String::as_str).collect();
            path.push(&self.old);
            if !document.rename_key(&path, &self.new)? {
                continue;
            }
            renamed = true;
            *path.last_mut().expect("path has the entry name") = &self.new;
            if let Some(value) = document.get(&path)? {
                document.set(&path, &client.rename_references(&value, &self.old, &self.new))?;
            }
        }
        for companion in client.rename_companions(&self.old, &self.new) {
            companion.apply(document.as_mut())?;
        }
        Ok(Edited {
            contents: Some(document.into_text()),
            change: if renamed { Change::Updated } else { Change::Unchanged },
        })
    }

    fn secrets(&self, text: &str) -> Vec<String> {
        let entry_paths: Vec<Vec<String>> = self
            .servers_keys
            .iter()
            .flat_map(|servers_key| [entry_path(servers_key, &self.old), entry_path(servers_key, &self.new)])
            .collect();
        config_secrets(text, self.client.client().format(), &entry_paths)
    }

    fn added_entries(&self) -> Vec<Vec<String>> {
        self.recorded.clone()
    }
}
