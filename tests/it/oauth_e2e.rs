//! Sign in with Tray end to end, against a local authorization server and the MCP server it
//! protects (tests/serve_support/fake_oauth.rs): the real `tray-mcp login` browser flow
//! (`$BROWSER` is tests/oauth_browser.py, which follows the redirects unattended), then
//! `serve` with what it stored — tools listed and called with the issued bearer, an access
//! token refreshed after the server refused it and before it expires, a sign-in revoked while
//! `serve` runs answered with the `tray-mcp login NAME` hint — and `logout` revoking it. Once
//! for the Agent Gateway (`login NAME`), once for the Headless MCP (`login NAME --headless`,
//! tools pinned to the entry's workspace). No token, code, verifier or client secret the
//! authorization server handed out or received appears in any output.
//!
//! Needs the Python of scripts/test.sh's tools (`TRAY_MCP_TEST_TOOLS`) for the browser; skipped
//! without it (a failure under CI). Everything listens on 127.0.0.1; proxies point at a dead
//! loopback port.

#![allow(clippy::unwrap_used)]

use crate::support;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::FakeHome;
use support::fake_gateway::{FakeGateway, GatewayBehavior};
use support::fake_oauth::{FakeAuthServer, Protected, SCOPE, protected_mcp, unattended_browser};
use support::serve::{McpProcess, ProxyTrap};

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const API_TOKEN: &str = "tok_live_oauth_e2e_api_5c4b3a";
/// A port nothing listens on: the built-in tools' API and every proxy point there.
const DEAD: &str = "http://127.0.0.1:9";
/// How long one `login`, `list`, `doctor` or `logout` may take.
const COMMAND_LIMIT: Duration = Duration::from_secs(120);

/// Everything a command printed, labelled, for the leak sweep.
#[derive(Default)]
struct Outputs(Vec<(String, String)>);

impl Outputs {
    fn add(&mut self, label: &str, text: impl Into<String>) {
        self.0.push((label.to_string(), text.into()));
    }

    /// None of `secrets` in anything recorded.
    fn assert_no_secret_of(&self, secrets: &[&str]) {
        for (label, text) in &self.0 {
            for secret in secrets {
                assert!(!text.contains(secret), "{label}: {secret} leaked:\n{text}");
            }
        }
    }

    /// No secret of `auth` (nor the API token) in anything recorded.
    fn assert_no_secret(&self, auth: &FakeAuthServer) {
        let mut secrets = auth.secrets();
        secrets.push(API_TOKEN.to_string());
        assert!(secrets.len() > 5, "the sweep has too little to look for: {secrets:?}");
        for (label, text) in &self.0 {
            for secret in &secrets {
                assert!(!text.contains(secret.as_str()), "{label}: {secret} leaked:\n{text}");
            }
        }
    }
}

/// `tray-mcp ARGS` in `home`, reaching only loopback, with `$BROWSER` the unattended browser.
fn command(home: &FakeHome, tools: &Path, args: &[&str]) -> Command {
    let mut command = home.serve_command(args);
    command
        .env("BROWSER", unattended_browser(tools))
        .env("TRAY_API_URL", format!("{DEAD}/rest"))
        .env("TRAY_GRAPHQL_URL", format!("{DEAD}/graphql"))
        .env("HTTPS_PROXY", DEAD)
        .env("HTTP_PROXY", DEAD)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("TRAY_MCP_TOKEN_STORE", "file")
        .env_remove("TRAY_OAUTH_CLIENT_SECRET")
        .env_remove("TRAY_OAUTH_CLIENT_METADATA_URL")
        .stdin(Stdio::null());
    command
}

/// Runs `command` to the end (killed after [`COMMAND_LIMIT`]); records its output as `label`.
fn run(mut command: Command, label: &str, outputs: &mut Outputs) -> Output {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start tray-mcp");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > COMMAND_LIMIT {
            let _ = child.kill();
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let output = child.wait_with_output().expect("output");
    outputs.add(
        label,
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        ),
    );
    output
}

fn text(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

fn sign_in_file(home: &FakeHome, record: &str) -> PathBuf {
    home.home().join(format!(".config/tray-mcp/oauth/{record}.json"))
}

fn profile(home: &FakeHome, name: &str) -> Value {
    let path = home.home().join(format!(".config/tray-mcp/profiles/{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[cfg(unix)]
fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// The sign-in as the authorization server saw it: one client registered with a loopback
/// redirect, one authorization request as the spec wants it, one code exchange whose verifier
/// matched; the record saved 0600 in a 0700 folder.
fn assert_signed_in(protected: &Protected, home: &FakeHome, record: &str, login: &Output) {
    let auth = &protected.auth;
    assert!(login.status.success(), "{}\n{:?}", text(login), auth.violations());
    assert_eq!(auth.violations(), Vec::<String>::new());
    let clients = auth.clients();
    assert_eq!(clients.len(), 1, "{clients:?}");
    assert!(
        clients[0]
            .redirect_uris
            .iter()
            .all(|uri| uri.starts_with("http://127.0.0.1:")),
        "{clients:?}"
    );
    let authorizations = auth.requests_to("/authorize");
    assert_eq!(authorizations.len(), 1, "{authorizations:?}");
    let authorization = &authorizations[0];
    assert_eq!(authorization.param("response_type"), Some("code"));
    assert_eq!(authorization.param("code_challenge_method"), Some("S256"));
    assert_eq!(authorization.param("resource"), Some(protected.mcp.url().as_str()));
    assert_eq!(authorization.param("client_id"), Some(clients[0].id.as_str()));
    assert_eq!(authorization.param("scope"), Some(SCOPE), "the challenge's scope");
    let state = authorization.param("state").unwrap_or_default();
    assert!(state.len() >= 16, "a state worth checking: {state:?}");
    // The authorization server redirected with that state; tray-mcp's listener checked it
    // (a wrong one fails the sign-in: src/oauth/callback.rs) and exchanged the code.
    let exchanges = auth.grants("authorization_code");
    assert_eq!(exchanges.len(), 1, "{exchanges:?}");
    assert_eq!(auth.pkce_verified(), 1, "the verifier matched the S256 challenge");
    let exchange = &exchanges[0];
    assert_eq!(exchange.param("resource"), Some(protected.mcp.url().as_str()));
    assert_eq!(exchange.param("client_id"), Some(clients[0].id.as_str()));
    assert_eq!(exchange.param("redirect_uri"), authorization.param("redirect_uri"));
    // The address the user is shown is the one the browser opened (state and challenge are
    // not secrets; the verifier is, and the sweep looks for it).
    let shown = String::from_utf8_lossy(&login.stderr);
    assert!(shown.contains(&format!("state={state}")), "{}", text(login));

    let file = sign_in_file(home, record);
    assert!(file.exists(), "{}", file.display());
    #[cfg(unix)]
    {
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(file.parent().unwrap()), 0o700);
    }
}

/// The bearer of the last request of `method` the protected server let through.
fn last_accepted_bearer(auth: &FakeAuthServer, method: &str) -> String {
    auth.resource_requests()
        .iter()
        .rev()
        .find(|request| request.accepted && request.method.as_deref() == Some(method))
        .and_then(|request| request.bearer.clone())
        .unwrap_or_else(|| panic!("no {method} got through: {:?}", auth.resource_requests()))
}

/// How many requests the protected server answered 401 although they carried a bearer.
fn refused_bearers(auth: &FakeAuthServer) -> usize {
    auth.resource_requests()
        .iter()
        .filter(|request| !request.accepted && request.bearer.is_some())
        .count()
}

/// Serving a sign-in: the first call carries the issued token; after the server refuses it (an
/// expired token) the call is answered with a refreshed one; a refreshed token about to expire
/// is refreshed before it is sent; after the sign-in is revoked the call says to run `login`.
/// Each step calls `tool` with `arguments`.
fn refresh_and_revoke(protected: &Protected, server: &mut McpProcess, tool: &str, arguments: &Value, login_hint: &str) {
    let auth = &protected.auth;
    let call = |server: &mut McpProcess| server.call_tool(tool, arguments.clone());
    let call = |server: &mut McpProcess| call(server).expect_ok(tool);
    // 1. The token from the code exchange goes out as it is: no refresh.
    call(server);
    let issued = auth.issued();
    assert_eq!(issued.len(), 1, "{issued:?}");
    assert_eq!(last_accepted_bearer(auth, "tools/call"), issued[0].token);
    assert!(auth.grants("refresh_token").is_empty());
    assert_eq!(refused_bearers(auth), 0);

    // 2. The server says it has expired (401): refreshed (the refresh token rotates), the call
    // sent once more with the new token. That one lasts 32 s: 2 s before the 30 s margin.
    auth.set_lifetimes(3600, 32);
    auth.expire_access_tokens();
    call(server);
    let refreshes = auth.grants("refresh_token");
    assert!(!refreshes.is_empty(), "{:?}", auth.requests());
    assert_eq!(
        refreshes[0].param("refresh_token"),
        Some(issued[0].refresh_token.as_str())
    );
    assert_eq!(refreshes[0].param("resource"), Some(protected.mcp.url().as_str()));
    assert_eq!(refused_bearers(auth), 1, "only the expired token was refused");
    let second = auth.issued()[1].clone();
    assert_eq!(second.grant, "refresh_token");
    assert_ne!(last_accepted_bearer(auth, "tools/call"), issued[0].token);

    // 3. Within 30 s of expiring (the server would still take it): refreshed before it is sent.
    auth.set_lifetimes(3600, 3600);
    let ahead = Duration::from_millis(4200).saturating_sub(second.at.elapsed());
    std::thread::sleep(ahead);
    call(server);
    let issued = auth.issued();
    assert!(issued.len() >= 3, "a refresh before expiry: {issued:?}");
    let newest = issued.last().unwrap();
    assert_eq!(newest.grant, "refresh_token");
    assert_eq!(last_accepted_bearer(auth, "tools/call"), newest.token);
    assert_ne!(newest.token, second.token);
    assert_eq!(refused_bearers(auth), 1, "nothing about to expire was sent");
    // Rotation: every refresh spent the refresh token the one before it issued.
    let refreshes = auth.grants("refresh_token");
    for (refresh, previous) in refreshes.iter().zip(&issued) {
        assert_eq!(refresh.param("refresh_token"), Some(previous.refresh_token.as_str()));
    }
    assert_eq!(auth.violations(), Vec::<String>::new());

    // 4. The user revokes the sign-in while `serve` runs: the call is answered with the hint.
    auth.revoke_everything();
    let answer = server
        .call_tool(tool, arguments.clone())
        .expect_error("a call after the sign-in was revoked");
    assert!(answer.contains(&format!("`{login_hint}`")), "{answer}");
    let refused = auth.grants("refresh_token");
    assert_eq!(
        refused.last().map(|grant| grant.status),
        Some(400),
        "a refresh was tried and refused"
    );
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn login_then_serve_calls_the_protected_gateway_refreshes_and_reports_a_revoked_sign_in() {
    let tools = support::test_tools();
    let protected = protected_mcp(Vec::new());
    let auth = &protected.auth;
    let home = FakeHome::new();
    let mut outputs = Outputs::default();
    let gateway = protected.mcp.url();
    let api = support::fake_tray::FakeTray::start(support::fake_tray::Behavior::Normal);
    let with_gateway = |args: &[&str]| {
        let mut command = command(&home, &tools, args);
        command.env("TRAY_GATEWAY_URL", &gateway).envs(api.api_variables());
        command
    };

    let login = run(
        with_gateway(&["login", "e2e", "--workspace-id", WORKSPACE]),
        "login",
        &mut outputs,
    );
    assert_signed_in(&protected, &home, "e2e", &login);
    // login says whom it signed in as, as an install says whose token it is.
    let said = String::from_utf8_lossy(&login.stderr);
    assert!(
        said.contains("note: sign-in of Ada Lovelace (ada@example.com) · us1 · Agent Gateway: 3 tools"),
        "{said}"
    );
    assert_eq!(profile(&home, "e2e")["auth"], "oauth");
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["doctor", "e2e"],
        &["doctor", "e2e", "--json"],
    ] {
        run(with_gateway(args), &args.join(" "), &mut outputs);
    }

    let mut server = McpProcess::start(with_gateway(&["serve", "--profile", "e2e", "--log-level", "trace"]));
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    let names: Vec<&str> = listed["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"))
        .iter()
        .filter_map(|tool| tool["name"].as_str())
        .collect();
    assert!(names.contains(&"send_slack_message"), "the gateway's tools: {names:?}");
    let arguments = json!({"channel": "#e2e", "text": "hi"});
    refresh_and_revoke(
        &protected,
        &mut server,
        "send_slack_message",
        &arguments,
        "tray-mcp login e2e",
    );

    // The user does what the hint says while `serve` runs: a new sign-in (a new client
    // registered), taken up by the running server, and refreshed with that client.
    let again = run(with_gateway(&["login", "e2e"]), "login again", &mut outputs);
    assert!(again.status.success(), "{}", text(&again));
    let new_client = auth.clients().last().unwrap().id.clone();
    server
        .call_tool("send_slack_message", arguments.clone())
        .expect_ok("a call after signing in again");
    let newest = auth.issued().last().unwrap().clone();
    assert_eq!(newest.grant, "authorization_code");
    assert_eq!(last_accepted_bearer(auth, "tools/call"), newest.token);
    auth.expire_access_tokens();
    server
        .call_tool("send_slack_message", arguments.clone())
        .expect_ok("a call after the new token expired");
    let refresh = auth.grants("refresh_token").pop().unwrap();
    assert_eq!(refresh.status, 200, "{:?}", auth.violations());
    assert_eq!(refresh.param("client_id"), Some(new_client.as_str()));
    assert_eq!(refresh.param("refresh_token"), Some(newest.refresh_token.as_str()));
    assert_eq!(
        last_accepted_bearer(auth, "tools/call"),
        auth.issued().last().unwrap().token
    );
    let (_, stderr, stdout) = server.finish_with_stdout();
    outputs.add("serve stderr", stderr);
    outputs.add("serve stdout", stdout.join("\n"));

    let logout = run(with_gateway(&["logout", "e2e"]), "logout", &mut outputs);
    assert!(logout.status.success(), "{}", text(&logout));
    let revoked = auth.revoked();
    assert_eq!(revoked.len(), 1, "{revoked:?}");
    assert_eq!(
        revoked[0],
        auth.issued().last().unwrap().refresh_token,
        "the current refresh token"
    );
    assert!(
        String::from_utf8_lossy(&logout.stderr).contains("revoked the sign-in of e2e"),
        "{}",
        text(&logout)
    );
    assert!(!sign_in_file(&home, "e2e").exists());
    outputs.assert_no_secret(auth);
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn login_headless_then_serve_pins_the_workspace_refreshes_and_reports_a_revoked_sign_in() {
    let tools = support::test_tools();
    let pinned_tool = json!({
        "name": "list_projects",
        "description": "Lists the projects of a workspace.",
        "inputSchema": {
            "type": "object",
            "properties": {"workspaceId": {"type": "string"}, "query": {"type": "string"}},
            "required": ["workspaceId"]
        },
        "annotations": {"readOnlyHint": true}
    });
    let protected = protected_mcp(vec![pinned_tool]);
    let auth = &protected.auth;
    // The entry's gateway takes its API token (no sign-in): only the Headless MCP signs in.
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let home = FakeHome::new();
    let mut outputs = Outputs::default();
    let headless = protected.mcp.url();
    let gateway_url = gateway.url();
    let both = |args: &[&str]| {
        let mut command = command(&home, &tools, args);
        command
            .env("TRAY_HEADLESS_URL", &headless)
            .env("TRAY_GATEWAY_URL", &gateway_url);
        command
    };
    let installed = run(
        both(&[
            "-w",
            WORKSPACE,
            "-t",
            API_TOKEN,
            "-n",
            "e2e",
            "-c",
            "cursor",
            "--gateway",
        ]),
        "install",
        &mut outputs,
    );
    assert!(installed.status.success(), "{}", text(&installed));
    let login = run(both(&["login", "e2e", "--headless"]), "login --headless", &mut outputs);
    assert_signed_in(&protected, &home, "e2e.headless", &login);
    assert_eq!(
        profile(&home, "e2e")["auth"],
        Value::Null,
        "the entry keeps its API token"
    );
    assert!(!sign_in_file(&home, "e2e").exists(), "no gateway sign-in");
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["doctor", "e2e"],
        &["doctor", "e2e", "--json"],
    ] {
        run(both(args), &args.join(" "), &mut outputs);
    }

    let mut server = McpProcess::start(both(&["serve", "--profile", "e2e", "--log-level", "trace"]));
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    let tools_listed = listed["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("{listed}"));
    let tool = |name: &str| tools_listed.iter().find(|tool| tool["name"] == name).cloned();
    let projects = tool("list_projects").unwrap_or_else(|| panic!("list_projects: {listed}"));
    assert_eq!(
        projects["inputSchema"],
        json!({"type": "object", "properties": {"query": {"type": "string"}}}),
        "workspaceId taken out"
    );
    // The Headless MCP's tools that clash with the gateway's are listed with the prefix.
    assert!(tool("headless_send_slack_message").is_some(), "{listed}");
    assert!(tool("send_slack_message").is_some(), "{listed}");
    let arguments = json!({"query": "e2e"});
    refresh_and_revoke(
        &protected,
        &mut server,
        "list_projects",
        &arguments,
        "tray-mcp login e2e --headless",
    );
    let (_, stderr, stdout) = server.finish_with_stdout();
    outputs.add("serve stderr", stderr);
    outputs.add("serve stdout", stdout.join("\n"));
    // Every call reached the Headless MCP with the entry's workspace filled in.
    let calls: Vec<Value> = auth
        .resource_requests()
        .into_iter()
        .filter(|request| request.accepted && request.method.as_deref() == Some("tools/call"))
        .map(|request| request.arguments)
        .collect();
    assert!(calls.len() >= 3, "{calls:?}");
    for arguments in &calls {
        assert_eq!(arguments, &json!({"query": "e2e", "workspaceId": WORKSPACE}));
    }
    // The gateway got the API token, never a bearer of the sign-in.
    for request in gateway.requests() {
        assert_eq!(
            request.header("authorization"),
            Some(format!("Bearer {API_TOKEN}").as_str())
        );
    }

    let logout = run(
        both(&["logout", "e2e", "--headless"]),
        "logout --headless",
        &mut outputs,
    );
    assert!(logout.status.success(), "{}", text(&logout));
    assert_eq!(auth.revoked(), [auth.issued().last().unwrap().refresh_token.clone()]);
    assert!(!sign_in_file(&home, "e2e.headless").exists());
    outputs.assert_no_secret(auth);
}

/// A sign-in revoked before `serve` starts: it starts anyway (a client is never left without a
/// server), and its tool calls answer with the `tray-mcp login NAME` hint after the
/// authorization server refused the refresh.
#[test]
#[ignore = "needs scripts/test.sh"]
fn a_sign_in_revoked_before_serve_starts_answers_tool_calls_with_the_login_hint() {
    let tools = support::test_tools();
    let protected = protected_mcp(Vec::new());
    let auth = &protected.auth;
    let home = FakeHome::new();
    let mut outputs = Outputs::default();
    let gateway = protected.mcp.url();
    let with_gateway = |args: &[&str]| {
        let mut command = command(&home, &tools, args);
        command.env("TRAY_GATEWAY_URL", &gateway);
        command
    };
    let login = run(
        with_gateway(&["login", "e2e", "--workspace-id", WORKSPACE]),
        "login",
        &mut outputs,
    );
    assert_signed_in(&protected, &home, "e2e", &login);
    // login checked the fresh sign-in with the gateway (accepted): only what comes after counts.
    let checked_at_login = auth.resource_requests().len();
    auth.revoke_everything();

    let mut server = McpProcess::start(with_gateway(&["serve", "--profile", "e2e", "--log-level", "trace"]));
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    assert!(listed["result"]["tools"].is_array(), "{listed}");
    let answer = server
        .call_tool("get_authenticated_user", json!({}))
        .expect_error("a built-in tool with a revoked sign-in");
    assert!(answer.contains("`tray-mcp login e2e`"), "{answer}");
    let (_, stderr, stdout) = server.finish_with_stdout();
    outputs.add("serve stderr", stderr);
    outputs.add("serve stdout", stdout.join("\n"));
    let refreshes = auth.grants("refresh_token");
    assert!(
        !refreshes.is_empty() && refreshes.iter().all(|refresh| refresh.status == 400),
        "refreshes tried and refused: {refreshes:?}"
    );
    assert!(
        auth.resource_requests()
            .iter()
            .skip(checked_at_login)
            .all(|request| !request.accepted),
        "nothing got through with the revoked token"
    );
    outputs.assert_no_secret(auth);
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn login_turns_on_the_gateway_of_an_entry_installed_without_it_and_says_so() {
    let tools = support::test_tools();
    let protected = protected_mcp(Vec::new());
    let home = FakeHome::new();
    let mut outputs = Outputs::default();
    let gateway = protected.mcp.url();
    let with_gateway = |args: &[&str]| {
        let mut command = command(&home, &tools, args);
        command.env("TRAY_GATEWAY_URL", &gateway);
        command
    };
    let args = [
        "-w",
        WORKSPACE,
        "-t",
        API_TOKEN,
        "-n",
        "e2e",
        "-c",
        "cursor",
        "--no-gateway",
    ];
    let installed = run(with_gateway(&args), "install --no-gateway", &mut outputs);
    assert!(installed.status.success(), "{}", text(&installed));
    assert_eq!(profile(&home, "e2e")["gateway"], Value::Null, "off: left unsaid");
    let login = run(with_gateway(&["login", "e2e"]), "login", &mut outputs);
    assert_signed_in(&protected, &home, "e2e", &login);
    let said = String::from_utf8_lossy(&login.stderr).to_string();
    assert!(
        said.contains("the Agent Gateway is on for e2e from now on: the sign-in is the gateway's"),
        "{said}"
    );
    assert_eq!(profile(&home, "e2e")["gateway"], json!(true));
    assert_eq!(profile(&home, "e2e")["auth"], json!("oauth"));
    outputs.assert_no_secret(&protected.auth);
}

/// `tray-mcp ARGS` in `home` with `gateway` as the Agent Gateway, without a browser, every proxy
/// at `proxy`, a 2 s wait for the sign-in.
fn without_browser(home: &FakeHome, gateway: &str, proxy: &str, args: &[&str]) -> Command {
    let mut command = home.serve_command(args);
    command
        .env("TRAY_GATEWAY_URL", gateway)
        .env("TRAY_API_URL", format!("{DEAD}/rest"))
        .env("TRAY_GRAPHQL_URL", format!("{DEAD}/graphql"))
        .env("HTTPS_PROXY", proxy)
        .env("HTTP_PROXY", proxy)
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("TRAY_MCP_TOKEN_STORE", "file")
        .env("TRAY_MCP_LOGIN_WAIT_SECS", "2")
        .env_remove("TRAY_OAUTH_CLIENT_SECRET")
        .env_remove("TRAY_OAUTH_CLIENT_METADATA_URL")
        .env_remove("BROWSER")
        .stdin(Stdio::null());
    command
}

/// A home with the entry `e2e` installed for `protected`'s gateway.
fn installed_home(protected: &Protected, outputs: &mut Outputs) -> FakeHome {
    let home = FakeHome::new();
    let args = ["-w", WORKSPACE, "-t", API_TOKEN, "-n", "e2e", "-c", "cursor"];
    let installed = run(
        without_browser(&home, &protected.mcp.url(), DEAD, &args),
        "install",
        outputs,
    );
    assert!(installed.status.success(), "{}", text(&installed));
    home
}

/// `login e2e --no-browser` against `protected`, every proxy at `trap`: needs no browser,
/// because it must stop before one would be sent anywhere.
fn login_refused(protected: &Protected, trap: &ProxyTrap, outputs: &mut Outputs, label: &str) -> (FakeHome, Output) {
    let home = installed_home(protected, outputs);
    let command = without_browser(
        &home,
        &protected.mcp.url(),
        trap.url(),
        &["login", "e2e", "--no-browser"],
    );
    let login = run(command, label, outputs);
    (home, login)
}

#[test]
fn idle_connections_to_the_redirect_listener_do_not_stretch_login_s_wait() {
    use std::io::{BufRead as _, BufReader};
    let protected = protected_mcp(Vec::new());
    let mut outputs = Outputs::default();
    let home = installed_home(&protected, &mut outputs);
    let mut login = without_browser(&home, &protected.mcp.url(), DEAD, &["login", "e2e", "--no-browser"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start login");
    let mut stderr = BufReader::new(login.stderr.take().expect("stderr"));
    let mut said = String::new();
    let port = loop {
        let mut line = String::new();
        assert!(
            stderr.read_line(&mut line).expect("stderr") > 0,
            "no authorization URL: {said}"
        );
        said.push_str(&line);
        if let Some(url) = line.trim().strip_prefix("http://").map(|rest| format!("http://{rest}"))
            && let Ok(url) = reqwest::Url::parse(&url)
            && let Some((_, redirect)) = url.query_pairs().find(|(key, _)| key == "redirect_uri")
        {
            break reqwest::Url::parse(&redirect).unwrap().port().unwrap();
        }
    };
    let started = Instant::now();
    // Any local process may connect and send nothing; here one every 50 ms until login ends.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flooding = std::sync::Arc::clone(&stop);
    let flood = std::thread::spawn(move || {
        let mut idle = Vec::new();
        while !flooding.load(std::sync::atomic::Ordering::SeqCst) && idle.len() < 400 {
            if let Ok(stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
                idle.push(stream);
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    });
    let status = loop {
        if let Some(status) = login.try_wait().expect("wait") {
            break status;
        }
        if started.elapsed() > COMMAND_LIMIT {
            let _ = login.kill();
            break login.wait().expect("wait");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let took = started.elapsed();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    flood.join().expect("flood");
    std::io::Read::read_to_string(&mut stderr, &mut said).expect("stderr");
    assert_eq!(status.code(), Some(1), "{said}");
    assert!(said.contains("did not come back within 2 s"), "{said}");
    // The 2 s wait, give or take start-up: far from the 5 s each idle connection used to hold.
    assert!(took < Duration::from_secs(6), "login took {took:?} for a 2 s wait");
    assert!(!sign_in_file(&home, "e2e").exists());
    assert!(protected.auth.requests_to("/token").is_empty());
}

#[test]
fn login_refuses_plain_http_authorization_endpoints_on_another_host_before_any_secret_goes_out() {
    const ELSEWHERE: &str = "http://auth.example.test";
    type Twist = fn(&FakeAuthServer);
    let cases: [(&str, Twist); 5] = [
        ("token endpoint", |auth| {
            auth.advertise("token_endpoint", "http://auth.example.test/token")
        }),
        ("authorization endpoint", |auth| {
            auth.advertise("authorization_endpoint", "http://auth.example.test/authorize")
        }),
        ("registration endpoint", |auth| {
            auth.advertise("registration_endpoint", "http://auth.example.test/register")
        }),
        ("revocation endpoint", |auth| {
            auth.advertise("revocation_endpoint", "http://auth.example.test/revoke")
        }),
        ("authorization server", |auth| auth.advertise_issuer(ELSEWHERE)),
    ];
    for (case, twist) in cases {
        let protected = protected_mcp(Vec::new());
        let trap = ProxyTrap::start();
        twist(&protected.auth);
        let mut outputs = Outputs::default();
        let (home, login) = login_refused(&protected, &trap, &mut outputs, case);
        let said = text(&login);
        assert_eq!(login.status.code(), Some(1), "{case}: {said}");
        assert!(
            said.contains("is not HTTPS") && said.contains(ELSEWHERE) && said.contains("hint:"),
            "{case}: {said}"
        );
        assert!(
            !said.contains("/authorize?"),
            "{case}: an authorization URL was shown: {said}"
        );
        let auth = &protected.auth;
        for path in ["/register", "/authorize", "/token"] {
            assert!(
                auth.requests_to(path).is_empty(),
                "{case}: {path} was asked: {:?}",
                auth.requests()
            );
        }
        assert!(auth.clients().is_empty(), "{case}: a client secret was handed out");
        assert_eq!(
            trap.received(),
            Vec::<String>::new(),
            "{case}: something left the machine"
        );
        assert!(!sign_in_file(&home, "e2e").exists(), "{case}: a sign-in was saved");
        outputs.assert_no_secret_of(&[API_TOKEN]);
    }
}
