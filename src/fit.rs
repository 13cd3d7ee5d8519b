//! Human output that fits the terminal and shows its meaning in colour.
//!
//! Why its own module: every command's text for people passes the same two steps on its way to
//! a terminal, and they must agree everywhere: [`wrap`] breaks lines at spaces only (a path or
//! URL has none, so it is never broken) and keeps each line's indentation and alignment; [`paint`]
//! marks ✓ green, ✗ red, `Added` / `Updated` / `Removed`, diff lines and `error:` / `warning:` /
//! `hint:`. The binary decides when: wrapping only to a terminal's width, and the styles go through
//! `anstream`, which drops them into a pipe, with `NO_COLOR` or `--color never`. Into a pipe the
//! text is byte for byte what it was.

use anstyle::{AnsiColor, Style};

/// `text` with every line longer than `width` broken at spaces. A continuation line is indented
/// as its line was, plus the width of a leading marker (`- `, `✓ `, `✗ `, `error: `, `hint: `,
/// ...), so it sits under the text. Unified diffs (from a `--- ` line to the next blank line) are
/// left whole: they are meant to be read, or copied, as they are.
pub fn wrap(text: &str, width: usize) -> String {
    let mut in_diff = false;
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n') {
        if line.starts_with("--- ") {
            in_diff = true;
        } else if line.is_empty() {
            in_diff = false;
        }
        if in_diff || line.chars().count() <= width {
            lines.push(line.to_string());
        } else {
            lines.push(wrap_line(line, width.max(20)));
        }
    }
    lines.join("\n")
}

/// Markers whose text a continuation line is indented under.
const MARKERS: [&str; 10] = [
    "- ",
    "✓ ",
    "✗ ",
    "i ",
    "error: ",
    "warning: ",
    "hint: ",
    "note: ",
    "next: ",
    "fix: ",
];

fn wrap_line(line: &str, width: usize) -> String {
    let body = line.trim_start_matches(' ');
    let indent = line.len() - body.len();
    let marker = MARKERS
        .iter()
        .find(|marker| body.starts_with(**marker))
        .map_or(0, |marker| marker.chars().count());
    let hanging = " ".repeat(indent + marker);
    let mut lines: Vec<String> = Vec::new();
    let mut current = " ".repeat(indent);
    let mut current_width = indent;
    let mut has_word = false;
    // Words with the spaces before them, so a line that is not broken keeps its spacing.
    for (gap, word) in words(body) {
        let word_width = word.chars().count();
        if has_word && current_width + gap.len() + word_width > width {
            lines.push(std::mem::replace(&mut current, hanging.clone()));
            current_width = hanging.len();
            current.push_str(word);
            current_width += word_width;
            continue;
        }
        current.push_str(gap);
        current.push_str(word);
        current_width += gap.len() + word_width;
        has_word = true;
    }
    lines.push(current);
    lines.join("\n")
}

/// `text` as (the spaces before a word, the word).
fn words(text: &str) -> Vec<(&str, &str)> {
    let mut found = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let word_start = rest.len() - rest.trim_start_matches(' ').len();
        let after_gap = &rest[word_start..];
        let word_end = after_gap.find(' ').unwrap_or(after_gap.len());
        if word_end == 0 {
            break;
        }
        found.push((&rest[..word_start], &after_gap[..word_end]));
        rest = &after_gap[word_end..];
    }
    found
}

fn colour(color: AnsiColor) -> Style {
    Style::new().fg_color(Some(color.into()))
}

/// `text` with its meaningful marks styled (ANSI escapes; `anstream` strips them where colour
/// is off).
pub fn paint(text: &str) -> String {
    let mut in_diff = false;
    text.split('\n')
        .map(|line| {
            if line.starts_with("--- ") {
                in_diff = true;
            } else if line.is_empty() {
                in_diff = false;
            }
            if in_diff {
                paint_diff_line(line)
            } else {
                paint_line(line)
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn styled(style: Style, text: &str) -> String {
    format!("{style}{text}{style:#}")
}

fn paint_diff_line(line: &str) -> String {
    let style = if line.starts_with("--- ") || line.starts_with("+++ ") {
        Style::new().bold()
    } else if line.starts_with("@@") {
        colour(AnsiColor::Cyan)
    } else if line.starts_with('+') {
        colour(AnsiColor::Green)
    } else if line.starts_with('-') {
        colour(AnsiColor::Red)
    } else {
        return line.to_string();
    };
    styled(style, line)
}

/// Leading words and their styles: the mark is styled, the rest of the line is not.
fn marks() -> [(&'static str, Style); 16] {
    let bold = |color| colour(color).bold();
    [
        ("✓", colour(AnsiColor::Green)),
        ("✗", colour(AnsiColor::Red)),
        ("error:", bold(AnsiColor::Red)),
        ("warning:", bold(AnsiColor::Yellow)),
        ("hint:", bold(AnsiColor::Cyan)),
        ("note:", Style::new().bold()),
        ("next:", Style::new().bold()),
        ("Added", colour(AnsiColor::Green)),
        ("Updated", colour(AnsiColor::Yellow)),
        ("Removed", colour(AnsiColor::Red)),
        ("Unchanged", Style::new().dimmed()),
        ("Would add", colour(AnsiColor::Green)),
        ("Would update", colour(AnsiColor::Yellow)),
        ("Would remove", colour(AnsiColor::Red)),
        ("Adopted", colour(AnsiColor::Green)),
        ("Renamed", colour(AnsiColor::Yellow)),
    ]
}

fn paint_line(line: &str) -> String {
    let body = line.trim_start_matches(' ');
    let indent = &line[..line.len() - body.len()];
    for (mark, style) in marks() {
        let Some(rest) = body.strip_prefix(mark) else { continue };
        // A whole word only: `Added` but not `Addedness`.
        if rest.is_empty() || rest.starts_with(' ') {
            return format!("{indent}{}{rest}", styled(style, mark));
        }
    }
    line.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_break_at_spaces_under_their_marker_and_paths_stay_whole() {
        let text =
            "warning: the gateway refused the token for ~/.config/Claude/claude_desktop_config.json, so no tools";
        let wrapped = wrap(text, 40);
        for line in wrapped.lines() {
            assert!(line.chars().count() <= 40 || !line.trim().contains(' '), "{line:?}");
        }
        assert!(wrapped.contains("~/.config/Claude/claude_desktop_config.json"));
        assert!(
            wrapped.lines().skip(1).all(|line| line.starts_with("         ")),
            "{wrapped}"
        );
        assert_eq!(
            wrap("  - Cursor: open Cursor Settings > MCP to see the server", 30),
            "  - Cursor: open Cursor\n    Settings > MCP to see the\n    server"
        );
    }

    #[test]
    fn lines_that_fit_and_diffs_are_untouched() {
        let aligned = "Added        ~/.cursor/mcp.json  (Cursor config)";
        assert_eq!(wrap(aligned, 80), aligned);
        let diff = "--- /dev/null\n+++ ~/.cursor/mcp.json\n+      \"command\": \"a very long line that would otherwise wrap somewhere\"\n\nafter";
        assert_eq!(wrap(diff, 30), diff);
    }

    #[test]
    fn a_broken_line_keeps_its_spacing_where_it_is_not_broken() {
        assert_eq!(
            wrap("Added        ~/.cursor/mcp.json  (Cursor config)", 35),
            "Added        ~/.cursor/mcp.json\n(Cursor config)"
        );
    }

    #[test]
    fn marks_are_styled_and_the_text_is_otherwise_unchanged() {
        let text = "Added        ~/.cursor/mcp.json  (Cursor config)\n  ✓ the config file parses\n  ✗ the command is gone\nerror: bad\nhint: fix it\nAddedness stays\n--- a\n+++ b\n@@ -1 +1 @@\n-old\n+new\n context";
        let painted = paint(text);
        assert_ne!(painted, text);
        let plain = anstream::adapter::strip_str(&painted).to_string();
        assert_eq!(plain, text);
        assert!(painted.contains(&format!(
            "{}✓{}",
            colour(AnsiColor::Green),
            colour(AnsiColor::Green).render_reset()
        )));
        assert!(painted.contains("Addedness stays"));
        assert!(painted.contains(&styled(colour(AnsiColor::Red), "-old")));
    }
}
