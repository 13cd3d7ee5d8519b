//! Install reads its state once (issues 23 and 27): counted with the debug build's read log
//! (`TRAY_MCP_TEST_COUNT_READS=PATH`: every file the binary opens to read, found or not, and a
//! `-- commit` line when the commit takes its locks). Before the commit, the profile and each
//! client file are read once; after it, only the locked re-read of the files that change.

use crate::support::{FakeHome, TOKEN, WORKSPACE};

/// The log's mark of a commit (`tray-mcp`'s `safe_write::COMMIT_MARK`).
const COMMIT: &str = "-- commit";

/// Runs `tray-mcp -w WORKSPACE --api-token-stdin --no-verify ARGS` with the read log on; the
/// files read before the commit and after it.
fn reads_of_install(home: &FakeHome, args: &[&str]) -> (Vec<String>, Vec<String>) {
    let log = home.path("reads.log");
    home.command()
        .args(["-w", WORKSPACE, "--api-token-stdin", "--no-verify"])
        .args(args)
        .env("TRAY_MCP_TEST_COUNT_READS", &log)
        .write_stdin(format!("{TOKEN}\n"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&log)
        .expect("the read log (TRAY_MCP_TEST_COUNT_READS is honoured by debug builds only: run the tests unoptimised)");
    std::fs::remove_file(&log).expect("remove the log");
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    match lines.iter().position(|line| line == COMMIT) {
        Some(at) => (lines[..at].to_vec(), lines[at + 1..].to_vec()),
        None => (lines, Vec::new()),
    }
}

fn count(reads: &[String], home: &FakeHome, relative: &str) -> usize {
    let path = home.path(relative).to_string_lossy().into_owned();
    reads.iter().filter(|read| **read == path).count()
}

const PROFILE: &str = ".config/tray-mcp/profiles/tray-workspace.json";
const CURSOR: &str = ".cursor/mcp.json";
const CLAUDE_CODE: &str = ".claude.json";

#[test]
fn a_first_install_reads_the_profile_and_each_client_file_once_before_the_commit() {
    let home = FakeHome::new();
    home.write(CURSOR, "{\"mcpServers\": {\"mine\": {\"command\": \"my-server\"}}}\n");
    home.write(CLAUDE_CODE, "{\"projects\": {}, \"numStartups\": 3}\n");
    let (before, after) = reads_of_install(&home, &["-c", "cursor,claude-code"]);
    for file in [PROFILE, CURSOR, CLAUDE_CODE] {
        assert_eq!(count(&before, &home, file), 1, "{file} before the commit: {before:#?}");
    }
    // The commit re-reads under the lock each file that changes (small files are compared by
    // their text), and nothing else of the plan's.
    for file in [PROFILE, CURSOR, CLAUDE_CODE] {
        assert!(count(&after, &home, file) <= 1, "{file} after the commit: {after:#?}");
    }
    assert!(home.read(CURSOR).contains("\"mine\""), "the user's entry stays");
}

#[test]
fn a_reinstall_over_a_profile_reads_it_once_and_keeps_what_it_says() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--no-gateway", "--no-verify"]).success();
    // Asked nothing about the gateway, the reinstall keeps the profile's setting (read from the
    // one read of the profile), and says so.
    let log = home.path("reads.log");
    let assert = home
        .command()
        .args([
            "-w",
            WORKSPACE,
            "--api-token-stdin",
            "--no-verify",
            "-c",
            "cursor,claude-code",
        ])
        .env("TRAY_MCP_TEST_COUNT_READS", &log)
        .write_stdin(format!("{TOKEN}\n"))
        .assert()
        .success();
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("keeps the Agent Gateway off"), "{stderr}");
    let text = std::fs::read_to_string(&log).expect("the read log (debug builds only)");
    let before: Vec<String> = text
        .lines()
        .take_while(|line| *line != COMMIT)
        .map(str::to_string)
        .collect();
    for file in [PROFILE, CURSOR, CLAUDE_CODE] {
        assert_eq!(count(&before, &home, file), 1, "{file} before the commit: {before:#?}");
    }
    let profile = home.read(PROFILE);
    let profile: serde_json::Value = serde_json::from_str(&profile).expect("profile JSON");
    assert_ne!(profile["gateway"], serde_json::Value::Bool(true), "{profile}");
}

#[test]
fn every_client_file_is_read_once_before_the_commit() {
    let home = FakeHome::new();
    home.with_original_clients();
    home.write(CLAUDE_CODE, "{\"projects\": {}}\n");
    let (before, _) = reads_of_install(&home, &["-c", "all", "--transport", "bridge"]);
    let mut seen = std::collections::HashMap::new();
    for read in &before {
        *seen.entry(read.as_str()).or_insert(0) += 1;
    }
    // tray-mcp's record of the entries it wrote is read by the plan (whose entries it wrote) and
    // again by the commit's bookkeeping, which every command shares: a small file of its own.
    let twice: Vec<_> = seen
        .iter()
        .filter(|(path, times)| **times > 1 && !path.ends_with("tray-mcp/written.json"))
        .collect();
    assert!(twice.is_empty(), "read more than once before the commit: {twice:?}");
}

#[test]
fn a_verifying_install_takes_the_gateway_setting_from_the_plan_not_a_second_read() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor", "--no-verify"]).success();
    // Verification on (Tray is unreachable: every request goes to a dead proxy, and the install
    // goes on with a warning); it asks about the gateway the plan's profile has.
    let log = home.path("reads.log");
    home.command()
        .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "cursor"])
        .env("TRAY_MCP_TEST_COUNT_READS", &log)
        .write_stdin(format!("{TOKEN}\n"))
        .assert()
        .success();
    let text = std::fs::read_to_string(&log).expect("the read log (debug builds only)");
    let before: Vec<String> = text
        .lines()
        .take_while(|line| *line != COMMIT)
        .map(str::to_string)
        .collect();
    assert_eq!(count(&before, &home, PROFILE), 1, "{before:#?}");
}
