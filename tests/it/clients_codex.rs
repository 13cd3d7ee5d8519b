//! Codex's TOML `config.toml`: our `[mcp_servers.NAME]` table is the only change, an http entry
//! reads its token from an environment variable (Codex refuses one written in the file), and a
//! project-scope install says that Codex needs the project trusted.

use crate::support;

use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

const CONFIG: &str = "# Codex settings\r\nmodel = \"o3\"\r\napproval_policy = \"on-request\"\r\n\r\n# the docs server\r\n[mcp_servers.docs]\r\ncommand = \"docs-mcp\"\r\nargs = [\"--stdio\"]  # keep this comment\r\nstartup_timeout_sec = 20\r\n\r\n[projects.\"/home/ada/work\"]\r\ntrust_level = \"trusted\"\r\n";

#[test]
fn http_entry_names_a_variable_and_never_holds_the_token() {
    let home = FakeHome::new();
    home.write(".codex/config.toml", CONFIG);
    let assert = home.install(&["-c", "codex", "--transport", "http"]).success();
    assert_no_token(&assert);
    let text = home.read(".codex/config.toml");
    assert!(!text.contains(TOKEN), "token written to config.toml:\n{text}");
    // Our table goes after the other server's, in the file's CRLF; nothing else changes.
    let expected = CONFIG.replace(
        "\r\n[projects.",
        &format!(
            "\r\n[mcp_servers.tray-workspace]\r\nurl = \"https://{WORKSPACE}.mcp.tray.ai\"\r\nbearer_token_env_var = \"TRAY_TOKEN_TRAY_WORKSPACE\"\r\n\r\n[projects."
        ),
    );
    assert_eq!(text, expected);
    assert!(
        outputs(&assert).1.contains("TRAY_TOKEN_TRAY_WORKSPACE"),
        "{}",
        outputs(&assert).1
    );

    let listed = home.command().args(["list", "--json"]).assert().success();
    let listing: serde_json::Value = serde_json::from_str(&outputs(&listed).0).expect("json");
    assert_eq!(listing["entries"][0]["client"], "codex");
    assert_eq!(listing["entries"][0]["transport"], "http");

    home.command().args(["remove", "tray-workspace"]).assert().success();
    assert_eq!(home.read(".codex/config.toml"), CONFIG);
}

#[test]
fn stdio_entry_is_a_table_of_its_own_and_a_second_install_changes_nothing() {
    let home = FakeHome::new();
    home.write(".codex/config.toml", CONFIG.replace("\r\n", "\n"));
    home.install(&["-c", "codex", "-n", "prod"]).success();
    let text = home.read(".codex/config.toml");
    let ours = text.split("[mcp_servers.prod]\n").nth(1).expect("our table");
    assert!(ours.starts_with("command = \""), "{text}");
    assert!(ours.contains("args = [\"serve\", \"--profile\", \"prod\"]"), "{text}");
    // Our table comes right after the other server's, before [projects...].
    assert!(text.find("[mcp_servers.prod]") < text.find("[projects."), "{text}");
    home.install(&["-c", "codex", "-n", "prod"]).success();
    assert_eq!(home.read(".codex/config.toml"), text);
}

#[test]
fn a_project_install_says_codex_needs_the_project_trusted() {
    let home = FakeHome::new();
    let assert = home
        .command()
        .args(["--sandbox", "-c", "codex", "--scope", "project"])
        .assert()
        .success();
    assert!(outputs(&assert).1.contains("trusted"), "{}", outputs(&assert).1);
    assert!(home.project().join(".codex/config.toml").exists());
}

#[test]
fn a_broken_config_toml_is_named_with_its_position_and_left_alone() {
    let home = FakeHome::new();
    let broken = "model = \"o3\"\n[mcp_servers.docs\ncommand = \"x\"\n";
    home.write(".codex/config.toml", broken);
    let assert = home.install(&["-c", "codex"]).failure();
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("Codex config") && stderr.contains("2:"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    assert_eq!(home.read(".codex/config.toml"), broken);
}
