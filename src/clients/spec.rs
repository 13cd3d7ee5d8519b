//! What one entry is made from ([`EntrySpec`]), what a client makes of it ([`ClientEntry`] and
//! the [`Companion`] items kept beside it), and why it may refuse ([`EntryError`]).
//!
//! Why apart from the [`super::Client`] trait: these are plain data every command and client
//! file passes around, while the trait is the list of hooks a client overrides; keeping them in
//! one file left `clients/mod.rs` past the size guide.

use std::path::PathBuf;

use serde_json::Value;

use super::{EnvSyntax, Transport, bearer};
use crate::config::DocumentError;
use crate::config::format::ConfigDocument;
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

/// What one entry is made from.
#[derive(Debug, Clone)]
pub struct EntrySpec {
    /// The entry's name (also its profile's name).
    pub name: ServerName,
    /// How the client reaches Tray.
    pub transport: Transport,
    /// The workspace (absent for the sandbox).
    pub workspace_id: Option<WorkspaceId>,
    /// The token (absent for the sandbox and for stdio, whose token lives in the profile).
    pub api_token: Option<ApiToken>,
    /// Absolute path of the tray-mcp binary, for stdio entries.
    pub binary: PathBuf,
    /// Run the embedded sandbox workspace instead of a real one.
    pub sandbox: bool,
    /// Operating system of the client (decides `cmd /c npx` on Windows).
    pub os: crate::paths::Os,
    /// The region, whose Headless MCP URL a headless entry holds.
    pub region: Region,
    /// The environment variable a bridge or http entry names for the client to read the token
    /// from (`--token-from-env`), instead of holding the token; `None`: the token goes inline.
    pub token_variable: Option<String>,
    /// For a bridge or http entry: the tools the client is to use, written into the client's
    /// own filter keys ([`Client::tool_filter`]); `None`: those keys are left as they are.
    pub tools: Option<crate::tool_filter::ExactFilter>,
}

impl EntrySpec {
    /// The `Authorization` value of a bridge or http entry: `Bearer <token>`, or, when the spec
    /// names a variable, `Bearer ` and the reference to it in `syntax` (the value itself is
    /// never written then).
    pub fn authorization(&self, syntax: Option<EnvSyntax>) -> Result<String, EntryError> {
        match (&self.token_variable, syntax) {
            (None, _) => bearer(self),
            (Some(variable), Some(syntax)) => Ok(format!("Bearer {}", syntax.wrap(variable))),
            (Some(_), None) => Err(EntryError::NoTokenReference {
                client: "this client",
                transport: self.transport.as_str(),
                hint: "drop --token-from-env".into(),
            }),
        }
    }

    /// Whether the entry is to name the token's variable rather than hold the token: a
    /// variable was asked for and the transport carries a token in the entry.
    pub fn token_from_env(&self) -> bool {
        self.token_variable.is_some() && matches!(self.transport, Transport::Bridge | Transport::Http)
    }
}

/// What a client needs for one server: the entry, and edits beside it.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientEntry {
    /// The value stored under the server's name.
    pub server: Value,
    /// Items kept in step elsewhere in the same file (VS Code's token prompt in `inputs`).
    pub companions: Vec<Companion>,
    /// Whether the entry holds the token itself (the file must then be private).
    pub holds_token: bool,
    /// Something the user must do for the entry to work (e.g. export the variable a Codex
    /// entry reads its token from).
    pub notice: Option<String>,
}

impl ClientEntry {
    /// An entry with nothing beside it.
    pub fn plain(server: Value, holds_token: bool) -> Self {
        ClientEntry {
            server,
            companions: Vec::new(),
            holds_token,
            notice: None,
        }
    }
}

/// An item of an array elsewhere in the config that belongs with an entry, found by an id.
#[derive(Debug, Clone, PartialEq)]
pub struct Companion {
    /// The key path of the array (`["inputs"]`).
    pub array: &'static [&'static str],
    /// The key of the item's id (`"id"`).
    pub id_key: &'static str,
    /// The item's id. Only an item with our own id is ever changed or removed.
    pub id: String,
    /// What to do with it.
    pub edit: CompanionEdit,
}

/// What happens to a [`Companion`].
#[derive(Debug, Clone, PartialEq)]
pub enum CompanionEdit {
    /// Add the item, or replace the one with the id.
    Upsert(Value),
    /// Replace the item with the id by this one, only if it is there (a rename).
    ReplaceIfPresent(Value),
    /// Take out the item with the id, if it is there.
    Remove,
}

impl Companion {
    /// Applies the edit; returns whether the document changed.
    pub fn apply(&self, document: &mut dyn ConfigDocument) -> Result<bool, DocumentError> {
        match &self.edit {
            CompanionEdit::Upsert(item) => Ok(document.upsert_array_item(self.array, self.id_key, &self.id, item)?
                != crate::config::Change::Unchanged),
            CompanionEdit::ReplaceIfPresent(item) => {
                let present = document
                    .get(self.array)?
                    .and_then(|array| array.as_array().cloned())
                    .is_some_and(|items| {
                        items
                            .iter()
                            .any(|existing| existing.get(self.id_key).and_then(Value::as_str) == Some(&self.id))
                    });
                Ok(present
                    && document.upsert_array_item(self.array, self.id_key, &self.id, item)?
                        != crate::config::Change::Unchanged)
            }
            CompanionEdit::Remove => document.remove_array_item(self.array, self.id_key, &self.id),
        }
    }
}

/// Why an entry cannot be made for a client.
#[derive(Debug, Clone, thiserror::Error)]
pub enum EntryError {
    /// The client has no entry shape for this transport.
    #[error("{client} cannot use the {transport} transport")]
    UnsupportedTransport {
        /// The client's display name.
        client: &'static str,
        /// The transport asked for.
        transport: &'static str,
        /// What to do instead.
        hint: &'static str,
    },
    /// The transport needs a workspace and token, and this is the sandbox.
    #[error("the sandbox workspace runs only in the bundled server (--transport stdio)")]
    SandboxNeedsStdio,
    /// `--token-from-env` asked for, and the client cannot read a token from an environment
    /// variable in this transport's entries.
    #[error("{client} cannot read the token from an environment variable in its {transport} entries")]
    NoTokenReference {
        /// The client's display name.
        client: &'static str,
        /// The transport asked for.
        transport: &'static str,
        /// What to do instead.
        hint: String,
    },
    /// `--tools` on a bridge or http entry, and the client has no per-server filter of its own.
    #[error(
        "{client} has no per-server tool filter of its own, and a --transport {transport} entry talks to the Agent Gateway without tray-mcp serve in between"
    )]
    NoToolFilter {
        /// The client's display name.
        client: &'static str,
        /// The transport asked for.
        transport: &'static str,
    },
    /// The client's filter cannot say this filter without the Agent Gateway's tool list.
    #[error(
        "{client}'s own tool filter {needs}, which needs the Agent Gateway's tool list, and it was not listed (--no-verify, or it did not answer)"
    )]
    FilterNeedsListing {
        /// The client's display name.
        client: &'static str,
        /// What its filter lists.
        needs: &'static str,
    },
    /// Tray's Headless MCP needs a client that signs in by OAuth on its own.
    #[error("{client} cannot sign in to Tray's Headless MCP by itself (it needs OAuth sign-in by the client)")]
    NoOAuthSignIn {
        /// The client's display name.
        client: &'static str,
        /// What to do instead.
        hint: String,
    },
}
