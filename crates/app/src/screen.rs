//! Screening after ingest: each changed order's lines are resolved to our SKUs (a combo stays one line
//! here; routing explodes it). An order with a line nobody has mapped is held `unknown_sku`; fixing the
//! mapping releases it.

use domain::{Actor, HoldReason, OrderEvent, OrderId, OrderStatus, SkuMap, Timestamp};

use crate::error::Result;
use crate::store::{OrderQuery, Store};

/// What a screening pass changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ScreenReport {
    pub held: u32,
    pub released: u32,
}

/// Resolves the lines of `orders` against the SKU tables, holds those with unknown lines and releases
/// the `unknown_sku` hold of those whose lines all resolve now.
pub async fn screen_skus(
    store: &dyn Store,
    orders: &[OrderId],
    actor: &Actor,
    at: Timestamp,
) -> Result<ScreenReport> {
    let map = store.sku_map().await?;
    let mut report = ScreenReport::default();
    for id in orders {
        screen_one(store, &map, *id, actor, at, &mut report).await?;
    }
    Ok(report)
}

async fn screen_one(
    store: &dyn Store,
    map: &SkuMap,
    id: OrderId,
    actor: &Actor,
    at: Timestamp,
    report: &mut ScreenReport,
) -> Result<()> {
    let order = store.load_order(id).await?;
    let mut unknown = false;
    let mut skus = Vec::with_capacity(order.data.lines.len());
    for line in &order.data.lines {
        let sku = map.mapped_code(
            order.data.shop,
            &line.platform_sku_id,
            &line.seller_sku_code,
        );
        unknown |= sku.is_none();
        skus.push((line.line_no, sku));
    }
    let current: Vec<_> = order
        .data
        .lines
        .iter()
        .map(|it| (it.line_no, it.sku.clone()))
        .collect();
    if current != skus {
        store.set_line_skus(id, &skus).await?;
    }
    let held = order.lifecycle.holds.contains(&HoldReason::UnknownSku);
    match (unknown, held, order.lifecycle.status) {
        (true, false, OrderStatus::Paid | OrderStatus::Released | OrderStatus::OnHold) => {
            store
                .apply_order_event(
                    id,
                    order.version,
                    OrderEvent::Hold(HoldReason::UnknownSku),
                    actor,
                    at,
                )
                .await?;
            report.held += 1;
        }
        (false, true, _) => {
            store
                .apply_order_event(
                    id,
                    order.version,
                    OrderEvent::Release(Some(HoldReason::UnknownSku)),
                    actor,
                    at,
                )
                .await?;
            report.released += 1;
        }
        // Unpaid, allocated or later orders keep going; routing will not plan an unknown line.
        (true, _, _) | (false, false, _) => {}
    }
    Ok(())
}

/// After a mapping fix: screens every order held `unknown_sku` again.
pub async fn release_sku_holds(
    store: &dyn Store,
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
            screen_one(store, &map, summary.id, actor, at, &mut report).await?;
        }
    }
    Ok(report)
}
