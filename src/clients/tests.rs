//! The registry's tables, derived from [`CLIENTS`]: a new client shows up in every table here
//! (and in the snapshots, to be checked against its docs) without an edit to this file.

use std::fmt::Write as _;
use std::path::PathBuf;

use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};
use serde_json::json;

use super::*;
use crate::paths::Os;
use crate::paths::tests::environment_for;

const OSES: [Os; 3] = [Os::MacOs, Os::Windows, Os::Linux];
const SCOPES: [Scope; 3] = [Scope::User, Scope::Local, Scope::Project];

fn spec(transport: Transport, os: Os) -> EntrySpec {
    EntrySpec {
        name: ServerName::parse("tray-workspace").unwrap(),
        transport,
        workspace_id: Some(WorkspaceId::parse("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718").unwrap()),
        api_token: Some(ApiToken::parse("secret-token").unwrap()),
        binary: PathBuf::from("/usr/local/bin/tray-mcp"),
        sandbox: false,
        os,
        region: Region::Eu1,
        token_variable: None,
        tools: None,
    }
}

/// [`spec`] with `--token-from-env` (the default variable).
fn spec_from_env(transport: Transport) -> EntrySpec {
    EntrySpec {
        token_variable: Some(default_token_variable("tray-workspace")),
        ..spec(transport, Os::Linux)
    }
}

#[test]
fn every_client_takes_the_headless_mcp_without_a_header_or_refuses_it_with_a_hint() {
    let mut taking = Vec::new();
    for client in ClientId::all() {
        let implementation = client.client();
        match implementation.entry(&spec(Transport::Headless, Os::Linux)) {
            Ok(entry) => {
                let text = entry.server.to_string();
                assert!(text.contains("https://api.eu1.tray.io/mcp"), "{}: {text}", client.id());
                assert!(
                    !text.contains("secret-token") && !text.contains("headers") && !text.contains("bearer"),
                    "{}: a headless entry carries no token or header: {text}",
                    client.id()
                );
                assert!(!entry.holds_token, "{}", client.id());
                let recognized = implementation.recognize(&entry.server).expect("recognized");
                assert_eq!(recognized.transport, Transport::Headless, "{}", client.id());
                let step = implementation.oauth_sign_in("tray-headless").expect("a sign-in step");
                assert!(
                    step.contains("tray-headless"),
                    "{}: the step names the entry: {step}",
                    client.id()
                );
                taking.push(client.id());
            }
            Err(EntryError::NoOAuthSignIn { hint, .. }) => assert!(!hint.is_empty(), "{}", client.id()),
            Err(other) => panic!("{}: {other}", client.id()),
        }
    }
    for expected in [
        "claude-code",
        "cursor",
        "windsurf",
        "vscode",
        "codex",
        "gemini",
        "zed",
        "opencode",
        "copilot",
    ] {
        assert!(taking.contains(&expected), "{expected} signs in by OAuth: {taking:?}");
    }
    let desktop = ClientId::parse("claude").expect("claude").client();
    match desktop.entry(&spec(Transport::Headless, Os::Linux)) {
        Err(EntryError::NoOAuthSignIn { hint, .. }) => {
            assert!(
                hint.contains("Settings > Connectors") && hint.contains("https://api.eu1.tray.io/mcp"),
                "{hint}"
            );
        }
        other => panic!("Claude Desktop's file takes no remote server: {other:?}"),
    }
}

#[test]
fn ids_and_aliases_are_unique_and_parse_back() {
    let mut names: Vec<&str> = Vec::new();
    for client in ClientId::all() {
        assert_eq!(ClientId::parse(client.id()), Some(*client));
        assert_eq!(ClientId::parse(&client.id().to_uppercase()), Some(*client));
        for name in std::iter::once(client.id()).chain(client.client().aliases().iter().copied()) {
            assert!(!names.contains(&name), "{name} names two clients");
            assert_eq!(ClientId::parse(name), Some(*client), "{name}");
            names.push(name);
        }
    }
    assert!(!names.contains(&"all"), "`all` is reserved for every detected client");
    assert_eq!(ClientId::parse("claude_code").map(ClientId::id), Some("claude-code"));
    assert_eq!(ClientId::parse("notepad"), None);
}

#[test]
fn registry_order_is_the_display_order() {
    let mut sorted = ClientId::all().to_vec();
    sorted.reverse();
    sorted.sort();
    assert_eq!(sorted, ClientId::all());
}

/// Every client's config file for every OS and scope: checked against each client's docs
/// (`clients.md`); a change here is a change of where we write.
#[test]
fn config_paths_for_every_client_os_and_scope() {
    let mut table = String::new();
    for client in ClientId::all() {
        for os in OSES {
            for scope in SCOPES {
                if let Some(location) = client.client().location(&environment_for(os), scope) {
                    writeln!(
                        table,
                        "{:<16} {:<8} {:<8} {}  [{}]",
                        client.id(),
                        format!("{os:?}"),
                        scope.as_str(),
                        location.path.to_string_lossy(),
                        location.servers_key.join(".")
                    )
                    .unwrap();
                }
            }
        }
    }
    insta::assert_snapshot!("config_paths", table);
}

/// Every client's entry for every transport, the Headless MCP included (or why it refuses one).
#[test]
fn entries_for_every_client_and_transport() {
    let mut table = String::new();
    for client in ClientId::all() {
        for transport in Transport::EVERY {
            let shown = shown_entry(client.client().entry(&spec(transport, Os::Linux)));
            writeln!(table, "{} {}: {shown}", client.id(), transport.as_str()).unwrap();
        }
    }
    insta::assert_snapshot!("entries", table);
}

/// For a client whose entries are files of their own (Continue's blocks): the whole file an
/// install writes for each transport, through the same edit `install` runs, and what removing
/// the entry leaves of it (nothing: the file goes).
#[test]
fn entry_files_for_every_transport() {
    use crate::commands::install::{EntryUpsert, UpsertEntries};
    use crate::commands::remove::RemoveEntries;
    use crate::config::transaction::FileEdit;
    let environment = environment_for(Os::Linux);
    let mut shown = String::new();
    let mut seen = 0;
    for client in ClientId::all() {
        let implementation = client.client();
        let Some(files) = implementation.entry_files() else {
            continue;
        };
        seen += 1;
        for transport in Transport::EVERY {
            let mut spec = spec(transport, Os::Linux);
            spec.region = Region::Us1;
            let entry = implementation.entry(&spec).expect("Continue takes every transport");
            let location = implementation
                .entry_location(&environment, Scope::User, "tray-workspace")
                .expect("a user scope");
            let upsert = UpsertEntries {
                format: implementation.format(),
                upserts: vec![EntryUpsert {
                    format: implementation.format(),
                    entry_path: crate::inventory::entry_path(&location.servers_key, "tray-workspace"),
                    server: entry.server.clone(),
                    companions: entry.companions.clone(),
                    new_file: Some((files.header)("tray-workspace")),
                    guard: None,
                }],
            };
            let written = upsert.apply(None).expect("writes").contents.expect("a file");
            let reread = crate::config::open(implementation.format(), &written).expect("reads back");
            assert_eq!(
                reread
                    .get(&upsert.entry_paths()[0].iter().map(String::as_str).collect::<Vec<_>>())
                    .unwrap(),
                Some(entry.server.clone()),
                "{}",
                client.id()
            );
            let found = found_in_entry_file(*client, location.path.clone(), &location.servers_key, &entry.server);
            let removed = RemoveEntries::for_entries(&[&found], &crate::created::Created::default())
                .apply(Some(&written))
                .expect("removes");
            assert_eq!(
                removed.contents,
                None,
                "{}: the file we made goes with its entry",
                client.id()
            );
            writeln!(
                shown,
                "--- {} {} {} ({})\n{}",
                client.id(),
                transport.as_str(),
                environment.display_path(&location.path),
                if entry.holds_token {
                    "private: holds the token"
                } else {
                    "no token"
                },
                written.replace("secret-token", "[TOKEN]")
            )
            .unwrap();
        }
    }
    assert!(seen > 0, "Continue keeps its entries in files of their own");
    insta::assert_snapshot!("entry_files", shown);
}

/// The user-scope entry `tray-workspace` of `client` as the inventory finds it in a file of its own.
fn found_in_entry_file(
    client: ClientId,
    path: std::path::PathBuf,
    servers_key: &[String],
    server: &Value,
) -> crate::inventory::FoundEntry {
    crate::inventory::FoundEntry {
        name: "tray-workspace".into(),
        client,
        scope: Scope::User,
        project: None,
        path,
        shown_path: String::new(),
        servers_key: servers_key.to_vec(),
        value: server.clone(),
        tray: client.client().recognize(server),
        ours: true,
        in_entry_file: true,
    }
}

#[test]
fn token_from_env_entries_for_every_client() {
    let mut table = String::new();
    for client in ClientId::all() {
        for transport in [Transport::Bridge, Transport::Http] {
            let result = client.client().entry(&spec_from_env(transport));
            let hint = match &result {
                Err(EntryError::NoTokenReference { hint, .. }) => format!("\n    hint: {hint}"),
                _ => String::new(),
            };
            let shown = shown_entry(result);
            writeln!(table, "{} {}: {shown}{hint}", client.id(), transport.as_str()).unwrap();
        }
    }
    insta::assert_snapshot!("token_from_env_entries", table);
}

/// An entry made with `--token-from-env` never holds the token, anywhere in it, and names the
/// variable in the client's own syntax (read back by the client's declared reference); a client
/// with no reference for a transport refuses it.
#[test]
fn token_from_env_entries_name_the_variable_and_never_hold_the_token() {
    for client in ClientId::all() {
        for transport in [Transport::Bridge, Transport::Http] {
            let reference = client.client().token_reference(transport);
            let takes = reference.is_some();
            match client.client().entry(&spec_from_env(transport)) {
                Ok(entry) => {
                    assert!(
                        takes,
                        "{} {transport:?}: accepted without a declared reference",
                        client.id()
                    );
                    assert!(!entry.holds_token, "{} {transport:?}", client.id());
                    let text = serde_json::to_string(&entry.server).unwrap();
                    assert!(!text.contains("secret-token"), "{} {transport:?}: {text}", client.id());
                    assert_eq!(
                        reference.and_then(|form| form.variable_in(&entry.server)).as_deref(),
                        Some("TRAY_TOKEN_TRAY_WORKSPACE"),
                        "{} {transport:?}: {text}",
                        client.id()
                    );
                    assert!(client.client().recognize(&entry.server).is_some(), "{}", client.id());
                }
                Err(error) => {
                    assert!(
                        !takes || matches!(error, EntryError::UnsupportedTransport { .. }),
                        "{} {transport:?}: {error}",
                        client.id()
                    );
                }
            }
        }
    }
}

/// One entry (or refusal) as the snapshot tables show it, the token replaced.
fn shown_entry(result: Result<ClientEntry, EntryError>) -> String {
    let shown = match result {
        Ok(entry) => {
            let mut shown = serde_json::to_string(&entry.server).unwrap();
            for companion in &entry.companions {
                let edit = match &companion.edit {
                    CompanionEdit::Upsert(item) => format!("upsert {item}"),
                    CompanionEdit::ReplaceIfPresent(item) => format!("replace {item}"),
                    CompanionEdit::Remove => "remove".to_string(),
                };
                write!(
                    shown,
                    "\n    + {}[{}={}]: {edit}",
                    companion.array.join("."),
                    companion.id_key,
                    companion.id
                )
                .unwrap();
            }
            if entry.holds_token {
                shown.push_str("\n    (holds the token: file made private)");
            }
            if let Some(notice) = &entry.notice {
                write!(shown, "\n    note: {notice}").unwrap();
            }
            shown
        }
        Err(error) => format!("refused: {error}"),
    };
    shown.replace("secret-token", "[TOKEN]")
}

/// What tray-mcp writes, it reads back as its own, for every client and transport.
#[test]
fn every_entry_we_write_is_recognised_by_its_client() {
    for client in ClientId::all() {
        for transport in Transport::ALL {
            for os in OSES {
                let Ok(entry) = client.client().entry(&spec(transport, os)) else {
                    continue;
                };
                let recognized = client
                    .client()
                    .recognize(&entry.server)
                    .unwrap_or_else(|| panic!("{} {transport:?} {os:?}: not recognised", client.id()));
                assert_eq!(recognized.transport, transport, "{}", client.id());
                if transport == Transport::Stdio {
                    assert_eq!(
                        recognized.profile.as_ref().map(ServerName::as_str),
                        Some("tray-workspace")
                    );
                }
            }
        }
    }
}

#[test]
fn sandbox_entries_are_stdio_only() {
    let mut sandbox = spec(Transport::Http, Os::Linux);
    sandbox.sandbox = true;
    sandbox.workspace_id = None;
    sandbox.api_token = None;
    for client in ClientId::all() {
        assert!(client.client().entry(&sandbox).is_err(), "{}", client.id());
    }
}

#[test]
fn scoped_locations() {
    let location = |id: &str, os: Os, scope: Scope| {
        ClientId::parse(id)
            .unwrap()
            .client()
            .location(&environment_for(os), scope)
            .map(|location| {
                (
                    location.path.to_string_lossy().into_owned(),
                    location.servers_key.join("."),
                )
            })
    };
    assert_eq!(
        location("claude-code", Os::Linux, Scope::Local),
        Some((
            "/home/ada/.claude.json".into(),
            "projects./home/ada/project.mcpServers".into()
        ))
    );
    assert_eq!(
        location("claude-code", Os::Windows, Scope::Project),
        Some((r"C:\Users\ada\project\.mcp.json".into(), "mcpServers".into()))
    );
    assert_eq!(location("claude", Os::Linux, Scope::Project), None);
    assert_eq!(location("windsurf", Os::Linux, Scope::Local), None);
}

#[test]
fn windows_bridge_runs_npx_through_cmd() {
    let cursor = ClientId::parse("cursor").unwrap().client();
    let entry = cursor.entry(&spec(Transport::Bridge, Os::Windows)).unwrap();
    assert_eq!(entry.server["command"], "cmd");
    assert_eq!(entry.server["args"][0], "/c");
    assert_eq!(entry.server["args"][1], "npx");
    assert_eq!(entry.server["args"][3], MCP_REMOTE_PACKAGE);
    assert!(entry.holds_token);
    let linux = cursor.entry(&spec(Transport::Bridge, Os::Linux)).unwrap();
    assert_eq!(linux.server["command"], "npx");
}

#[test]
fn windows_stdio_entry_is_recognized_by_its_exe_name() {
    let entry = json!({"command": r"C:\Users\ada\.cargo\bin\tray-mcp.exe", "args": ["serve", "--log-level", "debug"]});
    let recognized = recognize(&entry).expect("a Tray entry");
    assert_eq!(recognized.transport, Transport::Stdio);
    assert_eq!(recognized.profile, None);
}

#[test]
fn recognizes_our_serve_arguments_whatever_the_binary_is_called() {
    for command in [
        "/opt/tray-mcp-0.2.0",
        "/home/ada/.local/share/mise/shims/tmcp",
        r"C:\bin\tray.exe",
    ] {
        let entry = json!({"command": command, "args": ["serve", "--profile", "prod"]});
        assert_eq!(
            recognize(&entry)
                .and_then(|tray| tray.profile)
                .as_ref()
                .map(ServerName::as_str),
            Some("prod"),
            "{command}"
        );
        let equals = json!({"command": command, "args": ["serve", "--profile=prod", "--gateway"]});
        assert_eq!(
            recognize(&equals)
                .and_then(|tray| tray.profile)
                .as_ref()
                .map(ServerName::as_str),
            Some("prod"),
            "{command}"
        );
        let sandbox = json!({"command": command, "args": ["serve", "--sandbox"]});
        assert_eq!(
            recognize(&sandbox).map(|tray| tray.workspace),
            Some(EntryWorkspace::Sandbox)
        );
    }
    for args in [
        json!(["serve"]),
        json!(["serve", "--port", "8080"]),
        json!(["serve", "--profile"]),
        json!(["serve", "--profile", "prod", "--listen", "0.0.0.0"]),
        json!(["run", "--profile", "prod"]),
    ] {
        let entry = json!({"command": "/usr/bin/other-mcp", "args": args});
        assert_eq!(recognize(&entry), None, "{entry}");
    }
}

#[test]
fn recognizes_each_transport_and_ignores_others() {
    let stdio = json!({"command": "/usr/local/bin/tray-mcp", "args": ["serve", "--profile", "prod"]});
    assert_eq!(
        recognize(&stdio).unwrap().profile.as_ref().map(ServerName::as_str),
        Some("prod")
    );
    let array = json!({"type": "local", "command": ["/usr/local/bin/tray-mcp", "serve", "--profile", "prod"]});
    assert_eq!(
        recognize(&array).unwrap().profile.as_ref().map(ServerName::as_str),
        Some("prod")
    );
    let bridge = json!({"command": "npx", "args": ["-y", "mcp-remote@0.15.1", "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai"]});
    assert_eq!(recognize(&bridge).unwrap().transport, Transport::Bridge);
    let http = json!({"serverUrl": "https://3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718.mcp.tray.ai"});
    assert_eq!(recognize(&http).unwrap().transport, Transport::Http);
    assert_eq!(
        recognize(&json!({"command": "npx", "args": ["-y", "@other/server"]})),
        None
    );
    assert_eq!(recognize(&json!({"url": "https://evil.example/x.mcp.tray.ai"})), None);
}

#[test]
fn rename_follows_the_profile_and_vs_code_prompt() {
    let vscode = ClientId::parse("vscode").unwrap().client();
    let entry = json!({"type": "http", "url": "u", "headers": {"Authorization": "Bearer ${input:tray-api-token-old}"}});
    let renamed = vscode.rename_references(&entry, "old", "new");
    assert_eq!(
        renamed["headers"]["Authorization"],
        "Bearer ${input:tray-api-token-new}"
    );
    let stdio = json!({"command": "/bin/tray-mcp", "args": ["serve", "--profile", "old"]});
    let cursor = ClientId::parse("cursor").unwrap().client();
    assert_eq!(cursor.rename_references(&stdio, "old", "new")["args"][2], "new");
    assert!(cursor.rename_companions("old", "new").is_empty());
    assert_eq!(vscode.rename_companions("old", "new")[0].id, "tray-api-token-old");
}

/// A client's user-scope config file in `environment`.
fn user_file(client: ClientId, environment: &Environment) -> Option<PathBuf> {
    client
        .client()
        .location(environment, Scope::User)
        .map(|location| location.path)
}

/// Each client-home variable, set on each OS, moves that client's user file (a relative value
/// counts from the current directory), and no variable moves another client's file.
#[test]
fn client_home_variables_move_only_their_clients_file() {
    use crate::env::{self, Variables};
    // (client, variable, the file's path under the variable's folder)
    let cases: &[(&str, &str, &[&str])] = &[
        ("codex", env::CODEX_HOME, &["config.toml"]),
        ("gemini", env::GEMINI_CLI_HOME, &[".gemini", "settings.json"]),
        ("copilot", env::COPILOT_HOME, &["mcp-config.json"]),
        ("qwen", env::QWEN_HOME, &["settings.json"]),
        (
            "cline",
            env::CLINE_DIR,
            &["data", "settings", "cline_mcp_settings.json"],
        ),
        ("cline", env::CLINE_DATA_DIR, &["settings", "cline_mcp_settings.json"]),
        ("cline", env::CLINE_MCP_SETTINGS_PATH, &[]),
        ("crush", env::CRUSH_GLOBAL_CONFIG, &["crush.json"]),
        ("continue", env::CONTINUE_GLOBAL_DIR, &["mcpServers"]),
    ];
    for os in OSES {
        let plain = environment_for(os);
        for (client, variable, inside) in cases {
            for (value, base) in [
                (plain.home_path(&["moved"]), plain.home_path(&["moved"])),
                (PathBuf::from("rel"), plain.project_path(&["rel"])),
            ] {
                let mut environment = environment_for(os);
                environment.variables =
                    Variables::from_pairs(&[(*variable, &*value.to_string_lossy())]).expect("valid");
                let wanted = environment.join(&base, inside);
                for other in ClientId::all() {
                    let (path, unmoved) = (user_file(*other, &environment), user_file(*other, &plain));
                    if other.id() == *client {
                        assert_eq!(path, Some(wanted.clone()), "{os:?} {variable}={value:?}");
                    } else {
                        assert_eq!(path, unmoved, "{os:?} {variable} leaves {} alone", other.id());
                    }
                }
            }
        }
    }
}

/// `GOOSE_PATH_ROOT` moves Goose's config to `<root>/config/config.yaml` on every OS, and only
/// Goose's; a relative value is ignored, as Goose ignores it.
#[test]
fn goose_path_root_moves_only_goose_s_config_and_a_relative_one_is_ignored() {
    use crate::env::{GOOSE_PATH_ROOT, Variables};
    for os in OSES {
        let plain = environment_for(os);
        let root = plain.home_path(&["goose-root"]);
        for (value, moved) in [(root.to_string_lossy().into_owned(), true), ("rel".to_string(), false)] {
            let mut environment = environment_for(os);
            environment.variables = Variables::from_pairs(&[(GOOSE_PATH_ROOT, &value)]).expect("valid");
            for client in ClientId::all() {
                let (path, unmoved) = (user_file(*client, &environment), user_file(*client, &plain));
                if client.id() == "goose" && moved {
                    assert_eq!(
                        path,
                        Some(environment.join(&root, &["config", "config.yaml"])),
                        "{os:?}"
                    );
                } else {
                    assert_eq!(path, unmoved, "{os:?} GOOSE_PATH_ROOT={value} moved {}", client.id());
                }
            }
        }
    }
}

#[test]
fn qwen_home_expands_a_leading_tilde_as_qwen_does() {
    use crate::env::{QWEN_HOME, Variables};
    let qwen = ClientId::parse("qwen").expect("qwen").client();
    for (value, expected) in [("~", vec!["settings.json"]), ("~/q/r", vec!["q", "r", "settings.json"])] {
        let mut environment = environment_for(Os::Linux);
        environment.variables = Variables::from_pairs(&[(QWEN_HOME, value)]).expect("valid");
        let path = qwen.location(&environment, Scope::User).map(|location| location.path);
        assert_eq!(path, Some(environment.home_path(&expected)), "{value}");
    }
}
