//! Kiro (IDE and CLI): `~/.kiro/settings/mcp.json`, project `.kiro/settings/mcp.json`,
//! `mcpServers`, the standard shape.
//!
//! Facts (clients.md §12, from kiro.dev's docs; no npm CLI to run).
//!
//! `--token-from-env` writes `${VAR}`, which Kiro expands in `env` values and `headers` (kiro.dev's
//! MCP configuration page: `"Authorization": "Bearer ${API_TOKEN}"`).
//!
//! Approvals: `autoApprove[]` in the entry lists the tools Kiro runs without asking (clients.md
//! §12, kiro.dev/docs/mcp/configuration); `install --approve read-only` writes the read-only tools.

use super::{EnvSyntax, Headless, Shape, StdClient, TokenReference};
use crate::config::format::Format;

/// Kiro.
pub const KIRO: StdClient = StdClient {
    id: "kiro",
    aliases: &[],
    name: "Kiro",
    format: Format::Json,
    user_file: |environment| environment.home_path(&[".kiro", "settings", "mcp.json"]),
    project_file: Some(&[".kiro", "settings", "mcp.json"]),
    marker: |environment| environment.home_path(&[".kiro"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        token_reference: Some(TokenReference::expanded(EnvSyntax::DOLLAR_BRACES)),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::Refused(None),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "open Kiro's MCP servers view (restart Kiro if the server is not listed)",
    tool_cap: None,
    entry_approval_key: Some("autoApprove"),
};
