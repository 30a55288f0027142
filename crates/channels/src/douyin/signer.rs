//! Doudian request signatures (MD5 or HMAC-SHA256 over fixed-order fields wrapped in the app
//! secret) and push verification (`event-sign`).

use crate::VerifyError;
use crate::digest;

/// The API version every request sends as `v` and signs.
pub const API_VERSION: &str = "2";

/// The `sign_method` a request declares (`md5` when absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMethod {
    Md5,
    HmacSha256,
}

impl SignMethod {
    /// The value to send as `sign_method`.
    pub fn param(self) -> &'static str {
        match self {
            SignMethod::Md5 => "md5",
            SignMethod::HmacSha256 => "hmac-sha256",
        }
    }
}

/// The signed fields of one request. `access_token` is sent but not signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request<'a> {
    pub app_key: &'a str,
    /// The API name, e.g. `order.searchList`.
    pub method: &'a str,
    /// The business parameters exactly as sent: compact JSON with keys sorted at every level and no
    /// HTML escaping (what `json.dumps(sort_keys=True, separators=(',', ':'))` writes).
    pub param_json: &'a str,
    pub timestamp: &'a str,
}

/// The `sign` of a doudian request, lower-case hex.
///
/// The signed text is `app_secret + "app_key" + app_key + "method" + method + "param_json" +
/// param_json + "timestamp" + timestamp + "v" + "2" + app_secret`; `md5` hashes it with MD5,
/// `hmac-sha256` with HMAC-SHA256 keyed with the app secret.
pub fn sign(app_secret: &str, method: SignMethod, request: &Request<'_>) -> String {
    let secret = app_secret.as_bytes();
    let parts: [&[u8]; 12] = [
        secret,
        b"app_key",
        request.app_key.as_bytes(),
        b"method",
        request.method.as_bytes(),
        b"param_json",
        request.param_json.as_bytes(),
        b"timestamp",
        request.timestamp.as_bytes(),
        b"v",
        API_VERSION.as_bytes(),
        secret,
    ];
    match method {
        SignMethod::Md5 => hex::encode(digest::md5(&parts)),
        SignMethod::HmacSha256 => hex::encode(digest::hmac_sha256(secret, &parts)),
    }
}

/// The `event-sign` of a push: `MD5(app_key + raw_body + app_secret)` in lower-case hex.
pub fn event_sign(app_key: &str, app_secret: &str, raw_body: &[u8]) -> String {
    hex::encode(digest::md5(&[
        app_key.as_bytes(),
        raw_body,
        app_secret.as_bytes(),
    ]))
}

/// Checks a push: the `app-id` header must be our app key and `event-sign` must be
/// [`event_sign`] over the raw body (compared in constant time, either hex case accepted).
pub fn verify_push(
    app_key: &str,
    app_secret: &str,
    app_id_header: &str,
    event_sign_header: &str,
    raw_body: &[u8],
) -> Result<(), VerifyError> {
    if app_id_header != app_key {
        return Err(VerifyError::WrongApp {
            field: "app-id",
            expected: app_key.to_owned(),
            found: app_id_header.to_owned(),
        });
    }
    let received = digest::decode_hex(
        "event-sign",
        event_sign_header,
        16,
        "32 hex digits (an MD5)",
    )?;
    let computed = digest::md5(&[app_key.as_bytes(), raw_body, app_secret.as_bytes()]);
    digest::check_digest("event-sign", &received, &computed)
}
