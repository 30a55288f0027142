//! The store's use cases, written once over [`Tx`]: each function runs inside one transaction that the
//! backend opens before and commits after. Domain rules decide; these functions read, ask the domain
//! and write.

use std::collections::{BTreeSet, HashMap};

use app::{Error, IngestBatch, IngestReport, NewShipment, Result, RoutingBatch, StockRequest};
use domain::{
    Actor, IngestDecision, Lifecycle, LineProgress, Order, OrderEffect, OrderEvent, OrderId,
    OrderStatus, Quantity, Revision, Shipment, ShipmentEffect, ShipmentEvent, ShipmentId,
    ShipmentLine, ShipmentStatus, StockMoveKind, Timestamp, content_hash, decide_ingest,
    platform_events,
};

use crate::fulfil;
use crate::rows::{LineRow, OrderRow, ShipmentRow, holds_text};
use crate::tx::{NewEvent, NewOrderRows, Tx};

pub(crate) async fn ingest<T: Tx>(tx: &mut T, batch: IngestBatch) -> Result<IngestReport> {
    let actor = batch.actor.to_string();
    let shop = batch.shop;
    if let Some(item) = batch
        .items
        .iter()
        .find(|it| it.order.shop != shop || it.raw.shop != shop)
    {
        return Err(Error::invalid(
            "shop",
            format!("order {} is not of shop {shop}", item.order.external_id),
        ));
    }
    let external_ids: Vec<&str> = batch
        .items
        .iter()
        .map(|it| it.order.external_id.as_str())
        .collect();
    let mut held: HashMap<String, Revision> = tx
        .find_held_orders(shop.0, &external_ids)
        .await?
        .into_iter()
        .map(|it| (it.external_id, it.revision))
        .collect();

    // Decide every item first, as if applied in batch order; a repeat of an order within the batch is
    // decided against the revision before it.
    let mut report = IngestReport::default();
    let mut inserts = Vec::new();
    let mut updates = Vec::new();
    for item in &batch.items {
        let external_id = item.order.external_id.as_str();
        let revision = Revision {
            updated_at: item.order.updated_at,
            content_hash: content_hash(&item.raw.body),
        };
        let previous = held.get(external_id);
        let decision = decide_ingest(previous.copied(), revision);
        report.count(decision);
        match decision {
            IngestDecision::Unchanged | IngestDecision::Stale => continue,
            IngestDecision::Insert => inserts.push((item, revision)),
            IngestDecision::Update => updates.push((item, revision)),
        }
        held.insert(external_id.to_owned(), revision);
    }

    // New orders go in bulk; their ids come back in order.
    let new_orders: Vec<NewOrderRows<'_>> = inserts
        .iter()
        .map(|(item, revision)| {
            let lifecycle = Lifecycle::first_seen(item.order.platform_state);
            NewOrderRows {
                raw: &item.raw,
                content_hash: revision.content_hash,
                order: OrderRow::from_standard(
                    &item.order,
                    &lifecycle,
                    revision.content_hash,
                    0,
                    batch.at,
                ),
                lines: item.order.lines.iter().map(LineRow::from_line).collect(),
            }
        })
        .collect();
    let ids = tx.insert_new_orders(new_orders, &actor, batch.at).await?;
    report.changed.extend(ids.into_iter().map(domain::OrderId));

    // Updates one by one, in batch order, against what the store holds by then.
    for (item, revision) in updates {
        let order = &item.order;
        let external_id = order.external_id.as_str();
        let Some(previous) = tx.find_held_orders(shop.0, &[external_id]).await?.pop() else {
            return Err(Error::Storage(format!(
                "order {external_id} vanished during ingest"
            )));
        };
        let id = previous.id;
        let raw = &item.raw;
        let hash = revision.content_hash as i64;
        let raw_id = tx
            .insert_raw_document(
                shop.0,
                external_id,
                &raw.format,
                raw.received_at.unix_millis(),
                hash,
                &raw.body,
            )
            .await?;
        let revised = Revised {
            content_hash: revision.content_hash,
            raw_document_id: raw_id,
            ingested_at: batch.at,
        };
        apply_revision(
            tx,
            id,
            &previous.lifecycle,
            order,
            revised,
            "ingest:update",
            &actor,
            batch.at,
        )
        .await?;
        report.changed.push(domain::OrderId(id));
    }
    if let Some(cursor) = &batch.cursor {
        tx.set_cursor(
            shop.0,
            batch.stream.as_str(),
            cursor,
            batch.at.unix_millis(),
        )
        .await?;
    }
    Ok(report)
}

/// The stored columns a new revision of an order keeps or replaces.
struct Revised {
    content_hash: u64,
    raw_document_id: i64,
    ingested_at: Timestamp,
}

/// Writes a new revision of a held order: the lifecycle events its platform state implies (with their
/// effects), its columns and lines, and one `kind` event.
#[allow(clippy::too_many_arguments)]
async fn apply_revision<T: Tx>(
    tx: &mut T,
    id: i64,
    previous: &Lifecycle,
    order: &domain::StandardOrder,
    revised: Revised,
    kind: &str,
    actor: &str,
    at: Timestamp,
) -> Result<()> {
    let mut lifecycle = previous.clone();
    let mut events = Vec::new();
    // An allocated order whose address, goods or refunds changed is routed again from scratch: its
    // stock is given back and it leaves its unclaimed shipments (unmerging from other orders).
    if previous.status == OrderStatus::Allocated {
        let older = load_order(tx, id).await?;
        if domain::routing_changed(&older.data, order) {
            events.push(OrderEvent::Deallocate);
        }
    }
    // An order being packed whose lines the buyer asked to refund: those lines are taken out of their
    // shipments (a claimed one is intercepted) before they can ship.
    if matches!(
        previous.status,
        OrderStatus::InFulfilment | OrderStatus::PartiallyShipped
    ) {
        let older = load_order(tx, id).await?;
        let refunded: BTreeSet<u32> =
            order
                .lines
                .iter()
                .filter(|line| line.refund != domain::RefundState::None)
                .filter(|line| {
                    older.data.lines.iter().any(|it| {
                        it.line_no == line.line_no && it.refund == domain::RefundState::None
                    })
                })
                .map(|line| line.line_no)
                .collect();
        if !refunded.is_empty() {
            let reason = "the buyer asked the platform for a refund";
            fulfil::intercept_lines(tx, id, Some(&refunded), reason, &actor_of(actor), at).await?;
        }
    }
    let after_deallocation = match events.is_empty() {
        true => previous.clone(),
        false => previous.apply(OrderEvent::Deallocate)?.0,
    };
    events.extend(platform_events(&after_deallocation, order.platform_state));
    for event in events {
        let (next, effects) = lifecycle.apply(event)?;
        apply_order_effects(tx, id, &effects, &actor_of(actor), at).await?;
        let event_kind = event.encode();
        let (before, after) = (lifecycle.status.as_str(), next.status.as_str());
        tx.append_event(NewEvent {
            subject_kind: "order",
            subject_id: id,
            kind: &event_kind,
            actor,
            at,
            before,
            after,
            note: "",
        })
        .await?;
        lifecycle = next;
    }
    let row = OrderRow::from_standard(
        order,
        &lifecycle,
        revised.content_hash,
        revised.raw_document_id,
        revised.ingested_at,
    );
    tx.update_order(id, &row).await?;
    let lines: Vec<LineRow> = order.lines.iter().map(LineRow::from_line).collect();
    tx.upsert_lines(id, &lines).await?;
    let last_line_no = lines.iter().map(|it| it.line_no).max().unwrap_or(0);
    tx.delete_lines_after(id, last_line_no).await?;
    let (before, after) = (previous.status.as_str(), lifecycle.status.as_str());
    tx.append_event(NewEvent {
        subject_kind: "order",
        subject_id: id,
        kind,
        actor,
        at,
        before,
        after,
        note: "",
    })
    .await
}

/// Replaces orders' platform data with what a changed mapping derives from their kept raw documents;
/// orders whose data comes out the same are left alone. Returns how many changed.
pub(crate) async fn rederive<T: Tx>(
    tx: &mut T,
    items: &[(domain::OrderId, domain::StandardOrder)],
    actor: &Actor,
    at: Timestamp,
) -> Result<u32> {
    let actor = actor.to_string();
    let mut changed = 0;
    for (id, order) in items {
        let Some(row) = tx.lock_order(id.0).await? else {
            return Err(Error::NotFound(format!("order {id}")));
        };
        let (hash, raw_document_id, ingested_at) = (
            row.content_hash as u64,
            row.raw_document_id,
            Timestamp::from_unix_millis(row.ingested_at),
        );
        let current = row.into_order(tx.order_lines(id.0).await?)?;
        if current.data == *order {
            continue;
        }
        if current.data.shop != order.shop || current.data.external_id != order.external_id {
            return Err(Error::invalid(
                "order",
                format!(
                    "order {id} is {} of shop {}, not {}",
                    current.data.external_id, current.data.shop, order.external_id
                ),
            ));
        }
        let revised = Revised {
            content_hash: hash,
            raw_document_id,
            ingested_at,
        };
        apply_revision(
            tx,
            id.0,
            &current.lifecycle,
            order,
            revised,
            "remap",
            &actor,
            at,
        )
        .await?;
        changed += 1;
    }
    Ok(changed)
}

pub(crate) async fn load_order<T: Tx>(tx: &mut T, id: i64) -> Result<Order> {
    let Some(row) = tx.lock_order(id).await? else {
        return Err(Error::NotFound(format!("order {id}")));
    };
    let lines = tx.order_lines(id).await?;
    row.into_order(lines)
}

pub(crate) async fn apply_order_event<T: Tx>(
    tx: &mut T,
    id: i64,
    expected_version: u64,
    event: OrderEvent,
    actor: &Actor,
    at: Timestamp,
) -> Result<Order> {
    apply_noted_event(tx, id, expected_version, event, "", actor, at).await
}

/// Applies one lifecycle event with a person's note kept in the event log.
pub(crate) async fn apply_noted_event<T: Tx>(
    tx: &mut T,
    id: i64,
    expected_version: u64,
    event: OrderEvent,
    note: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<Order> {
    let order = load_order(tx, id).await?;
    if order.version != expected_version {
        return Err(Error::Conflict(format!(
            "order {id} is at version {}, not {expected_version}",
            order.version
        )));
    }
    let (next, effects) = order.lifecycle.apply(event)?;
    apply_order_effects(tx, id, &effects, actor, at).await?;
    let change = Change {
        id,
        version: order.version,
        before: &order.lifecycle,
        next: &next,
    };
    write_lifecycle(tx, change, &event.encode(), note, actor, at).await?;
    load_order(tx, id).await
}

/// Keeps a stream's documents that are not orders, each once, and moves the stream's cursor.
pub(crate) async fn keep_documents<T: Tx>(
    tx: &mut T,
    shop: domain::ShopId,
    stream: app::Stream,
    documents: &[app::RawDocument],
    cursor: Option<&str>,
    at: Timestamp,
) -> Result<u32> {
    let mut kept = 0;
    for doc in documents {
        let hash = content_hash(&doc.body) as i64;
        if tx
            .keep_stream_document(shop.0, stream.as_str(), doc, hash)
            .await?
        {
            kept += 1;
        }
    }
    if let Some(cursor) = cursor {
        tx.set_cursor(shop.0, stream.as_str(), cursor, at.unix_millis())
            .await?;
    }
    Ok(kept)
}

pub(crate) async fn load_orders<T: Tx>(tx: &mut T, ids: &[OrderId]) -> Result<Vec<Order>> {
    let mut orders = Vec::with_capacity(ids.len());
    for id in ids {
        orders.push(load_order(tx, id.0).await?);
    }
    Ok(orders)
}

/// Writes a routing pass: events and decision records first (each order at its expected version),
/// then reservations (all or nothing), then shipments, joining an unclaimed shipment of the same
/// merge key, warehouse and carrier where there is one.
pub(crate) async fn apply_routing<T: Tx>(
    tx: &mut T,
    batch: &RoutingBatch,
) -> Result<Vec<ShipmentId>> {
    let at = batch.at;
    for decided in &batch.decisions {
        // The lifecycle the router decided on; each write names its version, so an order that
        // changed meanwhile fails the batch with a conflict.
        let id = decided.order.0;
        let mut lifecycle = decided.lifecycle.clone();
        for (version, event) in (decided.expected_version..).zip(&decided.events) {
            let (next, effects) = lifecycle.apply(*event)?;
            apply_order_effects(tx, id, &effects, &batch.actor, at).await?;
            let change = Change {
                id,
                version,
                before: &lifecycle,
                next: &next,
            };
            write_lifecycle(tx, change, &event.encode(), "", &batch.actor, at).await?;
            lifecycle = next;
        }
        tx.insert_decision(id, at, &decided.record).await?;
    }
    reserve_page(tx, &batch.reservations, at).await?;
    let mut shipments = Vec::with_capacity(batch.shipments.len());
    for new in &batch.shipments {
        let target = match &new.merge_key {
            Some(key) => {
                tx.find_merge_target(key, new.warehouse.as_str(), new.carrier.as_deref())
                    .await?
            }
            None => None,
        };
        let id = match target {
            Some(id) => {
                join_shipment(tx, id, new, at).await?;
                id
            }
            None => insert_shipment(tx, new, at).await?,
        };
        shipments.push(ShipmentId(id));
    }
    Ok(shipments)
}

/// Reserves a page's requests: each stock row is read and written once, every request is checked
/// against it in turn (all or nothing), and each keeps its reservation and ledger row.
async fn reserve_page<T: Tx>(
    tx: &mut T,
    requests: &[(OrderId, StockRequest)],
    at: Timestamp,
) -> Result<()> {
    let mut rows: HashMap<(&str, &str), (i64, domain::StockLevel)> = HashMap::new();
    let mut ids = Vec::with_capacity(requests.len());
    for (_, request) in requests {
        let key = (request.warehouse.as_str(), request.sku.as_str());
        let row = match rows.get_mut(&key) {
            Some(row) => row,
            None => {
                let row = tx.lock_stock(key.0, key.1).await?;
                rows.entry(key).or_insert(row)
            }
        };
        row.1 = row.1.reserve(request.quantity)?;
        ids.push(row.0);
    }
    for (stock_id, level) in rows.values() {
        tx.write_stock(*stock_id, *level).await?;
        tx.queue_stock_push(*stock_id, at.unix_millis()).await?;
    }
    for ((order, request), stock_id) in requests.iter().zip(ids) {
        let n = i64::from(request.quantity.get());
        tx.add_reservation(order.0, i64::from(request.line_no), stock_id, n)
            .await?;
        let reference = format!("order:{}", order.0);
        tx.append_ledger(
            stock_id,
            StockMoveKind::Reserve.as_str(),
            n,
            &reference,
            at.unix_millis(),
        )
        .await?;
    }
    Ok(())
}

/// Adds lines of another order of the same buyer and address to an unclaimed shipment.
async fn join_shipment<T: Tx>(tx: &mut T, id: i64, new: &NewShipment, at: Timestamp) -> Result<()> {
    let Some(mut row) = tx.lock_shipment(id).await? else {
        return Err(Error::NotFound(format!("shipment {id}")));
    };
    plan_lines(tx, id, &new.lines).await?;
    let version = row.version;
    row.version += 1;
    if !tx.update_shipment(&row, version).await? {
        return Err(Error::Conflict(format!(
            "shipment {id} changed concurrently"
        )));
    }
    let orders: BTreeSet<i64> = new.lines.iter().map(|it| it.order.0).collect();
    let note = orders
        .iter()
        .map(|it| format!("order {it}"))
        .collect::<Vec<_>>()
        .join(", ");
    tx.append_event(NewEvent {
        subject_kind: "shipment",
        subject_id: id,
        kind: "merge",
        actor: "system",
        at,
        before: &row.status,
        after: &row.status,
        note: &note,
    })
    .await
}

/// Counts lines planned into a shipment and writes them; no line beyond its quantity.
async fn plan_lines<T: Tx>(tx: &mut T, shipment_id: i64, lines: &[ShipmentLine]) -> Result<()> {
    for line in lines {
        let progress = line_progress(tx, line.order.0, line.line_no).await?;
        let next = progress.plan(line.quantity)?;
        tx.set_line_counts(
            line.order.0,
            i64::from(line.line_no),
            i64::from(next.planned),
            i64::from(next.shipped),
        )
        .await?;
        tx.insert_shipment_line(
            shipment_id,
            line.order.0,
            i64::from(line.line_no),
            i64::from(line.quantity.get()),
        )
        .await?;
    }
    Ok(())
}

/// An order leaves its unclaimed shipments (it was cancelled or held again): its lines are unplanned,
/// and a shipment left without lines is voided. Claimed shipments are fulfilment's to intercept.
async fn leave_shipments<T: Tx>(tx: &mut T, order_id: i64, at: Timestamp) -> Result<()> {
    for shipment_id in tx.allocated_shipments_of(order_id).await? {
        let Some(mut row) = tx.lock_shipment(shipment_id).await? else {
            continue;
        };
        for (line_no, quantity) in tx.remove_order_lines(shipment_id, order_id).await? {
            let progress = line_progress(tx, order_id, line_no as u32).await?;
            let n = u32::try_from(quantity)
                .ok()
                .and_then(|n| Quantity::new(n).ok())
                .ok_or_else(|| Error::Storage(format!("shipment line of {quantity}")))?;
            let next = progress.unplan(n)?;
            tx.set_line_counts(
                order_id,
                line_no,
                i64::from(next.planned),
                i64::from(next.shipped),
            )
            .await?;
        }
        let empty = tx.shipment_lines(shipment_id).await?.is_empty();
        let before = row.status.clone();
        if empty {
            row.status = ShipmentStatus::Voided.as_str().to_owned();
        }
        let version = row.version;
        row.version += 1;
        if !tx.update_shipment(&row, version).await? {
            return Err(Error::Conflict(format!(
                "shipment {shipment_id} changed concurrently"
            )));
        }
        let note = format!("order {order_id} left");
        tx.append_event(NewEvent {
            subject_kind: "shipment",
            subject_id: shipment_id,
            kind: if empty { "void" } else { "unmerge" },
            actor: "system",
            at,
            before: &before,
            after: &row.status,
            note: &note,
        })
        .await?;
    }
    Ok(())
}

/// The lifecycle change of one order: from `before` at `version` to `next`.
pub(crate) struct Change<'a> {
    pub(crate) id: i64,
    pub(crate) version: u64,
    pub(crate) before: &'a Lifecycle,
    pub(crate) next: &'a Lifecycle,
}

pub(crate) async fn write_lifecycle<T: Tx>(
    tx: &mut T,
    change: Change<'_>,
    kind: &str,
    note: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<()> {
    let Change {
        id,
        version,
        before,
        next,
    } = change;
    if !tx
        .set_lifecycle(
            id,
            version as i64,
            next.status.as_str(),
            &holds_text(&next.holds),
            next.exception,
        )
        .await?
    {
        return Err(Error::Conflict(format!("order {id} changed concurrently")));
    }
    let actor = actor.to_string();
    tx.append_event(NewEvent {
        subject_kind: "order",
        subject_id: id,
        kind,
        actor: &actor,
        at,
        before: before.status.as_str(),
        after: next.status.as_str(),
        note,
    })
    .await
}

pub(crate) async fn apply_order_effects<T: Tx>(
    tx: &mut T,
    order_id: i64,
    effects: &[OrderEffect],
    actor: &Actor,
    at: Timestamp,
) -> Result<()> {
    for effect in effects {
        match effect {
            OrderEffect::ReleaseStock => {
                leave_shipments(tx, order_id, at).await?;
                release_stock(tx, order_id, at).await?;
            }
            // Claimed shipments are intercepted, unclaimed ones give the order's lines back, and
            // whatever else the order still holds (gifts) is released.
            OrderEffect::InterceptShipments => {
                let reason = "the order was cancelled";
                fulfil::intercept_lines(tx, order_id, None, reason, actor, at).await?;
                release_stock(tx, order_id, at).await?;
            }
            // Reservation is its own step (`reserve_stock`) decided by routing; an exception is the
            // order's flag, for a person.
            OrderEffect::ReserveStock | OrderEffect::RaiseException => {}
        }
    }
    Ok(())
}

pub(crate) async fn reserve_stock<T: Tx>(
    tx: &mut T,
    order_id: i64,
    requests: &[StockRequest],
    at: Timestamp,
) -> Result<()> {
    let reference = format!("order:{order_id}");
    for request in requests {
        let (stock_id, level) = tx
            .lock_stock(request.warehouse.as_str(), request.sku.as_str())
            .await?;
        let next = level.reserve(request.quantity)?;
        tx.write_stock(stock_id, next).await?;
        tx.queue_stock_push(stock_id, at.unix_millis()).await?;
        let n = i64::from(request.quantity.get());
        tx.add_reservation(order_id, i64::from(request.line_no), stock_id, n)
            .await?;
        tx.append_ledger(
            stock_id,
            StockMoveKind::Reserve.as_str(),
            n,
            &reference,
            at.unix_millis(),
        )
        .await?;
    }
    Ok(())
}

pub(crate) async fn receive_stock<T: Tx>(
    tx: &mut T,
    warehouse: &str,
    sku: &str,
    quantity: Quantity,
    reference: &str,
    at: Timestamp,
) -> Result<domain::StockLevel> {
    let (stock_id, level) = tx.lock_stock(warehouse, sku).await?;
    let next = level.receive(quantity);
    tx.write_stock(stock_id, next).await?;
    tx.queue_stock_push(stock_id, at.unix_millis()).await?;
    tx.append_ledger(
        stock_id,
        StockMoveKind::Receipt.as_str(),
        i64::from(quantity.get()),
        reference,
        at.unix_millis(),
    )
    .await?;
    Ok(next)
}

pub(crate) async fn release_stock<T: Tx>(tx: &mut T, order_id: i64, at: Timestamp) -> Result<u64> {
    let reference = format!("order:{order_id}");
    let mut released = 0;
    for (line_no, stock_id, quantity) in tx.reservations(order_id, None).await? {
        released += give_back(
            tx,
            order_id,
            line_no,
            stock_id,
            quantity,
            StockMoveKind::Release,
            &reference,
            at,
        )
        .await?;
    }
    Ok(released)
}

/// Takes `quantity` off one reservation and off the stock row's reserved units; shipping also takes it
/// off on hand. Returns the units moved.
#[allow(clippy::too_many_arguments)]
async fn give_back<T: Tx>(
    tx: &mut T,
    order_id: i64,
    line_no: i64,
    stock_id: i64,
    quantity: i64,
    kind: StockMoveKind,
    reference: &str,
    at: Timestamp,
) -> Result<u64> {
    let Ok(n) = u32::try_from(quantity).map(Quantity::new) else {
        return Err(Error::Storage(format!("reservation of {quantity}")));
    };
    let Ok(n) = n else { return Ok(0) };
    let stock = tx.lock_stock_by_id(stock_id).await?;
    let next = match kind {
        StockMoveKind::Ship => stock.consume(n)?,
        StockMoveKind::Release
        | StockMoveKind::Receipt
        | StockMoveKind::Reserve
        | StockMoveKind::Return
        | StockMoveKind::Adjust
        | StockMoveKind::Count => stock.release(n)?,
    };
    tx.write_stock(stock_id, next).await?;
    tx.queue_stock_push(stock_id, at.unix_millis()).await?;
    tx.add_reservation(order_id, line_no, stock_id, -quantity)
        .await?;
    tx.append_ledger(
        stock_id,
        kind.as_str(),
        -quantity,
        reference,
        at.unix_millis(),
    )
    .await?;
    Ok(u64::from(n.get()))
}

pub(crate) async fn create_shipment<T: Tx>(
    tx: &mut T,
    new: &NewShipment,
    at: Timestamp,
) -> Result<Shipment> {
    let id = insert_shipment(tx, new, at).await?;
    load_shipment(tx, id).await
}

/// Plans order lines into a new shipment; returns its id.
async fn insert_shipment<T: Tx>(tx: &mut T, new: &NewShipment, at: Timestamp) -> Result<i64> {
    if new.lines.is_empty() {
        return Err(Error::invalid(
            "lines",
            "a shipment needs at least one line",
        ));
    }
    let row = ShipmentRow {
        id: 0,
        warehouse: new.warehouse.as_str().to_owned(),
        carrier: new.carrier.clone(),
        status: ShipmentStatus::Allocated.as_str().to_owned(),
        holder: None,
        lease_until: None,
        tracking_no: None,
        version: 1,
        created_at: at.unix_millis(),
    };
    let id = tx.insert_shipment(&row, new.merge_key.as_deref()).await?;
    plan_lines(tx, id, &new.lines).await?;
    tx.append_event(NewEvent {
        subject_kind: "shipment",
        subject_id: id,
        kind: "create",
        actor: "system",
        at,
        before: "",
        after: ShipmentStatus::Allocated.as_str(),
        note: "",
    })
    .await?;
    Ok(id)
}

pub(crate) async fn line_progress<T: Tx>(
    tx: &mut T,
    order_id: i64,
    line_no: u32,
) -> Result<LineProgress> {
    let Some(counts) = tx.lock_line(order_id, i64::from(line_no)).await? else {
        return Err(Error::NotFound(format!(
            "line {line_no} of order {order_id}"
        )));
    };
    let number = |n: i64| u32::try_from(n).map_err(|_| Error::Storage(format!("line count {n}")));
    Ok(LineProgress {
        quantity: number(counts.quantity)?,
        planned: number(counts.planned)?,
        shipped: number(counts.shipped)?,
    })
}

pub(crate) async fn load_shipment<T: Tx>(tx: &mut T, id: i64) -> Result<Shipment> {
    let Some(row) = tx.lock_shipment(id).await? else {
        return Err(Error::NotFound(format!("shipment {id}")));
    };
    let lines = tx.shipment_lines(id).await?;
    row.into_shipment(lines)
}

pub(crate) async fn apply_shipment_event<T: Tx>(
    tx: &mut T,
    id: ShipmentId,
    expected_version: u64,
    event: &ShipmentEvent,
    note: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<Shipment> {
    let shipment = load_shipment(tx, id.0).await?;
    if shipment.version != expected_version {
        return Err(Error::Conflict(format!(
            "shipment {id} is at version {}, not {expected_version}",
            shipment.version
        )));
    }
    let (next, effects) = shipment.apply(event, at)?;
    if let ShipmentEvent::Ship { tracking, .. } = event
        && let Some(other) = tx.shipment_with_tracking(tracking.as_str()).await?
    {
        return Err(Error::invalid(
            "tracking",
            format!(
                "tracking number {} is already on shipment SH{other}; scan the label of this parcel",
                tracking.as_str()
            ),
        ));
    }
    let reference = format!("shipment:{id}");
    for effect in &effects {
        match effect {
            ShipmentEffect::ConsumeStock => {
                ship_lines(tx, &shipment, &reference, actor, at).await?
            }
            ShipmentEffect::ReleaseStock => {
                for line in &shipment.lines {
                    settle_line(
                        tx,
                        shipment.warehouse.as_str(),
                        line,
                        StockMoveKind::Release,
                        &reference,
                        at,
                    )
                    .await?;
                }
                settle_gifts(tx, &shipment, StockMoveKind::Release, &reference, at).await?;
            }
            ShipmentEffect::ConfirmToPlatform => {
                let payload = serde_json::json!({
                    "shipment_id": id.0,
                    "carrier": next.carrier,
                    "tracking_no": next.tracking.as_ref().map(|it| it.as_str()),
                })
                .to_string();
                tx.insert_outbox(
                    "shipment.confirm",
                    &id.0.to_string(),
                    payload.as_bytes(),
                    at.unix_millis(),
                )
                .await?;
            }
        }
    }
    if event.kind() == domain::ShipmentEventKind::Claim {
        let orders: BTreeSet<i64> = shipment.lines.iter().map(|it| it.order.0).collect();
        for order_id in orders {
            let order = load_order(tx, order_id).await?;
            if order.lifecycle.status == OrderStatus::Allocated {
                let (started, _) = order.lifecycle.apply(OrderEvent::StartFulfilment)?;
                let change = Change {
                    id: order_id,
                    version: order.version,
                    before: &order.lifecycle,
                    next: &started,
                };
                write_lifecycle(tx, change, "start_fulfilment", "", actor, at).await?;
            }
        }
    }
    let row = ShipmentRow {
        id: id.0,
        warehouse: next.warehouse.as_str().to_owned(),
        carrier: next.carrier.clone(),
        status: next.status.as_str().to_owned(),
        holder: next.holder.clone(),
        lease_until: next.lease_until.map(Timestamp::unix_millis),
        tracking_no: next.tracking.as_ref().map(|it| it.as_str().to_owned()),
        version: next.version as i64,
        created_at: next.created_at.unix_millis(),
    };
    if !tx.update_shipment(&row, expected_version as i64).await? {
        return Err(Error::Conflict(format!(
            "shipment {id} changed concurrently"
        )));
    }
    let actor_text = actor.to_string();
    tx.append_event(NewEvent {
        subject_kind: "shipment",
        subject_id: id.0,
        kind: event.kind().as_str(),
        actor: &actor_text,
        at,
        before: shipment.status.as_str(),
        after: next.status.as_str(),
        note,
    })
    .await?;
    Ok(next)
}

/// Settles one shipment line that shipped (`Ship`) or will not (`Release`): moves its units out of the
/// line's planned count and takes them off the line's reservations in the shipment's warehouse. Shipping
/// needs every unit reserved; a release gives back what is still reserved.
pub(crate) async fn settle_line<T: Tx>(
    tx: &mut T,
    warehouse: &str,
    line: &ShipmentLine,
    kind: StockMoveKind,
    reference: &str,
    at: Timestamp,
) -> Result<()> {
    let progress = line_progress(tx, line.order.0, line.line_no).await?;
    let progress = match kind {
        StockMoveKind::Ship => progress.ship(line.quantity)?,
        StockMoveKind::Release
        | StockMoveKind::Receipt
        | StockMoveKind::Reserve
        | StockMoveKind::Return
        | StockMoveKind::Adjust
        | StockMoveKind::Count => progress.unplan(line.quantity)?,
    };
    let line_no = i64::from(line.line_no);
    tx.set_line_counts(
        line.order.0,
        line_no,
        i64::from(progress.planned),
        i64::from(progress.shipped),
    )
    .await?;
    let mut left = i64::from(line.quantity.get());
    for (_, stock_id, reserved) in tx
        .reservations(line.order.0, Some((line_no, warehouse)))
        .await?
    {
        let n = left.min(reserved);
        left -= n;
        give_back(tx, line.order.0, line_no, stock_id, n, kind, reference, at).await?;
    }
    if kind == StockMoveKind::Ship && left > 0 {
        let requested = line.quantity.get();
        return Err(domain::StockError::NotReserved {
            requested,
            reserved: i64::from(requested) - left,
        }
        .into());
    }
    Ok(())
}

/// Gifts (reserved on line 0 by routing) leave or stay with the shipment of their order in the
/// shipment's warehouse.
async fn settle_gifts<T: Tx>(
    tx: &mut T,
    shipment: &Shipment,
    kind: StockMoveKind,
    reference: &str,
    at: Timestamp,
) -> Result<()> {
    let orders: BTreeSet<i64> = shipment.lines.iter().map(|it| it.order.0).collect();
    for order_id in orders {
        let gifts = tx
            .reservations(order_id, Some((0, shipment.warehouse.as_str())))
            .await?;
        for (_, stock_id, reserved) in gifts {
            give_back(tx, order_id, 0, stock_id, reserved, kind, reference, at).await?;
        }
    }
    Ok(())
}

/// The goods of a shipment left: count its lines shipped, consume their reservations in the shipment's
/// warehouse, and move each order to partially shipped or shipped.
async fn ship_lines<T: Tx>(
    tx: &mut T,
    shipment: &Shipment,
    reference: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<()> {
    for line in &shipment.lines {
        settle_line(
            tx,
            shipment.warehouse.as_str(),
            line,
            StockMoveKind::Ship,
            reference,
            at,
        )
        .await?;
    }
    settle_gifts(tx, shipment, StockMoveKind::Ship, reference, at).await?;
    let orders: BTreeSet<i64> = shipment.lines.iter().map(|it| it.order.0).collect();
    for order_id in orders {
        let order = load_order(tx, order_id).await?;
        let mut all_shipped = true;
        for line in &order.data.lines {
            let progress = line_progress(tx, order_id, line.line_no).await?;
            // A refunded line has nothing left to ship.
            all_shipped &= progress.shipped == progress.quantity
                || line.refund == domain::RefundState::Refunded;
        }
        let event = if all_shipped {
            OrderEvent::ShipAll
        } else {
            OrderEvent::ShipPart
        };
        let (next, _) = order.lifecycle.apply(event)?;
        let change = Change {
            id: order_id,
            version: order.version,
            before: &order.lifecycle,
            next: &next,
        };
        write_lifecycle(tx, change, &event.encode(), "", actor, at).await?;
    }
    Ok(())
}

/// The actor an event log text names (`system`, `user:ops`, …) as an [`Actor`].
fn actor_of(text: &str) -> Actor {
    if let Some(user) = text.strip_prefix("user:") {
        return Actor::User(user.to_owned());
    }
    match text.strip_prefix("platform:") {
        Some(shop) => Actor::Platform(shop.to_owned()),
        None => Actor::System,
    }
}
