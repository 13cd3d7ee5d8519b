//! Names: how an upstream's tools (and prompts) are listed over those below, renamed with a
//! prefix where a name is taken, and how a listed name leads back to the upstream's own.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use super::COLLISION_PREFIX;

/// The gateway's tools as listed to the client, and how to forward them.
#[derive(Debug, Default)]
pub(super) struct ToolTable {
    /// Tool objects as the gateway sent them, `name` replaced where it collided.
    pub(super) listed: Vec<Value>,
    /// Listed name → the gateway's own name.
    pub(super) original: HashMap<String, String>,
}

/// Builds the table: an upstream's tools in their order, renamed with `prefix` where a name is
/// taken.
pub(super) fn tool_table(mut taken: HashSet<String>, prefix: &str, tools: Vec<Value>) -> ToolTable {
    let mut table = ToolTable::default();
    for mut tool in tools {
        let Some(name) = tool.get("name").and_then(Value::as_str).map(str::to_string) else {
            tracing::warn!("an upstream listed a tool without a name; skipped");
            continue;
        };
        let mut listed = name.clone();
        let mut round = 1;
        while taken.contains(&listed) {
            listed = if round == 1 {
                format!("{prefix}{name}")
            } else {
                format!("{prefix}{round}_{name}")
            };
            round += 1;
        }
        if listed != name {
            tracing::info!(tool = %name, listed = %listed, "upstream tool renamed: its name is taken");
            if let Some(object) = tool.as_object_mut() {
                object.insert("name".to_string(), Value::String(listed.clone()));
            }
        }
        taken.insert(listed.clone());
        table.original.insert(listed, name);
        table.listed.push(tool);
    }
    table
}

/// `tools` (as the Agent Gateway lists them) as the pass-through lists them over the built-in
/// `builtin_tools`: renamed where a name is taken. For the install's approvals, which must
/// name the tools as `serve` does.
pub fn listed_as(builtin_tools: &[Value], tools: Vec<Value>) -> Vec<Value> {
    let taken = builtin_tools
        .iter()
        .filter_map(|tool| tool.get("name").and_then(Value::as_str).map(str::to_string))
        .collect();
    tool_table(taken, COLLISION_PREFIX, tools).listed
}
