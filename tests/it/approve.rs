//! `install --approve read-only` (issue 26): Claude Code permission rules `mcp__NAME__TOOL` for
//! exactly the tools annotated read-only and not destructive (the seven built-in tools, and a
//! loopback gateway's tools by their own annotations, as the install's verification lists
//! them), in the settings file of the entry's scope, every rule of the user's kept byte for
//! byte; `remove` takes out exactly ours.

use crate::support;

use serde_json::{Value, json};
use support::fake_gateway::FakeGateway;
use support::fake_tray::{Behavior, FakeTray};
use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

const BUILTIN: [&str; 7] = [
    "explain_workflow_failure",
    "get_authenticated_user",
    "get_workflow_details",
    "list_available_connectors",
    "list_integration_solutions",
    "list_workflow_executions",
    "list_workflows",
];

/// The user's own settings: rules of theirs (one for another tray entry's tool too), other keys.
const SETTINGS: &str = "{\n  \"model\": \"opus\",\n  \"permissions\": {\n    \"allow\": [\n      \"Bash(npm run test:*)\",\n      \"mcp__other__list_workflows\"\n    ],\n    \"deny\": [\"Read(./.env)\"]\n  }\n}\n";

fn annotated_gateway() -> FakeGateway {
    FakeGateway::start_listing(
        false,
        vec![
            json!({"name": "lookup_customer", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}}),
            json!({"name": "delete_customer", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true, "destructiveHint": true}}),
        ],
    )
}

fn allowed(home: &FakeHome) -> Vec<String> {
    let settings: Value = serde_json::from_str(&home.read(".claude/settings.json")).expect("settings JSON");
    settings["permissions"]["allow"]
        .as_array()
        .expect("allow list")
        .iter()
        .map(|rule| rule.as_str().expect("rule").to_string())
        .collect()
}

#[test]
fn read_only_tools_get_claude_code_rules_and_remove_takes_exactly_those_out() {
    let home = FakeHome::new();
    home.write(".claude/settings.json", SETTINGS);
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = annotated_gateway();
    let mut command = home.command();
    command
        .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "claude-code", "-n", "tray"])
        .args(["--approve", "read-only"])
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .write_stdin(format!("{TOKEN}\n"));
    let installed = command.assert().success();
    assert_no_token(&installed);
    let (_, stderr) = outputs(&installed);
    assert!(stderr.contains("approved 8 read-only tools"), "{stderr}");

    let expected: Vec<String> = vec!["Bash(npm run test:*)".into(), "mcp__other__list_workflows".into()];
    let mut ours: Vec<String> = BUILTIN.iter().map(|tool| format!("mcp__tray__{tool}")).collect();
    ours.push("mcp__tray__lookup_customer".into());
    let rules = allowed(&home);
    let (theirs, added) = rules.split_at(2);
    assert_eq!(theirs, &expected[..]);
    let mut added = added.to_vec();
    added.sort();
    ours.sort();
    assert_eq!(added, ours, "exactly the read-only tools, never delete_customer");
    assert!(!home.read(".claude/settings.json").contains("delete_customer"));
    // The profile records what was added, so remove knows.
    let profile: Value = serde_json::from_str(&home.read(".config/tray-mcp/profiles/tray.json")).expect("profile JSON");
    assert_eq!(profile["approvals"][0]["client"], json!("claude-code"), "{profile}");
    assert_eq!(profile["approvals"][0]["rules"].as_array().map(Vec::len), Some(8));

    // Installing again approves nothing twice.
    let mut again = home.command();
    again
        .args([
            "-w",
            WORKSPACE,
            "--api-token-stdin",
            "-c",
            "claude-code",
            "-n",
            "tray",
            "-y",
        ])
        .args(["--approve", "read-only"])
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .write_stdin(format!("{TOKEN}\n"));
    again.assert().success();
    assert_eq!(allowed(&home).len(), 2 + 8);

    // doctor shows them; rename takes them along.
    let doctor = home.command().arg("doctor").assert();
    let (stdout, _) = outputs(&doctor);
    assert!(
        stdout.contains("8 read-only tools of tray are approved ahead in ~/.claude/settings.json"),
        "{stdout}"
    );
    home.command().args(["rename", "tray", "tray-ops"]).assert().success();
    let renamed = allowed(&home);
    assert_eq!(renamed.len(), 2 + 8, "{renamed:?}");
    assert!(
        renamed.contains(&"mcp__tray-ops__lookup_customer".to_string()),
        "{renamed:?}"
    );
    assert!(
        !renamed.iter().any(|rule| rule.starts_with("mcp__tray__")),
        "{renamed:?}"
    );

    home.command().args(["remove", "tray-ops"]).assert().success();
    assert_eq!(
        home.read(".claude/settings.json"),
        SETTINGS,
        "remove takes out our rules, every other byte kept"
    );
}

#[test]
fn without_verification_only_the_built_in_tools_are_approved_and_said_so() {
    let home = FakeHome::new();
    let installed = home
        .install(&[
            "-c",
            "claude-code",
            "-n",
            "tray",
            "--approve",
            "read-only",
            "--no-verify",
        ])
        .success();
    let (_, stderr) = outputs(&installed);
    assert!(stderr.contains("only the built-in tools were approved"), "{stderr}");
    let mut rules = allowed(&home);
    rules.sort();
    let builtin: Vec<String> = BUILTIN.iter().map(|tool| format!("mcp__tray__{tool}")).collect();
    assert_eq!(rules, builtin);
}

#[test]
fn approve_takes_only_read_only_and_only_for_entries_that_run_serve() {
    let home = FakeHome::new();
    let unknown = home.install(&["-c", "claude-code", "--approve", "all"]).failure();
    let (_, stderr) = outputs(&unknown);
    assert!(stderr.contains("read-only"), "{stderr}");
    let http = home
        .install(&["-c", "claude-code", "--transport", "http", "--approve", "read-only"])
        .failure();
    let (_, stderr) = outputs(&http);
    assert!(stderr.contains("--transport http entry"), "{stderr}");
    assert!(!home.path(".claude/settings.json").exists());
}

#[test]
fn a_manifest_approves_for_two_entries_into_one_settings_file_and_export_says_so() {
    let home = FakeHome::new();
    home.write(".claude/settings.json", SETTINGS);
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = annotated_gateway();
    home.write(
        "project/tray-mcp.toml",
        format!(
            "[servers.tray-a]\nworkspace = \"{WORKSPACE}\"\nclients = [\"claude-code\"]\ntoken = {{ env = \"A_TOKEN\" }}\napprove = \"read-only\"\n\n\
             [servers.tray-b]\nworkspace = \"{WORKSPACE}\"\nclients = [\"claude-code\"]\ntoken = {{ env = \"A_TOKEN\" }}\napprove = \"read-only\"\ntools = [\"lookup_*\", \"get_*\"]\n"
        ),
    );
    let apply = || {
        home.command()
            .arg("apply")
            .env("A_TOKEN", TOKEN)
            .envs(tray.api_variables())
            .env("TRAY_GATEWAY_URL", gateway.url())
            .assert()
            .success()
    };
    assert_no_token(&apply());
    // One listing per server: the token check's, which the approvals go by (not a second one).
    assert_eq!(gateway.count("tools/list"), 2);
    let rules = allowed(&home);
    assert_eq!(rules.len(), 2 + 8 + 3, "{rules:?}");
    assert!(rules.contains(&"mcp__tray-a__lookup_customer".to_string()), "{rules:?}");
    assert!(
        rules.contains(&"mcp__tray-b__get_workflow_details".to_string()),
        "{rules:?}"
    );
    assert!(
        !rules.contains(&"mcp__tray-b__list_workflows".to_string()),
        "the filter leaves it out"
    );
    assert!(!rules.iter().any(|rule| rule.contains("delete_customer")), "{rules:?}");
    let after_first = home.read(".claude/settings.json");
    apply();
    assert_eq!(
        home.read(".claude/settings.json"),
        after_first,
        "applying again changes nothing"
    );

    let exported = outputs(&home.command().arg("export").assert().success()).0;
    assert_eq!(exported.matches("approve = \"read-only\"\n").count(), 2, "{exported}");

    // A bad value is refused at its position, nothing written.
    home.write(
        "project/tray-mcp.toml",
        format!(
            "[servers.tray-a]\nworkspace = \"{WORKSPACE}\"\nclients = [\"claude-code\"]\napprove = \"everything\"\n"
        ),
    );
    let refused = home.command().args(["apply", "--check"]).assert().failure();
    let (_, stderr) = outputs(&refused);
    assert!(stderr.contains("unknown approval \"everything\""), "{stderr}");
    assert!(stderr.contains(":4:"), "{stderr}");
}

#[test]
fn uninstall_all_and_apply_prune_take_the_approvals_out_with_their_profiles() {
    let home = FakeHome::new();
    home.write(".claude/settings.json", SETTINGS);
    for name in ["tray-a", "tray-b"] {
        home.install(&["-c", "claude-code", "-n", name, "--approve", "read-only", "--no-verify"])
            .success();
    }
    assert_eq!(allowed(&home).len(), 2 + 7 + 7);

    // apply --prune with a manifest that keeps tray-a only: tray-b's rules go with it.
    home.write(
        "project/tray-mcp.toml",
        format!(
            "[servers.tray-a]\nworkspace = \"{WORKSPACE}\"\nclients = [\"claude-code\"]\ntoken = {{ env = \"A_TOKEN\" }}\n"
        ),
    );
    home.command()
        .args(["apply", "--prune", "--no-verify"])
        .env("A_TOKEN", TOKEN)
        .assert()
        .success();
    let rules = allowed(&home);
    assert_eq!(rules.len(), 2 + 7, "{rules:?}");
    assert!(rules.iter().all(|rule| !rule.starts_with("mcp__tray-b__")), "{rules:?}");

    home.command()
        .env_remove("TRAY_MCP_INSTALL_DIR")
        .args(["uninstall", "--all"])
        .assert()
        .success();
    assert_eq!(home.read(".claude/settings.json"), SETTINGS);
}

fn cline_entry(home: &FakeHome, name: &str) -> Value {
    let file: Value =
        serde_json::from_str(&home.read(".cline/data/settings/cline_mcp_settings.json")).expect("cline JSON");
    file["mcpServers"][name].clone()
}

#[test]
fn cline_gets_auto_approve_in_its_entry_and_the_user_s_own_items_stay() {
    let home = FakeHome::new();
    home.install(&[
        "-c",
        "cline,kiro",
        "-n",
        "tray",
        "--approve",
        "read-only",
        "--no-verify",
    ])
    .success();
    let mut approved: Vec<String> =
        serde_json::from_value(cline_entry(&home, "tray")["autoApprove"].clone()).expect("autoApprove list");
    approved.sort();
    assert_eq!(approved, BUILTIN.map(String::from).to_vec());
    let kiro: Value = serde_json::from_str(&home.read(".kiro/settings/mcp.json")).expect("kiro JSON");
    assert_eq!(
        kiro["mcpServers"]["tray"]["autoApprove"].as_array().map(Vec::len),
        Some(7)
    );

    // The user approves a tool of their own there; approving again with a narrower filter keeps
    // theirs, keeps ours that still pass, and drops ours that no longer do.
    let path = ".cline/data/settings/cline_mcp_settings.json";
    let text = home
        .read(path)
        .replace("\"autoApprove\": [", "\"autoApprove\": [\n        \"their_tool\",");
    home.write(path, text);
    home.install(&[
        "-c",
        "cline",
        "-n",
        "tray",
        "--approve",
        "read-only",
        "--tools",
        "list_*",
        "--no-verify",
        "-y",
    ])
    .success();
    let approved = cline_entry(&home, "tray")["autoApprove"].clone();
    let approved: Vec<&str> = approved.as_array().unwrap().iter().filter_map(Value::as_str).collect();
    assert!(approved.contains(&"their_tool"), "{approved:?}");
    assert!(approved.contains(&"list_workflows"), "{approved:?}");
    assert!(!approved.contains(&"get_authenticated_user"), "{approved:?}");
    assert_eq!(approved.len(), 1 + 4, "{approved:?}");

    // A reinstall without --approve leaves the list as it is; doctor shows it; rename moves it.
    home.install(&["-c", "cline", "-n", "tray", "--no-verify", "-y"])
        .success();
    assert_eq!(
        cline_entry(&home, "tray")["autoApprove"].as_array().map(Vec::len),
        Some(5)
    );
    home.command().args(["rename", "tray", "tray-ops"]).assert().success();
    let (report, _) = outputs(&home.command().args(["doctor", "tray-ops"]).assert());
    assert!(
        report.contains("4 read-only tools of tray-ops are approved ahead"),
        "{report}"
    );
    assert!(!report.contains("no longer in"), "{report}");
    home.command().args(["remove", "tray-ops"]).assert().success();
    assert_eq!(cline_entry(&home, "tray-ops"), Value::Null);
}

/// Codex's config with a server of the user's and a tool table of theirs in our entry's place
/// to come.
const CODEX_CONFIG: &str = "# my Codex settings\nmodel = \"o3\"\n\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\n";

/// The tools Codex approves ahead in the entry `name`: those whose table says
/// `approval_mode = "approve"`, sorted.
fn codex_approved(home: &FakeHome, name: &str) -> Vec<String> {
    let document: toml_edit::DocumentMut = home.read(".codex/config.toml").parse().expect("TOML");
    let Some(tools) = document["mcp_servers"][name]["tools"].as_table_like() else {
        return Vec::new();
    };
    let mut approved: Vec<String> = tools
        .iter()
        .filter(|(_, table)| table.get("approval_mode").and_then(|mode| mode.as_str()) == Some("approve"))
        .map(|(tool, _)| tool.to_string())
        .collect();
    approved.sort();
    approved
}

#[test]
fn codex_gets_approval_mode_approve_per_read_only_tool_and_the_user_s_own_modes_stay() {
    let home = FakeHome::new();
    home.write(".codex/config.toml", CODEX_CONFIG);
    let tray = FakeTray::start(Behavior::Normal);
    let gateway = annotated_gateway();
    let install = |args: &[&str]| {
        let mut command = home.command();
        command
            .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "codex", "-n", "tray", "-y"])
            .args(args)
            .envs(tray.api_variables())
            .env("TRAY_GATEWAY_URL", gateway.url())
            .write_stdin(format!("{TOKEN}\n"));
        command.assert().success()
    };
    let installed = install(&["--approve", "read-only"]);
    let (_, stderr) = outputs(&installed);
    assert!(stderr.contains("Codex: approved 8 read-only tools"), "{stderr}");
    let mut expected: Vec<String> = BUILTIN.map(String::from).to_vec();
    expected.push("lookup_customer".into());
    expected.sort();
    assert_eq!(codex_approved(&home, "tray"), expected, "never delete_customer");
    let written = home.read(".codex/config.toml");
    assert!(written.starts_with(CODEX_CONFIG), "{written}");
    assert!(!written.contains("delete_customer"), "{written}");

    // The user makes one of ours ask again and sets a mode of their own for delete_customer;
    // approving again with a narrower filter keeps both, and drops ours that no longer pass.
    let edited = written.replacen(
        "get_authenticated_user = { approval_mode = \"approve\" }",
        "get_authenticated_user = { approval_mode = \"approve\" }, delete_customer = { approval_mode = \"prompt\" }",
        1,
    );
    assert_ne!(edited, written, "the table to edit is there: {written}");
    home.write(".codex/config.toml", edited);
    install(&["--approve", "read-only", "--tools", "list_*,lookup_*,delete_*"]);
    let approved = codex_approved(&home, "tray");
    assert_eq!(
        approved,
        [
            "list_available_connectors",
            "list_integration_solutions",
            "list_workflow_executions",
            "list_workflows",
            "lookup_customer"
        ],
        "{}",
        home.read(".codex/config.toml")
    );
    let written = home.read(".codex/config.toml");
    let document: toml_edit::DocumentMut = written.parse().expect("TOML");
    assert_eq!(
        document["mcp_servers"]["tray"]["tools"]["delete_customer"]["approval_mode"].as_str(),
        Some("prompt"),
        "{written}"
    );
    assert!(!written.contains("get_authenticated_user"), "{written}");

    // A reinstall without --approve leaves the table; doctor lists the approvals; rename moves
    // them with the entry and remove takes them away, restoring the file.
    install(&[]);
    assert_eq!(codex_approved(&home, "tray").len(), 5);
    let (report, _) = outputs(&home.command().args(["doctor", "tray"]).assert());
    assert!(
        report.contains("5 read-only tools of tray are approved ahead"),
        "{report}"
    );
    assert!(!report.contains("no longer in"), "{report}");
    home.command().args(["rename", "tray", "tray-ops"]).assert().success();
    assert_eq!(codex_approved(&home, "tray-ops").len(), 5);
    home.command().args(["remove", "tray-ops"]).assert().success();
    assert_eq!(home.read(".codex/config.toml"), CODEX_CONFIG);
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn the_real_codex_loads_the_approval_modes_we_wrote() {
    let tools = support::test_tools();
    let home = FakeHome::new();
    home.write(".codex/config.toml", CODEX_CONFIG);
    home.install(&["-c", "codex", "-n", "tray", "--approve", "read-only", "--no-verify"])
        .success();
    assert_eq!(codex_approved(&home, "tray").len(), 7);
    // Codex reads `approval_mode` as an enum (auto, prompt, writes, approve) and refuses the
    // whole config for any other value, so loading it proves the key and value are its own.
    let output = support::client_cli(&home, &tools, "codex")
        .args(["mcp", "get", "tray", "--json"])
        .output()
        .expect("run codex");
    assert!(
        output.status.success(),
        "codex refused the config: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let shown: Value = serde_json::from_slice(&output.stdout).expect("codex prints JSON");
    assert_eq!(shown["transport"]["type"], "stdio", "{shown}");
    home.write(
        ".codex/config.toml",
        home.read(".codex/config.toml")
            .replacen("\"approve\"", "\"approved\"", 1),
    );
    let refused = support::client_cli(&home, &tools, "codex")
        .args(["mcp", "get", "tray", "--json"])
        .output()
        .expect("run codex");
    assert!(!refused.status.success(), "a value Codex does not know is refused");
}
