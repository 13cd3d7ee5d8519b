//! The profile an install writes: what it keeps from the profile already there (gateway,
//! approvals, tool filter) and what the request changes.

use super::snapshot::ProfileState;
use super::*;

/// The gateway setting of the existing profile `name` when it serves `workspace_id`: what a
/// reinstall keeps unless `--gateway` or `--no-gateway` says otherwise (the wizard offers it as
/// its answer's default).
pub fn existing_gateway(environment: &Environment, name: &ServerName, workspace_id: &WorkspaceId) -> Option<bool> {
    let profile = profiles::load(environment, name).ok()?;
    (profile.workspace_id.as_ref() == Some(workspace_id)).then_some(profile.gateway)
}

/// The existing profile's setting, when the request leaves the gateway to the default and that
/// setting differs from it (the default is on): kept, and said so, never flipped silently.
pub(crate) fn kept_gateway(environment: &Context, request: &InstallRequest) -> Option<bool> {
    kept_gateway_of(request, &ProfileState::read(environment, request))
}

/// [`kept_gateway`] from the profile as read.
pub(super) fn kept_gateway_of(request: &InstallRequest, state: &ProfileState) -> Option<bool> {
    let workspace_id = request.workspace.workspace_id()?;
    if request.gateway.is_some() || request.transport != Transport::Stdio {
        return None;
    }
    let profile = state.existing.as_ref()?;
    (profile.workspace_id.as_ref() == Some(workspace_id))
        .then_some(profile.gateway)
        .filter(|gateway| *gateway != DEFAULT_GATEWAY)
}

pub(super) fn kept_gateway_note(name: &ServerName, kept: bool) -> String {
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
    environment: &Context,
    request: &InstallRequest,
    kept_gateway: Option<bool>,
    location: TokenLocation,
) -> Option<(Profile, Option<ApiToken>)> {
    profile_from(
        request,
        kept_gateway,
        location,
        &ProfileState::read(environment, request),
    )
}

/// [`profile_for`] from the existing profile as read (`state`): no I/O.
pub(super) fn profile_from(
    request: &InstallRequest,
    kept_gateway: Option<bool>,
    location: TokenLocation,
    state: &ProfileState,
) -> Option<(Profile, Option<ApiToken>)> {
    if request.transport != Transport::Stdio {
        return None;
    }
    let gateway = request.gateway.or(kept_gateway).unwrap_or(DEFAULT_GATEWAY);
    let existing = state.existing.as_ref();
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
                sign_in_store: existing.map(|old| old.sign_in_store).unwrap_or_default(),
                // An API-token profile: the Headless MCP needs a sign-in, so nothing to say yet.
                headless: None,
                filter: tool_filter_from(request, existing),
                approvals: existing.map(|old| old.approvals.clone()).unwrap_or_default(),
            };
            profile.set_token(api_token, location);
            let keychain_token = (location == TokenLocation::Keychain).then(|| api_token.clone());
            Some((profile, keychain_token))
        }
        WorkspaceChoice::SignIn {
            workspace_id, region, ..
        } => {
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
                sign_in_store: state.sign_in_location,
                // A Headless MCP sign-in of the same profile stays as it was.
                headless: existing.and_then(|profile| profile.headless),
                filter: tool_filter_from(request, existing),
                approvals: existing.map(|old| old.approvals.clone()).unwrap_or_default(),
            };
            Some((profile, None))
        }
        WorkspaceChoice::Sandbox | WorkspaceChoice::Headless { .. } => None,
    }
}

/// The tool filter the profile gets: the request's, else the one the existing profile of the
/// same workspace has (a reinstall keeps it, as it keeps the gateway setting).
fn tool_filter_from(request: &InstallRequest, existing: Option<&Profile>) -> ToolFilter {
    if let Some(filter) = &request.tools {
        return filter.clone();
    }
    let Some(workspace_id) = request.workspace.workspace_id() else {
        return ToolFilter::default();
    };
    existing
        .filter(|profile| profile.workspace_id.as_ref() == Some(workspace_id))
        .map(|profile| profile.filter.clone())
        .unwrap_or_default()
}
