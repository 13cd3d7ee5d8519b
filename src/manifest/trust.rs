//! What `apply` trusts a manifest to run.
//!
//! A token `command` is a program `apply` starts as the user. Whoever wrote the manifest decides
//! which program, so a manifest must be the user's before its commands run:
//!
//! - A manifest found **implicitly** (`tray-mcp.toml` in the current folder, no `--file`) may
//!   have come with a repository the user just cloned. `apply` refuses to run its commands
//!   unless the user names it (`--file tray-mcp.toml`: "I wrote this, or I trust it") or says
//!   `--allow-commands`. Its `env`, `keychain` and `file` sources are read as usual: they run
//!   nothing.
//! - A **dry run** and **`--check`** run no command at all unless `--allow-commands` is given
//!   (a dry run is what a careful user does first with a manifest they did not write): the token
//!   of such an entry shows as `<from command: …>`, and `--check` does not compare it, saying so.
//! - On Unix, a manifest whose commands would run must belong to the user running tray-mcp (or
//!   to root) and be writable by no one else, as ssh treats its own files: otherwise another
//!   account could choose the program. No flag overrides this; copying the file makes it the
//!   user's.

use super::Manifest;
use crate::error::CommandError;
use crate::manifest::plan::ApplyOptions;

/// Where a manifest came from, for the decisions above.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Origin {
    /// Named with `--file` (not found implicitly in the current folder).
    pub named: bool,
    /// Why another account could have chosen its contents (owner, mode), if so.
    pub foreign: Option<String>,
}

impl Origin {
    /// The origin of the manifest at `path`, `named` when the user gave its path.
    pub fn of(path: &std::path::Path, named: bool) -> Origin {
        Origin {
            named,
            foreign: foreign(path),
        }
    }
}

#[cfg(unix)]
fn foreign(path: &std::path::Path) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let metadata = std::fs::metadata(path).ok()?;
    // SAFETY: geteuid has no preconditions and cannot fail.
    let user = unsafe { libc::geteuid() };
    if metadata.uid() != user && metadata.uid() != 0 {
        return Some(format!("it belongs to another account (uid {})", metadata.uid()));
    }
    let mode = metadata.mode() & 0o777;
    (mode & 0o022 != 0).then(|| format!("other accounts may write it (mode {mode:03o})"))
}

#[cfg(not(unix))]
fn foreign(_path: &std::path::Path) -> Option<String> {
    None
}

/// Whether `apply` with `options` runs the manifest's token commands; an error when it must
/// not and the run needs them (a real apply of an implicitly found manifest, or of a manifest
/// another account could have written).
pub fn commands_run(manifest: &Manifest, options: ApplyOptions) -> Result<bool, CommandError> {
    let Some(first) = manifest.servers.iter().find(|server| server.token_from_command()) else {
        return Ok(false);
    };
    let writes = !options.dry_run && !options.check;
    let runs = options.allow_commands || (writes && manifest.origin.named);
    let (line, column) = first.position;
    let at = format!("{}:{line}:{column}", manifest.shown_path);
    if writes && !runs {
        return Err(CommandError::usage(
            format!(
                "{at}: the manifest found in the current folder runs a command for the token of \"{}\", and apply runs a manifest's commands only when told to",
                first.name
            ),
            format!(
                "a manifest in the current folder may have come with a repository: read it (`tray-mcp apply --dry-run` runs no command), then name it with `--file {}` or pass --allow-commands",
                manifest.shown_path
            ),
        ));
    }
    if let (true, Some(why)) = (runs, &manifest.origin.foreign) {
        return Err(CommandError::usage(
            format!(
                "{at}: the manifest runs a command for the token of \"{}\", but {why}, so another account could choose what runs",
                first.name
            ),
            format!(
                "make it yours and writable by you alone (`chmod go-w {0}`, or copy it), or drop --allow-commands to dry-run it",
                manifest.shown_path
            ),
        ));
    }
    Ok(runs)
}
