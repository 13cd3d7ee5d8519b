//! Zed: `settings.json` in Zed's config folder (`~/.config/zed` on macOS and Linux, `%APPDATA%\Zed`
//! on Windows), project `.zed/settings.json`; servers under `context_servers`.
//!
//! Facts (clients.md §3, from Zed's code): JSONC (comments and trailing commas); an untagged
//! entry: `{command, args, env}` or `{url, headers}`, no `type`.

use super::standard::xdg_config;
use super::{Headless, Shape, StdClient};
use crate::config::format::Format;
use crate::paths::{Environment, Os};

fn config_dir(environment: &Environment) -> std::path::PathBuf {
    match environment.os {
        Os::Windows => environment.join(&environment.app_config_dir(), &["Zed"]),
        Os::MacOs | Os::Linux => xdg_config(environment, &["zed"]),
    }
}

/// The Zed editor.
pub const ZED: StdClient = StdClient {
    id: "zed",
    aliases: &[],
    name: "Zed",
    format: Format::Jsonc,
    user_file: |environment| environment.join(&config_dir(environment), &["settings.json"]),
    project_file: Some(&[".zed", "settings.json"]),
    marker: config_dir,
    servers_key: &["context_servers"],
    shape: Shape::STANDARD,
    no_http: None,
    headless: Headless::SignIn(
        "open the Agent panel's settings: Zed asks you to sign in to Tray for \"{name}\" and opens the browser",
    ),
    project_caveat: Some("Zed applies a project's .zed/settings.json only in a trusted worktree"),
    trust: None,
    install_link: None,
    reload_hint: "Zed reloads its settings by itself; see the Agent panel's settings",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: None,
};
