//! The pieces every signer is made of: the sorted `name+value` concatenation, the hashes and MACs
//! over several parts, and constant-time comparison of a received signature.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use md5::{Digest, Md5};
use sha1::Sha1;
use sha2::Sha256;
use subtle::ConstantTimeEq;

use crate::VerifyError;

/// Which parameters take part in a sorted concatenation besides every non-`sign` one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Empty {
    /// Parameters with an empty value are signed like any other.
    Keep,
    /// Parameters with an empty value are left out (Taobao's official SDK does this).
    Skip,
}

/// `name1 value1 name2 value2 …` with no separators, names in ASCII (byte) order, `sign` left out.
///
/// The parameters are sorted here, so any map or list may be passed in.
pub(crate) fn concat_sorted<K, V>(params: impl IntoIterator<Item = (K, V)>, empty: Empty) -> String
where
    K: AsRef<str>,
    V: AsRef<str>,
{
    let mut pairs: Vec<(K, V)> = params
        .into_iter()
        .filter(|(name, value)| {
            name.as_ref() != "sign" && !(empty == Empty::Skip && value.as_ref().is_empty())
        })
        .collect();
    pairs.sort_by(|a, b| a.0.as_ref().cmp(b.0.as_ref()));
    let mut out = String::new();
    for (name, value) in &pairs {
        out.push_str(name.as_ref());
        out.push_str(value.as_ref());
    }
    out
}

pub(crate) fn md5(parts: &[&[u8]]) -> [u8; 16] {
    let mut hasher = Md5::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

pub(crate) fn sha1(parts: &[&[u8]]) -> [u8; 20] {
    let mut hasher = Sha1::new();
    for part in parts {
        hasher.update(part);
    }
    hasher.finalize().into()
}

pub(crate) type HmacMd5 = Hmac<Md5>;
pub(crate) type HmacSha256 = Hmac<Sha256>;

/// A MAC (HMAC-MD5 or HMAC-SHA256) keyed with `key` over the parts, ready to finalize or verify.
pub(crate) fn mac<M: Mac + KeyInit>(key: &[u8], parts: &[&[u8]]) -> M {
    // HMAC takes keys of any length (long ones are hashed first), so this cannot fail.
    let mut mac = <M as KeyInit>::new_from_slice(key).expect("HMAC accepts a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

pub(crate) fn hmac_md5(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    mac::<HmacMd5>(key, parts).finalize().into_bytes().to_vec()
}

pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    mac::<HmacSha256>(key, parts)
        .finalize()
        .into_bytes()
        .to_vec()
}

/// Decodes a hex signature (either case) of exactly `len` bytes.
pub(crate) fn decode_hex(
    field: &'static str,
    value: &str,
    len: usize,
    expected: &'static str,
) -> Result<Vec<u8>, VerifyError> {
    match hex::decode(value.trim()) {
        Ok(bytes) if bytes.len() == len => Ok(bytes),
        _ => Err(VerifyError::Malformed { field, expected }),
    }
}

/// Compares a received digest with the computed one in constant time.
pub(crate) fn check_digest(
    field: &'static str,
    received: &[u8],
    computed: &[u8],
) -> Result<(), VerifyError> {
    if bool::from(received.ct_eq(computed)) {
        Ok(())
    } else {
        Err(VerifyError::Mismatch { field })
    }
}

/// Checks a received HMAC tag against the MAC in constant time.
pub(crate) fn check_mac<M: Mac>(
    field: &'static str,
    mac: M,
    received: &[u8],
) -> Result<(), VerifyError> {
    mac.verify_slice(received)
        .map_err(|_| VerifyError::Mismatch { field })
}
