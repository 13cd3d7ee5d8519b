//! The help a user reads: `tray-mcp --help` and `tray-mcp install --help`, snapshotted so a
//! change to a flag, its default or its environment variable shows up in review.

mod common;

use common::{FakeHome, outputs};

fn help(args: &[&str]) -> String {
    let home = FakeHome::new();
    let assert = home.command().args(args).env("COLUMNS", "100").assert().success();
    outputs(&assert).0
}

#[test]
fn top_level_help() {
    insta::assert_snapshot!("help", help(&["--help"]));
}

#[test]
fn install_help() {
    insta::assert_snapshot!("install_help", help(&["install", "--help"]));
}
