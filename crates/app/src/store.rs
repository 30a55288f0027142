//! The storage port. Every method is one whole use case, atomic on its own: no transaction handle
//! crosses the port. Both implementations live in the `store` crate and pass its conformance suite.

use domain::{
    Actor, AfterSale, AfterSaleEvent, AfterSaleId, AfterSaleKind, AfterSaleLine, AlertChange,
    AlertKey, AlertLevel, ExternalId, IngestDecision, Money, Order, OrderEvent, OrderId,
    OrderStatus, Permission, Quantity, Role, Shipment, ShipmentEvent, ShipmentId, ShipmentLine,
    Shop, ShopId, SkuCode, Stage, StandardOrder, StockLevel, Subject, Timestamp, Warehouse,
    WarehouseCode, WorkItem,
};

use crate::error::Result;

/// A platform document exactly as it arrived: kept so that a mapping fix can re-derive its order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RawDocument {
    pub shop: ShopId,
    pub external_id: ExternalId,
    pub received_at: Timestamp,
    /// A short name of the document's shape, e.g. `taobao.trade.fullinfo` or `csv.tmall`.
    pub format: String,
    pub body: Vec<u8>,
}

/// One mapped order and the document it came from.
#[derive(Clone, Debug)]
pub struct IngestItem {
    pub raw: RawDocument,
    pub order: StandardOrder,
}

/// Which incremental feed of a shop a cursor belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Stream {
    Orders,
    AfterSales,
}

impl Stream {
    pub fn as_str(self) -> &'static str {
        match self {
            Stream::Orders => "orders",
            Stream::AfterSales => "after_sales",
        }
    }

    pub fn parse(text: &str) -> Option<Stream> {
        [Stream::Orders, Stream::AfterSales]
            .into_iter()
            .find(|it| it.as_str() == text)
    }
}

/// A person who signs in. The password is kept only as its PHC-string hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub role: Role,
    /// A warehouse user's warehouses.
    pub warehouses: Vec<WarehouseCode>,
    pub password_hash: String,
    pub disabled: bool,
}

/// A user to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub warehouses: Vec<WarehouseCode>,
    pub password_hash: String,
}

/// An API token as kept: never the token itself, only its hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiToken {
    pub id: i64,
    pub user: i64,
    pub name: String,
    /// What the token is narrowed to; empty: everything its user's role grants.
    pub scopes: Vec<Permission>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// How a shop's stream last went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SyncStatus {
    pub shop: ShopId,
    pub stream: Stream,
    pub ok: bool,
    /// The last failure's class and message; empty when it went well.
    pub last_error: String,
    pub at: Timestamp,
}

/// A page of documents from one shop's stream and the cursor to store with it, in one transaction.
#[derive(Clone, Debug)]
pub struct IngestBatch {
    pub shop: ShopId,
    pub stream: Stream,
    pub items: Vec<IngestItem>,
    /// The stream's cursor after this page; `None` leaves it as it is.
    pub cursor: Option<String>,
    pub actor: Actor,
    pub at: Timestamp,
}

/// What a batch did, order by order and in total.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IngestReport {
    pub inserted: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub stale: u32,
    /// Orders inserted or updated, for the next pipeline step.
    pub changed: Vec<OrderId>,
}

impl IngestReport {
    pub fn count(&mut self, decision: IngestDecision) {
        match decision {
            IngestDecision::Insert => self.inserted += 1,
            IngestDecision::Update => self.updated += 1,
            IngestDecision::Unchanged => self.unchanged += 1,
            IngestDecision::Stale => self.stale += 1,
        }
    }
}

/// Filters of an order search; all given filters must match. Results come newest first by our id.
#[derive(Clone, Debug, Default)]
pub struct OrderQuery {
    pub shop: Option<ShopId>,
    pub status: Option<OrderStatus>,
    pub external_id: Option<String>,
    /// The last digits of the receiver's phone.
    pub phone_tail: Option<String>,
    pub receiver_name: Option<String>,
    pub sku: Option<SkuCode>,
    /// Platform creation time, inclusive from, exclusive to.
    pub created_from: Option<Timestamp>,
    pub created_to: Option<Timestamp>,
    /// Return orders with ids below this (the previous page's last id).
    pub before: Option<OrderId>,
    pub limit: u32,
}

/// A row of search results.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderSummary {
    pub id: OrderId,
    pub shop: ShopId,
    pub external_id: ExternalId,
    pub status: OrderStatus,
    pub created_at: Timestamp,
    pub receiver_name: String,
    pub paid_minor: i64,
    pub currency: String,
}

/// One entry of the event log, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventRecord {
    pub id: i64,
    pub subject_kind: String,
    pub subject_id: i64,
    /// The event's stable text form, e.g. `hold:out_of_stock` or `ingest:insert`.
    pub kind: String,
    pub actor: String,
    pub at: Timestamp,
    pub before: String,
    pub after: String,
    /// Why, when a person said (a hold released with a note).
    pub note: String,
}

/// Reserve `quantity` of `sku` in `warehouse` for one order line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StockRequest {
    pub line_no: u32,
    pub warehouse: WarehouseCode,
    pub sku: SkuCode,
    pub quantity: Quantity,
}

/// A shipment to create from order lines, all from one warehouse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewShipment {
    pub warehouse: WarehouseCode,
    pub carrier: Option<String>,
    pub lines: Vec<ShipmentLine>,
    /// Orders with this key (one buyer and address) may join the shipment while it is unclaimed.
    pub merge_key: Option<String>,
}

/// A new after-sale: pulled from a platform (with its refund id, kept once) or created by hand (empty id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewAfterSale {
    pub order: OrderId,
    pub external_id: String,
    pub kind: AfterSaleKind,
    pub reason: String,
    pub lines: Vec<AfterSaleLine>,
}

/// What a person (or a platform's update) does to an after-sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AfterSaleAction {
    /// Accept the case. A refund of lines not yet shipped cancels them at once: their stock is released
    /// and a claimed shipment holding them is intercepted.
    Approve,
    Reject,
    /// The returned parcel arrived at `warehouse`: its lines are restocked, except the `damaged` line
    /// numbers, which are written off.
    ReceiveReturn {
        warehouse: WarehouseCode,
        damaged: Vec<u32>,
    },
    /// Pay the case's amount back (a row in the money ledger).
    Refund,
    /// Send goods again: a replacement order with the case's lines, routed like any other.
    Replace,
}

impl AfterSaleAction {
    pub fn event(&self) -> AfterSaleEvent {
        match self {
            AfterSaleAction::Approve => AfterSaleEvent::Approve,
            AfterSaleAction::Reject => AfterSaleEvent::Reject,
            AfterSaleAction::ReceiveReturn { .. } => AfterSaleEvent::ReceiveReturn,
            AfterSaleAction::Refund => AfterSaleEvent::Refund,
            AfterSaleAction::Replace => AfterSaleEvent::Replace,
        }
    }
}

/// One row of an order's money ledger: `amount` is negative for money paid back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MoneyEntry {
    pub kind: String,
    pub amount: Money,
    pub reference: String,
    pub at: Timestamp,
}

/// A routing decision as recorded: the outcome and every input besides the order and the rules, so
/// that replaying a rule set sees exactly what the decision saw.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRecord {
    /// The rule set's stored version (0 when the rules were not stored).
    pub rule_set: u32,
    pub local_time: domain::routing::LocalTime,
    /// Hold reasons a person had released, which rules did not hold again.
    pub waived: Vec<domain::HoldReason>,
    /// Warehouses at their daily capacity when the decision was taken.
    pub full: Vec<WarehouseCode>,
    /// `StockSnapshot::encode` of the order's SKUs.
    pub stock: String,
    /// `Decision::encode`.
    pub outcome: String,
    pub explanation: String,
}

/// A recorded decision of one order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredDecision {
    pub id: i64,
    pub order: OrderId,
    pub at: Timestamp,
    pub record: DecisionRecord,
}

/// One order's decision to write: the lifecycle events it implies (allocate, holds, an out-of-stock
/// release) and its record.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutedDecision {
    pub order: OrderId,
    pub expected_version: u64,
    /// The lifecycle at that version, which the events apply to.
    pub lifecycle: domain::Lifecycle,
    pub events: Vec<OrderEvent>,
    pub record: DecisionRecord,
}

/// A routing pass's writes, all or nothing: decisions, reservations (line 0 is a gift) and shipments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RoutingBatch {
    pub decisions: Vec<RoutedDecision>,
    pub reservations: Vec<(OrderId, StockRequest)>,
    pub shipments: Vec<NewShipment>,
    pub actor: Actor,
    pub at: Timestamp,
}

/// A claimed outbox row, to deliver at least once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: i64,
    pub topic: String,
    pub key: String,
    pub payload: Vec<u8>,
    pub attempts: u32,
}

/// A platform document or import row that could not become an order, to keep until a mapping fix.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewReject {
    pub shop: ShopId,
    /// Where it came from, e.g. `api:taobao` or `csv:orders.csv#row 12`.
    pub source: String,
    /// The platform's order id when it could be read, else empty.
    pub external_ref: String,
    /// The mapping that failed, e.g. `taobao@1` or `csv.taobao@1`.
    pub format: String,
    /// The document or row exactly as it arrived.
    pub raw: Vec<u8>,
    /// The standard order's field that could not be filled, e.g. `receiver.phone`.
    pub field: String,
    pub reason: String,
    pub at: Timestamp,
}

/// A kept reject, as stored.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reject {
    pub id: i64,
    pub shop: ShopId,
    pub source: String,
    pub external_ref: String,
    pub format: String,
    pub raw: Vec<u8>,
    /// The field and reason of the latest attempt (its source too).
    pub field: String,
    pub reason: String,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    /// How often the same content was rejected while this reject was open; at least 1.
    pub attempts: u32,
    /// When its document was re-processed successfully; `None` while open.
    pub resolved_at: Option<Timestamp>,
}

/// One of our SKUs: a plain one, or a combo (kit) of components.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SkuDefinition {
    pub code: SkuCode,
    pub name: String,
    pub components: Vec<domain::Component>,
    /// What routing needs to know of it.
    pub category: String,
    pub weight_grams: u32,
    /// Bonded (cross-border) goods: shipped only from a bonded warehouse.
    pub bonded: bool,
    pub presale: bool,
}

impl SkuDefinition {
    /// A plain SKU with no routing attributes.
    pub fn plain(code: SkuCode, name: &str) -> SkuDefinition {
        SkuDefinition {
            code,
            name: name.to_owned(),
            components: Vec::new(),
            category: String::new(),
            weight_grams: 0,
            bonded: false,
            presale: false,
        }
    }
}

/// A shop's SKU key that no mapping covers yet, and how many open orders wait on it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownSku {
    pub shop: ShopId,
    pub key: domain::ShopSkuKey,
    /// A title of one of its lines, to recognise it by.
    pub title: String,
    pub orders: u64,
}

/// The storage port. Methods take `at`/`now` from the caller; implementations never read the clock.
/// An alert as kept: raised once per overdue stage and subject, escalated, cleared when done.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertRecord {
    pub id: i64,
    pub key: AlertKey,
    pub stage: Stage,
    pub subject: Subject,
    pub level: AlertLevel,
    pub shop: ShopId,
    pub warehouse: Option<WarehouseCode>,
    /// When the stage began and when it was due.
    pub since: Timestamp,
    pub due_at: Timestamp,
    pub raised_at: Timestamp,
    pub escalated_at: Option<Timestamp>,
    pub cleared_at: Option<Timestamp>,
}

/// What [`Store::apply_alerts`] wrote.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlertReport {
    pub raised: u32,
    pub escalated: u32,
    pub cleared: u32,
    /// Outbox rows queued, one per notifier per raise or escalation.
    pub deliveries: u32,
}

/// The outbox topic of alert deliveries; the row's key is the delivery's dedup key.
pub const ALERT_TOPIC: &str = "alert.notify";

#[async_trait::async_trait]
pub trait Store: Send + Sync {
    /// Creates the shop with this code, or returns the existing one.
    async fn ensure_shop(
        &self,
        code: &str,
        channel: domain::ChannelKind,
        name: &str,
    ) -> Result<Shop>;
    async fn shops(&self) -> Result<Vec<Shop>>;

    /// Stores every document, inserts or updates its order (never with an older revision), applies the
    /// lifecycle events a platform change implies, and sets the cursor: all or nothing.
    async fn ingest_batch(&self, batch: IngestBatch) -> Result<IngestReport>;
    async fn load_order(&self, id: OrderId) -> Result<Order>;
    async fn find_order(&self, shop: ShopId, external_id: &ExternalId) -> Result<Option<Order>>;
    async fn search_orders(&self, query: &OrderQuery) -> Result<Vec<OrderSummary>>;
    /// The latest raw document of an order.
    async fn raw_document(&self, id: OrderId) -> Result<RawDocument>;
    async fn count_orders(&self) -> Result<Vec<(OrderStatus, u64)>>;

    /// Keeps documents that could not become orders. The same raw content of the same shop and format,
    /// still open, is kept once: seeing it again bumps `attempts` and `last_seen` and takes the new
    /// field and reason (and source). All or nothing.
    async fn record_rejects(&self, rejects: &[NewReject]) -> Result<()>;
    /// Open rejects (not resolved), oldest first, optionally of one shop; `after` is the last id of the
    /// previous page. `limit` is capped at 1000.
    async fn open_rejects(
        &self,
        shop: Option<ShopId>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Reject>>;
    /// Marks a reject resolved (its document was re-processed successfully). An unknown id is
    /// [`crate::Error::NotFound`]; one already resolved is [`crate::Error::Conflict`].
    async fn resolve_reject(&self, id: i64, at: Timestamp) -> Result<()>;

    /// The kept raw documents of a shop's orders first ingested at or after `since`, by order id, after
    /// `after` (the previous page's last id).
    async fn order_documents(
        &self,
        shop: ShopId,
        since: Timestamp,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<(OrderId, RawDocument)>>;
    /// Replaces orders' platform data with what a changed mapping derives from their kept documents, in
    /// one transaction; orders whose data comes out the same are left alone. Returns how many changed.
    async fn rederive_orders(
        &self,
        items: Vec<(OrderId, StandardOrder)>,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<u32>;

    /// Creates or replaces one of our SKUs (with its components, for a combo).
    async fn put_sku(&self, sku: &SkuDefinition) -> Result<()>;
    /// Maps a shop's SKU key to one of our SKUs (replacing an earlier mapping of the key).
    async fn map_shop_sku(
        &self,
        shop: ShopId,
        key: &domain::ShopSkuKey,
        sku: &SkuCode,
    ) -> Result<()>;
    /// Every SKU and mapping, for resolving lines.
    async fn sku_map(&self) -> Result<domain::SkuMap>;
    /// Every SKU with its attributes and components: routing's catalogue.
    async fn catalog(&self) -> Result<Vec<SkuDefinition>>;
    /// Sets which of our SKUs each line of an order is (`None`: unknown).
    async fn set_line_skus(&self, order: OrderId, skus: &[(u32, Option<SkuCode>)]) -> Result<()>;
    /// Keys of lines without a SKU in orders not yet shipped, cancelled or completed, per shop, with the
    /// number of orders waiting on each: the one place to fix mappings from.
    async fn unknown_skus(&self) -> Result<Vec<UnknownSku>>;

    /// Applies one lifecycle event if the order is still at `expected_version`; effects on stock
    /// (release) happen in the same transaction. A stale version is [`crate::Error::Conflict`].
    async fn apply_order_event(
        &self,
        id: OrderId,
        expected_version: u64,
        event: OrderEvent,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Order>;
    /// Releases one hold (or all with `None`) with a person's note, kept in the event log.
    async fn release_hold(
        &self,
        id: OrderId,
        expected_version: u64,
        reason: Option<domain::HoldReason>,
        note: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Order>;
    /// Orders by id, in the order asked; an unknown id is [`crate::Error::NotFound`].
    async fn load_orders(&self, ids: &[OrderId]) -> Result<Vec<Order>>;
    /// Writes a routing pass: each order's events (at its expected version) and decision record, the
    /// reservations and the shipments — a shipment with a merge key joins an unclaimed one with the
    /// same key, warehouse and carrier. All or nothing: a shortage or a changed order fails the batch.
    /// Returns the shipments created or joined.
    async fn apply_routing(&self, batch: &RoutingBatch) -> Result<Vec<ShipmentId>>;
    /// The decisions recorded for an order, oldest first.
    async fn decisions(&self, order: OrderId) -> Result<Vec<StoredDecision>>;
    /// Each order's latest decision taken at or after `since`, by order id after `after`.
    async fn latest_decisions(
        &self,
        since: Timestamp,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<StoredDecision>>;
    /// Stores a rule set's text as a new version, with an event, unless it equals the latest; returns
    /// the version that holds it.
    async fn save_rule_set(&self, body: &str, actor: &Actor, at: Timestamp) -> Result<u32>;
    /// A stored rule set (the latest with `None`): version and text.
    async fn rule_set(&self, version: Option<u32>) -> Result<Option<(u32, String)>>;
    /// The order's event log, oldest first.
    async fn order_events(&self, id: OrderId) -> Result<Vec<EventRecord>>;

    async fn put_warehouse(&self, warehouse: &Warehouse) -> Result<()>;
    async fn stock_level(&self, warehouse: &WarehouseCode, sku: &SkuCode) -> Result<StockLevel>;
    /// Shipments planned per warehouse since `since` (voided ones not counted): today's load.
    async fn shipments_since(&self, since: Timestamp) -> Result<Vec<(WarehouseCode, u64)>>;
    /// Every stock row: what routing plans from.
    async fn stock_levels(&self) -> Result<Vec<(WarehouseCode, SkuCode, StockLevel)>>;
    /// Goods arrived: on hand grows, with a ledger row.
    async fn receive_stock(
        &self,
        warehouse: &WarehouseCode,
        sku: &SkuCode,
        quantity: Quantity,
        reference: &str,
        at: Timestamp,
    ) -> Result<StockLevel>;
    /// Reserves every request for the order, or none of them (`InsufficientStock`).
    async fn reserve_stock(
        &self,
        order: OrderId,
        requests: &[StockRequest],
        at: Timestamp,
    ) -> Result<()>;
    /// Gives back everything still reserved for the order; returns the units released.
    async fn release_stock(&self, order: OrderId, at: Timestamp) -> Result<u64>;
    /// The stock ledger of one row, oldest first: `(kind, signed quantity, reference)`.
    async fn stock_ledger(
        &self,
        warehouse: &WarehouseCode,
        sku: &SkuCode,
    ) -> Result<Vec<(String, i64, String)>>;

    /// Plans order lines into a new shipment; no line may be planned beyond its quantity.
    async fn create_shipment(&self, shipment: &NewShipment, at: Timestamp) -> Result<Shipment>;
    async fn load_shipment(&self, id: ShipmentId) -> Result<Shipment>;
    /// Applies one shipment event at `expected_version`. Shipping consumes the lines' reservations,
    /// counts them shipped, moves their orders on and queues the platform confirmation; voiding gives
    /// the lines back and releases their stock. All in one transaction.
    async fn apply_shipment_event(
        &self,
        id: ShipmentId,
        expected_version: u64,
        event: &ShipmentEvent,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Shipment> {
        self.apply_noted_shipment_event(id, expected_version, event, "", actor, at)
            .await
    }
    /// [`Store::apply_shipment_event`] with a person's reason kept in the event log (a release, a
    /// supervisor's take-over).
    async fn apply_noted_shipment_event(
        &self,
        id: ShipmentId,
        expected_version: u64,
        event: &ShipmentEvent,
        note: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Shipment>;
    /// Shipments not yet shipped or voided, oldest first: of one warehouse, or of all.
    async fn open_shipments(
        &self,
        warehouse: Option<&WarehouseCode>,
        limit: u32,
    ) -> Result<Vec<Shipment>>;
    /// The shipments carrying lines of `order`, in any status.
    async fn order_shipments(&self, order: OrderId) -> Result<Vec<Shipment>>;
    /// Claimed shipments whose lease ended at or before `now`, with their versions.
    async fn lapsed_claims(&self, now: Timestamp) -> Result<Vec<(ShipmentId, u64)>>;

    /// Opens an after-sale case; one from a platform that is already kept is returned as it is.
    async fn create_after_sale(
        &self,
        case: &NewAfterSale,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<AfterSale>;
    async fn load_after_sale(&self, id: AfterSaleId) -> Result<AfterSale>;
    /// The after-sales of one order, or of every order; only open ones if asked.
    async fn after_sales(&self, order: Option<OrderId>, open_only: bool) -> Result<Vec<AfterSale>>;
    /// Applies `action` at `expected_version`, with its effects on the order, the stock and the money,
    /// in one transaction; each effect is an event.
    async fn apply_after_sale(
        &self,
        id: AfterSaleId,
        expected_version: u64,
        action: &AfterSaleAction,
        note: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<AfterSale>;
    /// The order's money ledger, oldest first.
    async fn money_ledger(&self, order: OrderId) -> Result<Vec<MoneyEntry>>;

    async fn enqueue_outbox(
        &self,
        topic: &str,
        key: &str,
        payload: &[u8],
        at: Timestamp,
    ) -> Result<i64>;
    /// Claims up to `limit` due rows for `worker` until `now + lease_millis`; rows claimed by a worker
    /// whose lease ran out are due again.
    async fn claim_outbox(
        &self,
        worker: &str,
        limit: u32,
        now: Timestamp,
        lease_millis: i64,
    ) -> Result<Vec<OutboxItem>>;
    /// Marks a claimed row delivered, or failed to be retried after `retry_at`.
    async fn finish_outbox(
        &self,
        id: i64,
        worker: &str,
        outcome: std::result::Result<(), String>,
        retry_at: Timestamp,
    ) -> Result<()>;

    async fn cursor(&self, shop: ShopId, stream: Stream) -> Result<Option<String>>;
    async fn set_cursor(
        &self,
        shop: ShopId,
        stream: Stream,
        value: &str,
        at: Timestamp,
    ) -> Result<()>;

    /// Takes or renews the named lease for `holder` until `now + ttl_millis`, if it is free, expired or
    /// already the holder's. Returns whether `holder` holds it now.
    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl_millis: i64,
    ) -> Result<bool>;
    async fn release_lease(&self, name: &str, holder: &str) -> Result<()>;

    /// Where one of our SKUs is listed on a shop, as its orders name it: `(platform item id, platform
    /// SKU id)` pairs, the SKU id empty for an item without SKUs.
    async fn listings(&self, shop: ShopId, sku: &SkuCode) -> Result<Vec<(String, String)>>;

    /// Keeps a shop's sealed credential (the caller seals; the store never sees plain text).
    async fn put_secret(
        &self,
        shop: ShopId,
        name: &str,
        sealed: &[u8],
        at: Timestamp,
    ) -> Result<()>;
    /// A shop's sealed credential, if kept.
    async fn secret(&self, shop: ShopId, name: &str) -> Result<Option<Vec<u8>>>;
    /// The names of a shop's kept credentials and when each was last set.
    async fn secret_names(&self, shop: ShopId) -> Result<Vec<(String, Timestamp)>>;

    /// Creates a user; a login already taken is a conflict.
    async fn create_user(&self, user: &NewUser, at: Timestamp) -> Result<User>;
    async fn user(&self, login: &str) -> Result<Option<User>>;
    async fn users(&self) -> Result<Vec<User>>;
    /// Starts a browser session under the hash of its key.
    async fn create_session(
        &self,
        user: i64,
        key_hash: &str,
        csrf: &str,
        expires: Timestamp,
        at: Timestamp,
    ) -> Result<()>;
    /// The user and CSRF token of a session that has not expired, of a user not disabled.
    async fn session(&self, key_hash: &str, now: Timestamp) -> Result<Option<(User, String)>>;
    async fn end_session(&self, key_hash: &str) -> Result<()>;
    async fn create_token(
        &self,
        user: i64,
        name: &str,
        token_hash: &str,
        scopes: &[Permission],
        at: Timestamp,
    ) -> Result<ApiToken>;
    /// The user and token of a token hash that is not revoked, of a user not disabled.
    async fn token(&self, token_hash: &str) -> Result<Option<(User, ApiToken)>>;
    async fn tokens(&self, user: i64) -> Result<Vec<ApiToken>>;
    /// Revokes a token of `user`; one that is not theirs is not found.
    async fn revoke_token(&self, user: i64, id: i64, at: Timestamp) -> Result<()>;

    /// Keeps documents of a stream that are not orders (after-sales) with the stream's cursor, in one
    /// transaction; documents kept before with the same content are kept once.
    async fn keep_documents(
        &self,
        shop: ShopId,
        stream: Stream,
        documents: &[RawDocument],
        cursor: Option<&str>,
        at: Timestamp,
    ) -> Result<u32>;

    /// Marks how a shop's stream last went (a failing shop is marked, the others go on).
    async fn set_sync_status(&self, status: &SyncStatus) -> Result<()>;
    /// Every shop's streams as they last went.
    async fn sync_statuses(&self) -> Result<Vec<SyncStatus>>;

    /// Remembers a shop's push message by the platform's event id; `false` when it was seen before.
    async fn record_push(&self, shop: ShopId, event_id: &str, at: Timestamp) -> Result<bool>;

    /// The open work at `now` in every watched stage (paid orders not allocated, shipments waiting
    /// for a claim, claimed shipments not shipped, paid orders not shipped), with when each stage
    /// began.
    async fn open_work(&self, now: Timestamp) -> Result<Vec<WorkItem>>;
    /// Alerts raised and not cleared, oldest first.
    async fn open_alerts(&self) -> Result<Vec<AlertRecord>>;
    /// The latest alerts, open or cleared, newest first.
    async fn recent_alerts(&self, limit: u32) -> Result<Vec<AlertRecord>>;
    /// Writes `changes` (from `domain::assess`) at `at`, each with its event, and one
    /// [`ALERT_TOPIC`] outbox row per notifier in `notifiers` for every raise and escalation, in
    /// one transaction. A change another process already made is skipped, so racing checks still
    /// raise once.
    async fn apply_alerts(
        &self,
        changes: &[AlertChange],
        notifiers: &[String],
        at: Timestamp,
    ) -> Result<AlertReport>;
    /// [`Store::claim_outbox`] for alert deliveries only.
    async fn claim_alert_deliveries(
        &self,
        worker: &str,
        limit: u32,
        now: Timestamp,
        lease_millis: i64,
    ) -> Result<Vec<OutboxItem>>;

    /// How work flowed since `since`, from the event log: each stage completed since then with the
    /// median and p90 of how long it took (allocate from payment, claim from planning or the last
    /// give-back, ship from the claim or take-over, promised from payment to the order's last
    /// parcel), and the orders that arrived per hour.
    async fn flow_figures(&self, since: Timestamp) -> Result<FlowFigures>;
    /// Every warehouse, by code: what stock may be received into and rules may name.
    async fn warehouses(&self) -> Result<Vec<Warehouse>>;
}

/// How long one stage took, over the stages completed in a period.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StageTimes {
    pub stage: Stage,
    pub completed: u64,
    /// Nearest-rank percentiles, milliseconds.
    pub median_millis: i64,
    pub p90_millis: i64,
}

/// What [`Store::flow_figures`] reports.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FlowFigures {
    /// Only stages that completed at least once, in stage-name order.
    pub stages: Vec<StageTimes>,
    /// The start of each hour in which orders arrived, and how many, oldest first.
    pub arrivals: Vec<(Timestamp, u64)>,
}
