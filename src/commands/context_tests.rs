//! The commands use the token store of the [`Context`] they are given: one context with a
//! memory keychain carries a token through install, `token set`, `rename` and `remove`, and
//! the keychain is the only place the token lands (the profile file never holds it).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use crate::clients::ClientId;
use crate::commands::install::{self, InstallRequest, WorkspaceChoice};
use crate::commands::remove::{self, RemoveRequest};
use crate::commands::rename::{self, RenameRequest};
use crate::commands::token::{self, TokenSetRequest};
use crate::context::Context;
use crate::paths::{Environment, Os};
use crate::profiles::{self, TokenLocation};
use crate::self_install::Placement;
use crate::token_store::{Keychain, KeychainError, TokenStore};
use crate::tray::{ApiToken, ServerName, WorkspaceId};

const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";
const FIRST: &str = "c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6";
const SECOND: &str = "0f9e8d7c6b5a49382716a5b4c3d2e1f0";

/// A memory keychain whose secrets the test can still see once the context owns it.
#[derive(Clone, Default)]
struct Shared(Arc<Mutex<BTreeMap<String, String>>>);

impl Shared {
    fn secrets(&self) -> BTreeMap<String, String> {
        self.0.lock().expect("lock").clone()
    }
}

impl Keychain for Shared {
    fn describe(&self) -> String {
        "memory".to_string()
    }
    fn get(&self, account: &str) -> Result<Option<String>, KeychainError> {
        Ok(self.0.lock().expect("lock").get(account).cloned())
    }
    fn set(&self, account: &str, secret: &str) -> Result<(), KeychainError> {
        self.0
            .lock()
            .expect("lock")
            .insert(account.to_string(), secret.to_string());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<bool, KeychainError> {
        Ok(self.0.lock().expect("lock").remove(account).is_some())
    }
}

fn context(home: &Path, keychain: &Shared) -> Context {
    let environment = Environment {
        os: Os::Linux,
        home: home.to_path_buf(),
        appdata: None,
        xdg_config_home: None,
        current_dir: home.to_path_buf(),
        path_var: None,
        variables: Default::default(),
    };
    Context::with_store(environment, TokenStore::with_keychain(Box::new(keychain.clone())))
}

fn name(text: &str) -> ServerName {
    ServerName::parse(text).expect("name")
}

fn install_request(server: &ServerName) -> InstallRequest {
    InstallRequest::stdio(
        vec![ClientId::parse("cursor").expect("cursor")],
        WorkspaceChoice::Tray {
            workspace_id: WorkspaceId::parse(WORKSPACE).expect("uuid"),
            api_token: ApiToken::parse(FIRST).expect("token"),
            region: Default::default(),
        },
        server.clone(),
    )
}

fn secrets(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(account, secret)| (account.to_string(), secret.to_string()))
        .collect()
}

#[test]
fn install_token_set_rename_and_remove_use_the_contexts_keychain() {
    let home = tempfile::tempdir().expect("tempdir");
    let keychain = Shared::default();
    let context = context(home.path(), &keychain);
    let (old, new) = (name("tray-work"), name("tray-renamed"));
    let placement = Placement {
        entry_binary: "/usr/local/bin/tray-mcp".into(),
        copy_from: None,
    };

    install::install(&context, &install_request(&old), &placement, &|_| {}).expect("install");
    assert_eq!(keychain.secrets(), secrets(&[("tray-work", FIRST)]));
    let profile = profiles::load(&context, &old).expect("profile");
    assert_eq!(
        (profile.token_store, profile.api_token),
        (TokenLocation::Keychain, None)
    );

    let set = TokenSetRequest {
        name: old.clone(),
        api_token: ApiToken::parse(SECOND).expect("token"),
        dry_run: false,
    };
    token::set(&context, &set).expect("token set");
    assert_eq!(keychain.secrets(), secrets(&[("tray-work", SECOND)]));

    let renaming = RenameRequest {
        old: old.clone(),
        new: new.clone(),
        dry_run: false,
    };
    rename::rename(&context, &renaming).expect("rename");
    assert_eq!(keychain.secrets(), secrets(&[("tray-renamed", SECOND)]));
    let cursor = std::fs::read_to_string(home.path().join(".cursor/mcp.json")).expect("cursor");
    assert!(cursor.contains("tray-renamed") && !cursor.contains(SECOND), "{cursor}");

    let removing = RemoveRequest {
        name: new,
        clients: Vec::new(),
        dry_run: false,
    };
    remove::remove(&context, &removing).expect("remove");
    assert_eq!(keychain.secrets(), secrets(&[]));
}

#[test]
fn listing_and_reading_a_file_kept_token_never_open_the_store() {
    let home = tempfile::tempdir().expect("tempdir");
    let server = name("tray-work");
    let placement = Placement {
        entry_binary: "/usr/local/bin/tray-mcp".into(),
        copy_from: None,
    };
    let file_only = Context::with_store(
        context(home.path(), &Shared::default()).environment.clone(),
        TokenStore::file_only("no keychain in this test"),
    );
    install::install(&file_only, &install_request(&server), &placement, &|_| {}).expect("install");

    let context = Context::from_environment(file_only.environment.clone());
    let listing = crate::commands::list::list(&context);
    assert_eq!(listing.entries.len(), 1, "{:?}", listing.to_json());
    let _ = crate::commands::clients::clients(&context);
    let profile = profiles::load(&context, &server).expect("profile");
    let token = context
        .store_for_reading(&profile)
        .token(&server, &profile)
        .expect("read");
    assert_eq!(token.map(|token| token.expose().to_string()).as_deref(), Some(FIRST));
    assert!(
        !context.store_is_open(),
        "list, clients and a file-kept token need no keychain"
    );
}
