//! `tray-mcp install`: one Tray server entry into each chosen client's config.
//!
//! The request is plain data (filled from flags by `cli.rs`, or by the wizard). An install runs
//! in three steps, one file each:
//!
//! - [`snapshot`]: everything it plans from is read once into an [`InstallSnapshot`] (the
//!   profile of the name and its sign-in, where each wanted client keeps its servers, every
//!   client file's server names, the files it edits, whole);
//! - [`plan`]: a pure function of the request and the snapshot — the entries, the profile, the
//!   notes, the name checks and every file's edit in memory (unit-tested without files);
//! - commit ([`finish`]): every file is re-read under its lock and edited again if it changed
//!   since the snapshot ([`crate::config::transaction`]), then written, all or nothing.
//!
//! Measured (debug read log, `tests/it/reads.rs`; `-c cursor,claude-code` over an existing
//! profile): the profile is opened 1 time before the commit instead of 7; each client file 1.

mod entries;
mod plan;
mod profile;
mod sign_in;
mod snapshot;
#[cfg(test)]
mod tests;

pub use entries::{
    ConfigEdit, EntryPlan, EntryUpsert, UpsertEntries, combined_change, entry_error, entry_plan, entry_spec,
    needs_tool_listing, request_spec, sets_client_filter,
};
pub use plan::{SignInStep, check_tool_filter};
pub use profile::existing_gateway;
pub(crate) use profile::{kept_gateway, profile_for};
use profile::{kept_gateway_note, kept_gateway_of, profile_from};
pub use sign_in::{SignInConflict, SignedIn, finish_signed_in, sign_in_first, signed_in_note};
use sign_in::{check_sign_in, kept_sign_in_notice, sign_in_notices};
pub use snapshot::{InstallSnapshot, ProfileState, Target};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

use crate::approvals::Approve;
use crate::clients::{ClientId, Companion, ConfigLocation, EntryError, EntrySpec, Scope, Transport};
use crate::config::safe_write::Privacy;
use crate::config::transaction::{Edited, FileEdit, FileProblem};
use crate::config::{Change, ConfigDocument, Format};
use crate::context::Context;
use crate::error::CommandError;
use crate::inventory::{config_role, entry_path};
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

impl InstallRequest {
    /// A stdio entry `name` of `workspace` in the user scope of `clients`, with every other
    /// choice left to install's defaults (the gateway and tool filter as an existing profile of
    /// the same workspace has them, no approvals, no skips, not forced, not a dry run).
    pub fn stdio(clients: Vec<ClientId>, workspace: WorkspaceChoice, name: ServerName) -> Self {
        InstallRequest {
            clients,
            every_client: false,
            workspace,
            name,
            transport: Transport::Stdio,
            scope: Scope::User,
            gateway: None,
            dry_run: false,
            skip: Vec::new(),
            editor_profile: None,
            token_variable: None,
            force: false,
            tools: None,
            approve: None,
            gateway_tools: Vec::new(),
        }
    }
}

/// Plans and (unless `dry_run`) performs an install whose entries launch the binary
/// `placement` names. A `--sign-in` install signs in (`say` shows the sign-in URL) after
/// planning and before writing, so a refused sign-in writes nothing.
pub fn install(
    environment: &Context,
    request: &InstallRequest,
    placement: &Placement,
    say: &dyn Fn(&str),
) -> Result<Report, CommandError> {
    let planned = plan(environment, request, &placement.entry_binary)?;
    let signed_in = sign_in_first(environment, request, &planned, say)?;
    finish_signed_in(environment, request, planned, placement, signed_in)
}

/// Whether entries of `transport` launch tray-mcp's own binary (only stdio entries do; bridge,
/// http and headless entries name a URL or `npx`).
pub fn launches_binary(transport: Transport) -> bool {
    match transport {
        Transport::Stdio => true,
        Transport::Bridge | Transport::Http | Transport::Headless => false,
    }
}

/// Reads and edits every file in memory; nothing is written. The profile's token goes where
/// the context's token store prefers. Three steps: the request's own checks, one read of
/// everything the install plans from ([`InstallSnapshot::read`]), then the pure [`plan::plan`].
pub fn plan(environment: &Context, request: &InstallRequest, binary: &Path) -> Result<InstallPlan, CommandError> {
    // What the request alone gets wrong is said before anything is read.
    check_tool_filter(request)?;
    request_spec(environment, request, binary)?;
    let token_store = Arc::clone(environment.shared_store().get());
    let snapshot = InstallSnapshot::read(environment, request, token_store)?;
    plan::plan(request, binary, snapshot)
}

/// The approvals of a stdio install of a real workspace (others have no profile to record them
/// in), recorded into `profile` (`apply` plans each declared entry's with this).
pub(crate) fn approval_plan(
    environment: &Context,
    request: &InstallRequest,
    configs: &mut [ConfigEdit],
    profile: Option<&mut Profile>,
) -> super::approve::ApprovalPlan {
    if profile.is_none() {
        return super::approve::ApprovalPlan::default();
    }
    let previous = plan::existing_approvals(&ProfileState::read(environment, request));
    plan::approvals_with(environment, request, configs, profile, &previous)
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

/// What to say of the files whose entries hold the token inline: one note naming them all (an
/// install into every client by bridge said it once per file, 19 lines), and for a project file
/// the warning to keep it out of version control.
fn inline_token_notices(environment: &Environment, request: &InstallRequest, paths: &[&Path]) -> Vec<Notice> {
    let transport = request.transport.as_str();
    let shown: Vec<String> = paths.iter().map(|path| environment.display_path(path)).collect();
    let mut notices = match shown.as_slice() {
        [] => Vec::new(),
        [one] => vec![Notice::note(format!(
            "the {transport} transport needs the API token inside {one}; tray-mcp makes that file readable only by you"
        ))],
        several => vec![Notice::note(format!(
            "the {transport} transport needs the API token inside each of these {} files: {}; tray-mcp makes each readable only by you",
            several.len(),
            several.join(", ")
        ))],
    };
    if request.scope == Scope::Project {
        notices.extend(shown.iter().map(|shown_path| Notice::warning(format!(
            "{shown_path} is a project file, often committed: keep it out of version control (or use --transport stdio, which keeps the token in tray-mcp's profile store)"
        ))));
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
    pub token_store: Arc<TokenStore>,
    /// The keychain write that goes with the profile (none when the token stays in the file).
    pub keychain: KeychainChanges,
    /// The sign-in a `--sign-in` install still needs before it writes ([`sign_in_first`]).
    pub sign_in: Option<SignInStep>,
    /// The Agent Gateway setting of the planned profile (stdio entries of a real workspace):
    /// what the install's verification asks about, without reading the profile again.
    pub gateway: Option<bool>,
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
        ..
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

/// What a new stdio profile of a real workspace gets: the Agent Gateway's tools, the Workflow
/// and Connector Tools the user came for (a workspace without a gateway keeps the built-in ones).
pub const DEFAULT_GATEWAY: bool = true;

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
