//! Shopify webhook signatures: base64 HMAC-SHA256 of the raw body.

use crate::VerifyError;
use crate::digest;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const HEADER: &str = "X-Shopify-Hmac-Sha256";

/// The `X-Shopify-Hmac-Sha256` of a webhook: HMAC-SHA256 keyed with the app's client secret over the
/// raw body bytes, in standard base64 (not hex).
pub fn webhook_hmac(client_secret: &str, raw_body: &[u8]) -> String {
    STANDARD.encode(digest::hmac_sha256(client_secret.as_bytes(), &[raw_body]))
}

/// Checks a webhook's `X-Shopify-Hmac-Sha256` header against [`webhook_hmac`] over the raw body, as
/// received and before any JSON parsing, in constant time.
pub fn verify_webhook(
    client_secret: &str,
    raw_body: &[u8],
    hmac_header: &str,
) -> Result<(), VerifyError> {
    let received = match STANDARD.decode(hmac_header.trim()) {
        Ok(bytes) if bytes.len() == 32 => bytes,
        _ => {
            return Err(VerifyError::Malformed {
                field: HEADER,
                expected: "base64 of 32 bytes (an HMAC-SHA256)",
            });
        }
    };
    let mac = digest::mac::<digest::HmacSha256>(client_secret.as_bytes(), &[raw_body]);
    digest::check_mac(HEADER, mac, &received)
}
