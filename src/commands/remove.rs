//! `tray-mcp remove NAME`: takes exactly that Tray entry out of every client (or the chosen
//! ones), and drops its profile when no client uses it any more.

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::clients::{ClientKind, vscode_token_input_id};
use crate::config::safe_write::{BackupStore, Privacy};
use crate::config::transaction::{self, Edited, FileEdit, FileProblem, FileTask};
use crate::config::{Change, Dialect, Document};
use crate::error::CommandError;
use crate::inventory::{FoundEntry, take_inventory};
use crate::paths::Environment;
use crate::profiles;
use crate::secrets::Redactor;
use crate::tray::ServerName;

use super::report::{FileReport, Report};

/// What to remove.
#[derive(Debug, Clone)]
pub struct RemoveRequest {
    /// The entry's name.
    pub name: ServerName,
    /// Only from these clients (all when empty).
    pub clients: Vec<ClientKind>,
    /// Show what would change without writing.
    pub dry_run: bool,
}

/// Removes the entry.
pub fn remove(environment: &Environment, request: &RemoveRequest) -> Result<Report, CommandError> {
    let clients: Vec<ClientKind> = if request.clients.is_empty() {
        ClientKind::ALL.to_vec()
    } else {
        request.clients.clone()
    };
    let inventory = take_inventory(environment, &ClientKind::ALL);
    if let Some(problem) = inventory.problems.into_iter().next() {
        return Err(problem.into());
    }
    let name = request.name.as_str();
    let (targets, others): (Vec<&FoundEntry>, Vec<&FoundEntry>) = inventory
        .entries
        .iter()
        .filter(|entry| entry.name == name)
        .partition(|entry| clients.contains(&entry.client));
    if let Some(foreign) = targets.iter().find(|entry| entry.tray.is_none()) {
        return Err(CommandError::failure(
            format!(
                "the entry \"{name}\" in {} config {} is not a Tray entry",
                foreign.client.client().display_name(),
                foreign.shown_path
            ),
            "tray-mcp removes only entries it can recognise as Tray's; edit that file by hand",
        ));
    }
    if targets.is_empty() {
        return Err(CommandError::failure(
            format!("no Tray entry named \"{name}\" in the chosen clients"),
            "run `tray-mcp list` to see the entries and their names",
        ));
    }
    let mut tasks = removal_tasks(environment, &targets);
    let mut clients_of_task: Vec<Option<ClientKind>> = targets_by_file(&targets)
        .values()
        .map(|entries| Some(entries[0].client))
        .collect();
    let still_used = others
        .iter()
        .any(|entry| entry.tray.as_ref().and_then(|tray| tray.profile.as_deref()) == Some(name));
    let profile_path = profiles::profile_path(environment, &request.name);
    if !still_used && profile_path.exists() {
        tasks.push(FileTask {
            shown_path: environment.display_path(&profile_path),
            path: profile_path,
            role: "tray-mcp profile".to_string(),
            privacy: Privacy::OwnerOnly,
            backup: false,
            edit: Box::new(DeleteFile),
        });
        clients_of_task.push(None);
    }
    let planned = transaction::plan(tasks)?;
    if request.dry_run {
        let redactor = Redactor::default();
        let diffs = planned
            .iter()
            .filter_map(|file| super::report::diff(file, &redactor))
            .collect();
        let files = planned
            .iter()
            .zip(&clients_of_task)
            .map(|(file, client)| FileReport::planned(file, *client, Default::default()))
            .collect();
        return Ok(Report {
            files,
            diffs: redact_all(diffs, &planned_tokens(&targets)),
            notices: Vec::new(),
            next_steps: Vec::new(),
            dry_run: true,
        });
    }
    let backups = BackupStore::new(environment.join(&environment.tray_config_dir(), &["backups"]));
    let outcomes = transaction::commit(planned, &backups)?;
    let files = outcomes
        .iter()
        .zip(&clients_of_task)
        .map(|(outcome, client)| FileReport::done(outcome, *client, Default::default()))
        .collect();
    Ok(Report {
        files,
        diffs: Vec::new(),
        notices: Vec::new(),
        next_steps: Vec::new(),
        dry_run: false,
    })
}

/// Tokens that appear in the entries being removed (bridge env, http headers), so dry-run
/// diffs never show them.
fn planned_tokens(targets: &[&FoundEntry]) -> Redactor {
    let mut redactor = Redactor::default();
    for entry in targets {
        collect_bearer_tokens(&entry.value, &mut redactor);
    }
    redactor
}

fn collect_bearer_tokens(value: &serde_json::Value, redactor: &mut Redactor) {
    match value {
        serde_json::Value::String(text) => {
            if let Some(token) = text.strip_prefix("Bearer ")
                && !token.starts_with("${")
            {
                redactor.add(token);
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|item| collect_bearer_tokens(item, redactor)),
        serde_json::Value::Object(map) => map.values().for_each(|item| collect_bearer_tokens(item, redactor)),
        _ => {}
    }
}

fn redact_all(diffs: Vec<String>, redactor: &Redactor) -> Vec<String> {
    diffs.into_iter().map(|diff| redactor.redact(&diff)).collect()
}

fn targets_by_file<'a>(targets: &[&'a FoundEntry]) -> BTreeMap<PathBuf, Vec<&'a FoundEntry>> {
    let mut by_file: BTreeMap<PathBuf, Vec<&FoundEntry>> = BTreeMap::new();
    for entry in targets {
        by_file.entry(entry.path.clone()).or_default().push(entry);
    }
    by_file
}

fn removal_tasks(_environment: &Environment, targets: &[&FoundEntry]) -> Vec<FileTask> {
    targets_by_file(targets)
        .into_iter()
        .map(|(path, entries)| {
            let client = entries[0].client.client();
            FileTask {
                shown_path: entries[0].shown_path.clone(),
                path,
                role: format!("{} config", client.display_name()),
                privacy: Privacy::Ordinary,
                backup: true,
                edit: Box::new(RemoveEntries {
                    dialect: client.dialect(),
                    keys: entries
                        .iter()
                        .map(|entry| {
                            let mut keys = entry.servers_key.clone();
                            keys.push(entry.name.clone());
                            keys
                        })
                        .collect(),
                    input_id: (entries[0].client == ClientKind::VsCode)
                        .then(|| vscode_token_input_id(&entries[0].name)),
                }),
            }
        })
        .collect()
}

/// Takes entries (and VS Code's token input) out of one file.
struct RemoveEntries {
    dialect: Dialect,
    keys: Vec<Vec<String>>,
    input_id: Option<String>,
}

impl FileEdit for RemoveEntries {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = Document::new(current.unwrap_or(""), self.dialect);
        let mut removed = false;
        for keys in &self.keys {
            let path: Vec<&str> = keys.iter().map(String::as_str).collect();
            removed |= document.remove(&path)?;
            prune_created_parent(&mut document, &path)?;
        }
        if let Some(id) = &self.input_id {
            document.remove_array_item(&["inputs"], "id", id)?;
        }
        Ok(Edited {
            contents: Some(document.into_text()),
            change: if removed { Change::Removed } else { Change::Unchanged },
        })
    }
}

/// For a nested servers object (Claude Code's `projects.<dir>.mcpServers`): when removing the
/// entry left the servers object empty and it is all its parent holds, the parent is what an
/// install created, so it goes too and the file is as it was before the install.
fn prune_created_parent(document: &mut Document, entry_path: &[&str]) -> Result<(), FileProblem> {
    if entry_path.len() < 3 {
        return Ok(());
    }
    let servers = &entry_path[..entry_path.len() - 1];
    let parent = &entry_path[..entry_path.len() - 2];
    if document.keys(servers)?.is_empty() && document.keys(parent)? == [servers[servers.len() - 1]] {
        document.remove(parent)?;
    }
    Ok(())
}

/// Deletes a file (a profile no entry uses any more).
struct DeleteFile;

impl FileEdit for DeleteFile {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        Ok(Edited {
            contents: None,
            change: if current.is_some() {
                Change::Removed
            } else {
                Change::Unchanged
            },
        })
    }
}
