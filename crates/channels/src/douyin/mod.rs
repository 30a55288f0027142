//! Douyin Shop (抖店) through the doudian open platform (`openapi-fxg.jinritemai.com`, API `v=2`).
//!
//! Each method is a path under the gateway (`order.searchList` → `/order/searchList`); the common
//! parameters `app_key`, `method`, `access_token`, `timestamp` (GMT+8 `yyyy-MM-dd HH:mm:ss`), `v=2`,
//! `sign_method` and `sign` travel in the query string and the business parameters as `param_json`,
//! compact JSON with sorted keys, in the POST body. The signature covers app key, method, `param_json`,
//! timestamp and version, not the access token. Answers are `{code, msg, sub_code, sub_msg, log_id,
//! data}` with HTTP 200, 10000 meaning success. Money is integer fen, times Unix seconds; receiver
//! name, phone and street address arrive encrypted (`encrypt_*`) with masked copies (`mask_*`), while
//! province, city, district and street come in plain `post_addr` names.
//!
//! Listing: `order.searchList` by `update_time_start`/`update_time_end` (inclusive Unix seconds),
//! `page` from 0, `size` ≤ 100, paged backwards (see `client`). Shipping: `order.logisticsAdd`
//! (whole orders). Stock: `sku.syncStock` (sets the level). Token: `token.refresh`, which returns a
//! new refresh token too. Push: a JSON array of `{tag, msg_id, data}` with `app-id` and `event-sign`.
//!
//! Facts from SDKs and third-party code ([S] in `channels.md`): the gateway, the signature, the
//! envelope and its codes (`平台基础错误码汇总` as copied by SDKs: 40003 `isv.access-token-expired`,
//! 60000 flow control), the field names. Guesses ([U]): `timestamp` as text (Unix seconds also seen),
//! the window and deep-paging limits (none known; we ask 30 minutes), `company_code` rather than
//! `logistics_id` and its values, the refresh token being replaced on refresh, push tags other than 0
//! and 100, and `p_id` as the order id in push data.
//!
//! `config` (the shop's settings), `signer`, `wire` and `mapping` (pure), `client` (the IO).

mod client;
mod config;
mod mapping;
mod signer;
mod wire;

pub use self::client::DouyinConnector;
pub use self::config::{DouyinConfig, GATEWAY};
pub use self::mapping::{FORMAT, fetched, order_mapping};
pub use self::signer::{API_VERSION, Request, SignMethod, event_sign, sign, verify_push};
pub use self::wire::{
    Envelope, SUCCESS, classify, company_code, douyin_time, method_path, param_json, push_message,
};
