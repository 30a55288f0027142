//! `orderhub bench route`: decisions per second with a 200-rule set over synthetic orders, evaluation
//! only (one thread, no IO) and routed end to end on a fresh store (decided, reserved, shipments
//! planned and committed per page).

use std::collections::BTreeSet;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use app::{IngestBatch, Router, Stream};
use domain::routing::{
    Action, Catalog, Condition, LocalTime, MergeKeys, MessageTest, Network, OrderFlag, Range, Rule,
    RuleSet, SkuInfo, StockSnapshot, WarehouseSpec, decide,
};
use domain::{
    Actor, ChannelKind, HoldReason, Quantity, SkuCode, StandardOrder, Timestamp, Warehouse,
    WarehouseCode, WarehouseKind,
};
use serde::Serialize;
use test_support::{TestDb, product_codes, synthetic_item};

/// Six warehouses across the country.
const WAREHOUSES: [(&str, &str, &str); 6] = [
    ("JX01", "嘉兴仓", "330402"),
    ("GZ01", "广州仓", "440106"),
    ("BJ01", "北京仓", "110105"),
    ("CD01", "成都仓", "510107"),
    ("WH01", "武汉仓", "420111"),
    ("BS01", "保税仓", "330206"),
];

#[derive(Debug, Serialize)]
struct RouteResult {
    rules: usize,
    evaluation_orders: u64,
    evaluation_seconds: f64,
    decisions_per_second: f64,
    backend: String,
    routed_orders: u64,
    routed_seconds: f64,
    routed_orders_per_second: f64,
    allocated: u32,
    held: u32,
    shipments: u32,
    peak_rss_mib: f64,
}

fn code(text: &str) -> WarehouseCode {
    WarehouseCode::new(text).expect("bench warehouse codes are valid")
}

fn network() -> Network {
    Network {
        warehouses: WAREHOUSES
            .iter()
            .map(|(w, _, area)| WarehouseSpec {
                code: code(w),
                area_code: (*area).to_owned(),
                capabilities: if *w == "BS01" {
                    BTreeSet::from(["bonded".to_owned()])
                } else {
                    BTreeSet::new()
                },
                carriers: vec!["ZTO".to_owned(), "SF".to_owned()],
                allow_oversell: false,
                daily_capacity: None,
            })
            .collect(),
        min_shipment_minor: 1_000,
    }
}

fn catalog() -> Catalog {
    let mut catalog = Catalog::default();
    for (i, sku) in product_codes().enumerate() {
        let category = sku.split('-').next().unwrap_or("").to_owned();
        catalog.skus.insert(
            SkuCode::new(sku).expect("product codes are valid"),
            SkuInfo {
                category,
                weight_grams: 200 + 150 * i as u32,
                ..SkuInfo::default()
            },
        );
    }
    catalog
}

/// A realistic large rule set: `n` rules of every condition kind, most of which do not fire for a
/// given order; a few assign warehouses, choose carriers, tag, add gifts or hold.
fn rules(n: usize) -> RuleSet {
    let provinces = [
        "浙江", "江苏", "上海", "广东", "北京", "四川", "湖北", "山东", "福建", "河南",
    ];
    let skus: Vec<SkuCode> = product_codes()
        .map(|it| SkuCode::new(it).expect("valid"))
        .collect();
    let mut rules = Vec::with_capacity(n);
    for i in 0..n {
        let province = provinces[(i / 10) % provinces.len()].to_owned();
        let when = match i % 10 {
            0 => Condition::All(vec![
                Condition::Province(vec![province]),
                Condition::Amount(Range {
                    min: Some(50_000 + i as i64 * 100),
                    max: None,
                }),
            ]),
            1 => Condition::Sku(vec![skus[i % skus.len()].clone()]),
            2 => Condition::All(vec![
                Condition::Category(vec![format!("CAT{i}")]),
                Condition::Quantity(Range {
                    min: Some(3),
                    max: None,
                }),
            ]),
            3 => Condition::BuyerMessage(MessageTest::Contains(vec![format!("暗号{i}")])),
            4 => Condition::Shop(vec![format!("shop-{i}")]),
            5 => Condition::Any(vec![
                Condition::Tag(format!("tag-{i}")),
                Condition::Flag(OrderFlag::Cod),
            ]),
            6 => Condition::Region {
                name: format!("region-{i}"),
                members: vec![province, "海南".to_owned()],
            },
            7 => Condition::All(vec![
                Condition::TimeOfDay {
                    from: 1380,
                    to: 360,
                },
                Condition::Weight(Range {
                    min: Some(5_000),
                    max: None,
                }),
            ]),
            8 => Condition::Not(Box::new(Condition::DayOfWeek(BTreeSet::from([
                1, 2, 3, 4, 5, 6, 7,
            ])))),
            _ => Condition::Risk(Range {
                min: Some(90),
                max: None,
            }),
        };
        let then = match i % 7 {
            0 => vec![Action::Tag(format!("t{i}"))],
            1 => vec![Action::Carrier("SF".to_owned())],
            2 => vec![Action::Assign(vec![
                code(WAREHOUSES[i % 5].0),
                code(WAREHOUSES[(i + 1) % 5].0),
            ])],
            // Only the risk rules hold.
            3 if i % 10 == 9 => vec![Action::Hold(HoldReason::Risk)],
            3 => vec![Action::Tag(format!("r{i}"))],
            4 => vec![Action::Gift {
                sku: skus[7].clone(),
                quantity: Quantity::new(1).expect("one"),
            }],
            5 => vec![Action::Merge(false)],
            _ => vec![
                Action::Tag("vip".to_owned()),
                Action::Carrier("ZTO".to_owned()),
            ],
        };
        rules.push(Rule {
            name: format!("rule {i:03}"),
            when,
            then,
            stop: false,
        });
    }
    RuleSet { version: 1, rules }
}

fn orders(n: u64, shop: domain::ShopId, base: Timestamp) -> Vec<StandardOrder> {
    (0..n)
        .map(|i| synthetic_item(5, shop, &format!("RB{i:09}"), 0, base).order)
        .collect()
}

pub(crate) async fn run(orders_n: u64, rules_n: usize, out: &Path) -> anyhow::Result<()> {
    let base = Timestamp::from_unix_millis(1_760_000_000_000);
    let rules = rules(rules_n);
    let network = network();
    let catalog = catalog();

    // Evaluation only: decide every order against plenty of stock, one thread.
    let mut stock = StockSnapshot::default();
    for (w, _, _) in WAREHOUSES {
        for sku in product_codes() {
            stock.set(code(w), SkuCode::new(sku)?, 1_000_000_000);
        }
    }
    let sample = orders(orders_n, domain::ShopId(1), base);
    let waived = BTreeSet::new();
    let time = LocalTime::at(base.unix_millis(), 480);
    let started = Instant::now();
    let mut shipped = 0u64;
    for order in &sample {
        let input = domain::routing::RoutingInput {
            order,
            shop_code: "tmall-main",
            channel: ChannelKind::Tmall,
            waived: &waived,
            full: &BTreeSet::new(),
            time,
        };
        let decision = decide(&input, &rules, &network, &catalog, &stock);
        shipped += u64::from(matches!(
            decision.outcome,
            domain::routing::Outcome::Ship(_)
        ));
    }
    let evaluation_seconds = started.elapsed().as_secs_f64();
    eprintln!("evaluation: {shipped} of {orders_n} orders ship");
    drop(sample);

    // End to end on a fresh SQLite store: ingested untimed, then routed and committed per page.
    let db = TestDb::sqlite();
    let store = db.open().await;
    let shop = store
        .ensure_shop("tmall-main", ChannelKind::Tmall, "bench")
        .await?
        .id;
    for (w, name, area) in WAREHOUSES {
        store
            .put_warehouse(&Warehouse {
                code: code(w),
                name: name.to_owned(),
                kind: WarehouseKind::Own,
                area_code: area.to_owned(),
                allow_oversell: false,
            })
            .await?;
        for sku in product_codes() {
            store
                .receive_stock(
                    &code(w),
                    &SkuCode::new(sku)?,
                    Quantity::new(1_000_000_000)?,
                    "bench",
                    base,
                )
                .await?;
        }
    }
    for chunk in (0..orders_n).collect::<Vec<_>>().chunks(1000) {
        let items = chunk
            .iter()
            .map(|i| synthetic_item(5, shop, &format!("RB{i:09}"), 0, base))
            .collect();
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
    }
    let router = Router {
        rules: rules.clone(),
        network,
        catalog,
        shops: [(shop, ("tmall-main".to_owned(), ChannelKind::Tmall))].into(),
        merge_keys: MergeKeys::default(),
        utc_offset_minutes: 480,
    };
    let started = Instant::now();
    let report = app::route_pending(store.as_ref(), &router, &Actor::System, base, 1000).await?;
    let routed_seconds = started.elapsed().as_secs_f64();

    let result = RouteResult {
        rules: rules.rules.len(),
        evaluation_orders: orders_n,
        evaluation_seconds,
        decisions_per_second: orders_n as f64 / evaluation_seconds,
        backend: "sqlite".to_owned(),
        routed_orders: u64::from(report.decided),
        routed_seconds,
        routed_orders_per_second: f64::from(report.decided) / routed_seconds,
        allocated: report.allocated,
        held: report.held,
        shipments: report.shipments,
        peak_rss_mib: crate::bench::peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
    };
    println!("bench route — {} rules", result.rules);
    println!(
        "  evaluation           {:>12.0} decisions/s ({} orders, one thread)",
        result.decisions_per_second, result.evaluation_orders
    );
    println!(
        "  routed and reserved  {:>12.0} orders/s ({} orders on {}, committed per page of 1000)",
        result.routed_orders_per_second, result.routed_orders, result.backend
    );
    println!(
        "  outcome              {} allocated in {} shipments, {} held",
        result.allocated, result.shipments, result.held
    );
    println!("  peak RSS             {:>12.1} MiB", result.peak_rss_mib);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join("route.json");
    std::fs::write(&path, serde_json::to_string_pretty(&result)?)
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
