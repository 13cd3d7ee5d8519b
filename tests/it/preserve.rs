//! The safety promise on files shaped like real users' files: only the named entry changes,
//! running twice changes nothing, and removing the entry gives back the original bytes.

use crate::support;

use support::{FakeHome, TOKEN, fixture, outputs};

/// Installs into a pre-existing file, checks idempotence and that `remove` restores it.
fn round_trip(home: &FakeHome, relative: &str, original: &[u8], install_args: &[&str], client: &str) -> String {
    home.write(relative, original);
    let first = home.install(install_args).success();
    let (stdout, _) = outputs(&first);
    assert!(stdout.contains("Added") || stdout.contains("Updated"), "{stdout}");
    let installed = std::fs::read(home.path(relative)).expect("installed file");

    let second = home.install(install_args).success();
    let (stdout, _) = outputs(&second);
    assert!(
        stdout.lines().all(|line| line.starts_with("Unchanged")),
        "second run changed something:\n{stdout}"
    );
    assert_eq!(
        std::fs::read(home.path(relative)).expect("file"),
        installed,
        "second run changed bytes"
    );

    home.command()
        .args(["remove", "tray-workspace", "-c", client])
        .assert()
        .success();
    assert_eq!(
        String::from_utf8_lossy(&std::fs::read(home.path(relative)).expect("file")),
        String::from_utf8_lossy(original),
        "remove did not restore the original bytes"
    );
    String::from_utf8(installed).expect("utf-8")
}

fn snapshot_text(home: &FakeHome, text: &str) -> String {
    home.redact(text).replace(TOKEN, "[TOKEN]").replace('\r', "␍")
}

#[test]
fn vscode_comments_and_trailing_commas_survive() {
    let home = FakeHome::new();
    let original = fixture("vscode_mcp_comments.jsonc");
    let installed = round_trip(
        &home,
        ".config/Code/User/mcp.json",
        &original,
        &["-c", "vscode", "--transport", "http"],
        "vscode",
    );
    insta::assert_snapshot!("vscode_comments", snapshot_text(&home, &installed));
}

#[test]
fn goose_extensions_key_of_the_user_comes_back_after_install_and_remove() {
    for original in [
        "GOOSE_PROVIDER: openai\nextensions:   # my extensions\nGOOSE_MODEL: gpt-4o\n",
        "GOOSE_PROVIDER: openai\nextensions: {}\nGOOSE_MODEL: gpt-4o\n",
        "extensions: # none yet\r\n",
    ] {
        let home = FakeHome::new();
        let installed = round_trip(
            &home,
            ".config/goose/config.yaml",
            original.as_bytes(),
            &["-c", "goose"],
            "goose",
        );
        assert!(installed.contains("tray-workspace"), "{installed}");
        let kept_line = original
            .lines()
            .find(|line| line.starts_with("extensions:"))
            .unwrap_or_default();
        if kept_line.contains('#') {
            assert!(
                installed.contains(kept_line),
                "the commented key line was rewritten:\n{installed}"
            );
        }
    }
}

#[test]
fn claude_desktop_other_servers_and_keys_survive_as_strict_json() {
    let home = FakeHome::new();
    let original = fixture("claude_desktop_other_servers.json");
    let installed = round_trip(
        &home,
        ".config/Claude/claude_desktop_config.json",
        &original,
        &["-c", "claude"],
        "claude",
    );
    serde_json::from_str::<serde_json::Value>(&installed).expect("still strict JSON");
    insta::assert_snapshot!("claude_desktop_other_servers", snapshot_text(&home, &installed));
}

#[test]
fn tab_indentation_is_copied() {
    let home = FakeHome::new();
    let original = fixture("claude_desktop_tabs.json");
    let installed = round_trip(
        &home,
        ".config/Claude/claude_desktop_config.json",
        &original,
        &["-c", "claude"],
        "claude",
    );
    assert!(
        installed.contains("\n\t\t\"tray-workspace\": {\n\t\t\t\"command\""),
        "{installed}"
    );
}

#[test]
fn crlf_line_endings_are_kept() {
    let home = FakeHome::new();
    let original = fixture("cursor_crlf.json");
    let installed = round_trip(
        &home,
        ".cursor/mcp.json",
        &original,
        &["-c", "cursor", "--transport", "http"],
        "cursor",
    );
    assert!(
        !installed.replace("\r\n", "").contains('\n'),
        "a bare LF was introduced: {installed:?}"
    );
    insta::assert_snapshot!("cursor_crlf", snapshot_text(&home, &installed));
}

#[test]
fn byte_order_mark_is_kept() {
    let home = FakeHome::new();
    let original = fixture("windsurf_bom.json");
    let installed = round_trip(
        &home,
        ".codeium/windsurf/mcp_config.json",
        &original,
        &["-c", "windsurf", "--transport", "bridge"],
        "windsurf",
    );
    assert!(installed.starts_with('\u{feff}'));
    insta::assert_snapshot!("windsurf_bom", snapshot_text(&home, &installed));
}

#[test]
fn claude_code_state_file_user_and_local_scopes() {
    let home = FakeHome::new();
    let original = fixture("claude_code_state.json");
    let installed = round_trip(&home, ".claude.json", &original, &["-c", "claude-code"], "claude-code");
    insta::assert_snapshot!("claude_code_user", snapshot_text(&home, &installed));
    let installed = round_trip(
        &home,
        ".claude.json",
        &original,
        &["-c", "claude-code", "--scope", "local"],
        "claude-code",
    );
    let state: serde_json::Value = serde_json::from_str(&installed).expect("json");
    let project = home.project().to_string_lossy().into_owned();
    assert!(
        state["projects"][&project]["mcpServers"]["tray-workspace"].is_object(),
        "{installed}"
    );
    assert!(
        state["mcpServers"].get("tray-workspace").is_none(),
        "local scope must not touch user scope"
    );
}

#[test]
fn empty_file_and_missing_folder() {
    let home = FakeHome::new();
    home.write(".cursor/mcp.json", "");
    home.install(&["-c", "cursor,windsurf"]).success();
    for file in [".cursor/mcp.json", ".codeium/windsurf/mcp_config.json"] {
        let value: serde_json::Value = serde_json::from_str(&home.read(file)).expect("valid JSON");
        assert!(value["mcpServers"]["tray-workspace"].is_object(), "{file}");
    }
}

#[cfg(unix)]
#[test]
fn symlinked_config_updates_its_target_and_keeps_the_link() {
    let home = FakeHome::new();
    let target = home.write("dotfiles/cursor-mcp.json", fixture("cursor_crlf.json"));
    std::fs::create_dir_all(home.path(".cursor")).expect("mkdir");
    std::os::unix::fs::symlink(&target, home.path(".cursor/mcp.json")).expect("symlink");
    home.install(&["-c", "cursor"]).success();
    let link = std::fs::symlink_metadata(home.path(".cursor/mcp.json")).expect("link");
    assert!(link.file_type().is_symlink(), "the symlink was replaced by a file");
    assert!(
        std::fs::read_to_string(&target)
            .expect("target")
            .contains("tray-workspace")
    );
}

#[cfg(unix)]
#[test]
fn read_only_config_is_refused_and_nothing_is_written() {
    use std::os::unix::fs::PermissionsExt;
    let home = FakeHome::new();
    let path = home.write(
        ".config/Claude/claude_desktop_config.json",
        fixture("claude_desktop_other_servers.json"),
    );
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o444)).expect("chmod");
    let before = home.snapshot_files();
    let assert = home.install(&["-c", "cursor,claude"]).code(1);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("Claude Desktop config ~/.config/Claude/claude_desktop_config.json is read-only"),
        "{stderr}"
    );
    assert!(stderr.contains("hint: "), "{stderr}");
    assert_eq!(home.snapshot_files(), before, "a file was written");
}

#[cfg(unix)]
#[test]
fn permissions_of_an_existing_file_are_kept() {
    use std::os::unix::fs::PermissionsExt;
    let home = FakeHome::new();
    let path = home.write(".cursor/mcp.json", "{}");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    home.install(&["-c", "cursor"]).success();
    assert_eq!(
        std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
        0o640
    );
}

#[test]
fn previous_version_is_backed_up() {
    let home = FakeHome::new();
    let original = fixture("claude_desktop_other_servers.json");
    home.write(".config/Claude/claude_desktop_config.json", &original);
    home.install(&["-c", "claude"]).success();
    let backups = home.path(".config/tray-mcp/backups");
    let found: Vec<_> = walk(&backups)
        .into_iter()
        .filter(|path| path.ends_with("original"))
        .collect();
    assert_eq!(
        found.len(),
        1,
        "expected one original backup under {}",
        backups.display()
    );
    assert_eq!(std::fs::read(&found[0]).expect("backup"), original);
}

fn walk(directory: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut paths = Vec::new();
    for entry in std::fs::read_dir(directory).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            paths.extend(walk(&path));
        } else {
            paths.push(path);
        }
    }
    paths
}

/// A `~/.claude.json` of several megabytes: hundreds of projects with long histories.
fn large_claude_state(projects: usize) -> String {
    let mut text = String::from("{\n  \"numStartups\": 412,\n  \"projects\": {\n");
    for index in 0..projects {
        let history: Vec<String> = (0..20)
            .map(|turn| {
                format!(
                    "        {{\"display\": \"turn {turn}: refactor module {index} \\\"quoted\\\" \\u00e9 {}\", \"pastedContents\": {{}}}}",
                    "lorem ipsum dolor sit amet ".repeat(8)
                )
            })
            .collect();
        text.push_str(&format!(
            "    \"/home/ada/src/project-{index}\": {{\n      \"allowedTools\": [],\n      \"history\": [\n{}\n      ],\n      \"mcpServers\": {{}},\n      \"hasTrustDialogAccepted\": true\n    }}{}\n",
            history.join(",\n"),
            if index + 1 < projects { "," } else { "" }
        ));
    }
    text.push_str("  },\n  \"mcpServers\": {}\n}\n");
    text
}

#[test]
fn multi_megabyte_claude_state_is_edited_surgically() {
    let home = FakeHome::new();
    let original = large_claude_state(800);
    assert!(original.len() > 4_000_000, "fixture is only {} bytes", original.len());
    let installed = round_trip(
        &home,
        ".claude.json",
        original.as_bytes(),
        &["-c", "claude-code", "--scope", "local"],
        "claude-code",
    );
    let state: serde_json::Value = serde_json::from_str(&installed).expect("valid JSON");
    assert_eq!(state["projects"].as_object().map(|projects| projects.len()), Some(801));
    let unchanged_prefix = original.rfind("  },\n  \"mcpServers\"").expect("end of projects");
    assert_eq!(
        &installed[..unchanged_prefix - 6],
        &original[..unchanged_prefix - 6],
        "bytes before the edit changed"
    );
}

/// A state file large enough to be checked under the lock by its metadata rather than read
/// again keeps its mode as a small file does.
#[cfg(unix)]
#[test]
fn a_large_files_mode_is_kept() {
    use std::os::unix::fs::PermissionsExt;
    let home = FakeHome::new();
    let original = large_claude_state(400);
    assert!(original.len() > 1 << 20, "fixture is only {} bytes", original.len());
    let path = home.write(".claude.json", &original);
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).expect("chmod");
    home.install(&["-c", "claude-code"]).success();
    assert_ne!(home.read(".claude.json"), original, "the entry was added");
    assert_eq!(
        std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777,
        0o640
    );
}

/// Adds `key: value` to the JSON entry `name` under `mcpServers` of a file.
fn add_json_keys(home: &FakeHome, relative: &str, keys: serde_json::Value) {
    let mut config: serde_json::Value = serde_json::from_str(&home.read(relative)).expect("json");
    let entry = config["mcpServers"]["tray-workspace"].as_object_mut().expect("entry");
    for (key, value) in keys.as_object().expect("keys") {
        if let (Some(existing), Some(added)) = (entry.get_mut(key).and_then(|v| v.as_object_mut()), value.as_object()) {
            existing.extend(added.clone());
        } else {
            entry.insert(key.clone(), value.clone());
        }
    }
    home.write(relative, serde_json::to_string_pretty(&config).expect("json"));
}

#[test]
fn reinstalling_keeps_the_settings_put_inside_our_entry_in_every_format_and_drops_what_we_no_longer_write() {
    let home = FakeHome::new();
    let clients = "cline,roo,windsurf,codex,goose,continue";
    home.install(&["-c", clients, "--transport", "bridge"]).success();
    let cline = ".cline/data/settings/cline_mcp_settings.json";
    let roo = ".config/Code/User/globalStorage/rooveterinaryinc.roo-cline/settings/mcp_settings.json";
    let windsurf = ".codeium/windsurf/mcp_config.json";
    add_json_keys(
        &home,
        cline,
        serde_json::json!({"autoApprove": ["list_workflows"], "disabled": false, "timeout": 120, "env": {"HTTPS_PROXY": "http://proxy:3128"}}),
    );
    add_json_keys(&home, roo, serde_json::json!({"alwaysAllow": ["list_workflows"]}));
    add_json_keys(
        &home,
        windsurf,
        serde_json::json!({"disabledTools": ["delete_workflow"]}),
    );
    let codex = home
        .read(".codex/config.toml")
        .replace("env = { ", "env = { HTTPS_PROXY = \"http://proxy:3128\", ")
        + "enabled_tools = [\"list_workflows\"]\nstartup_timeout_sec = 45\n";
    home.write(".codex/config.toml", codex);
    let goose = home
        .read(".config/goose/config.yaml")
        .replace("    enabled: true\n", "    enabled: false\n    bundled: false\n");
    home.write(".config/goose/config.yaml", goose);
    let block = ".continue/mcpServers/tray-workspace.yaml";
    home.write(
        block,
        home.read(block)
            .replace("    command: npx\n", "    command: npx\n    cwd: /srv/tools\n"),
    );
    let before = home.snapshot_files();
    home.install(&["-c", clients, "--transport", "bridge"]).success();
    assert_eq!(
        home.snapshot_files(),
        before,
        "a reinstall of the same entry changes no byte"
    );

    home.install(&["-c", clients, "--transport", "stdio"]).success();
    let cline_text = home.read(cline);
    for kept in ["autoApprove", "\"disabled\": false", "\"timeout\": 120", "HTTPS_PROXY"] {
        assert!(cline_text.contains(kept), "Cline lost {kept}: {cline_text}");
    }
    assert!(home.read(roo).contains("alwaysAllow"), "{}", home.read(roo));
    assert!(home.read(windsurf).contains("disabledTools"), "{}", home.read(windsurf));
    let codex = home.read(".codex/config.toml");
    for kept in ["enabled_tools", "startup_timeout_sec = 45", "HTTPS_PROXY"] {
        assert!(codex.contains(kept), "Codex lost {kept}: {codex}");
    }
    let goose = home.read(".config/goose/config.yaml");
    assert!(
        goose.contains("enabled: false") && goose.contains("bundled: false"),
        "{goose}"
    );
    assert!(home.read(block).contains("cwd: /srv/tools"), "{}", home.read(block));
    // What only the bridge wrote goes with it.
    for (file, text) in [
        (cline, cline_text),
        (".codex/config.toml", codex),
        (".config/goose/config.yaml", goose),
        (block, home.read(block)),
    ] {
        assert!(
            !text.contains("TRAY_AUTH_HEADER") && !text.contains("mcp-remote"),
            "{file}: {text}"
        );
        assert!(!text.contains(TOKEN), "{file}: {text}");
    }
}

/// Files whose paths read alike once made safe for a folder name (`my_app` and `my/app`) keep
/// their backups apart (before, they shared `original` and pruned each other's versions).
#[test]
fn files_whose_paths_read_alike_keep_their_own_backups() {
    let home = FakeHome::new();
    let mut originals = Vec::new();
    for project in ["src/my_app", "src/my/app", "src/My Project", "src/My_Project"] {
        let content = format!("{{\"mcpServers\": {{}}, \"from\": \"{project}\"}}\n");
        home.write(&format!("{project}/.cursor/mcp.json"), &content);
        originals.push(content);
        home.command()
            .current_dir(home.path(project))
            .args([
                "-w",
                support::WORKSPACE,
                "--api-token-stdin",
                "-c",
                "cursor",
                "--scope",
                "project",
            ])
            .write_stdin(format!("{TOKEN}\n"))
            .assert()
            .success();
    }
    let mut found: Vec<String> = walk(&home.path(".config/tray-mcp/backups"))
        .into_iter()
        .filter(|path| path.ends_with("original"))
        .map(|path| std::fs::read_to_string(path).expect("backup"))
        .collect();
    found.sort();
    originals.sort();
    assert_eq!(found, originals, "each file has its own original");
}
