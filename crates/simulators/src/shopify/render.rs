//! What Shopify shows of an order: the GraphQL `Order` node (every field the simulator serves, ready
//! for a selection set to pick from) and the REST-shaped order webhooks carry. Money is decimal
//! strings, ids are gids in GraphQL and plain numbers in REST, GraphQL times are UTC and REST times
//! are in the shop's offset.

use channels::shopify::iso_time;
use domain::Timestamp;
use serde_json::{Value, json};

use crate::shopify::shop::{Line, Order};

/// Marks a connection in a node: `{ "__connection": [nodes] }` (paged with `first`, read through
/// `nodes`, `edges` and `pageInfo`).
pub(crate) const CONNECTION: &str = "__connection";
/// Marks a plain list that takes `first`: `{ "__list": [items] }`.
pub(crate) const LIST: &str = "__list";

/// Cents as Shopify writes amounts, always with two decimals: `1950` → `"19.50"`.
pub fn amount(cents: i64) -> String {
    let sign = if cents < 0 { "-" } else { "" };
    let cents = cents.unsigned_abs();
    format!("{sign}{}.{:02}", cents / 100, cents % 100)
}

pub(crate) fn gid(kind: &str, id: u64) -> String {
    format!("gid://shopify/{kind}/{id}")
}

fn money_bag(cents: i64, currency: &str) -> Value {
    let money =
        json!({ "__typename": "MoneyV2", "amount": amount(cents), "currencyCode": currency });
    json!({ "__typename": "MoneyBag", "shopMoney": money, "presentmentMoney": money })
}

fn time(at: Option<Timestamp>) -> Value {
    at.map(|it| Value::String(iso_time(it)))
        .unwrap_or(Value::Null)
}

/// `t` in the shop's offset, as REST writes it: `2024-06-18T00:00:00-04:00`.
pub fn local_time(at: Timestamp, offset_minutes: i32) -> String {
    let local = iso_time(at.plus_millis(i64::from(offset_minutes) * 60_000));
    let sign = if offset_minutes < 0 { '-' } else { '+' };
    let offset = offset_minutes.unsigned_abs();
    format!(
        "{}{sign}{:02}:{:02}",
        local.trim_end_matches('Z'),
        offset / 60,
        offset % 60
    )
}

fn line_node(order: &Order, line: &Line) -> Value {
    let currency = order.currency;
    json!({
        "__typename": "LineItem",
        "id": gid("LineItem", line.id),
        "sku": line.variant.sku,
        "title": line.product.title,
        "variantTitle": line.variant.title,
        "name": format!("{} - {}", line.product.title, line.variant.title),
        "quantity": line.quantity,
        "currentQuantity": line.current_quantity(),
        "unfulfilledQuantity": line.remaining(),
        "originalUnitPriceSet": money_bag(line.price, currency),
        "totalDiscountSet": money_bag(line.discount, currency),
        "variant": {
            "__typename": "ProductVariant",
            "id": gid("ProductVariant", line.variant.id),
            "legacyResourceId": line.variant.id.to_string(),
            "sku": line.variant.sku,
            "title": line.variant.title,
            "inventoryItem": { "__typename": "InventoryItem", "id": gid("InventoryItem", line.variant.inventory_item_id) },
        },
        "product": {
            "__typename": "Product",
            "id": gid("Product", line.product.id),
            "legacyResourceId": line.product.id.to_string(),
            "title": line.product.title,
        },
    })
}

/// The `Order` node with every field the simulator serves.
pub(crate) fn order_node(order: &Order) -> Value {
    let currency = order.currency;
    let address = &order.address;
    let lines: Vec<Value> = order.lines.iter().map(|it| line_node(order, it)).collect();
    let fulfillment_lines: Vec<Value> = order
        .lines
        .iter()
        .map(|line| {
            json!({
                "__typename": "FulfillmentOrderLineItem",
                "id": gid("FulfillmentOrderLineItem", line.fulfillment_line_id),
                "totalQuantity": line.quantity - line.refunded,
                "remainingQuantity": line.remaining(),
                "lineItem": { "__typename": "LineItem", "id": gid("LineItem", line.id), "sku": line.variant.sku },
            })
        })
        .collect();
    let fulfillments: Vec<Value> = order
        .shipments
        .iter()
        .map(|it| {
            json!({
                "__typename": "Fulfillment",
                "id": gid("Fulfillment", it.id),
                "status": "SUCCESS",
                "createdAt": iso_time(it.created_at),
                "trackingInfo": { LIST: [{ "__typename": "FulfillmentTrackingInfo", "company": it.company, "number": it.number, "url": null }] },
            })
        })
        .collect();
    let refunds: Vec<Value> = order
        .refunds
        .iter()
        .map(|it| {
            json!({
                "__typename": "Refund",
                "id": gid("Refund", it.id),
                "createdAt": iso_time(it.created_at),
                "totalRefundedSet": money_bag(it.amount, currency),
                "refundLineItems": { CONNECTION: [{
                    "__typename": "RefundLineItem",
                    "quantity": it.quantity,
                    "lineItem": { "__typename": "LineItem", "id": gid("LineItem", order.lines[it.line].id) },
                }] },
            })
        })
        .collect();
    json!({
        "__typename": "Order",
        "id": gid("Order", order.id),
        "legacyResourceId": order.id.to_string(),
        "name": order.name(),
        "createdAt": iso_time(order.created_at),
        "processedAt": iso_time(order.processed_at),
        "updatedAt": iso_time(order.updated_at),
        "cancelledAt": time(order.cancelled_at),
        "cancelReason": order.cancelled_at.map(|_| "DECLINED"),
        "closed": order.closed_at.is_some(),
        "closedAt": time(order.closed_at),
        "currencyCode": currency,
        "displayFinancialStatus": order.financial.graphql(),
        "displayFulfillmentStatus": order.fulfillment().graphql(),
        "email": order.customer.email,
        "phone": null,
        "note": order.note,
        "tags": order.tags,
        "totalLineItemsPriceSet": money_bag(order.line_items_total(), currency),
        "subtotalPriceSet": money_bag(order.line_items_total() - order.discounts(), currency),
        "totalDiscountsSet": money_bag(order.discounts(), currency),
        "totalShippingPriceSet": money_bag(order.shipping, currency),
        "totalPriceSet": money_bag(order.total(), currency),
        "totalRefundedSet": money_bag(order.refunded(), currency),
        "customer": {
            "__typename": "Customer",
            "id": gid("Customer", order.customer.id),
            "legacyResourceId": order.customer.id.to_string(),
            "firstName": order.customer.first_name,
            "lastName": order.customer.last_name,
            "email": order.customer.email,
        },
        "shippingAddress": {
            "__typename": "MailingAddress",
            "name": format!("{} {}", address.first_name, address.last_name),
            "firstName": address.first_name,
            "lastName": address.last_name,
            "phone": address.phone,
            "company": null,
            "address1": address.address1,
            "address2": (!address.address2.is_empty()).then_some(&address.address2),
            "city": address.place.city,
            "province": address.place.province,
            "provinceCode": address.place.province_code,
            "zip": address.place.zip,
            "country": address.place.country,
            "countryCodeV2": address.place.country_code,
        },
        "lineItems": { CONNECTION: lines },
        "fulfillmentOrders": { CONNECTION: [{
            "__typename": "FulfillmentOrder",
            "id": gid("FulfillmentOrder", order.fulfillment_order_id),
            "status": order.fulfillment_order_status().graphql(),
            "lineItems": { CONNECTION: fulfillment_lines },
        }] },
        "fulfillments": { LIST: fulfillments },
        "refunds": { LIST: refunds },
    })
}

/// A node as the API answers it when every field is selected: connections as `{nodes, pageInfo}`
/// (at most 250 nodes), lists as arrays, no `__typename`.
pub(crate) fn as_answered(value: &Value) -> Value {
    match value {
        Value::Object(map) if map.contains_key(CONNECTION) => {
            let items = map[CONNECTION].as_array().cloned().unwrap_or_default();
            let nodes: Vec<Value> = items.iter().take(250).map(as_answered).collect();
            json!({ "nodes": nodes, "pageInfo": { "hasNextPage": items.len() > 250 } })
        }
        Value::Object(map) if map.contains_key(LIST) => Value::Array(
            map[LIST]
                .as_array()
                .into_iter()
                .flatten()
                .map(as_answered)
                .collect(),
        ),
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(key, _)| *key != "__typename")
                .map(|(key, it)| (key.clone(), as_answered(it)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(as_answered).collect()),
        other => other.clone(),
    }
}

/// The `Order` node as `order(id:)` answers a query selecting everything.
pub fn graphql_order(order: &Order) -> Value {
    as_answered(&order_node(order))
}

/// The REST-shaped order of webhooks (`orders/create`, `orders/updated` …).
pub fn rest_order(order: &Order, offset_minutes: i32) -> Value {
    let currency = order.currency;
    let local = |at: Timestamp| local_time(at, offset_minutes);
    let address = &order.address;
    let money_set = |cents: i64| {
        let money = json!({ "amount": amount(cents), "currency_code": currency });
        json!({ "shop_money": money, "presentment_money": money })
    };
    let lines: Vec<Value> = order
        .lines
        .iter()
        .map(|line| {
            json!({
                "id": line.id,
                "admin_graphql_api_id": gid("LineItem", line.id),
                "product_id": line.product.id,
                "variant_id": line.variant.id,
                "sku": line.variant.sku,
                "title": line.product.title,
                "variant_title": line.variant.title,
                "quantity": line.quantity,
                "current_quantity": line.current_quantity(),
                "fulfillable_quantity": line.remaining(),
                "fulfillment_status": match (line.fulfilled, line.remaining()) {
                    (0, _) => None,
                    (_, 0) => Some("fulfilled"),
                    (_, _) => Some("partial"),
                },
                "price": amount(line.price),
                "total_discount": amount(line.discount),
                "requires_shipping": true,
            })
        })
        .collect();
    json!({
        "id": order.id,
        "admin_graphql_api_id": gid("Order", order.id),
        "name": order.name(),
        "order_number": order.number,
        "email": order.customer.email,
        "created_at": local(order.created_at),
        "processed_at": local(order.processed_at),
        "updated_at": local(order.updated_at),
        "cancelled_at": order.cancelled_at.map(local),
        "cancel_reason": order.cancelled_at.map(|_| "declined"),
        "closed_at": order.closed_at.map(local),
        "currency": currency,
        "financial_status": order.financial.rest(),
        "fulfillment_status": order.fulfillment().rest(),
        "note": order.note,
        "tags": order.tags.join(", "),
        "phone": null,
        "total_line_items_price": amount(order.line_items_total()),
        "subtotal_price": amount(order.line_items_total() - order.discounts()),
        "total_discounts": amount(order.discounts()),
        "total_price": amount(order.total()),
        "total_shipping_price_set": money_set(order.shipping),
        "customer": {
            "id": order.customer.id,
            "first_name": order.customer.first_name,
            "last_name": order.customer.last_name,
            "email": order.customer.email,
        },
        "shipping_address": {
            "name": format!("{} {}", address.first_name, address.last_name),
            "first_name": address.first_name,
            "last_name": address.last_name,
            "phone": address.phone,
            "company": null,
            "address1": address.address1,
            "address2": (!address.address2.is_empty()).then_some(&address.address2),
            "city": address.place.city,
            "province": address.place.province,
            "province_code": address.place.province_code,
            "zip": address.place.zip,
            "country": address.place.country,
            "country_code": address.place.country_code,
        },
        "line_items": lines,
        "fulfillments": order.shipments.iter().map(|it| json!({
            "id": it.id,
            "order_id": order.id,
            "status": "success",
            "tracking_company": it.company,
            "tracking_number": it.number,
            "created_at": local(it.created_at),
        })).collect::<Vec<_>>(),
        "refunds": order.refunds.iter().map(|it| json!({
            "id": it.id,
            "order_id": order.id,
            "created_at": local(it.created_at),
            "refund_line_items": [{ "line_item_id": order.lines[it.line].id, "quantity": it.quantity, "subtotal": amount(it.amount) }],
        })).collect::<Vec<_>>(),
    })
}
