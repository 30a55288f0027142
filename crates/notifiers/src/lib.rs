//! Supervisor alerts (issue 6): what each notifier sends, built as data.
//!
//! One module per notifier turns an [`Alert`], the notifier's settings and a [`Timestamp`] into the
//! exact thing to send: an [`HttpRequest`] (method, URL with any signed query, headers, JSON body
//! bytes) for the robots and the webhook, or an [`EmailMessage`] (envelope and RFC 5322 text) for
//! SMTP. Nothing here does IO, reads the clock or draws random numbers, so every output is a snapshot.
//!
//! The robots' signatures expire (DingTalk and Feishu refuse a timestamp more than an hour off), so
//! a delivery worker builds the request again, with the current time, on every attempt; the outbox
//! row holds the alert and the notifier's id, never a built request.

mod alert;
mod encode;
mod error;
mod notifier;
mod request;
mod secret;

pub mod dingtalk;
pub mod email;
pub mod feishu;
pub mod webhook;
pub mod wecom;

pub use crate::alert::{Alert, Severity};
pub use crate::email::EmailMessage;
pub use crate::error::{EmailError, VerifyError};
pub use crate::notifier::{Notifier, Outgoing, build};
pub use crate::request::{HttpRequest, Method};
pub use crate::secret::Secret;
pub use domain::Timestamp;

#[cfg(test)]
mod test_alert;
