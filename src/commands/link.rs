//! `tray-mcp link`: the one-click install link of the entry `install` would write, for the
//! clients that define such links (Cursor, VS Code and its builds).
//!
//! Why a link is built from install's own spec and entry: the link is only worth handing out if
//! clicking it gives what `tray-mcp install` gives, so there is one construction, not two. A
//! link carries the whole entry, in the clear, to whoever sees the page it is on: an entry that
//! would hold the API token is refused, and the finished link is swept for the token too.

use std::path::Path;

use serde_json::{Value, json};

use crate::clients::{ClientEntry, ClientId, Transport};
use crate::error::CommandError;
use crate::paths::Environment;

use super::install::{self, InstallRequest, WorkspaceChoice};
use crate::notice::Notice;

/// One client's install link.
#[derive(Debug, Clone)]
pub struct InstallLink {
    /// The client it installs into.
    pub client: ClientId,
    /// The entry the link carries (what `install` writes under the entry's name).
    pub entry: Value,
    /// The link itself.
    pub link: String,
}

impl InstallLink {
    /// A Markdown badge that opens the link.
    pub fn markdown(&self) -> String {
        let client = self.client.client().display_name();
        // Shields.io static badge: `-` is written `--`, `_` stands for a space.
        let label = client.replace('-', "--").replace(' ', "_");
        format!(
            "[![Install in {client}](https://img.shields.io/badge/Install_in-{label}-0098FF)]({})",
            self.link
        )
    }
}

/// The links of a request, and what to know about them.
#[derive(Debug, Clone)]
pub struct Links {
    /// One per client, in the order asked for.
    pub links: Vec<InstallLink>,
    /// Notes for stderr.
    pub notices: Vec<Notice>,
}

impl Links {
    /// The stdout text: one link (or badge) per line.
    pub fn to_human(&self, markdown: bool) -> String {
        self.links
            .iter()
            .map(|link| {
                let text = if markdown { link.markdown() } else { link.link.clone() };
                format!("{text}\n")
            })
            .collect()
    }

    /// The `--json` output.
    pub fn to_json(&self) -> Value {
        let links: Vec<Value> = self
            .links
            .iter()
            .map(|link| {
                json!({
                    "client": link.client.id(),
                    "link": link.link,
                    "markdown": link.markdown(),
                    "entry": link.entry,
                })
            })
            .collect();
        let notes: Vec<String> = self.notices.iter().map(|notice| notice.message.clone()).collect();
        json!({ "links": links, "notes": notes })
    }
}

/// The install link of each client in `request` for the entry `install` would write there,
/// whose stdio entries launch `binary`. Writes nothing.
pub fn links(environment: &Environment, request: &InstallRequest, binary: &Path) -> Result<Links, CommandError> {
    let spec = install::request_spec(environment, request, binary)?;
    let mut links = Vec::new();
    for &kind in &wanted_clients(request)? {
        let entry = kind.client().entry(&spec).map_err(install::entry_error)?;
        check_no_token(kind, request, &entry)?;
        let Some(link) = kind.client().install_link(request.name.as_str(), &entry) else {
            return Err(no_link(kind));
        };
        let token = match &request.workspace {
            WorkspaceChoice::Tray { api_token, .. } => Some(api_token.expose()),
            _ => None,
        };
        // The entry was checked above; this sweep is the promise itself, whatever the format.
        if token.is_some_and(|token| link.contains(token) || entry.server.to_string().contains(token)) {
            return Err(holds_token(kind, request));
        }
        links.push(InstallLink {
            client: kind,
            entry: entry.server,
            link,
        });
    }
    Ok(Links {
        links,
        notices: notices(request, binary),
    })
}

/// The clients asked for; `-c all` means every client that defines a link.
fn wanted_clients(request: &InstallRequest) -> Result<Vec<ClientId>, CommandError> {
    if request.every_client {
        return Ok(linkable());
    }
    if request.clients.is_empty() {
        return Err(CommandError::usage("no client given", linkable_hint()));
    }
    Ok(request.clients.clone())
}

/// The clients that define an install link.
fn linkable() -> Vec<ClientId> {
    let probe = ClientEntry::plain(json!({}), false);
    ClientId::all()
        .iter()
        .copied()
        .filter(|kind| kind.client().install_link("probe", &probe).is_some())
        .collect()
}

fn linkable_hint() -> String {
    let ids: Vec<&str> = linkable().iter().map(|kind| kind.id()).collect();
    format!("install links exist for: -c {}", ids.join(", -c "))
}

fn no_link(kind: ClientId) -> CommandError {
    CommandError::usage(
        format!("{} has no one-click install link", kind.client().display_name()),
        format!(
            "{}; for {} run `tray-mcp install -c {}`",
            linkable_hint(),
            kind.client().display_name(),
            kind.id()
        ),
    )
}

/// Refuses an entry that holds the API token: a link shows its entry to everyone who sees it.
fn check_no_token(kind: ClientId, request: &InstallRequest, entry: &ClientEntry) -> Result<(), CommandError> {
    if entry.holds_token {
        return Err(holds_token(kind, request));
    }
    Ok(())
}

fn holds_token(kind: ClientId, request: &InstallRequest) -> CommandError {
    CommandError::usage(
        format!(
            "a {} {} entry holds the API token, and a link carries its whole entry to whoever sees it: no link made",
            kind.client().display_name(),
            request.transport.as_str()
        ),
        "use --transport stdio (each machine's tray-mcp keeps the token), --headless (the client signs in to Tray's Headless MCP), --token-from-env (the client reads the token from a variable), or -c vscode (VS Code asks for the token and keeps it in its secret storage)",
    )
}

/// What the people who click a link need on their machine.
fn notices(request: &InstallRequest, binary: &Path) -> Vec<Notice> {
    let name = &request.name;
    let shown = binary.display();
    match (&request.workspace, request.transport) {
        (WorkspaceChoice::Sandbox, _) => vec![Notice::note(format!(
            "the entry runs {shown}: each machine needs tray-mcp there"
        ))],
        (WorkspaceChoice::Tray { .. } | WorkspaceChoice::SignIn { .. }, Transport::Stdio) => {
            vec![Notice::note(format!(
                "the entry runs {shown} with the profile \"{name}\": each machine needs tray-mcp there and that profile (`tray-mcp install -n {name} ...` with its own token, or `tray-mcp login {name} -w WORKSPACE`); the link holds no token"
            ))]
        }
        (_, Transport::Bridge | Transport::Http) if request.token_variable.is_some() => {
            let variable = request.token_variable.as_deref().unwrap_or_default();
            vec![Notice::note(format!(
                "the entry reads the token from {variable}: each user sets it to their own Tray API token"
            ))]
        }
        _ => Vec::new(),
    }
}
