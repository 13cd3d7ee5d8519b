//! Cursor: `~/.cursor/mcp.json` on every OS (project: `.cursor/mcp.json`), `mcpServers`,
//! remote entries as `{"url", "headers"}`.
//!
//! `--token-from-env` writes `${env:VAR}`, which Cursor expands in `command`, `args`, `env`, `url`
//! and `headers` (Cursor's MCP docs, "Config interpolation").
//!
//! Tool cap: Cursor sends an agent at most 40 tools across its MCP servers and drops the rest
//! without a word (Cursor's MCP docs, "Tool quantity"; raised in later versions), so the install
//! and `doctor --online` warn above 40.
//!
//! Install link (Cursor's docs, "MCP install links"): `cursor://anysphere.cursor-deeplink/mcp/install?name=NAME&config=CONFIG`,
//! CONFIG being the Base64 of the entry's JSON (the value under `mcpServers.NAME`); Cursor
//! shows the entry and asks before it adds it.

use super::links::{base64_json, encode_component};
use super::{ClientEntry, EnvSyntax, Headless, Shape, StdClient, TokenReference};
use crate::config::format::Format;

/// The Cursor editor.
pub const CURSOR: StdClient = StdClient {
    id: "cursor",
    aliases: &[],
    name: "Cursor",
    format: Format::Jsonc,
    user_file: |environment| environment.home_path(&[".cursor", "mcp.json"]),
    project_file: Some(&[".cursor", "mcp.json"]),
    marker: |environment| environment.home_path(&[".cursor"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        token_reference: Some(TokenReference::expanded(EnvSyntax::DOLLAR_ENV)),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::SignIn(
        "in Cursor Settings > MCP, click Connect next to \"{name}\" and sign in to Tray in the browser",
    ),
    project_caveat: None,
    trust: None,
    install_link: Some(install_link),
    reload_hint: "open Cursor Settings > MCP to see the server (restart Cursor if it is not listed)",
    tool_cap: Some(40),
    entry_approval_key: None,
    tool_filter: None,
};

/// Cursor's install link for `entry` named `name`.
fn install_link(name: &str, entry: &ClientEntry) -> Option<String> {
    Some(format!(
        "cursor://anysphere.cursor-deeplink/mcp/install?name={}&config={}",
        encode_component(name),
        encode_component(&base64_json(&entry.server))
    ))
}
