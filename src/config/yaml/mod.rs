//! The YAML backend (Goose's `config.yaml`, Continue's block files): `yaml-edit`'s lossless
//! syntax tree to read the file and find where things are, and byte splices to change it.
//!
//! Why splices rather than `yaml-edit`'s own setters: the promise is that every byte outside the
//! entry stays, and that adding an entry then removing it gives back the original bytes. With the
//! tree telling exactly where an entry's lines start and end, a new entry is text inserted after
//! the last line of its neighbours, written in the file's own indentation and line endings, and
//! removing it takes exactly those lines out again. Every edit is parsed again and read back
//! before it is accepted, so a splice that would not mean what was asked is refused instead of
//! written.
//!
//! What cannot be edited safely is refused with its line and column, and nothing changes: a file
//! of several documents (Goose reads one), a flow-style mapping (`{a: 1}`) or an alias on the way
//! to the entry, a tag there, a duplicate key, and an entry that carries an anchor, alias, merge
//! key or tag (replacing it would break what refers to it). Comments, anchors and merge keys
//! elsewhere in the file are kept as they are.
//!
//! Removing the last entry of a mapping gives back the mapping's key as it was before the first
//! add: a key line that holds nothing (`extensions:`, `extensions:  # mine`) is never rewritten,
//! so it stays; and an empty flow mapping (`extensions: {}`, how Goose writes no extensions)
//! takes the entry in flow style inside its braces, so removing it leaves `{}`. Whether the key
//! itself is the user's cannot be told from the text: tray-mcp records the containers it
//! creates (`crate::created`), and `remove_if_empty` takes such a key out once it is empty.

mod edit;
mod locate;
mod refuse;

use std::sync::OnceLock;

use rowan::ast::AstNode;
use serde_json::{Map, Value};
use yaml_edit::{Lang, Scalar, ScalarType, ScalarValue, SyntaxKind, YamlFile};

use super::json::document::{Change, DocumentError, Members};

use edit::{Layout, emit_entry, emit_item, flow_text, scalar_text};
pub(super) use locate::line_column;
use locate::{
    child, collect_matching, column_of, content_end, end, entries, entry_content, entry_key, has_token,
    holds_nothing_written, is_flow, is_null_scalar, item_has_id, item_json, kind_name, line_start, members, parse_tree,
    raw_key, root_in, sequence_items, start, starts_line, to_json,
};

type Node = rowan::SyntaxNode<Lang>;

const BOM: char = '\u{feff}';

/// The default indentation step of a new nested mapping, when the file shows none.
const DEFAULT_INDENT: usize = 2;

/// A YAML document held as text; every edit is a byte splice checked by parsing again.
#[derive(Debug, Clone)]
pub struct YamlDocument {
    /// The text after any byte-order mark.
    body: String,
    has_bom: bool,
    /// `body`'s syntax tree, parsed on first use and kept until `body` changes. Every read and
    /// edit starts from the root, and parsing again for each cost a new Goose or Continue file
    /// ~0.3 ms of an install (five or six parses of one text per entry set).
    tree: OnceLock<Result<rowan::GreenNode, DocumentError>>,
}

impl YamlDocument {
    /// Parses `text` (empty text, or only comments, is an empty document); a syntax error names
    /// its line and column, and several documents are refused, as is text that yaml-edit's
    /// lenient parser reads but no YAML parser would ([`super::yaml_strict`]).
    pub fn parse(text: &str) -> Result<Self, DocumentError> {
        let (has_bom, body) = match text.strip_prefix(BOM) {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        let document = YamlDocument {
            body: body.to_string(),
            has_bom,
            tree: OnceLock::new(),
        };
        document.root()?;
        super::yaml_strict::check(&document.body)?;
        Ok(document)
    }

    /// The root mapping (`None` for an empty document).
    fn root(&self) -> Result<Option<Node>, DocumentError> {
        match self.tree.get_or_init(|| parse_tree(&self.body)) {
            Ok(tree) => root_in(&self.body, tree),
            Err(error) => Err(error.clone()),
        }
    }

    /// Takes `body` as the text, with its tree when it was just parsed.
    fn replace_body(&mut self, body: String, tree: Option<rowan::GreenNode>) {
        self.body = body;
        self.tree = tree.map_or_else(OnceLock::new, |tree| OnceLock::from(Ok(tree)));
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        line_column(&self.body, offset)
    }

    /// The entry of `key` in a block mapping; a duplicate key is refused.
    fn entry(&self, mapping: &Node, key: &str) -> Result<Option<Node>, DocumentError> {
        let mut found = entries(mapping).filter(|entry| entry_key(entry).as_deref() == Some(key));
        let first = found.next();
        if let Some(duplicate) = found.next() {
            return Err(self.unsupported(
                &duplicate,
                format!("the key \"{key}\" appears twice in one mapping"),
                "remove one of them (YAML parsers disagree on which one counts)",
            ));
        }
        Ok(first)
    }

    /// The entry at the end of `path` and the mapping holding it, for reading: `None` when the
    /// path is empty or a key on the way, or the last one, is missing.
    fn entry_at(&self, path: &[&str]) -> Result<Option<(Node, Node)>, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(None);
        };
        let Some(mapping) = self.mapping_at(parent)? else {
            return Ok(None);
        };
        Ok(self.entry(&mapping, last)?.map(|entry| (mapping, entry)))
    }

    /// The mapping at `path` for reading: `None` when a key on the way is missing or holds
    /// nothing; an error when one holds something other than a mapping.
    fn mapping_at(&self, path: &[&str]) -> Result<Option<Node>, DocumentError> {
        let Some(mut mapping) = self.root()? else {
            return Ok(None);
        };
        for (depth, key) in path.iter().enumerate() {
            let Some(entry) = self.entry(&mapping, key)? else {
                return Ok(None);
            };
            match entry_content(&entry) {
                None => return Ok(None),
                Some(node) if node.kind() == SyntaxKind::MAPPING => mapping = node,
                Some(node) if matches!(node.kind(), SyntaxKind::ALIAS | SyntaxKind::TAGGED_NODE) => {
                    return Err(self.indirect(&node));
                }
                Some(node) if is_null_scalar(&node) => return Ok(None),
                Some(node) => return Err(self.wrong_type(&path[..=depth], &node, "a mapping")),
            }
        }
        Ok(Some(mapping))
    }

    /// The block mapping at `path` for an edit, after the checks; `Err(depth)` tells how much of
    /// the path exists (the entry at `depth - 1` holds nothing, or the root is empty).
    fn editable_mapping(&self, path: &[&str]) -> Result<Walk, DocumentError> {
        let Some(mut mapping) = self.root()? else {
            return Ok(Walk::Missing {
                depth: 0,
                parent: None,
                holder: None,
            });
        };
        self.check_editable_mapping(None, &mapping)?;
        for (depth, key) in path.iter().enumerate() {
            let Some(entry) = self.entry(&mapping, key)? else {
                return Ok(Walk::Missing {
                    depth,
                    parent: Some(mapping),
                    holder: None,
                });
            };
            match entry_content(&entry) {
                Some(node) if node.kind() == SyntaxKind::MAPPING => {
                    self.check_editable_mapping(Some(&entry), &node)?;
                    mapping = node;
                }
                Some(node) if matches!(node.kind(), SyntaxKind::ALIAS | SyntaxKind::TAGGED_NODE) => {
                    return Err(self.indirect(&node));
                }
                None => {
                    return Ok(Walk::Missing {
                        depth: depth + 1,
                        parent: Some(mapping),
                        holder: Some(entry),
                    });
                }
                Some(node) if is_null_scalar(&node) => {
                    return Ok(Walk::Missing {
                        depth: depth + 1,
                        parent: Some(mapping),
                        holder: Some(entry),
                    });
                }
                Some(node) => return Err(self.wrong_type(&path[..=depth], &node, "a mapping")),
            }
        }
        Ok(Walk::Found(mapping))
    }

    /// Replaces `range` of the body, then checks that the new text parses as one document.
    fn splice(&mut self, range: std::ops::Range<usize>, text: &str, near: usize) -> Result<(), DocumentError> {
        let mut body = self.body.clone();
        body.replace_range(range, text);
        let tree = parse_tree(&body);
        if tree.as_ref().map_or(true, |tree| root_in(&body, tree).is_err()) {
            let (line, column) = self.position(near);
            return Err(DocumentError::Unsupported {
                what: "tray-mcp could not edit this YAML safely (the edited text would not parse)".into(),
                hint: "edit the entry by hand, or simplify the YAML around it",
                line,
                column,
            });
        }
        self.replace_body(body, tree.ok());
        Ok(())
    }

    /// Checks that `path` now reads back as `expected`; restores `before` when it does not.
    fn verify(
        &mut self,
        before: String,
        path: &[&str],
        expected: Option<&Value>,
        near: usize,
    ) -> Result<(), DocumentError> {
        let found = super::format::ConfigDocument::get(self, path)?;
        if found.as_ref() == expected {
            return Ok(());
        }
        self.replace_body(before, None);
        let (line, column) = self.position(near.min(self.body.len()));
        Err(DocumentError::Unsupported {
            what: "tray-mcp could not edit this YAML safely (the edit did not read back as written)".into(),
            hint: "edit the entry by hand, or simplify the YAML around it",
            line,
            column,
        })
    }

    fn layout(&self) -> Layout {
        Layout::of(&self.body)
    }

    /// Inserts `key: value` as the last entry of the mapping whose entries are at `column`
    /// (after `after`, the mapping's last entry), or at the end of the file.
    fn insert_entry(
        &mut self,
        after: Option<&Node>,
        column: usize,
        key: &str,
        value: &Value,
    ) -> Result<usize, DocumentError> {
        let layout = self.layout();
        let mut text = String::new();
        emit_entry(&mut text, key, value, column, &layout);
        let at = match after {
            Some(entry) => content_end(&self.body, end(entry)),
            None => self.body.len(),
        };
        let text = layout.line_endings(&text);
        let (range, inserted) = if at == self.body.len() && !self.body.is_empty() && !self.body.ends_with('\n') {
            // At the end of a file without a final newline: the newline goes before the entry,
            // and the file still ends without one.
            let trimmed = text.strip_suffix(layout.newline()).unwrap_or(&text);
            (at..at, format!("{}{trimmed}", layout.newline()))
        } else {
            (at..at, text)
        };
        self.splice(range, &inserted, at)?;
        Ok(at)
    }

    /// The byte range of an entry's lines: from its line's start to the end of its last line
    /// with content (blank lines and comments after it stay). At the end of a file without a
    /// final newline, the newline before it goes too.
    fn entry_lines(&self, entry: &Node) -> std::ops::Range<usize> {
        let from = line_start(&self.body, start(entry));
        let to = content_end(&self.body, end(entry));
        if to == self.body.len() && !self.body.ends_with('\n') && from > 0 {
            let newline_start = if self.body[..from].ends_with("\r\n") {
                from - 2
            } else {
                from - 1
            };
            return newline_start..to;
        }
        from..to
    }

    /// Removes an entry; the key of a mapping it leaves empty stays, holding nothing (or `{}`).
    fn remove_entry(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        let Some((mapping, entry)) = self.entry_at(path)? else {
            return Ok(false);
        };
        if is_flow(&mapping) && entries(&mapping).count() == 1 {
            // `key: {name: {...}}`, as an add into `key: {}` writes it: back to `{}`.
            self.check_unmarked(&mapping)?;
            let range = start(&mapping)..end(&mapping);
            let near = range.start;
            self.splice(range, "{}", near)?;
            return Ok(true);
        }
        self.check_replaceable(&entry)?;
        // The mapping's own key stays, holding nothing (`extensions:`): whether an add made it
        // is tray-mcp's record to say, and `remove_if_empty` takes it out when it did.
        let range = self.entry_lines(&entry);
        let near = range.start;
        self.splice(range, "", near)?;
        Ok(true)
    }
}

impl YamlDocument {
    /// Whether the line of `entry`'s key (`extensions:  # mine`) ends with a comment.
    fn key_line_has_comment(&self, entry: &Node) -> bool {
        let from = start(entry);
        let line_end = self.body[from..]
            .find('\n')
            .map_or(self.body.len(), |index| from + index);
        let key_length = child(entry, SyntaxKind::KEY).map_or(0, |key| end(&key) - start(&key));
        let rest = self.body[from + key_length.min(line_end - from)..line_end].trim_start();
        rest.strip_prefix(':').is_some_and(|after| {
            let after = after.trim_start();
            after.starts_with('#')
                || after
                    .strip_prefix("{}")
                    .is_some_and(|tail| tail.trim_start().starts_with('#'))
        })
    }

    /// Whether `entry` holds an empty mapping: nothing written (`key:`), or `{}` with nothing,
    /// not even a comment, between its braces.
    fn holds_empty_mapping(&self, entry: &Node) -> bool {
        if holds_nothing_written(entry) {
            return true;
        }
        entry_content(entry).is_some_and(|node| {
            node.kind() == SyntaxKind::MAPPING
                && is_flow(&node)
                && entries(&node).next().is_none()
                && self.body[start(&node)..end(&node)]
                    .trim_start_matches('{')
                    .trim_end_matches('}')
                    .trim()
                    .is_empty()
        })
    }

    /// Removes the key at `path` when it holds an empty mapping and its line no comment.
    fn remove_empty_entry(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        let Some((_, entry)) = self.entry_at(path)? else {
            return Ok(false);
        };
        if !self.holds_empty_mapping(&entry) || self.key_line_has_comment(&entry) {
            return Ok(false);
        }
        self.check_replaceable(&entry)?;
        let before = self.body.clone();
        let range = self.entry_lines(&entry);
        let near = range.start;
        self.splice(range, "", near)?;
        self.verify(before, path, None, near)?;
        Ok(true)
    }

    /// The flow mapping at `parent` (`extensions: {}`), when every mapping above it is a block
    /// mapping; `None` when there is none there.
    fn flow_mapping_at(&self, parent: &[&str]) -> Result<Option<Node>, DocumentError> {
        let Some((key, above)) = parent.split_last() else {
            return Ok(None);
        };
        let Walk::Found(mapping) = self.editable_mapping(above)? else {
            return Ok(None);
        };
        let Some(entry) = self.entry(&mapping, key)? else {
            return Ok(None);
        };
        Ok(entry_content(&entry).filter(|node| node.kind() == SyntaxKind::MAPPING && is_flow(node)))
    }

    /// Sets `last` in a flow mapping that holds nothing else (`extensions: {}`, Goose's own way
    /// of writing no extensions): the entry is written in flow style inside the braces, so that
    /// removing it gives `{}` back. `None` when `parent` is no such mapping.
    fn set_in_flow(
        &mut self,
        parent: &[&str],
        last: &str,
        value: &Value,
    ) -> Result<Option<(usize, Change)>, DocumentError> {
        let Some(flow) = self.flow_mapping_at(parent)? else {
            return Ok(None);
        };
        let keys: Vec<Option<String>> = entries(&flow).map(|entry| entry_key(&entry)).collect();
        let change = match keys.as_slice() {
            [] => Change::Added,
            [Some(key)] if key == last => Change::Updated,
            _ => return Ok(None),
        };
        self.check_unmarked(&flow)?;
        let range = start(&flow)..end(&flow);
        let near = range.start;
        let text = format!(
            "{{{}: {}}}",
            flow_text(&Value::String(last.to_string())),
            flow_text(value)
        );
        self.splice(range, &text, near)?;
        Ok(Some((near, change)))
    }
}

/// How far an edit's path exists.
enum Walk {
    /// The whole path is a block mapping.
    Found(Node),
    /// Only `depth` keys exist; `parent` is the deepest mapping reached, `holder` the entry
    /// there that holds nothing (`key:` with no value).
    Missing {
        depth: usize,
        parent: Option<Node>,
        holder: Option<Node>,
    },
}

impl super::format::ConfigDocument for YamlDocument {
    fn get(&self, path: &[&str]) -> Result<Option<Value>, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(Some(
                self.root()?.map_or(Value::Object(Map::new()), |root| to_json(&root)),
            ));
        };
        let Some(mapping) = self.mapping_at(parent)? else {
            return Ok(None);
        };
        Ok(self
            .entry(&mapping, last)?
            .map(|entry| entry_content(&entry).map_or(Value::Null, |node| to_json(&node))))
    }

    fn members(&self, path: &[&str]) -> Result<Members, DocumentError> {
        Ok(self
            .mapping_at(path)?
            .map(|mapping| members(&mapping))
            .unwrap_or_default())
    }

    fn members_matching(&self, pattern: &[&str]) -> Result<Vec<(Vec<String>, Members)>, DocumentError> {
        let mut found = Vec::new();
        if let Some(root) = self.root()? {
            collect_matching(&root, pattern, &mut Vec::new(), &mut found);
        }
        Ok(found)
    }

    fn keys(&self, path: &[&str]) -> Result<Vec<String>, DocumentError> {
        Ok(self
            .mapping_at(path)?
            .map(|mapping| entries(&mapping).filter_map(|entry| entry_key(&entry)).collect())
            .unwrap_or_default())
    }

    fn set(&mut self, path: &[&str], value: &Value) -> Result<Change, DocumentError> {
        let Some((last, parent)) = path.split_last() else {
            return Ok(Change::Unchanged);
        };
        if self.get(path)?.as_ref() == Some(value) {
            return Ok(Change::Unchanged);
        }
        let before = self.body.clone();
        if let Some((near, change)) = self.set_in_flow(parent, last, value)? {
            self.verify(before, path, Some(value), near)?;
            return Ok(change);
        }
        let (near, change) = match self.editable_mapping(parent)? {
            Walk::Found(mapping) => match self.entry(&mapping, last)? {
                Some(entry) => (self.replace_entry(&entry, last, value)?, Change::Updated),
                None => {
                    let last_entry = entries(&mapping).last();
                    let column = match &last_entry {
                        Some(entry) => column_of(&self.body, start(entry)),
                        None => column_of(&self.body, start(&mapping)),
                    };
                    let near = self.insert_entry(last_entry.as_ref(), column, &scalar_text(last), value)?;
                    (near, Change::Added)
                }
            },
            Walk::Missing {
                depth,
                parent: mapping,
                holder,
            } => (self.set_missing(path, depth, mapping, holder, value)?, Change::Added),
        };
        self.verify(before, path, Some(value), near)?;
        Ok(change)
    }

    fn remove(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        let before = self.body.clone();
        let removed = self.remove_entry(path)?;
        if removed {
            self.verify(before, path, None, 0)?;
        }
        Ok(removed)
    }

    fn remove_if_empty(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        self.remove_empty_entry(path)
    }

    fn rename_key(&mut self, path: &[&str], new_key: &str) -> Result<bool, DocumentError> {
        let Some((mapping, entry)) = self.entry_at(path)? else {
            return Ok(false);
        };
        self.check_editable_mapping(None, &mapping)?;
        let Some(key) = child(&entry, SyntaxKind::KEY).and_then(|key| key.first_child()) else {
            return Ok(false);
        };
        let value = self.get(path)?;
        let before = self.body.clone();
        let range = start(&key)..end(&key);
        let near = range.start;
        self.splice(range, &scalar_text(new_key), near)?;
        let mut new_path = path.to_vec();
        *new_path.last_mut().expect("the path has a last key") = new_key;
        self.verify(before, &new_path, value.as_ref(), near)?;
        Ok(true)
    }

    fn upsert_array_item(
        &mut self,
        path: &[&str],
        id_key: &str,
        id: &str,
        value: &Value,
    ) -> Result<Change, DocumentError> {
        let Some(sequence) = self.sequence_at(path)? else {
            self.set(path, &Value::Array(vec![value.clone()]))?;
            return Ok(Change::Added);
        };
        let items: Vec<Node> = sequence_items(&sequence).collect();
        let index = items.iter().position(|item| item_has_id(item, id_key, id));
        let before = self.body.clone();
        let mut expected: Vec<Value> = items.iter().map(item_json).collect();
        let layout = self.layout();
        let change = match index {
            Some(index) if expected[index] == *value => return Ok(Change::Unchanged),
            Some(index) => {
                let item = &items[index];
                self.check_replaceable(item)?;
                let range = self.entry_lines(item);
                let mut text = String::new();
                emit_item(&mut text, value, column_of(&self.body, start(item)), &layout);
                let text = layout.line_endings(&text);
                self.splice(range.clone(), &text, range.start)?;
                expected[index] = value.clone();
                Change::Updated
            }
            None => {
                let column = items.last().map_or(0, |item| column_of(&self.body, start(item)));
                let mut text = String::new();
                emit_item(&mut text, value, column, &layout);
                let at = items
                    .last()
                    .map_or(self.body.len(), |item| content_end(&self.body, end(item)));
                let text = layout.line_endings(&text);
                let text = if at == self.body.len() && !self.body.is_empty() && !self.body.ends_with('\n') {
                    format!(
                        "{}{}",
                        layout.newline(),
                        text.strip_suffix(layout.newline()).unwrap_or(&text)
                    )
                } else {
                    text
                };
                self.splice(at..at, &text, at)?;
                expected.push(value.clone());
                Change::Added
            }
        };
        self.verify(before, path, Some(&Value::Array(expected)), 0)?;
        Ok(change)
    }

    fn remove_array_item(&mut self, path: &[&str], id_key: &str, id: &str) -> Result<bool, DocumentError> {
        let Some(sequence) = self.sequence_at(path)? else {
            return Ok(false);
        };
        let items: Vec<Node> = sequence_items(&sequence).collect();
        let Some(index) = items.iter().position(|item| item_has_id(item, id_key, id)) else {
            return Ok(false);
        };
        if items.len() == 1 {
            return self.remove(path);
        }
        let item = &items[index];
        self.check_replaceable(item)?;
        let before = self.body.clone();
        let mut expected: Vec<Value> = items.iter().map(item_json).collect();
        expected.remove(index);
        let range = self.entry_lines(item);
        let near = range.start;
        self.splice(range, "", near)?;
        self.verify(before, path, Some(&Value::Array(expected)), near)?;
        Ok(true)
    }

    fn render(&self) -> String {
        if self.has_bom {
            format!("{BOM}{}", self.body)
        } else {
            self.body.clone()
        }
    }

    fn into_text(self: Box<Self>) -> String {
        if self.has_bom {
            format!("{BOM}{}", self.body)
        } else {
            self.body
        }
    }
}

impl YamlDocument {
    /// The block sequence at `path` (`None` when absent); flow sequences are refused.
    fn sequence_at(&self, path: &[&str]) -> Result<Option<Node>, DocumentError> {
        let Some((_, entry)) = self.entry_at(path)? else {
            return Ok(None);
        };
        match entry_content(&entry) {
            None => Ok(None),
            Some(node) if node.kind() == SyntaxKind::SEQUENCE => {
                if is_flow(&node) {
                    return Err(self.unsupported(
                        &node,
                        "the list to edit is written in flow style ([...])",
                        "rewrite it in block style, one item per line, and run the command again",
                    ));
                }
                Ok(Some(node))
            }
            Some(node) => Err(self.wrong_type(path, &node, "a list")),
        }
    }
}

#[cfg(test)]
mod tests;
