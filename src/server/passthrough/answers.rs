//! Answers: the lists a layer merges (tools, prompts) or forwards (resources), and the
//! answers to forwarded calls, prompt gets, resource requests and completions.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Value, json};

use super::{ForwardedCall, GatewayState, Listing, Passthrough, Renamed, Request};
use crate::remote::gateway::GatewayError;
use crate::remote::token::BoxFuture;

impl Passthrough {
    /// The merged tool list as `tools/list` answers it (this layer's and those below, renamed):
    /// the one place it is assembled, which [`crate::server::filter`] filters.
    pub async fn listed_tools(self: &Arc<Self>) -> Vec<Value> {
        self.merged(Renamed::Tools).await
    }

    pub(super) async fn answer_list(self: Arc<Self>, id: Value) {
        let tools = self.merged(Renamed::Tools).await;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": {"tools": tools}}));
    }

    /// `prompts/list`: the prompts of the layers below, then this upstream's, in one page.
    pub(super) async fn answer_prompt_list(self: Arc<Self>, id: Value) {
        let prompts = self.merged(Renamed::Prompts).await;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": {"prompts": prompts}}));
    }

    /// The tools or prompts of the layers below (the built-in server's tools at the bottom; it
    /// has no prompts), then this upstream's renamed ones, each layer waiting a bounded time
    /// for its upstream to finish connecting (all at once).
    pub(super) fn merged(self: &Arc<Self>, list: Renamed) -> BoxFuture<'_, Vec<Value>> {
        Box::pin(async move {
            let below = async {
                match (&self.beneath, list) {
                    (Some(beneath), _) => beneath.merged(list).await,
                    (None, Renamed::Tools) => self.builtin_tools.clone(),
                    (None, Renamed::Prompts) => Vec::new(),
                }
            };
            let (mut items, state) = tokio::join!(below, self.settled(Some(self.connect_wait)));
            if matches!(state, GatewayState::Connecting) {
                self.listed_early[list.listing() as usize].store(true, Ordering::SeqCst);
            }
            let table = match list {
                Renamed::Tools => {
                    self.rebuild_table();
                    &self.table
                }
                Renamed::Prompts => {
                    self.rebuild_prompts();
                    &self.prompts
                }
            };
            if let Ok(table) = table.read() {
                items.extend(table.listed.iter().cloned());
            }
            items
        })
    }

    /// `resources/list` or `resources/templates/list`: forwarded as asked when the upstream
    /// has resources, else the built-in server's (empty) list.
    pub(super) async fn answer_resource_list(self: Arc<Self>, id: Value, method: String, params: Value) {
        let state = self.settled(Some(self.connect_wait)).await;
        if matches!(state, GatewayState::Ready) && self.upstream_offers(Listing::Resources) {
            let gateway_id = self.gateway.next_request_id();
            let answer = match self.relay(&id, gateway_id, &method, params).await {
                Ok(response) => response,
                Err(error) => {
                    tracing::warn!(%method, %error, "forwarded request failed");
                    let what = format!("The {} could not answer {method}", self.upstream.label());
                    self.unavailable(&id, &what, &error)
                }
            };
            return self.send(&answer);
        }
        if matches!(state, GatewayState::Connecting) {
            self.listed_early[Listing::Resources as usize].store(true, Ordering::SeqCst);
        }
        let key = if method == "resources/templates/list" {
            "resourceTemplates"
        } else {
            "resources"
        };
        self.send(&json!({"jsonrpc": "2.0", "id": id, "result": {key: []}}));
    }

    /// Sends one request on to the upstream and returns its response as it came, under the
    /// client's `id`. What comes before the response on its stream (progress, logging, requests
    /// to the client) is passed on in order.
    pub(super) async fn relay(
        self: &Arc<Self>,
        id: &Value,
        gateway_id: String,
        method: &str,
        params: Value,
    ) -> Result<Value, GatewayError> {
        let limit = self.gateway.config().call_timeout;
        let in_band = |message: Value| self.pass_in_band(message);
        match self
            .gateway
            .request_as(gateway_id, method, params, limit, Some(&in_band))
            .await?
        {
            Value::Object(mut response) => {
                // The upstream's response as it came; only the id is the client's again.
                response.insert("id".to_string(), id.clone());
                Ok(Value::Object(response))
            }
            other => Err(GatewayError::Protocol(format!(
                "the answer to {method} is not a JSON-RPC response: {other}"
            ))),
        }
    }

    /// The error answer to a prompt or resource request the upstream could not serve: `what`,
    /// why, and what to do.
    pub(super) fn unavailable(&self, id: &Value, what: &str, error: &GatewayError) -> Value {
        let (problem, hint) = self.upstream.explain(error);
        rpc_error(
            id,
            -32603,
            &format!("{what}: {problem}. The built-in Tray tools still work. What to do: {hint}"),
        )
    }

    pub(super) async fn answer_call(self: Arc<Self>, call: ForwardedCall) {
        let key = call.id.to_string();
        match call.kind {
            Request::Tool => self.answer_call_as(call).await,
            Request::Prompt => {
                let answer = self.answer_prompt_get(call).await;
                self.send(&answer);
            }
            Request::Resource => {
                let answer = self.answer_resource_request(call).await;
                self.send(&answer);
            }
            Request::Completion => {
                let answer = self.answer_completion(call).await;
                self.send(&answer);
            }
        }
        if let Ok(mut calls) = self.calls.lock() {
            calls.remove(&key);
        }
    }

    /// `prompts/get` of one of this upstream's prompts, under its own name.
    pub(super) async fn answer_prompt_get(self: &Arc<Self>, call: ForwardedCall) -> Value {
        let ForwardedCall {
            id,
            mut params,
            target: name,
            gateway_id,
            ..
        } = call;
        let state = self.settled(None).await;
        let label = self.upstream.label();
        let original = self
            .prompts
            .read()
            .ok()
            .and_then(|table| table.original.get(&name).cloned());
        let Some(original) = original else {
            return match state {
                GatewayState::Failed(error) => {
                    self.unavailable(&id, &format!("The prompt {name} cannot be reached"), &error)
                }
                GatewayState::Connecting => rpc_error(
                    &id,
                    -32602,
                    &format!("unknown prompt {name}: the {label} is still connecting; list the prompts again shortly"),
                ),
                GatewayState::Ready => rpc_error(
                    &id,
                    -32602,
                    &format!("unknown prompt {name}: not one of the {label}'s prompts"),
                ),
            };
        };
        params.insert("name".to_string(), Value::String(original.clone()));
        match self.relay(&id, gateway_id, "prompts/get", Value::Object(params)).await {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(prompt = %original, %error, "forwarded prompts/get failed");
                self.unavailable(&id, &format!("The {label} prompt {original} failed"), &error)
            }
        }
    }

    /// `resources/read`, `resources/subscribe` or `resources/unsubscribe`, forwarded as asked
    /// when the upstream declared what it needs.
    pub(super) async fn answer_resource_request(self: &Arc<Self>, call: ForwardedCall) -> Value {
        let ForwardedCall {
            id,
            params,
            target: method,
            gateway_id,
            ..
        } = call;
        let uri = params
            .get("uri")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let label = self.upstream.label();
        match self.settled(None).await {
            GatewayState::Failed(error) => {
                return self.unavailable(&id, &format!("The resource {uri} cannot be reached"), &error);
            }
            GatewayState::Connecting => {
                return rpc_error(
                    &id,
                    -32603,
                    &format!(
                        "the resource {uri} cannot be reached yet: the {label} is still connecting; try again shortly"
                    ),
                );
            }
            GatewayState::Ready => {}
        }
        let resources = self.gateway.server_capabilities().get("resources").cloned();
        let subscribing = method != "resources/read";
        let can_subscribe = resources
            .as_ref()
            .and_then(|resources| resources.get("subscribe"))
            .and_then(Value::as_bool)
            == Some(true);
        if subscribing && !can_subscribe {
            return rpc_error(
                &id,
                -32601,
                &format!("{method} is not supported: the {label} does not offer resource subscriptions"),
            );
        }
        if resources.is_none() {
            return rpc_error(
                &id,
                -32002,
                &format!("Resource not found: {uri} (neither the built-in server nor the {label} has resources)"),
            );
        }
        match self.relay(&id, gateway_id, &method, Value::Object(params)).await {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(%method, %error, "forwarded resource request failed");
                self.unavailable(&id, &format!("The {label} could not answer {method} of {uri}"), &error)
            }
        }
    }

    /// `completion/complete` for one of this upstream's prompts (under its own name) or for a
    /// resource template of an upstream with resources. An upstream that offers no completions
    /// gets nothing: the answer is the empty list a server without suggestions gives.
    pub(super) async fn answer_completion(self: &Arc<Self>, call: ForwardedCall) -> Value {
        let ForwardedCall {
            id,
            mut params,
            target,
            gateway_id,
            ..
        } = call;
        let label = self.upstream.label();
        match self.settled(None).await {
            GatewayState::Failed(error) => {
                return self.unavailable(&id, &format!("Completions for {target} cannot be reached"), &error);
            }
            GatewayState::Connecting => return no_completions(&id),
            GatewayState::Ready => {}
        }
        if self.gateway.server_capabilities().get("completions").is_none() {
            return no_completions(&id);
        }
        let prompt = params
            .get("ref")
            .and_then(|reference| reference.get("type"))
            .and_then(Value::as_str)
            == Some("ref/prompt");
        if prompt {
            let original = self
                .prompts
                .read()
                .ok()
                .and_then(|table| table.original.get(&target).cloned());
            let Some(original) = original else {
                return no_completions(&id);
            };
            if let Some(Value::Object(reference)) = params.get_mut("ref") {
                reference.insert("name".to_string(), Value::String(original));
            }
        }
        match self
            .relay(&id, gateway_id, "completion/complete", Value::Object(params))
            .await
        {
            Ok(response) => response,
            Err(error) => {
                tracing::warn!(%target, %error, "forwarded completion/complete failed");
                self.unavailable(
                    &id,
                    &format!("The {label} could not complete an argument of {target}"),
                    &error,
                )
            }
        }
    }

    pub(super) async fn answer_call_as(self: &Arc<Self>, call: ForwardedCall) {
        let ForwardedCall {
            id,
            mut params,
            target: name,
            gateway_id,
            ..
        } = call;
        let state = self.settled(None).await;
        let original = self
            .table
            .read()
            .ok()
            .and_then(|table| table.original.get(&name).cloned());
        let label = self.upstream.label();
        let Some(original) = original else {
            if let Some(beneath) = &self.beneath {
                // Not this upstream's: the layers below answer it, unless this upstream failed
                // and none below has (or may yet have) the tool, when this failure is the news.
                let below_may_have =
                    beneath.listed_names().contains(&name) || matches!(beneath.state(), GatewayState::Connecting);
                if below_may_have || !matches!(state, GatewayState::Failed(_)) {
                    return beneath.start_call(id, params, Request::Tool, name);
                }
            }
            let message = match state {
                GatewayState::Failed(error) => {
                    let (problem, hint) = self.upstream.explain(&error);
                    return self.send(&tool_error(&id, &format!(
                        "The tool {name} cannot be reached: {problem}. The built-in Tray tools still work. What to do: {hint}"
                    )));
                }
                GatewayState::Connecting => {
                    format!("unknown tool {name}: the {label} is still connecting; list the tools again shortly")
                }
                GatewayState::Ready => {
                    format!("unknown tool {name}: neither a built-in tool nor one of the {label}'s tools")
                }
            };
            return self.send(&json!({
                "jsonrpc": "2.0",
                "id": id,
                "error": {"code": -32602, "message": message},
            }));
        };
        params.insert("name".to_string(), Value::String(original.clone()));
        if let Err(refusal) = self.upstream.prepare_call(&original, &mut params) {
            return self.send(&tool_error(&id, &refusal));
        }
        let limit = self.gateway.config().call_timeout;
        let in_band = |message: Value| self.pass_in_band(message);
        match self
            .gateway
            .request_as(gateway_id, "tools/call", Value::Object(params), limit, Some(&in_band))
            .await
        {
            Ok(Value::Object(mut response)) => {
                // The gateway's response as it came; only the id is the client's again.
                response.insert("id".to_string(), id);
                self.send(&Value::Object(response));
            }
            Ok(other) => self.send(&tool_error(
                &id,
                &format!("The {label} answered {original} with something that is not a JSON-RPC response: {other}"),
            )),
            Err(error) => {
                tracing::warn!(tool = %original, %error, "forwarded tool call failed");
                let (problem, hint) = self.upstream.explain(&error);
                self.send(&tool_error(
                    &id,
                    &format!("The {label} tool {original} failed: {problem}. What to do: {hint}"),
                ));
            }
        }
    }
}

/// A JSON-RPC error response.
pub(super) fn rpc_error(id: &Value, code: i64, message: &str) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "error": {"code": code, "message": message}})
}

/// A `tools/call` result that is a tool error with `text`.
pub(super) fn tool_error(id: &Value, text: &str) -> Value {
    json!({
        "jsonrpc": "2.0",
        "id": id,
        "result": {"content": [{"type": "text", "text": text}], "isError": true},
    })
}

/// The answer of a server with no suggestions (`completion/complete`).
pub(super) fn no_completions(id: &Value) -> Value {
    json!({"jsonrpc": "2.0", "id": id, "result": {"completion": {"values": []}}})
}
