//! Bad input loses nothing: malformed files, refused values, a write failing midway.

use crate::support;

use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, fixture, outputs};

/// Valid files for every client, so a failure must leave all of them untouched.
fn home_with_valid_configs() -> FakeHome {
    let home = FakeHome::new();
    home.with_original_clients();
    home.write(
        ".config/Claude/claude_desktop_config.json",
        fixture("claude_desktop_other_servers.json"),
    );
    home.write(".claude.json", fixture("claude_code_state.json"));
    home.write(".cursor/mcp.json", fixture("cursor_crlf.json"));
    home.write(".codeium/windsurf/mcp_config.json", fixture("windsurf_bom.json"));
    home.write(".config/Code/User/mcp.json", fixture("vscode_mcp_comments.jsonc"));
    home
}

#[test]
fn each_malformed_file_names_client_path_and_position_and_nothing_is_written() {
    let cases = [
        (
            ".config/Claude/claude_desktop_config.json",
            "{\n  // Claude Desktop reads strict JSON\n  \"mcpServers\": {}\n}\n",
            "could not parse Claude Desktop config ~/.config/Claude/claude_desktop_config.json at 2:3",
        ),
        (
            ".claude.json",
            "{\n  \"numStartups\": 3,\n  \"projects\": {\n",
            "could not parse Claude Code config ~/.claude.json at 4:1",
        ),
        (
            ".cursor/mcp.json",
            "{\"mcpServers\": {}} trailing",
            "could not parse Cursor config ~/.cursor/mcp.json at 1:20",
        ),
        (
            ".codeium/windsurf/mcp_config.json",
            "{\n  \"mcpServers\": {} /* never closed\n}",
            "could not parse Windsurf config ~/.codeium/windsurf/mcp_config.json at 2:20",
        ),
        (
            ".config/Code/User/mcp.json",
            "{\n  \"servers\": []\n}\n",
            "cannot edit VS Code config ~/.config/Code/User/mcp.json: expected an object at \"servers\" (2:14), found an array",
        ),
    ];
    for (file, broken, message) in cases {
        let home = home_with_valid_configs();
        home.write(file, broken);
        let before = home.snapshot_files();
        let assert = home.install(&["-c", "all"]).code(1);
        assert_no_token(&assert);
        let (stdout, stderr) = outputs(&assert);
        assert!(stderr.contains(message), "expected {message:?} in:\n{stderr}");
        assert!(stderr.contains("\nhint: "), "no hint line:\n{stderr}");
        assert!(stdout.is_empty(), "stdout must stay empty on failure: {stdout}");
        assert_eq!(home.snapshot_files(), before, "{file}: some file changed");
    }
}

#[test]
fn what_gemini_or_qwen_cannot_read_is_refused_at_its_position_and_nothing_is_written() {
    let trailing_comma = "{\n  // mine\n  \"mcpServers\": {\n    \"other\": {\"command\": \"o\"},\n  }\n}\n";
    let bom = "\u{feff}{\n  \"mcpServers\": {}\n}\n";
    let cases = [
        (
            "gemini",
            ".gemini/settings.json",
            trailing_comma,
            "Gemini CLI config ~/.gemini/settings.json at 4:30: a trailing comma",
        ),
        (
            "gemini",
            ".gemini/settings.json",
            bom,
            "Gemini CLI config ~/.gemini/settings.json at 1:1: the file starts with a byte-order mark",
        ),
        (
            "qwen",
            ".qwen/settings.json",
            trailing_comma,
            "Qwen Code config ~/.qwen/settings.json at 4:30: a trailing comma",
        ),
    ];
    for (client, file, content, message) in cases {
        let home = FakeHome::new();
        home.write(file, content);
        let before = home.snapshot_files();
        let assert = home.command().args(["--sandbox", "-c", client]).assert().code(1);
        let (stdout, stderr) = outputs(&assert);
        assert!(stderr.contains(message), "expected {message:?} in:\n{stderr}");
        assert!(stderr.contains("cannot read"), "{stderr}");
        assert!(stderr.contains("\nhint: "), "no hint line:\n{stderr}");
        assert!(stdout.is_empty(), "{stdout}");
        assert_eq!(home.snapshot_files(), before, "{client}: a file changed");
    }
    // Qwen Code reads a byte-order mark: the install goes ahead and keeps it.
    let home = FakeHome::new();
    home.write(".qwen/settings.json", bom);
    home.command().args(["--sandbox", "-c", "qwen"]).assert().success();
    let text = home.read(".qwen/settings.json");
    assert!(
        text.starts_with('\u{feff}') && text.contains("tray-workspace"),
        "{text}"
    );
}

#[test]
fn not_utf8_file_is_refused() {
    let home = FakeHome::new();
    home.write(".cursor/mcp.json", b"{\"mcpServers\": {\"a\": \"\xff\xfe\"}}");
    let before = home.snapshot_files();
    let assert = home.install(&["-c", "cursor"]).code(1);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("Cursor config ~/.cursor/mcp.json: it is not UTF-8 text"),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files(), before);
}

#[test]
fn a_failed_write_midway_restores_the_files_already_written() {
    let home = home_with_valid_configs();
    std::fs::remove_file(home.path(".config/Claude/claude_desktop_config.json")).expect("rm");
    let before_failing = home.snapshot_files();
    let mut command = home.command();
    let assert = command
        .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "all"])
        .env("TRAY_MCP_TEST_FAIL_WRITE", "mcp_config.json")
        .write_stdin(TOKEN)
        .assert()
        .code(1);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("Windsurf config ~/.codeium/windsurf/mcp_config.json"),
        "{stderr}"
    );
    let after: Vec<_> = home
        .snapshot_files()
        .into_iter()
        .filter(|(path, _)| !path.to_string_lossy().contains("/tray-mcp/backups/"))
        .collect();
    assert_eq!(after, before_failing, "written files were not restored");
    assert!(
        !home.path(".config/Claude/claude_desktop_config.json").exists(),
        "a created file must be removed again"
    );
}

#[test]
fn invalid_workspace_id_is_a_usage_error() {
    let home = FakeHome::new();
    let assert = home.command().args(["-w", "not-a-uuid", "-t", TOKEN]).assert().code(2);
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("is not a Tray workspace ID"), "{stderr}");
    assert_no_token(&assert);
}

#[test]
fn workspace_id_from_a_pasted_app_url() {
    let home = FakeHome::new();
    let url = format!("https://app.tray.io/workspaces/{WORKSPACE}/projects");
    home.command()
        .args(["-w", &url, "--api-token-stdin", "-c", "cursor", "--transport", "http"])
        .write_stdin(TOKEN)
        .assert()
        .success();
    assert!(
        home.read(".cursor/mcp.json")
            .contains(&format!("https://{WORKSPACE}.mcp.tray.ai"))
    );
}

#[test]
fn missing_values_without_a_terminal_exit_2_naming_flags_and_variables() {
    let home = FakeHome::new();
    let assert = home.command().args(["-c", "cursor"]).assert().code(2);
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("--workspace-id (or TRAY_WORKSPACE_ID)"), "{stderr}");
    assert!(stderr.contains("TRAY_API_TOKEN"), "{stderr}");
    assert!(home.snapshot_files().is_empty());
}

#[test]
fn environment_variables_fill_the_flags() {
    let home = FakeHome::new();
    home.command()
        .args(["-c", "cursor"])
        .env("TRAY_WORKSPACE_ID", WORKSPACE)
        .env("TRAY_API_TOKEN", TOKEN)
        .env("TRAY_REGION", "eu1")
        .assert()
        .success();
    let profile = home.read(".config/tray-mcp/profiles/tray-workspace.json");
    assert!(profile.contains("\"region\": \"eu1\""), "{profile}");
}

#[test]
fn placeholder_and_empty_tokens_are_refused_without_echo() {
    let home = FakeHome::new();
    for token in ["your-api-token-here", "<TOKEN>", "   \n"] {
        let assert = home
            .command()
            .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "cursor"])
            .write_stdin(token)
            .assert()
            .code(2);
        let (_, stderr) = outputs(&assert);
        assert!(stderr.contains("hint: "), "{stderr}");
        if !token.trim().is_empty() {
            assert!(!stderr.contains(token), "the refused value was echoed: {stderr}");
        }
    }
    assert!(home.snapshot_files().is_empty());
}

#[test]
fn bad_region_and_name_are_usage_errors() {
    let home = FakeHome::new();
    home.install(&["--region", "mars"]).code(2);
    home.install(&["-n", "has space"]).code(2);
    home.install(&["-c", "notepad"]).code(2);
    assert!(home.snapshot_files().is_empty());
}

#[test]
fn token_is_hidden_from_help_even_when_set_in_the_environment() {
    let home = FakeHome::new();
    let assert = home
        .command()
        .arg("--help")
        .env("TRAY_API_TOKEN", TOKEN)
        .assert()
        .success();
    assert_no_token(&assert);
}

#[test]
fn dry_run_prints_a_redacted_diff_and_writes_nothing() {
    let home = FakeHome::new();
    home.write(".cursor/mcp.json", fixture("cursor_crlf.json"));
    let before = home.snapshot_files();
    let assert = home
        .install(&["-c", "cursor", "--transport", "http", "--dry-run"])
        .success();
    assert_no_token(&assert);
    let (stdout, stderr) = outputs(&assert);
    assert!(stderr.contains("dry run: no file was changed"), "{stderr}");
    insta::assert_snapshot!("dry_run_cursor_http", home.redact(&stdout).replace('\r', "␍"));
    assert_eq!(home.snapshot_files(), before);
}

/// A project file comes from a repository the user may not trust: a link that leads out of the
/// project (the file itself, or a folder on its path) is refused and nothing is written.
#[cfg(unix)]
#[test]
fn a_project_file_linked_out_of_the_project_is_refused() {
    use std::os::unix::fs::symlink;
    let home = FakeHome::new();
    home.write(".config/otherapp/settings.json", "{\n  \"theme\": \"dark\"\n}\n");
    symlink("../.config/otherapp/settings.json", home.project().join(".mcp.json")).expect("link");
    symlink("../.config/otherapp", home.project().join(".cursor")).expect("link");
    let before = home.snapshot_files();
    for (client, file) in [("claude-code", ".mcp.json"), ("cursor", ".cursor/mcp.json")] {
        let assert = home
            .command()
            .args(["--sandbox", "-c", client, "--scope", "project"])
            .assert()
            .code(1);
        let (stdout, stderr) = outputs(&assert);
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains(&format!("~/project/{file} leads outside the project folder"))
                && stderr.contains(".config/otherapp/"),
            "{stderr}"
        );
        assert!(
            stderr.contains("\nhint: ") && stderr.contains("no file was changed"),
            "{stderr}"
        );
        assert_eq!(home.snapshot_files(), before, "{client}: a file changed");
    }
}

/// Inside the project a link is followed, and the report names the file that really changed.
#[cfg(unix)]
#[test]
fn a_link_inside_the_project_is_followed_and_named() {
    let home = FakeHome::new();
    home.write("project/config/mcp.json", "{}\n");
    std::os::unix::fs::symlink("config/mcp.json", home.project().join(".mcp.json")).expect("link");
    let assert = home
        .command()
        .args(["--sandbox", "-c", "claude-code", "--scope", "project"])
        .assert()
        .success();
    let (stdout, _) = outputs(&assert);
    assert!(
        stdout
            .contains("Added        ~/project/config/mcp.json (linked from ~/project/.mcp.json)  (Claude Code config)"),
        "{stdout}"
    );
    assert!(home.read("project/config/mcp.json").contains("\"tray-workspace\""));
}

/// A user file linked elsewhere (a dotfile manager) is followed: the link stays a link, its target
/// gets the entry, and the report names the target.
#[cfg(unix)]
#[test]
fn a_linked_user_file_is_followed_and_the_report_names_the_real_file() {
    let home = FakeHome::new();
    home.write("dotfiles/cursor.json", "{}\n");
    std::fs::create_dir_all(home.path(".cursor")).expect("mkdir");
    std::os::unix::fs::symlink(home.path("dotfiles/cursor.json"), home.path(".cursor/mcp.json")).expect("link");
    let assert = home.install(&["-c", "cursor", "--json"]).success();
    let report: serde_json::Value = serde_json::from_str(&outputs(&assert).0).expect("json");
    assert_eq!(report["files"][0]["path"], "~/.cursor/mcp.json");
    assert_eq!(report["files"][0]["real_path"], "~/dotfiles/cursor.json");
    let link = std::fs::symlink_metadata(home.path(".cursor/mcp.json")).expect("metadata");
    assert!(link.file_type().is_symlink(), "the link was replaced by a file");
    assert!(home.read("dotfiles/cursor.json").contains("\"tray-workspace\""));
}

/// A FIFO or a device at a client's config path is never read (before, a FIFO hung `install`,
/// `list`, `doctor` and `remove`, and a link to `/dev/zero` grew the process without bound; the
/// timeout only turns such a hang into a failure): a changing command refuses it by name with a
/// hint and changes nothing; `list` and `doctor` report it and go on with the other files.
#[cfg(unix)]
#[test]
fn a_fifo_or_a_device_at_a_config_path_is_refused_and_never_read() {
    use std::time::Duration;
    for (special, what) in [
        ("fifo", "it is a FIFO (named pipe), not a regular file"),
        ("/dev/zero", "it is a device, not a regular file"),
    ] {
        let home = FakeHome::new();
        home.install(&["-c", "windsurf"]).success();
        let cursor = home.path(".cursor/mcp.json");
        std::fs::create_dir_all(cursor.parent().unwrap()).unwrap();
        if special == "fifo" {
            assert!(
                std::process::Command::new("mkfifo")
                    .arg(&cursor)
                    .status()
                    .unwrap()
                    .success()
            );
        } else {
            std::os::unix::fs::symlink(special, &cursor).unwrap();
        }
        let before = home.snapshot_files();
        let run = |args: &[&str]| {
            let mut command = home.command();
            command
                .args(args)
                .write_stdin(format!("{TOKEN}\n"))
                .timeout(Duration::from_secs(60));
            command.assert()
        };
        let message = format!("could not read Cursor config ~/.cursor/mcp.json: {what}");
        let (_, stderr) =
            outputs(&run(&["-w", WORKSPACE, "--api-token-stdin", "-n", "tray-two", "-c", "cursor"]).code(1));
        assert!(stderr.contains(&message), "{special}: {stderr}");
        assert!(
            stderr.contains("hint: tray-mcp reads only regular files"),
            "{special}: {stderr}"
        );
        let (stdout, stderr) = outputs(&run(&["list"]).code(1));
        assert!(stdout.contains("tray-workspace"), "{special}: list goes on:\n{stdout}");
        assert!(stderr.contains(&message), "{special}: {stderr}");
        let (stdout, stderr) = outputs(&run(&["doctor"]));
        assert!(
            format!("{stdout}{stderr}").contains(what),
            "{special}: {stdout}{stderr}"
        );
        let (_, stderr) = outputs(&run(&["remove", "tray-workspace"]).code(1));
        assert!(stderr.contains(&message), "{special}: {stderr}");
        assert_eq!(home.snapshot_files(), before, "{special}: a file changed");
    }
}

/// A run that fails after taking its backups leaves no backup sharing storage with the file it
/// left in place (before, backups were hard links, and an editor's in-place write of the config
/// then rewrote "the file as it was before tray-mcp touched it").
#[test]
fn a_failed_run_leaves_no_backup_linked_to_the_live_file() {
    let home = FakeHome::new();
    let user = "{\"mcpServers\": {\"mine\": {\"command\": \"m\"}}}\n";
    let cursor = home.write(".cursor/mcp.json", user);
    home.command()
        .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "cursor"])
        .env("TRAY_MCP_TEST_FAIL_WRITE", "mcp.json")
        .write_stdin(TOKEN)
        .assert()
        .code(1);
    // An editor that writes in place (truncate and write, same inode).
    std::fs::write(&cursor, "{\"edited\": true}\n").expect("edit");
    let backups: Vec<_> = home
        .snapshot_files()
        .into_iter()
        .filter(|(path, _)| path.to_string_lossy().contains("/tray-mcp/backups/"))
        .collect();
    assert!(!backups.is_empty(), "the failed run took its backups");
    for (path, bytes) in backups {
        assert_eq!(
            String::from_utf8_lossy(&bytes),
            user,
            "{} moved with the live file",
            path.display()
        );
    }
}
