//! The real [`Prompter`]: inquire 0.9 on the terminal for choices, and our own line prompt
//! ([`super::line_prompt`]) for typed answers, whose line-editing keys inquire gets wrong
//! (prompts on standard error).
//!
//! Why a module of its own: it is the only code that knows inquire, so replacing the prompt
//! library, or its look, touches nothing else. Colours are dropped with `NO_COLOR` or
//! `TERM=dumb`; every text (including help lines that would otherwise hold inquire's arrow
//! symbols) is plain ASCII.

use inquire::error::CustomUserError;
use inquire::list_option::ListOption;
use inquire::ui::RenderConfig;
use inquire::validator::Validation;
use inquire::{Confirm, InquireError, MultiSelect, Select};

use crate::env::Variables;

use super::line_prompt::{self, LineQuestion};
use super::prompter::{ChoiceQuestion, PromptError, Prompter, SecretQuestion, TextQuestion};
use super::texts;

/// Asks on the terminal with inquire.
pub struct InquirePrompter {
    render: RenderConfig<'static>,
    /// The terminal's width in columns, when known: texts are wrapped to it at spaces, since the
    /// terminal (and inquire) would break them mid-word.
    columns: Option<usize>,
    /// The terminal's height in rows, when known: a list shows as many options as fit.
    rows: Option<usize>,
}

impl InquirePrompter {
    /// A prompter styled for this terminal: colours unless `NO_COLOR` is set or `TERM=dumb`.
    pub fn new(variables: &Variables) -> Self {
        InquirePrompter {
            render: if variables.plain_output() {
                RenderConfig::empty()
            } else {
                RenderConfig::default_colored()
            },
            columns: terminal_size::terminal_size_of(std::io::stderr())
                .map(|(terminal_size::Width(columns), _)| usize::from(columns)),
            rows: terminal_size::terminal_size_of(std::io::stderr())
                .map(|(_, terminal_size::Height(rows))| usize::from(rows)),
        }
    }

    /// `text` wrapped to the terminal, leaving `reserved` columns for what inquire puts around
    /// it (`? ` before a question, `[` and `]` around help) and the last column free, so no line
    /// reaches the edge and wraps there.
    fn fit(&self, text: &str, reserved: usize) -> String {
        match self.columns {
            Some(columns) => texts::wrap(text, columns.saturating_sub(reserved + 1).max(20)),
            None => text.to_string(),
        }
    }
}

/// How many options a list shows on a terminal `rows` high: all that fit below what the
/// wizard printed before it (the question, its help and a few lines of context keep 8 rows),
/// at least inquire's default of 7, at most all of them.
fn page_size(rows: Option<usize>, options: usize) -> usize {
    const DEFAULT: usize = 7;
    let fitting = rows.map_or(DEFAULT, |rows| rows.saturating_sub(8));
    fitting.max(DEFAULT).min(options.max(1))
}

/// Columns inquire puts before a question (`? `) and around a help line (`[`, `]`).
const QUESTION_PREFIX: usize = 2;
const HELP_BRACKETS: usize = 2;

fn prompt_error(error: InquireError) -> PromptError {
    match error {
        InquireError::OperationCanceled | InquireError::OperationInterrupted => PromptError::Cancelled,
        InquireError::NotTTY => PromptError::NotTerminal,
        other => PromptError::Terminal(other.to_string()),
    }
}

/// The answer line of a choice: the short names of the chosen options, comma-separated.
fn short_answer(question: &ChoiceQuestion, chosen: impl Iterator<Item = usize>) -> String {
    let names = question.short.unwrap_or(question.options);
    chosen
        .filter_map(|index| names.get(index).map(String::as_str))
        .collect::<Vec<_>>()
        .join(", ")
}

fn validation(result: Result<(), String>) -> Result<Validation, CustomUserError> {
    Ok(match result {
        Ok(()) => Validation::Valid,
        Err(message) => Validation::Invalid(message.into()),
    })
}

impl Prompter for InquirePrompter {
    fn multi_select(&mut self, question: &ChoiceQuestion, preselected: &[usize]) -> Result<Vec<usize>, PromptError> {
        let at_least_one = |chosen: &[ListOption<&String>]| {
            validation(if chosen.is_empty() {
                Err(texts::NONE_SELECTED.to_string())
            } else {
                Ok(())
            })
        };
        let short = |chosen: &[ListOption<&String>]| short_answer(question, chosen.iter().map(|option| option.index));
        let message = self.fit(question.message, QUESTION_PREFIX);
        let help = self.fit(question.help.unwrap_or(texts::MULTI_SELECT_HELP), HELP_BRACKETS);
        MultiSelect::new(&message, question.options.to_vec())
            .with_help_message(&help)
            .with_formatter(&short)
            .with_default(preselected)
            .with_page_size(page_size(self.rows, question.options.len()))
            .with_validator(at_least_one)
            .with_render_config(self.render)
            .raw_prompt()
            .map(|chosen| chosen.into_iter().map(|option| option.index).collect())
            .map_err(prompt_error)
    }

    fn select(&mut self, question: &ChoiceQuestion) -> Result<usize, PromptError> {
        let short = |chosen: ListOption<&String>| short_answer(question, [chosen.index].into_iter());
        let message = self.fit(question.message, QUESTION_PREFIX);
        let help = self.fit(question.help.unwrap_or(texts::SELECT_HELP), HELP_BRACKETS);
        Select::new(&message, question.options.to_vec())
            .with_help_message(&help)
            .with_formatter(&short)
            .with_starting_cursor(question.default)
            .without_filtering()
            .with_render_config(self.render)
            .raw_prompt()
            .map(|chosen| chosen.index)
            .map_err(prompt_error)
    }

    fn text(&mut self, question: &TextQuestion) -> Result<String, PromptError> {
        let message = self.fit(question.message, QUESTION_PREFIX);
        let help = question.help.map(|help| self.fit(help, HELP_BRACKETS));
        let check = question.check;
        let shown = question.shown;
        line_prompt::ask(&LineQuestion {
            message: &message,
            help: help.as_deref(),
            default: question.default,
            hidden: false,
            check: &|answer: &str| check(answer.trim()),
            preview: question.preview,
            shown: &|answer: &str| shown.map_or_else(|| answer.trim().to_string(), |shown| shown(answer.trim())),
        })
        .map(|answer| answer.trim().to_string())
    }

    fn secret(&mut self, question: &SecretQuestion) -> Result<String, PromptError> {
        let message = self.fit(question.message, QUESTION_PREFIX);
        let help = question.help.map(|help| self.fit(help, HELP_BRACKETS));
        line_prompt::ask(&LineQuestion {
            message: &message,
            help: help.as_deref(),
            default: None,
            hidden: true,
            check: &question.check,
            preview: None,
            shown: &|_: &str| String::new(),
        })
    }

    fn confirm(&mut self, message: &str, default: bool) -> Result<bool, PromptError> {
        let message = self.fit(message, QUESTION_PREFIX);
        Confirm::new(&message)
            .with_default(default)
            .with_render_config(self.render)
            .prompt()
            .map_err(prompt_error)
    }

    // The prompter's job is to talk to the user on stderr.
    #[allow(clippy::print_stderr)]
    fn say(&mut self, text: &str) {
        eprintln!("{}", self.fit(text, 0));
    }

    // The prompter's job is to talk to the user on stderr.
    #[allow(clippy::print_stderr)]
    fn show_verbatim(&mut self, text: &str) {
        eprintln!("{text}");
    }
}

#[cfg(test)]
mod tests {
    use super::page_size;

    #[test]
    fn a_list_shows_as_many_options_as_the_terminal_has_room_for() {
        assert_eq!(page_size(Some(24), 22), 16);
        assert_eq!(page_size(Some(50), 22), 22, "every option on a tall terminal");
        assert_eq!(page_size(Some(10), 22), 7, "never fewer than inquire's 7");
        assert_eq!(page_size(None, 22), 7);
        assert_eq!(page_size(Some(50), 3), 3);
    }
}
