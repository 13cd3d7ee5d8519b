//! rmcp's OAuth requests (discovery, registration, token) over this crate's HTTP client.
//!
//! Why not rmcp's default client: it is a plain `reqwest::Client::new()`, which panics with no
//! system CA store and does not know the ring provider this crate builds rustls with. This one
//! comes from [`crate::remote::http`], so TLS is set up once, the same way for every request.
//!
//! Every request and every redirect goes only to an HTTPS URL or to loopback
//! ([`super::secure`]): rmcp follows whatever the metadata names, and this is the one place all
//! of its requests pass. A refused URL is remembered ([`OAuthHttp::refused`]) so the caller can
//! say which endpoint was the problem instead of rmcp's "no usable metadata".

use std::sync::Mutex;
use std::time::Duration;

use rmcp::transport::auth::{OAuthHttpClient, OAuthHttpClientFuture, OAuthHttpRedirectPolicy, OAuthHttpRequest};

use super::secure::{InsecureEndpoint, is_secure, require_secure};
use crate::remote::http::{HttpSetupError, Limits, client_with_redirects};

/// Largest OAuth response body read (metadata and tokens are small).
const MAX_BODY_BYTES: usize = 1024 * 1024;

/// An [`OAuthHttpClient`] with a client that follows redirects and one that does not.
pub struct OAuthHttp {
    follow: reqwest::Client,
    stop: reqwest::Client,
    /// The first request this client refused to send (not HTTPS, not loopback).
    refused: Mutex<Option<InsecureEndpoint>>,
}

impl OAuthHttp {
    /// Clients with `timeout` per request, trusting the system's and the bundled roots.
    pub fn new(timeout: Duration) -> Result<OAuthHttp, HttpSetupError> {
        // An authorization server may be HTTPS even when the resource is a local http:// one.
        let urls = ["https://"];
        Ok(OAuthHttp {
            follow: client_with_redirects(urls, Limits::both(timeout), secure_redirects())?,
            stop: client_with_redirects(urls, Limits::both(timeout), reqwest::redirect::Policy::none())?,
            refused: Mutex::new(None),
        })
    }

    /// The first request refused because its URL was neither HTTPS nor loopback, if any.
    pub fn refused(&self) -> Option<InsecureEndpoint> {
        self.refused.lock().ok().and_then(|refused| refused.clone())
    }
}

/// Up to 10 redirects, none of them to a URL that is neither HTTPS nor loopback.
fn secure_redirects() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        if !is_secure(attempt.url().as_str()) {
            let refusal = InsecureEndpoint {
                role: "redirect target".to_string(),
                url: crate::remote_text::clean(attempt.url().as_str()),
            };
            attempt.error(refusal)
        } else if attempt.previous().len() >= 10 {
            attempt.error("too many redirects")
        } else {
            attempt.follow()
        }
    })
}

impl OAuthHttpClient for OAuthHttp {
    fn execute(&self, request: OAuthHttpRequest) -> OAuthHttpClientFuture<'_> {
        let client = match request.redirect_policy {
            OAuthHttpRedirectPolicy::Follow => &self.follow,
            _ => &self.stop,
        };
        let timeout = request.timeout;
        let (parts, body) = request.request.into_parts();
        let target = parts.uri.to_string();
        let refusal = require_secure(&target, "endpoint").err();
        if let Some(refusal) = &refusal
            && let Ok(mut refused) = self.refused.lock()
        {
            refused.get_or_insert_with(|| refusal.clone());
        }
        Box::pin(async move {
            if let Some(refusal) = refusal {
                return Err(refusal.into());
            }
            let mut builder = client.request(parts.method, target).headers(parts.headers).body(body);
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
