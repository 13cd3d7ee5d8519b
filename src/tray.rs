//! The Tray concepts a user types in: workspace ID, region, API token.
//!
//! Why a module of its own: both the installer and the runtime server take these values from
//! untrusted input (flags, environment, prompts, profile files). Parsing them once, into types
//! that cannot hold a bad value, keeps validation in one place and error messages consistent.

use std::fmt;
use std::str::FromStr;

/// A Tray workspace ID: a UUID, stored in lowercase.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct WorkspaceId(String);

/// Why a workspace ID was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error(
    "{0:?} is not a Tray workspace ID (expected a UUID such as 3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718, or a Tray app URL that contains one)"
)]
pub struct InvalidWorkspaceId(String);

impl WorkspaceId {
    /// Parses a UUID, or finds the one UUID inside a pasted Tray app URL.
    pub fn parse(input: &str) -> Result<Self, InvalidWorkspaceId> {
        let trimmed = input.trim();
        if is_uuid(trimmed) {
            return Ok(WorkspaceId(trimmed.to_ascii_lowercase()));
        }
        if trimmed.contains("://") || trimmed.contains('/') {
            let mut found = trimmed
                .split(|c: char| !(c.is_ascii_hexdigit() || c == '-'))
                .filter(|part| is_uuid(part));
            if let (Some(first), None) = (found.next(), found.next()) {
                return Ok(WorkspaceId(first.to_ascii_lowercase()));
            }
        }
        Err(InvalidWorkspaceId(shorten(trimmed)))
    }

    /// The UUID text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The workspace's Agent Gateway (Streamable HTTP MCP endpoint).
    pub fn gateway_url(&self) -> String {
        format!("https://{}.mcp.tray.ai", self.0)
    }
}

fn shorten(text: &str) -> String {
    if text.chars().count() > 80 {
        let head: String = text.chars().take(77).collect();
        format!("{head}...")
    } else {
        text.to_string()
    }
}

/// True for the canonical 8-4-4-4-12 hexadecimal UUID form.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    let lengths = [8, 4, 4, 4, 12];
    groups.len() == lengths.len()
        && groups
            .iter()
            .zip(lengths)
            .all(|(group, length)| group.len() == length && group.chars().all(|c| c.is_ascii_hexdigit()))
}

impl FromStr for WorkspaceId {
    type Err = InvalidWorkspaceId;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        WorkspaceId::parse(input)
    }
}

impl TryFrom<String> for WorkspaceId {
    type Error = InvalidWorkspaceId;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        WorkspaceId::parse(&value)
    }
}

impl From<WorkspaceId> for String {
    fn from(value: WorkspaceId) -> Self {
        value.0
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// A Tray region, which decides the API hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// United States (the default): `api.tray.io`.
    #[default]
    Us1,
    /// Europe: `api.eu1.tray.io`.
    Eu1,
    /// Asia-Pacific: `api.ap1.tray.io` (`ap1` is accepted as a spelling).
    #[serde(alias = "ap1")]
    Apac1,
}

/// Why a region was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0:?} is not a Tray region (expected us1, eu1 or apac1)")]
pub struct InvalidRegion(String);

impl Region {
    /// Every region, in the order they are offered to users.
    pub const ALL: [Region; 3] = [Region::Us1, Region::Eu1, Region::Apac1];

    /// The name users type.
    pub fn as_str(self) -> &'static str {
        match self {
            Region::Us1 => "us1",
            Region::Eu1 => "eu1",
            Region::Apac1 => "apac1",
        }
    }

    /// Base URL of Tray's REST API in this region.
    pub fn api_url(self) -> &'static str {
        match self {
            Region::Us1 => "https://api.tray.io",
            Region::Eu1 => "https://api.eu1.tray.io",
            Region::Apac1 => "https://api.ap1.tray.io",
        }
    }

    /// URL of Tray's hosted Headless MCP in this region (Streamable HTTP; the client signs in by
    /// OAuth, so an entry carries no Authorization header).
    pub fn headless_url(self) -> String {
        format!("{}/mcp", self.api_url())
    }

    /// The region whose Headless MCP is at `url` (`https://api.tray.io/mcp`, a trailing `/`
    /// allowed); `None` for any other URL.
    pub fn of_headless_url(url: &str) -> Option<Region> {
        let url = url.trim().trim_end_matches('/');
        Region::ALL
            .into_iter()
            .find(|region| url.eq_ignore_ascii_case(&region.headless_url()))
    }

    /// The region of a pasted Tray app URL (`https://app.eu1.tray.io/workspaces/...`):
    /// `app.tray.io` is us1, `app.eu1.tray.io` eu1, `app.ap1.tray.io` apac1 (also without
    /// `app.`). `None` for a bare UUID or any other host: there is nothing to infer.
    pub fn of_app_url(input: &str) -> Option<Region> {
        let input = input.trim();
        let rest = input.split_once("://").map_or(input, |(_, rest)| rest);
        let host = rest.split(['/', '?', '#']).next()?;
        let host = host.rsplit_once('@').map_or(host, |(_, host)| host);
        let host = host.split(':').next()?.to_ascii_lowercase();
        let host = host.strip_prefix("app.").unwrap_or(&host);
        match host {
            "tray.io" => Some(Region::Us1),
            "eu1.tray.io" => Some(Region::Eu1),
            "ap1.tray.io" | "apac1.tray.io" => Some(Region::Apac1),
            _ => None,
        }
    }

    /// URL of Tray's GraphQL API in this region.
    pub fn graphql_url(self) -> &'static str {
        match self {
            Region::Us1 => "https://tray.io/graphql",
            Region::Eu1 => "https://eu1.tray.io/graphql",
            Region::Apac1 => "https://ap1.tray.io/graphql",
        }
    }
}

impl FromStr for Region {
    type Err = InvalidRegion;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        match input.trim().to_ascii_lowercase().as_str() {
            "us1" | "us" => Ok(Region::Us1),
            "eu1" | "eu" => Ok(Region::Eu1),
            "apac1" | "ap1" | "apac" => Ok(Region::Apac1),
            _ => Err(InvalidRegion(shorten(input))),
        }
    }
}

impl fmt::Display for Region {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// A Tray API token. Its `Debug` never shows the value and it has no `Display`: the value
/// leaves only through [`ApiToken::expose`] (and serialization, into a profile file). Read from
/// a file, it is checked like any other input ([`ApiToken::parse`]).
#[derive(Clone, PartialEq, Eq, serde::Serialize)]
#[serde(transparent)]
pub struct ApiToken(String);

impl<'de> serde::Deserialize<'de> for ApiToken {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        ApiToken::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// Why an API token was refused.
#[derive(Debug, Clone, thiserror::Error)]
pub enum InvalidApiToken {
    /// Nothing was given.
    #[error("the API token is empty")]
    Empty,
    /// Whitespace inside the token: usually two values pasted together.
    #[error("the API token contains whitespace")]
    ContainsWhitespace,
    /// A value copied from documentation rather than a real token.
    #[error("the API token looks like a placeholder, not a real token")]
    Placeholder,
}

impl ApiToken {
    /// Trims surrounding whitespace and newlines, and refuses empty or placeholder values.
    pub fn parse(input: &str) -> Result<Self, InvalidApiToken> {
        let token = input.trim();
        if token.is_empty() {
            return Err(InvalidApiToken::Empty);
        }
        if token.chars().any(char::is_whitespace) {
            return Err(InvalidApiToken::ContainsWhitespace);
        }
        if looks_like_placeholder(token) {
            return Err(InvalidApiToken::Placeholder);
        }
        Ok(ApiToken(token.to_string()))
    }

    /// The secret value. Call only where the value must be sent or stored.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

fn looks_like_placeholder(token: &str) -> bool {
    let lower = token.to_ascii_lowercase();
    let bracketed = (lower.starts_with('<') && lower.ends_with('>'))
        || (lower.starts_with('{') && lower.ends_with('}'))
        || (lower.starts_with('[') && lower.ends_with(']'));
    let words = [
        "your-api-token",
        "your_api_token",
        "api-token-here",
        "your-token",
        "token-here",
        "xxxxxxxx",
        "changeme",
    ];
    bracketed || lower == "token" || words.iter().any(|word| lower.contains(word))
}

impl FromStr for ApiToken {
    type Err = InvalidApiToken;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        ApiToken::parse(input)
    }
}

impl fmt::Debug for ApiToken {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("ApiToken(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workspace_id_accepts_uuid_and_app_url() {
        let id = "3F2A9C1E-8B7D-4E6F-A1B2-C3D4E5F60718";
        assert_eq!(WorkspaceId::parse(id).unwrap().as_str(), id.to_lowercase());
        let url = "https://app.tray.io/workspaces/3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718/projects";
        assert_eq!(
            WorkspaceId::parse(url).unwrap().as_str(),
            "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718"
        );
    }

    #[test]
    fn workspace_id_refuses_other_text() {
        for bad in [
            "",
            "abc",
            "3f2a9c1e-8b7d-4e6f-a1b2",
            "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f6071z",
        ] {
            assert!(WorkspaceId::parse(bad).is_err(), "{bad} was accepted");
        }
    }

    #[test]
    fn the_region_of_a_pasted_app_url() {
        let id = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
        for (url, region) in [
            (
                format!("https://app.eu1.tray.io/workspaces/{id}/projects"),
                Some(Region::Eu1),
            ),
            (format!("https://app.ap1.tray.io/workspaces/{id}"), Some(Region::Apac1)),
            (format!("app.eu1.tray.io/workspaces/{id}"), Some(Region::Eu1)),
            (format!("https://APP.TRAY.IO/workspaces/{id}"), Some(Region::Us1)),
            (format!("https://example.com/eu1.tray.io/{id}"), None),
            (id.to_string(), None),
        ] {
            assert_eq!(Region::of_app_url(&url), region, "{url}");
        }
    }

    #[test]
    fn region_spellings() {
        assert_eq!("ap1".parse::<Region>().unwrap(), Region::Apac1);
        assert_eq!("EU1".parse::<Region>().unwrap(), Region::Eu1);
        assert!("mars".parse::<Region>().is_err());
    }

    #[test]
    fn a_token_read_from_json_is_checked_like_any_other() {
        let token: ApiToken = serde_json::from_str("\" tok_abc\\n\"").expect("valid");
        assert_eq!(token.expose(), "tok_abc");
        for bad in ["\"\"", "\"<token>\"", "\"two words\""] {
            let error = serde_json::from_str::<ApiToken>(bad).expect_err(bad).to_string();
            assert!(error.starts_with("the API token"), "{error}");
        }
        assert_eq!(serde_json::to_string(&token).expect("serializes"), "\"tok_abc\"");
    }

    #[test]
    fn token_is_trimmed_and_placeholders_refused() {
        assert_eq!(ApiToken::parse("  abc123\n").unwrap().expose(), "abc123");
        assert!(matches!(ApiToken::parse(" \n"), Err(InvalidApiToken::Empty)));
        assert!(matches!(ApiToken::parse("<TOKEN>"), Err(InvalidApiToken::Placeholder)));
        assert!(matches!(
            ApiToken::parse("your-api-token-here"),
            Err(InvalidApiToken::Placeholder)
        ));
        assert_eq!(format!("{:?}", ApiToken::parse("secret").unwrap()), "ApiToken(****)");
    }
}

/// The name of an MCP server entry, which is also the name of its profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ServerName(String);

/// Why a server name was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0:?} is not a valid server name (use 1-64 letters, digits, '-' or '_')")]
pub struct InvalidServerName(String);

impl ServerName {
    /// The name used when none is given, as in Tray's own setup utility.
    pub const DEFAULT: &'static str = "tray-workspace";

    /// The name of a Tray Headless MCP entry when none is given.
    pub const HEADLESS: &'static str = "tray-headless";

    /// Accepts 1-64 ASCII letters, digits, `-` and `_`.
    pub fn parse(input: &str) -> Result<Self, InvalidServerName> {
        let valid =
            (1..=64).contains(&input.len()) && input.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if valid {
            Ok(ServerName(input.to_string()))
        } else {
            Err(InvalidServerName(shorten(input)))
        }
    }

    /// The name text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for ServerName {
    type Err = InvalidServerName;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        ServerName::parse(input)
    }
}

impl fmt::Display for ServerName {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}
