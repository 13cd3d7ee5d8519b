//! The network checks: the token against Tray's API (and per built-in tool whether the token
//! can use it), and an `initialize` with the Agent Gateway, each under a time limit. They run
//! the server's own clients, with the protocol version, errors and hints `serve` uses, and the
//! same bearers: a profile that signs in by OAuth is checked with its sign-in (refreshed when
//! it expires, as `serve` would), and a sign-in that is missing or revoked is a failed check
//! that says to run `tray-mcp login NAME`.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::Check;
use crate::clients::EntryWorkspace;
use crate::context::Context;
use crate::error::Advice as _;
use crate::inventory::FoundEntry;
use crate::oauth::{OAuthTokens, SignInStore};
use crate::paths::Environment;
use crate::profiles;
use crate::remote::access::{AccessState, ToolAccess};
use crate::remote::backend::{Backend, BackendError};
use crate::remote::gateway::{GatewayClient, GatewayConfig};
use crate::remote::http::SharedClients;
use crate::remote::token::{AccessTokenSource, StaticToken};
use crate::remote::tray_api::{TrayApi, TrayApiConfig};
use crate::tray::{ApiToken, Region, WorkspaceId};

/// The network checks, on a small runtime of their own.
pub(super) struct OnlineChecker {
    runtime: Option<tokio::runtime::Runtime>,
    /// One HTTP client for every check of every entry (the roots load once per run).
    http: Arc<SharedClients>,
}

/// What is still running when the checks are done (the gateway sessions being ended) goes on
/// beside the report for up to a second, then ends with the process: nobody waits for it.
impl Drop for OnlineChecker {
    fn drop(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            std::thread::spawn(move || runtime.block_on(async { tokio::time::sleep(Duration::from_secs(1)).await }));
        }
    }
}

/// The most a network check may take.
pub(super) const ONLINE_TIMEOUT: Duration = Duration::from_secs(10);

impl OnlineChecker {
    pub(super) fn new() -> Self {
        OnlineChecker {
            runtime: tokio::runtime::Builder::new_current_thread().enable_all().build().ok(),
            http: Arc::new(SharedClients::new(ONLINE_TIMEOUT)),
        }
    }

    pub(super) fn check(&self, context: &Context, entry: &FoundEntry, progress: &dyn Fn(&str)) -> Online {
        let Some(runtime) = &self.runtime else {
            return Online::of(vec![Check::fail("could not start the network checks", "try again")]);
        };
        if let Some(EntryWorkspace::Headless(region)) = entry.tray.as_ref().map(|tray| &tray.workspace) {
            let url = headless_url(&context.variables, *region);
            progress("checking Tray's Headless MCP");
            let check = runtime.block_on(check_headless(&url, &self.http));
            progress("");
            return Online::of(vec![check]);
        }
        let Some(credentials) = credentials(context, entry) else {
            return Online::of(Vec::new());
        };
        // The same time limit as serve (TRAY_API_TIMEOUT_SECS), at most ONLINE_TIMEOUT.
        let variables = &context.variables;
        let Credentials {
            workspace_id,
            region,
            builtin,
            gateway,
        } = credentials;
        let what = builtin.what;
        let mut config = crate::server::tray_api_config(variables, workspace_id.clone(), region, builtin.source);
        config.timeout = config.timeout.min(ONLINE_TIMEOUT);
        let mut gateway = crate::server::gateway_config(variables, &workspace_id, gateway.source);
        gateway.timeout = gateway.timeout.min(config.timeout);
        progress(&format!("checking the {what} against Tray's API and the Agent Gateway"));
        let off = gateway_off(context, entry);
        // Side by side: with Tray far away, the slower of the two is the whole wait.
        let ((mut checks, owner), gateway) = runtime.block_on(async {
            let gateway = async {
                match off {
                    Some(check) => check,
                    None => check_gateway(gateway, &self.http).await,
                }
            };
            tokio::join!(check_token(config, what, &self.http), gateway)
        });
        checks.push(gateway);
        progress("");
        Online {
            checks,
            whose: Some(match owner {
                Some(owner) => format!("{owner}, {region}"),
                None => region.to_string(),
            }),
        }
    }
}

/// One entry's network checks, and whose token it is ("Olive Ops, us1": the token's owner, as
/// Tray's API names them, and the region) when known.
#[derive(Debug, Clone, Default)]
pub(super) struct Online {
    /// The checks.
    pub(super) checks: Vec<Check>,
    /// Whose token, and where.
    pub(super) whose: Option<String>,
}

impl Online {
    fn of(checks: Vec<Check>) -> Online {
        Online { checks, whose: None }
    }
}

/// What makes two entries' network checks the same (never shown: it may hold a token): the
/// workspace, the profile, the inline token and a `--gateway` argument; one profile in five
/// clients is checked once.
pub(super) fn check_key(entry: &FoundEntry) -> String {
    let (_, args) = crate::clients::command_line(&entry.value);
    let tokens: Vec<&str> = crate::secrets::inline_tokens(&entry.value).collect();
    match &entry.tray {
        Some(tray) => format!(
            "{:?}|{:?}|{tokens:?}|{}",
            tray.workspace,
            tray.profile,
            args.contains(&"--gateway")
        ),
        None => format!("untray|{}", entry.value),
    }
}

/// For a stdio entry whose profile has the gateway off (and no `--gateway` among its
/// arguments), the check that says the gateway is not used, and how to turn it on; `None`
/// when the entry uses the gateway (a remote entry is the gateway itself). Nothing is asked
/// of a gateway the entry never talks to.
fn gateway_off(environment: &Environment, entry: &FoundEntry) -> Option<Check> {
    let tray = entry.tray.as_ref()?;
    if tray.workspace != EntryWorkspace::FromProfile {
        return None;
    }
    let name = tray.profile.as_ref()?;
    let profile = profiles::load(environment, name).ok()?;
    let (_, args) = crate::clients::command_line(&entry.value);
    if profile.gateway || args.contains(&"--gateway") {
        return None;
    }
    let scope = match entry.scope {
        crate::clients::Scope::User => String::new(),
        scope => format!(" --scope {}", scope.as_str()),
    };
    let workspace = profile
        .workspace_id
        .as_ref()
        .map_or_else(|| "<WORKSPACE_UUID>".to_string(), ToString::to_string);
    Some(Check::pass(format!(
        "the Agent Gateway is not used by this entry: its profile {name} serves the built-in tools only. \
         To add the workspace's Workflow and Connector Tools, turn it on with \
         `tray-mcp install --name {name} -c {}{scope} -w {workspace} --api-token-stdin --gateway < token.txt`",
        entry.client.client().id()
    )))
}

/// The Headless MCP's URL in `region`, or `TRAY_API_URL` + `/mcp` when that variable moves
/// Tray's API (tests, proxies).
fn headless_url(variables: &crate::env::Variables, region: Region) -> String {
    match &variables.api_url {
        Some(base) => format!("{}/mcp", base.trim_end_matches('/')),
        None => region.headless_url(),
    }
}

/// Whether Tray's Headless MCP answers at `url`, asked as a client that has not signed in yet
/// (an `initialize` without an Authorization header): a 401 asking for sign-in is the expected
/// answer.
async fn check_headless(url: &str, http: &SharedClients) -> Check {
    let client = match http.client_for([url]) {
        Ok(client) => client,
        Err(error) => return Check::fail(error.to_string(), "try again"),
    };
    let initialize = serde_json::json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "tray-mcp-doctor", "version": env!("CARGO_PKG_VERSION")}}
    });
    let answer = client
        .post(url)
        .timeout(ONLINE_TIMEOUT)
        .header("Accept", "application/json, text/event-stream")
        .json(&initialize)
        .send()
        .await;
    match answer {
        Ok(response) => headless_answer(url, response.status().as_u16()),
        Err(error) => Check::fail(
            format!(
                "could not reach Tray's Headless MCP at {url}: {}",
                crate::remote::http::error_chain(&error)
            ),
            "check the network connection (and a proxy, if you use one); the client needs to reach this URL to sign you in",
        ),
    }
}

/// What an HTTP status from the Headless MCP means.
fn headless_answer(url: &str, status: u16) -> Check {
    match status {
        401 => Check::pass(format!(
            "Tray's Headless MCP answers at {url} and asks the client to sign in (HTTP 401, as expected before sign-in)"
        )),
        200..=299 => Check::pass(format!("Tray's Headless MCP answers at {url} (HTTP {status})")),
        404 => Check::fail(
            format!("nothing answers as Tray's Headless MCP at {url} (HTTP 404)"),
            "check the entry's URL and region (https://api.tray.io/mcp, https://api.eu1.tray.io/mcp or https://api.ap1.tray.io/mcp); reinstall with tray-mcp install --headless --region REGION",
        ),
        500..=599 => Check::fail(
            format!("Tray's Headless MCP at {url} is having trouble (HTTP {status})"),
            "try again in a few minutes",
        ),
        _ => Check::fail(
            format!("Tray's Headless MCP at {url} answered HTTP {status}"),
            "check the entry's URL; otherwise report this to Tray support",
        ),
    }
}

/// Where an entry's requests get their bearer, and what to call it in the checks.
struct Bearer {
    source: Arc<dyn AccessTokenSource>,
    /// "token" or "sign-in".
    what: &'static str,
}

impl Bearer {
    fn token(token: ApiToken) -> Bearer {
        Bearer {
            source: Arc::new(StaticToken(token)),
            what: "token",
        }
    }
}

/// What an entry's requests are made with, as `serve` makes them.
struct Credentials {
    workspace_id: WorkspaceId,
    region: Region,
    /// The built-in tools' bearer (Tray's API).
    builtin: Bearer,
    /// The Agent Gateway's bearer.
    gateway: Bearer,
}

/// The workspace, region and bearers an entry uses (from its profile or its inline header):
/// as in `serve`, a profile's API token for the built-in tools when it stores one, and its
/// Tray sign-in for the rest.
fn credentials(context: &Context, entry: &FoundEntry) -> Option<Credentials> {
    let tray = entry.tray.as_ref()?;
    match &tray.workspace {
        EntryWorkspace::Sandbox | EntryWorkspace::Headless(_) => None,
        EntryWorkspace::FromProfile => {
            let name = tray.profile.as_ref()?;
            let profile = profiles::load(context, name).ok()?;
            let stored = context.store_for_reading(&profile).token(name, &profile).ok()?;
            let sign_in = (profile.auth == profiles::AuthMethod::OAuth).then(|| {
                let store = SignInStore::new(context, name, profile.sign_in_store);
                Arc::new(OAuthTokens::new(store)) as Arc<dyn AccessTokenSource>
            });
            let signed_in = |source: &Arc<dyn AccessTokenSource>| Bearer {
                source: Arc::clone(source),
                what: "sign-in",
            };
            let builtin = match (stored.clone(), &sign_in) {
                (Some(token), _) => Bearer::token(token),
                (None, Some(source)) => signed_in(source),
                (None, None) => return None,
            };
            let gateway = match (&sign_in, stored) {
                (Some(source), _) => signed_in(source),
                (None, Some(token)) => Bearer::token(token),
                (None, None) => return None,
            };
            Some(Credentials {
                workspace_id: profile.workspace_id?,
                region: profile.region,
                builtin,
                gateway,
            })
        }
        EntryWorkspace::Workspace(workspace_id) => {
            let token = inline_token(&entry.value)?;
            Some(Credentials {
                workspace_id: workspace_id.clone(),
                region: Region::default(),
                builtin: Bearer::token(token.clone()),
                gateway: Bearer::token(token),
            })
        }
    }
}

fn inline_token(value: &Value) -> Option<ApiToken> {
    crate::secrets::inline_tokens(value).find_map(|token| ApiToken::parse(token).ok())
}

/// The token (or sign-in: `what`) against Tray's API, then per built-in tool whether the
/// token can use it.
async fn check_token(mut config: TrayApiConfig, what: &str, http: &Arc<SharedClients>) -> (Vec<Check>, Option<String>) {
    config.max_attempts = 2;
    let api = TrayApi::new(config).with_shared(Arc::clone(http));
    let (user, tools) = tokio::join!(api.current_user(), api.tool_access());
    let owner = user.as_ref().ok().map(|user| user.name.clone());
    let user = match user {
        Ok(user) => Check::pass(format!(
            "Tray's API accepts the {what} ({} <{}>)",
            user.name, user.email
        )),
        Err(error) => {
            let refused = matches!(error, BackendError::Forbidden { .. });
            let check = Check::fail(
                format!("Tray's API: {error}"),
                error
                    .hint()
                    .unwrap_or_else(|| "check the token and the network".to_string()),
            );
            if !refused {
                return (vec![check], None);
            }
            check
        }
    };
    let mut checks = vec![user];
    if let Ok(tools) = tools {
        checks.extend(tools.iter().map(tool_check));
    }
    (checks, owner)
}

/// One built-in tool's readiness for this token.
fn tool_check(tool: &ToolAccess) -> Check {
    let endpoints = tool.endpoints.join(", ");
    let detail = tool.access.detail.clone().unwrap_or_default();
    match tool.access.state {
        AccessState::Allowed => Check::pass(format!(
            "built-in tool {}: this token can use it ({endpoints})",
            tool.tool
        )),
        AccessState::Refused => Check::fail(
            format!("built-in tool {}: Tray refuses this token ({endpoints})", tool.tool),
            detail,
        ),
        AccessState::Unknown => Check::pass(format!("built-in tool {}: not checked ({detail})", tool.tool)),
    }
}

/// Connects to the gateway as `serve --gateway` does (`initialize` with the server's protocol
/// version, once), then ends the session again.
async fn check_gateway(mut config: GatewayConfig, http: &Arc<SharedClients>) -> Check {
    config.max_attempts = 1;
    config.listen = false;
    let url = config.url.clone();
    let limit = config.timeout;
    let (messages, _unused) = tokio::sync::mpsc::unbounded_channel();
    let client = Arc::new(GatewayClient::new(config, messages).with_shared(Arc::clone(http)));
    let listed = match client.connect().await {
        Ok(()) => client.list_tools().await,
        Err(error) => Err(error),
    };
    // The session is ended on the side (best effort, as install verification does): its answer
    // changes nothing, and waiting for it was the check's fourth round trip in a row.
    tokio::spawn(async move { client.shutdown(limit).await });
    match listed {
        Ok(tools) => Check::pass(format!(
            "the Agent Gateway is reachable and enabled for this workspace: {} tools ({url})",
            tools.len()
        )),
        Err(error) => Check::fail(format!("{error} ({url})"), error.hint()),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::remote::access::Access;

    #[test]
    fn an_inline_bearer_token_is_found_but_a_placeholder_is_not() {
        let entry = json!({"url": "https://x.mcp.tray.ai", "headers": {"Authorization": "Bearer tok_live_1"}});
        assert_eq!(
            inline_token(&entry).map(|token| token.expose().to_string()),
            Some("tok_live_1".to_string())
        );
        let placeholder = json!({"headers": {"Authorization": "Bearer ${input:tray-token}"}});
        assert!(inline_token(&placeholder).is_none());
    }

    #[test]
    fn each_tool_is_a_check_and_only_a_refusal_fails() {
        let tool = |access: Access| ToolAccess {
            tool: "list_workflows".to_string(),
            endpoints: vec!["GraphQL viewer.workflows".to_string()],
            access,
        };
        assert!(tool_check(&tool(Access::allowed())).ok);
        let refused = tool_check(&tool(Access::refused("needs a master token")));
        assert!(
            !refused.ok && refused.fix.as_deref() == Some("needs a master token"),
            "{refused:?}"
        );
        let unknown = tool_check(&tool(Access::unknown("no workflow to try it on")));
        assert!(unknown.ok && unknown.label.contains("not checked"), "{unknown:?}");
    }
}
