//! The standard order and its lifecycle (DESIGN §4):
//!
//! ```text
//! unpaid ─► paid ─► (on_hold ⇄ released) ─► allocated ─► in_fulfilment ─► partially_shipped ─► shipped ─► completed
//!    └────────┴────────────┴────────────────────┴───────────────┴─► cancelled
//! ```
//!
//! [`Lifecycle::apply`] is the one transition function: it takes an [`OrderEvent`] and returns the new
//! lifecycle and the [`OrderEffect`]s the event causes elsewhere (stock to release, a shipment to
//! intercept), or [`InvalidTransition`]. Replaying an order's events from its first lifecycle rebuilds it.

#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt;

use crate::ids::{ExternalId, OrderId, Quantity, ShopId, SkuCode};
use crate::money::{Currency, Money};
use crate::time::Timestamp;

/// Our status of an order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrderStatus {
    Unpaid,
    Paid,
    OnHold,
    Released,
    Allocated,
    InFulfilment,
    PartiallyShipped,
    Shipped,
    Completed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 10] = [
        OrderStatus::Unpaid,
        OrderStatus::Paid,
        OrderStatus::OnHold,
        OrderStatus::Released,
        OrderStatus::Allocated,
        OrderStatus::InFulfilment,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Unpaid => "unpaid",
            OrderStatus::Paid => "paid",
            OrderStatus::OnHold => "on_hold",
            OrderStatus::Released => "released",
            OrderStatus::Allocated => "allocated",
            OrderStatus::InFulfilment => "in_fulfilment",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<OrderStatus> {
        OrderStatus::ALL.into_iter().find(|it| it.as_str() == text)
    }

    /// Whether stock is reserved for the order in this status.
    pub fn holds_reservation(self) -> bool {
        match self {
            OrderStatus::Allocated | OrderStatus::InFulfilment | OrderStatus::PartiallyShipped => {
                true
            }
            OrderStatus::Unpaid
            | OrderStatus::Paid
            | OrderStatus::OnHold
            | OrderStatus::Released
            | OrderStatus::Shipped
            | OrderStatus::Completed
            | OrderStatus::Cancelled => false,
        }
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an order waits for a person or a condition before it may be allocated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum HoldReason {
    AddressAmbiguous,
    AddressIncomplete,
    UnknownSku,
    OutOfStock,
    BuyerMessage,
    HighAmount,
    Risk,
    RefundPending,
    DoNotShip,
    Manual,
}

impl HoldReason {
    pub const ALL: [HoldReason; 10] = [
        HoldReason::AddressAmbiguous,
        HoldReason::AddressIncomplete,
        HoldReason::UnknownSku,
        HoldReason::OutOfStock,
        HoldReason::BuyerMessage,
        HoldReason::HighAmount,
        HoldReason::Risk,
        HoldReason::RefundPending,
        HoldReason::DoNotShip,
        HoldReason::Manual,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            HoldReason::AddressAmbiguous => "address_ambiguous",
            HoldReason::AddressIncomplete => "address_incomplete",
            HoldReason::UnknownSku => "unknown_sku",
            HoldReason::OutOfStock => "out_of_stock",
            HoldReason::BuyerMessage => "buyer_message",
            HoldReason::HighAmount => "high_amount",
            HoldReason::Risk => "risk",
            HoldReason::RefundPending => "refund_pending",
            HoldReason::DoNotShip => "do_not_ship",
            HoldReason::Manual => "manual",
        }
    }

    pub fn parse(text: &str) -> Option<HoldReason> {
        HoldReason::ALL.into_iter().find(|it| it.as_str() == text)
    }
}

/// Something that happened to an order: a platform update, a decision of ours, a warehouse step.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderEvent {
    /// The buyer paid (seen on the platform).
    Pay,
    /// Hold the order for a reason; several reasons may be held at once.
    Hold(HoldReason),
    /// Clear one hold reason, or all of them with `None`.
    Release(Option<HoldReason>),
    /// Stock was reserved and shipments were planned.
    Allocate,
    /// The platform changed an allocated order's goods, address or refunds: its stock is given back
    /// and it waits to be routed again.
    Deallocate,
    /// A warehouse claimed a shipment of the order.
    StartFulfilment,
    /// Some, not all, of the order's lines have left a warehouse.
    ShipPart,
    /// Every line has left a warehouse.
    ShipAll,
    /// The platform reports the order finished (received, confirmed).
    Complete,
    /// The platform or a person cancelled the order.
    Cancel,
}

/// The kind of an [`OrderEvent`], without its data: for errors and the transition table.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderEventKind {
    Pay,
    Hold,
    Release,
    Allocate,
    Deallocate,
    StartFulfilment,
    ShipPart,
    ShipAll,
    Complete,
    Cancel,
}

impl OrderEvent {
    pub fn kind(self) -> OrderEventKind {
        match self {
            OrderEvent::Pay => OrderEventKind::Pay,
            OrderEvent::Hold(_) => OrderEventKind::Hold,
            OrderEvent::Release(_) => OrderEventKind::Release,
            OrderEvent::Allocate => OrderEventKind::Allocate,
            OrderEvent::Deallocate => OrderEventKind::Deallocate,
            OrderEvent::StartFulfilment => OrderEventKind::StartFulfilment,
            OrderEvent::ShipPart => OrderEventKind::ShipPart,
            OrderEvent::ShipAll => OrderEventKind::ShipAll,
            OrderEvent::Complete => OrderEventKind::Complete,
            OrderEvent::Cancel => OrderEventKind::Cancel,
        }
    }

    /// A stable text form, `kind` or `kind:argument`, for the event log.
    pub fn encode(self) -> String {
        let kind = self.kind().as_str();
        match self {
            OrderEvent::Hold(reason) => format!("{kind}:{}", reason.as_str()),
            OrderEvent::Release(Some(reason)) => format!("{kind}:{}", reason.as_str()),
            OrderEvent::Release(None)
            | OrderEvent::Pay
            | OrderEvent::Allocate
            | OrderEvent::Deallocate
            | OrderEvent::StartFulfilment
            | OrderEvent::ShipPart
            | OrderEvent::ShipAll
            | OrderEvent::Complete
            | OrderEvent::Cancel => kind.to_owned(),
        }
    }

    /// Parses the form written by [`OrderEvent::encode`].
    pub fn decode(text: &str) -> Option<OrderEvent> {
        let (kind, arg) = match text.split_once(':') {
            Some((kind, arg)) => (kind, Some(arg)),
            None => (text, None),
        };
        let reason = match arg {
            Some(arg) => Some(HoldReason::parse(arg)?),
            None => None,
        };
        let kind = OrderEventKind::ALL
            .into_iter()
            .find(|it| it.as_str() == kind)?;
        Some(match (kind, reason) {
            (OrderEventKind::Hold, Some(reason)) => OrderEvent::Hold(reason),
            (OrderEventKind::Release, reason) => OrderEvent::Release(reason),
            (OrderEventKind::Pay, None) => OrderEvent::Pay,
            (OrderEventKind::Allocate, None) => OrderEvent::Allocate,
            (OrderEventKind::Deallocate, None) => OrderEvent::Deallocate,
            (OrderEventKind::StartFulfilment, None) => OrderEvent::StartFulfilment,
            (OrderEventKind::ShipPart, None) => OrderEvent::ShipPart,
            (OrderEventKind::ShipAll, None) => OrderEvent::ShipAll,
            (OrderEventKind::Complete, None) => OrderEvent::Complete,
            (OrderEventKind::Cancel, None) => OrderEvent::Cancel,
            (
                OrderEventKind::Hold
                | OrderEventKind::Pay
                | OrderEventKind::Allocate
                | OrderEventKind::Deallocate
                | OrderEventKind::StartFulfilment
                | OrderEventKind::ShipPart
                | OrderEventKind::ShipAll
                | OrderEventKind::Complete
                | OrderEventKind::Cancel,
                _,
            ) => return None,
        })
    }
}

impl OrderEventKind {
    pub const ALL: [OrderEventKind; 10] = [
        OrderEventKind::Pay,
        OrderEventKind::Hold,
        OrderEventKind::Release,
        OrderEventKind::Allocate,
        OrderEventKind::Deallocate,
        OrderEventKind::StartFulfilment,
        OrderEventKind::ShipPart,
        OrderEventKind::ShipAll,
        OrderEventKind::Complete,
        OrderEventKind::Cancel,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderEventKind::Pay => "pay",
            OrderEventKind::Hold => "hold",
            OrderEventKind::Release => "release",
            OrderEventKind::Allocate => "allocate",
            OrderEventKind::Deallocate => "deallocate",
            OrderEventKind::StartFulfilment => "start_fulfilment",
            OrderEventKind::ShipPart => "ship_part",
            OrderEventKind::ShipAll => "ship_all",
            OrderEventKind::Complete => "complete",
            OrderEventKind::Cancel => "cancel",
        }
    }
}

impl fmt::Display for OrderEventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What an order event requires of the rest of the system.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderEffect {
    /// Reserve stock for the planned shipments.
    ReserveStock,
    /// Give back the order's reservations.
    ReleaseStock,
    /// Stop the order's claimed shipments: tell the holder and refuse the ship scan.
    InterceptShipments,
    /// A cancel arrived after goods left: a person must intercept the parcel or start an after-sale.
    RaiseException,
}

/// The event was not allowed in the order's status.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("order cannot {event} while {from}")]
pub struct InvalidTransition {
    pub from: OrderStatus,
    pub event: OrderEventKind,
}

/// The part of an order that its events change: status, open holds and whether a person must step in.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Lifecycle {
    pub status: OrderStatus,
    pub holds: BTreeSet<HoldReason>,
    /// Set when a cancel arrived after shipment; cleared by a person (after-sales, later).
    pub exception: bool,
}

impl Lifecycle {
    pub fn new(status: OrderStatus) -> Lifecycle {
        Lifecycle {
            status,
            holds: BTreeSet::new(),
            exception: false,
        }
    }

    /// The first lifecycle of an order first seen in `state` on its platform.
    pub fn first_seen(state: PlatformState) -> Lifecycle {
        Lifecycle::new(match state {
            PlatformState::Unpaid => OrderStatus::Unpaid,
            PlatformState::Paid => OrderStatus::Paid,
            PlatformState::Shipped => OrderStatus::Shipped,
            PlatformState::Completed => OrderStatus::Completed,
            PlatformState::Cancelled => OrderStatus::Cancelled,
        })
    }

    /// The transition function: the lifecycle after `event`, and the effects it causes.
    pub fn apply(
        &self,
        event: OrderEvent,
    ) -> Result<(Lifecycle, Vec<OrderEffect>), InvalidTransition> {
        use OrderStatus as S;
        let invalid = InvalidTransition {
            from: self.status,
            event: event.kind(),
        };
        let mut next = self.clone();
        let mut effects = Vec::new();
        match (self.status, event) {
            (S::Unpaid, OrderEvent::Pay) => next.status = S::Paid,
            (S::Paid | S::Released | S::OnHold, OrderEvent::Hold(reason)) => {
                next.status = S::OnHold;
                next.holds.insert(reason);
            }
            (S::Allocated, OrderEvent::Hold(reason)) => {
                next.status = S::OnHold;
                next.holds.insert(reason);
                effects.push(OrderEffect::ReleaseStock);
            }
            (S::OnHold, OrderEvent::Release(reason)) => {
                let cleared = match reason {
                    Some(reason) => next.holds.remove(&reason),
                    None => {
                        next.holds.clear();
                        true
                    }
                };
                if !cleared {
                    return Err(invalid);
                }
                if next.holds.is_empty() {
                    next.status = S::Released;
                }
            }
            (S::Paid | S::Released, OrderEvent::Allocate) => {
                next.status = S::Allocated;
                effects.push(OrderEffect::ReserveStock);
            }
            (S::Allocated, OrderEvent::Deallocate) => {
                next.status = S::Paid;
                effects.push(OrderEffect::ReleaseStock);
            }
            (S::Allocated, OrderEvent::StartFulfilment) => next.status = S::InFulfilment,
            // Another shipment of the same order was claimed: nothing new for the order.
            (S::InFulfilment | S::PartiallyShipped, OrderEvent::StartFulfilment) => {}
            (S::Allocated | S::InFulfilment | S::PartiallyShipped, OrderEvent::ShipPart) => {
                next.status = S::PartiallyShipped;
            }
            (S::Allocated | S::InFulfilment | S::PartiallyShipped, OrderEvent::ShipAll) => {
                next.status = S::Shipped;
            }
            (S::Shipped, OrderEvent::Complete) => next.status = S::Completed,
            (S::Unpaid | S::Paid | S::OnHold | S::Released, OrderEvent::Cancel) => {
                next.status = S::Cancelled;
                next.holds.clear();
            }
            (S::Allocated, OrderEvent::Cancel) => {
                next.status = S::Cancelled;
                effects.push(OrderEffect::ReleaseStock);
            }
            (S::InFulfilment, OrderEvent::Cancel) => {
                next.status = S::Cancelled;
                effects.push(OrderEffect::InterceptShipments);
                effects.push(OrderEffect::ReleaseStock);
            }
            (S::PartiallyShipped, OrderEvent::Cancel) => {
                next.exception = true;
                effects.push(OrderEffect::InterceptShipments);
                effects.push(OrderEffect::RaiseException);
            }
            (S::Shipped | S::Completed, OrderEvent::Cancel) => {
                next.exception = true;
                effects.push(OrderEffect::RaiseException);
            }
            (
                S::Unpaid,
                OrderEvent::Hold(_)
                | OrderEvent::Release(_)
                | OrderEvent::Allocate
                | OrderEvent::StartFulfilment
                | OrderEvent::ShipPart
                | OrderEvent::ShipAll
                | OrderEvent::Complete,
            )
            | (
                S::Paid | S::Released,
                OrderEvent::Pay
                | OrderEvent::Release(_)
                | OrderEvent::StartFulfilment
                | OrderEvent::ShipPart
                | OrderEvent::ShipAll
                | OrderEvent::Complete,
            )
            | (
                S::OnHold,
                OrderEvent::Pay
                | OrderEvent::Allocate
                | OrderEvent::StartFulfilment
                | OrderEvent::ShipPart
                | OrderEvent::ShipAll
                | OrderEvent::Complete,
            )
            | (
                S::Allocated,
                OrderEvent::Pay
                | OrderEvent::Release(_)
                | OrderEvent::Allocate
                | OrderEvent::Complete,
            )
            | (
                S::InFulfilment | S::PartiallyShipped,
                OrderEvent::Pay
                | OrderEvent::Hold(_)
                | OrderEvent::Release(_)
                | OrderEvent::Allocate
                | OrderEvent::Complete,
            )
            | (
                S::Shipped,
                OrderEvent::Pay
                | OrderEvent::Hold(_)
                | OrderEvent::Release(_)
                | OrderEvent::Allocate
                | OrderEvent::StartFulfilment
                | OrderEvent::ShipPart
                | OrderEvent::ShipAll,
            )
            | (
                S::Completed | S::Cancelled,
                OrderEvent::Pay
                | OrderEvent::Hold(_)
                | OrderEvent::Release(_)
                | OrderEvent::Allocate
                | OrderEvent::StartFulfilment
                | OrderEvent::ShipPart
                | OrderEvent::ShipAll
                | OrderEvent::Complete,
            )
            | (S::Cancelled, OrderEvent::Cancel)
            | (
                S::Unpaid
                | S::Paid
                | S::OnHold
                | S::Released
                | S::InFulfilment
                | S::PartiallyShipped
                | S::Shipped
                | S::Completed
                | S::Cancelled,
                OrderEvent::Deallocate,
            ) => return Err(invalid),
        }
        Ok((next, effects))
    }

    /// Rebuilds a lifecycle from its first state and its events, as the event log holds them.
    pub fn replay(
        first: Lifecycle,
        events: impl IntoIterator<Item = OrderEvent>,
    ) -> Result<Lifecycle, InvalidTransition> {
        events
            .into_iter()
            .try_fold(first, |state, event| Ok(state.apply(event)?.0))
    }
}

/// The platform's order status, reduced to what drives our lifecycle. Each connector maps its own
/// status enum onto this one exhaustively; the raw text is kept in [`StandardOrder::platform_status`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum PlatformState {
    Unpaid,
    Paid,
    Shipped,
    Completed,
    Cancelled,
}

impl PlatformState {
    pub const ALL: [PlatformState; 5] = [
        PlatformState::Unpaid,
        PlatformState::Paid,
        PlatformState::Shipped,
        PlatformState::Completed,
        PlatformState::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            PlatformState::Unpaid => "unpaid",
            PlatformState::Paid => "paid",
            PlatformState::Shipped => "shipped",
            PlatformState::Completed => "completed",
            PlatformState::Cancelled => "cancelled",
        }
    }

    pub fn parse(text: &str) -> Option<PlatformState> {
        PlatformState::ALL
            .into_iter()
            .find(|it| it.as_str() == text)
    }
}

/// The events a newer platform revision implies for an order we already hold.
///
/// Payment and cancellation come from the platform; shipping and completion are ours to record, so a
/// platform saying "shipped" (the seller shipped from the back office) changes nothing here.
pub fn platform_events(current: &Lifecycle, state: PlatformState) -> Vec<OrderEvent> {
    match state {
        PlatformState::Cancelled => {
            let already_known = current.status == OrderStatus::Cancelled || current.exception;
            if already_known {
                Vec::new()
            } else {
                vec![OrderEvent::Cancel]
            }
        }
        PlatformState::Paid | PlatformState::Shipped | PlatformState::Completed => {
            if current.status == OrderStatus::Unpaid {
                vec![OrderEvent::Pay]
            } else {
                Vec::new()
            }
        }
        PlatformState::Unpaid => Vec::new(),
    }
}

/// Whether a newer revision of an order changes what its routing decided on: the receiver, or the
/// lines' goods, quantities or refunds.
pub fn routing_changed(older: &StandardOrder, newer: &StandardOrder) -> bool {
    let key = |order: &StandardOrder| -> Vec<(u32, String, String, u32, RefundState)> {
        order
            .lines
            .iter()
            .map(|it| {
                (
                    it.line_no,
                    it.platform_sku_id.clone(),
                    it.seller_sku_code.clone(),
                    it.quantity.get(),
                    it.refund,
                )
            })
            .collect()
    };
    older.receiver != newer.receiver || key(older) != key(newer)
}

/// The buyer as the platform names them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Buyer {
    pub platform_id: String,
    pub nickname: String,
}

/// Where the parcel goes. Fields may hold masked text or ciphertext when the platform hides them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Receiver {
    pub name: String,
    pub phone: String,
    pub country: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub town: String,
    pub detail: String,
    pub zip: String,
    /// Six-digit administrative code of the district (or finer), when known.
    pub area_code: String,
}

/// The money of an order, all in the order's currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OrderAmounts {
    pub goods: Money,
    pub discount: Money,
    pub shipping: Money,
    pub paid: Money,
}

impl OrderAmounts {
    pub fn zero(currency: Currency) -> OrderAmounts {
        let zero = Money::zero(currency);
        OrderAmounts {
            goods: zero,
            discount: zero,
            shipping: zero,
            paid: zero,
        }
    }
}

/// Flags that change how an order is routed and shipped.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct OrderFlags {
    pub presale: bool,
    pub cross_border: bool,
    pub cod: bool,
    pub gift: bool,
    pub do_not_ship: bool,
    /// Made by us to ship an after-sale's exchange or resend: never confirmed to the platform.
    pub replacement: bool,
}

impl OrderFlags {
    /// The flags packed into bits, for storage.
    pub fn bits(self) -> u8 {
        u8::from(self.presale)
            | u8::from(self.cross_border) << 1
            | u8::from(self.cod) << 2
            | u8::from(self.gift) << 3
            | u8::from(self.do_not_ship) << 4
            | u8::from(self.replacement) << 5
    }

    pub fn from_bits(bits: u8) -> OrderFlags {
        OrderFlags {
            presale: bits & 1 != 0,
            cross_border: bits & 2 != 0,
            cod: bits & 4 != 0,
            gift: bits & 8 != 0,
            do_not_ship: bits & 16 != 0,
            replacement: bits & 32 != 0,
        }
    }
}

/// Where a line stands with refunds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RefundState {
    None,
    Requested,
    Refunded,
}

impl RefundState {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundState::None => "none",
            RefundState::Requested => "requested",
            RefundState::Refunded => "refunded",
        }
    }

    pub fn parse(text: &str) -> Option<RefundState> {
        [
            RefundState::None,
            RefundState::Requested,
            RefundState::Refunded,
        ]
        .into_iter()
        .find(|it| it.as_str() == text)
    }
}

/// One line of an order: an item, a quantity and its money.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct OrderLine {
    /// Position in the order, from 1; stable across revisions of the order.
    pub line_no: u32,
    /// The platform's own id of this line (Taobao `oid`, Douyin sub-order id, Shopify line item id),
    /// what a per-line shipment confirmation names; empty when the platform has none (CSV exports).
    pub platform_line_id: String,
    pub platform_item_id: String,
    pub platform_sku_id: String,
    pub seller_sku_code: String,
    /// Our SKU, once mapped; `None` holds the order as "unknown SKU".
    pub sku: Option<SkuCode>,
    pub title: String,
    pub quantity: Quantity,
    pub unit_price: Money,
    pub discount: Money,
    pub paid: Money,
    pub refund: RefundState,
}

/// An order as the platform describes it, mapped into our words: what a mapping produces from a raw
/// document and what re-mapping re-derives. Everything here comes from the platform.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct StandardOrder {
    pub shop: ShopId,
    pub external_id: ExternalId,
    /// The platform's own status text, kept verbatim.
    pub platform_status: String,
    pub platform_state: PlatformState,
    pub created_at: Timestamp,
    pub paid_at: Option<Timestamp>,
    /// The platform's last-modified time: what orders revisions of the same order.
    pub updated_at: Timestamp,
    pub buyer: Buyer,
    pub receiver: Receiver,
    pub currency: Currency,
    pub amounts: OrderAmounts,
    pub buyer_message: String,
    pub seller_memo: String,
    pub flags: OrderFlags,
    pub tags: Vec<String>,
    pub risk_score: Option<u8>,
    pub lines: Vec<OrderLine>,
}

/// An order as we hold it: the platform's view plus our id, lifecycle and version.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Order {
    pub id: OrderId,
    /// Bumped by every change; a write that names an older version is a conflict.
    pub version: u64,
    pub lifecycle: Lifecycle,
    pub ingested_at: Timestamp,
    pub data: StandardOrder,
}
