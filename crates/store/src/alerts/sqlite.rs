//! The alert statements on SQLite (rusqlite), inside the store's transaction.

use app::{ALERT_TOPIC, Error, OutboxItem, Result};
use rusqlite::{OptionalExtension, Transaction, params};

use crate::alerts::{ALERT_COLUMNS, AlertRow, AlertSql, NewAlertRow, OPEN_WORK, WorkRow};

fn db_err(err: rusqlite::Error) -> Error {
    Error::Storage(format!("sqlite: {err}"))
}

fn alert_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AlertRow> {
    Ok(AlertRow {
        id: r.get(0)?,
        stage: r.get(1)?,
        subject: r.get(2)?,
        level: r.get(3)?,
        shop_id: r.get(4)?,
        warehouse: r.get(5)?,
        since: r.get(6)?,
        due_at: r.get(7)?,
        raised_at: r.get(8)?,
        escalated_at: r.get(9)?,
        cleared_at: r.get(10)?,
    })
}

impl AlertSql for Transaction<'_> {
    async fn work_rows(&mut self) -> Result<Vec<WorkRow>> {
        let mut stmt = self.prepare_cached(OPEN_WORK).map_err(db_err)?;
        let rows = stmt
            .query_map([], |r| {
                Ok(WorkRow {
                    stage: r.get(0)?,
                    subject_kind: r.get(1)?,
                    subject_id: r.get(2)?,
                    shop_id: r.get(3)?,
                    warehouse: r.get(4)?,
                    since: r.get(5)?,
                })
            })
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn alert_rows(&mut self, open_only: bool, limit: i64) -> Result<Vec<AlertRow>> {
        let sql = match open_only {
            true => {
                format!("select {ALERT_COLUMNS} from alerts where cleared_at is null order by id")
            }
            false => format!(
                "select {ALERT_COLUMNS} from alerts order by raised_at desc, id desc limit ?1"
            ),
        };
        let mut stmt = self.prepare_cached(&sql).map_err(db_err)?;
        let rows = match open_only {
            true => stmt.query_map([], alert_row),
            false => stmt.query_map([limit], alert_row),
        }
        .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn insert_alert(&mut self, row: &NewAlertRow<'_>) -> Result<Option<i64>> {
        self.prepare_cached(
            "insert into alerts (dedup_key, stage, subject, level, shop_id, warehouse, since, due_at, raised_at, escalated_at) \
             values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, case when ?4 = 'escalated' then ?9 end) \
             on conflict (dedup_key) where cleared_at is null do nothing returning id",
        )
        .and_then(|mut stmt| {
            stmt.query_row(
                params![row.key, row.stage, row.subject, row.level, row.shop_id, row.warehouse, row.since, row.due_at, row.at],
                |r| r.get(0),
            )
            .optional()
        })
        .map_err(db_err)
    }

    async fn escalate_alert(&mut self, key: &str, at: i64) -> Result<Option<i64>> {
        self.prepare_cached(
            "update alerts set level = 'escalated', escalated_at = ?2 \
             where dedup_key = ?1 and cleared_at is null and level = 'overdue' returning id",
        )
        .and_then(|mut stmt| stmt.query_row(params![key, at], |r| r.get(0)).optional())
        .map_err(db_err)
    }

    async fn clear_alert(&mut self, key: &str, at: i64) -> Result<Option<(i64, String)>> {
        self.prepare_cached(
            "update alerts set cleared_at = ?2 where dedup_key = ?1 and cleared_at is null returning id, level",
        )
        .and_then(|mut stmt| {
            stmt.query_row(params![key, at], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
        })
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
        self.prepare_cached(
            "insert into events (subject_kind, subject_id, kind, actor, at, before, after, note) \
             values ('alert', ?1, ?2, 'system', ?3, ?4, ?5, ?6)",
        )
        .and_then(|mut stmt| stmt.execute(params![id, kind, at, before, after, note]))
        .map_err(db_err)?;
        Ok(())
    }

    async fn queue_delivery(&mut self, key: &str, payload: &[u8], at: i64) -> Result<()> {
        self.prepare_cached(
            "insert into outbox (topic, key, payload, created_at, due_at) values (?1, ?2, ?3, ?4, ?4)",
        )
        .and_then(|mut stmt| stmt.execute(params![ALERT_TOPIC, key, payload, at]))
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
        let mut stmt = self
            .prepare_cached(
                "update outbox set claimed_by = ?1, claim_until = ?2 + ?3, attempts = attempts + 1 \
                 where id in (select id from outbox where topic = ?5 and delivered_at is null and due_at <= ?2 \
                 and (claim_until is null or claim_until <= ?2) order by due_at, id limit ?4) \
                 returning id, topic, key, payload, attempts",
            )
            .map_err(db_err)?;
        let rows = stmt
            .query_map(
                params![worker, now, lease_millis, limit, ALERT_TOPIC],
                |r| {
                    Ok(OutboxItem {
                        id: r.get(0)?,
                        topic: r.get(1)?,
                        key: r.get(2)?,
                        payload: r.get(3)?,
                        attempts: r.get(4)?,
                    })
                },
            )
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }
}
