//! Keeping tokens out of everything we print.
//!
//! Why: a token in a terminal scrollback, a CI log or a pasted bug report is a leaked token.
//! Every text that may contain a token (diffs, file previews) goes through a [`Redactor`]
//! before it is shown. Tokens are otherwise only held in [`crate::tray::ApiToken`], whose
//! `Debug` hides the value.
//!
//! A redactor can only hide what it knows, so a changing command builds it from every secret in
//! play: the new token, the token of the profile being replaced, and every token inside the
//! entries being replaced, renamed or removed (a rotated token is as secret as the new one). A
//! dry run adds what the files themselves hold ([`Redactor::add_inline_tokens_in_text`]), since
//! a diff's context lines can show a neighbouring entry.

use serde_json::Value;

use crate::config::strings;
use crate::tray::ApiToken;

/// What a redacted token is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// The token of an inline `Authorization` value (`"Bearer <token>"`); `None` for anything else,
/// including references (`${...}`, OpenCode's `{env:...}`), which name a secret kept elsewhere
/// and are not secrets.
pub fn inline_bearer(text: &str) -> Option<&str> {
    text.strip_prefix("Bearer ")
        .filter(|token| !token.is_empty() && !names_a_secret_elsewhere(token))
}

/// Whether a value refers to a secret kept elsewhere instead of holding one: a `${...}`
/// reference (an input, an environment variable) or OpenCode's `{env:...}`.
pub fn names_a_secret_elsewhere(text: &str) -> bool {
    text.contains("${") || text.contains("{env:")
}

/// The token of one string of a config entry: `Bearer <token>` (an `env` or `headers` value),
/// or a whole header line `Authorization: Bearer <token>` / `Authorization:Bearer <token>`
/// (the `--header` argument of `mcp-remote`, as Tray's setup utility and hands write it).
/// References (`${...}`) are not tokens.
pub fn bearer_in(text: &str) -> Option<&str> {
    let text = text.trim();
    let value = match text.split_once(':') {
        Some((header, value)) if header.trim().eq_ignore_ascii_case("authorization") => value.trim_start(),
        _ => text,
    };
    inline_bearer(value)
}

/// Every inline bearer token in a config entry, wherever it sits (`env`, `headers`, `args`,
/// bare or as a whole `Authorization:` header line).
pub fn inline_tokens(entry: &Value) -> impl Iterator<Item = &str> {
    strings(entry).filter_map(bearer_in)
}

/// Whether an entry holds a real token inline (`Bearer <token>`, not a `${...}` reference).
pub fn holds_inline_token(entry: &Value) -> bool {
    inline_tokens(entry).next().is_some()
}

/// Replaces known secrets in text.
#[derive(Debug, Default, Clone)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// A redactor for these tokens.
    pub fn new<'a>(tokens: impl IntoIterator<Item = &'a ApiToken>) -> Self {
        let mut redactor = Redactor::default();
        for token in tokens {
            redactor.add(token.expose());
        }
        redactor
    }

    /// A redactor for the secrets of the config entries a command changes (see
    /// [`Redactor::add_entry_secrets`]).
    pub fn for_entries<'a>(entries: impl IntoIterator<Item = &'a Value>) -> Self {
        let mut redactor = Redactor::default();
        for entry in entries {
            redactor.add_entry_secrets(entry);
        }
        redactor
    }

    /// Adds a secret (ignored when too short to be redacted safely).
    pub fn add(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|known| known == secret) {
            self.secrets.push(secret.to_string());
            // Longest first, so a token containing another is replaced whole.
            self.secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
        }
    }

    /// Adds the secrets of a config entry being changed: every inline bearer token, and every
    /// value of its `env` and `headers` objects (a bridge passes the token through `env`; other
    /// servers keep their own keys there). `${...}` references are not secrets.
    pub fn add_entry_secrets(&mut self, entry: &Value) {
        for token in inline_tokens(entry) {
            self.add(token);
        }
        for key in ["env", "envs", "headers"] {
            let Some(Value::Object(values)) = entry.get(key) else {
                continue;
            };
            for value in values.values().filter_map(Value::as_str) {
                match inline_bearer(value) {
                    Some(token) => self.add(token),
                    None if !names_a_secret_elsewhere(value) => self.add(value),
                    None => {}
                }
            }
        }
    }

    /// Adds every inline bearer token written anywhere in a file's text, found without parsing
    /// it (so it costs one pass even over a 20 MB `~/.claude.json`, in any format). The pass is
    /// `memmem`'s vectorised search: `str::match_indices` took 10 ms of a 20 MB install.
    pub fn add_inline_tokens_in_text(&mut self, text: &str) {
        // "Bearer " is ASCII, so every match starts on a character boundary.
        for at in memchr::memmem::find_iter(text.as_bytes(), "Bearer ") {
            let rest = &text[at..];
            let end = rest
                .char_indices()
                .skip("Bearer ".len())
                .find(|(_, c)| matches!(c, '"' | '\'' | '\\' | ',' | '}' | ']') || c.is_whitespace())
                .map_or(rest.len(), |(index, _)| index);
            if let Some(token) = inline_bearer(&rest[..end]) {
                self.add(token);
            }
        }
    }

    /// The secrets it knows, longest first.
    pub fn into_secrets(self) -> Vec<String> {
        self.secrets
    }

    /// The text with every known secret replaced by [`REDACTED`].
    pub fn redact(&self, text: &str) -> String {
        self.secrets.iter().fold(text.to_string(), |redacted, secret| {
            redacted.replace(secret.as_str(), REDACTED)
        })
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn the_header_line_of_mcp_remote_and_an_env_value_both_give_the_token() {
        for text in [
            "Authorization: Bearer tok_1234",
            "Authorization:Bearer tok_1234",
            "authorization:  Bearer tok_1234",
            "Bearer tok_1234",
        ] {
            assert_eq!(bearer_in(text), Some("tok_1234"), "{text}");
        }
        for text in [
            "Authorization: Bearer ${AUTH}",
            "Authorization:${AUTH_HEADER}",
            "https://x",
            "Bearer ",
        ] {
            assert_eq!(bearer_in(text), None, "{text}");
        }
    }

    #[test]
    fn redacts_every_occurrence() {
        let token = ApiToken::parse("tok-1234567890").unwrap();
        let redactor = Redactor::new([&token]);
        assert_eq!(
            redactor.redact("Bearer tok-1234567890 and tok-1234567890"),
            "Bearer [REDACTED] and [REDACTED]"
        );
    }

    #[test]
    fn a_token_containing_another_is_replaced_whole() {
        let mut redactor = Redactor::default();
        redactor.add("abcd");
        redactor.add("abcd-efgh");
        assert_eq!(redactor.redact("abcd-efgh abcd"), "[REDACTED] [REDACTED]");
    }

    #[test]
    fn secrets_too_short_to_redact_safely_are_ignored() {
        let mut redactor = Redactor::default();
        redactor.add("abc");
        redactor.add("");
        assert_eq!(redactor.redact("abc"), "abc");
    }

    #[test]
    fn entry_secrets_cover_inline_tokens_env_and_headers_but_not_references() {
        let mut redactor = Redactor::default();
        redactor.add_entry_secrets(&json!({
            "command": "npx",
            "args": ["--header", "Authorization:${TRAY_AUTH_HEADER}"],
            "env": {"TRAY_AUTH_HEADER": "Bearer tok-old-1111", "GITHUB_TOKEN": "ghp_secret"},
            "headers": {"Authorization": "Bearer ${input:tray-api-token-x}", "X-Key": "key-2222"},
        }));
        assert_eq!(
            redactor.redact("tok-old-1111 ghp_secret key-2222 ${input:tray-api-token-x} npx"),
            "[REDACTED] [REDACTED] [REDACTED] ${input:tray-api-token-x} npx"
        );
    }

    #[test]
    fn inline_tokens_are_found_in_text_of_any_format() {
        let mut redactor = Redactor::default();
        redactor.add_inline_tokens_in_text(
            "{\"a\": \"Bearer json-token-1\"}\nheader = 'Bearer toml-token-2'\nx: Bearer yaml-token-3\n\"Bearer ${input:ref}\"",
        );
        assert_eq!(
            redactor.redact("json-token-1 toml-token-2 yaml-token-3 ${input:ref}"),
            "[REDACTED] [REDACTED] [REDACTED] ${input:ref}"
        );
    }

    #[test]
    fn inline_tokens_are_found_after_a_multibyte_character_and_at_the_very_end() {
        let mut redactor = Redactor::default();
        redactor.add_inline_tokens_in_text("é Bearer first-token,\"Bearer é-second\"Bearer last-token");
        // Longest first.
        assert_eq!(redactor.into_secrets(), ["first-token", "last-token", "é-second"]);
    }

    #[test]
    fn inline_bearer_refuses_references_and_other_values() {
        assert_eq!(inline_bearer("Bearer abc"), Some("abc"));
        assert_eq!(inline_bearer("Bearer ${input:x}"), None);
        assert_eq!(inline_bearer("Bearer "), None);
        assert_eq!(inline_bearer("Basic abc"), None);
        assert!(holds_inline_token(&json!({"env": {"H": "Bearer abc"}})));
        assert!(!holds_inline_token(&json!({"headers": {"H": "Bearer ${input:x}"}})));
    }
}
