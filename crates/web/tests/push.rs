//! The push endpoint with a real platform's pushes: the Douyin simulator signs what it would send,
//! the endpoint verifies it through the Douyin connector, acknowledges at once, fetches the orders
//! its events name over loopback HTTP, and takes a repeat or a forgery as the platform expects.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::{Clock, ManualClock};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use channels::douyin::{DouyinConfig, DouyinConnector, SignMethod, event_sign};
use domain::{ChannelKind, ExternalId, OrderId, Shop, Timestamp};
use simulators::douyin::{
    App, Config, Grant, RateLimit, ServeConfig, ServerHandle, ShopConfig, Simulator, Traffic,
};
use test_support::TestDb;
use tokio::sync::mpsc;
use tower::ServiceExt;
use web::{PushShop, PushState, router};

const APP_KEY: &str = "7100000000000000001";
const SECRET: &str = "push-test-secret";

fn config(now: Timestamp) -> Config {
    Config {
        apps: vec![App {
            app_key: APP_KEY.to_owned(),
            secret: SECRET.to_owned(),
        }],
        shops: vec![ShopConfig {
            name: "茶香抖音小店".to_owned(),
            shop_id: 4_463_798,
            seed: 5,
            grants: vec![Grant {
                access_token: "dy-access".to_owned(),
                app_key: APP_KEY.to_owned(),
                expires_at: now.plus_millis(7 * 24 * 3_600_000),
                refresh_token: "dy-refresh".to_owned(),
            }],
            traffic: Traffic {
                orders_per_hour: 30,
                unpaid_percent: 8,
                refund_percent: 8,
                change_percent: 15,
                shipped_elsewhere_percent: 10,
            },
            history_hours: 2,
        }],
        rate_limit: RateLimit {
            calls: 1000,
            window_secs: 1,
        },
        seed: 3,
    }
}

async fn post(
    app: &axum::Router,
    shop: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> (StatusCode, String) {
    let mut request = Request::post(format!("/push/{shop}"));
    for (name, value) in headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let response = app
        .clone()
        .oneshot(request.body(Body::from(body)).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let bytes = to_bytes(response.into_body(), 1 << 20).await.unwrap();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

/// The simulator served on loopback, a store with the shop, and the push router in front of the
/// Douyin connector.
struct Fixture {
    clock: Arc<ManualClock>,
    simulator: Simulator,
    server: ServerHandle,
    _db: TestDb,
    store: Arc<dyn app::Store>,
    shop: Shop,
    app: axum::Router,
    changes: mpsc::UnboundedReceiver<Vec<OrderId>>,
}

async fn fixture() -> Fixture {
    let start = Timestamp::from_unix_millis(1_718_683_200_000);
    let clock = Arc::new(ManualClock::new(start));
    let simulator = Simulator::new(config(start), clock.clone());
    let (addr, server) = simulators::douyin::start(ServeConfig {
        listen: "127.0.0.1:0".parse().unwrap(),
        simulator: simulator.clone(),
    })
    .await
    .unwrap();
    let db = TestDb::sqlite();
    let store = db.open().await;
    let shop = store
        .ensure_shop("douyin-main", ChannelKind::Douyin, "抖音小店")
        .await
        .unwrap();
    let connector = DouyinConnector::new(
        DouyinConfig {
            gateway: format!("http://{addr}"),
            app_key: APP_KEY.to_owned(),
            app_secret: SECRET.to_owned(),
            access_token: "dy-access".to_owned(),
            refresh_token: None,
            sign_method: SignMethod::HmacSha256,
            page_size: 100,
        },
        shop.id,
        None,
    )
    .unwrap();
    let (changed, changes) = mpsc::unbounded_channel();
    let app = router(PushState {
        store: store.clone(),
        clock: clock.clone(),
        shops: Arc::new(HashMap::from([(
            "douyin-main".to_owned(),
            PushShop {
                shop: shop.clone(),
                connector: Arc::new(connector),
            },
        )])),
        changed,
    });
    Fixture {
        clock,
        simulator,
        server,
        _db: db,
        store,
        shop,
        app,
        changes,
    }
}

/// The external ids of the orders the background fetches changed, until `count` arrived.
async fn changed_orders(fixture: &mut Fixture, count: usize) -> Vec<String> {
    let mut out = Vec::new();
    while out.len() < count {
        let ids = tokio::time::timeout(Duration::from_secs(10), fixture.changes.recv())
            .await
            .expect("the orders are fetched in the background")
            .unwrap();
        for id in ids {
            let order = fixture.store.load_order(id).await.unwrap();
            out.push(order.data.external_id.as_str().to_owned());
        }
    }
    out.sort();
    out
}

async fn no_more_changes(fixture: &mut Fixture) {
    assert!(
        tokio::time::timeout(Duration::from_millis(200), fixture.changes.recv())
            .await
            .is_err(),
        "no further fetch changed anything"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_push_fetches_its_order_once_and_a_forgery_is_refused() {
    let mut fixture = fixture().await;
    let (store, shop, app) = (
        fixture.store.clone(),
        fixture.shop.clone(),
        fixture.app.clone(),
    );
    let push = {
        let mut simulation = fixture.simulator.lock();
        simulation.advance(fixture.clock.now());
        simulation
            .take_pushes(APP_KEY)
            .into_iter()
            .next()
            .expect("the shop's history pushes")
    };
    let (status, body) = post(&app, "douyin-main", &push.headers, push.body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#""status":"accepted""#), "{body}");
    let fetched = changed_orders(&mut fixture, 1).await;
    let pushed: serde_json::Value = serde_json::from_slice(&push.body).unwrap();
    let data: serde_json::Value =
        serde_json::from_str(pushed[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(fetched, [data["p_id"].to_string()]);
    assert!(
        store
            .find_order(shop.id, &ExternalId::new(data["p_id"].to_string()).unwrap())
            .await
            .unwrap()
            .is_some()
    );

    let (status, body) = post(&app, "douyin-main", &push.headers, push.body.clone()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(r#""status":"duplicate""#),
        "a repeat is acknowledged and dropped: {body}"
    );

    let mut forged = push.body.clone();
    let last = forged.len() - 2;
    forged[last] = b' ';
    let (status, body) = post(&app, "douyin-main", &push.headers, forged).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert!(body.contains("bad_signature"), "{body}");

    let (status, body) = post(&app, "jd-main", &push.headers, push.body).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");
    no_more_changes(&mut fixture).await;
    fixture.server.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_push_of_two_events_fetches_both_orders_and_is_a_duplicate_only_when_all_were_seen() {
    let mut fixture = fixture().await;
    // Two events of the shop's history for two different orders, in one push, and a third order.
    let (push, first, second, third) = {
        let mut simulation = fixture.simulator.lock();
        simulation.advance(fixture.clock.now());
        let events = simulation.shops()[0].events().to_vec();
        let mut orders: Vec<u64> = Vec::new();
        for event in &events {
            if !orders.contains(&event.order_id) {
                orders.push(event.order_id);
            }
        }
        assert!(orders.len() >= 3, "the history has orders: {orders:?}");
        let of = |order: u64| {
            events
                .iter()
                .find(|it| it.order_id == order)
                .unwrap()
                .clone()
        };
        let push = simulation
            .push(APP_KEY, 0, &[of(orders[0]), of(orders[1])])
            .unwrap();
        (push, orders[0], orders[1], orders[2])
    };
    let pushed: serde_json::Value = serde_json::from_slice(&push.body).unwrap();
    assert_eq!(pushed.as_array().unwrap().len(), 2);

    let (status, body) = post(
        &fixture.app,
        "douyin-main",
        &push.headers,
        push.body.clone(),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#""status":"accepted""#), "{body}");
    let mut both = vec![first.to_string(), second.to_string()];
    both.sort();
    assert_eq!(changed_orders(&mut fixture, 2).await, both);
    for order in [first, second] {
        assert!(
            fixture
                .store
                .find_order(
                    fixture.shop.id,
                    &ExternalId::new(order.to_string()).unwrap()
                )
                .await
                .unwrap()
                .is_some(),
            "order {order} is stored"
        );
    }
    no_more_changes(&mut fixture).await;

    // One event seen before and one new: accepted, and only the new event's order is fetched.
    let mut events = pushed.as_array().unwrap()[..1].to_vec();
    let mut fresh = events[0].clone();
    fresh["msg_id"] = serde_json::json!("7399999999999999999");
    fresh["data"] = serde_json::Value::String(serde_json::json!({ "p_id": third }).to_string());
    events.push(fresh);
    let mixed = serde_json::Value::Array(events).to_string().into_bytes();
    let headers = vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        ("app-id".to_owned(), APP_KEY.to_owned()),
        ("event-sign".to_owned(), event_sign(APP_KEY, SECRET, &mixed)),
    ];
    let (status, body) = post(&fixture.app, "douyin-main", &headers, mixed).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#""status":"accepted""#), "{body}");
    assert_eq!(changed_orders(&mut fixture, 1).await, [third.to_string()]);

    // Every event seen before: a duplicate, and nothing is fetched.
    let (status, body) = post(&fixture.app, "douyin-main", &push.headers, push.body).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains(r#""status":"duplicate""#),
        "a repeat is acknowledged and dropped: {body}"
    );
    no_more_changes(&mut fixture).await;
    fixture.server.shutdown().await.unwrap();
}
