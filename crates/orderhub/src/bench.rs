//! `orderhub bench`: measurements written down in `docs/benchmarks.md`, never asserted in tests.

use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Instant;

use anyhow::Context;
use app::{IngestBatch, Stream};
use clap::Subcommand;
use domain::{Actor, ChannelKind, Timestamp};
use serde::Serialize;
use test_support::{TestDb, synthetic_item};

#[derive(Subcommand, Debug)]
pub(crate) enum BenchCommand {
    /// Score the address parser on the labelled evaluation set, side by side with the `cpca` crate,
    /// and time both.
    Address {
        /// Where to write the JSON results.
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
    },
    /// Serve the API over N stored orders and keep C requests in flight for S seconds: look-ups
    /// by id and searches by order id and phone tail.
    Api {
        #[arg(long, default_value_t = 100_000)]
        orders: u64,
        #[arg(long, default_value_t = 64)]
        connections: usize,
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Where to write the JSON results.
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
    },
    /// Import a synthetic GBK Taobao export of about N rows into a fresh SQLite store.
    Import {
        /// About how many rows (orders have 2–3 rows).
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Where to write the JSON results.
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
    },
    /// Route N synthetic orders with a rule set of R rules: evaluation only, then decided, reserved
    /// and committed on a fresh SQLite store.
    Route {
        #[arg(long, default_value_t = 100_000)]
        orders: u64,
        #[arg(long, default_value_t = 200)]
        rules: usize,
        /// Where to write the JSON results.
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
    },
    /// Pull a simulated Taobao shop over loopback HTTP through the connector and the sync loop, then
    /// screen and route what arrived, on a fresh SQLite store.
    Pull {
        /// The platform: taobao, douyin or shopify.
        #[arg(long, default_value = "taobao")]
        platform: String,
        /// New orders per simulated hour of history.
        #[arg(long, default_value_t = 2_000)]
        orders_per_hour: u32,
        /// Hours of history to pull.
        #[arg(long, default_value_t = 24)]
        hours: u32,
        /// Where to write the JSON results.
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
    },
    /// Ingest N synthetic standard orders (2–3 lines and a raw document each) in batched commits.
    Store {
        /// How many orders to ingest.
        #[arg(long, default_value_t = 1_000_000)]
        orders: u64,
        /// Orders per committed batch.
        #[arg(long, default_value_t = 1_000)]
        batch: u64,
        /// sqlite, postgres or both. PostgreSQL uses a fresh database on the server named by
        /// ORDERHUB_TEST_POSTGRES_URL (default postgres://postgres@127.0.0.1:5432/test), dropped after.
        #[arg(long, default_value = "sqlite")]
        backend: String,
        /// Where to write the JSON results.
        #[arg(long, default_value = "target/bench")]
        out: PathBuf,
    },
}

/// The results of one `bench store` run on one backend.
#[derive(Debug, Serialize)]
struct StoreResult {
    backend: String,
    orders: u64,
    batch: u64,
    seconds: f64,
    orders_per_second: f64,
    batch_commit_p50_ms: f64,
    batch_commit_p99_ms: f64,
    /// Orders per second over each tenth of the run, first to last: flat means cost per order is flat.
    orders_per_second_by_tenth: Vec<f64>,
    peak_rss_mib: f64,
    database_bytes_per_order: Option<f64>,
}

pub(crate) async fn run(command: BenchCommand) -> anyhow::Result<()> {
    match command {
        BenchCommand::Address { out } => crate::address_bench::run(&out),
        BenchCommand::Api {
            orders,
            connections,
            seconds,
            out,
        } => crate::api_bench::run(orders, connections.max(1), seconds, &out).await,
        BenchCommand::Import { rows, out } => bench_import(rows, &out).await,
        BenchCommand::Pull {
            platform,
            orders_per_hour,
            hours,
            out,
        } => crate::pull_bench::run(&platform, orders_per_hour, hours, &out).await,
        BenchCommand::Route { orders, rules, out } => {
            crate::route_bench::run(orders, rules, &out).await
        }
        BenchCommand::Store {
            orders,
            batch,
            backend,
            out,
        } => {
            let backends: &[&str] = match backend.as_str() {
                "sqlite" => &["sqlite"],
                "postgres" => &["postgres"],
                "both" => &["sqlite", "postgres"],
                other => anyhow::bail!("unknown backend {other:?}: use sqlite, postgres or both"),
            };
            std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
            for backend in backends {
                let result = bench_store(backend, orders, batch.max(1)).await?;
                print_store(&result);
                let path = out.join(format!("store-{backend}.json"));
                std::fs::write(&path, serde_json::to_string_pretty(&result)?)
                    .with_context(|| format!("writing {}", path.display()))?;
                eprintln!("wrote {}", path.display());
            }
            Ok(())
        }
    }
}

async fn bench_store(backend: &str, orders: u64, batch: u64) -> anyhow::Result<StoreResult> {
    let db = match backend {
        "postgres" => {
            let server = std::env::var(test_support::POSTGRES_URL_VAR)
                .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".to_owned());
            TestDb::postgres_at(&server).await
        }
        _ => TestDb::sqlite(),
    };
    let store = db.open().await;
    let shop = store
        .ensure_shop("bench", ChannelKind::Tmall, "bench")
        .await?
        .id;
    let base = Timestamp::from_unix_millis(1_760_000_000_000);

    // Orders are generated on a thread of their own, a few batches ahead, so the measurement is the store's.
    let (tx, rx) = mpsc::sync_channel::<Vec<app::IngestItem>>(4);
    // A day's orders every 10⁶: one every 86 ms of platform time.
    let generator = std::thread::Builder::new()
        .name("generator".to_owned())
        .spawn(move || {
            let mut n = 0;
            while n < orders {
                let size = batch.min(orders - n);
                let items = (n..n + size)
                    .map(|i| {
                        synthetic_item(
                            1,
                            shop,
                            &format!("{}", 4_000_000_000_000_000_000u64 + i),
                            0,
                            base,
                        )
                    })
                    .collect();
                n += size;
                if tx.send(items).is_err() {
                    return;
                }
            }
        })?;

    let mut latencies = Vec::new();
    let mut tenths = Vec::new();
    let (mut done, mut tenth_start, mut tenth_orders) = (0u64, Instant::now(), 0u64);
    let started = Instant::now();
    let mut n_batch = 0u64;
    while let Ok(items) = rx.recv() {
        let size = items.len() as u64;
        let batch = IngestBatch {
            shop,
            stream: Stream::Orders,
            items,
            cursor: Some(n_batch.to_string()),
            actor: Actor::System,
            at: base,
        };
        let t = Instant::now();
        let report = store.ingest_batch(batch).await?;
        latencies.push(t.elapsed().as_secs_f64() * 1000.0);
        anyhow::ensure!(
            u64::from(report.inserted) == size,
            "batch {n_batch} inserted {} of {size}",
            report.inserted
        );
        n_batch += 1;
        done += size;
        tenth_orders += size;
        if tenth_orders * 10 >= orders || done == orders {
            tenths.push(tenth_orders as f64 / tenth_start.elapsed().as_secs_f64());
            tenth_start = Instant::now();
            tenth_orders = 0;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    generator
        .join()
        .map_err(|_| anyhow::anyhow!("the order generator panicked"))?;
    latencies.sort_by(f64::total_cmp);
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 - 1.0) * q).round() as usize)
            .copied()
            .unwrap_or(0.0)
    };
    let database_bytes_per_order = match &db {
        TestDb::Sqlite { .. } => {
            let path = db.url().trim_start_matches("sqlite://");
            let size: u64 = ["", "-wal"]
                .iter()
                .filter_map(|ext| std::fs::metadata(format!("{path}{ext}")).ok())
                .map(|it| it.len())
                .sum();
            Some(size as f64 / orders as f64)
        }
        TestDb::Postgres { .. } => None,
    };
    Ok(StoreResult {
        backend: backend.to_owned(),
        orders,
        batch,
        seconds,
        orders_per_second: orders as f64 / seconds,
        batch_commit_p50_ms: pick(0.50),
        batch_commit_p99_ms: pick(0.99),
        orders_per_second_by_tenth: tenths,
        peak_rss_mib: peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
        database_bytes_per_order,
    })
}

fn print_store(r: &StoreResult) {
    println!("bench store — {}", r.backend);
    println!("  orders               {:>12}", r.orders);
    println!("  batch size           {:>12}", r.batch);
    println!("  elapsed              {:>12.2} s", r.seconds);
    println!(
        "  throughput           {:>12.0} orders/s",
        r.orders_per_second
    );
    println!("  batch commit p50     {:>12.2} ms", r.batch_commit_p50_ms);
    println!("  batch commit p99     {:>12.2} ms", r.batch_commit_p99_ms);
    let tenths: Vec<String> = r
        .orders_per_second_by_tenth
        .iter()
        .map(|it| format!("{it:.0}"))
        .collect();
    println!("  orders/s by tenth    {}", tenths.join(" "));
    println!("  peak RSS             {:>12.1} MiB", r.peak_rss_mib);
    if let Some(bytes) = r.database_bytes_per_order {
        println!("  database per order   {bytes:>12.0} bytes");
    }
}

/// The process's peak resident set (VmHWM) in KiB, on Linux.
pub(crate) fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|it| it.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The results of one `bench import` run.
#[derive(Debug, Serialize)]
struct ImportResult {
    rows: u64,
    orders: u64,
    file_bytes: u64,
    seconds: f64,
    rows_per_second: f64,
    orders_per_second: f64,
    peak_rss_mib: f64,
    rejected: usize,
    /// A second import of the same file: everything unchanged.
    reimport_seconds: f64,
    reimport_unchanged: u64,
}

async fn bench_import(rows: u64, out: &std::path::Path) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let csv = dir.path().join("taobao-export.csv");
    // About 2.5 rows per order.
    let written = crate::import::write_synthetic_export(&csv, rows * 2 / 5)?;
    let file_bytes = std::fs::metadata(&csv)?.len();
    let db = TestDb::sqlite();
    let store = db.open().await;
    store
        .ensure_shop("bench-csv", ChannelKind::Tmall, "bench")
        .await?;
    for code in test_support::product_codes() {
        let sku = app::SkuDefinition::plain(domain::SkuCode::new(code)?, code);
        store.put_sku(&sku).await?;
    }
    let (mapping, key) = crate::import::profile("taobao", None)?;
    let at = Timestamp::from_unix_millis(1_760_000_000_000);
    let started = Instant::now();
    let summary = crate::import::run(
        store.clone(),
        "bench-csv",
        &mapping,
        &key,
        std::slice::from_ref(&csv),
        at,
    )
    .await?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = peak_rss_kib().unwrap_or(0) as f64 / 1024.0;
    let started = Instant::now();
    let again = crate::import::run(
        store,
        "bench-csv",
        &mapping,
        &key,
        std::slice::from_ref(&csv),
        at,
    )
    .await?;
    let result = ImportResult {
        rows: written,
        orders: summary.orders,
        file_bytes,
        seconds,
        rows_per_second: written as f64 / seconds,
        orders_per_second: summary.orders as f64 / seconds,
        peak_rss_mib: peak,
        rejected: summary.rejected.len(),
        reimport_seconds: started.elapsed().as_secs_f64(),
        reimport_unchanged: again.unchanged,
    };
    println!("bench import — GBK Taobao export, SQLite");
    println!("  rows                 {:>12}", result.rows);
    println!("  orders               {:>12}", result.orders);
    println!(
        "  file                 {:>12.1} MiB",
        file_bytes as f64 / 1048576.0
    );
    println!("  elapsed              {:>12.2} s", result.seconds);
    println!(
        "  throughput           {:>12.0} rows/s ({:.0} orders/s)",
        result.rows_per_second, result.orders_per_second
    );
    println!("  peak RSS             {:>12.1} MiB", result.peak_rss_mib);
    println!("  rejected             {:>12}", result.rejected);
    println!(
        "  re-import            {:>12.2} s, {} unchanged",
        result.reimport_seconds, result.reimport_unchanged
    );
    std::fs::create_dir_all(out)?;
    std::fs::write(
        out.join("import.json"),
        serde_json::to_string_pretty(&result)?,
    )?;
    Ok(())
}
