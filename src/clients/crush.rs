//! Crush: `crush.json` under `$XDG_CONFIG_HOME/crush` (`~/.config/crush` on every OS), project
//! `crush.json`; servers under `mcp`, `type` required (`stdio` / `http`).
//!
//! Facts (clients.md §10, from Crush's code at 37f36e9; its npm package downloads the binary
//! from GitHub, so it was not run). `crush.json` is deprecated in favour of `crushrc` but still
//! read; the docs' example is JSONC.

use super::standard::xdg_config;
use super::{Headless, Shape, StdClient};
use crate::config::format::Format;

/// Charm's Crush.
pub const CRUSH: StdClient = StdClient {
    id: "crush",
    aliases: &[],
    name: "Crush",
    format: Format::Jsonc,
    user_file: |environment| xdg_config(environment, &["crush", "crush.json"]),
    project_file: Some(&["crush.json"]),
    marker: |environment| xdg_config(environment, &["crush"]),
    servers_key: &["mcp"],
    shape: Shape {
        stdio_type: Some("stdio"),
        remote_type: Some("http"),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::Refused(None),
    project_caveat: None,
    reload_hint: "restart Crush",
};
