//! The one error type commands return, carrying the exit code and a `hint:` for the user, and
//! the one way an error carries its advice: the [`Advice`] trait.
//!
//! Why: every failure a user sees should say what went wrong, where, and what to do, and the
//! exit code must tell scripts whether they called us wrong (2) or something failed (1). The
//! message and the hint travel apart, typed, from where they are known to where they are shown
//! (stderr's `hint:` line, doctor's `fix:`, `--json`'s `"hint"`, a tool error's text): nothing
//! splices a hint into a message string, so nothing has to split it back out.

use std::fmt;

use crate::config::transaction::{CommitError, FileError};

/// How the process should exit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitKind {
    /// Something failed (a file, the network, a missing profile): exit 1.
    Failure,
    /// The command was called wrong (bad or missing value): exit 2.
    Usage,
    /// The user pressed Ctrl-C or Esc: exit 130.
    Interrupted,
}

impl ExitKind {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            ExitKind::Failure => 1,
            ExitKind::Usage => 2,
            ExitKind::Interrupted => 130,
        }
    }
}

/// An error that knows what the user can do about it.
///
/// Its `Display` is the message alone; [`Advice::hint`] is the advice, without the `hint: `
/// prefix. Every error type with advice implements this (and nothing else), and becomes a
/// [`CommandError`] in one place, the `From` impl below.
pub trait Advice: fmt::Display {
    /// What to do about it, or `None` when the message says it all.
    fn hint(&self) -> Option<String>;

    /// How the process exits when this error ends the command: a failure, unless the user
    /// called us wrong.
    fn exit(&self) -> ExitKind {
        ExitKind::Failure
    }

    /// The message with its hint on a line of its own (`hint: ...`), for text that goes out in
    /// one piece, such as a tool error an agent reads.
    fn with_hint_line(&self) -> String {
        match self.hint() {
            Some(hint) => format!("{self}\nhint: {hint}"),
            None => self.to_string(),
        }
    }
}

/// A failure to report to the user.
#[derive(Debug, Clone)]
pub struct CommandError {
    /// What went wrong (never contains a token).
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The exit code class.
    pub exit: ExitKind,
    /// Failures met while recovering from this one (a file that could not be put back), each
    /// shown as an `error:` line of its own before the message.
    pub also_failed: Vec<String>,
}

impl CommandError {
    /// A failure (exit 1).
    pub fn failure(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CommandError {
            message: message.into(),
            hint: Some(hint.into()).filter(|hint: &String| !hint.is_empty()),
            exit: ExitKind::Failure,
            also_failed: Vec::new(),
        }
    }

    /// A usage error (exit 2).
    pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CommandError {
            exit: ExitKind::Usage,
            ..CommandError::failure(message, hint)
        }
    }

    /// The user cancelled (exit 130).
    pub fn interrupted() -> Self {
        CommandError {
            message: "cancelled: no file was changed".to_string(),
            hint: None,
            exit: ExitKind::Interrupted,
            also_failed: Vec::new(),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}

/// Every error with advice becomes its message, hint and exit class.
impl<E: Advice> From<E> for CommandError {
    fn from(error: E) -> Self {
        CommandError {
            message: error.to_string(),
            hint: error.hint(),
            exit: error.exit(),
            also_failed: Vec::new(),
        }
    }
}

/// A failed commit is its file error, plus the files it could not put back.
impl From<CommitError> for CommandError {
    fn from(CommitError { error, unrestored }: CommitError) -> Self {
        CommandError {
            also_failed: unrestored,
            ..CommandError::from(*error)
        }
    }
}

/// `config/` is a leaf that imports nothing of the crate, so its error's advice is wired here.
impl Advice for FileError {
    fn hint(&self) -> Option<String> {
        Some(FileError::hint(self))
    }
}
