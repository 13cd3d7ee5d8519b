//! Helpers for the `tray-mcp serve` tests: a fake home that writes profiles, a minimal
//! line-based MCP client around the real binary, and a proxy trap that records any request
//! that tried to leave the machine.
// Test helpers report by printing and panicking.
#![allow(clippy::print_stderr, clippy::print_stdout, clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, ExitStatus, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

/// How long any single wait in these tests may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(30);

/// The real `tray-mcp` binary built for these tests.
pub fn binary() -> &'static Path {
    assert_cmd::cargo::cargo_bin!("tray-mcp")
}

/// A running `tray-mcp serve`, spoken to one JSON-RPC line at a time.
pub struct McpProcess {
    child: Child,
    stdin: Option<ChildStdin>,
    lines: Receiver<String>,
    stderr: Arc<Mutex<String>>,
    stderr_reader: Option<JoinHandle<()>>,
    next_id: u64,
    /// Every line the server wrote to stdout.
    pub stdout_lines: Vec<String>,
}

impl McpProcess {
    /// Starts the command with piped standard streams.
    pub fn start(mut command: Command) -> Self {
        let mut child = command
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start tray-mcp");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, lines) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let mut stderr_pipe = child.stderr.take().expect("stderr");
        let sink = Arc::clone(&stderr);
        let stderr_reader = std::thread::spawn(move || {
            let mut buffer = [0u8; 4096];
            while let Ok(read) = stderr_pipe.read(&mut buffer) {
                if read == 0 {
                    break;
                }
                if let Ok(mut text) = sink.lock() {
                    text.push_str(&String::from_utf8_lossy(&buffer[..read]));
                }
            }
        });
        McpProcess {
            stdin: child.stdin.take(),
            child,
            lines,
            stderr,
            stderr_reader: Some(stderr_reader),
            next_id: 1,
            stdout_lines: Vec::new(),
        }
    }

    /// Writes one raw line to the server's stdin.
    pub fn send_line(&mut self, line: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line.as_bytes()).expect("write line");
        stdin.write_all(b"\n").expect("write newline");
        stdin.flush().expect("flush");
    }

    /// The next message the server writes, as JSON (panics after [`WAIT`]).
    pub fn next_message(&mut self) -> Value {
        match self.lines.recv_timeout(WAIT) {
            Ok(line) => {
                self.stdout_lines.push(line.clone());
                serde_json::from_str(&line).unwrap_or_else(|error| panic!("stdout line is not JSON ({error}): {line}"))
            }
            Err(RecvTimeoutError::Timeout) => {
                panic!("no message within {WAIT:?}; stderr:\n{}", self.stderr())
            }
            Err(RecvTimeoutError::Disconnected) => {
                panic!("the server closed stdout; stderr:\n{}", self.stderr())
            }
        }
    }

    /// Sends a request and returns the response with the same id (skipping notifications).
    pub fn request(&mut self, method: &str, params: Value) -> Value {
        let id = self.next_id;
        self.next_id += 1;
        let request = json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params});
        self.send_line(&request.to_string());
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            let message = self.next_message();
            if message.get("id") == Some(&json!(id)) {
                return message;
            }
        }
        panic!("no response to request {id}");
    }

    /// Initializes the session (request plus `notifications/initialized`), declaring no
    /// client capabilities.
    pub fn initialize(&mut self) -> Value {
        self.initialize_with(json!({}))
    }

    /// Initializes the session declaring these client `capabilities`.
    pub fn initialize_with(&mut self, capabilities: Value) -> Value {
        let response = self.request(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": capabilities,
                "clientInfo": {"name": "tray-mcp-tests", "version": "0"}
            }),
        );
        assert!(response.get("result").is_some(), "initialize failed: {response}");
        self.send_line(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
        response
    }

    /// Calls a tool and returns the `result` object (panics on a protocol error).
    pub fn call_tool(&mut self, name: &str, arguments: Value) -> ToolResult {
        let response = self.request("tools/call", json!({"name": name, "arguments": arguments}));
        let result = response
            .get("result")
            .unwrap_or_else(|| panic!("tools/call {name} gave a protocol error: {response}"))
            .clone();
        ToolResult(result)
    }

    /// Everything the server wrote to stderr so far.
    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|text| text.clone()).unwrap_or_default()
    }

    /// Closes stdin and waits for the server to exit; returns its status and stderr.
    pub fn finish(self) -> (ExitStatus, String) {
        let (status, stderr, _) = self.finish_with_stdout();
        (status, stderr)
    }

    /// Like [`McpProcess::finish`], also returning every line written to stdout.
    pub fn finish_with_stdout(mut self) -> (ExitStatus, String, Vec<String>) {
        drop(self.stdin.take());
        let deadline = Instant::now() + WAIT;
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("the server did not exit after stdin closed");
            }
            std::thread::sleep(Duration::from_millis(10));
        };
        if let Some(reader) = self.stderr_reader.take() {
            let _ = reader.join();
        }
        // Drain whatever stdout still held, so callers can check every line.
        while let Ok(line) = self.lines.recv_timeout(Duration::from_millis(200)) {
            self.stdout_lines.push(line);
        }
        (status, self.stderr(), std::mem::take(&mut self.stdout_lines))
    }
}

impl Drop for McpProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A `tools/call` result.
#[derive(Debug, Clone)]
pub struct ToolResult(pub Value);

impl ToolResult {
    /// True when the tool reported an error (`isError`).
    pub fn is_error(&self) -> bool {
        self.0.get("isError") == Some(&Value::Bool(true))
    }

    /// The text of all text content blocks.
    pub fn text(&self) -> String {
        self.0
            .get("content")
            .and_then(Value::as_array)
            .map(|blocks| {
                blocks
                    .iter()
                    .filter_map(|block| block.get("text").and_then(Value::as_str))
                    .collect::<Vec<_>>()
                    .join("\n")
            })
            .unwrap_or_default()
    }

    /// The `structuredContent`, or `Null`.
    pub fn structured(&self) -> &Value {
        self.0.get("structuredContent").unwrap_or(&Value::Null)
    }

    /// Asserts success and returns the text.
    pub fn expect_ok(&self, what: &str) -> String {
        assert!(!self.is_error(), "{what} failed: {}", self.text());
        assert!(
            self.structured().is_object(),
            "{what}: no structuredContent: {}",
            self.0
        );
        self.text()
    }

    /// Asserts a tool error and returns its text.
    pub fn expect_error(&self, what: &str) -> String {
        assert!(self.is_error(), "{what} should have failed: {}", self.text());
        self.text()
    }
}

/// A loopback listener to point `HTTP_PROXY` and `HTTPS_PROXY` at: it answers nothing and keeps
/// what every connection sent, so a test can show that nothing tried to leave the machine
/// (a request to any host outside `NO_PROXY` would come here).
pub struct ProxyTrap {
    url: String,
    received: Arc<Mutex<Vec<String>>>,
}

impl ProxyTrap {
    /// Starts it on a free port.
    pub fn start() -> Self {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let url = format!("http://{}", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&received);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
                let mut bytes = vec![0u8; 16 * 1024];
                let read = stream.read(&mut bytes).unwrap_or(0);
                let text = format!("connection: {}", String::from_utf8_lossy(&bytes[..read]));
                if let Ok(mut received) = sink.lock() {
                    received.push(text);
                }
            }
        });
        ProxyTrap { url, received }
    }

    /// Its `http://127.0.0.1:PORT`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What each connection sent so far (its first bytes).
    pub fn received(&self) -> Vec<String> {
        self.received
            .lock()
            .map(|received| received.clone())
            .unwrap_or_default()
    }
}
