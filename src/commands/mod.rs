//! The commands a user runs. Each takes a plain request and an [`crate::paths::Environment`]
//! and returns a report; printing is left to the command-line layer.
//!
//! The changing commands (install, remove, rename, token) share one path: build one
//! [`FileTask`] per file, then [`execute`] plans them all and either shows the diffs (dry run)
//! or commits them as one transaction.

pub mod clients;
pub mod doctor;
pub mod install;
pub mod list;
pub mod remove;
pub mod rename;
pub mod report;
pub mod token;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::clients::{ClientId, Scope};
use crate::config::Change;
use crate::config::safe_write::{BackupStore, Privacy};
use crate::config::transaction::{self, CommitError, Edited, FileEdit, FileProblem, FileTask, Planned};
use crate::error::CommandError;
use crate::inventory::{FoundEntry, Inventory, take_inventory};
use crate::paths::Environment;
use crate::profiles::{self, Profile};
use crate::secrets::Redactor;
use crate::token_store::{AroundCommitError, KeychainChanges, TokenStore};

use report::{FileReport, Report};

/// A file task with the client and scope it belongs to (`None` for tray-mcp's own files).
pub struct LabeledTask {
    /// The change.
    pub task: FileTask,
    /// The client whose config it is.
    pub client: Option<ClientId>,
    /// The scope of that config.
    pub scope: Option<Scope>,
}

/// Plans every task, then shows the diffs (dry run) or writes them all as one transaction, with
/// keychain changes made around the file commit as
/// [`TokenStore::around_commit`] describes (writes before, undone if the commit fails; deletes
/// after). A dry run leaves the keychain alone.
pub fn execute_with_keychain(
    environment: &Environment,
    tasks: Vec<LabeledTask>,
    dry_run: bool,
    redactor: &Redactor,
    notices: Vec<String>,
    (store, changes): (&TokenStore, &KeychainChanges),
) -> Result<Report, CommandError> {
    let labels: Vec<Label> = tasks.iter().map(|task| (task.client, task.scope)).collect();
    let planned = transaction::plan(tasks.into_iter().map(|labeled| labeled.task).collect())?;
    finish_planned(
        environment,
        planned,
        &labels,
        dry_run,
        redactor,
        notices,
        (store, changes),
    )
}

/// The client and scope a file belongs to (`None` for tray-mcp's own files).
pub type Label = (Option<ClientId>, Option<Scope>);

/// Shows the diffs of planned files (dry run) or commits them, with keychain changes around the
/// commit. `labels` holds one entry per planned file. Shared by every changing command, and by
/// install, whose plan is shown to the wizard before it is finished.
pub fn finish_planned(
    environment: &Environment,
    planned: Vec<Planned>,
    labels: &[Label],
    dry_run: bool,
    redactor: &Redactor,
    mut notices: Vec<String>,
    (store, changes): (&TokenStore, &KeychainChanges),
) -> Result<Report, CommandError> {
    if dry_run {
        let diffs = planned.iter().filter_map(|file| report::diff(file, redactor)).collect();
        let files = planned
            .iter()
            .zip(labels)
            .map(|(file, (client, scope))| FileReport::planned(file, *client, *scope))
            .collect();
        return Ok(Report {
            files,
            diffs,
            notices,
            next_steps: Vec::new(),
            dry_run: true,
        });
    }
    let backups = BackupStore::new(environment.join(&environment.tray_config_dir(), &["backups"]));
    let (outcomes, warnings) = store
        .around_commit(changes, || {
            transaction::commit(planned, &backups, environment.variables.fail_write.as_deref())
        })
        .map_err(around_commit_error)?;
    notices.extend(warnings);
    let files = outcomes
        .iter()
        .zip(labels)
        .map(|(outcome, (client, scope))| FileReport::done(outcome, *client, *scope))
        .collect();
    Ok(Report {
        files,
        diffs: Vec::new(),
        notices,
        next_steps: Vec::new(),
        dry_run: false,
    })
}

/// The command error for a failed [`TokenStore::around_commit`].
pub fn around_commit_error(error: AroundCommitError<CommitError>) -> CommandError {
    match error {
        AroundCommitError::Commit(error) => error.into(),
        AroundCommitError::Keychain(error) => error.into(),
    }
}

/// One task per config file holding some of `entries`, with the edit `make_edit` builds from
/// that file's entries.
pub fn tasks_per_file(
    entries: &[&FoundEntry],
    privacy: Privacy,
    make_edit: impl Fn(&[&FoundEntry]) -> Box<dyn FileEdit>,
) -> Vec<LabeledTask> {
    let mut by_file: BTreeMap<PathBuf, Vec<&FoundEntry>> = BTreeMap::new();
    for entry in entries {
        by_file.entry(entry.path.clone()).or_default().push(entry);
    }
    by_file
        .into_iter()
        .map(|(path, entries)| {
            let first = entries[0];
            let client = first.client.client();
            LabeledTask {
                task: FileTask {
                    shown_path: first.shown_path.clone(),
                    path,
                    role: format!("{} config", client.display_name()),
                    privacy,
                    backup: true,
                    edit: make_edit(&entries),
                },
                client: Some(first.client),
                scope: Some(first.scope),
            }
        })
        .collect()
}

/// The Tray entries named `name` in `clients`; an error when there are none, or when an entry
/// of that name is not Tray's (we never touch other servers).
pub fn tray_entries_named<'a>(
    entries: &'a [FoundEntry],
    name: &str,
    clients: &[ClientId],
) -> Result<Vec<&'a FoundEntry>, CommandError> {
    let named: Vec<&FoundEntry> = entries
        .iter()
        .filter(|entry| entry.name == name && clients.contains(&entry.client))
        .collect();
    if let Some(foreign) = named.iter().find(|entry| entry.tray.is_none()) {
        return Err(CommandError::failure(
            format!(
                "the entry \"{name}\" in {} config {} is not a Tray entry",
                foreign.client.client().display_name(),
                foreign.shown_path
            ),
            "tray-mcp changes only entries it recognises as Tray's; edit that file by hand",
        ));
    }
    Ok(named)
}

/// Every entry in every client; an error (naming the file and position) when any config file
/// cannot be read, because a changing command must not act on a partial picture.
pub fn readable_inventory(environment: &Environment) -> Result<Inventory, CommandError> {
    let mut inventory = take_inventory(environment, ClientId::all());
    if inventory.problems.is_empty() {
        return Ok(inventory);
    }
    Err(inventory.problems.swap_remove(0).into())
}

/// The task that writes or deletes a tray-mcp profile.
pub fn profile_task(environment: &Environment, path: PathBuf, edit: Box<dyn FileEdit>) -> LabeledTask {
    LabeledTask {
        task: FileTask {
            shown_path: environment.display_path(&path),
            path,
            role: "tray-mcp profile".to_string(),
            privacy: Privacy::OwnerOnly,
            // A backup of a profile would be one more copy of the token.
            backup: false,
            edit,
        },
        client: None,
        scope: None,
    }
}

/// Writes a profile file (unchanged when it already holds the same values).
pub struct WriteProfile {
    /// The profile to write.
    pub profile: Profile,
}

impl FileEdit for WriteProfile {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let change = match current.map(profiles::parse) {
            None => Change::Added,
            Some(Ok(existing)) if existing == self.profile => Change::Unchanged,
            Some(_) => Change::Updated,
        };
        Ok(Edited {
            contents: Some(profiles::render(&self.profile)),
            change,
        })
    }
}
