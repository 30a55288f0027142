//! Matching a bill against our orders: the bill's entries summed per order, compared with what we hold
//! of each order, and every disagreement reported as one of five kinds, in a stable order.

use std::collections::BTreeMap;

use domain::Timestamp;

use crate::bill::BillEntry;
use crate::format::EntryKind;

/// One order's entries in a bill, summed (minor units).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BillTotals {
    /// Sum of payments.
    pub paid: i64,
    /// Sum of refunds, as a positive amount.
    pub refunded: i64,
    /// Sum of fees, as a positive amount.
    pub fees: i64,
    pub payments: u32,
    pub refunds: u32,
    /// The first line of the file with an entry of the order.
    pub first_line: u64,
}

impl BillTotals {
    /// What the seller kept of the buyer's money.
    pub fn net(&self) -> i64 {
        self.paid - self.refunded
    }
}

/// What we hold of one order, for reconciliation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OurOrder {
    pub external_id: String,
    pub cancelled: bool,
    /// The buyer paid this much (minor units).
    pub paid: i64,
    /// We paid back this much (minor units, positive).
    pub refunded: i64,
    /// Goods left the warehouse (shipped, partially shipped or completed).
    pub shipped: bool,
    /// A return of goods arrived back.
    pub return_received: bool,
    pub paid_at: Option<Timestamp>,
}

/// The time a bill covers: from inclusive, to exclusive.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Period {
    pub from: Timestamp,
    pub to: Timestamp,
}

impl Period {
    /// The span of the entries' times (to just after the last one); `None` for an empty bill.
    pub fn of(entries: &[BillEntry]) -> Option<Period> {
        let from = entries.iter().map(|it| it.at).min()?;
        let to = entries.iter().map(|it| it.at).max()?.plus_millis(1);
        Some(Period { from, to })
    }

    pub fn contains(&self, at: Timestamp) -> bool {
        self.from <= at && at < self.to
    }
}

/// The five ways a bill and our orders disagree.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum MismatchKind {
    /// The bill keeps the buyer's money, but we cancelled the order.
    PaidButCancelled,
    /// The bill paid money back, but the goods left and no return came back.
    RefundedButShipped,
    /// The bill's payments or refunds differ from ours.
    AmountDiffers,
    /// The bill has an order we do not.
    MissingInOurs,
    /// We have an order paid within the bill's period that the bill does not have.
    MissingInBill,
}

impl MismatchKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MismatchKind::PaidButCancelled => "paid_but_cancelled",
            MismatchKind::RefundedButShipped => "refunded_but_shipped",
            MismatchKind::AmountDiffers => "amount_differs",
            MismatchKind::MissingInOurs => "missing_in_ours",
            MismatchKind::MissingInBill => "missing_in_bill",
        }
    }
}

/// One disagreement, with both sides as far as they exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    pub kind: MismatchKind,
    pub external_id: String,
    pub bill: Option<BillTotals>,
    pub ours: Option<OurOrder>,
}

/// The outcome of a reconciliation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    pub period: Period,
    /// Orders in the bill, and entries belonging to no order (withdrawals, transfers).
    pub bill_orders: usize,
    pub unattributed_entries: usize,
    /// Orders on both sides that agree.
    pub matched: usize,
    /// Sorted by order id, then kind.
    pub mismatches: Vec<Mismatch>,
}

/// The bill's entries summed per order id; entries of no order are left out.
pub fn totals(entries: &[BillEntry]) -> BTreeMap<String, BillTotals> {
    let mut totals: BTreeMap<String, BillTotals> = BTreeMap::new();
    for entry in entries.iter().filter(|it| !it.external_id.is_empty()) {
        let total = totals
            .entry(entry.external_id.clone())
            .or_insert_with(|| BillTotals {
                first_line: entry.line,
                ..BillTotals::default()
            });
        let minor = entry.amount.minor;
        match entry.kind {
            EntryKind::Payment => {
                total.paid += minor;
                total.payments += 1;
            }
            EntryKind::Refund => {
                total.refunded -= minor;
                total.refunds += 1;
            }
            EntryKind::Fee => total.fees -= minor,
            EntryKind::Other => {}
        }
    }
    totals
}

/// Compares a bill with our orders. `ours` holds every order of the shop paid within `period` and every
/// order the bill names that we have; the bill's absence of payments or refunds for an order is not
/// evidence (they may fall in another bill), so amounts are compared only where the bill has them.
pub fn reconcile(entries: &[BillEntry], ours: &[OurOrder], period: Period) -> Report {
    let bill = totals(entries);
    let ours: BTreeMap<&str, &OurOrder> = ours
        .iter()
        .map(|it| (it.external_id.as_str(), it))
        .collect();
    let mut mismatches = Vec::new();
    let mut matched = 0;
    let mismatch = |kind, id: &str, bill: Option<&BillTotals>, ours: Option<&OurOrder>| Mismatch {
        kind,
        external_id: id.to_owned(),
        bill: bill.cloned(),
        ours: ours.cloned(),
    };
    for (id, total) in &bill {
        let Some(order) = ours.get(id.as_str()).copied() else {
            mismatches.push(mismatch(MismatchKind::MissingInOurs, id, Some(total), None));
            continue;
        };
        let before = mismatches.len();
        if order.cancelled && total.net() > 0 {
            mismatches.push(mismatch(
                MismatchKind::PaidButCancelled,
                id,
                Some(total),
                Some(order),
            ));
        }
        if total.refunds > 0 && order.shipped && !order.return_received {
            mismatches.push(mismatch(
                MismatchKind::RefundedButShipped,
                id,
                Some(total),
                Some(order),
            ));
        }
        let paid_differs = total.payments > 0 && total.paid != order.paid;
        let refund_differs = total.refunds > 0 && total.refunded != order.refunded;
        if paid_differs || refund_differs {
            mismatches.push(mismatch(
                MismatchKind::AmountDiffers,
                id,
                Some(total),
                Some(order),
            ));
        }
        if mismatches.len() == before {
            matched += 1;
        }
    }
    for (id, order) in &ours {
        let paid_within = order.paid_at.is_some_and(|at| period.contains(at));
        if paid_within && !bill.contains_key(*id) {
            mismatches.push(mismatch(MismatchKind::MissingInBill, id, None, Some(order)));
        }
    }
    mismatches.sort_by(|a, b| (&a.external_id, a.kind).cmp(&(&b.external_id, b.kind)));
    Report {
        period,
        bill_orders: bill.len(),
        unattributed_entries: entries
            .iter()
            .filter(|it| it.external_id.is_empty())
            .count(),
        matched,
        mismatches,
    }
}

#[cfg(test)]
mod tests;
