//! Revoking a sign-in's tokens at `logout` (RFC 7009), where the authorization server offers a
//! `revocation_endpoint`.
//!
//! Why by hand: rmcp's client does not revoke; the request is one form POST. The refresh token
//! is revoked (which ends the access tokens made from it, RFC 7009 §2.1), else the access token.

use std::time::Duration;

use oauth2::TokenResponse as _;

use super::store::SignIn;
use crate::remote::http::{Limits, client_with_redirects, root_cause};

/// Revokes the sign-in's tokens. `Ok(false)` when the server offers no revocation.
pub fn revoke(sign_in: &SignIn) -> Result<bool, String> {
    let Some(endpoint) = sign_in
        .metadata
        .additional_fields
        .get("revocation_endpoint")
        .and_then(serde_json::Value::as_str)
        .map(str::to_string)
    else {
        return Ok(false);
    };
    let Some(tokens) = &sign_in.credentials.token_response else {
        return Ok(true);
    };
    super::secure::require_secure(&endpoint, "revocation endpoint").map_err(|refused| refused.to_string())?;
    let (token, hint) = match tokens.refresh_token() {
        Some(refresh) => (refresh.secret().clone(), "refresh_token"),
        None => (tokens.access_token().secret().clone(), "access_token"),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())?;
    runtime.block_on(async {
        // No redirect: a 307 would send the token in the body again, wherever it points.
        let client = client_with_redirects(
            [endpoint.as_str()],
            Limits::both(Duration::from_secs(20)),
            reqwest::redirect::Policy::none(),
        )
        .map_err(|error| error.to_string())?;
        let mut form = vec![("token", token.as_str()), ("token_type_hint", hint)];
        let mut request = client.post(&endpoint);
        match &sign_in.client_secret {
            Some(secret) => request = request.basic_auth(&sign_in.client_id, Some(secret)),
            None => form.push(("client_id", sign_in.client_id.as_str())),
        }
        let body: String = form
            .iter()
            .map(|(key, value)| format!("{key}={}", percent_encode(value)))
            .collect::<Vec<_>>()
            .join("&");
        let response = request
            .header(reqwest::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .map_err(|error| root_cause(&error))?;
        if response.status().is_success() {
            Ok(true)
        } else {
            Err(format!(
                "the revocation endpoint answered HTTP {}",
                response.status().as_u16()
            ))
        }
    })
}

/// Form-encodes a value (RFC 3986 unreserved characters kept).
fn percent_encode(value: &str) -> String {
    value
        .bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (byte as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}
