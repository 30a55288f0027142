//! `orderhub alerts check` (assess the deadlines now and deliver what is due) and
//! `orderhub alerts list [--all]` (open alerts, or the latest ones with cleared ones too).

use std::collections::HashMap;
use std::sync::Arc;

use app::Store;
use clap::Subcommand;
use domain::Timestamp;

use crate::alerting::{Notifiers, deliver_alerts};
use crate::config::Config;

#[derive(Subcommand, Debug)]
pub(crate) enum AlertsCommand {
    /// Raise, escalate and clear alerts for the work open now, then deliver the due notifications.
    Check,
    /// Open alerts; with --all, the latest alerts, cleared ones too.
    List {
        #[arg(long)]
        all: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

/// The policy and notifiers the configuration names, shop codes resolved in the store.
pub(crate) async fn setup(
    config: &Config,
    store: &dyn Store,
) -> anyhow::Result<(domain::DeadlinePolicy, Notifiers)> {
    let all = store.shops().await?;
    let shops: HashMap<String, domain::ShopId> = all
        .iter()
        .map(|shop| (shop.code.clone(), shop.id))
        .collect();
    let policy = config.deadlines.policy(Some(&shops))?;
    let list = config
        .notifiers
        .iter()
        .map(crate::alert_config::NotifierConfig::build)
        .collect::<anyhow::Result<Vec<_>>>()?;
    let retry_millis = i64::try_from(config.deadlines.retry_seconds.saturating_mul(1000))?;
    let mut notifiers = Notifiers::new(list, config.deadlines.link_base.clone(), retry_millis);
    notifiers.shop_names = all.into_iter().map(|shop| (shop.id.0, shop.name)).collect();
    Ok((policy, notifiers))
}

/// One check: assess at `now`, then deliver what is due.
pub(crate) async fn check(
    store: &dyn Store,
    policy: &domain::DeadlinePolicy,
    notifiers: &Notifiers,
    worker: &str,
    now: Timestamp,
) -> anyhow::Result<String> {
    let report = app::check_deadlines(store, policy, &notifiers.ids(), now).await?;
    let delivered = deliver_alerts(store, notifiers, worker, now).await?;
    Ok(format!(
        "alerts: {} raised, {} escalated, {} cleared; notifications: {} sent, {} to retry",
        report.raised, report.escalated, report.cleared, delivered.sent, delivered.failed
    ))
}

pub(crate) async fn run(
    config: &Config,
    store: Arc<dyn Store>,
    command: AlertsCommand,
    now: Timestamp,
) -> anyhow::Result<()> {
    match command {
        AlertsCommand::Check => {
            let (policy, notifiers) = setup(config, store.as_ref()).await?;
            let worker = format!("orderhub-alerts-{}", std::process::id());
            println!(
                "{}",
                check(store.as_ref(), &policy, &notifiers, &worker, now).await?
            );
            Ok(())
        }
        AlertsCommand::List { all, limit } => {
            let alerts = match all {
                true => store.recent_alerts(limit).await?,
                false => store.open_alerts().await?,
            };
            let time = |at: Timestamp| mapping::rfc3339(at, 480);
            for alert in alerts {
                let state = match alert.cleared_at {
                    Some(at) => format!("cleared {}", time(at)),
                    None => alert.level.as_str().to_owned(),
                };
                println!(
                    "{:<28} {:<10} raised {} due {} {}",
                    alert.key.as_str(),
                    state,
                    time(alert.raised_at),
                    time(alert.due_at),
                    alert.warehouse.as_ref().map_or("", |it| it.as_str()),
                );
            }
            Ok(())
        }
    }
}
