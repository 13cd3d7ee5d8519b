//! Finding the keys of a few objects in a JSON or JSONC text read a buffer at a time.
//!
//! Why: install refuses a name that differs only in case from an entry of any client, so it
//! needs the names of every client's servers, including Claude Code's, which sit in
//! `~/.claude.json`, a state file of tens of megabytes (at the top level and in every project).
//! Holding that file in memory costs more than looking through it: reading 23 MB into a fresh
//! buffer took 10-24 ms on this machine (page faults), reading it through one 64 KiB buffer
//! 3 ms. So the skimmer is a state machine fed one buffer after another: it follows the nesting
//! of brackets, jumps over strings and comments with `memchr`, and decodes only the keys of the
//! objects on the patterns.
//!
//! It does not validate: a text it accepts may still be malformed (a missing comma, a bad
//! number). That is enough for a check that reads names, and it is never used to edit; a file
//! that is edited is first checked in full by `scan`. Brackets that do not nest, an unterminated
//! string or comment, and a text that ends early are errors.

use std::io::{self, Read};

use super::scan::{MAX_DEPTH, ScanError, decode_key};

/// The keys of one object whose key path matched a pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeysFound {
    /// Which pattern matched (its index).
    pub pattern: usize,
    /// The concrete keys leading to the object.
    pub path: Vec<String>,
    /// Its keys, in file order.
    pub keys: Vec<String>,
}

/// The keys of every object in `text` whose key path matches one of `patterns` (`"*"` matches
/// any key).
pub(crate) fn keys_matching(text: &[u8], allow_jsonc: bool, patterns: &[&[&str]]) -> Result<Vec<KeysFound>, ScanError> {
    let mut skimmer = Skimmer::new(allow_jsonc, patterns);
    skimmer.feed(text)?;
    skimmer.finish()
}

/// [`keys_matching`] on what `reader` yields, one 64 KiB buffer at a time (a leading UTF-8
/// byte-order mark is skipped). The outer error is the reader's, the inner one the text's.
pub(crate) fn keys_matching_read(
    reader: &mut dyn Read,
    allow_jsonc: bool,
    patterns: &[&[&str]],
) -> io::Result<Result<Vec<KeysFound>, ScanError>> {
    let mut skimmer = Skimmer::new(allow_jsonc, patterns);
    let mut buffer = vec![0u8; 64 * 1024];
    let mut first = true;
    loop {
        let length = match reader.read(&mut buffer) {
            Ok(0) => break,
            Ok(length) => length,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        };
        let mut chunk = &buffer[..length];
        if first {
            // A buffer this large holds the whole mark (files are read from their start).
            chunk = chunk.strip_prefix(b"\xEF\xBB\xBF".as_slice()).unwrap_or(chunk);
            first = false;
        }
        if let Err(error) = skimmer.feed(chunk) {
            return Ok(Err(error));
        }
    }
    Ok(skimmer.finish())
}

/// An open object that a pattern runs through.
struct Frame {
    /// Whether this object's key was pushed onto the path (the top object has none).
    pushed_key: bool,
    /// The patterns that end at this object (its keys are collected for them).
    ending_here: Vec<usize>,
    keys: Vec<String>,
    /// The next string is a key.
    expecting_key: bool,
    /// The key of the member being read.
    current_key: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    /// Between tokens.
    Structure,
    /// Inside a string; `escaped` after a backslash.
    InString {
        escaped: bool,
        capture: bool,
    },
    /// After a `/` outside a string.
    Slash,
    LineComment,
    BlockComment {
        star: bool,
    },
}

/// The skimmer, fed one buffer after another.
pub(crate) struct Skimmer<'p> {
    allow_jsonc: bool,
    patterns: &'p [&'p [&'p str]],
    state: State,
    /// The open objects that a pattern runs through, outermost first.
    stack: Vec<Frame>,
    /// The open containers inside the innermost of those (or at the top, when the top value is
    /// one no pattern enters), as "is an object": they are skipped, counting brackets only.
    untracked: Vec<bool>,
    /// The keys leading to the innermost tracked object.
    path: Vec<String>,
    /// The raw bytes of a key being read (it may span buffers).
    key: Vec<u8>,
    /// Whether the top-level value has ended.
    done: bool,
    /// Bytes fed before the current buffer, for the offsets of errors.
    offset: usize,
    found: Vec<KeysFound>,
}

impl<'p> Skimmer<'p> {
    /// A skimmer for `patterns`; `allow_jsonc` allows comments.
    pub(crate) fn new(allow_jsonc: bool, patterns: &'p [&'p [&'p str]]) -> Self {
        Skimmer {
            allow_jsonc,
            patterns,
            state: State::Structure,
            stack: Vec::new(),
            untracked: Vec::new(),
            path: Vec::new(),
            key: Vec::new(),
            done: false,
            offset: 0,
            found: Vec::new(),
        }
    }

    fn error(&self, at: usize, message: &str) -> ScanError {
        ScanError {
            offset: self.offset + at,
            message: message.to_string(),
        }
    }

    /// Reads the next buffer of the text.
    pub(crate) fn feed(&mut self, chunk: &[u8]) -> Result<(), ScanError> {
        let mut position = 0;
        while position < chunk.len() {
            position = match self.state {
                State::InString { escaped, capture } => self.string(chunk, position, escaped, capture),
                State::Slash => match chunk[position] {
                    b'/' => {
                        self.state = State::LineComment;
                        position + 1
                    }
                    b'*' => {
                        self.state = State::BlockComment { star: false };
                        position + 1
                    }
                    _ => return Err(self.error(position, "unexpected '/'")),
                },
                State::LineComment => match memchr::memchr(b'\n', &chunk[position..]) {
                    Some(offset) => {
                        self.state = State::Structure;
                        position + offset + 1
                    }
                    None => chunk.len(),
                },
                State::BlockComment { star } => self.block_comment(chunk, position, star),
                State::Structure if !self.untracked.is_empty() => self.skip_untracked(chunk, position)?,
                State::Structure => self.structure(chunk, position)?,
            };
        }
        self.offset += chunk.len();
        Ok(())
    }

    /// The end of the text: every container must be closed.
    pub(crate) fn finish(self) -> Result<Vec<KeysFound>, ScanError> {
        match self.state {
            State::InString { .. } => return Err(self.error(0, "unterminated string")),
            State::BlockComment { .. } => return Err(self.error(0, "unterminated /* comment")),
            State::Slash => return Err(self.error(0, "unexpected '/'")),
            State::LineComment | State::Structure => {}
        }
        if !self.stack.is_empty() || !self.untracked.is_empty() {
            return Err(self.error(0, "unexpected end of file: a '{' or '[' is never closed"));
        }
        Ok(self.found)
    }

    fn string(&mut self, chunk: &[u8], position: usize, escaped: bool, capture: bool) -> usize {
        let mut position = position;
        if escaped {
            if capture {
                self.key.push(chunk[position]);
            }
            position += 1;
        }
        let rest = &chunk[position..];
        let Some(offset) = memchr::memchr2(b'"', b'\\', rest) else {
            if capture {
                self.key.extend_from_slice(rest);
            }
            self.state = State::InString {
                escaped: false,
                capture,
            };
            return chunk.len();
        };
        if capture {
            self.key.extend_from_slice(&rest[..offset]);
        }
        let at = position + offset;
        if chunk[at] == b'\\' {
            if capture {
                self.key.push(b'\\');
            }
            self.state = State::InString { escaped: true, capture };
            return at + 1;
        }
        self.state = State::Structure;
        if capture {
            self.key_read();
        }
        at + 1
    }

    fn block_comment(&mut self, chunk: &[u8], position: usize, star: bool) -> usize {
        if star && chunk[position] == b'/' {
            self.state = State::Structure;
            return position + 1;
        }
        match memchr::memchr(b'*', &chunk[position..]) {
            Some(offset) => {
                self.state = State::BlockComment { star: true };
                position + offset + 1
            }
            None => {
                self.state = State::BlockComment { star: false };
                chunk.len()
            }
        }
    }

    /// One byte between tokens; returns where to go on.
    fn structure(&mut self, chunk: &[u8], position: usize) -> Result<usize, ScanError> {
        let byte = chunk[position];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b':' => {
                // Indentation comes in runs: skip each in one go.
                let rest = &chunk[position..];
                let run = rest
                    .iter()
                    .position(|byte| !matches!(byte, b' ' | b'\t' | b'\n' | b'\r' | b':'))
                    .unwrap_or(rest.len());
                return Ok(position + run);
            }
            b'"' => {
                let capture = self.stack.last().is_some_and(|frame| frame.expecting_key);
                self.key.clear();
                self.state = State::InString {
                    escaped: false,
                    capture,
                };
            }
            b'{' | b'[' => self.open(byte == b'{', position)?,
            b'}' | b']' => self.close(byte == b'}', position)?,
            b',' => {
                if let Some(frame) = self.stack.last_mut() {
                    frame.expecting_key = true;
                    frame.current_key = None;
                }
            }
            b'/' if self.allow_jsonc => self.state = State::Slash,
            b'/' => return Err(self.error(position, "comments are not allowed in this file (plain JSON)")),
            _ if self.done => return Err(self.error(position, "unexpected text after the end of the JSON value")),
            _ => {
                // A number, `true`, `false` or `null`: skip to the next byte that matters.
                let rest = &chunk[position..];
                let length = rest
                    .iter()
                    .position(|byte| matches!(byte, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r' | b'/'))
                    .unwrap_or(rest.len());
                if self.stack.is_empty() {
                    self.done = true;
                }
                return Ok(position + length);
            }
        }
        Ok(position + 1)
    }

    /// A key of a tracked object has been read.
    fn key_read(&mut self) {
        let quoted = format!("\"{}\"", String::from_utf8_lossy(&self.key));
        let key = decode_key(&quoted);
        if let Some(frame) = self.stack.last_mut() {
            if !frame.ending_here.is_empty() {
                frame.keys.push(key.clone());
            }
            frame.current_key = Some(key);
            frame.expecting_key = false;
        }
    }

    fn open(&mut self, is_object: bool, position: usize) -> Result<(), ScanError> {
        if self.done {
            return Err(self.error(position, "unexpected text after the end of the JSON value"));
        }
        if self.stack.len() >= MAX_DEPTH {
            return Err(self.error(position, "nesting is too deep"));
        }
        // The key that leads here: none at the top, else the current member's.
        let key = match self.stack.last() {
            None => None,
            Some(parent) => match &parent.current_key {
                Some(key) => Some(key.clone()),
                None => return Err(self.error(position, "expected a property name in double quotes")),
            },
        };
        let pushed_key = key.is_some();
        self.path.extend(key);
        let ending_here = if is_object {
            self.patterns_ending_here()
        } else {
            Vec::new()
        };
        if !is_object || (ending_here.is_empty() && !self.leads_somewhere()) {
            if pushed_key {
                self.path.pop();
            }
            self.untracked.push(is_object);
            return Ok(());
        }
        self.stack.push(Frame {
            pushed_key,
            ending_here,
            keys: Vec::new(),
            expecting_key: true,
            current_key: None,
        });
        Ok(())
    }

    /// Closes the innermost tracked object.
    fn close(&mut self, is_object: bool, position: usize) -> Result<(), ScanError> {
        if !is_object {
            return Err(self.error(position, "brackets do not match"));
        }
        let Some(frame) = self.stack.pop() else {
            return Err(self.error(position, "unexpected closing bracket"));
        };
        for pattern in &frame.ending_here {
            self.found.push(KeysFound {
                pattern: *pattern,
                path: self.path.clone(),
                keys: frame.keys.clone(),
            });
        }
        if frame.pushed_key {
            self.path.pop();
        }
        if self.stack.is_empty() {
            self.done = true;
        }
        Ok(())
    }

    /// Inside containers no pattern enters: a tight loop that follows only brackets and
    /// strings, until they are all closed (or the buffer or a comment interrupts it).
    fn skip_untracked(&mut self, chunk: &[u8], position: usize) -> Result<usize, ScanError> {
        let mut position = position;
        while position < chunk.len() {
            match chunk[position] {
                b'"' => {
                    let mut end = position + 1;
                    loop {
                        match memchr::memchr2(b'"', b'\\', &chunk[end..]) {
                            Some(offset) if chunk[end + offset] == b'"' => {
                                end += offset + 1;
                                break;
                            }
                            Some(offset) => {
                                // A backslash and the byte it escapes (which may be in the next buffer).
                                end += offset + 2;
                                if end >= chunk.len() {
                                    self.state = State::InString {
                                        escaped: end > chunk.len(),
                                        capture: false,
                                    };
                                    return Ok(chunk.len());
                                }
                            }
                            None => {
                                self.state = State::InString {
                                    escaped: false,
                                    capture: false,
                                };
                                return Ok(chunk.len());
                            }
                        }
                    }
                    position = end;
                    continue;
                }
                byte @ (b'{' | b'[') => {
                    if self.stack.len() + self.untracked.len() >= MAX_DEPTH {
                        return Err(self.error(position, "nesting is too deep"));
                    }
                    self.untracked.push(byte == b'{');
                }
                byte @ (b'}' | b']') => {
                    if self.untracked.pop() != Some(byte == b'}') {
                        return Err(self.error(position, "brackets do not match"));
                    }
                    if self.untracked.is_empty() {
                        if self.stack.is_empty() {
                            self.done = true;
                        }
                        return Ok(position + 1);
                    }
                }
                b'/' if self.allow_jsonc => {
                    self.state = State::Slash;
                    return Ok(position + 1);
                }
                b'/' => return Err(self.error(position, "comments are not allowed in this file (plain JSON)")),
                _ => {}
            }
            position += 1;
        }
        Ok(position)
    }

    fn matches_prefix(&self, pattern: &[&str]) -> bool {
        self.path
            .iter()
            .zip(pattern.iter())
            .all(|(key, wanted)| *wanted == "*" || wanted == key)
    }

    /// Whether some pattern runs through the current path and goes deeper.
    fn leads_somewhere(&self) -> bool {
        self.patterns
            .iter()
            .any(|pattern| pattern.len() > self.path.len() && self.matches_prefix(pattern))
    }

    /// The patterns that end exactly at the current path.
    fn patterns_ending_here(&self) -> Vec<usize> {
        (0..self.patterns.len())
            .filter(|&index| self.patterns[index].len() == self.path.len() && self.matches_prefix(self.patterns[index]))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PATTERNS: &[&[&str]] = &[&["mcpServers"], &["projects", "*", "mcpServers"]];

    fn summary(found: Vec<KeysFound>) -> Vec<(usize, String, Vec<String>)> {
        found
            .into_iter()
            .map(|found| (found.pattern, found.path.join("|"), found.keys))
            .collect()
    }

    #[test]
    fn finds_the_servers_of_every_pattern_in_one_pass() {
        let text = r#"{"projects": {"/a": {"mcpServers": {"x": 1, "Y\u0021": {"k": [1, "}"]}}, "history": ["{\"mcpServers\": {\"no\": 1}}"]},
            "/b": {"other": {"mcpServers": {"deep": 1}}}, "/c": [{"mcpServers": {"in_array": 1}}]}, /* c */ "mcpServers": {"top": {}, // x
            }, "n": -1.5e3, "t": true}"#;
        let found = keys_matching(text.as_bytes(), true, PATTERNS).unwrap();
        assert_eq!(
            summary(found),
            [
                (
                    1,
                    "projects|/a|mcpServers".to_string(),
                    vec!["x".to_string(), "Y!".to_string()]
                ),
                (0, "mcpServers".to_string(), vec!["top".to_string()]),
            ]
        );
    }

    /// Fed in pieces of every size, the skimmer finds the same: strings, escapes and comments
    /// cut at any byte.
    #[test]
    fn buffers_may_end_anywhere() {
        let text = br#"{"mcpServers": {"a\"b\\": /* c*/ 1, "d": "e\\\"f"}, // g
"projects": {"/p": {"mcpServers": {"q": {}}}}}"#;
        let whole = keys_matching(text, true, PATTERNS).unwrap();
        assert_eq!(whole[0].keys, ["a\"b\\", "d"]);
        for size in 1..text.len() {
            let mut skimmer = Skimmer::new(true, PATTERNS);
            for chunk in text.chunks(size) {
                skimmer.feed(chunk).unwrap();
            }
            assert_eq!(skimmer.finish().unwrap(), whole, "buffers of {size} bytes");
        }
    }

    #[test]
    fn a_reader_is_read_to_its_end_and_a_bom_skipped() {
        let mut text = "\u{feff}{\"mcpServers\": {".as_bytes().to_vec();
        for index in 0..20_000 {
            text.extend_from_slice(format!("\"s{index}\": {{\"command\": \"{}\"}},", "x".repeat(20)).as_bytes());
        }
        text.extend_from_slice(b"\"last\": 1}}");
        let found = keys_matching_read(&mut text.as_slice(), false, PATTERNS)
            .unwrap()
            .unwrap();
        assert_eq!(found[0].keys.len(), 20_001);
        assert_eq!(found[0].keys.last().map(String::as_str), Some("last"));
    }

    #[test]
    fn broken_nesting_is_an_error() {
        for broken in [
            r#"{"mcpServers": {"a": 1"#,
            r#"{"x": "open"#,
            "[[",
            r#"{"a": [1, 2}"#,
            "{} {}",
            "{/* open",
            "}",
        ] {
            assert!(keys_matching(broken.as_bytes(), true, PATTERNS).is_err(), "{broken}");
        }
        assert!(keys_matching(b"{// no comments\n}", false, PATTERNS).is_err());
        assert_eq!(keys_matching(b"", false, PATTERNS).unwrap(), []);
        assert_eq!(keys_matching(b"  3 ", false, PATTERNS).unwrap(), []);
    }
}
