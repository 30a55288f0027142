//! Screening after ingest: each changed order's lines are resolved to our SKUs (a combo stays one line
//! here; routing explodes it) and its receiver's address is checked. An order with a line nobody has
//! mapped is held `unknown_sku`; one whose address could not be resolved is held `address_ambiguous` or
//! `address_incomplete`. Screening again after a fix releases what no longer applies.

use domain::{
    Actor, HoldReason, Lifecycle, OrderEvent, OrderId, OrderStatus, Receiver, SkuMap, Timestamp,
};

use crate::error::Result;
use crate::store::{OrderQuery, Store};

/// What a screening pass changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScreenReport {
    pub held: u32,
    pub released: u32,
}

/// Decides whether a receiver's address holds its order; the caller passes the address parser in.
pub type AddressCheck<'a> = &'a (dyn Fn(&Receiver) -> Option<HoldReason> + Sync);

/// The hold reasons screening manages; other holds (risk, a person's) are left alone.
const SCREENED: [HoldReason; 3] = [
    HoldReason::UnknownSku,
    HoldReason::AddressAmbiguous,
    HoldReason::AddressIncomplete,
];

/// Screens `orders`: sets each line's SKU from the mapping tables and holds or releases the screened
/// reasons.
pub async fn screen(
    store: &dyn Store,
    orders: &[OrderId],
    address: AddressCheck<'_>,
    actor: &Actor,
    at: Timestamp,
) -> Result<ScreenReport> {
    let map = store.sku_map().await?;
    let mut report = ScreenReport::default();
    for id in orders {
        screen_one(store, &map, *id, address, actor, at, &mut report).await?;
    }
    Ok(report)
}

#[allow(clippy::too_many_arguments)]
async fn screen_one(
    store: &dyn Store,
    map: &SkuMap,
    id: OrderId,
    address: AddressCheck<'_>,
    actor: &Actor,
    at: Timestamp,
    report: &mut ScreenReport,
) -> Result<()> {
    let mut order = store.load_order(id).await?;
    let skus: Vec<_> = order
        .data
        .lines
        .iter()
        .map(|line| {
            (
                line.line_no,
                map.mapped_code(
                    order.data.shop,
                    &line.platform_sku_id,
                    &line.seller_sku_code,
                ),
            )
        })
        .collect();
    let current: Vec<_> = order
        .data
        .lines
        .iter()
        .map(|it| (it.line_no, it.sku.clone()))
        .collect();
    if current != skus {
        store.set_line_skus(id, &skus).await?;
        order = store.load_order(id).await?;
    }
    let unknown = skus.iter().any(|(_, sku)| sku.is_none());
    let address_hold = address(&order.data.receiver);
    for reason in SCREENED {
        let wanted = match reason {
            HoldReason::UnknownSku => unknown,
            HoldReason::AddressAmbiguous | HoldReason::AddressIncomplete => {
                address_hold == Some(reason)
            }
            HoldReason::OutOfStock
            | HoldReason::BuyerMessage
            | HoldReason::HighAmount
            | HoldReason::Risk
            | HoldReason::RefundPending
            | HoldReason::DoNotShip
            | HoldReason::Manual => false,
        };
        let event = match (
            wanted,
            order.lifecycle.holds.contains(&reason),
            holdable(&order.lifecycle),
        ) {
            (true, false, true) => OrderEvent::Hold(reason),
            (false, true, _) => OrderEvent::Release(Some(reason)),
            // Unpaid, allocated or later orders keep going; routing will not plan what it cannot.
            (true, false, false) | (true, true, _) | (false, false, _) => continue,
        };
        order = store
            .apply_order_event(id, order.version, event, actor, at)
            .await?;
        match event {
            OrderEvent::Hold(_) => report.held += 1,
            OrderEvent::Release(_) => report.released += 1,
            OrderEvent::Pay
            | OrderEvent::Allocate
            | OrderEvent::Deallocate
            | OrderEvent::StartFulfilment
            | OrderEvent::ShipPart
            | OrderEvent::ShipAll
            | OrderEvent::Complete
            | OrderEvent::Cancel => {}
        }
    }
    Ok(())
}

fn holdable(lifecycle: &Lifecycle) -> bool {
    matches!(
        lifecycle.status,
        OrderStatus::Paid | OrderStatus::Released | OrderStatus::OnHold
    )
}

/// After a fix (a SKU mapped, an address corrected): screens every held order again.
pub async fn rescreen_held(
    store: &dyn Store,
    address: AddressCheck<'_>,
    actor: &Actor,
    at: Timestamp,
) -> Result<ScreenReport> {
    let map = store.sku_map().await?;
    let mut report = ScreenReport::default();
    let mut before = None;
    loop {
        let page = store
            .search_orders(&OrderQuery {
                status: Some(OrderStatus::OnHold),
                before,
                limit: 1000,
                ..OrderQuery::default()
            })
            .await?;
        let Some(last) = page.last() else { break };
        before = Some(last.id);
        for summary in page {
            screen_one(store, &map, summary.id, address, actor, at, &mut report).await?;
        }
    }
    Ok(report)
}
