//! The help a user reads and the flags every command takes: `tray-mcp --help` and `tray-mcp
//! install --help` snapshotted (a change to a flag, its default or its environment variable
//! shows up in review), the first screen that says how to start, an `Examples:` block under every
//! command, global flags before the command, and the exit codes of usage errors.

use crate::support;

use support::{FakeHome, outputs};

fn help(args: &[&str]) -> String {
    let home = FakeHome::new();
    let assert = home.command().args(args).env("COLUMNS", "100").assert().success();
    outputs(&assert).0
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!("help", help(&["--help"]));
}

#[test]
fn install_help() {
    insta::assert_snapshot!("install_help", help(&["install", "--help"]));
}

#[test]
fn the_first_screen_says_how_to_start_then_lists_the_commands() {
    for flag in ["--help", "-h"] {
        let text = help(&[flag]);
        let first: Vec<&str> = text.lines().take(20).collect();
        let first = first.join("\n");
        for start in [
            "tray-mcp                ",
            "tray-mcp --sandbox -c claude-code",
            "tray-mcp -w <UUID> --api-token-stdin -c claude-code",
        ] {
            assert!(
                first.contains(start),
                "{flag}: `{start}` not in the first 20 lines:\n{first}"
            );
        }
        assert!(first.contains("setup wizard"), "{first}");
        // One line per command, and no install flag at the top level.
        assert!(text.contains("\n  list "), "{text}");
        assert!(!text.contains("--workspace-id"), "{text}");
        for line in text.lines().skip_while(|line| !line.starts_with("Commands:")).skip(1) {
            if line.is_empty() {
                break;
            }
            assert!(
                line.starts_with("  ") && !line.starts_with("   "),
                "a wrapped summary: {line:?}"
            );
        }
    }
}

/// The commands `--help` lists (after "Commands:", up to the blank line).
fn listed_commands(top: &str) -> Vec<String> {
    top.lines()
        .skip_while(|line| !line.starts_with("Commands:"))
        .skip(1)
        .take_while(|line| !line.is_empty())
        .filter_map(|line| line.split_whitespace().next().map(str::to_string))
        .filter(|name| name != "help")
        .collect()
}

#[test]
fn every_command_s_help_ends_with_examples() {
    let commands = listed_commands(&help(&["--help"]));
    for named in [
        "install", "list", "remove", "rename", "doctor", "apply", "export", "login", "serve",
    ] {
        assert!(
            commands.iter().any(|command| command == named),
            "{named} not in {commands:?}"
        );
    }
    let mut checked = 0;
    for command in &commands {
        let mut paths = vec![vec![command.clone()]];
        if command == "token" {
            paths.extend([["token", "set"], ["token", "forget"]].map(|path| path.map(String::from).to_vec()));
        }
        for path in paths {
            for flag in ["--help", "-h"] {
                let mut args: Vec<&str> = path.iter().map(String::as_str).collect();
                args.push(flag);
                let text = help(&args);
                let examples = text
                    .rfind("Examples")
                    .unwrap_or_else(|| panic!("no Examples in `{}`:\n{text}", args.join(" ")));
                let block = &text[examples..];
                assert!(
                    block
                        .lines()
                        .skip(1)
                        .all(|line| line.is_empty() || line.contains("tray-mcp ")),
                    "the Examples block is not last in `{}`:\n{text}",
                    args.join(" ")
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 2 * 17, "only {checked} helps checked");
}

#[test]
fn short_help_is_shorter_than_long_help() {
    let short = help(&["install", "-h"]).lines().count();
    let long = help(&["install", "--help"]).lines().count();
    assert!(short < long, "-h {short} lines, --help {long} lines");
}

#[test]
fn global_flags_work_before_the_command() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor"]).success();
    for args in [&["--json", "list"][..], &["list", "--json"], &["-q", "--json", "list"]] {
        let assert = home.command().args(args).assert().success();
        let (stdout, _) = outputs(&assert);
        let json: serde_json::Value = serde_json::from_str(&stdout).unwrap_or_else(|error| panic!("{args:?}: {error}"));
        assert_eq!(json["entries"][0]["client"], "cursor", "{args:?}");
    }
    let assert = home
        .command()
        .args(["--color", "never", "-v", "doctor", "--json"])
        .assert();
    let (stdout, _) = outputs(&assert);
    assert!(stdout.trim_start().starts_with('{'), "{stdout}");
}

#[test]
fn quiet_leaves_the_report_and_errors_only() {
    let home = FakeHome::new();
    let loud = home.command().args(["--sandbox", "-c", "cursor"]).assert().success();
    let (_, stderr) = outputs(&loud);
    assert!(stderr.contains("next:"), "{stderr}");
    let quiet = home
        .command()
        .args(["-q", "--sandbox", "-c", "cursor"])
        .assert()
        .success();
    let (stdout, stderr) = outputs(&quiet);
    assert_eq!(stderr, "", "-q printed notes");
    assert!(!stdout.is_empty(), "the report is not a note");
    let failed = home
        .command()
        .args(["-q", "remove", "no-such-entry"])
        .assert()
        .failure();
    let (_, stderr) = outputs(&failed);
    assert!(stderr.contains("error:"), "-q hid the error: {stderr}");
}

#[test]
fn a_bad_log_level_is_a_usage_error_naming_the_levels() {
    let home = FakeHome::new();
    for level in ["loud", "tray_mcp=debug,loud", "tray_mcp=loud"] {
        let assert = home
            .command()
            .args(["serve", "--sandbox", "--log-level", level])
            .assert()
            .code(2);
        let (_, stderr) = outputs(&assert);
        assert!(
            stderr.contains("error, warn, info, debug, trace"),
            "{level}: the levels not named: {stderr}"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    let home = FakeHome::new();
    let serve = home.command().arg("serve").assert().code(2);
    let (_, stderr) = outputs(&serve);
    assert!(
        stderr.contains("needs a workspace") && stderr.contains("hint:"),
        "{stderr}"
    );
    let before = home
        .command()
        .args(["-w", "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718", "list"])
        .assert()
        .code(2);
    let (_, stderr) = outputs(&before);
    assert!(
        stderr.contains("--workspace-id") && stderr.contains("'list'"),
        "{stderr}"
    );
    home.command().args(["--color", "purple", "list"]).assert().code(2);
    home.command().args(["-q", "-v", "list"]).assert().code(2);
}

/// The man pages in `man/` (shipped in the release archives) are exactly what the command line's
/// definitions give today: a flag or text changed without `tray-mcp man man` fails here.
#[test]
fn the_man_pages_are_made_from_the_current_definitions() {
    let made = tempfile::tempdir().expect("temp dir");
    assert_cmd::Command::cargo_bin("tray-mcp")
        .expect("binary")
        .arg("man")
        .arg(made.path())
        .assert()
        .success();
    let committed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("man");
    let names = |dir: &std::path::Path| {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .expect("man folder")
            .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    assert_eq!(
        names(made.path()),
        names(&committed),
        "hint: run `cargo run -- man man`"
    );
    assert!(names(&committed).contains(&"tray-mcp-install.1".to_string()));
    for name in names(&committed) {
        assert_eq!(
            std::fs::read_to_string(made.path().join(&name)).expect("made"),
            std::fs::read_to_string(committed.join(&name)).expect("committed"),
            "man/{name} is stale; hint: run `cargo run -- man man`"
        );
    }
}
