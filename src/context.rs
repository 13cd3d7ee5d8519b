//! One injectable value for what a command takes from the process: the [`Environment`], the
//! other variables (by name), the token store (opened lazily) and the console (standard input
//! and whether it is a terminal). rustup's `Process` is the model: the binary makes one
//! [`Context`] in `main::run` and passes it down; tests make one with a memory keychain and a
//! scripted console, so commands need no second entry point that takes a store.
//!
//! Where it lives, and why: the context holds a [`TokenStore`], a domain type, so it cannot be
//! ground (`paths::Environment` is ground and stays plain data). It sits in the domain layer and
//! imports only ground modules, `profiles` and `token_store`; nothing it imports imports it back,
//! so the sign-in store (`oauth`), the server and the commands take it without a cycle (the
//! layering test checks this).
//!
//! Why lazily: opening the OS keychain is a D-Bus round trip on Linux and pulls in its client.
//! `serve --sandbox`, `list`, `clients` and the other offline paths never ask for the store, so
//! they never open it (bench/check.sh holds `serve --sandbox`'s peak RSS at about 5 MiB).
//!
//! The context derefs to its [`Environment`]: a function that needs only paths keeps taking
//! `&Environment` and callers pass `&context` unchanged.

use std::ffi::OsString;
use std::sync::{Arc, OnceLock};

use crate::paths::Environment;
use crate::profiles::{Profile, TokenLocation};
use crate::token_store::TokenStore;

/// Standard input and the terminal, as a port: the binary's reads the process's, a test's is
/// scripted.
pub trait Console: Send + Sync {
    /// Whether standard input is a terminal.
    fn stdin_is_terminal(&self) -> bool;
    /// Whether standard input and standard error are a terminal (a prompt can be asked).
    fn on_terminal(&self) -> bool;
    /// All of standard input.
    fn read_stdin(&self) -> std::io::Result<String>;
}

/// A console with no terminal and the given standard input (for tests, and where nothing reads).
#[derive(Debug, Clone, Default)]
pub struct ScriptedConsole {
    /// What standard input holds.
    pub stdin: String,
    /// Whether it behaves as a terminal.
    pub terminal: bool,
}

impl Console for ScriptedConsole {
    fn stdin_is_terminal(&self) -> bool {
        self.terminal
    }

    fn on_terminal(&self) -> bool {
        self.terminal
    }

    fn read_stdin(&self) -> std::io::Result<String> {
        Ok(self.stdin.clone())
    }
}

/// Looks a process variable up by name (a name the [`Environment`] does not type: the manifest's
/// and `--token-from-env`'s variables, the sign-in's client secret, `BROWSER`).
pub type VariableLookup = dyn Fn(&str) -> Option<OsString> + Send + Sync;

/// The token store of the process, opened on first use and shared from then on (a sign-in store
/// keeps a handle, so a server that never reads a keychain token never opens the keychain).
#[derive(Clone)]
pub struct SharedStore {
    opened: Arc<OnceLock<Arc<TokenStore>>>,
    open: Arc<dyn Fn() -> TokenStore + Send + Sync>,
}

impl std::fmt::Debug for SharedStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SharedStore")
            .field("opened", &self.opened.get())
            .finish()
    }
}

impl SharedStore {
    /// The system's store of `environment`, not opened yet.
    fn system(environment: &Environment) -> SharedStore {
        let environment = environment.clone();
        SharedStore {
            opened: Arc::new(OnceLock::new()),
            open: Arc::new(move || TokenStore::system(&environment)),
        }
    }

    /// `store`, already open.
    fn given(store: TokenStore) -> SharedStore {
        let opened = OnceLock::new();
        let _ = opened.set(Arc::new(store));
        SharedStore {
            opened: Arc::new(opened),
            open: Arc::new(|| TokenStore::file_only("unreachable: the store was given")),
        }
    }

    /// The store, opening it on the first call.
    pub fn get(&self) -> &Arc<TokenStore> {
        self.opened.get_or_init(|| Arc::new((self.open)()))
    }

    /// Whether it has been opened (for tests of laziness).
    pub fn is_open(&self) -> bool {
        self.opened.get().is_some()
    }
}

/// What a command takes from the process (see the module docs).
pub struct Context {
    /// The paths and typed variables.
    pub environment: Environment,
    variables: Box<VariableLookup>,
    store: SharedStore,
    console: Box<dyn Console>,
}

impl std::fmt::Debug for Context {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Context")
            .field("environment", &self.environment)
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

impl std::ops::Deref for Context {
    type Target = Environment;

    fn deref(&self) -> &Environment {
        &self.environment
    }
}

impl Context {
    /// The process's context: `variables` looks names up in the process environment, the store
    /// is the system's (opened when first asked for), `console` is the terminal.
    pub fn new(environment: Environment, variables: Box<VariableLookup>, console: Box<dyn Console>) -> Context {
        let store = SharedStore::system(&environment);
        Context {
            environment,
            variables,
            store,
            console,
        }
    }

    /// A context of `environment` alone: the system's store (opened when first asked for, as
    /// `environment`'s `TRAY_MCP_TOKEN_STORE` says), no other variables, an empty, non-terminal
    /// console (tests that set `TRAY_MCP_TOKEN_STORE=file` keep to the profile file this way).
    pub fn from_environment(environment: Environment) -> Context {
        Context::new(environment, Box::new(|_| None), Box::new(ScriptedConsole::default()))
    }

    /// A context with `store` as its token store (a test's memory keychain, or file only), no
    /// other variables and an empty, non-terminal console.
    pub fn with_store(environment: Environment, store: TokenStore) -> Context {
        Context {
            environment,
            variables: Box::new(|_| None),
            store: SharedStore::given(store),
            console: Box::new(ScriptedConsole::default()),
        }
    }

    /// This context with `variables` looked up by name.
    pub fn with_variables(mut self, variables: Box<VariableLookup>) -> Context {
        self.variables = variables;
        self
    }

    /// This context with `console`.
    pub fn with_console(mut self, console: Box<dyn Console>) -> Context {
        self.console = console;
        self
    }

    /// The token store, opened on the first call.
    pub fn store(&self) -> &TokenStore {
        self.store.get()
    }

    /// A handle on the token store that opens it when first used (for a sign-in store).
    pub fn shared_store(&self) -> SharedStore {
        self.store.clone()
    }

    /// Whether the token store has been opened.
    pub fn store_is_open(&self) -> bool {
        self.store.is_open()
    }

    /// The store to read `profile`'s token from: this context's when the profile keeps it in the
    /// keychain, else the profile file alone, so that `serve` does not ask the OS keychain (a
    /// D-Bus round trip on Linux) at every start for a token that is in the file.
    pub fn store_for_reading(&self, profile: &Profile) -> Arc<TokenStore> {
        match profile.token_store {
            TokenLocation::Keychain => Arc::clone(self.store.get()),
            TokenLocation::Profile => Arc::new(TokenStore::file_only("the profile keeps its token in its file")),
        }
    }

    /// The process variable `name`, when set (not empty) and Unicode.
    pub fn var(&self, name: &str) -> Option<String> {
        self.var_os(name)
            .and_then(|value| value.into_string().ok())
            .filter(|value| !value.is_empty())
    }

    /// The process variable `name` as it is.
    pub fn var_os(&self, name: &str) -> Option<OsString> {
        (self.variables)(name)
    }

    /// Standard input and the terminal.
    pub fn console(&self) -> &dyn Console {
        self.console.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn environment() -> Environment {
        Environment::from_lookup(crate::paths::Os::Linux, "/work".into(), |name| {
            (name == "HOME").then(|| OsString::from("/home/u"))
        })
        .expect("environment")
    }

    #[test]
    fn the_system_store_opens_only_when_asked_for() {
        let context = Context::new(environment(), Box::new(|_| None), Box::new(ScriptedConsole::default()));
        let handle = context.shared_store();
        assert!(!context.store_is_open());
        let profile_file: Profile = serde_json::from_value(serde_json::json!({})).expect("a profile");
        let _ = context.store_for_reading(&profile_file);
        assert!(
            !context.store_is_open(),
            "a token in the profile file needs no keychain"
        );
        let _ = handle.get();
        assert!(context.store_is_open(), "a handle shares the context's store");
    }

    #[test]
    fn a_given_store_is_the_one_used() {
        let context = Context::with_store(environment(), TokenStore::file_only("test"));
        assert!(context.store_is_open());
        assert_eq!(context.store().fallback_reason(), Some("test"));
        let context = context.with_variables(Box::new(|name| (name == "X").then(|| "1".into())));
        assert_eq!(context.var("X").as_deref(), Some("1"));
        assert_eq!(context.var("Y"), None);
    }
}
