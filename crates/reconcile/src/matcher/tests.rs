//! The matcher's tests: each mismatch kind on a small case (snapshotted as the table a person reads),
//! and properties: a bill made from our orders reconciles clean; one changed amount is one mismatch.

use domain::{Currency, Money, Timestamp};
use expect_test::expect;
use proptest::prelude::*;

use crate::bill::BillEntry;
use crate::format::EntryKind;
use crate::matcher::{MismatchKind, OurOrder, Period, reconcile};
use crate::table::render_table;

const DAY: i64 = 86_400_000;
const START: i64 = 1_717_171_200_000; // 2024-06-01T00:00:00+08:00

fn entry(id: &str, kind: EntryKind, minor: i64, at: i64) -> BillEntry {
    BillEntry {
        line: 0,
        external_id: id.to_owned(),
        kind,
        amount: Money::new(minor, Currency::CNY),
        at: Timestamp::from_unix_millis(at),
        kind_text: kind.as_str().to_owned(),
    }
}

fn order(id: &str, paid: i64) -> OurOrder {
    OurOrder {
        external_id: id.to_owned(),
        cancelled: false,
        paid,
        refunded: 0,
        shipped: false,
        return_received: false,
        paid_at: Some(Timestamp::from_unix_millis(START + 1000)),
    }
}

/// The bill a platform would write for our orders: a payment each, a refund where we refunded.
fn bill_of(orders: &[OurOrder]) -> Vec<BillEntry> {
    let mut entries = Vec::new();
    for (n, it) in orders.iter().enumerate() {
        let at = it.paid_at.unwrap().unix_millis();
        entries.push(entry(&it.external_id, EntryKind::Payment, it.paid, at));
        if it.refunded > 0 {
            entries.push(entry(
                &it.external_id,
                EntryKind::Refund,
                -it.refunded,
                at + 1,
            ));
        }
        entries.push(entry(
            &it.external_id,
            EntryKind::Fee,
            -(n as i64 % 7),
            at + 2,
        ));
    }
    entries
}

fn period() -> Period {
    Period {
        from: Timestamp::from_unix_millis(START),
        to: Timestamp::from_unix_millis(START + DAY),
    }
}

#[test]
fn every_kind_of_mismatch_is_reported_in_order() {
    let cancelled = OurOrder {
        cancelled: true,
        ..order("1001", 19800)
    };
    let shipped = OurOrder {
        shipped: true,
        refunded: 5000,
        ..order("1002", 5000)
    };
    let returned = OurOrder {
        shipped: true,
        return_received: true,
        refunded: 5000,
        ..order("1003", 5000)
    };
    let differs = order("1004", 9900);
    let unbilled = order("1005", 100);
    let before = OurOrder {
        paid_at: Some(Timestamp::from_unix_millis(START - DAY)),
        ..order("1006", 100)
    };
    let clean = order("1007", 2500);
    let entries = vec![
        entry("1001", EntryKind::Payment, 19800, START),
        entry("1002", EntryKind::Payment, 5000, START),
        entry("1002", EntryKind::Refund, -5000, START + 5),
        entry("1003", EntryKind::Payment, 5000, START),
        entry("1003", EntryKind::Refund, -5000, START + 5),
        entry("1004", EntryKind::Payment, 9800, START),
        entry("1007", EntryKind::Payment, 2500, START),
        entry("1007", EntryKind::Fee, -15, START),
        entry("2001", EntryKind::Payment, 700, START),
        entry("", EntryKind::Other, -100000, START + 9),
    ];
    let ours = [
        cancelled, shipped, returned, differs, unbilled, before, clean,
    ];
    let report = reconcile(&entries, &ours, period());
    expect![[r#"
        MISMATCH               ORDER                       BILL PAID     OUR PAID  BILL REFUND   OUR REFUND  OURS
        paid_but_cancelled     1001                           198.00       198.00         0.00         0.00  cancelled
        refunded_but_shipped   1002                            50.00        50.00        50.00        50.00  open, shipped
        amount_differs         1004                            98.00        99.00         0.00         0.00  open
        missing_in_bill        1005                                -         1.00            -         0.00  open
        missing_in_ours        2001                             7.00            -         0.00            -
        6 orders in the bill, 2 matched, 5 mismatches, 1 entries of no order
    "#]]
    .assert_eq(&render_table(&report, Currency::CNY));
}

#[test]
fn a_refund_alone_in_a_later_bill_is_not_an_amount_difference() {
    let refunded = OurOrder {
        refunded: 1000,
        ..order("1", 3000)
    };
    let entries = [entry("1", EntryKind::Refund, -1000, START + 10)];
    let report = reconcile(&entries, &[refunded], period());
    assert_eq!(report.mismatches, vec![]);
    assert_eq!(report.matched, 1);
}

/// Our orders in consistent states: a cancelled order was paid back whole; a refund of shipped goods
/// had its return received.
fn our_orders() -> impl Strategy<Value = Vec<OurOrder>> {
    prop::collection::btree_map(
        1u64..1_000_000,
        (1i64..10_000_000, 0u8..5, 0i64..DAY),
        1..40,
    )
    .prop_map(|orders| {
        orders
            .into_iter()
            .map(|(id, (paid, state, offset))| {
                let base = OurOrder {
                    paid_at: Some(Timestamp::from_unix_millis(START + offset)),
                    ..order(&id.to_string(), paid)
                };
                match state {
                    0 => base,
                    1 => OurOrder {
                        shipped: true,
                        ..base
                    },
                    2 => OurOrder {
                        cancelled: true,
                        refunded: paid,
                        ..base
                    },
                    3 => OurOrder {
                        refunded: paid / 2 + 1,
                        ..base
                    },
                    _ => OurOrder {
                        shipped: true,
                        return_received: true,
                        refunded: paid,
                        ..base
                    },
                }
            })
            .collect()
    })
}

proptest! {
    #[test]
    fn a_bill_made_from_our_orders_reconciles_clean(ours in our_orders()) {
        let report = reconcile(&bill_of(&ours), &ours, period());
        prop_assert_eq!(report.mismatches, vec![]);
        prop_assert_eq!(report.matched, ours.len());
    }

    #[test]
    fn one_changed_amount_is_one_amount_difference(
        ours in our_orders(),
        pick in any::<prop::sample::Index>(),
        delta in prop_oneof![-1_000i64..0, 1i64..1_000],
    ) {
        let mut entries = bill_of(&ours);
        let payments: Vec<usize> = (0..entries.len()).filter(|i| entries[*i].kind == EntryKind::Payment).collect();
        let changed = payments[pick.index(payments.len())];
        // A payment stays a payment: positive.
        let minor = entries[changed].amount.minor;
        entries[changed].amount.minor = if minor + delta > 0 { minor + delta } else { minor + delta.abs() };
        let report = reconcile(&entries, &ours, period());
        let differs: Vec<_> = report.mismatches.iter().filter(|it| it.kind == MismatchKind::AmountDiffers).collect();
        prop_assert_eq!(differs.len(), 1);
        prop_assert_eq!(&differs[0].external_id, &entries[changed].external_id);
        // Whatever else is reported is about the changed order (a cancelled order now keeps money).
        prop_assert!(report.mismatches.iter().all(|it| it.external_id == entries[changed].external_id));
    }
}
