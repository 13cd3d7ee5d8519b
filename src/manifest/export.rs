//! `tray-mcp export`: this machine's Tray entries as a manifest, to start from what a user has.
//!
//! Tokens are written as references only. Where tray-mcp knows where a token is kept (the OS
//! keychain item it wrote), the reference says so; otherwise it is a placeholder environment
//! variable, `TRAY_TOKEN_<NAME>`, with a comment saying to point it at the real source. Entries
//! that already read the token from one variable (`--token-from-env`, Codex http entries) export
//! as `token = { env = "VAR" }` with `token_from_env = true`, which applies back to the same
//! entries. A profile that signs in with Tray exports as `sign_in = true`, with no token.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::clients::{ClientId, EntryWorkspace, Scope, Transport};
use crate::commands::readable_inventory;
use crate::error::CommandError;
use crate::inventory::FoundEntry;
use crate::notice::Notice;
use crate::paths::Environment;
use crate::profiles::{self, AuthMethod, TokenLocation};
use crate::tool_filter::ToolFilter;
use crate::tray::{Region, ServerName};

/// One exported entry.
#[derive(Debug, Clone)]
pub struct ExportedServer {
    /// The entry's name.
    pub name: String,
    /// The workspace UUID, or `sandbox`; `None` for a Headless MCP entry (the client signs in).
    pub workspace: Option<String>,
    /// Its region.
    pub region: Region,
    /// Its transport.
    pub transport: Transport,
    /// Whether the profile passes the Agent Gateway through.
    pub gateway: bool,
    /// The clients that have it.
    pub clients: Vec<ClientId>,
    /// Its scope.
    pub scope: Scope,
    /// The token reference: (key, value), e.g. `("env", "TRAY_TOKEN_PROD")`; `None` for the sandbox.
    pub token: Option<(&'static str, String)>,
    /// Whether the token reference is where the token really is (else a placeholder).
    pub token_known: bool,
    /// Whether the entries name the token's variable instead of holding the token
    /// (`token_from_env = true`).
    pub token_from_env: bool,
    /// Whether the profile signs in with Tray (`sign_in = true`, no token).
    pub sign_in: bool,
    /// The profile's tool filter (`tools` / `exclude_tools`); empty for entries without one.
    pub tools: ToolFilter,
    /// Whether the profile records approvals written by `--approve read-only`.
    pub approve: bool,
}

/// The exported manifest.
#[derive(Debug, Clone, Default)]
pub struct Export {
    /// The entries, by name.
    pub servers: Vec<ExportedServer>,
    /// What could not be exported as it is.
    pub notices: Vec<Notice>,
}

/// The placeholder variable for an entry whose token source is unknown.
pub fn placeholder_variable(name: &str) -> String {
    format!("TRAY_TOKEN_{}", name.to_ascii_uppercase().replace('-', "_"))
}

/// Exports every Tray entry of every client.
pub fn export(environment: &Environment) -> Result<Export, CommandError> {
    let inventory = readable_inventory(environment)?;
    let mut by_name: BTreeMap<&str, Vec<&FoundEntry>> = BTreeMap::new();
    for entry in inventory.tray_entries() {
        by_name.entry(entry.name.as_str()).or_default().push(entry);
    }
    let mut export = Export::default();
    for (name, entries) in by_name {
        if let Some(server) = exported(environment, name, &entries, &mut export.notices) {
            export.servers.push(server);
        }
    }
    Ok(export)
}

fn exported(
    environment: &Environment,
    name: &str,
    entries: &[&FoundEntry],
    notices: &mut Vec<Notice>,
) -> Option<ExportedServer> {
    let first = entries[0];
    let tray = first.tray.as_ref()?;
    let same = |entry: &&&FoundEntry| {
        entry.scope == first.scope && entry.tray.as_ref().map(|t| t.transport) == Some(tray.transport)
    };
    let clients = same_kind_clients(name, entries, &same, notices);
    let profile = tray
        .profile
        .clone()
        .or_else(|| ServerName::parse(name).ok())
        .and_then(|profile_name| profiles::load(environment, &profile_name).ok());
    let (workspace, region, gateway, keychain) = match &tray.workspace {
        EntryWorkspace::Sandbox => ("sandbox".to_string(), Region::default(), false, false),
        EntryWorkspace::Headless(region) => {
            return Some(headless_server(name, *region, tray.transport, clients, first.scope));
        }
        EntryWorkspace::Workspace(id) => (id.as_str().to_string(), Region::default(), false, false),
        EntryWorkspace::FromProfile => match &profile {
            Some(profile) if profile.sandbox => ("sandbox".to_string(), Region::default(), false, false),
            Some(profile) => match &profile.workspace_id {
                Some(id) => (
                    id.as_str().to_string(),
                    profile.region,
                    profile.gateway,
                    profile.token_store == TokenLocation::Keychain,
                ),
                None => return skipped(name, first, notices),
            },
            None => return skipped(name, first, notices),
        },
    };
    let sign_in = matches!(tray.workspace, EntryWorkspace::FromProfile)
        && profile
            .as_ref()
            .is_some_and(|profile| profile.auth == AuthMethod::OAuth && !profile.sandbox);
    let variable = shared_token_variable(entries.iter().filter(same).copied());
    let needs_token = workspace != "sandbox" && !sign_in;
    let (token, token_known) = exported_token(name, needs_token, variable.as_deref(), keychain);
    Some(ExportedServer {
        name: name.to_string(),
        workspace: Some(workspace),
        region,
        transport: tray.transport,
        gateway,
        clients,
        scope: first.scope,
        token,
        token_known,
        token_from_env: variable.is_some(),
        sign_in,
        tools: exported_tools(
            name,
            tray,
            profile.as_ref(),
            entries.iter().filter(same).copied(),
            notices,
        ),
        approve: matches!(tray.workspace, EntryWorkspace::FromProfile)
            && profile.as_ref().is_some_and(|profile| !profile.approvals.is_empty()),
    })
}

/// A Headless entry as the manifest declares it: no workspace, token or profile (the client
/// signs the user in itself).
fn headless_server(
    name: &str,
    region: Region,
    transport: Transport,
    clients: Vec<ClientId>,
    scope: Scope,
) -> ExportedServer {
    ExportedServer {
        name: name.to_string(),
        workspace: None,
        region,
        transport,
        gateway: false,
        clients,
        scope,
        token: None,
        token_known: true,
        token_from_env: false,
        sign_in: false,
        tools: ToolFilter::default(),
        approve: false,
    }
}

/// An entry's tool filter: a bridge or http entry's from its clients' own filter keys, a stdio
/// entry's from its profile (none for the sandbox).
fn exported_tools<'a>(
    name: &str,
    tray: &crate::clients::RecognizedEntry,
    profile: Option<&profiles::Profile>,
    entries: impl Iterator<Item = &'a FoundEntry>,
    notices: &mut Vec<Notice>,
) -> ToolFilter {
    match (&tray.workspace, profile) {
        _ if matches!(tray.transport, Transport::Bridge | Transport::Http) => client_filter(name, entries, notices),
        (EntryWorkspace::FromProfile, Some(profile)) if !profile.sandbox => profile.filter.clone(),
        _ => ToolFilter::default(),
    }
}

/// The clients' own tool filter of a bridge or http entry's `entries` (exact names, as
/// `install --tools` wrote them), from the first client that has one; a warning when another
/// client's entry says other tools (a manifest declares one filter per entry).
fn client_filter<'a>(
    name: &str,
    entries: impl Iterator<Item = &'a FoundEntry>,
    notices: &mut Vec<Notice>,
) -> ToolFilter {
    let mut found: Option<(ToolFilter, &FoundEntry)> = None;
    let mut unfiltered = Vec::new();
    for entry in entries {
        let Some(keys) = entry.client.client().tool_filter() else {
            unfiltered.push(entry.client.client().display_name());
            continue;
        };
        let filter = keys.read(&entry.value);
        match &found {
            None => found = Some((filter, entry)),
            Some((first, first_entry)) if *first != filter => notices.push(Notice::warning(format!(
                "\"{name}\" in {} has another tool filter than in {}; only the first is exported",
                entry.shown_path, first_entry.shown_path
            ))),
            Some(_) => {}
        }
    }
    let filter = found.map(|(filter, _)| filter).unwrap_or_default();
    if !filter.is_empty() && !unfiltered.is_empty() {
        notices.push(Notice::warning(format!(
            "\"{name}\": {} has no tool filter of its own, so `apply` refuses the exported tools for it: drop it from the server's clients, or drop the tools",
            unfiltered.join(", ")
        )));
    }
    filter
}

/// The clients of the entries named `name` that are of the first one's kind and scope (`same`);
/// a warning for each other one, which is not exported.
fn same_kind_clients(
    name: &str,
    entries: &[&FoundEntry],
    same: &dyn Fn(&&&FoundEntry) -> bool,
    notices: &mut Vec<Notice>,
) -> Vec<ClientId> {
    let first = entries[0];
    for other in entries.iter().filter(|entry| !same(entry)) {
        notices.push(Notice::warning(format!(
            "\"{name}\" in {} is another kind or scope than in {}; only the first is exported (a manifest declares one entry per name)",
            other.shown_path, first.shown_path
        )));
    }
    let mut clients: Vec<ClientId> = entries
        .iter()
        .filter(|entry| same(entry))
        .map(|entry| entry.client)
        .collect();
    clients.sort();
    clients.dedup();
    clients
}

/// Where an exported entry's token comes from (none when it `needs_token` not): the variable
/// its entries share, the keychain, or a placeholder variable (and whether that is known).
fn exported_token(
    name: &str,
    needs_token: bool,
    variable: Option<&str>,
    keychain: bool,
) -> (Option<(&'static str, String)>, bool) {
    if !needs_token {
        (None, true)
    } else if let Some(variable) = variable {
        (Some(("env", variable.to_string())), true)
    } else if keychain {
        (
            Some(("keychain", format!("{}/{name}", crate::token_store::SERVICE))),
            true,
        )
    } else {
        (Some(("env", placeholder_variable(name))), false)
    }
}

/// A TOML array of basic strings, each escaped as TOML requires.
fn toml_string_array(items: &[String]) -> String {
    let quoted: Vec<String> = items
        .iter()
        .map(|item| toml_edit::Value::from(item.as_str()).to_string().trim().to_string())
        .collect();
    format!("[{}]", quoted.join(", "))
}

/// The one variable every entry reads its token from, when they all name the same one.
fn shared_token_variable<'a>(entries: impl Iterator<Item = &'a FoundEntry>) -> Option<String> {
    let mut shared: Option<String> = None;
    for entry in entries {
        let variable = entry.client.client().token_variable_in(&entry.value)?;
        if shared.as_ref().is_some_and(|known| *known != variable) {
            return None;
        }
        shared = Some(variable);
    }
    shared
}

fn skipped(name: &str, entry: &FoundEntry, notices: &mut Vec<Notice>) -> Option<ExportedServer> {
    notices.push(Notice::warning(format!(
        "\"{name}\" in {} runs a profile that is missing or names no workspace; not exported",
        entry.shown_path
    )));
    None
}

impl Export {
    /// The manifest text.
    pub fn to_toml(&self) -> String {
        let mut text = String::from(
            "# tray-mcp manifest, exported by `tray-mcp export` from this machine's entries.\n\
             # Apply it with `tray-mcp apply`, check it with `tray-mcp apply --check`.\n",
        );
        for server in &self.servers {
            text.push_str(&format!("\n[servers.{}]\n", server.name));
            if let Some(workspace) = &server.workspace {
                text.push_str(&format!("workspace = \"{workspace}\"\n"));
            }
            if server.region != Region::default() {
                text.push_str(&format!("region = \"{}\"\n", server.region.as_str()));
            }
            text.push_str(&format!("kind = \"{}\"\n", server.transport.as_str()));
            if server.gateway {
                text.push_str("gateway = true\n");
            }
            let clients: Vec<String> = server
                .clients
                .iter()
                .map(|client| format!("\"{}\"", client.id()))
                .collect();
            text.push_str(&format!("clients = [{}]\n", clients.join(", ")));
            text.push_str(&format!("scope = \"{}\"\n", server.scope.as_str()));
            if let Some((key, value)) = &server.token {
                if !server.token_known {
                    text.push_str(&format!(
                        "# The token's source is unknown: set {value} where apply runs, or refer to where\n\
                         # the token is kept: {{ keychain = \"SERVICE/ACCOUNT\" }}, {{ file = \"PATH\" }}, {{ command = [...] }}.\n"
                    ));
                }
                text.push_str(&format!("token = {{ {key} = \"{value}\" }}\n"));
            }
            if server.token_from_env {
                text.push_str("token_from_env = true\n");
            }
            if server.sign_in {
                text.push_str("sign_in = true\n");
            }
            for (key, list) in [
                ("tools", &server.tools.tools),
                ("exclude_tools", &server.tools.exclude_tools),
            ] {
                if !list.is_empty() {
                    text.push_str(&format!("{key} = {}\n", toml_string_array(list)));
                }
            }
            if server.approve {
                text.push_str("approve = \"read-only\"\n");
            }
        }
        text
    }

    /// The `--json` output.
    pub fn to_json(&self) -> Value {
        let servers: serde_json::Map<String, Value> = self
            .servers
            .iter()
            .map(|server| {
                let token = server.token.as_ref().map(|(key, value)| json!({ *key: value }));
                (
                    server.name.clone(),
                    json!({
                        "workspace": server.workspace,
                        "region": server.region.as_str(),
                        "kind": server.transport.as_str(),
                        "gateway": server.gateway,
                        "clients": server.clients.iter().map(|client| client.id()).collect::<Vec<_>>(),
                        "scope": server.scope.as_str(),
                        "token": token,
                        "token_source_known": server.token_known,
                        "token_from_env": server.token_from_env,
                        "sign_in": server.sign_in,
                        "tools": server.tools.tools,
                        "exclude_tools": server.tools.exclude_tools,
                        "approve": server.approve.then_some("read-only"),
                    }),
                )
            })
            .collect();
        json!({ "servers": servers, "notices": self.notices.iter().map(Notice::to_string).collect::<Vec<_>>() })
    }
}
