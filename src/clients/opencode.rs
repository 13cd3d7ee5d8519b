//! OpenCode: `opencode.json` (or `.jsonc`) under `$XDG_CONFIG_HOME/opencode` (`~/.config/opencode`
//! on every OS), project `opencode.json`; servers under `mcp`, with the command as one array.
//!
//! Facts (clients.md §7, running 1.18.33): local entries are
//! `{"type": "local", "command": [...], "environment": {}, "enabled": true}`, remote ones
//! `{"type": "remote", "url", "headers", "enabled": true}`; comments and trailing commas are read.
//! `--token-from-env` writes `{env:VAR}`, OpenCode's substitution (Kilo Code shares it).

use super::standard::{Extra, existing_or_last, xdg_config};
use super::{CommandForm, EnvSyntax, Headless, Shape, StdClient, TokenReference};
use crate::config::format::Format;

/// The OpenCode agent's entry shape (Kilo Code shares it).
pub const OPENCODE_SHAPE: Shape = Shape {
    stdio_type: Some("local"),
    remote_type: Some("remote"),
    url_key: "url",
    command: CommandForm::Array,
    env_key: "environment",
    extra: &[("enabled", Extra::True)],
    token_reference: Some(TokenReference::expanded(EnvSyntax::BRACE_ENV)),
};

/// The OpenCode coding agent.
pub const OPENCODE: StdClient = StdClient {
    id: "opencode",
    aliases: &["open-code"],
    name: "OpenCode",
    format: Format::Jsonc,
    user_file: |environment| {
        existing_or_last(
            environment,
            &xdg_config(environment, &["opencode"]),
            &["opencode.jsonc", "opencode.json"],
        )
    },
    project_file: Some(&["opencode.json"]),
    marker: |environment| xdg_config(environment, &["opencode"]),
    servers_key: &["mcp"],
    shape: OPENCODE_SHAPE,
    no_http: None,
    headless: Headless::SignIn("run `opencode mcp auth {name}` and sign in to Tray in the browser"),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "restart OpenCode (`opencode mcp list` shows the server)",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: None,
};
