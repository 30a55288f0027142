//! The child process of the conformance suite's crash-safety story (`survives_kill_9`): ingests
//! synthetic batches from the stored cursor to the end, printing `committed N` after each commit, until
//! its parent kills it.
//!
//! `crash_child URL BATCHES PER_BATCH AT_MILLIS`

use std::io::Write;

use app::{IngestBatch, Stream};
use domain::{Actor, ChannelKind, Timestamp};
use test_support::{crash_external_id, synthetic_item};

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, batches, per_batch, at] = args.as_slice() else {
        panic!("usage: crash_child URL BATCHES PER_BATCH AT_MILLIS");
    };
    let (batches, per_batch): (u32, u32) = (batches.parse().unwrap(), per_batch.parse().unwrap());
    let at = Timestamp::from_unix_millis(at.parse().unwrap());
    let store = store::open(url).await.unwrap();
    let shop = store
        .ensure_shop("crash", ChannelKind::Taobao, "crash test")
        .await
        .unwrap()
        .id;
    let next: u32 = store
        .cursor(shop, Stream::Orders)
        .await
        .unwrap()
        .map_or(0, |it| it.parse().unwrap());
    let mut out = std::io::stdout().lock();
    for b in next..batches {
        let items = (0..per_batch)
            .map(|n| synthetic_item(42, shop, &crash_external_id(b, n), 0, at))
            .collect();
        let cursor = Some((b + 1).to_string());
        let batch = IngestBatch {
            shop,
            stream: Stream::Orders,
            items,
            cursor,
            actor: Actor::Platform("test".to_owned()),
            at,
        };
        store.ingest_batch(batch).await.unwrap();
        writeln!(out, "committed {b}").unwrap();
        out.flush().unwrap();
    }
}
