//! The durable floor of `bench/install_all.sh`: writes a set of files the way any installer that
//! keeps users' files safe must, and does nothing else. Per file: a temporary file beside it,
//! created with the file's final mode, written and fsynced, renamed over the target, and then its
//! folder fsynced. Missing folders are created. The fsyncs run side by side the way tray-mcp runs
//! them (every file, then every folder, on at most eight threads kept for both rounds), so the
//! time tray-mcp takes beyond this program is its own overhead: detecting clients, reading,
//! checking and editing files, locks, reports.
//!
//! Usage: `durable_floor MANIFEST ROOT`. MANIFEST holds, per file, a line
//! `MODE LENGTH RELATIVE_PATH` (MODE in octal), then LENGTH bytes of content, then a line break.
//! It is read in one go before any file is written.
//!
//! Built by the benchmark script with plain `rustc -O` (standard library only).

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::exit;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};

/// One file to write.
struct Target {
    path: PathBuf,
    mode: u32,
    contents: Vec<u8>,
}

fn parse(manifest: &[u8], root: &Path) -> Result<Vec<Target>, String> {
    let mut targets = Vec::new();
    let mut rest = manifest;
    while !rest.is_empty() {
        let line_end = rest.iter().position(|&byte| byte == b'\n').ok_or("header without a line break")?;
        let header = std::str::from_utf8(&rest[..line_end]).map_err(|error| error.to_string())?;
        let mut fields = header.splitn(3, ' ');
        let (Some(mode), Some(length), Some(relative)) = (fields.next(), fields.next(), fields.next()) else {
            return Err(format!("bad header {header:?}"));
        };
        let mode = u32::from_str_radix(mode, 8).map_err(|error| error.to_string())?;
        let length: usize = length.parse().map_err(|_| format!("bad length in {header:?}"))?;
        let body = rest.get(line_end + 1..line_end + 1 + length).ok_or("content cut short")?;
        targets.push(Target {
            path: root.join(relative),
            mode,
            contents: body.to_vec(),
        });
        rest = rest.get(line_end + 1 + length + 1..).unwrap_or_default();
    }
    Ok(targets)
}

/// Fsyncs in flight at most, the caller included: tray-mcp's `SyncCrew::WORKERS`.
const WORKERS: usize = 8;

fn write_all(targets: &[Target]) -> std::io::Result<()> {
    let mut staged = Vec::with_capacity(targets.len());
    for target in targets {
        let folder = target.path.parent().unwrap_or(Path::new("."));
        if fs::symlink_metadata(folder).is_err() {
            fs::create_dir_all(folder)?;
        }
        let name = target.path.file_name().map(|name| name.to_string_lossy()).unwrap_or_default();
        let temporary = folder.join(format!(".{name}.floor.tmp"));
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(target.mode)
            .open(&temporary)?;
        file.write_all(&target.contents)?;
        staged.push((temporary, file, target));
    }
    let mut folders: Vec<PathBuf> = staged
        .iter()
        .map(|(_, _, target)| target.path.parent().unwrap_or(Path::new(".")).to_path_buf())
        .collect();
    folders.sort();
    folders.dedup();
    // The same workers fsync the files, wait while the caller renames, then fsync the folders.
    let workers = WORKERS.min(staged.len().max(folders.len())).max(1);
    let (next_file, next_folder) = (AtomicUsize::new(0), AtomicUsize::new(0));
    let (synced, renamed) = (Barrier::new(workers), Barrier::new(workers));
    let failure = Mutex::new(None);
    let fail = |error: std::io::Error| {
        failure.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).get_or_insert(error);
    };
    let sync_files = || {
        while let Some((_, file, _)) = staged.get(next_file.fetch_add(1, Ordering::Relaxed)) {
            file.sync_all().unwrap_or_else(fail);
        }
    };
    let sync_folders = || {
        while let Some(folder) = folders.get(next_folder.fetch_add(1, Ordering::Relaxed)) {
            File::open(folder).and_then(|handle| handle.sync_all()).unwrap_or_else(fail);
        }
    };
    std::thread::scope(|scope| {
        for _ in 1..workers {
            scope.spawn(|| {
                sync_files();
                synced.wait();
                renamed.wait();
                sync_folders();
            });
        }
        sync_files();
        synced.wait();
        if failure.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).is_none() {
            for (temporary, _, target) in &staged {
                if let Err(error) = fs::rename(temporary, &target.path) {
                    fail(error);
                    break;
                }
            }
        }
        renamed.wait();
        sync_folders();
    });
    failure.into_inner().unwrap_or_else(|poisoned| poisoned.into_inner()).map_or(Ok(()), Err)
}

fn main() {
    let arguments: Vec<String> = std::env::args().collect();
    let [_, manifest, root] = arguments.as_slice() else {
        eprintln!("usage: durable_floor MANIFEST ROOT");
        exit(2);
    };
    let targets = fs::read(manifest)
        .map_err(|error| error.to_string())
        .and_then(|bytes| parse(&bytes, Path::new(root)))
        .unwrap_or_else(|error| {
            eprintln!("durable_floor: {manifest}: {error}");
            exit(2);
        });
    if let Err(error) = write_all(&targets) {
        eprintln!("durable_floor: {error}");
        exit(1);
    }
}
