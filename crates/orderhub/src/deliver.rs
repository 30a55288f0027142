//! Write-backs: the outbox rows that changes wrote in their own transactions, delivered to the
//! platforms at least once. A shipment confirmation tells each of the shipment's orders' platforms
//! the carrier and tracking number, for the lines it carries when it is one parcel of a split order
//! (connectors make a repeat harmless); a stock push lists a SKU's
//! available stock (summed over warehouses, then the shop's share) on every listing of it in every
//! API shop, as an overwrite so a repeat changes nothing. A failure is retried with backoff, and the
//! outbox row keeps the last error.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use app::{Connector, ListedStock, OutboxItem, ShipmentConfirmation, Store};
use domain::{
    ChannelKind, ListingShare, OrderId, OrderStatus, RefundState, ShipmentId, ShipmentLine, ShopId,
    SkuCode, StandardOrder, Timestamp,
};
use serde::Deserialize;

/// Where write-backs go: each API shop's connector and the share of stock it lists.
#[derive(Default)]
pub(crate) struct Targets {
    pub(crate) connectors: HashMap<ShopId, Arc<dyn Connector>>,
    /// The share a shop lists, and per SKU where it differs.
    pub(crate) shares: HashMap<ShopId, (ListingShare, HashMap<SkuCode, ListingShare>)>,
    /// Where alert deliveries go (`alerting.rs`), for alert rows this worker claims.
    pub(crate) notifiers: crate::alerting::Notifiers,
}

/// What one delivery round did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct DeliveryReport {
    pub(crate) delivered: u32,
    pub(crate) failed: u32,
}

#[derive(Deserialize)]
struct Confirmation {
    shipment_id: i64,
    carrier: Option<String>,
    tracking_no: Option<String>,
}

/// Claims due outbox rows for `worker` and delivers them.
pub(crate) async fn deliver_once(
    store: &dyn Store,
    targets: &Targets,
    worker: &str,
    now: Timestamp,
) -> anyhow::Result<DeliveryReport> {
    let mut report = DeliveryReport::default();
    let items = store.claim_outbox(worker, 100, now, 120_000).await?;
    // Available stock per SKU, read once for the round's stock pushes.
    let mut available: Option<HashMap<SkuCode, i64>> = None;
    for item in items {
        let outcome = match item.topic.as_str() {
            "shipment.confirm" => confirm(store, &targets.connectors, &item, now).await,
            "stock.push" => {
                if available.is_none() {
                    let mut sums = HashMap::new();
                    for (_, sku, level) in store.stock_levels().await? {
                        *sums.entry(sku).or_insert(0) += level.available().max(0);
                    }
                    available = Some(sums);
                }
                let sums = available.as_ref().expect("read just above");
                push_stock(store, targets, sums, &item.key, now).await
            }
            app::ALERT_TOPIC => crate::alerting::send(&targets.notifiers, &item, now).await,
            other => Err(format!("no delivery for topic {other:?}")),
        };
        // 30 s, 1 min, 2 min … up to an hour between attempts.
        let backoff = (30_000i64 << item.attempts.min(7)).min(3_600_000);
        match &outcome {
            Ok(()) => report.delivered += 1,
            Err(err) => {
                report.failed += 1;
                eprintln!("outbox {} ({}): {err}", item.id, item.topic);
            }
        }
        store
            .finish_outbox(item.id, worker, outcome, now.plus_millis(backoff))
            .await?;
    }
    Ok(report)
}

/// Lists a SKU's available stock on every API shop that sells it.
async fn push_stock(
    store: &dyn Store,
    targets: &Targets,
    available: &HashMap<SkuCode, i64>,
    sku: &str,
    now: Timestamp,
) -> Result<(), String> {
    let sku = SkuCode::new(sku).map_err(|e| e.to_string())?;
    let available = available.get(&sku).copied().unwrap_or(0);
    for (shop, connector) in &targets.connectors {
        let share = targets
            .shares
            .get(shop)
            .map_or(ListingShare::default(), |(share, skus)| {
                skus.get(&sku).copied().unwrap_or(*share)
            });
        let quantity = share.listed(available);
        let levels: Vec<ListedStock> = store
            .listings(*shop, &sku)
            .await
            .map_err(|e| e.to_string())?
            .into_iter()
            .map(|(item, sku_id)| ListedStock {
                platform_item_id: item,
                platform_sku_id: sku_id,
                quantity,
            })
            .collect();
        if levels.is_empty() {
            continue;
        }
        connector
            .push_stock(&levels, now)
            .await
            .map_err(|e| format!("{}: {e}", sku.as_str()))?;
    }
    Ok(())
}

/// Confirms a shipped shipment on the platform of each order in it. A shipment that carries only
/// some of an order's lines is confirmed for those lines (the platform's line ids) when the platform
/// takes per-line confirmations, every line is known there and shipped whole in this parcel;
/// otherwise the order is confirmed whole with its last parcel. Orders of shops without a connector
/// are the seller's to confirm.
async fn confirm(
    store: &dyn Store,
    connectors: &HashMap<ShopId, Arc<dyn Connector>>,
    item: &OutboxItem,
    now: Timestamp,
) -> Result<(), String> {
    let payload: Confirmation = serde_json::from_slice(&item.payload)
        .map_err(|e| format!("unreadable confirmation: {e}"))?;
    let (Some(carrier), Some(tracking_no)) = (payload.carrier, payload.tracking_no) else {
        return Err("a confirmation without carrier or tracking number".to_owned());
    };
    let shipment = store
        .load_shipment(ShipmentId(payload.shipment_id))
        .await
        .map_err(|e| e.to_string())?;
    let orders: BTreeSet<_> = shipment.lines.iter().map(|it| it.order).collect();
    let mut channels: Option<HashMap<ShopId, ChannelKind>> = None;
    for id in orders {
        let order = store.load_order(id).await.map_err(|e| e.to_string())?;
        // A replacement (exchange, resend) is our order, not the platform's: the platform's order
        // was confirmed when its first parcel left, and it has no order under the replacement's id.
        if order.data.flags.replacement {
            continue;
        }
        let Some(connector) = connectors.get(&order.data.shop) else {
            continue;
        };
        let channel = match &channels {
            Some(it) => it.get(&order.data.shop).copied(),
            None => {
                let shops = store.shops().await.map_err(|e| e.to_string())?;
                let found = shops.iter().map(|it| (it.id, it.channel)).collect();
                channels.insert(found).get(&order.data.shop).copied()
            }
        };
        let line_ids = match channel.is_some_and(confirms_lines) {
            true => split_line_ids(&order.data, &shipment.lines, id),
            false => None,
        };
        let line_ids = match line_ids {
            Some(it) => it,
            None if order.lifecycle.status == OrderStatus::PartiallyShipped => continue,
            None => Vec::new(),
        };
        let confirmation = ShipmentConfirmation {
            external_id: order.data.external_id.as_str().to_owned(),
            line_ids,
            carrier: carrier.clone(),
            tracking_no: tracking_no.clone(),
        };
        connector
            .confirm_shipment(&confirmation, now)
            .await
            .map_err(|e| format!("order {}: {e}", order.data.external_id.as_str()))?;
    }
    Ok(())
}

/// Whether a platform's connector confirms a parcel for some lines of an order. Taobao/Tmall name the
/// sub-orders (`is_split=1`, `sub_tid`) and Shopify the fulfillment order line items; Douyin's
/// connector ships whole orders only (per-line is `order.logisticsAddMultiPack`, which it and its
/// simulator do not speak); the others have no connector confirming lines, or no line ids.
fn confirms_lines(channel: ChannelKind) -> bool {
    match channel {
        ChannelKind::Taobao | ChannelKind::Tmall | ChannelKind::Shopify => true,
        ChannelKind::Douyin
        | ChannelKind::Jd
        | ChannelKind::WechatChannels
        | ChannelKind::Youzan
        | ChannelKind::Pinduoduo
        | ChannelKind::Kuaishou
        | ChannelKind::Aliexpress
        | ChannelKind::Shopee
        | ChannelKind::Csv
        | ChannelKind::Ocr => false,
    }
}

/// The platform's ids of the lines of `order` a shipment carries, when it carries only some of the
/// order's lines to ship, each of them whole and with a known platform line id; `None` when the
/// shipment carries the whole order or a per-line confirmation could not say what it carries.
fn split_line_ids(
    order: &StandardOrder,
    shipped: &[ShipmentLine],
    id: OrderId,
) -> Option<Vec<String>> {
    let carried: HashMap<u32, u32> =
        shipped
            .iter()
            .filter(|it| it.order == id)
            .fold(HashMap::new(), |mut acc, it| {
                *acc.entry(it.line_no).or_default() += it.quantity.get();
                acc
            });
    let to_ship = order
        .lines
        .iter()
        .filter(|it| it.refund != RefundState::Refunded);
    if to_ship
        .clone()
        .all(|it| carried.get(&it.line_no) == Some(&it.quantity.get()))
    {
        return None;
    }
    let mut ids = Vec::with_capacity(carried.len());
    for line in order
        .lines
        .iter()
        .filter(|it| carried.contains_key(&it.line_no))
    {
        let whole = carried.get(&line.line_no) == Some(&line.quantity.get());
        if !whole || line.platform_line_id.is_empty() {
            return None;
        }
        ids.push(line.platform_line_id.clone());
    }
    (ids.len() == carried.len()).then_some(ids)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use app::{Clock, Connector, ManualClock, Pause, RetryPolicy};
    use channels::taobao::{SignMethod, TaobaoConfig, TaobaoConnector};
    use domain::{
        Actor, ChannelKind, OrderStatus, Quantity, ShipmentEvent, SkuCode, TrackingNumber,
        Warehouse, WarehouseCode, WarehouseKind,
    };
    use simulators::taobao::{Config, ServeConfig, Simulator, TradeStatus};
    use test_support::TestDb;

    use domain::ListingShare;

    use crate::deliver::{Targets, deliver_once};

    struct NoWait;

    #[async_trait::async_trait]
    impl Pause for NoWait {
        async fn pause(&self, _millis: i64) {}
    }

    /// A Tmall shop synced from the TOP simulator (seed 5) into a fresh store and routed to the
    /// warehouses given, each stocking the SKU codes `stocks` gives it.
    struct Synced {
        simulator: Simulator,
        server: simulators::taobao::ServerHandle,
        clock: Arc<ManualClock>,
        start: domain::Timestamp,
        _db: TestDb,
        store: Arc<dyn app::Store>,
        shop: domain::Shop,
        connector: Arc<dyn Connector>,
        routed: app::RouteReport,
    }

    async fn synced(warehouses: &[(&str, &str)], stocks: impl Fn(usize) -> usize) -> Synced {
        let start = simulators::taobao::parse_time("2024-06-18 12:00:00").unwrap();
        let clock = Arc::new(ManualClock::new(start));
        let simulator = Simulator::new(Config::example(5, start), clock.clone());
        let (addr, server) = simulators::taobao::start(ServeConfig {
            listen: "127.0.0.1:0".parse().unwrap(),
            simulator: simulator.clone(),
        })
        .await
        .unwrap();
        let db = TestDb::sqlite();
        let store = db.open().await;
        let shop = store
            .ensure_shop("tmall-sim", ChannelKind::Tmall, "天猫")
            .await
            .unwrap();
        let codes: Vec<WarehouseCode> = warehouses
            .iter()
            .map(|(code, _)| WarehouseCode::new(*code).unwrap())
            .collect();
        for (code, (_, area)) in codes.iter().zip(warehouses) {
            store
                .put_warehouse(&Warehouse {
                    code: code.clone(),
                    name: code.as_str().to_owned(),
                    kind: WarehouseKind::Own,
                    area_code: (*area).to_owned(),
                    allow_oversell: false,
                })
                .await
                .unwrap();
        }
        let mut n = 0;
        for product in simulators::taobao::CATALOGUE {
            let codes_of = product
                .skus
                .iter()
                .map(|it| it.outer_sku_id)
                .chain([product.outer_iid]);
            for code in codes_of.filter(|it| !it.is_empty()) {
                let sku = SkuCode::new(code).unwrap();
                store
                    .put_sku(&app::SkuDefinition::plain(sku.clone(), code))
                    .await
                    .unwrap();
                store
                    .receive_stock(
                        &codes[stocks(n) % codes.len()],
                        &sku,
                        Quantity::new(10_000).unwrap(),
                        "opening",
                        start,
                    )
                    .await
                    .unwrap();
                n += 1;
            }
        }
        let connector: Arc<dyn Connector> = Arc::new(
            TaobaoConnector::new(
                TaobaoConfig {
                    gateway: format!("http://{addr}{}", simulators::taobao::GATEWAY_PATH),
                    app_key: "12345678".to_owned(),
                    app_secret: "helloworld".to_owned(),
                    session: "6100example0session".to_owned(),
                    refresh_token: None,
                    sign_method: SignMethod::Md5,
                    page_size: 50,
                },
                shop.id,
                None,
            )
            .unwrap(),
        );
        let report = app::sync_orders(
            store.as_ref(),
            connector.as_ref(),
            &shop,
            start.plus_millis(-3 * 3_600_000),
            clock.now(),
            &NoWait,
            &mut |_| 0,
            RetryPolicy::default(),
        )
        .await
        .unwrap();
        app::screen(
            store.as_ref(),
            &report.changed,
            &|_| None,
            &Actor::System,
            start,
        )
        .await
        .unwrap();
        let router = app::Router {
            rules: domain::routing::RuleSet::default(),
            network: domain::routing::Network {
                warehouses: codes
                    .iter()
                    .zip(warehouses)
                    .map(|(code, (_, area))| domain::routing::WarehouseSpec {
                        code: code.clone(),
                        area_code: (*area).to_owned(),
                        capabilities: Default::default(),
                        carriers: vec!["SF".to_owned()],
                        allow_oversell: false,
                        daily_capacity: None,
                    })
                    .collect(),
                min_shipment_minor: 0,
            },
            catalog: app::catalog_of(&store.catalog().await.unwrap()),
            shops: [(shop.id, (shop.code.clone(), shop.channel))].into(),
            merge_keys: Default::default(),
            utc_offset_minutes: 480,
        };
        let routed = app::route_pending(store.as_ref(), &router, &Actor::System, start, 500)
            .await
            .unwrap();
        assert!(routed.allocated > 0, "{routed:?}");
        Synced {
            simulator,
            server,
            clock,
            start,
            _db: db,
            store,
            shop,
            connector,
            routed,
        }
    }

    /// Claims and ships a shipment with a tracking number.
    async fn ship(
        store: &dyn app::Store,
        shipment: &domain::Shipment,
        tracking: &str,
        at: domain::Timestamp,
    ) {
        let packer = Actor::User("packer".to_owned());
        let claimed = store
            .apply_shipment_event(
                shipment.id,
                shipment.version,
                &ShipmentEvent::Claim {
                    holder: "packer".to_owned(),
                    until: at.plus_millis(600_000),
                },
                &packer,
                at,
            )
            .await
            .unwrap();
        store
            .apply_shipment_event(
                shipment.id,
                claimed.version,
                &ShipmentEvent::Ship {
                    holder: "packer".to_owned(),
                    scanned: claimed.barcode(),
                    tracking: TrackingNumber::parse(tracking).unwrap(),
                },
                &packer,
                at,
            )
            .await
            .unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_shipped_order_is_confirmed_on_the_platform_once() {
        let Synced {
            simulator,
            server,
            clock,
            start,
            _db,
            store,
            shop,
            connector,
            routed,
        } = synced(&[("JX01", "330402")], |_| 0).await;
        let jx = WarehouseCode::new("JX01").unwrap();

        // Ship the first allocated order that the platform still waits to see shipped.
        let waiting: Vec<String> = simulator.lock().shops()[0]
            .trades()
            .iter()
            .filter(|it| it.status == TradeStatus::WaitSellerSendGoods)
            .map(|it| it.tid.to_string())
            .collect();
        let mut shipped = None;
        for tid in &waiting {
            let id = domain::ExternalId::new(tid.as_str()).unwrap();
            let Some(order) = store.find_order(shop.id, &id).await.unwrap() else {
                continue;
            };
            if order.lifecycle.status == OrderStatus::Allocated {
                shipped = Some(order);
                break;
            }
        }
        let order = shipped.expect("an allocated order the platform waits on");
        let decision = &store.decisions(order.id).await.unwrap()[0];
        assert!(
            decision.record.outcome.starts_with("ship JX01/SF"),
            "{decision:?}"
        );
        // Shipments are numbered from 1 in the order decisions were written; find this order's.
        let mut shipment = None;
        for n in 1..=routed.shipments as i64 {
            let it = store.load_shipment(domain::ShipmentId(n)).await.unwrap();
            if it.lines.iter().any(|line| line.order == order.id) {
                shipment = Some(it);
                break;
            }
        }
        let shipment = shipment.unwrap();
        ship(store.as_ref(), &shipment, "SF1400123456789", start).await;

        let targets = Targets {
            notifiers: Default::default(),
            connectors: HashMap::from([(shop.id, connector.clone())]),
            shares: HashMap::from([(
                shop.id,
                (
                    ListingShare {
                        percent: 50,
                        buffer: 10,
                        max: None,
                    },
                    HashMap::new(),
                ),
            )]),
        };
        let first = deliver_once(store.as_ref(), &targets, "w", clock.now())
            .await
            .unwrap();
        assert_eq!(first.failed, 0, "{first:?}");
        assert!(
            first.delivered > 1,
            "the confirmation and the stock pushes: {first:?}"
        );
        let again = deliver_once(store.as_ref(), &targets, "w", clock.now())
            .await
            .unwrap();
        assert_eq!(
            (again.delivered, again.failed),
            (0, 0),
            "delivered rows are done"
        );
        let tid: u64 = order.data.external_id.as_str().parse().unwrap();
        let (accepted, all) = {
            let simulation = simulator.lock();
            let all: Vec<_> = simulation
                .consignments()
                .iter()
                .filter(|it| it.tid == tid)
                .cloned()
                .collect();
            let accepted: Vec<_> = all
                .iter()
                .filter(|it| it.refused.is_none())
                .cloned()
                .collect();
            (accepted, all)
        };
        assert_eq!(accepted.len(), 1, "{all:?}");
        assert_eq!(accepted[0].out_sid, "SF1400123456789");
        assert_eq!(accepted[0].company_code, "SF");
        // The shipped order's first line's SKU is listed at half its available stock, less 10.
        let line = &order.data.lines[0];
        let sku = line.sku.clone().unwrap();
        let level = store.stock_level(&jx, &sku).await.unwrap();
        let listed = ListingShare {
            percent: 50,
            buffer: 10,
            max: None,
        }
        .listed(level.available());
        let updates: Vec<i64> = simulator
            .lock()
            .quantity_updates()
            .iter()
            .filter(|it| it.num_iid.to_string() == line.platform_item_id)
            .filter_map(|it| it.result)
            .collect();
        assert_eq!(updates.last(), Some(&i64::from(listed)), "{updates:?}");
        server.shutdown().await.unwrap();
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_split_order_is_confirmed_parcel_by_parcel() {
        // Two warehouses stocking every other SKU: orders of SKUs of both leave in two parcels.
        let Synced {
            simulator,
            server,
            clock,
            start,
            _db,
            store,
            shop,
            connector,
            routed,
        } = synced(&[("JX01", "330402"), ("HZ01", "330106")], |n| n).await;
        // Every shipment, and the first order the platform waits on that leaves in two parcels.
        let mut shipments = Vec::new();
        for n in 1..=routed.shipments as i64 {
            shipments.push(store.load_shipment(domain::ShipmentId(n)).await.unwrap());
        }
        let waiting: Vec<u64> = simulator.lock().shops()[0]
            .trades()
            .iter()
            .filter(|it| it.status == TradeStatus::WaitSellerSendGoods)
            .map(|it| it.tid)
            .collect();
        let mut split = None;
        for tid in waiting {
            let id = domain::ExternalId::new(tid.to_string()).unwrap();
            let Some(order) = store.find_order(shop.id, &id).await.unwrap() else {
                continue;
            };
            let parcels: Vec<&domain::Shipment> = shipments
                .iter()
                .filter(|it| it.lines.iter().any(|line| line.order == order.id))
                .collect();
            if order.lifecycle.status == OrderStatus::Allocated && parcels.len() == 2 {
                split = Some((tid, order, parcels));
                break;
            }
        }
        let (tid, order, parcels) = split.expect("an allocated order split in two parcels");
        // The sub-orders (`oid`) of the trade's lines that each parcel carries.
        let oids = |parcel: &domain::Shipment| -> Vec<u64> {
            let simulation = simulator.lock();
            let trade = simulation.shops()[0].trade(tid).unwrap();
            parcel
                .lines
                .iter()
                .filter(|it| it.order == order.id)
                .map(|it| trade.lines[it.line_no as usize - 1].oid)
                .collect()
        };
        let accepted = || -> Vec<simulators::taobao::Consignment> {
            simulator
                .lock()
                .consignments()
                .iter()
                .filter(|it| it.tid == tid && it.refused.is_none())
                .cloned()
                .collect()
        };
        let targets = Targets {
            notifiers: Default::default(),
            connectors: HashMap::from([(shop.id, connector.clone())]),
            shares: HashMap::new(),
        };

        // The first parcel is confirmed for its lines at once, not held back for the last one.
        ship(store.as_ref(), parcels[0], "SF1400123456789", start).await;
        let first = deliver_once(store.as_ref(), &targets, "w", clock.now())
            .await
            .unwrap();
        assert_eq!(first.failed, 0, "{first:?}");
        let after_first = accepted();
        assert_eq!(after_first.len(), 1, "{after_first:?}");
        assert_eq!(after_first[0].out_sid, "SF1400123456789");
        assert_eq!(after_first[0].sub_tid, Some(oids(parcels[0])));
        assert_eq!(
            simulator.lock().shops()[0].trade(tid).unwrap().status,
            TradeStatus::SellerConsignedPart
        );

        // The last parcel names the other lines, with its own tracking number.
        let second_parcel = store.load_shipment(parcels[1].id).await.unwrap();
        ship(store.as_ref(), &second_parcel, "SF1400123456790", start).await;
        let second = deliver_once(store.as_ref(), &targets, "w", clock.now())
            .await
            .unwrap();
        assert_eq!(second.failed, 0, "{second:?}");
        let after_second = accepted();
        assert_eq!(after_second.len(), 2, "{after_second:?}");
        assert_eq!(after_second[1].out_sid, "SF1400123456790");
        assert_eq!(after_second[1].sub_tid, Some(oids(parcels[1])));
        let trade = simulator.lock().shops()[0].trade(tid).unwrap().clone();
        assert_eq!(trade.status, TradeStatus::WaitBuyerConfirmGoods);
        assert!(
            trade.lines.iter().all(|it| it.parcel.is_some()),
            "{trade:?}"
        );
        assert_eq!(
            store.load_order(order.id).await.unwrap().lifecycle.status,
            OrderStatus::Shipped
        );
        server.shutdown().await.unwrap();
    }
}
