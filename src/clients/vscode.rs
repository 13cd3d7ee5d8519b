//! VS Code and its builds (Insiders, VSCodium): `mcp.json` in the user profile folder
//! (workspace: `.vscode/mcp.json`), servers under `servers`, remote entries as
//! `{"type": "http", "url", "headers"}`.
//!
//! VS Code can prompt for a secret at start-up: an `inputs` item with `"password": true`,
//! referenced as `${input:ID}`, is stored in its secret storage. So no VS Code entry ever holds
//! the token; the prompt is a companion item kept in step with the entry (added with an
//! http/bridge entry, taken out with it or when it becomes stdio, renamed with it).
//! `--token-from-env` writes `${env:VAR}` instead (VS Code's MCP configuration reference), and no
//! prompt.

use std::path::PathBuf;

use serde_json::{Value, json};

use super::entries::{bridge_entry, follow_profile_rename, gateway_url, stdio_entry};
use super::{
    Client, ClientEntry, Companion, CompanionEdit, ConfigLocation, EntryError, EntrySpec, EnvSyntax, ReferenceForm,
    Scope, TokenReference, Transport,
};
use crate::config::format::Format;
use crate::paths::Environment;

/// A build of VS Code: they differ only in the name of their user-data folder.
pub struct VsCode {
    id: &'static str,
    aliases: &'static [&'static str],
    name: &'static str,
    /// The folder under the OS's application-config folder (`Code`, `Code - Insiders`).
    product_dir: &'static str,
    /// Whether the workspace file `.vscode/mcp.json` is listed under this build. Every build
    /// reads the same file, so only VS Code itself lists it (once).
    workspace_file: bool,
}

/// Visual Studio Code.
pub const VS_CODE: VsCode = VsCode {
    id: "vscode",
    aliases: &["vs-code", "code"],
    name: "VS Code",
    product_dir: "Code",
    workspace_file: true,
};

/// VS Code Insiders.
pub const VS_CODE_INSIDERS: VsCode = VsCode {
    id: "vscode-insiders",
    aliases: &["code-insiders"],
    name: "VS Code Insiders",
    product_dir: "Code - Insiders",
    workspace_file: false,
};

/// VSCodium, the open-source build.
pub const VSCODIUM: VsCode = VsCode {
    id: "vscodium",
    aliases: &["codium"],
    name: "VSCodium",
    product_dir: "VSCodium",
    workspace_file: false,
};

const INPUTS: &[&str] = &["inputs"];

/// The id of the password prompt for a server's token.
pub fn token_input_id(server_name: &str) -> String {
    format!("tray-api-token-{server_name}")
}

/// The `inputs` item that makes VS Code ask for a server's token and keep it in its secret
/// storage.
pub fn token_input(server_name: &str) -> Value {
    json!({
        "type": "promptString",
        "id": token_input_id(server_name),
        "description": format!("Tray API token for {server_name}"),
        "password": true,
    })
}

fn token_prompt(server_name: &str, edit: CompanionEdit) -> Companion {
    Companion {
        array: INPUTS,
        id_key: "id",
        id: token_input_id(server_name),
        edit,
    }
}

impl Client for VsCode {
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
        Format::Jsonc
    }

    fn scopes(&self) -> &'static [Scope] {
        if self.workspace_file {
            &[Scope::User, Scope::Project]
        } else {
            &[Scope::User]
        }
    }

    fn location(&self, environment: &Environment, scope: Scope) -> Option<ConfigLocation> {
        let path = match scope {
            Scope::User => environment.join(&self.install_marker(environment), &["mcp.json"]),
            Scope::Project if self.workspace_file => environment.project_path(&[".vscode", "mcp.json"]),
            Scope::Project => return None,
            Scope::Local => return None,
        };
        Some(ConfigLocation {
            path,
            servers_key: vec!["servers".into()],
        })
    }

    fn install_marker(&self, environment: &Environment) -> PathBuf {
        environment.join(&environment.app_config_dir(), &[self.product_dir, "User"])
    }

    fn server_entry(&self, spec: &EntrySpec) -> Result<ClientEntry, EntryError> {
        let name = spec.name.as_str();
        // `--token-from-env`: `${env:VAR}` instead of the prompt, which then goes.
        let (header, token_prompt_edit) = if spec.token_from_env() {
            (spec.authorization(Some(EnvSyntax::DOLLAR_ENV))?, CompanionEdit::Remove)
        } else {
            (
                format!("Bearer ${{input:{}}}", token_input_id(name)),
                CompanionEdit::Upsert(token_input(name)),
            )
        };
        let (server, prompt) = match spec.transport {
            // A stdio entry reads its token from the profile: the prompt an earlier http or
            // bridge install of this name added goes.
            Transport::Stdio => (stdio_entry(spec, true), CompanionEdit::Remove),
            Transport::Bridge => (bridge_entry(spec, true, header)?, token_prompt_edit),
            Transport::Http => (
                json!({"type": "http", "url": gateway_url(spec)?, "headers": {"Authorization": header}}),
                token_prompt_edit,
            ),
            // No header and no token prompt: VS Code signs in by OAuth itself.
            Transport::Headless => (
                json!({"type": "http", "url": spec.region.headless_url()}),
                CompanionEdit::Remove,
            ),
        };
        Ok(ClientEntry {
            server,
            companions: vec![token_prompt(name, prompt)],
            holds_token: false,
            notice: None,
        })
    }

    fn token_reference(&self, transport: Transport) -> Option<ReferenceForm> {
        TokenReference::expanded(EnvSyntax::DOLLAR_ENV).for_transport(transport)
    }

    fn oauth_sign_in(&self, name: &str) -> Option<String> {
        Some(format!(
            "run \"MCP: List Servers\" from the Command Palette, start \"{name}\" and allow the sign-in to Tray when {} asks",
            self.name
        ))
    }

    fn removal_companions(&self, name: &str) -> Vec<Companion> {
        vec![token_prompt(name, CompanionEdit::Remove)]
    }

    fn rename_companions(&self, old: &str, new: &str) -> Vec<Companion> {
        vec![token_prompt(old, CompanionEdit::ReplaceIfPresent(token_input(new)))]
    }

    fn rename_references(&self, entry: &Value, old: &str, new: &str) -> Value {
        let mut updated = follow_profile_rename(entry, old, new);
        let old_reference = format!("${{input:{}}}", token_input_id(old));
        let new_reference = format!("${{input:{}}}", token_input_id(new));
        replace_in_strings(&mut updated, &old_reference, &new_reference);
        updated
    }

    fn reload_hint(&self) -> &'static str {
        "run \"MCP: List Servers\" from the Command Palette and start the server"
    }
}

fn replace_in_strings(value: &mut Value, from: &str, to: &str) {
    match value {
        Value::String(text) if text.contains(from) => *text = text.replace(from, to),
        Value::Array(items) => items.iter_mut().for_each(|item| replace_in_strings(item, from, to)),
        Value::Object(map) => map.values_mut().for_each(|item| replace_in_strings(item, from, to)),
        _ => {}
    }
}
