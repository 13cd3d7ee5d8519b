//! A local OAuth 2.1 authorization server and an MCP server it protects, both on 127.0.0.1,
//! for tests that run the real `tray-mcp login` browser flow and then `serve` with its tokens.
//!
//! Why a fake of our own beside the conformance suite: the suite's scenarios check one sign-in
//! each, with their server; this pair lets a test go on after the sign-in — let an access token
//! expire, have the resource server refuse it, revoke the sign-in — and see every request.
//!
//! - [`FakeAuthServer`]: RFC 8414 metadata, dynamic client registration (`/register`, RFC
//!   7591), `/authorize` (checks `response_type=code`, PKCE S256, `resource`, a registered
//!   loopback `redirect_uri`, a `state`; redirects at once with `code`, the same `state` and
//!   `iss`), `/token` for `authorization_code` (the verifier against the challenge, the
//!   resource, the client and its secret, the redirect URI) and `refresh_token` (rotating: each
//!   refresh token works once), `/revoke` (RFC 7009). Access tokens last what the test sets.
//!   A request that breaks a rule is answered with an OAuth error and recorded as a violation.
//! - [`protected_mcp`]: the fake Agent Gateway's MCP server ([`super::fake_gateway`]) behind a
//!   [`Guard`] that answers 401 with `WWW-Authenticate: Bearer resource_metadata="…"` unless
//!   the bearer is a live access token of this authorization server for this resource, and
//!   serves `/.well-known/oauth-protected-resource` naming it.
//!
//! Every token, code, verifier and client secret is kept ([`FakeAuthServer::secrets`]), so a
//! test can check none of them appears in any output.

use std::collections::HashMap;
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::{Value, json};

use super::fake_gateway::{FakeGateway, GatewayRequest, Guard, GuardAnswer, read_request, write_response};
use super::loopback::Loopback;

/// The scope the protected server asks for.
pub const SCOPE: &str = "mcp:tools";

/// One request the authorization server received.
#[derive(Debug, Clone)]
pub struct AuthRequest {
    /// `GET` or `POST`.
    pub verb: String,
    /// The path, without the query.
    pub path: String,
    /// The query's and the form body's parameters (decoded), query first.
    pub params: Vec<(String, String)>,
    /// The JSON body, for `/register`.
    pub json: Value,
    /// Lower-case header name → value.
    pub headers: Vec<(String, String)>,
    /// The status answered.
    pub status: u16,
}

impl AuthRequest {
    /// A parameter's value.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// A client registered at `/register`.
#[derive(Debug, Clone)]
pub struct Client {
    /// Its ID.
    pub id: String,
    /// Its secret.
    pub secret: String,
    /// The redirect URIs it registered.
    pub redirect_uris: Vec<String>,
}

/// An access token the authorization server issued.
#[derive(Debug, Clone)]
pub struct Issued {
    /// The token.
    pub token: String,
    /// The refresh token issued with it.
    pub refresh_token: String,
    /// `authorization_code` or `refresh_token`.
    pub grant: String,
    /// When.
    pub at: Instant,
    /// Its `expires_in`.
    pub lifetime: Duration,
    /// Revoked, or expired early by the test ([`FakeAuthServer::expire_access_tokens`]).
    pub dead: bool,
}

/// One request the protected MCP server received, as its guard saw it.
#[derive(Debug, Clone)]
pub struct ResourceRequest {
    /// The JSON-RPC method, for POSTs.
    pub method: Option<String>,
    /// The bearer it carried.
    pub bearer: Option<String>,
    /// Whether the guard let it through (else it was answered 401).
    pub accepted: bool,
    /// The `tools/call` arguments, for calls.
    pub arguments: Value,
}

struct Code {
    client_id: String,
    challenge: String,
    resource: String,
    redirect_uri: String,
}

#[derive(Default)]
struct AuthState {
    /// The protected resource (set once it listens).
    resource: String,
    /// `expires_in` of the tokens the next code exchange and the next refreshes issue.
    code_lifetime: u64,
    refresh_lifetime: u64,
    requests: Vec<AuthRequest>,
    clients: Vec<Client>,
    codes: HashMap<String, Code>,
    /// Refresh token → (client, resource), while it may be used.
    live_refresh: HashMap<String, (String, String)>,
    issued: Vec<Issued>,
    /// Every code verifier presented.
    verifiers: Vec<String>,
    /// Every PKCE check that passed (code exchanges whose verifier matched).
    pkce_verified: usize,
    /// Tokens presented at `/revoke`.
    revoked: Vec<String>,
    /// What broke a rule, in words.
    violations: Vec<String>,
    resource_requests: Vec<ResourceRequest>,
    /// The user says no at the sign-in page: `/authorize` redirects with `access_denied`.
    denying: bool,
    /// Metadata fields the test replaced (an endpoint on another host, say).
    metadata_overrides: Vec<(String, String)>,
    /// The authorization server the protected resource's document names instead of this one.
    advertised_issuer: Option<String>,
}

/// The running authorization server. Dropping it stops it.
pub struct FakeAuthServer {
    server: Loopback,
    state: Arc<Mutex<AuthState>>,
}

/// A unique, unguessable-looking value with a recognisable prefix.
fn fresh(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let count = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|elapsed| elapsed.as_nanos())
        .unwrap_or_default();
    let mixed = (nanos as u64) ^ (u64::from(std::process::id()) << 32) ^ count.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    format!("{prefix}{mixed:016x}{count:04}")
}

impl FakeAuthServer {
    /// Starts it on a free port; access tokens last an hour until the test says otherwise.
    pub fn start() -> Self {
        let state = Arc::new(Mutex::new(AuthState {
            code_lifetime: 3600,
            refresh_lifetime: 3600,
            ..AuthState::default()
        }));
        let server = {
            let state = Arc::clone(&state);
            Loopback::start(0, move |stream, connection| {
                let _ = serve(stream, &state, connection.address);
            })
        };
        FakeAuthServer { server, state }
    }

    /// Its issuer (`http://127.0.0.1:PORT`).
    pub fn issuer(&self) -> String {
        format!("http://{}", self.server.address())
    }

    fn with<T>(&self, read: impl FnOnce(&mut AuthState) -> T) -> T {
        let mut state = self.state.lock().expect("auth state");
        read(&mut state)
    }

    /// The `expires_in` of tokens from the code exchange and from refreshes, from now on.
    pub fn set_lifetimes(&self, code: u64, refresh: u64) {
        self.with(|state| {
            state.code_lifetime = code;
            state.refresh_lifetime = refresh;
        });
    }

    /// The resource server now refuses every access token issued so far (as if they expired);
    /// refresh tokens still work.
    pub fn expire_access_tokens(&self) {
        self.with(|state| state.issued.iter_mut().for_each(|issued| issued.dead = true));
    }

    /// From now on the user refuses at the sign-in page: `/authorize` redirects back with
    /// `error=access_denied` (and the `state`), as RFC 6749 §4.1.2.1 says, and an
    /// `error_description` full of escape sequences and line breaks.
    pub fn deny_consent(&self) {
        self.with(|state| state.denying = true);
    }

    /// From now on the metadata names `url` as its `field` (`token_endpoint`, say): how a
    /// hostile or misconfigured server points a client somewhere else.
    pub fn advertise(&self, field: &str, url: &str) {
        self.with(|state| state.metadata_overrides.push((field.to_string(), url.to_string())));
    }

    /// From now on the protected resource's document names `issuer` as its authorization
    /// server instead of this one.
    pub fn advertise_issuer(&self, issuer: &str) {
        self.with(|state| state.advertised_issuer = Some(issuer.to_string()));
    }

    /// How many times a browser was sent to `/authorize`.
    pub fn authorizations(&self) -> usize {
        self.requests_to("/authorize").len()
    }

    /// The user revoked the sign-in: every access token and refresh token issued so far is
    /// refused (`invalid_grant` for a refresh); a new sign-in works.
    pub fn revoke_everything(&self) {
        self.with(|state| {
            state.issued.iter_mut().for_each(|issued| issued.dead = true);
            state.live_refresh.clear();
        });
    }

    /// Every request so far.
    pub fn requests(&self) -> Vec<AuthRequest> {
        self.with(|state| state.requests.clone())
    }

    /// The requests to `path`.
    pub fn requests_to(&self, path: &str) -> Vec<AuthRequest> {
        self.requests()
            .into_iter()
            .filter(|request| request.path == path)
            .collect()
    }

    /// The token requests of `grant_type`.
    pub fn grants(&self, grant_type: &str) -> Vec<AuthRequest> {
        self.requests_to("/token")
            .into_iter()
            .filter(|request| request.param("grant_type") == Some(grant_type))
            .collect()
    }

    /// The registered clients.
    pub fn clients(&self) -> Vec<Client> {
        self.with(|state| state.clients.clone())
    }

    /// The access tokens issued, oldest first.
    pub fn issued(&self) -> Vec<Issued> {
        self.with(|state| state.issued.clone())
    }

    /// How many code exchanges presented the verifier of their challenge.
    pub fn pkce_verified(&self) -> usize {
        self.with(|state| state.pkce_verified)
    }

    /// The tokens presented at `/revoke`.
    pub fn revoked(&self) -> Vec<String> {
        self.with(|state| state.revoked.clone())
    }

    /// What broke a rule (empty when every request was as the spec wants).
    pub fn violations(&self) -> Vec<String> {
        self.with(|state| state.violations.clone())
    }

    /// The requests the protected MCP server received.
    pub fn resource_requests(&self) -> Vec<ResourceRequest> {
        self.with(|state| state.resource_requests.clone())
    }

    /// Every secret handed out or received: tokens, codes, verifiers, client secrets.
    pub fn secrets(&self) -> Vec<String> {
        self.with(|state| {
            let mut secrets: Vec<String> = state.codes.keys().cloned().collect();
            secrets.extend(state.verifiers.iter().cloned());
            secrets.extend(state.clients.iter().map(|client| client.secret.clone()));
            for issued in &state.issued {
                secrets.push(issued.token.clone());
                secrets.push(issued.refresh_token.clone());
            }
            secrets
        })
    }
}

/// `$BROWSER` for a sign-in with nobody at the keyboard: tests/oauth_browser.py on the pinned
/// Python of `tools` (the test tools folder) follows the authorization server's redirects
/// back to tray-mcp's loopback listener.
pub fn unattended_browser(tools: &std::path::Path) -> String {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oauth_browser.py");
    format!("{} {}", tools.join("venv/bin/python").display(), script.display())
}

/// The pair a test signs in to: the authorization server and the MCP server it protects.
pub struct Protected {
    /// The authorization server.
    pub auth: FakeAuthServer,
    /// The protected MCP server (the fake gateway's, behind the guard).
    pub mcp: FakeGateway,
}

/// Starts an authorization server and an MCP server it protects, listing the fake gateway's
/// tools and then `more_tools`.
pub fn protected_mcp(more_tools: Vec<Value>) -> Protected {
    let auth = FakeAuthServer::start();
    let guard = Arc::new(ResourceGuard {
        issuer: auth.issuer(),
        state: Arc::clone(&auth.state),
    });
    let mcp = FakeGateway::start_guarded(false, guard, more_tools);
    auth.with(|state| state.resource = mcp.url());
    Protected { auth, mcp }
}

/// The resource server's side: metadata, and a 401 for any request without a live bearer.
struct ResourceGuard {
    issuer: String,
    state: Arc<Mutex<AuthState>>,
}

impl Guard for ResourceGuard {
    fn answer(&self, request: &GatewayRequest, base: &str) -> Option<GuardAnswer> {
        let json_type = || vec![("Content-Type".to_string(), "application/json".to_string())];
        if request.path.starts_with("/.well-known/oauth-protected-resource") {
            let (resource, issuer) = {
                let state = self.state.lock().ok()?;
                let issuer = state.advertised_issuer.clone().unwrap_or_else(|| self.issuer.clone());
                (state.resource.clone(), issuer)
            };
            let metadata = json!({
                "resource": resource,
                "authorization_servers": [issuer],
                "scopes_supported": [SCOPE],
                "bearer_methods_supported": ["header"],
            });
            return Some((200, json_type(), metadata.to_string()));
        }
        if request.path.starts_with("/.well-known/") {
            return Some((404, json_type(), "{}".to_string()));
        }
        let bearer = request
            .header("authorization")
            .and_then(|value| value.strip_prefix("Bearer "))
            .map(str::to_string);
        let mut state = self.state.lock().ok()?;
        let resource = state.resource.clone();
        let accepted = bearer.as_ref().is_some_and(|bearer| {
            state
                .issued
                .iter()
                .any(|issued| &issued.token == bearer && !issued.dead && issued.at.elapsed() < issued.lifetime)
        });
        state.resource_requests.push(ResourceRequest {
            method: request.method.clone(),
            bearer: bearer.clone(),
            accepted,
            arguments: request
                .body
                .pointer("/params/arguments")
                .cloned()
                .unwrap_or(Value::Null),
        });
        drop(state);
        if accepted {
            return None;
        }
        let path = reqwest::Url::parse(&resource)
            .map(|url| url.path().to_string())
            .unwrap_or_default();
        let mut challenge = format!(
            "Bearer resource_metadata=\"{base}/.well-known/oauth-protected-resource{path}\", scope=\"{SCOPE}\""
        );
        if bearer.is_some() {
            challenge.push_str(", error=\"invalid_token\"");
        }
        let mut headers = json_type();
        headers.push(("WWW-Authenticate".to_string(), challenge));
        Some((
            401,
            headers,
            json!({"error": "invalid_token", "error_description": "no live access token"}).to_string(),
        ))
    }
}

/// The decoded `name=value` pairs of a query string or form body.
fn pairs(encoded: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://form/?{encoded}"))
        .map(|url| {
            url.query_pairs()
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

/// What an answer is: status, extra headers, body.
type Answer = GuardAnswer;

fn json_answer(status: u16, body: &Value) -> Answer {
    (
        status,
        vec![
            ("Content-Type".to_string(), "application/json".to_string()),
            ("Cache-Control".to_string(), "no-store".to_string()),
        ],
        body.to_string(),
    )
}

fn oauth_error(status: u16, error: &str, description: &str) -> Answer {
    json_answer(status, &json!({"error": error, "error_description": description}))
}

fn serve(stream: TcpStream, state: &Mutex<AuthState>, address: SocketAddr) -> std::io::Result<()> {
    let Some(raw) = read_request(&stream)? else {
        return Ok(());
    };
    let (path, query) = raw.path.split_once('?').unwrap_or((raw.path.as_str(), ""));
    let body = String::from_utf8_lossy(&raw.body).into_owned();
    let mut params = pairs(query);
    let is_form = raw
        .headers
        .iter()
        .any(|(name, value)| name == "content-type" && value.starts_with("application/x-www-form-urlencoded"));
    if is_form {
        params.extend(pairs(&body));
    }
    let mut request = AuthRequest {
        verb: raw.verb.clone(),
        path: path.to_string(),
        params,
        json: serde_json::from_str(&body).unwrap_or(Value::Null),
        headers: raw.headers.clone(),
        status: 0,
    };
    let issuer = format!("http://{address}");
    let (status, headers, body) = {
        let mut state = state.lock().map_err(|_| std::io::Error::other("poisoned"))?;
        let answer = route(&mut state, &request, &issuer);
        if answer.0 >= 400 {
            let violation = format!("{} {} → {} {}", request.verb, request.path, answer.0, answer.2);
            state.violations.push(violation);
        }
        request.status = answer.0;
        state.requests.push(request);
        answer
    };
    let headers: Vec<(&str, String)> = headers
        .iter()
        .map(|(name, value)| (name.as_str(), value.clone()))
        .collect();
    let mut stream = stream;
    write_response(&mut stream, status, &headers, &body)
}

fn route(state: &mut AuthState, request: &AuthRequest, issuer: &str) -> Answer {
    match (request.verb.as_str(), request.path.as_str()) {
        ("GET", "/.well-known/oauth-authorization-server") => {
            let mut metadata = metadata(issuer);
            for (field, url) in &state.metadata_overrides {
                metadata[field] = json!(url);
            }
            json_answer(200, &metadata)
        }
        ("GET", _) if request.path.starts_with("/.well-known/") => oauth_error(404, "not_found", "no such document"),
        ("POST", "/register") => register(state, request),
        ("GET", "/authorize") => authorize(state, request, issuer),
        ("POST", "/token") => token(state, request),
        ("POST", "/revoke") => revoke(state, request),
        _ => oauth_error(404, "not_found", "no such endpoint"),
    }
}

/// RFC 8414 metadata.
fn metadata(issuer: &str) -> Value {
    json!({
        "issuer": issuer,
        "authorization_endpoint": format!("{issuer}/authorize"),
        "token_endpoint": format!("{issuer}/token"),
        "registration_endpoint": format!("{issuer}/register"),
        "revocation_endpoint": format!("{issuer}/revoke"),
        "response_types_supported": ["code"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "code_challenge_methods_supported": ["S256"],
        "token_endpoint_auth_methods_supported": ["client_secret_post"],
        "revocation_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
        "scopes_supported": [SCOPE],
        "authorization_response_iss_parameter_supported": true,
    })
}

fn is_loopback_redirect(uri: &str) -> bool {
    reqwest::Url::parse(uri).is_ok_and(|url| {
        url.scheme() == "http"
            && matches!(url.host_str(), Some("127.0.0.1" | "[::1]" | "localhost"))
            && url.port().is_some()
    })
}

/// RFC 7591: a confidential client with a secret (the client asked for `none`; the server
/// decides, as RFC 7591 §3.2.1 lets it), for loopback redirect URIs only.
fn register(state: &mut AuthState, request: &AuthRequest) -> Answer {
    let redirect_uris: Vec<String> = request.json["redirect_uris"]
        .as_array()
        .map(|uris| uris.iter().filter_map(Value::as_str).map(str::to_string).collect())
        .unwrap_or_default();
    if redirect_uris.is_empty() || !redirect_uris.iter().all(|uri| is_loopback_redirect(uri)) {
        return oauth_error(400, "invalid_redirect_uri", "redirect URIs must be loopback");
    }
    let client = Client {
        id: fresh("e2e-client-"),
        secret: fresh("e2e-client-secret-"),
        redirect_uris: redirect_uris.clone(),
    };
    state.clients.push(client.clone());
    json_answer(
        201,
        &json!({
            "client_id": client.id,
            "client_secret": client.secret,
            "client_secret_expires_at": 0,
            "redirect_uris": redirect_uris,
            "grant_types": ["authorization_code", "refresh_token"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_post",
            "client_name": request.json["client_name"],
        }),
    )
}

fn redirect(location: String) -> Answer {
    (302, vec![("Location".to_string(), location)], String::new())
}

/// The authorization endpoint: checks the request and redirects at once (the user "signed in").
fn authorize(state: &mut AuthState, request: &AuthRequest, issuer: &str) -> Answer {
    let param = |name: &str| request.param(name).unwrap_or_default().to_string();
    let client_id = param("client_id");
    let redirect_uri = param("redirect_uri");
    let Some(client) = state.clients.iter().find(|client| client.id == client_id) else {
        return oauth_error(400, "invalid_client", "unknown client_id");
    };
    if !is_loopback_redirect(&redirect_uri) || !client.redirect_uris.contains(&redirect_uri) {
        return oauth_error(400, "invalid_request", "redirect_uri is not a registered loopback URI");
    }
    let state_param = param("state");
    let problem = if param("response_type") != "code" {
        Some("response_type must be code")
    } else if param("code_challenge_method") != "S256" {
        Some("code_challenge_method must be S256")
    } else if param("code_challenge").len() < 43 {
        Some("code_challenge is missing or short")
    } else if param("resource") != state.resource {
        Some("resource is not the protected server")
    } else if state_param.is_empty() {
        Some("state is missing")
    } else {
        None
    };
    let separator = if redirect_uri.contains('?') { '&' } else { '?' };
    let encode = |value: &str| -> String {
        let mut url = reqwest::Url::parse("http://x/").expect("static URL");
        url.query_pairs_mut().append_pair("v", value);
        url.query().unwrap_or_default().trim_start_matches("v=").to_string()
    };
    if problem.is_none() && state.denying {
        return redirect(format!(
            "{redirect_uri}{separator}error=access_denied&error_description={}&state={}",
            // As hostile as a server's text can be: escape sequences (clear the screen, retitle
            // the terminal) and a line break; tray-mcp must print the words only.
            encode("the user \u{1b}[2Jrefused\u{1b}]0;pwned\u{7}\r\nline two"),
            encode(&state_param)
        ));
    }
    if let Some(problem) = problem {
        state.violations.push(format!("/authorize: {problem}"));
        return redirect(format!(
            "{redirect_uri}{separator}error=invalid_request&error_description={}&state={}",
            encode(problem),
            encode(&state_param)
        ));
    }
    let code = fresh("e2e-code-");
    state.codes.insert(
        code.clone(),
        Code {
            client_id,
            challenge: param("code_challenge"),
            resource: param("resource"),
            redirect_uri: redirect_uri.clone(),
        },
    );
    redirect(format!(
        "{redirect_uri}{separator}code={}&state={}&iss={}",
        encode(&code),
        encode(&state_param),
        encode(issuer)
    ))
}

/// The client a token or revocation request authenticates as (`client_secret_post` or
/// `client_secret_basic`), if its secret is right.
fn authenticated(state: &AuthState, request: &AuthRequest) -> Option<String> {
    let (id, secret) = match request
        .headers
        .iter()
        .find(|(name, _)| name == "authorization")
        .and_then(|(_, value)| value.strip_prefix("Basic "))
    {
        Some(encoded) => {
            let decoded = String::from_utf8(base64_decode(encoded.trim())?).ok()?;
            let (id, secret) = decoded.split_once(':')?;
            let decode = |value: &str| pairs(&format!("v={value}")).pop().map(|(_, value)| value);
            (decode(id)?, decode(secret)?)
        }
        None => (
            request.param("client_id")?.to_string(),
            request.param("client_secret")?.to_string(),
        ),
    };
    state
        .clients
        .iter()
        .any(|client| client.id == id && client.secret == secret)
        .then_some(id)
}

fn issue(state: &mut AuthState, grant: &str, client_id: &str, resource: &str, lifetime: u64) -> Answer {
    let token = fresh("e2e-access-");
    let refresh_token = fresh("e2e-refresh-");
    state
        .live_refresh
        .insert(refresh_token.clone(), (client_id.to_string(), resource.to_string()));
    state.issued.push(Issued {
        token: token.clone(),
        refresh_token: refresh_token.clone(),
        grant: grant.to_string(),
        at: Instant::now(),
        lifetime: Duration::from_secs(lifetime),
        dead: false,
    });
    json_answer(
        200,
        &json!({
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": lifetime,
            "refresh_token": refresh_token,
            "scope": SCOPE,
        }),
    )
}

fn token(state: &mut AuthState, request: &AuthRequest) -> Answer {
    let Some(client_id) = authenticated(state, request) else {
        return oauth_error(401, "invalid_client", "client authentication failed");
    };
    let param = |name: &str| request.param(name).unwrap_or_default().to_string();
    match param("grant_type").as_str() {
        "authorization_code" => {
            let verifier = param("code_verifier");
            state.verifiers.push(verifier.clone());
            let Some(code) = state.codes.get(&param("code")) else {
                return oauth_error(400, "invalid_grant", "unknown or used code");
            };
            let computed =
                oauth2::PkceCodeChallenge::from_code_verifier_sha256(&oauth2::PkceCodeVerifier::new(verifier));
            let problem = if code.client_id != client_id {
                Some("the code belongs to another client")
            } else if computed.as_str() != code.challenge {
                Some("the code_verifier does not match the code_challenge")
            } else if param("resource") != code.resource {
                Some("resource differs from the authorization request's")
            } else if param("redirect_uri") != code.redirect_uri {
                Some("redirect_uri differs from the authorization request's")
            } else {
                None
            };
            if let Some(problem) = problem {
                return oauth_error(400, "invalid_grant", problem);
            }
            let resource = code.resource.clone();
            // A code works once (kept, marked used by its removal from the live set below).
            if let Some(code) = state.codes.get_mut(&param("code")) {
                code.client_id = String::new();
            }
            state.pkce_verified += 1;
            let lifetime = state.code_lifetime;
            issue(state, "authorization_code", &client_id, &resource, lifetime)
        }
        "refresh_token" => {
            let Some((owner, resource)) = state.live_refresh.remove(&param("refresh_token")) else {
                return oauth_error(400, "invalid_grant", "unknown, used or revoked refresh token");
            };
            if owner != client_id || param("resource") != resource {
                return oauth_error(400, "invalid_grant", "refresh token of another client or resource");
            }
            let lifetime = state.refresh_lifetime;
            issue(state, "refresh_token", &client_id, &resource, lifetime)
        }
        _ => oauth_error(
            400,
            "unsupported_grant_type",
            "only authorization_code and refresh_token",
        ),
    }
}

/// RFC 7009: the token is dead from now on (200 even for one already dead).
fn revoke(state: &mut AuthState, request: &AuthRequest) -> Answer {
    if authenticated(state, request).is_none() {
        return oauth_error(401, "invalid_client", "client authentication failed");
    }
    let token = request.param("token").unwrap_or_default().to_string();
    state.live_refresh.remove(&token);
    for issued in &mut state.issued {
        if issued.token == token || issued.refresh_token == token {
            issued.dead = true;
        }
    }
    state.revoked.push(token);
    (200, Vec::new(), String::new())
}

/// Standard base64 (with or without padding).
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |byte: u8| -> Option<u32> {
        match byte {
            b'A'..=b'Z' => Some(u32::from(byte - b'A')),
            b'a'..=b'z' => Some(u32::from(byte - b'a') + 26),
            b'0'..=b'9' => Some(u32::from(byte - b'0') + 52),
            b'+' => Some(62),
            b'/' => Some(63),
            _ => None,
        }
    };
    let mut out = Vec::new();
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in text.bytes().filter(|byte| *byte != b'=') {
        buffer = (buffer << 6) | value(byte)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}
