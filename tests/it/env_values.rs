//! Every environment variable tray-mcp reads, fed values a user might set by mistake (empty,
//! negative, NaN, infinite, huge, not a number, not a URL), to `serve`, `doctor --online` and
//! `install`: nothing panics, and a value that cannot be used is a usage error (exit 2) that
//! names the variable. Nothing here reaches the network: every URL points at a closed port on
//! 127.0.0.1.

use crate::support;

use std::time::Duration;

use support::{FakeHome, WORKSPACE, outputs};

/// A closed port on loopback: any request made by mistake fails at once, locally.
const NOWHERE: &str = "http://127.0.0.1:9";

/// The variables whose values are checked, with the values to try and whether each is unusable.
fn cases() -> Vec<(&'static str, Vec<(&'static str, bool)>)> {
    let seconds = vec![
        ("", false),
        ("-1", true),
        ("0", true),
        ("NaN", true),
        ("inf", true),
        ("1e20", true),
        ("soon", true),
        ("2.5", false),
    ];
    let url = vec![
        ("", false),
        ("-1", true),
        ("NaN", true),
        ("not a url", true),
        ("ftp://127.0.0.1:9", true),
        (NOWHERE, false),
    ];
    vec![
        ("TRAY_API_TIMEOUT_SECS", seconds.clone()),
        ("TRAY_GATEWAY_TIMEOUT_SECS", seconds),
        ("TRAY_API_URL", url.clone()),
        ("TRAY_GRAPHQL_URL", url.clone()),
        ("TRAY_GATEWAY_URL", url),
        (
            "TRAY_MCP_TOKEN_STORE",
            vec![("", false), ("-1", true), ("disk", true), ("file", false)],
        ),
        (
            "RUST_LOG",
            vec![("", false), ("tray_mcp=loud", true), ("tray_mcp=debug,warn", false)],
        ),
    ]
}

/// The URLs of a command not under test point at [`NOWHERE`].
fn command(home: &FakeHome, name: &str, value: &str) -> assert_cmd::Command {
    let mut command = home.command();
    for url in ["TRAY_API_URL", "TRAY_GRAPHQL_URL", "TRAY_GATEWAY_URL"] {
        command.env(url, NOWHERE);
    }
    command.env(name, value).timeout(Duration::from_secs(60));
    command
}

fn check(what: &str, name: &str, value: &str, unusable: bool, assert: &assert_cmd::assert::Assert) {
    let (_, stderr) = outputs(assert);
    let code = assert.get_output().status.code();
    assert!(
        !stderr.contains("panicked"),
        "{what} with {name}={value:?} panicked:\n{stderr}"
    );
    if unusable {
        assert_eq!(code, Some(2), "{what} with {name}={value:?}:\n{stderr}");
        assert!(
            stderr.contains(&format!("error: {name}=")) && stderr.contains("hint: "),
            "{what} with {name}={value:?} does not name the variable with a hint:\n{stderr}"
        );
    } else {
        assert_ne!(code, Some(2), "{what} with {name}={value:?}:\n{stderr}");
    }
}

#[test]
fn bad_values_are_usage_errors_naming_the_variable_and_nothing_panics() {
    let home = FakeHome::new();
    home.install(&["-c", "cursor"]).success();
    for (name, values) in cases() {
        for (value, unusable) in values {
            let serve = command(&home, name, value)
                .args(["serve", "--workspace-id", WORKSPACE, "--gateway"])
                .env("TRAY_API_TOKEN", support::TOKEN)
                .write_stdin("")
                .assert();
            check("serve", name, value, unusable, &serve);

            let doctor = command(&home, name, value).args(["doctor", "--online"]).assert();
            check("doctor --online", name, value, unusable, &doctor);

            let install = command(&home, name, value)
                .args(["-w", WORKSPACE, "--api-token-stdin", "-c", "cursor", "--dry-run"])
                .write_stdin(format!("{}\n", support::TOKEN))
                .assert();
            check("install", name, value, unusable, &install);
        }
    }
}

#[test]
fn a_bad_token_variable_is_a_usage_error_for_every_command_that_reads_it() {
    let home = FakeHome::new();
    for value in ["<your token>", "two words", "changeme"] {
        let serve = home
            .command()
            .args(["serve", "--workspace-id", WORKSPACE])
            .env("TRAY_API_TOKEN", value)
            .write_stdin("")
            .assert();
        let (_, stderr) = outputs(&serve);
        assert_eq!(serve.get_output().status.code(), Some(2), "{stderr}");
        assert!(
            stderr.contains("TRAY_API_TOKEN") && !stderr.contains("panicked"),
            "{stderr}"
        );

        let install = home
            .command()
            .args(["-w", WORKSPACE, "-c", "cursor", "--dry-run"])
            .env("TRAY_API_TOKEN", value)
            .assert();
        let (_, stderr) = outputs(&install);
        assert_eq!(install.get_output().status.code(), Some(2), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // Unset and empty are the same: no token.
    let serve = home
        .command()
        .args(["serve", "--workspace-id", WORKSPACE])
        .env("TRAY_API_TOKEN", "")
        .write_stdin("")
        .assert();
    let (_, stderr) = outputs(&serve);
    assert_eq!(serve.get_output().status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("TRAY_API_TOKEN is not set"), "{stderr}");
}

#[test]
fn bad_install_fallbacks_are_usage_errors() {
    let home = FakeHome::new();
    for (name, value) in [
        ("TRAY_REGION", "mars"),
        ("TRAY_REGION", "-1"),
        ("TRAY_WORKSPACE_ID", "NaN"),
        ("TRAY_WORKSPACE_ID", "1e20"),
    ] {
        let mut command = home.command();
        command.args(["--api-token-stdin", "-c", "cursor", "--dry-run"]);
        if name != "TRAY_WORKSPACE_ID" {
            command.args(["-w", WORKSPACE]);
        }
        let install = command.env(name, value).write_stdin(support::TOKEN).assert();
        let (_, stderr) = outputs(&install);
        assert_eq!(
            install.get_output().status.code(),
            Some(2),
            "{name}={value:?}:\n{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}
