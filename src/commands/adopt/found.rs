//! Which Tray entries `adopt` can take over: the `mcp-remote` bridges and direct http entries
//! that Tray's own setup utility (`npx @trayio/tray-mcp`) or the user's hands wrote, each
//! holding a workspace's gateway URL and its bearer token in plain text.
//!
//! Why a pure module: `adopt` plans from it and `list` marks its entries "adoptable", so both
//! must agree on what an adoptable entry is, and that is testable without a disk. The token may
//! sit in three places: the args (`--header "Authorization: Bearer …"`, the seed's CLI shape),
//! `env` (`AUTH_HEADER: "Bearer …"`, referred to from the args) or an http entry's `headers`.
//! An entry that only names a variable (`${TRAY_TOKEN}`, `--token-from-env`) holds nothing to
//! move and is left alone.
//!
//! Written by tray-mcp or not: tray-mcp's own `--transport bridge|http` entries have exactly
//! the shape its client writers produce for the same name, workspace and token; an entry of
//! that shape was chosen on purpose and is adopted only when named. Anything else is
//! "adoptable".

use serde_json::Value;

use crate::clients::{ClientId, EntryWorkspace, Transport};
use crate::inventory::FoundEntry;
use crate::paths::Os;
use crate::secrets::inline_tokens;
use crate::tray::{ApiToken, Region, ServerName, WorkspaceId};

/// A bridge or http Tray entry holding its token inline: what adopting it moves to tray-mcp's
/// store.
#[derive(Debug, Clone)]
pub struct Adoptable {
    /// The entry's name, when it can name a profile too.
    pub name: Result<ServerName, String>,
    /// The workspace of its gateway URL.
    pub workspace_id: WorkspaceId,
    /// The token it sends.
    pub api_token: ApiToken,
    /// Whether tray-mcp itself wrote it (`--transport bridge|http`): exactly the shape tray-mcp
    /// writes for this client, name, workspace and token.
    pub written_by_tray_mcp: bool,
}

/// The one token an entry holds inline; `None` when it holds none, or two different ones
/// (nothing to decide between safely).
pub fn inline_token(entry: &Value) -> Option<ApiToken> {
    let mut tokens = inline_tokens(entry);
    let first = tokens.next()?;
    if tokens.any(|other| other != first) {
        return None;
    }
    ApiToken::parse(first).ok()
}

/// Whether `entry` is an adoptable Tray entry, and what adopting it takes. `os` is the
/// machine's (tray-mcp's own bridge runs `cmd /c npx` on Windows).
pub fn adoptable(entry: &FoundEntry, os: Os) -> Option<Adoptable> {
    let tray = entry.tray.as_ref()?;
    if !matches!(tray.transport, Transport::Bridge | Transport::Http) {
        return None;
    }
    let EntryWorkspace::Workspace(workspace_id) = &tray.workspace else {
        return None;
    };
    let api_token = inline_token(&entry.value)?;
    let written_by_tray_mcp = is_tray_mcps(entry, tray.transport, workspace_id, &api_token, os);
    Some(Adoptable {
        name: ServerName::parse(&entry.name).map_err(|error| error.to_string()),
        workspace_id: workspace_id.clone(),
        api_token,
        written_by_tray_mcp,
    })
}

/// Whether the entry is exactly what tray-mcp writes for its client, name, workspace and token.
fn is_tray_mcps(entry: &FoundEntry, transport: Transport, workspace: &WorkspaceId, token: &ApiToken, os: Os) -> bool {
    let Ok(name) = ServerName::parse(&entry.name) else {
        return false;
    };
    let spec = crate::clients::EntrySpec {
        name,
        transport,
        workspace_id: Some(workspace.clone()),
        api_token: Some(token.clone()),
        binary: std::path::PathBuf::new(),
        sandbox: false,
        os,
        region: Region::default(),
        token_variable: None,
    };
    written_the_same(entry.client, &spec, &entry.value)
}

fn written_the_same(client: ClientId, spec: &crate::clients::EntrySpec, value: &Value) -> bool {
    client
        .client()
        .entry(spec)
        .is_ok_and(|written| written.server == *value)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clients::Scope;

    const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";

    fn found(client: &str, name: &str, value: Value) -> FoundEntry {
        let client = ClientId::all()
            .iter()
            .copied()
            .find(|kind| kind.id() == client)
            .expect("client");
        FoundEntry {
            name: name.to_string(),
            client,
            scope: Scope::User,
            project: None,
            path: "/x".into(),
            shown_path: "x".into(),
            servers_key: vec!["mcpServers".into()],
            tray: client.client().recognize(&value),
            value,
            in_entry_file: false,
        }
    }

    #[test]
    fn seed_bridges_and_hand_written_http_entries_are_adoptable() {
        let url = format!("https://{WORKSPACE}.mcp.tray.ai");
        let in_args =
            json!({"command": "npx", "args": ["mcp-remote", url, "--header", "Authorization: Bearer tok_args"]});
        let in_env = json!({"command": "npx", "args": ["-y", "mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"],
                            "env": {"AUTH_HEADER": "Bearer tok_env"}});
        // A hand-written http entry differs from tray-mcp's by a key (here `type`); one of
        // exactly tray-mcp's shape is taken as tray-mcp's (see the test below).
        let http = json!({"type": "http", "url": url, "headers": {"Authorization": "Bearer tok_http"}});
        for (value, token) in [(in_args, "tok_args"), (in_env, "tok_env"), (http, "tok_http")] {
            let entry = found("cursor", "tray-workspace", value);
            let adoptable = adoptable(&entry, Os::Linux).expect("adoptable");
            assert_eq!(adoptable.api_token.expose(), token);
            assert_eq!(adoptable.workspace_id.to_string(), WORKSPACE);
            assert!(!adoptable.written_by_tray_mcp);
        }
    }

    #[test]
    fn references_stdio_entries_and_two_tokens_are_not_adoptable() {
        let url = format!("https://{WORKSPACE}.mcp.tray.ai");
        let reference = json!({"url": url, "headers": {"Authorization": "Bearer ${TRAY_TOKEN}"}});
        let stdio = json!({"command": "/bin/tray-mcp", "args": ["serve", "--profile", "p"]});
        let two = json!({"url": url, "headers": {"Authorization": "Bearer tok_a", "X": "Bearer tok_b"}});
        for value in [reference, stdio, two] {
            assert!(
                adoptable(&found("cursor", "p", value.clone()), Os::Linux).is_none(),
                "{value}"
            );
        }
    }

    #[test]
    fn tray_mcps_own_http_entry_is_known_as_its_own() {
        let url = format!("https://{WORKSPACE}.mcp.tray.ai");
        let spec_entry = json!({"url": url, "headers": {"Authorization": "Bearer tok_http"}});
        let cursor = found("cursor", "tray-workspace", spec_entry);
        let spec = crate::clients::EntrySpec {
            name: ServerName::parse("tray-workspace").expect("name"),
            transport: Transport::Http,
            workspace_id: WorkspaceId::parse(WORKSPACE).ok(),
            api_token: ApiToken::parse("tok_http").ok(),
            binary: std::path::PathBuf::new(),
            sandbox: false,
            os: Os::Linux,
            region: Region::default(),
            token_variable: None,
        };
        let written = cursor.client.client().entry(&spec).expect("entry").server;
        assert_eq!(written, cursor.value, "tray-mcp's Cursor http entry has this shape");
        assert!(adoptable(&cursor, Os::Linux).expect("adoptable").written_by_tray_mcp);
        let mut bridge_spec = spec.clone();
        bridge_spec.transport = Transport::Bridge;
        let bridge = cursor.client.client().entry(&bridge_spec).expect("entry").server;
        let bridge = found("cursor", "tray-workspace", bridge);
        assert!(adoptable(&bridge, Os::Linux).expect("adoptable").written_by_tray_mcp);
    }
}
