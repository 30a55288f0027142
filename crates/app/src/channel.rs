//! The connector port: what OrderHub needs of a sales channel, in our words. One implementation per
//! platform lives in the `channels` crate (signing, wire types, mapping, the HTTP client); the sync
//! loop (`sync.rs`) is written once over this trait. Connectors never read the clock: the caller
//! passes the time where a platform needs it.

use domain::{AfterSaleKind, ChannelKind, StandardOrder, Timestamp};

/// A span of platform modification times, `from` inclusive, `to` exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Window {
    /// `[from, to)` cut into windows of at most `max_millis`, oldest first.
    pub fn split(from: Timestamp, to: Timestamp, max_millis: i64) -> Vec<Window> {
        let mut windows = Vec::new();
        let mut start = from;
        while start < to {
            let end = start.plus_millis(max_millis.max(1)).min(to);
            windows.push(Window {
                from: start,
                to: end,
            });
            start = end;
        }
        windows
    }
}

/// What went wrong talking to a platform, classified once, here, for every connector.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ChannelError {
    /// Credentials or the seller's session are wrong or expired: the shop needs a person.
    #[error("unauthorized: {0}")]
    Unauthorized(String),
    /// The platform asked us to slow down; try again after the wait.
    #[error("rate limited ({message}); retry after {retry_after_millis} ms")]
    RateLimited {
        retry_after_millis: i64,
        message: String,
    },
    /// The network or the platform failed for now (timeouts, 5xx, "service busy"): retry with backoff.
    #[error("transient: {0}")]
    Transient(String),
    /// The platform refused this request (bad parameters, an order in the wrong state): retrying the
    /// same request will not help.
    #[error("rejected {code}: {message}")]
    Rejected { code: String, message: String },
    /// The answer is not what the platform documents.
    #[error("undecodable response: {0}")]
    Decode(String),
}

impl ChannelError {
    /// A short stable name of the class, for reports and metrics.
    pub fn kind(&self) -> &'static str {
        match self {
            ChannelError::Unauthorized(_) => "unauthorized",
            ChannelError::RateLimited { .. } => "rate_limited",
            ChannelError::Transient(_) => "transient",
            ChannelError::Rejected { .. } => "rejected",
            ChannelError::Decode(_) => "decode",
        }
    }
}

/// One platform order as fetched: its raw bytes (kept whatever happens) and what mapping made of them.
#[derive(Clone, Debug)]
pub struct Fetched {
    pub external_id: String,
    /// The document's shape, e.g. `taobao.trade`.
    pub format: String,
    pub raw: Vec<u8>,
    pub order: Result<StandardOrder, MapFailure>,
}

/// Why a fetched document did not map: the standard field and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MapFailure {
    pub field: String,
    pub reason: String,
}

/// Where the next page of a listing starts: a page number or a platform cursor, as the connector
/// needs. Opaque to the sync loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PageToken(pub String);

/// One page of a listing and where the next starts (`None`: the window is done).
#[derive(Clone, Debug)]
pub struct OrderPage {
    pub items: Vec<Fetched>,
    pub next: Option<PageToken>,
}

/// One after-sale (refund, return) document as the platform wrote it, and the order it concerns.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AfterSaleDocument {
    /// The platform's id of the after-sale.
    pub id: String,
    /// The platform's id of the order it concerns.
    pub order_id: String,
    /// The document's shape, e.g. `taobao.refund`.
    pub format: String,
    pub raw: Vec<u8>,
    /// What the connector's mapping made of it, or why it could not.
    pub case: Result<PlatformAfterSale, MapFailure>,
}

/// An after-sale as the platform states it, in our words.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformAfterSale {
    pub kind: AfterSaleKind,
    pub stage: PlatformStage,
    pub reason: String,
    pub lines: Vec<PlatformAfterSaleLine>,
}

/// One order line in a platform's after-sale.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlatformAfterSaleLine {
    /// The platform's id of the order line (`platform_line_id` of our line).
    pub line_id: String,
    /// Pieces concerned; `None` when the platform means the whole line.
    pub quantity: Option<u32>,
    /// What the platform pays back for it, in minor units of the order's currency.
    pub refund_minor: i64,
}

/// How far the platform has taken an after-sale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformStage {
    /// The buyer asked; the seller has not answered.
    Requested,
    /// The seller agreed (for a return: the buyer sends the goods back).
    Agreed,
    /// The money went back to the buyer.
    Refunded,
    /// Withdrawn by the buyer or refused and closed.
    Closed,
}

/// One page of after-sales and where the next starts.
#[derive(Clone, Debug, Default)]
pub struct AfterSalePage {
    pub items: Vec<AfterSaleDocument>,
    pub next: Option<PageToken>,
}

/// How a platform wants to be polled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyncLimits {
    /// The widest modification window one listing may ask for.
    pub max_window_millis: i64,
    /// How far before the watermark each run looks again (orders modified while the last run read).
    pub overlap_millis: i64,
    /// How far behind "now" each run stops (the platform's index lags its writes).
    pub lag_millis: i64,
}

/// A shipment to confirm on the platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ShipmentConfirmation {
    pub external_id: String,
    /// The platform's ids of the lines shipped; empty for the whole order.
    pub line_ids: Vec<String>,
    /// Our carrier code (SF, ZTO …); the connector translates it to the platform's.
    pub carrier: String,
    pub tracking_no: String,
}

/// A stock level to list on a shop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ListedStock {
    pub platform_item_id: String,
    pub platform_sku_id: String,
    pub quantity: u32,
}

/// One event of a verified push: which order to fetch now. A push may carry several events (a
/// Douyin push body is an array of them), each its own message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PushMessage {
    /// The platform's id of the event, for de-duplication.
    pub event_id: String,
    pub topic: String,
    pub external_id: Option<String>,
}

/// A sales channel as OrderHub uses it. Every method is one platform call or a fixed sequence of them.
#[async_trait::async_trait]
pub trait Connector: Send + Sync {
    fn channel(&self) -> ChannelKind;
    fn limits(&self) -> SyncLimits;
    /// One page of the orders modified in `window`, in the order the platform needs (Taobao and
    /// Pinduoduo page backwards); `page` is `None` for the first.
    async fn list_orders(
        &self,
        window: Window,
        page: Option<PageToken>,
        now: Timestamp,
    ) -> Result<OrderPage, ChannelError>;
    async fn fetch_order(&self, external_id: &str, now: Timestamp)
    -> Result<Fetched, ChannelError>;
    /// One page of the after-sales (refunds, returns) modified in `window`. Platforms whose orders
    /// carry their refunds and change when one does (Douyin's `after_sale_info`, Shopify's refunds)
    /// list none here: the order stream brings them.
    async fn list_after_sales(
        &self,
        window: Window,
        page: Option<PageToken>,
        now: Timestamp,
    ) -> Result<AfterSalePage, ChannelError> {
        let _ = (window, page, now);
        Ok(AfterSalePage::default())
    }
    /// Tells the platform the goods left, with carrier and tracking number. Confirming what the
    /// platform already has is success, so a retried delivery is harmless.
    async fn confirm_shipment(
        &self,
        confirmation: &ShipmentConfirmation,
        now: Timestamp,
    ) -> Result<(), ChannelError>;
    async fn push_stock(&self, levels: &[ListedStock], now: Timestamp) -> Result<(), ChannelError>;
    /// Credentials that changed while the connector worked (a refreshed session), `(name, value)`, for
    /// the caller to keep sealed; empty when nothing changed.
    fn rotated_credentials(&self) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Checks a push over its raw bytes and headers and returns its events, one message each, in the
    /// order the push lists them (never none); a forged or stale one is `Unauthorized`.
    fn verify_push(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        now: Timestamp,
    ) -> Result<Vec<PushMessage>, ChannelError>;
}
