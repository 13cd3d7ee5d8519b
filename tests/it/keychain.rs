//! The default build keeps tokens in the OS keychain: against a REAL Secret Service
//! (gnome-keyring under `dbus-run-session`, the Debian packages scripts/test.sh installs), an
//! install stores the token there (found with `secret-tool`), the profile holds none, and `serve`
//! reads it back (the fake Tray API sees the bearer). Without a Secret Service the token goes to
//! the 0600 profile file, said once. The Secret Service test is `#[ignore = "needs scripts/test.sh"]`
//! (like the other tool-needing tests) and fails when run without the tools.

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, ChildStdin, Command, Stdio};

use serde_json::json;
use support::fake_tray::{Behavior, FakeTray};
use support::serve::McpProcess;
use support::{FakeHome, TOKEN, WORKSPACE, assert_no_token, outputs};

const TOOLS: [&str; 4] = ["dbus-run-session", "dbus-send", "gnome-keyring-daemon", "secret-tool"];

/// The session bus's configuration: what dbus's own session.conf says, less its service folders
/// (`<standard_session_servicedirs/>`), its includes and its limits.
const BUS_CONFIG: &str = r#"<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:tmpdir=/tmp</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"#;

/// Run inside the session: unlocks a new login keyring, then waits (at most 15 s) until its
/// default collection answers as unlocked, as `--unlock` returns before the daemon has its name
/// on the bus (measured: one 100 ms wait on an idle machine), and only then prints the address.
const START_SCRIPT: &str = r#"echo pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null || exit 1
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.secrets \
    /org/freedesktop/secrets/aliases/default org.freedesktop.DBus.Properties.Get \
    string:org.freedesktop.Secret.Collection string:Locked 2>/dev/null | grep -q 'boolean false'; do
  i=$((i + 1)); [ "$i" -ge 150 ] && { echo not-ready; exit 1; }; sleep 0.1
done
echo "$DBUS_SESSION_BUS_ADDRESS" && exec cat"#;

/// A session bus with an unlocked gnome-keyring on it, ended (bus and keyring) on drop.
struct SecretService {
    child: Child,
    /// Held open: the session lasts until it is closed.
    stdin: Option<ChildStdin>,
    address: String,
}

impl SecretService {
    /// Starts one whose keyrings live in `home`; fails without the tools (scripts/test.sh
    /// installs them), as only tests marked `#[ignore = "needs scripts/test.sh"]` call this.
    fn start(test: &str, home: &Path) -> SecretService {
        let missing: Vec<&str> = TOOLS
            .into_iter()
            .filter(|tool| {
                !std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
                    .any(|dir| dir.join(tool).is_file())
            })
            .collect();
        assert!(
            missing.is_empty(),
            "{test}: {missing:?} missing; run scripts/test.sh (it installs dbus, gnome-keyring and libsecret-tools)"
        );
        // A bus with no service folders: nothing can be activated on it, so a call made before
        // the unlocked keyring is up fails instead of starting a second, locked gnome-keyring
        // (whose prompt, with no display, is dismissed: CI's failure on 4570b66).
        let config = home.join(".session-bus.conf");
        std::fs::write(&config, BUS_CONFIG).expect("write the bus config");
        let mut child = Command::new("dbus-run-session")
            .arg(format!("--config-file={}", config.display()))
            .args(["--", "sh", "-c", START_SCRIPT])
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", home)
            .env("XDG_DATA_HOME", home.join(".local/share"))
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start dbus-run-session");
        let mut address = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut address)
            .expect("the bus address");
        let address = address.trim().to_string();
        assert!(
            address.starts_with("unix:"),
            "{test}: no unlocked keyring on the session bus within 15 s: {address:?}"
        );
        SecretService {
            stdin: child.stdin.take(),
            child,
            address,
        }
    }

    /// `secret-tool ARGS` on this bus: its stdout.
    fn secret_tool(&self, home: &Path, args: &[&str]) -> String {
        let output = Command::new("secret-tool")
            .args(args)
            .env("HOME", home)
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .output()
            .expect("secret-tool");
        String::from_utf8_lossy(&output.stdout).into_owned()
    }
}

impl Drop for SecretService {
    fn drop(&mut self) {
        // `cat` ends at end of input, then dbus-run-session stops the bus and gnome-keyring.
        drop(self.stdin.take());
        let _ = self.child.wait();
    }
}

/// The test home's command, with the keychain left to tray-mcp's default and `bus` as the
/// session bus.
fn with_keychain(home: &FakeHome, bus: &str) -> Command {
    let mut command = home.std_command();
    command
        .env_remove("TRAY_MCP_TOKEN_STORE")
        .env("DBUS_SESSION_BUS_ADDRESS", bus);
    command
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn install_keeps_the_token_in_the_secret_service_and_serve_reads_it_back() {
    let home = FakeHome::new();
    let service = SecretService::start("keychain", home.home());
    let mut install = assert_cmd::Command::from_std(with_keychain(&home, &service.address));
    install
        .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "cursor", "--no-verify"])
        .write_stdin(format!("{TOKEN}\n"));
    let assert = install.assert().success();
    assert_no_token(&assert);
    let (_, stderr) = outputs(&assert);
    assert!(
        stderr.contains("the API token goes to the OS keychain (service tray-mcp, account tray-workspace)"),
        "{stderr}"
    );

    let profile = home.read(".config/tray-mcp/profiles/tray-workspace.json");
    assert!(!profile.contains(TOKEN), "the profile holds the token: {profile}");
    assert!(profile.contains("\"token_store\": \"keychain\""), "{profile}");
    let found = service.secret_tool(home.home(), &["search", "--all", "service", "tray-mcp"]);
    assert!(
        found.contains(&format!("secret = {TOKEN}")),
        "secret-tool found: {found}"
    );

    let tray = FakeTray::start(Behavior::Normal);
    let mut serve = with_keychain(&home, &service.address);
    serve
        .args(["serve", "--profile", "tray-workspace"])
        .envs(tray.api_variables());
    let mut server = McpProcess::start(serve);
    server.initialize();
    server
        .call_tool("get_authenticated_user", json!({}))
        .expect_ok("get_authenticated_user");
    let (_, stderr) = server.finish();
    assert!(!stderr.contains(TOKEN), "the token leaked to serve's log");
    let bearer = format!("Bearer {TOKEN}");
    assert!(
        tray.requests()
            .iter()
            .any(|request| request.authorization.as_deref() == Some(bearer.as_str())),
        "the fake Tray API never saw the keychain's token"
    );
}

#[test]
fn without_a_secret_service_the_token_goes_to_the_profile_file_said_once() {
    let home = FakeHome::new();
    let no_bus = format!("unix:path={}", home.path("no-bus").display());
    let mut install = assert_cmd::Command::from_std(with_keychain(&home, &no_bus));
    install
        .args([
            "-w",
            WORKSPACE,
            "--api-token-stdin",
            "-c",
            "cursor,claude",
            "--no-verify",
        ])
        .write_stdin(format!("{TOKEN}\n"));
    let assert = install.assert().success();
    assert_no_token(&assert);
    let (_, stderr) = outputs(&assert);
    assert_eq!(
        stderr.matches("no OS keychain answers here").count(),
        1,
        "said once: {stderr}"
    );
    assert!(
        stderr.contains("the API token goes to the profile file, readable only by you"),
        "{stderr}"
    );
    let profile = home.read(".config/tray-mcp/profiles/tray-workspace.json");
    assert!(profile.contains(TOKEN), "the profile file holds the token");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(home.path(".config/tray-mcp/profiles/tray-workspace.json"))
            .expect("profile")
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
