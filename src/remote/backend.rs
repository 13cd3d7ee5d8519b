//! Where the tools get their data: one trait, two implementations.
//!
//! Why a trait: the same tools run against Tray's API ([`super::tray_api::TrayApi`]) and against
//! the embedded demo workspace ([`crate::server::sandbox::Sandbox`]). The tools only ever see this trait
//! and the shared [`super::model`] types, so a tool behaves the same in both, and the sandbox is a
//! faithful stand-in for the real thing.
//!
//! The methods return boxed futures so the trait stays object-safe (`Arc<dyn Backend>`) and
//! `Send`, which rmcp's tool router needs, without a macro crate.

use std::future::Future;
use std::pin::Pin;

use super::access::{Access, Endpoint, ToolAccess};
use super::model::{Connector, Execution, Solution, User, WorkflowDetails, WorkflowSummary};
use super::token::TokenUnavailable;
use crate::error::Advice;

/// A future returned by a [`Backend`] method.
pub type BackendFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, BackendError>> + Send + 'a>>;

/// Which kind of backend serves the tools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BackendKind {
    /// Tray's API, for a real workspace.
    TrayApi,
    /// The embedded demo workspace.
    Sandbox,
}

impl BackendKind {
    /// `tray_api` or `sandbox`, as `get_authenticated_user` and the logs show it.
    pub fn as_str(self) -> &'static str {
        match self {
            BackendKind::TrayApi => "tray_api",
            BackendKind::Sandbox => "sandbox",
        }
    }
}

/// Which kind of backend is serving, and for which workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BackendDescription {
    /// Tray's API or the sandbox.
    pub kind: BackendKind,
    /// The workspace being served.
    pub workspace_id: String,
    /// The region name (`us1`, `eu1`, `apac1`), or `sandbox`.
    pub region: String,
    /// The workspace's display name, when the backend knows it.
    pub workspace_name: Option<String>,
}

/// Read access to one Tray workspace.
pub trait Backend: Send + Sync {
    /// What this backend serves, for `get_authenticated_user` and logs.
    fn describe(&self) -> BackendDescription;

    /// The user the credentials belong to.
    fn current_user(&self) -> BackendFuture<'_, User>;

    /// Every workflow in the workspace (the backend follows pagination itself).
    fn workflows(&self) -> BackendFuture<'_, Vec<WorkflowSummary>>;

    /// The definition of one workflow, by ID.
    fn workflow_details(&self, workflow_id: String) -> BackendFuture<'_, WorkflowDetails>;

    /// The most recent runs of one workflow, newest first, at most `limit`.
    fn workflow_executions(&self, workflow_id: String, limit: usize) -> BackendFuture<'_, Vec<Execution>>;

    /// Every solution in the workspace.
    fn solutions(&self) -> BackendFuture<'_, Vec<Solution>>;

    /// Every connector available to the workspace.
    fn connectors(&self) -> BackendFuture<'_, Vec<Connector>>;

    /// Whether these credentials can use each built-in tool, found by trying each endpoint
    /// once. A backend without access rules (the sandbox) allows everything.
    fn tool_access(&self) -> BackendFuture<'_, Vec<ToolAccess>> {
        Box::pin(async { Ok(super::access::tool_access(|_| Access::allowed())) })
    }
}

/// Why a backend call failed. Every variant becomes a tool error the agent can read and act on;
/// none of them stops the server. No variant ever carries the token. The `Display` text says
/// what happened; [`Advice::hint`] says what to do, where there is something to do.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BackendError {
    /// HTTP 401: the token is not valid.
    #[error("Tray rejected the API token (HTTP 401 Unauthorized): it is wrong, expired or revoked.")]
    Unauthorized,
    /// HTTP 403 or `access_not_allowed`: the token is valid but may not read this endpoint.
    #[error(
        "Tray refused the API token for {what} (HTTP 403, access not allowed): the token is valid, \
         but {} needs {}.",
        endpoint.name(),
        endpoint.needs()
    )]
    Forbidden {
        /// What was being read.
        what: String,
        /// The endpoint that refused.
        endpoint: Endpoint,
        /// The workspace in use.
        workspace: String,
        /// The region in use.
        region: String,
    },
    /// HTTP 429 on every attempt.
    #[error("Tray is rate-limiting this token (HTTP 429) and still was after {attempts} attempts.")]
    RateLimited {
        /// How many requests were made.
        attempts: u32,
    },
    /// The request took longer than the time limit.
    #[error("Tray did not answer within {seconds} seconds while reading {what}.")]
    Timeout {
        /// What was being read.
        what: String,
        /// The time limit.
        seconds: f64,
    },
    /// The request never got an HTTP answer (DNS, connection refused, TLS...).
    #[error("could not reach Tray at {url}: {reason}.")]
    Network {
        /// The URL without query.
        url: String,
        /// What went wrong.
        reason: String,
    },
    /// Tray answered with an error status other than 401/403/429.
    #[error("Tray answered HTTP {status} while reading {what}: {message}")]
    Http {
        /// The HTTP status.
        status: u16,
        /// What was being read.
        what: String,
        /// The error message from the body, or a generic one.
        message: String,
    },
    /// Tray answered 200 but the body was not what its API documents.
    #[error("Tray sent a response this server could not understand while reading {what}: {reason}")]
    MalformedResponse {
        /// What was being read.
        what: String,
        /// What was wrong, without the body.
        reason: String,
    },
    /// The GraphQL API refused the operation before running it (a request error: no `data`),
    /// in every form this server knows.
    #[error("Tray's GraphQL API refused this server's query for {what} before running it: {messages}.")]
    Refused {
        /// What was being read.
        what: String,
        /// The error messages, joined.
        messages: String,
    },
    /// The GraphQL API returned `errors`.
    #[error("Tray's GraphQL API reported an error while reading {what}: {messages}")]
    GraphQl {
        /// What was being read.
        what: String,
        /// The error messages, joined.
        messages: String,
    },
    /// The thing asked for does not exist.
    #[error("{0}")]
    NotFound(String),
    /// No bearer can be had: the profile's sign-in is missing, revoked or refused, so only a
    /// new `tray-mcp login NAME` helps. Nothing was sent to Tray with it.
    #[error("{}", .0.message)]
    SignIn(TokenUnavailable),
}

impl From<TokenUnavailable> for BackendError {
    fn from(unavailable: TokenUnavailable) -> Self {
        BackendError::SignIn(unavailable)
    }
}

impl Advice for BackendError {
    fn hint(&self) -> Option<String> {
        let hint = match self {
            BackendError::Unauthorized => {
                "create or copy a token of the right kind (see \"Which token\" in docs/tokens.md), then \
                 store it with `tray-mcp token set NAME`, or set TRAY_API_TOKEN. Calling \
                 get_authenticated_user checks a token."
                    .to_string()
            }
            BackendError::Forbidden {
                endpoint,
                workspace,
                region,
                ..
            } => format!(
                "{}; and check that the region ({region}) is the one workspace {workspace} lives in.",
                endpoint.fix()
            ),
            BackendError::Refused { .. } => {
                "Tray's API has changed in a way this version of tray-mcp does not know; update \
                 tray-mcp, and report this message if the newest version still gets it."
                    .to_string()
            }
            BackendError::RateLimited { .. } => {
                "wait a minute and try again; Tray allows about 30 requests per second per token.".to_string()
            }
            BackendError::Timeout { .. } => {
                "try again; if it keeps happening, check status.tray.io or your network.".to_string()
            }
            BackendError::Network { .. } => {
                "check your network connection and proxy settings, and that the region is right.".to_string()
            }
            BackendError::SignIn(unavailable) => unavailable.hint.clone(),
            BackendError::Http { .. }
            | BackendError::MalformedResponse { .. }
            | BackendError::GraphQl { .. }
            | BackendError::NotFound(_) => return None,
        };
        Some(hint)
    }
}
