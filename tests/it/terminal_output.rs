//! Output on an 80-column terminal (a pseudo-terminal, the real binary, a fake home): no line of
//! the install report, `list`, `doctor`, `clients` or an error is wider than the terminal except
//! a single unbreakable word (a path or URL); colour on a terminal, none with `NO_COLOR=1` or
//! `--color never`; and into a pipe the text is exactly what it was (no wrapping, no escapes).
//! Snapshots of both the coloured (escapes shown as `␛`) and the plain text.
#![cfg(unix)]

use crate::support;

use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::Session;
use expectrl::process::unix::WaitStatus;

use support::{FakeHome, outputs};

const COLUMNS: u16 = 80;
const ROWS: u16 = 200;

/// Runs tray-mcp with `args` in a pseudo-terminal `COLUMNS` wide (stdout and stderr both on it);
/// returns the exit code and everything it printed, line breaks as `\n`.
fn in_terminal(home: &FakeHome, args: &[&str], colour: bool) -> (i32, String) {
    let base = home.std_command();
    let mut command = Command::new("sh");
    // tray-mcp starts only once the terminal has its size (as tests/it/wizard.rs does).
    command
        .arg("-c")
        .arg(format!(
            "while [ \"$(stty size)\" != '{ROWS} {COLUMNS}' ]; do sleep 0.01; done; exec \"$0\" \"$@\""
        ))
        .arg(base.get_program())
        .args(args)
        .env_clear()
        .envs(base.get_envs().filter_map(|(name, value)| Some((name, value?))))
        .env("TERM", "xterm");
    if colour {
        command.env_remove("NO_COLOR");
    }
    if let Some(dir) = base.get_current_dir() {
        command.current_dir(dir);
    }
    let mut session = Session::spawn(command).expect("spawn in a pty");
    session
        .get_process_mut()
        .set_window_size(COLUMNS, ROWS)
        .expect("set the terminal size");
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut output = Vec::new();
    let mut buffer = [0u8; 8192];
    loop {
        match session.try_read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => output.extend_from_slice(&buffer[..count]),
            Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                assert!(Instant::now() < deadline, "tray-mcp did not finish");
                std::thread::sleep(Duration::from_millis(10));
            }
            // Linux reports the end of a pty as EIO.
            Err(_) => break,
        }
    }
    let code = match session.get_process().wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("tray-mcp did not exit normally: {other:?}"),
    };
    let text = String::from_utf8_lossy(&output).replace("\r\n", "\n");
    (code, home.redact(&text))
}

fn plain(text: &str) -> String {
    anstream::adapter::strip_str(text).to_string()
}

/// Every line fits in `COLUMNS`, or is one word (a path or URL that cannot be broken).
fn assert_fits(what: &str, text: &str) {
    for line in plain(text).lines() {
        let width = line.chars().count();
        let one_word = !line.trim().contains(' ');
        assert!(
            width <= usize::from(COLUMNS) || one_word,
            "{what}: a line of {width} columns:\n{line}\n--- all ---\n{}",
            plain(text)
        );
    }
}

/// A home where a long-named entry is installed in three clients.
fn home_with_entries() -> FakeHome {
    let home = FakeHome::new();
    for folder in [".cursor", ".claude", ".config/Code/User"] {
        std::fs::create_dir_all(home.path(folder)).expect("client folder");
    }
    home.install(&["-n", "tray-production-workspace", "-c", "cursor,claude-code,vscode"])
        .success();
    home
}

#[test]
fn the_install_report_list_doctor_and_clients_fit_80_columns_with_colour() {
    let home = FakeHome::new();
    std::fs::create_dir_all(home.path(".cursor")).expect("client folder");
    let (code, install) = in_terminal(
        &home,
        &[
            "--sandbox",
            "-n",
            "tray-sandbox-for-the-whole-team",
            "-c",
            "cursor,claude-code",
        ],
        true,
    );
    assert_eq!(code, 0, "{install}");
    assert_fits("install", &install);
    assert!(
        install.contains("\u{1b}[32mAdded\u{1b}[0m"),
        "Added not green:\n{install:?}"
    );
    insta::assert_snapshot!("install_80_colour", install.replace('\u{1b}', "␛"));

    let home = home_with_entries();
    let (code, list) = in_terminal(&home, &["list"], true);
    assert_eq!(code, 0, "{list}");
    assert_fits("list", &list);
    insta::assert_snapshot!("list_80", plain(&list));

    let (_, doctor) = in_terminal(&home, &["doctor"], true);
    assert_fits("doctor", &doctor);
    assert!(doctor.contains("\u{1b}[32m✓\u{1b}[0m"), "✓ not green:\n{doctor:?}");

    let (code, clients) = in_terminal(&home, &["clients"], true);
    assert_eq!(code, 0);
    assert_fits("clients", &clients);
    let (_, installed) = in_terminal(&home, &["clients", "--installed"], false);
    assert_eq!(
        plain(&installed).lines().filter(|line| !line.starts_with(' ')).count(),
        3,
        "three clients are installed here:\n{installed}"
    );
}

#[test]
fn an_error_fits_and_is_coloured_only_where_colour_is_on() {
    let home = FakeHome::new();
    home.write(".cursor/mcp.json", "{ \"mcpServers\": { \"broken\": [1, 2,, ] } }");
    let args = ["--sandbox", "-n", "tray-sandbox-for-the-whole-team", "-c", "cursor"];
    let (code, coloured) = in_terminal(&home, &args, true);
    assert_eq!(code, 1, "{coloured}");
    assert_fits("error", &coloured);
    assert!(
        coloured.contains("\u{1b}[1m\u{1b}[31merror:"),
        "error: not red:\n{coloured:?}"
    );
    insta::assert_snapshot!("error_80_colour", coloured.replace('\u{1b}', "␛"));

    let (_, no_color) = in_terminal(&home, &args, false);
    assert!(!no_color.contains('\u{1b}'), "NO_COLOR=1 still coloured:\n{no_color:?}");
    assert_eq!(no_color, plain(&coloured));
    insta::assert_snapshot!("error_80_plain", no_color);

    let mut never = args.to_vec();
    never.extend(["--color", "never"]);
    let (_, never) = in_terminal(&home, &never, true);
    assert!(!never.contains('\u{1b}'), "--color never still coloured");
}

#[test]
fn into_a_pipe_nothing_is_wrapped_or_coloured() {
    let home = home_with_entries();
    for args in [&["list"][..], &["clients"], &["doctor"], &["--color", "auto", "list"]] {
        let assert = home
            .command()
            .args(args)
            .env_remove("NO_COLOR")
            .env("COLUMNS", "40")
            .assert();
        let (stdout, stderr) = outputs(&assert);
        assert!(
            !stdout.contains('\u{1b}') && !stderr.contains('\u{1b}'),
            "{args:?} coloured a pipe"
        );
        if args.contains(&"list") {
            assert!(stdout.starts_with("NAME "), "{args:?}: not the table:\n{stdout}");
        }
    }
    let assert = home.command().args(["--color", "always", "doctor"]).assert();
    assert!(
        outputs(&assert).0.contains('\u{1b}'),
        "--color always is colour even into a pipe"
    );
}

#[test]
fn list_filters_by_name_and_client() {
    let home = home_with_entries();
    home.install(&["-n", "tray-dev", "-c", "cursor"]).success();
    let names = |args: &[&str]| -> Vec<String> {
        let mut command = home.command();
        command.arg("list").args(args).arg("--json");
        let json: serde_json::Value = serde_json::from_str(&outputs(&command.assert().success()).0).expect("JSON");
        json["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|entry| {
                format!(
                    "{} {}",
                    entry["name"].as_str().unwrap_or(""),
                    entry["client"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    assert_eq!(names(&[]).len(), 4);
    assert_eq!(names(&["tray-dev"]), ["tray-dev cursor"]);
    assert_eq!(names(&["-c", "cursor"]).len(), 2);
    assert_eq!(
        names(&["tray-production-workspace", "-c", "vscode"]),
        ["tray-production-workspace vscode"]
    );
    let assert = home.command().args(["list", "no-such-entry"]).assert().code(1);
    assert!(outputs(&assert).1.contains("no Tray entry named \"no-such-entry\""));
}
