//! `get_authenticated_user`: who the token belongs to, where the server is connected, and which
//! built-in tools this token can use.

use std::fmt::Write as _;

use rmcp::model::CallToolResult;
use rmcp::{tool, tool_router};

use super::render::access_text;
use super::schemas::portable_output_schema;
use super::{AuthenticatedUserOutput, GatewayStatus, ToolFailure, ToolOutcome, TrayTools, respond};
use crate::error::Advice as _;
use crate::remote::backend::{BackendError, BackendKind};

#[tool_router(router = account_tools, vis = "pub(super)")]
impl TrayTools {
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
        if description.kind == BackendKind::Sandbox {
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
        let gateway = (description.kind != BackendKind::Sandbox).then(|| match &self.gateway {
            Some(status) => status(),
            None => GatewayStatus::off(),
        });
        if let Some(gateway) = &gateway {
            let _ = write!(text, "\n{}", gateway.sentence());
        }
        let output = AuthenticatedUserOutput {
            user,
            workspace_id: description.workspace_id,
            workspace_name: description.workspace_name,
            region: description.region,
            backend: description.kind.as_str().to_string(),
            tools,
            gateway,
        };
        Ok((text, output))
    }
}
