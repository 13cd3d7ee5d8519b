//! The real Claude Code CLI (`@anthropic-ai/claude-code`, pinned by scripts/test.sh) reads
//! what we wrote, in each of its three scopes.

use crate::support;

use std::path::Path;

use support::{FakeHome, test_tools};

fn claude_mcp_get(home: &FakeHome, tools: &Path, name: &str) -> String {
    let output = std::process::Command::new(tools.join("npm/node_modules/.bin/claude"))
        .args(["mcp", "get", name])
        .current_dir(home.project())
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        // Anything that tries the network fails here, on this machine.
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .output()
        .expect("run claude");
    assert!(
        output.status.success(),
        "claude mcp get {name} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn claude_code_finds_our_entries_in_user_local_and_project_scope() {
    let tools = test_tools();
    let home = FakeHome::new();
    home.write(".claude.json", support::fixture("claude_code_state.json"));
    let binary = std::fs::canonicalize(assert_cmd::cargo::cargo_bin("tray-mcp")).expect("binary");
    for (name, scope, label) in [
        ("tray-user", "user", "User config"),
        ("tray-local", "local", "Local config"),
        ("tray-project", "project", "Project config"),
    ] {
        home.install(&["-c", "claude-code", "--scope", scope, "-n", name])
            .success();
        let shown = claude_mcp_get(&home, &tools, name);
        assert!(
            shown.contains(&format!("Scope: {label}")),
            "{name}: wrong scope:\n{shown}"
        );
        assert!(
            shown.contains(&format!("Command: {}", binary.display())),
            "{name}: wrong command:\n{shown}"
        );
        assert!(
            shown.contains(&format!("Args: serve --profile {name}")),
            "{name}: wrong args:\n{shown}"
        );
        assert!(
            !shown.contains(support::TOKEN),
            "stdio entries must not carry the token"
        );
    }
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn claude_code_reads_a_headless_entry_as_an_http_server_without_headers() {
    let tools = test_tools();
    let home = FakeHome::new();
    home.write(".claude.json", support::fixture("claude_code_state.json"));
    home.command()
        .args(["install", "--headless", "-c", "claude-code", "--region", "eu1"])
        .assert()
        .success();
    let shown = claude_mcp_get(&home, &tools, "tray-headless");
    assert!(shown.contains("Type: http"), "not an http server:\n{shown}");
    assert!(
        shown.contains("URL: https://api.eu1.tray.io/mcp"),
        "wrong URL:\n{shown}"
    );
    assert!(
        !shown.contains("Authorization"),
        "a headless entry must carry no header:\n{shown}"
    );
}
