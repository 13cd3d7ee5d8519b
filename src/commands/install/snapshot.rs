//! Install's reading step: everything an install plans from, read once into one value
//! ([`InstallSnapshot`]), so that [`super::plan::plan`] is a pure function of the request and
//! the snapshot, and the commit then re-reads under the lock as it always did.
//!
//! Why: the profile was loaded by each question asked of it (the sign-in notes, the kept
//! gateway, the tool filter, the approvals, the token location), 6–7 opens of one file per
//! `tray-mcp -w … -c cursor`; now it is one read, which the profile's own file plan takes over.
//! Each client file the install edits is read whole once, and that read serves the case check
//! (names differing only in case), the one-file-per-name check and the edit; the files it leaves
//! alone are only skimmed for their names.

use super::*;

use crate::commands::config_folder;
use crate::config::file_reads::FileReads;
use crate::config::transaction::Folder;
use crate::inventory::{NamedEntry, entry_names};
use crate::tray_plugin::TrayPluginServer;

/// What the existing profile of the request's name says, read once.
#[derive(Debug, Clone, Default)]
pub struct ProfileState {
    /// The profile of the request's name (`None`: none, or unreadable: then an install starts
    /// afresh, as it always did).
    pub existing: Option<Profile>,
    /// That profile signs in by OAuth to the request's workspace and its sign-in is still
    /// usable (or can be refreshed by `serve`).
    pub holds_valid_sign_in: bool,
    /// The profile's sign-in store holds a sign-in at all.
    pub sign_in_saved: bool,
    /// Where a sign-in of this profile is kept (the profile's place, or the preferred one).
    pub sign_in_location: SignInLocation,
}

impl ProfileState {
    /// Reads the state of the profile `request.name` from its file's `text` (as the snapshot read
    /// it): the sign-in store is asked only when the profile signs in.
    pub fn from_text(environment: &Context, request: &InstallRequest, text: Option<&str>) -> ProfileState {
        let existing = profiles::from_text(environment, &request.name, text).ok();
        // The sign-in store is asked once, and only what the request's kind needs of it: a
        // `--sign-in` install whether the sign-in is still valid, a token install whether one
        // is kept (then said so).
        let store = existing
            .as_ref()
            .filter(|profile| profile.auth == AuthMethod::OAuth)
            .map(|profile| SignInStore::new(environment, &request.name, profile.sign_in_store));
        let (mut holds_valid_sign_in, mut sign_in_saved) = (false, false);
        match (&request.workspace, &store, &existing) {
            (WorkspaceChoice::SignIn { workspace_id, .. }, Some(store), Some(profile)) => {
                holds_valid_sign_in = profile.workspace_id.as_ref() == Some(workspace_id)
                    && oauth_store::status(store, oauth_store::now()).is_valid();
            }
            (WorkspaceChoice::Tray { .. }, Some(store), _) => {
                sign_in_saved = store.load().ok().flatten().is_some();
            }
            _ => {}
        }
        ProfileState {
            sign_in_location: login::sign_in_location(environment, existing.as_ref()),
            existing,
            holds_valid_sign_in,
            sign_in_saved,
        }
    }

    /// Reads the profile `request.name` now (the entry points other commands share with install:
    /// `apply`, `adopt`).
    pub fn read(environment: &Context, request: &InstallRequest) -> ProfileState {
        let text = crate::config::safe_write::read_to_string(&profiles::profile_path(environment, &request.name)).ok();
        ProfileState::from_text(environment, request, text.as_deref())
    }
}

/// One wanted client: where its entry goes, as found.
#[derive(Debug)]
pub struct Target {
    /// The client.
    pub kind: ClientId,
    /// Its file and servers key at the request's scope; `None` when it has no such scope and
    /// was asked for as "all" (with a note), an error when it was named.
    pub location: Result<Option<ConfigLocation>, CommandError>,
    /// The note said when it is left out.
    pub notices: Vec<Notice>,
    /// For a client that keeps each entry in a file of its own: every file of that scope (the
    /// one-file-per-name check).
    pub scope_files: Vec<PathBuf>,
}

/// Everything one install plans from: read by [`InstallSnapshot::read`], or built in memory
/// by a test.
pub struct InstallSnapshot<'a> {
    /// Paths, variables and OS: the plan uses it for path arithmetic and display only.
    pub environment: &'a Context,
    /// The existing profile of the name.
    pub profile: ProfileState,
    /// The wanted clients (after `skip`), in order.
    pub targets: Vec<Target>,
    /// `npx` is on `PATH` (asked only for bridge entries; `true` otherwise).
    pub npx_on_path: bool,
    /// Tray's plugin servers (read only for headless entries).
    pub plugins: Vec<TrayPluginServer>,
    /// Where the profile's token goes.
    pub token_store: Arc<TokenStore>,
    /// tray-mcp's record of the entries it wrote.
    pub written: crate::written::Written,
    /// Every profile's name (the case check).
    pub profile_names: Vec<ServerName>,
    /// Every entry's name in every client's files (the case and one-file-per-name checks).
    pub names: Vec<NamedEntry>,
    /// The files the plan edits, read whole once (the profile, the wanted clients' files, the
    /// approval lists): the plan takes these reads over.
    pub reads: FileReads,
}

impl<'a> InstallSnapshot<'a> {
    /// Reads what `request` plans from, each file once.
    pub fn read(
        environment: &'a Context,
        request: &InstallRequest,
        token_store: Arc<TokenStore>,
    ) -> Result<InstallSnapshot<'a>, CommandError> {
        let mut snapshot = InstallSnapshot::read_targets(environment, request, token_store)?;
        snapshot.written = crate::written::load(environment);
        snapshot.profile_names = profiles::list_names(environment);
        if request.transport == Transport::Headless {
            snapshot.plugins = crate::tray_plugin::find(environment);
        }
        let mut planned: Vec<(PathBuf, Folder)> = Vec::new();
        for target in &snapshot.targets {
            let Ok(Some(location)) = &target.location else { continue };
            let folder = config_folder(environment, request.scope);
            planned.push((location.path.clone(), folder.clone()));
            if request.approve.is_some()
                && let Some((file, _)) = target.kind.client().approval_list(environment, request.scope)
            {
                planned.push((file, folder));
            }
        }
        let profile_path = profiles::profile_path(environment, &request.name);
        let mut reads =
            FileReads::planning(planned.into_iter().chain(
                writes_profile(request).then(|| (profile_path.clone(), Folder::User(environment.home.clone()))),
            ));
        if writes_profile(request) {
            let text = reads.text(&profile_path).map(str::to_string);
            snapshot.profile = ProfileState::from_text(environment, request, text.as_deref());
        }
        snapshot.names = entry_names(environment, ClientId::all(), &mut reads);
        reads.read_planned();
        snapshot.reads = reads;
        Ok(snapshot)
    }

    /// What planning one entry (without checking its name against the files) reads: the
    /// profile, the wanted clients' locations, whether `npx` is there. `apply` plans each
    /// declared entry from this.
    pub fn read_entry(
        environment: &'a Context,
        request: &InstallRequest,
        token_store: Arc<TokenStore>,
    ) -> Result<InstallSnapshot<'a>, CommandError> {
        let mut snapshot = InstallSnapshot::read_targets(environment, request, token_store)?;
        if writes_profile(request) {
            snapshot.profile = ProfileState::read(environment, request);
        }
        Ok(snapshot)
    }

    /// The wanted clients' locations and whether `npx` is there (no file read).
    fn read_targets(
        environment: &'a Context,
        request: &InstallRequest,
        token_store: Arc<TokenStore>,
    ) -> Result<InstallSnapshot<'a>, CommandError> {
        let targets = wanted_clients(environment, request)?
            .into_iter()
            .filter(|kind| !request.skip.contains(kind))
            .map(|kind| target(environment, request, kind))
            .collect();
        Ok(InstallSnapshot {
            environment,
            profile: ProfileState::default(),
            targets,
            npx_on_path: request.transport != Transport::Bridge || environment.find_on_path("npx").is_some(),
            plugins: Vec::new(),
            token_store,
            written: Default::default(),
            profile_names: Vec::new(),
            names: Vec::new(),
            reads: FileReads::default(),
        })
    }
}

/// Whether the install writes a profile (stdio entries of a real workspace): only then is the
/// existing profile of the name read.
pub(super) fn writes_profile(request: &InstallRequest) -> bool {
    request.transport == Transport::Stdio && request.workspace.workspace_id().is_some()
}

fn target(environment: &Environment, request: &InstallRequest, kind: ClientId) -> Target {
    let mut notices = Vec::new();
    let location = location(environment, request, kind, &mut notices);
    let client = kind.client();
    let scope_files = match client.entry_files() {
        Some(_) => client
            .config_files(environment, request.scope)
            .into_iter()
            .map(|file| file.path)
            .collect(),
        None => Vec::new(),
    };
    Target {
        kind,
        location,
        notices,
        scope_files,
    }
}
