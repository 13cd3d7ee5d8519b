//! `--token-from-env`: bridge and http entries that name the environment variable holding the
//! token, in each client's own syntax, instead of holding it. Run against a fake home: the token
//! is in no file and no output; `list` and `doctor` say where it comes from; `token set` changes
//! no file and names the variable; a client that expands no variables refuses the flag and
//! nothing is written.

use crate::support;

use serde_json::Value;
use support::{FakeHome, TOKEN, WORKSPACE, outputs};

/// The clients that expand a variable in an http entry's header, their files, and the reference
/// each file must hold.
const HTTP_CLIENTS: &[(&str, &str, &str)] = &[
    ("claude-code", ".claude.json", "Bearer ${TRAY_TOKEN_TRAY_ENV}"),
    ("cursor", ".cursor/mcp.json", "Bearer ${env:TRAY_TOKEN_TRAY_ENV}"),
    (
        "windsurf",
        ".codeium/windsurf/mcp_config.json",
        "Bearer ${env:TRAY_TOKEN_TRAY_ENV}",
    ),
    (
        "vscode",
        ".config/Code/User/mcp.json",
        "Bearer ${env:TRAY_TOKEN_TRAY_ENV}",
    ),
    ("gemini", ".gemini/settings.json", "Bearer ${TRAY_TOKEN_TRAY_ENV}"),
    ("qwen", ".qwen/settings.json", "Bearer ${TRAY_TOKEN_TRAY_ENV}"),
    (
        "opencode",
        ".config/opencode/opencode.json",
        "Bearer {env:TRAY_TOKEN_TRAY_ENV}",
    ),
    ("kilo", ".config/kilo/kilo.json", "Bearer {env:TRAY_TOKEN_TRAY_ENV}"),
    ("kiro", ".kiro/settings/mcp.json", "Bearer ${TRAY_TOKEN_TRAY_ENV}"),
    ("crush", ".config/crush/crush.json", "Bearer ${TRAY_TOKEN_TRAY_ENV}"),
    (
        "continue",
        ".continue/mcpServers/tray-env.yaml",
        "Bearer ${{ secrets.TRAY_TOKEN_TRAY_ENV }}",
    ),
    (
        "codex",
        ".codex/config.toml",
        "bearer_token_env_var = \"TRAY_TOKEN_TRAY_ENV\"",
    ),
];

fn clients_list(clients: &[(&str, &str, &str)]) -> String {
    clients.iter().map(|(id, _, _)| *id).collect::<Vec<_>>().join(",")
}

/// Every file under the fake home, as text, for "the token is in no file".
fn every_file_text(home: &FakeHome) -> String {
    home.snapshot_files()
        .into_iter()
        .map(|(path, bytes)| format!("{}\n{}\n", path.display(), String::from_utf8_lossy(&bytes)))
        .collect()
}

fn assert_no_token_anywhere(home: &FakeHome, assert: &assert_cmd::assert::Assert) {
    let (stdout, stderr) = outputs(assert);
    assert!(!stdout.contains(TOKEN), "token in stdout:\n{stdout}");
    assert!(!stderr.contains(TOKEN), "token in stderr:\n{stderr}");
    let files = every_file_text(home);
    assert!(!files.contains(TOKEN), "token in a file:\n{files}");
}

#[test]
fn http_entries_name_the_variable_in_each_clients_syntax_and_hold_no_token() {
    let home = FakeHome::new();
    let assert = home
        .install(&[
            "-c",
            &clients_list(HTTP_CLIENTS),
            "--transport",
            "http",
            "-n",
            "tray-env",
            "--token-from-env",
        ])
        .success();
    let (_, stderr) = outputs(&assert);
    assert_no_token_anywhere(&home, &assert);
    assert!(
        stderr.contains("TRAY_TOKEN_TRAY_ENV is not set here"),
        "the unset variable is warned about:\n{stderr}"
    );
    for (client, file, reference) in HTTP_CLIENTS {
        let text = home.read(file);
        assert!(text.contains(reference), "{client}: {file} lacks {reference}:\n{text}");
    }
    let vscode = home.read(".config/Code/User/mcp.json");
    assert!(
        !vscode.contains("promptString"),
        "no token prompt when the token comes from the environment:\n{vscode}"
    );
}

#[test]
fn bridge_entries_name_the_variable_in_the_bridge_environment() {
    let home = FakeHome::new();
    let assert = home
        .install(&[
            "-c",
            "claude-code,cursor,copilot,opencode",
            "--transport",
            "bridge",
            "-n",
            "tray-env",
            "--token-from-env",
            "MY_TRAY_TOKEN",
        ])
        .success();
    assert_no_token_anywhere(&home, &assert);
    let claude: Value = serde_json::from_str(&home.read(".claude.json")).unwrap();
    assert_eq!(
        claude["mcpServers"]["tray-env"]["env"]["TRAY_AUTH_HEADER"],
        "Bearer ${MY_TRAY_TOKEN}"
    );
    assert!(
        home.read(".copilot/mcp-config.json")
            .contains("Bearer ${MY_TRAY_TOKEN}")
    );
    assert!(
        home.read(".config/opencode/opencode.json")
            .contains("Bearer {env:MY_TRAY_TOKEN}")
    );
}

#[test]
fn list_doctor_and_token_set_say_where_the_token_comes_from_and_change_no_file() {
    let home = FakeHome::new();
    home.install(&[
        "-c",
        "claude-code,cursor,codex",
        "--transport",
        "http",
        "-n",
        "tray-env",
        "--token-from-env",
    ])
    .success();
    let listed: Value = serde_json::from_slice(
        &home
            .command()
            .args(["list", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    let entries = listed["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 3, "{listed}");
    for entry in entries {
        assert_eq!(entry["token_store"], "env", "{entry}");
        assert_eq!(entry["token_variable"], "TRAY_TOKEN_TRAY_ENV", "{entry}");
    }
    let table = outputs(&home.command().arg("list").assert().success()).0;
    assert!(table.contains("from $TRAY_TOKEN_TRAY_ENV"), "{table}");

    // doctor: the variable unset fails, set passes, and its value is never shown.
    let unset = home.command().args(["doctor", "--json"]).assert();
    let (stdout, _) = outputs(&unset);
    assert!(
        stdout.contains("the token comes from $TRAY_TOKEN_TRAY_ENV, which is not set here"),
        "{stdout}"
    );
    let set = home
        .command()
        .args(["doctor", "--json"])
        .env("TRAY_TOKEN_TRAY_ENV", TOKEN)
        .assert();
    let (stdout, stderr) = outputs(&set);
    assert!(
        stdout.contains("the token comes from $TRAY_TOKEN_TRAY_ENV, which is set here"),
        "{stdout}"
    );
    assert!(
        !stdout.contains(TOKEN) && !stderr.contains(TOKEN),
        "doctor showed the value"
    );

    // token set: no file changes; the report names the variable to update.
    let before = home.snapshot_files();
    let rotated = home
        .command()
        .args(["token", "set", "tray-env", "--api-token-stdin"])
        .write_stdin("tray-new-token-0c1d2e3f4a\n")
        .assert()
        .success();
    assert_eq!(home.snapshot_files(), before, "token set changed a file");
    let (stdout, stderr) = outputs(&rotated);
    assert!(!stdout.contains("tray-new-token") && !stderr.contains("tray-new-token"));
    assert!(
        stderr.contains("from the environment variable TRAY_TOKEN_TRAY_ENV: nothing in that file changes"),
        "{stderr}"
    );

    // remove takes the entries out as usual.
    home.command().args(["remove", "tray-env"]).assert().success();
    let listed = outputs(&home.command().args(["list", "--json"]).assert().success()).0;
    assert!(!listed.contains("tray-env"), "{listed}");
}

#[test]
fn without_an_api_token_the_token_is_read_from_the_variable() {
    let home = FakeHome::new();
    let assert = home
        .command()
        .args([
            "-w",
            WORKSPACE,
            "-c",
            "cursor",
            "--transport",
            "http",
            "--token-from-env",
            "-n",
            "tray-env",
        ])
        .env("TRAY_TOKEN_TRAY_ENV", TOKEN)
        .assert()
        .success();
    let (_, stderr) = outputs(&assert);
    assert!(!stderr.contains("is not set here"), "{stderr}");
    assert_no_token_anywhere(&home, &assert);
    assert!(home.read(".cursor/mcp.json").contains("${env:TRAY_TOKEN_TRAY_ENV}"));
}

#[test]
fn a_client_without_expansion_refuses_and_nothing_is_written() {
    for (client, transport, wanted_hint) in [
        ("zed", "http", "Zed does not expand environment variables"),
        ("goose", "http", "use --transport bridge"),
        (
            "claude",
            "bridge",
            "Claude Desktop does not expand environment variables",
        ),
        ("copilot", "http", "use --transport bridge"),
    ] {
        let home = FakeHome::new();
        let before = home.snapshot_files();
        let assert = home
            .install(&["-c", client, "--transport", transport, "--token-from-env"])
            .code(2);
        let (stdout, stderr) = outputs(&assert);
        assert!(stdout.is_empty(), "{client}: {stdout}");
        assert!(
            stderr.contains("cannot read the token from an environment variable"),
            "{client}: {stderr}"
        );
        assert!(
            stderr.contains("hint:") && stderr.contains(wanted_hint),
            "{client}: {stderr}"
        );
        assert_eq!(home.snapshot_files(), before, "{client}: a file changed");
    }
}

#[test]
fn every_client_skips_those_without_expansion_with_a_note() {
    let home = FakeHome::new();
    for folder in [".cursor", ".config/zed", ".claude"] {
        std::fs::create_dir_all(home.path(folder)).unwrap();
    }
    let assert = home
        .install(&["-c", "all", "--transport", "http", "--token-from-env"])
        .success();
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("Zed skipped: Zed does not expand"), "{stderr}");
    assert!(
        home.read(".cursor/mcp.json")
            .contains("${env:TRAY_TOKEN_TRAY_WORKSPACE}")
    );
    assert!(!home.path(".config/zed/settings.json").exists());
}

#[test]
fn the_flag_is_refused_where_it_means_nothing() {
    let home = FakeHome::new();
    for (args, wanted) in [
        (
            vec!["-c", "cursor", "--token-from-env"],
            "--token-from-env is for bridge and http entries",
        ),
        (
            vec!["-c", "cursor", "--transport", "http", "--token-from-env", "1BAD-NAME"],
            "cannot name an environment variable",
        ),
    ] {
        let assert = home.install(&args).code(2);
        let (_, stderr) = outputs(&assert);
        assert!(
            stderr.contains(wanted) && stderr.contains("hint:"),
            "{args:?}: {stderr}"
        );
    }
    home.command()
        .args(["--sandbox", "--token-from-env", "-c", "cursor"])
        .assert()
        .code(2);
    assert!(home.snapshot_files().is_empty(), "nothing may be written");
}

#[test]
fn an_inline_entry_becomes_a_reference_and_back() {
    let home = FakeHome::new();
    home.install(&["-c", "vscode,cursor", "--transport", "http", "-n", "tray-env"])
        .success();
    assert!(home.read(".cursor/mcp.json").contains(TOKEN));
    assert!(home.read(".config/Code/User/mcp.json").contains("promptString"));
    let assert = home
        .install(&[
            "-c",
            "vscode,cursor",
            "--transport",
            "http",
            "-n",
            "tray-env",
            "--token-from-env",
        ])
        .success();
    support::assert_no_token(&assert);
    // (tray-mcp's backups keep the earlier file, inline token and all, as they keep any file.)
    assert!(!home.read(".cursor/mcp.json").contains(TOKEN));
    let vscode = home.read(".config/Code/User/mcp.json");
    assert!(!vscode.contains("promptString"), "the prompt goes:\n{vscode}");
    home.install(&["-c", "cursor", "--transport", "http", "-n", "tray-env"])
        .success();
    assert!(home.read(".cursor/mcp.json").contains(TOKEN), "inline again");
}

#[test]
fn a_manifest_asks_for_references_with_token_from_env() {
    let home = FakeHome::new();
    home.write(
        "project/tray-mcp.toml",
        format!(
            "[servers.tray-env]\nworkspace = \"{WORKSPACE}\"\nkind = \"http\"\nclients = [\"claude-code\", \"cursor\"]\ntoken = {{ env = \"MANIFEST_TOKEN\" }}\ntoken_from_env = true\n"
        ),
    );
    let assert = home
        .command()
        .arg("apply")
        .env("MANIFEST_TOKEN", TOKEN)
        .assert()
        .success();
    assert_no_token_anywhere(&home, &assert);
    assert!(home.read(".claude.json").contains("Bearer ${MANIFEST_TOKEN}"));
    assert!(home.read(".cursor/mcp.json").contains("Bearer ${env:MANIFEST_TOKEN}"));

    home.write(
        "project/tray-mcp.toml",
        format!(
            "[servers.tray-env]\nworkspace = \"{WORKSPACE}\"\nclients = [\"cursor\"]\ntoken = {{ env = \"MANIFEST_TOKEN\" }}\ntoken_from_env = true\n"
        ),
    );
    let before = home.snapshot_files();
    let refused = home
        .command()
        .arg("apply")
        .env("MANIFEST_TOKEN", TOKEN)
        .assert()
        .code(2);
    let (_, stderr) = outputs(&refused);
    assert!(stderr.contains("token_from_env is for kind"), "{stderr}");
    assert!(
        stderr.contains("tray-mcp.toml:"),
        "names the file and position: {stderr}"
    );
    assert_eq!(home.snapshot_files(), before);
}

#[test]
fn export_keeps_the_variable_and_applies_back_unchanged() {
    let home = FakeHome::new();
    home.install(&[
        "-c",
        "claude-code,cursor,codex",
        "--transport",
        "http",
        "-n",
        "tray-env",
        "--token-from-env",
    ])
    .success();
    let export = home.command().arg("export").assert().success();
    let text = outputs(&export).0;
    assert!(text.contains("token = { env = \"TRAY_TOKEN_TRAY_ENV\" }"), "{text}");
    assert!(text.contains("token_from_env = true"), "{text}");
    assert!(!text.contains("source is unknown"), "{text}");
    home.write("project/tray-mcp.toml", &text);
    let before = home.snapshot_files();
    let applied = home
        .command()
        .args(["apply", "--json"])
        .env("TRAY_TOKEN_TRAY_ENV", TOKEN)
        .assert()
        .success();
    assert_no_token_anywhere(&home, &applied);
    let report: Value = serde_json::from_slice(&applied.get_output().stdout).unwrap();
    assert_eq!(report["changed"], false, "{report}");
    assert_eq!(home.snapshot_files(), before);
}

/// Codex and Goose expand nothing in their configs but forward named variables to a stdio
/// server: their bridge names the variable in `env_vars` / `env_keys` and lets `mcp-remote`
/// expand its own `--header` argument.
#[test]
fn codex_and_goose_bridges_forward_the_variable_to_mcp_remote() {
    let home = FakeHome::new();
    let assert = home
        .install(&[
            "-c",
            "codex,goose",
            "--transport",
            "bridge",
            "-n",
            "tray-env",
            "--token-from-env",
        ])
        .success();
    assert_no_token_anywhere(&home, &assert);
    let codex = home.read(".codex/config.toml");
    assert!(codex.contains("env_vars = [\"TRAY_TOKEN_TRAY_ENV\"]"), "{codex}");
    assert!(
        codex.contains("\"Authorization:Bearer ${TRAY_TOKEN_TRAY_ENV}\""),
        "{codex}"
    );
    let goose = home.read(".config/goose/config.yaml");
    assert!(goose.contains("TRAY_TOKEN_TRAY_ENV"), "{goose}");
    assert!(goose.contains("Authorization:Bearer ${TRAY_TOKEN_TRAY_ENV}"), "{goose}");
    let listed: Value = serde_json::from_slice(
        &home
            .command()
            .args(["list", "--json"])
            .assert()
            .success()
            .get_output()
            .stdout,
    )
    .unwrap();
    for entry in listed["entries"].as_array().unwrap() {
        assert_eq!(entry["token_variable"], "TRAY_TOKEN_TRAY_ENV", "{entry}");
    }
    let doctor = home.command().arg("doctor").env("TRAY_TOKEN_TRAY_ENV", TOKEN).assert();
    let (stdout, _) = outputs(&doctor);
    assert_eq!(
        stdout
            .matches("the token comes from $TRAY_TOKEN_TRAY_ENV, which is set here")
            .count(),
        2,
        "{stdout}"
    );
    assert!(!stdout.contains("does not have a shape"), "{stdout}");
}
