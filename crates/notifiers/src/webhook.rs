//! Our generic webhook: the alert as JSON, signed with HMAC-SHA256 under a secret shared with the
//! receiver, with the send time inside the signature so that a captured delivery cannot be replayed.
//!
//! # The scheme (what a receiver implements)
//!
//! - The request is `POST` to the configured URL, `Content-Type: application/json; charset=utf-8`,
//!   the body being [`Payload`]'s JSON: `version` (1), `dedup_key`, `severity` (`info`, `warning`,
//!   `critical`), `title`, `body` (Markdown) and `link`.
//! - `X-OrderHub-Timestamp` is the send time in Unix seconds, decimal ASCII.
//! - `X-OrderHub-Signature` is `sha256=` followed by the lowercase hex of
//!   `HMAC-SHA256(key = secret, message = timestamp + "." + raw body)`, where `timestamp` is the
//!   header's exact text and the raw body is the bytes received, before any JSON parsing.
//! - A receiver recomputes the MAC, compares it in constant time, and refuses a timestamp further
//!   than its tolerance (we suggest 300 seconds) from its own clock. Within the tolerance a replay
//!   still verifies; `dedup_key` lets the receiver drop it, as it drops our own retries.
//!
//! Every retry is signed afresh with its own time; the body, and so `dedup_key`, stay the same.
//! [`verify`] is this scheme's receiving side, for our tests and for a receiver written in Rust.

use hmac::Mac as _;
use serde::Serialize;

use crate::encode::{json, mac};
use crate::{Alert, HttpRequest, Secret, Timestamp, VerifyError};

pub const TIMESTAMP_HEADER: &str = "X-OrderHub-Timestamp";
pub const SIGNATURE_HEADER: &str = "X-OrderHub-Signature";

/// One receiver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WebhookSettings {
    /// Where to post; `https` unless the receiver is on the same host.
    pub url: String,
    /// The secret shared with the receiver.
    pub secret: Secret,
}

/// The JSON body, field for field in this order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Payload<'a> {
    pub version: u32,
    pub dedup_key: &'a str,
    pub severity: &'static str,
    pub title: &'a str,
    pub body: &'a str,
    pub link: &'a str,
}

/// `sha256=` and the hex HMAC-SHA256 of `timestamp_seconds + "." + body` under `secret`.
pub fn signature(secret: &Secret, timestamp_seconds: i64, body: &[u8]) -> String {
    let tag = mac(
        secret.expose().as_bytes(),
        &[timestamp_seconds.to_string().as_bytes(), b".", body],
    )
    .finalize()
    .into_bytes();
    format!("sha256={}", hex::encode(tag))
}

/// The signed request that delivers `alert` at time `at` (seconds, rounded down).
pub fn request(settings: &WebhookSettings, alert: &Alert, at: Timestamp) -> HttpRequest {
    let body = json(&Payload {
        version: 1,
        dedup_key: &alert.dedup_key,
        severity: alert.severity.code(),
        title: &alert.title,
        body: &alert.body,
        link: &alert.link,
    });
    let seconds = at.unix_millis().div_euclid(1000);
    let headers = vec![
        (TIMESTAMP_HEADER, seconds.to_string()),
        (
            SIGNATURE_HEADER,
            signature(&settings.secret, seconds, &body),
        ),
    ];
    HttpRequest::post_json(settings.url.clone(), headers, body)
}

/// Checks a delivery: the signature header against the timestamp header and the raw body under
/// `secret` (in constant time), then the timestamp against `now` within `tolerance_seconds`.
pub fn verify(
    secret: &Secret,
    timestamp_header: &str,
    signature_header: &str,
    raw_body: &[u8],
    now: Timestamp,
    tolerance_seconds: i64,
) -> Result<(), VerifyError> {
    // Only plain decimal digits: the signed text must be the header's exact text, so `+5` or ` 5`
    // (which `parse` would accept or we would trim) are refused rather than normalised.
    let seconds = match timestamp_header.parse::<i64>() {
        Ok(seconds) if timestamp_header.bytes().all(|b| b.is_ascii_digit()) => seconds,
        _ => {
            return Err(VerifyError::Malformed {
                header: TIMESTAMP_HEADER,
                expected: "Unix seconds in decimal digits",
            });
        }
    };
    let received = match signature_header.strip_prefix("sha256=").map(hex::decode) {
        Some(Ok(bytes)) if bytes.len() == 32 => bytes,
        _ => {
            return Err(VerifyError::Malformed {
                header: SIGNATURE_HEADER,
                expected: "sha256= and 64 hex digits",
            });
        }
    };
    let computed = mac(
        secret.expose().as_bytes(),
        &[timestamp_header.as_bytes(), b".", raw_body],
    );
    if computed.verify_slice(&received).is_err() {
        return Err(VerifyError::Mismatch);
    }
    let skew_seconds = now.unix_millis().div_euclid(1000).saturating_sub(seconds);
    if skew_seconds.saturating_abs() > tolerance_seconds {
        return Err(VerifyError::Stale {
            skew_seconds,
            tolerance_seconds,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use expect_test::expect;
    use proptest::prelude::*;

    use crate::test_alert::{alert, at};
    use crate::webhook::{
        SIGNATURE_HEADER, TIMESTAMP_HEADER, WebhookSettings, request, signature, verify,
    };
    use crate::{HttpRequest, Secret, Timestamp, VerifyError};

    const SECRET: &str = "whsec-7Qm2bX9pLr";

    fn settings() -> WebhookSettings {
        WebhookSettings {
            url: "https://ops.example.cn/hooks/orderhub".to_owned(),
            secret: Secret::new(SECRET),
        }
    }

    fn header<'a>(request: &'a HttpRequest, name: &str) -> &'a str {
        let (_, value) = request.headers.iter().find(|(it, _)| *it == name).unwrap();
        value
    }

    fn check(
        request: &HttpRequest,
        secret: &str,
        body: &[u8],
        now: Timestamp,
    ) -> Result<(), VerifyError> {
        verify(
            &Secret::new(secret),
            header(request, TIMESTAMP_HEADER),
            header(request, SIGNATURE_HEADER),
            body,
            now,
            300,
        )
    }

    // A local vector, computed independently with Python's hmac/hashlib:
    //   python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec-7Qm2bX9pLr",
    //     b"1751333400." + b"{\"version\":1}", hashlib.sha256).hexdigest())'
    #[test]
    fn signature_matches_a_local_vector() {
        assert_eq!(
            signature(&Secret::new(SECRET), 1_751_333_400, br#"{"version":1}"#),
            "sha256=bcdc122aa624030e83845ab280f76dc883f62e09a7b903ab82fdcd8ab9f21055"
        );
    }

    #[test]
    fn posts_the_signed_alert() {
        expect![[r#"
            POST https://ops.example.cn/hooks/orderhub
            Content-Type: application/json; charset=utf-8
            X-OrderHub-Timestamp: 1751333400
            X-OrderHub-Signature: sha256=c648700ba5ac6056eed90099d331ec66f21d511c97208655cf295b849c566c8a

            {"version":1,"dedup_key":"overdue:claimed:warehouse-7:2025-07-01","severity":"critical","title":"发货超时: 3 个包裹","body":"**华东仓** 已认领未发货超过 4 小时。\n- SH-1001\n- SH-1002\n- SH-1003","link":"https://hub.example.cn/shipments?overdue=claimed"}"#]].assert_eq(&request(&settings(), &alert(), at()).dump());
    }

    #[test]
    fn its_own_request_verifies() {
        let request = request(&settings(), &alert(), at());
        assert_eq!(check(&request, SECRET, &request.body, at()), Ok(()));
        assert_eq!(
            check(&request, SECRET, &request.body, at().plus_millis(299_000)),
            Ok(())
        );
    }

    #[test]
    fn wrong_secret_or_tampered_body_or_timestamp_fail() {
        let request = request(&settings(), &alert(), at());
        assert_eq!(
            check(&request, "whsec-7Qm2bX9pLR", &request.body, at()),
            Err(VerifyError::Mismatch)
        );
        let tampered = String::from_utf8(request.body.clone())
            .unwrap()
            .replace("critical", "info");
        assert_eq!(
            check(&request, SECRET, tampered.as_bytes(), at()),
            Err(VerifyError::Mismatch)
        );
        let signature = header(&request, SIGNATURE_HEADER);
        let moved = verify(
            &Secret::new(SECRET),
            "1751333401",
            signature,
            &request.body,
            at(),
            300,
        );
        assert_eq!(moved, Err(VerifyError::Mismatch));
    }

    #[test]
    fn replays_outside_the_tolerance_are_stale() {
        let request = request(&settings(), &alert(), at());
        let later = check(&request, SECRET, &request.body, at().plus_millis(301_000));
        assert_eq!(
            later,
            Err(VerifyError::Stale {
                skew_seconds: 301,
                tolerance_seconds: 300
            })
        );
        let earlier = check(&request, SECRET, &request.body, at().plus_millis(-301_000));
        assert_eq!(
            earlier,
            Err(VerifyError::Stale {
                skew_seconds: -301,
                tolerance_seconds: 300
            })
        );
    }

    #[test]
    fn malformed_headers_are_named() {
        let body = b"{}";
        let good = signature(&Secret::new(SECRET), 1_751_333_400, body);
        for bad_timestamp in ["", " 1751333400", "+1751333400", "1751333400.0", "-5"] {
            let err =
                verify(&Secret::new(SECRET), bad_timestamp, &good, body, at(), 300).unwrap_err();
            assert!(
                matches!(
                    err,
                    VerifyError::Malformed {
                        header: TIMESTAMP_HEADER,
                        ..
                    }
                ),
                "{bad_timestamp:?}"
            );
        }
        let short = &good[..good.len() - 2];
        let upper_prefix = good.replace("sha256=", "SHA256=");
        for bad_signature in ["", "sha256=", short, &upper_prefix, "sha256=zz"] {
            let err = verify(
                &Secret::new(SECRET),
                "1751333400",
                bad_signature,
                body,
                at(),
                300,
            )
            .unwrap_err();
            assert!(
                matches!(
                    err,
                    VerifyError::Malformed {
                        header: SIGNATURE_HEADER,
                        ..
                    }
                ),
                "{bad_signature:?}"
            );
        }
    }

    proptest! {
        #[test]
        fn any_body_verifies_and_any_changed_byte_fails(
            body in proptest::collection::vec(any::<u8>(), 1..200),
            index in any::<prop::sample::Index>(),
            flip in 1u8..=255,
        ) {
            let secret = Secret::new(SECRET);
            let good = signature(&secret, 1_751_333_400, &body);
            prop_assert_eq!(verify(&secret, "1751333400", &good, &body, at(), 300), Ok(()));
            let mut tampered = body.clone();
            tampered[index.index(body.len())] ^= flip;
            prop_assert_eq!(verify(&secret, "1751333400", &good, &tampered, at(), 300), Err(VerifyError::Mismatch));
        }
    }
}
