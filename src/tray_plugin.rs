//! Tray's own plugin (`trayio/tray-plugins`, plugin `tray-workflows`) beside tray-mcp's entries.
//!
//! Why: the plugin defines a Headless MCP server named `tray`, hard-coded to the US endpoint
//! (`https://api.tray.io/mcp`). tray-mcp does not write it and does not touch it, but a user
//! with the plugin who also installs `--headless` gets the same tools twice, and a user whose
//! workspace is in the EU or APAC talks to the wrong region through it. So `list` shows it,
//! `doctor` says when an entry of ours duplicates it or its region is not the workspace's, and
//! `install --headless` beside it says so.
//!
//! A plugin server is Tray's when its URL is a Tray Headless MCP URL (any region), or when it
//! comes from the `tray-workflows` plugin; where the client keeps its plugins is a client fact
//! ([`crate::clients::Client::plugin_servers`]): Claude Code's plugins and Codex's.

use crate::clients::{ClientId, EntryWorkspace, PluginServer, Transport};
use crate::inventory::FoundEntry;
use crate::paths::Environment;
use crate::profiles;
use crate::tray::Region;

/// The plugin's name (before `@marketplace`).
pub const PLUGIN: &str = "tray-workflows";

/// A plugin-provided server that is Tray's Headless MCP.
#[derive(Debug, Clone, PartialEq)]
pub struct TrayPluginServer {
    /// The client whose plugin it is.
    pub client: ClientId,
    /// The plugin server.
    pub server: PluginServer,
    /// The region of its URL (`None`: not a Tray Headless MCP URL).
    pub region: Option<Region>,
}

impl TrayPluginServer {
    /// `tray (Claude Code plugin tray-workflows@tray-plugins, Headless MCP us1)`.
    pub fn describe(&self) -> String {
        let region = self
            .region
            .map_or_else(|| "Headless MCP".to_string(), |region| format!("Headless MCP {region}"));
        format!(
            "{} ({} plugin {}, {region})",
            self.server.server,
            self.client.client().display_name(),
            self.server.plugin
        )
    }
}

/// Every enabled plugin server that is Tray's, across clients.
pub fn find(environment: &Environment) -> Vec<TrayPluginServer> {
    ClientId::all()
        .iter()
        .flat_map(|&client| {
            client
                .client()
                .plugin_servers(environment)
                .into_iter()
                .filter(|server| server.enabled)
                .filter_map(move |server| recognise(client, server))
        })
        .collect()
}

fn recognise(client: ClientId, server: PluginServer) -> Option<TrayPluginServer> {
    let region = server
        .value
        .get("url")
        .and_then(serde_json::Value::as_str)
        .and_then(Region::of_headless_url);
    let ours = server.plugin == PLUGIN || server.plugin.starts_with(&format!("{PLUGIN}@"));
    (region.is_some() || ours).then_some(TrayPluginServer { client, server, region })
}

/// What one of tray-mcp's entries says about the plugin's server: it duplicates it (a
/// `--headless` entry of the same client), or it works in another region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clash {
    /// A `--headless` entry of the same client: the same tools twice.
    Duplicate {
        /// The entry's name.
        entry: String,
    },
    /// An entry of the same client whose region is not the plugin server's.
    Region {
        /// The entry's name.
        entry: String,
        /// The entry's region.
        region: Region,
    },
}

/// The clashes of `plugin` with `entries` (tray-mcp's, any client).
pub fn clashes(environment: &Environment, plugin: &TrayPluginServer, entries: &[&FoundEntry]) -> Vec<Clash> {
    let mut found = Vec::new();
    for entry in entries.iter().filter(|entry| entry.client == plugin.client) {
        let Some(tray) = &entry.tray else { continue };
        if tray.transport == Transport::Headless {
            found.push(Clash::Duplicate {
                entry: entry.name.clone(),
            });
        }
        let region = match &tray.workspace {
            EntryWorkspace::Headless(region) => Some(*region),
            EntryWorkspace::FromProfile => tray
                .profile
                .as_ref()
                .and_then(|name| profiles::load(environment, name).ok())
                .filter(|profile| !profile.sandbox)
                .map(|profile| profile.region),
            EntryWorkspace::Workspace(_) | EntryWorkspace::Sandbox => None,
        };
        if let (Some(region), Some(plugin_region)) = (region, plugin.region)
            && region != plugin_region
        {
            found.push(Clash::Region {
                entry: entry.name.clone(),
                region,
            });
        }
    }
    found
}

impl Clash {
    /// The problem and its fix, for `doctor`.
    pub fn explain(&self, plugin: &TrayPluginServer) -> (String, String) {
        let server = &plugin.server.server;
        let name = &plugin.server.plugin;
        match self {
            Clash::Duplicate { entry } => (
                format!(
                    "the entry {entry} (--headless) duplicates the plugin's server \"{server}\": {} lists the same Headless MCP tools twice",
                    plugin.client.client().display_name()
                ),
                format!(
                    "keep one: `tray-mcp remove {entry} -c {}`, or turn the plugin off ({})",
                    plugin.client.id(),
                    plugin.client.client().plugin_off_step(name)
                ),
            ),
            Clash::Region { entry, region } => (
                format!(
                    "the plugin's server \"{server}\" talks to the Headless MCP in {}, and the entry {entry} works in {region}",
                    plugin.region.map_or("another region", Region::as_str)
                ),
                format!(
                    "the plugin's server is fixed to the US endpoint: turn it off ({}) and use `tray-mcp install --headless --region {region} -c {}` instead",
                    plugin.client.client().plugin_off_step(name),
                    plugin.client.id()
                ),
            ),
        }
    }
}

/// The note of `install --headless` into `clients` beside Tray's plugin server, if any.
pub fn install_note(environment: &Environment, clients: &[ClientId], region: Region) -> Option<String> {
    install_note_among(&find(environment), clients, region)
}

/// [`install_note`] among the plugin servers [`find`] found (no I/O: the install plan's).
pub fn install_note_among(plugins: &[TrayPluginServer], clients: &[ClientId], region: Region) -> Option<String> {
    let plugin = plugins.iter().find(|plugin| clients.contains(&plugin.client))?;
    let region_note = match plugin.region {
        Some(plugin_region) if plugin_region != region => {
            format!("; it talks to {plugin_region}, this entry to {region}")
        }
        _ => String::new(),
    };
    Some(format!(
        "Tray's plugin already provides a Headless MCP server here: {}{region_note}. Keep one of the two: \
         remove this entry (`tray-mcp remove NAME`), or turn the plugin off ({})",
        plugin.describe(),
        plugin.client.client().plugin_off_step(&plugin.server.plugin)
    ))
}
