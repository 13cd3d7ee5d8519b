//! The `tray-mcp` binary: parse the command line, run the command, print, map errors to exit
//! codes (0 ok, 1 failure, 2 usage, 130 cancelled).

// Printing is this crate's job (stdout for data, stderr for diagnostics); the library's lints
// forbid it everywhere else.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod completions;
mod global_flags;
mod help_texts;
mod token_input;

use std::io::Write;
use std::process::ExitCode;

use cli::{Action, Cli};
use tray_mcp::commands::{doctor, install, list, remove, rename, token, uninstall};
use tray_mcp::error::CommandError;
use tray_mcp::paths::Environment;
use tray_mcp::self_install;

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            for failure in &error.also_failed {
                print_error(&failure.to_string());
            }
            print_error(&error.message);
            if let Some(hint) = &error.hint {
                print_hint(hint);
            }
            ExitCode::from(error.exit.code())
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, CommandError> {
    let environment = Environment::from_process()?;
    let json = cli.globals().json;
    let quiet = cli.globals().quiet;
    // A note for the user on stderr: -q leaves errors only.
    let note = |text: &str| {
        if !quiet {
            show(Stream::Err, &format!("{text}\n"));
        }
    };
    match cli.into_action(&environment.variables)? {
        Action::Install { request, verify } => {
            // Copied (when transient) by the install's commit, once planning has succeeded.
            let placement = self_install::resolve(&environment, &install::current_binary()?);
            let report =
                tray_mcp::commands::verify::install(&environment, &request, &placement, verify, &|line| note(line))?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::Wizard(prefill) => {
            let placement = self_install::resolve(&environment, &install::current_binary()?);
            let mut prompter = tray_mcp::wizard::terminal::InquirePrompter::new(&environment.variables);
            let report = tray_mcp::wizard::run(&environment, &mut prompter, &prefill, &placement)?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::Link { request, markdown } => {
            let binary = self_install::resolve(&environment, &install::current_binary()?).entry_binary;
            let links = tray_mcp::commands::link::links(&environment, &request, &binary)?;
            if json {
                print_stdout(&format!("{:#}\n", links.to_json()));
            } else {
                print_stdout(&links.to_human(markdown));
            }
            for notice in &links.notices {
                note(&notice.to_string());
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Bundle(request) => {
            let bundled = tray_mcp::commands::bundle::bundle(&environment, &request, &install::current_binary()?)?;
            let shown = environment.display_path(&bundled.path);
            if json {
                let report = serde_json::json!({ "path": bundled.path, "manifest": bundled.manifest });
                print_stdout(&format!("{report:#}\n"));
            } else {
                print_stdout(&format!("{}\n", bundled.path.display()));
            }
            note(&format!(
                "note: open {shown} with Claude Desktop (or drag it into Settings > Extensions); it asks for the workspace ID, region and API token"
            ));
            Ok(ExitCode::SUCCESS)
        }
        Action::List { name, clients } => {
            let mut listing = list::list(&environment);
            listing.keep(name.as_ref().map(|name| name.as_str()), &clients);
            if let Some(name) = name.as_ref().filter(|_| listing.entries.is_empty()) {
                return Err(CommandError::failure(
                    format!("no Tray entry named \"{name}\" in the chosen clients"),
                    "run `tray-mcp list` to see every entry and its name",
                ));
            }
            if json {
                print_stdout(&format!("{:#}\n", listing.to_json()));
            } else if listing.entries.is_empty() && listing.problems.is_empty() {
                note(
                    "no Tray entries found (add one with: tray-mcp -w <WORKSPACE_UUID> --api-token-stdin -c <client>)",
                );
                print_stdout(&listing.to_human());
            } else {
                show(Stream::Out, &listing.to_human_within(width_of(Stream::Out)));
            }
            for problem in &listing.problems {
                print_error(&problem.to_string());
                print_hint(&problem.hint());
            }
            Ok(if listing.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Action::Clients { installed } => {
            let mut rows = tray_mcp::commands::clients::clients(&environment);
            rows.retain(|row| row.installed || !installed);
            if json {
                print_stdout(&format!(
                    "{:#}
",
                    tray_mcp::commands::clients::to_json(&rows)
                ));
            } else {
                show(
                    Stream::Out,
                    &tray_mcp::commands::clients::to_human_within(&rows, width_of(Stream::Out)),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Remove(request) => {
            let report = remove::remove(&environment, &request)?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::Adopt(request) => {
            let placement = self_install::resolve(&environment, &install::current_binary()?);
            let report = tray_mcp::commands::adopt::adopt(&environment, &request, &placement)?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::Rename(request) => {
            let report = rename::rename(&environment, &request)?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::TokenSet(request) => {
            let report = token::set(&environment, &request)?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::TokenForget { name, dry_run } => {
            let report = token::forget(&environment, &name, dry_run)?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::Login(request) => {
            let done = tray_mcp::commands::login::login(&environment, &request, &|line| note(line))?;
            print_report(&done.report, json, quiet);
            let scopes = if done.outcome.scopes.is_empty() {
                String::new()
            } else {
                format!(" (scopes: {})", done.outcome.scopes.join(" "))
            };
            note(&format!(
                "Signed in {} to {}{scopes}.{}",
                request.name,
                done.outcome.resource,
                if done.outcome.refreshable {
                    ""
                } else {
                    " No refresh token was granted: sign in again when the access token expires."
                }
            ));
            if request.verify && !request.headless {
                for notice in tray_mcp::commands::verify::after_login(&environment, &request.name) {
                    note(&notice.to_string());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Logout(name, headless_only) => {
            let report = tray_mcp::commands::login::logout(&environment, &name, headless_only)?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::Doctor(request) => {
            let spinner = tray_mcp::progress::Spinner::start(&environment.variables);
            let report = doctor::doctor(&environment, &request, &|step| spinner.set(step));
            drop(spinner);
            if json {
                print_stdout(&format!("{:#}\n", report.to_json()));
            } else {
                show(Stream::Out, &report.to_human(environment.variables.dumb_terminal));
            }
            Ok(if report.all_ok() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Action::Apply { file, options } => {
            let manifest = tray_mcp::manifest::load(&environment, file.as_deref())?;
            let placement = self_install::resolve(&environment, &install::current_binary()?);
            let report = tray_mcp::manifest::plan::apply(&environment, &manifest, options, &placement, &|name| {
                std::env::var_os(name)
            })?;
            if json {
                print_stdout(&format!("{:#}\n", report.to_json()));
            } else {
                show(Stream::Out, &report.to_human());
            }
            if !quiet {
                show(Stream::Err, &report.report.to_stderr());
            }
            Ok(if options.check && report.changed() {
                ExitCode::from(tray_mcp::manifest::DRIFT_EXIT_CODE)
            } else {
                ExitCode::SUCCESS
            })
        }
        Action::Export => {
            let export = tray_mcp::manifest::export::export(&environment)?;
            if json {
                print_stdout(&format!("{:#}\n", export.to_json()));
            } else {
                print_stdout(&export.to_toml());
            }
            for notice in &export.notices {
                note(&notice.to_string());
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Serve(options) => {
            tray_mcp::server::run(&environment, options)?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Uninstall(request) => {
            let report = uninstall::uninstall(&environment, &request, &install::current_binary()?)?;
            print_report(&report, json, quiet);
            Ok(ExitCode::SUCCESS)
        }
        Action::Completions(script) => {
            print_stdout(&script);
            Ok(ExitCode::SUCCESS)
        }
        Action::Man(dir) => {
            cli::write_man_pages(&dir).map_err(|error| {
                CommandError::failure(
                    format!("could not write the man pages into {}: {error}", dir.display()),
                    "name an existing folder you can write to",
                )
            })?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Prints a report: the human or JSON text on stdout, its notes and next steps on stderr
/// (none with `-q`).
fn print_report(report: &tray_mcp::commands::report::Report, json: bool, quiet: bool) {
    if json {
        print_stdout(&format!("{:#}\n", report.to_json()));
    } else {
        show(Stream::Out, &report.to_human());
    }
    if !quiet {
        show(Stream::Err, &report.to_stderr());
    }
}

/// Where human text goes.
#[derive(Clone, Copy)]
enum Stream {
    Out,
    Err,
}

/// Writes human text: on a terminal wrapped to its width (at spaces: paths and URLs stay
/// whole); its marks coloured where colour is on (`anstream` decides: a terminal, `NO_COLOR`,
/// `--color`). Into a pipe it is the text as it is. A closed pipe is ignored.
fn show(stream: Stream, text: &str) {
    let text = match width_of(stream) {
        Some(width) => tray_mcp::fit::wrap(text, width),
        None => text.to_string(),
    };
    write_styled(stream, &tray_mcp::fit::paint(&text));
}

/// The width of the terminal `stream` writes to; `None` when it is no terminal.
fn width_of(stream: Stream) -> Option<usize> {
    match stream {
        Stream::Out => terminal_size::terminal_size_of(std::io::stdout()),
        Stream::Err => terminal_size::terminal_size_of(std::io::stderr()),
    }
    .map(|(terminal_size::Width(columns), _)| usize::from(columns))
}

fn write_styled(stream: Stream, text: &str) {
    let _ = match stream {
        Stream::Out => {
            let mut out = anstream::stdout().lock();
            out.write_all(text.as_bytes()).and_then(|()| out.flush())
        }
        Stream::Err => {
            let mut err = anstream::stderr().lock();
            err.write_all(text.as_bytes()).and_then(|()| err.flush())
        }
    };
}

/// `error: MESSAGE` on stderr (`error:` in bold red where colour is on; see [`show`]).
fn print_error(message: &str) {
    show(Stream::Err, &format!("error: {message}\n"));
}

/// `hint: TEXT` on stderr.
fn print_hint(hint: &str) {
    show(Stream::Err, &format!("hint: {hint}\n"));
}

/// Prints to stdout, ignoring a closed pipe (`tray-mcp list | head`).
fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
