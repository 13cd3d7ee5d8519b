//! The JSON and JSONC backend: a scanner that finds byte ranges and an editor that splices new
//! text into them (see [`document`] for why, and [`scan`] for the measured speed).

pub mod document;
mod duplicates;
mod scan;
pub(crate) mod skim;
