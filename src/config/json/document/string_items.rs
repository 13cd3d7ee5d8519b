//! Strings in an array, one at a time: Claude Code's permission rules (`permissions.allow`),
//! which `install --approve read-only` adds and `remove` takes out again.
//!
//! Why here: the rules sit in the user's own settings file beside rules of theirs; an item is
//! added after the last one (or the array created) and removed with its separator, and every
//! other byte of the file stays as it was.

use serde_json::Value;

use super::{Change, Document, DocumentError};
use crate::config::json::scan::{Item, ValueKind};

impl Document {
    /// Adds the string `item` at the end of the array at `path`, unless the array holds it
    /// already; creates the array (and objects on the way) when it is missing.
    pub fn add_array_string(&mut self, path: &[&str], item: &str) -> Result<Change, DocumentError> {
        let value = Value::String(item.to_string());
        let found = self.locate(path)?;
        let Some(target) = found.get(path.len()) else {
            self.set(path, &Value::Array(vec![value]))?;
            return Ok(Change::Added);
        };
        let ValueKind::Array(items) = &target.kind else {
            return Err(self.wrong_type(path, "an array", target));
        };
        if items.iter().any(|existing| self.is_string(existing, item)) {
            return Ok(Change::Unchanged);
        }
        let splices = self.insert_item(target, items, None, &value);
        self.apply_all(splices);
        Ok(Change::Added)
    }

    /// Removes the string `item` from the array at `path`. Returns whether it was there.
    pub fn remove_array_string(&mut self, path: &[&str], item: &str) -> Result<bool, DocumentError> {
        let found = self.locate(path)?;
        let Some(target) = found.get(path.len()) else {
            return Ok(false);
        };
        let ValueKind::Array(items) = &target.kind else {
            return Ok(false);
        };
        let Some(index) = items.iter().position(|existing| self.is_string(existing, item)) else {
            return Ok(false);
        };
        let splices = self.removal_splices(target.start, target.end, items, index);
        self.apply_all(splices);
        Ok(true)
    }

    fn is_string(&self, existing: &Item, item: &str) -> bool {
        self.text[existing.value_start..].starts_with('"') && self.value_of(existing.value_start, existing.end) == item
    }
}
