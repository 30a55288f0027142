//! Shopify through the Admin API, with webhooks for changes.
//!
//! API calls authenticate with the shop's access token (no request signature); webhooks are signed
//! with the app's client secret in the `X-Shopify-Hmac-Sha256` header.

mod signer;

pub use self::signer::{verify_webhook, webhook_hmac};
