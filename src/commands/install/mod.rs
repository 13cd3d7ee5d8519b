//! `tray-mcp install`: one Tray server entry into each chosen client's config.
//!
//! The request is plain data (filled from flags by `cli.rs`, or by the wizard). Every file is
//! planned before any is written; see [`crate::config::transaction`].

mod entries;
mod profile;
mod sign_in;

pub use entries::{
    ConfigEdit, EntryPlan, EntryUpsert, UpsertEntries, combined_change, entry_error, entry_plan, entry_spec,
    needs_tool_listing, request_spec, sets_client_filter,
};
pub use profile::existing_gateway;
use profile::kept_gateway_note;
pub(crate) use profile::{kept_gateway, profile_for};
pub use sign_in::{
    PendingSignIn, SignInConflict, SignedIn, finish_signed_in, pending_sign_in, sign_in_first, signed_in_note,
};
use sign_in::{check_sign_in, kept_sign_in_notice, sign_in_notices};

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

/// A tool filter is kept in the profile `tray-mcp serve --profile NAME` reads, for stdio
/// entries of a real workspace, or written into the client's own filter keys, for bridge and
/// http entries (each client's refusal comes with its entry); sandbox and Headless entries
/// take none. Approvals go by the profile, so only stdio entries take them.
pub fn check_tool_filter(request: &InstallRequest) -> Result<(), CommandError> {
    let filtered = request.tools.as_ref().is_some_and(|filter| !filter.is_empty());
    let client_filter = matches!(request.transport, Transport::Bridge | Transport::Http)
        && !matches!(request.workspace, WorkspaceChoice::Sandbox);
    if client_filter && filtered && !request.every_client {
        // A client named without a filter of its own is refused before anything else.
        let unfiltered = request
            .clients
            .iter()
            .filter(|kind| !request.skip.contains(kind))
            .find(|kind| kind.client().tool_filter().is_none());
        if let Some(kind) = unfiltered {
            return Err(entry_error(EntryError::NoToolFilter {
                client: kind.client().display_name(),
                transport: request.transport.as_str(),
            }));
        }
    }
    if (!filtered || client_filter) && request.approve.is_none() {
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
