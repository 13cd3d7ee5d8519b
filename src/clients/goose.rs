//! Goose (Block's agent, now `aaif-goose/goose`): `~/.config/goose/config.yaml` on macOS and
//! Linux, `%APPDATA%\Block\goose\config\config.yaml` on Windows; extensions under `extensions:`.
//!
//! Facts (clients.md §8, and Goose's own `documentation/docs/guides/config-files.md`, "Common
//! extension shapes"): each extension is a flat mapping, `enabled` beside the fields of its
//! `type`. A stdio extension is `type: stdio`, `name`, `cmd`, `args` (required), `envs`,
//! `env_keys`, `timeout` (seconds); a remote one is `type: streamable_http` with `uri` and
//! `headers`. `description` is required for remote ones (may be empty), so every entry has one.
//! Goose's `env_keys` names secrets it looks up in its keyring or the environment and passes to
//! a stdio extension's process; they do not reach a remote extension's headers, so bridge and
//! http entries hold the token inline and the file is made private (0600); a `--token-from-env`
//! bridge names its variable in `env_keys` and lets `mcp-remote` expand it in its `--header`
//! argument (http entries refuse the flag). `GOOSE_PATH_ROOT`,
//! which moves the whole tree, is not followed yet.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::entries::{
    BRIDGE_HEADER_VARIABLE, bearer, bridge_command, bridge_command_with_header, gateway_url, serve_args,
};
use super::{
    Client, ClientEntry, ConfigLocation, EntryError, EntrySpec, ReferenceForm, Scope, Transport, bridge_header_argument,
};
use crate::config::format::Format;
use crate::paths::{Environment, Os};

/// Goose.
pub struct Goose;

/// Goose's default per-call timeout, in seconds (written so the entry is complete).
const TIMEOUT_SECONDS: u64 = 300;

fn config_dir(environment: &Environment) -> PathBuf {
    match environment.os {
        Os::Windows => environment.join(&environment.app_config_dir(), &["Block", "goose", "config"]),
        Os::MacOs | Os::Linux => super::standard::xdg_config(environment, &["goose"]),
    }
}

impl Client for Goose {
    fn id(&self) -> &'static str {
        "goose"
    }

    fn display_name(&self) -> &'static str {
        "Goose"
    }

    fn format(&self) -> Format {
        Format::Yaml
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User]
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        (scope == Scope::User).then(|| ConfigLocation {
            path: environment.join(&config_dir(environment), &["config.yaml"]),
            servers_key: vec!["extensions".into()],
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        config_dir(environment)
    }

    fn server_entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        let mut entry = Map::new();
        let remote = spec.transport == Transport::Http;
        entry.insert("type".into(), json!(if remote { "streamable_http" } else { "stdio" }));
        entry.insert("name".into(), json!(spec.name.as_str()));
        entry.insert("description".into(), json!("Tray.io workspace tools"));
        entry.insert("enabled".into(), json!(true));
        let holds_token = match spec.transport {
            Transport::Stdio => {
                entry.insert("cmd".into(), json!(spec.binary.to_string_lossy()));
                entry.insert("args".into(), json!(serve_args(spec)));
                entry.insert("envs".into(), json!({}));
                false
            }
            // Goose expands nothing in its config, but passes the variables named in `env_keys`
            // (from its keyring or its environment) to a stdio extension: `mcp-remote` then
            // expands its own `--header` argument.
            Transport::Bridge if spec.token_from_env() => {
                let variable = spec.token_variable.clone().unwrap_or_default();
                let (command, args) = bridge_command_with_header(spec, bridge_header_argument(&variable))?;
                entry.insert("cmd".into(), json!(command));
                entry.insert("args".into(), json!(args));
                entry.insert("envs".into(), json!({}));
                entry.insert("env_keys".into(), json!([variable]));
                false
            }
            Transport::Bridge => {
                let (command, args) = bridge_command(spec)?;
                entry.insert("cmd".into(), json!(command));
                entry.insert("args".into(), json!(args));
                entry.insert("envs".into(), json!({ BRIDGE_HEADER_VARIABLE: bearer(spec)? }));
                true
            }
            Transport::Headless => {
                return Err(EntryError::UnsupportedTransport {
                    client: "Goose",
                    transport: "headless",
                    hint: "Goose has no OAuth sign-in of its own for remote servers: drop --headless to use the bundled server for your workspace",
                });
            }
            Transport::Http => {
                entry.insert("uri".into(), json!(gateway_url(spec)?));
                entry.insert("headers".into(), json!({ "Authorization": bearer(spec)? }));
                true
            }
        };
        entry.insert("timeout".into(), json!(TIMEOUT_SECONDS));
        Ok(ClientEntry::plain(Value::Object(entry), holds_token))
    }

    fn token_reference(&self, transport: Transport) -> Option<ReferenceForm> {
        (transport == Transport::Bridge).then_some(ReferenceForm::BridgeArgument("env_keys"))
    }

    fn rename_references(&self, entry: &Value, old: &str, new: &str) -> Value {
        let mut updated = super::entries::follow_profile_rename(entry, old, new);
        if updated.get("name").and_then(Value::as_str) == Some(old)
            && let Some(object) = updated.as_object_mut()
        {
            object.insert("name".into(), json!(new));
        }
        updated
    }

    fn reload_hint(&self) -> &'static str {
        "start a new Goose session (`goose session`), or restart Goose Desktop"
    }
}
