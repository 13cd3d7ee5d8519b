//! A signed-in profile (`tray-mcp login` wrote it; here a fixture) served by `tray-mcp serve`:
//! the access token goes to the Agent Gateway and to Tray's API (the built-in tools), an
//! expiring one is refreshed first at a local token endpoint (and the new tokens saved, 0600),
//! also in the middle of a session, and after a 401; a revoked refresh token never stops
//! `serve` from starting: every tool call that needs Tray answers with `tray-mcp login NAME`,
//! and nothing is sent with the dead token. `list`, `doctor` (also `--online`) and `logout`
//! report and forget the sign-in. No token or secret appears in any output, even with
//! `--log-level trace` or `RUST_LOG=trace`. Everything listens on 127.0.0.1.

#![allow(clippy::unwrap_used)]

use crate::support;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use support::FakeHome;
use support::fake_gateway::{FakeGateway, GatewayBehavior};
use support::fake_tray::{Behavior, FakeTray};
use support::serve::{McpProcess, ProxyTrap};

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const OLD_ACCESS: &str = "oauth-access-old-5b2c";
const OLD_REFRESH: &str = "oauth-refresh-old-7d1e";
const NEW_ACCESS: &str = "oauth-access-new-9f3a";
const NEW_REFRESH: &str = "oauth-refresh-new-2c8b";
const CLIENT_SECRET: &str = "oauth-client-secret-4e6f";
const SECRETS: [&str; 5] = [OLD_ACCESS, OLD_REFRESH, NEW_ACCESS, NEW_REFRESH, CLIENT_SECRET];

/// A token endpoint on 127.0.0.1: answers every POST with `answer`, and records the bodies.
struct TokenEndpoint {
    url: String,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl TokenEndpoint {
    fn start(status: u16, answer: Value) -> TokenEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/token", listener.local_addr().unwrap());
        let bodies = Arc::new(Mutex::new(Vec::new()));
        let recorded = Arc::clone(&bodies);
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { break };
                let mut request = Vec::new();
                let mut buffer = [0u8; 4096];
                // Head, then as much body as Content-Length says.
                loop {
                    let read = stream.read(&mut buffer).unwrap_or(0);
                    request.extend_from_slice(&buffer[..read]);
                    let text = String::from_utf8_lossy(&request).to_string();
                    if let Some((head, body)) = text.split_once("\r\n\r\n") {
                        let length = head
                            .lines()
                            .find_map(|line| {
                                line.to_ascii_lowercase()
                                    .strip_prefix("content-length:")
                                    .map(str::to_string)
                            })
                            .and_then(|value| value.trim().parse::<usize>().ok())
                            .unwrap_or(0);
                        if body.len() >= length {
                            recorded.lock().unwrap().push(body.to_string());
                            break;
                        }
                    }
                    if read == 0 {
                        break;
                    }
                }
                let body = answer.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                    body.len()
                );
            }
        });
        TokenEndpoint { url, bodies }
    }

    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }
}

fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign_in_path(home: &FakeHome) -> PathBuf {
    home.home().join(".config/tray-mcp/oauth/signed.json")
}

/// A profile that signs in by OAuth, and its sign-in: tokens received `age` seconds ago that
/// last `lifetime` seconds, from a token endpoint at `token_url`.
fn signed_in_home(gateway_url: &str, token_url: &str, age: u64, lifetime: u64) -> FakeHome {
    let home = FakeHome::new();
    // The entry as install writes it (with a token), then signed in: the profile says OAuth.
    let installed = home
        .serve_command(&[
            "-w",
            WORKSPACE,
            "-t",
            "tok_install_only",
            "-n",
            "signed",
            "-c",
            "cursor",
        ])
        .output()
        .unwrap();
    assert!(
        installed.status.success(),
        "{}",
        String::from_utf8_lossy(&installed.stderr)
    );
    home.write_profile(
        "signed",
        &json!({"workspace_id": WORKSPACE, "gateway": true, "auth": "oauth"}),
    );
    let sign_in = json!({
        "resource": gateway_url,
        "metadata": {
            "issuer": "http://127.0.0.1:9",
            "authorization_endpoint": "http://127.0.0.1:9/authorize",
            "token_endpoint": token_url,
            "revocation_endpoint": "http://127.0.0.1:9/revoke",
            "token_endpoint_auth_methods_supported": ["client_secret_post"],
        },
        "client_id": "tray-mcp-test-client",
        "client_secret": CLIENT_SECRET,
        "credentials": {
            "client_id": "tray-mcp-test-client",
            "token_response": {
                "access_token": OLD_ACCESS,
                "token_type": "bearer",
                "expires_in": lifetime,
                "refresh_token": OLD_REFRESH,
            },
            "granted_scopes": ["mcp"],
            "token_received_at": now() - age,
            "issuer": "http://127.0.0.1:9",
        },
    });
    let path = sign_in_path(&home);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, serde_json::to_string_pretty(&sign_in).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    home
}

fn serve(home: &FakeHome, gateway: &FakeGateway) -> McpProcess {
    let mut command = home.serve_command(&["serve", "--profile", "signed", "--log-level", "trace"]);
    command
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_API_URL", "http://127.0.0.1:9/rest")
        .env("TRAY_GRAPHQL_URL", "http://127.0.0.1:9/graphql")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1");
    McpProcess::start(command)
}

/// `serve --profile signed` with `gateway` as the Agent Gateway and `tray` as Tray's API,
/// logging everything: with `RUST_LOG=trace` when `rust_log`, else `--log-level trace`.
fn serve_against(home: &FakeHome, gateway: &FakeGateway, tray: &FakeTray, rust_log: bool) -> McpProcess {
    let mut command = if rust_log {
        let mut command = home.serve_command(&["serve", "--profile", "signed"]);
        command.env("RUST_LOG", "trace");
        command
    } else {
        home.serve_command(&["serve", "--profile", "signed", "--log-level", "trace"])
    };
    command
        .env("TRAY_GATEWAY_URL", gateway.url())
        .envs(tray.api_variables())
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1");
    McpProcess::start(command)
}

/// Moves the stored sign-in's tokens back in time: as if they had been received `age`
/// seconds ago (what an hour of serving does to them; `serve` reads the store's tokens on
/// every request).
fn age_sign_in(home: &FakeHome, age: u64) {
    let path = sign_in_path(home);
    let mut sign_in: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    sign_in["credentials"]["token_received_at"] = json!(now() - age);
    std::fs::write(&path, serde_json::to_string_pretty(&sign_in).unwrap()).unwrap();
}

/// The `Authorization` headers Tray's API received, from the `from`-th request on.
fn api_bearers(tray: &FakeTray, from: usize) -> Vec<String> {
    tray.requests()
        .iter()
        .skip(from)
        .map(|request| request.authorization.clone().unwrap_or_default())
        .collect()
}

fn tool_names(listed: &Value) -> Vec<String> {
    listed["result"]["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no tools: {listed}"))
        .iter()
        .filter_map(|tool| tool["name"].as_str().map(str::to_string))
        .collect()
}

fn assert_no_secret(label: &str, text: &str) {
    for secret in SECRETS {
        assert!(!text.contains(secret), "{label}: {secret} leaked:\n{text}");
    }
}

fn bearers(gateway: &FakeGateway) -> Vec<String> {
    gateway
        .requests()
        .iter()
        .filter_map(|request| request.header("authorization").map(str::to_string))
        .collect()
}

#[test]
fn serve_sends_the_access_token_and_refreshes_one_about_to_expire() {
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let endpoint = TokenEndpoint::start(
        200,
        json!({"access_token": NEW_ACCESS, "token_type": "Bearer", "expires_in": 3600, "refresh_token": NEW_REFRESH}),
    );
    // Still valid for an hour: sent as it is, no refresh.
    let home = signed_in_home(&gateway.url(), &endpoint.url, 0, 3600);
    let mut server = serve(&home, &gateway);
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    assert!(
        listed.to_string().contains("run_workflow") || listed["result"]["tools"].is_array(),
        "{listed}"
    );
    let (_, stderr) = server.finish();
    assert_no_secret("serve", &stderr);
    assert!(endpoint.bodies().is_empty(), "{:?}", endpoint.bodies());
    assert!(
        bearers(&gateway)
            .iter()
            .all(|bearer| bearer == &format!("Bearer {OLD_ACCESS}"))
    );
    assert!(!bearers(&gateway).is_empty());

    // 10 s left (under the 30 s margin): refreshed first, the new token sent and saved.
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let home = signed_in_home(&gateway.url(), &endpoint.url, 3590, 3600);
    let mut server = serve(&home, &gateway);
    server.initialize();
    server.request("tools/list", json!({}));
    let (_, stderr) = server.finish();
    assert_no_secret("serve, refreshing", &stderr);
    let bodies = endpoint.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(
        bodies[0].contains("grant_type=refresh_token")
            && bodies[0].contains(&format!("refresh_token={OLD_REFRESH}"))
            && bodies[0].contains("resource="),
        "{}",
        bodies[0]
    );
    let sent = bearers(&gateway);
    assert!(
        !sent.is_empty() && sent.iter().all(|bearer| bearer == &format!("Bearer {NEW_ACCESS}")),
        "{sent:?}"
    );
    let saved = std::fs::read_to_string(sign_in_path(&home)).unwrap();
    assert!(saved.contains(NEW_ACCESS) && saved.contains(NEW_REFRESH) && !saved.contains(OLD_ACCESS));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(sign_in_path(&home)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
    }
}

#[test]
fn a_revoked_refresh_token_sends_the_user_to_tray_mcp_login() {
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let tray = FakeTray::start(Behavior::Normal);
    let endpoint = TokenEndpoint::start(
        400,
        json!({"error": "invalid_grant", "error_description": "refresh token revoked"}),
    );
    // Expired an hour ago; the refresh is refused. serve starts all the same.
    let home = signed_in_home(&gateway.url(), &endpoint.url, 7200, 3600);
    let mut server = serve_against(&home, &gateway, &tray, false);
    server.initialize();
    let names = tool_names(&server.request("tools/list", json!({})));
    for builtin in ["get_authenticated_user", "list_workflows", "list_available_connectors"] {
        assert!(names.iter().any(|name| name == builtin), "{builtin} not in {names:?}");
    }
    for tool in ["list_workflows", "get_authenticated_user"] {
        let text = server.call_tool(tool, json!({})).expect_error(tool);
        assert!(
            text.contains("the sign-in of signed")
                && text.contains("refused its refresh token")
                && text.contains("\nhint: run `tray-mcp login signed`"),
            "{tool}: {text}"
        );
    }
    // The Agent Gateway's tools: its connection needed the same sign-in; a call says so.
    let text = server
        .call_tool("send_slack_message", json!({"channel": "c", "text": "t"}))
        .expect_error("a gateway tool");
    assert!(
        text.contains("refused its refresh token") && text.contains("run `tray-mcp login signed`"),
        "{text}"
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert_no_secret("serve, revoked", &stderr);
    assert!(
        stderr.contains("Agent Gateway unavailable") && stderr.contains("run `tray-mcp login signed`"),
        "{stderr}"
    );
    // Nothing with the old token reached Tray's API or the gateway: only one refresh went
    // out, to the token endpoint; once refused, it is not offered again on every call.
    assert!(tray.requests().is_empty(), "{:?}", tray.requests());
    assert!(bearers(&gateway).is_empty(), "{:?}", bearers(&gateway));
    let bodies = endpoint.bodies();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert!(
        bodies[0].contains("grant_type=refresh_token") && !bodies[0].contains(OLD_ACCESS),
        "{bodies:?}"
    );

    // doctor --online checks with the same sign-in: a failed check with the login hint.
    let output = home
        .serve_command(&["doctor", "signed", "--online"])
        .env("TRAY_GATEWAY_URL", gateway.url())
        .envs(tray.api_variables())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_no_secret("doctor --online", &text);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("Tray's API: the sign-in of signed")
            && text.contains("refused its refresh token")
            && text.contains("tray-mcp login signed"),
        "{text}"
    );
    assert!(tray.requests().is_empty() && bearers(&gateway).is_empty());

    // list and doctor say the entry signs in by OAuth; doctor checks the sign-in.
    for args in [
        &["list", "--json"][..],
        &["doctor", "signed"],
        &["doctor", "signed", "--json"],
    ] {
        let output = home.serve_command(args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_no_secret(&args.join(" "), &text);
    }
    // logout: the revocation endpoint is unreachable (a warning), the sign-in is forgotten.
    let output = home.serve_command(&["logout", "signed"]).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert_no_secret("logout", &text);
    assert!(
        text.contains("could not revoke") && text.contains("forgot the sign-in of signed"),
        "{text}"
    );
    assert!(!sign_in_path(&home).exists());
    let output = home.serve_command(&["doctor", "signed"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        text.contains("signs in with OAuth but is not signed in") && text.contains("tray-mcp login signed"),
        "{text}"
    );

    // Signed out: serve still starts, warns once on stderr, and the tools say to sign in.
    let mut server = serve_against(&home, &gateway, &tray, false);
    server.initialize();
    let text = server
        .call_tool("list_workflows", json!({}))
        .expect_error("list_workflows, signed out");
    assert!(
        text.contains("not signed in") && text.contains("hint: run `tray-mcp login signed`"),
        "{text}"
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert_eq!(
        stderr
            .matches("the profile signed signs in with OAuth but is not signed in")
            .count(),
        1,
        "{stderr}"
    );
    assert!(tray.requests().is_empty() && bearers(&gateway).is_empty());
}

#[test]
fn login_without_an_entry_or_workspace_says_how_and_changes_nothing() {
    let home = FakeHome::new();
    let output = home
        .serve_command(&["login", "nothing", "--no-browser"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--workspace-id") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert!(!home.home().join(".config/tray-mcp").exists());

    // --headless adds to an entry; for a new one it would make a profile with no way into the
    // workspace, so it is refused before any browser opens.
    let output = home
        .serve_command(&[
            "login",
            "fresh",
            "--headless",
            "--workspace-id",
            WORKSPACE,
            "--no-browser",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--headless adds the Headless MCP to an existing one")
            && stderr.contains("hint: create it first: `tray-mcp login fresh --workspace-id UUID`"),
        "{stderr}"
    );
    assert!(!home.home().join(".config/tray-mcp").exists());
}

#[test]
fn a_built_in_tool_call_after_the_access_token_expired_goes_with_the_refreshed_token() {
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let tray = FakeTray::start(Behavior::Normal);
    let endpoint = TokenEndpoint::start(
        200,
        json!({"access_token": NEW_ACCESS, "token_type": "Bearer", "expires_in": 3600, "refresh_token": NEW_REFRESH}),
    );
    let home = signed_in_home(&gateway.url(), &endpoint.url, 0, 3600);
    // RUST_LOG=trace: everything is logged, except what may hold a secret.
    let mut server = serve_against(&home, &gateway, &tray, true);
    server.initialize();
    server
        .call_tool("list_workflows", json!({}))
        .expect_ok("list_workflows");
    let sent = api_bearers(&tray, 0);
    assert!(
        !sent.is_empty() && sent.iter().all(|bearer| bearer == &format!("Bearer {OLD_ACCESS}")),
        "{sent:?}"
    );
    assert!(endpoint.bodies().is_empty());

    // An hour later the access token has 10 s left: the next call refreshes it first.
    age_sign_in(&home, 3590);
    let before = tray.requests().len();
    server
        .call_tool("list_workflows", json!({}))
        .expect_ok("list_workflows, later");
    let sent = api_bearers(&tray, before);
    assert!(
        !sent.is_empty() && sent.iter().all(|bearer| bearer == &format!("Bearer {NEW_ACCESS}")),
        "{sent:?}"
    );
    let bodies = endpoint.bodies();
    assert_eq!(
        bodies.len(),
        1,
        "one refresh, however many requests wanted it: {bodies:?}"
    );
    assert!(
        bodies[0].contains(&format!("refresh_token={OLD_REFRESH}")),
        "{}",
        bodies[0]
    );
    let saved = std::fs::read_to_string(sign_in_path(&home)).unwrap();
    assert!(saved.contains(NEW_ACCESS) && saved.contains(NEW_REFRESH));

    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert_no_secret("serve with RUST_LOG=trace, refreshing", &stderr);
    // Traced (tray-mcp's own debug lines are there), but rmcp's OAuth client is capped at
    // info: its refresh shows, its debug lines (where codes and token responses go) do not.
    assert!(stderr.contains("Tray API answered"), "{stderr}");
    assert!(stderr.contains("Refreshed access token"), "{stderr}");
    assert!(
        !stderr.contains("refresh token present, attempting refresh"),
        "{stderr}"
    );
}

#[test]
fn a_401_from_tray_s_api_refreshes_the_sign_in_and_the_call_goes_once_more() {
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    // Tray no longer takes the stored access token, though it has an hour left.
    let tray = FakeTray::start(Behavior::RefuseBearer(OLD_ACCESS.to_string()));
    let endpoint = TokenEndpoint::start(
        200,
        json!({"access_token": NEW_ACCESS, "token_type": "Bearer", "expires_in": 3600, "refresh_token": NEW_REFRESH}),
    );
    let home = signed_in_home(&gateway.url(), &endpoint.url, 0, 3600);
    let mut server = serve_against(&home, &gateway, &tray, false);
    server.initialize();
    server
        .call_tool("list_workflows", json!({}))
        .expect_ok("list_workflows after a 401");
    let sent = api_bearers(&tray, 0);
    assert_eq!(
        sent,
        [format!("Bearer {OLD_ACCESS}"), format!("Bearer {NEW_ACCESS}")],
        "refused once, refreshed, sent once more"
    );
    assert_eq!(endpoint.bodies().len(), 1, "{:?}", endpoint.bodies());

    // Tray refuses even a freshly refreshed token: one refresh, one more try, then the
    // answer names the sign-in (not an API token) and says how to renew it.
    tray.set_behavior(Behavior::RefuseBearer(NEW_ACCESS.to_string()));
    let before = tray.requests().len();
    let text = server
        .call_tool("list_workflows", json!({}))
        .expect_error("list_workflows, refused twice");
    assert!(
        text.contains("Tray's API refused the sign-in of signed") && text.contains("hint: run `tray-mcp login signed`"),
        "{text}"
    );
    assert_eq!(api_bearers(&tray, before).len(), 2, "{:?}", api_bearers(&tray, before));
    assert_eq!(endpoint.bodies().len(), 2);
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert_no_secret("serve, 401", &stderr);

    // doctor --online checks Tray's API with the sign-in, as serve sends it.
    tray.set_behavior(Behavior::Normal);
    let before = tray.requests().len();
    let output = home
        .serve_command(&["doctor", "signed", "--online"])
        .env("TRAY_GATEWAY_URL", gateway.url())
        .envs(tray.api_variables())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert_no_secret("doctor --online", &text);
    assert!(text.contains("Tray's API accepts the sign-in ("), "{text}");
    let sent = api_bearers(&tray, before);
    assert!(
        !sent.is_empty() && sent.iter().all(|bearer| bearer == &format!("Bearer {NEW_ACCESS}")),
        "{sent:?}"
    );
}

#[test]
fn signing_in_while_serve_runs_brings_the_gateway_tools_without_a_restart() {
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let tray = FakeTray::start(Behavior::Normal);
    let endpoint = TokenEndpoint::start(400, json!({"error": "invalid_grant"}));
    let home = signed_in_home(&gateway.url(), &endpoint.url, 0, 3600);
    // Signed out when serve starts: the sign-in is written back later, as `tray-mcp login`
    // would write it.
    let sign_in = std::fs::read(sign_in_path(&home)).unwrap();
    std::fs::remove_file(sign_in_path(&home)).unwrap();
    let mut command = home.serve_command(&["serve", "--profile", "signed", "--log-level", "debug"]);
    command
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_GATEWAY_RETRY_SECS", "1")
        .envs(tray.api_variables())
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1");
    let mut server = McpProcess::start(command);
    server.initialize();
    let listed = server.request("tools/list", json!({}));
    assert!(
        !tool_names(&listed).contains(&"send_slack_message".to_string()),
        "{listed}"
    );
    let text = server
        .call_tool("send_slack_message", json!({}))
        .expect_error("a gateway tool, signed out");
    assert!(text.contains("tray-mcp login signed"), "{text}");

    std::fs::write(sign_in_path(&home), &sign_in).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(sign_in_path(&home), std::fs::Permissions::from_mode(0o600)).unwrap();
    }
    // The background retry (1 s, doubling) finds the sign-in and says the list changed.
    loop {
        let message = server.next_message();
        if message["method"] == json!("notifications/tools/list_changed") {
            break;
        }
    }
    let listed = server.request("tools/list", json!({}));
    assert!(
        tool_names(&listed).contains(&"send_slack_message".to_string()),
        "{listed}"
    );
    let call = server.call_tool("send_slack_message", json!({"channel": "#a", "text": "b"}));
    assert_eq!(call.structured()["tool"], json!("send_slack_message"), "{:?}", call.0);
    assert!(
        bearers(&gateway)
            .iter()
            .all(|bearer| bearer == &format!("Bearer {OLD_ACCESS}")),
        "{:?}",
        bearers(&gateway)
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert_no_secret("serve, signed in while running", &stderr);
    assert_eq!(
        stderr.matches("its tools are added once you sign in").count(),
        1,
        "{stderr}"
    );
    assert!(endpoint.bodies().is_empty(), "no refresh was needed");
}

#[test]
fn a_stored_sign_in_naming_plain_http_endpoints_on_another_host_is_refused_not_used() {
    let gateway = FakeGateway::start(GatewayBehavior::Mcp { sse: false });
    let tray = FakeTray::start(Behavior::Normal);
    let trap = ProxyTrap::start();
    // Expired: serve would refresh it at the token endpoint, sending the refresh token and the
    // client secret; logout would send the refresh token to the revocation endpoint.
    let home = signed_in_home(&gateway.url(), "http://auth.example.test/token", 7200, 3600);
    let path = sign_in_path(&home);
    let mut sign_in: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    sign_in["metadata"]["revocation_endpoint"] = json!("http://auth.example.test/revoke");
    std::fs::write(&path, serde_json::to_string_pretty(&sign_in).unwrap()).unwrap();
    let with_trap = |args: &[&str]| {
        let mut command = home.serve_command(args);
        command
            .env("TRAY_GATEWAY_URL", gateway.url())
            .envs(tray.api_variables())
            .env("HTTPS_PROXY", trap.url())
            .env("HTTP_PROXY", trap.url())
            .env("NO_PROXY", "127.0.0.1");
        command
    };
    let mut server = McpProcess::start(with_trap(&["serve", "--profile", "signed", "--log-level", "trace"]));
    server.initialize();
    let text = server
        .call_tool("list_workflows", json!({}))
        .expect_error("list_workflows");
    assert!(
        text.contains("token endpoint http://auth.example.test/token is not HTTPS")
            && text.contains("hint: run `tray-mcp logout signed`"),
        "{text}"
    );
    let (status, stderr) = server.finish();
    assert!(status.success(), "{stderr}");
    assert_no_secret("serve", &stderr);

    let output = with_trap(&["logout", "signed"]).output().unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert_no_secret("logout", &text);
    assert!(
        text.contains("could not revoke")
            && text.contains("revocation endpoint http://auth.example.test/revoke is not HTTPS")
            && text.contains("forgot the sign-in of signed"),
        "{text}"
    );
    assert_eq!(trap.received(), Vec::<String>::new(), "something left the machine");
    assert!(tray.requests().is_empty() && bearers(&gateway).is_empty());
}

#[test]
fn logout_sends_the_refresh_token_to_the_revocation_endpoint_only_not_where_it_redirects() {
    // A loopback revocation endpoint that answers 307 to a plain-HTTP host elsewhere: following
    // it would send the token again, in clear text.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let revoke_url = format!("http://{}/revoke", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { break };
            let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(2)));
            let mut buffer = [0u8; 8192];
            let _ = stream.read(&mut buffer);
            let _ = stream.write_all(
                b"HTTP/1.1 307 Temporary Redirect\r\nLocation: http://auth.example.test/revoke\r\n\
                  Content-Length: 0\r\nConnection: close\r\n\r\n",
            );
        }
    });
    let trap = ProxyTrap::start();
    let home = signed_in_home("http://127.0.0.1:9/mcp", "http://127.0.0.1:9/token", 0, 3600);
    let path = sign_in_path(&home);
    let mut sign_in: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    sign_in["metadata"]["revocation_endpoint"] = json!(revoke_url);
    std::fs::write(&path, serde_json::to_string_pretty(&sign_in).unwrap()).unwrap();
    let output = home
        .serve_command(&["logout", "signed"])
        .env("HTTPS_PROXY", trap.url())
        .env("HTTP_PROXY", trap.url())
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.status.success(), "{text}");
    assert_no_secret("logout", &text);
    assert!(
        text.contains("could not revoke") && text.contains("HTTP 307") && text.contains("forgot the sign-in"),
        "{text}"
    );
    assert_eq!(trap.received(), Vec::<String>::new(), "the token followed the redirect");
}
