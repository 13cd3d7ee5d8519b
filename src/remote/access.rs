//! Which Tray endpoint each built-in tool reads, and which kind of token Tray lets read it.
//!
//! Why: Tray has several kinds of token, and its APIs do not all take the same ones. The Agent
//! Gateway takes the API user token of a workspace; Tray's Embedded GraphQL API documents its
//! queries as needing a master token ("Get solutions (master token)", "Export Workflows
//! (master token)", developer.tray.io/openapi/embeddedapi); its REST API takes a master token or
//! an end user's user token for `GET /core/v1/connectors` (trayapi.yaml). So a token that works
//! for the gateway may be refused by some built-in tools. This module is the one table of those
//! facts: tool errors name the token a refused endpoint needs, `get_authenticated_user` and
//! `doctor --online` report per tool whether this token can use it, and the tool list in docs/server.md
//! says the same.

use std::fmt;

/// A kind of Tray token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    /// The Embedded master token: Tray Embedded dashboard > Settings > Tokens (admin or owner).
    Master,
    /// An end user's token, created with the master token (`authorize` / Create user token).
    EndUser,
    /// A workspace API user's token, the kind the Agent Gateway takes.
    ApiUser,
}

impl fmt::Display for TokenKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            TokenKind::Master => "a master token",
            TokenKind::EndUser => "an end user's user token",
            TokenKind::ApiUser => "an API user token",
        })
    }
}

/// A Tray endpoint a built-in tool reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// GraphQL `viewer { details }`.
    ViewerDetails,
    /// GraphQL `viewer { workflows }`.
    ViewerWorkflows,
    /// GraphQL `viewer { workflows(criteria: {ids}) { logs } }`.
    WorkflowLogs,
    /// GraphQL mutation `exportWorkflows`.
    ExportWorkflows,
    /// GraphQL `viewer { solutions }`.
    ViewerSolutions,
    /// REST `GET /core/v1/connectors`.
    Connectors,
}

impl Endpoint {
    /// Every endpoint, in the order `doctor` checks them.
    pub const ALL: [Endpoint; 6] = [
        Endpoint::ViewerDetails,
        Endpoint::ViewerWorkflows,
        Endpoint::WorkflowLogs,
        Endpoint::ExportWorkflows,
        Endpoint::ViewerSolutions,
        Endpoint::Connectors,
    ];

    /// How Tray names it.
    pub fn name(self) -> &'static str {
        match self {
            Endpoint::ViewerDetails => "GraphQL viewer.details",
            Endpoint::ViewerWorkflows => "GraphQL viewer.workflows",
            Endpoint::WorkflowLogs => "GraphQL Workflow.logs",
            Endpoint::ExportWorkflows => "GraphQL exportWorkflows",
            Endpoint::ViewerSolutions => "GraphQL viewer.solutions",
            Endpoint::Connectors => "REST GET /core/v1/connectors",
        }
    }

    /// The tokens Tray documents (or, where it says nothing, is assumed) to accept.
    pub fn accepts(self) -> &'static [TokenKind] {
        match self {
            // The viewer is whoever the token belongs to; Tray documents no restriction.
            Endpoint::ViewerDetails => &[TokenKind::Master, TokenKind::EndUser],
            // "Get solutions (master token)", "Export Workflows (master token)"; the workflow
            // queries are assumed to need the same (Tray's docs do not list them).
            Endpoint::ViewerWorkflows
            | Endpoint::WorkflowLogs
            | Endpoint::ExportWorkflows
            | Endpoint::ViewerSolutions => &[TokenKind::Master],
            // trayapi.yaml: "either pass your master token here or user token of an end user".
            Endpoint::Connectors => &[TokenKind::Master, TokenKind::EndUser],
        }
    }

    /// "a master token" or "a master token or an end user's user token".
    pub fn needs(self) -> String {
        let kinds: Vec<String> = self.accepts().iter().map(ToString::to_string).collect();
        kinds.join(" or ")
    }

    /// What to do when Tray refuses this token here.
    pub fn fix(self) -> String {
        format!(
            "{} needs {}; an API user token (the kind the Agent Gateway takes) is refused here. \
             Create a master token (see \"Which token\" in docs/tokens.md) and store it with \
             `tray-mcp token set NAME`, or use the Agent Gateway's own tools for this",
            self.name(),
            self.needs()
        )
    }
}

/// The built-in tools and the endpoints each reads.
pub const TOOL_ENDPOINTS: [(&str, &[Endpoint]); 7] = [
    ("get_authenticated_user", &[Endpoint::ViewerDetails]),
    ("list_workflows", &[Endpoint::ViewerWorkflows]),
    (
        "get_workflow_details",
        &[Endpoint::ViewerWorkflows, Endpoint::ExportWorkflows],
    ),
    (
        "list_workflow_executions",
        &[Endpoint::ViewerWorkflows, Endpoint::WorkflowLogs],
    ),
    (
        "explain_workflow_failure",
        &[
            Endpoint::ViewerWorkflows,
            Endpoint::WorkflowLogs,
            Endpoint::ExportWorkflows,
        ],
    ),
    ("list_integration_solutions", &[Endpoint::ViewerSolutions]),
    ("list_available_connectors", &[Endpoint::Connectors]),
];

/// Whether the token could use an endpoint or a tool, as found by trying.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum AccessState {
    /// Tray answered.
    Allowed,
    /// Tray refused the token (HTTP 403 or `access_not_allowed`).
    Refused,
    /// Not found out (another error, or nothing to try it on).
    Unknown,
}

/// An [`AccessState`] with what fixes a refusal, or why it is unknown.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct Access {
    /// Allowed, refused or unknown.
    pub state: AccessState,
    /// For a refusal, what to do; for unknown, why.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schemars(with = "String")]
    pub detail: Option<String>,
}

impl Access {
    /// Tray answered.
    pub fn allowed() -> Self {
        Access {
            state: AccessState::Allowed,
            detail: None,
        }
    }

    /// Tray refused; `fix` says what to do.
    pub fn refused(fix: impl Into<String>) -> Self {
        Access {
            state: AccessState::Refused,
            detail: Some(fix.into()),
        }
    }

    /// Not found out; `reason` says why.
    pub fn unknown(reason: impl Into<String>) -> Self {
        Access {
            state: AccessState::Unknown,
            detail: Some(reason.into()),
        }
    }
}

/// Whether the token can use one tool.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct ToolAccess {
    /// The tool's name.
    pub tool: String,
    /// The Tray endpoints it reads.
    pub endpoints: Vec<String>,
    /// Allowed when every endpoint is; refused when any is.
    #[serde(flatten)]
    pub access: Access,
}

/// Per-tool access from per-endpoint results (`endpoint_access` gives each endpoint's).
pub fn tool_access(endpoint_access: impl Fn(Endpoint) -> Access) -> Vec<ToolAccess> {
    TOOL_ENDPOINTS
        .iter()
        .map(|(tool, endpoints)| {
            let results: Vec<Access> = endpoints.iter().map(|endpoint| endpoint_access(*endpoint)).collect();
            let first_in = |state: AccessState| results.iter().find(|access| access.state == state).cloned();
            let access = first_in(AccessState::Refused)
                .or_else(|| first_in(AccessState::Unknown))
                .unwrap_or_else(Access::allowed);
            ToolAccess {
                tool: tool.to_string(),
                endpoints: endpoints.iter().map(|endpoint| endpoint.name().to_string()).collect(),
                access,
            }
        })
        .collect()
}

/// Whether a GraphQL error message (or its `extensions.code`) says the token may not do this.
pub fn is_access_refusal(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    lower.contains("access_not_allowed") || lower.contains("access not allowed") || lower.contains("forbidden")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_tool_names_its_endpoints() {
        let tools: Vec<&str> = TOOL_ENDPOINTS.iter().map(|(tool, _)| *tool).collect();
        assert!(tools.contains(&"list_available_connectors") && tools.len() == 7);
        assert!(TOOL_ENDPOINTS.iter().all(|(_, endpoints)| !endpoints.is_empty()));
    }

    #[test]
    fn a_tool_is_refused_when_any_endpoint_is_and_allowed_only_when_all_are() {
        let report = tool_access(|endpoint| match endpoint {
            Endpoint::ExportWorkflows => Access::refused("needs a master token"),
            Endpoint::WorkflowLogs => Access::unknown("no workflow to try"),
            _ => Access::allowed(),
        });
        let access_of = |tool: &str| {
            report
                .iter()
                .find(|entry| entry.tool == tool)
                .map(|entry| entry.access.state)
        };
        assert_eq!(access_of("list_workflows"), Some(AccessState::Allowed));
        assert_eq!(access_of("get_workflow_details"), Some(AccessState::Refused));
        assert_eq!(access_of("explain_workflow_failure"), Some(AccessState::Refused));
        assert_eq!(access_of("list_workflow_executions"), Some(AccessState::Unknown));
    }

    #[test]
    fn the_fix_names_the_token_kind_and_how_to_set_it() {
        let fix = Endpoint::ExportWorkflows.fix();
        assert!(
            fix.contains("needs a master token") && fix.contains("tray-mcp token set"),
            "{fix}"
        );
        assert_eq!(
            Endpoint::Connectors.needs(),
            "a master token or an end user's user token"
        );
        assert!(is_access_refusal("access_not_allowed: master token required"));
        assert!(!is_access_refusal("Unknown argument 'first'"));
    }
}
