//! The `tray-mcp` binary: parse the command line, run the command, print, map errors to exit
//! codes (0 ok, 1 failure, 2 usage, 130 cancelled).

// Printing is this crate's job (stdout for data, stderr for diagnostics); the library's lints
// forbid it everywhere else.
#![allow(clippy::print_stdout, clippy::print_stderr)]

mod cli;
mod completions;
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
                eprintln!("error: {failure}");
            }
            eprintln!("error: {}", error.message);
            if let Some(hint) = &error.hint {
                eprintln!("hint: {hint}");
            }
            ExitCode::from(error.exit.code())
        }
    }
}

fn run(cli: Cli) -> Result<ExitCode, CommandError> {
    let environment = Environment::from_process()?;
    let json = cli.json();
    match cli.into_action(&environment.variables)? {
        Action::Install { request, verify } => {
            // Copied (when transient) by the install's commit, once planning has succeeded.
            let placement = self_install::resolve(&environment, &install::current_binary()?);
            let report = tray_mcp::commands::verify::install(&environment, &request, &placement, verify, &|line| {
                eprintln!("{line}")
            })?;
            print_report(&report, json);
            Ok(ExitCode::SUCCESS)
        }
        Action::Wizard(prefill) => {
            let placement = self_install::resolve(&environment, &install::current_binary()?);
            let mut prompter = tray_mcp::wizard::terminal::InquirePrompter::new(&environment.variables);
            let report = tray_mcp::wizard::run(&environment, &mut prompter, &prefill, &placement)?;
            print_report(&report, json);
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
                eprintln!("{notice}");
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
            eprintln!(
                "note: open {shown} with Claude Desktop (or drag it into Settings > Extensions); it asks for the workspace ID, region and API token"
            );
            Ok(ExitCode::SUCCESS)
        }
        Action::List => {
            let listing = list::list(&environment);
            if json {
                print_stdout(&format!("{:#}\n", listing.to_json()));
            } else if listing.entries.is_empty() && listing.problems.is_empty() {
                eprintln!(
                    "no Tray entries found (add one with: tray-mcp -w <WORKSPACE_UUID> --api-token-stdin -c <client>)"
                );
            } else {
                print_stdout(&listing.to_human());
            }
            for problem in &listing.problems {
                eprintln!("error: {problem}");
                eprintln!("hint: {}", problem.hint());
            }
            Ok(if listing.problems.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Action::Clients => {
            let rows = tray_mcp::commands::clients::clients(&environment);
            if json {
                print_stdout(&format!(
                    "{:#}
",
                    tray_mcp::commands::clients::to_json(&rows)
                ));
            } else {
                print_stdout(&tray_mcp::commands::clients::to_human(&rows));
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Remove(request) => {
            let report = remove::remove(&environment, &request)?;
            print_report(&report, json);
            Ok(ExitCode::SUCCESS)
        }
        Action::Adopt(request) => {
            let placement = self_install::resolve(&environment, &install::current_binary()?);
            let report = tray_mcp::commands::adopt::adopt(&environment, &request, &placement)?;
            print_report(&report, json);
            Ok(ExitCode::SUCCESS)
        }
        Action::Rename(request) => {
            let report = rename::rename(&environment, &request)?;
            print_report(&report, json);
            Ok(ExitCode::SUCCESS)
        }
        Action::TokenSet(request) => {
            let report = token::set(&environment, &request)?;
            print_report(&report, json);
            Ok(ExitCode::SUCCESS)
        }
        Action::TokenForget { name, dry_run } => {
            let report = token::forget(&environment, &name, dry_run)?;
            print_report(&report, json);
            Ok(ExitCode::SUCCESS)
        }
        Action::Login(request) => {
            let done = tray_mcp::commands::login::login(&environment, &request, &|line| eprintln!("{line}"))?;
            print_report(&done.report, json);
            let scopes = if done.outcome.scopes.is_empty() {
                String::new()
            } else {
                format!(" (scopes: {})", done.outcome.scopes.join(" "))
            };
            eprintln!(
                "Signed in {} to {}{scopes}.{}",
                request.name,
                done.outcome.resource,
                if done.outcome.refreshable {
                    ""
                } else {
                    " No refresh token was granted: sign in again when the access token expires."
                }
            );
            if !request.headless {
                for notice in tray_mcp::commands::verify::after_login(&environment, &request.name) {
                    eprintln!("{notice}");
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Logout(name, headless_only) => {
            let report = tray_mcp::commands::login::logout(&environment, &name, headless_only)?;
            print_report(&report, json);
            Ok(ExitCode::SUCCESS)
        }
        Action::Doctor(request) => {
            let spinner = tray_mcp::progress::Spinner::start(&environment.variables);
            let report = doctor::doctor(&environment, &request, &|step| spinner.set(step));
            drop(spinner);
            if json {
                print_stdout(&format!("{:#}\n", report.to_json()));
            } else {
                print_stdout(&report.to_human(environment.variables.dumb_terminal));
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
                print_stdout(&report.to_human());
            }
            eprint!("{}", report.report.to_stderr());
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
                eprintln!("{notice}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Serve(options) => {
            tray_mcp::server::run(&environment, options)?;
            Ok(ExitCode::SUCCESS)
        }
        Action::Uninstall(request) => {
            let report = uninstall::uninstall(&environment, &request, &install::current_binary()?)?;
            print_report(&report, json);
            Ok(ExitCode::SUCCESS)
        }
        Action::Completions(script) => {
            print_stdout(&script);
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn print_report(report: &tray_mcp::commands::report::Report, json: bool) {
    if json {
        print_stdout(&format!("{:#}\n", report.to_json()));
    } else {
        print_stdout(&report.to_human());
    }
    eprint!("{}", report.to_stderr());
}

/// Prints to stdout, ignoring a closed pipe (`tray-mcp list | head`).
fn print_stdout(text: &str) {
    let mut stdout = std::io::stdout().lock();
    let _ = stdout.write_all(text.as_bytes());
    let _ = stdout.flush();
}
