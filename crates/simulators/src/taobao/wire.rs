//! What TOP shows: trades, lines and refunds as JSON objects holding only the requested `fields`,
//! receivers masked the way TOP masks them, yuan as decimal strings, GMT+8 times; and the
//! `error_response` bodies.

use std::collections::BTreeSet;

use serde_json::{Map, Value, json};

use crate::taobao::shop::{Line, Refund, Trade, TradeType};
use crate::taobao::time::format;

/// The `fields` parameter: trade fields, and for the lines either all of `orders` or `orders.x`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fields {
    top: BTreeSet<String>,
    all_lines: bool,
    lines: BTreeSet<String>,
}

impl Fields {
    /// Parses `tid,status,orders.title`; blanks around names are ignored, as TOP's SDKs send them.
    pub fn parse(text: &str) -> Fields {
        let mut fields = Fields {
            top: BTreeSet::new(),
            all_lines: false,
            lines: BTreeSet::new(),
        };
        for name in text.split(',').map(str::trim).filter(|it| !it.is_empty()) {
            match name.strip_prefix("orders.").or(name.strip_prefix("order.")) {
                Some(line) => {
                    fields.lines.insert(line.to_owned());
                }
                None if name == "orders" => fields.all_lines = true,
                None => {
                    fields.top.insert(name.to_owned());
                }
            }
        }
        fields
    }

    fn wants_lines(&self) -> bool {
        self.all_lines || !self.lines.is_empty()
    }
}

/// Yuan with two decimals from fen: `19800` → `"198.00"`.
pub(crate) fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let fen = fen.unsigned_abs();
    format!("{sign}{}.{:02}", fen / 100, fen % 100)
}

/// `张三丰` → `张**`: the family name's first character stays.
pub(crate) fn mask_name(name: &str) -> String {
    let mut chars = name.chars();
    let first = chars.next().map(String::from).unwrap_or_default();
    first + &"*".repeat(chars.count())
}

/// `13812345678` → `*******5678`.
pub(crate) fn mask_phone(phone: &str) -> String {
    let chars: Vec<char> = phone.chars().collect();
    let keep = chars.len().min(4);
    "*".repeat(chars.len() - keep) + &chars[chars.len() - keep..].iter().collect::<String>()
}

/// `文三路478号` → `文*路***号`: the first character and the words that give the address its shape
/// (路, 号, 幢, 室 …) stay, everything else is masked.
pub(crate) fn mask_address(address: &str) -> String {
    const SHAPE: &str = "路街道巷弄号栋幢单元室楼座村组区苑园城";
    address
        .chars()
        .enumerate()
        .map(|(i, c)| match i == 0 || SHAPE.contains(c) {
            true => c,
            false => '*',
        })
        .collect()
}

/// `tb8848` → `t**8`.
pub(crate) fn mask_nick(nick: &str) -> String {
    let chars: Vec<char> = nick.chars().collect();
    match chars.as_slice() {
        [] => String::new(),
        [one] => format!("{one}**"),
        [first, .., last] => format!("{first}**{last}"),
    }
}

/// The trade as TOP shows it, with only the requested fields.
pub fn trade_json(trade: &Trade, fields: &Fields) -> Value {
    let mut all = Map::new();
    let mut put = |name: &str, value: Value| {
        if fields.top.contains(name) {
            all.insert(name.to_owned(), value);
        }
    };
    let time = |it: Option<domain::Timestamp>| it.map(format);
    put("tid", json!(trade.tid));
    put("tid_str", json!(trade.tid.to_string()));
    put("type", json!(trade.kind.as_str()));
    put("status", json!(trade.status.as_str()));
    if trade.kind == TradeType::Step {
        let paid = trade.pay_time.is_some();
        let step = match paid {
            true => "FRONT_PAID_FINAL_PAID",
            false => "FRONT_NOPAID_FINAL_NOPAID",
        };
        put("step_trade_status", json!(step));
        put(
            "step_paid_fee",
            json!(yuan(if paid { trade.payment() } else { 0 })),
        );
    }
    put("created", json!(format(trade.created)));
    if let Some(it) = time(trade.pay_time) {
        put("pay_time", json!(it));
    }
    put("modified", json!(format(trade.modified)));
    if let Some(it) = time(trade.consign_time) {
        put("consign_time", json!(it));
    }
    if let Some(it) = time(trade.end_time) {
        put("end_time", json!(it));
    }
    put("buyer_nick", json!(mask_nick(&trade.buyer_nick)));
    put("buyer_open_uid", json!(trade.buyer_open_uid));
    put("buyer_message", json!(trade.buyer_message));
    put("has_buyer_message", json!(!trade.buyer_message.is_empty()));
    put("seller_memo", json!(trade.seller_memo));
    put("seller_flag", json!(trade.seller_flag));
    let receiver = &trade.receiver;
    put("receiver_name", json!(mask_name(&receiver.name)));
    put("receiver_mobile", json!(mask_phone(&receiver.mobile)));
    put("receiver_phone", json!(""));
    put("receiver_country", json!(""));
    put("receiver_state", json!(receiver.state));
    put("receiver_city", json!(receiver.city));
    put("receiver_district", json!(receiver.district));
    put("receiver_town", json!(receiver.town));
    put("receiver_address", json!(mask_address(&receiver.address)));
    put("receiver_zip", json!(receiver.zip));
    // TOP generates the oaid only when all the receiver fields it stands for are requested.
    let oaid_needs = [
        "receiver_name",
        "receiver_address",
        "created",
        "receiver_mobile",
        "receiver_phone",
    ];
    if oaid_needs.iter().all(|it| fields.top.contains(*it)) {
        all.insert("oaid".to_owned(), json!(trade.oaid));
    }
    let mut put = |name: &str, value: Value| {
        if fields.top.contains(name) {
            all.insert(name.to_owned(), value);
        }
    };
    put("total_fee", json!(yuan(trade.total_fee())));
    put("discount_fee", json!(yuan(trade.shop_discount)));
    put("adjust_fee", json!("0.00"));
    put("post_fee", json!(yuan(trade.post_fee)));
    put("payment", json!(yuan(trade.payment())));
    let received = match trade.end_time.is_some() && trade.consign_time.is_some() {
        true => trade.payment(),
        false => 0,
    };
    put("received_payment", json!(yuan(received)));
    put("shipping_type", json!("express"));
    put(
        "num",
        json!(trade.lines.iter().map(|it| it.num).sum::<u32>()),
    );
    let mut promotions = Vec::new();
    for line in trade.lines.iter().filter(|it| it.discount > 0) {
        promotions.push(json!({
            "id": line.oid,
            "promotion_name": "单品优惠",
            "discount_fee": yuan(line.discount),
            "promotion_id": format!("item-{}", line.product.num_iid),
        }));
    }
    if trade.shop_discount > 0 {
        promotions.push(json!({
            "id": trade.tid,
            "promotion_name": "店铺满减",
            "discount_fee": yuan(trade.shop_discount),
            "promotion_id": "shopbonus-200-20",
        }));
    }
    if !promotions.is_empty() {
        put(
            "promotion_details",
            json!({ "promotion_detail": promotions }),
        );
    }
    if fields.wants_lines() {
        let single = trade.lines.len() == 1;
        let lines: Vec<Value> = trade
            .lines
            .iter()
            .map(|it| line_json(it, single.then_some(trade.post_fee), fields))
            .collect();
        all.insert("orders".to_owned(), json!({ "order": lines }));
    }
    Value::Object(all)
}

/// A line; `post_fee` is the trade's shipping when it is the only line (its `payment` includes it).
fn line_json(line: &Line, post_fee: Option<i64>, fields: &Fields) -> Value {
    let mut all = Map::new();
    let mut put = |name: &str, value: Value| {
        if fields.all_lines || fields.lines.contains(name) {
            all.insert(name.to_owned(), value);
        }
    };
    put("oid", json!(line.oid));
    put("oid_str", json!(line.oid.to_string()));
    put("num_iid", json!(line.product.num_iid));
    if let Some(sku_id) = line.sku_id() {
        put("sku_id", json!(sku_id.to_string()));
        put("outer_sku_id", json!(line.outer_sku_id()));
        let properties = line.sku.map(|it| line.product.skus[it].properties);
        put("sku_properties_name", json!(properties.unwrap_or_default()));
    }
    put("outer_iid", json!(line.product.outer_iid));
    let title = match line.sku {
        Some(it) => format!(
            "{} {}",
            line.product.title,
            line.product.skus[it]
                .properties
                .split(';')
                .filter_map(|it| it.split(':').nth(1))
                .collect::<Vec<_>>()
                .join(" ")
        ),
        None => line.product.title.to_owned(),
    };
    put("title", json!(title));
    put("num", json!(line.num));
    put("price", json!(yuan(line.price)));
    put("total_fee", json!(yuan(line.total_fee())));
    put(
        "payment",
        json!(yuan(line.divide_order_fee() + post_fee.unwrap_or(0))),
    );
    put("discount_fee", json!(yuan(line.discount)));
    put("adjust_fee", json!("0.00"));
    put("divide_order_fee", json!(yuan(line.divide_order_fee())));
    put("part_mjz_discount", json!(yuan(line.shop_discount)));
    put("status", json!(line.status.as_str()));
    put("refund_status", json!(line.refund_status.as_str()));
    if let Some(refund_id) = line.refund_id {
        put("refund_id", json!(refund_id.to_string()));
    }
    put("is_oversold", json!(false));
    if let Some(parcel) = &line.parcel {
        put(
            "logistics_company",
            json!(carrier_name(&parcel.company_code)),
        );
        put("invoice_no", json!(parcel.out_sid));
        put("shipping_type", json!("express"));
    }
    Value::Object(all)
}

/// A refund with only the requested fields.
pub(crate) fn refund_json(refund: &Refund, fields: &Fields) -> Value {
    let mut all = Map::new();
    let mut put = |name: &str, value: Value| {
        if fields.top.contains(name) {
            all.insert(name.to_owned(), value);
        }
    };
    put("refund_id", json!(refund.refund_id.to_string()));
    put("tid", json!(refund.tid));
    put("oid", json!(refund.oid));
    put("total_fee", json!(yuan(refund.total_fee)));
    put("refund_fee", json!(yuan(refund.refund_fee)));
    put("payment", json!(yuan(refund.payment)));
    put("status", json!(refund.status.as_str()));
    let good_status = match refund.has_good_return {
        true => "BUYER_RECEIVED",
        false => "BUYER_NOT_RECEIVED",
    };
    put("good_status", json!(good_status));
    put("has_good_return", json!(refund.has_good_return));
    put("reason", json!(refund.reason));
    put("desc", json!(""));
    put("created", json!(format(refund.created)));
    put("modified", json!(format(refund.modified)));
    put("order_status", json!(refund.order_status.as_str()));
    put("refund_phase", json!("onsale"));
    let dispute = match refund.has_good_return {
        true => "REFUND_AND_RETURN",
        false => "REFUND",
    };
    put("dispute_type", json!(dispute));
    Value::Object(all)
}

/// The carriers `taobao.logistics.offline.send` accepts here (`company_code` → name); the real list
/// comes from `taobao.logistics.companies.get`.
pub const CARRIERS: &[(&str, &str)] = &[
    ("SF", "顺丰速运"),
    ("YTO", "圆通速递"),
    ("ZTO", "中通快递"),
    ("STO", "申通快递"),
    ("YUNDA", "韵达快递"),
    ("EMS", "EMS"),
    ("POST", "中国邮政"),
    ("ZJS", "宅急送"),
    ("JD", "京东快递"),
    ("HTKY", "百世快递"),
    ("DBKD", "德邦快递"),
    ("JTSD", "极兔速递"),
];

pub(crate) fn carrier_name(code: &str) -> &'static str {
    CARRIERS
        .iter()
        .find(|(it, _)| *it == code)
        .map(|(_, name)| *name)
        .unwrap_or("其他")
}

/// A TOP error: the platform code and message, and for business errors the sub code and message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TopError {
    pub code: u32,
    pub msg: String,
    pub sub_code: Option<String>,
    pub sub_msg: Option<String>,
}

impl TopError {
    pub fn new(code: u32, msg: &str) -> TopError {
        TopError {
            code,
            msg: msg.to_owned(),
            sub_code: None,
            sub_msg: None,
        }
    }

    pub fn with_sub(code: u32, msg: &str, sub_code: &str, sub_msg: &str) -> TopError {
        TopError {
            code,
            msg: msg.to_owned(),
            sub_code: Some(sub_code.to_owned()),
            sub_msg: Some(sub_msg.to_owned()),
        }
    }

    /// `{"error_response":{"code":…,"msg":…,"sub_code":…,"sub_msg":…,"request_id":…}}`.
    pub fn body(&self, request_id: &str) -> Value {
        let mut inner = Map::new();
        inner.insert("code".to_owned(), json!(self.code));
        inner.insert("msg".to_owned(), json!(self.msg));
        if let Some(it) = &self.sub_code {
            inner.insert("sub_code".to_owned(), json!(it));
        }
        if let Some(it) = &self.sub_msg {
            inner.insert("sub_msg".to_owned(), json!(it));
        }
        inner.insert("request_id".to_owned(), json!(request_id));
        json!({ "error_response": inner })
    }
}

#[cfg(test)]
mod tests {
    use crate::taobao::wire::{Fields, mask_address, mask_name, mask_nick, mask_phone, yuan};

    #[test]
    fn money_and_masks_look_like_top() {
        assert_eq!(yuan(19800), "198.00");
        assert_eq!(yuan(5), "0.05");
        assert_eq!(yuan(-1250), "-12.50");
        assert_eq!(mask_name("张三"), "张*");
        assert_eq!(mask_name("欧阳娜娜"), "欧***");
        assert_eq!(mask_phone("13812345678"), "*******5678");
        assert_eq!(mask_address("文三路478号"), "文*路***号");
        assert_eq!(mask_nick("tb8848"), "t**8");
        assert_eq!(mask_nick("x"), "x**");
    }

    #[test]
    fn fields_split_trade_and_line_names() {
        let fields = Fields::parse("tid, status,orders.title,orders.num");
        assert!(fields.top.contains("tid") && fields.top.contains("status"));
        assert!(!fields.all_lines);
        assert_eq!(fields.lines.len(), 2);
        assert!(Fields::parse("tid,orders").all_lines);
        assert!(!Fields::parse("tid").wants_lines());
    }
}
