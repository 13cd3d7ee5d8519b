//! A fake Tray Agent Gateway on 127.0.0.1: a small Streamable HTTP MCP server whose tools and
//! results carry vendor fields (`_meta`, `x-tray-*`) that must reach the client unchanged, or a
//! server that fails in one chosen way (a status, a hang, a dropped stream).
//!
//! Plain `std::net`: one thread accepts, one thread per connection, `Connection: close` on
//! every answer. GET streams stay open until the fake is dropped. Dropping it stops everything.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};

use super::loopback::Loopback;

/// How the fake answers.
#[derive(Debug, Clone)]
pub enum GatewayBehavior {
    /// A working MCP server; requests are answered as SSE (`true`) or JSON (`false`).
    Mcp {
        /// Answer requests with `text/event-stream`.
        sse: bool,
    },
    /// This status and a JSON error body for every request.
    Status(u16),
    /// Read the request, then say nothing until the fake is dropped.
    Hang,
    /// Start an SSE answer, send half an event, and close the connection.
    DropMidStream,
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct GatewayRequest {
    /// `POST`, `GET` or `DELETE`.
    pub verb: String,
    /// The request target (path and query).
    pub path: String,
    /// The JSON-RPC method, for POSTs.
    pub method: Option<String>,
    /// The JSON body, for POSTs.
    pub body: Value,
    /// Lower-case header name → value.
    pub headers: Vec<(String, String)>,
}

impl GatewayRequest {
    /// A header's value.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

struct State {
    behavior: GatewayBehavior,
    requests: Vec<GatewayRequest>,
    sessions: Vec<String>,
    next_session: u32,
    streams: Vec<TcpStream>,
    extra_tool: bool,
    /// Declare and serve prompts and resources (see
    /// [`FakeGateway::start_offering_prompts_and_resources`]).
    prompts_and_resources: bool,
    /// Answers a request before the MCP server does (an OAuth resource server's 401s and
    /// metadata, see [`Guard`]).
    guard: Option<Arc<dyn Guard>>,
    /// Tools listed after [`tools`] (see [`FakeGateway::start_guarded`]).
    more_tools: Vec<Value>,
}

/// An answer a [`Guard`] gives instead of the MCP server: status, headers, body.
pub type GuardAnswer = (u16, Vec<(String, String)>, String);

/// Stands in front of the fake's MCP server: sees every request first and may answer it
/// itself (an OAuth-protected resource's 401 without a valid bearer, its metadata documents).
pub trait Guard: Send + Sync {
    /// The answer to `request` (status, headers, body), or `None` to let the MCP server answer.
    /// `base` is the fake's origin (`http://127.0.0.1:PORT`).
    fn answer(&self, request: &GatewayRequest, base: &str) -> Option<GuardAnswer>;
}

/// The running fake gateway.
pub struct FakeGateway {
    server: Loopback,
    state: Arc<Mutex<State>>,
}

/// The tools the fake lists: one name collides with a built-in tool, and both carry fields no
/// MCP schema knows.
pub fn tools(extra: bool) -> Vec<Value> {
    let mut tools = vec![
        json!({
            "name": "send_slack_message",
            "title": "Send a Slack message",
            "description": "Posts a message to a Slack channel (a Tray Connector Tool).",
            "inputSchema": {"type": "object", "properties": {"channel": {"type": "string"}, "text": {"type": "string"}}, "required": ["channel", "text"]},
            "annotations": {"readOnlyHint": false},
            "_meta": {"tray.io/tool-kind": "connector", "tray.io/connector": "slack@10.1"},
            "x-tray-vendor": {"workflowId": "wf-123", "nested": [1, {"deep": true}]}
        }),
        json!({
            "name": "list_workflows",
            "description": "A workflow tool that happens to share a built-in tool's name.",
            "inputSchema": {"type": "object"},
            "x-tray-vendor": "collides"
        }),
        json!({
            "name": "drop_mid_stream",
            "description": "The fake drops the connection in the middle of this tool's answer.",
            "inputSchema": {"type": "object"}
        }),
    ];
    if extra {
        tools.push(json!({"name": "added_later", "description": "Appears after list_changed.", "inputSchema": {"type": "object"}}));
    }
    tools
}

/// The prompts the fake lists (with `prompts` on): fields no MCP schema knows included, and
/// `simple` twice (a gateway repeating a name).
pub fn prompts() -> Vec<Value> {
    vec![
        json!({
            "name": "summarise_run",
            "title": "Summarise a workflow run",
            "description": "Summarises one execution of a Tray workflow.",
            "arguments": [{"name": "run_id", "description": "The execution ID", "required": true}],
            "_meta": {"tray.io/prompt-kind": "workflow"},
            "x-tray-vendor": {"nested": [1, {"deep": true}]}
        }),
        json!({"name": "simple", "description": "No arguments."}),
        json!({"name": "simple", "description": "The same name again.", "x-tray-vendor": "second"}),
    ]
}

/// The result the fake gives for `prompts/get` of `name` with `arguments`.
pub fn prompt_result(name: &str, arguments: &Value) -> Value {
    json!({
        "description": format!("prompt {name}"),
        "messages": [{"role": "user", "content": {"type": "text", "text": format!("got {name} with {arguments}"), "x-block-vendor": 8}}],
        "_meta": {"tray.io/prompt-version": 3},
        "x-tray-vendor": {"prompt": name}
    })
}

/// One page of the fake's resources: page 1 (no cursor) has one and a `nextCursor`, page 2
/// (cursor `"page-2"`) the other.
pub fn resources_page(cursor: Option<&str>) -> Value {
    match cursor {
        Some("page-2") => json!({"resources": [
            {"uri": "tray://workflows/wf-2/readme", "name": "wf-2 readme", "mimeType": "text/markdown"}
        ]}),
        _ => json!({
            "resources": [{
                "uri": "tray://workflows/wf-1/readme",
                "name": "wf-1 readme",
                "mimeType": "text/markdown",
                "_meta": {"tray.io/workflow": "wf-1"},
                "x-tray-vendor": {"size": 42}
            }],
            "nextCursor": "page-2",
            "x-page-vendor": 1
        }),
    }
}

/// The fake's resource templates.
pub fn resource_templates() -> Value {
    json!({"resourceTemplates": [{
        "uriTemplate": "tray://workflows/{id}/readme",
        "name": "Workflow readme",
        "x-tray-vendor": "template"
    }]})
}

/// The result the fake gives for `resources/read` of `uri`.
pub fn read_result(uri: &str) -> Value {
    json!({
        "contents": [{"uri": uri, "mimeType": "text/markdown", "text": format!("# {uri}"), "x-content-vendor": true}],
        "_meta": {"tray.io/etag": "e-1"}
    })
}

/// The result the fake gives for a call of `name` with `arguments`.
pub fn call_result(name: &str, arguments: &Value) -> Value {
    json!({
        "content": [{"type": "text", "text": format!("called {name} with {arguments}"), "x-block-vendor": 7}],
        "structuredContent": {"tool": name, "arguments": arguments},
        "isError": false,
        "_meta": {"tray.io/execution-id": "exec-42", "tray.io/duration-ms": 12},
        "x-tray-vendor": {"billing": {"units": 3}}
    })
}

impl FakeGateway {
    /// Starts the fake on a free port of 127.0.0.1.
    pub fn start(behavior: GatewayBehavior) -> Self {
        Self::start_on(behavior, 0)
    }

    /// Starts the fake on `port` of 127.0.0.1 (0: a free one), for a gateway that comes up
    /// after `serve` started.
    pub fn start_on(behavior: GatewayBehavior, port: u16) -> Self {
        Self::start_with(behavior, port, false)
    }

    /// Starts the fake on `port` (0: a free one), declaring and serving prompts and resources
    /// from its first `initialize` on.
    pub fn start_offering_prompts_and_resources(behavior: GatewayBehavior, port: u16) -> Self {
        Self::start_with(behavior, port, true)
    }

    /// Starts an MCP server (`Mcp` behavior) on a free port behind `guard`, listing
    /// `more_tools` after its usual ones.
    pub fn start_guarded(sse: bool, guard: Arc<dyn Guard>, more_tools: Vec<Value>) -> Self {
        let fake = Self::start_with(GatewayBehavior::Mcp { sse }, 0, false);
        if let Ok(mut state) = fake.state.lock() {
            state.guard = Some(guard);
            state.more_tools = more_tools;
        }
        fake
    }

    /// Starts an MCP server (`Mcp` behavior) on a free port listing `more_tools` after its
    /// usual ones.
    pub fn start_listing(sse: bool, more_tools: Vec<Value>) -> Self {
        let fake = Self::start_with(GatewayBehavior::Mcp { sse }, 0, false);
        if let Ok(mut state) = fake.state.lock() {
            state.more_tools = more_tools;
        }
        fake
    }

    fn start_with(behavior: GatewayBehavior, port: u16, prompts_and_resources: bool) -> Self {
        let state = Arc::new(Mutex::new(State {
            behavior,
            requests: Vec::new(),
            sessions: Vec::new(),
            next_session: 1,
            streams: Vec::new(),
            extra_tool: false,
            prompts_and_resources,
            guard: None,
            more_tools: Vec::new(),
        }));
        let server = {
            let state = Arc::clone(&state);
            Loopback::start(port, move |stream, connection| {
                let _ = serve_connection(stream, &state, &connection.stop, connection.address);
            })
        };
        FakeGateway { server, state }
    }

    /// The URL for `TRAY_GATEWAY_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/mcp", self.server.address())
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<GatewayRequest> {
        self.state
            .lock()
            .map(|state| state.requests.clone())
            .unwrap_or_default()
    }

    /// How many POSTs of `method` arrived.
    pub fn count(&self, method: &str) -> usize {
        self.requests()
            .iter()
            .filter(|request| request.method.as_deref() == Some(method))
            .count()
    }

    /// Forgets every session: the next request with an old session ID gets 404.
    pub fn expire_sessions(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.sessions.clear();
        }
    }

    /// How many GET streams are open.
    pub fn open_streams(&self) -> usize {
        self.state.lock().map(|state| state.streams.len()).unwrap_or(0)
    }

    /// Adds a tool and sends `notifications/tools/list_changed` on every open GET stream.
    pub fn add_tool_and_notify(&self) {
        if let Ok(mut state) = self.state.lock() {
            state.extra_tool = true;
        }
        self.send_on_streams(&json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"}));
    }

    /// Adds `added_later` and `more` to the list and sends `notifications/tools/list_changed` on
    /// every open GET stream.
    pub fn add_tools_and_notify(&self, more: Vec<Value>) {
        if let Ok(mut state) = self.state.lock() {
            state.more_tools.extend(more);
        }
        self.add_tool_and_notify();
    }

    /// Sends `message` (a request or notification to the client) on every open GET stream.
    pub fn send_on_streams(&self, message: &Value) {
        if let Ok(mut state) = self.state.lock() {
            let event = sse_event(message);
            state
                .streams
                .retain_mut(|stream| stream.write_all(event.as_bytes()).and_then(|()| stream.flush()).is_ok());
        }
    }

    /// The POSTed bodies that are responses (no method) with this `id`.
    pub fn responses_to(&self, id: &Value) -> Vec<Value> {
        self.requests()
            .into_iter()
            .filter(|request| request.method.is_none() && request.body.get("id") == Some(id))
            .map(|request| request.body)
            .collect()
    }
}

impl Drop for FakeGateway {
    fn drop(&mut self) {
        // Long-lived GET streams see the stop, and are shut; the loopback stops on its own drop.
        self.server.signal_stop();
        if let Ok(mut state) = self.state.lock() {
            for stream in state.streams.drain(..) {
                let _ = stream.shutdown(Shutdown::Both);
            }
        }
    }
}

fn sse_event(message: &Value) -> String {
    format!("event: message\ndata: {message}\n\n")
}

/// Writes one whole HTTP/1.1 answer (`Connection: close`).
pub fn write_response(
    stream: &mut TcpStream,
    status: u16,
    headers: &[(&str, String)],
    body: &str,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {status} X\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.write_all(body.as_bytes())?;
    stream.flush()
}

fn start_sse(stream: &mut TcpStream, session: Option<&str>) -> std::io::Result<()> {
    let mut head =
        "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
            .to_string();
    if let Some(session) = session {
        head.push_str(&format!("Mcp-Session-Id: {session}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes())?;
    stream.flush()
}

/// One HTTP request as read off the wire.
pub struct RawRequest {
    /// `GET`, `POST`, ...
    pub verb: String,
    /// The request target (path and query).
    pub path: String,
    /// Lower-case header name → value.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
}

/// Reads one request (head and `Content-Length` body); `None` when the peer sent nothing.
pub fn read_request(stream: &TcpStream) -> std::io::Result<Option<RawRequest>> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut request_line = String::new();
    if reader.read_line(&mut request_line)? == 0 {
        return Ok(None);
    }
    let mut parts = request_line.split_whitespace();
    let verb = parts.next().unwrap_or_default().to_string();
    let path = parts.next().unwrap_or_default().to_string();
    let mut headers = Vec::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':') {
            let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_string());
            if name == "content-length" {
                length = value.parse().unwrap_or(0);
            }
            headers.push((name, value));
        }
    }
    let mut body = vec![0u8; length];
    reader.read_exact(&mut body)?;
    Ok(Some(RawRequest {
        verb,
        path,
        headers,
        body,
    }))
}

fn serve_connection(
    stream: TcpStream,
    state: &Mutex<State>,
    stop: &AtomicBool,
    address: SocketAddr,
) -> std::io::Result<()> {
    let Some(raw) = read_request(&stream)? else {
        return Ok(());
    };
    let mut stream = stream;
    let verb = raw.verb;
    let headers = raw.headers;
    let body: Value = serde_json::from_slice(&raw.body).unwrap_or(Value::Null);
    let method = body.get("method").and_then(Value::as_str).map(str::to_string);
    let request = GatewayRequest {
        verb: verb.clone(),
        path: raw.path,
        method: method.clone(),
        body: body.clone(),
        headers,
    };
    let guard = state.lock().ok().and_then(|state| state.guard.clone());
    if let Some((status, headers, body)) = guard.and_then(|guard| guard.answer(&request, &format!("http://{address}")))
    {
        if let Ok(mut state) = state.lock() {
            state.requests.push(request);
        }
        let headers: Vec<(&str, String)> = headers
            .iter()
            .map(|(name, value)| (name.as_str(), value.clone()))
            .collect();
        return write_response(&mut stream, status, &headers, &body);
    }
    let behavior = {
        let mut state = state.lock().expect("state");
        state.requests.push(request.clone());
        state.behavior.clone()
    };
    match behavior {
        GatewayBehavior::Status(status) => write_response(
            &mut stream,
            status,
            &[("Content-Type", "application/json".to_string())],
            &json!({"jsonrpc": "2.0", "id": body.get("id"), "error": {"code": -32001, "message": format!("fake status {status}")}}).to_string(),
        ),
        GatewayBehavior::Hang => {
            while !stop.load(Ordering::SeqCst) {
                std::thread::sleep(Duration::from_millis(50));
            }
            Ok(())
        }
        GatewayBehavior::DropMidStream => drop_mid_stream(stream),
        GatewayBehavior::Mcp { sse } => serve_mcp(stream, state, &request, sse),
    }
}

fn drop_mid_stream(mut stream: TcpStream) -> std::io::Result<()> {
    start_sse(&mut stream, Some("dropping"))?;
    stream.write_all(b"event: message\ndata: {\"jsonrpc\":\"2.0\",\"id\":")?;
    stream.flush()?;
    std::thread::sleep(Duration::from_millis(50));
    stream.shutdown(Shutdown::Both)
}

fn serve_mcp(mut stream: TcpStream, state: &Mutex<State>, request: &GatewayRequest, sse: bool) -> std::io::Result<()> {
    let session = request.header("mcp-session-id").map(str::to_string);
    let method = request.method.clone().unwrap_or_default();
    let known = |state: &State| session.as_ref().is_some_and(|id| state.sessions.contains(id));
    if request.verb == "POST" && method == "initialize" {
        let id = {
            let mut state = state.lock().expect("state");
            let id = format!("fake-session-{}", state.next_session);
            state.next_session += 1;
            state.sessions.push(id.clone());
            id
        };
        let capabilities = if state.lock().is_ok_and(|state| state.prompts_and_resources) {
            json!({"tools": {"listChanged": true}, "prompts": {"listChanged": true}, "resources": {"subscribe": true, "listChanged": true}})
        } else {
            json!({"tools": {"listChanged": true}})
        };
        let response = json!({"jsonrpc": "2.0", "id": request.body["id"], "result": {
            "protocolVersion": request.body.pointer("/params/protocolVersion").cloned().unwrap_or(json!("2025-06-18")),
            "capabilities": capabilities,
            "serverInfo": {"name": "fake-tray-gateway", "version": "1"}
        }});
        return answer(&mut stream, &response, sse, Some(&id), &[]);
    }
    if !state.lock().map(|state| known(&state)).unwrap_or(false) {
        return write_response(
            &mut stream,
            404,
            &[("Content-Type", "application/json".to_string())],
            r#"{"jsonrpc":"2.0","error":{"code":-32001,"message":"Session not found"},"id":null}"#,
        );
    }
    match request.verb.as_str() {
        "GET" => {
            start_sse(&mut stream, None)?;
            stream.write_all(b": stream open\n\n")?;
            stream.flush()?;
            if let Ok(mut state) = state.lock() {
                state.streams.push(stream);
            }
            Ok(())
        }
        "DELETE" => {
            if let Ok(mut state) = state.lock() {
                state.sessions.retain(|id| Some(id) != session.as_ref());
            }
            write_response(&mut stream, 200, &[], "")
        }
        _ if request.body.get("id").is_none() => write_response(&mut stream, 202, &[], ""),
        _ => {
            let id = request.body["id"].clone();
            match method.as_str() {
                "tools/list" => {
                    let (extra, more) = state
                        .lock()
                        .map(|state| (state.extra_tool, state.more_tools.clone()))
                        .unwrap_or_default();
                    let listed: Vec<Value> = tools(extra).into_iter().chain(more).collect();
                    answer(
                        &mut stream,
                        &json!({"jsonrpc": "2.0", "id": id, "result": {"tools": listed}}),
                        sse,
                        None,
                        &[],
                    )
                }
                "tools/call" => {
                    let name = request
                        .body
                        .pointer("/params/name")
                        .and_then(Value::as_str)
                        .unwrap_or_default();
                    if name == "drop_mid_stream" {
                        return drop_mid_stream(stream);
                    }
                    if request.body.pointer("/params/arguments/text") == Some(&json!("hang")) {
                        // Not answered (the client cancels the call): keep the stream open a while.
                        start_sse(&mut stream, None)?;
                        std::thread::sleep(Duration::from_secs(10));
                        return Ok(());
                    }
                    let arguments = request.body.pointer("/params/arguments").cloned().unwrap_or(json!({}));
                    let mut before = Vec::new();
                    if let Some(token) = request.body.pointer("/params/_meta/progressToken") {
                        before.push(json!({"jsonrpc": "2.0", "method": "notifications/progress", "params": {"progressToken": token, "progress": 1, "total": 2, "x-tray-vendor": "progress"}}));
                    }
                    let response = json!({"jsonrpc": "2.0", "id": id, "result": call_result(name, &arguments), "x-envelope-vendor": true});
                    answer(&mut stream, &response, sse, None, &before)
                }
                "prompts/list"
                | "prompts/get"
                | "resources/list"
                | "resources/templates/list"
                | "resources/read"
                | "resources/subscribe"
                | "resources/unsubscribe"
                    if state.lock().is_ok_and(|state| state.prompts_and_resources) =>
                {
                    let result = prompt_or_resource_result(&method, &request.body);
                    answer(
                        &mut stream,
                        &json!({"jsonrpc": "2.0", "id": id, "result": result, "x-envelope-vendor": true}),
                        sse,
                        None,
                        &[],
                    )
                }
                _ => answer(
                    &mut stream,
                    &json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32601, "message": "Method not found"}}),
                    sse,
                    None,
                    &[],
                ),
            }
        }
    }
}

/// The result of a prompt or resource request (with `prompts` and `resources` on).
fn prompt_or_resource_result(method: &str, body: &Value) -> Value {
    let param = |name: &str| body.pointer(&format!("/params/{name}")).cloned().unwrap_or(Value::Null);
    match method {
        "prompts/list" => json!({"prompts": prompts()}),
        "prompts/get" => prompt_result(param("name").as_str().unwrap_or_default(), &param("arguments")),
        "resources/list" => resources_page(param("cursor").as_str()),
        "resources/templates/list" => resource_templates(),
        "resources/read" => read_result(param("uri").as_str().unwrap_or_default()),
        _ => json!({}),
    }
}

fn answer(
    stream: &mut TcpStream,
    response: &Value,
    sse: bool,
    session: Option<&str>,
    before: &[Value],
) -> std::io::Result<()> {
    if sse {
        start_sse(stream, session)?;
        for message in before {
            stream.write_all(sse_event(message).as_bytes())?;
        }
        stream.write_all(format!("id: ev-1\n{}", sse_event(response)).as_bytes())?;
        stream.flush()?;
        stream.shutdown(Shutdown::Both)
    } else {
        let mut headers = vec![("Content-Type", "application/json".to_string())];
        if let Some(session) = session {
            headers.push(("Mcp-Session-Id", session.to_string()));
        }
        let body = if before.is_empty() {
            response.to_string()
        } else {
            // A JSON batch: the notifications, then the response.
            Value::Array(before.iter().cloned().chain([response.clone()]).collect()).to_string()
        };
        write_response(stream, 200, &headers, &body)
    }
}
