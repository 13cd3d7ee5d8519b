//! rmcp's OAuth requests (discovery, registration, token) over this crate's HTTP client.
//!
//! Why not rmcp's default client: it is a plain `reqwest::Client::new()`, which panics with no
//! system CA store and does not know the ring provider this crate builds rustls with. This one
//! comes from [`crate::server::http`], so TLS is set up once, the same way for every request.

use std::time::Duration;

use rmcp::transport::auth::{OAuthHttpClient, OAuthHttpClientFuture, OAuthHttpRedirectPolicy, OAuthHttpRequest};

use crate::server::http::{HttpSetupError, Limits, client_with_redirects};

/// Largest OAuth response body read (metadata and tokens are small).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An [`OAuthHttpClient`] with a client that follows redirects and one that does not.
pub struct OAuthHttp {
    follow: reqwest::Client,
    stop: reqwest::Client,
}

impl OAuthHttp {
    /// Clients with `timeout` per request, trusting the system's and the bundled roots.
    pub fn new(timeout: Duration) -> Result<OAuthHttp, HttpSetupError> {
        // An authorization server may be HTTPS even when the resource is a local http:// one.
        let urls = ["https://"];
        Ok(OAuthHttp {
            follow: client_with_redirects(urls, Limits::both(timeout), reqwest::redirect::Policy::limited(10))?,
            stop: client_with_redirects(urls, Limits::both(timeout), reqwest::redirect::Policy::none())?,
        })
    }
}

impl OAuthHttpClient for OAuthHttp {
    fn execute(&self, request: OAuthHttpRequest) -> OAuthHttpClientFuture<'_> {
        let client = match request.redirect_policy {
            OAuthHttpRedirectPolicy::Follow => &self.follow,
            _ => &self.stop,
        };
        let timeout = request.timeout;
        let (parts, body) = request.request.into_parts();
        Box::pin(async move {
            let mut builder = client
                .request(parts.method, parts.uri.to_string())
                .headers(parts.headers)
                .body(body);
            if let Some(timeout) = timeout {
                builder = builder.timeout(timeout);
            }
            let mut response = builder.send().await?;
            let mut answer = oauth2::http::Response::builder().status(response.status());
            for (name, value) in response.headers() {
                answer = answer.header(name, value);
            }
            let mut body = Vec::new();
            while let Some(chunk) = response.chunk().await? {
                if body.len() + chunk.len() > MAX_BODY_BYTES {
                    return Err("the authorization server's answer is too large".into());
                }
                body.extend_from_slice(&chunk);
            }
            Ok(answer.body(body)?)
        })
    }
}
