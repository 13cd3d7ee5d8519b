//! tray-mcp's own profile store: one JSON file per server name, readable by the user alone.
//!
//! Why: a stdio entry in a client's config says only `tray-mcp serve --profile NAME`. The
//! workspace, region and token live here, so the token never sits in a client config that may be
//! synced, shared or committed, and rotating it changes no client file.
//!
//! Layout: `<tray config dir>/profiles/<name>.json`, directory 0700, files 0600.

use std::path::PathBuf;

use crate::paths::Environment;
use crate::tool_filter::ToolFilter;
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

/// Where a profile's sign-in is kept, as its profile records it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SignInLocation {
    /// `<tray config dir>/oauth/NAME.json` (0600).
    #[default]
    File,
    /// The OS keychain, account `NAME/oauth`.
    Keychain,
}

impl SignInLocation {
    /// The name shown by `list`.
    pub fn as_str(self) -> &'static str {
        match self {
            SignInLocation::File => "file",
            SignInLocation::Keychain => "keychain",
        }
    }

    /// Whether this is the default, which profiles leave unsaid.
    pub fn is_file(&self) -> bool {
        *self == SignInLocation::File
    }
}

/// Rules tray-mcp wrote into one client's file for one entry, as recorded in its profile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct WrittenRules {
    /// The client (its ID, `claude-code`).
    pub client: String,
    /// The file the rules are in.
    pub file: PathBuf,
    /// The key path of the list in that file (`["permissions", "allow"]`).
    pub list: Vec<String>,
    /// The rules added, each exactly as written.
    pub rules: Vec<String>,
}

/// Where a profile's token lives, as recorded in the profile file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TokenLocation {
    /// In the profile file itself (`api_token`), readable by the user alone.
    #[default]
    Profile,
    /// In the OS keychain, service [`crate::token_store::SERVICE`], account = profile name.
    Keychain,
}

impl TokenLocation {
    /// The name shown by `tray-mcp list`.
    pub fn as_str(self) -> &'static str {
        match self {
            TokenLocation::Profile => "profile",
            TokenLocation::Keychain => "keychain",
        }
    }

    /// Whether this is the default (the profile file), which the file leaves unsaid.
    pub fn is_profile(&self) -> bool {
        *self == TokenLocation::Profile
    }
}

/// How a profile's server is signed in to.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuthMethod {
    /// With an API token (the default, left unsaid).
    #[default]
    Token,
    /// With the user's Tray sign-in (`tray-mcp login NAME`; see [`crate::oauth`]).
    OAuth,
}

impl AuthMethod {
    /// The name shown by `list` and `doctor`.
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMethod::Token => "token",
            AuthMethod::OAuth => "oauth",
        }
    }

    /// Whether this is the default (a token), which the file leaves unsaid.
    pub fn is_token(&self) -> bool {
        *self == AuthMethod::Token
    }
}

/// What `tray-mcp serve --profile NAME` needs to reach a workspace.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Profile {
    /// The workspace; absent for the sandbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workspace_id: Option<WorkspaceId>,
    /// The region whose API hosts to use.
    #[serde(default)]
    pub region: Region,
    /// The API token when it is kept in this file; absent for the sandbox and when it is in the
    /// OS keychain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_token: Option<ApiToken>,
    /// Where the token is kept: this file (the default, left unsaid) or the OS keychain; see
    /// [`crate::token_store`].
    #[serde(default, skip_serializing_if = "TokenLocation::is_profile")]
    pub token_store: TokenLocation,
    /// Serve the embedded sandbox workspace instead of Tray's API.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sandbox: bool,
    /// Pass the workspace's Agent Gateway tools through.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub gateway: bool,
    /// How the gateway is signed in to: the API token (default) or an OAuth sign-in.
    #[serde(default, skip_serializing_if = "AuthMethod::is_token")]
    pub auth: AuthMethod,
    /// Where the OAuth sign-in is kept (see [`crate::oauth::store`]).
    #[serde(default, skip_serializing_if = "SignInLocation::is_file")]
    pub sign_in_store: SignInLocation,
    /// Pass Tray's Headless MCP tools through, pinned to the workspace. Unset means on whenever
    /// the profile signs in with Tray (OAuth): the Headless MCP takes no API tokens. `false`
    /// turns it off.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headless: Option<bool>,
    /// Which tools `serve` lists and answers (`install --tools` / `--exclude-tools`); empty
    /// lists, left unsaid, serve every tool. See [`crate::tool_filter`].
    #[serde(flatten)]
    pub filter: ToolFilter,
    /// The approval rules `install --approve read-only` added to clients' files, so `remove`
    /// takes out exactly those (see [`crate::approvals`]).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<WrittenRules>,
}

impl Profile {
    /// Sets the token at `location`: in this file, or recorded as in the keychain (the keychain
    /// write itself is one of the [`crate::token_store::KeychainChanges`]).
    pub fn set_token(&mut self, token: &ApiToken, location: TokenLocation) {
        self.token_store = location;
        self.api_token = match location {
            TokenLocation::Profile => Some(token.clone()),
            TokenLocation::Keychain => None,
        };
    }

    /// Drops the token, from this file and (as recorded) from the keychain.
    pub fn clear_token(&mut self) {
        self.api_token = None;
        self.token_store = TokenLocation::Profile;
    }
}

/// A profile could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// No profile of that name exists.
    #[error("no tray-mcp profile named \"{name}\" (looked for {path})")]
    NotFound {
        /// The profile name.
        name: String,
        /// Where it was looked for.
        path: String,
    },
    /// The file exists but could not be read.
    #[error("could not read tray-mcp profile {path}: {source}")]
    Unreadable {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// Others may read the file, which holds a token: refused, as ssh refuses such keys.
    #[error("tray-mcp profile {path} is readable by other users (mode {mode:03o}); it holds an API token")]
    TooOpen {
        /// The file.
        path: String,
        /// Its permission bits.
        mode: u32,
    },
    /// The file is not a valid profile.
    #[error("could not parse tray-mcp profile {path}: {message}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong, without any value from the file.
        message: String,
    },
}

/// The directory that holds the profiles.
pub fn profiles_dir(environment: &Environment) -> PathBuf {
    environment.join(&environment.tray_config_dir(), &["profiles"])
}

/// The file of one profile.
pub fn profile_path(environment: &Environment, name: &ServerName) -> PathBuf {
    environment.join(&profiles_dir(environment), &[&format!("{name}.json")])
}

/// Reads a profile.
pub fn load(environment: &Environment, name: &ServerName) -> Result<Profile, ProfileError> {
    let path = profile_path(environment, name);
    let shown = environment.display_path(&path);
    let text = match crate::config::safe_write::read_to_string(&path) {
        Ok(text) => text,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(ProfileError::NotFound {
                name: name.to_string(),
                path: shown,
            });
        }
        Err(source) => {
            return Err(ProfileError::Unreadable { path: shown, source });
        }
    };
    check_private(&path, &shown)?;
    parse(&text).map_err(|message| ProfileError::Invalid { path: shown, message })
}

/// The profile `name` from its file's text as a command already read it (`None`: no file), with
/// the checks [`load`] makes (the file is private, the text parses).
pub fn from_text(environment: &Environment, name: &ServerName, text: Option<&str>) -> Result<Profile, ProfileError> {
    let path = profile_path(environment, name);
    let shown = environment.display_path(&path);
    let Some(text) = text else {
        return Err(ProfileError::NotFound {
            name: name.to_string(),
            path: shown,
        });
    };
    check_private(&path, &shown)?;
    parse(text).map_err(|message| ProfileError::Invalid { path: shown, message })
}

impl crate::error::Advice for ProfileError {
    fn hint(&self) -> Option<String> {
        Some(ProfileError::hint(self))
    }
}

impl ProfileError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            ProfileError::NotFound { name, .. } => {
                format!("create it with `tray-mcp install --name {name}`, or see `tray-mcp list`")
            }
            ProfileError::TooOpen { path, .. } => {
                format!("run `chmod 600 {path}` (and rotate the token if others could read it)")
            }
            ProfileError::Unreadable { source, .. } => match crate::config::safe_write::Unreadable::of(source) {
                Some(refusal) => refusal.hint().to_string(),
                None => "check the permissions of the file and its folder".to_string(),
            },
            ProfileError::Invalid { .. } => "fix the file, or re-create it with `tray-mcp install`".to_string(),
        }
    }
}

/// Refuses a profile that group or others may read.
#[cfg(unix)]
fn check_private(path: &std::path::Path, shown: &str) -> Result<(), ProfileError> {
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(path)
        .map_err(|source| ProfileError::Unreadable {
            path: shown.to_string(),
            source,
        })?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o077 != 0 {
        return Err(ProfileError::TooOpen {
            path: shown.to_string(),
            mode,
        });
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &std::path::Path, _shown: &str) -> Result<(), ProfileError> {
    Ok(())
}

/// Parses profile text. Error messages carry positions, never values (the file holds a token).
pub fn parse(text: &str) -> Result<Profile, String> {
    serde_json::from_str(text).map_err(|error| {
        format!(
            "{} at {}:{}",
            match error.classify() {
                serde_json::error::Category::Data => "unexpected value",
                _ => "invalid JSON",
            },
            error.line(),
            error.column()
        )
    })
}

/// Renders a profile as the file's text.
pub fn render(profile: &Profile) -> String {
    let mut text = serde_json::to_string_pretty(profile).unwrap_or_else(|_| "{}".to_string());
    text.push('\n');
    text
}

/// Names of all stored profiles, sorted.
pub fn list_names(environment: &Environment) -> Vec<ServerName> {
    let Ok(entries) = std::fs::read_dir(profiles_dir(environment)) else {
        return Vec::new();
    };
    let mut names: Vec<ServerName> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let file_name = entry.file_name().into_string().ok()?;
            ServerName::parse(file_name.strip_suffix(".json")?).ok()
        })
        .collect();
    names.sort();
    names
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn render_then_parse_round_trips_and_hides_sandbox_defaults() {
        let profile = Profile {
            workspace_id: Some(WorkspaceId::parse("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718").unwrap()),
            region: Region::Eu1,
            api_token: Some(ApiToken::parse("tok").unwrap()),
            token_store: TokenLocation::Profile,
            sandbox: false,
            gateway: false,
            auth: AuthMethod::Token,
            sign_in_store: SignInLocation::File,
            headless: None,
            filter: ToolFilter::default(),
            approvals: Vec::new(),
        };
        let text = render(&profile);
        assert!(!text.contains("sandbox"));
        assert_eq!(parse(&text).unwrap(), profile);
    }

    #[test]
    fn a_keychain_profile_says_so_and_holds_no_token() {
        let profile =
            parse(r#"{"workspace_id": "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718", "token_store": "keychain"}"#).unwrap();
        assert_eq!(profile.token_store, TokenLocation::Keychain);
        assert_eq!(profile.api_token, None);
        assert!(render(&profile).contains(r#""token_store": "keychain""#));
    }

    #[test]
    fn parse_errors_never_echo_values() {
        let message = parse(r#"{"api_token": 12345678}"#).unwrap_err();
        assert!(!message.contains("12345678"), "{message}");
    }
}
