//! The Douyin simulator from the outside: signed calls through the Router (and once over a real
//! loopback socket), doudian's error bodies, paging on live data, token refresh, write-backs,
//! decryption, signed pushes, determinism, and every generated order mapping cleanly with our
//! built-in Douyin mapping.

use std::collections::BTreeMap;
use std::sync::Arc;

use app::{Clock, ManualClock};
use axum::body::{Body, to_bytes};
use axum::http::{Request, header};
use channels::douyin::{SignMethod, douyin_time, param_json, sign, verify_push};
use domain::{ShopId, Timestamp};
use serde_json::{Value, json};
use simulators::douyin::{
    App, Config, Grant, OrderStatus, Outage, RateLimit, ShopConfig, Simulation, Simulator, Traffic,
};
use tower::ServiceExt;

const APP_KEY: &str = "7012345678901234567";
const SECRET: &str = "doudian-test-secret";
const TOKEN: &str = "dy-access-example";
const HOUR: i64 = 3600 * 1000;

fn start_time() -> Timestamp {
    // 2024-06-18 12:00:00 GMT+8.
    Timestamp::from_unix_millis(1_718_683_200_000)
}

fn config(seed: u64) -> Config {
    Config {
        apps: vec![App {
            app_key: APP_KEY.to_owned(),
            secret: SECRET.to_owned(),
        }],
        shops: vec![ShopConfig {
            name: "茶香抖音小店".to_owned(),
            shop_id: 4_463_798,
            seed,
            grants: vec![
                Grant {
                    access_token: TOKEN.to_owned(),
                    app_key: APP_KEY.to_owned(),
                    expires_at: start_time().plus_millis(7 * 24 * HOUR),
                    refresh_token: String::new(),
                },
                Grant {
                    access_token: "dy-short-lived".to_owned(),
                    app_key: APP_KEY.to_owned(),
                    expires_at: start_time().plus_millis(HOUR),
                    refresh_token: "dy-refresh-short".to_owned(),
                },
            ],
            traffic: Traffic {
                orders_per_hour: 30,
                unpaid_percent: 10,
                refund_percent: 10,
                change_percent: 15,
                shipped_elsewhere_percent: 10,
            },
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

/// A signed call: the common parameters in the query (with `overrides`), `params` as the body.
async fn call_with(
    fixture: &Fixture,
    method: &str,
    params: Value,
    overrides: &[(&str, &str)],
) -> Value {
    let body = param_json(&params);
    let timestamp = douyin_time(fixture.clock.now());
    let signature = sign(
        SECRET,
        SignMethod::Md5,
        &channels::douyin::Request {
            app_key: APP_KEY,
            method,
            param_json: &body,
            timestamp: &timestamp,
        },
    );
    let mut query: Vec<(String, String)> = [
        ("app_key", APP_KEY),
        ("method", method),
        ("access_token", TOKEN),
        ("timestamp", timestamp.as_str()),
        ("v", "2"),
        ("sign_method", "md5"),
        ("sign", signature.as_str()),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    for (key, value) in overrides {
        match query.iter_mut().find(|(it, _)| it == key) {
            Some(slot) => slot.1 = (*value).to_owned(),
            None => query.push(((*key).to_owned(), (*value).to_owned())),
        }
    }
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&query)
        .finish();
    let path = format!("/{}", method.replace('.', "/"));
    let request = Request::post(format!("{path}?{query}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(body))
        .unwrap();
    let response = fixture.simulator.router().oneshot(request).await.unwrap();
    assert_eq!(response.status(), 200);
    let bytes = to_bytes(response.into_body(), 1 << 24).await.unwrap();
    serde_json::from_slice(&bytes).unwrap()
}

async fn call(fixture: &Fixture, method: &str, params: Value) -> Value {
    call_with(fixture, method, params, &[]).await
}

fn error(body: &Value) -> (i64, String) {
    assert!(
        body["log_id"].as_str().is_some_and(|it| it.len() == 32),
        "{body}"
    );
    (
        body["code"].as_i64().unwrap(),
        body["sub_code"].as_str().unwrap().to_owned(),
    )
}

fn first_with(simulator: &Simulator, status: OrderStatus) -> u64 {
    simulator.lock().shops()[0]
        .orders()
        .iter()
        .find(|it| it.status == status)
        .map(|it| it.order_id)
        .unwrap_or_else(|| panic!("no order in {status:?}"))
}

#[tokio::test]
async fn a_signed_detail_call_succeeds() {
    let fixture = fixture(config(1));
    let id = first_with(&fixture.simulator, OrderStatus::ToShip).to_string();
    let body = call(
        &fixture,
        "order.orderDetail",
        json!({ "shop_order_id": id }),
    )
    .await;
    assert_eq!(body["code"], 10000, "{body}");
    let order = &body["data"]["shop_order_detail"];
    assert_eq!(order["order_id"], json!(id));
    assert_eq!(order["order_status"], 2);
    assert!(
        order["encrypt_post_receiver"]
            .as_str()
            .unwrap()
            .starts_with('#')
    );
    assert!(order["encrypt_post_tel"].as_str().unwrap().starts_with('$'));
    assert!(order["sku_order_list"][0]["product_id"].as_u64().unwrap() > 1 << 53);
}

#[tokio::test]
async fn the_common_parameters_are_checked() {
    let fixture = fixture(config(1));
    let params = json!({ "shop_order_id": "1" });
    let cases: &[(&str, &str, i64, &str)] = &[
        (
            "app_key",
            "7000000000000000000",
            40003,
            "isv.app-id-invalid",
        ),
        ("v", "1", 40003, "isv.version-invalid"),
        (
            "timestamp",
            "2024-06-18 11:49:59",
            40003,
            "isv.timestamp-invalid",
        ),
        (
            "timestamp",
            "2024/06/18 12:00:00",
            40003,
            "isv.timestamp-format-error",
        ),
        (
            "sign",
            "0123456789abcdef0123456789abcdef",
            40003,
            "isv.signature-invalid",
        ),
        (
            "access_token",
            "no-such-token",
            40003,
            "isv.access-token-no-existed",
        ),
        ("method", "order.list", 70000, "isp.api-service-off"),
        ("method", "order.searchList", 40003, "isv.method-invalid"),
    ];
    for (key, value, code, sub_code) in cases {
        let body = call_with(
            &fixture,
            "order.orderDetail",
            params.clone(),
            &[(key, value)],
        )
        .await;
        assert_eq!(
            error(&body),
            (*code, (*sub_code).to_owned()),
            "{key}={value}: {body}"
        );
    }
    // Everything right: the business check answers.
    let body = call(&fixture, "order.orderDetail", params).await;
    assert_eq!(error(&body).1, "isv.business-failed:100002", "{body}");
}

#[tokio::test]
async fn an_expired_token_is_refreshed_once() {
    let fixture = fixture(config(1));
    let params = json!({"order_by": "update_time", "update_time_start": 1_718_679_600, "update_time_end": 1_718_683_200, "page": 0, "size": 1});
    let with_short = [("access_token", "dy-short-lived")];
    let body = call_with(&fixture, "order.searchList", params.clone(), &with_short).await;
    assert_eq!(body["code"], 10000, "{body}");
    fixture.clock.advance_millis(HOUR);
    let body = call_with(&fixture, "order.searchList", params.clone(), &with_short).await;
    assert_eq!(error(&body), (40003, "isv.access-token-expired".to_owned()));
    let refresh = json!({"grant_type": "refresh_token", "refresh_token": "dy-refresh-short"});
    let body = call_with(
        &fixture,
        "token.refresh",
        refresh.clone(),
        &[("access_token", "")],
    )
    .await;
    let fresh = body["data"]["access_token"].as_str().unwrap().to_owned();
    assert_ne!(body["data"]["refresh_token"], "dy-refresh-short", "{body}");
    let body = call_with(
        &fixture,
        "order.searchList",
        params,
        &[("access_token", &fresh)],
    )
    .await;
    assert_eq!(body["code"], 10000, "{body}");
    // The old refresh token is used up.
    let body = call_with(&fixture, "token.refresh", refresh, &[]).await;
    assert_eq!(
        error(&body),
        (50001, "dop.token-generate-failed:token-invalid".to_owned())
    );
}

#[tokio::test]
async fn the_rate_limit_refuses_until_the_window_ends() {
    let mut config = config(1);
    config.rate_limit = RateLimit {
        calls: 2,
        window_secs: 1,
    };
    let fixture = fixture(config);
    let params = json!({ "shop_order_id": "1" });
    for _ in 0..2 {
        let body = call(&fixture, "order.orderDetail", params.clone()).await;
        assert_eq!(error(&body).0, 50002);
    }
    let body = call(&fixture, "order.orderDetail", params.clone()).await;
    assert_eq!(error(&body).0, 60000, "{body}");
    fixture.clock.advance_millis(1000);
    let body = call(&fixture, "order.orderDetail", params).await;
    assert_eq!(error(&body).0, 50002);
}

/// Every order id of a window of update times, paging forwards or from the last page back, with
/// `between_pages` run after each page.
async fn walk(
    fixture: &Fixture,
    window: (i64, i64),
    size: u64,
    reverse: bool,
    mut between_pages: impl FnMut(),
) -> Vec<String> {
    let page = |no: u64| async move {
        let body = call(
            fixture,
            "order.searchList",
            json!({"order_by": "update_time", "update_time_start": window.0, "update_time_end": window.1, "page": no, "size": size}),
        )
        .await;
        let data = &body["data"];
        let ids: Vec<String> = data["shop_order_list"]
            .as_array()
            .unwrap_or_else(|| panic!("{body}"))
            .iter()
            .map(|it| it["order_id"].as_str().unwrap().to_owned())
            .collect();
        (data["total"].as_u64().unwrap(), ids)
    };
    let (total, first) = page(0).await;
    let pages = total.div_ceil(size);
    let order: Vec<u64> = match reverse {
        true => (0..pages).rev().collect(),
        false => (0..pages).collect(),
    };
    let mut seen = Vec::new();
    for no in order {
        let ids = match (no, reverse) {
            (0, false) => first.clone(),
            _ => page(no).await.1,
        };
        seen.extend(ids);
        between_pages();
    }
    seen
}

/// The orders of `expected` still in the window that `seen` lacks.
fn missed(
    fixture: &Fixture,
    window: (i64, i64),
    expected: &[String],
    seen: &[String],
) -> Vec<String> {
    let state = fixture.simulator.lock();
    expected
        .iter()
        .filter(|id| {
            let order = state.shops()[0].order(id.parse().unwrap()).unwrap();
            order.update_time.unix_millis() / 1000 <= window.1 && !seen.contains(id)
        })
        .cloned()
        .collect()
}

#[tokio::test]
async fn paging_forwards_over_changing_orders_skips_and_backwards_does_not() {
    let now_s = start_time().unix_millis() / 1000;
    // Orders modified in the last six hours, ten to a page, while time runs on between pages and
    // orders leave the window towards "now".
    let window = (now_s - 6 * 3600, now_s - 1);
    let mut results = Vec::new();
    for reverse in [false, true] {
        let fixture = fixture(config(5));
        let expected: Vec<String> = fixture.simulator.lock().shops()[0]
            .orders()
            .iter()
            .filter(|it| {
                let t = it.update_time.unix_millis() / 1000;
                window.0 <= t && t <= window.1
            })
            .map(|it| it.order_id.to_string())
            .collect();
        assert!(expected.len() > 100, "{}", expected.len());
        let clock = fixture.clock.clone();
        let seen = walk(&fixture, window, 10, reverse, || {
            clock.advance_millis(20 * 60_000)
        })
        .await;
        results.push(missed(&fixture, window, &expected, &seen));
    }
    assert!(!results[0].is_empty(), "paging forwards skipped nothing");
    assert!(
        results[1].is_empty(),
        "paging backwards skipped {:?}",
        results[1]
    );
}

#[tokio::test]
async fn shipments_and_stock_are_recorded_and_repeats_refused() {
    let fixture = fixture(config(1));
    let id = first_with(&fixture.simulator, OrderStatus::ToShip).to_string();
    let ship = |tracking: &'static str| {
        let id = id.clone();
        let fixture = &fixture;
        async move {
            let params =
                json!({"order_id": id, "company_code": "shunfeng", "logistics_code": tracking});
            call(fixture, "order.logisticsAdd", params).await
        }
    };
    assert_eq!(ship("SF1234567890123").await["code"], 10000);
    let body = ship("SF1234567890123").await;
    assert_eq!(error(&body).0, 50002, "{body}");
    let detail = call(
        &fixture,
        "order.orderDetail",
        json!({ "shop_order_id": id }),
    )
    .await;
    let order = &detail["data"]["shop_order_detail"];
    assert_eq!(order["order_status"], 3);
    assert_eq!(order["logistics_info"][0]["tracking_no"], "SF1234567890123");
    let stock = json!({"product_id": 3_600_000_000_000_000_101_u64, "sku_id": "1700000000000001011", "stock_num": 37, "incremental": false});
    assert_eq!(call(&fixture, "sku.syncStock", stock).await["code"], 10000);
    let more = json!({"product_id": "3600000000000000101", "sku_id": 1_700_000_000_000_001_011_u64, "stock_num": -40, "incremental": true});
    assert_eq!(error(&call(&fixture, "sku.syncStock", more).await).0, 40004);
    let state = fixture.simulator.lock();
    let refused: Vec<bool> = state
        .consignments()
        .iter()
        .map(|it| it.refused.is_some())
        .collect();
    assert_eq!(refused, [false, true]);
    let results: Vec<Option<i64>> = state.stock_updates().iter().map(|it| it.result).collect();
    assert_eq!(results, [Some(37), None]);
}

#[tokio::test]
async fn ciphertexts_decrypt_for_their_order_only() {
    let fixture = fixture(config(1));
    let id = first_with(&fixture.simulator, OrderStatus::ToShip).to_string();
    let detail = call(
        &fixture,
        "order.orderDetail",
        json!({ "shop_order_id": id }),
    )
    .await;
    let order = &detail["data"]["shop_order_detail"];
    let name = order["encrypt_post_receiver"].as_str().unwrap();
    let tel = order["encrypt_post_tel"].as_str().unwrap();
    let params = json!({"cipher_infos": [
        {"auth_id": id, "cipher_text": name},
        {"auth_id": id, "cipher_text": tel},
        {"auth_id": "1", "cipher_text": name},
    ]});
    let body = call(&fixture, "order.batchDecrypt", params).await;
    let infos = body["data"]["decrypt_infos"].as_array().unwrap();
    let plain = infos[0]["decrypt_text"].as_str().unwrap();
    assert!(
        order["mask_post_receiver"]
            .as_str()
            .unwrap()
            .starts_with(plain.chars().next().unwrap())
    );
    assert_eq!(infos[1]["decrypt_text"].as_str().unwrap().len(), 11);
    assert_eq!(infos[2]["err_no"], 300008);
    assert_eq!(body["data"]["custom_err"]["err_code"], 300008);
}

#[tokio::test]
async fn injected_outages_answer_then_pass() {
    let fixture = fixture(config(1));
    fixture.simulator.lock().fail_next(1, Outage::ServiceError);
    let body = call(
        &fixture,
        "order.orderDetail",
        json!({ "shop_order_id": "1" }),
    )
    .await;
    assert_eq!(error(&body), (20000, "dop.service-error".to_owned()));
    let body = call(
        &fixture,
        "order.orderDetail",
        json!({ "shop_order_id": "1" }),
    )
    .await;
    assert_eq!(error(&body).0, 50002, "served again");
}

#[test]
fn pushes_are_signed_and_carry_every_event() {
    let mut simulation = Simulation::new(config(3), start_time());
    let pushes = simulation.take_pushes(APP_KEY);
    let events = simulation.shops()[0].events().len();
    assert_eq!(pushes.len(), events);
    for push in &pushes {
        let header = |name: &str| {
            push.headers
                .iter()
                .find(|(k, _)| k == name)
                .unwrap()
                .1
                .as_str()
        };
        verify_push(
            APP_KEY,
            SECRET,
            header("app-id"),
            header("event-sign"),
            &push.body,
        )
        .unwrap();
        let body: Value = serde_json::from_slice(&push.body).unwrap();
        let data: Value = serde_json::from_str(body[0]["data"].as_str().unwrap()).unwrap();
        assert!(data["p_id"].as_u64().unwrap() > 1 << 53);
    }
    assert!(
        simulation.take_pushes(APP_KEY).is_empty(),
        "each event is pushed once"
    );
    assert!(simulation.take_pushes("not-an-app").is_empty());
    let ping = simulation.verification_push(APP_KEY).unwrap();
    let body: Value = serde_json::from_slice(&ping.body).unwrap();
    assert_eq!(body[0]["tag"], "0");
}

fn all_documents(simulation: &Simulation) -> Vec<Value> {
    let shop = &simulation.shops()[0];
    shop.orders()
        .iter()
        .map(|it| {
            simulators::douyin::success(
                json!({"shop_order_detail": simulators::douyin::order_json(shop, it)}),
                "x",
            )
        })
        .collect()
}

#[test]
fn the_generator_is_deterministic_and_the_same_in_small_steps() {
    let a = Simulation::new(config(11), start_time());
    let b = Simulation::new(config(11), start_time());
    let c = Simulation::new(config(12), start_time());
    assert!(all_documents(&a).len() > 1000);
    assert_eq!(all_documents(&a), all_documents(&b));
    assert_ne!(all_documents(&a), all_documents(&c));
    let mut whole = Simulation::new(config(13), start_time());
    let mut steps = Simulation::new(config(13), start_time());
    whole.advance(start_time().plus_millis(24 * HOUR));
    for minute in 1..=24 * 60 {
        steps.advance(start_time().plus_millis(minute * 60_000 - 7));
    }
    steps.advance(start_time().plus_millis(24 * HOUR));
    assert_eq!(all_documents(&whole), all_documents(&steps));
}

#[test]
fn every_generated_order_maps_cleanly() {
    let mapping = mapping::OrderMapping::from_toml(mapping::builtin("douyin").unwrap()).unwrap();
    let context = mapping::MapContext {
        shop: ShopId(1),
        default_country: "CN",
        divisions: mapping::Divisions::official(),
    };
    let mut simulation = Simulation::new(config(21), start_time());
    simulation.advance(start_time().plus_millis(5 * 24 * HOUR));
    let documents = all_documents(&simulation);
    assert!(documents.len() > 3000);
    let mut statuses: BTreeMap<String, usize> = BTreeMap::new();
    let mut incomplete = Vec::new();
    for document in &documents {
        let bytes = serde_json::to_vec(document).unwrap();
        let mapped = mapping
            .map(&bytes, &context)
            .unwrap_or_else(|e| panic!("{e}\n{document:#}"));
        let order = &mapped.order;
        let detail = &document["data"]["shop_order_detail"];
        assert_eq!(
            order.external_id.as_str(),
            detail["order_id"].as_str().unwrap()
        );
        *statuses.entry(order.platform_status.clone()).or_default() += 1;
        for (line, raw) in order
            .lines
            .iter()
            .zip(detail["sku_order_list"].as_array().unwrap())
        {
            assert!(!line.seller_sku_code.is_empty(), "{document}");
            assert_eq!(line.platform_sku_id, raw["sku_id"].to_string());
        }
        let lines_paid: i64 = order.lines.iter().map(|it| it.paid.minor).sum();
        assert_eq!(
            lines_paid + order.amounts.shipping.minor,
            order.amounts.paid.minor
        );
        assert_eq!(
            order.amounts.goods.minor - order.amounts.discount.minor + order.amounts.shipping.minor,
            order.amounts.paid.minor
        );
        if mapped.address.status != mapping::AddressStatus::Complete {
            incomplete.push(format!("{:?} {}", mapped.address, detail["post_addr"]));
        }
    }
    assert!(incomplete.is_empty(), "{}", incomplete.join("\n"));
    for status in ["1", "105", "2", "3", "4", "5"] {
        assert!(
            statuses.get(status).copied().unwrap_or(0) > 0,
            "{status}: {statuses:?}"
        );
    }
}

#[tokio::test]
async fn a_real_loopback_server_answers_and_shuts_down() {
    let fixture = fixture(config(1));
    let (addr, handle) = simulators::douyin::start(simulators::douyin::ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        simulator: fixture.simulator.clone(),
    })
    .await
    .unwrap();
    assert!(addr.ip().is_loopback() && addr.port() != 0);
    handle.shutdown().await.unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "still listening"
    );
}
