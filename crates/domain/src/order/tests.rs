//! The order lifecycle: the whole transition table as one snapshot, and property tests for replay.

use expect_test::expect_file;
use proptest::prelude::*;

use crate::order::{
    HoldReason, Lifecycle, OrderEvent, OrderStatus, PlatformState, platform_events,
};

/// One representative event per kind; a hold on `on_hold` is `manual`, so releasing it clears the hold.
fn sample_events() -> Vec<OrderEvent> {
    vec![
        OrderEvent::Pay,
        OrderEvent::Hold(HoldReason::OutOfStock),
        OrderEvent::Release(None),
        OrderEvent::Allocate,
        OrderEvent::Deallocate,
        OrderEvent::StartFulfilment,
        OrderEvent::ShipPart,
        OrderEvent::ShipAll,
        OrderEvent::Complete,
        OrderEvent::Cancel,
    ]
}

fn lifecycle_in(status: OrderStatus) -> Lifecycle {
    let mut it = Lifecycle::new(status);
    if status == OrderStatus::OnHold {
        it.holds.insert(HoldReason::Manual);
    }
    it
}

#[test]
fn transition_table() {
    let mut table = String::new();
    for status in OrderStatus::ALL {
        for event in sample_events() {
            let cell = match lifecycle_in(status).apply(event) {
                Ok((next, effects)) => {
                    let mut cell = next.status.as_str().to_owned();
                    if next.exception {
                        cell.push_str(" +exception");
                    }
                    for effect in effects {
                        cell.push_str(&format!(" {effect:?}"));
                    }
                    cell
                }
                Err(err) => format!("ERR {err}"),
            };
            table.push_str(&format!(
                "{:<18} {:<17} -> {cell}\n",
                status.as_str(),
                event.encode()
            ));
        }
    }
    expect_file!["transition_table.txt"].assert_eq(&table);
}

#[test]
fn release_needs_every_hold_cleared() {
    let held = Lifecycle::new(OrderStatus::Paid)
        .apply(OrderEvent::Hold(HoldReason::UnknownSku))
        .unwrap()
        .0
        .apply(OrderEvent::Hold(HoldReason::Risk))
        .unwrap()
        .0;
    let one = held
        .apply(OrderEvent::Release(Some(HoldReason::Risk)))
        .unwrap()
        .0;
    assert_eq!(one.status, OrderStatus::OnHold);
    let err = one
        .apply(OrderEvent::Release(Some(HoldReason::Risk)))
        .unwrap_err();
    assert_eq!(err.to_string(), "order cannot release while on_hold");
    let all = one
        .apply(OrderEvent::Release(Some(HoldReason::UnknownSku)))
        .unwrap()
        .0;
    assert_eq!(all.status, OrderStatus::Released);
}

#[test]
fn platform_updates_drive_pay_and_cancel_only() {
    let unpaid = Lifecycle::new(OrderStatus::Unpaid);
    assert_eq!(
        platform_events(&unpaid, PlatformState::Paid),
        vec![OrderEvent::Pay]
    );
    let shipped = Lifecycle::new(OrderStatus::Shipped);
    assert_eq!(
        platform_events(&shipped, PlatformState::Cancelled),
        vec![OrderEvent::Cancel]
    );
    let (excepted, _) = shipped.apply(OrderEvent::Cancel).unwrap();
    assert!(excepted.exception);
    assert_eq!(
        platform_events(&excepted, PlatformState::Cancelled),
        Vec::new()
    );
    assert_eq!(
        platform_events(&Lifecycle::new(OrderStatus::Paid), PlatformState::Shipped),
        Vec::new()
    );
}

#[test]
fn events_encode_round_trip() {
    let mut events = sample_events();
    events.extend(HoldReason::ALL.map(OrderEvent::Hold));
    events.extend(HoldReason::ALL.map(|it| OrderEvent::Release(Some(it))));
    for event in events {
        assert_eq!(
            OrderEvent::decode(&event.encode()),
            Some(event),
            "{event:?}"
        );
    }
    assert_eq!(OrderEvent::decode("pay:manual"), None);
    assert_eq!(OrderEvent::decode("fly"), None);
}

fn any_event() -> impl Strategy<Value = OrderEvent> {
    let reason = proptest::sample::select(HoldReason::ALL.to_vec());
    prop_oneof![
        Just(OrderEvent::Pay),
        reason.clone().prop_map(OrderEvent::Hold),
        proptest::option::of(reason).prop_map(OrderEvent::Release),
        Just(OrderEvent::Allocate),
        Just(OrderEvent::Deallocate),
        Just(OrderEvent::StartFulfilment),
        Just(OrderEvent::ShipPart),
        Just(OrderEvent::ShipAll),
        Just(OrderEvent::Complete),
        Just(OrderEvent::Cancel),
    ]
}

proptest! {
    /// Invariant 4: replaying the accepted events from the first lifecycle rebuilds the order exactly,
    /// and refused events leave it untouched.
    #[test]
    fn replaying_events_rebuilds_the_order(
        first in proptest::sample::select(PlatformState::ALL.to_vec()),
        events in proptest::collection::vec(any_event(), 0..60),
    ) {
        let first = Lifecycle::first_seen(first);
        let mut state = first.clone();
        let mut log = Vec::new();
        for event in events {
            match state.apply(event) {
                Ok((next, _)) => {
                    log.push(event);
                    state = next;
                }
                Err(err) => prop_assert_eq!(err.from, state.status),
            }
        }
        let decoded: Vec<OrderEvent> =
            log.iter().map(|it| OrderEvent::decode(&it.encode()).unwrap()).collect();
        prop_assert_eq!(Lifecycle::replay(first, decoded), Ok(state));
    }

    /// Holding stock and being on hold never go together, and only allocation reserves.
    #[test]
    fn reservation_effects_pair_up(events in proptest::collection::vec(any_event(), 0..60)) {
        let mut state = Lifecycle::new(OrderStatus::Paid);
        let mut reserved = false;
        for event in events {
            let Ok((next, effects)) = state.apply(event) else { continue };
            for effect in effects {
                match effect {
                    crate::order::OrderEffect::ReserveStock => {
                        prop_assert!(!reserved);
                        reserved = true;
                    }
                    crate::order::OrderEffect::ReleaseStock => {
                        prop_assert!(reserved);
                        reserved = false;
                    }
                    crate::order::OrderEffect::InterceptShipments
                    | crate::order::OrderEffect::RaiseException => {}
                }
            }
            // Shipping consumes the reservation of what shipped; after the last unit nothing is held.
            if next.status == OrderStatus::Shipped { reserved = false; }
            prop_assert_eq!(reserved, next.status.holds_reservation(), "{:?} after {:?}", next.status, event);
            state = next;
        }
    }
}
