//! `tray-mcp serve`: the runtime MCP server that AI clients start over stdio.
//!
//! Why it exists: the installer writes client entries that run `tray-mcp serve --profile NAME`,
//! so a stdio-only client (Claude Desktop, say) reaches a Tray workspace with no Node.js and no
//! `mcp-remote`. It must start fast, use little memory, keep stdout for the protocol alone, never
//! log the token, and keep serving through every kind of API failure.
//!
//! Layout:
//! - [`tools`]: the MCP tools (rmcp `#[tool]` handlers), their inputs, outputs and text.
//! - [`crate::remote::backend`]: the trait the tools read through, with
//!   [`crate::remote::tray_api`] (Tray's REST and GraphQL APIs, in the remote layer, which
//!   `doctor` and `verify` share) and [`sandbox`] (an embedded demo workspace) behind it.
//! - [`diagnosis`]: heuristics behind `explain_workflow_failure`.
//! - [`transport`]: line-delimited JSON-RPC over stdin/stdout, answering malformed lines.
//! - [`passthrough`]: with `--gateway` (or a profile with `"gateway": true`), the workspace's
//!   Agent Gateway tools are listed next to the built-in ones and forwarded over Streamable HTTP
//!   ([`crate::remote::gateway`]), unchanged. The gateway failing never takes the built-in
//!   tools down.
//! - [`headless`]: with a Tray sign-in, Tray's Headless MCP tools too, pinned to the workspace
//!   (`workspaceId` left out of their schemas and filled in on every call); one more
//!   [`passthrough`] layer over the same client.
//! - [`filter`]: the profile's tool filter (`install --tools`), applied to the merged tool list
//!   and to calls, over all of the above.
//!
//! Configuration comes from [`ServeOptions`] (plain data; the CLI layer builds it) and a few
//! environment variables, read and checked once in [`crate::env::Variables`]: `TRAY_API_TOKEN`
//! (token when no profile is used), `TRAY_API_URL` and `TRAY_GRAPHQL_URL` (override the
//! region's URLs), `TRAY_API_TIMEOUT_SECS` (per-request time limit, default 20),
//! `TRAY_GATEWAY_URL` (the Agent Gateway's URL instead of `https://<workspace-id>.mcp.tray.ai`),
//! `TRAY_GATEWAY_TIMEOUT_SECS` (time limit of each gateway handshake or list request, default
//! 20; both pass-throughs), `TRAY_HEADLESS_URL` (the Headless MCP's URL instead of the
//! region's), `TRAY_HEADLESS_TEST_BEARER` (a test server's bearer, with a loopback
//! `TRAY_HEADLESS_URL` only) and `RUST_LOG` (log filter, when `--log-level` is not given).

pub mod backlog;
pub mod diagnosis;
pub mod filter;
pub mod headless;
pub mod passthrough;
pub mod sandbox;
pub mod tools;
pub mod transport;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail};
use rmcp::ServiceExt as _;

use crate::context::Context;
use crate::env::{LogFilter, TRAY_API_TOKEN, Variables};
use crate::error::CommandError;
use crate::paths::Environment;
use crate::profiles::{self, ProfileError};
use crate::remote::backend::Backend;
use crate::remote::http::SharedClients;
use crate::remote::token::{AccessTokenSource, StaticToken};
use crate::remote::tray_api::{TrayApi, TrayApiConfig};
use crate::tool_filter::ToolFilter;
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};
use sandbox::Sandbox;

/// How `tray-mcp serve` was asked to run. Plain data: no clap types.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ServeOptions {
    /// Serve the workspace stored in this profile (written by the installer).
    pub profile: Option<ServerName>,
    /// Serve this workspace, with the token from `TRAY_API_TOKEN`.
    pub workspace_id: Option<WorkspaceId>,
    /// The region; overrides the profile's. Defaults to `us1`.
    pub region: Option<Region>,
    /// Serve the embedded demo workspace: no account, no token, no network.
    pub sandbox: bool,
    /// Pass the workspace's Agent Gateway tools through (also on when the profile says so).
    pub gateway: bool,
    /// Log filter for stderr (`error`, `warn`, `info`, `debug`, `trace`, or `target=level`
    /// directives). Falls back to `RUST_LOG`, then `info` for tray-mcp and `warn` for libraries.
    pub log_level: Option<LogFilter>,
}

/// Which backend to serve, decided before anything is served.
enum BackendChoice {
    Sandbox,
    TrayApi {
        workspace_id: WorkspaceId,
        region: Region,
        /// The built-in tools' bearer: the profile's API token when it stores one, else its
        /// Tray sign-in (or `TRAY_API_TOKEN`).
        builtin_auth: Arc<dyn AccessTokenSource>,
        /// The Agent Gateway's bearer: the profile's Tray sign-in when it has one, else the
        /// built-in tools' token.
        gateway_auth: Arc<dyn AccessTokenSource>,
        gateway: bool,
        headless: HeadlessChoice,
        /// The profile's tool filter (and the profile's name, for its hint); empty without one.
        filter: (ToolFilter, Option<String>),
    },
}

/// Whether to pass Tray's Headless MCP through, and how to sign in again when it refuses.
struct HeadlessChoice {
    /// Wanted: unless the profile says `"headless": false`. It runs only when a token source
    /// exists (a Tray sign-in, or the loopback test hook); API tokens are never sent to it.
    wanted: bool,
    /// The hint after a refused sign-in.
    sign_in_again: String,
    /// The profile's Headless MCP sign-in (`tray-mcp login NAME --headless`), when it has one.
    sign_in: Option<Arc<dyn AccessTokenSource>>,
}

/// The hint after a missing profile or workspace: which profiles exist.
fn profile_hint(environment: &Environment) -> String {
    let names: Vec<String> = profiles::list_names(environment)
        .iter()
        .map(ToString::to_string)
        .collect();
    if names.is_empty() {
        "no profiles exist yet; create one with `tray-mcp install`, or try `tray-mcp serve --sandbox`".to_string()
    } else {
        format!(
            "existing profiles: {}; create another with `tray-mcp install`",
            names.join(", ")
        )
    }
}

fn choose_backend(context: &Context, options: &ServeOptions) -> Result<BackendChoice, CommandError> {
    if options.sandbox {
        return sandbox_backend(options);
    }
    if let Some(name) = &options.profile {
        if options.workspace_id.is_some() {
            return Err(CommandError::failure(
                "--profile and --workspace-id both name a workspace; give one of them",
                format!("the profile {name} already stores its workspace"),
            ));
        }
        return profile_backend(context, options, name);
    }
    if let Some(workspace_id) = &options.workspace_id {
        let token: Arc<dyn AccessTokenSource> = Arc::new(StaticToken(token_from_environment(&context.variables)?));
        return Ok(BackendChoice::TrayApi {
            workspace_id: workspace_id.clone(),
            region: options.region.unwrap_or_default(),
            gateway_auth: Arc::clone(&token),
            builtin_auth: token,
            gateway: options.gateway,
            headless: HeadlessChoice {
                wanted: true,
                sign_in_again: "sign in with `tray-mcp login NAME --headless` and serve with --profile NAME"
                    .to_string(),
                sign_in: None,
            },
            filter: (ToolFilter::default(), None),
        });
    }
    // Nothing says what to serve: a usage error (exit 2), like any missing argument.
    Err(CommandError::usage(
        "tray-mcp serve needs a workspace: pass --profile NAME, or --workspace-id ID with \
         TRAY_API_TOKEN set, or --sandbox for the built-in demo workspace",
        profile_hint(context),
    ))
}

/// `--sandbox`: the demo workspace, which names no other workspace and has no gateway.
fn sandbox_backend(options: &ServeOptions) -> Result<BackendChoice, CommandError> {
    if options.profile.is_some() || options.workspace_id.is_some() {
        return Err(CommandError::failure(
            "--sandbox serves the built-in demo workspace and cannot be combined with \
             --profile or --workspace-id",
            "drop --sandbox to serve a real workspace",
        ));
    }
    if options.gateway {
        return Err(sandbox_has_no_gateway());
    }
    Ok(BackendChoice::Sandbox)
}

/// `--profile NAME`: the workspace, region, token or sign-in and tool filter the profile stores.
fn profile_backend(
    context: &Context,
    options: &ServeOptions,
    name: &ServerName,
) -> Result<BackendChoice, CommandError> {
    let profile = profiles::load(context, name).map_err(|error| {
        let hint = match error {
            ProfileError::NotFound { .. } => profile_hint(context),
            ProfileError::Invalid { .. } | ProfileError::Unreadable { .. } => {
                format!("fix or re-create it with `tray-mcp install --name {name}`")
            }
            ProfileError::TooOpen { .. } => error.hint(),
        };
        CommandError::failure(error.to_string(), hint)
    })?;
    if profile.sandbox {
        if options.gateway || profile.gateway {
            return Err(sandbox_has_no_gateway());
        }
        return Ok(BackendChoice::Sandbox);
    }
    let workspace_id = profile.workspace_id.clone().ok_or_else(|| {
        CommandError::failure(
            format!("the tray-mcp profile {name} has no workspace_id"),
            format!("re-create it with `tray-mcp install --name {name}`"),
        )
    })?;
    let stored = context.store_for_reading(&profile).token(name, &profile)?;
    // A signed-in profile always starts: a sign-in that is missing or revoked is each tool
    // call's answer (`run tray-mcp login NAME`), never a refusal to start.
    let sign_in = (profile.auth == profiles::AuthMethod::OAuth).then(|| signed_in(context, name, &profile));
    let builtin_auth: Arc<dyn AccessTokenSource> = match (stored, &sign_in) {
        (Some(token), _) => Arc::new(StaticToken(token)),
        (None, Some(sign_in)) => Arc::clone(sign_in),
        (None, None) => Arc::new(StaticToken(token_from_environment(&context.variables).map_err(
            |error| CommandError {
                message: format!("the tray-mcp profile {name} stores no API token: {}", error.message),
                ..error
            },
        )?)),
    };
    Ok(BackendChoice::TrayApi {
        workspace_id,
        region: options.region.unwrap_or(profile.region),
        gateway_auth: sign_in.unwrap_or_else(|| Arc::clone(&builtin_auth)),
        builtin_auth,
        gateway: options.gateway || profile.gateway,
        headless: HeadlessChoice {
            wanted: profile.headless != Some(false),
            sign_in_again: format!("run `tray-mcp login {name} --headless`"),
            sign_in: headless_sign_in(context, name, &profile),
        },
        filter: (profile.filter.clone(), Some(name.to_string())),
    })
}

/// The Headless MCP sign-in of profile `name` as a token source (the same refreshing
/// [`crate::oauth::OAuthTokens`] the gateway uses), when one is stored. The store is read
/// once: the source starts from what was read here.
fn headless_sign_in(
    context: &Context,
    name: &ServerName,
    profile: &profiles::Profile,
) -> Option<Arc<dyn AccessTokenSource>> {
    let store = crate::oauth::SignInStore::new(context, name, profile.sign_in_store).for_headless();
    match store.load() {
        Ok(Some(sign_in)) => Some(Arc::new(crate::oauth::OAuthTokens::with_sign_in(store, sign_in))),
        Ok(None) => None,
        Err(error) => {
            tracing::warn!("Headless MCP pass-through off: {error}");
            None
        }
    }
}

/// The Tray sign-in of a profile that signs in by OAuth, as a token source. Nothing is
/// refreshed here: the first request does that. The store is read once, to warn on stderr
/// when the sign-in is missing, unreadable or expired beyond refreshing (no secret is
/// printed); `serve` starts all the same, and its tool calls say to run `tray-mcp login NAME`.
fn signed_in(context: &Context, name: &ServerName, profile: &profiles::Profile) -> Arc<dyn AccessTokenSource> {
    let store = crate::oauth::SignInStore::new(context, name, profile.sign_in_store);
    match store.load() {
        Ok(sign_in) => {
            let now = crate::oauth::store::now();
            if let Some(warning) = crate::oauth::tokens::start_warning(name.as_str(), sign_in.as_ref(), now) {
                tracing::warn!("{warning}");
            }
            match sign_in {
                Some(sign_in) => Arc::new(crate::oauth::OAuthTokens::with_sign_in(store, sign_in)),
                None => Arc::new(crate::oauth::OAuthTokens::new(store)),
            }
        }
        Err(error) => {
            tracing::warn!("{error}; tool calls that need Tray answer with this until it is fixed");
            Arc::new(crate::oauth::OAuthTokens::new(store))
        }
    }
}

fn sandbox_has_no_gateway() -> CommandError {
    CommandError::failure(
        "the sandbox has no Agent Gateway: --gateway needs a real workspace",
        "serve a workspace with --profile NAME or --workspace-id ID, or drop --gateway",
    )
}

fn token_from_environment(variables: &Variables) -> Result<ApiToken, CommandError> {
    match &variables.api_token {
        None => Err(CommandError::failure(
            format!("no API token: {TRAY_API_TOKEN} is not set"),
            format!(
                "set {TRAY_API_TOKEN} to a Tray API token (see \"Which token\" in docs/tokens.md), or use --profile NAME"
            ),
        )),
        Some(Ok(token)) => Ok(token.clone()),
        Some(Err(error)) => Err(CommandError::usage(
            format!("{TRAY_API_TOKEN} is not usable: {error}"),
            "paste the token exactly, once",
        )),
    }
}

/// The Tray API settings for a workspace: the region's URLs and the default time limit, unless
/// `TRAY_API_URL`, `TRAY_GRAPHQL_URL` or `TRAY_API_TIMEOUT_SECS` override them.
pub fn tray_api_config(
    variables: &Variables,
    workspace_id: WorkspaceId,
    region: Region,
    auth: Arc<dyn AccessTokenSource>,
) -> TrayApiConfig {
    let mut config = TrayApiConfig::for_region(workspace_id, region, auth);
    if let Some(url) = &variables.api_url {
        config.rest_url.clone_from(url);
    }
    if let Some(url) = &variables.graphql_url {
        config.graphql_url.clone_from(url);
    }
    if let Some(timeout) = variables.api_timeout {
        config.timeout = timeout;
    }
    config
}

/// What to serve: the built-in tools' backend, and the pass-throughs' settings when they are on.
struct Served {
    backend: Arc<dyn Backend>,
    /// One HTTP client for Tray's API, the gateway and the Headless MCP, built on the first
    /// request that needs it: the roots load once per session, not once per remote.
    http: Arc<SharedClients>,
    gateway: Option<crate::remote::gateway::GatewayConfig>,
    headless: Option<(crate::remote::gateway::GatewayConfig, headless::Pinned)>,
    filter: (ToolFilter, Option<String>),
}

fn build_backend(variables: &Variables, choice: BackendChoice) -> Result<Served, CommandError> {
    match choice {
        BackendChoice::Sandbox => {
            Ok(Served {
                backend: Arc::new(Sandbox::load().map_err(|error| {
                    CommandError::failure(format!("could not load the built-in sandbox: {error}"), "")
                })?),
                http: Arc::new(SharedClients::new(Duration::from_secs(20))),
                gateway: None,
                headless: None,
                filter: (ToolFilter::default(), None),
            })
        }
        BackendChoice::TrayApi {
            workspace_id,
            region,
            builtin_auth,
            gateway_auth,
            gateway,
            headless,
            filter,
        } => {
            // A signed-in profile's requests carry its access token, refreshed as it expires
            // and after a 401.
            let gateway = gateway.then(|| gateway_config(variables, &workspace_id, gateway_auth));
            let headless = headless_upstream(variables, &workspace_id, region, headless);
            let config = tray_api_config(variables, workspace_id, region, builtin_auth);
            tracing::debug!(rest = %config.rest_url, graphql = %config.graphql_url, "Tray API URLs");
            let connect = gateway
                .iter()
                .map(|gateway| gateway.timeout)
                .fold(config.timeout, Duration::min);
            let http = Arc::new(SharedClients::new(connect));
            Ok(Served {
                backend: Arc::new(TrayApi::new(config).with_shared(Arc::clone(&http))),
                http,
                gateway,
                headless,
                filter,
            })
        }
    }
}

/// The Headless MCP's settings and pinning, when it is wanted and a token source exists (the
/// profile's Headless MCP sign-in, or the loopback test hook).
fn headless_upstream(
    variables: &Variables,
    workspace_id: &WorkspaceId,
    region: Region,
    choice: HeadlessChoice,
) -> Option<(crate::remote::gateway::GatewayConfig, headless::Pinned)> {
    if !choice.wanted {
        return None;
    }
    let Some(source) = headless::token_source(variables, choice.sign_in) else {
        tracing::debug!(
            "Headless MCP pass-through off: the profile is not signed in to it (`tray-mcp login NAME --headless`)"
        );
        return None;
    };
    let config = headless::headless_config(variables, region, source);
    Some((
        config,
        headless::Pinned::new(workspace_id.clone(), choice.sign_in_again),
    ))
}

/// The gateway settings: `https://<workspace-id>.mcp.tray.ai` and the default time limit,
/// unless `TRAY_GATEWAY_URL`, `TRAY_GATEWAY_TIMEOUT_SECS` or `TRAY_GATEWAY_RETRY_SECS`
/// override them.
pub fn gateway_config(
    variables: &Variables,
    workspace_id: &WorkspaceId,
    auth: Arc<dyn AccessTokenSource>,
) -> crate::remote::gateway::GatewayConfig {
    let url = variables
        .gateway_url
        .clone()
        // As a parsed URL prints it (the path `/`), as the variable's value is kept.
        .unwrap_or_else(|| format!("{}/", workspace_id.gateway_url()));
    let mut config = crate::remote::gateway::GatewayConfig::with_auth(url, auth);
    if let Some(timeout) = variables.gateway_timeout {
        config.timeout = timeout;
    }
    if let Some(retry) = variables.gateway_retry {
        config.offline_retry = retry;
        config.offline_retry_cap = config.offline_retry_cap.max(retry);
    }
    config
}

/// Logs go to stderr, filtered by `--log-level`, else `RUST_LOG`, else `tray_mcp=info,warn`
/// (both already checked: see [`LogFilter`]).
fn init_logging(filter: LogFilter) {
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    // A second initialisation (tests calling run twice) is harmless: keep the first.
    let _ = tracing_subscriber::registry()
        .with(output)
        .with(filter.into_targets())
        .try_init();
}

/// Runs the server on stdin/stdout until the client closes stdin.
///
/// Configuration errors (unknown profile, no token, bad flags) are returned before anything is
/// served, with a hint; the caller prints them to stderr and exits with status 1 (2 when no
/// workspace was named at all).
pub fn run(context: &Context, options: ServeOptions) -> Result<(), CommandError> {
    let variables = &context.variables;
    init_logging(
        options
            .log_level
            .clone()
            .or_else(|| variables.log_filter.clone())
            .unwrap_or_else(LogFilter::default_filter),
    );
    let served = build_backend(variables, choose_backend(context, &options)?)?;
    let description = served.backend.describe();
    tracing::info!(
        backend = description.kind.as_str(),
        workspace = %description.workspace_id,
        region = %description.region,
        gateway = served.gateway.is_some(),
        headless = served.headless.is_some(),
        "tray-mcp serve starting"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CommandError::failure(format!("could not start the async runtime: {error}"), ""))?;
    let result = runtime.block_on(async move {
        let mut tools = tools::TrayTools::new(served.backend);
        let mut transport = transport::LineTransport::new(tokio::io::stdin(), tokio::io::stdout());
        let builtin = tools.tools_json();
        let mut layers: Vec<Arc<passthrough::Passthrough>> = Vec::new();
        if let Some(config) = served.gateway {
            let upstream = Arc::new(passthrough::AgentGateway);
            let pass = start_layer(config, &served.http, upstream, builtin.clone(), None);
            let (status, filter) = (Arc::clone(&pass), served.filter.0.clone());
            // The count the agent reads is of the gateway tools the entry's filter serves.
            tools = tools.with_gateway_status(Arc::new(move || {
                let mut now = status.status();
                now.tools = status.tool_names().iter().filter(|name| filter.allows(name)).count();
                now
            }));
            layers.push(pass);
        }
        if let Some((config, pinned)) = served.headless {
            let beneath = layers.last().cloned();
            layers.push(start_layer(
                config,
                &served.http,
                Arc::new(pinned),
                builtin.clone(),
                beneath,
            ));
        }
        let top = layers.last().cloned();
        if top.is_some() {
            tools = tools.with_passthrough_capabilities();
        }
        let (tool_filter, profile) = served.filter;
        if let Some(intercept) = filter::intercept(tool_filter, profile, builtin, top) {
            transport = transport.with_intercept(intercept);
        }
        let outcome = serve_session(tools, transport).await;
        // Every upstream's session ends at once, each within 2 s.
        let endings: Vec<_> = layers
            .into_iter()
            .map(|pass| tokio::spawn(async move { pass.shutdown(Duration::from_secs(2)).await }))
            .collect();
        for ending in endings {
            let _ = ending.await;
        }
        outcome
    });
    // Tokio's stdin reader may still sit in a blocking read; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result.map_err(|error| CommandError::failure(format!("{error:#}"), ""))
}

/// Starts one pass-through layer (its connection runs in the background) over `beneath`.
fn start_layer(
    config: crate::remote::gateway::GatewayConfig,
    http: &Arc<SharedClients>,
    upstream: Arc<dyn passthrough::Upstream>,
    builtin: Vec<serde_json::Value>,
    beneath: Option<Arc<passthrough::Passthrough>>,
) -> Arc<passthrough::Passthrough> {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let client = crate::remote::gateway::GatewayClient::new(config, sender).with_shared(Arc::clone(http));
    let client = Arc::new(client);
    let connect_wait = client.config().timeout.min(Duration::from_secs(10));
    let pass = passthrough::Passthrough::layered(client, upstream, builtin, beneath, connect_wait);
    pass.start(receiver);
    pass
}

async fn serve_session(
    tools: tools::TrayTools,
    transport: transport::LineTransport<tokio::io::Stdin, tokio::io::Stdout>,
) -> anyhow::Result<()> {
    let service = match tools.serve(transport).await {
        Ok(service) => service,
        // The client went away before initializing: nothing was asked, nothing failed.
        Err(rmcp::service::ServerInitializeError::ConnectionClosed(_)) => {
            tracing::info!("standard input closed before initialization; stopping");
            return Ok(());
        }
        Err(error) => bail!("the MCP session did not start: {error}"),
    };
    let reason = service
        .waiting()
        .await
        .map_err(|error| anyhow!("the MCP session ended abnormally: {error}"))?;
    tracing::info!(?reason, "tray-mcp serve stopped");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> WorkspaceId {
        WorkspaceId::parse("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718").expect("valid UUID")
    }

    fn token() -> Arc<dyn AccessTokenSource> {
        Arc::new(StaticToken(ApiToken::parse("test-token").expect("valid token")))
    }

    #[test]
    fn each_region_uses_its_own_hosts_unless_overridden() {
        let overrides = Variables::from_pairs(&[
            (crate::env::TRAY_API_URL, "http://127.0.0.1:9/rest"),
            (crate::env::TRAY_GRAPHQL_URL, "http://127.0.0.1:9/graphql"),
            (crate::env::TRAY_API_TIMEOUT_SECS, "1.5"),
        ])
        .expect("valid");
        for region in Region::ALL {
            let config = tray_api_config(&Variables::default(), workspace(), region, token());
            assert_eq!(config.rest_url, region.api_url());
            assert_eq!(config.graphql_url, region.graphql_url());
            assert_eq!(config.timeout, Duration::from_secs(20));

            let overridden = tray_api_config(&overrides, workspace(), region, token());
            assert_eq!(overridden.rest_url, "http://127.0.0.1:9/rest");
            assert_eq!(overridden.graphql_url, "http://127.0.0.1:9/graphql");
            assert_eq!(overridden.timeout, Duration::from_millis(1500));
            assert_eq!(overridden.region, region);
        }
    }

    #[test]
    fn the_gateway_url_is_the_workspace_s_unless_overridden() {
        let config = gateway_config(&Variables::default(), &workspace(), token());
        assert_eq!(config.url, "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai/");
        assert_eq!(config.timeout, Duration::from_secs(20));
        let overrides = Variables::from_pairs(&[
            (crate::env::TRAY_GATEWAY_URL, "http://127.0.0.1:9/mcp"),
            (crate::env::TRAY_GATEWAY_TIMEOUT_SECS, "0.5"),
        ])
        .expect("valid");
        let overridden = gateway_config(&overrides, &workspace(), token());
        assert_eq!(overridden.url, "http://127.0.0.1:9/mcp");
        assert_eq!(overridden.timeout, Duration::from_millis(500));
    }

    #[test]
    fn a_token_from_the_environment_is_required_and_checked() {
        let missing = token_from_environment(&Variables::default()).expect_err("no token");
        assert_eq!(missing.exit, crate::error::ExitKind::Failure);
        let placeholder = Variables::from_pairs(&[(TRAY_API_TOKEN, "<token>")]).expect("kept");
        let error = token_from_environment(&placeholder).expect_err("placeholder");
        assert_eq!(error.exit, crate::error::ExitKind::Usage);
        assert!(
            error.message.starts_with("TRAY_API_TOKEN is not usable"),
            "{}",
            error.message
        );
    }
}
