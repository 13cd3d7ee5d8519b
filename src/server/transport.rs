//! The stdio transport: one JSON-RPC message per line on stdin and stdout.
//!
//! Why not rmcp's own `stdio()` transport: it silently ignores a line that is not JSON, so a
//! client that sent one waits forever. JSON-RPC 2.0 says such a line gets a `-32700 Parse
//! error` response (with `id: null`), and a JSON value that is not a valid request gets
//! `-32600 Invalid Request` (with the request's `id` when it has one). This transport does
//! that and keeps serving. Everything else (framing, end of input) behaves like rmcp's:
//! end of stdin ends the session cleanly.
//!
//! stdout carries protocol messages only: every write goes through one lock, a whole line at a
//! time, and nothing else in the process writes to stdout.
//!
//! Back-pressure: every outgoing message counts in a [`Backlog`] until it is written, every
//! request until it is answered, and no further line is read while more than
//! [`backlog::LIMIT_BYTES`] or [`backlog::LIMIT_REQUESTS`] wait: a client that sends requests
//! without reading the answers finds its writes blocked instead of `serve` growing without
//! bound.
//!
//! An optional [`Intercept`] sees every incoming message as raw JSON before rmcp does, and may
//! answer it itself through an [`Outbox`]. The Agent Gateway pass-through (`super::passthrough`)
//! uses this for `tools/list` and gateway `tools/call`: rmcp's typed models would drop the
//! gateway's unknown and vendor fields, and the raw JSON keeps every one of them.

use std::sync::Arc;

use rmcp::RoleServer;
use rmcp::service::{RxJsonRpcMessage, TxJsonRpcMessage};
use rmcp::transport::Transport;
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::sync::Mutex;

use super::backlog::{self, Backlog, Pending};

/// Lines longer than this are refused as invalid requests (and their bytes dropped).
const MAX_LINE_BYTES: usize = 16 * 1024 * 1024;

/// Looks at each incoming JSON-RPC message before rmcp does.
pub trait Intercept: Send + Sync + 'static {
    /// Returns the message to let rmcp serve it, or `None` when it was taken care of (any answer
    /// is written later through `outbox`). Must not block: slow work goes into a spawned task.
    fn intercept(&self, message: serde_json::Value, outbox: &Outbox) -> Option<serde_json::Value>;
}

/// Writes whole JSON-RPC messages to the transport's output, in order, alongside rmcp's own.
#[derive(Clone, Debug)]
pub struct Outbox {
    sender: tokio::sync::mpsc::UnboundedSender<(Vec<u8>, Pending)>,
    backlog: Arc<Backlog>,
}

impl Outbox {
    /// Queues one message for output. Returns false once the output is gone.
    pub fn send(&self, message: &serde_json::Value) -> bool {
        match serde_json::to_vec(message) {
            Ok(bytes) => {
                let pending = self.backlog.add(bytes.len());
                self.sender.send((bytes, pending)).is_ok()
            }
            Err(error) => {
                tracing::warn!(%error, "could not encode an outgoing message");
                false
            }
        }
    }

    /// An outbox whose messages arrive on the returned receiver, each counted in `backlog`
    /// until its [`Pending`] is dropped.
    pub fn channel(backlog: Arc<Backlog>) -> (Self, tokio::sync::mpsc::UnboundedReceiver<(Vec<u8>, Pending)>) {
        let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
        (Outbox { sender, backlog }, receiver)
    }
}

/// A line-delimited JSON-RPC transport over any reader and writer (stdin and stdout in
/// production, pipes in tests).
pub struct LineTransport<R, W> {
    reader: BufReader<R>,
    writer: Arc<Mutex<W>>,
    /// Sees messages before rmcp, with the outbox it answers through.
    intercept: Option<(Arc<dyn Intercept>, Outbox)>,
    /// Bytes of the line being read. Kept across calls: rmcp polls `receive` inside a `select!`,
    /// so a read can be cancelled part-way and must resume where it stopped.
    line: Vec<u8>,
    /// Set when the current line grew past [`MAX_LINE_BYTES`]: its remaining bytes are dropped.
    discarding: bool,
    /// Output queued and not yet written, requests not yet answered: input waits while either
    /// is over its limit.
    backlog: Arc<Backlog>,
}

impl<R, W> LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    /// Wraps a reader and a writer.
    pub fn new(reader: R, writer: W) -> Self {
        LineTransport {
            reader: BufReader::new(reader),
            writer: Arc::new(Mutex::new(writer)),
            intercept: None,
            line: Vec::new(),
            discarding: false,
            backlog: Backlog::new(),
        }
    }

    /// Lets `intercept` see every incoming message first. Starts the task that writes what it
    /// sends through its [`Outbox`], so this must run inside a Tokio runtime.
    pub fn with_intercept(mut self, intercept: Arc<dyn Intercept>) -> Self {
        let (outbox, mut receiver) = Outbox::channel(Arc::clone(&self.backlog));
        let writer = Arc::clone(&self.writer);
        tokio::spawn(async move {
            while let Some((bytes, _pending)) = receiver.recv().await {
                if let Err(error) = Self::write_line(&writer, bytes).await {
                    tracing::warn!(%error, "could not write to standard output");
                    break;
                }
            }
        });
        self.intercept = Some((intercept, outbox));
        self
    }

    /// Writes one serialized message and a newline, then flushes.
    async fn write_line(writer: &Mutex<W>, mut bytes: Vec<u8>) -> std::io::Result<()> {
        bytes.push(b'\n');
        let mut writer = writer.lock().await;
        writer.write_all(&bytes).await?;
        writer.flush().await
    }

    /// Answers a line that could not be delivered. The write runs as its own task: `receive` can
    /// be cancelled at any await, and a half-written line would corrupt the stream.
    fn reply_error(&self, id: serde_json::Value, code: i64, message: String) {
        let response = serde_json::json!({
            "jsonrpc": "2.0",
            "id": id,
            "error": { "code": code, "message": message },
        });
        let writer = Arc::clone(&self.writer);
        let bytes = response.to_string().into_bytes();
        let pending = self.backlog.add(bytes.len());
        tokio::spawn(async move {
            let _pending = pending;
            if let Err(error) = Self::write_line(&writer, bytes).await {
                tracing::warn!(%error, "could not write an error response");
            }
        });
    }

    /// Reads until a whole line is buffered. Returns false at end of input.
    async fn fill_line(&mut self) -> std::io::Result<bool> {
        loop {
            let available = self.reader.fill_buf().await?;
            if available.is_empty() {
                return Ok(false);
            }
            let (chunk, found_newline) = match available.iter().position(|byte| *byte == b'\n') {
                Some(index) => (&available[..index], true),
                None => (available, false),
            };
            let consumed = chunk.len() + usize::from(found_newline);
            if !self.discarding {
                if self.line.len() + chunk.len() > MAX_LINE_BYTES {
                    self.discarding = true;
                    self.line.clear();
                } else {
                    self.line.extend_from_slice(chunk);
                }
            }
            self.reader.consume(consumed);
            if found_newline {
                return Ok(true);
            }
        }
    }

    /// Decides what one complete line is: a message to deliver, or something to answer with an
    /// error, or nothing (blank line, or an unknown notification, which gets no reply).
    fn handle_line(&mut self, line: &[u8]) -> Option<RxJsonRpcMessage<RoleServer>> {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
        if line.iter().all(u8::is_ascii_whitespace) {
            return None;
        }
        let value: serde_json::Value = match serde_json::from_slice(line) {
            Ok(value) => value,
            Err(error) => {
                tracing::warn!(%error, "received a line that is not JSON");
                self.reply_error(
                    serde_json::Value::Null,
                    -32700,
                    format!("Parse error: the line is not valid JSON ({error})"),
                );
                return None;
            }
        };
        let value = match &self.intercept {
            Some((intercept, outbox)) => intercept.intercept(value, outbox)?,
            None => value,
        };
        let id = value.get("id").cloned();
        let method = value
            .get("method")
            .and_then(serde_json::Value::as_str)
            .map(str::to_string);
        let tracked = tracked(&value, method.as_deref());
        match serde_json::from_value::<RxJsonRpcMessage<RoleServer>>(value) {
            Ok(message) => {
                match tracked {
                    Some(Tracked::Asked(id)) => self.backlog.asked(id),
                    Some(Tracked::Cancelled(id)) => self.backlog.answered(&id),
                    None => {}
                }
                Some(message)
            }
            Err(error) => match id {
                // A notification (no id) never gets a reply, whatever is wrong with it.
                None => {
                    tracing::debug!(?method, %error, "ignoring a notification this server does not understand");
                    None
                }
                Some(id) => {
                    tracing::warn!(?method, %error, "received an invalid JSON-RPC request");
                    let id = match id {
                        serde_json::Value::String(_) | serde_json::Value::Number(_) => id,
                        _ => serde_json::Value::Null,
                    };
                    self.reply_error(id, -32600, format!("Invalid Request: {error}"));
                    None
                }
            },
        }
    }
}

/// What a message handed to rmcp changes in the [`Backlog`].
enum Tracked {
    /// A request: unanswered until rmcp answers it.
    Asked(String),
    /// The client cancelled this request: rmcp drops its answer, so it counts as answered.
    Cancelled(String),
}

/// How `value` (an incoming message, method `method`) is counted; IDs as JSON text, which is
/// how rmcp's `RequestId` serializes too.
fn tracked(value: &serde_json::Value, method: Option<&str>) -> Option<Tracked> {
    match (value.get("id"), method) {
        (Some(id), Some(_)) => Some(Tracked::Asked(id.to_string())),
        (None, Some("notifications/cancelled")) => value
            .pointer("/params/requestId")
            .map(|id| Tracked::Cancelled(id.to_string())),
        _ => None,
    }
}

/// rmcp answers a method it does not know with `-32601` and the bare method name as the message
/// (`"foo/bar"`), which reads as no explanation at all: JSON-RPC 2.0 names the error "Method not
/// found", so the message says that and which method. Messages that already are a sentence
/// (ours, which hold spaces) are kept.
fn described(mut item: TxJsonRpcMessage<RoleServer>) -> TxJsonRpcMessage<RoleServer> {
    if let rmcp::model::JsonRpcMessage::Error(error) = &mut item
        && error.error.code == rmcp::model::ErrorCode::METHOD_NOT_FOUND
        && !error.error.message.contains(char::is_whitespace)
    {
        let method = std::mem::take(&mut error.error.message);
        error.error.message = format!("Method not found: {method}").into();
    }
    item
}

impl<R, W> Transport<RoleServer> for LineTransport<R, W>
where
    R: AsyncRead + Unpin + Send,
    W: AsyncWrite + Unpin + Send + 'static,
{
    type Error = std::io::Error;

    fn send(
        &mut self,
        item: TxJsonRpcMessage<RoleServer>,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'static {
        let writer = Arc::clone(&self.writer);
        if let rmcp::model::JsonRpcMessage::Response(rmcp::model::JsonRpcResponse { id, .. })
        | rmcp::model::JsonRpcMessage::Error(rmcp::model::JsonRpcError { id: Some(id), .. }) = &item
            && let Ok(id) = serde_json::to_string(id)
        {
            self.backlog.answered(&id);
        }
        let encoded = serde_json::to_vec(&described(item));
        let pending = encoded.as_ref().ok().map(|bytes| self.backlog.add(bytes.len()));
        async move {
            let _pending = pending;
            let bytes = encoded.map_err(std::io::Error::other)?;
            Self::write_line(&writer, bytes).await
        }
    }

    async fn receive(&mut self) -> Option<RxJsonRpcMessage<RoleServer>> {
        loop {
            // The client is not reading the answers: read no more requests until it does.
            self.backlog
                .wait_for_room(backlog::LIMIT_BYTES, backlog::LIMIT_REQUESTS)
                .await;
            match self.fill_line().await {
                Ok(true) => {}
                Ok(false) => {
                    tracing::info!("standard input closed; ending the session");
                    return None;
                }
                Err(error) => {
                    tracing::error!(%error, "could not read standard input; ending the session");
                    return None;
                }
            }
            let line = std::mem::take(&mut self.line);
            if std::mem::take(&mut self.discarding) {
                tracing::warn!(limit = MAX_LINE_BYTES, "dropped a line longer than the limit");
                self.reply_error(
                    serde_json::Value::Null,
                    -32600,
                    format!("Invalid Request: message longer than {MAX_LINE_BYTES} bytes"),
                );
                continue;
            }
            if let Some(message) = self.handle_line(&line) {
                return Some(message);
            }
        }
    }

    async fn close(&mut self) -> Result<(), Self::Error> {
        self.writer.lock().await.flush().await
    }
}
