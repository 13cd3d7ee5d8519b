//! `tray-mcp serve --gateway` in front of the reference MCP server
//! (`@modelcontextprotocol/server-everything@2026.8.31`, `streamableHttp`, bound to 127.0.0.1
//! through `bench/loopback_only.mjs`), driven by the official Python SDK (`mcp==2.3.0`,
//! tests/gateway_client.py): merged list, forwarded calls, progress notifications, and a
//! logging notification sent on the GET stream; prompts, resources and templates listed as the
//! server lists them to a direct client, prompts/get, resources/read, a subscription's
//! `resources/updated`; and the server's sampling and roots requests answered by the Python
//! client's callbacks. Needs the pinned tools from scripts/test.sh.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;

use support::FakeHome;
use support::fake_tray::{Behavior, FakeTray};
use support::serve::WAIT;

/// The reference server, stopped (killed and reaped) when dropped.
struct Everything {
    child: Child,
    port: u16,
}

impl Everything {
    fn start(tools: &Path) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("free port")
            .port();
        let preload = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/loopback_only.mjs");
        let mut child = Command::new(tools.join("npm/node_modules/.bin/mcp-server-everything"))
            .arg("streamableHttp")
            .env("PORT", port.to_string())
            .env("NODE_OPTIONS", format!("--import {}", preload.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start server-everything");
        let stderr = child.stderr.take().expect("stderr");
        let (sender, receiver) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if line.contains("listening on port") {
                    let _ = sender.send(());
                }
            }
        });
        let everything = Everything { child, port };
        receiver
            .recv_timeout(WAIT)
            .expect("server-everything did not start listening");
        everything.assert_loopback_only();
        everything
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }

    /// The preload did its job: every listening socket on the port is 127.0.0.1.
    fn assert_loopback_only(&self) {
        #[cfg(target_os = "linux")]
        {
            let port = format!(":{:04X}", self.port);
            let mut listening = Vec::new();
            for table in ["/proc/net/tcp", "/proc/net/tcp6"] {
                let text = std::fs::read_to_string(table).unwrap_or_default();
                for line in text.lines().skip(1) {
                    let fields: Vec<&str> = line.split_whitespace().collect();
                    if fields.len() > 3 && fields[3] == "0A" && fields[1].ends_with(&port) {
                        listening.push(fields[1].to_string());
                    }
                }
            }
            assert!(!listening.is_empty(), "nothing listens on port {}", self.port);
            for address in listening {
                assert!(
                    address.starts_with("0100007F:") || address.starts_with("0000000000000000FFFF00000100007F:"),
                    "server-everything listens beyond loopback: {address}"
                );
            }
        }
    }
}

impl Drop for Everything {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs tests/gateway_client.py's `scenario` against `tray-mcp serve --gateway` in front of a
/// fresh server-everything, and returns its JSON report.
fn run_scenario(scenario: &str) -> serde_json::Value {
    let tools = support::test_tools();
    let everything = Everything::start(&tools);
    let tray = FakeTray::start(Behavior::Normal);
    let home = FakeHome::new();
    let mut python = Command::new(tools.join("venv/bin/python"));
    python
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/gateway_client.py"))
        .arg(scenario)
        .arg(support::serve::binary())
        .args([
            "serve",
            "--workspace-id",
            "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718",
            "--gateway",
        ])
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("TRAY_API_TOKEN", "tok_test_everything")
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", everything.url())
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("TRAY_GATEWAY_TIMEOUT_SECS")
        .env_remove("RUST_LOG");
    let output = python.output().expect("run the python client");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "python client failed ({scenario})\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stderr.contains("tok_test_everything"), "the token leaked");
    drop(everything);
    serde_json::from_str(&stdout).expect("JSON report")
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn python_sdk_through_tray_mcp_reaches_server_everything() {
    let report = run_scenario("tools");
    assert_eq!(report["echo"], "Echo: through tray-mcp ✓");
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn server_everything_prompts_and_resources_reach_the_python_sdk_as_listed() {
    let report = run_scenario("prompts-resources");
    assert_eq!(report["prompt_text"], "What's weather in Lyon, Rhône?");
    // completion/complete reaches the reference server's completer, with the context argument.
    assert_eq!(report["completed"], serde_json::json!(["David", "Eve", "Frank"]));
    assert_eq!(report["read"], "Resource 7: This is a plaintext resource");
    assert_eq!(report["updated"], "demo://resource/dynamic/text/7");
    assert_eq!(
        report["templates"],
        serde_json::json!([
            "demo://resource/dynamic/blob/{resourceId}",
            "demo://resource/dynamic/text/{resourceId}"
        ])
    );
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn server_everything_sampling_and_roots_requests_are_answered_by_the_python_sdk() {
    let report = run_scenario("sampling-roots");
    assert_eq!(report["sampling_requests"].as_array().map(Vec::len), Some(1));
    assert!(
        report["roots_text"]
            .as_str()
            .is_some_and(|text| text.contains("file:///home/ada/projects/tray")),
        "{report}"
    );
}
