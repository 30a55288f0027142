//! The API's after-sales, stock, rules, shops, rejects and counts through the router, on a real SQLite
//! store: each role limited to what it may do, writes at the version the caller saw (`If-Match`,
//! `ETag`), a repeated `Idempotency-Key` answered once, lists paged by cursor, and bad input answered
//! with a 4xx, never a 5xx.

mod common;

use app::{NewReject, SyncStatus};
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use domain::SkuCode;
use serde_json::{Value, json};

use crate::common::{Answer, T0, World, call, send, wh, world};

/// A request as `login` with extra headers.
async fn call_with(
    world: &World,
    method: Method,
    uri: &str,
    login: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> Answer {
    let mut builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer t-{login}"));
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    let request = match body {
        Some(body) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    };
    send(&world.router, request).await
}

#[tokio::test]
async fn an_after_sale_is_opened_and_worked_at_the_version_seen() {
    let world = world().await;
    let order = world.order.0;
    let opened = call(
        &world,
        Method::POST,
        "/api/v1/after-sales",
        "service",
        Some(json!({"order": order, "kind": "refund_only", "reason": "买家不想要了"})),
    )
    .await;
    assert_eq!(opened.status, StatusCode::CREATED, "{}", opened.text);
    assert_eq!(opened.body["status"], "requested");
    let id = opened.body["id"].as_i64().unwrap();
    let version = opened.body["version"].as_u64().unwrap();

    let got = call(
        &world,
        Method::GET,
        &format!("/api/v1/after-sales/{id}"),
        "service",
        None,
    )
    .await;
    assert_eq!(got.status, StatusCode::OK);
    assert_eq!(got.headers[header::ETAG], format!("\"{version}\""));

    // A stale version is a conflict; If-Match and the body disagreeing is a failed precondition.
    let approve = format!("/api/v1/after-sales/{id}/approve");
    let stale = format!("\"{}\"", version + 7);
    let answer = call_with(
        &world,
        Method::POST,
        &approve,
        "service",
        &[("if-match", &stale)],
        Some(json!({})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::CONFLICT, "{}", answer.text);
    let answer = call_with(
        &world,
        Method::POST,
        &approve,
        "service",
        &[("if-match", &format!("\"{version}\""))],
        Some(json!({"version": version + 1})),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::PRECONDITION_FAILED,
        "{}",
        answer.text
    );
    assert_eq!(answer.body["code"], "precondition_failed");
    let answer = call(
        &world,
        Method::POST,
        &approve,
        "service",
        Some(json!({"note": "ok"})),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "no version at all: {}",
        answer.text
    );

    let approved = call_with(
        &world,
        Method::POST,
        &approve,
        "service",
        &[("if-match", &format!("\"{version}\""))],
        Some(json!({"note": "未发货，直接退"})),
    )
    .await;
    assert_eq!(approved.status, StatusCode::OK, "{}", approved.text);
    assert_eq!(approved.body["status"], "approved");
    let version = approved.body["version"].as_u64().unwrap();
    let refunded = call(
        &world,
        Method::POST,
        &format!("/api/v1/after-sales/{id}/refund"),
        "service",
        Some(json!({"version": version})),
    )
    .await;
    assert_eq!(refunded.status, StatusCode::OK, "{}", refunded.text);
    assert_eq!(refunded.body["status"], "refunded");

    // Every change names the person who made it.
    let events = world.store.order_events(world.order).await.unwrap();
    assert!(
        events.iter().any(|it| it.actor == "user:service"),
        "{events:?}"
    );
    // Finance reads the money paid back; customer service may not.
    let money = format!("/api/v1/orders/{order}/money");
    let ledger = call(&world, Method::GET, &money, "finance", None).await;
    assert_eq!(ledger.status, StatusCode::OK);
    assert!(
        ledger
            .body
            .as_array()
            .unwrap()
            .iter()
            .any(|it| it["amount"].as_str().unwrap().starts_with('-')),
        "{}",
        ledger.text
    );
    assert_eq!(
        call(&world, Method::GET, &money, "service", None)
            .await
            .status,
        StatusCode::FORBIDDEN
    );

    // The order's cases, and the open ones (none left).
    let cases = call(
        &world,
        Method::GET,
        &format!("/api/v1/after-sales?order={order}"),
        "market",
        None,
    )
    .await;
    assert_eq!(
        cases.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        cases.text
    );
    let open = call(&world, Method::GET, "/api/v1/after-sales", "market", None).await;
    assert_eq!(open.body["items"], json!([]));
}

#[tokio::test]
async fn each_role_is_limited_to_what_it_may_do() {
    let world = world().await;
    let case = json!({"order": world.order.0, "kind": "refund_only", "reason": "x"});
    let receipt = json!({"warehouse": "JX01", "sku": "TEA-1", "quantity": 5, "reference": "po:9"});
    let denied: [(Method, &str, &str, Option<Value>); 12] = [
        (
            Method::POST,
            "/api/v1/after-sales",
            "market",
            Some(case.clone()),
        ),
        (
            Method::POST,
            "/api/v1/after-sales",
            "packer-jx",
            Some(case.clone()),
        ),
        (Method::POST, "/api/v1/after-sales", "finance", Some(case)),
        (Method::GET, "/api/v1/after-sales", "packer-jx", None),
        (
            Method::POST,
            "/api/v1/after-sales/1/approve",
            "market",
            Some(json!({"version": 0})),
        ),
        (
            Method::POST,
            "/api/v1/stock/receipts",
            "market",
            Some(receipt.clone()),
        ),
        (
            Method::POST,
            "/api/v1/stock/receipts",
            "packer-jx",
            Some(receipt),
        ),
        (
            Method::GET,
            "/api/v1/stock/ledger?warehouse=JX01&sku=TEA-1",
            "packer-gz",
            None,
        ),
        (Method::GET, "/api/v1/stock", "finance", None),
        (Method::GET, "/api/v1/rules", "service", None),
        (Method::GET, "/api/v1/shops", "packer-jx", None),
        (Method::GET, "/api/v1/rejects", "service", None),
    ];
    for (method, uri, login, body) in denied {
        let answer = call(&world, method.clone(), uri, login, body).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{method} {uri} as {login}: {}",
            answer.text
        );
        assert_eq!(answer.body["code"], "forbidden");
    }
    // The packer reads its own warehouse's ledger; marketing reads shops and checks rules.
    let own = call(
        &world,
        Method::GET,
        "/api/v1/stock/ledger?warehouse=JX01&sku=TEA-1",
        "packer-jx",
        None,
    )
    .await;
    assert_eq!(own.status, StatusCode::OK, "{}", own.text);
    let shops = call(&world, Method::GET, "/api/v1/shops", "market", None).await;
    assert_eq!(shops.status, StatusCode::OK);
    let check = call(
        &world,
        Method::POST,
        "/api/v1/rules/check",
        "market",
        Some(json!({"text": ""})),
    )
    .await;
    assert_eq!(check.status, StatusCode::OK, "{}", check.text);
    // Nothing was written by the refused requests.
    assert!(
        world
            .store
            .after_sales(None, false)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_repeated_idempotency_key_is_answered_once() {
    let world = world().await;
    let receipt =
        json!({"warehouse": "JX01", "sku": "NEW-SKU", "quantity": 5, "reference": "po:9"});
    let key = [("idempotency-key", "receipt-1")];
    let first = call_with(
        &world,
        Method::POST,
        "/api/v1/stock/receipts",
        "ops",
        &key,
        Some(receipt.clone()),
    )
    .await;
    assert_eq!(first.status, StatusCode::CREATED, "{}", first.text);
    assert_eq!(first.body["on_hand"], 5);
    let again = call_with(
        &world,
        Method::POST,
        "/api/v1/stock/receipts",
        "ops",
        &key,
        Some(receipt.clone()),
    )
    .await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.body, first.body);
    assert_eq!(again.headers["idempotency-replayed"], "true");
    // Another body under the same key is refused; another caller's key is its own.
    let other = json!({"warehouse": "JX01", "sku": "NEW-SKU", "quantity": 6, "reference": "po:9"});
    let reused = call_with(
        &world,
        Method::POST,
        "/api/v1/stock/receipts",
        "ops",
        &key,
        Some(other),
    )
    .await;
    assert_eq!(reused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(reused.body["code"], "idempotency_key_reused");
    let admin = call_with(
        &world,
        Method::POST,
        "/api/v1/stock/receipts",
        "admin",
        &key,
        Some(receipt),
    )
    .await;
    assert_eq!(admin.body["on_hand"], 10, "{}", admin.text);

    let ledger = world
        .store
        .stock_ledger(&wh("JX01"), &SkuCode::new("NEW-SKU").unwrap())
        .await
        .unwrap();
    assert_eq!(ledger.len(), 2, "{ledger:?}");
    assert_eq!(ledger[0].2, "po:9 by user:ops");
}

#[tokio::test]
async fn lists_are_paged_by_cursor() {
    let world = world().await;
    for n in 1..=3 {
        let receipt = json!({"warehouse": "JX01", "sku": "PAGED", "quantity": n, "reference": format!("po:{n}")});
        let answer = call(
            &world,
            Method::POST,
            "/api/v1/stock/receipts",
            "ops",
            Some(receipt),
        )
        .await;
        assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    }
    let first = call(
        &world,
        Method::GET,
        "/api/v1/stock/ledger?warehouse=JX01&sku=PAGED&limit=2",
        "ops",
        None,
    )
    .await;
    assert_eq!(
        first.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        first.text
    );
    let cursor = first.body["next_cursor"].as_i64().unwrap();
    let rest = call(
        &world,
        Method::GET,
        &format!("/api/v1/stock/ledger?warehouse=JX01&sku=PAGED&limit=2&cursor={cursor}"),
        "ops",
        None,
    )
    .await;
    assert_eq!(rest.body["items"][0]["quantity"], 3, "{}", rest.text);
    assert_eq!(rest.body["next_cursor"], Value::Null);

    let shop = world.store.shops().await.unwrap()[0].id;
    let rejects: Vec<NewReject> = (0..3)
        .map(|n| NewReject {
            shop,
            source: "api:tmall".to_owned(),
            external_ref: format!("T{n}"),
            format: "taobao@1".to_owned(),
            raw: format!("{{\"receiver_mobile\":\"1380013800{n}\"}}").into_bytes(),
            field: "receiver.phone".to_owned(),
            reason: "no phone".to_owned(),
            at: T0,
        })
        .collect();
    world.store.record_rejects(&rejects).await.unwrap();
    let page = call(&world, Method::GET, "/api/v1/rejects?limit=2", "ops", None).await;
    assert_eq!(
        page.body["items"].as_array().unwrap().len(),
        2,
        "{}",
        page.text
    );
    assert!(
        page.body["items"][0]["raw"]
            .as_str()
            .unwrap()
            .contains("138")
    );
    let cursor = page.body["next_cursor"].as_i64().unwrap();
    let rest = call(
        &world,
        Method::GET,
        &format!("/api/v1/rejects?limit=2&cursor={cursor}"),
        "market",
        None,
    )
    .await;
    assert_eq!(
        rest.body["items"].as_array().unwrap().len(),
        1,
        "{}",
        rest.text
    );
    assert_eq!(
        rest.body["items"][0]["raw"],
        Value::Null,
        "marketing sees no personal data"
    );
}

#[tokio::test]
async fn shops_rules_and_counts_are_read() {
    let world = world().await;
    let shop = world.store.shops().await.unwrap()[0].id;
    world
        .store
        .set_sync_status(&SyncStatus {
            shop,
            stream: app::Stream::Orders,
            ok: false,
            last_error: "unauthorized: token expired".to_owned(),
            at: T0,
        })
        .await
        .unwrap();
    let shops = call(&world, Method::GET, "/api/v1/shops", "ops", None).await;
    assert_eq!(shops.body[0]["code"], "tmall-main", "{}", shops.text);
    assert_eq!(
        shops.body[0]["sync"][0]["last_error"],
        "unauthorized: token expired"
    );

    let none = call(&world, Method::GET, "/api/v1/rules", "ops", None).await;
    assert_eq!(none.status, StatusCode::NOT_FOUND);
    let version = world
        .store
        .save_rule_set("# empty\n", &domain::Actor::System, T0)
        .await
        .unwrap();
    let rules = call(&world, Method::GET, "/api/v1/rules", "ops", None).await;
    assert_eq!(rules.body["version"], version);
    assert_eq!(rules.body["text"], "# empty\n");
    assert_eq!(rules.headers[header::ETAG], format!("\"{version}\""));

    // A file naming what the deployment does not know gets every mistake with its place.
    let wrong = "[[rules]]\nname = \"去火星\"\nwhen = { province = \"浙江\" }\nthen = { assign = \"MARS\" }\n";
    let check = call(
        &world,
        Method::POST,
        "/api/v1/rules/check",
        "ops",
        Some(json!({"text": wrong})),
    )
    .await;
    assert_eq!(check.body["ok"], false, "{}", check.text);
    assert!(
        check.body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("MARS"),
        "{}",
        check.text
    );
    let garbage = call(
        &world,
        Method::POST,
        "/api/v1/rules/check",
        "ops",
        Some(json!({"text": "[[[ nope"})),
    )
    .await;
    assert_eq!(garbage.body["ok"], false);
    assert_eq!(garbage.body["errors"][0]["place"], "file");
    // A file over the warehouses that hold stock compiles, and its test case is decided.
    let sku = world
        .store
        .load_order(world.order)
        .await
        .unwrap()
        .data
        .lines[0]
        .sku
        .clone()
        .unwrap();
    world
        .store
        .put_sku(&app::SkuDefinition::plain(sku.clone(), "tea"))
        .await
        .unwrap();
    let right = format!(
        "[[rules]]\nname = \"浙江发嘉兴\"\nwhen = {{ province = \"浙江\" }}\nthen = {{ assign = \"JX01\" }}\n\n\
         [[tests]]\nname = \"杭州\"\nprovince = \"浙江省\"\ncity = \"杭州市\"\ndistrict = \"西湖区\"\n\
         area_code = \"杭州西湖\"\nlines = [\"{} x1\"]\nexpect = \"JX01\"\n",
        sku.as_str()
    );
    let check = call(
        &world,
        Method::POST,
        "/api/v1/rules/check",
        "ops",
        Some(json!({"text": right})),
    )
    .await;
    assert_eq!(check.body["errors"], json!([]), "{}", check.text);
    assert_eq!(check.body["cases"][0]["name"], "杭州");

    let kpis = call(&world, Method::GET, "/api/v1/kpis", "market", None).await;
    assert_eq!(kpis.body["orders_total"], 1, "{}", kpis.text);
    let allocated = kpis.body["orders_by_status"]
        .as_array()
        .unwrap()
        .iter()
        .find(|it| it["status"] == "allocated")
        .unwrap();
    assert_eq!(allocated["count"], 1);
    assert_eq!(kpis.body["open_after_sales"], 0);
    let packer = call(&world, Method::GET, "/api/v1/kpis", "packer-jx", None).await;
    assert_eq!(packer.body["open_after_sales"], Value::Null);
}

/// A request (method, path, headers, body) and the status it must get.
type BadCase<'a> = (
    Method,
    String,
    Vec<(&'a str, &'a str)>,
    Option<Value>,
    StatusCode,
);

#[tokio::test]
async fn bad_input_to_the_new_endpoints_is_a_client_error() {
    let world = world().await;
    let long_key = "k".repeat(300);
    let cases: Vec<BadCase<'_>> = vec![
        (
            Method::GET,
            "/api/v1/after-sales?limit=0".into(),
            vec![],
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::GET,
            "/api/v1/after-sales?cursor=abc".into(),
            vec![],
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/after-sales/99999".into(),
            vec![],
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::GET,
            "/api/v1/after-sales/x".into(),
            vec![],
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/v1/after-sales".into(),
            vec![],
            Some(json!({"order": 1})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/after-sales".into(),
            vec![],
            Some(json!({"order": world.order.0, "kind": "gift", "reason": "x"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/after-sales".into(),
            vec![],
            Some(
                json!({"order": world.order.0, "kind": "resend", "reason": "x", "lines": [{"line_no": 1, "quantity": 999}]}),
            ),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/after-sales".into(),
            vec![],
            Some(json!({"order": 424242, "kind": "resend", "reason": "x"})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/api/v1/after-sales/99999/approve".into(),
            vec![],
            Some(json!({"version": 1})),
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/api/v1/after-sales/1/approve".into(),
            vec![("if-match", "yesterday")],
            Some(json!({})),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::POST,
            "/api/v1/after-sales/1/receive".into(),
            vec![],
            Some(json!({"version": 1, "warehouse": ""})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/stock/receipts".into(),
            vec![],
            Some(json!({"warehouse": "JX01", "sku": "A", "quantity": 0, "reference": "po"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/stock/receipts".into(),
            vec![],
            Some(json!({"warehouse": "JX01", "sku": "A", "quantity": -1, "reference": "po"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/stock/receipts".into(),
            vec![],
            Some(json!({"warehouse": "JX01", "sku": "A", "quantity": 1, "reference": " "})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/stock/receipts".into(),
            vec![],
            Some(json!({"warehouse": "NOWHERE", "sku": "A", "quantity": 1, "reference": "po"})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/stock/receipts".into(),
            vec![("idempotency-key", long_key.as_str())],
            Some(json!({"warehouse": "JX01", "sku": "A", "quantity": 1, "reference": "po"})),
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/stock/ledger?warehouse=JX01".into(),
            vec![],
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/rejects?shop=x".into(),
            vec![],
            None,
            StatusCode::BAD_REQUEST,
        ),
        (
            Method::GET,
            "/api/v1/rejects?limit=5000".into(),
            vec![],
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/rules/check".into(),
            vec![],
            Some(json!({"text": 5})),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::POST,
            "/api/v1/review/1/release".into(),
            vec![("if-match", "\"9\"")],
            Some(json!({"version": 1, "note": "x"})),
            StatusCode::PRECONDITION_FAILED,
        ),
    ];
    for (method, uri, headers, body, expected) in cases {
        let answer = call_with(&world, method.clone(), &uri, "admin", &headers, body).await;
        assert_eq!(answer.status, expected, "{method} {uri}: {}", answer.text);
        assert!(
            answer.body["code"].is_string(),
            "{method} {uri}: {}",
            answer.text
        );
    }
}
