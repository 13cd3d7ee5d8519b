//! Running a token source's `command` within bounds: a time limit and an output limit.
//!
//! Why: `apply` runs unattended (MDM, Ansible, CI). A password manager's CLI that waits for a
//! prompt nobody answers would hang the run forever, and a program that prints without end would
//! grow tray-mcp until the machine runs out of memory, and then be stored as a "token". So the
//! command gets `TRAY_MCP_TOKEN_COMMAND_SECS` (default 30 s) and [`MAX_SOURCE_BYTES`] of output;
//! past either it is killed and the run fails, naming the limit, with nothing written. A program
//! the command itself started and left running is not waited for.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The most a token source may yield, in bytes (a Tray token is well under 1 KiB; a password
/// manager's answer with a trailing line break too). Past it the source is refused.
pub const MAX_SOURCE_BYTES: usize = 64 * 1024;

/// A failure: what went wrong and what to do.
pub type Failure = (String, String);

/// Runs `command` in `folder` (stdin closed, stderr passed through so a password manager can say
/// why it failed) and returns its standard output, within `wait` and [`MAX_SOURCE_BYTES`].
pub fn run(command: &[String], folder: &Path, wait: Duration) -> Result<String, Failure> {
    let (program, args) = command.split_first().ok_or_else(|| {
        (
            "the command is empty".to_string(),
            "give the program and its arguments".to_string(),
        )
    })?;
    let mut child = Command::new(program)
        .args(args)
        .current_dir(folder)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| {
            (
                format!("could not start {program}: {error}"),
                format!("install {program} or put it on PATH"),
            )
        })?;
    let Some(mut stdout) = child.stdout.take() else {
        stop(&mut child);
        return Err(("its output could not be read".to_string(), "run it again".to_string()));
    };
    // The reader stops at the limit (plus one byte, to tell "exactly" from "more"); it runs on a
    // thread so that the wait below can give up on a command that neither ends nor prints.
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let mut output = Vec::new();
        let read = (&mut stdout).take(MAX_SOURCE_BYTES as u64 + 1).read_to_end(&mut output);
        let _ = sender.send(read.map(|_| output));
    });
    let output = match receiver.recv_timeout(wait) {
        Ok(Ok(output)) => output,
        Ok(Err(error)) => {
            stop(&mut child);
            return Err((
                format!("its output could not be read: {error}"),
                "run it again".to_string(),
            ));
        }
        Err(_) => {
            stop(&mut child);
            return Err(too_slow(wait));
        }
    };
    if output.len() > MAX_SOURCE_BYTES {
        stop(&mut child);
        return Err(too_long());
    }
    let status = child
        .wait()
        .map_err(|error| (format!("could not wait for it: {error}"), "run it again".to_string()))?;
    if !status.success() {
        let status = status
            .code()
            .map_or_else(|| "a signal".to_string(), |code| format!("exit status {code}"));
        return Err((
            format!("it ended with {status}"),
            "run the command yourself to see why (signed in to the password manager?)".to_string(),
        ));
    }
    String::from_utf8(output).map_err(|_| {
        (
            "its output is not UTF-8 text".to_string(),
            "make it print the token alone".to_string(),
        )
    })
}

/// Kills the command and reaps it (it has had its chance).
fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn too_slow(wait: Duration) -> Failure {
    (
        format!(
            "it did not finish within {} seconds, so it was stopped",
            wait.as_secs_f64()
        ),
        format!(
            "run it yourself to see what it waits for (a prompt? sign in to the password manager first), or give it longer with {}",
            crate::env::TRAY_MCP_TOKEN_COMMAND_SECS
        ),
    )
}

/// The refusal of a source that yields more than [`MAX_SOURCE_BYTES`].
pub fn too_long() -> Failure {
    (
        format!(
            "it yields more than {} KiB, which no API token is",
            MAX_SOURCE_BYTES / 1024
        ),
        "make the source yield the token alone".to_string(),
    )
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str, wait: Duration) -> Result<String, Failure> {
        run(
            &["sh".to_string(), "-c".to_string(), script.to_string()],
            Path::new("/"),
            wait,
        )
    }

    #[test]
    fn a_command_that_prints_its_token_yields_it() {
        assert_eq!(sh("echo tok-1", Duration::from_secs(30)).expect("ran"), "tok-1\n");
    }

    /// Issue 21 (10): a hanging command hung `apply`.
    #[test]
    fn a_command_that_never_ends_is_stopped_at_its_time_limit() {
        let (problem, hint) = sh("exec sleep 600", Duration::from_millis(200)).expect_err("stopped");
        assert!(problem.contains("did not finish within 0.2 seconds"), "{problem}");
        assert!(hint.contains("TRAY_MCP_TOKEN_COMMAND_SECS"), "{hint}");
    }

    /// Issue 21 (10): hundreds of MB of output were stored as the token.
    #[test]
    fn a_command_that_prints_without_end_is_stopped_at_the_output_limit() {
        let (problem, _) = sh("exec yes", Duration::from_secs(30)).expect_err("stopped");
        assert!(problem.contains("more than 64 KiB"), "{problem}");
        let exactly = sh("head -c 65536 /dev/zero | tr '\\0' a", Duration::from_secs(30)).expect("at the limit");
        assert_eq!(exactly.len(), MAX_SOURCE_BYTES);
    }
}
