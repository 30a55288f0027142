//! Sales-channel connectors: one folder per platform, the same files in each.
//!
//! Today each folder holds its `signer`: the platform's request signature and, where the platform pushes
//! to us, the verification of what it pushes. Signers are pure: secrets, parameters, timestamps and
//! nonces are arguments; nothing here reads the clock, draws random numbers or does IO.
//! Verification returns a [`VerifyError`] naming what did not match and never panics on hostile input.

mod digest;
mod error;

pub mod aliexpress;
pub mod douyin;
pub mod jd;
pub mod pinduoduo;
pub mod shopee;
pub mod shopify;
pub mod taobao;
pub mod wechat;

pub use crate::error::VerifyError;
