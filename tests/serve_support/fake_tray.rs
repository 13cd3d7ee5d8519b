//! A fake Tray API on 127.0.0.1: REST `/core/v1/connectors` and a GraphQL endpoint, answering
//! with the documented shapes in `fixtures/tray_api/`, or with whatever failure a test sets.
//!
//! Plain `std::net`: one thread accepts, one thread per connection, `Connection: close` on
//! every answer. Dropping the [`FakeTray`] stops it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::Value;

/// How the fake answers.
#[derive(Debug, Clone)]
pub enum Behavior {
    /// Documented responses from the fixtures.
    Normal,
    /// This status and JSON body for every request.
    Status(u16, String),
    /// HTTP 429 (with `Retry-After: 0`) for the next N requests, then normal.
    RateLimitedFor(usize),
    /// Read the request, then say nothing for this long.
    Hang(Duration),
    /// 200 with a body that is not JSON.
    NotJson,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// `GET` or `POST`.
    pub method: String,
    /// The path.
    pub path: String,
    /// The `Authorization` header.
    pub authorization: Option<String>,
    /// The body.
    pub body: String,
}

struct State {
    behavior: Behavior,
    requests: Vec<Recorded>,
}

/// The running fake API.
pub struct FakeTray {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
}

impl FakeTray {
    /// Starts the fake on a free port of 127.0.0.1.
    pub fn start(behavior: Behavior) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let address = listener.local_addr().expect("address");
        let state = Arc::new(Mutex::new(State {
            behavior,
            requests: Vec::new(),
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let acceptor = {
            let state = Arc::clone(&state);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let state = Arc::clone(&state);
                    std::thread::spawn(move || {
                        let _ = serve_connection(stream, &state);
                    });
                }
            })
        };
        FakeTray {
            address,
            state,
            stop,
            acceptor: Some(acceptor),
        }
    }

    /// Base URL for `TRAY_API_URL`.
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.address)
    }

    /// URL for `TRAY_GRAPHQL_URL`.
    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.address)
    }

    /// Changes how the fake answers from now on.
    pub fn set_behavior(&self, behavior: Behavior) {
        if let Ok(mut state) = self.state.lock() {
            state.behavior = behavior;
        }
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<Recorded> {
        self.state
            .lock()
            .map(|state| state.requests.clone())
            .unwrap_or_default()
    }
}

impl Drop for FakeTray {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the acceptor so it sees the flag.
        let _ = TcpStream::connect(self.address);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("tray_api")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn serve_connection(stream: TcpStream, state: &Mutex<State>) -> std::io::Result<()> {
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(());
    }
    let mut parts = request_line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut content_length = 0usize;
    let mut authorization = None;
    loop {
        let mut header = String::new();
        if reader.read_line(&mut header)? == 0 || header == "\r\n" || header == "\n" {
            break;
        }
        if let Some((name, value)) = header.split_once(':') {
            let value = value.trim().to_string();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => content_length = value.parse().unwrap_or(0),
                "authorization" => authorization = Some(value),
                _ => {}
            }
        }
    }
    let mut body = vec![0u8; content_length];
    reader.read_exact(&mut body)?;
    let body = String::from_utf8_lossy(&body).into_owned();

    let behavior = {
        let mut state = state.lock().map_err(|_| std::io::Error::other("poisoned"))?;
        state.requests.push(Recorded {
            method: method.clone(),
            path: path.clone(),
            authorization,
            body: body.clone(),
        });
        let behavior = state.behavior.clone();
        if let Behavior::RateLimitedFor(remaining) = behavior {
            state.behavior = if remaining > 1 {
                Behavior::RateLimitedFor(remaining - 1)
            } else {
                Behavior::Normal
            };
        }
        behavior
    };

    let (status, extra_headers, response_body) = match behavior {
        Behavior::Normal => {
            let (status, body) = route(&method, &path, &body);
            (status, "", body)
        }
        Behavior::Status(status, body) => (status, "", body),
        Behavior::RateLimitedFor(_) => (
            429,
            "Retry-After: 0\r\n",
            r#"{"message":"Too many requests","code":"rate_limited"}"#.to_string(),
        ),
        Behavior::Hang(duration) => {
            std::thread::sleep(duration);
            return Ok(());
        }
        Behavior::NotJson => (200, "", "{\"data\": {\"viewer\": <html>".to_string()),
    };
    let mut stream = stream;
    let reason = match status {
        200 => "OK",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        _ => "Status",
    };
    write!(
        stream,
        "HTTP/1.1 {status} {reason}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra_headers}Connection: close\r\n\r\n{response_body}",
        response_body.len()
    )?;
    stream.flush()
}

/// The documented answer to one request.
fn route(method: &str, path: &str, body: &str) -> (u16, String) {
    match (method, path) {
        ("GET", "/core/v1/connectors") => (200, fixture("connectors.json")),
        ("POST", "/graphql") => {
            let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            let query = request.get("query").and_then(Value::as_str).unwrap_or_default();
            let variables = request.get("variables").cloned().unwrap_or(Value::Null);
            if query.contains("exportWorkflows") {
                let export = fixture("workflow_export.json");
                let wrapped = serde_json::json!({
                    "data": {"exportWorkflows": {"exportedWorkflowsJson": export}}
                });
                (200, wrapped.to_string())
            } else if query.contains("logs(") {
                (200, fixture("logs.json"))
            } else if query.contains("workflows(") {
                let page = if variables.get("after").is_some_and(|after| !after.is_null()) {
                    "workflows_page2.json"
                } else {
                    "workflows_page1.json"
                };
                (200, fixture(page))
            } else if query.contains("solutions(") {
                (200, fixture("solutions.json"))
            } else if query.contains("details") {
                (200, fixture("user.json"))
            } else {
                (200, r#"{"errors":[{"message":"Cannot query this field"}]}"#.to_string())
            }
        }
        _ => (404, r#"{"message":"Not found","code":"not_found"}"#.to_string()),
    }
}
