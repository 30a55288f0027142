//! `orderhub import --shop S --profile P FILE…`: back-office exports (CSV in UTF-8, UTF-8 with BOM or
//! GBK/GB18030, streamed; or xlsx, read a sheet at a time) into the store in batches, with a progress line on a terminal and a summary.
//! Re-importing the same file changes nothing: each order's document is deterministic.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use app::{IngestBatch, IngestItem, NewReject, RawDocument, Store, Stream};
use domain::{Actor, Timestamp};
use mapping::{Divisions, ExportReader, MapContext, OrderMapping, PROFILES};

/// What an import did.
#[derive(Debug, Default)]
pub(crate) struct Summary {
    pub(crate) rows: u64,
    pub(crate) orders: u64,
    pub(crate) inserted: u64,
    pub(crate) updated: u64,
    pub(crate) unchanged: u64,
    pub(crate) stale: u64,
    /// Hold reasons added by screening: lines whose SKU is not mapped (`orderhub skus unknown` lists
    /// them) and addresses that could not be resolved.
    pub(crate) held: u64,
    /// `(where, why)` of every order or row that could not be imported.
    pub(crate) rejected: Vec<(String, String)>,
}

/// Sets each line's SKU from the mapping tables (a mapping's own guess, the seller code, is replaced);
/// returns whether every line has one.
pub(crate) fn resolve_skus(skus: &domain::SkuMap, order: &mut domain::StandardOrder) -> bool {
    for line in &mut order.lines {
        line.sku = skus.mapped_code(order.shop, &line.platform_sku_id, &line.seller_sku_code);
    }
    order.lines.iter().all(|it| it.sku.is_some())
}

/// The built-in mapping or profile text behind a document's format (`csv.taobao@1`, `douyin@1`).
pub(crate) fn builtin_for(format: &str) -> Option<&'static str> {
    let name = format.split('@').next().unwrap_or_default();
    // Documents the connectors fetched are kept under their shape's name.
    let api = [
        (channels::taobao::FORMAT, "taobao"),
        (channels::douyin::FORMAT, "douyin"),
        (channels::shopify::FORMAT, "shopify_graphql"),
        (channels::shopify::REST_FORMAT, "shopify"),
    ];
    if let Some((_, builtin)) = api.iter().find(|(it, _)| *it == name) {
        return mapping::builtin(builtin);
    }
    match name.strip_prefix("csv.") {
        Some(profile) => PROFILES.iter().find(|it| it.0 == profile).map(|it| it.2),
        None => mapping::builtin(name),
    }
}

/// The current mapping behind a reject's or raw document's format.
pub(crate) fn mapping_for(format: &str) -> Option<OrderMapping> {
    OrderMapping::from_toml(builtin_for(format)?).ok()
}

/// A profile: a built-in name (`taobao`, `jd`, `shopify`) or a mapping file with its order key column.
pub(crate) fn profile(
    name: &str,
    order_key: Option<&str>,
) -> anyhow::Result<(OrderMapping, String)> {
    if let Some((_, key, text)) = PROFILES.iter().find(|(it, _, _)| *it == name) {
        let mapping = OrderMapping::from_toml(text)
            .map_err(|err| anyhow::anyhow!("profile {name}: {err}"))?;
        return Ok((mapping, order_key.unwrap_or(key).to_owned()));
    }
    let text = std::fs::read_to_string(name).with_context(|| {
        format!(
            "{name:?} is neither a built-in profile ({}) nor a readable file",
            PROFILES
                .iter()
                .map(|it| it.0)
                .collect::<Vec<_>>()
                .join(", ")
        )
    })?;
    let mapping =
        OrderMapping::from_toml(&text).map_err(|err| anyhow::anyhow!("profile {name}: {err}"))?;
    let key = order_key
        .context("a custom profile needs --order-key, the column that identifies an order")?;
    Ok((mapping, key.to_owned()))
}

pub(crate) async fn run(
    store: Arc<dyn Store>,
    shop_code: &str,
    mapping: &OrderMapping,
    order_key: &str,
    files: &[PathBuf],
    at: Timestamp,
) -> anyhow::Result<Summary> {
    let shops = store.shops().await?;
    let shop = shops.iter().find(|it| it.code == shop_code).with_context(|| {
        let known: Vec<&str> = shops.iter().map(|it| it.code.as_str()).collect();
        format!("no shop {shop_code:?}; known shops: {} (add it to the configuration and run `orderhub migrate`)", known.join(", "))
    })?;
    // Reading and mapping run here while the previous batch commits: a bounded queue keeps memory flat.
    let (batches, mut queue) = tokio::sync::mpsc::channel::<Vec<IngestItem>>(2);
    let writer = {
        let (store, shop) = (store.clone(), shop.id);
        tokio::spawn(async move {
            let mut totals = Summary::default();
            // Lines carry our SKU from the start; only orders with an unknown line are screened (held).
            let skus = store.sku_map().await?;
            while let Some(mut items) = queue.recv().await {
                totals.orders += items.len() as u64;
                let mut unknown = Vec::new();
                for item in &mut items {
                    // Orders with an unknown line or an unresolved address are screened (held).
                    let doubtful = crate::address::hold_for(&item.order.receiver).is_some();
                    if !resolve_skus(&skus, &mut item.order) || doubtful {
                        unknown.push(item.order.external_id.clone());
                    }
                }
                let batch = IngestBatch {
                    shop,
                    stream: Stream::Orders,
                    items,
                    cursor: None,
                    actor: Actor::Platform("import".to_owned()),
                    at,
                };
                let report = store.ingest_batch(batch).await?;
                let mut ids = Vec::new();
                for external_id in &unknown {
                    ids.extend(store.find_order(shop, external_id).await?.map(|it| it.id));
                }
                let screened = app::screen(
                    store.as_ref(),
                    &ids,
                    &crate::address::hold_for,
                    &Actor::System,
                    at,
                )
                .await?;
                totals.held += u64::from(screened.held);
                totals.inserted += u64::from(report.inserted);
                totals.updated += u64::from(report.updated);
                totals.unchanged += u64::from(report.unchanged);
                totals.stale += u64::from(report.stale);
            }
            anyhow::Ok(totals)
        })
    };
    let read = read_files(shop.id, mapping, order_key, files, at, &batches).await;
    drop(batches);
    let totals = writer.await.context("the import writer stopped")??;
    let (rows, rejects) = read?;
    // Kept with their raw content, to list and retry after a mapping fix.
    store.record_rejects(&rejects).await?;
    let rejected = rejects
        .into_iter()
        .map(|it| (it.source, format!("{}: {}", it.field, it.reason)))
        .collect();
    Ok(Summary {
        rows,
        rejected,
        ..totals
    })
}

/// Streams every file through the mapping into batches of 1,000 orders; returns the rows read and the
/// rejects.
async fn read_files(
    shop: domain::ShopId,
    mapping: &OrderMapping,
    order_key: &str,
    files: &[PathBuf],
    at: Timestamp,
    batches: &tokio::sync::mpsc::Sender<Vec<IngestItem>>,
) -> anyhow::Result<(u64, Vec<NewReject>)> {
    let context = MapContext {
        shop,
        default_country: "CN",
        divisions: Divisions::official(),
    };
    let format = format!("{}@{}", mapping.format, mapping.version);
    let progress = std::io::stderr().is_terminal();
    let (mut rows, mut orders, mut rejected) = (0u64, 0u64, Vec::new());
    for file in files {
        let opened =
            std::fs::File::open(file).with_context(|| format!("opening {}", file.display()))?;
        let xlsx = file
            .extension()
            .is_some_and(|it| it.eq_ignore_ascii_case("xlsx"));
        let reader: Box<dyn Iterator<Item = Result<mapping::RowDocument, mapping::RowError>>> =
            match xlsx {
                true => Box::new(
                    mapping::xlsx_documents(std::io::BufReader::new(opened), order_key)
                        .map_err(|err| anyhow::anyhow!("{}: {err}", file.display()))?
                        .into_iter(),
                ),
                false => Box::new(
                    ExportReader::new(
                        std::io::BufReader::with_capacity(1 << 20, opened),
                        order_key,
                    )
                    .map_err(|err| anyhow::anyhow!("{}: {err}", file.display()))?,
                ),
            };
        let name = file.file_name().map_or_else(
            || file.display().to_string(),
            |it| it.to_string_lossy().into_owned(),
        );
        let mut items = Vec::new();
        let mut file_rows = 0;
        for item in reader {
            match item {
                Err(err) => rejected.push(NewReject {
                    shop,
                    source: format!("csv:{name}#row {}", err.row),
                    external_ref: String::new(),
                    format: format.clone(),
                    raw: err.raw.into_bytes(),
                    field: err.column,
                    reason: err.reason,
                    at,
                }),
                Ok(doc) => {
                    file_rows = file_rows.max(doc.rows.1 - 1);
                    match mapping.map(&doc.body, &context) {
                        Err(reject) => rejected.push(NewReject {
                            shop,
                            source: format!("csv:{name}#rows {}-{}", doc.rows.0, doc.rows.1),
                            external_ref: doc.external_ref,
                            format: format.clone(),
                            raw: doc.body,
                            field: reject.field,
                            reason: reject.reason,
                            at,
                        }),
                        Ok(mapped) => {
                            let raw = RawDocument {
                                shop,
                                external_id: mapped.order.external_id.clone(),
                                received_at: at,
                                format: format.clone(),
                                body: doc.body,
                            };
                            items.push(IngestItem {
                                raw,
                                order: mapped.order,
                            });
                        }
                    }
                }
            }
            if items.len() >= 1000 {
                orders += items.len() as u64;
                batches
                    .send(std::mem::take(&mut items))
                    .await
                    .context("the import writer stopped")?;
                if progress {
                    eprint!(
                        "\r{name}: {file_rows} rows, {orders} orders, {} rejected",
                        rejected.len()
                    );
                }
            }
        }
        orders += items.len() as u64;
        if !items.is_empty() {
            batches
                .send(items)
                .await
                .context("the import writer stopped")?;
        }
        rows += file_rows;
        if progress {
            eprintln!(
                "\r{name}: {file_rows} rows, {orders} orders, {} rejected",
                rejected.len()
            );
        }
    }
    Ok((rows, rejected))
}

/// One look into a watched folder: every `.csv` or `.xlsx` file in it (not in sub-folders, oldest name
/// first) is imported and moved to `imported/`, or to `failed/` with a `.reason.txt` beside it.
pub(crate) async fn import_folder_once(
    store: Arc<dyn Store>,
    folder: &Path,
    shop: &str,
    mapping: &OrderMapping,
    order_key: &str,
    at: Timestamp,
) -> anyhow::Result<Vec<(PathBuf, anyhow::Result<Summary>)>> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(folder)
        .with_context(|| format!("reading {}", folder.display()))?
        .filter_map(|it| it.ok().map(|it| it.path()))
        .filter(|it| {
            it.is_file()
                && it.extension().is_some_and(|e| {
                    e.eq_ignore_ascii_case("csv") || e.eq_ignore_ascii_case("xlsx")
                })
        })
        .collect();
    files.sort();
    let mut done = Vec::new();
    for file in files {
        let outcome = run(
            store.clone(),
            shop,
            mapping,
            order_key,
            std::slice::from_ref(&file),
            at,
        )
        .await;
        let target = folder.join(if outcome.is_ok() {
            "imported"
        } else {
            "failed"
        });
        std::fs::create_dir_all(&target)
            .with_context(|| format!("creating {}", target.display()))?;
        let name = file.file_name().context("a file has a name")?;
        if let Err(err) = &outcome {
            std::fs::write(
                target.join(format!("{}.reason.txt", name.to_string_lossy())),
                format!("{err:#}\n"),
            )?;
        }
        std::fs::rename(&file, target.join(name))
            .with_context(|| format!("moving {}", file.display()))?;
        done.push((target.join(name), outcome));
    }
    Ok(done)
}

pub(crate) fn print(summary: &Summary) {
    println!("rows        {}", summary.rows);
    println!("orders      {}", summary.orders);
    println!("  imported  {}", summary.inserted);
    println!("  updated   {}", summary.updated);
    println!("  unchanged {}", summary.unchanged);
    println!("  older     {}", summary.stale);
    println!(
        "held        {} (unknown SKU or unresolved address)",
        summary.held
    );
    println!("rejected    {}", summary.rejected.len());
    for (place, reason) in summary.rejected.iter().take(20) {
        println!("  {place}: {reason}");
    }
    if summary.rejected.len() > 20 {
        println!("  … and {} more", summary.rejected.len() - 20);
    }
}

/// Writes `orders` synthetic orders (2–3 rows each) as a GBK Taobao-profile export, for the benchmark.
pub(crate) fn write_synthetic_export(path: &Path, orders: u64) -> anyhow::Result<u64> {
    use std::io::Write;
    let mut out = std::io::BufWriter::new(std::fs::File::create(path)?);
    let header = "订单编号,买家会员名,买家实际支付金额,买家应付邮费,总金额,订单状态,买家留言,收货人姓名,收货地址,联系手机,订单创建时间,订单付款时间,订单备注,宝贝标题,价格,购买数量,商家编码,退款状态\r\n";
    let (encoded, _, _) = encoding_rs::GB18030.encode(header);
    out.write_all(&encoded)?;
    let base = Timestamp::from_unix_millis(1_760_000_000_000);
    let mut rows = 0;
    for n in 0..orders {
        let id = format!("{}", 3_000_000_000_000_000_000u64 + n);
        let item = test_support::synthetic_item(
            3,
            domain::ShopId(0),
            &id,
            0,
            base.plus_millis(86 * n as i64),
        );
        let o = &item.order;
        let time = |t: Timestamp| mapping::rfc3339(t, 480).replace('T', " ")[..19].to_owned();
        let money = |m: domain::Money| {
            m.to_string()
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_owned()
        };
        let r = &o.receiver;
        for line in &o.lines {
            let row = format!(
                "=\"{id}\",{},{},{},{},买家已付款，等待卖家发货,,{},\"{} {} {} {}\",{},{},{},,{},{},{},{},没有申请退款\r\n",
                o.buyer.nickname,
                money(o.amounts.paid),
                money(o.amounts.shipping),
                money(o.amounts.goods),
                r.name,
                r.province,
                r.city,
                r.district,
                r.detail,
                r.phone,
                time(o.created_at),
                time(o.paid_at.unwrap_or(o.created_at)),
                line.title,
                money(line.unit_price),
                line.quantity,
                line.seller_sku_code
            );
            let (encoded, _, _) = encoding_rs::GB18030.encode(&row);
            out.write_all(&encoded)?;
            rows += 1;
        }
    }
    out.flush()?;
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use domain::{ChannelKind, ExternalId, OrderStatus, Timestamp};

    use crate::import::{profile, run};

    fn fixture(name: &str) -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../mapping/test_data/csv")
            .join(name)
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_watched_folder_imports_and_files_away() {
        let db = test_support::TestDb::sqlite();
        let store = db.open().await;
        store
            .ensure_shop("tb", ChannelKind::Taobao, "淘宝")
            .await
            .unwrap();
        let folder = tempfile::tempdir().unwrap();
        std::fs::copy(
            fixture("taobao/gbk_export.csv"),
            folder.path().join("a.csv"),
        )
        .unwrap();
        std::fs::write(folder.path().join("b.csv"), "no,such,columns\n1,2,3\n").unwrap();
        std::fs::write(folder.path().join("notes.txt"), "ignored").unwrap();
        let (mapping, key) = profile("taobao", None).unwrap();
        let at = Timestamp::from_unix_millis(1_760_000_000_000);
        let done = crate::import::import_folder_once(
            store.clone(),
            folder.path(),
            "tb",
            &mapping,
            &key,
            at,
        )
        .await
        .unwrap();
        assert_eq!(done.len(), 2);
        assert_eq!(done[0].1.as_ref().unwrap().inserted, 2);
        assert!(done[1].1.is_err());
        assert!(folder.path().join("imported/a.csv").exists());
        assert!(folder.path().join("failed/b.csv").exists());
        let reason =
            std::fs::read_to_string(folder.path().join("failed/b.csv.reason.txt")).unwrap();
        assert!(reason.contains("no \"订单编号\" column"), "{reason}");
        assert!(folder.path().join("notes.txt").exists());
        let again =
            crate::import::import_folder_once(store, folder.path(), "tb", &mapping, &key, at)
                .await
                .unwrap();
        assert!(
            again.is_empty(),
            "filed-away exports are not imported twice"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_xlsx_export_imports() {
        let db = test_support::TestDb::sqlite();
        let store = db.open().await;
        store
            .ensure_shop("jd-main", ChannelKind::Jd, "京东")
            .await
            .unwrap();
        let (mapping, key) = profile("jd", None).unwrap();
        let file = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../mapping/test_data/xlsx/jd/numbers_and_dates.xlsx");
        let at = Timestamp::from_unix_millis(1_760_000_000_000);
        let summary = run(store, "jd-main", &mapping, &key, &[file], at)
            .await
            .unwrap();
        assert_eq!(
            (summary.orders, summary.inserted, summary.rejected.len()),
            (1, 1, 1)
        );
        assert_eq!(
            summary.held, 1,
            "no SKU is defined: the paid order waits for a mapping"
        );
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_export_imports_once_and_rejects_with_reasons() {
        let db = test_support::TestDb::sqlite();
        let store = db.open().await;
        let shop = store
            .ensure_shop("tmall-main", ChannelKind::Tmall, "天猫")
            .await
            .unwrap();
        for code in ["TEA-LJ-250", "CUP-GL-01"] {
            let sku = app::SkuDefinition::plain(domain::SkuCode::new(code).unwrap(), code);
            store.put_sku(&sku).await.unwrap();
        }
        let (mapping, key) = profile("taobao", None).unwrap();
        let files = [fixture("taobao/gbk_export.csv")];
        let at = Timestamp::from_unix_millis(1_760_000_000_000);
        let first = run(store.clone(), "tmall-main", &mapping, &key, &files, at)
            .await
            .unwrap();
        assert_eq!((first.rows, first.orders, first.inserted), (5, 2, 2));
        assert_eq!(
            first.held, 0,
            "the cancelled order's unknown SKU holds nothing"
        );
        let reasons: Vec<&str> = first.rejected.iter().map(|(_, why)| why.as_str()).collect();
        assert_eq!(reasons.len(), 2, "{reasons:?}");
        assert!(reasons[0].contains("scientific notation"), "{reasons:?}");
        assert_eq!(reasons[1], "paid: \"abc\" is not an amount");
        let kept = store.open_rejects(Some(shop.id), None, 10).await.unwrap();
        assert_eq!(kept.len(), 2);
        assert_eq!(
            (kept[1].external_ref.as_str(), kept[1].source.as_str()),
            ("3456789012345670004", "csv:gbk_export.csv#rows 6-6")
        );
        assert!(
            String::from_utf8(kept[1].raw.clone())
                .unwrap()
                .contains("\"买家实际支付金额\":\"abc\"")
        );
        let again = run(store.clone(), "tmall-main", &mapping, &key, &files, at)
            .await
            .unwrap();
        assert_eq!(
            (again.inserted, again.updated, again.unchanged),
            (0, 0, 2),
            "re-importing changes nothing"
        );
        let kept = store.open_rejects(Some(shop.id), None, 10).await.unwrap();
        assert_eq!(
            kept.iter().map(|it| it.attempts).collect::<Vec<_>>(),
            [2, 2],
            "a reject seen again is kept once"
        );
        let order = store
            .find_order(shop.id, &ExternalId::new("3456789012345670001").unwrap())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(order.lifecycle.status, OrderStatus::Paid);
        assert_eq!(order.data.lines.len(), 2);
        assert_eq!(order.data.receiver.area_code, "330106");
        let raw = store.raw_document(order.id).await.unwrap();
        assert_eq!(raw.format, "csv.taobao@1");
        let unknown = run(store, "nope", &mapping, &key, &files, at)
            .await
            .unwrap_err();
        assert!(
            unknown.to_string().contains("no shop \"nope\""),
            "{unknown}"
        );
    }

    #[test]
    fn fetched_documents_are_re_derived_with_their_shapes_mapping() {
        use crate::import::builtin_for;
        assert_eq!(
            builtin_for(channels::taobao::FORMAT),
            mapping::builtin("taobao")
        );
        assert_eq!(
            builtin_for(channels::douyin::FORMAT),
            mapping::builtin("douyin")
        );
        assert_eq!(
            builtin_for(channels::shopify::FORMAT),
            mapping::builtin("shopify_graphql")
        );
        assert_eq!(
            builtin_for(channels::shopify::REST_FORMAT),
            mapping::builtin("shopify")
        );
        assert!(builtin_for("csv.taobao@1").is_some());
        assert_eq!(builtin_for("fax.order"), None);
    }
}
