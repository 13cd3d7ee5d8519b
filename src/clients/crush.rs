//! Crush: `crush.json` under `$XDG_CONFIG_HOME/crush` (`~/.config/crush` on every OS), project
//! `crush.json`; servers under `mcp`, `type` required (`stdio` / `http`).
//!
//! Facts (clients.md §10, from Crush's code at 37f36e9; its npm package downloads the binary
//! from GitHub, so it was not run). `crush.json` is deprecated in favour of `crushrc` but still
//! read; the docs' example is JSONC. `CRUSH_GLOBAL_CONFIG` names the folder of the global
//! `crush.json` instead (internal/config/load.go).
//!
//! Tool filter: `enabled_tools` / `disabled_tools` in the entry (clients.md §10,
//! internal/config/config.go), written in exact tool names.
//!
//! `--token-from-env` writes `${VAR}`: Crush runs every value through shell-style expansion
//! (internal/config/load.go).

use super::standard::xdg_config;
use super::{EnvSyntax, FilterKeys, Headless, Shape, StdClient, TokenReference};
use crate::config::format::Format;
use crate::env;
use crate::paths::Environment;

/// Charm's Crush.
pub const CRUSH: StdClient = StdClient {
    id: "crush",
    aliases: &[],
    name: "Crush",
    format: Format::Jsonc,
    user_file: |environment| environment.join(&crush_dir(environment), &["crush.json"]),
    project_file: Some(&["crush.json"]),
    marker: crush_dir,
    servers_key: &["mcp"],
    shape: Shape {
        stdio_type: Some("stdio"),
        remote_type: Some("http"),
        token_reference: Some(TokenReference::expanded(EnvSyntax::DOLLAR_BRACES)),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::Refused(None),
    project_caveat: None,
    trust: None,
    install_link: None,
    reload_hint: "restart Crush",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: Some(FilterKeys {
        include: Some("enabled_tools"),
        exclude: Some("disabled_tools"),
        all: None,
    }),
};

/// Crush's global config folder: `CRUSH_GLOBAL_CONFIG`, else `~/.config/crush` (XDG).
fn crush_dir(environment: &Environment) -> std::path::PathBuf {
    environment
        .client_home(env::CRUSH_GLOBAL_CONFIG)
        .unwrap_or_else(|| xdg_config(environment, &["crush"]))
}
