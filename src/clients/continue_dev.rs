//! Continue (the VS Code and JetBrains extension, and its `cn` CLI): each Tray entry is a block
//! file of its own, `~/.continue/mcpServers/NAME.yaml` (workspace: `.continue/mcpServers/`),
//! rather than an item edited into the user's `~/.continue/config.yaml`.
//!
//! Facts (clients.md §11, checked against Continue's source and docs): Continue scans
//! `~/.continue/mcpServers/` and every workspace's `.continue/mcpServers/` for block files
//! (`core/config/loadLocalAssistants.ts`); `~/.continue` moves with `CONTINUE_GLOBAL_DIR`. A block
//! needs `name`, `version` and `schema: v1` and lists its servers under `mcpServers:`
//! (docs `customize/deep-dives/mcp`); a server is `name` plus `command`, `args`, `env`, `cwd` for
//! stdio, or `type: sse | streamable-http`, `url`, `requestOptions.headers` (and `apiKey`) for a
//! remote one (`packages/config-yaml/src/schemas/mcp/index.ts`). Remote servers that answer 401
//! get Continue's own MCP OAuth sign-in (`core/context/mcp/MCPOauth.ts`), so the Headless MCP
//! fits. `config.yaml` keeps the same list under `mcpServers:`; its entries are listed, and
//! changed in place when asked for by name, but an install never adds to it.
//!
//! Secrets: Continue's `${{ secrets.NAME }}` resolves from `~/.continue/.env`, a workspace `.env`,
//! the Continue Hub (when signed in), then the process environment
//! (`core/config/yaml/LocalPlatformClient.ts`). By default bridge and http entries hold the token
//! inline, and the block file, which holds nothing else, is made readable by the user only (a
//! dotenv file would hold it in clear too, shared with other tools); `--token-from-env VAR`
//! writes `${{ secrets.VAR }}` instead, for a token kept in the environment or that `.env`.
//! Stdio entries hold no token (the profile does). JSON files in the folder (Claude-style
//! `mcpServers` maps) are not read.

use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::entries::{BRIDGE_HEADER_VARIABLE, bridge_command, gateway_url, serve_args};
use super::{
    Client, ClientEntry, ConfigLocation, EntryError, EntryFiles, EntrySpec, EnvSyntax, ReferenceForm, Scope,
    TokenReference, Transport,
};
use crate::config::format::Format;
use crate::paths::Environment;

/// Continue.
pub struct Continue;

/// The version a new block declares (Continue's own new blocks start at it).
const BLOCK_VERSION: &str = "0.0.1";

/// The block files: `NAME.yaml`, read as `.yaml` or `.yml`.
static BLOCK_FILES: EntryFiles = EntryFiles {
    extension: "yaml",
    reads: &["yaml", "yml"],
    header: block_header,
    header_keys: &["name", "version", "schema"],
};

/// The header a new block file starts from: Continue requires `name`, `version`, `schema`.
fn block_header(name: &str) -> String {
    let mut header = String::from("# Made by tray-mcp: `tray-mcp remove ");
    header.push_str(name);
    header.push_str("` deletes this file.\n");
    header.push_str(&format!(
        "name: {}\nversion: {BLOCK_VERSION}\nschema: v1\n",
        Value::String(name.to_string())
    ));
    header
}

/// `~/.continue`, or `$CONTINUE_GLOBAL_DIR`.
fn global_dir(environment: &Environment) -> PathBuf {
    super::standard::client_home_or_home(environment, crate::env::CONTINUE_GLOBAL_DIR, &[], &[".continue"])
}

const SERVERS_KEY: &str = "mcpServers";

/// `${{ secrets.VAR }}`: Continue's template for a secret, which it also reads from its
/// environment.
const SECRET_TEMPLATE: EnvSyntax = EnvSyntax {
    before: "${{ secrets.",
    after: " }}",
};

impl Client for Continue {
    fn id(&self) -> &'static str {
        "continue"
    }

    fn aliases(&self) -> &'static [&'static str] {
        &["continue-dev"]
    }

    fn display_name(&self) -> &'static str {
        "Continue"
    }

    fn format(&self) -> Format {
        Format::YamlList
    }

    fn scopes(&self) -> &'static [Scope] {
        &[Scope::User, Scope::Project]
    }

    /// The folder of block files for the scope.
    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        let folder = match scope {
            Scope::User => environment.join(&global_dir(environment), &[SERVERS_KEY]),
            Scope::Project => environment.project_path(&[".continue", SERVERS_KEY]),
            Scope::Local => return None,
        };
        Some(ConfigLocation {
            path: folder,
            servers_key: vec![SERVERS_KEY.into()],
        })
    }

    fn entry_files(&self) -> Option<&'static EntryFiles> {
        Some(&BLOCK_FILES)
    }

    fn other_files(&self, environment: &Environment, scope: Scope) -> Vec<ConfigLocation> {
        match scope {
            Scope::User => vec![ConfigLocation {
                path: environment.join(&global_dir(environment), &["config.yaml"]),
                servers_key: vec![SERVERS_KEY.into()],
            }],
            Scope::Project | Scope::Local => Vec::new(),
        }
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        global_dir(environment)
    }

    fn server_entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        let mut entry = Map::new();
        let holds_token = match spec.transport {
            Transport::Stdio => {
                entry.insert("command".into(), json!(spec.binary.to_string_lossy()));
                entry.insert("args".into(), json!(serve_args(spec)));
                false
            }
            Transport::Bridge => {
                let (command, args) = bridge_command(spec)?;
                entry.insert("command".into(), json!(command));
                entry.insert("args".into(), json!(args));
                entry.insert(
                    "env".into(),
                    json!({ BRIDGE_HEADER_VARIABLE: spec.authorization(Some(SECRET_TEMPLATE))? }),
                );
                !spec.token_from_env()
            }
            Transport::Http => {
                entry.insert("type".into(), json!("streamable-http"));
                entry.insert("url".into(), json!(gateway_url(spec)?));
                entry.insert(
                    "requestOptions".into(),
                    json!({"headers": {"Authorization": spec.authorization(Some(SECRET_TEMPLATE))?}}),
                );
                !spec.token_from_env()
            }
            // No header: Continue signs in by OAuth when the server asks.
            Transport::Headless => {
                entry.insert("type".into(), json!("streamable-http"));
                entry.insert("url".into(), json!(spec.region.headless_url()));
                false
            }
        };
        let mut entry = ClientEntry::plain(Value::Object(entry), holds_token);
        if let Some(variable) = spec.token_variable.as_ref().filter(|_| spec.token_from_env()) {
            entry.notice = Some(format!(
                "Continue reads this entry's token from ${{{{ secrets.{variable} }}}}: it looks in ~/.continue/.env, then the workspace's .env, then (signed in) the Continue Hub's secrets, then its own environment; put {variable}=<your Tray API token> in one of them (a .env file holds it in clear: keep it readable only by you)"
            ));
        }
        Ok(entry)
    }

    fn token_reference(&self, transport: Transport) -> Option<ReferenceForm> {
        TokenReference::expanded(SECRET_TEMPLATE).for_transport(transport)
    }

    fn oauth_sign_in(&self, name: &str) -> Option<String> {
        Some(format!(
            "in Continue's MCP servers list (Agent mode), choose Authenticate beside \"{name}\" and allow the sign-in to Tray in your browser"
        ))
    }

    fn reload_hint(&self) -> &'static str {
        "reload the IDE window (or restart the IDE) so Continue loads the block; its MCP tools work in Agent mode"
    }
}
