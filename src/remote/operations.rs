//! Every GraphQL operation the server sends to Tray, in each form Tray has documented.
//!
//! Why a module of its own: the operations are the contract with Tray, and the only GraphQL
//! schema Tray has published is the 2018 introspection in `trayio/embedded-edition-sample-app`
//! (kept, with its source, in `fixtures/tray_api/published/`). Checked against it, the first
//! versions of these queries were invalid (`Viewer.workflows` takes no pagination arguments;
//! `WorkflowSearchCriteria.ids` is `[String!]`), so a real server refused them before running
//! them. Now each read lists the published form first and, where Tray's API may have moved on
//! since 2018, one other form; [`super::tray_api::TrayApi`] falls back to the other form once
//! when Tray refuses one as invalid, and remembers the choice for the session. A unit test
//! validates every form here against the published schema, and the fake Tray API in the tests
//! refuses anything that does not validate, so no tool can send an unchecked query.

/// One GraphQL operation text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Operation {
    /// The operation's name, sent as `operationName`.
    pub name: &'static str,
    /// The operation text.
    pub text: &'static str,
    /// Whether it takes `$first`/`$after` and is followed page by page through `pageInfo`.
    pub paginated: bool,
    /// Which documented form this is, for the debug log.
    pub form: &'static str,
}

/// A read the server makes through GraphQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Read {
    /// `viewer.details`: the token's user.
    User,
    /// `viewer.workflows`: every workflow.
    Workflows,
    /// `viewer.solutions`: every solution.
    Solutions,
    /// `viewer.workflows(criteria: {ids}) { logs }`: one workflow's recent runs.
    WorkflowLogs,
}

impl Read {
    /// Every read, for tests and diagnostics.
    pub const ALL: [Read; 4] = [Read::User, Read::Workflows, Read::Solutions, Read::WorkflowLogs];

    /// Its forms, the published one first.
    pub fn forms(self) -> &'static [Operation] {
        match self {
            Read::User => &[USER],
            Read::Workflows => &[WORKFLOWS, WORKFLOWS_PAGINATED],
            Read::Solutions => &[SOLUTIONS, SOLUTIONS_UNPAGINATED],
            Read::WorkflowLogs => &[WORKFLOW_LOGS, WORKFLOW_LOGS_ID_TYPED],
        }
    }

    /// What is being read, for errors and logs.
    pub fn what(self) -> &'static str {
        match self {
            Read::User => "the authenticated user",
            Read::Workflows => "the workflow list",
            Read::Solutions => "the solution list",
            Read::WorkflowLogs => "the workflow's run history",
        }
    }

    /// Where its connection sits under `data`.
    pub fn connection_path(self) -> &'static [&'static str] {
        match self {
            Read::User => &["viewer", "details"],
            Read::Workflows | Read::WorkflowLogs => &["viewer", "workflows"],
            Read::Solutions => &["viewer", "solutions"],
        }
    }
}

const USER: Operation = Operation {
    name: "User",
    text: "query User { viewer { details { username email name } } }",
    paginated: false,
    form: "published",
};

/// The 2018 schema: `Viewer.workflows(criteria)`, one answer with every workflow.
const WORKFLOWS: Operation = Operation {
    name: "Workflows",
    text: "query Workflows { viewer { workflows { edges { node { id name enabled tags } } \
           pageInfo { hasNextPage endCursor } } } }",
    paginated: false,
    form: "published (no pagination arguments)",
};

/// Relay pagination, as `Viewer.solutions` has it, in case `workflows` gains it too.
const WORKFLOWS_PAGINATED: Operation = Operation {
    name: "Workflows",
    text: "query Workflows($first: Int, $after: String) { viewer { workflows(first: $first, after: $after) { \
           edges { node { id name enabled tags } } pageInfo { hasNextPage endCursor } } } }",
    paginated: true,
    form: "paginated (first, after)",
};

/// The 2018 schema and Tray's docs ("Get solutions"): Relay pagination.
const SOLUTIONS: Operation = Operation {
    name: "Solutions",
    text: "query Solutions($first: Int, $after: String) { viewer { solutions(first: $first, after: $after) { \
           edges { node { id title description tags } cursor } pageInfo { hasNextPage endCursor } } } }",
    paginated: true,
    form: "published (first, after)",
};

/// Tray's docs also show `solutions` without arguments ("Get all solutions").
const SOLUTIONS_UNPAGINATED: Operation = Operation {
    name: "Solutions",
    text: "query Solutions { viewer { solutions { edges { node { id title description tags } cursor } \
           pageInfo { hasNextPage endCursor } } } }",
    paginated: false,
    form: "no pagination arguments",
};

/// `viewer.workflows(criteria: {ids: [$workflowId]}) { logs }` with `$workflowId` of a type.
macro_rules! workflow_logs {
    ($id_type:literal) => {
        concat!(
            "query WorkflowLogs($workflowId: ",
            $id_type,
            "!, $first: Int) { viewer { workflows(criteria: { ids: [$workflowId] }) { edges { node { \
             id logs(first: $first) { edges { node { id created currentState errorMessage errorStepName } } } \
             } } } } }"
        )
    };
}

/// The 2018 schema: `WorkflowSearchCriteria.ids` is `[String!]`.
const WORKFLOW_LOGS: Operation = Operation {
    name: "WorkflowLogs",
    text: workflow_logs!("String"),
    paginated: false,
    form: "published (ids: [String!])",
};

/// The same with the IDs typed `ID`, as `Workflow.id` is.
const WORKFLOW_LOGS_ID_TYPED: Operation = Operation {
    name: "WorkflowLogs",
    text: workflow_logs!("ID"),
    paginated: false,
    form: "ids: [ID!]",
};

/// The `exportWorkflows` mutation for one workflow, in the form Tray's Embedded API docs show
/// (<https://developer.tray.io/openapi/embeddedapi/tag/workflows/>, "Export Workflows"): the
/// IDs as string literals. The docs do not name the input's element type, and a string
/// literal is valid for both `ID` and `String`, where a typed variable would be right for one
/// of them only. The ID is escaped as a GraphQL string (JSON's escapes are GraphQL's).
pub fn export_workflows(workflow_id: &str) -> String {
    let literal = serde_json::Value::String(workflow_id.to_string()).to_string();
    format!(
        "mutation ExportWorkflows {{ exportWorkflows(input: {{ workflowIds: [{literal}] }}) {{ exportedWorkflowsJson }} }}"
    )
}

/// The operation name of [`export_workflows`].
pub const EXPORT_WORKFLOWS_NAME: &str = "ExportWorkflows";

/// Whether a GraphQL answer is a request error (the operation was refused before it ran:
/// parse or validation), which the GraphQL spec marks by leaving `data` out.
pub fn is_request_error(response: &serde_json::Value) -> bool {
    response.get("data").is_none()
        && response
            .get("errors")
            .and_then(serde_json::Value::as_array)
            .is_some_and(|errors| !errors.is_empty())
}

#[cfg(test)]
#[path = "../../tests/it/support/tray_schema.rs"]
mod tray_schema;

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::tray_schema::{SchemaForm, TraySchema};
    use super::*;

    /// Variables as the backend sends them to each form.
    fn variables_for(operation: &Operation) -> serde_json::Value {
        match (operation.name, operation.paginated) {
            ("WorkflowLogs", _) => json!({"workflowId": "5e1c7a3b-3333-4c8e-9d2a-0a1b2c3d4e03", "first": 20}),
            (_, true) => json!({"first": 100, "after": null}),
            _ => json!({}),
        }
    }

    #[test]
    fn the_published_form_of_every_read_is_valid_against_trays_published_schema() {
        let schema = TraySchema::load(SchemaForm::Published);
        for read in Read::ALL {
            let published = read.forms()[0];
            schema
                .check(published.text, Some(published.name), &variables_for(&published))
                .unwrap_or_else(|rejection| panic!("{read:?} {}: {:?}", published.form, rejection.messages));
        }
        let export = export_workflows("ea3c20f5-\"quoted\"\\-0ce2b7bb9f29");
        schema
            .check(&export, Some(EXPORT_WORKFLOWS_NAME), &json!({}))
            .unwrap_or_else(|rejection| panic!("exportWorkflows: {:?}", rejection.messages));
    }

    #[test]
    fn every_other_form_is_valid_against_the_schema_that_moved_on() {
        let schema = TraySchema::load(SchemaForm::MovedOn);
        for read in Read::ALL {
            let Some(other) = read.forms().get(1) else { continue };
            schema
                .check(other.text, Some(other.name), &variables_for(other))
                .unwrap_or_else(|rejection| panic!("{read:?} {}: {:?}", other.form, rejection.messages));
            let published = read.forms()[0];
            assert!(
                schema
                    .check(published.text, Some(published.name), &variables_for(&published))
                    .is_err()
                    || read == Read::Workflows,
                "{read:?}: the moved-on schema should refuse the published form, or the fallback is untested"
            );
        }
    }

    #[test]
    fn the_operations_sent_before_the_fix_are_refused_by_the_published_schema() {
        let schema = TraySchema::load(SchemaForm::Published);
        let old_workflows = "query Workflows($first: Int, $after: String) { viewer { workflows(first: $first, \
                             after: $after) { edges { node { id name enabled tags } } pageInfo { hasNextPage endCursor } } } }";
        let rejection = schema
            .check(old_workflows, None, &json!({"first": 100, "after": null}))
            .expect_err("Viewer.workflows takes only criteria");
        assert!(
            rejection.messages.iter().any(|message| message.contains("first")),
            "{:?}",
            rejection.messages
        );
        let old_logs = "query WorkflowLogs($workflowId: ID!, $first: Int) { viewer { workflows(criteria: \
                        { ids: [$workflowId] }) { edges { node { id logs(first: $first) { edges { node { id } } } } } } } }";
        let rejection = schema
            .check(old_logs, None, &json!({"workflowId": "w", "first": 20}))
            .expect_err("ids is [String!]");
        assert!(
            rejection.messages.iter().any(|message| message.contains("String!")),
            "{:?}",
            rejection.messages
        );
    }

    #[test]
    fn a_refused_operation_is_told_apart_from_an_execution_error() {
        assert!(is_request_error(&json!({"errors": [{"message": "Unknown argument"}]})));
        assert!(!is_request_error(
            &json!({"errors": [{"message": "boom"}], "data": null})
        ));
        assert!(!is_request_error(&json!({"data": {"viewer": {}}})));
    }
}
