//! Editing users' config files without damaging them.
//!
//! - [`document`]: format-preserving edits of JSON and JSONC text.
//! - [`safe_write`]: the cross-process lock, atomic replace, permissions, symlinks and backups.
//! - [`transaction`]: several files changed together: all prepared before any is written, and
//!   the ones already written restored when a later one fails.
//! - [`strings`]/[`strings_mut`]: every string inside a JSON value, found by one walk.

pub mod document;
pub mod safe_write;
mod scan;
pub mod transaction;
mod walk;

pub use document::{Change, Dialect, Document, DocumentError};
pub use walk::{strings, strings_mut};
