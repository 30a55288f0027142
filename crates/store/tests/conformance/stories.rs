//! The stories every store must tell the same way.

pub(crate) use crate::access::*;
pub(crate) use crate::alerts::*;
pub(crate) use crate::dashboard::*;
pub(crate) use crate::fulfilment::*;
pub(crate) use crate::routing::*;
pub(crate) use crate::warehouses::*;

use std::sync::Arc;

use app::{
    Error, IngestBatch, IngestItem, NewReject, NewShipment, OrderQuery, Reject, StockRequest,
    Store, Stream,
};
use domain::{
    Actor, ChannelKind, ExternalId, HoldReason, Lifecycle, OrderEvent, OrderId, OrderStatus,
    PlatformState, Quantity, ShipmentEvent, ShipmentLine, ShipmentStatus, ShopId, SkuCode,
    Timestamp, TrackingNumber, Warehouse, WarehouseCode, WarehouseKind,
};
use test_support::{TestDb, synthetic_item};

pub(crate) const T0: Timestamp = Timestamp::from_unix_millis(1_760_000_000_000);

pub(crate) fn batch(shop: ShopId, items: Vec<IngestItem>, cursor: Option<&str>) -> IngestBatch {
    IngestBatch {
        shop,
        stream: Stream::Orders,
        items,
        cursor: cursor.map(str::to_owned),
        actor: Actor::Platform("test".to_owned()),
        at: T0,
    }
}

pub(crate) async fn shop(store: &Arc<dyn Store>) -> ShopId {
    store
        .ensure_shop("tmall-main", ChannelKind::Tmall, "天猫旗舰店")
        .await
        .unwrap()
        .id
}

pub(crate) fn item(shop: ShopId, id: &str, revision: u32) -> IngestItem {
    synthetic_item(42, shop, id, revision, T0)
}

pub(crate) fn q(n: u32) -> Quantity {
    Quantity::new(n).unwrap()
}

pub(crate) fn wh(code: &str) -> WarehouseCode {
    WarehouseCode::new(code).unwrap()
}

pub(crate) fn sku(code: &str) -> SkuCode {
    SkuCode::new(code).unwrap()
}

pub(crate) async fn ingest_is_idempotent_and_never_goes_back(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let first = store
        .ingest_batch(batch(
            shop,
            vec![item(shop, "T1", 0), item(shop, "T2", 0)],
            None,
        ))
        .await
        .unwrap();
    assert_eq!(
        (first.inserted, first.updated, first.unchanged, first.stale),
        (2, 0, 0, 0)
    );
    let again = store
        .ingest_batch(batch(
            shop,
            vec![item(shop, "T1", 0), item(shop, "T2", 0)],
            None,
        ))
        .await
        .unwrap();
    assert_eq!(
        (again.inserted, again.updated, again.unchanged, again.stale),
        (0, 0, 2, 0)
    );
    let t1 = ExternalId::new("T1").unwrap();
    let before = store.find_order(shop, &t1).await.unwrap().unwrap();

    let newer = store
        .ingest_batch(batch(shop, vec![item(shop, "T1", 2)], None))
        .await
        .unwrap();
    assert_eq!(newer.updated, 1);
    let updated = store.find_order(shop, &t1).await.unwrap().unwrap();
    assert_eq!(updated.id, before.id);
    assert_eq!(updated.version, before.version + 1);
    assert_eq!(updated.data.platform_state, PlatformState::Shipped);

    let older = store
        .ingest_batch(batch(shop, vec![item(shop, "T1", 1)], None))
        .await
        .unwrap();
    assert_eq!(older.stale, 1);
    assert_eq!(
        store.find_order(shop, &t1).await.unwrap().unwrap(),
        updated,
        "an older revision changed the order"
    );
    assert_eq!(
        updated.data,
        item(shop, "T1", 2).order,
        "the stored order is the mapped one, field for field"
    );
}

pub(crate) async fn raw_documents_are_kept(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let it = item(shop, "RAW-1", 0);
    let report = store
        .ingest_batch(batch(shop, vec![it.clone()], None))
        .await
        .unwrap();
    let raw = store.raw_document(report.changed[0]).await.unwrap();
    assert_eq!(raw, it.raw);
    assert!(matches!(
        store.raw_document(OrderId(999_999)).await,
        Err(Error::NotFound(_))
    ));
}

pub(crate) async fn search_finds_orders(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let items: Vec<IngestItem> = (0..30)
        .map(|n| item(shop, &format!("S{n:03}"), 0))
        .collect();
    store
        .ingest_batch(batch(shop, items.clone(), None))
        .await
        .unwrap();
    let page1 = store
        .search_orders(&OrderQuery {
            shop: Some(shop),
            limit: 20,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page1.len(), 20);
    let page2 = store
        .search_orders(&OrderQuery {
            shop: Some(shop),
            before: Some(page1[19].id),
            limit: 20,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(page2.len(), 10);
    assert!(
        page1
            .iter()
            .chain(&page2)
            .zip(page1.iter().chain(&page2).skip(1))
            .all(|(a, b)| a.id > b.id)
    );

    let target = &items[17].order;
    let tail = &target.receiver.phone[target.receiver.phone.len() - 4..];
    let by_phone = store
        .search_orders(&OrderQuery {
            phone_tail: Some(tail.to_owned()),
            limit: 50,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert!(
        by_phone
            .iter()
            .any(|it| it.external_id == target.external_id)
    );
    // A longer tail narrows by every digit given, not only the last four.
    let long_tail = &target.receiver.phone[target.receiver.phone.len() - 6..];
    let by_long_tail = store
        .search_orders(&OrderQuery {
            phone_tail: Some(long_tail.to_owned()),
            limit: 50,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert!(
        by_long_tail
            .iter()
            .any(|it| it.external_id == target.external_id)
    );
    for found in &by_long_tail {
        let order = store.load_order(found.id).await.unwrap();
        assert!(order.data.receiver.phone.ends_with(long_tail));
    }
    let by_id = store
        .search_orders(&OrderQuery {
            external_id: Some("S017".to_owned()),
            limit: 5,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(by_id.len(), 1);
    assert_eq!(by_id[0].paid_minor, target.amounts.paid.minor);
    let code = target.lines[0].sku.clone().unwrap();
    let by_sku = store
        .search_orders(&OrderQuery {
            sku: Some(code.clone()),
            limit: 100,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    let expected = items
        .iter()
        .filter(|it| it.order.lines.iter().any(|l| l.sku.as_ref() == Some(&code)))
        .count();
    assert_eq!(by_sku.len(), expected);
    let none = store
        .search_orders(&OrderQuery {
            status: Some(OrderStatus::Cancelled),
            limit: 5,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
    let counts = store.count_orders().await.unwrap();
    assert_eq!(counts, vec![(OrderStatus::Paid, 30)]);
}

pub(crate) async fn order_events_use_optimistic_concurrency(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let id = store
        .ingest_batch(batch(shop, vec![item(shop, "V1", 0)], None))
        .await
        .unwrap()
        .changed[0];
    let order = store.load_order(id).await.unwrap();
    let user = Actor::User("ops".to_owned());
    let held = store
        .apply_order_event(
            id,
            order.version,
            OrderEvent::Hold(HoldReason::BuyerMessage),
            &user,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(held.lifecycle.status, OrderStatus::OnHold);
    let stale = store
        .apply_order_event(id, order.version, OrderEvent::Release(None), &user, T0)
        .await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    let invalid = store
        .apply_order_event(id, held.version, OrderEvent::ShipAll, &user, T0)
        .await;
    assert!(matches!(invalid, Err(Error::Order(_))), "{invalid:?}");
    assert_eq!(
        store.load_order(id).await.unwrap(),
        held,
        "a refused event changed the order"
    );
}

pub(crate) async fn replaying_the_event_log_rebuilds_status(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let id = store
        .ingest_batch(batch(shop, vec![item(shop, "E1", 0)], None))
        .await
        .unwrap()
        .changed[0];
    let user = Actor::User("ops".to_owned());
    for event in [
        OrderEvent::Hold(HoldReason::Risk),
        OrderEvent::Hold(HoldReason::HighAmount),
        OrderEvent::Release(Some(HoldReason::Risk)),
        OrderEvent::Release(None),
        OrderEvent::Allocate,
    ] {
        let version = store.load_order(id).await.unwrap().version;
        store
            .apply_order_event(id, version, event, &user, T0)
            .await
            .unwrap();
    }
    let log = store.order_events(id).await.unwrap();
    assert_eq!(log[0].kind, "ingest:insert");
    let first = Lifecycle::new(domain::OrderStatus::parse(&log[0].after).unwrap());
    let events = log[1..]
        .iter()
        .map(|it| OrderEvent::decode(&it.kind).unwrap());
    let rebuilt = Lifecycle::replay(first, events).unwrap();
    assert_eq!(rebuilt, store.load_order(id).await.unwrap().lifecycle);
    assert!(log.iter().skip(1).all(|it| it.actor == "user:ops"));
}

pub(crate) async fn stocked(store: &Arc<dyn Store>, code: &str, units: u32) {
    let warehouse = Warehouse {
        code: wh("JX01"),
        name: "嘉兴仓".to_owned(),
        kind: WarehouseKind::Own,
        area_code: "330402".to_owned(),
        allow_oversell: false,
    };
    store.put_warehouse(&warehouse).await.unwrap();
    store
        .receive_stock(&wh("JX01"), &sku(code), q(units), "po:1", T0)
        .await
        .unwrap();
}

/// Allocates an ingested order: reserves every line in JX01 and moves it to allocated.
async fn allocate(store: &Arc<dyn Store>, id: OrderId) -> domain::Order {
    let order = store.load_order(id).await.unwrap();
    let requests: Vec<StockRequest> = order
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
    store.reserve_stock(id, &requests, T0).await.unwrap();
    store
        .apply_order_event(id, order.version, OrderEvent::Allocate, &Actor::System, T0)
        .await
        .unwrap()
}

async fn stock_all(store: &Arc<dyn Store>, order: &IngestItem, units: u32) {
    for line in &order.order.lines {
        stocked(store, line.sku.as_ref().unwrap().as_str(), units).await;
    }
}

pub(crate) async fn platform_cancel_releases_stock(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let it = item(shop, "C1", 0);
    stock_all(&store, &it, 10).await;
    let id = store
        .ingest_batch(batch(shop, vec![it.clone()], None))
        .await
        .unwrap()
        .changed[0];
    allocate(&store, id).await;
    let code = it.order.lines[0].sku.clone().unwrap();
    assert!(
        store
            .stock_level(&wh("JX01"), &code)
            .await
            .unwrap()
            .reserved
            > 0
    );

    let mut cancelled = it.clone();
    cancelled.order.platform_state = PlatformState::Cancelled;
    cancelled.order.platform_status = "TRADE_CLOSED".to_owned();
    cancelled.order.updated_at = it.order.updated_at.plus_millis(1);
    cancelled.raw.body.extend_from_slice(b" ");
    store
        .ingest_batch(batch(shop, vec![cancelled], None))
        .await
        .unwrap();
    let order = store.load_order(id).await.unwrap();
    assert_eq!(order.lifecycle.status, OrderStatus::Cancelled);
    for line in &it.order.lines {
        let level = store
            .stock_level(&wh("JX01"), line.sku.as_ref().unwrap())
            .await
            .unwrap();
        assert_eq!(level.reserved, 0, "{line:?}");
    }
    let ledger = store.stock_ledger(&wh("JX01"), &code).await.unwrap();
    assert_eq!(ledger.first().unwrap().0, "receipt");
    assert_eq!(
        ledger.iter().map(|it| it.1).filter(|n| *n < 0).count(),
        ledger.iter().filter(|it| it.0 == "release").count()
    );
    assert!(
        store
            .order_events(id)
            .await
            .unwrap()
            .iter()
            .any(|it| it.kind == "cancel" && it.actor == "platform:test")
    );
}

pub(crate) async fn reservations_never_oversell(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    stocked(&store, "LAST-UNITS", 5).await;
    let ids = store
        .ingest_batch(batch(
            shop,
            (0..16).map(|n| item(shop, &format!("R{n}"), 0)).collect(),
            None,
        ))
        .await
        .unwrap()
        .changed;
    let mut tasks = Vec::new();
    for id in ids {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let request = StockRequest {
                line_no: 1,
                warehouse: wh("JX01"),
                sku: sku("LAST-UNITS"),
                quantity: q(1),
            };
            store.reserve_stock(id, &[request], T0).await
        }));
    }
    let mut won = 0;
    for task in tasks {
        match task.await.unwrap() {
            Ok(()) => won += 1,
            Err(Error::Stock(domain::StockError::Insufficient(_))) => {}
            Err(err) => panic!("unexpected {err:?}"),
        }
    }
    assert_eq!(won, 5);
    let level = store
        .stock_level(&wh("JX01"), &sku("LAST-UNITS"))
        .await
        .unwrap();
    assert_eq!(
        (level.on_hand, level.reserved, level.available()),
        (5, 5, 0)
    );
    // All or nothing: a request list that cannot be met reserves none of it.
    stocked(&store, "PLENTY", 10).await;
    let id = store
        .find_order(shop, &ExternalId::new("R0").unwrap())
        .await
        .unwrap()
        .unwrap()
        .id;
    let both = [
        StockRequest {
            line_no: 1,
            warehouse: wh("JX01"),
            sku: sku("PLENTY"),
            quantity: q(2),
        },
        StockRequest {
            line_no: 2,
            warehouse: wh("JX01"),
            sku: sku("LAST-UNITS"),
            quantity: q(1),
        },
    ];
    assert!(store.reserve_stock(id, &both, T0).await.is_err());
    assert_eq!(
        store
            .stock_level(&wh("JX01"), &sku("PLENTY"))
            .await
            .unwrap()
            .reserved,
        0
    );
}

/// Ingests, stocks and allocates one order and plans all of it into one JX01 shipment.
pub(crate) async fn planned_shipment(
    store: &Arc<dyn Store>,
    external_id: &str,
) -> (OrderId, domain::Shipment) {
    let shop = shop(store).await;
    let it = item(shop, external_id, 0);
    stock_all(store, &it, 20).await;
    let id = store
        .ingest_batch(batch(shop, vec![it.clone()], None))
        .await
        .unwrap()
        .changed[0];
    let order = allocate(store, id).await;
    let lines = order
        .data
        .lines
        .iter()
        .map(|l| ShipmentLine {
            order: id,
            line_no: l.line_no,
            quantity: l.quantity,
        })
        .collect();
    let shipment = store
        .create_shipment(
            &NewShipment {
                warehouse: wh("JX01"),
                carrier: Some("SF".to_owned()),
                lines,
                merge_key: None,
            },
            T0,
        )
        .await
        .unwrap();
    (id, shipment)
}

/// A planned shipment claimed by `packer-a`: the order id, the shipment as planned and as claimed.
pub(crate) async fn claimed_shipment(
    store: &Arc<dyn Store>,
    external_id: &str,
) -> (OrderId, domain::Shipment, domain::Shipment) {
    let (id, shipment) = planned_shipment(store, external_id).await;
    let packer = Actor::User("packer-a".to_owned());
    let claimed = store
        .apply_shipment_event(
            shipment.id,
            shipment.version,
            &claim("packer-a"),
            &packer,
            T0,
        )
        .await
        .unwrap();
    (id, shipment, claimed)
}

pub(crate) fn claim(holder: &str) -> ShipmentEvent {
    ShipmentEvent::Claim {
        holder: holder.to_owned(),
        until: T0.plus_millis(600_000),
    }
}

pub(crate) fn ship(holder: &str, shipment: &domain::Shipment) -> ShipmentEvent {
    ShipmentEvent::Ship {
        holder: holder.to_owned(),
        scanned: shipment.barcode(),
        tracking: TrackingNumber::parse("SF1400123456789").unwrap(),
    }
}

pub(crate) async fn shipping_consumes_and_confirms_once(db: &TestDb) {
    let store = db.open().await;
    let (id, shipment, claimed) = claimed_shipment(&store, "SHIP-1").await;
    let packer = Actor::User("packer-a".to_owned());
    assert_eq!(
        store.load_order(id).await.unwrap().lifecycle.status,
        OrderStatus::InFulfilment
    );
    let other = store
        .apply_shipment_event(
            shipment.id,
            claimed.version,
            &ship("packer-b", &claimed),
            &packer,
            T0,
        )
        .await;
    assert!(
        matches!(
            other,
            Err(Error::Shipment(
                domain::ShipmentError::ClaimedByOther { .. }
            ))
        ),
        "{other:?}"
    );
    let shipped = store
        .apply_shipment_event(
            shipment.id,
            claimed.version,
            &ship("packer-a", &claimed),
            &packer,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(shipped.status, ShipmentStatus::Shipped);
    assert_eq!(store.load_shipment(shipment.id).await.unwrap(), shipped);
    let order = store.load_order(id).await.unwrap();
    assert_eq!(order.lifecycle.status, OrderStatus::Shipped);
    for line in &order.data.lines {
        let level = store
            .stock_level(&wh("JX01"), line.sku.as_ref().unwrap())
            .await
            .unwrap();
        assert_eq!(level.reserved, 0);
    }
    let again = store
        .apply_shipment_event(
            shipment.id,
            shipped.version,
            &ship("packer-a", &claimed),
            &packer,
            T0,
        )
        .await;
    assert!(
        matches!(again, Err(Error::Shipment(_))),
        "a repeated scan must be refused: {again:?}"
    );
    let outbox = store.claim_outbox("w1", 10, T0, 1000).await.unwrap();
    let confirms: Vec<_> = outbox
        .iter()
        .filter(|it| it.topic == "shipment.confirm")
        .collect();
    assert_eq!(confirms.len(), 1);
    assert!(String::from_utf8_lossy(&confirms[0].payload).contains("SF1400123456789"));
    // Every SKU whose stock moved waits to be listed again, once.
    let mut pushes: Vec<&str> = outbox
        .iter()
        .filter(|it| it.topic == "stock.push")
        .map(|it| it.key.as_str())
        .collect();
    let all = pushes.len();
    pushes.sort_unstable();
    pushes.dedup();
    assert!(all > 0 && all == pushes.len(), "{outbox:?}");
}

pub(crate) async fn concurrent_ship_exactly_one_wins(db: &TestDb) {
    let store = db.open().await;
    let (id, _, claimed) = claimed_shipment(&store, "RACE-1").await;
    let packer = Actor::User("packer-a".to_owned());
    let mut tasks = Vec::new();
    for _ in 0..2 {
        let (store, claimed, packer) = (store.clone(), claimed.clone(), packer.clone());
        tasks.push(tokio::spawn(async move {
            store
                .apply_shipment_event(
                    claimed.id,
                    claimed.version,
                    &ship("packer-a", &claimed),
                    &packer,
                    T0,
                )
                .await
        }));
    }
    let mut results = Vec::new();
    for task in tasks {
        results.push(task.await.unwrap());
    }
    assert_eq!(
        results.iter().filter(|it| it.is_ok()).count(),
        1,
        "{results:?}"
    );
    assert!(
        results
            .iter()
            .any(|it| matches!(it, Err(Error::Conflict(_)))),
        "{results:?}"
    );
    let order = store.load_order(id).await.unwrap();
    let planned = planned_lines(&store, id).await;
    assert_eq!(
        planned,
        order.data.lines.len(),
        "every line shipped exactly once"
    );
    let confirms = store
        .claim_outbox("w1", 10, T0, 1000)
        .await
        .unwrap()
        .into_iter()
        .filter(|it| it.topic == "shipment.confirm")
        .count();
    assert_eq!(confirms, 1);
}

/// The number of order lines whose shipped count equals their quantity, read through a second shipment
/// attempt: planning any unit more must fail.
async fn planned_lines(store: &Arc<dyn Store>, id: OrderId) -> usize {
    let order = store.load_order(id).await.unwrap();
    let mut full = 0;
    for line in &order.data.lines {
        let more = NewShipment {
            warehouse: wh("JX01"),
            carrier: None,
            lines: vec![ShipmentLine {
                order: id,
                line_no: line.line_no,
                quantity: q(1),
            }],
            merge_key: None,
        };
        if matches!(
            store.create_shipment(&more, T0).await,
            Err(Error::OverAllocation(_))
        ) {
            full += 1;
        }
    }
    full
}

pub(crate) async fn a_line_is_never_planned_twice(db: &TestDb) {
    let store = db.open().await;
    let (id, shipment) = planned_shipment(&store, "PLAN-1").await;
    assert_eq!(planned_lines(&store, id).await, shipment.lines.len());
    // Voiding gives the lines back and releases their stock; they can be planned again.
    let voided = store
        .apply_shipment_event(
            shipment.id,
            shipment.version,
            &ShipmentEvent::Void,
            &Actor::System,
            T0,
        )
        .await
        .unwrap();
    assert_eq!(voided.status, ShipmentStatus::Voided);
    let line = shipment.lines[0];
    let code = store.load_order(id).await.unwrap().data.lines[0]
        .sku
        .clone()
        .unwrap();
    assert_eq!(
        store
            .stock_level(&wh("JX01"), &code)
            .await
            .unwrap()
            .reserved,
        0
    );
    let again = NewShipment {
        warehouse: wh("JX01"),
        carrier: None,
        lines: vec![line],
        merge_key: None,
    };
    store.create_shipment(&again, T0).await.unwrap();
    let twice = NewShipment {
        warehouse: wh("JX01"),
        carrier: None,
        lines: vec![line, line],
        merge_key: None,
    };
    assert!(store.create_shipment(&twice, T0).await.is_err());
}

pub(crate) async fn outbox_delivers_at_least_once(db: &TestDb) {
    let store = db.open().await;
    for n in 0..3 {
        store
            .enqueue_outbox("stock.push", &format!("k{n}"), b"{}", T0)
            .await
            .unwrap();
    }
    let a = store.claim_outbox("a", 2, T0, 1_000).await.unwrap();
    let b = store.claim_outbox("b", 10, T0, 1_000).await.unwrap();
    assert_eq!(
        (a.len(), b.len()),
        (2, 1),
        "claimed rows are not handed out twice"
    );
    store.finish_outbox(a[0].id, "a", Ok(()), T0).await.unwrap();
    store
        .finish_outbox(
            a[1].id,
            "a",
            Err("503 from platform".to_owned()),
            T0.plus_millis(5_000),
        )
        .await
        .unwrap();
    assert!(matches!(
        store.finish_outbox(b[0].id, "a", Ok(()), T0).await,
        Err(Error::Conflict(_))
    ));
    // Worker b died: its lease runs out and the row is due again; the failed row is due after backoff.
    let later = store
        .claim_outbox("c", 10, T0.plus_millis(1_000), 1_000)
        .await
        .unwrap();
    assert_eq!(
        later.iter().map(|it| it.id).collect::<Vec<_>>(),
        vec![b[0].id]
    );
    assert_eq!(later[0].attempts, 2);
    store
        .finish_outbox(later[0].id, "c", Ok(()), T0.plus_millis(1_500))
        .await
        .unwrap();
    let retried = store
        .claim_outbox("c", 10, T0.plus_millis(5_000), 1_000)
        .await
        .unwrap();
    assert_eq!(
        retried.iter().map(|it| it.id).collect::<Vec<_>>(),
        vec![a[1].id]
    );
}

pub(crate) async fn leases_expire(db: &TestDb) {
    let store = db.open().await;
    assert!(
        store
            .acquire_lease("sync:shop-1", "p1", T0, 10_000)
            .await
            .unwrap()
    );
    assert!(
        !store
            .acquire_lease("sync:shop-1", "p2", T0.plus_millis(9_999), 10_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .acquire_lease("sync:shop-1", "p1", T0.plus_millis(5_000), 10_000)
            .await
            .unwrap(),
        "the holder renews"
    );
    assert!(
        !store
            .acquire_lease("sync:shop-1", "p2", T0.plus_millis(14_999), 10_000)
            .await
            .unwrap()
    );
    assert!(
        store
            .acquire_lease("sync:shop-1", "p2", T0.plus_millis(15_000), 10_000)
            .await
            .unwrap(),
        "expired leases are taken over"
    );
    store.release_lease("sync:shop-1", "p1").await.unwrap();
    assert!(
        !store
            .acquire_lease("sync:shop-1", "p3", T0.plus_millis(16_000), 10_000)
            .await
            .unwrap(),
        "only the holder releases"
    );
    store.release_lease("sync:shop-1", "p2").await.unwrap();
    assert!(
        store
            .acquire_lease("sync:shop-1", "p3", T0.plus_millis(16_000), 10_000)
            .await
            .unwrap()
    );
}

pub(crate) async fn cursors_move_with_their_batch(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    assert_eq!(store.cursor(shop, Stream::Orders).await.unwrap(), None);
    store
        .ingest_batch(batch(
            shop,
            vec![item(shop, "K1", 0)],
            Some("2025-10-01T00:00:00+08:00"),
        ))
        .await
        .unwrap();
    assert_eq!(
        store.cursor(shop, Stream::Orders).await.unwrap().as_deref(),
        Some("2025-10-01T00:00:00+08:00")
    );
    // A batch that fails leaves neither its orders nor its cursor behind.
    let mut bad = batch(
        shop,
        vec![item(shop, "K2", 0), item(ShopId(shop.0 + 1), "K3", 0)],
        Some("later"),
    );
    bad.items[1].raw.shop = ShopId(shop.0 + 1);
    assert!(matches!(
        store.ingest_batch(bad).await,
        Err(Error::Invalid { .. })
    ));
    assert_eq!(
        store.cursor(shop, Stream::Orders).await.unwrap().as_deref(),
        Some("2025-10-01T00:00:00+08:00")
    );
    assert_eq!(
        store
            .find_order(shop, &ExternalId::new("K2").unwrap())
            .await
            .unwrap(),
        None
    );
    store
        .set_cursor(shop, Stream::AfterSales, "42", T0)
        .await
        .unwrap();
    assert_eq!(
        store
            .cursor(shop, Stream::AfterSales)
            .await
            .unwrap()
            .as_deref(),
        Some("42")
    );
}

pub(crate) async fn survives_kill_9(db: &TestDb) {
    crate::crash::kill_and_verify(db).await;
}

pub(crate) async fn repeats_within_a_batch(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let items = vec![
        item(shop, "D1", 0),
        item(shop, "D1", 0),
        item(shop, "D2", 2),
        item(shop, "D2", 1),
        item(shop, "D1", 3),
    ];
    let report = store.ingest_batch(batch(shop, items, None)).await.unwrap();
    assert_eq!(
        (
            report.inserted,
            report.updated,
            report.unchanged,
            report.stale
        ),
        (2, 1, 1, 1)
    );
    let d1 = store
        .find_order(shop, &ExternalId::new("D1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d1.data, item(shop, "D1", 3).order);
    assert_eq!(d1.version, 2);
    let d2 = store
        .find_order(shop, &ExternalId::new("D2").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(d2.data, item(shop, "D2", 2).order);
    let kinds: Vec<String> = store
        .order_events(d1.id)
        .await
        .unwrap()
        .into_iter()
        .map(|it| it.kind)
        .collect();
    assert_eq!(kinds, ["ingest:insert", "ingest:update"]);
}

fn new_reject(shop: ShopId, raw: &str, reason: &str, at: Timestamp) -> NewReject {
    NewReject {
        shop,
        source: "api:taobao".to_owned(),
        external_ref: "T100".to_owned(),
        format: "taobao@1".to_owned(),
        raw: raw.as_bytes().to_vec(),
        field: "receiver.phone".to_owned(),
        reason: reason.to_owned(),
        at,
    }
}

pub(crate) async fn rejects_are_kept_listed_and_resolved(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let other = store
        .ensure_shop("jd-main", ChannelKind::Jd, "京东自营")
        .await
        .unwrap()
        .id;
    let first = new_reject(shop, r#"{"tid":"T100"}"#, "missing", T0);
    let second = NewReject {
        source: "csv:orders.csv#row 12".to_owned(),
        external_ref: String::new(),
        format: "csv.jd@1".to_owned(),
        field: "paid".to_owned(),
        ..new_reject(other, "T101,1.2E+11", "not a number", T0)
    };
    store
        .record_rejects(&[first.clone(), second.clone()])
        .await
        .unwrap();
    let seen_again = NewReject {
        field: "receiver.province".to_owned(),
        ..new_reject(
            shop,
            r#"{"tid":"T100"}"#,
            "unknown province",
            T0.plus_millis(60_000),
        )
    };
    store.record_rejects(&[seen_again]).await.unwrap();

    let open = store.open_rejects(None, None, 10).await.unwrap();
    assert_eq!(open.len(), 2, "the same content is kept once: {open:?}");
    assert_eq!(
        open[0],
        Reject {
            id: open[0].id,
            shop,
            source: "api:taobao".to_owned(),
            external_ref: "T100".to_owned(),
            format: "taobao@1".to_owned(),
            raw: first.raw.clone(),
            field: "receiver.province".to_owned(),
            reason: "unknown province".to_owned(),
            first_seen: T0,
            last_seen: T0.plus_millis(60_000),
            attempts: 2,
            resolved_at: None,
        }
    );
    assert_eq!(
        (open[1].shop, open[1].raw.as_slice(), open[1].attempts),
        (other, second.raw.as_slice(), 1)
    );
    assert!(open[0].id < open[1].id, "oldest first");

    let page1 = store.open_rejects(None, None, 1).await.unwrap();
    let page2 = store
        .open_rejects(None, Some(page1[0].id), 1)
        .await
        .unwrap();
    let page3 = store
        .open_rejects(None, Some(page2[0].id), 1)
        .await
        .unwrap();
    assert_eq!(
        (page1, page2, page3),
        (vec![open[0].clone()], vec![open[1].clone()], vec![])
    );
    assert_eq!(
        store.open_rejects(Some(other), None, 10).await.unwrap(),
        vec![open[1].clone()]
    );

    store
        .resolve_reject(open[0].id, T0.plus_millis(120_000))
        .await
        .unwrap();
    assert_eq!(
        store.open_rejects(None, None, 10).await.unwrap(),
        vec![open[1].clone()]
    );
    let again = store
        .resolve_reject(open[0].id, T0.plus_millis(180_000))
        .await;
    assert!(matches!(again, Err(Error::Conflict(_))), "{again:?}");
    let unknown = store.resolve_reject(999_999, T0).await;
    assert!(matches!(unknown, Err(Error::NotFound(_))), "{unknown:?}");

    // A resolved reject is history: the same content rejected again opens a new one.
    let later = T0.plus_millis(240_000);
    store
        .record_rejects(&[new_reject(shop, r#"{"tid":"T100"}"#, "missing", later)])
        .await
        .unwrap();
    let reopened = store.open_rejects(Some(shop), None, 10).await.unwrap();
    assert_eq!(reopened.len(), 1, "{reopened:?}");
    assert!(
        reopened[0].id > open[1].id,
        "a new reject, not the resolved one"
    );
    assert_eq!(
        (
            reopened[0].attempts,
            reopened[0].first_seen,
            reopened[0].reason.as_str()
        ),
        (1, later, "missing")
    );
}

pub(crate) async fn unknown_skus_hold_and_release(db: &TestDb) {
    use app::{SkuDefinition, rescreen_held, screen};
    use domain::Receiver;

    let no_address_holds = |_: &Receiver| None;
    use domain::{Component, ShopSkuKey};

    let store = db.open().await;
    let shop = shop(&store).await;
    let products = [
        "TEA-LJ-250",
        "TEA-PE-357",
        "CUP-GL-01",
        "SET-GIFT-A",
        "SNK-NUT-500",
        "SNK-DATE-1K",
        "SKN-CRM-50",
        "HBT-TWL-3",
    ];
    // Every product is ours except the towels, which the shop sells under its own code.
    for code in products.iter().filter(|it| **it != "HBT-TWL-3") {
        store
            .put_sku(&SkuDefinition::plain(sku(code), code))
            .await
            .unwrap();
    }
    let combo = SkuDefinition {
        components: vec![Component {
            sku: sku("NOPE"),
            quantity: q(1),
        }],
        ..SkuDefinition::plain(sku("KIT-1"), "kit")
    };
    assert!(
        matches!(store.put_sku(&combo).await, Err(Error::Invalid { .. })),
        "components must be known SKUs"
    );
    let items: Vec<IngestItem> = (0..40)
        .map(|n| item(shop, &format!("U{n:02}"), 0))
        .collect();
    let with_towels = items
        .iter()
        .filter(|it| {
            it.order
                .lines
                .iter()
                .any(|l| l.seller_sku_code == "HBT-TWL-3")
        })
        .count() as u32;
    assert!(
        with_towels > 0 && with_towels < 40,
        "the fixture needs both kinds of orders"
    );
    let ids = store
        .ingest_batch(batch(shop, items, None))
        .await
        .unwrap()
        .changed;
    let actor = Actor::System;
    let report = screen(store.as_ref(), &ids, &no_address_holds, &actor, T0)
        .await
        .unwrap();
    assert_eq!(report.held, with_towels);
    let unknown = store.unknown_skus().await.unwrap();
    assert_eq!(unknown.len(), 1);
    assert_eq!(
        (unknown[0].shop, &unknown[0].key, unknown[0].orders),
        (
            shop,
            &ShopSkuKey::SellerCode("HBT-TWL-3".to_owned()),
            u64::from(with_towels)
        )
    );
    // Screening again changes nothing.
    assert_eq!(
        screen(store.as_ref(), &ids, &no_address_holds, &actor, T0)
            .await
            .unwrap(),
        app::ScreenReport::default()
    );

    // The fix: the towels become ours under another code, mapped from the shop's code.
    store
        .put_sku(&SkuDefinition::plain(sku("TOWEL-3"), "毛巾 3 条"))
        .await
        .unwrap();
    assert!(matches!(
        store
            .map_shop_sku(
                shop,
                &ShopSkuKey::SellerCode("HBT-TWL-3".to_owned()),
                &sku("NOPE")
            )
            .await,
        Err(Error::Invalid { .. })
    ));
    store
        .map_shop_sku(
            shop,
            &ShopSkuKey::SellerCode("HBT-TWL-3".to_owned()),
            &sku("TOWEL-3"),
        )
        .await
        .unwrap();
    let released = rescreen_held(store.as_ref(), &no_address_holds, &actor, T0)
        .await
        .unwrap();
    assert_eq!(released.released, with_towels);
    assert!(store.unknown_skus().await.unwrap().is_empty());
    for id in ids {
        let order = store.load_order(id).await.unwrap();
        assert!(
            matches!(
                order.lifecycle.status,
                OrderStatus::Paid | OrderStatus::Released
            ),
            "{:?}",
            order.lifecycle
        );
        for line in &order.data.lines {
            let expected = if line.seller_sku_code == "HBT-TWL-3" {
                "TOWEL-3"
            } else {
                line.seller_sku_code.as_str()
            };
            assert_eq!(line.sku.as_ref().map(SkuCode::as_str), Some(expected));
        }
    }
    let combo = SkuDefinition {
        components: vec![
            Component {
                sku: sku("TEA-LJ-250"),
                quantity: q(1),
            },
            Component {
                sku: sku("CUP-GL-01"),
                quantity: q(2),
            },
        ],
        ..SkuDefinition::plain(sku("KIT-1"), "kit")
    };
    store.put_sku(&combo).await.unwrap();
    let map = store.sku_map().await.unwrap();
    assert_eq!(
        map.resolve(shop, "", "KIT-1", q(2)),
        domain::SkuResolution::Goods(vec![(sku("TEA-LJ-250"), 2), (sku("CUP-GL-01"), 4)])
    );
}

pub(crate) async fn remap_rederives_from_kept_documents(db: &TestDb) {
    let store = db.open().await;
    let shop = shop(&store).await;
    let it = item(shop, "M1", 0);
    let id = store
        .ingest_batch(batch(shop, vec![it.clone()], None))
        .await
        .unwrap()
        .changed[0];
    let docs = store.order_documents(shop, T0, None, 10).await.unwrap();
    assert_eq!(docs, vec![(id, it.raw.clone())]);
    assert!(
        store
            .order_documents(shop, T0.plus_millis(1), None, 10)
            .await
            .unwrap()
            .is_empty(),
        "only orders ingested since"
    );
    let before = store.load_order(id).await.unwrap();

    // A fixed mapping now reads the buyer's message and sees that the platform closed the order.
    let mut fixed = it.order.clone();
    fixed.buyer_message = "周末送货".to_owned();
    fixed.platform_state = PlatformState::Cancelled;
    let actor = Actor::User("ops".to_owned());
    assert_eq!(
        store
            .rederive_orders(vec![(id, fixed.clone())], &actor, T0)
            .await
            .unwrap(),
        1
    );
    let after = store.load_order(id).await.unwrap();
    assert_eq!(after.data, fixed);
    assert_eq!(after.lifecycle.status, OrderStatus::Cancelled);
    assert!(after.version > before.version);
    assert_eq!(
        store.raw_document(id).await.unwrap(),
        it.raw,
        "the kept document is the same"
    );
    let kinds: Vec<String> = store
        .order_events(id)
        .await
        .unwrap()
        .into_iter()
        .map(|it| it.kind)
        .collect();
    assert_eq!(kinds, ["ingest:insert", "cancel", "remap"]);
    assert_eq!(
        store
            .rederive_orders(vec![(id, fixed)], &actor, T0)
            .await
            .unwrap(),
        0,
        "the same data changes nothing"
    );
    let other = item(shop, "M2", 0).order;
    assert!(
        matches!(
            store.rederive_orders(vec![(id, other)], &actor, T0).await,
            Err(Error::Invalid { .. })
        ),
        "a document of another order is refused"
    );
}

pub(crate) async fn unresolved_addresses_hold_until_fixed(db: &TestDb) {
    use app::{SkuDefinition, rescreen_held, screen};
    use domain::{HoldReason, Receiver};

    let store = db.open().await;
    let shop = shop(&store).await;
    for code in test_support::product_codes() {
        store
            .put_sku(&SkuDefinition::plain(sku(code), code))
            .await
            .unwrap();
    }
    let items: Vec<IngestItem> = (0..30)
        .map(|n| item(shop, &format!("A{n:02}"), 0))
        .collect();
    let in_nanshan = items
        .iter()
        .filter(|it| it.order.receiver.district == "南山区")
        .count() as u32;
    assert!(in_nanshan > 0 && in_nanshan < 30);
    let ids = store
        .ingest_batch(batch(shop, items, None))
        .await
        .unwrap()
        .changed;
    // Pretend the parser could not tell which 南山区 is meant.
    let doubtful = |r: &Receiver| (r.district == "南山区").then_some(HoldReason::AddressAmbiguous);
    let actor = Actor::System;
    assert_eq!(
        screen(store.as_ref(), &ids, &doubtful, &actor, T0)
            .await
            .unwrap()
            .held,
        in_nanshan
    );
    let held = store
        .search_orders(&OrderQuery {
            status: Some(OrderStatus::OnHold),
            limit: 100,
            ..OrderQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(held.len() as u32, in_nanshan);
    let order = store.load_order(held[0].id).await.unwrap();
    assert!(
        order
            .lifecycle
            .holds
            .contains(&HoldReason::AddressAmbiguous)
    );
    // The address is sorted out: screening again releases them.
    let fine = |_: &Receiver| None;
    assert_eq!(
        rescreen_held(store.as_ref(), &fine, &actor, T0)
            .await
            .unwrap()
            .released,
        in_nanshan
    );
    assert!(
        store
            .search_orders(&OrderQuery {
                status: Some(OrderStatus::OnHold),
                limit: 100,
                ..OrderQuery::default()
            })
            .await
            .unwrap()
            .is_empty()
    );
}
