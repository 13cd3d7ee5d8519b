//! `tray-mcp login NAME` and `tray-mcp logout NAME`: sign an entry in with the user's Tray
//! identity (OAuth) instead of an API token, or forget the sign-in.
//!
//! The entry's profile records `"auth": "oauth"` (and where the sign-in is kept); the tokens go
//! where API tokens go, the OS keychain else a 0600 file (see [`crate::oauth::store`]). A
//! profile that does not exist yet is created for `--workspace-id` (with the Agent Gateway on:
//! that is what signs in), so `login` works before any client is configured.

use crate::context::Context;
use crate::error::CommandError;
use crate::oauth::store::SignInStore;
use crate::oauth::{self, LoginOptions, LoginOutcome};
use crate::profiles::SignInLocation;
use crate::profiles::{self, AuthMethod, Profile, ProfileError, TokenLocation};
use crate::secrets::Redactor;
use crate::token_store::KeychainChanges;
use crate::tray::{Region, ServerName, WorkspaceId};

use super::report::Report;
use super::{Finish, WriteProfile, execute_with_keychain, profile_task};
use crate::notice::Notice;

/// What `login` was asked. Plain data: no clap types.
#[derive(Debug, Clone)]
pub struct LoginRequest {
    /// The entry and profile.
    pub name: ServerName,
    /// The workspace, for a profile that does not exist yet.
    pub workspace_id: Option<WorkspaceId>,
    /// Its region.
    pub region: Option<Region>,
    /// A client ID registered beforehand.
    pub client_id: Option<String>,
    /// Its secret (from `TRAY_OAUTH_CLIENT_SECRET`).
    pub client_secret: Option<String>,
    /// The client ID metadata document URL (`TRAY_OAUTH_CLIENT_METADATA_URL`).
    pub client_metadata_url: Option<String>,
    /// Only print the sign-in URL.
    pub no_browser: bool,
    /// `$BROWSER`.
    pub browser: Option<String>,
    /// Sign in to Tray's Headless MCP (its own record beside the gateway's), not the gateway.
    pub headless: bool,
    /// Check the new sign-in with Tray afterwards (not `--no-verify`).
    pub verify: bool,
}

/// What `login` did: the profile report and the sign-in.
#[derive(Debug)]
pub struct LoginDone {
    /// The profile file written.
    pub report: Report,
    /// The sign-in.
    pub outcome: LoginOutcome,
}

/// How a sign-in reaches the user and which client tray-mcp is at the authorization server:
/// what `login` and `install --sign-in` (and the wizard's sign-in path) share.
#[derive(Debug, Clone, Default)]
pub struct SignInOptions {
    /// A client ID registered beforehand.
    pub client_id: Option<String>,
    /// Its secret (from `TRAY_OAUTH_CLIENT_SECRET`).
    pub client_secret: Option<String>,
    /// The client ID metadata document URL (`TRAY_OAUTH_CLIENT_METADATA_URL`).
    pub client_metadata_url: Option<String>,
    /// Only print the sign-in URL.
    pub no_browser: bool,
    /// `$BROWSER`.
    pub browser: Option<String>,
    /// Never sign in here (`apply`, which runs unattended): an entry not signed in yet is
    /// written all the same, and the report says to run `tray-mcp login NAME`.
    pub unattended: bool,
}

impl SignInOptions {
    /// The options of one sign-in to `resource`; the browser may take `TRAY_MCP_LOGIN_WAIT_SECS`
    /// (default 300 s) to come back.
    fn for_resource(&self, variables: &crate::env::Variables, resource: String) -> LoginOptions {
        LoginOptions {
            resource,
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            client_metadata_url: self.client_metadata_url.clone(),
            open_browser: !self.no_browser,
            browser: self.browser.clone(),
            wait: variables.login_wait.unwrap_or(crate::env::DEFAULT_LOGIN_WAIT),
        }
    }
}

impl LoginRequest {
    fn sign_in_options(&self) -> SignInOptions {
        SignInOptions {
            client_id: self.client_id.clone(),
            client_secret: self.client_secret.clone(),
            client_metadata_url: self.client_metadata_url.clone(),
            no_browser: self.no_browser,
            browser: self.browser.clone(),
            unattended: false,
        }
    }
}

/// Signs `name` in to the Agent Gateway of `workspace_id` and keeps the tokens at `location`,
/// without touching the profile: `install --sign-in` does this before it writes anything, so a
/// refused or abandoned sign-in leaves every file as it was.
pub fn sign_in_to_gateway(
    context: &Context,
    name: &ServerName,
    workspace_id: &WorkspaceId,
    location: SignInLocation,
    options: &SignInOptions,
    say: &dyn Fn(&str),
) -> Result<LoginOutcome, CommandError> {
    let store = SignInStore::new(context, name, location);
    let resource = gateway_url(&context.variables, workspace_id);
    oauth::login(&store, &options.for_resource(&context.variables, resource), say)
}

/// Where the sign-in of `profile` (if any) is kept, or goes: where it already is for a profile
/// that signs in, else the preferred place (the OS keychain when there is one).
pub fn sign_in_location(context: &Context, profile: Option<&Profile>) -> SignInLocation {
    match profile {
        Some(profile) if profile.auth == AuthMethod::OAuth => profile.sign_in_store,
        _ => SignInStore::preferred(context),
    }
}

/// Signs the entry in; `say` shows the user the sign-in URL (stderr).
pub fn login(context: &Context, request: &LoginRequest, say: &dyn Fn(&str)) -> Result<LoginDone, CommandError> {
    let name = &request.name;
    let mut profile = match profiles::load(context, name) {
        Ok(profile) => profile,
        Err(ProfileError::NotFound { .. }) => new_profile(request)?,
        Err(error) => return Err(CommandError::failure(error.to_string(), error.hint())),
    };
    if profile.sandbox {
        return Err(CommandError::failure(
            format!("{name} serves the built-in sandbox, which needs no sign-in"),
            "sign in an entry of a real workspace",
        ));
    }
    let workspace_id = profile.workspace_id.clone().ok_or_else(|| {
        CommandError::failure(
            format!("the tray-mcp profile {name} has no workspace_id"),
            format!("re-create it with `tray-mcp install --name {name}`"),
        )
    })?;
    let location = sign_in_location(context, Some(&profile));
    let gateway_store = SignInStore::new(context, name, location);
    let variables = &context.variables;
    let (store, resource) = if request.headless {
        (gateway_store.for_headless(), headless_url(variables, profile.region))
    } else {
        (gateway_store, gateway_url(variables, &workspace_id))
    };
    let outcome = oauth::login(
        &store,
        &request.sign_in_options().for_resource(variables, resource),
        say,
    )?;
    profile.sign_in_store = location;
    let mut notices = Vec::new();
    if !request.headless {
        // The Headless MCP's sign-in leaves how the gateway is reached as it was.
        profile.auth = AuthMethod::OAuth;
        if !profile.gateway {
            notices.push(Notice::note(format!(
                "the Agent Gateway is on for {name} from now on: the sign-in is the gateway's (to turn it off again, install {name} with --no-gateway)"
            )));
        }
        profile.gateway = true;
    }
    let report = write_profile(context, name, profile, notices)?;
    Ok(LoginDone { report, outcome })
}

/// The Agent Gateway URL the entry signs in to: `TRAY_GATEWAY_URL`, else the workspace's.
fn gateway_url(variables: &crate::env::Variables, workspace_id: &WorkspaceId) -> String {
    variables
        .gateway_url
        .clone()
        .unwrap_or_else(|| format!("{}/", workspace_id.gateway_url()))
}

/// The Headless MCP URL the entry signs in to with `--headless`: `TRAY_HEADLESS_URL`, else the
/// region's (the same one `serve` connects to).
fn headless_url(variables: &crate::env::Variables, region: Region) -> String {
    variables.headless_url.clone().unwrap_or_else(|| region.headless_url())
}

fn new_profile(request: &LoginRequest) -> Result<Profile, CommandError> {
    let name = &request.name;
    if request.headless {
        // The Headless MCP's sign-in sits beside how the entry reaches its workspace (a token
        // or a gateway sign-in); a profile made here would have neither, and every built-in
        // and gateway call would answer "sign in".
        return Err(CommandError::usage(
            format!("there is no tray-mcp entry named {name} yet: --headless adds the Headless MCP to an existing one"),
            format!(
                "create it first: `tray-mcp login {name} --workspace-id UUID` (sign in) or \
                 `tray-mcp --name {name} --workspace-id UUID --client CLIENT --api-token-stdin` (token), \
                 then `tray-mcp login {name} --headless`"
            ),
        ));
    }
    let workspace_id = request.workspace_id.clone().ok_or_else(|| {
        CommandError::usage(
            format!("there is no tray-mcp entry named {name} yet"),
            format!("pass its workspace: `tray-mcp login {name} --workspace-id UUID`, or see `tray-mcp list`"),
        )
    })?;
    Ok(Profile {
        workspace_id: Some(workspace_id),
        region: request.region.unwrap_or_default(),
        api_token: None,
        token_store: TokenLocation::Profile,
        sandbox: false,
        gateway: true,
        auth: AuthMethod::OAuth,
        sign_in_store: SignInLocation::File,
        headless: None,
        filter: Default::default(),
        approvals: Vec::new(),
    })
}

fn write_profile(
    context: &Context,
    name: &ServerName,
    profile: Profile,
    notices: Vec<Notice>,
) -> Result<Report, CommandError> {
    let store = context.store();
    let redactor = Redactor::new(profile.api_token.iter());
    execute_with_keychain(
        context,
        vec![profile_task(context, name, Box::new(WriteProfile { profile }))],
        Finish {
            dry_run: false,
            redactor: &redactor,
            notices,
            store,
            keychain: &KeychainChanges::default(),
            binary: None,
        },
    )
}

/// Forgets the sign-ins of `name` (the gateway's and the Headless MCP's; with `headless_only`
/// the Headless MCP's alone), revoking their tokens where the server offers revocation
/// (RFC 7009). The profile keeps `"auth": "oauth"`, so `serve` says to sign in again.
pub fn logout(context: &Context, name: &ServerName, headless_only: bool) -> Result<Report, CommandError> {
    let profile =
        profiles::load(context, name).map_err(|error| CommandError::failure(error.to_string(), error.hint()))?;
    let gateway = SignInStore::new(context, name, profile.sign_in_store);
    let headless = gateway.clone().for_headless();
    let headless_signed_in = headless.load().ok().flatten().is_some();
    // A profile installed with a token after it signed in keeps that sign-in until now.
    let gateway_signed_in = profile.auth == AuthMethod::OAuth || gateway.load().ok().flatten().is_some();
    if !gateway_signed_in && !headless_signed_in {
        return Err(CommandError::failure(
            format!("{name} uses an API token, not a sign-in"),
            format!("to drop its token, run `tray-mcp token forget {name}`"),
        ));
    }
    let mut stores = vec![headless];
    if !headless_only && gateway_signed_in {
        stores.insert(0, gateway);
    }
    let mut notices = Vec::new();
    if headless_only && !headless_signed_in {
        notices.push(Notice::note(format!("{name} was not signed in to the Headless MCP")));
    }
    for store in &stores {
        forget(store, &mut notices)?;
    }
    Ok(Report {
        files: Vec::new(),
        diffs: Vec::new(),
        notices,
        next_steps: Vec::new(),
        dry_run: false,
    })
}

/// Revokes and deletes one sign-in record, saying what happened in `notices`. The Headless
/// MCP's record is mentioned only when it existed.
fn forget(store: &SignInStore, notices: &mut Vec<Notice>) -> Result<(), CommandError> {
    let label = if store.is_headless() {
        format!("{} (Headless MCP)", store.name())
    } else {
        store.name().to_string()
    };
    let sign_in = store
        .load()
        .map_err(|error| CommandError::failure(error.to_string(), error.hint()))?;
    match &sign_in {
        None if store.is_headless() => return Ok(()),
        None => notices.push(Notice::note(format!("{label} was not signed in"))),
        Some(sign_in) => match oauth::revoke::revoke(sign_in) {
            Ok(true) => notices.push(Notice::note(format!("revoked the sign-in of {label}"))),
            Ok(false) => notices.push(Notice::note(format!(
                "the authorization server of {label} offers no revocation: its tokens expire on their own"
            ))),
            Err(error) => notices.push(Notice::warning(format!(
                "could not revoke the sign-in of {label}: {error}"
            ))),
        },
    }
    store
        .delete()
        .map_err(|error| CommandError::failure(error.to_string(), error.hint()))?;
    if sign_in.is_some() {
        notices.push(Notice::note(format!(
            "forgot the sign-in of {label}; `tray-mcp login {}` signs in again",
            store.login_arguments()
        )));
    }
    Ok(())
}
