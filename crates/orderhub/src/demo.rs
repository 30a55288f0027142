//! `orderhub demo`: OrderHub working in a minute, on the embedded SQLite in a data folder. Our Taobao,
//! Douyin and Shopify simulators run in this process on loopback, trading on a clock sixty times
//! faster than the wall's (a day of orders in 24 minutes); three shops pull from them through the
//! real connectors, and every cycle screens, routes (the seed rules: 江浙沪 to 嘉兴仓, the rest by
//! distance) and delivers write-backs, printing what moved. Restarting resumes from the stored
//! watermarks; `--reset` starts clean.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::{Clock, Connector, RetryPolicy, Store};
use domain::{
    ChannelKind, OrderStatus, Quantity, Role, SkuCode, Timestamp, Warehouse, WarehouseCode,
    WarehouseKind,
};

use crate::pull_bench::{Started, start_douyin, start_shopify, start_taobao};

/// Simulated time runs this many times faster than the wall's.
const SPEED: i64 = 60;

/// A clock that runs [`SPEED`] times faster than the wall from where it started.
struct FastClock {
    real_start: Timestamp,
}

impl Clock for FastClock {
    fn now(&self) -> Timestamp {
        let real = crate::now();
        let elapsed = real.unix_millis() - self.real_start.unix_millis();
        self.real_start.plus_millis(elapsed * SPEED)
    }
}

/// Waits on the wall clock.
struct Sleep;

#[async_trait::async_trait]
impl app::Pause for Sleep {
    async fn pause(&self, millis: i64) {
        tokio::time::sleep(Duration::from_millis((millis / SPEED).max(1) as u64)).await;
    }
}

const WAREHOUSES: [(&str, &str, &str, &[&str]); 3] = [
    ("JX01", "嘉兴仓", "330402", &[]),
    ("GZ01", "广州仓", "440106", &[]),
    ("BS01", "保税仓", "330206", &["bonded"]),
];

/// One demo user per role: login, name, role, warehouses. Each password is `demo-` and the login.
const USERS: [(&str, &str, Role, &[&str]); 7] = [
    ("admin", "管理员", Role::Admin, &[]),
    ("ops", "运营主管", Role::Operations, &[]),
    ("service", "客服", Role::CustomerService, &[]),
    ("packer-jx", "嘉兴仓打包员", Role::Warehouse, &["JX01"]),
    ("packer-gz", "广州仓打包员", Role::Warehouse, &["GZ01"]),
    ("finance", "财务", Role::Finance, &[]),
    ("marketing", "市场", Role::Marketing, &[]),
];

/// Creates the demo users that do not exist yet.
async fn seed_users(store: &dyn Store, at: domain::Timestamp) -> anyhow::Result<()> {
    for (login, name, role, warehouses) in USERS {
        if store.user(login).await?.is_some() {
            continue;
        }
        let password_hash =
            web::hash_password(&format!("demo-{login}")).map_err(|e| anyhow::anyhow!(e))?;
        store
            .create_user(
                &app::NewUser {
                    login: login.to_owned(),
                    name: name.to_owned(),
                    role,
                    warehouses: warehouses
                        .iter()
                        .map(|it| WarehouseCode::new(*it))
                        .collect::<Result<_, _>>()?,
                    password_hash,
                },
                at,
            )
            .await?;
    }
    Ok(())
}

pub(crate) async fn run(
    data: &Path,
    reset: bool,
    orders_per_hour: u32,
    seconds: Option<u64>,
    listen: std::net::SocketAddr,
) -> anyhow::Result<()> {
    let deadline = seconds.map(|it| std::time::Instant::now() + Duration::from_secs(it));
    if reset && data.exists() {
        std::fs::remove_dir_all(data).with_context(|| format!("removing {}", data.display()))?;
    }
    std::fs::create_dir_all(data).with_context(|| format!("creating {}", data.display()))?;
    let url = format!("sqlite://{}", data.join("orderhub.db").display());
    let store = store::open(&url)
        .await
        .with_context(|| format!("opening {url}"))?;
    let fresh = store.shops().await?.is_empty();
    let clock: Arc<dyn Clock> = Arc::new(FastClock {
        real_start: crate::now(),
    });
    let started = [
        (
            "tmall-demo",
            ChannelKind::Tmall,
            "天猫旗舰店",
            start_taobao(clock.clone(), orders_per_hour, 2).await?,
        ),
        (
            "douyin-demo",
            ChannelKind::Douyin,
            "抖音小店",
            start_douyin(clock.clone(), orders_per_hour, 2).await?,
        ),
        (
            "shopify-demo",
            ChannelKind::Shopify,
            "Shopify store",
            start_shopify(clock.clone(), orders_per_hour, 2).await?,
        ),
    ];
    let mut shops = Vec::new();
    let mut servers = Vec::new();
    let mut codes = std::collections::BTreeSet::new();
    for (
        code,
        channel,
        name,
        Started {
            server,
            codes: skus,
            make,
            ..
        },
    ) in started
    {
        let shop = store.ensure_shop(code, channel, name).await?;
        let connector: Arc<dyn Connector> = make(shop.id)?;
        codes.extend(skus);
        shops.push((shop, connector));
        servers.push(server);
    }
    let network = domain::routing::Network {
        warehouses: WAREHOUSES
            .iter()
            .map(|(code, _, area, caps)| domain::routing::WarehouseSpec {
                code: WarehouseCode::new(*code).expect("valid"),
                area_code: (*area).to_owned(),
                capabilities: caps.iter().map(|it| (*it).to_owned()).collect(),
                carriers: vec!["SF".to_owned(), "ZTO".to_owned()],
                allow_oversell: false,
                daily_capacity: None,
            })
            .collect(),
        min_shipment_minor: 0,
    };
    for (code, name, area, _) in WAREHOUSES {
        store
            .put_warehouse(&Warehouse {
                code: WarehouseCode::new(code)?,
                name: name.to_owned(),
                kind: WarehouseKind::Own,
                area_code: area.to_owned(),
                allow_oversell: false,
            })
            .await?;
    }
    for code in &codes {
        let sku = SkuCode::new(*code)?;
        store
            .put_sku(&app::SkuDefinition::plain(sku.clone(), code))
            .await?;
        if fresh {
            for (warehouse, _, _, _) in &WAREHOUSES[..2] {
                store
                    .receive_stock(
                        &WarehouseCode::new(*warehouse)?,
                        &sku,
                        Quantity::new(500)?,
                        "demo opening stock",
                        clock.now(),
                    )
                    .await?;
            }
        }
    }
    // The seed rules, with their regions, over the demo's warehouses.
    let carriers: std::collections::BTreeSet<String> =
        ["SF", "ZTO", "YTO", "EMS"].map(str::to_owned).into();
    let known = rules::Known {
        network: &network,
        carriers: &carriers,
        skus: None,
        shops: None,
    };
    let file =
        rules::compile(rules::SEED, &known).map_err(|e| anyhow::anyhow!("seed rules: {e}"))?;
    let mut rules = file.rules;
    rules.version = store
        .save_rule_set(rules::SEED, &domain::Actor::System, clock.now())
        .await?;
    // The API checks posted rule files against the same network and carriers.
    let rule_names = web::api::rules::RuleNames {
        network: network.clone(),
        carriers: carriers.clone(),
    };
    let router = app::Router {
        rules,
        network,
        catalog: app::catalog_of(&store.catalog().await?),
        shops: shops
            .iter()
            .map(|(shop, _)| (shop.id, (shop.code.clone(), shop.channel)))
            .collect(),
        merge_keys: Default::default(),
        utc_offset_minutes: 480,
    };
    let targets = crate::deliver::Targets {
        connectors: shops
            .iter()
            .map(|(shop, connector)| (shop.id, connector.clone()))
            .collect(),
        shares: Default::default(),
        notifiers: Default::default(),
    };
    seed_users(store.as_ref(), crate::now()).await?;
    let (stop_api, api_stopped) = tokio::sync::oneshot::channel::<()>();
    let mut state = web::ApiState::new(store.clone(), Arc::new(crate::WallClock));
    state.rule_names = Some(Arc::new(rule_names));
    let (addr, api) = web::serve_api(listen, state, async {
        let _ = api_stopped.await;
    })
    .await
    .with_context(|| format!("listening on {listen}"))?;
    println!(
        "OrderHub demo: data in {} (SQLite), simulated time runs {SPEED}× faster",
        data.display()
    );
    println!("console: http://{addr}/ (sign in as a user below; ?lang=en for English)");
    println!(
        "API: http://{addr}/api/v1 (OpenAPI at /api/v1/openapi.json), metrics: http://{addr}/metrics"
    );
    let logins: Vec<String> = USERS
        .iter()
        .map(|(login, _, role, _)| format!("{login} / demo-{login} ({})", role.as_str()))
        .collect();
    println!("users: {}", logins.join(", "));
    println!(
        "shops: tmall-demo, douyin-demo, shopify-demo (our simulators on loopback); Ctrl-C stops"
    );
    let first_from = clock.now().plus_millis(-3 * 3_600_000);
    loop {
        for (shop, connector) in &shops {
            let now = clock.now();
            let pulled = app::sync_orders(
                store.as_ref(),
                connector.as_ref(),
                shop,
                first_from,
                now,
                &Sleep,
                &mut |_| 0,
                RetryPolicy::default(),
            )
            .await;
            match pulled {
                Ok(report) => {
                    app::screen(
                        store.as_ref(),
                        &report.changed,
                        &crate::address::hold_for,
                        &domain::Actor::System,
                        now,
                    )
                    .await?;
                }
                Err(err) => eprintln!("{}: {err}", shop.code),
            }
        }
        app::route_pending(
            store.as_ref(),
            &router,
            &domain::Actor::System,
            clock.now(),
            500,
        )
        .await?;
        crate::deliver::deliver_once(store.as_ref(), &targets, "demo", clock.now()).await?;
        print_counts(store.as_ref()).await?;
        if deadline.is_some_and(|it| std::time::Instant::now() >= it) {
            break;
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(2)) => {}
            _ = tokio::signal::ctrl_c() => break,
        }
    }
    for server in servers {
        server.shutdown().await?;
    }
    let _ = stop_api.send(());
    api.await??;
    Ok(())
}

async fn print_counts(store: &dyn Store) -> anyhow::Result<()> {
    let counts = store.count_orders().await?;
    let get = |status: OrderStatus| {
        counts
            .iter()
            .find(|(it, _)| *it == status)
            .map_or(0, |(_, n)| *n)
    };
    let total: u64 = counts.iter().map(|(_, n)| n).sum();
    println!(
        "{} orders: {} unpaid, {} paid, {} on hold, {} allocated, {} shipped, {} cancelled",
        total,
        get(OrderStatus::Unpaid),
        get(OrderStatus::Paid) + get(OrderStatus::Released),
        get(OrderStatus::OnHold),
        get(OrderStatus::Allocated) + get(OrderStatus::InFulfilment),
        get(OrderStatus::Shipped)
            + get(OrderStatus::PartiallyShipped)
            + get(OrderStatus::Completed),
        get(OrderStatus::Cancelled),
    );
    Ok(())
}
