//! The flags every command takes, before or after its name: `--json`, `-q`, `-v`, `--color`.
//!
//! Why its own module: they are not any command's options but how the binary talks (format,
//! how much, in colour or not), so they are defined once, `global`, and read by `main.rs`.
//! `--color` is also read from the raw arguments before clap parses them, because clap prints
//! its own help and errors while parsing, before any parsed value exists.

use std::ffi::OsString;

use clap::{Args, ValueEnum};
use tray_mcp::env::LogFilter;

/// The global flags (each `global = true`: accepted before or after the subcommand).
#[derive(Debug, Clone, Args)]
pub struct GlobalArgs {
    /// Print JSON for scripts (install, list, clients, remove, rename, token, doctor,
    /// uninstall, apply, export).
    #[arg(long, global = true, help_heading = "Output")]
    pub json: bool,

    /// Print errors only: no notes, no next steps (serve: log errors only).
    #[arg(
        short = 'q',
        long,
        global = true,
        help_heading = "Output",
        conflicts_with = "verbose"
    )]
    pub quiet: bool,

    /// Say more: serve logs debug (-v) or trace (-vv) unless --log-level says otherwise.
    #[arg(short = 'v', long, global = true, help_heading = "Output", action = clap::ArgAction::Count)]
    pub verbose: u8,

    /// Colour: auto (on a terminal, unless NO_COLOR is set), always, never.
    #[arg(long, global = true, help_heading = "Output", value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto, hide_possible_values = true)]
    pub color: ColorWhen,
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum ColorWhen {
    /// On a terminal, unless `NO_COLOR` is set.
    #[default]
    Auto,
    /// Always, even into a pipe.
    Always,
    /// Never.
    Never,
}

impl ColorWhen {
    /// The `--color` on a raw command line (`--color WHEN` or `--color=WHEN`, before any `--`);
    /// `Auto` when absent or not a valid value (clap then reports the bad value itself).
    pub fn from_raw_args(args: &[OsString]) -> ColorWhen {
        let mut found = ColorWhen::Auto;
        let mut iter = args.iter().skip(1).map(|arg| arg.to_string_lossy());
        while let Some(arg) = iter.next() {
            let value = if arg == "--" {
                break;
            } else if arg == "--color" {
                iter.next().map(|value| value.into_owned())
            } else {
                arg.strip_prefix("--color=").map(str::to_string)
            };
            if let Some(when) = value.and_then(|value| ColorWhen::from_str(&value, true).ok()) {
                found = when;
            }
        }
        found
    }

    /// For clap's own help and errors.
    pub fn for_clap(self) -> clap::ColorChoice {
        match self {
            ColorWhen::Auto => clap::ColorChoice::Auto,
            ColorWhen::Always => clap::ColorChoice::Always,
            ColorWhen::Never => clap::ColorChoice::Never,
        }
    }

    /// Makes every `anstream` writer of this process follow it (`Auto` keeps anstream's own
    /// detection: a terminal, `NO_COLOR`, `CLICOLOR_FORCE`).
    pub fn apply(self) {
        let choice = match self {
            ColorWhen::Auto => anstream::ColorChoice::Auto,
            ColorWhen::Always => anstream::ColorChoice::Always,
            ColorWhen::Never => anstream::ColorChoice::Never,
        };
        choice.write_global();
    }
}

impl GlobalArgs {
    /// The log filter `-q` / `-v` ask `serve` for (`None`: neither was given).
    pub fn log_filter(&self) -> Option<LogFilter> {
        let directives = match (self.quiet, self.verbose) {
            (true, _) => "error",
            (false, 0) => return None,
            (false, 1) => "tray_mcp=debug,info",
            (false, _) => "trace",
        };
        directives.parse().ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(args: &[&str]) -> Vec<OsString> {
        args.iter().map(OsString::from).collect()
    }

    #[test]
    fn color_is_found_in_the_raw_arguments_in_both_spellings_and_not_after_a_double_dash() {
        let found = |args: &[&str]| ColorWhen::from_raw_args(&raw(args));
        assert_eq!(found(&["tray-mcp", "list"]), ColorWhen::Auto);
        assert_eq!(found(&["tray-mcp", "--color", "never", "list"]), ColorWhen::Never);
        assert_eq!(found(&["tray-mcp", "list", "--color=always"]), ColorWhen::Always);
        assert_eq!(found(&["tray-mcp", "--", "--color=always"]), ColorWhen::Auto);
        assert_eq!(found(&["tray-mcp", "--color", "purple"]), ColorWhen::Auto);
    }

    #[test]
    fn quiet_and_verbose_choose_serves_log_filter() {
        let flags = |quiet, verbose| GlobalArgs {
            json: false,
            quiet,
            verbose,
            color: ColorWhen::Auto,
        };
        let filter = |text: &str| Some(text.parse::<LogFilter>().expect("a filter"));
        assert_eq!(flags(false, 0).log_filter(), None);
        assert_eq!(flags(true, 0).log_filter(), filter("error"));
        assert_eq!(flags(false, 1).log_filter(), filter("tray_mcp=debug,info"));
        assert_eq!(flags(false, 3).log_filter(), filter("trace"));
    }
}
