//! Deadlines and alerts (issue 6): how long each stage of fulfilment may take, and which overdue
//! work raises, escalates or clears an alert.
//!
//! Four stages, each measured from when its work began:
//!
//! ```text
//! allocate  an order from paid until it is allocated                     (subject: the order)
//! claim     a shipment from allocated (or given back, or its claim expired) until claimed
//! ship      a shipment from claimed (or taken over) until shipped        (subject: the shipment)
//! promised  an order from paid until shipped, against its ship-by time    (subject: the order)
//! ```
//!
//! The promised stage's ship-by time is the platform's promise when the order carries one, else paid
//! plus the shop's promised duration. A [`DeadlinePolicy`] gives each stage a due and an escalate
//! duration, overridable per shop and per warehouse (a warehouse's override wins over its shop's).
//!
//! [`assess`] compares the open work with the open alerts: work past due and not yet alerted raises
//! an alert (already escalated if it is past the second deadline too), an overdue alert past its
//! second deadline escalates, and an alert whose work is done or no longer overdue clears. An alert
//! is named by its [`AlertKey`] (stage and subject), so the same overdue work raises once however
//! often it is assessed.

#[cfg(test)]
mod tests;

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use crate::ids::{OrderId, ShipmentId, ShopId, WarehouseCode};
use crate::time::Timestamp;

const HOUR: i64 = 3_600_000;

/// A stage of fulfilment with a deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stage {
    /// Paid → allocated.
    Allocate,
    /// Allocated → claimed.
    Claim,
    /// Claimed → shipped.
    Ship,
    /// Paid → shipped, against the promised ship-by time.
    Promised,
}

impl Stage {
    pub const ALL: [Stage; 4] = [Stage::Allocate, Stage::Claim, Stage::Ship, Stage::Promised];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Allocate => "allocate",
            Stage::Claim => "claim",
            Stage::Ship => "ship",
            Stage::Promised => "promised",
        }
    }

    pub fn parse(text: &str) -> Option<Stage> {
        Stage::ALL.into_iter().find(|it| it.as_str() == text)
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a piece of work is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Subject {
    Order(OrderId),
    Shipment(ShipmentId),
}

impl Subject {
    /// `order:12` or `shipment:7`.
    pub fn encode(self) -> String {
        match self {
            Subject::Order(id) => format!("order:{id}"),
            Subject::Shipment(id) => format!("shipment:{id}"),
        }
    }

    pub fn parse(text: &str) -> Option<Subject> {
        let (kind, id) = text.split_once(':')?;
        let id: i64 = id.parse().ok()?;
        match kind {
            "order" => Some(Subject::Order(OrderId(id))),
            "shipment" => Some(Subject::Shipment(ShipmentId(id))),
            _ => None,
        }
    }
}

/// The identity of an alert: one per stage and subject, so overdue work raises once.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct AlertKey(String);

impl AlertKey {
    pub fn new(stage: Stage, subject: Subject) -> AlertKey {
        AlertKey(format!("{}/{}", stage.as_str(), subject.encode()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for AlertKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Open work in one stage, as the store sees it at the time of the assessment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WorkItem {
    pub stage: Stage,
    pub subject: Subject,
    /// The shop of the order (of the shipment's first order).
    pub shop: ShopId,
    /// The shipment's warehouse; `None` for orders.
    pub warehouse: Option<WarehouseCode>,
    /// When the stage began (paid; allocated or given back; claimed or taken over).
    pub since: Timestamp,
    /// The platform's promised ship-by time, for the promised stage when the order carries one.
    pub promised: Option<Timestamp>,
}

/// How far overdue an alert is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum AlertLevel {
    /// Past the first deadline.
    Overdue,
    /// Past the second deadline.
    Escalated,
}

impl AlertLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AlertLevel::Overdue => "overdue",
            AlertLevel::Escalated => "escalated",
        }
    }

    pub fn parse(text: &str) -> Option<AlertLevel> {
        [AlertLevel::Overdue, AlertLevel::Escalated]
            .into_iter()
            .find(|it| it.as_str() == text)
    }
}

/// An alert raised and not yet cleared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenAlert {
    pub key: AlertKey,
    pub level: AlertLevel,
}

/// The two deadlines of a stage, as durations from the stage's start in milliseconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Deadline {
    /// Overdue after this long.
    pub due_millis: i64,
    /// Escalated after this long (at least `due_millis`).
    pub escalate_millis: i64,
}

impl Deadline {
    /// A deadline in whole hours.
    pub const fn hours(due: i64, escalate: i64) -> Deadline {
        Deadline {
            due_millis: due * HOUR,
            escalate_millis: escalate * HOUR,
        }
    }
}

/// Deadlines per stage, with overrides per shop and per warehouse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeadlinePolicy {
    pub defaults: BTreeMap<Stage, Deadline>,
    pub shops: BTreeMap<(ShopId, Stage), Deadline>,
    pub warehouses: BTreeMap<(WarehouseCode, Stage), Deadline>,
}

impl Default for DeadlinePolicy {
    /// Allocated within 2 hours of payment, claimed within 4 of allocation, shipped within 24 of
    /// the claim, and shipped within 48 hours of payment when the platform promised nothing; each
    /// escalates at twice its due time.
    fn default() -> DeadlinePolicy {
        let defaults = [
            (Stage::Allocate, Deadline::hours(2, 4)),
            (Stage::Claim, Deadline::hours(4, 8)),
            (Stage::Ship, Deadline::hours(24, 48)),
            (Stage::Promised, Deadline::hours(48, 72)),
        ];
        DeadlinePolicy {
            defaults: defaults.into_iter().collect(),
            shops: BTreeMap::new(),
            warehouses: BTreeMap::new(),
        }
    }
}

impl DeadlinePolicy {
    /// The deadline of `stage` for work of `shop` in `warehouse`: the warehouse's override, else
    /// the shop's, else the default (none: the stage is not watched).
    pub fn deadline(
        &self,
        stage: Stage,
        shop: ShopId,
        warehouse: Option<&WarehouseCode>,
    ) -> Option<Deadline> {
        warehouse
            .and_then(|code| self.warehouses.get(&(code.clone(), stage)))
            .or_else(|| self.shops.get(&(shop, stage)))
            .or_else(|| self.defaults.get(&stage))
            .copied()
    }

    /// When `item` is overdue and when it escalates; `None` when its stage is not watched.
    pub fn due_times(&self, item: &WorkItem) -> Option<(Timestamp, Timestamp)> {
        let deadline = self.deadline(item.stage, item.shop, item.warehouse.as_ref())?;
        let escalate_after = deadline.escalate_millis.max(deadline.due_millis);
        let due = match (item.stage, item.promised) {
            (Stage::Promised, Some(ship_by)) => ship_by,
            (Stage::Promised | Stage::Allocate | Stage::Claim | Stage::Ship, _) => {
                item.since.plus_millis(deadline.due_millis)
            }
        };
        Some((due, due.plus_millis(escalate_after - deadline.due_millis)))
    }
}

/// What to do about one alert.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AlertAction {
    /// New overdue work: raise at this level (escalated already when past both deadlines).
    Raise(AlertLevel),
    /// Overdue work passed its second deadline.
    Escalate,
    /// The work is done or no longer overdue.
    Clear,
}

/// One decision of [`assess`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AlertChange {
    pub key: AlertKey,
    pub action: AlertAction,
    /// The work, for a raise or an escalation; `None` when clearing.
    pub work: Option<Overdue>,
}

/// Overdue work and its deadlines.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Overdue {
    pub item: WorkItem,
    pub due_at: Timestamp,
    pub escalate_at: Timestamp,
}

/// Decides which alerts to raise, escalate and clear for the open `work` at `now`, given the
/// `open` alerts. Changes come in key order; assessing again after applying them changes nothing.
pub fn assess(
    work: &[WorkItem],
    open: &[OpenAlert],
    policy: &DeadlinePolicy,
    now: Timestamp,
) -> Vec<AlertChange> {
    let open: BTreeMap<&AlertKey, AlertLevel> =
        open.iter().map(|alert| (&alert.key, alert.level)).collect();
    let mut overdue: BTreeMap<AlertKey, (AlertLevel, Overdue)> = BTreeMap::new();
    for item in work {
        let Some((due_at, escalate_at)) = policy.due_times(item) else {
            continue;
        };
        if now < due_at {
            continue;
        }
        let level = match now < escalate_at {
            true => AlertLevel::Overdue,
            false => AlertLevel::Escalated,
        };
        let key = AlertKey::new(item.stage, item.subject);
        let found = Overdue {
            item: item.clone(),
            due_at,
            escalate_at,
        };
        // The same work listed twice: the worse (earlier) deadline counts.
        match overdue.get(&key) {
            Some((_, kept)) if kept.due_at <= due_at => {}
            Some(_) | None => {
                overdue.insert(key, (level, found));
            }
        }
    }
    let mut changes = Vec::new();
    let keys: BTreeSet<&AlertKey> = open.keys().copied().chain(overdue.keys()).collect();
    for key in keys {
        let change = match (open.get(key), overdue.get(key)) {
            (None, Some((level, work))) => Some((AlertAction::Raise(*level), Some(work.clone()))),
            (Some(AlertLevel::Overdue), Some((AlertLevel::Escalated, work))) => {
                Some((AlertAction::Escalate, Some(work.clone())))
            }
            (Some(AlertLevel::Overdue | AlertLevel::Escalated), Some(_)) => None,
            (Some(_), None) => Some((AlertAction::Clear, None)),
            (None, None) => None,
        };
        if let Some((action, work)) = change {
            changes.push(AlertChange {
                key: key.clone(),
                action,
                work,
            });
        }
    }
    changes
}

/// The open alerts after `changes`: what a store holds once it has applied them.
pub fn apply_changes(open: &[OpenAlert], changes: &[AlertChange]) -> Vec<OpenAlert> {
    let mut alerts: BTreeMap<AlertKey, AlertLevel> = open
        .iter()
        .map(|alert| (alert.key.clone(), alert.level))
        .collect();
    for change in changes {
        match change.action {
            AlertAction::Raise(level) => {
                alerts.insert(change.key.clone(), level);
            }
            AlertAction::Escalate => {
                alerts.insert(change.key.clone(), AlertLevel::Escalated);
            }
            AlertAction::Clear => {
                alerts.remove(&change.key);
            }
        }
    }
    alerts
        .into_iter()
        .map(|(key, level)| OpenAlert { key, level })
        .collect()
}
