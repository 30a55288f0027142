//! The API through its router, on a real SQLite store: authorisation (a warehouse user and another
//! warehouse's shipments, marketing writing, a revoked token, sessions and CSRF, sign-in throttling),
//! bad input answered with a clear 4xx and never a 5xx, the warehouse's claim and scan-to-ship, and
//! the OpenAPI document staying in sync with the routes.

use std::sync::Arc;

use app::{IngestBatch, ManualClock, NewShipment, NewUser, StockRequest, Store, Stream};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use domain::{
    Actor, ChannelKind, OrderEvent, OrderId, Quantity, Role, Shipment, ShipmentLine, Timestamp,
    Warehouse, WarehouseCode, WarehouseKind,
};
use serde_json::{Value, json};
use test_support::{TestDb, synthetic_item};
use tower::ServiceExt;
use web::ApiState;
use web::api::auth::digest;

const T0: Timestamp = Timestamp::from_unix_millis(1_718_683_200_000);

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::new(code).unwrap()
}

struct World {
    _db: TestDb,
    router: Router,
    store: Arc<dyn Store>,
    order: OrderId,
    shipment: Shipment,
}

/// A shop, two warehouses, one allocated order with a shipment in JX01, and a user and token per
/// role (token `t-<login>`).
async fn world() -> World {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let shop = store
        .ensure_shop("tmall-main", ChannelKind::Tmall, "天猫旗舰店")
        .await
        .unwrap();
    for (code, name, area) in [("JX01", "嘉兴仓", "330402"), ("GZ01", "广州仓", "440106")] {
        store
            .put_warehouse(&Warehouse {
                code: wh(code),
                name: name.to_owned(),
                kind: WarehouseKind::Own,
                area_code: area.to_owned(),
                allow_oversell: false,
            })
            .await
            .unwrap();
    }
    let item = synthetic_item(7, shop.id, "API-1", 0, T0);
    for line in &item.order.lines {
        store
            .receive_stock(
                &wh("JX01"),
                line.sku.as_ref().unwrap(),
                Quantity::new(50).unwrap(),
                "po:1",
                T0,
            )
            .await
            .unwrap();
    }
    let order = store
        .ingest_batch(IngestBatch {
            shop: shop.id,
            stream: Stream::Orders,
            items: vec![item],
            cursor: None,
            actor: Actor::Platform("test".to_owned()),
            at: T0,
        })
        .await
        .unwrap()
        .changed[0];
    let loaded = store.load_order(order).await.unwrap();
    let requests: Vec<StockRequest> = loaded
        .data
        .lines
        .iter()
        .map(|l| StockRequest {
            line_no: l.line_no,
            warehouse: wh("JX01"),
            sku: l.sku.clone().unwrap(),
            quantity: l.quantity,
        })
        .collect();
    store.reserve_stock(order, &requests, T0).await.unwrap();
    store
        .apply_order_event(
            order,
            loaded.version,
            OrderEvent::Allocate,
            &Actor::System,
            T0,
        )
        .await
        .unwrap();
    let shipment = store
        .create_shipment(
            &NewShipment {
                warehouse: wh("JX01"),
                carrier: Some("SF".to_owned()),
                lines: loaded
                    .data
                    .lines
                    .iter()
                    .map(|l| ShipmentLine {
                        order,
                        line_no: l.line_no,
                        quantity: l.quantity,
                    })
                    .collect(),
                merge_key: None,
            },
            T0,
        )
        .await
        .unwrap();
    let password_hash = web::hash_password("correct horse").unwrap();
    for (login, role, warehouses) in [
        ("admin", Role::Admin, vec![]),
        ("ops", Role::Operations, vec![]),
        ("packer-jx", Role::Warehouse, vec![wh("JX01")]),
        ("packer-gz", Role::Warehouse, vec![wh("GZ01")]),
        ("market", Role::Marketing, vec![]),
    ] {
        let user = store
            .create_user(
                &NewUser {
                    login: login.to_owned(),
                    name: login.to_owned(),
                    role,
                    warehouses,
                    password_hash: password_hash.clone(),
                },
                T0,
            )
            .await
            .unwrap();
        store
            .create_token(user.id, "test", &digest(&format!("t-{login}")), &[], T0)
            .await
            .unwrap();
    }
    let clock = Arc::new(ManualClock::new(T0));
    let router = web::api::router(ApiState::new(store.clone(), clock));
    World {
        _db: db,
        router,
        store,
        order,
        shipment,
    }
}

struct Answer {
    status: StatusCode,
    headers: axum::http::HeaderMap,
    body: Value,
    text: String,
}

async fn send(router: &Router, request: Request<Body>) -> Answer {
    let response = router.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX)
        .await
        .unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
    assert!(
        !status.is_server_error(),
        "a 5xx is never the answer: {status} {text}"
    );
    Answer {
        status,
        headers,
        body,
        text,
    }
}

fn as_user(method: Method, uri: &str, login: &str, body: Option<&str>) -> Request<Body> {
    let builder = Request::builder()
        .method(method)
        .uri(uri)
        .header(header::AUTHORIZATION, format!("Bearer t-{login}"));
    match body {
        Some(text) => builder
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(text.to_owned()))
            .unwrap(),
        None => builder.body(Body::empty()).unwrap(),
    }
}

async fn call(
    world: &World,
    method: Method,
    uri: &str,
    login: &str,
    body: Option<Value>,
) -> Answer {
    let text = body.map(|it| it.to_string());
    send(&world.router, as_user(method, uri, login, text.as_deref())).await
}

#[tokio::test]
async fn who_is_asking_is_checked() {
    let world = world().await;
    let bare = Request::get("/api/v1/orders").body(Body::empty()).unwrap();
    let answer = send(&world.router, bare).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["code"], "unauthenticated");
    let answer = call(&world, Method::GET, "/api/v1/orders", "nobody", None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["code"], "token_refused");

    // A revoked token is refused from then on.
    let user = world.store.user("ops").await.unwrap().unwrap();
    let token = &world.store.tokens(user.id).await.unwrap()[0];
    assert_eq!(
        call(&world, Method::GET, "/api/v1/me", "ops", None)
            .await
            .status,
        StatusCode::OK
    );
    let answer = call(
        &world,
        Method::DELETE,
        &format!("/api/v1/tokens/{}", token.id),
        "ops",
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::NO_CONTENT, "{}", answer.text);
    let answer = call(&world, Method::GET, "/api/v1/me", "ops", None).await;
    assert_eq!(answer.status, StatusCode::UNAUTHORIZED);
    assert_eq!(answer.body["code"], "token_refused");
}

#[tokio::test]
async fn a_warehouse_user_sees_and_touches_only_its_warehouses() {
    let world = world().await;
    let id = world.shipment.id.0;
    let mine = call(&world, Method::GET, "/api/v1/shipments", "packer-jx", None).await;
    assert_eq!(mine.body.as_array().unwrap().len(), 1, "{}", mine.text);
    let theirs = call(&world, Method::GET, "/api/v1/shipments", "packer-gz", None).await;
    assert_eq!(theirs.body, json!([]));
    let asked = call(
        &world,
        Method::GET,
        "/api/v1/shipments?warehouse=JX01",
        "packer-gz",
        None,
    )
    .await;
    assert_eq!(asked.status, StatusCode::FORBIDDEN);
    let claim = call(
        &world,
        Method::POST,
        "/api/v1/shipments/claim",
        "packer-gz",
        Some(json!({"warehouse": "JX01", "count": 5})),
    )
    .await;
    assert_eq!(claim.status, StatusCode::FORBIDDEN);
    let ship = call(
        &world,
        Method::POST,
        &format!("/api/v1/shipments/{id}/ship"),
        "packer-gz",
        Some(json!({"barcode": format!("SH{id}"), "tracking": "SF1400123456789"})),
    )
    .await;
    assert_eq!(ship.status, StatusCode::NOT_FOUND);
    let order = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "packer-gz",
        None,
    )
    .await;
    assert_eq!(order.status, StatusCode::NOT_FOUND);
    let order = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "packer-jx",
        None,
    )
    .await;
    assert_eq!(order.status, StatusCode::OK, "{}", order.text);
}

#[tokio::test]
async fn marketing_reads_but_writes_nothing_and_sees_masked_phones() {
    let world = world().await;
    let detail = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "market",
        None,
    )
    .await;
    assert_eq!(detail.status, StatusCode::OK);
    let phone = detail.body["receiver"]["phone"].as_str().unwrap();
    assert!(phone.contains("****"), "{phone}");
    let full = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "ops",
        None,
    )
    .await;
    assert!(
        !full.body["receiver"]["phone"]
            .as_str()
            .unwrap()
            .contains('*')
    );

    let writes = [
        (
            "/api/v1/shipments/claim",
            json!({"warehouse": "JX01", "count": 1}),
        ),
        (
            "/api/v1/review/1/release",
            json!({"version": 1, "note": "ok"}),
        ),
        (
            "/api/v1/users",
            json!({"login": "x", "name": "x", "role": "admin", "password": "12345678"}),
        ),
    ];
    for (uri, body) in writes {
        let answer = call(&world, Method::POST, uri, "market", Some(body)).await;
        assert_eq!(
            answer.status,
            StatusCode::FORBIDDEN,
            "{uri}: {}",
            answer.text
        );
        assert_eq!(answer.body["code"], "forbidden");
    }
    // A token cannot be given more than its role grants.
    let answer = call(
        &world,
        Method::POST,
        "/api/v1/tokens",
        "market",
        Some(json!({"name": "x", "scopes": ["rules:write"]})),
    )
    .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn bad_input_is_a_clear_client_error() {
    let world = world().await;
    let id = world.shipment.id.0;
    let uri = format!("/api/v1/shipments/{id}/ship");
    let cases: [(&str, &str, StatusCode, &str); 6] = [
        (
            uri.as_str(),
            "{not json",
            StatusCode::BAD_REQUEST,
            "malformed_json",
        ),
        (
            uri.as_str(),
            r#"{"barcode": 5, "tracking": "x"}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong_type",
        ),
        (
            uri.as_str(),
            r#"{"barcode": "SH1", "tracking": "x", "extra": true}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "unknown_field",
        ),
        (
            "/api/v1/shipments/abc/ship",
            r#"{"barcode": "SH1", "tracking": "x"}"#,
            StatusCode::BAD_REQUEST,
            "bad_path",
        ),
        (
            "/api/v1/shipments/claim",
            r#"{"warehouse": "JX01", "count": 0}"#,
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid",
        ),
        (
            "/api/v1/no-such-thing",
            "{}",
            StatusCode::NOT_FOUND,
            "not_found",
        ),
    ];
    for (uri, body, status, code) in cases {
        let answer = send(
            &world.router,
            as_user(Method::POST, uri, "admin", Some(body)),
        )
        .await;
        assert_eq!(answer.status, status, "{uri} {body}: {}", answer.text);
        assert_eq!(answer.body["code"], code, "{uri} {body}: {}", answer.text);
    }
    let huge = format!(
        r#"{{"barcode": "{}", "tracking": "x"}}"#,
        "A".repeat(100_000)
    );
    let answer = send(
        &world.router,
        as_user(Method::POST, &uri, "admin", Some(&huge)),
    )
    .await;
    assert_eq!(
        answer.status,
        StatusCode::PAYLOAD_TOO_LARGE,
        "{}",
        answer.text
    );
    let answer = call(
        &world,
        Method::GET,
        "/api/v1/orders?limit=abc",
        "admin",
        None,
    )
    .await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST);
    assert_eq!(answer.body["code"], "bad_query");
    let answer = call(
        &world,
        Method::GET,
        "/api/v1/orders?status=lost",
        "admin",
        None,
    )
    .await;
    assert_eq!(answer.body["field"], "status");
}

#[tokio::test]
async fn a_packer_claims_and_ships_by_scans() {
    let world = world().await;
    let claimed = call(
        &world,
        Method::POST,
        "/api/v1/shipments/claim",
        "packer-jx",
        Some(json!({"warehouse": "JX01", "count": 5})),
    )
    .await;
    assert_eq!(claimed.status, StatusCode::OK, "{}", claimed.text);
    let id = claimed.body[0]["id"].as_i64().unwrap();
    assert_eq!(claimed.body[0]["holder"], "packer-jx");
    let uri = format!("/api/v1/shipments/{id}/ship");

    let wrong_parcel = call(
        &world,
        Method::POST,
        &uri,
        "packer-jx",
        Some(json!({"barcode": "SH999", "tracking": "SF1400123456789"})),
    )
    .await;
    assert_eq!(wrong_parcel.body["code"], "wrong_parcel");
    let wrong_number = call(
        &world,
        Method::POST,
        &uri,
        "packer-jx",
        Some(json!({"barcode": format!("SH{id}"), "tracking": "YT1234567890123"})),
    )
    .await;
    assert_eq!(wrong_number.status, StatusCode::CONFLICT);
    assert_eq!(wrong_number.body["code"], "scan_refused");
    let shipped = call(
        &world,
        Method::POST,
        &uri,
        "packer-jx",
        Some(json!({"barcode": format!("SH{id}"), "tracking": "SF1400123456789"})),
    )
    .await;
    assert_eq!(shipped.status, StatusCode::OK, "{}", shipped.text);
    assert_eq!(shipped.body["status"], "shipped");
    let again = call(
        &world,
        Method::POST,
        &uri,
        "packer-jx",
        Some(json!({"barcode": format!("SH{id}"), "tracking": "SF1400123456789"})),
    )
    .await;
    assert!(
        again.body["message"]
            .as_str()
            .unwrap()
            .contains("already shipped")
    );

    let detail = call(
        &world,
        Method::GET,
        &format!("/api/v1/orders/{}", world.order.0),
        "ops",
        None,
    )
    .await;
    assert_eq!(detail.body["status"], "shipped");
    assert_eq!(detail.body["shipments"][0]["tracking"], "SF1400123456789");
    let kinds: Vec<&str> = detail.body["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|it| it["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.iter().any(|it| it.contains("ship")), "{kinds:?}");
}

#[tokio::test]
async fn a_session_signs_in_with_throttling_and_writes_with_its_csrf_token() {
    let world = world().await;
    let sign_in = |password: &str| {
        Request::post("/api/v1/session")
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(
                json!({"login": "ops", "password": password}).to_string(),
            ))
            .unwrap()
    };
    let answer = send(&world.router, sign_in("correct horse")).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.text);
    let cookie = answer.headers[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
    let key = cookie.split(';').next().unwrap().to_owned();
    let csrf = answer.body["csrf"].as_str().unwrap().to_owned();

    let me = Request::get("/api/v1/me")
        .header(header::COOKIE, &key)
        .body(Body::empty())
        .unwrap();
    let answer = send(&world.router, me).await;
    assert_eq!(answer.body["login"], "ops");
    let write = |token: Option<&str>| {
        let mut builder = Request::post("/api/v1/tokens")
            .header(header::COOKIE, &key)
            .header(header::CONTENT_TYPE, "application/json");
        if let Some(token) = token {
            builder = builder.header("x-csrf-token", token);
        }
        builder
            .body(Body::from(json!({"name": "script"}).to_string()))
            .unwrap()
    };
    let answer = send(&world.router, write(None)).await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(answer.body["code"], "csrf");
    let answer = send(&world.router, write(Some(&csrf))).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{}", answer.text);
    assert!(answer.body["token"].as_str().unwrap().starts_with("oh_"));

    // Five wrong passwords, then even the right one waits.
    for _ in 0..5 {
        let answer = send(&world.router, sign_in("wrong")).await;
        assert_eq!(answer.body["code"], "sign_in_refused");
    }
    let answer = send(&world.router, sign_in("correct horse")).await;
    assert_eq!(answer.status, StatusCode::TOO_MANY_REQUESTS);
}

#[tokio::test]
async fn operations_endpoints_answer() {
    let world = world().await;
    for path in ["/healthz", "/readyz"] {
        let answer = send(
            &world.router,
            Request::get(path).body(Body::empty()).unwrap(),
        )
        .await;
        assert_eq!(answer.status, StatusCode::OK, "{path}");
        assert!(answer.headers.contains_key("x-request-id"));
    }
    let answer = send(
        &world.router,
        Request::get("/metrics").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(
        answer
            .text
            .contains("orderhub_orders_total{status=\"allocated\"} 1"),
        "{}",
        answer.text
    );
    assert!(answer.text.contains("orderhub_http_request_seconds_count"));
}

#[tokio::test]
async fn the_openapi_document_is_generated_and_every_path_is_routed() {
    let world = world().await;
    let answer = call(&world, Method::GET, "/api/v1/openapi.json", "admin", None).await;
    let pretty = serde_json::to_string_pretty(&answer.body).unwrap();
    expect_test::expect_file!["../../../docs/api/openapi.json"].assert_eq(&(pretty + "\n"));
    let paths = answer.body["paths"].as_object().unwrap();
    assert!(paths.len() >= 14, "{}", paths.len());
    for (path, operations) in paths {
        let concrete = path.replace("{id}", "1");
        for method in operations.as_object().unwrap().keys() {
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let body = matches!(method, Method::POST).then_some("{}");
            let answer = send(
                &world.router,
                as_user(method.clone(), &concrete, "admin", body),
            )
            .await;
            assert!(
                answer.status != StatusCode::METHOD_NOT_ALLOWED
                    && !(answer.status == StatusCode::NOT_FOUND
                        && answer.body["message"] == "this endpoint not found"),
                "{method} {path} is documented but not routed: {}",
                answer.text
            );
        }
    }
}
