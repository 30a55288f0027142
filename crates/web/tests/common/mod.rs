//! What the API's integration tests share: a world on a real SQLite store (a shop, two warehouses,
//! an allocated order with a shipment in JX01, a user and token per role) and requests through the
//! router that assert no answer is ever a 5xx.

// Each test binary uses its own part of these helpers.
#![allow(dead_code)]

use std::sync::Arc;

use app::{IngestBatch, ManualClock, NewShipment, NewUser, StockRequest, Store, Stream};
use axum::Router;
use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use domain::{
    Actor, ChannelKind, OrderEvent, OrderId, Quantity, Role, Shipment, ShipmentLine, Timestamp,
    Warehouse, WarehouseCode, WarehouseKind,
};
use serde_json::Value;
use test_support::{TestDb, synthetic_item};
use tower::ServiceExt;
use web::ApiState;
use web::api::auth::digest;

pub(crate) const T0: Timestamp = Timestamp::from_unix_millis(1_718_683_200_000);

pub(crate) fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::new(code).unwrap()
}

pub(crate) struct World {
    pub(crate) _db: TestDb,
    pub(crate) router: Router,
    pub(crate) store: Arc<dyn Store>,
    pub(crate) order: OrderId,
    pub(crate) shipment: Shipment,
}

/// A shop, two warehouses, one allocated order with a shipment in JX01, and a user and token per
/// role (token `t-<login>`): admin, ops, packer-jx, packer-gz, market, service, finance.
pub(crate) async fn world() -> World {
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
    let shipment = allocate_in_jx01(&store, order, T0).await;
    let password_hash = web::hash_password("correct horse").unwrap();
    for (login, role, warehouses) in [
        ("admin", Role::Admin, vec![]),
        ("ops", Role::Operations, vec![]),
        ("packer-jx", Role::Warehouse, vec![wh("JX01")]),
        ("packer-gz", Role::Warehouse, vec![wh("GZ01")]),
        ("market", Role::Marketing, vec![]),
        ("service", Role::CustomerService, vec![]),
        ("finance", Role::Finance, vec![]),
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

pub(crate) struct Answer {
    pub(crate) status: StatusCode,
    pub(crate) headers: axum::http::HeaderMap,
    pub(crate) body: Value,
    pub(crate) text: String,
}

pub(crate) async fn send(router: &Router, request: Request<Body>) -> Answer {
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

pub(crate) fn as_user(method: Method, uri: &str, login: &str, body: Option<&str>) -> Request<Body> {
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

pub(crate) async fn call(
    world: &World,
    method: Method,
    uri: &str,
    login: &str,
    body: Option<Value>,
) -> Answer {
    let text = body.map(|it| it.to_string());
    send(&world.router, as_user(method, uri, login, text.as_deref())).await
}

/// Reserves every line of `order` in JX01, allocates it and plans one SF parcel there.
pub(crate) async fn allocate_in_jx01(
    store: &Arc<dyn Store>,
    order: OrderId,
    at: Timestamp,
) -> Shipment {
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
    store.reserve_stock(order, &requests, at).await.unwrap();
    store
        .apply_order_event(
            order,
            loaded.version,
            OrderEvent::Allocate,
            &Actor::System,
            at,
        )
        .await
        .unwrap();
    store
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
            at,
        )
        .await
        .unwrap()
}
