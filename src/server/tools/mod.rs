//! The MCP tools: what an agent can ask of a Tray workspace.
//!
//! Why this shape: every tool answers twice, once as text written for the model to read and
//! quote, and once as `structuredContent` that matches the tool's `outputSchema`, for clients
//! that consume data. Both are built from the same [`super::model`] values, so they cannot
//! disagree. Failures (unknown workflow, rejected token, Tray down) are tool errors with a
//! message that says what to do next; they never end the server.
//!
//! All tools are read-only. Workflows can be named by ID or by exact name; a name shared by
//! several workflows is refused with the list of candidates.
//!
//! Layout: the tools come in three groups, each its own `#[tool_router]` combined with `+`
//! ([`account`], [`workflows`], [`catalog`]); their parameters and results are in [`io`], the
//! schema clean-up that makes them portable across clients in [`schemas`], and the text
//! helpers in [`render`]. The failure analysis is [`super::diagnosis`], a pure function.

mod account;
mod catalog;
pub mod io;
mod render;
mod schemas;
mod workflows;

use std::fmt::Write as _;
use std::sync::Arc;

use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool_handler};
use serde::Serialize;

use crate::error::Advice as _;
use crate::remote::backend::{Backend, BackendError, BackendKind};
use crate::remote::model::WorkflowSummary;
pub use io::*;
use render::{enabled_text, tags_text};

/// How many runs are read when looking for failures or filtering by status.
const RUN_WINDOW: usize = 50;

/// The MCP server handler: the tools over one [`Backend`].
#[derive(Clone)]
pub struct TrayTools {
    backend: Arc<dyn Backend>,
    tool_router: ToolRouter<Self>,
    /// The Agent Gateway pass-through is on: advertise `tools.listChanged`, and the prompts
    /// and resources it passes through (see [`TrayTools::with_passthrough_capabilities`]).
    passthrough: bool,
    /// Where the Agent Gateway pass-through stands, when it is on.
    gateway: Option<Arc<dyn Fn() -> GatewayStatus + Send + Sync>>,
}

/// A tool failed; the message is shown to the agent as the tool's (error) result.
#[derive(Debug)]
struct ToolFailure(String);

impl From<BackendError> for ToolFailure {
    /// The agent reads the message and, on a line of its own, what to do.
    fn from(error: BackendError) -> Self {
        ToolFailure(error.with_hint_line())
    }
}

type ToolOutcome<T> = Result<(String, T), ToolFailure>;

/// Turns a tool's outcome into the MCP result: readable text plus structured content, or an
/// error result carrying the message.
fn respond<T: Serialize>(outcome: ToolOutcome<T>) -> CallToolResult {
    match outcome {
        Ok((text, data)) => match serde_json::to_value(&data) {
            Ok(value) => {
                let mut result = CallToolResult::structured(value);
                result.content = vec![ContentBlock::text(text)];
                result
            }
            Err(error) => CallToolResult::error(vec![ContentBlock::text(format!(
                "internal error: could not encode the result: {error}"
            ))]),
        },
        Err(ToolFailure(message)) => {
            tracing::info!(%message, "tool call failed");
            CallToolResult::error(vec![ContentBlock::text(message)])
        }
    }
}

impl TrayTools {
    /// Serves the tools over `backend`.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        TrayTools {
            backend,
            tool_router: Self::account_tools() + Self::workflow_tools() + Self::catalog_tools(),
            passthrough: false,
            gateway: None,
        }
    }

    /// Reports the Agent Gateway pass-through's state in `get_authenticated_user` (which says
    /// why the gateway's tools are missing, and what fixes it).
    pub fn with_gateway_status(mut self, status: Arc<dyn Fn() -> GatewayStatus + Send + Sync>) -> Self {
        self.gateway = Some(status);
        self
    }

    /// Advertises in `initialize` what the Agent Gateway pass-through serves: `tools.listChanged`
    /// (the tool list changes when the gateway's tools arrive or change), `prompts` and
    /// `resources` with `listChanged`, `resources.subscribe`, and `completions` (of the
    /// gateway's prompt and resource template arguments; empty where it has none).
    ///
    /// Why all of them, before knowing what the gateway offers: `initialize` is answered at once
    /// (start-up speed is measured, and the gateway session opens only after the client's
    /// `initialize`, whose capabilities it declares), so the gateway's own capabilities are not
    /// known yet, and a gateway reached later (offline at start) may add prompts or resources.
    /// The built-in server has none of either; with a gateway that offers none, the lists are
    /// empty, and a subscription is refused with a JSON-RPC error saying why.
    pub fn with_passthrough_capabilities(mut self) -> Self {
        self.passthrough = true;
        self
    }

    /// The built-in tools exactly as `tools/list` lists them, as JSON objects (the gateway
    /// pass-through answers `tools/list` itself and appends the gateway's tools).
    pub fn tools_json(&self) -> Vec<serde_json::Value> {
        self.tool_router
            .list_all()
            .iter()
            .filter_map(|tool| serde_json::to_value(tool).ok())
            .collect()
    }

    /// The built-in tools as `tools/list` lists them, without a backend (for the install's
    /// read-only approvals, which go by their annotations).
    pub fn builtin_tools_json() -> Vec<serde_json::Value> {
        (Self::account_tools() + Self::workflow_tools() + Self::catalog_tools())
            .list_all()
            .iter()
            .filter_map(|tool| serde_json::to_value(tool).ok())
            .collect()
    }

    /// Finds a workflow by ID, or by exact name when that name is unique.
    async fn resolve_workflow(&self, reference: &str) -> Result<WorkflowSummary, ToolFailure> {
        let reference = reference.trim();
        if reference.is_empty() {
            return Err(ToolFailure(
                "no workflow given: pass a workflow ID or its exact name (list_workflows shows \
                 both)"
                    .to_string(),
            ));
        }
        let workflows = self.backend.workflows().await?;
        if let Some(found) = workflows.iter().find(|workflow| workflow.id == reference) {
            return Ok(found.clone());
        }
        let named: Vec<&WorkflowSummary> = workflows.iter().filter(|workflow| workflow.name == reference).collect();
        match named.as_slice() {
            [only] => Ok((*only).clone()),
            [] => {
                let needle = reference.to_lowercase();
                let similar: Vec<String> = workflows
                    .iter()
                    .filter(|workflow| {
                        let name = workflow.name.to_lowercase();
                        name.contains(&needle) || needle.contains(&name)
                    })
                    .take(5)
                    .map(|workflow| format!("\"{}\" ({})", workflow.name, workflow.id))
                    .collect();
                let mut message = format!("no workflow has the ID or exact name \"{reference}\" in this workspace");
                if similar.is_empty() {
                    message.push_str(". Call list_workflows to see the workflows there are.");
                } else {
                    let _ = write!(message, ". Did you mean {}?", similar.join(", "));
                }
                Err(ToolFailure(message))
            }
            several => {
                let mut message = format!(
                    "{} workflows are named \"{reference}\"; call again with the ID of the one \
                     you mean:",
                    several.len()
                );
                for workflow in several {
                    let _ = write!(
                        message,
                        "\n- {} ({}){}",
                        workflow.id,
                        enabled_text(workflow.enabled),
                        tags_text(&workflow.tags)
                    );
                }
                Err(ToolFailure(message))
            }
        }
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for TrayTools {
    fn get_info(&self) -> ServerConfig {
        let description = self.backend.describe();
        let instructions = if description.kind == BackendKind::Sandbox {
            "Read-only tools for a Tray.io workspace. This is the built-in SANDBOX: a demo \
             workspace with realistic data (Salesforce Lead Sync, Zendesk Ticket Router, Stripe \
             Financial Log, ...), not the user's real account. Start with list_workflows; use \
             list_workflow_executions and explain_workflow_failure to investigate failures."
                .to_string()
        } else {
            format!(
                "Read-only tools for the Tray.io workspace {} (region {}). Start with \
                 get_authenticated_user or list_workflows; use list_workflow_executions and \
                 explain_workflow_failure to investigate failures.",
                description.workspace_id, description.region
            )
        };
        let capabilities = if self.passthrough {
            ServerCapabilities::builder()
                .enable_completions()
                .enable_prompts()
                .enable_resources()
                .enable_tools()
                .enable_prompts_list_changed()
                .enable_resources_list_changed()
                .enable_resources_subscribe()
                .enable_tool_list_changed()
                .build()
        } else {
            ServerCapabilities::builder().enable_tools().build()
        };
        ServerConfig::new(capabilities)
            .with_server_info(Implementation::new("tray-mcp", env!("CARGO_PKG_VERSION")))
            .with_instructions(instructions)
    }
}
