//! The manifest (`tray-mcp.toml`): a team's Tray entries, declared once, applied everywhere.
//!
//! Why a declaration rather than a script of installs: a platform team wants every engineer to
//! have the same entries (production, development, a read-only one) in whichever clients they
//! use, kept right as tokens rotate and clients are added. A manifest says what should be;
//! `apply` makes it so in one transaction, `apply --check` says where a machine has drifted,
//! `export` writes one from what a machine has today. See `examples/tray-mcp.toml`.
//!
//! Manifests get committed, so tokens appear only **by reference** ([`TokenSource`]): an
//! environment variable, a keychain item, a file only the user may read, or a command's output.
//! An inline token is refused; an entry that signs in with Tray (`sign_in = true`) has none. A misspelt key is an error with the file's line and column (a
//! typo must not silently drop an entry), and no message ever shows a value from the file.

mod command;
pub mod export;
mod files;
mod parse;
pub mod plan;
mod raw;
mod report;
pub mod source;
pub mod trust;

pub use parse::{ManifestError, parse};
pub use report::ApplyReport;
pub use source::{SourceError, TokenSource};

use std::path::PathBuf;

use crate::clients::{ClientId, Scope, Transport};
use crate::tray::{Region, ServerName, WorkspaceId};

/// The file `apply` reads when no `--file` is given, in the current directory.
pub const DEFAULT_FILE: &str = "tray-mcp.toml";

/// The exit code of `apply --check` when anything drifted (0: everything matches; 1: a failure,
/// such as a token source that cannot be read; 2: a usage error, such as an invalid manifest).
pub const DRIFT_EXIT_CODE: u8 = 3;

/// A parsed, validated manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The file as shown in messages.
    pub shown_path: String,
    /// The folder relative `file` token sources are read from (the manifest's own).
    pub folder: PathBuf,
    /// The declared entries, by name.
    pub servers: Vec<DeclaredServer>,
    /// Where it came from: what `apply` trusts it to run ([`trust`]).
    pub origin: trust::Origin,
}

/// One declared entry: the same values `install` takes as flags.
#[derive(Debug, Clone)]
pub struct DeclaredServer {
    /// The entry's name (its key in the manifest).
    pub name: ServerName,
    /// The workspace it reaches.
    pub workspace: DeclaredWorkspace,
    /// How clients reach Tray.
    pub transport: Transport,
    /// Pass the workspace's Agent Gateway tools through the bundled server (`None`: install's
    /// default, on for a new profile).
    pub gateway: Option<bool>,
    /// The clients to configure.
    pub clients: DeclaredClients,
    /// Which config of each client.
    pub scope: Scope,
    /// Where the entry starts in the manifest (line, column), for messages.
    pub position: (usize, usize),
    /// `token_from_env`: the variable bridge and http entries name for the client to read the
    /// token from, instead of holding it.
    pub token_variable: Option<String>,
    /// `tools` / `exclude_tools`: which tools the entry serves (empty: all). Declarative for a
    /// stdio entry: a server without them serves every tool after `apply`. A bridge or http
    /// entry without them leaves the clients' own filter keys as they are (as `install` without
    /// `--tools` does); `tools = ["*"]` clears them.
    pub tools: crate::tool_filter::ToolFilter,
    /// Where the first of `tools` / `exclude_tools` holding a wildcard starts (line, column),
    /// or else the first given (`None`: neither is): a bridge or http entry's wildcard needs
    /// the Agent Gateway's tool list.
    pub tools_position: Option<(usize, usize)>,
    /// `approve = "read-only"`: the clients' own approvals of the read-only tools (see
    /// [`crate::approvals`]); absent keeps what the profile recorded.
    pub approve: Option<crate::approvals::Approve>,
}

impl DeclaredServer {
    /// Whether its token comes from a command's output (what [`trust`] decides about).
    pub fn token_from_command(&self) -> bool {
        matches!(
            &self.workspace,
            DeclaredWorkspace::Tray {
                token: TokenSource::Command(_),
                ..
            }
        )
    }
}

/// The workspace of a declared entry.
#[derive(Debug, Clone)]
pub enum DeclaredWorkspace {
    /// A real workspace, its region, and where its token comes from.
    Tray {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// Its region.
        region: Region,
        /// Where the token comes from.
        token: TokenSource,
    },
    /// A real workspace reached as the signed-in user (`sign_in = true`): no token anywhere.
    /// `apply` writes the entries and the profile but never signs in (it runs unattended):
    /// `tray-mcp login NAME` does, once.
    SignIn {
        /// The workspace.
        workspace_id: WorkspaceId,
        /// Its region.
        region: Region,
    },
    /// The embedded demo workspace.
    Sandbox,
    /// Tray's hosted Headless MCP in a region (`kind = "headless"`): no workspace or token here,
    /// the client signs the user in.
    Headless {
        /// Its region.
        region: Region,
    },
}

/// The clients of a declared entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeclaredClients {
    /// Every client installed on the machine `apply` runs on (its folder exists).
    Detected,
    /// These clients, installed yet or not.
    Named(Vec<ClientId>),
}

/// Reads and checks the manifest at `path` (default: [`DEFAULT_FILE`] in the current folder).
pub fn load(
    environment: &crate::paths::Environment,
    path: Option<&std::path::Path>,
) -> Result<Manifest, ManifestError> {
    let named = path.is_some();
    let path = match path {
        Some(path) if path.is_absolute() => path.to_path_buf(),
        Some(path) => environment.current_dir.join(path),
        None => environment.current_dir.join(DEFAULT_FILE),
    };
    let shown_path = environment.display_path(&path);
    let unreadable = |message: String, hint: &str| ManifestError {
        shown_path: shown_path.clone(),
        position: None,
        message,
        hint: hint.to_string(),
    };
    let text = match crate::config::safe_write::read(&path) {
        Ok(bytes) => {
            String::from_utf8(bytes).map_err(|_| unreadable("it is not UTF-8 text".to_string(), "save it as UTF-8"))?
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            return Err(unreadable(
                "no such file".to_string(),
                "write one (see examples/tray-mcp.toml), start from this machine's entries with `tray-mcp export > tray-mcp.toml`, or name it with --file",
            ));
        }
        Err(error) => {
            let refusal = crate::config::safe_write::Unreadable::of(&error);
            return Err(unreadable(
                format!("could not read it: {error}"),
                refusal.map_or("check its permissions", crate::config::safe_write::Unreadable::hint),
            ));
        }
    };
    let folder = path
        .parent()
        .map_or_else(|| environment.current_dir.clone(), std::path::Path::to_path_buf);
    let mut manifest = parse(&text, &shown_path, folder)?;
    manifest.origin = trust::Origin::of(&path, named);
    Ok(manifest)
}
