//! The YAML document's tests: refusals with their positions, edits that keep the rest of
//! the text, and scalars read as yaml-edit types them.

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

/// Scalars read as JSON exactly as yaml-edit's own typing reads them (its `is_null`,
/// `as_bool`, `as_i64` and `as_f64`, one after another), for every plain and quoted form
/// that is, or looks like, a null, a boolean or a number.
#[test]
fn scalars_read_as_yaml_edit_types_them() {
    let by_yaml_edit = |scalar: &Scalar| -> Value {
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
    };
    let texts = [
        "~",
        "null",
        "Null",
        "NULL",
        "nULL",
        "true",
        "True",
        "TRUE",
        "tRUE",
        "false",
        "FALSE",
        "yes",
        "on",
        "0",
        "-0",
        "+12",
        "0o17",
        "0x1F",
        "0b101",
        "0755",
        "1_000",
        "12345678901234567890",
        "1.5",
        "-.5",
        "1e3",
        "1E-3",
        ".inf",
        "-.Inf",
        ".nan",
        "inf",
        "NaN",
        "infinity",
        "1.",
        "tray",
        "/usr/bin/tray-mcp",
        "\"true\"",
        "'12'",
        "\"\"",
        "''",
        "a b",
        "12 monkeys",
    ];
    for text in texts {
        let document = YamlDocument::parse(&format!("key: {text}\n")).expect("parses");
        let root = document.root().expect("a root").expect("a mapping");
        let entry = document.entry(&root, "key").expect("no duplicate").expect("the key");
        let scalar = entry_content(&entry).and_then(Scalar::cast).expect("a scalar");
        assert_eq!(locate::scalar_json(&scalar), by_yaml_edit(&scalar), "{text}");
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
