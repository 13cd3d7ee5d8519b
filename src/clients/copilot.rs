//! GitHub Copilot CLI: `~/.copilot/mcp-config.json` on every OS, `mcpServers`, entries typed
//! `local` / `http` with `"tools": ["*"]`.
//!
//! Facts (clients.md §6, running 1.0.102): `copilot mcp add` writes `type: "local"` and
//! `tools: ["*"]`; the reader takes comments and trailing commas; `XDG_CONFIG_HOME` is no longer
//! honoured; `COPILOT_HOME` moves the folder (`copilot help environment`). Its workspace files (`.mcp.json`, `.github/mcp.json`) load only after folder trust
//! and `.mcp.json` is also Claude Code's project file, so only the user scope is offered.
//!
//! `--token-from-env` writes `${VAR}` in a bridge's `env`, which Copilot CLI expands there since
//! 1.0.10 (`$VAR`, `${VAR}`, `${VAR:-default}`: github/copilot-cli#903). Expansion in `headers`
//! is not documented, so http entries keep the token inline.

use super::standard::{Extra, client_home_or_home};
use super::{EnvSyntax, Headless, ReferenceForm, Shape, StdClient, TokenReference, Transport};
use crate::config::format::Format;
use crate::env;

/// GitHub's Copilot CLI.
pub const COPILOT: StdClient = StdClient {
    id: "copilot",
    aliases: &["copilot-cli", "github-copilot"],
    name: "Copilot CLI",
    format: Format::Jsonc,
    user_file: |environment| {
        client_home_or_home(
            environment,
            env::COPILOT_HOME,
            &["mcp-config.json"],
            &[".copilot", "mcp-config.json"],
        )
    },
    project_file: None,
    marker: |environment| client_home_or_home(environment, env::COPILOT_HOME, &[], &[".copilot"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        stdio_type: Some("local"),
        remote_type: Some("http"),
        extra: &[("tools", Extra::AllTools)],
        token_reference: Some(TokenReference {
            transports: &[Transport::Bridge],
            form: ReferenceForm::Expanded(EnvSyntax::DOLLAR_BRACES),
            caveat: None,
        }),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::SignIn(
        "start Copilot CLI: it opens the browser to sign in to Tray when it first connects to \"{name}\" (`/mcp` shows its state)",
    ),
    project_caveat: None,
    trust: None,
    reload_hint: "start a new Copilot CLI session (`copilot mcp list` shows the server)",
};
