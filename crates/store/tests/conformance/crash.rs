//! Crash safety: a child process ingests batches and is killed with SIGKILL at random moments; after
//! each restart it resumes from the stored cursor. Every batch it reported committed must be there
//! exactly once and whole, and nothing may be half-written.

use std::collections::BTreeSet;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use app::Stream;
use domain::{ChannelKind, ExternalId};
use test_support::{Rng, TestDb, crash_external_id, synthetic_item};

use crate::stories::T0;

const BATCHES: u32 = 150;
const PER_BATCH: u32 = 20;
const KILLS: u32 = 25;

/// The child, `examples/crash_child.rs`, which `cargo test` builds beside the test binaries.
fn child_exe() -> std::path::PathBuf {
    let deps = std::env::current_exe().unwrap();
    let profile = deps.parent().and_then(|it| it.parent()).unwrap();
    profile
        .join("examples")
        .join(format!("crash_child{}", std::env::consts::EXE_SUFFIX))
}

pub(crate) async fn kill_and_verify(db: &TestDb) {
    let exe = child_exe();
    assert!(
        exe.exists(),
        "{} is missing: run the suite with cargo test, which builds examples",
        exe.display()
    );
    let mut rng = Rng::new(9);
    let mut reported = BTreeSet::new();
    let mut kills = 0;
    loop {
        let mut child = Command::new(&exe)
            .args([
                db.url(),
                &BATCHES.to_string(),
                &PER_BATCH.to_string(),
                &T0.unix_millis().to_string(),
            ])
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
            let id = crash_external_id(b, n);
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
