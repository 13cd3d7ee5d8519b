//! Managing several workspaces: rename, token rotation, completions, profile permissions, and
//! a sweep that runs every command with a distinctive token and searches all output and files.

use crate::support;

use support::{FakeHome, TOKEN, WORKSPACE, WORKSPACE_DEV, assert_no_token, fixture, outputs};

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

/// Issue 21 (17c): `token forget` on an entry that keeps its token inline (no profile) said
/// there was no such entry.
#[test]
fn token_forget_on_an_inline_token_entry_says_where_the_token_is_and_how_to_change_it() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--transport", "http", "-n", "remote"])
        .success();
    let before = home.snapshot_files();
    let assert = home.command().args(["token", "forget", "remote"]).assert().code(1);
    let (stdout, stderr) = outputs(&assert);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("keeps the token inline in Cursor config ~/.cursor/mcp.json")
            && stderr.contains("hint: `tray-mcp token set remote` replaces that token in place")
            && stderr.contains("`tray-mcp remove remote -c cursor`")
            && !stderr.contains("no tray-mcp profile or Tray entry"),
        "{stderr}"
    );
    assert_no_token(&assert);
    assert_eq!(home.snapshot_files(), before);
    let missing = home.command().args(["token", "forget", "nowhere"]).assert().code(1);
    assert!(outputs(&missing).1.contains("no tray-mcp profile or Tray entry"));
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

/// The installs `with_token` runs with a token on stdin: `-w WORKSPACE --api-token-stdin ARGS`.
fn with_token(home: &FakeHome, token: &str, args: &[&str]) -> assert_cmd::assert::Assert {
    home.command()
        .args(["-w", WORKSPACE, "--api-token-stdin"])
        .args(args)
        .write_stdin(format!("{token}\n"))
        .assert()
}

/// Panics if either token appears in stdout or stderr.
fn assert_neither_token(label: &str, assert: &assert_cmd::assert::Assert) {
    let (stdout, stderr) = outputs(assert);
    for (token, which) in [(TOKEN, "old"), (NEW_TOKEN, "new")] {
        assert!(
            !stdout.contains(token) && !stderr.contains(token),
            "{label}: the {which} token leaked:\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}"
        );
    }
}

/// A Headless MCP sign-in of `name` as `tray-mcp login NAME --headless` stores it, whose access
/// and refresh tokens are the swept ones (nothing listens at its endpoints).
fn write_headless_sign_in(home: &FakeHome, name: &str) {
    let sign_in = serde_json::json!({
        "resource": "http://127.0.0.1:9/mcp",
        "metadata": {
            "issuer": "http://127.0.0.1:9",
            "authorization_endpoint": "http://127.0.0.1:9/authorize",
            "token_endpoint": "http://127.0.0.1:9/token",
        },
        "client_id": "tray-mcp-test-client",
        "credentials": {
            "client_id": "tray-mcp-test-client",
            "token_response": {
                "access_token": NEW_TOKEN,
                "token_type": "bearer",
                "expires_in": 3600,
                "refresh_token": TOKEN,
            },
            "granted_scopes": [],
            "token_received_at": std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |elapsed| elapsed.as_secs()),
            "issuer": "http://127.0.0.1:9",
        },
    });
    home.write(
        &format!(".config/tray-mcp/oauth/{name}.headless.json"),
        sign_in.to_string(),
    );
}

/// A token rotated through every command, dry run and real, with an old and a new token that
/// differ: neither may appear in any output (diffs, reports, `--json`, errors, logs). A dry run
/// that replaces a profile or an inline entry shows the old token's line as removed; it must be
/// redacted like the new one.
#[test]
fn a_rotated_token_never_leaks() {
    let home = FakeHome::new();
    let command = |args: &[&str]| home.command().args(args).assert();
    let token_set = |name: &str, token: &str, extra: &[&str]| {
        home.command()
            .args(["token", "set", name, "--api-token-stdin"])
            .args(extra)
            .write_stdin(format!("{token}\n"))
            .assert()
    };
    let serve_input = concat!(
        r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#,
        "\n",
        r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#,
        "\n",
        r#"{"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"get_authenticated_user","arguments":{}}}"#,
        "\n",
    );
    let unreachable = [
        ("TRAY_API_URL", "http://127.0.0.1:9"),
        ("TRAY_GRAPHQL_URL", "http://127.0.0.1:9/graphql"),
        ("TRAY_GATEWAY_URL", "http://127.0.0.1:9/mcp"),
        ("TRAY_API_TIMEOUT_SECS", "1"),
    ];
    home.write(
        "project/tray-mcp.toml",
        format!(
            "[servers.tray-manifest]\nworkspace = \"{WORKSPACE}\"\nclients = [\"claude\", \"codex\"]\ntoken = {{ env = \"MANIFEST_TOKEN\" }}\n\n\
             [servers.tray-manifest-http]\nworkspace = \"{WORKSPACE_DEV}\"\nkind = \"http\"\nclients = [\"cursor\", \"vscode\"]\ntoken = {{ command = [\"sh\", \"-c\", \"echo $MANIFEST_TOKEN\"] }}\n"
        ),
    );
    // `--token-from-env` with no --api-token: the token comes from the variable itself.
    let from_env = |transport: &str, args: &[&str], token: &str| {
        home.command()
            .args([
                "-w",
                WORKSPACE,
                "-n",
                "tray-env",
                "--transport",
                transport,
                "--token-from-env",
            ])
            .args(args)
            .env("TRAY_TOKEN_TRAY_ENV", token)
            .assert()
    };
    let apply = |args: &[&str], token: &str| {
        home.command()
            .arg("apply")
            .args(args)
            // The manifest's command source runs in every mode here (the leak is what is tested).
            .arg("--allow-commands")
            .env("MANIFEST_TOKEN", token)
            .assert()
    };
    let mut runs: Vec<(&str, assert_cmd::assert::Assert)> = vec![
        ("install stdio", with_token(&home, TOKEN, &["-c", "cursor"]).success()),
        (
            "install http",
            with_token(
                &home,
                TOKEN,
                &[
                    "-c",
                    "claude-code,windsurf,continue",
                    "--transport",
                    "http",
                    "-n",
                    "tray-http",
                ],
            )
            .success(),
        ),
        (
            "install bridge",
            with_token(
                &home,
                TOKEN,
                &["-c", "claude", "--transport", "bridge", "-n", "tray-bridge"],
            )
            .success(),
        ),
        (
            "install goose http",
            with_token(
                &home,
                TOKEN,
                &["-c", "goose", "--transport", "http", "-n", "tray-goose"],
            )
            .success(),
        ),
        (
            "reinstall goose bridge, dry run",
            with_token(
                &home,
                NEW_TOKEN,
                &["-c", "goose", "--transport", "bridge", "-n", "tray-goose", "--dry-run"],
            )
            .success(),
        ),
        (
            "install http, token from env",
            from_env(
                "http",
                &["-c", "claude-code,cursor,vscode,opencode,codex,gemini"],
                TOKEN,
            )
            .success(),
        ),
        (
            "install bridge, token from env, dry run, json",
            from_env(
                "bridge",
                &["-c", "claude-code,gemini,copilot", "--dry-run", "--json"],
                NEW_TOKEN,
            )
            .success(),
        ),
        (
            "install, token from env, refused by the client",
            from_env("http", &["-c", "zed"], NEW_TOKEN).code(2),
        ),
        (
            "install bridge, token from env, forwarded by codex and goose",
            from_env("bridge", &["-c", "codex,goose"], TOKEN).success(),
        ),
        (
            "reinstall stdio, dry run",
            with_token(&home, NEW_TOKEN, &["-c", "cursor", "--dry-run"]).success(),
        ),
        (
            "reinstall http, dry run, json",
            with_token(
                &home,
                NEW_TOKEN,
                &[
                    "-c",
                    "claude-code,windsurf,continue",
                    "--transport",
                    "http",
                    "-n",
                    "tray-http",
                    "--dry-run",
                    "--json",
                ],
            )
            .success(),
        ),
        (
            "reinstall bridge, dry run",
            with_token(
                &home,
                NEW_TOKEN,
                &[
                    "-c",
                    "claude",
                    "--transport",
                    "bridge",
                    "-n",
                    "tray-bridge",
                    "--dry-run",
                ],
            )
            .success(),
        ),
        (
            "reinstall stdio",
            with_token(&home, NEW_TOKEN, &["-c", "cursor"]).success(),
        ),
        (
            "reinstall http, json",
            with_token(
                &home,
                NEW_TOKEN,
                &[
                    "-c",
                    "claude-code,windsurf,continue",
                    "--transport",
                    "http",
                    "-n",
                    "tray-http",
                    "--json",
                ],
            )
            .success(),
        ),
        (
            "token set back, dry run",
            token_set("tray-workspace", TOKEN, &["--dry-run"]).success(),
        ),
        (
            "token set inline, dry run, json",
            token_set("tray-http", TOKEN, &["--dry-run", "--json"]).success(),
        ),
        ("token set inline", token_set("tray-http", TOKEN, &[]).success()),
        ("apply, dry run", apply(&["--dry-run"], NEW_TOKEN).success()),
        ("apply, json", apply(&["--json"], NEW_TOKEN).success()),
        ("apply, again", apply(&[], NEW_TOKEN).success()),
        ("apply --check, in step", apply(&["--check"], NEW_TOKEN).success()),
        ("apply --check, rotated source", apply(&["--check"], TOKEN).code(3)),
        (
            "apply --check, rotated source, json",
            apply(&["--check", "--json"], TOKEN).code(3),
        ),
        (
            "apply, rotated source, dry run",
            apply(&["--dry-run", "--json"], TOKEN).success(),
        ),
        ("apply, rotated source", apply(&[], TOKEN).success()),
        ("export", command(&["export"]).success()),
        ("export json", command(&["export", "--json"]).success()),
        (
            "apply --prune, dry run",
            apply(&["--prune", "--dry-run"], TOKEN).success(),
        ),
        ("list", command(&["list"]).success()),
        ("list json", command(&["list", "--json"]).success()),
        ("doctor", home.command().arg("doctor").assert()),
        ("doctor json", home.command().args(["doctor", "--json"]).assert()),
        (
            "doctor online, unreachable",
            home.command()
                .args(["doctor", "--online"])
                .envs(unreachable)
                .timeout(std::time::Duration::from_secs(60))
                .assert(),
        ),
        (
            "serve, unreachable API",
            home.command()
                .args(["serve", "--profile", "tray-workspace", "--log-level", "debug"])
                .envs(unreachable)
                .write_stdin(serve_input)
                .timeout(std::time::Duration::from_secs(60))
                .assert(),
        ),
        (
            "login --headless, unreachable",
            home.command()
                .args(["login", "tray-workspace", "--headless", "--no-browser"])
                .env("TRAY_HEADLESS_URL", "http://127.0.0.1:9/mcp")
                .timeout(std::time::Duration::from_secs(60))
                .assert()
                .failure(),
        ),
        {
            // A Headless MCP sign-in as `login --headless` stores it, its tokens the swept ones.
            write_headless_sign_in(&home, "tray-workspace");
            (
                "doctor, signed in to the Headless MCP",
                command(&["doctor", "tray-workspace"]),
            )
        },
        (
            "serve, unreachable Headless MCP",
            home.command()
                .args(["serve", "--profile", "tray-workspace", "--log-level", "trace"])
                .envs(unreachable)
                .env("TRAY_HEADLESS_URL", "http://127.0.0.1:9/mcp")
                .write_stdin(serve_input)
                .timeout(std::time::Duration::from_secs(60))
                .assert(),
        ),
        (
            "logout --headless",
            command(&["logout", "tray-workspace", "--headless"]).success(),
        ),
        (
            // Over the token profile: the diff takes the (redacted) token out of the profile.
            "install --sign-in over a token profile, dry run",
            home.command()
                .args(["-w", WORKSPACE, "-c", "cursor", "--sign-in", "--dry-run"])
                .env("TRAY_API_TOKEN", NEW_TOKEN)
                .assert()
                .success(),
        ),
        (
            "install --sign-in, unreachable (writes nothing)",
            home.command()
                .args(["-w", WORKSPACE, "-c", "cursor", "--sign-in", "--no-browser", "--json"])
                .env("TRAY_GATEWAY_URL", "http://127.0.0.1:9/mcp")
                .timeout(std::time::Duration::from_secs(60))
                .assert()
                .failure(),
        ),
        (
            "install --sign-in with a token, usage error",
            with_token(&home, NEW_TOKEN, &["-c", "cursor", "--sign-in"]).code(2),
        ),
        (
            "rename stdio, dry run",
            command(&["rename", "tray-workspace", "tray-main", "--dry-run"]).success(),
        ),
        (
            "rename stdio",
            command(&["rename", "tray-workspace", "tray-main"]).success(),
        ),
        (
            "rename http, dry run, json",
            command(&["rename", "tray-http", "tray-remote", "--dry-run", "--json"]).success(),
        ),
        (
            "rename http",
            command(&["rename", "tray-http", "tray-remote"]).success(),
        ),
        (
            "token forget, dry run",
            command(&["token", "forget", "tray-main", "--dry-run"]).success(),
        ),
        (
            "remove bridge, dry run",
            command(&["remove", "tray-bridge", "--dry-run"]).success(),
        ),
        ("remove bridge", command(&["remove", "tray-bridge"]).success()),
        (
            "remove http, dry run, json",
            command(&["remove", "tray-remote", "--dry-run", "--json"]).success(),
        ),
        (
            "remove stdio and its profile, dry run",
            command(&["remove", "tray-main", "--dry-run"]).success(),
        ),
        ("token forget", command(&["token", "forget", "tray-main"]).success()),
        ("remove stdio", command(&["remove", "tray-main"]).success()),
        ("remove http", command(&["remove", "tray-remote"]).success()),
        (
            "token set, token from env, dry run",
            token_set("tray-env", NEW_TOKEN, &["--dry-run"]).success(),
        ),
        (
            "token set, token from env",
            token_set("tray-env", NEW_TOKEN, &[]).success(),
        ),
        (
            "token set goose inline, dry run",
            token_set("tray-goose", NEW_TOKEN, &["--dry-run"]).success(),
        ),
        (
            "token set goose inline",
            token_set("tray-goose", NEW_TOKEN, &[]).success(),
        ),
        (
            "doctor, token from env set",
            home.command()
                .arg("doctor")
                .env("TRAY_TOKEN_TRAY_ENV", NEW_TOKEN)
                .assert(),
        ),
        (
            "remove goose, dry run",
            command(&["remove", "tray-goose", "--dry-run"]).success(),
        ),
        ("remove goose", command(&["remove", "tray-goose"]).success()),
        ("remove token from env", command(&["remove", "tray-env"]).success()),
        (
            "bad workspace",
            home.command().args(["-w", "bad", "-t", NEW_TOKEN]).assert().code(2),
        ),
    ];
    let removed_profile = runs
        .iter()
        .find(|(label, _)| *label == "reinstall stdio, dry run")
        .map(|(_, run)| outputs(run).0)
        .expect("the stdio dry run");
    assert!(
        removed_profile.contains("-  \"api_token\": \"[REDACTED]\""),
        "the dry run should show the replaced token's line, redacted:\n{removed_profile}"
    );
    // The Headless MCP sign-in was read (doctor) and forgotten (logout), not skipped.
    for (label, expected) in [
        ("doctor, signed in to the Headless MCP", "signed in to the Headless MCP"),
        (
            "logout --headless",
            "forgot the sign-in of tray-workspace (Headless MCP)",
        ),
    ] {
        let (stdout, stderr) = runs
            .iter()
            .find(|(name, _)| *name == label)
            .map(|(_, run)| outputs(run))
            .expect(label);
        assert!(
            stdout.contains(expected) || stderr.contains(expected),
            "{label}: {stdout}{stderr}"
        );
    }
    for (label, run) in runs.drain(..) {
        assert_neither_token(label, &run);
    }
    for (path, _) in home.snapshot_files() {
        let name = path.to_string_lossy();
        assert!(
            !name.contains(TOKEN) && !name.contains(NEW_TOKEN),
            "token in a file name: {name}"
        );
    }
}

#[test]
fn names_that_differ_only_in_case_are_refused_everywhere() {
    let home = FakeHome::new();
    with_token(&home, TOKEN, &["-c", "cursor", "-n", "Prod"]).success();
    let before = home.snapshot_files();
    for args in [
        vec!["-w", WORKSPACE_DEV, "-t", NEW_TOKEN, "-n", "prod", "-c", "claude"],
        vec![
            "-w",
            WORKSPACE_DEV,
            "-t",
            NEW_TOKEN,
            "-n",
            "PROD",
            "-c",
            "cursor",
            "--transport",
            "http",
        ],
    ] {
        let assert = home.command().args(&args).assert().code(1);
        let (stdout, stderr) = outputs(&assert);
        assert!(stdout.is_empty(), "{stdout}");
        assert!(
            stderr.contains("differs only in case from \"Prod\"") && stderr.contains("\nhint: "),
            "{stderr}"
        );
        assert_eq!(home.snapshot_files(), before, "{args:?} changed a file");
    }
    // An entry of another client (no profile) counts too.
    with_token(&home, TOKEN, &["-c", "windsurf", "--transport", "http", "-n", "Remote"]).success();
    let before = home.snapshot_files();
    let assert = with_token(&home, NEW_TOKEN, &["-c", "claude", "-n", "remote"]).code(1);
    assert!(
        outputs(&assert)
            .1
            .contains("Windsurf config ~/.codeium/windsurf/mcp_config.json"),
        "{}",
        outputs(&assert).1
    );
    // Renaming to a case variant of another name, or of itself, is refused as well.
    for (old, new, message) in [
        ("Remote", "PROD", "differs only in case from \"Prod\""),
        ("Prod", "prod", "differ only in case"),
    ] {
        let assert = home.command().args(["rename", old, new]).assert().code(1);
        let (_, stderr) = outputs(&assert);
        assert!(stderr.contains(message) && stderr.contains("\nhint: "), "{stderr}");
        assert_eq!(home.snapshot_files(), before, "rename {old} {new} changed a file");
    }
    // The same spelling is the same entry: reinstalling it still works.
    with_token(&home, NEW_TOKEN, &["-c", "cursor", "-n", "Prod"]).success();
}

/// Issue 21 (14): `--name=-abc` was written as `serve --profile -abc`, which cannot start; and
/// `apply` took names differing only in case from an entry's, or from each other.
#[test]
fn a_name_starting_with_a_dash_or_a_case_clash_in_a_manifest_is_refused() {
    let home = FakeHome::new();
    with_token(&home, TOKEN, &["-c", "cursor", "-n", "Prod"]).success();
    home.write(
        "project/dash.toml",
        "[servers.-abc]\nworkspace = \"sandbox\"\nclients = [\"cursor\"]\n",
    );
    home.write(
        "project/case.toml",
        "[servers.ok]\nworkspace = \"sandbox\"\nclients = [\"cursor\"]\n\n[servers.prod]\nworkspace = \"sandbox\"\nclients = [\"cursor\"]\n",
    );
    home.write(
        "project/twice.toml",
        "[servers.Dev]\nworkspace = \"sandbox\"\nclients = [\"cursor\"]\n\n[servers.dev]\nworkspace = \"sandbox\"\nclients = [\"claude\"]\n",
    );
    let before = home.snapshot_files();
    let refused = |args: &[&str], wanted: &str| {
        let assert = home
            .command()
            .args(args)
            .write_stdin(format!("{NEW_TOKEN}\n"))
            .assert()
            .failure();
        let (stdout, stderr) = outputs(&assert);
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        // clap's own usage errors end with "try '--help'" rather than a hint.
        let advised = stderr.contains("\nhint: ") || stderr.contains("try '--help'");
        assert!(stderr.contains(wanted) && advised, "{args:?}: {stderr}");
        assert_eq!(home.snapshot_files(), before, "{args:?} changed a file");
    };
    let dash = "not starting with '-'";
    refused(
        &["-w", WORKSPACE_DEV, "--api-token-stdin", "-c", "claude", "--name=-abc"],
        dash,
    );
    refused(&["rename", "Prod", "--", "-abc"], dash);
    refused(&["apply", "--file", "dash.toml"], "dash.toml:1:10: invalid server name");
    refused(
        &["apply", "--file", "case.toml"],
        "case.toml:5:10: the name \"prod\" differs only in case from \"Prod\"",
    );
    refused(
        &["apply", "--file", "twice.toml"],
        "twice.toml:5:10: server \"dev\" differs only in case from \"Dev\" (line 1)",
    );
}

#[test]
fn a_case_clash_with_a_claude_code_project_entry_is_found() {
    // The check reads only the servers' names in ~/.claude.json: every project's, and none
    // from inside a string (a pasted config in the history).
    let home = FakeHome::new();
    home.write(
        ".claude.json",
        r#"{"projects": {"/elsewhere": {"history": [{"display": "{\"mcpServers\": {\"Decoy\": 1}}"}], "mcpServers": {"Local": {"command": "x"}}}}, "mcpServers": {}}"#,
    );
    let before = home.snapshot_files();
    let assert = with_token(&home, TOKEN, &["-c", "cursor", "-n", "local"]).code(1);
    let (stdout, stderr) = outputs(&assert);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("differs only in case from \"Local\" in Claude Code config ~/.claude.json")
            && stderr.contains("\nhint: "),
        "{stderr}"
    );
    assert_eq!(home.snapshot_files(), before);
    with_token(&home, TOKEN, &["-c", "cursor", "-n", "decoy"]).success();
}

#[test]
fn a_dry_run_ends_every_diff_with_a_line_break() {
    // A file without a final line break: the diff's last line is "\ No newline at end of file".
    let home = FakeHome::new();
    home.write(".cursor/mcp.json", "{\n  \"mcpServers\": {}\n}");
    let assert = with_token(&home, NEW_TOKEN, &["-c", "cursor", "--transport", "http", "--dry-run"]).success();
    let (stdout, _) = outputs(&assert);
    assert!(
        stdout.ends_with('\n'),
        "the last diff runs into the next line: {stdout:?}"
    );
    insta::assert_snapshot!("dry_run_file_without_final_newline", home.redact(&stdout));
}

// ---------------------------------------------------------------------------------------------
// adopt: the entries Tray's setup utility (`npx @trayio/tray-mcp`) or hands wrote.

/// A second token, held by the hand-written http entries.
const HTTP_TOKEN: &str = "hand-http-token-7b3e9d1c2a";

/// One client file with a Tray entry written as the seed utility or a hand would: the text
/// before the entry, the entry, the text after it (kept byte for byte by adopt).
struct Seeded {
    file: &'static str,
    head: String,
    entry: String,
    tail: String,
}

fn seeded_files() -> Vec<Seeded> {
    let url = format!("https://{WORKSPACE}.mcp.tray.ai");
    let seeded = |file, head: &str, entry: String, tail: &str| Seeded {
        file,
        head: head.to_string(),
        entry,
        tail: tail.to_string(),
    };
    vec![
        // The seed utility's CLI shape: the token in the args' header line.
        seeded(
            ".cursor/mcp.json",
            "{\n  // my servers\n  \"mcpServers\": {\n    \"other\": {\"command\": \"node\", \"args\": [\"x.js\"], \"env\": {\"KEY\": \"v\"}},\n    ",
            format!(
                "\"tray-workspace\": {{\"command\": \"npx\", \"args\": [\"mcp-remote\", \"{url}\", \"--header\", \"Authorization: Bearer {TOKEN}\"]}}"
            ),
            "\n  }\n}\n",
        ),
        // The token in env, referred to from the header argument.
        seeded(
            ".config/Claude/claude_desktop_config.json",
            "{\"globalShortcut\": \"Ctrl+Space\", \"mcpServers\": {",
            format!(
                "\"tray-workspace\": {{\"command\": \"npx\", \"args\": [\"-y\", \"mcp-remote\", \"{url}\", \"--header\", \"Authorization:${{AUTH_HEADER}}\"], \"env\": {{\"AUTH_HEADER\": \"Bearer {TOKEN}\"}}}}"
            ),
            ", \"fs\": {\"command\": \"mcp-fs\"}}}\n",
        ),
        // A hand-written http entry, in Claude Code's user scope.
        seeded(
            ".claude.json",
            "{\"numStartups\": 7, \"mcpServers\": {",
            format!(
                "\"tray-http\": {{\"url\": \"{url}\", \"headers\": {{\"Authorization\": \"Bearer {HTTP_TOKEN}\"}}}}"
            ),
            "}, \"projects\": {}}\n",
        ),
        seeded(
            ".config/Code/User/mcp.json",
            "{\n  \"servers\": {\n    // hand-written\n    ",
            format!(
                "\"tray-http\": {{\"type\": \"http\", \"url\": \"{url}\", \"headers\": {{\"Authorization\": \"Bearer {HTTP_TOKEN}\"}}}}"
            ),
            "\n  }\n}\n",
        ),
        seeded(
            ".codex/config.toml",
            "# codex config\nmodel = \"o3\"\n\n",
            format!(
                "[mcp_servers.tray-workspace]\ncommand = \"npx\"\nargs = [\"-y\", \"mcp-remote\", \"{url}\", \"--header\", \"Authorization: Bearer {TOKEN}\"]\n"
            ),
            "\n[mcp_servers.docs]\ncommand = \"docs-mcp\"\n",
        ),
    ]
}

fn write_seeded(home: &FakeHome) -> Vec<Seeded> {
    let files = seeded_files();
    for seeded in &files {
        home.write(seeded.file, format!("{}{}{}", seeded.head, seeded.entry, seeded.tail));
    }
    files
}

fn assert_neither_adopted_token(label: &str, text: &str) {
    assert!(
        !text.contains(TOKEN) && !text.contains(HTTP_TOKEN),
        "{label} shows a token:\n{text}"
    );
}

#[test]
fn adopt_turns_seed_bridges_and_http_entries_of_five_clients_into_tray_mcp_entries() {
    let home = FakeHome::new();
    let files = write_seeded(&home);
    let listing = outputs(&home.command().arg("list").assert().success()).0;
    let adoptable = listing
        .lines()
        .filter(|line| line.starts_with("tray-") && line.contains(" adoptable "));
    assert_eq!(adoptable.count(), 5, "{listing}");
    let assert = home.command().arg("adopt").assert().success();
    let (stdout, stderr) = outputs(&assert);
    assert_neither_adopted_token("adopt's output", &format!("{stdout}{stderr}"));
    for seeded in &files {
        let text = home.read(seeded.file);
        assert_neither_adopted_token(seeded.file, &text);
        assert!(
            text.starts_with(&seeded.head) && text.ends_with(&seeded.tail),
            "{}: everything but the entry must stay byte for byte:\n{text}",
            seeded.file
        );
        assert!(
            text.contains("serve") && text.contains("--profile"),
            "{}:\n{text}",
            seeded.file
        );
    }
    for (name, token) in [("tray-workspace", TOKEN), ("tray-http", HTTP_TOKEN)] {
        let profile = home.read(&format!(".config/tray-mcp/profiles/{name}.json"));
        assert!(
            profile.contains(token) && profile.contains(WORKSPACE) && profile.contains("\"gateway\": true"),
            "{name}: {profile}"
        );
    }
    let listing = outputs(&home.command().arg("list").assert().success()).0;
    let rows: Vec<&str> = listing.lines().filter(|line| line.starts_with("tray-")).collect();
    assert_eq!(rows.len(), 5, "{listing}");
    assert!(
        rows.iter()
            .all(|row| row.contains(" stdio ") && row.contains(" profile ")),
        "{listing}"
    );
    assert!(!listing.contains("adoptable"), "{listing}");
    // The tokens left the client files: the backups of those files are scrubbed of them too.
    assert_eq!(backups_holding(&home, TOKEN), Vec::<String>::new());
    assert_eq!(backups_holding(&home, HTTP_TOKEN), Vec::<String>::new());
}

#[test]
fn adopt_finds_claude_code_entries_of_other_projects_and_of_the_project_scope() {
    let home = FakeHome::new();
    let url = format!("https://{WORKSPACE}.mcp.tray.ai");
    let seed = format!(
        "{{\"command\": \"npx\", \"args\": [\"mcp-remote\", \"{url}\", \"--header\", \"Authorization: Bearer {TOKEN}\"]}}"
    );
    home.write(
        ".claude.json",
        format!("{{\"projects\": {{\"/elsewhere\": {{\"allowedTools\": [], \"mcpServers\": {{\"tray-seed\": {seed}}}}}}}}}\n"),
    );
    home.write(
        "project/.mcp.json",
        format!("{{\"mcpServers\": {{\"tray-seed\": {seed}}}}}\n"),
    );
    let assert = home.command().arg("adopt").assert().success();
    assert_no_token(&assert);
    for file in [".claude.json", "project/.mcp.json"] {
        let text = home.read(file);
        assert!(
            !text.contains(TOKEN) && text.contains("\"tray-seed\""),
            "{file}: {text}"
        );
    }
    assert!(home.read(".claude.json").contains("\"allowedTools\": []"));
    assert!(home.read(".config/tray-mcp/profiles/tray-seed.json").contains(TOKEN));
}

#[test]
fn adopt_dry_run_writes_nothing_and_its_diff_shows_no_token() {
    let home = FakeHome::new();
    write_seeded(&home);
    let before = home.snapshot_files();
    let assert = home.command().args(["adopt", "--dry-run"]).assert().success();
    let (stdout, stderr) = outputs(&assert);
    assert!(
        stdout.contains("+++ ~/.cursor/mcp.json") && stdout.contains("[REDACTED]"),
        "{stdout}"
    );
    assert_neither_adopted_token("the dry run's diff", &format!("{stdout}{stderr}"));
    assert_eq!(home.snapshot_files(), before);
}

#[test]
fn adopt_refuses_one_name_with_two_tokens_and_changes_nothing() {
    let home = FakeHome::new();
    write_seeded(&home);
    let url = format!("https://{WORKSPACE}.mcp.tray.ai");
    home.write(
        ".codeium/windsurf/mcp_config.json",
        format!("{{\"mcpServers\": {{\"tray-workspace\": {{\"serverUrl\": \"{url}\", \"headers\": {{\"Authorization\": \"Bearer {NEW_TOKEN}\"}}}}}}}}"),
    );
    let before = home.snapshot_files();
    let assert = home.command().arg("adopt").assert().code(1);
    let (stdout, stderr) = outputs(&assert);
    assert!(
        stderr.contains("hold different tokens") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert!(!format!("{stdout}{stderr}").contains(NEW_TOKEN));
    assert_neither_adopted_token("the refusal", &format!("{stdout}{stderr}"));
    assert_eq!(home.snapshot_files(), before);
    // Naming only the other name adopts it alone.
    home.command().args(["adopt", "tray-http"]).assert().success();
    assert!(!home.read(".claude.json").contains(HTTP_TOKEN));
    assert!(home.read(".cursor/mcp.json").contains(TOKEN));
}

#[test]
fn adopt_leaves_tray_mcps_own_bridge_alone_unless_named() {
    let home = FakeHome::new();
    home.install(&["-c", "windsurf", "--transport", "bridge"]).success();
    let listing = outputs(&home.command().arg("list").assert().success()).0;
    assert!(!listing.contains("adoptable"), "{listing}");
    let before = home.snapshot_files();
    let assert = home.command().arg("adopt").assert().success();
    assert!(outputs(&assert).1.contains("nothing to adopt"));
    assert_eq!(home.snapshot_files(), before);
    home.command().args(["adopt", "tray-workspace"]).assert().success();
    assert!(!home.read(".codeium/windsurf/mcp_config.json").contains(TOKEN));
}

#[test]
fn token_set_rotates_a_seed_bridges_header_line_and_keeps_the_header() {
    let home = FakeHome::new();
    write_seeded(&home);
    home.command()
        .args(["token", "set", "tray-workspace", "--api-token-stdin"])
        .write_stdin(NEW_TOKEN)
        .assert()
        .success();
    let cursor = home.read(".cursor/mcp.json");
    assert!(
        cursor.contains(&format!("\"Authorization: Bearer {NEW_TOKEN}\"")) && !cursor.contains(TOKEN),
        "{cursor}"
    );
}

/// Every file under tray-mcp's backups folder that holds `token`.
fn backups_holding(home: &FakeHome, token: &str) -> Vec<String> {
    home.snapshot_files()
        .into_iter()
        .filter(|(path, bytes)| {
            path.to_string_lossy().contains("/tray-mcp/backups/") && String::from_utf8_lossy(bytes).contains(token)
        })
        .map(|(path, _)| path.display().to_string())
        .collect()
}

/// A rotated, removed or uninstalled inline token does not stay in tray-mcp's backups (before,
/// `original` and the `.bak`s kept every token ever written, for ever): the backups of a file are
/// scrubbed of the secrets a run takes out of it, and `uninstall --all` takes the backups too,
/// saying so.
#[test]
fn backups_keep_no_rotated_removed_or_uninstalled_token() {
    let home = FakeHome::new();
    home.write(
        ".cursor/mcp.json",
        "{\"mcpServers\": {\"mine\": {\"command\": \"m\"}}}\n",
    );
    home.write(".codeium/windsurf/mcp_config.json", "{}\n");
    with_token(&home, TOKEN, &["-c", "cursor,windsurf", "--transport", "http"]).success();
    with_token(&home, TOKEN, &["-c", "cursor", "--transport", "http", "-n", "tray-two"]).success();
    assert!(
        !backups_holding(&home, TOKEN).is_empty(),
        "the second install backs up the first token"
    );
    home.command()
        .args(["token", "set", "tray-workspace", "--api-token-stdin"])
        .write_stdin(format!("{NEW_TOKEN}\n"))
        .assert()
        .success();
    // tray-two still holds the first token in the live file; windsurf's old version was rotated.
    let windsurf: Vec<String> = backups_holding(&home, TOKEN)
        .into_iter()
        .filter(|path| path.contains("windsurf"))
        .collect();
    assert!(windsurf.is_empty(), "a rotated token stays in {windsurf:?}");
    home.command().args(["remove", "tray-two"]).assert().success();
    assert_eq!(
        backups_holding(&home, TOKEN),
        Vec::<String>::new(),
        "a removed token stays"
    );
    // Without TRAY_MCP_INSTALL_DIR, the binary under test is not "the installed one" it deletes.
    let assert = home
        .command()
        .env_remove("TRAY_MCP_INSTALL_DIR")
        .args(["uninstall", "--all"])
        .assert()
        .success();
    let (stdout, stderr) = outputs(&assert);
    assert!(
        format!("{stdout}{stderr}").contains("removed tray-mcp's backups ~/.config/tray-mcp/backups"),
        "{stdout}{stderr}"
    );
    assert!(!home.path(".config/tray-mcp/backups").exists());
    assert_eq!(backups_holding(&home, NEW_TOKEN), Vec::<String>::new());
}
