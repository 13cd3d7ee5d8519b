//! LM Studio: `~/.lmstudio/mcp.json` on every OS, "Cursor's mcp.json notation".
//!
//! Facts (clients.md §12, from lmstudio.ai's docs; a user reports macOS 0.3.33 reading
//! `~/.cache/lm-studio/mcp.json` instead [T], not followed here).
//!
//! Install link (lmstudio.ai/docs/app/mcp/deeplink, "Deeplink format"):
//! `lmstudio://add_mcp?name=NAME&config=CONFIG`, CONFIG being the Base64 of the entry's JSON (the
//! value under `mcpServers.NAME`), URL-encoded.

use super::links::{base64_json, encode_component};
use super::{ClientEntry, Headless, Shape, StdClient};
use crate::config::format::Format;

/// LM Studio.
pub const LM_STUDIO: StdClient = StdClient {
    id: "lmstudio",
    aliases: &["lm-studio"],
    name: "LM Studio",
    format: Format::Json,
    user_file: |environment| environment.home_path(&[".lmstudio", "mcp.json"]),
    project_file: None,
    marker: |environment| environment.home_path(&[".lmstudio"]),
    servers_key: &["mcpServers"],
    shape: Shape::STANDARD,
    no_http: None,
    headless: Headless::Refused(None),
    project_caveat: None,
    trust: None,
    install_link: Some(install_link),
    reload_hint: "LM Studio reads mcp.json again by itself; check the Program tab",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: None,
};

/// LM Studio's install link for `entry` named `name`.
fn install_link(name: &str, entry: &ClientEntry) -> Option<String> {
    Some(format!(
        "lmstudio://add_mcp?name={}&config={}",
        encode_component(name),
        encode_component(&base64_json(&entry.server))
    ))
}
