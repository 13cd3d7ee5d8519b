//! Every client in the registry, driven through the real binary: the table comes from
//! `tray-mcp clients --json`, so a new client is covered without an edit here. Each one takes a
//! sandbox install into its own file, lists it, installs it a second time without changing a
//! byte, renames it, and removes it leaving the user's file as it was.

use crate::support;

use serde_json::Value;
use support::{FakeHome, outputs};

struct Listed {
    id: String,
    format: String,
    user_file: String,
    servers_key: String,
    /// Each entry is a file of its own, `NAME` in `user_file` standing for the entry's name.
    entry_files: bool,
}

fn registry(home: &FakeHome) -> Vec<Listed> {
    let assert = home.command().args(["clients", "--json"]).assert().success();
    let clients: Value = serde_json::from_str(&outputs(&assert).0).expect("json");
    clients["clients"]
        .as_array()
        .expect("clients")
        .iter()
        .map(|client| Listed {
            id: client["id"].as_str().expect("id").to_string(),
            format: client["format"].as_str().expect("format").to_string(),
            user_file: client["files"]["user"].as_str().expect("user file").to_string(),
            servers_key: client["servers_key"].as_str().expect("key").to_string(),
            entry_files: client["entry_files"].as_bool().expect("entry_files"),
        })
        .collect()
}

/// A user's file with one other server and a setting of theirs, in the client's format.
fn existing_file(client: &Listed) -> String {
    let keys: Vec<&str> = client.servers_key.split('.').collect();
    if client.entry_files {
        // Continue's block: the servers are a list of named items.
        return format!(
            "# my settings\nname: Mine\nversion: 0.0.1\nschema: v1\n{}:\n  - name: other   # keep\n    command: other-server\n    args:\n      - --x\n",
            keys.join(".")
        );
    }
    match client.format.as_str() {
        "toml" => format!(
            "# my settings\nmodel = \"o3\"\n\n[{}.other]   # keep\ncommand = \"other-server\"\nargs = [\"--x\"]\n",
            keys.join(".")
        ),
        "yaml" => {
            let mut text = "# my settings\nGOOSE_MODEL: gpt-4o\n".to_string();
            for (depth, key) in keys.iter().enumerate() {
                text.push_str(&format!("{}{key}:\n", "  ".repeat(depth)));
            }
            let depth = keys.len();
            text.push_str(&format!(
                "{0}other:   # keep\n{0}  cmd: other-server\n{0}  args:\n{0}  - --x\n",
                "  ".repeat(depth)
            ));
            text
        }
        "jsonc" => format!(
            "{{\n  // my settings\n  \"theme\": \"dark\",\n  \"{}\": {{\n    \"other\": {{ \"command\": \"other-server\" }}\n  }}\n}}\n",
            keys.join("\": {\n    \"")
        ),
        _ => format!(
            "{{\n    \"theme\": \"dark\",\n    \"{}\": {{\n        \"other\": {{\"command\": \"other-server\"}}\n    }}\n}}\n",
            keys.join("\": {\n        \"")
        ),
    }
}

fn list(home: &FakeHome) -> Vec<Value> {
    let assert = home.command().args(["list", "--json"]).assert().success();
    let listing: Value = serde_json::from_str(&outputs(&assert).0).expect("json");
    listing["entries"].as_array().cloned().unwrap_or_default()
}

#[test]
fn every_client_installs_lists_renames_and_removes_cleanly() {
    let clients = registry(&FakeHome::new());
    assert!(clients.len() >= 20, "{} clients", clients.len());
    for client in &clients {
        let home = FakeHome::new();
        // A client with a file per entry: the user's own file of that name, holding another
        // server, which the install adds to and the remove restores.
        let user_file = client.user_file.replace("NAME", "tray-workspace");
        let relative = user_file
            .strip_prefix("~/")
            .unwrap_or_else(|| panic!("{}", client.user_file));
        let original = existing_file(client);
        home.write(relative, &original);

        home.command().args(["--sandbox", "-c", &client.id]).assert().success();
        let installed = home.read(relative);
        assert_ne!(installed, original, "{}: nothing written", client.id);
        assert!(
            installed.contains("other-server"),
            "{}: lost the other server",
            client.id
        );
        if client.format != "json" {
            assert!(
                installed.contains("# my settings") || installed.contains("// my settings"),
                "{}",
                client.id
            );
        }

        let entries = list(&home);
        let ours: Vec<&Value> = entries
            .iter()
            .filter(|entry| entry["client"] == client.id.as_str())
            .collect();
        assert_eq!(ours.len(), 1, "{}: {entries:?}", client.id);
        assert_eq!(ours[0]["name"], "tray-workspace");
        assert_eq!(ours[0]["transport"], "stdio");
        assert_eq!(ours[0]["workspace"], "sandbox");

        let again = home.command().args(["--sandbox", "-c", &client.id]).assert().success();
        assert_eq!(
            home.read(relative),
            installed,
            "{}: a second install changed bytes",
            client.id
        );
        assert!(
            outputs(&again).0.contains("Unchanged") || outputs(&again).1.contains("Unchanged"),
            "{}",
            client.id
        );

        home.command()
            .args(["rename", "tray-workspace", "prod"])
            .assert()
            .success();
        let renamed = list(&home);
        assert_eq!(renamed.len(), 1, "{}", client.id);
        assert_eq!(renamed[0]["name"], "prod", "{}", client.id);

        home.command().args(["remove", "prod"]).assert().success();
        assert_eq!(
            home.read(relative),
            original,
            "{}: remove did not restore the file",
            client.id
        );
        assert!(list(&home).is_empty(), "{}", client.id);
    }
}

#[test]
fn every_client_refuses_what_it_cannot_take_and_writes_nothing() {
    let home = FakeHome::new();
    let assert = home.command().args(["clients", "--json"]).assert().success();
    let clients: Value = serde_json::from_str(&outputs(&assert).0).expect("json");
    for client in clients["clients"].as_array().expect("clients") {
        let takes_http = client["transports"]
            .as_array()
            .expect("transports")
            .iter()
            .any(|t| t == "http");
        if takes_http {
            continue;
        }
        let before = home.snapshot_files();
        let id = client["id"].as_str().expect("id");
        let refused = home.install(&["-c", id, "--transport", "http"]).failure();
        assert_eq!(refused.get_output().status.code(), Some(2), "{id}");
        assert!(outputs(&refused).1.contains("hint:"), "{id}");
        assert_eq!(home.snapshot_files(), before, "{id}: a refused install wrote files");
    }
}

#[test]
fn all_means_every_client_installed_here() {
    let home = FakeHome::new();
    let refused = home.command().args(["--sandbox", "-c", "all"]).assert().code(2);
    assert!(outputs(&refused).1.contains("hint:"), "{}", outputs(&refused).1);
    assert!(home.snapshot_files().is_empty(), "nothing may be written");

    std::fs::create_dir_all(home.path(".codex")).expect("codex folder");
    std::fs::create_dir_all(home.path(".gemini")).expect("gemini folder");
    home.command().args(["--sandbox", "-c", "all"]).assert().success();
    let clients: Vec<String> = list(&home)
        .iter()
        .map(|entry| entry["client"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(clients, ["codex", "gemini"]);
    // A client named on its own is configured even when it is not installed yet.
    home.command().args(["--sandbox", "-c", "zed"]).assert().success();
    assert!(home.path(".config/zed/settings.json").exists());
}

#[test]
fn goose_path_root_moves_the_file_every_command_uses() {
    let home = FakeHome::new();
    let root = home.path("goose-root");
    let with_root = |args: &[&str]| home.command().args(args).env("GOOSE_PATH_ROOT", &root).assert();
    with_root(&["--sandbox", "-c", "goose"]).success();
    let moved = root.join("config/config.yaml");
    let text = std::fs::read_to_string(&moved).expect("Goose's config under GOOSE_PATH_ROOT");
    assert!(text.contains("tray-workspace"), "{text}");
    assert!(!home.path(".config/goose").exists(), "the default folder was written");
    let listed = outputs(&with_root(&["list"]).success()).0;
    assert!(listed.contains("goose-root/config/config.yaml"), "{listed}");
    with_root(&["remove", "tray-workspace", "-c", "goose"]).success();
    assert!(
        !moved.exists(),
        "the config the install created under GOOSE_PATH_ROOT goes with its only entry"
    );
}
