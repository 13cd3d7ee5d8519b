//! Objects that name a key twice, refused before they are read or edited.
//!
//! Why refuse rather than pick one: JSON leaves a repeated key undefined, and readers differ
//! (most keep the last, some the first, some stop). tray-mcp used to read one copy and edit the
//! other, so an install could write a Tray entry that `remove` then refused to remove. An
//! object on the way to what a command reads or edits must name each key once; the error points
//! at the second one, so the user can decide which copy is theirs.

use super::document::DocumentError;
use super::scan::{Item, PathValue, ValueKind};

/// What a duplicate key is refused with.
const HINT: &str = "keep one of the two (the client may read either), and run the command again";

/// The second member named `key` in `items`, if the key is there twice.
fn second_of<'a>(items: &'a [Item], key: &str) -> Option<&'a Item> {
    items.iter().filter(|item| item.key.as_deref() == Some(key)).nth(1)
}

/// The first member whose key an earlier member already has.
fn first_repeated(items: &[Item]) -> Option<&Item> {
    let mut seen = std::collections::HashSet::new();
    items
        .iter()
        .find(|item| item.key.as_deref().is_some_and(|key| !seen.insert(key)))
}

/// Refuses an object on the way along `path` (the values `found` along it) that has the next
/// key twice; `line_column` turns a byte offset into a position.
pub(crate) fn check_path(
    found: &[PathValue],
    path: &[&str],
    line_column: impl Fn(usize) -> (usize, usize),
) -> Result<(), DocumentError> {
    for (container, key) in found.iter().zip(path) {
        if let ValueKind::Object(items) = &container.kind
            && let Some(second) = second_of(items, key)
        {
            return Err(refusal(key, second, &line_column));
        }
    }
    Ok(())
}

/// Refuses an object whose members are read together (a servers object) when it names a key
/// twice.
pub(crate) fn check_members(
    items: &[Item],
    line_column: impl Fn(usize) -> (usize, usize),
) -> Result<(), DocumentError> {
    match first_repeated(items) {
        Some(second) => Err(refusal(second.key.as_deref().unwrap_or_default(), second, &line_column)),
        None => Ok(()),
    }
}

fn refusal(key: &str, second: &Item, line_column: &impl Fn(usize) -> (usize, usize)) -> DocumentError {
    let (line, column) = line_column(second.start);
    DocumentError::Unsupported {
        what: format!("the key \"{key}\" appears a second time in the same object"),
        hint: HINT,
        line,
        column,
    }
}
