//! A TOP trade into our standard order, pure: the built-in `taobao` mapping of the `mapping` crate
//! (shared with CSV-less API documents and `orderhub normalize`), with the shop's overrides.

use app::{Fetched, MapFailure};
use domain::ShopId;
use mapping::{Divisions, MapContext, OrderMapping};

/// The format name raw documents are kept under.
pub const FORMAT: &str = "taobao.trade";

/// The built-in mapping, or the shop's overrides of it.
pub fn trade_mapping(overrides: Option<&str>) -> Result<OrderMapping, mapping::MapError> {
    let base = mapping::builtin("taobao").expect("the taobao mapping is built in");
    match overrides {
        Some(text) => OrderMapping::with_overrides(base, text),
        None => OrderMapping::from_toml(base),
    }
}

/// One trade's bytes, kept, and what the mapping made of them.
pub fn fetched(mapping: &OrderMapping, shop: ShopId, trade: &[u8]) -> Fetched {
    let ctx = MapContext {
        shop,
        default_country: "CN",
        divisions: Divisions::official(),
    };
    let external_id = trade_id(trade);
    Fetched {
        external_id,
        format: FORMAT.to_owned(),
        raw: trade.to_vec(),
        order: mapping
            .map(trade, &ctx)
            .map(|it| it.order)
            .map_err(|err| MapFailure {
                field: err.field,
                reason: err.reason,
            }),
    }
}

/// The trade's id as text (`tid_str`, else `tid`), or empty when it cannot be read.
fn trade_id(trade: &[u8]) -> String {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(trade) else {
        return String::new();
    };
    match (value.get("tid_str"), value.get("tid")) {
        (Some(serde_json::Value::String(text)), _) => text.clone(),
        (_, Some(serde_json::Value::Number(n))) => n.to_string(),
        (_, Some(serde_json::Value::String(text))) => text.clone(),
        _ => String::new(),
    }
}
