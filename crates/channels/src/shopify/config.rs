//! What a Shopify shop's connector needs: the shop's address, the pinned API version, the app's
//! credentials (the access token, and for expiring offline tokens the refresh token), the location
//! stock is listed at, and the page sizes.

use domain::Timestamp;

/// The Admin API version every call is pinned to (`/admin/api/{version}/graphql.json`). 2026-01 is the
/// first version with the `@idempotent` directive on `inventorySetQuantities` (optional there, required
/// from 2026-04, which also replaces `compareQuantity` with `changeFromQuantity`).
pub const API_VERSION: &str = "2026-01";

/// One shop's Admin API settings.
#[derive(Clone)]
pub struct ShopifyConfig {
    /// `https://{shop}.myshopify.com` (a simulator's loopback address in tests and the demo).
    pub shop_url: String,
    /// The Admin API version, normally [`API_VERSION`].
    pub api_version: String,
    /// The offline access token (`X-Shopify-Access-Token`).
    pub access_token: String,
    /// When an expiring offline token stops working (`expires_in` after it was issued); `None` for a
    /// non-expiring token.
    pub token_expires_at: Option<Timestamp>,
    /// Trades for a new access token when the current one expires (expiring offline tokens only).
    pub refresh_token: Option<String>,
    /// The app's client id (the token endpoint wants it with the refresh token).
    pub client_id: String,
    /// The app's client secret: signs webhooks and authenticates token refreshes.
    pub client_secret: String,
    /// The location (`gid://shopify/Location/…` or its number) whose `available` stock we set.
    pub location_id: String,
    /// Orders per listing page, 1–250; the query cost grows with it (about 50 points an order).
    pub page_size: u32,
    /// Line items read with each order in a listing; an order with more is fetched again alone.
    pub line_items_per_order: u32,
}

impl std::fmt::Debug for ShopifyConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShopifyConfig")
            .field("shop_url", &self.shop_url)
            .field("api_version", &self.api_version)
            .field("access_token", &"***")
            .field("token_expires_at", &self.token_expires_at)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .field("client_id", &self.client_id)
            .field("client_secret", &"***")
            .field("location_id", &self.location_id)
            .field("page_size", &self.page_size)
            .field("line_items_per_order", &self.line_items_per_order)
            .finish()
    }
}
