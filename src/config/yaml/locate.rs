//! Locate: reading the lossless tree (entries, keys, sequences, scalars as JSON) and turning
//! offsets into lines and columns. No edits here.

use super::*;

/// The syntax tree of `body` (its file node's green tree, which can be kept and shared), or
/// its first syntax error.
pub(super) fn parse_tree(body: &str) -> Result<rowan::GreenNode, DocumentError> {
    let parse = YamlFile::parse(body);
    if let Some(error) = parse.positioned_errors().first() {
        let (line, column) = line_column(body, error.range.start as usize);
        return Err(DocumentError::Syntax {
            line,
            column,
            message: error.message.split(". ").next().unwrap_or(&error.message).to_string(),
        });
    }
    Ok(parse.tree().syntax().green().into_owned())
}

/// The root mapping of `body`, from its tree as [`parse_tree`] gave it, refusing what the
/// backend cannot edit (several documents, a root that is no mapping).
pub(super) fn root_in(body: &str, tree: &rowan::GreenNode) -> Result<Option<Node>, DocumentError> {
    let file = Node::new_root(tree.clone());
    let documents: Vec<Node> = file
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

pub(super) fn is_content(kind: SyntaxKind) -> bool {
    matches!(
        kind,
        SyntaxKind::MAPPING | SyntaxKind::SEQUENCE | SyntaxKind::SCALAR | SyntaxKind::ALIAS | SyntaxKind::TAGGED_NODE
    )
}

pub(super) fn kind_name(node: &Node) -> &'static str {
    match node.kind() {
        SyntaxKind::MAPPING => "a mapping",
        SyntaxKind::SEQUENCE => "a list",
        SyntaxKind::ALIAS => "an alias",
        SyntaxKind::TAGGED_NODE => "a tagged value",
        _ => "a scalar",
    }
}

pub(super) fn child(node: &Node, kind: SyntaxKind) -> Option<Node> {
    node.children().find(|child| child.kind() == kind)
}

pub(super) fn has_token(node: &Node, kind: SyntaxKind) -> bool {
    node.children_with_tokens().any(|element| element.kind() == kind)
}

pub(super) fn is_flow(node: &Node) -> bool {
    has_token(node, SyntaxKind::LEFT_BRACE) || has_token(node, SyntaxKind::LEFT_BRACKET)
}

pub(super) fn entries(mapping: &Node) -> impl Iterator<Item = Node> {
    mapping
        .children()
        .filter(|node| node.kind() == SyntaxKind::MAPPING_ENTRY)
}

pub(super) fn sequence_items(sequence: &Node) -> impl Iterator<Item = Node> {
    sequence
        .children()
        .filter(|node| node.kind() == SyntaxKind::SEQUENCE_ENTRY)
}

/// The key of an entry as a string (a merge key reads as `<<`).
pub(super) fn entry_key(entry: &Node) -> Option<String> {
    let key = child(entry, SyntaxKind::KEY)?;
    let content = key.first_child()?;
    match Scalar::cast(content.clone()) {
        Some(scalar) => Some(scalar.as_string()),
        None => Some(content.text().to_string()),
    }
}

/// The key exactly as written (kept by a replacement, quotes and all).
pub(super) fn raw_key(entry: &Node) -> Option<String> {
    let key = child(entry, SyntaxKind::KEY)?.first_child()?;
    Some(key.text().to_string())
}

/// The node an entry's value holds (`None` for `key:` with nothing after it).
pub(super) fn entry_content(entry: &Node) -> Option<Node> {
    child(entry, SyntaxKind::VALUE)?
        .children()
        .find(|node| is_content(node.kind()))
}

/// Whether an entry is `key:` with no value written (a comment may follow: the parser reads an
/// empty null there), as opposed to `key: null` or `key: ~`.
pub(super) fn holds_nothing_written(entry: &Node) -> bool {
    entry_content(entry).is_none_or(|node| node.text_range().is_empty())
}

pub(super) fn item_content(item: &Node) -> Option<Node> {
    item.children().find(|node| is_content(node.kind()))
}

pub(super) fn item_json(item: &Node) -> Value {
    item_content(item).map_or(Value::Null, |node| to_json(&node))
}

pub(super) fn item_has_id(item: &Node, id_key: &str, id: &str) -> bool {
    item_json(item).get(id_key).and_then(Value::as_str) == Some(id)
}

pub(super) fn is_null_scalar(node: &Node) -> bool {
    Scalar::cast(node.clone()).is_some_and(|scalar| scalar.is_null())
}

pub(super) fn members(mapping: &Node) -> Members {
    entries(mapping)
        .filter_map(|entry| {
            let key = entry_key(&entry)?;
            Some((key, entry_content(&entry).map_or(Value::Null, |node| to_json(&node))))
        })
        .collect()
}

pub(super) fn collect_matching(
    mapping: &Node,
    pattern: &[&str],
    keys: &mut Vec<String>,
    found: &mut Vec<(Vec<String>, Members)>,
) {
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
pub(super) fn to_json(node: &Node) -> Value {
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

/// A scalar as JSON, as yaml-edit types it (YAML 1.2 core schema): quoted and block scalars are
/// strings; a plain one is null, a boolean, an integer, a float or a string. It is typed once,
/// by `ScalarValue::from_scalar`: yaml-edit's `is_null`, `as_bool`, `as_i64` and `as_f64` each
/// read and type it again (and format an error when it is not of theirs), ~20,000 instructions a
/// scalar, half the instructions of installing into a new Goose or Continue file (callgrind,
/// `-c all`).
pub(super) fn scalar_json(scalar: &Scalar) -> Value {
    let typed = ScalarValue::from_scalar(scalar);
    let value = match typed.scalar_type() {
        ScalarType::Null => Some(Value::Null),
        ScalarType::Boolean => typed.to_bool().map(Value::Bool),
        ScalarType::Integer => typed.to_i64().map(Value::from),
        ScalarType::Float => typed.to_f64().and_then(serde_json::Number::from_f64).map(Value::Number),
        _ => None,
    };
    value.unwrap_or_else(|| Value::String(typed.value().to_string()))
}

// ----- positions -----

pub(super) fn start(node: &Node) -> usize {
    usize::from(node.text_range().start())
}

pub(super) fn end(node: &Node) -> usize {
    usize::from(node.text_range().end())
}

pub(super) fn line_start(text: &str, offset: usize) -> usize {
    text[..offset].rfind('\n').map_or(0, |index| index + 1)
}

pub(super) fn starts_line(text: &str, offset: usize) -> bool {
    text[line_start(text, offset)..offset]
        .chars()
        .all(|c| c == ' ' || c == '-')
}

/// The column (0-based) of `offset` on its line.
pub(super) fn column_of(text: &str, offset: usize) -> usize {
    text[line_start(text, offset)..offset].chars().count()
}

/// Where the content before `offset` ends: after the newline of the last line before it that is
/// not blank and not only a comment (or at `offset`'s line's content end when it has no
/// newline).
pub(super) fn content_end(text: &str, offset: usize) -> usize {
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
pub(in crate::config) fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let line_begin = before.rfind('\n').map_or(0, |index| index + 1);
    (line, before[line_begin..].chars().count() + 1)
}
