//! Stock arithmetic: reserve, release, consume, receive and counts, under any sequence of moves.

use proptest::prelude::*;

use crate::ids::Quantity;
use crate::stock::{InsufficientStock, StockError, StockLevel};

#[test]
fn reserving_beyond_available_is_refused() {
    let level = StockLevel {
        on_hand: 5,
        reserved: 2,
        safety: 1,
        allow_oversell: false,
    };
    assert_eq!(level.available(), 2);
    assert_eq!(
        level.reserve(Quantity::new(3).unwrap()),
        Err(StockError::Insufficient(InsufficientStock {
            requested: 3,
            available: 2
        }))
    );
    let oversold = StockLevel {
        allow_oversell: true,
        ..level
    }
    .reserve(Quantity::new(3).unwrap())
    .unwrap();
    assert_eq!(oversold.available(), -1);
    assert_eq!(
        level.set_on_hand(1),
        Err(StockError::BelowReserved {
            on_hand: 1,
            reserved: 2
        })
    );
}

#[derive(Clone, Debug)]
enum Move {
    Reserve(u32),
    Release(u32),
    Consume(u32),
    Receive(u32),
    Count(i64),
    Safety(i64),
}

fn any_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        (1u32..8).prop_map(Move::Reserve),
        (1u32..8).prop_map(Move::Release),
        (1u32..8).prop_map(Move::Consume),
        (1u32..8).prop_map(Move::Receive),
        (-3i64..20).prop_map(Move::Count),
        (-1i64..4).prop_map(Move::Safety),
    ]
}

proptest! {
    /// Invariant 2: without oversell, reserved never exceeds on hand and available never goes
    /// negative; a refused move leaves the row as it was.
    #[test]
    fn reserved_never_exceeds_on_hand(start in 0i64..10, moves in proptest::collection::vec(any_move(), 0..80)) {
        let mut level = StockLevel { on_hand: start, ..StockLevel::EMPTY };
        for m in moves {
            let q = |n: u32| Quantity::new(n).unwrap();
            let next = match m {
                Move::Reserve(n) => level.reserve(q(n)),
                Move::Release(n) => level.release(q(n)),
                Move::Consume(n) => level.consume(q(n)),
                Move::Receive(n) => Ok(level.receive(q(n))),
                Move::Count(n) => level.set_on_hand(n),
                Move::Safety(n) => level.set_safety(n),
            };
            if let Ok(next) = next { level = next; }
            prop_assert!(level.reserved >= 0);
            prop_assert!(level.reserved <= level.on_hand, "{level:?}");
            // Safety may be raised above what is free; then nothing more can be reserved.
            prop_assert!(level.available() >= 0 || level.safety > level.on_hand - level.reserved);
        }
    }
}

#[test]
fn a_shop_lists_its_share() {
    use crate::stock::ListingShare;
    let all = ListingShare::default();
    assert_eq!(all.listed(37), 37);
    assert_eq!(all.listed(-5), 0, "oversold stock lists nothing");
    let share = ListingShare {
        percent: 60,
        buffer: 2,
        max: Some(20),
    };
    assert_eq!(share.listed(10), 4, "60 % of 10 is 6, minus 2");
    assert_eq!(share.listed(3), 0, "never below zero");
    assert_eq!(share.listed(1000), 20, "capped");
}
