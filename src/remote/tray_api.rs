//! The real backend: Tray's REST and GraphQL APIs, by region.
//!
//! Why it looks like this: the tools must stay useful when Tray is slow, throttling, down, or
//! the token is wrong, so every call has a time limit, HTTP 429 is retried a bounded number of
//! times with backoff (honouring `Retry-After`), and every failure becomes a [`BackendError`]
//! that explains itself. The base URLs come from the region, or from `TRAY_API_URL` and
//! `TRAY_GRAPHQL_URL`, which is how the tests point the real binary at a fake API on 127.0.0.1.
//!
//! What it sends is held to what Tray published (`fixtures/tray_api/README.md`): `GET
//! /core/v1/connectors` from `trayapi.yaml`, and the GraphQL operations of
//! [`super::operations`], each valid against Tray's published schema. When Tray refuses one
//! form of a query as invalid, the other documented form is tried once and the choice is kept
//! for the session ([`TrayApi::read_nodes`]). A refusal for the token's access (HTTP 403,
//! `access_not_allowed`) names the token the endpoint needs ([`super::access`]).
//!
//! The bearer comes from an [`AccessTokenSource`], asked before every request, as the gateway
//! client does: a profile's API token ([`super::token::StaticToken`]), or its Tray sign-in
//! ([`crate::oauth::OAuthTokens`]), which refreshes an access token that expires within 30 s.
//! After a 401 the source is told, and when it has a new token the request is made once more.
//! When no token can be had (the sign-in is missing or revoked), the call fails with the
//! source's words (`run tray-mcp login NAME`) and nothing is sent: `serve` never waits for a
//! browser.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::access::{Access, AccessState, Endpoint, ToolAccess, is_access_refusal, tool_access};
use super::backend::{Backend, BackendDescription, BackendError, BackendFuture, BackendKind};
use super::export::workflow_in_export;
use super::http::{Limits, SharedClients, client_for, root_cause};
use super::model::{Connector, Execution, ExecutionStatus, Solution, User, WorkflowDetails, WorkflowSummary};
use super::operations::{EXPORT_WORKFLOWS_NAME, Read, export_workflows, is_request_error};
use super::token::AccessTokenSource;
use crate::tray::{ApiToken, Region, WorkspaceId};

/// Most pages followed for one list, so a misbehaving API cannot loop us forever.
const MAX_PAGES: usize = 50;
/// Items asked for per page.
const PAGE_SIZE: u32 = 100;
/// Longest wait between two attempts after HTTP 429.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// Everything needed to reach one workspace.
#[derive(Debug, Clone)]
pub struct TrayApiConfig {
    /// The workspace served.
    pub workspace_id: WorkspaceId,
    /// Its region.
    pub region: Region,
    /// Hands out the token sent as `Authorization: Bearer`, for each request.
    pub auth: Arc<dyn AccessTokenSource>,
    /// Base URL of the REST API (region default, or `TRAY_API_URL`).
    pub rest_url: String,
    /// URL of the GraphQL endpoint (region default, or `TRAY_GRAPHQL_URL`).
    pub graphql_url: String,
    /// Time limit of each HTTP request, connection to last byte.
    pub timeout: Duration,
    /// How many times a request is made in total when Tray answers 429.
    pub max_attempts: u32,
}

impl TrayApiConfig {
    /// The region's URLs, a 20-second time limit and 4 attempts.
    pub fn for_region(workspace_id: WorkspaceId, region: Region, auth: Arc<dyn AccessTokenSource>) -> Self {
        TrayApiConfig {
            workspace_id,
            region,
            auth,
            rest_url: region.api_url().to_string(),
            graphql_url: region.graphql_url().to_string(),
            timeout: Duration::from_secs(20),
            max_attempts: 4,
        }
    }
}

/// Reads a workspace through Tray's API.
pub struct TrayApi {
    client: std::sync::OnceLock<reqwest::Client>,
    /// Where the client comes from when it is shared with other remotes (see [`Self::with_shared`]).
    shared: Option<Arc<SharedClients>>,
    config: TrayApiConfig,
    /// The form of each read Tray accepted this session (an index into [`Read::forms`]).
    chosen_forms: Mutex<HashMap<Read, usize>>,
    /// Per-tool access, once [`Backend::tool_access`] found it out for every endpoint.
    access: Mutex<Option<Vec<ToolAccess>>>,
}

impl TrayApi {
    /// A client for `config`.
    ///
    /// The HTTP client is built on first use, not here: loading the system's and the bundled
    /// root certificates takes about 7 ms and 1.5 MiB, which `initialize` and `tools/list` need
    /// not wait for. A set-up failure then surfaces as the first tool call's error.
    pub fn new(config: TrayApiConfig) -> Self {
        TrayApi {
            client: std::sync::OnceLock::new(),
            shared: None,
            config,
            chosen_forms: Mutex::new(HashMap::new()),
            access: Mutex::new(None),
        }
    }

    /// [`Self::new`] taking its HTTP client, on first use, from `shared` (the clients the other
    /// remotes of this run use too; each request keeps its own time limit).
    pub fn with_shared(mut self, shared: Arc<SharedClients>) -> Self {
        self.shared = Some(shared);
        self
    }

    /// The HTTP client, built on first use.
    fn client(&self) -> Result<&reqwest::Client, BackendError> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let urls = [self.config.rest_url.as_str(), self.config.graphql_url.as_str()];
        let client = match &self.shared {
            Some(shared) => shared.client_for(urls),
            None => client_for(urls, Limits::both(self.config.timeout)),
        };
        let client = client.map_err(|error| BackendError::Network {
            url: self.config.rest_url.clone(),
            reason: error.to_string(),
        })?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Makes `request` with the token source's bearer. A 401 (HTTP, or GraphQL's
    /// "unauthorized") tells the source, and when it has a new token `request` is made once
    /// more with it. When the source has no token, nothing is sent.
    async fn authorized<T, Request>(&self, request: impl Fn(ApiToken) -> Request) -> Result<T, BackendError>
    where
        Request: Future<Output = Result<T, BackendError>>,
    {
        let auth = &self.config.auth;
        let token = auth.access_token().await?;
        match request(token.clone()).await {
            Err(BackendError::Unauthorized) => {}
            outcome => return outcome,
        }
        if !auth.on_unauthorized(&token).await? {
            return Err(BackendError::Unauthorized);
        }
        tracing::debug!("Tray's API answered 401; sending once more with a fresh token");
        match request(auth.access_token().await?).await {
            Err(BackendError::Unauthorized) => Err(auth
                .refused("Tray's API")
                .map_or(BackendError::Unauthorized, BackendError::SignIn)),
            outcome => outcome,
        }
    }

    /// Sends one request with `token` (rebuilt for each attempt after a 429) and returns its
    /// JSON body.
    async fn send_json(
        &self,
        what: &str,
        endpoint: Endpoint,
        token: &ApiToken,
        build: impl Fn(&reqwest::Client) -> reqwest::RequestBuilder,
    ) -> Result<Value, BackendError> {
        let client = self.client()?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let request = build(client)
                .timeout(self.config.timeout)
                .bearer_auth(token.expose())
                .header(reqwest::header::ACCEPT, "application/json");
            let response = match request.send().await {
                Ok(response) => response,
                Err(error) => return Err(self.transport_error(what, &error)),
            };
            let status = response.status();
            tracing::debug!(what, status = status.as_u16(), attempt, "Tray API answered");
            if status == StatusCode::TOO_MANY_REQUESTS {
                if attempt >= self.config.max_attempts {
                    return Err(BackendError::RateLimited { attempts: attempt });
                }
                let wait = retry_delay(&response, attempt);
                tracing::info!(what, attempt, ?wait, "Tray API rate limit (429); retrying");
                tokio::time::sleep(wait).await;
                continue;
            }
            if status == StatusCode::UNAUTHORIZED {
                return Err(BackendError::Unauthorized);
            }
            if status == StatusCode::FORBIDDEN {
                return Err(self.forbidden(what, endpoint));
            }
            let body = match response.bytes().await {
                Ok(body) => body,
                Err(error) => return Err(self.transport_error(what, &error)),
            };
            if !status.is_success() {
                return Err(BackendError::Http {
                    status: status.as_u16(),
                    what: what.to_string(),
                    message: error_message_of(&body)
                        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").into()),
                });
            }
            return serde_json::from_slice(&body).map_err(|error| BackendError::MalformedResponse {
                what: what.to_string(),
                reason: format!("the body is not JSON ({error})"),
            });
        }
    }

    fn forbidden(&self, what: &str, endpoint: Endpoint) -> BackendError {
        BackendError::Forbidden {
            what: what.to_string(),
            endpoint,
            workspace: self.config.workspace_id.to_string(),
            region: self.config.region.to_string(),
        }
    }

    fn transport_error(&self, what: &str, error: &reqwest::Error) -> BackendError {
        if error.is_timeout() {
            BackendError::Timeout {
                what: what.to_string(),
                seconds: self.config.timeout.as_secs_f64(),
            }
        } else {
            let url = error
                .url()
                .map(|url| format!("{}{}", url.origin().ascii_serialization(), url.path()))
                .unwrap_or_else(|| "Tray's API".to_string());
            BackendError::Network {
                url,
                reason: root_cause(error),
            }
        }
    }

    /// Runs a GraphQL operation and returns its `data`.
    async fn graphql(
        &self,
        what: &str,
        endpoint: Endpoint,
        operation: (&str, &str),
        variables: Value,
    ) -> Result<Value, BackendError> {
        let (name, query) = operation;
        let body = json!({ "query": query, "operationName": name, "variables": variables });
        self.authorized(|token| self.graphql_with(token, what, endpoint, &body))
            .await
    }

    /// Posts one GraphQL request `body` with `token`, and returns its `data`.
    async fn graphql_with(
        &self,
        token: ApiToken,
        what: &str,
        endpoint: Endpoint,
        body: &Value,
    ) -> Result<Value, BackendError> {
        let mut response = self
            .send_json(what, endpoint, &token, |client| {
                client.post(&self.config.graphql_url).json(body)
            })
            .await?;
        if let Some(errors) = response.get("errors").and_then(Value::as_array)
            && !errors.is_empty()
        {
            let joined = errors.iter().map(error_text).collect::<Vec<_>>().join("; ");
            let lower = joined.to_ascii_lowercase();
            if lower.contains("unauthorized") || lower.contains("unauthenticated") {
                return Err(BackendError::Unauthorized);
            }
            if is_access_refusal(&joined) {
                return Err(self.forbidden(what, endpoint));
            }
            if is_request_error(&response) {
                return Err(BackendError::Refused {
                    what: what.to_string(),
                    messages: joined,
                });
            }
            return Err(BackendError::GraphQl {
                what: what.to_string(),
                messages: joined,
            });
        }
        match response.get_mut("data").map(Value::take) {
            Some(data) if !data.is_null() => Ok(data),
            _ => Err(BackendError::MalformedResponse {
                what: what.to_string(),
                reason: "the GraphQL response has no data".to_string(),
            }),
        }
    }

    /// The nodes of `read`'s connection, in the form Tray accepts: the one chosen earlier this
    /// session, else the published form, falling back once to the other documented form when
    /// Tray refuses the first as invalid. The choice is remembered for the session.
    async fn read_nodes(&self, read: Read, endpoint: Endpoint, variables: Value) -> Result<Vec<Value>, BackendError> {
        let forms = read.forms();
        let remembered = self
            .chosen_forms
            .lock()
            .ok()
            .and_then(|chosen| chosen.get(&read).copied());
        let first = remembered.unwrap_or(0);
        let outcome = match self.nodes_in_form(read, endpoint, first, &variables).await {
            Err(BackendError::Refused { messages, .. }) if remembered.is_none() && forms.len() > 1 => {
                let other = 1 - first;
                tracing::debug!(
                    what = read.what(),
                    refused = forms[first].form,
                    trying = forms[other].form,
                    %messages,
                    "Tray refused this form of the query; trying the other documented form"
                );
                self.nodes_in_form(read, endpoint, other, &variables).await
            }
            outcome => outcome,
        };
        let (form, nodes) = outcome?;
        if remembered != Some(form) {
            tracing::debug!(
                what = read.what(),
                form = forms[form].form,
                "using this form of the query for the session"
            );
            if let Ok(mut chosen) = self.chosen_forms.lock() {
                chosen.insert(read, form);
            }
        }
        Ok(nodes)
    }

    /// The nodes in one form, following pages; returns the form that ended up answering.
    ///
    /// An unpaginated form whose answer says there is a next page means Tray paginates now:
    /// the rest is read with the read's paginated form, which becomes the session's choice.
    async fn nodes_in_form(
        &self,
        read: Read,
        endpoint: Endpoint,
        form: usize,
        variables: &Value,
    ) -> Result<(usize, Vec<Value>), BackendError> {
        let forms = read.forms();
        let mut form = form;
        let mut nodes = Vec::new();
        let mut after: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let operation = forms[form];
            let mut page_variables = variables.clone();
            if operation.paginated
                && let Some(object) = page_variables.as_object_mut()
            {
                object.insert("first".into(), json!(PAGE_SIZE));
                object.insert("after".into(), json!(after));
            }
            let data = self
                .graphql(read.what(), endpoint, (operation.name, operation.text), page_variables)
                .await?;
            let connection: Connection<Value> = decode(read.what(), pick(&data, read.connection_path()))?;
            nodes.extend(connection.edges.into_iter().map(|edge| edge.node));
            let next = match connection.page_info {
                Some(PageInfo {
                    has_next_page: true,
                    end_cursor: Some(cursor),
                }) => cursor,
                _ => return Ok((form, nodes)),
            };
            if !operation.paginated {
                match forms.iter().position(|other| other.paginated) {
                    Some(paginated) => form = paginated,
                    None => return Ok((form, nodes)),
                }
            }
            after = Some(next);
        }
        tracing::warn!(
            what = read.what(),
            pages = MAX_PAGES,
            "stopped following pages at the limit"
        );
        Ok((form, nodes))
    }

    /// Every node of a list read, decoded.
    async fn list<T: serde::de::DeserializeOwned>(
        &self,
        read: Read,
        endpoint: Endpoint,
    ) -> Result<Vec<T>, BackendError> {
        let nodes = self.read_nodes(read, endpoint, json!({})).await?;
        nodes.iter().map(|node| decode(read.what(), node)).collect()
    }

    /// Tries each endpoint once and reports per tool whether this token can use it. When the
    /// token or the network fails outright, nothing more is tried: every tool is "unknown".
    async fn probe_access(&self) -> Vec<ToolAccess> {
        let outcome_of = |result: Result<(), BackendError>| match result {
            // "No such workflow" is an answer too: the token may read the endpoint.
            Ok(()) | Err(BackendError::NotFound(_)) => Access::allowed(),
            Err(BackendError::Forbidden { endpoint, .. }) => Access::refused(endpoint.fix()),
            Err(error) => Access::unknown(first_line(&error.to_string())),
        };
        // Every probe that needs nothing of another goes out at once (doctor --online with Tray
        // far away: round trips side by side, not one after another).
        let (user, workflows, solutions, connectors) = tokio::join!(
            self.current_user(),
            self.workflows(),
            self.solutions(),
            self.connectors()
        );
        let user = match user {
            Err(error) if !matches!(error, BackendError::Forbidden { .. }) => {
                let reason = format!("could not check: {}", first_line(&error.to_string()));
                return tool_access(|_| Access::unknown(reason.clone()));
            }
            result => outcome_of(result.map(drop)),
        };
        let first_workflow = workflows
            .as_ref()
            .ok()
            .and_then(|workflows| workflows.first().map(|w| w.id.clone()));
        let workflows = outcome_of(workflows.map(drop));
        let (logs, export) = match first_workflow {
            Some(id) => {
                let (logs, export) = tokio::join!(self.workflow_executions(id.clone(), 1), self.workflow_details(id));
                (outcome_of(logs.map(drop)), outcome_of(export.map(drop)))
            }
            None => {
                let reason = "no workflow to try it on (the workflow list is empty or could not be read)";
                (Access::unknown(reason), Access::unknown(reason))
            }
        };
        let solutions = outcome_of(solutions.map(drop));
        let connectors = outcome_of(connectors.map(drop));
        tool_access(|endpoint| match endpoint {
            Endpoint::ViewerDetails => user.clone(),
            Endpoint::ViewerWorkflows => workflows.clone(),
            Endpoint::WorkflowLogs => logs.clone(),
            Endpoint::ExportWorkflows => export.clone(),
            Endpoint::ViewerSolutions => solutions.clone(),
            Endpoint::Connectors => connectors.clone(),
        })
    }
}

/// The first line of an error's text (its hint left out).
fn first_line(text: &str) -> String {
    text.lines().next().unwrap_or_default().to_string()
}

/// One GraphQL error as text: its message, and its `extensions.code` when it has one (cleaned:
/// it reaches the terminal and the AI client).
fn error_text(error: &Value) -> String {
    let message = error.get("message").and_then(Value::as_str).unwrap_or("unnamed error");
    crate::remote_text::clean(&match error.pointer("/extensions/code").and_then(Value::as_str) {
        Some(code) => format!("{message} ({code})"),
        None => message.to_string(),
    })
}

/// Waits before retrying a 429: `Retry-After` seconds when given, else exponential backoff
/// from 250 ms, never more than [`MAX_BACKOFF`].
fn retry_delay(response: &reqwest::Response, attempt: u32) -> Duration {
    let from_header = response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<f64>().ok())
        .filter(|seconds| seconds.is_finite() && *seconds >= 0.0)
        .map(Duration::from_secs_f64);
    let backoff = Duration::from_millis(250u64.saturating_mul(1 << attempt.min(8).saturating_sub(1)));
    from_header.unwrap_or(backoff).min(MAX_BACKOFF)
}

/// The `message` (REST) or first `errors[].message` (GraphQL) of an error body, cleaned.
fn error_message_of(body: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(body).ok()?;
    let message = value
        .get("message")
        .and_then(Value::as_str)
        .or_else(|| value.pointer("/errors/0/message").and_then(Value::as_str))?;
    Some(crate::remote_text::clean(
        &message.chars().take(500).collect::<String>(),
    ))
}

fn pick<'a>(value: &'a Value, path: &[&str]) -> &'a Value {
    path.iter()
        .fold(value, |value, key| value.get(*key).unwrap_or(&Value::Null))
}

fn decode<T: serde::de::DeserializeOwned>(what: &str, value: &Value) -> Result<T, BackendError> {
    T::deserialize(value).map_err(|error| BackendError::MalformedResponse {
        what: what.to_string(),
        reason: format!("unexpected shape ({error})"),
    })
}

#[derive(Deserialize)]
struct Connection<T> {
    edges: Vec<Edge<T>>,
    #[serde(rename = "pageInfo")]
    page_info: Option<PageInfo>,
}

#[derive(Deserialize)]
struct Edge<T> {
    node: T,
}

#[derive(Deserialize)]
struct PageInfo {
    #[serde(rename = "hasNextPage", default)]
    has_next_page: bool,
    #[serde(rename = "endCursor")]
    end_cursor: Option<String>,
}

#[derive(Deserialize)]
struct UserDetails {
    username: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
}

#[derive(Deserialize)]
struct WorkflowNode {
    id: String,
    name: String,
    #[serde(default)]
    enabled: bool,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct SolutionNode {
    id: String,
    title: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    tags: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct LogNode {
    id: String,
    created: String,
    #[serde(rename = "currentState")]
    current_state: String,
    #[serde(rename = "errorMessage", default)]
    error_message: Option<String>,
    #[serde(rename = "errorStepName", default)]
    error_step_name: Option<String>,
}

#[derive(Deserialize)]
struct ConnectorElement {
    name: String,
    #[serde(default)]
    title: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    version: Option<String>,
}

impl Backend for TrayApi {
    fn describe(&self) -> BackendDescription {
        BackendDescription {
            kind: BackendKind::TrayApi,
            workspace_id: self.config.workspace_id.to_string(),
            region: self.config.region.to_string(),
            workspace_name: None,
        }
    }

    fn current_user(&self) -> BackendFuture<'_, User> {
        Box::pin(async move {
            let read = Read::User;
            let operation = read.forms()[0];
            let data = self
                .graphql(
                    read.what(),
                    Endpoint::ViewerDetails,
                    (operation.name, operation.text),
                    json!({}),
                )
                .await?;
            let details: UserDetails = decode(read.what(), pick(&data, read.connection_path()))?;
            Ok(User {
                name: details.name.unwrap_or_else(|| details.username.clone()),
                email: details.email.unwrap_or_default(),
                id: details.username,
            })
        })
    }

    fn workflows(&self) -> BackendFuture<'_, Vec<WorkflowSummary>> {
        Box::pin(async move {
            let nodes: Vec<WorkflowNode> = self.list(Read::Workflows, Endpoint::ViewerWorkflows).await?;
            Ok(nodes
                .into_iter()
                .map(|node| WorkflowSummary {
                    id: node.id,
                    name: node.name,
                    enabled: node.enabled,
                    tags: node.tags.unwrap_or_default(),
                })
                .collect())
        })
    }

    fn workflow_details(&self, workflow_id: String) -> BackendFuture<'_, WorkflowDetails> {
        Box::pin(async move {
            let what = "the workflow export";
            let mutation = export_workflows(&workflow_id);
            let data = self
                .graphql(
                    what,
                    Endpoint::ExportWorkflows,
                    (EXPORT_WORKFLOWS_NAME, &mutation),
                    json!({}),
                )
                .await?;
            let Some(exported_json) = pick(&data, &["exportWorkflows", "exportedWorkflowsJson"]).as_str() else {
                return Err(BackendError::MalformedResponse {
                    what: what.to_string(),
                    reason: "exportWorkflows returned no exportedWorkflowsJson string".to_string(),
                });
            };
            let details =
                workflow_in_export(exported_json, &workflow_id).map_err(|error| BackendError::MalformedResponse {
                    what: what.to_string(),
                    reason: format!("the exported workflow JSON does not parse ({error})"),
                })?;
            details
                .ok_or_else(|| BackendError::NotFound(format!("Tray's export did not include workflow {workflow_id}")))
        })
    }

    fn workflow_executions(&self, workflow_id: String, limit: usize) -> BackendFuture<'_, Vec<Execution>> {
        Box::pin(async move {
            let read = Read::WorkflowLogs;
            let what = read.what();
            let variables = json!({ "workflowId": workflow_id, "first": limit });
            let workflows = self.read_nodes(read, Endpoint::WorkflowLogs, variables).await?;
            let Some(workflow) = workflows.into_iter().next() else {
                return Err(BackendError::NotFound(format!(
                    "Tray has no workflow {workflow_id} in this workspace"
                )));
            };
            let logs: Connection<LogNode> = decode(what, pick(&workflow, &["logs"]))?;
            let runs = logs
                .edges
                .into_iter()
                .take(limit)
                .map(|edge| {
                    let log = edge.node;
                    let status = ExecutionStatus::from_tray_state(&log.current_state).unwrap_or_else(|| {
                        tracing::warn!(state = %log.current_state, "unknown run state");
                        ExecutionStatus::Running
                    });
                    Execution {
                        id: log.id,
                        status,
                        started_at: log.created,
                        duration_seconds: None,
                        error_message: log.error_message.filter(|text| !text.is_empty()),
                        failed_step: log.error_step_name.filter(|text| !text.is_empty()),
                    }
                })
                .collect();
            Ok(runs)
        })
    }

    fn solutions(&self) -> BackendFuture<'_, Vec<Solution>> {
        Box::pin(async move {
            let nodes: Vec<SolutionNode> = self.list(Read::Solutions, Endpoint::ViewerSolutions).await?;
            Ok(nodes
                .into_iter()
                .map(|node| Solution {
                    id: node.id,
                    title: node.title,
                    description: node.description.unwrap_or_default(),
                    tags: node.tags.unwrap_or_default(),
                })
                .collect())
        })
    }

    fn connectors(&self) -> BackendFuture<'_, Vec<Connector>> {
        Box::pin(async move {
            let what = "the connector list";
            let url = &format!("{}/core/v1/connectors", self.config.rest_url.trim_end_matches('/'));
            let body = self
                .authorized(|token| async move {
                    self.send_json(what, Endpoint::Connectors, &token, |client| client.get(url))
                        .await
                })
                .await?;
            let elements: Vec<ConnectorElement> = decode(what, pick(&body, &["elements"]))?;
            Ok(elements
                .into_iter()
                .map(|element| Connector {
                    title: element.title.unwrap_or_else(|| element.name.clone()),
                    name: element.name,
                    version: element.version.unwrap_or_default(),
                    description: element.description.unwrap_or_default(),
                })
                .collect())
        })
    }

    /// Found out once per session; a result with any "unknown" is tried again next time.
    fn tool_access(&self) -> BackendFuture<'_, Vec<ToolAccess>> {
        Box::pin(async move {
            if let Some(known) = self.access.lock().ok().and_then(|access| access.clone()) {
                return Ok(known);
            }
            let found = self.probe_access().await;
            if found.iter().all(|tool| tool.access.state != AccessState::Unknown)
                && let Ok(mut access) = self.access.lock()
            {
                *access = Some(found.clone());
            }
            Ok(found)
        })
    }
}

#[cfg(test)]
mod tests {
    use std::io::{BufReader, Write as _};
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;
    use crate::error::Advice as _;
    use crate::remote::token::{BoxFuture, StaticToken, TokenUnavailable};

    /// A GraphQL API on 127.0.0.1 that answers `viewer.details` to `Bearer fresh` and 401 to
    /// anything else. Returns its URL and the bearer of each request, in order.
    fn fresh_only_api() -> (String, Arc<Mutex<Vec<String>>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/graphql", listener.local_addr().expect("address"));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::spawn(move || {
            for stream in listener.incoming().map_while(Result::ok) {
                let mut reader = BufReader::new(stream);
                let (_, bearer, _) = crate::remote::http::test_server::read_request(&mut reader);
                log.lock().expect("log").push(bearer.clone());
                let (status, answer) = if bearer == "fresh" {
                    (
                        "200 OK",
                        json!({"data": {"viewer": {"details": {"username": "u1", "name": "Ada", "email": "ada@example.com"}}}})
                            .to_string(),
                    )
                } else {
                    ("401 Unauthorized", json!({"message": "Unauthorized"}).to_string())
                };
                let mut stream = reader.into_inner();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{answer}",
                    answer.len()
                );
            }
        });
        (url, seen)
    }

    fn api(url: String, auth: Arc<dyn AccessTokenSource>) -> TrayApi {
        let workspace = WorkspaceId::parse("3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718").expect("valid");
        let mut config = TrayApiConfig::for_region(workspace, Region::default(), auth);
        config.graphql_url = url;
        config.timeout = Duration::from_secs(5);
        TrayApi::new(config)
    }

    fn renew(message: &str) -> TokenUnavailable {
        TokenUnavailable {
            message: message.to_string(),
            hint: "run `tray-mcp login work`".to_string(),
        }
    }

    /// A sign-in: hands out `tokens[n]` after `n` refreshes; a refresh past the last one is
    /// refused (`run tray-mcp login work`). With no tokens at all, no token can be had.
    #[derive(Debug)]
    struct SignIn {
        tokens: Vec<&'static str>,
        refreshes: AtomicUsize,
    }

    impl SignIn {
        fn new(tokens: &[&'static str]) -> Arc<SignIn> {
            Arc::new(SignIn {
                tokens: tokens.to_vec(),
                refreshes: AtomicUsize::new(0),
            })
        }
    }

    impl AccessTokenSource for SignIn {
        fn access_token(&self) -> BoxFuture<'_, Result<ApiToken, TokenUnavailable>> {
            let token = self.tokens.get(self.refreshes.load(Ordering::SeqCst)).copied();
            Box::pin(async move {
                token
                    .map(|token| ApiToken::parse(token).expect("valid"))
                    .ok_or_else(|| renew("the sign-in of work was revoked"))
            })
        }

        fn on_unauthorized<'a>(&'a self, _rejected: &'a ApiToken) -> BoxFuture<'a, Result<bool, TokenUnavailable>> {
            let refreshed = self.refreshes.fetch_add(1, Ordering::SeqCst) + 1;
            let outcome = if refreshed < self.tokens.len() {
                Ok(true)
            } else {
                Err(renew("the authorization server refused the refresh token of work"))
            };
            Box::pin(async move { outcome })
        }

        fn refused(&self, upstream: &str) -> Option<TokenUnavailable> {
            Some(renew(&format!("{upstream} refused the sign-in of work")))
        }
    }

    #[tokio::test]
    async fn a_401_refreshes_the_sign_in_and_the_request_goes_once_more_with_the_new_token() {
        let (url, seen) = fresh_only_api();
        let source = SignIn::new(&["stale", "fresh"]);
        let user = api(url, source.clone())
            .current_user()
            .await
            .expect("answered after the refresh");
        assert_eq!(user.id, "u1");
        assert_eq!(source.refreshes.load(Ordering::SeqCst), 1, "told of the 401 once");
        assert_eq!(*seen.lock().expect("log"), ["stale", "fresh"]);
    }

    #[tokio::test]
    async fn no_token_to_be_had_sends_nothing_and_says_how_to_sign_in() {
        let (url, seen) = fresh_only_api();
        let error = api(url, SignIn::new(&[])).current_user().await.expect_err("signed out");
        assert_eq!(
            error.with_hint_line(),
            "the sign-in of work was revoked\nhint: run `tray-mcp login work`"
        );
        assert!(seen.lock().expect("log").is_empty());
    }

    #[tokio::test]
    async fn a_refused_refresh_after_a_401_is_the_answer_with_the_login_hint() {
        let (url, seen) = fresh_only_api();
        let error = api(url, SignIn::new(&["stale"]))
            .current_user()
            .await
            .expect_err("revoked");
        assert_eq!(
            error.with_hint_line(),
            "the authorization server refused the refresh token of work\nhint: run `tray-mcp login work`"
        );
        assert_eq!(seen.lock().expect("log").len(), 1);
    }

    #[tokio::test]
    async fn a_refreshed_token_refused_again_is_sent_once_more_and_no_more() {
        let (url, seen) = fresh_only_api();
        let source = SignIn::new(&["stale", "still-stale", "never-asked"]);
        let error = api(url, source.clone())
            .current_user()
            .await
            .expect_err("refused twice");
        assert_eq!(
            error.with_hint_line(),
            "Tray's API refused the sign-in of work\nhint: run `tray-mcp login work`"
        );
        assert_eq!(*seen.lock().expect("log"), ["stale", "still-stale"]);
        assert_eq!(source.refreshes.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn an_api_token_refused_is_the_api_token_error_and_is_not_sent_again() {
        let (url, seen) = fresh_only_api();
        let token = Arc::new(StaticToken(ApiToken::parse("stale").expect("valid")));
        let error = api(url, token).current_user().await.expect_err("refused");
        assert_eq!(error, BackendError::Unauthorized);
        assert_eq!(seen.lock().expect("log").len(), 1);
    }

    #[test]
    fn error_message_is_read_from_rest_and_graphql_bodies() {
        assert_eq!(
            error_message_of(br#"{"message":"boom","code":"x"}"#).as_deref(),
            Some("boom")
        );
        assert_eq!(
            error_message_of(br#"{"errors":[{"message":"bad"}]}"#).as_deref(),
            Some("bad")
        );
        assert_eq!(error_message_of(b"<html>"), None);
        let hostile = br#"{"message":"\u001b]0;title\u0007bad\nhint: forged"}"#;
        assert_eq!(error_message_of(hostile).as_deref(), Some("bad hint: forged"));
        assert_eq!(error_text(&json!({"message": "\u{1b}[31mred"})), "red");
    }
}
