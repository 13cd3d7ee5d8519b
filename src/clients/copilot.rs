//! GitHub Copilot CLI: `~/.copilot/mcp-config.json` on every OS, `mcpServers`, entries typed
//! `local` / `http` with `"tools": ["*"]`.
//!
//! Facts (clients.md §6, running 1.0.102): `copilot mcp add` writes `type: "local"` and
//! `tools: ["*"]`; the reader takes comments and trailing commas; `XDG_CONFIG_HOME` is no longer
//! honoured; `COPILOT_HOME` moves the folder (`copilot help environment`). Its workspace files (`.mcp.json`, `.github/mcp.json`) load only after folder trust
//! and `.mcp.json` is also Claude Code's project file, so only the user scope is offered.
//!
//! Folder trust: Copilot CLI asks whether to trust the folder it starts in and remembers a "yes,
//! and remember" in `trusted_folders` of `~/.copilot/config.json` (`COPILOT_HOME` moves it).
//! The user's servers load either way; a trusted folder's `.mcp.json` and `.github/mcp.json`
//! load too, and a server of the same name there takes precedence over the user's (GitHub's
//! docs, "Setting trusted directories"; github/copilot-cli#4542, #4832). `doctor` says which
//! applies here.
//!
//! `--token-from-env` writes `${VAR}` in a bridge's `env`, which Copilot CLI expands there since
//! 1.0.10 (`$VAR`, `${VAR}`, `${VAR:-default}`: github/copilot-cli#903). Expansion in `headers`
//! is not documented, so http entries keep the token inline.
//!
//! Tool filter: `tools`, the list of the server's tools Copilot CLI uses, `["*"]` for all (clients.md
//! §6; `copilot mcp add` writes `["*"]`); no exclusion list, so `--exclude-tools` is written as
//! the listed tools less the excluded ones.

use std::path::Path;

use super::standard::{Extra, client_home_or_home};
use super::{
    EnvSyntax, FilterKeys, Headless, ReferenceForm, Scope, ScopeTrust, Shape, StdClient, TokenReference, Transport,
};
use crate::config::format::{Format, open};
use crate::env;
use crate::paths::Environment;

/// GitHub's Copilot CLI.
pub const COPILOT: StdClient = StdClient {
    id: "copilot",
    aliases: &["copilot-cli", "github-copilot"],
    name: "Copilot CLI",
    format: Format::Jsonc,
    user_file: |environment| {
        client_home_or_home(
            environment,
            env::COPILOT_HOME,
            &["mcp-config.json"],
            &[".copilot", "mcp-config.json"],
        )
    },
    project_file: None,
    marker: |environment| client_home_or_home(environment, env::COPILOT_HOME, &[], &[".copilot"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        stdio_type: Some("local"),
        remote_type: Some("http"),
        extra: &[("tools", Extra::AllTools)],
        token_reference: Some(TokenReference {
            transports: &[Transport::Bridge],
            form: ReferenceForm::Expanded(EnvSyntax::DOLLAR_BRACES),
            caveat: None,
        }),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::SignIn(
        "start Copilot CLI: it opens the browser to sign in to Tray when it first connects to \"{name}\" (`/mcp` shows its state)",
    ),
    project_caveat: None,
    trust: Some(folder_trust),
    install_link: None,
    reload_hint: "start a new Copilot CLI session (`copilot mcp list` shows the server)",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: Some(FilterKeys {
        include: Some("tools"),
        exclude: None,
        all: Some("*"),
    }),
};

/// What Copilot CLI's folder trust means for a user entry here: it loads either way, and in a
/// trusted folder the folder's own servers come first.
fn folder_trust(environment: &Environment, scope: Scope) -> Option<ScopeTrust> {
    if scope != Scope::User {
        return None;
    }
    let config = client_home_or_home(
        environment,
        env::COPILOT_HOME,
        &["config.json"],
        &[".copilot", "config.json"],
    );
    let trusted = trusted_folders(&config)
        .iter()
        .any(|folder| environment.current_dir.starts_with(Path::new(folder)));
    let shown = environment.display_path(&config);
    Some(ScopeTrust::Trusted(if trusted {
        format!(
            "Copilot CLI trusts this folder ({shown}): it loads this entry and the folder's .mcp.json and .github/mcp.json, where a server of the same name takes precedence"
        )
    } else {
        format!(
            "Copilot CLI loads this entry in any folder (this one is not in trusted_folders of {shown}, so the folder's own .mcp.json is not loaded)"
        )
    }))
}

/// The `trusted_folders` of Copilot CLI's `config.json` (none when it is missing or unreadable).
fn trusted_folders(config: &Path) -> Vec<String> {
    let Ok(text) = crate::config::safe_write::read_to_string(config) else {
        return Vec::new();
    };
    let value = open(Format::Jsonc, &text)
        .ok()
        .and_then(|document| document.get(&["trusted_folders"]).ok().flatten());
    value
        .and_then(|value| value.as_array().cloned())
        .unwrap_or_default()
        .into_iter()
        .filter_map(|folder| folder.as_str().map(str::to_string))
        .collect()
}
