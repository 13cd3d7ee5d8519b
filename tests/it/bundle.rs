//! `tray-mcp bundle`: the official MCP Bundle CLI (`@anthropic-ai/mcpb`, pinned in
//! scripts/test.sh) validates and unpacks the `.mcpb`; the unpacked binary, started exactly as
//! its manifest says (the `${...}` variables filled in as Claude Desktop fills them), serves the
//! Tray tools to the official Python SDK, and the token field is sensitive.

use crate::support;

use std::path::Path;
use std::process::Command;

use serde_json::{Value, json};
use support::FakeHome;
use support::fake_gateway::{FakeGateway, GatewayBehavior};
use support::fake_tray::{Behavior, FakeTray};

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const TOKEN: &str = "tray-bundle-token-7c1d9e";

fn run(command: &mut Command, what: &str) -> String {
    let output = command.output().unwrap_or_else(|error| panic!("{what}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{what} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    stdout
}

/// Replaces the manifest variables Claude Desktop fills in: `${__dirname}` and
/// `${user_config.KEY}`.
fn substitute(text: &str, dirname: &Path, user_config: &Value) -> String {
    let mut text = text.replace("${__dirname}", &dirname.to_string_lossy());
    for (key, value) in user_config.as_object().expect("user config") {
        text = text.replace(
            &format!("${{user_config.{key}}}"),
            value.as_str().expect("a string value"),
        );
    }
    assert!(!text.contains("${"), "a variable is left: {text}");
    text
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn the_official_cli_validates_and_unpacks_the_bundle_and_it_serves_the_tray_tools() {
    let tools = support::test_tools();
    let mcpb = tools.join("npm/node_modules/.bin/mcpb");
    let home = FakeHome::new();
    let bundle = home.home().join("tray.mcpb");
    let stdout = run(
        &mut home.serve_command(&["bundle", "--out", "tray.mcpb", "-w", WORKSPACE, "--region", "eu1"]),
        "tray-mcp bundle",
    );
    assert_eq!(stdout.trim(), bundle.to_string_lossy());

    let unpacked = home.home().join("unpacked");
    run(
        Command::new(&mcpb).arg("unpack").arg(&bundle).arg(&unpacked),
        "mcpb unpack",
    );
    let manifest_path = unpacked.join("manifest.json");
    let validated = run(Command::new(&mcpb).arg("validate").arg(&manifest_path), "mcpb validate");
    assert!(validated.contains("Manifest schema validation passes"), "{validated}");

    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(&manifest_path).expect("manifest")).expect("JSON");
    assert_eq!(manifest["manifest_version"], "0.3");
    assert_eq!(manifest["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(manifest["server"]["type"], "binary");
    let user_config = &manifest["user_config"];
    assert_eq!(user_config["api_token"]["sensitive"], true);
    assert_eq!(user_config["api_token"].get("default"), None);
    assert_eq!(
        user_config["workspace_id"]["default"], WORKSPACE,
        "the given workspace is pre-filled"
    );
    assert_eq!(user_config["region"]["default"], "eu1");
    assert!(
        !std::fs::read_to_string(&manifest_path)
            .expect("manifest")
            .contains(TOKEN)
    );
    let program = unpacked.join(manifest["server"]["entry_point"].as_str().expect("entry point"));
    assert_eq!(
        std::fs::read(&program).expect("the bundled binary"),
        std::fs::read(support::serve::binary()).expect("tray-mcp"),
        "the bundle holds this tray-mcp"
    );

    // What the user types into Claude Desktop: the pre-filled workspace and region, a token.
    let answers = json!({
        "workspace_id": user_config["workspace_id"]["default"],
        "region": user_config["region"]["default"],
        "api_token": TOKEN,
    });
    let config = substitute(&manifest["server"]["mcp_config"].to_string(), &unpacked, &answers);
    let config_path = home.home().join("mcp_config.json");
    std::fs::write(&config_path, &config).expect("write the config");

    let tray = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let mut python = Command::new(tools.join("venv/bin/python"));
    python
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/bundle_client.py"))
        .arg(&config_path)
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .envs(tray.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1")
        .env_remove("TRAY_API_TOKEN")
        .env_remove("RUST_LOG");
    let report: Value = serde_json::from_str(&run(&mut python, "the Python SDK client")).expect("JSON report");
    let listed: Vec<&str> = report["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for tool in [
        "get_authenticated_user",
        "list_workflows",
        "explain_workflow_failure",
        "send_slack_message",
    ] {
        assert!(listed.contains(&tool), "{tool} is not listed: {listed:?}");
    }
    // The gateway's tools came with the token the user typed, as a bearer.
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        gateway
            .requests()
            .iter()
            .any(|request| request.header("authorization") == Some(bearer.as_str())),
        "the gateway never saw the user's token"
    );
}

#[test]
fn another_platforms_binary_is_bundled_under_its_name() {
    let home = FakeHome::new();
    let fake = home.home().join("tray-mcp.exe");
    std::fs::write(&fake, b"MZ not really a Windows binary").expect("write");
    run(
        &mut home.serve_command(&[
            "bundle",
            "--out",
            "win.mcpb",
            "--binary",
            "tray-mcp.exe",
            "--platform",
            "win32",
        ]),
        "tray-mcp bundle --platform win32",
    );
    let output = home
        .serve_command(&["bundle", "--binary", "tray-mcp.exe"])
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(2), "--binary needs --platform");
    let bytes = std::fs::read(home.home().join("win.mcpb")).expect("bundle");
    assert!(bytes.starts_with(b"PK\x03\x04"), "a zip");
    let text = String::from_utf8_lossy(&bytes);
    assert!(
        text.contains("server/tray-mcp.exe") && text.contains("manifest.json"),
        "its entries are named"
    );
}
