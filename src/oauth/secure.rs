//! Which OAuth endpoints a secret may be sent to: HTTPS ones, and plain HTTP only on this
//! machine.
//!
//! Why: the authorization code, the PKCE verifier, the client secret and every token travel to
//! the authorization server's endpoints, and a metadata document (or a protected-resource
//! document naming the authorization server) is enough to point them anywhere. The MCP
//! authorization spec requires HTTPS for every authorization-server endpoint; tray-mcp refuses
//! any other before a request carries a secret, and before an authorization URL is printed or
//! opened. Loopback (`127.0.0.0/8`, `::1`, `localhost`) is exempt: nothing leaves the machine,
//! and local test servers run there.
//!
//! The check runs where endpoints come in (discovery, [`check_metadata`]), where a stored
//! sign-in is used again (refresh, revocation), and in every OAuth HTTP request and redirect
//! ([`super::http`]), so an endpoint that slipped past one place is still never contacted.

use rmcp::transport::auth::AuthorizationMetadata;

/// An endpoint that would carry a secret in clear text.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "the authorization server's {role} {url} is not HTTPS: tray-mcp sends no code, verifier, \
     client secret or token over plain HTTP"
)]
pub struct InsecureEndpoint {
    /// What the endpoint is for ("token endpoint").
    pub role: String,
    /// The URL as the server named it.
    pub url: String,
}

impl InsecureEndpoint {
    /// What the user can do about it.
    pub fn hint(&self) -> String {
        "the MCP authorization spec requires HTTPS for every authorization-server endpoint; ask the \
         server's administrator to publish HTTPS endpoints (plain HTTP is accepted only on 127.0.0.1 / \
         localhost)"
            .to_string()
    }
}

/// True when `url` is `https://`, or `http://` to a loopback host.
pub fn is_secure(url: &str) -> bool {
    let Ok(parsed) = reqwest::Url::parse(url) else {
        return false;
    };
    match parsed.scheme() {
        "https" => true,
        "http" => {
            let host = parsed.host_str().unwrap_or_default();
            let bare = host.trim_start_matches('[').trim_end_matches(']');
            match bare.parse::<std::net::IpAddr>() {
                Ok(address) => address.is_loopback(),
                Err(_) => host.eq_ignore_ascii_case("localhost"),
            }
        }
        _ => false,
    }
}

/// `Ok` when `url` may carry a secret ([`is_secure`]); else the refusal, naming `role`.
pub fn require_secure(url: &str, role: &str) -> Result<(), InsecureEndpoint> {
    if is_secure(url) {
        Ok(())
    } else {
        Err(InsecureEndpoint {
            role: role.to_string(),
            url: crate::remote_text::clean(url),
        })
    }
}

/// Checks every endpoint of `metadata` a secret goes to: authorization (the code comes back
/// from it, and its URL is shown to the user), token, registration (a client secret comes back)
/// and revocation.
pub fn check_metadata(metadata: &AuthorizationMetadata) -> Result<(), InsecureEndpoint> {
    require_secure(&metadata.authorization_endpoint, "authorization endpoint")?;
    require_secure(&metadata.token_endpoint, "token endpoint")?;
    if let Some(registration) = &metadata.registration_endpoint {
        require_secure(registration, "registration endpoint")?;
    }
    if let Some(revocation) = metadata
        .additional_fields
        .get("revocation_endpoint")
        .and_then(serde_json::Value::as_str)
    {
        require_secure(revocation, "revocation endpoint")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn metadata(base: &str) -> AuthorizationMetadata {
        serde_json::from_value(serde_json::json!({
            "authorization_endpoint": format!("{base}/authorize"),
            "token_endpoint": format!("{base}/token"),
            "registration_endpoint": format!("{base}/register"),
            "revocation_endpoint": format!("{base}/revoke"),
        }))
        .expect("metadata")
    }

    #[test]
    fn https_and_loopback_http_are_secure_anything_else_is_not() {
        for url in [
            "https://auth.example.com/token",
            "http://127.0.0.1:8080/token",
            "http://127.1.2.3/token",
            "http://[::1]:9/token",
            "http://localhost:3000/token",
            "http://LOCALHOST/token",
        ] {
            assert!(is_secure(url), "{url}");
        }
        for url in [
            "http://auth.example.com/token",
            "http://10.0.0.1/token",
            "http://127.0.0.1.evil.example/token",
            "http://localhost.evil.example/token",
            "ftp://auth.example.com/token",
            "not a url",
            "",
        ] {
            assert!(!is_secure(url), "{url}");
        }
    }

    #[test]
    fn every_endpoint_of_the_metadata_is_checked() {
        assert!(check_metadata(&metadata("https://auth.example.com")).is_ok());
        assert!(check_metadata(&metadata("http://127.0.0.1:1")).is_ok());
        let refused = check_metadata(&metadata("http://auth.example.com")).expect_err("plain HTTP");
        assert_eq!(refused.role, "authorization endpoint");
        for (field, role) in [
            ("token_endpoint", "token endpoint"),
            ("registration_endpoint", "registration endpoint"),
            ("revocation_endpoint", "revocation endpoint"),
        ] {
            let mut json = serde_json::to_value(metadata("https://auth.example.com")).expect("json");
            json[field] = serde_json::json!("http://auth.example.com/x");
            let mixed: AuthorizationMetadata = serde_json::from_value(json).expect("metadata");
            let refused = check_metadata(&mixed).expect_err(field);
            assert_eq!(refused.role, role);
            assert!(refused.to_string().contains("http://auth.example.com/x"), "{refused}");
        }
    }
}
