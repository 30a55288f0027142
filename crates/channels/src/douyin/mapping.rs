//! A doudian order (a `shop_order_list` entry or `shop_order_detail`) into our standard order, pure:
//! the built-in `douyin` mapping of the `mapping` crate, with the shop's overrides.

use app::{Fetched, MapFailure};
use domain::ShopId;
use mapping::{Divisions, MapContext, OrderMapping};

/// The format name raw documents are kept under.
pub const FORMAT: &str = "douyin.order";

/// The built-in mapping, or the shop's overrides of it.
pub fn order_mapping(overrides: Option<&str>) -> Result<OrderMapping, mapping::MapError> {
    let base = mapping::builtin("douyin").expect("the douyin mapping is built in");
    match overrides {
        Some(text) => OrderMapping::with_overrides(base, text),
        None => OrderMapping::from_toml(base),
    }
}

/// One order's bytes, kept, and what the mapping made of them.
pub fn fetched(mapping: &OrderMapping, shop: ShopId, order: &[u8]) -> Fetched {
    let ctx = MapContext {
        shop,
        default_country: "CN",
        divisions: Divisions::official(),
    };
    Fetched {
        external_id: order_id(order),
        format: FORMAT.to_owned(),
        raw: order.to_vec(),
        order: mapping
            .map(order, &ctx)
            .map(|it| it.order)
            .map_err(|err| MapFailure {
                field: err.field,
                reason: err.reason,
            }),
    }
}

/// The order's `order_id` as text (doudian writes it as a string; a number is read without a float),
/// or empty when it cannot be read.
fn order_id(order: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(order) else {
        return String::new();
    };
    match value.get("order_id") {
        Some(serde_json::Value::String(text)) => text.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(_) | None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use domain::ShopId;

    use crate::douyin::mapping::{fetched, order_mapping};

    #[test]
    fn an_order_maps_and_a_broken_one_is_kept_with_its_reason() {
        let mapping = order_mapping(None).unwrap();
        let good = br#"{"order_id":"6900000000000000001","order_status":2,"create_time":1718712903,
            "update_time":1718712962,"pay_time":1718712940,"order_amount":100,"pay_amount":100,
            "post_amount":0,"promotion_amount":0,"sku_order_list":[{"order_id":"6900000000000000002",
            "product_id":3600000000000000001,"sku_id":1,"code":"A-1","item_num":1,"goods_price":100,
            "pay_amount":100,"promotion_amount":0}]}"#;
        let it = fetched(&mapping, ShopId(3), good);
        assert_eq!(it.external_id, "6900000000000000001");
        let order = it.order.unwrap();
        assert_eq!(order.lines[0].platform_item_id, "3600000000000000001");
        let broken = br#"{"order_id":6900000000000000003,"order_status":77}"#;
        let it = fetched(&mapping, ShopId(3), broken);
        assert_eq!(it.external_id, "6900000000000000003");
        assert_eq!(it.order.unwrap_err().field, "platform_status");
        assert_eq!(it.raw, broken);
    }
}
