//! A fake Tray API on 127.0.0.1 that holds the server to Tray's published API: every GraphQL
//! operation is validated against Tray's published schema ([`super::tray_schema`]) and refused
//! as a GraphQL server refuses it (HTTP 200, `{"errors": [...]}`, no `data`); every REST request
//! is checked against Tray's OpenAPI document ([`super::tray_openapi`]) and answered with its
//! example. Valid GraphQL operations are answered from `fixtures/tray_api/`. A test can also set
//! a failure ([`Behavior`]) or give the fake the other schema form ([`SchemaForm::MovedOn`]).
//!
//! Plain `std::net`: one thread accepts, one thread per connection, `Connection: close` on
//! every answer. Dropping the [`FakeTray`] stops it.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::loopback::Loopback;
use super::tray_openapi::TrayOpenApi;
pub use super::tray_schema::SchemaForm;
use super::tray_schema::TraySchema;

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
    /// A token without a master token's access (an Agent Gateway API user token): only
    /// `viewer.details` is answered; the other GraphQL operations get an `access_not_allowed`
    /// error and REST requests HTTP 403.
    ApiUserToken,
    /// HTTP 401 for a request with `Authorization: Bearer <this>` (an access token that
    /// expired or was revoked); documented responses for any other.
    RefuseBearer(String),
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

/// What the fake judges requests by; read-only once started.
struct Judge {
    form: SchemaForm,
    schema: TraySchema,
    openapi: TrayOpenApi,
}

/// The running fake API.
pub struct FakeTray {
    server: Loopback,
    state: Arc<Mutex<State>>,
}

impl FakeTray {
    /// Starts the fake, with Tray's published schema, on a free port of 127.0.0.1.
    pub fn start(behavior: Behavior) -> Self {
        Self::start_with_schema(behavior, SchemaForm::Published)
    }

    /// Starts the fake with the given schema form.
    pub fn start_with_schema(behavior: Behavior, form: SchemaForm) -> Self {
        let judge = Arc::new(Judge {
            form,
            schema: TraySchema::load(form),
            openapi: TrayOpenApi::load(),
        });
        let state = Arc::new(Mutex::new(State {
            behavior,
            requests: Vec::new(),
        }));
        let server = {
            let state = Arc::clone(&state);
            Loopback::start(0, move |stream, _| {
                let _ = serve_connection(stream, &state, &judge);
            })
        };
        FakeTray { server, state }
    }

    /// Base URL for `TRAY_API_URL`.
    pub fn rest_url(&self) -> String {
        format!("http://{}", self.server.address())
    }

    /// URL for `TRAY_GRAPHQL_URL`.
    pub fn graphql_url(&self) -> String {
        format!("http://{}/graphql", self.server.address())
    }

    /// `TRAY_API_URL` and `TRAY_GRAPHQL_URL` pointing at this fake, for a command's `envs`.
    pub fn api_variables(&self) -> [(&'static str, String); 2] {
        [
            ("TRAY_API_URL", self.rest_url()),
            ("TRAY_GRAPHQL_URL", self.graphql_url()),
        ]
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

fn fixture(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures")
        .join("tray_api")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("{}: {error}", path.display()))
}

fn serve_connection(stream: TcpStream, state: &Mutex<State>, judge: &Judge) -> std::io::Result<()> {
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
            authorization: authorization.clone(),
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
            let (status, body) = judge.route(&method, &path, &body);
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
        Behavior::ApiUserToken => {
            let (status, body) = judge.route_for_api_user_token(&method, &path, &body);
            (status, "", body)
        }
        Behavior::RefuseBearer(refused) if authorization == Some(format!("Bearer {refused}")) => (
            401,
            "WWW-Authenticate: Bearer error=\"invalid_token\"\r\n",
            r#"{"message":"Unauthorized"}"#.to_string(),
        ),
        Behavior::RefuseBearer(_) => {
            let (status, body) = judge.route(&method, &path, &body);
            (status, "", body)
        }
    };
    let mut stream = stream;
    let reason = match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
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

impl Judge {
    /// The answer to one request: refused as Tray's API refuses it, or the documented answer.
    fn route(&self, method: &str, target: &str, body: &str) -> (u16, String) {
        if method == "POST" && target == "/graphql" {
            return self.graphql(body);
        }
        match self.openapi.answer(method, target) {
            Ok(example) => (200, example.to_string()),
            Err(refusal) => (refusal.status, refusal.body),
        }
    }

    /// Like [`Judge::route`], for a token that may read only `viewer.details`.
    fn route_for_api_user_token(&self, method: &str, target: &str, body: &str) -> (u16, String) {
        let refusal =
            json!({"message": "access_not_allowed: this endpoint needs a master token", "code": "access_not_allowed"});
        if method != "POST" || target != "/graphql" {
            return (403, refusal.to_string());
        }
        let (status, answer) = self.graphql(body);
        let refused = serde_json::from_str::<Value>(&answer)
            .ok()
            .and_then(|answer| answer.get("data").cloned())
            .is_some_and(|data| data.pointer("/viewer/details").is_none());
        if refused {
            let error = json!({"message": "Access not allowed", "extensions": {"code": "access_not_allowed"}});
            return (200, json!({"errors": [error], "data": null}).to_string());
        }
        (status, answer)
    }

    /// Validates the operation, then answers it from the fixtures.
    fn graphql(&self, body: &str) -> (u16, String) {
        let Ok(request) = serde_json::from_str::<Value>(body) else {
            return (
                400,
                json!({"errors": [{"message": "the body is not JSON"}]}).to_string(),
            );
        };
        let query = request.get("query").and_then(Value::as_str).unwrap_or_default();
        let operation_name = request.get("operationName").and_then(Value::as_str);
        let variables = request.get("variables").cloned().unwrap_or(Value::Null);
        if let Err(rejection) = self.schema.check(query, operation_name, &variables) {
            let errors: Vec<Value> = rejection
                .messages
                .iter()
                .map(|message| json!({"message": message, "extensions": {"code": "GRAPHQL_VALIDATION_FAILED"}}))
                .collect();
            return (200, json!({ "errors": errors }).to_string());
        }
        (200, self.graphql_answer(query, &variables))
    }

    /// The fixture answering a valid operation.
    fn graphql_answer(&self, query: &str, variables: &Value) -> String {
        if query.contains("exportWorkflows") {
            let export = fixture("workflow_export.json");
            json!({"data": {"exportWorkflows": {"exportedWorkflowsJson": export}}}).to_string()
        } else if query.contains("logs(") {
            fixture("logs.json")
        } else if query.contains("workflows") {
            let after = variables.get("after").is_some_and(|after| !after.is_null());
            match (self.form, after) {
                // Tray's 2018 schema has no pagination on `Viewer.workflows`: one answer holds all.
                (SchemaForm::Published, _) => all_workflows(),
                (SchemaForm::MovedOn, false) => fixture("workflows_page1.json"),
                (SchemaForm::MovedOn, true) => fixture("workflows_page2.json"),
            }
        } else if query.contains("solutions") {
            fixture("solutions.json")
        } else if query.contains("details") {
            fixture("user.json")
        } else {
            json!({"errors": [{"message": "the fake Tray API has no answer for this valid operation"}]}).to_string()
        }
    }
}

/// Both workflow pages as one connection with no next page.
fn all_workflows() -> String {
    let mut first: Value = serde_json::from_str(&fixture("workflows_page1.json")).expect("page 1 parses");
    let second: Value = serde_json::from_str(&fixture("workflows_page2.json")).expect("page 2 parses");
    let more = second
        .pointer("/data/viewer/workflows/edges")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if let Some(edges) = first
        .pointer_mut("/data/viewer/workflows/edges")
        .and_then(Value::as_array_mut)
    {
        edges.extend(more);
    }
    if let Some(page_info) = first.pointer_mut("/data/viewer/workflows/pageInfo") {
        *page_info = json!({"hasNextPage": false, "endCursor": null});
    }
    first.to_string()
}
