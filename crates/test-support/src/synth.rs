//! Synthetic standard orders with realistic Chinese names, addresses, SKUs and amounts, and the raw
//! document each "came from".

use app::{IngestItem, RawDocument};
use domain::{
    Buyer, Currency, ExternalId, Money, OrderAmounts, OrderFlags, OrderLine, PlatformState,
    Quantity, Receiver, RefundState, ShopId, SkuCode, StandardOrder, Timestamp,
};

/// SplitMix64: a tiny, fast, seedable generator; good enough for test data, not for secrets.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "秀英", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟",
    "涛",
];
/// (province, city, district, area code)
const PLACES: &[(&str, &str, &str, &str)] = &[
    ("浙江省", "杭州市", "西湖区", "330106"),
    ("浙江省", "嘉兴市", "南湖区", "330402"),
    ("江苏省", "苏州市", "昆山市", "320583"),
    ("上海市", "上海市", "闵行区", "310112"),
    ("广东省", "深圳市", "南山区", "440305"),
    ("广东省", "广州市", "天河区", "440106"),
    ("北京市", "北京市", "朝阳区", "110105"),
    ("四川省", "成都市", "武侯区", "510107"),
    ("湖北省", "武汉市", "洪山区", "420111"),
    ("山东省", "青岛市", "崂山区", "370212"),
];
const STREETS: &[&str] = &[
    "文三路",
    "人民路",
    "中山路",
    "解放路",
    "建设路",
    "科技园南路",
    "长江路",
    "滨江大道",
];
/// (sku code, title, unit price in fen)
const PRODUCTS: &[(&str, &str, i64)] = &[
    ("TEA-LJ-250", "西湖龙井 250g 礼盒", 26800),
    ("TEA-PE-357", "云南普洱 357g 饼茶", 15900),
    ("CUP-GL-01", "双层玻璃杯 350ml", 4900),
    ("SET-GIFT-A", "茶具礼盒套装 A 款", 39900),
    ("SNK-NUT-500", "每日坚果 500g", 8900),
    ("SNK-DATE-1K", "新疆红枣 1kg", 5990),
    ("SKN-CRM-50", "保湿面霜 50ml", 16800),
    ("HBT-TWL-3", "纯棉毛巾 3 条装", 3990),
];

/// The external id of order `n` of batch `batch` in the crash-safety story and its child process.
pub fn crash_external_id(batch: u32, n: u32) -> String {
    format!("B{batch:04}-{n:02}")
}

/// The SKU codes synthetic orders use.
pub fn product_codes() -> impl Iterator<Item = &'static str> {
    PRODUCTS.iter().map(|it| it.0)
}

/// A synthetic order of a shop: 2 or 3 lines, a paid CNY order with a JSON raw document, created within
/// ten minutes after `around` (orders reach a hub roughly in the order they were placed). The same
/// `(seed, external_id)` always gives the same order; `revision` bumps the platform time and status.
pub fn synthetic_item(
    seed: u64,
    shop: ShopId,
    external_id: &str,
    revision: u32,
    around: Timestamp,
) -> IngestItem {
    let mut rng = Rng::new(seed ^ fxhash(external_id.as_bytes()));
    let created_at = around.plus_millis(rng.below(600_000) as i64);
    let updated_at = created_at.plus_millis(60_000 * (1 + i64::from(revision)));
    let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN));
    let (province, city, district, area_code) = *rng.pick(PLACES);
    let detail = format!(
        "{}{}号{}幢{}室",
        rng.pick(STREETS),
        1 + rng.below(300),
        1 + rng.below(30),
        101 + rng.below(2000)
    );
    let phone = format!("1{}{:09}", 3 + rng.below(7), rng.below(1_000_000_000));
    let cny = Currency::CNY;
    let n_lines = 2 + rng.below(2) as u32;
    let mut lines = Vec::new();
    let mut goods = 0;
    for line_no in 1..=n_lines {
        let (sku, title, price) = *rng.pick(PRODUCTS);
        let quantity = 1 + rng.below(3) as u32;
        let total = price * i64::from(quantity);
        goods += total;
        lines.push(OrderLine {
            line_no,
            platform_line_id: format!("{external_id}-{line_no}"),
            platform_item_id: format!("{}", 600_000_000_000u64 + rng.below(1_000_000_000)),
            platform_sku_id: format!("{}", 5_000_000_000_000u64 + rng.below(1_000_000_000)),
            seller_sku_code: sku.to_owned(),
            sku: Some(SkuCode::new(sku).expect("product codes are valid")),
            title: title.to_owned(),
            quantity: Quantity::new(quantity).expect("quantity is at least 1"),
            unit_price: Money::new(price, cny),
            discount: Money::zero(cny),
            paid: Money::new(total, cny),
            refund: RefundState::None,
        });
    }
    let discount = (goods / 20 / 100) * 100;
    let shipping = if goods > 9900 { 0 } else { 1000 };
    let paid = goods - discount + shipping;
    let state = if revision == 0 {
        PlatformState::Paid
    } else {
        PlatformState::Shipped
    };
    let order = StandardOrder {
        shop,
        external_id: ExternalId::new(external_id).expect("synthetic ids are valid"),
        platform_status: match state {
            PlatformState::Shipped => "WAIT_BUYER_CONFIRM_GOODS",
            PlatformState::Unpaid
            | PlatformState::Paid
            | PlatformState::Completed
            | PlatformState::Cancelled => "WAIT_SELLER_SEND_GOODS",
        }
        .to_owned(),
        platform_state: state,
        created_at,
        paid_at: Some(created_at.plus_millis(30_000)),
        updated_at,
        buyer: Buyer {
            platform_id: format!("b{}", rng.below(10_000_000)),
            nickname: format!("{}**", &name),
        },
        receiver: Receiver {
            name: name.clone(),
            phone: phone.clone(),
            country: "CN".to_owned(),
            province: province.to_owned(),
            city: city.to_owned(),
            district: district.to_owned(),
            town: String::new(),
            detail: detail.clone(),
            zip: String::new(),
            area_code: area_code.to_owned(),
        },
        currency: cny,
        amounts: OrderAmounts {
            goods: Money::new(goods, cny),
            discount: Money::new(discount, cny),
            shipping: Money::new(shipping, cny),
            paid: Money::new(paid, cny),
        },
        buyer_message: String::new(),
        seller_memo: String::new(),
        flags: OrderFlags::default(),
        tags: Vec::new(),
        risk_score: None,
        lines,
    };
    let body = raw_json(&order);
    let raw = RawDocument {
        shop,
        external_id: order.external_id.clone(),
        received_at: updated_at,
        format: "synthetic.order".to_owned(),
        body: body.into_bytes(),
    };
    IngestItem { raw, order }
}

/// A platform-like JSON rendering of the order, about as large as a real order detail response.
fn raw_json(o: &StandardOrder) -> String {
    let lines: Vec<String> = o
        .lines
        .iter()
        .map(|l| {
            format!(
                r#"{{"oid":"{}-{}","num_iid":"{}","sku_id":"{}","outer_sku_id":"{}","title":"{}","num":{},"price":"{}","payment":"{}","refund_status":"NO_REFUND"}}"#,
                o.external_id,
                l.line_no,
                l.platform_item_id,
                l.platform_sku_id,
                l.seller_sku_code,
                l.title,
                l.quantity,
                decimal(l.unit_price.minor),
                decimal(l.paid.minor)
            )
        })
        .collect();
    let r = &o.receiver;
    format!(
        r#"{{"tid":"{}","status":"{}","created":{},"modified":{},"buyer_nick":"{}","receiver_name":"{}","receiver_mobile":"{}","receiver_state":"{}","receiver_city":"{}","receiver_district":"{}","receiver_address":"{}","total_fee":"{}","discount_fee":"{}","post_fee":"{}","payment":"{}","orders":[{}]}}"#,
        o.external_id,
        o.platform_status,
        o.created_at.unix_millis(),
        o.updated_at.unix_millis(),
        o.buyer.nickname,
        r.name,
        r.phone,
        r.province,
        r.city,
        r.district,
        r.detail,
        decimal(o.amounts.goods.minor),
        decimal(o.amounts.discount.minor),
        decimal(o.amounts.shipping.minor),
        decimal(o.amounts.paid.minor),
        lines.join(",")
    )
}

fn decimal(minor: i64) -> String {
    format!("{}.{:02}", minor / 100, minor % 100)
}

fn fxhash(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use domain::{ShopId, Timestamp};

    use crate::synth::synthetic_item;

    #[test]
    fn same_seed_same_order() {
        let a = synthetic_item(7, ShopId(1), "T1001", 0, Timestamp::EPOCH);
        let b = synthetic_item(7, ShopId(1), "T1001", 0, Timestamp::EPOCH);
        let c = synthetic_item(7, ShopId(1), "T1002", 0, Timestamp::EPOCH);
        assert_eq!(a.order, b.order);
        assert_eq!(a.raw.body, b.raw.body);
        assert_ne!(a.order, c.order);
        let paid = a.order.amounts.paid.minor;
        let lines: i64 = a.order.lines.iter().map(|it| it.paid.minor).sum();
        assert_eq!(
            paid,
            lines - a.order.amounts.discount.minor + a.order.amounts.shipping.minor
        );
        let text = String::from_utf8(a.raw.body).unwrap();
        assert!(text.starts_with(r#"{"tid":"T1001""#), "{text}");
    }
}
