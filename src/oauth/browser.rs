//! Opening the sign-in page in the user's browser.
//!
//! Why `$BROWSER` first: it is the convention (Python's `webbrowser`, `git web--browse`, `gh`)
//! for saying which browser, and how, on any system; a list separated by `:` is tried in order,
//! and `%s` in an entry stands for the URL (otherwise the URL is the last argument). Without it,
//! the platform's opener: `open` (macOS), `xdg-open` (Linux, BSD), `rundll32` (Windows). The
//! browser is started, not waited for.

use std::process::{Command, Stdio};

/// The browser could not be started.
#[derive(Debug, thiserror::Error)]
#[error("could not open a browser ({0})")]
pub struct BrowserError(String);

/// Opens `url` with `$BROWSER` (given as `browser`) or the platform's opener.
pub fn open(url: &str, browser: Option<&str>) -> Result<(), BrowserError> {
    match browser.filter(|value| !value.trim().is_empty()) {
        Some(list) => {
            let mut failures = Vec::new();
            for entry in list.split(':').filter(|entry| !entry.trim().is_empty()) {
                match spawn(&command_line(entry, url)) {
                    Ok(()) => return Ok(()),
                    Err(error) => failures.push(format!("{}: {error}", first_word(entry))),
                }
            }
            Err(BrowserError(format!("$BROWSER: {}", failures.join("; "))))
        }
        None => spawn(&platform_opener(url)).map_err(|error| BrowserError(error.to_string())),
    }
}

/// The words of one `$BROWSER` entry with the URL put in (`%s`, else appended).
fn command_line(entry: &str, url: &str) -> Vec<String> {
    let mut words: Vec<String> = entry.split_whitespace().map(str::to_string).collect();
    if words.iter().any(|word| word.contains("%s")) {
        for word in &mut words {
            *word = word.replace("%s", url);
        }
    } else {
        words.push(url.to_string());
    }
    words
}

fn first_word(entry: &str) -> &str {
    entry.split_whitespace().next().unwrap_or(entry)
}

fn platform_opener(url: &str) -> Vec<String> {
    let words: &[&str] = if cfg!(target_os = "macos") {
        &["open"]
    } else if cfg!(windows) {
        &["rundll32", "url.dll,FileProtocolHandler"]
    } else {
        &["xdg-open"]
    };
    words
        .iter()
        .map(|word| word.to_string())
        .chain([url.to_string()])
        .collect()
}

fn spawn(words: &[String]) -> std::io::Result<()> {
    let (program, arguments) = words
        .split_first()
        .ok_or_else(|| std::io::Error::other("empty command"))?;
    Command::new(program)
        .args(arguments)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_url_replaces_percent_s_or_comes_last() {
        assert_eq!(
            command_line("firefox --new-tab", "http://x/"),
            ["firefox", "--new-tab", "http://x/"]
        );
        assert_eq!(
            command_line("sh -c open=%s", "http://x/"),
            ["sh", "-c", "open=http://x/"]
        );
    }

    #[test]
    fn a_browser_list_that_cannot_start_says_which() {
        let error = open(
            "http://127.0.0.1:9/",
            Some("/nonexistent/browser-a:/nonexistent/browser-b"),
        )
        .expect_err("nothing starts");
        let text = error.to_string();
        assert!(text.contains("browser-a") && text.contains("browser-b"), "{text}");
    }
}
