//! Routing: which layer takes a client message (by method, and by the tool, prompt or
//! resource it names), and which goes down to the built-in server.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde_json::{Map, Value, json};

use super::{ForwardedCall, InFlight, Listing, Passthrough, Request};
use crate::server::transport::{Intercept, Outbox};

impl Passthrough {
    /// Routes `completion/complete`: a prompt's to the layer that lists the prompt, a resource
    /// template's to the top-most layer whose upstream has resources (as resources are routed).
    /// What no upstream owns goes down to the built-in server, which has no suggestions.
    pub(super) fn intercept_completion(self: &Arc<Self>, id: Value, message: Value, outbox: &Outbox) -> Option<Value> {
        let Some(params) = message.get("params").and_then(Value::as_object) else {
            return self.pass_down(message, outbox);
        };
        let reference = params.get("ref");
        let field = |key: &str| {
            reference
                .and_then(|reference| reference.get(key))
                .and_then(Value::as_str)
                .map(str::to_string)
        };
        let target = match field("type").as_deref() {
            Some("ref/prompt") => field("name").filter(|name| self.owns_prompt(name)),
            Some("ref/resource") => field("uri").filter(|_| self.upstream_offers(Listing::Resources)),
            _ => None,
        };
        let Some(target) = target else {
            return self.pass_down(message, outbox);
        };
        self.start_call(id, params.clone(), Request::Completion, target);
        None
    }

    /// Starts a forwarded request (a `tools/call`, `prompts/get` or resource request, by `kind`
    /// of `target`: the listed tool or prompt name, or the resource method), remembered so the
    /// client can cancel it.
    pub(super) fn start_call(self: &Arc<Self>, id: Value, params: Map<String, Value>, kind: Request, target: String) {
        let key = id.to_string();
        let gateway_id = self.gateway.next_request_id();
        if let Ok(mut calls) = self.calls.lock() {
            calls.insert(
                key.clone(),
                InFlight {
                    gateway_id: gateway_id.clone(),
                    abort: None,
                },
            );
        }
        let task = tokio::spawn(Arc::clone(self).answer_call(ForwardedCall {
            id,
            params,
            kind,
            target,
            gateway_id,
        }));
        if let Ok(mut calls) = self.calls.lock()
            && let Some(call) = calls.get_mut(&key)
        {
            call.abort = Some(task.abort_handle());
        }
    }
}

/// Registered with the transport as `Arc<Passthrough>`: the tasks it spawns need the `Arc`.
impl Intercept for Arc<Passthrough> {
    fn intercept(&self, message: Value, outbox: &Outbox) -> Option<Value> {
        let _ = self.outbox.set(outbox.clone());
        let Some(method) = message.get("method").and_then(Value::as_str) else {
            return self.intercept_response(message, outbox);
        };
        let Some(id) = message.get("id").cloned() else {
            let method = method.to_string();
            return self.intercept_notification(&method, message, outbox);
        };
        match method {
            "initialize" => {
                let declared = message
                    .pointer("/params/capabilities")
                    .cloned()
                    .unwrap_or_else(|| json!({}));
                self.client_capabilities.send_replace(Some(declared));
                self.pass_down(message, outbox)
            }
            "tools/list" => {
                tokio::spawn(Arc::clone(self).answer_list(id));
                None
            }
            "tools/call" => self.intercept_tool_call(id, message, outbox),
            "prompts/list" => {
                tokio::spawn(Arc::clone(self).answer_prompt_list(id));
                None
            }
            "prompts/get" => self.intercept_prompt_get(id, message, outbox),
            "resources/list"
            | "resources/templates/list"
            | "resources/read"
            | "resources/subscribe"
            | "resources/unsubscribe"
                if self.beneath.is_some() && !self.upstream_offers(Listing::Resources) =>
            {
                // The top-most layer whose upstream has resources takes them; the bottom one
                // answers when none has.
                self.pass_down(message, outbox)
            }
            "resources/list" | "resources/templates/list" => {
                let params = message.get("params").cloned().unwrap_or_else(|| json!({}));
                tokio::spawn(Arc::clone(self).answer_resource_list(id, method.to_string(), params));
                None
            }
            "completion/complete" => self.intercept_completion(id, message, outbox),
            "resources/read" | "resources/subscribe" | "resources/unsubscribe" => {
                // Without params (and so a URI), rmcp answers with the JSON-RPC error.
                let Some(params) = message.get("params").and_then(Value::as_object).cloned() else {
                    return self.pass_down(message, outbox);
                };
                self.start_call(id, params, Request::Resource, method.to_string());
                None
            }
            _ => self.pass_down(message, outbox),
        }
    }
}

impl Passthrough {
    /// A response: to a request forwarded from the gateway, or to rmcp's own.
    fn intercept_response(self: &Arc<Self>, message: Value, outbox: &Outbox) -> Option<Value> {
        let id = message
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if id.starts_with(self.upstream.forward_prefix()) && self.answer_from_client(&id, message.clone()) {
            return None;
        }
        self.pass_down(message, outbox)
    }

    /// A notification from the client: some are the gateway's business too, all go down.
    fn intercept_notification(self: &Arc<Self>, method: &str, message: Value, outbox: &Outbox) -> Option<Value> {
        match method {
            "notifications/initialized" => self.client_ready.store(true, Ordering::SeqCst),
            "notifications/cancelled" if self.cancelled_by_client(&message) => return None,
            "notifications/progress" => {
                let token = message.pointer("/params/progressToken").cloned().unwrap_or_default();
                if self.is_forwarded_progress(&token) {
                    self.send_to_gateway(message);
                    return None;
                }
            }
            "notifications/roots/list_changed" => self.send_to_gateway(message.clone()),
            _ => {}
        }
        self.pass_down(message, outbox)
    }

    /// `tools/call`: a built-in tool's, or a lower layer's, goes down; this upstream's is forwarded.
    fn intercept_tool_call(self: &Arc<Self>, id: Value, message: Value, outbox: &Outbox) -> Option<Value> {
        let Some(params) = message.get("params").and_then(Value::as_object) else {
            return self.pass_down(message, outbox);
        };
        let Some(name) = params.get("name").and_then(Value::as_str) else {
            return self.pass_down(message, outbox);
        };
        let below = self.builtin_names.contains(name)
            || (!self.owns(name)
                && self
                    .beneath
                    .as_ref()
                    .is_some_and(|beneath| beneath.listed_names().contains(name)));
        if below {
            return self.pass_down(message, outbox);
        }
        let (params, name) = (params.clone(), name.to_string());
        self.start_call(id, params, Request::Tool, name);
        None
    }

    /// `prompts/get`: forwarded by the layer that lists the prompt.
    fn intercept_prompt_get(self: &Arc<Self>, id: Value, message: Value, outbox: &Outbox) -> Option<Value> {
        // Without a name, rmcp answers with the JSON-RPC error.
        let params = message.get("params").and_then(Value::as_object);
        let Some(name) = params.and_then(|params| params.get("name")).and_then(Value::as_str) else {
            return self.pass_down(message, outbox);
        };
        // Another layer's prompt goes down; the bottom layer answers the unknown ones.
        if !self.owns_prompt(name) && self.beneath.is_some() {
            return self.pass_down(message, outbox);
        }
        let (params, name) = (params.cloned().unwrap_or_default(), name.to_string());
        self.start_call(id, params, Request::Prompt, name);
        None
    }
}
