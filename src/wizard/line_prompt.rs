//! A one-line question on the terminal (standard error), typed with [`super::line_edit`]'s
//! keys: the wizard's text prompts and its hidden token prompt.
//!
//! Why not inquire's `Text` and `Password`: they type Ctrl-U, Ctrl-W, Ctrl-A and Ctrl-E as
//! letters (see [`super::line_edit`]), and inquire has no hook to change that. The choice
//! prompts (select, multi-select, confirm) type no text and stay inquire's. This draws the
//! question as inquire did (`? question answer`, an error line `# ...`, the preview, the help
//! in brackets), redrawn in place on every key; the answered question stays as
//! `> question shown-answer`.

use std::io::Write;

use crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use crossterm::{cursor, queue, terminal};

use super::line_edit::{Key, LineEditor, Step};
use super::prompter::{Preview, PromptError};

/// One question.
pub struct LineQuestion<'a> {
    /// The question (already wrapped to the terminal).
    pub message: &'a str,
    /// The help line (already wrapped), if any.
    pub help: Option<&'a str>,
    /// The answer Enter on an empty line gives, shown as `(default)`.
    pub default: Option<&'a str>,
    /// Show nothing of what is typed (the token).
    pub hidden: bool,
    /// Whether an answer is acceptable, and why not.
    pub check: &'a dyn Fn(&str) -> Result<(), String>,
    /// A line shown under the input as it is typed.
    pub preview: Option<Preview>,
    /// How the answer is shown once given.
    pub shown: &'a dyn Fn(&str) -> String,
}

/// Turns raw mode off again however the question ends.
struct RawMode;

impl RawMode {
    fn on() -> Result<Self, PromptError> {
        terminal::enable_raw_mode().map_err(|error| PromptError::Terminal(error.to_string()))?;
        Ok(RawMode)
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        // Nothing more can be done if the terminal refuses.
        let _ = terminal::disable_raw_mode();
    }
}

/// Asks `question` and returns the answer as typed (or the default), once `check` accepts it.
pub fn ask(question: &LineQuestion<'_>) -> Result<String, PromptError> {
    let _raw = RawMode::on()?;
    let mut out = std::io::stderr();
    let mut editor = LineEditor::default();
    let mut error: Option<String> = None;
    let mut screen = Drawn::default();
    loop {
        screen = draw(&mut out, question, &editor, error.as_deref(), screen)?;
        let event = crossterm::event::read().map_err(|error| PromptError::Terminal(error.to_string()))?;
        let key = match event {
            Event::Key(key) if key.kind != KeyEventKind::Release => key_of(key),
            Event::Paste(text) => {
                text.chars().filter(|c| !c.is_control()).for_each(|c| {
                    editor.apply(Key::Char(c));
                });
                continue;
            }
            _ => continue,
        };
        match editor.apply(key) {
            Step::Continue => {}
            Step::Cancel => {
                finish(&mut out, question, "<canceled>", screen)?;
                return Err(PromptError::Cancelled);
            }
            Step::Submit => {
                let typed = editor.text();
                let answer = match (typed.trim().is_empty(), question.default) {
                    (true, Some(default)) => default.to_string(),
                    _ => typed,
                };
                match (question.check)(&answer) {
                    Ok(()) => {
                        let shown = if question.hidden {
                            "********".to_string()
                        } else {
                            (question.shown)(&answer)
                        };
                        finish(&mut out, question, &shown, screen)?;
                        return Ok(answer);
                    }
                    Err(message) => {
                        error = Some(message);
                        // What cannot be seen cannot be fixed: a refused hidden answer starts over.
                        if question.hidden {
                            editor = LineEditor::default();
                        }
                    }
                }
            }
        }
    }
}

/// A terminal key event as an editor key.
fn key_of(event: KeyEvent) -> Key {
    let ctrl = event.modifiers.contains(KeyModifiers::CONTROL);
    let alt = event
        .modifiers
        .intersects(KeyModifiers::ALT | KeyModifiers::META | KeyModifiers::SUPER);
    match event.code {
        KeyCode::Char(c) if ctrl => Key::Ctrl(c.to_ascii_lowercase()),
        KeyCode::Char(_) if alt => Key::Other,
        KeyCode::Char(c) => Key::Char(c),
        KeyCode::Backspace => Key::Backspace,
        KeyCode::Delete => Key::Delete,
        KeyCode::Left => Key::Left,
        KeyCode::Right => Key::Right,
        KeyCode::Home => Key::Home,
        KeyCode::End => Key::End,
        KeyCode::Enter => Key::Enter,
        KeyCode::Esc => Key::Escape,
        _ => Key::Other,
    }
}

/// Where the last frame left the cursor: on which of its rows (from its first).
#[derive(Debug, Clone, Copy, Default)]
struct Drawn {
    cursor_row: u16,
}

/// The frame's lines and where the cursor goes (line index, column).
fn frame(question: &LineQuestion<'_>, editor: &LineEditor, error: Option<&str>) -> (Vec<String>, (usize, usize)) {
    let default = question
        .default
        .map(|default| format!("({default}) "))
        .unwrap_or_default();
    let head = format!("? {} {default}", question.message);
    let mut lines: Vec<String> = head.split('\n').map(str::to_string).collect();
    let last = lines.len() - 1;
    let typed = editor.text();
    let column = lines[last].chars().count();
    let cursor = if question.hidden {
        (last, column)
    } else {
        lines[last].push_str(&typed);
        (last, column + editor.cursor())
    };
    if let Some(error) = error {
        lines.push(format!("# {error}"));
    }
    if let Some(preview) = question.preview.and_then(|preview| preview(typed.trim())) {
        lines.push(format!("  {preview}"));
    }
    if let Some(help) = question.help {
        let help = format!("[{help}]");
        lines.extend(help.split('\n').map(str::to_string));
    }
    (lines, cursor)
}

/// Rows a line takes in a terminal `columns` wide.
fn rows(line: &str, columns: usize) -> usize {
    line.chars().count().max(1).div_ceil(columns.max(1))
}

/// Redraws the question in place of the last frame.
fn draw(
    out: &mut impl Write,
    question: &LineQuestion<'_>,
    editor: &LineEditor,
    error: Option<&str>,
    previous: Drawn,
) -> Result<Drawn, PromptError> {
    let columns = terminal::size().map_or(80, |(columns, _)| usize::from(columns));
    let (lines, (cursor_line, cursor_column)) = frame(question, editor, error);
    let text = lines.join("\r\n");
    let total: usize = lines.iter().map(|line| rows(line, columns)).sum();
    let cursor_row = lines[..cursor_line]
        .iter()
        .map(|line| rows(line, columns))
        .sum::<usize>()
        + cursor_column / columns.max(1);
    let up_after = u16::try_from(total - 1 - cursor_row).unwrap_or(u16::MAX);
    let column = u16::try_from(cursor_column % columns.max(1)).unwrap_or(0);
    let result = (|| {
        rewind(out, previous)?;
        write!(out, "{text}")?;
        if up_after > 0 {
            queue!(out, cursor::MoveUp(up_after))?;
        }
        queue!(out, cursor::MoveToColumn(column))?;
        out.flush()
    })();
    result.map_err(|error| PromptError::Terminal(error.to_string()))?;
    Ok(Drawn {
        cursor_row: u16::try_from(cursor_row).unwrap_or(u16::MAX),
    })
}

/// Moves to the first row of the last frame and clears it and everything below.
fn rewind(out: &mut impl Write, previous: Drawn) -> std::io::Result<()> {
    if previous.cursor_row > 0 {
        queue!(out, cursor::MoveUp(previous.cursor_row))?;
    }
    queue!(
        out,
        cursor::MoveToColumn(0),
        terminal::Clear(terminal::ClearType::FromCursorDown)
    )
}

/// Replaces the question by its answered line.
fn finish(out: &mut impl Write, question: &LineQuestion<'_>, shown: &str, previous: Drawn) -> Result<(), PromptError> {
    let message = question.message.replace('\n', "\r\n");
    let result = (|| {
        rewind(out, previous)?;
        write!(out, "> {message} {shown}\r\n")?;
        out.flush()
    })();
    result.map_err(|error| PromptError::Terminal(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(_: &str) -> Result<(), String> {
        Ok(())
    }

    fn same(answer: &str) -> String {
        answer.to_string()
    }

    #[test]
    fn a_hidden_answer_is_never_drawn_and_the_cursor_stays_after_the_question() {
        let question = LineQuestion {
            message: "Token?",
            help: Some("pasted"),
            default: None,
            hidden: true,
            check: &accept,
            preview: None,
            shown: &same,
        };
        let mut editor = LineEditor::default();
        for c in "secret".chars() {
            editor.apply(Key::Char(c));
        }
        let (lines, cursor) = frame(&question, &editor, Some("bad"));
        assert_eq!(lines, ["? Token? ", "# bad", "[pasted]"]);
        assert_eq!(cursor, (0, 9));
    }

    #[test]
    fn a_visible_answer_is_drawn_with_its_default_and_preview() {
        fn preview(typed: &str) -> Option<String> {
            Some(format!("found {typed}"))
        }
        let question = LineQuestion {
            message: "Name?",
            help: None,
            default: Some("prod"),
            hidden: false,
            check: &accept,
            preview: Some(preview),
            shown: &same,
        };
        let mut editor = LineEditor::default();
        editor.apply(Key::Char('x'));
        let (lines, cursor) = frame(&question, &editor, None);
        assert_eq!(lines, ["? Name? (prod) x", "  found x"]);
        assert_eq!(cursor, (0, 16));
        assert_eq!(rows(&"a".repeat(81), 80), 2);
    }
}
