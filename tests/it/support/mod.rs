//! The one support module of the integration tests: a fake home for running the real binary,
//! snapshot redactions and the pinned test tools (here); an MCP client around `tray-mcp serve`
//! ([`serve`]); and the loopback fakes of Tray's services on 127.0.0.1 ([`fake_tray`],
//! [`fake_gateway`], [`fake_oauth`], checked against Tray's published [`tray_schema`] and
//! [`tray_openapi`]). Kept in one place so that every test area builds on the same helpers.
#![allow(dead_code)] // not every helper is used by the tests of every configuration
// Test helpers report by printing and panicking.
#![allow(clippy::print_stderr, clippy::print_stdout, clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};

use assert_cmd::Command;

pub mod fake_gateway;
pub mod fake_oauth;
pub mod fake_tray;
pub mod loopback;
pub mod serve;
pub mod tray_openapi;
pub mod tray_schema;

/// A distinctive token: tests search every output and file for it.
pub const TOKEN: &str = "tray-test-token-5f9c2a7e1d";
/// A workspace ID used across tests.
pub const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
/// A second workspace (development).
pub const WORKSPACE_DEV: &str = "9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d";

/// A temporary home directory with a project folder inside it: the one fake home of every test
/// (the installer's commands, the serve tests' profiles and `tray-mcp serve` commands).
pub struct FakeHome {
    /// The temporary directory; removed when the home is dropped.
    pub dir: tempfile::TempDir,
}

impl FakeHome {
    /// Creates an empty home with an empty `project/` folder.
    pub fn new() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("tray-home-")
            .tempdir()
            .expect("temp dir");
        fs::create_dir_all(dir.path().join("project")).expect("project dir");
        FakeHome { dir }
    }

    /// The home directory.
    pub fn home(&self) -> &Path {
        self.dir.path()
    }

    /// The current directory of commands (for project and local scopes).
    pub fn project(&self) -> PathBuf {
        self.dir.path().join("project")
    }

    /// A path inside the home.
    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes a file (creating folders).
    pub fn write(&self, relative: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.path(relative);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(&path, contents).expect("write");
        path
    }

    /// Reads a file of the home as text.
    pub fn read(&self, relative: &str) -> String {
        fs::read_to_string(self.path(relative)).unwrap_or_else(|error| panic!("read {relative}: {error}"))
    }

    /// Writes a profile as the installer would.
    pub fn write_profile(&self, name: &str, profile: &serde_json::Value) {
        let dir = self.home().join(".config").join("tray-mcp").join("profiles");
        fs::create_dir_all(&dir).expect("profiles dir");
        let path = dir.join(format!("{name}.json"));
        fs::write(&path, serde_json::to_string_pretty(profile).expect("profile JSON")).expect("write profile");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).expect("chmod profile");
        }
    }

    /// `tray-mcp ARGS` for the serve tests, run in the home itself: HOME, USERPROFILE, APPDATA and
    /// XDG_CONFIG_HOME in this home, and none of the Tray or logging variables of the machine
    /// running the tests (the rest of the environment is kept, unlike [`FakeHome::command`]).
    pub fn serve_command(&self, args: &[&str]) -> std::process::Command {
        let mut command = std::process::Command::new(serve::binary());
        command
            .args(args)
            .env("HOME", self.home())
            .env("USERPROFILE", self.home())
            .env("APPDATA", self.home().join("AppData").join("Roaming"))
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            // Anything but loopback goes to a dead proxy: an install verifies its token with
            // Tray, and the tests never reach the internet.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost")
            // tray-mcp keeps tokens in the OS keychain by default: tests keep them in the fake
            // home's profile files, never in the keychain of whoever runs them.
            .env("TRAY_MCP_TOKEN_STORE", "file")
            .current_dir(self.home());
        for variable in [
            "TRAY_API_TOKEN",
            "TRAY_API_URL",
            "TRAY_GRAPHQL_URL",
            "TRAY_API_TIMEOUT_SECS",
            "TRAY_GATEWAY_URL",
            "TRAY_GATEWAY_TIMEOUT_SECS",
            "TRAY_HEADLESS_URL",
            "TRAY_HEADLESS_TEST_BEARER",
            "RUST_LOG",
        ] {
            command.env_remove(variable);
        }
        command
    }

    /// The real binary with HOME, USERPROFILE, APPDATA and XDG_CONFIG_HOME in the fake home (and
    /// tokens kept in profile files, never the OS keychain).
    pub fn command(&self) -> Command {
        Command::from_std(self.std_command())
    }

    /// [`FakeHome::command`] as a plain `std::process::Command` (for PTY tests).
    pub fn std_command(&self) -> std::process::Command {
        let mut command = std::process::Command::new(assert_cmd::cargo::cargo_bin("tray-mcp"));
        command
            .current_dir(self.project())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("HOME", self.home())
            .env("USERPROFILE", self.home())
            .env("APPDATA", self.home().join("AppData/Roaming"))
            .env("XDG_CONFIG_HOME", self.home().join(".config"))
            // Built with `--features keychain`, tray-mcp would otherwise use the real OS
            // keychain of whoever runs the tests (service `tray-mcp`, shared by every fake home).
            .env("TRAY_MCP_TOKEN_STORE", "file")
            // The test binary lives in cargo's target folder, which tray-mcp treats as transient
            // (it would copy itself into the fake home first): naming its folder as the install
            // folder makes it the installed binary. tests/self_install.rs unsets this.
            .env("TRAY_MCP_INSTALL_DIR", binary_dir())
            .env("NO_COLOR", "1")
            // Anything but loopback goes to a dead proxy (connection refused at once): an
            // install verifies its token with Tray, and the tests never reach the internet.
            .env("HTTPS_PROXY", "http://127.0.0.1:9")
            .env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1,localhost");
        command
    }

    /// `tray-mcp -w WORKSPACE --api-token-stdin <args>` with the test token on stdin.
    pub fn install(&self, args: &[&str]) -> assert_cmd::assert::Assert {
        let mut command = self.command();
        command
            .args(["-w", WORKSPACE, "--api-token-stdin"])
            .args(args)
            .write_stdin(format!("{TOKEN}\n"));
        command.assert()
    }

    /// Makes the five original clients look installed (their folders exist): `-c all` configures
    /// only the clients installed here.
    pub fn with_original_clients(&self) -> &Self {
        for folder in [
            ".config/Claude",
            ".claude",
            ".cursor",
            ".codeium/windsurf",
            ".config/Code/User",
        ] {
            fs::create_dir_all(self.path(folder)).expect("client folder");
        }
        self
    }

    /// Every file under the home, with its bytes, for before/after comparisons.
    pub fn snapshot_files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut files = Vec::new();
        collect(self.home(), &mut files);
        files.sort();
        files
    }

    /// Replaces the home path and the binary path so snapshots are stable.
    pub fn redact(&self, text: &str) -> String {
        let binary = assert_cmd::cargo::cargo_bin("tray-mcp");
        let binary = fs::canonicalize(&binary).unwrap_or(binary);
        text.replace(&binary.to_string_lossy().to_string(), "[BIN]")
            .replace(&self.home().to_string_lossy().to_string(), "[HOME]")
    }
}

/// The built binary's canonical path, as tray-mcp names it in the entries it writes.
pub fn entry_binary() -> String {
    let binary = assert_cmd::cargo::cargo_bin("tray-mcp");
    fs::canonicalize(&binary)
        .unwrap_or(binary)
        .to_string_lossy()
        .into_owned()
}

/// A pinned client CLI from the test tools (`npm/node_modules/.bin/<program>`), run in `home`'s
/// project folder with only `PATH`, `HOME`, `XDG_CONFIG_HOME` and `NO_COLOR` set, and the
/// network pointed at a dead loopback proxy, so nothing leaves the machine.
pub fn client_cli(home: &FakeHome, tools: &Path, program: &str) -> std::process::Command {
    let mut command = std::process::Command::new(tools.join("npm/node_modules/.bin").join(program));
    command
        .current_dir(home.project())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("NO_COLOR", "1")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9");
    command
}

/// The folder of the built binary (canonical, as tray-mcp names it in entries).
pub fn binary_dir() -> PathBuf {
    let binary = assert_cmd::cargo::cargo_bin("tray-mcp");
    let binary = fs::canonicalize(&binary).unwrap_or(binary);
    binary.parent().expect("the binary's folder").to_path_buf()
}

fn collect(directory: &Path, files: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = fs::read_dir(directory) else { return };
    for entry in entries.flatten() {
        let path = entry.path();
        let metadata = fs::symlink_metadata(&path).expect("metadata");
        if metadata.is_dir() {
            collect(&path, files);
        } else if metadata.is_file() {
            files.push((path.clone(), fs::read(&path).expect("read")));
        }
    }
}

/// stdout and stderr of a finished command as text.
pub fn outputs(assert: &assert_cmd::assert::Assert) -> (String, String) {
    let output = assert.get_output();
    (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Panics if the token appears in any output.
pub fn assert_no_token(assert: &assert_cmd::assert::Assert) {
    let (stdout, stderr) = outputs(assert);
    assert!(!stdout.contains(TOKEN), "token leaked to stdout:\n{stdout}");
    assert!(!stderr.contains(TOKEN), "token leaked to stderr:\n{stderr}");
}

/// A fixture from `fixtures/configs/`.
pub fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/configs")
        .join(name);
    fs::read(&path).unwrap_or_else(|error| panic!("fixture {}: {error}", path.display()))
}

/// The pinned external tools that `scripts/test.sh` installs (`TRAY_MCP_TEST_TOOLS`). Only tests
/// marked `#[ignore = "needs scripts/test.sh"]` call this, and those run only on purpose
/// (`--include-ignored`), so a missing directory fails the test instead of skipping it.
pub fn test_tools() -> PathBuf {
    match std::env::var_os("TRAY_MCP_TEST_TOOLS").filter(|value| !value.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => panic!("TRAY_MCP_TEST_TOOLS is not set: this test needs the pinned tools; run scripts/test.sh"),
    }
}
