//! The dashboard's flow figures follow the event log: a stage's time runs from where it began
//! (payment, planning or the last give-back, the claim) to where it ended, the median and p90 are
//! nearest ranks, a period leaves out what ended before it, and arrivals count per hour.

use std::sync::Arc;

use app::{StageTimes, Store};
use domain::{Actor, OrderId, Shipment, ShipmentEvent, Stage, Timestamp, TrackingNumber};
use test_support::TestDb;

use crate::stories::{T0, planned_shipment};

const MINUTE: i64 = 60_000;

fn at(minutes: i64) -> Timestamp {
    T0.plus_millis(minutes * MINUTE)
}

async fn apply(
    store: &Arc<dyn Store>,
    shipment: &Shipment,
    event: ShipmentEvent,
    minutes: i64,
) -> Shipment {
    let packer = Actor::User("packer-a".to_owned());
    let current = store.load_shipment(shipment.id).await.unwrap();
    store
        .apply_shipment_event(current.id, current.version, &event, &packer, at(minutes))
        .await
        .unwrap()
}

/// A claim by `packer-a` holding for a day.
fn claim() -> ShipmentEvent {
    ShipmentEvent::Claim {
        holder: "packer-a".to_owned(),
        until: at(24 * 60),
    }
}

/// `packer-a` ships `shipment` with `tracking`.
fn ship(shipment: &Shipment, tracking: &str) -> ShipmentEvent {
    ShipmentEvent::Ship {
        holder: "packer-a".to_owned(),
        scanned: shipment.barcode(),
        tracking: TrackingNumber::parse(tracking).unwrap(),
    }
}

/// The nearest-rank median and p90 of `millis`.
fn ranks(mut millis: Vec<i64>) -> (i64, i64) {
    millis.sort_unstable();
    let pick = |percent: usize| millis[(percent * millis.len()).div_ceil(100) - 1];
    (pick(50), pick(90))
}

async fn paid_at(store: &Arc<dyn Store>, id: OrderId) -> i64 {
    let order = store.load_order(id).await.unwrap();
    order
        .data
        .paid_at
        .expect("synthetic orders are paid")
        .unix_millis()
}

pub(crate) async fn flow_figures_follow_the_event_log(db: &TestDb) {
    let store = db.open().await;
    // Three parcels planned (and their orders allocated) at T0.
    let (first, one) = planned_shipment(&store, "FLOW-1").await;
    let (second, two) = planned_shipment(&store, "FLOW-2").await;
    let (third, three) = planned_shipment(&store, "FLOW-3").await;
    // One: claimed after 10 minutes, shipped 30 minutes later.
    apply(&store, &one, claim(), 10).await;
    let claimed = store.load_shipment(one.id).await.unwrap();
    apply(&store, &one, ship(&claimed, "SF1400123456781"), 40).await;
    // Two: claimed after 20, given back at 30, claimed again at 50 (20 after the give-back),
    // shipped at 110 (60 after the second claim).
    apply(&store, &two, claim(), 20).await;
    let give_back = ShipmentEvent::GiveBack {
        holder: "packer-a".to_owned(),
    };
    apply(&store, &two, give_back, 30).await;
    apply(&store, &two, claim(), 50).await;
    let claimed = store.load_shipment(two.id).await.unwrap();
    apply(&store, &two, ship(&claimed, "SF1400123456782"), 110).await;
    // Three: claimed after 5 minutes, not shipped.
    apply(&store, &three, claim(), 5).await;

    let figures = store
        .flow_figures(T0.plus_millis(-3_600_000))
        .await
        .unwrap();
    let stage = |wanted: Stage| -> StageTimes {
        figures
            .stages
            .iter()
            .find(|it| it.stage == wanted)
            .unwrap_or_else(|| panic!("no {wanted:?} in {figures:?}"))
            .clone()
    };
    let claims = stage(Stage::Claim);
    assert_eq!(claims.completed, 4, "{claims:?}");
    assert_eq!(
        (claims.median_millis, claims.p90_millis),
        (10 * MINUTE, 20 * MINUTE)
    );
    let ships = stage(Stage::Ship);
    assert_eq!(ships.completed, 2, "{ships:?}");
    assert_eq!(
        (ships.median_millis, ships.p90_millis),
        (30 * MINUTE, 60 * MINUTE)
    );
    let mut allocations = Vec::new();
    for id in [first, second, third] {
        allocations.push(T0.unix_millis() - paid_at(&store, id).await);
    }
    let allocate = stage(Stage::Allocate);
    assert_eq!(allocate.completed, 3);
    assert_eq!(
        (allocate.median_millis, allocate.p90_millis),
        ranks(allocations)
    );
    let promised = stage(Stage::Promised);
    assert_eq!(
        promised.completed, 2,
        "the two orders whose last parcel left"
    );
    let shipped = vec![
        at(40).unix_millis() - paid_at(&store, first).await,
        at(110).unix_millis() - paid_at(&store, second).await,
    ];
    assert_eq!(
        (promised.median_millis, promised.p90_millis),
        ranks(shipped)
    );
    let hour = T0.unix_millis() - T0.unix_millis().rem_euclid(3_600_000);
    assert_eq!(
        figures.arrivals,
        vec![(Timestamp::from_unix_millis(hour), 3)]
    );

    // A period from minute 15 leaves out the allocations, the arrivals and the early claims.
    let later = store.flow_figures(at(15)).await.unwrap();
    assert!(later.arrivals.is_empty(), "{later:?}");
    let stages: Vec<(Stage, u64)> = later
        .stages
        .iter()
        .map(|it| (it.stage, it.completed))
        .collect();
    assert_eq!(
        stages,
        vec![(Stage::Claim, 2), (Stage::Promised, 2), (Stage::Ship, 2)],
        "{later:?}"
    );
    let claims = later
        .stages
        .iter()
        .find(|it| it.stage == Stage::Claim)
        .unwrap();
    assert_eq!(
        (claims.median_millis, claims.p90_millis),
        (20 * MINUTE, 20 * MINUTE)
    );
}
