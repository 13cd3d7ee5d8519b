//! `install --approve read-only`: the client's own approval, written ahead, for exactly the
//! tools whose annotations say they only read (`readOnlyHint: true` and not
//! `destructiveHint: true`), never the rest.
//!
//! Why: most clients ask before every call of every tool, and approving everything (as
//! `--auto-approve` elsewhere does) also approves the tools that change a production workspace.
//! The seven built-in tools are read-only by their own annotations; the Agent Gateway's tools
//! are judged by theirs, as the install's verification lists them. Names are the ones `serve`
//! lists (renamed like the pass-through renames, and only the tools the entry's filter lets
//! through).
//!
//! The rules go into a user's own file (Claude Code's settings of the entry's scope; where is a
//! client fact, [`crate::clients::Client::approval_list`]), beside rules of theirs: only the
//! rules added are recorded in the profile ([`crate::profiles::WrittenRules`]), and `remove` takes out exactly
//! those, every other byte of the file kept.

use serde_json::Value;

use crate::config::transaction::{Edited, FileEdit, FileProblem};
use crate::config::{Change, Dialect, Document};
use crate::tool_filter::ToolFilter;

/// What `--approve` approves ahead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Approve {
    /// The tools annotated read-only and not destructive.
    ReadOnly,
}

impl Approve {
    /// The word on the command line and in a manifest.
    pub const READ_ONLY: &'static str = "read-only";

    /// Reads `--approve` / `approve = "..."`.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim() {
            Self::READ_ONLY => Ok(Approve::ReadOnly),
            other => Err(format!(
                "unknown approval \"{other}\": the only one is {}",
                Self::READ_ONLY
            )),
        }
    }
}

/// Whether a listed tool's annotations say it only reads: `readOnlyHint: true`, and
/// `destructiveHint` not `true`. A tool without annotations is not read-only.
pub fn is_read_only(tool: &Value) -> bool {
    let hint = |key: &str| tool.pointer(&format!("/annotations/{key}")).and_then(Value::as_bool);
    hint("readOnlyHint") == Some(true) && hint("destructiveHint") != Some(true)
}

/// The tools to approve, by the names `serve` lists them: the built-in tools, then
/// `gateway_tools` (as the gateway listed them) renamed as the pass-through renames them;
/// only the read-only ones the entry's `filter` lets through.
pub fn read_only_tools(gateway_tools: &[Value], filter: &ToolFilter) -> Vec<String> {
    served_tools(gateway_tools, filter)
        .iter()
        .filter(|tool| is_read_only(tool))
        .filter_map(|tool| tool.get("name").and_then(Value::as_str))
        .map(str::to_string)
        .collect()
}

/// Every tool a stdio entry serves, as `serve` lists it: the built-in tools, then
/// `gateway_tools` renamed as the pass-through renames them, those `filter` lets through.
pub fn served_tools(gateway_tools: &[Value], filter: &ToolFilter) -> Vec<Value> {
    let builtin = crate::server::tools::TrayTools::builtin_tools_json();
    let gateway = crate::server::passthrough::listed_as(&builtin, gateway_tools.to_vec());
    builtin
        .into_iter()
        .chain(gateway)
        .filter(|tool| {
            tool.get("name")
                .and_then(Value::as_str)
                .is_some_and(|name| filter.allows(name))
        })
        .collect()
}

/// The strings the list at `list` of the file `file` holds now (none when it cannot be read
/// or parsed: an edit of it then says what is wrong with the file). With `field` (the client's
/// [`crate::clients::Client::entry_approval_field`]), a table of tools there counts the tools
/// whose table has that field at that value (Codex's `approval_mode = "approve"`).
pub fn rules_in(file: &std::path::Path, list: &[String], field: Option<(&str, &str)>) -> Vec<String> {
    let path: Vec<&str> = list.iter().map(String::as_str).collect();
    match value_in(file, &path) {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str().map(str::to_string))
            .collect(),
        Some(Value::Object(tools)) => {
            let Some((field, approves)) = field else {
                return Vec::new();
            };
            tools
                .into_iter()
                .filter(|(_, table)| table.get(field).and_then(Value::as_str) == Some(approves))
                .map(|(tool, _)| tool)
                .collect()
        }
        _ => Vec::new(),
    }
}

/// The value at `path` of a JSON (or, by its `.toml` extension, TOML) file, when it reads.
pub fn value_in(file: &std::path::Path, path: &[&str]) -> Option<Value> {
    let text = crate::config::safe_write::read_to_string(file).ok()?;
    if file.extension().is_some_and(|extension| extension == "toml") {
        let document = crate::config::format::open(crate::config::Format::Toml, &text).ok()?;
        return document.get(path).ok().flatten();
    }
    Document::parse(&text, Dialect::Json).ok()?.get(path).ok().flatten()
}

/// Adds and takes out rules in a JSON list of strings, every other byte kept.
pub struct RuleEdit {
    /// The key path of the list.
    pub list: Vec<String>,
    /// Rules to add (those already there are left as they are).
    pub add: Vec<String>,
    /// Rules to take out (those missing are fine).
    pub remove: Vec<String>,
}

impl FileEdit for RuleEdit {
    fn apply(&self, current: Option<&str>) -> Result<Edited, FileProblem> {
        if current.is_none() && self.add.is_empty() {
            return Ok(Edited {
                contents: None,
                change: Change::Unchanged,
            });
        }
        let original = current.unwrap_or("");
        let mut document = Document::parse(original, Dialect::Json)?;
        let path: Vec<&str> = self.list.iter().map(String::as_str).collect();
        for rule in &self.remove {
            document.remove_array_string(&path, rule)?;
        }
        for rule in &self.add {
            document.add_array_string(&path, rule)?;
        }
        let text = document.into_text();
        let change = match current {
            None => Change::Added,
            Some(before) if before == text => Change::Unchanged,
            Some(_) => Change::Updated,
        };
        Ok(Edited {
            contents: Some(text),
            change,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn read_only_means_the_hint_and_not_destructive() {
        assert!(is_read_only(&json!({"annotations": {"readOnlyHint": true}})));
        assert!(!is_read_only(
            &json!({"annotations": {"readOnlyHint": true, "destructiveHint": true}})
        ));
        assert!(!is_read_only(&json!({"annotations": {"destructiveHint": false}})));
        assert!(!is_read_only(&json!({"name": "no annotations"})));
    }

    #[test]
    fn the_built_in_tools_and_read_only_gateway_tools_are_approved_by_their_listed_names() {
        let gateway = vec![
            json!({"name": "lookup", "annotations": {"readOnlyHint": true}}),
            json!({"name": "delete_all", "annotations": {"readOnlyHint": true, "destructiveHint": true}}),
            json!({"name": "list_workflows", "annotations": {"readOnlyHint": true}}),
        ];
        let all = read_only_tools(&gateway, &ToolFilter::default());
        assert_eq!(all.len(), 7 + 2, "{all:?}");
        assert!(all.contains(&"lookup".to_string()) && all.contains(&"gateway_list_workflows".to_string()));
        assert!(!all.contains(&"delete_all".to_string()));
        let filtered = read_only_tools(&gateway, &ToolFilter::new(vec!["list_*".into()], Vec::new()));
        assert_eq!(filtered.len(), 4, "{filtered:?}");
    }

    #[test]
    fn rules_are_added_once_and_taken_out_with_every_other_byte_kept() {
        let list = vec!["permissions".to_string(), "allow".to_string()];
        let mine = "{\n  \"permissions\": {\n    \"allow\": [\n      \"Bash(npm run test:*)\"\n    ],\n    \"deny\": []\n  },\n  \"model\": \"opus\"\n}\n";
        let add = RuleEdit {
            list: list.clone(),
            add: vec!["mcp__tray__list_workflows".into()],
            remove: Vec::new(),
        };
        let added = add.apply(Some(mine)).unwrap();
        let text = added.contents.unwrap();
        assert!(
            text.contains("\"Bash(npm run test:*)\",\n      \"mcp__tray__list_workflows\""),
            "{text}"
        );
        assert_eq!(add.apply(Some(&text)).unwrap().change, Change::Unchanged);
        let remove = RuleEdit {
            list,
            add: Vec::new(),
            remove: vec!["mcp__tray__list_workflows".into()],
        };
        assert_eq!(remove.apply(Some(&text)).unwrap().contents.unwrap(), mine);
        let created = add.apply(None).unwrap();
        assert_eq!(created.change, Change::Added);
        assert!(created.contents.unwrap().contains("mcp__tray__list_workflows"));
        assert_eq!(remove.apply(None).unwrap().contents, None);
    }
}
