//! What each client gets for each transport: snapshots of the written files, and where the
//! token is (and is not) stored.

use crate::support;
use crate::support::{fake_gateway, fake_tray};

use fake_gateway::{FakeGateway, GatewayBehavior};
use fake_tray::{Behavior, FakeTray};
use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

const CLIENT_FILES: [(&str, &str); 5] = [
    ("claude", ".config/Claude/claude_desktop_config.json"),
    ("claude-code", ".claude.json"),
    ("cursor", ".cursor/mcp.json"),
    ("windsurf", ".codeium/windsurf/mcp_config.json"),
    ("vscode", ".config/Code/User/mcp.json"),
];

fn snapshot_text(home: &FakeHome, text: &str) -> String {
    home.redact(text).replace(TOKEN, "[TOKEN]")
}

#[cfg(unix)]
fn mode(path: &std::path::Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn stdio_entries_keep_the_token_in_the_profile_only() {
    let home = FakeHome::new();
    let assert = home.with_original_clients().install(&["-c", "all"]).success();
    assert_no_token(&assert);
    for (client, file) in CLIENT_FILES {
        let text = home.read(file);
        assert!(!text.contains(TOKEN), "{client} config holds the token");
        insta::assert_snapshot!(format!("stdio_{client}"), snapshot_text(&home, &text));
    }
    let profile = home.path(".config/tray-mcp/profiles/tray-workspace.json");
    let profile_text = std::fs::read_to_string(&profile).expect("profile written");
    assert!(profile_text.contains(TOKEN) && profile_text.contains(WORKSPACE));
    #[cfg(unix)]
    assert_eq!(mode(&profile), 0o600, "profile must be readable by the user alone");
}

#[test]
fn bridge_entries_pin_mcp_remote_and_pass_the_header_without_spaces() {
    let home = FakeHome::new();
    let assert = home
        .with_original_clients()
        .install(&["-c", "all", "--transport", "bridge"])
        .success();
    assert_no_token(&assert);
    for (client, file) in CLIENT_FILES {
        let text = home.read(file);
        insta::assert_snapshot!(format!("bridge_{client}"), snapshot_text(&home, &text));
        assert!(text.contains("mcp-remote@0.15.1"), "{client}: mcp-remote not pinned");
        assert!(text.contains("Authorization:${TRAY_AUTH_HEADER}"));
        if client == "vscode" {
            assert!(!text.contains(TOKEN), "VS Code must prompt for the token, not store it");
        } else {
            assert!(text.contains(&format!("Bearer {TOKEN}")), "{client}: token missing");
            #[cfg(unix)]
            assert_eq!(
                mode(&home.path(file)),
                0o600,
                "{client}: file with a token must be private"
            );
        }
    }
    assert!(
        !home.path(".config/tray-mcp/profiles/tray-workspace.json").exists(),
        "bridge needs no profile"
    );
}

#[test]
fn http_entries_use_each_clients_remote_shape() {
    let home = FakeHome::new();
    let assert = home
        .install(&["-c", "claude-code,cursor,windsurf,vscode", "--transport", "http"])
        .success();
    assert_no_token(&assert);
    let (_, stderr) = outputs(&assert);
    // One note names every file that holds the token (VS Code prompts for it, so not its file).
    assert_eq!(stderr.matches("readable only by you").count(), 1, "{stderr}");
    assert!(
        stderr.contains(
            "the http transport needs the API token inside each of these 3 files: ~/.claude.json, ~/.cursor/mcp.json, ~/.codeium/windsurf/mcp_config.json; tray-mcp makes each readable only by you"
        ),
        "the tool must say the token files are private:\n{stderr}"
    );
    for (client, file) in &CLIENT_FILES[1..] {
        let text = home.read(file);
        insta::assert_snapshot!(format!("http_{client}"), snapshot_text(&home, &text));
        assert!(text.contains(&format!("https://{WORKSPACE}.mcp.tray.ai")));
    }
    let vscode = home.read(".config/Code/User/mcp.json");
    assert!(!vscode.contains(TOKEN) && vscode.contains("\"password\": true"));
}

#[test]
fn claude_desktop_refuses_http_and_writes_nothing() {
    let home = FakeHome::new();
    let assert = home.install(&["-c", "claude,cursor", "--transport", "http"]).code(2);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("Claude Desktop cannot use the http transport"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: ") && stderr.contains("--transport stdio"),
        "{stderr}"
    );
    assert!(home.snapshot_files().is_empty(), "no file may be written");
}

#[test]
fn windows_bridge_entries_launch_npx_through_cmd() {
    // The install pipeline on a Windows environment (the injectable `Environment`), planned only:
    // a Windows path on this machine is not a place to write to.
    use tray_mcp::clients::{ClientId, Transport};
    use tray_mcp::commands::install::{self, InstallRequest, WorkspaceChoice};
    use tray_mcp::paths::{Environment, Os};
    let home = FakeHome::new();
    let environment = Environment {
        os: Os::Windows,
        home: std::path::PathBuf::from(r"C:\Users\ada"),
        appdata: Some(std::path::PathBuf::from(r"C:\Users\ada\AppData\Roaming")),
        xdg_config_home: None,
        current_dir: home.project(),
        path_var: None,
        variables: Default::default(),
    };
    let request = InstallRequest {
        transport: Transport::Bridge,
        dry_run: true,
        ..InstallRequest::stdio(
            vec![ClientId::parse("cursor").expect("cursor")],
            WorkspaceChoice::Tray {
                workspace_id: tray_mcp::tray::WorkspaceId::parse(WORKSPACE).expect("uuid"),
                api_token: tray_mcp::tray::ApiToken::parse(TOKEN).expect("token"),
                region: Default::default(),
            },
            tray_mcp::tray::ServerName::parse("tray-workspace").expect("name"),
        )
    };
    let binary = std::path::Path::new(r"C:\Program Files\tray-mcp\tray-mcp.exe");
    let context =
        tray_mcp::context::Context::with_store(environment, tray_mcp::token_store::TokenStore::file_only("test"));
    let plan = install::plan(&context, &request, binary).expect("plan");
    let cursor = &plan.files[0].file;
    assert_eq!(cursor.task.shown_path, r"~\.cursor\mcp.json");
    let written: serde_json::Value = serde_json::from_str(cursor.after.as_deref().expect("text")).expect("json");
    let entry = &written["mcpServers"]["tray-workspace"];
    assert_eq!(entry["command"], "cmd", "{entry}");
    assert_eq!(
        entry["args"],
        serde_json::json!([
            "/c",
            "npx",
            "-y",
            "mcp-remote@0.15.1",
            format!("https://{WORKSPACE}.mcp.tray.ai"),
            "--header",
            "Authorization:${TRAY_AUTH_HEADER}"
        ])
    );
}

#[test]
fn sandbox_entry_needs_no_account() {
    let home = FakeHome::new();
    let assert = home
        .command()
        .args(["--sandbox", "-c", "claude-code"])
        .assert()
        .success();
    let (stdout, _) = outputs(&assert);
    assert!(stdout.contains("Added"), "{stdout}");
    let text = home.read(".claude.json");
    insta::assert_snapshot!("sandbox_claude-code", snapshot_text(&home, &text));
}

#[test]
fn two_workspaces_side_by_side() {
    let home = FakeHome::new();
    home.install(&["-n", "tray-production", "-c", "claude,cursor"])
        .success();
    home.command()
        .args([
            "-w",
            support::WORKSPACE_DEV,
            "--api-token-stdin",
            "-n",
            "tray-development",
            "-c",
            "claude,cursor",
            "--region",
            "eu1",
        ])
        .write_stdin("dev-token-0123456789\n")
        .assert()
        .success();
    let assert = home.command().arg("list").assert().success();
    let (stdout, _) = outputs(&assert);
    insta::assert_snapshot!("list_two_workspaces", home.redact(&stdout));
    let json = home.command().args(["list", "--json"]).assert().success();
    let listing: serde_json::Value = serde_json::from_slice(&json.get_output().stdout).expect("json");
    assert_eq!(listing["entries"].as_array().map(Vec::len), Some(4));
}

#[test]
fn bridge_without_npx_warns_and_still_writes() {
    let home = FakeHome::new();
    let assert = home
        .command()
        .args([
            "-w",
            WORKSPACE,
            "--api-token-stdin",
            "-c",
            "cursor",
            "--transport",
            "bridge",
        ])
        .env("PATH", "/nonexistent")
        .write_stdin(TOKEN)
        .assert()
        .success();
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("warning: npx is not on PATH"), "{stderr}");
    assert!(home.read(".cursor/mcp.json").contains("mcp-remote@0.15.1"));
}

#[test]
fn json_output_lists_every_file_with_its_change() {
    let home = FakeHome::new();
    let assert = home.install(&["-c", "claude,vscode", "--json"]).success();
    assert_no_token(&assert);
    let report: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).expect("stdout is JSON");
    let files = report["files"].as_array().expect("files");
    let summary: Vec<(String, String)> = files
        .iter()
        .map(|file| {
            (
                file["path"].as_str().unwrap_or("").to_string(),
                file["change"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "~/.config/Claude/claude_desktop_config.json".to_string(),
                "Added".to_string()
            ),
            ("~/.config/Code/User/mcp.json".to_string(), "Added".to_string()),
            (
                "~/.config/tray-mcp/profiles/tray-workspace.json".to_string(),
                "Added".to_string()
            ),
        ]
    );
    assert_eq!(files[0]["client"], "claude");
    assert_eq!(report["dry_run"], false);
}

#[test]
fn switching_vscode_to_stdio_drops_the_token_prompt_it_no_longer_uses() {
    let home = FakeHome::new();
    home.write(
        ".config/Code/User/mcp.json",
        support::fixture("vscode_mcp_comments.jsonc"),
    );
    home.install(&["-c", "vscode", "--transport", "http"]).success();
    assert!(
        home.read(".config/Code/User/mcp.json")
            .contains("tray-api-token-tray-workspace")
    );
    home.install(&["-c", "vscode"]).success();
    let text = home.read(".config/Code/User/mcp.json");
    assert!(!text.contains("tray-api-token-tray-workspace"), "{text}");
    assert!(
        text.contains("\"id\": \"github_token\""),
        "the user's own input must stay:\n{text}"
    );
    home.command().args(["remove", "tray-workspace"]).assert().success();
    assert_eq!(
        home.read(".config/Code/User/mcp.json").as_bytes(),
        &support::fixture("vscode_mcp_comments.jsonc")[..]
    );
}

fn profile_gateway(home: &FakeHome) -> Option<bool> {
    let text = home.read(".config/tray-mcp/profiles/tray-workspace.json");
    let profile: serde_json::Value = serde_json::from_str(&text).expect("profile is JSON");
    profile.get("gateway").and_then(serde_json::Value::as_bool)
}

#[test]
fn a_new_stdio_entry_gets_the_gateway_unless_no_gateway_is_given() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor"]).success();
    assert_eq!(profile_gateway(&home), Some(true), "the default is the gateway on");
    let off = FakeHome::new();
    off.install(&["-c", "cursor", "--no-gateway"]).success();
    assert_eq!(profile_gateway(&off), None, "--no-gateway leaves it off (unsaid)");
}

#[test]
fn a_reinstall_keeps_an_existing_profile_s_gateway_setting_and_says_so() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--no-gateway"]).success();
    let assert = home.install(&["-c", "cursor"]).success();
    let (_, stderr) = outputs(&assert);
    assert_eq!(profile_gateway(&home), None, "the gateway was flipped on silently");
    assert!(
        stderr.contains("keeps the Agent Gateway off") && stderr.contains("--gateway"),
        "{stderr}"
    );
    let assert = home.install(&["-c", "cursor", "--gateway"]).success();
    let (_, stderr) = outputs(&assert);
    assert_eq!(profile_gateway(&home), Some(true), "--gateway turns it on");
    assert!(!stderr.contains("keeps the Agent Gateway"), "{stderr}");
}

#[test]
fn a_sandbox_entry_has_no_gateway_to_turn_on() {
    let home = FakeHome::new();
    let assert = home
        .command()
        .args(["--sandbox", "--gateway", "-c", "cursor"])
        .assert()
        .code(2);
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("--gateway") && stderr.contains("--sandbox"), "{stderr}");
}

#[test]
fn headless_entries_hold_the_region_s_url_and_no_header_and_say_how_to_sign_in() {
    let home = FakeHome::new();
    let assert = home
        .command()
        .args([
            "install",
            "--headless",
            "-c",
            "claude-code,cursor,codex,vscode,windsurf",
            "--region",
            "eu1",
        ])
        .assert()
        .success();
    let (stdout, stderr) = outputs(&assert);
    let report = format!("{stdout}{stderr}");
    for step in [
        "Claude Code: in Claude Code, run /mcp, select \"tray-headless\" and choose Authenticate",
        "Codex: run `codex mcp login tray-headless`",
        "Cursor: in Cursor Settings > MCP, click Connect",
        "VS Code: run \"MCP: List Servers\"",
        "Windsurf: in Windsurf's MCP panel",
    ] {
        assert!(report.contains(step), "missing {step:?}:\n{report}");
    }
    let url = "https://api.eu1.tray.io/mcp";
    let claude: serde_json::Value = serde_json::from_str(&home.read(".claude.json")).expect("json");
    assert_eq!(
        claude["mcpServers"]["tray-headless"],
        serde_json::json!({"type": "http", "url": url})
    );
    let cursor: serde_json::Value = serde_json::from_str(&home.read(".cursor/mcp.json")).expect("json");
    assert_eq!(cursor["mcpServers"]["tray-headless"], serde_json::json!({"url": url}));
    let windsurf: serde_json::Value =
        serde_json::from_str(&home.read(".codeium/windsurf/mcp_config.json")).expect("json");
    assert_eq!(
        windsurf["mcpServers"]["tray-headless"],
        serde_json::json!({"serverUrl": url})
    );
    let vscode = home.read(".config/Code/User/mcp.json");
    assert!(!vscode.contains("inputs") && !vscode.contains("headers"), "{vscode}");
    assert_eq!(
        home.read(".codex/config.toml"),
        format!("[mcp_servers.tray-headless]\nurl = \"{url}\"\n")
    );
    assert!(
        !home.path(".config/tray-mcp/profiles/tray-headless.json").exists(),
        "a headless entry needs no profile"
    );

    let assert = home.command().args(["list", "--json"]).assert().success();
    let listed: serde_json::Value = serde_json::from_str(&outputs(&assert).0).expect("json");
    let entries = listed["entries"].as_array().expect("entries");
    assert_eq!(entries.len(), 5, "{listed}");
    for entry in entries {
        assert_eq!(entry["transport"], "headless", "{entry}");
        assert_eq!(entry["workspace"], "(Headless MCP, eu1)", "{entry}");
    }

    home.command()
        .args(["rename", "tray-headless", "tray-build"])
        .assert()
        .success();
    assert!(home.read(".codex/config.toml").contains("[mcp_servers.tray-build]"));
    home.command().args(["remove", "tray-build"]).assert().success();
    for file in [
        ".claude.json",
        ".cursor/mcp.json",
        ".codex/config.toml",
        ".config/Code/User/mcp.json",
    ] {
        // Every one of them was created by the install: it goes with its last entry.
        assert!(!home.path(file).exists(), "{file} outlived its only entry");
    }
}

#[test]
fn claude_desktop_refuses_headless_with_where_to_paste_the_url() {
    let home = FakeHome::new();
    let assert = home
        .command()
        .args(["install", "--headless", "-c", "claude", "--region", "apac1"])
        .assert()
        .code(2);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("Settings > Connectors") && stderr.contains("https://api.ap1.tray.io/mcp"),
        "{stderr}"
    );
    assert!(!home.path(".config/Claude").exists(), "nothing may be written");
    // Asked for as "all", Claude Desktop is skipped with the same hint and the others installed.
    home.with_original_clients();
    let assert = home
        .command()
        .args(["install", "--headless", "-c", "all"])
        .assert()
        .success();
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("Claude Desktop skipped") && stderr.contains("Settings > Connectors"),
        "{stderr}"
    );
    assert!(home.read(".cursor/mcp.json").contains("https://api.tray.io/mcp"));
}

#[test]
fn a_server_of_the_user_s_own_of_the_same_name_is_refused_in_every_format_unless_forced() {
    let home = FakeHome::new();
    let files = [
        (
            "cursor",
            ".cursor/mcp.json",
            "{\"mcpServers\": {\"tray-workspace\": {\"command\": \"node\", \"args\": [\"mine.js\"]}}}\n",
        ),
        (
            "vscode",
            ".config/Code/User/mcp.json",
            "{\n  // mine\n  \"servers\": {\"tray-workspace\": {\"type\": \"stdio\", \"command\": \"node\", \"args\": [\"mine.js\"],}},\n}\n",
        ),
        (
            "codex",
            ".codex/config.toml",
            "mcp_servers.tray-workspace.command = \"node\"\nmcp_servers.tray-workspace.args = [\"mine.js\"]\n",
        ),
        (
            "goose",
            ".config/goose/config.yaml",
            "extensions:\n  tray-workspace:\n    type: stdio\n    cmd: node\n    args:\n      - mine.js\n",
        ),
    ];
    for (_, relative, text) in files {
        home.write(relative, text);
    }
    let before = home.snapshot_files();
    for (client, relative, _) in files {
        for transport in ["stdio", "http"] {
            let refused = home.install(&["-c", client, "--transport", transport]).failure();
            let (stdout, stderr) = outputs(&refused);
            assert!(!stdout.contains("Updated"), "{client}: {stdout}");
            assert!(
                stderr.contains(
                    "already has a server named \"tray-workspace\" that tray-mcp did not write (node mine.js)"
                ),
                "{client}: {stderr}"
            );
            assert!(
                stderr.contains("hint:") && stderr.contains("--force"),
                "{client}: {stderr}"
            );
        }
        assert_eq!(
            home.snapshot_files(),
            before,
            "{client}: {relative} must stay byte for byte"
        );
    }
    // apply refuses the same way.
    home.write(
        "project/tray-mcp.toml",
        format!(
            "[servers.tray-workspace]\nworkspace = \"{WORKSPACE}\"\nclients = [\"cursor\"]\ntoken = {{ env = \"T\" }}\n"
        ),
    );
    let before = home.snapshot_files();
    let refused = home.command().arg("apply").env("T", TOKEN).assert().failure();
    assert!(outputs(&refused).1.contains("did not write"), "{}", outputs(&refused).1);
    assert_eq!(home.snapshot_files(), before);
    home.command()
        .args(["apply", "--force"])
        .env("T", TOKEN)
        .assert()
        .success();
    assert!(!home.read(".cursor/mcp.json").contains("mine.js"));
    for (client, relative, _) in &files[1..] {
        home.install(&["-c", client, "--force"]).success();
        let text = home.read(relative);
        assert!(
            !text.contains("mine.js") && text.contains("--profile"),
            "{client}: {text}"
        );
    }
}

/// `tray-mcp -w WORKSPACE --api-token-stdin <args>` with Tray's API and the Agent Gateway at
/// the loopback fakes.
fn install_against(
    home: &FakeHome,
    api: &FakeTray,
    gateway: &FakeGateway,
    args: &[&str],
) -> assert_cmd::assert::Assert {
    let mut command = home.command();
    command
        .args(["-w", WORKSPACE, "--api-token-stdin"])
        .args(args)
        .envs(api.api_variables())
        .env("TRAY_GATEWAY_URL", gateway.url())
        .write_stdin(format!("{TOKEN}\n"));
    let assert = command.assert();
    assert_no_token(&assert);
    assert
}

#[test]
fn an_install_verified_with_tray_names_the_token_s_owner_region_and_gateway_tools() {
    let home = FakeHome::new();
    let api = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let assert = install_against(&home, &api, &gateway, &["-c", "cursor"]).success();
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("note: token of Ada Lovelace (ada@example.com) · us1 · Agent Gateway: 3 tools"),
        "{stderr}"
    );
    assert!(!stderr.contains("could not verify"), "{stderr}");
    // The token went to both, as the entry will send it.
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        api.requests()
            .iter()
            .any(|request| request.authorization.as_deref() == Some(&bearer))
    );
    assert!(gateway.count("tools/list") == 1, "the gateway's tools were not listed");
    assert!(
        stderr.contains("tray-mcp doctor --online"),
        "next: says how to see it working:\n{stderr}"
    );

    // --no-verify asks nobody.
    let quiet = FakeTray::start(Behavior::Normal);
    let quiet_gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let assert = install_against(&home, &quiet, &quiet_gateway, &["-c", "cursor", "--no-verify"]).success();
    assert!(!outputs(&assert).1.contains("token of"));
    assert!(quiet.requests().is_empty() && quiet_gateway.requests().is_empty());
}

#[test]
fn a_token_refused_by_every_part_the_entry_uses_writes_nothing() {
    let home = FakeHome::new();
    home.write(
        ".cursor/mcp.json",
        "{\n  // mine\n  \"mcpServers\": {\"other\": {\"command\": \"x\"}}\n}\n",
    );
    let before = home.snapshot_files();
    let api = FakeTray::start(Behavior::Status(401, "{\"message\":\"Unauthorized\"}".into()));
    let gateway = FakeGateway::start(GatewayBehavior::Status(401));
    for args in [
        &["-c", "cursor"][..],
        &["-c", "cursor", "--transport", "http"],
        &["-c", "cursor", "--no-gateway"],
        &["-c", "cursor", "--dry-run"],
    ] {
        let assert = install_against(&home, &api, &gateway, args).code(1);
        let (_, stderr) = outputs(&assert);
        assert!(
            stderr.contains("Tray refused the API token, so nothing was written") && stderr.contains("hint:"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("Which token"), "{stderr}");
        assert_eq!(home.snapshot_files(), before, "{args:?} changed a file");
    }
}

#[test]
fn a_hand_written_tray_entry_is_refused_with_the_adopt_hint_and_its_token_never_shown() {
    let home = FakeHome::new();
    let hand_written = format!(
        "{{\"mcpServers\": {{\"tray-workspace\": {{\"command\": \"npx\", \"args\": [\"mcp-remote\", \"https://{WORKSPACE}.mcp.tray.ai\", \"--header\", \"Authorization:Bearer {TOKEN}\"]}}}}}}\n"
    );
    home.write(".cursor/mcp.json", &hand_written);
    let refused = home.install(&["-c", "cursor"]).failure();
    assert_no_token(&refused);
    let (_, stderr) = outputs(&refused);
    assert!(stderr.contains("tray-mcp adopt tray-workspace"), "{stderr}");
    assert!(stderr.contains("Authorization:[hidden]"), "{stderr}");
    assert_eq!(home.read(".cursor/mcp.json"), hand_written);
    // Our own http entry (recorded: a human could write it alike) is ours to update.
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--transport", "http"]).success();
    home.command()
        .args([
            "-w",
            support::WORKSPACE_DEV,
            "--api-token-stdin",
            "-c",
            "cursor",
            "--transport",
            "http",
        ])
        .write_stdin(format!("{TOKEN}\n"))
        .assert()
        .success();
    assert!(home.read(".cursor/mcp.json").contains(support::WORKSPACE_DEV));
}

#[test]
fn a_token_refused_by_one_part_installs_and_says_what_will_not_work() {
    let home = FakeHome::new();
    let api = FakeTray::start(Behavior::Normal);
    let forbidden = FakeGateway::start(GatewayBehavior::Status(403));
    let assert = install_against(&home, &api, &forbidden, &["-c", "cursor"]).success();
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("token of Ada Lovelace"), "{stderr}");
    assert!(
        stderr.contains("warning: the workspace's Workflow and Connector Tools (Agent Gateway) will not work")
            && stderr.contains("not enabled"),
        "{stderr}"
    );
    // An Agent Gateway API user token: the gateway takes it, the master-token reads do not.
    let api_user = FakeTray::start(Behavior::ApiUserToken);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let assert = install_against(&home, &api_user, &gateway, &["-c", "cursor"]).success();
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("Agent Gateway: 3 tools"), "{stderr}");
    assert!(stderr.contains("this is not a master token"), "{stderr}");
}

#[test]
fn an_unreachable_tray_installs_unverified_with_a_warning() {
    // The fake home's proxy is a dead loopback port: Tray cannot be reached.
    let home = FakeHome::new();
    let assert = home.install(&["-c", "cursor"]).success();
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("warning: could not verify the token with Tray")
            && stderr.contains("check it later with `tray-mcp doctor --online`"),
        "{stderr}"
    );
    assert!(home.read(".cursor/mcp.json").contains("tray-workspace"));
    // A Tray that never answers is unreachable too, within the time limit.
    let hanging = FakeTray::start(Behavior::Hang(std::time::Duration::from_secs(60)));
    let hanging_gateway = FakeGateway::start(GatewayBehavior::Hang);
    let mut command = home.command();
    command
        .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "cursor"])
        .envs(hanging.api_variables())
        .env("TRAY_GATEWAY_URL", hanging_gateway.url())
        .env("TRAY_API_TIMEOUT_SECS", "1")
        .write_stdin(format!("{TOKEN}\n"));
    let assert = command.assert().success();
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("could not verify the token with Tray") && stderr.contains("did not answer"),
        "{stderr}"
    );
}

#[test]
fn a_pasted_eu_or_apac_app_url_sets_the_region() {
    for (host, region) in [("app.eu1.tray.io", "eu1"), ("app.ap1.tray.io", "apac1")] {
        let home = FakeHome::new();
        let url = format!("https://{host}/workspaces/{WORKSPACE}/projects");
        home.command()
            .args(["-w", &url, "--api-token-stdin", "-c", "cursor", "--no-verify"])
            .write_stdin(format!("{TOKEN}\n"))
            .assert()
            .success();
        let profile = home.read(".config/tray-mcp/profiles/tray-workspace.json");
        assert!(profile.contains(&format!("\"region\": \"{region}\"")), "{profile}");
        // The same region given again is fine; another one contradicts the URL.
        let assert = home
            .command()
            .args(["-w", &url, "--api-token-stdin", "-c", "cursor", "--region", "us1"])
            .write_stdin(format!("{TOKEN}\n"))
            .assert()
            .code(2);
        let (_, stderr) = outputs(&assert);
        assert!(
            stderr.contains(&format!(
                "--region us1 contradicts the workspace's app URL, which is in {region}"
            )),
            "{stderr}"
        );
    }
}
