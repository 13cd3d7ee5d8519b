//! Where a sign-in is kept: the OS keychain (service `tray-mcp`, account `NAME/oauth`) when
//! there is one, else `<tray config dir>/oauth/NAME.json`, readable by the user alone (folder
//! 0700, file 0600), replaced atomically.
//!
//! Why a store of its own rather than the profile file: `serve` writes it whenever it refreshes
//! a token, and a profile is the user's settings, edited by install under its own transaction.
//! Why a lock (`NAME.lock` beside it): authorization servers may rotate refresh tokens, so two
//! `serve` processes of one profile (two clients open) must not refresh at once; the second
//! waits, then reads the tokens the first saved.

use std::path::PathBuf;

use async_trait::async_trait;
use rmcp::transport::auth::{
    AuthError, AuthorizationMetadata, CredentialRefreshGuard, CredentialStore, StoredCredentials,
};
use serde::{Deserialize, Serialize};

use crate::config::safe_write::{Privacy, atomic_write, create_private_dir};
use crate::context::{Context, SharedStore};
use crate::profiles::SignInLocation;

use crate::tray::ServerName;

use super::SignInError;

/// Permissions a server asked for with `insufficient_scope`, and how often the user signed in
/// again for them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepUp {
    /// The scopes the last challenge named.
    pub scopes: Vec<String>,
    /// Sign-ins made for more permissions since the last plain `login`.
    pub attempts: u32,
}

/// One profile's sign-in: which server it is for, the authorization server and client it used,
/// and the tokens. Holds secrets: its `Debug` hides them, and it is only ever written to the
/// store.
#[derive(Clone, Serialize, Deserialize)]
pub struct SignIn {
    /// The MCP server signed in to (the `resource` of every token request).
    pub resource: String,
    /// The authorization server's metadata, as discovered at sign-in (endpoints, methods).
    pub metadata: AuthorizationMetadata,
    /// The client ID tray-mcp used (registered, pre-registered or a metadata document URL).
    pub client_id: String,
    /// The client secret, for a confidential client.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_secret: Option<String>,
    /// The tokens, granted scopes and when they were received.
    pub credentials: StoredCredentials,
    /// Permissions a server asked for since.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step_up: Option<StepUp>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignIn")
            .field("resource", &self.resource)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[REDACTED]"))
            .field("credentials", &self.credentials)
            .field("step_up", &self.step_up)
            .finish()
    }
}

impl SignIn {
    /// Every secret it holds (for redaction in tests and reports).
    pub fn secrets(&self) -> Vec<String> {
        use oauth2::TokenResponse as _;
        let mut secrets: Vec<String> = self.client_secret.iter().cloned().collect();
        if let Some(tokens) = &self.credentials.token_response {
            secrets.push(tokens.access_token().secret().clone());
            if let Some(refresh) = tokens.refresh_token() {
                secrets.push(refresh.secret().clone());
            }
        }
        secrets
    }

    /// Seconds until the access token expires, when the server said; negative once expired.
    pub fn expires_in(&self, now: u64) -> Option<i64> {
        use oauth2::TokenResponse as _;
        let tokens = self.credentials.token_response.as_ref()?;
        let lifetime = tokens.expires_in()?.as_secs();
        let received = self.credentials.token_received_at?;
        Some(i64::try_from(received.saturating_add(lifetime)).unwrap_or(i64::MAX) - i64::try_from(now).unwrap_or(0))
    }

    /// Whether a refresh token is kept.
    pub fn can_refresh(&self) -> bool {
        use oauth2::TokenResponse as _;
        self.credentials
            .token_response
            .as_ref()
            .is_some_and(|tokens| tokens.refresh_token().is_some())
    }
}

/// The store of one profile's sign-in.
#[derive(Clone)]
pub struct SignInStore {
    name: ServerName,
    /// The record's key: the profile name for the Agent Gateway's sign-in, `NAME.headless` for
    /// the Headless MCP's (a token is bound to the resource it was asked for, so each has its own).
    key: String,
    /// Whether this is the Headless MCP's sign-in (`login NAME --headless`).
    headless: bool,
    location: SignInLocation,
    folder: PathBuf,
    keychain: SharedStore,
}

impl std::fmt::Debug for SignInStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SignInStore")
            .field("name", &self.name)
            .field("location", &self.location)
            .finish()
    }
}

impl SignInStore {
    /// The store of `name` at `location`, with the context's keychain (opened when first used).
    pub fn new(context: &Context, name: &ServerName, location: SignInLocation) -> SignInStore {
        let environment = &context.environment;
        SignInStore {
            name: name.clone(),
            key: name.to_string(),
            headless: false,
            location,
            folder: environment.join(&environment.tray_config_dir(), &["oauth"]),
            keychain: context.shared_store(),
        }
    }

    /// The profile's other sign-in record: the one for Tray's Headless MCP, kept beside the
    /// Agent Gateway's under the key `NAME.headless` (same location, same lock discipline).
    pub fn for_headless(mut self) -> SignInStore {
        self.key = format!("{}.headless", self.name);
        self.headless = true;
        self
    }

    /// Whether this is the Headless MCP's sign-in.
    pub fn is_headless(&self) -> bool {
        self.headless
    }

    /// What `tray-mcp login` needs to renew this sign-in: `NAME`, or `NAME --headless`.
    pub fn login_arguments(&self) -> String {
        if self.headless {
            format!("{} --headless", self.name)
        } else {
            self.name.to_string()
        }
    }

    /// Where a new sign-in goes: the keychain when this process has one.
    pub fn preferred(context: &Context) -> SignInLocation {
        if context.store().has_keychain() {
            SignInLocation::Keychain
        } else {
            SignInLocation::File
        }
    }

    /// The store's location.
    pub fn location(&self) -> SignInLocation {
        self.location
    }

    /// The profile name.
    pub fn name(&self) -> &ServerName {
        &self.name
    }

    fn file(&self) -> PathBuf {
        self.folder.join(format!("{}.json", self.key))
    }

    fn account(&self) -> String {
        if self.headless {
            format!("{}/oauth-headless", self.name)
        } else {
            format!("{}/oauth", self.name)
        }
    }

    fn store_error(&self, what: &str, error: impl std::fmt::Display) -> SignInError {
        SignInError::Store(format!(
            "could not {what} the sign-in of {}: {error}",
            self.login_arguments()
        ))
    }

    /// The stored sign-in, `None` when there is none.
    pub fn load(&self) -> Result<Option<SignIn>, SignInError> {
        let text = match self.location {
            SignInLocation::File => match crate::config::safe_write::read_to_string(&self.file()) {
                Ok(text) => text,
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => return Ok(None),
                Err(error) => return Err(self.store_error("read", error)),
            },
            SignInLocation::Keychain => {
                let keychain = self
                    .keychain
                    .get()
                    .keychain_if_any()
                    .ok_or_else(|| self.store_error("read", "the OS keychain is not available here"))?;
                match keychain.get(&self.account()) {
                    Ok(Some(text)) => text,
                    Ok(None) => return Ok(None),
                    Err(error) => return Err(self.store_error("read", error)),
                }
            }
        };
        // The error names a position only: the text holds tokens.
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|error| self.store_error("parse", format!("invalid at {}:{}", error.line(), error.column())))
    }

    /// Saves `sign_in`, replacing what was stored.
    pub fn save(&self, sign_in: &SignIn) -> Result<(), SignInError> {
        let text = serde_json::to_string_pretty(sign_in).map_err(|error| self.store_error("encode", error))?;
        match self.location {
            SignInLocation::File => {
                create_private_dir(&self.folder).map_err(|error| self.store_error("save", error))?;
                atomic_write(&self.file(), text.as_bytes(), Privacy::OwnerOnly)
                    .map_err(|error| self.store_error("save", error))
            }
            SignInLocation::Keychain => self
                .keychain
                .get()
                .keychain_if_any()
                .ok_or_else(|| self.store_error("save", "the OS keychain is not available here"))?
                .set(&self.account(), &text)
                .map_err(|error| self.store_error("save", error)),
        }
    }

    /// Forgets the sign-in; `false` when there was none.
    pub fn delete(&self) -> Result<bool, SignInError> {
        let _ = std::fs::remove_file(self.folder.join(format!("{}.lock", self.key)));
        match self.location {
            SignInLocation::File => match std::fs::remove_file(self.file()) {
                Ok(()) => Ok(true),
                Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(false),
                Err(error) => Err(self.store_error("delete", error)),
            },
            SignInLocation::Keychain => self
                .keychain
                .get()
                .keychain_if_any()
                .ok_or_else(|| self.store_error("delete", "the OS keychain is not available here"))?
                .delete(&self.account())
                .map_err(|error| self.store_error("delete", error)),
        }
    }

    /// Holds the profile's refresh lock until the returned file is dropped (blocking).
    fn lock(&self) -> Result<std::fs::File, SignInError> {
        create_private_dir(&self.folder).map_err(|error| self.store_error("lock", error))?;
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(self.folder.join(format!("{}.lock", self.key)))
            .map_err(|error| self.store_error("lock", error))?;
        file.lock().map_err(|error| self.store_error("lock", error))?;
        Ok(file)
    }

    /// Updates the stored sign-in with `change`, under the refresh lock.
    pub fn update(&self, change: impl FnOnce(&mut SignIn)) -> Result<(), SignInError> {
        let _lock = self.lock()?;
        let Some(mut sign_in) = self.load()? else {
            return Ok(());
        };
        change(&mut sign_in);
        self.save(&sign_in)
    }
}

fn credential_error(error: SignInError) -> AuthError {
    AuthError::CredentialStoreError(error.to_string())
}

/// rmcp's view of the store: the tokens part of the sign-in.
#[async_trait]
impl CredentialStore for SignInStore {
    async fn load(&self) -> Result<Option<StoredCredentials>, AuthError> {
        Ok(SignInStore::load(self)
            .map_err(credential_error)?
            .map(|sign_in| sign_in.credentials))
    }

    async fn save(&self, credentials: StoredCredentials) -> Result<(), AuthError> {
        // Called with the refresh lock held (see `acquire_refresh_guard`): no lock here.
        let Some(mut sign_in) = SignInStore::load(self).map_err(credential_error)? else {
            return Err(AuthError::CredentialStoreError(format!(
                "the sign-in of {} was removed while it was refreshed",
                self.name
            )));
        };
        sign_in.credentials = credentials;
        SignInStore::save(self, &sign_in).map_err(credential_error)
    }

    async fn clear(&self) -> Result<(), AuthError> {
        SignInStore::delete(self).map(|_| ()).map_err(credential_error)
    }

    async fn acquire_refresh_guard(&self) -> Result<Option<CredentialRefreshGuard>, AuthError> {
        let store = self.clone();
        let file = tokio::task::spawn_blocking(move || store.lock())
            .await
            .map_err(|error| AuthError::CredentialStoreError(error.to_string()))?
            .map_err(credential_error)?;
        Ok(Some(CredentialRefreshGuard::new(file)))
    }
}

/// Whether a profile's sign-in can still be used, as `list` and `doctor` report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignInStatus {
    /// Signed in: the access token is valid, or can be refreshed.
    Valid {
        /// Seconds until the access token expires, when known.
        expires_in: Option<i64>,
        /// Whether a refresh token is kept.
        refreshable: bool,
    },
    /// The access token expired and there is no refresh token: sign in again.
    Expired,
    /// No sign-in is stored.
    Missing,
    /// The store could not be read.
    Unreadable(String),
}

impl SignInStatus {
    /// Whether `serve` can use it.
    pub fn is_valid(&self) -> bool {
        matches!(self, SignInStatus::Valid { .. })
    }
}

/// The status of the sign-in `store` keeps, at `now` (seconds since the epoch). Offline: a
/// refresh token the server has since revoked still counts as valid until `serve` tries it.
pub fn status(store: &SignInStore, now: u64) -> SignInStatus {
    match store.load() {
        Err(error) => SignInStatus::Unreadable(error.to_string()),
        Ok(None) => SignInStatus::Missing,
        Ok(Some(sign_in)) if sign_in.credentials.token_response.is_none() => SignInStatus::Missing,
        Ok(Some(sign_in)) => {
            let expires_in = sign_in.expires_in(now);
            let refreshable = sign_in.can_refresh();
            if !refreshable && expires_in.is_some_and(|seconds| seconds <= 0) {
                SignInStatus::Expired
            } else {
                SignInStatus::Valid {
                    expires_in,
                    refreshable,
                }
            }
        }
    }
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|elapsed| elapsed.as_secs())
        .unwrap_or(0)
}
