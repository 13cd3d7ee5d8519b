//! The workflow tools: list them, read one, list its runs, explain a failed run.

use std::fmt::Write as _;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::render::{clamp_limit, enabled_text, execution_line, paginate, tags_text};
use super::schemas::{portable_input_schema, portable_output_schema};
use super::{
    ExecutionListOutput, ExplainFailureInput, ExplainFailureOutput, ListExecutionsInput, ListWorkflowsInput,
    RUN_WINDOW, ToolFailure, ToolOutcome, TrayTools, WorkflowInput, WorkflowListOutput, respond,
};
use crate::remote::model::{Execution, ExecutionStatus, WorkflowDetails, WorkflowSummary};
use crate::server::diagnosis::{explain_failure, failed_run_index, no_failure};

#[tool_router(router = workflow_tools, vis = "pub(super)")]
impl TrayTools {
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
                let _ = writeln!(text, "Trigger: {}", trigger.describe());
            }
            None => text.push_str("Trigger: none found\n"),
        }
        let _ = writeln!(text, "Steps ({}):", details.steps.len());
        for (index, step) in details.steps.iter().enumerate() {
            let _ = writeln!(text, "{}. {}", index + 1, step.describe());
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
        let failed_index = failed_run_index(&runs, execution.as_deref())
            .map_err(|error| ToolFailure(error.message(&workflow, runs.len())))?;
        let Some(failed_index) = failed_index else {
            return Ok(no_failure(&workflow, &runs));
        };
        let definition = self.backend.workflow_details(workflow.id.clone()).await;
        let definition = definition.as_ref().map_err(ToString::to_string);
        Ok(explain_failure(&workflow, &runs, failed_index, definition))
    }
}
