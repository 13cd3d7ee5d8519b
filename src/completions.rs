//! `tray-mcp completions SHELL`: the shell completion scripts clap_complete writes, repaired.
//!
//! Why its own module: the repair is a text patch over a generated script, not a flag
//! definition, so it stays out of `cli.rs` (clap definitions only).

/// The completion script of `command` for `shell`.
///
/// clap_complete's bash script is broken for a hyphenated binary name (clap #6421, #6529): its
/// dispatch loop builds the state `tray__mcp__subcmd__install` while the case arms spell it
/// `tray__subcmd__mcp__subcmd__install`, so nothing after a subcommand completes. The arms are
/// rewritten to the loop's spelling.
pub fn script(command: &mut clap::Command, shell: clap_complete::Shell) -> String {
    let mut buffer = Vec::new();
    clap_complete::generate(shell, command, "tray-mcp", &mut buffer);
    let script = String::from_utf8_lossy(&buffer).into_owned();
    if shell == clap_complete::Shell::Bash {
        script.replace("tray__subcmd__mcp", "tray__mcp")
    } else {
        script
    }
}
