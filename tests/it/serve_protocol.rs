//! `tray-mcp serve` as MCP clients see it: real clients (the official Python SDK and the MCP
//! Inspector CLI, pinned by scripts/test.sh) against `--sandbox`, the raw protocol (malformed
//! lines, end of input, stdout carrying only JSON-RPC), the tool list as a snapshot, and the
//! start-up errors a user can hit.

use crate::support;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};
use support::FakeHome;
use support::serve::McpProcess;

fn output_of(mut command: Command) -> Output {
    command.output().expect("run command")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn python_sdk_lists_and_calls_every_tool_against_the_sandbox() {
    let tools = support::test_tools();
    let home = FakeHome::new();
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/mcp_client.py");
    let mut command = Command::new(tools.join("venv/bin/python"));
    command
        .arg(script)
        .arg(support::serve::binary())
        .args(["serve", "--sandbox"])
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"));
    let output = output_of(command);
    assert!(
        output.status.success(),
        "python client failed\nstdout:\n{}\nstderr:\n{}",
        text(&output.stdout),
        text(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    assert_eq!(report["server"], json!("tray-mcp"));
    assert_eq!(report["tools"].as_object().map(|tools| tools.len()), Some(7));
    assert_eq!(report["calls"].as_array().map(Vec::len), Some(15));
    assert_eq!(report["errors"].as_array().map(Vec::len), Some(4));
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn inspector_cli_strict_lists_the_tools_and_calls_each_one() {
    let tools = support::test_tools();
    let inspector = tools.join("npm/node_modules/.bin/mcp-inspector");
    let home = FakeHome::new();
    let inspect = |args: &[&str]| {
        let mut command = Command::new(&inspector);
        command
            .arg("--cli")
            .arg(support::serve::binary())
            .args(["serve", "--sandbox"])
            .args(args)
            .env("HOME", home.home())
            .env("XDG_CONFIG_HOME", home.home().join(".config"))
            .env("MCP_CATALOG_PATH", home.home().join("catalog.json"));
        output_of(command)
    };

    let listed = inspect(&["--method", "tools/list", "--strict"]);
    let stderr = text(&listed.stderr);
    assert!(listed.status.success(), "--strict failed:\n{stderr}");
    assert!(
        !stderr.contains("Warning: tool") && !stderr.contains("Error: tool"),
        "portability problems:\n{stderr}"
    );
    let list: Value = serde_json::from_slice(&listed.stdout).expect("tools/list JSON");
    let names: Vec<&str> = list["tools"]
        .as_array()
        .map(|tools| tools.iter().filter_map(|tool| tool["name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(names.len(), 7, "{names:?}");

    let calls: [(&str, &[&str], &str); 7] = [
        ("get_authenticated_user", &[], "Sam Rivera"),
        ("list_workflows", &["enabled=true"], "Zendesk Ticket Router"),
        ("get_workflow_details", &["workflow=wf-e5f6"], "Snowflake"),
        (
            "list_workflow_executions",
            &["workflow=wf-a1b2", "limit=2"],
            "exec-7f3a91c2",
        ),
        ("list_integration_solutions", &[], "Jira Issue Triage"),
        ("list_available_connectors", &["search=zendesk"], "Zendesk"),
        (
            "explain_workflow_failure",
            &["workflow=Stripe Financial Log"],
            "authentication",
        ),
    ];
    for (tool, arguments, needle) in calls {
        let mut args = vec!["--method", "tools/call", "--tool-name", tool];
        for argument in arguments {
            args.push("--tool-arg");
            args.push(argument);
        }
        let called = inspect(&args);
        assert!(called.status.success(), "{tool}: {}", text(&called.stderr));
        let result: Value = serde_json::from_slice(&called.stdout).expect("tools/call JSON");
        assert_eq!(result["isError"], json!(false), "{tool}: {result}");
        assert!(result["structuredContent"].is_object(), "{tool}: {result}");
        let shown = result["content"][0]["text"].as_str().unwrap_or_default();
        assert!(shown.contains(needle), "{tool}: {needle:?} not in {shown}");
    }
}

#[test]
fn tool_list_snapshot() {
    let home = FakeHome::new();
    let mut server = McpProcess::start(home.serve_command(&["serve", "--sandbox"]));
    let init = server.initialize();
    assert_eq!(init["result"]["serverInfo"]["name"], json!("tray-mcp"));
    let listed = server.request("tools/list", json!({}));
    let summary: Vec<Value> = listed["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .map(|tool| {
            json!({
                "name": tool["name"],
                "title": tool["annotations"]["title"],
                "readOnlyHint": tool["annotations"]["readOnlyHint"],
                "description": tool["description"],
                "input": tool["inputSchema"]["properties"],
                "required": tool["inputSchema"]["required"],
                "output": tool["outputSchema"]["properties"]
                    .as_object()
                    .map(|properties| properties.keys().cloned().collect::<Vec<_>>()),
            })
        })
        .collect();
    insta::assert_json_snapshot!("tools_list", summary);
    let (status, _) = server.finish();
    assert!(status.success());
}

#[test]
fn malformed_lines_get_json_rpc_errors_and_serving_continues() {
    let home = FakeHome::new();
    let mut server = McpProcess::start(home.serve_command(&["serve", "--sandbox"]));
    server.initialize();

    server.send_line("this is not json {");
    let parse_error = server.next_message();
    assert_eq!(parse_error["error"]["code"], json!(-32700), "{parse_error}");
    assert_eq!(parse_error["id"], Value::Null);

    server.send_line(r#"{"jsonrpc":"2.0","id":41,"method":7}"#);
    let invalid = server.next_message();
    assert_eq!(invalid["error"]["code"], json!(-32600), "{invalid}");
    assert_eq!(invalid["id"], json!(41));

    // An unknown notification gets no answer; the next request is answered normally.
    server.send_line(r#"{"jsonrpc":"2.0","method":"notifications/whatever"}"#);
    server.send_line("");
    let result = server.call_tool("list_workflows", json!({"limit": 1}));
    result.expect_ok("after malformed input");
    assert!(result.structured()["next_cursor"].is_string());

    let unknown_tool = server.request("tools/call", json!({"name": "delete_everything", "arguments": {}}));
    assert!(unknown_tool.get("error").is_some(), "{unknown_tool}");

    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
}

#[test]
fn unknown_methods_get_method_not_found_naming_the_method() {
    let home = FakeHome::new();
    let mut server = McpProcess::start(home.serve_command(&["serve", "--sandbox"]));
    // Before initialize too: a client that sends garbage first still gets -32700.
    server.send_line("{not json");
    let parse_error = server.next_message();
    assert_eq!(parse_error["error"]["code"], json!(-32700), "{parse_error}");
    assert_eq!(parse_error["id"], Value::Null);
    server.initialize();
    for method in ["foo/bar", "tools/lis", "prompts/get"] {
        let answer = server.request(method, json!({}));
        assert_eq!(answer["error"]["code"], json!(-32601), "{answer}");
        assert_eq!(
            answer["error"]["message"],
            json!(format!("Method not found: {method}")),
            "{answer}"
        );
    }
    server
        .call_tool("list_workflows", json!({"limit": 1}))
        .expect_ok("after unknown methods");
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
}

/// The resident memory of process `pid`, in bytes (Linux).
fn resident_bytes(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmRSS:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// The numeric `id` of a response line, read without parsing the whole (large) line.
fn response_id(line: &str) -> Option<u64> {
    let after = &line[line.find("\"id\":")? + 5..];
    after.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
}

#[cfg(target_os = "linux")]
#[test]
fn a_client_that_does_not_read_the_answers_cannot_grow_serve_and_loses_none() {
    use std::io::{BufRead as _, BufReader, Write as _};
    use std::process::Stdio;

    const REQUESTS: u64 = 10_000;
    // Bounded serve stays near 40 MiB here; unbounded, it passes 250 MiB.
    const BOUND: u64 = 120 * 1024 * 1024;
    /// Kills the server when the test fails half-way.
    struct Running(std::process::Child);
    impl Drop for Running {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let home = FakeHome::new();
    let mut child = Running(
        home.serve_command(&["serve", "--sandbox"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start serve"),
    );
    let pid = child.0.id();
    let mut stdin = child.0.stdin.take().expect("stdin");
    let mut stdout = BufReader::new(child.0.stdout.take().expect("stdout"));
    writeln!(
        stdin,
        r#"{{"jsonrpc":"2.0","id":1,"method":"initialize","params":{{"protocolVersion":"2025-06-18","capabilities":{{}},"clientInfo":{{"name":"t","version":"0"}}}}}}"#
    )
    .expect("initialize");
    let mut line = String::new();
    stdout.read_line(&mut line).expect("initialize answer");
    assert_eq!(response_id(&line), Some(1), "{line}");
    writeln!(stdin, r#"{{"jsonrpc":"2.0","method":"notifications/initialized"}}"#).expect("initialized");
    // Each answer is the whole tool list (about 20 KB): 10,000 of them unread is 200 MB of
    // answers alone. The writer blocks once serve stops reading.
    let writer = std::thread::spawn(move || {
        for id in 2..REQUESTS + 2 {
            let request = format!("{{\"jsonrpc\":\"2.0\",\"id\":{id},\"method\":\"tools/list\"}}\n");
            if stdin.write_all(request.as_bytes()).is_err() {
                return None;
            }
        }
        Some(stdin)
    });
    // Nothing is read for a while; serve's memory is looked at all along.
    let mut largest = 0;
    for _ in 0..40 {
        largest = largest.max(resident_bytes(pid).unwrap_or(0));
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(largest < BOUND, "serve grew to {} MiB", largest / (1024 * 1024));
    // The client reads again: every request is answered, none lost.
    let mut answered = std::collections::BTreeSet::new();
    while answered.len() < REQUESTS as usize {
        line.clear();
        let read = stdout.read_line(&mut line).expect("read an answer");
        assert!(read > 0, "serve closed stdout after {} answers", answered.len());
        assert!(line.contains("\"tools\""), "{}", &line[..line.len().min(300)]);
        answered.insert(response_id(&line).expect("an id"));
        largest = largest.max(resident_bytes(pid).unwrap_or(0));
    }
    assert_eq!(answered, (2..REQUESTS + 2).collect());
    assert!(largest < BOUND, "serve grew to {} MiB", largest / (1024 * 1024));
    drop(writer.join().expect("writer").expect("every request written"));
    let status = child.0.wait().expect("exit");
    assert!(status.success());
}

#[test]
fn stdout_carries_only_json_rpc_and_eof_ends_cleanly() {
    let home = FakeHome::new();
    let mut command = home.serve_command(&["serve", "--sandbox", "--log-level", "debug"]);
    command.env("RUST_LOG", "trace");
    let mut server = McpProcess::start(command);
    server.initialize();
    for tool in [
        "get_authenticated_user",
        "list_workflows",
        "list_integration_solutions",
        "list_available_connectors",
    ] {
        server.call_tool(tool, json!({})).expect_ok(tool);
    }
    let (status, stderr, stdout_lines) = server.finish_with_stdout();
    assert!(status.success(), "{stderr}");
    assert!(stderr.contains("standard input closed"), "{stderr}");
    assert!(!stdout_lines.is_empty());
    for line in &stdout_lines {
        let message: Value = serde_json::from_str(line).expect("stdout is JSON only");
        assert_eq!(message["jsonrpc"], json!("2.0"), "{line}");
    }
}

#[test]
fn eof_before_initialize_exits_zero() {
    let home = FakeHome::new();
    let server = McpProcess::start(home.serve_command(&["serve", "--sandbox"]));
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
}

#[test]
fn a_sandbox_profile_serves_the_sandbox() {
    let home = FakeHome::new();
    home.write_profile("try-tray", &json!({"sandbox": true}));
    let mut server = McpProcess::start(home.serve_command(&["serve", "--profile", "try-tray"]));
    server.initialize();
    let user = server.call_tool("get_authenticated_user", json!({}));
    assert!(user.expect_ok("sandbox profile").contains("sandbox"));
    assert_eq!(user.structured()["backend"], json!("sandbox"));
    server.finish();
}

/// Runs `tray-mcp ARGS` with stdin closed and returns (exit code, stdout, stderr).
fn run_to_exit(home: &FakeHome, args: &[&str], env: &[(&str, &str)]) -> (i32, String, String) {
    let mut command = home.serve_command(args);
    command.stdin(std::process::Stdio::null());
    for (name, value) in env {
        command.env(name, value);
    }
    let output = output_of(command);
    (
        output.status.code().unwrap_or(-1),
        text(&output.stdout),
        text(&output.stderr),
    )
}

#[test]
fn start_up_errors_are_clear_exit_1_or_2_and_touch_no_stdout() {
    let home = FakeHome::new();
    home.write_profile(
        "acme-prod",
        &json!({"workspace_id": "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718", "api_token": "tok_abc"}),
    );

    let (code, stdout, stderr) = run_to_exit(&home, &["serve", "--profile", "nope"], &[]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let stderr = stderr.replace(&home.home().display().to_string(), "[HOME]");
    insta::assert_snapshot!("unknown_profile", stderr);

    // Nothing names a workspace at all: a usage error, exit 2 (issue 24).
    let (code, stdout, stderr) = run_to_exit(&home, &["serve"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("--sandbox") && stderr.contains("hint: existing profiles: acme-prod"),
        "{stderr}"
    );

    let (code, _, stderr) = run_to_exit(
        &home,
        &["serve", "--workspace-id", "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"],
        &[],
    );
    assert_eq!(code, 1);
    assert!(
        stderr.contains("TRAY_API_TOKEN is not set") && stderr.contains("hint:"),
        "{stderr}"
    );

    home.write_profile("broken", &json!({"region": "mars"}));
    let (code, _, stderr) = run_to_exit(&home, &["serve", "--profile", "broken"], &[]);
    assert_eq!(code, 1);
    assert!(
        stderr.contains("could not parse") && stderr.contains("hint:"),
        "{stderr}"
    );

    let (code, _, stderr) = run_to_exit(&home, &["serve", "--sandbox", "--log-level", "loud=!"], &[]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("--log-level"), "{stderr}");
}

#[test]
fn usage_errors_exit_2() {
    let home = FakeHome::new();
    for args in [
        &["serve", "--sandbox", "--profile", "x"][..],
        &["serve", "--region", "mars", "--sandbox"][..],
        &["serve", "--workspace-id", "not-a-uuid"][..],
        &["serve", "--frobnicate"][..],
    ] {
        let (code, stdout, stderr) = run_to_exit(&home, args, &[]);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty());
    }
}
