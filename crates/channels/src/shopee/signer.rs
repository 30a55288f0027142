//! Shopee v2 request signatures (HMAC-SHA256 over a fixed base string) and push verification
//! (HMAC-SHA256 over the callback URL and the raw body).

use crate::VerifyError;
use crate::digest;

const HEADER: &str = "Authorization";

/// On whose behalf a call is made; shop and merchant APIs sign their token and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller<'a> {
    /// Public APIs (auth, token refresh): only the partner signs.
    Public,
    Shop {
        access_token: &'a str,
        shop_id: u64,
    },
    Merchant {
        access_token: &'a str,
        merchant_id: u64,
    },
}

/// The base string of a call: `partner_id + api_path + timestamp`, followed by `access_token +
/// shop_id` (or `+ merchant_id`) for shop (or merchant) calls, with no separators.
///
/// `api_path` starts with `/api/v2/` and has neither host nor query; `timestamp` is in seconds.
pub fn base_string(partner_id: u64, api_path: &str, timestamp: u64, caller: Caller<'_>) -> String {
    let base = format!("{partner_id}{api_path}{timestamp}");
    match caller {
        Caller::Public => base,
        Caller::Shop {
            access_token,
            shop_id,
        } => format!("{base}{access_token}{shop_id}"),
        Caller::Merchant {
            access_token,
            merchant_id,
        } => format!("{base}{access_token}{merchant_id}"),
    }
}

/// The `sign` of a call: HMAC-SHA256 keyed with the partner key (as UTF-8 text) over
/// [`base_string`], in lower-case hex.
pub fn sign(
    partner_key: &str,
    partner_id: u64,
    api_path: &str,
    timestamp: u64,
    caller: Caller<'_>,
) -> String {
    let base = base_string(partner_id, api_path, timestamp, caller);
    hex::encode(digest::hmac_sha256(
        partner_key.as_bytes(),
        &[base.as_bytes()],
    ))
}

/// The `Authorization` header of a push: HMAC-SHA256 keyed with the partner key over
/// `callback_url + "|" + raw_body`, in lower-case hex.
///
/// `callback_url` is exactly the URL configured on the Shopee console.
pub fn push_authorization(partner_key: &str, callback_url: &str, raw_body: &[u8]) -> String {
    hex::encode(digest::hmac_sha256(
        partner_key.as_bytes(),
        &[callback_url.as_bytes(), b"|", raw_body],
    ))
}

/// Checks a push's `Authorization` header against [`push_authorization`] over the raw body, as
/// received (never re-serialised), in constant time; either hex case is accepted.
pub fn verify_push(
    partner_key: &str,
    callback_url: &str,
    raw_body: &[u8],
    authorization: &str,
) -> Result<(), VerifyError> {
    let received = digest::decode_hex(HEADER, authorization, 32, "64 hex digits (an HMAC-SHA256)")?;
    let mac = digest::mac::<digest::HmacSha256>(
        partner_key.as_bytes(),
        &[callback_url.as_bytes(), b"|", raw_body],
    );
    digest::check_mac(HEADER, mac, &received)
}
