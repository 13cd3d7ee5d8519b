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
use super::store::{SignIn, SignInStore, StepUp};
use super::{MAX_STEP_UPS, SignInError};
use crate::remote::token::{AccessTokenSource, BoxFuture, TokenUnavailable};
use crate::tray::ApiToken;

/// A placeholder redirect URI: a refresh sends none, but rmcp's client needs one set.
const NO_REDIRECT: &str = "http://127.0.0.1/callback";

/// rmcp refreshes an access token that expires within this many seconds
/// (`AuthorizationManager::REFRESH_BUFFER_SECS`, which it keeps private).
const REFRESH_MARGIN_SECS: i64 = 30;

/// The refresh token `sign_in` holds, if any.
fn refresh_token_of(sign_in: &SignIn) -> Option<String> {
    use oauth2::TokenResponse as _;
    let tokens = sign_in.credentials.token_response.as_ref()?;
    tokens.refresh_token().map(|refresh| refresh.secret().clone())
}

/// The access tokens of one signed-in profile.
pub struct OAuthTokens {
    store: SignInStore,
    /// The sign-in as `serve` read it at start, used once to build the manager (so the store,
    /// maybe the OS keychain, is not read twice for it).
    loaded: std::sync::Mutex<Option<SignIn>>,
    /// rmcp's manager, and the client ID it was built for.
    manager: tokio::sync::Mutex<Option<(String, Arc<AuthorizationManager>)>>,
    /// An access token the server refused (401) whose refresh the authorization server refused
    /// too (the sign-in was revoked): while the store still holds it, [`Self::access_token`]
    /// says a new sign-in is needed instead of handing it out again. Memory only.
    refused: std::sync::Mutex<Option<String>>,
    /// A refresh token the authorization server refused (memory only): while the store still
    /// holds it beside an access token rmcp would refresh, [`Self::access_token`] says a new
    /// sign-in is needed without asking the authorization server again on every call.
    refused_refresh: std::sync::Mutex<Option<String>>,
    /// Held while a token is handed out or refreshed: rmcp's refresh does not look again
    /// whether the token it was asked to refresh still needs it, so two requests of this
    /// process that found it expiring at once (a tool call and the gateway's connection,
    /// say) would each refresh it. One at a time, the second finds the first's new token.
    fetching: tokio::sync::Mutex<()>,
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
            loaded: std::sync::Mutex::new(None),
            manager: tokio::sync::Mutex::new(None),
            refused: std::sync::Mutex::new(None),
            refused_refresh: std::sync::Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        }
    }

    /// The tokens kept in `store`, whose sign-in the caller has just read: the first request
    /// uses `sign_in`'s endpoints and client instead of reading the store again. The tokens
    /// themselves are always read from the store (another process may have refreshed them).
    pub fn with_sign_in(store: SignInStore, sign_in: SignIn) -> OAuthTokens {
        let tokens = OAuthTokens::new(store);
        if let Ok(mut loaded) = tokens.loaded.lock() {
            *loaded = Some(sign_in);
        }
        tokens
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
    /// the endpoints and client are in the record): once, and again after
    /// [`Self::took_up_new_client`].
    async fn manager(&self) -> Result<Arc<AuthorizationManager>, SignInError> {
        let mut slot = self.manager.lock().await;
        if let Some((_, manager)) = slot.as_ref() {
            return Ok(Arc::clone(manager));
        }
        let preloaded = self.loaded.lock().ok().and_then(|mut loaded| loaded.take());
        let sign_in = match preloaded {
            Some(sign_in) => sign_in,
            None => self.store.load()?.ok_or_else(|| self.needed("not signed in"))?,
        };
        super::secure::check_metadata(&sign_in.metadata).map_err(|endpoint| SignInError::Insecure {
            name: self.name(),
            endpoint,
        })?;
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

    /// rmcp said authorization is required. When the store now names another client than the
    /// manager was built for (a `tray-mcp login NAME` while `serve` runs may have registered a
    /// new one, whose refresh token the old client may not spend: rmcp refuses it), the
    /// manager is dropped, to be built again for it, and true says to try once more. The
    /// store is read here, on that failure, not before every request.
    async fn took_up_new_client(&self) -> bool {
        let Ok(Some(sign_in)) = self.store.load() else {
            return false;
        };
        let mut slot = self.manager.lock().await;
        let changed = slot
            .as_ref()
            .is_some_and(|(client_id, _)| *client_id != sign_in.client_id);
        if changed {
            *slot = None;
            if let Ok(mut loaded) = self.loaded.lock() {
                *loaded = Some(sign_in);
            }
        }
        changed
    }

    fn auth_error(&self, error: AuthError) -> SignInError {
        match error {
            // rmcp says this both when no refresh token is kept and when the server refused it.
            AuthError::AuthorizationRequired => match self.store.load() {
                Ok(Some(sign_in)) if sign_in.can_refresh() => self.refresh_refused(&sign_in),
                Ok(Some(_)) => self.needed("it holds no refresh token"),
                Ok(None) => self.needed("not signed in"),
                Err(error) => error,
            },
            AuthError::TokenRefreshRejected(_) => match self.store.load() {
                Ok(Some(sign_in)) => self.refresh_refused(&sign_in),
                _ => self.needed("the authorization server refused its refresh token"),
            },
            AuthError::CredentialStoreError(message) => SignInError::Store(message),
            // rmcp's text may quote the authorization server's error description.
            other => SignInError::Transient {
                name: self.name(),
                reason: crate::remote_text::clean(&other.to_string()),
            },
        }
    }

    /// The authorization server refused the refresh token `sign_in` holds: remembered, so it
    /// is not offered again ([`Self::refresh_known_refused`]).
    fn refresh_refused(&self, sign_in: &SignIn) -> SignInError {
        if let Some(refresh) = refresh_token_of(sign_in)
            && let Ok(mut refused) = self.refused_refresh.lock()
        {
            *refused = Some(refresh);
        }
        self.needed("the authorization server refused its refresh token")
    }

    /// True when the store still holds the refresh token the authorization server refused,
    /// with an access token that expires within rmcp's 30 s margin: asking rmcp for a token
    /// would only send that refresh token to be refused again. A new `tray-mcp login` (another
    /// refresh token) or another process's refresh ends it. Reads the store only after a
    /// refusal.
    fn refresh_known_refused(&self) -> bool {
        let Some(refused) = self.refused_refresh.lock().ok().and_then(|refused| refused.clone()) else {
            return false;
        };
        let Ok(Some(sign_in)) = self.store.load() else {
            return false;
        };
        refresh_token_of(&sign_in).is_some_and(|stored| stored == refused)
            && sign_in
                .expires_in(super::store::now())
                .is_some_and(|seconds| seconds < REFRESH_MARGIN_SECS)
    }

    fn bearer(&self, token: String) -> Result<ApiToken, SignInError> {
        ApiToken::parse(&token).map_err(|_| self.needed("the authorization server sent an unusable access token"))
    }

    /// The bearer for the next request: the stored access token, refreshed first when it
    /// expires within 30 s. A token the server refused and could not be refreshed is not handed
    /// out again (until `tray-mcp login` stores another): the sign-in is needed.
    pub async fn access_token(&self) -> Result<ApiToken, SignInError> {
        let _one_at_a_time = self.fetching.lock().await;
        if self.refresh_known_refused() {
            return Err(self.needed("the authorization server refused its refresh token"));
        }
        let token = match self.manager().await?.get_access_token().await {
            Err(AuthError::AuthorizationRequired) if self.took_up_new_client().await => {
                self.manager().await?.get_access_token().await
            }
            outcome => outcome,
        }
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
    /// differs (another request or process refreshed). True when a new token is there. When
    /// the refresh is refused, `rejected` is remembered, so it is not sent again.
    pub async fn on_unauthorized(&self, rejected: &ApiToken) -> Result<bool, SignInError> {
        let _one_at_a_time = self.fetching.lock().await;
        let manager = self.manager().await?;
        if let Ok(current) = manager.get_access_token().await
            && current != rejected.expose()
        {
            return Ok(true);
        }
        let refreshed = match manager.refresh_token().await {
            Err(AuthError::AuthorizationRequired) if self.took_up_new_client().await => {
                self.manager().await?.refresh_token().await
            }
            outcome => outcome,
        };
        match refreshed.map_err(|error| self.auth_error(error)) {
            Ok(_) => Ok(true),
            Err(error) => {
                if matches!(error, SignInError::Needed { .. }) {
                    self.remember_refused(rejected);
                }
                Err(error)
            }
        }
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

    fn on_unauthorized<'a>(&'a self, rejected: &'a ApiToken) -> BoxFuture<'a, Result<bool, TokenUnavailable>> {
        Box::pin(async move {
            OAuthTokens::on_unauthorized(self, rejected).await.map_err(|error| {
                tracing::warn!(%error, "the sign-in could not be refreshed after a 401");
                unavailable(error)
            })
        })
    }

    fn on_insufficient_scope(&self, url: &str, scopes: &str) -> Option<TokenUnavailable> {
        Some(unavailable(self.insufficient_scope(url, scopes)))
    }

    fn refused(&self, upstream: &str) -> Option<TokenUnavailable> {
        let name = self.name();
        Some(TokenUnavailable {
            message: format!(
                "{upstream} refused the sign-in of {name} (HTTP 401 Unauthorized), also with a freshly \
                 refreshed access token"
            ),
            hint: format!(
                "run `tray-mcp login {name}` to sign in again (as a Tray user with access to the workspace); \
                 a running `tray-mcp serve` takes the new sign-in up by itself"
            ),
        })
    }
}

fn unavailable(error: SignInError) -> TokenUnavailable {
    TokenUnavailable {
        message: error.to_string(),
        hint: error.hint(),
    }
}

/// What `serve` warns about at start for a sign-in read from the store (`None`: nothing is
/// stored), at `now` (seconds since the epoch): `None` when it looks usable. Offline only: a
/// refresh token the server has revoked is found out on the first request.
pub fn start_warning(name: &str, sign_in: Option<&SignIn>, now: u64) -> Option<String> {
    let Some(sign_in) = sign_in.filter(|sign_in| sign_in.credentials.token_response.is_some()) else {
        return Some(format!(
            "the profile {name} signs in with OAuth but is not signed in: tool calls that need Tray \
             will answer with `run tray-mcp login {name}` until it is"
        ));
    };
    let expired = sign_in.expires_in(now).is_some_and(|seconds| seconds <= 0);
    (expired && !sign_in.can_refresh()).then(|| {
        format!(
            "the sign-in of {name} has expired and holds no refresh token: tool calls that need Tray \
             will answer with `run tray-mcp login {name}` until it is renewed"
        )
    })
}
