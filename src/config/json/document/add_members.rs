//! Adding many members to one object in one pass over the text.
//!
//! Why: every [`Document::set`] scans the whole text (it checks the file as it goes), so adding N
//! entries to a file one `set` at a time is N passes over a file that grows to N entries: `apply`
//! of 10,000 declared entries took minutes. Adding a member after the last one is the same text
//! each time (a comma, a line break, the last member's indentation, the member), so once the
//! object has that shape the members go in as one splice after its last member, the text the
//! `set`s would have written, and for any other shape (an empty object, one line, a comment after
//! the last member) the first member goes in by `set`, which knows them all.

use std::collections::HashSet;

use serde_json::Value;

use super::{Document, DocumentError, Splice};
use crate::config::json::scan::ValueKind;

impl Document {
    /// Adds `members`, none of them in the object at `parent` yet, in order, as one `set` each
    /// would (the same text).
    pub fn add_members(&mut self, parent: &[&str], members: &[(String, Value)]) -> Result<(), DocumentError> {
        let mut rest = members;
        // At most one `set` before the object has a last member on a line of its own.
        for _ in 0..2 {
            let Some((first, after)) = rest.split_first() else {
                return Ok(());
            };
            if let Some(splice) = self.append_after_last(parent, rest)? {
                self.apply(splice);
                return Ok(());
            }
            self.set_member(parent, first)?;
            rest = after;
        }
        for member in rest {
            self.set_member(parent, member)?;
        }
        Ok(())
    }

    fn set_member(&mut self, parent: &[&str], (key, value): &(String, Value)) -> Result<(), DocumentError> {
        let mut path = parent.to_vec();
        path.push(key);
        self.set(&path, value).map(|_| ())
    }

    /// The splice that appends `members` after the last member of the object at `parent`, when
    /// that member starts its own line with no comment after it, and no key is there already
    /// (or twice in `members`); otherwise `None`.
    fn append_after_last(&self, parent: &[&str], members: &[(String, Value)]) -> Result<Option<Splice>, DocumentError> {
        let found = self.locate(parent)?;
        let Some(ValueKind::Object(items)) = found.get(parent.len()).map(|container| &container.kind) else {
            return Ok(None);
        };
        let Some(last) = items.last() else {
            return Ok(None);
        };
        if self.is_single_line() || !self.starts_line(last.start) || self.line_tail(last.end).comment {
            return Ok(None);
        }
        let mut keys: HashSet<&str> = items.iter().filter_map(|item| item.key.as_deref()).collect();
        if !members.iter().all(|(key, _)| keys.insert(key.as_str())) {
            return Ok(None);
        }
        let indent = self.line_indent(last.start);
        let newline = self.newline();
        let mut text = String::new();
        for (key, value) in members {
            let label = serde_json::to_string(key).unwrap_or_default();
            text.push_str(&format!(",{newline}{indent}{label}: {}", self.render(value, &indent)));
        }
        Ok(Some(Splice::insert(last.end, text)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::json::document::Dialect;
    use serde_json::json;

    fn members(count: usize) -> Vec<(String, Value)> {
        (0..count)
            .map(|index| {
                (
                    format!("tray-{index}"),
                    json!({"command": "/bin/tray-mcp", "args": ["serve", "--profile", format!("tray-{index}")]}),
                )
            })
            .collect()
    }

    /// The text is the one a `set` per member gives, whatever the object's shape.
    #[test]
    fn adding_members_gives_the_text_of_one_set_each() {
        let dialect = Dialect::Jsonc;
        for text in [
            "",
            "{}",
            "{\n  \"mcpServers\": {}\n}\n",
            "{\n  \"mcpServers\": {\n    \"other\": {\"command\": \"x\"}\n  }\n}\n",
            "{\r\n    \"mcpServers\": {\r\n        \"other\": 1,\r\n    },\r\n}\r\n",
            "{\n  \"mcpServers\": {\n    \"other\": 1 // mine\n  }\n}\n",
            "{\n  \"mcpServers\": {\n    \"other\": 1, /* mine */\n  }\n}\n",
            "{\"mcpServers\": {\"other\": 1}}",
            "{\n\t\"theme\": \"dark\"\n}\n",
            "// mine\n{\n  \"mcpServers\": { \"other\": 1 }\n}\n",
        ] {
            for count in [1, 2, 5] {
                let mut one_by_one = Document::new(text, dialect);
                for (key, value) in members(count) {
                    one_by_one.set(&["mcpServers", &key], &value).expect("set");
                }
                let mut at_once = Document::new(text, dialect);
                at_once.add_members(&["mcpServers"], &members(count)).expect("added");
                assert_eq!(at_once.to_text(), one_by_one.to_text(), "{text:?} x{count}");
            }
        }
    }

    #[test]
    fn a_key_already_there_is_set_as_set_would() {
        let text = "{\n  \"mcpServers\": {\n    \"tray-1\": 1\n  }\n}\n";
        let mut one_by_one = Document::new(text, Dialect::Json);
        for (key, value) in members(3) {
            one_by_one.set(&["mcpServers", &key], &value).expect("set");
        }
        let mut at_once = Document::new(text, Dialect::Json);
        at_once.add_members(&["mcpServers"], &members(3)).expect("added");
        assert_eq!(at_once.to_text(), one_by_one.to_text());
    }
}
