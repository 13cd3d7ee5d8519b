//! Editing users' config files without damaging them.
//!
//! - [`format`]: the one editing interface ([`ConfigDocument`]) over every format, opened by
//!   [`Format`].
//! - [`json`]: format-preserving edits of JSON and JSONC text.
//! - [`toml`]: the same for TOML, on `toml_edit`.
//! - [`yaml`]: the same for YAML, read with `yaml-edit`, edited by splicing lines.
//! - [`named_list`]: servers kept as a list of named items (Continue), edited as an object.
//! - [`safe_write`]: the cross-process lock, atomic replace, permissions, symlinks and backups.
//! - [`transaction`]: several files changed together: all prepared before any is written, and
//!   the ones already written restored when a later one fails.
//! - [`strings`]/[`strings_mut`]: every string inside a JSON value, found by one walk.
//! - [`file_reads`]: what a command read of each file once, which its plan starts from.
//! - [`batch`]: the values of many entries of one file, read in one pass per container.

pub mod batch;
pub mod file_reads;
pub mod format;
pub mod json;
pub mod named_list;
pub mod safe_write;
pub mod toml;
pub mod transaction;
mod walk;
pub mod yaml;
mod yaml_strict;

#[cfg(test)]
mod conformance;

pub use format::{ConfigDocument, Format, open};
pub use json::document;
pub use json::document::{Change, Dialect, Document, DocumentError};
pub use walk::{strings, strings_mut};
