//! Shopee through Open Platform v2 (`/api/v2/...` on the regional host, e.g. `openplatform.shopee.cn`).
//!
//! Every call carries `partner_id`, `timestamp` (Unix seconds, valid five minutes) and `sign` in the
//! query string, plus `access_token` and `shop_id` (or `merchant_id`) for shop (or merchant) APIs;
//! the body is not signed. Pushes are signed in the `Authorization` header.

mod signer;

pub use self::signer::{Caller, base_string, push_authorization, sign, verify_push};
