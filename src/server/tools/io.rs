//! The tools' parameters and results: what `tools/list` shows as `inputSchema` and
//! `outputSchema`, and what `tools/call` returns as `structuredContent`.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use crate::remote::access::ToolAccess;
use crate::remote::model::{Connector, Execution, ExecutionStatus, Solution, User, WorkflowSummary};
pub use crate::server::diagnosis::{ExplainFailureOutput, FailureExplanation};

/// Optional inputs are plain typed properties that are not `required`; the `"default": null`
/// that schemars adds for them contradicts their `type`, so it is removed.
fn without_null_defaults(schema: &mut schemars::Schema) {
    if let Some(properties) = schema.get_mut("properties").and_then(serde_json::Value::as_object_mut) {
        for property in properties.values_mut() {
            if let Some(property) = property.as_object_mut()
                && property.get("default") == Some(&serde_json::Value::Null)
            {
                property.remove("default");
            }
        }
    }
}

/// Input of `list_workflows`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = without_null_defaults)]
pub struct ListWorkflowsInput {
    /// Maximum number of workflows to return (1-100, default 25).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(with = "u32")]
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `next_cursor` of a previous call, to get the next page. Omit for the first page.
    #[schemars(with = "String")]
    #[serde(default)]
    pub cursor: Option<String>,
    /// Only workflows whose name contains this text (case-insensitive).
    #[schemars(with = "String")]
    #[serde(default)]
    pub name_contains: Option<String>,
    /// Only enabled (`true`) or only disabled (`false`) workflows.
    #[schemars(with = "bool")]
    #[serde(default)]
    pub enabled: Option<bool>,
}

/// Input of tools that take one workflow.
#[derive(Debug, Deserialize, JsonSchema)]
pub struct WorkflowInput {
    /// The workflow's ID (for example `wf-a1b2` or a UUID) or its exact name.
    pub workflow: String,
}

/// Input of `list_workflow_executions`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(transform = without_null_defaults)]
pub struct ListExecutionsInput {
    /// The workflow's ID or its exact name.
    pub workflow: String,
    /// Maximum number of runs to return, newest first (1-50, default 10).
    #[schemars(range(min = 1, max = 50))]
    #[schemars(with = "u32")]
    #[serde(default)]
    pub limit: Option<u32>,
    /// Only runs with this status.
    #[schemars(with = "ExecutionStatus")]
    #[serde(default)]
    pub status: Option<ExecutionStatus>,
}

/// Input of `list_integration_solutions`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = without_null_defaults)]
pub struct ListSolutionsInput {
    /// Maximum number of solutions to return (1-100, default 25).
    #[schemars(range(min = 1, max = 100))]
    #[schemars(with = "u32")]
    #[serde(default)]
    pub limit: Option<u32>,
    /// The `next_cursor` of a previous call, to get the next page. Omit for the first page.
    #[schemars(with = "String")]
    #[serde(default)]
    pub cursor: Option<String>,
    /// Only solutions with this tag (case-insensitive).
    #[schemars(with = "String")]
    #[serde(default)]
    pub tag: Option<String>,
}

/// Input of `list_available_connectors`.
#[derive(Debug, Default, Deserialize, JsonSchema)]
#[schemars(transform = without_null_defaults)]
pub struct ListConnectorsInput {
    /// Only connectors whose name, title or description contains this text (case-insensitive),
    /// for example `salesforce` or `crm`.
    #[schemars(with = "String")]
    #[serde(default)]
    pub search: Option<String>,
    /// Maximum number of connectors to return (1-1000, default 100).
    #[schemars(range(min = 1, max = 1000))]
    #[schemars(with = "u32")]
    #[serde(default)]
    pub limit: Option<u32>,
}

/// Input of `explain_workflow_failure`.
#[derive(Debug, Deserialize, JsonSchema)]
#[schemars(transform = without_null_defaults)]
pub struct ExplainFailureInput {
    /// The workflow's ID or its exact name.
    pub workflow: String,
    /// The ID of the failed run to explain. Omit to explain the most recent failed run.
    #[schemars(with = "String")]
    #[serde(default)]
    pub execution: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Outputs

/// Output of `get_authenticated_user`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct AuthenticatedUserOutput {
    /// The user the token belongs to.
    pub user: User,
    /// The workspace this server reads.
    pub workspace_id: String,
    /// The workspace's name, when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub workspace_name: Option<String>,
    /// The Tray region (`us1`, `eu1`, `apac1`), or `sandbox`.
    pub region: String,
    /// `tray_api` for a real workspace, `sandbox` for the built-in demo workspace.
    pub backend: String,
    /// Per built-in tool: whether this token can use it (Tray documents different token kinds
    /// for different endpoints), and what fixes a refusal.
    pub tools: Vec<ToolAccess>,
    /// The workspace's Agent Gateway tools (Workflow and Connector Tools): whether they are
    /// listed, and why not (absent for the sandbox).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gateway: Option<GatewayStatus>,
}

/// Whether the Agent Gateway's tools are served, as `get_authenticated_user` reports it.
#[derive(Debug, Clone, Serialize, JsonSchema)]
pub struct GatewayStatus {
    /// `connected`, `connecting`, `unreachable` (retried in the background), `unavailable`, or `off` (this entry does not pass the
    /// gateway through).
    pub state: String,
    /// How many gateway tools are listed.
    pub tools: usize,
    /// Why the gateway's tools are missing, when they are.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub problem: Option<String>,
    /// What fixes it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub fix: Option<String>,
}

impl GatewayStatus {
    /// The pass-through is not on for this entry.
    pub fn off() -> Self {
        GatewayStatus {
            state: "off".to_string(),
            tools: 0,
            problem: Some("this server does not pass the workspace's Agent Gateway tools through".to_string()),
            fix: Some(
                "reinstall the entry with --gateway (tray-mcp install -n NAME -w WORKSPACE --gateway), or serve with --gateway"
                    .to_string(),
            ),
        }
    }

    /// The sentence the text answer carries.
    pub fn sentence(&self) -> String {
        match (&self.problem, &self.fix) {
            (None, _) => format!(
                "Agent Gateway: {}, {} Workflow and Connector Tools listed beside the built-in ones.",
                self.state, self.tools
            ),
            (Some(problem), Some(fix)) => format!(
                "Agent Gateway tools are not listed ({}): {problem}. The built-in tools work without them.\nhint: {fix}",
                self.state
            ),
            (Some(problem), None) => format!("Agent Gateway tools are not listed ({}): {problem}.", self.state),
        }
    }
}

/// Output of `list_workflows`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct WorkflowListOutput {
    /// The workflows on this page.
    pub workflows: Vec<WorkflowSummary>,
    /// How many workflows match the filters, over all pages.
    pub total_matching: usize,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub next_cursor: Option<String>,
}

/// Output of `list_workflow_executions`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExecutionListOutput {
    /// The workflow's ID.
    pub workflow_id: String,
    /// The workflow's name.
    pub workflow_name: String,
    /// Runs, newest first.
    pub executions: Vec<Execution>,
}

/// Output of `list_integration_solutions`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct SolutionListOutput {
    /// The solutions on this page.
    pub solutions: Vec<Solution>,
    /// How many solutions match the filters, over all pages.
    pub total_matching: usize,
    /// Pass as `cursor` to get the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub next_cursor: Option<String>,
}

/// Output of `list_available_connectors`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ConnectorListOutput {
    /// Matching connectors, by title.
    pub connectors: Vec<Connector>,
    /// How many connectors match, including any beyond `limit`.
    pub total_matching: usize,
}
