//! The TOML backend (Codex's `config.toml`), on `toml_edit`: the library Codex itself reads and
//! writes its config with.
//!
//! Why `toml_edit`: it keeps comments, whitespace and the order of tables, so a new
//! `[mcp_servers.NAME]` table is the only change, and removing it again gives back the original
//! bytes (tried before choosing it; the conformance suite holds it to that). Three things it
//! does not keep by itself are handled here: a byte-order mark (stripped and put back), CRLF
//! line endings (new lines follow the file's), and a missing final newline (kept
//! missing). A file nothing was changed in is returned as read.
//!
//! TOML has no `null`: a `null` in a value to write leaves that key out.

use std::ops::Range;

use serde_json::{Map, Value};
use toml_edit::{Array, DocumentMut, InlineTable, Item, Key, Table, TableLike};

use super::json::document::{Change, DocumentError, Members};

const BOM: char = '\u{feff}';

/// A TOML document held by `toml_edit`.
#[derive(Debug, Clone)]
pub struct TomlDocument {
    document: DocumentMut,
    /// The text as read (without a byte-order mark).
    original: String,
    has_bom: bool,
    /// Whether any edit has been made; an untouched document renders as it was read.
    edited: bool,
}

impl TomlDocument {
    /// Parses `text` (empty text is an empty document).
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let (has_bom, body) = match text.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let document = body.parse::<DocumentMut>().map_err(|error| {
            let (line, column) = line_column(body, error.span().unwrap_or(0..0));
            DocumentError::Syntax {
                line,
                column,
                message: error.message().trim().to_string(),
            }
        })?;
        Ok(TomlDocument {
            document,
            original: body.to_string(),
            has_bom,
            edited: false,
        })
    }

    /// The table-like item at `path` (the root for an empty path), or `None` when a key on the
    /// way is missing; an error when one is not a table.
    fn table_at(&self, path: &[&str]) -> Result<Option<&dyn TableLike>, DocumentError> {
        let mut table: &dyn TableLike = self.document.as_table();
        for (depth, key) in path.iter().enumerate() {
            let Some(item) = table.get(key) else { return Ok(None) };
            table = item
                .as_table_like()
                .ok_or_else(|| self.wrong_type(&path[..=depth], "a table", item))?;
        }
        Ok(Some(table))
    }

    /// The table-like item at `path`, creating missing tables (without headers of their own).
    fn table_at_mut(&mut self, path: &[&str]) -> Result<&mut dyn TableLike, DocumentError> {
        // Checked first so the error can borrow the document.
        for depth in 1..=path.len() {
            let prefix = &path[..depth];
            if let Some(parent) = self.table_at(&prefix[..depth - 1])?
                && let Some(item) = parent.get(prefix[depth - 1])
                && item.as_table_like().is_none()
            {
                return Err(self.wrong_type(prefix, "a table", item));
            }
        }
        let mut table: &mut dyn TableLike = self.document.as_table_mut();
        for key in path {
            // An inline parent turns this into an inline table itself.
            let item = table.entry(key).or_insert_with(|| {
                let mut created = Table::new();
                created.set_implicit(true);
                Item::Table(created)
            });
            table = item
                .as_table_like_mut()
                .expect("checked above: every key on the path is a table");
        }
        Ok(table)
    }

    fn wrong_type(&self, path: &[&str], expected: &'static str, found: &Item) -> DocumentError {
        let (line, column) = line_column(&self.original, found.span().unwrap_or(0..0));
        DocumentError::WrongType {
            path: path.join("."),
            expected,
            found: found.type_name(),
            line,
            column,
        }
    }

    /// Whether `path` is (or would be created as) a standard table, where a new entry gets a
    /// `[header]` of its own, rather than an inline or dotted table.
    fn is_standard_table(&self, path: &[&str]) -> Result<bool, DocumentError> {
        let mut table: &Table = self.document.as_table();
        for (depth, key) in path.iter().enumerate() {
            match table.get(key) {
                None => return Ok(!table.is_dotted()),
                Some(Item::Table(child)) => table = child,
                Some(item) if item.is_table_like() => return Ok(false),
                Some(item) => return Err(self.wrong_type(&path[..=depth], "a table", item)),
            }
        }
        Ok(!table.is_dotted())
    }

    fn array_at_mut(&mut self, path: &[&str]) -> Result<Option<&mut Item>, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(None);
        };
        if let Some(table) = self.table_at(parent)?
            && let Some(item) = table.get(last)
            && !(item.is_array() || item.is_array_of_tables())
        {
            return Err(self.wrong_type(path, "an array", item));
        }
        Ok(self.table_at_mut(parent)?.get_mut(last))
    }
}

impl super::format::ConfigDocument for TomlDocument {
    fn get(&self, path: &[&str]) -> Result<Option<Value>, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(Some(table_to_json(self.document.as_table())));
        };
        Ok(self
            .table_at(parent)?
            .and_then(|table| table.get(last))
            .and_then(item_to_json))
    }

    fn members(&self, path: &[&str]) -> Result<Members, DocumentError> {
        Ok(self.table_at(path)?.map(table_to_members).unwrap_or_default())
    }

    fn members_matching(&self, pattern: &[&str]) -> Result<Vec<(Vec<String>, Members)>, DocumentError> {
        let mut found = Vec::new();
        collect_matching(self.document.as_table(), pattern, &mut Vec::new(), &mut found);
        Ok(found)
    }

    fn keys(&self, path: &[&str]) -> Result<Vec<String>, DocumentError> {
        Ok(self
            .table_at(path)?
            .map(|table| table.iter().map(|(key, _)| key.to_string()).collect())
            .unwrap_or_default())
    }

    fn set(&mut self, path: &[&str], value: &Value) -> Result<Change, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(Change::Unchanged);
        };
        let existing = self.table_at(parent)?.and_then(|table| table.get(last));
        if existing.and_then(item_to_json).as_ref() == Some(value) {
            return Ok(Change::Unchanged);
        }
        let standalone = self.is_standard_table(parent)?;
        let table = self.table_at_mut(parent)?;
        let mut item = json_to_item(value, standalone);
        let change = match table.get_mut(last) {
            Some(old) => {
                keep_place(old, &mut item);
                *old = item;
                Change::Updated
            }
            None => {
                table.insert(last, item);
                Change::Added
            }
        };
        self.edited = true;
        Ok(change)
    }

    fn remove(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(false);
        };
        if self.table_at(parent)?.is_none_or(|table| !table.contains_key(last)) {
            return Ok(false);
        }
        let removed = self.table_at_mut(parent)?.remove(last).is_some();
        self.edited |= removed;
        Ok(removed)
    }

    fn remove_if_empty(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(false);
        };
        if self.table_at(path)?.is_none_or(|table| !table.is_empty()) {
            return Ok(false);
        }
        // A `[header]` with a comment before or after it is the user's.
        if let Some(Item::Table(table)) = self.table_at(parent)?.and_then(|table| table.get(last))
            && decor_has_comment(table.decor())
        {
            return Ok(false);
        }
        self.remove(path)
    }

    fn rename_key(&mut self, path: &[&str], new_key: &str) -> Result<bool, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(false);
        };
        if self.table_at(parent)?.is_none_or(|table| !table.contains_key(last)) {
            return Ok(false);
        }
        let table = self.table_at_mut(parent)?;
        // Rebuilt in order, so the renamed key keeps its place (and its decoration).
        let entries: Vec<(Key, Item)> = table
            .iter()
            .filter_map(|(key, _)| table.get_key_value(key))
            .map(|(key, item)| (key.clone(), item.clone()))
            .collect();
        table.clear();
        for (key, item) in entries {
            let key = if key.get() == *last {
                Key::new(new_key)
                    .with_leaf_decor(key.leaf_decor().clone())
                    .with_dotted_decor(key.dotted_decor().clone())
            } else {
                key
            };
            table.entry_format(&key).or_insert(item);
        }
        self.edited = true;
        Ok(true)
    }

    fn upsert_array_item(
        &mut self,
        path: &[&str],
        id_key: &str,
        id: &str,
        value: &Value,
    ) -> Result<Change, DocumentError> {
        let Some(item) = self.array_at_mut(path)? else {
            self.set(path, &Value::Array(vec![value.clone()]))?;
            return Ok(Change::Added);
        };
        let change = match item {
            Item::ArrayOfTables(tables) => {
                let index = tables.iter().position(|table| has_id(table, id_key, id));
                let Value::Object(object) = value else {
                    return Ok(Change::Unchanged);
                };
                let new_table = object_to_table(object);
                match index.and_then(|index| tables.get_mut(index)) {
                    Some(existing) if table_to_json(existing) == *value => Change::Unchanged,
                    Some(existing) => {
                        let position = existing.position();
                        *existing = new_table;
                        existing.set_position(position);
                        Change::Updated
                    }
                    None => {
                        tables.push(new_table);
                        Change::Added
                    }
                }
            }
            other => {
                let array = other.as_array_mut().expect("array_at_mut returns arrays only");
                let index = array
                    .iter()
                    .position(|element| element.as_inline_table().is_some_and(|table| has_id(table, id_key, id)));
                let new_value = json_to_value(value);
                match index {
                    Some(index) if array.get(index).and_then(value_to_json).as_ref() == Some(value) => {
                        Change::Unchanged
                    }
                    Some(index) => {
                        array.replace(index, new_value);
                        Change::Updated
                    }
                    None => {
                        array.push(new_value);
                        Change::Added
                    }
                }
            }
        };
        self.edited |= change != Change::Unchanged;
        Ok(change)
    }

    fn remove_array_item(&mut self, path: &[&str], id_key: &str, id: &str) -> Result<bool, DocumentError> {
        let Some(item) = self.array_at_mut(path)? else {
            return Ok(false);
        };
        let removed = match item {
            Item::ArrayOfTables(tables) => {
                let index = tables.iter().position(|table| has_id(table, id_key, id));
                index
                    .inspect(|index| {
                        tables.remove(*index);
                    })
                    .is_some()
            }
            other => {
                let array = other.as_array_mut().expect("array_at_mut returns arrays only");
                let index = array
                    .iter()
                    .position(|element| element.as_inline_table().is_some_and(|table| has_id(table, id_key, id)));
                index
                    .inspect(|index| {
                        array.remove(*index);
                    })
                    .is_some()
            }
        };
        self.edited |= removed;
        Ok(removed)
    }

    fn render(&self) -> String {
        let body = if self.edited {
            follow_layout(&self.original, self.document.to_string())
        } else {
            self.original.clone()
        };
        if self.has_bom { format!("{BOM}{body}") } else { body }
    }

    fn into_text(self: Box<Self>) -> String {
        self.render()
    }
}

/// Whether a table header's decoration (the lines before it, the rest of its line) holds a
/// comment.
fn decor_has_comment(decor: &toml_edit::Decor) -> bool {
    [decor.prefix(), decor.suffix()]
        .into_iter()
        .flatten()
        .any(|raw| raw.as_str().is_some_and(|text| text.contains('#')))
}

/// Gives a replacement the position and comments of the item it replaces.
fn keep_place(old: &Item, new: &mut Item) {
    if let (Item::Table(old), Item::Table(new)) = (old, new) {
        new.set_position(old.position());
        *new.decor_mut() = old.decor().clone();
    }
}

/// New text written in the file's own line endings, and a missing final newline kept missing
/// (so removing what was added gives back the original bytes).
fn follow_layout(original: &str, rendered: String) -> String {
    let crlf = original.contains("\r\n") && !original.replace("\r\n", "").contains('\n');
    let mut text = if crlf {
        rendered.replace("\r\n", "\n").replace('\n', "\r\n")
    } else {
        rendered
    };
    if !original.is_empty() && !original.ends_with('\n') {
        let newline = if crlf { "\r\n" } else { "\n" };
        if let Some(stripped) = text.strip_suffix(newline) {
            text.truncate(stripped.len());
        }
    }
    text
}

fn collect_matching(
    table: &dyn TableLike,
    pattern: &[&str],
    keys: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, Members)>,
) {
    let Some((first, rest)) = pattern.split_first() else {
        found.push((keys.clone(), table_to_members(table)));
        return;
    };
    for (key, item) in table.iter() {
        if (*first == "*" || *first == key)
            && let Some(child) = item.as_table_like()
        {
            keys.push(key.to_string());
            collect_matching(child, rest, keys, found);
            keys.pop();
        }
    }
}

fn has_id(table: &dyn TableLike, id_key: &str, id: &str) -> bool {
    table.get(id_key).and_then(Item::as_str) == Some(id)
}

// ----- values across the boundary -----

fn table_to_members(table: &dyn TableLike) -> Members {
    table
        .iter()
        .filter_map(|(key, item)| item_to_json(item).map(|value| (key.to_string(), value)))
        .collect()
}

fn table_to_json(table: &dyn TableLike) -> Value {
    Value::Object(table_to_members(table).into_iter().collect())
}

fn item_to_json(item: &Item) -> Option<Value> {
    match item {
        Item::None => None,
        Item::Value(value) => value_to_json(value),
        Item::Table(table) => Some(table_to_json(table)),
        Item::ArrayOfTables(tables) => Some(Value::Array(tables.iter().map(|table| table_to_json(table)).collect())),
    }
}

fn value_to_json(value: &toml_edit::Value) -> Option<Value> {
    Some(match value {
        toml_edit::Value::String(text) => Value::String(text.value().clone()),
        toml_edit::Value::Integer(number) => Value::from(*number.value()),
        toml_edit::Value::Float(number) => {
            serde_json::Number::from_f64(*number.value()).map_or(Value::Null, Value::Number)
        }
        toml_edit::Value::Boolean(flag) => Value::Bool(*flag.value()),
        toml_edit::Value::Datetime(datetime) => Value::String(datetime.value().to_string()),
        toml_edit::Value::Array(array) => Value::Array(array.iter().filter_map(value_to_json).collect()),
        toml_edit::Value::InlineTable(table) => table_to_json(table),
    })
}

/// A value to write: an object becomes a table with a header of its own when `standalone`
/// (the entry under `[mcp_servers]`), and inline tables inside it.
fn json_to_item(value: &Value, standalone: bool) -> Item {
    match value {
        Value::Object(object) if standalone => Item::Table(object_to_table(object)),
        other => Item::Value(json_to_value(other)),
    }
}

fn object_to_table(object: &Map<String, Value>) -> Table {
    let mut table = Table::new();
    for (key, value) in object {
        if !value.is_null() {
            table.insert(key, Item::Value(json_to_value(value)));
        }
    }
    table
}

fn json_to_value(value: &Value) -> toml_edit::Value {
    match value {
        Value::Null | Value::String(_) => toml_edit::Value::from(value.as_str().unwrap_or_default()),
        Value::Bool(flag) => toml_edit::Value::from(*flag),
        Value::Number(number) => match number.as_i64() {
            Some(integer) => toml_edit::Value::from(integer),
            None => toml_edit::Value::from(number.as_f64().unwrap_or_default()),
        },
        Value::Array(items) => {
            let mut array = Array::new();
            for item in items.iter().filter(|item| !item.is_null()) {
                array.push(json_to_value(item));
            }
            toml_edit::Value::Array(array)
        }
        Value::Object(object) => {
            let mut table = InlineTable::new();
            for (key, item) in object.iter().filter(|(_, item)| !item.is_null()) {
                table.insert(key, json_to_value(item));
            }
            toml_edit::Value::InlineTable(table)
        }
    }
}

/// 1-based line and column of the start of a byte range.
fn line_column(text: &str, span: Range<usize>) -> (usize, usize) {
    let before = &text[..span.start.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[line_start..].chars().count() + 1)
}
