//! The servers container (`"mcpServers"`, `servers`, `context_servers`, `mcp`, `[mcp_servers]`,
//! `extensions:`) and the file itself are the user's unless tray-mcp made them: installing into
//! a file without one and removing the entry gives back the original bytes; a container the
//! user had, even empty, stays; a file tray-mcp created goes once it holds nothing, and stays
//! when the user has put something of their own in it.

use crate::support;

use support::{FakeHome, outputs};

/// One client per format (and per servers key), with a file as users have it without the
/// servers container, and the same file with an empty one.
struct Case {
    client: &'static str,
    file: &'static str,
    without: &'static str,
    with_empty: &'static str,
    /// The servers key path, as the file spells it.
    servers: &'static [&'static str],
    /// What the user adds beside our entry, as text of the file's format.
    format: Kind,
}

#[derive(Clone, Copy)]
enum Kind {
    Json,
    Toml,
    Yaml,
}

const CASES: &[Case] = &[
    Case {
        client: "claude",
        file: ".config/Claude/claude_desktop_config.json",
        without: "{\n  \"globalShortcut\": \"Ctrl+Space\"\n}\n",
        with_empty: "{\n  \"globalShortcut\": \"Ctrl+Space\",\n  \"mcpServers\": {}\n}\n",
        servers: &["mcpServers"],
        format: Kind::Json,
    },
    Case {
        client: "cursor",
        file: ".cursor/mcp.json",
        without: "// my Cursor settings\n{\n  \"theme\": \"dark\", // mine\n}\n",
        with_empty: "{\n  \"mcpServers\": {}\n}\n",
        servers: &["mcpServers"],
        format: Kind::Json,
    },
    Case {
        client: "vscode",
        file: ".config/Code/User/mcp.json",
        without: "{\r\n\t\"inputs\": []\r\n}\r\n",
        with_empty: "{\r\n\t\"servers\": {},\r\n\t\"inputs\": []\r\n}\r\n",
        servers: &["servers"],
        format: Kind::Json,
    },
    Case {
        client: "zed",
        file: ".config/zed/settings.json",
        without: "// Zed settings\n{\n  \"ui_font_size\": 16,\n  \"buffer_font_size\": 15\n}\n",
        with_empty: "{\n  \"ui_font_size\": 16,\n  \"context_servers\": {}\n}\n",
        servers: &["context_servers"],
        format: Kind::Json,
    },
    Case {
        client: "opencode",
        file: ".config/opencode/opencode.json",
        without: "{\n  \"$schema\": \"https://opencode.ai/config.json\"\n}\n",
        with_empty: "{\n  \"$schema\": \"https://opencode.ai/config.json\",\n  \"mcp\": {}\n}\n",
        servers: &["mcp"],
        format: Kind::Json,
    },
    Case {
        client: "codex",
        file: ".codex/config.toml",
        without: "# Codex\nmodel = \"o3\"\n\n[projects.\"/x\"]\ntrust_level = \"trusted\"\n",
        with_empty: "model = \"o3\"\n\n[mcp_servers]\n",
        servers: &["mcp_servers"],
        format: Kind::Toml,
    },
    Case {
        client: "goose",
        file: ".config/goose/config.yaml",
        without: "GOOSE_PROVIDER: openai\nGOOSE_MODEL: gpt-4o\n",
        with_empty: "GOOSE_PROVIDER: openai\nextensions:\nGOOSE_MODEL: gpt-4o\n",
        servers: &["extensions"],
        format: Kind::Yaml,
    },
];

const NAME: &str = "tray-workspace";

fn install(home: &FakeHome, case: &Case) {
    home.install(&["-c", case.client]).success();
}

fn remove(home: &FakeHome, case: &Case) {
    home.command()
        .args(["remove", NAME, "-c", case.client])
        .assert()
        .success();
}

fn bytes(home: &FakeHome, case: &Case) -> Option<String> {
    std::fs::read(home.path(case.file))
        .ok()
        .map(|bytes| String::from_utf8(bytes).expect("utf-8"))
}

/// The servers container of the file's text, read as the file's format.
fn servers_of(case: &Case, text: &str) -> Option<serde_json::Value> {
    let mut value: serde_json::Value = match case.format {
        Kind::Json => {
            let stripped = strip_jsonc(text);
            serde_json::from_str(&stripped).unwrap_or_else(|error| panic!("{}: {error}\n{text}", case.client))
        }
        Kind::Toml => {
            let table: toml_edit::DocumentMut = text.parse().expect("toml");
            toml_to_json(table.as_item())
        }
        Kind::Yaml => serde_norway::from_str(text).expect("yaml"),
    };
    for key in case.servers {
        value = value.get(*key)?.clone();
    }
    Some(value)
}

/// JSONC without comments and trailing commas, enough for the samples here.
fn strip_jsonc(text: &str) -> String {
    let without_comments: String = text
        .lines()
        .map(|line| match line.find("//") {
            Some(index) if !line[..index].contains("\"https:") => &line[..index],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n");
    without_comments
        .replace(",\n}", "\n}")
        .replace(", \n}", "\n}")
        .replace(",\n  }", "\n  }")
}

fn toml_to_json(item: &toml_edit::Item) -> serde_json::Value {
    match item {
        toml_edit::Item::Table(table) => serde_json::Value::Object(
            table
                .iter()
                .map(|(key, item)| (key.to_string(), toml_to_json(item)))
                .collect(),
        ),
        toml_edit::Item::Value(toml_edit::Value::InlineTable(table)) => serde_json::Value::Object(
            table
                .iter()
                .map(|(key, value)| (key.to_string(), toml_to_json(&toml_edit::Item::Value(value.clone()))))
                .collect(),
        ),
        toml_edit::Item::Value(value) => serde_json::Value::String(value.to_string()),
        _ => serde_json::Value::Null,
    }
}

#[test]
fn a_container_tray_mcp_created_goes_with_the_last_entry() {
    for case in CASES {
        let home = FakeHome::new();
        home.write(case.file, case.without);
        install(&home, case);
        let installed = bytes(&home, case).expect("installed");
        assert!(
            servers_of(case, &installed).is_some_and(|servers| servers.get(NAME).is_some()),
            "{}: no entry in\n{installed}",
            case.client
        );
        remove(&home, case);
        assert_eq!(
            bytes(&home, case).as_deref(),
            Some(case.without),
            "{}: remove did not give back the file without its container; installed:\n{installed}",
            case.client
        );
    }
}

#[test]
fn an_empty_container_of_the_user_stays() {
    for case in CASES {
        let home = FakeHome::new();
        home.write(case.file, case.with_empty);
        install(&home, case);
        remove(&home, case);
        assert_eq!(
            bytes(&home, case).as_deref(),
            Some(case.with_empty),
            "{}: the user's empty container was not kept",
            case.client
        );
    }
}

#[test]
fn a_file_tray_mcp_created_goes_once_it_holds_nothing() {
    for case in CASES {
        let home = FakeHome::new();
        // The client is installed (its folder exists), its config file is not there yet.
        std::fs::create_dir_all(home.path(case.file).parent().expect("folder")).expect("folder");
        install(&home, case);
        assert!(bytes(&home, case).is_some(), "{}: install wrote no file", case.client);
        remove(&home, case);
        assert_eq!(
            bytes(&home, case),
            None,
            "{}: the file tray-mcp created stayed after its last entry went",
            case.client
        );
        assert!(
            home.path(case.file).parent().expect("folder").is_dir(),
            "{}: the client's folder went",
            case.client
        );
    }
}

/// The user's own server, in the file's syntax, spliced into the container tray-mcp created
/// (before our entry, as a user typing at the top of it would).
fn add_users_server(case: &Case, text: &str) -> String {
    let key = case.servers[0];
    match case.format {
        Kind::Json => {
            let anchor = format!("\"{key}\": {{");
            let at = text.find(&anchor).expect("container") + anchor.len();
            format!(
                "{}\n    \"mine\": {{\"command\": \"my-server\"}},{}",
                &text[..at],
                &text[at..]
            )
        }
        Kind::Toml => format!("{text}\n[{key}.mine]\ncommand = \"my-server\"\n"),
        Kind::Yaml => {
            let anchor = format!("{key}:\n");
            let at = text.find(&anchor).expect("container") + anchor.len();
            format!("{}  mine:\n    cmd: my-server\n{}", &text[..at], &text[at..])
        }
    }
}

#[test]
fn a_server_the_user_added_keeps_the_container_and_the_file() {
    for case in CASES {
        for existed in [true, false] {
            let home = FakeHome::new();
            if existed {
                home.write(case.file, case.without);
            } else {
                std::fs::create_dir_all(home.path(case.file).parent().expect("folder")).expect("folder");
            }
            install(&home, case);
            let installed = bytes(&home, case).expect("installed");
            home.write(case.file, add_users_server(case, &installed));
            remove(&home, case);
            let left = bytes(&home, case).unwrap_or_else(|| panic!("{}: the user's file went", case.client));
            let servers = servers_of(case, &left)
                .unwrap_or_else(|| panic!("{}: the container with the user's server went:\n{left}", case.client));
            assert!(servers.get("mine").is_some(), "{}: {left}", case.client);
            assert!(servers.get(NAME).is_none(), "{}: {left}", case.client);
        }
    }
}

/// A file tray-mcp created that someone else has since changed is no longer known to be what
/// tray-mcp wrote (its record identifies the text tray-mcp last wrote): the entry goes, and
/// everything else stays, the container too (it might be the user's by now).
#[test]
fn a_created_file_the_user_gave_other_keys_stays_with_the_container() {
    let home = FakeHome::new();
    std::fs::create_dir_all(home.path(".cursor")).expect("folder");
    home.install(&["-c", "cursor"]).success();
    let installed = home.read(".cursor/mcp.json");
    let edited = installed.replacen('{', "{\n  \"theme\": \"dark\",", 1);
    home.write(".cursor/mcp.json", &edited);
    home.command().args(["remove", NAME, "-c", "cursor"]).assert().success();
    assert_eq!(
        home.read(".cursor/mcp.json"),
        "{\n  \"theme\": \"dark\",\n  \"mcpServers\": {}\n}\n"
    );
}

#[test]
fn the_record_follows_renames_and_goes_with_uninstall() {
    let home = FakeHome::new();
    let original = "{\n  \"theme\": \"dark\"\n}\n";
    home.write(".cursor/mcp.json", original);
    home.write(".config/Claude/claude_desktop_config.json", original);
    home.install(&["-c", "cursor,claude"]).success();
    let record = home.path(".config/tray-mcp/created.json");
    assert!(record.is_file(), "no record of the created containers");
    home.command().args(["rename", NAME, "tray-renamed"]).assert().success();
    // A second entry in the container tray-mcp created: the container stays while it holds it.
    home.install(&["-c", "cursor", "-n", "tray-dev"]).success();
    home.command().args(["remove", "tray-renamed"]).assert().success();
    assert!(
        home.read(".cursor/mcp.json").contains("\"mcpServers\""),
        "the container went while it still held tray-dev"
    );
    assert_eq!(home.read(".config/Claude/claude_desktop_config.json"), original);
    let removed = home.command().args(["remove", "tray-dev"]).assert().success();
    let (stdout, _) = outputs(&removed);
    assert!(
        !stdout.contains("created.json"),
        "the record is reported as a user file:\n{stdout}"
    );
    assert_eq!(home.read(".cursor/mcp.json"), original);
    assert!(!record.exists(), "the record outlived everything it recorded");
}

#[test]
fn claude_code_project_entries_take_out_only_the_levels_tray_mcp_added() {
    let home = FakeHome::new();
    let project = home.project();
    let key = project.to_string_lossy().to_string();
    let others = format!(
        "{{\n  \"numStartups\": 3,\n  \"projects\": {{\n    \"{}\": {{\n      \"allowedTools\": []\n    }}\n  }}\n}}\n",
        key.replace('\\', "\\\\")
    );
    for original in ["{\n  \"numStartups\": 3\n}\n".to_string(), others] {
        home.write(".claude.json", &original);
        home.install(&["-c", "claude-code", "--scope", "local"]).success();
        assert!(home.read(".claude.json").contains(NAME));
        home.command()
            .args(["remove", NAME, "-c", "claude-code"])
            .assert()
            .success();
        assert_eq!(home.read(".claude.json"), original);
    }
}

#[test]
fn apply_records_what_it_creates_and_prune_puts_the_files_back() {
    let home = FakeHome::new();
    let zed = ".config/zed/settings.json";
    let codex = ".codex/config.toml";
    let original_zed = "// Zed\n{\n  \"ui_font_size\": 16\n}\n";
    let original_codex = "model = \"o3\"\n";
    home.write(zed, original_zed);
    home.write(codex, original_codex);
    let manifest = |clients: &str| {
        format!(
            "[servers.tray-production]\nworkspace = \"{}\"\nclients = [{clients}]\ntoken = {{ env = \"PROD_TOKEN\" }}\n",
            support::WORKSPACE
        )
    };
    let apply = |args: &[&str]| {
        home.command()
            .arg("apply")
            .args(args)
            .env("PROD_TOKEN", support::TOKEN)
            .assert()
            .success()
    };
    // `apply` creates the containers (and records them)...
    home.write("project/tray-mcp.toml", manifest("\"zed\", \"codex\""));
    apply(&[]);
    assert!(home.read(zed).contains("tray-production"));
    // ...and once the manifest no longer declares the entry there, `--prune` takes them out.
    home.write("project/tray-mcp.toml", manifest("\"cursor\""));
    std::fs::create_dir_all(home.path(".cursor")).expect("cursor folder");
    apply(&["--prune"]);
    assert_eq!(home.read(zed), original_zed);
    assert_eq!(home.read(codex), original_codex);
    assert!(home.read(".cursor/mcp.json").contains("tray-production"));
}

/// The record is written in the same commit as the config files: when either write fails,
/// neither is left changed, so a record never names a container that is not there (nor a
/// container goes unrecorded).
#[test]
fn a_failed_write_leaves_neither_the_record_nor_the_config_changed() {
    let original = "{\n  \"theme\": \"dark\"\n}\n";
    for failing in ["created.json", "mcp.json"] {
        let home = FakeHome::new();
        home.write(".cursor/mcp.json", original);
        home.command()
            .args(["-w", support::WORKSPACE, "--api-token-stdin", "-c", "cursor"])
            .env("TRAY_MCP_TEST_FAIL_WRITE", failing)
            .write_stdin(format!("{}\n", support::TOKEN))
            .assert()
            .code(1);
        assert_eq!(home.read(".cursor/mcp.json"), original, "failing {failing}");
        assert!(
            !home.path(".config/tray-mcp/created.json").exists(),
            "failing {failing}: the record outlived a failed commit"
        );
    }
    // And on remove: a failed record write puts the entry and its container back.
    let home = FakeHome::new();
    home.write(".cursor/mcp.json", original);
    home.install(&["-c", "cursor"]).success();
    let installed = home.read(".cursor/mcp.json");
    let record = home.read(".config/tray-mcp/created.json");
    home.command()
        .args(["remove", NAME, "-c", "cursor"])
        .env("TRAY_MCP_TEST_FAIL_WRITE", "created.json")
        .assert()
        .code(1);
    assert_eq!(home.read(".cursor/mcp.json"), installed);
    assert_eq!(home.read(".config/tray-mcp/created.json"), record);
    home.command().args(["remove", NAME, "-c", "cursor"]).assert().success();
    assert_eq!(home.read(".cursor/mcp.json"), original);
}

/// A record of a file tray-mcp once created says nothing about the file the user wrote after
/// deleting it (before, install + remove then deleted the user's file: the record named only
/// the path).
#[test]
fn a_stale_record_never_deletes_the_users_own_file() {
    let home = FakeHome::new();
    std::fs::create_dir_all(home.path(".cursor")).expect("folder");
    home.install(&["-c", "cursor"]).success();
    std::fs::remove_file(home.path(".cursor/mcp.json")).expect("delete");
    let users = "{\n  \"mcpServers\": {}\n}\n";
    home.write(".cursor/mcp.json", users);
    home.install(&["-c", "cursor"]).success();
    home.command().args(["remove", NAME, "-c", "cursor"]).assert().success();
    assert_eq!(home.read(".cursor/mcp.json"), users);
}

/// `remove` takes out the folders the install created once they are empty again (before, they
/// stayed, and `clients` then said the client was installed, so `-c all` wrote into it); a
/// folder the user put something in stays.
#[test]
fn remove_takes_out_the_folders_the_install_created() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "-n", NAME]).success();
    assert!(home.path(".cursor/mcp.json").exists());
    home.command().args(["remove", NAME, "-c", "cursor"]).assert().success();
    assert!(!home.path(".cursor").exists(), "the folder the install created stays");
    home.write(".cursor/keep", "mine");
    home.install(&["-c", "cursor", "-n", NAME]).success();
    home.command().args(["remove", NAME, "-c", "cursor"]).assert().success();
    assert!(
        home.path(".cursor/keep").exists(),
        "a folder with the user's file in it stays"
    );
}

/// A 0-byte config comes back as 0 bytes after install + remove (before: `{}`).
#[test]
fn a_zero_byte_file_comes_back_as_zero_bytes() {
    let home = FakeHome::new();
    home.write(".codeium/windsurf/mcp_config.json", "");
    home.install(&["-c", "windsurf", "-n", NAME]).success();
    assert!(!home.read(".codeium/windsurf/mcp_config.json").is_empty());
    home.command()
        .args(["remove", NAME, "-c", "windsurf"])
        .assert()
        .success();
    assert_eq!(home.read(".codeium/windsurf/mcp_config.json"), "");
}

/// A file the install made owner-only (0644 -> 0600) for an inline token gets its mode back
/// once the entry holding the token is gone (before, it stayed 0600).
#[cfg(unix)]
#[test]
fn a_mode_tightened_for_an_inline_token_comes_back_with_the_token_gone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |path: &std::path::Path| std::fs::metadata(path).expect("meta").permissions().mode() & 0o777;
    let home = FakeHome::new();
    let cursor = home.write(".cursor/mcp.json", "{\"mcpServers\": {}}\n");
    std::fs::set_permissions(&cursor, std::fs::Permissions::from_mode(0o644)).expect("chmod");
    home.install(&["-c", "cursor", "--transport", "http", "-n", NAME])
        .success();
    assert!(home.read(".cursor/mcp.json").contains("Bearer "), "an inline token");
    assert_eq!(mode(&cursor), 0o600, "tightened for the inline token");
    home.command().args(["remove", NAME, "-c", "cursor"]).assert().success();
    assert_eq!(mode(&cursor), 0o644, "the mode comes back with the token gone");
}
