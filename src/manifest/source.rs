//! Where a declared entry's token comes from, by reference: an environment variable, a
//! keychain item, a file readable by the user alone, or a command's output (a password
//! manager's CLI). Reading a source yields the token; nothing here prints or keeps it.

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::error::Advice;
use crate::paths::Environment;
use crate::token_store;
use crate::tray::{ApiToken, ServerName};

/// A reference to where a token is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TokenSource {
    /// `env = "VAR"`: the value of an environment variable.
    Env(String),
    /// `keychain = "SERVICE/ACCOUNT"`: an OS keychain item (builds with the `keychain` feature).
    Keychain {
        /// The item's service.
        service: String,
        /// The item's account.
        account: String,
    },
    /// `file = "PATH"`: a file's contents, trimmed; relative to the manifest's folder, `~/` for
    /// the home folder. Refused when group or others may read it, as ssh refuses such keys.
    File(PathBuf),
    /// `command = ["op", "read", "..."]`: the standard output of a program, trimmed.
    Command(Vec<String>),
}

impl fmt::Display for TokenSource {
    /// The reference itself, as written in a manifest (never the token).
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TokenSource::Env(variable) => write!(formatter, "environment variable {variable}"),
            TokenSource::Keychain { service, account } => write!(formatter, "keychain item {service}/{account}"),
            TokenSource::File(path) => write!(formatter, "file {}", path.display()),
            TokenSource::Command(command) => write!(formatter, "command `{}`", command.join(" ")),
        }
    }
}

/// A token source could not be read (an error, never drift). The message never holds a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceError {
    /// The entry whose token it is.
    pub name: String,
    /// The source, as written.
    pub source: String,
    /// What went wrong.
    pub problem: String,
    /// What to do.
    pub hint: String,
}

impl fmt::Display for SourceError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            formatter,
            "could not read the token of \"{}\" from its {}: {}",
            self.name, self.source, self.problem
        )
    }
}

impl std::error::Error for SourceError {}

impl Advice for SourceError {
    fn hint(&self) -> Option<String> {
        Some(format!("{}; no file was changed", self.hint))
    }
}

/// What reading a source needs from outside: the environment's variables and folders.
pub struct SourceContext<'a> {
    /// The home folder, for `~/`, and the OS.
    pub environment: &'a Environment,
    /// The manifest's folder, for relative paths and the command's working folder.
    pub folder: &'a Path,
    /// Looks up an environment variable (the process's, or a test's).
    pub lookup: &'a dyn Fn(&str) -> Option<OsString>,
    /// Reads a keychain item's secret by service and account ([`token_store::read_item`]:
    /// the OS keychain; a test's store).
    pub keychain: &'a KeychainReader,
}

/// Reads the secret of a keychain item (service, account); `None` when there is no such item.
pub type KeychainReader = dyn Fn(&str, &str) -> Result<Option<String>, token_store::KeychainError>;

impl TokenSource {
    /// Reads the token of the entry `name`.
    pub fn read(&self, name: &ServerName, context: &SourceContext<'_>) -> Result<ApiToken, SourceError> {
        let fail = |problem: String, hint: &str| SourceError {
            name: name.to_string(),
            source: self.to_string(),
            problem,
            hint: hint.to_string(),
        };
        let text = match self {
            TokenSource::Env(variable) => (context.lookup)(variable)
                .filter(|value| !value.is_empty())
                .ok_or_else(|| fail("it is not set".to_string(), &format!("export {variable} before running tray-mcp")))?
                .into_string()
                .map_err(|_| fail("it is not UTF-8 text".to_string(), "set it to the API token"))?,
            TokenSource::Keychain { service, account } => (context.keychain)(service, account)
                .map_err(|error| fail(error.0, "store the token in that keychain item, or build tray-mcp with `--features keychain`, or use env, file or command"))?
                .ok_or_else(|| fail("there is no such item".to_string(), "store the token in that keychain item"))?,
            TokenSource::File(path) => read_private_file(&resolve(path, context)).map_err(|(problem, hint)| fail(problem, &hint))?,
            TokenSource::Command(command) => run(command, context.folder).map_err(|(problem, hint)| fail(problem, &hint))?,
        };
        ApiToken::parse(&text).map_err(|_| {
            fail(
                "it yields no usable API token (empty, or more than one line)".to_string(),
                "make the source yield the token alone",
            )
        })
    }
}

fn resolve(path: &Path, context: &SourceContext<'_>) -> PathBuf {
    match path.to_str().and_then(|text| text.strip_prefix("~/")) {
        Some(rest) => context.environment.home.join(rest),
        None if path.is_absolute() => path.to_path_buf(),
        None => context.folder.join(path),
    }
}

fn read_private_file(path: &Path) -> Result<String, (String, String)> {
    let shown = path.display().to_string();
    check_private(path, &shown)?;
    crate::config::safe_write::read_to_string(path).map_err(|error| {
        (
            format!("{shown}: {error}"),
            "check that the file exists and is UTF-8 text".to_string(),
        )
    })
}

#[cfg(unix)]
fn check_private(path: &Path, shown: &str) -> Result<(), (String, String)> {
    use std::os::unix::fs::PermissionsExt;
    let metadata = std::fs::metadata(path)
        .map_err(|error| (format!("{shown}: {error}"), "check that the file exists".to_string()))?;
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o077 != 0 {
        return Err((
            format!("{shown} is readable by other users (mode {mode:03o})"),
            format!("run `chmod 600 {shown}` (and rotate the token if others could read it)"),
        ));
    }
    Ok(())
}

#[cfg(not(unix))]
fn check_private(_path: &Path, _shown: &str) -> Result<(), (String, String)> {
    Ok(())
}

/// Runs the command (stdin closed, stderr passed through so a password manager can say why it
/// failed), and returns its standard output.
fn run(command: &[String], folder: &Path) -> Result<String, (String, String)> {
    let (program, args) = command.split_first().ok_or_else(|| {
        (
            "the command is empty".to_string(),
            "give the program and its arguments".to_string(),
        )
    })?;
    let output = Command::new(program)
        .args(args)
        .current_dir(folder)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|error| {
            (
                format!("could not start {program}: {error}"),
                format!("install {program} or put it on PATH"),
            )
        })?;
    if !output.status.success() {
        let status = output
            .status
            .code()
            .map_or_else(|| "a signal".to_string(), |code| format!("exit status {code}"));
        return Err((
            format!("it ended with {status}"),
            "run the command yourself to see why (signed in to the password manager?)".to_string(),
        ));
    }
    String::from_utf8(output.stdout).map_err(|_| {
        (
            "its output is not UTF-8 text".to_string(),
            "make it print the token alone".to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::Os;
    use crate::paths::tests::environment_for;

    const SECRET: &str = "tray-keychain-secret-4b1d";

    fn keychain_source() -> TokenSource {
        TokenSource::Keychain {
            service: "corp-vault".into(),
            account: "tray-prod".into(),
        }
    }

    fn read_with(keychain: &KeychainReader) -> Result<ApiToken, SourceError> {
        let environment = environment_for(Os::Linux);
        let context = SourceContext {
            environment: &environment,
            folder: Path::new("/"),
            lookup: &|_| None,
            keychain,
        };
        keychain_source().read(&ServerName::parse("tray-prod").expect("name"), &context)
    }

    #[test]
    fn a_keychain_source_reads_the_item_of_its_service_and_account() {
        let token = read_with(&|service, account| {
            Ok(((service, account) == ("corp-vault", "tray-prod")).then(|| format!("{SECRET}\n")))
        })
        .expect("the item is read");
        assert_eq!(token.expose(), SECRET, "trimmed");
    }

    #[test]
    fn a_missing_or_unreadable_keychain_item_is_an_error_that_names_the_item_only() {
        let missing = read_with(&|_, _| Ok(None)).expect_err("no item");
        assert_eq!(missing.problem, "there is no such item");
        assert_eq!(missing.source, "keychain item corp-vault/tray-prod");
        let locked =
            read_with(&|_, _| Err(token_store::KeychainError("the keychain is locked".into()))).expect_err("locked");
        assert_eq!(locked.problem, "the keychain is locked");
        let two_lines = read_with(&|_, _| Ok(Some(format!("{SECRET}\n{SECRET}")))).expect_err("not one token");
        for error in [&missing, &locked, &two_lines] {
            let shown = format!("{error} {}", error.hint);
            assert!(!shown.contains(SECRET), "{shown}");
        }
    }

    /// Through `keyring-core`'s own mock store, as the OS keychain is read in a `keychain` build.
    #[cfg(feature = "keychain")]
    #[test]
    fn a_keychain_source_reads_through_keyring_core() {
        use keyring_core::mock;
        let store = mock::Store::new().expect("mock store");
        let shared: std::sync::Arc<keyring_core::CredentialStore> = store.clone();
        let reader_store = shared.clone();
        let reader =
            move |service: &str, account: &str| token_store::os::read_item_in(reader_store.as_ref(), service, account);
        assert_eq!(
            read_with(&reader).expect_err("empty store").problem,
            "there is no such item"
        );
        shared
            .build("corp-vault", "tray-prod", None)
            .expect("entry")
            .set_password(SECRET)
            .expect("stored");
        assert_eq!(read_with(&reader).expect("read").expose(), SECRET);
    }
}
