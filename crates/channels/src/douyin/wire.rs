//! Doudian's wire vocabulary, pure: method names as gateway paths, `param_json` (compact JSON with
//! keys sorted at every level), request times, the response envelope
//! `{code, msg, sub_code, sub_msg, log_id, data}` (10000 is success), its codes sorted into our
//! classes, push bodies, and our carrier codes as doudian's `company_code`s.

use app::{ChannelError, PushMessage};
use domain::Timestamp;
use serde::Deserialize;
use serde_json::Value;
use serde_json::value::RawValue;

/// The envelope's `code` of a successful call.
pub const SUCCESS: i64 = 10000;

/// The gateway path of a method: `order.searchList` → `/order/searchList`.
pub fn method_path(method: &str) -> String {
    format!("/{}", method.replace('.', "/"))
}

/// A time as doudian's `timestamp` parameter takes it: GMT+8 `yyyy-MM-dd HH:mm:ss`.
pub fn douyin_time(at: Timestamp) -> String {
    let text = mapping::rfc3339(at, 480);
    text[..19].replace('T', " ")
}

/// `param_json` as signed and sent: compact, object keys sorted by their bytes at every level, no
/// HTML escaping (what `json.dumps(sort_keys=True, separators=(',', ':'))` writes, but UTF-8 kept).
/// Sorted here, whatever order the value's maps keep.
pub fn param_json(value: &Value) -> String {
    let mut out = String::new();
    write_sorted(value, &mut out);
    out
}

fn write_sorted(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.as_bytes().cmp(b.0.as_bytes()));
            out.push('{');
            for (i, (key, item)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_sorted(item, out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_sorted(item, out);
            }
            out.push(']');
        }
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => {
            out.push_str(&value.to_string());
        }
    }
}

/// Doudian's envelope: `code` 10000 with `data`, or an error.
#[derive(Debug, Deserialize)]
pub struct Envelope<'a> {
    pub code: i64,
    #[serde(default)]
    pub msg: String,
    #[serde(default)]
    pub sub_code: String,
    #[serde(default)]
    pub sub_msg: String,
    #[serde(default)]
    pub log_id: String,
    #[serde(borrow, default)]
    pub data: Option<&'a RawValue>,
}

/// Doudian's codes in our classes (the table of `平台基础错误码汇总`, [S]): 60000 is flow control (no
/// wait is given: one second); 30001/30002 (permission, IP allow-list), 50001 `dop.token-*`, and 40003
/// for the signature, app key or access token need a person; 20000/20001/50000 and `isp.*` are the
/// platform's own failures; everything else refuses this request.
pub fn classify(envelope: &Envelope<'_>) -> ChannelError {
    let message = format!(
        "{} {} {} {}",
        envelope.code, envelope.msg, envelope.sub_code, envelope.sub_msg
    )
    .trim()
    .to_owned();
    let sub = envelope.sub_code.as_str();
    let credentials = [
        "isv.signature-invalid",
        "isv.access-token-",
        "isv.app-id-",
        "isv.authorization-type-invalid",
    ];
    match envelope.code {
        60000 => ChannelError::RateLimited {
            retry_after_millis: 1000,
            message,
        },
        30001 | 30002 => ChannelError::Unauthorized(message),
        50001 if sub.starts_with("dop.token-") => ChannelError::Unauthorized(message),
        40003 if credentials.iter().any(|it| sub.starts_with(it)) => {
            ChannelError::Unauthorized(message)
        }
        20000 | 20001 | 50000 => ChannelError::Transient(message),
        _ if sub.starts_with("isp.") => ChannelError::Transient(message),
        code => ChannelError::Rejected {
            code: match sub.is_empty() {
                true => code.to_string(),
                false => sub.to_owned(),
            },
            message,
        },
    }
}

/// The envelope of an answer, or `Decode` when the body is not one.
pub(crate) fn envelope<'a>(body: &'a [u8], method: &str) -> Result<Envelope<'a>, ChannelError> {
    serde_json::from_slice::<Envelope<'a>>(body)
        .map_err(|e| ChannelError::Decode(format!("{method}: {e}")))
}

/// The `data` of a successful answer; an error envelope classified.
pub(crate) fn data<'a>(body: &'a [u8], method: &str) -> Result<&'a RawValue, ChannelError> {
    let envelope = envelope(body, method)?;
    if envelope.code != SUCCESS {
        return Err(classify(&envelope));
    }
    envelope
        .data
        .ok_or_else(|| ChannelError::Decode(format!("{method}: no data in a success")))
}

/// Whether the answer says the access token expired or is unknown: a refresh may help.
pub(crate) fn token_expired(body: &[u8]) -> bool {
    serde_json::from_slice::<Envelope<'_>>(body).is_ok_and(|it| {
        it.code == 40003
            && matches!(
                it.sub_code.as_str(),
                "isv.access-token-expired" | "isv.access-token-no-existed"
            )
    })
}

/// `order.searchList`'s data: the page's orders as the platform wrote them, and the window's total.
#[derive(Debug, Deserialize)]
pub(crate) struct SearchList<'a> {
    #[serde(borrow, default)]
    pub(crate) shop_order_list: Vec<&'a RawValue>,
    #[serde(default)]
    pub(crate) total: u64,
}

pub(crate) fn search_list<'a>(body: &'a [u8]) -> Result<SearchList<'a>, ChannelError> {
    let data = data(body, "order.searchList")?;
    serde_json::from_str::<SearchList<'a>>(data.get())
        .map_err(|e| ChannelError::Decode(format!("order.searchList: {e}")))
}

/// `order.orderDetail`'s order, as written.
pub(crate) fn order_detail(body: &[u8]) -> Result<&RawValue, ChannelError> {
    #[derive(Deserialize)]
    struct Detail<'a> {
        #[serde(borrow)]
        shop_order_detail: &'a RawValue,
    }
    let data = data(body, "order.orderDetail")?;
    serde_json::from_str::<Detail<'_>>(data.get())
        .map(|it| it.shop_order_detail)
        .map_err(|e| ChannelError::Decode(format!("order.orderDetail: {e}")))
}

/// What `token.refresh` gives: a new access token and the refresh token to use next.
#[derive(Debug, Deserialize)]
pub(crate) struct Token {
    pub(crate) access_token: String,
    pub(crate) refresh_token: String,
}

pub(crate) fn refreshed(body: &[u8]) -> Result<Token, ChannelError> {
    let data = data(body, "token.refresh")?;
    serde_json::from_str::<Token>(data.get())
        .map_err(|e| ChannelError::Decode(format!("token.refresh: {e}")))
}

/// Whether an order's `logistics_info` holds a parcel with this tracking number.
pub(crate) fn shipped_with(order: &str, tracking_no: &str) -> bool {
    let Ok(value) = serde_json::from_str::<Value>(order) else {
        return false;
    };
    value
        .get("logistics_info")
        .and_then(Value::as_array)
        .is_some_and(|parcels| {
            parcels
                .iter()
                .any(|it| it.get("tracking_no").and_then(Value::as_str) == Some(tracking_no))
        })
}

/// One event of a push body.
#[derive(Debug, Deserialize)]
struct PushEvent {
    tag: String,
    msg_id: String,
    /// A JSON text; order events carry `p_id`, the parent (shop) order id.
    #[serde(default)]
    data: String,
}

/// The events of a verified push body in our words, one message each, in the body's order: its
/// `msg_id`, its `tag` and the order its data names (none for the URL-verification ping).
pub fn push_message(body: &[u8]) -> Result<Vec<PushMessage>, ChannelError> {
    let events: Vec<PushEvent> = serde_json::from_slice(body)
        .map_err(|e| ChannelError::Decode(format!("push body: {e}")))?;
    if events.is_empty() {
        return Err(ChannelError::Decode("push body: no events".to_owned()));
    }
    Ok(events
        .into_iter()
        .map(|event| PushMessage {
            external_id: parent_order(&event.data),
            event_id: event.msg_id,
            topic: event.tag,
        })
        .collect())
}

/// `p_id` of an event's data (a number or a string), if it names an order.
fn parent_order(data: &str) -> Option<String> {
    let value: Value = serde_json::from_str(data).ok()?;
    match value.get("p_id")? {
        Value::Number(n) => Some(n.to_string()),
        Value::String(text) if !text.is_empty() => Some(text.clone()),
        _ => None,
    }
}

/// Doudian's `company_code` for our carrier code (from `order.logisticsCompanyList`; [U]: the codes
/// are the common express-code spellings, not checked against a live list).
pub fn company_code(carrier: &str) -> &str {
    match carrier {
        "SF" => "shunfeng",
        "ZTO" => "zhongtong",
        "YTO" => "yuantong",
        "STO" => "shentong",
        "YUNDA" => "yunda",
        "JD" => "jd",
        "EMS" => "ems",
        "JT" => "jtexpress",
        "DBL" => "debangkuaidi",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use app::ChannelError;
    use domain::Timestamp;
    use serde_json::json;

    use crate::douyin::wire::{
        douyin_time, envelope, method_path, param_json, push_message, search_list, token_expired,
    };

    #[test]
    fn param_json_is_sorted_and_compact_at_every_level() {
        let value =
            json!({"size": 100, "b": {"z": 1, "a": [{"y": "抖店", "x": "<&>"}]}, "a": false});
        assert_eq!(
            param_json(&value),
            r#"{"a":false,"b":{"a":[{"x":"<&>","y":"抖店"}],"z":1},"size":100}"#
        );
        assert_eq!(param_json(&json!({})), "{}");
    }

    #[test]
    fn paths_and_times() {
        assert_eq!(method_path("order.searchList"), "/order/searchList");
        assert_eq!(method_path("token.refresh"), "/token/refresh");
        // 2024-06-18T12:15:03Z.
        assert_eq!(
            douyin_time(Timestamp::from_unix_millis(1_718_712_903_000)),
            "2024-06-18 20:15:03"
        );
    }

    #[test]
    fn errors_are_classified() {
        let class = |code: i64, sub: &str| {
            let body =
                json!({"code": code, "msg": "m", "sub_code": sub, "sub_msg": "s", "log_id": "l"})
                    .to_string();
            let envelope = envelope(body.as_bytes(), "x").unwrap();
            crate::douyin::wire::classify(&envelope).kind()
        };
        assert_eq!(class(60000, ""), "rate_limited");
        assert_eq!(class(40003, "isv.access-token-expired"), "unauthorized");
        assert_eq!(class(40003, "isv.signature-invalid"), "unauthorized");
        assert_eq!(class(30002, ""), "unauthorized");
        assert_eq!(
            class(50001, "dop.token-generate-failed:token-expired"),
            "unauthorized"
        );
        assert_eq!(class(20000, "dop.service-error"), "transient");
        assert_eq!(class(90000, "isp.unknown-error"), "transient");
        assert_eq!(class(40004, "isv.business-failed:1"), "rejected");
        assert_eq!(class(40003, "isv.timestamp-invalid"), "rejected");
        let expired =
            br#"{"code":40003,"msg":"m","sub_code":"isv.access-token-expired","sub_msg":"s"}"#;
        assert!(token_expired(expired));
        assert!(!token_expired(br#"{"code":10000,"data":{}}"#));
    }

    #[test]
    fn orders_are_kept_as_written() {
        let body = br#"{"code":10000,"msg":"success","sub_code":"","sub_msg":"","log_id":"x","data":{"shop_order_list":[{"order_id":"1", "p":6900000000000000001}],"total":7,"page":0,"size":1}}"#;
        let page = search_list(body).unwrap();
        assert_eq!(page.total, 7);
        assert_eq!(
            page.shop_order_list[0].get(),
            r#"{"order_id":"1", "p":6900000000000000001}"#
        );
        assert!(matches!(
            search_list(b"<html/>"),
            Err(ChannelError::Decode(_))
        ));
        let limited = br#"{"code":60000,"msg":"m","sub_code":"","sub_msg":"","data":{}}"#;
        assert!(matches!(
            search_list(limited),
            Err(ChannelError::RateLimited { .. })
        ));
    }

    #[test]
    fn pushes_name_their_order() {
        let one = json!([{"tag": "101", "msg_id": "m1", "data": "{\"p_id\":6900000000000000001,\"s_ids\":[6900000000000000002]}"}]);
        let messages = push_message(one.to_string().as_bytes()).unwrap();
        assert_eq!(messages.len(), 1);
        assert_eq!(messages[0].event_id, "m1");
        assert_eq!(messages[0].topic, "101");
        assert_eq!(
            messages[0].external_id.as_deref(),
            Some("6900000000000000001")
        );
        // Each event is its own message with its own id and order, in the body's order.
        let three = json!([
            {"tag": "100", "msg_id": "m1", "data": "{\"p_id\":1}"},
            {"tag": "105", "msg_id": "m2", "data": "{\"p_id\":\"2\"}"},
            {"tag": "0", "msg_id": "m3", "data": "{}"},
        ]);
        let messages = push_message(three.to_string().as_bytes()).unwrap();
        let seen: Vec<_> = messages
            .iter()
            .map(|it| {
                (
                    it.event_id.as_str(),
                    it.topic.as_str(),
                    it.external_id.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            seen,
            [
                ("m1", "100", Some("1")),
                ("m2", "105", Some("2")),
                ("m3", "0", None)
            ]
        );
        let ping = json!([{"tag": "0", "msg_id": "m0", "data": "{}"}]);
        assert_eq!(
            push_message(ping.to_string().as_bytes()).unwrap()[0].external_id,
            None
        );
        assert!(push_message(b"[]").is_err());
        assert!(push_message(b"{").is_err());
    }
}
