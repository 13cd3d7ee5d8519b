//! Tray's workflow export format (`tray_export_version` 4), as `exportWorkflows` returns it:
//! a JSON string holding `{"workflows": [{ id, title, steps_structure, steps, ... }]}`.
//!
//! Why its own module: the format is Tray's, not the API's (the same document comes from the
//! builder's "Export" menu), and turning it into a [`WorkflowDetails`] (steps in run order,
//! branches and loops flattened depth-first, the trigger first) is pure and tested on its own.

use serde::Deserialize;
use serde_json::Value;

use super::model::{StepSummary, WorkflowDetails};

/// The workflow `workflow_id` of an export document, or `None` when the export lacks it.
pub fn workflow_in_export(export_json: &str, workflow_id: &str) -> Result<Option<WorkflowDetails>, serde_json::Error> {
    let export: ExportFile = serde_json::from_str(export_json)?;
    Ok(export
        .workflows
        .into_iter()
        .find(|workflow| workflow.id == workflow_id)
        .map(workflow_from_export))
}

/// Tray's workflow export format (the parts used here).
#[derive(Deserialize)]
struct ExportFile {
    workflows: Vec<ExportedWorkflow>,
}

#[derive(Deserialize)]
struct ExportedWorkflow {
    id: String,
    title: String,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    created: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    steps_structure: Vec<StructureNode>,
    #[serde(default)]
    steps: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct StructureNode {
    name: String,
    /// Branches and loop bodies: branch name to the steps inside it.
    #[serde(default)]
    content: serde_json::Map<String, Value>,
}

#[derive(Deserialize)]
struct ExportedStep {
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    connector: Option<ExportedConnector>,
    #[serde(default)]
    operation: Option<String>,
}

#[derive(Deserialize)]
struct ExportedConnector {
    name: String,
    #[serde(default)]
    version: Option<String>,
}

/// Step names in run order: depth-first through branches and loops.
fn flatten_structure(nodes: &[StructureNode], into: &mut Vec<String>) {
    for node in nodes {
        into.push(node.name.clone());
        for branch in node.content.values() {
            if let Ok(children) = Vec::<StructureNode>::deserialize(branch) {
                flatten_structure(&children, into);
            }
        }
    }
}

fn workflow_from_export(exported: ExportedWorkflow) -> WorkflowDetails {
    let mut order = Vec::new();
    flatten_structure(&exported.steps_structure, &mut order);
    // Steps missing from the structure still belong to the workflow: list them last.
    for name in exported.steps.keys() {
        if !order.contains(name) {
            order.push(name.clone());
        }
    }
    let mut steps: Vec<StepSummary> = order
        .iter()
        .map(|name| {
            let step = exported
                .steps
                .get(name)
                .and_then(|value| ExportedStep::deserialize(value).ok());
            let (title, connector, operation) = match step {
                Some(step) => (step.title, step.connector, step.operation),
                None => (None, None, None),
            };
            StepSummary {
                name: name.clone(),
                title: title.unwrap_or_else(|| name.clone()),
                connector: connector
                    .as_ref()
                    .map(|connector| connector.name.clone())
                    .unwrap_or_else(|| "unknown".to_string()),
                connector_version: connector.and_then(|connector| connector.version),
                operation,
            }
        })
        .collect();
    let trigger_index = steps
        .iter()
        .position(|step| step.name == "trigger")
        .or(if steps.is_empty() { None } else { Some(0) });
    let trigger = trigger_index.map(|index| steps.remove(index));
    WorkflowDetails {
        id: exported.id,
        name: exported.title,
        enabled: exported.enabled,
        tags: exported.tags,
        created: exported.created,
        description: exported.description.filter(|text| !text.trim().is_empty()),
        trigger,
        steps,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn export_structure_is_flattened_in_run_order_with_trigger_first() {
        let export: ExportFile = serde_json::from_value(json!({
            "workflows": [{
                "id": "w1", "title": "T", "enabled": true, "tags": [],
                "steps_structure": [
                    {"name": "trigger", "type": "normal", "content": {}},
                    {"name": "boolean-1", "type": "branch", "content": {
                        "true": [{"name": "slack-1", "type": "normal", "content": {}}],
                        "false": [{"name": "slack-2", "type": "normal", "content": {}}]
                    }},
                    {"name": "stripe-1", "type": "normal", "content": {}}
                ],
                "steps": {
                    "trigger": {"title": "Webhook", "connector": {"name": "webhook", "version": "2.3"}, "operation": "fire_and_forget"},
                    "boolean-1": {"title": "Check", "connector": {"name": "boolean-condition"}},
                    "slack-1": {"title": "Yes", "connector": {"name": "slack"}},
                    "slack-2": {"title": "No", "connector": {"name": "slack"}},
                    "stripe-1": {"title": "Charge", "connector": {"name": "stripe"}}
                }
            }]
        }))
        .expect("export parses");
        let details = workflow_from_export(export.workflows.into_iter().next().expect("one"));
        assert_eq!(details.trigger.map(|step| step.connector), Some("webhook".into()));
        let names: Vec<&str> = details.steps.iter().map(|step| step.name.as_str()).collect();
        assert_eq!(names, ["boolean-1", "slack-1", "slack-2", "stripe-1"]);
    }

    #[test]
    fn a_workflow_missing_from_the_export_is_none_and_bad_json_an_error() {
        let export = json!({"workflows": [{"id": "w1", "title": "T"}]}).to_string();
        assert_eq!(
            workflow_in_export(&export, "w1")
                .ok()
                .flatten()
                .map(|details| details.name),
            Some("T".to_string())
        );
        assert!(matches!(workflow_in_export(&export, "w2"), Ok(None)));
        assert!(workflow_in_export("{", "w1").is_err());
    }
}
