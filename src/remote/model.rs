//! The workspace as the tools see it: users, workflows, runs, solutions, connectors.
//!
//! Why a model of our own: the two backends speak different dialects (Tray's GraphQL and REST
//! shapes, and the sandbox's compiled-in JSON). Both are translated into these types, so the
//! tools, their text rendering and their `outputSchema` are written once. Every type here is
//! also part of a tool's structured output, so field docs become schema descriptions an agent
//! reads.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The person a token belongs to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct User {
    /// Tray's identifier for the user (their username).
    pub id: String,
    /// Display name.
    pub name: String,
    /// Email address.
    pub email: String,
}

/// One workflow, as listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkflowSummary {
    /// Workflow ID; pass it to the other workflow tools.
    pub id: String,
    /// Workflow name as shown in Tray.
    pub name: String,
    /// Whether the workflow is enabled (runs when triggered).
    pub enabled: bool,
    /// Tags set on the workflow.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// One step of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StepSummary {
    /// The step's internal name, as run logs refer to it (for example `salesforce-1`).
    pub name: String,
    /// The step's title in the builder.
    pub title: String,
    /// Connector the step uses (for example `salesforce`).
    pub connector: String,
    /// Connector version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub connector_version: Option<String>,
    /// Connector operation the step performs (for example `find_records`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub operation: Option<String>,
}

impl StepSummary {
    /// `"Title" — connector 1.2, operation [name]`, as the tools show a step.
    pub fn describe(&self) -> String {
        let mut text = format!("\"{}\" — {}", self.title, self.connector);
        if let Some(version) = &self.connector_version {
            text.push(' ');
            text.push_str(version);
        }
        if let Some(operation) = &self.operation {
            text.push_str(", ");
            text.push_str(operation);
        }
        text.push_str(&format!(" [{}]", self.name));
        text
    }
}

/// Everything known about one workflow's definition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct WorkflowDetails {
    /// Workflow ID.
    pub id: String,
    /// Workflow name.
    pub name: String,
    /// Whether the workflow is enabled.
    pub enabled: bool,
    /// Tags set on the workflow.
    #[serde(default)]
    pub tags: Vec<String>,
    /// When the workflow was created (RFC 3339), when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub created: Option<String>,
    /// The workflow's description, when it has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub description: Option<String>,
    /// The trigger: the first step, which starts every run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "StepSummary")]
    pub trigger: Option<StepSummary>,
    /// The steps after the trigger, in the order they run (branches flattened depth-first).
    #[serde(default)]
    pub steps: Vec<StepSummary>,
}

/// How a run ended, or that it is still going.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExecutionStatus {
    /// Finished without error.
    Successful,
    /// Stopped at a step that raised an error.
    Failed,
    /// Still running.
    Running,
    /// Stopped by a person or by Tray before it finished.
    Aborted,
}

impl ExecutionStatus {
    /// Tray's own spelling (`currentState`): `Successful`, `Failed`, `Running`, `Aborted`.
    pub fn from_tray_state(state: &str) -> Option<Self> {
        match state.to_ascii_lowercase().as_str() {
            "successful" | "success" | "succeeded" => Some(ExecutionStatus::Successful),
            "failed" | "failure" | "error" => Some(ExecutionStatus::Failed),
            "running" | "pending" => Some(ExecutionStatus::Running),
            "aborted" | "cancelled" | "canceled" => Some(ExecutionStatus::Aborted),
            _ => None,
        }
    }

    /// The lowercase word used in text and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            ExecutionStatus::Successful => "successful",
            ExecutionStatus::Failed => "failed",
            ExecutionStatus::Running => "running",
            ExecutionStatus::Aborted => "aborted",
        }
    }
}

/// One run of a workflow.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Execution {
    /// Run (execution) ID.
    pub id: String,
    /// How the run ended.
    pub status: ExecutionStatus,
    /// When the run started (RFC 3339).
    pub started_at: String,
    /// How long the run took, in seconds, when Tray reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "f64")]
    pub duration_seconds: Option<f64>,
    /// The error message of a failed run.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub error_message: Option<String>,
    /// The step a failed run stopped at (its internal name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub failed_step: Option<String>,
}

/// A solution: a packaged integration that end users configure and run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Solution {
    /// Solution ID.
    pub id: String,
    /// Solution title.
    pub title: String,
    /// What the solution does.
    #[serde(default)]
    pub description: String,
    /// Tags set on the solution.
    #[serde(default)]
    pub tags: Vec<String>,
}

/// A connector: a service that workflow steps can talk to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct Connector {
    /// The connector's name, as steps refer to it (for example `salesforce`).
    pub name: String,
    /// Human title (for example `Salesforce`).
    pub title: String,
    /// Latest connector version.
    pub version: String,
    /// What the connector connects to.
    #[serde(default)]
    pub description: String,
}
