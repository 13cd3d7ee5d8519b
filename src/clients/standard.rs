//! The shared standard client: a data declaration ([`StdClient`]) of where the files are and
//! how its entries differ from the common shape ([`Shape`]), so most clients are a constant of
//! about thirty lines instead of a hand-written `impl`.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::entries::Headless;
use super::entries::{BRIDGE_HEADER_VARIABLE, bridge_command, gateway_url, serve_args};
use super::{Client, ClientEntry, ConfigLocation, EntryError, EntrySpec, Scope, TokenReference, Transport};
use crate::config::format::Format;
use crate::paths::Environment;

/// How an entry names its program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommandForm {
    /// `"command": "bin", "args": [...]` (most clients).
    Split,
    /// `"command": ["bin", ...args]` (OpenCode, Kilo Code).
    Array,
}

/// A fixed field some clients want on every entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Extra {
    /// `true` (OpenCode's `"enabled": true`).
    True,
    /// `["*"]`: every tool (Copilot CLI's `"tools"`).
    AllTools,
}

/// How a client's entries differ from the common `{"command", "args", "env"}` /
/// `{"url", "headers"}` shape.
#[derive(Debug, Clone, Copy)]
pub struct Shape {
    /// The `type` of stdio (and bridge) entries, when the client wants one.
    pub stdio_type: Option<&'static str>,
    /// The `type` of remote entries, when the client wants one.
    pub remote_type: Option<&'static str>,
    /// The key of a remote entry's URL (`url`, `serverUrl`, `httpUrl`).
    pub url_key: &'static str,
    /// How the program is named.
    pub command: CommandForm,
    /// The key of the environment variables (`env`, `environment`).
    pub env_key: &'static str,
    /// Fields added to every entry.
    pub extra: &'static [(&'static str, Extra)],
    /// How the client reads the token from an environment variable named in a bridge's `env`
    /// value or an http entry's header (`--token-from-env`), when it expands one there.
    pub token_reference: Option<TokenReference>,
}

impl Shape {
    /// `{"command", "args", "env"}` and `{"url", "headers"}` with no `type`.
    pub const STANDARD: Shape = Shape {
        stdio_type: None,
        remote_type: None,
        url_key: "url",
        command: CommandForm::Split,
        env_key: "env",
        extra: &[],
        token_reference: None,
    };

    /// The entry for a spec (the transport already checked against what the client takes).
    pub fn entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        let mut entry = Map::new();
        let syntax = self.token_reference.and_then(TokenReference::syntax);
        let carries_token = match spec.transport {
            Transport::Stdio => {
                self.put_command(&mut entry, &spec.binary.to_string_lossy(), &serve_args(spec));
                false
            }
            Transport::Bridge => {
                let (command, args) = bridge_command(spec)?;
                self.put_command(&mut entry, &command, &args);
                entry.insert(
                    self.env_key.into(),
                    json!({ BRIDGE_HEADER_VARIABLE: spec.authorization(syntax)? }),
                );
                true
            }
            Transport::Http => {
                self.put_url(&mut entry, gateway_url(spec)?);
                entry.insert(
                    "headers".into(),
                    json!({ "Authorization": spec.authorization(syntax)? }),
                );
                true
            }
            // No headers at all: a static Authorization header would switch the server to
            // token auth and break the client's OAuth sign-in.
            Transport::Headless => {
                self.put_url(&mut entry, spec.region.headless_url());
                false
            }
        };
        // A token named by its variable is not in the entry.
        let holds_token = carries_token && !spec.token_from_env();
        for (key, extra) in self.extra {
            let value = match extra {
                Extra::True => json!(true),
                Extra::AllTools => json!(["*"]),
            };
            entry.insert((*key).into(), value);
        }
        Ok(ClientEntry::plain(Value::Object(entry), holds_token))
    }

    fn put_url(&self, entry: &mut Map<String, Value>, url: String) {
        if let Some(remote_type) = self.remote_type {
            entry.insert("type".into(), json!(remote_type));
        }
        entry.insert(self.url_key.into(), json!(url));
    }

    fn put_command(&self, entry: &mut Map<String, Value>, command: &str, args: &[String]) {
        if let Some(stdio_type) = self.stdio_type {
            entry.insert("type".into(), json!(stdio_type));
        }
        match self.command {
            CommandForm::Split => {
                entry.insert("command".into(), json!(command));
                entry.insert("args".into(), json!(args));
            }
            CommandForm::Array => {
                let mut line = vec![command.to_string()];
                line.extend(args.iter().cloned());
                entry.insert("command".into(), json!(line));
            }
        }
    }
}

/// A client described by data: its files, key and entry shape.
pub struct StdClient {
    /// The id `-c` takes.
    pub id: &'static str,
    /// Other names `-c` accepts.
    pub aliases: &'static [&'static str],
    /// The name shown to users.
    pub name: &'static str,
    /// The syntax of its config file.
    pub format: Format,
    /// The user-scope config file.
    pub user_file: fn(&Environment) -> PathBuf,
    /// The project-scope config file, relative to the current directory, if it has one.
    pub project_file: Option<&'static [&'static str]>,
    /// The folder whose presence shows it is installed.
    pub marker: fn(&Environment) -> PathBuf,
    /// The keys leading to its servers.
    pub servers_key: &'static [&'static str],
    /// How its entries look.
    pub shape: Shape,
    /// Why it cannot take a remote (http) entry, when it cannot.
    pub no_http: Option<&'static str>,
    /// Whether it signs in to a remote server by OAuth on its own (Tray's Headless MCP needs
    /// that), and how.
    pub headless: Headless,
    /// What to know about its project scope.
    pub project_caveat: Option<&'static str>,
    /// Its trust rule, for `doctor` ([`Client::trust`]), when it has one.
    pub trust: Option<fn(&Environment, Scope) -> Option<super::ScopeTrust>>,
    /// Its one-click install link for an entry ([`Client::install_link`]), when it defines one.
    pub install_link: Option<fn(&str, &ClientEntry) -> Option<String>>,
    /// What the user does for it to pick up a change.
    pub reload_hint: &'static str,
    /// The documented most tools it shows an agent (see [`Client::tool_cap`]).
    pub tool_cap: Option<usize>,
    /// The approval list inside its entries (see [`Client::entry_approval_key`]).
    pub entry_approval_key: Option<&'static str>,
    /// Its own per-server tool filter (see [`Client::tool_filter`]).
    pub tool_filter: Option<super::FilterKeys>,
}

impl Client for StdClient {
    fn id(&self) -> &'static str {
        self.id
    }

    fn aliases(&self) -> &'static [&'static str] {
        self.aliases
    }

    fn display_name(&self) -> &'static str {
        self.name
    }

    fn format(&self) -> Format {
        self.format
    }

    fn scopes(&self) -> &'static [Scope] {
        match self.project_file {
            Some(_) => &[Scope::User, Scope::Project],
            None => &[Scope::User],
        }
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        let path = match scope {
            Scope::User => (self.user_file)(environment),
            Scope::Project => environment.project_path(self.project_file?),
            Scope::Local => return None,
        };
        Some(ConfigLocation {
            path,
            servers_key: self.servers_key.iter().map(|key| key.to_string()).collect(),
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        (self.marker)(environment)
    }

    fn refuses(&self, transport: Transport) -> Option<&'static str> {
        (transport == Transport::Http).then_some(self.no_http).flatten()
    }

    fn server_entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        self.shape.entry(spec)
    }

    fn token_reference(&self, transport: Transport) -> Option<super::ReferenceForm> {
        self.shape.token_reference?.for_transport(transport)
    }

    fn token_reference_caveat(&self) -> Option<&'static str> {
        self.shape.token_reference?.caveat
    }

    fn oauth_sign_in(&self, name: &str) -> Option<String> {
        self.headless.sign_in(name)
    }

    fn headless_refusal(&self, url: &str) -> String {
        match self.headless {
            Headless::Refused(Some(hint)) => hint.replace("{url}", url),
            _ => format!(
                "{} has no OAuth sign-in of its own for remote servers: install Tray's Headless MCP for a client that has one (Claude Code, Cursor, VS Code, Codex, Gemini CLI, ...), or drop --headless to use the bundled server for your workspace",
                self.name
            ),
        }
    }

    fn caveat(&self, scope: Scope) -> Option<&'static str> {
        (scope == Scope::Project).then_some(self.project_caveat).flatten()
    }

    fn trust(&self, environment: &Environment, scope: Scope) -> Option<super::ScopeTrust> {
        self.trust.and_then(|trust| trust(environment, scope))
    }

    fn install_link(&self, name: &str, entry: &ClientEntry) -> Option<String> {
        self.install_link.and_then(|link| link(name, entry))
    }

    fn reload_hint(&self) -> &'static str {
        self.reload_hint
    }

    fn tool_cap(&self) -> Option<usize> {
        self.tool_cap
    }

    fn entry_approval_key(&self) -> Option<&'static str> {
        self.entry_approval_key
    }

    fn tool_filter(&self) -> Option<super::FilterKeys> {
        self.tool_filter
    }
}

/// `$XDG_CONFIG_HOME/...`, else `~/.config/...`, on every OS: where clients built on
/// xdg-basedir (OpenCode, Kilo Code, Crush) keep their config, macOS and Windows included.
pub fn xdg_config(environment: &Environment, parts: &[&str]) -> PathBuf {
    let base = environment
        .xdg_config_home
        .clone()
        .unwrap_or_else(|| environment.home_path(&[".config"]));
    environment.join(&base, parts)
}

/// `$VARIABLE/<inside...>` when the client-home variable `variable` is set (the client moved its
/// folder), else `~/<default...>`: where a client with such a variable reads its config.
pub fn client_home_or_home(environment: &Environment, variable: &str, inside: &[&str], default: &[&str]) -> PathBuf {
    match environment.client_home(variable) {
        Some(folder) => environment.join(&folder, inside),
        None => environment.home_path(default),
    }
}

/// The first of `names` that exists in `dir`, else the last (the name a new file gets): for
/// clients that read `opencode.jsonc` or `opencode.json`.
pub fn existing_or_last(environment: &Environment, dir: &std::path::Path, names: &[&str]) -> PathBuf {
    names
        .iter()
        .map(|name| environment.join(dir, &[name]))
        .find(|path| path.exists())
        .unwrap_or_else(|| environment.join(dir, &[names.last().copied().unwrap_or_default()]))
}
