//! The commands a user runs. Each takes a plain request and an [`crate::paths::Environment`]
//! and returns a report; printing is left to the command-line layer.

pub mod install;
pub mod list;
pub mod remove;
pub mod report;
