//! Command-line definitions (clap) and their conversion into the core's plain request types.
//!
//! Why separate: the core (`tray_mcp::server`, ...) never sees clap types, so it can be driven
//! by tests and by other front ends, and a new flag cannot be forgotten on the way in (every
//! args struct is destructured in full when converted).

use clap::{Parser, Subcommand};
use tray_mcp::server::ServeOptions;
use tray_mcp::tray::{Region, ServerName, WorkspaceId};

/// Connect AI clients to a Tray.io workspace.
#[derive(Debug, Parser)]
#[command(name = "tray-mcp", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the MCP server on stdin/stdout (what AI clients start).
    Serve(ServeArgs),
}

/// Arguments of `tray-mcp serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Serve the workspace stored in this profile (written by `tray-mcp install`).
    #[arg(long, value_name = "NAME", conflicts_with_all = ["workspace_id", "sandbox"])]
    pub profile: Option<ServerName>,
    /// Serve this workspace (UUID), with the API token from TRAY_API_TOKEN.
    #[arg(long, value_name = "UUID", conflicts_with = "sandbox")]
    pub workspace_id: Option<WorkspaceId>,
    /// Tray region: us1 (default), eu1 or apac1. Overrides the profile's region.
    #[arg(long, value_name = "REGION")]
    pub region: Option<Region>,
    /// Serve the built-in demo workspace: no account, no token, no network.
    #[arg(long)]
    pub sandbox: bool,
    /// Log filter for stderr: error, warn, info (default), debug, trace. Default: RUST_LOG.
    #[arg(long, value_name = "LEVEL")]
    pub log_level: Option<String>,
}

impl From<ServeArgs> for ServeOptions {
    fn from(args: ServeArgs) -> Self {
        let ServeArgs {
            profile,
            workspace_id,
            region,
            sandbox,
            log_level,
        } = args;
        ServeOptions {
            profile,
            workspace_id,
            region,
            sandbox,
            log_level,
        }
    }
}
