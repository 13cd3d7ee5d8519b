//! End to end with a real client: the installer writes a Claude Code entry for the sandbox
//! (`tray-mcp --sandbox -c claude-code`) into a fake home, and Claude Code
//! (`@anthropic-ai/claude-code`, pinned by scripts/test.sh) must report that server Connected,
//! without schema warnings.

use crate::support;

use support::FakeHome;

#[test]
#[ignore = "needs scripts/test.sh"]
fn claude_code_reports_the_sandbox_server_connected() {
    let tools = support::test_tools();
    let home = FakeHome::new();
    std::fs::write(home.home().join(".claude.json"), "{\"numStartups\": 3}\n").expect("write state");
    let installed = std::process::Command::new(support::serve::binary())
        .args(["--sandbox", "-c", "claude-code", "-n", "tray-sandbox"])
        .current_dir(home.home())
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        // The built binary counts as installed where it is (see tests/it/support).
        .env(
            "TRAY_MCP_INSTALL_DIR",
            support::serve::binary().parent().expect("folder"),
        )
        .output()
        .expect("run the installer");
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );

    let output = std::process::Command::new(tools.join("npm/node_modules/.bin/claude"))
        .args(["mcp", "list"])
        .current_dir(home.home())
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("DISABLE_AUTOUPDATER", "1")
        .env("CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC", "1")
        .env_remove("ANTHROPIC_API_KEY")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run claude mcp list");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let line = stdout
        .lines()
        .find(|line| line.starts_with("tray-sandbox:"))
        .unwrap_or_else(|| panic!("no tray-sandbox line\nstdout:\n{stdout}\nstderr:\n{stderr}"));
    assert!(line.contains("Connected"), "{line}\nstderr:\n{stderr}");
    let everything = format!("{stdout}{stderr}");
    assert!(!everything.contains("unknown format"), "{everything}");
}
