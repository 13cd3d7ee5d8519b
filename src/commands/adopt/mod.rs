//! `tray-mcp adopt [--dry-run] [-c CLIENT…] [NAME…]`: take over the Tray entries that Tray's
//! setup utility (`npx @trayio/tray-mcp`) or the user's own hands wrote.
//!
//! Why: those entries keep the API token in plain text in the client's file and need Node.js
//! (`npx mcp-remote`). Adopting one turns it into the entry tray-mcp writes (stdio through the
//! bundled server, `serve --profile NAME`, Agent Gateway on) under the same name, and moves its
//! workspace and token into tray-mcp's store (the OS keychain, else a 0600 profile) with the
//! very code `install` uses ([`super::install::profile_for`]). Every file changes in one
//! transaction ([`super::finish_planned`]): each entry is replaced in place, so comments, other
//! servers and every other byte stay as they were.
//!
//! One name, one profile: entries of the same name in several clients become one profile. When
//! they hold different tokens or workspaces (or an existing profile of that name disagrees),
//! adopt refuses with a hint rather than guess which token is the live one or invent names the
//! user never chose.

pub mod found;

use std::collections::BTreeMap;
use std::path::PathBuf;

use crate::clients::{ClientId, Transport};
use crate::config::safe_write::Privacy;
use crate::context::Context;
use crate::error::CommandError;
use crate::inventory::{FoundEntry, config_role};
use crate::paths::Environment;
use crate::profiles::{self, ProfileError};
use crate::secrets::Redactor;
use crate::self_install::Placement;
use crate::token_store::{KeychainChanges, TokenStore};
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

use super::install::{self, EntryUpsert, InstallRequest, UpsertEntries, WorkspaceChoice};
use super::report::Report;
use super::{Finish, LabeledTask, WriteProfile, finish_planned, plan_labeled, profile_task, readable_inventory};
use crate::notice::Notice;
use found::Adoptable;

/// What to adopt.
#[derive(Debug, Clone, Default)]
pub struct AdoptRequest {
    /// Only entries of these names (every adoptable entry when empty). A named entry is adopted
    /// even when tray-mcp wrote it (`--transport bridge|http`).
    pub names: Vec<ServerName>,
    /// Only in these clients (every client when empty).
    pub clients: Vec<ClientId>,
    /// Show the diffs (tokens redacted); write nothing.
    pub dry_run: bool,
    /// Check each token with Tray first (as install does); a refused token is adopted with a
    /// warning, since the entry did not work before either.
    pub verify: bool,
}

/// The entries of one name to adopt, and the workspace and token they share.
struct Group<'a> {
    workspace_id: WorkspaceId,
    api_token: ApiToken,
    entries: Vec<&'a FoundEntry>,
}

/// Adopts the entries `request` picks; tokens go to the context's token store.
pub fn adopt(context: &Context, request: &AdoptRequest, placement: &Placement) -> Result<Report, CommandError> {
    let environment = &context.environment;
    let store = context.store();
    let inventory = readable_inventory(environment)?;
    let mut notices = Vec::new();
    let picked = pick(&inventory.entries, request, &mut notices)?;
    let mut redactor = Redactor::default();
    for (_, adoptable) in &picked {
        redactor.add(adoptable.api_token.expose());
    }
    for entry in &inventory.entries {
        redactor.add_entry_secrets(&entry.value);
    }
    let groups = group(picked)?;
    if groups.is_empty() {
        notices.push(Notice::note(
            "no Tray entry here holds its token in the client's file: nothing to adopt (`tray-mcp list` shows the entries)",
        ));
        return Ok(nothing_to_adopt(notices, request.dry_run));
    }
    let Planned {
        tasks,
        keychain,
        notices: planned_notices,
    } = plan(context, request, placement, &groups)?;
    notices.extend(planned_notices);
    let finish = Finish {
        dry_run: request.dry_run,
        redactor: &redactor,
        notices,
        store,
        keychain: &keychain,
        binary: Some(placement),
    };
    let mut report = finish_planned(environment, plan_labeled(tasks)?, finish)?;
    if !report.dry_run {
        report.next_steps = next_steps(&groups);
    }
    Ok(report)
}

/// The file tasks, keychain writes and notes of adopting `groups`.
struct Planned {
    tasks: Vec<LabeledTask>,
    keychain: KeychainChanges,
    notices: Vec<Notice>,
}

/// Per name: each entry replaced by tray-mcp's stdio entry (one task per file), and the profile
/// install would write for the workspace and token (with its keychain write).
fn plan(
    context: &Context,
    request: &AdoptRequest,
    placement: &Placement,
    groups: &BTreeMap<ServerName, Group>,
) -> Result<Planned, CommandError> {
    let store = context.store();
    let mut planned = Planned {
        tasks: Vec::new(),
        keychain: KeychainChanges::default(),
        notices: Vec::new(),
    };
    let mut upserts: BTreeMap<PathBuf, (&FoundEntry, Vec<EntryUpsert>)> = BTreeMap::new();
    for (name, group) in groups {
        check_existing_profile(context, store, name, group)?;
        let install = install_request(name, group, region_of(context, name), request.dry_run);
        let spec = install::entry_spec(
            context,
            &install.workspace,
            name,
            Transport::Stdio,
            &placement.entry_binary,
        );
        for entry in &group.entries {
            let (_, in_file) = upserts.entry(entry.path.clone()).or_insert((entry, Vec::new()));
            in_file.push(entry_upsert(entry, &spec)?);
        }
        let kept = install::kept_gateway(context, &install);
        if let Some((profile, token)) = install::profile_for(context, &install, kept, store.preferred()) {
            planned.keychain.writes.extend(token.map(|token| (name.clone(), token)));
            let task = profile_task(context, name, Box::new(WriteProfile { profile }));
            planned.tasks.push(task);
        }
        planned.notices.push(Notice::note(adopted_note(name, group, store)));
    }
    if request.verify {
        planned.notices.extend(verified(context, groups));
    }
    let configs = upserts.into_values().map(|(first, upserts)| {
        let edit = UpsertEntries {
            format: first.client.client().format(),
            upserts,
        };
        let owner = (first.client, first.scope);
        super::config_task(context, owner, first.path.clone(), Privacy::Ordinary, Box::new(edit))
    });
    planned.tasks.splice(0..0, configs);
    Ok(planned)
}

/// Each name's token checked with Tray as its adopted (stdio, gateway on) entry will use it,
/// every name side by side ([`super::verify`]): whose token it is, what will not work; a token
/// Tray refuses is a warning, not a refusal (adopting moves a token that already did not work,
/// and `tray-mcp token set NAME` fixes it in one place afterwards).
fn verified(environment: &Environment, groups: &BTreeMap<ServerName, Group>) -> Vec<Notice> {
    let targets: Vec<(&ServerName, super::verify::Target)> = groups
        .iter()
        .filter_map(|(name, group)| {
            let install = install_request(name, group, region_of(environment, name), false);
            Some((name, super::verify::target(environment, &install)?))
        })
        .collect();
    let results: Vec<_> = std::thread::scope(|scope| {
        let running: Vec<_> = targets
            .iter()
            .map(|(_, target)| scope.spawn(|| super::verify::verify(&environment.variables, target)))
            .collect();
        running.into_iter().map(std::thread::ScopedJoinHandle::join).collect()
    });
    let mut notices = Vec::new();
    for ((name, target), result) in targets.iter().zip(results) {
        let judged = result
            .map_err(|_| CommandError::failure("the check stopped unexpectedly", ""))
            .and_then(|verification| super::verify::judge(&verification, target.uses));
        match judged {
            Ok(found) => notices.extend(found.into_iter().map(|notice| Notice {
                message: format!("\"{name}\": {}", notice.message),
                ..notice
            })),
            Err(error) => notices.push(Notice::warning(format!(
                "\"{name}\": {}; adopted anyway (the entry did not work before either): `tray-mcp token set {name}` replaces the token everywhere it is used",
                error.message
            ))),
        }
    }
    notices
}

/// tray-mcp's stdio entry in place of `entry`.
fn entry_upsert(entry: &FoundEntry, spec: &crate::clients::EntrySpec) -> Result<EntryUpsert, CommandError> {
    let written = entry
        .client
        .client()
        .entry(spec)
        .map_err(|error| CommandError::failure(error.to_string(), "adopt the other clients' entries with -c"))?;
    Ok(EntryUpsert {
        format: entry.client.client().format(),
        entry_path: entry.entry_path(),
        server: found::adopted_value(entry.client, &entry.value, &written.server),
        companions: written.companions,
        new_file: None,
        // Set as planned: the entry is the user's, taken over on purpose (no refusal).
        guard: None,
    })
}

/// The report of an adopt that found nothing to do.
fn nothing_to_adopt(notices: Vec<Notice>, dry_run: bool) -> Report {
    Report {
        files: Vec::new(),
        diffs: Vec::new(),
        notices,
        next_steps: Vec::new(),
        dry_run,
    }
}

/// The adoptable entries `request` names, in the clients it names. A name that matches no
/// adoptable entry is an error (with why); without names, the names of which tray-mcp wrote
/// every entry itself, and entries whose name cannot name a profile, are left out (the latter
/// with a note).
fn pick<'a>(
    entries: &'a [FoundEntry],
    request: &AdoptRequest,
    notices: &mut Vec<Notice>,
) -> Result<Vec<(&'a FoundEntry, Adoptable)>, CommandError> {
    let in_clients = |entry: &&FoundEntry| request.clients.is_empty() || request.clients.contains(&entry.client);
    let candidates: Vec<(&FoundEntry, Adoptable)> = entries
        .iter()
        .filter(in_clients)
        .filter_map(|entry| Some((entry, found::adoptable(entry)?)))
        .collect();
    if request.names.is_empty() {
        // A name is adopted when one of its entries is not tray-mcp's own; then every entry of
        // that name holding the token goes with it (one name, one profile).
        let mut names: Vec<&str> = Vec::new();
        for (entry, adoptable) in &candidates {
            match &adoptable.name {
                _ if adoptable.written_by_tray_mcp => {}
                Ok(_) => names.push(&entry.name),
                Err(reason) => notices.push(Notice::note(format!(
                    "{} {}: the Tray entry \"{}\" is not adopted: {reason} (a profile is named after its entry); rename it in that file, then run adopt again",
                    config_role(entry.client),
                    entry.shown_path,
                    entry.name
                ))),
            }
        }
        return Ok(candidates
            .into_iter()
            .filter(|(entry, _)| names.contains(&entry.name.as_str()))
            .collect());
    }
    for name in &request.names {
        if !candidates.iter().any(|(entry, _)| entry.name == name.as_str()) {
            return Err(not_adoptable(entries, name));
        }
    }
    Ok(candidates
        .into_iter()
        .filter(|(entry, _)| request.names.iter().any(|name| entry.name == name.as_str()))
        .collect())
}

/// Why the named entry cannot be adopted.
fn not_adoptable(entries: &[FoundEntry], name: &ServerName) -> CommandError {
    let named: Vec<&FoundEntry> = entries.iter().filter(|entry| entry.name == name.as_str()).collect();
    let message = match named.first() {
        None => format!("no entry named \"{name}\" in any client"),
        Some(entry) if entry.tray.is_none() => format!(
            "the entry \"{name}\" in {} {} is not a Tray entry",
            config_role(entry.client),
            entry.shown_path
        ),
        Some(_) => format!("no entry named \"{name}\" holds a Tray token in its client's file: nothing to adopt"),
    };
    CommandError::failure(
        message,
        "`tray-mcp list` shows the Tray entries; those marked \"adoptable\" can be adopted",
    )
}

/// The picked entries by name; an error when entries of one name disagree on the workspace or
/// the token (one name is one profile: adopt does not pick the live token for the user).
fn group(picked: Vec<(&FoundEntry, Adoptable)>) -> Result<BTreeMap<ServerName, Group<'_>>, CommandError> {
    let mut groups: BTreeMap<ServerName, Group> = BTreeMap::new();
    for (entry, adoptable) in picked {
        let Ok(name) = adoptable.name.clone() else { continue };
        match groups.get_mut(&name) {
            None => {
                groups.insert(
                    name,
                    Group {
                        workspace_id: adoptable.workspace_id,
                        api_token: adoptable.api_token,
                        entries: vec![entry],
                    },
                );
            }
            Some(group)
                if group.workspace_id == adoptable.workspace_id
                    && group.api_token.expose() == adoptable.api_token.expose() =>
            {
                group.entries.push(entry);
            }
            Some(group) => return Err(disagreeing(&name, group.entries[0], entry)),
        }
    }
    Ok(groups)
}

fn disagreeing(name: &ServerName, first: &FoundEntry, other: &FoundEntry) -> CommandError {
    CommandError::failure(
        format!(
            "the entries named \"{name}\" in {} {} and {} {} hold different tokens or workspaces; one name becomes one tray-mcp profile",
            config_role(first.client),
            first.shown_path,
            config_role(other.client),
            other.shown_path
        ),
        format!(
            "adopt them one at a time: rename one of them in its file (or remove the one with the old token), then run `tray-mcp adopt {name}`; -c CLIENT adopts only that client's entry"
        ),
    )
}

/// Refuses when a profile of that name already serves another workspace or holds another
/// token: its other entries would silently switch.
fn check_existing_profile(
    environment: &Environment,
    store: &TokenStore,
    name: &ServerName,
    group: &Group,
) -> Result<(), CommandError> {
    let profile = match profiles::load(environment, name) {
        Ok(profile) => profile,
        Err(ProfileError::NotFound { .. }) => return Ok(()),
        Err(error) => return Err(CommandError::failure(error.to_string(), error.hint())),
    };
    let stored = store.token(name, &profile).ok().flatten();
    let same_workspace = profile.workspace_id.as_ref() == Some(&group.workspace_id);
    let same_token = stored
        .as_ref()
        .is_none_or(|token| token.expose() == group.api_token.expose());
    if same_workspace && same_token {
        return Ok(());
    }
    let (serves, holds) = if same_workspace {
        (
            "this workspace with another token".to_string(),
            "a different token".to_string(),
        )
    } else {
        (
            "another workspace".to_string(),
            format!("workspace {}", group.workspace_id),
        )
    };
    Err(CommandError::failure(
        format!("the tray-mcp profile \"{name}\" already serves {serves}; the entries to adopt hold {holds}"),
        format!(
            "make them agree first (`tray-mcp token set {name}` gives the profile the token you keep), or rename the hand-written entry in its file and adopt it under that name"
        ),
    ))
}

/// The region an adopted name gets: its existing profile's (of the same workspace), else us1
/// (a gateway URL does not say).
fn region_of(environment: &Environment, name: &ServerName) -> Region {
    profiles::load(environment, name)
        .map(|profile| profile.region)
        .unwrap_or_default()
}

/// The install the adopted entries amount to: a stdio entry of the workspace, with the token,
/// the gateway left to install's default (on, or what an existing profile has).
fn install_request(name: &ServerName, group: &Group, region: Region, dry_run: bool) -> InstallRequest {
    InstallRequest {
        scope: group.entries[0].scope,
        dry_run,
        ..InstallRequest::stdio(
            group.entries.iter().map(|entry| entry.client).collect(),
            WorkspaceChoice::Tray {
                workspace_id: group.workspace_id.clone(),
                api_token: group.api_token.clone(),
                region,
            },
            name.clone(),
        )
    }
}

/// What adopting one name did.
fn adopted_note(name: &ServerName, group: &Group, store: &TokenStore) -> String {
    let mut clients: Vec<&str> = group
        .entries
        .iter()
        .map(|entry| entry.client.client().display_name())
        .collect();
    clients.dedup();
    let place = match store.preferred() {
        profiles::TokenLocation::Keychain => "the OS keychain",
        profiles::TokenLocation::Profile => "its tray-mcp profile (readable only by you)",
    };
    format!(
        "\"{name}\" ({}): the token moves out of the client files into {place}; the entries run the bundled server (serve --profile {name}, no Node.js needed); region us1 (the gateway URL does not say: for an eu1 or ap1 workspace, reinstall it with --region)",
        clients.join(", ")
    )
}

/// How each client picks its adopted entries up, then the check that proves it.
fn next_steps(groups: &BTreeMap<ServerName, Group>) -> Vec<String> {
    let mut steps: Vec<String> = Vec::new();
    for entry in groups.values().flat_map(|group| &group.entries) {
        let client = entry.client.client();
        let step = format!("{}: {}", client.display_name(), client.reload_hint());
        if !steps.contains(&step) {
            steps.push(step);
        }
    }
    steps.push("check every entry reaches Tray: tray-mcp doctor --online".to_string());
    steps
}
