//! tray-mcp's integration tests, linked into ONE test binary (as uv and rustup do): each module
//! below used to be its own `tests/*.rs` binary, each linked against the whole dependency tree.
//! Every test runs the real `tray-mcp` binary against a fake home ([`support`]).
//!
//! Tests that need the pinned external tools (`scripts/test.sh` installs them into
//! `target/test-tools/` and sets `TRAY_MCP_TEST_TOOLS`) are `#[ignore = "needs scripts/test.sh"]`:
//! a plain `cargo test` lists them as ignored instead of counting them as passed, and
//! `scripts/test.sh` runs them with `--include-ignored`. See `tests/README.md` for which module
//! covers which behaviour.

mod support;

mod ansible;
mod apply;
mod approve;
mod bundle;
mod cli_help;
mod client_filters;
mod client_filters_apply;
mod clients_codex;
mod clients_every;
mod clients_files;
mod clients_recognize;
mod concurrency;
mod conformance;
mod containers;
mod docs;
mod doctor;
mod env_values;
mod failures;
mod install_entries;
mod install_signin;
mod keychain;
mod link;
mod list_remove;
mod manage;
mod oauth;
mod oauth_e2e;
mod preserve;
mod reads;
mod real_claude_code;
mod real_clients;
mod real_codex;
mod registry;
mod release_artifacts;
mod release_config;
mod self_install;
mod serve_claude_code;
mod serve_gateway;
mod serve_gateway_everything;
mod serve_headless;
mod serve_protocol;
mod serve_tools;
mod serve_tray_api;
mod terminal_output;
mod token_from_env;
mod tray_plugin;
mod wizard;
