//! The commands a user runs. Each takes a plain request and an [`crate::paths::Environment`]
//! and returns a report; printing is left to the command-line layer.
//!
//! The changing commands (install, remove, rename, token, uninstall) share one path: build one
//! [`LabeledTask`] per file, then [`execute_with_keychain`] plans them all and either shows the
//! diffs (dry run) or commits them as one transaction ([`finish_planned`]).

pub mod adopt;
pub mod approve;
pub mod bundle;
pub mod clients;
pub mod doctor;
pub mod install;
pub mod link;
pub mod list;
pub mod login;
pub mod own_entry;
pub mod remove;
pub mod rename;
pub mod report;
pub mod token;
pub mod tool_caps;
pub mod uninstall;
pub mod verify;

#[cfg(test)]
mod context_tests;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::clients::{ClientId, Scope};
use crate::config::safe_write::{BackupStore, Privacy};
use crate::config::transaction::{
    self, CommitError, Edited, FileEdit, FileError, FileProblem, FileRead, FileReads, FileTask, Folder, Planned,
};
use crate::config::{Change, Format};
use crate::error::CommandError;
use crate::inventory::{FoundEntry, Inventory, NamedEntry, config_role, take_inventory};
use crate::paths::Environment;
use crate::profiles::{self, Profile};
use crate::secrets::Redactor;
use crate::self_install::{self, Placement};
use crate::token_store::{AroundCommitError, KeychainChanges, TokenStore};
use crate::tray::ServerName;

use crate::notice::Notice;
use report::{FileReport, Report};

/// Whose file a task changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileOwner {
    /// A client's config, in one of its scopes.
    Client(ClientId, Scope),
    /// tray-mcp's own profile store.
    TrayMcp,
}

impl FileOwner {
    /// The client, when it is a client's config.
    pub fn client(self) -> Option<ClientId> {
        match self {
            FileOwner::Client(kind, _) => Some(kind),
            FileOwner::TrayMcp => None,
        }
    }

    /// The scope, when it is a client's config.
    pub fn scope(self) -> Option<Scope> {
        match self {
            FileOwner::Client(_, scope) => Some(scope),
            FileOwner::TrayMcp => None,
        }
    }
}

/// A file task with the owner of its file.
pub struct LabeledTask {
    /// The change.
    pub task: FileTask,
    /// Whose file it is.
    pub owner: FileOwner,
}

/// A planned file with the owner of its file.
pub struct PlannedFile {
    /// The plan.
    pub file: Planned,
    /// Whose file it is.
    pub owner: FileOwner,
}

/// Reads and edits every file in memory (nothing is written), keeping each file's owner.
pub fn plan_labeled(tasks: Vec<LabeledTask>) -> Result<Vec<PlannedFile>, FileError> {
    plan_labeled_with(tasks, &mut FileReads::default())
}

/// [`plan_labeled`], taking over the files `reads` has already read.
pub fn plan_labeled_with(tasks: Vec<LabeledTask>, reads: &mut FileReads) -> Result<Vec<PlannedFile>, FileError> {
    let owners: Vec<FileOwner> = tasks.iter().map(|labeled| labeled.owner).collect();
    let planned = transaction::plan_with(tasks.into_iter().map(|labeled| labeled.task).collect(), reads)?;
    Ok(planned
        .into_iter()
        .zip(owners)
        .map(|(file, owner)| PlannedFile { file, owner })
        .collect())
}

/// How a changing command ends: what to show or write, and the keychain changes that go with it.
pub struct Finish<'a> {
    /// Show the diffs instead of writing.
    pub dry_run: bool,
    /// The secrets the command knows of (new and old tokens); a dry run adds what the planned
    /// files hold (see [`FileEdit::secrets`]).
    pub redactor: &'a Redactor,
    /// Notes and warnings so far.
    pub notices: Vec<Notice>,
    /// The token store the keychain changes go to.
    pub store: &'a TokenStore,
    /// The keychain changes to make around the file commit.
    pub keychain: &'a KeychainChanges,
    /// Where the binary the entries launch goes: when it runs from a transient folder it is
    /// copied there once planning has succeeded, right before the commit (a dry run only says
    /// so). `None` when no entry launches it (bridge, http, headless; every command but install
    /// and apply).
    pub binary: Option<&'a Placement>,
}

/// Plans every task, then finishes as [`finish_planned`] does.
pub fn execute_with_keychain(
    environment: &Environment,
    tasks: Vec<LabeledTask>,
    finish: Finish<'_>,
) -> Result<Report, CommandError> {
    finish_planned(environment, plan_labeled(tasks)?, finish)
}

/// Shows the diffs of planned files (dry run) or commits them, with keychain changes made around
/// the commit as [`TokenStore::around_commit`] describes (writes before, undone if the commit
/// fails; deletes after). A dry run leaves the keychain alone. The record of the containers and
/// files the edits create or take out ([`crate::created`]) is one more file of the same commit.
/// Shared by every changing command, and by install, whose plan is shown to the wizard before it
/// is finished.
pub fn finish_planned(
    environment: &Environment,
    planned: Vec<PlannedFile>,
    finish: Finish<'_>,
) -> Result<Report, CommandError> {
    let Finish {
        dry_run,
        redactor,
        mut notices,
        store,
        keychain,
        binary,
    } = finish;
    if let Some(placement) = binary {
        // After planning (a refused install, a bad config, a name clash never copies the
        // binary) and before the entries that name it are written.
        let placed = self_install::place(environment, placement, dry_run)?;
        notices.splice(0..0, placed);
    }
    if dry_run {
        let redactor = redactor_for(redactor, &planned);
        let diffs = planned
            .iter()
            .filter_map(|planned| report::diff(&planned.file, &redactor))
            .collect();
        let files = planned
            .iter()
            .map(|planned| FileReport::planned(environment, &planned.file, planned.owner))
            .collect();
        return Ok(Report {
            files,
            diffs,
            notices,
            next_steps: Vec::new(),
            dry_run: true,
        });
    }
    make_profiles_folder_private(environment, &planned);
    let (created, after_commit) = record_of_created(environment, &planned)?;
    let mut records: Vec<Planned> = created.into_iter().collect();
    records.extend(record_of_written(environment, &planned)?);
    let scrubbed = secrets_to_scrub(redactor, &planned);
    let owners: Vec<FileOwner> = planned.iter().map(|planned| planned.owner).collect();
    let mut files: Vec<Planned> = planned.into_iter().map(|planned| planned.file).collect();
    // The records go in the same commit as the files they describe: all or none.
    let recorded = records.len();
    files.extend(records);
    let backups = backup_store(environment);
    let (outcomes, warnings) = store
        .around_commit(keychain, || {
            transaction::commit(files, &backups, &scrubbed, environment.variables.fail_write.as_deref())
        })
        .map_err(around_commit_error)?;
    notices.extend(warnings.into_iter().map(Notice::warning));
    crate::created::run_after_commit(&after_commit);
    // The record is tray-mcp's bookkeeping, not a file the user asked about: not reported.
    let reported = &outcomes[..outcomes.len() - recorded];
    let files = reported
        .iter()
        .zip(owners)
        .map(|(outcome, owner)| FileReport::done(environment, outcome, owner))
        .collect();
    Ok(Report {
        files,
        diffs: Vec::new(),
        notices,
        next_steps: Vec::new(),
        dry_run: false,
    })
}

/// The secrets a commit scrubs from the backups of a file it takes them out of: the command's
/// (old and new tokens, the removed entries' values) and every inline token the files held.
fn secrets_to_scrub(known: &Redactor, planned: &[PlannedFile]) -> Vec<String> {
    let mut secrets = known.clone();
    for before in planned.iter().filter_map(|planned| planned.file.before.as_deref()) {
        secrets.add_inline_tokens_in_text(before);
    }
    secrets.into_secrets()
}

/// Where the previous versions of the files tray-mcp replaces are kept.
pub fn backup_store(environment: &Environment) -> BackupStore {
    BackupStore::new(environment.join(&environment.tray_config_dir(), &["backups"]))
}

/// The planned change of tray-mcp's record of what it created in config files
/// ([`crate::created`]) that the planned client files call for (`None` when there is none), and
/// what is to be done once they are written (empty folders to remove, modes to give back).
fn record_of_created(
    environment: &Environment,
    planned: &[PlannedFile],
) -> Result<(Option<Planned>, Vec<crate::created::AfterCommit>), FileError> {
    let changed_configs: Vec<(&PlannedFile, ClientId)> = planned
        .iter()
        .filter(|planned| planned.file.change != Change::Unchanged)
        .filter_map(|planned| Some((planned, planned.owner.client()?)))
        .collect();
    if changed_configs.is_empty() {
        return Ok((None, Vec::new()));
    }
    // One read of the record serves both what it knows and the plan of its new text.
    let read = own_record_read(environment, &crate::created::record_path(environment));
    let known: crate::created::Created = parsed_record(&read);
    let mut changes = crate::created::RecordChanges::default();
    for (planned, kind) in changed_configs {
        let file = &planned.file;
        let change = crate::created::ConfigChange {
            path: &file.task.path,
            format: kind.client().format(),
            before: file.before.as_deref(),
            after: file.after.as_deref(),
            added_entries: file.task.edit.added_entries(),
            new_folders: new_folders(file),
            tightened_from: tightened_from(file),
            present_before: &file.objects_before,
        };
        changes.add(&change, &known).map_err(|error| FileError {
            role: file.task.role.clone(),
            shown_path: file.task.shown_path.clone(),
            problem: FileProblem::Document(error),
        })?;
    }
    let after_commit = changes.take_after_commit();
    if changes.is_empty() {
        return Ok((None, after_commit));
    }
    let record = transaction::plan_read(changes.task(environment), read)?;
    Ok(((record.change != Change::Unchanged).then_some(record), after_commit))
}

/// The folders writing a new file will create: those on its way that do not exist yet, below
/// the folder it belongs to (the home or the project folder), innermost first.
fn new_folders(file: &Planned) -> Vec<PathBuf> {
    if file.before.is_some() || file.after.is_none() {
        return Vec::new();
    }
    let root = file.task.folder.path();
    file.resolved
        .ancestors()
        .skip(1)
        .take_while(|folder| folder.starts_with(root) && *folder != root && !folder.exists())
        .map(Path::to_path_buf)
        .collect()
}

/// The mode of an existing file that this write makes owner-only, when others could read it.
fn tightened_from(file: &Planned) -> Option<u32> {
    if file.task.privacy != Privacy::OwnerOnly || file.before.is_none() || file.after.is_none() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file.resolved).ok()?.permissions().mode() & 0o7777;
        (mode & 0o077 != 0).then_some(mode)
    }
    #[cfg(not(unix))]
    None
}

/// The planned change of tray-mcp's record of the entries it wrote ([`crate::written`]):
/// every client file the command plans (changed or not: a forced install of an identical entry
/// makes it tray-mcp's); `None` when the record stays as it is.
fn record_of_written(environment: &Environment, planned: &[PlannedFile]) -> Result<Option<Planned>, FileError> {
    let mut files = Vec::new();
    for planned in planned {
        let Some(kind) = planned.owner.client() else { continue };
        let file = &planned.file;
        files.push(crate::written::WrittenFile {
            path: &file.task.path,
            format: kind.client().format(),
            after: file.after.as_deref(),
            set_entries: file.task.edit.added_entries(),
        });
    }
    let read = own_record_read(environment, &crate::written::record_path(environment));
    let known: crate::written::Written = parsed_record(&read);
    let record = crate::written::updated(&known, &files).map_err(|error| FileError {
        role: "tray-mcp record of the entries it wrote".to_string(),
        shown_path: environment.display_path(&crate::written::record_path(environment)),
        problem: FileProblem::Document(error),
    })?;
    if record == known {
        return Ok(None);
    }
    let planned = transaction::plan_read(crate::written::task(environment, record), read)?;
    Ok((planned.change != Change::Unchanged).then_some(planned))
}

/// One of tray-mcp's own records (`created.json`, `written.json`), read once for what it knows
/// and for the plan of its new text.
fn own_record_read(environment: &Environment, path: &Path) -> FileRead {
    FileRead::now(path, &Folder::User(environment.home.clone()))
}

/// What a record read holds; a missing or unreadable one is empty (as `created::load` and
/// `written::load` have it; the commit that writes it reports a broken one).
fn parsed_record<T: serde::de::DeserializeOwned + Default>(read: &FileRead) -> T {
    match &read.text {
        Ok(Some(text)) => serde_json::from_str(text).unwrap_or_default(),
        _ => T::default(),
    }
}

/// Makes the profiles folder, owner-only, when the commit is about to write a profile into it:
/// the commit would otherwise make it with the default mode. A command that writes no profile
/// (bridge, http, a remove of a client entry) leaves tray-mcp's folders alone.
fn make_profiles_folder_private(environment: &Environment, planned: &[PlannedFile]) {
    let writes_profile = planned
        .iter()
        .any(|planned| planned.owner == FileOwner::TrayMcp && planned.file.change != Change::Unchanged);
    if writes_profile {
        crate::config::safe_write::create_private_dir(&profiles::profiles_dir(environment)).ok();
    }
}

/// The command's redactor plus every secret the planned files hold before and after their edit,
/// so a diff hides a rotated token, a replaced entry's token and a neighbour's alike.
pub fn redactor_for(known: &Redactor, planned: &[PlannedFile]) -> Redactor {
    let mut redactor = known.clone();
    for file in planned.iter().map(|planned| &planned.file) {
        for text in [&file.before, &file.after].into_iter().flatten() {
            for secret in file.task.edit.secrets(text) {
                redactor.add(&secret);
            }
        }
    }
    redactor
}

/// The secrets of a client config's text that a diff could show: inline tokens anywhere in it,
/// and the `env` and `headers` values of the entries at `entry_paths`.
pub fn config_secrets(text: &str, format: Format, entry_paths: &[Vec<String>]) -> Vec<String> {
    let mut redactor = Redactor::default();
    redactor.add_inline_tokens_in_text(text);
    if let Ok(document) = crate::config::open(format, text) {
        // One read per container, not per entry: apply asks for thousands in one file.
        for entry in crate::config::batch::values_at(document.as_ref(), entry_paths)
            .into_iter()
            .flatten()
        {
            redactor.add_entry_secrets(&entry);
        }
    }
    redactor.into_secrets()
}

/// The command error for a failed [`TokenStore::around_commit`].
pub fn around_commit_error(error: AroundCommitError<CommitError>) -> CommandError {
    match error {
        AroundCommitError::Commit(error) => error.into(),
        AroundCommitError::Keychain(error) => error.into(),
    }
}

/// The folder a client config of `scope` belongs to: the project folder for project files (which
/// must not lead out of it), else the home directory.
pub fn config_folder(environment: &Environment, scope: Scope) -> Folder {
    match scope {
        Scope::Project => Folder::Project(environment.current_dir.clone()),
        Scope::User | Scope::Local => Folder::User(environment.home.clone()),
    }
}

/// The task that changes one client config.
pub fn config_task(
    environment: &Environment,
    (kind, scope): (ClientId, Scope),
    path: PathBuf,
    privacy: Privacy,
    edit: Box<dyn FileEdit>,
) -> LabeledTask {
    LabeledTask {
        task: FileTask {
            shown_path: environment.display_path(&path),
            path,
            role: config_role(kind),
            privacy,
            backup: true,
            folder: config_folder(environment, scope),
            named_by_others: false,
            edit,
        },
        owner: FileOwner::Client(kind, scope),
    }
}

/// One task per config file holding some of `entries`, with the edit `make_edit` builds from
/// that file's entries.
pub fn tasks_per_file(
    environment: &Environment,
    entries: &[&FoundEntry],
    privacy: Privacy,
    make_edit: impl Fn(&[&FoundEntry]) -> Box<dyn FileEdit>,
) -> Vec<LabeledTask> {
    let mut by_file: BTreeMap<PathBuf, Vec<&FoundEntry>> = BTreeMap::new();
    for entry in entries {
        by_file.entry(entry.path.clone()).or_default().push(entry);
    }
    by_file
        .into_iter()
        .map(|(path, entries)| {
            let first = entries[0];
            config_task(
                environment,
                (first.client, first.scope),
                path,
                privacy,
                make_edit(&entries),
            )
        })
        .collect()
}

/// The Tray entries named `name` in `clients`; an error when there are none, or when an entry
/// of that name is not Tray's (we never touch other servers).
pub fn tray_entries_named<'a>(
    entries: &'a [FoundEntry],
    name: &str,
    clients: &[ClientId],
) -> Result<Vec<&'a FoundEntry>, CommandError> {
    let named: Vec<&FoundEntry> = entries
        .iter()
        .filter(|entry| entry.name == name && clients.contains(&entry.client))
        .collect();
    if let Some(foreign) = named.iter().find(|entry| entry.tray.is_none()) {
        return Err(CommandError::failure(
            format!(
                "the entry \"{name}\" in {} {} is not a Tray entry",
                config_role(foreign.client),
                foreign.shown_path
            ),
            "tray-mcp changes only entries it recognises as Tray's; edit that file by hand",
        ));
    }
    Ok(named)
}

/// Refuses `name` when a profile or any client's entry has the same name in another case.
///
/// Why refuse rather than treat `Prod` and `prod` as one: profiles are files named after the
/// entry, and on the file systems macOS and Windows use by default `profiles/prod.json` *is*
/// `profiles/Prod.json`, so the second install would silently repoint the first entry at
/// another workspace and token. Treating them as one entry would instead rename or merge what
/// the user made on purpose; refusing, with the existing spelling in the message, lets the user
/// pick: reuse that spelling, or choose another name.
pub fn check_case_unique(
    environment: &Environment,
    entries: &[NamedEntry],
    name: &ServerName,
) -> Result<(), CommandError> {
    CaseNames::new(environment, entries).check(name)
}

/// Every profile's and entry's name by its lowercase spelling, read once: [`check_case_unique`]
/// for many names (`apply`) without listing the profiles and every entry again for each.
pub struct CaseNames {
    /// Lowercase name: each spelling and where it is (profiles first, then entries in order).
    by_lowercase: std::collections::HashMap<String, Vec<(String, String)>>,
}

impl CaseNames {
    /// The names of every profile and of `entries`.
    pub fn new(environment: &Environment, entries: &[NamedEntry]) -> Self {
        CaseNames::with_profiles(environment, &profiles::list_names(environment), entries)
    }

    /// The names of the profiles `profiles` (as already listed) and of `entries`: no I/O.
    pub fn with_profiles(environment: &Environment, profiles: &[ServerName], entries: &[NamedEntry]) -> Self {
        let profiles = profiles.iter().map(|profile| {
            let path = environment.display_path(&profiles::profile_path(environment, profile));
            (profile.to_string(), format!("tray-mcp profile {path}"))
        });
        let entries = entries.iter().map(|entry| {
            (
                entry.name.clone(),
                format!("{} {}", config_role(entry.client), entry.shown_path),
            )
        });
        let mut by_lowercase: std::collections::HashMap<String, Vec<(String, String)>> =
            std::collections::HashMap::new();
        for (spelling, place) in profiles.chain(entries) {
            by_lowercase
                .entry(spelling.to_ascii_lowercase())
                .or_default()
                .push((spelling, place));
        }
        CaseNames { by_lowercase }
    }

    /// [`check_case_unique`] of `name`.
    pub fn check(&self, name: &ServerName) -> Result<(), CommandError> {
        let clash = self
            .by_lowercase
            .get(&name.as_str().to_ascii_lowercase())
            .and_then(|spellings| spellings.iter().find(|(spelling, _)| spelling != name.as_str()));
        match clash {
            None => Ok(()),
            Some((existing, place)) => Err(case_clash(name, existing, place)),
        }
    }
}

fn case_clash(name: &ServerName, existing: &str, place: &str) -> CommandError {
    CommandError::failure(
        format!("the name \"{name}\" differs only in case from \"{existing}\" in {place}"),
        format!(
            "names are compared ignoring case (on macOS and Windows `{existing}` and `{name}` would be one profile file): use \"{existing}\" to change that entry, or choose another name"
        ),
    )
}

/// Every entry in every client; an error (naming the file and position) when any config file
/// cannot be read, because a changing command must not act on a partial picture.
pub fn readable_inventory(environment: &Environment) -> Result<Inventory, CommandError> {
    let mut inventory = take_inventory(environment, ClientId::all());
    if inventory.problems.is_empty() {
        return Ok(inventory);
    }
    Err(inventory.problems.swap_remove(0).into())
}

/// The task that writes or deletes the tray-mcp profile `name`.
pub fn profile_task(environment: &Environment, name: &ServerName, edit: Box<dyn FileEdit>) -> LabeledTask {
    let path = profiles::profile_path(environment, name);
    LabeledTask {
        task: FileTask {
            shown_path: environment.display_path(&path),
            path,
            role: "tray-mcp profile".to_string(),
            privacy: Privacy::OwnerOnly,
            // A backup of a profile would be one more copy of the token.
            backup: false,
            folder: Folder::User(environment.home.clone()),
            named_by_others: true,
            edit,
        },
        owner: FileOwner::TrayMcp,
    }
}

/// The token a profile file's text holds (for redaction; `None` when it holds none or does not
/// parse).
fn profile_secrets(text: &str) -> Vec<String> {
    profiles::parse(text)
        .ok()
        .and_then(|profile| profile.api_token)
        .map(|token| vec![token.expose().to_string()])
        .unwrap_or_default()
}

/// Writes a profile file (unchanged when it already holds the same values).
pub struct WriteProfile {
    /// The profile to write.
    pub profile: Profile,
}

impl FileEdit for WriteProfile {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let change = match current.map(profiles::parse) {
            None => Change::Added,
            Some(Ok(existing)) if existing == self.profile => Change::Unchanged,
            Some(_) => Change::Updated,
        };
        Ok(Edited {
            contents: Some(profiles::render(&self.profile)),
            change,
        })
    }

    fn secrets(&self, text: &str) -> Vec<String> {
        profile_secrets(text)
    }
}

/// Deletes a profile file (one no entry uses any more, or one renamed).
pub struct DeleteProfile;

impl FileEdit for DeleteProfile {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        Ok(Edited {
            contents: None,
            change: if current.is_some() {
                Change::Removed
            } else {
                Change::Unchanged
            },
        })
    }

    fn secrets(&self, text: &str) -> Vec<String> {
        profile_secrets(text)
    }
}
