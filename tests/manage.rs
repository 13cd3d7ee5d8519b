//! Managing several workspaces: rename, token rotation, completions, profile permissions, and
//! a sweep that runs every command with a distinctive token and searches all output and files.

mod common;

use common::{FakeHome, TOKEN, WORKSPACE, assert_no_token, fixture, outputs};

const NEW_TOKEN: &str = "rotated-token-8c1d2e3f4a";

#[test]
fn rename_moves_the_entry_in_every_client_and_its_profile() {
    let home = FakeHome::new();
    home.write(".config/Code/User/mcp.json", fixture("vscode_mcp_comments.jsonc"));
    home.install(&["-c", "claude,cursor"]).success();
    home.install(&["-c", "vscode", "--transport", "http"]).success();
    let assert = home
        .command()
        .args(["rename", "tray-workspace", "tray-production"])
        .assert()
        .success();
    assert_no_token(&assert);
    let claude = home.read(".config/Claude/claude_desktop_config.json");
    assert!(
        claude.contains("\"tray-production\"") && claude.contains("\"--profile\",\n        \"tray-production\""),
        "{claude}"
    );
    assert!(!claude.contains("tray-workspace"), "{claude}");
    let vscode = home.read(".config/Code/User/mcp.json");
    assert!(
        vscode.contains("${input:tray-api-token-tray-production}") && !vscode.contains("tray-api-token-tray-workspace"),
        "{vscode}"
    );
    assert!(vscode.contains("// never inline"), "comments must survive");
    assert!(home.path(".config/tray-mcp/profiles/tray-production.json").exists());
    assert!(!home.path(".config/tray-mcp/profiles/tray-workspace.json").exists());
    let listing = outputs(&home.command().arg("list").assert().success()).0;
    assert!(
        listing.contains("tray-production") && !listing.contains("tray-workspace"),
        "{listing}"
    );
}

#[test]
fn rename_refuses_a_name_already_taken() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor"]).success();
    home.install(&["-c", "cursor", "-n", "tray-other"]).success();
    let before = home.snapshot_files();
    let assert = home
        .command()
        .args(["rename", "tray-workspace", "tray-other"])
        .assert()
        .code(1);
    assert!(outputs(&assert).1.contains("already has an entry named \"tray-other\""));
    assert_eq!(home.snapshot_files(), before);
}

#[test]
fn token_rotation_with_three_clients_of_mixed_transports() {
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    home.install(&["-c", "cursor", "--transport", "http"]).success();
    home.install(&["-c", "windsurf", "--transport", "bridge"]).success();
    let claude_before = home.read(".config/Claude/claude_desktop_config.json");
    let assert = home
        .command()
        .args(["token", "set", "tray-workspace", "--api-token-stdin"])
        .write_stdin(NEW_TOKEN)
        .assert()
        .success();
    let (stdout, stderr) = outputs(&assert);
    assert!(!stdout.contains(NEW_TOKEN) && !stderr.contains(NEW_TOKEN) && !stdout.contains(TOKEN));
    assert_eq!(
        home.read(".config/Claude/claude_desktop_config.json"),
        claude_before,
        "stdio entries need no change"
    );
    for file in [
        ".cursor/mcp.json",
        ".codeium/windsurf/mcp_config.json",
        ".config/tray-mcp/profiles/tray-workspace.json",
    ] {
        let text = home.read(file);
        assert!(
            text.contains(NEW_TOKEN) && !text.contains(TOKEN),
            "{file} was not rotated:\n{text}"
        );
    }
    let again = home
        .command()
        .args(["token", "set", "tray-workspace", "--api-token-stdin"])
        .write_stdin(NEW_TOKEN)
        .assert()
        .success();
    assert!(outputs(&again).0.lines().all(|line| line.starts_with("Unchanged")));
}

#[test]
fn token_forget_empties_the_profile_and_points_at_inline_copies() {
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    home.install(&["-c", "cursor", "--transport", "http"]).success();
    let assert = home
        .command()
        .args(["token", "forget", "tray-workspace"])
        .assert()
        .success();
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("~/.cursor/mcp.json still holds a token inline"),
        "{stderr}"
    );
    let profile = home.read(".config/tray-mcp/profiles/tray-workspace.json");
    assert!(
        !profile.contains("api_token") && profile.contains(WORKSPACE),
        "{profile}"
    );
    let listing = outputs(&home.command().arg("list").assert().success()).0;
    assert!(
        listing
            .lines()
            .any(|line| line.contains("Claude Desktop") && line.contains(" none ")),
        "{listing}"
    );
}

#[cfg(unix)]
#[test]
fn serve_refuses_a_profile_others_can_read() {
    use std::os::unix::fs::PermissionsExt;
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    let profile = home.path(".config/tray-mcp/profiles/tray-workspace.json");
    std::fs::set_permissions(&profile, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    let assert = home
        .command()
        .args(["serve", "--profile", "tray-workspace"])
        .write_stdin("")
        .assert()
        .code(1);
    let (stdout, stderr) = outputs(&assert);
    assert!(stdout.is_empty());
    assert!(
        stderr.contains("readable by other users (mode 644)") && stderr.contains("chmod 600"),
        "{stderr}"
    );
    assert_no_token(&assert);
}

#[test]
fn bash_completion_completes_install_flags_despite_the_hyphenated_name() {
    let home = FakeHome::new();
    let script = outputs(&home.command().args(["completions", "bash"]).assert().success()).0;
    let script_path = home.write("tray-mcp.bash", &script);
    let probe = format!(
        "source {}\nCOMP_WORDS=(tray-mcp install --work); COMP_CWORD=2; _tray__mcp tray-mcp --work install\necho \"[${{COMPREPLY[*]}}]\"\nCOMP_WORDS=(tray-mcp token set --api); COMP_CWORD=3; _tray__mcp tray-mcp --api set\necho \"[${{COMPREPLY[*]}}]\"\n",
        script_path.display()
    );
    let output = std::process::Command::new("bash")
        .arg("-c")
        .arg(probe)
        .output()
        .expect("bash");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        stdout,
        "[--workspace-id]\n[--api-token-stdin]\n",
        "stderr: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    for shell in ["zsh", "fish", "powershell"] {
        let script = outputs(&home.command().args(["completions", shell]).assert().success()).0;
        assert!(
            script.contains("workspace-id"),
            "{shell} script lacks the install flags"
        );
    }
}

/// Every command, run with a distinctive token: it may be stored only in the profile and in
/// the configs whose transport needs it inline; never in any output, backup name or other file.
#[test]
fn the_token_never_leaks() {
    let home = FakeHome::new();
    home.with_original_clients();
    home.write(
        ".config/Claude/claude_desktop_config.json",
        fixture("claude_desktop_other_servers.json"),
    );
    let runs: Vec<assert_cmd::assert::Assert> = vec![
        home.install(&["-c", "all", "--dry-run"]).success(),
        home.install(&["-c", "all"]).success(),
        home.install(&["-c", "cursor,claude-code", "--transport", "http", "-n", "tray-http"])
            .success(),
        home.install(&["-c", "windsurf", "--transport", "bridge", "-n", "tray-bridge", "--json"])
            .success(),
        home.install(&["-c", "claude", "--transport", "http"]).code(2),
        home.command().arg("list").assert().success(),
        home.command().args(["list", "--json"]).assert().success(),
        home.command()
            .args(["rename", "tray-http", "tray-remote", "--dry-run"])
            .assert()
            .success(),
        home.command()
            .args(["rename", "tray-http", "tray-remote"])
            .assert()
            .success(),
        home.command()
            .args(["token", "set", "tray-remote", "--api-token-stdin", "--dry-run"])
            .write_stdin(TOKEN)
            .assert()
            .success(),
        home.command()
            .args(["remove", "tray-bridge", "--dry-run"])
            .assert()
            .success(),
        home.command().args(["remove", "tray-bridge"]).assert().success(),
        home.command().args(["-w", "bad", "-t", TOKEN]).assert().code(2),
        home.command()
            .args(["serve", "--profile", "nope"])
            .write_stdin("")
            .assert()
            .code(1),
    ];
    for run in &runs {
        assert_no_token(run);
    }
    let allowed = [
        "tray-mcp/profiles/tray-workspace.json",
        ".cursor/mcp.json",
        ".claude.json",
    ];
    for (path, bytes) in home.snapshot_files() {
        let text = String::from_utf8_lossy(&bytes);
        let name = path.to_string_lossy();
        assert!(!name.contains(TOKEN), "token in a file name: {name}");
        let is_backup = name.contains("/tray-mcp/backups/");
        if text.contains(TOKEN) && !is_backup {
            assert!(
                allowed.iter().any(|allowed| name.ends_with(allowed)),
                "token written to {name}"
            );
        }
    }
}
