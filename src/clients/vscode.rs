//! VS Code and its builds (Insiders, VSCodium): `mcp.json` in the user profile folder
//! (workspace: `.vscode/mcp.json`), servers under `servers`, remote entries as
//! `{"type": "http", "url", "headers"}`.
//!
//! VS Code can prompt for a secret at start-up: an `inputs` item with `"password": true`,
//! referenced as `${input:ID}`, is stored in its secret storage. So no VS Code entry ever holds
//! the token; the prompt is a companion item kept in step with the entry (added with an
//! http/bridge entry, taken out with it or when it becomes stdio, renamed with it).
//!
//! Profiles: each VS Code profile but the default keeps its own `mcp.json` in
//! `<User>/profiles/<location>/` (`mcpResource = joinPath(profile.location, 'mcp.json')`). The
//! profiles are listed in `<User>/globalStorage/storage.json` under `userDataProfiles`, each a
//! `name` and a `location`, stored as the folder's name under `profiles/` (older builds stored a
//! file URI, whose last segment is the folder) (`src/vs/platform/userDataProfile/node/
//! userDataProfile.ts`). Every profile's file is read, so `list`, `remove`, `rename`, `token`,
//! `doctor` and `uninstall` see entries in any of them; `install --vscode-profile NAME` writes
//! into one ("Default" is the user folder's own file). A profile set to share the default
//! profile's MCP servers (`useDefaultFlags.mcp`, unverified) reads the default file.
//! `--token-from-env` writes `${env:VAR}` instead (VS Code's MCP configuration reference), and no
//! prompt.
//!
//! Tool cap: 128 tools per chat request ([`Client::tool_cap`]; VS Code's agent tools docs).
//!
//! Install link (VS Code's MCP docs, "URL handler"): `vscode:mcp/install?JSON`, JSON being the
//! entry with its `name` (and the `inputs` it uses) encoded as by `encodeURIComponent`; the
//! scheme is the build's (`vscode-insiders:`, `vscodium:`). VS Code shows the server and asks
//! before it adds it, and asks for a password input's value when the server first starts.

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
    /// The URL scheme the build registers (`vscode`, `vscode-insiders`, `vscodium`).
    url_scheme: &'static str,
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
    url_scheme: "vscode",
    workspace_file: true,
};

/// VS Code Insiders.
pub const VS_CODE_INSIDERS: VsCode = VsCode {
    id: "vscode-insiders",
    aliases: &["code-insiders"],
    name: "VS Code Insiders",
    product_dir: "Code - Insiders",
    url_scheme: "vscode-insiders",
    workspace_file: false,
};

/// VSCodium, the open-source build.
pub const VSCODIUM: VsCode = VsCode {
    id: "vscodium",
    aliases: &["codium"],
    name: "VSCodium",
    product_dir: "VSCodium",
    url_scheme: "vscodium",
    workspace_file: false,
};

const INPUTS: &[&str] = &["inputs"];

/// The name VS Code shows for the profile of the user folder itself.
const DEFAULT_PROFILE: &str = "Default";

/// One VS Code profile: its name and the folder of its files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorProfile {
    /// The name the user gave it.
    pub name: String,
    /// Its folder (the user folder itself for the default profile).
    pub folder: PathBuf,
}

impl VsCode {
    /// Every profile of this build, the default first, as its `storage.json` lists them (just
    /// the default when the file is missing or unreadable).
    pub fn profiles(&self, environment: &Environment) -> Vec<EditorProfile> {
        let user = self.install_marker(environment);
        let mut profiles = vec![EditorProfile {
            name: DEFAULT_PROFILE.to_string(),
            folder: user.clone(),
        }];
        let storage = environment.join(&user, &["globalStorage", "storage.json"]);
        let Ok(Some(bytes)) = crate::config::safe_write::read_if_exists(&storage) else {
            return profiles;
        };
        let Ok(Value::Object(state)) = serde_json::from_slice::<Value>(&bytes) else {
            return profiles;
        };
        let Some(Value::Array(stored)) = state.get("userDataProfiles") else {
            return profiles;
        };
        for profile in stored {
            let Some(name) = profile.get("name").and_then(Value::as_str) else {
                continue;
            };
            let shares_default = profile
                .get("useDefaultFlags")
                .and_then(|flags| flags.get("mcp"))
                .and_then(Value::as_bool)
                == Some(true);
            let folder = if shares_default {
                Some(user.clone())
            } else {
                profile_folder_name(profile.get("location"))
                    .map(|folder| environment.join(&user, &["profiles", &folder]))
            };
            if let Some(folder) = folder {
                profiles.push(EditorProfile {
                    name: name.to_string(),
                    folder,
                });
            }
        }
        profiles
    }

    fn mcp_file(&self, environment: &Environment, folder: &std::path::Path) -> ConfigLocation {
        ConfigLocation {
            path: environment.join(folder, &["mcp.json"]),
            servers_key: vec!["servers".into()],
        }
    }
}

/// The folder name of a stored profile's `location`: the name itself, or the last segment of a
/// stored URI's path. Anything that could lead out of `profiles/` is refused.
fn profile_folder_name(location: Option<&Value>) -> Option<String> {
    let text = match location? {
        Value::String(text) => text.as_str(),
        Value::Object(uri) => uri.get("path").and_then(Value::as_str)?,
        _ => return None,
    };
    let name = text.trim_end_matches('/').rsplit('/').next()?;
    (!name.is_empty() && name != "." && name != ".." && !name.contains('\\')).then(|| name.to_string())
}

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

    /// The user file, then every other profile's `mcp.json` (each file once).
    fn config_files(&self, environment: &Environment, scope: Scope) -> Vec<ConfigLocation> {
        let Some(location) = self.location(environment, scope) else {
            return Vec::new();
        };
        if scope != Scope::User {
            return vec![location];
        }
        let mut files = vec![location];
        for profile in self.profiles(environment) {
            let file = self.mcp_file(environment, &profile.folder);
            if !files.contains(&file) {
                files.push(file);
            }
        }
        files
    }

    fn profile_location(
        &self,
        environment: &Environment,
        scope: Scope,
        profile: &str,
    ) -> Option<Result<ConfigLocation, Vec<String>>> {
        if scope != Scope::User {
            return None;
        }
        let profiles = self.profiles(environment);
        let found = profiles.iter().find(|candidate| candidate.name == profile).or_else(|| {
            let mut folded = profiles
                .iter()
                .filter(|candidate| candidate.name.eq_ignore_ascii_case(profile));
            folded.next().filter(|_| folded.next().is_none())
        });
        Some(match found {
            Some(found) => Ok(self.mcp_file(environment, &found.folder)),
            None => Err(profiles.into_iter().map(|profile| profile.name).collect()),
        })
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

    /// A chat request carries at most 128 tools (VS Code's agent tools docs; the limit MCP
    /// servers' READMEs warn of), built-in tools included.
    fn tool_cap(&self) -> Option<usize> {
        Some(128)
    }

    fn install_link(&self, name: &str, entry: &ClientEntry) -> Option<String> {
        let mut link = serde_json::Map::new();
        link.insert("name".into(), json!(name));
        if let Value::Object(server) = &entry.server {
            link.extend(server.clone());
        }
        let inputs: Vec<Value> = entry
            .companions
            .iter()
            .filter(|companion| companion.array == INPUTS)
            .filter_map(|companion| match &companion.edit {
                CompanionEdit::Upsert(item) => Some(item.clone()),
                CompanionEdit::ReplaceIfPresent(_) | CompanionEdit::Remove => None,
            })
            .collect();
        if !inputs.is_empty() {
            link.insert("inputs".into(), Value::Array(inputs));
        }
        Some(format!(
            "{}:mcp/install?{}",
            self.url_scheme,
            super::links::encode_component(&Value::Object(link).to_string())
        ))
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
