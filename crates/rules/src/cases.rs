//! A rule file's own test cases: small orders described in a few fields and where each must go.
//! `orderhub rules test FILE` runs them, so a rule change is checked before it goes live.

use std::collections::BTreeSet;

use domain::routing::{Catalog, LocalTime, Network, RuleSet, StockSnapshot, decide};
use domain::{
    Buyer, ChannelKind, Currency, ExternalId, Money, OrderAmounts, OrderFlags, OrderLine,
    PlatformState, Quantity, Receiver, RefundState, ShopId, SkuCode, StandardOrder, Timestamp,
    WarehouseCode,
};

use crate::compile::{Known, parse_clock, parse_weekday};
use crate::document::CaseDoc;

/// One test case, ready to decide.
#[derive(Clone, Debug)]
pub struct TestCase {
    pub name: String,
    pub shop_code: String,
    pub channel: ChannelKind,
    pub order: StandardOrder,
    pub time: LocalTime,
    /// Rows given by the case; other warehouses have plenty.
    stock: Vec<(WarehouseCode, SkuCode, i64)>,
    /// Warehouse codes joined by `+`, or `review:REASON[,REASON]`.
    pub expect: String,
}

/// How a case came out.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CaseResult {
    pub name: String,
    pub expected: String,
    pub got: String,
    /// The decision's one-line text.
    pub decision: String,
    pub passed: bool,
}

pub(crate) fn read_case(doc: CaseDoc, known: &Known<'_>) -> Result<TestCase, (String, String)> {
    let err = |field: &str, message: String| (field.to_owned(), message);
    let channel = match &doc.channel {
        Some(name) => ChannelKind::parse(name)
            .ok_or_else(|| err("channel", format!("unknown channel {name:?}")))?,
        None => ChannelKind::Tmall,
    };
    let mut lines = Vec::new();
    for (i, text) in doc.lines.iter().enumerate() {
        let (code, quantity) = match text.rsplit_once(" x") {
            Some((code, n)) => (code.trim(), n.trim().parse::<u32>().ok()),
            None => (text.trim(), Some(1)),
        };
        let quantity = quantity
            .and_then(|n| Quantity::new(n).ok())
            .ok_or_else(|| err("lines", format!("{text:?} is not \"SKU\" or \"SKU xN\"")))?;
        let sku = SkuCode::new(code).map_err(|e| err("lines", format!("{code:?}: {e}")))?;
        if known.skus.is_some_and(|it| !it.contains(&sku)) {
            return Err(err("lines", format!("unknown SKU {code:?}")));
        }
        lines.push((i as u32 + 1, sku, quantity));
    }
    if lines.is_empty() {
        return Err(err("lines", "a case needs at least one line".to_owned()));
    }
    let total = doc.amount.map_or(10_000 * lines.len() as i64, |it| {
        (it * 100.0).round() as i64
    });
    let mut flags = OrderFlags::default();
    for name in &doc.flags {
        match name.as_str() {
            "presale" => flags.presale = true,
            "cross_border" => flags.cross_border = true,
            "cod" => flags.cod = true,
            "gift" => flags.gift = true,
            "do_not_ship" => flags.do_not_ship = true,
            other => return Err(err("flags", format!("unknown flag {other:?}"))),
        }
    }
    let minute_of_day = match &doc.time {
        Some(text) => {
            parse_clock(text).ok_or_else(|| err("time", format!("{text:?} is not \"HH:MM\"")))?
        }
        None => 600,
    };
    let weekday = match &doc.weekday {
        Some(text) => parse_weekday(text)
            .ok_or_else(|| err("weekday", format!("{text:?} is not a weekday")))?,
        None => 3,
    };
    let mut stock = Vec::new();
    for row in &doc.stock {
        let parsed = row.rsplit_once('=').and_then(|(key, n)| {
            let (w, s) = key.split_once(':')?;
            Some((
                WarehouseCode::new(w.trim()).ok()?,
                SkuCode::new(s.trim()).ok()?,
                n.trim().parse::<i64>().ok()?,
            ))
        });
        let row =
            parsed.ok_or_else(|| err("stock", format!("{row:?} is not \"WAREHOUSE:SKU=N\"")))?;
        if known.network.warehouse(&row.0).is_none() {
            return Err(err(
                "stock",
                format!("unknown warehouse {:?}", row.0.as_str()),
            ));
        }
        stock.push(row);
    }
    let cny = Currency::CNY;
    let share = total / lines.len() as i64;
    let order_lines = lines
        .into_iter()
        .map(|(line_no, sku, quantity)| {
            let paid = if line_no == 1 {
                total - share * (doc.lines.len() as i64 - 1)
            } else {
                share
            };
            OrderLine {
                line_no,
                platform_line_id: String::new(),
                platform_item_id: String::new(),
                platform_sku_id: String::new(),
                seller_sku_code: sku.as_str().to_owned(),
                title: sku.as_str().to_owned(),
                sku: Some(sku),
                quantity,
                unit_price: Money::new(paid / i64::from(quantity.get()), cny),
                discount: Money::zero(cny),
                paid: Money::new(paid, cny),
                refund: RefundState::None,
            }
        })
        .collect();
    let mut amounts = OrderAmounts::zero(cny);
    amounts.goods = Money::new(total, cny);
    amounts.paid = Money::new(total, cny);
    let order = StandardOrder {
        shop: ShopId(0),
        external_id: ExternalId::new(format!("case-{}", doc.name))
            .map_err(|e| err("name", e.to_string()))?,
        platform_status: "paid".to_owned(),
        platform_state: PlatformState::Paid,
        created_at: Timestamp::EPOCH,
        paid_at: Some(Timestamp::EPOCH),
        updated_at: Timestamp::EPOCH,
        buyer: Buyer::default(),
        receiver: Receiver {
            name: "测试".to_owned(),
            phone: "13800000000".to_owned(),
            country: "CN".to_owned(),
            province: doc.province,
            city: doc.city,
            district: doc.district,
            area_code: doc.area_code,
            ..Receiver::default()
        },
        currency: cny,
        amounts,
        buyer_message: doc.buyer_message,
        seller_memo: String::new(),
        flags,
        tags: doc.tags,
        risk_score: doc.risk,
        lines: order_lines,
    };
    Ok(TestCase {
        name: doc.name,
        shop_code: doc.shop.unwrap_or_default(),
        channel,
        order,
        time: LocalTime {
            minute_of_day,
            weekday,
        },
        stock,
        expect: doc.expect,
    })
}

impl TestCase {
    /// The case's stock: its own rows, and 1000 of every unit it needs in warehouses it does not list.
    pub fn stock(&self, network: &Network, catalog: &Catalog) -> StockSnapshot {
        let mut snapshot = StockSnapshot::default();
        let listed: BTreeSet<&WarehouseCode> = self.stock.iter().map(|(w, _, _)| w).collect();
        for warehouse in network
            .warehouses
            .iter()
            .filter(|w| !listed.contains(&w.code))
        {
            for line in &self.order.lines {
                let Some(sku) = &line.sku else { continue };
                for (part, _) in catalog.goods(sku, line.quantity) {
                    snapshot.set(warehouse.code.clone(), part, 1000);
                }
            }
        }
        for (w, s, n) in &self.stock {
            snapshot.set(w.clone(), s.clone(), *n);
        }
        snapshot
    }
}

/// Decides every case and compares where it went with what it expects.
pub fn run_cases(
    cases: &[TestCase],
    rules: &RuleSet,
    network: &Network,
    catalog: &Catalog,
) -> Vec<CaseResult> {
    let waived = BTreeSet::new();
    let waived_full = BTreeSet::new();
    cases
        .iter()
        .map(|case| {
            let input = domain::routing::RoutingInput {
                order: &case.order,
                shop_code: &case.shop_code,
                channel: case.channel,
                waived: &waived,
                full: &waived_full,
                time: case.time,
            };
            let stock = case.stock(network, catalog);
            let decision = decide(&input, rules, network, catalog, &stock);
            let got = decision.destination();
            CaseResult {
                name: case.name.clone(),
                passed: got == case.expect,
                expected: case.expect.clone(),
                got,
                decision: decision.encode(),
            }
        })
        .collect()
}
