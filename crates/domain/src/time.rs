//! Points in time, as the core sees them: milliseconds since the Unix epoch, always passed in.

use std::fmt;

/// A point in time in milliseconds since 1970-01-01T00:00:00Z.
///
/// The core never asks for "now": callers pass it. Platform times in local zones (Taobao's GMT+8) are
/// converted at the channel edge.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    pub const EPOCH: Timestamp = Timestamp(0);

    pub const fn from_unix_millis(millis: i64) -> Timestamp {
        Timestamp(millis)
    }

    pub const fn unix_millis(self) -> i64 {
        self.0
    }

    /// This time moved by `millis` (negative moves back), saturating at the ends of `i64`.
    pub const fn plus_millis(self, millis: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(millis))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}ms", self.0)
    }
}
