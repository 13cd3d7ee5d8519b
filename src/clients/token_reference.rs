//! `--token-from-env`: an entry that names the environment variable holding Tray's token, in
//! the client's own syntax, instead of holding the token.
//!
//! Why per client: each client expands variables in its config its own way (`${VAR}` in Claude
//! Code, `${env:VAR}` in Cursor and VS Code, `{env:VAR}` in OpenCode, a field naming the
//! variable in Codex), and some do not expand them at all (Claude Desktop, Zed, Goose). A
//! reference a client does not expand would reach Tray as the literal text, so each client's file
//! declares its syntax and the transports it covers, and a client without one refuses the flag
//! rather than get an entry that cannot work. The value itself is never written: the entry holds
//! only the variable's name, so rotating the token changes no file.

use serde_json::Value;

use super::Transport;

/// How a client writes a reference to an environment variable inside a string value, which it
/// replaces with the variable's value when it loads the entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EnvSyntax {
    /// The text before the variable's name.
    pub before: &'static str,
    /// The text after it.
    pub after: &'static str,
}

impl EnvSyntax {
    /// `${VAR}`: Claude Code, Gemini CLI, Qwen Code, Copilot CLI, Kiro, Crush.
    pub const DOLLAR_BRACES: EnvSyntax = EnvSyntax {
        before: "${",
        after: "}",
    };
    /// `${env:VAR}`: Cursor, Windsurf, VS Code, Roo Code.
    pub const DOLLAR_ENV: EnvSyntax = EnvSyntax {
        before: "${env:",
        after: "}",
    };
    /// `{env:VAR}`: OpenCode and Kilo Code.
    pub const BRACE_ENV: EnvSyntax = EnvSyntax {
        before: "{env:",
        after: "}",
    };

    /// The reference to `variable`.
    pub fn wrap(self, variable: &str) -> String {
        format!("{}{variable}{}", self.before, self.after)
    }

    /// The variable `text` refers to, when `text` is `Bearer ` and a reference in this syntax.
    pub fn variable_in_bearer(self, text: &str) -> Option<&str> {
        let variable = text
            .strip_prefix("Bearer ")?
            .strip_prefix(self.before)?
            .strip_suffix(self.after)?;
        is_variable_name(variable).then_some(variable)
    }
}

/// How an entry names the variable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReferenceForm {
    /// Inside the `Authorization` value: `Bearer ${VAR}` in the header (http) or in the bridge's
    /// `env` value.
    Expanded(EnvSyntax),
    /// A field of the http entry holding the variable's name (Codex's `bearer_token_env_var`).
    Field(&'static str),
    /// For a client that expands nothing but forwards named variables to a stdio server: the
    /// bridge's own argument `--header "Authorization:Bearer ${VAR}"`, which `mcp-remote`
    /// expands from its environment, and `VAR` in the list under this key (Codex's `env_vars`,
    /// Goose's `env_keys`) so the client passes it on.
    BridgeArgument(&'static str),
}

impl ReferenceForm {
    /// The variable an entry reads its token from, when it names one this way.
    pub fn variable_in(self, entry: &Value) -> Option<String> {
        let named = match self {
            ReferenceForm::Expanded(syntax) => {
                crate::config::strings(entry).find_map(|text| syntax.variable_in_bearer(text))
            }
            ReferenceForm::Field(key) => entry.get(key).and_then(Value::as_str),
            ReferenceForm::BridgeArgument(forward) => crate::config::strings(entry)
                .find_map(|text| EnvSyntax::DOLLAR_BRACES.variable_in_bearer(text.strip_prefix("Authorization:")?))
                .filter(|variable| forwards(entry, forward, variable)),
        };
        named.filter(|name| is_variable_name(name)).map(str::to_string)
    }

    /// How the reference is shown to the user (`${TRAY_TOKEN_PROD}`, `bearer_token_env_var`).
    pub fn shown(self, variable: &str) -> String {
        match self {
            ReferenceForm::Expanded(syntax) => syntax.wrap(variable),
            ReferenceForm::Field(key) => format!("{key} = \"{variable}\""),
            ReferenceForm::BridgeArgument(forward) => {
                format!("--header \"Authorization:Bearer ${{{variable}}}\" with {forward} = [\"{variable}\"]")
            }
        }
    }
}

/// Whether the entry's list `key` holds `variable`.
fn forwards(entry: &Value, key: &str, variable: &str) -> bool {
    entry
        .get(key)
        .and_then(Value::as_array)
        .is_some_and(|names| names.iter().any(|name| name == variable))
}

/// The `--header` argument of a bridge that lets `mcp-remote` read the token from `variable`
/// ([`ReferenceForm::BridgeArgument`]).
pub fn bridge_header_argument(variable: &str) -> String {
    format!("Authorization:Bearer {}", EnvSyntax::DOLLAR_BRACES.wrap(variable))
}

/// A client's way of reading Tray's token from an environment variable named in its entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenReference {
    /// The transports whose entries it works in.
    pub transports: &'static [Transport],
    /// How the entry names the variable.
    pub form: ReferenceForm,
    /// What the user should know about such entries in this client (shown with the install).
    pub caveat: Option<&'static str>,
}

impl TokenReference {
    /// A reference expanded in string values, for bridge (`env`) and http (`headers`) entries.
    pub const fn expanded(syntax: EnvSyntax) -> TokenReference {
        TokenReference {
            transports: &[Transport::Bridge, Transport::Http],
            form: ReferenceForm::Expanded(syntax),
            caveat: None,
        }
    }

    /// The syntax of an expanded reference (`None` for the other forms).
    pub fn syntax(self) -> Option<EnvSyntax> {
        match self.form {
            ReferenceForm::Expanded(syntax) => Some(syntax),
            ReferenceForm::Field(_) | ReferenceForm::BridgeArgument(_) => None,
        }
    }

    /// Its form for `transport`, when it covers that transport.
    pub fn for_transport(self, transport: Transport) -> Option<ReferenceForm> {
        self.transports.contains(&transport).then_some(self.form)
    }
}

/// The variable `--token-from-env` names when given no name: `TRAY_TOKEN_<NAME>`, the entry's
/// name upper-cased with every other character as `_` (what Codex entries have always used).
pub fn default_token_variable(name: &str) -> String {
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect();
    format!("TRAY_TOKEN_{name}")
}

/// Whether `name` can name an environment variable in every client's syntax: a letter or `_`,
/// then letters, digits and `_`.
pub fn is_variable_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The transports whose entries can carry a token (and so a reference to its variable).
pub const TOKEN_TRANSPORTS: [Transport; 2] = [Transport::Bridge, Transport::Http];

/// What to do instead, for a client that cannot read the token from a variable in `transport`
/// entries: `others`, the transports where it can, else the inline token or the bundled server.
pub(super) fn refusal_hint(client: &str, others: &[Transport]) -> String {
    let others: Vec<&str> = others.iter().map(|other| other.as_str()).collect();
    if others.is_empty() {
        format!(
            "{client} does not expand environment variables where the token goes: drop --token-from-env (the entry then holds the token, in a file made readable only by you), or use --transport stdio (the token stays in tray-mcp's profile store)"
        )
    } else {
        format!(
            "{client} reads the token from an environment variable in {} entries: use --transport {}, or drop --token-from-env (the entry then holds the token, in a file made readable only by you)",
            others.join(" and "),
            others[0]
        )
    }
}

/// The note an install prints for an entry that reads its token from `variable`, with the
/// client's own caveat.
pub(super) fn variable_notice(client: &str, variable: &str, caveat: Option<&str>) -> String {
    let mut notice = format!(
        "{client} reads this entry's token from the environment variable {variable}: set it to your Tray API token where {client} runs (an app started from the desktop may not see your shell's variables)"
    );
    if let Some(caveat) = caveat {
        notice.push_str("; ");
        notice.push_str(caveat);
    }
    notice
}

/// Gemini CLI and Qwen Code rewrite the whole file with every reference expanded when their
/// own `mcp add` runs (clients.md §1, §9; seen again running gemini 0.61.0 and qwen 0.24.4 on
/// a `--token-from-env` entry: the header then held the token).
pub const EXPANDS_ON_WRITE: &str = "careful: its own `mcp add` writes every variable's value back into the file, this token included (run this install again afterwards to restore the reference)";

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn default_variable_is_upper_snake() {
        assert_eq!(default_token_variable("tray-prod.eu"), "TRAY_TOKEN_TRAY_PROD_EU");
    }

    #[test]
    fn variable_names_follow_the_shell_rule() {
        for good in ["A", "_X", "TRAY_TOKEN_1"] {
            assert!(is_variable_name(good), "{good}");
        }
        for bad in ["", "1A", "A-B", "A B", "A}", "${A}"] {
            assert!(!is_variable_name(bad), "{bad}");
        }
    }

    #[test]
    fn a_reference_is_read_back_in_its_own_syntax_only() {
        let entry = json!({"env": {"TRAY_AUTH_HEADER": "Bearer ${env:TRAY_TOKEN_X}"}});
        let cursor = ReferenceForm::Expanded(EnvSyntax::DOLLAR_ENV);
        let claude = ReferenceForm::Expanded(EnvSyntax::DOLLAR_BRACES);
        assert_eq!(cursor.variable_in(&entry).as_deref(), Some("TRAY_TOKEN_X"));
        assert_eq!(
            claude.variable_in(&entry),
            None,
            "`env:TRAY_TOKEN_X` is no variable name"
        );
        let codex = ReferenceForm::Field("bearer_token_env_var");
        assert_eq!(
            codex.variable_in(&json!({"bearer_token_env_var": "V"})).as_deref(),
            Some("V")
        );
        let forwarded = ReferenceForm::BridgeArgument("env_vars");
        let bridge = json!({"args": ["--header", bridge_header_argument("V")], "env_vars": ["V"]});
        assert_eq!(forwarded.variable_in(&bridge).as_deref(), Some("V"));
        let not_forwarded = json!({"args": ["--header", bridge_header_argument("V")]});
        assert_eq!(
            forwarded.variable_in(&not_forwarded),
            None,
            "an unforwarded variable never arrives"
        );
    }
}
