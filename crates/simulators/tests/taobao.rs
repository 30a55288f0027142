//! The Taobao simulator from the outside: signed calls through the Router (and once over a real
//! loopback socket), TOP's error bodies, paging on live data, write-backs, determinism, and every
//! generated trade mapping cleanly with our built-in Taobao mapping.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use app::{Clock, ManualClock};
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use channels::taobao::{SignMethod, sign};
use domain::{ShopId, Timestamp};
use serde_json::{Value, json};
use simulators::taobao::{
    App, Config, Grant, RateLimit, ShopConfig, Simulation, Simulator, TradeStatus, Traffic,
    format_time, parse_time,
};
use tower::ServiceExt;

const APP_KEY: &str = "12345678";
const SECRET: &str = "helloworld";
const SESSION: &str = "6100example0session";
const HOUR: i64 = 3600 * 1000;

fn start_time() -> Timestamp {
    parse_time("2024-06-18 12:00:00").unwrap()
}

fn traffic() -> Traffic {
    Traffic {
        orders_per_hour: 30,
        unpaid_percent: 10,
        refund_percent: 10,
        change_percent: 15,
        shipped_elsewhere_percent: 10,
        presale_percent: 5,
    }
}

fn config(seed: u64) -> Config {
    Config {
        apps: vec![App {
            app_key: APP_KEY.to_owned(),
            secret: SECRET.to_owned(),
        }],
        shops: vec![ShopConfig {
            nick: "茶香旗舰店".to_owned(),
            seed,
            sessions: vec![
                Grant {
                    session: SESSION.to_owned(),
                    app_key: APP_KEY.to_owned(),
                    expires_at: start_time().plus_millis(30 * 24 * HOUR),
                    refresh_token: String::new(),
                },
                Grant {
                    session: "6100short0lived".to_owned(),
                    app_key: APP_KEY.to_owned(),
                    expires_at: start_time().plus_millis(HOUR),
                    refresh_token: "6200short0refresh".to_owned(),
                },
            ],
            traffic: traffic(),
            history_hours: 72,
        }],
        rate_limit: RateLimit {
            calls: 1000,
            window_secs: 60,
        },
        seed,
    }
}

struct Fixture {
    clock: Arc<ManualClock>,
    simulator: Simulator,
}

fn fixture(config: Config) -> Fixture {
    let clock = Arc::new(ManualClock::new(start_time()));
    let simulator = Simulator::new(config, clock.clone());
    Fixture { clock, simulator }
}

/// The common parameters of a call at the clock's time, the business ones, and the `sign`.
fn signed(clock: &dyn Clock, method: SignMethod, params: &[(&str, &str)]) -> Vec<(String, String)> {
    let timestamp = format_time(clock.now());
    let mut all: Vec<(String, String)> = vec![
        ("app_key".into(), APP_KEY.into()),
        ("format".into(), "json".into()),
        ("v".into(), "2.0".into()),
        ("sign_method".into(), method.param().into()),
        ("timestamp".into(), timestamp),
        ("session".into(), SESSION.into()),
    ];
    for (key, value) in params {
        match all.iter_mut().find(|(it, _)| it == key) {
            Some(slot) => slot.1 = (*value).to_owned(),
            None => all.push(((*key).to_owned(), (*value).to_owned())),
        }
    }
    let signature = sign(
        SECRET,
        method,
        all.iter().map(|(k, v)| (k.as_str(), v.as_str())),
    );
    all.push(("sign".into(), signature));
    all
}

/// POSTs the parameters as a form through the Router, as TOP's SDKs send them.
async fn post(simulator: &Simulator, params: &[(String, String)]) -> Value {
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(params)
        .finish();
    let request = Request::post("/router/rest")
        .header(
            header::CONTENT_TYPE,
            "application/x-www-form-urlencoded;charset=utf-8",
        )
        .body(Body::from(body))
        .unwrap();
    let response = simulator.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = to_bytes(response.into_body(), 1 << 24).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn call(fixture: &Fixture, params: &[(&str, &str)]) -> Value {
    let params = signed(fixture.clock.as_ref(), SignMethod::Md5, params);
    post(&fixture.simulator, &params).await
}

/// The error body without its request id (checked for TOP's shape separately).
fn error(mut body: Value) -> Value {
    let text = body.to_string();
    let inner = body["error_response"]
        .as_object_mut()
        .unwrap_or_else(|| panic!("not an error: {text}"));
    let id = inner.remove("request_id").expect("a request id");
    let id = id.as_str().unwrap();
    assert!(
        id.len() == 13
            && id
                .bytes()
                .all(|it| it.is_ascii_lowercase() || it.is_ascii_digit()),
        "{id}"
    );
    body
}

const FULL_FIELDS: &str = "tid,tid_str,type,status,step_trade_status,step_paid_fee,created,pay_time,\
modified,consign_time,end_time,buyer_nick,buyer_open_uid,buyer_message,has_buyer_message,seller_memo,\
seller_flag,receiver_name,receiver_mobile,receiver_phone,receiver_country,receiver_state,receiver_city,\
receiver_district,receiver_town,receiver_address,receiver_zip,total_fee,discount_fee,adjust_fee,\
post_fee,payment,received_payment,shipping_type,promotion_details,orders";

fn first_tid_with(simulator: &Simulator, status: TradeStatus) -> u64 {
    let state = simulator.lock();
    state.shops()[0]
        .trades()
        .iter()
        .find(|it| it.status == status)
        .map(|it| it.tid)
        .unwrap_or_else(|| panic!("no trade in {status:?}"))
}

#[tokio::test]
async fn a_signed_request_succeeds_with_every_sign_method() {
    let fixture = fixture(config(1));
    let tid = first_tid_with(&fixture.simulator, TradeStatus::WaitSellerSendGoods).to_string();
    for method in [SignMethod::Md5, SignMethod::Hmac, SignMethod::HmacSha256] {
        let params = signed(
            fixture.clock.as_ref(),
            method,
            &[
                ("method", "taobao.trade.fullinfo.get"),
                ("fields", "tid_str,status,orders"),
                ("tid", &tid),
            ],
        );
        let body = post(&fixture.simulator, &params).await;
        let trade = &body["trade_fullinfo_get_response"]["trade"];
        assert_eq!(trade["tid_str"], json!(tid), "{method:?}: {body}");
        assert_eq!(trade["status"], "WAIT_SELLER_SEND_GOODS");
        assert!(trade["orders"]["order"][0]["oid"].is_u64());
        // Only the requested fields.
        assert_eq!(trade.as_object().unwrap().len(), 3, "{trade}");
    }
}

#[tokio::test]
async fn the_query_string_counts_like_the_form() {
    let fixture = fixture(config(1));
    let params = signed(
        fixture.clock.as_ref(),
        SignMethod::HmacSha256,
        &[
            ("method", "taobao.trades.sold.increment.get"),
            ("fields", "tid"),
            ("start_modified", "2024-06-18 00:00:00"),
            ("end_modified", "2024-06-18 12:00:00"),
        ],
    );
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let request = Request::get(format!("/router/rest?{query}"))
        .body(Body::empty())
        .unwrap();
    let response = fixture.simulator.router().oneshot(request).await.unwrap();
    let body: Value =
        serde_json::from_slice(&to_bytes(response.into_body(), 1 << 24).await.unwrap()).unwrap();
    let total = &body["trades_sold_increment_get_response"]["total_results"];
    assert!(total.as_u64().unwrap() > 0, "{body}");
}

#[tokio::test]
async fn a_wrong_sign_gets_invalid_signature() {
    let fixture = fixture(config(1));
    let mut params = signed(
        fixture.clock.as_ref(),
        SignMethod::Md5,
        &[
            ("method", "taobao.trade.fullinfo.get"),
            ("fields", "tid"),
            ("tid", "1"),
        ],
    );
    // Signed with the right secret, then one parameter changed on the way.
    params.iter_mut().find(|(k, _)| k == "tid").unwrap().1 = "2".to_owned();
    let body = post(&fixture.simulator, &params).await;
    assert_eq!(
        error(body),
        json!({"error_response": {"code": 25, "msg": "Invalid signature"}})
    );
    // A signature made with another secret.
    let mut params = signed(
        fixture.clock.as_ref(),
        SignMethod::Hmac,
        &[
            ("method", "taobao.trade.fullinfo.get"),
            ("fields", "tid"),
            ("tid", "1"),
        ],
    );
    let unsigned = params.iter().filter(|(k, _)| k != "sign");
    let wrong = sign(
        "not-the-secret",
        SignMethod::Hmac,
        unsigned.map(|(k, v)| (k, v)),
    );
    params.last_mut().unwrap().1 = wrong;
    let body = post(&fixture.simulator, &params).await;
    assert_eq!(error(body)["error_response"]["code"], 25);
}

#[tokio::test]
async fn the_common_parameters_are_checked_in_order() {
    let fixture = fixture(config(1));
    let cases: &[(&str, &str, u64, &str)] = &[
        ("app_key", "87654321", 29, "Invalid app key"),
        ("format", "xml", 23, "Invalid format"),
        ("v", "1.0", 34, "Unsupported version"),
        ("timestamp", "2024-06-18 11:49:59", 31, "Invalid timestamp"),
        ("timestamp", "2024/06/18 12:00:00", 31, "Invalid timestamp"),
        ("method", "taobao.trades.sold.get", 22, "Invalid method"),
        ("session", "no-such-session", 27, "Invalid session"),
    ];
    for (key, value, code, msg) in cases {
        let body = call(
            &fixture,
            &[("method", "taobao.trade.fullinfo.get"), (key, value)],
        )
        .await;
        let body = error(body);
        assert_eq!(
            body["error_response"]["code"], *code,
            "{key}={value}: {body}"
        );
        assert_eq!(body["error_response"]["msg"], *msg, "{key}={value}");
    }
    // Ten minutes either way is still accepted.
    let body = call(
        &fixture,
        &[
            ("method", "taobao.trade.fullinfo.get"),
            ("timestamp", "2024-06-18 12:10:00"),
            ("fields", "tid"),
            ("tid", "1"),
        ],
    )
    .await;
    assert_eq!(
        body["error_response"]["sub_code"], "isv.trade-not-exist",
        "{body}"
    );
}

#[tokio::test]
async fn an_expired_session_gets_invalid_session() {
    let fixture = fixture(config(1));
    let params = [
        ("method", "taobao.trades.sold.increment.get"),
        ("session", "6100short0lived"),
        ("fields", "tid"),
        ("start_modified", "2024-06-18 11:00:00"),
        ("end_modified", "2024-06-18 12:00:00"),
    ];
    let body = call(&fixture, &params).await;
    assert!(
        body["trades_sold_increment_get_response"].is_object(),
        "{body}"
    );
    fixture.clock.advance_millis(HOUR);
    let body = call(&fixture, &params).await;
    assert_eq!(
        error(body),
        json!({"error_response": {
            "code": 27,
            "msg": "Invalid session",
            "sub_code": "invalid-sessionkey",
            "sub_msg": "非法或过期的SessionKey参数，请使用有效的SessionKey参数",
        }})
    );
}

#[tokio::test]
async fn a_window_over_one_day_is_refused() {
    let fixture = fixture(config(1));
    let window = |start, end| {
        [
            ("method", "taobao.trades.sold.increment.get"),
            ("fields", "tid"),
            ("start_modified", start),
            ("end_modified", end),
        ]
    };
    let body = call(
        &fixture,
        &window("2024-06-17 11:59:59", "2024-06-18 12:00:00"),
    )
    .await;
    assert_eq!(
        error(body),
        json!({"error_response": {
            "code": 15,
            "msg": "Remote service error",
            "sub_code": "isv.invalid-parameter:start_modified",
            "sub_msg": "修改时间跨度不能大于一天",
        }})
    );
    let body = call(
        &fixture,
        &window("2024-06-17 12:00:00", "2024-06-18 12:00:00"),
    )
    .await;
    assert!(
        body["trades_sold_increment_get_response"].is_object(),
        "{body}"
    );
    let body = call(
        &fixture,
        &window("2024-03-01 00:00:00", "2024-03-01 12:00:00"),
    )
    .await;
    assert_eq!(body["error_response"]["sub_msg"], "只能查询三个月内的交易");
    let body = call(
        &fixture,
        &[
            ("method", "taobao.trades.sold.increment.get"),
            ("fields", "tid"),
            ("start_modified", "2024-06-18 10:00:00"),
        ],
    )
    .await;
    assert_eq!(
        error(body),
        json!({"error_response": {"code": 40, "msg": "Missing required arguments:end_modified"}})
    );
}

#[tokio::test]
async fn the_rate_limit_bans_until_the_window_ends() {
    let mut config = config(1);
    config.rate_limit = RateLimit {
        calls: 3,
        window_secs: 60,
    };
    let fixture = fixture(config);
    // 12:00:00 starts a window; 20 seconds into it.
    fixture.clock.advance_millis(20_000);
    let params = [
        ("method", "taobao.trade.fullinfo.get"),
        ("fields", "tid"),
        ("tid", "1"),
    ];
    for _ in 0..3 {
        let body = call(&fixture, &params).await;
        assert_eq!(body["error_response"]["code"], 15, "{body}");
    }
    let body = call(&fixture, &params).await;
    assert_eq!(
        error(body),
        json!({"error_response": {
            "code": 7,
            "msg": "App Call Limited",
            "sub_code": "accesscontrol.limited-by-app-access-count",
            "sub_msg": "This ban will last for 40 more seconds",
        }})
    );
    fixture.clock.advance_millis(40_000);
    let body = call(&fixture, &params).await;
    assert_eq!(body["error_response"]["code"], 15, "{body}");
}

/// Every tid of a window, paging forwards (`reverse = false`) or from the last page back.
async fn walk(
    fixture: &Fixture,
    start: &str,
    end: &str,
    page_size: u64,
    reverse: bool,
    mut between_pages: impl FnMut(u64, &[u64]),
) -> Vec<u64> {
    let page = |no: u64| {
        let no = no.to_string();
        let size = page_size.to_string();
        async move {
            let body = call(
                fixture,
                &[
                    ("method", "taobao.trades.sold.increment.get"),
                    ("fields", "tid,modified"),
                    ("start_modified", start),
                    ("end_modified", end),
                    ("page_no", &no),
                    ("page_size", &size),
                ],
            )
            .await;
            let response = &body["trades_sold_increment_get_response"];
            let total = response["total_results"].as_u64().expect("total");
            let tids: Vec<u64> = response["trades"]["trade"]
                .as_array()
                .map(|it| it.iter().map(|t| t["tid"].as_u64().unwrap()).collect())
                .unwrap_or_default();
            (total, tids)
        }
    };
    let (total, first) = page(1).await;
    let pages = total.div_ceil(page_size).max(1);
    let mut seen = Vec::new();
    match reverse {
        false => {
            seen.extend(&first);
            between_pages(1, &first);
            for no in 2..=pages {
                let (_, tids) = page(no).await;
                seen.extend(&tids);
                between_pages(no, &tids);
            }
        }
        true => {
            for no in (1..=pages).rev() {
                let (_, tids) = page(no).await;
                seen.extend(&tids);
                between_pages(no, &tids);
            }
        }
    }
    seen
}

#[tokio::test]
async fn paging_returns_every_trade_once_when_nothing_changes() {
    let fixture = fixture(config(3));
    let windows = [
        ("2024-06-15 12:00:00", "2024-06-16 12:00:00"),
        ("2024-06-16 12:00:00", "2024-06-17 12:00:00"),
        ("2024-06-17 12:00:00", "2024-06-18 12:00:00"),
    ];
    for (start, end) in windows {
        let expected: BTreeSet<u64> = {
            let (start, end) = (parse_time(start).unwrap(), parse_time(end).unwrap());
            let state = fixture.simulator.lock();
            state.shops()[0]
                .trades()
                .iter()
                .filter(|it| start <= it.modified && it.modified <= end)
                .map(|it| it.tid)
                .collect()
        };
        assert!(expected.len() > 100, "{}", expected.len());
        for reverse in [false, true] {
            let seen = walk(&fixture, start, end, 40, reverse, |_, _| {}).await;
            assert_eq!(seen.len(), expected.len(), "{start}: duplicates");
            assert_eq!(seen.into_iter().collect::<BTreeSet<_>>(), expected);
        }
    }
}

#[tokio::test]
async fn paging_forwards_while_trades_change_skips_and_backwards_does_not() {
    // The window ends in the past; shipping a trade moves its `modified` out of the window.
    let (start, end) = ("2024-06-17 11:00:00", "2024-06-18 11:00:00");
    for reverse in [false, true] {
        let fixture = fixture(config(4));
        let expected: BTreeSet<u64> = {
            let (start, end) = (parse_time(start).unwrap(), parse_time(end).unwrap());
            let state = fixture.simulator.lock();
            state.shops()[0]
                .trades()
                .iter()
                .filter(|it| start <= it.modified && it.modified <= end)
                .map(|it| it.tid)
                .collect()
        };
        let simulator = fixture.simulator.clone();
        let mut changed = false;
        let seen =
            walk(&fixture, start, end, 20, reverse, |_, tids| {
                // After the first page read, one trade of that page changes.
                if changed {
                    return;
                }
                let mut state = simulator.lock();
                let shop = &state.shops()[0];
                let Some(tid) = tids.iter().copied().find(|tid| {
                    shop.trade(*tid).unwrap().status == TradeStatus::WaitSellerSendGoods
                }) else {
                    return;
                };
                let _ = &mut state;
                drop(state);
                let params = [
                    ("method", "taobao.logistics.offline.send"),
                    ("tid", &*tid.to_string()),
                    ("out_sid", "SF1234567890"),
                    ("company_code", "SF"),
                ];
                let params = signed(fixture.clock.as_ref(), SignMethod::Md5, &params);
                assert!(simulator.handle(&params)["logistics_offline_send_response"].is_object());
                changed = true;
            })
            .await;
        assert!(changed);
        let unique: BTreeSet<u64> = seen.iter().copied().collect();
        assert_eq!(
            unique.len(),
            seen.len(),
            "no duplicates when trades leave the window"
        );
        let missed = expected.difference(&unique).count();
        match reverse {
            false => assert_eq!(missed, 1, "forward paging skips the trade that moved up"),
            true => assert_eq!(missed, 0, "backward paging misses nothing"),
        }
    }
}

#[tokio::test]
async fn use_has_next_replaces_the_total() {
    let fixture = fixture(config(1));
    let params = |page: &'static str| {
        [
            ("method", "taobao.trades.sold.increment.get"),
            ("fields", "tid"),
            ("start_modified", "2024-06-17 12:00:00"),
            ("end_modified", "2024-06-18 12:00:00"),
            ("page_size", "100"),
            ("page_no", page),
            ("use_has_next", "true"),
        ]
    };
    let body = call(&fixture, &params("1")).await;
    let response = &body["trades_sold_increment_get_response"];
    assert_eq!(response["has_next"], true, "{body}");
    assert!(response.get("total_results").is_none());
    let body = call(&fixture, &params("50")).await;
    let response = &body["trades_sold_increment_get_response"];
    assert_eq!(response["has_next"], false);
    assert!(
        response.get("trades").is_none(),
        "an empty page has no trades: {body}"
    );
    let body = call(
        &fixture,
        &[
            ("method", "taobao.trades.sold.increment.get"),
            ("page_size", "101"),
        ],
    )
    .await;
    assert_eq!(body["error_response"]["code"], 40, "fields first: {body}");
}

#[tokio::test]
async fn a_shipment_is_recorded_and_a_repeat_is_refused() {
    let fixture = fixture(config(5));
    let tid = first_tid_with(&fixture.simulator, TradeStatus::WaitSellerSendGoods);
    fixture.clock.advance_millis(5 * 60 * 1000);
    let ship = [
        ("method", "taobao.logistics.offline.send"),
        ("tid", &*tid.to_string()),
        ("out_sid", "YT7412589630"),
        ("company_code", "YTO"),
    ];
    let body = call(&fixture, &ship).await;
    assert_eq!(
        body["logistics_offline_send_response"]["shipping"],
        json!({"is_success": true}),
        "{body}"
    );
    let detail = call(
        &fixture,
        &[
            ("method", "taobao.trade.fullinfo.get"),
            (
                "fields",
                "status,consign_time,modified,orders.invoice_no,orders.logistics_company",
            ),
            ("tid", &*tid.to_string()),
        ],
    )
    .await;
    let trade = &detail["trade_fullinfo_get_response"]["trade"];
    assert_eq!(trade["status"], "WAIT_BUYER_CONFIRM_GOODS", "{detail}");
    assert_eq!(trade["consign_time"], "2024-06-18 12:05:00");
    assert_eq!(trade["modified"], "2024-06-18 12:05:00");
    assert_eq!(trade["orders"]["order"][0]["invoice_no"], "YT7412589630");
    assert_eq!(trade["orders"]["order"][0]["logistics_company"], "圆通速递");
    let again = call(&fixture, &ship).await;
    assert_eq!(
        error(again),
        json!({"error_response": {
            "code": 15,
            "msg": "Remote service error",
            "sub_code": "isv.logistics-offline-service-error:B04",
            "sub_msg": "订单状态不对该物流订单已经发货或者已关闭，不能重复发货",
        }})
    );
    let unpaid = first_tid_with(&fixture.simulator, TradeStatus::WaitBuyerPay).to_string();
    let body = call(&fixture, &[ship[0], ("tid", &unpaid), ship[2], ship[3]]).await;
    assert_eq!(
        body["error_response"]["sub_code"],
        "isv.logistics-offline-service-error:B04"
    );
    let body = call(&fixture, &[ship[0], ("tid", "42"), ship[2], ship[3]]).await;
    assert_eq!(
        body["error_response"]["sub_code"],
        "isv.logistics-offline-service-error:B01"
    );
    let body = call(
        &fixture,
        &[ship[0], ship[1], ship[2], ("company_code", "NOPE")],
    )
    .await;
    assert_eq!(
        body["error_response"]["sub_code"],
        "isv.invalid-parameter:company_code"
    );
    let state = fixture.simulator.lock();
    let received = state.consignments();
    assert_eq!(received.len(), 5);
    let accepted: Vec<_> = received.iter().filter(|it| it.refused.is_none()).collect();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].tid, tid);
    assert_eq!(accepted[0].out_sid, "YT7412589630");
    assert_eq!(accepted[0].company_code, "YTO");
    assert_eq!(accepted[0].app_key, APP_KEY);
    assert_eq!(format_time(accepted[0].at), "2024-06-18 12:05:00");
    assert_eq!(
        received[1].refused.as_deref(),
        Some("isv.logistics-offline-service-error:B04")
    );
}

#[tokio::test]
async fn a_split_shipment_ships_the_named_lines() {
    let fixture = fixture(config(6));
    let (tid, oids) = {
        let state = fixture.simulator.lock();
        let trade = state.shops()[0]
            .trades()
            .iter()
            .find(|it| it.status == TradeStatus::WaitSellerSendGoods && it.lines.len() >= 2)
            .expect("a paid trade with two lines");
        (
            trade.tid,
            trade.lines.iter().map(|it| it.oid).collect::<Vec<_>>(),
        )
    };
    let (tid, first) = (tid.to_string(), oids[0].to_string());
    let fx = &fixture;
    let ship = |out_sid: &'static str, sub_tid: String| {
        let tid = tid.clone();
        async move {
            let params = [
                ("method", "taobao.logistics.offline.send"),
                ("tid", tid.as_str()),
                ("out_sid", out_sid),
                ("company_code", "ZTO"),
                ("is_split", "1"),
                ("sub_tid", sub_tid.as_str()),
            ];
            call(fx, &params).await
        }
    };
    let body = ship("ZT1000000001", first.clone()).await;
    assert!(
        body["logistics_offline_send_response"].is_object(),
        "{body}"
    );
    let status = |state: &Simulation| state.shops()[0].trade(tid.parse().unwrap()).unwrap().status;
    assert_eq!(
        status(&fixture.simulator.lock()),
        TradeStatus::SellerConsignedPart
    );
    let body = ship("ZT1000000002", first).await;
    assert_eq!(
        body["error_response"]["sub_code"],
        "isv.invalid-parameter:sub_tid"
    );
    let rest = oids[1..]
        .iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let body = ship("ZT1000000003", rest).await;
    assert!(
        body["logistics_offline_send_response"].is_object(),
        "{body}"
    );
    let state = fixture.simulator.lock();
    let trade = state.shops()[0].trade(tid.parse().unwrap()).unwrap();
    // Unless a refund closed a line meanwhile, every line went with one of the two parcels.
    assert_eq!(trade.status, TradeStatus::WaitBuyerConfirmGoods);
    assert_eq!(
        trade.lines[0].parcel.as_ref().unwrap().out_sid,
        "ZT1000000001"
    );
    assert_eq!(
        trade.lines[1].parcel.as_ref().unwrap().out_sid,
        "ZT1000000003"
    );
}

#[tokio::test]
async fn stock_updates_are_recorded() {
    let fixture = fixture(config(1));
    let fx = &fixture;
    let update = |params: Vec<(&'static str, &'static str)>| {
        let mut all = vec![("method", "taobao.item.quantity.update")];
        all.extend(params);
        async move { call(fx, &all).await }
    };
    let body = update(vec![
        ("num_iid", "680000000101"),
        ("outer_id", "TEA-LJ-250"),
        ("quantity", "37"),
    ])
    .await;
    let item = &body["item_quantity_update_response"]["item"];
    assert_eq!(
        item["skus"]["sku"][0]["sku_id"], 5_000_000_001_011_u64,
        "{body}"
    );
    assert_eq!(item["skus"]["sku"][0]["quantity"], 37);
    assert_eq!(item["num"], 37 + 200, "the other SKU keeps its stock");
    let body = update(vec![
        ("num_iid", "680000000101"),
        ("sku_id", "5000000001011"),
        ("quantity", "-7"),
        ("type", "2"),
    ])
    .await;
    assert_eq!(
        body["item_quantity_update_response"]["item"]["skus"]["sku"][0]["quantity"],
        30
    );
    let body = update(vec![
        ("num_iid", "680000000101"),
        ("outer_id", "TEA-LJ-250"),
        ("quantity", "-31"),
        ("type", "2"),
    ])
    .await;
    assert_eq!(
        body["error_response"]["sub_code"],
        "isv.invalid-parameter:quantity"
    );
    let body = update(vec![("num_iid", "680000000102"), ("quantity", "5")]).await;
    assert_eq!(
        body["item_quantity_update_response"]["item"]["num"], 5,
        "{body}"
    );
    assert!(
        body["item_quantity_update_response"]["item"]
            .get("skus")
            .is_none()
    );
    let body = update(vec![("num_iid", "1"), ("quantity", "5")]).await;
    assert_eq!(body["error_response"]["sub_code"], "isv.item-not-exist");
    let state = fixture.simulator.lock();
    let results: Vec<Option<i64>> = state
        .quantity_updates()
        .iter()
        .map(|it| it.result)
        .collect();
    assert_eq!(results, vec![Some(37), Some(30), None, Some(5), None]);
    assert_eq!(
        state.quantity_updates()[0].outer_id.as_deref(),
        Some("TEA-LJ-250")
    );
}

#[tokio::test]
async fn refunds_come_from_the_simulated_history() {
    let fixture = fixture(config(7));
    let body = call(
        &fixture,
        &[
            ("method", "taobao.refunds.receive.get"),
            (
                "fields",
                "refund_id,tid,oid,status,refund_fee,modified,order_status",
            ),
            ("start_modified", "2024-06-15 12:00:00"),
            ("end_modified", "2024-06-18 12:00:00"),
            ("page_size", "100"),
        ],
    )
    .await;
    let response = &body["refunds_receive_get_response"];
    let state = fixture.simulator.lock();
    let shop = &state.shops()[0];
    assert_eq!(response["total_results"], shop.refunds().len(), "{body}");
    assert!(!shop.refunds().is_empty());
    for refund in response["refunds"]["refund"].as_array().unwrap() {
        let tid = refund["tid"].as_u64().unwrap();
        let oid = refund["oid"].as_u64().unwrap();
        let trade = shop.trade(tid).unwrap();
        let line = trade.lines.iter().find(|it| it.oid == oid).unwrap();
        assert_eq!(refund["status"], line.refund_status.as_str());
        assert_eq!(refund["refund_id"], line.refund_id.unwrap().to_string());
    }
}

fn all_documents(simulation: &Simulation) -> Vec<Value> {
    let fields = simulators::taobao::Fields::parse(FULL_FIELDS);
    simulation.shops()[0]
        .trades()
        .iter()
        .map(|it| json!({"trade_fullinfo_get_response": {"trade": simulators::taobao::trade_json(it, &fields)}}))
        .collect()
}

#[test]
fn the_generator_is_deterministic_for_a_seed() {
    let a = Simulation::new(config(11), start_time());
    let b = Simulation::new(config(11), start_time());
    let c = Simulation::new(config(12), start_time());
    assert!(all_documents(&a).len() > 1000);
    assert_eq!(all_documents(&a), all_documents(&b));
    assert_ne!(all_documents(&a), all_documents(&c));
}

#[test]
fn advancing_in_small_steps_gives_the_same_shop() {
    let mut whole = Simulation::new(config(13), start_time());
    let mut steps = Simulation::new(config(13), start_time());
    whole.advance(start_time().plus_millis(36 * HOUR));
    for minute in 1..=36 * 60 {
        steps.advance(start_time().plus_millis(minute * 60_000 - 7));
    }
    steps.advance(start_time().plus_millis(36 * HOUR));
    assert_eq!(all_documents(&whole), all_documents(&steps));
}

#[test]
fn time_moves_trades_through_their_lifecycle() {
    let mut simulation = Simulation::new(config(14), start_time());
    let before = simulation.shops()[0].trades().len();
    simulation.advance(start_time().plus_millis(12 * 24 * HOUR));
    let shop = &simulation.shops()[0];
    // 30 an hour for twelve days, give or take.
    let created = shop.trades().len() - before;
    assert!((7000..=10_000).contains(&created), "{created}");
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for trade in shop.trades() {
        *counts.entry(trade.status.as_str()).or_default() += 1;
        assert!(trade.modified >= trade.created);
        if let Some(paid) = trade.pay_time {
            assert!(trade.created <= paid && paid <= trade.modified);
        }
    }
    for status in [
        "WAIT_BUYER_PAY",
        "WAIT_SELLER_SEND_GOODS",
        "WAIT_BUYER_CONFIRM_GOODS",
        "TRADE_FINISHED",
        "TRADE_CLOSED",
        "TRADE_CLOSED_BY_TAOBAO",
    ] {
        assert!(
            counts.get(status).copied().unwrap_or(0) > 0,
            "{status}: {counts:?}"
        );
    }
    assert!(
        shop.refunds()
            .iter()
            .any(|it| it.status.as_str() == "SUCCESS")
    );
    assert!(
        shop.refunds()
            .iter()
            .any(|it| it.status.as_str() == "WAIT_SELLER_AGREE")
    );
}

#[test]
fn every_generated_trade_maps_cleanly() {
    let mapping = mapping::OrderMapping::from_toml(mapping::builtin("taobao").unwrap()).unwrap();
    let context = mapping::MapContext {
        shop: ShopId(1),
        default_country: "CN",
        divisions: mapping::Divisions::official(),
    };
    let mut simulation = Simulation::new(config(21), start_time());
    simulation.advance(start_time().plus_millis(5 * 24 * HOUR));
    let documents = all_documents(&simulation);
    assert!(documents.len() > 3000);
    let mut incomplete = Vec::new();
    for document in &documents {
        let bytes = serde_json::to_vec(document).unwrap();
        let mapped = mapping
            .map(&bytes, &context)
            .unwrap_or_else(|e| panic!("{e}\n{document:#}"));
        let order = &mapped.order;
        let trade = &document["trade_fullinfo_get_response"]["trade"];
        assert_eq!(
            order.external_id.as_str(),
            trade["tid_str"].as_str().unwrap()
        );
        for line in &order.lines {
            assert!(!line.seller_sku_code.is_empty(), "{document}");
        }
        let lines_paid: i64 = order.lines.iter().map(|it| it.paid.minor).sum();
        assert_eq!(
            lines_paid + order.amounts.shipping.minor,
            order.amounts.paid.minor
        );
        if mapped.address.status != mapping::AddressStatus::Complete {
            incomplete.push(format!(
                "{:?} {}",
                mapped.address, trade["receiver_address"]
            ));
        }
    }
    assert!(incomplete.is_empty(), "{}", incomplete.join("\n"));
}

#[test]
fn trades_have_the_shape_of_the_sample() {
    let sample: Value = serde_json::from_str(include_str!(
        "../test_data/taobao-trade-fullinfo-get-synthetic.json"
    ))
    .unwrap();
    let sample = &sample["trade_fullinfo_get_response"]["trade"];
    let simulation = Simulation::new(config(22), start_time());
    let documents = all_documents(&simulation);
    let mut keys = BTreeSet::new();
    let mut line_keys = BTreeSet::new();
    for document in &documents {
        let trade = &document["trade_fullinfo_get_response"]["trade"];
        keys.extend(trade.as_object().unwrap().keys().cloned());
        for line in trade["orders"]["order"].as_array().unwrap() {
            line_keys.extend(line.as_object().unwrap().keys().cloned());
        }
    }
    // `oaid` needs the receiver fields, which FULL_FIELDS asks for.
    for key in sample.as_object().unwrap().keys() {
        assert!(keys.contains(key), "trades never carry {key}");
        let ours = documents
            .iter()
            .find_map(|it| it["trade_fullinfo_get_response"]["trade"].get(key));
        let theirs = &sample[key];
        let same_kind = |a: &Value, b: &Value| {
            std::mem::discriminant(a) == std::mem::discriminant(b)
                || (a.is_number() && b.is_number())
        };
        assert!(
            same_kind(ours.unwrap(), theirs),
            "{key}: {ours:?} vs {theirs}"
        );
    }
    for key in sample["orders"]["order"][0].as_object().unwrap().keys() {
        assert!(line_keys.contains(key), "lines never carry {key}");
    }
}

#[tokio::test]
async fn a_real_loopback_server_answers_and_shuts_down() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let fixture = fixture(config(1));
    let (addr, handle) = simulators::taobao::start(simulators::taobao::ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        simulator: fixture.simulator.clone(),
    })
    .await
    .unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    let params = signed(
        fixture.clock.as_ref(),
        SignMethod::HmacSha256,
        &[
            ("method", "taobao.trades.sold.increment.get"),
            ("fields", "tid,status"),
            ("start_modified", "2024-06-18 11:00:00"),
            ("end_modified", "2024-06-18 12:00:00"),
            ("use_has_next", "true"),
        ],
    );
    let body = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&params)
        .finish();
    let request = format!(
        "POST /router/rest HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/x-www-form-urlencoded;charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).await.unwrap();
    let response = String::from_utf8(response).unwrap();
    let (head, body) = response.split_once("\r\n\r\n").unwrap();
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    assert!(
        head.to_ascii_lowercase()
            .contains("content-type: application/json"),
        "{head}"
    );
    let body: Value = serde_json::from_str(body).unwrap();
    let trades = &body["trades_sold_increment_get_response"]["trades"]["trade"];
    assert!(!trades.as_array().unwrap().is_empty(), "{body}");
    handle.shutdown().await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening"
    );
}

#[tokio::test]
async fn injected_outages_answer_then_pass() {
    use simulators::taobao::Outage;

    let fixture = fixture(config(1));
    let params = signed(
        fixture.clock.as_ref(),
        SignMethod::Md5,
        &[
            ("method", "taobao.trade.fullinfo.get"),
            ("fields", "tid"),
            ("tid", "1"),
        ],
    );
    let send = || async {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(&params)
            .finish();
        let request = Request::post("/router/rest")
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        let response = fixture.simulator.router().oneshot(request).await.unwrap();
        let status = response.status().as_u16();
        let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    };
    fixture.simulator.lock().fail_next(2, Outage::BadGateway);
    for _ in 0..2 {
        let (status, body) = send().await;
        assert_eq!(status, 502);
        assert!(body.contains("502 Bad Gateway"), "{body}");
    }
    fixture.simulator.lock().fail_next(1, Outage::Timeout);
    let (status, body) = send().await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["error_response"]["sub_code"],
        "isp.top-remote-connection-timeout"
    );
    let (status, body) = send().await;
    assert_eq!(status, 200);
    let body: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        body["error_response"]["sub_code"], "isv.trade-not-exist",
        "served again"
    );
}
