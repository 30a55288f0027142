//! The SQLite store: one file, WAL, one connection behind a mutex on the blocking thread pool.

use std::path::Path;
use std::sync::{Arc, LazyLock, Mutex};

use crate::fulfil;
use app::{AfterSaleAction, ApiToken, MoneyEntry, NewAfterSale, NewUser, User};
use app::{
    Error, EventRecord, IngestBatch, IngestReport, NewReject, NewShipment, OrderQuery,
    OrderSummary, OutboxItem, RawDocument, Reject, Result, RoutingBatch, SkuDefinition,
    StockRequest, Store, StoredDecision, Stream, SyncStatus, UnknownSku,
};
use domain::{
    Actor, ChannelKind, ExternalId, Order, OrderEvent, OrderId, OrderStatus, Quantity, Shipment,
    ShipmentEvent, ShipmentId, Shop, ShopId, ShopSkuKey, SkuCode, SkuMap, StandardOrder,
    StockLevel, Timestamp, Warehouse, WarehouseCode,
};
use domain::{AfterSale, AfterSaleId, Permission};
use rusqlite::{Connection, OptionalExtension, Transaction, params};

use crate::logic;
use crate::rows;
use crate::rows::{
    AFTER_SALE_COLUMNS, AfterSaleRow, LINE_COLUMNS, LineRow, ORDER_COLUMNS, ORDER_DATA_COLUMNS,
    OrderRow, REJECT_COLUMNS, RejectRow, SHIPMENT_COLUMNS, ShipmentRow, UNKNOWN_SKUS,
    build_sku_map, corrupt, held_order, parse_status, sku_key_parts, unknown_sku,
    unresolvable_reject,
};
use crate::tx::{HeldOrder, LineCounts, NewEvent, Tx, block_on};

const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init",
        include_str!("../migrations/sqlite/0001_init.sql"),
    ),
    (
        "0002_rejects",
        include_str!("../migrations/sqlite/0002_rejects.sql"),
    ),
    (
        "0003_skus",
        include_str!("../migrations/sqlite/0003_skus.sql"),
    ),
    (
        "0004_routing",
        include_str!("../migrations/sqlite/0004_routing.sql"),
    ),
    (
        "0005_channels",
        include_str!("../migrations/sqlite/0005_channels.sql"),
    ),
    (
        "0006_sync",
        include_str!("../migrations/sqlite/0006_sync.sql"),
    ),
    (
        "0007_fulfilment",
        include_str!("../migrations/sqlite/0007_fulfilment.sql"),
    ),
    (
        "0008_access",
        include_str!("../migrations/sqlite/0008_access.sql"),
    ),
    (
        "0009_alerts",
        include_str!("../migrations/sqlite/0009_alerts.sql"),
    ),
    (
        "0010_search",
        include_str!("../migrations/sqlite/0010_search.sql"),
    ),
];

static INSERT_ORDER: LazyLock<String> = LazyLock::new(|| {
    let marks = vec!["?"; ORDER_DATA_COLUMNS.len() + 7].join(", ");
    format!(
        "insert into orders (shop_id, external_id, status, holds, exception, ingested_at, version, {}) values ({marks})",
        ORDER_DATA_COLUMNS.join(", ")
    )
});

static UPDATE_ORDER: LazyLock<String> = LazyLock::new(|| {
    let sets: Vec<String> = ORDER_DATA_COLUMNS
        .iter()
        .enumerate()
        .map(|(i, c)| format!("{c} = ?{}", i + 5))
        .collect();
    format!(
        "update orders set status = ?2, holds = ?3, exception = ?4, version = version + 1, {} where id = ?1",
        sets.join(", ")
    )
});

/// Keeps a reject once per shop, format and content while it is open; a repeat counts as an attempt.
const UPSERT_REJECT: &str = "insert into rejects (shop_id, source, external_ref, format, content_hash, raw, field, \
    reason, first_seen, last_seen, attempts) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, 1) \
    on conflict (shop_id, format, content_hash) where resolved_at is null do update set \
    attempts = rejects.attempts + 1, last_seen = excluded.last_seen, field = excluded.field, \
    reason = excluded.reason, source = excluded.source";

static SELECT_OPEN_REJECTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "select {REJECT_COLUMNS} from rejects where resolved_at is null and (?1 is null or shop_id = ?1) \
         and (?2 is null or id > ?2) order by id limit ?3"
    )
});

static SELECT_ORDER: LazyLock<String> =
    LazyLock::new(|| format!("select {ORDER_COLUMNS} from orders where id = ?1"));

const LINE_INSERT: &str = "insert into order_lines (order_id, line_no, platform_item_id, platform_sku_id, \
    seller_sku_code, sku, title, quantity, unit_price_minor, discount_minor, paid_minor, refund_state, platform_line_id) values";

/// `statement(n)` for n in 1..=8: one statement per count of lines.
fn line_statements(suffix: &str) -> Vec<String> {
    let row = format!("({})", ["?"; 13].join(", "));
    (1..=8)
        .map(|n| {
            format!(
                "{LINE_INSERT} {} {suffix}",
                vec![row.as_str(); n].join(", ")
            )
        })
        .collect()
}

/// Inserts of 1 to 8 lines of a new order: `INSERT_LINES[n - 1]` takes n lines.
static INSERT_LINES: LazyLock<Vec<String>> = LazyLock::new(|| line_statements(""));

/// Upserts of 1 to 8 lines of a changed order; the lines' planned and shipped counts are kept.
static UPSERT_LINES: LazyLock<Vec<String>> = LazyLock::new(|| {
    line_statements(
        "on conflict (order_id, line_no) do update set platform_item_id = excluded.platform_item_id, \
         platform_sku_id = excluded.platform_sku_id, seller_sku_code = excluded.seller_sku_code, sku = excluded.sku, \
         title = excluded.title, quantity = excluded.quantity, unit_price_minor = excluded.unit_price_minor, \
         discount_minor = excluded.discount_minor, paid_minor = excluded.paid_minor, refund_state = excluded.refund_state, \
         platform_line_id = excluded.platform_line_id",
    )
});

/// The embedded store: one writer connection, and readers beside it (WAL lets readers work while
/// the writer writes) for the look-ups the API and the console make most.
#[derive(Clone)]
pub struct SqliteStore {
    conn: Arc<Mutex<Connection>>,
    readers: Arc<Readers>,
}

/// Read-only connections, taken in turn.
struct Readers {
    conns: Vec<Mutex<Connection>>,
    next: std::sync::atomic::AtomicUsize,
}

/// How many read-only connections a store opens.
const READERS: usize = 4;

fn db_err(err: rusqlite::Error) -> Error {
    Error::Storage(format!("sqlite: {err}"))
}

impl SqliteStore {
    /// Opens (creating if needed) the database file and applies pending migrations.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        let conn = Connection::open(path).map_err(db_err)?;
        let conn = SqliteStore::setup(conn)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let reader = Connection::open(path).map_err(db_err)?;
            reader
                .execute_batch(
                    "pragma query_only = on;
                     pragma busy_timeout = 5000;
                     pragma cache_size = -16384;
                     pragma temp_store = memory;",
                )
                .map_err(db_err)?;
            reader.set_prepared_statement_cache_capacity(64);
            readers.push(Mutex::new(reader));
        }
        let store = SqliteStore {
            conn: Arc::new(Mutex::new(conn)),
            readers: Arc::new(Readers {
                conns: readers,
                next: std::sync::atomic::AtomicUsize::new(0),
            }),
        };
        start_checkpointer(path, Arc::downgrade(&store.conn))?;
        Ok(store)
    }

    fn setup(mut conn: Connection) -> Result<Connection> {
        conn.execute_batch(
            "pragma journal_mode = wal;
             pragma synchronous = normal;
             pragma foreign_keys = on;
             pragma busy_timeout = 5000;
             pragma cache_size = -65536;
             pragma temp_store = memory;
             pragma wal_autocheckpoint = 65536;",
        )
        .map_err(db_err)?;
        conn.set_prepared_statement_cache_capacity(128);
        migrate(&mut conn)?;
        Ok(conn)
    }

    /// Runs the read-only `f` in one read transaction on a reader connection (a snapshot of what
    /// was committed when it began), on the blocking pool.
    async fn read<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut SqliteTx<'_>) -> Result<R> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || {
            let start = readers
                .next
                .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let count = readers.conns.len();
            // A free reader if there is one, else wait for the next in turn.
            let mut conn = (0..count)
                .find_map(|i| readers.conns[(start + i) % count].try_lock().ok())
                .map_or_else(|| readers.conns[start % count].lock(), Ok)
                .map_err(|_| Error::Storage("sqlite reader poisoned".to_owned()))?;
            let tx = conn.transaction().map_err(db_err)?;
            let mut tx = SqliteTx(tx);
            let out = f(&mut tx)?;
            tx.0.commit().map_err(db_err)?;
            Ok(out)
        })
        .await
        .map_err(|err| Error::Storage(format!("sqlite task failed: {err}")))?
    }

    /// Runs `f` in one transaction on the blocking pool; commits when it returns `Ok`.
    async fn transact<R, F>(&self, f: F) -> Result<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut SqliteTx<'_>) -> Result<R> + Send + 'static,
    {
        let conn = self.conn.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = conn
                .lock()
                .map_err(|_| Error::Storage("sqlite connection poisoned".to_owned()))?;
            let tx = conn.transaction().map_err(db_err)?;
            let mut tx = SqliteTx(tx);
            let out = f(&mut tx)?;
            tx.0.commit().map_err(db_err)?;
            Ok(out)
        })
        .await
        .map_err(|err| Error::Storage(format!("sqlite task failed: {err}")))?
    }
}

/// Copies the write-ahead log into the database file from a connection of its own, twice a second, so
/// that commits do not wait for it (the writer's own automatic checkpoint, at 256 MiB of log, is only a
/// backstop). The thread ends once the store is dropped.
fn start_checkpointer(path: &Path, store: std::sync::Weak<Mutex<Connection>>) -> Result<()> {
    let conn = Connection::open(path).map_err(db_err)?;
    conn.execute_batch("pragma busy_timeout = 5000;")
        .map_err(db_err)?;
    std::thread::Builder::new()
        .name("sqlite-checkpoint".to_owned())
        .spawn(move || {
            while store.strong_count() > 0 {
                std::thread::sleep(std::time::Duration::from_millis(500));
                // PASSIVE never blocks the writer; a busy moment simply waits for the next round.
                let _ = conn.query_row("pragma wal_checkpoint(passive)", [], |_| Ok(()));
            }
        })
        .map_err(|err| Error::Storage(format!("starting the checkpointer: {err}")))?;
    Ok(())
}

const DECISION_COLUMNS: &str = "id, order_id, at, rule_set, local_minute, weekday, waived, stock, outcome, explanation, at_capacity";

type DecisionParts = (
    i64,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    String,
    String,
    String,
);

fn decision_parts(r: &rusqlite::Row<'_>) -> rusqlite::Result<DecisionParts> {
    Ok((
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        r.get(3)?,
        r.get(4)?,
        r.get(5)?,
        r.get(6)?,
        r.get(7)?,
        r.get(8)?,
        r.get(9)?,
        r.get(10)?,
    ))
}

fn stored_decision(parts: DecisionParts) -> Result<StoredDecision> {
    let (id, order, at, rule_set, minute, weekday, waived, stock, outcome, explanation, full) =
        parts;
    Ok(StoredDecision {
        id,
        order: OrderId(order),
        at: Timestamp::from_unix_millis(at),
        record: crate::rows::decision_record(
            rule_set,
            minute,
            weekday,
            &waived,
            &full,
            stock,
            outcome,
            explanation,
        )?,
    })
}

fn migrate(conn: &mut Connection) -> Result<()> {
    conn.execute_batch("create table if not exists schema_migrations (version text primary key, applied_at integer not null)")
        .map_err(db_err)?;
    for (version, sql) in MIGRATIONS {
        let tx = conn.transaction().map_err(db_err)?;
        let done: Option<String> = tx
            .query_row(
                "select version from schema_migrations where version = ?1",
                [version],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)?;
        if done.is_none() {
            tx.execute_batch(sql)
                .map_err(|err| Error::Storage(format!("migration {version}: {err}")))?;
            tx.execute(
                "insert into schema_migrations (version, applied_at) values (?1, 0)",
                [version],
            )
            .map_err(db_err)?;
        }
        tx.commit().map_err(db_err)?;
    }
    Ok(())
}

struct SqliteTx<'c>(Transaction<'c>);

fn order_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<OrderRow> {
    let mut receiver: [String; 10] = Default::default();
    for (i, field) in receiver.iter_mut().enumerate() {
        *field = r.get(16 + i)?;
    }
    Ok(OrderRow {
        id: r.get(0)?,
        shop_id: r.get(1)?,
        external_id: r.get(2)?,
        status: r.get(3)?,
        holds: r.get(4)?,
        exception: r.get(5)?,
        platform_status: r.get(6)?,
        platform_state: r.get(7)?,
        created_at: r.get(8)?,
        paid_at: r.get(9)?,
        updated_at: r.get(10)?,
        ingested_at: r.get(11)?,
        content_hash: r.get(12)?,
        raw_document_id: r.get(13)?,
        buyer_id: r.get(14)?,
        buyer_nick: r.get(15)?,
        receiver,
        currency: r.get(26)?,
        amounts: [r.get(27)?, r.get(28)?, r.get(29)?, r.get(30)?],
        buyer_message: r.get(31)?,
        seller_memo: r.get(32)?,
        flags: r.get(33)?,
        tags: r.get(34)?,
        risk_score: r.get(35)?,
        version: r.get(36)?,
    })
}

fn line_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<LineRow> {
    Ok(LineRow {
        line_no: r.get(0)?,
        platform_item_id: r.get(1)?,
        platform_sku_id: r.get(2)?,
        seller_sku_code: r.get(3)?,
        sku: r.get(4)?,
        title: r.get(5)?,
        quantity: r.get(6)?,
        unit_price_minor: r.get(7)?,
        discount_minor: r.get(8)?,
        paid_minor: r.get(9)?,
        refund_state: r.get(10)?,
        platform_line_id: r.get(11)?,
    })
}

fn shipment_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<ShipmentRow> {
    Ok(ShipmentRow {
        id: r.get(0)?,
        warehouse: r.get(1)?,
        carrier: r.get(2)?,
        status: r.get(3)?,
        holder: r.get(4)?,
        lease_until: r.get(5)?,
        tracking_no: r.get(6)?,
        version: r.get(7)?,
        created_at: r.get(8)?,
    })
}

fn reject_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RejectRow> {
    Ok(RejectRow {
        id: r.get(0)?,
        shop_id: r.get(1)?,
        source: r.get(2)?,
        external_ref: r.get(3)?,
        format: r.get(4)?,
        raw: r.get(5)?,
        field: r.get(6)?,
        reason: r.get(7)?,
        first_seen: r.get(8)?,
        last_seen: r.get(9)?,
        attempts: r.get(10)?,
        resolved_at: r.get(11)?,
    })
}

fn stock_level(r: &rusqlite::Row<'_>) -> rusqlite::Result<StockLevel> {
    Ok(StockLevel {
        on_hand: r.get(0)?,
        reserved: r.get(1)?,
        safety: r.get(2)?,
        allow_oversell: r.get(3)?,
    })
}

/// The values of [`ORDER_DATA_COLUMNS`] of a row, in that order.
fn order_data_params(row: &OrderRow) -> [&dyn rusqlite::ToSql; 29] {
    let [
        name,
        phone,
        country,
        province,
        city,
        district,
        town,
        detail,
        zip,
        area_code,
    ] = &row.receiver;
    [
        &row.platform_status,
        &row.platform_state,
        &row.created_at,
        &row.paid_at,
        &row.updated_at,
        &row.content_hash,
        &row.raw_document_id,
        &row.buyer_id,
        &row.buyer_nick,
        name,
        phone,
        country,
        province,
        city,
        district,
        town,
        detail,
        zip,
        area_code,
        &row.currency,
        &row.amounts[0],
        &row.amounts[1],
        &row.amounts[2],
        &row.amounts[3],
        &row.buyer_message,
        &row.seller_memo,
        &row.flags,
        &row.tags,
        &row.risk_score,
    ]
}

impl SqliteTx<'_> {
    /// Writes lines with `statements[n - 1]`, the statement for n lines at once.
    fn write_lines(
        &mut self,
        order_id: i64,
        lines: &[LineRow],
        statements: &[String],
    ) -> Result<()> {
        for chunk in lines.chunks(statements.len()) {
            let mut stmt = self
                .0
                .prepare_cached(&statements[chunk.len() - 1])
                .map_err(db_err)?;
            let mut values: Vec<&dyn rusqlite::ToSql> = Vec::with_capacity(chunk.len() * 13);
            for l in chunk {
                values.extend_from_slice(&[
                    &order_id as &dyn rusqlite::ToSql,
                    &l.line_no,
                    &l.platform_item_id,
                    &l.platform_sku_id,
                    &l.seller_sku_code,
                    &l.sku,
                    &l.title,
                    &l.quantity,
                    &l.unit_price_minor,
                    &l.discount_minor,
                    &l.paid_minor,
                    &l.refund_state,
                    &l.platform_line_id,
                ]);
            }
            stmt.execute(values.as_slice()).map_err(db_err)?;
        }
        Ok(())
    }
}

impl Tx for SqliteTx<'_> {
    async fn find_held_orders(
        &mut self,
        shop_id: i64,
        external_ids: &[&str],
    ) -> Result<Vec<HeldOrder>> {
        let mut found = Vec::new();
        for chunk in external_ids.chunks(500) {
            let marks = vec!["?"; chunk.len()].join(", ");
            let sql = format!(
                "select id, external_id, updated_at, content_hash, status, holds, exception from orders \
                 where shop_id = ? and external_id in ({marks})"
            );
            let mut stmt = self.0.prepare_cached(&sql).map_err(db_err)?;
            let params = std::iter::once(&shop_id as &dyn rusqlite::ToSql)
                .chain(chunk.iter().map(|it| it as &dyn rusqlite::ToSql));
            let mut rows = stmt
                .query(rusqlite::params_from_iter(params))
                .map_err(db_err)?;
            while let Some(r) = rows.next().map_err(db_err)? {
                let (status, holds): (String, String) =
                    (r.get(4).map_err(db_err)?, r.get(5).map_err(db_err)?);
                found.push(held_order(
                    r.get(0).map_err(db_err)?,
                    r.get(1).map_err(db_err)?,
                    r.get(2).map_err(db_err)?,
                    r.get(3).map_err(db_err)?,
                    &status,
                    &holds,
                    r.get(6).map_err(db_err)?,
                )?);
            }
        }
        Ok(found)
    }

    async fn lock_order(&mut self, id: i64) -> Result<Option<OrderRow>> {
        let mut stmt = self.0.prepare_cached(&SELECT_ORDER).map_err(db_err)?;
        stmt.query_row([id], order_row).optional().map_err(db_err)
    }

    async fn order_lines(&mut self, order_id: i64) -> Result<Vec<LineRow>> {
        let sql =
            format!("select {LINE_COLUMNS} from order_lines where order_id = ?1 order by line_no");
        let mut stmt = self.0.prepare_cached(&sql).map_err(db_err)?;
        let rows = stmt.query_map([order_id], line_row).map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn insert_raw_document(
        &mut self,
        shop_id: i64,
        external_id: &str,
        format: &str,
        received_at: i64,
        content_hash: i64,
        body: &[u8],
    ) -> Result<i64> {
        let mut stmt = self
            .0
            .prepare_cached("insert into raw_documents (shop_id, external_id, format, received_at, content_hash, body) values (?1, ?2, ?3, ?4, ?5, ?6)")
            .map_err(db_err)?;
        stmt.execute(params![
            shop_id,
            external_id,
            format,
            received_at,
            content_hash,
            body
        ])
        .map_err(db_err)?;
        Ok(self.0.last_insert_rowid())
    }

    async fn insert_order(&mut self, row: &OrderRow) -> Result<i64> {
        let mut stmt = self.0.prepare_cached(&INSERT_ORDER).map_err(db_err)?;
        let head: [&dyn rusqlite::ToSql; 7] = [
            &row.shop_id,
            &row.external_id,
            &row.status,
            &row.holds,
            &row.exception,
            &row.ingested_at,
            &row.version,
        ];
        let data = order_data_params(row);
        let all: Vec<&dyn rusqlite::ToSql> = head.into_iter().chain(data).collect();
        stmt.execute(all.as_slice()).map_err(db_err)?;
        Ok(self.0.last_insert_rowid())
    }

    async fn update_order(&mut self, id: i64, row: &OrderRow) -> Result<()> {
        let mut stmt = self.0.prepare_cached(&UPDATE_ORDER).map_err(db_err)?;
        let head: [&dyn rusqlite::ToSql; 4] = [&id, &row.status, &row.holds, &row.exception];
        let all: Vec<&dyn rusqlite::ToSql> =
            head.into_iter().chain(order_data_params(row)).collect();
        stmt.execute(all.as_slice()).map_err(db_err)?;
        Ok(())
    }

    async fn insert_lines(&mut self, order_id: i64, lines: &[LineRow]) -> Result<()> {
        self.write_lines(order_id, lines, &INSERT_LINES)
    }

    async fn upsert_lines(&mut self, order_id: i64, lines: &[LineRow]) -> Result<()> {
        self.write_lines(order_id, lines, &UPSERT_LINES)
    }

    async fn delete_lines_after(&mut self, order_id: i64, last_line_no: i64) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached("delete from order_lines where order_id = ?1 and line_no > ?2 and planned = 0 and shipped = 0")
            .map_err(db_err)?;
        stmt.execute(params![order_id, last_line_no])
            .map_err(db_err)?;
        Ok(())
    }

    async fn set_lifecycle(
        &mut self,
        id: i64,
        expected_version: i64,
        status: &str,
        holds: &str,
        exception: bool,
    ) -> Result<bool> {
        let mut stmt = self
            .0
            .prepare_cached("update orders set status = ?3, holds = ?4, exception = ?5, version = version + 1 where id = ?1 and version = ?2")
            .map_err(db_err)?;
        let n = stmt
            .execute(params![id, expected_version, status, holds, exception])
            .map_err(db_err)?;
        Ok(n == 1)
    }

    async fn append_event(&mut self, e: NewEvent<'_>) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached("insert into events (subject_kind, subject_id, kind, actor, at, before, after, note) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)")
            .map_err(db_err)?;
        stmt.execute(params![
            e.subject_kind,
            e.subject_id,
            e.kind,
            e.actor,
            e.at.unix_millis(),
            e.before,
            e.after,
            e.note
        ])
        .map_err(db_err)?;
        Ok(())
    }

    async fn set_cursor(&mut self, shop_id: i64, stream: &str, value: &str, at: i64) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached(
                "insert into sync_cursors (shop_id, stream, value, updated_at) values (?1, ?2, ?3, ?4) \
                 on conflict (shop_id, stream) do update set value = excluded.value, updated_at = excluded.updated_at",
            )
            .map_err(db_err)?;
        stmt.execute(params![shop_id, stream, value, at])
            .map_err(db_err)?;
        Ok(())
    }

    async fn lock_stock(&mut self, warehouse: &str, sku: &str) -> Result<(i64, StockLevel)> {
        self.0
            .prepare_cached(
                "insert into stock (warehouse, sku, on_hand, reserved, safety, allow_oversell) \
                 values (?1, ?2, 0, 0, 0, coalesce((select allow_oversell from warehouses where code = ?1), 0)) \
                 on conflict (warehouse, sku) do nothing",
            )
            .map_err(db_err)?
            .execute(params![warehouse, sku])
            .map_err(db_err)?;
        let mut stmt = self
            .0
            .prepare_cached("select on_hand, reserved, safety, allow_oversell, id from stock where warehouse = ?1 and sku = ?2")
            .map_err(db_err)?;
        stmt.query_row(params![warehouse, sku], |r| {
            Ok((r.get(4)?, stock_level(r)?))
        })
        .map_err(db_err)
    }

    async fn lock_stock_by_id(&mut self, stock_id: i64) -> Result<StockLevel> {
        let mut stmt = self
            .0
            .prepare_cached(
                "select on_hand, reserved, safety, allow_oversell from stock where id = ?1",
            )
            .map_err(db_err)?;
        stmt.query_row([stock_id], stock_level).map_err(db_err)
    }

    async fn write_stock(&mut self, stock_id: i64, level: StockLevel) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached(
                "update stock set on_hand = ?2, reserved = ?3, safety = ?4 where id = ?1",
            )
            .map_err(db_err)?;
        stmt.execute(params![
            stock_id,
            level.on_hand,
            level.reserved,
            level.safety
        ])
        .map_err(db_err)?;
        Ok(())
    }

    async fn append_ledger(
        &mut self,
        stock_id: i64,
        kind: &str,
        quantity: i64,
        reference: &str,
        at: i64,
    ) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached("insert into stock_ledger (stock_id, kind, quantity, reference, at) values (?1, ?2, ?3, ?4, ?5)")
            .map_err(db_err)?;
        stmt.execute(params![stock_id, kind, quantity, reference, at])
            .map_err(db_err)?;
        Ok(())
    }

    async fn add_reservation(
        &mut self,
        order_id: i64,
        line_no: i64,
        stock_id: i64,
        quantity: i64,
    ) -> Result<()> {
        // Giving back only ever lowers an existing row; the check constraint refuses a negative insert
        // before an upsert could turn it into an update.
        let sql = if quantity < 0 {
            "update reservations set quantity = quantity + ?4 where order_id = ?1 and line_no = ?2 and stock_id = ?3"
        } else {
            "insert into reservations (order_id, line_no, stock_id, quantity) values (?1, ?2, ?3, ?4) \
             on conflict (order_id, line_no, stock_id) do update set quantity = quantity + excluded.quantity"
        };
        self.0
            .prepare_cached(sql)
            .map_err(db_err)?
            .execute(params![order_id, line_no, stock_id, quantity])
            .map_err(db_err)?;
        Ok(())
    }

    async fn reservations(
        &mut self,
        order_id: i64,
        line: Option<(i64, &str)>,
    ) -> Result<Vec<(i64, i64, i64)>> {
        let mut stmt = self
            .0
            .prepare_cached(
                "select r.line_no, r.stock_id, r.quantity from reservations r join stock s on s.id = r.stock_id \
                 where r.order_id = ?1 and r.quantity > 0 and (?2 is null or (r.line_no = ?2 and s.warehouse = ?3)) \
                 order by r.line_no, r.stock_id",
            )
            .map_err(db_err)?;
        let (line_no, warehouse) = match line {
            Some((line_no, warehouse)) => (Some(line_no), Some(warehouse)),
            None => (None, None),
        };
        let rows = stmt
            .query_map(params![order_id, line_no, warehouse], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn lock_line(&mut self, order_id: i64, line_no: i64) -> Result<Option<LineCounts>> {
        let mut stmt = self
            .0
            .prepare_cached("select quantity, planned, shipped from order_lines where order_id = ?1 and line_no = ?2")
            .map_err(db_err)?;
        stmt.query_row(params![order_id, line_no], |r| {
            Ok(LineCounts {
                quantity: r.get(0)?,
                planned: r.get(1)?,
                shipped: r.get(2)?,
            })
        })
        .optional()
        .map_err(db_err)
    }

    async fn set_line_counts(
        &mut self,
        order_id: i64,
        line_no: i64,
        planned: i64,
        shipped: i64,
    ) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached("update order_lines set planned = ?3, shipped = ?4 where order_id = ?1 and line_no = ?2")
            .map_err(db_err)?;
        stmt.execute(params![order_id, line_no, planned, shipped])
            .map_err(db_err)?;
        Ok(())
    }

    async fn insert_shipment(&mut self, row: &ShipmentRow, merge_key: Option<&str>) -> Result<i64> {
        let mut stmt = self
            .0
            .prepare_cached("insert into shipments (warehouse, carrier, status, holder, lease_until, tracking_no, version, created_at, merge_key) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)")
            .map_err(db_err)?;
        stmt.execute(params![
            row.warehouse,
            row.carrier,
            row.status,
            row.holder,
            row.lease_until,
            row.tracking_no,
            row.version,
            row.created_at,
            merge_key
        ])
        .map_err(db_err)?;
        Ok(self.0.last_insert_rowid())
    }

    async fn insert_shipment_line(
        &mut self,
        shipment_id: i64,
        order_id: i64,
        line_no: i64,
        quantity: i64,
    ) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached("insert into shipment_lines (shipment_id, order_id, line_no, quantity) values (?1, ?2, ?3, ?4)")
            .map_err(db_err)?;
        stmt.execute(params![shipment_id, order_id, line_no, quantity])
            .map_err(|err| match err {
                rusqlite::Error::SqliteFailure(e, _)
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    Error::invalid(
                        "lines",
                        format!("line {line_no} of order {order_id} appears twice in the shipment"),
                    )
                }
                err => db_err(err),
            })?;
        Ok(())
    }

    async fn lock_shipment(&mut self, id: i64) -> Result<Option<ShipmentRow>> {
        let sql = format!("select {SHIPMENT_COLUMNS} from shipments where id = ?1");
        let mut stmt = self.0.prepare_cached(&sql).map_err(db_err)?;
        stmt.query_row([id], shipment_row)
            .optional()
            .map_err(db_err)
    }

    async fn shipment_lines(&mut self, id: i64) -> Result<Vec<(i64, i64, i64)>> {
        let mut stmt = self
            .0
            .prepare_cached("select order_id, line_no, quantity from shipment_lines where shipment_id = ?1 order by order_id, line_no")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn update_shipment(&mut self, row: &ShipmentRow, expected_version: i64) -> Result<bool> {
        let mut stmt = self
            .0
            .prepare_cached("update shipments set status = ?3, holder = ?4, lease_until = ?5, tracking_no = ?6, version = ?7, carrier = ?8 where id = ?1 and version = ?2")
            .map_err(db_err)?;
        let n = stmt
            .execute(params![
                row.id,
                expected_version,
                row.status,
                row.holder,
                row.lease_until,
                row.tracking_no,
                row.version,
                row.carrier
            ])
            .map_err(db_err)?;
        Ok(n == 1)
    }

    async fn queue_stock_push(&mut self, stock_id: i64, at: i64) -> Result<()> {
        self.0
            .prepare_cached(
                "insert into outbox (topic, key, payload, created_at, due_at) \
                 select 'stock.push', s.sku, x'', ?2, ?2 from stock s where s.id = ?1 and not exists \
                 (select 1 from outbox o where o.topic = 'stock.push' and o.key = s.sku and o.delivered_at is null)",
            )
            .map_err(db_err)?
            .execute(params![stock_id, at])
            .map_err(db_err)?;
        Ok(())
    }

    async fn keep_stream_document(
        &mut self,
        shop_id: i64,
        stream: &str,
        doc: &app::RawDocument,
        content_hash: i64,
    ) -> Result<bool> {
        let id = doc.external_id.as_str();
        let seen: Option<i64> = self
            .0
            .prepare_cached("select 1 from stream_documents where shop_id = ?1 and stream = ?2 and external_id = ?3 and content_hash = ?4")
            .map_err(db_err)?
            .query_row(params![shop_id, stream, id, content_hash], |r| r.get(0))
            .optional()
            .map_err(db_err)?;
        if seen.is_some() {
            return Ok(false);
        }
        let raw = self
            .insert_raw_document(
                shop_id,
                id,
                &doc.format,
                doc.received_at.unix_millis(),
                content_hash,
                &doc.body,
            )
            .await?;
        self.0
            .prepare_cached("insert into stream_documents (shop_id, stream, external_id, content_hash, raw_document_id) values (?1, ?2, ?3, ?4, ?5)")
            .map_err(db_err)?
            .execute(params![shop_id, stream, id, content_hash, raw])
            .map_err(db_err)?;
        Ok(true)
    }

    async fn insert_decision(
        &mut self,
        order_id: i64,
        at: Timestamp,
        record: &app::DecisionRecord,
    ) -> Result<()> {
        let mut stmt = self
            .0
            .prepare_cached("insert into decisions (order_id, rule_set, at, local_minute, weekday, waived, stock, outcome, explanation, at_capacity) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)")
            .map_err(db_err)?;
        stmt.execute(params![
            order_id,
            record.rule_set,
            at.unix_millis(),
            record.local_time.minute_of_day,
            record.local_time.weekday,
            crate::rows::waived_text(&record.waived),
            record.stock,
            record.outcome,
            record.explanation,
            crate::rows::codes_text(&record.full)
        ])
        .map_err(db_err)?;
        Ok(())
    }

    async fn find_merge_target(
        &mut self,
        merge_key: &str,
        warehouse: &str,
        carrier: Option<&str>,
    ) -> Result<Option<i64>> {
        let mut stmt = self
            .0
            .prepare_cached("select id from shipments where merge_key = ?1 and warehouse = ?2 and carrier is ?3 and status = 'allocated' order by id desc limit 1")
            .map_err(db_err)?;
        stmt.query_row(params![merge_key, warehouse, carrier], |r| r.get(0))
            .optional()
            .map_err(db_err)
    }

    async fn allocated_shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .0
            .prepare_cached("select distinct s.id from shipment_lines l join shipments s on s.id = l.shipment_id where l.order_id = ?1 and s.status = 'allocated' order by s.id")
            .map_err(db_err)?;
        let rows = stmt.query_map([order_id], |r| r.get(0)).map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn remove_order_lines(
        &mut self,
        shipment_id: i64,
        order_id: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self
            .0
            .prepare_cached("delete from shipment_lines where shipment_id = ?1 and order_id = ?2 returning line_no, quantity")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([shipment_id, order_id], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn open_shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .0
            .prepare_cached("select distinct s.id from shipment_lines l join shipments s on s.id = l.shipment_id where l.order_id = ?1 and s.status not in ('shipped', 'delivered', 'voided') order by s.id")
            .map_err(db_err)?;
        let rows = stmt.query_map([order_id], |r| r.get(0)).map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .0
            .prepare_cached("select distinct shipment_id from shipment_lines where order_id = ?1 order by shipment_id")
            .map_err(db_err)?;
        let rows = stmt.query_map([order_id], |r| r.get(0)).map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn remove_shipment_line(
        &mut self,
        shipment_id: i64,
        order_id: i64,
        line_no: i64,
    ) -> Result<()> {
        self.0
            .prepare_cached("delete from shipment_lines where shipment_id = ?1 and order_id = ?2 and line_no = ?3")
            .and_then(|mut stmt| stmt.execute([shipment_id, order_id, line_no]))
            .map_err(db_err)?;
        Ok(())
    }

    async fn set_line_refund(&mut self, order_id: i64, line_no: i64, state: &str) -> Result<()> {
        self.0
            .prepare_cached(
                "update order_lines set refund_state = ?3 where order_id = ?1 and line_no = ?2",
            )
            .and_then(|mut stmt| stmt.execute(params![order_id, line_no, state]))
            .map_err(db_err)?;
        self.0
            .prepare_cached("update orders set version = version + 1 where id = ?1")
            .and_then(|mut stmt| stmt.execute([order_id]))
            .map_err(db_err)?;
        Ok(())
    }

    async fn open_shipment_ids(&mut self, warehouse: Option<&str>, limit: i64) -> Result<Vec<i64>> {
        let mut stmt = self
            .0
            .prepare_cached("select id from shipments where status in ('allocated', 'released', 'claimed', 'picked', 'packed', 'intercepted') and (?1 is null or warehouse = ?1) order by id limit ?2")
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![warehouse, limit], |r| r.get(0))
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn lapsed_claims(&mut self, now: i64) -> Result<Vec<(i64, i64)>> {
        let mut stmt = self
            .0
            .prepare_cached("select id, version from shipments where status in ('claimed', 'picked', 'packed') and lease_until <= ?1 order by id")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([now], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn shipment_with_tracking(&mut self, tracking: &str) -> Result<Option<i64>> {
        self.0
            .prepare_cached("select id from shipments where tracking_no = ?1 limit 1")
            .and_then(|mut stmt| stmt.query_row([tracking], |r| r.get(0)).optional())
            .map_err(db_err)
    }

    async fn find_after_sale(&mut self, order_id: i64, external_id: &str) -> Result<Option<i64>> {
        self.0
            .prepare_cached("select id from after_sales where order_id = ?1 and external_id = ?2")
            .and_then(|mut stmt| {
                stmt.query_row(params![order_id, external_id], |r| r.get(0))
                    .optional()
            })
            .map_err(db_err)
    }

    async fn insert_after_sale(&mut self, row: &AfterSaleRow, at: i64) -> Result<i64> {
        self.0
            .prepare_cached(
                "insert into after_sales (order_id, external_id, kind, status, reason, refund_minor, currency, replacement_order_id, created_at, updated_at, version) \
                 values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)",
            )
            .and_then(|mut stmt| {
                stmt.execute(params![
                    row.order_id,
                    row.external_id,
                    row.kind,
                    row.status,
                    row.reason,
                    row.refund_minor,
                    row.currency,
                    row.replacement_order_id,
                    at,
                    row.version
                ])
            })
            .map_err(db_err)?;
        Ok(self.0.last_insert_rowid())
    }

    async fn insert_after_sale_line(
        &mut self,
        after_sale_id: i64,
        line_no: i64,
        quantity: i64,
        refund_minor: i64,
    ) -> Result<()> {
        self.0
            .prepare_cached("insert into after_sale_lines (after_sale_id, line_no, quantity, refund_minor) values (?1, ?2, ?3, ?4)")
            .and_then(|mut stmt| stmt.execute([after_sale_id, line_no, quantity, refund_minor]))
            .map_err(db_err)?;
        Ok(())
    }

    async fn lock_after_sale(&mut self, id: i64) -> Result<Option<AfterSaleRow>> {
        let sql = format!("select {AFTER_SALE_COLUMNS} from after_sales where id = ?1");
        self.0
            .prepare_cached(&sql)
            .and_then(|mut stmt| {
                stmt.query_row([id], |r| {
                    Ok(AfterSaleRow {
                        id: r.get(0)?,
                        order_id: r.get(1)?,
                        external_id: r.get(2)?,
                        kind: r.get(3)?,
                        status: r.get(4)?,
                        reason: r.get(5)?,
                        refund_minor: r.get(6)?,
                        currency: r.get(7)?,
                        replacement_order_id: r.get(8)?,
                        version: r.get(9)?,
                    })
                })
                .optional()
            })
            .map_err(db_err)
    }

    async fn after_sale_lines(&mut self, id: i64) -> Result<Vec<(i64, i64, i64)>> {
        let mut stmt = self
            .0
            .prepare_cached("select line_no, quantity, refund_minor from after_sale_lines where after_sale_id = ?1 order by line_no")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn update_after_sale(
        &mut self,
        id: i64,
        expected_version: i64,
        status: &str,
        replacement_order_id: Option<i64>,
        at: i64,
    ) -> Result<bool> {
        let n = self
            .0
            .prepare_cached("update after_sales set status = ?3, replacement_order_id = ?4, updated_at = ?5, version = version + 1 where id = ?1 and version = ?2")
            .and_then(|mut stmt| {
                stmt.execute(params![id, expected_version, status, replacement_order_id, at])
            })
            .map_err(db_err)?;
        Ok(n == 1)
    }

    async fn after_sale_ids(&mut self, order_id: Option<i64>, open_only: bool) -> Result<Vec<i64>> {
        let mut stmt = self
            .0
            .prepare_cached("select id from after_sales where (?1 is null or order_id = ?1) and (not ?2 or status in ('requested', 'approved', 'received')) order by id")
            .map_err(db_err)?;
        let rows = stmt
            .query_map(params![order_id, open_only], |r| r.get(0))
            .map_err(db_err)?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
    }

    async fn insert_money(
        &mut self,
        order_id: i64,
        kind: &str,
        amount_minor: i64,
        currency: &str,
        reference: &str,
        at: i64,
    ) -> Result<()> {
        self.0
            .prepare_cached("insert into money_ledger (order_id, kind, amount_minor, currency, reference, at) values (?1, ?2, ?3, ?4, ?5, ?6)")
            .and_then(|mut stmt| {
                stmt.execute(params![order_id, kind, amount_minor, currency, reference, at])
            })
            .map_err(db_err)?;
        Ok(())
    }

    async fn money_rows(&mut self, order_id: i64) -> Result<Vec<app::MoneyEntry>> {
        let mut stmt = self
            .0
            .prepare_cached("select kind, amount_minor, currency, reference, at from money_ledger where order_id = ?1 order by id")
            .map_err(db_err)?;
        let rows = stmt
            .query_map([order_id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })
            .map_err(db_err)?;
        rows.map(|row| {
            let (kind, amount, currency, reference, at) = row.map_err(db_err)?;
            let currency =
                domain::Currency::new(&currency).map_err(|_| corrupt("currency", &currency))?;
            Ok(app::MoneyEntry {
                kind,
                amount: domain::Money::new(amount, currency),
                reference,
                at: Timestamp::from_unix_millis(at),
            })
        })
        .collect()
    }

    async fn insert_outbox(
        &mut self,
        topic: &str,
        key: &str,
        payload: &[u8],
        at: i64,
    ) -> Result<i64> {
        let mut stmt = self
            .0
            .prepare_cached("insert into outbox (topic, key, payload, created_at, due_at) values (?1, ?2, ?3, ?4, ?4)")
            .map_err(db_err)?;
        stmt.execute(params![topic, key, payload, at])
            .map_err(db_err)?;
        Ok(self.0.last_insert_rowid())
    }
}

fn shop_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<(i64, String, String, String)> {
    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
}

fn into_shop((id, code, channel, name): (i64, String, String, String)) -> Result<Shop> {
    let channel = ChannelKind::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?;
    Ok(Shop {
        id: ShopId(id),
        code,
        channel,
        name,
    })
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    async fn ensure_shop(&self, code: &str, channel: ChannelKind, name: &str) -> Result<Shop> {
        let (code, name) = (code.to_owned(), name.to_owned());
        self.transact(move |tx| {
            tx.0.execute(
                "insert into shops (code, channel, name) values (?1, ?2, ?3) on conflict (code) do nothing",
                params![code, channel.as_str(), name],
            )
            .map_err(db_err)?;
            let row = tx.0.query_row("select id, code, channel, name from shops where code = ?1", [&code], shop_row).map_err(db_err)?;
            into_shop(row)
        })
        .await
    }

    async fn shops(&self) -> Result<Vec<Shop>> {
        self.transact(|tx| {
            let mut stmt =
                tx.0.prepare("select id, code, channel, name from shops order by id")
                    .map_err(db_err)?;
            let rows = stmt
                .query_map([], shop_row)
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            rows.into_iter().map(into_shop).collect()
        })
        .await
    }

    async fn ingest_batch(&self, batch: IngestBatch) -> Result<IngestReport> {
        self.transact(move |tx| block_on(logic::ingest(tx, batch)))
            .await
    }

    async fn load_order(&self, id: OrderId) -> Result<Order> {
        self.read(move |tx| block_on(logic::load_order(tx, id.0)))
            .await
    }

    async fn find_order(&self, shop: ShopId, external_id: &ExternalId) -> Result<Option<Order>> {
        let external_id = external_id.as_str().to_owned();
        self.transact(move |tx| {
            let held = block_on(tx.find_held_orders(shop.0, &[&external_id]))?;
            held.first()
                .map(|it| block_on(logic::load_order(tx, it.id)))
                .transpose()
        })
        .await
    }

    async fn search_orders(&self, query: &OrderQuery) -> Result<Vec<OrderSummary>> {
        let (sql, values) = rows::search_sql(query, false);
        self.read(move |tx| {
            let mut stmt = tx.0.prepare_cached(&sql).map_err(db_err)?;
            let bound: Vec<&dyn rusqlite::ToSql> = values
                .iter()
                .map(|it| match it {
                    rows::SearchValue::Int(n) => n as &dyn rusqlite::ToSql,
                    rows::SearchValue::Text(t) => t as &dyn rusqlite::ToSql,
                })
                .collect();
            let rows = stmt
                .query_map(bound.as_slice(), |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, i64>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                        r.get::<_, String>(5)?,
                        r.get::<_, i64>(6)?,
                        r.get::<_, String>(7)?,
                    ))
                })
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            rows.into_iter()
                .map(|(id, shop, ext, status, created, name, paid, currency)| {
                    Ok(OrderSummary {
                        id: OrderId(id),
                        shop: ShopId(shop),
                        external_id: ExternalId::new(ext)
                            .map_err(|err| corrupt("external id", err))?,
                        status: parse_status(&status)?,
                        created_at: Timestamp::from_unix_millis(created),
                        receiver_name: name,
                        paid_minor: paid,
                        currency,
                    })
                })
                .collect()
        })
        .await
    }

    async fn raw_document(&self, id: OrderId) -> Result<RawDocument> {
        self.transact(move |tx| {
            let row = tx
                .0
                .query_row(
                    "select d.shop_id, d.external_id, d.received_at, d.format, d.body from orders o \
                     join raw_documents d on d.id = o.raw_document_id where o.id = ?1",
                    [id.0],
                    |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, String>(3)?, r.get::<_, Vec<u8>>(4)?)),
                )
                .optional()
                .map_err(db_err)?;
            let Some((shop, ext, received, format, body)) = row else { return Err(Error::NotFound(format!("order {id}"))) };
            Ok(RawDocument {
                shop: ShopId(shop),
                external_id: ExternalId::new(ext).map_err(|err| corrupt("external id", err))?,
                received_at: Timestamp::from_unix_millis(received),
                format,
                body,
            })
        })
        .await
    }

    async fn count_orders(&self) -> Result<Vec<(OrderStatus, u64)>> {
        self.read(|tx| {
            let mut stmt =
                tx.0.prepare_cached(
                    "select status, count(*) from orders group by status order by status",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(db_err)?;
            let rows = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)?;
            rows.into_iter()
                .map(|(s, n)| Ok((parse_status(&s)?, n as u64)))
                .collect()
        })
        .await
    }

    async fn record_rejects(&self, rejects: &[NewReject]) -> Result<()> {
        if rejects.is_empty() {
            return Ok(());
        }
        let rejects = rejects.to_vec();
        self.transact(move |tx| {
            let mut stmt = tx.0.prepare_cached(UPSERT_REJECT).map_err(db_err)?;
            for r in &rejects {
                // Stored as the same 64 bits, read as signed.
                let hash = domain::content_hash(&r.raw) as i64;
                stmt.execute(params![
                    r.shop.0,
                    r.source,
                    r.external_ref,
                    r.format,
                    hash,
                    r.raw,
                    r.field,
                    r.reason,
                    r.at.unix_millis()
                ])
                .map_err(db_err)?;
            }
            Ok(())
        })
        .await
    }

    async fn open_rejects(
        &self,
        shop: Option<ShopId>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Reject>> {
        self.transact(move |tx| {
            let mut stmt = tx.0.prepare_cached(&SELECT_OPEN_REJECTS).map_err(db_err)?;
            let rows = stmt
                .query_map(
                    params![shop.map(|it| it.0), after, i64::from(limit.min(1000))],
                    reject_row,
                )
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            rows.into_iter().map(RejectRow::into_reject).collect()
        })
        .await
    }

    async fn resolve_reject(&self, id: i64, at: Timestamp) -> Result<()> {
        self.transact(move |tx| {
            let n =
                tx.0.execute(
                    "update rejects set resolved_at = ?2 where id = ?1 and resolved_at is null",
                    params![id, at.unix_millis()],
                )
                .map_err(db_err)?;
            if n == 1 {
                return Ok(());
            }
            let exists =
                tx.0.query_row("select 1 from rejects where id = ?1", [id], |_| Ok(()))
                    .optional()
                    .map_err(db_err)?;
            Err(unresolvable_reject(id, exists.is_some()))
        })
        .await
    }

    async fn order_documents(
        &self,
        shop: ShopId,
        since: Timestamp,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<(OrderId, RawDocument)>> {
        self.transact(move |tx| {
            let mut stmt = tx
                .0
                .prepare_cached(
                    "select o.id, d.shop_id, d.external_id, d.received_at, d.format, d.body from orders o \
                     join raw_documents d on d.id = o.raw_document_id \
                     where o.shop_id = ?1 and o.ingested_at >= ?2 and o.id > ?3 order by o.id limit ?4",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map(params![shop.0, since.unix_millis(), after.map_or(0, |it| it.0), i64::from(limit.min(1000))], |r| {
                    Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?, r.get::<_, String>(2)?, r.get::<_, i64>(3)?, r.get::<_, String>(4)?, r.get::<_, Vec<u8>>(5)?))
                })
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            rows.into_iter()
                .map(|(id, shop, external_id, received_at, format, body)| {
                    let external_id = ExternalId::new(external_id).map_err(|err| corrupt("external id", err))?;
                    Ok((OrderId(id), RawDocument { shop: ShopId(shop), external_id, received_at: Timestamp::from_unix_millis(received_at), format, body }))
                })
                .collect()
        })
        .await
    }

    async fn rederive_orders(
        &self,
        items: Vec<(OrderId, StandardOrder)>,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<u32> {
        let actor = actor.clone();
        self.transact(move |tx| block_on(logic::rederive(tx, &items, &actor, at)))
            .await
    }

    async fn put_sku(&self, sku: &SkuDefinition) -> Result<()> {
        let sku = sku.clone();
        self.transact(move |tx| {
            for component in &sku.components {
                let known: Option<i64> = tx.0.query_row("select 1 from skus where code = ?1", [component.sku.as_str()], |r| r.get(0)).optional().map_err(db_err)?;
                if known.is_none() {
                    return Err(Error::invalid("components", format!("{} is not a known SKU", component.sku)));
                }
            }
            tx.0.execute(
                "insert into skus (code, name, category, weight_grams, bonded, presale) values (?1, ?2, ?3, ?4, ?5, ?6) \
                 on conflict (code) do update set name = excluded.name, category = excluded.category, \
                 weight_grams = excluded.weight_grams, bonded = excluded.bonded, presale = excluded.presale",
                params![sku.code.as_str(), sku.name, sku.category, sku.weight_grams, sku.bonded, sku.presale],
            )
            .map_err(db_err)?;
            tx.0.execute("delete from sku_components where combo = ?1", [sku.code.as_str()]).map_err(db_err)?;
            for component in &sku.components {
                tx.0.execute(
                    "insert into sku_components (combo, component, quantity) values (?1, ?2, ?3)",
                    params![sku.code.as_str(), component.sku.as_str(), i64::from(component.quantity.get())],
                )
                .map_err(db_err)?;
            }
            Ok(())
        })
        .await
    }

    async fn map_shop_sku(&self, shop: ShopId, key: &ShopSkuKey, sku: &SkuCode) -> Result<()> {
        let (key, sku) = (key.clone(), sku.clone());
        self.transact(move |tx| {
            let known: Option<i64> =
                tx.0.query_row("select 1 from skus where code = ?1", [sku.as_str()], |r| {
                    r.get(0)
                })
                .optional()
                .map_err(db_err)?;
            if known.is_none() {
                return Err(Error::invalid("sku", format!("{sku} is not a known SKU")));
            }
            let (kind, key) = sku_key_parts(&key);
            tx.0.execute(
                "insert into shop_skus (shop_id, key_kind, key, sku) values (?1, ?2, ?3, ?4) \
                 on conflict (shop_id, key_kind, key) do update set sku = excluded.sku",
                params![shop.0, kind, key, sku.as_str()],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn sku_map(&self) -> Result<SkuMap> {
        self.transact(|tx| {
            let collect = |sql: &str| -> Result<Vec<(String, String, String, String)>> {
                let mut stmt = tx.0.prepare(sql).map_err(db_err)?;
                let rows = stmt
                    .query_map([], |r| {
                        Ok((
                            r.get::<_, String>(0)?,
                            r.get::<_, String>(1)?,
                            r.get::<_, String>(2)?,
                            r.get::<_, String>(3)?,
                        ))
                    })
                    .map_err(db_err)?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
            };
            let skus = collect("select code, '', '', '' from skus")?
                .into_iter()
                .map(|it| it.0)
                .collect();
            let components =
                collect("select combo, component, cast(quantity as text), '' from sku_components")?
                    .into_iter()
                    .map(|(a, b, q, _)| (a, b, q.parse().unwrap_or(0)))
                    .collect();
            let keys = collect("select cast(shop_id as text), key_kind, key, sku from shop_skus")?
                .into_iter()
                .map(|(shop, kind, key, sku)| (shop.parse().unwrap_or(0), kind, key, sku))
                .collect();
            build_sku_map(skus, components, keys)
        })
        .await
    }

    async fn catalog(&self) -> Result<Vec<SkuDefinition>> {
        self.transact(|tx| {
            let mut stmt = tx
                .0
                .prepare("select combo, component, quantity from sku_components order by combo, component")
                .map_err(db_err)?;
            let components = stmt
                .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?)))
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            let mut stmt = tx
                .0
                .prepare("select code, name, category, weight_grams, bonded, presale from skus order by code")
                .map_err(db_err)?;
            let skus = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, i64>(3)?,
                        r.get::<_, bool>(4)?,
                        r.get::<_, bool>(5)?,
                    ))
                })
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            crate::rows::catalog(skus, components)
        })
        .await
    }

    async fn set_line_skus(&self, order: OrderId, skus: &[(u32, Option<SkuCode>)]) -> Result<()> {
        let skus = skus.to_vec();
        self.transact(move |tx| {
            let mut stmt =
                tx.0.prepare_cached(
                    "update order_lines set sku = ?3 where order_id = ?1 and line_no = ?2",
                )
                .map_err(db_err)?;
            for (line_no, sku) in &skus {
                stmt.execute(params![order.0, line_no, sku.as_ref().map(SkuCode::as_str)])
                    .map_err(db_err)?;
            }
            Ok(())
        })
        .await
    }

    async fn unknown_skus(&self) -> Result<Vec<UnknownSku>> {
        self.transact(|tx| {
            let mut stmt = tx.0.prepare(UNKNOWN_SKUS).map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
                })
                .map_err(db_err)?;
            let rows = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)?;
            rows.into_iter().map(unknown_sku).collect()
        })
        .await
    }

    async fn apply_order_event(
        &self,
        id: OrderId,
        expected_version: u64,
        event: OrderEvent,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Order> {
        let actor = actor.clone();
        self.transact(move |tx| {
            block_on(logic::apply_order_event(
                tx,
                id.0,
                expected_version,
                event,
                &actor,
                at,
            ))
        })
        .await
    }

    async fn release_hold(
        &self,
        id: OrderId,
        expected_version: u64,
        reason: Option<domain::HoldReason>,
        note: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Order> {
        let (actor, note) = (actor.clone(), note.to_owned());
        self.transact(move |tx| {
            block_on(logic::apply_noted_event(
                tx,
                id.0,
                expected_version,
                OrderEvent::Release(reason),
                &note,
                &actor,
                at,
            ))
        })
        .await
    }

    async fn load_orders(&self, ids: &[OrderId]) -> Result<Vec<Order>> {
        let ids = ids.to_vec();
        self.read(move |tx| block_on(logic::load_orders(tx, &ids)))
            .await
    }

    async fn apply_routing(&self, batch: &RoutingBatch) -> Result<Vec<ShipmentId>> {
        let batch = batch.clone();
        self.transact(move |tx| block_on(logic::apply_routing(tx, &batch)))
            .await
    }

    async fn decisions(&self, order: OrderId) -> Result<Vec<StoredDecision>> {
        self.transact(move |tx| {
            let sql =
                format!("select {DECISION_COLUMNS} from decisions where order_id = ?1 order by id");
            let mut stmt = tx.0.prepare_cached(&sql).map_err(db_err)?;
            let rows = stmt.query_map([order.0], decision_parts).map_err(db_err)?;
            rows.map(|it| it.map_err(db_err).and_then(stored_decision))
                .collect()
        })
        .await
    }

    async fn latest_decisions(
        &self,
        since: Timestamp,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<StoredDecision>> {
        self.transact(move |tx| {
            let sql = format!(
                "select {DECISION_COLUMNS} from decisions where id in \
                 (select max(id) from decisions where at >= ?1 and order_id > ?2 group by order_id) \
                 order by order_id limit ?3"
            );
            let mut stmt = tx.0.prepare_cached(&sql).map_err(db_err)?;
            let rows = stmt
                .query_map(
                    params![since.unix_millis(), after.map_or(0, |it| it.0), limit.min(10_000)],
                    decision_parts,
                )
                .map_err(db_err)?;
            rows.map(|it| it.map_err(db_err).and_then(stored_decision)).collect()
        })
        .await
    }

    async fn save_rule_set(&self, body: &str, actor: &Actor, at: Timestamp) -> Result<u32> {
        let (body, actor) = (body.to_owned(), actor.to_string());
        self.transact(move |tx| {
            let latest: Option<(i64, String)> = tx
                .0
                .query_row("select version, body from rule_sets order by version desc limit 1", [], |r| Ok((r.get(0)?, r.get(1)?)))
                .optional()
                .map_err(db_err)?;
            let version = match latest {
                Some((version, text)) if text == body => version,
                latest => {
                    let version = latest.map_or(1, |(v, _)| v + 1);
                    tx.0.execute(
                        "insert into rule_sets (version, body, actor, created_at) values (?1, ?2, ?3, ?4)",
                        params![version, body, actor, at.unix_millis()],
                    )
                    .map_err(db_err)?;
                    let after = format!("version {version}");
                    block_on(tx.append_event(NewEvent {
                        subject_kind: "rules",
                        subject_id: version,
                        kind: "rules:save",
                        actor: &actor,
                        at,
                        before: "",
                        after: &after,
                        note: "",
                    }))?;
                    version
                }
            };
            u32::try_from(version).map_err(|_| Error::Storage(format!("rule set version {version}")))
        })
        .await
    }

    async fn rule_set(&self, version: Option<u32>) -> Result<Option<(u32, String)>> {
        self.transact(move |tx| {
            let row: Option<(i64, String)> = match version {
                Some(v) => tx.0.query_row(
                    "select version, body from rule_sets where version = ?1",
                    [v],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                ),
                None => tx.0.query_row(
                    "select version, body from rule_sets order by version desc limit 1",
                    [],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                ),
            }
            .optional()
            .map_err(db_err)?;
            Ok(row.map(|(v, body)| (v as u32, body)))
        })
        .await
    }

    async fn order_events(&self, id: OrderId) -> Result<Vec<EventRecord>> {
        self.read(move |tx| {
            let mut stmt = tx
                .0
                .prepare_cached("select id, subject_kind, subject_id, kind, actor, at, before, after, note from events where subject_kind = 'order' and subject_id = ?1 order by id")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([id.0], |r| {
                    Ok(EventRecord {
                        id: r.get(0)?,
                        subject_kind: r.get(1)?,
                        subject_id: r.get(2)?,
                        kind: r.get(3)?,
                        actor: r.get(4)?,
                        at: Timestamp::from_unix_millis(r.get(5)?),
                        before: r.get(6)?,
                        after: r.get(7)?,
                        note: r.get(8)?,
                    })
                })
                .map_err(db_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
        })
        .await
    }

    async fn put_warehouse(&self, w: &Warehouse) -> Result<()> {
        let w = w.clone();
        self.transact(move |tx| {
            tx.0.execute(
                "insert into warehouses (code, name, kind, area_code, allow_oversell) values (?1, ?2, ?3, ?4, ?5) \
                 on conflict (code) do update set name = excluded.name, kind = excluded.kind, area_code = excluded.area_code, \
                 allow_oversell = excluded.allow_oversell",
                params![w.code.as_str(), w.name, w.kind.as_str(), w.area_code, w.allow_oversell],
            )
            .map_err(db_err)?;
            tx.0.execute("update stock set allow_oversell = ?2 where warehouse = ?1", params![w.code.as_str(), w.allow_oversell]).map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn stock_level(&self, warehouse: &WarehouseCode, sku: &SkuCode) -> Result<StockLevel> {
        let (warehouse, sku) = (warehouse.clone(), sku.clone());
        self.transact(move |tx| {
            let mut stmt = tx
                .0
                .prepare_cached("select on_hand, reserved, safety, allow_oversell from stock where warehouse = ?1 and sku = ?2")
                .map_err(db_err)?;
            let level = stmt.query_row(params![warehouse.as_str(), sku.as_str()], stock_level).optional().map_err(db_err)?;
            Ok(level.unwrap_or(StockLevel::EMPTY))
        })
        .await
    }

    async fn shipments_since(&self, since: Timestamp) -> Result<Vec<(WarehouseCode, u64)>> {
        self.transact(move |tx| {
            let mut stmt = tx
                .0
                .prepare_cached("select warehouse, count(*) from shipments where created_at >= ?1 and status <> 'voided' group by warehouse order by warehouse")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([since.unix_millis()], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            crate::rows::loads(rows)
        })
        .await
    }

    async fn stock_levels(&self) -> Result<Vec<(WarehouseCode, SkuCode, StockLevel)>> {
        self.read(|tx| {
            let mut stmt = tx
                .0
                .prepare("select warehouse, sku, on_hand, reserved, safety, allow_oversell from stock order by warehouse, sku")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        StockLevel {
                            on_hand: r.get(2)?,
                            reserved: r.get(3)?,
                            safety: r.get(4)?,
                            allow_oversell: r.get(5)?,
                        },
                    ))
                })
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            crate::rows::stock_rows(rows)
        })
        .await
    }

    async fn receive_stock(
        &self,
        warehouse: &WarehouseCode,
        sku: &SkuCode,
        quantity: Quantity,
        reference: &str,
        at: Timestamp,
    ) -> Result<StockLevel> {
        let (warehouse, sku, reference) = (warehouse.clone(), sku.clone(), reference.to_owned());
        self.transact(move |tx| {
            block_on(logic::receive_stock(
                tx,
                warehouse.as_str(),
                sku.as_str(),
                quantity,
                &reference,
                at,
            ))
        })
        .await
    }

    async fn reserve_stock(
        &self,
        order: OrderId,
        requests: &[StockRequest],
        at: Timestamp,
    ) -> Result<()> {
        let requests = requests.to_vec();
        self.transact(move |tx| block_on(logic::reserve_stock(tx, order.0, &requests, at)))
            .await
    }

    async fn release_stock(&self, order: OrderId, at: Timestamp) -> Result<u64> {
        self.transact(move |tx| block_on(logic::release_stock(tx, order.0, at)))
            .await
    }

    async fn stock_ledger(
        &self,
        warehouse: &WarehouseCode,
        sku: &SkuCode,
    ) -> Result<Vec<(String, i64, String)>> {
        let (warehouse, sku) = (warehouse.clone(), sku.clone());
        self.transact(move |tx| {
            let mut stmt = tx
                .0
                .prepare_cached(
                    "select l.kind, l.quantity, l.reference from stock_ledger l join stock s on s.id = l.stock_id \
                     where s.warehouse = ?1 and s.sku = ?2 order by l.id",
                )
                .map_err(db_err)?;
            let rows = stmt.query_map(params![warehouse.as_str(), sku.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?))).map_err(db_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
        })
        .await
    }

    async fn create_shipment(&self, shipment: &NewShipment, at: Timestamp) -> Result<Shipment> {
        let shipment = shipment.clone();
        self.transact(move |tx| block_on(logic::create_shipment(tx, &shipment, at)))
            .await
    }

    async fn load_shipment(&self, id: ShipmentId) -> Result<Shipment> {
        self.read(move |tx| block_on(logic::load_shipment(tx, id.0)))
            .await
    }

    async fn apply_noted_shipment_event(
        &self,
        id: ShipmentId,
        expected_version: u64,
        event: &ShipmentEvent,
        note: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Shipment> {
        let (event, note, actor) = (event.clone(), note.to_owned(), actor.clone());
        self.transact(move |tx| {
            block_on(logic::apply_shipment_event(
                tx,
                id,
                expected_version,
                &event,
                &note,
                &actor,
                at,
            ))
        })
        .await
    }

    async fn open_shipments(
        &self,
        warehouse: Option<&WarehouseCode>,
        limit: u32,
    ) -> Result<Vec<Shipment>> {
        let warehouse = warehouse.map(|it| it.as_str().to_owned());
        self.read(move |tx| block_on(fulfil::open_shipments(tx, warehouse.as_deref(), limit)))
            .await
    }

    async fn order_shipments(&self, order: OrderId) -> Result<Vec<Shipment>> {
        self.read(move |tx| block_on(fulfil::order_shipments(tx, order)))
            .await
    }

    async fn lapsed_claims(&self, now: Timestamp) -> Result<Vec<(ShipmentId, u64)>> {
        let rows = self
            .transact(move |tx| block_on(tx.lapsed_claims(now.unix_millis())))
            .await?;
        Ok(rows
            .into_iter()
            .map(|(id, version)| (ShipmentId(id), version as u64))
            .collect())
    }

    async fn create_after_sale(
        &self,
        case: &NewAfterSale,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<AfterSale> {
        let (case, actor) = (case.clone(), actor.clone());
        self.transact(move |tx| block_on(fulfil::create_after_sale(tx, &case, &actor, at)))
            .await
    }

    async fn load_after_sale(&self, id: AfterSaleId) -> Result<AfterSale> {
        self.read(move |tx| block_on(fulfil::load_after_sale(tx, id.0)))
            .await
    }

    async fn after_sales(&self, order: Option<OrderId>, open_only: bool) -> Result<Vec<AfterSale>> {
        self.read(move |tx| block_on(fulfil::after_sales(tx, order, open_only)))
            .await
    }

    async fn apply_after_sale(
        &self,
        id: AfterSaleId,
        expected_version: u64,
        action: &AfterSaleAction,
        note: &str,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<AfterSale> {
        let (action, note, actor) = (action.clone(), note.to_owned(), actor.clone());
        self.transact(move |tx| {
            block_on(fulfil::apply_after_sale(
                tx,
                id,
                expected_version,
                &action,
                &note,
                &actor,
                at,
            ))
        })
        .await
    }

    async fn money_ledger(&self, order: OrderId) -> Result<Vec<MoneyEntry>> {
        self.read(move |tx| block_on(fulfil::money_ledger(tx, order)))
            .await
    }

    async fn enqueue_outbox(
        &self,
        topic: &str,
        key: &str,
        payload: &[u8],
        at: Timestamp,
    ) -> Result<i64> {
        let (topic, key, payload) = (topic.to_owned(), key.to_owned(), payload.to_vec());
        self.transact(move |tx| {
            block_on(tx.insert_outbox(&topic, &key, &payload, at.unix_millis()))
        })
        .await
    }

    async fn claim_outbox(
        &self,
        worker: &str,
        limit: u32,
        now: Timestamp,
        lease_millis: i64,
    ) -> Result<Vec<OutboxItem>> {
        let worker = worker.to_owned();
        self.transact(move |tx| {
            let now = now.unix_millis();
            let mut stmt = tx
                .0
                .prepare_cached(
                    "update outbox set claimed_by = ?1, claim_until = ?2 + ?3, attempts = attempts + 1 \
                     where id in (select id from outbox where delivered_at is null and due_at <= ?2 \
                     and (claim_until is null or claim_until <= ?2) order by due_at, id limit ?4) \
                     returning id, topic, key, payload, attempts",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map(params![worker, now, lease_millis, i64::from(limit)], |r| {
                    Ok(OutboxItem { id: r.get(0)?, topic: r.get(1)?, key: r.get(2)?, payload: r.get(3)?, attempts: r.get(4)? })
                })
                .map_err(db_err)?;
            let mut items = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)?;
            items.sort_by_key(|it| it.id);
            Ok(items)
        })
        .await
    }

    async fn finish_outbox(
        &self,
        id: i64,
        worker: &str,
        outcome: std::result::Result<(), String>,
        retry_at: Timestamp,
    ) -> Result<()> {
        let worker = worker.to_owned();
        self.transact(move |tx| {
            let n = match outcome {
                Ok(()) => tx.0.execute(
                    "update outbox set delivered_at = ?3, claimed_by = null, claim_until = null, last_error = null where id = ?1 and claimed_by = ?2",
                    params![id, worker, retry_at.unix_millis()],
                ),
                Err(error) => tx.0.execute(
                    "update outbox set due_at = ?3, claimed_by = null, claim_until = null, last_error = ?4 where id = ?1 and claimed_by = ?2",
                    params![id, worker, retry_at.unix_millis(), error],
                ),
            }
            .map_err(db_err)?;
            if n == 0 {
                return Err(Error::Conflict(format!("outbox row {id} is not claimed by {worker}")));
            }
            Ok(())
        })
        .await
    }

    async fn cursor(&self, shop: ShopId, stream: Stream) -> Result<Option<String>> {
        self.transact(move |tx| {
            tx.0.query_row(
                "select value from sync_cursors where shop_id = ?1 and stream = ?2",
                params![shop.0, stream.as_str()],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)
        })
        .await
    }

    async fn set_cursor(
        &self,
        shop: ShopId,
        stream: Stream,
        value: &str,
        at: Timestamp,
    ) -> Result<()> {
        let value = value.to_owned();
        self.transact(move |tx| {
            block_on(tx.set_cursor(shop.0, stream.as_str(), &value, at.unix_millis()))
        })
        .await
    }

    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl_millis: i64,
    ) -> Result<bool> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.transact(move |tx| {
            let n = tx
                .0
                .execute(
                    "insert into leases (name, holder, expires_at) values (?1, ?2, ?3 + ?4) \
                     on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at \
                     where leases.holder = excluded.holder or leases.expires_at <= ?3",
                    params![name, holder, now.unix_millis(), ttl_millis],
                )
                .map_err(db_err)?;
            Ok(n == 1)
        })
        .await
    }

    async fn listings(&self, shop: ShopId, sku: &SkuCode) -> Result<Vec<(String, String)>> {
        let sku = sku.clone();
        self.transact(move |tx| {
            let mut stmt =
                tx.0.prepare_cached(
                    "select distinct l.platform_item_id, l.platform_sku_id from order_lines l \
                     join orders o on o.id = l.order_id \
                     where o.shop_id = ?1 and l.sku = ?2 and l.platform_item_id <> '' \
                     order by 1, 2",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map(params![shop.0, sku.as_str()], |r| {
                    Ok((r.get(0)?, r.get(1)?))
                })
                .map_err(db_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
        })
        .await
    }

    async fn put_secret(
        &self,
        shop: ShopId,
        name: &str,
        sealed: &[u8],
        at: Timestamp,
    ) -> Result<()> {
        let (name, sealed) = (name.to_owned(), sealed.to_vec());
        self.transact(move |tx| {
            tx.0.execute(
                "insert into shop_secrets (shop_id, name, sealed, updated_at) values (?1, ?2, ?3, ?4) \
                 on conflict (shop_id, name) do update set sealed = excluded.sealed, updated_at = excluded.updated_at",
                params![shop.0, name, sealed, at.unix_millis()],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn secret(&self, shop: ShopId, name: &str) -> Result<Option<Vec<u8>>> {
        let name = name.to_owned();
        self.transact(move |tx| {
            tx.0.query_row(
                "select sealed from shop_secrets where shop_id = ?1 and name = ?2",
                params![shop.0, name],
                |r| r.get(0),
            )
            .optional()
            .map_err(db_err)
        })
        .await
    }

    async fn secret_names(&self, shop: ShopId) -> Result<Vec<(String, Timestamp)>> {
        self.transact(move |tx| {
            let mut stmt =
                tx.0.prepare(
                    "select name, updated_at from shop_secrets where shop_id = ?1 order by name",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map([shop.0], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        Timestamp::from_unix_millis(r.get(1)?),
                    ))
                })
                .map_err(db_err)?;
            rows.collect::<rusqlite::Result<Vec<_>>>().map_err(db_err)
        })
        .await
    }

    async fn create_user(&self, user: &NewUser, at: Timestamp) -> Result<User> {
        let user = user.clone();
        self.transact(move |tx| {
            tx.0.execute(
                "insert into users (login, name, role, warehouses, password_hash, disabled, created_at) \
                 values (?1, ?2, ?3, ?4, ?5, 0, ?6)",
                params![
                    user.login,
                    user.name,
                    user.role.as_str(),
                    rows::warehouses_text(&user.warehouses),
                    user.password_hash,
                    at.unix_millis()
                ],
            )
            .map_err(|err| match err {
                rusqlite::Error::SqliteFailure(e, _)
                    if e.code == rusqlite::ErrorCode::ConstraintViolation =>
                {
                    Error::Conflict(format!("login {:?} is taken", user.login))
                }
                err => db_err(err),
            })?;
            let id = tx.0.last_insert_rowid();
            Ok(User {
                id,
                login: user.login,
                name: user.name,
                role: user.role,
                warehouses: user.warehouses,
                password_hash: user.password_hash,
                disabled: false,
            })
        })
        .await
    }

    async fn user(&self, login: &str) -> Result<Option<User>> {
        let login = login.to_owned();
        self.read(move |tx| {
            let mut stmt =
                tx.0.prepare_cached(&format!("{USER_COLUMNS} where login = ?1"))
                    .map_err(db_err)?;
            let mut rows = stmt.query_map([login], user_row).map_err(db_err)?;
            rows.next().transpose().map_err(db_err)?.transpose()
        })
        .await
    }

    async fn users(&self) -> Result<Vec<User>> {
        self.transact(move |tx| {
            let mut stmt =
                tx.0.prepare_cached(&format!("{USER_COLUMNS} order by login"))
                    .map_err(db_err)?;
            let rows = stmt.query_map([], user_row).map_err(db_err)?;
            rows.map(|it| it.map_err(db_err)?).collect()
        })
        .await
    }

    async fn create_session(
        &self,
        user: i64,
        key_hash: &str,
        csrf: &str,
        expires: Timestamp,
        at: Timestamp,
    ) -> Result<()> {
        let (key_hash, csrf) = (key_hash.to_owned(), csrf.to_owned());
        self.transact(move |tx| {
            tx.0.execute(
                "insert into sessions (key_hash, user_id, csrf, expires_at, created_at) values (?1, ?2, ?3, ?4, ?5)",
                params![key_hash, user, csrf, expires.unix_millis(), at.unix_millis()],
            )
            .map_err(db_err)?;
            // Sessions that ended are forgotten as new ones start.
            tx.0.execute("delete from sessions where expires_at <= ?1", [at.unix_millis()])
                .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn session(&self, key_hash: &str, now: Timestamp) -> Result<Option<(User, String)>> {
        let key_hash = key_hash.to_owned();
        self.read(move |tx| {
            let mut stmt = tx
                .0
                .prepare_cached(
                    "select u.id, u.login, u.name, u.role, u.warehouses, u.password_hash, u.disabled, s.csrf \
                     from sessions s join users u on u.id = s.user_id \
                     where s.key_hash = ?1 and s.expires_at > ?2 and u.disabled = 0",
                )
                .map_err(db_err)?;
            let mut rows = stmt
                .query_map(params![key_hash, now.unix_millis()], |r| {
                    Ok((user_row(r)?, r.get::<_, String>(7)?))
                })
                .map_err(db_err)?;
            match rows.next().transpose().map_err(db_err)? {
                Some((user, csrf)) => Ok(Some((user?, csrf))),
                None => Ok(None),
            }
        })
        .await
    }

    async fn end_session(&self, key_hash: &str) -> Result<()> {
        let key_hash = key_hash.to_owned();
        self.transact(move |tx| {
            tx.0.execute("delete from sessions where key_hash = ?1", [key_hash])
                .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn create_token(
        &self,
        user: i64,
        name: &str,
        token_hash: &str,
        scopes: &[Permission],
        at: Timestamp,
    ) -> Result<ApiToken> {
        let (name, token_hash, scopes) = (name.to_owned(), token_hash.to_owned(), scopes.to_vec());
        self.transact(move |tx| {
            tx.0.execute(
                "insert into api_tokens (user_id, name, token_hash, scopes, created_at) values (?1, ?2, ?3, ?4, ?5)",
                params![user, name, token_hash, rows::scopes_text(&scopes), at.unix_millis()],
            )
            .map_err(db_err)?;
            Ok(ApiToken {
                id: tx.0.last_insert_rowid(),
                user,
                name,
                scopes,
                created_at: at,
                revoked_at: None,
            })
        })
        .await
    }

    async fn token(&self, token_hash: &str) -> Result<Option<(User, ApiToken)>> {
        let token_hash = token_hash.to_owned();
        self.read(move |tx| {
            let mut stmt = tx
                .0
                .prepare_cached(
                    "select u.id, u.login, u.name, u.role, u.warehouses, u.password_hash, u.disabled, \
                     t.id, t.name, t.scopes, t.created_at \
                     from api_tokens t join users u on u.id = t.user_id \
                     where t.token_hash = ?1 and t.revoked_at is null and u.disabled = 0",
                )
                .map_err(db_err)?;
            let mut rows = stmt
                .query_map([token_hash], |r| {
                    let user = user_row(r)?;
                    let user_id: i64 = r.get(0)?;
                    let token = rows::token_from(
                        r.get(7)?,
                        user_id,
                        r.get(8)?,
                        &r.get::<_, String>(9)?,
                        r.get(10)?,
                        None,
                    );
                    Ok((user, token))
                })
                .map_err(db_err)?;
            match rows.next().transpose().map_err(db_err)? {
                Some((user, token)) => Ok(Some((user?, token?))),
                None => Ok(None),
            }
        })
        .await
    }

    async fn tokens(&self, user: i64) -> Result<Vec<ApiToken>> {
        self.transact(move |tx| {
            let mut stmt = tx
                .0
                .prepare_cached(
                    "select id, user_id, name, scopes, created_at, revoked_at from api_tokens where user_id = ?1 order by id",
                )
                .map_err(db_err)?;
            let rows = stmt
                .query_map([user], |r| {
                    Ok(rows::token_from(
                        r.get(0)?,
                        r.get(1)?,
                        r.get(2)?,
                        &r.get::<_, String>(3)?,
                        r.get(4)?,
                        r.get(5)?,
                    ))
                })
                .map_err(db_err)?;
            rows.map(|it| it.map_err(db_err)?).collect()
        })
        .await
    }

    async fn revoke_token(&self, user: i64, id: i64, at: Timestamp) -> Result<()> {
        self.transact(move |tx| {
            let changed = tx
                .0
                .execute(
                    "update api_tokens set revoked_at = coalesce(revoked_at, ?3) where id = ?1 and user_id = ?2",
                    params![id, user, at.unix_millis()],
                )
                .map_err(db_err)?;
            match changed {
                0 => Err(Error::NotFound(format!("token {id}"))),
                _ => Ok(()),
            }
        })
        .await
    }

    async fn keep_documents(
        &self,
        shop: ShopId,
        stream: Stream,
        documents: &[RawDocument],
        cursor: Option<&str>,
        at: Timestamp,
    ) -> Result<u32> {
        let (documents, cursor) = (documents.to_vec(), cursor.map(str::to_owned));
        self.transact(move |tx| {
            block_on(logic::keep_documents(
                tx,
                shop,
                stream,
                &documents,
                cursor.as_deref(),
                at,
            ))
        })
        .await
    }

    async fn set_sync_status(&self, status: &SyncStatus) -> Result<()> {
        let status = status.clone();
        self.transact(move |tx| {
            tx.0.execute(
                "insert into shop_sync (shop_id, stream, ok, last_error, at) values (?1, ?2, ?3, ?4, ?5) \
                 on conflict (shop_id, stream) do update set ok = excluded.ok, last_error = excluded.last_error, at = excluded.at",
                params![status.shop.0, status.stream.as_str(), status.ok, status.last_error, status.at.unix_millis()],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn sync_statuses(&self) -> Result<Vec<SyncStatus>> {
        self.transact(|tx| {
            let mut stmt = tx
                .0
                .prepare("select shop_id, stream, ok, last_error, at from shop_sync order by shop_id, stream")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, bool>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, i64>(4)?,
                    ))
                })
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            rows.into_iter().map(crate::rows::sync_status).collect()
        })
        .await
    }

    async fn record_push(&self, shop: ShopId, event_id: &str, at: Timestamp) -> Result<bool> {
        let event_id = event_id.to_owned();
        self.transact(move |tx| {
            let n =
                tx.0.execute(
                    "insert into push_events (shop_id, event_id, received_at) values (?1, ?2, ?3) \
                     on conflict (shop_id, event_id) do nothing",
                    params![shop.0, event_id, at.unix_millis()],
                )
                .map_err(db_err)?;
            Ok(n == 1)
        })
        .await
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.transact(move |tx| {
            tx.0.execute(
                "delete from leases where name = ?1 and holder = ?2",
                params![name, holder],
            )
            .map_err(db_err)?;
            Ok(())
        })
        .await
    }

    async fn open_work(&self, _now: Timestamp) -> Result<Vec<domain::WorkItem>> {
        self.transact(move |tx| block_on(crate::alerts::open_work(&mut tx.0)))
            .await
    }

    async fn open_alerts(&self) -> Result<Vec<app::AlertRecord>> {
        self.transact(move |tx| block_on(crate::alerts::alerts(&mut tx.0, true, 0)))
            .await
    }

    async fn recent_alerts(&self, limit: u32) -> Result<Vec<app::AlertRecord>> {
        self.transact(move |tx| block_on(crate::alerts::alerts(&mut tx.0, false, limit)))
            .await
    }

    async fn apply_alerts(
        &self,
        changes: &[domain::AlertChange],
        notifiers: &[String],
        at: Timestamp,
    ) -> Result<app::AlertReport> {
        let (changes, notifiers) = (changes.to_vec(), notifiers.to_vec());
        self.transact(move |tx| {
            block_on(crate::alerts::apply_alerts(
                &mut tx.0, &changes, &notifiers, at,
            ))
        })
        .await
    }

    async fn claim_alert_deliveries(
        &self,
        worker: &str,
        limit: u32,
        now: Timestamp,
        lease_millis: i64,
    ) -> Result<Vec<OutboxItem>> {
        let worker = worker.to_owned();
        self.transact(move |tx| {
            block_on(crate::alerts::claim_deliveries(
                &mut tx.0,
                &worker,
                limit,
                now,
                lease_millis,
            ))
        })
        .await
    }

    async fn flow_figures(&self, since: Timestamp) -> Result<app::FlowFigures> {
        let since = since.unix_millis();
        self.transact(move |tx| {
            let mut stmt =
                tx.0.prepare_cached(crate::flow::STAGE_TIMES)
                    .map_err(db_err)?;
            let stages = stmt
                .query_map([since], |r| {
                    Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
                })
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            let mut stmt = tx.0.prepare_cached(crate::flow::ARRIVALS).map_err(db_err)?;
            let arrivals = stmt
                .query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            crate::flow::figures(stages, arrivals)
        })
        .await
    }

    async fn warehouses(&self) -> Result<Vec<Warehouse>> {
        self.transact(|tx| {
            let mut stmt = tx
                .0
                .prepare("select code, name, kind, area_code, allow_oversell from warehouses order by code")
                .map_err(db_err)?;
            let rows = stmt
                .query_map([], |r| {
                    Ok((
                        r.get::<_, String>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, bool>(4)?,
                    ))
                })
                .map_err(db_err)?
                .collect::<rusqlite::Result<Vec<_>>>()
                .map_err(db_err)?;
            rows.into_iter().map(crate::rows::warehouse).collect()
        })
        .await
    }
}

const USER_COLUMNS: &str =
    "select id, login, name, role, warehouses, password_hash, disabled from users";

/// A user from the first seven columns of a row (as [`USER_COLUMNS`] selects them); a role the code
/// does not know is a storage error, kept inside so that rusqlite's mapping stays infallible.
fn user_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<User>> {
    Ok(rows::user_from(
        r.get(0)?,
        r.get(1)?,
        r.get(2)?,
        &r.get::<_, String>(3)?,
        &r.get::<_, String>(4)?,
        r.get(5)?,
        r.get(6)?,
    ))
}
