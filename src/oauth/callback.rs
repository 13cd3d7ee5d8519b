//! The one-shot listener the browser is redirected back to after sign-in.
//!
//! Why loopback only: a native app's redirect goes to `http://127.0.0.1:PORT/callback` (RFC
//! 8252 §7.3), where no other machine can reach it; the port is picked by the system. The
//! listener answers exactly one request that carries this flow's `state` (anything else, such
//! as a browser's `/favicon.ico`, gets a 404, and a wrong `state` a 400: both are ignored, so a
//! stray or forged request cannot end the sign-in), then closes.
//!
//! Why each connection on its own thread, with a short read limit: any local process can
//! connect to the port and send nothing. Served one at a time, each such connection held the
//! listener for its whole read limit, so a few of them kept the real redirect out and pushed
//! the wait past `TRAY_MCP_LOGIN_WAIT_SECS` without bound. Now connections are read side by
//! side, at most [`MAX_CONNECTIONS`] at once, none for longer than [`READ_LIMIT`] or past the
//! deadline, and the deadline holds whatever arrives.

use std::io::{Read as _, Write as _};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// The path of the redirect URI.
pub const CALLBACK_PATH: &str = "/callback";

/// How long one connection may take to send its request (a browser sends it at once).
const READ_LIMIT: Duration = Duration::from_secs(5);

/// Connections read at the same time; more are closed unread until one ends.
const MAX_CONNECTIONS: usize = 32;

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

    /// Waits (blocking) for the redirect that carries `state`, up to `limit`, whatever other
    /// connections arrive meanwhile.
    pub fn wait(self, state: &str, limit: Duration) -> Result<Callback, CallbackError> {
        let deadline = Instant::now() + limit;
        let (sender, received) = mpsc::channel();
        let open = Arc::new(AtomicUsize::new(0));
        loop {
            if let Ok(callback) = received.try_recv() {
                return Ok(callback);
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(CallbackError::TimedOut(limit.as_secs()));
            }
            match self.listener.accept() {
                Ok((stream, _)) => {
                    if open.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
                        continue;
                    }
                    let stream_deadline = deadline.min(now + READ_LIMIT);
                    let (sender, state, open) = (sender.clone(), state.to_string(), Arc::clone(&open));
                    open.fetch_add(1, Ordering::SeqCst);
                    std::thread::spawn(move || {
                        if let Some(callback) = answer(stream, &state, stream_deadline) {
                            let _ = sender.send(callback);
                        }
                        open.fetch_sub(1, Ordering::SeqCst);
                    });
                }
                Err(error) if error.kind() == std::io::ErrorKind::WouldBlock => {
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(error) => return Err(CallbackError::Listen(error)),
            }
        }
    }
}

/// Reads one request and answers it; the callback when it is this flow's.
fn answer(mut stream: TcpStream, state: &str, deadline: Instant) -> Option<Callback> {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_write_timeout(Some(READ_LIMIT));
    let target = read_request_target(&mut stream, deadline)?;
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
        // The authorization server wrote these: no escape sequence or line break reaches the
        // terminal from them.
        let reason = if description.is_empty() {
            error
        } else {
            format!("{error}: {description}")
        };
        return Some(Callback::Refused(crate::remote_text::clean(&reason)));
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

/// The target of the request line (`GET TARGET HTTP/1.1`), from at most 16 KiB of head read
/// before `deadline`.
fn read_request_target(stream: &mut TcpStream, deadline: Instant) -> Option<String> {
    let mut head = Vec::new();
    let mut buffer = [0u8; 2048];
    while !head.windows(4).any(|window| window == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let left = deadline
            .checked_duration_since(Instant::now())
            .filter(|left| !left.is_zero())?;
        stream.set_read_timeout(Some(left)).ok()?;
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
    fn idle_connections_neither_keep_the_redirect_out_nor_stretch_the_deadline() {
        let listener = CallbackListener::open().expect("listen");
        let port = listener.port;
        // Six local connections that send nothing, then the browser: served one at a time with
        // a 5 s read limit each, the redirect would come 30 s late, past the 10 s wait.
        let idle: Vec<TcpStream> = (0..6)
            .map(|_| TcpStream::connect((Ipv4Addr::LOCALHOST, port)).expect("connect"))
            .collect();
        let browser = std::thread::spawn(move || get(port, "/callback?code=c1&state=s4"));
        let started = Instant::now();
        let callback = listener.wait("s4", Duration::from_secs(10)).expect("callback");
        assert!(started.elapsed() < Duration::from_secs(10), "{:?}", started.elapsed());
        assert!(browser.join().expect("browser").starts_with("HTTP/1.1 200"));
        assert!(matches!(callback, Callback::Code { code, .. } if code == "c1"));
        drop(idle);

        // Idle connections keep arriving and nobody comes back: the 1 s wait still ends.
        let listener = CallbackListener::open().expect("listen");
        let port = listener.port;
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flooding = Arc::clone(&stop);
        let flood = std::thread::spawn(move || {
            let mut idle = Vec::new();
            while !flooding.load(Ordering::SeqCst) && idle.len() < 200 {
                if let Ok(stream) = TcpStream::connect((Ipv4Addr::LOCALHOST, port)) {
                    idle.push(stream);
                }
                std::thread::sleep(Duration::from_millis(20));
            }
        });
        let started = Instant::now();
        let outcome = listener.wait("s5", Duration::from_secs(1));
        let took = started.elapsed();
        stop.store(true, Ordering::SeqCst);
        flood.join().expect("flood");
        assert!(matches!(outcome, Err(CallbackError::TimedOut(1))), "{outcome:?}");
        assert!(took < Duration::from_secs(3), "the 1 s wait took {took:?}");
    }

    #[test]
    fn a_refusal_s_description_reaches_nobody_with_control_characters() {
        let listener = CallbackListener::open().expect("listen");
        let port = listener.port;
        let browser = std::thread::spawn(move || {
            get(
                port,
                "/callback?state=s6&error=access_denied&error_description=%1B%5B2J%1B%5D0%3Bpwned%07no%0Ahint%3A%20run%20evil",
            )
        });
        let callback = listener.wait("s6", Duration::from_secs(10)).expect("callback");
        browser.join().expect("browser");
        match callback {
            Callback::Refused(reason) => assert_eq!(reason, "access_denied: no hint: run evil"),
            Callback::Code { .. } => panic!("a code"),
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
