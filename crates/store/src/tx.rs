//! The SQL primitives one transaction offers, written once per backend; the use cases in `logic` are
//! written once, generic over them.
//!
//! The methods are `async` for PostgreSQL's sake. SQLite's implementation never awaits anything, so the
//! SQLite store drives the same futures to completion on its blocking thread with [`block_on`].

use std::future::Future;

use app::{RawDocument, Result};
use domain::{Lifecycle, Revision, StockLevel, Timestamp};

use crate::rows::{AfterSaleRow, LineRow, OrderRow, ShipmentRow};

/// What the ingest step needs to know about an order it already holds.
#[derive(Clone, Debug)]
pub(crate) struct HeldOrder {
    pub(crate) id: i64,
    pub(crate) external_id: String,
    pub(crate) revision: Revision,
    pub(crate) lifecycle: Lifecycle,
}

/// A new order's rows: its raw document, the order (its `raw_document_id` is filled in on insert) and
/// its lines.
pub(crate) struct NewOrderRows<'a> {
    pub(crate) raw: &'a RawDocument,
    pub(crate) content_hash: u64,
    pub(crate) order: OrderRow,
    pub(crate) lines: Vec<LineRow>,
}

/// One order line's progress columns.
#[derive(Clone, Copy, Debug)]
pub(crate) struct LineCounts {
    pub(crate) quantity: i64,
    pub(crate) planned: i64,
    pub(crate) shipped: i64,
}

/// One event row to append.
pub(crate) struct NewEvent<'a> {
    pub(crate) subject_kind: &'a str,
    pub(crate) subject_id: i64,
    pub(crate) kind: &'a str,
    pub(crate) actor: &'a str,
    pub(crate) at: Timestamp,
    pub(crate) before: &'a str,
    pub(crate) after: &'a str,
    /// A person's reason, or empty.
    pub(crate) note: &'a str,
}

#[allow(async_fn_in_trait)]
pub(crate) trait Tx {
    /// The orders of the shop with these external ids (any of them; unknown ids are simply absent).
    async fn find_held_orders(
        &mut self,
        shop_id: i64,
        external_ids: &[&str],
    ) -> Result<Vec<HeldOrder>>;
    /// Inserts new orders with their raw documents, lines and `ingest:insert` events; returns their ids
    /// in order. Row by row here; a backend with round trips overrides it with bulk statements.
    async fn insert_new_orders(
        &mut self,
        orders: Vec<NewOrderRows<'_>>,
        actor: &str,
        at: Timestamp,
    ) -> Result<Vec<i64>> {
        let mut ids = Vec::with_capacity(orders.len());
        for mut new in orders {
            let raw = new.raw;
            let hash = new.content_hash as i64;
            let external_id = raw.external_id.as_str();
            new.order.raw_document_id = self
                .insert_raw_document(
                    raw.shop.0,
                    external_id,
                    &raw.format,
                    raw.received_at.unix_millis(),
                    hash,
                    &raw.body,
                )
                .await?;
            let id = self.insert_order(&new.order).await?;
            self.insert_lines(id, &new.lines).await?;
            let after = new.order.status.as_str();
            self.append_event(NewEvent {
                subject_kind: "order",
                subject_id: id,
                kind: "ingest:insert",
                actor,
                at,
                before: "",
                after,
                note: "",
            })
            .await?;
            ids.push(id);
        }
        Ok(ids)
    }
    /// Locks the order's row (PostgreSQL) and returns it.
    async fn lock_order(&mut self, id: i64) -> Result<Option<OrderRow>>;
    async fn order_lines(&mut self, order_id: i64) -> Result<Vec<LineRow>>;
    async fn insert_raw_document(
        &mut self,
        shop_id: i64,
        external_id: &str,
        format: &str,
        received_at: i64,
        content_hash: i64,
        body: &[u8],
    ) -> Result<i64>;
    /// Keeps a raw document of a stream that is not orders, unless the same content of the same id is
    /// kept already; returns whether it was new.
    async fn keep_stream_document(
        &mut self,
        shop_id: i64,
        stream: &str,
        doc: &app::RawDocument,
        content_hash: i64,
    ) -> Result<bool>;
    async fn insert_order(&mut self, row: &OrderRow) -> Result<i64>;
    /// Replaces the platform's columns of an order, bumps its version and sets its lifecycle.
    async fn update_order(&mut self, id: i64, row: &OrderRow) -> Result<()>;
    /// Inserts the lines of a new order.
    async fn insert_lines(&mut self, order_id: i64, lines: &[LineRow]) -> Result<()>;
    async fn upsert_lines(&mut self, order_id: i64, lines: &[LineRow]) -> Result<()>;
    /// Drops lines past `last_line_no` that were never planned or shipped.
    async fn delete_lines_after(&mut self, order_id: i64, last_line_no: i64) -> Result<()>;
    /// Sets an order's lifecycle if it is still at `expected_version`; returns whether it was.
    async fn set_lifecycle(
        &mut self,
        id: i64,
        expected_version: i64,
        status: &str,
        holds: &str,
        exception: bool,
    ) -> Result<bool>;
    async fn append_event(&mut self, event: NewEvent<'_>) -> Result<()>;
    async fn set_cursor(&mut self, shop_id: i64, stream: &str, value: &str, at: i64) -> Result<()>;

    /// Locks and returns the stock row, creating an empty one (with the warehouse's oversell setting).
    async fn lock_stock(&mut self, warehouse: &str, sku: &str) -> Result<(i64, StockLevel)>;
    async fn lock_stock_by_id(&mut self, stock_id: i64) -> Result<StockLevel>;
    async fn write_stock(&mut self, stock_id: i64, level: StockLevel) -> Result<()>;
    async fn append_ledger(
        &mut self,
        stock_id: i64,
        kind: &str,
        quantity: i64,
        reference: &str,
        at: i64,
    ) -> Result<()>;
    async fn add_reservation(
        &mut self,
        order_id: i64,
        line_no: i64,
        stock_id: i64,
        quantity: i64,
    ) -> Result<()>;
    /// Open reservations of an order, optionally of one line in one warehouse: `(line_no, stock_id, quantity)`.
    async fn reservations(
        &mut self,
        order_id: i64,
        line: Option<(i64, &str)>,
    ) -> Result<Vec<(i64, i64, i64)>>;

    async fn lock_line(&mut self, order_id: i64, line_no: i64) -> Result<Option<LineCounts>>;
    async fn set_line_counts(
        &mut self,
        order_id: i64,
        line_no: i64,
        planned: i64,
        shipped: i64,
    ) -> Result<()>;

    /// Inserts a shipment (with the merge key orders of one buyer and address share); returns its id.
    async fn insert_shipment(&mut self, row: &ShipmentRow, merge_key: Option<&str>) -> Result<i64>;
    async fn insert_shipment_line(
        &mut self,
        shipment_id: i64,
        order_id: i64,
        line_no: i64,
        quantity: i64,
    ) -> Result<()>;
    async fn lock_shipment(&mut self, id: i64) -> Result<Option<ShipmentRow>>;
    async fn shipment_lines(&mut self, id: i64) -> Result<Vec<(i64, i64, i64)>>;
    /// Writes the shipment if it is still at `expected_version`; returns whether it was.
    async fn update_shipment(&mut self, row: &ShipmentRow, expected_version: i64) -> Result<bool>;

    /// After a stock row changed: queues a `stock.push` outbox row for its SKU (keyed by the SKU),
    /// unless one is already waiting, so shops list the new available quantity.
    async fn queue_stock_push(&mut self, stock_id: i64, at: i64) -> Result<()>;
    /// Records a routing decision of an order.
    async fn insert_decision(
        &mut self,
        order_id: i64,
        at: Timestamp,
        record: &app::DecisionRecord,
    ) -> Result<()>;
    /// An unclaimed shipment with this merge key, warehouse and carrier, locked; the newest if several.
    async fn find_merge_target(
        &mut self,
        merge_key: &str,
        warehouse: &str,
        carrier: Option<&str>,
    ) -> Result<Option<i64>>;
    /// The unclaimed (allocated) shipments holding lines of the order.
    async fn allocated_shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>>;
    /// Deletes the order's lines from a shipment; returns `(line_no, quantity)` of each.
    async fn remove_order_lines(
        &mut self,
        shipment_id: i64,
        order_id: i64,
    ) -> Result<Vec<(i64, i64)>>;
    async fn insert_outbox(
        &mut self,
        topic: &str,
        key: &str,
        payload: &[u8],
        at: i64,
    ) -> Result<i64>;

    // Fulfilment and after-sales.
    /// The shipments holding lines of the order that are not shipped or voided: allocated, released,
    /// claimed, picked, packed or intercepted.
    async fn open_shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>>;
    /// Every shipment holding a line of the order, in any status.
    async fn shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>>;
    /// Deletes one order line from a shipment.
    async fn remove_shipment_line(
        &mut self,
        shipment_id: i64,
        order_id: i64,
        line_no: i64,
    ) -> Result<()>;
    /// Sets a line's refund state and bumps its order's version.
    async fn set_line_refund(&mut self, order_id: i64, line_no: i64, state: &str) -> Result<()>;
    /// Open shipments, oldest first: of one warehouse or of all.
    async fn open_shipment_ids(&mut self, warehouse: Option<&str>, limit: i64) -> Result<Vec<i64>>;
    /// `(id, version)` of claimed shipments whose lease ended at or before `now`.
    async fn lapsed_claims(&mut self, now: i64) -> Result<Vec<(i64, i64)>>;
    /// The shipment already carrying this tracking number, if any.
    async fn shipment_with_tracking(&mut self, tracking: &str) -> Result<Option<i64>>;
    async fn find_after_sale(&mut self, order_id: i64, external_id: &str) -> Result<Option<i64>>;
    async fn insert_after_sale(&mut self, row: &AfterSaleRow, at: i64) -> Result<i64>;
    async fn insert_after_sale_line(
        &mut self,
        after_sale_id: i64,
        line_no: i64,
        quantity: i64,
        refund_minor: i64,
    ) -> Result<()>;
    /// Locks the after-sale's row (PostgreSQL) and returns it.
    async fn lock_after_sale(&mut self, id: i64) -> Result<Option<AfterSaleRow>>;
    /// `(line_no, quantity, refund_minor)` of the after-sale's lines.
    async fn after_sale_lines(&mut self, id: i64) -> Result<Vec<(i64, i64, i64)>>;
    /// Moves the after-sale on if it is still at `expected_version`; returns whether it was.
    async fn update_after_sale(
        &mut self,
        id: i64,
        expected_version: i64,
        status: &str,
        replacement_order_id: Option<i64>,
        at: i64,
    ) -> Result<bool>;
    /// Ids of the after-sales of one order or of all, only the open ones if asked, oldest first.
    async fn after_sale_ids(&mut self, order_id: Option<i64>, open_only: bool) -> Result<Vec<i64>>;
    async fn insert_money(
        &mut self,
        order_id: i64,
        kind: &str,
        amount_minor: i64,
        currency: &str,
        reference: &str,
        at: i64,
    ) -> Result<()>;
    async fn money_rows(&mut self, order_id: i64) -> Result<Vec<app::MoneyEntry>>;
}

/// Drives a future that never waits (SQLite's) to completion on the current thread.
pub(crate) fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(out) => out,
        std::task::Poll::Pending => {
            unreachable!("sqlite transaction steps complete without waiting")
        }
    }
}
