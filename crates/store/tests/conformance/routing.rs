//! Routing stories: a pass allocates every paid order, reserves exactly what it plans and records
//! why; a shortage holds until stock arrives; orders of one buyer share a parcel and part when one is
//! cancelled; a hold a person released is not held again; replay reproduces recorded decisions.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use app::{Router, Store, replay, route_pending};
use domain::routing::{Action, Condition, MergeKeys, Network, Range, Rule, RuleSet, WarehouseSpec};
use domain::{
    Actor, ChannelKind, HoldReason, OrderEvent, OrderId, OrderStatus, Quantity, ShipmentId,
    ShipmentStatus, SkuCode, Warehouse, WarehouseCode, WarehouseKind,
};
use test_support::{TestDb, product_codes, synthetic_item};

use crate::stories::{T0, batch};

const ROUTER: Actor = Actor::System;

fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::new(code).unwrap()
}

/// 嘉兴仓 and 广州仓, each with `stock` of every product.
async fn warehouses(store: &Arc<dyn Store>, stock: u32) {
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
        if let Ok(n) = Quantity::new(stock) {
            for product in product_codes() {
                let sku = SkuCode::new(product).unwrap();
                store
                    .receive_stock(&wh(code), &sku, n, "opening", T0)
                    .await
                    .unwrap();
            }
        }
    }
}

fn network() -> Network {
    let spec = |code: &str, area: &str, carrier: &str| WarehouseSpec {
        code: wh(code),
        area_code: area.to_owned(),
        capabilities: Default::default(),
        carriers: vec![carrier.to_owned()],
        allow_oversell: false,
        daily_capacity: None,
    };
    Network {
        warehouses: vec![spec("JX01", "330402", "YTO"), spec("GZ01", "440106", "ZTO")],
        min_shipment_minor: 0,
    }
}

fn rule(name: &str, when: Condition, then: Vec<Action>) -> Rule {
    Rule {
        name: name.to_owned(),
        when,
        then,
        stop: false,
    }
}

/// 江浙沪 to 嘉兴仓, the rest by the default strategy.
fn seed_rules() -> RuleSet {
    RuleSet {
        version: 1,
        rules: vec![rule(
            "江浙沪发嘉兴仓",
            Condition::Region {
                name: "江浙沪".to_owned(),
                members: ["上海", "江苏", "浙江"].map(str::to_owned).to_vec(),
            },
            vec![Action::Assign(vec![wh("JX01")])],
        )],
    }
}

async fn router(store: &Arc<dyn Store>, rules: RuleSet) -> Router {
    let shops = store
        .shops()
        .await
        .unwrap()
        .into_iter()
        .map(|shop| (shop.id, (shop.code, shop.channel)))
        .collect();
    Router {
        rules,
        network: network(),
        catalog: app::catalog_of(&store.catalog().await.unwrap()),
        shops,
        merge_keys: MergeKeys::default(),
        utc_offset_minutes: 480,
    }
}

async fn ingest(store: &Arc<dyn Store>, items: Vec<app::IngestItem>) -> Vec<OrderId> {
    let shop = items[0].order.shop;
    store
        .ingest_batch(batch(shop, items, None))
        .await
        .unwrap()
        .changed
}

async fn tmall(store: &Arc<dyn Store>) -> domain::ShopId {
    store
        .ensure_shop("tmall-main", ChannelKind::Tmall, "天猫旗舰店")
        .await
        .unwrap()
        .id
}

pub(crate) async fn routing_reserves_exactly_and_records_why(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    warehouses(&store, 1000).await;
    let items: Vec<_> = (0..30)
        .map(|n| synthetic_item(7, shop, &format!("R{n:02}"), 0, T0))
        .collect();
    let ids = ingest(&store, items.clone()).await;
    let router = router(&store, seed_rules()).await;
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 8)
        .await
        .unwrap();
    assert_eq!((report.decided, report.allocated, report.held), (30, 30, 0));
    let mut wanted: BTreeMap<SkuCode, i64> = BTreeMap::new();
    for it in &items {
        for line in &it.order.lines {
            *wanted.entry(line.sku.clone().unwrap()).or_insert(0) += i64::from(line.quantity.get());
        }
    }
    for (sku, n) in &wanted {
        let mut reserved = 0;
        for w in ["JX01", "GZ01"] {
            let level = store.stock_level(&wh(w), sku).await.unwrap();
            assert_eq!(level.on_hand, 1000);
            reserved += level.reserved;
        }
        assert_eq!(reserved, *n, "{sku}: reserved is exactly what was planned");
    }
    for (id, it) in ids.iter().zip(&items) {
        let order = store.load_order(*id).await.unwrap();
        assert_eq!(order.lifecycle.status, OrderStatus::Allocated);
        let decisions = store.decisions(*id).await.unwrap();
        assert_eq!(decisions.len(), 1);
        let record = &decisions[0].record;
        let jzh = ["上海", "江苏", "浙江"]
            .iter()
            .any(|it2| it.order.receiver.province.starts_with(it2));
        if jzh {
            assert!(
                record.outcome.starts_with("ship JX01/YTO"),
                "{}",
                record.outcome
            );
            assert!(
                record.explanation.contains("江浙沪发嘉兴仓"),
                "{}",
                record.explanation
            );
        } else {
            assert!(
                record.explanation.contains("default strategy"),
                "{}",
                record.explanation
            );
        }
        assert!(!record.stock.is_empty());
    }
    let again = route_pending(store.as_ref(), &router, &ROUTER, T0, 8)
        .await
        .unwrap();
    assert_eq!(again.decided, 0, "allocated orders are not routed twice");

    let same = replay(store.as_ref(), &router, T0).await.unwrap();
    assert_eq!(same.replayed, 30);
    assert!(
        same.changed.is_empty(),
        "replay reproduces: {:?}",
        same.changed
    );
    assert_eq!(same.before, same.after);
    let mut everything_to_guangzhou = router.clone();
    everything_to_guangzhou.rules = RuleSet {
        version: 2,
        rules: vec![rule(
            "all GZ",
            Condition::Always,
            vec![Action::Assign(vec![wh("GZ01")])],
        )],
    };
    let changed = replay(store.as_ref(), &everything_to_guangzhou, T0)
        .await
        .unwrap();
    assert_eq!(changed.after.get("GZ01"), Some(&30));
    assert!(!changed.changed.is_empty());
    assert!(
        changed
            .changed
            .iter()
            .all(|it| it.after.starts_with("ship GZ01/ZTO"))
    );
    assert_eq!(
        store.decisions(ids[0]).await.unwrap().len(),
        1,
        "replay writes nothing"
    );
}

pub(crate) async fn out_of_stock_holds_until_stock_arrives(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    warehouses(&store, 0).await;
    let item = synthetic_item(7, shop, "OOS-1", 0, T0);
    let id = ingest(&store, vec![item.clone()]).await[0];
    let router = router(&store, RuleSet::default()).await;
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!(report.held, 1);
    let order = store.load_order(id).await.unwrap();
    assert_eq!(order.lifecycle.status, OrderStatus::OnHold);
    assert!(order.lifecycle.holds.contains(&HoldReason::OutOfStock));
    let decision = &store.decisions(id).await.unwrap()[0].record;
    assert!(
        decision.explanation.contains("out of stock"),
        "{}",
        decision.explanation
    );

    let quiet = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!(quiet.decided, 0, "still short: nothing new to record");
    assert_eq!(store.decisions(id).await.unwrap().len(), 1);

    for line in &item.order.lines {
        let sku = line.sku.clone().unwrap();
        store
            .receive_stock(&wh("GZ01"), &sku, Quantity::new(5).unwrap(), "po-1", T0)
            .await
            .unwrap();
    }
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!(report.allocated, 1);
    let kinds: Vec<String> = store
        .order_events(id)
        .await
        .unwrap()
        .into_iter()
        .map(|it| it.kind)
        .collect();
    assert_eq!(
        kinds[kinds.len() - 3..],
        ["hold:out_of_stock", "release:out_of_stock", "allocate"]
    );
}

pub(crate) async fn merged_orders_share_a_shipment_and_part_on_cancel(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    warehouses(&store, 1000).await;
    let first = synthetic_item(9, shop, "M-A", 0, T0);
    let same_buyer = |id: &str| {
        let mut it = synthetic_item(9, shop, id, 0, T0);
        it.order.buyer = first.order.buyer.clone();
        it.order.receiver = first.order.receiver.clone();
        it
    };
    let ids = ingest(&store, vec![first.clone(), same_buyer("M-B")]).await;
    let router = router(&store, RuleSet::default()).await;
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!(
        (report.allocated, report.shipments),
        (2, 1),
        "one parcel for both"
    );
    let later = ingest(&store, vec![same_buyer("M-C")]).await[0];
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!(report.allocated, 1);
    // The third order joined the first two orders' shipment (ids are given out in order, from 1).
    let shipment = store.load_shipment(ShipmentId(1)).await.unwrap();
    let orders: BTreeSet<OrderId> = shipment.lines.iter().map(|it| it.order).collect();
    assert_eq!(orders, [ids[0], ids[1], later].into(), "{shipment:?}");
    assert_eq!(shipment.status, ShipmentStatus::Allocated);

    let order_b = store.load_order(ids[1]).await.unwrap();
    store
        .apply_order_event(ids[1], order_b.version, OrderEvent::Cancel, &ROUTER, T0)
        .await
        .unwrap();
    let shipment = store.load_shipment(ShipmentId(1)).await.unwrap();
    assert!(
        shipment.lines.iter().all(|it| it.order != ids[1]),
        "B left the parcel"
    );
    assert_eq!(shipment.status, ShipmentStatus::Allocated);
    for id in [ids[0], later] {
        let order = store.load_order(id).await.unwrap();
        store
            .apply_order_event(id, order.version, OrderEvent::Cancel, &ROUTER, T0)
            .await
            .unwrap();
    }
    let shipment = store.load_shipment(ShipmentId(1)).await.unwrap();
    assert_eq!(shipment.status, ShipmentStatus::Voided);
    for product in product_codes() {
        for w in ["JX01", "GZ01"] {
            let level = store
                .stock_level(&wh(w), &SkuCode::new(product).unwrap())
                .await
                .unwrap();
            assert_eq!(
                level.reserved, 0,
                "{w} {product}: cancelled orders hold nothing"
            );
        }
    }
}

pub(crate) async fn a_released_hold_is_not_held_again(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    warehouses(&store, 1000).await;
    let id = ingest(&store, vec![synthetic_item(3, shop, "H-1", 0, T0)]).await[0];
    let rules = RuleSet {
        version: 1,
        rules: vec![rule(
            "review everything",
            Condition::Amount(Range {
                min: Some(0),
                max: None,
            }),
            vec![Action::Hold(HoldReason::HighAmount)],
        )],
    };
    let router = router(&store, rules).await;
    route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    let order = store.load_order(id).await.unwrap();
    assert_eq!(order.lifecycle.status, OrderStatus::OnHold);
    let alice = Actor::User("alice".to_owned());
    store
        .release_hold(
            id,
            order.version,
            Some(HoldReason::HighAmount),
            "called the buyer: genuine",
            &alice,
            T0,
        )
        .await
        .unwrap();
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!(report.allocated, 1);
    let events = store.order_events(id).await.unwrap();
    let release = events
        .iter()
        .find(|it| it.kind == "release:high_amount")
        .unwrap();
    assert_eq!(release.actor, "user:alice");
    assert_eq!(release.note, "called the buyer: genuine");
    let decisions = store.decisions(id).await.unwrap();
    assert_eq!(decisions[1].record.waived, [HoldReason::HighAmount]);
    let same = replay(store.as_ref(), &router, T0).await.unwrap();
    assert!(same.changed.is_empty(), "{:?}", same.changed);
}

pub(crate) async fn rule_sets_are_versioned(db: &TestDb) {
    let store = db.open().await;
    assert_eq!(store.rule_set(None).await.unwrap(), None);
    let alice = Actor::User("alice".to_owned());
    assert_eq!(store.save_rule_set("a", &alice, T0).await.unwrap(), 1);
    assert_eq!(
        store.save_rule_set("a", &alice, T0).await.unwrap(),
        1,
        "unchanged"
    );
    assert_eq!(store.save_rule_set("b", &alice, T0).await.unwrap(), 2);
    assert_eq!(
        store.rule_set(None).await.unwrap(),
        Some((2, "b".to_owned()))
    );
    assert_eq!(
        store.rule_set(Some(1)).await.unwrap(),
        Some((1, "a".to_owned()))
    );
    assert_eq!(store.rule_set(Some(9)).await.unwrap(), None);
}

/// What an order holds reserved, over every warehouse and product.
async fn reserved_for(store: &Arc<dyn Store>, item: &app::IngestItem) -> i64 {
    let mut total = 0;
    for line in &item.order.lines {
        for w in ["JX01", "GZ01"] {
            let level = store
                .stock_level(&wh(w), line.sku.as_ref().unwrap())
                .await
                .unwrap();
            total += level.reserved;
        }
    }
    total
}

pub(crate) async fn a_changed_or_refunded_order_is_routed_again(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    warehouses(&store, 1000).await;
    let a = synthetic_item(11, shop, "CH-A", 0, T0);
    let mut b = synthetic_item(11, shop, "CH-B", 0, T0);
    b.order.buyer = a.order.buyer.clone();
    b.order.receiver = a.order.receiver.clone();
    // Products differ between the two, so what each holds reserved can be told apart.
    b.order.lines.retain(|line| {
        a.order
            .lines
            .iter()
            .all(|it| it.seller_sku_code != line.seller_sku_code)
    });
    if b.order.lines.is_empty() {
        b.order.lines = vec![a.order.lines[0].clone()];
    }
    let ids = ingest(&store, vec![a.clone(), b.clone()]).await;
    let router = router(&store, RuleSet::default()).await;
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!((report.allocated, report.shipments), (2, 1));

    let mut refunded = b.clone();
    refunded.order.lines[0].refund = domain::RefundState::Requested;
    refunded.order.updated_at = b.order.updated_at.plus_millis(1);
    refunded.raw.body.extend_from_slice(b" ");
    ingest(&store, vec![refunded]).await;
    let order_b = store.load_order(ids[1]).await.unwrap();
    assert_eq!(order_b.lifecycle.status, OrderStatus::Paid, "deallocated");
    let kinds: Vec<String> = store
        .order_events(ids[1])
        .await
        .unwrap()
        .into_iter()
        .map(|it| it.kind)
        .collect();
    assert!(kinds.contains(&"deallocate".to_owned()), "{kinds:?}");
    let shipment = store.load_shipment(ShipmentId(1)).await.unwrap();
    assert!(
        shipment.lines.iter().all(|it| it.order == ids[0]),
        "B left the parcel"
    );
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!(report.by_destination.get("review:refund_pending"), Some(&1));

    let mut moved = a.clone();
    moved.order.receiver.detail = "新地址 8 号".to_owned();
    moved.order.updated_at = a.order.updated_at.plus_millis(1);
    moved.raw.body.extend_from_slice(b" ");
    ingest(&store, vec![moved]).await;
    assert_eq!(
        store.load_shipment(ShipmentId(1)).await.unwrap().status,
        ShipmentStatus::Voided
    );
    assert_eq!(
        reserved_for(&store, &a).await,
        0,
        "nothing held while waiting"
    );
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 100)
        .await
        .unwrap();
    assert_eq!(report.allocated, 1);
    let expected: i64 = a
        .order
        .lines
        .iter()
        .map(|it| i64::from(it.quantity.get()))
        .sum();
    assert_eq!(reserved_for(&store, &a).await, expected);
    assert_eq!(store.decisions(ids[0]).await.unwrap().len(), 2);
}

pub(crate) async fn a_full_warehouse_passes_work_on(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    warehouses(&store, 1000).await;
    let items: Vec<_> = (0..12)
        .map(|n| {
            let mut it = synthetic_item(13, shop, &format!("CAP{n:02}"), 0, T0);
            it.order.receiver.province = "浙江省".to_owned();
            it.order.receiver.area_code = "330106".to_owned();
            it
        })
        .collect();
    ingest(&store, items).await;
    let mut router = router(&store, RuleSet::default()).await;
    router.network.warehouses[0].daily_capacity = Some(5);
    let report = route_pending(store.as_ref(), &router, &ROUTER, T0, 4)
        .await
        .unwrap();
    assert_eq!(report.allocated, 12);
    assert_eq!(report.by_destination.get("JX01"), Some(&5), "{report:?}");
    assert_eq!(report.by_destination.get("GZ01"), Some(&7));
    let load: BTreeMap<WarehouseCode, u64> = store
        .shipments_since(T0.plus_millis(-86_400_000))
        .await
        .unwrap()
        .into_iter()
        .collect();
    assert_eq!(load.get(&wh("JX01")), Some(&5));
    let same = replay(store.as_ref(), &router, T0).await.unwrap();
    assert!(same.changed.is_empty(), "{:?}", same.changed);
}

pub(crate) async fn a_push_is_accepted_once(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    assert!(store.record_push(shop, "evt-1", T0).await.unwrap());
    assert!(
        !store.record_push(shop, "evt-1", T0).await.unwrap(),
        "a repeat"
    );
    assert!(store.record_push(shop, "evt-2", T0).await.unwrap());
    let other = store
        .ensure_shop("douyin-main", ChannelKind::Douyin, "抖音")
        .await
        .unwrap()
        .id;
    assert!(
        store.record_push(other, "evt-1", T0).await.unwrap(),
        "ids are per shop"
    );
}

pub(crate) async fn sealed_secrets_are_kept_per_shop(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    assert_eq!(store.secret(shop, "session").await.unwrap(), None);
    store
        .put_secret(shop, "session", b"\x01sealed-a", T0)
        .await
        .unwrap();
    store
        .put_secret(shop, "session", b"\x01sealed-b", T0.plus_millis(5))
        .await
        .unwrap();
    assert_eq!(
        store.secret(shop, "session").await.unwrap().as_deref(),
        Some(&b"\x01sealed-b"[..])
    );
    assert_eq!(
        store.secret_names(shop).await.unwrap(),
        [("session".to_owned(), T0.plus_millis(5))]
    );
}

pub(crate) async fn after_sale_documents_are_kept_once_with_their_cursor(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    let doc = |id: &str, body: &str| app::RawDocument {
        shop,
        external_id: domain::ExternalId::new(id).unwrap(),
        received_at: T0,
        format: "taobao.refund".to_owned(),
        body: body.as_bytes().to_vec(),
    };
    let first = [
        doc("R1", r#"{"refund_id":"R1","status":"WAIT_SELLER_AGREE"}"#),
        doc("R2", "{}"),
    ];
    let kept = store
        .keep_documents(shop, app::Stream::AfterSales, &first, Some("1000"), T0)
        .await
        .unwrap();
    assert_eq!(kept, 2);
    let again = [
        doc("R1", r#"{"refund_id":"R1","status":"WAIT_SELLER_AGREE"}"#),
        doc("R1", r#"{"refund_id":"R1","status":"SUCCESS"}"#),
    ];
    let kept = store
        .keep_documents(shop, app::Stream::AfterSales, &again, None, T0)
        .await
        .unwrap();
    assert_eq!(kept, 1, "the same content once, a new revision kept");
    assert_eq!(
        store
            .cursor(shop, app::Stream::AfterSales)
            .await
            .unwrap()
            .as_deref(),
        Some("1000"),
        "no cursor leaves it"
    );
    assert_eq!(store.cursor(shop, app::Stream::Orders).await.unwrap(), None);
}

pub(crate) async fn a_failing_shop_is_marked(db: &TestDb) {
    let store = db.open().await;
    let shop = tmall(&store).await;
    let status = |ok: bool, error: &str, at: i64| app::SyncStatus {
        shop,
        stream: app::Stream::Orders,
        ok,
        last_error: error.to_owned(),
        at: T0.plus_millis(at),
    };
    store
        .set_sync_status(&status(false, "unauthorized: 27 Invalid session", 1))
        .await
        .unwrap();
    assert_eq!(
        store.sync_statuses().await.unwrap(),
        [status(false, "unauthorized: 27 Invalid session", 1)]
    );
    store.set_sync_status(&status(true, "", 2)).await.unwrap();
    assert_eq!(store.sync_statuses().await.unwrap(), [status(true, "", 2)]);
}
