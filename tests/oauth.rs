//! A signed-in profile (`tray-mcp login` wrote it; here a fixture) served by `tray-mcp serve`:
//! the access token goes to the Agent Gateway, an expiring one is refreshed first at a local
//! token endpoint (and the new tokens saved, 0600), a revoked refresh token sends the user to
//! `tray-mcp login NAME`; `list`, `doctor` and `logout` report and forget the sign-in. No
//! token or secret appears in any output. Everything listens on 127.0.0.1.

#![allow(clippy::unwrap_used)]

mod serve_support;

use std::io::{Read as _, Write as _};
use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use serde_json::{Value, json};
use serve_support::fake_gateway::{FakeGateway, GatewayBehavior};
use serve_support::{FakeHome, McpProcess};

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
    home.path().join(".config/tray-mcp/oauth/signed.json")
}

/// A profile that signs in by OAuth, and its sign-in: tokens received `age` seconds ago that
/// last `lifetime` seconds, from a token endpoint at `token_url`.
fn signed_in_home(gateway_url: &str, token_url: &str, age: u64, lifetime: u64) -> FakeHome {
    let home = FakeHome::new();
    // The entry as install writes it (with a token), then signed in: the profile says OAuth.
    let installed = home
        .command(&[
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
    let mut command = home.command(&["serve", "--profile", "signed", "--log-level", "trace"]);
    command
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_API_URL", "http://127.0.0.1:9/rest")
        .env("TRAY_GRAPHQL_URL", "http://127.0.0.1:9/graphql")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1");
    McpProcess::start(command)
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
    let endpoint = TokenEndpoint::start(
        400,
        json!({"error": "invalid_grant", "error_description": "refresh token revoked"}),
    );
    // Expired an hour ago; the refresh is refused.
    let home = signed_in_home(&gateway.url(), &endpoint.url, 7200, 3600);
    let output = home
        .command(&["serve", "--profile", "signed"])
        .env("TRAY_GATEWAY_URL", gateway.url())
        .env("TRAY_API_URL", "http://127.0.0.1:9/rest")
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_no_secret("serve, revoked", &stderr);
    assert!(stderr.contains("run `tray-mcp login signed`"), "{stderr}");
    assert_eq!(endpoint.bodies().len(), 1);
    // Nothing with the old token reached the gateway.
    assert!(bearers(&gateway).is_empty(), "{:?}", bearers(&gateway));

    // list and doctor say the entry signs in by OAuth; doctor checks the sign-in.
    for args in [
        &["list", "--json"][..],
        &["doctor", "signed"],
        &["doctor", "signed", "--json"],
    ] {
        let output = home.command(args).output().unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert_no_secret(&args.join(" "), &text);
    }
    // logout: the revocation endpoint is unreachable (a warning), the sign-in is forgotten.
    let output = home.command(&["logout", "signed"]).output().unwrap();
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
    let output = home.command(&["doctor", "signed"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout).to_string();
    assert!(
        text.contains("signs in with OAuth but is not signed in") && text.contains("tray-mcp login signed"),
        "{text}"
    );
}

#[test]
fn login_without_an_entry_or_workspace_says_how_and_changes_nothing() {
    let home = FakeHome::new();
    let output = home.command(&["login", "nothing", "--no-browser"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).to_string();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("--workspace-id") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert!(!home.path().join(".config/tray-mcp").exists());
}
