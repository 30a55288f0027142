//! The connector compliance suite, written once: every connector, against its own simulator on
//! 127.0.0.1, must pull a busy shop completely through the sync loop of `app` (many windows and
//! pages, with rate limits, a burst of server errors, an expired session and stale re-deliveries)
//! and end with every order present exactly once at its latest version; and its write-backs
//! (a shipment confirmation, a stock level) must reach the platform exactly once from the platform's
//! point of view, even when delivered twice. Each platform's test file implements [`Platform`] and
//! calls [`run_all`].

#![allow(dead_code, unreachable_pub)]

use std::collections::BTreeMap;
use std::sync::Arc;

use app::{
    Clock, Connector, IngestBatch, IngestItem, ListedStock, ManualClock, Pause, RetryPolicy,
    ShipmentConfirmation, Store, Stream,
};
use domain::{Actor, ChannelKind, ExternalId, Shop, Timestamp};
use test_support::TestDb;

pub const MINUTE: i64 = 60_000;
pub const HOUR: i64 = 60 * MINUTE;

/// A platform's simulator, started on loopback, and a connector pointed at it.
#[allow(async_fn_in_trait)]
pub trait Platform: Sized {
    fn channel() -> ChannelKind;
    /// A simulated shop with `history_hours` of trading at `orders_per_hour` before `clock`'s now,
    /// still trading, behind a rate limit tight enough to be met.
    async fn start(
        clock: Arc<ManualClock>,
        shop: &Shop,
        orders_per_hour: u32,
        history_hours: u32,
    ) -> Self;
    fn connector(&self) -> Arc<dyn Connector>;
    /// A document of this platform mapped as the connector maps it.
    fn map(&self, raw: &[u8]) -> domain::StandardOrder;
    /// Every order the platform holds, by id, with its last modification.
    fn truth(&self) -> BTreeMap<String, Timestamp>;
    /// The next `calls` calls fail as the platform fails when it is down.
    fn inject_server_errors(&self, calls: u32);
    /// The connector's session stops working now; its refresh credentials still work.
    fn expire_session(&self);
    /// An order the platform would let us ship now.
    fn shippable(&self) -> Option<String>;
    /// Accepted shipment confirmations of an order: tracking numbers.
    fn confirmations(&self, external_id: &str) -> Vec<String>;
    /// A listing to push stock to.
    fn listing(&self) -> ListedStock;
    /// Accepted stock updates of a listing: the quantities, in order.
    fn stock_updates(&self, listing: &ListedStock) -> Vec<i64>;
    async fn stop(self);
}

/// Waits by moving the shared clock: a ban on the simulator lifts when its time has passed.
struct ClockPause(Arc<ManualClock>);

#[async_trait::async_trait]
impl Pause for ClockPause {
    async fn pause(&self, millis: i64) {
        self.0.advance_millis(millis.max(1));
    }
}

async fn sync(
    store: &dyn Store,
    connector: &dyn Connector,
    shop: &Shop,
    clock: &Arc<ManualClock>,
    first_from: Timestamp,
) -> app::SyncReport {
    let pause = ClockPause(clock.clone());
    let mut seed = 7i64;
    let mut jitter = |max: i64| {
        seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
        if max > 0 { seed % (max + 1) } else { 0 }
    };
    app::sync_orders(
        store,
        connector,
        shop,
        first_from,
        clock.now(),
        &pause,
        &mut jitter,
        RetryPolicy::default(),
    )
    .await
    .unwrap_or_else(|err| panic!("sync of {} failed: {err}", shop.code))
}

/// About `orders_per_hour × history_hours` orders pulled over several runs with faults between
/// them; in the end every order the platform modified before the last run's horizon is stored
/// exactly once at its latest version.
pub async fn full_pull<P: Platform>(orders_per_hour: u32, history_hours: u32) {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let channel = P::channel();
    let shop = store
        .ensure_shop(&format!("{}-sim", channel.as_str()), channel, "simulated")
        .await
        .unwrap();
    let start = Timestamp::from_unix_millis(1_718_683_200_000); // 2024-06-18 12:00 GMT+8
    let clock = Arc::new(ManualClock::new(start));
    let platform = P::start(clock.clone(), &shop, orders_per_hour, history_hours).await;
    let connector = platform.connector();
    let first_from = start.plus_millis(-i64::from(history_hours) * HOUR - HOUR);

    let first = sync(
        store.as_ref(),
        connector.as_ref(),
        &shop,
        &clock,
        first_from,
    )
    .await;
    assert!(
        first.windows > 10 && first.pages > first.windows,
        "{first:?}"
    );
    assert!(first.retries > 0, "the rate limit was never met: {first:?}");
    // Documents as first stored, to deliver again later, out of order.
    let early: Vec<(ExternalId, app::RawDocument)> = {
        let mut out = Vec::new();
        for id in first.changed.iter().rev().take(300) {
            let order = store.load_order(*id).await.unwrap();
            out.push((
                order.data.external_id.clone(),
                store.raw_document(*id).await.unwrap(),
            ));
        }
        out
    };

    clock.advance_millis(15 * MINUTE);
    platform.inject_server_errors(3);
    let second = sync(
        store.as_ref(),
        connector.as_ref(),
        &shop,
        &clock,
        first_from,
    )
    .await;
    assert!(
        second.retries >= 3,
        "the server errors were retried: {second:?}"
    );

    clock.advance_millis(15 * MINUTE);
    platform.expire_session();
    let third = sync(
        store.as_ref(),
        connector.as_ref(),
        &shop,
        &clock,
        first_from,
    )
    .await;
    assert!(
        third.unchanged > 0,
        "overlapping windows deliver duplicates: {third:?}"
    );

    // Stale re-deliveries: the first versions of orders that changed since.
    let mut stale = Vec::new();
    for (external_id, raw) in &early {
        let current = store
            .find_order(shop.id, external_id)
            .await
            .unwrap()
            .unwrap();
        let current_raw = store.raw_document(current.id).await.unwrap();
        if current_raw.body != raw.body {
            let order = platform.map(&raw.body);
            assert!(order.updated_at < current.data.updated_at);
            stale.push(IngestItem {
                raw: raw.clone(),
                order,
            });
        }
    }
    assert!(
        !stale.is_empty(),
        "some early orders changed on the platform"
    );
    let replayed = store
        .ingest_batch(IngestBatch {
            shop: shop.id,
            stream: Stream::Orders,
            items: stale,
            cursor: None,
            actor: Actor::Platform(shop.code.clone()),
            at: clock.now(),
        })
        .await
        .unwrap();
    assert_eq!(
        replayed.inserted + replayed.updated,
        0,
        "older versions never win: {replayed:?}"
    );

    clock.advance_millis(15 * MINUTE);
    let last = sync(
        store.as_ref(),
        connector.as_ref(),
        &shop,
        &clock,
        first_from,
    )
    .await;
    let horizon = last.watermark.expect("the last run stored a window");

    for (run, report) in [
        ("first", &first),
        ("second", &second),
        ("third", &third),
        ("last", &last),
    ] {
        eprintln!(
            "{run}: {} windows, {} pages, {} fetched, {} new, {} updated, {} unchanged, {} older, {} rejected, {} retries",
            report.windows,
            report.pages,
            report.fetched,
            report.inserted,
            report.updated,
            report.unchanged,
            report.stale,
            report.rejected,
            report.retries
        );
    }
    let truth = platform.truth();
    let mut expected = 0;
    for (external_id, modified) in &truth {
        if *modified >= horizon.plus_millis(-1000) {
            continue;
        }
        expected += 1;
        let id = ExternalId::new(external_id.as_str()).unwrap();
        let order = store
            .find_order(shop.id, &id)
            .await
            .unwrap()
            .unwrap_or_else(|| {
                panic!("order {external_id} (modified {modified}) was never stored")
            });
        assert_eq!(
            order.data.updated_at, *modified,
            "order {external_id} is not at its latest version"
        );
    }
    let stored: u64 = store
        .count_orders()
        .await
        .unwrap()
        .iter()
        .map(|(_, n)| n)
        .sum();
    eprintln!(
        "{expected} orders checked at their latest version, {stored} stored, {} on the platform",
        truth.len()
    );
    assert!(
        expected as f64 >= f64::from(orders_per_hour) * f64::from(history_hours) * 0.8,
        "{expected} orders"
    );
    assert!(
        stored as usize >= expected && stored as usize <= truth.len(),
        "stored {stored}, expected {expected}, platform {}",
        truth.len()
    );
    platform.stop().await;
}

/// A confirmation delivered twice and a stock level pushed twice reach the platform once each.
pub async fn write_backs_arrive_once<P: Platform>() {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let channel = P::channel();
    let shop = store
        .ensure_shop(&format!("{}-sim", channel.as_str()), channel, "simulated")
        .await
        .unwrap();
    let start = Timestamp::from_unix_millis(1_718_683_200_000);
    let clock = Arc::new(ManualClock::new(start));
    let platform = P::start(clock.clone(), &shop, 30, 6).await;
    let connector = platform.connector();
    let external_id = platform
        .shippable()
        .expect("a paid order waits to be shipped");
    let confirmation = ShipmentConfirmation {
        external_id: external_id.clone(),
        line_ids: Vec::new(),
        carrier: "SF".to_owned(),
        tracking_no: "SF1234567890123".to_owned(),
    };
    connector
        .confirm_shipment(&confirmation, clock.now())
        .await
        .unwrap();
    connector
        .confirm_shipment(&confirmation, clock.now())
        .await
        .expect("a repeated confirmation is harmless");
    assert_eq!(platform.confirmations(&external_id), ["SF1234567890123"]);
    let other = ShipmentConfirmation {
        tracking_no: "SF9999999999999".to_owned(),
        ..confirmation
    };
    assert!(
        connector
            .confirm_shipment(&other, clock.now())
            .await
            .is_err(),
        "another tracking number for a shipped order is refused"
    );

    let mut listing = platform.listing();
    listing.quantity = 37;
    connector
        .push_stock(std::slice::from_ref(&listing), clock.now())
        .await
        .unwrap();
    connector
        .push_stock(std::slice::from_ref(&listing), clock.now())
        .await
        .unwrap();
    let updates = platform.stock_updates(&listing);
    assert!(
        !updates.is_empty() && updates.iter().all(|it| *it == 37),
        "{updates:?}"
    );
    platform.stop().await;
}
