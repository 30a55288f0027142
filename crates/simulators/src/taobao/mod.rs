//! Taobao / Tmall through TOP: a simulated `POST /router/rest` gateway.
//!
//! Checks every call like TOP: `method`, `app_key`, flow control per app key (code 7, `App Call
//! Limited`, `accesscontrol.limited-by-app-access-count`, "This ban will last for N more seconds"),
//! `format=json`, `v=2.0`, `timestamp` (GMT+8, within ten minutes of the simulator's clock), `sign`
//! over every parameter but `sign` with `md5`, `hmac` or `hmac-sha256` (checked with
//! `channels::taobao::sign`; code 25 `Invalid signature`), then the seller's `session` (code 27,
//! `invalid-sessionkey` when unknown, expired or granted to another app). Errors are answered with
//! HTTP 200 and `{"error_response":{code,msg,sub_code,sub_msg,request_id}}`, as TOP does.
//!
//! Methods: `taobao.trades.sold.increment.get` (window of at most one day, the last three months only,
//! sorted by `modified` descending, `page_no`/`page_size` ≤ 100 or `use_has_next`; pages are cut from
//! the live data on every call, so paging forward while trades change skips and repeats trades exactly
//! as TOP warns), `taobao.trade.fullinfo.get` (`fields` honoured, `oaid` only with the receiver fields),
//! `taobao.logistics.offline.send` (whole trade or `is_split=1` with `sub_tid`; repeats and closed or
//! unpaid trades refused with `isv.logistics-offline-service-error:B04`), `taobao.refunds.receive.get`
//! and `taobao.item.quantity.update` (type 1 sets, type 2 adds). Write-backs are recorded as received.
//!
//! Injected outages (`Simulation::fail_next`): HTTP 502 pages and `isp.top-remote-connection-timeout`.
//!
//! Not simulated: XML answers, `simplify=true`, TMC push, `oaid` decryption. Business sub codes other
//! than B01/B04, 7 and 27 (window too long, trade or item not found) are our best reading of the docs.

mod data;
mod gateway;
mod server;
mod shop;
mod time;
mod wire;

pub use crate::serve::ServerHandle;
pub use crate::taobao::data::{CATALOGUE, PLACES, Place, Product, Sku};
pub use crate::taobao::gateway::{
    ALLOWED_SKEW_MILLIS, App, Config, Consignment, Grant, Outage, QuantityUpdate, RateLimit, Reply,
    ShopConfig, Simulation,
};
pub use crate::taobao::server::{GATEWAY_PATH, ServeConfig, Simulator, start};
pub use crate::taobao::shop::{
    Line, Parcel, QuantityChange, Refund, RefundStatus, ShipError, Shop, SkuKey, StockError, Trade,
    TradeStatus, TradeType, Traffic,
};
pub use crate::taobao::time::{format as format_time, parse as parse_time};
pub use crate::taobao::wire::{CARRIERS, Fields, TopError, trade_json};
