//! Changing several files as one step: all or nothing.
//!
//! Why: one install can touch five clients' configs and a profile. If the fourth file turns
//! out to be broken, the first three must not have been written; if writing the fourth fails,
//! the first three are put back. So every file is first *planned* (read, edited in memory),
//! and only when every plan succeeded are they *committed*: locked (in a fixed order, so two
//! runs never deadlock), re-read under the lock and edited again if another process changed
//! them meanwhile, then written one by one, with rollback on failure.

use std::ffi::OsStr;
use std::fmt;
use std::path::{Path, PathBuf};

use super::document::{Change, DocumentError};
pub use super::file_reads::{FileRead, FileReads};
use super::safe_write::{self, BackupStore, FileLock, Privacy, StagedWrite};

/// The result of editing a file's text in memory.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The new text; `None` means the file is to be deleted.
    pub contents: Option<String>,
    /// What the edit did.
    pub change: Change,
}

/// An edit of one file's text. It is run at plan time and again under the lock if the file
/// changed in between, so it must depend only on the text it is given.
pub trait FileEdit {
    /// Computes the new text from the current one (`None` when the file does not exist).
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem>;

    /// The secrets `text` (this file's text before or after the edit) holds where a diff of it
    /// could show them; every diff hides them. Default: none.
    fn secrets(&self, _text: &str) -> Vec<String> {
        Vec::new()
    }

    /// The key paths of the entries this edit sets in a client's config, so the commit can
    /// record the containers (and the file) it brings into being (`crate::created`). Default:
    /// none.
    fn added_entries(&self) -> Vec<Vec<String>> {
        Vec::new()
    }
}

/// The folder a file belongs to, which decides where a symlink on its path may lead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Folder {
    /// The user's own file, under this folder (the home directory): a link may lead anywhere,
    /// since dotfile managers link configs into a repository; the report names the real file.
    User(PathBuf),
    /// A file of the project in this folder. Project files come from repositories the user may
    /// not trust, so the file, and every folder on its path, must resolve inside the project: a
    /// cloned `.mcp.json` linked to `../.config/otherapp/settings.json` is refused, not followed.
    Project(PathBuf),
}

impl Folder {
    /// The folder itself.
    pub fn path(&self) -> &Path {
        match self {
            Folder::User(path) | Folder::Project(path) => path,
        }
    }
}

/// One file to change.
pub struct FileTask {
    /// The file as the client names it (may be a symlink).
    pub path: PathBuf,
    /// The path as shown to the user (`~/.cursor/mcp.json`).
    pub shown_path: String,
    /// What the file is, for messages: "Cursor config".
    pub role: String,
    /// Who may read it afterwards.
    pub privacy: Privacy,
    /// Whether the previous version is backed up before it is replaced.
    pub backup: bool,
    /// The folder it belongs to (where links on its path may lead).
    pub folder: Folder,
    /// Other files of the commit name this one (a profile that entries launch): it is written
    /// before them and deleted after them, so a crash between two renames never leaves an entry
    /// pointing at a profile that does not exist.
    pub named_by_others: bool,
    /// The change to make.
    pub edit: Box<dyn FileEdit>,
}

/// A file after planning: what it holds now and what it will hold.
pub struct Planned {
    /// The task.
    pub task: FileTask,
    /// The real file behind any symlink.
    pub resolved: PathBuf,
    /// Whether a symlink leads to it (then reports name `resolved`, the file that changes).
    pub through_link: bool,
    /// Size, times and inode of the file when it was read.
    pub fingerprint: Option<safe_write::Fingerprint>,
    /// Its text now (`None`: missing).
    pub before: Option<String>,
    /// Key paths of objects known to exist in `before` (found by the read's skim; empty when
    /// nothing is known): see [`FileRead::objects`].
    pub objects_before: Vec<Vec<String>>,
    /// The planned text (`None`: delete).
    pub after: Option<String>,
    /// What the change is.
    pub change: Change,
    /// The file the write replaces, as the read under the lock found it.
    pub replaced: safe_write::Replaced,
}

/// What happened to one file.
#[derive(Debug, Clone)]
pub struct Outcome {
    /// The file as the client names it.
    pub path: PathBuf,
    /// The path as shown to the user.
    pub shown_path: String,
    /// The file's role.
    pub role: String,
    /// What changed.
    pub change: Change,
    /// Where the previous version was saved, if it was.
    pub backup: Option<PathBuf>,
    /// The real file that changed, when a symlink led to it.
    pub real_path: Option<PathBuf>,
}

/// Why a file could not be planned or written.
#[derive(Debug)]
pub enum FileProblem {
    /// The text does not parse, or has the wrong shape where we edit.
    Document(DocumentError),
    /// The file is not UTF-8 text.
    NotUtf8,
    /// The file has no write permission for its owner.
    ReadOnly,
    /// A project file (or a folder on its path) is a link leading out of the project.
    OutsideProject {
        /// Where it leads.
        real: PathBuf,
        /// The project folder.
        project: PathBuf,
    },
    /// Reading, writing or locking failed.
    Io(std::io::Error),
    /// The edit would change something that is not the command's to change.
    Refused {
        /// What is there, after the file's role and path ("already has ...").
        what: String,
        /// What the user can do about it.
        hint: String,
    },
}

/// A file problem with the file it concerns.
#[derive(Debug)]
pub struct FileError {
    /// The file's role: "Cursor config".
    pub role: String,
    /// The path as shown to the user.
    pub shown_path: String,
    /// What went wrong.
    pub problem: FileProblem,
}

impl fmt::Display for FileError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let FileError {
            role,
            shown_path,
            problem,
        } = self;
        match problem {
            FileProblem::Document(DocumentError::Syntax { line, column, message }) => {
                write!(
                    formatter,
                    "could not parse {role} {shown_path} at {line}:{column}: {message}"
                )
            }
            FileProblem::Document(DocumentError::Unsupported { what, line, column, .. }) => {
                write!(formatter, "cannot edit {role} {shown_path} at {line}:{column}: {what}")
            }
            FileProblem::Document(error) => write!(formatter, "cannot edit {role} {shown_path}: {error}"),
            FileProblem::NotUtf8 => write!(formatter, "could not read {role} {shown_path}: it is not UTF-8 text"),
            FileProblem::ReadOnly => write!(formatter, "{role} {shown_path} is read-only"),
            FileProblem::OutsideProject { real, project } => write!(
                formatter,
                "{role} {shown_path} leads outside the project folder {}: it resolves to {}",
                project.display(),
                real.display()
            ),
            FileProblem::Io(error) => match safe_write::Unreadable::of(error) {
                Some(refusal) => write!(formatter, "could not read {role} {shown_path}: {refusal}"),
                None if safe_write::is_disk_full(error) => {
                    write!(
                        formatter,
                        "could not write {role} {shown_path}: the disk is full ({error})"
                    )
                }
                None => write!(formatter, "could not access {role} {shown_path}: {error}"),
            },
            FileProblem::Refused { what, .. } => write!(formatter, "{role} {shown_path} {what}"),
        }
    }
}

impl std::error::Error for FileError {}

impl FileError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match &self.problem {
            FileProblem::Document(DocumentError::Syntax { .. }) => {
                "fix the file at that position (or move it aside) and run the command again; no file was changed"
                    .to_string()
            }
            FileProblem::Document(DocumentError::WrongType { .. }) => {
                "fix that key by hand and run the command again; no file was changed".to_string()
            }
            FileProblem::Document(DocumentError::Unsupported { hint, .. }) => {
                format!("{hint}; no file was changed")
            }
            FileProblem::NotUtf8 => "save the file as UTF-8 and run the command again; no file was changed".to_string(),
            FileProblem::ReadOnly => format!(
                "tray-mcp leaves read-only files alone; make it writable (chmod u+w {}) to let it change the file; no file was changed",
                self.shown_path
            ),
            FileProblem::OutsideProject { .. } => format!(
                "tray-mcp writes a project file only inside the project (a cloned repository can link it to any of your files); replace the links on the way to {} with a regular file and folders, or use --scope user; no file was changed",
                self.shown_path
            ),
            FileProblem::Io(error) => match safe_write::Unreadable::of(error) {
                Some(refusal) => format!("{}; no file was changed", refusal.hint()),
                None if safe_write::is_disk_full(error) => {
                    "free some space on that disk (or raise your quota) and run the command again; no file was changed"
                        .to_string()
                }
                None => "check the permissions of the file and its folder; no file was changed".to_string(),
            },
            FileProblem::Refused { hint, .. } => format!("{hint}; no file was changed"),
        }
    }
}

/// A [`commit`] that failed: why, and which files written before the failure could not be
/// put back (the library prints nothing; the command reports these).
#[derive(Debug)]
pub struct CommitError {
    /// The failure that stopped the commit (boxed: a `FileError` is large, and this travels
    /// through every `Result` of the commit).
    pub error: Box<FileError>,
    /// One message per file that stayed changed although the commit failed.
    pub unrestored: Vec<String>,
}

impl From<FileError> for CommitError {
    fn from(error: FileError) -> Self {
        CommitError {
            error: Box::new(error),
            unrestored: Vec::new(),
        }
    }
}

impl From<DocumentError> for FileProblem {
    fn from(error: DocumentError) -> Self {
        FileProblem::Document(error)
    }
}

fn file_error(task: &FileTask, problem: FileProblem) -> FileError {
    FileError {
        role: task.role.clone(),
        shown_path: task.shown_path.clone(),
        problem,
    }
}

/// A config's text (`None`: missing), with the metadata of the file as opened for reading (its
/// fingerprint and write bit, without a `stat` of the path before or after).
pub(super) fn read_text(path: &Path) -> Result<Option<(String, std::fs::Metadata)>, FileProblem> {
    match safe_write::read_with_metadata(path).map_err(FileProblem::Io)? {
        None => Ok(None),
        Some((bytes, metadata)) => match String::from_utf8(bytes) {
            Ok(text) => Ok(Some((text, metadata))),
            Err(_) => Err(FileProblem::NotUtf8),
        },
    }
}

/// Reads and edits every file in memory. Nothing is written.
pub fn plan(tasks: Vec<FileTask>) -> Result<Vec<Planned>, FileError> {
    plan_with(tasks, &mut FileReads::default())
}

/// [`plan`], taking over what `reads` already holds of the files instead of reading them again.
pub fn plan_with(tasks: Vec<FileTask>, reads: &mut FileReads) -> Result<Vec<Planned>, FileError> {
    tasks
        .into_iter()
        .map(|task| {
            let read = reads
                .take(&task.path)
                .unwrap_or_else(|| FileRead::now(&task.path, &task.folder));
            plan_read(task, read)
        })
        .collect()
}

/// Plans one task from what was read of its file: the edit made in memory, no I/O. The checks
/// come in the order a reader meets them: a project file leading out of the project, a file that
/// could not be read, the edit's own refusal, a read-only file the edit would change.
pub fn plan_read(task: FileTask, read: FileRead) -> Result<Planned, FileError> {
    let FileRead {
        resolved,
        through_link,
        outside_project,
        fingerprint,
        text,
        read_only,
        objects,
    } = read;
    if let Some((real, project)) = outside_project {
        return Err(file_error(&task, FileProblem::OutsideProject { real, project }));
    }
    let before = text.map_err(|problem| file_error(&task, problem))?;
    let edited = task
        .edit
        .apply(before.as_deref())
        .map_err(|problem| file_error(&task, problem))?;
    if edited.change != Change::Unchanged && before.is_some() && read_only {
        return Err(file_error(&task, FileProblem::ReadOnly));
    }
    Ok(Planned {
        resolved,
        through_link,
        fingerprint,
        before,
        objects_before: objects,
        after: edited.contents,
        change: edited.change,
        replaced: safe_write::Replaced::Unknown,
        task,
    })
}

/// Writes every planned change under the locks; on any failure, restores what was written.
///
/// Order: back up the old versions, stage every new file beside its target, make them all
/// durable at once, then rename them into place one by one (restoring the renamed ones if a
/// later one fails), and last make the renames durable.
///
/// `secrets` are the secrets the backups of a changed file are scrubbed of when the run takes
/// them out of it. `fail_write` is a test hook (`TRAY_MCP_TEST_FAIL_WRITE`, honoured by debug builds only): the
/// write of the file with that name fails, so tests can check that the files written before it
/// are restored.
pub fn commit(
    planned: Vec<Planned>,
    backups: &BackupStore,
    secrets: &[String],
    fail_write: Option<&OsStr>,
) -> Result<Vec<Outcome>, CommitError> {
    let _signals = safe_write::HoldSignals::new();
    let locks = lock_all(&planned)?;
    safe_write::note_commit();
    let fresh = replan_under_lock(planned)?;
    let changed: Vec<&Planned> = fresh.iter().filter(|file| file.change != Change::Unchanged).collect();
    let mut crew = safe_write::SyncCrew::new();
    let backup_paths = match write_all(&changed, backups, fail_write, &locks, &mut crew) {
        Ok(backup_paths) => backup_paths,
        Err(error) => {
            // Nothing changed: the backups taken for this run must not stay linked to the
            // files it left in place (an editor's in-place write would rewrite them).
            for file in changed.iter().filter(|file| takes_backup(file)) {
                let _ = backups.unshare(&file.resolved);
            }
            return Err(error);
        }
    };
    for file in changed.iter().filter(|file| takes_backup(file)) {
        // Best effort: the run succeeded; a backup that cannot be rewritten keeps the secret
        // until the next run that takes one out of this file (or `uninstall --all`).
        let _ = backups.scrub(&file.resolved, &secrets_gone(file, secrets));
    }
    let mut backup_paths = backup_paths.into_iter();
    Ok(fresh
        .iter()
        .map(|file| Outcome {
            path: file.task.path.clone(),
            shown_path: file.task.shown_path.clone(),
            role: file.task.role.clone(),
            change: file.change,
            backup: if file.change == Change::Unchanged {
                None
            } else {
                backup_paths.next().flatten()
            },
            real_path: file.through_link.then(|| file.resolved.clone()),
        })
        .collect())
}

/// Backs up, stages and renames every changed file (restoring the renamed ones if a later one
/// fails), then makes the renames durable; the backups' paths.
fn write_all(
    changed: &[&Planned],
    backups: &BackupStore,
    fail_write: Option<&OsStr>,
    locks: &[FileLock],
    crew: &mut safe_write::SyncCrew,
) -> Result<Vec<Option<PathBuf>>, CommitError> {
    let backup_paths = changed
        .iter()
        .map(|file| save_backup(file, backups))
        .collect::<Result<Vec<_>, _>>()?;
    let mut staged = stage_all(changed, crew)?;
    let mut written: Vec<&Planned> = Vec::new();
    for index in rename_order(changed) {
        let (file, staged_write) = (changed[index], &mut staged[index]);
        let result = injected_failure(&file.resolved, fail_write).and_then(|()| match staged_write.take() {
            Some(write) => write.commit().map_err(FileProblem::Io),
            None => safe_write::remove_created(&file.resolved).map_err(FileProblem::Io),
        });
        if let Err(problem) = result {
            let unrestored = roll_back(&written);
            return Err(CommitError {
                error: Box::new(file_error(&file.task, problem)),
                unrestored,
            });
        }
        written.push(file);
    }
    let mut directories: Vec<PathBuf> = written
        .iter()
        .filter_map(|file| file.resolved.parent().map(Path::to_path_buf))
        .collect();
    directories.sort();
    directories.dedup();
    safe_write::sync_directories_parallel(&directories, locks, crew);
    Ok(backup_paths)
}

/// The order the changed files are put in place: files that others name (profiles) first when
/// written and last when deleted, the rest as planned.
fn rename_order(changed: &[&Planned]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..changed.len()).collect();
    order.sort_by_key(|index| {
        let file = changed[*index];
        match (file.task.named_by_others, file.after.is_some()) {
            (true, true) => 0,
            (false, _) => 1,
            (true, false) => 2,
        }
    });
    order
}

/// Whether the file's previous version is backed up.
fn takes_backup(file: &Planned) -> bool {
    file.task.backup && file.before.is_some()
}

/// Those of `secrets` (the command's, and every inline token of the files before the run)
/// that the file held before this run and holds no more (a rotated or removed token): its
/// backups are scrubbed of them. A search of the text, not a parse: the file can be Claude
/// Code's state of tens of megabytes.
fn secrets_gone(file: &Planned, secrets: &[String]) -> Vec<String> {
    let Some(before) = &file.before else { return Vec::new() };
    let after = file.after.as_deref().unwrap_or_default();
    secrets
        .iter()
        .filter(|secret| {
            memchr::memmem::find(before.as_bytes(), secret.as_bytes()).is_some()
                && memchr::memmem::find(after.as_bytes(), secret.as_bytes()).is_none()
        })
        .cloned()
        .collect()
}

fn save_backup(file: &Planned, backups: &BackupStore) -> Result<Option<PathBuf>, FileError> {
    if !takes_backup(file) {
        return Ok(None);
    }
    backups
        .save(&file.resolved)
        .map(Some)
        .map_err(|error| file_error(&file.task, FileProblem::Io(error)))
}

/// Writes every new content to a temporary file and fsyncs them all together. Files to delete
/// get `None`. Nothing is in place yet, so a failure here changes no file.
fn stage_all(changed: &[&Planned], crew: &mut safe_write::SyncCrew) -> Result<Vec<Option<StagedWrite>>, FileError> {
    let staged = changed
        .iter()
        .map(|file| match &file.after {
            Some(after) => StagedWrite::new(&file.resolved, after.as_bytes(), file.task.privacy, file.replaced)
                .map(Some)
                .map_err(|error| file_error(&file.task, FileProblem::Io(error))),
            None => Ok(None),
        })
        .collect::<Result<Vec<_>, _>>()?;
    let writes: Vec<&StagedWrite> = staged.iter().flatten().collect();
    safe_write::sync_all_parallel(&writes, crew).map_err(|error| FileError {
        role: "config files".to_string(),
        shown_path: String::new(),
        problem: FileProblem::Io(error),
    })?;
    Ok(staged)
}

/// Locks the folder of every file that changes, each folder once, in path order (so two runs
/// never wait on each other in a circle).
fn lock_all(planned: &[Planned]) -> Result<Vec<FileLock>, FileError> {
    let mut order: Vec<(PathBuf, &Planned)> = planned
        .iter()
        .filter(|file| file.change != Change::Unchanged)
        .map(|file| (FileLock::scope(&file.resolved), file))
        .collect();
    order.sort_by(|left, right| left.0.cmp(&right.0));
    order.dedup_by(|left, right| left.0 == right.0);
    order
        .into_iter()
        .map(|(folder, file)| {
            let lock = FileLock::acquire(&folder).map_err(|error| file_error(&file.task, FileProblem::Io(error)))?;
            // Under the folder's lock no other run is staging here: what is staged is a crash's.
            safe_write::remove_stale_staged(&folder);
            Ok(lock)
        })
        .collect()
}

/// Re-reads each file under its lock; if another process changed it since planning, the edit
/// is made again on the new text, so concurrent runs never lose each other's entries.
fn replan_under_lock(planned: Vec<Planned>) -> Result<Vec<Planned>, FileError> {
    planned
        .into_iter()
        .map(|mut file| {
            if file.change == Change::Unchanged {
                return Ok(file);
            }
            if file.before.as_ref().is_some_and(|before| before.len() > LARGE_FILE)
                && file.fingerprint.is_some()
                && let Ok(metadata) = std::fs::metadata(&file.resolved)
                && Some(safe_write::Fingerprint::from_metadata(&metadata)) == file.fingerprint
            {
                // A large file (Claude Code's state) whose size, times and inode are as they
                // were: not read again, which would cost as much as the edit itself. The one
                // `stat` that says so also gives its write bit and mode.
                file.replaced = safe_write::Replaced::from_metadata(Some(&metadata));
                return check_writable(file, metadata.permissions().readonly());
            }
            let (current, metadata) =
                match read_text(&file.resolved).map_err(|problem| file_error(&file.task, problem))? {
                    Some((text, metadata)) => (Some(text), Some(metadata)),
                    None => (None, None),
                };
            if current != file.before {
                let edited = file
                    .task
                    .edit
                    .apply(current.as_deref())
                    .map_err(|problem| file_error(&file.task, problem))?;
                file.before = current;
                file.objects_before.clear();
                file.after = edited.contents;
                file.change = edited.change;
            }
            let read_only = metadata
                .as_ref()
                .is_some_and(|metadata| metadata.permissions().readonly());
            file.replaced = safe_write::Replaced::from_metadata(metadata.as_ref());
            check_writable(file, read_only)
        })
        .collect()
}

/// Files above this size are checked for changes by their metadata rather than re-read.
const LARGE_FILE: usize = 1 << 20;

/// Refuses to change a file whose owner may not write it (`read_only`, as the locked read saw it).
fn check_writable(file: Planned, read_only: bool) -> Result<Planned, FileError> {
    if file.change != Change::Unchanged && file.before.is_some() && read_only {
        return Err(file_error(&file.task, FileProblem::ReadOnly));
    }
    Ok(file)
}

/// The test hook of [`commit`]: fails the write of the file named `fail_write`.
fn injected_failure(path: &Path, fail_write: Option<&OsStr>) -> Result<(), FileProblem> {
    if cfg!(debug_assertions) && fail_write.is_some() && path.file_name() == fail_write {
        return Err(FileProblem::Io(std::io::Error::other("injected write failure (test)")));
    }
    Ok(())
}

/// Puts back the files already written in this run (best effort: we are already failing), and
/// says which could not be put back.
fn roll_back(written: &[&Planned]) -> Vec<String> {
    let mut unrestored = Vec::new();
    for file in written.iter().rev() {
        let restored = match &file.before {
            Some(before) => safe_write::atomic_write(&file.resolved, before.as_bytes(), Privacy::Ordinary),
            None => safe_write::remove_created(&file.resolved),
        };
        if let Err(error) = restored {
            unrestored.push(format!(
                "could not restore {} {} after a failed write: {error}",
                file.task.role, file.task.shown_path
            ));
        }
    }
    unrestored
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Keep;

    impl FileEdit for Keep {
        fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
            Ok(Edited {
                contents: current.map(str::to_string),
                change: Change::Unchanged,
            })
        }
    }

    fn planned(name: &str, named_by_others: bool, after: Option<&str>) -> Planned {
        Planned {
            task: FileTask {
                path: PathBuf::from(name),
                shown_path: name.to_string(),
                role: name.to_string(),
                privacy: Privacy::Ordinary,
                backup: false,
                folder: Folder::User(PathBuf::from("/")),
                named_by_others,
                edit: Box::new(Keep),
            },
            resolved: PathBuf::from(name),
            through_link: false,
            fingerprint: None,
            before: None,
            objects_before: Vec::new(),
            after: after.map(str::to_string),
            change: Change::Updated,
            replaced: safe_write::Replaced::Unknown,
        }
    }

    #[test]
    fn profiles_are_written_before_the_configs_that_name_them_and_deleted_after() {
        let install = [
            planned("config", false, Some("{}")),
            planned("profile", true, Some("{}")),
        ];
        let install: Vec<&Planned> = install.iter().collect();
        assert_eq!(rename_order(&install), vec![1, 0]);
        let remove = [planned("profile", true, None), planned("config", false, Some("{}"))];
        let remove: Vec<&Planned> = remove.iter().collect();
        assert_eq!(rename_order(&remove), vec![1, 0]);
    }

    #[cfg(unix)]
    #[test]
    fn a_full_disk_says_so_and_hints_to_free_space() {
        for errno in [libc::ENOSPC, libc::EDQUOT] {
            let error = FileError {
                role: "Cursor config".to_string(),
                shown_path: "~/.cursor/mcp.json".to_string(),
                problem: FileProblem::Io(std::io::Error::from_raw_os_error(errno)),
            };
            assert!(
                error
                    .to_string()
                    .starts_with("could not write Cursor config ~/.cursor/mcp.json: the disk is full"),
                "{error}"
            );
            assert!(error.hint().starts_with("free some space"), "{}", error.hint());
            assert!(!error.hint().contains("permissions"));
        }
    }
}
