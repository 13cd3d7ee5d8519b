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

use serde_json::{Value, json};

use super::source::SourceContext;
use super::{DeclaredClients, DeclaredServer, DeclaredWorkspace, Manifest};
use crate::clients::{ClientId, Scope};
use crate::commands::install::{self, EntryUpsert, InstallRequest, UpsertEntries, WorkspaceChoice};
use crate::commands::login::SignInOptions;
use crate::commands::remove::RemoveEntries;
use crate::commands::report::{Notice, Report, change_word};
use crate::commands::{
    DeleteProfile, FileOwner, Finish, LabeledTask, PlannedFile, WriteProfile, check_case_unique, config_secrets,
    config_task, finish_planned, plan_labeled, profile_task, readable_inventory,
};
use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem};
use crate::config::{Change, Format};
use crate::error::CommandError;
use crate::inventory::{FoundEntry, Inventory};
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
}

/// One entry's part in one file, for the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryChange {
    /// The entry.
    pub name: String,
    /// What happens (happened) to it there.
    pub change: Change,
    /// For `--check`: why it differs, when it does.
    pub drift: Option<String>,
    /// The keys leading to the entry in its file (empty for a profile).
    pub entry_path: Vec<String>,
}

/// The result of `apply`: the files (as every changing command reports them) and, per file,
/// what happens to each entry in it.
#[derive(Debug, Clone)]
pub struct ApplyReport {
    /// The files.
    pub report: Report,
    /// Per file of `report.files`, in the same order: its entries.
    pub entries: Vec<Vec<EntryChange>>,
    /// This was `--check`: nothing was written, and any change is drift.
    pub check: bool,
}

impl ApplyReport {
    /// Whether anything changed (would change; drifted).
    pub fn changed(&self) -> bool {
        self.report.files.iter().any(|file| file.change != Change::Unchanged)
            || self.entries.iter().flatten().any(|entry| entry.drift.is_some())
    }

    /// The stdout text.
    pub fn to_human(&self) -> String {
        if self.check {
            return self.check_text();
        }
        let mut text = String::new();
        let files = self.report.to_human();
        let mut lines = files.lines();
        for entries in &self.entries {
            if let Some(line) = lines.next() {
                text.push_str(line);
                text.push('\n');
            }
            for entry in entries {
                text.push_str(&format!("    {:<10} {}\n", change_word(entry.change), entry.name));
            }
        }
        for line in lines {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    fn check_text(&self) -> String {
        let mut text = String::new();
        for (file, entries) in self.report.files.iter().zip(&self.entries) {
            for entry in entries {
                if let Some(drift) = &entry.drift {
                    text.push_str(&format!(
                        "drift: {} in {} {}: {drift}\n",
                        entry.name, file.role, file.shown_path
                    ));
                }
            }
        }
        if text.is_empty() {
            let count: usize = self.entries.iter().map(Vec::len).sum();
            text.push_str(&format!(
                "in step: {count} entries in {} files match the manifest\n",
                self.entries.len()
            ));
        }
        text
    }

    /// The `--json` output: install's report, each file with its `entries`, and `changed`
    /// (what Ansible's `changed_when` reads); `--check` adds `in_sync` and `drift`.
    pub fn to_json(&self) -> Value {
        let mut value = self.report.to_json();
        if let Some(Value::Array(files)) = value.get_mut("files") {
            for (file, entries) in files.iter_mut().zip(&self.entries) {
                file["entries"] = json!(entries
                    .iter()
                    .map(|entry| json!({"name": entry.name, "change": change_word(entry.change), "drift": entry.drift}))
                    .collect::<Vec<_>>());
            }
        }
        value["changed"] = json!(!self.check && self.changed());
        if self.check {
            let drift: Vec<Value> = self
                .report
                .files
                .iter()
                .zip(&self.entries)
                .flat_map(|(file, entries)| {
                    entries.iter().filter_map(move |entry| {
                        entry.drift.as_ref().map(|drift| {
                            json!({"name": entry.name, "role": file.role, "path": file.shown_path, "client": file.client.map(ClientId::id), "reason": drift})
                        })
                    })
                })
                .collect();
            value["in_sync"] = json!(drift.is_empty());
            value["drift"] = json!(drift);
        }
        value
    }
}

/// Applies (or checks) a manifest whose stdio entries launch the binary `placement` names
/// (copied there by the commit, as install does, when it runs from a transient folder).
/// `lookup` reads environment variables for `env` sources.
pub fn apply(
    environment: &Environment,
    manifest: &Manifest,
    options: ApplyOptions,
    placement: &Placement,
    lookup: &dyn Fn(&str) -> Option<std::ffi::OsString>,
) -> Result<ApplyReport, CommandError> {
    apply_with_store(
        environment,
        manifest,
        options,
        placement,
        lookup,
        TokenStore::system(environment),
    )
}

/// [`apply`] with a given token store.
pub fn apply_with_store(
    environment: &Environment,
    manifest: &Manifest,
    options: ApplyOptions,
    placement: &Placement,
    lookup: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    store: TokenStore,
) -> Result<ApplyReport, CommandError> {
    let binary = placement.entry_binary.as_path();
    let mut launches_binary = false;
    let inventory = readable_inventory(environment)?;
    let names = inventory.names();
    let context = SourceContext {
        environment,
        folder: &manifest.folder,
        lookup,
        keychain: &crate::token_store::read_item,
    };
    let mut redactor = Redactor::default();
    let mut notices = Vec::new();
    let mut groups: BTreeMap<PathBuf, FileGroup> = BTreeMap::new();
    let mut profile_tasks: Vec<(ServerName, LabeledTask, Profile, Option<ApiToken>)> = Vec::new();
    let mut keychain = KeychainChanges::default();
    let written = crate::written::load(environment);
    let mut targets = Vec::new();
    for server in &manifest.servers {
        check_case_unique(environment, &names, &server.name)?;
        let request = install_request(server, &context, options.dry_run || options.check, options.force)?;
        targets
            .extend(crate::commands::verify::target(environment, &request).map(|target| (server.name.clone(), target)));
        if let WorkspaceChoice::Tray { api_token, .. } = &request.workspace {
            redactor.add(api_token.expose());
        }
        launches_binary |= install::launches_binary(request.transport);
        let entry = install::entry_plan(environment, &request, binary, store.preferred())?;
        notices.extend(entry.notices);
        for mut edit in entry.configs {
            edit.note_record(&written);
            let group = groups
                .entry(edit.path.clone())
                .or_insert_with(|| FileGroup::new(edit.owner, edit.upsert.format));
            if edit.privacy == Privacy::OwnerOnly {
                group.privacy = Privacy::OwnerOnly;
            }
            group.upserts.push((server.name.to_string(), edit.upsert));
        }
        let token = match &request.workspace {
            WorkspaceChoice::Tray { api_token, .. } => Some(api_token.clone()),
            WorkspaceChoice::SignIn { .. } | WorkspaceChoice::Sandbox | WorkspaceChoice::Headless { .. } => None,
        };
        keychain.writes.extend(entry.keychain_write);
        if let Some(profile) = entry.profile {
            let task = profile_task(
                environment,
                &server.name,
                Box::new(WriteProfile {
                    profile: profile.clone(),
                }),
            );
            profile_tasks.push((server.name.clone(), task, profile, token));
        }
    }
    let mut pruned_names = Vec::new();
    if options.prune {
        prune(environment, &inventory, manifest, &mut groups, &mut pruned_names);
    }
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
    let mut profile_checks = Vec::new();
    for (name, task, profile, token) in profile_tasks {
        entries.push(vec![EntryChange {
            name: name.to_string(),
            change: Change::Unchanged,
            drift: None,
            entry_path: Vec::new(),
        }]);
        profile_checks.push((name, profile, token));
        tasks.push(task);
    }
    for name in pruned_names {
        let Ok(name) = ServerName::parse(&name) else { continue };
        if !profiles::profile_path(environment, &name).exists() {
            continue;
        }
        if profiles::load(environment, &name).is_ok_and(|profile| profile.token_store == TokenLocation::Keychain) {
            keychain.deletes.push(name.clone());
        }
        entries.push(vec![EntryChange {
            name: name.to_string(),
            change: Change::Removed,
            drift: None,
            entry_path: Vec::new(),
        }]);
        tasks.push(profile_task(environment, &name, Box::new(DeleteProfile)));
    }
    let planned = plan_labeled(tasks)?;
    if options.verify && !options.check {
        notices.extend(crate::commands::verify::before_apply(&environment.variables, &targets)?);
    }
    let entries = entry_changes(&planned, entries, &profile_checks, &store, options.check);
    if options.check {
        // A check reports drift only: the notes about what an apply would write are not for it.
        let _ = notices;
        let report = finish_planned(
            environment,
            planned,
            dry_finish(&redactor, &store, &keychain, Vec::new()),
        )?;
        return Ok(ApplyReport {
            report: Report {
                diffs: Vec::new(),
                ..report
            },
            entries,
            check: true,
        });
    }
    let finish = Finish {
        dry_run: options.dry_run,
        redactor: &redactor,
        notices,
        store: &store,
        keychain: &keychain,
        binary: launches_binary.then_some(placement),
    };
    let report = finish_planned(environment, planned, finish)?;
    Ok(ApplyReport {
        report,
        entries,
        check: false,
    })
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

/// Every change to one config file: the declared entries in it, and (with `--prune`) the
/// undeclared Tray entries to take out.
struct FileGroup {
    owner: (ClientId, Scope),
    format: Format,
    privacy: Privacy,
    upserts: Vec<(String, EntryUpsert)>,
    removals: Vec<FoundEntry>,
}

impl FileGroup {
    fn new(owner: (ClientId, Scope), format: Format) -> Self {
        FileGroup {
            owner,
            format,
            privacy: Privacy::Ordinary,
            upserts: Vec::new(),
            removals: Vec::new(),
        }
    }

    fn names(&self) -> Vec<EntryChange> {
        let upserted = self
            .upserts
            .iter()
            .map(|(name, upsert)| (name.clone(), Change::Unchanged, upsert.entry_path.clone()));
        let removed = self
            .removals
            .iter()
            .map(|entry| (entry.name.clone(), Change::Removed, entry.entry_path()));
        upserted
            .chain(removed)
            .map(|(name, change, entry_path)| EntryChange {
                name,
                change,
                drift: None,
                entry_path,
            })
            .collect()
    }

    fn into_edit(self, record: &crate::created::Created) -> ApplyFile {
        let removals: Vec<&FoundEntry> = self.removals.iter().collect();
        ApplyFile {
            upserts: UpsertEntries {
                format: self.format,
                upserts: self.upserts.into_iter().map(|(_, upsert)| upsert).collect(),
            },
            removals: (!removals.is_empty()).then(|| RemoveEntries::for_entries(&removals, record)),
        }
    }
}

/// One config file's edit under `apply`: install's upsert of each declared entry, then
/// remove's removal of each pruned one.
struct ApplyFile {
    upserts: UpsertEntries,
    removals: Option<RemoveEntries>,
}

impl FileEdit for ApplyFile {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = crate::config::open(self.upserts.format, self.upserts.starting_text(current))?;
        let mut change = self.upserts.apply_to(document.as_mut())?;
        let mut emptied = false;
        if let Some(removals) = &self.removals
            && removals.apply_to(document.as_mut(), current)?
        {
            change = if change == Change::Unchanged && self.upserts.upserts.is_empty() {
                Change::Removed
            } else {
                Change::Updated
            };
            // A file of its own entry (Continue's block), or one tray-mcp created, goes with its
            // last entry, as `remove` takes it.
            emptied = self.upserts.upserts.is_empty() && removals.leaves_nothing(document.as_ref(), current)?;
            if self.upserts.upserts.is_empty()
                && !emptied
                && let Some(blank) = removals.restored_blank(document.as_ref(), current)?
            {
                return Ok(Edited {
                    contents: Some(blank),
                    change,
                });
            }
        }
        Ok(Edited {
            contents: (!emptied).then(|| document.into_text()),
            change,
        })
    }

    fn secrets(&self, text: &str) -> Vec<String> {
        let mut paths = self.upserts.entry_paths();
        if let Some(removals) = &self.removals {
            paths.extend(removals.entry_paths().iter().cloned());
        }
        config_secrets(text, self.upserts.format, &paths)
    }

    fn added_entries(&self) -> Vec<Vec<String>> {
        self.upserts.entry_paths()
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
    for (file, changes) in planned.iter().zip(entries.iter_mut()) {
        match file.owner {
            FileOwner::Client(kind, _) => config_entry_changes(&file.file, kind, changes),
            FileOwner::TrayMcp => {
                for change in changes.iter_mut() {
                    if change.change != Change::Removed {
                        change.change = file.file.change;
                    }
                    let profile = profiles.iter().find(|(name, _, _)| name.as_str() == change.name);
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
    let value = |document: &dyn crate::config::ConfigDocument, path: &[String]| {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        document.get(&path).ok().flatten()
    };
    for change in changes.iter_mut() {
        let old = value(before.as_ref(), &change.entry_path);
        let new = value(after.as_ref(), &change.entry_path);
        change.change = match (&old, &new) {
            (None, _) => Change::Added,
            (Some(_), None) => Change::Removed,
            (Some(old), Some(new)) if old == new => Change::Unchanged,
            (Some(old), Some(new)) => {
                if only_token_differs(old, new) {
                    change.drift = Some("its token differs from the token source (rotated?)".to_string());
                }
                Change::Updated
            }
        };
    }
}

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
            Ok(Some(stored)) if stored != *token => {
                Some("its token differs from the token source (rotated?)".to_string())
            }
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
        Some("its token differs from the token source (rotated?)".to_string())
    } else {
        Some("its profile differs from the manifest".to_string())
    }
}
