//! Surgical edits of JSON and JSONC documents that keep every byte we do not own.
//!
//! Why not parse into a value and serialise it back: that loses comments, trailing commas, key
//! order, indentation and line endings, which is exactly how other installers damage users'
//! files. Instead, [`scan`](super::scan) finds the byte ranges of the keys on the path we edit,
//! and the edit splices new text into those ranges only. New text copies the file's own
//! indentation and line endings.
//!
//! Every edit is built so that removing an entry undoes adding it, byte for byte.

use serde_json::Value;

use super::scan::{self, Item, PathValue, ValueKind};
use super::skim;

mod add_members;
mod layout;
mod string_items;

/// Which syntax a client's parser accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// Plain JSON (Claude Desktop, Claude Code): no comments, no trailing commas.
    Json,
    /// JSON with `//` and `/* */` comments and trailing commas (VS Code, Cursor, Windsurf).
    Jsonc,
    /// JSON with comments but no trailing commas, and with or without a byte-order mark: what
    /// Gemini CLI (no mark either) and Qwen Code read. A file that has what the client cannot
    /// read is refused, naming where, since the client itself fails on it; an edit never adds
    /// either.
    JsoncNoTrailingCommas {
        /// Whether the client reads a file that starts with a UTF-8 byte-order mark.
        byte_order_mark: bool,
    },
}

impl Dialect {
    /// What the scanner takes in this dialect.
    fn grammar(self) -> scan::Grammar {
        match self {
            Dialect::Json => scan::Grammar::JSON,
            Dialect::Jsonc => scan::Grammar::JSONC,
            Dialect::JsoncNoTrailingCommas { .. } => scan::Grammar {
                comments: true,
                trailing_commas: false,
            },
        }
    }

    /// Whether `//` and `/* */` comments are allowed.
    pub fn allows_comments(self) -> bool {
        self.grammar().comments
    }

    /// Whether the client reads a file that starts with a byte-order mark.
    fn reads_byte_order_mark(self) -> bool {
        match self {
            Dialect::Json | Dialect::Jsonc => true,
            Dialect::JsoncNoTrailingCommas { byte_order_mark } => byte_order_mark,
        }
    }
}

/// What an edit did to the document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new key was written.
    Added,
    /// An existing key got a different value.
    Updated,
    /// The key already held this value; no byte changed.
    Unchanged,
    /// The key was taken out.
    Removed,
}

/// Why a document could not be read or edited.
#[derive(Debug, Clone, thiserror::Error)]
pub enum DocumentError {
    /// The text is not valid in the document's dialect.
    #[error("{message} at {line}:{column}")]
    Syntax {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
        /// What the parser expected.
        message: String,
    },
    /// A key on the edited path holds something other than an object (or array).
    #[error("expected {expected} at \"{path}\" ({line}:{column}), found {found}")]
    WrongType {
        /// The dotted key path.
        path: String,
        /// What we need there.
        expected: &'static str,
        /// What the file has there.
        found: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// Something the editor refuses to change, because it cannot change it safely (a YAML file
    /// of several documents, a flow-style mapping on the way to the entry, ...).
    #[error("{what} at {line}:{column}")]
    Unsupported {
        /// What is there.
        what: String,
        /// What the user can do about it.
        hint: &'static str,
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
}

/// The members of an object: keys and values in file order.
pub type Members = Vec<(String, Value)>;

/// Objects found by a key pattern: the concrete key path of each, and its keys in file order.
pub type KeysAt = Vec<(Vec<String>, Vec<String>)>;

/// A JSON or JSONC document held as text.
#[derive(Debug, Clone)]
pub struct Document {
    /// The text after any byte-order mark.
    text: String,
    /// Whether the file started with a UTF-8 byte-order mark (kept on output).
    has_bom: bool,
    dialect: Dialect,
    /// The last [`Document::locate`]'s path and findings, while the text is unchanged: an
    /// upsert asks for the entry (whose is it?) and then sets it, and on Claude Code's 20 MB
    /// state file each validating scan costs ~10 ms. Cleared by every change of `text`.
    located: std::cell::RefCell<Option<(Vec<String>, Vec<PathValue>)>>,
}

const BOM: char = '\u{feff}';

impl Document {
    /// Takes the document text and checks that it parses. Empty text is an empty document.
    pub fn parse(text: &str, dialect: Dialect) -> Result<Self, DocumentError> {
        let document = Document::new(text, dialect);
        document.locate(&[])?;
        Ok(document)
    }

    /// Takes the document text without checking it yet. Every read or edit checks the whole
    /// text and fails on a syntax error, so one edit of a large file costs one pass.
    pub fn new(text: &str, dialect: Dialect) -> Self {
        let (has_bom, body) = match text.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        // Room for the edit, so splicing into a large file moves bytes instead of reallocating.
        // An empty buffer is valid UTF-8, so the conversion cannot fail.
        let buffer = crate::config::safe_write::buffer_with_capacity(body.len() + 64 * 1024);
        let mut owned = String::from_utf8(buffer).unwrap_or_default();
        owned.push_str(body);
        Document {
            text: owned,
            has_bom,
            dialect,
            located: std::cell::RefCell::new(None),
        }
    }

    /// The full text, byte-order mark included, without copying it.
    pub fn into_text(self) -> String {
        let mut text = self.text;
        if self.has_bom {
            text.insert(0, BOM);
        }
        text
    }

    /// The full text, byte-order mark included.
    pub fn to_text(&self) -> String {
        if self.has_bom {
            format!("{BOM}{}", self.text)
        } else {
            self.text.clone()
        }
    }

    /// The value at a key path, if every key on it exists.
    pub fn get(&self, path: &[&str]) -> Result<Option<Value>, DocumentError> {
        let found = self.locate(path)?;
        Ok(found
            .get(path.len())
            .map(|target| self.value_of(target.start, target.end)))
    }

    /// The keys and values of the object at a key path (empty when the path is absent).
    pub fn members(&self, path: &[&str]) -> Result<Vec<(String, Value)>, DocumentError> {
        let found = self.locate(path)?;
        let Some(target) = found.get(path.len()) else {
            return Ok(Vec::new());
        };
        let ValueKind::Object(items) = &target.kind else {
            return Err(self.wrong_type(path, "an object", target));
        };
        super::duplicates::check_members(items, |offset| self.line_column(offset))?;
        Ok(self.members_of(items))
    }

    /// The members of every object whose key path matches `pattern` (`"*"` matches any key),
    /// with the concrete key path of each object. One pass over the text.
    pub fn members_matching(&self, pattern: &[&str]) -> Result<Vec<(Vec<String>, Members)>, DocumentError> {
        self.check_byte_order_mark()?;
        let matches = scan::scan_matching(&self.text, self.dialect.grammar(), pattern)
            .map_err(|error| self.syntax_error(error))?;
        matches
            .into_iter()
            .filter_map(|(keys, found)| match found.kind {
                ValueKind::Object(items) => Some(
                    super::duplicates::check_members(&items, |offset| self.line_column(offset))
                        .map(|()| (keys, self.members_of(&items))),
                ),
                _ => None,
            })
            .collect()
    }

    /// The keys and values of an object's items, in file order.
    fn members_of(&self, items: &[Item]) -> Members {
        items
            .iter()
            .map(|item| {
                let key = item.key.clone().unwrap_or_default();
                (key, self.value_of(item.value_start, item.end))
            })
            .collect()
    }

    /// The keys of the object at a key path, without reading their values.
    pub fn keys(&self, path: &[&str]) -> Result<Vec<String>, DocumentError> {
        let found = self.locate(path)?;
        Ok(match found.get(path.len()).map(|target| &target.kind) {
            Some(ValueKind::Object(items)) => items.iter().filter_map(|item| item.key.clone()).collect(),
            _ => Vec::new(),
        })
    }

    /// Sets the value at a key path, creating missing objects on the way.
    pub fn set(&mut self, path: &[&str], value: &Value) -> Result<Change, DocumentError> {
        let found = self.locate(path)?;
        if found.is_empty() {
            let rendered = self.render(&nest(path, value), "");
            let newline = self.newline();
            let mut text = self.text.trim_end().to_string();
            if !text.is_empty() {
                text.push_str(newline);
            }
            text.push_str(&rendered);
            text.push_str(newline);
            self.text = text;
            *self.located.get_mut() = None;
            return Ok(Change::Added);
        }
        for (depth, key) in path.iter().enumerate() {
            let container = &found[depth];
            let ValueKind::Object(items) = &container.kind else {
                return Err(self.wrong_type(&path[..depth], "an object", container));
            };
            let Some(item) = items.iter().rev().find(|item| item.key.as_deref() == Some(*key)) else {
                let splices = self.insert_item(container, items, Some(key), &nest(&path[depth + 1..], value));
                self.apply_all(splices);
                return Ok(Change::Added);
            };
            if depth + 1 == path.len() {
                if self.value_of(item.value_start, item.end) == *value {
                    return Ok(Change::Unchanged);
                }
                let indent = self.line_indent(item.start);
                let rendered = self.render(value, &indent);
                self.apply(Splice::replace(item.value_start, item.end, rendered));
                return Ok(Change::Updated);
            }
        }
        // An empty path would replace the root; no caller does that.
        Ok(Change::Unchanged)
    }

    /// Removes the key at the end of a key path. Returns whether it existed.
    pub fn remove(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        let Some((last, parent_path)) = path.split_last() else {
            return Ok(false);
        };
        let found = self.locate(path)?;
        let Some(PathValue {
            kind: ValueKind::Object(items),
            start,
            end,
        }) = found.get(parent_path.len())
        else {
            return Ok(false);
        };
        let Some(index) = items.iter().rposition(|item| item.key.as_deref() == Some(*last)) else {
            return Ok(false);
        };
        let splices = self.removal_splices(*start, *end, items, index);
        self.apply_all(splices);
        Ok(true)
    }

    /// Removes the key at the end of a key path when its value is an object holding nothing,
    /// not even a comment (`{}`, `{ }`). Returns whether it did.
    pub fn remove_if_empty(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        if path.is_empty() {
            return Ok(false);
        }
        let found = self.locate(path)?;
        let Some(PathValue {
            kind: ValueKind::Object(items),
            start,
            end,
        }) = found.get(path.len())
        else {
            return Ok(false);
        };
        if !items.is_empty() || !self.text[start + 1..end - 1].trim().is_empty() {
            return Ok(false);
        }
        self.remove(path)
    }

    /// Renames the key at the end of `path` to `new_key`, in place: its value, position and
    /// surroundings are untouched. Returns whether the key existed.
    pub fn rename_key(&mut self, path: &[&str], new_key: &str) -> Result<bool, DocumentError> {
        let Some((last, parent_path)) = path.split_last() else {
            return Ok(false);
        };
        let found = self.locate(path)?;
        let Some(PathValue {
            kind: ValueKind::Object(items),
            ..
        }) = found.get(parent_path.len())
        else {
            return Ok(false);
        };
        let Some(item) = items.iter().rev().find(|item| item.key.as_deref() == Some(*last)) else {
            return Ok(false);
        };
        let quoted = serde_json::to_string(new_key).unwrap_or_default();
        self.apply(Splice::replace(item.start, item.key_end, quoted));
        Ok(true)
    }

    /// Adds `value` to the array at `path` or replaces the element whose `id_key` equals `id`.
    /// Creates the array (and objects on the way) when it is missing.
    pub fn upsert_array_item(
        &mut self,
        path: &[&str],
        id_key: &str,
        id: &str,
        value: &Value,
    ) -> Result<Change, DocumentError> {
        let found = self.locate(path)?;
        let Some(target) = found.get(path.len()) else {
            self.set(path, &Value::Array(vec![value.clone()]))?;
            return Ok(Change::Added);
        };
        let ValueKind::Array(items) = &target.kind else {
            return Err(self.wrong_type(path, "an array", target));
        };
        if let Some(item) = items.iter().find(|item| self.has_id(item, id_key, id)) {
            if self.value_of(item.value_start, item.end) == *value {
                return Ok(Change::Unchanged);
            }
            let indent = self.line_indent(item.start);
            let rendered = self.render(value, &indent);
            self.apply(Splice::replace(item.value_start, item.end, rendered));
            return Ok(Change::Updated);
        }
        let splices = self.insert_item(target, items, None, value);
        self.apply_all(splices);
        Ok(Change::Added)
    }

    /// Removes the element whose `id_key` equals `id` from the array at `path`.
    pub fn remove_array_item(&mut self, path: &[&str], id_key: &str, id: &str) -> Result<bool, DocumentError> {
        let found = self.locate(path)?;
        let Some(PathValue {
            kind: ValueKind::Array(items),
            start,
            end,
        }) = found.get(path.len())
        else {
            return Ok(false);
        };
        let Some(index) = items.iter().position(|item| self.has_id(item, id_key, id)) else {
            return Ok(false);
        };
        let splices = self.removal_splices(*start, *end, items, index);
        self.apply_all(splices);
        Ok(true)
    }

    // ----- reading -----

    /// Scans the whole text; returns the values along `path` (empty for an empty document).
    fn locate(&self, path: &[&str]) -> Result<Vec<PathValue>, DocumentError> {
        self.check_byte_order_mark()?;
        if let Some((at, found)) = self.located.borrow().as_ref()
            && at.iter().map(String::as_str).eq(path.iter().copied())
        {
            return Ok(found.clone());
        }
        let found = scan::scan(&self.text, self.dialect.grammar(), path)
            .map_err(|error| self.syntax_error(error))?
            .unwrap_or_default();
        super::duplicates::check_path(&found, path, |offset| self.line_column(offset))?;
        *self.located.borrow_mut() = Some((path.iter().map(|key| (*key).to_string()).collect(), found.clone()));
        Ok(found)
    }

    /// Refuses a byte-order mark the client cannot read (it fails on the whole file).
    fn check_byte_order_mark(&self) -> Result<(), DocumentError> {
        if self.has_bom && !self.dialect.reads_byte_order_mark() {
            return Err(DocumentError::Unsupported {
                what: "the file starts with a byte-order mark (U+FEFF), which this client cannot read (its parser stops at it)".into(),
                hint: "save the file as UTF-8 without a byte-order mark (the client cannot read it until then), and run the command again",
                line: 1,
                column: 1,
            });
        }
        Ok(())
    }

    fn syntax_error(&self, error: scan::ScanError) -> DocumentError {
        let (line, column) = self.line_column(error.offset);
        if error.trailing_comma && matches!(self.dialect, Dialect::JsoncNoTrailingCommas { .. }) {
            return DocumentError::Unsupported {
                what: format!(
                    "{}, which this client cannot read (its parser stops at it)",
                    error.message
                ),
                hint: "remove that comma (the client cannot read the file until then), and run the command again",
                line,
                column,
            };
        }
        DocumentError::Syntax {
            line,
            column,
            message: error.message,
        }
    }

    /// The value of a slice the scanner has already validated.
    fn value_of(&self, start: usize, end: usize) -> Value {
        let slice = &self.text[start..end];
        if let Ok(value) = serde_json::from_str(slice) {
            return value;
        }
        // Comments or trailing commas inside (JSONC): let jsonc-parser read it.
        jsonc_parser::parse_to_serde_value::<Value>(slice, &Default::default()).unwrap_or(Value::Null)
    }

    fn has_id(&self, item: &Item, id_key: &str, id: &str) -> bool {
        self.text[item.value_start..].starts_with('{')
            && self
                .value_of(item.value_start, item.end)
                .get(id_key)
                .and_then(Value::as_str)
                == Some(id)
    }

    fn wrong_type(&self, path: &[&str], expected: &'static str, found: &PathValue) -> DocumentError {
        let (line, column) = self.line_column(found.start);
        let found = match &found.kind {
            ValueKind::Object(_) => "an object",
            ValueKind::Array(_) => "an array",
            ValueKind::Scalar(kind) => kind,
        };
        DocumentError::WrongType {
            path: if path.is_empty() {
                "(top level)".to_string()
            } else {
                path.join(".")
            },
            expected,
            found,
            line,
            column,
        }
    }

    /// 1-based line and column of a byte offset into the text.
    fn line_column(&self, offset: usize) -> (usize, usize) {
        line_column(&self.text, offset)
    }

    // ----- splicing -----

    /// Inserts a member (with `key`) or an element (without) after the last item of a container.
    ///
    /// A comment that ends the last item's line (`"other": {...}, // mine`) belongs to that
    /// item: the new one goes on the next line, after the comment, and never pushes the comment
    /// onto its own line. The splices are returned from the end of the text towards its start.
    fn insert_item(&self, container: &PathValue, items: &[Item], key: Option<&str>, value: &Value) -> Vec<Splice> {
        // `"key": ` before an object member (nothing before an array item), with this colon.
        let label_with = |colon: &str| {
            key.map(|key| format!("{}{colon}", serde_json::to_string(key).unwrap_or_default()))
                .unwrap_or_default()
        };
        let label = label_with(": ");
        let compact = self.render_inline(value);
        let newline = self.newline();
        if let Some(last) = items.last() {
            let (last_start, last_end) = (last.start, last.end);
            if self.is_single_line() || !self.starts_line(last_start) {
                // Items share a line: continue it in the same style.
                let (comma, colon) = self.inline_style();
                return vec![Splice::insert(
                    last_end,
                    format!("{comma}{}{compact}", label_with(colon)),
                )];
            }
            let indent = self.line_indent(last_start);
            let rendered = self.render(value, &indent);
            let member = format!("{newline}{indent}{label}{rendered}");
            let tail = self.line_tail(last_end);
            return match (tail.comment, tail.comma) {
                (false, _) => vec![Splice::insert(last_end, format!(",{member}"))],
                // `"other": {...}, // mine`: the new member keeps the trailing-comma style.
                (true, true) => vec![Splice::insert(tail.end, format!("{member},"))],
                // `"other": {...} // mine`: the separating comma goes before the comment.
                (true, false) => vec![
                    Splice::insert(tail.end, member),
                    Splice::insert(last_end, ",".to_string()),
                ],
            };
        }
        // Empty container: `{}`, `{ }`, or one holding only comments.
        let open = container.start + 1;
        let close = container.end - 1;
        if self.is_single_line() {
            let (_, colon) = self.inline_style();
            return vec![Splice::replace(open, close, format!("{}{compact}", label_with(colon)))];
        }
        let outer_indent = self.line_indent(container.start);
        let indent = format!("{outer_indent}{}", self.indent_unit());
        let rendered = self.render(value, &indent);
        if self.text[open..close].trim().is_empty() {
            vec![Splice::replace(
                open,
                close,
                format!("{newline}{indent}{label}{rendered}{newline}{outer_indent}"),
            )]
        } else {
            // After a comment on the opening brace's line (`{ // my servers`), which stays there.
            let at = self.line_tail(open).end;
            vec![Splice::insert(at, format!("{newline}{indent}{label}{rendered}"))]
        }
    }

    /// What follows `from` on its line before the line break or the next token: spaces, at most
    /// one comma and comments that end on this line. `end` is just past the last of them.
    fn line_tail(&self, from: usize) -> LineTail {
        let bytes = self.text.as_bytes();
        let mut tail = LineTail {
            end: from,
            comma: false,
            comment: false,
        };
        let mut position = from;
        loop {
            match (bytes.get(position), bytes.get(position + 1)) {
                (Some(b' ' | b'\t'), _) => position += 1,
                (Some(b','), _) if !tail.comma => {
                    position += 1;
                    tail.comma = true;
                    tail.end = position;
                }
                (Some(b'/'), Some(b'/')) => {
                    let line_end = self.text[position..]
                        .find('\n')
                        .map_or(self.text.len(), |offset| position + offset);
                    tail.end = if line_end > position && bytes[line_end - 1] == b'\r' {
                        line_end - 1
                    } else {
                        line_end
                    };
                    tail.comment = true;
                    return tail;
                }
                (Some(b'/'), Some(b'*')) => {
                    let Some(body_end) = self.text[position + 2..].find("*/").map(|offset| position + 2 + offset)
                    else {
                        return tail;
                    };
                    if self.text[position..body_end].contains('\n') {
                        // A block comment running onto later lines does not end this one.
                        return tail;
                    }
                    position = body_end + 2;
                    tail.comment = true;
                    tail.end = position;
                }
                _ => return tail,
            }
        }
    }

    /// The edits that take item `index` out of a container whose items span `items`.
    ///
    /// Built as the inverse of [`Self::insert_item`]: the item goes with the line break and
    /// indentation before it, and with one comma (its own trailing comma, or else the comma
    /// that separated it from the previous item).
    fn removal_splices(
        &self,
        container_start: usize,
        container_end: usize,
        items: &[Item],
        index: usize,
    ) -> Vec<Splice> {
        let (start, end) = (items[index].start, items[index].end);
        let open = container_start + 1;
        let close = container_end - 1;
        let next_start = items.get(index + 1).map_or(close, |next| next.start);
        let comma_after = self.comma_between(end, next_start);
        let is_last = index + 1 == items.len();

        let removal_start = if self.starts_line(start) && !self.is_single_line() {
            let line_start = self.text[..start].rfind('\n').unwrap_or(0);
            let line_start = if line_start > 0 && self.text.as_bytes()[line_start - 1] == b'\r' {
                line_start - 1
            } else {
                line_start
            };
            line_start.max(open)
        } else if is_last && index > 0 {
            start - (self.text[..start].len() - self.text[..start].trim_end_matches(' ').len())
        } else {
            start
        };

        if items.len() == 1 {
            let after = comma_after.map_or(end, |comma| comma + 1);
            let remaining = format!("{}{}", &self.text[open..removal_start], &self.text[after..close]);
            if remaining.trim().is_empty() {
                return vec![Splice::replace(open, close, String::new())];
            }
            return vec![Splice::replace(removal_start, after, String::new())];
        }

        let mut splices = Vec::new();
        match comma_after {
            Some(comma) if !is_last || index == 0 => {
                // The comma after the item, and (on one line) the spaces after that comma.
                let mut comma_end = comma + 1;
                if !self.starts_line(start) || self.is_single_line() {
                    comma_end += self.text[comma_end..].len() - self.text[comma_end..].trim_start_matches(' ').len();
                }
                splices.push(Splice::replace(comma, comma_end, String::new()));
            }
            Some(comma) => splices.push(Splice::replace(comma, comma + 1, String::new())),
            None => {
                if let Some(comma) = self.comma_between(items[index - 1].end, start) {
                    splices.push(Splice::replace(comma, comma + 1, String::new()));
                }
            }
        }
        splices.push(Splice::replace(removal_start, end, String::new()));
        // Apply from the end of the text towards its start so offsets stay valid.
        splices.sort_by_key(|splice| std::cmp::Reverse(splice.start));
        splices
    }

    /// The offset of the `,` between two offsets, skipping whitespace and comments.
    fn comma_between(&self, from: usize, to: usize) -> Option<usize> {
        let bytes = self.text.as_bytes();
        let mut position = from;
        while position < to {
            match bytes[position] {
                b',' => return Some(position),
                b'/' if bytes.get(position + 1) == Some(&b'/') => {
                    position = self.text[position..].find('\n').map_or(to, |offset| position + offset);
                }
                b'/' if bytes.get(position + 1) == Some(&b'*') => {
                    position = self.text[position + 2..]
                        .find("*/")
                        .map_or(to, |offset| position + 2 + offset + 2);
                }
                _ => position += 1,
            }
        }
        None
    }

    fn apply(&mut self, splice: Splice) {
        *self.located.get_mut() = None;
        self.text.replace_range(splice.start..splice.end, &splice.text);
    }

    /// Applies splices given from the end of the text towards its start (so offsets stay valid).
    fn apply_all(&mut self, splices: Vec<Splice>) {
        for splice in splices {
            self.apply(splice);
        }
    }
}

/// 1-based line and column of a byte offset into `text`.
fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |index| index + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The keys of every object whose key path matches one of `patterns` (`"*"` matches any key),
/// with the concrete key path of each, read from `text` in place (no copy, one skimming pass:
/// see `skim`). A byte-order mark is allowed. When the text is too broken to skim, the full scan
/// names the first problem's line and column.
pub fn keys_matching(text: &str, dialect: Dialect, patterns: &[&[&str]]) -> Result<KeysAt, DocumentError> {
    let body = text.strip_prefix(BOM).unwrap_or(text);
    if matches!(dialect, Dialect::JsoncNoTrailingCommas { .. }) {
        // The skim takes trailing commas: a reader that does not is checked by the full scan.
        let document = Document::parse(text, dialect)?;
        let mut found = Vec::new();
        for pattern in patterns {
            for (path, members) in document.members_matching(pattern)? {
                found.push((path, members.into_iter().map(|(name, _)| name).collect()));
            }
        }
        return Ok(found);
    }
    match skim::keys_matching(body.as_bytes(), dialect.allows_comments(), patterns) {
        Ok(found) => Ok(keys_at(found)),
        Err(error) => {
            // Whatever the skim refuses, the scan refuses too, with a position that is the
            // first problem's.
            Document::parse(text, dialect)?;
            let (line, column) = line_column(body, error.offset);
            Err(DocumentError::Syntax {
                line,
                column,
                message: error.message,
            })
        }
    }
}

/// The skim's findings as key paths with their keys.
pub(crate) fn keys_at(found: Vec<skim::KeysFound>) -> KeysAt {
    found.into_iter().map(|found| (found.path, found.keys)).collect()
}

/// What ends a line after an item (see [`Document::line_tail`]).
struct LineTail {
    /// Just past the last comma or comment on the line (`from` when there is none).
    end: usize,
    /// Whether a comma was passed.
    comma: bool,
    /// Whether a comment was passed.
    comment: bool,
}

/// Replace `start..end` of the text with `text`.
#[derive(Debug)]
struct Splice {
    start: usize,
    end: usize,
    text: String,
}

impl Splice {
    fn insert(at: usize, text: String) -> Self {
        Splice {
            start: at,
            end: at,
            text,
        }
    }
    fn replace(start: usize, end: usize, text: String) -> Self {
        Splice { start, end, text }
    }
}

/// `{"a": {"b": value}}` for the path `["a", "b"]`.
fn nest(path: &[&str], value: &Value) -> Value {
    path.iter().rev().fold(value.clone(), |inner, key| {
        let mut object = serde_json::Map::new();
        object.insert((*key).to_string(), inner);
        Value::Object(object)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn edit(text: &str, dialect: Dialect, operation: impl FnOnce(&mut Document)) -> String {
        let mut document = Document::parse(text, dialect).expect("fixture parses");
        operation(&mut document);
        let output = document.to_text();
        Document::parse(&output, dialect).expect("edited text still parses");
        output
    }

    fn add_then_remove_restores(text: &str, dialect: Dialect, path: &[&str]) -> String {
        let added = edit(text, dialect, |document| {
            assert_eq!(
                document.set(path, &json!({"command": "x", "args": ["a"]})).unwrap(),
                Change::Added
            );
        });
        let removed = edit(&added, dialect, |document| assert!(document.remove(path).unwrap()));
        assert_eq!(removed, text, "remove did not undo add; added text was:\n{added}");
        added
    }

    #[test]
    fn a_repeated_lookup_sees_every_edit_made_in_between() {
        // `locate` keeps its last findings while the text is unchanged: each edit clears them.
        let mut document = Document::parse("{\"mcpServers\": {}}", Dialect::Json).expect("parses");
        let path = ["mcpServers", "tray"];
        assert_eq!(document.get(&path).unwrap(), None);
        assert_eq!(document.set(&path, &json!({"command": "a"})).unwrap(), Change::Added);
        assert_eq!(document.get(&path).unwrap(), Some(json!({"command": "a"})));
        assert_eq!(document.set(&path, &json!({"command": "b"})).unwrap(), Change::Updated);
        assert_eq!(document.get(&path).unwrap(), Some(json!({"command": "b"})));
        assert!(document.remove(&path).unwrap());
        assert_eq!(document.get(&path).unwrap(), None);
        let mut empty = Document::parse("", Dialect::Json).expect("parses");
        assert_eq!(empty.get(&path).unwrap(), None);
        assert_eq!(empty.set(&path, &json!(1)).unwrap(), Change::Added);
        assert_eq!(empty.get(&path).unwrap(), Some(json!(1)));
    }

    #[test]
    fn adds_into_pretty_object_with_its_indentation() {
        let text = "{\n    \"mcpServers\": {\n        \"other\": {\"command\": \"o\"}\n    }\n}\n";
        let added = add_then_remove_restores(text, Dialect::Json, &["mcpServers", "tray"]);
        assert_eq!(
            added,
            "{\n    \"mcpServers\": {\n        \"other\": {\"command\": \"o\"},\n        \"tray\": {\n            \"command\": \"x\",\n            \"args\": [\n                \"a\"\n            ]\n        }\n    }\n}\n"
        );
    }

    #[test]
    fn keeps_comments_trailing_commas_and_crlf() {
        let text = "{\r\n\t// my servers\r\n\t\"servers\": {\r\n\t\t\"a\": {}, /* keep */\r\n\t},\r\n}\r\n";
        let added = add_then_remove_restores(text, Dialect::Jsonc, &["servers", "tray"]);
        // The trailing comma and CRLF stay, and so does the comment that ends the last member's
        // line: the new member goes after it, with a trailing comma of its own.
        assert_eq!(
            added,
            "{\r\n\t// my servers\r\n\t\"servers\": {\r\n\t\t\"a\": {}, /* keep */\r\n\t\t\"tray\": {\r\n\t\t\t\"command\": \"x\",\r\n\t\t\t\"args\": [\r\n\t\t\t\t\"a\"\r\n\t\t\t]\r\n\t\t},\r\n\t},\r\n}\r\n"
        );
    }

    #[test]
    fn a_comment_ending_the_last_members_line_stays_on_it() {
        let text = "{\n  \"servers\": {\n    \"other\": {\"command\": \"o\"} // mine\n  }\n}\n";
        let added = add_then_remove_restores(text, Dialect::Jsonc, &["servers", "tray"]);
        assert_eq!(
            added,
            "{\n  \"servers\": {\n    \"other\": {\"command\": \"o\"}, // mine\n    \"tray\": {\n      \"command\": \"x\",\n      \"args\": [\n        \"a\"\n      ]\n    }\n  }\n}\n"
        );
        let block = "{\r\n  \"servers\": {\r\n    \"other\": 1 /* a */ /* b */\r\n  }\r\n}\r\n";
        let added = add_then_remove_restores(block, Dialect::Jsonc, &["servers", "tray"]);
        assert!(
            added.contains("\"other\": 1, /* a */ /* b */\r\n    \"tray\": {"),
            "{added:?}"
        );
        // A comment on the opening brace's line of an empty object stays there too.
        let empty = "{\n  \"servers\": { // mine\n  }\n}\n";
        let added = add_then_remove_restores(empty, Dialect::Jsonc, &["servers", "tray"]);
        assert!(
            added.starts_with("{\n  \"servers\": { // mine\n    \"tray\": {"),
            "{added:?}"
        );
        // A block comment that runs onto the next lines is not part of the member's line.
        let spanning = "{\n  \"servers\": {\n    \"other\": 1 /* a\n    b */\n  }\n}\n";
        add_then_remove_restores(spanning, Dialect::Jsonc, &["servers", "tray"]);
    }

    #[test]
    fn creates_missing_parents_and_empty_files() {
        let added = edit("", Dialect::Json, |document| {
            document.set(&["mcpServers", "tray"], &json!({"url": "u"})).unwrap();
        });
        assert_eq!(
            added,
            "{\n  \"mcpServers\": {\n    \"tray\": {\n      \"url\": \"u\"\n    }\n  }\n}\n"
        );
        let nested = edit("{\n  \"projects\": {}\n}\n", Dialect::Json, |document| {
            document
                .set(&["projects", "/p", "mcpServers", "tray"], &json!(1))
                .unwrap();
        });
        assert_eq!(
            nested,
            "{\n  \"projects\": {\n    \"/p\": {\n      \"mcpServers\": {\n        \"tray\": 1\n      }\n    }\n  }\n}\n"
        );
        add_then_remove_restores("{\n  \"mcpServers\": {}\n}\n", Dialect::Json, &["mcpServers", "tray"]);
    }

    #[test]
    fn single_line_documents_stay_on_one_line() {
        let text = r#"{"mcpServers":{"a":1}}"#;
        let added = add_then_remove_restores(text, Dialect::Json, &["mcpServers", "tray"]);
        assert_eq!(added, r#"{"mcpServers":{"a":1,"tray":{"command":"x","args":["a"]}}}"#);
        let spaced = r#"{"mcpServers": {"a": {"b": 1, "c": 2}}}"#;
        let added = add_then_remove_restores(spaced, Dialect::Json, &["mcpServers", "tray"]);
        assert_eq!(
            added,
            r#"{"mcpServers": {"a": {"b": 1, "c": 2}, "tray": {"command": "x", "args": ["a"]}}}"#
        );
    }

    #[test]
    fn removes_first_middle_and_last_members() {
        let text = "{\n  \"s\": {\n    \"a\": 1,\n    \"b\": 2,\n    \"c\": 3\n  }\n}";
        for (key, expected) in [
            ("a", "{\n  \"s\": {\n    \"b\": 2,\n    \"c\": 3\n  }\n}"),
            ("b", "{\n  \"s\": {\n    \"a\": 1,\n    \"c\": 3\n  }\n}"),
            ("c", "{\n  \"s\": {\n    \"a\": 1,\n    \"b\": 2\n  }\n}"),
        ] {
            assert_eq!(
                edit(text, Dialect::Json, |document| assert!(
                    document.remove(&["s", key]).unwrap()
                )),
                expected
            );
        }
        let inline = r#"{"s": {"a": 1, "b": 2, "c": 3}}"#;
        assert_eq!(
            edit(inline, Dialect::Json, |d| assert!(d.remove(&["s", "a"]).unwrap())),
            r#"{"s": {"b": 2, "c": 3}}"#
        );
        assert_eq!(
            edit(inline, Dialect::Json, |d| assert!(d.remove(&["s", "b"]).unwrap())),
            r#"{"s": {"a": 1, "c": 3}}"#
        );
        assert_eq!(
            edit(inline, Dialect::Json, |d| assert!(d.remove(&["s", "c"]).unwrap())),
            r#"{"s": {"a": 1, "b": 2}}"#
        );
    }

    #[test]
    fn same_value_is_unchanged_and_different_value_updated_in_place() {
        let text = "{\n  \"s\": {\n    \"t\": { \"url\": \"a\" }, // note\n    \"u\": 1\n  }\n}\n";
        let mut document = Document::parse(text, Dialect::Jsonc).unwrap();
        assert_eq!(
            document.set(&["s", "t"], &json!({"url": "a"})).unwrap(),
            Change::Unchanged
        );
        assert_eq!(document.to_text(), text);
        assert_eq!(
            document.set(&["s", "t"], &json!({"url": "b"})).unwrap(),
            Change::Updated
        );
        assert_eq!(
            document.to_text(),
            "{\n  \"s\": {\n    \"t\": {\n      \"url\": \"b\"\n    }, // note\n    \"u\": 1\n  }\n}\n"
        );
    }

    #[test]
    fn rename_key_keeps_value_and_position() {
        let text = "{\n  \"s\": {\n    \"a\": 1, // one\n    \"b\": 2\n  }\n}\n";
        let renamed = edit(text, Dialect::Jsonc, |document| {
            assert!(document.rename_key(&["s", "a"], "z").unwrap())
        });
        assert_eq!(renamed, "{\n  \"s\": {\n    \"z\": 1, // one\n    \"b\": 2\n  }\n}\n");
    }

    #[test]
    fn bom_is_kept() {
        let text = "\u{feff}{\n  \"mcpServers\": {}\n}\n";
        let added = add_then_remove_restores(text, Dialect::Json, &["mcpServers", "tray"]);
        assert!(added.starts_with('\u{feff}'));
    }

    #[test]
    fn strict_json_refuses_comments_with_position() {
        let error = Document::parse("{\n  // hi\n  \"a\": 1\n}", Dialect::Json).unwrap_err();
        assert!(
            matches!(error, DocumentError::Syntax { line: 2, column: 3, .. }),
            "{error}"
        );
        let error = Document::parse("{\n  \"a\": 1,,\n}", Dialect::Jsonc).unwrap_err();
        assert!(matches!(error, DocumentError::Syntax { line: 2, .. }), "{error}");
    }

    #[test]
    fn wrong_type_on_path_names_the_key() {
        let mut document = Document::parse("{\"mcpServers\": []}", Dialect::Json).unwrap();
        let error = document.set(&["mcpServers", "t"], &json!(1)).unwrap_err();
        assert_eq!(
            error.to_string(),
            "expected an object at \"mcpServers\" (1:16), found an array"
        );
    }

    #[test]
    fn array_items_are_upserted_by_id_and_removed() {
        let text = "{\n  \"inputs\": [\n    {\"id\": \"other\"}\n  ],\n  \"servers\": {}\n}\n";
        let mut document = Document::parse(text, Dialect::Jsonc).unwrap();
        let item = json!({"id": "tray", "password": true});
        assert_eq!(
            document.upsert_array_item(&["inputs"], "id", "tray", &item).unwrap(),
            Change::Added
        );
        assert_eq!(
            document.upsert_array_item(&["inputs"], "id", "tray", &item).unwrap(),
            Change::Unchanged
        );
        assert!(document.remove_array_item(&["inputs"], "id", "tray").unwrap());
        assert_eq!(document.to_text(), text);
    }
}
