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

use rowan::ast::AstNode;
use serde_json::{Map, Value};
use yaml_edit::{Lang, Scalar, SyntaxKind, YamlFile};

use super::json::document::{Change, DocumentError, Members};

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
        };
        document.root()?;
        super::yaml_strict::check(&document.body)?;
        Ok(document)
    }

    /// The root mapping (`None` for an empty document).
    fn root(&self) -> Result<Option<Node>, DocumentError> {
        root_of(&self.body)
    }

    fn position(&self, offset: usize) -> (usize, usize) {
        line_column(&self.body, offset)
    }

    fn unsupported(&self, node: &Node, what: impl Into<String>, hint: &'static str) -> DocumentError {
        let (line, column) = self.position(start(node));
        DocumentError::Unsupported {
            what: what.into(),
            hint,
            line,
            column,
        }
    }

    fn wrong_type(&self, path: &[&str], node: &Node, expected: &'static str) -> DocumentError {
        let (line, column) = self.position(start(node));
        DocumentError::WrongType {
            path: path.join("."),
            expected,
            found: kind_name(node),
            line,
            column,
        }
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

    /// The refusal of an alias (`*name`) or a tagged value (`!!map`) on the way to an entry.
    fn indirect(&self, node: &Node) -> DocumentError {
        if node.kind() == SyntaxKind::ALIAS {
            self.unsupported(
                node,
                "the mapping to edit is an alias (*name) of another one",
                "write that mapping out in full, and run the command again",
            )
        } else {
            self.unsupported(
                node,
                "the mapping to edit carries a tag (!...)",
                "remove the tag, and run the command again",
            )
        }
    }

    /// Checks that a mapping on the way to an edit can be edited by splicing lines.
    fn check_editable_mapping(&self, entry: Option<&Node>, mapping: &Node) -> Result<(), DocumentError> {
        if is_flow(mapping) {
            return Err(self.unsupported(
                mapping,
                "the mapping to edit is written in flow style ({...})",
                "rewrite it in block style, one key per line, and run the command again",
            ));
        }
        if let Some(entry) = entry
            && let Some(value) = child(entry, SyntaxKind::VALUE)
            && has_token(&value, SyntaxKind::TAG)
        {
            return Err(self.unsupported(
                entry,
                "the mapping to edit carries a tag (!...)",
                "remove the tag, and run the command again",
            ));
        }
        Ok(())
    }

    /// Refuses an existing entry (or flow mapping) that an edit would replace or remove when
    /// others may refer to it.
    fn check_unmarked(&self, entry: &Node) -> Result<(), DocumentError> {
        let marked = entry.descendants_with_tokens().find(|element| {
            matches!(
                element.kind(),
                SyntaxKind::ANCHOR
                    | SyntaxKind::REFERENCE
                    | SyntaxKind::MERGE_KEY
                    | SyntaxKind::TAG
                    | SyntaxKind::ALIAS
            )
        });
        if let Some(element) = marked {
            let offset = usize::from(element.text_range().start());
            let (line, column) = self.position(offset);
            return Err(DocumentError::Unsupported {
                what: "the entry uses a YAML anchor, alias, merge key or tag".into(),
                hint: "write the entry out in full (no &, *, << or !), or edit it by hand",
                line,
                column,
            });
        }
        Ok(())
    }

    /// [`Self::check_unmarked`], and the entry starts its own line (so its lines can be cut).
    fn check_replaceable(&self, entry: &Node) -> Result<(), DocumentError> {
        self.check_unmarked(entry)?;
        if !starts_line(&self.body, start(entry)) {
            return Err(self.unsupported(
                entry,
                "the entry does not start its own line",
                "put the entry on a line of its own, and run the command again",
            ));
        }
        Ok(())
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
        if root_of(&body).is_err() {
            let (line, column) = self.position(near);
            return Err(DocumentError::Unsupported {
                what: "tray-mcp could not edit this YAML safely (the edited text would not parse)".into(),
                hint: "edit the entry by hand, or simplify the YAML around it",
                line,
                column,
            });
        }
        self.body = body;
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
        self.body = before;
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
                Some(entry) => {
                    self.check_replaceable(&entry)?;
                    let range = self.entry_lines(&entry);
                    let layout = self.layout();
                    let column = column_of(&self.body, start(&entry));
                    let key = raw_key(&entry).unwrap_or_else(|| scalar_text(last));
                    let mut text = String::new();
                    emit_entry(&mut text, &key, value, column, &layout);
                    let mut text = layout.line_endings(&text);
                    if range.end == self.body.len() && !self.body.ends_with('\n') {
                        text = format!(
                            "{}{}",
                            if range.start < line_start(&self.body, start(&entry)) {
                                layout.newline()
                            } else {
                                ""
                            },
                            text.strip_suffix(layout.newline()).unwrap_or(&text)
                        );
                    }
                    let near = range.start;
                    self.splice(range, &text, near)?;
                    (near, Change::Updated)
                }
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
            } => {
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
                (near, Change::Added)
            }
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

// ----- reading the tree -----

/// Parses `body` and returns its root mapping, refusing what the backend cannot edit.
fn root_of(body: &str) -> Result<Option<Node>, DocumentError> {
    let parse = YamlFile::parse(body);
    if let Some(error) = parse.positioned_errors().first() {
        let (line, column) = line_column(body, error.range.start as usize);
        return Err(DocumentError::Syntax {
            line,
            column,
            message: error.message.split(". ").next().unwrap_or(&error.message).to_string(),
        });
    }
    let file = parse.tree();
    let documents: Vec<Node> = file
        .syntax()
        .children()
        .filter(|node| node.kind() == SyntaxKind::DOCUMENT)
        .collect();
    if let Some(second) = documents.get(1) {
        let (line, column) = line_column(body, start(second));
        return Err(DocumentError::Unsupported {
            what: "the file holds several YAML documents (---)".into(),
            hint: "the client reads one document: keep one, and run the command again",
            line,
            column,
        });
    }
    let Some(document) = documents.first() else {
        return Ok(None);
    };
    let Some(content) = document.children().find(|node| is_content(node.kind())) else {
        return Ok(None);
    };
    if content.kind() == SyntaxKind::MAPPING {
        return Ok(Some(content));
    }
    if is_null_scalar(&content) {
        return Ok(None);
    }
    let (line, column) = line_column(body, start(&content));
    Err(DocumentError::WrongType {
        path: String::new(),
        expected: "a mapping",
        found: kind_name(&content),
        line,
        column,
    })
}

fn is_content(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::MAPPING | SyntaxKind::SEQUENCE | SyntaxKind::SCALAR | SyntaxKind::ALIAS | SyntaxKind::TAGGED_NODE
    )
}

fn kind_name(node: &Node) -> &'static str {
    match node.kind() {
        SyntaxKind::MAPPING => "a mapping",
        SyntaxKind::SEQUENCE => "a list",
        SyntaxKind::ALIAS => "an alias",
        SyntaxKind::TAGGED_NODE => "a tagged value",
        _ => "a scalar",
    }
}

fn child(node: &Node, kind: SyntaxKind) -> Option<Node> {
    node.children().find(|child| child.kind() == kind)
}

fn has_token(node: &Node, kind: SyntaxKind) -> bool {
    node.children_with_tokens().any(|element| element.kind() == kind)
}

fn is_flow(node: &Node) -> bool {
    has_token(node, SyntaxKind::LEFT_BRACE) || has_token(node, SyntaxKind::LEFT_BRACKET)
}

fn entries(mapping: &Node) -> impl Iterator<Item = Node> {
    mapping
        .children()
        .filter(|node| node.kind() == SyntaxKind::MAPPING_ENTRY)
}

fn sequence_items(sequence: &Node) -> impl Iterator<Item = Node> {
    sequence
        .children()
        .filter(|node| node.kind() == SyntaxKind::SEQUENCE_ENTRY)
}

/// The key of an entry as a string (a merge key reads as `<<`).
fn entry_key(entry: &Node) -> Option<String> {
    let key = child(entry, SyntaxKind::KEY)?;
    let content = key.first_child()?;
    match Scalar::cast(content.clone()) {
        Some(scalar) => Some(scalar.as_string()),
        None => Some(content.text().to_string()),
    }
}

/// The key exactly as written (kept by a replacement, quotes and all).
fn raw_key(entry: &Node) -> Option<String> {
    let key = child(entry, SyntaxKind::KEY)?.first_child()?;
    Some(key.text().to_string())
}

/// The node an entry's value holds (`None` for `key:` with nothing after it).
fn entry_content(entry: &Node) -> Option<Node> {
    child(entry, SyntaxKind::VALUE)?
        .children()
        .find(|node| is_content(node.kind()))
}

/// Whether an entry is `key:` with no value written (a comment may follow: the parser reads an
/// empty null there), as opposed to `key: null` or `key: ~`.
fn holds_nothing_written(entry: &Node) -> bool {
    entry_content(entry).is_none_or(|node| node.text_range().is_empty())
}

fn item_content(item: &Node) -> Option<Node> {
    item.children().find(|node| is_content(node.kind()))
}

fn item_json(item: &Node) -> Value {
    item_content(item).map_or(Value::Null, |node| to_json(&node))
}

fn item_has_id(item: &Node, id_key: &str, id: &str) -> bool {
    item_json(item).get(id_key).and_then(Value::as_str) == Some(id)
}

fn is_null_scalar(node: &Node) -> bool {
    Scalar::cast(node.clone()).is_some_and(|scalar| scalar.is_null())
}

fn members(mapping: &Node) -> Members {
    entries(mapping)
        .filter_map(|entry| {
            let key = entry_key(&entry)?;
            Some((key, entry_content(&entry).map_or(Value::Null, |node| to_json(&node))))
        })
        .collect()
}

fn collect_matching(mapping: &Node, pattern: &[&str], keys: &mut Vec<String>, found: &mut Vec<(Vec<String>, Members)>) {
    let Some((first, rest)) = pattern.split_first() else {
        found.push((keys.clone(), members(mapping)));
        return;
    };
    for entry in entries(mapping) {
        let Some(key) = entry_key(&entry) else { continue };
        if (*first == "*" || *first == key)
            && let Some(child) = entry_content(&entry).filter(|node| node.kind() == SyntaxKind::MAPPING)
        {
            keys.push(key);
            collect_matching(&child, rest, keys, found);
            keys.pop();
        }
    }
}

/// A node as JSON. An alias reads as `null` (what it refers to is not followed), a tagged value
/// as its content.
fn to_json(node: &Node) -> Value {
    match node.kind() {
        SyntaxKind::MAPPING => Value::Object(members(node).into_iter().collect()),
        SyntaxKind::SEQUENCE => Value::Array(sequence_items(node).map(|item| item_json(&item)).collect()),
        SyntaxKind::SCALAR => Scalar::cast(node.clone()).map_or(Value::Null, |scalar| scalar_json(&scalar)),
        SyntaxKind::TAGGED_NODE => node
            .children()
            .find(|child| is_content(child.kind()))
            .map_or(Value::Null, |child| to_json(&child)),
        _ => Value::Null,
    }
}

fn scalar_json(scalar: &Scalar) -> Value {
    if scalar.is_quoted() || scalar.is_block() {
        return Value::String(scalar.as_string());
    }
    if scalar.is_null() {
        return Value::Null;
    }
    if let Some(flag) = scalar.as_bool() {
        return Value::Bool(flag);
    }
    if let Some(integer) = scalar.as_i64() {
        return Value::from(integer);
    }
    if let Some(number) = scalar.as_f64().and_then(serde_json::Number::from_f64) {
        return Value::Number(number);
    }
    Value::String(scalar.as_string())
}

// ----- positions -----

fn start(node: &Node) -> usize {
    usize::from(node.text_range().start())
}

fn end(node: &Node) -> usize {
    usize::from(node.text_range().end())
}

fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |index| index + 1)
}

fn starts_line(text: &str, offset: usize) -> bool {
    text[line_start(text, offset)..offset]
        .chars()
        .all(|c| c == ' ' || c == '-')
}

/// The column (0-based) of `offset` on its line.
fn column_of(text: &str, offset: usize) -> usize {
    text[line_start(text, offset)..offset].chars().count()
}

/// Where the content before `offset` ends: after the newline of the last line before it that is
/// not blank and not only a comment (or at `offset`'s line's content end when it has no
/// newline).
fn content_end(text: &str, offset: usize) -> usize {
    let mut at = offset;
    loop {
        // `at` is at a line start (or the end of the text); look at the line before it.
        let line_begin = if at == 0 { return 0 } else { line_start(text, at - 1) };
        let line = &text[line_begin..at];
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            at = line_begin;
            if at == 0 {
                return 0;
            }
            continue;
        }
        if !line.ends_with('\n') && at < text.len() {
            // `offset` was inside a line: its end is the content end.
            return text[at..].find('\n').map_or(text.len(), |index| at + index + 1);
        }
        return at;
    }
}

/// 1-based line and column of a byte offset.
pub(super) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_begin = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[line_begin..].chars().count() + 1)
}

// ----- writing -----

/// The file's way of writing: line endings, indentation step, and whether a list under a key is
/// indented.
struct Layout {
    crlf: bool,
    indent: usize,
    indented_lists: bool,
}

impl Layout {
    fn of(body: &str) -> Layout {
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

    fn newline(&self) -> &'static str {
        if self.crlf { "\r\n" } else { "\n" }
    }

    fn line_endings(&self, text: &str) -> String {
        if self.crlf {
            text.replace('\n', "\r\n")
        } else {
            text.to_string()
        }
    }
}

/// Writes `key: value` at `column` (LF line endings; [`Layout::line_endings`] converts).
fn emit_entry(out: &mut String, key: &str, value: &Value, column: usize, layout: &Layout) {
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
fn emit_item(out: &mut String, value: &Value, column: usize, layout: &Layout) {
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
fn inline_value(value: &Value) -> String {
    match value {
        Value::String(text) => scalar_text(text),
        Value::Object(object) if object.is_empty() => "{}".into(),
        Value::Array(items) if items.is_empty() => "[]".into(),
        other => other.to_string(),
    }
}

/// A value in flow style on one line, every string double-quoted (a JSON string is a valid YAML
/// double-quoted scalar, and a plain scalar in flow context may not hold `,[]{}`).
fn flow_text(value: &Value) -> String {
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
fn scalar_text(text: &str) -> String {
    if is_plain_safe(text) {
        text.to_string()
    } else {
        Value::String(text.to_string()).to_string()
    }
}

fn is_plain_safe(text: &str) -> bool {
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

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::format::{Format, open};
    use super::*;

    fn entry() -> Value {
        json!({"type": "stdio", "cmd": "/usr/local/bin/tray-mcp", "args": ["serve", "--sandbox"], "enabled": true})
    }

    /// Opens `text`, tries to set `extensions.tray`, and returns the refusal with its position.
    fn refusal(text: &str) -> (String, usize, usize) {
        let result = open(Format::Yaml, text).and_then(|mut document| {
            document.set(&["extensions", "tray"], &entry())?;
            Ok(document.into_text())
        });
        match result {
            Err(DocumentError::Unsupported {
                what,
                line,
                column,
                hint,
            }) => {
                assert!(!hint.is_empty());
                (what, line, column)
            }
            other => panic!("expected a refusal for {text:?}, got {other:?}"),
        }
    }

    /// What cannot be edited safely, each refused where it is: (file, what the message says,
    /// line, column when it is checked).
    #[test]
    fn what_cannot_be_edited_safely_is_refused_at_its_position() {
        let cases: &[(&str, &str, usize, Option<usize>)] = &[
            ("extensions: {}\n---\nother: 1\n", "several YAML documents", 2, Some(1)),
            (
                "GOOSE_MODEL: x\nextensions: {other: {cmd: o}}\n",
                "flow style",
                2,
                Some(13),
            ),
            (
                "extensions:\n  a:\n    cmd: x\nextensions:\n  b:\n    cmd: y\n",
                "appears twice",
                4,
                None,
            ),
            ("base: &b\n  other:\n    cmd: o\nextensions: *b\n", "alias", 4, Some(13)),
            (
                "extensions:\n  tray: &t\n    cmd: old\nother: *t\n",
                "anchor, alias, merge key or tag",
                2,
                None,
            ),
            (
                "base: &b\n  timeout: 1\nextensions:\n  tray:\n    <<: *b\n    cmd: old\n",
                "anchor, alias, merge key or tag",
                5,
                None,
            ),
            (
                "extensions:\n  tray:\n    cmd: !custom old\n",
                "anchor, alias, merge key or tag",
                3,
                None,
            ),
            ("extensions: !!map\n  other:\n    cmd: o\n", "tag", 1, None),
        ];
        for (text, expected, line, column) in cases {
            let (what, found_line, found_column) = refusal(text);
            assert!(what.contains(expected), "{text:?}: {what}");
            assert_eq!(found_line, *line, "{text:?}");
            if let Some(column) = column {
                assert_eq!(found_column, *column, "{text:?}");
            }
        }
    }

    #[test]
    fn anchors_and_merge_keys_elsewhere_survive_byte_for_byte() {
        let text = "defaults: &d\n  timeout: 300\nextensions:\n  other:\n    <<: *d\n    cmd: o\n";
        let mut document = open(Format::Yaml, text).unwrap();
        document.set(&["extensions", "tray"], &entry()).unwrap();
        let added = document.into_text();
        assert!(added.starts_with(text), "{added}");
        let mut document = open(Format::Yaml, &added).unwrap();
        assert!(document.remove(&["extensions", "tray"]).unwrap());
        assert_eq!(document.into_text(), text);
    }

    #[test]
    fn new_entries_follow_the_files_indentation_and_list_style() {
        let text = "extensions:\n    other:\n        cmd: o\n        args:\n        - a\n";
        let mut document = open(Format::Yaml, text).unwrap();
        document.set(&["extensions", "tray"], &entry()).unwrap();
        assert_eq!(
            document.into_text(),
            format!(
                "{text}    tray:\n        type: stdio\n        cmd: /usr/local/bin/tray-mcp\n        args:\n        - serve\n        - --sandbox\n        enabled: true\n"
            )
        );
    }

    #[test]
    fn strings_that_would_read_as_something_else_are_quoted() {
        let value = json!({"a": "true", "b": "0123", "c": "x: y", "d": "", "e": "- x", "f": "#no", "g": "plain text"});
        let mut document = open(Format::Yaml, "").unwrap();
        document.set(&["k"], &value).unwrap();
        let text = document.into_text();
        assert!(text.contains("g: plain text\n"), "{text}");
        assert_eq!(open(Format::Yaml, &text).unwrap().get(&["k"]).unwrap(), Some(value));
    }

    #[test]
    fn an_untouched_document_renders_as_read() {
        let text = "\u{feff}# c\r\nextensions:\r\n  x: {a: 1}   # flow is fine to read\r\n";
        let document = open(Format::Yaml, text).unwrap();
        assert_eq!(document.get(&["extensions", "x", "a"]).unwrap(), Some(json!(1)));
        assert_eq!(document.into_text(), text);
    }
}
