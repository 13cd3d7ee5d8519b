//! The words of `--help`: the first screen and every command's `Examples:` block.
//!
//! Why its own module: these are texts a reader meets first, reviewed as prose; kept together
//! they stay consistent (one way to say "a real workspace"), and `cli.rs` keeps only the flag
//! definitions. Every example here is a command that works as written (placeholders in `<>`).

/// The top-level `about`: one line, what the tool is.
pub const ABOUT: &str = "Connect AI clients (Claude Code, Cursor, VS Code, ...) to a Tray.io workspace.";

/// The top-level help's opening: how to start, before anything else.
pub const START: &str = "\
Start here:
  tray-mcp                           the setup wizard: asks, shows the plan
  tray-mcp --sandbox -c claude-code  try it on the built-in demo workspace
  tray-mcp -w <UUID> --api-token-stdin -c claude-code < token.txt
                                     a real workspace, no questions asked
";

/// The top-level usage lines.
pub const USAGE: &str = "tray-mcp [INSTALL FLAGS]
       tray-mcp <COMMAND> [OPTIONS]";

/// The top-level help's layout: about, how to start, usage, commands, global options.
pub const TOP_TEMPLATE: &str = "\
{about-with-newline}
{before-help}{usage-heading} {usage}

{all-args}{after-help}";

/// After the top-level help's options.
pub const TOP_AFTER: &str = "\
Install flags work with or without `install`: see `tray-mcp install --help`.
Docs: https://github.com/tray-mcp/tray-mcp/tree/main/docs";

/// `install`.
pub const INSTALL: &str = "\
Examples:
  tray-mcp install                            # the wizard (on a terminal)
  tray-mcp install --sandbox -c claude-code   # the demo workspace, no account
  tray-mcp install -w <UUID> --api-token-stdin -c claude-code,cursor < token.txt
  tray-mcp install -w <UUID> --sign-in -c claude  # sign in with Tray
  tray-mcp install --headless -c claude-code  # Tray's hosted Headless MCP
  tray-mcp install -w <UUID> --api-token-stdin -c all --dry-run < token.txt";

/// `list`.
pub const LIST: &str = "\
Examples:
  tray-mcp list
  tray-mcp list tray-workspace -c cursor,claude-code
  tray-mcp list --json | jq '.entries[].name'";

/// `clients`.
pub const CLIENTS: &str = "\
Examples:
  tray-mcp clients
  tray-mcp clients --installed
  tray-mcp clients --json";

/// `remove`.
pub const REMOVE: &str = "\
Examples:
  tray-mcp remove tray-workspace --dry-run
  tray-mcp remove tray-workspace
  tray-mcp remove tray-workspace -c cursor";

/// `adopt`.
pub const ADOPT: &str = "\
Examples:
  tray-mcp adopt --dry-run
  tray-mcp adopt
  tray-mcp adopt my-tray -c claude-code";

/// `rename`.
pub const RENAME: &str = "\
Examples:
  tray-mcp rename tray-workspace tray-prod --dry-run
  tray-mcp rename tray-workspace tray-prod";

/// `token`.
pub const TOKEN: &str = "\
Examples:
  tray-mcp token set tray-workspace --api-token-stdin < new-token.txt
  tray-mcp token forget tray-workspace";

/// `token set`.
pub const TOKEN_SET: &str = "\
Examples:
  tray-mcp token set tray-workspace --api-token-stdin < new-token.txt
  tray-mcp token set tray-workspace           # asks, input hidden";

/// `token forget`.
pub const TOKEN_FORGET: &str = "\
Examples:
  tray-mcp token forget tray-workspace --dry-run
  tray-mcp token forget tray-workspace";

/// `login`.
pub const LOGIN: &str = "\
Examples:
  tray-mcp login tray-workspace
  tray-mcp login tray-prod -w <UUID> --region eu1
  tray-mcp login tray-workspace --headless
  tray-mcp login tray-workspace --no-browser  # prints the address to open";

/// `logout`.
pub const LOGOUT: &str = "\
Examples:
  tray-mcp logout tray-workspace
  tray-mcp logout tray-workspace --headless";

/// `doctor`.
pub const DOCTOR: &str = "\
Examples:
  tray-mcp doctor
  tray-mcp doctor tray-workspace --online
  tray-mcp doctor --json";

/// `apply`.
pub const APPLY: &str = "\
Examples:
  tray-mcp apply --dry-run
  tray-mcp apply -f team/tray-mcp.toml
  tray-mcp apply --check                      # exit 3 when anything drifted
  tray-mcp apply --prune";

/// `export`.
pub const EXPORT: &str = "\
Examples:
  tray-mcp export > tray-mcp.toml
  tray-mcp export --json";

/// `serve`.
pub const SERVE: &str = "\
Examples (AI clients run these; you rarely do):
  tray-mcp serve --profile tray-workspace
  tray-mcp serve --sandbox
  TRAY_API_TOKEN=<TOKEN> tray-mcp serve --workspace-id <UUID> --gateway
  tray-mcp serve --profile tray-workspace --log-level debug";

/// `uninstall`.
pub const UNINSTALL: &str = "\
Examples:
  tray-mcp uninstall --all --dry-run
  tray-mcp uninstall --all
  tray-mcp uninstall";

/// `completions`.
pub const COMPLETIONS: &str = "\
Examples:
  source <(tray-mcp completions bash)         # in ~/.bashrc
  tray-mcp completions zsh > ~/.zfunc/_tray-mcp
  tray-mcp completions fish > ~/.config/fish/completions/tray-mcp.fish";

/// `link`.
pub const LINK: &str = "\
Examples:
  tray-mcp link -c cursor --headless           # Cursor signs each user in
  tray-mcp link -c vscode -w <UUID> --transport http --api-token-stdin < token.txt
  tray-mcp link -c all --headless --markdown   # a badge per client that has links";

/// `bundle`.
pub const BUNDLE: &str = "\
Examples:
  tray-mcp bundle
  tray-mcp bundle -w <UUID> --region eu1 --out team.mcpb
  tray-mcp bundle --binary dist/tray-mcp.exe --platform win32";

/// `man` (hidden: how the repository's `man/` is made).
pub const MAN: &str = "\
Examples:
  tray-mcp man man";
