//! How a command's result is shown: one [`Render`] trait for every output (a changing command's
//! report, the listing, the clients table, doctor's report, apply's report, the export, the
//! links, the bundle), and the one place that prints ([`Output::render`]).
//!
//! Why here, in the binary: which stream gets what, the terminal width, colour and the exit code
//! are the interface's business; the library's types keep their formatting (`to_json`,
//! `to_human`, …) and this module says only how each is shown. `main::run` dispatches: it runs
//! the command and hands the result to [`Output::render`], so no command formats on its own.

use std::io::Write;
use std::process::ExitCode;

use serde_json::Value;
use tray_mcp::commands::bundle::Bundled;
use tray_mcp::commands::clients::ClientRow;
use tray_mcp::commands::doctor::DoctorReport;
use tray_mcp::commands::link::Links;
use tray_mcp::commands::list::Listing;
use tray_mcp::commands::report::Report;
use tray_mcp::manifest::ApplyReport;
use tray_mcp::manifest::export::Export;

/// What the human form of an output is made of, in order.
pub enum Piece {
    /// Text for stdout, wrapped to the terminal and painted (see [`Batch`]).
    Shown(String),
    /// Text for stdout as it is (a link, a path, TOML: never wrapped).
    Plain(String),
    /// A note on stderr, left out with `-q`.
    Note(String),
    /// A problem on stderr (`error:` and `hint:`), shown even with `-q`.
    Problem {
        /// What went wrong.
        message: String,
        /// What to do.
        hint: String,
    },
}

impl Piece {
    /// A one-line note (the line break added).
    fn note(text: impl std::fmt::Display) -> Piece {
        Piece::Note(format!("{text}\n"))
    }
}

/// Where human text goes, as far as an output needs to know.
pub struct Terminal {
    /// The width of the terminal stdout writes to; `None` off a terminal.
    pub width: Option<usize>,
    /// `TERM=dumb`: no marks that need a capable terminal.
    pub dumb: bool,
}

/// A command's result, shown one way: `--json` or human text on stdout, then what goes to
/// stderr either way, then the exit code.
pub trait Render {
    /// The `--json` document.
    fn json(&self) -> Value;
    /// The human form: stdout text and the notes that go with it.
    fn human(&self, terminal: &Terminal) -> Vec<Piece>;
    /// What stderr gets after the output, in either form.
    fn after(&self) -> Vec<Piece> {
        Vec::new()
    }
    /// The exit code (success unless the output says otherwise).
    fn exit(&self) -> ExitCode {
        ExitCode::SUCCESS
    }
}

impl Render for Report {
    fn json(&self) -> Value {
        self.to_json()
    }

    fn human(&self, _: &Terminal) -> Vec<Piece> {
        vec![Piece::Shown(self.to_human())]
    }

    fn after(&self) -> Vec<Piece> {
        vec![Piece::Note(self.to_stderr())]
    }
}

/// `tray-mcp link`'s links, as text or Markdown.
pub struct LinksShown {
    /// The links.
    pub links: Links,
    /// `--markdown`.
    pub markdown: bool,
}

impl Render for LinksShown {
    fn json(&self) -> Value {
        self.links.to_json()
    }

    fn human(&self, _: &Terminal) -> Vec<Piece> {
        vec![Piece::Plain(self.links.to_human(self.markdown))]
    }

    fn after(&self) -> Vec<Piece> {
        self.links.notices.iter().map(Piece::note).collect()
    }
}

/// `tray-mcp bundle`'s result, with its path as the user's home shortens it.
pub struct BundleShown {
    /// The bundle written.
    pub bundled: Bundled,
    /// Its path for the note (`~/…`).
    pub shown_path: String,
}

impl Render for BundleShown {
    fn json(&self) -> Value {
        serde_json::json!({ "path": self.bundled.path, "manifest": self.bundled.manifest })
    }

    fn human(&self, _: &Terminal) -> Vec<Piece> {
        vec![Piece::Plain(format!("{}\n", self.bundled.path.display()))]
    }

    fn after(&self) -> Vec<Piece> {
        vec![Piece::note(format!(
            "note: open {} with Claude Desktop (or drag it into Settings > Extensions); it asks for the workspace ID, region and API token",
            self.shown_path
        ))]
    }
}

impl Render for Listing {
    fn json(&self) -> Value {
        self.to_json()
    }

    fn human(&self, terminal: &Terminal) -> Vec<Piece> {
        if self.entries.is_empty() && self.problems.is_empty() {
            vec![
                Piece::note(
                    "no Tray entries found (add one with: tray-mcp -w <WORKSPACE_UUID> --api-token-stdin -c <client>)",
                ),
                Piece::Plain(self.to_human()),
            ]
        } else {
            vec![Piece::Shown(self.to_human_within(terminal.width))]
        }
    }

    fn after(&self) -> Vec<Piece> {
        self.problems
            .iter()
            .map(|problem| Piece::Problem {
                message: problem.to_string(),
                hint: problem.hint(),
            })
            .collect()
    }

    /// Failure when a file could not be read.
    fn exit(&self) -> ExitCode {
        if self.problems.is_empty() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

impl Render for Vec<ClientRow> {
    fn json(&self) -> Value {
        tray_mcp::commands::clients::to_json(self)
    }

    fn human(&self, terminal: &Terminal) -> Vec<Piece> {
        vec![Piece::Shown(tray_mcp::commands::clients::to_human_within(
            self,
            terminal.width,
        ))]
    }
}

impl Render for DoctorReport {
    fn json(&self) -> Value {
        self.to_json()
    }

    fn human(&self, terminal: &Terminal) -> Vec<Piece> {
        vec![Piece::Shown(self.to_human(terminal.dumb))]
    }

    /// Failure when a check failed.
    fn exit(&self) -> ExitCode {
        if self.all_ok() {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        }
    }
}

/// `tray-mcp apply`'s report, with whether it was `--check`.
pub struct ApplyShown {
    /// The report.
    pub report: ApplyReport,
    /// `--check`: drift is its own exit code.
    pub check: bool,
}

impl Render for ApplyShown {
    fn json(&self) -> Value {
        self.report.to_json()
    }

    fn human(&self, _: &Terminal) -> Vec<Piece> {
        vec![Piece::Shown(self.report.to_human())]
    }

    fn after(&self) -> Vec<Piece> {
        vec![Piece::Note(self.report.report.to_stderr())]
    }

    /// With `--check`, the drift exit code when something would change.
    fn exit(&self) -> ExitCode {
        if self.check && self.report.changed() {
            ExitCode::from(tray_mcp::manifest::DRIFT_EXIT_CODE)
        } else {
            ExitCode::SUCCESS
        }
    }
}

impl Render for Export {
    fn json(&self) -> Value {
        self.to_json()
    }

    fn human(&self, _: &Terminal) -> Vec<Piece> {
        vec![Piece::Plain(self.to_toml())]
    }

    fn after(&self) -> Vec<Piece> {
        self.notices.iter().map(Piece::note).collect()
    }
}

/// How the output was asked for: `--json`, `-q`, and whether the terminal is dumb.
pub struct Output {
    /// `--json`.
    pub json: bool,
    /// `-q`: errors only on stderr.
    pub quiet: bool,
    /// `TERM=dumb`.
    pub dumb: bool,
}

impl Output {
    /// Shows `output` (JSON or human text, then what goes to stderr) and returns its exit code.
    pub fn render(&self, output: &dyn Render) -> ExitCode {
        if self.json {
            print_stdout(&format!("{:#}\n", output.json()));
        } else {
            let terminal = Terminal {
                width: width_of(Stream::Out),
                dumb: self.dumb,
            };
            self.print(output.human(&terminal));
        }
        self.print(output.after());
        output.exit()
    }

    /// A note for the user on stderr: -q leaves errors only.
    pub fn note(&self, text: &str) {
        self.print(vec![Piece::note(text)]);
    }

    /// Writes `pieces` in order, each stream's consecutive pieces in one write: an install into
    /// every client printed 65 lines in 65 writes (and a `note:` in two), now in about three.
    fn print(&self, pieces: Vec<Piece>) {
        let mut batch = Batch::default();
        for piece in pieces {
            match piece {
                Piece::Shown(text) => batch.show(Stream::Out, &text),
                Piece::Plain(text) => {
                    batch.flush();
                    print_stdout(&text);
                }
                Piece::Note(text) if !self.quiet => batch.show(Stream::Err, &text),
                Piece::Note(_) => {}
                Piece::Problem { message, hint } => {
                    batch.error(&message);
                    batch.hint(&hint);
                }
            }
        }
        batch.flush();
    }
}

/// Where human text goes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Stream {
    Out,
    Err,
}

/// Human text gathered for one stream until the stream changes, then written at once. Each piece
/// is wrapped to the stream's terminal (at spaces: paths and URLs stay whole) and its marks
/// painted on its own, so the bytes are what writing the pieces one by one gave.
#[derive(Default)]
struct Batch {
    stream: Option<(Stream, Option<usize>)>,
    text: String,
}

impl Batch {
    fn show(&mut self, stream: Stream, text: &str) {
        if self.stream.is_some_and(|(current, _)| current != stream) {
            self.flush();
        }
        let (_, width) = *self.stream.get_or_insert_with(|| (stream, width_of(stream)));
        let fitted = match width {
            Some(width) => tray_mcp::fit::wrap(text, width),
            None => text.to_string(),
        };
        self.text.push_str(&tray_mcp::fit::paint(&fitted));
    }

    /// `error: MESSAGE` on stderr (`error:` in bold red where colour is on).
    fn error(&mut self, message: &str) {
        self.show(Stream::Err, &format!("error: {message}\n"));
    }

    /// `hint: TEXT` on stderr.
    fn hint(&mut self, hint: &str) {
        self.show(Stream::Err, &format!("hint: {hint}\n"));
    }

    fn flush(&mut self) {
        if let Some((stream, _)) = self.stream.take() {
            write_styled(stream, &std::mem::take(&mut self.text));
        }
    }
}

/// The width of the terminal `stream` writes to; `None` when it is no terminal.
fn width_of(stream: Stream) -> Option<usize> {
    match stream {
        Stream::Out => terminal_size::terminal_size_of(std::io::stdout()),
        Stream::Err => terminal_size::terminal_size_of(std::io::stderr()),
    }
    .map(|(terminal_size::Width(columns), _)| usize::from(columns))
}

/// Writes painted text through `anstream` (colour where it decides: a terminal, `NO_COLOR`,
/// `--color`), ignoring a closed pipe. Where colour is off the marks (and any other escape
/// sequence) are stripped here first: anstream would write each run between two sequences on
/// its own (`note:` and the rest of its line in two writes).
fn write_styled(stream: Stream, text: &str) {
    let _ = match stream {
        Stream::Out => {
            let out = anstream::stdout();
            let text = plain_where_uncoloured(out.current_choice(), text);
            let mut out = out.lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        }
        Stream::Err => {
            let err = anstream::stderr();
            let text = plain_where_uncoloured(err.current_choice(), text);
            let mut err = err.lock();
            err.write_all(text.as_bytes()).and_then(|()| err.flush())
        }
    };
}

fn plain_where_uncoloured(choice: anstream::ColorChoice, text: &str) -> std::borrow::Cow<'_, str> {
    if choice == anstream::ColorChoice::Never {
        anstream::adapter::strip_str(text).to_string().into()
    } else {
        text.into()
    }
}

/// `error: MESSAGE` for each message, then `hint: TEXT` when there is one, on stderr in one
/// write.
pub fn print_problem<'a>(messages: impl IntoIterator<Item = &'a str>, hint: Option<&str>) {
    let mut batch = Batch::default();
    messages.into_iter().for_each(|message| batch.error(message));
    if let Some(hint) = hint {
        batch.hint(hint);
    }
    batch.flush();
}

/// Prints to stdout, ignoring a closed pipe (`tray-mcp list | head`).
pub fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
