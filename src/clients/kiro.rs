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
//!
//! Tool filter: `disabledTools` in the entry lists the tools Kiro leaves out (clients.md §12,
//! kiro.dev/docs/mcp/configuration); it has no list of tools to use, so `--tools` is written as
//! the listed tools it does not match.
//!
//! Install link (kiro.dev/docs/mcp/share, "Install link schema"):
//! `https://kiro.dev/launch/mcp/add?name=NAME&config=CONFIG`, CONFIG being the entry's JSON (the
//! value under `mcpServers.NAME`) URL-encoded as `encodeURIComponent` does.

use super::links::encode_component;
use super::{ClientEntry, EnvSyntax, FilterKeys, Headless, Shape, StdClient, TokenReference};
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
    install_link: Some(install_link),
    reload_hint: "open Kiro's MCP servers view (restart Kiro if the server is not listed)",
    tool_cap: None,
    entry_approval_key: Some("autoApprove"),
    tool_filter: Some(FilterKeys {
        include: None,
        exclude: Some("disabledTools"),
        all: None,
    }),
};

/// Kiro's install link for `entry` named `name`.
fn install_link(name: &str, entry: &ClientEntry) -> Option<String> {
    Some(format!(
        "https://kiro.dev/launch/mcp/add?name={}&config={}",
        encode_component(name),
        encode_component(&entry.server.to_string())
    ))
}
