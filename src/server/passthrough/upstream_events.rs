//! Upstream events: what the upstream sends by itself (notifications, its requests to the
//! client, cancellations, progress), and the client's answers to those requests.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Map, Value, json};
use tokio::sync::mpsc;

use super::{FORWARDED_REQUESTS, Forwarded, GatewayState, Passthrough};
use crate::remote::gateway::ServerMessage;

impl Passthrough {
    /// Passes on what the upstream sends by itself. A tools or prompts `list_changed` refreshes
    /// that list first; `ping` is answered here; other requests go to the client when it
    /// declared what they need, and are refused otherwise.
    pub(super) async fn pass_on(self: Arc<Self>, mut messages: mpsc::UnboundedReceiver<ServerMessage>) {
        while let Some(ServerMessage(message)) = messages.recv().await {
            let method = message
                .get("method")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            match (message.get("id"), method.as_str()) {
                (None, "notifications/tools/list_changed") => {
                    match self.gateway.list_tools().await {
                        Ok(tools) => {
                            self.replace_tools(tools);
                            self.state.send_replace(GatewayState::Ready);
                        }
                        Err(error) => tracing::warn!(%error, "could not refresh the Agent Gateway's tools"),
                    }
                    if self.client_ready.load(Ordering::SeqCst) {
                        self.send(&message);
                    }
                }
                (None, "notifications/prompts/list_changed") => {
                    let prompts = self.list_prompts().await;
                    self.replace_prompts(prompts);
                    if self.client_ready.load(Ordering::SeqCst) {
                        self.send(&message);
                    }
                }
                (None, "notifications/cancelled") => self.cancelled_by_gateway(&message),
                (None, "") => {
                    tracing::debug!("the Agent Gateway sent a message that is neither request nor notification")
                }
                (None, _) => {
                    if self.client_ready.load(Ordering::SeqCst) {
                        self.send(&message);
                    }
                }
                (Some(id), "ping") => {
                    let answer = json!({"jsonrpc": "2.0", "id": id, "result": {}});
                    if let Err(error) = self.gateway.send_message(&answer).await {
                        tracing::debug!(%error, "could not answer the Agent Gateway's ping");
                    }
                }
                (Some(id), _) => {
                    let id = id.clone();
                    if let Some(refusal) = self.forward_to_client(id.clone(), &method, message) {
                        tracing::info!(%method, "refused a request from the Agent Gateway: {refusal}");
                        let answer = json!({"jsonrpc": "2.0", "id": id, "error": {
                            "code": -32601,
                            "message": refusal,
                        }});
                        if let Err(error) = self.gateway.send_message(&answer).await {
                            tracing::debug!(%error, "could not refuse the Agent Gateway's request");
                        }
                    }
                }
            }
        }
    }

    /// Passes a request from the gateway to the client under an ID of ours, when the client
    /// declared the capability it needs. Returns why not, otherwise.
    pub(super) fn forward_to_client(&self, gateway_id: Value, method: &str, mut request: Value) -> Option<String> {
        let Some((_, capability)) = FORWARDED_REQUESTS.iter().find(|(name, _)| *name == method) else {
            return Some(format!(
                "{method} is not supported by tray-mcp's {} pass-through",
                self.upstream.label()
            ));
        };
        let declared = self.client_capabilities.borrow().clone().unwrap_or_default();
        if declared.get(capability).is_none() {
            return Some(format!(
                "the MCP client connected to tray-mcp did not declare the {capability} capability, so it cannot answer {method}"
            ));
        }
        let id = format!(
            "{}{}",
            self.upstream.forward_prefix(),
            self.next_forward.fetch_add(1, Ordering::Relaxed)
        );
        if let Some(object) = request.as_object_mut() {
            object.insert("id".to_string(), Value::String(id.clone()));
        }
        if let Ok(mut forwarded) = self.forwarded.lock() {
            forwarded.insert(
                id,
                Forwarded {
                    gateway_id,
                    request: request.clone(),
                },
            );
        }
        self.send(&request);
        None
    }

    /// The client answered a request forwarded from the gateway: sends the answer on, under
    /// the gateway's ID (an accepted form elicitation gets the schema's defaults for the fields
    /// the client left out, as SEP-1034 asks of clients). Returns false when `id` is not one.
    pub(super) fn answer_from_client(self: &Arc<Self>, id: &str, mut message: Value) -> bool {
        let Some(forwarded) = self
            .forwarded
            .lock()
            .ok()
            .and_then(|mut forwarded| forwarded.remove(id))
        else {
            return false;
        };
        if forwarded.request.get("method").and_then(Value::as_str) == Some("elicitation/create") {
            apply_elicitation_defaults(&forwarded.request, &mut message);
        }
        if let Some(object) = message.as_object_mut() {
            object.insert("id".to_string(), forwarded.gateway_id);
        }
        let gateway = Arc::clone(&self.gateway);
        tokio::spawn(async move {
            if let Err(error) = gateway.send_message(&message).await {
                tracing::warn!(%error, "could not pass the client's answer on to the Agent Gateway");
            }
        });
        true
    }

    /// The gateway cancelled a request it had sent: the client is told, under its ID.
    pub(super) fn cancelled_by_gateway(&self, message: &Value) {
        let Some(gateway_id) = message.pointer("/params/requestId") else {
            return;
        };
        let found = self.forwarded.lock().ok().and_then(|mut forwarded| {
            let id = forwarded
                .iter()
                .find(|(_, entry)| &entry.gateway_id == gateway_id)
                .map(|(id, _)| id.clone())?;
            forwarded.remove(&id).map(|_| id)
        });
        if let Some(id) = found {
            let mut message = message.clone();
            if let Some(params) = message.get_mut("params").and_then(Value::as_object_mut) {
                params.insert("requestId".to_string(), Value::String(id));
            }
            self.send(&message);
        }
    }

    /// The client cancelled a forwarded `tools/call`: stop waiting for it, and tell the gateway
    /// under its ID. Returns false when the request is not a forwarded call.
    pub(super) fn cancelled_by_client(self: &Arc<Self>, message: &Value) -> bool {
        let Some(request_id) = message.pointer("/params/requestId") else {
            return false;
        };
        let Some(call) = self
            .calls
            .lock()
            .ok()
            .and_then(|mut calls| calls.remove(&request_id.to_string()))
        else {
            return false;
        };
        if let Some(abort) = call.abort {
            abort.abort();
        }
        let mut message = message.clone();
        if let Some(params) = message.get_mut("params").and_then(Value::as_object_mut) {
            params.insert("requestId".to_string(), Value::String(call.gateway_id));
        }
        self.send_to_gateway(message);
        true
    }

    /// Whether `token` is the progress token of a request forwarded from the gateway.
    pub(super) fn is_forwarded_progress(&self, token: &Value) -> bool {
        self.forwarded.lock().is_ok_and(|forwarded| {
            forwarded
                .values()
                .any(|entry| entry.request.pointer("/params/_meta/progressToken") == Some(token))
        })
    }

    pub(super) fn send_to_gateway(&self, message: Value) {
        let gateway = Arc::clone(&self.gateway);
        tokio::spawn(async move {
            if let Err(error) = gateway.send_message(&message).await {
                tracing::debug!(%error, "could not pass a notification on to the Agent Gateway");
            }
        });
    }
}

/// The client capabilities declared to the gateway: those of the stdio client's that the
/// pass-through forwards (elicitation, sampling, roots), as the client declared them.
pub(super) fn forwardable_capabilities(declared: &Value) -> Value {
    let mut capabilities = Map::new();
    for (_, capability) in FORWARDED_REQUESTS {
        if let Some(value) = declared.get(capability) {
            capabilities.insert(capability.to_string(), value.clone());
        }
    }
    Value::Object(capabilities)
}

/// Fills the `default` of each requested field an accepted form elicitation left out.
pub(super) fn apply_elicitation_defaults(request: &Value, answer: &mut Value) {
    let params = request.get("params");
    if params
        .and_then(|params| params.get("mode"))
        .is_some_and(|mode| mode != "form")
    {
        return;
    }
    let Some(properties) = params
        .and_then(|params| params.pointer("/requestedSchema/properties"))
        .and_then(Value::as_object)
    else {
        return;
    };
    let Some(result) = answer.get_mut("result").and_then(Value::as_object_mut) else {
        return;
    };
    if result.get("action").and_then(Value::as_str) != Some("accept") {
        return;
    }
    let content = result.entry("content").or_insert_with(|| json!({}));
    let Some(content) = content.as_object_mut() else { return };
    for (name, property) in properties {
        if let Some(default) = property.get("default")
            && !content.contains_key(name)
        {
            content.insert(name.clone(), default.clone());
        }
    }
}
