//! `tray-mcp serve --gateway`: the Agent Gateway pass-through, driven through the real binary.
//!
//! Against a fake gateway on 127.0.0.1 (tests/serve_support/fake_gateway.rs): the merged list,
//! forwarded calls returned byte-for-byte (vendor fields, `_meta`, envelope fields), renamed
//! collisions, progress notifications on a POST's event stream, `list_changed` on the GET
//! stream, session headers, re-initialisation after a 404, DELETE on exit; and every failure
//! (401, 403, 503, a hang, a dropped stream, nothing listening) leaving the built-in tools
//! working, and a gateway that comes up after `serve` started being picked up. The built-in tools read a fake Tray API. Every server a test starts, it stops.

use crate::support;

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::FakeHome;
use support::fake_gateway::{self, FakeGateway, GatewayBehavior};
use support::fake_tray::{Behavior, FakeTray};
use support::serve::McpProcess;

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const TOKEN: &str = "tok_live_gw_5d4c3b2a1f0e";
const BUILTIN: [&str; 7] = [
    "explain_workflow_failure",
    "get_authenticated_user",
    "get_workflow_details",
    "list_available_connectors",
    "list_integration_solutions",
    "list_workflow_executions",
    "list_workflows",
];

/// `tray-mcp serve --workspace-id ... --gateway` against the fakes, initialised.
fn serve(home: &FakeHome, tray: &FakeTray, gateway_url: &str) -> McpProcess {
    serve_declaring(home, tray, gateway_url, json!({}))
}

/// [`serve`], with the client declaring these capabilities in `initialize`.
fn serve_declaring(home: &FakeHome, tray: &FakeTray, gateway_url: &str, capabilities: Value) -> McpProcess {
    let mut command = home.serve_command(&[
        "serve",
        "--workspace-id",
        WORKSPACE,
        "--gateway",
        "--log-level",
        "debug",
    ]);
    command
        .env("TRAY_API_TOKEN", TOKEN)
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway_url)
        .env("TRAY_GATEWAY_TIMEOUT_SECS", "1")
        .env("TRAY_GATEWAY_RETRY_SECS", "0.05");
    let mut server = McpProcess::start(command);
    let init = server.initialize_with(capabilities);
    let capabilities = &init["result"]["capabilities"];
    assert_eq!(
        capabilities["tools"]["listChanged"],
        json!(true),
        "listChanged must be advertised with --gateway: {init}"
    );
    // Prompts and resources are advertised before the gateway answers (it may add them later).
    assert_eq!(capabilities["prompts"], json!({"listChanged": true}), "{init}");
    assert_eq!(
        capabilities["resources"],
        json!({"listChanged": true, "subscribe": true}),
        "{init}"
    );
    server
}

fn tool_names(list: &Value) -> Vec<String> {
    list["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tools array: {list}"))
        .iter()
        .filter_map(|tool| tool["name"].as_str().map(str::to_string))
        .collect()
}

fn tool<'a>(list: &'a Value, name: &str) -> &'a Value {
    list["result"]["tools"]
        .as_array()
        .and_then(|tools| tools.iter().find(|tool| tool["name"] == json!(name)))
        .unwrap_or_else(|| panic!("no tool {name} in {list}"))
}

/// Waits for the next message with `method`, returning it (other messages are skipped).
fn wait_for_method(server: &mut McpProcess, method: &str) -> Value {
    let deadline = Instant::now() + support::serve::WAIT;
    while Instant::now() < deadline {
        let message = server.next_message();
        if message["method"] == json!(method) {
            return message;
        }
    }
    panic!("no {method} arrived");
}

fn builtin_still_answers(server: &mut McpProcess) {
    let user = server.call_tool("get_authenticated_user", json!({}));
    let text = user.expect_ok("get_authenticated_user with the gateway down");
    assert!(text.contains("Ada Lovelace"), "{text}");
}

fn forwarding_round_trip(sse: bool) {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse });
    let mut server = serve(&home, &tray, &gateway.url());

    // The merged list: built-in tools first, then the gateway's, with the colliding one renamed
    // and every vendor field of the gateway's tool objects intact.
    let list = server.request("tools/list", json!({}));
    let names = tool_names(&list);
    for name in BUILTIN {
        assert!(names.contains(&name.to_string()), "{name} missing: {names:?}");
    }
    for name in ["send_slack_message", "gateway_list_workflows", "drop_mid_stream"] {
        assert!(names.contains(&name.to_string()), "{name} missing: {names:?}");
    }
    assert_eq!(names.len(), BUILTIN.len() + 3, "{names:?}");
    let expected = fake_gateway::tools(false);
    assert_eq!(tool(&list, "send_slack_message"), &expected[0]);
    let mut renamed = expected[1].clone();
    renamed["name"] = json!("gateway_list_workflows");
    assert_eq!(tool(&list, "gateway_list_workflows"), &renamed);
    // The built-in list_workflows is still the built-in one.
    assert!(tool(&list, "list_workflows").get("outputSchema").is_some());

    // A forwarded call comes back exactly as the gateway sent it, envelope fields included.
    let arguments = json!({"channel": "#ops", "text": "héllo ✓"});
    let response = server.request(
        "tools/call",
        json!({"name": "send_slack_message", "arguments": arguments}),
    );
    assert_eq!(
        response["result"],
        fake_gateway::call_result("send_slack_message", &arguments)
    );
    assert_eq!(response["x-envelope-vendor"], json!(true), "{response}");
    let line = server.stdout_lines.last().cloned().unwrap_or_default();
    assert!(line.contains(r#""x-tray-vendor":{"billing":{"units":3}}"#), "{line}");

    // The renamed tool is forwarded under its own name; the built-in one stays built in.
    let renamed_call = server.call_tool("gateway_list_workflows", json!({}));
    assert_eq!(renamed_call.structured()["tool"], json!("list_workflows"));
    let builtin = server.call_tool("list_workflows", json!({}));
    assert!(
        builtin
            .expect_ok("built-in list_workflows")
            .contains("Stripe Financial Log")
    );

    // Progress notifications on the call's own stream reach the client, before the result.
    let id = 9001;
    server.send_line(
        &json!({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {
            "name": "send_slack_message", "arguments": {}, "_meta": {"progressToken": "p-1"}}})
        .to_string(),
    );
    let progress = server.next_message();
    assert_eq!(progress["method"], json!("notifications/progress"), "{progress}");
    assert_eq!(progress["params"]["progressToken"], json!("p-1"));
    assert_eq!(progress["params"]["x-tray-vendor"], json!("progress"));
    let result = server.next_message();
    assert_eq!(result["id"], json!(id), "{result}");

    // The gateway saw proper Streamable HTTP requests.
    let requests = gateway.requests();
    let posts: Vec<_> = requests.iter().filter(|request| request.verb == "POST").collect();
    assert_eq!(posts[0].method.as_deref(), Some("initialize"));
    assert_eq!(posts[0].header("mcp-session-id"), None);
    for request in &requests {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
    }
    for request in &posts {
        let accept = request.header("accept").unwrap_or_default();
        assert!(
            accept.contains("application/json") && accept.contains("text/event-stream"),
            "{accept}"
        );
    }
    for request in requests
        .iter()
        .filter(|request| request.method.as_deref() != Some("initialize"))
    {
        assert_eq!(request.header("mcp-session-id"), Some("fake-session-1"), "{request:?}");
        assert_eq!(
            request.header("mcp-protocol-version"),
            Some("2025-11-25"),
            "{request:?}"
        );
    }
    assert!(
        requests.iter().any(|request| request.verb == "GET"),
        "no GET stream was opened"
    );

    // Closing stdin ends the gateway session with DELETE; the token appears nowhere.
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    let deletes: Vec<_> = gateway
        .requests()
        .into_iter()
        .filter(|request| request.verb == "DELETE")
        .collect();
    assert_eq!(deletes.len(), 1, "expected one DELETE");
    assert_eq!(deletes[0].header("mcp-session-id"), Some("fake-session-1"));
    assert!(!stderr.contains(TOKEN), "the token leaked to stderr");
}

#[test]
fn gateway_tools_are_merged_and_forwarded_unchanged_over_json_responses() {
    forwarding_round_trip(false);
}

#[test]
fn gateway_tools_are_merged_and_forwarded_unchanged_over_sse_responses() {
    forwarding_round_trip(true);
}

#[test]
fn list_changed_on_the_get_stream_reaches_the_client_and_refreshes_the_list() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: true });
    let mut server = serve(&home, &tray, &gateway.url());
    let before = tool_names(&server.request("tools/list", json!({})));
    assert!(!before.contains(&"added_later".to_string()));

    let deadline = Instant::now() + support::serve::WAIT;
    while gateway.open_streams() == 0 {
        assert!(Instant::now() < deadline, "the GET stream never opened");
        std::thread::sleep(Duration::from_millis(20));
    }
    gateway.add_tool_and_notify();
    let notification = wait_for_method(&mut server, "notifications/tools/list_changed");
    assert_eq!(
        notification,
        json!({"jsonrpc": "2.0", "method": "notifications/tools/list_changed"})
    );
    let after = tool_names(&server.request("tools/list", json!({})));
    assert!(after.contains(&"added_later".to_string()), "{after:?}");
    let call = server.call_tool("added_later", json!({"x": 1}));
    assert_eq!(call.structured()["tool"], json!("added_later"));
    let (status, _) = server.finish();
    assert!(status.success());
}

#[test]
fn an_expired_session_is_initialised_again_and_the_call_goes_through() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let mut server = serve(&home, &tray, &gateway.url());
    server.request("tools/list", json!({}));
    gateway.expire_sessions();
    let call = server.call_tool("send_slack_message", json!({"channel": "#a", "text": "b"}));
    assert_eq!(call.structured()["tool"], json!("send_slack_message"), "{:?}", call.0);
    assert_eq!(gateway.count("initialize"), 2, "expected exactly one re-initialisation");
    let last = gateway
        .requests()
        .into_iter()
        .rev()
        .find(|request| request.method.as_deref() == Some("tools/call"));
    assert_eq!(
        last.and_then(|request| request.header("mcp-session-id").map(str::to_string))
            .as_deref(),
        Some("fake-session-2")
    );
    let (status, _) = server.finish();
    assert!(status.success());
}

#[test]
fn a_stream_dropped_mid_call_is_a_tool_error_and_everything_else_keeps_working() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: true });
    let mut server = serve(&home, &tray, &gateway.url());
    server.request("tools/list", json!({}));
    let dropped = server.call_tool("drop_mid_stream", json!({}));
    let text = dropped.expect_error("drop_mid_stream");
    assert!(
        text.contains("drop_mid_stream") && text.contains("What to do"),
        "{text}"
    );
    builtin_still_answers(&mut server);
    let call = server.call_tool("send_slack_message", json!({}));
    assert_eq!(call.structured()["tool"], json!("send_slack_message"));
    let (status, _) = server.finish();
    assert!(status.success());
}

/// A gateway that fails: the built-in tools are listed and answer; a gateway tool's call is a
/// tool error with the reason and what to do; stderr says it once.
fn failing_gateway(url: &str, reason: &str) {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let started = Instant::now();
    let mut server = serve(&home, &tray, url);
    builtin_still_answers(&mut server);
    let list = server.request("tools/list", json!({}));
    let mut names = tool_names(&list);
    names.sort();
    assert_eq!(names, BUILTIN, "only the built-in tools are listed");
    let call = server.call_tool("send_slack_message", json!({}));
    let text = call.expect_error("a gateway tool with the gateway down");
    assert!(text.contains(reason), "{reason:?} not in {text}");
    assert!(text.contains("What to do") && text.contains("built-in"), "{text}");
    // No prompts or resources (the built-in server has none); reading one says why.
    let prompts = server.request("prompts/list", json!({}));
    assert_eq!(prompts["result"], json!({"prompts": []}), "{prompts}");
    let resources = server.request("resources/list", json!({}));
    assert_eq!(resources["result"], json!({"resources": []}), "{resources}");
    let read = server.request("resources/read", json!({"uri": "tray://workflows/wf-1/readme"}));
    let message = read["error"]["message"].as_str().unwrap_or_default();
    assert_eq!(read["error"]["code"], json!(-32603), "{read}");
    assert!(message.contains(reason) && message.contains("What to do"), "{read}");
    builtin_still_answers(&mut server);
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(stderr.matches("Agent Gateway unavailable").count(), 1, "{stderr}");
    assert!(stderr.contains(reason), "{stderr}");
    assert!(!stderr.contains(TOKEN), "the token leaked to stderr");
}

#[test]
fn a_401_gateway_leaves_the_built_in_tools_working() {
    let gateway = FakeGateway::start(GatewayBehavior::Status(401));
    failing_gateway(&gateway.url(), "401");
    assert_eq!(gateway.count("initialize"), 1, "401 is not retried");
}

#[test]
fn a_403_gateway_leaves_the_built_in_tools_working() {
    let gateway = FakeGateway::start(GatewayBehavior::Status(403));
    failing_gateway(&gateway.url(), "not enabled on this organization's plan");
    assert_eq!(gateway.count("initialize"), 1, "403 is not retried");
}

#[test]
fn a_403_at_the_first_connection_is_not_retried_in_the_background() {
    let gateway = FakeGateway::start(GatewayBehavior::Status(403));
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let mut server = serve(&home, &tray, &gateway.url());
    let mut names = tool_names(&server.request("tools/list", json!({})));
    names.sort();
    assert_eq!(names, BUILTIN);
    // With retries every 50 ms doubling, an unreachable gateway would be asked 4 more times.
    std::thread::sleep(Duration::from_millis(1500));
    builtin_still_answers(&mut server);
    assert_eq!(
        gateway.count("initialize"),
        1,
        "a 403 is final: {:?}",
        gateway.requests()
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("retrying in the background"), "{stderr}");
}

#[test]
fn a_gateway_that_comes_up_later_adds_its_tools_and_says_list_changed() {
    // A port that was free a moment ago: nothing listens there until the fake starts.
    let port = free_port();
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let mut server = serve(&home, &tray, &format!("http://127.0.0.1:{port}/mcp"));
    let mut names = tool_names(&server.request("tools/list", json!({})));
    names.sort();
    assert_eq!(
        names, BUILTIN,
        "only the built-in tools while the gateway is unreachable"
    );
    let call = server.call_tool("send_slack_message", json!({}));
    let text = call.expect_error("a gateway tool while the gateway is unreachable");
    assert!(text.contains("could not reach the Agent Gateway"), "{text}");
    builtin_still_answers(&mut server);
    let prompts = server.request("prompts/list", json!({}));
    assert_eq!(prompts["result"]["prompts"], json!([]), "{prompts}");

    let gateway = FakeGateway::start_offering_prompts_and_resources(GatewayBehavior::Mcp { sse: false }, port);
    let mut changed = Vec::new();
    while changed.len() < 3 {
        let message = server.next_message();
        if let Some(method) = message["method"].as_str() {
            changed.push(method.to_string());
        }
    }
    assert_eq!(
        changed,
        [
            "notifications/tools/list_changed",
            "notifications/prompts/list_changed",
            "notifications/resources/list_changed"
        ],
        "each list the client saw without the gateway is said to have changed"
    );
    let prompts = server.request("prompts/list", json!({}));
    assert_eq!(
        prompts["result"]["prompts"][0]["name"],
        json!("summarise_run"),
        "{prompts}"
    );
    let list = server.request("tools/list", json!({}));
    let names = tool_names(&list);
    for builtin in BUILTIN {
        assert!(names.contains(&builtin.to_string()), "{builtin} missing: {names:?}");
    }
    assert!(names.contains(&"send_slack_message".to_string()), "{names:?}");
    assert!(names.contains(&"gateway_list_workflows".to_string()), "{names:?}");
    let call = server.call_tool("send_slack_message", json!({"channel": "#ops", "text": "hi"}));
    call.expect_ok("a gateway tool once the gateway answers");
    assert_eq!(gateway.count("initialize"), 1, "one session once it answered");
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(
        stderr.matches("Agent Gateway unavailable").count(),
        1,
        "one line when it went unreachable, not one per retry: {stderr}"
    );
    assert!(stderr.contains("retrying in the background"), "{stderr}");
    assert_eq!(stderr.matches("Agent Gateway connected").count(), 1, "{stderr}");
    assert!(!stderr.contains(TOKEN), "the token leaked to stderr");
}

#[test]
fn a_503_gateway_is_retried_a_bounded_number_of_times() {
    let gateway = FakeGateway::start(GatewayBehavior::Status(503));
    failing_gateway(&gateway.url(), "503");
    assert_eq!(gateway.count("initialize"), 3, "three attempts in total");
}

#[test]
fn a_hanging_gateway_leaves_the_built_in_tools_working() {
    let gateway = FakeGateway::start(GatewayBehavior::Hang);
    failing_gateway(&gateway.url(), "did not answer within 1 s");
}

#[test]
fn a_gateway_that_drops_the_stream_leaves_the_built_in_tools_working() {
    let gateway = FakeGateway::start(GatewayBehavior::DropMidStream);
    failing_gateway(&gateway.url(), "ended before the response");
}

#[test]
fn an_unreachable_gateway_leaves_the_built_in_tools_working() {
    // A port that was free a moment ago: nothing listens there.
    let port = free_port();
    failing_gateway(
        &format!("http://127.0.0.1:{port}/mcp"),
        "could not reach the Agent Gateway",
    );
}

/// A port of 127.0.0.1 that was free a moment ago.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port()
}

#[test]
fn the_sandbox_refuses_the_gateway_with_a_hint() {
    let home = FakeHome::new();
    home.write_profile("demo", &json!({"sandbox": true, "gateway": true}));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = home.home().join(".config/tray-mcp/profiles/demo.json");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let output = home
        .serve_command(&["serve", "--profile", "demo"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("sandbox has no Agent Gateway") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn a_profile_with_the_gateway_on_serves_its_tools() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    home.write_profile(
        "work",
        &json!({"workspace_id": WORKSPACE, "region": "us1", "api_token": TOKEN, "gateway": true}),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = home.home().join(".config/tray-mcp/profiles/work.json");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let mut command = home.serve_command(&["serve", "--profile", "work"]);
    command
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url());
    let mut server = McpProcess::start(command);
    server.initialize();
    let names = tool_names(&server.request("tools/list", json!({})));
    assert!(names.contains(&"send_slack_message".to_string()), "{names:?}");
    let (status, _) = server.finish();
    assert!(status.success());
}

#[test]
fn get_authenticated_user_explains_a_gateway_that_is_not_enabled() {
    for status in [403, 404] {
        let gateway = FakeGateway::start(GatewayBehavior::Status(status));
        let home = FakeHome::new();
        let tray = FakeTray::start(Behavior::Normal);
        let mut server = serve(&home, &tray, &gateway.url());
        // tools/list waits for the gateway to answer.
        tool_names(&server.request("tools/list", json!({})));
        let text = server
            .call_tool("get_authenticated_user", json!({}))
            .expect_ok("get_authenticated_user with the gateway refusing");
        assert!(
            text.contains("Agent Gateway tools are not listed (unavailable)")
                && text.contains(&format!("HTTP {status}"))
                && text.contains("The built-in tools work without them")
                && text.contains("hint: ")
                && text.contains("--no-gateway"),
            "{status}: {text}"
        );
        let (exit, stderr) = server.finish();
        assert!(exit.success(), "{stderr}");
        assert_eq!(stderr.matches("Agent Gateway unavailable").count(), 1, "{stderr}");
    }
}

#[test]
fn get_authenticated_user_counts_the_gateway_tools_or_says_the_gateway_is_off() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let mut server = serve(&home, &tray, &gateway.url());
    tool_names(&server.request("tools/list", json!({})));
    let text = server
        .call_tool("get_authenticated_user", json!({}))
        .expect_ok("get_authenticated_user with the gateway up");
    assert!(
        text.contains("Agent Gateway: connected, 3 Workflow and Connector Tools listed"),
        "{text}"
    );
    server.finish();

    let mut command = home.serve_command(&["serve", "--workspace-id", WORKSPACE]);
    command.env("TRAY_API_TOKEN", TOKEN).envs(tray.api_variables());
    let mut server = McpProcess::start(command);
    server.initialize();
    let text = server
        .call_tool("get_authenticated_user", json!({}))
        .expect_ok("get_authenticated_user without the gateway");
    assert!(
        text.contains("Agent Gateway tools are not listed (off)") && text.contains("--gateway"),
        "{text}"
    );
    server.finish();
}

fn prompt_names(list: &Value) -> Vec<String> {
    list["result"]["prompts"]
        .as_array()
        .unwrap_or_else(|| panic!("no prompts array: {list}"))
        .iter()
        .filter_map(|prompt| prompt["name"].as_str().map(str::to_string))
        .collect()
}

/// Waits until `serve` opened its GET stream to the gateway.
fn wait_for_get_stream(gateway: &FakeGateway) {
    let deadline = Instant::now() + support::serve::WAIT;
    while gateway.open_streams() == 0 {
        assert!(Instant::now() < deadline, "the GET stream never opened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The `resources/subscribe` requests the gateway received, in order, with their session.
fn subscribes(gateway: &FakeGateway) -> Vec<(Value, Option<String>)> {
    gateway
        .requests()
        .into_iter()
        .filter(|request| request.method.as_deref() == Some("resources/subscribe"))
        .map(|request| {
            let session = request.header("mcp-session-id").map(str::to_string);
            (request.body["params"]["uri"].clone(), session)
        })
        .collect()
}

#[test]
fn a_completion_for_a_gateway_without_completions_is_empty_and_never_sent_to_it() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start_offering_prompts_and_resources(GatewayBehavior::Mcp { sse: false }, 0);
    let mut server = serve(&home, &tray, &gateway.url());
    server.request("prompts/list", json!({}));
    // As the built-in server (rmcp) answers when it has no suggestions.
    let empty = json!({"completion": {"values": []}});
    for reference in [
        json!({"type": "ref/prompt", "name": "summarise_run"}),
        json!({"type": "ref/resource", "uri": "tray://workflows/{id}/readme"}),
        json!({"type": "ref/prompt", "name": "no_such_prompt"}),
    ] {
        let completed = server.request(
            "completion/complete",
            json!({"ref": reference, "argument": {"name": "run_id", "value": "ex"}}),
        );
        assert_eq!(completed["result"], empty, "{completed}");
    }
    assert_eq!(gateway.count("completion/complete"), 0);
    let (status, _) = server.finish();
    assert!(status.success());
}

#[test]
fn subscriptions_are_renewed_when_the_gateway_session_expires_and_unsubscribed_ones_are_not() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start_offering_prompts_and_resources(GatewayBehavior::Mcp { sse: false }, 0);
    let mut server = serve(&home, &tray, &gateway.url());
    let kept = "tray://workflows/wf-1/readme";
    let dropped = "tray://workflows/wf-2/readme";
    for uri in [kept, dropped] {
        let subscribed = server.request("resources/subscribe", json!({"uri": uri}));
        assert_eq!(subscribed["result"], json!({}), "{subscribed}");
    }
    let unsubscribed = server.request("resources/unsubscribe", json!({"uri": dropped}));
    assert_eq!(unsubscribed["result"], json!({}), "{unsubscribed}");

    // The session expires; the next request opens a new one, which subscribes to what the
    // client still follows, once.
    gateway.expire_sessions();
    let call = server.call_tool("send_slack_message", json!({"channel": "#a", "text": "b"}));
    assert_eq!(call.structured()["tool"], json!("send_slack_message"), "{:?}", call.0);
    let deadline = Instant::now() + support::serve::WAIT;
    while subscribes(&gateway).len() < 3 {
        assert!(
            Instant::now() < deadline,
            "no subscription after the expiry: {:?}",
            subscribes(&gateway)
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(200));
    let renewed: Vec<_> = subscribes(&gateway).into_iter().skip(2).collect();
    assert_eq!(renewed, [(json!(kept), Some("fake-session-2".to_string()))]);
    let (status, _) = server.finish();
    assert!(status.success());
}

#[test]
fn gateway_prompts_and_resources_are_passed_through_unchanged() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start_offering_prompts_and_resources(GatewayBehavior::Mcp { sse: true }, 0);
    let mut server = serve(&home, &tray, &gateway.url());

    // prompts/list: the gateway's prompt objects as sent, a repeated name renamed as tools are.
    let list = server.request("prompts/list", json!({}));
    let mut expected = fake_gateway::prompts();
    expected[2]["name"] = json!("gateway_simple");
    assert_eq!(list["result"], json!({"prompts": expected}), "{list}");

    // prompts/get: the result and the envelope as the gateway sent them; the renamed prompt
    // reaches the gateway under its own name; an unknown one is -32602.
    let arguments = json!({"run_id": "exec-42 ✓"});
    let got = server.request("prompts/get", json!({"name": "summarise_run", "arguments": arguments}));
    assert_eq!(
        got["result"],
        fake_gateway::prompt_result("summarise_run", &arguments),
        "{got}"
    );
    assert_eq!(got["x-envelope-vendor"], json!(true), "{got}");
    let renamed = server.request("prompts/get", json!({"name": "gateway_simple"}));
    assert_eq!(renamed["result"]["description"], json!("prompt simple"), "{renamed}");
    let unknown = server.request("prompts/get", json!({"name": "no_such_prompt"}));
    assert_eq!(unknown["error"]["code"], json!(-32602), "{unknown}");

    // resources/list is forwarded as asked: both pages, cursor and vendor fields intact.
    let first = server.request("resources/list", json!({}));
    assert_eq!(first["result"], fake_gateway::resources_page(None), "{first}");
    let second = server.request("resources/list", json!({"cursor": "page-2"}));
    assert_eq!(
        second["result"],
        fake_gateway::resources_page(Some("page-2")),
        "{second}"
    );
    let templates = server.request("resources/templates/list", json!({}));
    assert_eq!(templates["result"], fake_gateway::resource_templates(), "{templates}");
    let uri = "tray://workflows/wf-1/readme";
    let read = server.request("resources/read", json!({"uri": uri}));
    assert_eq!(read["result"], fake_gateway::read_result(uri), "{read}");
    assert_eq!(read["x-envelope-vendor"], json!(true), "{read}");
    let subscribed = server.request("resources/subscribe", json!({"uri": uri}));
    assert_eq!(subscribed["result"], json!({}), "{subscribed}");
    let unsubscribed = server.request("resources/unsubscribe", json!({"uri": uri}));
    assert_eq!(unsubscribed["result"], json!({}), "{unsubscribed}");
    let subscriptions: Vec<Value> = gateway
        .requests()
        .into_iter()
        .filter(|request| {
            request
                .method
                .as_deref()
                .is_some_and(|method| method.contains("subscribe"))
        })
        .map(|request| json!([request.body["method"], request.body["params"]]))
        .collect();
    assert_eq!(
        subscriptions,
        [
            json!(["resources/subscribe", {"uri": uri}]),
            json!(["resources/unsubscribe", {"uri": uri}])
        ]
    );

    // What the gateway says on its GET stream reaches the client unchanged; a prompt
    // list_changed also refreshes the prompt list first.
    wait_for_get_stream(&gateway);
    let updated = json!({"jsonrpc": "2.0", "method": "notifications/resources/updated", "params": {"uri": uri, "x-tray-vendor": 1}});
    gateway.send_on_streams(&updated);
    assert_eq!(wait_for_method(&mut server, "notifications/resources/updated"), updated);
    let resources_changed = json!({"jsonrpc": "2.0", "method": "notifications/resources/list_changed"});
    gateway.send_on_streams(&resources_changed);
    assert_eq!(
        wait_for_method(&mut server, "notifications/resources/list_changed"),
        resources_changed
    );
    let listed_before = gateway.count("prompts/list");
    gateway.send_on_streams(&json!({"jsonrpc": "2.0", "method": "notifications/prompts/list_changed"}));
    wait_for_method(&mut server, "notifications/prompts/list_changed");
    assert_eq!(
        gateway.count("prompts/list"),
        listed_before + 1,
        "the prompts were listed again"
    );

    builtin_still_answers(&mut server);
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains(TOKEN), "the token leaked to stderr");
}

#[test]
fn a_gateway_without_prompts_or_resources_gets_none_of_their_requests() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let mut server = serve(&home, &tray, &gateway.url());
    let prompts = server.request("prompts/list", json!({}));
    assert_eq!(prompt_names(&prompts), Vec::<String>::new());
    let resources = server.request("resources/list", json!({}));
    assert_eq!(resources["result"], json!({"resources": []}), "{resources}");
    let templates = server.request("resources/templates/list", json!({}));
    assert_eq!(templates["result"], json!({"resourceTemplates": []}), "{templates}");
    let read = server.request("resources/read", json!({"uri": "tray://x"}));
    assert_eq!(read["error"]["code"], json!(-32002), "{read}");
    let subscribe = server.request("resources/subscribe", json!({"uri": "tray://x"}));
    assert_eq!(subscribe["error"]["code"], json!(-32601), "{subscribe}");
    let get = server.request("prompts/get", json!({"name": "summarise_run"}));
    assert_eq!(get["error"]["code"], json!(-32602), "{get}");
    for method in [
        "prompts/list",
        "prompts/get",
        "resources/list",
        "resources/templates/list",
        "resources/read",
        "resources/subscribe",
    ] {
        assert_eq!(
            gateway.count(method),
            0,
            "{method} reached a gateway that declared no such thing"
        );
    }
    // The gateway's tools still work beside them.
    let call = server.call_tool("send_slack_message", json!({"channel": "#ops", "text": "hi"}));
    call.expect_ok("a gateway tool");
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
}

/// Polls until `found` returns something (panics after the usual wait).
fn eventually<T>(what: &str, mut found: impl FnMut() -> Option<T>) -> T {
    let deadline = Instant::now() + support::serve::WAIT;
    loop {
        if let Some(value) = found() {
            return value;
        }
        assert!(Instant::now() < deadline, "{what} never happened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The first message `serve` sent the client with this `method` (panics if none).
fn sent_with_method(server: &mut McpProcess, method: &str) -> Value {
    wait_for_method(server, method)
}

#[test]
fn a_gateway_request_the_client_did_not_declare_is_refused_and_a_declared_one_round_trips() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: true });
    let mut server = serve_declaring(&home, &tray, &gateway.url(), json!({"roots": {"listChanged": true}}));
    wait_for_get_stream(&gateway);
    // The gateway was told only what the client declared.
    let initialize = gateway
        .requests()
        .into_iter()
        .find(|request| request.method.as_deref() == Some("initialize"))
        .expect("initialize");
    assert_eq!(
        initialize.body["params"]["capabilities"],
        json!({"roots": {"listChanged": true}})
    );

    // sampling/createMessage: not declared, so refused with -32601, and the client never sees it.
    gateway.send_on_streams(
        &json!({"jsonrpc": "2.0", "id": "gw-sampling-1", "method": "sampling/createMessage", "params": {
        "messages": [{"role": "user", "content": {"type": "text", "text": "hi"}}], "maxTokens": 5}}),
    );
    let refusal = eventually("the refusal reaching the gateway", || {
        gateway.responses_to(&json!("gw-sampling-1")).into_iter().next()
    });
    assert_eq!(refusal["error"]["code"], json!(-32601), "{refusal}");
    let message = refusal["error"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("sampling capability"), "{refusal}");
    assert!(refusal.get("result").is_none(), "{refusal}");

    // roots/list: declared, so the client gets it under an ID of tray-mcp's, and its answer
    // reaches the gateway under the gateway's ID, unchanged.
    gateway.send_on_streams(
        &json!({"jsonrpc": "2.0", "id": "gw-roots-1", "method": "roots/list", "params": {"_meta": {"x": 1}}}),
    );
    let request = sent_with_method(&mut server, "roots/list");
    assert_eq!(request["params"], json!({"_meta": {"x": 1}}), "{request}");
    let forwarded_id = request["id"].clone();
    assert_ne!(forwarded_id, json!("gw-roots-1"));
    let roots = json!({"roots": [{"uri": "file:///home/ada/tray", "name": "tray ✓", "x-client-vendor": true}]});
    server.send_line(&json!({"jsonrpc": "2.0", "id": forwarded_id, "result": roots}).to_string());
    let answer = eventually("the roots answer reaching the gateway", || {
        gateway.responses_to(&json!("gw-roots-1")).into_iter().next()
    });
    assert_eq!(answer["result"], roots, "{answer}");
    assert!(
        !server
            .stdout_lines
            .iter()
            .any(|line| line.contains("sampling/createMessage")),
        "the undeclared request reached the client"
    );
    builtin_still_answers(&mut server);
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
}

#[test]
fn notifications_cancelled_pass_both_ways_under_each_side_s_request_id() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: true });
    let mut server = serve_declaring(&home, &tray, &gateway.url(), json!({"roots": {}}));
    wait_for_get_stream(&gateway);

    // Client → gateway: the client cancels a forwarded call that has not answered; the gateway
    // is told under its own request ID, with the reason, and the client gets no answer.
    server.send_line(
        &json!({"jsonrpc": "2.0", "id": 4242, "method": "tools/call", "params": {
            "name": "send_slack_message", "arguments": {"channel": "#ops", "text": "hang"}}})
        .to_string(),
    );
    let gateway_id = eventually("the call reaching the gateway", || {
        gateway
            .requests()
            .into_iter()
            .find(|request| request.body.pointer("/params/arguments/text") == Some(&json!("hang")))
            .map(|request| request.body["id"].clone())
    });
    assert_ne!(gateway_id, json!(4242));
    server.send_line(
        &json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": 4242, "reason": "user pressed stop"}})
            .to_string(),
    );
    let cancelled = eventually("the cancellation reaching the gateway", || {
        gateway
            .requests()
            .into_iter()
            .find(|request| request.method.as_deref() == Some("notifications/cancelled"))
    });
    assert_eq!(
        cancelled.body["params"],
        json!({"requestId": gateway_id, "reason": "user pressed stop"})
    );
    builtin_still_answers(&mut server);
    assert!(
        !server.stdout_lines.iter().any(|line| line.contains(r#""id":4242"#)),
        "a cancelled call was answered: {:?}",
        server.stdout_lines
    );

    // Gateway → client: the gateway cancels a request it forwarded; the client is told under
    // the ID it saw, and its late answer does not reach the gateway.
    gateway.send_on_streams(&json!({"jsonrpc": "2.0", "id": "gw-roots-9", "method": "roots/list"}));
    let request = sent_with_method(&mut server, "roots/list");
    let forwarded_id = request["id"].clone();
    gateway.send_on_streams(&json!({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": "gw-roots-9", "reason": "took too long"}}));
    let told = sent_with_method(&mut server, "notifications/cancelled");
    assert_eq!(
        told["params"],
        json!({"requestId": forwarded_id, "reason": "took too long"}),
        "{told}"
    );
    server.send_line(&json!({"jsonrpc": "2.0", "id": forwarded_id, "result": {"roots": []}}).to_string());
    builtin_still_answers(&mut server);
    std::thread::sleep(Duration::from_millis(200));
    assert!(
        gateway.responses_to(&json!("gw-roots-9")).is_empty(),
        "a cancelled request's late answer reached the gateway"
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
}
