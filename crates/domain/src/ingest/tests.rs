//! Ingest decisions: duplicates change nothing, older revisions never win (invariant 3).

use proptest::prelude::*;

use crate::ingest::{IngestDecision, Revision, content_hash, decide_ingest};
use crate::time::Timestamp;

fn rev(at: i64, body: &str) -> Revision {
    Revision {
        updated_at: Timestamp::from_unix_millis(at),
        content_hash: content_hash(body.as_bytes()),
    }
}

#[test]
fn decisions() {
    assert_eq!(decide_ingest(None, rev(1, "a")), IngestDecision::Insert);
    assert_eq!(
        decide_ingest(Some(rev(1, "a")), rev(1, "a")),
        IngestDecision::Unchanged
    );
    assert_eq!(
        decide_ingest(Some(rev(2, "b")), rev(1, "a")),
        IngestDecision::Stale
    );
    assert_eq!(
        decide_ingest(Some(rev(1, "a")), rev(2, "b")),
        IngestDecision::Update
    );
    assert_eq!(
        decide_ingest(Some(rev(1, "a")), rev(1, "b")),
        IngestDecision::Update
    );
    // The hash is stored: it must not change between releases.
    assert_eq!(format!("{:016x}", content_hash(b"{}")), "1349cde127705c16");
}

proptest! {
    /// Delivering revisions in any order, any number of times, leaves the newest one held.
    #[test]
    fn any_delivery_order_ends_at_the_newest(times in proptest::collection::vec(0i64..20, 1..30)) {
        let mut held: Option<Revision> = None;
        for at in &times {
            let incoming = rev(*at, &format!("revision {at}"));
            match decide_ingest(held, incoming) {
                IngestDecision::Insert | IngestDecision::Update => held = Some(incoming),
                IngestDecision::Unchanged | IngestDecision::Stale => {}
            }
        }
        let newest = *times.iter().max().unwrap();
        prop_assert_eq!(held, Some(rev(newest, &format!("revision {newest}"))));
    }
}
