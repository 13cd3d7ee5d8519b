//! `tray-mcp serve` passing Tray's Headless MCP through, pinned to the entry's workspace: a
//! real client (the official Python SDK, tests/headless_client.py) drives the real binary over
//! stdio, in front of a Headless-MCP-like server (the SDK's MCPServer over Streamable HTTP on
//! 127.0.0.1, tests/headless_server.py), the fake Agent Gateway and the fake Tray API. Needs the
//! pinned tools from scripts/test.sh. The profile tests use the fake gateway as the Headless
//! stand-in and the line client, and need nothing installed.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::channel;

use serde_json::{Value, json};
use support::FakeHome;
use support::fake_gateway::{FakeGateway, GatewayBehavior};
use support::fake_tray::{Behavior, FakeTray};
use support::serve::{McpProcess, WAIT};

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const API_TOKEN: &str = "tok_live_headless_api_9e8d7c";
const BEARER: &str = "hb_test_bearer_4f5e6d7c";

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

/// tests/headless_server.py on 127.0.0.1, stopped (killed and reaped) when dropped.
struct HeadlessServer {
    child: Child,
    port: u16,
}

impl HeadlessServer {
    /// Starts it, accepting only `Authorization: Bearer <bearer>`, and waits until it listens.
    fn start(tools: &Path, bearer: &str) -> Self {
        let port = free_port();
        let mut child = Command::new(tools.join("venv/bin/python"))
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/headless_server.py"))
            .args([port.to_string().as_str(), bearer])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start the Headless stand-in");
        let stdout = child.stdout.take().expect("stdout");
        let (sender, receiver) = channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.trim() == "ready" {
                    let _ = sender.send(());
                }
            }
        });
        let mut server = HeadlessServer { child, port };
        if receiver.recv_timeout(WAIT).is_err() {
            let _ = server.child.kill();
            panic!("the Headless stand-in did not start within {WAIT:?}");
        }
        server
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}/mcp", self.port)
    }
}

impl Drop for HeadlessServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs tests/headless_client.py in `mode` against `serve --workspace-id ... --gateway` with the
/// Headless MCP at `headless_url`; returns its report and serve's stderr (the client's stderr,
/// which the SDK's stdio client inherits into).
fn run_client(tools: &Path, mode: &str, headless_url: &str, gateway: &FakeGateway) -> (Value, String) {
    let tray = FakeTray::start(Behavior::Normal);
    let home = FakeHome::new();
    let mut python = Command::new(tools.join("venv/bin/python"));
    python
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/headless_client.py"))
        .args([mode, WORKSPACE])
        .arg(support::serve::binary())
        .args([
            "serve",
            "--workspace-id",
            WORKSPACE,
            "--gateway",
            "--log-level",
            "debug",
        ])
        .env("HOME", home.home())
        .env("USERPROFILE", home.home())
        .env("APPDATA", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("TRAY_API_TOKEN", API_TOKEN)
        .env("TRAY_API_URL", tray.rest_url())
        .env("TRAY_GRAPHQL_URL", tray.graphql_url())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_GATEWAY_TIMEOUT_SECS", "2")
        .env("TRAY_GATEWAY_RETRY_SECS", "0.05")
        .env("TRAY_HEADLESS_URL", headless_url)
        .env("TRAY_HEADLESS_TEST_BEARER", BEARER)
        .env_remove("RUST_LOG");
    let output = python.output().expect("run the python client");
    let stdout = String::from_utf8_lossy(&output.stdout).to_string();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert!(
        output.status.success(),
        "python client failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    for secret in [API_TOKEN, BEARER] {
        assert!(!stdout.contains(secret) && !stderr.contains(secret), "a token leaked");
    }
    let report = serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("JSON report ({error}): {stdout}"));
    (report, stderr)
}

fn pinned_arguments(report: &Value, call: &str) -> Value {
    report[call]["arguments"].clone()
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn headless_tools_are_listed_without_workspace_id_and_every_call_carries_the_entry_s() {
    let tools = support::test_tools();
    let headless = HeadlessServer::start(&tools, BEARER);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: true });
    let (report, _) = run_client(&tools, "pinned", &headless.url(), &gateway);

    // The schema lost workspaceId and kept the rest; the annotations came through.
    let schema = &report["create_project_schema"];
    assert_eq!(schema["required"], json!(["name"]), "{schema}");
    let properties: Vec<&str> = schema["properties"]
        .as_object()
        .expect("properties")
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(properties, ["name", "description"], "{schema}");
    assert_eq!(
        report["create_project_annotations"],
        json!({"readOnlyHint": false, "destructiveHint": true, "idempotentHint": false}),
    );
    assert_eq!(report["create_project_meta"], json!({"tray/category": "projects"}));
    assert_eq!(
        report["list_projects_annotations"],
        json!({"readOnlyHint": true, "openWorldHint": false})
    );
    assert_eq!(
        report["headless_send_slack_message_annotations"],
        json!({"destructiveHint": true})
    );

    // The server received the entry's workspace on every workspace-scoped call.
    assert_eq!(
        pinned_arguments(&report, "create_project"),
        json!({"workspaceId": WORKSPACE, "name": "Demo", "description": ""})
    );
    assert_eq!(
        pinned_arguments(&report, "list_projects"),
        json!({"workspaceId": WORKSPACE, "search": null})
    );
    assert_eq!(report["renamed_builtin_clash"]["tool"], "list_workflows");
    assert_eq!(
        pinned_arguments(&report, "renamed_builtin_clash"),
        json!({"workspaceId": WORKSPACE, "project_id": "p-1"})
    );
    assert_eq!(report["renamed_gateway_clash"]["tool"], "send_slack_message");
    assert_eq!(
        pinned_arguments(&report, "renamed_gateway_clash"),
        json!({"workspaceId": WORKSPACE, "channel": "#a"})
    );
    assert_eq!(
        pinned_arguments(&report, "not_workspace_scoped"),
        json!({"connector_names": ["slack"]})
    );
    assert_eq!(
        pinned_arguments(&report, "same_workspace_given")["workspaceId"],
        WORKSPACE
    );

    // Another workspace is refused, saying which one the entry is pinned to.
    let refusal = report["other_workspace_refusal"].as_str().expect("text");
    assert!(
        refusal.contains(&format!("pinned to workspace {WORKSPACE}"))
            && refusal.contains("00000000-0000-4000-8000-000000000000"),
        "{refusal}"
    );

    // The built-in and gateway tools answer next to them; the gateway never saw the bearer,
    // nor the Headless MCP the API token (it accepts the bearer alone, and answered).
    assert_eq!(report["gateway_call"]["tool"], "send_slack_message");
    assert!(!gateway.requests().is_empty());
    for request in gateway.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {API_TOKEN}").as_str())
        );
    }
}

/// The Headless MCP is down in some way: built-in and gateway tools are listed and answer, a
/// Headless tool's call is a tool error saying why, and stderr says so once.
fn a_failing_headless_upstream(headless_url: &str, reason: &str) {
    let tools = support::test_tools();
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let (report, stderr) = run_client(&tools, "failing", headless_url, &gateway);
    let call = report["headless_call"].as_str().expect("text");
    assert!(call.contains(reason), "{reason:?} not in {call}");
    assert_eq!(report["gateway_call"]["tool"], "send_slack_message");
    assert_eq!(stderr.matches("Headless MCP unavailable").count(), 1, "{stderr}");
    assert!(!stderr.contains("Agent Gateway unavailable"), "{stderr}");
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn a_headless_mcp_that_refuses_the_sign_in_leaves_the_built_in_and_gateway_tools_working() {
    let tools = support::test_tools();
    let headless = HeadlessServer::start(&tools, "another_bearer_entirely");
    a_failing_headless_upstream(&headless.url(), "refused the sign-in (HTTP 401");
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn an_unreachable_headless_mcp_leaves_the_built_in_and_gateway_tools_working() {
    let url = format!("http://127.0.0.1:{}/mcp", free_port());
    a_failing_headless_upstream(&url, "could not reach Tray's Headless MCP");
}

/// `serve --profile work` with the fake gateway standing in for the Headless MCP.
fn serve_profile(home: &FakeHome, tray: &FakeTray, headless: &FakeGateway) -> McpProcess {
    let mut command = home.serve_command(&["serve", "--profile", "work"]);
    command
        .env("TRAY_API_URL", tray.rest_url())
        .env("TRAY_GRAPHQL_URL", tray.graphql_url())
        .env("TRAY_HEADLESS_URL", headless.url())
        .env("TRAY_HEADLESS_TEST_BEARER", BEARER);
    let mut server = McpProcess::start(command);
    server.initialize();
    server
}

fn listed_names(server: &mut McpProcess) -> Vec<String> {
    server.request("tools/list", json!({}))["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|tool| tool["name"].as_str().map(str::to_string))
        .collect()
}

#[test]
fn a_profile_s_headless_pass_through_gets_the_bearer_never_the_api_token_and_can_be_turned_off() {
    let tray = FakeTray::start(Behavior::Normal);
    let headless = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let home = FakeHome::new();
    home.write_profile(
        "work",
        &json!({"workspace_id": WORKSPACE, "region": "eu1", "api_token": API_TOKEN}),
    );
    let mut server = serve_profile(&home, &tray, &headless);
    let names = listed_names(&mut server);
    assert!(
        names.contains(&"send_slack_message".to_string()) && names.contains(&"headless_list_workflows".to_string()),
        "{names:?}"
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(
        !stderr.contains(BEARER) && !stderr.contains(API_TOKEN),
        "a token leaked"
    );
    let requests = headless.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {BEARER}").as_str())
        );
    }

    let off = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    home.write_profile(
        "work",
        &json!({"workspace_id": WORKSPACE, "region": "eu1", "api_token": API_TOKEN, "headless": false}),
    );
    let mut server = serve_profile(&home, &tray, &off);
    let names = listed_names(&mut server);
    assert!(!names.iter().any(|name| name.starts_with("headless_")), "{names:?}");
    let (status, _) = server.finish();
    assert!(status.success());
    assert!(
        off.requests().is_empty(),
        "a profile with \"headless\": false reached it"
    );
}

#[test]
fn the_test_bearer_is_refused_unless_the_headless_url_is_a_loopback_ip() {
    let home = FakeHome::new();
    for url in [None, Some("https://api.tray.io/mcp")] {
        let mut command = home.serve_command(&["serve", "--workspace-id", WORKSPACE]);
        command
            .env("TRAY_API_TOKEN", API_TOKEN)
            .env("TRAY_HEADLESS_TEST_BEARER", BEARER)
            .stdin(Stdio::null());
        if let Some(url) = url {
            command.env("TRAY_HEADLESS_URL", url);
        }
        let output = command.output().expect("run");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("TRAY_HEADLESS_URL") && stderr.contains("loopback") && stderr.contains("hint:"),
            "{stderr}"
        );
        assert!(!stderr.contains(BEARER), "the bearer leaked: {stderr}");
        assert!(output.stdout.is_empty());
    }
}

fn wait_for_list_changed(server: &mut McpProcess) {
    let deadline = std::time::Instant::now() + WAIT;
    while std::time::Instant::now() < deadline {
        if server.next_message()["method"] == json!("notifications/tools/list_changed") {
            return;
        }
    }
    panic!("no notifications/tools/list_changed arrived");
}

fn wait_for_stream(upstream: &FakeGateway) {
    let deadline = std::time::Instant::now() + WAIT;
    while upstream.open_streams() == 0 {
        assert!(std::time::Instant::now() < deadline, "the GET stream never opened");
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
}

#[test]
fn the_headless_layer_renames_against_the_gateway_s_tools_and_follows_both_lists_changing() {
    // Both upstreams are the fake gateway, so every Headless tool name is taken below it.
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: true });
    let headless = FakeGateway::start(GatewayBehavior::Mcp { sse: true });
    let home = FakeHome::new();
    let mut command = home.serve_command(&["serve", "--workspace-id", WORKSPACE, "--gateway"]);
    command
        .env("TRAY_API_TOKEN", API_TOKEN)
        .env("TRAY_API_URL", tray.rest_url())
        .env("TRAY_GRAPHQL_URL", tray.graphql_url())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_HEADLESS_URL", headless.url())
        .env("TRAY_HEADLESS_TEST_BEARER", BEARER);
    let mut server = McpProcess::start(command);
    server.initialize();
    let names = listed_names(&mut server);
    for name in [
        "send_slack_message",
        "gateway_list_workflows",
        "headless_send_slack_message",
        "headless_list_workflows",
        "headless_drop_mid_stream",
    ] {
        assert!(names.contains(&name.to_string()), "{name} not in {names:?}");
    }
    let call = server.call_tool("headless_send_slack_message", json!({"channel": "#a"}));
    assert_eq!(call.structured()["tool"], json!("send_slack_message"));
    assert_eq!(
        call.structured()["arguments"],
        json!({"channel": "#a"}),
        "not pinned: no workspaceId in its schema"
    );
    let refused = server.call_tool("headless_send_slack_message", json!({"workspaceId": "elsewhere"}));
    assert!(
        refused
            .expect_error("another workspace")
            .contains("pinned to workspace")
    );
    assert_eq!(headless.count("tools/call"), 1, "the refused call was not sent");
    assert_eq!(gateway.count("tools/call"), 0);

    // A tool the Headless MCP adds keeps its name, until the gateway lists one like it.
    wait_for_stream(&headless);
    headless.add_tool_and_notify();
    wait_for_list_changed(&mut server);
    assert!(listed_names(&mut server).contains(&"added_later".to_string()));
    wait_for_stream(&gateway);
    gateway.add_tool_and_notify();
    wait_for_list_changed(&mut server);
    let names = listed_names(&mut server);
    assert!(
        names.contains(&"added_later".to_string()) && names.contains(&"headless_added_later".to_string()),
        "{names:?}"
    );
    server
        .call_tool("headless_added_later", json!({}))
        .expect_ok("the Headless MCP's");
    server.call_tool("added_later", json!({})).expect_ok("the gateway's");
    assert_eq!(headless.count("tools/call"), 2);
    assert_eq!(gateway.count("tools/call"), 1);
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
}

#[test]
fn prompts_merge_across_the_headless_and_gateway_layers_and_reach_the_upstream_that_lists_them() {
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start_offering_prompts_and_resources(GatewayBehavior::Mcp { sse: false }, 0);
    let headless = FakeGateway::start_offering_prompts_and_resources(GatewayBehavior::Mcp { sse: true }, 0);
    let home = FakeHome::new();
    home.write_profile(
        "work",
        &json!({"workspace_id": WORKSPACE, "region": "eu1", "api_token": API_TOKEN, "gateway": true}),
    );
    let mut command = home.serve_command(&["serve", "--profile", "work"]);
    command
        .env("TRAY_API_URL", tray.rest_url())
        .env("TRAY_GRAPHQL_URL", tray.graphql_url())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_HEADLESS_URL", headless.url())
        .env("TRAY_HEADLESS_TEST_BEARER", BEARER);
    let mut server = McpProcess::start(command);
    server.initialize();

    // The gateway's prompts first, then the Headless MCP's, renamed with its prefix where a
    // name below took theirs.
    let list = server.request("prompts/list", json!({}));
    let names: Vec<&str> = list["result"]["prompts"]
        .as_array()
        .unwrap_or_else(|| panic!("no prompts: {list}"))
        .iter()
        .filter_map(|prompt| prompt["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "summarise_run",
            "simple",
            "gateway_simple",
            "headless_summarise_run",
            "headless_simple",
            "headless_2_simple"
        ],
        "{list}"
    );
    let prompts_got = |upstream: &FakeGateway| -> Vec<Value> {
        upstream
            .requests()
            .into_iter()
            .filter(|request| request.method.as_deref() == Some("prompts/get"))
            .map(|request| request.body["params"]["name"].clone())
            .collect()
    };
    let got = server.request("prompts/get", json!({"name": "headless_summarise_run"}));
    assert_eq!(got["result"]["description"], json!("prompt summarise_run"), "{got}");
    let got = server.request("prompts/get", json!({"name": "gateway_simple"}));
    assert_eq!(got["result"]["description"], json!("prompt simple"), "{got}");
    assert_eq!(prompts_got(&headless), [json!("summarise_run")]);
    assert_eq!(prompts_got(&gateway), [json!("simple")]);

    // Resources go to the top-most upstream that has them.
    let uri = "tray://workflows/wf-1/readme";
    let read = server.request("resources/read", json!({"uri": uri}));
    assert_eq!(read["result"]["contents"][0]["uri"], json!(uri), "{read}");
    assert_eq!(headless.count("resources/read"), 1);
    assert_eq!(gateway.count("resources/read"), 0);
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(
        !stderr.contains(BEARER) && !stderr.contains(API_TOKEN),
        "a token leaked"
    );
}

/// The Headless MCP sign-in `tray-mcp login work --headless` stores beside the gateway's (here
/// written as login writes it): `access` valid for an hour, a token endpoint nobody needs.
fn write_headless_sign_in(home: &FakeHome, resource: &str, access: &str) -> std::path::PathBuf {
    let path = home.home().join(".config/tray-mcp/oauth/work.headless.json");
    let sign_in = json!({
        "resource": resource,
        "metadata": {
            "issuer": "http://127.0.0.1:9",
            "authorization_endpoint": "http://127.0.0.1:9/authorize",
            "token_endpoint": "http://127.0.0.1:9/token",
        },
        "client_id": "tray-mcp-test-client",
        "credentials": {
            "client_id": "tray-mcp-test-client",
            "token_response": {"access_token": access, "token_type": "bearer", "expires_in": 3600},
            "granted_scopes": [],
            "token_received_at": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .expect("clock")
                .as_secs(),
            "issuer": "http://127.0.0.1:9",
        },
    });
    std::fs::create_dir_all(path.parent().expect("folder")).expect("oauth folder");
    std::fs::write(&path, serde_json::to_string_pretty(&sign_in).expect("json")).expect("write");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    path
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn a_headless_sign_in_connects_the_pass_through_with_its_oauth_bearer_and_logout_forgets_it() {
    let tools = support::test_tools();
    const ACCESS: &str = "oauth-headless-access-6a1f";
    // It accepts this access token alone: an answer proves the sign-in's bearer reached it.
    let headless = HeadlessServer::start(&tools, ACCESS);
    let tray = FakeTray::start(Behavior::Normal);
    let home = FakeHome::new();
    // An entry as install writes it (so doctor has something to check), with the profile's token.
    let installed = home
        .serve_command(&["-w", WORKSPACE, "-t", API_TOKEN, "-n", "work", "-c", "cursor"])
        .output()
        .expect("install");
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    home.write_profile(
        "work",
        &json!({"workspace_id": WORKSPACE, "region": "eu1", "api_token": API_TOKEN}),
    );
    let record = write_headless_sign_in(&home, &headless.url(), ACCESS);
    let mut command = home.serve_command(&["serve", "--profile", "work", "--log-level", "debug"]);
    command
        .env("TRAY_API_URL", tray.rest_url())
        .env("TRAY_GRAPHQL_URL", tray.graphql_url())
        .env("TRAY_HEADLESS_URL", headless.url())
        .env_remove("TRAY_HEADLESS_TEST_BEARER");
    let mut server = McpProcess::start(command);
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    let create = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .find(|tool| tool["name"] == "create_project")
        .cloned()
        .unwrap_or_else(|| panic!("create_project not listed: {listed}"));
    assert!(
        create["inputSchema"]["properties"].get("workspaceId").is_none(),
        "{create}"
    );
    let call = server.call_tool("create_project", json!({"name": "Demo"}));
    let text = call.text();
    let received: Value = serde_json::from_str(&text).unwrap_or_else(|_| panic!("{text}"));
    assert_eq!(
        received["arguments"],
        json!({"workspaceId": WORKSPACE, "name": "Demo", "description": ""})
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(
        !stderr.contains(ACCESS) && !stderr.contains(API_TOKEN),
        "a token leaked"
    );

    // doctor mentions the sign-in; logout forgets it (the API token entry keeps its token).
    let doctor = home.serve_command(&["doctor", "work"]).output().expect("doctor");
    let text = String::from_utf8_lossy(&doctor.stdout).to_string();
    assert!(
        text.contains("signed in to the Headless MCP") && !text.contains(ACCESS),
        "{text}"
    );
    let logout = home.serve_command(&["logout", "work"]).output().expect("logout");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&logout.stdout),
        String::from_utf8_lossy(&logout.stderr)
    );
    assert!(logout.status.success(), "{text}");
    assert!(
        text.contains("forgot the sign-in of work (Headless MCP)") && text.contains("tray-mcp login work --headless"),
        "{text}"
    );
    assert!(!text.contains(ACCESS), "{text}");
    assert!(!record.exists());
}
