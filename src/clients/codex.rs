//! OpenAI Codex CLI: `~/.codex/config.toml` (project `.codex/config.toml`), TOML tables
//! `[mcp_servers.NAME]`.
//!
//! Facts (clients.md §2, from codex-rs and running 0.171.0): stdio entries are
//! `command`/`args`/`env`; Streamable HTTP entries are `url` with the token from an environment
//! variable (`bearer_token_env_var`): an inline `bearer_token` makes Codex refuse the whole
//! config, so an http entry names a variable the user sets where Codex runs and never holds the
//! token (`--token-from-env VAR` names another variable). A stdio entry's `env` is passed as
//! written, so a `--token-from-env` bridge forwards the variable (`env_vars`) and lets
//! `mcp-remote` expand `--header "Authorization:Bearer ${VAR}"` itself. A project's file is loaded only when the project is trusted. `CODEX_HOME` moves the
//! user's folder (Codex then reads `$CODEX_HOME/config.toml`; the folder must exist, which an
//! install makes sure of).
//!
//! Approvals: `[mcp_servers.NAME.tools.TOOL] approval_mode = "approve"` (clients.md §2,
//! codex-rs/config/src/mcp_types.rs `AppToolApproval`: `auto|prompt|writes|approve`); `approve`
//! is the value that skips the prompt (codex-rs/codex-mcp/src/mcp/mod.rs
//! `mcp_permission_prompt_is_auto_approved` returns true for it before any policy check).
//! `install --approve read-only` writes it for the read-only tools of a stdio entry.
//!
//! Plugins (checked with the real Codex 0.171.0: `codex plugin marketplace add DIR`, `codex
//! plugin add NAME@MARKETPLACE`, `codex mcp list --json`): an installed plugin is a table
//! `[plugins."NAME@MARKETPLACE"]` (`enabled = true`) in the user's `config.toml`, its files
//! under `$CODEX_HOME/plugins/cache/MARKETPLACE/NAME/VERSION/`, its servers in that folder's
//! `.mcp.json` (or the file `.codex-plugin/plugin.json` names in `mcpServers`). Codex lists
//! them beside the config's own servers, and leaves out a plugin set to `enabled = false`.
//!
//! Tool filter: `enabled_tools` (the tools to use) and `disabled_tools` (applied after it) in
//! the server's table (clients.md §2, codex-rs/config/src/mcp_types.rs), exact tool names.

use std::path::{Path, PathBuf};

use serde_json::json;

use super::entries::{bridge_command_with_header, gateway_url};
use super::standard::client_home_or_home;
use super::{
    Client, ClientEntry, ConfigLocation, EntryError, EntrySpec, FilterKeys, ReferenceForm, Scope, ScopeTrust, Shape,
    Transport, bridge_header_argument, default_token_variable,
};
use crate::config::format::Format;
use crate::env;
use crate::paths::Environment;

/// The Codex CLI.
pub struct Codex;

/// A `--token-from-env` bridge: Codex passes `env` as written, so the variable is forwarded
/// (`env_vars`) and `mcp-remote` expands it in its own `--header` argument.
fn forwarded_bridge(spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
    let variable = spec.token_variable.clone().unwrap_or_default();
    let (command, args) = bridge_command_with_header(spec, bridge_header_argument(&variable))?;
    Ok(ClientEntry::plain(
        json!({"command": command, "args": args, "env_vars": [variable]}),
        false,
    ))
}

impl Client for Codex {
    fn id(&self) -> &'static str {
        "codex"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["codex-cli", "openai-codex"]
    }

    fn display_name(&self) -> &'static str {
        "Codex"
    }

    fn format(&self) -> Format {
        Format::Toml
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        let path = match scope {
            Scope::User => client_home_or_home(
                environment,
                env::CODEX_HOME,
                &["config.toml"],
                &[".codex", "config.toml"],
            ),
            Scope::Project => environment.project_path(&[".codex", "config.toml"]),
            Scope::Local => return None,
        };
        Some(ConfigLocation {
            path,
            servers_key: vec!["mcp_servers".into()],
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        client_home_or_home(environment, env::CODEX_HOME, &[], &[".codex"])
    }

    fn server_entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        match spec.transport {
            Transport::Http => {}
            // The URL alone: Codex signs in by OAuth (`codex mcp login NAME`) when there is no
            // bearer token.
            Transport::Headless => {
                return Ok(ClientEntry::plain(json!({"url": spec.region.headless_url()}), false));
            }
            Transport::Bridge if spec.token_from_env() => return forwarded_bridge(spec),
            Transport::Stdio | Transport::Bridge => return Shape::STANDARD.entry(spec),
        }
        // Always a variable: Codex refuses a token written in its config. `--token-from-env`
        // only names another one.
        let variable = spec
            .token_variable
            .clone()
            .unwrap_or_else(|| default_token_variable(spec.name.as_str()));
        let mut entry = ClientEntry::plain(
            json!({"url": gateway_url(spec)?, "bearer_token_env_var": variable}),
            false,
        );
        entry.notice = Some(format!(
            "Codex reads this entry's token from the environment variable {variable}: set it to your Tray API token where Codex runs (Codex refuses a token written in config.toml)"
        ));
        Ok(entry)
    }

    fn token_reference(&self, transport: Transport) -> Option<ReferenceForm> {
        match transport {
            Transport::Http => Some(ReferenceForm::Field("bearer_token_env_var")),
            Transport::Bridge => Some(ReferenceForm::BridgeArgument("env_vars")),
            Transport::Stdio | Transport::Headless => None,
        }
    }

    fn entry_approval_key(&self) -> Option<&'static str> {
        Some("tools")
    }

    fn entry_approval_field(&self) -> Option<(&'static str, &'static str)> {
        Some(("approval_mode", "approve"))
    }

    fn plugin_servers(&self, environment: &Environment) -> Vec<super::PluginServer> {
        let home = client_home_or_home(environment, env::CODEX_HOME, &[], &[".codex"]);
        let Ok(text) = crate::config::safe_write::read_to_string(&home.join("config.toml")) else {
            return Vec::new();
        };
        let Ok(document) = crate::config::format::open(Format::Toml, &text) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for (plugin, table) in document.members(&["plugins"]).unwrap_or_default() {
            let Some((name, marketplace)) = plugin.split_once('@') else {
                continue;
            };
            let enabled = table.get("enabled") != Some(&serde_json::Value::Bool(false));
            let folder = home.join("plugins").join("cache").join(marketplace).join(name);
            let mut versions: Vec<PathBuf> = std::fs::read_dir(&folder)
                .map(|listing| listing.filter_map(Result::ok).map(|item| item.path()).collect())
                .unwrap_or_default();
            versions.sort();
            for root in versions.iter().filter(|path| path.is_dir()) {
                found.extend(super::plugins::plugin_servers(root, ".codex-plugin", &plugin, enabled));
            }
        }
        found
    }

    fn plugin_off_step(&self, plugin: &str) -> String {
        format!(
            "`codex plugin remove {plugin}`, or `enabled = false` under [plugins.\"{plugin}\"] in ~/.codex/config.toml"
        )
    }

    fn tool_filter(&self) -> Option<FilterKeys> {
        Some(FilterKeys {
            include: Some("enabled_tools"),
            exclude: Some("disabled_tools"),
            all: None,
        })
    }

    fn oauth_sign_in(&self, name: &str) -> Option<String> {
        Some(format!(
            "run `codex mcp login {name}` and sign in to Tray in the browser"
        ))
    }

    fn caveat(&self, scope: Scope) -> Option<&'static str> {
        (scope == Scope::Project).then_some(
            "Codex loads a project's .codex/config.toml only when the project is trusted ([projects.\"<dir>\"] trust_level = \"trusted\" in ~/.codex/config.toml; Codex asks on first run)",
        )
    }

    fn trust(&self, environment: &Environment, scope: Scope) -> Option<ScopeTrust> {
        (scope == Scope::Project).then(|| project_trust(environment))
    }

    fn reload_hint(&self) -> &'static str {
        "start a new Codex session (`codex mcp list` shows the server)"
    }
}

/// Whether Codex loads the current project's `.codex/config.toml`, by its own rule (checked
/// with the real Codex 0.171.0, `codex mcp list --json`): the `[projects."<dir>"]` table of the
/// user's config for the project folder decides; without one, the table of the enclosing git
/// repository's root; without either, the project is not trusted and the file is not loaded.
fn project_trust(environment: &Environment) -> ScopeTrust {
    let user_file = client_home_or_home(
        environment,
        env::CODEX_HOME,
        &["config.toml"],
        &[".codex", "config.toml"],
    );
    let project = environment.current_dir.clone();
    let levels = trust_levels(&user_file);
    let level_of = |folder: &Path| {
        levels
            .iter()
            .find(|(key, _)| Path::new(key) == folder)
            .map(|(key, level)| (key.clone(), level.clone()))
    };
    let decided = level_of(&project).or_else(|| git_root(&project).and_then(|root| level_of(&root)));
    let shown = environment.display_path(&user_file);
    match decided {
        Some((key, level)) if level == "trusted" => ScopeTrust::Trusted(format!(
            "Codex trusts this project ([projects.\"{key}\"] in {shown}), so it loads .codex/config.toml"
        )),
        found => ScopeTrust::Untrusted {
            finding: match found {
                Some((key, level)) => format!(
                    "Codex does not load this project's .codex/config.toml: [projects.\"{key}\"] in {shown} has trust_level = \"{level}\""
                ),
                None => {
                    format!("Codex does not load this project's .codex/config.toml: {shown} does not trust the project")
                }
            },
            fix: format!(
                "run `codex` in {} and trust the project, or add [projects.\"{}\"] trust_level = \"trusted\" to {shown}",
                project.display(),
                project.display()
            ),
        },
    }
}

/// The `trust_level` of each `[projects."<dir>"]` table in Codex's user config (none when the
/// file is missing or unreadable: Codex then trusts nothing).
fn trust_levels(user_file: &Path) -> Vec<(String, String)> {
    let Ok(text) = crate::config::safe_write::read_to_string(user_file) else {
        return Vec::new();
    };
    let Ok(document) = crate::config::format::open(Format::Toml, &text) else {
        return Vec::new();
    };
    document
        .members(&["projects"])
        .unwrap_or_default()
        .into_iter()
        .filter_map(|(key, table)| Some((key, table.get("trust_level")?.as_str()?.to_string())))
        .collect()
}

/// The root of the git repository holding `folder` (the nearest folder with a `.git`).
fn git_root(folder: &Path) -> Option<PathBuf> {
    folder
        .ancestors()
        .find(|candidate| candidate.join(".git").exists())
        .map(Path::to_path_buf)
}
