//! `tray-mcp list`: every Tray entry across all clients and scopes.

use serde_json::{Value, json};

use crate::clients::{ClientId, EntryWorkspace, Scope};
use crate::commands::token::holds_inline_token;
use crate::config::transaction::FileError;
use crate::inventory::{FoundEntry, take_inventory};
use crate::paths::Environment;
use crate::profiles;
use crate::token_store::TokenLocation;
use crate::tray::ServerName;

/// One Tray entry, as listed.
#[derive(Debug, Clone)]
pub struct ListedEntry {
    /// The entry's name.
    pub name: String,
    /// The client.
    pub client: ClientId,
    /// The scope.
    pub scope: Scope,
    /// Claude Code's local scope: the project directory.
    pub project: Option<String>,
    /// The config file (`~` for home).
    pub shown_path: String,
    /// The workspace ID, `sandbox`, or why it is unknown.
    pub workspace: String,
    /// `stdio`, `bridge` or `http`.
    pub transport: &'static str,
    /// Where the entry's token is kept: `profile` (the 0600 profile file), `keychain` (the OS
    /// keychain, as the profile records), `config` (inline), `vscode-secret`, `none`, `missing`.
    pub token_store: &'static str,
}

/// The result of `list`.
#[derive(Debug)]
pub struct Listing {
    /// The Tray entries.
    pub entries: Vec<ListedEntry>,
    /// Files that could not be read (listed as warnings; exit code 1).
    pub problems: Vec<FileError>,
}

/// Finds every Tray entry.
pub fn list(environment: &Environment) -> Listing {
    let inventory = take_inventory(environment, ClientId::all());
    let entries = inventory
        .tray_entries()
        .map(|entry| listed(environment, entry))
        .collect();
    Listing {
        entries,
        problems: inventory.problems,
    }
}

fn listed(environment: &Environment, entry: &FoundEntry) -> ListedEntry {
    let recognized = entry.tray.as_ref();
    let token_store = token_store(environment, entry);
    let workspace = match recognized.map(|tray| &tray.workspace) {
        Some(EntryWorkspace::Workspace(id)) => id.to_string(),
        Some(EntryWorkspace::Sandbox) => "sandbox".to_string(),
        _ => profile_workspace(environment, recognized.and_then(|tray| tray.profile.as_deref())),
    };
    ListedEntry {
        name: entry.name.clone(),
        client: entry.client,
        scope: entry.scope,
        project: entry
            .project
            .as_ref()
            .map(|project| environment.display_path(std::path::Path::new(project))),
        shown_path: entry.shown_path.clone(),
        workspace,
        transport: recognized.map_or("?", |tray| tray.transport.as_str()),
        token_store,
    }
}

/// Where an entry's token lives.
fn token_store(environment: &Environment, entry: &FoundEntry) -> &'static str {
    let Some(tray) = &entry.tray else { return "none" };
    if tray.workspace == EntryWorkspace::Sandbox {
        return "none";
    }
    if holds_inline_token(&entry.value) {
        return "config";
    }
    if entry.value.to_string().contains("${input:") {
        return "vscode-secret";
    }
    let profile = tray.profile.as_deref().and_then(|name| ServerName::parse(name).ok());
    match profile.map(|name| profiles::load(environment, &name)) {
        Some(Ok(profile)) if profile.token_store == TokenLocation::Keychain => "keychain",
        Some(Ok(profile)) if profile.api_token.is_some() => "profile",
        Some(Ok(_)) => "none",
        _ => "missing",
    }
}

fn profile_workspace(environment: &Environment, profile: Option<&str>) -> String {
    let Some(name) = profile.and_then(|name| ServerName::parse(name).ok()) else {
        return "(no profile named)".to_string();
    };
    match profiles::load(environment, &name) {
        Ok(profile) if profile.sandbox => "sandbox".to_string(),
        Ok(profile) => profile
            .workspace_id
            .map_or_else(|| "(profile has no workspace)".to_string(), |id| id.to_string()),
        Err(_) => format!("(profile {name} missing)"),
    }
}

impl Listing {
    /// A table for people.
    pub fn to_human(&self) -> String {
        if self.entries.is_empty() {
            return String::new();
        }
        let rows: Vec<[String; 7]> = self
            .entries
            .iter()
            .map(|entry| {
                let scope = match &entry.project {
                    Some(project) => format!("local ({project})"),
                    None => entry.scope.as_str().to_string(),
                };
                [
                    entry.name.clone(),
                    entry.client.client().display_name().to_string(),
                    scope,
                    entry.transport.to_string(),
                    entry.token_store.to_string(),
                    entry.workspace.clone(),
                    entry.shown_path.clone(),
                ]
            })
            .collect();
        super::report::table(
            ["NAME", "CLIENT", "SCOPE", "TRANSPORT", "TOKEN", "WORKSPACE", "FILE"],
            &rows,
        )
    }

    /// The `--json` output.
    pub fn to_json(&self) -> Value {
        json!({
            "entries": self.entries.iter().map(|entry| json!({
                "name": entry.name,
                "client": entry.client.id(),
                "scope": entry.scope.as_str(),
                "project": entry.project,
                "transport": entry.transport,
                "token_store": entry.token_store,
                "workspace": entry.workspace,
                "path": entry.shown_path,
            })).collect::<Vec<_>>(),
            "problems": self.problems.iter().map(|problem| json!({
                "message": problem.to_string(),
                "hint": problem.hint(),
            })).collect::<Vec<_>>(),
        })
    }
}
