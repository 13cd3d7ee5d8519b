//! Qwen Code: `~/.qwen/settings.json` (project `.qwen/settings.json`), Gemini CLI's shape with
//! remote entries under `httpUrl`.
//!
//! Facts (clients.md §9, running 0.24.4): `qwen mcp add -t http` writes `httpUrl`; comments are
//! kept on its own writes; project servers wait for approval.

use super::{Headless, Shape, StdClient};
use crate::config::format::Format;

/// Qwen Code.
pub const QWEN: StdClient = StdClient {
    id: "qwen",
    aliases: &["qwen-code"],
    name: "Qwen Code",
    format: Format::Jsonc,
    user_file: |environment| environment.home_path(&[".qwen", "settings.json"]),
    project_file: Some(&[".qwen", "settings.json"]),
    marker: |environment| environment.home_path(&[".qwen"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        url_key: "httpUrl",
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::SignIn("in a Qwen Code session, run `/mcp auth {name}` and sign in to Tray in the browser"),
    project_caveat: Some("Qwen Code starts a project's servers only once approved (`qwen mcp approve`)"),
    reload_hint: "start a new Qwen Code session (`qwen mcp list` shows the server)",
};
