//! The Douyin connector against the doudian simulator: the compliance suite, and pushes the
//! simulator signs verified by the connector.

mod compliance;

use std::collections::BTreeMap;
use std::sync::Arc;

use app::{Clock, Connector, ListedStock, ManualClock};
use channels::douyin::{DouyinConfig, DouyinConnector, SignMethod, order_mapping};
use domain::{ChannelKind, Shop, ShopId, StandardOrder, Timestamp};
use simulators::douyin::{
    App, Config, Grant, OrderStatus, Outage, RateLimit, ServeConfig, ServerHandle, ShopConfig,
    Simulator, Traffic,
};

use crate::compliance::{HOUR, Platform};

const APP_KEY: &str = "7012345678901234567";
const SECRET: &str = "doudian-compliance-secret";

struct Douyin {
    simulator: Simulator,
    server: ServerHandle,
    connector: Arc<DouyinConnector>,
    clock: Arc<ManualClock>,
    shop: ShopId,
    mapping: mapping::OrderMapping,
}

fn config(now: Timestamp, orders_per_hour: u32, history_hours: u32) -> Config {
    Config {
        apps: vec![App {
            app_key: APP_KEY.to_owned(),
            secret: SECRET.to_owned(),
        }],
        shops: vec![ShopConfig {
            name: "茶香抖音小店".to_owned(),
            shop_id: 4_463_798,
            seed: 11,
            grants: vec![Grant {
                access_token: "dy-access-compliance".to_owned(),
                app_key: APP_KEY.to_owned(),
                expires_at: now.plus_millis(7 * 24 * HOUR),
                refresh_token: "dy-refresh-compliance".to_owned(),
            }],
            traffic: Traffic {
                orders_per_hour,
                unpaid_percent: 8,
                refund_percent: 8,
                change_percent: 15,
                shipped_elsewhere_percent: 10,
            },
            history_hours,
        }],
        // Met by the first run: about forty calls a second while the clock stands still.
        rate_limit: RateLimit {
            calls: 40,
            window_secs: 1,
        },
        seed: 3,
    }
}

impl Platform for Douyin {
    fn channel() -> ChannelKind {
        ChannelKind::Douyin
    }

    async fn start(
        clock: Arc<ManualClock>,
        shop: &Shop,
        orders_per_hour: u32,
        history_hours: u32,
    ) -> Douyin {
        let simulator = Simulator::new(
            config(clock.now(), orders_per_hour, history_hours),
            clock.clone(),
        );
        let (addr, server) = simulators::douyin::start(ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            simulator: simulator.clone(),
        })
        .await
        .unwrap();
        let connector = DouyinConnector::new(
            DouyinConfig {
                gateway: format!("http://{addr}"),
                app_key: APP_KEY.to_owned(),
                app_secret: SECRET.to_owned(),
                access_token: "dy-access-compliance".to_owned(),
                refresh_token: Some("dy-refresh-compliance".to_owned()),
                sign_method: SignMethod::HmacSha256,
                page_size: 100,
            },
            shop.id,
            None,
        )
        .unwrap();
        Douyin {
            simulator,
            server,
            connector: Arc::new(connector),
            clock,
            shop: shop.id,
            mapping: order_mapping(None).unwrap(),
        }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        self.connector.clone()
    }

    fn map(&self, raw: &[u8]) -> StandardOrder {
        channels::douyin::fetched(&self.mapping, self.shop, raw)
            .order
            .expect("a stored document maps")
    }

    fn truth(&self) -> BTreeMap<String, Timestamp> {
        let simulation = self.simulator.lock();
        simulation.shops()[0]
            .orders()
            .iter()
            .map(|order| (order.order_id.to_string(), order.update_time))
            .collect()
    }

    fn inject_server_errors(&self, calls: u32) {
        self.simulator.lock().fail_next(calls, Outage::BadGateway);
    }

    fn expire_session(&self) {
        self.simulator.lock().expire_tokens(self.clock.now());
    }

    fn shippable(&self) -> Option<String> {
        let simulation = self.simulator.lock();
        simulation.shops()[0]
            .orders()
            .iter()
            .find(|order| order.status == OrderStatus::ToShip)
            .map(|order| order.order_id.to_string())
    }

    fn confirmations(&self, external_id: &str) -> Vec<String> {
        self.simulator
            .lock()
            .consignments()
            .iter()
            .filter(|it| it.order_id == external_id && it.refused.is_none())
            .map(|it| it.tracking_no.clone())
            .collect()
    }

    fn listing(&self) -> ListedStock {
        let simulation = self.simulator.lock();
        let line = &simulation.shops()[0].orders()[0].lines[0];
        ListedStock {
            platform_item_id: line.product.product_id.to_string(),
            platform_sku_id: line.sku().sku_id.to_string(),
            quantity: 0,
        }
    }

    fn stock_updates(&self, listing: &ListedStock) -> Vec<i64> {
        self.simulator
            .lock()
            .stock_updates()
            .iter()
            .filter(|it| it.product_id.to_string() == listing.platform_item_id)
            .filter(|it| it.sku_id.to_string() == listing.platform_sku_id)
            .filter_map(|it| it.result)
            .collect()
    }

    async fn stop(self) {
        self.server.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pull_ends_with_every_order_at_its_latest_version() {
    // About 10,000 orders over 17 hours of history.
    compliance::full_pull::<Douyin>(600, 17).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_backs_arrive_once() {
    compliance::write_backs_arrive_once::<Douyin>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushes_from_the_simulator_verify_and_name_their_order() {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_millis(
        1_718_683_200_000,
    )));
    let platform = Douyin::start(
        clock.clone(),
        &Shop {
            id: ShopId(1),
            code: "douyin-sim".to_owned(),
            channel: ChannelKind::Douyin,
            name: "simulated".to_owned(),
        },
        30,
        2,
    )
    .await;
    let connector = platform.connector();
    let pushes = platform.simulator.lock().take_pushes(APP_KEY);
    assert!(pushes.len() > 30, "{}", pushes.len());
    for push in &pushes {
        let messages = connector
            .verify_push(&push.headers, &push.body, clock.now())
            .unwrap();
        let [message] = messages.as_slice() else {
            panic!("one event a push: {messages:?}");
        };
        let order = message
            .external_id
            .clone()
            .expect("an order event names its order");
        // Under the flow control: a second passes between fetches.
        clock.advance_millis(1000);
        let fetched = connector.fetch_order(&order, clock.now()).await.unwrap();
        assert_eq!(fetched.external_id, order);
        assert!(fetched.order.is_ok());
    }
    // A push of two events for two orders: one message each, with its own id and order.
    let two = {
        let mut simulation = platform.simulator.lock();
        let events = simulation.shops()[0].events();
        let first = events[0].clone();
        let second = events
            .iter()
            .find(|it| it.order_id != first.order_id)
            .expect("events of two orders")
            .clone();
        let push = simulation.push(APP_KEY, 0, &[first.clone(), second.clone()]);
        (push.unwrap(), [first.order_id, second.order_id])
    };
    let (push, orders) = two;
    let messages = connector
        .verify_push(&push.headers, &push.body, clock.now())
        .unwrap();
    let named: Vec<_> = messages.iter().map(|it| it.external_id.clone()).collect();
    assert_eq!(named, orders.map(|it| Some(it.to_string())));
    assert_ne!(messages[0].event_id, messages[1].event_id);
    assert!(!messages[0].event_id.contains(','), "{messages:?}");
    let mut forged = pushes[0].clone();
    forged.body.push(b' ');
    assert!(matches!(
        connector.verify_push(&forged.headers, &forged.body, clock.now()),
        Err(app::ChannelError::Unauthorized(_))
    ));
    let ping = platform
        .simulator
        .lock()
        .verification_push(APP_KEY)
        .unwrap();
    let messages = connector
        .verify_push(&ping.headers, &ping.body, clock.now())
        .unwrap();
    let seen: Vec<_> = messages
        .iter()
        .map(|it| (it.topic.as_str(), it.external_id.as_deref()))
        .collect();
    assert_eq!(seen, [("0", None)]);
    platform.stop().await;
}
