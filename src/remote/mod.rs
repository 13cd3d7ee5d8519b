//! The remote layer: everything tray-mcp says to a server over the network, below every part
//! that decides what to say.
//!
//! Why a layer of its own: `serve`, the sign-in (`oauth`), `doctor --online` and `verify` all
//! reach the same servers the same way. Kept inside `server/`, the sign-in had to import the
//! server while the server imported the sign-in; here it is shared plumbing that imports none of
//! them (only the ground: `env`, `error`, `tray`, `remote_text`).
//!
//! Layout:
//! - [`http`]: the one HTTP client builder (TLS roots, proxies, time limits) and error chains.
//! - [`tray_api`]: Tray's REST and GraphQL APIs behind the [`backend::Backend`] trait, with the
//!   workspace types ([`model`]), per-endpoint access ([`access`]), the workflow export reader
//!   ([`export`]) and the operations' own request shapes ([`operations`]).
//! - [`gateway`] and [`sse`]: the MCP upstream client over Streamable HTTP (Agent Gateway and
//!   Headless MCP), and the MCP protocol version.
//! - [`token`]: the token source trait ([`token::AccessTokenSource`]) that both clients take
//!   their bearer from, and that the sign-in implements.

pub mod access;
pub mod backend;
pub mod export;
pub mod gateway;
pub mod http;
pub mod model;
pub mod operations;
pub mod sse;
pub mod token;
pub mod tray_api;
