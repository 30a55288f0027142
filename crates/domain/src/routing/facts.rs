//! What conditions test, computed once per order: totals, SKUs and categories, weight, flags.

use std::collections::BTreeSet;

use crate::ids::SkuCode;
use crate::order::{RefundState, StandardOrder};
use crate::routing::network::Catalog;
use crate::routing::rules::{Condition, MessageTest, OrderFlag};
use crate::routing::{LocalTime, RoutingInput};
use crate::shop::ChannelKind;

/// An order's facts for rule conditions.
pub(crate) struct Facts<'a> {
    order: &'a StandardOrder,
    shop_code: &'a str,
    channel: ChannelKind,
    time: LocalTime,
    /// Our SKUs of the lines still to ship, combos and their components both.
    skus: BTreeSet<&'a SkuCode>,
    categories: BTreeSet<&'a str>,
    quantity: i64,
    weight_grams: i64,
    bonded: bool,
}

impl<'a> Facts<'a> {
    pub(crate) fn new(input: &RoutingInput<'a>, catalog: &'a Catalog) -> Facts<'a> {
        let order = input.order;
        let mut facts = Facts {
            order,
            shop_code: input.shop_code,
            channel: input.channel,
            time: input.time,
            skus: BTreeSet::new(),
            categories: BTreeSet::new(),
            quantity: 0,
            weight_grams: 0,
            bonded: order.flags.cross_border,
        };
        for line in order
            .lines
            .iter()
            .filter(|it| it.refund != RefundState::Refunded)
        {
            facts.quantity += i64::from(line.quantity.get());
            let Some(sku) = &line.sku else { continue };
            facts.skus.insert(sku);
            let Some(info) = catalog.info(sku) else {
                continue;
            };
            facts.categories.insert(&info.category);
            facts.bonded |= info.bonded;
            if info.components.is_empty() {
                facts.weight_grams += i64::from(info.weight_grams) * i64::from(line.quantity.get());
            }
            for component in &info.components {
                facts.skus.insert(&component.sku);
                if let Some(part) = catalog.info(&component.sku) {
                    facts.categories.insert(&part.category);
                    facts.bonded |= part.bonded;
                    facts.weight_grams += i64::from(part.weight_grams)
                        * i64::from(component.quantity.get())
                        * i64::from(line.quantity.get());
                }
            }
        }
        facts.categories.remove("");
        facts
    }

    /// Whether `condition` holds for this order.
    pub(crate) fn matches(&self, condition: &Condition) -> bool {
        let receiver = &self.order.receiver;
        match condition {
            Condition::Always => true,
            Condition::All(all) => all.iter().all(|it| self.matches(it)),
            Condition::Any(any) => any.iter().any(|it| self.matches(it)),
            Condition::Not(inner) => !self.matches(inner),
            Condition::Shop(codes) => codes.iter().any(|it| it == self.shop_code),
            Condition::Channel(kinds) => kinds.contains(&self.channel),
            Condition::Province(names) => names
                .iter()
                .any(|it| place_matches(it, &receiver.province, &receiver.area_code)),
            Condition::City(names) => names
                .iter()
                .any(|it| place_matches(it, &receiver.city, &receiver.area_code)),
            Condition::District(names) => names
                .iter()
                .any(|it| place_matches(it, &receiver.district, &receiver.area_code)),
            Condition::Region { members, .. } => members.iter().any(|it| {
                [&receiver.province, &receiver.city, &receiver.district]
                    .into_iter()
                    .any(|name| place_matches(it, name, &receiver.area_code))
            }),
            Condition::Sku(skus) => skus.iter().any(|it| self.skus.contains(it)),
            Condition::Category(categories) => categories
                .iter()
                .any(|it| self.categories.contains(it.as_str())),
            Condition::Quantity(range) => range.contains(self.quantity),
            Condition::Amount(range) => range.contains(self.order.amounts.paid.minor),
            Condition::Weight(range) => range.contains(self.weight_grams),
            Condition::Risk(range) => self
                .order
                .risk_score
                .is_some_and(|it| range.contains(i64::from(it))),
            Condition::Flag(flag) => self.flag(*flag),
            Condition::Tag(tag) => self.order.tags.iter().any(|it| it == tag),
            Condition::BuyerMessage(test) => {
                let message = self.order.buyer_message.trim();
                match test {
                    MessageTest::Present => !message.is_empty(),
                    MessageTest::Absent => message.is_empty(),
                    MessageTest::Contains(words) => words.iter().any(|it| message.contains(it)),
                }
            }
            Condition::TimeOfDay { from, to } => {
                let now = self.time.minute_of_day;
                if from <= to {
                    *from <= now && now < *to
                } else {
                    now >= *from || now < *to
                }
            }
            Condition::DayOfWeek(days) => days.contains(&self.time.weekday),
        }
    }

    pub(crate) fn flag(&self, flag: OrderFlag) -> bool {
        let flags = self.order.flags;
        match flag {
            OrderFlag::Presale => flags.presale,
            OrderFlag::CrossBorder => self.bonded,
            OrderFlag::Cod => flags.cod,
            OrderFlag::Gift => flags.gift,
            OrderFlag::DoNotShip => flags.do_not_ship,
        }
    }
}

/// A name matches when the place's name starts with it (`浙江` and `浙江省`); digits match as an
/// area-code prefix.
fn place_matches(wanted: &str, name: &str, area_code: &str) -> bool {
    if !wanted.is_empty() && wanted.bytes().all(|b| b.is_ascii_digit()) {
        return area_code.starts_with(wanted);
    }
    !wanted.is_empty() && name.starts_with(wanted)
}
