//! Gemini CLI: `~/.gemini/settings.json` (project `.gemini/settings.json`), `mcpServers`,
//! remote entries as `{"type": "http", "url", "headers"}`.
//!
//! Facts (clients.md §1, from gemini-cli's docs and code, and running 0.61.0): the file is read
//! with comments stripped, but a trailing comma and a byte-order mark are fatal ("Please fix the
//! configuration file(s)", exit 52, whatever the command: `format` declares it, so we refuse such
//! a file with its position and never write one); the
//! code treats `url` + `type: "http"` as Streamable HTTP, which `gemini mcp add -t http` writes.
//! `~` is `os.homedir()`, so Windows is `%USERPROFILE%\.gemini\` too; `GEMINI_CLI_HOME`
//! replaces that home (the file is then `$GEMINI_CLI_HOME/.gemini/settings.json`, as
//! gemini-cli's `homedir()` in packages/core/src/utils/paths.ts has it).
//!
//! Folder trust (on by default, `security.folderTrust.enabled`): in a folder the user has not
//! trusted, Gemini CLI lists every server, the user's included, as Disabled and starts none. The
//! rules are in `~/.gemini/trustedFolders.json` (`GEMINI_CLI_TRUSTED_FOLDERS_PATH`): path ->
//! `TRUST_FOLDER` | `TRUST_PARENT` | `DO_NOT_TRUST`, the longest matching path winning and
//! `TRUST_PARENT` standing for the path's parent (gemini-cli 0.61 `LoadedTrustedFolders`).
//! `doctor` applies that rule to the current directory.
//!
//! `--token-from-env` writes `${VAR}`: Gemini CLI expands `$VAR` and `${VAR}` in every string of
//! settings.json (docs/reference/configuration.md).
//!
//! Tool filter: `includeTools` / `excludeTools` in the entry, exact tool names, the exclusion
//! winning (docs/tools/mcp-server.md; gemini-cli 0.61.0 `isEnabled` compares a name for equality,
//! or as `name(` for a shell-style tool).

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::standard::client_home_or_home;
use super::{
    EnvSyntax, FilterKeys, Headless, Scope, ScopeTrust, Shape, StdClient, TokenReference,
    token_reference::EXPANDS_ON_WRITE,
};
use crate::config::format::Format;
use crate::config::format::open;
use crate::env;
use crate::paths::Environment;

/// Google's Gemini CLI.
pub const GEMINI: StdClient = StdClient {
    id: "gemini",
    aliases: &["gemini-cli"],
    name: "Gemini CLI",
    format: Format::JsoncNoTrailingCommas { byte_order_mark: false },
    user_file: |environment| {
        client_home_or_home(
            environment,
            env::GEMINI_CLI_HOME,
            &[".gemini", "settings.json"],
            &[".gemini", "settings.json"],
        )
    },
    project_file: Some(&[".gemini", "settings.json"]),
    marker: |environment| client_home_or_home(environment, env::GEMINI_CLI_HOME, &[".gemini"], &[".gemini"]),
    servers_key: &["mcpServers"],
    shape: Shape {
        remote_type: Some("http"),
        token_reference: Some(TokenReference {
            caveat: Some(EXPANDS_ON_WRITE),
            ..TokenReference::expanded(EnvSyntax::DOLLAR_BRACES)
        }),
        ..Shape::STANDARD
    },
    no_http: None,
    headless: Headless::SignIn("in a Gemini CLI session, run `/mcp auth {name}` and sign in to Tray in the browser"),
    project_caveat: Some("with folder trust on, Gemini CLI starts a project's servers only once the folder is trusted"),
    trust: Some(folder_trust),
    install_link: None,
    reload_hint: "start a new Gemini CLI session (`gemini mcp list` shows the server)",
    tool_cap: None,
    entry_approval_key: None,
    tool_filter: Some(FilterKeys {
        include: Some("includeTools"),
        exclude: Some("excludeTools"),
        all: None,
    }),
};

/// Gemini CLI's folder trust for the current directory (it covers both scopes).
fn folder_trust(environment: &Environment, _scope: Scope) -> Option<ScopeTrust> {
    let settings = (GEMINI.user_file)(environment);
    if read_json(&settings).and_then(|document| document.pointer("/security/folderTrust/enabled").cloned())
        == Some(Value::Bool(false))
    {
        return Some(ScopeTrust::Trusted(format!(
            "folder trust is off in {}, so Gemini CLI starts its servers in every folder",
            environment.display_path(&settings)
        )));
    }
    let rules_file = environment
        .client_home(env::GEMINI_CLI_TRUSTED_FOLDERS_PATH)
        .unwrap_or_else(|| {
            client_home_or_home(
                environment,
                env::GEMINI_CLI_HOME,
                &[".gemini", "trustedFolders.json"],
                &[".gemini", "trustedFolders.json"],
            )
        });
    let rules: Vec<(String, String)> = read_json(&rules_file)
        .and_then(|rules| rules.as_object().cloned())
        .map(|rules| {
            rules
                .into_iter()
                .filter_map(|(path, level)| Some((path, level.as_str()?.to_string())))
                .collect()
        })
        .unwrap_or_default();
    let folder = environment.display_path(&environment.current_dir);
    Some(match trusted(&rules, &environment.current_dir) {
        Some(true) => ScopeTrust::Trusted(format!("Gemini CLI trusts {folder} (folder trust)")),
        verdict => ScopeTrust::Untrusted {
            finding: format!(
                "Gemini CLI {} {folder}: with folder trust on it lists its servers as Disabled there and starts none",
                if verdict == Some(false) {
                    "distrusts"
                } else {
                    "has not been told to trust"
                },
            ),
            fix: format!(
                "run `gemini` in {folder} and trust the folder (or set \"{}\": \"TRUST_FOLDER\" in {}); to trust every folder, set security.folderTrust.enabled to false in {}",
                environment.current_dir.display(),
                environment.display_path(&rules_file),
                environment.display_path(&settings),
            ),
        },
    })
}

/// What the longest rule covering `folder` says: trusted, distrusted, or no rule.
fn trusted(rules: &[(String, String)], folder: &Path) -> Option<bool> {
    rules
        .iter()
        .filter_map(|(rule, level)| {
            let covered = match level.as_str() {
                "TRUST_PARENT" => PathBuf::from(rule).parent()?.to_path_buf(),
                "TRUST_FOLDER" | "DO_NOT_TRUST" => PathBuf::from(rule),
                _ => return None,
            };
            folder
                .starts_with(&covered)
                .then_some((rule.len(), level.as_str() != "DO_NOT_TRUST"))
        })
        .max_by_key(|(length, _)| *length)
        .map(|(_, trusted)| trusted)
}

/// A JSON-with-comments file as a value (`None` when it is missing or unreadable: Gemini CLI
/// then uses its defaults).
fn read_json(path: &Path) -> Option<Value> {
    let text = crate::config::safe_write::read_to_string(path).ok()?;
    open(GEMINI.format, &text).ok()?.get(&[]).ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(path, level)| (path.to_string(), level.to_string()))
            .collect()
    }

    #[test]
    fn the_longest_matching_rule_decides() {
        let folder = Path::new("/home/ada/work/app");
        assert_eq!(trusted(&[], folder), None);
        assert_eq!(
            trusted(&rules(&[("/home/ada/work", "TRUST_FOLDER")]), folder),
            Some(true)
        );
        assert_eq!(
            trusted(&rules(&[("/home/ada/work/app", "TRUST_PARENT")]), folder),
            Some(true)
        );
        assert_eq!(
            trusted(&rules(&[("/home/ada/work/ap", "TRUST_FOLDER")]), folder),
            None,
            "a prefix of a name is not a parent"
        );
        assert_eq!(
            trusted(
                &rules(&[("/home/ada", "TRUST_FOLDER"), ("/home/ada/work", "DO_NOT_TRUST")]),
                folder
            ),
            Some(false)
        );
        assert_eq!(trusted(&rules(&[("/home/ada/work", "SOMETIMES")]), folder), None);
    }
}
