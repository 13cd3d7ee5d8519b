//! Where a bearer token comes from: a static API token, or a sign-in that refreshes.
//!
//! Why in the remote layer, on its own: the Tray API client and the MCP upstream client both take
//! their bearer from an [`AccessTokenSource`], and the sign-in (`oauth`) implements one; none of
//! them should import another to share the trait.

use std::pin::Pin;

use crate::tray::ApiToken;

/// A boxed future, so [`AccessTokenSource`] can be used as a trait object.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why no bearer token can be had: the user must sign in again, say. `message` says what
/// happened and `hint` what to do (`run tray-mcp login NAME`); neither holds a secret.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenUnavailable {
    /// What happened.
    pub message: String,
    /// What to do about it.
    pub hint: String,
}

/// Where the bearer token of each request comes from.
///
/// Why a trait: the Agent Gateway takes the profile's API token, which never changes while
/// `serve` runs ([`StaticToken`]); an OAuth sign-in hands out access tokens that expire and are
/// refreshed. The client asks for the token before every request and reports a 401, so a
/// source that can refresh gets the chance to, and the request is sent once more.
pub trait AccessTokenSource: Send + Sync + std::fmt::Debug {
    /// The bearer for the next request (a source may refresh one that is about to expire).
    /// Must never block on a user: when signing in again is needed, it returns the error.
    fn access_token(&self) -> BoxFuture<'_, Result<ApiToken, TokenUnavailable>>;

    /// The upstream answered 401 to a request sent with `rejected`. Returns true when a
    /// different token is now available (refreshed, or another request already refreshed),
    /// so the request is worth sending once more; false leaves the 401 as the answer. An
    /// error says no token can be had any more (the refresh was refused: sign in again), and
    /// is the answer instead of the 401.
    fn on_unauthorized<'a>(&'a self, rejected: &'a ApiToken) -> BoxFuture<'a, Result<bool, TokenUnavailable>>;

    /// `upstream` (a URL or a name such as "Tray's API") refused with 401 a token this source
    /// had just refreshed. A source that signs in returns what to tell the user (a new
    /// sign-in, naming the profile); `None` (the default) leaves the caller's own 401 text,
    /// which is about API tokens.
    fn refused(&self, _upstream: &str) -> Option<TokenUnavailable> {
        None
    }

    /// The upstream at `url` answered 403 `insufficient_scope`, asking for `scopes`. A source
    /// that can sign in for more permissions returns what to tell the user (`tray-mcp login
    /// NAME`); `None` (the default) leaves the 403 as it is.
    fn on_insufficient_scope(&self, _url: &str, _scopes: &str) -> Option<TokenUnavailable> {
        None
    }
}

/// A token that never changes: the profile's API token, for the Agent Gateway.
#[derive(Debug, Clone)]
pub struct StaticToken(pub ApiToken);

impl AccessTokenSource for StaticToken {
    fn access_token(&self) -> BoxFuture<'_, Result<ApiToken, TokenUnavailable>> {
        let token = self.0.clone();
        Box::pin(async move { Ok(token) })
    }

    fn on_unauthorized<'a>(&'a self, _rejected: &'a ApiToken) -> BoxFuture<'a, Result<bool, TokenUnavailable>> {
        Box::pin(async { Ok(false) })
    }
}
