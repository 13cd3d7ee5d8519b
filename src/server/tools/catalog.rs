//! The catalogue tools: the workspace's solutions and the connectors it can use.

use std::fmt::Write as _;

use rmcp::handler::server::wrapper::Parameters;
use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::render::{clamp_limit, paginate, tags_text};
use super::schemas::{portable_input_schema, portable_output_schema};
use super::{
    ConnectorListOutput, ListConnectorsInput, ListSolutionsInput, SolutionListOutput, ToolOutcome, TrayTools, respond,
};
use crate::remote::model::{Connector, Solution};

#[tool_router(router = catalog_tools, vis = "pub(super)")]
impl TrayTools {
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
}
