//! Crash safety: a child process ingests batches and is killed with SIGKILL at random moments; after
//! each restart it resumes from the stored cursor. Every batch it reported committed must be there
//! exactly once and whole, and nothing may be half-written.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::Duration;

use app::Stream;
use domain::{ChannelKind, ExternalId};
use test_support::{Rng, TestDb, synthetic_item};

use crate::stories::{T0, batch};

/// Set in the child's environment to the database URL; the child's entry point runs only then.
const CHILD_VAR: &str = "ORDERHUB_CRASH_CHILD_URL";
const BATCHES: u32 = 150;
const PER_BATCH: u32 = 20;
const KILLS: u32 = 25;

fn external_id(batch: u32, n: u32) -> String {
    format!("B{batch:04}-{n:02}")
}

/// The child: ingest from the stored cursor to the end, reporting each commit on stdout.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn crash_child_entry() {
    let Ok(url) = std::env::var(CHILD_VAR) else {
        return;
    };
    let store = store::open(&url).await.unwrap();
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
    for b in next..BATCHES {
        let items = (0..PER_BATCH)
            .map(|n| synthetic_item(42, shop, &external_id(b, n), 0, T0))
            .collect();
        store
            .ingest_batch(batch(shop, items, Some(&(b + 1).to_string())))
            .await
            .unwrap();
        writeln!(out, "committed {b}").unwrap();
        out.flush().unwrap();
    }
}

pub(crate) async fn kill_and_verify(db: &TestDb) {
    let exe = std::env::current_exe().unwrap();
    let mut rng = Rng::new(9);
    let mut reported = BTreeSet::new();
    let mut kills = 0;
    loop {
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash::crash_child_entry",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_VAR, db.url())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .filter_map(|it| it.strip_prefix("committed ")?.parse::<u32>().ok())
                .collect::<Vec<_>>()
        });
        let finished = if kills < KILLS {
            tokio::time::sleep(Duration::from_millis(30 + rng.below(250))).await;
            // SIGKILL on Unix; a child that already finished is simply reaped.
            let _ = child.kill();
            kills += 1;
            child.wait().unwrap();
            false
        } else {
            assert!(
                child.wait().unwrap().success(),
                "the last child must finish cleanly"
            );
            true
        };
        reported.extend(reader.join().unwrap());
        if finished {
            break;
        }
    }
    assert!(kills >= 20);

    let store = db.open().await;
    let shop = store
        .ensure_shop("crash", ChannelKind::Taobao, "crash test")
        .await
        .unwrap()
        .id;
    assert_eq!(
        store.cursor(shop, Stream::Orders).await.unwrap(),
        Some(BATCHES.to_string())
    );
    // A child killed between commit and report leaves a committed batch unreported, never the reverse;
    // the orders of every batch are checked below.
    assert!(reported.iter().all(|b| *b < BATCHES) && reported.len() as u32 + kills >= BATCHES);
    let total: u64 = store
        .count_orders()
        .await
        .unwrap()
        .iter()
        .map(|it| it.1)
        .sum();
    assert_eq!(
        total,
        u64::from(BATCHES * PER_BATCH),
        "no batch was stored twice or in part"
    );
    for b in 0..BATCHES {
        for n in 0..PER_BATCH {
            let id = external_id(b, n);
            let order = store
                .find_order(shop, &ExternalId::new(&id).unwrap())
                .await
                .unwrap();
            let expected = synthetic_item(42, shop, &id, 0, T0);
            assert_eq!(
                order.map(|it| it.data),
                Some(expected.order),
                "order {id} of committed batch {b}"
            );
        }
    }
}
