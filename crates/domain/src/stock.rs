//! Stock per (warehouse, SKU): on hand, reserved and safety, in two stages — reserve, then consume or
//! release. `available = on_hand − reserved − safety`, and it never goes negative silently.

#[cfg(test)]
mod tests;

use std::fmt;

use crate::ids::Quantity;

/// One stock row's numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct StockLevel {
    pub on_hand: i64,
    pub reserved: i64,
    pub safety: i64,
    /// Reservations may exceed what is on hand (pre-sale or drop-ship stock).
    pub allow_oversell: bool,
}

/// A reservation asked for more than is available.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("insufficient stock: requested {requested}, available {available}")]
pub struct InsufficientStock {
    pub requested: u32,
    pub available: i64,
}

/// Why a stock movement was refused. Nothing changes when one is returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error(transparent)]
    Insufficient(#[from] InsufficientStock),
    #[error("cannot release or consume {requested}: only {reserved} reserved")]
    NotReserved { requested: u32, reserved: i64 },
    #[error("on hand would become {on_hand}, below the {reserved} reserved")]
    BelowReserved { on_hand: i64, reserved: i64 },
    #[error("safety stock must not be negative, got {0}")]
    NegativeSafety(i64),
}

/// How much of our available stock a shop lists: a share, minus a buffer, up to a maximum.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ListingShare {
    /// Percent of available stock listed (100: all of it).
    pub percent: u32,
    /// Units held back from the listing.
    pub buffer: u32,
    /// Never list more than this.
    pub max: Option<u32>,
}

impl Default for ListingShare {
    fn default() -> ListingShare {
        ListingShare {
            percent: 100,
            buffer: 0,
            max: None,
        }
    }
}

impl ListingShare {
    /// The quantity to list for `available` units: `floor(available × percent / 100) − buffer`,
    /// capped at `max`, never below zero.
    pub fn listed(self, available: i64) -> u32 {
        let share = available.max(0).saturating_mul(i64::from(self.percent)) / 100;
        let listed = (share - i64::from(self.buffer)).max(0);
        let listed = u32::try_from(listed).unwrap_or(u32::MAX);
        self.max.map_or(listed, |max| listed.min(max))
    }
}

/// The kinds of rows in the append-only stock ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StockMoveKind {
    Receipt,
    Reserve,
    Release,
    Ship,
    Return,
    Adjust,
    Count,
}

impl StockMoveKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StockMoveKind::Receipt => "receipt",
            StockMoveKind::Reserve => "reserve",
            StockMoveKind::Release => "release",
            StockMoveKind::Ship => "ship",
            StockMoveKind::Return => "return",
            StockMoveKind::Adjust => "adjust",
            StockMoveKind::Count => "count",
        }
    }
}

impl fmt::Display for StockMoveKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl StockLevel {
    pub const EMPTY: StockLevel = StockLevel {
        on_hand: 0,
        reserved: 0,
        safety: 0,
        allow_oversell: false,
    };

    pub fn available(self) -> i64 {
        self.on_hand - self.reserved - self.safety
    }

    pub fn reserve(self, n: Quantity) -> Result<StockLevel, StockError> {
        let requested = i64::from(n.get());
        if !self.allow_oversell && self.available() < requested {
            return Err(InsufficientStock {
                requested: n.get(),
                available: self.available(),
            }
            .into());
        }
        Ok(StockLevel {
            reserved: self.reserved + requested,
            ..self
        })
    }

    pub fn release(self, n: Quantity) -> Result<StockLevel, StockError> {
        let n = self.check_reserved(n)?;
        Ok(StockLevel {
            reserved: self.reserved - n,
            ..self
        })
    }

    /// Reserved units left the warehouse.
    pub fn consume(self, n: Quantity) -> Result<StockLevel, StockError> {
        let n = self.check_reserved(n)?;
        Ok(StockLevel {
            on_hand: self.on_hand - n,
            reserved: self.reserved - n,
            ..self
        })
    }

    /// Goods arrived (a purchase receipt or a restocked return).
    pub fn receive(self, n: Quantity) -> StockLevel {
        StockLevel {
            on_hand: self.on_hand + i64::from(n.get()),
            ..self
        }
    }

    /// A correction or a count sets on hand; it may not fall below what is reserved unless oversell is
    /// allowed, so the shortage is handled (orders re-planned) rather than hidden.
    pub fn set_on_hand(self, on_hand: i64) -> Result<StockLevel, StockError> {
        if !self.allow_oversell && on_hand < self.reserved {
            return Err(StockError::BelowReserved {
                on_hand,
                reserved: self.reserved,
            });
        }
        Ok(StockLevel { on_hand, ..self })
    }

    pub fn set_safety(self, safety: i64) -> Result<StockLevel, StockError> {
        if safety < 0 {
            return Err(StockError::NegativeSafety(safety));
        }
        Ok(StockLevel { safety, ..self })
    }

    fn check_reserved(self, n: Quantity) -> Result<i64, StockError> {
        let n64 = i64::from(n.get());
        if n64 > self.reserved {
            return Err(StockError::NotReserved {
                requested: n.get(),
                reserved: self.reserved,
            });
        }
        Ok(n64)
    }
}
