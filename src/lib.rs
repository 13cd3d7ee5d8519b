//! tray-mcp: connect AI clients to a Tray.io workspace.
//!
//! The crate is the core; `src/main.rs` and `src/cli.rs` are a thin command-line layer over it.
//! The core never sees clap types: it takes plain request structs and an [`paths::Environment`].

pub mod approvals;
pub mod clients;
pub mod commands;
pub mod config;
pub mod created;
pub mod env;
pub mod error;
pub mod fit;
pub mod inventory;
pub mod manifest;
pub mod notice;
pub mod oauth;
pub mod paths;
pub mod profiles;
pub mod progress;
pub mod remote;
pub mod remote_text;
pub mod secrets;
pub mod self_install;
pub mod server;
pub mod token_store;
pub mod tool_filter;
pub mod tray;
pub mod tray_plugin;
pub mod wizard;
pub mod written;
