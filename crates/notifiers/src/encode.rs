//! Small encodings the notifiers share: HMAC-SHA256, URL percent-encoding, JSON bytes, and
//! cutting text to a platform's byte limit on a character boundary.

use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

pub(crate) type HmacSha256 = Hmac<Sha256>;

/// HMAC-SHA256 keyed with `key` over the parts, ready to finalize or verify.
pub(crate) fn mac(key: &[u8], parts: &[&[u8]]) -> HmacSha256 {
    // HMAC takes keys of any length (long ones are hashed first), so this cannot fail.
    let mut mac =
        <HmacSha256 as KeyInit>::new_from_slice(key).expect("HMAC accepts a key of any length");
    for part in parts {
        mac.update(part);
    }
    mac
}

pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    mac(key, parts).finalize().into_bytes().into()
}

/// Percent-encodes everything but RFC 3986's unreserved characters (`A-Z a-z 0-9 - . _ ~`), so the
/// result is safe as a query value or a path segment.
pub(crate) fn percent_encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(char::from(byte))
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}

/// A Markdown link target that cannot end the link early: spaces and parentheses are escaped.
pub(crate) fn link_target(url: &str) -> String {
    url.replace(' ', "%20")
        .replace('(', "%28")
        .replace(')', "%29")
}

/// The JSON bytes of a wire struct (field order is the struct's, whatever serde_json features).
pub(crate) fn json<T: Serialize>(value: &T) -> Vec<u8> {
    // Our wire structs hold strings, booleans and nested structs only: serialization cannot fail.
    serde_json::to_vec(value).expect("wire structs always serialize")
}

/// `text` cut to at most `max_bytes` of UTF-8, ending with `…` when cut, never inside a character.
pub(crate) fn truncate_utf8(text: &str, max_bytes: usize) -> String {
    if text.len() <= max_bytes {
        return text.to_owned();
    }
    const ELLIPSIS: &str = "…";
    let mut end = max_bytes.saturating_sub(ELLIPSIS.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}{ELLIPSIS}", &text[..end])
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use crate::encode::{link_target, percent_encode, truncate_utf8};

    #[test]
    fn percent_encode_escapes_base64_and_keeps_unreserved() {
        assert_eq!(percent_encode("a+b/c=="), "a%2Bb%2Fc%3D%3D");
        assert_eq!(percent_encode("AZaz09-._~"), "AZaz09-._~");
        assert_eq!(percent_encode("仓 1"), "%E4%BB%93%201");
    }

    #[test]
    fn link_target_escapes_what_ends_a_markdown_link() {
        assert_eq!(link_target("https://h/a (b)"), "https://h/a%20%28b%29");
    }

    #[test]
    fn truncate_keeps_short_text_and_cuts_on_a_char_boundary() {
        assert_eq!(truncate_utf8("发货超时", 12), "发货超时");
        // 10 bytes: 3 for the ellipsis leave 7, which holds two 3-byte characters.
        assert_eq!(truncate_utf8("发货超时", 10), "发货…");
    }

    proptest! {
        #[test]
        fn truncate_never_exceeds_the_limit(text in "\\PC{0,40}", max in 3usize..64) {
            let cut = truncate_utf8(&text, max);
            prop_assert!(cut.len() <= max);
            if text.len() <= max {
                prop_assert_eq!(cut, text);
            } else {
                prop_assert!(cut.ends_with('…'));
                prop_assert!(text.starts_with(cut.trim_end_matches('…')));
            }
        }
    }
}
