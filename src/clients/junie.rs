//! JetBrains Junie: `~/.junie/mcp/mcp.json`, project `.junie/mcp/mcp.json`, `mcpServers`,
//! local (stdio) servers only.
//!
//! Facts (clients.md §12: stdio-only from JetBrains' Junie help; the paths are third-party [T]).

use super::{Headless, Shape, StdClient};
use crate::config::format::Format;

/// JetBrains Junie.
pub const JUNIE: StdClient = StdClient {
    id: "junie",
    aliases: &[],
    name: "Junie",
    format: Format::Json,
    user_file: |environment| environment.home_path(&[".junie", "mcp", "mcp.json"]),
    project_file: Some(&[".junie", "mcp", "mcp.json"]),
    marker: |environment| environment.home_path(&[".junie"]),
    servers_key: &["mcpServers"],
    shape: Shape::STANDARD,
    no_http: Some(
        "Junie takes only local (stdio) servers: use --transport stdio (the bundled server) or --transport bridge",
    ),
    headless: Headless::Refused(Some(
        "Junie takes only local (stdio) servers: drop --headless to use the bundled server for your workspace",
    )),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "restart the JetBrains IDE's Junie session",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: None,
};
