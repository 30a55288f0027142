//! Fulfilment's writes beside the shipment lifecycle: interception (an order cancelled or refunded
//! while its goods are being packed) and after-sales with their effects on the order, the stock and
//! the money. Written once over [`Tx`], like `logic`.

use std::collections::BTreeSet;

use app::{AfterSaleAction, Error, MoneyEntry, NewAfterSale, Result};
use domain::{
    Actor, AfterSale, AfterSaleId, AfterSaleLine, AfterSaleStatus, ExternalId, Lifecycle, Money,
    OrderEvent, OrderId, OrderStatus, Quantity, RefundState, Shipment, ShipmentEvent, ShipmentLine,
    ShipmentStatus, StockMoveKind, Timestamp,
};

use crate::logic::{
    Change, apply_order_effects, line_progress, load_order, load_shipment, settle_line,
    write_lifecycle,
};
use crate::rows::{AfterSaleRow, LineRow, OrderRow, ShipmentRow};
use crate::tx::{NewEvent, Tx};

/// Takes lines of an order (`None`: all of them) out of its open shipments. Their units are unplanned
/// and their reservations in the shipment's warehouse released. An unclaimed shipment simply loses them
/// (voided when nothing is left); a claimed one is intercepted: its holder is told by the event's note
/// and its ship scan is refused until the holder resumes it.
pub(crate) async fn intercept_lines<T: Tx>(
    tx: &mut T,
    order_id: i64,
    lines: Option<&BTreeSet<u32>>,
    reason: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<()> {
    let reference = format!("order:{order_id}");
    for shipment_id in tx.open_shipments_of(order_id).await? {
        let shipment = load_shipment(tx, shipment_id).await?;
        let taken: Vec<ShipmentLine> = shipment
            .lines
            .iter()
            .filter(|it| it.order.0 == order_id)
            .filter(|it| lines.is_none_or(|wanted| wanted.contains(&it.line_no)))
            .copied()
            .collect();
        if taken.is_empty() {
            continue;
        }
        for line in &taken {
            settle_line(
                tx,
                shipment.warehouse.as_str(),
                line,
                StockMoveKind::Release,
                &reference,
                at,
            )
            .await?;
            tx.remove_shipment_line(shipment_id, order_id, i64::from(line.line_no))
                .await?;
        }
        let mut rest = shipment.clone();
        rest.lines.retain(|it| !taken.contains(it));
        let (next, kind) = if shipment.status.has_holder() {
            let (next, _) = rest.apply(&ShipmentEvent::Intercept, at)?;
            (next, "intercept")
        } else if rest.lines.is_empty() {
            let mut next = rest.clone();
            next.status = ShipmentStatus::Voided;
            next.version += 1;
            (next, "void")
        } else {
            let mut next = rest.clone();
            next.version += 1;
            (next, "unmerge")
        };
        write_shipment(tx, &shipment, &next).await?;
        let lines_text = taken
            .iter()
            .map(|it| it.line_no.to_string())
            .collect::<Vec<_>>()
            .join(", ");
        let note = format!("order {order_id} lines {lines_text} taken out: {reason}");
        let actor = actor.to_string();
        tx.append_event(NewEvent {
            subject_kind: "shipment",
            subject_id: shipment_id,
            kind,
            actor: &actor,
            at,
            before: shipment.status.as_str(),
            after: next.status.as_str(),
            note: &note,
        })
        .await?;
    }
    Ok(())
}

async fn write_shipment<T: Tx>(tx: &mut T, before: &Shipment, next: &Shipment) -> Result<()> {
    let row = ShipmentRow {
        id: next.id.0,
        warehouse: next.warehouse.as_str().to_owned(),
        carrier: next.carrier.clone(),
        status: next.status.as_str().to_owned(),
        holder: next.holder.clone(),
        lease_until: next.lease_until.map(Timestamp::unix_millis),
        tracking_no: next.tracking.as_ref().map(|it| it.as_str().to_owned()),
        version: next.version as i64,
        created_at: next.created_at.unix_millis(),
    };
    if !tx.update_shipment(&row, before.version as i64).await? {
        return Err(Error::Conflict(format!(
            "shipment {} changed concurrently",
            before.id
        )));
    }
    Ok(())
}

pub(crate) async fn create_after_sale<T: Tx>(
    tx: &mut T,
    case: &NewAfterSale,
    actor: &Actor,
    at: Timestamp,
) -> Result<AfterSale> {
    if !case.external_id.is_empty()
        && let Some(id) = tx.find_after_sale(case.order.0, &case.external_id).await?
    {
        return load_after_sale(tx, id).await;
    }
    let order = load_order(tx, case.order.0).await?;
    if case.lines.is_empty() {
        return Err(Error::invalid(
            "lines",
            "an after-sale names at least one line",
        ));
    }
    for line in &case.lines {
        let Some(ordered) = order
            .data
            .lines
            .iter()
            .find(|it| it.line_no == line.line_no)
        else {
            return Err(Error::invalid(
                "lines",
                format!("order {} has no line {}", order.id, line.line_no),
            ));
        };
        if line.quantity > ordered.quantity {
            return Err(Error::invalid(
                "lines",
                format!(
                    "line {} has {} units, not {}",
                    line.line_no,
                    ordered.quantity.get(),
                    line.quantity.get()
                ),
            ));
        }
        if line.refund.currency != order.data.currency || line.refund.minor < 0 {
            return Err(Error::invalid(
                "lines",
                format!(
                    "line {} refunds {} {}, the order is in {}",
                    line.line_no,
                    line.refund.minor,
                    line.refund.currency.code(),
                    order.data.currency.code()
                ),
            ));
        }
    }
    let row = AfterSaleRow {
        id: 0,
        order_id: case.order.0,
        external_id: case.external_id.clone(),
        kind: case.kind.as_str().to_owned(),
        status: AfterSaleStatus::Requested.as_str().to_owned(),
        reason: case.reason.clone(),
        refund_minor: case.lines.iter().map(|it| it.refund.minor).sum(),
        currency: order.data.currency.code().to_owned(),
        replacement_order_id: None,
        version: 1,
    };
    let id = tx.insert_after_sale(&row, at.unix_millis()).await?;
    for line in &case.lines {
        tx.insert_after_sale_line(
            id,
            i64::from(line.line_no),
            i64::from(line.quantity.get()),
            line.refund.minor,
        )
        .await?;
    }
    let note = format!("{} {}: {}", case.kind, case.external_id, case.reason);
    after_sale_events(
        tx,
        id,
        case.order.0,
        "open",
        "",
        "requested",
        &note,
        actor,
        at,
    )
    .await?;
    load_after_sale(tx, id).await
}

pub(crate) async fn load_after_sale<T: Tx>(tx: &mut T, id: i64) -> Result<AfterSale> {
    let Some(row) = tx.lock_after_sale(id).await? else {
        return Err(Error::NotFound(format!("after-sale {id}")));
    };
    let lines = tx.after_sale_lines(id).await?;
    row.into_after_sale(lines)
}

/// Applies one after-sale action with its effects; see [`app::Store::apply_after_sale`].
pub(crate) async fn apply_after_sale<T: Tx>(
    tx: &mut T,
    id: AfterSaleId,
    expected_version: u64,
    action: &AfterSaleAction,
    note: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<AfterSale> {
    let case = load_after_sale(tx, id.0).await?;
    if case.version != expected_version {
        return Err(Error::Conflict(format!(
            "after-sale {id} is at version {}, not {expected_version}",
            case.version
        )));
    }
    let event = action.event();
    let status = AfterSale::next_status(case.kind, case.status, event)?;
    let mut replacement = case.replacement;
    let effect = match action {
        AfterSaleAction::Approve if case.kind.refunds() => {
            refund_before_shipment(tx, &case, actor, at).await?
        }
        AfterSaleAction::Approve | AfterSaleAction::Reject => String::new(),
        AfterSaleAction::ReceiveReturn { warehouse, damaged } => {
            receive_return(tx, &case, warehouse.as_str(), damaged, at).await?
        }
        AfterSaleAction::Refund => {
            let order = load_order(tx, case.order.0).await?;
            let amount = case.refund_minor();
            tx.insert_money(
                case.order.0,
                "refund",
                -amount,
                order.data.currency.code(),
                &format!("after_sale:{id}"),
                at.unix_millis(),
            )
            .await?;
            format!("paid back {amount} minor units")
        }
        AfterSaleAction::Replace => {
            let order = create_replacement(tx, &case, actor, at).await?;
            replacement = Some(order);
            format!("replacement order {order}")
        }
    };
    if !tx
        .update_after_sale(
            id.0,
            expected_version as i64,
            status.as_str(),
            replacement.map(|it| it.0),
            at.unix_millis(),
        )
        .await?
    {
        return Err(Error::Conflict(format!(
            "after-sale {id} changed concurrently"
        )));
    }
    let note = [note, effect.as_str()]
        .into_iter()
        .filter(|it| !it.is_empty())
        .collect::<Vec<_>>()
        .join("; ");
    after_sale_events(
        tx,
        id.0,
        case.order.0,
        event.as_str(),
        case.status.as_str(),
        status.as_str(),
        &note,
        actor,
        at,
    )
    .await?;
    load_after_sale(tx, id.0).await
}

/// The after-sale's own event, and one on its order so that the order's timeline shows it.
#[allow(clippy::too_many_arguments)]
async fn after_sale_events<T: Tx>(
    tx: &mut T,
    id: i64,
    order_id: i64,
    kind: &str,
    before: &str,
    after: &str,
    note: &str,
    actor: &Actor,
    at: Timestamp,
) -> Result<()> {
    let actor = actor.to_string();
    tx.append_event(NewEvent {
        subject_kind: "after_sale",
        subject_id: id,
        kind,
        actor: &actor,
        at,
        before,
        after,
        note,
    })
    .await?;
    let kind = format!("after_sale:{kind}");
    let note = format!("after-sale {id}: {note}");
    let status = load_order(tx, order_id).await?.lifecycle.status;
    tx.append_event(NewEvent {
        subject_kind: "order",
        subject_id: order_id,
        kind: &kind,
        actor: &actor,
        at,
        before: status.as_str(),
        after: status.as_str(),
        note: &note,
    })
    .await
}

/// An approved refund: lines not shipped yet are cancelled (marked refunded, their stock released,
/// taken out of their shipments, intercepting a claimed one); an order left with nothing to ship is
/// cancelled or counts as shipped. Lines already shipped are named for a person to intercept the parcel.
async fn refund_before_shipment<T: Tx>(
    tx: &mut T,
    case: &AfterSale,
    actor: &Actor,
    at: Timestamp,
) -> Result<String> {
    let order_id = case.order.0;
    let order = load_order(tx, order_id).await?;
    let mut cancelled = BTreeSet::new();
    let mut shipped = Vec::new();
    for line in &case.lines {
        let progress = line_progress(tx, order_id, line.line_no).await?;
        if progress.shipped > 0 {
            shipped.push(line.line_no);
        } else {
            cancelled.insert(line.line_no);
            tx.set_line_refund(
                order_id,
                i64::from(line.line_no),
                RefundState::Refunded.as_str(),
            )
            .await?;
        }
    }
    let mut notes = Vec::new();
    if !cancelled.is_empty() {
        notes.push(format!(
            "lines {} cancelled before shipment",
            list(&cancelled)
        ));
    }
    if !shipped.is_empty() {
        notes.push(format!(
            "lines {} already shipped: intercept the parcel with the carrier",
            list(&shipped)
        ));
    }
    if cancelled.is_empty() {
        return Ok(notes.join("; "));
    }
    let reason = format!("after-sale {} refunds them", case.id);
    let mut settled = true;
    let mut any_shipped = false;
    for line in &order.data.lines {
        let progress = line_progress(tx, order_id, line.line_no).await?;
        let refunded = cancelled.contains(&line.line_no) || line.refund == RefundState::Refunded;
        settled &= refunded || progress.shipped == progress.quantity;
        any_shipped |= progress.shipped > 0;
    }
    let event = match order.lifecycle.status {
        OrderStatus::Unpaid | OrderStatus::Paid | OrderStatus::OnHold | OrderStatus::Released => {
            settled.then_some(OrderEvent::Cancel)
        }
        OrderStatus::Allocated => Some(match settled {
            true => OrderEvent::Cancel,
            // Routed again without the refunded lines.
            false => OrderEvent::Deallocate,
        }),
        OrderStatus::InFulfilment | OrderStatus::PartiallyShipped => {
            intercept_lines(tx, order_id, Some(&cancelled), &reason, actor, at).await?;
            match (settled, any_shipped) {
                (true, true) => Some(OrderEvent::ShipAll),
                (true, false) => Some(OrderEvent::Cancel),
                (false, _) => None,
            }
        }
        OrderStatus::Shipped | OrderStatus::Completed | OrderStatus::Cancelled => None,
    };
    if let Some(event) = event {
        let order = load_order(tx, order_id).await?;
        let (next, effects) = order.lifecycle.apply(event)?;
        apply_order_effects(tx, order_id, &effects, actor, at).await?;
        let change = Change {
            id: order_id,
            version: order.version,
            before: &order.lifecycle,
            next: &next,
        };
        write_lifecycle(tx, change, &event.encode(), &reason, actor, at).await?;
    }
    Ok(notes.join("; "))
}

fn list(lines: impl IntoIterator<Item = impl std::borrow::Borrow<u32>>) -> String {
    lines
        .into_iter()
        .map(|it| it.borrow().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The returned parcel arrived: each line's units go back on hand at `warehouse`, except damaged
/// lines, which are received and written off in the ledger (on hand unchanged).
async fn receive_return<T: Tx>(
    tx: &mut T,
    case: &AfterSale,
    warehouse: &str,
    damaged: &[u32],
    at: Timestamp,
) -> Result<String> {
    let order = load_order(tx, case.order.0).await?;
    let reference = format!("after_sale:{}", case.id);
    let (mut restocked, mut written_off) = (Vec::new(), Vec::new());
    for line in &case.lines {
        let ordered = order
            .data
            .lines
            .iter()
            .find(|it| it.line_no == line.line_no)
            .ok_or_else(|| {
                Error::NotFound(format!("line {} of order {}", line.line_no, order.id))
            })?;
        let Some(sku) = &ordered.sku else {
            return Err(Error::invalid(
                "lines",
                format!("line {} has no SKU of ours to restock", line.line_no),
            ));
        };
        let n = i64::from(line.quantity.get());
        let (stock_id, level) = tx.lock_stock(warehouse, sku.as_str()).await?;
        tx.append_ledger(
            stock_id,
            StockMoveKind::Return.as_str(),
            n,
            &reference,
            at.unix_millis(),
        )
        .await?;
        if damaged.contains(&line.line_no) {
            tx.append_ledger(
                stock_id,
                StockMoveKind::Adjust.as_str(),
                -n,
                &format!("{reference}:damaged"),
                at.unix_millis(),
            )
            .await?;
            written_off.push(line.line_no);
        } else {
            tx.write_stock(stock_id, level.receive(line.quantity))
                .await?;
            tx.queue_stock_push(stock_id, at.unix_millis()).await?;
            restocked.push(line.line_no);
        }
    }
    let mut notes = Vec::new();
    if !restocked.is_empty() {
        notes.push(format!(
            "lines {} restocked at {warehouse}",
            list(&restocked)
        ));
    }
    if !written_off.is_empty() {
        notes.push(format!("lines {} damaged, written off", list(&written_off)));
    }
    Ok(notes.join("; "))
}

/// An exchange or resend ships again through a replacement order: the case's lines, free of charge,
/// paid and ready for routing, never confirmed to the platform.
async fn create_replacement<T: Tx>(
    tx: &mut T,
    case: &AfterSale,
    actor: &Actor,
    at: Timestamp,
) -> Result<OrderId> {
    let original = load_order(tx, case.order.0).await?;
    let mut data = original.data.clone();
    let external = format!("{}-R{}", original.data.external_id.as_str(), case.id);
    data.external_id = ExternalId::new(external.clone())
        .map_err(|e| Error::invalid("external_id", e.to_string()))?;
    let zero = Money::new(0, data.currency);
    data.lines = case
        .lines
        .iter()
        .zip(1..)
        .map(|(line, line_no)| {
            let ordered = original
                .data
                .lines
                .iter()
                .find(|it| it.line_no == line.line_no)
                .ok_or_else(|| {
                    Error::NotFound(format!("line {} of order {}", line.line_no, original.id))
                })?;
            let mut copy = ordered.clone();
            copy.line_no = line_no;
            copy.quantity = line.quantity;
            copy.unit_price = zero;
            copy.discount = zero;
            copy.paid = zero;
            copy.refund = RefundState::None;
            Ok(copy)
        })
        .collect::<Result<_>>()?;
    data.amounts.goods = zero;
    data.amounts.discount = zero;
    data.amounts.shipping = zero;
    data.amounts.paid = zero;
    data.flags.replacement = true;
    data.flags.cod = false;
    data.platform_status = format!("replacement of {}", original.data.external_id.as_str());
    data.platform_state = domain::PlatformState::Paid;
    data.created_at = at;
    data.paid_at = Some(at);
    data.updated_at = at;
    let body = format!(
        "{{\"after_sale\":{},\"kind\":\"{}\",\"replaces\":{}}}",
        case.id, case.kind, original.id
    );
    let hash = domain::content_hash(body.as_bytes());
    let raw_id = tx
        .insert_raw_document(
            data.shop.0,
            &external,
            "after_sale_replacement",
            at.unix_millis(),
            hash as i64,
            body.as_bytes(),
        )
        .await?;
    let lifecycle = Lifecycle::new(OrderStatus::Paid);
    let row = OrderRow::from_standard(&data, &lifecycle, hash, raw_id, at);
    let id = tx.insert_order(&row).await?;
    let lines: Vec<LineRow> = data.lines.iter().map(LineRow::from_line).collect();
    tx.insert_lines(id, &lines).await?;
    let actor = actor.to_string();
    let note = format!("replaces order {} for after-sale {}", original.id, case.id);
    tx.append_event(NewEvent {
        subject_kind: "order",
        subject_id: id,
        kind: "create_replacement",
        actor: &actor,
        at,
        before: "",
        after: OrderStatus::Paid.as_str(),
        note: &note,
    })
    .await?;
    Ok(OrderId(id))
}

pub(crate) async fn money_ledger<T: Tx>(tx: &mut T, order: OrderId) -> Result<Vec<MoneyEntry>> {
    tx.money_rows(order.0).await
}

/// The after-sale line rows as domain lines.
pub(crate) fn after_sale_line(
    line_no: i64,
    quantity: i64,
    refund_minor: i64,
    currency: &domain::Currency,
) -> Result<AfterSaleLine> {
    let corrupt = || Error::Storage(format!("after-sale line {line_no} of {quantity}"));
    Ok(AfterSaleLine {
        line_no: u32::try_from(line_no).map_err(|_| corrupt())?,
        quantity: u32::try_from(quantity)
            .ok()
            .and_then(|n| Quantity::new(n).ok())
            .ok_or_else(corrupt)?,
        refund: Money::new(refund_minor, *currency),
    })
}

pub(crate) async fn open_shipments<T: Tx>(
    tx: &mut T,
    warehouse: Option<&str>,
    limit: u32,
) -> Result<Vec<Shipment>> {
    let mut shipments = Vec::new();
    for id in tx.open_shipment_ids(warehouse, i64::from(limit)).await? {
        shipments.push(load_shipment(tx, id).await?);
    }
    Ok(shipments)
}

pub(crate) async fn order_shipments<T: Tx>(tx: &mut T, order: OrderId) -> Result<Vec<Shipment>> {
    let mut shipments = Vec::new();
    for id in tx.shipments_of(order.0).await? {
        shipments.push(load_shipment(tx, id).await?);
    }
    Ok(shipments)
}

pub(crate) async fn after_sales<T: Tx>(
    tx: &mut T,
    order: Option<OrderId>,
    open_only: bool,
) -> Result<Vec<AfterSale>> {
    let mut cases = Vec::new();
    for id in tx.after_sale_ids(order.map(|it| it.0), open_only).await? {
        cases.push(load_after_sale(tx, id).await?);
    }
    Ok(cases)
}
