//! OrderHub's use cases and the ports they need.
//!
//! **API Boundary**: [`Store`] is the one storage port, named in domain verbs; `store` implements it for
//! SQLite and PostgreSQL, and `store`'s conformance suite holds both to the same stories. [`Clock`] is
//! how edges learn the time; the core only ever receives a `Timestamp`.

mod channel;
mod clock;
mod deadlines;
mod error;
mod fulfil;
mod route;
mod screen;
mod store;
mod sync;

pub use crate::channel::{
    AfterSaleDocument, AfterSalePage, ChannelError, Connector, Fetched, ListedStock, MapFailure,
    OrderPage, PageToken, PlatformAfterSale, PlatformAfterSaleLine, PlatformStage, PushMessage,
    ShipmentConfirmation, SyncLimits, Window,
};
pub use crate::clock::{Clock, ManualClock};
pub use crate::deadlines::check_deadlines;
pub use crate::error::{Error, Result};
pub use crate::fulfil::{
    Lease, ScanOutcome, Station, claim_batch, expire_lapsed_claims, parse_shipment_barcode,
    record_platform_after_sale,
};
pub use crate::route::{
    ChangedDecision, ReplayReport, RouteReport, Router, catalog_of, replay, route_pending,
};
pub use crate::screen::{AddressCheck, ScreenReport, rescreen_held, screen};
pub use crate::store::{
    ALERT_TOPIC, AfterSaleAction, AlertRecord, AlertReport, ApiToken, DecisionRecord, EventRecord,
    FlowFigures, IngestBatch, IngestItem, IngestReport, MoneyEntry, NewAfterSale, NewReject,
    NewShipment, NewUser, OrderQuery, OrderSummary, OutboxItem, RawDocument, Reject,
    RoutedDecision, RoutingBatch, SkuDefinition, StageTimes, StockRequest, Store, StoredDecision,
    Stream, SyncStatus, UnknownSku, User,
};
pub use crate::sync::{
    Pause, RetryPolicy, SyncError, SyncReport, fetch_and_store, sync_after_sales, sync_orders,
};
