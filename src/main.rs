//! The `tray-mcp` binary: parse the command line, make the one [`Context`] (the process's
//! environment, variables, token store and console: nothing below reaches them otherwise), run
//! the command, hand its result to [`render`] (one trait for every output), map errors to exit
//! codes (0 ok, 1 failure, 2 usage, 130 cancelled).

// Printing is this crate's job (stdout for data, stderr for diagnostics); the library's lints
// forbid it everywhere else.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod completions;
mod global_flags;
mod help_texts;
mod render;
mod token_input;

use std::process::ExitCode;

use cli::{Action, Cli};
use tray_mcp::commands::{doctor, install, list, remove, rename, token, uninstall, verify};
use tray_mcp::context::Context;
use tray_mcp::error::CommandError;
use tray_mcp::paths::Environment;
use tray_mcp::self_install;

use render::{ApplyShown, BundleShown, LinksShown, Output, print_problem, print_stdout};

fn main() -> ExitCode {
    let cli = Cli::parse_args();
    match run(cli) {
        Ok(code) => code,
        Err(error) => {
            let failures: Vec<String> = error.also_failed.iter().map(ToString::to_string).collect();
            let messages = failures.iter().map(String::as_str).chain([error.message.as_str()]);
            print_problem(messages, error.hint.as_deref());
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
    if let Some(log) = &context.variables.count_reads {
        tray_mcp::config::safe_write::log_reads_to(log);
    }
    let out = Output {
        json: cli.globals().json,
        quiet: cli.globals().quiet,
        dumb: context.variables.dumb_terminal,
    };
    let action = cli.into_action(&context)?;
    dispatch(&context, &out, action)
}

/// Runs `action` and hands its result to [`Output::render`].
fn dispatch(env: &Context, out: &Output, action: Action) -> Result<ExitCode, CommandError> {
    let binary = install::current_binary;
    let placement = || Ok::<_, CommandError>(self_install::resolve(env, &binary()?));
    Ok(match action {
        Action::Install { request, verify } => {
            // Copied (when transient) by the install's commit, once planning has succeeded.
            let placement = placement()?;
            out.render(&verify::install(env, &request, &placement, verify, &|line| {
                out.note(line)
            })?)
        }
        Action::Wizard(prefill) => {
            let placement = placement()?;
            let mut prompter = tray_mcp::wizard::terminal::InquirePrompter::new(&env.variables);
            out.render(&tray_mcp::wizard::run(env, &mut prompter, &prefill, &placement)?)
        }
        Action::Link { request, markdown } => {
            let binary = placement()?.entry_binary;
            let links = tray_mcp::commands::link::links(env, &request, &binary)?;
            out.render(&LinksShown { links, markdown })
        }
        Action::Bundle(request) => {
            let bundled = tray_mcp::commands::bundle::bundle(env, &request, &binary()?)?;
            let shown_path = env.display_path(&bundled.path);
            out.render(&BundleShown { bundled, shown_path })
        }
        Action::List { name, clients } => out.render(&listing(env, name.as_ref(), &clients)?),
        Action::Clients { installed } => {
            let mut rows = tray_mcp::commands::clients::clients(env);
            rows.retain(|row| row.installed || !installed);
            out.render(&rows)
        }
        Action::Remove(request) => out.render(&remove::remove(env, &request)?),
        Action::Adopt(request) => out.render(&tray_mcp::commands::adopt::adopt(env, &request, &placement()?)?),
        Action::Rename(request) => out.render(&rename::rename(env, &request)?),
        Action::TokenSet(request) => out.render(&token::set(env, &request)?),
        Action::TokenForget { name, dry_run } => out.render(&token::forget(env, &name, dry_run)?),
        Action::Login(request) => run_login(env, out, &request)?,
        Action::Logout(name, headless_only) => {
            out.render(&tray_mcp::commands::login::logout(env, &name, headless_only)?)
        }
        Action::Doctor(request) => {
            let spinner = tray_mcp::progress::Spinner::start(&env.variables);
            let report = doctor::doctor(env, &request, &|step| spinner.set(step));
            drop(spinner);
            out.render(&report)
        }
        Action::Apply { file, options } => {
            let manifest = tray_mcp::manifest::load(env, file.as_deref())?;
            let report = tray_mcp::manifest::plan::apply(env, &manifest, options, &placement()?)?;
            out.render(&ApplyShown {
                report,
                check: options.check,
            })
        }
        Action::Export => out.render(&tray_mcp::manifest::export::export(env)?),
        Action::Serve(options) => {
            tray_mcp::server::run(env, options)?;
            ExitCode::SUCCESS
        }
        Action::Uninstall(request) => out.render(&uninstall::uninstall(env, &request, &binary()?)?),
        Action::Completions(script) => {
            print_stdout(&script);
            ExitCode::SUCCESS
        }
        Action::Man(dir) => write_man_pages(&dir)?,
    })
}

/// `tray-mcp man DIR`.
fn write_man_pages(dir: &std::path::Path) -> Result<ExitCode, CommandError> {
    cli::write_man_pages(dir).map_err(|error| {
        CommandError::failure(
            format!("could not write the man pages into {}: {error}", dir.display()),
            "name an existing folder you can write to",
        )
    })?;
    Ok(ExitCode::SUCCESS)
}

/// `tray-mcp list`'s listing: a failure when the name asked for is nowhere.
fn listing(
    context: &Context,
    name: Option<&tray_mcp::tray::ServerName>,
    clients: &[tray_mcp::clients::ClientId],
) -> Result<list::Listing, CommandError> {
    let mut listing = list::list(context);
    listing.keep(name.map(|name| name.as_str()), clients);
    if let Some(name) = name.filter(|_| listing.entries.is_empty()) {
        return Err(CommandError::failure(
            format!("no Tray entry named \"{name}\" in the chosen clients"),
            "run `tray-mcp list` to see every entry and its name",
        ));
    }
    Ok(listing)
}

/// `tray-mcp login`: the report, what was granted, and (unless `--no-verify`) the check that
/// the sign-in works (after the report is shown: it asks the network).
fn run_login(
    context: &Context,
    out: &Output,
    request: &tray_mcp::commands::login::LoginRequest,
) -> Result<ExitCode, CommandError> {
    let done = tray_mcp::commands::login::login(context, request, &|line| out.note(line))?;
    let code = out.render(&done.report);
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
        for notice in verify::after_login(context, &request.name) {
            out.note(&notice.to_string());
        }
    }
    Ok(code)
}
