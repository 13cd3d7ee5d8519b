//! The access token of a signed-in profile, for `serve`.
//!
//! Why here and not in the gateway client: the gateway client (and the Headless MCP
//! pass-through) only need "a bearer for the next request" and "that one was refused"; how a
//! sign-in is refreshed, locked and stored, and what to tell the user when only a new sign-in
//! helps, is this module's. `serve` never opens a browser: when the refresh token is gone or
//! refused, every call answers with [`SignInError::Needed`], which says to run
//! `tray-mcp login NAME`.
//!
//! Refresh: before each request the token is checked, and refreshed when it expires within
//! 30 s (rmcp's buffer); after a 401 it is refreshed once, unless another request already
//! did. The refresh holds the store's lock, so two `serve` processes never spend one refresh
//! token twice.

use std::sync::Arc;
use std::time::Duration;

use rmcp::transport::auth::{AuthError, AuthorizationManager, OAuthClientConfig};

use super::http::OAuthHttp;
use super::store::{SignInStore, StepUp};
use super::{MAX_STEP_UPS, SignInError};
use crate::server::gateway::{AccessTokenSource, BoxFuture, TokenUnavailable};
use crate::tray::ApiToken;

/// A placeholder redirect URI: a refresh sends none, but rmcp's client needs one set.
const NO_REDIRECT: &str = "http://127.0.0.1/callback";

/// The access tokens of one signed-in profile.
pub struct OAuthTokens {
    store: SignInStore,
    /// rmcp's manager, and the client ID it was built for.
    manager: tokio::sync::Mutex<Option<(String, Arc<AuthorizationManager>)>>,
    /// An access token the server refused (401) whose refresh the authorization server refused
    /// too (the sign-in was revoked): while the store still holds it, [`Self::access_token`]
    /// says a new sign-in is needed instead of handing it out again. Memory only.
    refused: std::sync::Mutex<Option<String>>,
}

impl std::fmt::Debug for OAuthTokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthTokens").field("store", &self.store).finish()
    }
}

impl OAuthTokens {
    /// The tokens kept in `store` (nothing is read yet).
    pub fn new(store: SignInStore) -> OAuthTokens {
        OAuthTokens {
            store,
            manager: tokio::sync::Mutex::new(None),
            refused: std::sync::Mutex::new(None),
        }
    }

    /// The profile as `tray-mcp login` takes it (`NAME`, or `NAME --headless`).
    fn name(&self) -> String {
        self.store.login_arguments()
    }

    fn needed(&self, reason: impl Into<String>) -> SignInError {
        SignInError::Needed {
            name: self.name(),
            reason: reason.into(),
        }
    }

    /// rmcp's manager for the stored sign-in, built from what `login` recorded (no discovery:
    /// the endpoints and client are in the record), and built again when the record names
    /// another client: a `tray-mcp login NAME` while `serve` runs may have registered a new
    /// one, whose refresh token the old client may not spend (rmcp refuses it).
    async fn manager(&self) -> Result<Arc<AuthorizationManager>, SignInError> {
        let mut slot = self.manager.lock().await;
        let sign_in = self.store.load()?.ok_or_else(|| self.needed("not signed in"))?;
        if let Some((client_id, manager)) = slot.as_ref()
            && *client_id == sign_in.client_id
        {
            return Ok(Arc::clone(manager));
        }
        let http = OAuthHttp::new(Duration::from_secs(30)).map_err(|error| SignInError::Transient {
            name: self.name(),
            reason: error.to_string(),
        })?;
        let mut manager = AuthorizationManager::new_with_oauth_http_client(sign_in.resource.as_str(), Arc::new(http))
            .await
            .map_err(|error| self.auth_error(error))?;
        manager.set_metadata(sign_in.metadata.clone());
        let mut config = OAuthClientConfig::new(sign_in.client_id.clone(), NO_REDIRECT);
        if let Some(secret) = &sign_in.client_secret {
            config = config.with_client_secret(secret);
        }
        manager
            .configure_client(config)
            .map_err(|error| self.auth_error(error))?;
        manager.set_credential_store(self.store.clone());
        let manager = Arc::new(manager);
        *slot = Some((sign_in.client_id.clone(), Arc::clone(&manager)));
        Ok(manager)
    }

    fn auth_error(&self, error: AuthError) -> SignInError {
        match error {
            AuthError::AuthorizationRequired => self.needed("it holds no refresh token"),
            AuthError::TokenRefreshRejected(_) => self.needed("the authorization server refused its refresh token"),
            AuthError::CredentialStoreError(message) => SignInError::Store(message),
            other => SignInError::Transient {
                name: self.name(),
                reason: other.to_string(),
            },
        }
    }

    fn bearer(&self, token: String) -> Result<ApiToken, SignInError> {
        ApiToken::parse(&token).map_err(|_| self.needed("the authorization server sent an unusable access token"))
    }

    /// The bearer for the next request: the stored access token, refreshed first when it
    /// expires within 30 s. A token the server refused and could not be refreshed is not handed
    /// out again (until `tray-mcp login` stores another): the sign-in is needed.
    pub async fn access_token(&self) -> Result<ApiToken, SignInError> {
        let manager = self.manager().await?;
        let token = manager
            .get_access_token()
            .await
            .map_err(|error| self.auth_error(error))?;
        if self.is_refused(&token) {
            return Err(
                self.needed("the server refused its access token and the authorization server its refresh token")
            );
        }
        self.bearer(token)
    }

    fn is_refused(&self, token: &str) -> bool {
        self.refused
            .lock()
            .is_ok_and(|refused| refused.as_deref() == Some(token))
    }

    fn remember_refused(&self, rejected: &ApiToken) {
        if let Ok(mut refused) = self.refused.lock() {
            *refused = Some(rejected.expose().to_string());
        }
    }

    /// The server answered 401 to `rejected`: refreshes, unless the stored token already
    /// differs (another request or process refreshed). True when a new token is there.
    pub async fn on_unauthorized(&self, rejected: &ApiToken) -> Result<bool, SignInError> {
        let manager = self.manager().await?;
        if let Ok(current) = manager.get_access_token().await
            && current != rejected.expose()
        {
            return Ok(true);
        }
        manager.refresh_token().await.map_err(|error| self.auth_error(error))?;
        Ok(true)
    }

    /// The server answered 403 `insufficient_scope`, asking for `scopes`: records them for
    /// the next `tray-mcp login NAME` (which asks for them too) and says what to do. After
    /// [`MAX_STEP_UPS`] sign-ins for more permissions, it stops suggesting another.
    pub fn insufficient_scope(&self, resource: &str, scopes: &str) -> SignInError {
        let wanted: Vec<String> = scopes.split_whitespace().map(str::to_string).collect();
        let mut attempts = 0;
        let recorded = self.store.update(|sign_in| {
            let step_up = sign_in.step_up.get_or_insert_with(StepUp::default);
            attempts = step_up.attempts;
            step_up.scopes = wanted.clone();
        });
        if let Err(error) = recorded {
            return error;
        }
        if attempts >= MAX_STEP_UPS {
            return SignInError::StepUpExhausted {
                name: self.name(),
                resource: resource.to_string(),
                scopes: scopes.to_string(),
                attempts,
            };
        }
        SignInError::MoreScopes {
            name: self.name(),
            resource: resource.to_string(),
            scopes: scopes.to_string(),
        }
    }
}

/// The gateway client's view: a bearer per request, and a refresh after a 401. Never blocks on
/// the user: a needed sign-in comes back as the error, with `tray-mcp login NAME` as the hint.
impl AccessTokenSource for OAuthTokens {
    fn access_token(&self) -> BoxFuture<'_, Result<ApiToken, TokenUnavailable>> {
        Box::pin(async move { OAuthTokens::access_token(self).await.map_err(unavailable) })
    }

    /// After a refused refresh (the sign-in was revoked) this still answers true: the client
    /// asks [`AccessTokenSource::access_token`] before sending again, which then answers
    /// [`SignInError::Needed`] (`run tray-mcp login NAME`) instead of the 401 (whose words are
    /// about API tokens). A passing failure (the authorization server unreachable) leaves the
    /// 401 as the answer.
    fn on_unauthorized<'a>(&'a self, rejected: &'a ApiToken) -> BoxFuture<'a, bool> {
        Box::pin(async move {
            match OAuthTokens::on_unauthorized(self, rejected).await {
                Ok(refreshed) => refreshed,
                Err(error @ SignInError::Needed { .. }) => {
                    tracing::warn!(%error, "the sign-in could not be refreshed after a 401");
                    self.remember_refused(rejected);
                    true
                }
                Err(error) => {
                    tracing::warn!(%error, "the sign-in could not be refreshed after a 401");
                    false
                }
            }
        })
    }

    fn on_insufficient_scope(&self, url: &str, scopes: &str) -> Option<TokenUnavailable> {
        Some(unavailable(self.insufficient_scope(url, scopes)))
    }
}

fn unavailable(error: SignInError) -> TokenUnavailable {
    TokenUnavailable {
        message: error.to_string(),
        hint: error.hint(),
    }
}

/// The access token of `store`'s sign-in, refreshed first when it expires within 30 s: what
/// `serve` sends when it starts. Runs its own short-lived runtime (before `serve`'s starts).
pub fn token_at_start(store: SignInStore) -> Result<ApiToken, SignInError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| SignInError::Store(format!("could not start the async runtime: {error}")))?;
    runtime.block_on(OAuthTokens::new(store).access_token())
}
