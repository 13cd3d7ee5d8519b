//! `tray-mcp install`: one Tray server entry into each chosen client's config.
//!
//! The request is plain data (filled from flags by `cli.rs`, or by the wizard). Every file is
//! planned before any is written; see [`crate::config::transaction`].

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::approvals::Approve;
use crate::clients::{ClientId, Companion, ConfigLocation, EntryError, EntrySpec, Scope, Transport};
use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem, FileReads};
use crate::config::{Change, ConfigDocument, Format};
use crate::error::CommandError;
use crate::inventory::{config_role, entry_names, entry_path};
use crate::oauth::LoginOutcome;
use crate::oauth::store::{self as oauth_store, SignInStore};
use crate::paths::Environment;
use crate::profiles::{self, AuthMethod, Profile, SignInLocation, TokenLocation, WrittenRules};
use crate::secrets::Redactor;
use crate::self_install::Placement;
use crate::token_store::{KeychainChanges, TokenStore};
use crate::tool_filter::ToolFilter;
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

use super::login::{self, SignInOptions};
use super::own_entry::EntryGuard;
use super::report::{FileReport, Report};
use super::{Finish, LabeledTask, PlannedFile, WriteProfile, config_task, plan_labeled_with, profile_task};
use crate::notice::Notice;

/// Which workspace the entry reaches.
#[derive(Debug, Clone)]
pub enum WorkspaceChoice {
    /// A real Tray workspace.
    Tray {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// The API token.
        api_token: ApiToken,
        /// Its region.
        region: Region,
    },
    /// A real Tray workspace reached as the signed-in user (OAuth, `--sign-in`): no API token
    /// anywhere. Only stdio entries: the bundled server keeps and refreshes the sign-in.
    SignIn {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// Its region.
        region: Region,
        /// How the browser sign-in runs (it runs before anything is written, unless the
        /// profile already holds a valid sign-in for this workspace).
        sign_in: SignInOptions,
    },
    /// The embedded demo workspace (`tray-mcp serve --sandbox`): no account needed.
    Sandbox,
    /// Tray's hosted Headless MCP in a region (`https://api.tray.io/mcp`): the client signs the
    /// user in by OAuth, so there is no workspace, token or profile here.
    Headless {
        /// Its region.
        region: Region,
    },
}

impl WorkspaceChoice {
    /// The real workspace the entry reaches, with a token or by sign-in.
    pub fn workspace_id(&self) -> Option<&WorkspaceId> {
        match self {
            WorkspaceChoice::Tray { workspace_id, .. } | WorkspaceChoice::SignIn { workspace_id, .. } => {
                Some(workspace_id)
            }
            WorkspaceChoice::Sandbox | WorkspaceChoice::Headless { .. } => None,
        }
    }

    /// The region of a Headless MCP entry.
    pub fn headless_region(&self) -> Option<Region> {
        match self {
            WorkspaceChoice::Headless { region } => Some(*region),
            _ => None,
        }
    }
}

/// Everything one install needs, from flags or from the wizard.
#[derive(Debug, Clone)]
pub struct InstallRequest {
    /// The clients to configure.
    pub clients: Vec<ClientId>,
    /// The clients were asked for as "all": only those installed here are configured, and one
    /// without the requested scope is skipped with a note instead of failing the install.
    pub every_client: bool,
    /// The workspace.
    pub workspace: WorkspaceChoice,
    /// The entry's name.
    pub name: ServerName,
    /// How the clients reach Tray.
    pub transport: Transport,
    /// Which config of each client.
    pub scope: Scope,
    /// Pass the workspace's Agent Gateway tools through the bundled server: `Some` when asked
    /// for (`--gateway`, `--no-gateway`, the wizard's answer); `None` for the default, which is
    /// on for a new profile, while an existing profile of the same workspace keeps its setting.
    pub gateway: Option<bool>,
    /// Show what would change without writing.
    pub dry_run: bool,
    /// Clients to leave out (the wizard's "don't overwrite" answers).
    pub skip: Vec<ClientId>,
    /// The client's own profile to install into (VS Code's profiles, by name); clients without
    /// profiles ignore it.
    pub editor_profile: Option<String>,
    /// `--token-from-env`: the environment variable bridge and http entries name, in each
    /// client's own syntax, for the client to read the token from; the token itself is then
    /// written nowhere. `None`: the entry holds the token (in a file made private).
    pub token_variable: Option<String>,
    /// Replace an entry of the same name that tray-mcp did not write (`--force`, or the
    /// wizard's yes); without it such an entry is refused.
    pub force: bool,
    /// Which tools the entry serves (`--tools` / `--exclude-tools`), stored in its profile:
    /// `None` keeps what the existing profile of the same workspace says (all tools for a new
    /// one). Only stdio entries of a real workspace take one.
    pub tools: Option<ToolFilter>,
    /// `--approve read-only`: write the clients' own approvals of the read-only tools (see
    /// [`crate::approvals`]); `None` keeps what the profile recorded.
    pub approve: Option<Approve>,
    /// The Agent Gateway's tools as the verification listed them, whose annotations the
    /// approvals go by (empty: the built-in tools alone).
    pub gateway_tools: Vec<Value>,
}

/// Plans and (unless `dry_run`) performs an install whose entries launch the binary
/// `placement` names. A `--sign-in` install signs in (`say` shows the sign-in URL) after
/// planning and before writing, so a refused sign-in writes nothing.
pub fn install(
    environment: &Environment,
    request: &InstallRequest,
    placement: &Placement,
    say: &dyn Fn(&str),
) -> Result<Report, CommandError> {
    let planned = plan(environment, request, &placement.entry_binary)?;
    let signed_in = sign_in_first(environment, request, say)?;
    finish_signed_in(environment, request, planned, placement, signed_in)
}

/// A sign-in that `install --sign-in` needs: none for other installs, for a dry run, or when
/// the profile already holds a valid sign-in to the same workspace.
pub struct PendingSignIn<'a> {
    /// The workspace signed in to.
    pub workspace_id: &'a WorkspaceId,
    /// Where the tokens go (the profile records it).
    pub location: SignInLocation,
    /// How the sign-in runs.
    pub options: &'a SignInOptions,
}

/// The sign-in the request still needs before anything is written, if any.
pub fn pending_sign_in<'a>(environment: &Environment, request: &'a InstallRequest) -> Option<PendingSignIn<'a>> {
    let WorkspaceChoice::SignIn {
        workspace_id, sign_in, ..
    } = &request.workspace
    else {
        return None;
    };
    let existing = profiles::load(environment, &request.name).ok();
    let location = login::sign_in_location(environment, existing.as_ref());
    if existing.is_some_and(|profile| holds_valid_sign_in(environment, &request.name, &profile, workspace_id)) {
        return None;
    }
    Some(PendingSignIn {
        workspace_id,
        location,
        options: sign_in,
    })
}

/// Whether `profile` signs in by OAuth to `workspace_id` and its sign-in is still usable (or
/// can be refreshed by `serve`).
fn holds_valid_sign_in(
    environment: &Environment,
    name: &ServerName,
    profile: &Profile,
    workspace_id: &WorkspaceId,
) -> bool {
    profile.auth == AuthMethod::OAuth
        && profile.workspace_id.as_ref() == Some(workspace_id)
        && oauth_store::status(
            &SignInStore::new(environment, name, profile.sign_in_store),
            oauth_store::now(),
        )
        .is_valid()
}

/// What a sign-in done by the install got, for its report.
pub struct SignedIn {
    /// The sign-in.
    pub outcome: LoginOutcome,
    /// Where its tokens are, so a failed write can take them out again.
    pub store: SignInStore,
    /// The profile signed in by OAuth before this install (its old sign-in was replaced, so it
    /// is kept even if the write fails).
    pub was_oauth: bool,
}

/// Runs the browser sign-in of a `--sign-in` install (unless a dry run, or already signed in).
/// Nothing is written when it fails: the tokens are saved only once the code was exchanged.
pub fn sign_in_first(
    environment: &Environment,
    request: &InstallRequest,
    say: &dyn Fn(&str),
) -> Result<Option<SignedIn>, CommandError> {
    if request.dry_run {
        return Ok(None);
    }
    let Some(pending) = pending_sign_in(environment, request) else {
        return Ok(None);
    };
    if pending.options.unattended {
        return Ok(None);
    }
    let was_oauth = profiles::load(environment, &request.name).is_ok_and(|profile| profile.auth == AuthMethod::OAuth);
    let outcome = login::sign_in_to_gateway(
        environment,
        &request.name,
        pending.workspace_id,
        pending.location,
        pending.options,
        say,
    )?;
    Ok(Some(SignedIn {
        outcome,
        store: SignInStore::new(environment, &request.name, pending.location),
        was_oauth,
    }))
}

/// [`finish`] after [`sign_in_first`]: the report says what the sign-in got; when the write
/// fails, a sign-in made for a profile that did not sign in before is forgotten again, so a
/// failed install leaves no tokens behind that no profile names.
pub fn finish_signed_in(
    environment: &Environment,
    request: &InstallRequest,
    plan: InstallPlan,
    placement: &Placement,
    signed_in: Option<SignedIn>,
) -> Result<Report, CommandError> {
    let mut report = match finish(environment, request, plan, placement) {
        Ok(report) => report,
        Err(error) => {
            if let Some(signed_in) = signed_in.filter(|signed_in| !signed_in.was_oauth) {
                // Best effort: the error that matters is the write's.
                let _ = signed_in.store.delete();
            }
            return Err(error);
        }
    };
    if let Some(signed_in) = signed_in {
        report
            .notices
            .push(Notice::note(signed_in_note(&request.name, &signed_in.outcome)));
    }
    Ok(report)
}

/// `signed in NAME to URL (scopes: ...)`, and what to know when no refresh token came.
pub fn signed_in_note(name: &ServerName, outcome: &LoginOutcome) -> String {
    let scopes = if outcome.scopes.is_empty() {
        String::new()
    } else {
        format!(" (scopes: {})", outcome.scopes.join(" "))
    };
    let refresh = if outcome.refreshable {
        String::new()
    } else {
        format!("; no refresh token was granted: run `tray-mcp login {name}` when the access token expires")
    };
    format!("signed {name} in to {}{scopes}{refresh}", outcome.resource)
}

/// Whether entries of `transport` launch tray-mcp's own binary (only stdio entries do; bridge,
/// http and headless entries name a URL or `npx`).
pub fn launches_binary(transport: Transport) -> bool {
    match transport {
        Transport::Stdio => true,
        Transport::Bridge | Transport::Http | Transport::Headless => false,
    }
}

/// Reads and edits every file in memory; nothing is written.
pub fn plan(environment: &Environment, request: &InstallRequest, binary: &Path) -> Result<InstallPlan, CommandError> {
    plan_with_store(environment, request, binary, TokenStore::system(environment))
}

/// [`plan`] with a given token store: the profile's token goes where `token_store` prefers.
pub fn plan_with_store(
    environment: &Environment,
    request: &InstallRequest,
    binary: &Path,
    token_store: TokenStore,
) -> Result<InstallPlan, CommandError> {
    check_tool_filter(request)?;
    let EntryPlan {
        mut configs,
        mut profile,
        keychain_write,
        mut notices,
    } = entry_plan(environment, request, binary, token_store.preferred())?;
    let approvals = approval_plan(environment, request, &mut configs, profile.as_mut());
    notices.extend(approvals.notices);
    if request.transport == Transport::Headless
        && let Some(region) = request.workspace.headless_region()
    {
        let clients: Vec<ClientId> = configs.iter().map(|edit| edit.owner.0).collect();
        notices.extend(crate::tray_plugin::install_note(environment, &clients, region).map(Notice::warning));
    }
    let written = crate::written::load(environment);
    configs.iter_mut().for_each(|edit| edit.note_record(&written));
    // Every client's file is read once: the check looks only at its servers' names (skimming the
    // files this install leaves alone), and the plan takes over the files it edits.
    let mut reads = FileReads::planning(configs.iter().map(|edit| edit.path.clone()));
    let names = entry_names(environment, ClientId::all(), &mut reads);
    super::check_case_unique(environment, &names, &request.name)?;
    check_one_file_per_name(environment, &configs, &names, &request.name)?;
    let mut tasks: Vec<LabeledTask> = configs.into_iter().map(|edit| edit.into_task(environment)).collect();
    tasks.extend(super::approve::into_tasks(environment, approvals.edits));
    let mut keychain = KeychainChanges::default();
    keychain.writes.extend(keychain_write);
    if forgets_keychain_token(environment, request, profile.as_ref()) {
        keychain.deletes.push(request.name.clone());
    }
    if let Some(reason) = token_store.fallback_reason()
        && profile.as_ref().is_some_and(|profile| profile.api_token.is_some())
    {
        notices.push(Notice::note(format!(
            "no OS keychain answers here ({reason}): the API token goes to the profile file, readable only by you"
        )));
    }
    if let Some(profile) = profile {
        tasks.push(profile_task(
            environment,
            &request.name,
            Box::new(WriteProfile { profile }),
        ));
    }
    Ok(InstallPlan {
        files: plan_labeled_with(tasks, &mut reads)?,
        notices,
        token_store,
        keychain,
    })
}

/// The approvals of a stdio install of a real workspace (others have no profile to record them
/// in), recorded into `profile`.
pub(crate) fn approval_plan(
    environment: &Environment,
    request: &InstallRequest,
    configs: &mut [ConfigEdit],
    profile: Option<&mut Profile>,
) -> super::approve::ApprovalPlan {
    let Some(profile) = profile else {
        return super::approve::ApprovalPlan::default();
    };
    let previous = profiles::load(environment, &request.name)
        .map(|old| old.approvals)
        .unwrap_or_default();
    let plan = super::approve::plan(
        environment,
        &request.name,
        configs,
        request.approve,
        (&request.gateway_tools, &profile.filter),
        &previous,
    );
    profile.approvals = plan.written.clone();
    plan
}

/// A tool filter is kept in the profile `tray-mcp serve --profile NAME` reads: only stdio
/// entries of a real workspace have one, so any other install with a filter is refused.
fn check_tool_filter(request: &InstallRequest) -> Result<(), CommandError> {
    if request.tools.as_ref().is_none_or(ToolFilter::is_empty) && request.approve.is_none() {
        return Ok(());
    }
    let what = match (&request.workspace, request.transport) {
        (WorkspaceChoice::Sandbox, _) => "a --sandbox entry",
        (_, Transport::Headless) => "a --headless entry (the client talks to Tray's Headless MCP itself)",
        (_, Transport::Bridge) => "a --transport bridge entry (the client talks to Tray through mcp-remote)",
        (_, Transport::Http) => "a --transport http entry (the client talks to Tray itself)",
        (_, Transport::Stdio) => return Ok(()),
    };
    Err(CommandError::usage(
        format!(
            "--tools, --exclude-tools and --approve go by the tools tray-mcp serve lists, and {what} does not run it"
        ),
        "drop --tools / --exclude-tools / --approve, or install a stdio entry (the default --transport) of a real workspace",
    ))
}

/// Whether the install replaces a profile whose API token is in the OS keychain with one that
/// signs in (`--sign-in`): the token is then forgotten from the keychain too, after the commit.
fn forgets_keychain_token(environment: &Environment, request: &InstallRequest, profile: Option<&Profile>) -> bool {
    profile.is_some_and(|profile| profile.auth == AuthMethod::OAuth)
        && profiles::load(environment, &request.name).is_ok_and(|old| old.token_store == TokenLocation::Keychain)
}

/// Refuses to give an entry a file of its own when another file of the same client and scope
/// already has an entry of that name (Continue would then run two servers of one name): the
/// user's own block file, or the list in its `config.yaml`.
fn check_one_file_per_name(
    environment: &Environment,
    configs: &[ConfigEdit],
    names: &[crate::inventory::NamedEntry],
    name: &ServerName,
) -> Result<(), CommandError> {
    for edit in configs {
        let (kind, scope) = edit.owner;
        let client = kind.client();
        if client.entry_files().is_none() {
            continue;
        }
        let files = client.config_files(environment, scope);
        let elsewhere = names.iter().find(|entry| {
            entry.client == kind
                && entry.name == name.as_str()
                && entry.path != edit.path
                && files.iter().any(|file| file.path == entry.path)
        });
        if let Some(existing) = elsewhere {
            return Err(CommandError::failure(
                format!(
                    "{} {} already has an entry named \"{name}\"; a second file with that name would give {} two servers of one name",
                    config_role(kind),
                    existing.shown_path,
                    client.display_name()
                ),
                format!(
                    "choose another name, or take that entry out first (`tray-mcp remove {name} -c {}` if it is a Tray entry, else by hand)",
                    kind.id()
                ),
            ));
        }
    }
    Ok(())
}

/// Everything one entry changes, before it becomes file tasks: the core both `install` (one
/// task per edit) and `apply` (the edits of every declared entry, grouped by file) build on.
pub struct EntryPlan {
    /// One edit per client config.
    pub configs: Vec<ConfigEdit>,
    /// The profile to write (stdio entries of a real workspace).
    pub profile: Option<Profile>,
    /// The keychain write that goes with the profile (when the token goes to the keychain).
    pub keychain_write: Option<(ServerName, ApiToken)>,
    /// Notes and warnings for stderr.
    pub notices: Vec<Notice>,
}

/// One entry's edit of one client's config.
pub struct ConfigEdit {
    /// Whose config, and which scope.
    pub owner: (ClientId, Scope),
    /// The config file.
    pub path: PathBuf,
    /// Who may read the file afterwards (owner only when the entry holds the token).
    pub privacy: Privacy,
    /// The entry to set.
    pub upsert: EntryUpsert,
}

impl ConfigEdit {
    /// Notes whether tray-mcp's record says it wrote the entry this edit replaces.
    pub fn note_record(&mut self, written: &crate::written::Written) {
        if let Some(guard) = &mut self.upsert.guard {
            guard.recorded = written.has(&self.path, &self.upsert.entry_path);
        }
    }

    /// The file task that makes this edit alone.
    pub fn into_task(self, environment: &Environment) -> LabeledTask {
        let ConfigEdit {
            owner,
            path,
            privacy,
            upsert,
        } = self;
        let edit = UpsertEntries {
            format: upsert.format,
            upserts: vec![upsert],
        };
        config_task(environment, owner, path, privacy, Box::new(edit))
    }
}

/// Plans one entry: its edit of each wanted client's config, its profile and keychain write.
/// Reads no config file (the caller checks names against what exists).
pub fn entry_plan(
    environment: &Environment,
    request: &InstallRequest,
    binary: &Path,
    token_location: TokenLocation,
) -> Result<EntryPlan, CommandError> {
    let mut notices = Vec::new();
    let mut configs = Vec::new();
    let spec = request_spec(environment, request, binary)?;
    for &kind in wanted_clients(environment, request)?
        .iter()
        .filter(|kind| !request.skip.contains(kind))
    {
        let Some(location) = location(environment, request, kind, &mut notices)? else {
            continue;
        };
        let entry = match kind.client().entry(&spec) {
            Ok(entry) => entry,
            // Asked for as "all": a client that cannot sign in by OAuth is left out, not fatal.
            Err(EntryError::NoOAuthSignIn { client, hint }) if request.every_client => {
                notices.push(Notice::note(format!("{client} skipped: {hint}")));
                continue;
            }
            Err(EntryError::NoTokenReference { client, hint, .. }) if request.every_client => {
                notices.push(Notice::note(format!("{client} skipped: {hint}")));
                continue;
            }
            Err(error) => return Err(entry_error(error)),
        };
        notices.extend(entry.notice.iter().cloned().map(Notice::note));
        notices.extend(kind.client().caveat(request.scope).map(Notice::note));
        if entry.holds_token {
            notices.extend(inline_token_notices(environment, request, &location.path));
        }
        let privacy = if entry.holds_token {
            Privacy::OwnerOnly
        } else {
            Privacy::Ordinary
        };
        configs.push(ConfigEdit {
            owner: (kind, request.scope),
            privacy,
            upsert: EntryUpsert {
                format: kind.client().format(),
                entry_path: entry_path(&location.servers_key, request.name.as_str()),
                server: entry.server,
                companions: entry.companions,
                new_file: kind
                    .client()
                    .entry_files()
                    .map(|files| (files.header)(request.name.as_str())),
                guard: Some(EntryGuard::new(kind, request.force)),
            },
            path: location.path,
        });
    }
    if let Some(variable) = &request.token_variable
        && !configs.is_empty()
        && !environment.variables.is_set(variable)
    {
        notices.push(Notice::warning(format!(
            "{variable} is not set here: set it to your Tray API token in the environment the clients start from, or they will send no valid token"
        )));
    }
    if request.transport == Transport::Bridge && environment.find_on_path("npx").is_none() {
        notices.push(Notice::warning(
            "npx is not on PATH: bridge entries need Node.js (https://nodejs.org); or use --transport stdio, which needs no Node.js",
        ));
    }
    notices.extend(sign_in_notices(environment, request));
    notices.extend(kept_sign_in_notice(environment, request));
    let mut keychain_write = None;
    let mut profile = None;
    let kept_gateway = kept_gateway(environment, request);
    if let Some(kept) = kept_gateway {
        notices.push(Notice::note(kept_gateway_note(&request.name, kept)));
    }
    if let Some((planned, token)) = profile_for(environment, request, kept_gateway, token_location) {
        if let Some(token) = token {
            notices.push(Notice::note(format!(
                "the API token goes to the OS keychain (service {}, account {}); the profile file records only that",
                crate::token_store::SERVICE,
                request.name
            )));
            keychain_write = Some((request.name.clone(), token));
        }
        profile = Some(planned);
    }
    Ok(EntryPlan {
        configs,
        profile,
        keychain_write,
        notices,
    })
}

/// What every client's entry for `request` is made from, checked as an install checks it
/// (`tray-mcp link` builds its entries from the same spec).
pub fn request_spec(
    environment: &Environment,
    request: &InstallRequest,
    binary: &Path,
) -> Result<EntrySpec, CommandError> {
    check_sign_in(request)?;
    check_token_variable(request)?;
    let mut spec = entry_spec(
        environment,
        &request.workspace,
        &request.name,
        request.transport,
        binary,
    );
    spec.token_variable = request.token_variable.clone();
    Ok(spec)
}

/// A sign-in entry is a stdio entry (the bundled server keeps the sign-in) with no token of any
/// kind: bridge and http entries would carry a token in the client's own file.
fn check_sign_in(request: &InstallRequest) -> Result<(), CommandError> {
    if !matches!(request.workspace, WorkspaceChoice::SignIn { .. }) {
        return Ok(());
    }
    if request.transport != Transport::Stdio {
        return Err(CommandError::usage(
            format!(
                "--sign-in is for stdio entries, not {}: {}",
                request.transport.as_str(),
                SignInConflict::Transport.reason()
            ),
            "drop --transport (stdio: the bundled server signs in and refreshes the sign-in); for a client that signs in to Tray's Headless MCP itself, use --headless",
        ));
    }
    if request.token_variable.is_some() {
        return Err(CommandError::usage(
            format!(
                "--sign-in and --token-from-env do not go together: {}",
                SignInConflict::TokenVariable.reason()
            ),
            "drop --token-from-env",
        ));
    }
    Ok(())
}

/// What a sign-in entry cannot have, whether asked for by `install --sign-in`'s flags or by a
/// manifest's `sign_in = true`: one place says why, each caller says what to drop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInConflict {
    /// An API token (`--api-token`, a manifest's `token`).
    Token,
    /// A variable naming the token (`--token-from-env`, `token_from_env`).
    TokenVariable,
    /// A bridge or http transport.
    Transport,
    /// The sandbox.
    Sandbox,
    /// A Headless MCP entry.
    Headless,
}

impl SignInConflict {
    /// Why it does not go with signing in.
    pub fn reason(self) -> &'static str {
        match self {
            SignInConflict::Token => "signing in with Tray replaces the API token",
            SignInConflict::TokenVariable => "a signed-in entry has no token to name",
            SignInConflict::Transport => "bridge and http entries carry an API token in the client's own file",
            SignInConflict::Sandbox => "the sandbox needs no sign-in",
            SignInConflict::Headless => "a headless entry is signed in by the client itself",
        }
    }
}

/// What a `--sign-in` install says before it writes: that it will sign in first (or, for a dry
/// run, would), that an existing sign-in is kept, that a token profile forgets its token.
fn sign_in_notices(environment: &Environment, request: &InstallRequest) -> Vec<Notice> {
    if !matches!(request.workspace, WorkspaceChoice::SignIn { .. }) {
        return Vec::new();
    }
    let name = &request.name;
    let mut notices = Vec::new();
    let unattended = matches!(&request.workspace, WorkspaceChoice::SignIn { sign_in, .. } if sign_in.unattended);
    match (pending_sign_in(environment, request), request.dry_run) {
        (Some(_), _) if unattended => notices.push(Notice::note(format!(
            "{name} is not signed in yet: run `tray-mcp login {name}` (this never opens a browser)"
        ))),
        (Some(_), true) => notices.push(Notice::note(format!(
            "{name} is not signed in yet: without --dry-run, the install first signs it in with Tray in the browser, and writes nothing if that fails"
        ))),
        (Some(_), false) => {}
        (None, _) => notices.push(Notice::note(format!(
            "{name} is already signed in to this workspace: the sign-in is kept (`tray-mcp login {name}` signs in again)"
        ))),
    }
    if let Ok(old) = profiles::load(environment, name)
        && old.auth == AuthMethod::Token
        && (old.api_token.is_some() || old.token_store == TokenLocation::Keychain)
    {
        notices.push(Notice::note(format!(
            "the profile \"{name}\" signs in with Tray from now on: its API token is forgotten{}",
            if old.token_store == TokenLocation::Keychain {
                " (from the OS keychain too)"
            } else {
                ""
            }
        )));
    }
    notices
}

/// What a token install over a signed-in profile says: the sign-in is no longer used, but is
/// kept (its tokens are still valid) until `logout` revokes and forgets it.
fn kept_sign_in_notice(environment: &Environment, request: &InstallRequest) -> Option<Notice> {
    if !matches!(request.workspace, WorkspaceChoice::Tray { .. }) || request.transport != Transport::Stdio {
        return None;
    }
    let name = &request.name;
    let old = profiles::load(environment, name).ok()?;
    let signed_in = SignInStore::new(environment, name, old.sign_in_store)
        .load()
        .ok()
        .flatten()
        .is_some();
    (old.auth == AuthMethod::OAuth && signed_in).then(|| {
        Notice::note(format!(
            "the profile \"{name}\" uses the API token from now on; its Tray sign-in is kept, unused, until `tray-mcp logout {name}` revokes and forgets it"
        ))
    })
}

/// `--token-from-env` names a variable every client can refer to, for a transport whose entry
/// carries a token.
fn check_token_variable(request: &InstallRequest) -> Result<(), CommandError> {
    let Some(variable) = &request.token_variable else {
        return Ok(());
    };
    if !crate::clients::is_variable_name(variable) {
        return Err(CommandError::usage(
            format!("--token-from-env: \"{variable}\" cannot name an environment variable"),
            "use letters, digits and _ (not starting with a digit), e.g. --token-from-env TRAY_TOKEN_PROD",
        ));
    }
    if !matches!(request.transport, Transport::Bridge | Transport::Http) {
        return Err(CommandError::usage(
            format!(
                "--token-from-env is for bridge and http entries, not {}",
                request.transport.as_str()
            ),
            "add --transport http (or bridge); a stdio entry holds no token: it reads it from tray-mcp's profile store",
        ));
    }
    Ok(())
}

/// The clients to configure: `-c all` means every client installed here (its folder exists), and
/// is an error when there is none; a client named on its own is configured whether or not it is
/// installed yet.
fn wanted_clients(environment: &Environment, request: &InstallRequest) -> Result<Vec<ClientId>, CommandError> {
    let wanted: Vec<ClientId> = request
        .clients
        .iter()
        .copied()
        .filter(|kind| !request.every_client || kind.client().install_marker(environment).exists())
        .collect();
    if wanted.is_empty() {
        return Err(CommandError::usage(
            "none of the supported clients is installed here",
            "name the clients to configure with -c (`tray-mcp clients` lists them and their files)",
        ));
    }
    Ok(wanted)
}

/// Where `kind` keeps its servers at the requested scope; `None` (with a note) when it has no
/// such scope and the clients were asked for as "all", an error when it was named.
fn location(
    environment: &Environment,
    request: &InstallRequest,
    kind: ClientId,
    notices: &mut Vec<Notice>,
) -> Result<Option<ConfigLocation>, CommandError> {
    let client = kind.client();
    if let Some(profile) = &request.editor_profile
        && let Some(found) = client.profile_location(environment, request.scope, profile)
    {
        return found.map(Some).map_err(|names| {
            CommandError::usage(
                format!("{} has no profile named \"{profile}\"", client.display_name()),
                format!(
                    "its profiles are: {} (names as in {}'s Profiles menu)",
                    names.join(", "),
                    client.display_name()
                ),
            )
        });
    }
    if let Some(location) = client.entry_location(environment, request.scope, request.name.as_str()) {
        return Ok(Some(location));
    }
    let scope = request.scope.as_str();
    if request.every_client {
        notices.push(Notice::note(format!(
            "{} has no {scope} scope; skipped",
            client.display_name()
        )));
        return Ok(None);
    }
    let scopes: Vec<&str> = client.scopes().iter().map(|scope| scope.as_str()).collect();
    Err(CommandError::usage(
        format!("{} has no {scope} scope", client.display_name()),
        format!("{} supports --scope {}", client.display_name(), scopes.join(" or ")),
    ))
}

/// What to say when an entry holds the token inline in `path`.
fn inline_token_notices(environment: &Environment, request: &InstallRequest, path: &Path) -> Vec<Notice> {
    let shown_path = environment.display_path(path);
    let mut notices = vec![Notice::note(format!(
        "the {} transport needs the API token inside {shown_path}; tray-mcp makes that file readable only by you",
        request.transport.as_str()
    ))];
    if request.scope == Scope::Project {
        notices.push(Notice::warning(format!(
            "{shown_path} is a project file, often committed: keep it out of version control (or use --transport stdio, which keeps the token in tray-mcp's profile store)"
        )));
    }
    notices
}

/// The planned files of an install.
pub struct InstallPlan {
    /// Every file, planned, with whose it is (a client's config, or tray-mcp's profile).
    pub files: Vec<PlannedFile>,
    /// Notes and warnings for stderr.
    pub notices: Vec<Notice>,
    /// Where the profile's token goes.
    pub token_store: TokenStore,
    /// The keychain write that goes with the profile (none when the token stays in the file).
    pub keychain: KeychainChanges,
}

/// Writes a plan (or, for a dry run, shows its diffs). A stdio entry launches the binary
/// `placement` names: when that binary runs from a transient folder, it is copied there now,
/// after planning has succeeded and before the entries are written (see
/// [`crate::self_install`]); the report says where.
pub fn finish(
    environment: &Environment,
    request: &InstallRequest,
    plan: InstallPlan,
    placement: &Placement,
) -> Result<Report, CommandError> {
    let InstallPlan {
        files,
        notices,
        token_store,
        keychain,
    } = plan;
    // The keychain write happens before the commit and is undone if the commit fails, so a
    // profile that says "keychain" never exists without its entry. A keychain that refuses the
    // write (locked, access denied) fails the install with nothing written; the token is not
    // silently put in a file instead.
    let finish = Finish {
        dry_run: request.dry_run,
        redactor: &redactor(request),
        notices,
        store: &token_store,
        keychain: &keychain,
        binary: launches_binary(request.transport).then_some(placement),
    };
    let mut report = super::finish_planned(environment, files, finish)?;
    if !report.dry_run {
        report.next_steps = next_steps(&report.files, request);
    }
    Ok(report)
}

/// The secrets an install knows before it reads any file: the new token. What the files hold
/// (a replaced profile's token, a replaced entry's) is added from the plan.
pub fn redactor(request: &InstallRequest) -> Redactor {
    match &request.workspace {
        WorkspaceChoice::Tray { api_token, .. } => Redactor::new([api_token]),
        WorkspaceChoice::SignIn { .. } | WorkspaceChoice::Sandbox | WorkspaceChoice::Headless { .. } => {
            Redactor::default()
        }
    }
}

/// Per client that changed: how it picks the change up; for a headless entry, the one step that
/// signs the user in to Tray (which also loads the entry).
fn next_steps(reports: &[FileReport], request: &InstallRequest) -> Vec<String> {
    let mut steps: Vec<String> = reports
        .iter()
        .filter(|report| report.change != Change::Unchanged || request.transport == Transport::Headless)
        .filter_map(|report| report.client)
        .map(|kind| {
            let client = kind.client();
            let step = match request.transport {
                Transport::Headless => client
                    .oauth_sign_in(request.name.as_str())
                    .unwrap_or_else(|| client.reload_hint().to_string()),
                _ => client.reload_hint().to_string(),
            };
            format!("{}: {step}", client.display_name())
        })
        .collect();
    steps.dedup();
    if !steps.is_empty() {
        steps.push(format!(
            "run `tray-mcp doctor --online {}` to check it against Tray (the token, the Agent Gateway, the tools)",
            request.name
        ));
    }
    steps
}

/// What an entry for `workspace` named `name` over `transport` is made from.
pub fn entry_spec(
    environment: &Environment,
    workspace: &WorkspaceChoice,
    name: &ServerName,
    transport: Transport,
    binary: &Path,
) -> EntrySpec {
    let (workspace_id, api_token, sandbox, region) = match workspace {
        WorkspaceChoice::Tray {
            workspace_id,
            api_token,
            region,
        } => (Some(workspace_id.clone()), Some(api_token.clone()), false, *region),
        WorkspaceChoice::SignIn {
            workspace_id, region, ..
        } => (Some(workspace_id.clone()), None, false, *region),
        WorkspaceChoice::Sandbox => (None, None, true, Region::default()),
        WorkspaceChoice::Headless { region } => (None, None, false, *region),
    };
    EntrySpec {
        name: name.clone(),
        transport,
        workspace_id,
        api_token,
        binary: binary.to_path_buf(),
        sandbox,
        os: environment.os,
        region,
        token_variable: None,
    }
}

/// The error an install (or link) reports for an entry a client cannot have.
pub fn entry_error(error: EntryError) -> CommandError {
    match &error {
        EntryError::UnsupportedTransport { hint, .. } => CommandError::usage(error.to_string(), *hint),
        EntryError::SandboxNeedsStdio => CommandError::usage(
            error.to_string(),
            "drop --transport, or give --workspace-id and --api-token",
        ),
        EntryError::NoOAuthSignIn { hint, .. } | EntryError::NoTokenReference { hint, .. } => {
            CommandError::usage(error.to_string(), hint.clone())
        }
    }
}

/// The gateway setting of the existing profile `name` when it serves `workspace_id`: what a
/// reinstall keeps unless `--gateway` or `--no-gateway` says otherwise (the wizard offers it as
/// its answer's default).
pub fn existing_gateway(environment: &Environment, name: &ServerName, workspace_id: &WorkspaceId) -> Option<bool> {
    let profile = profiles::load(environment, name).ok()?;
    (profile.workspace_id.as_ref() == Some(workspace_id)).then_some(profile.gateway)
}

/// The existing profile's setting, when the request leaves the gateway to the default and that
/// setting differs from it (the default is on): kept, and said so, never flipped silently.
pub(crate) fn kept_gateway(environment: &Environment, request: &InstallRequest) -> Option<bool> {
    let workspace_id = request.workspace.workspace_id()?;
    if request.gateway.is_some() || request.transport != Transport::Stdio {
        return None;
    }
    existing_gateway(environment, &request.name, workspace_id).filter(|gateway| *gateway != DEFAULT_GATEWAY)
}

/// What a new stdio profile of a real workspace gets: the Agent Gateway's tools, the Workflow
/// and Connector Tools the user came for (a workspace without a gateway keeps the built-in ones).
pub const DEFAULT_GATEWAY: bool = true;

fn kept_gateway_note(name: &ServerName, kept: bool) -> String {
    let (state, flag) = if kept {
        ("on", "--no-gateway")
    } else {
        ("off", "--gateway")
    };
    format!(
        "the profile \"{name}\" keeps the Agent Gateway {state}, as it was (new entries get it on); to change it, run this install again with {flag}"
    )
}

/// The profile `tray-mcp serve --profile NAME` reads (stdio entries for a real workspace), and
/// the token to put in the keychain when `location` is the keychain. `kept_gateway` is the
/// existing profile's setting when the request leaves it to the default.
pub(crate) fn profile_for(
    environment: &Environment,
    request: &InstallRequest,
    kept_gateway: Option<bool>,
    location: TokenLocation,
) -> Option<(Profile, Option<ApiToken>)> {
    if request.transport != Transport::Stdio {
        return None;
    }
    let gateway = request.gateway.or(kept_gateway).unwrap_or(DEFAULT_GATEWAY);
    match &request.workspace {
        WorkspaceChoice::Tray {
            workspace_id,
            api_token,
            region,
        } => {
            let mut profile = Profile {
                workspace_id: Some(workspace_id.clone()),
                region: *region,
                api_token: None,
                token_store: TokenLocation::Profile,
                sandbox: false,
                gateway,
                // Installing with a token makes a token entry, even of a profile that signed in;
                // where its sign-in is kept stays recorded, so `logout` can still forget it.
                auth: Default::default(),
                sign_in_store: profiles::load(environment, &request.name)
                    .map(|old| old.sign_in_store)
                    .unwrap_or_default(),
                // An API-token profile: the Headless MCP needs a sign-in, so nothing to say yet.
                headless: None,
                filter: tool_filter_for(environment, request),
                approvals: kept_approvals(environment, &request.name),
            };
            profile.set_token(api_token, location);
            let keychain_token = (location == TokenLocation::Keychain).then(|| api_token.clone());
            Some((profile, keychain_token))
        }
        WorkspaceChoice::SignIn {
            workspace_id, region, ..
        } => {
            let existing = profiles::load(environment, &request.name).ok();
            let profile = Profile {
                workspace_id: Some(workspace_id.clone()),
                region: *region,
                // Signing in replaces the API token: the profile forgets it (and the keychain
                // too, see `forgets_keychain_token`), so only the user's own identity is used.
                api_token: None,
                token_store: TokenLocation::Profile,
                sandbox: false,
                gateway,
                auth: AuthMethod::OAuth,
                sign_in_store: login::sign_in_location(environment, existing.as_ref()),
                // A Headless MCP sign-in of the same profile stays as it was.
                headless: existing.and_then(|profile| profile.headless),
                filter: tool_filter_for(environment, request),
                approvals: kept_approvals(environment, &request.name),
            };
            Some((profile, None))
        }
        WorkspaceChoice::Sandbox | WorkspaceChoice::Headless { .. } => None,
    }
}

/// The approvals the existing profile recorded: kept unless the install approves anew (so the
/// rules stay known to `remove`).
fn kept_approvals(environment: &Environment, name: &ServerName) -> Vec<WrittenRules> {
    profiles::load(environment, name)
        .map(|old| old.approvals)
        .unwrap_or_default()
}

/// The tool filter the profile gets: the request's, else the one the existing profile of the
/// same workspace has (a reinstall keeps it, as it keeps the gateway setting).
fn tool_filter_for(environment: &Environment, request: &InstallRequest) -> ToolFilter {
    if let Some(filter) = &request.tools {
        return filter.clone();
    }
    let Some(workspace_id) = request.workspace.workspace_id() else {
        return ToolFilter::default();
    };
    profiles::load(environment, &request.name)
        .ok()
        .filter(|profile| profile.workspace_id.as_ref() == Some(workspace_id))
        .map(|profile| profile.filter)
        .unwrap_or_default()
}

/// The installed Node.js version (`node --version`), if any: what the bridge runs on.
pub fn node_version(environment: &Environment) -> Option<String> {
    let node = environment.find_on_path("node")?;
    let output = std::process::Command::new(node)
        .arg("--version")
        .stdin(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    let version = String::from_utf8_lossy(&output.stdout).trim().to_string();
    (output.status.success() && !version.is_empty()).then_some(version)
}

/// One entry to set in a client config, and the items the client keeps beside it (VS Code's
/// password input, added for http/bridge and taken out again for stdio).
#[derive(Debug, Clone)]
pub struct EntryUpsert {
    /// The config's format.
    pub format: Format,
    /// The keys leading to the entry.
    pub entry_path: Vec<String>,
    /// The entry's value.
    pub server: Value,
    /// The items kept in step beside it.
    pub companions: Vec<Companion>,
    /// For an entry in a file of its own ([`crate::clients::EntryFiles`]): the text the file
    /// starts from when it does not exist yet.
    pub new_file: Option<String>,
    /// Whose entry may be replaced, and which of its keys are ours (`None`: the value is set
    /// as it is, for a rename's move).
    pub guard: Option<EntryGuard>,
}

impl EntryUpsert {
    /// Sets the entry and its companions in `document`; what that did to the entry.
    pub fn apply_to(&self, document: &mut dyn ConfigDocument) -> Result<Change, FileProblem> {
        let path: Vec<&str> = self.entry_path.iter().map(String::as_str).collect();
        let server = match (&self.guard, path.last()) {
            (Some(guard), Some(name)) => guard.value_over(document.get(&path)?.as_ref(), &self.server, name)?,
            _ => self.server.clone(),
        };
        let mut change = document.set(&path, &server)?;
        for companion in &self.companions {
            if companion.apply(document)? && change == Change::Unchanged {
                change = Change::Updated;
            }
        }
        Ok(change)
    }
}

/// Sets entries in one client config (install: one; apply: every declared entry in the file).
pub struct UpsertEntries {
    /// The config's format.
    pub format: Format,
    /// The entries to set.
    pub upserts: Vec<EntryUpsert>,
}

impl UpsertEntries {
    /// Sets every entry in `document`: the file's change (`Added` only when every entry was).
    pub fn apply_to(&self, document: &mut dyn ConfigDocument) -> Result<Change, FileProblem> {
        let mut changes = Vec::new();
        for upsert in &self.upserts {
            changes.push(upsert.apply_to(document)?);
        }
        Ok(combined_change(&changes))
    }

    /// The keys of every entry it sets.
    pub fn entry_paths(&self) -> Vec<Vec<String>> {
        self.upserts.iter().map(|upsert| upsert.entry_path.clone()).collect()
    }

    /// The text the edit starts from: the file's, or for a missing file of its own entry, the
    /// header such a file starts with.
    pub fn starting_text<'a>(&'a self, current: Option<&'a str>) -> &'a str {
        current
            .or_else(|| self.upserts.iter().find_map(|upsert| upsert.new_file.as_deref()))
            .unwrap_or("")
    }
}

/// What several entry changes in one file amount to for the file.
pub fn combined_change(changes: &[Change]) -> Change {
    let changed: Vec<Change> = changes
        .iter()
        .copied()
        .filter(|change| *change != Change::Unchanged)
        .collect();
    match changed.first() {
        None => Change::Unchanged,
        Some(first) if changed.iter().all(|change| change == first) => *first,
        Some(_) => Change::Updated,
    }
}

impl FileEdit for UpsertEntries {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = crate::config::open(self.format, self.starting_text(current))?;
        let change = self.apply_to(document.as_mut())?;
        Ok(Edited {
            contents: Some(document.into_text()),
            change,
        })
    }

    fn secrets(&self, text: &str) -> Vec<String> {
        super::config_secrets(text, self.format, &self.entry_paths())
    }

    fn added_entries(&self) -> Vec<Vec<String>> {
        self.entry_paths()
    }
}

/// The absolute path of the running tray-mcp, which stdio entries launch (GUI apps do not
/// inherit the shell's PATH, so a bare `tray-mcp` would not be found).
pub fn current_binary() -> Result<PathBuf, CommandError> {
    let path = std::env::current_exe().map_err(|error| {
        CommandError::failure(
            format!("could not find the path of the tray-mcp binary: {error}"),
            "run tray-mcp by its full path",
        )
    })?;
    Ok(std::fs::canonicalize(&path).unwrap_or(path))
}
