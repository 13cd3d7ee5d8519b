//! `tray-mcp list`: every Tray entry across all clients and scopes.

use serde_json::{Value, json};

use std::fmt;

use crate::clients::{ClientId, EntryWorkspace, Scope, Transport};
use crate::config::strings;
use crate::config::transaction::FileError;
use crate::context::Context;
use crate::inventory::{FoundEntry, take_inventory};
use crate::oauth::store::{self as oauth_store, SignInStore};
use crate::paths::Environment;
use crate::profiles::{self, AuthMethod, TokenLocation};
use crate::secrets::holds_inline_token;
use crate::tray::{Region, ServerName, WorkspaceId};

/// Where an entry's token is kept, as `list` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenPlace {
    /// In the entry's profile: the 0600 file or, as the profile records, the OS keychain.
    Profile(TokenLocation),
    /// Inline in the client config.
    Config,
    /// In VS Code's secret storage (the entry holds an `${input:...}` reference).
    VsCodeSecret,
    /// In an environment variable the entry names (`--token-from-env`; Codex http entries).
    Env,
    /// In the client's own store, after its OAuth sign-in (Tray's Headless MCP).
    ClientSignIn,
    /// tray-mcp's own sign-in (`tray-mcp login`), still usable.
    SignedIn,
    /// tray-mcp's own sign-in, missing or expired: `tray-mcp login NAME` again.
    SignInNeeded,
    /// No token: the sandbox, or a profile without one.
    None,
    /// The entry names a profile that is missing or unreadable.
    Missing,
    /// A Tray entry tray-mcp did not write (by hand, or by another tool): its token is
    /// wherever its author put it; `tray-mcp adopt NAME` makes it tray-mcp's.
    Adoptable,
}

impl TokenPlace {
    /// The name shown in the table and in `--json`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenPlace::Profile(location) => location.as_str(),
            TokenPlace::Config => "config",
            TokenPlace::VsCodeSecret => "vscode-secret",
            TokenPlace::Env => "env",
            TokenPlace::ClientSignIn => "client-sign-in",
            TokenPlace::SignedIn => "oauth",
            TokenPlace::SignInNeeded => "oauth-login-needed",
            TokenPlace::None => "none",
            TokenPlace::Missing => "missing",
            TokenPlace::Adoptable => "adoptable",
        }
    }
}

/// Which workspace an entry reaches, as `list` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListedWorkspace {
    /// A real workspace (named in the entry or in its profile).
    Tray(WorkspaceId),
    /// The embedded demo workspace.
    Sandbox,
    /// Tray's Headless MCP in a region: the workspace is picked per call by the signed-in user.
    Headless(Region),
    /// The entry names no profile.
    NoProfileNamed,
    /// The profile has no workspace.
    ProfileWithoutWorkspace,
    /// The named profile is missing or unreadable.
    ProfileMissing(String),
}

impl fmt::Display for ListedWorkspace {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ListedWorkspace::Tray(id) => write!(formatter, "{id}"),
            ListedWorkspace::Sandbox => formatter.write_str("sandbox"),
            ListedWorkspace::Headless(region) => write!(formatter, "(Headless MCP, {region})"),
            ListedWorkspace::NoProfileNamed => formatter.write_str("(no profile named)"),
            ListedWorkspace::ProfileWithoutWorkspace => formatter.write_str("(profile has no workspace)"),
            ListedWorkspace::ProfileMissing(name) => write!(formatter, "(profile {name} missing)"),
        }
    }
}

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
    /// The workspace, or why it is unknown.
    pub workspace: ListedWorkspace,
    /// The region its calls go to: the profile's, or a headless entry's; `None` where the entry
    /// does not say (the sandbox, a gateway URL, which is the same in every region).
    pub region: Option<Region>,
    /// `stdio`, `bridge`, `http` or `headless`.
    pub transport: &'static str,
    /// Where the entry's token is kept.
    pub token_store: TokenPlace,
    /// The environment variable the entry reads its token from ([`TokenPlace::Env`]).
    pub token_variable: Option<String>,
    /// The profile's sign-in to Tray's Headless MCP (`tray-mcp login NAME --headless`), beside
    /// the gateway's: [`TokenPlace::SignedIn`] or [`TokenPlace::SignInNeeded`]; `None` without one.
    pub headless_sign_in: Option<TokenPlace>,
}

/// The result of `list`.
#[derive(Debug)]
pub struct Listing {
    /// The Tray entries.
    pub entries: Vec<ListedEntry>,
    /// Files that could not be read (listed as warnings; exit code 1).
    pub problems: Vec<FileError>,
    /// Tray's Headless MCP servers that clients' plugins provide (Tray's own plugin): not
    /// tray-mcp's, listed apart.
    pub plugins: Vec<crate::tray_plugin::TrayPluginServer>,
}

/// Finds every Tray entry.
pub fn list(context: &Context) -> Listing {
    let inventory = take_inventory(context, ClientId::all());
    let entries = inventory.tray_entries().map(|entry| listed(context, entry)).collect();
    Listing {
        entries,
        problems: inventory.problems,
        plugins: crate::tray_plugin::find(context),
    }
}

fn listed(context: &Context, entry: &FoundEntry) -> ListedEntry {
    let recognized = entry.tray.as_ref();
    let token_variable = token_variable(entry);
    let token_store = match token_variable {
        // What `tray-mcp adopt` can take over: not tray-mcp's, with the token in the file.
        _ if !entry.ours && super::adopt::found::adoptable(entry).is_some() => TokenPlace::Adoptable,
        Some(_) => TokenPlace::Env,
        None => token_store(context, entry),
    };
    let workspace = match recognized.map(|tray| &tray.workspace) {
        Some(EntryWorkspace::Workspace(id)) => ListedWorkspace::Tray(id.clone()),
        Some(EntryWorkspace::Sandbox) => ListedWorkspace::Sandbox,
        Some(EntryWorkspace::Headless(region)) => ListedWorkspace::Headless(*region),
        _ => profile_workspace(context, recognized.and_then(|tray| tray.profile.as_ref())),
    };
    let region = match recognized.map(|tray| &tray.workspace) {
        Some(EntryWorkspace::Headless(region)) => Some(*region),
        Some(EntryWorkspace::FromProfile) | None => recognized
            .and_then(|tray| tray.profile.as_ref())
            .and_then(|name| profiles::load(context, name).ok())
            .filter(|profile| !profile.sandbox)
            .map(|profile| profile.region),
        Some(EntryWorkspace::Workspace(_) | EntryWorkspace::Sandbox) => None,
    };
    ListedEntry {
        name: entry.name.clone(),
        client: entry.client,
        scope: entry.scope,
        project: entry
            .project
            .as_ref()
            .map(|project| context.display_path(std::path::Path::new(project))),
        shown_path: entry.shown_path.clone(),
        workspace,
        region,
        transport: recognized.map_or("?", |tray| tray.transport.as_str()),
        token_store,
        token_variable,
        headless_sign_in: recognized
            .and_then(|tray| tray.profile.as_ref())
            .and_then(|name| headless_sign_in(context, name)),
    }
}

/// The state of the Headless MCP sign-in of the profile `name`, when it has one.
fn headless_sign_in(context: &Context, name: &ServerName) -> Option<TokenPlace> {
    let profile = profiles::load(context, name).ok()?;
    let store = SignInStore::new(context, name, profile.sign_in_store).for_headless();
    match oauth_store::status(&store, oauth_store::now()) {
        oauth_store::SignInStatus::Missing => None,
        status if status.is_valid() => Some(TokenPlace::SignedIn),
        _ => Some(TokenPlace::SignInNeeded),
    }
}

/// The variable a Tray bridge or http entry names for its token, in its client's own syntax.
fn token_variable(entry: &FoundEntry) -> Option<String> {
    let tray = entry.tray.as_ref()?;
    if !matches!(tray.transport, Transport::Bridge | Transport::Http) || holds_inline_token(&entry.value) {
        return None;
    }
    entry.client.client().token_variable_in(&entry.value)
}

/// Where an entry's token lives.
fn token_store(context: &Context, entry: &FoundEntry) -> TokenPlace {
    let Some(tray) = &entry.tray else {
        return TokenPlace::None;
    };
    match tray.workspace {
        EntryWorkspace::Sandbox => return TokenPlace::None,
        EntryWorkspace::Headless(_) => return TokenPlace::ClientSignIn,
        EntryWorkspace::Workspace(_) | EntryWorkspace::FromProfile => {}
    }
    if holds_inline_token(&entry.value) {
        return TokenPlace::Config;
    }
    if strings(&entry.value).any(|text| text.contains("${input:")) {
        return TokenPlace::VsCodeSecret;
    }
    match tray.profile.as_ref().map(|name| (name, profiles::load(context, name))) {
        Some((name, Ok(profile))) if profile.auth == AuthMethod::OAuth => {
            let store = SignInStore::new(context, name, profile.sign_in_store);
            if oauth_store::status(&store, oauth_store::now()).is_valid() {
                TokenPlace::SignedIn
            } else {
                TokenPlace::SignInNeeded
            }
        }
        Some((_, Ok(profile))) if profile.token_store == TokenLocation::Keychain => {
            TokenPlace::Profile(TokenLocation::Keychain)
        }
        Some((_, Ok(profile))) if profile.api_token.is_some() => TokenPlace::Profile(TokenLocation::Profile),
        Some((_, Ok(_))) => TokenPlace::None,
        _ => TokenPlace::Missing,
    }
}

fn profile_workspace(environment: &Environment, profile: Option<&ServerName>) -> ListedWorkspace {
    let Some(name) = profile else {
        return ListedWorkspace::NoProfileNamed;
    };
    match profiles::load(environment, name) {
        Ok(profile) if profile.sandbox => ListedWorkspace::Sandbox,
        Ok(profile) => profile
            .workspace_id
            .map_or(ListedWorkspace::ProfileWithoutWorkspace, ListedWorkspace::Tray),
        Err(_) => ListedWorkspace::ProfileMissing(name.to_string()),
    }
}

/// What `list` says under a table with adoptable entries.
const ADOPTABLE_NOTE: &str = "\nadoptable: written by Tray's setup utility or by hand, with the token in the client's file; \
`tray-mcp adopt` moves the token into tray-mcp's store and runs the entry through tray-mcp (no Node.js needed)\n";

/// The TOKEN column: where the token is, then `+headless` for a Headless MCP sign-in
/// (`+headless-login-needed` once it needs `tray-mcp login NAME --headless` again).
fn token_column(entry: &ListedEntry) -> String {
    let token = match &entry.token_variable {
        Some(variable) if entry.token_store == TokenPlace::Env => format!("from ${variable}"),
        _ => entry.token_store.as_str().to_string(),
    };
    match entry.headless_sign_in {
        Some(TokenPlace::SignedIn) => format!("{token}+headless"),
        Some(_) => format!("{token}+headless-login-needed"),
        None => token,
    }
}

impl Listing {
    /// Keeps the entries named `name` (when given) in `clients` (when not empty).
    pub fn keep(&mut self, name: Option<&str>, clients: &[ClientId]) {
        self.entries.retain(|entry| {
            name.is_none_or(|name| entry.name == name) && (clients.is_empty() || clients.contains(&entry.client))
        });
    }

    /// For a terminal `width` columns wide (`None`: not a terminal): the table when its rows
    /// fit, else one block per entry (name, client and scope; transport, token and workspace;
    /// the file), so nothing is cut mid-cell.
    pub fn to_human_within(&self, width: Option<usize>) -> String {
        let table = self.to_human();
        match width {
            Some(width) if table.lines().any(|line| line.chars().count() > width) => self.to_blocks(),
            _ => table,
        }
    }

    fn to_blocks(&self) -> String {
        let mut text = String::new();
        for entry in &self.entries {
            let scope = match &entry.project {
                Some(project) => format!("local, {project}"),
                None => entry.scope.as_str().to_string(),
            };
            text.push_str(&format!(
                "{} · {} ({scope})\n  {} · token: {} · workspace: {}{}\n  {}\n",
                entry.name,
                entry.client.client().display_name(),
                entry.transport,
                token_column(entry),
                entry.workspace,
                entry.region.map(|region| format!(" ({region})")).unwrap_or_default(),
                entry.shown_path
            ));
        }
        if self
            .entries
            .iter()
            .any(|entry| entry.token_store == TokenPlace::Adoptable)
        {
            text.push_str(ADOPTABLE_NOTE);
        }
        text
    }

    /// A table for people.
    pub fn to_human(&self) -> String {
        let mut plugins = String::new();
        for plugin in &self.plugins {
            plugins.push_str(&format!(
                "plugin server (not tray-mcp's): {} · {}\n",
                plugin.describe(),
                plugin.server.source.display()
            ));
        }
        if self.entries.is_empty() {
            return plugins;
        }
        let rows: Vec<[String; 8]> = self
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
                    token_column(entry),
                    entry.workspace.to_string(),
                    entry
                        .region
                        .map_or_else(|| "-".to_string(), |region| region.to_string()),
                    entry.shown_path.clone(),
                ]
            })
            .collect();
        let mut table = super::report::table(
            [
                "NAME",
                "CLIENT",
                "SCOPE",
                "TRANSPORT",
                "TOKEN",
                "WORKSPACE",
                "REGION",
                "FILE",
            ],
            &rows,
        );
        if self
            .entries
            .iter()
            .any(|entry| entry.token_store == TokenPlace::Adoptable)
        {
            table.push_str(ADOPTABLE_NOTE);
        }
        table.push_str(&plugins);
        table
    }

    /// The `--json` output: each entry's `headless_sign_in` is `"oauth"`, `"oauth-login-needed"`
    /// or null.
    pub fn to_json(&self) -> Value {
        json!({
            "entries": self.entries.iter().map(|entry| json!({
                "name": entry.name,
                "client": entry.client.id(),
                "scope": entry.scope.as_str(),
                "project": entry.project,
                "transport": entry.transport,
                "token_store": entry.token_store.as_str(),
                "token_variable": entry.token_variable,
                "headless_sign_in": entry.headless_sign_in.map(TokenPlace::as_str),
                "workspace": entry.workspace.to_string(),
                "region": entry.region.map(|region| region.to_string()),
                "path": entry.shown_path,
            })).collect::<Vec<_>>(),
            "problems": self.problems.iter().map(|problem| json!({
                "message": problem.to_string(),
                "hint": problem.hint(),
            })).collect::<Vec<_>>(),
            "plugins": self.plugins.iter().map(|plugin| json!({
                "client": plugin.client.id(),
                "plugin": plugin.server.plugin,
                "server": plugin.server.server,
                "region": plugin.region.map(Region::as_str),
                "path": plugin.server.source.display().to_string(),
            })).collect::<Vec<_>>(),
        })
    }
}
