//! An incremental parser for `text/event-stream` (Server-Sent Events), as Streamable HTTP
//! uses it: the gateway answers a POST, and serves its GET stream, as SSE.
//!
//! Why hand-written: the format is a few rules (WHATWG HTML, "Parsing an event stream"), bytes
//! arrive in arbitrary chunks, and the crates that do it pull in a stream stack this binary does
//! not otherwise need. Fed chunk by chunk, it yields whole events; a partial line waits for the
//! next chunk.

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Event {
    /// The `event:` field; `message` when absent.
    pub event: String,
    /// The `data:` lines, joined with `\n`.
    pub data: String,
    /// The `id:` field of this event, if it had one.
    pub id: Option<String>,
}

/// Longest line accepted; longer input is cut off at this length (the event then fails to parse
/// as JSON and is reported, instead of growing memory without bound).
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Parser state across chunks.
#[derive(Debug, Default)]
pub struct Parser {
    line: Vec<u8>,
    /// A `\r` ended the previous chunk: a `\n` starting the next one belongs to it.
    after_cr: bool,
    data: String,
    has_data: bool,
    event: String,
    id: Option<String>,
    /// The last `id:` seen on the stream, for `Last-Event-ID` when reconnecting.
    pub last_event_id: Option<String>,
    /// The last `retry:` seen on the stream: how long to wait before reconnecting.
    pub retry: Option<std::time::Duration>,
}

impl Parser {
    /// A parser at the start of a stream.
    pub fn new() -> Self {
        Parser::default()
    }

    /// A parser for a stream that resumes `previous`: it keeps the last event ID and the
    /// reconnection time (the SSE rules keep both across reconnections), nothing else.
    pub fn resuming(previous: &Parser) -> Self {
        Parser {
            last_event_id: previous.last_event_id.clone(),
            retry: previous.retry,
            ..Parser::default()
        }
    }

    /// Feeds bytes; returns the events they complete.
    pub fn feed(&mut self, mut bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        if self.after_cr {
            self.after_cr = false;
            if let Some(rest) = bytes.strip_prefix(b"\n") {
                bytes = rest;
            }
        }
        while let Some(end) = bytes.iter().position(|byte| *byte == b'\n' || *byte == b'\r') {
            self.push(&bytes[..end]);
            let line = std::mem::take(&mut self.line);
            if let Some(event) = self.line_done(&line) {
                events.push(event);
            }
            let was_cr = bytes[end] == b'\r';
            bytes = &bytes[end + 1..];
            if was_cr {
                if bytes.is_empty() {
                    self.after_cr = true;
                } else if let Some(rest) = bytes.strip_prefix(b"\n") {
                    bytes = rest;
                }
            }
        }
        self.push(bytes);
        events
    }

    fn push(&mut self, bytes: &[u8]) {
        let room = MAX_LINE_BYTES.saturating_sub(self.line.len());
        self.line.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    fn line_done(&mut self, line: &[u8]) -> Option<Event> {
        if line.is_empty() {
            let event = Event {
                event: if self.event.is_empty() {
                    "message".to_string()
                } else {
                    std::mem::take(&mut self.event)
                },
                data: std::mem::take(&mut self.data),
                id: self.id.take(),
            };
            let dispatch = std::mem::take(&mut self.has_data);
            return dispatch.then_some(event);
        }
        if line.first() == Some(&b':') {
            return None; // a comment (keep-alive)
        }
        let text = String::from_utf8_lossy(line);
        let (field, value) = match text.split_once(':') {
            Some((field, value)) => (field, value.strip_prefix(' ').unwrap_or(value)),
            None => (text.as_ref(), ""),
        };
        match field {
            "data" => {
                if self.has_data {
                    self.data.push('\n');
                }
                self.data.push_str(value);
                self.has_data = true;
            }
            "event" => self.event = value.to_string(),
            "id" if !value.contains('\0') => {
                self.id = Some(value.to_string());
                self.last_event_id = Some(value.to_string());
            }
            "retry" if !value.is_empty() && value.bytes().all(|byte| byte.is_ascii_digit()) => {
                if let Ok(millis) = value.parse::<u64>() {
                    self.retry = Some(std::time::Duration::from_millis(millis));
                }
            }
            _ => {} // unknown fields
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_split_across_chunks_and_line_endings_are_reassembled() {
        let stream = b": keep-alive\r\nevent: message\r\nid: 7\r\ndata: {\"a\":\r\ndata: 1}\r\n\r\ndata: two\n\nid: 9\nretry: 5\n\n";
        for split in 0..stream.len() {
            let mut parser = Parser::new();
            let mut events = parser.feed(&stream[..split]);
            events.extend(parser.feed(&stream[split..]));
            assert_eq!(events.len(), 2, "split at {split}: {events:?}");
            assert_eq!(events[0].data, "{\"a\":\n1}");
            assert_eq!(events[0].id.as_deref(), Some("7"));
            assert_eq!(events[1].data, "two");
            assert_eq!(events[1].event, "message");
            assert_eq!(parser.last_event_id.as_deref(), Some("9"));
            assert_eq!(parser.retry, Some(std::time::Duration::from_millis(5)));
        }
    }

    #[test]
    fn a_lone_cr_ends_a_line() {
        let mut parser = Parser::new();
        let events = parser.feed(b"data: x\r\rdata: y\r\r");
        let data: Vec<&str> = events.iter().map(|event| event.data.as_str()).collect();
        assert_eq!(data, ["x", "y"]);
    }
}
