//! The sync loop, written once for every connector: each run of a shop's order stream asks for
//! `[watermark − overlap, now − lag]` cut into the platform's widest window, pages each window the way
//! the connector says, stores every page in one transaction, and moves the watermark (a cursor in the
//! platform's modification times) with the window's last page — so a crash repeats at most a window,
//! and duplicates change nothing. Documents that do not map are kept as rejects. Transient failures
//! are retried with exponential backoff and jitter, rate limits are waited out as the platform says;
//! other errors end the run for this shop and are reported, other shops go on.

use domain::{Actor, OrderId, Shop, Timestamp};

use crate::channel::{ChannelError, Connector, Fetched, PageToken, Window};
use crate::error::Error;
use crate::store::{IngestBatch, IngestItem, NewReject, RawDocument, Store, Stream};

/// Waits: the binary sleeps on its runtime, tests record the waits.
#[async_trait::async_trait]
pub trait Pause: Send + Sync {
    async fn pause(&self, millis: i64);
}

/// How often and how long a failing call is retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Calls in all, the first included.
    pub attempts: u32,
    pub base_millis: i64,
    pub max_millis: i64,
}

impl Default for RetryPolicy {
    fn default() -> RetryPolicy {
        RetryPolicy {
            attempts: 5,
            base_millis: 500,
            max_millis: 30_000,
        }
    }
}

/// What one run of a shop's order stream did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SyncReport {
    pub windows: u32,
    pub pages: u32,
    pub fetched: u32,
    pub inserted: u32,
    pub updated: u32,
    pub unchanged: u32,
    pub stale: u32,
    pub rejected: u32,
    pub retries: u32,
    /// The watermark after the run (the end of the last window stored).
    pub watermark: Option<Timestamp>,
    /// Orders inserted or updated, for screening and routing.
    pub changed: Vec<OrderId>,
}

/// Why a run stopped before reaching "now − lag".
#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("{0}")]
    Channel(ChannelError),
    #[error(transparent)]
    Store(#[from] Error),
}

/// The watermark as stored: milliseconds since the epoch of the platform's modification times.
fn parse_watermark(text: &str) -> Result<Timestamp, Error> {
    text.parse::<i64>()
        .map(Timestamp::from_unix_millis)
        .map_err(|_| Error::Storage(format!("order watermark {text:?} is not a time")))
}

/// One run of `shop`'s order stream up to `now − lag`. A shop never synced starts at `first_from`.
#[allow(clippy::too_many_arguments)]
pub async fn sync_orders(
    store: &dyn Store,
    connector: &dyn Connector,
    shop: &Shop,
    first_from: Timestamp,
    now: Timestamp,
    pause: &dyn Pause,
    jitter: &mut (dyn FnMut(i64) -> i64 + Send),
    policy: RetryPolicy,
) -> Result<SyncReport, SyncError> {
    let limits = connector.limits();
    let watermark = match store.cursor(shop.id, Stream::Orders).await? {
        Some(text) => parse_watermark(&text)?,
        None => first_from,
    };
    let from = watermark
        .plus_millis(-limits.overlap_millis)
        .max(first_from.min(watermark));
    let to = now.plus_millis(-limits.lag_millis);
    let mut report = SyncReport {
        watermark: Some(watermark),
        ..SyncReport::default()
    };
    for window in Window::split(from, to, limits.max_window_millis) {
        report.windows += 1;
        let mut page: Option<PageToken> = None;
        loop {
            let token = page.clone();
            let listed = retrying(
                async || connector.list_orders(window, token.clone(), now).await,
                pause,
                jitter,
                policy,
                &mut report,
            )
            .await
            .map_err(SyncError::Channel)?;
            report.pages += 1;
            let last = listed.next.is_none();
            store_page(
                store,
                shop,
                listed.items,
                last.then_some(window.to),
                now,
                &mut report,
            )
            .await?;
            if last {
                report.watermark = Some(window.to);
                break;
            }
            page = listed.next;
        }
    }
    Ok(report)
}

/// Calls the platform until it answers, retrying what the error's class allows.
async fn retrying<T>(
    mut call: impl AsyncFnMut() -> Result<T, ChannelError>,
    pause: &dyn Pause,
    jitter: &mut (dyn FnMut(i64) -> i64 + Send),
    policy: RetryPolicy,
    report: &mut SyncReport,
) -> Result<T, ChannelError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        let err = match call().await {
            Ok(answer) => return Ok(answer),
            Err(err) => err,
        };
        let wait = match &err {
            ChannelError::Transient(_) => {
                let backoff = policy
                    .base_millis
                    .saturating_mul(1 << (attempt - 1).min(20))
                    .min(policy.max_millis);
                backoff + jitter(backoff / 2)
            }
            ChannelError::RateLimited {
                retry_after_millis, ..
            } => *retry_after_millis,
            ChannelError::Unauthorized(_)
            | ChannelError::Rejected { .. }
            | ChannelError::Decode(_) => return Err(err),
        };
        if attempt >= policy.attempts {
            return Err(err);
        }
        report.retries += 1;
        pause.pause(wait.max(0)).await;
    }
}

/// Stores one page in one transaction (with the watermark on a window's last page) and keeps the
/// documents that did not map as rejects.
async fn store_page(
    store: &dyn Store,
    shop: &Shop,
    items: Vec<Fetched>,
    watermark: Option<Timestamp>,
    now: Timestamp,
    report: &mut SyncReport,
) -> Result<(), Error> {
    report.fetched += items.len() as u32;
    let source = format!("api:{}", shop.channel.as_str());
    let mut good = Vec::with_capacity(items.len());
    let mut rejects = Vec::new();
    for item in items {
        match item.order {
            Ok(order) => good.push(IngestItem {
                raw: RawDocument {
                    shop: shop.id,
                    external_id: order.external_id.clone(),
                    received_at: now,
                    format: item.format,
                    body: item.raw,
                },
                order,
            }),
            Err(failure) => rejects.push(NewReject {
                shop: shop.id,
                source: source.clone(),
                external_ref: item.external_id,
                format: item.format,
                raw: item.raw,
                field: failure.field,
                reason: failure.reason,
                at: now,
            }),
        }
    }
    if !rejects.is_empty() {
        report.rejected += rejects.len() as u32;
        store.record_rejects(&rejects).await?;
    }
    let ingested = store
        .ingest_batch(IngestBatch {
            shop: shop.id,
            stream: Stream::Orders,
            items: good,
            cursor: watermark.map(|it| it.unix_millis().to_string()),
            actor: Actor::Platform(shop.code.clone()),
            at: now,
        })
        .await?;
    report.inserted += ingested.inserted;
    report.updated += ingested.updated;
    report.unchanged += ingested.unchanged;
    report.stale += ingested.stale;
    report.changed.extend(ingested.changed);
    Ok(())
}

/// Keeps one platform after-sale as our case; what the case cannot be made of is returned to be
/// kept as a reject (storage failures stay errors).
async fn record_case(
    store: &dyn Store,
    shop: &Shop,
    id: &str,
    order_id: &str,
    case: &crate::PlatformAfterSale,
    now: Timestamp,
) -> Result<Option<crate::MapFailure>, SyncError> {
    let order = match domain::ExternalId::new(order_id) {
        Ok(external) => store.find_order(shop.id, &external).await?,
        Err(_) => None,
    };
    let Some(order) = order else {
        return Ok(Some(crate::MapFailure {
            field: "after_sale.order_id".to_owned(),
            reason: format!("order {order_id:?} is not kept (yet): the after-sale waits for it"),
        }));
    };
    match crate::record_platform_after_sale(store, &order, id, case, now).await {
        Ok(_) => Ok(None),
        Err(Error::Storage(text)) => Err(SyncError::Store(Error::Storage(text))),
        Err(other) => Ok(Some(crate::MapFailure {
            field: "after_sale".to_owned(),
            reason: other.to_string(),
        })),
    }
}

/// One run of `shop`'s after-sales stream (refunds, returns) up to `now − lag`: every document is
/// kept once, with the stream's own watermark, and each order an after-sale concerns is fetched again
/// so that its lines' refund states are current; then each after-sale becomes (or moves) our case.
#[allow(clippy::too_many_arguments)]
pub async fn sync_after_sales(
    store: &dyn Store,
    connector: &dyn Connector,
    shop: &Shop,
    first_from: Timestamp,
    now: Timestamp,
    pause: &dyn Pause,
    jitter: &mut (dyn FnMut(i64) -> i64 + Send),
    policy: RetryPolicy,
) -> Result<SyncReport, SyncError> {
    let limits = connector.limits();
    let watermark = match store.cursor(shop.id, Stream::AfterSales).await? {
        Some(text) => parse_watermark(&text)?,
        None => first_from,
    };
    let from = watermark
        .plus_millis(-limits.overlap_millis)
        .max(first_from.min(watermark));
    let to = now.plus_millis(-limits.lag_millis);
    let mut report = SyncReport {
        watermark: Some(watermark),
        ..SyncReport::default()
    };
    for window in Window::split(from, to, limits.max_window_millis) {
        report.windows += 1;
        let mut page: Option<PageToken> = None;
        loop {
            let token = page.clone();
            let listed = retrying(
                async || connector.list_after_sales(window, token.clone(), now).await,
                pause,
                jitter,
                policy,
                &mut report,
            )
            .await
            .map_err(SyncError::Channel)?;
            report.pages += 1;
            report.fetched += listed.items.len() as u32;
            let mut documents = Vec::new();
            let mut orders = std::collections::BTreeSet::new();
            let mut cases = Vec::new();
            for item in listed.items {
                let Ok(id) = domain::ExternalId::new(item.id.as_str()) else {
                    report.rejected += 1;
                    store
                        .record_rejects(&[NewReject {
                            shop: shop.id,
                            source: format!("api:{}", shop.channel.as_str()),
                            external_ref: item.order_id.clone(),
                            format: item.format.clone(),
                            raw: item.raw,
                            field: "after_sale.id".to_owned(),
                            reason: "the after-sale has no id".to_owned(),
                            at: now,
                        }])
                        .await?;
                    continue;
                };
                orders.insert(item.order_id.clone());
                cases.push((
                    item.id.clone(),
                    item.order_id,
                    item.format.clone(),
                    item.case,
                    item.raw.clone(),
                ));
                documents.push(RawDocument {
                    shop: shop.id,
                    external_id: id,
                    received_at: now,
                    format: item.format,
                    body: item.raw,
                });
            }
            let last = listed.next.is_none();
            let cursor = last.then(|| window.to.unix_millis().to_string());
            report.inserted += store
                .keep_documents(
                    shop.id,
                    Stream::AfterSales,
                    &documents,
                    cursor.as_deref(),
                    now,
                )
                .await?;
            for order in orders.iter().filter(|it| !it.is_empty()) {
                let fetched = fetch_and_store(store, connector, shop, order, now).await?;
                report.changed.extend(fetched.changed);
            }
            for (id, order_id, format, case, raw) in cases {
                let refused = match case {
                    Ok(case) => record_case(store, shop, &id, &order_id, &case, now).await?,
                    Err(failure) => Some(failure),
                };
                if let Some(failure) = refused {
                    report.rejected += 1;
                    store
                        .record_rejects(&[NewReject {
                            shop: shop.id,
                            source: format!("api:{}", shop.channel.as_str()),
                            external_ref: id,
                            format,
                            raw,
                            field: failure.field,
                            reason: failure.reason,
                            at: now,
                        }])
                        .await?;
                }
            }
            if last {
                report.watermark = Some(window.to);
                break;
            }
            page = listed.next;
        }
    }
    Ok(report)
}

/// Fetches one order now (a push said it changed) and stores it; the watermark stays.
pub async fn fetch_and_store(
    store: &dyn Store,
    connector: &dyn Connector,
    shop: &Shop,
    external_id: &str,
    now: Timestamp,
) -> Result<SyncReport, SyncError> {
    let fetched = connector
        .fetch_order(external_id, now)
        .await
        .map_err(SyncError::Channel)?;
    let mut report = SyncReport {
        pages: 1,
        ..SyncReport::default()
    };
    store_page(store, shop, vec![fetched], None, now, &mut report).await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use domain::Timestamp;

    use crate::channel::Window;

    #[test]
    fn windows_cover_the_span_without_gaps() {
        let t = Timestamp::from_unix_millis;
        let windows = Window::split(t(0), t(2_500), 1_000);
        assert_eq!(
            windows
                .iter()
                .map(|w| (w.from.unix_millis(), w.to.unix_millis()))
                .collect::<Vec<_>>(),
            [(0, 1_000), (1_000, 2_000), (2_000, 2_500)]
        );
        assert!(Window::split(t(5), t(5), 1_000).is_empty());
        assert!(Window::split(t(9), t(5), 1_000).is_empty());
    }
}
