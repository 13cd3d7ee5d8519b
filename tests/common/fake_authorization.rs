//! A minimal OAuth-protected MCP URL and its authorization server on 127.0.0.1, for the tests
//! of `install --sign-in` and the wizard's sign-in path.
//!
//! One listener plays both parts: `POST /` answers 401 with a `WWW-Authenticate` challenge that
//! names the protected resource metadata; the metadata names this same server as the
//! authorization server (RFC 8414 metadata, dynamic registration, `/authorize`, `/token`).
//! `/authorize` redirects the browser at once (no page to click): with a code, or with
//! `error=access_denied` when the server was started to refuse. The tokens it hands out are
//! the constants below, so tests can sweep every output and file for them.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};

/// The access token the server grants.
pub const ACCESS_TOKEN: &str = "signin-access-3c9e1f7a";
/// The refresh token the server grants.
pub const REFRESH_TOKEN: &str = "signin-refresh-8b2d6e4c";
/// The authorization code.
pub const CODE: &str = "signin-code-5a1f9d3b";
/// Every secret the server hands out.
pub const SECRETS: [&str; 3] = [ACCESS_TOKEN, REFRESH_TOKEN, CODE];

/// What `/authorize` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Consent {
    /// Redirects back with a code.
    Grant,
    /// Redirects back with `error=access_denied`.
    Deny,
}

/// The server; stopped when dropped.
pub struct FakeAuthorization {
    url: String,
    paths: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
}

impl FakeAuthorization {
    /// Starts on a free loopback port.
    pub fn start(consent: Consent) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let origin = format!("http://{}", listener.local_addr().expect("address"));
        let paths = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (recorded, stopping, base) = (Arc::clone(&paths), Arc::clone(&stop), origin.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { break };
                let _ = serve(stream, &base, consent, &recorded);
            }
        });
        FakeAuthorization {
            url: format!("{origin}/"),
            paths,
            stop,
        }
    }

    /// The protected MCP URL (what `TRAY_GATEWAY_URL` names).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// How many times the browser was sent to `/authorize`.
    pub fn authorizations(&self) -> usize {
        self.paths
            .lock()
            .expect("lock")
            .iter()
            .filter(|path| path.starts_with("/authorize"))
            .count()
    }

    /// The `$BROWSER` that follows the redirect unattended (tests/oauth_browser.py on the
    /// pinned Python), or `None` when the test tools are not installed.
    pub fn browser() -> Option<String> {
        let tools: PathBuf = super::test_tools()?;
        let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/oauth_browser.py");
        Some(format!(
            "{} {}",
            tools.join("venv/bin/python").display(),
            script.display()
        ))
    }
}

impl Drop for FakeAuthorization {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.url.trim_start_matches("http://").trim_end_matches('/'));
    }
}

/// Reads one request: its head's first line and its body.
fn read_request(stream: &mut TcpStream) -> std::io::Result<(String, String, String)> {
    let mut request = Vec::new();
    let mut buffer = [0u8; 4096];
    loop {
        let read = stream.read(&mut buffer)?;
        request.extend_from_slice(&buffer[..read]);
        let text = String::from_utf8_lossy(&request).to_string();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|line| {
                    line.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(str::to_string)
                })
                .and_then(|value| value.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length || read == 0 {
                let mut words = head.split_whitespace();
                let method = words.next().unwrap_or_default().to_string();
                let target = words.next().unwrap_or_default().to_string();
                return Ok((method, target, body.to_string()));
            }
        }
        if read == 0 {
            return Ok((String::new(), String::new(), String::new()));
        }
    }
}

fn respond(stream: &mut TcpStream, status: u16, headers: &[(&str, String)], body: &str) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nContent-Length: {}\r\nConnection: close\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    write!(stream, "{head}\r\n{body}")?;
    stream.flush()
}

fn json_response(stream: &mut TcpStream, status: u16, body: &Value) -> std::io::Result<()> {
    respond(
        stream,
        status,
        &[("Content-Type", "application/json".to_string())],
        &body.to_string(),
    )
}

/// The query parameter `key` of `target`.
fn query(target: &str, key: &str) -> Option<String> {
    let url = reqwest::Url::parse(&format!("http://x{target}")).ok()?;
    url.query_pairs()
        .find(|(name, _)| name == key)
        .map(|(_, value)| value.into_owned())
}

fn serve(mut stream: TcpStream, origin: &str, consent: Consent, paths: &Mutex<Vec<String>>) -> std::io::Result<()> {
    let (method, target, body) = read_request(&mut stream)?;
    paths.lock().expect("lock").push(target.clone());
    let path = target.split('?').next().unwrap_or_default();
    match (method.as_str(), path) {
        ("GET", path) if path.starts_with("/.well-known/oauth-protected-resource") => json_response(
            &mut stream,
            200,
            &json!({
                "resource": format!("{origin}/"),
                "authorization_servers": [origin],
                "scopes_supported": ["mcp"],
            }),
        ),
        ("GET", path)
            if path.starts_with("/.well-known/oauth-authorization-server")
                || path.starts_with("/.well-known/openid-configuration") =>
        {
            json_response(
                &mut stream,
                200,
                &json!({
                    "issuer": origin,
                    "authorization_endpoint": format!("{origin}/authorize"),
                    "token_endpoint": format!("{origin}/token"),
                    "registration_endpoint": format!("{origin}/register"),
                    "response_types_supported": ["code"],
                    "grant_types_supported": ["authorization_code", "refresh_token"],
                    "code_challenge_methods_supported": ["S256"],
                    "token_endpoint_auth_methods_supported": ["none"],
                    "scopes_supported": ["mcp"],
                }),
            )
        }
        ("POST", "/register") => {
            let mut client: Value = serde_json::from_str(&body).unwrap_or_else(|_| json!({}));
            client["client_id"] = json!("fake-client");
            client["token_endpoint_auth_method"] = json!("none");
            json_response(&mut stream, 201, &client)
        }
        ("GET", "/authorize") => {
            let redirect = query(&target, "redirect_uri").unwrap_or_default();
            let state = query(&target, "state").unwrap_or_default();
            let outcome = match consent {
                Consent::Grant => format!("code={CODE}"),
                Consent::Deny => "error=access_denied".to_string(),
            };
            respond(
                &mut stream,
                302,
                &[("Location", format!("{redirect}?{outcome}&state={state}"))],
                "",
            )
        }
        ("POST", "/token") => json_response(
            &mut stream,
            200,
            &json!({
                "access_token": ACCESS_TOKEN,
                "token_type": "Bearer",
                "expires_in": 3600,
                "refresh_token": REFRESH_TOKEN,
                "scope": "mcp",
            }),
        ),
        ("POST", _) => respond(
            &mut stream,
            401,
            &[(
                "WWW-Authenticate",
                format!("Bearer resource_metadata=\"{origin}/.well-known/oauth-protected-resource\""),
            )],
            "",
        ),
        _ => respond(&mut stream, 404, &[], ""),
    }
}
