//! One simulated Shopify store: its orders with their lines, fulfillment orders, fulfillments and
//! refunds, its stock per inventory item and location, and how orders change over simulated time
//! (payment of pending orders, cancellation, refunds, address and note edits, fulfillment in the
//! Shopify admin, archiving).
//!
//! Pure: time arrives as an argument and every random choice comes from the store's seed, so the
//! store is the same for a seed however finely its time is advanced.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap};

use domain::Timestamp;

use crate::rng::Rng;
use crate::shopify::data::{
    CATALOGUE, FIRST_NAMES, LAST_NAMES, NOTES, PLACES, Place, Product, STREETS, TAGS, Variant,
};

const SECOND: i64 = 1000;
const MINUTE: i64 = 60 * SECOND;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// Stock every inventory item starts with at every location.
const INITIAL_STOCK: i64 = 120;

/// How busy a simulated store is and how its orders tend to go.
#[derive(Clone, Debug)]
pub struct Traffic {
    /// New orders per simulated hour (0: none).
    pub orders_per_hour: u32,
    /// Share of orders paid later by a manual method (bank transfer), in percent; a fifth of them are
    /// never paid and cancelled after two days.
    pub pending_percent: u32,
    /// Share of paid orders with a refunded line, in percent.
    pub refund_percent: u32,
    /// Share of paid orders whose address, note or tags are edited before fulfillment, in percent.
    pub change_percent: u32,
    /// Share of paid orders the merchant fulfils in the Shopify admin, in percent.
    pub fulfilled_elsewhere_percent: u32,
}

/// `displayFinancialStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Financial {
    Pending,
    Paid,
    PartiallyRefunded,
    Refunded,
    Voided,
}

impl Financial {
    pub fn graphql(self) -> &'static str {
        match self {
            Financial::Pending => "PENDING",
            Financial::Paid => "PAID",
            Financial::PartiallyRefunded => "PARTIALLY_REFUNDED",
            Financial::Refunded => "REFUNDED",
            Financial::Voided => "VOIDED",
        }
    }

    /// REST `financial_status`.
    pub fn rest(self) -> &'static str {
        match self {
            Financial::Pending => "pending",
            Financial::Paid => "paid",
            Financial::PartiallyRefunded => "partially_refunded",
            Financial::Refunded => "refunded",
            Financial::Voided => "voided",
        }
    }
}

/// `displayFulfillmentStatus`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fulfillment {
    Unfulfilled,
    PartiallyFulfilled,
    Fulfilled,
}

impl Fulfillment {
    pub fn graphql(self) -> &'static str {
        match self {
            Fulfillment::Unfulfilled => "UNFULFILLED",
            Fulfillment::PartiallyFulfilled => "PARTIALLY_FULFILLED",
            Fulfillment::Fulfilled => "FULFILLED",
        }
    }

    /// REST `fulfillment_status` (`null` while unfulfilled).
    pub fn rest(self) -> Option<&'static str> {
        match self {
            Fulfillment::Unfulfilled => None,
            Fulfillment::PartiallyFulfilled => Some("partial"),
            Fulfillment::Fulfilled => Some("fulfilled"),
        }
    }
}

/// A fulfillment order's `status`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FulfillmentOrderStatus {
    Open,
    Closed,
    Cancelled,
}

impl FulfillmentOrderStatus {
    pub fn graphql(self) -> &'static str {
        match self {
            FulfillmentOrderStatus::Open => "OPEN",
            FulfillmentOrderStatus::Closed => "CLOSED",
            FulfillmentOrderStatus::Cancelled => "CANCELLED",
        }
    }
}

#[derive(Clone, Debug)]
pub struct Customer {
    pub id: u64,
    pub first_name: String,
    pub last_name: String,
    pub email: String,
}

#[derive(Clone, Debug)]
pub struct Address {
    pub first_name: String,
    pub last_name: String,
    pub phone: String,
    pub address1: String,
    pub address2: String,
    pub place: &'static Place,
}

/// A line item.
#[derive(Clone, Debug)]
pub struct Line {
    pub id: u64,
    /// The line's item in its fulfillment order (`FulfillmentOrderLineItem`).
    pub fulfillment_line_id: u64,
    pub product: &'static Product,
    pub variant: &'static Variant,
    pub quantity: u32,
    /// Unit price in cents.
    pub price: i64,
    /// The line's discount in cents.
    pub discount: i64,
    pub fulfilled: u32,
    pub refunded: u32,
}

impl Line {
    /// `currentQuantity`: what is left after refunds.
    pub fn current_quantity(&self) -> u32 {
        self.quantity - self.refunded
    }

    /// `remainingQuantity` of the line's fulfillment order line item.
    pub fn remaining(&self) -> u32 {
        self.quantity - self.refunded - self.fulfilled
    }
}

/// A fulfillment with its tracking.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Shipment {
    pub id: u64,
    pub company: String,
    pub number: String,
    pub created_at: Timestamp,
    /// (line index, quantity).
    pub lines: Vec<(usize, u32)>,
}

#[derive(Clone, Debug)]
pub struct Refund {
    pub id: u64,
    pub created_at: Timestamp,
    pub line: usize,
    pub quantity: u32,
    /// Cents.
    pub amount: i64,
}

/// An order in plain data; `render` writes it as a GraphQL node or a REST/webhook document.
#[derive(Clone, Debug)]
pub struct Order {
    pub id: u64,
    pub number: u64,
    pub fulfillment_order_id: u64,
    pub created_at: Timestamp,
    pub processed_at: Timestamp,
    pub updated_at: Timestamp,
    pub cancelled_at: Option<Timestamp>,
    pub closed_at: Option<Timestamp>,
    pub financial: Financial,
    pub currency: &'static str,
    pub customer: Customer,
    pub address: Address,
    pub note: Option<&'static str>,
    pub tags: Vec<&'static str>,
    /// Cents.
    pub shipping: i64,
    pub lines: Vec<Line>,
    pub shipments: Vec<Shipment>,
    pub refunds: Vec<Refund>,
    plan: Plan,
}

impl Order {
    pub fn name(&self) -> String {
        format!("#{}", self.number)
    }

    /// `Σ price × quantity` before discounts (`totalLineItemsPriceSet`).
    pub fn line_items_total(&self) -> i64 {
        self.lines
            .iter()
            .map(|it| it.price * i64::from(it.quantity))
            .sum()
    }

    pub fn discounts(&self) -> i64 {
        self.lines.iter().map(|it| it.discount).sum()
    }

    /// What the buyer was charged (`totalPriceSet`): lines after discounts plus shipping.
    pub fn total(&self) -> i64 {
        self.line_items_total() - self.discounts() + self.shipping
    }

    pub fn refunded(&self) -> i64 {
        self.refunds.iter().map(|it| it.amount).sum()
    }

    pub fn fulfillment(&self) -> Fulfillment {
        let shipped: u32 = self.lines.iter().map(|it| it.fulfilled).sum();
        let open = self.lines.iter().any(|it| it.remaining() > 0);
        match (shipped, open) {
            (0, _) => Fulfillment::Unfulfilled,
            (_, true) => Fulfillment::PartiallyFulfilled,
            (_, false) => Fulfillment::Fulfilled,
        }
    }

    pub fn fulfillment_order_status(&self) -> FulfillmentOrderStatus {
        match (
            self.cancelled_at.is_some(),
            self.lines.iter().any(|it| it.remaining() > 0),
        ) {
            (true, _) => FulfillmentOrderStatus::Cancelled,
            (false, true) => FulfillmentOrderStatus::Open,
            (false, false) => FulfillmentOrderStatus::Closed,
        }
    }

    /// Whether fulfillment is allowed: paid (in part or whole) and not cancelled.
    pub fn fulfillable(&self) -> bool {
        self.cancelled_at.is_none()
            && matches!(
                self.financial,
                Financial::Paid | Financial::PartiallyRefunded
            )
    }
}

/// What happens to an order, drawn once when it is created.
#[derive(Clone, Debug)]
struct Plan {
    /// `Some(after)`: a pending order paid after; `None` with `pending`: cancelled after two days.
    pays_after: Option<i64>,
    pending: bool,
    /// (line, after payment).
    refund: Option<(usize, i64)>,
    /// (after payment, what: 0 address, 1 note, 2 tags).
    change: Option<(i64, u64)>,
    fulfilled_elsewhere_after: Option<i64>,
    closes_after: i64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Step {
    Pay,
    Cancel,
    Refund,
    Change,
    FulfilElsewhere,
    Close,
}

/// Why `fulfillmentCreate` refused (see `admin` for Shopify's wording).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FulfilError {
    NoFulfillmentOrder(u64),
    Unfulfillable {
        fulfillment_order: u64,
        status: &'static str,
    },
    BadLine(u64),
    TooMany(u64),
    Empty,
}

/// One store.
#[derive(Debug)]
pub struct Shop {
    pub domain: String,
    pub location_id: u64,
    seed: u64,
    traffic: Traffic,
    orders: Vec<Order>,
    by_id: HashMap<u64, usize>,
    by_fulfillment_order: HashMap<u64, usize>,
    stock: BTreeMap<(u64, u64), i64>,
    arrivals: Rng,
    next_arrival: Timestamp,
    created: u64,
    shipments: u64,
    steps: BinaryHeap<Reverse<(i64, u64, usize, Step)>>,
    scheduled: u64,
    now: Timestamp,
}

impl Shop {
    /// A store whose history starts at `since`; [`Shop::advance`] brings it to the present.
    pub fn new(domain: String, seed: u64, traffic: Traffic, since: Timestamp) -> Shop {
        let mut arrivals = Rng::derive(seed, 0x5e0f_a771_0000);
        let since = whole_seconds(since);
        let first = since.plus_millis(gap(&mut arrivals, traffic.orders_per_hour));
        let location_id = 7_300_000_000_000_000_000 + seed % 1000;
        let mut stock = BTreeMap::new();
        for product in CATALOGUE {
            for variant in product.variants {
                stock.insert((variant.inventory_item_id, location_id), INITIAL_STOCK);
            }
        }
        Shop {
            domain,
            location_id,
            seed,
            traffic,
            orders: Vec::new(),
            by_id: HashMap::new(),
            by_fulfillment_order: HashMap::new(),
            stock,
            arrivals,
            next_arrival: first,
            created: 0,
            shipments: 0,
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

    pub fn order(&self, id: u64) -> Option<&Order> {
        self.by_id.get(&id).map(|it| &self.orders[*it])
    }

    /// The order of a fulfillment order.
    pub fn order_of_fulfillment_order(&self, id: u64) -> Option<&Order> {
        self.by_fulfillment_order
            .get(&id)
            .map(|it| &self.orders[*it])
    }

    /// `available` stock of an inventory item at a location.
    pub fn available(&self, inventory_item: u64, location: u64) -> Option<i64> {
        self.stock.get(&(inventory_item, location)).copied()
    }

    /// Sets `available`; the change (`delta`) or `None` when the item or location is unknown.
    pub fn set_available(
        &mut self,
        inventory_item: u64,
        location: u64,
        quantity: i64,
    ) -> Option<i64> {
        let level = self.stock.get_mut(&(inventory_item, location))?;
        let delta = quantity - *level;
        *level = quantity;
        Some(delta)
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

    /// `fulfillmentCreate` on one order's fulfillment order: every remaining line when `lines` is
    /// empty, else the named fulfillment order line items and quantities.
    pub fn fulfil(
        &mut self,
        fulfillment_order: u64,
        lines: &[(u64, u32)],
        company: &str,
        number: &str,
        now: Timestamp,
    ) -> Result<u64, FulfilError> {
        let now = whole_seconds(now);
        let Some(&index) = self.by_fulfillment_order.get(&fulfillment_order) else {
            return Err(FulfilError::NoFulfillmentOrder(fulfillment_order));
        };
        let order = &self.orders[index];
        let status = order.fulfillment_order_status();
        if status != FulfillmentOrderStatus::Open || !order.fulfillable() {
            return Err(FulfilError::Unfulfillable {
                fulfillment_order,
                status: match status {
                    FulfillmentOrderStatus::Open => "on_hold",
                    FulfillmentOrderStatus::Closed => "closed",
                    FulfillmentOrderStatus::Cancelled => "cancelled",
                },
            });
        }
        let chosen: Vec<(usize, u32)> = match lines {
            [] => order
                .lines
                .iter()
                .enumerate()
                .filter(|(_, it)| it.remaining() > 0)
                .map(|(at, it)| (at, it.remaining()))
                .collect(),
            named => {
                let mut chosen = Vec::new();
                for (id, quantity) in named {
                    let Some(at) = order
                        .lines
                        .iter()
                        .position(|it| it.fulfillment_line_id == *id)
                    else {
                        return Err(FulfilError::BadLine(*id));
                    };
                    if *quantity == 0 || *quantity > order.lines[at].remaining() {
                        return Err(FulfilError::TooMany(*id));
                    }
                    chosen.push((at, *quantity));
                }
                chosen
            }
        };
        if chosen.is_empty() {
            return Err(FulfilError::Empty);
        }
        self.shipments += 1;
        let id = 5_500_000_000_000_000_000 + self.seed % 1000 * 1_000_000_000 + self.shipments;
        let plan_close = self.orders[index].plan.closes_after;
        let order = &mut self.orders[index];
        for (at, quantity) in &chosen {
            order.lines[*at].fulfilled += quantity;
        }
        order.shipments.push(Shipment {
            id,
            company: company.to_owned(),
            number: number.to_owned(),
            created_at: now,
            lines: chosen,
        });
        order.updated_at = now;
        if order.fulfillment() == Fulfillment::Fulfilled {
            self.schedule(now.plus_millis(plan_close), index, Step::Close);
        }
        Ok(id)
    }

    fn schedule(&mut self, at: Timestamp, index: usize, step: Step) {
        self.scheduled += 1;
        self.steps
            .push(Reverse((at.unix_millis(), self.scheduled, index, step)));
    }

    fn create_order(&mut self, at: Timestamp) {
        self.created += 1;
        let n = self.created;
        // Ids above 2^53, growing with a spacing like Shopify's.
        let id = 5_820_000_000_000_000_000 + (self.seed % 1000) * 1_000_000_000_000 + n * 1_009;
        let mut rng = Rng::derive(self.seed, id);
        let traffic = &self.traffic;
        let n_lines = match rng.below(10) {
            0..=5 => 1,
            6..=8 => 2,
            _ => 3,
        };
        let mut lines: Vec<Line> = Vec::new();
        for i in 0..n_lines {
            let product = rng.pick(CATALOGUE);
            let variant = rng.pick(product.variants);
            if lines.iter().any(|it| it.variant.id == variant.id) {
                continue;
            }
            let quantity = 1 + rng.below(3) as u32;
            let discount = match rng.percent(25) {
                true => variant.price * i64::from(quantity) / 10,
                false => 0,
            };
            lines.push(Line {
                id: 1_300_000_000_000_000_000 + id % 1_000_000_000_000 * 10 + i,
                fulfillment_line_id: 1_400_000_000_000_000_000 + id % 1_000_000_000_000 * 10 + i,
                product,
                variant,
                quantity,
                price: variant.price,
                discount,
                fulfilled: 0,
                refunded: 0,
            });
        }
        let goods: i64 = lines
            .iter()
            .map(|it| it.price * i64::from(it.quantity))
            .sum();
        let shipping = match goods >= 7_500 {
            true => 0,
            false => *rng.pick(&[599, 899, 1_250]),
        };
        let place = rng.pick(PLACES);
        let first_name = (*rng.pick(FIRST_NAMES)).to_owned();
        let last_name = (*rng.pick(LAST_NAMES)).to_owned();
        let customer = Customer {
            id: 7_000_000_000_000_000_000 + rng.below(1_000_000),
            email: format!(
                "{}.{}{}@example.com",
                first_name.to_lowercase(),
                last_name.to_lowercase().replace(['\'', 'ü'], ""),
                rng.below(100)
            ),
            first_name: first_name.clone(),
            last_name: last_name.clone(),
        };
        let address = Address {
            first_name,
            last_name,
            phone: format!("{} 555 {:04}", place.phone_prefix, rng.below(10_000)),
            address1: format!("{} {}", 1 + rng.below(2_000), rng.pick(STREETS)),
            address2: match rng.percent(30) {
                true => format!("Apt {}", 1 + rng.below(40)),
                false => String::new(),
            },
            place,
        };
        let pending = rng.percent(traffic.pending_percent);
        let plan = Plan {
            pays_after: match pending {
                true => (!rng.percent(20)).then(|| rng.between(HOUR, 36 * HOUR) / SECOND * SECOND),
                false => Some(0),
            },
            pending,
            refund: rng.percent(traffic.refund_percent).then(|| {
                (
                    rng.below(lines.len() as u64) as usize,
                    rng.between(10 * MINUTE, 12 * HOUR) / SECOND * SECOND,
                )
            }),
            change: rng.percent(traffic.change_percent).then(|| {
                (
                    rng.between(MINUTE, 6 * HOUR) / SECOND * SECOND,
                    rng.below(3),
                )
            }),
            fulfilled_elsewhere_after: rng
                .percent(traffic.fulfilled_elsewhere_percent)
                .then(|| rng.between(2 * HOUR, 30 * HOUR) / SECOND * SECOND),
            closes_after: rng.between(3 * DAY, 14 * DAY) / SECOND * SECOND,
        };
        let note = rng.percent(15).then(|| *rng.pick(NOTES));
        let tags = match rng.percent(30) {
            true => vec![*rng.pick(TAGS)],
            false => Vec::new(),
        };
        let order = Order {
            id,
            number: 1000 + n,
            fulfillment_order_id: 6_600_000_000_000_000_000 + id % 1_000_000_000_000,
            created_at: at,
            processed_at: at,
            updated_at: at,
            cancelled_at: None,
            closed_at: None,
            financial: match pending {
                true => Financial::Pending,
                false => Financial::Paid,
            },
            currency: "USD",
            customer,
            address,
            note,
            tags,
            shipping,
            lines,
            shipments: Vec::new(),
            refunds: Vec::new(),
            plan,
        };
        let plan = order.plan.clone();
        let index = self.orders.len();
        self.by_id.insert(order.id, index);
        self.by_fulfillment_order
            .insert(order.fulfillment_order_id, index);
        self.orders.push(order);
        match (plan.pending, plan.pays_after) {
            (true, Some(after)) => self.schedule(at.plus_millis(after), index, Step::Pay),
            (true, None) => self.schedule(at.plus_millis(2 * DAY), index, Step::Cancel),
            (false, _) => self.after_payment(index, at),
        }
    }

    fn after_payment(&mut self, index: usize, at: Timestamp) {
        let plan = self.orders[index].plan.clone();
        if let Some((_, after)) = plan.refund {
            self.schedule(at.plus_millis(after), index, Step::Refund);
        }
        if let Some((after, _)) = plan.change {
            self.schedule(at.plus_millis(after), index, Step::Change);
        }
        if let Some(after) = plan.fulfilled_elsewhere_after {
            self.schedule(at.plus_millis(after), index, Step::FulfilElsewhere);
        }
    }

    fn run(&mut self, index: usize, step: Step, at: Timestamp) {
        let plan = self.orders[index].plan.clone();
        match step {
            Step::Pay => {
                let order = &mut self.orders[index];
                order.financial = Financial::Paid;
                order.processed_at = at;
                order.updated_at = at;
                self.after_payment(index, at);
            }
            Step::Cancel => {
                let order = &mut self.orders[index];
                if order.financial != Financial::Pending {
                    return;
                }
                order.financial = Financial::Voided;
                order.cancelled_at = Some(at);
                order.closed_at = Some(at);
                order.updated_at = at;
            }
            Step::Refund => {
                let Some((line, _)) = plan.refund else {
                    return;
                };
                let seed = self.seed;
                let order = &mut self.orders[index];
                let refundable = order.lines[line].remaining();
                if refundable == 0 || order.cancelled_at.is_some() {
                    return;
                }
                let it = &mut order.lines[line];
                let amount = it.price * i64::from(refundable)
                    - it.discount * i64::from(refundable) / i64::from(it.quantity);
                it.refunded += refundable;
                order.refunds.push(Refund {
                    id: 9_100_000_000_000_000_000
                        + seed % 1000 * 1_000_000
                        + order.refunds.len() as u64
                        + order.id % 1_000_000_000 * 10,
                    created_at: at,
                    line,
                    quantity: refundable,
                    amount,
                });
                let all = order.lines.iter().all(|it| it.current_quantity() == 0);
                order.financial = match all {
                    true => Financial::Refunded,
                    false => Financial::PartiallyRefunded,
                };
                order.updated_at = at;
                if order.fulfillment_order_status() == FulfillmentOrderStatus::Closed {
                    self.schedule(at.plus_millis(plan.closes_after), index, Step::Close);
                }
            }
            Step::Change => {
                let Some((_, what)) = plan.change else {
                    return;
                };
                let order = &self.orders[index];
                if order.fulfillment() != Fulfillment::Unfulfilled || order.cancelled_at.is_some() {
                    return;
                }
                let mut rng = Rng::derive(self.seed, order.id ^ 0xc4a9_6e00);
                let order = &mut self.orders[index];
                match what {
                    0 => {
                        order.address.address1 =
                            format!("{} {}", 1 + rng.below(2_000), rng.pick(STREETS));
                    }
                    1 => order.note = Some(*rng.pick(NOTES)),
                    _ => order.tags.push(*rng.pick(TAGS)),
                }
                order.updated_at = at;
            }
            Step::FulfilElsewhere => {
                let order = &self.orders[index];
                let fulfillment_order = order.fulfillment_order_id;
                let number = format!("1Z999AA1{:010}", order.id % 10_000_000_000);
                // Refused when fulfilled through the API, refunded or cancelled meanwhile.
                let _ = self.fulfil(fulfillment_order, &[], "UPS", &number, at);
            }
            Step::Close => {
                let order = &mut self.orders[index];
                if order.closed_at.is_some() {
                    return;
                }
                order.closed_at = Some(at);
                order.updated_at = at;
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

fn whole_seconds(t: Timestamp) -> Timestamp {
    Timestamp::from_unix_millis(t.unix_millis().div_euclid(1000) * 1000)
}
