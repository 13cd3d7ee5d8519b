//! The sandbox: a demo workspace compiled into the binary.
//!
//! Why: it is what a new user tries first (`tray-mcp serve --sandbox`), with no Tray account, no
//! token and no network, and it is what the protocol tests run against. Its data lives in
//! `fixtures/sandbox/*.json`, included at compile time, and goes through the same [`Backend`]
//! trait and model as Tray's API, so what the user sees here is what they will see for real.

use std::collections::HashMap;

use crate::remote::backend::{Backend, BackendDescription, BackendError, BackendFuture, BackendKind};
use crate::remote::model::{Connector, Execution, Solution, User, WorkflowDetails, WorkflowSummary};

const WORKSPACE_JSON: &str = include_str!("../../fixtures/sandbox/workspace.json");
const WORKFLOWS_JSON: &str = include_str!("../../fixtures/sandbox/workflows.json");
const EXECUTIONS_JSON: &str = include_str!("../../fixtures/sandbox/executions.json");
const SOLUTIONS_JSON: &str = include_str!("../../fixtures/sandbox/solutions.json");
const CONNECTORS_JSON: &str = include_str!("../../fixtures/sandbox/connectors.json");

#[derive(serde::Deserialize)]
struct WorkspaceFile {
    workspace_id: String,
    workspace_name: String,
    user: User,
}

/// The embedded demo workspace "Acme Corp".
#[derive(Debug, Clone)]
pub struct Sandbox {
    workspace_id: String,
    workspace_name: String,
    user: User,
    workflows: Vec<WorkflowDetails>,
    executions: HashMap<String, Vec<Execution>>,
    solutions: Vec<Solution>,
    connectors: Vec<Connector>,
}

/// The embedded data did not parse: a build defect, caught by the unit test below.
#[derive(Debug, thiserror::Error)]
#[error("the embedded sandbox file {file} is invalid: {source}")]
pub struct SandboxDataError {
    file: &'static str,
    source: serde_json::Error,
}

fn parse<T: serde::de::DeserializeOwned>(file: &'static str, text: &str) -> Result<T, SandboxDataError> {
    serde_json::from_str(text).map_err(|source| SandboxDataError { file, source })
}

impl Sandbox {
    /// Loads the embedded workspace.
    pub fn load() -> Result<Self, SandboxDataError> {
        let workspace: WorkspaceFile = parse("workspace.json", WORKSPACE_JSON)?;
        Ok(Sandbox {
            workspace_id: workspace.workspace_id,
            workspace_name: workspace.workspace_name,
            user: workspace.user,
            workflows: parse("workflows.json", WORKFLOWS_JSON)?,
            executions: parse("executions.json", EXECUTIONS_JSON)?,
            solutions: parse("solutions.json", SOLUTIONS_JSON)?,
            connectors: parse("connectors.json", CONNECTORS_JSON)?,
        })
    }
}

fn ready<'a, T: Send + 'a>(value: Result<T, BackendError>) -> BackendFuture<'a, T> {
    Box::pin(std::future::ready(value))
}

impl Backend for Sandbox {
    fn describe(&self) -> BackendDescription {
        BackendDescription {
            kind: BackendKind::Sandbox,
            workspace_id: self.workspace_id.clone(),
            region: "sandbox".to_string(),
            workspace_name: Some(self.workspace_name.clone()),
        }
    }

    fn current_user(&self) -> BackendFuture<'_, User> {
        ready(Ok(self.user.clone()))
    }

    fn workflows(&self) -> BackendFuture<'_, Vec<WorkflowSummary>> {
        let summaries = self
            .workflows
            .iter()
            .map(|workflow| WorkflowSummary {
                id: workflow.id.clone(),
                name: workflow.name.clone(),
                enabled: workflow.enabled,
                tags: workflow.tags.clone(),
            })
            .collect();
        ready(Ok(summaries))
    }

    fn workflow_details(&self, workflow_id: String) -> BackendFuture<'_, WorkflowDetails> {
        let found = self
            .workflows
            .iter()
            .find(|workflow| workflow.id == workflow_id)
            .cloned()
            .ok_or_else(|| BackendError::NotFound(format!("no workflow with ID {workflow_id:?}")));
        ready(found)
    }

    fn workflow_executions(&self, workflow_id: String, limit: usize) -> BackendFuture<'_, Vec<Execution>> {
        let runs = self
            .executions
            .get(&workflow_id)
            .map(|runs| runs.iter().take(limit).cloned().collect())
            .unwrap_or_default();
        ready(Ok(runs))
    }

    fn solutions(&self) -> BackendFuture<'_, Vec<Solution>> {
        ready(Ok(self.solutions.clone()))
    }

    fn connectors(&self) -> BackendFuture<'_, Vec<Connector>> {
        ready(Ok(self.connectors.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_data_parses_and_is_consistent() {
        let sandbox = Sandbox::load().expect("sandbox data parses");
        assert_eq!(sandbox.workflows.len(), 6);
        for (workflow_id, runs) in &sandbox.executions {
            let workflow = sandbox
                .workflows
                .iter()
                .find(|workflow| &workflow.id == workflow_id)
                .unwrap_or_else(|| panic!("runs for unknown workflow {workflow_id}"));
            for run in runs {
                if let Some(step) = &run.failed_step {
                    assert!(
                        workflow.steps.iter().any(|known| &known.name == step),
                        "{} fails at unknown step {step}",
                        run.id
                    );
                }
            }
        }
        let connector_names: Vec<&str> = sandbox
            .connectors
            .iter()
            .map(|connector| connector.name.as_str())
            .collect();
        for workflow in &sandbox.workflows {
            for step in workflow.trigger.iter().chain(&workflow.steps) {
                assert!(
                    connector_names.contains(&step.connector.as_str()),
                    "{} uses unlisted connector {}",
                    workflow.id,
                    step.connector
                );
            }
        }
    }
}
