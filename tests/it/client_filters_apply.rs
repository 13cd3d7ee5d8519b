//! The clients' own tool filters from a manifest (issue 26): `apply` writes `tools` /
//! `exclude_tools` of a bridge or http server into each client's filter keys in exact names,
//! its wildcards expanded against the tools its token check listed (a loopback gateway here);
//! without a listing (`--no-verify`, `--check`) a wildcard is refused at its place in the
//! manifest and nothing is written; `export` writes the exact names back, which apply offline.

use crate::support;

use serde_json::{Value, json};
use support::fake_gateway::FakeGateway;
use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

/// The gateway's tools: the fake's usual three (list_workflows, send_slack_message,
/// drop_mid_stream) and two customer tools.
fn gateway() -> FakeGateway {
    FakeGateway::start_listing(
        false,
        vec![
            json!({"name": "list_customers", "inputSchema": {"type": "object"}}),
            json!({"name": "lookup_customer", "inputSchema": {"type": "object"}}),
        ],
    )
}

/// A Gemini http entry taking the `list_*` tools and a Qwen Code bridge entry leaving out the
/// `send_*` ones.
fn manifest() -> String {
    format!(
        r#"[servers.tray-gemini]
workspace = "{WORKSPACE}"
kind = "http"
clients = ["gemini"]
token = {{ env = "WORK_TOKEN" }}
tools = ["list_*"]

[servers.tray-qwen]
workspace = "{WORKSPACE}"
kind = "bridge"
clients = ["qwen"]
token = {{ env = "WORK_TOKEN" }}
exclude_tools = ["send_*"]
"#
    )
}

/// `apply ARGS` with the token in the environment and the gateway at `gateway` (when given).
fn apply(home: &FakeHome, gateway: Option<&FakeGateway>, args: &[&str]) -> assert_cmd::assert::Assert {
    let mut command = home.command();
    command.arg("apply").args(args).env("WORK_TOKEN", TOKEN);
    if let Some(gateway) = gateway {
        command.env("TRAY_GATEWAY_URL", gateway.url());
    }
    command.assert()
}

fn entry(home: &FakeHome, path: &str, name: &str) -> Value {
    let settings: Value = serde_json::from_str(&home.read(path)).unwrap_or_else(|error| panic!("{path}: {error}"));
    settings["mcpServers"][name].clone()
}

#[test]
fn a_manifest_s_wildcards_become_exact_names_from_the_listing_and_export_round_trips_them() {
    let home = FakeHome::new();
    let gateway = gateway();
    home.write("project/tray-mcp.toml", manifest());
    let applied = apply(&home, Some(&gateway), &[]).success();
    assert_no_token(&applied);
    // One listing per server: the token check's, which the filter goes by.
    assert_eq!(gateway.count("tools/list"), 2);
    let (_, stderr) = outputs(&applied);
    assert!(
        stderr.contains("lets through 2 of the 5 tools the Agent Gateway lists: list_workflows, list_customers"),
        "{stderr}"
    );
    let gemini = entry(&home, ".gemini/settings.json", "tray-gemini");
    assert_eq!(
        gemini["includeTools"],
        json!(["list_workflows", "list_customers"]),
        "{gemini}"
    );
    assert!(gemini.get("excludeTools").is_none(), "{gemini}");
    let qwen = entry(&home, ".qwen/settings.json", "tray-qwen");
    assert_eq!(qwen["excludeTools"], json!(["send_slack_message"]), "{qwen}");
    assert!(qwen.get("includeTools").is_none(), "{qwen}");

    // Export writes the exact names; applied back offline, they change no byte, and --check
    // (which reads no network) finds no drift.
    let export = home.command().arg("export").assert().success();
    assert_no_token(&export);
    let text = outputs(&export).0;
    assert!(
        text.contains("tools = [\"list_workflows\", \"list_customers\"]\n"),
        "{text}"
    );
    assert!(text.contains("exclude_tools = [\"send_slack_message\"]\n"), "{text}");
    let exported: Value =
        serde_json::from_str(&outputs(&home.command().args(["export", "--json"]).assert().success()).0).expect("json");
    assert_eq!(
        exported["servers"]["tray-qwen"]["exclude_tools"],
        json!(["send_slack_message"])
    );
    home.write(
        "project/tray-mcp.toml",
        text.replace("TRAY_TOKEN_TRAY_GEMINI", "WORK_TOKEN")
            .replace("TRAY_TOKEN_TRAY_QWEN", "WORK_TOKEN"),
    );
    let before = home.snapshot_files();
    let again = apply(&home, None, &["--no-verify", "--json"]).success();
    let report: Value = serde_json::from_str(&outputs(&again).0).expect("json");
    assert_eq!(report["changed"], false, "{report}");
    assert_eq!(home.snapshot_files(), before);
    apply(&home, None, &["--check"]).success();

    // A server without tools leaves the client's filter as it is; `tools = ["*"]` clears it.
    home.write(
        "project/tray-mcp.toml",
        manifest().replace("tools = [\"list_*\"]\n", ""),
    );
    apply(&home, Some(&gateway), &[]).success();
    let gemini = entry(&home, ".gemini/settings.json", "tray-gemini");
    assert_eq!(
        gemini["includeTools"],
        json!(["list_workflows", "list_customers"]),
        "{gemini}"
    );
    home.write("project/tray-mcp.toml", manifest().replace("[\"list_*\"]", "[\"*\"]"));
    apply(&home, Some(&gateway), &[]).success();
    let gemini = entry(&home, ".gemini/settings.json", "tray-gemini");
    assert!(gemini.get("includeTools").is_none(), "{gemini}");
}

#[test]
fn without_a_listing_a_wildcard_and_a_client_without_a_filter_are_refused_at_their_place() {
    let home = FakeHome::new();
    home.write(".gemini/settings.json", "{\n  \"theme\": \"dark\"\n}\n");
    home.write("project/tray-mcp.toml", manifest());
    let before = home.snapshot_files();
    for args in [&["--no-verify"][..], &["--check"][..]] {
        let refused = apply(&home, None, args).failure().code(2);
        assert_no_token(&refused);
        let (_, stderr) = outputs(&refused);
        assert!(
            stderr.contains("tray-mcp.toml:6:9: server \"tray-gemini\""),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("a wildcard needs the Agent Gateway's tool list"),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("hint: write the exact tool names"),
            "{args:?}: {stderr}"
        );
        assert_eq!(home.snapshot_files(), before, "{args:?}");
    }

    // Exact names need no listing.
    home.write(
        "project/tray-mcp.toml",
        manifest()
            .replace("[\"list_*\"]", "[\"list_customers\"]")
            .replace("[\"send_*\"]", "[\"send_slack_message\"]"),
    );
    apply(&home, None, &["--no-verify"]).success();
    let gemini = entry(&home, ".gemini/settings.json", "tray-gemini");
    assert_eq!(gemini["includeTools"], json!(["list_customers"]), "{gemini}");
    assert_eq!(
        entry(&home, ".qwen/settings.json", "tray-qwen")["excludeTools"],
        json!(["send_slack_message"])
    );

    // A named client without a filter of its own: refused as install refuses it, naming the
    // server and its place; nothing is written.
    home.write(
        "project/tray-mcp.toml",
        manifest().replace("clients = [\"gemini\"]", "clients = [\"gemini\", \"cursor\"]"),
    );
    let before = home.snapshot_files();
    let refused = apply(&home, Some(&gateway()), &[]).failure().code(2);
    let (_, stderr) = outputs(&refused);
    assert!(stderr.contains("tray-mcp.toml:1:10:"), "{stderr}");
    assert!(
        stderr.contains("Cursor has no per-server tool filter of its own"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
    assert_eq!(home.snapshot_files(), before);
}
