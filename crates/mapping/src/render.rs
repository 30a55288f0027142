//! The standard order as JSON, for `orderhub normalize` and the mapping snapshots: money as decimal
//! strings with the currency, times in RFC 3339 with the shop's offset, our status beside the platform's.

use domain::{Lifecycle, Money, Timestamp};
use serde_json::{Value, json};

use crate::order_map::Mapped;
use crate::values::rfc3339;

fn money(m: Money) -> Value {
    let text = m.to_string();
    let (amount, currency) = text.split_once(' ').unwrap_or((text.as_str(), ""));
    json!({ "amount": amount, "currency": currency })
}

/// `offset_minutes` is the zone times are shown in (480 for China).
pub fn standard_order_json(mapped: &Mapped, offset_minutes: i32) -> Value {
    let o = &mapped.order;
    let time = |t: Timestamp| rfc3339(t, offset_minutes);
    let r = &o.receiver;
    json!({
        "external_id": o.external_id.as_str(),
        "status": Lifecycle::first_seen(o.platform_state).status.as_str(),
        "platform_status": o.platform_status,
        "platform_state": o.platform_state.as_str(),
        "created_at": time(o.created_at),
        "paid_at": o.paid_at.map(time),
        "updated_at": time(o.updated_at),
        "buyer": { "platform_id": o.buyer.platform_id, "nickname": o.buyer.nickname },
        "receiver": {
            "name": r.name, "phone": r.phone, "country": r.country, "province": r.province, "city": r.city,
            "district": r.district, "town": r.town, "detail": r.detail, "zip": r.zip, "area_code": r.area_code,
        },
        "address": {
            "status": mapped.address.status.as_str(),
            "confidence": f64::from(mapped.address.confidence) / 100.0,
            "reasons": mapped.address.reasons,
        },
        "amounts": {
            "goods": money(o.amounts.goods), "discount": money(o.amounts.discount),
            "shipping": money(o.amounts.shipping), "paid": money(o.amounts.paid),
        },
        "buyer_message": o.buyer_message,
        "seller_memo": o.seller_memo,
        "flags": {
            "presale": o.flags.presale, "cross_border": o.flags.cross_border, "cod": o.flags.cod,
            "gift": o.flags.gift, "do_not_ship": o.flags.do_not_ship,
        },
        "tags": o.tags,
        "lines": o.lines.iter().map(|l| json!({
            "line_no": l.line_no,
            "platform_line_id": l.platform_line_id,
            "platform_item_id": l.platform_item_id,
            "platform_sku_id": l.platform_sku_id,
            "seller_sku_code": l.seller_sku_code,
            "sku": l.sku.as_ref().map(|it| it.as_str()),
            "title": l.title,
            "quantity": l.quantity.get(),
            "unit_price": money(l.unit_price),
            "discount": money(l.discount),
            "paid": money(l.paid),
            "refund": l.refund.as_str(),
        })).collect::<Vec<_>>(),
    })
}
