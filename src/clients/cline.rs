//! Cline ≥ 4 (extension and CLI ≥ 3.0.30): the shared `~/.cline/data/settings/cline_mcp_settings.json`
//! on every OS, `mcpServers`, flat entries typed `stdio` / `streamableHttp`.
//!
//! Facts (clients.md §4, from Cline's code and running CLI 3.0.65): strict JSON (`JSON.parse`);
//! a `url` without `type` would mean SSE, so remote entries always carry
//! `"type": "streamableHttp"`. The legacy per-editor files are migrated by Cline itself. The
//! file moves with `CLINE_MCP_SETTINGS_PATH` (the file itself), else `CLINE_DATA_DIR`
//! (`<it>/settings/`), else `CLINE_DIR` (`<it>/data/settings/`), in that order
//! (@cline/shared storage paths).
//!
//! Approvals: `autoApprove[]` in the entry lists the tools Cline runs without asking (clients.md
//! §4, apps/vscode/src/services/mcp/schemas.ts); `install --approve read-only` writes the
//! read-only tools there.

use std::path::PathBuf;

use super::standard::client_home_or_home;
use super::{Headless, Shape, StdClient};
use crate::config::format::Format;
use crate::env;
use crate::paths::Environment;

/// Cline.
pub const CLINE: StdClient = StdClient {
    id: "cline",
    aliases: &[],
    name: "Cline",
    format: Format::Json,
    user_file: settings_file,
    project_file: None,
    marker: cline_dir,
    servers_key: &["mcpServers"],
    shape: Shape {
        stdio_type: Some("stdio"),
        remote_type: Some("streamableHttp"),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::Refused(None),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "Cline reads the file again by itself; check its MCP Servers view (`cline config mcp` lists it)",
    tool_cap: None,
    entry_approval_key: Some("autoApprove"),
    tool_filter: None,
};

/// Cline's folder: `CLINE_DIR`, else `~/.cline`.
fn cline_dir(environment: &Environment) -> PathBuf {
    client_home_or_home(environment, env::CLINE_DIR, &[], &[".cline"])
}

/// The MCP settings file, following Cline's variables in its order.
fn settings_file(environment: &Environment) -> PathBuf {
    if let Some(file) = environment.client_home(env::CLINE_MCP_SETTINGS_PATH) {
        return file;
    }
    let data = environment
        .client_home(env::CLINE_DATA_DIR)
        .unwrap_or_else(|| environment.join(&cline_dir(environment), &["data"]));
    environment.join(&data, &["settings", "cline_mcp_settings.json"])
}
