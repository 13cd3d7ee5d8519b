//! Edit: writing new entries and items as the file writes them (line endings, indentation,
//! list style), quoting strings that would read as something else.

use super::*;

impl YamlDocument {
    /// Writes `entry` again with `value`, keeping its key as written (`last` when it has none);
    /// returns where.
    pub(super) fn replace_entry(&mut self, entry: &Node, last: &str, value: &Value) -> Result<usize, DocumentError> {
        self.check_replaceable(entry)?;
        let range = self.entry_lines(entry);
        let layout = self.layout();
        let column = column_of(&self.body, start(entry));
        let key = raw_key(entry).unwrap_or_else(|| scalar_text(last));
        let mut text = String::new();
        emit_entry(&mut text, &key, value, column, &layout);
        let mut text = layout.line_endings(&text);
        if range.end == self.body.len() && !self.body.ends_with('\n') {
            text = format!(
                "{}{}",
                if range.start < line_start(&self.body, start(entry)) {
                    layout.newline()
                } else {
                    ""
                },
                text.strip_suffix(layout.newline()).unwrap_or(&text)
            );
        }
        let near = range.start;
        self.splice(range, &text, near)?;
        Ok(near)
    }

    /// Sets `value` at `path` where the path exists down to `depth` only: the missing part is
    /// built around the value and written under `holder` (or into `mapping`); returns where.
    pub(super) fn set_missing(
        &mut self,
        path: &[&str],
        depth: usize,
        mapping: Option<Node>,
        holder: Option<Node>,
        value: &Value,
    ) -> Result<usize, DocumentError> {
        // Build the missing part of the path around the value.
        let mut nested = value.clone();
        for key in path[depth + 1..].iter().rev() {
            let mut object = Map::new();
            object.insert((*key).to_string(), nested);
            nested = Value::Object(object);
        }
        let near = match holder {
            Some(entry) if holds_nothing_written(&entry) => {
                // `key:` holding nothing: its line stays as it is (a comment on it too),
                // the new entry goes under it, so removing it gives the line back.
                let column = column_of(&self.body, start(&entry)) + self.layout().indent;
                self.insert_entry(Some(&entry), column, &scalar_text(path[depth]), &nested)?
            }
            Some(entry) => {
                // `key: null` (or `~`): the entry is written again with the mapping.
                self.check_replaceable(&entry)?;
                let range = self.entry_lines(&entry);
                let column = column_of(&self.body, start(&entry));
                let key = raw_key(&entry).unwrap_or_else(|| scalar_text(path[depth - 1]));
                let layout = self.layout();
                let mut object = Map::new();
                object.insert(path[depth].to_string(), nested);
                let mut text = String::new();
                emit_entry(&mut text, &key, &Value::Object(object), column, &layout);
                let text = layout.line_endings(&text);
                let near = range.start;
                self.splice(range, &text, near)?;
                near
            }
            None => {
                let last_entry = mapping.as_ref().and_then(|mapping| entries(mapping).last());
                let column = last_entry
                    .as_ref()
                    .map_or(0, |entry| column_of(&self.body, start(entry)));
                self.insert_entry(last_entry.as_ref(), column, &scalar_text(path[depth]), &nested)?
            }
        };
        Ok(near)
    }
}

/// The file's way of writing: line endings, indentation step, and whether a list under a key is
/// indented.
pub(super) struct Layout {
    crlf: bool,
    pub(super) indent: usize,
    indented_lists: bool,
}

impl Layout {
    pub(super) fn of(body: &str) -> Layout {
        let crlf = body.contains("\r\n") && !body.replace("\r\n", "").contains('\n');
        let mut indent = None;
        let mut indented_lists = None;
        let lines: Vec<&str> = body.lines().collect();
        for pair in lines.windows(2) {
            let (key_line, next) = (pair[0], pair[1]);
            let key_trimmed = key_line.trim_end();
            if key_trimmed.trim_start().starts_with('#') || !key_trimmed.ends_with(':') {
                continue;
            }
            let key_column = key_line.len() - key_line.trim_start().len();
            let next_column = next.len() - next.trim_start().len();
            if next.trim().is_empty() || next.trim_start().starts_with('#') {
                continue;
            }
            if next.trim_start().starts_with("- ") || next.trim() == "-" {
                indented_lists.get_or_insert(next_column > key_column);
            } else if next_column > key_column {
                indent.get_or_insert(next_column - key_column);
            }
        }
        Layout {
            crlf,
            indent: indent.unwrap_or(DEFAULT_INDENT),
            indented_lists: indented_lists.unwrap_or(true),
        }
    }

    pub(super) fn newline(&self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }

    pub(super) fn line_endings(&self, text: &str) -> String {
        if self.crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_string()
        }
    }
}

/// Writes `key: value` at `column` (LF line endings; [`Layout::line_endings`] converts).
pub(super) fn emit_entry(out: &mut String, key: &str, value: &Value, column: usize, layout: &Layout) {
    let pad = " ".repeat(column);
    match value {
        Value::Object(object) if !object.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            for (child_key, child_value) in object {
                emit_entry(
                    out,
                    &scalar_text(child_key),
                    child_value,
                    column + layout.indent,
                    layout,
                );
            }
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(&format!("{pad}{key}:\n"));
            let item_column = if layout.indented_lists {
                column + layout.indent
            } else {
                column
            };
            for item in items {
                emit_item(out, item, item_column, layout);
            }
        }
        other => out.push_str(&format!("{pad}{key}: {}\n", inline_value(other))),
    }
}

/// Writes one list item, `- value`, with its dash at `column`.
pub(super) fn emit_item(out: &mut String, value: &Value, column: usize, layout: &Layout) {
    let pad = " ".repeat(column);
    match value {
        Value::Object(object) if !object.is_empty() => {
            let mut inner = String::new();
            for (child_key, child_value) in object {
                emit_entry(&mut inner, &scalar_text(child_key), child_value, column + 2, layout);
            }
            // The first key goes on the dash's line.
            out.push_str(&pad);
            out.push_str("- ");
            out.push_str(&inner[column + 2..]);
        }
        other => out.push_str(&format!("{pad}- {}\n", inline_value(other))),
    }
}

/// A value on one line: a scalar, or an empty or nested collection in JSON (flow) form.
pub(super) fn inline_value(value: &Value) -> String {
    match value {
        Value::String(text) => scalar_text(text),
        Value::Object(object) if object.is_empty() => "{}".into(),
        Value::Array(items) if items.is_empty() => "[]".into(),
        other => other.to_string(),
    }
}

/// A value in flow style on one line, every string double-quoted (a JSON string is a valid YAML
/// double-quoted scalar, and a plain scalar in flow context may not hold `,[]{}`).
pub(super) fn flow_text(value: &Value) -> String {
    match value {
        Value::Object(object) => {
            let members: Vec<String> = object
                .iter()
                .map(|(key, value)| format!("{}: {}", Value::String(key.clone()), flow_text(value)))
                .collect();
            format!("{{{}}}", members.join(", "))
        }
        Value::Array(items) => format!("[{}]", items.iter().map(flow_text).collect::<Vec<_>>().join(", ")),
        other => other.to_string(),
    }
}

/// A string as a YAML scalar: plain when it reads back as the same string, else double-quoted
/// (a JSON string is a valid YAML double-quoted scalar).
pub(super) fn scalar_text(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_string()
    } else {
        Value::String(text.to_string()).to_string()
    }
}

pub(super) fn is_plain_safe(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    if text.trim() != text || text.chars().any(char::is_control) {
        return false;
    }
    if "?:,[]{}#&*!|>'\"%@`".contains(first) || first.is_ascii_digit() || first == '+' || first == '.' {
        return false;
    }
    if first == '-'
        && (text.len() == 1
            || text[1..].starts_with(' ')
            || text[1..].starts_with(|c: char| c.is_ascii_digit() || c == '.'))
    {
        return false;
    }
    if text.contains(": ") || text.contains(" #") || text.ends_with(':') {
        return false;
    }
    let reserved = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "~", ".inf", ".nan",
    ];
    !reserved.contains(&text.to_ascii_lowercase().as_str())
}
