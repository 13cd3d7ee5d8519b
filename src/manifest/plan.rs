//! `tray-mcp apply` and `apply --check`: every declared entry at its declared state, in one
//! transaction across every file.
//!
//! Built on install's core, not beside it: each declared entry is planned by
//! [`install::entry_plan`] exactly as `tray-mcp install` with the same values would plan it; the
//! edits of every entry are then grouped by file (two entries in one Cursor config are one
//! edit of that file), `--prune` adds the removal of Tray entries nobody declared (recognised
//! as `list` recognises them; other servers are never touched), and the lot goes through the
//! same plan / commit as every changing command. `--check` plans the same and writes nothing:
//! whatever would change is drift.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde_json::Value;

use super::files::FileGroup;
pub use super::report::{ApplyReport, EntryChange};
use super::source::SourceContext;
use super::{DeclaredClients, DeclaredServer, DeclaredWorkspace, Manifest};
use crate::clients::{ClientId, Scope};
use crate::commands::install::{self, InstallRequest, WorkspaceChoice};
use crate::commands::login::SignInOptions;
use crate::commands::report::Report;
use crate::commands::{
    CaseNames, DeleteProfile, FileOwner, Finish, LabeledTask, PlannedFile, WriteProfile, config_task, finish_planned,
    plan_labeled, profile_task, readable_inventory,
};
use crate::config::Change;
use crate::config::safe_write::Privacy;
use crate::context::Context;
use crate::env::DEFAULT_TOKEN_COMMAND_WAIT;
use crate::error::CommandError;
use crate::inventory::{FoundEntry, Inventory};
use crate::notice::Notice;
use crate::paths::Environment;
use crate::profiles::{self, Profile, TokenLocation};
use crate::secrets::{REDACTED, Redactor, inline_tokens};
use crate::self_install::Placement;
use crate::token_store::{KeychainChanges, TokenStore};
use crate::tray::{ApiToken, ServerName};

/// What `apply` was asked to do.
#[derive(Debug, Clone, Copy, Default)]
pub struct ApplyOptions {
    /// Show the redacted diff; write nothing.
    pub dry_run: bool,
    /// Also remove Tray entries the manifest does not declare.
    pub prune: bool,
    /// Write nothing; report drift.
    pub check: bool,
    /// Replace declared entries' namesakes that tray-mcp did not write.
    pub force: bool,
    /// Check each declared token with Tray before writing (not `--no-verify`; never with
    /// `check`, which reads no network).
    pub verify: bool,
    /// Run the manifest's token commands even in a dry run or `--check`, or from a manifest
    /// found implicitly in the current folder ([`super::trust`]).
    pub allow_commands: bool,
}

/// Applies (or checks) a manifest whose stdio entries launch the binary `placement` names
/// (copied there by the commit, as install does, when it runs from a transient folder).
/// `env` sources read the context's variables; tokens go to the context's token store.
pub fn apply(
    context: &Context,
    manifest: &Manifest,
    options: ApplyOptions,
    placement: &Placement,
) -> Result<ApplyReport, CommandError> {
    let environment = &context.environment;
    let store = context.store();
    let lookup = |name: &str| context.var_os(name);
    let binary = placement.entry_binary.as_path();
    let inventory = readable_inventory(environment)?;
    let names = CaseNames::new(environment, &inventory.names());
    let run_commands = super::trust::commands_run(manifest, options)?;
    let sources = source_context(environment, manifest, &lookup, run_commands);
    let unread = unread_entries(manifest, run_commands);
    let (declared, verified) = plan_declared(context, manifest, options, binary, (&names, &sources, &unread))?;
    let Declared {
        launches_binary,
        redactor,
        mut notices,
        mut groups,
        profile_tasks,
        mut keychain,
        mut rule_edits,
    } = declared;
    let mut pruned_names = Vec::new();
    if options.prune {
        prune(environment, &inventory, manifest, &mut groups, &mut pruned_names);
    }
    let (mut tasks, mut entries) = config_tasks(environment, groups);
    let profile_checks = add_profile_writes(profile_tasks, &mut tasks, &mut entries);
    for (name, task) in pruned_profiles(environment, &pruned_names, &mut keychain, &mut rule_edits) {
        entries.push(vec![profile_entry(&name, Change::Removed)]);
        tasks.push(task);
    }
    // Last: the entry changes below go by the tasks before these.
    tasks.extend(crate::commands::approve::into_tasks(environment, rule_edits));
    let planned = plan_labeled(tasks)?;
    notices.extend(verified);
    let mut entries = entry_changes(&planned, entries, &profile_checks, store, options.check);
    forgive_stand_in_drift(&mut entries, &unread);
    notices.extend(unread.iter().map(|name| unread_notice(name)));
    if options.check {
        // A check reports drift only: the notes about what an apply would write are not for it.
        let finish = dry_finish(&redactor, store, &keychain, Vec::new());
        return check_report(environment, planned, finish, entries, unread);
    }
    let finish = Finish {
        dry_run: options.dry_run,
        redactor: &redactor,
        notices,
        store,
        keychain: &keychain,
        binary: launches_binary.then_some(placement),
    };
    let report = finish_planned(environment, planned, finish)?;
    Ok(ApplyReport {
        report,
        entries,
        check: false,
        unread,
    })
}

/// Plans every declared entry (usage errors first, then one token check of them all, side by
/// side, whose listing the entries that want it are planned with): what they add up to, and
/// the check's notices.
fn plan_declared(
    context: &Context,
    manifest: &Manifest,
    options: ApplyOptions,
    binary: &std::path::Path,
    (names, sources, unread): (&CaseNames, &SourceContext<'_>, &[String]),
) -> Result<(Declared, Vec<Notice>), CommandError> {
    let environment = &context.environment;
    let listing_comes = options.verify && !options.check;
    let mut pending = Vec::new();
    let mut targets = Vec::new();
    for server in &manifest.servers {
        names
            .check(&server.name)
            .map_err(|error| at_entry(manifest, server, error))?;
        let (mut request, target) = server_request(environment, server, sources, options)?;
        let entry = if listing_comes && target.is_some() && wants_listing(&request) {
            // Planned for its usage errors before the network wait; for real with the listing.
            first_plan(context, manifest, server, &request, binary)?;
            None
        } else {
            if install::needs_tool_listing(&request) {
                return Err(wildcard_refusal(manifest, server, options));
            }
            Some(final_plan(context, manifest, server, &mut request, Vec::new(), binary)?)
        };
        targets.push(target.map(|target| (request.name.clone(), target)));
        pending.push((server, request, entry));
    }
    let (verified, listings) = verify_declared(context, targets, listing_comes)?;
    let mut declared = Declared::default();
    let written = crate::written::load(environment);
    for ((server, mut request, entry), listed) in pending.into_iter().zip(listings) {
        let entry = match entry {
            Some(entry) => entry,
            None => final_plan(context, manifest, server, &mut request, listed, binary)?,
        };
        declared.add(context, &request, entry, &written, unread);
    }
    Ok((declared, verified))
}

/// Where the declared tokens are read from.
fn source_context<'a>(
    environment: &'a Environment,
    manifest: &'a Manifest,
    lookup: &'a dyn Fn(&str) -> Option<std::ffi::OsString>,
    run_commands: bool,
) -> SourceContext<'a> {
    SourceContext {
        environment,
        folder: &manifest.folder,
        lookup,
        keychain: &crate::token_store::read_item,
        run_commands,
        command_wait: environment
            .variables
            .token_command_wait
            .unwrap_or(DEFAULT_TOKEN_COMMAND_WAIT),
    }
}

/// The install request of a declared entry, and the target to verify it with (whose gateway
/// tools its approvals and its clients' filter go by).
fn server_request(
    environment: &Environment,
    server: &DeclaredServer,
    context: &SourceContext<'_>,
    options: ApplyOptions,
) -> Result<(InstallRequest, Option<crate::commands::verify::Target>), CommandError> {
    let request = install_request(server, context, options.dry_run || options.check, options.force)?;
    let target = crate::commands::verify::target(environment, &request);
    Ok((request, target))
}

/// Whether a declared entry's plan goes by the Agent Gateway's tools: its approvals (by their
/// annotations) or its clients' own filter (wildcards expanded, exact names checked).
fn wants_listing(request: &InstallRequest) -> bool {
    request.approve.is_some() || install::sets_client_filter(request)
}

/// Plans `request` for its usage errors only, before the network wait: a filter with a
/// wildcard is planned without it (the listing expands it afterwards).
fn first_plan(
    context: &Context,
    manifest: &Manifest,
    server: &DeclaredServer,
    request: &InstallRequest,
    binary: &std::path::Path,
) -> Result<(), CommandError> {
    install::check_tool_filter(request).map_err(|error| at_entry(manifest, server, error))?;
    let unfiltered;
    let request = if install::needs_tool_listing(request) {
        unfiltered = InstallRequest {
            tools: None,
            ..request.clone()
        };
        &unfiltered
    } else {
        request
    };
    install::entry_plan(context, request, binary, context.store().preferred())
        .map(drop)
        .map_err(|error| at_entry(manifest, server, error))
}

/// The refusal of a bridge or http entry's wildcard filter when no tool list comes to expand it.
fn wildcard_refusal(manifest: &Manifest, server: &DeclaredServer, options: ApplyOptions) -> CommandError {
    let (line, column) = server.tools_position.unwrap_or(server.position);
    let why = if options.check {
        "`apply --check` reads no network"
    } else if options.verify {
        "its token is not checked with Tray (a sign-in entry), so nothing lists them"
    } else {
        "--no-verify does not ask the gateway"
    };
    CommandError::usage(
        format!(
            "{}:{line}:{column}: server \"{}\": the clients' own tool filter takes exact tool names, and a wildcard needs the Agent Gateway's tool list: {why}",
            manifest.shown_path, server.name
        ),
        "write the exact tool names (`tray-mcp apply` lists them when it verifies: see its note on the filter written), or run `tray-mcp apply` without --no-verify / --check",
    )
}

/// Verifies every declared token side by side (when `listing_comes`: not `--no-verify` nor
/// `--check`): the notices, and the Agent Gateway's tools as each entry's check listed them
/// (one check per entry: its approvals and its clients' filter go by the same listing; empty
/// when not listed).
fn verify_declared(
    context: &Context,
    targets: Vec<Option<(ServerName, crate::commands::verify::Target)>>,
    listing_comes: bool,
) -> Result<(Vec<Notice>, Vec<Vec<Value>>), CommandError> {
    let mut listings = vec![Vec::new(); targets.len()];
    if !listing_comes {
        return Ok((Vec::new(), listings));
    }
    let (checked, targets): (Vec<usize>, Vec<_>) = targets
        .into_iter()
        .enumerate()
        .filter_map(|(index, target)| Some((index, target?)))
        .unzip();
    let (notices, listed) = crate::commands::verify::before_apply(&context.environment.variables, &targets)?;
    for (index, tools) in checked.into_iter().zip(listed) {
        listings[index] = tools;
    }
    Ok((notices, listings))
}

/// The plan of a declared entry, with the Agent Gateway's tools as its check `listed` them
/// (empty: not listed); a bridge or http entry's filter error names the server and its place.
fn final_plan(
    context: &Context,
    manifest: &Manifest,
    server: &DeclaredServer,
    request: &mut InstallRequest,
    listed: Vec<Value>,
    binary: &std::path::Path,
) -> Result<install::EntryPlan, CommandError> {
    request.gateway_tools = listed;
    let location = context.store().preferred();
    install::entry_plan(context, request, binary, location).map_err(|error| {
        if install::sets_client_filter(request) {
            let (line, column) = server.tools_position.unwrap_or(server.position);
            CommandError {
                message: format!(
                    "{}:{line}:{column}: server \"{}\": {}",
                    manifest.shown_path, server.name, error.message
                ),
                ..error
            }
        } else {
            error
        }
    })
}

/// A token-only difference of an entry whose token was not read (`unread`) is the stand-in's,
/// not drift.
fn forgive_stand_in_drift(entries: &mut [Vec<EntryChange>], unread: &[String]) {
    for change in entries.iter_mut().flatten() {
        if change.drift.as_deref() == Some(TOKEN_DRIFT) && unread.contains(&change.name) {
            change.drift = None;
            change.change = Change::Unchanged;
        }
    }
}

/// `apply --check`: the planned changes as drift, no diffs and none of an apply's notes.
fn check_report(
    environment: &Environment,
    planned: Vec<PlannedFile>,
    finish: Finish<'_>,
    entries: Vec<Vec<EntryChange>>,
    unread: Vec<String>,
) -> Result<ApplyReport, CommandError> {
    let report = finish_planned(environment, planned, finish)?;
    Ok(ApplyReport {
        report: Report {
            diffs: Vec::new(),
            ..report
        },
        entries,
        check: true,
        unread,
    })
}

/// What the declared entries add up to, before any file is planned.
#[derive(Default)]
struct Declared {
    /// Some entry runs the binary (so a transient one is copied first).
    launches_binary: bool,
    /// The tokens read, hidden in diffs.
    redactor: Redactor,
    notices: Vec<Notice>,
    /// One group of edits per client file.
    groups: BTreeMap<PathBuf, FileGroup>,
    /// Each profile to write, with the token to compare it by.
    profile_tasks: Vec<(ServerName, LabeledTask, Profile, Option<ApiToken>)>,
    keychain: KeychainChanges,
    /// The approval rules to write.
    rule_edits: Vec<crate::commands::approve::RuleFileEdit>,
}

impl Declared {
    /// Adds one entry's plan (for `request`): its token to redact (unless
    /// `unread`: a stand-in), its files' edits, approvals, keychain write and profile.
    fn add(
        &mut self,
        environment: &Context,
        request: &InstallRequest,
        mut entry: install::EntryPlan,
        written: &crate::written::Written,
        unread: &[String],
    ) {
        if let WorkspaceChoice::Tray { api_token, .. } = &request.workspace
            && !unread.contains(&request.name.to_string())
        {
            self.redactor.add(api_token.expose());
        }
        self.launches_binary |= install::launches_binary(request.transport);
        self.notices.extend(entry.notices);
        let approvals = install::approval_plan(environment, request, &mut entry.configs, entry.profile.as_mut());
        self.notices.extend(approvals.notices);
        self.rule_edits.extend(approvals.edits);
        group_edits(&mut self.groups, &request.name, entry.configs, written);
        let token = match &request.workspace {
            WorkspaceChoice::Tray { api_token, .. } => Some(api_token.clone()),
            WorkspaceChoice::SignIn { .. } | WorkspaceChoice::Sandbox | WorkspaceChoice::Headless { .. } => None,
        };
        self.keychain.writes.extend(entry.keychain_write);
        if let Some(profile) = entry.profile {
            let task = profile_task(
                environment,
                &request.name,
                Box::new(WriteProfile {
                    profile: profile.clone(),
                }),
            );
            self.profile_tasks.push((request.name.clone(), task, profile, token));
        }
    }
}

/// The entries whose token is a stand-in (a command not run, `run_commands` false): never
/// redacted, so the diff shows `<from command: …>`; not compared by --check.
fn unread_entries(manifest: &Manifest, run_commands: bool) -> Vec<String> {
    manifest
        .servers
        .iter()
        .filter(|server| server.token_from_command() && !run_commands)
        .map(|server| server.name.to_string())
        .collect()
}

/// The note about an entry whose token comes from a command a dry run did not run.
fn unread_notice(name: &str) -> Notice {
    Notice::note(format!(
        "the token of \"{name}\" comes from a command, which a dry run does not run: the diff holds a stand-in for it, redacted as any token (--allow-commands runs it)"
    ))
}

/// Adds entry `name`'s edits to the group of each file (one edit per file, whoever declared it).
fn group_edits(
    groups: &mut BTreeMap<PathBuf, FileGroup>,
    name: &ServerName,
    configs: Vec<install::ConfigEdit>,
    written: &crate::written::Written,
) {
    for mut edit in configs {
        edit.note_record(written);
        let group = groups
            .entry(edit.path.clone())
            .or_insert_with(|| FileGroup::new(edit.owner, edit.upsert.format));
        if edit.privacy == Privacy::OwnerOnly {
            group.privacy = Privacy::OwnerOnly;
        }
        group.upserts.push((name.to_string(), edit.upsert));
    }
}

/// One task per file group, and the entries each changes.
fn config_tasks(
    environment: &Environment,
    groups: BTreeMap<PathBuf, FileGroup>,
) -> (Vec<LabeledTask>, Vec<Vec<EntryChange>>) {
    let mut tasks = Vec::new();
    let mut entries = Vec::new();
    let record = crate::created::load(environment);
    for (path, group) in groups {
        entries.push(group.names());
        let owner = group.owner;
        let privacy = group.privacy;
        tasks.push(config_task(
            environment,
            owner,
            path,
            privacy,
            Box::new(group.into_edit(&record)),
        ));
    }
    (tasks, entries)
}

/// The deletions of the pruned entries' profiles (see [`pruned_profile`]).
fn pruned_profiles(
    environment: &Environment,
    pruned_names: &[String],
    keychain: &mut KeychainChanges,
    rule_edits: &mut Vec<crate::commands::approve::RuleFileEdit>,
) -> Vec<(ServerName, LabeledTask)> {
    pruned_names
        .iter()
        .filter_map(|name| ServerName::parse(name).ok())
        .filter_map(|name| Some((name.clone(), pruned_profile(environment, &name, keychain, rule_edits)?)))
        .collect()
}

/// Adds the profile writes to `tasks` (and their lines to `entries`); returns what to compare
/// each written profile by.
fn add_profile_writes(
    profile_tasks: Vec<(ServerName, LabeledTask, Profile, Option<ApiToken>)>,
    tasks: &mut Vec<LabeledTask>,
    entries: &mut Vec<Vec<EntryChange>>,
) -> Vec<(ServerName, Profile, Option<ApiToken>)> {
    let mut profile_checks = Vec::new();
    for (name, task, profile, token) in profile_tasks {
        entries.push(vec![profile_entry(&name, Change::Unchanged)]);
        profile_checks.push((name, profile, token));
        tasks.push(task);
    }
    profile_checks
}

/// A profile's line in the entry changes.
fn profile_entry(name: &ServerName, change: Change) -> EntryChange {
    EntryChange {
        name: name.to_string(),
        change,
        drift: None,
        entry_path: Vec::new(),
    }
}

/// The deletion of a pruned entry's profile, when it has one: its keychain token and the
/// approvals it recorded go too.
fn pruned_profile(
    environment: &Environment,
    name: &ServerName,
    keychain: &mut KeychainChanges,
    rule_edits: &mut Vec<crate::commands::approve::RuleFileEdit>,
) -> Option<LabeledTask> {
    if !profiles::profile_path(environment, name).exists() {
        return None;
    }
    let profile = profiles::load(environment, name);
    if profile
        .as_ref()
        .is_ok_and(|profile| profile.token_store == TokenLocation::Keychain)
    {
        keychain.deletes.push(name.clone());
    }
    if let Ok(profile) = &profile {
        rule_edits.extend(crate::commands::approve::removal(environment, &profile.approvals));
    }
    Some(profile_task(environment, name, Box::new(DeleteProfile)))
}

/// `error`, about the declared entry `server`, led by the manifest's file and the entry's
/// line:column, so the user knows which declaration to change.
fn at_entry(manifest: &Manifest, server: &DeclaredServer, error: CommandError) -> CommandError {
    let (line, column) = server.position;
    CommandError {
        message: format!("{}:{line}:{column}: {}", manifest.shown_path, error.message),
        ..error
    }
}

fn dry_finish<'a>(
    redactor: &'a Redactor,
    store: &'a TokenStore,
    keychain: &'a KeychainChanges,
    notices: Vec<Notice>,
) -> Finish<'a> {
    Finish {
        dry_run: true,
        redactor,
        notices,
        store,
        keychain,
        binary: None,
    }
}

/// The install request a declared entry stands for, its token read from its source.
fn install_request(
    server: &DeclaredServer,
    context: &SourceContext<'_>,
    dry_run: bool,
    force: bool,
) -> Result<InstallRequest, CommandError> {
    let workspace = match &server.workspace {
        DeclaredWorkspace::Sandbox => WorkspaceChoice::Sandbox,
        DeclaredWorkspace::Headless { region } => WorkspaceChoice::Headless { region: *region },
        DeclaredWorkspace::SignIn { workspace_id, region } => WorkspaceChoice::SignIn {
            workspace_id: workspace_id.clone(),
            region: *region,
            // apply runs unattended: it never signs in, it says to run `tray-mcp login NAME`.
            sign_in: SignInOptions {
                unattended: true,
                ..SignInOptions::default()
            },
        },
        DeclaredWorkspace::Tray {
            workspace_id,
            region,
            token,
        } => WorkspaceChoice::Tray {
            workspace_id: workspace_id.clone(),
            api_token: token.read(&server.name, context)?,
            region: *region,
        },
    };
    let (clients, every_client) = match &server.clients {
        DeclaredClients::Detected => (ClientId::all().to_vec(), true),
        DeclaredClients::Named(clients) => (clients.clone(), false),
    };
    Ok(InstallRequest {
        clients,
        every_client,
        workspace,
        name: server.name.clone(),
        transport: server.transport,
        scope: server.scope,
        gateway: server.gateway,
        dry_run,
        skip: Vec::new(),
        editor_profile: None,
        token_variable: server.token_variable.clone(),
        force,
        // A bridge or http entry without a filter leaves its clients' filter keys as they are.
        tools: (server.transport == crate::clients::Transport::Stdio || server.tools_position.is_some())
            .then(|| server.tools.clone()),
        approve: server.approve,
        gateway_tools: Vec::new(),
    })
}

/// Adds the removal of every Tray entry nobody declared, in the user's files and this
/// project's (Claude Code's entries for other projects are left alone).
fn prune(
    environment: &Environment,
    inventory: &Inventory,
    manifest: &Manifest,
    groups: &mut BTreeMap<PathBuf, FileGroup>,
    pruned_names: &mut Vec<String>,
) {
    let this_project = environment.current_dir.to_string_lossy().into_owned();
    let declared_paths: std::collections::HashSet<(PathBuf, Vec<String>)> = groups
        .iter()
        .flat_map(|(path, group)| {
            group
                .upserts
                .iter()
                .map(move |(_, upsert)| (path.clone(), upsert.entry_path.clone()))
        })
        .collect();
    let declared = |entry: &FoundEntry| declared_paths.contains(&(entry.path.clone(), entry.entry_path()));
    // Only the entries tray-mcp wrote: a Tray entry written by hand is the user's.
    let undeclared: Vec<&FoundEntry> = inventory
        .our_entries()
        .filter(|entry| entry.scope != Scope::Local || entry.project.as_deref() == Some(this_project.as_str()))
        .filter(|entry| !declared(entry))
        .collect();
    for entry in undeclared {
        let group = groups
            .entry(entry.path.clone())
            .or_insert_with(|| FileGroup::new((entry.client, entry.scope), entry.client.client().format()));
        group.removals.push(entry.clone());
        let still_declared = manifest.servers.iter().any(|server| server.name.as_str() == entry.name);
        let still_used = inventory.tray_entries().any(|other| {
            other
                .tray
                .as_ref()
                .and_then(|tray| tray.profile.as_ref())
                .map(ServerName::as_str)
                == Some(entry.name.as_str())
                && !std::ptr::eq(other, entry)
                && declared(other)
        });
        if !still_declared && !still_used && !pruned_names.contains(&entry.name) {
            pruned_names.push(entry.name.clone());
        }
    }
}

/// What happens to each entry in each planned file (and, for `--check`, why it drifted).
fn entry_changes(
    planned: &[PlannedFile],
    mut entries: Vec<Vec<EntryChange>>,
    profiles: &[(ServerName, Profile, Option<ApiToken>)],
    store: &TokenStore,
    check: bool,
) -> Vec<Vec<EntryChange>> {
    let profiles: std::collections::HashMap<&str, &(ServerName, Profile, Option<ApiToken>)> =
        profiles.iter().map(|profile| (profile.0.as_str(), profile)).collect();
    for (file, changes) in planned.iter().zip(entries.iter_mut()) {
        match file.owner {
            FileOwner::Client(kind, _) => config_entry_changes(&file.file, kind, changes),
            FileOwner::TrayMcp => {
                for change in changes.iter_mut() {
                    if change.change != Change::Removed {
                        change.change = file.file.change;
                    }
                    let profile = profiles.get(change.name.as_str()).copied();
                    change.drift = profile_drift(&file.file, change, profile, store);
                }
            }
        }
        if !check {
            for change in changes.iter_mut() {
                change.drift = None;
            }
        } else {
            for change in changes.iter_mut().filter(|change| change.drift.is_none()) {
                change.drift = match change.change {
                    Change::Unchanged => None,
                    Change::Added => Some("missing (removed by hand, or new in the manifest)".to_string()),
                    Change::Updated => Some("differs from the manifest (edited by hand?)".to_string()),
                    Change::Removed => Some("not in the manifest (apply --prune removes it)".to_string()),
                };
            }
        }
    }
    entries
}

/// Each entry's change in a client config: its value before and after the file's edit.
fn config_entry_changes(file: &crate::config::transaction::Planned, kind: ClientId, changes: &mut [EntryChange]) {
    let format = kind.client().format();
    let (Ok(before), Ok(after)) = (
        crate::config::open(format, file.before.as_deref().unwrap_or("")),
        crate::config::open(format, file.after.as_deref().unwrap_or("")),
    ) else {
        return;
    };
    // One read per container for every entry (not one pass over the file per entry).
    let paths: Vec<Vec<String>> = changes.iter().map(|change| change.entry_path.clone()).collect();
    let olds = crate::config::batch::values_at(before.as_ref(), &paths);
    let news = crate::config::batch::values_at(after.as_ref(), &paths);
    for ((change, old), new) in changes.iter_mut().zip(olds).zip(news) {
        change.change = match (&old, &new) {
            (None, _) => Change::Added,
            (Some(_), None) => Change::Removed,
            (Some(old), Some(new)) if old == new => Change::Unchanged,
            (Some(old), Some(new)) => {
                if only_token_differs(old, new) {
                    change.drift = Some(TOKEN_DRIFT.to_string());
                }
                Change::Updated
            }
        };
    }
}

/// The drift of an entry whose token is not what its source yields now.
const TOKEN_DRIFT: &str = "its token differs from the token source (rotated?)";

/// Whether two entries are the same once their inline tokens are blanked.
fn only_token_differs(old: &Value, new: &Value) -> bool {
    let blank = |value: &Value| {
        let mut redactor = Redactor::default();
        for token in inline_tokens(value) {
            redactor.add(token);
        }
        redactor.redact(&value.to_string())
    };
    old != new && blank(old) == blank(new) && blank(new).contains(REDACTED)
}

/// Why a declared entry's profile drifted: missing, or its token (in the file or the
/// keychain) is not what the source yields now, or something else in it differs.
fn profile_drift(
    file: &crate::config::transaction::Planned,
    change: &EntryChange,
    profile: Option<&(ServerName, Profile, Option<ApiToken>)>,
    store: &TokenStore,
) -> Option<String> {
    let (name, wanted, token) = profile?;
    let Some(before) = &file.before else {
        return Some("its profile is missing".to_string());
    };
    let existing = profiles::parse(before).ok()?;
    if existing.token_store == TokenLocation::Keychain
        && let Some(token) = token
    {
        return match store.token(name, &existing) {
            Ok(Some(stored)) if stored == *token && existing == *wanted => None,
            Ok(Some(stored)) if stored != *token => Some(TOKEN_DRIFT.to_string()),
            Ok(_) if existing == *wanted => Some("its keychain item holds no token".to_string()),
            _ => Some("its profile differs from the manifest".to_string()),
        };
    }
    if change.change == Change::Unchanged {
        return None;
    }
    let mut same_but_token = existing.clone();
    same_but_token.api_token = wanted.api_token.clone();
    if same_but_token == *wanted {
        Some(TOKEN_DRIFT.to_string())
    } else {
        Some("its profile differs from the manifest".to_string())
    }
}
