//! The few kinds of question the wizard asks, as a trait.
//!
//! Why: the flow (which question when, what an answer means) is the part worth testing, and a
//! prompt library is the part that needs a real terminal. With the questions behind
//! [`Prompter`], the flow knows nothing of inquire; unit tests answer from a script, and the
//! real binary is driven through a pseudo-terminal.

use std::fmt;

/// Why a question got no answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PromptError {
    /// The user pressed Esc or Ctrl-C.
    Cancelled,
    /// There is no terminal to ask on.
    NotTerminal,
    /// The terminal failed (the message says how).
    Terminal(String),
}

impl fmt::Display for PromptError {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PromptError::Cancelled => formatter.write_str("cancelled"),
            PromptError::NotTerminal => formatter.write_str("no terminal to ask on"),
            PromptError::Terminal(message) => write!(formatter, "terminal error: {message}"),
        }
    }
}

impl std::error::Error for PromptError {}

/// A validator (a plain function, so prompt libraries may keep it): `Err(message)` refuses the input and shows the message.
pub type Check = fn(&str) -> Result<(), String>;

/// Live feedback on the input as it is typed (`None`: show nothing).
pub type Preview = fn(&str) -> Option<String>;

/// A free-text question.
pub struct TextQuestion<'a> {
    /// The question.
    pub message: &'a str,
    /// Help shown under it.
    pub help: Option<&'a str>,
    /// The answer taken when the input is left empty.
    pub default: Option<&'a str>,
    /// Refuses bad input (the prompt stays open with the message).
    pub check: Check,
    /// Feedback updated on every key.
    pub preview: Option<Preview>,
    /// How the accepted answer is shown (`None`: as typed).
    pub shown: Option<fn(&str) -> String>,
}

/// A question about a secret: the input is not echoed.
pub struct SecretQuestion<'a> {
    /// The question.
    pub message: &'a str,
    /// Help shown under it.
    pub help: Option<&'a str>,
    /// Refuses bad input.
    pub check: Check,
}

/// A choice among options.
pub struct ChoiceQuestion<'a> {
    /// The question.
    pub message: &'a str,
    /// Help shown under it.
    pub help: Option<&'a str>,
    /// The options, as shown.
    pub options: &'a [String],
    /// Short names of the options for the answer line (`None`: the options themselves).
    pub short: Option<&'a [String]>,
    /// For a single choice: the highlighted option. For a multiple choice: ignored.
    pub default: usize,
}

/// Asks the user questions. Every method returns [`PromptError::Cancelled`] on Esc or Ctrl-C.
pub trait Prompter {
    /// Several options; returns the chosen indices (at least one), `preselected` ticked at first.
    fn multi_select(&mut self, question: &ChoiceQuestion, preselected: &[usize]) -> Result<Vec<usize>, PromptError>;

    /// One option; returns its index.
    fn select(&mut self, question: &ChoiceQuestion) -> Result<usize, PromptError>;

    /// Free text (trimmed); returns the accepted input, or the default for empty input.
    fn text(&mut self, question: &TextQuestion) -> Result<String, PromptError>;

    /// A secret, not echoed; returns the accepted input.
    fn secret(&mut self, question: &SecretQuestion) -> Result<String, PromptError>;

    /// Yes or no.
    fn confirm(&mut self, message: &str, default: bool) -> Result<bool, PromptError>;

    /// Shows a line of information (not a question), wrapped to the terminal.
    fn say(&mut self, text: &str);

    /// Shows text whose lines must stay as they are (a diff), not wrapped.
    fn show_verbatim(&mut self, text: &str) {
        self.say(text);
    }
}
