//! Taobao / Tmall through TOP (Taobao Open Platform, `gw.api.taobao.com/router/rest`).
//!
//! Every call carries `app_key`, `method`, `timestamp` (GMT+8 `yyyy-MM-dd HH:mm:ss`), `v=2.0`,
//! `sign_method`, the seller's `session` and the business parameters, all of them signed.

mod signer;

pub use self::signer::{SignMethod, concat_params, sign};
