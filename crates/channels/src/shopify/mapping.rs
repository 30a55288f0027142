//! A Shopify order into our standard order, pure. The connector fetches GraphQL `Order` nodes and
//! maps them with the built-in `shopify_graphql` mapping; webhooks carry the REST-shaped order, which
//! the built-in `shopify` mapping reads. Both take the order's number as the external id, so one order
//! is one order whichever shape it came in. [`mapping_for`] tells the shapes apart for callers that
//! get either (`orderhub normalize`).

use app::{Fetched, MapFailure};
use domain::ShopId;
use mapping::{Divisions, MapContext, OrderMapping};
use serde_json::Value;

use crate::shopify::wire::gid_number;

/// The format name GraphQL order nodes are kept under.
pub const FORMAT: &str = "shopify.order";
/// The format name REST/webhook orders are kept under.
pub const REST_FORMAT: &str = "shopify.rest_order";

/// The built-in mapping of GraphQL nodes, or the shop's overrides of it.
pub fn order_mapping(overrides: Option<&str>) -> Result<OrderMapping, mapping::MapError> {
    with_overrides("shopify_graphql", overrides)
}

/// The built-in mapping of REST/webhook orders, or the shop's overrides of it.
pub fn rest_mapping(overrides: Option<&str>) -> Result<OrderMapping, mapping::MapError> {
    with_overrides("shopify", overrides)
}

fn with_overrides(name: &str, overrides: Option<&str>) -> Result<OrderMapping, mapping::MapError> {
    let base = mapping::builtin(name).expect("the shopify mappings are built in");
    match overrides {
        Some(text) => OrderMapping::with_overrides(base, text),
        None => OrderMapping::from_toml(base),
    }
}

/// The built-in mapping for a Shopify document: `shopify_graphql` for a GraphQL node (bare, in
/// `{"order": …}` or in `{"data": {"order": …}}`), `shopify` for the REST/webhook shape.
pub fn mapping_for(document: &[u8]) -> &'static str {
    let Ok(value) = serde_json::from_slice::<Value>(document) else {
        return "shopify";
    };
    let order = value
        .pointer("/data/order")
        .or_else(|| value.get("order"))
        .unwrap_or(&value);
    let graphql = order.get("lineItems").is_some()
        || order
            .get("id")
            .and_then(Value::as_str)
            .is_some_and(|it| it.starts_with("gid://"));
    match graphql {
        true => "shopify_graphql",
        false => "shopify",
    }
}

/// One order node's bytes, kept, and what the mapping made of them.
pub fn fetched(mapping: &OrderMapping, shop: ShopId, node: &[u8], format: &str) -> Fetched {
    let ctx = MapContext {
        shop,
        default_country: "US",
        divisions: Divisions::official(),
    };
    Fetched {
        external_id: order_number(node).unwrap_or_default(),
        format: format.to_owned(),
        raw: node.to_vec(),
        order: mapping
            .map(node, &ctx)
            .map(|it| it.order)
            .map_err(|err| MapFailure {
                field: err.field,
                reason: err.reason,
            }),
    }
}

/// The order's number as text, from a GraphQL gid or a REST numeric `id` (its digits as written).
pub fn order_number(document: &[u8]) -> Option<String> {
    let value = serde_json::from_slice::<Value>(document).ok()?;
    let order = value
        .pointer("/data/order")
        .or_else(|| value.get("order"))
        .unwrap_or(&value);
    match order.get("id")? {
        Value::String(text) => match gid_number(text) {
            Some(number) => Some(number.to_owned()),
            None => text
                .bytes()
                .all(|it| it.is_ascii_digit())
                .then(|| text.clone()),
        },
        // serde_json keeps integers up to u64 exactly; a float here would not be an id.
        Value::Number(n) if n.is_u64() => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use crate::shopify::mapping::{mapping_for, order_number};

    #[test]
    fn shapes_are_told_apart() {
        let node = br#"{"id":"gid://shopify/Order/5820000000000000001","lineItems":{"nodes":[]}}"#;
        let rest = br#"{"order":{"id":5820000000000000001,"line_items":[]}}"#;
        assert_eq!(mapping_for(node), "shopify_graphql");
        assert_eq!(
            mapping_for(br#"{"data":{"order":{"id":"gid://shopify/Order/1"}}}"#),
            "shopify_graphql"
        );
        assert_eq!(mapping_for(rest), "shopify");
        assert_eq!(mapping_for(b"not json"), "shopify");
        assert_eq!(order_number(node).as_deref(), Some("5820000000000000001"));
        assert_eq!(order_number(rest).as_deref(), Some("5820000000000000001"));
        assert_eq!(order_number(br#"{"id":5.82e18}"#), None);
    }
}
