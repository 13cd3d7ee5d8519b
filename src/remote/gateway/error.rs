//! What can go wrong between tray-mcp and an MCP upstream, each failure with what to do about
//! it: the `Display` text names what happened (never the token), [`GatewayError::hint`] the fix,
//! [`GatewayError::is_transient`] whether trying again may help.

use std::borrow::Cow;

use crate::remote::token::TokenUnavailable;

/// Why the gateway could not be used. The `Display` text says what happened; [`Self::hint`]
/// says what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum GatewayError {
    /// No connection could be made (DNS, refused, TLS, reset before an answer).
    #[error("could not reach the Agent Gateway at {url}: {reason}")]
    Unreachable {
        /// The gateway URL.
        url: String,
        /// The innermost cause.
        reason: String,
    },
    /// No complete answer in time.
    #[error("the Agent Gateway at {url} did not answer within {seconds} s")]
    Timeout {
        /// The gateway URL.
        url: String,
        /// The time limit.
        seconds: u64,
    },
    /// HTTP 401: the token was refused.
    #[error("the Agent Gateway refused the API token (HTTP 401 Unauthorized)")]
    Unauthorized,
    /// HTTP 403: no access to the gateway.
    #[error(
        "the Agent Gateway denied access (HTTP 403 Forbidden): Agent Gateway is not enabled on \
         this organization's plan, or the token's user is not allowed on the workspace's MCP server"
    )]
    Forbidden,
    /// Any other HTTP failure status.
    #[error("the Agent Gateway answered HTTP {status}: {message}")]
    Http {
        /// The status code.
        status: u16,
        /// The body's error message, or the status's reason.
        message: String,
    },
    /// The gateway answered, but not with what the protocol expects.
    #[error("the Agent Gateway broke the MCP protocol: {0}")]
    Protocol(String),
    /// The token source has no token to send (sign-in needed again); nothing was sent.
    #[error("{}", .0.message)]
    NoToken(TokenUnavailable),
}

impl crate::error::Advice for GatewayError {
    fn hint(&self) -> Option<String> {
        Some(GatewayError::hint(self).to_string())
    }
}

impl GatewayError {
    /// What the user can do about it.
    pub fn hint(&self) -> Cow<'static, str> {
        if let GatewayError::NoToken(unavailable) = self {
            return Cow::Owned(unavailable.hint.clone());
        }
        Cow::Borrowed(self.static_hint())
    }

    fn static_hint(&self) -> &'static str {
        match self {
            GatewayError::NoToken(_) => "sign in again",
            GatewayError::Unreachable { .. } => {
                "check the network connection and the workspace ID (or TRAY_GATEWAY_URL); a running \
                 `tray-mcp serve` keeps trying and adds the gateway's tools when it answers"
            }
            GatewayError::Timeout { .. } => {
                "the gateway may be slow or overloaded: try again shortly (TRAY_GATEWAY_TIMEOUT_SECS \
                 raises the time limit)"
            }
            GatewayError::Unauthorized => {
                "the API token may be wrong, expired or revoked: create a workspace API user token \
                 (see \"Which token\" in docs/tokens.md) and store it with `tray-mcp token set NAME`"
            }
            GatewayError::Forbidden => {
                "ask your Tray account team to enable Agent Gateway, and add the token's user in \
                 the MCP server's Access Management tab; the built-in tools work without it (to stop \
                 trying, reinstall with --no-gateway)"
            }
            GatewayError::Http { status: 404, .. } => {
                "this workspace has no Agent Gateway (HTTP 404): it is on select Tray plans and \
                 enabled per workspace, so ask your Tray account team, and check the workspace ID; \
                 the built-in tools work without it (to stop trying, reinstall with --no-gateway)"
            }
            GatewayError::Http { status, .. } if *status >= 500 => {
                "the gateway is having trouble: try again in a few minutes"
            }
            GatewayError::Http { .. } | GatewayError::Protocol(_) => {
                "check TRAY_GATEWAY_URL if it is set; otherwise report this to Tray support"
            }
        }
    }

    /// True when the gateway could not be reached at all (no connection, no answer in time):
    /// the network may come back, so `serve` keeps trying. A status (401, 403, 404, 5xx) means
    /// the gateway answered, and is not retried in the background.
    pub fn is_offline(&self) -> bool {
        matches!(self, GatewayError::Unreachable { .. } | GatewayError::Timeout { .. })
    }

    /// True when nothing could be sent for want of a sign-in (missing, revoked, refused): a
    /// `tray-mcp login` meanwhile makes the next try work, so `serve` keeps trying.
    pub fn waits_for_sign_in(&self) -> bool {
        matches!(self, GatewayError::NoToken(_))
    }

    /// True for failures that may pass if tried again: no connection, time-out, 429, 5xx.
    pub fn is_transient(&self) -> bool {
        match self {
            GatewayError::Unreachable { .. } | GatewayError::Timeout { .. } => true,
            GatewayError::Http { status, .. } => *status == 429 || *status >= 500,
            _ => false,
        }
    }
}
