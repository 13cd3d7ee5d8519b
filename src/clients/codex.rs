//! OpenAI Codex CLI: `~/.codex/config.toml` (project `.codex/config.toml`), TOML tables
//! `[mcp_servers.NAME]`.
//!
//! Facts (clients.md §2, from codex-rs and running 0.171.0): stdio entries are
//! `command`/`args`/`env`; Streamable HTTP entries are `url` with the token from an environment
//! variable (`bearer_token_env_var`): an inline `bearer_token` makes Codex refuse the whole
//! config, so an http entry names a variable the user sets where Codex runs and never holds the
//! token (`--token-from-env VAR` names another variable; a bridge's `env` is passed as written, so
//! Codex refuses the flag for bridge entries). A project's file is loaded only when the project is trusted. `CODEX_HOME` moves the
//! user's folder (Codex then reads `$CODEX_HOME/config.toml`; the folder must exist, which an
//! install makes sure of).

use std::path::PathBuf;

use serde_json::json;

use super::entries::gateway_url;
use super::standard::client_home_or_home;
use super::{
    Client, ClientEntry, ConfigLocation, EntryError, EntrySpec, ReferenceForm, Scope, Shape, TokenReference, Transport,
    default_token_variable,
};
use crate::config::format::Format;
use crate::env;
use crate::paths::Environment;

/// The Codex CLI.
pub struct Codex;

/// Where a Codex entry names the variable holding the token: `bearer_token_env_var`, in http
/// entries only (a stdio entry's `env` is passed as written).
const TOKEN_REFERENCE: TokenReference = TokenReference {
    transports: &[Transport::Http],
    form: ReferenceForm::Field("bearer_token_env_var"),
};

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

    fn token_reference(&self) -> Option<TokenReference> {
        Some(TOKEN_REFERENCE)
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

    fn reload_hint(&self) -> &'static str {
        "start a new Codex session (`codex mcp list` shows the server)"
    }
}
