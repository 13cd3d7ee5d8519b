//! `tray-mcp uninstall`: removes the binary tray-mcp installed for itself, and with `--all`
//! every Tray entry in every client and every tray-mcp profile first.
//!
//! Why in this order: the entries and profiles go in one transaction (the same lock, re-read,
//! rollback and "change exactly our entries" promise as `remove`), and only once that has
//! committed is the binary deleted, so a refused or failed transaction leaves everything, the
//! binary included, as it was. The binary is not part of the transaction: it is not a text file
//! to edit, and deleting it cannot break a config. Deleting it does not stop a running server
//! (Unix keeps the inode; on Windows it is moved aside, see [`crate::self_install`]).

use std::path::Path;

use crate::clients::ClientId;
use crate::config::Change;
use crate::config::safe_write::Privacy;
use crate::context::Context;
use crate::error::CommandError;
use crate::inventory::{FoundEntry, take_inventory};
use crate::paths::Environment;
use crate::profiles::{self, TokenLocation};
use crate::secrets::Redactor;
use crate::self_install::{self, Removed};
use crate::token_store::{KeychainChanges, TokenStore};

use super::remove::RemoveEntries;
use super::report::{FileReport, Report};
use super::{DeleteProfile, Finish, execute_with_keychain, profile_task, readable_inventory, tasks_per_file};
use crate::notice::Notice;

/// What to uninstall.
#[derive(Debug, Clone, Copy, Default)]
pub struct UninstallRequest {
    /// Also remove every Tray entry and every profile.
    pub all: bool,
    /// Show what would change; write and delete nothing.
    pub dry_run: bool,
}

/// Uninstalls; `running` is the binary of this process (to say when it is not the one
/// tray-mcp installed, e.g. a `cargo install` or Homebrew copy). The keychain entries of removed
/// profiles go too (from the context's token store).
pub fn uninstall(context: &Context, request: &UninstallRequest, running: &Path) -> Result<Report, CommandError> {
    let environment = &context.environment;
    let store = context.store();
    let mut report = if request.all {
        remove_everything(environment, request.dry_run, store)?
    } else {
        Report {
            files: Vec::new(),
            diffs: Vec::new(),
            notices: dangling_entries(environment),
            next_steps: Vec::new(),
            dry_run: request.dry_run,
        }
    };
    let binary = self_install::installed_binary(environment);
    let shown = environment.display_path(&binary);
    let change = if request.dry_run {
        binary.exists().then_some(Change::Removed)
    } else {
        match self_install::remove_binary(&binary) {
            Ok(Removed::Deleted) => Some(Change::Removed),
            Ok(Removed::MovedAside) => {
                report.notices.push(Notice::note(format!(
                    "{shown} is running: it was renamed and goes with the next install"
                )));
                Some(Change::Removed)
            }
            Ok(Removed::NotThere) => None,
            Err(error) => {
                report.notices.push(Notice::warning(format!(
                    "could not delete {shown}: {error}; delete it by hand"
                )));
                None
            }
        }
    };
    match change {
        Some(change) => report.files.push(FileReport {
            client: None,
            scope: None,
            role: "tray-mcp binary".to_string(),
            shown_path: shown,
            real_path: None,
            change,
            backup: None,
        }),
        None => report
            .notices
            .push(Notice::note(format!("no tray-mcp binary at {shown}"))),
    }
    if running != binary && self_install::transient(environment, running).is_none() {
        report.notices.push(Notice::note(format!(
            "this tray-mcp ({}) was not installed by tray-mcp: remove it the way it was installed (`cargo uninstall tray-mcp`, `brew uninstall tray-mcp`, or delete it)",
            environment.display_path(running)
        )));
    }
    Ok(report)
}

/// Every Tray entry and every profile, in one transaction.
fn remove_everything(environment: &Environment, dry_run: bool, store: &TokenStore) -> Result<Report, CommandError> {
    let inventory = readable_inventory(environment)?;
    // Only the entries tray-mcp wrote: a Tray entry written by hand is the user's.
    let targets: Vec<&FoundEntry> = inventory.our_entries().collect();
    let record = crate::created::load(environment);
    let mut tasks = tasks_per_file(environment, &targets, Privacy::Ordinary, |entries| {
        Box::new(RemoveEntries::for_entries(entries, &record))
    });
    let mut keychain = KeychainChanges::default();
    let mut rules = Vec::new();
    for name in profiles::list_names(environment) {
        let profile = profiles::load(environment, &name);
        if profile
            .as_ref()
            .is_ok_and(|profile| profile.token_store == TokenLocation::Keychain)
        {
            keychain.deletes.push(name.clone());
        }
        if let Ok(profile) = &profile {
            // The approvals `install --approve` wrote go with their profile.
            rules.extend(super::approve::removal(environment, &profile.approvals));
        }
        tasks.push(profile_task(environment, &name, Box::new(DeleteProfile)));
    }
    tasks.extend(super::approve::into_tasks(environment, rules));
    let redactor = Redactor::for_entries(targets.iter().map(|entry| &entry.value));
    let finish = Finish {
        dry_run,
        redactor: &redactor,
        notices: Vec::new(),
        store,
        keychain: &keychain,
        binary: None,
    };
    let mut report = execute_with_keychain(environment, tasks, finish)?;
    report.notices.extend(remove_backups(environment, dry_run));
    Ok(report)
}

/// Removes tray-mcp's backups folder, once the entries and profiles are gone: it holds earlier
/// versions of the configs, and with them every token tray-mcp ever wrote inline.
fn remove_backups(environment: &Environment, dry_run: bool) -> Option<Notice> {
    let folder = super::backup_store(environment).root().to_path_buf();
    if !folder.exists() {
        return None;
    }
    let shown = environment.display_path(&folder);
    if dry_run {
        return Some(Notice::note(format!(
            "would remove tray-mcp's backups {shown} (earlier versions of your configs, tokens included)"
        )));
    }
    Some(match std::fs::remove_dir_all(&folder) {
        Ok(()) => Notice::note(format!(
            "removed tray-mcp's backups {shown} (earlier versions of your configs, tokens included)"
        )),
        Err(error) => Notice::warning(format!(
            "could not remove tray-mcp's backups {shown}: {error}; they hold earlier versions of your configs, tokens included: delete the folder by hand"
        )),
    })
}

/// Warnings for the Tray entries that run the installed binary, which removing it breaks.
fn dangling_entries(environment: &Environment) -> Vec<Notice> {
    let binary = self_install::installed_binary(environment);
    let inventory = take_inventory(environment, ClientId::all());
    let names: Vec<String> = inventory
        .entries
        .iter()
        .filter(|entry| entry.tray.is_some())
        .filter(|entry| Path::new(crate::clients::command_line(&entry.value).0) == binary)
        .map(|entry| format!("{} ({})", entry.name, entry.client.client().display_name()))
        .collect();
    if names.is_empty() {
        return Vec::new();
    }
    vec![Notice::warning(format!(
        "these Tray entries run {} and stop working without it: {}; `tray-mcp uninstall --all` removes them too",
        environment.display_path(&binary),
        names.join(", ")
    ))]
}
