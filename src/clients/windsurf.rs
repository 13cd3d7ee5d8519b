//! Windsurf: `~/.codeium/windsurf/mcp_config.json`, `mcpServers`, remote entries as
//! `{"serverUrl", "headers"}`.
//!
//! `--token-from-env` writes `${env:VAR}`, which Windsurf interpolates in `serverUrl`, `url`,
//! `headers`, `command`, `args` and `env` (Windsurf's MCP docs, "Config interpolation").
//!
//! Tool cap: "Cascade has a limit of 100 total tools that it has access to at any given time"
//! (Windsurf's MCP docs, docs.windsurf.com/windsurf/cascade/mcp, "Configuring MCP tools", read
//! 2026-12; the 50 was an older figure), so the install and `doctor --online` warn above
//! 100, for one entry or all Tray entries together.

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
    tool_cap: Some(100),
    entry_approval_key: None,
    tool_filter: None,
};
