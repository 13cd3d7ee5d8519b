//! The `tray-mcp` binary: parse the command line, run, map the outcome to an exit code
//! (0 ok, 1 error, 2 usage; clap exits with 2 itself on a usage error).

mod cli;

use std::process::ExitCode;

use clap::Parser as _;
use tray_mcp::paths::Environment;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let environment = match Environment::from_process() {
        Ok(environment) => environment,
        Err(error) => {
            eprintln!("error: {error}");
            return ExitCode::from(1);
        }
    };
    let result = match cli.command {
        cli::Command::Serve(args) => tray_mcp::server::run(&environment, args.into()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::from(1)
        }
    }
}
