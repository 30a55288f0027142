//! A TOP trade into our standard order, pure: the built-in `taobao` mapping of the `mapping` crate
//! (shared with CSV-less API documents and `orderhub normalize`), with the shop's overrides; and a
//! refund into the after-sale it states.

use app::{Fetched, MapFailure, PlatformAfterSale, PlatformAfterSaleLine, PlatformStage};
use domain::{AfterSaleKind, ShopId};
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

/// The format name refund documents are kept under.
pub const REFUND_FORMAT: &str = "taobao.refund";

/// A `taobao.refunds.receive.get` refund in our words. One refund concerns one order line (`oid`);
/// `has_good_return` tells a return from a refund only; `num`, when sent, the pieces.
pub fn after_sale(refund: &[u8]) -> Result<PlatformAfterSale, MapFailure> {
    let failure = |field: &str, reason: String| MapFailure {
        field: format!("after_sale.{field}"),
        reason,
    };
    let value: serde_json::Value = serde_json::from_slice(refund)
        .map_err(|err| failure("document", format!("not JSON: {err}")))?;
    let text = |name: &str| match value.get(name) {
        Some(serde_json::Value::String(it)) => Some(it.clone()),
        Some(serde_json::Value::Number(it)) => Some(it.to_string()),
        _ => None,
    };
    let line_id = text("oid").ok_or_else(|| failure("line", "the refund has no oid".to_owned()))?;
    let status = text("status").unwrap_or_default();
    let stage = match status.as_str() {
        "WAIT_SELLER_AGREE" | "SELLER_REFUSE_BUYER" => PlatformStage::Requested,
        "WAIT_BUYER_RETURN_GOODS" | "WAIT_SELLER_CONFIRM_GOODS" => PlatformStage::Agreed,
        "SUCCESS" => PlatformStage::Refunded,
        "CLOSED" => PlatformStage::Closed,
        other => {
            return Err(failure(
                "status",
                format!("unknown refund status {other:?}"),
            ));
        }
    };
    let returns = match value.get("has_good_return") {
        Some(serde_json::Value::Bool(it)) => *it,
        Some(serde_json::Value::String(it)) => it == "true",
        _ => text("dispute_type").as_deref() == Some("REFUND_AND_RETURN"),
    };
    let refund_minor = mapping::parse_money(
        &text("refund_fee").unwrap_or_default(),
        mapping::MoneyUnit::Major,
        100,
    )
    .map_err(|reason| failure("refund", reason))?;
    let quantity = text("num")
        .map(|it| {
            it.parse::<u32>()
                .map_err(|_| failure("quantity", format!("num {it:?} is not a count")))
        })
        .transpose()?;
    Ok(PlatformAfterSale {
        kind: match returns {
            true => AfterSaleKind::ReturnAndRefund,
            false => AfterSaleKind::RefundOnly,
        },
        stage,
        reason: text("reason").unwrap_or_default(),
        lines: vec![PlatformAfterSaleLine {
            line_id,
            quantity,
            refund_minor,
        }],
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refund_becomes_a_platform_after_sale() {
        let refund = r#"{"refund_id":"9001","tid":1234,"oid":5678,"refund_fee":"49.90","status":"WAIT_SELLER_CONFIRM_GOODS","has_good_return":true,"reason":"七天无理由","num":1}"#;
        let case = after_sale(refund.as_bytes()).unwrap();
        assert_eq!(case.kind, AfterSaleKind::ReturnAndRefund);
        assert_eq!(case.stage, PlatformStage::Agreed);
        assert_eq!(case.reason, "七天无理由");
        assert_eq!(
            case.lines,
            vec![PlatformAfterSaleLine {
                line_id: "5678".to_owned(),
                quantity: Some(1),
                refund_minor: 4990
            }]
        );
        let only =
            br#"{"oid":"5678","refund_fee":"10","status":"SUCCESS","has_good_return":false}"#;
        let case = after_sale(only).unwrap();
        assert_eq!(
            (case.kind, case.stage),
            (AfterSaleKind::RefundOnly, PlatformStage::Refunded)
        );
        assert_eq!(case.lines[0].quantity, None);
    }

    #[test]
    fn a_refund_that_cannot_be_read_names_the_field() {
        let failure = after_sale(br#"{"oid":"1","status":"SOMETHING_NEW"}"#).unwrap_err();
        assert_eq!(failure.field, "after_sale.status");
        assert!(failure.reason.contains("SOMETHING_NEW"));
        let failure = after_sale(br#"{"status":"SUCCESS"}"#).unwrap_err();
        assert_eq!(failure.field, "after_sale.line");
        let failure =
            after_sale(br#"{"oid":"1","status":"SUCCESS","refund_fee":"abc"}"#).unwrap_err();
        assert_eq!(failure.field, "after_sale.refund");
    }
}
