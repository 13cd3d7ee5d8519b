//! Where a profile's API token is kept: the OS keychain when there is one, else the profile file.
//!
//! Why: the 0600 profile file keeps the token from other users, but not from backups, disk
//! images, or anything else that runs as the user and reads files. The OS keychain (macOS
//! Keychain, Windows Credential Manager, the Secret Service on Linux) encrypts it at rest and
//! may ask before handing it out. It is not always there: a headless Linux box has no Secret
//! Service, and the `keyring` crate reports that at once. Then the token stays in the profile
//! file, as before.
//!
//! The keychain is the cargo feature `keychain`, on by default (so every release artifact has it;
//! `keyring` is pure Rust on every platform, nothing to link). A build without it keeps every
//! token in its profile file; a profile that says `"token_store": "keychain"` (written by a
//! build with the feature) is then reported as such, with a hint, instead of being treated as
//! holding no token. Where no keychain answers, an install says so once and uses the file.
//!
//! Layout: service `tray-mcp`, account = profile name; the profile file records
//! `"token_store": "keychain"` instead of holding `api_token`. `TRAY_MCP_TOKEN_STORE=file` keeps
//! new tokens in the profile file even when a keychain is available.
//!
//! Every command goes through [`TokenStore`]: install and `token set` write, `token forget` and
//! remove delete, rename moves, serve and doctor read, list shows [`TokenLocation`]. A keychain
//! write is not a file, so it cannot join the file transaction; [`TokenStore::around_commit`]
//! orders it around the commit (see there).

use std::fmt;

use crate::env::TokenStoreChoice;
use crate::paths::Environment;
use crate::profiles::Profile;
pub use crate::profiles::TokenLocation;
use crate::tray::{ApiToken, ServerName};

/// The keychain service name every tray-mcp token is stored under.
pub const SERVICE: &str = "tray-mcp";

/// The environment variable that can force the profile file (`file`).
pub const STORE_VARIABLE: &str = crate::env::TRAY_MCP_TOKEN_STORE;

/// A keychain operation failed. The message never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct KeychainError(pub String);

/// The few keychain operations tray-mcp needs; one account per profile name.
pub trait Keychain: Send + Sync {
    /// What it is, for messages ("the OS keychain").
    fn describe(&self) -> String;
    /// The secret of `account`, `None` when there is none.
    fn get(&self, account: &str) -> Result<Option<String>, KeychainError>;
    /// Creates or replaces the secret of `account`.
    fn set(&self, account: &str, secret: &str) -> Result<(), KeychainError>;
    /// Deletes the secret of `account`; `false` when there was none.
    fn delete(&self, account: &str) -> Result<bool, KeychainError>;
}

/// A profile's token could not be read from where the profile says it is.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenStoreError {
    /// The profile says keychain, but this process has none (no feature, no Secret Service).
    #[error("the token of profile {name} is kept in the OS keychain, which is not available here ({reason})")]
    KeychainUnavailable {
        /// The profile name.
        name: String,
        /// Why not.
        reason: String,
    },
    /// The keychain refused or failed.
    #[error("the OS keychain failed for profile {name}: {error}")]
    Keychain {
        /// The profile name.
        name: String,
        /// What went wrong.
        error: KeychainError,
    },
    /// What the keychain holds is not a usable token.
    #[error("the OS keychain entry {SERVICE}/{name} does not hold a valid API token")]
    InvalidToken {
        /// The profile name.
        name: String,
    },
}

impl crate::error::Advice for TokenStoreError {
    fn hint(&self) -> Option<String> {
        Some(TokenStoreError::hint(self))
    }
}

impl TokenStoreError {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        match self {
            TokenStoreError::KeychainUnavailable { name, .. } => format!(
                "start the keychain (on Linux a Secret Service, such as gnome-keyring) and retry, or store the token again, in the profile file: `tray-mcp token set {name}`"
            ),
            TokenStoreError::Keychain { name, .. } => format!(
                "unlock the keychain and retry, or keep the token in the profile file: `{STORE_VARIABLE}=file tray-mcp token set {name}`"
            ),
            TokenStoreError::InvalidToken { name } => format!("store it again: `tray-mcp token set {name}`"),
        }
    }
}

/// The keychain changes that go with one file transaction (see [`TokenStore::around_commit`]).
#[derive(Debug, Default)]
pub struct KeychainChanges {
    /// Tokens to store, before the files are committed.
    pub writes: Vec<(ServerName, ApiToken)>,
    /// Entries to delete, after the files are committed.
    pub deletes: Vec<ServerName>,
}

/// Why [`TokenStore::around_commit`] failed.
#[derive(Debug)]
pub enum AroundCommitError<E> {
    /// A keychain write failed; no file was touched and earlier writes were undone.
    Keychain(TokenStoreError),
    /// The file commit failed; the keychain writes were undone.
    Commit(E),
}

/// The token store of this process: the profile file, plus the OS keychain when there is one.
pub struct TokenStore {
    keychain: Option<Box<dyn Keychain>>,
    /// Why there is no keychain (for messages).
    unavailable: String,
    /// The profile file was asked for (`TRAY_MCP_TOKEN_STORE=file`), rather than no keychain
    /// answering.
    file_chosen: bool,
}

impl fmt::Debug for TokenStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenStore")
            .field("keychain", &self.keychain.as_ref().map(|keychain| keychain.describe()))
            .finish()
    }
}

impl TokenStore {
    /// The store of this process: the OS keychain when the `keychain` feature is built in, one
    /// answers, and [`STORE_VARIABLE`] is not `file`; otherwise the profile file only.
    pub fn system(environment: &Environment) -> TokenStore {
        match environment.variables.token_store {
            TokenStoreChoice::File => TokenStore {
                file_chosen: true,
                ..TokenStore::file_only(format!("{STORE_VARIABLE}=file"))
            },
            TokenStoreChoice::Auto => system_keychain(),
        }
    }

    /// Only the profile file; `reason` says why there is no keychain.
    pub fn file_only(reason: impl Into<String>) -> TokenStore {
        TokenStore {
            keychain: None,
            unavailable: reason.into(),
            file_chosen: false,
        }
    }

    /// With the given keychain.
    pub fn with_keychain(keychain: Box<dyn Keychain>) -> TokenStore {
        TokenStore {
            keychain: Some(keychain),
            unavailable: String::new(),
            file_chosen: false,
        }
    }

    /// Why new tokens go to the profile file although nobody asked for it: no keychain answers
    /// here (or the build has none). `None` when there is a keychain, or the file was chosen.
    pub fn fallback_reason(&self) -> Option<&str> {
        (self.keychain.is_none() && !self.file_chosen).then_some(self.unavailable.as_str())
    }

    /// Whether a keychain is available.
    pub fn has_keychain(&self) -> bool {
        self.keychain.is_some()
    }

    /// The keychain, when there is one (for other secrets than API tokens: a sign-in).
    pub fn keychain_if_any(&self) -> Option<&dyn Keychain> {
        self.keychain.as_deref()
    }

    /// Where new tokens go: the keychain when there is one.
    pub fn preferred(&self) -> TokenLocation {
        if self.has_keychain() {
            TokenLocation::Keychain
        } else {
            TokenLocation::Profile
        }
    }

    /// The token of the profile `name`, wherever the profile says it is; `None` when it has none.
    pub fn token(&self, name: &ServerName, profile: &Profile) -> Result<Option<ApiToken>, TokenStoreError> {
        match profile.token_store {
            TokenLocation::Profile => Ok(profile.api_token.clone()),
            TokenLocation::Keychain => {
                let keychain = self.keychain(name)?;
                let Some(secret) = keychain
                    .get(name.as_str())
                    .map_err(|error| keychain_error(name, error))?
                else {
                    return Ok(None);
                };
                ApiToken::parse(&secret)
                    .map(Some)
                    .map_err(|_| TokenStoreError::InvalidToken { name: name.to_string() })
            }
        }
    }

    /// Deletes the keychain entry of `name`; `false` when there was none.
    pub fn delete(&self, name: &ServerName) -> Result<bool, TokenStoreError> {
        self.keychain(name)?
            .delete(name.as_str())
            .map_err(|error| keychain_error(name, error))
    }

    /// Applies `changes` around `commit`, the file transaction:
    ///
    /// 1. writes go to the keychain *before* the commit, each remembering what it replaced; if
    ///    one fails, the earlier ones are undone and no file is touched;
    /// 2. if the commit fails, every write is undone (the previous secret is put back, or the
    ///    new one deleted), so the keychain matches the files again;
    /// 3. deletes happen *after* the commit succeeded: by then no profile file points at those
    ///    entries, so a delete that fails leaves only an orphan, reported as a warning (the
    ///    returned messages) rather than failing a command whose files are already written.
    ///
    /// Writes go first (rather than after the commit) so that a profile file that says
    /// `keychain` never exists without its keychain entry.
    pub fn around_commit<T, E>(
        &self,
        changes: &KeychainChanges,
        commit: impl FnOnce() -> Result<T, E>,
    ) -> Result<(T, Vec<String>), AroundCommitError<E>> {
        let mut undo: Vec<(&ServerName, Option<String>)> = Vec::new();
        for (name, token) in &changes.writes {
            match self.write(name, token) {
                Ok(previous) => undo.push((name, previous)),
                Err(error) => {
                    self.undo(undo);
                    return Err(AroundCommitError::Keychain(error));
                }
            }
        }
        let value = match commit() {
            Ok(value) => value,
            Err(error) => {
                self.undo(undo);
                return Err(AroundCommitError::Commit(error));
            }
        };
        let notices = changes
            .deletes
            .iter()
            .filter_map(|name| match self.delete(name) {
                Ok(_) => None,
                Err(error) => Some(format!(
                    "{error}; the keychain entry {SERVICE}/{name} may still hold the old token: delete it with your keychain app"
                )),
            })
            .collect();
        Ok((value, notices))
    }

    /// Stores `token` for `name`; returns the secret it replaced.
    fn write(&self, name: &ServerName, token: &ApiToken) -> Result<Option<String>, TokenStoreError> {
        let keychain = self.keychain(name)?;
        let previous = keychain
            .get(name.as_str())
            .map_err(|error| keychain_error(name, error))?;
        keychain
            .set(name.as_str(), token.expose())
            .map_err(|error| keychain_error(name, error))?;
        Ok(previous)
    }

    /// Puts back what `writes` replaced, newest first. Best effort: this runs on a path that is
    /// already failing, and the error being returned is the one to show.
    fn undo(&self, writes: Vec<(&ServerName, Option<String>)>) {
        let Some(keychain) = &self.keychain else { return };
        for (name, previous) in writes.into_iter().rev() {
            let _ = match previous {
                Some(secret) => keychain.set(name.as_str(), &secret),
                None => keychain.delete(name.as_str()).map(|_| ()),
            };
        }
    }

    fn keychain(&self, name: &ServerName) -> Result<&dyn Keychain, TokenStoreError> {
        self.keychain
            .as_deref()
            .ok_or_else(|| TokenStoreError::KeychainUnavailable {
                name: name.to_string(),
                reason: self.unavailable.clone(),
            })
    }
}

fn keychain_error(name: &ServerName, error: KeychainError) -> TokenStoreError {
    TokenStoreError::Keychain {
        name: name.to_string(),
        error,
    }
}

/// Reads the secret of any keychain item (a manifest's `keychain = "SERVICE/ACCOUNT"` token
/// source); `None` when there is no such item. Without the `keychain` feature, an error that
/// says so.
#[cfg(not(feature = "keychain"))]
pub fn read_item(service: &str, account: &str) -> Result<Option<String>, KeychainError> {
    let _ = (service, account);
    Err(KeychainError(
        "this tray-mcp was built without the `keychain` feature".to_string(),
    ))
}

/// Reads the secret of any keychain item (a manifest's `keychain = "SERVICE/ACCOUNT"` token
/// source); `None` when there is no such item.
#[cfg(feature = "keychain")]
pub fn read_item(service: &str, account: &str) -> Result<Option<String>, KeychainError> {
    os::read_item(service, account)
}

#[cfg(not(feature = "keychain"))]
fn system_keychain() -> TokenStore {
    TokenStore::file_only("this tray-mcp was built without the `keychain` feature")
}

#[cfg(feature = "keychain")]
fn system_keychain() -> TokenStore {
    match os::open() {
        Ok(keychain) => TokenStore::with_keychain(Box::new(keychain)),
        Err(error) => TokenStore::file_only(error.0),
    }
}

/// The `keyring`-backed keychain (feature `keychain`).
#[cfg(feature = "keychain")]
pub mod os {
    use std::sync::Arc;

    use keyring_core::{CredentialStore, Error};

    use super::{Keychain, KeychainError, SERVICE};

    /// A keychain over any `keyring-core` credential store: the platform's (from [`open`]), or
    /// `keyring_core::mock` in tests.
    pub struct KeyringKeychain {
        store: Arc<CredentialStore>,
    }

    /// The platform's store, chosen by the `keyring` crate: macOS Keychain, Windows Credential
    /// Manager, or the Secret Service (which fails at once when none is running).
    pub fn open() -> Result<KeyringKeychain, KeychainError> {
        keyring::Entry::store_status().as_ref().map_err(describe)?;
        let store = keyring_core::get_default_store()
            .ok_or_else(|| KeychainError("no default credential store was set".to_string()))?;
        Ok(KeyringKeychain { store })
    }

    /// The secret of `service`/`account` in the platform's store, `None` when there is none.
    pub fn read_item(service: &str, account: &str) -> Result<Option<String>, KeychainError> {
        keyring::Entry::store_status().as_ref().map_err(describe)?;
        let store = keyring_core::get_default_store()
            .ok_or_else(|| KeychainError("no default credential store was set".to_string()))?;
        read_item_in(store.as_ref(), service, account)
    }

    /// [`read_item`] in a given store (the platform's, or `keyring_core::mock` in tests).
    pub fn read_item_in(
        store: &CredentialStore,
        service: &str,
        account: &str,
    ) -> Result<Option<String>, KeychainError> {
        let entry = store.build(service, account, None).map_err(|error| describe(&error))?;
        match entry.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(Error::NoEntry) => Ok(None),
            Err(error) => Err(describe(&error)),
        }
    }

    impl KeyringKeychain {
        /// Over a given store.
        pub fn new(store: Arc<CredentialStore>) -> Self {
            KeyringKeychain { store }
        }

        fn entry(&self, account: &str) -> Result<keyring_core::Entry, KeychainError> {
            self.store
                .build(SERVICE, account, None)
                .map_err(|error| describe(&error))
        }
    }

    impl Keychain for KeyringKeychain {
        fn describe(&self) -> String {
            self.store.vendor()
        }

        fn get(&self, account: &str) -> Result<Option<String>, KeychainError> {
            match self.entry(account)?.get_password() {
                Ok(secret) => Ok(Some(secret)),
                Err(Error::NoEntry) => Ok(None),
                Err(error) => Err(describe(&error)),
            }
        }

        fn set(&self, account: &str, secret: &str) -> Result<(), KeychainError> {
            self.entry(account)?
                .set_password(secret)
                .map_err(|error| describe(&error))
        }

        fn delete(&self, account: &str) -> Result<bool, KeychainError> {
            match self.entry(account)?.delete_credential() {
                Ok(()) => Ok(true),
                Err(Error::NoEntry) => Ok(false),
                Err(error) => Err(describe(&error)),
            }
        }
    }

    /// The error without any stored bytes (`BadEncoding` and `BadDataFormat` carry the secret).
    fn describe(error: &Error) -> KeychainError {
        KeychainError(match error {
            Error::BadEncoding(_) => "the stored value is not text".to_string(),
            Error::BadDataFormat(_, _) => "the stored value is not in the expected format".to_string(),
            Error::Ambiguous(entries) => format!("{} entries match", entries.len()),
            other => other.to_string(),
        })
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Mutex;

    use super::*;

    /// An in-memory keychain that can be told to fail.
    #[derive(Default)]
    struct Memory {
        secrets: Mutex<HashMap<String, String>>,
        fail_set: Mutex<Vec<String>>,
    }

    impl Keychain for Memory {
        fn describe(&self) -> String {
            "memory".to_string()
        }
        fn get(&self, account: &str) -> Result<Option<String>, KeychainError> {
            Ok(self.secrets.lock().expect("lock").get(account).cloned())
        }
        fn set(&self, account: &str, secret: &str) -> Result<(), KeychainError> {
            if self.fail_set.lock().expect("lock").iter().any(|name| name == account) {
                return Err(KeychainError("denied".to_string()));
            }
            self.secrets
                .lock()
                .expect("lock")
                .insert(account.to_string(), secret.to_string());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<bool, KeychainError> {
            Ok(self.secrets.lock().expect("lock").remove(account).is_some())
        }
    }

    fn name(text: &str) -> ServerName {
        ServerName::parse(text).expect("name")
    }

    fn token(text: &str) -> ApiToken {
        ApiToken::parse(text).expect("token")
    }

    fn keychain_profile() -> Profile {
        Profile {
            workspace_id: None,
            region: Default::default(),
            api_token: None,
            token_store: TokenLocation::Keychain,
            sandbox: false,
            gateway: false,
            auth: Default::default(),
            sign_in_store: Default::default(),
            headless: None,
            filter: Default::default(),
            approvals: Vec::new(),
        }
    }

    #[test]
    fn without_a_keychain_tokens_stay_in_the_profile_file() {
        let store = TokenStore::file_only("none here");
        assert_eq!(store.preferred(), TokenLocation::Profile);
        let mut profile = keychain_profile();
        profile.set_token(&token("tok-1"), store.preferred());
        assert_eq!(profile.token_store, TokenLocation::Profile);
        assert_eq!(
            store.token(&name("prod"), &profile).expect("read"),
            Some(token("tok-1"))
        );
        let rendered = crate::profiles::render(&profile);
        assert!(!rendered.contains("token_store"), "{rendered}");
    }

    #[test]
    fn a_keychain_profile_without_a_keychain_is_an_error_with_a_hint() {
        let store = TokenStore::file_only("no Secret Service");
        let error = store
            .token(&name("prod"), &keychain_profile())
            .expect_err("unavailable");
        assert!(error.to_string().contains("no Secret Service"), "{error}");
        assert!(error.hint().contains("`tray-mcp token set prod`"), "{}", error.hint());
    }

    #[test]
    fn writes_happen_before_the_commit_and_deletes_after() {
        let store = TokenStore::with_keychain(Box::<Memory>::default());
        let changes = KeychainChanges {
            writes: vec![(name("new"), token("tok-new"))],
            deletes: vec![name("old")],
        };
        store
            .around_commit(
                &KeychainChanges {
                    writes: vec![(name("old"), token("tok-old"))],
                    deletes: Vec::new(),
                },
                || Ok::<_, ()>(()),
            )
            .expect("seed");
        let (_, notices) = store
            .around_commit(&changes, || {
                // During the commit the new entry exists and the old one is still there.
                assert_eq!(
                    store.token(&name("new"), &keychain_profile()),
                    Ok(Some(token("tok-new")))
                );
                assert_eq!(
                    store.token(&name("old"), &keychain_profile()),
                    Ok(Some(token("tok-old")))
                );
                Ok::<_, ()>(())
            })
            .expect("commit");
        assert!(notices.is_empty());
        assert_eq!(store.token(&name("old"), &keychain_profile()), Ok(None));
        assert_eq!(
            store.token(&name("new"), &keychain_profile()),
            Ok(Some(token("tok-new")))
        );
    }

    #[test]
    fn a_failed_commit_puts_the_previous_secrets_back() {
        let store = TokenStore::with_keychain(Box::<Memory>::default());
        store
            .around_commit(
                &KeychainChanges {
                    writes: vec![(name("a"), token("tok-a1"))],
                    deletes: Vec::new(),
                },
                || Ok::<_, ()>(()),
            )
            .expect("seed");
        let changes = KeychainChanges {
            writes: vec![(name("a"), token("tok-a2")), (name("b"), token("tok-b"))],
            deletes: vec![name("a")],
        };
        let result = store.around_commit(&changes, || Err::<(), _>("disk full"));
        assert!(matches!(result, Err(AroundCommitError::Commit("disk full"))));
        assert_eq!(store.token(&name("a"), &keychain_profile()), Ok(Some(token("tok-a1"))));
        assert_eq!(store.token(&name("b"), &keychain_profile()), Ok(None));
    }

    #[test]
    fn a_failed_write_undoes_earlier_writes_and_never_commits() {
        let memory = Memory::default();
        memory.fail_set.lock().expect("lock").push("b".to_string());
        let store = TokenStore::with_keychain(Box::new(memory));
        let changes = KeychainChanges {
            writes: vec![(name("a"), token("tok-a")), (name("b"), token("tok-b"))],
            deletes: Vec::new(),
        };
        let result = store.around_commit(&changes, || -> Result<(), ()> { panic!("must not commit") });
        let Err(AroundCommitError::Keychain(error)) = result else {
            panic!("expected a keychain error");
        };
        assert!(!error.to_string().contains("tok-b"), "{error}");
        assert_eq!(store.token(&name("a"), &keychain_profile()), Ok(None));
    }

    #[test]
    fn a_delete_without_a_keychain_is_a_warning_after_the_commit() {
        let store = TokenStore::file_only("no Secret Service");
        let changes = KeychainChanges {
            writes: Vec::new(),
            deletes: vec![name("gone")],
        };
        let (value, notices) = store.around_commit(&changes, || Ok::<_, ()>(7)).expect("commit");
        assert_eq!(value, 7);
        assert_eq!(notices.len(), 1);
        assert!(notices[0].contains("tray-mcp/gone"), "{}", notices[0]);
    }

    /// The real `keyring-core` adapter against its mock store.
    #[cfg(feature = "keychain")]
    mod keyring_mock {
        use keyring_core::{Error, mock};

        use super::super::os::KeyringKeychain;
        use super::*;

        fn mock_store() -> (std::sync::Arc<mock::Store>, TokenStore) {
            let store = mock::Store::new().expect("mock store");
            let keychain = KeyringKeychain::new(store.clone());
            (store, TokenStore::with_keychain(Box::new(keychain)))
        }

        /// Makes the next call on `account`'s mock credential fail with `error`.
        fn fail_next(store: &mock::Store, account: &str, error: Error) {
            use keyring_core::api::CredentialStoreApi;
            let entry = store.build(SERVICE, account, None).expect("entry");
            let cred: &mock::Cred = entry.as_any().downcast_ref().expect("a mock credential");
            cred.set_error(error);
        }

        #[test]
        fn set_get_delete_and_rename_through_the_mock_store() {
            let (_, store) = mock_store();
            assert_eq!(store.preferred(), TokenLocation::Keychain);
            let profile = keychain_profile();
            let set = KeychainChanges {
                writes: vec![(name("prod"), token("tok-prod"))],
                deletes: Vec::new(),
            };
            store.around_commit(&set, || Ok::<_, ()>(())).expect("set");
            assert_eq!(store.token(&name("prod"), &profile), Ok(Some(token("tok-prod"))));
            let rename = KeychainChanges {
                writes: vec![(name("live"), token("tok-prod"))],
                deletes: vec![name("prod")],
            };
            let (_, notices) = store.around_commit(&rename, || Ok::<_, ()>(())).expect("rename");
            assert!(notices.is_empty(), "{notices:?}");
            assert_eq!(store.token(&name("prod"), &profile), Ok(None));
            assert_eq!(store.token(&name("live"), &profile), Ok(Some(token("tok-prod"))));
            assert_eq!(store.delete(&name("live")), Ok(true));
            assert_eq!(store.delete(&name("live")), Ok(false));
            assert_eq!(store.token(&name("live"), &profile), Ok(None));
        }

        #[test]
        fn a_store_error_on_write_leaves_nothing_and_says_why() {
            let (mock, store) = mock_store();
            fail_next(&mock, "prod", Error::NoStorageAccess("the keychain is locked".into()));
            let changes = KeychainChanges {
                writes: vec![(name("prod"), token("tok-prod"))],
                deletes: Vec::new(),
            };
            let result = store.around_commit(&changes, || -> Result<(), ()> { panic!("must not commit") });
            let Err(AroundCommitError::Keychain(error)) = result else {
                panic!("expected a keychain error");
            };
            assert!(error.to_string().contains("locked"), "{error}");
            assert_eq!(store.token(&name("prod"), &keychain_profile()), Ok(None));
        }

        #[test]
        fn stored_bytes_never_reach_an_error_message() {
            let (mock, store) = mock_store();
            fail_next(&mock, "prod", Error::BadEncoding(b"tok-secret-bytes".to_vec()));
            let error = store
                .token(&name("prod"), &keychain_profile())
                .expect_err("bad encoding");
            assert!(!error.to_string().contains("tok-secret"), "{error}");
            assert!(!format!("{error:?}").contains("tok-secret"), "{error:?}");
        }

        #[test]
        fn a_failed_delete_after_the_commit_is_a_warning() {
            let (mock, store) = mock_store();
            store
                .around_commit(
                    &KeychainChanges {
                        writes: vec![(name("prod"), token("tok-prod"))],
                        deletes: Vec::new(),
                    },
                    || Ok::<_, ()>(()),
                )
                .expect("set");
            fail_next(&mock, "prod", Error::PlatformFailure("bus gone".into()));
            let changes = KeychainChanges {
                writes: Vec::new(),
                deletes: vec![name("prod")],
            };
            let ((), notices) = store.around_commit(&changes, || Ok::<_, ()>(())).expect("commit");
            assert_eq!(notices.len(), 1);
            assert!(notices[0].contains("bus gone"), "{notices:?}");
        }
    }
}
