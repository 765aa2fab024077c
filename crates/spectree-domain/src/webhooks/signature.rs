//! How a delivery is signed: `X-Spectree-Signature: sha256=<hex>` where `<hex>` is the
//! HMAC-SHA256, keyed with the hook's secret, of `<timestamp>.<body>` (`<timestamp>` being
//! the `X-Spectree-Timestamp` header, Unix seconds). Signing the timestamp with the body lets
//! receivers refuse old deliveries replayed by someone else.

/// What the signature header's value starts with.
pub const SIGNATURE_PREFIX: &str = "sha256=";

/// The bytes the signature covers: `<timestamp>.<body>`.
pub fn signed_payload(timestamp: i64, body: &[u8]) -> Vec<u8> {
    let mut out = timestamp.to_string().into_bytes();
    out.push(b'.');
    out.extend_from_slice(body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timestamp_and_a_dot_precede_the_body() {
        assert_eq!(signed_payload(1700000000, b"{}"), b"1700000000.{}");
    }
}
