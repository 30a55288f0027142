//! Shopify through the GraphQL Admin API (pinned to [`API_VERSION`]), with webhooks for changes.
//!
//! Authentication: every call sends the shop's offline access token in `X-Shopify-Access-Token`;
//! requests are not signed. An expiring offline token (December 2025 onwards: 60 minutes, with a
//! refresh token that rotates on every use) is refreshed at `POST /admin/oauth/access_token`
//! (`grant_type=refresh_token`) before it expires and once more on a 401; a non-expiring token has no
//! refresh path, and a 401 then needs a person (a new token in the shop's settings).
//! Webhooks are signed with the app's client secret: `X-Shopify-Hmac-Sha256` is the base64
//! HMAC-SHA256 of the raw body (`signer`).
//!
//! Listing: `orders(first, after, query: "updated_at:>='…' AND updated_at:<'…'", sortKey: UPDATED_AT)`,
//! forwards by `pageInfo { hasNextPage endCursor }`. The cursor is a position in the sort (keyset), so
//! orders changed during a scan move past its end instead of shifting the pages; the overlap of the
//! sync loop picks them up. Rate limits are the calculated query cost in a leaky bucket per app and
//! shop: every answer carries `extensions.cost.throttleStatus`, and a `THROTTLED` error waits
//! `(requestedQueryCost − currentlyAvailable) / restoreRate` seconds. A listing page costs
//! 2 + (13 + 7 × line items) points per order asked for, so pages are cut to what the shop's bucket
//! holds (1000 points until an answer reports `maximumAvailable`).
//!
//! Write-back: `fulfillmentCreate` on the order's open fulfillment orders (`order.fulfillmentOrders`)
//! with `trackingInfo { company number }`; an order already fulfilled with our tracking number is
//! success. Stock: `inventorySetQuantities` (`available`, `ignoreCompareQuantity: true`) under the
//! `@idempotent(key:)` directive, so a delivery repeated with the same key changes nothing.
//!
//! Ids: global ids (`gid://shopify/Order/5820…`); the external id is the number, which also is the
//! REST/webhook `id`. Ids may exceed 2^53 and are kept as digits; money is decimal strings.
//!
//! Guesses, to check against a live shop: `totalLineItemsPriceSet` as the goods total of an `Order`
//! node; the `userErrors` wording of `fulfillmentCreate`; passing the idempotency key as a variable
//! (`@idempotent(key: $key)`); whether a throttled answer's HTTP status is 200 (handled) or 429
//! (handled too, with `Retry-After`).

mod client;
mod config;
mod mapping;
mod signer;
mod wire;

pub use self::client::{Credentials, ShopifyConnector};
pub use self::config::{API_VERSION, ShopifyConfig};
pub use self::mapping::{
    FORMAT, REST_FORMAT, fetched, mapping_for, order_mapping, order_number, rest_mapping,
};
pub use self::signer::{verify_webhook, webhook_hmac};
pub use self::wire::{
    Cost, ThrottleStatus, gid, gid_number, iso_time, order_cost, order_query, order_selection,
    orders_query, parse_iso_time, refill_millis, tracking_company, window_query,
};
