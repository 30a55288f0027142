//! Rules as values: conditions over an order's facts, actions that shape its decision. The file format
//! lives in the `rules` crate; here a rule set is already valid.

use std::collections::BTreeSet;

use crate::ids::{Quantity, SkuCode, WarehouseCode};
use crate::order::HoldReason;
use crate::shop::ChannelKind;

/// An ordered, versioned list of rules and the named regions they refer to.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RuleSet {
    /// The stored version this set is (0 for a set not stored yet, e.g. a file under test).
    pub version: u32,
    pub rules: Vec<Rule>,
}

/// One named rule: when its condition holds, its actions apply; `stop` ends the evaluation after it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub name: String,
    pub when: Condition,
    pub then: Vec<Action>,
    pub stop: bool,
}

/// An inclusive range; an open end is `None`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Range {
    pub min: Option<i64>,
    pub max: Option<i64>,
}

impl Range {
    pub fn contains(self, value: i64) -> bool {
        self.min.is_none_or(|min| value >= min) && self.max.is_none_or(|max| value <= max)
    }
}

/// The order flags a condition can test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum OrderFlag {
    Presale,
    /// The order is flagged cross-border, or one of its SKUs is bonded goods.
    CrossBorder,
    Cod,
    Gift,
    DoNotShip,
}

impl OrderFlag {
    pub const ALL: [OrderFlag; 5] = [
        OrderFlag::Presale,
        OrderFlag::CrossBorder,
        OrderFlag::Cod,
        OrderFlag::Gift,
        OrderFlag::DoNotShip,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderFlag::Presale => "presale",
            OrderFlag::CrossBorder => "cross_border",
            OrderFlag::Cod => "cod",
            OrderFlag::Gift => "gift",
            OrderFlag::DoNotShip => "do_not_ship",
        }
    }

    pub fn parse(text: &str) -> Option<OrderFlag> {
        OrderFlag::ALL.into_iter().find(|it| it.as_str() == text)
    }
}

/// What a condition says about the buyer's message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MessageTest {
    Present,
    Absent,
    /// Contains any of these words.
    Contains(Vec<String>),
}

/// A test over an order. Lists match when any member matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Condition {
    /// Always true: a rule without conditions.
    Always,
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// Shop codes.
    Shop(Vec<String>),
    Channel(Vec<ChannelKind>),
    /// Names the receiver's province starts with (`浙江` matches `浙江省`), or area-code prefixes.
    Province(Vec<String>),
    City(Vec<String>),
    District(Vec<String>),
    /// A named region and its members (province, city or district names, or area-code prefixes).
    Region {
        name: String,
        members: Vec<String>,
    },
    /// Any line is one of these SKUs (a combo or one of its components).
    Sku(Vec<SkuCode>),
    /// Any line's SKU is in one of these categories.
    Category(Vec<String>),
    /// Total units ordered.
    Quantity(Range),
    /// Paid amount in minor units.
    Amount(Range),
    /// Total weight in grams, from the SKU catalogue.
    Weight(Range),
    /// The platform's or our risk score; an order without one never matches.
    Risk(Range),
    Flag(OrderFlag),
    Tag(String),
    BuyerMessage(MessageTest),
    /// Minutes after local midnight, `from` inclusive, `to` exclusive; wraps past midnight when
    /// `from > to`.
    TimeOfDay {
        from: u16,
        to: u16,
    },
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    DayOfWeek(BTreeSet<u8>),
}

/// Whether an order's lines may go out in several shipments.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SplitPolicy {
    /// One shipment or none: wait for stock rather than split.
    Forbid,
    /// Presale, bonded and designated SKUs ship apart from the rest (the default does this too);
    /// `Force` also splits every category apart.
    Force,
}

impl SplitPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            SplitPolicy::Forbid => "forbid",
            SplitPolicy::Force => "force",
        }
    }
}

/// What a firing rule does to the decision. Where actions of several rules compete (warehouse,
/// carrier, split, merge), the first rule to set it wins; holds, tags, requirements and gifts add up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Ship from these warehouses only, in this order of preference.
    Assign(Vec<WarehouseCode>),
    /// Ship only from warehouses with this capability (e.g. `bonded`).
    Require(String),
    Hold(HoldReason),
    Tag(String),
    Carrier(String),
    Gift {
        sku: SkuCode,
        quantity: Quantity,
    },
    Split(SplitPolicy),
    /// These SKUs always ship in a shipment of their own.
    ShipApart(Vec<SkuCode>),
    /// Whether the order may share a shipment with other orders of the same buyer and address.
    Merge(bool),
}

impl Condition {
    /// The condition in words, for explanations: `region 江浙沪 and not flag cod`.
    pub fn describe(&self) -> String {
        let list = |items: &[String]| items.join("|");
        let range = |name: &str, range: &Range| match (range.min, range.max) {
            (Some(min), Some(max)) => format!("{name} {min}..={max}"),
            (Some(min), None) => format!("{name} >= {min}"),
            (None, Some(max)) => format!("{name} <= {max}"),
            (None, None) => format!("{name} any"),
        };
        match self {
            Condition::Always => "always".to_owned(),
            Condition::All(all) => {
                let parts: Vec<_> = all.iter().map(Condition::describe).collect();
                format!("({})", parts.join(" and "))
            }
            Condition::Any(any) => {
                let parts: Vec<_> = any.iter().map(Condition::describe).collect();
                format!("({})", parts.join(" or "))
            }
            Condition::Not(inner) => format!("not {}", inner.describe()),
            Condition::Shop(codes) => format!("shop {}", list(codes)),
            Condition::Channel(kinds) => {
                let kinds: Vec<_> = kinds.iter().map(|it| it.as_str().to_owned()).collect();
                format!("channel {}", list(&kinds))
            }
            Condition::Province(names) => format!("province {}", list(names)),
            Condition::City(names) => format!("city {}", list(names)),
            Condition::District(names) => format!("district {}", list(names)),
            Condition::Region { name, .. } => format!("region {name}"),
            Condition::Sku(skus) => {
                let skus: Vec<_> = skus.iter().map(|it| it.as_str().to_owned()).collect();
                format!("sku {}", list(&skus))
            }
            Condition::Category(names) => format!("category {}", list(names)),
            Condition::Quantity(r) => range("quantity", r),
            Condition::Amount(r) => range("amount (minor units)", r),
            Condition::Weight(r) => range("weight (g)", r),
            Condition::Risk(r) => range("risk", r),
            Condition::Flag(flag) => format!("flag {}", flag.as_str()),
            Condition::Tag(tag) => format!("tag {tag}"),
            Condition::BuyerMessage(MessageTest::Present) => "buyer message present".to_owned(),
            Condition::BuyerMessage(MessageTest::Absent) => "no buyer message".to_owned(),
            Condition::BuyerMessage(MessageTest::Contains(words)) => {
                format!("buyer message contains {}", list(words))
            }
            Condition::TimeOfDay { from, to } => format!(
                "time {:02}:{:02}-{:02}:{:02}",
                from / 60,
                from % 60,
                to / 60,
                to % 60
            ),
            Condition::DayOfWeek(days) => {
                let days: Vec<_> = days.iter().map(u8::to_string).collect();
                format!("weekday {}", list(&days))
            }
        }
    }
}
