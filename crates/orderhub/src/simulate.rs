//! `orderhub simulate taobao|douyin|shopify`: our platform simulators on a local address, trading on the wall
//! clock, for trying `orderhub sync` (and the demo) without a platform account.

use std::net::SocketAddr;
use std::sync::Arc;

/// Serves until interrupted; prints what a shop's `[shops.api]` needs.
pub(crate) async fn taobao(
    listen: SocketAddr,
    seed: u64,
    orders_per_hour: u32,
) -> anyhow::Result<()> {
    let mut config = simulators::taobao::Config::example(seed, crate::now());
    for shop in &mut config.shops {
        shop.traffic.orders_per_hour = orders_per_hour;
    }
    let app = config.apps[0].clone();
    let grant = config.shops[0].sessions[0].clone();
    let simulator = simulators::taobao::Simulator::new(config, Arc::new(crate::WallClock));
    let (addr, server) =
        simulators::taobao::start(simulators::taobao::ServeConfig { listen, simulator }).await?;
    println!(
        "TOP simulator on http://{addr}{}",
        simulators::taobao::GATEWAY_PATH
    );
    println!("  [shops.api]");
    println!(
        "  gateway = \"http://{addr}{}\"",
        simulators::taobao::GATEWAY_PATH
    );
    println!("  app_key = \"{}\"", app.app_key);
    println!(
        "  app_secret_env = \"TAOBAO_APP_SECRET\"   # export TAOBAO_APP_SECRET={}",
        app.secret
    );
    println!(
        "  session_env = \"TAOBAO_SESSION\"         # export TAOBAO_SESSION={}",
        grant.session
    );
    println!(
        "  refresh_token_env = \"TAOBAO_REFRESH\"   # export TAOBAO_REFRESH={}",
        grant.refresh_token
    );
    tokio::signal::ctrl_c().await?;
    server.shutdown().await?;
    Ok(())
}

/// The Shopify Admin API simulator; prints what a shop's `[shops.api]` needs.
pub(crate) async fn shopify(
    listen: SocketAddr,
    seed: u64,
    orders_per_hour: u32,
) -> anyhow::Result<()> {
    let mut config = simulators::shopify::Config::example(seed);
    config.traffic.orders_per_hour = orders_per_hour;
    let (token, client_id, secret) = (
        config.tokens[0].access_token.clone(),
        config.app.client_id.clone(),
        config.app.client_secret.clone(),
    );
    let simulator = simulators::shopify::Simulator::new(config, Arc::new(crate::WallClock));
    let location = simulator.lock().shop().location_id;
    let (addr, server) =
        simulators::shopify::start(simulators::shopify::ServeConfig { listen, simulator }).await?;
    println!("Shopify Admin API simulator on http://{addr}");
    println!("  [shops.api]");
    println!("  gateway = \"http://{addr}\"");
    println!("  app_key = \"{client_id}\"");
    println!("  location_id = \"{location}\"");
    println!(
        "  app_secret_env = \"SHOPIFY_CLIENT_SECRET\"   # export SHOPIFY_CLIENT_SECRET={secret}"
    );
    println!("  session_env = \"SHOPIFY_TOKEN\"              # export SHOPIFY_TOKEN={token}");
    tokio::signal::ctrl_c().await?;
    server.shutdown().await?;
    Ok(())
}

/// The doudian simulator; prints what a shop's `[shops.api]` needs.
pub(crate) async fn douyin(
    listen: SocketAddr,
    seed: u64,
    orders_per_hour: u32,
) -> anyhow::Result<()> {
    use simulators::douyin::{App, Config, Grant, RateLimit, ShopConfig, Traffic};
    let now = crate::now();
    let (app_key, secret, token, refresh) = (
        "7100000000000000001",
        "doudian-secret",
        "dy-access-demo",
        "dy-refresh-demo",
    );
    let config = Config {
        apps: vec![App {
            app_key: app_key.to_owned(),
            secret: secret.to_owned(),
        }],
        shops: vec![ShopConfig {
            name: "茶香抖音小店".to_owned(),
            shop_id: 4_463_798,
            seed,
            grants: vec![Grant {
                access_token: token.to_owned(),
                app_key: app_key.to_owned(),
                expires_at: now.plus_millis(7 * 24 * 3_600_000),
                refresh_token: refresh.to_owned(),
            }],
            traffic: Traffic {
                orders_per_hour,
                unpaid_percent: 8,
                refund_percent: 5,
                change_percent: 10,
                shipped_elsewhere_percent: 5,
            },
            history_hours: 24,
        }],
        rate_limit: RateLimit {
            calls: 100,
            window_secs: 1,
        },
        seed,
    };
    let simulator = simulators::douyin::Simulator::new(config, Arc::new(crate::WallClock));
    let (addr, server) =
        simulators::douyin::start(simulators::douyin::ServeConfig { listen, simulator }).await?;
    println!("doudian simulator on http://{addr}");
    println!("  [shops.api]");
    println!("  gateway = \"http://{addr}\"");
    println!("  app_key = \"{app_key}\"");
    println!("  app_secret_env = \"DOUYIN_APP_SECRET\"   # export DOUYIN_APP_SECRET={secret}");
    println!("  session_env = \"DOUYIN_TOKEN\"           # export DOUYIN_TOKEN={token}");
    println!("  refresh_token_env = \"DOUYIN_REFRESH\"   # export DOUYIN_REFRESH={refresh}");
    tokio::signal::ctrl_c().await?;
    server.shutdown().await?;
    Ok(())
}
