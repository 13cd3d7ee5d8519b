//! `tray-mcp doctor`: a healthy setup passes; each kind of broken entry gets a ✗ and its fix;
//! `--online` checks the token against a local fake Tray API (accepting, rejecting, hanging).

use crate::support;
use crate::support::{fake_gateway, fake_tray};

use std::time::Duration;

use fake_gateway::{FakeGateway, GatewayBehavior};
use fake_tray::{Behavior, FakeTray};
use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

fn doctor(home: &FakeHome, args: &[&str]) -> (i32, String) {
    let assert = home.command().arg("doctor").args(args).assert();
    assert_no_token(&assert);
    let code = assert.get_output().status.code().unwrap_or(-1);
    (code, home.redact(&outputs(&assert).0))
}

/// The check lines that failed, each with its fix line.
fn failures(report: &str) -> Vec<String> {
    let lines: Vec<&str> = report.lines().collect();
    lines
        .iter()
        .enumerate()
        .filter(|(_, line)| line.trim_start().starts_with('✗'))
        .map(|(index, line)| format!("{}\n{}", line.trim(), lines.get(index + 1).map_or("", |fix| fix.trim())))
        .collect()
}

#[test]
fn healthy_entries_pass_and_exit_zero() {
    let home = FakeHome::new();
    home.install(&["-c", "claude,cursor"]).success();
    let (code, report) = doctor(&home, &[]);
    assert_eq!(code, 0, "{report}");
    assert!(failures(&report).is_empty(), "{report}");
    assert!(
        report.contains("✓ the profile tray-workspace holds a token"),
        "{report}"
    );
    insta::assert_snapshot!("doctor_healthy", report);
}

#[test]
fn each_broken_entry_gets_a_cross_and_its_fix() {
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    // A Windsurf http entry using Cursor's key ("url" instead of "serverUrl").
    home.write(
        ".codeium/windsurf/mcp_config.json",
        r#"{"mcpServers": {"tray-workspace": {"url": "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai", "headers": {"Authorization": "Bearer x"}}}}"#,
    );
    // A stdio entry whose binary is gone, and whose profile does not exist.
    home.write(
        ".cursor/mcp.json",
        r#"{"mcpServers": {"tray-old": {"command": "/opt/gone/tray-mcp", "args": ["serve", "--profile", "tray-old"]}}}"#,
    );
    // A bridge entry whose workspace ID is not a UUID.
    home.write(
        ".config/Code/User/mcp.json",
        r#"{"servers": {"tray-typo": {"type": "stdio", "command": "npx", "args": ["-y", "mcp-remote@0.15.1", "https://not-a-uuid.mcp.tray.ai"]}}}"#,
    );
    // A broken Claude Code file.
    home.write(".claude.json", "{\"mcpServers\": {");
    let (code, report) = doctor(&home, &[]);
    assert_eq!(code, 1, "{report}");
    let failed = failures(&report).join("\n");
    for expected in [
        "the file does not parse: could not parse Claude Code config ~/.claude.json at 1:17",
        "the entry is not what Windsurf expects: missing serverUrl",
        "the command does not exist or is not executable: /opt/gone/tray-mcp",
        "no tray-mcp profile named \"tray-old\"",
        "the workspace ID in https://not-a-uuid.mcp.tray.ai is not a UUID",
    ] {
        assert!(failed.contains(expected), "missing {expected:?} in:\n{failed}");
    }
    for failure in failures(&report) {
        assert!(failure.contains("\nfix: "), "a ✗ without a fix: {failure}");
    }
}

#[cfg(unix)]
#[test]
fn profile_problems_token_missing_and_open_permissions() {
    use std::os::unix::fs::PermissionsExt;
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    home.command()
        .args(["token", "forget", "tray-workspace"])
        .assert()
        .success();
    let failed = failures(&doctor(&home, &[]).1).join("\n");
    assert!(
        failed.contains("the profile tray-workspace holds no token\nfix: tray-mcp token set tray-workspace"),
        "{failed}"
    );
    let profile = home.path(".config/tray-mcp/profiles/tray-workspace.json");
    std::fs::set_permissions(&profile, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let failed = failures(&doctor(&home, &[]).1).join("\n");
    assert!(
        failed.contains("readable by other users (mode 644)") && failed.contains("chmod 600"),
        "{failed}"
    );
}

#[test]
fn shadowed_claude_code_names_are_reported() {
    let home = FakeHome::new();
    home.install(&["-c", "claude-code"]).success();
    home.install(&["-c", "claude-code", "--scope", "local"]).success();
    let (code, report) = doctor(&home, &["tray-workspace"]);
    assert_eq!(code, 1);
    let failed = failures(&report).join("\n");
    assert!(
        failed.contains("shadowed: Claude Code uses the local entry"),
        "{failed}"
    );
}

#[test]
fn bridge_entries_need_npx() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--transport", "bridge"]).success();
    let assert = home
        .command()
        .args(["doctor"])
        .env("PATH", "/nonexistent")
        .assert()
        .code(1);
    let failed = failures(&outputs(&assert).0).join("\n");
    assert!(
        failed.contains("npx is not on PATH") && failed.contains("--transport stdio"),
        "{failed}"
    );
}

fn online(home: &FakeHome, api: &FakeTray, gateway: &FakeGateway) -> (i32, String) {
    let assert = home
        .command()
        .args(["doctor", "--online"])
        .envs(api.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_API_TIMEOUT_SECS", "1")
        .timeout(Duration::from_secs(60))
        .assert();
    assert_no_token(&assert);
    (assert.get_output().status.code().unwrap_or(-1), outputs(&assert).0)
}

#[test]
fn online_checks_accepting_rejecting_and_hanging_apis() {
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    let gateway_ok = FakeGateway::start(GatewayBehavior::Mcp { sse: false });

    let accepting = FakeTray::start(Behavior::Normal);
    let (code, report) = online(&home, &accepting, &gateway_ok);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("✓ Tray's API accepts the token"), "{report}");
    assert!(
        report.contains("✓ the Agent Gateway is reachable and enabled for this workspace: 3 tools"),
        "{report}"
    );
    assert!(
        report.contains("✓ built-in tool list_workflows: this token can use it (GraphQL viewer.workflows)"),
        "{report}"
    );
    assert!(
        accepting
            .requests()
            .iter()
            .any(|request| request.authorization.as_deref() == Some(&format!("Bearer {TOKEN}"))),
        "the token was not sent"
    );

    let rejecting = FakeTray::start(Behavior::Status(401, "{\"message\":\"Unauthorized\"}".into()));
    let forbidden_gateway = FakeGateway::start(GatewayBehavior::Status(403));
    let (code, report) = online(&home, &rejecting, &forbidden_gateway);
    assert_eq!(code, 1);
    let failed = failures(&report).join("\n");
    assert!(failed.contains("401"), "{failed}");
    assert!(
        failed.contains("HTTP 403") && failed.contains("Agent Gateway is not enabled"),
        "{failed}"
    );

    let hanging = FakeTray::start(Behavior::Hang(Duration::from_secs(30)));
    let started = std::time::Instant::now();
    let hanging_gateway = FakeGateway::start(GatewayBehavior::Hang);
    let (code, report) = online(&home, &hanging, &hanging_gateway);
    assert_eq!(code, 1, "{report}");
    assert!(
        started.elapsed() < Duration::from_secs(25),
        "doctor waited on a hanging API"
    );
    let failed = failures(&report).join("\n");
    assert!(
        failed.contains("Tray's API") && failed.contains("Agent Gateway"),
        "{failed}"
    );
}

#[test]
fn online_starts_each_entry_as_its_client_would_and_checks_one_profile_once() {
    let home = FakeHome::new();
    home.install(&["-c", "claude,cursor,claude-code"]).success();
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let api = FakeTray::start(Behavior::Normal);
    let (code, report) = online(&home, &api, &gateway);
    assert_eq!(code, 0, "{report}");
    for client in ["Claude Desktop", "Cursor", "Claude Code"] {
        let line = format!(
            "✓ {client} · tray-workspace: 7 built-in + 3 gateway tools (Ada Lovelace, us1), started as {client} starts it"
        );
        assert!(report.contains(&line), "{line}\n{report}");
    }
    // One profile in three clients: one gateway check and one start (each an `initialize`),
    // not three of each.
    assert_eq!(gateway.count("initialize"), 2, "{report}");
}

#[test]
fn online_never_starts_a_bridge_whose_gateway_is_moved_elsewhere() {
    // A bridge goes to the URL in its arguments: with TRAY_GATEWAY_URL pointing at the fake it
    // would reach the real Tray instead (and npm), so it is said to be unchecked.
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--transport", "bridge"]).success();
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let api = FakeTray::start(Behavior::Normal);
    let (_, report) = online(&home, &api, &gateway);
    assert!(
        report.contains("not started as Cursor starts it: TRAY_GATEWAY_URL moves the gateway"),
        "{report}"
    );
}

#[test]
fn online_reports_per_built_in_tool_whether_the_token_can_use_it() {
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    let gateway_ok = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    // An Agent Gateway API user token: Tray's GraphQL API answers viewer.details only.
    let api_user = FakeTray::start(Behavior::ApiUserToken);
    let (code, report) = online(&home, &api_user, &gateway_ok);
    assert_eq!(code, 1, "{report}");
    assert!(report.contains("✓ Tray's API accepts the token"), "{report}");
    assert!(
        report.contains("✓ built-in tool get_authenticated_user: this token can use it"),
        "{report}"
    );
    let failed = failures(&report).join("\n");
    for tool in [
        "list_workflows",
        "get_workflow_details",
        "list_workflow_executions",
        "explain_workflow_failure",
        "list_integration_solutions",
        "list_available_connectors",
    ] {
        assert!(
            failed.contains(&format!("✗ built-in tool {tool}: Tray refuses this token")),
            "{tool}:\n{failed}"
        );
    }
    assert!(
        failed.contains("fix: GraphQL viewer.workflows needs a master token") && failed.contains("tray-mcp token set"),
        "{failed}"
    );
}

#[test]
fn online_gives_each_gateway_failure_its_fix() {
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    let accepting = FakeTray::start(Behavior::Normal);
    let cases = [
        (GatewayBehavior::Status(401), "HTTP 401", "tray-mcp token set"),
        (GatewayBehavior::Status(403), "HTTP 403", "enable Agent Gateway"),
        (GatewayBehavior::Status(404), "HTTP 404", "no Agent Gateway"),
        (GatewayBehavior::Status(503), "HTTP 503", "try again in a few minutes"),
    ];
    for (behavior, label, fix) in cases {
        let gateway = FakeGateway::start(behavior);
        let (code, report) = online(&home, &accepting, &gateway);
        assert_eq!(code, 1, "{report}");
        let failed = failures(&report).join("\n");
        assert!(failed.contains(label) && failed.contains(fix), "{label}:\n{failed}");
    }
    // Offline: nothing listens on the gateway's port.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("free port")
        .port();
    let assert = home
        .command()
        .args(["doctor", "--online"])
        .envs(accepting.api_variables())
        .env("TRAY_GATEWAY_URL", format!("http://127.0.0.1:{port}/"))
        .timeout(Duration::from_secs(60))
        .assert()
        .code(1);
    let failed = failures(&outputs(&assert).0).join("\n");
    assert!(
        failed.contains("could not reach the Agent Gateway") && failed.contains("check the network connection"),
        "{failed}"
    );
}

#[test]
fn a_headless_entry_has_no_authorization_header_and_its_url_answers() {
    let home = FakeHome::new();
    home.command()
        .args(["install", "--headless", "-c", "cursor"])
        .assert()
        .success();
    let (code, report) = doctor(&home, &[]);
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("✓ no Authorization header: the client signs in to Tray by OAuth"),
        "{report}"
    );
    // Tray's Headless MCP before sign-in: 401 asking for it.
    let headless = FakeGateway::start(GatewayBehavior::Status(401));
    let assert = home
        .command()
        .args(["doctor", "--online"])
        .env("TRAY_API_URL", headless.url().trim_end_matches("/mcp"))
        .timeout(Duration::from_secs(60))
        .assert()
        .success();
    let report = outputs(&assert).0;
    assert!(
        report.contains("Tray's Headless MCP answers at") && report.contains("asks the client to sign in"),
        "{report}"
    );
    let requests = headless.requests();
    assert!(!requests.is_empty(), "doctor did not ask the Headless MCP");
    assert!(
        requests.iter().all(|request| request.header("authorization").is_none()),
        "doctor sent an Authorization header"
    );

    // A header added by hand is found, with the fix.
    let text = home.read(".cursor/mcp.json").replace(
        "\"url\": \"https://api.tray.io/mcp\"",
        "\"url\": \"https://api.tray.io/mcp\", \"headers\": {\"Authorization\": \"Bearer x\"}",
    );
    home.write(".cursor/mcp.json", &text);
    let (code, report) = doctor(&home, &[]);
    assert_eq!(code, 1, "{report}");
    let failed = failures(&report).join("\n");
    assert!(
        failed.contains("sets an Authorization header")
            && failed.contains("tray-mcp install --headless -n tray-headless -c cursor"),
        "{failed}"
    );
}

#[test]
fn gemini_folder_trust_is_checked_for_the_current_folder() {
    let home = FakeHome::new();
    home.command().args(["--sandbox", "-c", "gemini"]).assert().success();
    // Folder trust is on by default and nothing trusts the project folder yet.
    let (code, report) = doctor(&home, &[]);
    assert_eq!(code, 1, "{report}");
    insta::assert_snapshot!("doctor_gemini_untrusted", failures(&report).join("\n"));
    // A TRUST_PARENT rule on a path in the home covers the project folder.
    let rule = home.home().join("a");
    home.write(
        ".gemini/trustedFolders.json",
        serde_json::json!({ rule.to_string_lossy(): "TRUST_PARENT" }).to_string(),
    );
    let (code, report) = doctor(&home, &[]);
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("✓ Gemini CLI trusts ~/project (folder trust)"),
        "{report}"
    );
    // A longer DO_NOT_TRUST rule wins (length of the rule, as Gemini CLI compares).
    let distrusted = home.project();
    home.write(
        ".gemini/trustedFolders.json",
        serde_json::json!({ rule.to_string_lossy(): "TRUST_PARENT", distrusted.to_string_lossy(): "DO_NOT_TRUST" })
            .to_string(),
    );
    let (_, report) = doctor(&home, &[]);
    assert!(report.contains("✗ Gemini CLI distrusts ~/project"), "{report}");
    // Folder trust off in the user's settings: every folder is fine.
    let settings = home.read(".gemini/settings.json");
    home.write(
        ".gemini/settings.json",
        settings.replacen('{', "{\n  \"security\": {\"folderTrust\": {\"enabled\": false}},", 1),
    );
    let (code, report) = doctor(&home, &[]);
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("✓ folder trust is off in ~/.gemini/settings.json"),
        "{report}"
    );
}

#[test]
fn each_client_s_trust_rule_or_caveat_is_said_per_entry() {
    let home = FakeHome::new();
    home.command()
        .args(["--sandbox", "-c", "qwen", "--scope", "project"])
        .assert()
        .success();
    home.command().args(["--sandbox", "-c", "copilot"]).assert().success();
    let (code, report) = doctor(&home, &[]);
    assert_eq!(code, 0, "a caveat is no failure:\n{report}");
    assert!(
        report.contains("  i Qwen Code starts a project's servers only once approved (`qwen mcp approve NAME`"),
        "{report}"
    );
    assert!(
        report.contains("  ✓ Copilot CLI loads this entry in any folder (this one is not in trusted_folders of ~/.copilot/config.json"),
        "{report}"
    );
    home.write(
        ".copilot/config.json",
        serde_json::json!({ "trusted_folders": [home.home().to_string_lossy()] }).to_string(),
    );
    let (_, report) = doctor(&home, &[]);
    assert!(
        report.contains("Copilot CLI trusts this folder (~/.copilot/config.json)"),
        "{report}"
    );
    let json: serde_json::Value =
        serde_json::from_str(&outputs(&home.command().args(["doctor", "--json"]).assert().success()).0).expect("json");
    let notes: Vec<&serde_json::Value> = json["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .flat_map(|entry| entry["checks"].as_array().expect("checks"))
        .filter(|check| check["note"] == true)
        .collect();
    assert_eq!(notes.len(), 1, "{json}");
    assert!(
        notes[0]["check"].as_str().unwrap_or_default().starts_with("Qwen Code"),
        "{json}"
    );
}

#[test]
fn online_says_the_gateway_is_not_used_by_an_entry_whose_profile_has_it_off() {
    let home = FakeHome::new();
    home.install(&["-c", "claude", "--no-gateway"]).success();
    let accepting = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let (code, report) = online(&home, &accepting, &gateway);
    assert_eq!(code, 0, "{report}");
    assert!(report.contains("✓ Tray's API accepts the token"), "{report}");
    let line = report
        .lines()
        .find(|line| line.contains("Agent Gateway"))
        .unwrap_or_else(|| panic!("no gateway line:\n{report}"));
    assert!(
        line.contains(
            "✓ the Agent Gateway is not used by this entry: its profile tray-workspace serves the built-in tools only"
        ),
        "{report}"
    );
    assert!(!report.contains("reachable and enabled"), "{report}");
    assert!(
        gateway.requests().is_empty(),
        "doctor asked a gateway the entry does not use"
    );

    // The command it gives turns the gateway on; then doctor checks it as serve will use it.
    let command = line.split('`').nth(1).unwrap_or_else(|| panic!("no command in {line}"));
    let (command, input) = command
        .split_once(" < ")
        .unwrap_or_else(|| panic!("no token input in {command}"));
    assert_eq!(input, "token.txt");
    let args: Vec<&str> = command.split_whitespace().skip(1).collect();
    assert_eq!(args.first(), Some(&"install"), "{command}");
    home.command()
        .args(&args)
        .write_stdin(format!("{TOKEN}\n"))
        .assert()
        .success();
    let (code, report) = online(&home, &accepting, &gateway);
    assert_eq!(code, 0, "{report}");
    assert!(
        report.contains("✓ the Agent Gateway is reachable and enabled for this workspace: 3 tools"),
        "{report}"
    );
}

#[test]
fn the_fix_for_a_hand_written_tray_entry_says_force_since_install_refuses_it_otherwise() {
    let home = FakeHome::new();
    let hand_written = format!(
        "{{\"mcpServers\": {{\"by-hand\": {{\"command\": \"npx\", \"args\": [\"-y\", \"mcp-remote\", \"https://{}.mcp.tray.ai\", \"--header\", \"Authorization:Bearer {TOKEN}\"]}}}}}}\n",
        WORKSPACE
    );
    home.write(".codeium/windsurf/mcp_config.json", hand_written);
    let (_, output) = doctor(&home, &[]);
    assert!(output.contains("--force"), "{output}");
    assert!(!output.contains(TOKEN), "{output}");
}

#[test]
fn doctor_for_a_name_no_entry_has_says_so_and_fails() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "-n", "tray-prod"]).success();
    let (code, report) = doctor(&home, &["tray-typo"]);
    assert_eq!(code, 1, "{report}");
    assert!(
        report.contains("no Tray entry is named \"tray-typo\" (the Tray entries here: tray-prod)"),
        "{report}"
    );
    assert!(!report.contains("no Tray entries found"), "{report}");
}

/// `adopt` checks each token as install does (here: against the loopback fakes); a refused one
/// is adopted anyway, with a warning.
#[test]
fn adopt_verifies_each_token_and_adopts_a_refused_one_with_a_warning() {
    let seed = format!(
        r#"{{"mcpServers": {{"tray-seed": {{"command": "npx", "args": ["mcp-remote", "https://{WORKSPACE}.mcp.tray.ai", "--header", "Authorization: Bearer {TOKEN}"]}}}}}}"#
    );
    let adopt = |api: &FakeTray, gateway: &FakeGateway| {
        let home = FakeHome::new();
        home.write(".cursor/mcp.json", &seed);
        let assert = home
            .command()
            .arg("adopt")
            .envs(api.api_variables())
            .env("TRAY_GATEWAY_URL", gateway.url())
            .timeout(Duration::from_secs(60))
            .assert()
            .success();
        assert_no_token(&assert);
        assert!(!home.read(".cursor/mcp.json").contains(TOKEN));
        outputs(&assert).1
    };
    let accepted = adopt(
        &FakeTray::start(Behavior::Normal),
        &FakeGateway::start(GatewayBehavior::Mcp { sse: false }),
    );
    assert!(
        accepted.contains("\"tray-seed\": token of Ada Lovelace") && accepted.contains("Agent Gateway: 3 tools"),
        "{accepted}"
    );
    let refused = adopt(
        &FakeTray::start(Behavior::Status(401, "{\"message\":\"Unauthorized\"}".into())),
        &FakeGateway::start(GatewayBehavior::Status(401)),
    );
    assert!(refused.contains("adopted anyway"), "{refused}");
}

/// The counts `doctor --online` reports for an entry are what a real MCP client (the Python SDK)
/// is served when it starts the same entry from the client's own file, gateway tools included.
#[test]
#[ignore = "needs scripts/test.sh"]
fn online_counts_the_tools_a_real_mcp_client_sees_from_the_same_entry() {
    let tools = support::test_tools();
    let home = FakeHome::new();
    home.install(&["-c", "cursor"]).success();
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let api = FakeTray::start(Behavior::Normal);
    let (code, report) = online(&home, &api, &gateway);
    assert_eq!(code, 0, "{report}");
    let counted = report
        .lines()
        .find_map(|line| {
            let rest = line.split("Cursor · tray-workspace: ").nth(1)?;
            let (built_in, rest) = rest.split_once(" built-in + ")?;
            let (from_gateway, _) = rest.split_once(" gateway tools")?;
            Some(built_in.parse::<usize>().ok()? + from_gateway.parse::<usize>().ok()?)
        })
        .unwrap_or_else(|| panic!("no tool count for Cursor's entry\n{report}"));

    let mut client = std::process::Command::new(tools.join("venv/bin/python"));
    // The environment Cursor would start the entry in: the fake home's, and the fakes' URLs.
    let serve = home.std_command();
    let output = client
        .env_clear()
        .envs(serve.get_envs().filter_map(|(key, value)| Some((key, value?))))
        .envs(api.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/entry_tools.py"))
        .arg(home.path(".cursor/mcp.json"))
        .arg("tray-workspace")
        .output()
        .expect("python");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stdout}\n{stderr}");
    let seen: Vec<String> = serde_json::from_str(stdout.trim()).expect("tool names");
    assert_eq!(seen.len(), counted, "the SDK saw {seen:?}\ndoctor said:\n{report}");
    assert!(seen.iter().any(|name| name == "list_workflows"), "{seen:?}");
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN));
}
