//! Telling the file tray-mcp wrote from one that only has its name, and undoing what an install
//! did to the file system around a config once its last entry is gone.
//!
//! Why a fingerprint of the text: a path says nothing about who wrote what is there now. A user
//! who deleted the file tray-mcp created and wrote their own has a file of that name that
//! tray-mcp must never delete, and whose `"mcpServers"` is theirs. An inode does not tell either
//! (ext4 hands a freed inode number to the next new file, and tray-mcp itself replaces files by
//! rename). The text tray-mcp last wrote does: while the file still holds exactly it, nothing
//! else has touched the file, so what the record says tray-mcp created is still tray-mcp's. Once
//! anyone else rewrites the file (the user, or the client itself), the record is no longer
//! trusted and everything in the file stays: the safe side.

use std::path::{Path, PathBuf};

/// The fingerprint of a file's text: its length and a 64-bit hash of its bytes, read eight at
/// a time (Claude Code's state file is tens of megabytes; this costs a few milliseconds).
/// Stable across versions and platforms (std's hasher promises neither).
pub fn of_text(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let mut word = [0u8; 8];
        word.copy_from_slice(chunk);
        hash = mix(hash, u64::from_le_bytes(word));
    }
    for byte in chunks.remainder() {
        hash = mix(hash, u64::from(*byte));
    }
    format!("{}:{hash:016x}", bytes.len())
}

fn mix(hash: u64, word: u64) -> u64 {
    let mixed = (hash ^ word).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    mixed ^ (mixed >> 29)
}

/// Whether a config's text holds an inline bearer token anywhere.
pub fn holds_inline_token(text: &str) -> bool {
    let mut redactor = crate::secrets::Redactor::default();
    redactor.add_inline_tokens_in_text(text);
    !redactor.into_secrets().is_empty()
}

/// What is done once a commit has written the config files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterCommit {
    /// A folder the install created for a file now deleted: removed if it is empty.
    RemoveFolder(PathBuf),
    /// A file whose mode an install tightened for an inline token, which it no longer holds:
    /// it gets its mode back.
    RestoreMode(PathBuf, u32),
}

/// Does what the commit left to do. Best effort: a folder that is not empty (the user put
/// something in it) stays, and a mode that cannot be changed stays owner-only, the safe side.
pub fn run_after_commit(actions: &[AfterCommit]) {
    for action in actions {
        match action {
            AfterCommit::RemoveFolder(folder) => {
                // `remove_dir` removes only an empty folder.
                let _ = std::fs::remove_dir(folder);
            }
            AfterCommit::RestoreMode(file, mode) => restore_mode(file, *mode),
        }
    }
}

#[cfg(unix)]
fn restore_mode(file: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let _ = std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode & 0o7777));
}

#[cfg(not(unix))]
fn restore_mode(_file: &Path, _mode: u32) {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_texts_apart() {
        assert_eq!(of_text("{}"), of_text("{}"));
        assert_ne!(of_text("{\"a\": 1}"), of_text("{\"a\": 2}"));
        assert_ne!(of_text("12345678x"), of_text("12345678y"));
        assert!(of_text("").starts_with("0:"));
    }

    #[test]
    fn inline_tokens_are_seen() {
        assert!(holds_inline_token("{\"h\": \"Bearer abcdefgh\"}"));
        assert!(!holds_inline_token("{\"h\": \"Bearer ${input:t}\"}"));
    }
}
