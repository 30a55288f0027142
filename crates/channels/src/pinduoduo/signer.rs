//! PDD request signatures: the sorted parameters wrapped in the client secret, under MD5.

use crate::digest::{self, Empty};

/// The text PDD signs: every parameter but `sign`, sorted by name in ASCII order, written as `name`
/// then `value` with no separators.
pub fn concat_params<K, V>(params: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    digest::concat_sorted(params, Empty::Keep)
}

/// The `sign` of a PDD request: `MD5(client_secret + concat + client_secret)` in upper-case hex.
///
/// How PDD serialises array and object parameters for signing is undocumented: sign the very strings
/// that are sent.
pub fn sign<K, V>(client_secret: &str, params: impl IntoIterator<Item = (K, V)>) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let text = concat_params(params);
    let secret = client_secret.as_bytes();
    hex::encode_upper(digest::md5(&[secret, text.as_bytes(), secret]))
}
