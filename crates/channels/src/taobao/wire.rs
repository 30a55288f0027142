//! TOP's wire vocabulary, pure: request parameters (times as GMT+8 `yyyy-MM-dd HH:mm:ss`), response
//! envelopes (`<method>_response` or `error_response`), the error codes sorted into our classes, and
//! our carrier codes as TOP's `company_code`s.

use app::ChannelError;
use domain::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;

/// A time as TOP reads and writes it: GMT+8, to the second.
pub fn top_time(at: Timestamp) -> String {
    let text = mapping::rfc3339(at, 480);
    text[..19].replace('T', " ")
}

/// TOP's error envelope.
#[derive(Debug, Deserialize)]
pub struct ErrorBody {
    pub code: i64,
    #[serde(default)]
    pub msg: String,
    #[serde(default)]
    pub sub_code: String,
    #[serde(default)]
    pub sub_msg: String,
}

#[derive(Debug, Deserialize)]
struct ErrorEnvelope {
    error_response: ErrorBody,
}

/// `trades_sold_increment_get_response`.
#[derive(Debug, Deserialize)]
pub(crate) struct IncrementResponse<'a> {
    #[serde(default)]
    pub(crate) total_results: Option<u64>,
    #[serde(borrow, default)]
    pub(crate) trades: Option<TradeList<'a>>,
}

/// `{"trade": [...]}`, each trade kept as the platform wrote it.
#[derive(Debug, Deserialize)]
pub(crate) struct TradeList<'a> {
    #[serde(borrow, default)]
    pub(crate) trade: Vec<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
struct IncrementEnvelope<'a> {
    #[serde(borrow)]
    trades_sold_increment_get_response: IncrementResponse<'a>,
}

#[derive(Debug, Deserialize)]
struct FullinfoEnvelope<'a> {
    #[serde(borrow)]
    trade_fullinfo_get_response: FullinfoResponse<'a>,
}

#[derive(Debug, Deserialize)]
struct FullinfoResponse<'a> {
    #[serde(borrow)]
    trade: &'a RawValue,
}

/// The classified error of a body that is an `error_response`, if it is one.
pub(crate) fn error_of(body: &[u8]) -> Option<ChannelError> {
    let envelope: ErrorEnvelope = serde_json::from_slice(body).ok()?;
    Some(classify(&envelope.error_response))
}

/// TOP's codes in our classes: 7 (app call limit) and the `accesscontrol.limited` family wait; 25–29
/// (signature, session, key) need a person; `isp.*` and 10/15 without `isv.` are the platform's own
/// failures; everything else is a refusal of this request.
pub fn classify(error: &ErrorBody) -> ChannelError {
    let message = format!(
        "{} {} {} {}",
        error.code, error.msg, error.sub_code, error.sub_msg
    )
    .trim()
    .to_owned();
    match error.code {
        7 => ChannelError::RateLimited {
            retry_after_millis: ban_seconds(&error.sub_msg).unwrap_or(1) * 1000,
            message,
        },
        25..=29 => ChannelError::Unauthorized(message),
        _ if error.sub_code.starts_with("isp.") => ChannelError::Transient(message),
        _ if error.sub_code.contains("accesscontrol.limited") => ChannelError::RateLimited {
            retry_after_millis: ban_seconds(&error.sub_msg).unwrap_or(1) * 1000,
            message,
        },
        _ => ChannelError::Rejected {
            code: if error.sub_code.is_empty() {
                error.code.to_string()
            } else {
                error.sub_code.clone()
            },
            message,
        },
    }
}

/// The seconds of "This ban will last for 12 more seconds".
fn ban_seconds(text: &str) -> Option<i64> {
    let words: Vec<&str> = text.split_whitespace().collect();
    words
        .windows(2)
        .find(|pair| pair[1].starts_with("more") || pair[1].starts_with("second"))
        .and_then(|pair| pair[0].parse().ok())
}

/// Whether a body says the session is invalid or expired (code 27): a refresh may help.
pub(crate) fn session_expired(body: &[u8]) -> bool {
    serde_json::from_slice::<ErrorEnvelope>(body).is_ok_and(|it| it.error_response.code == 27)
}

/// The new session of a `taobao.top.auth.token.refresh` answer (`token_result` is JSON text).
pub(crate) fn refreshed_session(body: &[u8]) -> Result<String, ChannelError> {
    if let Some(err) = error_of(body) {
        return Err(err);
    }
    #[derive(Deserialize)]
    struct Envelope {
        top_auth_token_refresh_response: Refresh,
    }
    #[derive(Deserialize)]
    struct Refresh {
        token_result: String,
    }
    #[derive(Deserialize)]
    struct Token {
        access_token: String,
    }
    let envelope: Envelope = serde_json::from_slice(body)
        .map_err(|e| ChannelError::Decode(format!("top.auth.token.refresh: {e}")))?;
    let token: Token = serde_json::from_str(&envelope.top_auth_token_refresh_response.token_result)
        .map_err(|e| ChannelError::Decode(format!("top.auth.token.refresh token_result: {e}")))?;
    Ok(token.access_token)
}

/// `refunds_receive_get_response` read with `use_has_next`: each refund as written, and whether more
/// pages follow.
pub(crate) fn refunds(body: &[u8]) -> Result<(Vec<&RawValue>, bool), ChannelError> {
    if let Some(err) = error_of(body) {
        return Err(err);
    }
    #[derive(Deserialize)]
    struct Envelope<'a> {
        #[serde(borrow)]
        refunds_receive_get_response: Refunds<'a>,
    }
    #[derive(Deserialize)]
    struct Refunds<'a> {
        #[serde(borrow, default)]
        refunds: Option<RefundList<'a>>,
        #[serde(default)]
        has_next: bool,
    }
    #[derive(Deserialize)]
    struct RefundList<'a> {
        #[serde(borrow, default)]
        refund: Vec<&'a RawValue>,
    }
    let envelope: Envelope<'_> = serde_json::from_slice(body)
        .map_err(|e| ChannelError::Decode(format!("refunds.receive.get: {e}")))?;
    let page = envelope.refunds_receive_get_response;
    Ok((
        page.refunds.map(|it| it.refund).unwrap_or_default(),
        page.has_next,
    ))
}

/// Reads an increment listing page.
pub(crate) fn increment(body: &[u8]) -> Result<IncrementResponse<'_>, ChannelError> {
    if let Some(err) = error_of(body) {
        return Err(err);
    }
    serde_json::from_slice::<IncrementEnvelope<'_>>(body)
        .map(|it| it.trades_sold_increment_get_response)
        .map_err(|e| ChannelError::Decode(format!("trades.sold.increment.get: {e}")))
}

/// Reads one trade's detail.
pub(crate) fn fullinfo(body: &[u8]) -> Result<&RawValue, ChannelError> {
    if let Some(err) = error_of(body) {
        return Err(err);
    }
    serde_json::from_slice::<FullinfoEnvelope<'_>>(body)
        .map(|it| it.trade_fullinfo_get_response.trade)
        .map_err(|e| ChannelError::Decode(format!("trade.fullinfo.get: {e}")))
}

/// Any other call: an error envelope or success.
pub(crate) fn accepted(body: &[u8], method: &str) -> Result<(), ChannelError> {
    if let Some(err) = error_of(body) {
        return Err(err);
    }
    let value: serde_json::Value =
        serde_json::from_slice(body).map_err(|e| ChannelError::Decode(format!("{method}: {e}")))?;
    let key = format!(
        "{}_response",
        method.trim_start_matches("taobao.").replace('.', "_")
    );
    match value.get(&key) {
        Some(_) => Ok(()),
        None => Err(ChannelError::Decode(format!(
            "{method}: no {key} in the answer"
        ))),
    }
}

/// TOP's `company_code` for our carrier code (from `taobao.logistics.companies.get`).
pub fn company_code(carrier: &str) -> &str {
    match carrier {
        "SF" => "SF",
        "ZTO" => "ZTO",
        "YTO" => "YTO",
        "STO" => "STO",
        "YUNDA" => "YUNDA",
        "JD" => "JD",
        "EMS" => "EMS",
        "JT" => "JTSD",
        "DBL" => "DBKD",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use app::ChannelError;
    use domain::Timestamp;

    use crate::taobao::wire::{error_of, increment, top_time};

    #[test]
    fn times_are_gmt8() {
        // 2026-11-25T02:30:00Z.
        assert_eq!(
            top_time(Timestamp::from_unix_millis(1_795_573_800_000)),
            "2026-11-25 10:30:00"
        );
    }

    #[test]
    fn errors_are_classified() {
        let body = |code: i64, sub_code: &str, sub_msg: &str| {
            format!(
                r#"{{"error_response":{{"code":{code},"msg":"m","sub_code":"{sub_code}","sub_msg":"{sub_msg}","request_id":"r"}}}}"#
            )
        };
        assert!(matches!(
            error_of(
                body(
                    7,
                    "accesscontrol.limited-by-app-access-count",
                    "This ban will last for 12 more seconds"
                )
                .as_bytes()
            ),
            Some(ChannelError::RateLimited {
                retry_after_millis: 12_000,
                ..
            })
        ));
        assert!(matches!(
            error_of(body(27, "", "").as_bytes()),
            Some(ChannelError::Unauthorized(_))
        ));
        assert!(matches!(
            error_of(body(25, "", "").as_bytes()),
            Some(ChannelError::Unauthorized(_))
        ));
        assert!(matches!(
            error_of(body(15, "isp.top-remote-connection-timeout", "").as_bytes()),
            Some(ChannelError::Transient(_))
        ));
        assert!(matches!(
            error_of(body(15, "isv.invalid-parameter", "").as_bytes()),
            Some(ChannelError::Rejected { code, .. }) if code == "isv.invalid-parameter"
        ));
        assert!(error_of(br#"{"trades_sold_increment_get_response":{}}"#).is_none());
    }

    #[test]
    fn trades_are_kept_as_written() {
        let body = br#"{"trades_sold_increment_get_response":{"total_results":1,"trades":{"trade":[{"tid":4001234567890123456, "b":1}]}}}"#;
        let page = increment(body).unwrap();
        assert_eq!(page.total_results, Some(1));
        let trades = page.trades.unwrap().trade;
        assert_eq!(trades[0].get(), r#"{"tid":4001234567890123456, "b":1}"#);
        assert!(matches!(increment(b"<xml/>"), Err(ChannelError::Decode(_))));
    }
}
