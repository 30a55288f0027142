//! From the file's text to a `RuleSet`: each rule read on its own (so an error names it), every name
//! checked against what the deployment knows.

use std::collections::{BTreeMap, BTreeSet};

use domain::routing::{
    Action, Condition, MessageTest, Network, OrderFlag, Range, Rule, RuleSet, SplitPolicy,
};
use domain::{ChannelKind, HoldReason, Quantity, SkuCode, WarehouseCode};

use crate::cases::{TestCase, read_case};
use crate::document::{CaseDoc, FileDoc, OneOrMany, RangeDoc, RuleDoc, ThenDoc, WhenDoc};
use crate::{RuleError, RuleErrors};

/// What rules may name.
#[derive(Clone, Copy, Debug)]
pub struct Known<'a> {
    pub network: &'a Network,
    pub carriers: &'a BTreeSet<String>,
    /// Our SKUs; `None` skips the check (a file tested without a catalogue).
    pub skus: Option<&'a BTreeSet<SkuCode>>,
    /// Shop codes; `None` skips the check.
    pub shops: Option<&'a BTreeSet<String>>,
}

/// A compiled file: its rules and its test cases.
#[derive(Clone, Debug)]
pub struct RuleFile {
    pub rules: RuleSet,
    pub cases: Vec<TestCase>,
}

/// Reads and checks a rule file. All mistakes are returned together.
pub fn compile(text: &str, known: &Known<'_>) -> Result<RuleFile, RuleErrors> {
    let doc: FileDoc = toml::from_str(text).map_err(|err| {
        let line = err
            .span()
            .map_or(0, |span| text[..span.start].matches('\n').count() + 1);
        RuleErrors(vec![RuleError {
            place: "file".to_owned(),
            field: format!("line {line}"),
            message: err.message().to_owned(),
        }])
    })?;
    let mut errors = Vec::new();
    for (name, members) in &doc.regions {
        if members.is_empty() {
            errors.push(RuleError {
                place: "regions".to_owned(),
                field: name.clone(),
                message: "a region needs at least one member".to_owned(),
            });
        }
    }
    let mut rules = Vec::new();
    let mut names = BTreeSet::new();
    for (i, table) in doc.rules.iter().enumerate() {
        let label = table
            .get("name")
            .and_then(|it| it.as_str())
            .map_or(format!("rule {}", i + 1), |name| {
                format!("rule {} {name:?}", i + 1)
            });
        let mut check = Check {
            place: label,
            errors: &mut errors,
            known,
            regions: &doc.regions,
        };
        let rule: RuleDoc = match table.clone().try_into() {
            Ok(rule) => rule,
            Err(err) => {
                check.error("", err.message());
                continue;
            }
        };
        if !names.insert(rule.name.clone()) {
            check.error("name", "another rule has this name");
        }
        let when = match &rule.when {
            Some(when) => check.when(when, "when"),
            None => Condition::Always,
        };
        let before = check.errors.len();
        let then = check.then(&rule.then);
        if then.is_empty() && check.errors.len() == before {
            check.error("then", "a rule needs at least one action");
        }
        rules.push(Rule {
            name: rule.name,
            when,
            then,
            stop: rule.stop,
        });
    }
    let mut cases = Vec::new();
    for (i, table) in doc.tests.iter().enumerate() {
        let label = table
            .get("name")
            .and_then(|it| it.as_str())
            .map_or(format!("test {}", i + 1), |name| format!("test {name:?}"));
        let case: CaseDoc = match table.clone().try_into() {
            Ok(case) => case,
            Err(err) => {
                errors.push(RuleError {
                    place: label,
                    field: String::new(),
                    message: err.message().to_owned(),
                });
                continue;
            }
        };
        match read_case(case, known) {
            Ok(case) => cases.push(case),
            Err((field, message)) => errors.push(RuleError {
                place: label,
                field,
                message,
            }),
        }
    }
    if !errors.is_empty() {
        return Err(RuleErrors(errors));
    }
    Ok(RuleFile {
        rules: RuleSet { version: 0, rules },
        cases,
    })
}

struct Check<'a, 'k> {
    place: String,
    errors: &'a mut Vec<RuleError>,
    known: &'a Known<'k>,
    regions: &'a BTreeMap<String, Vec<String>>,
}

impl Check<'_, '_> {
    fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(RuleError {
            place: self.place.clone(),
            field: field.to_owned(),
            message: message.into(),
        });
    }

    fn when(&mut self, doc: &WhenDoc, path: &str) -> Condition {
        let mut all = Vec::new();
        let field = |name: &str| format!("{path}.{name}");
        if let Some(list) = &doc.all {
            let inner = list
                .iter()
                .enumerate()
                .map(|(i, it)| self.when(it, &format!("{path}.all[{i}]")))
                .collect();
            all.push(Condition::All(inner));
        }
        if let Some(list) = &doc.any {
            let inner = list
                .iter()
                .enumerate()
                .map(|(i, it)| self.when(it, &format!("{path}.any[{i}]")))
                .collect();
            all.push(Condition::Any(inner));
        }
        if let Some(inner) = &doc.not {
            all.push(Condition::Not(Box::new(self.when(inner, &field("not")))));
        }
        if let Some(shops) = &doc.shop {
            let shops = shops.to_vec();
            if let Some(known) = self.known.shops {
                for shop in shops.iter().filter(|it| !known.contains(*it)) {
                    self.error(&field("shop"), format!("unknown shop {shop:?}"));
                }
            }
            all.push(Condition::Shop(shops));
        }
        if let Some(channels) = &doc.channel {
            let mut kinds = Vec::new();
            for name in channels.to_vec() {
                match ChannelKind::parse(&name) {
                    Some(kind) => kinds.push(kind),
                    None => self.error(&field("channel"), format!("unknown channel {name:?}")),
                }
            }
            all.push(Condition::Channel(kinds));
        }
        let places = [
            (&doc.province, "province"),
            (&doc.city, "city"),
            (&doc.district, "district"),
        ];
        for (names, name) in places {
            let Some(names) = names else { continue };
            let names = names.to_vec();
            if names.iter().any(String::is_empty) {
                self.error(&field(name), "an empty name matches nothing");
            }
            all.push(match name {
                "province" => Condition::Province(names),
                "city" => Condition::City(names),
                _ => Condition::District(names),
            });
        }
        if let Some(regions) = &doc.region {
            let mut any = Vec::new();
            for name in regions.to_vec() {
                match self.regions.get(&name) {
                    Some(members) => any.push(Condition::Region {
                        name,
                        members: members.clone(),
                    }),
                    None => {
                        let known: Vec<_> = self.regions.keys().map(String::as_str).collect();
                        self.error(
                            &field("region"),
                            format!(
                                "unknown region {name:?}; [regions] defines: {}",
                                known.join(", ")
                            ),
                        );
                    }
                }
            }
            all.push(match any.len() {
                1 => any.remove(0),
                _ => Condition::Any(any),
            });
        }
        if let Some(skus) = &doc.sku {
            let skus = self.skus(skus, &field("sku"));
            all.push(Condition::Sku(skus));
        }
        if let Some(categories) = &doc.category {
            all.push(Condition::Category(categories.to_vec()));
        }
        let ranges = [
            (doc.quantity, "quantity", 1.0),
            (doc.amount, "amount", 100.0),
            (doc.weight, "weight", 1.0),
            (doc.risk, "risk", 1.0),
        ];
        for (range, name, scale) in ranges {
            let Some(range) = range else { continue };
            let range = self.range(range, &field(name), scale);
            all.push(match name {
                "quantity" => Condition::Quantity(range),
                "amount" => Condition::Amount(range),
                "weight" => Condition::Weight(range),
                _ => Condition::Risk(range),
            });
        }
        if let Some(flags) = &doc.flag {
            for name in flags.to_vec() {
                match OrderFlag::parse(&name) {
                    Some(flag) => all.push(Condition::Flag(flag)),
                    None => {
                        let known: Vec<_> = OrderFlag::ALL.iter().map(|it| it.as_str()).collect();
                        self.error(
                            &field("flag"),
                            format!("unknown flag {name:?}; flags are {}", known.join(", ")),
                        );
                    }
                }
            }
        }
        if let Some(tag) = &doc.tag {
            all.push(Condition::Tag(tag.clone()));
        }
        if let Some(present) = doc.buyer_message {
            all.push(Condition::BuyerMessage(match present {
                true => MessageTest::Present,
                false => MessageTest::Absent,
            }));
        }
        if let Some(words) = &doc.message_contains {
            all.push(Condition::BuyerMessage(MessageTest::Contains(
                words.to_vec(),
            )));
        }
        if let Some(time) = &doc.time {
            match parse_time_range(time) {
                Some((from, to)) => all.push(Condition::TimeOfDay { from, to }),
                None => self.error(
                    &field("time"),
                    format!("{time:?} is not a range like \"22:00-06:00\""),
                ),
            }
        }
        if let Some(days) = &doc.weekday {
            let mut set = BTreeSet::new();
            for day in days.to_vec() {
                match parse_weekday(&day) {
                    Some(n) => {
                        set.insert(n);
                    }
                    None => self.error(
                        &field("weekday"),
                        format!("{day:?} is not a weekday (mon … sun)"),
                    ),
                }
            }
            all.push(Condition::DayOfWeek(set));
        }
        match all.len() {
            0 => Condition::Always,
            1 => all.remove(0),
            _ => Condition::All(all),
        }
    }

    fn then(&mut self, doc: &ThenDoc) -> Vec<Action> {
        let mut actions = Vec::new();
        if let Some(codes) = &doc.assign {
            let mut list = Vec::new();
            for (i, code) in codes.to_vec().into_iter().enumerate() {
                let field = format!("then.assign[{i}]");
                match WarehouseCode::new(&code) {
                    Ok(code) if self.known.network.warehouse(&code).is_some() => list.push(code),
                    Ok(_) | Err(_) => {
                        let known: Vec<_> = self
                            .known
                            .network
                            .warehouses
                            .iter()
                            .map(|it| it.code.as_str())
                            .collect();
                        self.error(
                            &field,
                            format!("unknown warehouse {code:?}; known: {}", known.join(", ")),
                        );
                    }
                }
            }
            actions.push(Action::Assign(list));
        }
        if let Some(capabilities) = &doc.require {
            let known: BTreeSet<&str> = self
                .known
                .network
                .warehouses
                .iter()
                .flat_map(|it| it.capabilities.iter().map(String::as_str))
                .collect();
            for capability in capabilities.to_vec() {
                if !known.contains(capability.as_str()) {
                    self.error(
                        "then.require",
                        format!("no warehouse has the capability {capability:?}"),
                    );
                }
                actions.push(Action::Require(capability));
            }
        }
        if let Some(holds) = &doc.hold {
            for name in holds.to_vec() {
                match HoldReason::parse(&name) {
                    Some(reason) => actions.push(Action::Hold(reason)),
                    None => {
                        let known: Vec<_> = HoldReason::ALL.iter().map(|it| it.as_str()).collect();
                        self.error(
                            "then.hold",
                            format!(
                                "unknown hold reason {name:?}; reasons are {}",
                                known.join(", ")
                            ),
                        );
                    }
                }
            }
        }
        if let Some(tags) = &doc.tag {
            actions.extend(tags.to_vec().into_iter().map(Action::Tag));
        }
        if let Some(carrier) = &doc.carrier {
            if !self.known.carriers.contains(carrier) {
                let known: Vec<_> = self.known.carriers.iter().map(String::as_str).collect();
                self.error(
                    "then.carrier",
                    format!("unknown carrier {carrier:?}; known: {}", known.join(", ")),
                );
            }
            actions.push(Action::Carrier(carrier.clone()));
        }
        if let Some(gifts) = &doc.gift {
            for gift in gifts.to_vec_ref() {
                let skus = self.skus(&OneOrMany::One(gift.sku.clone()), "then.gift.sku");
                let quantity = Quantity::new(gift.quantity);
                match (skus.into_iter().next(), quantity) {
                    (Some(sku), Ok(quantity)) => actions.push(Action::Gift { sku, quantity }),
                    (_, Err(_)) => self.error("then.gift.quantity", "must be at least 1"),
                    (None, Ok(_)) => {}
                }
            }
        }
        if let Some(split) = &doc.split {
            match split.as_str() {
                "forbid" => actions.push(Action::Split(SplitPolicy::Forbid)),
                "force" => actions.push(Action::Split(SplitPolicy::Force)),
                other => self.error(
                    "then.split",
                    format!("{other:?} is neither \"forbid\" nor \"force\""),
                ),
            }
        }
        if let Some(skus) = &doc.ship_apart {
            let skus = self.skus(skus, "then.ship_apart");
            actions.push(Action::ShipApart(skus));
        }
        if let Some(merge) = doc.merge {
            actions.push(Action::Merge(merge));
        }
        actions
    }

    fn skus(&mut self, codes: &OneOrMany<String>, field: &str) -> Vec<SkuCode> {
        let mut out = Vec::new();
        for code in codes.to_vec() {
            match SkuCode::new(&code) {
                Ok(sku) if self.known.skus.is_none_or(|known| known.contains(&sku)) => {
                    out.push(sku)
                }
                Ok(_) => self.error(field, format!("unknown SKU {code:?}")),
                Err(err) => self.error(field, format!("{code:?}: {err}")),
            }
        }
        out
    }

    fn range(&mut self, doc: RangeDoc, field: &str, scale: f64) -> Range {
        let convert = |value: Option<f64>| value.map(|it| (it * scale).round() as i64);
        let range = Range {
            min: convert(doc.min),
            max: convert(doc.max),
        };
        match (range.min, range.max) {
            (None, None) => self.error(field, "give min, max or both"),
            (Some(min), Some(max)) if min > max => {
                self.error(field, format!("min {min} is above max {max}"))
            }
            _ => {}
        }
        range
    }
}

impl<T> OneOrMany<T> {
    fn to_vec_ref(&self) -> Vec<&T> {
        match self {
            OneOrMany::One(it) => vec![it],
            OneOrMany::Many(it) => it.iter().collect(),
        }
    }
}

/// `"HH:MM"` → minutes after midnight.
pub(crate) fn parse_clock(text: &str) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

fn parse_time_range(text: &str) -> Option<(u16, u16)> {
    let (from, to) = text.split_once('-')?;
    let (from, to) = (parse_clock(from)?, parse_clock(to)?);
    (from != to).then_some((from, to))
}

/// `mon` … `sun` (or 1 … 7) → ISO weekday.
pub(crate) fn parse_weekday(text: &str) -> Option<u8> {
    const DAYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let text = text.trim().to_ascii_lowercase();
    DAYS.iter()
        .position(|it| text.starts_with(it))
        .map(|i| i as u8 + 1)
        .or_else(|| text.parse().ok().filter(|n| (1..=7).contains(n)))
}
