//! `install --sign-in`: stdio entries whose profile signs in with Tray (OAuth), no token
//! anywhere; the browser sign-in runs before any file is written. The real binary against a
//! fake home, a local authorization server and the MCP server it protects
//! (tests/it/support/fake_oauth.rs: PKCE, resource and redirect checked; it can also refuse
//! consent) and a `$BROWSER` that follows its redirect (tests/oauth_browser.py on the pinned
//! Python).

use crate::support;

use std::path::Path;

use support::fake_oauth::{Protected, protected_mcp, unattended_browser};
use support::{FakeHome, TOKEN, WORKSPACE, outputs};

/// The sign-in file of `name` (tests keep sign-ins in files, never the OS keychain).
const SIGN_IN: &str = ".config/tray-mcp/oauth/prod.json";
const PROFILE: &str = ".config/tray-mcp/profiles/prod.json";
/// Anything but loopback goes to a dead proxy: the tests never reach the internet.
const NO_INTERNET: [(&str, &str); 3] = [
    ("HTTPS_PROXY", "http://127.0.0.1:9"),
    ("HTTP_PROXY", "http://127.0.0.1:9"),
    ("NO_PROXY", "127.0.0.1,localhost"),
];

/// The access and refresh tokens of the Headless MCP sign-ins `list` is shown.
const HEADLESS_SECRETS: [&str; 2] = ["headless-access-3c9e1f7a", "headless-refresh-8b2d6e4c"];

/// `$BROWSER`: the unattended one from the pinned tools.
fn browser() -> String {
    unattended_browser(&support::test_tools())
}

/// `tray-mcp -w WORKSPACE -n prod --sign-in <args>` against `server` with the following
/// browser.
fn sign_in_install(home: &FakeHome, server: &Protected, browser: &str, args: &[&str]) -> assert_cmd::Command {
    let mut command = home.command();
    command
        .args(["-w", WORKSPACE, "-n", "prod", "--sign-in"])
        .args(args)
        .env("TRAY_GATEWAY_URL", server.mcp.url())
        .env("BROWSER", browser)
        .envs(NO_INTERNET)
        .timeout(std::time::Duration::from_secs(120));
    command
}

/// Panics if any of `secrets` (what the authorization server handed out or received), a
/// Headless MCP token, or the test API token is in `text`.
fn assert_no_secret(label: &str, text: &str, secrets: &[String]) {
    let fixed = HEADLESS_SECRETS.iter().chain([&TOKEN]).map(|secret| secret.to_string());
    for secret in secrets.iter().cloned().chain(fixed) {
        assert!(!text.contains(&secret), "{label}: {secret} leaked:\n{text}");
    }
}

fn assert_quiet(label: &str, assert: &assert_cmd::assert::Assert, secrets: &[String]) {
    let (stdout, stderr) = outputs(assert);
    assert_no_secret(&format!("{label} stdout"), &stdout, secrets);
    assert_no_secret(&format!("{label} stderr"), &stderr, secrets);
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).expect("metadata").permissions().mode() & 0o777
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn a_sign_in_install_writes_stdio_entries_with_no_token_and_a_private_sign_in() {
    let browser = browser();
    let server = protected_mcp(Vec::new());
    let home = FakeHome::new();
    let api = support::fake_tray::FakeTray::start(support::fake_tray::Behavior::Normal);
    let assert = sign_in_install(&home, &server, &browser, &["-c", "claude,cursor"])
        .envs(api.api_variables())
        .assert()
        .success();
    assert_quiet("install --sign-in", &assert, &server.auth.secrets());
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("Sign in to Tray for prod"), "{stderr}");
    assert!(
        stderr.contains(&format!("signed prod in to {}", server.mcp.url())),
        "{stderr}"
    );
    assert_eq!(server.auth.authorizations(), 1);
    // The sign-in is checked as a token is: whose it is, and the gateway's tools.
    assert!(
        stderr.contains("note: sign-in of Ada Lovelace (ada@example.com) · us1 · Agent Gateway: 3 tools"),
        "{stderr}"
    );
    for (name, file) in [
        ("claude", ".config/Claude/claude_desktop_config.json"),
        ("cursor", ".cursor/mcp.json"),
    ] {
        let text = home.read(file);
        assert_no_secret(file, &text, &server.auth.secrets());
        insta::assert_snapshot!(format!("sign_in_{name}"), home.redact(&text));
    }
    let profile = home.read(PROFILE);
    assert_no_secret("profile", &profile, &server.auth.secrets());
    insta::assert_snapshot!("sign_in_profile", home.redact(&profile));
    // The tokens are in the sign-in file, readable only by the user.
    let sign_in = home.read(SIGN_IN);
    let issued = server.auth.issued();
    assert!(
        sign_in.contains(&issued[0].refresh_token),
        "the sign-in holds the refresh token"
    );
    #[cfg(unix)]
    assert_eq!(mode(&home.path(SIGN_IN)), 0o600);

    // Installing again keeps the sign-in: no second trip to the browser.
    let again = sign_in_install(&home, &server, &browser, &["-c", "claude,cursor"])
        .assert()
        .success();
    assert_quiet("install --sign-in again", &again, &server.auth.secrets());
    assert!(outputs(&again).1.contains("already signed in"), "{}", outputs(&again).1);
    assert_eq!(server.auth.authorizations(), 1);

    let listed = home.command().arg("list").assert().success();
    assert_quiet("list", &listed, &server.auth.secrets());
    insta::assert_snapshot!("sign_in_list", home.redact(&outputs(&listed).0));
    let json = home.command().args(["list", "--json"]).assert().success();
    let value: serde_json::Value = serde_json::from_str(&outputs(&json).0).expect("json");
    for entry in value["entries"].as_array().expect("entries") {
        assert_eq!(entry["token_store"], "oauth", "{entry}");
        assert_eq!(entry["headless_sign_in"], serde_json::Value::Null, "{entry}");
    }
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn a_refused_sign_in_leaves_every_file_as_it_was() {
    let browser = browser();
    let server = protected_mcp(Vec::new());
    server.auth.deny_consent();
    let home = FakeHome::new();
    // A token entry of the same name, and someone else's server in Cursor's file.
    home.install(&["-n", "prod", "-c", "claude"]).success();
    home.write(
        ".cursor/mcp.json",
        "{\n  // mine\n  \"mcpServers\": {\"other\": {\"command\": \"x\"}}\n}\n",
    );
    let before = home.snapshot_files();
    let assert = sign_in_install(&home, &server, &browser, &["-c", "claude,cursor"])
        .assert()
        .code(1);
    assert_quiet("refused sign-in", &assert, &server.auth.secrets());
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("access_denied"), "{stderr}");
    assert!(stderr.contains("hint:"), "{stderr}");
    // The server's description, without its escape sequences and line break.
    assert!(
        stderr.contains("access_denied: the user refused  line two"),
        "{stderr:?}"
    );
    assert!(!stderr.contains('\u{1b}') && !stderr.contains("pwned"), "{stderr:?}");
    assert_eq!(server.auth.authorizations(), 1, "the browser was sent to sign in");
    assert_eq!(home.snapshot_files(), before, "a file changed");
    assert!(!home.path(SIGN_IN).exists());
}

#[test]
fn an_abandoned_sign_in_leaves_every_file_as_it_was() {
    // The browser opens (and exits) but never comes back to tray-mcp's listener.
    let server = protected_mcp(Vec::new());
    let home = FakeHome::new();
    home.install(&["-n", "prod", "-c", "cursor"]).success();
    let before = home.snapshot_files();
    let assert = sign_in_install(&home, &server, "true", &["-c", "claude,cursor"])
        .env("TRAY_MCP_LOGIN_WAIT_SECS", "1")
        .assert()
        .code(1);
    assert_quiet("abandoned sign-in", &assert, &server.auth.secrets());
    let (_, stderr) = outputs(&assert);
    assert!(stderr.contains("did not come back within"), "{stderr}");
    assert_eq!(server.auth.authorizations(), 0, "the browser never went");
    assert_eq!(home.snapshot_files(), before, "a file changed");
}

#[test]
fn sign_in_with_a_token_another_transport_or_the_sandbox_is_a_usage_error() {
    let home = FakeHome::new();
    let workspace = ["-w", WORKSPACE, "--sign-in", "-c", "cursor"];
    for (label, extra, stdin) in [
        ("--api-token", &["--api-token", TOKEN][..], ""),
        ("--api-token-stdin", &["--api-token-stdin"][..], TOKEN),
        ("--transport http", &["--transport", "http"][..], ""),
        ("--transport bridge", &["--transport", "bridge"][..], ""),
        ("--token-from-env", &["--token-from-env", "--transport", "http"][..], ""),
        ("--sandbox", &["--sandbox"][..], ""),
    ] {
        let args: Vec<&str> = if label == "--sandbox" {
            vec!["--sign-in", "--sandbox", "-c", "cursor"]
        } else {
            workspace.iter().chain(extra).copied().collect()
        };
        let assert = home
            .command()
            .args(&args)
            .env("TRAY_GATEWAY_URL", "http://127.0.0.1:9/")
            .write_stdin(stdin)
            .assert()
            .code(2);
        assert_quiet(label, &assert, &[]);
        let (_, stderr) = outputs(&assert);
        assert!(stderr.contains("--sign-in"), "{label}: {stderr}");
        assert!(stderr.contains("hint: "), "{label}: {stderr}");
    }
    // --headless: the client signs in itself.
    home.command()
        .args(["--headless", "--sign-in", "-c", "cursor"])
        .assert()
        .code(2);
    assert!(home.snapshot_files().is_empty(), "a file was written");
    // TRAY_API_TOKEN in the environment is not this entry's: --sign-in ignores it.
    home.command()
        .args(["-w", WORKSPACE, "-n", "prod", "--sign-in", "-c", "cursor", "--dry-run"])
        .env("TRAY_API_TOKEN", TOKEN)
        .assert()
        .success();
}

#[test]
fn a_dry_run_shows_the_plan_without_signing_in() {
    let server = protected_mcp(Vec::new());
    let home = FakeHome::new();
    // No working browser: a dry run must not need one.
    let assert = sign_in_install(&home, &server, "false", &["-c", "cursor", "--dry-run"])
        .assert()
        .success();
    assert_quiet("dry run", &assert, &server.auth.secrets());
    let (stdout, stderr) = outputs(&assert);
    assert!(stdout.contains("\"auth\": \"oauth\""), "{stdout}");
    assert!(stderr.contains("prod is not signed in yet"), "{stderr}");
    assert_eq!(server.auth.authorizations(), 0);
    assert!(home.snapshot_files().is_empty(), "a file was written");
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn signing_in_over_a_token_profile_forgets_its_token() {
    let browser = browser();
    let server = protected_mcp(Vec::new());
    let home = FakeHome::new();
    home.install(&["-n", "prod", "-c", "cursor"]).success();
    assert!(home.read(PROFILE).contains(TOKEN));
    let dry = sign_in_install(&home, &server, &browser, &["-c", "cursor", "--dry-run"])
        .assert()
        .success();
    assert_quiet("dry run over a token profile", &dry, &server.auth.secrets());
    assert!(
        outputs(&dry).1.contains("its API token is forgotten"),
        "{}",
        outputs(&dry).1
    );
    let assert = sign_in_install(&home, &server, &browser, &["-c", "cursor"])
        .assert()
        .success();
    assert_quiet("sign in over a token profile", &assert, &server.auth.secrets());
    let profile = home.read(PROFILE);
    assert!(!profile.contains(TOKEN), "{profile}");
    assert!(profile.contains("\"auth\": \"oauth\""), "{profile}");
    // And back: installing with a token makes it a token profile again. The sign-in, unused
    // now, is kept (said so) until `logout` forgets it.
    let back = home.install(&["-n", "prod", "-c", "cursor"]).success();
    assert!(!home.read(PROFILE).contains("oauth"));
    assert!(
        outputs(&back)
            .1
            .contains("its Tray sign-in is kept, unused, until `tray-mcp logout prod`"),
        "{}",
        outputs(&back).1
    );
    let sign_in = home.path(SIGN_IN);
    assert!(sign_in.exists());
    let mut logout = home.command();
    logout.args(["logout", "prod"]).envs(NO_INTERNET);
    let logged_out = logout.assert().success();
    assert_quiet(
        "logout of a token profile's old sign-in",
        &logged_out,
        &server.auth.secrets(),
    );
    assert!(!sign_in.exists());
    assert!(home.read(PROFILE).contains(TOKEN), "the token stays");
}

/// A Headless MCP sign-in record of `name`, as `login NAME --headless` stores it; `fresh`:
/// refreshable, else expired with no refresh token.
fn write_headless_sign_in(home: &FakeHome, name: &str, fresh: bool) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_secs());
    let mut token = serde_json::json!({
        "access_token": HEADLESS_SECRETS[0],
        "token_type": "bearer",
        "expires_in": 60,
    });
    if fresh {
        token["refresh_token"] = HEADLESS_SECRETS[1].into();
    }
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
            "token_response": token,
            "granted_scopes": [],
            "token_received_at": if fresh { now } else { now - 3600 },
            "issuer": "http://127.0.0.1:9",
        },
    });
    home.write(
        &format!(".config/tray-mcp/oauth/{name}.headless.json"),
        sign_in.to_string(),
    );
}

#[test]
fn list_marks_a_headless_mcp_sign_in_and_one_that_needs_login() {
    let home = FakeHome::new();
    home.install(&["-n", "fresh", "-c", "cursor"]).success();
    home.install(&["-n", "stale", "-c", "cursor"]).success();
    home.install(&["-n", "plain", "-c", "cursor"]).success();
    write_headless_sign_in(&home, "fresh", true);
    write_headless_sign_in(&home, "stale", false);
    let listed = home.command().arg("list").assert().success();
    assert_quiet("list", &listed, &[]);
    insta::assert_snapshot!("headless_list", home.redact(&outputs(&listed).0));
    let json = home.command().args(["list", "--json"]).assert().success();
    assert_quiet("list --json", &json, &[]);
    let value: serde_json::Value = serde_json::from_str(&outputs(&json).0).expect("json");
    let mut marks: Vec<(String, serde_json::Value)> = value["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|entry| {
            (
                entry["name"].as_str().unwrap_or_default().to_string(),
                entry["headless_sign_in"].clone(),
            )
        })
        .collect();
    marks.sort_by(|first, second| first.0.cmp(&second.0));
    assert_eq!(
        marks,
        [
            ("fresh".to_string(), "oauth".into()),
            ("plain".to_string(), serde_json::Value::Null),
            ("stale".to_string(), "oauth-login-needed".into()),
        ]
    );
}

/// The whole path a user takes: `install --sign-in` against the fuller fake authorization
/// server (PKCE, `resource` and the redirect checked), then the entry's own command — `serve
/// --profile prod` — lists and calls the protected gateway's tools with the signed-in bearer.
#[test]
#[ignore = "needs scripts/test.sh"]
fn an_installed_sign_in_entry_serves_the_protected_gateway_tools() {
    let browser = browser();
    let protected = protected_mcp(Vec::new());
    let home = FakeHome::new();
    let gateway = protected.mcp.url();
    let assert = home
        .command()
        .args(["-w", WORKSPACE, "-n", "prod", "--sign-in", "-c", "cursor"])
        .env("TRAY_GATEWAY_URL", &gateway)
        .env("BROWSER", &browser)
        .envs(NO_INTERNET)
        .timeout(std::time::Duration::from_secs(120))
        .assert()
        .success();
    let secrets = protected.auth.secrets();
    let (stdout, stderr) = outputs(&assert);
    for secret in &secrets {
        assert!(
            !stdout.contains(secret) && !stderr.contains(secret),
            "{secret} leaked:\n{stdout}{stderr}"
        );
        assert!(!home.read(".cursor/mcp.json").contains(secret));
        assert!(!home.read(PROFILE).contains(secret));
    }
    assert!(
        protected.auth.violations().is_empty(),
        "{:?}",
        protected.auth.violations()
    );
    assert_eq!(protected.auth.pkce_verified(), 1);

    // The entry's own command line, as Cursor would run it.
    let cursor: serde_json::Value = serde_json::from_str(&home.read(".cursor/mcp.json")).expect("json");
    let args: Vec<String> = cursor["mcpServers"]["prod"]["args"]
        .as_array()
        .expect("args")
        .iter()
        .filter_map(|arg| arg.as_str().map(str::to_string))
        .collect();
    assert_eq!(args, ["serve", "--profile", "prod"]);
    let mut command = home.std_command();
    command
        .args(&args)
        .env("TRAY_GATEWAY_URL", &gateway)
        .env("TRAY_API_URL", "http://127.0.0.1:9/rest")
        .env("TRAY_GRAPHQL_URL", "http://127.0.0.1:9/graphql")
        .envs(NO_INTERNET);
    let mut server = support::serve::McpProcess::start(command);
    server.initialize();
    let listed = server.request("tools/list", serde_json::json!({}));
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    assert!(names.contains(&"send_slack_message"), "the gateway's tools: {names:?}");
    server
        .call_tool(
            "send_slack_message",
            serde_json::json!({"channel": "#e2e", "text": "hi"}),
        )
        .expect_ok("a gateway call with the signed-in bearer");
    let (_, log) = server.finish();
    for secret in &secrets {
        assert!(!log.contains(secret), "{secret} in serve's log");
    }
}
