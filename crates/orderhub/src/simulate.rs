//! `orderhub simulate taobao`: our TOP simulator on a local address, trading on the wall clock, for
//! trying `orderhub sync` (and the demo) without a platform account.

use std::net::SocketAddr;
use std::sync::Arc;

use app::Clock;
use domain::Timestamp;

/// The wall clock, for the simulator's requests.
struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        crate::now()
    }
}

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
    let simulator = simulators::taobao::Simulator::new(config, Arc::new(SystemClock));
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
