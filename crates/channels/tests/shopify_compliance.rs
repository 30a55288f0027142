//! The Shopify connector against the Admin API simulator: the compliance suite.
//!
//! The session expiry is Shopify's own: the shop's tokens are expiring offline tokens (an hour, with
//! a refresh token), `expire_session` ends every access token at once, and the connector recovers
//! through the token endpoint (`grant_type=refresh_token`) on the 401, as the docs allow.

mod compliance;

use std::collections::BTreeMap;
use std::sync::Arc;

use app::{Clock, Connector, ListedStock, ManualClock};
use channels::shopify::{API_VERSION, ShopifyConfig, ShopifyConnector, order_mapping};
use domain::{ChannelKind, Shop, ShopId, StandardOrder, Timestamp};
use simulators::shopify::{
    App, Config, Financial, Fulfillment, Grant, Outage, ServeConfig, ServerHandle, Simulator,
    Throttle, Traffic,
};

use crate::compliance::{HOUR, Platform};

const CLIENT_ID: &str = "compliance-client";
const SECRET: &str = "compliance-secret";

struct Shopify {
    simulator: Simulator,
    server: ServerHandle,
    connector: Arc<ShopifyConnector>,
    clock: Arc<ManualClock>,
    shop: ShopId,
    mapping: mapping::OrderMapping,
}

impl Platform for Shopify {
    fn channel() -> ChannelKind {
        ChannelKind::Shopify
    }

    async fn start(
        clock: Arc<ManualClock>,
        shop: &Shop,
        orders_per_hour: u32,
        history_hours: u32,
    ) -> Shopify {
        let now = clock.now();
        let config = Config {
            shop_domain: "compliance-tea.myshopify.com".to_owned(),
            seed: 11,
            app: App {
                client_id: CLIENT_ID.to_owned(),
                client_secret: SECRET.to_owned(),
            },
            tokens: vec![Grant {
                access_token: "shpat_compliance".to_owned(),
                expires_at: Some(now.plus_millis(HOUR)),
                refresh_token: Some("shprt_compliance".to_owned()),
            }],
            traffic: Traffic {
                orders_per_hour,
                pending_percent: 8,
                refund_percent: 8,
                change_percent: 15,
                fulfilled_elsewhere_percent: 10,
            },
            history_hours,
            // The old Standard bucket: tight enough that a full pull meets it.
            throttle: Throttle {
                maximum_available: 1000.0,
                restore_rate: 50.0,
            },
            utc_offset_minutes: -240,
            token_lifetime_secs: 3600,
        };
        let simulator = Simulator::new(config, clock.clone());
        let (addr, server) = simulators::shopify::start(ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            simulator: simulator.clone(),
        })
        .await
        .unwrap();
        let location = simulator.lock().shop().location_id;
        let connector = ShopifyConnector::new(
            ShopifyConfig {
                shop_url: format!("http://{addr}"),
                api_version: API_VERSION.to_owned(),
                access_token: "shpat_compliance".to_owned(),
                token_expires_at: Some(now.plus_millis(HOUR)),
                refresh_token: Some("shprt_compliance".to_owned()),
                client_id: CLIENT_ID.to_owned(),
                client_secret: SECRET.to_owned(),
                location_id: location.to_string(),
                page_size: 18,
                line_items_per_order: 5,
            },
            shop.id,
            None,
        )
        .unwrap();
        Shopify {
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
        channels::shopify::fetched(&self.mapping, self.shop, raw, channels::shopify::FORMAT)
            .order
            .expect("a stored document maps")
    }

    fn truth(&self) -> BTreeMap<String, Timestamp> {
        let simulation = self.simulator.lock();
        simulation
            .shop()
            .orders()
            .iter()
            .map(|order| (order.id.to_string(), order.updated_at))
            .collect()
    }

    fn inject_server_errors(&self, calls: u32) {
        self.simulator.lock().fail_next(calls, Outage::BadGateway);
    }

    fn expire_session(&self) {
        let now = self.clock.now();
        self.simulator.lock().expire_tokens(now);
    }

    fn shippable(&self) -> Option<String> {
        let simulation = self.simulator.lock();
        simulation
            .shop()
            .orders()
            .iter()
            .find(|order| {
                order.financial == Financial::Paid
                    && order.fulfillment() == Fulfillment::Unfulfilled
                    && order.cancelled_at.is_none()
            })
            .map(|order| order.id.to_string())
    }

    fn confirmations(&self, external_id: &str) -> Vec<String> {
        self.simulator
            .lock()
            .fulfillment_calls()
            .iter()
            .filter(|it| it.order_id.map(|id| id.to_string()).as_deref() == Some(external_id))
            .filter(|it| it.result.is_ok())
            .map(|it| it.number.clone())
            .collect()
    }

    fn listing(&self) -> ListedStock {
        let simulation = self.simulator.lock();
        let line = &simulation.shop().orders()[0].lines[0];
        ListedStock {
            platform_item_id: line.product.id.to_string(),
            platform_sku_id: line.variant.id.to_string(),
            quantity: 0,
        }
    }

    fn stock_updates(&self, listing: &ListedStock) -> Vec<i64> {
        let simulation = self.simulator.lock();
        let item = simulators::shopify::CATALOGUE
            .iter()
            .flat_map(|it| it.variants)
            .find(|it| it.id.to_string() == listing.platform_sku_id)
            .map(|it| it.inventory_item_id);
        simulation
            .stock_calls()
            .iter()
            .filter(|it| Some(it.inventory_item_id) == item && it.result.is_ok())
            .map(|it| it.quantity)
            .collect()
    }

    async fn stop(self) {
        self.server.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pull_ends_with_every_order_at_its_latest_version() {
    // About 10,000 orders over 17 hours of history.
    compliance::full_pull::<Shopify>(600, 17).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_backs_arrive_once() {
    compliance::write_backs_arrive_once::<Shopify>().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_stock_push_is_one_change_on_shopify() {
    let clock = Arc::new(ManualClock::new(Timestamp::from_unix_millis(
        1_718_683_200_000,
    )));
    let shop = Shop {
        id: ShopId(1),
        code: "shopify-sim".to_owned(),
        channel: ChannelKind::Shopify,
        name: "simulated".to_owned(),
    };
    let platform = Shopify::start(clock.clone(), &shop, 30, 6).await;
    let mut listing = platform.listing();
    listing.quantity = 37;
    for _ in 0..2 {
        platform
            .connector
            .push_stock(std::slice::from_ref(&listing), clock.now())
            .await
            .unwrap();
    }
    let calls: Vec<_> = platform
        .simulator
        .lock()
        .stock_calls()
        .iter()
        .map(|it| it.result.clone())
        .collect();
    assert_eq!(calls.len(), 2, "{calls:?}");
    assert!(
        calls[0].is_ok() && calls[1] == Err("replayed".to_owned()),
        "{calls:?}"
    );
    // A later push of the same level is a new change, not a replay.
    clock.advance_millis(1_000);
    platform
        .connector
        .push_stock(std::slice::from_ref(&listing), clock.now())
        .await
        .unwrap();
    assert_eq!(platform.stock_updates(&listing), [37, 37]);
    platform.stop().await;
}
