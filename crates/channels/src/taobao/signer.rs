//! TOP request signatures: the sorted parameters under MD5, HMAC-MD5 or HMAC-SHA256.

use crate::digest::{self, Empty};

/// The `sign_method` a request declares; the parameter is itself part of what is signed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignMethod {
    /// `md5`: the secret wraps the parameters on both sides.
    Md5,
    /// `hmac`: HMAC-MD5 keyed with the secret.
    Hmac,
    /// `hmac-sha256`: HMAC-SHA256 keyed with the secret.
    HmacSha256,
}

impl SignMethod {
    /// The value to send as `sign_method`.
    pub fn param(self) -> &'static str {
        match self {
            SignMethod::Md5 => "md5",
            SignMethod::Hmac => "hmac",
            SignMethod::HmacSha256 => "hmac-sha256",
        }
    }

    /// The method a `sign_method` value names, if TOP knows it.
    pub fn from_param(value: &str) -> Option<SignMethod> {
        match value {
            "md5" => Some(SignMethod::Md5),
            "hmac" => Some(SignMethod::Hmac),
            "hmac-sha256" => Some(SignMethod::HmacSha256),
            _ => None,
        }
    }
}

/// The text TOP signs: every parameter but `sign` and those with an empty value, sorted by name in
/// ASCII order, written as `name` then `value` with no separators.
pub fn concat_params<K, V>(params: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    digest::concat_sorted(params, Empty::Skip)
}

/// The `sign` of a TOP request, upper-case hex.
///
/// `md5` is `MD5(secret + concat + secret)`; `hmac` and `hmac-sha256` are HMAC-MD5 and HMAC-SHA256
/// keyed with the secret over `concat` alone ([`concat_params`]). `params` must hold exactly what is
/// sent, `sign_method` (= `method.param()`) and `session` included.
pub fn sign<K, V>(
    secret: &str,
    method: SignMethod,
    params: impl IntoIterator<Item = (K, V)>,
) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let text = concat_params(params);
    let (secret, text) = (secret.as_bytes(), text.as_bytes());
    match method {
        SignMethod::Md5 => hex::encode_upper(digest::md5(&[secret, text, secret])),
        SignMethod::Hmac => hex::encode_upper(digest::hmac_md5(secret, &[text])),
        SignMethod::HmacSha256 => hex::encode_upper(digest::hmac_sha256(secret, &[text])),
    }
}
