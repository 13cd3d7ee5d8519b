//! Choosing an entry's tools (issue 26): `install --tools` / `--exclude-tools` stored in the
//! profile, `serve` listing and answering only the tools that pass (built-in and Agent Gateway
//! alike, before and after the gateway's list changes, driven by the official Python SDK from
//! the entry the installer wrote), a filtered-out call being a tool error, bad patterns and
//! entries without a profile refused with files untouched, and the manifest round-tripping
//! `tools` / `exclude_tools` through `apply` and `export`.

use crate::support;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fake_gateway::FakeGateway;
use support::fake_tray::{Behavior, FakeTray};
use support::{FakeHome, TOKEN, WORKSPACE, outputs};

/// The built-in tools `list_*` matches.
const BUILTIN_LIST: [&str; 4] = [
    "list_available_connectors",
    "list_integration_solutions",
    "list_workflow_executions",
    "list_workflows",
];

fn profile(home: &FakeHome, name: &str) -> Value {
    serde_json::from_str(&home.read(&format!(".config/tray-mcp/profiles/{name}.json"))).expect("profile JSON")
}

fn sorted(names: &[&str]) -> Vec<String> {
    let mut names: Vec<String> = names.iter().map(ToString::to_string).collect();
    names.sort();
    names
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn an_entry_installed_with_tools_serves_exactly_the_matching_tools_to_the_python_sdk() {
    let tools = support::test_tools();
    let home = FakeHome::new();
    home.install(&["-c", "claude-code", "--tools", "list_*,echo", "--no-verify"])
        .success();
    let stored = profile(&home, "tray-workspace");
    assert_eq!(stored["tools"], json!(["list_*", "echo"]), "{stored}");
    assert_eq!(stored["gateway"], json!(true), "{stored}");
    let entry =
        serde_json::from_str::<Value>(&home.read(".claude.json")).expect("claude.json")["mcpServers"]["tray-workspace"]
            .clone();
    let command = entry["command"].as_str().expect("command").to_string();
    let args: Vec<String> = entry["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|arg| arg.as_str().expect("arg").to_string())
        .collect();
    assert!(
        !entry.to_string().contains("list_*"),
        "the client's entry does not change: {entry}"
    );

    let tray = FakeTray::start(Behavior::Normal);
    let echo = json!({"name": "echo", "description": "Echoes.", "inputSchema": {"type": "object"}});
    let gateway = FakeGateway::start_listing(true, vec![echo]);
    let marker = home.path("listed.marker");
    let mut python = Command::new(tools.join("venv/bin/python"));
    python
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/tools_client.py"))
        .arg(&marker)
        .arg(&command)
        .args(&args)
        .current_dir(home.project())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("TRAY_MCP_TOKEN_STORE", "file")
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_GATEWAY_TIMEOUT_SECS", "5")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = python.spawn().expect("run the python client");
    // Once the client listed (and the gateway's GET stream is open), the gateway's list changes.
    let deadline = Instant::now() + support::serve::WAIT;
    while !(marker.exists() && gateway.open_streams() > 0) {
        assert!(
            Instant::now() < deadline,
            "the client never listed, or no GET stream opened"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let added =
        json!({"name": "list_added_later", "description": "Matches list_*.", "inputSchema": {"type": "object"}});
    gateway.add_tools_and_notify(vec![added]);
    let output = child.wait_with_output().expect("python client");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr),
    );
    assert!(
        output.status.success(),
        "python client failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN), "the token leaked");
    let report: Value = serde_json::from_str(&stdout).expect("JSON report");

    let mut before: Vec<&str> = BUILTIN_LIST.to_vec();
    before.push("echo");
    assert_eq!(report["before"], json!(sorted(&before)), "{report}");
    let mut after = before.clone();
    after.push("list_added_later");
    assert_eq!(report["after"], json!(sorted(&after)), "{report}");

    assert_eq!(report["echo"]["is_error"], json!(false), "{report}");
    assert!(
        report["echo"]["text"].as_str().unwrap().contains("called echo"),
        "{report}"
    );
    assert_eq!(report["list_workflows"]["is_error"], json!(false), "{report}");
    assert_eq!(report["added_allowed"]["is_error"], json!(false), "{report}");
    for refused in ["filtered_out", "filtered_builtin", "added_filtered_out"] {
        assert_eq!(report[refused]["is_error"], json!(true), "{refused}: {report}");
        let text = report[refused]["text"].as_str().unwrap();
        assert!(text.contains("is not served"), "{refused}: {text}");
        assert!(text.contains("--tools 'list_*,echo'"), "{refused}: {text}");
        assert!(
            text.contains("tray-mcp install --name tray-workspace"),
            "{refused}: {text}"
        );
    }
    // Refused calls never reached the gateway; allowed ones did.
    let called: Vec<String> = gateway
        .requests()
        .iter()
        .filter(|request| request.method.as_deref() == Some("tools/call"))
        .filter_map(|request| {
            request
                .body
                .pointer("/params/name")
                .and_then(Value::as_str)
                .map(str::to_string)
        })
        .collect();
    assert_eq!(called, ["echo", "list_added_later"], "{called:?}");
}

#[test]
fn a_profile_filter_applies_to_the_built_in_tools_alone() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    home.write_profile(
        "work",
        &json!({"workspace_id": WORKSPACE, "api_token": TOKEN, "tools": ["list_*", "get_*"], "exclude_tools": ["list_workflow_*", "get_workflow_details"]}),
    );
    let mut command = home.serve_command(&["serve", "--profile", "work"]);
    command.envs(tray.api_variables());
    let mut server = support::serve::McpProcess::start(command);
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    let mut names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "get_authenticated_user",
            "list_available_connectors",
            "list_integration_solutions",
            "list_workflows"
        ]
    );
    let refused = server.request(
        "tools/call",
        json!({"name": "list_workflow_executions", "arguments": {"workflow": "wf-1"}}),
    );
    assert_eq!(refused["result"]["isError"], json!(true), "{refused}");
    let text = refused["result"]["content"][0]["text"].as_str().unwrap();
    assert!(text.contains("\"list_workflow_executions\" is not served"), "{text}");
    assert!(
        text.contains("--tools 'list_*,get_*' --exclude-tools 'list_workflow_*,get_workflow_details'"),
        "{text}"
    );
    let allowed = server.request("tools/call", json!({"name": "list_workflows", "arguments": {}}));
    assert_eq!(allowed["result"]["isError"], json!(false), "{allowed}");
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains(TOKEN));
}

#[test]
fn bad_patterns_and_entries_without_a_profile_are_refused_and_nothing_is_written() {
    let home = FakeHome::new();
    let before = home.snapshot_files();
    let empty = home.install(&["-c", "cursor", "--tools", "list_*,,echo"]).failure();
    let (_, stderr) = outputs(&empty);
    assert!(stderr.contains("--tools: pattern 2 is empty"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    let http = home
        .install(&["-c", "cursor", "--transport", "http", "--exclude-tools", "send_*"])
        .failure();
    let (_, stderr) = outputs(&http);
    assert!(stderr.contains("--transport http entry"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    assert_eq!(home.snapshot_files(), before, "a refused install wrote files");
}

#[test]
fn a_reinstall_keeps_the_filter_and_star_serves_every_tool_again() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--exclude-tools", "send_*", "--no-verify"])
        .success();
    assert_eq!(profile(&home, "tray-workspace")["exclude_tools"], json!(["send_*"]));
    home.install(&["-c", "cursor", "--no-verify", "-y"]).success();
    assert_eq!(profile(&home, "tray-workspace")["exclude_tools"], json!(["send_*"]));
    home.install(&["-c", "cursor", "--tools", "*", "--no-verify", "-y"])
        .success();
    let stored = profile(&home, "tray-workspace");
    assert!(
        stored.get("tools").is_none() && stored.get("exclude_tools").is_none(),
        "{stored}"
    );
}

#[test]
fn the_manifest_round_trips_tools_through_apply_and_export() {
    let home = FakeHome::new();
    home.write(
        "project/tray-mcp.toml",
        format!(
            "[servers.tray-work]\nworkspace = \"{WORKSPACE}\"\nclients = [\"cursor\"]\ntoken = {{ env = \"WORK_TOKEN\" }}\ntools = [\"list_*\", \"echo\"]\nexclude_tools = [\"list_workflow_*\"]\n"
        ),
    );
    home.command()
        .args(["apply", "--no-verify"])
        .env("WORK_TOKEN", TOKEN)
        .assert()
        .success();
    let stored = profile(&home, "tray-work");
    assert_eq!(stored["tools"], json!(["list_*", "echo"]), "{stored}");
    assert_eq!(stored["exclude_tools"], json!(["list_workflow_*"]), "{stored}");
    let exported = outputs(&home.command().arg("export").assert().success()).0;
    assert!(exported.contains("tools = [\"list_*\", \"echo\"]\n"), "{exported}");
    assert!(
        exported.contains("exclude_tools = [\"list_workflow_*\"]\n"),
        "{exported}"
    );
    let json_export: Value =
        serde_json::from_str(&outputs(&home.command().args(["export", "--json"]).assert().success()).0).expect("json");
    assert_eq!(json_export["servers"]["tray-work"]["tools"], json!(["list_*", "echo"]));

    // A manifest that says the tools for an entry that does not run `serve` is refused, at its line.
    home.write(
        "project/tray-mcp.toml",
        "[servers.tray-demo]\nworkspace = \"sandbox\"\nclients = [\"cursor\"]\ntools = [\"list_*\"]\n",
    );
    let refused = home.command().args(["apply", "--check"]).assert().failure();
    let (_, stderr) = outputs(&refused);
    assert!(
        stderr.contains("tools is for a stdio entry of a real workspace"),
        "{stderr}"
    );
    assert!(stderr.contains(":4:"), "{stderr}");
}

/// Forty-one more gateway tools: with the seven built-in ones and the fake's own, well over
/// Cursor's 40 (its documented cap).
fn many_tools() -> Vec<Value> {
    (0..41)
        .map(|index| json!({"name": format!("workflow_tool_{index:02}"), "inputSchema": {"type": "object"}}))
        .collect()
}

#[test]
fn the_install_and_doctor_online_warn_when_an_entry_serves_more_tools_than_the_client_shows() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start_listing(false, many_tools());
    let install = |args: &[&str]| {
        let mut command = home.command();
        command
            .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "cursor", "-y"])
            .args(args)
            .envs(tray.api_variables())
            .env("TRAY_GATEWAY_URL", gateway.url())
            .write_stdin(format!("{TOKEN}\n"));
        outputs(&command.assert().success()).1
    };
    let stderr = install(&[]);
    assert!(
        stderr.contains("tray-workspace serves 51 tools and Cursor shows at most 40"),
        "{stderr}"
    );
    assert!(stderr.contains("--tools 'GLOB,...'"), "{stderr}");

    let doctor = home
        .command()
        .args(["doctor", "--online"])
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .assert()
        .failure();
    let report = outputs(&doctor).0;
    assert!(
        report.contains("tray-workspace serves 51 tools and Cursor shows at most 40"),
        "{report}"
    );

    let stderr = install(&["--exclude-tools", "workflow_tool_*"]);
    assert!(!stderr.contains("shows at most"), "{stderr}");
    let doctor = home
        .command()
        .args(["doctor", "--online"])
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .assert();
    let report = outputs(&doctor).0;
    assert!(!report.contains("shows at most"), "{report}");
    assert!(report.contains("7 built-in + 3 gateway tools"), "{report}");
}

#[test]
fn get_authenticated_user_counts_the_gateway_tools_the_filter_serves() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start_listing(false, Vec::new());
    home.write_profile(
        "work",
        &json!({"workspace_id": WORKSPACE, "api_token": TOKEN, "gateway": true, "tools": ["get_*", "send_*"]}),
    );
    let mut command = home.serve_command(&["serve", "--profile", "work"]);
    command
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url());
    let mut server = support::serve::McpProcess::start(command);
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    let mut names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["get_authenticated_user", "get_workflow_details", "send_slack_message"]
    );
    let text = server
        .call_tool("get_authenticated_user", json!({}))
        .expect_ok("get_authenticated_user");
    assert!(
        text.contains("Agent Gateway: connected, 1 Workflow and Connector Tools listed"),
        "{text}"
    );
    server.finish();
}

#[test]
fn the_filter_applies_to_the_headless_mcp_s_tools_too() {
    // Gateway and Headless MCP are both the fake, so the Headless tools are renamed headless_*.
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start_listing(false, Vec::new());
    let headless = FakeGateway::start_listing(false, Vec::new());
    home.write_profile(
        "work",
        &json!({"workspace_id": WORKSPACE, "api_token": TOKEN, "gateway": true,
                "tools": ["headless_*", "list_workflows"], "exclude_tools": ["headless_drop_*"]}),
    );
    let mut command = home.serve_command(&["serve", "--profile", "work"]);
    command
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_HEADLESS_URL", headless.url())
        .env("TRAY_HEADLESS_TEST_BEARER", "hb_test_bearer_filter");
    let mut server = support::serve::McpProcess::start(command);
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    let mut names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        [
            "headless_list_workflows",
            "headless_send_slack_message",
            "list_workflows"
        ]
    );
    let forwarded = server.call_tool("headless_send_slack_message", json!({"channel": "#a"}));
    assert_eq!(forwarded.structured()["tool"], json!("send_slack_message"));
    let refused = server.request(
        "tools/call",
        json!({"name": "headless_drop_mid_stream", "arguments": {}}),
    );
    assert_eq!(refused["result"]["isError"], json!(true), "{refused}");
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert!(!stderr.contains("hb_test_bearer_filter"));
}

#[test]
fn the_install_and_doctor_online_warn_when_a_client_s_tray_entries_together_serve_more_than_it_shows() {
    let home = FakeHome::new();
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start_listing(false, many_tools());
    let install = |name: &str, tools: &str| {
        let mut command = home.command();
        command
            .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "cursor", "-y", "-n", name])
            .args(["--tools", tools])
            .envs(tray.api_variables())
            .env("TRAY_GATEWAY_URL", gateway.url())
            .write_stdin(format!("{TOKEN}\n"));
        outputs(&command.assert().success()).1
    };
    // 10 and 30 tools: 40 together, what Cursor shows.
    let stderr = install("tray-a", "workflow_tool_0*");
    assert!(!stderr.contains("shows at most"), "{stderr}");
    let stderr = install("tray-b", "workflow_tool_1*,workflow_tool_2*,workflow_tool_3*");
    assert!(!stderr.contains("shows at most"), "{stderr}");
    // Four built-in tools more: 44, each entry under the cap on its own.
    let stderr = install("tray-c", "list_*");
    assert!(
        stderr.contains(
            "the 3 Tray entries of Cursor (tray-c, tray-a, tray-b) together serve 44 tools and Cursor shows at most 40"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("give one or more of them a --tools"), "{stderr}");

    let doctor = home
        .command()
        .args(["doctor", "--online"])
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .assert()
        .failure();
    let report = outputs(&doctor).0;
    assert!(
        report.contains("the 3 Tray entries of Cursor (tray-a, tray-b, tray-c) together serve 44 tools"),
        "{report}"
    );
    assert!(!report.contains("serves 44"), "no entry is over on its own: {report}");
    assert_eq!(report.matches("together serve").count(), 1, "{report}");

    // One narrowed (20 tools instead of 30): 34 together, nothing to say.
    let stderr = install("tray-b", "workflow_tool_1*,workflow_tool_2*");
    assert!(!stderr.contains("shows at most"), "{stderr}");
}

#[test]
fn windsurf_s_cap_is_the_100_tools_its_docs_state() {
    let tray = FakeTray::start(Behavior::Normal);
    let install = |gateway: &FakeGateway| {
        let home = FakeHome::new();
        let mut command = home.command();
        command
            .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "windsurf", "-y"])
            .envs(tray.api_variables())
            .env("TRAY_GATEWAY_URL", gateway.url())
            .write_stdin(format!("{TOKEN}\n"));
        outputs(&command.assert().success()).1
    };
    // 7 built-in + 44 gateway tools: over the 50 once assumed, under the documented 100.
    let stderr = install(&FakeGateway::start_listing(false, many_tools()));
    assert!(!stderr.contains("shows at most"), "{stderr}");
    let more: Vec<Value> = (0..91)
        .map(|index| json!({"name": format!("workflow_tool_{index:02}"), "inputSchema": {"type": "object"}}))
        .collect();
    let stderr = install(&FakeGateway::start_listing(false, more));
    assert!(
        stderr.contains("tray-workspace serves 101 tools and Windsurf shows at most 100"),
        "{stderr}"
    );
}
