//! Editing users' config files without damaging them.
//!
//! - [`json`]: format-preserving edits of JSON and JSONC text.
//! - [`safe_write`]: the cross-process lock, atomic replace, permissions, symlinks and backups.
//! - [`transaction`]: several files changed together: all prepared before any is written, and
//!   the ones already written restored when a later one fails.

pub mod json;
pub mod safe_write;
pub mod transaction;

pub use json::document;
pub use json::document::{Change, Dialect, Document, DocumentError};
