//! Routing (DESIGN §6): every paid order gets a decision — which warehouses and carriers ship which
//! lines, or which holds send it to the review queue — from the rules, the network, the catalogue and
//! a stock snapshot, all passed in. The same inputs always give the same decision, so a decision is
//! recorded with the snapshot it saw and replaying a rule set reproduces or explains it.
//!
//! [`decide`] runs the rules in order (each firing rule's actions shape the decision; `stop` ends the
//! run), then the default strategy plans the shipments: the fewest shipments first, then the nearest
//! warehouse with stock, never a split leaving a shipment below the minimum value. [`merge`] joins the
//! shipments of one buyer's orders to one address.

mod facts;
mod geo;
mod merge;
mod network;
mod plan;
mod rules;
#[cfg(test)]
mod tests;

use std::collections::BTreeSet;
use std::fmt::Write as _;

pub use crate::routing::merge::{MergeKeys, MergedShipment, RoutedOrder, merge, merge_key};
pub use crate::routing::network::{
    Catalog, LocalTime, Network, SkuInfo, StockSnapshot, WarehouseSpec,
};
pub use crate::routing::rules::{
    Action, Condition, MessageTest, OrderFlag, Range, Rule, RuleSet, SplitPolicy,
};

use crate::ids::{Quantity, SkuCode, WarehouseCode};
use crate::order::{HoldReason, RefundState, StandardOrder};
use crate::routing::facts::Facts;
use crate::shop::ChannelKind;

/// One order to decide, with what the order alone does not say.
#[derive(Clone, Copy, Debug)]
pub struct RoutingInput<'a> {
    pub order: &'a StandardOrder,
    pub shop_code: &'a str,
    pub channel: ChannelKind,
    /// Hold reasons a person already released for this order: rules do not hold it for them again.
    pub waived: &'a BTreeSet<HoldReason>,
    /// Warehouses that reached their daily capacity: ranked after every other candidate.
    pub full: &'a BTreeSet<WarehouseCode>,
    pub time: LocalTime,
}

/// What routing decided for one order, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The rules that fired, in order.
    pub fired: Vec<String>,
    pub tags: BTreeSet<String>,
    /// Whether the order may share a shipment with other orders of the same buyer and address.
    pub merge: bool,
    /// What the default strategy noted (a gift left out, a carrier the warehouse does not use).
    pub notes: Vec<String>,
    pub outcome: Outcome,
}

/// Ship, or wait in the review queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    Ship(Vec<PlannedShipment>),
    Hold {
        reasons: BTreeSet<HoldReason>,
        detail: String,
    },
}

/// One shipment of a plan: lines (whole) from one warehouse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedShipment {
    pub warehouse: WarehouseCode,
    pub carrier: Option<String>,
    pub lines: Vec<PlannedLine>,
    /// Units of gift SKUs to reserve and pack with it.
    pub gifts: Vec<(SkuCode, u32)>,
}

/// An order line in a shipment and the stock it takes (a combo's components).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlannedLine {
    pub line_no: u32,
    pub quantity: Quantity,
    pub goods: Vec<(SkuCode, u32)>,
}

/// What the rules asked for, gathered before planning.
#[derive(Clone, Debug, Default)]
pub(crate) struct Asked {
    pub(crate) assign: Option<Vec<WarehouseCode>>,
    pub(crate) require: BTreeSet<String>,
    pub(crate) holds: BTreeSet<HoldReason>,
    pub(crate) carrier: Option<String>,
    pub(crate) gifts: Vec<(SkuCode, u32)>,
    pub(crate) split: Option<SplitPolicy>,
    pub(crate) apart: BTreeSet<SkuCode>,
    pub(crate) merge: Option<bool>,
}

/// Decides one order. Pure and deterministic: the same inputs give the same decision.
pub fn decide(
    input: &RoutingInput<'_>,
    rules: &RuleSet,
    network: &Network,
    catalog: &Catalog,
    stock: &StockSnapshot,
) -> Decision {
    let facts = Facts::new(input, catalog);
    let mut asked = Asked::default();
    let mut fired = Vec::new();
    let mut tags = BTreeSet::new();
    for rule in &rules.rules {
        if !facts.matches(&rule.when) {
            continue;
        }
        fired.push(rule.name.clone());
        for action in &rule.then {
            match action {
                Action::Assign(list) => {
                    asked.assign.get_or_insert_with(|| list.clone());
                }
                Action::Require(capability) => {
                    asked.require.insert(capability.clone());
                }
                Action::Hold(reason) => {
                    if !input.waived.contains(reason) {
                        asked.holds.insert(*reason);
                    }
                }
                Action::Tag(tag) => {
                    tags.insert(tag.clone());
                }
                Action::Carrier(code) => {
                    asked.carrier.get_or_insert_with(|| code.clone());
                }
                Action::Gift { sku, quantity } => asked.gifts.push((sku.clone(), quantity.get())),
                Action::Split(policy) => {
                    asked.split.get_or_insert(*policy);
                }
                Action::ShipApart(skus) => asked.apart.extend(skus.iter().cloned()),
                Action::Merge(allowed) => {
                    asked.merge.get_or_insert(*allowed);
                }
            }
        }
        if rule.stop {
            break;
        }
    }
    let flags = input.order.flags;
    let merge = asked.merge.unwrap_or(true) && !flags.cod && !flags.gift;
    let mut notes = Vec::new();
    let outcome = match platform_holds(input) {
        Some(outcome) => outcome,
        None if !asked.holds.is_empty() => Outcome::Hold {
            reasons: asked.holds.clone(),
            detail: format!("held by rule: {}", fired.join(", ")),
        },
        None => plan::plan(input, &asked, network, catalog, stock, &mut notes),
    };
    Decision {
        fired,
        tags,
        merge,
        notes,
        outcome,
    }
}

/// Holds that come from the platform's data, before any rule: a line nobody mapped, the platform's
/// do-not-ship flag, a refund under way.
fn platform_holds(input: &RoutingInput<'_>) -> Option<Outcome> {
    let order = input.order;
    let mut reasons = BTreeSet::new();
    let mut detail = Vec::new();
    if let Some(line) = order.lines.iter().find(|it| it.sku.is_none()) {
        reasons.insert(HoldReason::UnknownSku);
        detail.push(format!("line {} has no SKU of ours", line.line_no));
    }
    if order.flags.do_not_ship && !input.waived.contains(&HoldReason::DoNotShip) {
        reasons.insert(HoldReason::DoNotShip);
        detail.push("the platform says do not ship".to_owned());
    }
    let refunding = order
        .lines
        .iter()
        .find(|it| it.refund == RefundState::Requested);
    if let Some(line) = refunding.filter(|_| !input.waived.contains(&HoldReason::RefundPending)) {
        reasons.insert(HoldReason::RefundPending);
        detail.push(format!("line {} has a refund requested", line.line_no));
    }
    if order
        .lines
        .iter()
        .all(|it| it.refund == RefundState::Refunded)
    {
        reasons.insert(HoldReason::RefundPending);
        detail.push("every line is refunded".to_owned());
    }
    (!reasons.is_empty()).then(|| Outcome::Hold {
        reasons,
        detail: detail.join("; "),
    })
}

impl Decision {
    /// A stable one-line text of the decision: what a replay compares and the timeline shows.
    ///
    /// `ship JX01/SF 1x2 2x1 +GIFT-01x1 | BS01 3x1 ; rules a, b ; tags vip ; merge no`, or
    /// `hold out_of_stock,risk ; rules …`.
    pub fn encode(&self) -> String {
        let mut out = String::new();
        match &self.outcome {
            Outcome::Ship(shipments) => {
                out.push_str("ship");
                for (i, shipment) in shipments.iter().enumerate() {
                    out.push_str(if i == 0 { " " } else { " | " });
                    out.push_str(shipment.warehouse.as_str());
                    if let Some(carrier) = &shipment.carrier {
                        let _ = write!(out, "/{carrier}");
                    }
                    for line in &shipment.lines {
                        let _ = write!(out, " {}x{}", line.line_no, line.quantity.get());
                    }
                    for (sku, n) in &shipment.gifts {
                        let _ = write!(out, " +{}x{n}", sku.as_str());
                    }
                }
            }
            Outcome::Hold { reasons, .. } => {
                out.push_str("hold ");
                let reasons: Vec<_> = reasons.iter().map(|it| it.as_str()).collect();
                out.push_str(&reasons.join(","));
            }
        }
        if !self.fired.is_empty() {
            let _ = write!(out, " ; rules {}", self.fired.join(", "));
        }
        if !self.tags.is_empty() {
            let tags: Vec<_> = self.tags.iter().map(String::as_str).collect();
            let _ = write!(out, " ; tags {}", tags.join(", "));
        }
        if !self.merge {
            out.push_str(" ; merge no");
        }
        out
    }

    /// Why, for a person: each fired rule with its condition, the hold detail and the notes.
    pub fn explain(&self, rules: &RuleSet) -> String {
        let mut lines = Vec::new();
        for name in &self.fired {
            let when = rules
                .rules
                .iter()
                .find(|it| &it.name == name)
                .map(|it| it.when.describe())
                .unwrap_or_default();
            lines.push(format!("rule {name:?} fired: {when}"));
        }
        if self.fired.is_empty() {
            lines.push("no rule fired: default strategy".to_owned());
        }
        if let Outcome::Hold { detail, .. } = &self.outcome {
            lines.push(detail.clone());
        }
        lines.extend(self.notes.iter().cloned());
        lines.join("\n")
    }

    /// The warehouses this decision ships from, or its hold reasons: how replay counts changes.
    pub fn destination(&self) -> String {
        match &self.outcome {
            Outcome::Ship(shipments) => {
                let codes: BTreeSet<_> = shipments.iter().map(|it| it.warehouse.as_str()).collect();
                codes.into_iter().collect::<Vec<_>>().join("+")
            }
            Outcome::Hold { reasons, .. } => {
                let reasons: Vec<_> = reasons.iter().map(|it| it.as_str()).collect();
                format!("review:{}", reasons.join(","))
            }
        }
    }
}
