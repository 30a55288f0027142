//! Whether an incoming platform revision of an order changes anything.
//!
//! Ingesting the same document twice changes nothing, and an older platform update never overwrites a
//! newer one (DESIGN §4, invariant 3). Both follow from comparing [`Revision`]s.

#[cfg(test)]
mod tests;

use crate::time::Timestamp;

/// What identifies one revision of one platform order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Revision {
    /// The platform's last-modified time.
    pub updated_at: Timestamp,
    /// [`content_hash`] of the raw document.
    pub content_hash: u64,
}

/// What to do with an incoming revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum IngestDecision {
    /// The order is new.
    Insert,
    /// A newer revision (or a different document at the same platform time): replace.
    Update,
    /// The very same revision again.
    Unchanged,
    /// Older than what we hold: keep ours.
    Stale,
}

impl IngestDecision {
    pub fn as_str(self) -> &'static str {
        match self {
            IngestDecision::Insert => "insert",
            IngestDecision::Update => "update",
            IngestDecision::Unchanged => "unchanged",
            IngestDecision::Stale => "stale",
        }
    }
}

pub fn decide_ingest(held: Option<Revision>, incoming: Revision) -> IngestDecision {
    let Some(held) = held else {
        return IngestDecision::Insert;
    };
    match incoming.updated_at.cmp(&held.updated_at) {
        std::cmp::Ordering::Less => IngestDecision::Stale,
        std::cmp::Ordering::Greater => IngestDecision::Update,
        std::cmp::Ordering::Equal if incoming.content_hash == held.content_hash => {
            IngestDecision::Unchanged
        }
        std::cmp::Ordering::Equal => IngestDecision::Update,
    }
}

/// A stable 64-bit hash of a raw document's bytes (XXH3), stored beside the order.
pub fn content_hash(raw: &[u8]) -> u64 {
    xxhash_rust::xxh3::xxh3_64(raw)
}
