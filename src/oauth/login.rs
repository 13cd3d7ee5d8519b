//! `tray-mcp login`: one authorization-code flow, from the server's challenge to stored tokens.
//!
//! Steps, per the MCP authorization spec (2025-11-25):
//! 1. probe: `initialize`, then `tools/list`, without a token; a 401's `WWW-Authenticate`
//!    names the protected resource metadata and, maybe, the scopes wanted;
//! 2. discovery (rmcp): that metadata, else the well-known URLs (path first, then root); its
//!    `resource` must be this server; then the authorization server's metadata (OAuth, then
//!    OpenID, with path insertion), else the 2025-03-26 fallbacks (root metadata, then
//!    `/authorize`, `/token`, `/register`);
//! 3. the client: a pre-registered client ID (`--client-id`), else a client ID metadata
//!    document where the server supports one, else dynamic registration;
//! 4. scopes: those of a pending step-up (the granted ones plus what a 403 asked for), else
//!    the challenge's, else the resource's `scopes_supported`, else none;
//! 5. the browser goes to the authorization URL (PKCE S256, `state`, `resource`); the redirect
//!    comes back to a one-shot listener on 127.0.0.1 ([`super::callback`]), which checks
//!    `state`; the code is exchanged (with `resource` and the verifier) and the sign-in saved.

use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{ACCEPT, CONTENT_TYPE, WWW_AUTHENTICATE};
use rmcp::transport::auth::{
    AuthError, AuthorizationManager, AuthorizationMetadata, AuthorizationRequest, AuthorizationSession,
    CredentialStore as _, InMemoryCredentialStore,
};
use serde_json::json;

use super::browser;
use super::callback::{Callback, CallbackListener};
use super::http::OAuthHttp;
use super::secure::{InsecureEndpoint, check_metadata, require_secure};
use super::store::{SignIn, SignInStore, StepUp};
use crate::error::CommandError;

/// How long one OAuth HTTP request may take.
const REQUEST_LIMIT: Duration = Duration::from_secs(30);

/// What `login` needs. Plain data: the CLI layer builds it.
#[derive(Debug, Clone)]
pub struct LoginOptions {
    /// The MCP server to sign in to (the Agent Gateway URL, say).
    pub resource: String,
    /// A client ID registered with the authorization server beforehand.
    pub client_id: Option<String>,
    /// Its secret, for a confidential client.
    pub client_secret: Option<String>,
    /// The HTTPS URL of tray-mcp's client ID metadata document, when it has one.
    pub client_metadata_url: Option<String>,
    /// Open the browser (else only print the URL).
    pub open_browser: bool,
    /// `$BROWSER`.
    pub browser: Option<String>,
    /// How long to wait for the browser to come back.
    pub wait: Duration,
}

/// What a sign-in got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginOutcome {
    /// The server signed in to.
    pub resource: String,
    /// The scopes granted.
    pub scopes: Vec<String>,
    /// Whether a refresh token was granted (so `serve` can renew the access token).
    pub refreshable: bool,
    /// Whether this sign-in asked for more permissions a server wanted (step-up).
    pub step_up: bool,
}

/// Signs in to `options.resource` and saves the tokens in `store`. `say` receives the lines for
/// the user (the URL to open): they go to stderr.
pub fn login(store: &SignInStore, options: &LoginOptions, say: &dyn Fn(&str)) -> Result<LoginOutcome, CommandError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| CommandError::failure(format!("could not start the async runtime: {error}"), ""))?;
    runtime.block_on(sign_in(store, options, say))
}

/// A failed step. `error` may quote the authorization server, so it is cleaned
/// ([`crate::remote_text::clean`]) before it reaches the terminal.
fn failed(what: &str, error: impl std::fmt::Display, hint: &str) -> CommandError {
    let error = crate::remote_text::clean(&error.to_string());
    CommandError::failure(format!("sign-in failed: {what}: {error}"), hint)
}

/// An endpoint that is neither HTTPS nor loopback: nothing secret was sent to it.
fn insecure(endpoint: InsecureEndpoint) -> CommandError {
    CommandError::failure(format!("sign-in refused: {endpoint}"), endpoint.hint())
}

async fn sign_in(
    store: &SignInStore,
    options: &LoginOptions,
    say: &dyn Fn(&str),
) -> Result<LoginOutcome, CommandError> {
    let name = store.name().clone();
    let previous = store
        .load()
        .map_err(|error| CommandError::failure(error.to_string(), error.hint()))?;
    let step_up = previous
        .as_ref()
        .and_then(|sign_in| sign_in.step_up.clone().map(|step_up| (sign_in.clone(), step_up)));
    let http = Arc::new(OAuthHttp::new(REQUEST_LIMIT).map_err(|error| failed("HTTPS set-up", error, ""))?);
    let challenge = probe(&options.resource).await?;

    let mut manager = manager_for(&options.resource, &http).await?;
    let metadata = discover(&manager, &http, challenge.as_deref()).await?;
    check_metadata(&metadata).map_err(insecure)?;
    manager.set_metadata(metadata.clone());
    let credentials = InMemoryCredentialStore::new();
    manager.set_credential_store(credentials.clone());

    let listener = CallbackListener::open().map_err(|error| failed("the redirect listener", error, ""))?;
    let redirect_uri = listener.redirect_uri();
    let scopes = match &step_up {
        Some((granted, step_up)) => union(&granted.credentials.granted_scopes, &step_up.scopes),
        None => manager.select_initial_scopes(&[]).await,
    };
    let (mut request, client_secret) = client_for(&mut manager, options, &metadata, &redirect_uri, &scopes).await?;
    if let Some(secret) = &client_secret {
        request = request.with_client_secret(secret);
    }
    let session = AuthorizationSession::new(manager, request)
        .await
        .map_err(|(_, error)| failed("the authorization request", error, ""))?;
    let auth_url = session.get_authorization_url().to_string();
    let query = |key: &str| query_parameter(&auth_url, key);
    let state = query("state").ok_or_else(|| failed("the authorization request", "it carries no state", ""))?;
    let resource = query("resource").unwrap_or_else(|| options.resource.clone());

    say(&format!("Sign in to Tray for {name} in your browser:\n  {auth_url}"));
    if options.open_browser
        && let Err(error) = browser::open(&auth_url, options.browser.as_deref())
    {
        say(&format!("{error}: open the address above yourself."));
    }
    let (code, issuer) = wait_for_callback(listener, state, options.wait).await?;
    let state = query("state").unwrap_or_default();
    session
        .handle_callback_with_issuer(&code, &state, issuer.as_deref())
        .await
        .map_err(|error| failed("the token exchange", error, "run `tray-mcp login` again"))?;
    let credentials = credentials
        .load()
        .await
        .ok()
        .flatten()
        .ok_or_else(|| failed("the token exchange", "no tokens came back", ""))?;
    let sign_in = SignIn {
        resource: resource.clone(),
        metadata,
        client_id: credentials.client_id.clone(),
        client_secret,
        step_up: step_up.as_ref().map(|(_, step_up)| StepUp {
            scopes: step_up.scopes.clone(),
            attempts: step_up.attempts + 1,
        }),
        credentials,
    };
    store
        .save(&sign_in)
        .map_err(|error| CommandError::failure(error.to_string(), error.hint()))?;
    Ok(LoginOutcome {
        resource,
        scopes: sign_in.credentials.granted_scopes.clone(),
        refreshable: sign_in.can_refresh(),
        step_up: step_up.is_some(),
    })
}

/// rmcp's authorization manager for `resource`, over this crate's HTTP client.
async fn manager_for(resource: &str, http: &Arc<OAuthHttp>) -> Result<AuthorizationManager, CommandError> {
    AuthorizationManager::new_with_oauth_http_client(resource, http.clone())
        .await
        .map_err(|error| {
            failed(
                "the server URL",
                error,
                "check the URL (TRAY_GATEWAY_URL, or the workspace ID)",
            )
        })
}

/// The value of `key` in `url`'s query.
fn query_parameter(url: &str, key: &str) -> Option<String> {
    reqwest::Url::parse(url).ok().and_then(|url| {
        url.query_pairs()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.into_owned())
    })
}

/// The authorization server's metadata, discovered from the resource's `challenge` (an issuer
/// that names itself at a path of the same origin is read there).
async fn discover(
    manager: &AuthorizationManager,
    http: &OAuthHttp,
    challenge: Option<&str>,
) -> Result<AuthorizationMetadata, CommandError> {
    let discovery_failed = |error: &dyn std::fmt::Display| {
        failed(
            "discovery",
            error,
            "the server's OAuth metadata is missing or does not describe this server; check the URL",
        )
    };
    let resolved = manager.resolve_metadata_from_challenge(challenge).await;
    if let Some(refused) = http.refused() {
        return Err(insecure(refused));
    }
    match resolved {
        Ok(resolution) => Ok(resolution.metadata),
        Err(AuthError::AuthorizationServerMismatch {
            expected_issuer,
            received_issuer,
        }) if same_origin(&expected_issuer, &received_issuer) => {
            metadata_at_path(&expected_issuer).await.ok_or_else(|| {
                discovery_failed(&format!(
                    "no usable metadata for the authorization server {expected_issuer}"
                ))
            })
        }
        Err(error) => Err(discovery_failed(&error)),
    }
}

/// The authorization request's client: one registered beforehand (`--client-id`), tray-mcp's
/// metadata document where the server takes one, or one registered now; with its secret.
async fn client_for(
    manager: &mut AuthorizationManager,
    options: &LoginOptions,
    metadata: &AuthorizationMetadata,
    redirect_uri: &str,
    scopes: &[String],
) -> Result<(AuthorizationRequest, Option<String>), CommandError> {
    let supports_metadata_documents = metadata
        .additional_fields
        .get("client_id_metadata_document_supported")
        .and_then(serde_json::Value::as_bool)
        .unwrap_or(false);
    let request = AuthorizationRequest::new(redirect_uri.to_string()).with_scopes(scopes.to_vec());
    if let Some(client_id) = &options.client_id {
        return Ok((
            request.with_preregistered_client(client_id),
            options.client_secret.clone(),
        ));
    }
    if let (Some(url), true) = (&options.client_metadata_url, supports_metadata_documents) {
        return Ok((request.with_client_metadata_url(url), options.client_secret.clone()));
    }
    let scope_refs: Vec<&str> = scopes.iter().map(String::as_str).collect();
    let registered = manager
        .register_client("tray-mcp", redirect_uri, &scope_refs)
        .await
        .map_err(|error| {
            failed(
                "client registration",
                error,
                "this authorization server does not register clients itself: pass the client ID \
                 its administrator registered for tray-mcp with --client-id (and its secret in \
                 TRAY_OAUTH_CLIENT_SECRET)",
            )
        })?;
    Ok((
        request.with_preregistered_client(registered.client_id),
        registered.client_secret,
    ))
}

/// Waits (at most `wait`) for the browser to come back with `state`: the code and the issuer it
/// named, or why not.
async fn wait_for_callback(
    listener: CallbackListener,
    state: String,
    wait: Duration,
) -> Result<(String, Option<String>), CommandError> {
    let callback = tokio::task::spawn_blocking(move || listener.wait(&state, wait))
        .await
        .map_err(|error| failed("the redirect listener", error, ""))?
        .map_err(|error| {
            failed(
                "waiting for the browser",
                error,
                "run `tray-mcp login` again and finish signing in",
            )
        })?;
    match callback {
        Callback::Code { code, issuer } => Ok((code, issuer)),
        Callback::Refused(reason) => Err(failed(
            "the authorization server refused",
            reason,
            "run `tray-mcp login` again",
        )),
    }
}

/// Whether two URLs have the same scheme, host and port.
fn same_origin(first: &str, second: &str) -> bool {
    match (reqwest::Url::parse(first), reqwest::Url::parse(second)) {
        (Ok(first), Ok(second)) => first.origin() == second.origin(),
        _ => false,
    }
}

/// The metadata of the authorization server `issuer` (a URL with a path), from the first of
/// its RFC 8414 / OpenID addresses that answers with it (path insertion first).
///
/// Why: an authorization server that serves several tenants under one origin may publish
/// `issuer` as the origin alone; RFC 8414 §3.3 says such metadata must not be used, and rmcp
/// refuses it. tray-mcp accepts it only when the issuer it names has the same origin (the same
/// server, so no mix-up with another one), which is what the conformance suite's multi-tenant
/// scenarios serve.
async fn metadata_at_path(issuer: &str) -> Option<AuthorizationMetadata> {
    require_secure(issuer, "issuer").ok()?;
    let base = reqwest::Url::parse(issuer).ok()?;
    let path = base.path().trim_matches('/').to_string();
    let client = crate::remote::http::client_for([issuer], crate::remote::http::Limits::both(REQUEST_LIMIT)).ok()?;
    for candidate in [
        format!("/.well-known/oauth-authorization-server/{path}"),
        format!("/.well-known/openid-configuration/{path}"),
        format!("/{path}/.well-known/openid-configuration"),
    ] {
        let mut url = base.clone();
        url.set_path(&candidate);
        let Ok(response) = client.get(url).header(ACCEPT, "application/json").send().await else {
            continue;
        };
        if !response.status().is_success() {
            continue;
        }
        if let Ok(metadata) = response.json::<AuthorizationMetadata>().await {
            return Some(metadata);
        }
    }
    None
}

/// The scopes of `first` then those of `second` not in it.
fn union(first: &[String], second: &[String]) -> Vec<String> {
    let mut scopes = first.to_vec();
    for scope in second {
        if !scopes.contains(scope) {
            scopes.push(scope.clone());
        }
    }
    scopes
}

/// Asks the server, without a token, for what a client must do: the `WWW-Authenticate` of the
/// first 401 (on `initialize`, else on `tools/list`); `None` when it answers neither with 401.
async fn probe(resource: &str) -> Result<Option<String>, CommandError> {
    let client = crate::remote::http::client_for([resource], crate::remote::http::Limits::both(REQUEST_LIMIT))
        .map_err(|error| failed("HTTPS set-up", error, ""))?;
    let post = |body: serde_json::Value, session: Option<String>| {
        let mut request = client
            .post(resource)
            .header(ACCEPT, "application/json, text/event-stream")
            .header(CONTENT_TYPE, "application/json")
            .body(body.to_string());
        if let Some(session) = session {
            request = request.header("mcp-session-id", session);
        }
        request.send()
    };
    let unreachable = |error: reqwest::Error| {
        failed(
            "could not reach the server",
            crate::remote::http::root_cause(&error),
            "check the network connection and the URL",
        )
    };
    let initialize = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {
            "protocolVersion": crate::remote::gateway::PROTOCOL_VERSION,
            "capabilities": {},
            "clientInfo": {"name": "tray-mcp", "version": env!("CARGO_PKG_VERSION")},
        },
    });
    let answer = post(initialize, None).await.map_err(unreachable)?;
    if let Some(challenge) = challenge_of(&answer) {
        return Ok(Some(challenge));
    }
    let session = answer
        .headers()
        .get("mcp-session-id")
        .and_then(|value| value.to_str().ok())
        .map(str::to_string);
    let listed = post(json!({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}), session)
        .await
        .map_err(unreachable)?;
    Ok(challenge_of(&listed))
}

fn challenge_of(response: &reqwest::Response) -> Option<String> {
    (response.status() == reqwest::StatusCode::UNAUTHORIZED).then(|| {
        response
            .headers()
            .get(WWW_AUTHENTICATE)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("Bearer")
            .to_string()
    })
}
