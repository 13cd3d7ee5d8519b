//! Every text the wizard shows, in one place.
//!
//! Why: the PTY tests wait for these exact texts and the docs quote them. Keeping them here
//! (and having the tests import them) means a reworded question cannot silently break a test
//! or leave the docs describing a prompt that no longer exists. Texts stay plain ASCII so they
//! read the same on a dumb terminal.

use crate::tray::ServerName;

/// The first line the wizard prints.
pub const WELCOME: &str = "tray-mcp setup: connect your AI clients to a Tray workspace. Esc or Ctrl-C cancels; nothing is written before the review.";

/// Step 1: which clients.
pub const CLIENTS_QUESTION: &str = "Which AI clients should reach Tray?";
/// Help under the clients question.
pub const CLIENTS_HELP: &str =
    "Type to filter, Space to select, Enter to confirm. Clients found on this machine come first, pre-selected.";
/// Marker appended to a client found on this machine.
pub const CLIENT_FOUND: &str = "(found on this machine)";
/// Refusal when nothing is selected in a multiple choice (clients, tools).
pub const NONE_SELECTED: &str = "Select at least one (Space), then press Enter.";

/// Step 2: which kind of workspace.
pub const WORKSPACE_KIND_QUESTION: &str = "Which workspace?";
/// The real-workspace choice.
pub const WORKSPACE_KIND_TRAY: &str = "My Tray workspace (workspace ID; API token or sign-in)";
/// The sandbox choice.
pub const WORKSPACE_KIND_SANDBOX: &str = "Try without a Tray account (sandbox workspace)";
/// Tray's hosted Headless MCP choice.
pub const WORKSPACE_KIND_HEADLESS: &str =
    "Tray's hosted Headless MCP: build, run and debug workflows (the client signs you in to Tray; no token)";
/// Step 2: the workspace ID.
pub const WORKSPACE_QUESTION: &str = "Tray workspace ID:";
/// Where to find the workspace ID.
pub const WORKSPACE_HELP: &str = "In the Tray app, open your workspace: its ID is the UUID in the address bar (app.tray.io/workspaces/<ID>/...). Paste the ID or the whole URL.";
/// Shown as you type once the input holds a workspace ID (followed by the ID).
pub const WORKSPACE_FOUND: &str = "workspace";
/// Shown as you type while the input is not (yet) a workspace ID.
pub const WORKSPACE_NOT_YET: &str = "not a workspace ID yet (8-4-4-4-12 hex digits, or a Tray app URL)";
/// Refusal of a value that is not a workspace ID.
pub const WORKSPACE_INVALID: &str = "That is not a workspace ID: expected a UUID such as 3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718, or a Tray app URL that contains one.";

/// Step 3: how the entry authenticates.
pub const AUTH_QUESTION: &str = "How should the entry authenticate to Tray?";
/// The API-token choice (the default).
pub const AUTH_TOKEN: &str = "Paste an API token";
/// The sign-in choice.
pub const AUTH_SIGN_IN: &str = "Sign in with Tray in the browser (no token; you act as yourself)";
/// Help under the authentication question.
pub const AUTH_HELP: &str = "A token acts as its service account and works over every transport; signing in acts as you, with your own permissions, and needs the bundled server (stdio).";
/// Said when sign-in was chosen, instead of the transport question.
pub const SIGN_IN_STDIO: &str = "Signing in uses the bundled server over stdio: it keeps your sign-in in tray-mcp's store (the OS keychain, else a file only you can read) and refreshes it, so no client file holds a token. Bridge and direct HTTP entries would carry a token in the client's file.";
/// Said just before the browser opens (after the review was accepted).
pub const SIGN_IN_NOW: &str = "Signing in with Tray in your browser: nothing is written until the sign-in is done.";

/// Step 3: the API token.
pub const TOKEN_QUESTION: &str = "Tray API token (hidden):";
/// Where to find a token.
pub const TOKEN_HELP: &str = "A workspace API user token: the kind the Agent Gateway takes (\"Which token\" in docs/tokens.md says where to create one and what each part needs). Input is not shown; Ctrl-U clears it.";
/// Refusal of an empty token.
pub const TOKEN_EMPTY: &str = "The token is empty: paste the token from Tray, then press Enter.";
/// Refusal of a token with whitespace inside.
pub const TOKEN_WHITESPACE: &str = "The token contains spaces: paste only the token itself.";
/// Refusal of a placeholder token.
pub const TOKEN_PLACEHOLDER: &str = "That looks like a placeholder, not a real token. Hint: paste a workspace API user token (see \"Which token\" in docs/tokens.md).";
/// Said while the token is checked with Tray.
pub const TOKEN_CHECKING: &str = "Checking the token with Tray...";
/// Asked again after Tray refused the token.
pub const TOKEN_AGAIN: &str = "Paste the right token (Esc cancels; `--no-verify` skips the check).";

/// Step 4: the entry's name.
pub const NAME_QUESTION: &str = "Server name:";
/// Help under the name question.
pub const NAME_HELP: &str = "How the server appears in your clients (letters, digits, - and _).";
/// Refusal of an invalid name.
pub const NAME_INVALID: &str = "Use 1-64 letters, digits, '-' or '_', not starting with '-'.";

/// Step 5: the transport.
pub const TRANSPORT_QUESTION: &str = "How should the clients reach Tray?";
/// The stdio choice.
pub const TRANSPORT_STDIO: &str = "Bundled server over stdio (recommended: no Node.js needed)";
/// The direct HTTP choice.
pub const TRANSPORT_HTTP: &str = "Direct HTTP to the workspace's Agent Gateway (token stored in the client config)";
/// Why the HTTP choice is missing: the chosen clients that take only local servers (from the
/// registry's refused transports), or the sandbox when none of them refuses.
pub fn transport_no_http(refusing: &[&str]) -> String {
    match refusing {
        [] => "Direct HTTP is not offered: the sandbox workspace runs only in the bundled server.".to_string(),
        [one] => format!("Direct HTTP is not offered: {one} takes only local (stdio) servers."),
        [first @ .., last] => format!(
            "Direct HTTP is not offered: {} and {last} take only local (stdio) servers.",
            first.join(", ")
        ),
    }
}
/// Explanation when `npx` is missing and the bridge was chosen.
pub const BRIDGE_NO_NPX: &str = "warning: npx was not found on PATH. The bridge runs `npx mcp-remote`, which needs Node.js (https://nodejs.org). The bundled stdio server needs no Node.js.";
/// Confirmation after [`BRIDGE_NO_NPX`].
pub const BRIDGE_ANYWAY: &str = "Use the bridge anyway?";

/// The bridge choice, with what was found of Node.js.
pub fn transport_bridge(node_version: Option<&str>, npx_found: bool) -> String {
    let found = match (node_version, npx_found) {
        (Some(version), true) => format!("Node.js {version} found"),
        (Some(version), false) => format!("Node.js {version} found, but npx is missing"),
        (None, true) => "npx found".to_string(),
        (None, false) => "needs Node.js: npx not found".to_string(),
    };
    format!("mcp-remote bridge via npx ({found})")
}

/// Step 6: the region.
pub const REGION_QUESTION: &str = "Tray region:";
/// Help under the region question.
pub const REGION_HELP: &str = "The region your Tray account lives in (the default comes from TRAY_REGION, else us1).";

/// Step 6c, after the gateway question, once the token check listed the gateway's tools.
pub const TOOLS_QUESTION: &str = "Which tools should this entry serve? (the built-in tools and your Agent Gateway's)";
/// Step 7, for a bridge or http entry: the client talks to the gateway itself, so the answer
/// goes into each client's own tool filter.
pub const CLIENT_TOOLS_QUESTION: &str =
    "Which of your Agent Gateway's tools should the clients use? (written into each client's own tool filter)";

/// Said instead of the tools question for a bridge or http entry when some chosen client has no
/// tool filter of its own.
pub fn client_tools_unfiltered(clients: &[&str]) -> String {
    format!(
        "{} {} no per-server tool filter of its own, so the entry serves every tool the gateway lists (a stdio entry can filter: `tray-mcp install --tools`).",
        clients.join(", "),
        if clients.len() == 1 { "has" } else { "have" }
    )
}
/// Step 6b (bundled server with a real workspace): the Agent Gateway pass-through.
pub const GATEWAY_QUESTION: &str = "Add your workspace's Workflow Tools and Connector Tools (its Agent Gateway) beside the built-in tools? (if your plan has no Agent Gateway, the built-in tools still work)";

/// Step 7: heading of the review.
pub const REVIEW_HEADING: &str = "Review: these files will change";
/// Heading when nothing needs writing.
pub const REVIEW_NOTHING: &str = "Review: every file already holds this entry; nothing to write.";
/// The review line's word for copying the binary to where the entries point.
pub const REVIEW_INSTALL_BINARY: &str = "Install";
/// The review question.
pub const REVIEW_QUESTION: &str = "Write these changes?";
/// Review choice: write.
pub const REVIEW_WRITE: &str = "Yes, write them";
/// Review choice: show the diff.
pub const REVIEW_DIFF: &str = "Show the full diff first (token redacted)";
/// Review choice: cancel.
pub const REVIEW_CANCEL: &str = "No, cancel (nothing is written)";

/// The question for an existing entry of the same name.
/// `change` says what it replaces: `workspace A (us1) → workspace B (eu1)`.
pub fn overwrite_question(name: &ServerName, client: &str, change: &str) -> String {
    format!("Server \"{name}\" already exists in {client} config ({change}). Overwrite it?")
}

/// The question for an entry of the same name that tray-mcp did not write, showing what it
/// runs or points at (never a token).
pub fn replace_question(name: &ServerName, client: &str, shown: &str) -> String {
    format!("Server \"{name}\" in {client} config was not written by tray-mcp: {shown}. Replace it?")
}

/// Said after an overwrite was declined.
pub fn overwrite_declined(client: &str, shown_path: &str) -> String {
    format!("Leaving {client} config {shown_path} untouched.")
}

/// Asked when declined entries share the profile that would be rewritten.
pub fn shared_profile_question(name: &ServerName) -> String {
    format!(
        "The entries you kept also run with the \"{name}\" profile: updating it points them to the new workspace too. Update it anyway?"
    )
}

/// Hint when the user declines [`shared_profile_question`].
pub const SHARED_PROFILE_HINT: &str = "run the wizard again and choose another server name";

/// Said when every chosen client was declined.
pub const NOTHING_LEFT: &str = "Every client was left untouched; nothing to write.";

/// Step 8: heading before the report.
pub const DONE: &str = "Done.";

/// Refusal to start the wizard without a terminal.
pub const NEEDS_TERMINAL: &str = "the setup wizard needs a terminal (standard input and error must be a TTY)";

/// Help under a single choice (ASCII, unlike inquire's default with arrow symbols).
pub const SELECT_HELP: &str = "Up/Down to move, Enter to choose";
/// Help under a multiple choice.
pub const MULTI_SELECT_HELP: &str = "Up/Down to move, Space to select, Enter to confirm";

/// `text` broken into lines of at most `width` characters, at spaces only (a word longer than
/// the line keeps its own line, unbroken). Existing line breaks are kept.
///
/// Why: a terminal breaks an over-long line wherever the column ends, mid-word; the wizard's
/// texts are sentences, so they are wrapped to the terminal before they are shown.
pub fn wrap(text: &str, width: usize) -> String {
    text.split('\n')
        .map(|line| wrap_line(line, width.max(1)))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One line wrapped as [`wrap`] does; a line that fits is returned as it is, and the lines of a
/// wrapped one keep its indentation.
fn wrap_line(line: &str, width: usize) -> String {
    if line.chars().count() <= width {
        return line.to_string();
    }
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    let room = width.saturating_sub(indent.len()).max(1);
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in body.split(' ').filter(|word| !word.is_empty()) {
        if !current.is_empty() && current.chars().count() + 1 + word.chars().count() > room {
            lines.push(std::mem::take(&mut current));
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(word);
    }
    lines.push(current);
    lines
        .iter()
        .map(|wrapped| format!("{indent}{wrapped}"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Asked after adopting the existing entries: whether to go on and add a new one.
pub const ADD_ANOTHER: &str = "Add a new entry too?";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_at_spaces_within_the_width() {
        assert_eq!(wrap("one two three four", 9), "one two\nthree\nfour");
        assert_eq!(wrap("short", 80), "short");
        for width in [20, 40, 79, 119] {
            for line in wrap(WELCOME, width).lines() {
                assert!(line.chars().count() <= width, "{width}: {line:?}");
            }
            assert_eq!(wrap(WELCOME, width).replace('\n', " "), WELCOME);
        }
    }

    #[test]
    fn a_word_longer_than_the_line_stays_whole_and_breaks_are_kept() {
        assert_eq!(
            wrap("a ~/.config/Claude/claude_desktop_config.json b", 10),
            "a\n~/.config/Claude/claude_desktop_config.json\nb"
        );
        assert_eq!(wrap("first line\nsecond", 80), "first line\nsecond");
        assert_eq!(
            wrap("  Added  a-long-path  (role)", 12),
            "  Added\n  a-long-path\n  (role)"
        );
    }

    #[test]
    fn the_missing_http_choice_names_the_clients_that_refuse_it() {
        assert_eq!(
            transport_no_http(&["Claude Desktop"]),
            "Direct HTTP is not offered: Claude Desktop takes only local (stdio) servers."
        );
        assert_eq!(
            transport_no_http(&["A", "B", "C"]),
            "Direct HTTP is not offered: A, B and C take only local (stdio) servers."
        );
        assert!(transport_no_http(&[]).contains("sandbox"));
    }
}
