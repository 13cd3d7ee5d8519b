//! The one way this crate builds an HTTP client, and reads a transport error.
//!
//! Why one builder: Tray's API, the Agent Gateway and `doctor --online` need the same TLS set-up
//! (rustls with the ring provider, which builds in half the time of aws-lc-rs; the system's
//! roots merged with the bundled Mozilla roots, because with no system CA store `Client::new()`
//! panics), and differ only in time limits and in whether any root is needed at all: for a
//! plain `http://` URL (a local server in tests and benchmarks) the client loads no roots,
//! which saves about 7 ms and 1.5 MiB and means it can reach no HTTPS URL.

use std::time::Duration;

/// The HTTP client could not be built (TLS set-up).
#[derive(Debug, thiserror::Error)]
#[error("could not set up HTTPS: {0}")]
pub struct HttpSetupError(String);

/// Time limits of a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Longest wait for a connection.
    pub connect: Duration,
    /// Longest wait for a whole request, or `None` when each request sets its own (the
    /// gateway's event stream lives long).
    pub request: Option<Duration>,
}

impl Limits {
    /// The same limit for connecting and for each whole request.
    pub fn both(limit: Duration) -> Self {
        Limits {
            connect: limit,
            request: Some(limit),
        }
    }

    /// A connection limit only.
    pub fn connect_only(limit: Duration) -> Self {
        Limits {
            connect: limit,
            request: None,
        }
    }
}

/// A client for requests to `urls`: without root certificates when every URL is plain
/// `http://`, else with the system's and the bundled roots.
pub fn client_for<'a>(
    urls: impl IntoIterator<Item = &'a str>,
    limits: Limits,
) -> Result<reqwest::Client, HttpSetupError> {
    client_with_redirects(urls, limits, reqwest::redirect::Policy::default())
}

/// [`client_for`] with a redirect policy (OAuth token requests follow none).
pub fn client_with_redirects<'a>(
    urls: impl IntoIterator<Item = &'a str>,
    limits: Limits,
    redirects: reqwest::redirect::Policy,
) -> Result<reqwest::Client, HttpSetupError> {
    let plain_http_only = urls.into_iter().all(|url| url.starts_with("http://"));
    build(plain_http_only, limits, redirects)
}

/// A client with root certificates, or (`plain_http_only`) without any.
fn build(
    plain_http_only: bool,
    limits: Limits,
    redirects: reqwest::redirect::Policy,
) -> Result<reqwest::Client, HttpSetupError> {
    // Installing fails only when a provider is already installed, which is fine.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let builder = reqwest::Client::builder()
        .connect_timeout(limits.connect)
        .redirect(redirects)
        .user_agent(concat!("tray-mcp/", env!("CARGO_PKG_VERSION")));
    let builder = if plain_http_only {
        builder.tls_certs_only(std::iter::empty())
    } else {
        let bundled_roots = webpki_root_certs::TLS_SERVER_ROOT_CERTS
            .iter()
            .filter_map(|der| reqwest::Certificate::from_der(der).ok());
        builder.tls_certs_merge(bundled_roots)
    };
    let builder = match limits.request {
        Some(limit) => builder.timeout(limit),
        None => builder,
    };
    builder.build().map_err(|error| HttpSetupError(error_chain(&error)))
}

/// The clients of one run that talks to Tray in several ways at once (install verification:
/// Tray's API and the Agent Gateway; `doctor --online`: those and the Headless MCP, for every
/// entry): one client with root certificates and one without, each built on first use and then
/// shared, so the roots load once per run instead of once per remote.
///
/// Why: loading the system's and the bundled roots is most of what building a client costs
/// (about 7 ms and 1.5 MiB, see the module docs), and verification built two and doctor three per
/// entry. The shared clients have a connection limit only; every request sets its own
/// (`RequestBuilder::timeout`), as the Tray API client and the gateway client already do.
#[derive(Debug)]
pub struct SharedClients {
    connect: Duration,
    plain: std::sync::OnceLock<reqwest::Client>,
    secure: std::sync::OnceLock<reqwest::Client>,
}

impl SharedClients {
    /// No client yet; each waits at most `connect` for a connection.
    pub fn new(connect: Duration) -> Self {
        SharedClients {
            connect,
            plain: std::sync::OnceLock::new(),
            secure: std::sync::OnceLock::new(),
        }
    }

    /// A client that can reach every one of `urls`: the one without roots when all are plain
    /// `http://`, else the one with them (built now if this is its first use).
    pub fn client_for<'a>(&self, urls: impl IntoIterator<Item = &'a str>) -> Result<reqwest::Client, HttpSetupError> {
        let plain_http_only = urls.into_iter().all(|url| url.starts_with("http://"));
        let cell = if plain_http_only { &self.plain } else { &self.secure };
        if let Some(client) = cell.get() {
            return Ok(client.clone());
        }
        let limits = Limits::connect_only(self.connect);
        let client = build(plain_http_only, limits, reqwest::redirect::Policy::default())?;
        Ok(cell.get_or_init(|| client).clone())
    }
}

/// An error with all its causes, `outer: inner: innermost`.
pub fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

/// The innermost cause of an error, which names the actual problem ("Connection refused").
pub fn root_cause(error: &dyn std::error::Error) -> String {
    let mut current = error;
    while let Some(source) = current.source() {
        current = source;
    }
    current.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("outer")]
    struct Outer(#[source] std::io::Error);

    #[test]
    fn chain_and_root_cause_name_the_innermost_problem() {
        let error = Outer(std::io::Error::other("Connection refused"));
        assert_eq!(error_chain(&error), "outer: Connection refused");
        assert_eq!(root_cause(&error), "Connection refused");
    }

    #[test]
    fn clients_build_for_plain_and_secure_urls() {
        assert!(client_for(["http://127.0.0.1:1"], Limits::both(Duration::from_secs(1))).is_ok());
        assert!(client_for(["https://api.tray.io"], Limits::connect_only(Duration::from_secs(1))).is_ok());
    }

    #[test]
    fn shared_clients_are_built_once_per_kind() {
        let shared = SharedClients::new(Duration::from_secs(1));
        shared
            .client_for(["https://api.tray.io", "http://127.0.0.1:1"])
            .unwrap();
        shared.client_for(["https://example.com"]).unwrap();
        shared.client_for(["http://127.0.0.1:2"]).unwrap();
        assert!(shared.secure.get().is_some() && shared.plain.get().is_some());
    }
}

/// What the unit tests' one-thread HTTP servers on 127.0.0.1 need of a request.
#[cfg(test)]
pub(crate) mod test_server {
    use std::io::BufRead;

    /// One request read from `reader`: its verb, its bearer token (empty when none) and its body
    /// (`Content-Length` bytes).
    pub(crate) fn read_request(reader: &mut impl BufRead) -> (String, String, Vec<u8>) {
        let (mut verb, mut bearer, mut length) = (String::new(), String::new(), 0usize);
        let mut line = String::new();
        while reader.read_line(&mut line).is_ok_and(|read| read > 0) && line != "\r\n" {
            let lower = line.to_ascii_lowercase();
            if verb.is_empty() {
                verb = line.split(' ').next().unwrap_or_default().to_string();
            } else if let Some(value) = lower.strip_prefix("authorization: bearer ") {
                bearer = value.trim().to_string();
            } else if let Some(value) = lower.strip_prefix("content-length: ") {
                length = value.trim().parse().unwrap_or(0);
            }
            line.clear();
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        (verb, bearer, body)
    }
}
