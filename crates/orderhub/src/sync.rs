//! `orderhub sync`: pull every API shop's orders through its connector (the sync loop of `app`),
//! screen and route what changed. `--watch` keeps pulling, each shop on its interval with jitter,
//! through a store lease per shop so that several OrderHub processes never pull one shop at once;
//! a failing shop is reported and retried on its next turn while the others go on.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use app::{Connector, Pause, RetryPolicy, Store};
use domain::{Actor, ChannelKind, Shop, Timestamp};

use crate::config::{ApiConfig, Config};

/// The channels with a connector today.
pub(crate) const SUPPORTED: [ChannelKind; 4] = [
    ChannelKind::Taobao,
    ChannelKind::Tmall,
    ChannelKind::Douyin,
    ChannelKind::Shopify,
];

/// Sleeps on the runtime.
struct Sleep;

#[async_trait::async_trait]
impl Pause for Sleep {
    async fn pause(&self, millis: i64) {
        tokio::time::sleep(Duration::from_millis(millis.max(0) as u64)).await;
    }
}

/// A small xorshift, seeded from the clock: jitter needs spread, not secrecy.
struct Jitter(u64);

impl Jitter {
    fn new(seed: i64) -> Jitter {
        Jitter((seed as u64) | 1)
    }

    /// A value in `0..=max`.
    fn up_to(&mut self, max: i64) -> i64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        if max <= 0 {
            0
        } else {
            (self.0 % (max as u64 + 1)) as i64
        }
    }
}

/// The connector of a configured API shop, its credentials from the environment or the store.
pub(crate) async fn connector(
    store: &dyn Store,
    shop: &Shop,
    api: &ApiConfig,
) -> anyhow::Result<Arc<dyn Connector>> {
    let required = |value: Option<String>, name: &str| {
        value.with_context(|| {
            format!(
                "shop {:?}: no {name}: name an environment variable in [shops.api] or keep it with `orderhub secret set`",
                shop.code
            )
        })
    };
    let app_secret =
        crate::secrets::resolve(store, shop, "app_secret", api.app_secret_env.as_deref()).await?;
    let session =
        crate::secrets::resolve(store, shop, "session", api.session_env.as_deref()).await?;
    let refresh_token = crate::secrets::resolve(
        store,
        shop,
        "refresh_token",
        api.refresh_token_env.as_deref(),
    )
    .await?;
    let mapping_error =
        |e: mapping::MapError| anyhow::anyhow!("shop {:?}: mapping: {e}", shop.code);
    match shop.channel {
        ChannelKind::Douyin => {
            let sign_method = match api.sign_method.as_str() {
                "md5" => channels::douyin::SignMethod::Md5,
                _ => channels::douyin::SignMethod::HmacSha256,
            };
            let config = channels::douyin::DouyinConfig {
                gateway: api
                    .gateway
                    .clone()
                    .unwrap_or_else(|| channels::douyin::GATEWAY.to_owned()),
                app_key: api.app_key.clone(),
                app_secret: required(app_secret, "app secret")?,
                access_token: required(session, "session")?,
                refresh_token,
                sign_method,
                page_size: 100,
            };
            let connector = channels::douyin::DouyinConnector::new(config, shop.id, None)
                .map_err(mapping_error)?;
            Ok(Arc::new(connector))
        }
        ChannelKind::Shopify => {
            let config = channels::shopify::ShopifyConfig {
                shop_url: api
                    .gateway
                    .clone()
                    .with_context(|| format!("shop {:?}: gateway is the shop's URL", shop.code))?,
                api_version: channels::shopify::API_VERSION.to_owned(),
                access_token: required(session, "session")?,
                token_expires_at: None,
                refresh_token,
                client_id: api.app_key.clone(),
                client_secret: required(app_secret, "app secret")?,
                location_id: api.location_id.clone().unwrap_or_default(),
                // About 50 cost points an order with ten lines: pages fit a 1,000-point bucket.
                page_size: 25,
                line_items_per_order: 10,
            };
            let connector = channels::shopify::ShopifyConnector::new(config, shop.id, None)
                .map_err(mapping_error)?;
            Ok(Arc::new(connector))
        }
        ChannelKind::Taobao | ChannelKind::Tmall => {
            let config = channels::taobao::TaobaoConfig {
                gateway: api
                    .gateway
                    .clone()
                    .unwrap_or_else(|| channels::taobao::GATEWAY.to_owned()),
                app_key: api.app_key.clone(),
                app_secret: required(app_secret, "app secret")?,
                session: required(session, "session")?,
                refresh_token,
                sign_method: channels::taobao::SignMethod::from_param(&api.sign_method)
                    .context("validated at load")?,
                page_size: 50,
            };
            let connector = channels::taobao::TaobaoConnector::new(config, shop.id, None)
                .map_err(mapping_error)?;
            Ok(Arc::new(connector))
        }
        other => anyhow::bail!("shop {:?}: no API connector for {other}", shop.code),
    }
}

/// The configured API shops with their connectors.
async fn api_shops(
    config: &Config,
    store: &dyn Store,
) -> anyhow::Result<Vec<(Shop, Arc<dyn Connector>, u64, u32)>> {
    let shops: HashMap<String, Shop> = store
        .shops()
        .await?
        .into_iter()
        .map(|it| (it.code.clone(), it))
        .collect();
    let mut out = Vec::new();
    for configured in &config.shops {
        let Some(api) = &configured.api else { continue };
        let shop = shops
            .get(&configured.code)
            .cloned()
            .context("configured shops are created at start")?;
        let connector = connector(store, &shop, api).await?;
        out.push((shop, connector, api.interval_seconds, api.first_sync_days));
    }
    Ok(out)
}

/// One pull of one shop, then screening and routing of what changed; printed.
async fn pull_shop(
    store: &dyn Store,
    shop: &Shop,
    connector: &dyn Connector,
    first_sync_days: u32,
    router: Option<&app::Router>,
    jitter: &mut Jitter,
) -> anyhow::Result<()> {
    let outcome = pull(store, shop, connector, first_sync_days, router, jitter).await;
    // The shop is marked failing (or well again) for the console; the others go on either way.
    let status = app::SyncStatus {
        shop: shop.id,
        stream: app::Stream::Orders,
        ok: outcome.is_ok(),
        last_error: outcome
            .as_ref()
            .err()
            .map(|err| format!("{err:#}"))
            .unwrap_or_default(),
        at: crate::now(),
    };
    store.set_sync_status(&status).await?;
    outcome
}

async fn pull(
    store: &dyn Store,
    shop: &Shop,
    connector: &dyn Connector,
    first_sync_days: u32,
    router: Option<&app::Router>,
    jitter: &mut Jitter,
) -> anyhow::Result<()> {
    let now = crate::now();
    let first_from = now.plus_millis(-i64::from(first_sync_days) * 86_400_000);
    let mut spread = |max: i64| jitter.up_to(max);
    let mut report = app::sync_orders(
        store,
        connector,
        shop,
        first_from,
        now,
        &Sleep,
        &mut spread,
        RetryPolicy::default(),
    )
    .await
    .with_context(|| format!("shop {:?}", shop.code))?;
    // After-sales (on platforms that list them apart): kept, and their orders fetched again.
    let after_sales = app::sync_after_sales(
        store,
        connector,
        shop,
        first_from,
        now,
        &Sleep,
        &mut spread,
        RetryPolicy::default(),
    )
    .await
    .with_context(|| format!("shop {:?}: after-sales", shop.code))?;
    report.changed.extend(after_sales.changed);
    for (name, value) in connector.rotated_credentials() {
        // Keep a refreshed session for the next start; without a key the environment's stays.
        if crate::secrets::SecretBox::from_env()?.is_some() {
            crate::secrets::store(store, shop, &name, &value, crate::now()).await?;
        }
    }
    let screened = app::screen(
        store,
        &report.changed,
        &crate::address::hold_for,
        &Actor::System,
        crate::now(),
    )
    .await?;
    if after_sales.fetched > 0 {
        println!(
            "{}: {} after-sales fetched, {} kept new",
            shop.code, after_sales.fetched, after_sales.inserted
        );
    }
    println!(
        "{}: {} windows, {} pages, {} fetched: {} new, {} updated, {} unchanged, {} older, {} rejected, {} held by screening, {} retries; watermark {}",
        shop.code,
        report.windows,
        report.pages,
        report.fetched,
        report.inserted,
        report.updated,
        report.unchanged,
        report.stale,
        report.rejected,
        screened.held,
        report.retries,
        report
            .watermark
            .map_or("-".to_owned(), |it| mapping::rfc3339(it, 480)),
    );
    if let Some(router) = router {
        crate::routing::route(store, router, crate::now()).await?;
    }
    Ok(())
}

/// `orderhub sync [--watch]`.
pub(crate) async fn run(
    config: &Config,
    base: &Path,
    store: Arc<dyn Store>,
    watch: bool,
    listen: Option<std::net::SocketAddr>,
) -> anyhow::Result<()> {
    let shops = api_shops(config, store.as_ref()).await?;
    if shops.is_empty() {
        anyhow::bail!("no shop has an [shops.api] section: nothing to sync");
    }
    let router = match config.warehouses.is_empty() {
        true => None,
        false => Some(crate::routing::router(config, base, store.as_ref(), crate::now()).await?),
    };
    let mut jitter = Jitter::new(crate::now().unix_millis());
    let (policy, notifiers) = crate::alerts::setup(config, store.as_ref()).await?;
    let targets = crate::deliver::Targets {
        connectors: shops
            .iter()
            .map(|(shop, connector, _, _)| (shop.id, connector.clone()))
            .collect(),
        shares: config.listing_shares(store.as_ref()).await?,
        notifiers,
    };
    let worker = format!("orderhub-{}", std::process::id());
    if !watch {
        let mut failed = 0;
        for (shop, connector, _, first_days) in &shops {
            if let Err(err) = pull_shop(
                store.as_ref(),
                shop,
                connector.as_ref(),
                *first_days,
                router.as_ref(),
                &mut jitter,
            )
            .await
            {
                eprintln!("{err:#}");
                failed += 1;
            }
        }
        let delivered =
            crate::deliver::deliver_once(store.as_ref(), &targets, &worker, crate::now()).await?;
        if delivered.delivered + delivered.failed > 0 {
            println!(
                "write-backs: {} delivered, {} to retry",
                delivered.delivered, delivered.failed
            );
        }
        anyhow::ensure!(failed == 0, "{failed} shop(s) failed to sync");
        return Ok(());
    }
    let holder = worker.clone();
    let (changed, mut pushed) = tokio::sync::mpsc::unbounded_channel();
    if let Some(listen) = listen {
        let push_shops = shops
            .iter()
            .map(|(shop, connector, _, _)| {
                let target = web::PushShop {
                    shop: shop.clone(),
                    connector: connector.clone(),
                };
                (shop.code.clone(), target)
            })
            .collect();
        let state = web::PushState {
            store: store.clone(),
            clock: Arc::new(crate::WallClock),
            shops: Arc::new(push_shops),
            changed,
        };
        let (addr, _task) = web::serve_push(listen, state).await?;
        println!("taking pushes on http://{addr}/push/{{shop}}");
    }
    let mut due: Vec<Timestamp> = shops.iter().map(|_| crate::now()).collect();
    let mut next_check = crate::now();
    loop {
        // Deadlines, once a minute across every process (the lease is kept for the minute); the
        // notifications it queues go out with the write-backs below.
        let now = crate::now();
        if now >= next_check {
            next_check = now.plus_millis(60_000);
            if store
                .acquire_lease("alerts:check", &holder, now, 55_000)
                .await?
            {
                let ids = targets.notifiers.ids();
                match app::check_deadlines(store.as_ref(), &policy, &ids, now).await {
                    Ok(report) if report != app::AlertReport::default() => println!(
                        "alerts: {} raised, {} escalated, {} cleared",
                        report.raised, report.escalated, report.cleared
                    ),
                    Ok(_) => {}
                    Err(err) => eprintln!("deadline check: {err:#}"),
                }
            }
        }
        for (i, (shop, connector, interval, first_days)) in shops.iter().enumerate() {
            let now = crate::now();
            if now < due[i] {
                continue;
            }
            let interval_ms = (*interval as i64) * 1000;
            due[i] = now.plus_millis(interval_ms + jitter.up_to(interval_ms / 10));
            let lease = format!("sync:{}:orders", shop.code);
            // The lease outlives a slow pull; it is given back as soon as the pull ends.
            if !store
                .acquire_lease(&lease, &holder, now, interval_ms.max(60_000) * 2)
                .await?
            {
                continue;
            }
            let outcome = pull_shop(
                store.as_ref(),
                shop,
                connector.as_ref(),
                *first_days,
                router.as_ref(),
                &mut jitter,
            )
            .await;
            store.release_lease(&lease, &holder).await?;
            if let Err(err) = outcome {
                eprintln!("{err:#} (retried at its next turn)");
            }
        }
        // Orders pushes fetched meanwhile: screened and routed like pulled ones.
        let mut fetched = Vec::new();
        while let Ok(ids) = pushed.try_recv() {
            fetched.extend(ids);
        }
        if !fetched.is_empty() {
            app::screen(
                store.as_ref(),
                &fetched,
                &crate::address::hold_for,
                &Actor::System,
                crate::now(),
            )
            .await?;
            if let Some(router) = &router {
                crate::routing::route(store.as_ref(), router, crate::now()).await?;
            }
        }
        crate::deliver::deliver_once(store.as_ref(), &targets, &worker, crate::now()).await?;
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
