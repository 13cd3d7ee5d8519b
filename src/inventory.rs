//! Finding every MCP server entry in every client's config, in every scope.
//!
//! Why a module: `list`, `remove`, `rename`, `token`, `doctor` and the wizard all start from the same
//! question: which entries exist, where, and which of them are Tray's. Each config file is read
//! once; Claude Code's per-project servers in `~/.claude.json` are found in one pass however
//! many projects it holds.

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde_json::Value;

use crate::clients::ownership::is_ours;
use crate::clients::{ClientId, RecognizedEntry, Scope};
use crate::config::transaction::{FileError, FileProblem, FileReads};
use crate::config::{ConfigDocument, format};
use crate::paths::Environment;

/// One server entry found in a config file.
#[derive(Debug, Clone)]
pub struct FoundEntry {
    /// The entry's name (its key).
    pub name: String,
    /// Which client's config holds it.
    pub client: ClientId,
    /// Which scope.
    pub scope: Scope,
    /// For Claude Code's local scope: the project directory.
    pub project: Option<String>,
    /// The config file.
    pub path: PathBuf,
    /// The file as shown to the user.
    pub shown_path: String,
    /// The keys leading to the servers object that holds it.
    pub servers_key: Vec<String>,
    /// The entry's JSON.
    pub value: Value,
    /// What it is, when it is a Tray entry.
    pub tray: Option<RecognizedEntry>,
    /// A Tray entry tray-mcp wrote (or adopted), so tray-mcp's to replace, prune and uninstall: by
    /// shape or by its record ([`crate::clients::ownership`]). A Tray entry that is not is
    /// "adoptable".
    pub ours: bool,
    /// Whether its file is one of the client's entry files (a file of its own, deleted with its
    /// last entry and moved by a rename; see [`crate::clients::EntryFiles`]).
    pub in_entry_file: bool,
}

/// Everything found, and the files that could not be read.
#[derive(Debug, Default)]
pub struct Inventory {
    /// The entries, in client, scope and file order.
    pub entries: Vec<FoundEntry>,
    /// Config files that exist but could not be read or parsed.
    pub problems: Vec<FileError>,
}

impl FoundEntry {
    /// The keys leading to the entry itself: its servers object's, then its name.
    pub fn entry_path(&self) -> Vec<String> {
        entry_path(&self.servers_key, &self.name)
    }
}

/// The keys leading to the entry `name` in the servers object at `servers_key`.
pub fn entry_path(servers_key: &[String], name: &str) -> Vec<String> {
    let mut path = servers_key.to_vec();
    path.push(name.to_string());
    path
}

/// One entry's name and the file that holds it: what the name checks need of an entry.
#[derive(Debug, Clone)]
pub struct NamedEntry {
    /// The entry's name (its key).
    pub name: String,
    /// Which client's config holds it.
    pub client: ClientId,
    /// The config file.
    pub path: PathBuf,
    /// The file as shown to the user.
    pub shown_path: String,
}

/// The role of a client's config file in messages: "Cursor config".
pub fn config_role(kind: ClientId) -> String {
    format!("{} config", kind.client().display_name())
}

impl Inventory {
    /// Only the Tray entries.
    pub fn tray_entries(&self) -> impl Iterator<Item = &FoundEntry> {
        self.entries.iter().filter(|entry| entry.tray.is_some())
    }

    /// Only the Tray entries tray-mcp wrote (or adopted): the ones `apply --prune` and
    /// `uninstall --all` may take out.
    pub fn our_entries(&self) -> impl Iterator<Item = &FoundEntry> {
        self.entries.iter().filter(|entry| entry.ours)
    }

    /// The names of every entry, with their files.
    pub fn names(&self) -> Vec<NamedEntry> {
        self.entries
            .iter()
            .map(|entry| NamedEntry {
                name: entry.name.clone(),
                client: entry.client,
                path: entry.path.clone(),
                shown_path: entry.shown_path.clone(),
            })
            .collect()
    }
}

/// The names of every entry of `clients` in every scope (project scopes in the current
/// directory), without their values, each file in one pass however many scopes and projects it
/// holds. A file the plan will edit is read whole into `reads` (which the plan takes over); any
/// other is skimmed a buffer at a time and never held in memory. A file that cannot be read or
/// parsed is left out, as [`take_inventory`] leaves it to its `problems`.
///
/// Why not [`take_inventory`]: install checks a new name against every client's entries, and
/// Claude Code's `~/.claude.json` beside a Cursor install may be 20 MB; reading each entry's
/// value and checking the whole file's syntax cost 60 ms there, for names only.
pub fn entry_names(environment: &Environment, clients: &[ClientId], reads: &mut FileReads) -> Vec<NamedEntry> {
    let mut names = Vec::new();
    for kind in clients {
        let format = kind.client().format();
        for (path, patterns) in servers_objects(environment, *kind) {
            let patterns: Vec<Vec<&str>> = patterns
                .iter()
                .map(|pattern| pattern.iter().map(String::as_str).collect())
                .collect();
            let patterns: Vec<&[&str]> = patterns.iter().map(Vec::as_slice).collect();
            // A file the plan edits is read whole once, for both; any other is only skimmed.
            let found = if reads.is_planned(&path) {
                let found = reads
                    .text(&path)
                    .and_then(|text| format::keys_matching(format, text, &patterns).ok());
                // The same skim says which servers objects exist: the created-container record
                // needs no pass of its own.
                if let Some(found) = &found {
                    reads.note_objects(&path, found.iter().map(|(at, _)| at.clone()));
                }
                found
            } else {
                format::keys_matching_in_file(format, &path, &patterns).ok().flatten()
            };
            let Some(found) = found else { continue };
            let shown_path = environment.display_path(&path);
            names.extend(found.into_iter().flat_map(|(_, keys)| keys).map(|name| NamedEntry {
                name,
                client: *kind,
                path: path.clone(),
                shown_path: shown_path.clone(),
            }));
        }
    }
    names
}

/// Per config file of a client, the key paths of its servers' objects in every scope (`*`
/// standing for any project directory in Claude Code's local scope).
fn servers_objects(environment: &Environment, kind: ClientId) -> Vec<(PathBuf, Vec<Vec<String>>)> {
    let client = kind.client();
    let mut files: Vec<(PathBuf, Vec<Vec<String>>)> = Vec::new();
    for &scope in client.scopes() {
        for location in client.config_files(environment, scope) {
            let pattern = match (scope, client.local_servers_pattern()) {
                (Scope::Local, Some(pattern)) => pattern.iter().map(|key| (*key).to_string()).collect(),
                (Scope::Local, None) => continue,
                _ => location.servers_key,
            };
            match files.iter_mut().find(|(path, _)| *path == location.path) {
                Some((_, patterns)) if patterns.contains(&pattern) => {}
                Some((_, patterns)) => patterns.push(pattern),
                None => files.push((location.path, vec![pattern])),
            }
        }
    }
    files
}

/// Reads the configs of `clients` (all scopes; project scopes in the current directory).
pub fn take_inventory(environment: &Environment, clients: &[ClientId]) -> Inventory {
    let mut inventory = Inventory::default();
    let mut texts: HashMap<PathBuf, Option<Box<dyn ConfigDocument>>> = HashMap::new();
    // Run from the home folder, a client's project file can be its user file (Cursor's
    // `~/.cursor/mcp.json`): its servers are listed once, under the first scope.
    let mut listed: HashSet<(&'static str, PathBuf, Vec<String>)> = HashSet::new();
    let written = crate::written::load(environment);
    for kind in clients {
        let client = kind.client();
        for &scope in client.scopes() {
            for location in client.config_files(environment, scope) {
                let shown_path = environment.display_path(&location.path);
                let document = texts
                    .entry(location.path.clone())
                    .or_insert_with(|| read_document(*kind, &location.path, &shown_path, &mut inventory.problems));
                let Some(document) = document.as_deref() else { continue };
                let place = Place {
                    client: *kind,
                    path: &location.path,
                    shown_path: &shown_path,
                    in_entry_file: client.is_entry_file(environment, scope, &location.path),
                    written: &written,
                };
                match (scope, client.local_servers_pattern()) {
                    (Scope::Local, Some(pattern)) => collect_local(&place, document, pattern, &mut inventory),
                    (Scope::Local, None) => {}
                    _ => {
                        if !listed.insert((kind.id(), location.path.clone(), location.servers_key.clone())) {
                            continue;
                        }
                        let keys: Vec<&str> = location.servers_key.iter().map(String::as_str).collect();
                        match document.members(&keys) {
                            Ok(members) => place.push_all(scope, None, &location.servers_key, members, &mut inventory),
                            Err(error) => inventory.problems.push(place.error(error.into())),
                        }
                    }
                }
            }
        }
    }
    inventory
}

struct Place<'a> {
    client: ClientId,
    path: &'a PathBuf,
    shown_path: &'a str,
    in_entry_file: bool,
    written: &'a crate::written::Written,
}

impl Place<'_> {
    fn push_all(
        &self,
        scope: Scope,
        project: Option<String>,
        servers_key: &[String],
        members: Vec<(String, Value)>,
        inventory: &mut Inventory,
    ) {
        for (name, value) in members {
            let tray = self.client.client().recognize(&value);
            let recorded = self.written.has(self.path, &entry_path(servers_key, &name));
            let ours = is_ours(&value, tray.as_ref(), recorded);
            inventory.entries.push(FoundEntry {
                tray,
                ours,
                name,
                client: self.client,
                scope,
                project: project.clone(),
                path: self.path.clone(),
                shown_path: self.shown_path.to_string(),
                servers_key: servers_key.to_vec(),
                value,
                in_entry_file: self.in_entry_file,
            });
        }
    }

    fn error(&self, problem: FileProblem) -> FileError {
        FileError {
            role: config_role(self.client),
            shown_path: self.shown_path.to_string(),
            problem,
        }
    }
}

fn collect_local(place: &Place, document: &dyn ConfigDocument, pattern: &[&str], inventory: &mut Inventory) {
    match document.members_matching(pattern) {
        Ok(found) => {
            for (keys, members) in found {
                let project = keys.get(1).cloned();
                place.push_all(Scope::Local, project, &keys, members, inventory);
            }
        }
        Err(error) => inventory.problems.push(place.error(error.into())),
    }
}

fn read_document(
    kind: ClientId,
    path: &std::path::Path,
    shown_path: &str,
    problems: &mut Vec<FileError>,
) -> Option<Box<dyn ConfigDocument>> {
    // `read_if_exists` reads into a buffer that a 20 MB file fills without a page fault per 4 KiB.
    let problem = match crate::config::safe_write::read_if_exists(path) {
        Ok(None) => return None,
        Ok(Some(bytes)) => match String::from_utf8(bytes) {
            Ok(text) => match crate::config::open(kind.client().format(), &text) {
                Ok(document) => return Some(document),
                Err(error) => error.into(),
            },
            Err(_) => FileProblem::NotUtf8,
        },
        Err(error) => FileProblem::Io(error),
    };
    problems.push(FileError {
        role: config_role(kind),
        shown_path: shown_path.to_string(),
        problem,
    });
    None
}
