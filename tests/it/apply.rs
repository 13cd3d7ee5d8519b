//! `tray-mcp apply`, `apply --check` and `export`: a manifest of two workspaces across four
//! clients (Codex's TOML among them) in one transaction, idempotent, drift found and named,
//! `--prune` taking out only what is ours, and a bad manifest changing nothing.

use crate::support;
use crate::support::{fake_gateway, fake_tray};

use support::{FakeHome, TOKEN, WORKSPACE, WORKSPACE_DEV, fixture, outputs};

const DEV_TOKEN: &str = "dev-token-7a1b2c3d4e5f";

fn manifest() -> String {
    format!(
        r#"# the team's Tray entries
[servers.tray-production]
workspace = "{WORKSPACE}"
clients = ["claude", "cursor", "codex", "vscode"]
token = {{ env = "PROD_TOKEN" }}

[servers.tray-development]
workspace = "{WORKSPACE_DEV}"
region = "eu1"
kind = "http"
clients = ["cursor", "codex", "vscode", "claude-code"]
token = {{ file = "dev.token" }}
"#
    )
}

/// A home with the manifest, its token file (0600) and a neighbour server in Cursor's config.
fn home_with_manifest() -> FakeHome {
    let home = FakeHome::new();
    home.write("project/tray-mcp.toml", manifest());
    write_private(&home, "project/dev.token", &format!("{DEV_TOKEN}\n"));
    home.write(".cursor/mcp.json", fixture("cursor_crlf.json"));
    home
}

fn write_private(home: &FakeHome, relative: &str, contents: &str) {
    let path = home.write(relative, contents);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
}

fn apply(home: &FakeHome, args: &[&str]) -> assert_cmd::assert::Assert {
    home.command().arg("apply").args(args).env("PROD_TOKEN", TOKEN).assert()
}

fn json(assert: &assert_cmd::assert::Assert) -> serde_json::Value {
    serde_json::from_str(&outputs(assert).0).expect("json")
}

fn assert_no_tokens(assert: &assert_cmd::assert::Assert) {
    let (stdout, stderr) = outputs(assert);
    for token in [TOKEN, DEV_TOKEN] {
        assert!(
            !stdout.contains(token) && !stderr.contains(token),
            "token leaked:\n{stdout}\n{stderr}"
        );
    }
}

#[test]
fn two_workspaces_across_four_clients_apply_in_one_transaction_and_again_change_no_byte() {
    let home = home_with_manifest();
    let first = apply(&home, &["--json"]).success();
    assert_no_tokens(&first);
    let report = json(&first);
    assert_eq!(report["changed"], true);
    let files = report["files"].as_array().expect("files");
    let paths: Vec<&str> = files.iter().map(|file| file["path"].as_str().unwrap_or("")).collect();
    for path in [
        "~/.config/Claude/claude_desktop_config.json",
        "~/.cursor/mcp.json",
        "~/.codex/config.toml",
        "~/.config/Code/User/mcp.json",
        "~/.claude.json",
        "~/.config/tray-mcp/profiles/tray-production.json",
    ] {
        assert!(paths.contains(&path), "{path} missing from {paths:?}");
    }
    let cursor = files
        .iter()
        .find(|file| file["path"] == "~/.cursor/mcp.json")
        .expect("cursor");
    assert_eq!(
        cursor["change"], "Added",
        "both entries are new (the neighbour stays), as install reports it"
    );
    let names: Vec<&str> = cursor["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tray-development", "tray-production"]);
    let codex = home.read(".codex/config.toml");
    assert!(
        codex.contains("[mcp_servers.tray-production]") && codex.contains("[mcp_servers.tray-development]"),
        "{codex}"
    );
    assert!(
        home.read(".cursor/mcp.json").contains("\"linear\""),
        "the other server stays"
    );
    assert!(
        home.read(".config/tray-mcp/profiles/tray-production.json")
            .contains(TOKEN)
    );
    assert!(home.read(".cursor/mcp.json").contains(&format!("Bearer {DEV_TOKEN}")));

    let before = home.snapshot_files();
    let second = apply(&home, &["--json"]).success();
    let report = json(&second);
    assert_eq!(report["changed"], false, "{report:#}");
    assert!(
        report["files"]
            .as_array()
            .unwrap()
            .iter()
            .all(|file| file["change"] == "Unchanged")
    );
    assert_eq!(home.snapshot_files(), before, "a second apply changes no byte");
    apply(&home, &["--check"]).success();
}

#[test]
fn check_names_a_hand_edit_a_removed_entry_and_a_rotated_token_source() {
    let home = home_with_manifest();
    apply(&home, &[]).success();
    let untouched = home.snapshot_files();
    let in_step = apply(&home, &["--check"]).success();
    assert!(outputs(&in_step).0.contains("in step"), "{}", outputs(&in_step).0);

    // A hand edit: the Claude Desktop entry gets another argument.
    let claude = ".config/Claude/claude_desktop_config.json";
    home.write(
        claude,
        home.read(claude)
            .replace("\"--profile\",", "\"--region\", \"eu1\", \"--profile\","),
    );
    // A removed entry: tray-development taken out of VS Code's file.
    let vscode = ".config/Code/User/mcp.json";
    let mut document: serde_json::Value = serde_json::from_str(&home.read(vscode)).expect("json");
    document["servers"].as_object_mut().unwrap().remove("tray-development");
    home.write(vscode, serde_json::to_string_pretty(&document).unwrap());
    // A rotated token source: the development token file now holds another token.
    write_private(&home, "project/dev.token", "dev-token-rotated-99");
    let edited = home.snapshot_files();

    let check = apply(&home, &["--check"]).code(3);
    assert_no_tokens(&check);
    let stdout = outputs(&check).0;
    assert!(!stdout.contains("dev-token-rotated-99"), "{stdout}");
    for wanted in [
        "drift: tray-production in Claude Desktop config ~/.config/Claude/claude_desktop_config.json: differs",
        "drift: tray-development in VS Code config ~/.config/Code/User/mcp.json: missing",
        "drift: tray-development in Cursor config ~/.cursor/mcp.json: its token differs from the token source",
        "drift: tray-development in Claude Code config ~/.claude.json: its token differs from the token source",
    ] {
        assert!(stdout.contains(wanted), "{wanted}\nnot in:\n{stdout}");
    }
    let report = json(&apply(&home, &["--check", "--json"]).code(3));
    assert_eq!(report["in_sync"], false);
    assert!(report["drift"].as_array().unwrap().len() >= 4, "{report:#}");
    assert_eq!(home.snapshot_files(), edited, "--check changes nothing");
    assert_ne!(edited, untouched);

    // A rotated stdio token (kept in the profile) is drift too.
    write_private(&home, "project/dev.token", DEV_TOKEN);
    apply(&home, &[]).success();
    let rotated = home
        .command()
        .args(["apply", "--check"])
        .env("PROD_TOKEN", "prod-token-rotated-42")
        .assert()
        .code(3);
    let stdout = outputs(&rotated).0;
    assert!(
        stdout.contains(
            "tray-production in tray-mcp profile ~/.config/tray-mcp/profiles/tray-production.json: its token differs"
        ),
        "{stdout}"
    );
    assert!(
        !stdout.contains("prod-token-rotated-42") && !stdout.contains(TOKEN),
        "{stdout}"
    );
}

#[test]
fn an_unreadable_token_source_is_an_error_not_drift() {
    let home = home_with_manifest();
    apply(&home, &[]).success();
    let before = home.snapshot_files();
    let unset = home.command().args(["apply", "--check"]).assert().code(1);
    let stderr = outputs(&unset).1;
    assert!(
        stderr.contains("tray-production") && stderr.contains("PROD_TOKEN") && stderr.contains("not set"),
        "{stderr}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let path = home.path("project/dev.token");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let open = apply(&home, &[]).code(1);
        let stderr = outputs(&open).1;
        assert!(
            stderr.contains("readable by other users") && stderr.contains("hint: run `chmod 600"),
            "{stderr}"
        );
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).expect("chmod");
    }
    let failing = manifest().replace(
        "token = { file = \"dev.token\" }",
        "token = { command = [\"sh\", \"-c\", \"exit 7\"] }",
    );
    home.write("project/tray-mcp.toml", failing);
    let failed = apply(&home, &["--file", "tray-mcp.toml"]).code(1);
    let stderr = outputs(&failed).1;
    assert!(
        stderr.contains("\"tray-development\"") && stderr.contains("exit status 7"),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files().len(), before.len());
}

/// Issue 21 (10): a token command ran in a dry run and --check, from a manifest found in the
/// current folder (a cloned repository's), without a time or size limit.
#[cfg(unix)]
#[test]
fn a_token_command_runs_only_when_trusted_and_within_limits() {
    use std::os::unix::fs::PermissionsExt;
    let home = home_with_manifest();
    let with_command = |command: &str| {
        manifest().replace(
            "token = { file = \"dev.token\" }",
            &format!("token = {{ command = {command} }}"),
        )
    };
    home.write(
        "project/tray-mcp.toml",
        with_command(r#"["sh", "-c", "touch ../command-ran; echo $DEV_SECRET"]"#),
    );
    let marker = home.path("command-ran");
    let run = |args: &[&str], extra: &[(&str, &str)]| {
        let mut command = home.command();
        command
            .arg("apply")
            .args(args)
            .env("PROD_TOKEN", TOKEN)
            .env("DEV_SECRET", DEV_TOKEN);
        for (name, value) in extra {
            command.env(name, value);
        }
        let assert = command.assert();
        assert_no_tokens(&assert);
        assert
    };
    let before = home.snapshot_files();
    let dry = run(&["--dry-run"], &[]).success();
    let stderr = outputs(&dry).1;
    assert!(
        stderr.contains("the token of \"tray-development\" comes from a command, which a dry run does not run"),
        "{stderr}"
    );
    assert!(!marker.exists(), "a dry run ran the command");
    let refused = run(&[], &[]).code(2);
    let stderr = outputs(&refused).1;
    assert!(
        stderr.contains("tray-mcp.toml:7:10: the manifest found in the current folder runs a command")
            && stderr.contains("hint: ")
            && stderr.contains("--file"),
        "{stderr}"
    );
    assert!(!marker.exists(), "an implicit manifest's command ran");
    assert_eq!(home.snapshot_files(), before);
    run(&["--file", "tray-mcp.toml"], &[]).success();
    assert!(marker.exists(), "a named manifest's command runs");
    std::fs::remove_file(&marker).expect("rm");
    let check = run(&["--check"], &[]).success();
    assert!(
        outputs(&check)
            .0
            .contains("not compared: the token of tray-development"),
        "{}",
        outputs(&check).0
    );
    assert!(!marker.exists(), "--check ran the command");
    run(&["--check", "--allow-commands"], &[]).success();
    assert!(marker.exists(), "--allow-commands runs it");
    // Writable by others: refused even when named.
    let manifest_path = home.path("project/tray-mcp.toml");
    std::fs::set_permissions(&manifest_path, std::fs::Permissions::from_mode(0o666)).expect("chmod");
    let open = run(&["--file", "tray-mcp.toml"], &[]).code(2);
    assert!(
        outputs(&open).1.contains("other accounts may write it (mode 666)"),
        "{}",
        outputs(&open).1
    );
    std::fs::set_permissions(&manifest_path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    // Bounded: time, output, and every other source's size; a FIFO is not a token file.
    let before = home.snapshot_files();
    for (source, extra, wanted) in [
        (
            r#"["sleep", "30"]"#,
            ("TRAY_MCP_TOKEN_COMMAND_SECS", "0.5"),
            "did not finish within 0.5 seconds",
        ),
        (r#"["yes"]"#, ("UNUSED", ""), "more than 64 KiB"),
    ] {
        home.write("project/tray-mcp.toml", with_command(source));
        let failed = run(&["--file", "tray-mcp.toml"], &[extra]).code(1);
        assert!(outputs(&failed).1.contains(wanted), "{wanted}: {}", outputs(&failed).1);
    }
    home.write("project/tray-mcp.toml", manifest().replace("dev.token", "dev.fifo"));
    let fifo = home.path("project/dev.fifo");
    assert!(
        std::process::Command::new("mkfifo")
            .arg("-m")
            .arg("600")
            .arg(&fifo)
            .status()
            .expect("mkfifo")
            .success()
    );
    let failed = run(&[], &[]).code(1);
    assert!(
        outputs(&failed).1.contains("not a regular file"),
        "{}",
        outputs(&failed).1
    );
    std::fs::remove_file(&fifo).expect("rm fifo");
    home.write("project/tray-mcp.toml", manifest());
    let huge = "t".repeat(70 * 1024);
    let failed = home.command().arg("apply").env("PROD_TOKEN", &huge).assert().code(1);
    assert!(
        outputs(&failed).1.contains("more than 64 KiB"),
        "{}",
        outputs(&failed).1
    );
    let mut now = home.snapshot_files();
    now.retain(|(path, _)| !path.ends_with("tray-mcp.toml"));
    let mut then = before;
    then.retain(|(path, _)| !path.ends_with("tray-mcp.toml"));
    assert_eq!(now, then, "a refused source changed a file");
}

#[test]
fn prune_deletes_a_continue_block_file_with_its_entry() {
    let home = home_with_manifest();
    home.install(&["-c", "continue", "-n", "tray-old"]).success();
    let block = home.path(".continue/mcpServers/tray-old.yaml");
    assert!(block.exists());
    apply(&home, &["--prune"]).success();
    assert!(!block.exists(), "the block tray-mcp made goes with its entry");
}

#[test]
fn prune_removes_only_tray_entries_nobody_declared() {
    let home = home_with_manifest();
    home.install(&["-c", "cursor,claude", "-n", "tray-old"]).success();
    apply(&home, &[]).success();
    assert!(
        home.read(".cursor/mcp.json").contains("tray-old"),
        "without --prune it stays"
    );
    let dry = apply(&home, &["--prune", "--dry-run"]).success();
    assert_no_tokens(&dry);
    assert!(outputs(&dry).0.contains("-    \"tray-old\": {"), "{}", outputs(&dry).0);
    let pruned = apply(&home, &["--prune", "--json"]).success();
    let report = json(&pruned);
    assert_eq!(report["changed"], true);
    let cursor = home.read(".cursor/mcp.json");
    assert!(!cursor.contains("tray-old"), "{cursor}");
    assert!(
        cursor.contains("\"linear\"") && cursor.contains("tray-production"),
        "{cursor}"
    );
    assert!(
        !home
            .read(".config/Claude/claude_desktop_config.json")
            .contains("tray-old")
    );
    assert!(
        !home.path(".config/tray-mcp/profiles/tray-old.json").exists(),
        "its profile goes too"
    );
    assert!(home.path(".config/tray-mcp/profiles/tray-production.json").exists());
    let again = json(&apply(&home, &["--prune", "--json"]).success());
    assert_eq!(again["changed"], false, "{again:#}");
}

#[test]
fn a_malformed_or_misspelt_manifest_names_line_and_column_and_changes_nothing() {
    let home = home_with_manifest();
    let before = home.snapshot_files();
    for (text, position, wanted) in [
        (
            manifest().replace("region = \"eu1\"", "regoin = \"eu1\""),
            "tray-mcp.toml:9:1:",
            "unknown field `regoin`",
        ),
        (
            manifest().replace("kind = \"http\"", "kind = \"http"),
            "tray-mcp.toml:10:",
            "not valid TOML",
        ),
        (
            manifest().replace("token = { env = \"PROD_TOKEN\" }", &format!("token = \"{TOKEN}\"")),
            "tray-mcp.toml:5:9:",
            "an inline token is refused",
        ),
        (
            manifest().replace("{ file = \"dev.token\" }", "{ fiel = \"dev.token\" }"),
            "tray-mcp.toml:12:",
            "unknown field `fiel`",
        ),
    ] {
        home.write("project/tray-mcp.toml", &text);
        let refused = apply(&home, &[]).code(2);
        assert_no_tokens(&refused);
        let stderr = outputs(&refused).1;
        assert!(
            stderr.contains(position) && stderr.contains(wanted),
            "{position} {wanted}:\n{stderr}"
        );
        assert!(
            stderr.contains("\nhint: ") && stderr.contains("no file was changed"),
            "{stderr}"
        );
        let mut now = home.snapshot_files();
        now.retain(|(path, _)| !path.ends_with("tray-mcp.toml"));
        let mut then = before.clone();
        then.retain(|(path, _)| !path.ends_with("tray-mcp.toml"));
        assert_eq!(now, then, "{wanted}: nothing changed");
    }
    let missing = home
        .command()
        .args(["apply", "--file", "nowhere.toml"])
        .assert()
        .code(2);
    assert!(outputs(&missing).1.contains("no such file"), "{}", outputs(&missing).1);
}

#[test]
fn export_then_apply_then_check_round_trips() {
    let home = FakeHome::new();
    home.install(&["-c", "claude,cursor,codex", "-n", "tray-production"])
        .success();
    home.command()
        .args([
            "-w",
            WORKSPACE_DEV,
            "--api-token-stdin",
            "-n",
            "tray-development",
            "--region",
            "eu1",
        ])
        .args(["-c", "cursor,vscode", "--transport", "http"])
        .write_stdin(format!("{DEV_TOKEN}\n"))
        .assert()
        .success();
    let export = home.command().arg("export").assert().success();
    assert_no_tokens(&export);
    let text = outputs(&export).0;
    assert!(
        text.contains("token = { env = \"TRAY_TOKEN_TRAY_PRODUCTION\" }"),
        "{text}"
    );
    assert!(text.contains("# The token's source is unknown"), "{text}");
    assert!(
        text.contains("region = \"eu1\"") || text.contains("kind = \"http\""),
        "{text}"
    );
    let exported = json(&home.command().args(["export", "--json"]).assert().success());
    assert_eq!(
        exported["servers"]["tray-production"]["clients"],
        serde_json::json!(["claude", "cursor", "codex"])
    );
    home.write("project/tray-mcp.toml", &text);
    let before = home.snapshot_files();
    let applied = home
        .command()
        .args(["apply", "--json"])
        .env("TRAY_TOKEN_TRAY_PRODUCTION", TOKEN)
        .env("TRAY_TOKEN_TRAY_DEVELOPMENT", DEV_TOKEN)
        .assert()
        .success();
    assert_eq!(json(&applied)["changed"], false, "{}", outputs(&applied).0);
    assert_eq!(home.snapshot_files(), before);
    home.command()
        .args(["apply", "--check"])
        .env("TRAY_TOKEN_TRAY_PRODUCTION", TOKEN)
        .env("TRAY_TOKEN_TRAY_DEVELOPMENT", DEV_TOKEN)
        .assert()
        .success();
}

#[cfg(unix)]
#[test]
fn apply_makes_the_profiles_folder_private_as_install_does() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: std::path::PathBuf| std::fs::metadata(&path).expect("metadata").permissions().mode() & 0o777;
    let installed = FakeHome::new();
    installed.install(&["-c", "cursor"]).success();
    let applied = home_with_manifest();
    apply(&applied, &[]).success();
    for (command, home) in [("install", &installed), ("apply", &applied)] {
        for folder in [".config/tray-mcp", ".config/tray-mcp/profiles"] {
            assert_eq!(mode(home.path(folder)), 0o700, "{command}: {folder} is not private");
        }
    }
}

#[test]
fn a_headless_entry_is_declared_applied_checked_and_exported() {
    let home = FakeHome::new();
    home.write(
        "project/tray-mcp.toml",
        "[servers.tray-headless]\nkind = \"headless\"\nregion = \"eu1\"\nclients = [\"claude-code\", \"codex\"]\n",
    );
    let first = apply(&home, &["--json"]).success();
    assert_eq!(json(&first)["changed"], true, "{}", outputs(&first).0);
    let claude: serde_json::Value = serde_json::from_str(&home.read(".claude.json")).expect("json");
    let entry = &claude["mcpServers"]["tray-headless"];
    assert_eq!(entry["url"], "https://api.eu1.tray.io/mcp", "{entry}");
    assert!(
        entry.get("headers").is_none(),
        "a Headless MCP entry has no header: {entry}"
    );
    assert!(home.read(".codex/config.toml").contains("https://api.eu1.tray.io/mcp"));
    assert!(
        !home.path(".config/tray-mcp/profiles/tray-headless.json").exists(),
        "no profile for a Headless MCP entry"
    );
    let before = home.snapshot_files();
    assert_eq!(json(&apply(&home, &["--json"]).success())["changed"], false);
    apply(&home, &["--check"]).success();
    assert_eq!(home.snapshot_files(), before);

    let exported = outputs(&home.command().arg("export").assert().success()).0;
    assert!(
        exported.contains("[servers.tray-headless]\nregion = \"eu1\"\nkind = \"headless\"\n"),
        "{exported}"
    );
    assert!(!exported.contains("workspace ="), "{exported}");
    home.write("project/tray-mcp.toml", &exported);
    apply(&home, &["--check"]).success();
}

#[test]
fn a_headless_entry_with_a_workspace_or_token_is_refused_at_its_position() {
    for (extra, line) in [
        (format!("workspace = \"{WORKSPACE}\"\n"), 3),
        ("token = { env = \"PROD_TOKEN\" }\n".to_string(), 3),
    ] {
        let home = FakeHome::new();
        home.write(
            "project/tray-mcp.toml",
            format!("[servers.tray-headless]\nkind = \"headless\"\n{extra}clients = [\"cursor\"]\n"),
        );
        let before = home.snapshot_files();
        let refused = apply(&home, &[]).code(2);
        let stderr = outputs(&refused).1;
        assert!(stderr.contains(&format!("tray-mcp.toml:{line}:")), "{stderr}");
        assert!(stderr.contains("kind = \"headless\" takes no"), "{stderr}");
        assert!(stderr.contains("hint:"), "{stderr}");
        assert_eq!(home.snapshot_files(), before);
    }
}

/// A manifest entry that signs in with Tray (`sign_in = true`), for Cursor and Claude.
fn sign_in_manifest() -> String {
    format!("[servers.prod]\nworkspace = \"{WORKSPACE}\"\nclients = [\"claude\", \"cursor\"]\nsign_in = true\n")
}

/// `tray-mcp apply <args>` with `$BROWSER` a script that would leave `browser-opened` in the
/// home: apply must never start it.
fn apply_unattended(home: &FakeHome, args: &[&str]) -> assert_cmd::assert::Assert {
    let assert = home
        .command()
        .arg("apply")
        .args(args)
        .env("BROWSER", home.path("bin/browser"))
        .env("TRAY_API_TOKEN", TOKEN)
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .assert();
    assert!(!home.path("browser-opened").exists(), "apply started a browser");
    assert
}

/// A home with `manifest` and the `$BROWSER` script [`apply_unattended`] names.
fn sign_in_home(manifest: &str) -> FakeHome {
    let home = FakeHome::new();
    home.write("project/tray-mcp.toml", manifest);
    let script = home.write(
        "bin/browser",
        format!("#!/bin/sh\ntouch '{}'\n", home.path("browser-opened").display()),
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    #[cfg(not(unix))]
    let _ = script;
    home
}

/// A refreshable gateway sign-in of `name`, as `tray-mcp login NAME` stores it.
fn write_sign_in(home: &FakeHome, name: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let sign_in = serde_json::json!({
        "resource": format!("http://127.0.0.1:9/workspaces/{WORKSPACE}/mcp"),
        "metadata": {
            "issuer": "http://127.0.0.1:9",
            "authorization_endpoint": "http://127.0.0.1:9/authorize",
            "token_endpoint": "http://127.0.0.1:9/token",
        },
        "client_id": "tray-mcp-test-client",
        "credentials": {
            "client_id": "tray-mcp-test-client",
            "token_response": {
                "access_token": "gateway-access-5d1e9a",
                "token_type": "bearer",
                "expires_in": 3600,
                "refresh_token": "gateway-refresh-2f7c4b",
            },
            "granted_scopes": [],
            "token_received_at": now,
            "issuer": "http://127.0.0.1:9",
        },
    })
    .to_string();
    home.write(&format!(".config/tray-mcp/oauth/{name}.json"), &sign_in);
    sign_in
}

#[test]
fn a_sign_in_entry_is_written_with_no_token_never_signs_in_and_says_to_log_in() {
    let home = sign_in_home(&sign_in_manifest());

    let dry = apply_unattended(&home, &["--dry-run"]).success();
    let (stdout, stderr) = outputs(&dry);
    assert!(
        stdout.contains("prod") && stdout.contains("+"),
        "the dry run shows the entries: {stdout}"
    );
    assert!(stderr.contains("run `tray-mcp login prod`"), "{stderr}");
    assert!(!home.path(".cursor/mcp.json").exists(), "a dry run writes nothing");

    let first = apply_unattended(&home, &[]).success();
    let (stdout, stderr) = outputs(&first);
    assert!(
        stderr.contains("prod is not signed in yet: run `tray-mcp login prod`"),
        "{stderr}"
    );
    assert!(!stdout.contains(TOKEN) && !stderr.contains(TOKEN), "{stdout}\n{stderr}");
    for (name, path) in [
        ("claude", ".config/Claude/claude_desktop_config.json"),
        ("cursor", ".cursor/mcp.json"),
    ] {
        let text = home.read(path);
        assert!(!text.contains(TOKEN), "{name}: {text}");
        insta::assert_snapshot!(format!("apply_sign_in_{name}"), home.redact(&text));
    }
    let profile = home.read(".config/tray-mcp/profiles/prod.json");
    assert!(profile.contains("\"oauth\"") && !profile.contains(TOKEN), "{profile}");
    insta::assert_snapshot!("apply_sign_in_profile", home.redact(&profile));
    assert!(
        !home.path(".config/tray-mcp/oauth/prod.json").exists(),
        "apply never signs in"
    );

    // Again: nothing changes, and it still says to log in.
    let before = home.snapshot_files();
    let again = apply_unattended(&home, &["--json"]).success();
    let report: serde_json::Value = serde_json::from_str(&outputs(&again).0).expect("json");
    assert_eq!(report["changed"], false, "{report:#}");
    assert!(outputs(&again).1.contains("run `tray-mcp login prod`"));
    apply_unattended(&home, &["--check"]).success();
    assert_eq!(home.snapshot_files(), before);

    // Signed in (as `login` would): apply keeps the sign-in and no longer says to log in.
    let sign_in = write_sign_in(&home, "prod");
    let before = home.snapshot_files();
    let signed_in = apply_unattended(&home, &[]).success();
    let stderr = outputs(&signed_in).1;
    assert!(
        !stderr.contains("not signed in yet") && stderr.contains("already signed in"),
        "{stderr}"
    );
    assert!(!stderr.contains("gateway-access-5d1e9a") && !stderr.contains("gateway-refresh-2f7c4b"));
    assert_eq!(home.snapshot_files(), before);
    assert_eq!(home.read(".config/tray-mcp/oauth/prod.json"), sign_in);
}

#[test]
fn a_sign_in_entry_exports_as_sign_in_and_prunes_as_any_other() {
    let home = sign_in_home(&sign_in_manifest());
    apply_unattended(&home, &[]).success();
    let exported = outputs(&home.command().arg("export").assert().success()).0;
    assert!(
        exported.contains(&format!(
            "[servers.prod]\nworkspace = \"{WORKSPACE}\"\nkind = \"stdio\"\ngateway = true\nclients = [\"claude\", \"cursor\"]\nscope = \"user\"\nsign_in = true\n"
        )),
        "{exported}"
    );
    assert!(!exported.contains("token"), "{exported}");
    home.write("project/tray-mcp.toml", &exported);
    let before = home.snapshot_files();
    apply_unattended(&home, &["--check"]).success();
    let report: serde_json::Value =
        serde_json::from_str(&outputs(&apply_unattended(&home, &["--json"]).success()).0).expect("json");
    assert_eq!(report["changed"], false, "{report:#}");
    assert_eq!(home.snapshot_files(), before);

    // Declared no more: --prune takes its entries and its profile out.
    home.write("project/tray-mcp.toml", "");
    apply_unattended(&home, &["--prune"]).success();
    for path in [".cursor/mcp.json", ".config/Claude/claude_desktop_config.json"] {
        assert!(
            !home.path(path).exists() || !home.read(path).contains("\"prod\""),
            "{path} keeps the entry"
        );
    }
    assert!(!home.path(".config/tray-mcp/profiles/prod.json").exists());
}

#[test]
fn sign_in_with_a_token_another_kind_or_the_sandbox_is_refused_at_its_position() {
    for (lines, line, column, wanted) in [
        (
            format!("workspace = \"{WORKSPACE}\"\ntoken = {{ env = \"PROD_TOKEN\" }}\n"),
            3,
            9,
            "sign_in = true and token do not go together",
        ),
        (
            format!("workspace = \"{WORKSPACE}\"\nkind = \"http\"\ntoken_from_env = true\n"),
            3,
            8,
            "sign_in = true and kind do not go together: bridge and http entries carry",
        ),
        (
            "kind = \"headless\"\n".to_string(),
            2,
            8,
            "a headless entry is signed in by the client itself",
        ),
        (
            format!("workspace = \"{WORKSPACE}\"\ntoken_from_env = \"X\"\n"),
            3,
            18,
            "sign_in = true and token_from_env do not go together: a signed-in entry has no token to name",
        ),
        (
            "workspace = \"sandbox\"\n".to_string(),
            2,
            13,
            "the sandbox needs no sign-in",
        ),
        (String::new(), 2, 11, "sign_in needs a workspace"),
    ] {
        let home = sign_in_home(&format!(
            "[servers.prod]\n{lines}sign_in = true\nclients = [\"cursor\"]\n"
        ));
        let before = home.snapshot_files();
        let refused = apply_unattended(&home, &[]).code(2);
        let stderr = outputs(&refused).1;
        assert!(
            stderr.contains(&format!("tray-mcp.toml:{line}:{column}:")),
            "{wanted}: {stderr}"
        );
        assert!(stderr.contains(wanted), "{stderr}");
        assert!(stderr.contains("hint:"), "{stderr}");
        assert_eq!(home.snapshot_files(), before, "{wanted}");
    }
}

#[test]
fn hand_written_tray_entries_are_listed_as_adoptable_and_never_pruned_or_uninstalled() {
    let home = home_with_manifest();
    let hand_written = format!(
        r#"{{"mcpServers": {{
  "by-hand-bridge": {{"command": "npx", "args": ["-y", "mcp-remote", "https://{WORKSPACE}.mcp.tray.ai", "--header", "Authorization:Bearer {DEV_TOKEN}"]}},
  "by-hand-http": {{"url": "https://{WORKSPACE_DEV}.mcp.tray.ai", "headers": {{"Authorization": "Bearer {DEV_TOKEN}"}}}}
}}}}
"#
    );
    home.write(".codeium/windsurf/mcp_config.json", &hand_written);
    apply(&home, &["--prune"]).success();
    assert_eq!(home.read(".codeium/windsurf/mcp_config.json"), hand_written);
    let listed = home.command().arg("list").assert().success();
    let (stdout, _) = outputs(&listed);
    for name in ["by-hand-bridge", "by-hand-http"] {
        let row = stdout.lines().find(|line| line.starts_with(name)).unwrap_or_default();
        assert!(row.contains("adoptable") && !row.contains("missing"), "{stdout}");
    }
    assert!(!stdout.contains(DEV_TOKEN), "{stdout}");
    // Its own install folder: the test binary's folder is not for uninstall to empty.
    let install_dir = home.path("bin");
    home.command()
        .args(["uninstall", "--all"])
        .env("TRAY_MCP_INSTALL_DIR", &install_dir)
        .assert()
        .success();
    assert_eq!(home.read(".codeium/windsurf/mcp_config.json"), hand_written);
    assert!(!home.read(".cursor/mcp.json").contains("tray-production"), "ours go");
}

#[test]
fn check_compares_only_our_keys_and_apply_keeps_the_client_s() {
    let home = home_with_manifest();
    apply(&home, &[]).success();
    let cursor = home.read(".cursor/mcp.json");
    let with_settings = cursor.replacen(
        "\"tray-production\": {",
        "\"tray-production\": {\"disabledTools\": [\"x\"], ",
        1,
    );
    assert_ne!(cursor, with_settings);
    home.write(".cursor/mcp.json", &with_settings);
    let codex = home.read(".codex/config.toml") + "";
    let codex = codex.replacen(
        "[mcp_servers.tray-production]\n",
        "[mcp_servers.tray-production]\nstartup_timeout_sec = 45\n",
        1,
    );
    assert!(codex.contains("startup_timeout_sec"), "{codex}");
    home.write(".codex/config.toml", &codex);
    let check = apply(&home, &["--check", "--json"]).success();
    assert_eq!(json(&check)["in_sync"], true, "{}", outputs(&check).0);
    apply(&home, &[]).success();
    assert_eq!(home.read(".cursor/mcp.json"), with_settings);
    assert_eq!(home.read(".codex/config.toml"), codex);
}

#[test]
fn apply_verifies_every_declared_token_and_writes_nothing_when_tray_refuses_one() {
    use fake_gateway::{FakeGateway, GatewayBehavior};
    use fake_tray::{Behavior, FakeTray};
    let against = |home: &FakeHome, api: &FakeTray, gateway: &FakeGateway| {
        let assert = home
            .command()
            .arg("apply")
            .env("PROD_TOKEN", TOKEN)
            .envs(api.api_variables())
            .env("TRAY_GATEWAY_URL", gateway.url())
            .assert();
        assert_no_tokens(&assert);
        assert
    };
    let home = home_with_manifest();
    let before = home.snapshot_files();
    let refusing = FakeTray::start(Behavior::Status(401, "{\"message\":\"Unauthorized\"}".into()));
    let refusing_gateway = FakeGateway::start(GatewayBehavior::Status(401));
    let assert = against(&home, &refusing, &refusing_gateway).code(1);
    let stderr = outputs(&assert).1;
    assert!(
        stderr.contains("server \"tray-production\": Tray refused the API token")
            && stderr.contains("server \"tray-development\": Tray refused the API token"),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files(), before, "a refused token changed a file");

    let api = FakeTray::start(Behavior::Normal);
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let assert = against(&home, &api, &gateway).success();
    let stderr = outputs(&assert).1;
    assert!(
        stderr.contains(
            "server \"tray-production\": token of Ada Lovelace (ada@example.com) · us1 · Agent Gateway: 3 tools"
        ) && stderr.contains(
            "server \"tray-development\": token of Ada Lovelace (ada@example.com) · eu1 · Agent Gateway: 3 tools"
        ),
        "{stderr}"
    );
}
