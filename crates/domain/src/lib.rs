//! The pure core of OrderHub: the words of `DESIGN.md` §3 as types, and the lifecycles of §4 as
//! exhaustive transition functions.
//!
//! Nothing here does IO, reads the clock or the environment, or knows a wire format: time arrives as a
//! [`Timestamp`] argument, and each boundary (store, channels, HTTP) writes its own conversions.

mod access;
mod after_sale;
mod carrier;
mod deadline;
mod event;
mod ids;
mod ingest;
mod money;
mod order;
pub mod routing;
mod shipment;
mod shop;
mod sku;
mod stock;
mod time;

pub use crate::access::{Permission, Principal, Role, mask_phone};
pub use crate::after_sale::{
    AfterSale, AfterSaleError, AfterSaleEvent, AfterSaleKind, AfterSaleLine, AfterSaleStatus,
};
pub use crate::carrier::{TrackingMismatch, carriers_with_rules, check_tracking};
pub use crate::deadline::{
    AlertAction, AlertChange, AlertKey, AlertLevel, Deadline, DeadlinePolicy, OpenAlert, Overdue,
    Stage, Subject, WorkItem, apply_changes, assess,
};
pub use crate::event::{Actor, EventSubject};
pub use crate::ids::{
    AfterSaleId, ExternalId, IdError, OrderId, Quantity, ShipmentId, ShopId, SkuCode, WarehouseCode,
};
pub use crate::ingest::{IngestDecision, Revision, content_hash, decide_ingest};
pub use crate::money::{Currency, Money, MoneyError};
pub use crate::order::{
    Buyer, HoldReason, InvalidTransition, Lifecycle, Order, OrderAmounts, OrderEffect, OrderEvent,
    OrderEventKind, OrderFlags, OrderLine, OrderStatus, PlatformState, Receiver, RefundState,
    StandardOrder, platform_events, routing_changed,
};
pub use crate::shipment::{
    LineProgress, OverAllocation, Shipment, ShipmentEffect, ShipmentError, ShipmentEvent,
    ShipmentEventKind, ShipmentLine, ShipmentStatus, TrackingNumber,
};
pub use crate::shop::{ChannelKind, Shop, Warehouse, WarehouseKind};
pub use crate::sku::{Component, ShopSkuKey, SkuMap, SkuResolution};
pub use crate::stock::{InsufficientStock, ListingShare, StockError, StockLevel, StockMoveKind};
pub use crate::time::Timestamp;
