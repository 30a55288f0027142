//! Taobao / Tmall through TOP (Taobao Open Platform, `gw.api.taobao.com/router/rest`).
//!
//! Every call carries `app_key`, `method`, `timestamp` (GMT+8 `yyyy-MM-dd HH:mm:ss`), `v=2.0`,
//! `sign_method`, the seller's `session` and the business parameters, all of them signed.
//! `config` (the shop's settings), `signer` and `wire` and `mapping` (pure), `client` (the IO).

mod client;
mod config;
mod mapping;
mod signer;
mod wire;

pub use self::client::{FIELDS, TaobaoConnector};
pub use self::config::{GATEWAY, TaobaoConfig};
pub use self::mapping::{FORMAT, REFUND_FORMAT, after_sale, fetched, trade_mapping};
pub use self::signer::{SignMethod, concat_params, sign};
pub use self::wire::{ErrorBody, classify, company_code, top_time};
