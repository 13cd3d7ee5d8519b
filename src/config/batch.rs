//! The values of many entries of one document, one read per container.
//!
//! Why: every read of a [`ConfigDocument`] goes over the whole text (the JSON editor checks the
//! file as it looks, so a syntax error is never skipped), so asking for N entries of one file one
//! at a time costs N passes over a file that grows with N: `apply` of 10,000 declared entries took
//! minutes. The entries of a file share their container (`mcpServers`): reading it once with
//! [`ConfigDocument::members`] gives every entry in it for one pass.

use std::collections::HashMap;

use serde_json::Value;

use super::format::ConfigDocument;

/// The value at each of `paths` (`None` where there is none, or it cannot be read), in order.
/// Paths that share a parent are answered from one [`ConfigDocument::members`] of it; a parent
/// that `members` cannot read (a list, a wrong type) falls back to one [`ConfigDocument::get`]
/// per path, which answers as it always did.
pub fn values_at(document: &dyn ConfigDocument, paths: &[Vec<String>]) -> Vec<Option<Value>> {
    let mut parents: HashMap<&[String], Option<HashMap<String, Value>>> = HashMap::new();
    paths
        .iter()
        .map(|path| {
            let one = || {
                let path: Vec<&str> = path.iter().map(String::as_str).collect();
                document.get(&path).ok().flatten()
            };
            let Some((last, parent)) = path.split_last() else {
                return one();
            };
            let members = parents.entry(parent).or_insert_with(|| {
                let parent: Vec<&str> = parent.iter().map(String::as_str).collect();
                // The last of a key written twice wins, as in `set`.
                document
                    .members(&parent)
                    .ok()
                    .map(|members| members.into_iter().collect())
            });
            match members {
                Some(members) => members.get(last).cloned(),
                None => one(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Format, open};

    fn path(keys: &[&str]) -> Vec<String> {
        keys.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn every_format_answers_as_get_does() {
        for (format, text) in [
            (
                Format::Json,
                r#"{"mcpServers": {"a": {"command": "x"}, "b": 1}, "top": 2}"#,
            ),
            (
                Format::Toml,
                "top = 2\n[mcp_servers.a]\ncommand = \"x\"\n[mcp_servers]\nb = 1\n",
            ),
            (Format::Yaml, "top: 2\nmcpServers:\n  a:\n    command: x\n  b: 1\n"),
            (Format::YamlList, "top: 2\nmcpServers:\n  - name: a\n    command: x\n"),
        ] {
            let document = open(format, text).expect("opens");
            let paths = [
                path(&["mcpServers", "a"]),
                path(&["mcpServers", "b"]),
                path(&["mcp_servers", "a"]),
                path(&["mcpServers", "missing"]),
                path(&["top"]),
                path(&["top", "under"]),
                path(&["nowhere", "x"]),
                Vec::new(),
            ];
            let expected: Vec<Option<Value>> = paths
                .iter()
                .map(|path| {
                    let path: Vec<&str> = path.iter().map(String::as_str).collect();
                    document.get(&path).ok().flatten()
                })
                .collect();
            assert_eq!(values_at(document.as_ref(), &paths), expected, "{format:?}");
        }
    }
}
