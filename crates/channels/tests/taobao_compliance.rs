//! The Taobao connector against the TOP simulator: the compliance suite.

mod compliance;

use std::collections::BTreeMap;
use std::sync::Arc;

use app::{Clock, Connector, ListedStock, ManualClock};
use channels::taobao::{SignMethod, TaobaoConfig, TaobaoConnector, trade_mapping};
use domain::{AfterSaleKind, AfterSaleStatus, ChannelKind, Shop, ShopId, StandardOrder, Timestamp};
use simulators::taobao::{
    App, Config, Grant, Outage, RateLimit, RefundStatus, ServeConfig, ServerHandle, ShopConfig,
    Simulator, TradeStatus, Traffic,
};

use crate::compliance::{HOUR, Platform};

const APP_KEY: &str = "12345678";
const SECRET: &str = "helloworld";

struct Taobao {
    simulator: Simulator,
    server: ServerHandle,
    connector: Arc<TaobaoConnector>,
    clock: Arc<ManualClock>,
    shop: ShopId,
    mapping: mapping::OrderMapping,
}

impl Platform for Taobao {
    fn channel() -> ChannelKind {
        ChannelKind::Tmall
    }

    async fn start(
        clock: Arc<ManualClock>,
        shop: &Shop,
        orders_per_hour: u32,
        history_hours: u32,
    ) -> Taobao {
        let now = clock.now();
        let config = Config {
            apps: vec![App {
                app_key: APP_KEY.to_owned(),
                secret: SECRET.to_owned(),
            }],
            shops: vec![ShopConfig {
                nick: "茶香旗舰店".to_owned(),
                seed: 11,
                sessions: vec![Grant {
                    session: "6100compliance".to_owned(),
                    app_key: APP_KEY.to_owned(),
                    expires_at: now.plus_millis(30 * 24 * HOUR),
                    refresh_token: "6200compliance".to_owned(),
                }],
                traffic: Traffic {
                    orders_per_hour,
                    unpaid_percent: 8,
                    refund_percent: 8,
                    change_percent: 15,
                    shipped_elsewhere_percent: 10,
                    presale_percent: 5,
                },
                history_hours,
            }],
            rate_limit: RateLimit {
                calls: 120,
                window_secs: 60,
            },
            seed: 3,
        };
        let simulator = Simulator::new(config, clock.clone());
        let (addr, server) = simulators::taobao::start(ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            simulator: simulator.clone(),
        })
        .await
        .unwrap();
        let connector = TaobaoConnector::new(
            TaobaoConfig {
                gateway: format!("http://{addr}{}", simulators::taobao::GATEWAY_PATH),
                app_key: APP_KEY.to_owned(),
                app_secret: SECRET.to_owned(),
                session: "6100compliance".to_owned(),
                refresh_token: Some("6200compliance".to_owned()),
                sign_method: SignMethod::HmacSha256,
                page_size: 50,
            },
            shop.id,
            None,
        )
        .unwrap();
        Taobao {
            simulator,
            server,
            connector: Arc::new(connector),
            clock,
            shop: shop.id,
            mapping: trade_mapping(None).unwrap(),
        }
    }

    fn connector(&self) -> Arc<dyn Connector> {
        self.connector.clone()
    }

    fn map(&self, raw: &[u8]) -> StandardOrder {
        channels::taobao::fetched(&self.mapping, self.shop, raw)
            .order
            .expect("a stored document maps")
    }

    fn truth(&self) -> BTreeMap<String, Timestamp> {
        let mut simulation = self.simulator.lock();
        simulation.advance(self.clock.now());
        simulation.shops()[0]
            .trades()
            .iter()
            .map(|trade| (trade.tid.to_string(), trade.modified))
            .collect()
    }

    fn inject_server_errors(&self, calls: u32) {
        self.simulator.lock().fail_next(calls, Outage::BadGateway);
    }

    fn expire_session(&self) {
        self.simulator.lock().expire_sessions(self.clock.now());
    }

    fn shippable(&self) -> Option<String> {
        let mut simulation = self.simulator.lock();
        simulation.advance(self.clock.now());
        simulation.shops()[0]
            .trades()
            .iter()
            .find(|trade| trade.status == TradeStatus::WaitSellerSendGoods)
            .map(|trade| trade.tid.to_string())
    }

    fn confirmations(&self, external_id: &str) -> Vec<String> {
        self.simulator
            .lock()
            .consignments()
            .iter()
            .filter(|it| it.tid.to_string() == external_id && it.refused.is_none())
            .map(|it| it.out_sid.clone())
            .collect()
    }

    fn listing(&self) -> ListedStock {
        let simulation = self.simulator.lock();
        let line = &simulation.shops()[0].trades()[0].lines[0];
        ListedStock {
            platform_item_id: line.product.num_iid.to_string(),
            platform_sku_id: line.sku_id().map(|it| it.to_string()).unwrap_or_default(),
            quantity: 0,
        }
    }

    fn stock_updates(&self, listing: &ListedStock) -> Vec<i64> {
        self.simulator
            .lock()
            .quantity_updates()
            .iter()
            .filter(|it| it.num_iid.to_string() == listing.platform_item_id)
            .filter_map(|it| it.result)
            .collect()
    }

    async fn stop(self) {
        self.server.shutdown().await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_pull_ends_with_every_order_at_its_latest_version() {
    // About 10,000 trades over 17 hours of history.
    compliance::full_pull::<Taobao>(600, 17).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn write_backs_arrive_once() {
    compliance::write_backs_arrive_once::<Taobao>().await;
}

/// Waits no time: the after-sales test meets no limit.
struct NoWait;

#[async_trait::async_trait]
impl app::Pause for NoWait {
    async fn pause(&self, _millis: i64) {}
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_sales_are_kept_once_and_their_orders_refreshed() {
    let db = test_support::TestDb::sqlite();
    let store = db.open().await;
    let shop = store
        .ensure_shop("tmall-sim", ChannelKind::Tmall, "simulated")
        .await
        .unwrap();
    let start = Timestamp::from_unix_millis(1_718_683_200_000);
    let clock = Arc::new(ManualClock::new(start));
    let platform = Taobao::start(clock.clone(), &shop, 60, 12).await;
    let connector = platform.connector();
    let first_from = start.plus_millis(-13 * HOUR);
    let sync = app::sync_after_sales(
        store.as_ref(),
        connector.as_ref(),
        &shop,
        first_from,
        clock.now(),
        &NoWait,
        &mut |_| 0,
        app::RetryPolicy::default(),
    )
    .await
    .unwrap();
    let refunds: Vec<(String, Timestamp, bool)> = {
        let simulation = platform.simulator.lock();
        simulation.shops()[0]
            .refunds()
            .iter()
            .map(|it| {
                let open = it.status != simulators::taobao::RefundStatus::Closed;
                (it.tid.to_string(), it.modified, open)
            })
            .collect()
    };
    let horizon = sync.watermark.unwrap();
    let due: Vec<_> = refunds.iter().filter(|(_, at, _)| *at < horizon).collect();
    assert!(!due.is_empty(), "the simulated shop had refunds");
    assert_eq!(sync.inserted as usize, due.len(), "{sync:?}");
    // A refund that was closed (withdrawn, refused) leaves its line as it was.
    for (tid, _, _) in due.iter().filter(|(_, _, open)| *open) {
        let order = store
            .find_order(shop.id, &domain::ExternalId::new(tid.as_str()).unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("the refunded order {tid} was fetched"));
        assert!(
            order
                .data
                .lines
                .iter()
                .any(|line| line.refund != domain::RefundState::None),
            "order {tid} shows its refund"
        );
    }
    // Each refund is one of our after-sales, as far along as the platform took it.
    let expected: Vec<(String, AfterSaleKind, AfterSaleStatus)> = {
        let simulation = platform.simulator.lock();
        simulation.shops()[0]
            .refunds()
            .iter()
            .filter(|it| it.modified < horizon)
            .map(|it| {
                let kind = match it.has_good_return {
                    true => AfterSaleKind::ReturnAndRefund,
                    false => AfterSaleKind::RefundOnly,
                };
                let status = match (it.status, it.has_good_return) {
                    (RefundStatus::Closed, _) => AfterSaleStatus::Rejected,
                    // A return's refund waits for our receipt scan of the parcel.
                    (RefundStatus::Success, true) => AfterSaleStatus::Approved,
                    (RefundStatus::Success, false) => AfterSaleStatus::Refunded,
                    (RefundStatus::WaitSellerAgree | RefundStatus::NoRefund, _) => {
                        AfterSaleStatus::Requested
                    }
                };
                (it.refund_id.to_string(), kind, status)
            })
            .collect()
    };
    assert_eq!(sync.rejected, 0, "{sync:?}");
    let mut ours: Vec<(String, AfterSaleKind, AfterSaleStatus)> = store
        .after_sales(None, false)
        .await
        .unwrap()
        .into_iter()
        .map(|it| (it.external_id, it.kind, it.status))
        .collect();
    ours.sort_by(|a, b| a.0.cmp(&b.0));
    let mut expected = expected;
    expected.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(ours, expected);

    clock.advance_millis(60_000);
    let again = app::sync_after_sales(
        store.as_ref(),
        connector.as_ref(),
        &shop,
        first_from,
        clock.now(),
        &NoWait,
        &mut |_| 0,
        app::RetryPolicy::default(),
    )
    .await
    .unwrap();
    assert_eq!(
        again.inserted, 0,
        "overlapping windows keep nothing twice: {again:?}"
    );
    assert_eq!(
        store.after_sales(None, false).await.unwrap().len(),
        expected.len(),
        "an after-sale listed again is the same case"
    );
    platform.stop().await;
}
