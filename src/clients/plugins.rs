//! Reading the MCP servers of a client's installed plugin (Claude Code's and Codex's plugins
//! share the layout: a plugin folder with `.mcp.json` and a manifest that may name servers).

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A JSON file's value; `null` when it is missing or does not parse.
pub(super) fn read_json(path: &Path) -> Value {
    crate::config::safe_write::read_to_string(path)
        .ok()
        .and_then(|text| serde_json::from_str(&text).ok())
        .unwrap_or(Value::Null)
}

/// The MCP servers of `plugin` (installed at `root`, its manifest in `manifest_dir`), each with
/// the file that defines it; `enabled` says whether the client has the plugin on.
pub(super) fn plugin_servers(root: &Path, manifest_dir: &str, plugin: &str, enabled: bool) -> Vec<super::PluginServer> {
    server_maps(root, manifest_dir)
        .into_iter()
        .flat_map(|(source, servers)| {
            servers.into_iter().map(move |(server, value)| super::PluginServer {
                plugin: plugin.to_string(),
                server,
                value,
                source: source.clone(),
                enabled,
            })
        })
        .collect()
}

/// The MCP servers a plugin at `root` defines, by file: its `.mcp.json` (the servers under
/// `mcpServers`, or the whole file), and the manifest `<manifest_dir>/plugin.json`'s
/// `mcpServers`, inline or as the path of another such file. A file is read once.
fn server_maps(root: &Path, manifest_dir: &str) -> Vec<(PathBuf, Vec<(String, Value)>)> {
    let mut files = vec![root.join(".mcp.json")];
    let manifest = root.join(manifest_dir).join("plugin.json");
    let mut inline = None;
    match read_json(&manifest).get("mcpServers") {
        Some(Value::Object(servers)) => inline = Some((manifest, servers.clone().into_iter().collect())),
        Some(Value::String(path)) => {
            let named = root.join(path.trim_start_matches("./"));
            if !files.contains(&named) {
                files.push(named);
            }
        }
        _ => {}
    }
    let mut maps: Vec<(PathBuf, Vec<(String, Value)>)> = Vec::new();
    for file in files {
        let value = read_json(&file);
        let servers = value.get("mcpServers").unwrap_or(&value);
        if let Some(servers) = servers.as_object() {
            maps.push((file, servers.clone().into_iter().collect()));
        }
    }
    maps.extend(inline);
    maps
}
