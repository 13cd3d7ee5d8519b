//! Kilo Code (the extension built on the Kilo CLI, an OpenCode fork): `kilo.json` (or `.jsonc`)
//! under `~/.config/kilo` on every OS, project `kilo.json`; OpenCode's shape under `mcp`.
//!
//! Facts (clients.md §5, from Kilo's docs; its CLI could not be installed here, so no run).

use super::opencode::OPENCODE_SHAPE;
use super::standard::{existing_or_last, xdg_config};
use super::{Headless, StdClient};
use crate::config::format::Format;

/// Kilo Code.
pub const KILO: StdClient = StdClient {
    id: "kilo",
    aliases: &["kilocode", "kilo-code"],
    name: "Kilo Code",
    format: Format::Jsonc,
    user_file: |environment| {
        existing_or_last(
            environment,
            &xdg_config(environment, &["kilo"]),
            &["kilo.jsonc", "kilo.json"],
        )
    },
    project_file: Some(&["kilo.json"]),
    marker: |environment| xdg_config(environment, &["kilo"]),
    servers_key: &["mcp"],
    shape: OPENCODE_SHAPE,
    no_http: None,
    headless: Headless::SignIn("run `kilo mcp auth {name}` and sign in to Tray in the browser"),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "reload the Kilo Code window (`kilo mcp list` shows the server)",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: None,
};
