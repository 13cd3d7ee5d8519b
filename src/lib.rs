//! tray-mcp: connect AI clients to a Tray.io workspace.
//!
//! The crate is the core; `src/main.rs` and `src/cli.rs` are a thin command-line layer over it.
//! The core never sees clap types: it takes plain request structs and one [`context::Context`]
//! (the [`paths::Environment`], the other variables by name, the token store, opened lazily, and
//! the console), made once in `main::run` and passed down; tests make one with a memory keychain.
//!
//! # Layers
//!
//! Each layer imports only its own and the ones below it; the top-level modules form no cycle.
//! `layers_test` (a unit test) reads every `crate::` path in `src/` and holds the code to this.
//!
//! ```text
//! interface          main, cli (the binary: clap, stdin, TTY → requests), render (how each
//!                    output is shown: one trait, main dispatches)
//!    ↓
//! front ends         wizard, manifest
//!    ↓
//! commands           commands (install, remove, doctor, verify, login, …)
//!    ↓
//! domain and server  clients, inventory, written, created, profiles, token_store, context (the
//!                    injectable process: it holds a token store, so it cannot be ground; it
//!                    imports only ground, profiles and token_store), oauth (the sign-in: its
//!                    store and flow), approvals, tray_plugin, self_install, server (the MCP
//!                    server: tools, pass-through, transport)
//!    ↓
//! remote             remote (one HTTP client, the Tray API client, the MCP upstream client
//!                    for gateway and Headless, the token source trait)
//!    ↓
//! ground             config (a leaf: imports nothing of the crate), env, paths, tray, error,
//!                    notice, secrets, tool_filter, remote_text, fit, progress
//! ```

pub mod approvals;
pub mod clients;
pub mod commands;
pub mod config;
pub mod context;
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

#[cfg(test)]
mod layers_test;
