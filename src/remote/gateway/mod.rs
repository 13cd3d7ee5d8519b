//! A Streamable HTTP MCP client for Tray's Agent Gateway (`https://<workspace-id>.mcp.tray.ai`).
//!
//! Why hand-written over `reqwest` rather than rmcp's client transport: the pass-through must
//! return the gateway's results byte-for-byte faithful, vendor and unknown fields included, and
//! must keep serving when the gateway says 401. rmcp's typed client dropped unknown fields and
//! hung on 401 when measured (the rmcp 3.9 client transport, in the dependency trials). Here
//! messages stay `serde_json::Value` end to end.
//!
//! What "Streamable HTTP done properly" means here (MCP 2025-11-25, "Transports"):
//! - every POST says `Accept: application/json, text/event-stream` and takes either answer; an
//!   SSE answer may carry notifications (progress, logging) before the response, which go to
//!   the [`ServerMessage`] channel;
//! - `initialize` offers the newest protocol version this client speaks and takes the gateway's
//!   choice when it is one of [`PROTOCOL_VERSIONS`];
//! - the `Mcp-Session-Id` the gateway hands out on `initialize` goes on every later request, and
//!   so does `MCP-Protocol-Version` with the negotiated version;
//! - an answer's event stream that ends before the response is resumed: after the stream's
//!   `retry` time, a GET with `Last-Event-ID` (2025-11-25, SEP-1699);
//! - a 404 on a request that carried a session ID means the session expired: initialise again
//!   and send the request once more;
//! - a GET stream (opened after initialisation, reopened with backoff and `Last-Event-ID` when it
//!   drops) delivers server-initiated messages such as `notifications/tools/list_changed`;
//! - [`GatewayClient::shutdown`] sends DELETE to end the session.
//!
//! Failures are [`GatewayError`]s that say what happened and what to do. Only failures that
//! cannot have reached the gateway's tool logic (connection refused, a timeout or 5xx during the
//! handshake, 429) are retried, a bounded number of times with backoff; a `tools/call` that may
//! have run is never sent twice. The token goes in the `Authorization` header and nowhere else:
//! no log line, error or message carries it.
//!
//! The client serves any Streamable HTTP upstream, not only the gateway: [`GatewayConfig`] names
//! the URL and an [`AccessTokenSource`], which hands out the bearer for each request and is told
//! of a 401 so it can refresh (an OAuth sign-in) and have the request sent once more. The Agent
//! Gateway with an API token uses [`StaticToken`], which cannot refresh; Tray's Headless MCP
//! (see [`crate::server::headless`]) takes a signed-in source.

mod error;
mod stream;

pub use error::GatewayError;

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use serde_json::{Value, json};
use tokio::sync::mpsc::UnboundedSender;

use super::http::{SharedClients, root_cause};
use crate::remote::token::{AccessTokenSource, StaticToken};
use crate::tray::ApiToken;
use stream::content_type;

/// The protocol versions this client speaks, newest first. The newest is offered in
/// `initialize`; the gateway answers with it or with an older one it prefers, which must be one
/// of these.
pub const PROTOCOL_VERSIONS: [&str; 4] = ["2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"];
/// The protocol version offered in `initialize`: the newest this client speaks.
pub const PROTOCOL_VERSION: &str = PROTOCOL_VERSIONS[0];
const SESSION_HEADER: &str = "mcp-session-id";
const VERSION_HEADER: &str = "mcp-protocol-version";
const LAST_EVENT_HEADER: &str = "last-event-id";
/// Most `tools/list` pages followed, so a misbehaving gateway cannot loop us forever.
const MAX_LIST_PAGES: usize = 50;
/// Most times one answer's event stream is resumed after it dropped.
const MAX_RESUMPTIONS: u32 = 5;
/// Wait before resuming a dropped event stream whose server gave no `retry` time.
const DEFAULT_RESUME_WAIT: Duration = Duration::from_secs(1);
/// Largest JSON body accepted from the gateway.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Where and how to reach the gateway (or another Streamable HTTP upstream).
#[derive(Debug, Clone)]
pub struct GatewayConfig {
    /// The upstream's MCP endpoint (`TRAY_GATEWAY_URL`, else the workspace's gateway URL).
    pub url: String,
    /// Hands out the bearer sent as `Authorization: Bearer` on every request.
    pub auth: Arc<dyn AccessTokenSource>,
    /// Time limit of each handshake, list and session request (`TRAY_GATEWAY_TIMEOUT_SECS`).
    pub timeout: Duration,
    /// Time limit of one forwarded `tools/call` (tools may run long workflows).
    pub call_timeout: Duration,
    /// Attempts at connecting, in total, when the failure is transient.
    pub max_attempts: u32,
    /// Wait before the second attempt; doubled for each further one.
    pub first_backoff: Duration,
    /// When the first connection finds the gateway unreachable (offline, a laptop waking up):
    /// the wait before trying again in the background (`TRAY_GATEWAY_RETRY_SECS`), doubled
    /// after each failure up to [`Self::offline_retry_cap`].
    pub offline_retry: Duration,
    /// The longest wait between background retries of an unreachable gateway.
    pub offline_retry_cap: Duration,
    /// Hold the GET stream open for server-initiated messages (list changes, resource updates).
    /// `serve` does; a one-shot check (install verification, `doctor`) lists and leaves, and
    /// saves the round trip of opening it.
    pub listen: bool,
}

impl GatewayConfig {
    /// Defaults: 20 s per request, 5 minutes per tool call, 3 attempts from 250 ms backoff;
    /// an unreachable gateway is tried again from 1 s, doubling to 60 s.
    pub fn new(url: String, token: ApiToken) -> Self {
        Self::with_auth(url, Arc::new(StaticToken(token)))
    }

    /// [`Self::new`] with the bearer from `auth` (an OAuth sign-in, say).
    pub fn with_auth(url: String, auth: Arc<dyn AccessTokenSource>) -> Self {
        GatewayConfig {
            url,
            auth,
            timeout: Duration::from_secs(20),
            call_timeout: Duration::from_secs(300),
            max_attempts: 3,
            first_backoff: Duration::from_millis(250),
            offline_retry: crate::env::DEFAULT_GATEWAY_RETRY,
            offline_retry_cap: Duration::from_secs(60),
            listen: true,
        }
    }
}

/// Receives the messages that precede a response on its own stream.
pub type InBand<'a> = dyn Fn(Value) + Send + Sync + 'a;

/// A message the gateway sent on its own: a notification, or a request to the client.
#[derive(Debug, Clone)]
pub struct ServerMessage(pub Value);

/// The state of one MCP session with the gateway.
#[derive(Debug)]
struct Session {
    /// `Mcp-Session-Id`, when the gateway gave one.
    id: Option<String>,
    /// The negotiated protocol version.
    protocol_version: String,
    /// Counts initialisations, so only one caller re-initialises after an expiry.
    generation: u64,
    /// The capabilities the gateway declared in its `initialize` result, as it sent them.
    capabilities: Value,
}

/// The client: one MCP session with the gateway, re-established when it expires.
pub struct GatewayClient {
    /// Built on first use (in the background connection task), so `initialize` never waits
    /// for root certificates to load.
    http: std::sync::OnceLock<reqwest::Client>,
    /// Where the client comes from when it is shared with other remotes (see [`Self::with_shared`]).
    shared: Option<Arc<SharedClients>>,
    config: GatewayConfig,
    session: Mutex<Option<Arc<Session>>>,
    /// Held while initialising, so concurrent callers wait for one handshake.
    init_lock: tokio::sync::Mutex<()>,
    generations: AtomicU64,
    next_id: AtomicU64,
    server_messages: UnboundedSender<ServerMessage>,
    closed: AtomicBool,
    /// What `initialize` declares the client can do: the capabilities the stdio client
    /// declared that the pass-through forwards to it (elicitation, sampling, roots).
    capabilities: Mutex<Value>,
    /// The resource URIs the client subscribed to (and has not unsubscribed from): a session
    /// that expires takes its subscriptions with it, so the next one subscribes to them again.
    subscriptions: Mutex<std::collections::BTreeSet<String>>,
}

/// Runs `body` with a time limit, mapping the limit to [`GatewayError::Timeout`].
async fn limited<T>(
    url: &str,
    limit: Duration,
    body: impl Future<Output = Result<T, GatewayError>>,
) -> Result<T, GatewayError> {
    match tokio::time::timeout(limit, body).await {
        Ok(result) => result,
        Err(_) => Err(GatewayError::Timeout {
            url: url.to_string(),
            seconds: limit.as_secs().max(1),
        }),
    }
}

impl GatewayClient {
    /// A client for `config` (nothing connects yet). Messages the gateway sends on its own
    /// arrive on `server_messages`.
    pub fn new(config: GatewayConfig, server_messages: UnboundedSender<ServerMessage>) -> Self {
        GatewayClient {
            http: std::sync::OnceLock::new(),
            shared: None,
            config,
            session: Mutex::new(None),
            init_lock: tokio::sync::Mutex::new(()),
            generations: AtomicU64::new(0),
            next_id: AtomicU64::new(1),
            server_messages,
            closed: AtomicBool::new(false),
            capabilities: Mutex::new(json!({})),
            subscriptions: Mutex::new(std::collections::BTreeSet::new()),
        }
    }

    /// [`Self::new`] taking its HTTP client, on first use, from `shared` (the clients the other
    /// remotes of this run use too).
    pub fn with_shared(mut self, shared: Arc<SharedClients>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The gateway URL (never secret).
    pub fn url(&self) -> &str {
        &self.config.url
    }

    /// The configuration.
    pub fn config(&self) -> &GatewayConfig {
        &self.config
    }

    /// Sets the client capabilities the next `initialize` declares.
    pub fn set_capabilities(&self, capabilities: Value) {
        if let Ok(mut slot) = self.capabilities.lock() {
            *slot = capabilities;
        }
    }

    fn capabilities(&self) -> Value {
        self.capabilities
            .lock()
            .map(|slot| slot.clone())
            .unwrap_or_else(|_| json!({}))
    }

    /// The capabilities the gateway declared when the current session opened (`{}` before).
    pub fn server_capabilities(&self) -> Value {
        self.current_session()
            .map_or_else(|| json!({}), |session| session.capabilities.clone())
    }

    fn current_session(&self) -> Option<Arc<Session>> {
        self.session.lock().ok().and_then(|session| session.clone())
    }

    fn transport_error(&self, error: &reqwest::Error, limit: Duration) -> GatewayError {
        if error.is_timeout() {
            GatewayError::Timeout {
                url: self.config.url.clone(),
                seconds: limit.as_secs().max(1),
            }
        } else {
            GatewayError::Unreachable {
                url: self.config.url.clone(),
                reason: root_cause(error),
            }
        }
    }

    /// The HTTP client (shared set-up with the Tray API client; no overall time limit, since
    /// the GET stream lives long: each request sets its own).
    fn http(&self) -> Result<&reqwest::Client, GatewayError> {
        if let Some(client) = self.http.get() {
            return Ok(client);
        }
        let limits = super::http::Limits::connect_only(self.config.timeout);
        let urls = [self.config.url.as_str()];
        let client = match &self.shared {
            Some(shared) => shared.client_for(urls),
            None => super::http::client_for(urls, limits),
        };
        let client = client.map_err(|error| GatewayError::Unreachable {
            url: self.config.url.clone(),
            reason: error.to_string(),
        })?;
        Ok(self.http.get_or_init(|| client))
    }

    fn request_builder(
        &self,
        method: reqwest::Method,
        session: Option<&Session>,
        token: &ApiToken,
    ) -> Result<reqwest::RequestBuilder, GatewayError> {
        let mut builder = self
            .http()?
            .request(method, &self.config.url)
            .bearer_auth(token.expose());
        if let Some(session) = session {
            if let Some(id) = &session.id {
                builder = builder.header(SESSION_HEADER, id);
            }
            builder = builder.header(VERSION_HEADER, &session.protocol_version);
        }
        Ok(builder)
    }

    /// Sends the request `decorate` finishes (headers, body) with the token source's bearer.
    /// On a 401 the source is told, and when it has a different token the request goes once
    /// more: a 401 means the upstream refused it before doing anything.
    async fn send(
        &self,
        method: reqwest::Method,
        session: Option<&Session>,
        limit: Duration,
        decorate: impl Fn(reqwest::RequestBuilder) -> reqwest::RequestBuilder,
    ) -> Result<reqwest::Response, GatewayError> {
        let auth = &self.config.auth;
        let token = auth.access_token().await.map_err(GatewayError::NoToken)?;
        let response = decorate(self.request_builder(method.clone(), session, &token)?)
            .send()
            .await
            .map_err(|error| self.transport_error(&error, limit))?;
        if response.status() == StatusCode::FORBIDDEN
            && let Some(scopes) = insufficient_scope(response.headers(), &self.config.url)
            && let Some(unavailable) = auth.on_insufficient_scope(&self.config.url, &scopes)
        {
            return Err(GatewayError::NoToken(unavailable));
        }
        if response.status() != StatusCode::UNAUTHORIZED
            || !auth.on_unauthorized(&token).await.map_err(GatewayError::NoToken)?
        {
            return Ok(response);
        }
        tracing::debug!(url = %self.config.url, "401 answered; sending once more with a fresh token");
        let token = auth.access_token().await.map_err(GatewayError::NoToken)?;
        let response = decorate(self.request_builder(method, session, &token)?)
            .send()
            .await
            .map_err(|error| self.transport_error(&error, limit))?;
        if response.status() == StatusCode::UNAUTHORIZED
            && let Some(unavailable) = auth.refused(&self.config.url)
        {
            return Err(GatewayError::NoToken(unavailable));
        }
        Ok(response)
    }

    /// Connects: `initialize`, then `notifications/initialized` and the GET stream together. Transient
    /// failures are retried with backoff, up to `max_attempts` in total.
    pub async fn connect(self: &Arc<Self>) -> Result<(), GatewayError> {
        let mut attempt = 1;
        let mut backoff = self.config.first_backoff;
        loop {
            match self.initialize(None).await {
                Ok(_) => return Ok(()),
                Err(error) if error.is_transient() && attempt < self.config.max_attempts => {
                    tracing::debug!(%error, attempt, ?backoff, "Agent Gateway connection failed; retrying");
                    tokio::time::sleep(backoff).await;
                    attempt += 1;
                    backoff = backoff.saturating_mul(2);
                }
                Err(error) => return Err(error),
            }
        }
    }

    /// Initialises a session, unless another caller already replaced `stale` (the session that
    /// was found expired) with a newer one.
    async fn initialize(self: &Arc<Self>, stale: Option<u64>) -> Result<Arc<Session>, GatewayError> {
        let _guard = self.init_lock.lock().await;
        if let Some(current) = self.current_session()
            && stale.is_none_or(|stale| current.generation != stale)
        {
            return Ok(current);
        }
        if let Ok(mut session) = self.session.lock() {
            *session = None;
        }
        let id = self.next_request_id();
        let request = json!({
            "jsonrpc": "2.0",
            "id": id,
            "method": "initialize",
            "params": {
                "protocolVersion": PROTOCOL_VERSION,
                "capabilities": self.capabilities(),
                "clientInfo": {"name": "tray-mcp", "version": env!("CARGO_PKG_VERSION")},
            },
        });
        let (response, headers) = self.post_request(None, &request, self.config.timeout, None).await?;
        if let Some(error) = response.get("error") {
            return Err(GatewayError::Protocol(format!("initialize failed: {error}")));
        }
        let protocol_version = negotiated_version(&response)?;
        let session = Arc::new(Session {
            id: headers
                .get(SESSION_HEADER)
                .and_then(|value| value.to_str().ok())
                .map(str::to_string),
            protocol_version,
            generation: self.generations.fetch_add(1, Ordering::SeqCst) + 1,
            capabilities: response
                .pointer("/result/capabilities")
                .cloned()
                .unwrap_or_else(|| json!({})),
        });
        // The notification and the GET that opens the event stream go out side by side (one
        // round trip, not two): the stream is still open before any request, and a GET the
        // gateway refuses is tried again by `listen` with backoff.
        let initialized = json!({"jsonrpc": "2.0", "method": "notifications/initialized"});
        let notified = self.post_message(&session, &initialized);
        let opening = if self.config.listen {
            let (notified, opening) = tokio::join!(notified, self.open_stream(&session, None));
            notified?;
            Some(opening)
        } else {
            notified.await?;
            None
        };
        if let Ok(mut slot) = self.session.lock() {
            *slot = Some(Arc::clone(&session));
        }
        tracing::debug!(
            version = %session.protocol_version,
            has_session_id = session.id.is_some(),
            "Agent Gateway session initialised"
        );
        if let Some(opening) = opening {
            let client = Arc::clone(self);
            let generation = session.generation;
            tokio::spawn(async move { client.listen(generation, opening).await });
        }
        if stale.is_some() {
            let client = Arc::clone(self);
            let renewed = Arc::clone(&session);
            tokio::spawn(async move { client.subscribe_again(&renewed).await });
        }
        Ok(session)
    }

    /// Subscribes the new session to what the client subscribed to in the expired one, so
    /// `notifications/resources/updated` keep coming without the client knowing of the expiry.
    /// Sent on `session` itself (not through [`Self::request`], which may initialise again):
    /// should it expire too, the session after it subscribes again in its turn.
    async fn subscribe_again(self: Arc<Self>, session: &Session) {
        let uris: Vec<String> = self
            .subscriptions
            .lock()
            .map(|subscriptions| subscriptions.iter().cloned().collect())
            .unwrap_or_default();
        for uri in uris {
            let request = json!({
                "jsonrpc": "2.0",
                "id": self.next_request_id(),
                "method": "resources/subscribe",
                "params": { "uri": uri },
            });
            match self
                .post_request(Some(session), &request, self.config.timeout, None)
                .await
            {
                Ok((response, _)) if response.get("error").is_none() => {
                    tracing::debug!(%uri, "subscribed again after the session expired");
                }
                Ok((response, _)) => {
                    tracing::warn!(%uri, error = %response["error"], "could not subscribe again after the session expired");
                }
                Err(error) => tracing::warn!(%uri, %error, "could not subscribe again after the session expired"),
            }
        }
    }

    /// Keeps [`Self::subscriptions`] up to date with a subscribe or unsubscribe that succeeded.
    fn note_subscription(&self, method: &str, params: &Value, response: &Value) {
        let subscribing = match method {
            "resources/subscribe" => true,
            "resources/unsubscribe" => false,
            _ => return,
        };
        let Some(uri) = params.get("uri").and_then(Value::as_str) else {
            return;
        };
        if response.get("error").is_some() {
            return;
        }
        if let Ok(mut subscriptions) = self.subscriptions.lock() {
            if subscribing {
                subscriptions.insert(uri.to_string());
            } else {
                subscriptions.remove(uri);
            }
        }
    }

    /// A request ID not used before in this client.
    pub fn next_request_id(&self) -> String {
        format!("tray-mcp-{}", self.next_id.fetch_add(1, Ordering::Relaxed))
    }

    /// Sends a request and returns the gateway's JSON-RPC response (`result` or `error`) as it
    /// came, with the gateway's own id. Re-initialises once if the session expired (404).
    /// Messages that come before the response on its own stream (progress, logging) go to
    /// `in_band` in order, when given; else to the server-message channel.
    pub async fn request(
        self: &Arc<Self>,
        method: &str,
        params: Value,
        limit: Duration,
        in_band: Option<&InBand<'_>>,
    ) -> Result<Value, GatewayError> {
        self.request_as(self.next_request_id(), method, params, limit, in_band)
            .await
    }

    /// [`Self::request`] under a request ID the caller chose with [`Self::next_request_id`]
    /// (so it can name the request in `notifications/cancelled`).
    pub async fn request_as(
        self: &Arc<Self>,
        id: String,
        method: &str,
        params: Value,
        limit: Duration,
        in_band: Option<&InBand<'_>>,
    ) -> Result<Value, GatewayError> {
        let mut session = match self.current_session() {
            Some(session) => session,
            None => self.initialize(None).await?,
        };
        let mut retried = false;
        loop {
            let request = json!({
                "jsonrpc": "2.0",
                "id": id,
                "method": method,
                "params": params,
            });
            match self.post_request(Some(&session), &request, limit, in_band).await {
                Err(GatewayError::Http { status: 404, .. }) if session.id.is_some() && !retried => {
                    tracing::info!("Agent Gateway session expired (404); initialising a new one");
                    retried = true;
                    session = self.initialize(Some(session.generation)).await?;
                }
                Err(error) => return Err(error),
                Ok((response, _)) => {
                    self.note_subscription(method, &params, &response);
                    return Ok(response);
                }
            }
        }
    }

    /// Every tool the gateway lists, following `nextCursor`, as raw JSON objects.
    pub async fn list_tools(self: &Arc<Self>) -> Result<Vec<Value>, GatewayError> {
        self.list_all("tools/list", "tools").await
    }

    /// Every item of a paginated list (`method` answering with an array under `key`, such as
    /// `prompts/list` and `prompts`), following `nextCursor`, as raw JSON objects.
    pub async fn list_all(self: &Arc<Self>, method: &str, key: &str) -> Result<Vec<Value>, GatewayError> {
        let mut items = Vec::new();
        let mut cursor: Option<Value> = None;
        for _ in 0..MAX_LIST_PAGES {
            let params = match &cursor {
                Some(cursor) => json!({ "cursor": cursor }),
                None => json!({}),
            };
            let response = self.request(method, params, self.config.timeout, None).await?;
            if let Some(error) = response.get("error") {
                return Err(GatewayError::Protocol(format!("{method} failed: {error}")));
            }
            let result = response.get("result").cloned().unwrap_or(Value::Null);
            match result.get(key).and_then(Value::as_array) {
                Some(page) => items.extend(page.iter().cloned()),
                None => return Err(GatewayError::Protocol(format!("{method} returned no {key} array"))),
            }
            cursor = result.get("nextCursor").filter(|next| !next.is_null()).cloned();
            if cursor.is_none() {
                return Ok(items);
            }
        }
        tracing::warn!(
            pages = MAX_LIST_PAGES,
            %method,
            "Agent Gateway list kept paginating; using the first pages"
        );
        Ok(items)
    }

    /// Sends a notification or a response (no answer expected but 202).
    pub async fn send_message(self: &Arc<Self>, message: &Value) -> Result<(), GatewayError> {
        let session = match self.current_session() {
            Some(session) => session,
            None => return Err(GatewayError::Protocol("no session".to_string())),
        };
        self.post_message(&session, message).await
    }

    async fn post_message(&self, session: &Session, message: &Value) -> Result<(), GatewayError> {
        let url = self.config.url.clone();
        limited(&url, self.config.timeout, async {
            let body = message.to_string();
            let response = self
                .send(reqwest::Method::POST, Some(session), self.config.timeout, |builder| {
                    builder
                        .header(ACCEPT, "application/json, text/event-stream")
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone())
                })
                .await?;
            check_status(&response)?;
            Ok(())
        })
        .await
    }

    /// POSTs one request and reads its response from a JSON or an SSE body. Messages that come
    /// before the response on an SSE body go to the server-message channel.
    async fn post_request(
        &self,
        session: Option<&Session>,
        request: &Value,
        limit: Duration,
        in_band: Option<&InBand<'_>>,
    ) -> Result<(Value, HeaderMap), GatewayError> {
        let id = request.get("id").cloned().unwrap_or(Value::Null);
        let deliver = |message: Value| match in_band {
            Some(in_band) => in_band(message),
            None => self.deliver(message),
        };
        limited(&self.config.url, limit, async {
            let body = request.to_string();
            let response = self
                .send(reqwest::Method::POST, session, limit, |builder| {
                    builder
                        .header(ACCEPT, "application/json, text/event-stream")
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone())
                })
                .await?;
            check_status(&response)?;
            let headers = response.headers().clone();
            let content_type = content_type(&headers);
            let message = match content_type.as_str() {
                "text/event-stream" => self.response_in_stream(session, response, &id, limit, &deliver).await?,
                "application/json" => self.response_in_json(response, &id, limit, &deliver).await?,
                _ => {
                    return Err(GatewayError::Protocol(format!(
                        "unexpected Content-Type {content_type:?} (expected application/json or text/event-stream)"
                    )));
                }
            };
            Ok((message, headers))
        })
        .await
    }

    /// Ends the session with DELETE (best effort, within `limit`) and stops the GET stream.
    pub async fn shutdown(&self, limit: Duration) {
        self.closed.store(true, Ordering::SeqCst);
        let Some(session) = self.current_session() else { return };
        if session.id.is_none() {
            return;
        }
        let request = self.send(reqwest::Method::DELETE, Some(&session), limit, |builder| builder);
        match tokio::time::timeout(limit, request).await {
            Ok(Ok(response)) => tracing::debug!(status = response.status().as_u16(), "Agent Gateway session ended"),
            Ok(Err(error)) => tracing::debug!(%error, "could not end the Agent Gateway session"),
            Err(_) => tracing::debug!("ending the Agent Gateway session timed out"),
        }
    }
}

/// The version the gateway chose in its `initialize` result, which must be one this client
/// speaks (a gateway that names none is taken to speak the offered one).
fn negotiated_version(response: &Value) -> Result<String, GatewayError> {
    let Some(version) = response.pointer("/result/protocolVersion").and_then(Value::as_str) else {
        return Ok(PROTOCOL_VERSION.to_string());
    };
    if PROTOCOL_VERSIONS.contains(&version) {
        Ok(version.to_string())
    } else {
        Err(GatewayError::Protocol(format!(
            "the gateway answered initialize with protocol version {version:?}, which tray-mcp does not \
             speak (it speaks {})",
            PROTOCOL_VERSIONS.join(", ")
        )))
    }
}

/// The scopes a 403's `WWW-Authenticate: Bearer error="insufficient_scope", scope="..."` asks
/// for (step-up authorization, MCP 2025-11-25 "Scope Challenge Handling").
fn insufficient_scope(headers: &HeaderMap, url: &str) -> Option<String> {
    let base = reqwest::Url::parse(url).ok()?;
    headers
        .get_all(reqwest::header::WWW_AUTHENTICATE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .map(|value| rmcp::transport::auth::WWWAuthenticateParams::parse(value, &base))
        .find(|params| params.is_insufficient_scope())
        .map(|params| params.scope.unwrap_or_default())
}

/// Maps a failure status to an error.
fn check_status(response: &reqwest::Response) -> Result<(), GatewayError> {
    let status = response.status();
    match status {
        _ if status.is_success() => Ok(()),
        StatusCode::UNAUTHORIZED => Err(GatewayError::Unauthorized),
        StatusCode::FORBIDDEN => Err(GatewayError::Forbidden),
        _ => Err(GatewayError::Http {
            status: status.as_u16(),
            message: status.canonical_reason().unwrap_or("error").to_string(),
        }),
    }
}

async fn read_limited(response: &mut reqwest::Response) -> Result<Vec<u8>, reqwest::Error> {
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_BODY_BYTES {
            break;
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

#[cfg(test)]
mod tests {
    use crate::remote::token::{BoxFuture, TokenUnavailable};
    use std::io::{BufReader, Write as _};
    use std::sync::atomic::AtomicUsize;

    use super::*;

    /// A source that hands out `stale` until told of a 401, then `fresh`.
    #[derive(Debug, Default)]
    struct Refreshing {
        refreshed: AtomicBool,
        told: AtomicUsize,
    }

    impl AccessTokenSource for Refreshing {
        fn access_token(&self) -> BoxFuture<'_, Result<ApiToken, TokenUnavailable>> {
            let name = if self.refreshed.load(Ordering::SeqCst) {
                "fresh"
            } else {
                "stale"
            };
            Box::pin(async move { Ok(ApiToken::parse(name).expect("valid")) })
        }

        fn on_unauthorized<'a>(&'a self, rejected: &'a ApiToken) -> BoxFuture<'a, Result<bool, TokenUnavailable>> {
            self.told.fetch_add(1, Ordering::SeqCst);
            let refreshed = rejected.expose() == "stale";
            self.refreshed.store(true, Ordering::SeqCst);
            Box::pin(async move { Ok(refreshed) })
        }
    }

    /// A one-thread HTTP server on 127.0.0.1 that accepts only `Bearer fresh`: `initialize`
    /// gets a JSON result, notifications 202, GET 405. Returns its URL and the bearer of each
    /// request, in order.
    fn fresh_only_server() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/mcp", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let mut reader = BufReader::new(stream);
                let (verb, bearer, body) = crate::remote::http::test_server::read_request(&mut reader);
                log.lock().expect("log").push(bearer.clone());
                let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
                let (status, answer) = match (bearer.as_str(), verb.as_str(), request.get("id")) {
                    (bearer, _, _) if bearer != "fresh" => ("401 Unauthorized", String::new()),
                    (_, "GET", _) => ("405 Method Not Allowed", String::new()),
                    (_, _, Some(id)) => (
                        "200 OK",
                        json!({"jsonrpc": "2.0", "id": id, "result": {"protocolVersion": PROTOCOL_VERSION}})
                            .to_string(),
                    ),
                    _ => ("202 Accepted", String::new()),
                };
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        (url, seen)
    }

    #[tokio::test]
    async fn a_401_lets_the_token_source_refresh_and_the_request_goes_once_more() {
        let (url, seen) = fresh_only_server();
        let source = Arc::new(Refreshing::default());
        let (sender, _receiver) = tokio::sync::mpsc::unbounded_channel();
        let client = Arc::new(GatewayClient::new(
            GatewayConfig::with_auth(url, source.clone()),
            sender,
        ));
        client.connect().await.expect("connects with the refreshed token");
        assert_eq!(source.told.load(Ordering::SeqCst), 1, "told of the 401 once");
        let seen = seen.lock().expect("log").clone();
        assert_eq!(seen.first().map(String::as_str), Some("stale"));
        assert!(seen[1..].iter().all(|bearer| bearer == "fresh"), "{seen:?}");
    }

    /// A source whose sign-in must be renewed.
    #[derive(Debug)]
    struct SignedOut;

    impl AccessTokenSource for SignedOut {
        fn access_token(&self) -> BoxFuture<'_, Result<ApiToken, TokenUnavailable>> {
            Box::pin(async {
                Err(TokenUnavailable {
                    message: "the Tray sign-in of work was revoked".to_string(),
                    hint: "run `tray-mcp login work`".to_string(),
                })
            })
        }

        fn on_unauthorized<'a>(&'a self, _rejected: &'a ApiToken) -> BoxFuture<'a, Result<bool, TokenUnavailable>> {
            Box::pin(async { Ok(false) })
        }
    }

    #[tokio::test]
    async fn no_token_to_be_had_sends_nothing_and_says_how_to_sign_in() {
        let (url, seen) = fresh_only_server();
        let (sender, _receiver) = tokio::sync::mpsc::unbounded_channel();
        let client = Arc::new(GatewayClient::new(
            GatewayConfig::with_auth(url, Arc::new(SignedOut)),
            sender,
        ));
        let error = client.connect().await.expect_err("signed out");
        assert_eq!(error.to_string(), "the Tray sign-in of work was revoked");
        assert_eq!(error.hint(), "run `tray-mcp login work`");
        assert!(!error.is_transient() && !error.is_offline());
        assert!(seen.lock().expect("log").is_empty());
    }

    /// A sign-in whose every token the server refuses: a refresh is `refresh`'s outcome,
    /// and after it the source names the sign-in to renew.
    #[derive(Debug)]
    struct RefusedSignIn {
        refresh: Result<bool, TokenUnavailable>,
    }

    fn renew(message: &str) -> TokenUnavailable {
        TokenUnavailable {
            message: message.to_string(),
            hint: "run `tray-mcp login work`".to_string(),
        }
    }

    impl AccessTokenSource for RefusedSignIn {
        fn access_token(&self) -> BoxFuture<'_, Result<ApiToken, TokenUnavailable>> {
            Box::pin(async { Ok(ApiToken::parse("stale").expect("valid")) })
        }

        fn on_unauthorized<'a>(&'a self, _rejected: &'a ApiToken) -> BoxFuture<'a, Result<bool, TokenUnavailable>> {
            let outcome = self.refresh.clone();
            Box::pin(async move { outcome })
        }

        fn refused(&self, upstream: &str) -> Option<TokenUnavailable> {
            Some(renew(&format!("{upstream} refused the sign-in of work")))
        }
    }

    #[tokio::test]
    async fn a_refused_refresh_after_a_401_says_how_to_sign_in_and_sends_nothing_more() {
        let (url, seen) = fresh_only_server();
        let (sender, _receiver) = tokio::sync::mpsc::unbounded_channel();
        let source = RefusedSignIn {
            refresh: Err(renew("the sign-in of work was revoked")),
        };
        let client = Arc::new(GatewayClient::new(
            GatewayConfig::with_auth(url, Arc::new(source)),
            sender,
        ));
        let error = client.connect().await.expect_err("revoked");
        assert_eq!(error.to_string(), "the sign-in of work was revoked");
        assert_eq!(error.hint(), "run `tray-mcp login work`");
        assert_eq!(seen.lock().expect("log").len(), 1);
    }

    #[tokio::test]
    async fn a_refreshed_sign_in_refused_again_names_the_sign_in_not_an_api_token() {
        let (url, seen) = fresh_only_server();
        let (sender, _receiver) = tokio::sync::mpsc::unbounded_channel();
        let source = RefusedSignIn { refresh: Ok(true) };
        let client = Arc::new(GatewayClient::new(
            GatewayConfig::with_auth(url.clone(), Arc::new(source)),
            sender,
        ));
        let error = client.connect().await.expect_err("refused twice");
        assert_eq!(error.to_string(), format!("{url} refused the sign-in of work"));
        assert_eq!(error.hint(), "run `tray-mcp login work`");
        assert_eq!(seen.lock().expect("log").len(), 2, "sent once more, then no more");
    }

    #[tokio::test]
    async fn a_401_with_a_token_that_cannot_refresh_is_the_answer_and_is_not_sent_again() {
        let (url, seen) = fresh_only_server();
        let (sender, _receiver) = tokio::sync::mpsc::unbounded_channel();
        let config = GatewayConfig::new(url, ApiToken::parse("stale").expect("valid"));
        let client = Arc::new(GatewayClient::new(config, sender));
        let error = client.connect().await.expect_err("refused");
        assert!(matches!(error, GatewayError::Unauthorized), "{error}");
        assert_eq!(seen.lock().expect("log").len(), 1);
    }

    #[test]
    fn the_gateway_s_version_is_taken_when_this_client_speaks_it() {
        let answer = |version: &str| json!({"result": {"protocolVersion": version}});
        assert_eq!(
            negotiated_version(&answer("2025-03-26")).ok().as_deref(),
            Some("2025-03-26")
        );
        assert_eq!(
            negotiated_version(&json!({"result": {}})).ok().as_deref(),
            Some(PROTOCOL_VERSION)
        );
        assert!(negotiated_version(&answer("2099-01-01")).is_err());
    }

    #[test]
    fn hints_never_mention_the_token_and_transience_is_classified() {
        let errors = [
            GatewayError::Unreachable {
                url: "u".into(),
                reason: "refused".into(),
            },
            GatewayError::Timeout {
                url: "u".into(),
                seconds: 1,
            },
            GatewayError::Unauthorized,
            GatewayError::Forbidden,
            GatewayError::Http {
                status: 503,
                message: "Service Unavailable".into(),
            },
            GatewayError::Protocol("x".into()),
        ];
        let transient: Vec<bool> = errors.iter().map(GatewayError::is_transient).collect();
        assert_eq!(transient, [true, true, false, false, true, false]);
        let offline: Vec<bool> = errors.iter().map(GatewayError::is_offline).collect();
        assert_eq!(offline, [true, true, false, false, false, false]);
        for error in &errors {
            assert!(!error.hint().is_empty());
        }
    }
}
