//! The layout of the file, as new text is written into it: its line ending, indentation unit
//! and single-line style, and values rendered to match.
//!
//! Why apart: every edit writes text the way the file already does; the splicing decides where,
//! this decides how it looks.

use serde_json::Value;

use super::Document;

impl Document {
    /// The file's line ending, judged by its first line (as editors do).
    pub(super) fn newline(&self) -> &'static str {
        match self.text.find('\n') {
            Some(index) if index > 0 && self.text.as_bytes()[index - 1] == b'\r' => "\r\n",
            _ => "\n",
        }
    }

    /// A file with no line break at all is kept on one line.
    pub(super) fn is_single_line(&self) -> bool {
        !self.text.trim().is_empty() && !self.text.trim_end().contains('\n')
    }

    /// One level of indentation as the file uses it (two spaces when it shows none).
    pub(super) fn indent_unit(&self) -> String {
        for line in self.text.lines().take(200) {
            let indent: String = line.chars().take_while(|c| *c == ' ' || *c == '\t').collect();
            if !indent.is_empty() && indent.len() < line.len() {
                return if indent.starts_with('\t') {
                    "\t".to_string()
                } else {
                    indent
                };
            }
        }
        "  ".to_string()
    }

    /// The whitespace that starts the line holding `offset`.
    pub(super) fn line_indent(&self, offset: usize) -> String {
        let line_start = self.text[..offset].rfind('\n').map_or(0, |index| index + 1);
        self.text[line_start..offset]
            .chars()
            .take_while(|c| *c == ' ' || *c == '\t')
            .collect()
    }

    /// Whether only whitespace stands between the start of its line and `offset`.
    pub(super) fn starts_line(&self, offset: usize) -> bool {
        let line_start = self.text[..offset].rfind('\n').map_or(0, |index| index + 1);
        self.text[line_start..offset].chars().all(|c| c == ' ' || c == '\t')
    }

    /// The separators a one-line file uses: `", "` or `","`, and `": "` or `":"`.
    pub(super) fn inline_style(&self) -> (&'static str, &'static str) {
        let sample = &self.text[..self.text.len().min(4096)];
        let comma = if sample.contains(", ") { ", " } else { "," };
        let colon = if sample.contains("\": ") { ": " } else { ":" };
        (comma, colon)
    }

    /// Renders a value on one line with the file's separators.
    pub(super) fn render_inline(&self, value: &Value) -> String {
        let (comma, colon) = self.inline_style();
        let mut buffer = Vec::new();
        let formatter = InlineFormatter { comma, colon };
        let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
        if serde::Serialize::serialize(value, &mut serializer).is_err() {
            return "null".to_string();
        }
        String::from_utf8(buffer).unwrap_or_default()
    }

    /// Renders a value in the file's style, continuation lines indented by `indent`.
    pub(super) fn render(&self, value: &Value, indent: &str) -> String {
        if self.is_single_line() {
            return self.render_inline(value);
        }
        let unit = self.indent_unit();
        let mut buffer = Vec::new();
        let formatter = serde_json::ser::PrettyFormatter::with_indent(unit.as_bytes());
        let mut serializer = serde_json::Serializer::with_formatter(&mut buffer, formatter);
        if serde::Serialize::serialize(value, &mut serializer).is_err() {
            return "null".to_string();
        }
        let pretty = String::from_utf8(buffer).unwrap_or_default();
        pretty.replace('\n', &format!("{}{indent}", self.newline()))
    }
}

/// serde_json's compact output with chosen separators (`", "`, `": "`).
struct InlineFormatter {
    comma: &'static str,
    colon: &'static str,
}

impl serde_json::ser::Formatter for InlineFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(self.comma.as_bytes())
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, writer: &mut W, first: bool) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(self.comma.as_bytes())
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, writer: &mut W) -> std::io::Result<()> {
        writer.write_all(self.colon.as_bytes())
    }
}
