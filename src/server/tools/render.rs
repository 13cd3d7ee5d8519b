//! Text helpers the tools share: paging through a list, and one-line renderings.

use std::fmt::Write as _;

use super::ToolFailure;
use crate::remote::access::{AccessState, ToolAccess};
use crate::remote::model::Execution;

pub(super) fn clamp_limit(limit: Option<u32>, default: usize, max: usize) -> usize {
    limit.map_or(default, |limit| (limit as usize).clamp(1, max))
}

pub(super) const CURSOR_PREFIX: &str = "offset:";

/// Cuts one page out of `items`. Cursors are opaque to the caller: `offset:N`.
pub(super) fn paginate<T: Clone>(
    items: &[T],
    cursor: Option<&str>,
    limit: usize,
) -> Result<(Vec<T>, Option<String>), ToolFailure> {
    let start = match cursor.map(str::trim).filter(|cursor| !cursor.is_empty()) {
        None => 0,
        Some(cursor) => cursor
            .strip_prefix(CURSOR_PREFIX)
            .and_then(|offset| offset.parse::<usize>().ok())
            .ok_or_else(|| {
                ToolFailure(format!(
                    "the cursor {cursor:?} was not made by this server: pass the next_cursor \
                     of a previous call, or omit cursor to start from the first page"
                ))
            })?,
    };
    let page: Vec<T> = items.iter().skip(start).take(limit).cloned().collect();
    let end = start.saturating_add(page.len());
    let next = (end < items.len()).then(|| format!("{CURSOR_PREFIX}{end}"));
    Ok((page, next))
}

/// Which built-in tools this token can use, and what fixes the others.
pub(super) fn access_text(tools: &[ToolAccess]) -> String {
    let named =
        |state: AccessState| -> Vec<&ToolAccess> { tools.iter().filter(|tool| tool.access.state == state).collect() };
    let allowed: Vec<&str> = named(AccessState::Allowed)
        .iter()
        .map(|tool| tool.tool.as_str())
        .collect();
    let mut text = if allowed.len() == tools.len() {
        "This token can use every built-in tool.".to_string()
    } else if allowed.is_empty() {
        "This token can use none of the built-in tools.".to_string()
    } else {
        format!("This token can use: {}.", allowed.join(", "))
    };
    for (state, label) in [(AccessState::Refused, "refused"), (AccessState::Unknown, "not checked")] {
        for tool in named(state) {
            let _ = write!(
                text,
                "\n- {} ({label}): {}",
                tool.tool,
                tool.access.detail.as_deref().unwrap_or("no detail")
            );
        }
    }
    text
}

pub(super) fn tags_text(tags: &[String]) -> String {
    if tags.is_empty() {
        String::new()
    } else {
        format!(" [tags: {}]", tags.join(", "))
    }
}

pub(super) fn enabled_text(enabled: bool) -> &'static str {
    if enabled { "enabled" } else { "disabled" }
}

pub(super) fn execution_line(run: &Execution) -> String {
    let mut line = format!("- {}  {}  started {}", run.id, run.status.as_str(), run.started_at);
    if let Some(seconds) = run.duration_seconds {
        let _ = write!(line, ", took {seconds:.1} s");
    }
    if let Some(step) = &run.failed_step {
        let _ = write!(line, ", failed at step {step}");
    }
    if let Some(message) = &run.error_message {
        let _ = write!(line, ": {message}");
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paginate_walks_pages_and_refuses_foreign_cursors() {
        let items: Vec<u32> = (0..5).collect();
        let (first, next) = paginate(&items, None, 2).expect("first page");
        assert_eq!(first, vec![0, 1]);
        assert_eq!(next.as_deref(), Some("offset:2"));
        let (last, next) = paginate(&items, Some("offset:4"), 2).expect("last page");
        assert_eq!(last, vec![4]);
        assert_eq!(next, None);
        assert!(paginate(&items, Some("page=2"), 2).is_err());
    }
}
