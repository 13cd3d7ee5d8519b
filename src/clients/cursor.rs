//! Cursor: `~/.cursor/mcp.json` on every OS (project: `.cursor/mcp.json`), `mcpServers`,
//! remote entries as `{"url", "headers"}`.

use std::path::PathBuf;

use super::{Client, ClientEntry, ClientKind, ConfigLocation, EntryError, EntrySpec, Scope, standard_entry};
use crate::config::Dialect;
use crate::paths::Environment;

/// The Cursor editor.
pub struct Cursor;

impl Client for Cursor {
    fn kind(&self) -> ClientKind {
        ClientKind::Cursor
    }

    fn display_name(&self) -> &'static str {
        "Cursor"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Jsonc
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        let path = match scope {
            Scope::User => environment.home_path(&[".cursor", "mcp.json"]),
            Scope::Project => environment.project_path(&[".cursor", "mcp.json"]),
            Scope::Local => return None,
        };
        Some(ConfigLocation {
            path,
            servers_key: vec!["mcpServers".into()],
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        environment.home_path(&[".cursor"])
    }

    fn entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        standard_entry(spec, false, "url", None)
    }

    fn reload_hint(&self) -> &'static str {
        "open Cursor Settings > MCP to see the server (restart Cursor if it is not listed)"
    }
}
