//! Where a new API token comes from when it is not on the command line: standard input,
//! `TRAY_API_TOKEN`, or a hidden prompt on the terminal.
//!
//! Why its own module: reading standard input and asking on the terminal are I/O, and
//! `cli.rs` holds clap definitions only. The messages say which flag or variable to use.

use std::io::{IsTerminal, Read};

use tray_mcp::context::{Console, Context};
use tray_mcp::env::TRAY_API_TOKEN;
use tray_mcp::error::CommandError;
use tray_mcp::tray::{ApiToken, InvalidApiToken, ServerName};
use tray_mcp::wizard;

/// The process's console: its standard input, standard error and whether they are a terminal.
pub struct ProcessConsole;

impl Console for ProcessConsole {
    fn stdin_is_terminal(&self) -> bool {
        std::io::stdin().is_terminal()
    }

    fn on_terminal(&self) -> bool {
        std::io::stdin().is_terminal() && std::io::stderr().is_terminal()
    }

    fn read_stdin(&self) -> std::io::Result<String> {
        let mut input = String::new();
        std::io::stdin().read_to_string(&mut input)?;
        Ok(input)
    }
}

/// Reads all of standard input (after a prompt, on a terminal).
pub fn read_token_from_stdin(console: &dyn Console) -> Result<String, CommandError> {
    if console.stdin_is_terminal() {
        eprintln!("Paste the Tray API token, then press Ctrl-D:");
    }
    console
        .read_stdin()
        .map_err(|error| CommandError::usage(format!("could not read the API token from standard input: {error}"), ""))
}

/// The usage error for a token that cannot be used, with what to do instead.
pub fn token_error(error: InvalidApiToken) -> CommandError {
    let hint = match error {
        InvalidApiToken::Placeholder => {
            "use a real token: a workspace API user token (see \"Which token\" in docs/tokens.md)"
        }
        InvalidApiToken::Empty => "pass the token with --api-token-stdin, --api-token or TRAY_API_TOKEN",
        InvalidApiToken::ContainsWhitespace => "paste only the token itself, without spaces or other text",
    };
    CommandError::usage(error.to_string(), hint)
}

/// The new token of `tray-mcp token set NAME`: from standard input with `--api-token-stdin`,
/// else `TRAY_API_TOKEN`, else a hidden prompt on a terminal.
pub fn new_token(name: &ServerName, from_stdin: bool, context: &Context) -> Result<ApiToken, CommandError> {
    let variables = &context.variables;
    if from_stdin {
        return ApiToken::parse(&read_token_from_stdin(context.console())?).map_err(token_error);
    }
    if let Some(parsed) = &variables.api_token {
        return parsed.clone().map_err(token_error);
    }
    if context.console().on_terminal() {
        return wizard::ask_token(&mut wizard::terminal::InquirePrompter::new(variables));
    }
    Err(CommandError::usage(
        "missing the new token",
        format!("pipe it in: tray-mcp token set {name} --api-token-stdin < token.txt (or set {TRAY_API_TOKEN})"),
    ))
}
