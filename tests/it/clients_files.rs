//! Clients whose entries live in more than one file of a scope, run through the real binary in
//! a fake home: Continue, whose Tray entry is a block file of its own
//! (`~/.continue/mcpServers/NAME.yaml`), and VS Code (and Insiders, VSCodium), whose every
//! profile keeps its own `mcp.json`. Install, list, rename, token rotation and remove must each
//! change exactly the entry named, in the file that holds it.

use crate::support;

use std::os::unix::fs::PermissionsExt;

use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

const NEW_TOKEN: &str = "tray-rotated-token-8e41b07c3a";
const BLOCKS: &str = ".continue/mcpServers";

fn mode(home: &FakeHome, relative: &str) -> u32 {
    std::fs::metadata(home.path(relative))
        .expect("exists")
        .permissions()
        .mode()
        & 0o777
}

fn token_set(home: &FakeHome, name: &str, token: &str) -> assert_cmd::assert::Assert {
    home.command()
        .args(["token", "set", name, "--api-token-stdin"])
        .write_stdin(format!("{token}\n"))
        .assert()
}

#[test]
fn continue_entries_are_block_files_of_their_own_through_every_command() {
    let home = FakeHome::new();
    std::fs::create_dir_all(home.path(".continue")).expect("Continue is installed");
    let config = "name: My assistant\nversion: 1.0.0\nschema: v1\nmodels: []\n";
    home.write(".continue/config.yaml", config);

    // Install: a new block file, nothing else of Continue's touched.
    let assert = home.install(&["-c", "continue"]).success();
    assert_no_token(&assert);
    let block = format!("{BLOCKS}/tray-workspace.yaml");
    insta::assert_snapshot!("continue_stdio_block", home.redact(&home.read(&block)));
    assert_eq!(home.read(".continue/config.yaml"), config);
    assert!(mode(&home, &block) & 0o077 != 0, "a stdio block holds no token");

    // A second identical install changes no byte.
    let before = home.snapshot_files();
    let (stdout, _) = outputs(&home.install(&["-c", "continue"]).success());
    assert!(
        stdout.contains("Unchanged    ~/.continue/mcpServers/tray-workspace.yaml"),
        "{stdout}"
    );
    assert_eq!(home.snapshot_files(), before);

    // List sees it, in its block file.
    let (listed, _) = outputs(&home.command().args(["list", "--json"]).assert().success());
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("json");
    let row = listed["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .find(|row| row["client"] == "continue")
        .unwrap_or_else(|| panic!("Continue's entry listed: {listed}"));
    assert_eq!(row["name"], "tray-workspace");
    assert!(
        row["path"]
            .as_str()
            .unwrap_or_default()
            .ends_with("mcpServers/tray-workspace.yaml"),
        "{row}"
    );

    // The http transport: the same file, now holding the token, readable by the user only.
    let assert = home
        .install(&["-c", "continue", "--transport", "http", "-n", "tray-http"])
        .success();
    assert_no_token(&assert);
    let http_block = format!("{BLOCKS}/tray-http.yaml");
    let text = home.read(&http_block);
    assert!(
        text.contains("type: streamable-http") && text.contains(&format!("Authorization: Bearer {TOKEN}")),
        "{text}"
    );
    assert_eq!(mode(&home, &http_block), 0o600);

    // Rotation rewrites the inline token, and only it.
    let assert = token_set(&home, "tray-http", NEW_TOKEN).success();
    let (stdout, stderr) = outputs(&assert);
    assert!(
        !stdout.contains(NEW_TOKEN) && !stderr.contains(NEW_TOKEN),
        "{stdout}{stderr}"
    );
    assert_eq!(home.read(&http_block), text.replace(TOKEN, NEW_TOKEN));
    assert_eq!(mode(&home, &http_block), 0o600);

    // Rename moves the block to the new name's file, its header and profile following.
    home.command()
        .args(["rename", "tray-workspace", "tray-main"])
        .assert()
        .success();
    assert!(!home.path(&block).exists(), "the old block file is gone");
    let moved = home.read(&format!("{BLOCKS}/tray-main.yaml"));
    assert!(
        moved.contains("name: \"tray-main\"")
            && moved.contains("- name: tray-main")
            && moved.contains("--profile\n      - tray-main"),
        "{moved}"
    );
    assert!(!moved.contains("tray-workspace"), "{moved}");

    // A renamed http block keeps its privacy.
    home.command()
        .args(["rename", "tray-http", "tray-remote"])
        .assert()
        .success();
    assert_eq!(mode(&home, &format!("{BLOCKS}/tray-remote.yaml")), 0o600);

    // Remove deletes the files we made; the user's config.yaml is as it was.
    for name in ["tray-main", "tray-remote"] {
        home.command().args(["remove", name]).assert().success();
    }
    let left: Vec<_> = std::fs::read_dir(home.path(BLOCKS)).expect("folder").collect();
    assert!(left.is_empty(), "{left:?}");
    assert_eq!(home.read(".continue/config.yaml"), config);
}

#[test]
fn continue_blocks_of_the_user_are_respected() {
    let home = FakeHome::new();
    // The user's own block, holding another server and one of the name we are asked for.
    let theirs = "# my servers\nname: Team tools\nversion: 2.0.0\nschema: v1\nmcpServers:\n  - name: sqlite\n    command: npx\n    args: [\"-y\", \"mcp-sqlite\"]\n  - name: tray-workspace\n    command: /opt/old/tray-mcp\n    args:\n      - serve\n      - --profile\n      - tray-workspace\n";
    home.write(&format!("{BLOCKS}/team.yaml"), theirs);
    let before = home.snapshot_files();

    // A second file with the same server name would give Continue two servers of one name.
    let assert = home.install(&["-c", "continue"]).code(1);
    let (stdout, stderr) = outputs(&assert);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr
            .contains("Continue config ~/.continue/mcpServers/team.yaml already has an entry named \"tray-workspace\"")
            && stderr.contains("\nhint: "),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files(), before, "nothing written");

    // A case variant of a name in the user's block is refused too.
    let assert = home.install(&["-c", "continue", "-n", "SQLite"]).code(1);
    assert!(
        outputs(&assert).1.contains("differs only in case from \"sqlite\""),
        "{}",
        outputs(&assert).1
    );

    // The Tray entry in their file is removed from it, and only it: the file stays theirs.
    home.command().args(["remove", "tray-workspace"]).assert().success();
    assert_eq!(
        home.read(&format!("{BLOCKS}/team.yaml")),
        "# my servers\nname: Team tools\nversion: 2.0.0\nschema: v1\nmcpServers:\n  - name: sqlite\n    command: npx\n    args: [\"-y\", \"mcp-sqlite\"]\n"
    );
}

#[test]
fn continue_config_yaml_entries_are_listed_and_changed_in_place() {
    let home = FakeHome::new();
    let config = format!(
        "name: Local\nversion: 1.0.0\nschema: v1\n\nmcpServers:\n  # ours, added by hand\n  - name: tray-old\n    type: streamable-http\n    url: https://{WORKSPACE}.mcp.tray.ai\n    requestOptions:\n      headers:\n        Authorization: Bearer {TOKEN}\n  - name: other\n    command: other-mcp\n"
    );
    home.write(".continue/config.yaml", &config);
    let (stdout, _) = outputs(&home.command().arg("list").assert().success());
    assert!(
        stdout.contains("tray-old") && stdout.contains("~/.continue/config.yaml"),
        "{stdout}"
    );

    token_set(&home, "tray-old", NEW_TOKEN).success();
    assert_eq!(home.read(".continue/config.yaml"), config.replace(TOKEN, NEW_TOKEN));

    home.command()
        .args(["rename", "tray-old", "tray-new"])
        .assert()
        .success();
    let renamed = home.read(".continue/config.yaml");
    assert!(
        renamed.contains("- name: tray-new") && !renamed.contains("tray-old"),
        "{renamed}"
    );
    assert!(
        !home.path(&format!("{BLOCKS}/tray-new.yaml")).exists(),
        "config.yaml entries stay in it"
    );

    home.command().args(["remove", "tray-new"]).assert().success();
    assert_eq!(
        home.read(".continue/config.yaml"),
        "name: Local\nversion: 1.0.0\nschema: v1\n\nmcpServers:\n  # ours, added by hand\n  - name: other\n    command: other-mcp\n"
    );
}

#[test]
fn a_broken_block_file_is_named_and_nothing_is_written() {
    let home = FakeHome::new();
    home.install(&["-c", "continue"]).success();
    home.write(
        &format!("{BLOCKS}/broken.yaml"),
        "name: x\nmcpServers:\n  - name: [1, 2\n",
    );
    let before = home.snapshot_files();
    let assert = home.command().args(["remove", "tray-workspace"]).assert().code(1);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("could not parse Continue config ~/.continue/mcpServers/broken.yaml at 4:1")
            && stderr.contains("\nhint: "),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files(), before);
}

/// Issue 21 (14): YAML that yaml-edit's lenient parser reads but no YAML parser does (tab
/// indentation, uneven siblings) was edited and reported `Added`.
#[test]
fn yaml_no_parser_reads_is_refused_at_its_position_and_nothing_is_written() {
    for (text, position) in [
        ("extensions:\n\tdeveloper:\n\t\tenabled: true\n", "at 2:1"),
        (
            "extensions:\n  developer:\n    enabled: true\n   other:\n    enabled: true\n",
            "at 4:1",
        ),
    ] {
        let home = FakeHome::new();
        home.write(".config/goose/config.yaml", text);
        let before = home.snapshot_files();
        let assert = home.install(&["-c", "goose"]).failure();
        let (stdout, stderr) = outputs(&assert);
        assert!(!stdout.contains("Added"), "{stdout}");
        assert!(
            stderr.contains("~/.config/goose/config.yaml")
                && stderr.contains("not valid YAML")
                && stderr.contains(position)
                && stderr.contains("\nhint: "),
            "{stderr}"
        );
        assert_eq!(home.snapshot_files(), before);
    }
}

/// VS Code's `storage.json` with one profile stored by folder name and one by URI (older builds).
fn storage(home: &FakeHome, user: &str) -> String {
    format!(
        r#"{{"theme": "dark", "userDataProfiles": [{{"location": "-5b6d4b50", "name": "Work"}}, {{"location": {{"$mid": 1, "path": "{}/{user}/profiles/1a2b3c", "scheme": "file"}}, "name": "Demo"}}]}}"#,
        home.home().display()
    )
}

#[test]
fn vscode_profiles_are_installed_into_listed_renamed_and_removed() {
    let home = FakeHome::new();
    let user = ".config/Code/User";
    home.write(&format!("{user}/globalStorage/storage.json"), storage(&home, user));
    let work = format!("{user}/profiles/-5b6d4b50/mcp.json");
    let demo = format!("{user}/profiles/1a2b3c/mcp.json");
    let theirs = "{\n  // my servers\n  \"servers\": {\n    \"other\": {\"command\": \"x\"}\n  }\n}\n";
    home.write(&demo, theirs);

    home.install(&["-c", "vscode", "--vscode-profile", "Work", "--transport", "http"])
        .success();
    let written = home.read(&work);
    assert!(
        written.contains("\"tray-workspace\"") && written.contains("${input:tray-api-token-tray-workspace}"),
        "{written}"
    );
    assert!(!written.contains(TOKEN), "VS Code entries hold no token");
    assert!(
        !home.path(&format!("{user}/mcp.json")).exists(),
        "the default profile's file is left alone"
    );

    // A name is matched ignoring case when it is unambiguous; the URI-stored profile works too.
    home.install(&["-c", "vscode", "--vscode-profile", "demo", "-n", "tray-demo"])
        .success();
    let demo_text = home.read(&demo);
    assert!(
        demo_text.starts_with("{\n  // my servers\n") && demo_text.contains("\"tray-demo\""),
        "{demo_text}"
    );

    // An unknown profile is a usage error naming the ones there are; nothing is written.
    let before = home.snapshot_files();
    let assert = home.install(&["-c", "vscode", "--vscode-profile", "Nope"]).code(2);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("VS Code has no profile named \"Nope\"") && stderr.contains("Default, Work, Demo"),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files(), before);

    // list sees the entries of every profile.
    let (stdout, _) = outputs(&home.command().arg("list").assert().success());
    assert!(
        stdout.contains("profiles/-5b6d4b50/mcp.json") && stdout.contains("profiles/1a2b3c/mcp.json"),
        "{stdout}"
    );

    // Rename finds the entry in its profile's file, with its token prompt.
    home.command()
        .args(["rename", "tray-workspace", "tray-work"])
        .assert()
        .success();
    let renamed = home.read(&work);
    assert!(
        renamed.contains("\"tray-work\"") && renamed.contains("${input:tray-api-token-tray-work}"),
        "{renamed}"
    );
    assert!(!renamed.contains("tray-workspace"), "{renamed}");

    // Rotation of a stdio entry's token changes its profile, not VS Code's file.
    let demo_before = home.read(&demo);
    token_set(&home, "tray-demo", NEW_TOKEN).success();
    assert_eq!(home.read(&demo), demo_before);

    // Remove takes each out of its own profile's file, leaving the user's server.
    home.command().args(["remove", "tray-work"]).assert().success();
    home.command().args(["remove", "tray-demo"]).assert().success();
    assert_eq!(home.read(&demo), theirs);
    assert!(!home.read(&work).contains("tray-work"), "{}", home.read(&work));
}

#[test]
fn vscodium_and_insiders_read_their_own_profiles() {
    let home = FakeHome::new();
    for (client, product) in [("vscodium", "VSCodium"), ("vscode-insiders", "Code - Insiders")] {
        let user = format!(".config/{product}/User");
        home.write(
            &format!("{user}/globalStorage/storage.json"),
            r#"{"userDataProfiles": [{"location": "abc", "name": "Py"}]}"#,
        );
        home.install(&["-c", client, "--vscode-profile", "Py", "-n", &format!("tray-{client}")])
            .success();
        let file = home.read(&format!("{user}/profiles/abc/mcp.json"));
        assert!(file.contains(&format!("\"tray-{client}\"")), "{client}: {file}");
    }
    // A client without profiles ignores the option; VS Code itself, with no storage.json, has only
    // its default profile.
    home.install(&["-c", "cursor,vscode", "--vscode-profile", "Default", "-n", "tray-plain"])
        .success();
    assert!(home.read(".cursor/mcp.json").contains("tray-plain"));
    assert!(home.read(".config/Code/User/mcp.json").contains("tray-plain"));
    // uninstall --all-style removal by name reaches the profile files too.
    home.command().args(["remove", "tray-vscodium"]).assert().success();
    assert!(
        !home.path(".config/VSCodium/User/profiles/abc/mcp.json").exists(),
        "the profile's file the install created goes with its only entry"
    );
    assert!(
        home.read(".config/Code - Insiders/User/profiles/abc/mcp.json")
            .contains("tray-vscode-insiders")
    );
}
