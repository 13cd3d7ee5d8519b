//! A note or warning for stderr (and a `--json` report's `notices`).
//!
//! Why a module of its own, at the ground: the commands, the front ends and `self_install` (which
//! the commands use) all say things to the user the same way; keeping the type below all of them
//! means none of them imports upward.

/// How much a notice matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// Something worth knowing; nothing is wrong.
    Note,
    /// Something the user should act on (a missing tool, a secret in a shared file).
    Warning,
}

/// A note or warning for stderr (and the `--json` report).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// How much it matters.
    pub severity: Severity,
    /// What to say, without the `note:`/`warning:` prefix.
    pub message: String,
}

impl Notice {
    /// A note.
    pub fn note(message: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Note,
            message: message.into(),
        }
    }

    /// A warning.
    pub fn warning(message: impl Into<String>) -> Self {
        Notice {
            severity: Severity::Warning,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for Notice {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let prefix = match self.severity {
            Severity::Note => "note",
            Severity::Warning => "warning",
        };
        write!(formatter, "{prefix}: {}", self.message)
    }
}
