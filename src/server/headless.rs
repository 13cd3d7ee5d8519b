//! Tray's Headless MCP (`https://api.tray.io/mcp`, per region) through `tray-mcp serve`, pinned
//! to the entry's workspace.
//!
//! Why: the Headless MCP holds Tray's platform tools (projects, workflows, connectors,
//! authentications, runs), and only clients that speak Streamable HTTP with OAuth reach it on
//! their own. Passed through the bundled stdio server, Claude Desktop and every stdio-only
//! client get them with no Node. Most of those tools take a `workspaceId` argument, and an agent
//! handed several workspace IDs in tool output builds in the wrong one (the `tray-workflows`
//! plugin spends pages of instructions on exactly that). An entry belongs to one workspace, so
//! the pass-through pins it: `workspaceId` is taken out of each tool's input schema (its
//! `properties` and `required`; everything else, annotations such as `destructiveHint`
//! included, stays as the server sent it) and filled in on every call of those tools. A call
//! that names another workspace anyway is refused with a tool error rather than quietly
//! redirected: the agent meant a different workspace, and should hear that this entry cannot
//! reach it, not act in this one believing it acted in the other.
//!
//! It is one more layer of [`super::passthrough`] over the same Streamable HTTP client as the
//! Agent Gateway ([`crate::remote::gateway`]), so sessions, SSE, resumption, name clashes (a clashing
//! tool is listed as `headless_<name>`), failure isolation and `list_changed` work the same way.
//!
//! Auth: the Headless MCP takes OAuth sign-ins only, so a static API token is never sent to it.
//! The bearer comes from an [`AccessTokenSource`]: a signed-in profile's (OAuth), or, for tests,
//! `TRAY_HEADLESS_TEST_BEARER`, which [`crate::env`] accepts only with a loopback
//! `TRAY_HEADLESS_URL`. Without a source the pass-through stays off.

use std::collections::HashSet;
use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};

use super::passthrough::Upstream;
use crate::env::Variables;
use crate::remote::gateway::{GatewayConfig, GatewayError};
pub use crate::remote::token::AccessTokenSource;
use crate::remote::token::StaticToken;
use crate::tray::{Region, WorkspaceId};

/// The argument the pass-through pins.
pub const WORKSPACE_ARGUMENT: &str = "workspaceId";
/// Prefix of a Headless MCP tool listed under another name because its own was taken.
pub const COLLISION_PREFIX: &str = "headless_";
/// Prefix of the request IDs the client sees on requests forwarded from the Headless MCP.
const FORWARD_ID_PREFIX: &str = "tray-mcp-headless-";
/// How the Headless MCP is named in messages.
const LABEL: &str = "Headless MCP";

/// The Headless MCP's connection settings: the region's URL (or `TRAY_HEADLESS_URL`), the
/// bearer from `auth`, and the gateway's time limits (`TRAY_GATEWAY_TIMEOUT_SECS`,
/// `TRAY_GATEWAY_RETRY_SECS` apply to both pass-throughs).
pub fn headless_config(variables: &Variables, region: Region, auth: Arc<dyn AccessTokenSource>) -> GatewayConfig {
    let url = variables.headless_url.clone().unwrap_or_else(|| region.headless_url());
    let mut config = GatewayConfig::with_auth(url, auth);
    if let Some(timeout) = variables.gateway_timeout {
        config.timeout = timeout;
    }
    if let Some(retry) = variables.gateway_retry {
        config.offline_retry = retry;
        config.offline_retry_cap = config.offline_retry_cap.max(retry);
    }
    config
}

/// Where the Headless MCP's bearer comes from, if anywhere: the loopback test hook
/// (`TRAY_HEADLESS_TEST_BEARER`), else `signed_in` (a profile's OAuth sign-in). `None` keeps
/// the pass-through off: the profile's API token is never used for it.
pub fn token_source(
    variables: &Variables,
    signed_in: Option<Arc<dyn AccessTokenSource>>,
) -> Option<Arc<dyn AccessTokenSource>> {
    match &variables.headless_test_bearer {
        Some(bearer) => Some(Arc::new(StaticToken(bearer.clone()))),
        None => signed_in,
    }
}

/// The Headless MCP's [`Upstream`]: pins every tool that takes `workspaceId` to one workspace.
#[derive(Debug)]
pub struct Pinned {
    workspace: WorkspaceId,
    /// What to do when the sign-in is refused ("run `tray-mcp login NAME`").
    sign_in_again: String,
    /// The tools (by the server's own name) whose schema declared `workspaceId`.
    pinned: RwLock<HashSet<String>>,
}

impl Pinned {
    /// Pins to `workspace`; `sign_in_again` says how to sign in when the server refuses.
    pub fn new(workspace: WorkspaceId, sign_in_again: String) -> Self {
        Pinned {
            workspace,
            sign_in_again,
            pinned: RwLock::new(HashSet::new()),
        }
    }

    fn is_pinned(&self, tool: &str) -> bool {
        self.pinned.read().is_ok_and(|pinned| pinned.contains(tool))
    }
}

/// Takes `workspaceId` out of a tool's input schema (`properties` and `required`; a `required`
/// left empty goes too, since older JSON Schema validators refuse an empty one). Returns
/// whether the schema declared it. Every other byte of the tool stays as it was.
pub fn unpin_schema(tool: &mut Value) -> bool {
    let Some(schema) = tool.get_mut("inputSchema").and_then(Value::as_object_mut) else {
        return false;
    };
    let mut declared = schema
        .get_mut("properties")
        .and_then(Value::as_object_mut)
        .and_then(|properties| properties.shift_remove(WORKSPACE_ARGUMENT))
        .is_some();
    if let Some(required) = schema.get_mut("required").and_then(Value::as_array_mut) {
        let before = required.len();
        required.retain(|name| name != WORKSPACE_ARGUMENT);
        declared |= required.len() != before;
        if required.is_empty() && before != 0 {
            schema.shift_remove("required");
        }
    }
    declared
}

impl Upstream for Pinned {
    fn label(&self) -> &'static str {
        LABEL
    }

    fn collision_prefix(&self) -> &'static str {
        COLLISION_PREFIX
    }

    fn forward_prefix(&self) -> &'static str {
        FORWARD_ID_PREFIX
    }

    fn listed(&self, mut tool: Value) -> Value {
        let declared = unpin_schema(&mut tool);
        if let Some(name) = tool.get("name").and_then(Value::as_str)
            && let Ok(mut pinned) = self.pinned.write()
        {
            if declared {
                pinned.insert(name.to_string());
            } else {
                pinned.remove(name);
            }
        }
        tool
    }

    /// Sets `arguments.workspaceId` on a pinned tool's call; refuses any call (pinned or not)
    /// that names another workspace.
    fn prepare_call(&self, tool: &str, params: &mut Map<String, Value>) -> Result<(), String> {
        let workspace = self.workspace.to_string();
        let arguments = params.entry("arguments").or_insert_with(|| Value::Object(Map::new()));
        let Some(arguments) = arguments.as_object_mut() else {
            return Err(format!("The arguments of {tool} must be a JSON object."));
        };
        match arguments.get(WORKSPACE_ARGUMENT) {
            Some(Value::String(given)) if given.eq_ignore_ascii_case(&workspace) => {}
            Some(other) => {
                let given = match other {
                    Value::String(text) => text.clone(),
                    other => other.to_string(),
                };
                return Err(format!(
                    "Refused: this tray-mcp entry is pinned to workspace {workspace}, and {tool} was called \
                     with workspaceId {given:?}. Leave workspaceId out: tray-mcp fills it in. To work in \
                     another workspace, use a tray-mcp entry installed for it."
                ));
            }
            None => {}
        }
        if self.is_pinned(tool) {
            arguments.insert(WORKSPACE_ARGUMENT.to_string(), Value::String(workspace));
        }
        Ok(())
    }

    fn explain(&self, error: &GatewayError) -> (String, String) {
        let sign_in = &self.sign_in_again;
        match error {
            GatewayError::Unreachable { url, reason } => (
                format!("could not reach Tray's Headless MCP at {url}: {reason}"),
                "check the network connection (and TRAY_HEADLESS_URL if it is set); a running \
                 `tray-mcp serve` keeps trying and adds the Headless MCP's tools when it answers"
                    .to_string(),
            ),
            GatewayError::Timeout { url, seconds } => (
                format!("Tray's Headless MCP at {url} did not answer within {seconds} s"),
                "try again shortly (TRAY_GATEWAY_TIMEOUT_SECS raises the time limit)".to_string(),
            ),
            GatewayError::Unauthorized => (
                "Tray's Headless MCP refused the sign-in (HTTP 401 Unauthorized)".to_string(),
                format!("the sign-in expired or was revoked: {sign_in}"),
            ),
            GatewayError::Forbidden => (
                "Tray's Headless MCP denied access (HTTP 403 Forbidden)".to_string(),
                format!(
                    "the signed-in Tray user may not use workspace {}: ask a workspace admin, or {sign_in} \
                     as a user who may",
                    self.workspace
                ),
            ),
            GatewayError::Http { status, message } => (
                format!("Tray's Headless MCP answered HTTP {status}: {message}"),
                if *status >= 500 {
                    "Tray's Headless MCP is having trouble: try again in a few minutes".to_string()
                } else {
                    "check the profile's region (and TRAY_HEADLESS_URL if it is set)".to_string()
                },
            ),
            GatewayError::Protocol(problem) => (
                format!("Tray's Headless MCP broke the MCP protocol: {problem}"),
                "check TRAY_HEADLESS_URL if it is set; otherwise report this to Tray support".to_string(),
            ),
            GatewayError::NoToken(unavailable) => (unavailable.message.clone(), unavailable.hint.clone()),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    const WORKSPACE: &str = "3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718";

    fn pinned() -> Pinned {
        Pinned::new(
            WorkspaceId::parse(WORKSPACE).expect("valid"),
            "run `tray-mcp login work`".to_string(),
        )
    }

    fn create_project() -> Value {
        json!({
            "name": "create_project",
            "description": "Create a project.",
            "inputSchema": {
                "type": "object",
                "properties": {
                    "workspaceId": {"type": "string"},
                    "name": {"type": "string"},
                    "x-order": 1,
                },
                "required": ["workspaceId", "name"],
                "additionalProperties": false,
            },
            "annotations": {"destructiveHint": true, "readOnlyHint": false},
            "_meta": {"tray/category": "projects"},
        })
    }

    #[test]
    fn the_listed_schema_loses_workspace_id_and_keeps_everything_else_in_order() {
        let listed = pinned().listed(create_project());
        let expected = json!({
            "name": "create_project",
            "description": "Create a project.",
            "inputSchema": {
                "type": "object",
                "properties": {"name": {"type": "string"}, "x-order": 1},
                "required": ["name"],
                "additionalProperties": false,
            },
            "annotations": {"destructiveHint": true, "readOnlyHint": false},
            "_meta": {"tray/category": "projects"},
        });
        // Byte for byte, key order included.
        assert_eq!(listed.to_string(), expected.to_string());
    }

    #[test]
    fn a_required_list_left_empty_goes_and_a_schema_without_workspace_id_is_untouched() {
        let mut only = json!({"name": "list_projects", "inputSchema": {
            "type": "object", "properties": {"workspaceId": {"type": "string"}}, "required": ["workspaceId"]}});
        assert!(unpin_schema(&mut only));
        assert_eq!(only["inputSchema"], json!({"type": "object", "properties": {}}));
        let original = json!({"name": "list_connectors", "inputSchema": {"type": "object", "required": []}});
        let mut other = original.clone();
        assert!(!unpin_schema(&mut other));
        assert_eq!(other.to_string(), original.to_string());
        assert!(!unpin_schema(&mut json!({"name": "no_schema"})));
    }

    #[test]
    fn calls_of_pinned_tools_get_the_workspace_and_other_tools_are_left_alone() {
        let upstream = pinned();
        upstream.listed(create_project());
        upstream.listed(json!({"name": "list_connectors", "inputSchema": {"type": "object"}}));

        let mut params =
            json!({"name": "create_project", "arguments": {"name": "Demo"}, "_meta": {"progressToken": 7}});
        let object = params.as_object_mut().expect("object");
        upstream.prepare_call("create_project", object).expect("accepted");
        assert_eq!(
            params.to_string(),
            json!({"name": "create_project", "arguments": {"name": "Demo", "workspaceId": WORKSPACE}, "_meta": {"progressToken": 7}})
                .to_string()
        );

        let mut bare = Map::new();
        upstream.prepare_call("create_project", &mut bare).expect("accepted");
        assert_eq!(Value::Object(bare), json!({"arguments": {"workspaceId": WORKSPACE}}));

        let mut same = json!({"arguments": {"workspaceId": WORKSPACE.to_uppercase()}});
        upstream
            .prepare_call("create_project", same.as_object_mut().expect("object"))
            .expect("the same workspace is fine");

        let mut unpinned = json!({"arguments": {"connector_names": ["slack"]}});
        upstream
            .prepare_call("list_connectors", unpinned.as_object_mut().expect("object"))
            .expect("accepted");
        assert_eq!(unpinned, json!({"arguments": {"connector_names": ["slack"]}}));
    }

    #[test]
    fn a_call_naming_another_workspace_is_refused_whatever_the_tool() {
        let upstream = pinned();
        upstream.listed(create_project());
        for tool in ["create_project", "list_connectors"] {
            let mut params = json!({"arguments": {"workspaceId": "00000000-0000-4000-8000-000000000000"}});
            let refusal = upstream
                .prepare_call(tool, params.as_object_mut().expect("object"))
                .expect_err("another workspace");
            assert!(refusal.contains(WORKSPACE) && refusal.contains("00000000-0000-4000-8000-000000000000"));
            assert!(refusal.contains("Leave workspaceId out"), "{refusal}");
        }
        let mut not_an_object = json!({"arguments": [1]});
        assert!(
            upstream
                .prepare_call("create_project", not_an_object.as_object_mut().expect("object"))
                .is_err()
        );
    }

    #[test]
    fn the_url_is_the_region_s_unless_overridden_and_only_the_test_hook_or_a_sign_in_gives_a_token() {
        let token = Arc::new(StaticToken(
            crate::tray::ApiToken::parse("oauth-access").expect("valid"),
        ));
        for region in Region::ALL {
            let config = headless_config(&Variables::default(), region, token.clone());
            assert_eq!(config.url, region.headless_url());
        }
        assert!(token_source(&Variables::default(), None).is_none());
        assert!(token_source(&Variables::default(), Some(token.clone())).is_some());
        let test = Variables::from_pairs(&[
            (crate::env::TRAY_HEADLESS_URL, "http://127.0.0.1:9/mcp"),
            (crate::env::TRAY_HEADLESS_TEST_BEARER, "hb_test"),
        ])
        .expect("valid");
        assert_eq!(headless_config(&test, Region::Eu1, token).url, "http://127.0.0.1:9/mcp");
        assert!(token_source(&test, None).is_some());
    }
}
