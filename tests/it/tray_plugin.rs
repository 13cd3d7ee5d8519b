//! Tray's own Claude Code plugin (`trayio/tray-plugins`, plugin `tray-workflows`, a Headless
//! MCP server named `tray` fixed to the US endpoint) beside tray-mcp's entries (issue 26): `list`
//! shows it, `install --headless` beside it says so, `doctor` flags the duplicate `--headless`
//! entry and a region that is not the plugin's; a plugin turned off in the settings is left out.
//! The real Claude Code CLI installs the plugin from a local marketplace shaped like Tray's, so
//! what tray-mcp reads is what Claude Code itself wrote.

use crate::support;

use serde_json::{Value, json};
use support::{FakeHome, client_cli, outputs};

/// A Claude Code home with the plugin installed as Claude Code records it.
fn home_with_plugin() -> FakeHome {
    let home = FakeHome::new();
    let root = home.path(".claude/plugins/cache/tray-plugins/tray-workflows/1.2.0");
    home.write(
        ".claude/plugins/cache/tray-plugins/tray-workflows/1.2.0/.mcp.json",
        "{\n  \"mcpServers\": {\n    \"tray\": {\"type\": \"http\", \"url\": \"https://api.tray.io/mcp\"}\n  }\n}\n",
    );
    let installed = json!({"version": 2, "plugins": {"tray-workflows@tray-plugins": [
        {"scope": "user", "installPath": root, "version": "1.2.0", "installedAt": "2026-11-02T10:00:00.000Z"}
    ]}});
    home.write(".claude/plugins/installed_plugins.json", installed.to_string());
    home.write(".claude.json", "{\"numStartups\": 3}\n");
    home
}

#[test]
fn list_shows_the_plugin_server_and_doctor_flags_a_duplicate_and_another_region() {
    let home = home_with_plugin();
    let listed = home.command().arg("list").assert().success();
    let (stdout, _) = outputs(&listed);
    assert!(
        stdout.contains(
            "plugin server (not tray-mcp's): tray (Claude Code plugin tray-workflows@tray-plugins, Headless MCP us1)"
        ),
        "{stdout}"
    );
    let json: Value =
        serde_json::from_str(&outputs(&home.command().args(["list", "--json"]).assert().success()).0).expect("json");
    assert_eq!(json["plugins"][0]["server"], json!("tray"));
    assert_eq!(json["plugins"][0]["region"], json!("us1"));

    let installed = home
        .command()
        .args(["install", "--headless", "--region", "eu1", "-c", "claude-code"])
        .assert()
        .success();
    let (_, stderr) = outputs(&installed);
    assert!(
        stderr.contains("Tray's plugin already provides a Headless MCP server here"),
        "{stderr}"
    );
    assert!(stderr.contains("it talks to us1, this entry to eu1"), "{stderr}");

    let doctor = home.command().arg("doctor").assert().failure();
    let (stdout, _) = outputs(&doctor);
    assert!(
        stdout.contains("the entry tray-headless (--headless) duplicates the plugin's server \"tray\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("talks to the Headless MCP in us1, and the entry tray-headless works in eu1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("claude plugin disable tray-workflows@tray-plugins"),
        "{stdout}"
    );
}

#[test]
fn a_plugin_turned_off_is_not_listed_and_nothing_is_flagged() {
    let home = home_with_plugin();
    home.write(
        ".claude/settings.json",
        "{\"enabledPlugins\": {\"tray-workflows@tray-plugins\": false}}\n",
    );
    let listed = home.command().args(["list", "--json"]).assert().success();
    let json: Value = serde_json::from_str(&outputs(&listed).0).expect("json");
    assert_eq!(json["plugins"], json!([]));
    let installed = home
        .command()
        .args(["install", "--headless", "-c", "claude-code"])
        .assert()
        .success();
    assert!(!outputs(&installed).1.contains("Tray's plugin"));
}

/// The pinned Claude Code CLI in `home`, offline.
fn claude(home: &FakeHome, tools: &std::path::Path, args: &[&str]) -> String {
    let output = client_cli(home, tools, "claude")
        .args(args)
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run claude");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "claude {args:?} failed:\n{text}");
    text
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn real_claude_code_installs_tray_s_plugin_and_tray_mcp_sees_what_it_wrote() {
    let tools = support::test_tools();
    let home = FakeHome::new();
    home.write(".claude.json", "{\"numStartups\": 3}\n");
    // A local marketplace shaped like trayio/tray-plugins: plugin tray-workflows, server tray.
    home.write(
        "market/.claude-plugin/marketplace.json",
        r#"{"name": "tray-plugins", "owner": {"name": "Tray.ai"}, "plugins": [{"name": "tray-workflows", "source": "./tray-workflows", "description": "Tray workflows"}]}"#,
    );
    home.write(
        "market/tray-workflows/.claude-plugin/plugin.json",
        r#"{"name": "tray-workflows", "version": "1.2.0", "description": "Tray workflows"}"#,
    );
    home.write(
        "market/tray-workflows/.mcp.json",
        r#"{"mcpServers": {"tray": {"type": "http", "url": "https://api.tray.io/mcp"}}}"#,
    );
    let market = home.path("market");
    claude(
        &home,
        &tools,
        &["plugin", "marketplace", "add", &market.to_string_lossy()],
    );
    claude(&home, &tools, &["plugin", "install", "tray-workflows@tray-plugins"]);
    let servers = claude(&home, &tools, &["mcp", "list"]);
    assert!(
        servers.contains("plugin:tray-workflows:tray: https://api.tray.io/mcp"),
        "{servers}"
    );

    let (listed, _) = outputs(&home.command().arg("list").assert().success());
    assert!(
        listed.contains("tray (Claude Code plugin tray-workflows@tray-plugins, Headless MCP us1)"),
        "{listed}"
    );
    home.command()
        .args(["install", "--headless", "--region", "eu1", "-c", "claude-code"])
        .assert()
        .success();
    let (report, _) = outputs(&home.command().arg("doctor").assert().failure());
    assert!(report.contains("duplicates the plugin's server \"tray\""), "{report}");
    assert!(report.contains("the entry tray-headless works in eu1"), "{report}");

    claude(&home, &tools, &["plugin", "disable", "tray-workflows@tray-plugins"]);
    let (listed, _) = outputs(&home.command().arg("list").assert().success());
    assert!(
        !listed.contains("plugin server"),
        "a plugin turned off is not listed: {listed}"
    );
}

/// The Codex plugin as `codex plugin add` installs it (checked with the real Codex below): a
/// table in config.toml and the plugin's files in Codex's plugin cache.
fn codex_home_with_plugin(enabled: bool) -> FakeHome {
    let home = FakeHome::new();
    home.write(
        ".codex/config.toml",
        format!("model = \"o3\"\n\n[plugins.\"tray-workflows@tray-plugins\"]\nenabled = {enabled}\n"),
    );
    home.write(
        ".codex/plugins/cache/tray-plugins/tray-workflows/1.2.0/.codex-plugin/plugin.json",
        "{\"name\": \"tray-workflows\", \"version\": \"1.2.0\", \"mcpServers\": \"./.mcp.json\"}\n",
    );
    home.write(
        ".codex/plugins/cache/tray-plugins/tray-workflows/1.2.0/.mcp.json",
        "{\"mcpServers\": {\"tray\": {\"type\": \"http\", \"url\": \"https://api.tray.io/mcp\"}}}\n",
    );
    home
}

#[test]
fn codex_s_plugin_is_listed_and_doctor_flags_a_duplicate_and_another_region() {
    let home = codex_home_with_plugin(true);
    let (stdout, _) = outputs(&home.command().arg("list").assert().success());
    assert!(
        stdout.contains(
            "plugin server (not tray-mcp's): tray (Codex plugin tray-workflows@tray-plugins, Headless MCP us1)"
        ),
        "{stdout}"
    );
    let installed = home
        .command()
        .args(["install", "--headless", "--region", "eu1", "-c", "codex"])
        .assert()
        .success();
    let (_, stderr) = outputs(&installed);
    assert!(stderr.contains("it talks to us1, this entry to eu1"), "{stderr}");
    assert!(
        stderr.contains("codex plugin remove tray-workflows@tray-plugins"),
        "{stderr}"
    );
    let (stdout, _) = outputs(&home.command().arg("doctor").assert().failure());
    assert!(
        stdout.contains("the entry tray-headless (--headless) duplicates the plugin's server \"tray\""),
        "{stdout}"
    );
    assert!(
        stdout.contains("talks to the Headless MCP in us1, and the entry tray-headless works in eu1"),
        "{stdout}"
    );

    // Turned off in config.toml: not listed, nothing flagged.
    let off = codex_home_with_plugin(false);
    let listed: Value =
        serde_json::from_str(&outputs(&off.command().args(["list", "--json"]).assert().success()).0).expect("json");
    assert_eq!(listed["plugins"], json!([]));
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn real_codex_installs_tray_s_plugin_and_tray_mcp_sees_what_it_wrote() {
    let tools = support::test_tools();
    let home = FakeHome::new();
    home.write(".codex/config.toml", "model = \"o3\"\n");
    // A local marketplace shaped as Codex reads one: tray-workflows with a server named tray.
    home.write(
        "market/.agents/plugins/marketplace.json",
        "{\"name\": \"tray-plugins\", \"plugins\": [{\"name\": \"tray-workflows\", \"source\": {\"source\": \"local\", \"path\": \"./plugins/tray-workflows\"}}]}\n",
    );
    home.write(
        "market/plugins/tray-workflows/.codex-plugin/plugin.json",
        "{\"name\": \"tray-workflows\", \"version\": \"1.2.0\", \"description\": \"Tray\", \"mcpServers\": \"./.mcp.json\"}\n",
    );
    home.write(
        "market/plugins/tray-workflows/.mcp.json",
        "{\"mcpServers\": {\"tray\": {\"type\": \"http\", \"url\": \"https://api.tray.io/mcp\"}}}\n",
    );
    let codex = |args: &[&str]| {
        let output = client_cli(&home, &tools, "codex")
            .args(args)
            .output()
            .expect("run codex");
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.status.success(), "codex {args:?} failed:\n{text}");
        text
    };
    codex(&["plugin", "marketplace", "add", &home.path("market").to_string_lossy()]);
    codex(&["plugin", "add", "tray-workflows@tray-plugins"]);
    assert!(
        codex(&["mcp", "list", "--json"]).contains("https://api.tray.io/mcp"),
        "Codex serves it"
    );
    let listed: Value =
        serde_json::from_str(&outputs(&home.command().args(["list", "--json"]).assert().success()).0).expect("json");
    assert_eq!(listed["plugins"][0]["server"], json!("tray"), "{listed}");
    assert_eq!(listed["plugins"][0]["client"], json!("codex"), "{listed}");
    // The step tray-mcp suggests turns it off.
    codex(&["plugin", "remove", "tray-workflows@tray-plugins"]);
    let listed: Value =
        serde_json::from_str(&outputs(&home.command().args(["list", "--json"]).assert().success()).0).expect("json");
    assert_eq!(listed["plugins"], json!([]), "{listed}");
}
