//! `tray-mcp token set NAME` and `tray-mcp token forget NAME`: rotate or drop a token.
//!
//! Stdio entries read the token from the profile at start-up, so rotating it changes no client
//! config. Bridge and http entries that hold the token inline are rewritten in the same
//! transaction (same safety promise as install). VS Code entries hold only a `${input:...}`
//! reference: VS Code asks again once its stored value is cleared.

use serde_json::Value;

use crate::clients::ClientKind;
use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem};
use crate::config::{Change, Dialect, Document};
use crate::error::CommandError;
use crate::inventory::{FoundEntry, take_inventory};
use crate::paths::Environment;
use crate::profiles::{self, ProfileError};
use crate::secrets::Redactor;
use crate::tray::{ApiToken, ServerName};

use super::report::Report;
use super::{WriteProfile, execute, profile_task, tasks_per_file, tray_entries_named};

/// Replace the token of a profile (and of entries holding it inline).
#[derive(Debug, Clone)]
pub struct TokenSetRequest {
    /// The entry and profile name.
    pub name: ServerName,
    /// The new token.
    pub api_token: ApiToken,
    /// Show what would change without writing.
    pub dry_run: bool,
}

/// Replaces the token everywhere tray-mcp stored it.
pub fn set(environment: &Environment, request: &TokenSetRequest) -> Result<Report, CommandError> {
    let inventory = take_inventory(environment, &ClientKind::ALL);
    if let Some(problem) = inventory.problems.into_iter().next() {
        return Err(problem.into());
    }
    let named = tray_entries_named(&inventory.entries, request.name.as_str(), &ClientKind::ALL)?;
    let inline: Vec<&FoundEntry> = named
        .into_iter()
        .filter(|entry| holds_inline_token(&entry.value))
        .collect();
    let mut redactor = Redactor::new([&request.api_token]);
    for entry in &inline {
        redactor.add_bearer_tokens_in(&entry.value);
    }
    let mut tasks = tasks_per_file(&inline, Privacy::OwnerOnly, |entries| {
        Box::new(ReplaceInlineToken::new(entries, &request.api_token))
    });
    if let Some(mut profile) = existing_profile(environment, &request.name)? {
        if let Some(old) = &profile.api_token {
            redactor.add(old.expose());
        }
        profile.api_token = Some(request.api_token.clone());
        let path = profiles::profile_path(environment, &request.name);
        tasks.push(profile_task(environment, path, Box::new(WriteProfile { profile })));
    }
    if tasks.is_empty() {
        return Err(no_such_name(&request.name));
    }
    execute(environment, tasks, request.dry_run, &redactor, Vec::new())
}

/// Drops the token from a profile.
pub fn forget(environment: &Environment, name: &ServerName, dry_run: bool) -> Result<Report, CommandError> {
    let Some(mut profile) = existing_profile(environment, name)? else {
        return Err(no_such_name(name));
    };
    let mut redactor = Redactor::default();
    if let Some(old) = &profile.api_token {
        redactor.add(old.expose());
    }
    profile.api_token = None;
    let inventory = take_inventory(environment, &ClientKind::ALL);
    let notices = inventory
        .entries
        .iter()
        .filter(|entry| entry.name == name.as_str() && entry.tray.is_some() && holds_inline_token(&entry.value))
        .map(|entry| {
            format!(
                "note: {} config {} still holds a token inline; `tray-mcp remove {name} -c {}` takes that entry out",
                entry.client.client().display_name(),
                entry.shown_path,
                entry.client.id()
            )
        })
        .collect();
    let path = profiles::profile_path(environment, name);
    let tasks = vec![profile_task(environment, path, Box::new(WriteProfile { profile }))];
    execute(environment, tasks, dry_run, &redactor, notices)
}

fn existing_profile(environment: &Environment, name: &ServerName) -> Result<Option<profiles::Profile>, CommandError> {
    match profiles::load(environment, name) {
        Ok(profile) => Ok(Some(profile)),
        Err(ProfileError::NotFound { .. }) => Ok(None),
        Err(error) => Err(CommandError::failure(
            error.to_string(),
            "fix or remove that profile file",
        )),
    }
}

fn no_such_name(name: &ServerName) -> CommandError {
    CommandError::failure(
        format!("no tray-mcp profile or Tray entry with a stored token named \"{name}\""),
        "run `tray-mcp list` to see the entries and their names",
    )
}

/// Whether an entry holds a real token inline (`Bearer <token>`, not a `${...}` reference).
pub fn holds_inline_token(value: &Value) -> bool {
    match value {
        Value::String(text) => text
            .strip_prefix("Bearer ")
            .is_some_and(|token| !token.starts_with("${")),
        Value::Array(items) => items.iter().any(holds_inline_token),
        Value::Object(map) => map.values().any(holds_inline_token),
        _ => false,
    }
}

/// Rewrites `Bearer <old>` into `Bearer <new>` inside entries of one file.
struct ReplaceInlineToken {
    dialect: Dialect,
    entry_paths: Vec<Vec<String>>,
    header: String,
}

impl ReplaceInlineToken {
    fn new(entries: &[&FoundEntry], token: &ApiToken) -> Self {
        ReplaceInlineToken {
            dialect: entries[0].client.client().dialect(),
            entry_paths: entries
                .iter()
                .map(|entry| {
                    let mut path = entry.servers_key.clone();
                    path.push(entry.name.clone());
                    path
                })
                .collect(),
            header: format!("Bearer {}", token.expose()),
        }
    }
}

impl FileEdit for ReplaceInlineToken {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = Document::new(current.unwrap_or(""), self.dialect);
        let mut change = Change::Unchanged;
        for path in &self.entry_paths {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(mut value) = document.get(&path)? {
                replace_bearer(&mut value, &self.header);
                if document.set(&path, &value)? == Change::Updated {
                    change = Change::Updated;
                }
            }
        }
        Ok(Edited {
            contents: Some(document.into_text()),
            change,
        })
    }
}

fn replace_bearer(value: &mut Value, header: &str) {
    match value {
        Value::String(text)
            if text
                .strip_prefix("Bearer ")
                .is_some_and(|token| !token.starts_with("${")) =>
        {
            *text = header.to_string();
        }
        Value::Array(items) => items.iter_mut().for_each(|item| replace_bearer(item, header)),
        Value::Object(map) => map.values_mut().for_each(|item| replace_bearer(item, header)),
        _ => {}
    }
}
