//! Deadline alerts in the store: the open work to assess, the alerts kept, and applying what
//! `domain::assess` decided (alert rows, their events and one outbox delivery per notifier per
//! raise or escalation) in one transaction.
//!
//! The use cases are written once here over [`AlertSql`], the few statements they need, which
//! `sqlite.rs` (rusqlite) and `postgres.rs` (sqlx) each implement in their own dialect. An open
//! alert's key is unique (a partial unique index), and every write is conditional on the alert's
//! state, so two processes applying the same decision raise, escalate or clear it once.

mod postgres;
mod sqlite;

use app::{ALERT_TOPIC, AlertRecord, AlertReport, Error, OutboxItem, Result};
use domain::{
    AlertAction, AlertChange, AlertKey, AlertLevel, OrderId, Overdue, ShipmentId, ShopId, Stage,
    Subject, Timestamp, WarehouseCode, WorkItem,
};

/// One row of open work: stage, subject kind and id, shop, warehouse, stage start.
pub(crate) struct WorkRow {
    pub(crate) stage: String,
    pub(crate) subject_kind: String,
    pub(crate) subject_id: i64,
    pub(crate) shop_id: Option<i64>,
    pub(crate) warehouse: Option<String>,
    pub(crate) since: i64,
}

/// One `alerts` row.
pub(crate) struct AlertRow {
    pub(crate) id: i64,
    pub(crate) stage: String,
    pub(crate) subject: String,
    pub(crate) level: String,
    pub(crate) shop_id: i64,
    pub(crate) warehouse: Option<String>,
    pub(crate) since: i64,
    pub(crate) due_at: i64,
    pub(crate) raised_at: i64,
    pub(crate) escalated_at: Option<i64>,
    pub(crate) cleared_at: Option<i64>,
}

pub(crate) const ALERT_COLUMNS: &str = "id, stage, subject, level, shop_id, warehouse, since, due_at, raised_at, escalated_at, cleared_at";

/// The open work in every watched stage; `$1`-style placeholders are not needed (no arguments).
/// A shipment's shop is its first order's; its stage starts at the latest event that put it back
/// in the stage, or its creation.
pub(crate) const OPEN_WORK: &str = "\
select 'allocate', 'order', o.id, o.shop_id, cast(null as text), o.paid_at from orders o \
 where o.status in ('paid', 'on_hold', 'released') and o.paid_at is not null \
union all \
select 'promised', 'order', o.id, o.shop_id, cast(null as text), o.paid_at from orders o \
 where o.status in ('paid', 'on_hold', 'released', 'allocated', 'in_fulfilment', 'partially_shipped') \
 and o.paid_at is not null \
union all \
select 'claim', 'shipment', s.id, \
 (select min(o.shop_id) from shipment_lines l join orders o on o.id = l.order_id where l.shipment_id = s.id), \
 s.warehouse, \
 coalesce((select max(e.at) from events e where e.subject_kind = 'shipment' and e.subject_id = s.id \
 and e.kind in ('give_back', 'expire_claim')), s.created_at) \
 from shipments s where s.status in ('allocated', 'released') \
union all \
select 'ship', 'shipment', s.id, \
 (select min(o.shop_id) from shipment_lines l join orders o on o.id = l.order_id where l.shipment_id = s.id), \
 s.warehouse, \
 coalesce((select max(e.at) from events e where e.subject_kind = 'shipment' and e.subject_id = s.id \
 and e.kind in ('claim', 'take_over')), s.created_at) \
 from shipments s where s.status in ('claimed', 'picked', 'packed', 'intercepted')";

/// A raise to insert.
pub(crate) struct NewAlertRow<'a> {
    pub(crate) key: &'a str,
    pub(crate) stage: &'a str,
    pub(crate) subject: &'a str,
    pub(crate) level: &'a str,
    pub(crate) shop_id: i64,
    pub(crate) warehouse: Option<&'a str>,
    pub(crate) since: i64,
    pub(crate) due_at: i64,
    pub(crate) at: i64,
}

/// The statements the alert use cases need, per backend.
#[allow(async_fn_in_trait)]
pub(crate) trait AlertSql {
    async fn work_rows(&mut self) -> Result<Vec<WorkRow>>;
    /// Open alerts oldest first, or the latest `limit` newest first.
    async fn alert_rows(&mut self, open_only: bool, limit: i64) -> Result<Vec<AlertRow>>;
    /// The new alert's id, or `None` when the key is already open.
    async fn insert_alert(&mut self, row: &NewAlertRow<'_>) -> Result<Option<i64>>;
    /// The alert's id when an open, overdue alert of `key` was escalated.
    async fn escalate_alert(&mut self, key: &str, at: i64) -> Result<Option<i64>>;
    /// The alert's id and level when an open alert of `key` was cleared.
    async fn clear_alert(&mut self, key: &str, at: i64) -> Result<Option<(i64, String)>>;
    async fn alert_event(
        &mut self,
        id: i64,
        kind: &str,
        before: &str,
        after: &str,
        note: &str,
        at: i64,
    ) -> Result<()>;
    async fn queue_delivery(&mut self, key: &str, payload: &[u8], at: i64) -> Result<()>;
    async fn claim_deliveries(
        &mut self,
        worker: &str,
        limit: i64,
        now: i64,
        lease_millis: i64,
    ) -> Result<Vec<OutboxItem>>;
}

fn corrupt(what: &str, value: &str) -> Error {
    Error::Storage(format!("unreadable alert {what}: {value:?}"))
}

pub(crate) async fn open_work(tx: &mut impl AlertSql) -> Result<Vec<WorkItem>> {
    let mut items = Vec::new();
    for row in tx.work_rows().await? {
        let stage = Stage::parse(&row.stage).ok_or_else(|| corrupt("stage", &row.stage))?;
        let subject = match row.subject_kind.as_str() {
            "order" => Subject::Order(OrderId(row.subject_id)),
            "shipment" => Subject::Shipment(ShipmentId(row.subject_id)),
            other => return Err(corrupt("subject", other)),
        };
        // A shipment without lines has nothing to do.
        let Some(shop) = row.shop_id else { continue };
        let warehouse = row
            .warehouse
            .map(|code| WarehouseCode::new(&code).map_err(|_| corrupt("warehouse", &code)))
            .transpose()?;
        items.push(WorkItem {
            stage,
            subject,
            shop: ShopId(shop),
            warehouse,
            since: Timestamp::from_unix_millis(row.since),
            promised: None,
        });
    }
    Ok(items)
}

pub(crate) async fn alerts(
    tx: &mut impl AlertSql,
    open_only: bool,
    limit: u32,
) -> Result<Vec<AlertRecord>> {
    tx.alert_rows(open_only, i64::from(limit))
        .await?
        .into_iter()
        .map(record)
        .collect()
}

fn record(row: AlertRow) -> Result<AlertRecord> {
    let stage = Stage::parse(&row.stage).ok_or_else(|| corrupt("stage", &row.stage))?;
    let subject = Subject::parse(&row.subject).ok_or_else(|| corrupt("subject", &row.subject))?;
    let level = AlertLevel::parse(&row.level).ok_or_else(|| corrupt("level", &row.level))?;
    let warehouse = row
        .warehouse
        .map(|code| WarehouseCode::new(&code).map_err(|_| corrupt("warehouse", &code)))
        .transpose()?;
    let time = Timestamp::from_unix_millis;
    Ok(AlertRecord {
        id: row.id,
        key: AlertKey::new(stage, subject),
        stage,
        subject,
        level,
        shop: ShopId(row.shop_id),
        warehouse,
        since: time(row.since),
        due_at: time(row.due_at),
        raised_at: time(row.raised_at),
        escalated_at: row.escalated_at.map(time),
        cleared_at: row.cleared_at.map(time),
    })
}

pub(crate) async fn apply_alerts(
    tx: &mut impl AlertSql,
    changes: &[AlertChange],
    notifiers: &[String],
    at: Timestamp,
) -> Result<AlertReport> {
    let mut report = AlertReport::default();
    let now = at.unix_millis();
    for change in changes {
        let key = change.key.as_str();
        match (change.action, &change.work) {
            (AlertAction::Raise(level), Some(work)) => {
                let item = &work.item;
                let row = NewAlertRow {
                    key,
                    stage: item.stage.as_str(),
                    subject: &item.subject.encode(),
                    level: level.as_str(),
                    shop_id: item.shop.0,
                    warehouse: item.warehouse.as_ref().map(WarehouseCode::as_str),
                    since: item.since.unix_millis(),
                    due_at: work.due_at.unix_millis(),
                    at: now,
                };
                let Some(id) = tx.insert_alert(&row).await? else {
                    continue;
                };
                tx.alert_event(id, "raise", "", level.as_str(), key, now)
                    .await?;
                report.raised += 1;
                report.deliveries += queue(tx, id, level, change, work, notifiers, now).await?;
            }
            (AlertAction::Escalate, Some(work)) => {
                let Some(id) = tx.escalate_alert(key, now).await? else {
                    continue;
                };
                let (before, after) = (AlertLevel::Overdue, AlertLevel::Escalated);
                tx.alert_event(id, "escalate", before.as_str(), after.as_str(), key, now)
                    .await?;
                report.escalated += 1;
                report.deliveries += queue(tx, id, after, change, work, notifiers, now).await?;
            }
            (AlertAction::Clear, _) => {
                let Some((id, level)) = tx.clear_alert(key, now).await? else {
                    continue;
                };
                tx.alert_event(id, "clear", &level, "cleared", key, now)
                    .await?;
                report.cleared += 1;
            }
            (AlertAction::Raise(_) | AlertAction::Escalate, None) => {
                return Err(Error::invalid(
                    "alert change",
                    format!("{key}: a raise or escalation without its work"),
                ));
            }
        }
    }
    Ok(report)
}

/// One outbox row per notifier for alert `id` at `level`. The delivery's dedup key names the
/// alert row and the level, so a retried copy is recognisable and an escalation is not.
async fn queue(
    tx: &mut impl AlertSql,
    id: i64,
    level: AlertLevel,
    change: &AlertChange,
    work: &Overdue,
    notifiers: &[String],
    now: i64,
) -> Result<u32> {
    let dedup_key = format!("{}#{id}:{}", change.key, level.as_str());
    let item = &work.item;
    for notifier in notifiers {
        let payload = serde_json::json!({
            "alert_id": id,
            "dedup_key": dedup_key,
            "notifier": notifier,
            "stage": item.stage.as_str(),
            "subject": item.subject.encode(),
            "level": level.as_str(),
            "shop_id": item.shop.0,
            "warehouse": item.warehouse.as_ref().map(WarehouseCode::as_str),
            "since": item.since.unix_millis(),
            "due_at": work.due_at.unix_millis(),
            "escalate_at": work.escalate_at.unix_millis(),
        });
        let payload = serde_json::to_vec(&payload)
            .map_err(|err| Error::Storage(format!("alert payload: {err}")))?;
        tx.queue_delivery(&format!("{dedup_key}>{notifier}"), &payload, now)
            .await?;
    }
    Ok(notifiers.len() as u32)
}

pub(crate) async fn claim_deliveries(
    tx: &mut impl AlertSql,
    worker: &str,
    limit: u32,
    now: Timestamp,
    lease_millis: i64,
) -> Result<Vec<OutboxItem>> {
    let mut items = tx
        .claim_deliveries(worker, i64::from(limit), now.unix_millis(), lease_millis)
        .await?;
    items.sort_by_key(|it| it.id);
    debug_assert!(items.iter().all(|it| it.topic == ALERT_TOPIC));
    Ok(items)
}
