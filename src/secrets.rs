//! Keeping tokens out of everything we print.
//!
//! Why: a token in a terminal scrollback, a CI log or a pasted bug report is a leaked token.
//! Every text that may contain a token (diffs, file previews) goes through a [`Redactor`]
//! before it is shown. Tokens are otherwise only held in [`crate::tray::ApiToken`], whose
//! `Debug` hides the value.

use crate::tray::ApiToken;

/// What a redacted token is replaced with.
pub const REDACTED: &str = "[REDACTED]";

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

    /// Adds a secret (ignored when too short to be redacted safely).
    pub fn add(&mut self, secret: &str) {
        if secret.len() >= 4 && !self.secrets.iter().any(|known| known == secret) {
            self.secrets.push(secret.to_string());
            // Longest first, so a token containing another is replaced whole.
            self.secrets.sort_by_key(|known| std::cmp::Reverse(known.len()));
        }
    }

    /// Adds every inline bearer token found in a config entry (`"Bearer <token>"` strings, but
    /// not `${...}` references, which are not secrets).
    pub fn add_bearer_tokens_in(&mut self, value: &serde_json::Value) {
        match value {
            serde_json::Value::String(text) => {
                if let Some(token) = text.strip_prefix("Bearer ")
                    && !token.starts_with("${")
                {
                    self.add(token);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| self.add_bearer_tokens_in(item)),
            serde_json::Value::Object(map) => map.values().for_each(|item| self.add_bearer_tokens_in(item)),
            _ => {}
        }
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
    use super::*;

    #[test]
    fn redacts_every_occurrence() {
        let token = ApiToken::parse("tok-1234567890").unwrap();
        let redactor = Redactor::new([&token]);
        assert_eq!(
            redactor.redact("Bearer tok-1234567890 and tok-1234567890"),
            "Bearer [REDACTED] and [REDACTED]"
        );
    }
}
