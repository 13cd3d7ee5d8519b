//! Many installers at once on the same file: the lock and the re-read under it keep every entry.

use crate::support;

use std::process::{Command, Stdio};

use support::{FakeHome, TOKEN, WORKSPACE, fixture};

#[test]
fn sixteen_processes_adding_different_names_to_one_file_lose_nothing() {
    let home = FakeHome::new();
    home.write(".cursor/mcp.json", fixture("cursor_crlf.json"));
    let binary = assert_cmd::cargo::cargo_bin("tray-mcp");
    let processes: Vec<_> = (0..16)
        .map(|index| {
            Command::new(&binary)
                .args([
                    "-w",
                    WORKSPACE,
                    "-n",
                    &format!("tray-{index}"),
                    "-c",
                    "cursor",
                    "--transport",
                    "http",
                ])
                .current_dir(home.project())
                .env_clear()
                .env("HOME", home.home())
                .env("XDG_CONFIG_HOME", home.home().join(".config"))
                .env("TRAY_API_TOKEN", format!("token-{index}-abcdef"))
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for process in processes {
        let output = process.wait_with_output().expect("wait");
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    }
    let text = home.read(".cursor/mcp.json");
    let config: serde_json::Value = serde_json::from_str(&text).expect("file is still valid JSON");
    let servers = config["mcpServers"].as_object().expect("servers");
    for index in 0..16 {
        assert!(
            servers.contains_key(&format!("tray-{index}")),
            "tray-{index} was lost:\n{text}"
        );
    }
    assert!(servers.contains_key("linear"), "the user's own server was lost");
    assert!(!text.replace("\r\n", "").contains('\n'), "line endings were mixed");
    let leftovers: Vec<_> = std::fs::read_dir(home.path(".cursor"))
        .expect("dir")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name != "mcp.json")
        .collect();
    assert!(
        leftovers.is_empty(),
        "temporary or lock files left beside the config: {leftovers:?}"
    );
}

/// A file a killed run staged beside a config and never renamed (`.NAME.tray-mcp-XXXXXX.tmp`,
/// with the inline token) is removed by the next run that locks that folder; a file of another
/// program that looks alike stays.
#[test]
fn the_next_run_removes_what_a_killed_run_staged_and_nothing_else() {
    let home = FakeHome::new();
    home.write(".cursor/mcp.json", "{\"mcpServers\": {}}\n");
    let stale = home.write(
        ".cursor/.mcp.json.tray-mcp-Ab12Cd.tmp",
        format!("{{\"token\": \"Bearer {TOKEN}\"}}"),
    );
    let others = [
        home.write(".cursor/.mcp.json.other-Ab12Cd.tmp", "theirs"),
        home.write(".cursor/.mcp.json.tray-mcp-Ab12Cd.bak", "theirs"),
    ];
    home.install(&["-c", "cursor"]).success();
    assert!(!stale.exists(), "the stale staged file stays");
    for other in others {
        assert!(other.exists(), "{} was removed", other.display());
    }
}
