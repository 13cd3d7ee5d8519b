//! Where the binary that entries launch lives, and tray-mcp installing itself there.
//!
//! Why: a stdio entry names the binary by absolute path (GUI apps do not search the shell's
//! PATH). Started by `npx`, from a download folder or from `target/release`, that path is
//! transient: npm prunes its cache, `cargo clean` empties `target/`, temp folders are swept, and
//! the user's clients break weeks later with no hint. So before `install` writes an entry that
//! launches the binary, [`resolve`] decides whether the running binary is a stable install; when
//! it is not, the binary copies itself to the per-user install folder ([`install_dir`]) and the
//! entries point there.
//!
//! What counts as transient (everything else is a stable install, left where it is): a temp
//! folder (`/tmp`, `/var/folders`, `TMPDIR`/`TEMP`/`TMP`, `%LOCALAPPDATA%\Temp`; outside the
//! home folder, which may itself lie in one in a container), the
//! `Downloads` folder, npm's folders (a `node_modules`, `_npx`, `.npm` or `npm-cache` component:
//! the npx cache and the per-platform npm packages), and a cargo target folder (a `target`
//! component followed by `debug` or `release`). A fixed list of stable places would instead move
//! a binary the user put somewhere on purpose (`/opt/tools`, a package manager's folder) and
//! leave two copies to drift apart. `~/.local/bin`, `~/.cargo/bin` (`cargo install`), Homebrew's
//! prefix and `/usr/local/bin` are all stable by this rule; a Homebrew binary is named by its
//! `opt/tray-mcp` link rather than its versioned `Cellar` folder, which `brew upgrade` deletes.
//!
//! The copy is atomic (a temporary file in the same folder, fsync, rename over), so a newer
//! version replaces an older one without breaking servers that are running: on Unix they keep the
//! old inode; on Windows, where a running executable cannot be replaced but can be renamed, the
//! old file is moved aside first and deleted by a later install once nothing runs it.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use crate::error::CommandError;
use crate::notice::Notice;
use crate::paths::{Environment, Os};

/// Why a binary's folder is not a stable install.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transient {
    /// A temporary folder, which the system sweeps.
    TempFolder,
    /// The Downloads folder, which people clean out.
    Downloads,
    /// npm's folders (the npx cache, `node_modules`), which npm prunes and replaces.
    Npm,
    /// A cargo target folder, which `cargo clean` deletes.
    CargoTarget,
}

impl Transient {
    /// The folder, as a message names it.
    pub fn describe(self) -> &'static str {
        match self {
            Transient::TempFolder => "a temporary folder",
            Transient::Downloads => "the Downloads folder",
            Transient::Npm => "npm's package folders (npx cache or node_modules), which npm prunes",
            Transient::CargoTarget => "a cargo target folder, which `cargo clean` deletes",
        }
    }
}

/// The binary's file name on `os`.
pub fn binary_name(os: Os) -> &'static str {
    match os {
        Os::Windows => "tray-mcp.exe",
        Os::MacOs | Os::Linux => "tray-mcp",
    }
}

/// The per-user folder tray-mcp installs itself into: `TRAY_MCP_INSTALL_DIR`, else
/// `~/.local/bin` (macOS, Linux: the folder uv, pipx and the shell installer use, usually on
/// PATH), else `%LOCALAPPDATA%\Programs\tray-mcp` (Windows: where per-user programs go).
pub fn install_dir(environment: &Environment) -> PathBuf {
    if let Some(dir) = &environment.variables.install_dir {
        return dir.clone();
    }
    match environment.os {
        Os::Windows => environment.join(&environment.local_app_data_dir(), &["Programs", "tray-mcp"]),
        Os::MacOs | Os::Linux => environment.home_path(&[".local", "bin"]),
    }
}

/// Where [`install_dir`]'s binary is.
pub fn installed_binary(environment: &Environment) -> PathBuf {
    environment.join(&install_dir(environment), &[binary_name(environment.os)])
}

/// Whether `binary` is a stable install (`None`) or why not. A binary in [`install_dir`] is
/// always stable (that is where a transient one goes).
pub fn transient(environment: &Environment, binary: &Path) -> Option<Transient> {
    let fold = |text: &str| match environment.os {
        Os::Linux => text.to_string(),
        Os::MacOs | Os::Windows => text.to_lowercase(),
    };
    let inside = |path: &Path, folder: &Path| {
        let (path, folder) = (
            fold(&path.to_string_lossy()),
            fold(folder.to_string_lossy().trim_end_matches(['/', '\\'])),
        );
        !folder.is_empty()
            && path
                .strip_prefix(&folder)
                .is_some_and(|rest| rest.starts_with(['/', '\\']))
    };
    let within = |folder: &Path| inside(binary, folder);
    let text = fold(&binary.to_string_lossy());
    if within(&install_dir(environment)) {
        return None;
    }
    let components: Vec<&str> = text.split(['/', '\\']).filter(|part| !part.is_empty()).collect();
    if components
        .iter()
        .any(|part| matches!(*part, "node_modules" | "_npx" | ".npm" | "npm-cache"))
    {
        return Some(Transient::Npm);
    }
    if let Some(target) = components.iter().position(|part| *part == "target")
        && components[target + 1..]
            .iter()
            .any(|part| matches!(*part, "debug" | "release"))
    {
        return Some(Transient::CargoTarget);
    }
    // A home that is itself inside a temp folder (a container's, a test's fake home) does not
    // make everything in it temporary.
    let temp = temp_folders(environment);
    let home_in_temp = temp.iter().any(|folder| inside(&environment.home, folder));
    if !(home_in_temp && within(&environment.home)) && temp.iter().any(|folder| within(folder)) {
        return Some(Transient::TempFolder);
    }
    if within(&environment.home_path(&["Downloads"])) {
        return Some(Transient::Downloads);
    }
    None
}

/// The temporary folders of `environment`'s system.
fn temp_folders(environment: &Environment) -> Vec<PathBuf> {
    let mut folders = environment.variables.temp_dirs.clone();
    match environment.os {
        Os::Windows => {
            folders.push(environment.join(&environment.local_app_data_dir(), &["Temp"]));
            folders.push(PathBuf::from(r"C:\Windows\Temp"));
        }
        Os::MacOs | Os::Linux => {
            for folder in [
                "/tmp",
                "/var/tmp",
                "/var/folders",
                "/private/tmp",
                "/private/var/folders",
            ] {
                folders.push(PathBuf::from(folder));
            }
        }
    }
    folders
}

/// Where the entries should point, and whether the running binary must be copied there first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The path the entries name.
    pub entry_binary: PathBuf,
    /// The running binary and why its folder is transient, when it must be copied to
    /// `entry_binary` first.
    pub copy_from: Option<(PathBuf, Transient)>,
}

/// Decides where entries launched by `running` (the canonical path of this process's binary)
/// should point.
pub fn resolve(environment: &Environment, running: &Path) -> Placement {
    if let Some(link) = homebrew_link(running) {
        return Placement {
            entry_binary: link,
            copy_from: None,
        };
    }
    match transient(environment, running) {
        None => Placement {
            entry_binary: running.to_path_buf(),
            copy_from: None,
        },
        Some(reason) => Placement {
            entry_binary: installed_binary(environment),
            copy_from: Some((running.to_path_buf(), reason)),
        },
    }
}

/// For a binary in Homebrew's `Cellar/tray-mcp/<version>/bin/`, the `opt/tray-mcp/bin/` link
/// that survives `brew upgrade`, when it exists.
fn homebrew_link(running: &Path) -> Option<PathBuf> {
    let file = running.file_name()?;
    let version_dir = running.parent()?.parent()?;
    let formula_dir = version_dir.parent()?;
    let cellar = formula_dir.parent()?;
    if running.parent()?.file_name()? != "bin"
        || formula_dir.file_name()? != "tray-mcp"
        || cellar.file_name()? != "Cellar"
    {
        return None;
    }
    let link = cellar.parent()?.join("opt").join("tray-mcp").join("bin").join(file);
    link.exists().then_some(link)
}

/// Puts the binary where `placement` says (unless `dry_run`), and says what it did: the notes
/// of the install's report. When the same binary is already there, it says nothing: the user
/// was told where it lives (and whether that folder is on PATH) when it was copied, and a note
/// repeated on every command is one nobody reads.
pub fn place(environment: &Environment, placement: &Placement, dry_run: bool) -> Result<Vec<Notice>, CommandError> {
    let Some((running, reason)) = &placement.copy_from else {
        return Ok(Vec::new());
    };
    let target = environment.display_path(&placement.entry_binary);
    let from = format!(
        "it runs from {}: {}",
        reason.describe(),
        environment.display_path(running)
    );
    if dry_run {
        if !copy_needed(placement) {
            return Ok(Vec::new());
        }
        return Ok(vec![Notice::note(format!(
            "would install tray-mcp {VERSION} to {target} first ({from}); the entries point there"
        ))]);
    }
    let copied = install_copy(running, &placement.entry_binary).map_err(|error| {
        CommandError::failure(
            format!("could not install tray-mcp to {target}: {error}; no file was changed"),
            format!(
                "set {} to a folder you can write to, or install tray-mcp first (see the README)",
                crate::env::TRAY_MCP_INSTALL_DIR
            ),
        )
    })?;
    let done = match copied {
        Copied::Installed => "installed",
        Copied::Replaced => "replaced the binary with",
        Copied::AlreadyThere => return Ok(Vec::new()),
    };
    let mut notices = vec![Notice::note(format!(
        "{done} tray-mcp {VERSION} at {target} ({from}); the entries point there"
    ))];
    let folder = install_dir(environment);
    let on_path = environment
        .path_var
        .as_ref()
        .is_some_and(|path| std::env::split_paths(path).any(|dir| dir == folder));
    if !on_path {
        notices.push(Notice::note(format!(
            "{} is not on PATH: the entries work anyway (they name the full path); add it to run `tray-mcp` by name",
            environment.display_path(&folder)
        )));
    }
    Ok(notices)
}

/// Whether `placement` still has a binary to copy: it runs from a transient folder and the
/// target does not hold the same bytes yet.
fn copy_needed(placement: &Placement) -> bool {
    placement.copy_from.as_ref().is_some_and(|(running, _)| {
        !(placement.entry_binary.exists() && same_contents(running, &placement.entry_binary).unwrap_or(false))
    })
}

/// The wizard's review line for the binary's copy, when the install will make one:
/// `~/.local/bin/tray-mcp  (tray-mcp 0.1.0, now running from a temporary folder)`.
pub fn pending_copy(environment: &Environment, placement: &Placement) -> Option<String> {
    let (_, reason) = placement.copy_from.as_ref().filter(|_| copy_needed(placement))?;
    Some(format!(
        "{}  (tray-mcp {VERSION}, now running from {})",
        environment.display_path(&placement.entry_binary),
        reason.describe()
    ))
}

/// This build's version, as `--version` and `serve`'s `serverInfo` give it.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// What [`install_copy`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Copied {
    /// There was no binary at the target.
    Installed,
    /// Another binary was there and was replaced.
    Replaced,
    /// The same bytes were already there.
    AlreadyThere,
}

/// How the system lets a binary that may be running be replaced or removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Replacing {
    /// Unix: a rename over it or an unlink leaves running processes the old inode.
    InPlace,
    /// Windows: a running executable cannot be overwritten or deleted, but it can be renamed, so
    /// it is moved aside first (and deleted by a later install once nothing runs it).
    MoveAsideFirst,
}

/// This system's [`Replacing`].
const HOST_REPLACING: Replacing = if cfg!(windows) {
    Replacing::MoveAsideFirst
} else {
    Replacing::InPlace
};

/// Copies `source` to `target` atomically: a temporary file in the target's folder, fsync,
/// executable bits, rename over (on Windows, the old file moved aside first).
pub fn install_copy(source: &Path, target: &Path) -> io::Result<Copied> {
    install_copy_with(source, target, HOST_REPLACING)
}

/// [`install_copy`] with the system's way of replacing a running binary given (tests run the
/// Windows sequence everywhere).
fn install_copy_with(source: &Path, target: &Path, replacing: Replacing) -> io::Result<Copied> {
    let existed = target.exists();
    if existed && same_contents(source, target)? {
        return Ok(Copied::AlreadyThere);
    }
    let folder = target
        .parent()
        .ok_or_else(|| io::Error::new(io::ErrorKind::InvalidInput, "the install path has no folder"))?;
    fs::create_dir_all(folder)?;
    remove_moved_aside(target);
    let file_name = target
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut temporary = tempfile::Builder::new()
        .prefix(&format!(".{file_name}.new-"))
        .tempfile_in(folder)?;
    io::copy(&mut File::open(source)?, temporary.as_file_mut())?;
    make_executable(temporary.as_file())?;
    temporary.as_file().sync_all()?;
    if existed && replacing == Replacing::MoveAsideFirst {
        move_aside(target)?;
    }
    temporary.persist(target).map_err(|error| error.error)?;
    if cfg!(unix)
        && let Ok(handle) = File::open(folder)
    {
        let _ = handle.sync_all();
    }
    Ok(if existed { Copied::Replaced } else { Copied::Installed })
}

/// Whether two files hold the same bytes.
fn same_contents(left: &Path, right: &Path) -> io::Result<bool> {
    if fs::metadata(left)?.len() != fs::metadata(right)?.len() {
        return Ok(false);
    }
    Ok(fs::read(left)? == fs::read(right)?)
}

#[cfg(unix)]
fn make_executable(file: &File) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    file.set_permissions(fs::Permissions::from_mode(0o755))
}

#[cfg(not(unix))]
fn make_executable(_file: &File) -> io::Result<()> {
    Ok(())
}

/// The name a replaced (possibly running) Windows binary is moved to.
fn aside_name(target: &Path, index: u32) -> PathBuf {
    let mut name = target.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".old-{}-{index}", std::process::id()));
    target.with_file_name(name)
}

/// Renames `target` (a binary that may be running) to the first free [`aside_name`], so a new one
/// can take its name ([`Replacing::MoveAsideFirst`]). Returns where it went.
fn move_aside(target: &Path) -> io::Result<PathBuf> {
    let aside = (0..100)
        .map(|index| aside_name(target, index))
        .find(|candidate| !candidate.exists())
        .ok_or_else(|| io::Error::other("too many old tray-mcp binaries beside the install path"))?;
    fs::rename(target, &aside)?;
    Ok(aside)
}

/// Deletes binaries an earlier install moved aside (best effort: one still running stays).
fn remove_moved_aside(target: &Path) {
    let (Some(folder), Some(name)) = (target.parent(), target.file_name()) else {
        return;
    };
    let prefix = format!("{}.old-", name.to_string_lossy());
    let Ok(entries) = fs::read_dir(folder) else { return };
    for entry in entries.flatten() {
        if entry.file_name().to_string_lossy().starts_with(&prefix) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// What [`remove_binary`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Removed {
    /// The binary was deleted.
    Deleted,
    /// The binary is running (Windows): it was moved aside and goes with the next install.
    MovedAside,
    /// There was none.
    NotThere,
}

/// Removes the installed binary at `target`. Servers that run it keep running (Unix: the inode
/// lives on; Windows: the file is renamed, since a running executable cannot be deleted).
pub fn remove_binary(target: &Path) -> io::Result<Removed> {
    remove_binary_with(target, HOST_REPLACING, |path| fs::remove_file(path))
}

/// [`remove_binary`] with the system's way of replacing and its file deletion given: Windows
/// refuses to delete a running executable with "access denied", which `remove` may simulate.
fn remove_binary_with(
    target: &Path,
    replacing: Replacing,
    remove: impl FnOnce(&Path) -> io::Result<()>,
) -> io::Result<Removed> {
    remove_moved_aside(target);
    match remove(target) {
        Ok(()) => Ok(Removed::Deleted),
        Err(error) if error.kind() == io::ErrorKind::NotFound => Ok(Removed::NotThere),
        Err(error) if replacing == Replacing::MoveAsideFirst && error.kind() == io::ErrorKind::PermissionDenied => {
            move_aside(target)?;
            Ok(Removed::MovedAside)
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::paths::tests::environment_for;

    #[test]
    fn the_install_folder_follows_each_os_and_the_variable() {
        assert_eq!(
            installed_binary(&environment_for(Os::Linux)),
            PathBuf::from("/home/ada/.local/bin/tray-mcp")
        );
        assert_eq!(
            installed_binary(&environment_for(Os::MacOs)),
            PathBuf::from("/Users/ada/.local/bin/tray-mcp")
        );
        let mut windows = environment_for(Os::Windows);
        assert_eq!(
            installed_binary(&windows),
            PathBuf::from(r"C:\Users\ada\AppData\Local\Programs\tray-mcp\tray-mcp.exe")
        );
        windows.variables.local_appdata = Some(PathBuf::from(r"D:\Local"));
        assert_eq!(
            installed_binary(&windows),
            PathBuf::from(r"D:\Local\Programs\tray-mcp\tray-mcp.exe")
        );
        let mut linux = environment_for(Os::Linux);
        linux.variables.install_dir = Some(PathBuf::from("/opt/tray"));
        assert_eq!(installed_binary(&linux), PathBuf::from("/opt/tray/tray-mcp"));
    }

    #[test]
    fn npx_downloads_temp_and_cargo_targets_are_transient() {
        let linux = environment_for(Os::Linux);
        for (path, reason) in [
            (
                "/home/ada/.npm/_npx/1a2b/node_modules/@tray-mcp/linux-x64/bin/tray-mcp",
                Transient::Npm,
            ),
            ("/usr/lib/node_modules/tray-mcp/bin/tray-mcp", Transient::Npm),
            ("/home/ada/src/tray-mcp/target/release/tray-mcp", Transient::CargoTarget),
            (
                "/home/ada/src/tray-mcp/target/x86_64-unknown-linux-musl/release/tray-mcp",
                Transient::CargoTarget,
            ),
            ("/tmp/tray-mcp-0.1.0/tray-mcp", Transient::TempFolder),
            ("/home/ada/Downloads/tray-mcp", Transient::Downloads),
        ] {
            assert_eq!(transient(&linux, Path::new(path)), Some(reason), "{path}");
        }
        let mac = environment_for(Os::MacOs);
        assert_eq!(
            transient(&mac, Path::new("/private/var/folders/x/T/tray-mcp")),
            Some(Transient::TempFolder)
        );
        let windows = environment_for(Os::Windows);
        for (path, reason) in [
            (
                r"C:\Users\ada\AppData\Local\npm-cache\_npx\9f\node_modules\@tray-mcp\win32-x64\tray-mcp.exe",
                Transient::Npm,
            ),
            (r"C:\Users\ada\AppData\Local\Temp\tray-mcp.exe", Transient::TempFolder),
            (r"C:\Users\Ada\downloads\tray-mcp.exe", Transient::Downloads),
        ] {
            assert_eq!(transient(&windows, Path::new(path)), Some(reason), "{path}");
        }
    }

    #[test]
    fn installed_places_are_stable() {
        let linux = environment_for(Os::Linux);
        for path in [
            "/home/ada/.local/bin/tray-mcp",
            "/home/ada/.cargo/bin/tray-mcp",
            "/usr/local/bin/tray-mcp",
            "/home/linuxbrew/.linuxbrew/bin/tray-mcp",
            "/opt/tools/tray-mcp",
            "/home/ada/targets/tray-mcp",
        ] {
            assert_eq!(transient(&linux, Path::new(path)), None, "{path}");
        }
        let mut in_temp = environment_for(Os::Linux);
        in_temp.variables.install_dir = Some(PathBuf::from("/tmp/fake-home/bin"));
        assert_eq!(
            transient(&in_temp, Path::new("/tmp/fake-home/bin/tray-mcp")),
            None,
            "the install folder is stable wherever it is"
        );
        let mut home_in_tmp = environment_for(Os::Linux);
        home_in_tmp.home = PathBuf::from("/tmp/home-ada");
        assert_eq!(
            transient(&home_in_tmp, Path::new("/tmp/home-ada/opt/bin/tray-mcp")),
            None,
            "a home inside /tmp is not a temp folder"
        );
        assert_eq!(
            transient(&home_in_tmp, Path::new("/tmp/download/tray-mcp")),
            Some(Transient::TempFolder)
        );
        let windows = environment_for(Os::Windows);
        assert_eq!(
            transient(
                &windows,
                Path::new(r"C:\Users\ada\AppData\Local\Programs\tray-mcp\tray-mcp.exe")
            ),
            None
        );
    }

    #[test]
    fn a_transient_binary_is_placed_in_the_install_folder() {
        let linux = environment_for(Os::Linux);
        let running = Path::new("/home/ada/.npm/_npx/1/node_modules/@tray-mcp/linux-x64/bin/tray-mcp");
        assert_eq!(
            resolve(&linux, running),
            Placement {
                entry_binary: PathBuf::from("/home/ada/.local/bin/tray-mcp"),
                copy_from: Some((running.to_path_buf(), Transient::Npm)),
            }
        );
        let stable = Path::new("/home/ada/.cargo/bin/tray-mcp");
        assert_eq!(resolve(&linux, stable).entry_binary, stable);
        assert_eq!(resolve(&linux, stable).copy_from, None);
    }

    #[test]
    fn the_review_names_a_copy_only_while_one_is_needed() {
        let linux = environment_for(Os::Linux);
        let folder = tempfile::tempdir().expect("tempdir");
        let running = folder.path().join("tray-mcp");
        fs::write(&running, b"binary").expect("write");
        let target = folder.path().join("bin/tray-mcp");
        let placement = Placement {
            entry_binary: target.clone(),
            copy_from: Some((running.clone(), Transient::TempFolder)),
        };
        let line = pending_copy(&linux, &placement).expect("a copy to make");
        assert!(line.contains("now running from a temporary folder"), "{line}");
        install_copy(&running, &target).expect("copy");
        assert_eq!(pending_copy(&linux, &placement), None, "the same bytes are there");
        let stable = Placement {
            entry_binary: running.clone(),
            copy_from: None,
        };
        assert_eq!(pending_copy(&linux, &stable), None);
    }

    #[test]
    fn a_homebrew_binary_is_named_by_its_opt_link() {
        let prefix = tempfile::tempdir().expect("dir");
        let cellar = prefix.path().join("Cellar/tray-mcp/0.1.0/bin/tray-mcp");
        let link = prefix.path().join("opt/tray-mcp/bin/tray-mcp");
        for path in [&cellar, &link] {
            fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            fs::write(path, "binary").expect("write");
        }
        let placement = resolve(&environment_for(Os::MacOs), &cellar);
        assert_eq!(placement.entry_binary, link);
        assert_eq!(placement.copy_from, None);
    }

    #[test]
    fn a_copy_replaces_atomically_and_keeps_an_open_old_file_intact() {
        let folder = tempfile::tempdir().expect("dir");
        let (old, new, target) = (
            folder.path().join("old"),
            folder.path().join("new"),
            folder.path().join("bin/tray-mcp"),
        );
        fs::write(&old, "version 1").expect("write");
        fs::write(&new, "version 2").expect("write");
        assert_eq!(install_copy(&old, &target).expect("copy"), Copied::Installed);
        assert_eq!(install_copy(&old, &target).expect("copy"), Copied::AlreadyThere);
        let mut running = File::open(&target).expect("open, as a running server holds it");
        assert_eq!(install_copy(&new, &target).expect("copy"), Copied::Replaced);
        assert_eq!(fs::read_to_string(&target).expect("read"), "version 2");
        let mut held = String::new();
        io::Read::read_to_string(&mut running, &mut held).expect("read the old inode");
        assert_eq!(held, "version 1", "a running server keeps its binary");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = fs::metadata(&target).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o755);
        }
        let leftovers: Vec<_> = fs::read_dir(target.parent().expect("parent"))
            .expect("list")
            .flatten()
            .map(|entry| entry.file_name())
            .collect();
        assert_eq!(
            leftovers,
            vec![std::ffi::OsString::from("tray-mcp")],
            "no temporary file left"
        );
        assert_eq!(remove_binary(&target).expect("remove"), Removed::Deleted);
        assert_eq!(remove_binary(&target).expect("remove"), Removed::NotThere);
    }

    /// The names in `folder`, sorted.
    fn names_in(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .expect("list")
            .flatten()
            .map(|entry| entry.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn on_windows_the_running_binary_is_moved_aside_and_removed_by_the_next_install() {
        let folder = tempfile::tempdir().expect("dir");
        let bin = folder.path().join("Programs");
        let target = bin.join("tray-mcp.exe");
        let versions: Vec<PathBuf> = (1..=3)
            .map(|version| {
                let path = folder.path().join(format!("v{version}"));
                fs::write(&path, format!("version {version}")).expect("write");
                path
            })
            .collect();
        let aside = |index| format!("tray-mcp.exe.old-{}-{index}", std::process::id());
        let windows = Replacing::MoveAsideFirst;

        assert_eq!(
            install_copy_with(&versions[0], &target, windows).expect("copy"),
            Copied::Installed
        );
        assert_eq!(names_in(&bin), ["tray-mcp.exe"]);
        assert_eq!(
            install_copy_with(&versions[1], &target, windows).expect("copy"),
            Copied::Replaced
        );
        assert_eq!(
            names_in(&bin),
            ["tray-mcp.exe".to_string(), aside(0)],
            "the old one moved aside"
        );
        assert_eq!(fs::read_to_string(bin.join(aside(0))).expect("read"), "version 1");
        assert_eq!(fs::read_to_string(&target).expect("read"), "version 2");

        // The next install deletes what an earlier one moved aside (here nothing runs it).
        assert_eq!(
            install_copy_with(&versions[2], &target, windows).expect("copy"),
            Copied::Replaced
        );
        assert_eq!(names_in(&bin), ["tray-mcp.exe".to_string(), aside(0)]);
        assert_eq!(fs::read_to_string(bin.join(aside(0))).expect("read"), "version 2");
        assert_eq!(fs::read_to_string(&target).expect("read"), "version 3");

        // A name still taken (a binary still running) is skipped, not overwritten.
        let still_running = bin.join(aside(0));
        assert_eq!(move_aside(&target).expect("move"), bin.join(aside(1)));
        assert_eq!(fs::read_to_string(&still_running).expect("read"), "version 2");
    }

    #[test]
    fn on_windows_a_running_binary_that_cannot_be_deleted_is_moved_aside() {
        let folder = tempfile::tempdir().expect("dir");
        let target = folder.path().join("tray-mcp.exe");
        fs::write(&target, "running").expect("write");
        fs::write(folder.path().join("tray-mcp.exe.keep"), "not ours").expect("write");
        let access_denied = |_: &Path| Err(io::Error::from(io::ErrorKind::PermissionDenied));

        let removed = remove_binary_with(&target, Replacing::MoveAsideFirst, access_denied).expect("remove");
        assert_eq!(removed, Removed::MovedAside);
        let aside = format!("tray-mcp.exe.old-{}-0", std::process::id());
        assert_eq!(names_in(folder.path()), ["tray-mcp.exe.keep".to_string(), aside]);

        // Once it no longer runs, the next removal deletes it, and only it.
        let removed = remove_binary_with(&target, Replacing::MoveAsideFirst, |path| fs::remove_file(path));
        assert_eq!(removed.expect("remove"), Removed::NotThere);
        assert_eq!(names_in(folder.path()), ["tray-mcp.exe.keep"]);

        // On Unix "access denied" is a real error (the folder is not writable), not a running file.
        fs::write(&target, "binary").expect("write");
        let error = remove_binary_with(&target, Replacing::InPlace, access_denied).expect_err("an error");
        assert_eq!(error.kind(), io::ErrorKind::PermissionDenied);
        assert!(target.exists());
    }
}
