//! The invariants every [`ConfigDocument`] backend must keep, run against each of them on
//! samples written the way users' files are (comments, odd indentation, CRLF, a byte-order
//! mark, other servers around ours):
//!
//! - adding an entry and removing it again gives back the original bytes, once the servers
//!   container the add created (if it did) is taken out by `remove_if_empty`;
//! - `remove_if_empty` takes out only a container that holds nothing, not even a comment;
//! - setting the same entry twice changes no byte the second time (and says `Unchanged`);
//! - everything outside the entry (comments, order, line endings, BOM, indentation) survives;
//! - renaming a key keeps its value and its neighbours, and renaming back restores the bytes;
//! - companion array items are added once, replaced by id, and removed by id only;
//! - a malformed file is an error naming line and column, from the first read or edit.

use serde_json::{Value, json};

use super::format::{ConfigDocument, Format, keys_matching, open};
use super::json::document::{Change, DocumentError};

/// One backend's samples: files as users have them, each holding a servers table at `servers`
/// with an entry `other` that is not ours.
struct Samples {
    format: Format,
    files: &'static [&'static str],
    /// Text that does not parse, with the line and column the error must name.
    malformed: (&'static str, usize, usize),
}

const SERVERS: &[&str] = &["mcp_servers"];

const JSON: Samples = Samples {
    format: Format::Json,
    files: &[
        "{\n  \"mcp_servers\": {\n    \"other\": {\"command\": \"o\", \"args\": []}\n  }\n}\n",
        "{\r\n\t\"theme\": \"dark\",\r\n\t\"mcp_servers\": {\r\n\t\t\"other\": {\r\n\t\t\t\"command\": \"o\"\r\n\t\t}\r\n\t}\r\n}\r\n",
        "\u{feff}{\"mcp_servers\": {\"other\": {\"command\": \"o\"}}, \"z\": 1}",
        "{\n    \"a\": 1,\n    \"mcp_servers\": {}\n}",
        "{\n  \"theme\": \"dark\"\n}\n",
        "{\r\n\t\"theme\": \"dark\",\r\n\t\"z\": [1]\r\n}\r\n",
        "{\"theme\": \"dark\"}",
        "{}\n",
    ],
    malformed: ("{\n  \"mcp_servers\": {\n    \"other\": \n}\n", 4, 1),
};

const JSONC: Samples = Samples {
    format: Format::Jsonc,
    files: &[
        "// settings\n{\n  /* servers */\n  \"mcp_servers\": {\n    // keep me\n    \"other\": {\"command\": \"o\"}, // trailing\n  },\n}\n",
        "{\r\n  \"mcp_servers\": {\r\n    \"other\": {\"command\": \"o\"},\r\n  },\r\n  // end\r\n}\r\n",
        "{\n  \"mcp_servers\": {\n    \"other\": {\"command\": \"o\"} // mine\n  }\n}\n",
        "{\n  \"mcp_servers\": { // servers\n  }\n}\n",
        "// settings\n{\n  \"theme\": \"dark\", // mine\n}\n",
    ],
    malformed: ("{\n  // fine\n  \"mcp_servers\": {,,}\n}\n", 3, 19),
};

/// JSONC as Gemini CLI reads it (no trailing commas, no byte-order mark): every edit must
/// still open in it, so none adds what the client cannot read.
const JSONC_NO_TRAILING_COMMAS: Samples = Samples {
    format: Format::JsoncNoTrailingCommas { byte_order_mark: false },
    files: &[
        "// settings\n{\n  /* servers */\n  \"mcp_servers\": {\n    // keep me\n    \"other\": {\"command\": \"o\"} // trailing\n  }\n}\n",
        "{\r\n  \"mcp_servers\": {\r\n    \"other\": {\"command\": \"o\"}\r\n  },\r\n  // end\r\n  \"z\": 1\r\n}\r\n",
        "{\n  \"mcp_servers\": { // servers\n  }\n}\n",
        "{\n  \"theme\": \"dark\", // mine\n  \"mcp_servers\": {}\n}\n",
        "{\n  // only a comment\n  \"theme\": \"dark\"\n}\n",
    ],
    malformed: ("{\n  // fine\n  \"mcp_servers\": {,,}\n}\n", 3, 19),
};

const TOML: Samples = Samples {
    format: Format::Toml,
    files: &[
        "# Codex settings\nmodel = \"o3\"\n\n# servers\n[mcp_servers.other]\ncommand = \"o\" # inline\nargs = []\n\n[projects.\"/home/ada/x\"]\ntrust_level = \"trusted\"\n",
        "model = \"o3\"\r\n\r\n[mcp_servers.other]\r\ncommand = \"o\"\r\n",
        "\u{feff}[mcp_servers.other]\ncommand = \"o\"",
        "approval_policy = \"never\"\n",
        "",
        "model = \"o3\"\n\n[mcp_servers]\n",
    ],
    malformed: ("model = \"o3\"\n[mcp_servers.other\ncommand = 1\n", 2, 19),
};

const YAML: Samples = Samples {
    format: Format::Yaml,
    files: &[
        "# Goose settings\nGOOSE_PROVIDER: openai\ndefaults: &defaults\n  timeout: 300\nmcp_servers:\n  # keep me\n  other:\n    <<: *defaults\n    cmd: o # inline\n    args: []\n\n# after the servers\nGOOSE_MODEL: gpt-4o\n",
        "GOOSE_PROVIDER: openai\r\nmcp_servers:\r\n    other:\r\n        cmd: o\r\n        args:\r\n        - a\r\n",
        "\u{feff}mcp_servers:\n  other:\n    cmd: o",
        "GOOSE_MODEL: x\n",
        "",
        "# only a comment\n",
        // A key holding nothing, with a comment on its line, in the middle of the file.
        "GOOSE_MODEL: x\nmcp_servers:   # my extensions\nGOOSE_MODE: auto\n",
        // Goose's own way of writing no extensions.
        "mcp_servers: {}\nGOOSE_MODEL: x\n",
        // A key holding nothing, bare, at the end.
        "GOOSE_MODEL: x\nmcp_servers:\n",
        // No final newline, no servers.
        "GOOSE_MODEL: x",
        // Only a Tray entry: removing ours takes nothing of it.
        "mcp_servers:\n  tray-production:\n    type: stdio\n    cmd: /usr/local/bin/tray-mcp\n",
    ],
    malformed: ("GOOSE_MODEL: x\nmcp_servers:\n  other: [1, 2\n", 4, 1),
};

/// Continue's shape: the servers are a list of items named by `name`.
const YAML_LIST: Samples = Samples {
    format: Format::YamlList,
    files: &[
        "# Continue block\nname: Tools\nversion: 0.0.1\nschema: v1\nmcp_servers:\n  # keep me\n  - name: other\n    command: o # inline\n    args: []\n\n# after the servers\nrules:\n  - be brief\n",
        "name: x\r\nmcp_servers:\r\n- name: other\r\n  command: o\r\n  args:\r\n  - a\r\n",
        "\u{feff}mcp_servers:\n  - name: other\n    command: o",
        "name: Tools\nversion: 0.0.1\nschema: v1\n",
        "",
        "# only a comment\n",
    ],
    malformed: ("name: x\nmcp_servers:\n  - name: [1, 2\n", 4, 1),
};

const ALL: [&Samples; 6] = [&JSON, &JSONC, &JSONC_NO_TRAILING_COMMAS, &TOML, &YAML, &YAML_LIST];

fn entry() -> Value {
    json!({"command": "/usr/local/bin/tray-mcp", "args": ["serve", "--profile", "tray"], "env": {"A": "b"}})
}

fn document(format: Format, text: &str) -> Box<dyn ConfigDocument> {
    open(format, text).unwrap_or_else(|error| panic!("{format:?} sample does not open: {error}\n{text}"))
}

fn path(name: &str) -> Vec<&str> {
    let mut path = SERVERS.to_vec();
    path.push(name);
    path
}

/// Applies one edit to `text` and returns the new text, checking it still opens.
fn edited(format: Format, text: &str, edit: impl FnOnce(&mut dyn ConfigDocument)) -> String {
    let mut document = document(format, text);
    edit(document.as_mut());
    let output = document.into_text();
    open(format, &output)
        .and_then(|document| document.members(SERVERS))
        .unwrap_or_else(|error| panic!("{format:?}: edited text does not parse: {error}\n{output}"));
    output
}

#[test]
fn add_then_remove_gives_back_the_original_bytes() {
    for samples in ALL {
        for text in samples.files {
            let added = edited(samples.format, text, |document| {
                assert_eq!(document.set(&path("tray"), &entry()).unwrap(), Change::Added);
            });
            assert_ne!(&added, text);
            let created_container = document(samples.format, text).get(SERVERS).unwrap().is_none();
            let removed = edited(samples.format, &added, |document| {
                assert!(document.remove(&path("tray")).unwrap());
                if created_container {
                    document.remove_if_empty(SERVERS).unwrap();
                }
            });
            assert_eq!(
                &removed, text,
                "{:?}: remove did not undo add; added:\n{added}",
                samples.format
            );
        }
    }
}

#[test]
fn remove_if_empty_takes_out_only_a_container_holding_nothing() {
    for samples in ALL {
        for text in samples.files {
            let Some(servers) = document(samples.format, text).get(SERVERS).unwrap() else {
                continue;
            };
            let mut opened = document(samples.format, text);
            let removed = opened.remove_if_empty(SERVERS).unwrap();
            let after = opened.into_text();
            let holds_nothing = servers.as_object().is_some_and(serde_json::Map::is_empty) || servers.is_null();
            let has_comment = text
                .lines()
                .any(|line| line.contains("mcp_servers") && line.contains(['#', '/']));
            if holds_nothing && !has_comment {
                assert!(removed, "{:?}: the empty container stayed:\n{text}", samples.format);
                assert_eq!(
                    document(samples.format, &after).get(SERVERS).unwrap(),
                    None,
                    "{:?}",
                    samples.format
                );
            } else {
                assert!(
                    !removed,
                    "{:?}: a container that holds something went:\n{text}",
                    samples.format
                );
                assert_eq!(&after, text, "{:?}", samples.format);
            }
            // With our entry in it, no container is empty.
            let added = edited(samples.format, text, |document| {
                document.set(&path("tray"), &entry()).unwrap();
                assert!(!document.remove_if_empty(SERVERS).unwrap());
            });
            assert!(added.contains("tray"), "{added}");
        }
    }
}

#[test]
fn a_second_identical_set_changes_no_byte() {
    for samples in ALL {
        for text in samples.files {
            let once = edited(samples.format, text, |document| {
                document.set(&path("tray"), &entry()).unwrap();
            });
            let twice = edited(samples.format, &once, |document| {
                assert_eq!(document.set(&path("tray"), &entry()).unwrap(), Change::Unchanged);
            });
            assert_eq!(once, twice, "{:?}", samples.format);
            let untouched = document(samples.format, text).into_text();
            assert_eq!(
                &untouched, text,
                "{:?}: opening and rendering changed bytes",
                samples.format
            );
        }
    }
}

#[test]
fn everything_outside_the_entry_survives() {
    for samples in ALL {
        for text in samples.files {
            let added = edited(samples.format, text, |document| {
                document.set(&path("tray"), &entry()).unwrap();
            });
            // Every line of the original is still there, in order, but the servers table's own
            // line, which the entry goes into (a one-line file is checked by the add-then-remove
            // round trip instead). A comment that ends a line stays at the end of that line,
            // which may have gained a separating comma before it.
            let multi_line = text.trim_end().contains('\n');
            let lines: Vec<&str> = if multi_line {
                text.split_inclusive('\n').collect()
            } else {
                Vec::new()
            };
            let mut rest = added.as_str();
            for line in lines.into_iter().filter(|line| {
                !line.contains("\"mcp_servers\": {}") && !line.contains("mcp_servers: {}") && !line.trim().is_empty()
            }) {
                let line = line.trim_start_matches('\u{feff}');
                let (code, comment) = match line.find(" //") {
                    Some(index) if index > 0 && !line[..index].trim().is_empty() => {
                        (&line[..index], Some(&line[index..]))
                    }
                    _ => (line, None),
                };
                let code = code.trim_end_matches(['\r', '\n', ' ']);
                let Some(found) = rest.find(code) else {
                    panic!("{:?}: lost {line:?} in:\n{added}", samples.format);
                };
                rest = &rest[found..];
                if let Some(comment) = comment {
                    let found_line = rest.split_inclusive('\n').next().unwrap_or_default();
                    let code_then_comment = found_line
                        .strip_prefix(code)
                        .map(|after| after.trim_start_matches(','))
                        .is_some_and(|after| after.trim_end() == comment.trim_end());
                    assert!(
                        code_then_comment,
                        "{:?}: the comment {comment:?} left the line of {code:?}:\n{added}",
                        samples.format
                    );
                }
            }
            assert_eq!(added.starts_with('\u{feff}'), text.starts_with('\u{feff}'), "BOM");
            if text.contains("\r\n") {
                assert!(
                    !added.replace("\r\n", "").contains('\n'),
                    "{:?}: a bare LF in a CRLF file:\n{added:?}",
                    samples.format
                );
            }
            let document = document(samples.format, &added);
            assert_eq!(document.get(&path("tray")).unwrap(), Some(entry()));
            let names: Vec<String> = document.keys(SERVERS).unwrap();
            if text.contains("other") {
                assert_eq!(names, ["other", "tray"], "{:?}: order", samples.format);
            }
        }
    }
}

#[test]
fn updating_an_entry_replaces_only_it() {
    for samples in ALL {
        let text = samples.files[0];
        let first = edited(samples.format, text, |document| {
            document.set(&path("tray"), &entry()).unwrap();
        });
        let changed = json!({"command": "/opt/tray-mcp", "args": ["serve", "--sandbox"]});
        let second = edited(samples.format, &first, |document| {
            assert_eq!(document.set(&path("tray"), &changed).unwrap(), Change::Updated);
        });
        let document = document(samples.format, &second);
        assert_eq!(document.get(&path("tray")).unwrap(), Some(changed));
        assert_eq!(
            document.get(&path("other")).unwrap(),
            open(samples.format, text).unwrap().get(&path("other")).unwrap()
        );
    }
}

#[test]
fn renaming_keeps_the_value_and_renaming_back_restores_the_bytes() {
    for samples in ALL {
        let text = edited(samples.format, samples.files[0], |document| {
            document.set(&path("tray"), &entry()).unwrap();
            document.set(&path("zzz"), &json!({"command": "z"})).unwrap();
        });
        let renamed = edited(samples.format, &text, |document| {
            assert!(document.rename_key(&path("tray"), "prod").unwrap());
            assert!(!document.rename_key(&path("absent"), "x").unwrap());
        });
        let document = document(samples.format, &renamed);
        assert_eq!(document.get(&path("prod")).unwrap(), Some(entry()));
        assert_eq!(document.get(&path("tray")).unwrap(), None);
        assert_eq!(
            document.keys(SERVERS).unwrap(),
            ["other", "prod", "zzz"],
            "{:?}",
            samples.format
        );
        let back = edited(samples.format, &renamed, |document| {
            assert!(document.rename_key(&path("prod"), "tray").unwrap());
        });
        assert_eq!(back, text, "{:?}", samples.format);
    }
}

#[test]
fn companion_items_are_kept_by_id() {
    for samples in ALL {
        let text = samples.files[0];
        let item = |description: &str| json!({"id": "ours", "description": description});
        let added = edited(samples.format, text, |document| {
            assert_eq!(
                document
                    .upsert_array_item(&["inputs"], "id", "ours", &item("a"))
                    .unwrap(),
                Change::Added
            );
            assert_eq!(
                document
                    .upsert_array_item(&["inputs"], "id", "theirs", &json!({"id": "theirs"}))
                    .unwrap(),
                Change::Added
            );
            assert_eq!(
                document
                    .upsert_array_item(&["inputs"], "id", "ours", &item("a"))
                    .unwrap(),
                Change::Unchanged
            );
            assert_eq!(
                document
                    .upsert_array_item(&["inputs"], "id", "ours", &item("b"))
                    .unwrap(),
                Change::Updated
            );
        });
        let document_after = document(samples.format, &added);
        assert_eq!(
            document_after.get(&["inputs"]).unwrap(),
            Some(json!([item("b"), {"id": "theirs"}])),
            "{:?}",
            samples.format
        );
        let removed = edited(samples.format, &added, |document| {
            assert!(document.remove_array_item(&["inputs"], "id", "ours").unwrap());
            assert!(!document.remove_array_item(&["inputs"], "id", "ours").unwrap());
        });
        assert_eq!(
            document(samples.format, &removed).get(&["inputs"]).unwrap(),
            Some(json!([{"id": "theirs"}]))
        );
    }
}

#[test]
fn members_matching_finds_every_match() {
    for samples in ALL {
        let text = edited(samples.format, "", |document| {
            document
                .set(&["projects", "/a", "mcp_servers", "x"], &json!({"command": "1"}))
                .unwrap();
            document
                .set(&["projects", "/b", "mcp_servers", "y"], &json!({"command": "2"}))
                .unwrap();
        });
        let found = document(samples.format, &text)
            .members_matching(&["projects", "*", "mcp_servers"])
            .unwrap();
        let keys: Vec<(Vec<String>, Vec<String>)> = found
            .into_iter()
            .map(|(keys, members)| (keys, members.into_iter().map(|(name, _)| name).collect()))
            .collect();
        assert_eq!(
            keys,
            [
                (
                    vec!["projects".into(), "/a".into(), "mcp_servers".into()],
                    vec!["x".to_string()]
                ),
                (
                    vec!["projects".into(), "/b".into(), "mcp_servers".into()],
                    vec!["y".to_string()]
                ),
            ],
            "{:?}:\n{text}",
            samples.format
        );
    }
}

#[test]
fn keys_matching_finds_what_the_editor_finds() {
    let projects: &[&str] = &["projects", "*", "mcp_servers"];
    for samples in ALL {
        let with_projects = edited(samples.format, samples.files[0], |document| {
            document
                .set(&["projects", "/a", "mcp_servers", "x"], &json!({"command": "1"}))
                .unwrap();
            document.set(&["projects", "/b", "other"], &json!(1)).unwrap();
        });
        for text in samples.files.iter().copied().chain([with_projects.as_str()]) {
            let mut found = keys_matching(samples.format, text, &[SERVERS, projects])
                .unwrap_or_else(|error| panic!("{:?}: {error}\n{text}", samples.format));
            let document = document(samples.format, text);
            let mut expected: Vec<(Vec<String>, Vec<String>)> = document
                .members_matching(projects)
                .unwrap()
                .into_iter()
                .map(|(path, members)| (path, members.into_iter().map(|(name, _)| name).collect()))
                .collect();
            let servers = document.keys(SERVERS).unwrap();
            if !servers.is_empty() {
                expected.push((vec![SERVERS[0].to_string()], servers));
            }
            found.retain(|(_, keys)| !keys.is_empty());
            expected.retain(|(_, keys)| !keys.is_empty());
            found.sort();
            expected.sort();
            assert_eq!(found, expected, "{:?}:\n{text}", samples.format);
        }
    }
}

#[test]
fn a_malformed_file_names_line_and_column() {
    for samples in ALL {
        let (text, line, column) = samples.malformed;
        let error = open(samples.format, text)
            .and_then(|mut document| document.set(&path("tray"), &entry()).map(|_| ()))
            .expect_err("malformed text must not be edited");
        let DocumentError::Syntax {
            line: found_line,
            column: found_column,
            ..
        } = error
        else {
            panic!("{:?}: not a syntax error: {error}", samples.format);
        };
        assert_eq!(
            (found_line, found_column),
            (line, column),
            "{:?}: {error}",
            samples.format
        );
    }
}

#[test]
fn a_key_that_is_not_a_table_is_refused() {
    for samples in ALL {
        let text = match samples.format {
            Format::Toml => "mcp_servers = 3\n",
            Format::Yaml | Format::YamlList => "mcp_servers: 3\n",
            Format::Json | Format::Jsonc | Format::JsoncNoTrailingCommas { .. } => "{\"mcp_servers\": 3}",
        };
        let error = open(samples.format, text)
            .and_then(|mut document| document.set(&path("tray"), &entry()))
            .expect_err("a number is not a table");
        assert!(
            matches!(error, DocumentError::WrongType { .. }),
            "{:?}: {error}",
            samples.format
        );
    }
}

#[test]
fn a_stricter_jsonc_reader_s_file_is_refused_where_the_client_stops() {
    let gemini = Format::JsoncNoTrailingCommas { byte_order_mark: false };
    let qwen = Format::JsoncNoTrailingCommas { byte_order_mark: true };
    for (format, text, at) in [
        (gemini, "{\n  \"mcp_servers\": {\"other\": 1,}\n}\n", (2, 29)),
        (gemini, "{\"mcp_servers\": {\"other\": [1, 2,]}}", (1, 32)),
        (gemini, "\u{feff}{}", (1, 1)),
        (qwen, "{\"a\": 1, // c\n}", (1, 8)),
    ] {
        let error = open(format, text)
            .and_then(|mut document| document.set(&path("tray"), &entry()).map(|_| ()))
            .expect_err("the client cannot read this file");
        let DocumentError::Unsupported {
            what,
            hint,
            line,
            column,
        } = error
        else {
            panic!("{format:?}: expected a refusal, got {error:?}");
        };
        assert!(what.contains("cannot read"), "{what}");
        assert!(!hint.is_empty());
        assert_eq!((line, column), at, "{text:?}");
    }
    // The same files are fine for VS Code's reader, and Qwen Code reads a byte-order mark.
    let mut document = document(qwen, "\u{feff}{}");
    document.set(&path("tray"), &entry()).unwrap();
    assert!(document.into_text().starts_with('\u{feff}'));
    document_opens_and_sets(Format::Jsonc, "{\"mcp_servers\": {\"other\": 1,}}");
}

fn document_opens_and_sets(format: Format, text: &str) {
    let mut document = document(format, text);
    document.set(&path("tray"), &entry()).unwrap();
}
