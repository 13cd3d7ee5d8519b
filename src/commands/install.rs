//! `tray-mcp install`: one Tray server entry into each chosen client's config.
//!
//! The request is plain data (filled from flags by `cli.rs`, or by the wizard). Every file is
//! planned before any is written; see [`crate::config::transaction`].

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::clients::{ClientId, Companion, EntryError, EntrySpec, Scope, Transport};
use crate::config::safe_write::{self, Privacy};
use crate::config::transaction::{self, Edited, FileEdit, FileProblem, FileTask, Planned};
use crate::config::{Change, Format};
use crate::error::CommandError;
use crate::paths::Environment;
use crate::profiles::{self, Profile};
use crate::secrets::Redactor;
use crate::token_store::{KeychainChanges, TokenLocation, TokenStore};
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

use super::report::{FileReport, Report};

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
    /// The embedded demo workspace (`tray-mcp serve --sandbox`): no account needed.
    Sandbox,
}

/// Everything one install needs, from flags or from the wizard.
#[derive(Debug, Clone)]
pub struct InstallRequest {
    /// The clients to configure.
    pub clients: Vec<ClientId>,
    /// The workspace.
    pub workspace: WorkspaceChoice,
    /// The entry's name.
    pub name: ServerName,
    /// How the clients reach Tray.
    pub transport: Transport,
    /// Which config of each client.
    pub scope: Scope,
    /// Pass the workspace's Agent Gateway tools through the bundled server.
    pub gateway: bool,
    /// Show what would change without writing.
    pub dry_run: bool,
    /// Clients to leave out (the wizard's "don't overwrite" answers).
    pub skip: Vec<ClientId>,
}

/// Plans and (unless `dry_run`) performs an install.
pub fn install(environment: &Environment, request: &InstallRequest, binary: &Path) -> Result<Report, CommandError> {
    let planned = plan(environment, request, binary)?;
    finish(environment, request, planned)
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
    let mut notices = Vec::new();
    let mut tasks = Vec::new();
    let mut clients_of_task = Vec::new();
    // `-c all` means every client installed here (its folder exists); a client named on its own
    // is configured whether or not it is installed yet.
    let every_client = request.clients.len() == ClientId::all().len();
    let wanted: Vec<ClientId> = request
        .clients
        .iter()
        .copied()
        .filter(|kind| !every_client || kind.client().install_marker(environment).exists())
        .collect();
    if wanted.is_empty() {
        return Err(CommandError::usage(
            "none of the supported clients is installed here",
            "name the clients to configure with -c (`tray-mcp clients` lists them and their files)",
        ));
    }
    for &kind in &wanted {
        if request.skip.contains(&kind) {
            continue;
        }
        let client = kind.client();
        let Some(location) = client.location(environment, request.scope) else {
            if every_client {
                notices.push(format!(
                    "note: {} has no {} scope; skipped",
                    client.display_name(),
                    request.scope.as_str()
                ));
                continue;
            }
            return Err(CommandError::usage(
                format!("{} has no {} scope", client.display_name(), request.scope.as_str()),
                format!(
                    "{} supports --scope {}",
                    client.display_name(),
                    client
                        .scopes()
                        .iter()
                        .map(|scope| scope.as_str())
                        .collect::<Vec<_>>()
                        .join(" or ")
                ),
            ));
        };
        let spec = entry_spec(environment, request, binary);
        let entry = client.entry(&spec).map_err(entry_error)?;
        let shown_path = environment.display_path(&location.path);
        notices.extend(entry.notice.iter().map(|notice| format!("note: {notice}")));
        if let Some(caveat) = client.caveat(request.scope) {
            notices.push(format!("note: {caveat}"));
        }
        if entry.holds_token {
            notices.push(format!(
                "note: the {} transport needs the API token inside {shown_path}; tray-mcp makes that file readable only by you",
                request.transport.as_str()
            ));
            if request.scope == Scope::Project {
                notices.push(format!(
                    "warning: {shown_path} is a project file, often committed: keep it out of version control (or use --transport stdio, which keeps the token in tray-mcp's profile store)"
                ));
            }
        }
        tasks.push(FileTask {
            path: location.path,
            shown_path,
            role: format!("{} config", client.display_name()),
            privacy: if entry.holds_token {
                Privacy::OwnerOnly
            } else {
                Privacy::Ordinary
            },
            backup: true,
            edit: Box::new(UpsertEntry {
                format: client.format(),
                servers_key: location.servers_key,
                name: request.name.to_string(),
                server: entry.server,
                companions: entry.companions,
            }),
        });
        clients_of_task.push(Some(kind));
    }
    if request.transport == Transport::Bridge && environment.find_on_path("npx").is_none() {
        notices.push(
            "warning: npx is not on PATH: bridge entries need Node.js (https://nodejs.org); or use --transport stdio, which needs no Node.js"
                .to_string(),
        );
    }
    let mut keychain = KeychainChanges::default();
    if let Some((task, token)) = profile_task(environment, request, token_store.preferred()) {
        if let Some(token) = token {
            notices.push(format!(
                "note: the API token goes to the OS keychain (service {}, account {}); the profile file records only that",
                crate::token_store::SERVICE,
                request.name
            ));
            keychain.writes.push((request.name.clone(), token));
        }
        tasks.push(task);
        clients_of_task.push(None);
    }
    let files = transaction::plan(tasks)?;
    Ok(InstallPlan {
        files,
        clients: clients_of_task,
        notices,
        token_store,
        keychain,
    })
}

/// The planned files of an install.
pub struct InstallPlan {
    /// Every file, planned.
    pub files: Vec<Planned>,
    /// The client of each file (`None` for tray-mcp's own profile).
    pub clients: Vec<Option<ClientId>>,
    /// Notes and warnings for stderr.
    pub notices: Vec<String>,
    /// Where the profile's token goes.
    pub token_store: TokenStore,
    /// The keychain write that goes with the profile (none when the token stays in the file).
    pub keychain: KeychainChanges,
}

/// Writes a plan (or, for a dry run, shows its diffs).
pub fn finish(environment: &Environment, request: &InstallRequest, plan: InstallPlan) -> Result<Report, CommandError> {
    let InstallPlan {
        files,
        clients,
        notices,
        token_store,
        keychain,
    } = plan;
    let redactor = match &request.workspace {
        WorkspaceChoice::Tray { api_token, .. } => Redactor::new([api_token]),
        WorkspaceChoice::Sandbox => Redactor::default(),
    };
    if !request.dry_run {
        safe_write::create_private_dir(&profiles::profiles_dir(environment)).ok();
    }
    let labels: Vec<super::Label> = clients
        .iter()
        .map(|client| (*client, client.map(|_| request.scope)))
        .collect();
    // The keychain write happens before the commit and is undone if the commit fails, so a
    // profile that says "keychain" never exists without its entry. A keychain that refuses the
    // write (locked, access denied) fails the install with nothing written; the token is not
    // silently put in a file instead.
    let mut report = super::finish_planned(
        environment,
        files,
        &labels,
        request.dry_run,
        &redactor,
        notices,
        (&token_store, &keychain),
    )?;
    if !report.dry_run {
        report.next_steps = next_steps(&report.files);
    }
    Ok(report)
}

fn next_steps(reports: &[FileReport]) -> Vec<String> {
    let mut steps: Vec<String> = reports
        .iter()
        .filter(|report| report.change != Change::Unchanged)
        .filter_map(|report| report.client)
        .map(|kind| format!("{}: {}", kind.client().display_name(), kind.client().reload_hint()))
        .collect();
    steps.dedup();
    steps
}

fn entry_spec(environment: &Environment, request: &InstallRequest, binary: &Path) -> EntrySpec {
    let (workspace_id, api_token, sandbox) = match &request.workspace {
        WorkspaceChoice::Tray {
            workspace_id,
            api_token,
            ..
        } => (Some(workspace_id.clone()), Some(api_token.clone()), false),
        WorkspaceChoice::Sandbox => (None, None, true),
    };
    EntrySpec {
        name: request.name.clone(),
        transport: request.transport,
        workspace_id,
        api_token,
        binary: binary.to_path_buf(),
        sandbox,
        os: environment.os,
    }
}

fn entry_error(error: EntryError) -> CommandError {
    match &error {
        EntryError::UnsupportedTransport { hint, .. } => CommandError::usage(error.to_string(), *hint),
        EntryError::SandboxNeedsStdio => CommandError::usage(
            error.to_string(),
            "drop --transport, or give --workspace-id and --api-token",
        ),
    }
}

/// The profile `tray-mcp serve --profile NAME` reads (stdio entries for a real workspace), and
/// the token to put in the keychain when `location` is the keychain.
fn profile_task(
    environment: &Environment,
    request: &InstallRequest,
    location: TokenLocation,
) -> Option<(FileTask, Option<ApiToken>)> {
    let WorkspaceChoice::Tray {
        workspace_id,
        api_token,
        region,
    } = &request.workspace
    else {
        return None;
    };
    if request.transport != Transport::Stdio {
        return None;
    }
    let mut profile = Profile {
        workspace_id: Some(workspace_id.clone()),
        region: *region,
        api_token: None,
        token_store: TokenLocation::Profile,
        sandbox: false,
        gateway: request.gateway,
    };
    TokenStore::place(&mut profile, api_token, location);
    let keychain_token = (location == TokenLocation::Keychain).then(|| api_token.clone());
    let path = profiles::profile_path(environment, &request.name);
    let task = FileTask {
        shown_path: environment.display_path(&path),
        path,
        role: "tray-mcp profile".to_string(),
        privacy: Privacy::OwnerOnly,
        // A backup of a profile would be one more copy of the token.
        backup: false,
        edit: Box::new(super::WriteProfile { profile }),
    };
    Some((task, keychain_token))
}

/// Sets `servers_key.name` in a client config, and the items the client keeps beside it (VS
/// Code's password input, added for http/bridge and taken out again for stdio).
struct UpsertEntry {
    format: Format,
    servers_key: Vec<String>,
    name: String,
    server: Value,
    companions: Vec<Companion>,
}

impl FileEdit for UpsertEntry {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        let mut document = crate::config::open(self.format, current.unwrap_or(""))?;
        let mut path: Vec<&str> = self.servers_key.iter().map(String::as_str).collect();
        path.push(&self.name);
        let mut change = document.set(&path, &self.server)?;
        for companion in &self.companions {
            if companion.apply(document.as_mut())? && change == Change::Unchanged {
                change = Change::Updated;
            }
        }
        Ok(Edited {
            contents: Some(document.into_text()),
            change,
        })
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
