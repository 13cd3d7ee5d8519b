//! Refuse: what cannot be edited safely (aliases, tags, anchors others refer to, flow and
//! multi-line shapes) is refused with its line and column, and nothing changes.

use super::*;

impl YamlDocument {
    pub(super) fn unsupported(&self, node: &Node, what: impl Into<String>, hint: &'static str) -> DocumentError {
        let (line, column) = self.position(start(node));
        DocumentError::Unsupported {
            what: what.into(),
            hint,
            line,
            column,
        }
    }

    pub(super) fn wrong_type(&self, path: &[&str], node: &Node, expected: &'static str) -> DocumentError {
        let (line, column) = self.position(start(node));
        DocumentError::WrongType {
            path: path.join("."),
            expected,
            found: kind_name(node),
            line,
            column,
        }
    }

    /// The refusal of an alias (`*name`) or a tagged value (`!!map`) on the way to an entry.
    pub(super) fn indirect(&self, node: &Node) -> DocumentError {
        if node.kind() == SyntaxKind::ALIAS {
            self.unsupported(
                node,
                "the mapping to edit is an alias (*name) of another one",
                "write that mapping out in full, and run the command again",
            )
        } else {
            self.unsupported(
                node,
                "the mapping to edit carries a tag (!...)",
                "remove the tag, and run the command again",
            )
        }
    }

    /// Checks that a mapping on the way to an edit can be edited by splicing lines.
    pub(super) fn check_editable_mapping(&self, entry: Option<&Node>, mapping: &Node) -> Result<(), DocumentError> {
        if is_flow(mapping) {
            return Err(self.unsupported(
                mapping,
                "the mapping to edit is written in flow style ({...})",
                "rewrite it in block style, one key per line, and run the command again",
            ));
        }
        if let Some(entry) = entry
            && let Some(value) = child(entry, SyntaxKind::VALUE)
            && has_token(&value, SyntaxKind::TAG)
        {
            return Err(self.unsupported(
                entry,
                "the mapping to edit carries a tag (!...)",
                "remove the tag, and run the command again",
            ));
        }
        Ok(())
    }

    /// Refuses an existing entry (or flow mapping) that an edit would replace or remove when
    /// others may refer to it.
    pub(super) fn check_unmarked(&self, entry: &Node) -> Result<(), DocumentError> {
        let marked = entry.descendants_with_tokens().find(|element| {
            matches!(
                element.kind(),
                SyntaxKind::ANCHOR
                    | SyntaxKind::REFERENCE
                    | SyntaxKind::MERGE_KEY
                    | SyntaxKind::TAG
                    | SyntaxKind::ALIAS
            )
        });
        if let Some(element) = marked {
            let offset = usize::from(element.text_range().start());
            let (line, column) = self.position(offset);
            return Err(DocumentError::Unsupported {
                what: "the entry uses a YAML anchor, alias, merge key or tag".into(),
                hint: "write the entry out in full (no &, *, << or !), or edit it by hand",
                line,
                column,
            });
        }
        Ok(())
    }

    /// [`Self::check_unmarked`], and the entry starts its own line (so its lines can be cut).
    pub(super) fn check_replaceable(&self, entry: &Node) -> Result<(), DocumentError> {
        self.check_unmarked(entry)?;
        if !starts_line(&self.body, start(entry)) {
            return Err(self.unsupported(
                entry,
                "the entry does not start its own line",
                "put the entry on a line of its own, and run the command again",
            ));
        }
        Ok(())
    }
}
