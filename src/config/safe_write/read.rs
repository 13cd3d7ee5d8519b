//! Reading a user's file, and finding the file a symlink really points at.
//!
//! Why together: both answer "what does this path hold now" before anything is planned, and the
//! buffer trick below is what keeps reading (and then editing) a 20 MB file cheap.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// Follows symlinks to the file that really holds the content, so that writing replaces the
/// target and keeps the link (a missing file resolves to itself, or to a dangling link's
/// target), and says whether `path` reaches its file through a symlink: the file itself, or any
/// folder on its way below `root` (links above it, such as a home directory on another disk, do
/// not count; a path outside `root` is judged by the file itself).
///
/// A path with nothing at it (the usual case for a client not set up yet) costs one `lstat` and
/// one per folder below `root`: `canonicalize` would read every folder on the way as a link
/// before failing (7 calls for `~/.config/Claude/claude_desktop_config.json`; 187 of an
/// every-client install's 1,908), and asking the two questions apart took a second `lstat` of
/// the file (7 `statx` more for an install into five clients, 24 for every client).
pub fn resolve_below(path: &Path, root: &Path) -> (PathBuf, bool) {
    let Ok(metadata) = fs::symlink_metadata(path) else {
        // Nothing at the path: it is no link itself; a folder on its way may be.
        return (path.to_path_buf(), folder_is_link(path, root));
    };
    let through_link = metadata.file_type().is_symlink() || folder_is_link(path, root);
    (resolve_existing(path), through_link)
}

/// Where the file at `path` (something is there) really is.
fn resolve_existing(path: &Path) -> PathBuf {
    if let Ok(canonical) = fs::canonicalize(path) {
        return canonical;
    }
    let mut current = path.to_path_buf();
    for _ in 0..32 {
        match fs::read_link(&current) {
            Ok(target) => {
                current = match current.parent() {
                    Some(parent) if target.is_relative() => parent.join(target),
                    _ => target,
                };
            }
            Err(_) => break,
        }
    }
    current
}

/// The most tray-mcp reads of any one file: 256 MiB.
///
/// Why this much: Claude Code's `~/.claude.json` keeps every project's history and reaches tens
/// of megabytes; no config or tray-mcp file comes near a quarter of a gigabyte. Why a limit at
/// all: a config linked to `/dev/zero`, or a file something keeps appending to, would otherwise
/// grow the process until the machine runs out of memory.
pub const READ_LIMIT: u64 = 256 << 20;

/// Why a file was not read: it is no regular file, or it is larger than [`READ_LIMIT`]. Carried
/// inside an [`io::Error`] so every reader's existing error path reports it; [`Unreadable::of`]
/// finds it again to word the message and the hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unreadable {
    /// A FIFO, socket, device or folder: reading one can block for ever or never end.
    NotRegular(&'static str),
    /// Larger than [`READ_LIMIT`].
    TooLarge,
}

impl Unreadable {
    /// The refusal inside `error`, if that is what it is.
    pub fn of(error: &io::Error) -> Option<Unreadable> {
        error.get_ref()?.downcast_ref::<Unreadable>().copied()
    }

    /// What the user can do about it.
    pub fn hint(self) -> &'static str {
        match self {
            Unreadable::NotRegular(_) => {
                "tray-mcp reads only regular files (and symlinks to them): a FIFO or a device could hang it or never end; put a regular file there"
            }
            Unreadable::TooLarge => {
                "tray-mcp reads at most 256 MiB of a file, far more than any config holds; move the file aside if it is not the config"
            }
        }
    }

    fn error(self) -> io::Error {
        io::Error::new(io::ErrorKind::InvalidData, self)
    }
}

impl std::fmt::Display for Unreadable {
    fn fmt(&self, formatter: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Unreadable::NotRegular(what) => write!(formatter, "it is {what}, not a regular file"),
            Unreadable::TooLarge => write!(formatter, "it is larger than 256 MiB"),
        }
    }
}

impl std::error::Error for Unreadable {}

/// Opens a file for reading if it is a regular file (a symlink is followed) no larger than
/// [`READ_LIMIT`]; `None` when it does not exist. A FIFO is opened without waiting for a writer
/// (`O_NONBLOCK`), then refused.
pub fn open_regular(path: &Path) -> io::Result<Option<File>> {
    Ok(open_regular_with_metadata(path)?.map(|(file, _)| file))
}

/// [`open_regular`], with the metadata of the file it opened (the check's own `fstat`).
fn open_regular_with_metadata(path: &Path) -> io::Result<Option<(File, fs::Metadata)>> {
    super::read_log::note_read(path);
    let mut options = fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = match options.open(path) {
        Ok(file) => file,
        Err(error) if error.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(error) => return Err(error),
    };
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(Unreadable::NotRegular(kind_of(&metadata)).error());
    }
    if metadata.len() > READ_LIMIT {
        return Err(Unreadable::TooLarge.error());
    }
    #[cfg(unix)]
    {
        // Back to blocking reads (a regular file never blocks, but be plain about it).
        use std::os::unix::io::AsRawFd;
        // SAFETY: fcntl on a descriptor this function owns; only the status flags change.
        unsafe {
            let flags = libc::fcntl(file.as_raw_fd(), libc::F_GETFL);
            if flags >= 0 {
                libc::fcntl(file.as_raw_fd(), libc::F_SETFL, flags & !libc::O_NONBLOCK);
            }
        }
    }
    Ok(Some((file, metadata)))
}

/// What a file that is not regular is, for the message.
fn kind_of(metadata: &fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let kind = metadata.file_type();
        if kind.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if kind.is_socket() {
            return "a socket";
        }
        if kind.is_char_device() || kind.is_block_device() {
            return "a device";
        }
    }
    if metadata.is_dir() {
        "a folder"
    } else {
        "not a regular file"
    }
}

/// Reads a file; `None` when it does not exist. Only a regular file no larger than
/// [`READ_LIMIT`] is read (see [`open_regular`]).
pub fn read_if_exists(path: &Path) -> io::Result<Option<Vec<u8>>> {
    Ok(read_with_metadata(path)?.map(|(bytes, _)| bytes))
}

/// [`read_if_exists`], with the metadata of the file read, taken from the open file before its
/// bytes (what a path's `stat` would say, without asking again).
pub fn read_with_metadata(path: &Path) -> io::Result<Option<(Vec<u8>, fs::Metadata)>> {
    use std::io::Read;
    let Some((file, metadata)) = open_regular_with_metadata(path)? else {
        return Ok(None);
    };
    let mut bytes = buffer_with_capacity(metadata.len() as usize + 1);
    // One byte past the limit tells a file that grew past it while being read.
    file.take(READ_LIMIT + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > READ_LIMIT {
        return Err(Unreadable::TooLarge.error());
    }
    Ok(Some((bytes, metadata)))
}

/// [`std::fs::read_to_string`] for tray-mcp's own files and the client files it only reads:
/// regular files no larger than [`READ_LIMIT`]; a missing file is a `NotFound` error, as there.
pub fn read_to_string(path: &Path) -> io::Result<String> {
    let bytes = read_if_exists(path)?.ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))?;
    String::from_utf8(bytes).map_err(|error| io::Error::new(io::ErrorKind::InvalidData, error))
}

/// [`std::fs::read`] with the same limits as [`read_to_string`].
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    read_if_exists(path)?.ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
}

/// An empty buffer with room for `capacity` bytes. Large buffers ask Linux for huge pages:
/// filling a fresh 24 MB buffer page by page costs ~6,000 page faults (35 ms measured on this
/// machine, more than the edit itself); with transparent huge pages it is a dozen.
pub fn buffer_with_capacity(capacity: usize) -> Vec<u8> {
    let buffer = Vec::with_capacity(capacity);
    #[cfg(target_os = "linux")]
    advise_huge_pages(&buffer);
    buffer
}

#[cfg(target_os = "linux")]
fn advise_huge_pages(buffer: &Vec<u8>) {
    const HUGE_PAGE: usize = 2 << 20;
    if buffer.capacity() < 2 * HUGE_PAGE {
        return;
    }
    let start = buffer.as_ptr() as usize;
    let aligned_start = start.next_multiple_of(HUGE_PAGE);
    let aligned_end = (start + buffer.capacity()) / HUGE_PAGE * HUGE_PAGE;
    if aligned_end > aligned_start {
        // SAFETY: the range lies inside the buffer's own allocation; MADV_HUGEPAGE is only a
        // hint about how to back it and changes no byte (the buffer is still untouched).
        unsafe {
            libc::madvise(
                aligned_start as *mut libc::c_void,
                aligned_end - aligned_start,
                libc::MADV_HUGEPAGE,
            );
        }
    }
}

/// Whether a folder on the way to `path` below `root` is a symlink (the file itself is not
/// asked; a path outside `root` has no such folders).
fn folder_is_link(path: &Path, root: &Path) -> bool {
    let Some(folder) = path.parent() else { return false };
    let Ok(relative) = folder.strip_prefix(root) else {
        return false;
    };
    let mut current = root.to_path_buf();
    relative.components().any(|component| {
        current.push(component);
        is_link(&current)
    })
}

fn is_link(path: &Path) -> bool {
    fs::symlink_metadata(path).is_ok_and(|metadata| metadata.file_type().is_symlink())
}

/// Where `resolved` (a path [`resolve`] returned) really is, with every link on the way
/// followed. For a file that does not exist yet, its deepest existing folder is followed and the
/// missing rest appended; `None` when that rest holds a `..` (`Path::file_name` has none to give)
/// or the folder cannot be resolved.
pub fn real_path(resolved: &Path) -> Option<PathBuf> {
    let mut existing = resolved;
    let mut missing = Vec::new();
    while fs::symlink_metadata(existing).is_err() {
        missing.push(existing.file_name()?);
        existing = existing.parent()?;
    }
    let mut real = fs::canonicalize(existing).ok()?;
    real.extend(missing.iter().rev());
    Some(real)
}

/// Whether `resolved` lies inside `root` once every link is followed (see [`real_path`]).
pub fn resolves_within(resolved: &Path, root: &Path) -> bool {
    match (real_path(resolved), fs::canonicalize(root)) {
        (Some(real), Ok(root)) => real.starts_with(root),
        _ => false,
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_are_read() {
        let home = tempfile::tempdir().unwrap();
        let fifo = home.path().join("fifo.json");
        let status = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(status.success());
        let error = read_if_exists(&fifo).unwrap_err();
        assert_eq!(
            Unreadable::of(&error),
            Some(Unreadable::NotRegular("a FIFO (named pipe)"))
        );
        let zero = home.path().join("zero.json");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let error = read_if_exists(&zero).unwrap_err();
        assert_eq!(Unreadable::of(&error), Some(Unreadable::NotRegular("a device")));
        let big = home.path().join("big.json");
        File::create(&big).unwrap().set_len(READ_LIMIT + 1).unwrap();
        assert_eq!(
            Unreadable::of(&read_if_exists(&big).unwrap_err()),
            Some(Unreadable::TooLarge)
        );
        let link = home.path().join("link.json");
        fs::write(home.path().join("real.json"), "{}").unwrap();
        std::os::unix::fs::symlink("real.json", &link).unwrap();
        assert_eq!(read_if_exists(&link).unwrap().unwrap(), b"{}");
        assert!(read_if_exists(&home.path().join("missing")).unwrap().is_none());
    }

    #[test]
    fn links_inside_and_outside_a_folder_are_told_apart() {
        let home = tempfile::tempdir().unwrap();
        let project = home.path().join("repo");
        fs::create_dir_all(project.join("sub")).unwrap();
        fs::create_dir_all(home.path().join("elsewhere")).unwrap();
        std::os::unix::fs::symlink("../elsewhere/settings.json", project.join("out.json")).unwrap();
        std::os::unix::fs::symlink("sub/real.json", project.join("in.json")).unwrap();
        std::os::unix::fs::symlink("../elsewhere", project.join("dir")).unwrap();
        for (name, inside) in [
            ("out.json", false),
            ("in.json", true),
            ("dir/x.json", false),
            ("plain.json", true),
            ("dir/missing.json", false),
            ("sub/missing.json", true),
        ] {
            let path = project.join(name);
            let through_link = !matches!(name, "plain.json" | "sub/missing.json");
            let (resolved, found_link) = resolve_below(&path, &project);
            assert_eq!(resolves_within(&resolved, &project), inside, "{name}");
            assert_eq!(found_link, through_link, "{name}");
            // Only a path with a link at its end resolves elsewhere; a missing file is itself.
            assert_eq!(resolved != path, matches!(name, "out.json" | "in.json"), "{name}");
        }
        // Links above the root (a home on another disk) do not count.
        assert!(!resolve_below(&project.join("plain.json"), home.path()).1);
        assert!(resolve_below(&project.join("dir/x.json"), home.path()).1);
    }
}
