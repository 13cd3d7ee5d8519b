//! VS Code: `mcp.json` in the user profile folder (workspace: `.vscode/mcp.json`), servers under
//! `servers`, remote entries as `{"type": "http", "url", "headers"}`.
//!
//! VS Code can prompt for a secret at start-up: an `inputs` item with `"password": true`,
//! referenced as `${input:ID}`, is stored in its secret storage. So no VS Code entry ever holds
//! the token.

use std::path::PathBuf;

use serde_json::json;

use super::{
    Client, ClientEntry, ClientKind, ConfigLocation, EntryError, EntrySpec, Scope, Transport, bridge_entry,
    gateway_url, stdio_entry,
};
use crate::config::Dialect;
use crate::paths::Environment;

/// Visual Studio Code.
pub struct VsCode;

/// The id of the password prompt for a server's token.
pub fn token_input_id(server_name: &str) -> String {
    format!("tray-api-token-{server_name}")
}

/// The `inputs` item that makes VS Code ask for a server's token and keep it in its secret
/// storage.
pub fn token_input(server_name: &str) -> serde_json::Value {
    json!({
        "type": "promptString",
        "id": token_input_id(server_name),
        "description": format!("Tray API token for {server_name}"),
        "password": true,
    })
}

impl Client for VsCode {
    fn kind(&self) -> ClientKind {
        ClientKind::VsCode
    }

    fn display_name(&self) -> &'static str {
        "VS Code"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Jsonc
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        let path = match scope {
            Scope::User => environment.join(&self.install_marker(environment), &["mcp.json"]),
            Scope::Project => environment.project_path(&[".vscode", "mcp.json"]),
            Scope::Local => return None,
        };
        Some(ConfigLocation {
            path,
            servers_key: vec!["servers".into()],
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        environment.join(&environment.app_config_dir(), &["Code", "User"])
    }

    fn entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        if spec.sandbox && spec.transport != Transport::Stdio {
            return Err(EntryError::SandboxNeedsStdio);
        }
        let input_id = token_input_id(spec.name.as_str());
        let input = token_input(spec.name.as_str());
        let header = format!("Bearer ${{input:{input_id}}}");
        let (server, input) = match spec.transport {
            Transport::Stdio => (stdio_entry(spec, true), None),
            Transport::Bridge => (bridge_entry(spec, true, header)?, Some(input)),
            Transport::Http => (
                json!({"type": "http", "url": gateway_url(spec)?, "headers": {"Authorization": header}}),
                Some(input),
            ),
        };
        Ok(ClientEntry {
            server,
            input,
            holds_token: false,
        })
    }

    fn reload_hint(&self) -> &'static str {
        "run \"MCP: List Servers\" from the Command Palette and start the server"
    }
}
