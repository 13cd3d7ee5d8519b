//! Every environment variable tray-mcp reads: named once, read once, parsed once.
//!
//! Why: a variable read in several places drifts (one caller trims, another does not; one
//! validates a URL, another sends whatever it got), and a value parsed at the point of use can
//! take the process down long after start-up (`TRAY_API_TIMEOUT_SECS=1e20` once panicked in
//! `Duration::from_secs_f64`). Here each variable is a named constant, which clap's `env = ...`
//! attributes, the messages and the docs all use, and [`Variables::from_lookup`] turns the raw
//! values into typed ones before any command runs. A bad value is a usage error (exit 2) that
//! names the variable and says what it accepts. Tests build [`Variables`] from a list of pairs
//! and never touch the process environment. An empty value counts as unset.
//!
//! Only the binary reads the real environment: clap (for the install flags that fall back to
//! `TRAY_WORKSPACE_ID`, `TRAY_API_TOKEN` and `TRAY_REGION`) and
//! [`crate::paths::Environment::from_process`], which calls [`Variables::from_lookup`].

use std::ffi::OsString;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use crate::error::{Advice, ExitKind};
use crate::tray::{ApiToken, InvalidApiToken};

/// The API token, when no profile holds one (`serve --workspace-id`, `token set`, install).
pub const TRAY_API_TOKEN: &str = "TRAY_API_TOKEN";
/// The workspace for install, when `--workspace-id` is not given.
pub const TRAY_WORKSPACE_ID: &str = "TRAY_WORKSPACE_ID";
/// The region for install, when `--region` is not given.
pub const TRAY_REGION: &str = "TRAY_REGION";
/// The REST API's base URL instead of the region's.
pub const TRAY_API_URL: &str = "TRAY_API_URL";
/// The GraphQL API's URL instead of the region's.
pub const TRAY_GRAPHQL_URL: &str = "TRAY_GRAPHQL_URL";
/// The time limit of each Tray API request, in seconds.
pub const TRAY_API_TIMEOUT_SECS: &str = "TRAY_API_TIMEOUT_SECS";
/// The Agent Gateway's URL instead of `https://<workspace-id>.mcp.tray.ai`.
pub const TRAY_GATEWAY_URL: &str = "TRAY_GATEWAY_URL";
/// The time limit of each gateway handshake or list request, in seconds.
pub const TRAY_GATEWAY_TIMEOUT_SECS: &str = "TRAY_GATEWAY_TIMEOUT_SECS";
/// The first wait before `serve` tries an unreachable gateway again, in seconds (doubled after
/// each failure, up to a minute).
pub const TRAY_GATEWAY_RETRY_SECS: &str = "TRAY_GATEWAY_RETRY_SECS";
/// How long `login` (and `install --sign-in`) wait for the browser to come back, in seconds
/// (default 300).
pub const TRAY_MCP_LOGIN_WAIT_SECS: &str = "TRAY_MCP_LOGIN_WAIT_SECS";
/// How long `apply` waits for a manifest's token `command`, in seconds (default 30).
pub const TRAY_MCP_TOKEN_COMMAND_SECS: &str = "TRAY_MCP_TOKEN_COMMAND_SECS";
/// Tray's Headless MCP URL instead of the region's (`https://api.tray.io/mcp`, ...).
pub const TRAY_HEADLESS_URL: &str = "TRAY_HEADLESS_URL";
/// Test hook: a bearer for a Headless-MCP-like server on a loopback address. Honoured only when
/// `TRAY_HEADLESS_URL` is a loopback IP (127.0.0.0/8, `[::1]`), so it can never reach Tray.
pub const TRAY_HEADLESS_TEST_BEARER: &str = "TRAY_HEADLESS_TEST_BEARER";
/// Where tokens go: `file` forces the profile file, `auto` lets the OS keychain take them.
pub const TRAY_MCP_TOKEN_STORE: &str = "TRAY_MCP_TOKEN_STORE";
/// Test hook, honoured by debug builds only: the file name whose write fails on purpose.
pub const TRAY_MCP_TEST_FAIL_WRITE: &str = "TRAY_MCP_TEST_FAIL_WRITE";
/// Test hook, honoured by debug builds only: the file every read is logged to (see
/// `crate::config::safe_write::log_reads_to`).
pub const TRAY_MCP_TEST_COUNT_READS: &str = "TRAY_MCP_TEST_COUNT_READS";
/// `serve`'s log filter when `--log-level` is not given.
pub const RUST_LOG: &str = "RUST_LOG";
/// Any non-empty value turns colours off (<https://no-color.org>).
pub const NO_COLOR: &str = "NO_COLOR";
/// `dumb` turns off colours, the spinner and non-ASCII marks.
pub const TERM: &str = "TERM";
/// The home directory (Unix; Windows falls back to it).
pub const HOME: &str = "HOME";
/// The home directory on Windows.
pub const USERPROFILE: &str = "USERPROFILE";
/// Roaming application data on Windows.
pub const APPDATA: &str = "APPDATA";
/// The config directory on Linux, when absolute.
pub const XDG_CONFIG_HOME: &str = "XDG_CONFIG_HOME";
/// Where `npx` is looked for.
pub const PATH: &str = "PATH";
/// Local (non-roaming) application data on Windows, where MSIX apps keep their files.
pub const LOCALAPPDATA: &str = "LOCALAPPDATA";
/// Codex CLI's folder (holding `config.toml`) instead of `~/.codex`.
pub const CODEX_HOME: &str = "CODEX_HOME";
/// Gemini CLI's home instead of the user's: its files are then in `$GEMINI_CLI_HOME/.gemini/`.
pub const GEMINI_CLI_HOME: &str = "GEMINI_CLI_HOME";
/// Copilot CLI's folder (holding `mcp-config.json`) instead of `~/.copilot`.
pub const COPILOT_HOME: &str = "COPILOT_HOME";
/// Qwen Code's folder (holding `settings.json`) instead of `~/.qwen`.
pub const QWEN_HOME: &str = "QWEN_HOME";
/// Cline's folder instead of `~/.cline`.
pub const CLINE_DIR: &str = "CLINE_DIR";
/// Cline's data folder instead of `$CLINE_DIR/data`.
pub const CLINE_DATA_DIR: &str = "CLINE_DATA_DIR";
/// Cline's MCP settings file itself, instead of `$CLINE_DATA_DIR/settings/cline_mcp_settings.json`.
pub const CLINE_MCP_SETTINGS_PATH: &str = "CLINE_MCP_SETTINGS_PATH";
/// Gemini CLI's trusted-folders file instead of `~/.gemini/trustedFolders.json`.
pub const GEMINI_CLI_TRUSTED_FOLDERS_PATH: &str = "GEMINI_CLI_TRUSTED_FOLDERS_PATH";
/// Continue's global folder (holding `config.yaml` and `mcpServers/`) instead of `~/.continue`.
pub const CONTINUE_GLOBAL_DIR: &str = "CONTINUE_GLOBAL_DIR";
/// Crush's global config folder (holding `crush.json`) instead of `~/.config/crush`.
pub const CRUSH_GLOBAL_CONFIG: &str = "CRUSH_GLOBAL_CONFIG";
/// Goose's root folder: its config is then `$GOOSE_PATH_ROOT/config/config.yaml` on every OS.
/// Goose ignores a relative value (block/goose `crates/goose/src/config/paths.rs`).
pub const GOOSE_PATH_ROOT: &str = "GOOSE_PATH_ROOT";

/// The variables with which a client moves its own config (read as paths; a client's file says
/// which one it follows and how). When one is set, the client reads its config from there, so
/// tray-mcp writes, lists and checks it there too.
pub const CLIENT_HOME_VARIABLES: &[&str] = &[
    CODEX_HOME,
    GEMINI_CLI_HOME,
    GEMINI_CLI_TRUSTED_FOLDERS_PATH,
    COPILOT_HOME,
    QWEN_HOME,
    CLINE_DIR,
    CLINE_DATA_DIR,
    CLINE_MCP_SETTINGS_PATH,
    CRUSH_GLOBAL_CONFIG,
    GOOSE_PATH_ROOT,
    CONTINUE_GLOBAL_DIR,
];
/// The folder tray-mcp installs itself into when it runs from a temporary place (an npx cache,
/// a download or temp folder, a cargo `target/` folder), instead of `~/.local/bin` (Unix) or
/// `%LOCALAPPDATA%\Programs\tray-mcp` (Windows). A binary already in it counts as installed.
pub const TRAY_MCP_INSTALL_DIR: &str = "TRAY_MCP_INSTALL_DIR";
/// The temporary folder (Unix); a binary under it is not a stable install.
pub const TMPDIR: &str = "TMPDIR";
/// The temporary folder (Windows); a binary under it is not a stable install.
pub const TEMP: &str = "TEMP";
/// The temporary folder (Windows, older name); a binary under it is not a stable install.
pub const TMP: &str = "TMP";

/// The time limit `serve` and `doctor` use when no variable sets one.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(20);
/// How long a sign-in waits for the browser when no variable sets it.
pub const DEFAULT_LOGIN_WAIT: Duration = Duration::from_secs(300);
/// How long a manifest's token command may run when no variable sets it.
pub const DEFAULT_TOKEN_COMMAND_WAIT: Duration = Duration::from_secs(30);
/// The first wait before retrying an unreachable gateway when no variable sets one.
pub const DEFAULT_GATEWAY_RETRY: Duration = Duration::from_secs(1);
/// The shortest time limit a variable may set (shorter ones round to nothing useful).
const MIN_TIMEOUT_SECS: f64 = 0.001;
/// The longest time limit a variable may set: a day.
const MAX_TIMEOUT_SECS: f64 = 86_400.0;

/// The variables tray-mcp reads, as typed values. `Default` is an empty environment.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    /// `TRAY_API_TOKEN`, parsed; the command that needs a token reports a bad one its own way.
    pub api_token: Option<Result<ApiToken, InvalidApiToken>>,
    /// `TRAY_API_URL`: an http(s) URL, as given.
    pub api_url: Option<String>,
    /// `TRAY_GRAPHQL_URL`: an http(s) URL, as given.
    pub graphql_url: Option<String>,
    /// `TRAY_API_TIMEOUT_SECS`.
    pub api_timeout: Option<Duration>,
    /// `TRAY_GATEWAY_URL`: an http(s) URL, normalised.
    pub gateway_url: Option<String>,
    /// `TRAY_GATEWAY_TIMEOUT_SECS`.
    pub gateway_timeout: Option<Duration>,
    /// `TRAY_GATEWAY_RETRY_SECS`.
    pub gateway_retry: Option<Duration>,
    /// `TRAY_MCP_LOGIN_WAIT_SECS`.
    pub login_wait: Option<Duration>,
    /// `TRAY_MCP_TOKEN_COMMAND_SECS`.
    pub token_command_wait: Option<Duration>,
    /// `TRAY_HEADLESS_URL`: an http(s) URL, normalised.
    pub headless_url: Option<String>,
    /// `TRAY_HEADLESS_TEST_BEARER`, accepted only with a loopback `TRAY_HEADLESS_URL`.
    pub headless_test_bearer: Option<ApiToken>,
    /// `TRAY_MCP_TOKEN_STORE`.
    pub token_store: TokenStoreChoice,
    /// `RUST_LOG`.
    pub log_filter: Option<LogFilter>,
    /// `NO_COLOR` is set and not empty.
    pub no_color: bool,
    /// `TERM=dumb`.
    pub dumb_terminal: bool,
    /// `TRAY_MCP_TEST_FAIL_WRITE`, in debug builds only.
    pub fail_write: Option<OsString>,
    /// `TRAY_MCP_TEST_COUNT_READS`, in debug builds only.
    pub count_reads: Option<PathBuf>,
    /// The [`CLIENT_HOME_VARIABLES`] that are set, with their paths as given (surrounding
    /// blanks trimmed, as the clients do).
    pub client_homes: Vec<(&'static str, PathBuf)>,
    /// `LOCALAPPDATA` (Windows).
    pub local_appdata: Option<PathBuf>,
    /// `TRAY_MCP_INSTALL_DIR`: an absolute folder.
    pub install_dir: Option<PathBuf>,
    /// `TMPDIR`, `TEMP` and `TMP`, those set to an absolute path.
    pub temp_dirs: Vec<PathBuf>,
    /// The names (never the values) of every variable set to a non-empty value: what `doctor`
    /// and `install` check a `--token-from-env` variable against. Filled by
    /// [`crate::paths::Environment::from_process`].
    pub set_names: std::collections::BTreeSet<String>,
}

impl Variables {
    /// Whether the variable `name` is set to a non-empty value here.
    pub fn is_set(&self, name: &str) -> bool {
        self.set_names.contains(name)
    }
}

/// What `TRAY_MCP_TOKEN_STORE` asks for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TokenStoreChoice {
    /// The OS keychain when one answers (and the `keychain` feature is built in), else the file.
    #[default]
    Auto,
    /// The profile file, always.
    File,
}

/// A variable's value that tray-mcp cannot use.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name}={value:?} is not {expected}")]
pub struct InvalidVariable {
    /// The variable.
    pub name: &'static str,
    /// Its value, shortened (never a token: `TRAY_API_TOKEN` is not checked here).
    pub value: String,
    /// What it must be.
    pub expected: &'static str,
    /// What to set it to instead.
    pub fix: String,
}

impl Advice for InvalidVariable {
    fn hint(&self) -> Option<String> {
        Some(self.fix.clone())
    }

    fn exit(&self) -> ExitKind {
        ExitKind::Usage
    }
}

impl Variables {
    /// Reads and checks every variable through `lookup` (the process environment in the binary,
    /// a list of pairs in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<OsString>) -> Result<Variables, InvalidVariable> {
        let set = |name: &str| lookup(name).filter(|value| !value.is_empty());
        let text = |name: &'static str| text_of(name, set(name));
        let headless_url = text(TRAY_HEADLESS_URL)?
            .map(|raw| http_url(TRAY_HEADLESS_URL, &raw, "the region's Headless MCP"))
            .transpose()?;
        let headless_test_bearer = text(TRAY_HEADLESS_TEST_BEARER)?
            .map(|raw| loopback_bearer(&raw, headless_url.as_deref()))
            .transpose()?;
        Ok(Variables {
            headless_url,
            headless_test_bearer,
            api_token: text(TRAY_API_TOKEN)?.map(|raw| ApiToken::parse(&raw)),
            api_url: text(TRAY_API_URL)?
                .map(|raw| http_url(TRAY_API_URL, &raw, "the region's API").map(|_| raw))
                .transpose()?,
            graphql_url: text(TRAY_GRAPHQL_URL)?
                .map(|raw| http_url(TRAY_GRAPHQL_URL, &raw, "the region's GraphQL API").map(|_| raw))
                .transpose()?,
            api_timeout: text(TRAY_API_TIMEOUT_SECS)?
                .map(|raw| seconds(TRAY_API_TIMEOUT_SECS, &raw, DEFAULT_TIMEOUT))
                .transpose()?,
            gateway_url: text(TRAY_GATEWAY_URL)?
                .map(|raw| http_url(TRAY_GATEWAY_URL, &raw, "the workspace's gateway"))
                .transpose()?,
            gateway_timeout: text(TRAY_GATEWAY_TIMEOUT_SECS)?
                .map(|raw| seconds(TRAY_GATEWAY_TIMEOUT_SECS, &raw, DEFAULT_TIMEOUT))
                .transpose()?,
            gateway_retry: text(TRAY_GATEWAY_RETRY_SECS)?
                .map(|raw| seconds(TRAY_GATEWAY_RETRY_SECS, &raw, DEFAULT_GATEWAY_RETRY))
                .transpose()?,
            login_wait: text(TRAY_MCP_LOGIN_WAIT_SECS)?
                .map(|raw| seconds(TRAY_MCP_LOGIN_WAIT_SECS, &raw, DEFAULT_LOGIN_WAIT))
                .transpose()?,
            token_command_wait: text(TRAY_MCP_TOKEN_COMMAND_SECS)?
                .map(|raw| seconds(TRAY_MCP_TOKEN_COMMAND_SECS, &raw, DEFAULT_TOKEN_COMMAND_WAIT))
                .transpose()?,
            token_store: text(TRAY_MCP_TOKEN_STORE)?
                .map(|raw| token_store(&raw))
                .transpose()?
                .unwrap_or_default(),
            log_filter: text(RUST_LOG)?.map(|raw| log_filter(&raw)).transpose()?,
            no_color: set(NO_COLOR).is_some(),
            dumb_terminal: lookup(TERM).is_some_and(|term| term == "dumb"),
            fail_write: set(TRAY_MCP_TEST_FAIL_WRITE).filter(|_| cfg!(debug_assertions)),
            count_reads: set(TRAY_MCP_TEST_COUNT_READS)
                .filter(|_| cfg!(debug_assertions))
                .map(PathBuf::from),
            client_homes: CLIENT_HOME_VARIABLES
                .iter()
                .filter_map(|&name| Some((name, trimmed_path(set(name)?)?)))
                .collect(),
            local_appdata: set(LOCALAPPDATA).and_then(trimmed_path),
            install_dir: set(TRAY_MCP_INSTALL_DIR)
                .map(|raw| absolute_dir(TRAY_MCP_INSTALL_DIR, raw))
                .transpose()?,
            temp_dirs: [TMPDIR, TEMP, TMP]
                .into_iter()
                .filter_map(|name| set(name).map(PathBuf::from))
                .filter(|path| is_absolute_anywhere(path))
                .collect(),
            set_names: Default::default(),
        })
    }

    /// Reads the variables from pairs, as a test's environment.
    pub fn from_pairs(pairs: &[(&str, &str)]) -> Result<Variables, InvalidVariable> {
        let mut variables = Variables::from_lookup(|name| {
            pairs
                .iter()
                .find(|(key, _)| *key == name)
                .map(|(_, value)| OsString::from(value))
        })?;
        variables.set_names = pairs
            .iter()
            .filter(|(_, value)| !value.is_empty())
            .map(|(name, _)| name.to_string())
            .collect();
        Ok(variables)
    }

    /// The path a client-home variable ([`CLIENT_HOME_VARIABLES`]) is set to, as given.
    pub fn client_home(&self, name: &str) -> Option<&Path> {
        self.client_homes
            .iter()
            .find(|(variable, _)| *variable == name)
            .map(|(_, path)| path.as_path())
    }

    /// Whether output should be plain: no colours (`NO_COLOR`, `TERM=dumb`).
    pub fn plain_output(&self) -> bool {
        self.no_color || self.dumb_terminal
    }
}

/// A path variable's value with surrounding blanks taken off (`None` when only blanks are
/// left); a value that is not UTF-8 is kept as it is.
fn trimmed_path(value: OsString) -> Option<PathBuf> {
    match value.into_string() {
        Ok(text) => Some(text.trim()).filter(|text| !text.is_empty()).map(PathBuf::from),
        Err(raw) => Some(PathBuf::from(raw)),
    }
}

fn invalid(name: &'static str, raw: &str, expected: &'static str, fix: String) -> InvalidVariable {
    InvalidVariable {
        name,
        value: shorten(raw),
        expected,
        fix,
    }
}

/// At most 60 characters of a value, for messages.
fn shorten(raw: &str) -> String {
    const LIMIT: usize = 60;
    match raw.char_indices().nth(LIMIT) {
        Some((end, _)) => format!("{}...", &raw[..end]),
        None => raw.to_string(),
    }
}

/// A variable's value as text (`None`: unset, empty or blank); not UTF-8 is refused.
fn text_of(name: &'static str, value: Option<OsString>) -> Result<Option<String>, InvalidVariable> {
    match value {
        None => Ok(None),
        Some(value) => match value.into_string() {
            Ok(text) if text.trim().is_empty() => Ok(None),
            Ok(text) => Ok(Some(text)),
            Err(raw) => Err(invalid(
                name,
                &raw.to_string_lossy(),
                "UTF-8 text",
                format!("set {name} to plain text, or unset it"),
            )),
        },
    }
}

/// `RUST_LOG` as a log filter.
fn log_filter(raw: &str) -> Result<LogFilter, InvalidVariable> {
    raw.parse::<LogFilter>().map_err(|error| {
        invalid(
            RUST_LOG,
            raw,
            "a log filter",
            format!("{}; or unset it (or pass --log-level)", error.fix()),
        )
    })
}

/// Checks that `raw` is an http(s) URL; returns it normalised.
fn http_url(name: &'static str, raw: &str, default: &str) -> Result<String, InvalidVariable> {
    reqwest::Url::parse(raw.trim())
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https") && url.has_host())
        .map(|url| url.to_string())
        .ok_or_else(|| {
            invalid(
                name,
                raw,
                "an http(s) URL",
                format!("set it to a URL such as https://example.com/path, or unset it to use {default}"),
            )
        })
}

/// The test bearer, refused unless the Headless MCP URL is a loopback IP: the hook exists for a
/// local test server, and must never send a token to Tray's real Headless MCP (which takes
/// OAuth sign-ins only). Its value never appears in an error.
fn loopback_bearer(raw: &str, headless_url: Option<&str>) -> Result<ApiToken, InvalidVariable> {
    let loopback = headless_url
        .and_then(|url| reqwest::Url::parse(url).ok())
        .and_then(|url| {
            let host = url.host_str()?.trim_start_matches('[').trim_end_matches(']');
            host.parse::<std::net::IpAddr>().ok()
        })
        .is_some_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(invalid(
            TRAY_HEADLESS_URL,
            headless_url.unwrap_or_default(),
            "a loopback URL (127.0.0.1 or [::1]), which TRAY_HEADLESS_TEST_BEARER needs",
            format!(
                "{TRAY_HEADLESS_TEST_BEARER} is a test hook for a local server: unset it, or set \
                 {TRAY_HEADLESS_URL} to http://127.0.0.1:PORT/mcp"
            ),
        ));
    }
    ApiToken::parse(raw).map_err(|error| InvalidVariable {
        name: TRAY_HEADLESS_TEST_BEARER,
        value: "(not shown)".to_string(),
        expected: "a bearer token",
        fix: format!("{error}: set it to the test server's token, once"),
    })
}

/// An absolute folder, as given.
fn absolute_dir(name: &'static str, raw: OsString) -> Result<PathBuf, InvalidVariable> {
    let path = PathBuf::from(&raw);
    if is_absolute_anywhere(&path) {
        return Ok(path);
    }
    Err(invalid(
        name,
        &raw.to_string_lossy(),
        "an absolute folder",
        format!("set {name} to a full path such as /home/you/bin, or unset it to use the default"),
    ))
}

/// Whether `path` is absolute on this system, or a Windows drive path (`C:\...`), which the
/// Windows path tables tested on Linux use.
fn is_absolute_anywhere(path: &Path) -> bool {
    let text = path.to_string_lossy();
    let bytes = text.as_bytes();
    let drive =
        bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && matches!(bytes[2], b'\\' | b'/');
    path.is_absolute() || drive || text.starts_with("\\\\")
}

/// A duration in seconds: a number from 0.001 to 86400 (a day); `default` is named in the fix.
fn seconds(name: &'static str, raw: &str, default: Duration) -> Result<Duration, InvalidVariable> {
    raw.trim()
        .parse::<f64>()
        .ok()
        .filter(|seconds| (MIN_TIMEOUT_SECS..=MAX_TIMEOUT_SECS).contains(seconds))
        .and_then(|seconds| Duration::try_from_secs_f64(seconds).ok())
        .ok_or_else(|| {
            invalid(
                name,
                raw,
                "a number of seconds from 0.001 to 86400",
                format!(
                    "set it to a number of seconds such as 20 or 2.5, or unset it to use the default of {} seconds",
                    default.as_secs()
                ),
            )
        })
}

fn token_store(raw: &str) -> Result<TokenStoreChoice, InvalidVariable> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "file" => Ok(TokenStoreChoice::File),
        "auto" => Ok(TokenStoreChoice::Auto),
        _ => Err(invalid(
            TRAY_MCP_TOKEN_STORE,
            raw,
            "file or auto",
            "set it to file (tokens in the 0600 profile file) or auto (the OS keychain when there is one), or unset it"
                .to_string(),
        )),
    }
}

/// A log filter: `target=level` directives (`tracing_subscriber::filter::Targets`), such as
/// `info` or `tray_mcp=debug,warn`.
///
/// Not the full `EnvFilter` syntax: that one compiles a regex at start-up and costs a few
/// hundred KiB of RSS and a millisecond, for span and field filters nobody needs here.
///
/// Whatever it asks for, the targets in [`SECRET_LOG_TARGETS`] log no more than their cap
/// (see [`LogFilter::into_targets`]): `--log-level trace` must never print a token.
#[derive(Debug, Clone, PartialEq)]
pub struct LogFilter(tracing_subscriber::filter::Targets);

/// Libraries that log secrets below some level, and the most they may log. rmcp's OAuth
/// client (`rmcp::transport::auth`, rmcp 3.9) prints the authorization code and token
/// responses at `debug` (`start exchange code for token: {code:?}`, `exchange token
/// result`); at `info` and above it says only that a token was refreshed or refused.
pub const SECRET_LOG_TARGETS: [(&str, tracing::level_filters::LevelFilter); 1] =
    [("rmcp::transport::auth", tracing::level_filters::LevelFilter::INFO)];

/// Why a log filter was refused.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{0}")]
pub struct InvalidLogFilter(String);

impl InvalidLogFilter {
    /// What the filter may look like.
    pub fn fix(&self) -> &'static str {
        "use error, warn, info, debug, trace or off, or directives such as tray_mcp=debug,warn"
    }
}

impl LogFilter {
    /// `tray_mcp=info,warn`: tray-mcp's own messages from `info`, libraries' from `warn`.
    pub fn default_filter() -> LogFilter {
        use tracing::level_filters::LevelFilter;
        LogFilter(
            tracing_subscriber::filter::Targets::new()
                .with_target("tray_mcp", LevelFilter::INFO)
                .with_default(LevelFilter::WARN),
        )
    }

    /// The filter, for the subscriber, with each of [`SECRET_LOG_TARGETS`] capped: a
    /// directive for it (or below it) is lowered to the cap, and the level it inherits (from
    /// `rmcp=trace`, say, or a bare `trace`) is too.
    pub fn into_targets(self) -> tracing_subscriber::filter::Targets {
        use tracing::level_filters::LevelFilter;
        let asked = self.0;
        let cap_of = |target: &str| {
            SECRET_LOG_TARGETS
                .iter()
                .find(|(secret, _)| target.starts_with(secret))
                .map(|(_, cap)| *cap)
        };
        let mut capped = tracing_subscriber::filter::Targets::new();
        if let Some(default) = asked.default_level() {
            capped = capped.with_default(default);
        }
        for (target, level) in asked.iter() {
            let level = cap_of(target).map_or(level, |cap| level.min(cap));
            capped = capped.with_target(target, level);
        }
        for (secret, cap) in SECRET_LOG_TARGETS {
            let inherited = [
                LevelFilter::TRACE,
                LevelFilter::DEBUG,
                LevelFilter::INFO,
                LevelFilter::WARN,
                LevelFilter::ERROR,
            ]
            .into_iter()
            .find(|level| {
                level
                    .into_level()
                    .is_some_and(|level| asked.would_enable(secret, &level))
            })
            .unwrap_or(LevelFilter::OFF);
            if asked.iter().all(|(target, _)| target != secret) {
                capped = capped.with_target(secret, inherited.min(cap));
            }
        }
        capped
    }
}

impl LogFilter {
    /// Parses `--log-level`: as [`FromStr`], except that a directive without `=` must be a
    /// level. (`RUST_LOG` takes a bare word as a target to log at every level, so a mistyped
    /// level there silently turns every other log off; a flag refuses it instead.)
    pub fn parse_level_option(input: &str) -> Result<LogFilter, InvalidLogFilter> {
        const LEVELS: [&str; 6] = ["error", "warn", "info", "debug", "trace", "off"];
        for directive in input
            .split(',')
            .map(str::trim)
            .filter(|directive| !directive.is_empty())
        {
            if !directive.contains('=') && !LEVELS.iter().any(|level| directive.eq_ignore_ascii_case(level)) {
                return Err(InvalidLogFilter(format!("`{directive}` is not a log level")));
            }
        }
        input.parse()
    }
}

impl FromStr for LogFilter {
    type Err = InvalidLogFilter;
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        input
            .parse()
            .map(LogFilter)
            .map_err(|error: tracing_subscriber::filter::ParseError| InvalidLogFilter(error.to_string()))
    }
}

impl fmt::Display for LogFilter {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_environment_is_all_defaults() {
        let variables = Variables::from_pairs(&[]).expect("valid");
        assert!(variables.api_token.is_none() && variables.api_timeout.is_none());
        assert_eq!(variables.token_store, TokenStoreChoice::Auto);
        assert!(!variables.plain_output());
    }

    #[test]
    fn the_headless_test_bearer_is_honoured_only_towards_a_loopback_ip() {
        let bearer = "hb_test_secret_7f3a";
        for url in ["http://127.0.0.1:9/mcp", "http://[::1]:9/mcp", "http://127.9.9.9/mcp"] {
            let variables =
                Variables::from_pairs(&[(TRAY_HEADLESS_URL, url), (TRAY_HEADLESS_TEST_BEARER, bearer)]).expect(url);
            assert_eq!(
                variables.headless_test_bearer.as_ref().map(ApiToken::expose),
                Some(bearer)
            );
        }
        let refused = [
            vec![(TRAY_HEADLESS_TEST_BEARER, bearer)],
            vec![
                (TRAY_HEADLESS_URL, "https://api.tray.io/mcp"),
                (TRAY_HEADLESS_TEST_BEARER, bearer),
            ],
            vec![
                (TRAY_HEADLESS_URL, "http://localhost:9/mcp"),
                (TRAY_HEADLESS_TEST_BEARER, bearer),
            ],
            vec![
                (TRAY_HEADLESS_URL, "http://127.0.0.1.example.com/mcp"),
                (TRAY_HEADLESS_TEST_BEARER, bearer),
            ],
        ];
        for pairs in refused {
            let error = Variables::from_pairs(&pairs).expect_err("not loopback");
            assert_eq!(error.name, TRAY_HEADLESS_URL);
            let shown = format!("{error} {}", error.fix);
            assert!(shown.contains(TRAY_HEADLESS_TEST_BEARER), "{shown}");
            assert!(!shown.contains(bearer), "the bearer leaked: {shown}");
        }
        let placeholder = Variables::from_pairs(&[
            (TRAY_HEADLESS_URL, "http://127.0.0.1:9/mcp"),
            (TRAY_HEADLESS_TEST_BEARER, "<token>"),
        ])
        .expect_err("placeholder");
        assert!(!format!("{placeholder}").contains("<token>"));
        let alone = Variables::from_pairs(&[(TRAY_HEADLESS_URL, "https://api.eu1.tray.io/mcp")]).expect("valid");
        assert!(alone.headless_test_bearer.is_none());
        assert_eq!(alone.headless_url.as_deref(), Some("https://api.eu1.tray.io/mcp"));
    }

    #[test]
    fn empty_and_blank_values_count_as_unset() {
        for value in ["", "  "] {
            let variables = Variables::from_pairs(&[(TRAY_API_TIMEOUT_SECS, value), (TRAY_API_URL, value)])
                .expect("unset, not invalid");
            assert!(variables.api_timeout.is_none() && variables.api_url.is_none());
        }
    }

    #[test]
    fn timeouts_are_bounded_numbers_of_seconds() {
        let parse = |value: &str| Variables::from_pairs(&[(TRAY_API_TIMEOUT_SECS, value)]).map(|v| v.api_timeout);
        assert_eq!(parse("1.5"), Ok(Some(Duration::from_millis(1500))));
        assert_eq!(parse(" 20 "), Ok(Some(Duration::from_secs(20))));
        assert_eq!(parse("86400"), Ok(Some(Duration::from_secs(86_400))));
        let retry = Variables::from_pairs(&[(TRAY_GATEWAY_RETRY_SECS, "0.05")]).map(|v| v.gateway_retry);
        assert_eq!(retry, Ok(Some(Duration::from_millis(50))));
        let error = Variables::from_pairs(&[(TRAY_GATEWAY_RETRY_SECS, "0")]).expect_err("0 s");
        assert_eq!(error.name, TRAY_GATEWAY_RETRY_SECS);
        assert!(error.fix.contains("default of 1 seconds"), "{}", error.fix);
        for bad in [
            "0", "-1", "NaN", "inf", "-inf", "1e20", "86401", "1e-300", "soon", "20s",
        ] {
            let error = parse(bad).expect_err(bad);
            assert_eq!(error.name, TRAY_API_TIMEOUT_SECS);
            assert_eq!(error.exit(), ExitKind::Usage);
            assert!(error.to_string().contains("from 0.001 to 86400"), "{error}");
        }
    }

    #[test]
    fn urls_must_be_http_or_https() {
        let variables = Variables::from_pairs(&[
            (TRAY_API_URL, "http://127.0.0.1:9"),
            (TRAY_GATEWAY_URL, "http://127.0.0.1:9"),
        ])
        .expect("valid");
        assert_eq!(
            variables.api_url.as_deref(),
            Some("http://127.0.0.1:9"),
            "kept as given"
        );
        assert_eq!(
            variables.gateway_url.as_deref(),
            Some("http://127.0.0.1:9/"),
            "normalised"
        );
        for name in [TRAY_API_URL, TRAY_GRAPHQL_URL, TRAY_GATEWAY_URL] {
            for bad in ["ftp://x", "example.com", "http://", "-1"] {
                let error = Variables::from_pairs(&[(name, bad)]).expect_err(bad);
                assert_eq!(error.name, name);
            }
        }
    }

    #[test]
    fn the_token_store_takes_file_or_auto() {
        let choice = |value| Variables::from_pairs(&[(TRAY_MCP_TOKEN_STORE, value)]).map(|v| v.token_store);
        assert_eq!(choice("file"), Ok(TokenStoreChoice::File));
        assert_eq!(choice("FILE"), Ok(TokenStoreChoice::File));
        assert_eq!(choice("auto"), Ok(TokenStoreChoice::Auto));
        assert_eq!(choice("disk").expect_err("refused").name, TRAY_MCP_TOKEN_STORE);
    }

    #[test]
    fn no_log_filter_lets_rmcp_s_oauth_client_log_below_info() {
        use tracing::Level;
        let enabled = |filter: &str, target: &str, level: Level| {
            filter
                .parse::<LogFilter>()
                .expect(filter)
                .into_targets()
                .would_enable(target, &level)
        };
        let auth = "rmcp::transport::auth";
        for filter in [
            "trace",
            "debug",
            "rmcp=trace",
            "rmcp::transport::auth=trace",
            "rmcp::transport::auth::metadata_resolver=trace,warn",
            "tray_mcp=trace,trace",
        ] {
            for target in [auth, "rmcp::transport::auth::metadata_resolver"] {
                assert!(!enabled(filter, target, Level::DEBUG), "{filter}: {target} at debug");
            }
        }
        // What was asked stays as asked everywhere else, and below the cap.
        assert!(enabled("trace", auth, Level::INFO));
        assert!(enabled("trace", "tray_mcp", Level::TRACE));
        assert!(enabled("trace", "rmcp::service", Level::TRACE));
        assert!(enabled("rmcp=trace", "rmcp::handler", Level::TRACE));
        assert!(!enabled("warn", auth, Level::INFO) && enabled("warn", auth, Level::WARN));
        assert!(!enabled("off", auth, Level::ERROR));
        assert!(!enabled("tray_mcp=trace", auth, Level::ERROR));
        let default = LogFilter::default_filter().into_targets();
        assert!(default.would_enable(auth, &Level::WARN) && !default.would_enable(auth, &Level::INFO));
        assert!(default.would_enable("tray_mcp::server", &Level::INFO));
    }

    #[test]
    fn a_bad_log_filter_is_refused_and_a_good_one_kept() {
        let variables = Variables::from_pairs(&[(RUST_LOG, "tray_mcp=debug,warn")]).expect("valid");
        assert!(variables.log_filter.is_some());
        let error = Variables::from_pairs(&[(RUST_LOG, "tray_mcp=loud")]).expect_err("refused");
        assert_eq!(error.name, RUST_LOG);
        assert!(error.hint().is_some_and(|hint| hint.contains("--log-level")));
    }

    #[test]
    fn the_log_level_option_takes_levels_and_target_directives_but_no_bare_word() {
        for good in ["debug", "TRACE", "tray_mcp=debug,warn", "off", "rmcp=info, error"] {
            assert!(LogFilter::parse_level_option(good).is_ok(), "{good}");
        }
        let error = LogFilter::parse_level_option("loud").expect_err("not a level");
        assert_eq!(error.to_string(), "`loud` is not a log level");
        assert!(LogFilter::parse_level_option("tray_mcp=debug,loud").is_err());
        assert!(LogFilter::parse_level_option("tray_mcp=loud").is_err());
    }

    #[test]
    fn a_bad_token_is_kept_for_the_command_to_report_and_never_shown() {
        let variables = Variables::from_pairs(&[(TRAY_API_TOKEN, "<token>")]).expect("not checked here");
        assert!(matches!(variables.api_token, Some(Err(InvalidApiToken::Placeholder))));
    }

    #[test]
    fn the_install_dir_must_be_absolute() {
        let variables = Variables::from_pairs(&[(TRAY_MCP_INSTALL_DIR, "/opt/tray/bin")]).expect("valid");
        assert_eq!(variables.install_dir, Some(PathBuf::from("/opt/tray/bin")));
        let error = Variables::from_pairs(&[(TRAY_MCP_INSTALL_DIR, "bin")]).expect_err("relative");
        assert_eq!(error.name, TRAY_MCP_INSTALL_DIR);
        assert_eq!(error.exit(), ExitKind::Usage);
        let windows =
            Variables::from_pairs(&[(LOCALAPPDATA, r"C:\Users\ada\AppData\Local"), (TMPDIR, "tmp")]).expect("valid");
        assert!(windows.local_appdata.is_some(), "a drive path counts as absolute");
        assert!(windows.temp_dirs.is_empty(), "a relative TMPDIR is ignored");
    }

    #[test]
    fn colour_follows_no_color_and_term() {
        assert!(Variables::from_pairs(&[(NO_COLOR, "1")]).expect("valid").plain_output());
        assert!(Variables::from_pairs(&[(TERM, "dumb")]).expect("valid").dumb_terminal);
        assert!(
            !Variables::from_pairs(&[(NO_COLOR, ""), (TERM, "xterm")])
                .expect("valid")
                .plain_output()
        );
    }
}
