//! Claude Code: `~/.claude.json` (user scope at the top level, local scope under
//! `projects["<abs dir>"]`) and `<dir>/.mcp.json` (project scope); remote entries as
//! `{"type": "http", "url", "headers"}`.
//!
//! `~/.claude.json` is also Claude Code's own state file, often megabytes, rewritten by Claude
//! Code itself: strict JSON, edited surgically under the lock.
//!
//! `--token-from-env` writes `${VAR}`, which Claude Code expands in `command`, `args`, `env`, `url`
//! and `headers` (code.claude.com/docs/en/mcp, "Environment variable expansion").

use std::path::PathBuf;

use serde_json::Value;

use super::{
    Client, ClientEntry, ConfigLocation, EntryError, EntrySpec, EnvSyntax, PluginServer, ReferenceForm, Scope, Shape,
    TokenReference, Transport,
};
use crate::config::format::Format;
use crate::paths::Environment;

/// Anthropic's command-line coding agent.
pub struct ClaudeCode;

/// Its entries: typed `stdio` and `http`.
const SHAPE: Shape = Shape {
    stdio_type: Some("stdio"),
    remote_type: Some("http"),
    token_reference: Some(TokenReference::expanded(EnvSyntax::DOLLAR_BRACES)),
    ..Shape::STANDARD
};

impl Client for ClaudeCode {
    fn id(&self) -> &'static str {
        "claude-code"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["claudecode"]
    }

    fn display_name(&self) -> &'static str {
        "Claude Code"
    }

    fn format(&self) -> Format {
        Format::Json
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Local, Scope::Project]
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        let state_file = environment.home_path(&[".claude.json"]);
        Some(match scope {
            Scope::User => ConfigLocation {
                path: state_file,
                servers_key: vec!["mcpServers".into()],
            },
            Scope::Local => ConfigLocation {
                path: state_file,
                servers_key: vec![
                    "projects".into(),
                    environment.current_dir.to_string_lossy().into_owned(),
                    "mcpServers".into(),
                ],
            },
            Scope::Project => ConfigLocation {
                path: environment.project_path(&[".mcp.json"]),
                servers_key: vec!["mcpServers".into()],
            },
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        environment.home_path(&[".claude"])
    }

    fn server_entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        SHAPE.entry(spec)
    }

    fn token_reference(&self, transport: Transport) -> Option<ReferenceForm> {
        SHAPE.token_reference?.for_transport(transport)
    }

    fn oauth_sign_in(&self, name: &str) -> Option<String> {
        Some(format!(
            "in Claude Code, run /mcp, select \"{name}\" and choose Authenticate (the browser opens to sign in to Tray)"
        ))
    }

    fn scope_precedence(&self) -> &'static [Scope] {
        &[Scope::Local, Scope::Project, Scope::User]
    }

    fn reload_hint(&self) -> &'static str {
        "start a new Claude Code session (or run /mcp) to use it"
    }

    fn local_servers_pattern(&self) -> Option<&'static [&'static str]> {
        Some(&["projects", "*", "mcpServers"])
    }

    /// Installed plugins are listed in `~/.claude/plugins/installed_plugins.json` (version 2:
    /// `{"version": 2, "plugins": {"plugin@marketplace": [{"scope", "installPath", ...}]}}`;
    /// version 1 had one object per plugin), and a plugin's MCP servers are in `.mcp.json` at
    /// its root (`{"mcpServers": {...}}` or the servers themselves) or under `mcpServers` in
    /// `.claude-plugin/plugin.json` (code.claude.com/docs/en/plugins-reference, "MCP servers").
    /// A plugin set to `false` in `enabledPlugins` of `~/.claude/settings.json` is off.
    fn plugin_servers(&self, environment: &Environment) -> Vec<PluginServer> {
        let installed =
            super::plugins::read_json(&environment.home_path(&[".claude", "plugins", "installed_plugins.json"]));
        let settings = super::plugins::read_json(&environment.home_path(&[".claude", "settings.json"]));
        let Some(plugins) = installed.get("plugins").and_then(Value::as_object) else {
            return Vec::new();
        };
        let mut found = Vec::new();
        for (plugin, installs) in plugins {
            let installs = match installs {
                Value::Array(installs) => installs.clone(),
                other => vec![other.clone()],
            };
            let enabled = settings.pointer(&format!(
                "/enabledPlugins/{}",
                plugin.replace('~', "~0").replace('/', "~1")
            )) != Some(&Value::Bool(false));
            for install in installs {
                let Some(root) = install.get("installPath").and_then(Value::as_str).map(PathBuf::from) else {
                    continue;
                };
                found.extend(super::plugins::plugin_servers(&root, ".claude-plugin", plugin, enabled));
            }
        }
        found
    }

    /// Permission rules in the settings file of the entry's scope
    /// (code.claude.com/docs/en/settings, "Settings files"; code.claude.com/docs/en/iam, "MCP":
    /// `mcp__server__tool` allows one tool of one server): `~/.claude/settings.json` (user),
    /// `.claude/settings.json` (project, shared) and `.claude/settings.local.json` (local).
    fn approval_list(&self, environment: &Environment, scope: Scope) -> Option<(PathBuf, Vec<String>)> {
        let path = match scope {
            Scope::User => environment.home_path(&[".claude", "settings.json"]),
            Scope::Project => environment.project_path(&[".claude", "settings.json"]),
            Scope::Local => environment.project_path(&[".claude", "settings.local.json"]),
        };
        Some((path, vec!["permissions".into(), "allow".into()]))
    }

    fn plugin_off_step(&self, plugin: &str) -> String {
        format!("`claude plugin disable {plugin}`")
    }

    fn approval_rule(&self, server: &str, tool: &str) -> Option<String> {
        Some(format!("mcp__{server}__{tool}"))
    }
}
