//! The Shopify connector: the only IO of this folder. Every call is a GraphQL `POST` to
//! `/admin/api/{version}/graphql.json` with the access token; listings page forwards by cursor in
//! `UPDATED_AT` order. An expiring offline token is refreshed a few minutes before it expires and
//! once more when the API answers 401, and the rotated credentials are kept for the caller to store.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Mutex, PoisonError};

use app::{
    ChannelError, ChannelError as E, Connector, Fetched, ListedStock, MapFailure, OrderPage,
    PageToken, PushMessage, ShipmentConfirmation, SyncLimits, Window,
};
use domain::{ChannelKind, ShopId, Timestamp};
use mapping::OrderMapping;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};

use crate::shopify::config::ShopifyConfig;
use crate::shopify::mapping::{FORMAT, fetched, order_mapping, order_number};
use crate::shopify::signer::verify_webhook;
use crate::shopify::wire::{
    FULFILLMENT_CREATE, FULFILLMENT_STATE_QUERY, SET_QUANTITIES, VARIANT_QUERY, bucket_size, data,
    gid, gid_number, has_more_lines, http_error, order_cost, order_node, order_query, orders_page,
    orders_query, refreshed, request, tracking_company, user_errors, window_query,
};

/// Line items read with an order fetched alone: about 700 points, within the smallest bucket (1000).
const ALL_LINES: u32 = 100;
/// The smallest bucket of any plan: what a page is sized for until an answer reports the shop's.
const SMALLEST_BUCKET: u32 = 1000;
/// An expiring token is refreshed this long before it expires.
const REFRESH_MARGIN_MILLIS: i64 = 5 * 60_000;

/// The token the connector calls with, as last issued.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_token: String,
    pub expires_at: Option<Timestamp>,
    pub refresh_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("access_token", &"***")
            .field("expires_at", &self.expires_at)
            .field("refresh_token", &self.refresh_token.as_ref().map(|_| "***"))
            .finish()
    }
}

/// One Shopify shop.
pub struct ShopifyConnector {
    config: ShopifyConfig,
    credentials: Mutex<Credentials>,
    shop: ShopId,
    mapping: OrderMapping,
    http: reqwest::Client,
    /// The shop's bucket (`maximumAvailable`) as last reported: a page never asks for more.
    bucket: AtomicU32,
}

/// An HTTP answer: status, `Retry-After`, body.
struct Answer {
    status: u16,
    retry_after: Option<String>,
    body: Vec<u8>,
}

impl ShopifyConnector {
    /// A connector for `shop`; `overrides` are the shop's changes to the built-in GraphQL mapping.
    pub fn new(
        config: ShopifyConfig,
        shop: ShopId,
        overrides: Option<&str>,
    ) -> Result<ShopifyConnector, mapping::MapError> {
        Ok(ShopifyConnector {
            mapping: order_mapping(overrides)?,
            credentials: Mutex::new(Credentials {
                access_token: config.access_token.clone(),
                expires_at: config.token_expires_at,
                refresh_token: config.refresh_token.clone(),
            }),
            config,
            shop,
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(30))
                .build()
                .expect("a TLS-less default client builds"),
            bucket: AtomicU32::new(SMALLEST_BUCKET),
        })
    }

    /// Orders per listing page: the configured size, or fewer when a page of it would cost more than
    /// the bucket holds (Shopify refuses such a query outright with `MAX_COST_EXCEEDED`).
    fn page_size(&self, lines: u32) -> u32 {
        let bucket = self.bucket.load(Ordering::Relaxed);
        let fits = bucket.saturating_sub(2) / order_cost(lines);
        self.config.page_size.clamp(1, 250).min(fits.max(1))
    }

    /// The current credentials: a refresh replaces the access token and rotates the refresh token,
    /// so the caller stores these after a run.
    pub fn credentials(&self) -> Credentials {
        self.credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    fn set_credentials(&self, credentials: Credentials) {
        *self
            .credentials
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = credentials;
    }

    /// One GraphQL call; its `data`, or the classified failure. A token about to expire is refreshed
    /// first; a 401 refreshes once (when there is a refresh token) and calls again.
    async fn graphql(
        &self,
        operation: &str,
        query: &str,
        variables: Value,
        now: Timestamp,
    ) -> Result<Vec<u8>, ChannelError> {
        let mut credentials = self.credentials();
        let expiring = credentials
            .expires_at
            .is_some_and(|it| it.plus_millis(-REFRESH_MARGIN_MILLIS) <= now);
        if expiring && credentials.refresh_token.is_some() {
            credentials = self.refresh(&credentials, now).await?;
        }
        let body = request(query, variables);
        let mut answer = self
            .post(&credentials.access_token, &body, operation)
            .await?;
        if answer.status == 401 && credentials.refresh_token.is_some() {
            credentials = self.refresh(&credentials, now).await?;
            answer = self
                .post(&credentials.access_token, &body, operation)
                .await?;
        }
        if let Some(size) = bucket_size(&answer.body) {
            // Whole points, at least the smallest plan's.
            self.bucket
                .store((size as u32).max(SMALLEST_BUCKET), Ordering::Relaxed);
        }
        if answer.status != 200 {
            return Err(http_error(
                answer.status,
                answer.retry_after.as_deref(),
                &answer.body,
                operation,
            ));
        }
        Ok(answer.body)
    }

    async fn post(
        &self,
        token: &str,
        body: &[u8],
        operation: &str,
    ) -> Result<Answer, ChannelError> {
        let url = format!(
            "{}/admin/api/{}/graphql.json",
            self.config.shop_url.trim_end_matches('/'),
            self.config.api_version
        );
        let response = self
            .http
            .post(url)
            .header("X-Shopify-Access-Token", token)
            .header("Content-Type", "application/json")
            .body(body.to_vec())
            .send()
            .await
            .map_err(|e| E::Transient(format!("{operation}: {e}")))?;
        let status = response.status().as_u16();
        let retry_after = response
            .headers()
            .get("Retry-After")
            .and_then(|it| it.to_str().ok())
            .map(str::to_owned);
        let body = response
            .bytes()
            .await
            .map_err(|e| E::Transient(format!("{operation}: {e}")))?;
        Ok(Answer {
            status,
            retry_after,
            body: body.to_vec(),
        })
    }

    /// Trades the refresh token for a new access token (and a new refresh token). When another call
    /// refreshed meanwhile, its credentials are used instead.
    async fn refresh(
        &self,
        used: &Credentials,
        now: Timestamp,
    ) -> Result<Credentials, ChannelError> {
        let current = self.credentials();
        if current.access_token != used.access_token {
            return Ok(current);
        }
        let Some(refresh_token) = &current.refresh_token else {
            return Ok(current);
        };
        let url = format!(
            "{}/admin/oauth/access_token",
            self.config.shop_url.trim_end_matches('/')
        );
        let form = [
            ("client_id", self.config.client_id.as_str()),
            ("client_secret", self.config.client_secret.as_str()),
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token.as_str()),
        ];
        let response = self
            .http
            .post(url)
            .form(&form)
            .send()
            .await
            .map_err(|e| E::Transient(format!("token refresh: {e}")))?;
        let status = response.status().as_u16();
        let body = response
            .bytes()
            .await
            .map_err(|e| E::Transient(format!("token refresh: {e}")))?;
        let fresh = refreshed(status, &body)?;
        let credentials = Credentials {
            access_token: fresh.access_token,
            expires_at: fresh.expires_in.map(|secs| now.plus_millis(secs * 1000)),
            refresh_token: fresh.refresh_token.or(current.refresh_token),
        };
        self.set_credentials(credentials.clone());
        Ok(credentials)
    }

    async fn order(&self, number: &str, now: Timestamp) -> Result<Option<Fetched>, ChannelError> {
        let body = self
            .graphql(
                "order",
                &order_query(ALL_LINES),
                json!({ "id": gid("Order", number) }),
                now,
            )
            .await?;
        let data = data(&body, "order")?;
        let Some(node) = order_node(data)? else {
            return Ok(None);
        };
        let mut it = fetched(&self.mapping, self.shop, node.get().as_bytes(), FORMAT);
        if has_more_lines(node) {
            // Kept as a reject with its document rather than stored without some lines.
            it.order = Err(MapFailure {
                field: "lines".to_owned(),
                reason: format!(
                    "the order has more than {ALL_LINES} line items; the connector reads at most {ALL_LINES}"
                ),
            });
        }
        Ok(Some(it))
    }
}

#[async_trait::async_trait]
impl Connector for ShopifyConnector {
    fn channel(&self) -> ChannelKind {
        ChannelKind::Shopify
    }

    fn limits(&self) -> SyncLimits {
        SyncLimits {
            // Shopify has no window limit; an hour keeps each window's pages and watermark step small.
            max_window_millis: 60 * 60_000,
            overlap_millis: 5 * 60_000,
            lag_millis: 2 * 60_000,
        }
    }

    async fn list_orders(
        &self,
        window: Window,
        page: Option<PageToken>,
        now: Timestamp,
    ) -> Result<OrderPage, ChannelError> {
        let lines = self.config.line_items_per_order.clamp(1, ALL_LINES);
        let variables = json!({
            "first": self.page_size(lines),
            "after": page.map(|it| it.0),
            "query": window_query(window.from, window.to),
        });
        let body = self
            .graphql("orders", &orders_query(lines), variables, now)
            .await?;
        let listed = orders_page(data(&body, "orders")?)?;
        let mut items = Vec::with_capacity(listed.nodes.len());
        for node in listed.nodes {
            if !has_more_lines(node) {
                items.push(fetched(
                    &self.mapping,
                    self.shop,
                    node.get().as_bytes(),
                    FORMAT,
                ));
                continue;
            }
            // More lines than a listing carries: the order alone, with all of them.
            let number = order_number(node.get().as_bytes()).unwrap_or_default();
            match self.order(&number, now).await? {
                Some(it) => items.push(it),
                None => items.push(fetched(
                    &self.mapping,
                    self.shop,
                    node.get().as_bytes(),
                    FORMAT,
                )),
            }
        }
        let next = match (listed.page_info.has_next_page, listed.page_info.end_cursor) {
            (false, _) => None,
            (true, Some(cursor)) => Some(PageToken(cursor)),
            (true, None) => {
                return Err(E::Decode(
                    "orders: hasNextPage without an endCursor".to_owned(),
                ));
            }
        };
        Ok(OrderPage { items, next })
    }

    async fn fetch_order(
        &self,
        external_id: &str,
        now: Timestamp,
    ) -> Result<Fetched, ChannelError> {
        match self.order(external_id, now).await? {
            Some(it) => Ok(it),
            None => Err(E::Rejected {
                code: "not_found".to_owned(),
                message: format!("order {external_id} does not exist"),
            }),
        }
    }

    async fn confirm_shipment(
        &self,
        confirmation: &ShipmentConfirmation,
        now: Timestamp,
    ) -> Result<(), ChannelError> {
        let order_gid = gid("Order", &confirmation.external_id);
        let body = self
            .graphql(
                "fulfillmentOrders",
                FULFILLMENT_STATE_QUERY,
                json!({ "id": order_gid }),
                now,
            )
            .await?;
        let state: Value = serde_json::from_str(data(&body, "fulfillmentOrders")?.get())
            .map_err(|e| E::Decode(format!("fulfillmentOrders: {e}")))?;
        let Some(order) = state.get("order").filter(|it| !it.is_null()) else {
            return Err(E::Rejected {
                code: "not_found".to_owned(),
                message: format!("order {} does not exist", confirmation.external_id),
            });
        };
        let tracking: Vec<&str> = order
            .get("fulfillments")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter(|it| it.get("status").and_then(Value::as_str) != Some("CANCELLED"))
            .filter_map(|it| it.get("trackingInfo").and_then(Value::as_array))
            .flatten()
            .filter_map(|it| it.get("number").and_then(Value::as_str))
            .collect();
        if tracking.contains(&confirmation.tracking_no.as_str()) {
            // Our earlier delivery of this confirmation arrived: nothing to do.
            return Ok(());
        }
        let groups = fulfillment_groups(order, &confirmation.line_ids);
        if groups.is_empty() {
            return Err(E::Rejected {
                code: "not_fulfillable".to_owned(),
                message: format!(
                    "order {} has nothing left to fulfil (tracking numbers {tracking:?})",
                    confirmation.external_id
                ),
            });
        }
        let fulfillment = json!({
            "lineItemsByFulfillmentOrder": groups,
            "trackingInfo": {
                "company": tracking_company(&confirmation.carrier),
                "number": confirmation.tracking_no,
            },
            "notifyCustomer": false,
        });
        let body = self
            .graphql(
                "fulfillmentCreate",
                FULFILLMENT_CREATE,
                json!({ "fulfillment": fulfillment }),
                now,
            )
            .await?;
        let payload: Value = serde_json::from_str(data(&body, "fulfillmentCreate")?.get())
            .map_err(|e| E::Decode(format!("fulfillmentCreate: {e}")))?;
        user_errors(&payload["fulfillmentCreate"], "fulfillmentCreate")
    }

    async fn push_stock(&self, levels: &[ListedStock], now: Timestamp) -> Result<(), ChannelError> {
        if levels.is_empty() {
            return Ok(());
        }
        let location = gid("Location", &self.config.location_id);
        let mut quantities = Vec::with_capacity(levels.len());
        for level in levels {
            if level.platform_sku_id.is_empty() {
                return Err(E::Rejected {
                    code: "no_variant".to_owned(),
                    message: format!(
                        "product {}: Shopify stock is per variant, and none is named",
                        level.platform_item_id
                    ),
                });
            }
            let variant = gid("ProductVariant", &level.platform_sku_id);
            let body = self
                .graphql(
                    "productVariant",
                    VARIANT_QUERY,
                    json!({ "id": variant }),
                    now,
                )
                .await?;
            let found: Value = serde_json::from_str(data(&body, "productVariant")?.get())
                .map_err(|e| E::Decode(format!("productVariant: {e}")))?;
            let Some(item) = found
                .pointer("/productVariant/inventoryItem/id")
                .and_then(Value::as_str)
            else {
                return Err(E::Rejected {
                    code: "not_found".to_owned(),
                    message: format!("variant {variant} does not exist"),
                });
            };
            quantities.push(json!({
                "inventoryItemId": item,
                "locationId": location,
                "quantity": level.quantity,
            }));
        }
        let key = idempotency_key(&location, &quantities, now);
        let input = json!({
            "name": "available",
            "reason": "correction",
            "ignoreCompareQuantity": true,
            "quantities": quantities,
        });
        let body = self
            .graphql(
                "inventorySetQuantities",
                SET_QUANTITIES,
                json!({ "input": input, "key": key }),
                now,
            )
            .await?;
        let payload: Value = serde_json::from_str(data(&body, "inventorySetQuantities")?.get())
            .map_err(|e| E::Decode(format!("inventorySetQuantities: {e}")))?;
        user_errors(&payload["inventorySetQuantities"], "inventorySetQuantities")
    }

    fn rotated_credentials(&self) -> Vec<(String, String)> {
        let now = self.credentials();
        let mut out = Vec::new();
        if now.access_token != self.config.access_token {
            out.push(("session".to_owned(), now.access_token));
        }
        if let Some(refresh) = now.refresh_token
            && Some(&refresh) != self.config.refresh_token.as_ref()
        {
            out.push(("refresh_token".to_owned(), refresh));
        }
        out
    }

    fn verify_push(
        &self,
        headers: &[(String, String)],
        body: &[u8],
        _now: Timestamp,
    ) -> Result<Vec<PushMessage>, ChannelError> {
        let header = |name: &str| {
            headers
                .iter()
                .find(|(key, _)| key.eq_ignore_ascii_case(name))
                .map(|(_, value)| value.as_str())
        };
        let Some(hmac) = header("X-Shopify-Hmac-Sha256") else {
            return Err(E::Unauthorized(
                "no X-Shopify-Hmac-Sha256 header".to_owned(),
            ));
        };
        verify_webhook(&self.config.client_secret, body, hmac)
            .map_err(|e| E::Unauthorized(e.to_string()))?;
        // Shopify: duplicates of one event share X-Shopify-Event-Id; a delivery's retries share
        // X-Shopify-Webhook-Id, the id older webhooks carry alone.
        let Some(event_id) = header("X-Shopify-Event-Id").or(header("X-Shopify-Webhook-Id")) else {
            return Err(E::Rejected {
                code: "no_event_id".to_owned(),
                message: "a webhook without X-Shopify-Event-Id or X-Shopify-Webhook-Id".to_owned(),
            });
        };
        let topic = header("X-Shopify-Topic").unwrap_or_default().to_owned();
        // A webhook is one event.
        Ok(vec![PushMessage {
            event_id: event_id.to_owned(),
            external_id: pushed_order(&topic, body),
            topic,
        }])
    }
}

/// The order a webhook is about: the order itself for `orders/*`, its `order_id` for refunds and
/// fulfillments; `None` for other topics.
fn pushed_order(topic: &str, body: &[u8]) -> Option<String> {
    if topic.starts_with("orders/") {
        return order_number(body);
    }
    if !(topic.starts_with("refunds/") || topic.starts_with("fulfillments/")) {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    match value.get("order_id")? {
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        Value::String(text) => gid_number(text).map(str::to_owned).or(Some(text.clone())),
        _ => None,
    }
}

/// `lineItemsByFulfillmentOrder` for what is left to ship: each open fulfillment order whole (an
/// empty line list means all of it), or with `line_ids` only those lines' remaining quantities.
fn fulfillment_groups(order: &Value, line_ids: &[String]) -> Vec<Value> {
    let nodes = order
        .pointer("/fulfillmentOrders/nodes")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut groups = Vec::new();
    for node in nodes {
        let open = matches!(
            node.get("status").and_then(Value::as_str),
            Some("OPEN" | "IN_PROGRESS")
        );
        let Some(id) = node.get("id").and_then(Value::as_str).filter(|_| open) else {
            continue;
        };
        let lines: Vec<(&str, i64, &str)> = node
            .pointer("/lineItems/nodes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|it| {
                Some((
                    it.get("id")?.as_str()?,
                    it.get("remainingQuantity")?.as_i64()?,
                    it.pointer("/lineItem/id")?.as_str()?,
                ))
            })
            .filter(|(_, remaining, _)| *remaining > 0)
            .collect();
        if lines.is_empty() {
            continue;
        }
        if line_ids.is_empty() {
            groups.push(json!({ "fulfillmentOrderId": id }));
            continue;
        }
        let chosen: Vec<Value> = lines
            .iter()
            .filter(|(_, _, line)| {
                let number = gid_number(line).unwrap_or(line);
                line_ids.iter().any(|it| it == number || it == line)
            })
            .map(|(fo_line, remaining, _)| json!({ "id": fo_line, "quantity": remaining }))
            .collect();
        if !chosen.is_empty() {
            groups.push(json!({ "fulfillmentOrderId": id, "fulfillmentOrderLineItems": chosen }));
        }
    }
    groups
}

/// The idempotency key of one stock push: the location, each item's quantity and the time of the
/// push. A delivery repeated at the same moment is one change on Shopify's side; a later push of other
/// (or the same) quantities is a new one, so 37 → 36 → 37 is never swallowed as a repeat.
fn idempotency_key(location: &str, quantities: &[Value], now: Timestamp) -> String {
    let mut hasher = Sha256::new();
    hasher.update(location.as_bytes());
    for it in quantities {
        hasher.update(b"|");
        hasher.update(it.to_string().as_bytes());
    }
    hasher.update(now.unix_millis().to_string().as_bytes());
    format!("orderhub-stock-{}", hex::encode(&hasher.finalize()[..16]))
}

#[cfg(test)]
mod tests {
    use domain::Timestamp;
    use serde_json::json;

    use crate::shopify::client::{fulfillment_groups, idempotency_key, pushed_order};

    #[test]
    fn only_open_lines_are_fulfilled() {
        let order = json!({ "fulfillmentOrders": { "nodes": [
            { "id": "gid://shopify/FulfillmentOrder/1", "status": "CLOSED", "lineItems": { "nodes": [
                { "id": "gid://shopify/FulfillmentOrderLineItem/11", "remainingQuantity": 0, "lineItem": { "id": "gid://shopify/LineItem/101" } } ] } },
            { "id": "gid://shopify/FulfillmentOrder/2", "status": "OPEN", "lineItems": { "nodes": [
                { "id": "gid://shopify/FulfillmentOrderLineItem/21", "remainingQuantity": 2, "lineItem": { "id": "gid://shopify/LineItem/102" } },
                { "id": "gid://shopify/FulfillmentOrderLineItem/22", "remainingQuantity": 1, "lineItem": { "id": "gid://shopify/LineItem/103" } } ] } }
        ] } });
        assert_eq!(
            fulfillment_groups(&order, &[]),
            [json!({ "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/2" })]
        );
        assert_eq!(
            fulfillment_groups(&order, &["103".to_owned()]),
            [
                json!({ "fulfillmentOrderId": "gid://shopify/FulfillmentOrder/2", "fulfillmentOrderLineItems": [
                { "id": "gid://shopify/FulfillmentOrderLineItem/22", "quantity": 1 } ] })
            ]
        );
        assert!(fulfillment_groups(&order, &["101".to_owned()]).is_empty());
    }

    #[test]
    fn keys_repeat_only_for_the_same_push() {
        let q = [json!({ "inventoryItemId": "gid://shopify/InventoryItem/1", "quantity": 37 })];
        let other = [json!({ "inventoryItemId": "gid://shopify/InventoryItem/1", "quantity": 36 })];
        let t = Timestamp::from_unix_millis(1_000);
        assert_eq!(idempotency_key("L", &q, t), idempotency_key("L", &q, t));
        assert_ne!(idempotency_key("L", &q, t), idempotency_key("L", &other, t));
        assert_ne!(
            idempotency_key("L", &q, t),
            idempotency_key("L", &q, t.plus_millis(1))
        );
    }

    #[test]
    fn webhooks_name_their_order() {
        assert_eq!(
            pushed_order("orders/updated", br#"{"id":5820000000000000001}"#).as_deref(),
            Some("5820000000000000001")
        );
        assert_eq!(
            pushed_order(
                "refunds/create",
                br#"{"id":1,"order_id":5820000000000000001}"#
            )
            .as_deref(),
            Some("5820000000000000001")
        );
        assert_eq!(pushed_order("app/uninstalled", br#"{"id":1}"#), None);
    }
}
