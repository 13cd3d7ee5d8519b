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
use tray_mcp::commands::{doctor, install, list, remove, rename, token, uninstall, verify};
use tray_mcp::context::Context;
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
    // The one place the process's variables, token store and console are reached: everything
    // below takes them from the context.
    let context = Context::new(
        Environment::from_process()?,
        Box::new(|name| std::env::var_os(name)),
        Box::new(token_input::ProcessConsole),
    );
    let out = Output {
        json: cli.globals().json,
        quiet: cli.globals().quiet,
    };
    let env = &context;
    let binary = install::current_binary;
    match cli.into_action(&context)? {
        Action::Install { request, verify } => {
            // Copied (when transient) by the install's commit, once planning has succeeded.
            let placement = self_install::resolve(env, &binary()?);
            out.report(&verify::install(env, &request, &placement, verify, &|line| {
                out.note(line)
            })?)
        }
        Action::Wizard(prefill) => {
            let placement = self_install::resolve(env, &binary()?);
            let mut prompter = tray_mcp::wizard::terminal::InquirePrompter::new(&context.variables);
            out.report(&tray_mcp::wizard::run(env, &mut prompter, &prefill, &placement)?)
        }
        Action::Link { request, markdown } => run_link(env, &out, &request, markdown),
        Action::Bundle(request) => run_bundle(env, &out, &request),
        Action::List { name, clients } => run_list(env, &out, name.as_ref(), &clients),
        Action::Clients { installed } => run_clients(env, &out, installed),
        Action::Remove(request) => out.report(&remove::remove(env, &request)?),
        Action::Adopt(request) => {
            let placement = self_install::resolve(env, &binary()?);
            out.report(&tray_mcp::commands::adopt::adopt(env, &request, &placement)?)
        }
        Action::Rename(request) => out.report(&rename::rename(env, &request)?),
        Action::TokenSet(request) => out.report(&token::set(env, &request)?),
        Action::TokenForget { name, dry_run } => out.report(&token::forget(env, &name, dry_run)?),
        Action::Login(request) => run_login(env, &out, &request),
        Action::Logout(name, headless_only) => {
            out.report(&tray_mcp::commands::login::logout(env, &name, headless_only)?)
        }
        Action::Doctor(request) => run_doctor(env, &out, &request),
        Action::Apply { file, options } => run_apply(env, &out, file.as_deref(), options),
        Action::Export => run_export(env, &out),
        Action::Serve(options) => {
            tray_mcp::server::run(env, options)?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Uninstall(request) => out.report(&uninstall::uninstall(env, &request, &binary()?)?),
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

/// How the output was asked for: `--json`, `-q`.
struct Output {
    json: bool,
    quiet: bool,
}

impl Output {
    /// A note for the user on stderr: -q leaves errors only.
    fn note(&self, text: &str) {
        if !self.quiet {
            show(Stream::Err, &format!("{text}\n"));
        }
    }

    /// Prints a changing command's report (see [`print_report`]): success.
    fn report(&self, report: &tray_mcp::commands::report::Report) -> Result<ExitCode, CommandError> {
        print_report(report, self.json, self.quiet);
        Ok(ExitCode::SUCCESS)
    }

    /// Prints `json` with `--json`, else `human`.
    fn data(&self, json: impl FnOnce() -> serde_json::Value, human: impl FnOnce() -> String) {
        if self.json {
            print_stdout(&format!("{:#}\n", json()));
        } else {
            print_stdout(&human());
        }
    }
}

/// `tray-mcp link`.
fn run_link(
    environment: &Environment,
    out: &Output,
    request: &install::InstallRequest,
    markdown: bool,
) -> Result<ExitCode, CommandError> {
    let binary = self_install::resolve(environment, &install::current_binary()?).entry_binary;
    let links = tray_mcp::commands::link::links(environment, request, &binary)?;
    out.data(|| links.to_json(), || links.to_human(markdown));
    for notice in &links.notices {
        out.note(&notice.to_string());
    }
    Ok(ExitCode::SUCCESS)
}

/// `tray-mcp bundle`.
fn run_bundle(
    environment: &Environment,
    out: &Output,
    request: &tray_mcp::commands::bundle::BundleRequest,
) -> Result<ExitCode, CommandError> {
    let bundled = tray_mcp::commands::bundle::bundle(environment, request, &install::current_binary()?)?;
    let shown = environment.display_path(&bundled.path);
    out.data(
        || serde_json::json!({ "path": bundled.path, "manifest": bundled.manifest }),
        || format!("{}\n", bundled.path.display()),
    );
    out.note(&format!(
        "note: open {shown} with Claude Desktop (or drag it into Settings > Extensions); it asks for the workspace ID, region and API token"
    ));
    Ok(ExitCode::SUCCESS)
}

/// `tray-mcp list`: failure when a file could not be read, or the name asked for is nowhere.
fn run_list(
    environment: &Context,
    out: &Output,
    name: Option<&tray_mcp::tray::ServerName>,
    clients: &[tray_mcp::clients::ClientId],
) -> Result<ExitCode, CommandError> {
    let mut listing = list::list(environment);
    listing.keep(name.map(|name| name.as_str()), clients);
    if let Some(name) = name.filter(|_| listing.entries.is_empty()) {
        return Err(CommandError::failure(
            format!("no Tray entry named \"{name}\" in the chosen clients"),
            "run `tray-mcp list` to see every entry and its name",
        ));
    }
    if out.json {
        print_stdout(&format!("{:#}\n", listing.to_json()));
    } else if listing.entries.is_empty() && listing.problems.is_empty() {
        out.note("no Tray entries found (add one with: tray-mcp -w <WORKSPACE_UUID> --api-token-stdin -c <client>)");
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

/// `tray-mcp clients`.
fn run_clients(environment: &Environment, out: &Output, installed: bool) -> Result<ExitCode, CommandError> {
    let mut rows = tray_mcp::commands::clients::clients(environment);
    rows.retain(|row| row.installed || !installed);
    if out.json {
        print_stdout(&format!("{:#}\n", tray_mcp::commands::clients::to_json(&rows)));
    } else {
        show(
            Stream::Out,
            &tray_mcp::commands::clients::to_human_within(&rows, width_of(Stream::Out)),
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `tray-mcp login`: the report, what was granted, and (unless `--no-verify`) the check that
/// the sign-in works.
fn run_login(
    environment: &Context,
    out: &Output,
    request: &tray_mcp::commands::login::LoginRequest,
) -> Result<ExitCode, CommandError> {
    let done = tray_mcp::commands::login::login(environment, request, &|line| out.note(line))?;
    print_report(&done.report, out.json, out.quiet);
    let scopes = if done.outcome.scopes.is_empty() {
        String::new()
    } else {
        format!(" (scopes: {})", done.outcome.scopes.join(" "))
    };
    out.note(&format!(
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
        for notice in verify::after_login(environment, &request.name) {
            out.note(&notice.to_string());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `tray-mcp doctor`: failure when a check failed.
fn run_doctor(environment: &Context, out: &Output, request: &doctor::DoctorRequest) -> Result<ExitCode, CommandError> {
    let spinner = tray_mcp::progress::Spinner::start(&environment.variables);
    let report = doctor::doctor(environment, request, &|step| spinner.set(step));
    drop(spinner);
    if out.json {
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

/// `tray-mcp apply`: with `--check`, the drift exit code when something would change.
fn run_apply(
    environment: &Context,
    out: &Output,
    file: Option<&std::path::Path>,
    options: tray_mcp::manifest::plan::ApplyOptions,
) -> Result<ExitCode, CommandError> {
    let manifest = tray_mcp::manifest::load(environment, file)?;
    let placement = self_install::resolve(environment, &install::current_binary()?);
    let report = tray_mcp::manifest::plan::apply(environment, &manifest, options, &placement)?;
    if out.json {
        print_stdout(&format!("{:#}\n", report.to_json()));
    } else {
        show(Stream::Out, &report.to_human());
    }
    if !out.quiet {
        show(Stream::Err, &report.report.to_stderr());
    }
    Ok(if options.check && report.changed() {
        ExitCode::from(tray_mcp::manifest::DRIFT_EXIT_CODE)
    } else {
        ExitCode::SUCCESS
    })
}

/// `tray-mcp export`.
fn run_export(environment: &Environment, out: &Output) -> Result<ExitCode, CommandError> {
    let export = tray_mcp::manifest::export::export(environment)?;
    out.data(|| export.to_json(), || export.to_toml());
    for notice in &export.notices {
        out.note(&notice.to_string());
    }
    Ok(ExitCode::SUCCESS)
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
