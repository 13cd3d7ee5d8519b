//! Cline ≥ 4 (extension and CLI ≥ 3.0.30): the shared `~/.cline/data/settings/cline_mcp_settings.json`
//! on every OS, `mcpServers`, flat entries typed `stdio` / `streamableHttp`.
//!
//! Facts (clients.md §4, from Cline's code and running CLI 3.0.65): strict JSON (`JSON.parse`);
//! a `url` without `type` would mean SSE, so remote entries always carry
//! `"type": "streamableHttp"`. The legacy per-editor files are migrated by Cline itself.

use super::{Headless, Shape, StdClient};
use crate::config::format::Format;

/// Cline.
pub const CLINE: StdClient = StdClient {
    id: "cline",
    aliases: &[],
    name: "Cline",
    format: Format::Json,
    user_file: |environment| environment.home_path(&[".cline", "data", "settings", "cline_mcp_settings.json"]),
    project_file: None,
    marker: |environment| environment.home_path(&[".cline"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        stdio_type: Some("stdio"),
        remote_type: Some("streamableHttp"),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::Refused(None),
    project_caveat: None,
    reload_hint: "Cline reads the file again by itself; check its MCP Servers view (`cline config mcp` lists it)",
};
