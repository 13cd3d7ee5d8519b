//! What the clients' one-click install links are made of: a query value encoded as
//! JavaScript's `encodeURIComponent` does (the clients decode their links with the browser's URL
//! rules), and an entry as Base64 of its JSON. Each client's link format itself is a client fact
//! and lives in that client's file ([`super::Client::install_link`]).

use base64::Engine;
use serde_json::Value;

/// `text` encoded for a URL query value or path as `encodeURIComponent` does: every byte but
/// letters, digits and `-_.!~*'()` becomes `%XX` (of its UTF-8 bytes).
pub fn encode_component(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'!' | b'~' | b'*' | b'\'' | b'(' | b')' => {
                encoded.push(byte as char)
            }
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    encoded
}

/// The compact JSON of `value` in standard Base64 (with padding), as the browser's `btoa` gives.
pub fn base64_json(value: &Value) -> String {
    base64::engine::general_purpose::STANDARD.encode(value.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_like_encode_uri_component() {
        assert_eq!(
            encode_component("a b/c?d=e&f+g:h\"{}é-_.!~*'()"),
            "a%20b%2Fc%3Fd%3De%26f%2Bg%3Ah%22%7B%7D%C3%A9-_.!~*'()"
        );
    }

    #[test]
    fn base64_is_of_the_compact_json() {
        let value = serde_json::json!({"url": "https://x", "n": [1]});
        assert_eq!(base64_json(&value), "eyJ1cmwiOiJodHRwczovL3giLCJuIjpbMV19");
    }
}
