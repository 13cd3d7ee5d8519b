//! Our own entries are recognised by what they run (`serve` with its own flags), not by the
//! binary's file name: a versioned file (`tray-mcp-0.2.0`), a package-manager shim or a renamed
//! copy is still a Tray entry for `list`, `doctor`, `rename` and `remove` (issue 9, defect 5).

use crate::support;

use std::path::Path;

use support::{FakeHome, outputs};

/// The built binary under another name (a symlink, as a version manager or package shim makes).
fn binary_named(home: &FakeHome, file_name: &str) -> String {
    let target = home.path(&format!("opt/bin/{file_name}"));
    std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
    std::os::unix::fs::symlink(assert_cmd::cargo::cargo_bin("tray-mcp"), &target).expect("link binary");
    target.to_string_lossy().into_owned()
}

/// Installs a Cursor stdio entry, then points its command at `command`.
fn cursor_entry_running(home: &FakeHome, command: &str) {
    home.install(&["-c", "cursor", "-n", "prod"]).success();
    let text = home.read(".cursor/mcp.json");
    let installed: serde_json::Value = serde_json::from_str(&text).expect("json");
    let original = installed["mcpServers"]["prod"]["command"]
        .as_str()
        .expect("command")
        .to_string();
    let edited = text.replace(&original, command);
    assert_ne!(edited, text, "the command was replaced");
    home.write(".cursor/mcp.json", edited);
}

#[test]
fn a_versioned_binary_name_is_still_our_entry() {
    for file_name in ["tray-mcp-0.2.0", "tray-mcp.shim", "tmcp"] {
        let home = FakeHome::new();
        let command = binary_named(&home, file_name);
        assert!(Path::new(&command).exists());
        cursor_entry_running(&home, &command);

        let listed = home.command().args(["list", "--json"]).assert().success();
        let listing: serde_json::Value = serde_json::from_str(&outputs(&listed).0).expect("json");
        let entries = listing["entries"].as_array().expect("entries");
        assert_eq!(entries.len(), 1, "{file_name}: {listing}");
        assert_eq!(entries[0]["name"], "prod");
        assert_eq!(entries[0]["transport"], "stdio");

        let doctor = home.command().arg("doctor").assert();
        let (report, _) = outputs(&doctor);
        assert!(
            !report.contains("does not have a shape"),
            "{file_name}: reported broken:\n{report}"
        );
        assert_eq!(doctor.get_output().status.code(), Some(0), "{file_name}:\n{report}");

        home.command().args(["remove", "prod"]).assert().success();
        // The file was edited after the install (the command replaced), so it is no longer
        // known to be the one tray-mcp created: the entry goes, the file stays.
        assert!(
            !home.read(".cursor/mcp.json").contains("\"prod\""),
            "{file_name}: not removed"
        );
    }
}

#[test]
fn another_server_with_a_serve_subcommand_is_not_ours() {
    let home = FakeHome::new();
    let other = r#"{"mcpServers": {"prod": {"command": "/usr/bin/other-mcp", "args": ["serve", "--port", "8080"]}}}"#;
    home.write(".cursor/mcp.json", other);
    let listed = home.command().args(["list", "--json"]).assert().success();
    let listing: serde_json::Value = serde_json::from_str(&outputs(&listed).0).expect("json");
    assert_eq!(listing["entries"].as_array().map(Vec::len), Some(0), "{listing}");
    home.command().args(["remove", "prod"]).assert().failure();
    assert_eq!(home.read(".cursor/mcp.json"), other);
}
