//! The real CLIs of Gemini CLI, Qwen Code, Copilot CLI, Cline and OpenCode (pinned by
//! scripts/test.sh) read back what we wrote, each through its own offline command, with the
//! network pointed at a dead loopback proxy. Gemini CLI and Qwen Code start our sandbox server
//! and must report it Connected.

mod common;

use std::path::Path;

use common::{FakeHome, WORKSPACE, outputs, test_tools};
use serde_json::Value;

/// Runs a client CLI in the fake home; returns its stdout (and, for the text listings some of
/// them print there, `with_stderr`: its stderr after it).
fn run(home: &FakeHome, tools: &Path, program: &str, args: &[&str]) -> String {
    run_with(home, tools, program, args, false)
}

fn run_with(home: &FakeHome, tools: &Path, program: &str, args: &[&str], with_stderr: bool) -> String {
    let output = std::process::Command::new(tools.join("npm/node_modules/.bin").join(program))
        .args(args)
        .current_dir(home.project())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("NO_COLOR", "1")
        // Anything that tries the network fails here, on this machine.
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .output()
        .unwrap_or_else(|error| panic!("run {program}: {error}"));
    assert!(
        output.status.success(),
        "{program} {args:?} failed (exit {:?}):\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let mut printed = String::from_utf8_lossy(&output.stdout).into_owned();
    if with_stderr {
        printed.push_str(&String::from_utf8_lossy(&output.stderr));
    }
    printed
}

fn sandbox_install(home: &FakeHome, client: &str) {
    let assert = home.command().args(["--sandbox", "-c", client]).assert().success();
    assert!(outputs(&assert).0.contains("Added"), "{}", outputs(&assert).0);
}

fn binary() -> String {
    std::fs::canonicalize(assert_cmd::cargo::cargo_bin("tray-mcp"))
        .expect("binary")
        .to_string_lossy()
        .into_owned()
}

#[test]
fn gemini_cli_connects_to_our_sandbox_entry() {
    let Some(tools) = test_tools() else { return };
    let home = FakeHome::new();
    // The user's own settings: comments kept, folder trust off so servers start here.
    home.write(
        ".gemini/settings.json",
        "{\n  // mine\n  \"security\": {\"folderTrust\": {\"enabled\": false}}\n}\n",
    );
    sandbox_install(&home, "gemini");
    let listed = run_with(&home, &tools, "gemini", &["mcp", "list"], true);
    let line = format!("tray-workspace: {} serve --sandbox (stdio) - Connected", binary());
    assert!(listed.contains(&line), "expected {line:?} in:\n{listed}");
}

#[test]
fn qwen_code_connects_to_our_sandbox_entry() {
    let Some(tools) = test_tools() else { return };
    let home = FakeHome::new();
    sandbox_install(&home, "qwen");
    let listed = run_with(&home, &tools, "qwen", &["mcp", "list"], true);
    let line = format!("tray-workspace: {} serve --sandbox (stdio) - Connected", binary());
    assert!(listed.contains(&line), "expected {line:?} in:\n{listed}");
}

#[test]
fn copilot_cli_reads_our_stdio_and_http_entries() {
    let Some(tools) = test_tools() else { return };
    let home = FakeHome::new();
    sandbox_install(&home, "copilot");
    home.install(&["-c", "copilot", "-n", "tray-http", "--transport", "http"])
        .success();
    let listed: Value = serde_json::from_str(&run(&home, &tools, "copilot", &["mcp", "list", "--json"])).expect("json");
    let stdio = &listed["mcpServers"]["tray-workspace"];
    assert_eq!(stdio["type"], "local");
    assert_eq!(stdio["command"], binary());
    assert_eq!(stdio["args"], serde_json::json!(["serve", "--sandbox"]));
    assert_eq!(stdio["enabled"], true);
    let http = &listed["mcpServers"]["tray-http"];
    assert_eq!(http["type"], "http");
    assert_eq!(http["url"], format!("https://{WORKSPACE}.mcp.tray.ai"));
}

#[test]
fn cline_reads_our_stdio_and_http_entries() {
    let Some(tools) = test_tools() else { return };
    let home = FakeHome::new();
    sandbox_install(&home, "cline");
    home.install(&["-c", "cline", "-n", "tray-http", "--transport", "http"])
        .success();
    let listed: Value = serde_json::from_str(&run(&home, &tools, "cline", &["config", "mcp", "--json"])).expect("json");
    let transport = |name: &str| {
        listed
            .as_array()
            .and_then(|servers| servers.iter().find(|server| server["name"] == name))
            .map(|server| (server["transportType"].clone(), server["disabled"].clone()))
    };
    assert_eq!(
        transport("tray-workspace"),
        Some((Value::from("stdio"), Value::from(false))),
        "{listed}"
    );
    assert_eq!(
        transport("tray-http"),
        Some((Value::from("streamableHttp"), Value::from(false))),
        "{listed}"
    );
}

#[test]
fn opencode_reads_our_stdio_and_http_entries() {
    let Some(tools) = test_tools() else { return };
    let home = FakeHome::new();
    sandbox_install(&home, "opencode");
    home.install(&["-c", "opencode", "-n", "tray-http", "--transport", "http"])
        .success();
    let printed = run(&home, &tools, "opencode", &["debug", "config"]);
    let config: Value = serde_json::from_str(&printed).expect("opencode prints its merged config as JSON");
    let stdio = &config["mcp"]["tray-workspace"];
    assert_eq!(stdio["type"], "local");
    assert_eq!(stdio["command"], serde_json::json!([binary(), "serve", "--sandbox"]));
    assert_eq!(stdio["enabled"], true);
    let http = &config["mcp"]["tray-http"];
    assert_eq!(http["type"], "remote");
    assert_eq!(http["url"], format!("https://{WORKSPACE}.mcp.tray.ai"));
}
