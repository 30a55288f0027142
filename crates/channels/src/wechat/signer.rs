//! WXBizMsgCrypt: the SHA-1 `msg_signature` over the sorted token, timestamp, nonce and ciphertext,
//! and AES-256-CBC encryption of `random(16) + be_u32(len) + message + appid` with the EncodingAESKey.

use aes::Aes256;
use base64::Engine as _;
use base64::alphabet;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, STANDARD};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockDecryptMut, BlockEncryptMut, KeyIvInit};

use crate::VerifyError;
use crate::digest;

/// WXBizMsgCrypt pads with PKCS#7 to a multiple of 32 bytes (not the AES block size, 16).
const PAD_BLOCK: usize = 32;

/// The EncodingAESKey is 43 characters chosen at random, so its last one often carries bits past the
/// 32 bytes of the key; Tencent's own code ignores them and so do we.
const KEY_BASE64: GeneralPurpose = GeneralPurpose::new(
    &alphabet::STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_allow_trailing_bits(true)
        .with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// The AES-256 key decoded from an EncodingAESKey; the IV is its first 16 bytes.
#[derive(Clone, PartialEq, Eq)]
pub struct AesKey([u8; 32]);

/// An EncodingAESKey that is not 43 base64 characters encoding 32 bytes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("an EncodingAESKey is 43 base64 characters (32 bytes)")]
pub struct InvalidAesKey;

impl AesKey {
    /// Decodes the EncodingAESKey shown on the store's back office: base64 of `key + "="`.
    pub fn from_encoding_aes_key(encoding_aes_key: &str) -> Result<AesKey, InvalidAesKey> {
        if encoding_aes_key.len() != 43 {
            return Err(InvalidAesKey);
        }
        let bytes = KEY_BASE64
            .decode(encoding_aes_key)
            .map_err(|_| InvalidAesKey)?;
        Ok(AesKey(bytes.try_into().map_err(|_| InvalidAesKey)?))
    }

    fn iv(&self) -> [u8; 16] {
        let mut iv = [0; 16];
        iv.copy_from_slice(&self.0[..16]);
        iv
    }
}

impl std::fmt::Debug for AesKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AesKey(..)")
    }
}

/// What a push in safe mode carries: `timestamp`, `nonce` and `msg_signature` from the query string,
/// `encrypt` from the body's `Encrypt` (JSON or XML).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Push<'a> {
    pub timestamp: &'a str,
    pub nonce: &'a str,
    pub msg_signature: &'a str,
    pub encrypt: &'a str,
}

/// The `msg_signature` of a pushed message: SHA-1 over the token, timestamp, nonce and the `Encrypt`
/// text, sorted as byte strings and joined with no separators, in lower-case hex.
pub fn msg_signature(token: &str, timestamp: &str, nonce: &str, encrypt: &str) -> String {
    hex::encode(sorted_sha1([token, timestamp, nonce, encrypt]))
}

fn sorted_sha1(mut parts: [&str; 4]) -> [u8; 20] {
    parts.sort_unstable();
    digest::sha1(&parts.map(str::as_bytes))
}

/// Checks the push's `msg_signature` against [`msg_signature`] (in constant time, either hex case
/// accepted) and only then decrypts its `encrypt` ([`decrypt`]), returning the message (XML or JSON
/// text) addressed to `appid`.
pub fn verify_and_decrypt(
    token: &str,
    key: &AesKey,
    appid: &str,
    push: &Push<'_>,
) -> Result<String, VerifyError> {
    const FIELD: &str = "msg_signature";
    let received = digest::decode_hex(FIELD, push.msg_signature, 20, "40 hex digits (a SHA-1)")?;
    let computed = sorted_sha1([token, push.timestamp, push.nonce, push.encrypt]);
    digest::check_digest(FIELD, &received, &computed)?;
    decrypt(key, appid, push.encrypt)
}

/// Decrypts the `Encrypt` text: base64, then AES-256-CBC with the key and its first 16 bytes as IV,
/// PKCS#7 padding to 32 bytes; the plaintext is `random(16) + be_u32(len) + message + appid`, and
/// the trailing appid must be ours.
pub fn decrypt(key: &AesKey, appid: &str, encrypt: &str) -> Result<String, VerifyError> {
    let undecryptable = |reason| VerifyError::Undecryptable { reason };
    let mut buffer = STANDARD
        .decode(encrypt.trim())
        .map_err(|_| undecryptable("Encrypt is not base64"))?;
    if buffer.is_empty() || buffer.len() % PAD_BLOCK != 0 {
        return Err(undecryptable(
            "the ciphertext is not a whole number of 32-byte blocks",
        ));
    }
    let plain = cbc::Decryptor::<Aes256>::new(&key.0.into(), &key.iv().into())
        .decrypt_padded_mut::<NoPadding>(&mut buffer)
        .map_err(|_| undecryptable("the ciphertext does not fill whole AES blocks"))?;
    let pad = plain.last().map_or(0, |&last| usize::from(last));
    if !(1..=PAD_BLOCK).contains(&pad)
        || plain[plain.len() - pad..]
            .iter()
            .any(|&b| usize::from(b) != pad)
    {
        return Err(undecryptable("the padding is not PKCS#7 (wrong key?)"));
    }
    let plain = &plain[..plain.len() - pad];
    let Some(rest) = plain.get(16..) else {
        return Err(undecryptable(
            "the plaintext is shorter than its 16 random bytes",
        ));
    };
    let Some((len, rest)) = rest.split_first_chunk::<4>() else {
        return Err(undecryptable("the plaintext has no message length"));
    };
    // On a 16-bit target a length past usize::MAX simply runs past the plaintext.
    let len = usize::try_from(u32::from_be_bytes(*len)).unwrap_or(usize::MAX);
    let Some((message, found_appid)) = rest.split_at_checked(len) else {
        return Err(undecryptable("the message length runs past the plaintext"));
    };
    if found_appid != appid.as_bytes() {
        return Err(VerifyError::WrongApp {
            field: "appid",
            expected: appid.to_owned(),
            found: String::from_utf8_lossy(found_appid).into_owned(),
        });
    }
    String::from_utf8(message.to_vec()).map_err(|_| undecryptable("the message is not UTF-8"))
}

/// Encrypts a message for `appid` the way [`decrypt`] reads it, in base64; `random` is the 16 bytes
/// the scheme puts in front (the caller draws them), so replies and test messages are reproducible.
pub fn encrypt(key: &AesKey, appid: &str, random: [u8; 16], message: &str) -> String {
    let len = u32::try_from(message.len()).expect("a WeChat message is far below 4 GiB");
    let mut plain = Vec::with_capacity(16 + 4 + message.len() + appid.len() + PAD_BLOCK);
    plain.extend_from_slice(&random);
    plain.extend_from_slice(&len.to_be_bytes());
    plain.extend_from_slice(message.as_bytes());
    plain.extend_from_slice(appid.as_bytes());
    let pad = PAD_BLOCK - plain.len() % PAD_BLOCK;
    plain.resize(plain.len() + pad, pad as u8);
    let length = plain.len();
    let cipher = cbc::Encryptor::<Aes256>::new(&key.0.into(), &key.iv().into())
        .encrypt_padded_mut::<NoPadding>(&mut plain, length)
        .expect("the plaintext is padded to whole blocks");
    STANDARD.encode(cipher)
}
