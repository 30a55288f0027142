//! One simulated seller: its trades, their lines and refunds as TOP keeps them, and how they change
//! over simulated time (payment, refunds, address and memo changes, shipping, receipt, closing).
//!
//! Pure: time arrives as an argument and every random choice comes from the shop's seed, so the shop
//! is the same for a seed however finely its time is advanced.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use domain::Timestamp;

use crate::rng::Rng;
use crate::taobao::data::{
    BUYER_MESSAGES, CATALOGUE, COMMUNITIES, GIVEN_NAMES, NICKS, PLACES, Product, REFUND_REASONS,
    SELLER_MEMOS, STREETS, SURNAMES,
};

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Taobao closes a trade that stays unpaid this long (the timeout depends on the item; we use a day).
const UNPAID_TIMEOUT: i64 = DAY;
/// Stock every SKU starts with, until `taobao.item.quantity.update` says otherwise.
const INITIAL_STOCK: i64 = 200;

/// How busy a simulated shop is and how its trades tend to go.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// New trades per simulated hour (0: none).
    pub orders_per_hour: u32,
    /// Share of new trades the buyer never pays, closed by Taobao after the timeout, in percent.
    pub unpaid_percent: u32,
    /// Share of paid trades whose buyer asks for a refund of one line, in percent.
    pub refund_percent: u32,
    /// Share of paid trades whose address or seller memo changes before shipping, in percent.
    pub change_percent: u32,
    /// Share of paid trades the seller ships in the Taobao back office instead of through the API.
    pub shipped_elsewhere_percent: u32,
    /// Share of new trades that are presales (`type=step`), in percent.
    pub presale_percent: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TradeStatus {
    WaitBuyerPay,
    WaitSellerSendGoods,
    SellerConsignedPart,
    WaitBuyerConfirmGoods,
    TradeFinished,
    TradeClosed,
    TradeClosedByTaobao,
}

impl TradeStatus {
    pub const ALL: &[TradeStatus] = &[
        TradeStatus::WaitBuyerPay,
        TradeStatus::WaitSellerSendGoods,
        TradeStatus::SellerConsignedPart,
        TradeStatus::WaitBuyerConfirmGoods,
        TradeStatus::TradeFinished,
        TradeStatus::TradeClosed,
        TradeStatus::TradeClosedByTaobao,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TradeStatus::WaitBuyerPay => "WAIT_BUYER_PAY",
            TradeStatus::WaitSellerSendGoods => "WAIT_SELLER_SEND_GOODS",
            TradeStatus::SellerConsignedPart => "SELLER_CONSIGNED_PART",
            TradeStatus::WaitBuyerConfirmGoods => "WAIT_BUYER_CONFIRM_GOODS",
            TradeStatus::TradeFinished => "TRADE_FINISHED",
            TradeStatus::TradeClosed => "TRADE_CLOSED",
            TradeStatus::TradeClosedByTaobao => "TRADE_CLOSED_BY_TAOBAO",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RefundStatus {
    NoRefund,
    WaitSellerAgree,
    Closed,
    Success,
}

impl RefundStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundStatus::NoRefund => "NO_REFUND",
            RefundStatus::WaitSellerAgree => "WAIT_SELLER_AGREE",
            RefundStatus::Closed => "CLOSED",
            RefundStatus::Success => "SUCCESS",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TradeType {
    /// 一口价.
    Fixed,
    /// Presale with a deposit.
    Step,
}

impl TradeType {
    pub fn as_str(self) -> &'static str {
        match self {
            TradeType::Fixed => "fixed",
            TradeType::Step => "step",
        }
    }
}

/// The receiver in plain text; TOP shows the name, phone and address masked.
#[derive(Clone, Debug)]
pub struct Receiver {
    pub name: String,
    pub mobile: String,
    pub state: &'static str,
    pub city: &'static str,
    pub district: &'static str,
    pub town: &'static str,
    pub address: String,
    pub zip: &'static str,
}

/// Where a line went: the carrier code and tracking number it was sent with.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parcel {
    pub company_code: String,
    pub out_sid: String,
}

/// A sub-order (`orders.order[]`).
#[derive(Clone, Debug)]
pub struct Line {
    pub oid: u64,
    pub product: &'static Product,
    /// Index into `product.skus`, `None` for an item without SKUs.
    pub sku: Option<usize>,
    pub num: u32,
    /// Unit price in fen.
    pub price: i64,
    /// The line's own discount (单品优惠), fen.
    pub discount: i64,
    /// The line's share of the shop-wide discount (`part_mjz_discount`), fen.
    pub shop_discount: i64,
    pub status: TradeStatus,
    pub refund_status: RefundStatus,
    pub refund_id: Option<u64>,
    pub parcel: Option<Parcel>,
}

impl Line {
    pub fn outer_sku_id(&self) -> &'static str {
        self.sku
            .map(|it| self.product.skus[it].outer_sku_id)
            .unwrap_or("")
    }

    pub fn sku_id(&self) -> Option<u64> {
        self.sku.map(|it| self.product.skus[it].sku_id)
    }

    /// `price * num - discount`: the line's `total_fee`.
    pub fn total_fee(&self) -> i64 {
        self.price * i64::from(self.num) - self.discount
    }

    /// What the buyer pays for the line after every discount (`divide_order_fee`).
    pub fn divide_order_fee(&self) -> i64 {
        self.total_fee() - self.shop_discount
    }

    fn closed(&self) -> bool {
        self.refund_status == RefundStatus::Success
    }
}

/// A trade (`Trade`) in plain text; `wire` renders what TOP shows of it.
#[derive(Clone, Debug)]
pub struct Trade {
    pub tid: u64,
    pub kind: TradeType,
    pub status: TradeStatus,
    pub created: Timestamp,
    pub pay_time: Option<Timestamp>,
    pub modified: Timestamp,
    pub consign_time: Option<Timestamp>,
    pub end_time: Option<Timestamp>,
    pub buyer_nick: String,
    pub buyer_open_uid: String,
    pub buyer_message: &'static str,
    pub seller_memo: &'static str,
    pub seller_flag: u8,
    pub receiver: Receiver,
    pub oaid: String,
    /// Shipping in fen.
    pub post_fee: i64,
    /// Shop-wide discount (满减) in fen, spread over the lines.
    pub shop_discount: i64,
    pub lines: Vec<Line>,
    plan: Plan,
}

impl Trade {
    /// `Σ price × num`: the trade's `total_fee`.
    pub fn total_fee(&self) -> i64 {
        self.lines
            .iter()
            .map(|it| it.price * i64::from(it.num))
            .sum()
    }

    /// What the buyer paid: every line after its discounts, plus shipping.
    pub fn payment(&self) -> i64 {
        self.lines.iter().map(Line::divide_order_fee).sum::<i64>() + self.post_fee
    }
}

/// A refund (`taobao.refunds.receive.get`).
#[derive(Clone, Debug)]
pub struct Refund {
    pub refund_id: u64,
    pub tid: u64,
    pub oid: u64,
    pub status: RefundStatus,
    /// The goods had been sent when the buyer asked: a return.
    pub has_good_return: bool,
    pub reason: &'static str,
    /// What the buyer gets back, fen.
    pub refund_fee: i64,
    /// What the buyer paid for the line, fen.
    pub payment: i64,
    /// The trade's total, fen.
    pub total_fee: i64,
    pub created: Timestamp,
    pub modified: Timestamp,
    /// The line's status when the refund last changed.
    pub order_status: TradeStatus,
}

/// What happens to a trade, drawn once when it is created.
#[derive(Clone, Debug)]
struct Plan {
    /// `None`: never paid.
    pays_after: Option<i64>,
    /// (line, after payment, resolved after asking, succeeds)
    refund: Option<(usize, i64, i64, bool)>,
    /// After payment; the change is an address when `true`, the seller memo otherwise.
    change: Option<(i64, bool)>,
    ships_elsewhere_after: Option<i64>,
    confirms_after: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Pay,
    CloseUnpaid,
    AskRefund,
    ResolveRefund,
    Change,
    ShipElsewhere,
    Confirm,
}

/// A stock change from `taobao.item.quantity.update`: `Set` is type 1, `Add` type 2.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum QuantityChange {
    Set(i64),
    Add(i64),
}

/// Why a write-back was refused, in TOP's words (see `wire`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShipError {
    /// B01: no such trade for this seller.
    NotFound,
    /// B04: already shipped, closed or not paid.
    WrongStatus,
    /// An oid in `sub_tid` is not a line of the trade, or is shipped or refunded already.
    BadSubTid(u64),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StockError {
    NoItem,
    NoSku,
    Negative,
}

/// One seller's shop.
#[derive(Debug)]
pub struct Shop {
    pub nick: String,
    seed: u64,
    index: u64,
    traffic: Traffic,
    trades: Vec<Trade>,
    by_tid: HashMap<u64, usize>,
    refunds: Vec<Refund>,
    stock: BTreeMap<(u64, u64), i64>,
    arrivals: Rng,
    next_arrival: Timestamp,
    created: u64,
    /// Scheduled steps: (time, order of scheduling, trade index, step).
    steps: BinaryHeap<Reverse<(i64, u64, usize, Step)>>,
    scheduled: u64,
    now: Timestamp,
}

impl Shop {
    /// A shop whose history starts at `since`; [`Shop::advance`] brings it to the present.
    pub fn new(nick: String, seed: u64, index: u64, traffic: Traffic, since: Timestamp) -> Shop {
        let mut arrivals = Rng::derive(seed, 0x5eed_a771_0000 + index);
        let since = whole_seconds(since);
        let first = since.plus_millis(gap(&mut arrivals, traffic.orders_per_hour));
        let mut stock = BTreeMap::new();
        for product in CATALOGUE {
            match product.skus {
                [] => {
                    stock.insert((product.num_iid, 0), INITIAL_STOCK);
                }
                skus => {
                    for sku in skus {
                        stock.insert((product.num_iid, sku.sku_id), INITIAL_STOCK);
                    }
                }
            }
        }
        Shop {
            nick,
            seed,
            index,
            traffic,
            trades: Vec::new(),
            by_tid: HashMap::new(),
            refunds: Vec::new(),
            stock,
            arrivals,
            next_arrival: first,
            created: 0,
            steps: BinaryHeap::new(),
            scheduled: 0,
            now: since,
        }
    }

    pub fn now(&self) -> Timestamp {
        self.now
    }

    pub fn trades(&self) -> &[Trade] {
        &self.trades
    }

    pub fn trade(&self, tid: u64) -> Option<&Trade> {
        self.by_tid.get(&tid).map(|it| &self.trades[*it])
    }

    pub fn refunds(&self) -> &[Refund] {
        &self.refunds
    }

    /// Creates and changes trades up to `to`, in time order; nothing happens when `to` is not later
    /// than the shop's present.
    pub fn advance(&mut self, to: Timestamp) {
        let to = whole_seconds(to);
        loop {
            let step_at = self.steps.peek().map(|Reverse(it)| it.0);
            let arrival = (self.traffic.orders_per_hour > 0).then_some(self.next_arrival);
            // Steps due at the same moment as an arrival run first.
            let take_step = match (step_at, arrival) {
                (Some(step), Some(arrival)) => step <= arrival.unix_millis(),
                (Some(_), None) => true,
                (None, Some(_)) => false,
                (None, None) => break,
            };
            let next = match (take_step, step_at, arrival) {
                (true, Some(step), _) => step,
                (_, _, Some(arrival)) => arrival.unix_millis(),
                (_, _, None) => break,
            };
            if next > to.unix_millis() {
                break;
            }
            let at = Timestamp::from_unix_millis(next);
            self.now = self.now.max(at);
            match take_step {
                true => {
                    let Reverse((_, _, index, step)) = self.steps.pop().expect("peeked");
                    self.run(index, step, at);
                }
                false => {
                    self.create_trade(at);
                    self.next_arrival =
                        at.plus_millis(gap(&mut self.arrivals, self.traffic.orders_per_hour));
                }
            }
        }
        self.now = self.now.max(to);
    }

    /// `taobao.logistics.offline.send`: ships the whole trade, or the lines in `sub_tid`.
    pub fn ship(
        &mut self,
        tid: u64,
        sub_tid: Option<&[u64]>,
        parcel: Parcel,
        now: Timestamp,
    ) -> Result<(), ShipError> {
        let now = whole_seconds(now);
        let Some(&index) = self.by_tid.get(&tid) else {
            return Err(ShipError::NotFound);
        };
        let trade = &self.trades[index];
        if !matches!(
            trade.status,
            TradeStatus::WaitSellerSendGoods | TradeStatus::SellerConsignedPart
        ) {
            return Err(ShipError::WrongStatus);
        }
        let open = |line: &Line| line.parcel.is_none() && !line.closed();
        let chosen: Vec<usize> = match sub_tid {
            None => (0..trade.lines.len())
                .filter(|it| open(&trade.lines[*it]))
                .collect(),
            Some(oids) => {
                let mut chosen = Vec::new();
                for oid in oids {
                    match trade.lines.iter().position(|it| it.oid == *oid) {
                        Some(at) if open(&trade.lines[at]) => chosen.push(at),
                        Some(_) | None => return Err(ShipError::BadSubTid(*oid)),
                    }
                }
                chosen
            }
        };
        if chosen.is_empty() {
            return Err(ShipError::WrongStatus);
        }
        let confirms_after = trade.plan.confirms_after;
        let trade = &mut self.trades[index];
        for at in chosen {
            trade.lines[at].parcel = Some(parcel.clone());
            trade.lines[at].status = TradeStatus::WaitBuyerConfirmGoods;
        }
        let all = trade
            .lines
            .iter()
            .all(|it| it.parcel.is_some() || it.closed());
        trade.status = match all {
            true => TradeStatus::WaitBuyerConfirmGoods,
            false => TradeStatus::SellerConsignedPart,
        };
        trade.consign_time = Some(now);
        trade.modified = now;
        if all {
            self.schedule(now.plus_millis(confirms_after), index, Step::Confirm);
        }
        Ok(())
    }

    /// `taobao.item.quantity.update`: the SKU's (or item's) stock after the change.
    pub fn update_quantity(
        &mut self,
        num_iid: u64,
        sku: SkuKey<'_>,
        change: QuantityChange,
    ) -> Result<(u64, i64), StockError> {
        let Some(product) = CATALOGUE.iter().find(|it| it.num_iid == num_iid) else {
            return Err(StockError::NoItem);
        };
        let sku_id = match (sku, product.skus) {
            (SkuKey::None, []) => 0,
            (SkuKey::None, _) => return Err(StockError::NoSku),
            (SkuKey::Id(id), skus) => match skus.iter().find(|it| it.sku_id == id) {
                Some(it) => it.sku_id,
                None => return Err(StockError::NoSku),
            },
            (SkuKey::Outer(code), skus) => match skus.iter().find(|it| it.outer_sku_id == code) {
                Some(it) => it.sku_id,
                None => return Err(StockError::NoSku),
            },
        };
        let level = self.stock.entry((num_iid, sku_id)).or_insert(INITIAL_STOCK);
        let next = match change {
            QuantityChange::Set(it) => it,
            QuantityChange::Add(it) => *level + it,
        };
        if next < 0 {
            return Err(StockError::Negative);
        }
        *level = next;
        Ok((sku_id, next))
    }

    /// The stock of one item: its SKUs' sum.
    pub fn item_quantity(&self, num_iid: u64) -> i64 {
        self.stock
            .range((num_iid, 0)..=(num_iid, u64::MAX))
            .map(|(_, it)| *it)
            .sum()
    }

    fn schedule(&mut self, at: Timestamp, index: usize, step: Step) {
        self.scheduled += 1;
        self.steps
            .push(Reverse((at.unix_millis(), self.scheduled, index, step)));
    }

    fn create_trade(&mut self, at: Timestamp) {
        self.created += 1;
        let n = self.created;
        // Spaced tids that keep growing, as TOP's do, above 2^53 like the real ones.
        let tid = 3_100_000_000_000_000_000 + self.index * 100_000_000_000_000_000 + n * 10_007;
        let mut rng = Rng::derive(self.seed, tid);
        let traffic = &self.traffic;
        let kind = match rng.percent(traffic.presale_percent) {
            true => TradeType::Step,
            false => TradeType::Fixed,
        };
        let n_lines = match rng.below(10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let mut lines = Vec::new();
        for i in 0..n_lines {
            let product = rng.pick(CATALOGUE);
            let sku = match product.skus.len() {
                0 => None,
                n => Some(rng.below(n as u64) as usize),
            };
            let price = sku
                .map(|it| product.skus[it].price)
                .unwrap_or(product.price);
            let num = 1 + rng.below(3) as u32;
            let discount = match rng.percent(30) {
                true => (price * i64::from(num) / 10) / 100 * 100,
                false => 0,
            };
            lines.push(Line {
                oid: tid + 1 + i,
                product,
                sku,
                num,
                price,
                discount,
                shop_discount: 0,
                status: TradeStatus::WaitBuyerPay,
                refund_status: RefundStatus::NoRefund,
                refund_id: None,
                parcel: None,
            });
        }
        let goods: i64 = lines.iter().map(Line::total_fee).sum();
        // 满减: 20 yuan off from 200 yuan, for some shoppers.
        let shop_discount = match goods >= 20_000 && rng.percent(50) {
            true => 2000,
            false => 0,
        };
        spread(&mut lines, shop_discount);
        let post_fee = match goods >= 9900 || rng.percent(60) {
            true => 0,
            false => 600 + 200 * rng.below(5) as i64,
        };
        let place = rng.pick(PLACES);
        let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN_NAMES));
        let mobile = format!(
            "1{}{}{:08}",
            rng.pick(&[3, 5, 7, 8, 9]),
            rng.below(10),
            rng.below(100_000_000)
        );
        let address = format!(
            "{}{}号{}{}幢{}室",
            rng.pick(STREETS),
            1 + rng.below(400),
            rng.pick(COMMUNITIES),
            1 + rng.below(30),
            101 + 100 * rng.below(25) + rng.below(6)
        );
        let nick = format!("{}{}", rng.pick(NICKS), rng.below(10_000));
        let open_uid = format!("AA{}", token(&mut rng, 24));
        let oaid = format!("1{}", token(&mut rng, 53));
        let receiver = Receiver {
            name,
            mobile,
            state: place.state,
            city: place.city,
            district: place.district,
            town: place.towns[rng.below(place.towns.len() as u64) as usize],
            address,
            zip: place.zip,
        };
        let buyer_message = match rng.percent(20) {
            true => *rng.pick(BUYER_MESSAGES),
            false => "",
        };
        let plan = Plan {
            pays_after: (!rng.percent(traffic.unpaid_percent))
                .then(|| rng.between(10 * SECOND, 30 * MINUTE) / SECOND * SECOND),
            refund: rng.percent(traffic.refund_percent).then(|| {
                (
                    rng.below(n_lines) as usize,
                    rng.between(5 * MINUTE, 6 * HOUR) / SECOND * SECOND,
                    rng.between(30 * MINUTE, DAY) / SECOND * SECOND,
                    rng.percent(75),
                )
            }),
            change: rng.percent(traffic.change_percent).then(|| {
                (
                    rng.between(MINUTE, 3 * HOUR) / SECOND * SECOND,
                    rng.percent(50),
                )
            }),
            ships_elsewhere_after: rng
                .percent(traffic.shipped_elsewhere_percent)
                .then(|| rng.between(2 * HOUR, 36 * HOUR) / SECOND * SECOND),
            confirms_after: rng.between(2 * DAY, 10 * DAY) / SECOND * SECOND,
        };
        let pays_after = plan.pays_after;
        let trade = Trade {
            tid,
            kind,
            status: TradeStatus::WaitBuyerPay,
            created: at,
            pay_time: None,
            modified: at,
            consign_time: None,
            end_time: None,
            buyer_nick: nick,
            buyer_open_uid: open_uid,
            buyer_message,
            seller_memo: "",
            seller_flag: 0,
            receiver,
            oaid,
            post_fee,
            shop_discount,
            lines,
            plan,
        };
        let index = self.trades.len();
        self.by_tid.insert(tid, index);
        self.trades.push(trade);
        match pays_after {
            Some(after) => self.schedule(at.plus_millis(after), index, Step::Pay),
            None => self.schedule(at.plus_millis(UNPAID_TIMEOUT), index, Step::CloseUnpaid),
        }
    }

    fn run(&mut self, index: usize, step: Step, at: Timestamp) {
        let plan = self.trades[index].plan.clone();
        let status = self.trades[index].status;
        match step {
            Step::Pay => {
                let trade = &mut self.trades[index];
                trade.status = TradeStatus::WaitSellerSendGoods;
                trade.pay_time = Some(at);
                trade.modified = at;
                for line in &mut trade.lines {
                    line.status = TradeStatus::WaitSellerSendGoods;
                }
                if let Some((_, after, _, _)) = plan.refund {
                    self.schedule(at.plus_millis(after), index, Step::AskRefund);
                }
                if let Some((after, _)) = plan.change {
                    self.schedule(at.plus_millis(after), index, Step::Change);
                }
                if let Some(after) = plan.ships_elsewhere_after {
                    self.schedule(at.plus_millis(after), index, Step::ShipElsewhere);
                }
            }
            Step::CloseUnpaid => {
                let trade = &mut self.trades[index];
                trade.status = TradeStatus::TradeClosedByTaobao;
                trade.end_time = Some(at);
                trade.modified = at;
                for line in &mut trade.lines {
                    line.status = TradeStatus::TradeClosedByTaobao;
                }
            }
            Step::AskRefund => {
                let Some((line, _, resolve_after, _)) = plan.refund else {
                    return;
                };
                if !matches!(
                    status,
                    TradeStatus::WaitSellerSendGoods
                        | TradeStatus::SellerConsignedPart
                        | TradeStatus::WaitBuyerConfirmGoods
                ) {
                    return;
                }
                let refund_id = 2_200_000_000_000_000
                    + self.index * 10_000_000_000_000
                    + self.refunds.len() as u64 * 101;
                let trade = &mut self.trades[index];
                let total_fee = trade.total_fee();
                let line = &mut trade.lines[line];
                line.refund_status = RefundStatus::WaitSellerAgree;
                line.refund_id = Some(refund_id);
                let reason = *Rng::derive(self.seed, refund_id).pick(REFUND_REASONS);
                self.refunds.push(Refund {
                    refund_id,
                    tid: trade.tid,
                    oid: line.oid,
                    status: RefundStatus::WaitSellerAgree,
                    has_good_return: line.parcel.is_some(),
                    reason,
                    refund_fee: line.divide_order_fee(),
                    payment: line.divide_order_fee(),
                    total_fee,
                    created: at,
                    modified: at,
                    order_status: line.status,
                });
                trade.modified = at;
                self.schedule(at.plus_millis(resolve_after), index, Step::ResolveRefund);
            }
            Step::ResolveRefund => {
                let Some((line, _, _, succeeds)) = plan.refund else {
                    return;
                };
                let trade = &mut self.trades[index];
                let line = &mut trade.lines[line];
                let Some(refund) = self
                    .refunds
                    .iter_mut()
                    .find(|it| Some(it.refund_id) == line.refund_id)
                else {
                    return;
                };
                match succeeds {
                    true => {
                        line.refund_status = RefundStatus::Success;
                        line.status = TradeStatus::TradeClosed;
                    }
                    false => line.refund_status = RefundStatus::Closed,
                }
                refund.status = line.refund_status;
                refund.modified = at;
                refund.order_status = line.status;
                trade.modified = at;
                let lines = &trade.lines;
                if lines.iter().all(Line::closed) {
                    trade.status = TradeStatus::TradeClosed;
                    trade.end_time = Some(at);
                } else if trade.status == TradeStatus::SellerConsignedPart
                    && lines.iter().all(|it| it.parcel.is_some() || it.closed())
                {
                    // The refund took away the last line waiting to ship.
                    trade.status = TradeStatus::WaitBuyerConfirmGoods;
                    self.schedule(at.plus_millis(plan.confirms_after), index, Step::Confirm);
                }
            }
            Step::Change => {
                if status != TradeStatus::WaitSellerSendGoods {
                    return;
                }
                let mut rng = Rng::derive(self.seed, self.trades[index].tid ^ 0xc4a9_6e00);
                let trade = &mut self.trades[index];
                match plan.change {
                    Some((_, true)) => {
                        trade.receiver.address = format!(
                            "{}{}号{}{}幢{}室",
                            rng.pick(STREETS),
                            1 + rng.below(400),
                            rng.pick(COMMUNITIES),
                            1 + rng.below(30),
                            101 + 100 * rng.below(25) + rng.below(6)
                        );
                    }
                    Some((_, false)) | None => {
                        trade.seller_memo = *rng.pick(SELLER_MEMOS);
                        trade.seller_flag = 1 + rng.below(5) as u8;
                    }
                }
                trade.modified = at;
            }
            Step::ShipElsewhere => {
                let tid = self.trades[index].tid;
                let parcel = Parcel {
                    company_code: "YUNDA".to_owned(),
                    out_sid: format!("43{:011}", tid % 100_000_000_000),
                };
                // Refused when the trade was shipped through the API or closed meanwhile: nothing to do.
                let _ = self.ship(tid, None, parcel, at);
            }
            Step::Confirm => {
                if status != TradeStatus::WaitBuyerConfirmGoods {
                    return;
                }
                let trade = &mut self.trades[index];
                trade.status = TradeStatus::TradeFinished;
                trade.end_time = Some(at);
                trade.modified = at;
                for line in &mut trade.lines {
                    if line.parcel.is_some() {
                        line.status = TradeStatus::TradeFinished;
                    }
                }
            }
        }
    }
}

/// How `taobao.item.quantity.update` names the SKU.
#[derive(Clone, Copy, Debug)]
pub enum SkuKey<'a> {
    None,
    Id(u64),
    Outer(&'a str),
}

/// The time to the next new trade: uniform around the mean gap, whole seconds, at least one.
fn gap(rng: &mut Rng, per_hour: u32) -> i64 {
    match per_hour {
        0 => DAY,
        n => {
            let mean = HOUR / i64::from(n);
            (rng.between(0, 2 * mean) / SECOND).max(1) * SECOND
        }
    }
}

/// Spreads the shop-wide discount over the lines in proportion to their totals, the rest on the last.
fn spread(lines: &mut [Line], discount: i64) {
    let total: i64 = lines.iter().map(Line::total_fee).sum();
    if total == 0 || lines.is_empty() {
        return;
    }
    let mut left = discount;
    let last = lines.len() - 1;
    for (i, line) in lines.iter_mut().enumerate() {
        let share = match i == last {
            true => left,
            false => discount * line.total_fee() / total,
        };
        line.shop_discount = share;
        left -= share;
    }
}

fn token(rng: &mut Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    (0..len).map(|_| char::from(*rng.pick(ALPHABET))).collect()
}

fn whole_seconds(t: Timestamp) -> Timestamp {
    crate::taobao::time::whole_seconds(t)
}
