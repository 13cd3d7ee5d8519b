//! The setup wizard, driven through a pseudo-terminal: the real binary against a fake home.
//!
//! Every keystroke is sent only after the question it answers is on screen (waiting for the
//! question's text from `tray_mcp::wizard::texts`), so the tests never sleep to synchronise.
//! Timeouts are generous (60 s per wait) for a loaded 2-core CI machine.
#![cfg(unix)]

use crate::support;

use std::collections::HashMap;
use std::process::Command;
use std::time::{Duration, Instant};

use expectrl::process::unix::WaitStatus;
use expectrl::session::OsSession;
use expectrl::{Expect, Session};

use support::{FakeHome, TOKEN, WORKSPACE, WORKSPACE_DEV};
use tray_mcp::tray::ServerName;
use tray_mcp::wizard::texts;

const ENTER: &str = "\r";
const DOWN: &str = "\x1b[B";
const SPACE: &str = " ";
const CTRL_C: &str = "\x03";
const ESC: &str = "\x1b";
const BACKSPACE: &str = "\x7f";
const CTRL_U: &str = "\x15";
const CTRL_W: &str = "\x17";
const CTRL_A: &str = "\x01";
const CTRL_E: &str = "\x05";

const WAIT: Duration = Duration::from_secs(60);

/// The terminal size: wide enough that no line wraps, tall enough that nothing scrolls away,
/// so the screen holds the whole session.
const COLUMNS: u16 = 250;
const ROWS: u16 = 500;

fn nonzero(value: u16) -> std::num::NonZeroU16 {
    std::num::NonZeroU16::new(value).expect("not zero")
}

/// The wizard running in a pseudo-terminal, read through a terminal emulator.
///
/// inquire redraws only what changed between frames, so a message can reach the terminal in
/// pieces; the tests therefore look at the emulated screen, never at the raw byte stream.
struct Wizard {
    session: OsSession,
    screen: vt100::Parser,
    /// How many times each waited-for text was on screen, so a question asked a second time
    /// is waited for anew.
    seen: HashMap<String, usize>,
    ended: bool,
}

impl Wizard {
    fn start(home: &FakeHome, args: &[&str], envs: &[(&str, &str)]) -> Self {
        Wizard::start_with_columns(home, args, envs, COLUMNS)
    }

    /// [`Wizard::start`] in a terminal `columns` wide.
    fn start_with_columns(home: &FakeHome, args: &[&str], envs: &[(&str, &str)], columns: u16) -> Self {
        // tray-mcp starts only once the terminal has the size set below (spawning sets its own
        // default size concurrently), so its first frame already uses it.
        let base = home.std_command();
        let mut command = Command::new("sh");
        command
            .arg("-c")
            .arg(format!(
                "while [ \"$(stty size)\" != '{ROWS} {columns}' ]; do sleep 0.01; done; exec \"$0\" \"$@\""
            ))
            .arg(base.get_program())
            .args(args)
            .env_clear()
            .envs(base.get_envs().filter_map(|(name, value)| Some((name, value?))))
            .env("TERM", "xterm");
        if let Some(dir) = base.get_current_dir() {
            command.current_dir(dir);
        }
        for (name, value) in envs {
            command.env(name, value);
        }
        let mut session = Session::spawn(command).expect("spawn in a pty");
        session
            .get_process_mut()
            .set_window_size(columns, ROWS)
            .expect("set the terminal size");
        Wizard {
            session,
            screen: vt100::Parser::new(nonzero(ROWS), nonzero(columns), 0),
            seen: HashMap::new(),
            ended: false,
        }
    }

    /// The screen as text.
    fn contents(&self) -> String {
        self.screen.screen().contents()
    }

    /// Feeds what the program printed to the emulator; waits up to `patience` for the first
    /// byte. Returns false once the program closed the terminal.
    fn pump(&mut self, patience: Duration) -> bool {
        let deadline = Instant::now() + patience;
        let mut buffer = [0u8; 8192];
        loop {
            match self.session.try_read(&mut buffer) {
                Ok(0) => {
                    self.ended = true;
                    return false;
                }
                Ok(count) => {
                    self.screen.process(&buffer[..count]);
                    return true;
                }
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return true;
                    }
                    // Polling the pty: the wait ends as soon as output arrives.
                    std::thread::sleep(Duration::from_millis(10));
                }
                // Linux reports the end of a pty as EIO.
                Err(_) => {
                    self.ended = true;
                    return false;
                }
            }
        }
    }

    /// Waits until `text` is on screen once more than the last time it was waited for.
    fn wait_for(&mut self, text: &str) {
        let deadline = Instant::now() + WAIT;
        let wanted = self.seen.get(text).copied().unwrap_or(0) + 1;
        loop {
            let count = self.contents().matches(text).count();
            if count >= wanted {
                self.seen.insert(text.to_string(), count);
                return;
            }
            if self.ended || Instant::now() >= deadline {
                panic!(
                    "waiting for {text:?} ({}):\n--- screen ---\n{}",
                    if self.ended { "tray-mcp exited" } else { "timed out" },
                    self.contents().trim_end()
                );
            }
            self.pump(Duration::from_millis(200));
        }
    }

    /// Types `keys`.
    fn send(&mut self, keys: &str) {
        self.session.send(keys).expect("send keys");
    }

    /// Waits for `question`, then types `keys`.
    fn answer(&mut self, question: &str, keys: &str) {
        self.wait_for(question);
        self.send(keys);
    }

    /// Reads to the end; returns the exit code and the final screen.
    fn finish(mut self) -> (i32, String) {
        self.wait_for_exit()
    }

    /// [`Wizard::finish`], keeping the session (and its screen) for a look afterwards.
    fn wait_for_exit(&mut self) -> (i32, String) {
        let deadline = Instant::now() + WAIT;
        while self.pump(Duration::from_millis(200)) {
            assert!(
                Instant::now() < deadline,
                "tray-mcp did not exit:\n{}",
                self.contents().trim_end()
            );
        }
        let status = self.session.get_process().wait().expect("wait");
        let contents = self.contents();
        match status {
            WaitStatus::Exited(_, code) => (code, contents),
            other => panic!("tray-mcp did not exit normally: {other:?}\n{contents}"),
        }
    }
}

fn snapshot_text(home: &FakeHome, text: &str) -> String {
    home.redact(text).replace(TOKEN, "[TOKEN]")
}

/// Markers that make Claude Desktop and Cursor "found on this machine".
fn home_with_claude_and_cursor() -> FakeHome {
    let home = FakeHome::new();
    std::fs::create_dir_all(home.path(".config/Claude")).expect("mkdir");
    std::fs::create_dir_all(home.path(".cursor")).expect("mkdir");
    home
}

#[test]
fn happy_path_for_several_clients() {
    let home = home_with_claude_and_cursor();
    let mut wizard = Wizard::start(&home, &[], &[]);
    wizard.wait_for(texts::CLIENT_FOUND);
    // Claude Desktop and Cursor come first, pre-selected; add Claude Code (the third line).
    wizard.answer(texts::CLIENTS_HELP, &format!("{DOWN}{DOWN}{SPACE}{ENTER}"));
    wizard.answer(texts::WORKSPACE_KIND_QUESTION, ENTER);
    wizard.answer(
        texts::WORKSPACE_QUESTION,
        &format!("https://app.tray.io/workspaces/{WORKSPACE}/projects{ENTER}"),
    );
    wizard.answer(texts::AUTH_QUESTION, ENTER);
    wizard.answer(texts::TOKEN_QUESTION, &format!("  {TOKEN}  {ENTER}"));
    wizard.answer(texts::NAME_QUESTION, ENTER);
    wizard.wait_for(&texts::transport_no_http(&["Claude Desktop"]));
    wizard.answer(texts::TRANSPORT_QUESTION, ENTER);
    wizard.answer(texts::REGION_QUESTION, &format!("{DOWN}{ENTER}"));
    wizard.answer(texts::GATEWAY_QUESTION, &format!("y{ENTER}"));
    wizard.wait_for(texts::REVIEW_HEADING);
    wizard.answer(texts::REVIEW_QUESTION, &format!("{DOWN}{ENTER}"));
    wizard.wait_for("+++ ~/.config/tray-mcp/profiles/tray-workspace.json");
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    wizard.wait_for(texts::DONE);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(TOKEN), "the token was shown:\n{transcript}");
    assert!(transcript.contains("[REDACTED]"), "the diff must show a redacted token");
    assert!(transcript.contains("restart Claude Desktop"), "{transcript}");
    assert!(transcript.contains("tray-mcp list"), "{transcript}");
    for (name, file) in [
        ("claude", ".config/Claude/claude_desktop_config.json"),
        ("claude-code", ".claude.json"),
        ("cursor", ".cursor/mcp.json"),
    ] {
        insta::assert_snapshot!(format!("happy_{name}"), snapshot_text(&home, &home.read(file)));
    }
    let profile = home.read(".config/tray-mcp/profiles/tray-workspace.json");
    insta::assert_snapshot!("happy_profile", snapshot_text(&home, &profile));
    assert!(!home.path(".codeium").exists() && !home.path(".config/Code").exists());
}

#[test]
fn found_clients_come_first_and_typing_filters_the_list() {
    let home = FakeHome::new();
    // Goose is near the end of the registry; found here, it is listed first.
    std::fs::create_dir_all(home.path(".config/goose")).expect("mkdir");
    let mut wizard = Wizard::start(&home, &[], &[]);
    wizard.wait_for(texts::CLIENTS_HELP);
    let screen = wizard.contents();
    let goose = screen.find("Goose").expect("Goose listed");
    let claude = screen.find("Claude Desktop").expect("Claude Desktop listed");
    assert!(goose < claude, "the found client is not first:\n{screen}");
    assert!(
        screen.contains("Continue"),
        "every client on a tall terminal:\n{screen}"
    );
    // Typing narrows the list; Space picks the match.
    wizard.send("windsurf");
    wizard.send(SPACE);
    wizard.send(ENTER);
    wizard.wait_for(texts::WORKSPACE_KIND_QUESTION);
    assert!(wizard.contents().contains("Goose, Windsurf"), "{}", wizard.contents());
    wizard.send(CTRL_C);
    let (code, _) = wizard.finish();
    assert_eq!(code, 130);
}

#[test]
fn a_bad_workspace_id_is_refused_then_a_good_one_accepted() {
    let home = FakeHome::new();
    // The token comes from the environment and the client from a flag: neither is asked.
    let mut wizard = Wizard::start(
        &home,
        &["install", "--interactive", "-c", "cursor"],
        &[("TRAY_API_TOKEN", TOKEN)],
    );
    wizard.answer(texts::WORKSPACE_KIND_QUESTION, ENTER);
    wizard.answer(texts::WORKSPACE_QUESTION, &format!("3f2a9c1e-nope{ENTER}"));
    wizard.wait_for(texts::WORKSPACE_NOT_YET);
    wizard.wait_for(texts::WORKSPACE_INVALID);
    wizard.send(&BACKSPACE.repeat(13));
    wizard.send(WORKSPACE);
    wizard.wait_for(&format!("{} {WORKSPACE}", texts::WORKSPACE_FOUND));
    wizard.send(ENTER);
    wizard.answer(texts::NAME_QUESTION, ENTER);
    wizard.answer(texts::TRANSPORT_QUESTION, &format!("{DOWN}{DOWN}{ENTER}"));
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(texts::TOKEN_QUESTION), "the token was asked again");
    assert!(!transcript.contains(texts::REGION_QUESTION), "http needs no region");
    insta::assert_snapshot!(
        "bad_uuid_then_good_cursor_http",
        snapshot_text(&home, &home.read(".cursor/mcp.json"))
    );
}

#[test]
fn empty_and_placeholder_tokens_are_refused() {
    let home = FakeHome::new();
    let mut wizard = Wizard::start(&home, &["-w", WORKSPACE, "-c", "windsurf", "--region", "eu1"], &[]);
    wizard.answer(texts::AUTH_QUESTION, ENTER);
    wizard.answer(texts::TOKEN_QUESTION, ENTER);
    wizard.wait_for(texts::TOKEN_EMPTY);
    wizard.send(&format!("two words{ENTER}"));
    wizard.wait_for(texts::TOKEN_WHITESPACE);
    wizard.send(&format!("your-api-token-here{ENTER}"));
    wizard.wait_for(texts::TOKEN_PLACEHOLDER);
    // Then the real token, with spaces pasted around it.
    wizard.send(&format!("  {TOKEN} {ENTER}"));
    wizard.answer(texts::NAME_QUESTION, ENTER);
    wizard.answer(texts::TRANSPORT_QUESTION, ENTER);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(texts::REGION_QUESTION), "--region was given");
    assert!(!transcript.contains(TOKEN));
    let profile = home.read(".config/tray-mcp/profiles/tray-workspace.json");
    insta::assert_snapshot!("tokens_profile", snapshot_text(&home, &profile));
}

/// A Cursor entry named `tray-workspace` that reaches another workspace.
const CURSOR_WITH_OTHER_WORKSPACE: &str = "{\n  // keep me\n  \"mcpServers\": {\n    \"tray-workspace\": {\n      \"url\": \"https://9d8c7b6a-5e4f-4a3b-9c2d-1e0f9a8b7c6d.mcp.tray.ai\"\n    }\n  }\n}\n";

#[test]
fn declined_overwrite_leaves_that_file_untouched_and_writes_the_others() {
    let home = home_with_claude_and_cursor();
    assert!(CURSOR_WITH_OTHER_WORKSPACE.contains(WORKSPACE_DEV));
    home.write(".cursor/mcp.json", CURSOR_WITH_OTHER_WORKSPACE);
    let mut wizard = Wizard::start(&home, &[], &[("TRAY_API_TOKEN", TOKEN)]);
    wizard.answer(texts::CLIENTS_HELP, ENTER);
    wizard.answer(texts::WORKSPACE_KIND_QUESTION, ENTER);
    wizard.answer(texts::WORKSPACE_QUESTION, &format!("{WORKSPACE}{ENTER}"));
    // The default name skips the one that reaches another workspace...
    wizard.wait_for("(tray-3f2a9c1e)");
    // ...but the user insists on it.
    wizard.answer(texts::NAME_QUESTION, &format!("tray-workspace{ENTER}"));
    wizard.answer(texts::TRANSPORT_QUESTION, ENTER);
    wizard.answer(texts::REGION_QUESTION, ENTER);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    let name = ServerName::parse("tray-workspace").expect("name");
    // A Tray entry written by hand: the question shows what it is.
    let shown = format!("https://{WORKSPACE_DEV}.mcp.tray.ai");
    wizard.answer(&texts::replace_question(&name, "Cursor", &shown), ENTER);
    wizard.wait_for(&texts::overwrite_declined("Cursor", "~/.cursor/mcp.json"));
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert_eq!(
        home.read(".cursor/mcp.json"),
        CURSOR_WITH_OTHER_WORKSPACE,
        "Cursor config changed"
    );
    insta::assert_snapshot!(
        "declined_claude",
        snapshot_text(&home, &home.read(".config/Claude/claude_desktop_config.json"))
    );
}

#[test]
fn every_value_given_on_a_terminal_installs_without_the_wizard() {
    let home = FakeHome::new();
    let envs = [("TRAY_WORKSPACE_ID", WORKSPACE), ("TRAY_API_TOKEN", TOKEN)];
    let wizard = Wizard::start(&home, &["-c", "cursor"], &envs);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(texts::WELCOME), "{transcript}");
    assert!(home.read(".cursor/mcp.json").contains("tray-workspace"));
}

#[test]
fn accepted_overwrite_replaces_the_entry_and_keeps_the_rest() {
    let home = home_with_claude_and_cursor();
    home.write(".cursor/mcp.json", CURSOR_WITH_OTHER_WORKSPACE);
    let args = [
        "install",
        "--interactive",
        "-c",
        "cursor",
        "-n",
        "tray-workspace",
        "--transport",
        "stdio",
        "--region",
        "us1",
    ];
    let envs = [("TRAY_WORKSPACE_ID", WORKSPACE), ("TRAY_API_TOKEN", TOKEN)];
    let mut wizard = Wizard::start(&home, &args, &envs);
    let name = ServerName::parse("tray-workspace").expect("name");
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    let shown = format!("https://{WORKSPACE_DEV}.mcp.tray.ai");
    wizard.answer(&texts::replace_question(&name, "Cursor", &shown), &format!("y{ENTER}"));
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    insta::assert_snapshot!(
        "overwritten_cursor",
        snapshot_text(&home, &home.read(".cursor/mcp.json"))
    );
}

#[test]
fn overwriting_our_own_entry_says_which_workspace_and_region_it_replaces() {
    let home = home_with_claude_and_cursor();
    home.command()
        .args([
            "-w",
            WORKSPACE_DEV,
            "--api-token-stdin",
            "-c",
            "cursor",
            "--transport",
            "http",
            "--no-verify",
        ])
        .write_stdin(format!("{TOKEN}\n"))
        .assert()
        .success();
    let args = [
        "install",
        "--interactive",
        "-c",
        "cursor",
        "-n",
        "tray-workspace",
        "--transport",
        "stdio",
        "--region",
        "us1",
        "--no-gateway",
    ];
    let envs = [("TRAY_WORKSPACE_ID", WORKSPACE), ("TRAY_API_TOKEN", TOKEN)];
    let mut wizard = Wizard::start(&home, &args, &envs);
    let name = ServerName::parse("tray-workspace").expect("name");
    // An http entry names its workspace, not its region (the gateway's URL is the same in each).
    let change = format!("workspace {WORKSPACE_DEV} → workspace {WORKSPACE} (us1)");
    wizard.answer(&texts::overwrite_question(&name, "Cursor", &change), ESC);
    let (code, _) = wizard.finish();
    assert_eq!(code, 130);
}

#[test]
fn a_server_of_the_user_s_own_is_replaced_only_when_the_user_says_yes_to_what_it_shows() {
    let home = home_with_claude_and_cursor();
    let own = "{\"mcpServers\": {\"tray-workspace\": {\"command\": \"node\", \"args\": [\"mine.js\", \"--api-key\", \"sk-own-secret\"]}}}\n";
    home.write(".cursor/mcp.json", own);
    let args = [
        "install",
        "--interactive",
        "-c",
        "cursor",
        "-n",
        "tray-workspace",
        "--transport",
        "stdio",
        "--region",
        "us1",
    ];
    let envs = [("TRAY_WORKSPACE_ID", WORKSPACE), ("TRAY_API_TOKEN", TOKEN)];
    let name = ServerName::parse("tray-workspace").expect("name");
    let question = texts::replace_question(&name, "Cursor", "node mine.js --api-key [hidden]");
    let mut wizard = Wizard::start(&home, &args, &envs);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    wizard.answer(&question, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains("sk-own-secret"), "{transcript}");
    assert_eq!(home.read(".cursor/mcp.json"), own, "declined: untouched");
    let mut wizard = Wizard::start(&home, &args, &envs);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    wizard.answer(&question, &format!("y{ENTER}"));
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    let cursor = home.read(".cursor/mcp.json");
    assert!(!cursor.contains("mine.js") && cursor.contains("--profile"), "{cursor}");
}

#[test]
fn ctrl_c_in_the_middle_writes_nothing() {
    let home = home_with_claude_and_cursor();
    home.write(".cursor/mcp.json", CURSOR_WITH_OTHER_WORKSPACE);
    let before = home.snapshot_files();
    let mut wizard = Wizard::start(&home, &[], &[]);
    wizard.answer(texts::CLIENTS_HELP, ENTER);
    wizard.answer(texts::WORKSPACE_KIND_QUESTION, ENTER);
    wizard.answer(texts::WORKSPACE_QUESTION, &format!("{WORKSPACE}{ENTER}"));
    wizard.answer(texts::AUTH_QUESTION, ENTER);
    wizard.answer(texts::TOKEN_QUESTION, CTRL_C);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 130, "{transcript}");
    assert!(transcript.contains("cancelled: no file was changed"), "{transcript}");
    assert_eq!(home.snapshot_files(), before, "a file changed");
}

#[test]
fn esc_at_the_review_writes_nothing() {
    let home = home_with_claude_and_cursor();
    let before = home.snapshot_files();
    let mut wizard = Wizard::start(&home, &["install", "--interactive", "--sandbox"], &[]);
    wizard.answer(texts::CLIENTS_HELP, ENTER);
    wizard.answer(texts::NAME_QUESTION, ENTER);
    wizard.answer(texts::REVIEW_QUESTION, ESC);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 130, "{transcript}");
    assert!(transcript.contains("cancelled: no file was changed"), "{transcript}");
    assert_eq!(home.snapshot_files(), before, "a file changed");
}

#[test]
fn sandbox_choice_skips_token_transport_and_region() {
    let home = FakeHome::new();
    let mut wizard = Wizard::start(&home, &["-c", "claude-code,vscode"], &[("TERM", "dumb")]);
    wizard.answer(texts::WORKSPACE_KIND_QUESTION, &format!("{DOWN}{ENTER}"));
    wizard.answer(texts::NAME_QUESTION, ENTER);
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    wizard.wait_for(texts::DONE);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    for question in [texts::TOKEN_QUESTION, texts::TRANSPORT_QUESTION, texts::REGION_QUESTION] {
        assert!(!transcript.contains(question), "{question} was asked for the sandbox");
    }
    insta::assert_snapshot!("sandbox_claude-code", snapshot_text(&home, &home.read(".claude.json")));
    insta::assert_snapshot!(
        "sandbox_vscode",
        snapshot_text(&home, &home.read(".config/Code/User/mcp.json"))
    );
    assert!(
        !home.path(".config/tray-mcp/profiles/tray-workspace.json").exists(),
        "the sandbox needs no profile"
    );
}

#[test]
fn without_a_terminal_a_missing_value_exits_2_and_never_prompts() {
    let home = FakeHome::new();
    for args in [
        &[][..],
        &["install"][..],
        &["install", "--interactive"][..],
        &["-c", "cursor"][..],
    ] {
        let assert = home
            .command()
            .args(args)
            .timeout(Duration::from_secs(60))
            .assert()
            .code(2);
        let (stdout, stderr) = support::outputs(&assert);
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(!stderr.contains(texts::WELCOME), "{args:?} started the wizard");
        if args.contains(&"--interactive") {
            assert!(stderr.contains(texts::NEEDS_TERMINAL), "{stderr}");
        } else {
            assert!(
                stderr.contains("--workspace-id (or TRAY_WORKSPACE_ID)")
                    && stderr.contains("--api-token-stdin (or TRAY_API_TOKEN)"),
                "{args:?}: {stderr}"
            );
        }
    }
    assert!(home.snapshot_files().is_empty());
}

#[test]
fn token_set_asks_for_the_new_token_hidden_on_a_terminal() {
    let home = FakeHome::new();
    home.install(&["-c", "claude"]).success();
    let new_token = "rotated-on-a-terminal-9f8e7d";
    let mut prompt = Wizard::start(&home, &["token", "set", "tray-workspace"], &[]);
    prompt.answer(texts::TOKEN_QUESTION, &format!("{new_token}{ENTER}"));
    let (code, screen) = prompt.finish();
    assert_eq!(code, 0, "{screen}");
    assert!(!screen.contains(new_token), "the token was echoed:\n{screen}");
    assert!(
        home.read(".config/tray-mcp/profiles/tray-workspace.json")
            .contains(new_token)
    );
}

/// Rows of the wizard's part of the screen (up to its last line, `Done.`) where a word runs off
/// the right edge into the next row: the row is full (or the terminal wrapped it) and both sides
/// of the edge are letters, so the terminal broke the word, not the wizard. The report printed
/// after `Done.` is the same as flags mode's (data on stdout) and is not the wizard's text.
fn split_words(screen: &vt100::Screen, columns: u16) -> Vec<String> {
    let rows: Vec<String> = screen.rows(0, columns).collect();
    let wizard_rows = rows.iter().position(|row| row == texts::DONE).unwrap_or(rows.len());
    (0..wizard_rows.saturating_sub(1))
        .filter(|&index| {
            let (row, next) = (&rows[index], &rows[index + 1]);
            let at_edge = screen.row_wrapped(index as u16) || row.chars().count() == usize::from(columns);
            at_edge && row.ends_with(|c: char| !c.is_whitespace()) && next.starts_with(|c: char| !c.is_whitespace())
        })
        .map(|index| format!("{}|{}", rows[index], rows[index + 1]))
        .collect()
}

/// In a 120- and an 80-column terminal, every text the wizard shows (welcome, questions, help,
/// review) is wrapped at spaces: no word is broken across rows.
#[test]
fn texts_wrap_at_spaces_in_narrow_terminals() {
    for columns in [120, 80] {
        let home = FakeHome::new();
        std::fs::create_dir_all(home.path(".cursor")).expect("mkdir");
        let mut wizard = Wizard::start_with_columns(&home, &["install", "--interactive", "-c", "cursor"], &[], columns);
        wizard.answer("Which workspace?", ENTER);
        wizard.answer("Tray workspace ID:", &format!("{WORKSPACE}{ENTER}"));
        wizard.answer("How should the entry authenticate", ENTER);
        wizard.answer("Tray API token", &format!("{TOKEN}{ENTER}"));
        wizard.answer("Server name:", ENTER);
        wizard.answer("How should the clients", ENTER);
        wizard.answer("Tray region:", ENTER);
        wizard.answer("Add your workspace's", &format!("n{ENTER}"));
        wizard.answer("Write these changes?", ENTER);
        wizard.wait_for(texts::DONE);
        let (code, transcript) = wizard.wait_for_exit();
        assert_eq!(code, 0, "{transcript}");
        let split = split_words(wizard.screen.screen(), columns);
        assert!(
            split.is_empty(),
            "{columns} columns: words broken at the edge:\n{}\n--- screen ---\n{transcript}",
            split.join("\n")
        );
        let words = transcript.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(words.contains(texts::WELCOME), "{transcript}");
    }
}

#[test]
fn the_headless_mcp_is_the_third_kind_of_server() {
    let home = FakeHome::new();
    let mut wizard = Wizard::start(&home, &["install", "--interactive", "-c", "cursor"], &[]);
    wizard.answer(texts::WORKSPACE_KIND_QUESTION, &format!("{DOWN}{DOWN}{ENTER}"));
    wizard.wait_for(texts::WORKSPACE_KIND_HEADLESS);
    wizard.answer(texts::NAME_QUESTION, ENTER);
    wizard.answer(texts::REGION_QUESTION, &format!("{DOWN}{ENTER}"));
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    wizard.wait_for(texts::DONE);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(
        !transcript.contains(texts::TOKEN_QUESTION),
        "no token for the Headless MCP"
    );
    assert!(!transcript.contains("Agent Gateway) beside"), "no gateway question");
    assert!(
        transcript.contains("click Connect next to \"tray-headless\""),
        "{transcript}"
    );
    let cursor: serde_json::Value = serde_json::from_str(&home.read(".cursor/mcp.json")).expect("json");
    assert_eq!(
        cursor["mcpServers"]["tray-headless"],
        serde_json::json!({"url": "https://api.eu1.tray.io/mcp"})
    );
}

/// "Sign in with Tray" instead of a token: no token or transport question (stdio, and why), the
/// browser sign-in after the review and before anything is written, then the same entries and
/// profile as `install --sign-in`. Against the local authorization server, with a `$BROWSER`
/// that follows its redirect.
#[test]
#[ignore = "needs scripts/test.sh"]
fn signing_in_instead_of_a_token_skips_the_token_and_transport_questions() {
    let tools = support::test_tools();
    let browser = support::fake_oauth::unattended_browser(&tools);
    let server = support::fake_oauth::protected_mcp(Vec::new());
    let home = FakeHome::new();
    let gateway = server.mcp.url();
    let envs = [("TRAY_GATEWAY_URL", gateway.as_str()), ("BROWSER", browser.as_str())];
    let mut wizard = Wizard::start(&home, &["install", "--interactive", "-c", "cursor"], &envs);
    wizard.answer(texts::WORKSPACE_KIND_QUESTION, ENTER);
    wizard.answer(texts::WORKSPACE_QUESTION, &format!("{WORKSPACE}{ENTER}"));
    wizard.answer(texts::AUTH_QUESTION, &format!("{DOWN}{ENTER}"));
    wizard.answer(texts::NAME_QUESTION, &format!("prod{ENTER}"));
    wizard.wait_for("Signing in uses the bundled server over stdio");
    wizard.answer(texts::REGION_QUESTION, ENTER);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    wizard.wait_for("Signing in with Tray in your browser");
    wizard.wait_for(texts::DONE);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    for question in [texts::TOKEN_QUESTION, texts::TRANSPORT_QUESTION] {
        assert!(!transcript.contains(question), "{question} was asked:\n{transcript}");
    }
    let secrets = server.auth.secrets();
    assert!(!secrets.is_empty());
    for secret in &secrets {
        assert!(!transcript.contains(secret), "{secret} shown:\n{transcript}");
    }
    assert!(transcript.contains("signed prod in to"), "{transcript}");
    assert_eq!(server.auth.authorizations(), 1);
    assert_eq!(server.auth.pkce_verified(), 1);
    let cursor = home.read(".cursor/mcp.json");
    assert!(cursor.contains("\"--profile\""), "{cursor}");
    let profile = home.read(".config/tray-mcp/profiles/prod.json");
    assert!(
        profile.contains("\"auth\": \"oauth\"") && !profile.contains("api_token"),
        "{profile}"
    );
    assert!(home.path(".config/tray-mcp/oauth/prod.json").exists());
}

#[test]
fn ctrl_u_after_a_wrong_paste_stores_exactly_the_token() {
    let home = FakeHome::new();
    let mut wizard = Wizard::start(&home, &["-w", WORKSPACE, "-c", "cursor", "--region", "eu1"], &[]);
    wizard.answer(texts::AUTH_QUESTION, ENTER);
    // A wrong paste, cleared with Ctrl-U; the token typed with its middle fixed by Ctrl-W,
    // Ctrl-A and Ctrl-E (none of them may be typed as a letter).
    wizard.answer(texts::TOKEN_QUESTION, "wrongpaste");
    wizard.send(CTRL_U);
    let (head, tail) = TOKEN.split_at(5);
    wizard.send(&format!("{tail} oops"));
    wizard.send(CTRL_W);
    wizard.send(BACKSPACE);
    wizard.send(CTRL_A);
    wizard.send(head);
    wizard.send(CTRL_E);
    wizard.send(ENTER);
    wizard.answer(texts::NAME_QUESTION, ENTER);
    // The visible prompts edit the same way: a typo cleared with Ctrl-U.
    wizard.answer(texts::TRANSPORT_QUESTION, ENTER);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(TOKEN), "the token was shown:\n{transcript}");
    let profile: serde_json::Value =
        serde_json::from_str(&home.read(".config/tray-mcp/profiles/tray-workspace.json")).expect("profile");
    assert_eq!(profile["api_token"], serde_json::json!(TOKEN), "{profile}");
}

#[test]
fn the_visible_prompts_take_the_same_line_editing_keys() {
    let home = FakeHome::new();
    let mut wizard = Wizard::start(
        &home,
        &["install", "--interactive", "-c", "cursor", "--no-verify"],
        &[("TRAY_API_TOKEN", TOKEN)],
    );
    wizard.answer(texts::WORKSPACE_KIND_QUESTION, ENTER);
    wizard.answer(texts::WORKSPACE_QUESTION, "not-a-workspace");
    wizard.send(CTRL_U);
    wizard.send(WORKSPACE);
    wizard.wait_for(&format!("{} {WORKSPACE}", texts::WORKSPACE_FOUND));
    wizard.send(ENTER);
    wizard.answer(texts::NAME_QUESTION, "tray-x");
    wizard.send(CTRL_W);
    wizard.send(&format!("tray-typed{ENTER}"));
    wizard.answer(texts::TRANSPORT_QUESTION, ENTER);
    wizard.answer(texts::REGION_QUESTION, ENTER);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    let profile = home.read(".config/tray-mcp/profiles/tray-typed.json");
    assert!(profile.contains(WORKSPACE), "{profile}");
}

/// A gateway guard that refuses one bearer with HTTP 401.
struct RefuseBearer(String);

impl support::fake_gateway::Guard for RefuseBearer {
    fn answer(
        &self,
        request: &support::fake_gateway::GatewayRequest,
        _base: &str,
    ) -> Option<support::fake_gateway::GuardAnswer> {
        (request.header("authorization") == Some(&format!("Bearer {}", self.0)))
            .then(|| (401, Vec::new(), "{\"error\":\"unauthorized\"}".to_string()))
    }
}

#[test]
fn a_token_tray_refuses_is_asked_again_and_the_right_one_is_named() {
    use support::fake_gateway::FakeGateway;
    use support::fake_tray::{Behavior, FakeTray};
    let wrong = "wrong-token-7c1d";
    let api = FakeTray::start(Behavior::RefuseBearer(wrong.to_string()));
    let gateway = FakeGateway::start_guarded(false, std::sync::Arc::new(RefuseBearer(wrong.to_string())), Vec::new());
    let home = FakeHome::new();
    let (rest, graphql) = (api.rest_url(), api.graphql_url());
    let gateway_url = gateway.url();
    let envs = [
        ("TRAY_API_URL", rest.as_str()),
        ("TRAY_GRAPHQL_URL", graphql.as_str()),
        ("TRAY_GATEWAY_URL", gateway_url.as_str()),
    ];
    let url = format!("https://app.eu1.tray.io/workspaces/{WORKSPACE}/projects");
    let mut wizard = Wizard::start(&home, &["-w", &url, "-c", "cursor"], &envs);
    wizard.answer(texts::AUTH_QUESTION, ENTER);
    wizard.answer(texts::TOKEN_QUESTION, &format!("{wrong}{ENTER}"));
    wizard.wait_for("Tray refused the API token");
    wizard.wait_for(texts::TOKEN_AGAIN);
    wizard.answer(texts::TOKEN_QUESTION, &format!("{TOKEN}{ENTER}"));
    wizard.wait_for("token of Ada Lovelace (ada@example.com) · eu1 · Agent Gateway: 3 tools");
    wizard.answer(texts::NAME_QUESTION, ENTER);
    wizard.answer(texts::TRANSPORT_QUESTION, ENTER);
    // The pasted EU URL pre-selects eu1: Enter keeps it.
    wizard.answer(texts::REGION_QUESTION, ENTER);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    wizard.answer(texts::TOOLS_QUESTION, ENTER);
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(
        !transcript.contains(TOKEN) && !transcript.contains(wrong),
        "{transcript}"
    );
    let profile: serde_json::Value =
        serde_json::from_str(&home.read(".config/tray-mcp/profiles/tray-workspace.json")).expect("profile");
    assert_eq!(profile["api_token"], serde_json::json!(TOKEN));
    assert_eq!(profile["region"], serde_json::json!("eu1"));
}

/// A wizard run with `args` against loopback fakes of Tray's API and of a gateway listing
/// `gateway_tools`, answered with the defaults (and the test token) up to the tools question;
/// the fakes live as long as the returned guard.
fn up_to_the_tools_question(
    home: &FakeHome,
    args: &[&str],
    gateway_tools: Vec<serde_json::Value>,
) -> (
    Wizard,
    (support::fake_tray::FakeTray, support::fake_gateway::FakeGateway),
) {
    let api = support::fake_tray::FakeTray::start(support::fake_tray::Behavior::Normal);
    let gateway = support::fake_gateway::FakeGateway::start_listing(false, gateway_tools);
    let (rest, graphql, gateway_url) = (api.rest_url(), api.graphql_url(), gateway.url());
    let envs = [
        ("TRAY_API_URL", rest.as_str()),
        ("TRAY_GRAPHQL_URL", graphql.as_str()),
        ("TRAY_GATEWAY_URL", gateway_url.as_str()),
    ];
    let mut wizard = Wizard::start(home, args, &envs);
    wizard.answer(texts::AUTH_QUESTION, ENTER);
    wizard.answer(texts::TOKEN_QUESTION, &format!("{TOKEN}{ENTER}"));
    wizard.answer(texts::NAME_QUESTION, ENTER);
    wizard.answer(texts::TRANSPORT_QUESTION, ENTER);
    wizard.answer(texts::REGION_QUESTION, ENTER);
    wizard.answer(texts::GATEWAY_QUESTION, ENTER);
    (wizard, (api, gateway))
}

#[test]
fn approve_read_only_through_the_wizard_goes_by_the_gateway_tools_its_token_check_listed() {
    let home = FakeHome::new();
    let gateway_tools = vec![
        serde_json::json!({"name": "lookup_customer", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true}}),
        serde_json::json!({"name": "delete_customer", "inputSchema": {"type": "object"}, "annotations": {"readOnlyHint": true, "destructiveHint": true}}),
    ];
    let (mut wizard, _fakes) = up_to_the_tools_question(
        &home,
        &["-w", WORKSPACE, "-c", "claude-code", "--approve", "read-only"],
        gateway_tools,
    );
    wizard.answer(texts::TOOLS_QUESTION, ENTER);
    wizard.wait_for("Added      ~/.claude/settings.json  (Claude Code settings)");
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(TOKEN), "{transcript}");
    let settings = home.read(".claude/settings.json");
    assert!(
        settings.contains("\"mcp__tray-workspace__lookup_customer\""),
        "{settings}"
    );
    assert!(
        settings.contains("\"mcp__tray-workspace__list_workflows\""),
        "{settings}"
    );
    assert!(!settings.contains("delete_customer"), "{settings}");
}

/// Once the token check has listed the gateway's tools, the wizard asks which tools the entry
/// serves (every one ticked); unticking the first writes a filter of exactly the others, which
/// `serve` then keeps to.
#[test]
fn the_wizard_asks_which_tools_to_serve_once_the_gateway_listed_them() {
    let home = FakeHome::new();
    let gateway_tools = vec![serde_json::json!({"name": "lookup_customer", "inputSchema": {"type": "object"}})];
    let (mut wizard, _fakes) = up_to_the_tools_question(&home, &["-w", WORKSPACE, "-c", "cursor"], gateway_tools);
    // Every tool ticked (7 built-in, 4 from the gateway): Space unticks the first
    // (explain_workflow_failure).
    wizard.answer(texts::TOOLS_QUESTION, &format!(" {ENTER}"));
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(TOKEN), "{transcript}");
    let profile: serde_json::Value =
        serde_json::from_str(&home.read(".config/tray-mcp/profiles/tray-workspace.json")).expect("profile");
    let tools: Vec<&str> = profile["tools"]
        .as_array()
        .unwrap_or_else(|| panic!("no filter in {profile}"))
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    assert_eq!(tools.len(), 10, "{profile}");
    assert!(
        tools.contains(&"lookup_customer") && tools.contains(&"list_workflows"),
        "{profile}"
    );
    assert!(!tools.contains(&"explain_workflow_failure"), "{profile}");
}

/// A bridge entry into Gemini CLI: the wizard asks which of the gateway's tools (as the token
/// check listed them) the client uses, and writes the answer into Gemini's own `includeTools`
/// in exact names. With Cursor chosen too (no filter of its own) it says so instead of asking.
#[test]
fn the_wizard_writes_a_bridge_entry_s_tools_into_gemini_s_own_filter() {
    let run = |clients: &str| {
        let home = FakeHome::new();
        let api = support::fake_tray::FakeTray::start(support::fake_tray::Behavior::Normal);
        let gateway_tools = vec![serde_json::json!({"name": "lookup_customer", "inputSchema": {"type": "object"}})];
        let gateway = support::fake_gateway::FakeGateway::start_listing(false, gateway_tools);
        let (rest, graphql, gateway_url) = (api.rest_url(), api.graphql_url(), gateway.url());
        let envs = [
            ("TRAY_API_URL", rest.as_str()),
            ("TRAY_GRAPHQL_URL", graphql.as_str()),
            ("TRAY_GATEWAY_URL", gateway_url.as_str()),
        ];
        let args = ["-w", WORKSPACE, "-c", clients, "--transport", "bridge"];
        let mut wizard = Wizard::start(&home, &args, &envs);
        // A bridge entry takes a token: the sign-in question is not asked.
        wizard.answer(texts::TOKEN_QUESTION, &format!("{TOKEN}{ENTER}"));
        wizard.answer(texts::NAME_QUESTION, ENTER);
        (home, wizard, (api, gateway))
    };

    let (home, mut wizard, _fakes) = run("gemini");
    // The gateway's four tools ticked, in its order (send_slack_message first): Space unticks it.
    wizard.answer(texts::CLIENT_TOOLS_QUESTION, &format!(" {ENTER}"));
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(TOKEN), "{transcript}");
    let settings: serde_json::Value = serde_json::from_str(&home.read(".gemini/settings.json")).expect("settings");
    let entry = &settings["mcpServers"]["tray-workspace"];
    let included: Vec<&str> = entry["includeTools"]
        .as_array()
        .unwrap_or_else(|| panic!("no includeTools in {entry}"))
        .iter()
        .filter_map(serde_json::Value::as_str)
        .collect();
    assert_eq!(included.len(), 3, "{entry}");
    assert!(included.contains(&"lookup_customer"), "{entry}");
    assert!(!included.contains(&"send_slack_message"), "{entry}");

    let (home, mut wizard, _fakes) = run("gemini,cursor");
    wizard.wait_for("Cursor has no per-server tool filter of its own");
    wizard.answer(texts::REVIEW_QUESTION, ENTER);
    let (code, transcript) = wizard.finish();
    assert_eq!(code, 0, "{transcript}");
    assert!(!transcript.contains(texts::CLIENT_TOOLS_QUESTION), "{transcript}");
    let settings: serde_json::Value = serde_json::from_str(&home.read(".gemini/settings.json")).expect("settings");
    assert!(
        settings["mcpServers"]["tray-workspace"].get("includeTools").is_none(),
        "{settings}"
    );
}
