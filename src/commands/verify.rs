//! Proving a token works before an entry that uses it is written: `install` (flags and the
//! wizard) and `apply` ask Tray, in the entry's region, whose token it is (`viewer.details`),
//! whether it may make the built-in tools' master-token reads, and, when the entry uses it,
//! whether the workspace's Agent Gateway lets it in and how many tools it lists.
//!
//! Why here and why like this: a wrong token used to install with `Added`, pass `claude mcp
//! list` (the bundled server starts fine) and fail only at the first tool call, inside the AI
//! client. So every check runs side by side under one short overall limit ([`LIMIT`]), with
//! the server's own clients ([`crate::remote::tray_api`], [`crate::remote::gateway`]) and the
//! same `TRAY_API_URL` / `TRAY_GRAPHQL_URL` / `TRAY_GATEWAY_URL` overrides `serve` honours, so
//! what is verified is exactly what the entry will do. The outcome decides ([`judge`]): a
//! token refused by every part the entry uses fails the install with nothing written; a part
//! refused is said precisely, with what will not work; Tray unreachable (offline, a proxy)
//! installs unverified and says how to check later. This module only calls those clients; it
//! holds no HTTP code of its own.

use std::sync::Arc;
use std::time::Duration;

use crate::commands::install::{self, InstallRequest, WorkspaceChoice};
use crate::context::Context;
use crate::env::Variables;
use crate::error::CommandError;
use crate::oauth::{OAuthTokens, SignInStore};
use crate::paths::Environment;
use crate::remote::backend::{Backend as _, BackendError};
use crate::remote::gateway::{GatewayClient, GatewayError};
use crate::remote::http::SharedClients;
use crate::remote::model::User;
use crate::remote::token::{AccessTokenSource, StaticToken};
use crate::remote::tray_api::TrayApi;
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

use crate::notice::Notice;

/// The most the whole verification may take: every check runs side by side within it.
pub const LIMIT: Duration = Duration::from_secs(5);

/// Where the docs say which token each part needs; every hint about a refused token points
/// here, so there is one answer.
pub const TOKEN_GUIDE: &str =
    "see \"Which token\" in docs/tokens.md (https://github.com/tray-mcp/tray-mcp/blob/main/docs/tokens.md#which-token)";

/// Which parts of Tray an entry uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Uses {
    /// Tray's API (the bundled server's built-in tools: stdio entries).
    pub api: bool,
    /// The workspace's Agent Gateway (a stdio entry with the gateway on; every bridge or http
    /// entry, which is the gateway itself).
    pub gateway: bool,
}

/// What to verify: a token, for a workspace in a region, as an entry uses it.
#[derive(Debug)]
pub struct Target {
    /// The workspace.
    pub workspace_id: WorkspaceId,
    /// Its region (Tray's API is regional; the gateway has one address per workspace).
    pub region: Region,
    /// The bearer the entry's requests carry: its API token, or its Tray sign-in.
    pub bearer: Arc<dyn AccessTokenSource>,
    /// What the entry uses.
    pub uses: Uses,
}

/// One part's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Part<T> {
    /// It took the token.
    Works(T),
    /// It refused the token (HTTP 401 or 403): why, in plain words.
    Refused(String),
    /// It could not be reached (offline, a proxy, DNS, the time limit).
    Unreachable(String),
    /// It answered, but not in a way that says whether the token works.
    Failed(String),
    /// Not asked (the entry does not use it).
    NotAsked,
}

impl<T> Part<T> {
    fn refused(&self) -> bool {
        matches!(self, Part::Refused(_))
    }
}

/// What Tray said about a token.
#[derive(Debug, Clone)]
pub struct Verification {
    /// The region asked.
    pub region: Region,
    /// Tray's API: whose token it is.
    pub owner: Part<User>,
    /// Tray's API: whether the built-in tools' master-token reads are allowed (`viewer.solutions`).
    pub master: Part<()>,
    /// The Agent Gateway: how many tools it lists.
    pub gateway: Part<usize>,
    /// The Agent Gateway's tools as it listed them (empty unless it did), whose annotations
    /// `--approve read-only` goes by.
    pub gateway_tools: Vec<serde_json::Value>,
}

/// What an install request's entry uses and its token, when there is a token to verify (none for
/// the sandbox, Tray's Headless MCP or a sign-in).
pub fn target(environment: &Environment, request: &InstallRequest) -> Option<Target> {
    target_with(request, |workspace_id| {
        stdio_gateway(environment, request, workspace_id)
    })
}

/// [`target`], with a stdio entry's gateway setting from `gateway` (an install's plan already
/// knows it: the profile is not read again).
fn target_with(request: &InstallRequest, gateway: impl FnOnce(&WorkspaceId) -> bool) -> Option<Target> {
    let WorkspaceChoice::Tray {
        workspace_id,
        api_token,
        region,
    } = &request.workspace
    else {
        return None;
    };
    let uses = match request.transport {
        crate::clients::Transport::Stdio => Uses {
            api: true,
            gateway: gateway(workspace_id),
        },
        crate::clients::Transport::Bridge | crate::clients::Transport::Http => Uses {
            api: false,
            gateway: true,
        },
        crate::clients::Transport::Headless => return None,
    };
    Some(Target::token(workspace_id, *region, api_token, uses))
}

impl Target {
    /// A target whose requests carry the API token `token`.
    pub fn token(workspace_id: &WorkspaceId, region: Region, token: &ApiToken, uses: Uses) -> Target {
        Target {
            workspace_id: workspace_id.clone(),
            region,
            bearer: Arc::new(StaticToken(token.clone())),
            uses,
        }
    }
}

/// What a sign-in install's entry uses, with the sign-in just made as the bearer: as `serve`
/// does for a profile without a stored token, the built-in tools and the gateway both use it.
fn signed_in_target(environment: &Environment, request: &InstallRequest, store: SignInStore) -> Option<Target> {
    let WorkspaceChoice::SignIn {
        workspace_id, region, ..
    } = &request.workspace
    else {
        return None;
    };
    Some(Target {
        workspace_id: workspace_id.clone(),
        region: *region,
        bearer: Arc::new(OAuthTokens::new(store)),
        uses: Uses {
            api: true,
            gateway: stdio_gateway(environment, request, workspace_id),
        },
    })
}

/// Whether a stdio entry will use the gateway: as asked, else as its profile has it, else the
/// default for a new profile.
fn stdio_gateway(environment: &Environment, request: &InstallRequest, workspace_id: &WorkspaceId) -> bool {
    request
        .gateway
        .or_else(|| install::existing_gateway(environment, &request.name, workspace_id))
        .unwrap_or(install::DEFAULT_GATEWAY)
}

/// Asks Tray's API and the Agent Gateway about `target`'s token, side by side, within
/// [`LIMIT`] (or a lower `TRAY_API_TIMEOUT_SECS` / `TRAY_GATEWAY_TIMEOUT_SECS`). Tray's API is
/// asked even when the entry uses only the gateway: it is what says whose token it is.
pub fn verify(variables: &Variables, target: &Target) -> Verification {
    let unreachable = |reason: &str| Verification {
        region: target.region,
        owner: Part::Unreachable(reason.to_string()),
        master: Part::NotAsked,
        gateway: if target.uses.gateway {
            Part::Unreachable(reason.to_string())
        } else {
            Part::NotAsked
        },
        gateway_tools: Vec::new(),
    };
    let Ok(runtime) = tokio::runtime::Builder::new_current_thread().enable_all().build() else {
        return unreachable("could not start the network checks");
    };
    let limit = [variables.api_timeout, variables.gateway_timeout]
        .into_iter()
        .flatten()
        .fold(LIMIT, Duration::min);
    let shared = Arc::new(SharedClients::new(limit));
    let checks = async {
        let api = api_checks(variables, target, limit, &shared);
        let gateway = async {
            if target.uses.gateway {
                gateway_check(variables, target, limit, &shared).await
            } else {
                (Part::NotAsked, Vec::new(), None)
            }
        };
        let ((owner, master), (gateway, gateway_tools, session)) = tokio::join!(api, gateway);
        let verification = Verification {
            region: target.region,
            owner,
            master,
            gateway,
            gateway_tools,
        };
        (verification, session)
    };
    // The clients keep to `limit` themselves; this is the backstop for all of them together.
    let (verification, session) = runtime
        .block_on(async { tokio::time::timeout(limit + Duration::from_secs(1), checks).await })
        .unwrap_or_else(|_| {
            let late = unreachable(&format!("Tray did not answer within {} s", limit.as_secs()));
            (late, None)
        });
    if let Some(client) = session {
        // The gateway's session is ended on the side: its answer changes nothing, so the
        // install does not wait a round trip for it (the thread ends with the process).
        std::thread::spawn(move || runtime.block_on(client.shutdown(Duration::from_secs(1))));
    }
    verification
}

/// `viewer.details` and one master-token read, side by side.
async fn api_checks(
    variables: &Variables,
    target: &Target,
    limit: Duration,
    shared: &Arc<SharedClients>,
) -> (Part<User>, Part<()>) {
    let mut config = crate::server::tray_api_config(
        variables,
        target.workspace_id.clone(),
        target.region,
        Arc::clone(&target.bearer),
    );
    config.timeout = config.timeout.min(limit);
    config.max_attempts = 1;
    let api = TrayApi::new(config).with_shared(Arc::clone(shared));
    let (owner, solutions) = tokio::join!(api.current_user(), api.solutions());
    let master = match solutions {
        Ok(_) => Part::Works(()),
        Err(BackendError::Forbidden { endpoint, .. }) => Part::Refused(endpoint.fix()),
        Err(error) => api_part(error),
    };
    (owner.map_or_else(api_part, Part::Works), master)
}

/// A failure of Tray's API as a [`Part`].
fn api_part<T>(error: BackendError) -> Part<T> {
    let text = error.to_string();
    match error {
        BackendError::Unauthorized | BackendError::Forbidden { .. } => Part::Refused(text),
        BackendError::Network { .. } | BackendError::Timeout { .. } => Part::Unreachable(text),
        _ => Part::Failed(text),
    }
}

/// `initialize` and `tools/list` with the gateway, as `serve --gateway` makes them; returns the
/// tools listed and the client too, whose session the caller ends.
async fn gateway_check(
    variables: &Variables,
    target: &Target,
    limit: Duration,
    shared: &Arc<SharedClients>,
) -> (Part<usize>, Vec<serde_json::Value>, Option<Arc<GatewayClient>>) {
    let mut config = crate::server::gateway_config(variables, &target.workspace_id, Arc::clone(&target.bearer));
    config.timeout = config.timeout.min(limit);
    config.max_attempts = 1;
    config.listen = false;
    let (messages, _unused) = tokio::sync::mpsc::unbounded_channel();
    let client = Arc::new(GatewayClient::new(config, messages).with_shared(Arc::clone(shared)));
    let listed = match client.connect().await {
        Ok(()) => client.list_tools().await,
        Err(error) => Err(error),
    };
    let mut listed_tools = Vec::new();
    let part = match listed {
        Ok(tools) => {
            let count = tools.len();
            listed_tools = tools;
            Part::Works(count)
        }
        Err(error @ (GatewayError::Unauthorized | GatewayError::Forbidden)) => Part::Refused(error.to_string()),
        Err(error @ (GatewayError::Unreachable { .. } | GatewayError::Timeout { .. })) => {
            Part::Unreachable(error.to_string())
        }
        Err(error) => Part::Failed(format!("{error} ({})", error.hint())),
    };
    (part, listed_tools, Some(client))
}

/// What `verification` means for an entry that uses `uses`: an error (nothing may be written)
/// when every part it uses refused the token, else the notices that say whose token it is and
/// what will not work, or that it could not be verified.
pub fn judge(verification: &Verification, uses: Uses) -> Result<Vec<Notice>, CommandError> {
    let api_refused = verification.owner.refused();
    let used_refused = [(uses.api, api_refused), (uses.gateway, verification.gateway.refused())];
    if used_refused.iter().any(|(used, _)| *used) && used_refused.iter().all(|(used, refused)| !used || *refused) {
        return Err(refused_error(verification, uses));
    }
    let mut notices = Vec::new();
    match (&verification.owner, &verification.gateway) {
        (Part::Works(user), _) => notices.push(Notice::note(summary(verification, user, uses))),
        // Whose token it is could not be found out, but the gateway took it.
        (_, Part::Works(count)) if uses.gateway => notices.push(Notice::note(format!(
            "the Agent Gateway takes the token: {count} tools"
        ))),
        _ => {}
    }
    if uses.api {
        notices.extend(api_notices(verification, uses));
    }
    if uses.gateway {
        notices.extend(gateway_notice(verification));
    }
    let mut unverified: Vec<String> = [
        (uses.api, part_text(&verification.owner)),
        (uses.gateway, part_text(&verification.gateway)),
    ]
    .into_iter()
    .filter(|(used, _)| *used)
    .filter_map(|(_, part)| reason_unverified(&part))
    .collect();
    unverified.dedup();
    if !unverified.is_empty() {
        notices.push(Notice::warning(format!(
            "could not verify the token with Tray ({}): the entry is installed unverified; \
             check it later with `tray-mcp doctor --online`",
            unverified.join("; ")
        )));
    }
    Ok(notices)
}

/// `token of Olive Ops (ops-lead) · us1 · Agent Gateway: 12 tools`.
pub fn summary(verification: &Verification, user: &User, uses: Uses) -> String {
    let who = if user.id.is_empty() || user.id == user.name {
        user.name.clone()
    } else {
        format!("{} ({})", user.name, user.id)
    };
    let gateway = match (&verification.gateway, uses.gateway) {
        (Part::Works(count), true) => format!(" · Agent Gateway: {count} tools"),
        (_, false) => " · Agent Gateway: not used".to_string(),
        _ => String::new(),
    };
    format!("token of {who} · {}{gateway}", verification.region)
}

/// The API parts refused while the entry still works through the gateway.
fn api_notices(verification: &Verification, uses: Uses) -> Vec<Notice> {
    let mut notices = Vec::new();
    if let Part::Refused(why) = &verification.owner {
        let region = verification.region;
        let other_region = if matches!(verification.gateway, Part::Works(_)) {
            format!(
                " The Agent Gateway takes the token, so the workspace may be in another region than {region}: \
                 pass --region (or paste the workspace's app URL)."
            )
        } else {
            String::new()
        };
        let rest = if uses.gateway {
            "; the Agent Gateway's tools will"
        } else {
            ""
        };
        notices.push(Notice::warning(format!(
            "the built-in tools will not work: Tray's API in {region} refused the token: {why}{rest}.{other_region} {TOKEN_GUIDE}"
        )));
    } else if let Part::Refused(fix) = &verification.master {
        notices.push(Notice::warning(format!(
            "the built-in tools that read workflows, their logs and exports, and solutions will not work: \
             this is not a master token ({fix}). {TOKEN_GUIDE}"
        )));
    }
    notices
}

/// The gateway refused while the built-in tools work.
fn gateway_notice(verification: &Verification) -> Option<Notice> {
    let Part::Refused(why) = &verification.gateway else {
        return None;
    };
    Some(Notice::warning(format!(
        "the workspace's Workflow and Connector Tools (Agent Gateway) will not work: {why}; the built-in tools will. \
         Install with --no-gateway to leave it out, or {TOKEN_GUIDE}"
    )))
}

/// A part as text-only, so parts of different kinds can be listed together.
fn part_text<T>(part: &Part<T>) -> Part<()> {
    match part {
        Part::Works(_) => Part::Works(()),
        Part::Refused(why) => Part::Refused(why.clone()),
        Part::Unreachable(why) => Part::Unreachable(why.clone()),
        Part::Failed(why) => Part::Failed(why.clone()),
        Part::NotAsked => Part::NotAsked,
    }
}

/// Why a part could not say whether the token works, if it could not.
fn reason_unverified<T>(part: &Part<T>) -> Option<String> {
    match part {
        Part::Unreachable(why) | Part::Failed(why) => Some(why.trim_end_matches('.').to_string()),
        Part::Works(_) | Part::Refused(_) | Part::NotAsked => None,
    }
}

/// The error of a token refused by every part the entry uses.
fn refused_error(verification: &Verification, uses: Uses) -> CommandError {
    let mut reasons = Vec::new();
    if let (true, Part::Refused(why)) = (uses.api, &verification.owner) {
        reasons.push(format!("Tray's API in {}: {why}", verification.region));
    }
    if let (true, Part::Refused(why)) = (uses.gateway, &verification.gateway) {
        reasons.push(format!("the Agent Gateway: {why}"));
    }
    CommandError::failure(
        format!(
            "Tray refused the API token, so nothing was written. {}",
            reasons.join("; ")
        ),
        format!(
            "check that you pasted the whole token, for this workspace and region; to create the right kind of token, {TOKEN_GUIDE}"
        ),
    )
}

/// Verifies an install request's token (unless `verify` is false, the install is not a token
/// install, or there is nothing to verify): the notices to add to its report, or the error that
/// stops it before anything is written.
pub fn before_install(
    environment: &Environment,
    request: &InstallRequest,
    verify: bool,
) -> Result<Vec<Notice>, CommandError> {
    Ok(verified_listing(environment, request, verify, None)?.0)
}

/// [`before_install`], with the Agent Gateway's tools as it listed them (empty when it was not
/// asked or did not answer); `planned_gateway` is the planned profile's gateway setting, when
/// there is a plan.
fn verified_listing(
    environment: &Environment,
    request: &InstallRequest,
    verify: bool,
    planned_gateway: Option<bool>,
) -> Result<(Vec<Notice>, Vec<serde_json::Value>), CommandError> {
    if !verify {
        return Ok((Vec::new(), Vec::new()));
    }
    // An install's plan knows the profile's gateway setting: the profile is not read again.
    let planned_gateway = |workspace_id: &WorkspaceId| {
        planned_gateway.unwrap_or_else(|| stdio_gateway(environment, request, workspace_id))
    };
    let Some(target) = target_with(request, planned_gateway) else {
        return Ok((Vec::new(), Vec::new()));
    };
    let verification = self::verify(&environment.variables, &target);
    Ok((judge(&verification, target.uses)?, verification.gateway_tools))
}

/// `apply`'s check of every declared token, all side by side (one thread each, so many
/// servers take the time of one): the notices, each naming its server, and the Agent
/// Gateway's tools as each target's check listed them (in `targets`' order; empty when it did
/// not), or one error naming every server whose token was refused outright (then nothing is
/// written).
pub fn before_apply(
    variables: &Variables,
    targets: &[(ServerName, Target)],
) -> Result<(Vec<Notice>, Vec<Vec<serde_json::Value>>), CommandError> {
    let verifications: Vec<Verification> = std::thread::scope(|scope| {
        let running: Vec<_> = targets
            .iter()
            .map(|(_, target)| scope.spawn(|| verify(variables, target)))
            .collect();
        running
            .into_iter()
            .zip(targets)
            .map(|(thread, (_, target))| {
                thread.join().unwrap_or_else(|_| Verification {
                    region: target.region,
                    owner: Part::Failed("the check stopped unexpectedly".to_string()),
                    master: Part::NotAsked,
                    gateway: Part::NotAsked,
                    gateway_tools: Vec::new(),
                })
            })
            .collect()
    });
    let mut notices = Vec::new();
    let mut refused = Vec::new();
    for ((name, target), verification) in targets.iter().zip(&verifications) {
        match judge(verification, target.uses) {
            Ok(found) => notices.extend(found.into_iter().map(|notice| Notice {
                message: format!("server \"{name}\": {}", notice.message),
                ..notice
            })),
            Err(error) => refused.push(format!("server \"{name}\": {}", error.message)),
        }
    }
    if refused.is_empty() {
        let listings = verifications
            .into_iter()
            .map(|verification| verification.gateway_tools)
            .collect();
        return Ok((notices, listings));
    }
    Err(CommandError::failure(
        refused.join("; "),
        format!("fix the token source of each server named; to create the right kind of token, {TOKEN_GUIDE}"),
    ))
}

/// `install` with the token verified after planning (so a usage error comes first, without a
/// network wait) and before any sign-in or write.
pub fn install(
    context: &Context,
    request: &InstallRequest,
    placement: &crate::self_install::Placement,
    verify: bool,
    say: &dyn Fn(&str),
) -> Result<super::report::Report, CommandError> {
    // A client's own filter takes exact names: wildcards wait for the gateway's list, so the
    // first plan (for the usage errors) goes without the filter.
    let needs_listing = install::needs_tool_listing(request);
    let mut planned = if needs_listing {
        install::check_tool_filter(request)?;
        let unfiltered = InstallRequest {
            tools: None,
            ..request.clone()
        };
        install::plan(context, &unfiltered, &placement.entry_binary)?
    } else {
        install::plan(context, request, &placement.entry_binary)?
    };
    let (mut verified, gateway_tools) = verified_listing(context, request, verify, planned.gateway)?;
    verified.extend(cap_warnings(context, request, &gateway_tools));
    let with_tools;
    // Exact names are checked against the list too, when there is one.
    let filter_by_listing = install::sets_client_filter(request) && !gateway_tools.is_empty();
    let request = if (request.approve.is_some() && !gateway_tools.is_empty()) || needs_listing || filter_by_listing {
        // The approvals go by the gateway's own annotations: planned again with its tools.
        with_tools = InstallRequest {
            gateway_tools,
            ..request.clone()
        };
        planned = install::plan(context, &with_tools, &placement.entry_binary)?;
        &with_tools
    } else {
        request
    };
    if request.approve.is_some() && !verify {
        verified.push(Notice::note(
            "--no-verify: the Agent Gateway was not asked for its tools, so only the built-in tools were approved",
        ));
    }
    let signed_in = install::sign_in_first(context, request, &planned, say)?;
    if let Some(signed_in) = signed_in.as_ref().filter(|_| verify) {
        verified.extend(after_sign_in(context, request, signed_in.store.clone()));
    }
    let mut report = install::finish_signed_in(context, request, planned, placement, signed_in)?;
    report.notices.extend(verified);
    Ok(report)
}

/// The warnings of an install whose entry serves more tools than a client shows (its
/// documented cap), counted as the client gets them (the gateway's tools as the verification
/// listed them; nothing is said when it did not), alone or with the client's other Tray
/// entries ([`super::tool_caps`]).
fn cap_warnings(
    environment: &Environment,
    request: &InstallRequest,
    gateway_tools: &[serde_json::Value],
) -> Vec<Notice> {
    if gateway_tools.is_empty() {
        return Vec::new();
    }
    let served = match (request.transport, &request.tools) {
        (crate::clients::Transport::Stdio, asked) => {
            let filter = super::tool_caps::stdio_filter(environment, &request.name, asked.as_ref());
            crate::approvals::served_tools(gateway_tools, &filter).len()
        }
        (_, Some(filter)) => {
            let listed: Vec<String> = gateway_tools
                .iter()
                .filter_map(|tool| Some(tool.get("name")?.as_str()?.to_string()))
                .collect();
            crate::tool_filter::exact(filter, Some(&listed))
                .ok()
                .and_then(|exact| exact.served())
                .map_or(listed.len(), |served| served.len())
        }
        _ => gateway_tools.len(),
    };
    let mut warnings = Vec::new();
    for kind in request.clients.iter().filter(|kind| !request.skip.contains(kind)) {
        if let Some((problem, fix)) = super::approve::over_cap(kind.client(), request.name.as_str(), served) {
            warnings.push(Notice::warning(format!("{problem}; {fix}")));
        } else if let Some(workspace) = request.workspace.workspace_id() {
            warnings.extend(super::tool_caps::install_warning(
                environment,
                *kind,
                (request.name.as_str(), served),
                workspace,
                gateway_tools,
            ));
        }
    }
    warnings
}

/// Whom a sign-in just made signed in as, said as a token is (`sign-in of Olive Ops (ops-lead)
/// · us1 · ...`). The browser sign-in succeeded, so nothing here stops the install: a refusal
/// is a warning.
pub fn after_sign_in(environment: &Environment, request: &InstallRequest, store: SignInStore) -> Vec<Notice> {
    match signed_in_target(environment, request, store) {
        Some(target) => sign_in_notices(&environment.variables, &target),
        None => Vec::new(),
    }
}

/// Whom `tray-mcp login NAME` signed the profile in as, said as [`after_sign_in`] does.
pub fn after_login(context: &Context, name: &ServerName) -> Vec<Notice> {
    let Ok(profile) = crate::profiles::load(context, name) else {
        return Vec::new();
    };
    let Some(workspace_id) = profile.workspace_id.clone() else {
        return Vec::new();
    };
    let target = Target {
        workspace_id,
        region: profile.region,
        bearer: Arc::new(OAuthTokens::new(SignInStore::new(context, name, profile.sign_in_store))),
        uses: Uses {
            api: true,
            gateway: profile.gateway,
        },
    };
    sign_in_notices(&context.variables, &target)
}

/// A sign-in checked: `sign-in of ...`, or a warning when Tray refuses it.
fn sign_in_notices(variables: &Variables, target: &Target) -> Vec<Notice> {
    let verification = verify(variables, target);
    match judge(&verification, target.uses) {
        Ok(notices) => notices
            .into_iter()
            .map(|notice| Notice {
                message: notice.message.replacen("token of ", "sign-in of ", 1),
                ..notice
            })
            .collect(),
        Err(refused) => vec![Notice::warning(refused.message.replace(
            "Tray refused the API token, so nothing was written.",
            "Tray refused the sign-in:",
        ))],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user() -> User {
        User {
            id: "ops-lead".to_string(),
            name: "Olive Ops".to_string(),
            email: "olive@example.com".to_string(),
        }
    }

    fn verification(owner: Part<User>, master: Part<()>, gateway: Part<usize>) -> Verification {
        Verification {
            region: Region::Us1,
            owner,
            master,
            gateway,
            gateway_tools: Vec::new(),
        }
    }

    const BOTH: Uses = Uses {
        api: true,
        gateway: true,
    };
    const GATEWAY_ONLY: Uses = Uses {
        api: false,
        gateway: true,
    };
    const API_ONLY: Uses = Uses {
        api: true,
        gateway: false,
    };

    fn texts(notices: &[Notice]) -> String {
        notices
            .iter()
            .map(|notice| notice.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_working_token_is_named_with_its_region_and_tool_count() {
        let both = verification(Part::Works(user()), Part::Works(()), Part::Works(12));
        let notices = judge(&both, BOTH).expect("installs");
        assert_eq!(
            texts(&notices),
            "token of Olive Ops (ops-lead) · us1 · Agent Gateway: 12 tools"
        );
        let api_only = texts(&judge(&both, API_ONLY).expect("installs"));
        assert!(api_only.ends_with("· us1 · Agent Gateway: not used"), "{api_only}");
    }

    #[test]
    fn refused_by_every_used_part_is_an_error_but_by_one_part_a_warning() {
        fn refused<T>() -> Part<T> {
            Part::Refused("HTTP 401".to_string())
        }
        let both_refused = verification(refused(), Part::NotAsked, refused());
        for uses in [BOTH, GATEWAY_ONLY, API_ONLY] {
            let error = judge(&both_refused, uses).expect_err("refused");
            assert!(error.message.contains("nothing was written"), "{}", error.message);
            assert!(error.hint.as_deref().is_some_and(|hint| hint.contains("Which token")));
        }
        let gateway_refused = verification(Part::Works(user()), Part::Works(()), refused());
        let said = texts(&judge(&gateway_refused, BOTH).expect("installs"));
        assert!(said.contains("Agent Gateway) will not work"), "{said}");
        // An entry that does not use the gateway is not held to it.
        assert!(!texts(&judge(&gateway_refused, API_ONLY).expect("installs")).contains("will not work"));
        // The API refused, the gateway took it: the region may be wrong.
        let api_refused = verification(refused(), Part::NotAsked, Part::Works(3));
        let said = texts(&judge(&api_refused, BOTH).expect("installs"));
        assert!(
            said.contains("built-in tools will not work") && said.contains("--region"),
            "{said}"
        );
        // An http entry does not use Tray's API: only the gateway's answer is said.
        let said = texts(&judge(&api_refused, GATEWAY_ONLY).expect("installs"));
        assert_eq!(said, "the Agent Gateway takes the token: 3 tools");
    }

    #[test]
    fn a_token_that_is_not_a_master_token_says_which_tools_will_not_work() {
        let not_master = verification(
            Part::Works(user()),
            Part::Refused("needs a master token".into()),
            Part::Works(2),
        );
        let said = texts(&judge(&not_master, BOTH).expect("installs"));
        assert!(said.contains("not a master token (needs a master token)"), "{said}");
        assert!(said.contains("Agent Gateway: 2 tools"), "{said}");
    }

    #[test]
    fn unreachable_installs_unverified_and_says_how_to_check_later() {
        let offline = verification(
            Part::Unreachable("could not reach Tray".into()),
            Part::NotAsked,
            Part::Unreachable("could not reach the Agent Gateway".into()),
        );
        let said = texts(&judge(&offline, BOTH).expect("installs"));
        assert!(
            said.contains("could not verify") && said.contains("tray-mcp doctor --online"),
            "{said}"
        );
        assert_eq!(said.lines().count(), 1, "{said}");
    }
}
