//! `orderhub bench pull`: end to end from a platform simulator over loopback HTTP to orders stored,
//! screened, routed and reserved — a connector (Taobao or Douyin) against its simulator with its real
//! rate limit, into a fresh SQLite store.

use std::path::Path;
use std::sync::Arc;
use std::time::Instant;

use anyhow::Context;
use app::{Clock, Connector, ManualClock, Pause, RetryPolicy};
use channels::taobao::{SignMethod, TaobaoConfig, TaobaoConnector};
use domain::{
    Actor, ChannelKind, Quantity, SkuCode, Timestamp, Warehouse, WarehouseCode, WarehouseKind,
};
use serde::Serialize;
use simulators::taobao::{Config, RateLimit, ServeConfig, Simulator};
use test_support::TestDb;

#[derive(Debug, Serialize)]
struct PullResult {
    connector: String,
    orders_on_platform: u64,
    fetched: u32,
    pages: u32,
    windows: u32,
    rate_limit_waits: u32,
    pull_seconds: f64,
    pull_orders_per_second: f64,
    screen_and_route_seconds: f64,
    routed: u32,
    allocated: u32,
    end_to_end_orders_per_second: f64,
    peak_rss_mib: f64,
}

/// Waits by moving the simulator's clock (the bench measures our side, not TOP's bans).
struct ClockPause(Arc<ManualClock>);

#[async_trait::async_trait]
impl Pause for ClockPause {
    async fn pause(&self, millis: i64) {
        self.0.advance_millis(millis.max(1));
    }
}

/// A running simulator of either platform.
pub(crate) enum Server {
    Taobao(simulators::taobao::ServerHandle),
    Douyin(simulators::douyin::ServerHandle),
    Shopify(simulators::shopify::ServerHandle),
}

impl Server {
    pub(crate) async fn shutdown(self) -> std::io::Result<()> {
        match self {
            Server::Taobao(it) => it.shutdown().await,
            Server::Douyin(it) => it.shutdown().await,
            Server::Shopify(it) => it.shutdown().await,
        }
    }
}

/// A platform's simulator started with `hours` of history, and what the bench needs of it.
pub(crate) struct Started {
    pub(crate) server: Server,
    pub(crate) orders_on_platform: u64,
    /// Seller codes of the simulator's catalogue: our SKUs.
    pub(crate) codes: Vec<&'static str>,
    pub(crate) make: Box<dyn FnOnce(domain::ShopId) -> anyhow::Result<Arc<dyn Connector>> + Send>,
}

pub(crate) async fn start_taobao(
    clock: Arc<dyn Clock>,
    orders_per_hour: u32,
    hours: u32,
) -> anyhow::Result<Started> {
    let start = clock.now();
    let mut config = Config::example(9, start);
    config.rate_limit = RateLimit {
        calls: 600,
        window_secs: 60,
    };
    for shop in &mut config.shops {
        shop.traffic.orders_per_hour = orders_per_hour;
        shop.history_hours = hours;
    }
    let simulator = Simulator::new(config, clock.clone());
    let (addr, server) = simulators::taobao::start(ServeConfig {
        listen: "127.0.0.1:0".parse()?,
        simulator: simulator.clone(),
    })
    .await?;
    let orders_on_platform = {
        let mut simulation = simulator.lock();
        simulation.advance(start);
        simulation.shops()[0].trades().len() as u64
    };
    let codes = simulators::taobao::CATALOGUE
        .iter()
        .flat_map(|p| p.skus.iter().map(|it| it.outer_sku_id).chain([p.outer_iid]))
        .filter(|it| !it.is_empty())
        .collect();
    Ok(Started {
        server: Server::Taobao(server),
        orders_on_platform,
        codes,
        make: Box::new(move |shop| {
            let connector = TaobaoConnector::new(
                TaobaoConfig {
                    gateway: format!("http://{addr}{}", simulators::taobao::GATEWAY_PATH),
                    app_key: "12345678".to_owned(),
                    app_secret: "helloworld".to_owned(),
                    session: "6100example0session".to_owned(),
                    refresh_token: None,
                    sign_method: SignMethod::HmacSha256,
                    page_size: 100,
                },
                shop,
                None,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(Arc::new(connector) as Arc<dyn Connector>)
        }),
    })
}

pub(crate) async fn start_douyin(
    clock: Arc<dyn Clock>,
    orders_per_hour: u32,
    hours: u32,
) -> anyhow::Result<Started> {
    use simulators::douyin as dy;
    let start = clock.now();
    let (app_key, secret, token) = ("7100000000000000001", "doudian-secret", "dy-access-bench");
    let config = dy::Config {
        apps: vec![dy::App {
            app_key: app_key.to_owned(),
            secret: secret.to_owned(),
        }],
        shops: vec![dy::ShopConfig {
            name: "bench".to_owned(),
            shop_id: 4_463_798,
            seed: 9,
            grants: vec![dy::Grant {
                access_token: token.to_owned(),
                app_key: app_key.to_owned(),
                expires_at: start.plus_millis(7 * 24 * 3_600_000),
                refresh_token: "dy-refresh-bench".to_owned(),
            }],
            traffic: dy::Traffic {
                orders_per_hour,
                unpaid_percent: 8,
                refund_percent: 8,
                change_percent: 15,
                shipped_elsewhere_percent: 10,
            },
            history_hours: hours,
        }],
        rate_limit: dy::RateLimit {
            calls: 100,
            window_secs: 1,
        },
        seed: 9,
    };
    let simulator = dy::Simulator::new(config, clock.clone());
    let (addr, server) = dy::start(dy::ServeConfig {
        listen: "127.0.0.1:0".parse()?,
        simulator: simulator.clone(),
    })
    .await?;
    let orders_on_platform = {
        let mut simulation = simulator.lock();
        simulation.advance(start);
        simulation.shops()[0].orders().len() as u64
    };
    let codes = dy::CATALOGUE
        .iter()
        .flat_map(|p| p.skus.iter().map(|it| it.code))
        .filter(|it| !it.is_empty())
        .collect();
    Ok(Started {
        server: Server::Douyin(server),
        orders_on_platform,
        codes,
        make: Box::new(move |shop| {
            let connector = channels::douyin::DouyinConnector::new(
                channels::douyin::DouyinConfig {
                    gateway: format!("http://{addr}"),
                    app_key: app_key.to_owned(),
                    app_secret: secret.to_owned(),
                    access_token: token.to_owned(),
                    refresh_token: None,
                    sign_method: channels::douyin::SignMethod::HmacSha256,
                    page_size: 100,
                },
                shop,
                None,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(Arc::new(connector) as Arc<dyn Connector>)
        }),
    })
}

pub(crate) async fn start_shopify(
    clock: Arc<dyn Clock>,
    orders_per_hour: u32,
    hours: u32,
) -> anyhow::Result<Started> {
    use simulators::shopify as sy;
    let mut config = sy::Config::example(9);
    config.traffic.orders_per_hour = orders_per_hour;
    config.history_hours = hours;
    let (token, client_id, secret) = (
        config.tokens[0].access_token.clone(),
        config.app.client_id.clone(),
        config.app.client_secret.clone(),
    );
    let simulator = sy::Simulator::new(config, clock.clone());
    let (addr, server) = sy::start(sy::ServeConfig {
        listen: "127.0.0.1:0".parse()?,
        simulator: simulator.clone(),
    })
    .await?;
    let (orders_on_platform, location) = {
        let mut simulation = simulator.lock();
        simulation.advance(clock.now());
        (
            simulation.shop().orders().len() as u64,
            simulation.shop().location_id,
        )
    };
    let codes = sy::CATALOGUE
        .iter()
        .flat_map(|p| p.variants.iter().map(|it| it.sku))
        .filter(|it| !it.is_empty())
        .collect();
    Ok(Started {
        server: Server::Shopify(server),
        orders_on_platform,
        codes,
        make: Box::new(move |shop| {
            let connector = channels::shopify::ShopifyConnector::new(
                channels::shopify::ShopifyConfig {
                    shop_url: format!("http://{addr}"),
                    api_version: channels::shopify::API_VERSION.to_owned(),
                    access_token: token,
                    token_expires_at: None,
                    refresh_token: None,
                    client_id,
                    client_secret: secret,
                    location_id: location.to_string(),
                    page_size: 25,
                    line_items_per_order: 10,
                },
                shop,
                None,
            )
            .map_err(|e| anyhow::anyhow!("{e}"))?;
            Ok(Arc::new(connector) as Arc<dyn Connector>)
        }),
    })
}

pub(crate) async fn run(
    platform: &str,
    orders_per_hour: u32,
    hours: u32,
    out: &Path,
) -> anyhow::Result<()> {
    let start = simulators::taobao::parse_time("2024-06-18 12:00:00").context("start time")?;
    let clock = Arc::new(ManualClock::new(start));
    let started = match platform {
        "taobao" => start_taobao(clock.clone(), orders_per_hour, hours).await?,
        "douyin" => start_douyin(clock.clone(), orders_per_hour, hours).await?,
        "shopify" => start_shopify(clock.clone(), orders_per_hour, hours).await?,
        other => anyhow::bail!("no simulator for {other:?} (taobao, douyin, shopify)"),
    };
    let orders_on_platform = started.orders_on_platform;
    let channel = match platform {
        "douyin" => ChannelKind::Douyin,
        "shopify" => ChannelKind::Shopify,
        _ => ChannelKind::Tmall,
    };
    let db = TestDb::sqlite();
    let store = db.open().await;
    let shop = store.ensure_shop("bench", channel, "bench").await?;
    let warehouses = [("JX01", "330402"), ("GZ01", "440106")];
    for (code, area) in warehouses {
        store
            .put_warehouse(&Warehouse {
                code: WarehouseCode::new(code)?,
                name: code.to_owned(),
                kind: WarehouseKind::Own,
                area_code: area.to_owned(),
                allow_oversell: false,
            })
            .await?;
    }
    for code in &started.codes {
        let sku = SkuCode::new(*code)?;
        store
            .put_sku(&app::SkuDefinition::plain(sku.clone(), code))
            .await?;
        for (warehouse, _) in warehouses {
            store
                .receive_stock(
                    &WarehouseCode::new(warehouse)?,
                    &sku,
                    Quantity::new(1_000_000)?,
                    "bench",
                    start,
                )
                .await?;
        }
    }
    let connector = (started.make)(shop.id)?;
    let begun = Instant::now();
    let report = app::sync_orders(
        store.as_ref(),
        connector.as_ref(),
        &shop,
        start.plus_millis(-i64::from(hours + 1) * 3_600_000),
        clock.now(),
        &ClockPause(clock.clone()),
        &mut |_| 0,
        RetryPolicy::default(),
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    let pull_seconds = begun.elapsed().as_secs_f64();
    let routing = Instant::now();
    app::screen(
        store.as_ref(),
        &report.changed,
        &crate::address::hold_for,
        &Actor::System,
        clock.now(),
    )
    .await?;
    let router = app::Router {
        rules: domain::routing::RuleSet::default(),
        network: domain::routing::Network {
            warehouses: warehouses
                .iter()
                .map(|(code, area)| domain::routing::WarehouseSpec {
                    code: WarehouseCode::new(*code).expect("valid"),
                    area_code: (*area).to_owned(),
                    capabilities: Default::default(),
                    carriers: vec!["SF".to_owned()],
                    allow_oversell: false,
                    daily_capacity: None,
                })
                .collect(),
            min_shipment_minor: 0,
        },
        catalog: app::catalog_of(&store.catalog().await?),
        shops: [(shop.id, (shop.code.clone(), shop.channel))].into(),
        merge_keys: Default::default(),
        utc_offset_minutes: 480,
    };
    let routed = app::route_pending(
        store.as_ref(),
        &router,
        &Actor::System,
        Timestamp::from_unix_millis(clock.now().unix_millis()),
        1000,
    )
    .await?;
    let screen_and_route_seconds = routing.elapsed().as_secs_f64();
    started.server.shutdown().await?;

    let total = pull_seconds + screen_and_route_seconds;
    let result = PullResult {
        connector: platform.to_owned(),
        orders_on_platform,
        fetched: report.fetched,
        pages: report.pages,
        windows: report.windows,
        rate_limit_waits: report.retries,
        pull_seconds,
        pull_orders_per_second: f64::from(report.fetched) / pull_seconds,
        screen_and_route_seconds,
        routed: routed.decided,
        allocated: routed.allocated,
        end_to_end_orders_per_second: f64::from(report.fetched) / total,
        peak_rss_mib: crate::bench::peak_rss_kib().unwrap_or(0) as f64 / 1024.0,
    };
    println!("bench pull — {platform} connector against its simulator over loopback HTTP");
    println!("  orders on the platform {:>10}", result.orders_on_platform);
    println!(
        "  pulled                 {:>10} in {} windows, {} pages, {} rate-limit waits",
        result.fetched, result.windows, result.pages, result.rate_limit_waits
    );
    println!(
        "  pull (HTTP, map, store) {:>9.0} orders/s ({:.2} s)",
        result.pull_orders_per_second, result.pull_seconds
    );
    println!(
        "  screen and route       {:>10.2} s ({} routed, {} allocated)",
        result.screen_and_route_seconds, result.routed, result.allocated
    );
    println!(
        "  end to end             {:>10.0} orders/s",
        result.end_to_end_orders_per_second
    );
    println!("  peak RSS               {:>10.1} MiB", result.peak_rss_mib);
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;
    let path = out.join(format!("pull-{platform}.json"));
    std::fs::write(&path, serde_json::to_string_pretty(&result)?)
        .with_context(|| format!("writing {}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}
