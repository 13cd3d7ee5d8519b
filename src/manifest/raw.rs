//! The manifest's shape as serde reads it (`parse` checks the values). Every key is spanned for
//! line:column errors; the untagged choices are written by hand so that a wrong type says what
//! the key takes, and an inline token's value is dropped as soon as it is seen.

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde_spanned::Spanned;

/// The file's shape, as serde reads it.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawManifest {
    #[serde(default)]
    pub(super) servers: BTreeMap<Spanned<String>, Spanned<RawServer>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawServer {
    pub(super) workspace: Option<Spanned<String>>,
    pub(super) region: Option<Spanned<String>>,
    pub(super) kind: Option<Spanned<String>>,
    pub(super) gateway: Option<bool>,
    pub(super) clients: Spanned<RawClients>,
    pub(super) scope: Option<Spanned<String>>,
    pub(super) token: Option<Spanned<RawToken>>,
    pub(super) token_from_env: Option<Spanned<RawTokenFromEnv>>,
    pub(super) sign_in: Option<Spanned<bool>>,
    pub(super) tools: Option<Spanned<Vec<String>>>,
    pub(super) exclude_tools: Option<Spanned<Vec<String>>>,
    pub(super) approve: Option<Spanned<String>>,
}

/// `token_from_env = true` (the token's own `env` variable, else `TRAY_TOKEN_<NAME>`) or
/// `token_from_env = "VAR"`.
pub(super) enum RawTokenFromEnv {
    Switch(bool),
    Variable(String),
}

/// `clients = "detected"`, `clients = "cursor"` or `clients = ["claude", "cursor"]`.
pub(super) enum RawClients {
    One(String),
    Many(Vec<String>),
}

// Hand-written rather than `#[serde(untagged)]`: an untagged enum's only error is "data did not
// match any variant of untagged enum", which says neither what was expected nor where; a
// visitor's `expecting` is the message, and toml_edit adds the value's position.
impl<'de> Deserialize<'de> for RawTokenFromEnv {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl serde::de::Visitor<'_> for Visitor {
            type Value = RawTokenFromEnv;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("`token_from_env` to be true, false or an environment variable's name")
            }
            fn visit_bool<E: serde::de::Error>(self, value: bool) -> Result<RawTokenFromEnv, E> {
                Ok(RawTokenFromEnv::Switch(value))
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawTokenFromEnv, E> {
                Ok(RawTokenFromEnv::Variable(value.to_string()))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

impl<'de> Deserialize<'de> for RawClients {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawClients;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("`clients` to be a client name, \"detected\", or a list of client names")
            }
            fn visit_str<E: serde::de::Error>(self, value: &str) -> Result<RawClients, E> {
                Ok(RawClients::One(value.to_string()))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<RawClients, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(RawClients::Many(names))
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// `token = ...`: a reference table, or (refused) an inline string, whose value is dropped at
/// once.
pub(super) enum RawToken {
    Inline,
    Reference(RawReference),
}

impl<'de> Deserialize<'de> for RawToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = RawToken;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("a token source: { env = \"VAR\" }, { keychain = \"SERVICE/ACCOUNT\" }, { file = \"PATH\" } or { command = [...] }")
            }
            fn visit_str<E: serde::de::Error>(self, _value: &str) -> Result<RawToken, E> {
                Ok(RawToken::Inline)
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<RawToken, A::Error> {
                RawReference::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(RawToken::Reference)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawReference {
    pub(super) env: Option<String>,
    pub(super) keychain: Option<String>,
    pub(super) file: Option<String>,
    pub(super) command: Option<Vec<String>>,
}
