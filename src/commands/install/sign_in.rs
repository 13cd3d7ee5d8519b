//! Sign-in during install: whether the entry needs one, signing in before the files are
//! written, the notes about sign-ins kept or missing, and the checks on sign-in options.

use super::snapshot::ProfileState;
use super::*;

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

/// Runs the browser sign-in of a planned `--sign-in` install (unless a dry run, or already signed
/// in), from what the plan's snapshot found (whether a sign-in is still needed, where it goes,
/// whether the profile signed in before): the profile is not read again. Nothing is written when
/// it fails: the tokens are saved only once the code was exchanged.
pub fn sign_in_first(
    environment: &Context,
    request: &InstallRequest,
    planned: &InstallPlan,
    say: &dyn Fn(&str),
) -> Result<Option<SignedIn>, CommandError> {
    let (
        WorkspaceChoice::SignIn {
            workspace_id, sign_in, ..
        },
        Some(step),
    ) = (&request.workspace, planned.sign_in)
    else {
        return Ok(None);
    };
    if request.dry_run || sign_in.unattended {
        return Ok(None);
    }
    let outcome = login::sign_in_to_gateway(environment, &request.name, workspace_id, step.location, sign_in, say)?;
    Ok(Some(SignedIn {
        outcome,
        store: SignInStore::new(environment, &request.name, step.location),
        was_oauth: step.was_oauth,
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

/// A sign-in entry is a stdio entry (the bundled server keeps the sign-in) with no token of any
/// kind: bridge and http entries would carry a token in the client's own file.
pub(super) fn check_sign_in(request: &InstallRequest) -> Result<(), CommandError> {
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
pub(super) fn sign_in_notices(request: &InstallRequest, state: &ProfileState) -> Vec<Notice> {
    if !matches!(request.workspace, WorkspaceChoice::SignIn { .. }) {
        return Vec::new();
    }
    let name = &request.name;
    let mut notices = Vec::new();
    let unattended = matches!(&request.workspace, WorkspaceChoice::SignIn { sign_in, .. } if sign_in.unattended);
    match (!state.holds_valid_sign_in, request.dry_run) {
        (true, _) if unattended => notices.push(Notice::note(format!(
            "{name} is not signed in yet: run `tray-mcp login {name}` (this never opens a browser)"
        ))),
        (true, true) => notices.push(Notice::note(format!(
            "{name} is not signed in yet: without --dry-run, the install first signs it in with Tray in the browser, and writes nothing if that fails"
        ))),
        (true, false) => {}
        (false, _) => notices.push(Notice::note(format!(
            "{name} is already signed in to this workspace: the sign-in is kept (`tray-mcp login {name}` signs in again)"
        ))),
    }
    if let Some(old) = &state.existing
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
pub(super) fn kept_sign_in_notice(request: &InstallRequest, state: &ProfileState) -> Option<Notice> {
    if !matches!(request.workspace, WorkspaceChoice::Tray { .. }) || request.transport != Transport::Stdio {
        return None;
    }
    let name = &request.name;
    let old = state.existing.as_ref()?;
    (old.auth == AuthMethod::OAuth && state.sign_in_saved).then(|| {
        Notice::note(format!(
            "the profile \"{name}\" uses the API token from now on; its Tray sign-in is kept, unused, until `tray-mcp logout {name}` revokes and forgets it"
        ))
    })
}
