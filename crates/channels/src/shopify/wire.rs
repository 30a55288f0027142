//! The GraphQL Admin API's wire vocabulary, pure: the queries and mutations we send, global ids,
//! times in search queries, the response envelope (`data`, `errors`, `extensions.cost`), errors
//! sorted into our classes (a `THROTTLED` error waits as long as the bucket needs to refill), and
//! our carrier codes as Shopify's tracking companies.

use app::ChannelError;
use domain::Timestamp;
use serde::Deserialize;
use serde_json::value::RawValue;
use serde_json::{Value, json};

/// Money fields as the `shopify_graphql` mapping reads them.
const MONEY: &str = "{ shopMoney { amount currencyCode } }";

/// The fields of an `Order` node that the `shopify_graphql` mapping reads, with at most `lines` line
/// items (and whether there are more).
pub fn order_selection(lines: u32) -> String {
    format!(
        "id legacyResourceId name createdAt processedAt updatedAt cancelledAt closed currencyCode \
displayFinancialStatus displayFulfillmentStatus note tags phone \
totalLineItemsPriceSet {MONEY} totalDiscountsSet {MONEY} totalShippingPriceSet {MONEY} totalPriceSet {MONEY} \
customer {{ id firstName lastName }} \
shippingAddress {{ name firstName lastName phone address1 address2 city province provinceCode zip countryCodeV2 }} \
lineItems(first: {lines}) {{ nodes {{ id sku title quantity currentQuantity \
originalUnitPriceSet {MONEY} totalDiscountSet {MONEY} variant {{ id }} product {{ id }} }} \
pageInfo {{ hasNextPage }} }}"
    )
}

/// The calculated cost of one order of [`order_selection`] with `lines` line items: the node, its
/// customer and address (1 each), four money bags (2 each), and the line connection (2 + 7 a line).
pub fn order_cost(lines: u32) -> u32 {
    13 + 7 * lines
}

/// The bucket size an answer reports (`extensions.cost.throttleStatus.maximumAvailable`).
pub(crate) fn bucket_size(body: &[u8]) -> Option<f64> {
    let envelope: Envelope<'_> = serde_json::from_slice(body).ok()?;
    envelope
        .extensions
        .cost
        .map(|it| it.throttle_status.maximum_available)
}

/// One page of the orders updated in a window, oldest change first.
pub fn orders_query(lines: u32) -> String {
    format!(
        "query OrdersUpdated($first: Int!, $after: String, $query: String!) {{ \
orders(first: $first, after: $after, query: $query, sortKey: UPDATED_AT) {{ \
pageInfo {{ hasNextPage endCursor }} nodes {{ {} }} }} }}",
        order_selection(lines)
    )
}

/// One order by id.
pub fn order_query(lines: u32) -> String {
    format!(
        "query OrderById($id: ID!) {{ order(id: $id) {{ {} }} }}",
        order_selection(lines)
    )
}

/// What a shipment confirmation needs to know first: the order's fulfillments with their tracking
/// numbers, and its fulfillment orders with what remains to ship of each line (about 580 points).
pub(crate) const FULFILLMENT_STATE_QUERY: &str = "query FulfillmentState($id: ID!) { order(id: $id) { \
id displayFulfillmentStatus fulfillments(first: 10) { id status trackingInfo(first: 3) { company number } } \
fulfillmentOrders(first: 5) { nodes { id status lineItems(first: 50) { nodes { id remainingQuantity \
lineItem { id } } } } } } }";

/// `fulfillmentCreate` with the whole input as one variable.
pub(crate) const FULFILLMENT_CREATE: &str = "mutation Ship($fulfillment: FulfillmentInput!) { \
fulfillmentCreate(fulfillment: $fulfillment) { fulfillment { id status } userErrors { field message } } }";

/// A variant's inventory item (stock is set per inventory item and location).
pub(crate) const VARIANT_QUERY: &str =
    "query Variant($id: ID!) { productVariant(id: $id) { id inventoryItem { id } } }";

/// `inventorySetQuantities` under an idempotency key: a repeat with the same key changes nothing.
pub(crate) const SET_QUANTITIES: &str = "mutation SetStock($input: InventorySetQuantitiesInput!, $key: String!) { \
inventorySetQuantities(input: $input) @idempotent(key: $key) { \
inventoryAdjustmentGroup { reason changes { name delta quantityAfterChange } } \
userErrors { code field message } } }";

/// `gid://shopify/{kind}/{id}` for a number, or the text itself when it is a gid already.
pub fn gid(kind: &str, id: &str) -> String {
    match id.starts_with("gid://") {
        true => id.to_owned(),
        false => format!("gid://shopify/{kind}/{id}"),
    }
}

/// The number of a gid (`gid://shopify/Order/5820…` → `5820…`), as text: it may exceed 2^53.
pub fn gid_number(gid: &str) -> Option<&str> {
    let number = gid.strip_prefix("gid://shopify/")?.split('/').nth(1)?;
    let number = number.split('?').next().unwrap_or_default();
    (!number.is_empty() && number.bytes().all(|it| it.is_ascii_digit())).then_some(number)
}

/// A time as Shopify's search syntax and `DateTime` write it: UTC, whole seconds, `Z`.
pub fn iso_time(at: Timestamp) -> String {
    let text = mapping::rfc3339(
        Timestamp::from_unix_millis(at.unix_millis().div_euclid(1000) * 1000),
        0,
    );
    format!("{}Z", &text[..19])
}

/// An RFC 3339 time (`2024-06-18T04:00:00Z`, `2024-06-18T00:00:00-04:00`).
pub fn parse_iso_time(text: &str) -> Option<Timestamp> {
    mapping::parse_time(text, &mapping::TimeFormat::Rfc3339)
        .ok()
        .flatten()
}

/// The search query of a window: `updated_at` from `from` inclusive to `to` exclusive, whole seconds.
pub fn window_query(from: Timestamp, to: Timestamp) -> String {
    format!(
        "updated_at:>='{}' AND updated_at:<'{}'",
        iso_time(from),
        iso_time(to)
    )
}

/// A GraphQL request body.
pub(crate) fn request(query: &str, variables: Value) -> Vec<u8> {
    json!({ "query": query, "variables": variables })
        .to_string()
        .into_bytes()
}

/// The bucket of the calculated query cost, as each response reports it.
#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ThrottleStatus {
    pub maximum_available: f64,
    pub currently_available: f64,
    pub restore_rate: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cost {
    pub requested_query_cost: f64,
    #[serde(default)]
    pub actual_query_cost: Option<f64>,
    pub throttle_status: ThrottleStatus,
}

#[derive(Debug, Default, Deserialize)]
struct Extensions {
    #[serde(default)]
    cost: Option<Cost>,
}

#[derive(Debug, Deserialize)]
struct GraphqlError {
    #[serde(default)]
    message: String,
    #[serde(default)]
    extensions: Option<ErrorExtensions>,
}

#[derive(Debug, Deserialize)]
struct ErrorExtensions {
    #[serde(default)]
    code: Option<String>,
}

/// `{"data": …, "errors": […], "extensions": {"cost": …}}`, the data kept as written.
#[derive(Debug, Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default)]
    data: Option<&'a RawValue>,
    #[serde(default)]
    errors: Option<Value>,
    #[serde(default)]
    extensions: Extensions,
}

/// The `data` of a 200 answer, or its errors classified: `THROTTLED` waits until the bucket holds the
/// requested cost again (`(requested − available) / restoreRate` seconds); `ACCESS_DENIED` needs a
/// person; `INTERNAL_SERVER_ERROR` is transient; anything else (a parse or validation error,
/// `MAX_COST_EXCEEDED`) is a refusal of this request.
pub(crate) fn data<'a>(body: &'a [u8], operation: &str) -> Result<&'a RawValue, ChannelError> {
    let envelope: Envelope<'_> = serde_json::from_slice(body)
        .map_err(|e| ChannelError::Decode(format!("{operation}: {e}")))?;
    if let Some(errors) = envelope.errors {
        return Err(classify(&errors, envelope.extensions.cost, operation));
    }
    envelope
        .data
        .ok_or_else(|| ChannelError::Decode(format!("{operation}: neither data nor errors")))
}

fn classify(errors: &Value, cost: Option<Cost>, operation: &str) -> ChannelError {
    // A top-level `errors` is a list of objects, or a bare string on some HTTP-level failures.
    let list: Vec<GraphqlError> = match errors {
        Value::String(text) => vec![GraphqlError {
            message: text.clone(),
            extensions: None,
        }],
        other => serde_json::from_value(other.clone()).unwrap_or_default(),
    };
    let message = format!(
        "{operation}: {}",
        list.iter()
            .map(|it| it.message.as_str())
            .collect::<Vec<_>>()
            .join("; ")
    );
    let code = list
        .iter()
        .find_map(|it| it.extensions.as_ref().and_then(|e| e.code.clone()))
        .unwrap_or_default();
    match code.as_str() {
        "THROTTLED" => ChannelError::RateLimited {
            retry_after_millis: cost.map(refill_millis).unwrap_or(1_000),
            message,
        },
        "ACCESS_DENIED" => ChannelError::Unauthorized(message),
        "INTERNAL_SERVER_ERROR" => ChannelError::Transient(message),
        "" => ChannelError::Rejected {
            code: "graphql".to_owned(),
            message,
        },
        other => ChannelError::Rejected {
            code: other.to_owned(),
            message,
        },
    }
}

/// How long until the bucket holds the requested cost: `(requested − available) / restoreRate`
/// seconds, rounded up to the millisecond, at least 100 ms.
pub fn refill_millis(cost: Cost) -> i64 {
    let status = cost.throttle_status;
    let missing = (cost.requested_query_cost - status.currently_available).max(0.0);
    let rate = status.restore_rate.max(1.0);
    // The float is a count of cost points, never money.
    ((missing / rate * 1000.0).ceil() as i64).max(100)
}

/// The class of a non-200 answer: 401/403/423 (bad token, missing scope, locked shop) and 402 (a
/// frozen shop) need a person, 429 waits `Retry-After` seconds, 5xx are transient, the rest refused.
pub(crate) fn http_error(
    status: u16,
    retry_after: Option<&str>,
    body: &[u8],
    operation: &str,
) -> ChannelError {
    let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
    let message = format!("{operation}: HTTP {status} {text}");
    match status {
        401 | 402 | 403 | 423 => ChannelError::Unauthorized(message),
        429 => ChannelError::RateLimited {
            retry_after_millis: retry_after
                .and_then(|it| it.trim().parse::<f64>().ok())
                .map(|secs| (secs * 1000.0).ceil() as i64)
                .unwrap_or(1_000)
                .max(100),
            message,
        },
        500..=599 => ChannelError::Transient(message),
        _ => ChannelError::Rejected {
            code: status.to_string(),
            message,
        },
    }
}

/// `{"field": [...], "message": "..."}` of a mutation's `userErrors`, as one refusal (or none).
pub(crate) fn user_errors(payload: &Value, operation: &str) -> Result<(), ChannelError> {
    let errors = payload
        .get("userErrors")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let code = first
        .get("code")
        .and_then(Value::as_str)
        .unwrap_or("userError")
        .to_owned();
    let message = errors
        .iter()
        .filter_map(|it| it.get("message").and_then(Value::as_str))
        .collect::<Vec<_>>()
        .join("; ");
    Err(ChannelError::Rejected {
        code,
        message: format!("{operation}: {message}"),
    })
}

/// One page of `orders`: the nodes as written and where the next page starts.
#[derive(Debug, Deserialize)]
pub(crate) struct OrdersPage<'a> {
    #[serde(rename = "pageInfo")]
    pub page_info: PageInfo,
    #[serde(borrow)]
    pub nodes: Vec<&'a RawValue>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct PageInfo {
    #[serde(rename = "hasNextPage")]
    pub has_next_page: bool,
    #[serde(rename = "endCursor", default)]
    pub end_cursor: Option<String>,
}

/// `data.orders` of a listing.
pub(crate) fn orders_page<'a>(data: &'a RawValue) -> Result<OrdersPage<'a>, ChannelError> {
    #[derive(Deserialize)]
    struct Data<'a> {
        #[serde(borrow)]
        orders: OrdersPage<'a>,
    }
    serde_json::from_str::<Data<'a>>(data.get())
        .map(|it| it.orders)
        .map_err(|e| ChannelError::Decode(format!("orders: {e}")))
}

/// `data.order` of a lookup: the node as written, `None` when there is no such order.
pub(crate) fn order_node(data: &RawValue) -> Result<Option<&RawValue>, ChannelError> {
    #[derive(Deserialize)]
    struct Data<'a> {
        #[serde(borrow)]
        order: Option<&'a RawValue>,
    }
    let data: Data<'_> = serde_json::from_str(data.get())
        .map_err(|e| ChannelError::Decode(format!("order: {e}")))?;
    Ok(data.order.filter(|it| it.get() != "null"))
}

/// Whether an order node has more line items than it carries.
pub(crate) fn has_more_lines(node: &RawValue) -> bool {
    serde_json::from_str::<Value>(node.get())
        .is_ok_and(|it| it.pointer("/lineItems/pageInfo/hasNextPage") == Some(&Value::Bool(true)))
}

/// The new credentials of a token refresh (`POST /admin/oauth/access_token`).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
pub(crate) struct Refreshed {
    pub access_token: String,
    #[serde(default)]
    pub expires_in: Option<i64>,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

/// Reads a refresh answer; a refused refresh (`invalid_grant` …) needs a person.
pub(crate) fn refreshed(status: u16, body: &[u8]) -> Result<Refreshed, ChannelError> {
    if status != 200 {
        let text = String::from_utf8_lossy(&body[..body.len().min(300)]).into_owned();
        return Err(match status {
            500..=599 => ChannelError::Transient(format!("token refresh: HTTP {status} {text}")),
            _ => ChannelError::Unauthorized(format!("token refresh: HTTP {status} {text}")),
        });
    }
    serde_json::from_slice(body).map_err(|e| ChannelError::Decode(format!("token refresh: {e}")))
}

/// Shopify's tracking company for our carrier code. Shopify builds a tracking URL only for the names
/// on its supported-carrier list, spelled exactly; others are passed through as written.
pub fn tracking_company(carrier: &str) -> &str {
    match carrier {
        "SF" => "SF Express",
        "YTO" => "YTO Express",
        "ZTO" => "ZTO Express",
        "STO" => "STO Express",
        "YUNDA" => "Yunda Express",
        "EMS" => "China Post",
        "JD" => "JD Logistics",
        "JT" => "J&T Express",
        "DBL" => "Deppon Express",
        "UPS" => "UPS",
        "FEDEX" => "FedEx",
        "DHL" => "DHL Express",
        "USPS" => "USPS",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use app::ChannelError;
    use domain::Timestamp;

    use crate::shopify::wire::{
        data, gid, gid_number, http_error, iso_time, parse_iso_time, window_query,
    };

    #[test]
    fn times_are_utc_whole_seconds() {
        let t = Timestamp::from_unix_millis(1_718_683_200_999);
        assert_eq!(iso_time(t), "2024-06-18T04:00:00Z");
        assert_eq!(
            parse_iso_time("2024-06-18T00:00:00-04:00"),
            Some(Timestamp::from_unix_millis(1_718_683_200_000))
        );
        assert_eq!(
            window_query(t, t.plus_millis(3_600_000)),
            "updated_at:>='2024-06-18T04:00:00Z' AND updated_at:<'2024-06-18T05:00:00Z'"
        );
    }

    #[test]
    fn gids_keep_big_numbers_as_digits() {
        assert_eq!(
            gid("Order", "5820000000000000001"),
            "gid://shopify/Order/5820000000000000001"
        );
        assert_eq!(
            gid("Order", "gid://shopify/Order/1"),
            "gid://shopify/Order/1"
        );
        assert_eq!(
            gid_number("gid://shopify/Order/5820000000000000001"),
            Some("5820000000000000001")
        );
        assert_eq!(gid_number("gid://shopify/Order/"), None);
        assert_eq!(gid_number("5820"), None);
    }

    #[test]
    fn throttled_waits_for_the_bucket() {
        let body = br#"{"errors":[{"message":"Throttled","extensions":{"code":"THROTTLED","documentation":"https://shopify.dev/api/usage/rate-limits"}}],"extensions":{"cost":{"requestedQueryCost":752,"actualQueryCost":null,"throttleStatus":{"maximumAvailable":1000.0,"currentlyAvailable":666,"restoreRate":50.0}}}}"#;
        assert!(matches!(
            data(body, "orders"),
            Err(ChannelError::RateLimited {
                retry_after_millis: 1720,
                ..
            })
        ));
        let body = br#"{"errors":[{"message":"Query cost is 3002, which exceeds the single query max cost limit (1000).","extensions":{"code":"MAX_COST_EXCEEDED"}}]}"#;
        assert!(matches!(
            data(body, "orders"),
            Err(ChannelError::Rejected { code, .. }) if code == "MAX_COST_EXCEEDED"
        ));
        let body = br#"{"errors":[{"message":"Field 'x' doesn't exist on type 'Order'","locations":[{"line":1,"column":2}]}]}"#;
        assert!(matches!(
            data(body, "orders"),
            Err(ChannelError::Rejected { .. })
        ));
        assert_eq!(
            data(br#"{"data":{"a":1}}"#, "q").unwrap().get(),
            r#"{"a":1}"#
        );
        assert!(matches!(data(b"<html>", "q"), Err(ChannelError::Decode(_))));
    }

    #[test]
    fn http_errors_are_classified() {
        assert!(matches!(
            http_error(401, None, b"{}", "q"),
            ChannelError::Unauthorized(_)
        ));
        assert!(matches!(
            http_error(402, None, b"{}", "q"),
            ChannelError::Unauthorized(_)
        ));
        assert!(matches!(
            http_error(429, Some("2.0"), b"{}", "q"),
            ChannelError::RateLimited {
                retry_after_millis: 2000,
                ..
            }
        ));
        assert!(matches!(
            http_error(503, None, b"", "q"),
            ChannelError::Transient(_)
        ));
        assert!(matches!(
            http_error(404, None, b"", "q"),
            ChannelError::Rejected { .. }
        ));
    }
}
