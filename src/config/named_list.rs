//! Servers kept as a list of items named by a key, seen as an object of named entries.
//!
//! Why: Continue keeps its servers as a YAML list (`mcpServers: [- name: prod, command: ...]`),
//! while every command edits "the entry `prod` under `mcpServers`". Rather than teach each
//! command about lists, [`NamedItems`] wraps a format's document and answers the same key-path
//! questions: where the parent of a path is a list (or absent, so an install creates one), the
//! last key names the item whose `name` is that key. Values cross without their name (it is the
//! key), exactly as in an object, so a list-kept entry looks like any other to recognition,
//! rotation, rename and remove; the name is written back, first, on every set. The edits are the
//! wrapped backend's own list edits (`upsert_array_item`, `remove_array_item`), which keep every
//! other byte and check what they wrote.

use serde_json::{Map, Value};

use super::format::ConfigDocument;
use super::json::document::{Change, DocumentError, Members};

/// A document whose server lists are read and edited as objects keyed by each item's `id_key`.
pub struct NamedItems {
    inner: Box<dyn ConfigDocument>,
    id_key: &'static str,
}

impl NamedItems {
    /// Wraps `inner`; items are named by their `id_key` field.
    pub fn new(inner: Box<dyn ConfigDocument>, id_key: &'static str) -> Self {
        NamedItems { inner, id_key }
    }

    /// The items of the list at `path` with their names, or `None` when `path` is not a list.
    /// Two items of one name are refused (the client runs either, and an edit would reach one
    /// while a read found the other).
    fn named_items(&self, path: &[&str]) -> Result<Option<Members>, DocumentError> {
        let Some(Value::Array(items)) = self.inner.get(path)? else {
            return Ok(None);
        };
        let members = self.members_of(&items);
        let mut seen = std::collections::HashSet::new();
        if let Some((name, _)) = members.iter().find(|(name, _)| !seen.insert(name.as_str())) {
            let (line, column) = self.second_name_position(name);
            return Err(DocumentError::Unsupported {
                what: format!("two items of the list are named \"{name}\""),
                hint: "keep one of the two (the client may run either), and run the command again",
                line,
                column,
            });
        }
        Ok(Some(members))
    }

    /// Where the second `name: NAME` line of the text is (1-based line and column), as near as
    /// the text shows it; 1:1 when no line spells it plainly.
    fn second_name_position(&self, name: &str) -> (usize, usize) {
        let text = self.inner.render();
        let spellings = [name.to_string(), format!("\"{name}\""), format!("'{name}'")];
        text.lines()
            .enumerate()
            .filter_map(|(index, line)| {
                let body = line.trim_start().trim_start_matches("- ").trim_start();
                let value = body.strip_prefix(self.id_key)?.trim_start().strip_prefix(':')?.trim();
                spellings
                    .contains(&value.to_string())
                    .then(|| (index + 1, line.len() - line.trim_start().len() + 1))
            })
            .nth(1)
            .unwrap_or((1, 1))
    }

    fn members_of(&self, items: &[Value]) -> Members {
        items
            .iter()
            .filter_map(|item| {
                let name = item.get(self.id_key)?.as_str()?.to_string();
                Some((name, self.without_name(item)))
            })
            .collect()
    }

    fn without_name(&self, item: &Value) -> Value {
        let mut item = item.clone();
        if let Some(object) = item.as_object_mut() {
            object.shift_remove(self.id_key);
        }
        item
    }

    /// `value` as a list item named `name`: the name first, then the value's own fields.
    fn named(&self, name: &str, value: &Value) -> Value {
        let mut item = Map::new();
        item.insert(self.id_key.to_string(), Value::String(name.to_string()));
        if let Some(object) = value.as_object() {
            for (key, field) in object {
                if key != self.id_key {
                    item.insert(key.clone(), field.clone());
                }
            }
        }
        Value::Object(item)
    }

    /// Whether setting `value` at `path` sets a list item: the parent of `path` is a list, or
    /// is absent and `value` an entry (so the set creates the list).
    fn addresses_item(&self, path: &[&str], value: &Value) -> Result<bool, DocumentError> {
        let Some((_, parent)) = path.split_last() else {
            return Ok(false);
        };
        if parent.is_empty() {
            return Ok(false);
        }
        Ok(match self.inner.get(parent)? {
            Some(Value::Array(_)) => true,
            None => value.is_object(),
            Some(_) => false,
        })
    }
}

impl ConfigDocument for NamedItems {
    fn get(&self, path: &[&str]) -> Result<Option<Value>, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return self.inner.get(path);
        };
        if parent.is_empty() {
            return self.inner.get(path);
        }
        match self.named_items(parent)? {
            Some(members) => Ok(members
                .into_iter()
                .find(|(name, _)| name == last)
                .map(|(_, value)| value)),
            None => self.inner.get(path),
        }
    }

    fn members(&self, path: &[&str]) -> Result<Members, DocumentError> {
        match self.named_items(path)? {
            Some(members) => Ok(members),
            None => self.inner.members(path),
        }
    }

    fn members_matching(&self, pattern: &[&str]) -> Result<Vec<(Vec<String>, Members)>, DocumentError> {
        let root = self.inner.get(&[])?.unwrap_or(Value::Null);
        let mut found = Vec::new();
        self.collect_matching(&root, pattern, &mut Vec::new(), &mut found);
        Ok(found)
    }

    fn keys(&self, path: &[&str]) -> Result<Vec<String>, DocumentError> {
        // Names only, a name twice included: the name checks then see the clash.
        match self.inner.get(path)? {
            Some(Value::Array(items)) => Ok(self.members_of(&items).into_iter().map(|(name, _)| name).collect()),
            _ => self.inner.keys(path),
        }
    }

    fn set(&mut self, path: &[&str], value: &Value) -> Result<Change, DocumentError> {
        if !self.addresses_item(path, value)? {
            return self.inner.set(path, value);
        }
        let (last, parent) = path.split_last().expect("an item path has a name");
        let item = self.named(last, value);
        self.inner.upsert_array_item(parent, self.id_key, last, &item)
    }

    fn remove(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return self.inner.remove(path);
        };
        if !parent.is_empty() && self.named_items(parent)?.is_some() {
            return self.inner.remove_array_item(parent, self.id_key, last);
        }
        self.inner.remove(path)
    }

    fn remove_if_empty(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        // A list of items takes its key out with its last item (see `remove_array_item`): what
        // is left to check is a mapping on the way to it.
        self.inner.remove_if_empty(path)
    }

    fn rename_key(&mut self, path: &[&str], new_key: &str) -> Result<bool, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return self.inner.rename_key(path, new_key);
        };
        if parent.is_empty() || self.named_items(parent)?.is_none() {
            return self.inner.rename_key(path, new_key);
        }
        let Some(value) = self.get(path)? else {
            return Ok(false);
        };
        let item = self.named(new_key, &value);
        self.inner.upsert_array_item(parent, self.id_key, last, &item)?;
        Ok(true)
    }

    fn upsert_array_item(
        &mut self,
        path: &[&str],
        id_key: &str,
        id: &str,
        value: &Value,
    ) -> Result<Change, DocumentError> {
        self.inner.upsert_array_item(path, id_key, id, value)
    }

    fn remove_array_item(&mut self, path: &[&str], id_key: &str, id: &str) -> Result<bool, DocumentError> {
        self.inner.remove_array_item(path, id_key, id)
    }

    fn render(&self) -> String {
        self.inner.render()
    }

    fn into_text(self: Box<Self>) -> String {
        self.inner.into_text()
    }
}

impl NamedItems {
    /// Walks `value` along `pattern` (`*` matching any key), collecting the members of every
    /// object or named list it ends at.
    fn collect_matching(
        &self,
        value: &Value,
        pattern: &[&str],
        at: &mut Vec<String>,
        found: &mut Vec<(Vec<String>, Members)>,
    ) {
        let Some((first, rest)) = pattern.split_first() else {
            match value {
                Value::Object(object) => found.push((at.clone(), object.clone().into_iter().collect())),
                Value::Array(items) => found.push((at.clone(), self.members_of(items))),
                _ => {}
            }
            return;
        };
        let Value::Object(object) = value else { return };
        for (key, child) in object {
            if *first == "*" || first == key {
                at.push(key.clone());
                self.collect_matching(child, rest, at, found);
                at.pop();
            }
        }
    }
}
