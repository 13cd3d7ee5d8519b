//! `tray-mcp serve`: the runtime MCP server that AI clients start over stdio.
//!
//! Why it exists: the installer writes client entries that run `tray-mcp serve --profile NAME`,
//! so a stdio-only client (Claude Desktop, say) reaches a Tray workspace with no Node.js and no
//! `mcp-remote`. It must start fast, use little memory, keep stdout for the protocol alone, never
//! log the token, and keep serving through every kind of API failure.
//!
//! Layout:
//! - [`tools`]: the MCP tools (rmcp `#[tool]` handlers), their inputs, outputs and text.
//! - [`backend`]: the trait the tools read through, with [`tray_api`] (Tray's REST and
//!   GraphQL APIs) and [`sandbox`] (an embedded demo workspace) behind it.
//! - [`model`]: the workspace types both backends produce.
//! - [`diagnosis`]: heuristics behind `explain_workflow_failure`.
//! - [`transport`]: line-delimited JSON-RPC over stdin/stdout, answering malformed lines.
//! - [`gateway`], [`sse`] and [`passthrough`]: with `--gateway` (or a profile with
//!   `"gateway": true`), the workspace's Agent Gateway tools are listed next to the built-in
//!   ones and forwarded over Streamable HTTP, unchanged. The gateway failing never takes the
//!   built-in tools down.
//!
//! Configuration comes from [`ServeOptions`] (plain data; the CLI layer builds it) and a few
//! environment variables: `TRAY_API_TOKEN` (token when no profile is used), `TRAY_API_URL` and
//! `TRAY_GRAPHQL_URL` (override the region's URLs), `TRAY_API_TIMEOUT_SECS` (per-request time
//! limit, default 20), `TRAY_GATEWAY_URL` (the Agent Gateway's URL instead of
//! `https://<workspace-id>.mcp.tray.ai`), `TRAY_GATEWAY_TIMEOUT_SECS` (time limit of each
//! gateway handshake or list request, default 20) and `RUST_LOG` (log filter, when
//! `--log-level` is not given).

pub mod access;
pub mod backend;
pub mod diagnosis;
pub mod gateway;
pub mod http;
pub mod model;
pub mod operations;
pub mod passthrough;
pub mod sandbox;
pub mod sse;
pub mod tools;
pub mod transport;
pub mod tray_api;

use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, bail};
use rmcp::ServiceExt as _;

use crate::error::CommandError;
use crate::paths::Environment;
use crate::profiles::{self, ProfileError};
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};
use backend::Backend;
use sandbox::Sandbox;
use tray_api::{TrayApi, TrayApiConfig};

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
    /// Log filter for stderr (`error`, `warn`, `info`, `debug`, `trace`, or a `RUST_LOG`-style
    /// directive). Falls back to `RUST_LOG`, then `info` for tray-mcp and `warn` for libraries.
    pub log_level: Option<String>,
}

/// Which backend to serve, decided before anything is served.
enum BackendChoice {
    Sandbox,
    TrayApi {
        workspace_id: WorkspaceId,
        region: Region,
        token: ApiToken,
        gateway: bool,
    },
}

/// Reads a variable of the real process environment, treating empty as unset.
fn env_var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.trim().is_empty())
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

fn choose_backend(environment: &Environment, options: &ServeOptions) -> Result<BackendChoice, CommandError> {
    if options.sandbox {
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
        return Ok(BackendChoice::Sandbox);
    }
    if let Some(name) = &options.profile {
        if options.workspace_id.is_some() {
            return Err(CommandError::failure(
                "--profile and --workspace-id both name a workspace; give one of them",
                format!("the profile {name} already stores its workspace"),
            ));
        }
        let profile = profiles::load(environment, name).map_err(|error| {
            let hint = match error {
                ProfileError::NotFound { .. } => profile_hint(environment),
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
        let stored = crate::token_store::TokenStore::system().token(name, &profile)?;
        let token = match stored {
            Some(token) => token,
            None => token_from_environment().map_err(|error| CommandError {
                message: format!("the tray-mcp profile {name} stores no API token: {}", error.message),
                ..error
            })?,
        };
        return Ok(BackendChoice::TrayApi {
            workspace_id,
            region: options.region.unwrap_or(profile.region),
            token,
            gateway: options.gateway || profile.gateway,
        });
    }
    if let Some(workspace_id) = &options.workspace_id {
        return Ok(BackendChoice::TrayApi {
            workspace_id: workspace_id.clone(),
            region: options.region.unwrap_or_default(),
            token: token_from_environment()?,
            gateway: options.gateway,
        });
    }
    Err(CommandError::failure(
        "tray-mcp serve needs a workspace: pass --profile NAME, or --workspace-id ID with \
         TRAY_API_TOKEN set, or --sandbox for the built-in demo workspace",
        profile_hint(environment),
    ))
}

fn sandbox_has_no_gateway() -> CommandError {
    CommandError::failure(
        "the sandbox has no Agent Gateway: --gateway needs a real workspace",
        "serve a workspace with --profile NAME or --workspace-id ID, or drop --gateway",
    )
}

fn token_from_environment() -> Result<ApiToken, CommandError> {
    let Some(raw) = env_var("TRAY_API_TOKEN") else {
        return Err(CommandError::failure(
            "no API token: TRAY_API_TOKEN is not set",
            "set TRAY_API_TOKEN to a Tray API token (Tray app > Settings > API tokens), or use --profile NAME",
        ));
    };
    ApiToken::parse(&raw).map_err(|error| {
        CommandError::failure(
            format!("TRAY_API_TOKEN is not usable: {error}"),
            "paste the token exactly, once",
        )
    })
}

/// The Tray API settings for a workspace: the region's URLs, unless `lookup` (the process
/// environment, in production) overrides them with `TRAY_API_URL`, `TRAY_GRAPHQL_URL` or
/// `TRAY_API_TIMEOUT_SECS`.
fn tray_api_config(
    workspace_id: WorkspaceId,
    region: Region,
    token: ApiToken,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<TrayApiConfig, CommandError> {
    let mut config = TrayApiConfig::for_region(workspace_id, region, token);
    if let Some(url) = lookup("TRAY_API_URL") {
        config.rest_url = url;
    }
    if let Some(url) = lookup("TRAY_GRAPHQL_URL") {
        config.graphql_url = url;
    }
    if let Some(raw) = lookup("TRAY_API_TIMEOUT_SECS") {
        let seconds = raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
            .ok_or_else(|| {
                CommandError::failure(
                    format!("TRAY_API_TIMEOUT_SECS={raw:?} is not a positive number of seconds"),
                    "unset it to use the default of 20 seconds",
                )
            })?;
        config.timeout = Duration::from_secs_f64(seconds);
    }
    Ok(config)
}

/// What to serve: the built-in tools' backend, and the gateway settings when it is on.
struct Served {
    backend: Arc<dyn Backend>,
    gateway: Option<gateway::GatewayConfig>,
}

fn build_backend(choice: BackendChoice) -> Result<Served, CommandError> {
    match choice {
        BackendChoice::Sandbox => {
            Ok(Served {
                backend: Arc::new(Sandbox::load().map_err(|error| {
                    CommandError::failure(format!("could not load the built-in sandbox: {error}"), "")
                })?),
                gateway: None,
            })
        }
        BackendChoice::TrayApi {
            workspace_id,
            region,
            token,
            gateway,
        } => {
            let gateway = gateway
                .then(|| gateway_config(&workspace_id, token.clone(), env_var))
                .transpose()?;
            let config = tray_api_config(workspace_id, region, token, env_var)?;
            tracing::debug!(rest = %config.rest_url, graphql = %config.graphql_url, "Tray API URLs");
            Ok(Served {
                backend: Arc::new(TrayApi::new(config)),
                gateway,
            })
        }
    }
}

/// The gateway settings: `https://<workspace-id>.mcp.tray.ai`, unless `lookup` (the process
/// environment, in production) overrides it with `TRAY_GATEWAY_URL`, and the handshake time
/// limit from `TRAY_GATEWAY_TIMEOUT_SECS`.
fn gateway_config(
    workspace_id: &WorkspaceId,
    token: ApiToken,
    lookup: impl Fn(&str) -> Option<String>,
) -> Result<gateway::GatewayConfig, CommandError> {
    let url = lookup("TRAY_GATEWAY_URL").unwrap_or_else(|| workspace_id.gateway_url());
    let parsed = reqwest::Url::parse(url.trim())
        .ok()
        .filter(|parsed| matches!(parsed.scheme(), "http" | "https"))
        .ok_or_else(|| {
            CommandError::failure(
                format!("TRAY_GATEWAY_URL={url:?} is not an http(s) URL"),
                "unset it to use the workspace's gateway",
            )
        })?;
    let mut config = gateway::GatewayConfig::new(parsed.to_string(), token);
    if let Some(raw) = lookup("TRAY_GATEWAY_TIMEOUT_SECS") {
        config.timeout = positive_seconds(&raw).ok_or_else(|| {
            CommandError::failure(
                format!("TRAY_GATEWAY_TIMEOUT_SECS={raw:?} is not a positive number of seconds"),
                "unset it to use the default of 20 seconds",
            )
        })?;
    }
    Ok(config)
}

fn positive_seconds(raw: &str) -> Option<Duration> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| seconds.is_finite() && *seconds > 0.0 && *seconds < 1e9)
        .map(Duration::from_secs_f64)
}

/// Logs go to stderr, filtered by `--log-level`, else `RUST_LOG`, else `tray_mcp=info,warn`.
///
/// The filter is `target=level` directives (`tracing_subscriber::filter::Targets`), not the full
/// `EnvFilter` syntax: that one compiles a regex at start-up and costs a few hundred KiB of RSS
/// and a millisecond, for span and field filters nobody needs here.
fn init_logging(log_level: Option<&str>) -> Result<(), CommandError> {
    use tracing_subscriber::filter::Targets;
    use tracing_subscriber::layer::SubscriberExt as _;
    use tracing_subscriber::util::SubscriberInitExt as _;
    const DEFAULT: &str = "tray_mcp=info,warn";
    let default = || {
        Targets::new()
            .with_target("tray_mcp", tracing::level_filters::LevelFilter::INFO)
            .with_default(tracing::level_filters::LevelFilter::WARN)
    };
    let filter: Targets = match log_level {
        Some(level) => level.parse().map_err(|error| {
            CommandError::failure(
                format!("--log-level {level:?} is not a valid filter: {error}"),
                "use error, warn, info, debug, trace or off, or directives such as tray_mcp=debug,warn",
            )
        })?,
        None => match env_var("RUST_LOG").map(|value| value.parse::<Targets>()) {
            Some(Ok(filter)) => filter,
            Some(Err(error)) => {
                eprintln!("warning: ignoring RUST_LOG ({error}); using {DEFAULT}");
                default()
            }
            None => default(),
        },
    };
    let output = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false);
    // A second initialisation (tests calling run twice) is harmless: keep the first.
    let _ = tracing_subscriber::registry().with(output).with(filter).try_init();
    Ok(())
}

/// Runs the server on stdin/stdout until the client closes stdin.
///
/// Configuration errors (unknown profile, no token, bad flags) are returned before anything is
/// served, with a hint; the caller prints them to stderr and exits with status 1.
pub fn run(environment: &Environment, options: ServeOptions) -> Result<(), CommandError> {
    init_logging(options.log_level.as_deref())?;
    let served = build_backend(choose_backend(environment, &options)?)?;
    let description = served.backend.describe();
    tracing::info!(
        backend = description.kind,
        workspace = %description.workspace_id,
        region = %description.region,
        gateway = served.gateway.is_some(),
        "tray-mcp serve starting"
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CommandError::failure(format!("could not start the async runtime: {error}"), ""))?;
    let result = runtime.block_on(async move {
        let mut tools = tools::TrayTools::new(served.backend);
        let mut transport = transport::LineTransport::new(tokio::io::stdin(), tokio::io::stdout());
        let mut passthrough = None;
        if let Some(config) = served.gateway {
            tools = tools.with_list_changed();
            let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
            let client = Arc::new(gateway::GatewayClient::new(config, sender));
            let connect_wait = client.config().timeout.min(Duration::from_secs(10));
            let pass = passthrough::Passthrough::new(client, tools.tools_json(), connect_wait);
            pass.start(receiver);
            transport = transport.with_intercept(Arc::new(Arc::clone(&pass)));
            passthrough = Some(pass);
        }
        let outcome = serve_session(tools, transport).await;
        if let Some(pass) = passthrough {
            pass.shutdown(Duration::from_secs(2)).await;
        }
        outcome
    });
    // Tokio's stdin reader may still sit in a blocking read; do not wait for it.
    runtime.shutdown_timeout(Duration::from_millis(100));
    result.map_err(|error| CommandError::failure(format!("{error:#}"), ""))
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

/// The Tray API settings for a workspace, with the process environment's overrides
/// (`TRAY_API_URL`, `TRAY_GRAPHQL_URL`, `TRAY_API_TIMEOUT_SECS`), as `serve` uses them.
pub fn tray_api_config_from_environment(
    workspace_id: WorkspaceId,
    region: Region,
    token: ApiToken,
) -> Result<TrayApiConfig, CommandError> {
    tray_api_config(workspace_id, region, token, env_var)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn workspace() -> WorkspaceId {
        WorkspaceId::parse("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718").expect("valid UUID")
    }

    fn token() -> ApiToken {
        ApiToken::parse("test-token").expect("valid token")
    }

    #[test]
    fn each_region_uses_its_own_hosts_unless_overridden() {
        for region in Region::ALL {
            let config = tray_api_config(workspace(), region, token(), |_| None).expect("config builds");
            assert_eq!(config.rest_url, region.api_url());
            assert_eq!(config.graphql_url, region.graphql_url());
            assert_eq!(config.timeout, Duration::from_secs(20));

            let overridden = tray_api_config(workspace(), region, token(), |name| match name {
                "TRAY_API_URL" => Some("http://127.0.0.1:9/rest".to_string()),
                "TRAY_GRAPHQL_URL" => Some("http://127.0.0.1:9/graphql".to_string()),
                "TRAY_API_TIMEOUT_SECS" => Some("1.5".to_string()),
                _ => None,
            })
            .expect("config builds");
            assert_eq!(overridden.rest_url, "http://127.0.0.1:9/rest");
            assert_eq!(overridden.graphql_url, "http://127.0.0.1:9/graphql");
            assert_eq!(overridden.timeout, Duration::from_millis(1500));
            assert_eq!(overridden.region, region);
        }
    }

    #[test]
    fn a_bad_timeout_is_refused_with_a_hint() {
        let error = tray_api_config(workspace(), Region::Us1, token(), |name| {
            (name == "TRAY_API_TIMEOUT_SECS").then(|| "soon".to_string())
        })
        .expect_err("refused");
        assert!(error.hint.is_some(), "{error}");
    }

    #[test]
    fn the_gateway_url_is_the_workspace_s_unless_overridden_and_bad_values_are_refused() {
        let config = gateway_config(&workspace(), token(), |_| None).expect("config builds");
        assert_eq!(config.url, "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai/");
        assert_eq!(config.timeout, Duration::from_secs(20));
        let overridden = gateway_config(&workspace(), token(), |name| match name {
            "TRAY_GATEWAY_URL" => Some("http://127.0.0.1:9/mcp".to_string()),
            "TRAY_GATEWAY_TIMEOUT_SECS" => Some("0.5".to_string()),
            _ => None,
        })
        .expect("config builds");
        assert_eq!(overridden.url, "http://127.0.0.1:9/mcp");
        assert_eq!(overridden.timeout, Duration::from_millis(500));
        for (name, value) in [("TRAY_GATEWAY_URL", "ftp://x"), ("TRAY_GATEWAY_TIMEOUT_SECS", "-1")] {
            let error = gateway_config(&workspace(), token(), |asked| {
                (asked == name).then(|| value.to_string())
            })
            .expect_err("refused");
            assert!(error.hint.is_some(), "{error}");
        }
    }
}
