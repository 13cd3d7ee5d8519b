//! Roo Code: `mcp_settings.json` in VS Code's globalStorage for the extension
//! (`<app config>/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/`), project
//! `.roo/mcp.json`; `mcpServers`, entries typed `stdio` / `streamable-http` (hyphenated).
//!
//! Facts (clients.md §5, from Roo Code's code at cb83656; no CLI to run): strict JSON.
//!
//! `--token-from-env` writes `${env:VAR}`, which Roo Code substitutes in the whole entry
//! (src/utils/config.ts).
//!
//! Approvals: `alwaysAllow[]` in the entry lists the tools Roo runs without asking (clients.md §5,
//! src/services/mcp/McpHub.ts); `install --approve read-only` writes the read-only tools there.
//!
//! Tool filter: `disabledTools[]` in the entry lists the tools Roo leaves out (clients.md §5); it
//! has no list of tools to use, so `--tools` is written as the listed tools it does not match.

use super::{EnvSyntax, FilterKeys, Headless, Shape, StdClient, TokenReference};
use crate::config::format::Format;
use crate::paths::Environment;

fn storage(environment: &Environment, parts: &[&str]) -> std::path::PathBuf {
    let mut path = vec!["Code", "User", "globalStorage", "rooveterinaryinc.roo-cline"];
    path.extend_from_slice(parts);
    environment.join(&environment.app_config_dir(), &path)
}

/// Roo Code (VS Code extension).
pub const ROO: StdClient = StdClient {
    id: "roo",
    aliases: &["roo-code", "roocode"],
    name: "Roo Code",
    format: Format::Json,
    user_file: |environment| storage(environment, &["settings", "mcp_settings.json"]),
    project_file: Some(&[".roo", "mcp.json"]),
    marker: |environment| storage(environment, &[]),
    servers_key: &["mcpServers"],
    shape: Shape {
        stdio_type: Some("stdio"),
        remote_type: Some("streamable-http"),
        token_reference: Some(TokenReference::expanded(EnvSyntax::DOLLAR_ENV)),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::Refused(None),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "Roo Code reads the file again by itself; check its MCP servers view",
    tool_cap: None,
    entry_approval_key: Some("alwaysAllow"),
    tool_filter: Some(FilterKeys {
        include: None,
        exclude: Some("disabledTools"),
        all: None,
    }),
};
