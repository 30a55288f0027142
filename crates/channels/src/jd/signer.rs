//! JOS request signatures: the sorted parameters wrapped in the app secret, under MD5.

use crate::digest::{self, Empty};

/// The text JOS signs: every parameter but `sign`, sorted by name in ASCII order (so
/// `360buy_param_json` comes first), written as `name` then `value` with no separators.
pub fn concat_params<K, V>(params: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    digest::concat_sorted(params, Empty::Keep)
}

/// The `sign` of a JOS request: `MD5(app_secret + concat + app_secret)` in upper-case hex.
///
/// `360buy_param_json` is signed as the exact string sent: its key order and whitespace matter.
pub fn sign<K, V>(app_secret: &str, params: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let text = concat_params(params);
    let secret = app_secret.as_bytes();
    hex::encode_upper(digest::md5(&[secret, text.as_bytes(), secret]))
}
