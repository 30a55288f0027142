//! Douyin Shop (抖店): a simulated doudian open platform gateway (`openapi-fxg.jinritemai.com`).
//!
//! Every method is served at its path (`/order/searchList` …) with GET or POST; the common parameters
//! come in the query string and `param_json` as the body (or as a query parameter when the body is
//! empty). Checked like doudian, answering HTTP 200 with `{code, msg, sub_code, sub_msg, log_id,
//! data}`: `method` (70000 `isp.api-service-off`) and that it names the path, `app_key` (40001/40003
//! `isv.app-id-*`), flow control per app key (60000), `v=2`, `timestamp` as GMT+8 text or Unix seconds
//! within ten minutes (40003 `isv.timestamp-format-error`, `isv.timestamp-invalid`), `sign` over the
//! exact `param_json` received with `md5` or `hmac-sha256` (checked with `channels::douyin::sign`;
//! 40003 `isv.signature-invalid`), then the `access_token` (40003 `isv.access-token-no-existed`,
//! `-invalid` for another app's, `-expired`).
//!
//! Methods: `order.searchList` (by `create_time` or `update_time`, inclusive Unix-second bounds,
//! newest first unless `order_asc`, `page` from 0, `size` 1–100, cut from the live data on every call
//! so that paging forwards while orders change skips and repeats orders), `order.orderDetail`,
//! `order.logisticsAdd` (whole orders; a repeat or a cancelled order is refused), `sku.syncStock`
//! (sets, or adds with `incremental`), `order.batchDecrypt` (≤ 50 ciphertexts, `auth_id` = order) and
//! `token.refresh` (a new access token for seven days and a new refresh token; the old one is used up).
//! Orders carry encrypted receivers (`#…#`, `$…$`) beside masked copies and plain `post_addr` division
//! names with their official codes. Write-backs are recorded as received. Pushes: `Simulation::push`,
//! `verification_push` and `take_pushes` return the headers (`app-id`, `event-sign`) and the body the
//! platform would POST.
//!
//! Injected outages (`Simulation::fail_next`): HTTP 502 pages and 20000 `dop.service-error`.
//!
//! Faithful where `channels.md` has [S] facts (paths, parameters, signature, envelope, the error codes
//! of `平台基础错误码汇总`, field names, status codes). Guesses: sub codes and messages of business
//! refusals, the flow-control sub code, the timestamp skew, token lifetimes and refresh rotation, push
//! tags other than 0 and 100 and the push `data` fields, carrier codes, search limits (none known: no
//! window limit is enforced). Not simulated: after-sales (`afterSale.List`), multi-parcel shipping,
//! `token.create`, MD5 deprecation.

mod data;
mod gateway;
mod server;
mod shop;
mod wire;

pub use crate::douyin::data::{CATALOGUE, PLACES, Place, Product, Sku};
pub use crate::douyin::gateway::{
    ALLOWED_SKEW_MILLIS, App, CARRIERS, Call, Config, Consignment, Grant, Outage, Push, RateLimit,
    Reply, ShopConfig, Simulation, StockUpdate,
};
pub use crate::douyin::server::{ServeConfig, Simulator, start};
pub use crate::douyin::shop::{
    AfterSale, Event, Line, Order, OrderStatus, Parcel, Receiver, Secret, ShipError, Shop,
    StockError, Tag, Traffic,
};
pub use crate::douyin::wire::{DouyinError, order_json, success};
pub use crate::serve::ServerHandle;
