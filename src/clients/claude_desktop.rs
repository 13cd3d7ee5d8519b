//! Claude Desktop: strict JSON, `mcpServers`, stdio only (no remote entries in its config).

use super::{Headless, Shape, StdClient};
use crate::config::format::Format;

/// Anthropic's desktop app.
pub const CLAUDE_DESKTOP: StdClient = StdClient {
    id: "claude",
    aliases: &["claude-desktop", "claudedesktop"],
    name: "Claude Desktop",
    format: Format::Json,
    user_file: |environment| environment.join(&environment.app_config_dir(), &["Claude", "claude_desktop_config.json"]),
    project_file: None,
    marker: |environment| environment.join(&environment.app_config_dir(), &["Claude"]),
    servers_key: &["mcpServers"],
    shape: Shape::STANDARD,
    no_http: Some(
        "Claude Desktop's config takes only local (stdio) servers: use --transport stdio (the bundled server, no Node.js needed) or --transport bridge",
    ),
    headless: Headless::Refused(Some(
        "Claude Desktop adds remote servers in the app, not in this file: open Settings > Connectors > Add custom connector, paste {url} and sign in to Tray there",
    )),
    project_caveat: None,
    reload_hint: "quit and restart Claude Desktop for the changes to take effect",
};
