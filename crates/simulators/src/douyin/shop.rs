//! One simulated Douyin shop: its orders (a parent order with one sub-order per SKU), how they change
//! over simulated time (payment, confirmation, after-sales, address and remark changes, shipping,
//! receipt, cancelling), the ciphertexts of their receivers, stock, and the events a push would carry.
//!
//! Pure: time arrives as an argument and every random choice comes from the shop's seed, so the shop
//! is the same for a seed however finely its time is advanced. Times are whole seconds, as doudian
//! keeps them.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use domain::Timestamp;

use crate::douyin::data::{
    BUYER_WORDS, CATALOGUE, COMMUNITIES, GIVEN_NAMES, NICKS, PLACES, Place, Product, SELLER_WORDS,
    STREETS, SURNAMES,
};
use crate::rng::Rng;

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// An unpaid order is cancelled after this long ([U]: the timeout differs by product; we use 30 min).
const UNPAID_TIMEOUT: i64 = 30 * MINUTE;
/// Stock every SKU starts with, until `sku.syncStock` says otherwise.
const INITIAL_STOCK: i64 = 200;

/// How busy a simulated shop is and how its orders tend to go.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// New orders per simulated hour (0: none).
    pub orders_per_hour: u32,
    /// Share of new orders the buyer never pays, cancelled after the timeout, in percent.
    pub unpaid_percent: u32,
    /// Share of paid orders whose buyer asks for a refund of one line, in percent.
    pub refund_percent: u32,
    /// Share of paid orders whose address or seller remark changes before shipping, in percent.
    pub change_percent: u32,
    /// Share of paid orders the seller ships in the doudian back office instead of through the API.
    pub shipped_elsewhere_percent: u32,
}

/// `order_status`: 1 awaiting payment, 105 paid, 2 to ship (备货中), 101 partly shipped, 3 shipped,
/// 4 cancelled, 5 completed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Unpaid,
    Paid,
    ToShip,
    PartlyShipped,
    Shipped,
    Cancelled,
    Completed,
}

impl OrderStatus {
    pub const ALL: &[OrderStatus] = &[
        OrderStatus::Unpaid,
        OrderStatus::Paid,
        OrderStatus::ToShip,
        OrderStatus::PartlyShipped,
        OrderStatus::Shipped,
        OrderStatus::Cancelled,
        OrderStatus::Completed,
    ];

    pub fn code(self) -> u32 {
        match self {
            OrderStatus::Unpaid => 1,
            OrderStatus::Paid => 105,
            OrderStatus::ToShip => 2,
            OrderStatus::PartlyShipped => 101,
            OrderStatus::Shipped => 3,
            OrderStatus::Cancelled => 4,
            OrderStatus::Completed => 5,
        }
    }

    pub fn desc(self) -> &'static str {
        match self {
            OrderStatus::Unpaid => "待支付",
            OrderStatus::Paid => "已支付",
            OrderStatus::ToShip => "备货中",
            OrderStatus::PartlyShipped => "部分发货",
            OrderStatus::Shipped => "已发货",
            OrderStatus::Cancelled => "已取消",
            OrderStatus::Completed => "已完成",
        }
    }
}

/// A line's after-sale as `after_sale_info` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AfterSale {
    None,
    /// The buyer asked; the seller has not decided (`after_sale_status` 6, `refund_status` 1).
    Requested,
    /// Refunded (`after_sale_status` 12, `refund_status` 3).
    Refunded,
    /// Refused (`after_sale_status` 27, `refund_status` 4).
    Refused,
}

impl AfterSale {
    /// (`after_sale_status`, `refund_status`).
    pub fn codes(self) -> (u32, u32) {
        match self {
            AfterSale::None => (0, 0),
            AfterSale::Requested => (6, 1),
            AfterSale::Refunded => (12, 3),
            AfterSale::Refused => (27, 4),
        }
    }
}

/// The receiver in plain text; doudian shows it encrypted and masked.
#[derive(Clone, Debug)]
pub struct Receiver {
    pub name: String,
    pub tel: String,
    pub place: &'static Place,
    /// Index into `place.streets`.
    pub street: usize,
    pub detail: String,
}

/// A parcel: the carrier's `company_code`, the tracking number and when it left.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Parcel {
    pub company_code: String,
    pub tracking_no: String,
    pub ship_time: Timestamp,
}

/// A sub-order (`sku_order_list[]`).
#[derive(Clone, Debug)]
pub struct Line {
    pub order_id: u64,
    pub product: &'static Product,
    /// Index into `product.skus`.
    pub sku: usize,
    pub num: u32,
    /// Unit price in fen.
    pub price: i64,
    /// The line's share of the promotions, fen.
    pub promotion: i64,
    pub status: OrderStatus,
    pub after_sale: AfterSale,
    /// Index into the order's parcels.
    pub parcel: Option<usize>,
}

impl Line {
    pub fn sku(&self) -> &'static crate::douyin::data::Sku {
        &self.product.skus[self.sku]
    }

    /// `goods_price × item_num`: the line's `origin_amount` and `order_amount`.
    pub fn amount(&self) -> i64 {
        self.price * i64::from(self.num)
    }

    /// What the buyer pays for the line (`pay_amount`).
    pub fn pay_amount(&self) -> i64 {
        self.amount() - self.promotion
    }

    fn refunded(&self) -> bool {
        self.after_sale == AfterSale::Refunded
    }
}

/// A parent order (`shop_order_detail`) in plain text; `wire` renders what doudian shows of it.
#[derive(Clone, Debug)]
pub struct Order {
    pub order_id: u64,
    pub status: OrderStatus,
    pub create_time: Timestamp,
    pub pay_time: Option<Timestamp>,
    pub update_time: Timestamp,
    pub finish_time: Option<Timestamp>,
    pub ship_time: Option<Timestamp>,
    pub open_id: String,
    pub nick: String,
    pub receiver: Receiver,
    pub buyer_words: &'static str,
    pub seller_words: &'static str,
    pub seller_remark_stars: u8,
    /// Shipping in fen.
    pub post_amount: i64,
    /// Of the promotions: what the platform pays (the rest is the shop's), fen.
    pub platform_promotion: i64,
    pub lines: Vec<Line>,
    pub parcels: Vec<Parcel>,
    plan: Plan,
}

impl Order {
    /// `Σ order_amount` of the lines.
    pub fn order_amount(&self) -> i64 {
        self.lines.iter().map(Line::amount).sum()
    }

    /// `Σ promotion_amount` of the lines.
    pub fn promotion_amount(&self) -> i64 {
        self.lines.iter().map(|it| it.promotion).sum()
    }

    /// What the buyer paid: every line after its promotions, plus shipping.
    pub fn pay_amount(&self) -> i64 {
        self.lines.iter().map(Line::pay_amount).sum::<i64>() + self.post_amount
    }
}

/// What a push would tell about an order ([U]: tags other than 100 are our reading of SDK comments).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tag {
    Created,
    Paid,
    Shipped,
    Completed,
    AddressChanged,
    Cancelled,
    RemarkChanged,
    AfterSaleCreated,
    AfterSaleClosed,
}

impl Tag {
    pub fn code(self) -> &'static str {
        match self {
            Tag::Created => "100",
            Tag::Paid => "101",
            Tag::Shipped => "102",
            Tag::Completed => "103",
            Tag::AddressChanged => "105",
            Tag::Cancelled => "106",
            Tag::RemarkChanged => "113",
            Tag::AfterSaleCreated => "200",
            Tag::AfterSaleClosed => "206",
        }
    }
}

/// Something that happened to an order, as a push would carry it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub tag: Tag,
    pub order_id: u64,
    pub at: Timestamp,
}

/// What happens to an order, drawn once when it is created.
#[derive(Clone, Debug)]
struct Plan {
    /// `None`: never paid.
    pays_after: Option<i64>,
    /// From 105 to 2, after payment.
    confirms_after: i64,
    /// (line, after payment, resolved after asking, refunded)
    refund: Option<(usize, i64, i64, bool)>,
    /// After payment; the change is the address when `true`, the seller remark otherwise.
    change: Option<(i64, bool)>,
    ships_elsewhere_after: Option<i64>,
    receives_after: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Pay,
    Confirm,
    Cancel,
    AskRefund,
    ResolveRefund,
    Change,
    ShipElsewhere,
    Receive,
}

/// Why a shipment was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ShipError {
    NotFound,
    /// Shipped already, cancelled, or not paid.
    WrongStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StockError {
    NoProduct,
    NoSku,
    Negative,
}

/// Which plain field a ciphertext stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Secret {
    Name,
    Tel,
    Detail,
}

/// One seller's shop.
#[derive(Debug)]
pub struct Shop {
    pub name: String,
    pub shop_id: u64,
    seed: u64,
    index: u64,
    traffic: Traffic,
    orders: Vec<Order>,
    by_id: HashMap<u64, usize>,
    stock: BTreeMap<(u64, u64), i64>,
    events: Vec<Event>,
    arrivals: Rng,
    next_arrival: Timestamp,
    created: u64,
    steps: BinaryHeap<Reverse<(i64, u64, usize, Step)>>,
    scheduled: u64,
    now: Timestamp,
}

impl Shop {
    /// A shop whose history starts at `since`; [`Shop::advance`] brings it to the present.
    pub fn new(
        name: String,
        shop_id: u64,
        seed: u64,
        index: u64,
        traffic: Traffic,
        since: Timestamp,
    ) -> Shop {
        let mut arrivals = Rng::derive(seed, 0xd0_0000_0000 + index);
        let since = whole_seconds(since);
        let first = since.plus_millis(gap(&mut arrivals, traffic.orders_per_hour));
        let mut stock = BTreeMap::new();
        for product in CATALOGUE {
            for sku in product.skus {
                stock.insert((product.product_id, sku.sku_id), INITIAL_STOCK);
            }
        }
        Shop {
            name,
            shop_id,
            seed,
            index,
            traffic,
            orders: Vec::new(),
            by_id: HashMap::new(),
            stock,
            events: Vec::new(),
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

    pub fn orders(&self) -> &[Order] {
        &self.orders
    }

    pub fn order(&self, order_id: u64) -> Option<&Order> {
        self.by_id.get(&order_id).map(|it| &self.orders[*it])
    }

    /// Everything that happened, in time order.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    /// The stock of one SKU.
    pub fn stock(&self, product_id: u64, sku_id: u64) -> Option<i64> {
        self.stock.get(&(product_id, sku_id)).copied()
    }

    /// The plain text behind a ciphertext of this shop's, if it is one.
    pub fn decrypt(&self, order_id: u64, cipher: &str) -> Option<String> {
        let order = self.order(order_id)?;
        let receiver = &order.receiver;
        [
            (Secret::Name, &receiver.name),
            (Secret::Tel, &receiver.tel),
            (Secret::Detail, &receiver.detail),
        ]
        .into_iter()
        .find(|(kind, plain)| cipher_text(self.seed, order_id, *kind, plain) == cipher)
        .map(|(_, plain)| plain.clone())
    }

    /// The ciphertext of one receiver field: the same for the same text, new when the text changes.
    pub fn cipher(&self, order: &Order, kind: Secret) -> String {
        let plain = match kind {
            Secret::Name => &order.receiver.name,
            Secret::Tel => &order.receiver.tel,
            Secret::Detail => &order.receiver.detail,
        };
        cipher_text(self.seed, order.order_id, kind, plain)
    }

    /// Creates and changes orders up to `to`, in time order.
    pub fn advance(&mut self, to: Timestamp) {
        let to = whole_seconds(to);
        loop {
            let step_at = self.steps.peek().map(|Reverse(it)| it.0);
            let arrival = (self.traffic.orders_per_hour > 0).then_some(self.next_arrival);
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
                    self.create_order(at);
                    self.next_arrival =
                        at.plus_millis(gap(&mut self.arrivals, self.traffic.orders_per_hour));
                }
            }
        }
        self.now = self.now.max(to);
    }

    /// `order.logisticsAdd`: every line still to ship leaves in one parcel.
    pub fn ship(&mut self, order_id: u64, parcel: Parcel) -> Result<(), ShipError> {
        let Some(&index) = self.by_id.get(&order_id) else {
            return Err(ShipError::NotFound);
        };
        let order = &mut self.orders[index];
        if !matches!(
            order.status,
            OrderStatus::ToShip | OrderStatus::PartlyShipped
        ) {
            return Err(ShipError::WrongStatus);
        }
        let open: Vec<usize> = (0..order.lines.len())
            .filter(|it| order.lines[*it].parcel.is_none() && !order.lines[*it].refunded())
            .collect();
        if open.is_empty() {
            return Err(ShipError::WrongStatus);
        }
        let at = whole_seconds(parcel.ship_time);
        order.parcels.push(parcel);
        let parcel_index = order.parcels.len() - 1;
        for line in open {
            order.lines[line].parcel = Some(parcel_index);
            order.lines[line].status = OrderStatus::Shipped;
        }
        order.status = OrderStatus::Shipped;
        order.ship_time = Some(at);
        order.update_time = at;
        let receives_after = order.plan.receives_after;
        self.event(Tag::Shipped, index, at);
        self.schedule(at.plus_millis(receives_after), index, Step::Receive);
        Ok(())
    }

    /// `sku.syncStock`: sets the SKU's stock, or adds to it; the level afterwards.
    pub fn sync_stock(
        &mut self,
        product_id: u64,
        sku_id: u64,
        num: i64,
        incremental: bool,
    ) -> Result<i64, StockError> {
        let Some(product) = CATALOGUE.iter().find(|it| it.product_id == product_id) else {
            return Err(StockError::NoProduct);
        };
        if !product.skus.iter().any(|it| it.sku_id == sku_id) {
            return Err(StockError::NoSku);
        }
        let level = self
            .stock
            .entry((product_id, sku_id))
            .or_insert(INITIAL_STOCK);
        let next = match incremental {
            true => *level + num,
            false => num,
        };
        if next < 0 {
            return Err(StockError::Negative);
        }
        *level = next;
        Ok(next)
    }

    fn schedule(&mut self, at: Timestamp, index: usize, step: Step) {
        self.scheduled += 1;
        self.steps
            .push(Reverse((at.unix_millis(), self.scheduled, index, step)));
    }

    fn event(&mut self, tag: Tag, index: usize, at: Timestamp) {
        let order_id = self.orders[index].order_id;
        self.events.push(Event { tag, order_id, at });
    }

    fn create_order(&mut self, at: Timestamp) {
        self.created += 1;
        let n = self.created;
        // Parent ids grow like doudian's 19-digit ones (above 2^53); sub-orders follow their parent.
        let order_id = 6_920_000_000_000_000_000 + self.index * 10_000_000_000_000_000 + n * 1_009;
        let mut rng = Rng::derive(self.seed, order_id);
        let traffic = &self.traffic;
        let n_lines = match rng.below(10) {
            0..=6 => 1,
            7..=8 => 2,
            _ => 3,
        };
        let mut lines = Vec::new();
        for i in 0..n_lines {
            let product = rng.pick(CATALOGUE);
            let sku = rng.below(product.skus.len() as u64) as usize;
            let price = product.skus[sku].price;
            let num = 1 + rng.below(3) as u32;
            // 直播间优惠: a tenth off, in whole yuan, for some lines.
            let promotion = match rng.percent(35) {
                true => (price * i64::from(num) / 10) / 100 * 100,
                false => 0,
            };
            lines.push(Line {
                order_id: order_id + 1 + i,
                product,
                sku,
                num,
                price,
                promotion,
                status: OrderStatus::Unpaid,
                after_sale: AfterSale::None,
                parcel: None,
            });
        }
        let goods: i64 = lines.iter().map(Line::pay_amount).sum();
        let platform_promotion = match rng.percent(20) {
            true => lines.iter().map(|it| it.promotion).sum::<i64>() / 2,
            false => 0,
        };
        let post_amount = match goods >= 5900 || rng.percent(70) {
            true => 0,
            false => 500 + 100 * rng.below(6) as i64,
        };
        let place = rng.pick(PLACES);
        let street = rng.below(place.streets.len() as u64) as usize;
        let name = format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN_NAMES));
        let tel = format!(
            "1{}{}{:08}",
            rng.pick(&[3, 5, 7, 8, 9]),
            rng.below(10),
            rng.below(100_000_000)
        );
        let detail = address(&mut rng);
        let nick = format!("{}{}", rng.pick(NICKS), rng.below(100_000));
        let open_id = format!("1@#{}", token(&mut rng, 40));
        let buyer_words = match rng.percent(20) {
            true => *rng.pick(BUYER_WORDS),
            false => "",
        };
        let plan = Plan {
            pays_after: (!rng.percent(traffic.unpaid_percent))
                .then(|| rng.between(5 * SECOND, 15 * MINUTE) / SECOND * SECOND),
            confirms_after: rng.between(3 * SECOND, 10 * MINUTE) / SECOND * SECOND,
            refund: rng.percent(traffic.refund_percent).then(|| {
                (
                    rng.below(n_lines) as usize,
                    rng.between(5 * MINUTE, 6 * HOUR) / SECOND * SECOND,
                    rng.between(10 * MINUTE, DAY) / SECOND * SECOND,
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
            receives_after: rng.between(2 * DAY, 8 * DAY) / SECOND * SECOND,
        };
        let pays_after = plan.pays_after;
        let order = Order {
            order_id,
            status: OrderStatus::Unpaid,
            create_time: at,
            pay_time: None,
            update_time: at,
            finish_time: None,
            ship_time: None,
            open_id,
            nick,
            receiver: Receiver {
                name,
                tel,
                place,
                street,
                detail,
            },
            buyer_words,
            seller_words: "",
            seller_remark_stars: 0,
            post_amount,
            platform_promotion,
            lines,
            parcels: Vec::new(),
            plan,
        };
        let index = self.orders.len();
        self.by_id.insert(order_id, index);
        self.orders.push(order);
        self.event(Tag::Created, index, at);
        match pays_after {
            Some(after) => self.schedule(at.plus_millis(after), index, Step::Pay),
            None => self.schedule(at.plus_millis(UNPAID_TIMEOUT), index, Step::Cancel),
        }
    }

    fn run(&mut self, index: usize, step: Step, at: Timestamp) {
        let plan = self.orders[index].plan.clone();
        let status = self.orders[index].status;
        match step {
            Step::Pay => {
                let order = &mut self.orders[index];
                order.status = OrderStatus::Paid;
                order.pay_time = Some(at);
                order.update_time = at;
                for line in &mut order.lines {
                    line.status = OrderStatus::Paid;
                }
                self.event(Tag::Paid, index, at);
                self.schedule(at.plus_millis(plan.confirms_after), index, Step::Confirm);
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
            Step::Confirm => {
                if status != OrderStatus::Paid {
                    return;
                }
                let order = &mut self.orders[index];
                order.status = OrderStatus::ToShip;
                order.update_time = at;
                for line in order.lines.iter_mut().filter(|it| !it.refunded()) {
                    line.status = OrderStatus::ToShip;
                }
            }
            Step::Cancel => {
                if status != OrderStatus::Unpaid {
                    return;
                }
                let order = &mut self.orders[index];
                order.status = OrderStatus::Cancelled;
                order.finish_time = Some(at);
                order.update_time = at;
                for line in &mut order.lines {
                    line.status = OrderStatus::Cancelled;
                }
                self.event(Tag::Cancelled, index, at);
            }
            Step::AskRefund => {
                let Some((line, _, resolve_after, _)) = plan.refund else {
                    return;
                };
                if !matches!(
                    status,
                    OrderStatus::Paid
                        | OrderStatus::ToShip
                        | OrderStatus::PartlyShipped
                        | OrderStatus::Shipped
                ) {
                    return;
                }
                let order = &mut self.orders[index];
                order.lines[line].after_sale = AfterSale::Requested;
                order.update_time = at;
                self.event(Tag::AfterSaleCreated, index, at);
                self.schedule(at.plus_millis(resolve_after), index, Step::ResolveRefund);
            }
            Step::ResolveRefund => {
                let Some((line, _, _, refunded)) = plan.refund else {
                    return;
                };
                let order = &mut self.orders[index];
                if order.lines[line].after_sale != AfterSale::Requested {
                    return;
                }
                match refunded {
                    true => {
                        order.lines[line].after_sale = AfterSale::Refunded;
                        order.lines[line].status = OrderStatus::Cancelled;
                    }
                    false => order.lines[line].after_sale = AfterSale::Refused,
                }
                order.update_time = at;
                let all_refunded = order.lines.iter().all(Line::refunded);
                let rest_shipped = order
                    .lines
                    .iter()
                    .all(|it| it.parcel.is_some() || it.refunded());
                if all_refunded {
                    order.status = OrderStatus::Cancelled;
                    order.finish_time = Some(at);
                } else if order.status == OrderStatus::PartlyShipped && rest_shipped {
                    order.status = OrderStatus::Shipped;
                }
                self.event(Tag::AfterSaleClosed, index, at);
            }
            Step::Change => {
                if !matches!(status, OrderStatus::Paid | OrderStatus::ToShip) {
                    return;
                }
                let mut rng = Rng::derive(self.seed, self.orders[index].order_id ^ 0xc4a9_6e00);
                let order = &mut self.orders[index];
                order.update_time = at;
                match plan.change {
                    Some((_, true)) => {
                        order.receiver.detail = address(&mut rng);
                        self.event(Tag::AddressChanged, index, at);
                    }
                    Some((_, false)) | None => {
                        order.seller_words = *rng.pick(SELLER_WORDS);
                        order.seller_remark_stars = 1 + rng.below(5) as u8;
                        self.event(Tag::RemarkChanged, index, at);
                    }
                }
            }
            Step::ShipElsewhere => {
                let order_id = self.orders[index].order_id;
                let parcel = Parcel {
                    company_code: "yunda".to_owned(),
                    tracking_no: format!("43{:011}", order_id % 100_000_000_000),
                    ship_time: at,
                };
                // Refused when shipped through the API, cancelled, or not yet confirmed: nothing to do.
                let _ = self.ship(order_id, parcel);
            }
            Step::Receive => {
                if status != OrderStatus::Shipped {
                    return;
                }
                let order = &mut self.orders[index];
                order.status = OrderStatus::Completed;
                order.finish_time = Some(at);
                order.update_time = at;
                for line in order.lines.iter_mut().filter(|it| it.parcel.is_some()) {
                    line.status = OrderStatus::Completed;
                }
                self.event(Tag::Completed, index, at);
            }
        }
    }
}

/// The time to the next new order: uniform around the mean gap, whole seconds, at least one.
fn gap(rng: &mut Rng, per_hour: u32) -> i64 {
    match per_hour {
        0 => DAY,
        n => {
            let mean = HOUR / i64::from(n);
            (rng.between(0, 2 * mean) / SECOND).max(1) * SECOND
        }
    }
}

fn address(rng: &mut Rng) -> String {
    format!(
        "{}{}号{}{}幢{}室",
        rng.pick(STREETS),
        1 + rng.below(400),
        rng.pick(COMMUNITIES),
        1 + rng.below(30),
        101 + 100 * rng.below(25) + rng.below(6)
    )
}

fn token(rng: &mut Rng, len: usize) -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    (0..len).map(|_| char::from(*rng.pick(ALPHABET))).collect()
}

/// A ciphertext shaped like doudian's (`#…#` for names and addresses, `$…$` for phones), derived from
/// the shop's seed, the order, the field and its text.
fn cipher_text(seed: u64, order_id: u64, kind: Secret, plain: &str) -> String {
    let mut mix = seed ^ order_id.rotate_left(17);
    for byte in plain.bytes() {
        mix = (mix ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3);
    }
    let (mark, part) = match kind {
        Secret::Name => ('#', 1),
        Secret::Tel => ('$', 2),
        Secret::Detail => ('#', 3),
    };
    let mut rng = Rng::derive(mix, part);
    format!("{mark}{}=={mark}", token(&mut rng, 46))
}

fn whole_seconds(t: Timestamp) -> Timestamp {
    Timestamp::from_unix_millis(t.unix_millis().div_euclid(1000) * 1000)
}
