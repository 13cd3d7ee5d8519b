//! The real Codex CLI (`@openai/codex`, pinned by scripts/test.sh) reads what we wrote into its
//! `config.toml`: `codex mcp list --json` (offline) shows our stdio, bridge and http entries
//! with the transport, command and token variable we meant, and nothing is left after remove.

use crate::support;

use std::path::Path;

use serde_json::Value;
use support::{FakeHome, WORKSPACE, outputs, test_tools};

const CONFIG: &str =
    "# my Codex settings\nmodel = \"o3\"\n\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\nargs = [\"--stdio\"]\n";

fn codex_mcp_list(home: &FakeHome, tools: &Path) -> Vec<Value> {
    codex_mcp_list_in(home, tools, &[])
}

fn codex_mcp_list_in(home: &FakeHome, tools: &Path, variables: &[(&str, &Path)]) -> Vec<Value> {
    let output = support::client_cli(home, tools, "codex")
        .args(["mcp", "list", "--json"])
        .envs(variables.iter().copied())
        .output()
        .expect("run codex");
    assert!(
        output.status.success(),
        "codex mcp list failed (exit {:?}): {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Value = serde_json::from_slice(&output.stdout).expect("codex prints JSON");
    listed.as_array().cloned().expect("a list of servers")
}

fn named<'a>(servers: &'a [Value], name: &str) -> &'a Value {
    servers
        .iter()
        .find(|server| server["name"] == name)
        .unwrap_or_else(|| panic!("codex does not list {name}"))
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn codex_reads_our_stdio_bridge_and_http_entries() {
    let tools = test_tools();
    let home = FakeHome::new();
    home.write(".codex/config.toml", CONFIG);
    let binary = std::fs::canonicalize(assert_cmd::cargo::cargo_bin("tray-mcp")).expect("binary");

    home.command()
        .args(["--sandbox", "-c", "codex", "-n", "tray-sandbox"])
        .assert()
        .success();
    home.install(&["-c", "codex", "-n", "tray-bridge", "--transport", "bridge"])
        .success();
    home.install(&["-c", "codex", "-n", "tray-http", "--transport", "http"])
        .success();

    let servers = codex_mcp_list(&home, &tools);
    assert_eq!(servers.len(), 4, "docs and our three");
    let sandbox = &named(&servers, "tray-sandbox")["transport"];
    assert_eq!(sandbox["type"], "stdio");
    assert_eq!(sandbox["command"], binary.to_string_lossy().as_ref());
    assert_eq!(sandbox["args"], serde_json::json!(["serve", "--sandbox"]));
    let bridge = &named(&servers, "tray-bridge")["transport"];
    assert_eq!(bridge["type"], "stdio");
    assert_eq!(bridge["command"], "npx");
    assert!(
        bridge["env"].get("TRAY_AUTH_HEADER").is_some(),
        "the bridge's header variable"
    );
    let http = named(&servers, "tray-http");
    assert_eq!(http["transport"]["type"], "streamable_http");
    assert_eq!(http["transport"]["url"], format!("https://{WORKSPACE}.mcp.tray.ai"));
    assert_eq!(http["transport"]["bearer_token_env_var"], "TRAY_TOKEN_TRAY_HTTP");
    assert_eq!(http["auth_status"], "bearer_token");
    assert_eq!(named(&servers, "docs")["transport"]["command"], "docs-mcp");

    for name in ["tray-sandbox", "tray-bridge", "tray-http"] {
        home.command().args(["remove", name]).assert().success();
    }
    assert_eq!(codex_mcp_list(&home, &tools).len(), 1);
    assert_eq!(home.read(".codex/config.toml"), CONFIG);
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn codex_reads_a_headless_entry_as_streamable_http_with_no_token() {
    let tools = test_tools();
    let home = FakeHome::new();
    home.write(".codex/config.toml", CONFIG);
    home.command()
        .args(["install", "--headless", "-c", "codex"])
        .assert()
        .success();
    let servers = codex_mcp_list(&home, &tools);
    assert_eq!(servers.len(), 2, "docs and ours");
    let headless = named(&servers, "tray-headless");
    assert_eq!(headless["transport"]["type"], "streamable_http", "{headless}");
    assert_eq!(headless["transport"]["url"], "https://api.tray.io/mcp", "{headless}");
    assert!(
        headless["transport"]["bearer_token_env_var"].is_null(),
        "no token variable: Codex signs in by OAuth ({headless})"
    );
    assert!(
        headless["transport"]["http_headers"].is_null()
            || headless["transport"]["http_headers"] == serde_json::json!({}),
        "{headless}"
    );
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn codex_home_moves_the_config_we_write_and_read() {
    let tools = test_tools();
    let home = FakeHome::new();
    let codex_home = home.path("elsewhere/codex");
    home.command()
        .env("CODEX_HOME", &codex_home)
        .args(["--sandbox", "-c", "codex", "-n", "tray-sandbox"])
        .assert()
        .success();
    assert!(
        codex_home.join("config.toml").is_file(),
        "the folder Codex needs is made"
    );
    assert!(!home.path(".codex").exists(), "the default folder stays untouched");
    let servers = codex_mcp_list_in(&home, &tools, &[("CODEX_HOME", &codex_home)]);
    assert_eq!(
        named(&servers, "tray-sandbox")["transport"]["args"],
        serde_json::json!(["serve", "--sandbox"])
    );
    // A relative CODEX_HOME is taken from the current directory, as Codex takes it.
    let listed = home
        .command()
        .env("CODEX_HOME", "../elsewhere/codex")
        .args(["list", "--json"])
        .assert()
        .success();
    assert!(String::from_utf8_lossy(&listed.get_output().stdout).contains("tray-sandbox"));
    home.command()
        .env("CODEX_HOME", &codex_home)
        .args(["remove", "tray-sandbox"])
        .assert()
        .success();
    // The install made CODEX_HOME's folders, so remove gives them back: nothing is left for
    // Codex to read (it refuses a CODEX_HOME that does not exist).
    assert!(!codex_home.exists(), "remove leaves the folder it made");
    assert!(!home.path("elsewhere").exists(), "remove leaves the folder it made");
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn codex_loads_a_project_file_exactly_when_doctor_says_the_project_is_trusted() {
    let tools = test_tools();
    let home = FakeHome::new();
    home.command()
        .args(["--sandbox", "-c", "codex", "--scope", "project"])
        .assert()
        .success();
    let project = home.project();
    // (the user config's trust rule for the project, whether Codex loads the file, what doctor says)
    for (level, loaded, said) in [
        (None, false, "does not trust the project"),
        (Some("trusted"), true, "Codex trusts this project"),
        (Some("untrusted"), false, "trust_level = \"untrusted\""),
    ] {
        if let Some(level) = level {
            home.write(
                ".codex/config.toml",
                format!("[projects.\"{}\"]\ntrust_level = \"{level}\"\n", project.display()),
            );
        }
        let doctor = home.command().arg("doctor").assert();
        let report = outputs(&doctor).0;
        assert_eq!(doctor.get_output().status.success(), loaded, "{level:?}:\n{report}");
        assert!(report.contains(said), "{level:?}:\n{report}");
        let listed = codex_mcp_list(&home, &tools);
        assert_eq!(
            listed.iter().any(|server| server["name"] == "tray-workspace"),
            loaded,
            "{level:?}: Codex and doctor disagree"
        );
    }
}

/// Codex reads a `--token-from-env VAR` http entry as its own `bearer_token_env_var = "VAR"`.
#[test]
#[ignore = "needs scripts/test.sh"]
fn codex_reads_a_token_from_env_http_entry_as_its_bearer_token_variable() {
    let tools = test_tools();
    let home = FakeHome::new();
    home.install(&[
        "-c",
        "codex",
        "--transport",
        "http",
        "-n",
        "tray-env",
        "--token-from-env",
        "MY_TRAY_TOKEN",
    ])
    .success();
    let servers = codex_mcp_list(&home, &tools);
    let ours = named(&servers, "tray-env");
    assert_eq!(ours["transport"]["type"], "streamable_http", "{ours}");
    assert_eq!(ours["transport"]["bearer_token_env_var"], "MY_TRAY_TOKEN", "{ours}");
}

/// A `--token-from-env` bridge: Codex forwards the variable (`env_vars`) and runs mcp-remote
/// with the `--header` argument mcp-remote expands.
#[test]
#[ignore = "needs scripts/test.sh"]
fn codex_reads_a_token_from_env_bridge_as_a_forwarded_variable() {
    let tools = test_tools();
    let home = FakeHome::new();
    home.install(&[
        "-c",
        "codex",
        "--transport",
        "bridge",
        "-n",
        "tray-env",
        "--token-from-env",
    ])
    .success();
    let servers = codex_mcp_list(&home, &tools);
    let ours = named(&servers, "tray-env");
    assert_eq!(ours["transport"]["type"], "stdio", "{ours}");
    assert_eq!(
        ours["transport"]["env_vars"],
        serde_json::json!(["TRAY_TOKEN_TRAY_ENV"]),
        "{ours}"
    );
    assert!(
        ours["transport"]["args"].as_array().is_some_and(|args| args
            .iter()
            .any(|arg| arg == "Authorization:Bearer ${TRAY_TOKEN_TRAY_ENV}")),
        "{ours}"
    );
}
