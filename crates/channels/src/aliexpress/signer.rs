//! IOP request signatures: the API path (for path-style APIs) and the sorted parameters under
//! HMAC-SHA256.

use crate::digest::{self, Empty};

/// The text IOP signs: the API name when it is a path (contains `/`), then every parameter but
/// `sign`, sorted by name in ASCII order, written as `name` then `value` with no separators.
///
/// A method-style name such as `aliexpress.solution.order.get` adds nothing here; it is signed as the
/// `method` parameter, which the caller puts in `params`.
pub fn concat_params<K, V>(api_name: &str, params: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let params = digest::concat_sorted(params, Empty::Keep);
    if api_name.contains('/') {
        format!("{api_name}{params}")
    } else {
        params
    }
}

/// The `sign` of an IOP request (`sign_method=sha256`): HMAC-SHA256 keyed with the app secret over
/// [`concat_params`], in upper-case hex.
pub fn sign<K, V>(
    app_secret: &str,
    api_name: &str,
    params: impl IntoIterator<Item = (K, V)>,
) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let text = concat_params(api_name, params);
    hex::encode_upper(digest::hmac_sha256(
        app_secret.as_bytes(),
        &[text.as_bytes()],
    ))
}
