//! `list` and `remove`: every scope is found; remove takes out exactly one entry and its
//! profile once no client uses it.

use crate::support;

use support::{FakeHome, TOKEN, assert_no_token, fixture, outputs};

#[test]
fn list_finds_every_scope_including_claude_code_projects() {
    let home = FakeHome::new();
    home.write(".claude.json", fixture("claude_code_state.json"));
    home.install(&["-c", "claude-code"]).success();
    home.install(&[
        "-c",
        "claude-code",
        "--scope",
        "local",
        "-n",
        "tray-local",
        "--transport",
        "http",
    ])
    .success();
    home.install(&[
        "-c",
        "claude-code,cursor,vscode",
        "--scope",
        "project",
        "-n",
        "tray-shared",
        "--transport",
        "bridge",
    ])
    .success();
    let assert = home.command().arg("list").assert().success();
    assert_no_token(&assert);
    let (stdout, _) = outputs(&assert);
    insta::assert_snapshot!("list_scopes", home.redact(&stdout));
}

#[test]
fn run_from_the_home_folder_a_file_that_is_both_user_and_project_is_listed_once() {
    // Cursor's project file `.cursor/mcp.json` in the home folder is its user file.
    let home = FakeHome::new();
    home.install(&["-n", "tray-demo", "-c", "cursor"]).success();
    let assert = home.command().current_dir(home.home()).arg("list").assert().success();
    let (stdout, _) = outputs(&assert);
    let rows: Vec<&str> = stdout.lines().filter(|line| line.starts_with("tray-demo")).collect();
    assert_eq!(rows.len(), 1, "one entry, one row:\n{stdout}");
    assert!(rows[0].contains(" user "), "listed under its user scope: {}", rows[0]);
}

#[test]
fn list_reports_a_broken_file_and_still_lists_the_others() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor"]).success();
    home.write(".codeium/windsurf/mcp_config.json", "{ broken");
    let assert = home.command().arg("list").assert().code(1);
    let (stdout, stderr) = outputs(&assert);
    assert!(stdout.contains("tray-workspace"), "{stdout}");
    assert!(
        stderr.contains("could not parse Windsurf config ~/.codeium/windsurf/mcp_config.json at 1:3"),
        "{stderr}"
    );
}

#[test]
fn remove_takes_out_exactly_the_entry_and_drops_the_unused_profile() {
    let home = FakeHome::new();
    let original = fixture("claude_desktop_other_servers.json");
    home.write(".config/Claude/claude_desktop_config.json", &original);
    home.install(&["-c", "claude,cursor"]).success();
    let profile = home.path(".config/tray-mcp/profiles/tray-workspace.json");

    let assert = home
        .command()
        .args(["remove", "tray-workspace", "-c", "claude"])
        .assert()
        .success();
    let (stdout, _) = outputs(&assert);
    assert!(stdout.starts_with("Removed"), "{stdout}");
    assert_eq!(
        std::fs::read(home.path(".config/Claude/claude_desktop_config.json")).expect("file"),
        original
    );
    assert!(profile.exists(), "Cursor still uses the profile");

    let assert = home.command().args(["remove", "tray-workspace"]).assert().success();
    let (stdout, _) = outputs(&assert);
    assert!(
        stdout.contains("~/.cursor/mcp.json") && stdout.contains("tray-mcp profile"),
        "{stdout}"
    );
    assert!(!profile.exists(), "the unused profile (holding the token) must go");
}

#[test]
fn remove_refuses_entries_that_are_not_trays() {
    let home = FakeHome::new();
    home.write(
        ".config/Claude/claude_desktop_config.json",
        fixture("claude_desktop_other_servers.json"),
    );
    let before = home.snapshot_files();
    let assert = home.command().args(["remove", "github"]).assert().code(1);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("is not a Tray entry") && stderr.contains("hint: "),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files(), before);
    home.command().args(["remove", "nothing-here"]).assert().code(1);
}

#[test]
fn remove_dry_run_hides_inline_tokens() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--transport", "http"]).success();
    let before = home.snapshot_files();
    let assert = home
        .command()
        .args(["remove", "tray-workspace", "--dry-run"])
        .assert()
        .success();
    assert_no_token(&assert);
    let (stdout, _) = outputs(&assert);
    assert!(
        stdout.contains("-      \"headers\"") && stdout.contains("[REDACTED]"),
        "{stdout}"
    );
    assert_eq!(home.snapshot_files(), before);
    assert!(!stdout.contains(TOKEN));
}

#[test]
fn a_name_twice_in_one_object_is_refused_by_install_and_remove_alike() {
    // JSON leaves a repeated key undefined: install used to edit the last copy while remove
    // read the first, so install wrote a Tray entry that remove then refused to remove.
    let home = FakeHome::new();
    let json = "{\"mcpServers\": {\n  \"tray-workspace\": {\"command\": \"node\", \"args\": [\"mine.js\"]},\n  \"tray-workspace\": {\"command\": \"other\"}\n}}\n";
    home.write(".cursor/mcp.json", json);
    let yaml = "name: mine\nversion: 0.0.1\nschema: v1\nmcpServers:\n  - name: tray-workspace\n    command: a\n  - name: tray-workspace\n    command: b\n";
    home.write(".continue/config.yaml", yaml);
    let before = home.snapshot_files();
    for client in ["cursor", "continue"] {
        home.install(&["-c", client, "--transport", "http"]).failure();
        let remove = home
            .command()
            .args(["remove", "tray-workspace", "-c", client])
            .assert()
            .failure();
        let (_, stderr) = outputs(&remove);
        assert!(
            stderr.contains("a second time") || stderr.contains("two items"),
            "{stderr}"
        );
        assert!(stderr.contains("hint: keep one of the two"), "{stderr}");
    }
    let (_, stderr) = outputs(&home.install(&["-c", "cursor"]).failure());
    assert!(
        stderr.contains("mcp.json at 3:3") && stderr.contains("hint: keep one"),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files(), before, "nothing may be written");
}
