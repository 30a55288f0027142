//! Shopify: a simulated GraphQL Admin API (`POST /admin/api/{version}/graphql.json`) and token
//! endpoint, for one shop and one app.
//!
//! Checks every call like Shopify: the API version in the path (an unsupported `YYYY-MM` is served
//! as the oldest supported one and named in `X-Shopify-API-Version`; anything else is 404), the
//! `X-Shopify-Access-Token` (401 `[API] Invalid API key or access token …` when unknown or expired),
//! the JSON body (400 `{"errors":{"query":"Required parameter missing or invalid"}}`), the GraphQL
//! document (parse errors with `locations`; fields that do not exist, `undefinedField`), the
//! variables (`Variable $x of type T! was provided invalid value`), then the calculated query cost
//! (objects 1, connections 2 + `first` × node, mutations 10) against a leaky bucket per app and shop:
//! `MAX_COST_EXCEEDED` above the bucket, `THROTTLED` (HTTP 200, `actualQueryCost: null`) above what
//! is available, and `extensions.cost` with `throttleStatus` on every answer; the difference between
//! requested and actual cost is given back. Answers honour the selection set (aliases, `__typename`,
//! `nodes`, `edges`, `pageInfo`).
//!
//! Root fields: `orders(first ≤ 250, after, query, sortKey: UPDATED_AT | CREATED_AT | PROCESSED_AT |
//! ID, reverse)` with keyset cursors cut from the live data (an order updated during a scan moves
//! past its end), `updated_at`/`created_at`/`processed_at` range terms and `extensions.search`
//! warnings for terms it cannot use; `order(id)`, `productVariant(id)`; the mutations
//! `fulfillmentCreate` (open fulfillment orders of one order, all remaining or named line items;
//! `userErrors` otherwise) and `inventorySetQuantities` (`available`/`on_hand`, compare-and-set or
//! `ignoreCompareQuantity`, all-or-nothing, `@idempotent(key:)` replays the first answer and changes
//! nothing, required from 2026-04). Write-backs are recorded as received.
//!
//! Tokens: offline tokens, expiring or not; `POST /admin/oauth/access_token` with
//! `grant_type=refresh_token` issues a new access token for an hour and a new refresh token, the old
//! refresh token working until the new access token is first used. Webhooks: [`Simulation::webhook`]
//! builds the REST-shaped order with Shopify's headers, signed with the app's client secret.
//! Injected outages (`Simulation::fail_next`): HTTP 502 pages and `INTERNAL_SERVER_ERROR`.
//!
//! Guesses (not verified against a live shop): the wording of `userErrors` and of most errors, the
//! cursor encoding (opaque hex here), the search-warning shape, the order of checks. Not simulated:
//! fragments, REST endpoints, bulk operations, the 60-day window without `read_all_orders`, the
//! 25,000-object pagination cap, presentment currencies, taxes, duties.

mod admin;
mod data;
mod graphql;
mod render;
mod server;
mod shop;

pub use crate::serve::ServerHandle;
pub use crate::shopify::admin::{
    App, Config, FulfillmentCall, Grant, Outage, Reply, SUPPORTED_VERSIONS, Simulation, StockCall,
    Throttle, Webhook,
};
pub use crate::shopify::data::{CATALOGUE, PLACES, Place, Product, Variant};
pub use crate::shopify::graphql::{ParseError, parse as parse_graphql};
pub use crate::shopify::render::{amount, graphql_order, local_time, rest_order};
pub use crate::shopify::server::{ServeConfig, Simulator, TOKEN_PATH, graphql_path, start};
pub use crate::shopify::shop::{
    Financial, Fulfillment, FulfillmentOrderStatus, Line, Order, Shipment, Shop, Traffic,
};
