//! Claude Desktop: strict JSON, `mcpServers`, stdio only (no remote entries in its config).

use std::path::PathBuf;

use super::{Client, ClientEntry, ClientKind, ConfigLocation, EntryError, EntrySpec, Scope, Transport, standard_entry};
use crate::config::Dialect;
use crate::paths::Environment;

/// Anthropic's desktop app.
pub struct ClaudeDesktop;

impl Client for ClaudeDesktop {
    fn kind(&self) -> ClientKind {
        ClientKind::ClaudeDesktop
    }

    fn display_name(&self) -> &'static str {
        "Claude Desktop"
    }

    fn dialect(&self) -> Dialect {
        Dialect::Json
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User]
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        (scope == Scope::User).then(|| ConfigLocation {
            path: environment.join(&self.install_marker(environment), &["claude_desktop_config.json"]),
            servers_key: vec!["mcpServers".into()],
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        environment.join(&environment.app_config_dir(), &["Claude"])
    }

    fn entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        if spec.transport == Transport::Http {
            return Err(EntryError::UnsupportedTransport {
                client: self.display_name(),
                transport: "http",
                hint: "Claude Desktop's config takes only local (stdio) servers: use --transport stdio (the bundled server, no Node.js needed) or --transport bridge",
            });
        }
        standard_entry(spec, false, "url", None)
    }

    fn reload_hint(&self) -> &'static str {
        "quit and restart Claude Desktop for the changes to take effect"
    }
}
