//! Gemini CLI: `~/.gemini/settings.json` (project `.gemini/settings.json`), `mcpServers`,
//! remote entries as `{"type": "http", "url", "headers"}`.
//!
//! Facts (clients.md §1, from gemini-cli's docs and code, and running 0.61.0): the file is read
//! with comments stripped, but a trailing comma is fatal (the JSONC editor never adds one); the
//! code treats `url` + `type: "http"` as Streamable HTTP, which `gemini mcp add -t http` writes.
//! `~` is `os.homedir()`, so Windows is `%USERPROFILE%\.gemini\` too.

use super::{Headless, Shape, StdClient};
use crate::config::format::Format;

/// Google's Gemini CLI.
pub const GEMINI: StdClient = StdClient {
    id: "gemini",
    aliases: &["gemini-cli"],
    name: "Gemini CLI",
    format: Format::Jsonc,
    user_file: |environment| environment.home_path(&[".gemini", "settings.json"]),
    project_file: Some(&[".gemini", "settings.json"]),
    marker: |environment| environment.home_path(&[".gemini"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        remote_type: Some("http"),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::SignIn("in a Gemini CLI session, run `/mcp auth {name}` and sign in to Tray in the browser"),
    project_caveat: Some("with folder trust on, Gemini CLI starts a project's servers only once the folder is trusted"),
    reload_hint: "start a new Gemini CLI session (`gemini mcp list` shows the server)",
};
