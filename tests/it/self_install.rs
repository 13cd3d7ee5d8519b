//! Run from a transient place (a temp or download folder, the npx cache, `target/`), `install`
//! first installs tray-mcp into the per-user folder and points the entries there, so they keep
//! working when that place is gone (issue 12). `doctor` flags entries that point into such a
//! place; `uninstall` takes the binary (and with `--all` every entry and profile) away.

use crate::support;

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use support::{FakeHome, outputs};

const VERSION: &str = env!("CARGO_PKG_VERSION");

/// A copy of the built binary in a fresh temporary folder (as a download or an npx cache holds
/// it), with `extra` bytes appended (an ELF runs the same; the bytes differ, like a new version).
fn binary_copy_in_temp(extra: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let folder = tempfile::Builder::new()
        .prefix("tray-download-")
        .tempdir()
        .expect("temp dir");
    let copy = folder.path().join("tray-mcp");
    let mut bytes = std::fs::read(assert_cmd::cargo::cargo_bin("tray-mcp")).expect("read the binary");
    bytes.extend_from_slice(extra);
    write_executable(&copy, &bytes);
    (folder, copy)
}

/// Writes an executable file from a child process. Written by this (multi-threaded) test
/// process, the file would be open for writing in every process another test thread forks
/// meanwhile, and running the copy would then fail now and then with ETXTBSY ("Text file busy").
#[cfg(unix)]
fn write_executable(path: &Path, bytes: &[u8]) {
    let mut writer = Command::new("sh")
        .args(["-c", "cat > \"$0\" && chmod 755 \"$0\""])
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .expect("start sh");
    writer
        .stdin
        .take()
        .expect("stdin")
        .write_all(bytes)
        .expect("write the copy");
    assert!(
        writer.wait().expect("wait for sh").success(),
        "writing {} failed",
        path.display()
    );
}

/// Writes an executable file (Windows has no ETXTBSY race to avoid).
#[cfg(not(unix))]
fn write_executable(path: &Path, bytes: &[u8]) {
    std::fs::write(path, bytes).expect("write the copy");
}

/// `home`'s environment running `program`, with the default install folder (`~/.local/bin` in
/// the fake home): no `TRAY_MCP_INSTALL_DIR`.
fn run_in_home(home: &FakeHome, program: &Path) -> assert_cmd::Command {
    let base = home.std_command();
    let mut command = Command::new(program);
    command
        .current_dir(home.project())
        .env_clear()
        .envs(base.get_envs().filter_map(|(name, value)| Some((name, value?))))
        .env_remove("TRAY_MCP_INSTALL_DIR");
    assert_cmd::Command::from_std(command)
}

/// The command and arguments of the Claude Code entry `name`.
fn claude_code_entry(home: &FakeHome, name: &str) -> (String, Vec<String>) {
    let config: serde_json::Value = serde_json::from_str(&home.read(".claude.json")).expect("json");
    let entry = &config["mcpServers"][name];
    let command = entry["command"].as_str().expect("command").to_string();
    let args = entry["args"]
        .as_array()
        .expect("args")
        .iter()
        .map(|arg| arg.as_str().expect("arg").to_string())
        .collect();
    (command, args)
}

/// Starts the entry's server and returns it with its stdout.
fn start_server(
    command: &str,
    args: &[String],
    home: &FakeHome,
) -> (std::process::Child, BufReader<std::process::ChildStdout>) {
    let mut child = Command::new(command)
        .args(args)
        .env_clear()
        .env("HOME", home.home())
        .env("XDG_CONFIG_HOME", home.home().join(".config"))
        .env("TRAY_MCP_TOKEN_STORE", "file")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the entry's server");
    let stdout = BufReader::new(child.stdout.take().expect("stdout"));
    (child, stdout)
}

/// Sends `initialize` and returns the server's answer.
fn initialize(child: &mut std::process::Child, stdout: &mut BufReader<std::process::ChildStdout>) -> serde_json::Value {
    let request = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;
    let stdin = child.stdin.as_mut().expect("stdin");
    writeln!(stdin, "{request}").expect("send initialize");
    stdin.flush().expect("flush");
    let mut line = String::new();
    stdout.read_line(&mut line).expect("read the answer");
    serde_json::from_str(&line).unwrap_or_else(|error| panic!("not JSON ({error}): {line:?}"))
}

#[test]
fn an_install_from_a_temp_folder_keeps_working_after_the_folder_is_deleted() {
    let home = FakeHome::new();
    let (folder, copy) = binary_copy_in_temp(b"");
    let mut install = run_in_home(&home, &copy);
    // As an end user has it (issue 12): no cargo or rustc on PATH.
    #[cfg(unix)]
    install.env("PATH", "/usr/local/bin:/usr/bin:/bin");
    let assert = install
        .args(["install", "--sandbox", "-c", "claude-code", "-n", "tray-sandbox"])
        .assert()
        .success();
    let (_, stderr) = outputs(&assert);
    let installed = home.path(".local/bin/tray-mcp");
    assert!(
        stderr.contains(&format!(
            "note: installed tray-mcp {VERSION} at ~/.local/bin/tray-mcp (it runs from a temporary folder"
        )),
        "{stderr}"
    );
    assert!(stderr.contains("~/.local/bin is not on PATH"), "{stderr}");
    let (command, args) = claude_code_entry(&home, "tray-sandbox");
    assert_eq!(
        Path::new(&command),
        installed,
        "the entry points at the installed binary"
    );

    drop(folder);
    assert!(!copy.exists(), "the temp folder is gone");

    let version = Command::new(&command)
        .arg("--version")
        .output()
        .expect("run the entry's command");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("tray-mcp {VERSION}")
    );
    let (mut child, mut stdout) = start_server(&command, &args, &home);
    let answer = initialize(&mut child, &mut stdout);
    assert_eq!(answer["result"]["serverInfo"]["name"], "tray-mcp", "{answer}");
    assert_eq!(answer["result"]["serverInfo"]["version"], VERSION, "{answer}");
    child.kill().ok();
    child.wait().ok();

    let doctor = run_in_home(&home, &installed).args(["doctor"]).assert().success();
    assert!(
        outputs(&doctor).0.contains("the command exists"),
        "{}",
        outputs(&doctor).0
    );
}

#[test]
fn a_newer_binary_replaces_the_installed_one_without_stopping_a_running_server() {
    let home = FakeHome::new();
    let (_first_folder, first) = binary_copy_in_temp(b"");
    run_in_home(&home, &first)
        .args(["--sandbox", "-c", "claude-code"])
        .assert()
        .success();
    let (command, args) = claude_code_entry(&home, "tray-workspace");
    let (mut running, mut stdout) = start_server(&command, &args, &home);

    let (_again_folder, same) = binary_copy_in_temp(b"");
    let again = run_in_home(&home, &same)
        .args(["--sandbox", "-c", "claude-code"])
        .assert()
        .success();
    // The same binary again: nothing to say (the copy and PATH notes were given the first time).
    let said = outputs(&again).1;
    assert!(
        !said.contains(".local/bin") && !said.contains(&format!("tray-mcp {}", env!("CARGO_PKG_VERSION"))),
        "a note about a binary that was already there:\n{said}"
    );

    let (_newer_folder, newer) = binary_copy_in_temp(b"\0newer");
    let replaced = run_in_home(&home, &newer)
        .args(["--sandbox", "-c", "claude-code"])
        .assert()
        .success();
    assert!(
        outputs(&replaced).1.contains("replaced the binary with tray-mcp"),
        "{}",
        outputs(&replaced).1
    );
    assert_eq!(
        std::fs::read(home.path(".local/bin/tray-mcp")).expect("read"),
        std::fs::read(&newer).expect("read"),
        "the newer binary is installed"
    );
    let answer = initialize(&mut running, &mut stdout);
    assert_eq!(
        answer["result"]["serverInfo"]["name"], "tray-mcp",
        "the running server still answers"
    );
    running.kill().ok();
    running.wait().ok();
    let leftovers: Vec<_> = std::fs::read_dir(home.path(".local/bin"))
        .expect("list")
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(leftovers, ["tray-mcp"], "no temporary file left");
}

#[test]
fn a_dry_run_from_a_temp_folder_copies_nothing() {
    let home = FakeHome::new();
    let (_folder, copy) = binary_copy_in_temp(b"");
    let before = home.snapshot_files();
    let assert = run_in_home(&home, &copy)
        .args(["--sandbox", "-c", "cursor", "--dry-run"])
        .assert()
        .success();
    let (stdout, stderr) = outputs(&assert);
    assert!(stderr.contains("would install tray-mcp"), "{stderr}");
    assert!(
        stdout.contains("/.local/bin/tray-mcp"),
        "the diff shows the stable path:\n{stdout}"
    );
    assert_eq!(home.snapshot_files(), before, "nothing written");

    // Once the same binary is installed, a dry run does not say it "would install" it.
    run_in_home(&home, &copy)
        .args(["--sandbox", "-c", "cursor"])
        .assert()
        .success();
    let again = run_in_home(&home, &copy)
        .args(["--sandbox", "-c", "claude-code", "--dry-run"])
        .assert()
        .success();
    let said = outputs(&again).1;
    assert!(!said.contains("would install tray-mcp"), "{said}");
}

#[test]
fn an_install_refused_after_planning_copies_no_binary() {
    let clash = "{\n  \"mcpServers\": {\n    \"Tray-Sandbox\": {\"command\": \"other-server\"}\n  }\n}\n";
    let malformed = "{\n  \"mcpServers\": {\n    \"other\": \n";
    for (why, config, expected) in [
        ("a name that differs only in case", clash, "Tray-Sandbox"),
        ("a malformed config", malformed, "~/.cursor/mcp.json at 4:1"),
    ] {
        let home = FakeHome::new();
        home.write(".cursor/mcp.json", config);
        let (_folder, copy) = binary_copy_in_temp(b"");
        let before = home.snapshot_files();
        let assert = run_in_home(&home, &copy)
            .args(["--sandbox", "-c", "cursor", "-n", "tray-sandbox"])
            .assert()
            .failure();
        let stderr = outputs(&assert).1;
        assert!(stderr.contains(expected), "{why}: {stderr}");
        assert!(!stderr.contains("installed tray-mcp"), "{why}: {stderr}");
        assert!(
            !home.path(".local/bin").exists(),
            "{why}: the refused install copied the binary"
        );
        assert_eq!(home.snapshot_files(), before, "{why}: a file changed");
    }
}

#[test]
fn apply_from_a_temp_folder_installs_the_binary_and_points_the_entries_there() {
    let home = FakeHome::new();
    home.write(
        "project/tray-mcp.toml",
        "[servers.tray-sandbox]\nworkspace = \"sandbox\"\nclients = [\"claude-code\"]\n",
    );
    let (_folder, copy) = binary_copy_in_temp(b"");
    let check = run_in_home(&home, &copy).args(["apply", "--check"]).assert();
    assert_eq!(check.get_output().status.code(), Some(3), "{}", outputs(&check).1);
    assert!(!home.path(".local/bin").exists(), "--check copied the binary");

    let assert = run_in_home(&home, &copy).arg("apply").assert().success();
    let stderr = outputs(&assert).1;
    assert!(
        stderr.contains(&format!("note: installed tray-mcp {VERSION} at ~/.local/bin/tray-mcp")),
        "{stderr}"
    );
    let (command, _) = claude_code_entry(&home, "tray-sandbox");
    assert_eq!(Path::new(&command), home.path(".local/bin/tray-mcp"));
}

#[test]
fn doctor_flags_an_entry_that_runs_a_binary_in_a_temp_folder() {
    let home = FakeHome::new();
    let (folder, copy) = binary_copy_in_temp(b"");
    home.command().args(["--sandbox", "-c", "cursor"]).assert().success();
    let text = home.read(".cursor/mcp.json");
    let config: serde_json::Value = serde_json::from_str(&text).expect("json");
    let original = config["mcpServers"]["tray-workspace"]["command"]
        .as_str()
        .expect("command")
        .to_string();
    home.write(".cursor/mcp.json", text.replace(&original, &copy.to_string_lossy()));

    let doctor = home.command().arg("doctor").assert().failure();
    let stdout = outputs(&doctor).0;
    assert!(stdout.contains("the command is in a temporary folder"), "{stdout}");
    assert!(stdout.contains("re-run the install"), "{stdout}");

    drop(folder);
    let doctor = home.command().arg("doctor").assert().failure();
    let stdout = outputs(&doctor).0;
    assert!(stdout.contains("the command does not exist"), "{stdout}");
}

#[test]
fn uninstall_removes_the_binary_and_with_all_every_entry_and_profile() {
    let home = FakeHome::new();
    let foreign = "{\n  \"mcpServers\": {\n    \"other\": {\"command\": \"other-server\"}\n  }\n}\n";
    home.write(".cursor/mcp.json", foreign);
    home.write(".claude.json", "{\"numStartups\": 3}\n");
    let (_folder, copy) = binary_copy_in_temp(b"");
    let install = |args: &[&str]| {
        run_in_home(&home, &copy)
            .args(["-w", support::WORKSPACE, "--api-token-stdin"])
            .args(args)
            .write_stdin(format!("{}\n", support::TOKEN))
            .assert()
            .success()
    };
    install(&["-c", "cursor,claude-code", "-n", "prod"]);
    install(&["-c", "cursor", "-n", "tray-http", "--transport", "http"]);
    let installed = home.path(".local/bin/tray-mcp");
    assert!(installed.exists());
    assert!(home.path(".config/tray-mcp/profiles/prod.json").exists());

    let dry = run_in_home(&home, &installed)
        .args(["uninstall", "--all", "--dry-run"])
        .assert()
        .success();
    assert!(outputs(&dry).0.contains("Would remove"), "{}", outputs(&dry).0);
    assert!(installed.exists(), "a dry run deletes nothing");

    // Without --all: the binary goes, the entries stay, and the report says they now break.
    let (_keep_folder, keep) = binary_copy_in_temp(b"");
    let only_binary = run_in_home(&home, &keep).arg("uninstall").assert().success();
    let (stdout, stderr) = outputs(&only_binary);
    assert!(stdout.contains("~/.local/bin/tray-mcp"), "{stdout}");
    assert!(
        stderr.contains("stop working without it: prod (Cursor), prod (Claude Code)")
            || stderr.contains("stop working without it: prod (Claude Code), prod (Cursor)"),
        "{stderr}"
    );
    assert!(!installed.exists());
    assert!(home.read(".cursor/mcp.json").contains("\"prod\""));

    install(&["-c", "cursor", "-n", "prod"]);
    let all = run_in_home(&home, &installed)
        .args(["uninstall", "--all", "--json"])
        .assert()
        .success();
    let report: serde_json::Value = serde_json::from_str(&outputs(&all).0).expect("json report");
    assert!(report.to_string().contains("tray-mcp binary"), "{report}");
    assert!(!report.to_string().contains(support::TOKEN), "no token in the report");
    assert!(!outputs(&all).1.contains(support::TOKEN), "no token on stderr");
    assert_eq!(home.read(".cursor/mcp.json"), foreign, "only our entries went");
    let claude: serde_json::Value = serde_json::from_str(&home.read(".claude.json")).expect("json");
    assert_eq!(
        claude,
        serde_json::json!({"numStartups": 3}),
        "Claude Code's state kept, our entry and the `mcpServers` the install added gone (as `remove` leaves it)"
    );
    assert!(
        !home.path(".config/tray-mcp/created.json").exists(),
        "the record of what tray-mcp created went with the last entry"
    );
    assert!(!home.path(".config/tray-mcp/profiles/prod.json").exists());
    assert!(!installed.exists());
}

#[test]
fn uninstall_all_changes_nothing_when_a_config_cannot_be_read() {
    let home = FakeHome::new();
    let (_folder, copy) = binary_copy_in_temp(b"");
    run_in_home(&home, &copy)
        .args(["--sandbox", "-c", "cursor"])
        .assert()
        .success();
    home.write(".codeium/windsurf/mcp_config.json", "{ \"mcpServers\": { oops } }\n");
    let before = home.snapshot_files();
    let assert = run_in_home(&home, &home.path(".local/bin/tray-mcp"))
        .args(["uninstall", "--all"])
        .assert()
        .failure();
    let stderr = outputs(&assert).1;
    assert!(
        stderr.contains("mcp_config.json") && stderr.contains("hint:"),
        "{stderr}"
    );
    assert_eq!(
        home.snapshot_files(),
        before,
        "every file, the binary included, as it was"
    );
}

#[test]
fn version_is_printed() {
    let home = FakeHome::new();
    let assert = home.command().arg("--version").assert().success();
    assert_eq!(outputs(&assert).0.trim(), format!("tray-mcp {VERSION}"));
}
