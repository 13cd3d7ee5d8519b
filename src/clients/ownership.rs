//! Which entries are tray-mcp's, and which keys inside them.
//!
//! Why: a user's config file is theirs. An install or apply replaces an entry only when
//! tray-mcp wrote it, and inside its own entry changes only the keys it writes; what the client
//! or the user put beside them (Cline's `autoApprove`, Roo's `alwaysAllow`, Windsurf's
//! `disabledTools`, Codex's `enabled_tools`, an extra `env` variable...) stays.
//!
//! **Whose entry.** tray-mcp wrote an entry when it is a Tray entry ([`super::recognize`]) and
//! either (a) has a shape only tray-mcp writes: the bundled server (`serve --profile NAME` or
//! `serve --sandbox`, which runs tray-mcp's own profile), or an `mcp-remote` bridge that passes
//! its header through `TRAY_AUTH_HEADER`, a variable tray-mcp made up; or (b) tray-mcp's record
//! of the entries it wrote says so ([`crate::written`]). The record is needed because a
//! remote (http, headless) entry, or a bridge that names the token's variable, can be written
//! by hand exactly as tray-mcp writes it. Entries of older tray-mcp versions have no record:
//! their stdio and `TRAY_AUTH_HEADER` bridge entries are still recognised by shape; their
//! http entries are "adoptable" like hand-written ones (`tray-mcp adopt NAME`, or
//! `install --force`). A recorded name whose entry is no longer a Tray entry (the user replaced
//! it with their own server) is not ours either.
//!
//! **Which keys.** The keys tray-mcp owns in a client's entry are those any of its entry shapes
//! for that client writes (every transport, with and without `--token-from-env`), found by
//! building those shapes, so no list is kept by hand beside the clients. Inside an object key
//! (`env`, `headers`, Goose's `envs`, Continue's `requestOptions`) only the members tray-mcp
//! writes are its own. A key written with the same value by every shape (OpenCode's and Goose's
//! `enabled`, Copilot's `tools`, Goose's `timeout`) is a default: written when missing, the
//! client's or user's value kept when present. A key tray-mcp wrote before and no longer
//! writes (switching a bridge to stdio drops `env.TRAY_AUTH_HEADER`) goes.
//!
//! Two kinds of keys are tray-mcp's only when an install sets them, so they are not among the
//! shapes: a client's own tool filter keys ([`super::FilterKeys`], when the install gives
//! `--tools`/`--exclude-tools` for a bridge or http entry) and an approval table inside the
//! entry (Codex's `tools`, when the install gives `--approve`); the edit takes those over
//! (`commands::own_entry`), and otherwise leaves them as they are.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

use super::{Client, EntrySpec, RecognizedEntry, Transport};
use crate::paths::Os;
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

/// Every shape of entry tray-mcp writes for one client: what tells its keys from the others'.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OwnedKeys {
    shapes: Vec<Value>,
}

/// The shapes `client` writes: every transport, with the token inline and from a variable, a
/// workspace and the sandbox. Which keys they have, and which are defaults, does not depend on
/// the entry's name, binary or OS, so they are built once per client (an `apply` of thousands
/// of entries asks for them per entry).
pub fn owned_keys(client: &dyn Client) -> Arc<OwnedKeys> {
    static BUILT: OnceLock<Mutex<HashMap<&'static str, Arc<OwnedKeys>>>> = OnceLock::new();
    let built = BUILT.get_or_init(Default::default);
    let mut built = built.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    built
        .entry(client.id())
        .or_insert_with(|| Arc::new(build_shapes(client)))
        .clone()
}

fn build_shapes(client: &dyn Client) -> OwnedKeys {
    let mut shapes = Vec::new();
    let (Ok(name), Ok(workspace), Ok(token)) = (
        ServerName::parse("tray-workspace"),
        WorkspaceId::parse("00000000-0000-4000-8000-000000000000"),
        ApiToken::parse("tray-mcp-shape-token"),
    ) else {
        return OwnedKeys { shapes };
    };
    for transport in Transport::EVERY {
        for (variable, sandbox) in [(None, false), (Some("TRAY_MCP_SHAPE"), false), (None, true)] {
            let spec = EntrySpec {
                name: name.clone(),
                transport,
                workspace_id: Some(workspace.clone()),
                api_token: Some(token.clone()),
                binary: "/opt/tray-mcp/tray-mcp".into(),
                sandbox,
                os: Os::Linux,
                region: Region::default(),
                token_variable: variable.map(str::to_string),
                tools: None,
            };
            if let Ok(entry) = client.entry(&spec) {
                shapes.push(entry.server);
            }
        }
    }
    OwnedKeys { shapes }
}

impl OwnedKeys {
    /// `ours` laid over `existing`: tray-mcp's keys as `ours` has them (the ones it no longer
    /// writes taken out), every other key of `existing` kept where it was.
    pub fn merge(&self, existing: &Value, ours: &Value) -> Value {
        let shapes: Vec<&Value> = self.shapes.iter().collect();
        merge_with(existing, ours, &shapes)
    }
}

fn merge_with(existing: &Value, ours: &Value, shapes: &[&Value]) -> Value {
    let (Some(existing), Some(ours)) = (existing.as_object(), ours.as_object()) else {
        return ours.clone();
    };
    let mut merged = Map::new();
    for (key, theirs) in existing {
        let inner: Vec<&Value> = shapes.iter().filter_map(|shape| shape.get(key)).collect();
        match ours.get(key) {
            Some(_) if is_default(key, shapes) => {
                merged.insert(key.clone(), theirs.clone());
            }
            Some(mine) => {
                merged.insert(key.clone(), merge_with(theirs, mine, &inner));
            }
            None if inner.is_empty() => {
                merged.insert(key.clone(), theirs.clone());
            }
            None => {
                // Ours once, not now: only what is not ours inside it stays.
                let left = merge_with(theirs, &Value::Object(Map::new()), &inner);
                if theirs.is_object() && left.as_object().is_some_and(|left| !left.is_empty()) {
                    merged.insert(key.clone(), left);
                }
            }
        }
    }
    for (key, mine) in ours {
        if !merged.contains_key(key) {
            merged.insert(key.clone(), mine.clone());
        }
    }
    Value::Object(merged)
}

/// Whether every shape writes `key` with one same value (and there are shapes to compare).
fn is_default(key: &str, shapes: &[&Value]) -> bool {
    let mut values = shapes.iter().map(|shape| shape.get(key));
    let Some(Some(first)) = values.next() else {
        return false;
    };
    shapes.len() > 1 && values.all(|value| value == Some(first))
}

/// Whether tray-mcp wrote `entry` (or adopted it): a Tray entry (`recognized`) that has a shape
/// only tray-mcp writes, or that tray-mcp's record has at its place (`recorded`).
pub fn is_ours(entry: &Value, recognized: Option<&RecognizedEntry>, recorded: bool) -> bool {
    recognized.is_some_and(|tray| recorded || has_tray_mcp_shape(entry, tray))
}

/// Whether a Tray entry has a shape only tray-mcp writes: the bundled server, or a bridge
/// passing its header through tray-mcp's `TRAY_AUTH_HEADER`.
pub fn has_tray_mcp_shape(entry: &Value, recognized: &RecognizedEntry) -> bool {
    match recognized.transport {
        Transport::Stdio => true,
        Transport::Bridge => {
            let variable = super::BRIDGE_HEADER_VARIABLE;
            let reference = format!("${{{variable}}}");
            let (_, args) = super::command_line(entry);
            args.iter().any(|arg| arg.contains(&reference))
                && ["env", "envs", "environment"]
                    .iter()
                    .any(|key| entry.get(*key).and_then(|env| env.get(variable)).is_some())
        }
        Transport::Http | Transport::Headless => false,
    }
}

/// What an entry runs or points at, for a question or an error: its command line or URL
/// (a URL's query left out), never a token (the caller redacts the entry's secrets).
pub fn describe(entry: &Value) -> String {
    let url = ["url", "serverUrl", "httpUrl", "uri"]
        .iter()
        .find_map(|key| entry.get(*key).and_then(Value::as_str));
    if let Some(url) = url {
        return url.split(['?', '#']).next().unwrap_or_default().to_string();
    }
    let (command, args) = super::command_line(entry);
    let line = std::iter::once(command.to_string())
        .chain(hide_secret_arguments(&args))
        .collect::<Vec<_>>()
        .join(" ");
    if line.trim().is_empty() {
        "an entry with no command or URL".to_string()
    } else {
        line
    }
}

/// Words that mark an argument as, or as naming, a secret.
const SECRET_WORDS: [&str; 7] = ["token", "key", "secret", "password", "auth", "bearer", "credential"];

/// The arguments with every secret hidden: an argument naming a secret keeps its name
/// (`--api-key`, `Authorization:`) and loses its value, or the next argument's.
fn hide_secret_arguments(args: &[&str]) -> Vec<String> {
    let mut shown = Vec::new();
    let mut hide_next = false;
    for arg in args {
        if std::mem::take(&mut hide_next) {
            shown.push("[hidden]".to_string());
            continue;
        }
        let lower = arg.to_ascii_lowercase();
        if !SECRET_WORDS.iter().any(|word| lower.contains(word)) {
            shown.push((*arg).to_string());
        } else if let Some(at) = arg.find(['=', ':']) {
            shown.push(format!("{}[hidden]", &arg[..=at]));
        } else if arg.starts_with('-') {
            shown.push((*arg).to_string());
            hide_next = true;
        } else {
            shown.push("[hidden]".to_string());
        }
    }
    shown
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn shapes() -> OwnedKeys {
        OwnedKeys {
            shapes: vec![
                json!({"command": "/bin/tray-mcp", "args": ["serve"], "enabled": true}),
                json!({"command": "npx", "args": ["-y"], "env": {"TRAY_AUTH_HEADER": "x"}, "enabled": true}),
                json!({"url": "https://x", "headers": {"Authorization": "x"}, "enabled": true}),
            ],
        }
    }

    #[test]
    fn keys_beside_ours_stay_and_ours_follow_the_new_entry() {
        let existing = json!({"autoApprove": ["a"], "command": "npx", "args": ["old"],
            "env": {"TRAY_AUTH_HEADER": "old", "HTTPS_PROXY": "p"}, "enabled": false, "timeout": 60});
        let ours = json!({"command": "/bin/tray-mcp", "args": ["serve"], "enabled": true});
        assert_eq!(
            shapes().merge(&existing, &ours),
            json!({"autoApprove": ["a"], "command": "/bin/tray-mcp", "args": ["serve"],
                "env": {"HTTPS_PROXY": "p"}, "enabled": false, "timeout": 60})
        );
    }

    #[test]
    fn an_object_key_keeps_the_members_that_are_not_ours_and_goes_when_only_ours_were_there() {
        let existing = json!({"url": "https://x", "headers": {"Authorization": "old", "X-Team": "t"}});
        let ours = json!({"url": "https://y", "headers": {"Authorization": "new"}});
        assert_eq!(
            shapes().merge(&existing, &ours),
            json!({"url": "https://y", "headers": {"Authorization": "new", "X-Team": "t"}})
        );
        let bridge = json!({"command": "npx", "args": [], "env": {"TRAY_AUTH_HEADER": "old"}});
        let stdio = json!({"command": "/bin/tray-mcp", "args": ["serve"]});
        assert_eq!(shapes().merge(&bridge, &stdio), stdio);
    }

    #[test]
    fn describe_shows_the_command_line_or_the_url_without_its_query() {
        assert_eq!(describe(&json!({"command": "node", "args": ["a.js"]})), "node a.js");
        assert_eq!(describe(&json!({"url": "https://h/mcp?key=secret"})), "https://h/mcp");
        let bridge = json!({"command": "npx", "args": ["mcp-remote", "--header", "Authorization:Bearer abc", "--api-key", "sk-1"]});
        assert_eq!(
            describe(&bridge),
            "npx mcp-remote --header Authorization:[hidden] --api-key [hidden]"
        );
    }
}
