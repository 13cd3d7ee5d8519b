//! The entry's tool filter, applied where `serve`'s tool list is assembled.
//!
//! Why an [`Intercept`] on top of everything: the merged list (built-in tools, then each
//! pass-through layer's) is assembled in one place, [`Passthrough::listed_tools`] (or, without a
//! pass-through, is the built-in list), and this layer answers `tools/list` from it, filtered.
//! A `list_changed` from an upstream makes the client list again, so the filter holds for the
//! new list too. A `tools/call` of a tool the filter leaves out is answered here with a tool
//! error that says so and how to change it; nothing is forwarded and no built-in tool runs.
//! Every other message goes on unchanged (to the pass-through, or to rmcp).

use std::sync::Arc;

use serde_json::{Value, json};

use super::passthrough::Passthrough;
use super::transport::{Intercept, Outbox};
use crate::tool_filter::ToolFilter;

/// Filters the tool list and refuses calls of the tools left out.
pub struct Filtered {
    filter: ToolFilter,
    /// The profile the filter came from, for the hint.
    profile: String,
    /// The built-in tools as JSON, listed when there is no pass-through.
    builtin_tools: Vec<Value>,
    /// The top pass-through layer, which assembles the merged list and takes other messages.
    top: Option<Arc<Passthrough>>,
}

/// What sees each incoming message first: the filter when the profile has one (over the top
/// pass-through, if any), else the top pass-through, else nothing (rmcp serves it all).
pub fn intercept(
    filter: ToolFilter,
    profile: Option<String>,
    builtin_tools: Vec<Value>,
    top: Option<Arc<Passthrough>>,
) -> Option<Arc<dyn Intercept>> {
    match (filter.is_empty(), top) {
        (true, None) => None,
        (true, Some(top)) => Some(Arc::new(top)),
        (false, top) => {
            tracing::info!(filter = %filter.describe(), "serving only the tools the entry's filter lets through");
            Some(Arc::new(Filtered {
                filter,
                profile: profile.unwrap_or_else(|| "NAME".to_string()),
                builtin_tools,
                top,
            }))
        }
    }
}

impl Filtered {
    /// The tool error for a call of `name`, which the filter leaves out.
    fn refusal(&self, id: &Value, name: &str) -> Value {
        let text = format!(
            "The tool \"{name}\" is not served: this entry's tool filter ({}) leaves it out. hint: to \
             serve it, install the entry again as before (its workspace and token or sign-in) with a \
             pattern that matches it: `tray-mcp install --name {} --tools '...'` (--tools '*' serves \
             every tool); or use one of the tools that tools/list shows.",
            self.filter.describe(),
            self.profile
        );
        json!({
            "jsonrpc": "2.0",
            "id": id,
            "result": {"content": [{"type": "text", "text": text}], "isError": true},
        })
    }

    /// Hands a message on: to the pass-through, or (without one) to rmcp.
    fn pass_on(&self, message: Value, outbox: &Outbox) -> Option<Value> {
        match &self.top {
            Some(top) => top.intercept(message, outbox),
            None => Some(message),
        }
    }
}

impl Intercept for Filtered {
    fn intercept(&self, message: Value, outbox: &Outbox) -> Option<Value> {
        let method = message.get("method").and_then(Value::as_str);
        let Some(id) = message.get("id").cloned() else {
            return self.pass_on(message, outbox);
        };
        match method {
            Some("tools/list") => {
                let (filter, top, builtin) = (self.filter.clone(), self.top.clone(), self.builtin_tools.clone());
                let outbox = outbox.clone();
                tokio::spawn(async move {
                    let tools = match top {
                        Some(top) => top.listed_tools().await,
                        None => builtin,
                    };
                    let tools: Vec<Value> = tools.into_iter().filter(|tool| passes(&filter, tool)).collect();
                    outbox.send(&json!({"jsonrpc": "2.0", "id": id, "result": {"tools": tools}}));
                });
                None
            }
            Some("tools/call") => {
                let name = message.pointer("/params/name").and_then(Value::as_str);
                match name {
                    Some(name) if !self.filter.allows(name) => {
                        tracing::info!(tool = name, "refused a call of a tool the entry's filter leaves out");
                        outbox.send(&self.refusal(&id, name));
                        None
                    }
                    _ => self.pass_on(message, outbox),
                }
            }
            _ => self.pass_on(message, outbox),
        }
    }
}

/// Whether a listed tool object passes the filter (one without a name does not).
fn passes(filter: &ToolFilter, tool: &Value) -> bool {
    tool.get("name")
        .and_then(Value::as_str)
        .is_some_and(|name| filter.allows(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn listed_tools_pass_by_name_and_a_nameless_one_does_not() {
        let filter = ToolFilter::new(vec!["list_*".into(), "echo".into()], Vec::new());
        assert!(passes(&filter, &json!({"name": "list_workflows"})));
        assert!(passes(&filter, &json!({"name": "echo", "x-vendor": 1})));
        assert!(!passes(&filter, &json!({"name": "gateway_list_workflows"})));
        assert!(!passes(&filter, &json!({"description": "no name"})));
    }

    #[test]
    fn the_refusal_is_a_tool_error_naming_the_filter_and_the_fix() {
        let filtered = Filtered {
            filter: ToolFilter::new(vec!["list_*".into()], vec!["list_workflow_*".into()]),
            profile: "work".into(),
            builtin_tools: Vec::new(),
            top: None,
        };
        let answer = filtered.refusal(&json!(7), "send_slack_message");
        assert_eq!(answer["id"], json!(7));
        assert_eq!(answer["result"]["isError"], json!(true));
        let text = answer["result"]["content"][0]["text"].as_str().unwrap();
        assert!(text.contains("\"send_slack_message\" is not served"), "{text}");
        assert!(
            text.contains("--tools 'list_*' --exclude-tools 'list_workflow_*'"),
            "{text}"
        );
        assert!(text.contains("tray-mcp install --name work"), "{text}");
    }
}
