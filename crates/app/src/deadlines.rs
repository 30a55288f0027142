//! The deadline check: assess the open work against the policy and keep what changed, with the
//! notifications it owes, in one store transaction.

use domain::{DeadlinePolicy, OpenAlert, Timestamp, assess};

use crate::error::Result;
use crate::store::{AlertReport, Store};

/// Raises, escalates and clears alerts for the work open at `now`; every raise and escalation
/// queues one delivery per notifier named in `notifiers`. Checking again with nothing changed
/// writes nothing.
pub async fn check_deadlines(
    store: &dyn Store,
    policy: &DeadlinePolicy,
    notifiers: &[String],
    now: Timestamp,
) -> Result<AlertReport> {
    let work = store.open_work(now).await?;
    let open: Vec<OpenAlert> = store
        .open_alerts()
        .await?
        .into_iter()
        .map(|alert| OpenAlert {
            key: alert.key,
            level: alert.level,
        })
        .collect();
    let changes = assess(&work, &open, policy, now);
    if changes.is_empty() {
        return Ok(AlertReport::default());
    }
    store.apply_alerts(&changes, notifiers, now).await
}
