//! `orderhub remap --shop S --since WHEN [--mapping FILE]`: after a mapping change, re-derive a shop's
//! orders from their kept raw documents. Orders whose data comes out the same are left alone; documents
//! the new mapping rejects are kept as rejects.

use anyhow::Context;
use app::{NewReject, Store};
use domain::{Actor, OrderId, Timestamp};
use mapping::{Divisions, MapContext, OrderMapping};

/// What a remap did.
#[derive(Debug, Default, PartialEq, Eq)]
pub(crate) struct RemapReport {
    pub(crate) documents: u64,
    pub(crate) changed: u64,
    pub(crate) rejected: u64,
}

/// `YYYY-MM-DD` (midnight, China time) or `Nd` (N days before `now`).
pub(crate) fn parse_since(text: &str, now: Timestamp) -> anyhow::Result<Timestamp> {
    if let Some(days) = text.strip_suffix('d') {
        let days: i64 = days
            .parse()
            .with_context(|| format!("{text:?} is not a number of days like 7d"))?;
        return Ok(now.plus_millis(-days * 86_400_000));
    }
    let local = mapping::TimeFormat::parse("local+08:00").map_err(|err| anyhow::anyhow!(err))?;
    mapping::parse_time(&format!("{text} 00:00:00"), &local)
        .map_err(|err| anyhow::anyhow!(err))?
        .with_context(|| format!("{text:?} is not a date like 2024-06-01 or a span like 7d"))
}

pub(crate) async fn run(
    store: &dyn Store,
    shop_code: &str,
    since: Timestamp,
    overrides: Option<&str>,
    at: Timestamp,
) -> anyhow::Result<RemapReport> {
    let shop = store
        .shops()
        .await?
        .into_iter()
        .find(|it| it.code == shop_code)
        .with_context(|| format!("unknown shop {shop_code:?}"))?;
    let context = MapContext {
        shop: shop.id,
        default_country: "CN",
        divisions: Divisions::official(),
    };
    let actor = Actor::User("remap".to_owned());
    let mut report = RemapReport::default();
    let skus = store.sku_map().await?;
    let mut after: Option<OrderId> = None;
    loop {
        let page = store.order_documents(shop.id, since, after, 500).await?;
        let Some((last, _)) = page.last() else { break };
        after = Some(*last);
        let mut items = Vec::new();
        let mut rejects = Vec::new();
        for (id, raw) in page {
            report.documents += 1;
            let mapped = mapping_for(&raw.format, overrides).and_then(|mapping| {
                mapping
                    .map(&raw.body, &context)
                    .map_err(|err| (err.field, err.reason))
            });
            match mapped {
                Ok(mut mapped) => {
                    crate::import::resolve_skus(&skus, &mut mapped.order);
                    items.push((id, mapped.order));
                }
                Err((field, reason)) => rejects.push(NewReject {
                    shop: shop.id,
                    source: format!("remap:order {id}"),
                    external_ref: raw.external_id.as_str().to_owned(),
                    format: raw.format,
                    raw: raw.body,
                    field,
                    reason,
                    at,
                }),
            }
        }
        report.rejected += rejects.len() as u64;
        store.record_rejects(&rejects).await?;
        let ids: Vec<OrderId> = items.iter().map(|(id, _)| *id).collect();
        report.changed += u64::from(store.rederive_orders(items, &actor, at).await?);
        // A re-derived line or address may now hold its order, or release it.
        app::screen(store, &ids, &crate::address::hold_for, &actor, at).await?;
    }
    Ok(report)
}

/// The current mapping of a document's format, with a shop's overrides on top when given.
fn mapping_for(format: &str, overrides: Option<&str>) -> Result<OrderMapping, (String, String)> {
    let unknown = || ("format".to_owned(), format!("no mapping for {format:?}"));
    match overrides {
        None => crate::import::mapping_for(format).ok_or_else(unknown),
        Some(overrides) => {
            let base = crate::import::builtin_for(format).ok_or_else(unknown)?;
            OrderMapping::with_overrides(base, overrides)
                .map_err(|err| (format!("mapping.{}", err.field), err.reason))
        }
    }
}

#[cfg(test)]
mod tests {
    use domain::{ChannelKind, ExternalId, Timestamp};

    use crate::remap::{RemapReport, parse_since, run};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_changed_mapping_rederives_orders() {
        let db = test_support::TestDb::sqlite();
        let store = db.open().await;
        let shop = store
            .ensure_shop("tb", ChannelKind::Taobao, "淘宝")
            .await
            .unwrap()
            .id;
        let at = Timestamp::from_unix_millis(1_760_000_000_000);
        let (mapping, key) = crate::import::profile("taobao", None).unwrap();
        let file = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../mapping/test_data/csv/taobao/gbk_export.csv");
        crate::import::run(store.clone(), "tb", &mapping, &key, &[file], at)
            .await
            .unwrap();
        let unchanged = run(store.as_ref(), "tb", at, None, at).await.unwrap();
        assert_eq!(
            unchanged,
            RemapReport {
                documents: 2,
                changed: 0,
                rejected: 0
            }
        );
        // The shop keeps its own notes in the buyer message column.
        let overrides = "[order]\nseller_memo = \"买家留言\"\n";
        let changed = run(store.as_ref(), "tb", at, Some(overrides), at)
            .await
            .unwrap();
        assert_eq!(
            changed,
            RemapReport {
                documents: 2,
                changed: 1,
                rejected: 0
            }
        );
        let order = store
            .find_order(shop, &ExternalId::new("3456789012345670001").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(order.data.seller_memo, "请尽快发货\n周末不在家");
        let broken = run(
            store.as_ref(),
            "tb",
            at,
            Some("[order]\npaid = \"买家会员名\"\n"),
            at,
        )
        .await
        .unwrap();
        assert_eq!(
            broken.rejected, 2,
            "what the new mapping cannot read is kept as rejects"
        );
        assert!(run(store.as_ref(), "nope", at, None, at).await.is_err());
        assert_eq!(
            parse_since("2d", at).unwrap(),
            at.plus_millis(-2 * 86_400_000)
        );
        assert_eq!(
            parse_since("2024-06-01", at).unwrap().unix_millis(),
            1_717_171_200_000
        );
        assert!(parse_since("yesterday", at).is_err());
    }
}
