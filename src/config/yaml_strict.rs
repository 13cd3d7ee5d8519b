//! The strict check of YAML text before it is edited.
//!
//! Why: `yaml-edit`'s parser is lenient (it recovers from errors to keep every byte), so a file
//! indented with tabs, or with sibling keys at different indentations, parses there as if it
//! were fine, and tray-mcp would edit it and report `Added` while Goose (libyaml) or Continue
//! (the `yaml` package) cannot read the file at all. yaml-edit's own YAML 1.2 validator knows
//! these rules: its errors (not its warnings, such as YAML 1.1's `yes`; nor duplicate keys,
//! which the editor refuses on the edited path with its own hint) refuse the file at
//! their line and column, as a syntax error would, and nothing is written.
//!
//! The validator's messages can quote the file's text; only the text before any quote or
//! parenthesis is shown, so no value of the file (a token) reaches a message.

use rowan::ast::AstNode;
use yaml_edit::YamlFile;
use yaml_edit::validator::{Rule, Severity, Validator};

use super::json::document::DocumentError;
use super::yaml::line_column;

/// Refuses `body` (the text after any byte-order mark) when the strict validator finds an
/// error in it, naming the first one's position.
pub(super) fn check(body: &str) -> Result<(), DocumentError> {
    let file = YamlFile::parse(body).tree();
    let violations = Validator::new().validate_syntax(file.syntax());
    let Some(first) = violations
        .iter()
        // A duplicate key on the edited path is refused by the editor, with its own hint.
        .filter(|violation| violation.severity == Severity::Error && violation.rule != Rule::DuplicateKeys)
        .min_by_key(|violation| violation.text_range.map_or(u32::MAX, |range| range.start))
    else {
        return Ok(());
    };
    let offset = first.text_range.map_or(0, |range| range.start as usize);
    let (line, column) = line_column(body, offset);
    Err(DocumentError::Syntax {
        line,
        column,
        message: describe(first.rule, &first.message),
    })
}

/// What is wrong, without the file's text.
fn describe(rule: Rule, message: &str) -> String {
    let own = match rule {
        Rule::InvalidTabUsage => {
            return "not valid YAML: a tab is used for indentation (YAML allows spaces only)".to_string();
        }
        _ => message
            .split(['"', '`', '\'', '(', ':'])
            .next()
            .unwrap_or_default()
            .trim(),
    };
    if own.is_empty() {
        "not valid YAML".to_string()
    } else {
        format!("not valid YAML: {}", own.to_lowercase())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str) -> (usize, usize, String) {
        match check(text) {
            Err(DocumentError::Syntax { line, column, message }) => (line, column, message),
            other => panic!("{text:?} was not refused: {other:?}"),
        }
    }

    /// Issue 21 (14): these were edited and reported `Added`.
    #[test]
    fn tab_indentation_and_uneven_siblings_are_refused_at_their_position() {
        let (line, column, message) = refused("extensions:\n\tfoo:\n\t\tcmd: x\n");
        assert_eq!((line, column), (2, 1));
        assert!(message.contains("a tab is used for indentation"), "{message}");
        let (line, column, message) = refused("extensions:\n  foo:\n    cmd: x\n   bar: y\n");
        assert_eq!((line, column), (4, 1));
        assert!(message.contains("inconsistent indentation"), "{message}");
        assert!(!message.contains('"'), "{message}");
    }

    #[test]
    fn a_secret_in_the_text_never_reaches_the_message() {
        let (_, _, message) = refused("key: secret-token-9f8e: more\n");
        assert!(!message.contains("secret"), "{message}");
    }

    #[test]
    fn ordinary_yaml_passes_and_yaml_1_1_warnings_do_not_refuse() {
        for text in [
            "",
            "# only a comment\n",
            "extensions: {}\n",
            "a: 1\nb:\n- x\n- y\nc: &x {k: v}\nd: *x\ne:\n  <<: *x\n  f: yes\n",
            "a: 'it''s'\nb: \"x\\ty\"\nc: |\n  multi\n  line\nk:\t1\n",
        ] {
            assert!(check(text).is_ok(), "{text:?}: {:?}", check(text));
        }
    }
}
