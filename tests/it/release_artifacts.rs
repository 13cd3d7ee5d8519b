//! The release artifacts this machine builds (`scripts/release-local.sh` → `target/release-local/`), used
//! the way an end user without Rust uses them (issue 12): the shell installer run against a
//! static server on 127.0.0.1 that serves `target/release-local/`, and the npm packages installed from
//! the local tarballs into a fresh prefix, then `npx tray-mcp`. Each runs in a fresh fake home
//! with a PATH that has no cargo or rustc, and nothing reaches the internet.
//!
//! `scripts/test.sh` (the test command) builds the artifacts (`release-local.sh --quick`: the
//! release packaging from a build without LTO) and points `TRAY_MCP_DIST_DIR` at them. The tests
//! that need them are `#[ignore = "needs scripts/test.sh"]`; run on purpose without the variable,
//! or with a folder missing the artifacts, they fail. Only Linux x86_64 builds them here:
//! elsewhere this file has no tests.
#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use crate::support;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use support::FakeHome;

const VERSION: &str = env!("CARGO_PKG_VERSION");
/// A PATH with node, python3, curl, tar and xz, and no Rust toolchain (checked by
/// [`user_command`]).
const PATH_WITHOUT_RUST: &str = "/usr/local/bin:/usr/bin:/bin";
/// The archive `release-local.sh` builds for this machine.
const ARCHIVE: &str = "tray-mcp-x86_64-unknown-linux-gnu.tar.xz";

/// The folder of release artifacts (`TRAY_MCP_DIST_DIR`, which scripts/test.sh sets). Only tests
/// marked `#[ignore = "needs scripts/test.sh"]` call this, so a missing folder fails the test.
fn dist_dir(test: &str) -> PathBuf {
    let dir = match std::env::var_os("TRAY_MCP_DIST_DIR").filter(|value| !value.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => panic!("{test}: TRAY_MCP_DIST_DIR is not set; run scripts/test.sh (it builds target/release-local)"),
    };
    for file in [ARCHIVE, "tray-mcp-installer.sh", "sha256.sum"] {
        assert!(
            dir.join(file).is_file(),
            "{test}: {} is missing; run scripts/release-local.sh --quick (scripts/test.sh does)",
            dir.join(file).display()
        );
    }
    dir
}

/// `python3 -m http.server` serving `root` on 127.0.0.1 (a free port), stopped on drop.
struct StaticServer {
    child: Child,
    url: String,
}

impl StaticServer {
    fn serve(root: &Path) -> StaticServer {
        let mut child = Command::new("/usr/bin/python3")
            .args(["-u", "-m", "http.server", "--bind", "127.0.0.1", "0"])
            .current_dir(root)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start python3 -m http.server");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("read the server's first line");
        // "Serving HTTP on 127.0.0.1 port 43219 (http://127.0.0.1:43219/) ..."
        let port = line
            .split_whitespace()
            .skip_while(|word| *word != "port")
            .nth(1)
            .unwrap_or_else(|| panic!("no port in {line:?}"))
            .to_string();
        StaticServer {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for StaticServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A command in `home` with only the variables an end user's shell would have, no Rust on PATH,
/// and proxies at a dead loopback port.
fn user_command(home: &FakeHome, program: impl AsRef<std::ffi::OsStr>) -> Command {
    for tool in ["cargo", "rustc", "rustup"] {
        let found = std::env::split_paths(PATH_WITHOUT_RUST)
            .map(|dir| dir.join(tool))
            .find(|path| path.exists());
        assert!(found.is_none(), "the end user's PATH must have no Rust: {found:?}");
    }
    let mut command = Command::new(program);
    command
        .current_dir(home.project())
        .env_clear()
        .env("PATH", PATH_WITHOUT_RUST)
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("TRAY_MCP_TOKEN_STORE", "file")
        .env("NO_COLOR", "1")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("npm_config_cache", home.home().join(".npm"))
        .env("npm_config_update_notifier", "false");
    command
}

fn run(command: &mut Command) -> (String, String) {
    let output = command.output().expect("run");
    let (stdout, stderr) = (
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    );
    assert!(
        output.status.success(),
        "{command:?} failed\nstdout:\n{stdout}\nstderr:\n{stderr}"
    );
    (stdout, stderr)
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn the_archive_carries_the_man_pages() {
    let dist = dist_dir("the_archive_carries_the_man_pages");
    let (listing, _) = run(Command::new("tar").arg("-tf").arg(ARCHIVE).current_dir(&dist));
    for page in ["man/tray-mcp.1", "man/tray-mcp-install.1", "man/tray-mcp-serve.1"] {
        assert!(listing.lines().any(|entry| entry.ends_with(page)), "{page}:\n{listing}");
    }
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn the_archive_checksums_match() {
    let dist = dist_dir("the_archive_checksums_match");
    let (stdout, _) = run(Command::new("sha256sum").arg("-c").arg("sha256.sum").current_dir(&dist));
    assert!(stdout.contains(&format!("{ARCHIVE}: OK")), "{stdout}");
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn the_shell_installer_installs_a_working_binary_from_a_local_server() {
    let dist = dist_dir("the_shell_installer_installs_a_working_binary_from_a_local_server");
    let server = StaticServer::serve(&dist);
    let home = FakeHome::new();
    let (_, stderr) = run(user_command(&home, "/bin/sh")
        .arg(dist.join("tray-mcp-installer.sh"))
        .env("TRAY_MCP_DOWNLOAD_URL", &server.url)
        .env("TRAY_MCP_NO_MODIFY_PATH", "1")
        .stdin(Stdio::null()));
    let installed = home.path(".local/bin/tray-mcp");
    assert!(installed.exists(), "installed at ~/.local/bin/tray-mcp\n{stderr}");
    let (version, _) = run(user_command(&home, &installed).arg("--version"));
    assert_eq!(version.trim(), format!("tray-mcp {VERSION}"));

    // The installed binary is where `install` wants it: the entry points at it, nothing copied.
    let (_, stderr) = run(user_command(&home, &installed).args(["--sandbox", "-c", "cursor"]));
    assert!(!stderr.contains("installed tray-mcp"), "{stderr}");
    let config = home.read(".cursor/mcp.json");
    assert!(config.contains(&*installed.to_string_lossy()), "{config}");
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn npx_runs_the_platform_package_offline_and_entries_point_at_the_stable_copy() {
    let dist = dist_dir("npx_runs_the_platform_package_offline_and_entries_point_at_the_stable_copy");
    let home = FakeHome::new();
    let prefix = home.path("project");
    let tarballs = [
        dist.join(format!("npm/tray-mcp-linux-x64-{VERSION}.tgz")),
        dist.join(format!("npm/tray-mcp-{VERSION}.tgz")),
    ];
    run(user_command(&home, "npm")
        .args(["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts"])
        .args(&tarballs)
        .current_dir(&prefix));
    let platform_binary = prefix.join("node_modules/@tray-mcp/linux-x64/bin/tray-mcp");
    assert!(platform_binary.exists(), "npm installed the linux-x64 package");
    // The packages name the repository configured in Cargo.toml (a placeholder until the first
    // release; tests/it/release_config.rs).
    let repository = format!(
        "github:{}",
        env!("CARGO_PKG_REPOSITORY").trim_start_matches("https://github.com/")
    );
    for package in ["tray-mcp", "@tray-mcp/linux-x64"] {
        let manifest = std::fs::read_to_string(prefix.join("node_modules").join(package).join("package.json"))
            .expect("package.json");
        let manifest: serde_json::Value = serde_json::from_str(&manifest).expect("json");
        assert_eq!(manifest["repository"], repository.as_str(), "{package}");
    }
    // The MCP Registry proves the npm package is ours by its `mcpName` (server.json's name).
    let main_manifest: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(prefix.join("node_modules/tray-mcp/package.json")).expect("package.json"),
    )
    .expect("json");
    let server: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("server.json")).expect("server.json"),
    )
    .expect("json");
    assert_eq!(main_manifest["mcpName"], server["name"]);
    let launcher = std::fs::read_to_string(prefix.join("node_modules/tray-mcp/bin/tray-mcp.js")).expect("the launcher");
    assert!(
        launcher.contains(env!("CARGO_PKG_REPOSITORY")) && !launcher.contains("@REPOSITORY_URL@"),
        "{launcher}"
    );

    let (version, _) = run(user_command(&home, "npx").args(["--offline", "tray-mcp", "--version"]));
    assert_eq!(version.trim(), format!("tray-mcp {VERSION}"));

    let (_, stderr) = run(user_command(&home, "npx").args(["--offline", "tray-mcp", "--sandbox", "-c", "claude-code"]));
    assert!(
        stderr.contains("installed tray-mcp") && stderr.contains("npm's package folders"),
        "{stderr}"
    );
    let config: serde_json::Value = serde_json::from_str(&home.read(".claude.json")).expect("json");
    let command = config["mcpServers"]["tray-workspace"]["command"]
        .as_str()
        .expect("command")
        .to_string();
    assert_eq!(
        Path::new(&command),
        home.path(".local/bin/tray-mcp"),
        "not into npm's folders"
    );
    assert!(
        !command.contains("node_modules") && !command.contains("_npx"),
        "{command}"
    );

    std::fs::remove_dir_all(prefix.join("node_modules")).expect("npm's folder goes");
    let (version, _) = run(user_command(&home, &command).arg("--version"));
    assert_eq!(version.trim(), format!("tray-mcp {VERSION}"), "the entry still works");
}

#[test]
#[ignore = "needs scripts/test.sh"]
fn the_linux_extension_bundles_the_archive_binary() {
    let dist = dist_dir("the_linux_extension_bundles_the_archive_binary");
    let home = FakeHome::new();
    run(Command::new("tar")
        .arg("-xJf")
        .arg(dist.join(ARCHIVE))
        .arg("-C")
        .arg(home.home()));
    let binary = home.home().join("tray-mcp-x86_64-unknown-linux-gnu/tray-mcp");
    let (digest, _) = run(Command::new("sha256sum").arg(&binary));
    let read = "import hashlib, json, sys, zipfile\n\
                bundle = zipfile.ZipFile(sys.argv[1])\n\
                manifest = json.loads(bundle.read('manifest.json'))\n\
                entry = manifest['server']['entry_point']\n\
                print(manifest['version'], entry, hashlib.sha256(bundle.read(entry)).hexdigest())";
    let (listing, _) = run(Command::new("python3")
        .args(["-c", read])
        .arg(dist.join(format!("tray-mcp-{VERSION}-linux.mcpb"))));
    let digest = digest.split_whitespace().next().expect("a digest");
    assert_eq!(listing.trim(), format!("{VERSION} server/tray-mcp {digest}"));
}
