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

use std::fmt::Write as _;
use std::sync::Arc;

use rmcp::handler::server::common::{schema_for_empty_input, schema_for_input};
use rmcp::handler::server::router::tool::ToolRouter;
use rmcp::handler::server::tool::schema_for_output;
use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::{CallToolResult, ContentBlock, Implementation, JsonObject, ServerCapabilities, ServerConfig};
use rmcp::{ServerHandler, tool, tool_handler, tool_router};
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::access::{AccessState, ToolAccess};
use super::backend::{Backend, BackendError};
use super::diagnosis::FailureCategory;
use super::model::{
    Connector, Execution, ExecutionStatus, Solution, StepSummary, User, WorkflowDetails, WorkflowSummary,
};
use crate::error::Advice as _;

/// How many runs are read when looking for failures or filtering by status.
const RUN_WINDOW: usize = 50;

/// The MCP server handler: the tools over one [`Backend`].
#[derive(Clone)]
pub struct TrayTools {
    backend: Arc<dyn Backend>,
    tool_router: ToolRouter<Self>,
    /// Advertise `tools.listChanged` (the gateway pass-through may change the list).
    list_changed: bool,
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

// ---------------------------------------------------------------------------------------------
// Inputs

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

/// A failed run, explained.
#[derive(Debug, Serialize, JsonSchema)]
pub struct FailureExplanation {
    /// The failed run.
    pub execution: Execution,
    /// The step the run stopped at, when the workflow's definition names it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "StepSummary")]
    pub failed_step: Option<StepSummary>,
    /// The trigger and the steps placed before the failing step, in order. In a workflow with
    /// branches, not all of them ran on every run.
    pub steps_before: Vec<StepSummary>,
    /// The kind of problem the error message points to (a heuristic).
    pub category: FailureCategory,
    /// Suggested next steps, most useful first.
    pub next_steps: Vec<String>,
    /// How many runs in a row have failed, counting back from this one (itself included).
    pub consecutive_failures: usize,
}

/// Output of `explain_workflow_failure`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct ExplainFailureOutput {
    /// The workflow's ID.
    pub workflow_id: String,
    /// The workflow's name.
    pub workflow_name: String,
    /// How many recent runs were examined.
    pub runs_examined: usize,
    /// The explained failure; absent when no recent run failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "FailureExplanation")]
    pub failure: Option<FailureExplanation>,
    /// The most recent successful run before the failure (or overall, when none failed).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "Execution")]
    pub last_successful_run: Option<Execution>,
}

// ---------------------------------------------------------------------------------------------
// Schemas

/// Removes the `format` annotations schemars puts on Rust integer and float types (`uint32`,
/// `double`, ...). They are not JSON Schema formats: validators such as ajv (used by Claude
/// Code) log a warning for each one, and the range is already stated by `minimum`/`maximum`.
fn without_numeric_formats(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(object) => {
            let numeric = object
                .get("format")
                .and_then(serde_json::Value::as_str)
                .is_some_and(|format| {
                    matches!(
                        format,
                        "int8"
                            | "int16"
                            | "int32"
                            | "int64"
                            | "uint"
                            | "uint8"
                            | "uint16"
                            | "uint32"
                            | "uint64"
                            | "float"
                            | "double"
                    )
                });
            if numeric {
                object.remove("format");
            }
            object.values_mut().for_each(without_numeric_formats);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(without_numeric_formats),
        _ => {}
    }
}

fn portable(schema: &JsonObject) -> Arc<JsonObject> {
    let mut value = serde_json::Value::Object(schema.clone());
    without_numeric_formats(&mut value);
    match value {
        serde_json::Value::Object(object) => Arc::new(object),
        _ => Arc::new(schema.clone()),
    }
}

/// A tool's `inputSchema`, without non-standard numeric formats.
fn portable_input_schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    match schema_for_input::<T>() {
        Ok(schema) => portable(&schema),
        Err(error) => {
            tracing::error!(%error, "invalid input schema; advertising an empty one");
            schema_for_empty_input()
        }
    }
}

/// A tool's `outputSchema`, without non-standard numeric formats.
fn portable_output_schema<T: JsonSchema + 'static>() -> Arc<JsonObject> {
    portable(&schema_for_output::<T>())
}

// ---------------------------------------------------------------------------------------------
// Helpers

fn clamp_limit(limit: Option<u32>, default: usize, max: usize) -> usize {
    limit.map_or(default, |limit| (limit as usize).clamp(1, max))
}

const CURSOR_PREFIX: &str = "offset:";

/// Cuts one page out of `items`. Cursors are opaque to the caller: `offset:N`.
fn paginate<T: Clone>(
    items: &[T],
    cursor: Option<&str>,
    limit: usize,
) -> Result<(Vec<T>, Option<String>), ToolFailure> {
    let start = match cursor.map(str::trim).filter(|cursor| !cursor.is_empty()) {
        None => 0,
        Some(cursor) => cursor
            .strip_prefix(CURSOR_PREFIX)
            .and_then(|offset| offset.parse::<usize>().ok())
            .ok_or_else(|| {
                ToolFailure(format!(
                    "the cursor {cursor:?} was not made by this server: pass the next_cursor \
                     of a previous call, or omit cursor to start from the first page"
                ))
            })?,
    };
    let page: Vec<T> = items.iter().skip(start).take(limit).cloned().collect();
    let end = start.saturating_add(page.len());
    let next = (end < items.len()).then(|| format!("{CURSOR_PREFIX}{end}"));
    Ok((page, next))
}

/// Which built-in tools this token can use, and what fixes the others.
fn access_text(tools: &[ToolAccess]) -> String {
    let named =
        |state: AccessState| -> Vec<&ToolAccess> { tools.iter().filter(|tool| tool.access.state == state).collect() };
    let allowed: Vec<&str> = named(AccessState::Allowed)
        .iter()
        .map(|tool| tool.tool.as_str())
        .collect();
    let mut text = if allowed.len() == tools.len() {
        "This token can use every built-in tool.".to_string()
    } else if allowed.is_empty() {
        "This token can use none of the built-in tools.".to_string()
    } else {
        format!("This token can use: {}.", allowed.join(", "))
    };
    for (state, label) in [(AccessState::Refused, "refused"), (AccessState::Unknown, "not checked")] {
        for tool in named(state) {
            let _ = write!(
                text,
                "\n- {} ({label}): {}",
                tool.tool,
                tool.access.detail.as_deref().unwrap_or("no detail")
            );
        }
    }
    text
}

fn tags_text(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(" [tags: {}]", tags.join(", "))
    }
}

fn enabled_text(enabled: bool) -> &'static str {
    if enabled { "enabled" } else { "disabled" }
}

fn step_text(step: &StepSummary) -> String {
    let mut text = format!("\"{}\" — {}", step.title, step.connector);
    if let Some(version) = &step.connector_version {
        let _ = write!(text, " {version}");
    }
    if let Some(operation) = &step.operation {
        let _ = write!(text, ", {operation}");
    }
    let _ = write!(text, " [{}]", step.name);
    text
}

fn execution_line(run: &Execution) -> String {
    let mut line = format!("- {}  {}  started {}", run.id, run.status.as_str(), run.started_at);
    if let Some(seconds) = run.duration_seconds {
        let _ = write!(line, ", took {seconds:.1} s");
    }
    if let Some(step) = &run.failed_step {
        let _ = write!(line, ", failed at step {step}");
    }
    if let Some(message) = &run.error_message {
        let _ = write!(line, ": {message}");
    }
    line
}

// ---------------------------------------------------------------------------------------------
// The tools

#[tool_router(router = tool_router)]
impl TrayTools {
    /// Serves the tools over `backend`.
    pub fn new(backend: Arc<dyn Backend>) -> Self {
        TrayTools {
            backend,
            tool_router: Self::tool_router(),
            list_changed: false,
        }
    }

    /// Advertises `tools.listChanged` in `initialize`: the tool list may change while the server
    /// runs (the Agent Gateway pass-through sends `notifications/tools/list_changed`).
    pub fn with_list_changed(mut self) -> Self {
        self.list_changed = true;
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

    /// Who the API token belongs to (ID, name, email), and which Tray workspace and region this
    /// server is connected to. Call it first to confirm the connection works and which account
    /// the other tools will read; it is also the quickest check that a token is still valid.
    #[tool(
        name = "get_authenticated_user",
        output_schema = portable_output_schema::<AuthenticatedUserOutput>(),
        annotations(
            title = "Who am I connected as?",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_authenticated_user(&self) -> CallToolResult {
        respond(self.authenticated_user().await)
    }

    async fn authenticated_user(&self) -> ToolOutcome<AuthenticatedUserOutput> {
        let user = match self.backend.current_user().await {
            Ok(user) => user,
            Err(error @ BackendError::Forbidden { .. }) => {
                let tools = self.backend.tool_access().await?;
                return Err(ToolFailure(format!(
                    "{}\n{}",
                    error.with_hint_line(),
                    access_text(&tools)
                )));
            }
            Err(error) => return Err(error.into()),
        };
        let tools = self.backend.tool_access().await?;
        let description = self.backend.describe();
        let mut text = format!("Connected as {} <{}> (user ID {}).\n", user.name, user.email, user.id);
        if description.kind == "sandbox" {
            let _ = write!(
                text,
                "This is the built-in sandbox workspace \"{}\" ({}): realistic demo data, no \
                 Tray account and no network involved. Run `tray-mcp install` to connect a real \
                 workspace.",
                description.workspace_name.as_deref().unwrap_or("demo"),
                description.workspace_id
            );
        } else {
            let _ = write!(
                text,
                "Workspace {} in Tray region {}, read through Tray's API.\n{}",
                description.workspace_id,
                description.region,
                access_text(&tools)
            );
        }
        let output = AuthenticatedUserOutput {
            user,
            workspace_id: description.workspace_id,
            workspace_name: description.workspace_name,
            region: description.region,
            backend: description.kind.to_string(),
            tools,
        };
        Ok((text, output))
    }

    /// Lists the workflows in the workspace: ID, name, whether it is enabled, and tags. Use it to
    /// find a workflow's ID, to inventory what exists, or to see what is switched off. Filter by
    /// part of the name or by enabled state; results come in pages (pass `next_cursor` back as
    /// `cursor`). Drafts and disabled workflows are included unless `enabled` is set.
    #[tool(
        name = "list_workflows",
        input_schema = portable_input_schema::<ListWorkflowsInput>(),
        output_schema = portable_output_schema::<WorkflowListOutput>(),
        annotations(
            title = "List workflows",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_workflows(&self, input: Parameters<ListWorkflowsInput>) -> CallToolResult {
        respond(self.workflow_list(input.0).await)
    }

    async fn workflow_list(&self, input: ListWorkflowsInput) -> ToolOutcome<WorkflowListOutput> {
        let ListWorkflowsInput {
            limit,
            cursor,
            name_contains,
            enabled,
        } = input;
        let limit = clamp_limit(limit, 25, 100);
        let needle = name_contains
            .as_deref()
            .map(str::trim)
            .filter(|needle| !needle.is_empty())
            .map(str::to_lowercase);
        let matching: Vec<WorkflowSummary> = self
            .backend
            .workflows()
            .await?
            .into_iter()
            .filter(|workflow| enabled.is_none_or(|enabled| workflow.enabled == enabled))
            .filter(|workflow| {
                needle
                    .as_deref()
                    .is_none_or(|needle| workflow.name.to_lowercase().contains(needle))
            })
            .collect();
        let (page, next_cursor) = paginate(&matching, cursor.as_deref(), limit)?;
        let mut text = if matching.is_empty() {
            "No workflows match.".to_string()
        } else {
            format!(
                "{} workflow{} match; showing {}:\n",
                matching.len(),
                if matching.len() == 1 { "" } else { "s" },
                page.len()
            )
        };
        for workflow in &page {
            let _ = writeln!(
                text,
                "- {} — ID {} ({}){}",
                workflow.name,
                workflow.id,
                enabled_text(workflow.enabled),
                tags_text(&workflow.tags)
            );
        }
        if let Some(next) = &next_cursor {
            let _ = write!(text, "More workflows: call again with cursor \"{next}\".");
        }
        Ok((
            text.trim_end().to_string(),
            WorkflowListOutput {
                workflows: page,
                total_matching: matching.len(),
                next_cursor,
            },
        ))
    }

    /// Describes one workflow: metadata (enabled, tags, created), its trigger, and a summary of
    /// every step (step name, connector, operation) in run order. Use it to understand what a
    /// workflow does before changing or debugging it. Name the workflow by ID or exact name.
    #[tool(
        name = "get_workflow_details",
        input_schema = portable_input_schema::<WorkflowInput>(),
        output_schema = portable_output_schema::<WorkflowDetails>(),
        annotations(
            title = "Describe a workflow",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn get_workflow_details(&self, input: Parameters<WorkflowInput>) -> CallToolResult {
        respond(self.workflow_details(input.0).await)
    }

    async fn workflow_details(&self, input: WorkflowInput) -> ToolOutcome<WorkflowDetails> {
        let workflow = self.resolve_workflow(&input.workflow).await?;
        let details = self.backend.workflow_details(workflow.id).await?;
        let mut text = format!(
            "{} — ID {} ({}){}\n",
            details.name,
            details.id,
            enabled_text(details.enabled),
            tags_text(&details.tags)
        );
        if let Some(created) = &details.created {
            let _ = writeln!(text, "Created {created}.");
        }
        if let Some(description) = &details.description {
            let _ = writeln!(text, "{description}");
        }
        match &details.trigger {
            Some(trigger) => {
                let _ = writeln!(text, "Trigger: {}", step_text(trigger));
            }
            None => text.push_str("Trigger: none found\n"),
        }
        let _ = writeln!(text, "Steps ({}):", details.steps.len());
        for (index, step) in details.steps.iter().enumerate() {
            let _ = writeln!(text, "{}. {}", index + 1, step_text(step));
        }
        Ok((text.trim_end().to_string(), details))
    }

    /// Lists recent runs (executions) of one workflow, newest first: run ID, status
    /// (successful, failed, running, aborted), start time, duration where known, and for failed
    /// runs the error message and the step it failed at. Use it to check whether a workflow is
    /// healthy or when it last worked; filter by `status` to find failures. For a diagnosis of
    /// a failure, call explain_workflow_failure.
    #[tool(
        name = "list_workflow_executions",
        input_schema = portable_input_schema::<ListExecutionsInput>(),
        output_schema = portable_output_schema::<ExecutionListOutput>(),
        annotations(
            title = "Recent runs of a workflow",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_workflow_executions(&self, input: Parameters<ListExecutionsInput>) -> CallToolResult {
        respond(self.execution_list(input.0).await)
    }

    async fn execution_list(&self, input: ListExecutionsInput) -> ToolOutcome<ExecutionListOutput> {
        let ListExecutionsInput {
            workflow,
            limit,
            status,
        } = input;
        let limit = clamp_limit(limit, 10, RUN_WINDOW);
        let workflow = self.resolve_workflow(&workflow).await?;
        let fetch = if status.is_some() { RUN_WINDOW } else { limit };
        let executions: Vec<Execution> = self
            .backend
            .workflow_executions(workflow.id.clone(), fetch)
            .await?
            .into_iter()
            .filter(|run| status.is_none_or(|status| run.status == status))
            .take(limit)
            .collect();
        let mut text = match (executions.is_empty(), status) {
            (true, Some(status)) => format!(
                "No {} runs among the last {RUN_WINDOW} runs of \"{}\" ({}).",
                status.as_str(),
                workflow.name,
                workflow.id
            ),
            (true, None) => format!("\"{}\" ({}) has no recorded runs.", workflow.name, workflow.id),
            (false, _) => format!(
                "Last {} {}run{} of \"{}\" ({}), newest first:\n",
                executions.len(),
                status.map(|status| format!("{} ", status.as_str())).unwrap_or_default(),
                if executions.len() == 1 { "" } else { "s" },
                workflow.name,
                workflow.id
            ),
        };
        for run in &executions {
            let _ = writeln!(text, "{}", execution_line(run));
        }
        let failed = executions
            .iter()
            .filter(|run| run.status == ExecutionStatus::Failed)
            .count();
        if failed > 0 {
            let _ = write!(
                text,
                "{failed} of these failed; explain_workflow_failure diagnoses a failed run."
            );
        }
        Ok((
            text.trim_end().to_string(),
            ExecutionListOutput {
                workflow_id: workflow.id,
                workflow_name: workflow.name,
                executions,
            },
        ))
    }

    /// Lists the solutions (packaged integrations that end users configure and run, also
    /// called templates) in the workspace: ID, title, description, tags. Use it to see what has
    /// already been built before building something new. Filter by tag; results come in pages.
    #[tool(
        name = "list_integration_solutions",
        input_schema = portable_input_schema::<ListSolutionsInput>(),
        output_schema = portable_output_schema::<SolutionListOutput>(),
        annotations(
            title = "List solutions",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_integration_solutions(&self, input: Parameters<ListSolutionsInput>) -> CallToolResult {
        respond(self.solution_list(input.0).await)
    }

    async fn solution_list(&self, input: ListSolutionsInput) -> ToolOutcome<SolutionListOutput> {
        let ListSolutionsInput { limit, cursor, tag } = input;
        let limit = clamp_limit(limit, 25, 100);
        let tag = tag
            .as_deref()
            .map(str::trim)
            .filter(|tag| !tag.is_empty())
            .map(str::to_lowercase);
        let matching: Vec<Solution> = self
            .backend
            .solutions()
            .await?
            .into_iter()
            .filter(|solution| {
                tag.as_deref()
                    .is_none_or(|tag| solution.tags.iter().any(|candidate| candidate.to_lowercase() == tag))
            })
            .collect();
        let (page, next_cursor) = paginate(&matching, cursor.as_deref(), limit)?;
        let mut text = if matching.is_empty() {
            "No solutions match.".to_string()
        } else {
            format!(
                "{} solution{} match; showing {}:\n",
                matching.len(),
                if matching.len() == 1 { "" } else { "s" },
                page.len()
            )
        };
        for solution in &page {
            let _ = writeln!(
                text,
                "- {} — ID {}{}\n  {}",
                solution.title,
                solution.id,
                tags_text(&solution.tags),
                solution.description
            );
        }
        if let Some(next) = &next_cursor {
            let _ = write!(text, "More solutions: call again with cursor \"{next}\".");
        }
        Ok((
            text.trim_end().to_string(),
            SolutionListOutput {
                solutions: page,
                total_matching: matching.len(),
                next_cursor,
            },
        ))
    }

    /// Lists the connectors (services such as Salesforce, Slack, Stripe, or helpers such as
    /// Script and Loop) that workflow steps can use: name, title, latest version, description.
    /// Use `search` to check whether a service is supported before designing an integration.
    #[tool(
        name = "list_available_connectors",
        input_schema = portable_input_schema::<ListConnectorsInput>(),
        output_schema = portable_output_schema::<ConnectorListOutput>(),
        annotations(
            title = "List connectors",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn list_available_connectors(&self, input: Parameters<ListConnectorsInput>) -> CallToolResult {
        respond(self.connector_list(input.0).await)
    }

    async fn connector_list(&self, input: ListConnectorsInput) -> ToolOutcome<ConnectorListOutput> {
        let ListConnectorsInput { search, limit } = input;
        let limit = clamp_limit(limit, 100, 1000);
        let needle = search
            .as_deref()
            .map(str::trim)
            .filter(|needle| !needle.is_empty())
            .map(str::to_lowercase);
        let mut matching: Vec<Connector> = self
            .backend
            .connectors()
            .await?
            .into_iter()
            .filter(|connector| {
                needle.as_deref().is_none_or(|needle| {
                    connector.name.to_lowercase().contains(needle)
                        || connector.title.to_lowercase().contains(needle)
                        || connector.description.to_lowercase().contains(needle)
                })
            })
            .collect();
        matching.sort_by(|left, right| {
            left.title
                .to_lowercase()
                .cmp(&right.title.to_lowercase())
                .then_with(|| left.name.cmp(&right.name))
        });
        let total_matching = matching.len();
        matching.truncate(limit);
        let mut text = match (&needle, total_matching) {
            (Some(needle), 0) => format!(
                "No connector matches \"{needle}\". The HTTP Client connector can call any REST \
                 API."
            ),
            (None, 0) => "No connectors are available.".to_string(),
            (_, total) => format!(
                "{total} connector{} match; showing {}:\n",
                if total == 1 { "" } else { "s" },
                matching.len()
            ),
        };
        for connector in &matching {
            let _ = writeln!(
                text,
                "- {} ({}) v{} — {}",
                connector.title, connector.name, connector.version, connector.description
            );
        }
        Ok((
            text.trim_end().to_string(),
            ConnectorListOutput {
                connectors: matching,
                total_matching,
            },
        ))
    }

    /// Explains why a workflow run failed: the failing step (title, connector, operation), its
    /// error message, the steps placed before it, how many runs in a row have failed, the last
    /// successful run, and a short heuristic diagnosis (authentication, rate limit, missing
    /// field, timeout, not found, service error) with next steps. Explains the most recent
    /// failed run unless `execution` names a run ID. Use it when a workflow is broken or a
    /// run shows as failed.
    #[tool(
        name = "explain_workflow_failure",
        input_schema = portable_input_schema::<ExplainFailureInput>(),
        output_schema = portable_output_schema::<ExplainFailureOutput>(),
        annotations(
            title = "Explain a failed run",
            read_only_hint = true,
            destructive_hint = false,
            idempotent_hint = true,
            open_world_hint = true
        )
    )]
    async fn explain_workflow_failure(&self, input: Parameters<ExplainFailureInput>) -> CallToolResult {
        respond(self.failure_explanation(input.0).await)
    }

    async fn failure_explanation(&self, input: ExplainFailureInput) -> ToolOutcome<ExplainFailureOutput> {
        let ExplainFailureInput { workflow, execution } = input;
        let workflow = self.resolve_workflow(&workflow).await?;
        let runs = self
            .backend
            .workflow_executions(workflow.id.clone(), RUN_WINDOW)
            .await?;
        let wanted = execution.as_deref().map(str::trim).filter(|id| !id.is_empty());
        let failed_index = match wanted {
            Some(id) => {
                let index = runs.iter().position(|run| run.id == id).ok_or_else(|| {
                    ToolFailure(format!(
                        "no run {id:?} among the last {} runs of \"{}\" ({}); \
                         list_workflow_executions shows their IDs",
                        runs.len(),
                        workflow.name,
                        workflow.id
                    ))
                })?;
                let run = &runs[index];
                if run.status != ExecutionStatus::Failed {
                    return Err(ToolFailure(format!(
                        "run {id} of \"{}\" did not fail (its status is {}); there is nothing \
                         to explain",
                        workflow.name,
                        run.status.as_str()
                    )));
                }
                Some(index)
            }
            None => runs.iter().position(|run| run.status == ExecutionStatus::Failed),
        };
        let Some(failed_index) = failed_index else {
            let last_successful_run = runs
                .iter()
                .find(|run| run.status == ExecutionStatus::Successful)
                .cloned();
            let mut text = format!(
                "No failed run among the last {} runs of \"{}\" ({}).",
                runs.len(),
                workflow.name,
                workflow.id
            );
            if let Some(run) = &last_successful_run {
                let _ = write!(text, " Last successful run: {} at {}.", run.id, run.started_at);
            }
            return Ok((
                text,
                ExplainFailureOutput {
                    workflow_id: workflow.id,
                    workflow_name: workflow.name,
                    runs_examined: runs.len(),
                    failure: None,
                    last_successful_run,
                },
            ));
        };
        let failed_run = runs[failed_index].clone();
        // Runs are newest first, so the streak counts back in time from this run.
        let consecutive_failures = runs[failed_index..]
            .iter()
            .take_while(|run| run.status == ExecutionStatus::Failed)
            .count();
        let last_successful_run = runs[failed_index..]
            .iter()
            .find(|run| run.status == ExecutionStatus::Successful)
            .cloned();

        // The definition names the failing step; without it the explanation is thinner but
        // still useful, so a failure to read it is reported, not fatal.
        let (failed_step, steps_before, definition_note) =
            match self.backend.workflow_details(workflow.id.clone()).await {
                Ok(details) => {
                    let ordered: Vec<StepSummary> =
                        details.trigger.iter().chain(details.steps.iter()).cloned().collect();
                    let position = failed_run
                        .failed_step
                        .as_ref()
                        .and_then(|name| ordered.iter().position(|step| &step.name == name));
                    match position {
                        Some(position) => (Some(ordered[position].clone()), ordered[..position].to_vec(), None),
                        None => (None, Vec::new(), None),
                    }
                }
                Err(error) => (
                    None,
                    Vec::new(),
                    Some(format!(
                        "(The workflow's definition could not be read: {})",
                        error.with_hint_line()
                    )),
                ),
            };
        let message = failed_run.error_message.clone().unwrap_or_default();
        let category = FailureCategory::classify(&message);
        let step_title = failed_step
            .as_ref()
            .map(|step| step.title.clone())
            .or_else(|| failed_run.failed_step.clone())
            .unwrap_or_else(|| "the failing step".to_string());
        let connector = failed_step
            .as_ref()
            .map(|step| step.connector.clone())
            .unwrap_or_else(|| "the connected service".to_string());
        let next_steps = category.next_steps(&step_title, &connector);

        let mut text = format!(
            "Run {} of \"{}\" ({}) failed, started {}.\n",
            failed_run.id, workflow.name, workflow.id, failed_run.started_at
        );
        match (&failed_step, &failed_run.failed_step) {
            (Some(step), _) => {
                let _ = writeln!(text, "Failing step: {}", step_text(step));
            }
            (None, Some(name)) => {
                let _ = writeln!(text, "Failing step: {name}");
            }
            (None, None) => text.push_str("Failing step: not recorded by Tray\n"),
        }
        let _ = writeln!(
            text,
            "Error: {}",
            if message.is_empty() {
                "(no error message recorded)"
            } else {
                &message
            }
        );
        if !steps_before.is_empty() {
            let names: Vec<String> = steps_before
                .iter()
                .map(|step| format!("\"{}\" ({})", step.title, step.connector))
                .collect();
            let _ = writeln!(text, "Steps before it: {}.", names.join(" → "));
        }
        if consecutive_failures > 1 {
            let _ = writeln!(text, "{consecutive_failures} runs in a row have failed.");
        }
        match &last_successful_run {
            Some(run) => {
                let _ = writeln!(text, "Last successful run before it: {} at {}.", run.id, run.started_at);
            }
            None => {
                let _ = writeln!(text, "No successful run among the {} runs examined.", runs.len());
            }
        }
        let _ = writeln!(
            text,
            "Likely cause (heuristic, from the error message): {}.",
            category.summary()
        );
        text.push_str("Next steps:\n");
        for (index, step) in next_steps.iter().enumerate() {
            let _ = writeln!(text, "{}. {step}", index + 1);
        }
        if let Some(note) = definition_note {
            let _ = writeln!(text, "{note}");
        }
        Ok((
            text.trim_end().to_string(),
            ExplainFailureOutput {
                workflow_id: workflow.id,
                workflow_name: workflow.name,
                runs_examined: runs.len(),
                failure: Some(FailureExplanation {
                    execution: failed_run,
                    failed_step,
                    steps_before,
                    category,
                    next_steps,
                    consecutive_failures,
                }),
                last_successful_run,
            },
        ))
    }
}

#[tool_handler(router = self.tool_router)]
impl ServerHandler for TrayTools {
    fn get_info(&self) -> ServerConfig {
        let description = self.backend.describe();
        let instructions = if description.kind == "sandbox" {
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
        let capabilities = if self.list_changed {
            ServerCapabilities::builder()
                .enable_tools()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paginate_walks_pages_and_refuses_foreign_cursors() {
        let items: Vec<u32> = (0..5).collect();
        let (first, next) = paginate(&items, None, 2).expect("first page");
        assert_eq!(first, vec![0, 1]);
        assert_eq!(next.as_deref(), Some("offset:2"));
        let (last, next) = paginate(&items, Some("offset:4"), 2).expect("last page");
        assert_eq!(last, vec![4]);
        assert_eq!(next, None);
        assert!(paginate(&items, Some("page=2"), 2).is_err());
    }
}
