//! Every directory tray-mcp touches is computed here, from an injectable [`Environment`].
//!
//! Why: the clients keep their configs in different places on macOS, Windows and Linux, and a
//! wrong path is the most common bug in tools like this one. Because nothing below reads the real
//! process environment directly, the path tables for all three operating systems are tested on
//! any machine, and integration tests point the real binary at a fake home. The other variables
//! tray-mcp reads come with it, checked and typed ([`crate::env::Variables`]).

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use crate::env::{self, InvalidVariable, Variables};
use crate::error::{Advice, ExitKind};

/// The operating system whose conventions decide where config files live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Os {
    /// macOS: `~/Library/Application Support/...`.
    MacOs,
    /// Windows: `%APPDATA%\...` and `%USERPROFILE%\...`.
    Windows,
    /// Linux and other Unix systems: XDG directories.
    Linux,
}

impl Os {
    /// The operating system this binary was compiled for.
    pub fn current() -> Self {
        if cfg!(target_os = "macos") {
            Os::MacOs
        } else if cfg!(windows) {
            Os::Windows
        } else {
            Os::Linux
        }
    }

    /// The path separator of this operating system.
    fn separator(self) -> char {
        match self {
            Os::Windows => '\\',
            Os::MacOs | Os::Linux => '/',
        }
    }
}

/// The process environment: what decides where files live, and every other variable tray-mcp
/// reads.
///
/// Build it with [`Environment::from_process`] in the binary, or field by field in tests.
#[derive(Debug, Clone)]
pub struct Environment {
    /// Which operating system's conventions to follow.
    pub os: Os,
    /// The user's home directory (`HOME`, or `USERPROFILE` on Windows).
    pub home: PathBuf,
    /// `%APPDATA%` on Windows (roaming application data).
    pub appdata: Option<PathBuf>,
    /// `XDG_CONFIG_HOME` on Linux, when set to an absolute path.
    pub xdg_config_home: Option<PathBuf>,
    /// The current working directory, which anchors project-scoped configs.
    pub current_dir: PathBuf,
    /// The `PATH` variable, used to look for `npx`.
    pub path_var: Option<OsString>,
    /// The other variables, checked and typed.
    pub variables: Variables,
}

/// The process environment cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum EnvironmentError {
    /// It does not tell us where the user's home is.
    #[error("could not find your home directory: {0} is not set")]
    NoHome(&'static str),
    /// A variable has a value tray-mcp cannot use.
    #[error(transparent)]
    Invalid(#[from] InvalidVariable),
}

impl Advice for EnvironmentError {
    fn hint(&self) -> Option<String> {
        match self {
            EnvironmentError::NoHome(name) => Some(format!("set {name} to your home directory")),
            EnvironmentError::Invalid(error) => error.hint(),
        }
    }

    fn exit(&self) -> ExitKind {
        match self {
            EnvironmentError::NoHome(_) => ExitKind::Failure,
            EnvironmentError::Invalid(error) => error.exit(),
        }
    }
}

impl Environment {
    /// Reads the real process environment: the one place tray-mcp does (besides clap's flag
    /// fallbacks).
    pub fn from_process() -> Result<Self, EnvironmentError> {
        let current_dir = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let mut environment = Environment::from_lookup(Os::current(), current_dir, |name| std::env::var_os(name))?;
        environment.variables.set_names = std::env::vars_os()
            .filter(|(_, value)| !value.is_empty())
            .filter_map(|(name, _)| name.into_string().ok())
            .collect();
        Ok(environment)
    }

    /// Builds the environment of `os` from `lookup` (the process environment, or a test's).
    pub fn from_lookup(
        os: Os,
        current_dir: PathBuf,
        lookup: impl Fn(&str) -> Option<OsString>,
    ) -> Result<Self, EnvironmentError> {
        let non_empty = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let home = match os {
            Os::Windows => non_empty(env::USERPROFILE)
                .or_else(|| non_empty(env::HOME))
                .ok_or(EnvironmentError::NoHome(env::USERPROFILE))?,
            Os::MacOs | Os::Linux => non_empty(env::HOME).ok_or(EnvironmentError::NoHome(env::HOME))?,
        };
        Ok(Environment {
            os,
            home: PathBuf::from(home),
            appdata: non_empty(env::APPDATA).map(PathBuf::from),
            xdg_config_home: non_empty(env::XDG_CONFIG_HOME)
                .map(PathBuf::from)
                .filter(|path| path.is_absolute()),
            current_dir,
            path_var: lookup(env::PATH),
            variables: Variables::from_lookup(&lookup)?,
        })
    }

    /// Joins path components with this environment's separator.
    ///
    /// `PathBuf::join` would use the separator of the machine running the code; this keeps a
    /// Windows path a Windows path when it is computed (and tested) on Linux.
    pub fn join(&self, base: &Path, parts: &[&str]) -> PathBuf {
        let separator = self.os.separator();
        let mut joined = base.to_string_lossy().into_owned();
        for part in parts {
            if !joined.ends_with(separator) {
                joined.push(separator);
            }
            joined.push_str(part);
        }
        PathBuf::from(joined)
    }

    /// The directory where GUI applications keep per-user settings:
    /// `~/Library/Application Support`, `%APPDATA%` or `$XDG_CONFIG_HOME` (`~/.config`).
    pub fn app_config_dir(&self) -> PathBuf {
        match self.os {
            Os::MacOs => self.join(&self.home, &["Library", "Application Support"]),
            Os::Windows => self
                .appdata
                .clone()
                .unwrap_or_else(|| self.join(&self.home, &["AppData", "Roaming"])),
            Os::Linux => self
                .xdg_config_home
                .clone()
                .unwrap_or_else(|| self.join(&self.home, &[".config"])),
        }
    }

    /// `%LOCALAPPDATA%` (else `~\AppData\Local`): where Windows apps keep machine-local data,
    /// MSIX packages' included.
    pub fn local_app_data_dir(&self) -> PathBuf {
        self.variables
            .local_appdata
            .clone()
            .unwrap_or_else(|| self.join(&self.home, &["AppData", "Local"]))
    }

    /// The folder a client-home variable ([`crate::env::CLIENT_HOME_VARIABLES`]) points at, or
    /// `None` when it is unset. A relative path is taken from the current directory, as the
    /// clients (Node's `path.resolve`, Rust's `canonicalize`) take it.
    pub fn client_home(&self, name: &str) -> Option<PathBuf> {
        let path = self.variables.client_home(name)?;
        Some(if self.is_absolute(path) {
            path.to_path_buf()
        } else {
            self.join(&self.current_dir, &[&path.to_string_lossy()])
        })
    }

    /// Whether `path` is absolute on this environment's OS (`C:\...` or `\\server\...` on
    /// Windows, `/...` elsewhere), whatever the machine running the code.
    pub fn is_absolute(&self, path: &Path) -> bool {
        let text = path.to_string_lossy();
        match self.os {
            Os::Windows => {
                let bytes = text.as_bytes();
                text.starts_with(r"\\")
                    || (bytes.len() >= 3
                        && bytes[0].is_ascii_alphabetic()
                        && bytes[1] == b':'
                        && matches!(bytes[2], b'\\' | b'/'))
            }
            Os::MacOs | Os::Linux => text.starts_with('/'),
        }
    }

    /// tray-mcp's own directory: profiles, backups.
    pub fn tray_config_dir(&self) -> PathBuf {
        self.join(&self.app_config_dir(), &["tray-mcp"])
    }

    /// A path relative to the home directory.
    pub fn home_path(&self, parts: &[&str]) -> PathBuf {
        self.join(&self.home, parts)
    }

    /// A path relative to the current directory (project-scoped configs).
    pub fn project_path(&self, parts: &[&str]) -> PathBuf {
        self.join(&self.current_dir, parts)
    }

    /// Shows a path with the home directory written as `~`, for messages.
    pub fn display_path(&self, path: &Path) -> String {
        let text = path.to_string_lossy();
        let home = self.home.to_string_lossy();
        match text.strip_prefix(home.as_ref()) {
            Some(rest) if !home.is_empty() && (rest.is_empty() || rest.starts_with(['/', '\\'])) => {
                format!("~{rest}")
            }
            _ => text.into_owned(),
        }
    }

    /// Finds an executable on `PATH` (`npx`, or `npx.cmd` on Windows).
    pub fn find_on_path(&self, program: &str) -> Option<PathBuf> {
        let path_var = self.path_var.as_ref()?;
        let candidates: Vec<String> = match self.os {
            Os::Windows => ["", ".cmd", ".exe", ".bat"]
                .iter()
                .map(|extension| format!("{program}{extension}"))
                .collect(),
            Os::MacOs | Os::Linux => vec![program.to_string()],
        };
        std::env::split_paths(path_var)
            .flat_map(|dir| candidates.iter().map(move |name| dir.join(name)))
            .find(|candidate| candidate.is_file())
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A fixed environment for one operating system, as the path tables are written.
    pub(crate) fn environment_for(os: Os) -> Environment {
        let (home, appdata, current_dir) = match os {
            Os::MacOs => ("/Users/ada", None, "/Users/ada/project"),
            Os::Windows => (
                r"C:\Users\ada",
                Some(r"C:\Users\ada\AppData\Roaming"),
                r"C:\Users\ada\project",
            ),
            Os::Linux => ("/home/ada", None, "/home/ada/project"),
        };
        Environment {
            os,
            home: PathBuf::from(home),
            appdata: appdata.map(PathBuf::from),
            xdg_config_home: None,
            current_dir: PathBuf::from(current_dir),
            path_var: None,
            variables: Variables::default(),
        }
    }

    #[test]
    fn app_config_dir_follows_each_os() {
        assert_eq!(
            environment_for(Os::MacOs).app_config_dir(),
            PathBuf::from("/Users/ada/Library/Application Support")
        );
        assert_eq!(
            environment_for(Os::Windows).app_config_dir(),
            PathBuf::from(r"C:\Users\ada\AppData\Roaming")
        );
        assert_eq!(
            environment_for(Os::Linux).app_config_dir(),
            PathBuf::from("/home/ada/.config")
        );
    }

    #[test]
    fn xdg_config_home_wins_on_linux() {
        let mut environment = environment_for(Os::Linux);
        environment.xdg_config_home = Some(PathBuf::from("/xdg"));
        assert_eq!(environment.tray_config_dir(), PathBuf::from("/xdg/tray-mcp"));
    }

    #[test]
    fn a_bad_variable_makes_the_environment_a_usage_error() {
        let error = Environment::from_lookup(Os::Linux, PathBuf::from("/"), |name| match name {
            "HOME" => Some("/home/ada".into()),
            "TRAY_API_TIMEOUT_SECS" => Some("1e20".into()),
            _ => None,
        })
        .expect_err("refused");
        assert_eq!(error.exit(), ExitKind::Usage);
        assert!(
            error.to_string().starts_with("TRAY_API_TIMEOUT_SECS=\"1e20\""),
            "{error}"
        );
        let error = Environment::from_lookup(Os::Linux, PathBuf::from("/"), |_| None).expect_err("no home");
        assert_eq!(error.exit(), ExitKind::Failure);
    }

    #[test]
    fn display_path_abbreviates_home_only_at_a_boundary() {
        let environment = environment_for(Os::Linux);
        assert_eq!(
            environment.display_path(Path::new("/home/ada/.cursor/mcp.json")),
            "~/.cursor/mcp.json"
        );
        assert_eq!(
            environment.display_path(Path::new("/home/adam/x.json")),
            "/home/adam/x.json"
        );
    }
}
