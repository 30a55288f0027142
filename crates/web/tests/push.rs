//! The push endpoint with a real platform's pushes: the Douyin simulator signs what it would send,
//! the endpoint verifies it through the Douyin connector, acknowledges at once, fetches the order over
//! loopback HTTP, and takes a repeat or a forgery as the platform expects.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use app::{Clock, ManualClock};
use axum::body::{Body, to_bytes};
use axum::http::{Request, StatusCode};
use channels::douyin::{DouyinConfig, DouyinConnector, SignMethod};
use domain::{ChannelKind, ExternalId, Timestamp};
use simulators::douyin::{
    App, Config, Grant, RateLimit, ServeConfig, ShopConfig, Simulator, Traffic,
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_signed_push_fetches_its_order_once_and_a_forgery_is_refused() {
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
    let (changed, mut changes) = mpsc::unbounded_channel();
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

    let push = {
        let mut simulation = simulator.lock();
        simulation.advance(clock.now());
        simulation
            .take_pushes(APP_KEY)
            .into_iter()
            .next()
            .expect("the shop's history pushes")
    };
    let (status, body) = post(&app, "douyin-main", &push.headers, push.body.clone()).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(body.contains(r#""status":"accepted""#), "{body}");
    let ids = tokio::time::timeout(Duration::from_secs(10), changes.recv())
        .await
        .expect("the order is fetched in the background")
        .unwrap();
    let order = store.load_order(ids[0]).await.unwrap();
    let pushed: serde_json::Value = serde_json::from_slice(&push.body).unwrap();
    let data: serde_json::Value =
        serde_json::from_str(pushed[0]["data"].as_str().unwrap()).unwrap();
    assert_eq!(order.data.external_id.as_str(), data["p_id"].to_string());
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
    assert!(
        tokio::time::timeout(Duration::from_millis(200), changes.recv())
            .await
            .is_err(),
        "one fetch only"
    );
    server.shutdown().await.unwrap();
}
