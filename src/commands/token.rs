//! `tray-mcp token set NAME` and `tray-mcp token forget NAME`: rotate or drop a token.
//!
//! Stdio entries read the token from the profile at start-up, so rotating it changes no client
//! config. Bridge and http entries that hold the token inline are rewritten in the same
//! transaction (same safety promise as install). VS Code entries hold only a `${input:...}`
//! reference: VS Code asks again once its stored value is cleared. Entries that read the token
//! from an environment variable (`--token-from-env`) hold only its name: nothing in their file
//! changes, and the report says which variable to update.
//!
//! A profile's token goes where [`TokenStore::preferred`] says (the OS keychain when there is
//! one); the keychain write happens before the file commit and is undone if it fails, the
//! delete of `forget` after it (see [`TokenStore::around_commit`]).

use crate::clients::ClientId;
use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem};
use crate::config::{Change, Format, strings_mut};
use crate::context::Context;
use crate::error::CommandError;
use crate::inventory::{FoundEntry, config_role, take_inventory};
use crate::paths::Environment;
use crate::profiles::{self, ProfileError, TokenLocation};
use crate::secrets::{Redactor, bearer_in, holds_inline_token};
use crate::token_store::{KeychainChanges, SERVICE};
use crate::tray::{ApiToken, ServerName};

use super::report::Report;
use super::{
    Finish, WriteProfile, config_secrets, execute_with_keychain, profile_task, readable_inventory, tasks_per_file,
    tray_entries_named,
};
use crate::notice::Notice;

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
pub fn set(context: &Context, request: &TokenSetRequest) -> Result<Report, CommandError> {
    let environment = &context.environment;
    let store = context.store();
    let inventory = readable_inventory(environment)?;
    let named = tray_entries_named(&inventory.entries, request.name.as_str(), ClientId::all())?;
    let from_variable = variable_notices(&named);
    let inline: Vec<&FoundEntry> = named
        .into_iter()
        .filter(|entry| holds_inline_token(&entry.value))
        .collect();
    let mut redactor = Redactor::for_entries(inline.iter().map(|entry| &entry.value));
    redactor.add(request.api_token.expose());
    let mut tasks = tasks_per_file(environment, &inline, Privacy::OwnerOnly, |entries| {
        Box::new(ReplaceInlineToken::new(entries, &request.api_token))
    });
    let mut keychain = KeychainChanges::default();
    let mut notices = from_variable;
    if let Some(mut profile) = existing_profile(environment, &request.name)? {
        if let Some(old) = &profile.api_token {
            redactor.add(old.expose());
        }
        let was_in_keychain = profile.token_store == TokenLocation::Keychain;
        let location = store.preferred();
        profile.set_token(&request.api_token, location);
        if location == TokenLocation::Keychain {
            keychain.writes.push((request.name.clone(), request.api_token.clone()));
        } else if was_in_keychain {
            notices.push(Notice::note(format!(
                "the OS keychain is not available here, so the new token goes to the profile file; the old one may remain in the keychain entry {SERVICE}/{}: delete it with your keychain app",
                request.name
            )));
        }
        tasks.push(profile_task(
            environment,
            &request.name,
            Box::new(WriteProfile { profile }),
        ));
    }
    if tasks.is_empty() && notices.is_empty() {
        return Err(no_such_name(&request.name));
    }
    let finish = Finish {
        dry_run: request.dry_run,
        redactor: &redactor,
        notices,
        store,
        keychain: &keychain,
        binary: None,
    };
    execute_with_keychain(environment, tasks, finish)
}

/// Drops the token from a profile (and deletes its keychain entry, after the file is written).
pub fn forget(context: &Context, name: &ServerName, dry_run: bool) -> Result<Report, CommandError> {
    let environment = &context.environment;
    let store = context.store();
    let Some(mut profile) = existing_profile(environment, name)? else {
        return Err(no_profile_to_forget(environment, name));
    };
    let mut redactor = Redactor::default();
    if let Some(old) = &profile.api_token {
        redactor.add(old.expose());
    }
    let mut keychain = KeychainChanges::default();
    if profile.token_store == TokenLocation::Keychain {
        keychain.deletes.push(name.clone());
    }
    profile.clear_token();
    let inventory = take_inventory(environment, ClientId::all());
    let notices = inventory
        .entries
        .iter()
        .filter(|entry| entry.name == name.as_str() && entry.tray.is_some() && holds_inline_token(&entry.value))
        .map(|entry| {
            Notice::note(format!(
                "{} {} still holds a token inline; `tray-mcp remove {name} -c {}` takes that entry out",
                config_role(entry.client),
                entry.shown_path,
                entry.client.id()
            ))
        })
        .collect();
    let tasks = vec![profile_task(environment, name, Box::new(WriteProfile { profile }))];
    let finish = Finish {
        dry_run,
        redactor: &redactor,
        notices,
        store,
        keychain: &keychain,
        binary: None,
    };
    execute_with_keychain(environment, tasks, finish)
}

/// For each entry that reads its token from an environment variable (`--token-from-env`): the
/// file holds only the variable's name, so nothing in it changes; the user updates the variable.
fn variable_notices(entries: &[&FoundEntry]) -> Vec<Notice> {
    entries
        .iter()
        .filter(|entry| !holds_inline_token(&entry.value))
        .filter_map(|entry| {
            let variable = entry.client.client().token_variable_in(&entry.value)?;
            Some(Notice::note(format!(
                "{} {} reads the token of \"{}\" from the environment variable {variable}: nothing in that file changes; set {variable} to the new token where {} runs",
                config_role(entry.client),
                entry.shown_path,
                entry.name,
                entry.client.client().display_name()
            )))
        })
        .collect()
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

/// Why `forget` has nothing to forget: with no profile, an entry of that name that keeps its
/// token inline in a client's file (bridge, http) is what the user means, and `forget` does
/// not edit client files: the error says where the token is and how to change it.
fn no_profile_to_forget(environment: &Environment, name: &ServerName) -> CommandError {
    let inventory = take_inventory(environment, ClientId::all());
    let inline: Vec<&FoundEntry> = inventory
        .entries
        .iter()
        .filter(|entry| entry.name == name.as_str() && entry.tray.is_some() && holds_inline_token(&entry.value))
        .collect();
    let Some(first) = inline.first() else {
        return no_such_name(name);
    };
    let places: Vec<String> = inline
        .iter()
        .map(|entry| format!("{} {}", config_role(entry.client), entry.shown_path))
        .collect();
    CommandError::failure(
        format!(
            "\"{name}\" has no tray-mcp profile to forget a token from: its entry keeps the token inline in {}",
            places.join(", ")
        ),
        format!(
            "`tray-mcp token set {name}` replaces that token in place; `tray-mcp remove {name} -c {}` takes the entry (and its token) out",
            first.client.id()
        ),
    )
}

fn no_such_name(name: &ServerName) -> CommandError {
    CommandError::failure(
        format!("no tray-mcp profile or Tray entry with a stored token named \"{name}\""),
        "run `tray-mcp list` to see the entries and their names",
    )
}

/// Rewrites `Bearer <old>` into `Bearer <new>` inside entries of one file (a whole
/// `Authorization: Bearer <old>` header line keeps its header).
struct ReplaceInlineToken {
    format: Format,
    entry_paths: Vec<Vec<String>>,
    token: String,
}

impl ReplaceInlineToken {
    fn new(entries: &[&FoundEntry], token: &ApiToken) -> Self {
        ReplaceInlineToken {
            format: entries[0].client.client().format(),
            entry_paths: entries.iter().map(|entry| entry.entry_path()).collect(),
            token: token.expose().to_string(),
        }
    }
}

impl FileEdit for ReplaceInlineToken {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = crate::config::open(self.format, current.unwrap_or(""))?;
        let mut change = Change::Unchanged;
        for path in &self.entry_paths {
            let path: Vec<&str> = path.iter().map(String::as_str).collect();
            if let Some(mut value) = document.get(&path)? {
                strings_mut(&mut value, &mut |text| {
                    if let Some(old) = bearer_in(text) {
                        *text = text.replacen(old, &self.token, 1);
                    }
                });
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

    fn secrets(&self, text: &str) -> Vec<String> {
        config_secrets(text, self.format, &self.entry_paths)
    }
}
