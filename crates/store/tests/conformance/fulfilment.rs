//! Fulfilment stories: claims and their leases, interception, and after-sales with their effects on
//! the order, the stock and the money.

use std::sync::Arc;

use app::{
    AfterSaleAction, Error, Lease, NewAfterSale, ScanOutcome, Station, Store, claim_batch,
    expire_lapsed_claims,
};
use domain::{
    Actor, AfterSale, AfterSaleKind, AfterSaleLine, AfterSaleStatus, Money, OrderId, OrderStatus,
    RefundState, ShipmentError, ShipmentEvent, ShipmentStatus,
};
use test_support::TestDb;

use crate::stories::{T0, batch, claim, claimed_shipment, item, q, ship, shop, wh};

fn packer() -> Actor {
    Actor::User("packer-a".to_owned())
}

fn service() -> Actor {
    Actor::User("cs".to_owned())
}

/// An after-sale of every line of the order, refunding what each line paid.
async fn open_case(store: &Arc<dyn Store>, order: OrderId, kind: AfterSaleKind) -> AfterSale {
    let loaded = store.load_order(order).await.unwrap();
    let lines = loaded
        .data
        .lines
        .iter()
        .map(|it| AfterSaleLine {
            line_no: it.line_no,
            quantity: it.quantity,
            refund: it.paid,
        })
        .collect();
    let case = NewAfterSale {
        order,
        external_id: String::new(),
        kind,
        reason: "买家不想要了".to_owned(),
        lines,
    };
    store
        .create_after_sale(&case, &service(), T0)
        .await
        .unwrap()
}

async fn act(store: &Arc<dyn Store>, case: &AfterSale, action: AfterSaleAction) -> AfterSale {
    store
        .apply_after_sale(case.id, case.version, &action, "", &service(), T0)
        .await
        .unwrap()
}

async fn reserved_of(store: &Arc<dyn Store>, order: OrderId) -> i64 {
    let loaded = store.load_order(order).await.unwrap();
    let mut reserved = 0;
    for line in &loaded.data.lines {
        let level = store
            .stock_level(&wh("JX01"), line.sku.as_ref().unwrap())
            .await
            .unwrap();
        reserved += level.reserved;
    }
    reserved
}

pub(crate) async fn one_of_two_holders_claims_a_shipment(db: &TestDb) {
    let store = db.open().await;
    for round in 0..5 {
        let (_, planned) =
            crate::stories::planned_shipment(&store, &format!("CLAIM-{round}")).await;
        let mut tasks = Vec::new();
        for holder in ["jx-station-1", "gz-station-1"] {
            let (store, planned) = (store.clone(), planned.clone());
            tasks.push(tokio::spawn(async move {
                let actor = Actor::User(holder.to_owned());
                store
                    .apply_shipment_event(planned.id, planned.version, &claim(holder), &actor, T0)
                    .await
            }));
        }
        let mut results = Vec::new();
        for task in tasks {
            results.push(task.await.unwrap());
        }
        let winners: Vec<_> = results.iter().filter_map(|it| it.as_ref().ok()).collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        let stored = store.load_shipment(planned.id).await.unwrap();
        assert_eq!(stored.holder, winners[0].holder);
        // The loser sees who holds it, and cannot move it.
        let loser = match winners[0].holder.as_deref() {
            Some("jx-station-1") => "gz-station-1",
            _ => "jx-station-1",
        };
        let refused = store
            .apply_shipment_event(
                stored.id,
                stored.version,
                &ShipmentEvent::Pick {
                    holder: loser.to_owned(),
                },
                &Actor::User(loser.to_owned()),
                T0,
            )
            .await;
        assert!(
            matches!(
                refused,
                Err(Error::Shipment(ShipmentError::ClaimedByOther { .. }))
            ),
            "{refused:?}"
        );
    }
}

pub(crate) async fn a_lapsed_claim_is_released(db: &TestDb) {
    let store = db.open().await;
    let (_, _, claimed) = claimed_shipment(&store, "LEASE-1").await;
    let until = claimed.lease_until.unwrap();
    assert!(
        store
            .lapsed_claims(until.plus_millis(-1))
            .await
            .unwrap()
            .is_empty()
    );
    let lapsed = store.lapsed_claims(until).await.unwrap();
    assert_eq!(lapsed, vec![(claimed.id, claimed.version)]);
    let early = store
        .apply_shipment_event(
            claimed.id,
            claimed.version,
            &ShipmentEvent::ExpireClaim,
            &Actor::System,
            until.plus_millis(-1),
        )
        .await;
    assert!(matches!(
        early,
        Err(Error::Shipment(ShipmentError::LeaseActive { .. }))
    ));
    let released = store
        .apply_shipment_event(
            claimed.id,
            claimed.version,
            &ShipmentEvent::ExpireClaim,
            &Actor::System,
            until,
        )
        .await
        .unwrap();
    assert_eq!(
        (released.status, released.holder.clone()),
        (ShipmentStatus::Released, None)
    );
    // Someone else may now claim it; a supervisor's take-over keeps the reason.
    let claimed = store
        .apply_shipment_event(
            released.id,
            released.version,
            &claim("packer-b"),
            &packer(),
            until,
        )
        .await
        .unwrap();
    let taken = store
        .apply_noted_shipment_event(
            claimed.id,
            claimed.version,
            &ShipmentEvent::TakeOver {
                holder: "supervisor".to_owned(),
                until: until.plus_millis(600_000),
            },
            "packer-b went home",
            &Actor::User("supervisor".to_owned()),
            until,
        )
        .await
        .unwrap();
    assert_eq!(taken.holder.as_deref(), Some("supervisor"));
}

pub(crate) async fn a_refund_intercepts_a_claimed_shipment(db: &TestDb) {
    let store = db.open().await;
    let (id, _, claimed) = claimed_shipment(&store, "INTERCEPT-1").await;
    assert!(reserved_of(&store, id).await > 0);
    let case = open_case(&store, id, AfterSaleKind::RefundOnly).await;
    assert_eq!(case.status, AfterSaleStatus::Requested);
    let approved = act(&store, &case, AfterSaleAction::Approve).await;
    assert_eq!(approved.status, AfterSaleStatus::Approved);

    let order = store.load_order(id).await.unwrap();
    assert_eq!(order.lifecycle.status, OrderStatus::Cancelled);
    assert!(
        order
            .data
            .lines
            .iter()
            .all(|it| it.refund == RefundState::Refunded)
    );
    assert_eq!(reserved_of(&store, id).await, 0, "the stock is released");

    let shipment = store.load_shipment(claimed.id).await.unwrap();
    assert_eq!(shipment.status, ShipmentStatus::Intercepted);
    assert!(shipment.lines.is_empty());
    let scan = store
        .apply_shipment_event(
            shipment.id,
            shipment.version,
            &ship("packer-a", &shipment),
            &packer(),
            T0,
        )
        .await;
    assert!(
        matches!(
            scan,
            Err(Error::Shipment(ShipmentError::Intercepted { .. }))
        ),
        "{scan:?}"
    );
    let resumed = store
        .apply_shipment_event(
            shipment.id,
            shipment.version,
            &ShipmentEvent::Resume {
                holder: "packer-a".to_owned(),
            },
            &packer(),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(resumed.status, ShipmentStatus::Voided);

    let refunded = act(&store, &approved, AfterSaleAction::Refund).await;
    assert_eq!(refunded.status, AfterSaleStatus::Refunded);
    let money = store.money_ledger(id).await.unwrap();
    assert_eq!(money.len(), 1);
    assert_eq!(money[0].amount.minor, -case.refund_minor());
    let log = store.order_events(id).await.unwrap();
    assert!(
        log.iter().any(|it| it.kind == "after_sale:approve"),
        "{log:?}"
    );
    assert!(
        log.iter().any(|it| it.kind == "after_sale:refund"),
        "{log:?}"
    );
}

/// A ship scan and a refund's approval race: either the parcel left and the refund names it for
/// interception with the carrier, or the refund won and the scan is refused. Never both, never neither.
pub(crate) async fn a_scan_racing_a_refund_never_does_both(db: &TestDb) {
    let store = db.open().await;
    for round in 0..6 {
        let (id, _, claimed) = claimed_shipment(&store, &format!("RACE-REFUND-{round}")).await;
        let case = open_case(&store, id, AfterSaleKind::RefundOnly).await;
        let scan = {
            let (store, claimed) = (store.clone(), claimed.clone());
            tokio::spawn(async move {
                store
                    .apply_shipment_event(
                        claimed.id,
                        claimed.version,
                        &ship("packer-a", &claimed),
                        &packer(),
                        T0,
                    )
                    .await
            })
        };
        let approve = {
            let (store, case) = (store.clone(), case.clone());
            tokio::spawn(async move {
                loop {
                    let current = store.load_after_sale(case.id).await.unwrap();
                    match store
                        .apply_after_sale(
                            current.id,
                            current.version,
                            &AfterSaleAction::Approve,
                            "",
                            &service(),
                            T0,
                        )
                        .await
                    {
                        // A scan that changed the order first: read again and retry.
                        Err(Error::Conflict(_)) => continue,
                        other => break other,
                    }
                }
            })
        };
        let scanned = scan.await.unwrap();
        let approved = approve.await.unwrap().unwrap();
        let shipment = store.load_shipment(claimed.id).await.unwrap();
        let order = store.load_order(id).await.unwrap();
        let shipped = shipment.status == ShipmentStatus::Shipped;
        let refunded = order
            .data
            .lines
            .iter()
            .all(|it| it.refund == RefundState::Refunded);
        assert!(
            shipped != refunded,
            "round {round}: shipped {shipped}, refunded {refunded}"
        );
        if shipped {
            assert!(scanned.is_ok());
            assert_eq!(order.lifecycle.status, OrderStatus::Shipped);
        } else {
            assert!(scanned.is_err(), "{scanned:?}");
            assert_eq!(shipment.status, ShipmentStatus::Intercepted);
            assert_eq!(order.lifecycle.status, OrderStatus::Cancelled);
            assert_eq!(reserved_of(&store, id).await, 0);
        }
        assert_eq!(approved.status, AfterSaleStatus::Approved);
    }
}

pub(crate) async fn a_platform_refund_intercepts_lines_being_packed(db: &TestDb) {
    let store = db.open().await;
    let (id, _, claimed) = claimed_shipment(&store, "PLATFORM-REFUND-1").await;
    let shop = shop(&store).await;
    let mut revised = item(shop, "PLATFORM-REFUND-1", 1);
    revised.order.lines[0].refund = RefundState::Requested;
    store
        .ingest_batch(batch(shop, vec![revised], None))
        .await
        .unwrap();
    let shipment = store.load_shipment(claimed.id).await.unwrap();
    assert_eq!(shipment.status, ShipmentStatus::Intercepted);
    assert!(shipment.lines.iter().all(|it| it.line_no != 1));
    assert_eq!(shipment.lines.len(), claimed.lines.len() - 1);
    // The holder puts line 1 back and ships the rest.
    let resumed = store
        .apply_shipment_event(
            shipment.id,
            shipment.version,
            &ShipmentEvent::Resume {
                holder: "packer-a".to_owned(),
            },
            &packer(),
            T0,
        )
        .await
        .unwrap();
    let shipped = store
        .apply_shipment_event(
            resumed.id,
            resumed.version,
            &ship("packer-a", &resumed),
            &packer(),
            T0,
        )
        .await
        .unwrap();
    assert_eq!(shipped.status, ShipmentStatus::Shipped);
    let order = store.load_order(id).await.unwrap();
    assert_eq!(order.lifecycle.status, OrderStatus::PartiallyShipped);
    let log = store.order_events(id).await.unwrap();
    assert!(!log.is_empty());
}

pub(crate) async fn a_return_restocks_or_writes_off_and_refunds(db: &TestDb) {
    let store = db.open().await;
    let (id, _, claimed) = claimed_shipment(&store, "RETURN-1").await;
    store
        .apply_shipment_event(
            claimed.id,
            claimed.version,
            &ship("packer-a", &claimed),
            &packer(),
            T0,
        )
        .await
        .unwrap();
    let order = store.load_order(id).await.unwrap();
    let before: Vec<i64> = {
        let mut levels = Vec::new();
        for line in &order.data.lines {
            let level = store
                .stock_level(&wh("JX01"), line.sku.as_ref().unwrap())
                .await
                .unwrap();
            levels.push(level.on_hand);
        }
        levels
    };
    let case = open_case(&store, id, AfterSaleKind::ReturnAndRefund).await;
    let approved = act(&store, &case, AfterSaleAction::Approve).await;
    assert_eq!(
        store.load_order(id).await.unwrap().lifecycle.status,
        OrderStatus::Shipped,
        "approving a return of shipped goods changes nothing until they arrive"
    );
    let refused = store
        .apply_after_sale(
            approved.id,
            approved.version,
            &AfterSaleAction::Refund,
            "",
            &service(),
            T0,
        )
        .await;
    assert!(matches!(refused, Err(Error::AfterSale(_))), "{refused:?}");
    let received = act(
        &store,
        &approved,
        AfterSaleAction::ReceiveReturn {
            warehouse: wh("JX01"),
            damaged: vec![1],
        },
    )
    .await;
    assert_eq!(received.status, AfterSaleStatus::Received);
    for (line, on_hand) in order.data.lines.iter().zip(&before) {
        let level = store
            .stock_level(&wh("JX01"), line.sku.as_ref().unwrap())
            .await
            .unwrap();
        let back: i64 = order
            .data
            .lines
            .iter()
            .filter(|it| it.line_no != 1 && it.sku == line.sku)
            .map(|it| i64::from(it.quantity.get()))
            .sum();
        assert_eq!(level.on_hand, on_hand + back, "line {}", line.line_no);
    }
    let first = order.data.lines[0].sku.clone().unwrap();
    let ledger = store.stock_ledger(&wh("JX01"), &first).await.unwrap();
    assert!(
        ledger.iter().any(|(kind, n, reference)| kind == "adjust"
            && *n < 0
            && reference.ends_with(":damaged")),
        "{ledger:?}"
    );
    let refunded = act(&store, &received, AfterSaleAction::Refund).await;
    assert_eq!(refunded.status, AfterSaleStatus::Refunded);
    let money = store.money_ledger(id).await.unwrap();
    let paid_back: i64 = money.iter().map(|it| it.amount.minor).sum();
    assert_eq!(paid_back, -case.refund_minor());
    let again = store
        .apply_after_sale(
            refunded.id,
            refunded.version,
            &AfterSaleAction::Refund,
            "",
            &service(),
            T0,
        )
        .await;
    assert!(again.is_err(), "a case refunds once");
    assert_eq!(store.money_ledger(id).await.unwrap().len(), 1);
}

pub(crate) async fn a_resend_ships_through_a_replacement_order(db: &TestDb) {
    let store = db.open().await;
    let (id, _, claimed) = claimed_shipment(&store, "RESEND-1").await;
    store
        .apply_shipment_event(
            claimed.id,
            claimed.version,
            &ship("packer-a", &claimed),
            &packer(),
            T0,
        )
        .await
        .unwrap();
    let original = store.load_order(id).await.unwrap();
    let first = &original.data.lines[0];
    let case = NewAfterSale {
        order: id,
        external_id: "RS-77".to_owned(),
        kind: AfterSaleKind::Resend,
        reason: "包裹丢失".to_owned(),
        lines: vec![AfterSaleLine {
            line_no: first.line_no,
            quantity: q(1),
            refund: Money::zero(original.data.currency),
        }],
    };
    let opened = store
        .create_after_sale(&case, &service(), T0)
        .await
        .unwrap();
    let again = store
        .create_after_sale(&case, &service(), T0)
        .await
        .unwrap();
    assert_eq!(again.id, opened.id, "a platform's case is kept once");
    let approved = act(&store, &opened, AfterSaleAction::Approve).await;
    let replaced = act(&store, &approved, AfterSaleAction::Replace).await;
    assert_eq!(replaced.status, AfterSaleStatus::Replaced);
    let replacement = store
        .load_order(replaced.replacement.unwrap())
        .await
        .unwrap();
    assert_eq!(replacement.lifecycle.status, OrderStatus::Paid);
    assert!(replacement.data.flags.replacement);
    assert_eq!(replacement.data.amounts.paid.minor, 0);
    assert_eq!(replacement.data.lines.len(), 1);
    assert_eq!(replacement.data.lines[0].sku, first.sku);
    assert_eq!(replacement.data.lines[0].quantity, q(1));
    assert_eq!(
        replacement.data.external_id.as_str(),
        format!("{}-R{}", original.data.external_id.as_str(), opened.id)
    );
    let open = store.after_sales(Some(id), true).await.unwrap();
    assert!(open.is_empty(), "{open:?}");
    assert_eq!(store.after_sales(Some(id), false).await.unwrap().len(), 1);
}

pub(crate) async fn a_station_ships_by_scans_and_refuses_wrong_ones(db: &TestDb) {
    let store = db.open().await;
    let (order, planned) = crate::stories::planned_shipment(&store, "STATION-1").await;
    let (_, other) = crate::stories::planned_shipment(&store, "STATION-2").await;
    let mut station = Station::new("jx-station-1", Lease::minutes(10));
    let mut rival = Station::new("jx-station-2", Lease::minutes(10));
    let actor = packer();
    let refused = |outcome: ScanOutcome| match outcome {
        ScanOutcome::Refused(message) => message,
        other => panic!("expected a refusal, got {other:?}"),
    };

    // A tracking number before any parcel is open.
    let message = refused(
        station
            .scan(&*store, "SF1400123456789", &actor, T0)
            .await
            .unwrap(),
    );
    assert!(message.contains("scan the shipment's barcode"), "{message}");

    // The barcode opens (claims) the parcel; a rival station then sees it held.
    let opened = station
        .scan(&*store, &planned.barcode(), &actor, T0)
        .await
        .unwrap();
    assert!(
        matches!(&opened, ScanOutcome::Opened(it) if it.holder.as_deref() == Some("jx-station-1"))
    );
    let message = refused(
        rival
            .scan(&*store, &planned.barcode(), &actor, T0)
            .await
            .unwrap(),
    );
    assert!(message.contains("jx-station-1"), "{message}");

    // A number that cannot be SF's is refused and changes nothing.
    let before = store.load_shipment(planned.id).await.unwrap();
    let message = refused(
        station
            .scan(&*store, "YT1234567890123", &actor, T0)
            .await
            .unwrap(),
    );
    assert!(message.contains("SF"), "{message}");
    assert_eq!(store.load_shipment(planned.id).await.unwrap(), before);

    let shipped = station
        .scan(&*store, "SF1400123456789", &actor, T0)
        .await
        .unwrap();
    let ScanOutcome::Shipped(shipped) = shipped else {
        panic!("{shipped:?}")
    };
    assert_eq!(shipped.status, ShipmentStatus::Shipped);
    let of_order = store.order_shipments(order).await.unwrap();
    assert_eq!(of_order, vec![shipped.clone()]);

    // Scanning it again, or putting its tracking number on another parcel, is refused.
    let message = refused(
        station
            .scan(&*store, &planned.barcode(), &actor, T0)
            .await
            .unwrap(),
    );
    assert!(message.contains("already shipped"), "{message}");
    station
        .scan(&*store, &other.barcode(), &actor, T0)
        .await
        .unwrap();
    let before = store.load_shipment(other.id).await.unwrap();
    let message = refused(
        station
            .scan(&*store, "SF1400123456789", &actor, T0)
            .await
            .unwrap(),
    );
    assert!(message.contains(&planned.barcode()), "{message}");
    assert_eq!(store.load_shipment(other.id).await.unwrap(), before);
    let message = refused(station.scan(&*store, "SH999999", &actor, T0).await.unwrap());
    assert!(message.contains("no shipment"), "{message}");
}

pub(crate) async fn a_batch_claim_skips_what_others_hold_and_lapsed_claims_expire(db: &TestDb) {
    let store = db.open().await;
    let (_, first) = crate::stories::planned_shipment(&store, "BATCH-1").await;
    let (_, second) = crate::stories::planned_shipment(&store, "BATCH-2").await;
    let (_, third) = crate::stories::planned_shipment(&store, "BATCH-3").await;
    // Another station holds the second one already.
    store
        .apply_shipment_event(
            second.id,
            second.version,
            &claim("gz-station-1"),
            &packer(),
            T0,
        )
        .await
        .unwrap();
    let lease = Lease::minutes(5);
    let batch = claim_batch(
        &*store,
        &wh("JX01"),
        "jx-station-1",
        5,
        lease,
        &packer(),
        T0,
    )
    .await
    .unwrap();
    let ids: Vec<_> = batch.iter().map(|it| it.id).collect();
    assert_eq!(ids, vec![first.id, third.id]);

    // Nothing lapsed yet; after five minutes the batch's leases have, the other station's has not.
    assert_eq!(expire_lapsed_claims(&*store, T0).await.unwrap(), 0);
    let later = T0.plus_millis(lease.millis);
    assert_eq!(expire_lapsed_claims(&*store, later).await.unwrap(), 2);
    for id in ids {
        let it = store.load_shipment(id).await.unwrap();
        assert_eq!(it.status, ShipmentStatus::Released);
        assert_eq!(it.holder, None);
    }
    // Released shipments are claimable again.
    let again = claim_batch(
        &*store,
        &wh("JX01"),
        "jx-station-3",
        1,
        lease,
        &packer(),
        later,
    )
    .await
    .unwrap();
    assert_eq!(again[0].id, first.id);
    let held = store.load_shipment(second.id).await.unwrap();
    assert_eq!(held.holder.as_deref(), Some("gz-station-1"));
}
