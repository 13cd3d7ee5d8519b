//! The one-shot listener the browser is redirected back to after sign-in.
//!
//! Why loopback only: a native app's redirect goes to `http://127.0.0.1:PORT/callback` (RFC
//! 8252 §7.3), where no other machine can reach it; the port is picked by the system. The
//! listener answers exactly one request that carries this flow's `state` (anything else, such
//! as a browser's `/favicon.ico`, gets a 404, and a wrong `state` a 400: both are ignored, so a
//! stray or forged request cannot end the sign-in), then closes.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The path of the redirect URI.
pub const CALLBACK_PATH: &str = "/callback";

/// What the authorization server sent back.
pub enum Callback {
    /// The authorization code, and the issuer when the server names it (RFC 9207).
    Code {
        /// The code (secret).
        code: String,
        /// The `iss` parameter.
        issuer: Option<String>,
    },
    /// The server refused (`error`, `error_description`).
    Refused(String),
}

impl std::fmt::Debug for Callback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Callback::Code { issuer, .. } => write!(f, "Code {{ code: [REDACTED], issuer: {issuer:?} }}"),
            Callback::Refused(reason) => write!(f, "Refused({reason:?})"),
        }
    }
}

/// The listener failed or nothing came back in time.
#[derive(Debug, thiserror::Error)]
pub enum CallbackError {
    /// No loopback port could be opened.
    #[error("could not listen on 127.0.0.1 for the sign-in's redirect: {0}")]
    Listen(std::io::Error),
    /// The browser did not come back in time.
    #[error("the sign-in did not come back within {0} s")]
    TimedOut(u64),
}

/// A listener on `127.0.0.1`, on a port the system picked.
pub struct CallbackListener {
    listener: TcpListener,
    port: u16,
}

impl CallbackListener {
    /// Opens the listener.
    pub fn open() -> Result<CallbackListener, CallbackError> {
        let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).map_err(CallbackError::Listen)?;
        let port = listener.local_addr().map_err(CallbackError::Listen)?.port();
        listener.set_nonblocking(true).map_err(CallbackError::Listen)?;
        Ok(CallbackListener { listener, port })
    }

    /// The redirect URI to register and send.
    pub fn redirect_uri(&self) -> String {
        format!("http://127.0.0.1:{}{CALLBACK_PATH}", self.port)
    }

    /// Waits (blocking) for the redirect that carries `state`, up to `limit`.
    pub fn wait(self, state: &str, limit: Duration) -> Result<Callback, CallbackError> {
        let deadline = Instant::now() + limit;
        loop {
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if let Some(callback) = answer(stream, state) {
                        return Ok(callback);
                    }
                }
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                    if Instant::now() >= deadline {
                        return Err(CallbackError::TimedOut(limit.as_secs()));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                }
                Err(error) => return Err(CallbackError::Listen(error)),
            }
        }
    }
}

/// Reads one request and answers it; the callback when it is this flow's.
fn answer(mut stream: TcpStream, state: &str) -> Option<Callback> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let target = read_request_target(&mut stream)?;
    let (path, query) = target.split_once('?').unwrap_or((&target, ""));
    if path != CALLBACK_PATH {
        respond(&mut stream, "404 Not Found", "Not found.");
        return None;
    }
    let pairs: Vec<(String, String)> = form_urlencoded_pairs(query);
    let value = |key: &str| {
        pairs
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.clone())
    };
    if value("state").as_deref() != Some(state) {
        respond(
            &mut stream,
            "400 Bad Request",
            "This sign-in link is not the one tray-mcp is waiting for.",
        );
        return None;
    }
    if let Some(error) = value("error") {
        let description = value("error_description").unwrap_or_default();
        respond(
            &mut stream,
            "200 OK",
            "The sign-in was not completed. You can close this tab.",
        );
        return Some(Callback::Refused(if description.is_empty() {
            error
        } else {
            format!("{error}: {description}")
        }));
    }
    let code = value("code")?;
    respond(
        &mut stream,
        "200 OK",
        "Signed in to Tray. You can close this tab and go back to the terminal.",
    );
    Some(Callback::Code {
        code,
        issuer: value("iss"),
    })
}

/// The target of the request line (`GET TARGET HTTP/1.1`), from at most 16 KiB of head.
fn read_request_target(stream: &mut TcpStream) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let read = stream.read(&mut buffer).ok()?;
        if read == 0 {
            break;
        }
        head.extend_from_slice(&buffer[..read]);
    }
    let line = String::from_utf8_lossy(&head).lines().next()?.to_string();
    let mut words = line.split_whitespace();
    let method = words.next()?;
    let target = words.next()?;
    (method == "GET").then(|| target.to_string())
}

fn respond(stream: &mut TcpStream, status: &str, message: &str) {
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>tray-mcp</title></head>\
         <body><p>{message}</p></body></html>"
    );
    let _ = write!(
        stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nCache-Control: no-store\r\n\
         Connection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.flush();
}

fn form_urlencoded_pairs(query: &str) -> Vec<(String, String)> {
    reqwest::Url::parse(&format!("http://127.0.0.1/?{query}"))
        .map(|url| {
            url.query_pairs()
                .map(|(key, value)| (key.into_owned(), value.into_owned()))
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get(port: u16, target: &str) -> String {
        let mut stream = TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect");
        write!(stream, "GET {target} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n").expect("write");
        let mut answer = String::new();
        let _ = stream.read_to_string(&mut answer);
        answer
    }

    #[test]
    fn only_the_redirect_with_this_flow_s_state_ends_the_wait() {
        let listener = CallbackListener::open().expect("listen");
        let port = listener.port;
        assert!(listener.redirect_uri().starts_with("http://127.0.0.1:"));
        let browser = std::thread::spawn(move || {
            let stray = get(port, "/favicon.ico");
            let forged = get(port, "/callback?code=evil&state=wrong");
            let real = get(port, "/callback?code=c%2Fode&state=s1&iss=https%3A%2F%2Fas");
            (stray, forged, real)
        });
        let callback = listener.wait("s1", Duration::from_secs(10)).expect("callback");
        let (stray, forged, real) = browser.join().expect("browser");
        assert!(stray.starts_with("HTTP/1.1 404"), "{stray}");
        assert!(forged.starts_with("HTTP/1.1 400"), "{forged}");
        assert!(real.starts_with("HTTP/1.1 200") && !real.contains("c/ode"), "{real}");
        match callback {
            Callback::Code { code, issuer } => {
                assert_eq!(code, "c/ode");
                assert_eq!(issuer.as_deref(), Some("https://as"));
            }
            Callback::Refused(reason) => panic!("refused: {reason}"),
        }
    }

    #[test]
    fn a_refusal_is_reported_and_a_silent_browser_times_out() {
        let listener = CallbackListener::open().expect("listen");
        let port = listener.port;
        let browser = std::thread::spawn(move || get(port, "/callback?error=access_denied&state=s2"));
        let callback = listener.wait("s2", Duration::from_secs(10)).expect("callback");
        browser.join().expect("browser");
        assert!(matches!(callback, Callback::Refused(reason) if reason == "access_denied"));
        let silent = CallbackListener::open().expect("listen");
        assert!(matches!(
            silent.wait("s3", Duration::from_millis(100)),
            Err(CallbackError::TimedOut(_))
        ));
    }
}
