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
//! Written by tray-mcp or not ([`FoundEntry::ours`], [`crate::clients::ownership`]'s rule):
//! tray-mcp's own `--transport bridge|http` entries were chosen on purpose and are adopted only
//! when named. Anything else is "adoptable".

use serde_json::Value;

use crate::clients::{ClientId, EntryWorkspace, Transport};
use crate::inventory::FoundEntry;
use crate::secrets::{bearer_in, inline_tokens};
use crate::tray::{ApiToken, ServerName, WorkspaceId};

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
    /// Whether tray-mcp itself wrote it (`--transport bridge|http`; see
    /// [`crate::clients::ownership`]).
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

/// Whether `entry` is an adoptable Tray entry, and what adopting it takes.
pub fn adoptable(entry: &FoundEntry) -> Option<Adoptable> {
    let tray = entry.tray.as_ref()?;
    if !matches!(tray.transport, Transport::Bridge | Transport::Http) {
        return None;
    }
    let EntryWorkspace::Workspace(workspace_id) = &tray.workspace else {
        return None;
    };
    Some(Adoptable {
        name: ServerName::parse(&entry.name).map_err(|error| error.to_string()),
        workspace_id: workspace_id.clone(),
        api_token: inline_token(&entry.value)?,
        written_by_tray_mcp: entry.ours,
    })
}

/// The entry adopting `existing` leaves: tray-mcp's entry `ours`, with what the client or the
/// user keeps beside tray-mcp's keys (Cline's `autoApprove`, a `disabled` flag...) kept, as an
/// install over tray-mcp's own entry keeps them, but never a member that holds the token (the
/// seed's `env.AUTH_HEADER`): the token moves to tray-mcp's store.
pub fn adopted_value(client: ClientId, existing: &Value, ours: &Value) -> Value {
    let mut merged = crate::clients::ownership::owned_keys(client.client()).merge(existing, ours);
    if let Value::Object(entry) = &mut merged {
        for key in ["env", "envs", "environment", "headers"] {
            let Some(Value::Object(members)) = entry.get_mut(key) else {
                continue;
            };
            members.retain(|_, value| !crate::config::strings(value).any(|text| bearer_in(text).is_some()));
            if members.is_empty() {
                entry.remove(key);
            }
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::clients::Scope;

    const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";

    fn client(id: &str) -> ClientId {
        ClientId::all()
            .iter()
            .copied()
            .find(|kind| kind.id() == id)
            .expect("client")
    }

    fn found(id: &str, value: Value, ours: bool) -> FoundEntry {
        let client = client(id);
        FoundEntry {
            name: "tray-workspace".to_string(),
            client,
            scope: Scope::User,
            project: None,
            path: "/x".into(),
            shown_path: "x".into(),
            servers_key: vec!["mcpServers".into()],
            tray: client.client().recognize(&value),
            value,
            in_entry_file: false,
            ours,
        }
    }

    #[test]
    fn seed_bridges_and_hand_written_http_entries_are_adoptable() {
        let url = format!("https://{WORKSPACE}.mcp.tray.ai");
        let in_args =
            json!({"command": "npx", "args": ["mcp-remote", url, "--header", "Authorization: Bearer tok_args"]});
        let in_env = json!({"command": "npx", "args": ["-y", "mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"],
                            "env": {"AUTH_HEADER": "Bearer tok_env"}});
        let http = json!({"url": url, "headers": {"Authorization": "Bearer tok_http"}});
        for (value, token) in [(in_args, "tok_args"), (in_env, "tok_env"), (http, "tok_http")] {
            let adoptable = adoptable(&found("cursor", value, false)).expect("adoptable");
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
            assert!(adoptable(&found("cursor", value.clone(), false)).is_none(), "{value}");
        }
    }

    #[test]
    fn the_adopted_entry_keeps_the_clients_keys_but_no_member_holding_the_token() {
        let url = format!("https://{WORKSPACE}.mcp.tray.ai");
        let seed = json!({"command": "npx", "args": ["-y", "mcp-remote", url, "--header", "Authorization:${AUTH_HEADER}"],
                          "env": {"AUTH_HEADER": "Bearer tok_env", "NODE_OPTIONS": "--no-warnings"},
                          "autoApprove": ["list_workflows"], "disabled": false});
        let ours = json!({"command": "/bin/tray-mcp", "args": ["serve", "--profile", "tray-workspace"]});
        let adopted = adopted_value(client("cline"), &seed, &ours);
        assert!(!adopted.to_string().contains("tok_env"), "{adopted}");
        assert_eq!(adopted["command"], json!("/bin/tray-mcp"));
        assert_eq!(adopted["args"], json!(["serve", "--profile", "tray-workspace"]));
        assert_eq!(adopted["autoApprove"], json!(["list_workflows"]), "{adopted}");
        let http = json!({"url": url, "headers": {"Authorization": "Bearer tok_http"}});
        let adopted = adopted_value(client("cursor"), &http, &ours);
        assert!(
            adopted.get("headers").is_none() && adopted.get("url").is_none(),
            "{adopted}"
        );
    }
}
