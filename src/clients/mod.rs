//! The AI clients tray-mcp configures: one module each behind the [`Client`] trait, and one
//! registry, [`CLIENTS`].
//!
//! Why one file per client and one registry: each client keeps its config in its own place per
//! operating system and scope, under its own key, with its own shape for each transport. Keeping
//! a client's facts in one small file makes them easy to check against the client's docs, and
//! everything else (the ids `-c` accepts and `--help` lists, the wizard's choices, detection,
//! `tray-mcp clients`, the test tables) is derived from [`CLIENTS`], so a new client is one file
//! plus one line there. What varies between clients is a hook of [`Client`] with a default;
//! most clients are a [`StdClient`] data declaration over the shared standard shape.

mod claude_code;
mod claude_desktop;
mod cline;
mod codex;
mod continue_dev;
mod copilot;
mod crush;
mod cursor;
mod entries;
mod filter_keys;
mod gemini;
mod goose;
mod junie;
mod kilo;
mod kiro;
pub mod links;
mod lmstudio;
mod opencode;
pub mod ownership;
mod plugins;
mod qwen;
mod roo;
mod spec;
mod standard;
mod token_reference;
mod vscode;
mod windsurf;
mod zed;

use std::path::PathBuf;

use serde_json::Value;

pub use entries::{
    BRIDGE_HEADER_VARIABLE, EntryWorkspace, Headless, MCP_REMOTE_PACKAGE, RecognizedEntry, bearer, bridge_entry,
    command_line, gateway_url, recognize, stdio_entry,
};
pub use filter_keys::{FilterKeys, NeedsListing};
pub use spec::{ClientEntry, Companion, CompanionEdit, EntryError, EntrySpec};
pub use standard::{CommandForm, Shape, StdClient};
pub use token_reference::{
    EnvSyntax, ReferenceForm, TOKEN_TRANSPORTS, TokenReference, bridge_header_argument, default_token_variable,
    is_variable_name,
};

use crate::config::format::Format;
use crate::paths::Environment;

/// Every client, in the order they are shown. One line per client.
pub static CLIENTS: &[ClientId] = &[
    ClientId(&claude_desktop::CLAUDE_DESKTOP),
    ClientId(&claude_code::ClaudeCode),
    ClientId(&cursor::CURSOR),
    ClientId(&windsurf::WINDSURF),
    ClientId(&vscode::VS_CODE),
    ClientId(&vscode::VS_CODE_INSIDERS),
    ClientId(&vscode::VSCODIUM),
    ClientId(&codex::Codex),
    ClientId(&gemini::GEMINI),
    ClientId(&copilot::COPILOT),
    ClientId(&opencode::OPENCODE),
    ClientId(&kilo::KILO),
    ClientId(&cline::CLINE),
    ClientId(&roo::ROO),
    ClientId(&zed::ZED),
    ClientId(&qwen::QWEN),
    ClientId(&kiro::KIRO),
    ClientId(&crush::CRUSH),
    ClientId(&lmstudio::LM_STUDIO),
    ClientId(&junie::JUNIE),
    ClientId(&goose::Goose),
    ClientId(&continue_dev::Continue),
];

/// One client of the registry: a copyable handle, compared by id.
#[derive(Clone, Copy)]
pub struct ClientId(&'static dyn Client);

impl ClientId {
    /// Every client, in the order they are shown.
    pub fn all() -> &'static [ClientId] {
        CLIENTS
    }

    /// The identifier used on the command line and in JSON output.
    pub fn id(self) -> &'static str {
        self.0.id()
    }

    /// The client's implementation.
    pub fn client(self) -> &'static dyn Client {
        self.0
    }

    /// Parses a command-line client name: an id or one of its aliases, any case, `_` for `-`.
    pub fn parse(input: &str) -> Option<ClientId> {
        let wanted = input.trim().to_ascii_lowercase().replace('_', "-");
        CLIENTS
            .iter()
            .copied()
            .find(|client| client.id() == wanted || client.client().aliases().iter().any(|alias| *alias == wanted))
    }

    /// The ids `-c` accepts, for help texts and errors ("claude, claude-code, ...").
    pub fn ids_for_help() -> String {
        CLIENTS.iter().map(|client| client.id()).collect::<Vec<_>>().join(", ")
    }

    fn position(self) -> usize {
        CLIENTS.iter().position(|client| *client == self).unwrap_or(usize::MAX)
    }
}

impl PartialEq for ClientId {
    fn eq(&self, other: &Self) -> bool {
        self.id() == other.id()
    }
}

impl Eq for ClientId {}

impl std::hash::Hash for ClientId {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.id().hash(state);
    }
}

impl PartialOrd for ClientId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for ClientId {
    /// The registry's order, as clients are shown.
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.position().cmp(&other.position())
    }
}

impl std::fmt::Debug for ClientId {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(formatter, "ClientId({:?})", self.id())
    }
}

/// Which config of a client: the user's own, one project's private one, or the shared one in
/// the project folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub enum Scope {
    /// The user's config, for every project.
    #[default]
    User,
    /// Claude Code: private to one project, kept in `~/.claude.json`.
    Local,
    /// A file in the project folder, usually committed and shared.
    Project,
}

impl Scope {
    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::User => "user",
            Scope::Local => "local",
            Scope::Project => "project",
        }
    }
}

/// How the client reaches Tray.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Transport {
    /// The bundled server: `tray-mcp serve --profile NAME`, token in tray-mcp's profile store.
    #[default]
    Stdio,
    /// `npx mcp-remote` bridging to the workspace's Agent Gateway.
    Bridge,
    /// The client's own remote (Streamable HTTP) entry for the Agent Gateway.
    Http,
    /// The client's own remote entry for Tray's hosted Headless MCP (`https://api.tray.io/mcp`),
    /// with no Authorization header: the client signs in by OAuth.
    Headless,
}

impl Transport {
    /// Every way to reach a workspace, in the order they are offered.
    pub const ALL: [Transport; 3] = [Transport::Stdio, Transport::Bridge, Transport::Http];

    /// Every kind of entry: the workspace transports and Tray's Headless MCP.
    pub const EVERY: [Transport; 4] = [
        Transport::Stdio,
        Transport::Bridge,
        Transport::Http,
        Transport::Headless,
    ];

    /// The name used on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Transport::Stdio => "stdio",
            Transport::Bridge => "bridge",
            Transport::Http => "http",
            Transport::Headless => "headless",
        }
    }
}

/// Where a client keeps its servers for one scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigLocation {
    /// The config file.
    pub path: PathBuf,
    /// The keys leading to the object of servers, e.g. `["mcpServers"]`.
    pub servers_key: Vec<String>,
}

/// How a client that keeps each entry in a file of its own names and starts those files
/// (Continue's block files, `~/.continue/mcpServers/NAME.yaml`). Such a file made by an install
/// holds only its entry, so taking the entry out deletes the file, and a rename moves it.
#[derive(Debug)]
pub struct EntryFiles {
    /// The extension of the files tray-mcp writes (`yaml`).
    pub extension: &'static str,
    /// Every extension of the files the client reads in the folder.
    pub reads: &'static [&'static str],
    /// The text a new file for the entry `name` starts from (the block's header).
    pub header: fn(&str) -> String,
    /// The top-level keys of that header: a file left with no server and nothing but these
    /// keys is what an install made, and goes with its last entry.
    pub header_keys: &'static [&'static str],
}

/// The files in `folder` with one of `files`' extensions, by name: a client's entry files.
fn entry_files_in(folder: &std::path::Path, files: &EntryFiles, servers_key: &[String]) -> Vec<ConfigLocation> {
    let Ok(listing) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .filter(|item| item.file_type().is_ok_and(|kind| !kind.is_dir()))
        .map(|item| item.path())
        .filter(|path| {
            path.extension()
                .and_then(|extension| extension.to_str())
                .is_some_and(|extension| files.reads.contains(&extension))
        })
        .collect();
    paths.sort();
    paths
        .into_iter()
        .map(|path| ConfigLocation {
            path,
            servers_key: servers_key.to_vec(),
        })
        .collect()
}

/// One AI client: where its config lives and how its entries look. Every hook with a default
/// is what most clients share; a client overrides only what it does differently.
pub trait Client: Sync {
    /// The id used on the command line and in JSON output (`cursor`).
    fn id(&self) -> &'static str;

    /// Other names `-c` accepts for it.
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// The name shown to users ("Claude Desktop").
    fn display_name(&self) -> &'static str;

    /// Which syntax its config file uses.
    fn format(&self) -> Format;

    /// The scopes this client has (the first is its default).
    fn scopes(&self) -> &'static [Scope];

    /// Where its servers live for a scope (`None` for a scope it does not have).
    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation>;

    /// The folder whose presence shows the client is installed.
    fn install_marker(&self, environment: &Environment) -> PathBuf;

    /// For a client that keeps each entry in a file of its own: how those files look. Its
    /// [`Client::location`] then names the folder that holds them. `None` (the default): every
    /// entry of a scope sits in the one file `location` names.
    fn entry_files(&self) -> Option<&'static EntryFiles> {
        None
    }

    /// Files beside [`Client::location`] whose servers the client also reads in a scope
    /// (Continue's `config.yaml`): their entries are listed, checked, rotated, renamed and
    /// removed in place, but an install never adds to them.
    fn other_files(&self, environment: &Environment, scope: Scope) -> Vec<ConfigLocation> {
        let _ = (environment, scope);
        Vec::new()
    }

    /// Where a new entry `name` goes in a scope: its own file in the folder for a client with
    /// [`Client::entry_files`], else [`Client::location`].
    fn entry_location(&self, environment: &Environment, scope: Scope, name: &str) -> Option<ConfigLocation> {
        let location = self.location(environment, scope)?;
        Some(match self.entry_files() {
            Some(files) => ConfigLocation {
                path: environment.join(&location.path, &[&format!("{name}.{}", files.extension)]),
                servers_key: location.servers_key,
            },
            None => location,
        })
    }

    /// Every file holding the client's servers in a scope, as `list`, `remove`, `doctor` and the
    /// name checks read them: [`Client::location`] (or each of its entry files), then
    /// [`Client::other_files`].
    fn config_files(&self, environment: &Environment, scope: Scope) -> Vec<ConfigLocation> {
        let Some(location) = self.location(environment, scope) else {
            return Vec::new();
        };
        let mut files = match self.entry_files() {
            Some(entry_files) => entry_files_in(&location.path, entry_files, &location.servers_key),
            None => vec![location],
        };
        files.extend(self.other_files(environment, scope));
        files
    }

    /// For a client with named profiles of its own (VS Code's), where a scope's servers live in
    /// the profile `profile`: `None` when the client has no such profiles for the scope (a
    /// profile asked for does not apply to it); `Err` with the names of the profiles it has when
    /// none is called that.
    fn profile_location(
        &self,
        environment: &Environment,
        scope: Scope,
        profile: &str,
    ) -> Option<Result<ConfigLocation, Vec<String>>> {
        let _ = (environment, scope, profile);
        None
    }

    /// Whether `path` is one of the client's entry files in a scope (a file of one entry,
    /// deleted with it), rather than a shared config.
    fn is_entry_file(&self, environment: &Environment, scope: Scope, path: &std::path::Path) -> bool {
        self.entry_files().is_some()
            && self
                .location(environment, scope)
                .is_some_and(|location| path.parent() == Some(location.path.as_path()))
    }

    /// Why it cannot take a transport (the hint shown), or `None` when it can.
    fn refuses(&self, transport: Transport) -> Option<&'static str> {
        let _ = transport;
        None
    }

    /// The link that installs `entry` (what `install` writes, named `name`) into this client in
    /// one click, by the client's own URL scheme; `None` when the client defines no such link.
    /// The link carries the whole entry: the caller refuses entries that hold a token.
    fn install_link(&self, name: &str, entry: &ClientEntry) -> Option<String> {
        let _ = (name, entry);
        None
    }

    /// The entry for a server: refused transports and the sandbox's limits are checked here,
    /// then [`Client::server_entry`] builds it.
    fn entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        if let Some(hint) = self.refuses(spec.transport) {
            return Err(EntryError::UnsupportedTransport {
                client: self.display_name(),
                transport: spec.transport.as_str(),
                hint,
            });
        }
        if spec.sandbox && spec.transport != Transport::Stdio {
            return Err(EntryError::SandboxNeedsStdio);
        }
        if spec.transport == Transport::Headless && self.oauth_sign_in(spec.name.as_str()).is_none() {
            return Err(EntryError::NoOAuthSignIn {
                client: self.display_name(),
                hint: self.headless_refusal(&spec.region.headless_url()),
            });
        }
        let mut entry = if spec.token_from_env() {
            self.entry_reading_token_from_env(spec)?
        } else {
            self.server_entry(spec)?
        };
        if let Some(filter) = &spec.tools {
            self.write_tool_filter(spec.transport, &mut entry.server, filter)?;
        }
        Ok(entry)
    }

    /// Writes `filter` into the client's own filter keys of `entry`; refused when it has none
    /// (a filter of every tool then has nothing to clear).
    fn write_tool_filter(
        &self,
        transport: Transport,
        entry: &mut Value,
        filter: &crate::tool_filter::ExactFilter,
    ) -> Result<(), EntryError> {
        let Some(keys) = self.tool_filter() else {
            if filter.is_everything() {
                return Ok(());
            }
            return Err(EntryError::NoToolFilter {
                client: self.display_name(),
                transport: transport.as_str(),
            });
        };
        keys.write(entry, filter)
            .map_err(|NeedsListing| EntryError::FilterNeedsListing {
                client: self.display_name(),
                needs: if keys.include.is_none() {
                    "lists only the tools to leave out"
                } else {
                    "lists only the tools to use"
                },
            })
    }

    /// The entry of a spec that names the token's variable: refused when the client has no
    /// such indirection for the transport; never one that holds the token.
    fn entry_reading_token_from_env(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        let refusal = || {
            let others: Vec<Transport> = TOKEN_TRANSPORTS
                .into_iter()
                .filter(|other| *other != spec.transport && self.token_reference(*other).is_some())
                .collect();
            EntryError::NoTokenReference {
                client: self.display_name(),
                transport: spec.transport.as_str(),
                hint: token_reference::refusal_hint(self.display_name(), &others),
            }
        };
        if self.token_reference(spec.transport).is_none() {
            return Err(refusal());
        }
        let mut entry = self.server_entry(spec)?;
        // The promise of --token-from-env: the value itself is never written.
        if entry.holds_token {
            return Err(refusal());
        }
        if entry.notice.is_none()
            && let Some(variable) = &spec.token_variable
        {
            entry.notice = Some(token_reference::variable_notice(
                self.display_name(),
                variable,
                self.token_reference_caveat(),
            ));
        }
        Ok(entry)
    }

    /// How the client's `transport` entries name the environment variable it reads Tray's
    /// token from (`--token-from-env`); `None` when they cannot (the entry then holds the token,
    /// in a file made private).
    fn token_reference(&self, transport: Transport) -> Option<ReferenceForm> {
        let _ = transport;
        None
    }

    /// What the user should know about its `--token-from-env` entries (Gemini CLI rewrites
    /// them expanded), shown with the install.
    fn token_reference_caveat(&self) -> Option<&'static str> {
        None
    }

    /// The environment variable one of its entries reads Tray's token from, when it names one
    /// (written by `--token-from-env`, or a Codex http entry's `bearer_token_env_var`).
    fn token_variable_in(&self, entry: &Value) -> Option<String> {
        TOKEN_TRANSPORTS
            .into_iter()
            .find_map(|transport| self.token_reference(transport)?.variable_in(entry))
    }

    /// Whether it takes `transport` at all: not refused, and for the Headless MCP, able to sign
    /// in by OAuth.
    fn takes(&self, transport: Transport) -> bool {
        self.refuses(transport).is_none() && (transport != Transport::Headless || self.oauth_sign_in("NAME").is_some())
    }

    /// The one step that signs the user in to a remote server by OAuth in this client, for the
    /// entry `name` (shown after a headless install); `None` when the client cannot sign in by
    /// OAuth on its own, and so cannot use Tray's Headless MCP.
    fn oauth_sign_in(&self, name: &str) -> Option<String> {
        let _ = name;
        None
    }

    /// What to do instead, for a client that cannot sign in to the Headless MCP at `url`.
    fn headless_refusal(&self, url: &str) -> String {
        format!(
            "install it for a client that signs in by OAuth on its own (Claude Code, Cursor, VS Code, Codex, Gemini CLI, ...), or add {url} in {}'s own settings if it has a sign-in there",
            self.display_name()
        )
    }

    /// The entry for a transport it takes.
    fn server_entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError>;

    /// Reads one of its entries back: `None` for entries that are not Tray's.
    fn recognize(&self, entry: &Value) -> Option<RecognizedEntry> {
        recognize(entry)
    }

    /// Items to take out with an entry of this name (VS Code: its token prompt).
    fn removal_companions(&self, name: &str) -> Vec<Companion> {
        let _ = name;
        Vec::new()
    }

    /// Items to follow a rename from `old` to `new`.
    fn rename_companions(&self, old: &str, new: &str) -> Vec<Companion> {
        let _ = (old, new);
        Vec::new()
    }

    /// The entry after a rename: what in it names the entry follows the new name (by default the
    /// profile the bundled server runs with).
    fn rename_references(&self, entry: &Value, old: &str, new: &str) -> Value {
        entries::follow_profile_rename(entry, old, new)
    }

    /// When the client uses only one entry of a name across its scopes: the scopes, winner
    /// first (Claude Code: local > project > user). Empty when it has no such rule.
    fn scope_precedence(&self) -> &'static [Scope] {
        &[]
    }

    /// For clients with a local scope (Claude Code): the key pattern of every project's
    /// servers in the user-scope file, with `*` standing for the project directory.
    fn local_servers_pattern(&self) -> Option<&'static [&'static str]> {
        None
    }

    /// The most tools the client shows an agent, where it documents a cap (it drops the rest
    /// without a word); `None`: no documented cap.
    fn tool_cap(&self) -> Option<usize> {
        None
    }

    /// The client's own per-server tool filter (Gemini CLI's `includeTools`/`excludeTools`),
    /// which `install --tools` writes for bridge and http entries; `None`: it has none.
    fn tool_filter(&self) -> Option<FilterKeys> {
        None
    }

    /// The MCP servers the client's installed plugins provide (Claude Code plugins): not in any
    /// config tray-mcp edits, but served to the user beside its entries.
    fn plugin_servers(&self, _environment: &Environment) -> Vec<PluginServer> {
        Vec::new()
    }

    /// The step that turns off the plugin `plugin` in this client (for `doctor` and the
    /// install's note beside Tray's plugin).
    fn plugin_off_step(&self, plugin: &str) -> String {
        format!("turn the plugin {plugin} off in {}", self.display_name())
    }

    /// Where `install --approve read-only` writes this client's own approval of a tool, for an
    /// entry of `scope`: the settings file and the key path of its list of rules (Claude Code:
    /// `permissions.allow`). `None`: the client has no such list tray-mcp writes.
    fn approval_list(&self, _environment: &Environment, _scope: Scope) -> Option<(PathBuf, Vec<String>)> {
        None
    }

    /// The key of an approval list inside the client's own entry (Cline's `autoApprove`, Roo's
    /// `alwaysAllow`), listing tool names as the server lists them; `None`: no such key.
    fn entry_approval_key(&self) -> Option<&'static str> {
        None
    }

    /// For a client whose [`Client::entry_approval_key`] is a table of tools rather than a list
    /// (Codex's `tools.<tool>.approval_mode`): the field in a tool's table and the value that
    /// approves it ahead; `None`: the key is a list of tool names.
    fn entry_approval_field(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// The rule in [`Client::approval_list`] that approves the tool listed as `tool` of the
    /// server named `server` (Claude Code: `mcp__SERVER__TOOL`).
    fn approval_rule(&self, _server: &str, _tool: &str) -> Option<String> {
        None
    }

    /// Something the user should know about a scope before relying on it (Codex reads a
    /// project's file only when the project is trusted).
    fn caveat(&self, scope: Scope) -> Option<&'static str> {
        let _ = scope;
        None
    }

    /// Whether the client's own trust rule lets it use a scope's servers in the current
    /// directory, as `doctor` reports it (Gemini CLI's folder trust); `None` when it has no
    /// such rule for the scope.
    fn trust(&self, environment: &Environment, scope: Scope) -> Option<ScopeTrust> {
        let _ = (environment, scope);
        None
    }

    /// What the user must do for the client to pick up a change.
    fn reload_hint(&self) -> &'static str;
}

/// What a client's trust rule says about a scope here ([`Client::trust`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopeTrust {
    /// The client uses the servers: why.
    Trusted(String),
    /// It does not: what was found, and what to do.
    Untrusted {
        /// What was found.
        finding: String,
        /// How to make the client use them.
        fix: String,
    },
}

#[cfg(test)]
mod tests;

/// An MCP server a client's installed plugin provides (see [`Client::plugin_servers`]).
#[derive(Debug, Clone, PartialEq)]
pub struct PluginServer {
    /// The plugin, as the client names it (Claude Code: `plugin@marketplace`).
    pub plugin: String,
    /// The server's name in the plugin.
    pub server: String,
    /// The server's definition, as the plugin has it.
    pub value: Value,
    /// The file the definition is in.
    pub source: PathBuf,
    /// Whether the client has the plugin on (not turned off in its settings).
    pub enabled: bool,
}
