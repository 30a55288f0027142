//! Shipment lifecycle and line progress: claims, holders, leases, scans, and never shipping a line twice.

use expect_test::expect_file;
use proptest::prelude::*;

use crate::ids::{Quantity, ShipmentId, WarehouseCode};
use crate::shipment::{
    LineProgress, Shipment, ShipmentError, ShipmentEvent, ShipmentStatus, TrackingNumber,
};
use crate::time::Timestamp;

const NOW: Timestamp = Timestamp::from_unix_millis(1_700_000_000_000);

fn shipment(status: ShipmentStatus) -> Shipment {
    let claimed = matches!(
        status,
        ShipmentStatus::Claimed
            | ShipmentStatus::Picked
            | ShipmentStatus::Packed
            | ShipmentStatus::Intercepted
    );
    Shipment {
        id: ShipmentId(7),
        warehouse: WarehouseCode::new("JX01").unwrap(),
        carrier: Some("SF".to_owned()),
        status,
        holder: claimed.then(|| "packer-a".to_owned()),
        lease_until: claimed.then(|| NOW.plus_millis(60_000)),
        tracking: None,
        lines: Vec::new(),
        version: 1,
        created_at: NOW,
    }
}

fn sample_events() -> Vec<ShipmentEvent> {
    let until = NOW.plus_millis(120_000);
    let holder = "packer-a".to_owned();
    vec![
        ShipmentEvent::Claim {
            holder: holder.clone(),
            until,
        },
        ShipmentEvent::Renew {
            holder: holder.clone(),
            until,
        },
        ShipmentEvent::GiveBack {
            holder: holder.clone(),
        },
        ShipmentEvent::ExpireClaim,
        ShipmentEvent::TakeOver {
            holder: "supervisor".to_owned(),
            until,
        },
        ShipmentEvent::Pick {
            holder: holder.clone(),
        },
        ShipmentEvent::Pack {
            holder: holder.clone(),
        },
        ShipmentEvent::Ship {
            holder,
            scanned: "SH7".to_owned(),
            tracking: TrackingNumber::parse("SF1234567890123").unwrap(),
        },
        ShipmentEvent::Deliver,
        ShipmentEvent::Void,
        ShipmentEvent::Intercept,
        ShipmentEvent::Resume {
            holder: "packer-a".to_owned(),
        },
    ]
}

#[test]
fn transition_table() {
    let mut table = String::new();
    for status in ShipmentStatus::ALL {
        for event in sample_events() {
            let cell = match shipment(status).apply(&event, NOW) {
                Ok((next, effects)) => format!("{} {effects:?}", next.status),
                Err(err) => format!("ERR {err}"),
            };
            table.push_str(&format!(
                "{:<10} {:<13} -> {cell}\n",
                status.as_str(),
                event.kind().as_str()
            ));
        }
    }
    expect_file!["transition_table.txt"].assert_eq(&table);
}

#[test]
fn only_the_holder_moves_a_claimed_shipment_and_only_in_its_lease() {
    let claimed = shipment(ShipmentStatus::Claimed);
    let other = claimed.apply(
        &ShipmentEvent::Pick {
            holder: "packer-b".to_owned(),
        },
        NOW,
    );
    assert_eq!(
        other,
        Err(ShipmentError::ClaimedByOther {
            holder: "packer-a".to_owned()
        })
    );
    let late = NOW.plus_millis(60_000);
    let expired = claimed.apply(
        &ShipmentEvent::Pick {
            holder: "packer-a".to_owned(),
        },
        late,
    );
    assert_eq!(expired, Err(ShipmentError::LeaseExpired { until: late }));
    let early = claimed.apply(&ShipmentEvent::ExpireClaim, NOW);
    assert_eq!(early, Err(ShipmentError::LeaseActive { until: late }));
    let (released, _) = claimed.apply(&ShipmentEvent::ExpireClaim, late).unwrap();
    assert_eq!(
        (released.status, released.holder),
        (ShipmentStatus::Released, None)
    );
}

#[test]
fn a_wrong_scan_changes_nothing() {
    let packed = shipment(ShipmentStatus::Packed);
    let scan = |scanned: &str, tracking: &str| ShipmentEvent::Ship {
        holder: "packer-a".to_owned(),
        scanned: scanned.to_owned(),
        tracking: TrackingNumber::parse(tracking).unwrap(),
    };
    assert_eq!(
        packed.apply(&scan("SH8", "SF1400123456789"), NOW),
        Err(ShipmentError::BarcodeMismatch {
            expected: ShipmentId(7),
            scanned: "SH8".to_owned()
        })
    );
    assert!(
        matches!(
            packed.apply(&scan("SH7", "75312345678901"), NOW),
            Err(ShipmentError::TrackingMismatch(it)) if it.carrier == "SF"
        ),
        "a ZTO label on an SF parcel is refused"
    );
    let (shipped, _) = packed
        .apply(&scan(" SH7\r", "SF1400123456789"), NOW)
        .unwrap();
    assert_eq!(
        shipped.tracking.as_ref().unwrap().as_str(),
        "SF1400123456789"
    );
    assert!(
        shipped.apply(&scan("SH7", "SF1400123456789"), NOW).is_err(),
        "a repeated scan is refused"
    );
    assert_eq!(TrackingNumber::parse("short"), None);
    assert_eq!(TrackingNumber::parse("SF-123456789"), None);
}

/// Operations on one line's progress across several shipments.
#[derive(Clone, Debug)]
enum LineOp {
    Plan(u32),
    Void(usize),
    Ship(usize),
}

fn any_line_op() -> impl Strategy<Value = LineOp> {
    prop_oneof![
        (1u32..6).prop_map(LineOp::Plan),
        (0usize..8).prop_map(LineOp::Void),
        (0usize..8).prop_map(LineOp::Ship)
    ]
}

proptest! {
    /// Invariant 1: whatever shipments are planned, voided and shipped, a line never ships more than
    /// its quantity, and the counts always add up.
    #[test]
    fn a_line_never_ships_beyond_its_quantity(quantity in 1u32..10, ops in proptest::collection::vec(any_line_op(), 0..40)) {
        let mut line = LineProgress::new(Quantity::new(quantity).unwrap());
        // Open shipments holding units of this line.
        let mut open: Vec<u32> = Vec::new();
        let mut shipped_total = 0;
        for op in ops {
            match op {
                LineOp::Plan(n) => match line.plan(Quantity::new(n).unwrap()) {
                    Ok(next) => { line = next; open.push(n); }
                    Err(err) => prop_assert!(err.requested > line.unplanned()),
                },
                LineOp::Void(i) if i < open.len() => {
                    line = line.unplan(Quantity::new(open.remove(i)).unwrap()).unwrap();
                }
                LineOp::Ship(i) if i < open.len() => {
                    let n = open.remove(i);
                    line = line.ship(Quantity::new(n).unwrap()).unwrap();
                    shipped_total += n;
                }
                LineOp::Void(_) | LineOp::Ship(_) => {}
            }
            prop_assert!(line.planned + line.shipped <= line.quantity);
            prop_assert_eq!(line.planned, open.iter().sum::<u32>());
            prop_assert_eq!(line.shipped, shipped_total);
        }
    }

    #[test]
    fn refused_events_change_nothing(status in proptest::sample::select(ShipmentStatus::ALL.to_vec()), idx in 0usize..12, offset in -100_000i64..200_000) {
        let before = shipment(status);
        let event = sample_events()[idx].clone();
        match before.apply(&event, NOW.plus_millis(offset)) {
            Ok((after, _)) => prop_assert_eq!(after.version, before.version + 1),
            Err(_) => prop_assert_eq!(shipment(status), before),
        }
    }
}

#[test]
fn an_intercepted_shipment_refuses_the_scan_until_resumed() {
    let line = crate::shipment::ShipmentLine {
        order: crate::ids::OrderId(1),
        line_no: 1,
        quantity: Quantity::new(1).unwrap(),
    };
    let mut packed = shipment(ShipmentStatus::Packed);
    packed.lines = vec![line];
    let (intercepted, _) = packed.apply(&ShipmentEvent::Intercept, NOW).unwrap();
    let scan = ShipmentEvent::Ship {
        holder: "packer-a".to_owned(),
        scanned: "SH7".to_owned(),
        tracking: TrackingNumber::parse("SF1400123456789").unwrap(),
    };
    assert_eq!(
        intercepted.apply(&scan, NOW),
        Err(ShipmentError::Intercepted {
            shipment: ShipmentId(7)
        })
    );
    let resume = |holder: &str| ShipmentEvent::Resume {
        holder: holder.to_owned(),
    };
    assert!(matches!(
        intercepted.apply(&resume("packer-b"), NOW),
        Err(ShipmentError::ClaimedByOther { .. })
    ));
    let (resumed, effects) = intercepted.apply(&resume("packer-a"), NOW).unwrap();
    assert_eq!(
        (resumed.status, effects.len()),
        (ShipmentStatus::Claimed, 0)
    );
    let (shipped, _) = resumed.apply(&scan, NOW).unwrap();
    assert_eq!(shipped.status, ShipmentStatus::Shipped);

    let mut emptied = intercepted.clone();
    emptied.lines.clear();
    let (voided, effects) = emptied.apply(&resume("packer-a"), NOW).unwrap();
    assert_eq!(voided.status, ShipmentStatus::Voided);
    assert_eq!(effects, vec![crate::shipment::ShipmentEffect::ReleaseStock]);
}
