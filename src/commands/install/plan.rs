//! Install's planning step: a pure function of the request and what [`super::snapshot`] read.
//! No file is opened here: the profile's questions are answered from the snapshot's
//! [`ProfileState`], the name checks from its names, and every file's edit is made on the text
//! the snapshot read ([`crate::config::transaction::plan_read`]); the commit re-reads under the
//! lock and edits again when a file changed meanwhile.

use super::snapshot::{InstallSnapshot, ProfileState, Target};
use super::*;

use crate::inventory::NamedEntry;

/// What a `--sign-in` install still has to do before it writes, as the snapshot found it.
#[derive(Debug, Clone, Copy)]
pub struct SignInStep {
    /// Where the sign-in's tokens go.
    pub location: SignInLocation,
    /// The profile signed in by OAuth before this install.
    pub was_oauth: bool,
}

/// Plans the install of `request` (entries launching `binary`) from `snapshot`: every file
/// edited in memory, the notes, the keychain changes. Refuses, with nothing written, what the
/// install refuses: an entry of the same name tray-mcp did not write, a name that differs only
/// in case from another, a second entry file of one name.
pub fn plan(
    request: &InstallRequest,
    binary: &Path,
    snapshot: InstallSnapshot<'_>,
) -> Result<InstallPlan, CommandError> {
    check_tool_filter(request)?;
    let environment = snapshot.environment;
    let EntryPlan {
        mut configs,
        mut profile,
        keychain_write,
        mut notices,
    } = entries::plan_entries(request, binary, &snapshot, snapshot.token_store.preferred())?;
    let previous = existing_approvals(&snapshot.profile);
    let approvals = approvals_with(environment, request, &mut configs, profile.as_mut(), &previous);
    notices.extend(approvals.notices);
    if request.transport == Transport::Headless
        && let Some(region) = request.workspace.headless_region()
    {
        let clients: Vec<ClientId> = configs.iter().map(|edit| edit.owner.0).collect();
        notices
            .extend(crate::tray_plugin::install_note_among(&snapshot.plugins, &clients, region).map(Notice::warning));
    }
    configs.iter_mut().for_each(|edit| edit.note_record(&snapshot.written));
    super::super::CaseNames::with_profiles(environment, &snapshot.profile_names, &snapshot.names)
        .check(&request.name)?;
    check_one_file_per_name(&configs, &snapshot.targets, &snapshot.names, &request.name)?;
    let mut tasks: Vec<LabeledTask> = configs.into_iter().map(|edit| edit.into_task(environment)).collect();
    tasks.extend(super::super::approve::into_tasks(environment, approvals.edits));
    let mut keychain = KeychainChanges::default();
    keychain.writes.extend(keychain_write);
    if forgets_keychain_token(&snapshot.profile, profile.as_ref()) {
        keychain.deletes.push(request.name.clone());
    }
    let InstallSnapshot {
        token_store,
        mut reads,
        profile: profile_state,
        ..
    } = snapshot;
    if let Some(reason) = token_store.fallback_reason()
        && profile.as_ref().is_some_and(|profile| profile.api_token.is_some())
    {
        notices.push(Notice::note(format!(
            "no OS keychain answers here ({reason}): the API token goes to the profile file, readable only by you"
        )));
    }
    let gateway = profile.as_ref().map(|profile| profile.gateway);
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
        sign_in: sign_in_step(request, &profile_state),
        gateway,
    })
}

/// The sign-in a `--sign-in` install still needs (none when the profile holds a valid one).
pub(super) fn sign_in_step(request: &InstallRequest, profile: &ProfileState) -> Option<SignInStep> {
    if !matches!(request.workspace, WorkspaceChoice::SignIn { .. }) || profile.holds_valid_sign_in {
        return None;
    }
    Some(SignInStep {
        location: profile.sign_in_location,
        was_oauth: profile
            .existing
            .as_ref()
            .is_some_and(|profile| profile.auth == AuthMethod::OAuth),
    })
}

/// The approvals the existing profile recorded.
pub(super) fn existing_approvals(profile: &ProfileState) -> Vec<WrittenRules> {
    profile
        .existing
        .as_ref()
        .map(|old| old.approvals.clone())
        .unwrap_or_default()
}

/// The approvals of a stdio install of a real workspace (others have no profile to record them
/// in), recorded into `profile`; `previous` are the ones the existing profile recorded.
pub(super) fn approvals_with(
    environment: &Environment,
    request: &InstallRequest,
    configs: &mut [ConfigEdit],
    profile: Option<&mut Profile>,
    previous: &[WrittenRules],
) -> super::super::approve::ApprovalPlan {
    let Some(profile) = profile else {
        return super::super::approve::ApprovalPlan::default();
    };
    let plan = super::super::approve::plan(
        environment,
        &request.name,
        configs,
        request.approve,
        (&request.gateway_tools, &profile.filter),
        previous,
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
fn forgets_keychain_token(existing: &ProfileState, profile: Option<&Profile>) -> bool {
    profile.is_some_and(|profile| profile.auth == AuthMethod::OAuth)
        && existing
            .existing
            .as_ref()
            .is_some_and(|old| old.token_store == TokenLocation::Keychain)
}

/// Refuses to give an entry a file of its own when another file of the same client and scope
/// already has an entry of that name (Continue would then run two servers of one name): the
/// user's own block file, or the list in its `config.yaml`.
fn check_one_file_per_name(
    configs: &[ConfigEdit],
    targets: &[Target],
    names: &[NamedEntry],
    name: &ServerName,
) -> Result<(), CommandError> {
    for edit in configs {
        let kind = edit.owner.0;
        let client = kind.client();
        if client.entry_files().is_none() {
            continue;
        }
        let files: &[PathBuf] = targets
            .iter()
            .find(|target| target.kind == kind)
            .map(|target| target.scope_files.as_slice())
            .unwrap_or_default();
        let elsewhere = names.iter().find(|entry| {
            entry.client == kind
                && entry.name == name.as_str()
                && entry.path != edit.path
                && files.contains(&entry.path)
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
