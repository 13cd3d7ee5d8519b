//! The one error type commands return, carrying the exit code and a `hint:` for the user.
//!
//! Why: every failure a user sees should say what went wrong, where, and what to do, and the
//! exit code must tell scripts whether they called us wrong (2) or something failed (1).

use std::fmt;

use crate::config::transaction::FileError;

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

/// A failure to report to the user.
#[derive(Debug)]
pub struct CommandError {
    /// What went wrong (never contains a token).
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// The exit code class.
    pub exit: ExitKind,
}

impl CommandError {
    /// A failure (exit 1).
    pub fn failure(message: impl Into<String>, hint: impl Into<String>) -> Self {
        CommandError {
            message: message.into(),
            hint: Some(hint.into()).filter(|hint: &String| !hint.is_empty()),
            exit: ExitKind::Failure,
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
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}

impl From<FileError> for CommandError {
    fn from(error: FileError) -> Self {
        CommandError::failure(error.to_string(), error.hint())
    }
}
