//! Sales-channel connectors: one folder per platform, the same files in each
//! (`docs/dev/connector-spec.md`): `config`, `signer`, `wire` and `mapping` are pure (secrets,
//! parameters, timestamps and nonces are arguments; nothing reads the clock, draws random numbers or
//! does IO), `client` is the only IO and implements `app::Connector`; `http.rs` is the transport they
//! share. Push verification returns a [`VerifyError`] naming what did not match and never panics on
//! hostile input.

mod digest;
mod error;
mod http;

pub mod aliexpress;
pub mod douyin;
pub mod jd;
pub mod pinduoduo;
pub mod shopee;
pub mod shopify;
pub mod taobao;
pub mod wechat;

pub use crate::error::VerifyError;
