//! Windsurf: `~/.codeium/windsurf/mcp_config.json`, `mcpServers`, remote entries as
//! `{"serverUrl", "headers"}`.
//!
//! `--token-from-env` writes `${env:VAR}`, which Windsurf interpolates in `serverUrl`, `url`,
//! `headers`, `command`, `args` and `env` (Windsurf's MCP docs, "Config interpolation").
//!
//! Tool cap: Cascade has at most 50 MCP tools at a time (Windsurf's MCP docs), so the install and
//! `doctor --online` warn above 50.

use super::{EnvSyntax, Headless, Shape, StdClient, TokenReference};
use crate::config::format::Format;

/// The Windsurf editor.
pub const WINDSURF: StdClient = StdClient {
    id: "windsurf",
    aliases: &[],
    name: "Windsurf",
    format: Format::Jsonc,
    user_file: |environment| environment.home_path(&[".codeium", "windsurf", "mcp_config.json"]),
    project_file: None,
    marker: |environment| environment.home_path(&[".codeium", "windsurf"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        url_key: "serverUrl",
        token_reference: Some(TokenReference::expanded(EnvSyntax::DOLLAR_ENV)),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::SignIn(
        "in Windsurf's MCP panel (Cascade > MCP servers), press Refresh, then sign in to Tray in the browser window it opens for \"{name}\"",
    ),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "press Refresh in Windsurf's MCP panel (Cascade > MCP servers)",
    tool_cap: Some(50),
    entry_approval_key: None,
    tool_filter: None,
};
