//! What a command read of each file before planning, so that every check and the plan that
//! then edits the file start from one read: Claude Code's state file can be tens of megabytes,
//! and a check that reads every client's config (names that differ only in case) would
//! otherwise read the files the plan edits a second time.
//!
//! A [`FileRead`] holds everything planning asks of the file system about one file (where a
//! link leads, whether a project file leads out of the project, its fingerprint, its text,
//! whether it is read-only), so that [`super::transaction::plan_read`] plans an edit from it
//! without any I/O, and a test can plan from text held in memory ([`FileRead::in_memory`]).
//! The commit's "changed since it was read?" check compares against this read.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::safe_write::{self, Fingerprint};
use super::transaction::{FileProblem, Folder, read_text};

/// One file as this command first read it.
#[derive(Debug)]
pub struct FileRead {
    /// The real file behind any symlink.
    pub resolved: PathBuf,
    /// Whether a symlink on the way leads to it.
    pub through_link: bool,
    /// For a project file that leads out of its project: where it leads, and the project.
    /// Such a file is not read.
    pub outside_project: Option<(PathBuf, PathBuf)>,
    /// Size, times and inode when it was read (taken before the bytes, so a change in between
    /// shows at commit time).
    pub fingerprint: Option<Fingerprint>,
    /// Its text (`None`: missing), or why it could not be read.
    pub text: Result<Option<String>, FileProblem>,
    /// Whether its owner may not write it.
    pub read_only: bool,
    /// Key paths of objects a skim of `text` found (the servers objects the name check looked
    /// at): what the created-container record then knows existed without skimming again.
    pub objects: Vec<Vec<String>>,
}

impl FileRead {
    /// Reads the file at `path` (named as its task names it) that belongs to `folder`, as the
    /// plan reads it: the link followed, then its fingerprint, then its bytes.
    pub fn now(path: &Path, folder: &Folder) -> FileRead {
        let (resolved, through_link) = safe_write::resolve_below(path, folder.path());
        let outside_project = match folder {
            Folder::Project(project) if !safe_write::resolves_within(&resolved, project) => Some((
                safe_write::real_path(&resolved).unwrap_or_else(|| resolved.clone()),
                project.clone(),
            )),
            _ => None,
        };
        if outside_project.is_some() {
            return FileRead {
                resolved,
                through_link,
                outside_project,
                fingerprint: None,
                text: Ok(None),
                read_only: false,
                objects: Vec::new(),
            };
        }
        let (fingerprint, text, read_only) = match read_text(&resolved) {
            Ok(Some((text, metadata))) => (
                Some(Fingerprint::from_metadata(&metadata)),
                Ok(Some(text)),
                metadata.permissions().readonly(),
            ),
            Ok(None) => (None, Ok(None), false),
            Err(problem) => (Fingerprint::of(&resolved), Err(problem), false),
        };
        FileRead {
            resolved,
            through_link,
            outside_project,
            fingerprint,
            text,
            read_only,
            objects: Vec::new(),
        }
    }

    /// A file at `path` holding `text` (`None`: missing), as if just read: a plan built on it
    /// touches no file (the unit tests of the install plan).
    pub fn in_memory(path: &Path, text: Option<&str>) -> FileRead {
        FileRead {
            resolved: path.to_path_buf(),
            through_link: false,
            outside_project: None,
            fingerprint: None,
            text: Ok(text.map(str::to_string)),
            read_only: false,
            objects: Vec::new(),
        }
    }
}

/// The files this command has read, by path as their tasks name them, and the files its plan
/// will edit (with the folder each belongs to).
#[derive(Default)]
pub struct FileReads {
    files: HashMap<PathBuf, FileRead>,
    planned: HashMap<PathBuf, Folder>,
}

impl FileReads {
    /// Reads for a command that will plan edits of `paths`, each in its folder.
    pub fn planning(paths: impl IntoIterator<Item = (PathBuf, Folder)>) -> Self {
        FileReads {
            files: HashMap::new(),
            planned: paths.into_iter().collect(),
        }
    }

    /// Whether the plan will edit the file at `path`, so reading it whole now saves a read later.
    pub fn is_planned(&self, path: &Path) -> bool {
        self.planned.contains_key(path)
    }

    /// The text of the planned file at `path` (`None` when it is missing or cannot be read), read
    /// now unless this command already has. A file that cannot be read keeps its problem for the
    /// plan to report.
    pub fn text(&mut self, path: &Path) -> Option<&str> {
        if !self.files.contains_key(path) {
            let folder = self
                .planned
                .get(path)
                .cloned()
                .unwrap_or_else(|| Folder::User(path.parent().map(Path::to_path_buf).unwrap_or_default()));
            self.files.insert(path.to_path_buf(), FileRead::now(path, &folder));
        }
        self.files
            .get(path)
            .and_then(|read| read.text.as_ref().ok())
            .and_then(Option::as_deref)
    }

    /// Reads every planned file not read yet.
    pub fn read_planned(&mut self) {
        let paths: Vec<PathBuf> = self.planned.keys().cloned().collect();
        for path in paths {
            self.text(&path);
        }
    }

    /// Notes the objects a skim of the file at `path` found in the text read (see
    /// [`FileRead::objects`]).
    pub fn note_objects(&mut self, path: &Path, objects: impl IntoIterator<Item = Vec<String>>) {
        if let Some(read) = self.files.get_mut(path) {
            read.objects.extend(objects);
        }
    }

    /// Keeps `read` as what the file at `path` holds (a snapshot built in memory).
    pub fn insert(&mut self, path: PathBuf, read: FileRead) {
        self.files.insert(path, read);
    }

    /// The read of the file at `path`, handed to the plan (which then owns it).
    pub fn take(&mut self, path: &Path) -> Option<FileRead> {
        self.files.remove(path)
    }
}
