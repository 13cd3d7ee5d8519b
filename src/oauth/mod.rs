//! Sign in with Tray: the OAuth 2.1 client of `tray-mcp login` and of `serve`.
//!
//! Why: Tray's MCP endpoints (the Agent Gateway, the Headless MCP) take the user's own Tray
//! identity by OAuth, so nobody has to create, rotate or paste an API token. Clients that do
//! OAuth themselves get this already; every stdio-only client gets it from the bundled server.
//!
//! The protocol follows the MCP authorization spec (2025-11-25, with the 2025-03-26 fallbacks)
//! through the MCP SDK's own client (rmcp's `auth` feature, built on the `oauth2` crate):
//! protected resource metadata from the `WWW-Authenticate` challenge or the well-known URLs,
//! authorization server metadata (RFC 8414 and OpenID, path insertion first), a pre-registered
//! client, a client ID metadata document or dynamic registration, PKCE S256, the `resource`
//! parameter, the `state` check, scope selection and token refresh. What is tray-mcp's own:
//! - [`login`]: the probe that gets the challenge, the one-shot loopback listener the browser
//!   is sent back to ([`callback`]), opening the browser ([`browser`]);
//! - [`store`]: where a sign-in is kept (the OS keychain, else a 0600 file), with a lock so two
//!   `serve` processes never spend one refresh token twice;
//! - [`tokens`]: the access token for `serve`, refreshed before it expires and after a 401,
//!   and the words that send the user to `tray-mcp login NAME` when only a new sign-in helps
//!   (`serve` never waits for a browser);
//! - [`http`]: rmcp's OAuth requests over this crate's HTTP client (rustls, bundled roots);
//! - [`secure`]: no secret goes to an endpoint that is not HTTPS (loopback excepted).
//!
//! No token, code, verifier or client secret is ever logged or printed: they live in
//! [`store::SignIn`] (whose `Debug` hides them) and go only into HTTP requests.

pub mod browser;
pub mod callback;
pub mod http;
pub mod login;
pub mod revoke;
pub mod secure;
pub mod store;
pub mod tokens;

pub use login::{LoginOptions, LoginOutcome, login};
pub use store::{SignIn, SignInStore};
pub use tokens::OAuthTokens;

/// How often a sign-in may be repeated for more permissions (step-up) before tray-mcp stops
/// suggesting it: a server that keeps refusing after that would loop the user forever.
pub const MAX_STEP_UPS: u32 = 2;

/// The environment variable that names a client ID metadata document (an HTTPS URL tray-mcp is
/// known by at authorization servers that support them).
pub const CLIENT_METADATA_URL_VARIABLE: &str = "TRAY_OAUTH_CLIENT_METADATA_URL";

/// The environment variable with the secret of a pre-registered client (`login --client-id`).
pub const CLIENT_SECRET_VARIABLE: &str = "TRAY_OAUTH_CLIENT_SECRET";

/// A sign-in failed or is needed. The text never holds a secret and says what to do.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SignInError {
    /// No sign-in is stored, or it can no longer be refreshed: only a new one helps.
    #[error("the sign-in of {name} is missing or has expired ({reason}): run `tray-mcp login {name}` to sign in again")]
    Needed {
        /// The profile name.
        name: String,
        /// What happened.
        reason: String,
    },
    /// The server wants more permissions than the sign-in has.
    #[error(
        "{resource} needs more permissions ({scopes}) than the sign-in of {name} grants: run \
         `tray-mcp login {name}` to sign in again with them"
    )]
    MoreScopes {
        /// The profile name.
        name: String,
        /// The server.
        resource: String,
        /// The scopes asked for.
        scopes: String,
    },
    /// Signing in again for more permissions did not help, so tray-mcp stops suggesting it.
    #[error(
        "{resource} still refuses (it asks for {scopes}) after {attempts} sign-ins for more \
         permissions of {name}; signing in again will not help"
    )]
    StepUpExhausted {
        /// The profile name.
        name: String,
        /// The server.
        resource: String,
        /// The scopes asked for.
        scopes: String,
        /// The sign-ins made for them.
        attempts: u32,
    },
    /// The authorization server could not be reached or refused for a passing reason.
    #[error("could not refresh the sign-in of {name}: {reason}")]
    Transient {
        /// The profile name.
        name: String,
        /// What happened.
        reason: String,
    },
    /// The stored sign-in names an authorization-server endpoint that is neither HTTPS nor
    /// loopback: it is not used, so no token goes there in clear text.
    #[error("the sign-in of {name} is not used: {endpoint}")]
    Insecure {
        /// The profile name.
        name: String,
        /// The endpoint.
        endpoint: secure::InsecureEndpoint,
    },
    /// The sign-in store could not be read or written.
    #[error("{0}")]
    Store(String),
}

impl SignInError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            SignInError::Needed { name, .. } | SignInError::MoreScopes { name, .. } => {
                format!(
                    "run `tray-mcp login {name}` (it opens the browser); a running `tray-mcp serve` takes the new sign-in up by itself"
                )
            }
            SignInError::StepUpExhausted { .. } => {
                "ask the server's administrator to grant your Tray user the permission".to_string()
            }
            SignInError::Transient { .. } => "check the network connection and try again".to_string(),
            SignInError::Insecure { name, .. } => format!(
                "run `tray-mcp logout {name}` to forget it, and `tray-mcp login {name}` once the \
                 authorization server offers HTTPS"
            ),
            SignInError::Store(_) => "check the permissions of tray-mcp's config folder".to_string(),
        }
    }
}
