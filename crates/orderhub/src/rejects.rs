//! `orderhub rejects list [--shop CODE]`: the platform documents and import rows that could not become
//! orders and are still open, oldest first, one line each (tab-separated), so that a mapping fix can be
//! aimed at them.

use std::collections::HashMap;

use anyhow::Context;
use domain::ShopId;

#[derive(clap::Subcommand, Debug)]
pub(crate) enum RejectsCommand {
    /// List open rejects, oldest first: id, shop, first seen (UTC), attempts, source, platform order id
    /// and `field: reason`.
    List {
        /// Only this shop's (its code).
        #[arg(long)]
        shop: Option<String>,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Map every open reject again with the current mappings: those that map now are ingested and
    /// resolved, the others keep their (new) reason.
    Retry {
        /// Only this shop's (its code).
        #[arg(long)]
        shop: Option<String>,
    },
}

/// Re-processes open rejects; returns how many were resolved and how many are still open.
pub(crate) async fn retry(
    store: &dyn app::Store,
    shop: Option<String>,
    at: domain::Timestamp,
) -> anyhow::Result<(u64, u64)> {
    let shops = store.shops().await.context("listing shops")?;
    let only = match &shop {
        Some(code) => Some(
            shops
                .iter()
                .find(|it| it.code == *code)
                .with_context(|| format!("unknown shop {code:?}"))?
                .id,
        ),
        None => None,
    };
    let (mut resolved, mut open, mut after) = (0, 0, None);
    loop {
        let page = store
            .open_rejects(only, after, PAGE)
            .await
            .context("listing rejects")?;
        let Some(last) = page.last() else { break };
        after = Some(last.id);
        for reject in page {
            let context = mapping::MapContext {
                shop: reject.shop,
                default_country: "CN",
                divisions: mapping::Divisions::official(),
            };
            let outcome = match crate::import::mapping_for(&reject.format) {
                Some(mapping) => mapping
                    .map(&reject.raw, &context)
                    .map_err(|err| (err.field, err.reason)),
                None => Err((
                    "format".to_owned(),
                    format!("no mapping for {:?}", reject.format),
                )),
            };
            match outcome {
                Ok(mapped) => {
                    let raw = app::RawDocument {
                        shop: reject.shop,
                        external_id: mapped.order.external_id.clone(),
                        received_at: at,
                        format: reject.format.clone(),
                        body: reject.raw.clone(),
                    };
                    let items = vec![app::IngestItem {
                        raw,
                        order: mapped.order,
                    }];
                    let batch = app::IngestBatch {
                        shop: reject.shop,
                        stream: app::Stream::Orders,
                        items,
                        cursor: None,
                        actor: domain::Actor::System,
                        at,
                    };
                    store.ingest_batch(batch).await?;
                    store.resolve_reject(reject.id, at).await?;
                    resolved += 1;
                }
                Err((field, reason)) => {
                    let again = app::NewReject {
                        shop: reject.shop,
                        source: reject.source,
                        external_ref: reject.external_ref,
                        format: reject.format,
                        raw: reject.raw,
                        field,
                        reason,
                        at,
                    };
                    store.record_rejects(&[again]).await?;
                    open += 1;
                }
            }
        }
    }
    Ok((resolved, open))
}

/// The most the store hands out in one page.
const PAGE: u32 = 1000;

pub(crate) async fn list(
    store: &dyn app::Store,
    shop: Option<String>,
    limit: u32,
) -> anyhow::Result<()> {
    let shops = store.shops().await.context("listing shops")?;
    let only = match &shop {
        Some(code) => Some(
            shops
                .iter()
                .find(|it| it.code == *code)
                .with_context(|| format!("unknown shop {code:?}"))?
                .id,
        ),
        None => None,
    };
    let codes: HashMap<ShopId, &str> = shops.iter().map(|it| (it.id, it.code.as_str())).collect();
    let (mut after, mut left) = (None, limit);
    while left > 0 {
        let want = left.min(PAGE);
        let page = store
            .open_rejects(only, after, want)
            .await
            .context("listing rejects")?;
        for r in &page {
            println!(
                "{}\t{}\t{}\t{}\t{}\t{}\t{}: {}",
                r.id,
                codes.get(&r.shop).copied().unwrap_or("?"),
                mapping::rfc3339(r.first_seen, 0),
                r.attempts,
                r.source,
                if r.external_ref.is_empty() {
                    "-"
                } else {
                    r.external_ref.as_str()
                },
                r.field,
                r.reason
            );
        }
        if page.len() < want as usize {
            break;
        }
        after = page.last().map(|it| it.id);
        left -= want;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use app::NewReject;
    use domain::{ChannelKind, ExternalId, Timestamp};

    use crate::rejects::retry;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn retry_ingests_what_maps_now_and_keeps_the_rest() {
        let db = test_support::TestDb::sqlite();
        let store = db.open().await;
        let shop = store
            .ensure_shop("dy", ChannelKind::Douyin, "抖店")
            .await
            .unwrap()
            .id;
        let at = Timestamp::from_unix_millis(1_760_000_000_000);
        let good = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../mapping/test_data/documents/douyin/to_ship.json"
        ))
        .unwrap();
        // Rejected by an older mapping; the current one maps it.
        let fixed = NewReject {
            shop,
            source: "api:douyin".into(),
            external_ref: "6900000000000000001".into(),
            format: "douyin@0".into(),
            raw: good,
            field: "paid".into(),
            reason: "old mapping".into(),
            at,
        };
        let broken = NewReject {
            raw: b"{\"order_id\": \"1\"}".to_vec(),
            external_ref: "1".into(),
            ..fixed.clone()
        };
        store.record_rejects(&[fixed, broken]).await.unwrap();
        assert_eq!(
            retry(store.as_ref(), Some("dy".into()), at).await.unwrap(),
            (1, 1)
        );
        let order = store
            .find_order(shop, &ExternalId::new("6900000000000000001").unwrap())
            .await
            .unwrap();
        assert!(order.is_some(), "the fixed reject became an order");
        let open = store.open_rejects(Some(shop), None, 10).await.unwrap();
        assert_eq!(open.len(), 1);
        assert_eq!(
            (open[0].attempts, open[0].field.as_str()),
            (2, "platform_status")
        );
        assert!(
            retry(store.as_ref(), Some("nope".into()), at)
                .await
                .is_err()
        );
    }
}
