//! The alert statements on PostgreSQL (sqlx), inside the store's transaction. Deliveries are
//! claimed with `for update skip locked`, like the other outbox rows.

use app::{ALERT_TOPIC, Error, OutboxItem, Result};
use sqlx::postgres::PgRow;
use sqlx::{Postgres, Row, Transaction};

use crate::alerts::{ALERT_COLUMNS, AlertRow, AlertSql, NewAlertRow, OPEN_WORK, WorkRow};

fn db_err(err: sqlx::Error) -> Error {
    Error::Storage(format!("postgres: {err}"))
}

fn alert_row(r: &PgRow) -> std::result::Result<AlertRow, sqlx::Error> {
    Ok(AlertRow {
        id: r.try_get(0)?,
        stage: r.try_get(1)?,
        subject: r.try_get(2)?,
        level: r.try_get(3)?,
        shop_id: r.try_get(4)?,
        warehouse: r.try_get(5)?,
        since: r.try_get(6)?,
        due_at: r.try_get(7)?,
        raised_at: r.try_get(8)?,
        escalated_at: r.try_get(9)?,
        cleared_at: r.try_get(10)?,
    })
}

impl AlertSql for Transaction<'_, Postgres> {
    async fn work_rows(&mut self) -> Result<Vec<WorkRow>> {
        let rows = sqlx::query(OPEN_WORK)
            .fetch_all(&mut **self)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(WorkRow {
                    stage: r.try_get(0)?,
                    subject_kind: r.try_get(1)?,
                    subject_id: r.try_get(2)?,
                    shop_id: r.try_get(3)?,
                    warehouse: r.try_get(4)?,
                    since: r.try_get(5)?,
                })
            })
            .collect::<std::result::Result<Vec<_>, sqlx::Error>>()
            .map_err(db_err)
    }

    async fn alert_rows(&mut self, open_only: bool, limit: i64) -> Result<Vec<AlertRow>> {
        let rows = match open_only {
            true => {
                let sql = format!(
                    "select {ALERT_COLUMNS} from alerts where cleared_at is null order by id"
                );
                sqlx::query(&sql).fetch_all(&mut **self).await
            }
            false => {
                let sql = format!(
                    "select {ALERT_COLUMNS} from alerts order by raised_at desc, id desc limit $1"
                );
                sqlx::query(&sql).bind(limit).fetch_all(&mut **self).await
            }
        }
        .map_err(db_err)?;
        rows.iter()
            .map(alert_row)
            .collect::<std::result::Result<Vec<_>, _>>()
            .map_err(db_err)
    }

    async fn insert_alert(&mut self, row: &NewAlertRow<'_>) -> Result<Option<i64>> {
        let found = sqlx::query(
            "insert into alerts (dedup_key, stage, subject, level, shop_id, warehouse, since, due_at, raised_at, escalated_at) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, case when $4 = 'escalated' then $9 end) \
             on conflict (dedup_key) where cleared_at is null do nothing returning id",
        )
        .bind(row.key)
        .bind(row.stage)
        .bind(row.subject)
        .bind(row.level)
        .bind(row.shop_id)
        .bind(row.warehouse)
        .bind(row.since)
        .bind(row.due_at)
        .bind(row.at)
        .fetch_optional(&mut **self)
        .await
        .map_err(db_err)?;
        found.map(|r| r.try_get(0)).transpose().map_err(db_err)
    }

    async fn escalate_alert(&mut self, key: &str, at: i64) -> Result<Option<i64>> {
        let found = sqlx::query(
            "update alerts set level = 'escalated', escalated_at = $2 \
             where dedup_key = $1 and cleared_at is null and level = 'overdue' returning id",
        )
        .bind(key)
        .bind(at)
        .fetch_optional(&mut **self)
        .await
        .map_err(db_err)?;
        found.map(|r| r.try_get(0)).transpose().map_err(db_err)
    }

    async fn clear_alert(&mut self, key: &str, at: i64) -> Result<Option<(i64, String)>> {
        let found = sqlx::query(
            "update alerts set cleared_at = $2 where dedup_key = $1 and cleared_at is null returning id, level",
        )
        .bind(key)
        .bind(at)
        .fetch_optional(&mut **self)
        .await
        .map_err(db_err)?;
        found
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .transpose()
            .map_err(db_err)
    }

    async fn alert_event(
        &mut self,
        id: i64,
        kind: &str,
        before: &str,
        after: &str,
        note: &str,
        at: i64,
    ) -> Result<()> {
        sqlx::query(
            "insert into events (subject_kind, subject_id, kind, actor, at, before, after, note) \
             values ('alert', $1, $2, 'system', $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(kind)
        .bind(at)
        .bind(before)
        .bind(after)
        .bind(note)
        .execute(&mut **self)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn queue_delivery(&mut self, key: &str, payload: &[u8], at: i64) -> Result<()> {
        sqlx::query(
            "insert into outbox (topic, key, payload, created_at, due_at) values ($1, $2, $3, $4, $4)",
        )
        .bind(ALERT_TOPIC)
        .bind(key)
        .bind(payload)
        .bind(at)
        .execute(&mut **self)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn claim_deliveries(
        &mut self,
        worker: &str,
        limit: i64,
        now: i64,
        lease_millis: i64,
    ) -> Result<Vec<OutboxItem>> {
        let rows = sqlx::query(
            "update outbox set claimed_by = $1, claim_until = $2 + $3, attempts = attempts + 1 \
             where id in (select id from outbox where topic = $5 and delivered_at is null and due_at <= $2 \
             and (claim_until is null or claim_until <= $2) order by due_at, id limit $4 for update skip locked) \
             returning id, topic, key, payload, attempts",
        )
        .bind(worker)
        .bind(now)
        .bind(lease_millis)
        .bind(limit)
        .bind(ALERT_TOPIC)
        .fetch_all(&mut **self)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let attempts: i64 = r.try_get(4).map_err(db_err)?;
                Ok(OutboxItem {
                    id: r.try_get(0).map_err(db_err)?,
                    topic: r.try_get(1).map_err(db_err)?,
                    key: r.try_get(2).map_err(db_err)?,
                    payload: r.try_get(3).map_err(db_err)?,
                    attempts: u32::try_from(attempts)
                        .map_err(|_| Error::Storage("negative outbox attempts".to_owned()))?,
                })
            })
            .collect()
    }
}
