//! Qwen Code: `~/.qwen/settings.json` (project `.qwen/settings.json`), Gemini CLI's shape with
//! remote entries under `httpUrl`.
//!
//! Facts (clients.md §9, running 0.24.4): `qwen mcp add -t http` writes `httpUrl`; comments are
//! kept on its own writes; project servers wait for approval. A trailing comma makes `qwen mcp
//! list` crash ("Cannot read operator sandbox policy ... Expected double-quoted property name";
//! it copies the file aside as `settings.json.corrupted`), a byte-order mark is read: `format`
//! declares that, so we refuse such a file with its position and never write one. `QWEN_HOME` names the folder
//! holding `settings.json` itself; Qwen expands a leading `~` in it and resolves a relative one
//! from the current directory (cli-entry.js `resolveQwenHome`).
//!
//! `--token-from-env` writes `${VAR}`, which Qwen Code expands as Gemini CLI does (it expands
//! `$HOME` in settings it reads, clients.md §9).
//!
//! Tool filter: Gemini CLI's `includeTools` / `excludeTools`, exact tool names, the exclusion
//! winning (qwen-code 0.24.4 `compileNameFilter` / `compiledFilterAccepts`: set membership).

use std::path::PathBuf;

use super::{EnvSyntax, FilterKeys, Headless, Shape, StdClient, TokenReference, token_reference::EXPANDS_ON_WRITE};
use crate::config::format::Format;
use crate::env;
use crate::paths::Environment;

/// Qwen Code.
pub const QWEN: StdClient = StdClient {
    id: "qwen",
    aliases: &["qwen-code"],
    name: "Qwen Code",
    format: Format::JsoncNoTrailingCommas { byte_order_mark: true },
    user_file: |environment| environment.join(&qwen_home(environment), &["settings.json"]),
    project_file: Some(&[".qwen", "settings.json"]),
    marker: qwen_home,
    servers_key: &["mcpServers"],
    shape: Shape {
        url_key: "httpUrl",
        token_reference: Some(TokenReference {
            caveat: Some(EXPANDS_ON_WRITE),
            ..TokenReference::expanded(EnvSyntax::DOLLAR_BRACES)
        }),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::SignIn("in a Qwen Code session, run `/mcp auth {name}` and sign in to Tray in the browser"),
    project_caveat: Some(
        "Qwen Code starts a project's servers only once approved (`qwen mcp approve NAME` in the project; `qwen mcp list` says \"Pending approval\"), and asks again when the entry changes (the approval, in ~/.qwen/mcpApprovals.json, is bound to its config)",
    ),
    trust: None,
    install_link: None,
    reload_hint: "start a new Qwen Code session (`qwen mcp list` shows the server)",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: Some(FilterKeys {
        include: Some("includeTools"),
        exclude: Some("excludeTools"),
        all: None,
    }),
};

/// Qwen Code's folder: `QWEN_HOME` (with `~` expanded as Qwen does), else `~/.qwen`.
fn qwen_home(environment: &Environment) -> PathBuf {
    let Some(raw) = environment.variables.client_home(env::QWEN_HOME) else {
        return environment.home_path(&[".qwen"]);
    };
    let text = raw.to_string_lossy();
    if text == "~" {
        return environment.home.clone();
    }
    if let Some(rest) = text.strip_prefix("~/").or_else(|| text.strip_prefix("~\\")) {
        let parts: Vec<&str> = rest.split(['/', '\\']).filter(|part| !part.is_empty()).collect();
        return environment.home_path(&parts);
    }
    environment
        .client_home(env::QWEN_HOME)
        .unwrap_or_else(|| environment.home_path(&[".qwen"]))
}
