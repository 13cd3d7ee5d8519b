//! One editing interface over every config file format the clients use.
//!
//! Why one trait: the commands (install, remove, rename, token, list, doctor) ask the same
//! questions of every client's file: what is at this key path, set it, take it out, rename it,
//! keep a companion item (VS Code's token prompt) in step. Each format answers them with its own
//! lossless editor, so a command never knows whether it edits JSON, JSONC, TOML or YAML, and every
//! backend is held to the same invariants by one conformance suite (`config::conformance`).
//! Values cross the boundary as [`serde_json::Value`], the neutral tree.

use std::io;
use std::path::Path;

use serde_json::Value;

use super::json::document::{Change, Dialect, Document, DocumentError, KeysAt, Members, keys_at};
use super::json::skim;
use super::transaction::FileProblem;

/// Which syntax a client's config file uses (and its parser accepts).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// Plain JSON: no comments, no trailing commas (Claude Desktop, Claude Code, Cline).
    Json,
    /// JSON with `//` and `/* */` comments and trailing commas (VS Code, Cursor, Zed).
    Jsonc,
    /// JSON with comments read by a stricter parser, a fact of the client: no trailing commas
    /// (Gemini CLI, Qwen Code), and a byte-order mark only when `byte_order_mark` (Gemini CLI
    /// stops at one). A file holding what the client cannot read is refused with its position.
    JsoncNoTrailingCommas {
        /// Whether the client reads a file that starts with a UTF-8 byte-order mark.
        byte_order_mark: bool,
    },
    /// TOML (Codex), edited with `toml_edit`.
    Toml,
    /// YAML (Goose), read with `yaml-edit` and edited by splicing lines.
    Yaml,
    /// YAML whose servers are a list of items named by their `name` (Continue), edited as
    /// [`Format::Yaml`] through [`super::named_list::NamedItems`]: the key path
    /// `[mcpServers, NAME]` is the item of `mcpServers` whose `name` is NAME.
    YamlList,
}

impl Format {
    /// The name shown to users and in `--json` output.
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Jsonc | Format::JsoncNoTrailingCommas { .. } => "jsonc",
            Format::Toml => "toml",
            Format::Yaml | Format::YamlList => "yaml",
        }
    }
}

/// A config file held as text and edited in place: every byte outside the edited key stays.
pub trait ConfigDocument {
    /// The value at a key path, if every key on it exists.
    fn get(&self, path: &[&str]) -> Result<Option<Value>, DocumentError>;

    /// The keys and values of the table/object at a key path (empty when the path is absent).
    fn members(&self, path: &[&str]) -> Result<Members, DocumentError>;

    /// The members of every table/object whose key path matches `pattern` (`"*"` matches any
    /// key), with the concrete key path of each.
    fn members_matching(&self, pattern: &[&str]) -> Result<Vec<(Vec<String>, Members)>, DocumentError>;

    /// The keys of the table/object at a key path.
    fn keys(&self, path: &[&str]) -> Result<Vec<String>, DocumentError>;

    /// Sets the value at a key path, creating missing tables/objects on the way.
    fn set(&mut self, path: &[&str], value: &Value) -> Result<Change, DocumentError>;

    /// Removes the key at the end of a key path. Returns whether it existed.
    fn remove(&mut self, path: &[&str]) -> Result<bool, DocumentError>;

    /// Removes the key at the end of `path` when its value is an empty table/object/mapping (in
    /// YAML also a key holding nothing) with no comment inside it or on its key line: a servers
    /// container an install created, now that its last entry is gone. Returns whether it did;
    /// a container holding anything, or a comment, stays (it is the user's).
    fn remove_if_empty(&mut self, path: &[&str]) -> Result<bool, DocumentError>;

    /// Renames the key at the end of `path` in place. Returns whether it existed.
    fn rename_key(&mut self, path: &[&str], new_key: &str) -> Result<bool, DocumentError>;

    /// Adds `value` to the array at `path`, or replaces the element whose `id_key` is `id`.
    fn upsert_array_item(
        &mut self,
        path: &[&str],
        id_key: &str,
        id: &str,
        value: &Value,
    ) -> Result<Change, DocumentError>;

    /// Removes the element whose `id_key` is `id` from the array at `path`.
    fn remove_array_item(&mut self, path: &[&str], id_key: &str, id: &str) -> Result<bool, DocumentError>;

    /// The full text as it would be written.
    fn render(&self) -> String;

    /// The full text, without copying it when the backend can avoid that.
    fn into_text(self: Box<Self>) -> String;
}

/// Opens `text` (empty for a file that does not exist yet) in the editor for `format`. A syntax
/// error is reported here or, for JSON (which checks lazily, one pass per edit), by the first
/// read or edit; either way it names line and column and nothing has been written.
pub fn open(format: Format, text: &str) -> Result<Box<dyn ConfigDocument>, DocumentError> {
    Ok(match format {
        Format::Json => Box::new(Document::new(text, Dialect::Json)),
        Format::Jsonc => Box::new(Document::new(text, Dialect::Jsonc)),
        Format::JsoncNoTrailingCommas { byte_order_mark } => {
            Box::new(Document::new(text, Dialect::JsoncNoTrailingCommas { byte_order_mark }))
        }
        Format::Toml => Box::new(super::toml::TomlDocument::parse(text)?),
        Format::Yaml => Box::new(super::yaml::YamlDocument::parse(text)?),
        Format::YamlList => Box::new(super::named_list::NamedItems::new(
            Box::new(super::yaml::YamlDocument::parse(text)?),
            "name",
        )),
    })
}

/// The keys of every table/object in `text` whose key path matches one of `patterns` (`"*"`
/// matches any key), with the concrete key path of each: what the name checks need of every
/// client's file. JSON and JSONC are skimmed in place in one pass, which matters for Claude
/// Code's multi-megabyte state file; other formats are opened and asked.
pub fn keys_matching(format: Format, text: &str, patterns: &[&[&str]]) -> Result<KeysAt, DocumentError> {
    match format {
        Format::Json => super::json::document::keys_matching(text, Dialect::Json, patterns),
        Format::Jsonc => super::json::document::keys_matching(text, Dialect::Jsonc, patterns),
        Format::JsoncNoTrailingCommas { byte_order_mark } => {
            super::json::document::keys_matching(text, Dialect::JsoncNoTrailingCommas { byte_order_mark }, patterns)
        }
        _ => {
            let document = open(format, text)?;
            let mut found = Vec::new();
            for pattern in patterns {
                if pattern.contains(&"*") {
                    for (path, members) in document.members_matching(pattern)? {
                        found.push((path, members.into_iter().map(|(name, _)| name).collect()));
                    }
                } else {
                    let keys = document.keys(pattern)?;
                    if !keys.is_empty() {
                        found.push((pattern.iter().map(|key| (*key).to_string()).collect(), keys));
                    }
                }
            }
            Ok(found)
        }
    }
}

/// [`keys_matching`] for the file at `path` (`None` when it does not exist). JSON and JSONC are
/// read a buffer at a time and never held in memory whole: for Claude Code's 20 MB state file
/// that costs 3 ms instead of 10-25 ms for the page faults of a fresh buffer.
pub fn keys_matching_in_file(format: Format, path: &Path, patterns: &[&[&str]]) -> Result<Option<KeysAt>, FileProblem> {
    // A stricter JSONC reader's file is read whole: the skim takes trailing commas.
    if matches!(format, Format::Json | Format::Jsonc) {
        let Some(file) = super::safe_write::open_regular(path).map_err(FileProblem::Io)? else {
            return Ok(None);
        };
        // A file that grows past the limit while skimmed ends the skim early, and the whole
        // read below then says it is too large.
        let mut file = io::Read::take(file, super::safe_write::READ_LIMIT + 1);
        let skimmed =
            skim::keys_matching_read(&mut file, format == Format::Jsonc, patterns).map_err(FileProblem::Io)?;
        if let Ok(found) = skimmed {
            return Ok(Some(keys_at(found)));
        }
        // Too broken to skim: read it whole, so the error names a line and column.
    }
    let Some(bytes) = super::safe_write::read_if_exists(path).map_err(FileProblem::Io)? else {
        return Ok(None);
    };
    let text = String::from_utf8(bytes).map_err(|_| FileProblem::NotUtf8)?;
    keys_matching(format, &text, patterns)
        .map(Some)
        .map_err(FileProblem::Document)
}

impl ConfigDocument for Document {
    fn get(&self, path: &[&str]) -> Result<Option<Value>, DocumentError> {
        Document::get(self, path)
    }

    fn members(&self, path: &[&str]) -> Result<Members, DocumentError> {
        Document::members(self, path)
    }

    fn members_matching(&self, pattern: &[&str]) -> Result<Vec<(Vec<String>, Members)>, DocumentError> {
        Document::members_matching(self, pattern)
    }

    fn keys(&self, path: &[&str]) -> Result<Vec<String>, DocumentError> {
        Document::keys(self, path)
    }

    fn set(&mut self, path: &[&str], value: &Value) -> Result<Change, DocumentError> {
        Document::set(self, path, value)
    }

    fn remove(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        Document::remove(self, path)
    }

    fn remove_if_empty(&mut self, path: &[&str]) -> Result<bool, DocumentError> {
        Document::remove_if_empty(self, path)
    }

    fn rename_key(&mut self, path: &[&str], new_key: &str) -> Result<bool, DocumentError> {
        Document::rename_key(self, path, new_key)
    }

    fn upsert_array_item(
        &mut self,
        path: &[&str],
        id_key: &str,
        id: &str,
        value: &Value,
    ) -> Result<Change, DocumentError> {
        Document::upsert_array_item(self, path, id_key, id, value)
    }

    fn remove_array_item(&mut self, path: &[&str], id_key: &str, id: &str) -> Result<bool, DocumentError> {
        Document::remove_array_item(self, path, id_key, id)
    }

    fn render(&self) -> String {
        self.to_text()
    }

    fn into_text(self: Box<Self>) -> String {
        Document::into_text(*self)
    }
}
