//! `orderhub bench api`: the API under load. N synthetic orders are ingested into a fresh SQLite
//! store, the API is served on loopback in this process, and a built-in load generator keeps C
//! requests in flight for a fixed time over keep-alive connections: look-ups of an order by id (its
//! detail, with shipments and timeline) and searches by the platform's order id and by phone tail,
//! each authenticated by a bearer token. Requests per second and p50/p99/p99.9 latency are printed
//! and written as JSON.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use app::{IngestBatch, Stream};
use domain::{Actor, ChannelKind, Role, Timestamp};
use serde::Serialize;
use test_support::{TestDb, synthetic_item};

#[derive(Serialize)]
struct ApiResult {
    orders: u64,
    connections: usize,
    seconds: f64,
    requests: u64,
    errors: u64,
    requests_per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    p999_ms: f64,
    by_kind: Vec<KindResult>,
}

#[derive(Serialize)]
struct KindResult {
    kind: &'static str,
    requests: u64,
    p50_ms: f64,
    p99_ms: f64,
}

const KINDS: [&str; 3] = ["detail by id", "search by order id", "search by phone tail"];

pub(crate) async fn run(
    orders: u64,
    connections: usize,
    seconds: u64,
    out: &Path,
) -> anyhow::Result<()> {
    let db = TestDb::sqlite();
    let store = db.open().await;
    let shop = store
        .ensure_shop("bench", ChannelKind::Tmall, "bench")
        .await?
        .id;
    let base = Timestamp::from_unix_millis(1_760_000_000_000);
    let external = |i: u64| format!("{}", 4_000_000_000_000_000_000u64 + i);
    let mut phones = Vec::new();
    let seeding = Instant::now();
    let mut n = 0;
    while n < orders {
        let size = 1_000.min(orders - n);
        let items: Vec<_> = (n..n + size)
            .map(|i| synthetic_item(1, shop, &external(i), 0, base))
            .collect();
        if phones.len() < 1_000 {
            phones.extend(items.iter().map(|it| it.order.receiver.phone.clone()));
        }
        store
            .ingest_batch(IngestBatch {
                shop,
                stream: Stream::Orders,
                items,
                cursor: None,
                actor: Actor::System,
                at: base,
            })
            .await?;
        n += size;
    }
    eprintln!(
        "seeded {orders} orders in {:.1} s",
        seeding.elapsed().as_secs_f64()
    );
    let user = store
        .create_user(
            &app::NewUser {
                login: "bench".to_owned(),
                name: "bench".to_owned(),
                role: Role::Operations,
                warehouses: Vec::new(),
                password_hash: String::new(),
            },
            base,
        )
        .await?;
    let token = "oh_bench_token";
    store
        .create_token(user.id, "bench", &web::api::auth::digest(token), &[], base)
        .await?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let state = web::ApiState::new(store.clone(), Arc::new(crate::WallClock));
    let (addr, server) = web::serve_api("127.0.0.1:0".parse()?, state, async {
        let _ = stopped.await;
    })
    .await?;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(connections)
        .build()?;
    let ids: Vec<i64> = store
        .search_orders(&app::OrderQuery {
            limit: 1_000,
            ..app::OrderQuery::default()
        })
        .await?
        .into_iter()
        .map(|it| it.id.0)
        .collect();
    anyhow::ensure!(!ids.is_empty(), "no orders to look up");
    let ids = Arc::new(ids);
    let phones = Arc::new(phones);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for worker in 0..connections {
        let (client, ids, phones) = (client.clone(), ids.clone(), phones.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies: [Vec<u32>; 3] = Default::default();
            let mut errors = 0u64;
            let mut i = worker as u64 * 7919;
            while Instant::now() < deadline {
                i = i
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                let pick = (i >> 33) as usize;
                let kind = pick % 10;
                let (kind, url) = match kind {
                    0..=4 => (
                        0,
                        format!("http://{addr}/api/v1/orders/{}", ids[pick % ids.len()]),
                    ),
                    5..=7 => (
                        1,
                        format!(
                            "http://{addr}/api/v1/orders?q={}",
                            4_000_000_000_000_000_000u64 + (pick as u64 % orders)
                        ),
                    ),
                    _ => {
                        let phone = &phones[pick % phones.len()];
                        let tail = &phone[phone.len().saturating_sub(4)..];
                        (
                            2,
                            format!("http://{addr}/api/v1/orders?phone_tail={tail}&limit=20"),
                        )
                    }
                };
                let t = Instant::now();
                let answer = client.get(&url).bearer_auth(token).send().await;
                let ok = match answer {
                    Ok(response) => {
                        let ok = response.status().is_success();
                        ok && response.bytes().await.is_ok()
                    }
                    Err(_) => false,
                };
                let micros = t.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                match ok {
                    true => latencies[kind].push(micros),
                    false => errors += 1,
                }
            }
            (latencies, errors)
        }));
    }
    let mut all: [Vec<u32>; 3] = Default::default();
    let mut errors = 0;
    for task in tasks {
        let (latencies, failed) = task.await?;
        for (into, from) in all.iter_mut().zip(latencies) {
            into.extend(from);
        }
        errors += failed;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let _ = stop.send(());
    server.await??;
    let mut merged: Vec<u32> = all.iter().flatten().copied().collect();
    merged.sort_unstable();
    let percentile = |sorted: &[u32], p: f64| -> f64 {
        match sorted.len() {
            0 => 0.0,
            len => f64::from(sorted[((len as f64 * p) as usize).min(len - 1)]) / 1000.0,
        }
    };
    let by_kind = KINDS
        .iter()
        .zip(all.iter_mut())
        .map(|(kind, latencies)| {
            latencies.sort_unstable();
            KindResult {
                kind,
                requests: latencies.len() as u64,
                p50_ms: percentile(latencies, 0.50),
                p99_ms: percentile(latencies, 0.99),
            }
        })
        .collect();
    let result = ApiResult {
        orders,
        connections,
        seconds: elapsed,
        requests: merged.len() as u64,
        errors,
        requests_per_second: merged.len() as f64 / elapsed,
        p50_ms: percentile(&merged, 0.50),
        p99_ms: percentile(&merged, 0.99),
        p999_ms: percentile(&merged, 0.999),
        by_kind,
    };
    println!(
        "| orders | connections | requests/s | p50 | p99 | p99.9 | errors |\n|---|---|---|---|---|---|---|\n| {} | {} | {:.0} | {:.2} ms | {:.2} ms | {:.2} ms | {} |",
        result.orders,
        result.connections,
        result.requests_per_second,
        result.p50_ms,
        result.p99_ms,
        result.p999_ms,
        result.errors
    );
    for kind in &result.by_kind {
        println!(
            "  {:<22} {:>8} requests  p50 {:.2} ms  p99 {:.2} ms",
            kind.kind, kind.requests, kind.p50_ms, kind.p99_ms
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join("api.json");
    std::fs::write(&path, serde_json::to_string_pretty(&result)?)
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    drop(db);
    Ok(())
}
