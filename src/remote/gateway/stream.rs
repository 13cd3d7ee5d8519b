//! The streams of a Streamable HTTP session: an SSE answer read until its response (resumed as
//! the server asks), and the GET stream the upstream sends its own messages on.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap};
use serde_json::Value;

use super::{
    DEFAULT_RESUME_WAIT, GatewayClient, GatewayError, LAST_EVENT_HEADER, MAX_RESUMPTIONS, ServerMessage, Session,
    check_status, read_limited,
};
use crate::remote::sse;

impl GatewayClient {
    /// Reads an SSE answer until the response to `id`; other messages go to `deliver`.
    ///
    /// When the stream ends (or drops) before the response and its events carried an ID, it is
    /// resumed as the server asked (MCP 2025-11-25, "Resumability and Redelivery", SEP-1699):
    /// wait the stream's `retry` time, then GET with `Last-Event-ID` and read on there, up to
    /// [`MAX_RESUMPTIONS`] times. A stream without event IDs cannot be resumed: that is an error.
    pub(super) async fn response_in_stream(
        &self,
        session: Option<&Session>,
        mut response: reqwest::Response,
        id: &Value,
        limit: Duration,
        deliver: &impl Fn(Value),
    ) -> Result<Value, GatewayError> {
        let mut parser = sse::Parser::new();
        let mut resumptions = 0;
        loop {
            let failure = match self
                .read_until_response(&mut response, &mut parser, id, limit, deliver)
                .await
            {
                Ok(Some(message)) => return Ok(message),
                Ok(None) => GatewayError::Protocol(
                    "the event stream ended before the response arrived (connection dropped)".to_string(),
                ),
                Err(error) => error,
            };
            let Some(last_event_id) = parser.last_event_id.clone() else {
                return Err(failure);
            };
            if resumptions == MAX_RESUMPTIONS {
                return Err(failure);
            }
            resumptions += 1;
            let wait = parser.retry.unwrap_or(DEFAULT_RESUME_WAIT);
            tracing::debug!(%failure, ?wait, resumptions, "resuming the Agent Gateway's event stream");
            tokio::time::sleep(wait).await;
            response = self.resume_stream(session, &last_event_id, limit).await?;
            parser = sse::Parser::resuming(&parser);
        }
    }

    /// Reads `response` until the response to `id` (`Some`) or the end of the stream (`None`).
    pub(super) async fn read_until_response(
        &self,
        response: &mut reqwest::Response,
        parser: &mut sse::Parser,
        id: &Value,
        limit: Duration,
        deliver: &impl Fn(Value),
    ) -> Result<Option<Value>, GatewayError> {
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.transport_error(&error, limit))?
        {
            for event in parser.feed(&chunk) {
                for message in self.event_messages(&event) {
                    if is_response_to(&message, id) {
                        return Ok(Some(message));
                    }
                    deliver(message);
                }
            }
        }
        Ok(None)
    }

    /// Reopens a dropped event stream: GET with `Last-Event-ID`, which must answer with SSE.
    pub(super) async fn resume_stream(
        &self,
        session: Option<&Session>,
        last_event_id: &str,
        limit: Duration,
    ) -> Result<reqwest::Response, GatewayError> {
        let response = self
            .send(reqwest::Method::GET, session, limit, |builder| {
                builder
                    .header(ACCEPT, "text/event-stream")
                    .header(LAST_EVENT_HEADER, last_event_id)
            })
            .await?;
        check_status(&response)?;
        let content_type = content_type(response.headers());
        if content_type != "text/event-stream" {
            return Err(GatewayError::Protocol(format!(
                "resuming the event stream answered Content-Type {content_type:?} (expected text/event-stream)"
            )));
        }
        Ok(response)
    }

    /// Reads a JSON answer (one message or a batch): the response to `id`; other messages go
    /// to `deliver`.
    pub(super) async fn response_in_json(
        &self,
        mut response: reqwest::Response,
        id: &Value,
        limit: Duration,
        deliver: &impl Fn(Value),
    ) -> Result<Value, GatewayError> {
        let body = read_limited(&mut response)
            .await
            .map_err(|error| self.transport_error(&error, limit))?;
        let value: Value = serde_json::from_slice(&body)
            .map_err(|error| GatewayError::Protocol(format!("the response is not JSON ({error})")))?;
        let messages = match value {
            Value::Array(messages) => messages,
            message => vec![message],
        };
        let mut found = None;
        for message in messages {
            if found.is_none() && is_response_to(&message, id) {
                found = Some(message);
            } else {
                deliver(message);
            }
        }
        found.ok_or_else(|| GatewayError::Protocol("the JSON body holds no response to the request".to_string()))
    }

    /// The JSON-RPC messages in one SSE event (one, or a batch); others are logged and skipped.
    pub(super) fn event_messages(&self, event: &sse::Event) -> Vec<Value> {
        if event.event != "message" || event.data.trim().is_empty() {
            return Vec::new();
        }
        match serde_json::from_str::<Value>(&event.data) {
            Ok(Value::Array(messages)) => messages,
            Ok(message) => vec![message],
            Err(error) => {
                tracing::warn!(%error, "the Agent Gateway sent an event that is not JSON; skipped");
                Vec::new()
            }
        }
    }

    /// Hands a message the gateway sent on its own to the server-message channel.
    pub fn deliver(&self, message: Value) {
        let _ = self.server_messages.send(ServerMessage(message));
    }

    /// Opens the GET stream for server-initiated messages (with `Last-Event-ID` when resuming).
    pub(super) async fn open_stream(&self, session: &Session, last_event_id: Option<&str>) -> StreamOpening {
        let limit = self.config.timeout;
        let sent = self.send(reqwest::Method::GET, Some(session), limit, |builder| {
            let builder = builder.header(ACCEPT, "text/event-stream");
            match last_event_id {
                Some(id) => builder.header(LAST_EVENT_HEADER, id),
                None => builder,
            }
        });
        match tokio::time::timeout(limit, sent).await {
            Err(_) => StreamOpening::Failed(GatewayError::Timeout {
                url: self.config.url.clone(),
                seconds: limit.as_secs().max(1),
            }),
            Ok(Err(error)) => StreamOpening::Failed(error),
            Ok(Ok(response)) if response.status() == StatusCode::METHOD_NOT_ALLOWED => {
                tracing::debug!("the Agent Gateway offers no GET stream (405)");
                StreamOpening::Closed
            }
            Ok(Ok(response)) if response.status() == StatusCode::NOT_FOUND => {
                tracing::debug!("the Agent Gateway session expired (404 on the GET stream)");
                StreamOpening::Closed // the next request re-initialises, and opens a new stream
            }
            Ok(Ok(response)) => match check_status(&response) {
                Ok(()) => StreamOpening::Open(response),
                Err(error) => StreamOpening::Failed(error),
            },
        }
    }

    /// Holds the GET stream open for server-initiated messages while session `generation` lasts,
    /// starting with `opening` (the first attempt, made during `initialize` so the stream is
    /// there before any request: a server may drop what it sends while no stream is open).
    /// A gateway that offers none (405) is left alone; a dropped stream is reopened with backoff
    /// (and `Last-Event-ID`), up to 5 failures in a row.
    pub(super) async fn listen(self: Arc<Self>, generation: u64, opening: StreamOpening) {
        let mut failures = 0u32;
        let mut last_event_id: Option<String> = None;
        let mut opening = Some(opening);
        loop {
            if self.closed.load(Ordering::SeqCst) {
                return;
            }
            let Some(session) = self
                .current_session()
                .filter(|session| session.generation == generation)
            else {
                return; // a newer session has its own stream
            };
            let opened = match opening.take() {
                Some(opening) => opening,
                None => self.open_stream(&session, last_event_id.as_deref()).await,
            };
            let outcome = match opened {
                StreamOpening::Closed => return,
                StreamOpening::Open(response) => {
                    failures = 0;
                    self.read_stream(response, &mut last_event_id).await
                }
                StreamOpening::Failed(error) => Err(error),
            };
            if let Err(error) = outcome {
                failures += 1;
                tracing::debug!(%error, failures, "the Agent Gateway's GET stream failed");
                if failures >= 5 {
                    tracing::warn!(%error, "gave up on the Agent Gateway's GET stream; list changes will not arrive");
                    return;
                }
            }
            let wait = self.config.first_backoff.saturating_mul(1 << failures.min(6));
            tokio::time::sleep(wait).await;
        }
    }

    pub(super) async fn read_stream(
        &self,
        mut response: reqwest::Response,
        last_event_id: &mut Option<String>,
    ) -> Result<(), GatewayError> {
        let mut parser = sse::Parser::new();
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    for event in parser.feed(&chunk) {
                        for message in self.event_messages(&event) {
                            self.deliver(message);
                        }
                    }
                    if parser.last_event_id.is_some() {
                        last_event_id.clone_from(&parser.last_event_id);
                    }
                }
                Ok(None) => return Ok(()),
                Err(error) => return Err(self.transport_error(&error, self.config.timeout)),
            }
        }
    }
}

/// How an attempt at opening the GET stream went.
pub(super) enum StreamOpening {
    /// Open: its events are to be read.
    Open(reqwest::Response),
    /// Not to be tried again for this session (405: none offered; 404: the session expired).
    Closed,
    /// Failed; may be tried again.
    Failed(GatewayError),
}

/// Whether `message` is the response (not a request or notification) with this `id`.
pub(super) fn is_response_to(message: &Value, id: &Value) -> bool {
    message.get("id") == Some(id) && message.get("method").is_none()
}

pub(super) fn content_type(headers: &HeaderMap) -> String {
    headers
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|value| value.trim().to_ascii_lowercase())
        .unwrap_or_default()
}
