//! Windsurf: `~/.codeium/windsurf/mcp_config.json`, `mcpServers`, remote entries as
//! `{"serverUrl", "headers"}`.

use std::path::PathBuf;

use super::{Client, ClientEntry, ClientKind, ConfigLocation, EntryError, EntrySpec, Scope, standard_entry};
use crate::config::Dialect;
use crate::paths::Environment;

/// The Windsurf editor.
pub struct Windsurf;

impl Client for Windsurf {
    fn kind(&self) -> ClientKind {
        ClientKind::Windsurf
    }

    fn display_name(&self) -> &'static str {
        "Windsurf"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Jsonc
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User]
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        (scope == Scope::User).then(|| ConfigLocation {
            path: environment.join(&self.install_marker(environment), &["mcp_config.json"]),
            servers_key: vec!["mcpServers".into()],
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        environment.home_path(&[".codeium", "windsurf"])
    }

    fn entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        standard_entry(spec, false, "serverUrl", None)
    }

    fn reload_hint(&self) -> &'static str {
        "press Refresh in Windsurf's MCP panel (Cascade > MCP servers)"
    }
}
