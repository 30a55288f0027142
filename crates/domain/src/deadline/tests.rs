//! Deadlines: a table of work at several times and what each assessment decides, and the property
//! that overdue work raises once however often it is assessed.

use expect_test::{Expect, expect};
use proptest::prelude::*;

use crate::deadline::{
    AlertAction, AlertKey, AlertLevel, Deadline, DeadlinePolicy, OpenAlert, Stage, Subject,
    WorkItem, apply_changes, assess,
};
use crate::ids::{OrderId, ShipmentId, ShopId, WarehouseCode};
use crate::time::Timestamp;

const HOUR: i64 = 3_600_000;

fn at(hours: i64) -> Timestamp {
    Timestamp::from_unix_millis(hours * HOUR)
}

fn order(stage: Stage, id: i64, since_hours: i64) -> WorkItem {
    WorkItem {
        stage,
        subject: Subject::Order(OrderId(id)),
        shop: ShopId(1),
        warehouse: None,
        since: at(since_hours),
        promised: None,
    }
}

fn shipment(stage: Stage, id: i64, warehouse: &str, since_hours: i64) -> WorkItem {
    WorkItem {
        stage,
        subject: Subject::Shipment(ShipmentId(id)),
        shop: ShopId(1),
        warehouse: Some(WarehouseCode::new(warehouse).unwrap()),
        since: at(since_hours),
        promised: None,
    }
}

/// Assesses `work` at each hour in `hours`, applying every decision before the next, and prints
/// what each assessment decided.
fn check(work: &[WorkItem], policy: &DeadlinePolicy, hours: &[i64], expect: Expect) {
    let mut open: Vec<OpenAlert> = Vec::new();
    let mut out = String::new();
    for hour in hours {
        let changes = assess(work, &open, policy, at(*hour));
        out.push_str(&format!("at {hour}h:"));
        if changes.is_empty() {
            out.push_str(" -");
        }
        for change in &changes {
            let action = match change.action {
                AlertAction::Raise(level) => format!("raise {}", level.as_str()),
                AlertAction::Escalate => "escalate".to_owned(),
                AlertAction::Clear => "clear".to_owned(),
            };
            out.push_str(&format!(" [{} {action}]", change.key));
        }
        out.push('\n');
        open = apply_changes(&open, &changes);
    }
    expect.assert_eq(&out);
}

#[test]
fn overdue_work_raises_once_then_escalates() {
    let work = [
        order(Stage::Allocate, 1, 0),
        shipment(Stage::Claim, 2, "HZ01", 0),
        shipment(Stage::Ship, 3, "HZ01", 0),
        order(Stage::Promised, 4, 0),
    ];
    check(
        &work,
        &DeadlinePolicy::default(),
        &[1, 2, 3, 4, 5, 8, 24, 48, 72],
        expect![[r#"
            at 1h: -
            at 2h: [allocate/order:1 raise overdue]
            at 3h: -
            at 4h: [allocate/order:1 escalate] [claim/shipment:2 raise overdue]
            at 5h: -
            at 8h: [claim/shipment:2 escalate]
            at 24h: [ship/shipment:3 raise overdue]
            at 48h: [promised/order:4 raise overdue] [ship/shipment:3 escalate]
            at 72h: [promised/order:4 escalate]
        "#]],
    );
}

#[test]
fn work_found_past_both_deadlines_raises_escalated_at_once() {
    check(
        &[order(Stage::Allocate, 1, 0)],
        &DeadlinePolicy::default(),
        &[10, 11],
        expect![[r#"
            at 10h: [allocate/order:1 raise escalated]
            at 11h: -
        "#]],
    );
}

#[test]
fn done_work_clears_its_alert() {
    let policy = DeadlinePolicy::default();
    let work = [shipment(Stage::Ship, 3, "HZ01", 0)];
    let open = apply_changes(&[], &assess(&work, &[], &policy, at(30)));
    assert_eq!(open.len(), 1);
    let changes = assess(&[], &open, &policy, at(31));
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].action, AlertAction::Clear);
    assert_eq!(changes[0].work, None);
    assert!(apply_changes(&open, &changes).is_empty());
}

#[test]
fn a_new_claim_restarts_the_ship_stage_and_clears_the_alert() {
    let policy = DeadlinePolicy::default();
    let open = apply_changes(
        &[],
        &assess(&[shipment(Stage::Ship, 3, "HZ01", 0)], &[], &policy, at(30)),
    );
    // Taken over at 29h: the new holder has until 53h.
    let changes = assess(
        &[shipment(Stage::Ship, 3, "HZ01", 29)],
        &open,
        &policy,
        at(31),
    );
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].action, AlertAction::Clear);
}

#[test]
fn warehouse_overrides_win_over_shop_overrides_and_defaults() {
    let mut policy = DeadlinePolicy::default();
    policy
        .shops
        .insert((ShopId(1), Stage::Ship), Deadline::hours(6, 12));
    policy.warehouses.insert(
        (WarehouseCode::new("BJ01").unwrap(), Stage::Ship),
        Deadline::hours(2, 3),
    );
    let mut other_shop = shipment(Stage::Ship, 4, "HZ01", 0);
    other_shop.shop = ShopId(2);
    let work = [
        shipment(Stage::Ship, 1, "HZ01", 0),
        shipment(Stage::Ship, 2, "BJ01", 0),
        other_shop,
    ];
    check(
        &work,
        &policy,
        &[2, 3, 6, 12, 24],
        expect![[r#"
            at 2h: [ship/shipment:2 raise overdue]
            at 3h: [ship/shipment:2 escalate]
            at 6h: [ship/shipment:1 raise overdue]
            at 12h: [ship/shipment:1 escalate]
            at 24h: [ship/shipment:4 raise overdue]
        "#]],
    );
}

#[test]
fn the_platforms_promise_sets_the_ship_by_time() {
    let mut promised = order(Stage::Promised, 1, 0);
    promised.promised = Some(at(12));
    let (due, escalate) = DeadlinePolicy::default().due_times(&promised).unwrap();
    assert_eq!((due, escalate), (at(12), at(36)));
    check(
        &[promised],
        &DeadlinePolicy::default(),
        &[11, 12, 36],
        expect![[r#"
            at 11h: -
            at 12h: [promised/order:1 raise overdue]
            at 36h: [promised/order:1 escalate]
        "#]],
    );
}

#[test]
fn an_unwatched_stage_raises_nothing() {
    let mut policy = DeadlinePolicy::default();
    policy.defaults.remove(&Stage::Claim);
    assert!(
        assess(
            &[shipment(Stage::Claim, 1, "HZ01", 0)],
            &[],
            &policy,
            at(100)
        )
        .is_empty()
    );
}

#[test]
fn keys_and_subjects_read_back() {
    for stage in Stage::ALL {
        assert_eq!(Stage::parse(stage.as_str()), Some(stage));
    }
    for level in [AlertLevel::Overdue, AlertLevel::Escalated] {
        assert_eq!(AlertLevel::parse(level.as_str()), Some(level));
    }
    for subject in [Subject::Order(OrderId(7)), Subject::Shipment(ShipmentId(9))] {
        assert_eq!(Subject::parse(&subject.encode()), Some(subject));
    }
    assert_eq!(Subject::parse("after_sale:1"), None);
}

fn any_item() -> impl Strategy<Value = WorkItem> {
    (
        proptest::sample::select(Stage::ALL.to_vec()),
        0i64..6,
        0i64..100,
        proptest::option::of(0i64..100),
    )
        .prop_map(|(stage, id, since, promised)| {
            let mut item = match stage {
                Stage::Allocate | Stage::Promised => order(stage, id, since),
                Stage::Claim | Stage::Ship => shipment(stage, id, "HZ01", since),
            };
            item.promised = promised.filter(|_| stage == Stage::Promised).map(at);
            item
        })
}

proptest! {
    #[test]
    fn assessing_again_without_change_decides_nothing(
        rounds in proptest::collection::vec(
            (proptest::collection::vec(any_item(), 0..8), 0i64..200),
            1..6,
        ),
    ) {
        let policy = DeadlinePolicy::default();
        let mut open = Vec::new();
        let mut now = 0;
        for (work, step) in rounds {
            now += step;
            let changes = assess(&work, &open, &policy, at(now));
            open = apply_changes(&open, &changes);
            prop_assert!(assess(&work, &open, &policy, at(now)).is_empty());
            // Every open alert is overdue work.
            let all_overdue = open.iter().all(|alert| {
                work.iter().any(|item| AlertKey::new(item.stage, item.subject) == alert.key)
            });
            prop_assert!(all_overdue);
        }
    }
}
