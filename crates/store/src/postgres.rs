//! The PostgreSQL store: a `sqlx` pool, one transaction per use case, races settled by row locks
//! (`for update`), conditional updates and `for update skip locked` for work queues.

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
use sqlx::postgres::{PgPool, PgPoolOptions, PgRow};
use sqlx::{Connection, Postgres, Row};

use crate::logic;
use crate::rows;
use crate::rows::{
    AFTER_SALE_COLUMNS, AfterSaleRow, LINE_COLUMNS, LineRow, ORDER_COLUMNS, ORDER_DATA_COLUMNS,
    OrderRow, REJECT_COLUMNS, RejectRow, SHIPMENT_COLUMNS, ShipmentRow, UNKNOWN_SKUS,
    build_sku_map, corrupt, held_order, parse_status, sku_key_parts, unknown_sku,
    unresolvable_reject,
};
use crate::tx::{HeldOrder, LineCounts, NewEvent, NewOrderRows, Tx};

const MIGRATIONS: &[(&str, &str)] = &[
    (
        "0001_init",
        include_str!("../migrations/postgres/0001_init.sql"),
    ),
    (
        "0002_rejects",
        include_str!("../migrations/postgres/0002_rejects.sql"),
    ),
    (
        "0003_skus",
        include_str!("../migrations/postgres/0003_skus.sql"),
    ),
    (
        "0004_routing",
        include_str!("../migrations/postgres/0004_routing.sql"),
    ),
    (
        "0005_channels",
        include_str!("../migrations/postgres/0005_channels.sql"),
    ),
    (
        "0006_sync",
        include_str!("../migrations/postgres/0006_sync.sql"),
    ),
    (
        "0007_fulfilment",
        include_str!("../migrations/postgres/0007_fulfilment.sql"),
    ),
    (
        "0008_access",
        include_str!("../migrations/postgres/0008_access.sql"),
    ),
    (
        "0009_alerts",
        include_str!("../migrations/postgres/0009_alerts.sql"),
    ),
    (
        "0010_search",
        include_str!("../migrations/postgres/0010_search.sql"),
    ),
];

/// Keeps a reject once per shop, format and content while it is open; a repeat counts as an attempt.
/// One row per statement: a batch may repeat a reject, which one `unnest` upsert could not take.
const UPSERT_REJECT: &str = "insert into rejects (shop_id, source, external_ref, format, content_hash, raw, field, \
    reason, first_seen, last_seen, attempts) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, 1) \
    on conflict (shop_id, format, content_hash) where resolved_at is null do update set \
    attempts = rejects.attempts + 1, last_seen = excluded.last_seen, field = excluded.field, \
    reason = excluded.reason, source = excluded.source";

/// The PostgreSQL store; cheap to clone.
#[derive(Clone)]
pub struct PostgresStore {
    pool: PgPool,
}

fn db_err(err: sqlx::Error) -> Error {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            Error::Conflict(db.message().to_owned())
        }
        // Serialization failures and deadlocks: another transaction won; the caller may retry.
        sqlx::Error::Database(db) if matches!(db.code().as_deref(), Some("40001" | "40P01")) => {
            Error::Conflict(db.message().to_owned())
        }
        _ => Error::Storage(format!("postgres: {err}")),
    }
}

/// Runs one statement on its own connection: for creating and dropping databases.
pub async fn admin_execute(url: &str, sql: &str) -> Result<()> {
    let mut conn = sqlx::PgConnection::connect(url).await.map_err(db_err)?;
    sqlx::raw_sql(sql)
        .execute(&mut conn)
        .await
        .map_err(db_err)?;
    conn.close().await.map_err(db_err)
}

impl PostgresStore {
    /// Connects and applies pending migrations (under an advisory lock, so that processes starting
    /// together migrate once).
    pub async fn connect(url: &str) -> Result<PostgresStore> {
        let pool = PgPoolOptions::new()
            .max_connections(16)
            .connect(url)
            .await
            .map_err(db_err)?;
        let mut tx = pool.begin().await.map_err(db_err)?;
        sqlx::query("select pg_advisory_xact_lock(7242001)")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        sqlx::raw_sql("create table if not exists schema_migrations (version text primary key, applied_at bigint not null)")
            .execute(&mut *tx)
            .await
            .map_err(db_err)?;
        for (version, sql) in MIGRATIONS {
            let done = sqlx::query("select 1 from schema_migrations where version = $1")
                .bind(version)
                .fetch_optional(&mut *tx)
                .await
                .map_err(db_err)?;
            if done.is_none() {
                sqlx::raw_sql(sql)
                    .execute(&mut *tx)
                    .await
                    .map_err(|err| Error::Storage(format!("migration {version}: {err}")))?;
                sqlx::query("insert into schema_migrations (version, applied_at) values ($1, 0)")
                    .bind(version)
                    .execute(&mut *tx)
                    .await
                    .map_err(db_err)?;
            }
        }
        tx.commit().await.map_err(db_err)?;
        Ok(PostgresStore { pool })
    }

    async fn begin(&self) -> Result<PgTx> {
        Ok(PgTx(self.pool.begin().await.map_err(db_err)?))
    }
}

struct PgTx(sqlx::Transaction<'static, Postgres>);

impl PgTx {
    async fn commit(self) -> Result<()> {
        self.0.commit().await.map_err(db_err)
    }
}

/// Opens a transaction, runs one `logic` use case in it and commits.
macro_rules! in_tx {
    ($store:expr, |$tx:ident| $body:expr) => {{
        let mut $tx = $store.begin().await?;
        let out = $body.await?;
        $tx.commit().await?;
        Ok(out)
    }};
}

fn get<'r, T: sqlx::Decode<'r, Postgres> + sqlx::Type<Postgres>>(
    r: &'r PgRow,
    i: usize,
) -> Result<T> {
    r.try_get(i).map_err(db_err)
}

const DECISION_COLUMNS: &str = "id, order_id, at, rule_set, local_minute, weekday, waived, stock, outcome, explanation, at_capacity";

fn stored_decision(r: &PgRow) -> Result<StoredDecision> {
    let waived: String = get(r, 6)?;
    let full: String = get(r, 10)?;
    Ok(StoredDecision {
        id: get(r, 0)?,
        order: OrderId(get(r, 1)?),
        at: Timestamp::from_unix_millis(get(r, 2)?),
        record: crate::rows::decision_record(
            get(r, 3)?,
            get(r, 4)?,
            get(r, 5)?,
            &waived,
            &full,
            get(r, 7)?,
            get(r, 8)?,
            get(r, 9)?,
        )?,
    })
}

fn order_row(r: &PgRow) -> Result<OrderRow> {
    let mut receiver: [String; 10] = Default::default();
    for (i, field) in receiver.iter_mut().enumerate() {
        *field = get(r, 16 + i)?;
    }
    Ok(OrderRow {
        id: get(r, 0)?,
        shop_id: get(r, 1)?,
        external_id: get(r, 2)?,
        status: get(r, 3)?,
        holds: get(r, 4)?,
        exception: get::<i64>(r, 5)? != 0,
        platform_status: get(r, 6)?,
        platform_state: get(r, 7)?,
        created_at: get(r, 8)?,
        paid_at: get(r, 9)?,
        updated_at: get(r, 10)?,
        ingested_at: get(r, 11)?,
        content_hash: get(r, 12)?,
        raw_document_id: get(r, 13)?,
        buyer_id: get(r, 14)?,
        buyer_nick: get(r, 15)?,
        receiver,
        currency: get(r, 26)?,
        amounts: [get(r, 27)?, get(r, 28)?, get(r, 29)?, get(r, 30)?],
        buyer_message: get(r, 31)?,
        seller_memo: get(r, 32)?,
        flags: get(r, 33)?,
        tags: get(r, 34)?,
        risk_score: get(r, 35)?,
        version: get(r, 36)?,
    })
}

fn line_row(r: &PgRow) -> Result<LineRow> {
    Ok(LineRow {
        line_no: get(r, 0)?,
        platform_item_id: get(r, 1)?,
        platform_sku_id: get(r, 2)?,
        seller_sku_code: get(r, 3)?,
        sku: get(r, 4)?,
        title: get(r, 5)?,
        quantity: get(r, 6)?,
        unit_price_minor: get(r, 7)?,
        discount_minor: get(r, 8)?,
        paid_minor: get(r, 9)?,
        refund_state: get(r, 10)?,
        platform_line_id: get(r, 11)?,
    })
}

fn shipment_row(r: &PgRow) -> Result<ShipmentRow> {
    Ok(ShipmentRow {
        id: get(r, 0)?,
        warehouse: get(r, 1)?,
        carrier: get(r, 2)?,
        status: get(r, 3)?,
        holder: get(r, 4)?,
        lease_until: get(r, 5)?,
        tracking_no: get(r, 6)?,
        version: get(r, 7)?,
        created_at: get(r, 8)?,
    })
}

fn reject_row(r: &PgRow) -> Result<RejectRow> {
    Ok(RejectRow {
        id: get(r, 0)?,
        shop_id: get(r, 1)?,
        source: get(r, 2)?,
        external_ref: get(r, 3)?,
        format: get(r, 4)?,
        raw: get(r, 5)?,
        field: get(r, 6)?,
        reason: get(r, 7)?,
        first_seen: get(r, 8)?,
        last_seen: get(r, 9)?,
        attempts: get(r, 10)?,
        resolved_at: get(r, 11)?,
    })
}

fn stock_level(r: &PgRow) -> Result<StockLevel> {
    Ok(StockLevel {
        on_hand: get(r, 0)?,
        reserved: get(r, 1)?,
        safety: get(r, 2)?,
        allow_oversell: get::<i64>(r, 3)? != 0,
    })
}

/// Binds the values of [`ORDER_DATA_COLUMNS`] of a row, in that order.
fn bind_order_data<'q>(
    q: sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>,
    row: &'q OrderRow,
) -> sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments> {
    let mut q = q
        .bind(&row.platform_status)
        .bind(&row.platform_state)
        .bind(row.created_at)
        .bind(row.paid_at)
        .bind(row.updated_at)
        .bind(row.content_hash)
        .bind(row.raw_document_id)
        .bind(&row.buyer_id)
        .bind(&row.buyer_nick);
    for field in &row.receiver {
        q = q.bind(field);
    }
    q.bind(&row.currency)
        .bind(row.amounts[0])
        .bind(row.amounts[1])
        .bind(row.amounts[2])
        .bind(row.amounts[3])
        .bind(&row.buyer_message)
        .bind(&row.seller_memo)
        .bind(row.flags)
        .bind(&row.tags)
        .bind(row.risk_score)
}

impl PgTx {
    /// Inserts lines of one or more orders in one statement, `suffix` deciding what a conflict does.
    async fn write_lines(&mut self, lines: &[(i64, &LineRow)], suffix: &str) -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        let text = |f: fn(&LineRow) -> &str| lines.iter().map(|(_, l)| f(l)).collect::<Vec<&str>>();
        let int = |f: fn(&LineRow) -> i64| lines.iter().map(|(_, l)| f(l)).collect::<Vec<i64>>();
        let sql = format!(
            "insert into order_lines (order_id, line_no, platform_item_id, platform_sku_id, seller_sku_code, sku, title, \
             quantity, unit_price_minor, discount_minor, paid_minor, refund_state, platform_line_id) \
             select * from unnest($1::bigint[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], \
             $8::bigint[], $9::bigint[], $10::bigint[], $11::bigint[], $12::text[], $13::text[]) {suffix}"
        );
        sqlx::query(&sql)
            .bind(lines.iter().map(|(id, _)| *id).collect::<Vec<_>>())
            .bind(int(|l| l.line_no))
            .bind(text(|l| &l.platform_item_id))
            .bind(text(|l| &l.platform_sku_id))
            .bind(text(|l| &l.seller_sku_code))
            .bind(
                lines
                    .iter()
                    .map(|(_, l)| l.sku.as_deref())
                    .collect::<Vec<_>>(),
            )
            .bind(text(|l| &l.title))
            .bind(int(|l| l.quantity))
            .bind(int(|l| l.unit_price_minor))
            .bind(int(|l| l.discount_minor))
            .bind(int(|l| l.paid_minor))
            .bind(text(|l| &l.refund_state))
            .bind(text(|l| &l.platform_line_id))
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }
}

impl Tx for PgTx {
    async fn insert_new_orders(
        &mut self,
        orders: Vec<NewOrderRows<'_>>,
        actor: &str,
        at: Timestamp,
    ) -> Result<Vec<i64>> {
        if orders.is_empty() {
            return Ok(Vec::new());
        }
        // Four statements for the whole batch, each a set of arrays unnested into rows; ids come back
        // with the external id (unique among new orders) so that row order does not matter.
        let raw: Vec<&RawDocument> = orders.iter().map(|it| it.raw).collect();
        let returned = sqlx::query(
            "insert into raw_documents (shop_id, external_id, format, received_at, content_hash, body) \
             select * from unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::bytea[]) \
             returning id, external_id",
        )
        .bind(raw.iter().map(|it| it.shop.0).collect::<Vec<_>>())
        .bind(raw.iter().map(|it| it.external_id.as_str()).collect::<Vec<_>>())
        .bind(raw.iter().map(|it| it.format.as_str()).collect::<Vec<_>>())
        .bind(raw.iter().map(|it| it.received_at.unix_millis()).collect::<Vec<_>>())
        .bind(orders.iter().map(|it| it.content_hash as i64).collect::<Vec<_>>())
        .bind(raw.iter().map(|it| it.body.as_slice()).collect::<Vec<_>>())
        .fetch_all(&mut *self.0)
        .await
        .map_err(db_err)?;
        let raw_ids = ids_by_external_id(&returned)?;

        let rows: Vec<&OrderRow> = orders.iter().map(|it| &it.order).collect();
        let text = |f: fn(&OrderRow) -> &str| rows.iter().map(|it| f(it)).collect::<Vec<&str>>();
        let int = |f: fn(&OrderRow) -> i64| rows.iter().map(|it| f(it)).collect::<Vec<i64>>();
        let receiver = |i: usize| {
            rows.iter()
                .map(|it| it.receiver[i].as_str())
                .collect::<Vec<&str>>()
        };
        let mut raw_document_ids = Vec::with_capacity(rows.len());
        for row in &rows {
            raw_document_ids.push(
                *raw_ids
                    .get(row.external_id.as_str())
                    .ok_or_else(|| Error::Storage("raw document id missing".to_owned()))?,
            );
        }
        let returned = sqlx::query(
            "insert into orders (shop_id, external_id, status, holds, exception, ingested_at, version, platform_status, \
             platform_state, created_at, paid_at, updated_at, content_hash, raw_document_id, buyer_id, buyer_nick, \
             receiver_name, receiver_phone, receiver_country, province, city, district, town, detail, zip, area_code, \
             currency, goods_minor, discount_minor, shipping_minor, paid_minor, buyer_message, seller_memo, flags, tags, \
             risk_score) \
             select * from unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], \
             $7::bigint[], $8::text[], $9::text[], $10::bigint[], $11::bigint[], $12::bigint[], $13::bigint[], \
             $14::bigint[], $15::text[], $16::text[], $17::text[], $18::text[], $19::text[], $20::text[], $21::text[], \
             $22::text[], $23::text[], $24::text[], $25::text[], $26::text[], $27::text[], $28::bigint[], $29::bigint[], \
             $30::bigint[], $31::bigint[], $32::text[], $33::text[], $34::bigint[], $35::text[], $36::bigint[]) \
             returning id, external_id",
        )
        .bind(int(|it| it.shop_id))
        .bind(text(|it| &it.external_id))
        .bind(text(|it| &it.status))
        .bind(text(|it| &it.holds))
        .bind(int(|it| i64::from(it.exception)))
        .bind(int(|it| it.ingested_at))
        .bind(int(|it| it.version))
        .bind(text(|it| &it.platform_status))
        .bind(text(|it| &it.platform_state))
        .bind(int(|it| it.created_at))
        .bind(rows.iter().map(|it| it.paid_at).collect::<Vec<_>>())
        .bind(int(|it| it.updated_at))
        .bind(int(|it| it.content_hash))
        .bind(raw_document_ids)
        .bind(text(|it| &it.buyer_id))
        .bind(text(|it| &it.buyer_nick))
        .bind(receiver(0))
        .bind(receiver(1))
        .bind(receiver(2))
        .bind(receiver(3))
        .bind(receiver(4))
        .bind(receiver(5))
        .bind(receiver(6))
        .bind(receiver(7))
        .bind(receiver(8))
        .bind(receiver(9))
        .bind(text(|it| &it.currency))
        .bind(int(|it| it.amounts[0]))
        .bind(int(|it| it.amounts[1]))
        .bind(int(|it| it.amounts[2]))
        .bind(int(|it| it.amounts[3]))
        .bind(text(|it| &it.buyer_message))
        .bind(text(|it| &it.seller_memo))
        .bind(int(|it| it.flags))
        .bind(text(|it| &it.tags))
        .bind(rows.iter().map(|it| it.risk_score).collect::<Vec<_>>())
        .fetch_all(&mut *self.0)
        .await
        .map_err(db_err)?;
        let order_ids = ids_by_external_id(&returned)?;
        let mut ids = Vec::with_capacity(rows.len());
        for row in &rows {
            ids.push(
                *order_ids
                    .get(row.external_id.as_str())
                    .ok_or_else(|| Error::Storage("order id missing".to_owned()))?,
            );
        }

        let lines: Vec<(i64, &LineRow)> = ids
            .iter()
            .zip(&orders)
            .flat_map(|(id, it)| it.lines.iter().map(move |l| (*id, l)))
            .collect();
        self.write_lines(&lines, "").await?;

        sqlx::query(
            "insert into events (subject_kind, subject_id, kind, actor, at, before, after) \
             select 'order', id, 'ingest:insert', $2, $3, '', after from unnest($1::bigint[], $4::text[]) as t (id, after)",
        )
        .bind(&ids)
        .bind(actor)
        .bind(at.unix_millis())
        .bind(text(|it| &it.status))
        .execute(&mut *self.0)
        .await
        .map_err(db_err)?;
        Ok(ids)
    }

    async fn find_held_orders(
        &mut self,
        shop_id: i64,
        external_ids: &[&str],
    ) -> Result<Vec<HeldOrder>> {
        let rows = sqlx::query(
            "select id, external_id, updated_at, content_hash, status, holds, exception from orders \
             where shop_id = $1 and external_id = any($2) for update",
        )
        .bind(shop_id)
        .bind(external_ids)
        .fetch_all(&mut *self.0)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                held_order(
                    get(r, 0)?,
                    get(r, 1)?,
                    get(r, 2)?,
                    get(r, 3)?,
                    &get::<String>(r, 4)?,
                    &get::<String>(r, 5)?,
                    get::<i64>(r, 6)? != 0,
                )
            })
            .collect()
    }

    async fn lock_order(&mut self, id: i64) -> Result<Option<OrderRow>> {
        let sql = format!("select {ORDER_COLUMNS} from orders where id = $1 for update");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db_err)?;
        row.as_ref().map(order_row).transpose()
    }

    async fn order_lines(&mut self, order_id: i64) -> Result<Vec<LineRow>> {
        let sql =
            format!("select {LINE_COLUMNS} from order_lines where order_id = $1 order by line_no");
        let rows = sqlx::query(&sql)
            .bind(order_id)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter().map(line_row).collect()
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
        let row = sqlx::query("insert into raw_documents (shop_id, external_id, format, received_at, content_hash, body) values ($1, $2, $3, $4, $5, $6) returning id")
            .bind(shop_id)
            .bind(external_id)
            .bind(format)
            .bind(received_at)
            .bind(content_hash)
            .bind(body)
            .fetch_one(&mut *self.0)
            .await
            .map_err(db_err)?;
        get(&row, 0)
    }

    async fn insert_order(&mut self, row: &OrderRow) -> Result<i64> {
        let columns = ORDER_DATA_COLUMNS.join(", ");
        let marks = (1..=ORDER_DATA_COLUMNS.len() + 7)
            .map(|i| format!("${i}"))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "insert into orders (shop_id, external_id, status, holds, exception, ingested_at, version, {columns}) values ({marks}) returning id"
        );
        let q = sqlx::query(&sql)
            .bind(row.shop_id)
            .bind(&row.external_id)
            .bind(&row.status)
            .bind(&row.holds)
            .bind(i64::from(row.exception))
            .bind(row.ingested_at)
            .bind(row.version);
        let out = bind_order_data(q, row)
            .fetch_one(&mut *self.0)
            .await
            .map_err(db_err)?;
        get(&out, 0)
    }

    async fn update_order(&mut self, id: i64, row: &OrderRow) -> Result<()> {
        let sets = ORDER_DATA_COLUMNS
            .iter()
            .enumerate()
            .map(|(i, c)| format!("{c} = ${}", i + 5))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "update orders set status = $2, holds = $3, exception = $4, version = version + 1, {sets} where id = $1"
        );
        let q = sqlx::query(&sql)
            .bind(id)
            .bind(&row.status)
            .bind(&row.holds)
            .bind(i64::from(row.exception));
        bind_order_data(q, row)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn insert_lines(&mut self, order_id: i64, lines: &[LineRow]) -> Result<()> {
        // A new order has no lines yet: the upsert inserts them all, in one statement.
        self.upsert_lines(order_id, lines).await
    }

    async fn upsert_lines(&mut self, order_id: i64, lines: &[LineRow]) -> Result<()> {
        let lines: Vec<(i64, &LineRow)> = lines.iter().map(|it| (order_id, it)).collect();
        self.write_lines(
            &lines,
            "on conflict (order_id, line_no) do update set platform_item_id = excluded.platform_item_id, \
             platform_sku_id = excluded.platform_sku_id, seller_sku_code = excluded.seller_sku_code, sku = excluded.sku, \
             title = excluded.title, quantity = excluded.quantity, unit_price_minor = excluded.unit_price_minor, \
             discount_minor = excluded.discount_minor, paid_minor = excluded.paid_minor, refund_state = excluded.refund_state, \
             platform_line_id = excluded.platform_line_id",
        )
        .await
    }

    async fn delete_lines_after(&mut self, order_id: i64, last_line_no: i64) -> Result<()> {
        sqlx::query("delete from order_lines where order_id = $1 and line_no > $2 and planned = 0 and shipped = 0")
            .bind(order_id)
            .bind(last_line_no)
            .execute(&mut *self.0)
            .await
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
        let done = sqlx::query("update orders set status = $3, holds = $4, exception = $5, version = version + 1 where id = $1 and version = $2")
            .bind(id)
            .bind(expected_version)
            .bind(status)
            .bind(holds)
            .bind(i64::from(exception))
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn append_event(&mut self, e: NewEvent<'_>) -> Result<()> {
        sqlx::query("insert into events (subject_kind, subject_id, kind, actor, at, before, after, note) values ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(e.subject_kind)
            .bind(e.subject_id)
            .bind(e.kind)
            .bind(e.actor)
            .bind(e.at.unix_millis())
            .bind(e.before)
            .bind(e.after)
            .bind(e.note)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn set_cursor(&mut self, shop_id: i64, stream: &str, value: &str, at: i64) -> Result<()> {
        sqlx::query(
            "insert into sync_cursors (shop_id, stream, value, updated_at) values ($1, $2, $3, $4) \
             on conflict (shop_id, stream) do update set value = excluded.value, updated_at = excluded.updated_at",
        )
        .bind(shop_id)
        .bind(stream)
        .bind(value)
        .bind(at)
        .execute(&mut *self.0)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn lock_stock(&mut self, warehouse: &str, sku: &str) -> Result<(i64, StockLevel)> {
        sqlx::query(
            "insert into stock (warehouse, sku, on_hand, reserved, safety, allow_oversell) \
             values ($1, $2, 0, 0, 0, coalesce((select allow_oversell from warehouses where code = $1), 0)) \
             on conflict (warehouse, sku) do nothing",
        )
        .bind(warehouse)
        .bind(sku)
        .execute(&mut *self.0)
        .await
        .map_err(db_err)?;
        let row = sqlx::query("select on_hand, reserved, safety, allow_oversell, id from stock where warehouse = $1 and sku = $2 for update")
            .bind(warehouse)
            .bind(sku)
            .fetch_one(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok((get(&row, 4)?, stock_level(&row)?))
    }

    async fn lock_stock_by_id(&mut self, stock_id: i64) -> Result<StockLevel> {
        let row = sqlx::query(
            "select on_hand, reserved, safety, allow_oversell from stock where id = $1 for update",
        )
        .bind(stock_id)
        .fetch_one(&mut *self.0)
        .await
        .map_err(db_err)?;
        stock_level(&row)
    }

    async fn write_stock(&mut self, stock_id: i64, level: StockLevel) -> Result<()> {
        sqlx::query("update stock set on_hand = $2, reserved = $3, safety = $4 where id = $1")
            .bind(stock_id)
            .bind(level.on_hand)
            .bind(level.reserved)
            .bind(level.safety)
            .execute(&mut *self.0)
            .await
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
        sqlx::query("insert into stock_ledger (stock_id, kind, quantity, reference, at) values ($1, $2, $3, $4, $5)")
            .bind(stock_id)
            .bind(kind)
            .bind(quantity)
            .bind(reference)
            .bind(at)
            .execute(&mut *self.0)
            .await
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
            "update reservations set quantity = quantity + $4 where order_id = $1 and line_no = $2 and stock_id = $3"
        } else {
            "insert into reservations (order_id, line_no, stock_id, quantity) values ($1, $2, $3, $4) \
             on conflict (order_id, line_no, stock_id) do update set quantity = reservations.quantity + excluded.quantity"
        };
        sqlx::query(sql)
            .bind(order_id)
            .bind(line_no)
            .bind(stock_id)
            .bind(quantity)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn reservations(
        &mut self,
        order_id: i64,
        line: Option<(i64, &str)>,
    ) -> Result<Vec<(i64, i64, i64)>> {
        let (line_no, warehouse) = match line {
            Some((line_no, warehouse)) => (Some(line_no), Some(warehouse)),
            None => (None, None),
        };
        let rows = sqlx::query(
            "select r.line_no, r.stock_id, r.quantity from reservations r join stock s on s.id = r.stock_id \
             where r.order_id = $1 and r.quantity > 0 and ($2::bigint is null or (r.line_no = $2 and s.warehouse = $3)) \
             order by r.line_no, r.stock_id",
        )
        .bind(order_id)
        .bind(line_no)
        .bind(warehouse)
        .fetch_all(&mut *self.0)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
            .collect()
    }

    async fn lock_line(&mut self, order_id: i64, line_no: i64) -> Result<Option<LineCounts>> {
        let row = sqlx::query("select quantity, planned, shipped from order_lines where order_id = $1 and line_no = $2 for update")
            .bind(order_id)
            .bind(line_no)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db_err)?;
        row.map(|r| {
            Ok(LineCounts {
                quantity: get(&r, 0)?,
                planned: get(&r, 1)?,
                shipped: get(&r, 2)?,
            })
        })
        .transpose()
    }

    async fn set_line_counts(
        &mut self,
        order_id: i64,
        line_no: i64,
        planned: i64,
        shipped: i64,
    ) -> Result<()> {
        sqlx::query("update order_lines set planned = $3, shipped = $4 where order_id = $1 and line_no = $2")
            .bind(order_id)
            .bind(line_no)
            .bind(planned)
            .bind(shipped)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn insert_shipment(&mut self, row: &ShipmentRow, merge_key: Option<&str>) -> Result<i64> {
        let out = sqlx::query(
            "insert into shipments (warehouse, carrier, status, holder, lease_until, tracking_no, version, created_at, merge_key) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9) returning id",
        )
        .bind(&row.warehouse)
        .bind(&row.carrier)
        .bind(&row.status)
        .bind(&row.holder)
        .bind(row.lease_until)
        .bind(&row.tracking_no)
        .bind(row.version)
        .bind(row.created_at)
        .bind(merge_key)
        .fetch_one(&mut *self.0)
        .await
        .map_err(db_err)?;
        get(&out, 0)
    }

    async fn insert_shipment_line(
        &mut self,
        shipment_id: i64,
        order_id: i64,
        line_no: i64,
        quantity: i64,
    ) -> Result<()> {
        sqlx::query("insert into shipment_lines (shipment_id, order_id, line_no, quantity) values ($1, $2, $3, $4)")
            .bind(shipment_id)
            .bind(order_id)
            .bind(line_no)
            .bind(quantity)
            .execute(&mut *self.0)
            .await
            .map_err(|err| match db_err(err) {
                Error::Conflict(_) => Error::invalid("lines", format!("line {line_no} of order {order_id} appears twice in the shipment")),
                err => err,
            })?;
        Ok(())
    }

    async fn lock_shipment(&mut self, id: i64) -> Result<Option<ShipmentRow>> {
        let sql = format!("select {SHIPMENT_COLUMNS} from shipments where id = $1 for update");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db_err)?;
        row.as_ref().map(shipment_row).transpose()
    }

    async fn shipment_lines(&mut self, id: i64) -> Result<Vec<(i64, i64, i64)>> {
        let rows = sqlx::query("select order_id, line_no, quantity from shipment_lines where shipment_id = $1 order by order_id, line_no")
            .bind(id)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
            .collect()
    }

    async fn update_shipment(&mut self, row: &ShipmentRow, expected_version: i64) -> Result<bool> {
        let done = sqlx::query(
            "update shipments set status = $3, holder = $4, lease_until = $5, tracking_no = $6, version = $7, carrier = $8 \
             where id = $1 and version = $2",
        )
        .bind(row.id)
        .bind(expected_version)
        .bind(&row.status)
        .bind(&row.holder)
        .bind(row.lease_until)
        .bind(&row.tracking_no)
        .bind(row.version)
        .bind(&row.carrier)
        .execute(&mut *self.0)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn queue_stock_push(&mut self, stock_id: i64, at: i64) -> Result<()> {
        sqlx::query(
            "insert into outbox (topic, key, payload, created_at, due_at) \
             select 'stock.push', s.sku, ''::bytea, $2, $2 from stock s where s.id = $1 and not exists \
             (select 1 from outbox o where o.topic = 'stock.push' and o.key = s.sku and o.delivered_at is null)",
        )
        .bind(stock_id)
        .bind(at)
        .execute(&mut *self.0)
        .await
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
        let seen = sqlx::query("select 1 from stream_documents where shop_id = $1 and stream = $2 and external_id = $3 and content_hash = $4")
            .bind(shop_id)
            .bind(stream)
            .bind(id)
            .bind(content_hash)
            .fetch_optional(&mut *self.0)
            .await
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
        sqlx::query("insert into stream_documents (shop_id, stream, external_id, content_hash, raw_document_id) values ($1, $2, $3, $4, $5)")
            .bind(shop_id)
            .bind(stream)
            .bind(id)
            .bind(content_hash)
            .bind(raw)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(true)
    }

    async fn insert_decision(
        &mut self,
        order_id: i64,
        at: Timestamp,
        record: &app::DecisionRecord,
    ) -> Result<()> {
        sqlx::query("insert into decisions (order_id, rule_set, at, local_minute, weekday, waived, stock, outcome, explanation, at_capacity) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(order_id)
            .bind(i64::from(record.rule_set))
            .bind(at.unix_millis())
            .bind(i64::from(record.local_time.minute_of_day))
            .bind(i64::from(record.local_time.weekday))
            .bind(crate::rows::waived_text(&record.waived))
            .bind(&record.stock)
            .bind(&record.outcome)
            .bind(&record.explanation)
            .bind(crate::rows::codes_text(&record.full))
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn find_merge_target(
        &mut self,
        merge_key: &str,
        warehouse: &str,
        carrier: Option<&str>,
    ) -> Result<Option<i64>> {
        let row = sqlx::query("select id from shipments where merge_key = $1 and warehouse = $2 and carrier is not distinct from $3 and status = 'allocated' order by id desc limit 1 for update")
            .bind(merge_key)
            .bind(warehouse)
            .bind(carrier)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| get(r, 0)).transpose()
    }

    async fn allocated_shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("select distinct s.id from shipment_lines l join shipments s on s.id = l.shipment_id where l.order_id = $1 and s.status = 'allocated' order by s.id")
            .bind(order_id)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| get(r, 0)).collect()
    }

    async fn remove_order_lines(
        &mut self,
        shipment_id: i64,
        order_id: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query("delete from shipment_lines where shipment_id = $1 and order_id = $2 returning line_no, quantity")
            .bind(shipment_id)
            .bind(order_id)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| Ok((get(r, 0)?, get(r, 1)?))).collect()
    }

    async fn open_shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("select distinct s.id from shipment_lines l join shipments s on s.id = l.shipment_id where l.order_id = $1 and s.status not in ('shipped', 'delivered', 'voided') order by s.id")
            .bind(order_id)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| get(r, 0)).collect()
    }

    async fn shipments_of(&mut self, order_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("select distinct shipment_id from shipment_lines where order_id = $1 order by shipment_id")
            .bind(order_id)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| get(r, 0)).collect()
    }

    async fn remove_shipment_line(
        &mut self,
        shipment_id: i64,
        order_id: i64,
        line_no: i64,
    ) -> Result<()> {
        sqlx::query(
            "delete from shipment_lines where shipment_id = $1 and order_id = $2 and line_no = $3",
        )
        .bind(shipment_id)
        .bind(order_id)
        .bind(line_no)
        .execute(&mut *self.0)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn set_line_refund(&mut self, order_id: i64, line_no: i64, state: &str) -> Result<()> {
        sqlx::query(
            "update order_lines set refund_state = $3 where order_id = $1 and line_no = $2",
        )
        .bind(order_id)
        .bind(line_no)
        .bind(state)
        .execute(&mut *self.0)
        .await
        .map_err(db_err)?;
        sqlx::query("update orders set version = version + 1 where id = $1")
            .bind(order_id)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn open_shipment_ids(&mut self, warehouse: Option<&str>, limit: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("select id from shipments where status in ('allocated', 'released', 'claimed', 'picked', 'packed', 'intercepted') and ($1::text is null or warehouse = $1) order by id limit $2")
            .bind(warehouse)
            .bind(limit)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| get(r, 0)).collect()
    }

    async fn lapsed_claims(&mut self, now: i64) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query("select id, version from shipments where status in ('claimed', 'picked', 'packed') and lease_until <= $1 order by id")
            .bind(now)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| Ok((get(r, 0)?, get(r, 1)?))).collect()
    }

    async fn shipment_with_tracking(&mut self, tracking: &str) -> Result<Option<i64>> {
        let row = sqlx::query("select id from shipments where tracking_no = $1 limit 1")
            .bind(tracking)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| get(r, 0)).transpose()
    }

    async fn find_after_sale(&mut self, order_id: i64, external_id: &str) -> Result<Option<i64>> {
        let row =
            sqlx::query("select id from after_sales where order_id = $1 and external_id = $2")
                .bind(order_id)
                .bind(external_id)
                .fetch_optional(&mut *self.0)
                .await
                .map_err(db_err)?;
        row.as_ref().map(|r| get(r, 0)).transpose()
    }

    async fn insert_after_sale(&mut self, row: &AfterSaleRow, at: i64) -> Result<i64> {
        let out = sqlx::query(
            "insert into after_sales (order_id, external_id, kind, status, reason, refund_minor, currency, replacement_order_id, created_at, updated_at, version) \
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) returning id",
        )
        .bind(row.order_id)
        .bind(&row.external_id)
        .bind(&row.kind)
        .bind(&row.status)
        .bind(&row.reason)
        .bind(row.refund_minor)
        .bind(&row.currency)
        .bind(row.replacement_order_id)
        .bind(at)
        .bind(row.version)
        .fetch_one(&mut *self.0)
        .await
        .map_err(db_err)?;
        get(&out, 0)
    }

    async fn insert_after_sale_line(
        &mut self,
        after_sale_id: i64,
        line_no: i64,
        quantity: i64,
        refund_minor: i64,
    ) -> Result<()> {
        sqlx::query("insert into after_sale_lines (after_sale_id, line_no, quantity, refund_minor) values ($1, $2, $3, $4)")
            .bind(after_sale_id)
            .bind(line_no)
            .bind(quantity)
            .bind(refund_minor)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn lock_after_sale(&mut self, id: i64) -> Result<Option<AfterSaleRow>> {
        let sql = format!("select {AFTER_SALE_COLUMNS} from after_sales where id = $1 for update");
        let row = sqlx::query(&sql)
            .bind(id)
            .fetch_optional(&mut *self.0)
            .await
            .map_err(db_err)?;
        row.as_ref()
            .map(|r| {
                Ok(AfterSaleRow {
                    id: get(r, 0)?,
                    order_id: get(r, 1)?,
                    external_id: get(r, 2)?,
                    kind: get(r, 3)?,
                    status: get(r, 4)?,
                    reason: get(r, 5)?,
                    refund_minor: get(r, 6)?,
                    currency: get(r, 7)?,
                    replacement_order_id: get(r, 8)?,
                    version: get(r, 9)?,
                })
            })
            .transpose()
    }

    async fn after_sale_lines(&mut self, id: i64) -> Result<Vec<(i64, i64, i64)>> {
        let rows = sqlx::query("select line_no, quantity, refund_minor from after_sale_lines where after_sale_id = $1 order by line_no")
            .bind(id)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
            .collect()
    }

    async fn update_after_sale(
        &mut self,
        id: i64,
        expected_version: i64,
        status: &str,
        replacement_order_id: Option<i64>,
        at: i64,
    ) -> Result<bool> {
        let done = sqlx::query("update after_sales set status = $3, replacement_order_id = $4, updated_at = $5, version = version + 1 where id = $1 and version = $2")
            .bind(id)
            .bind(expected_version)
            .bind(status)
            .bind(replacement_order_id)
            .bind(at)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn after_sale_ids(&mut self, order_id: Option<i64>, open_only: bool) -> Result<Vec<i64>> {
        let rows = sqlx::query("select id from after_sales where ($1::bigint is null or order_id = $1) and (not $2 or status in ('requested', 'approved', 'received')) order by id")
            .bind(order_id)
            .bind(open_only)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter().map(|r| get(r, 0)).collect()
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
        sqlx::query("insert into money_ledger (order_id, kind, amount_minor, currency, reference, at) values ($1, $2, $3, $4, $5, $6)")
            .bind(order_id)
            .bind(kind)
            .bind(amount_minor)
            .bind(currency)
            .bind(reference)
            .bind(at)
            .execute(&mut *self.0)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn money_rows(&mut self, order_id: i64) -> Result<Vec<app::MoneyEntry>> {
        let rows = sqlx::query("select kind, amount_minor, currency, reference, at from money_ledger where order_id = $1 order by id")
            .bind(order_id)
            .fetch_all(&mut *self.0)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let currency: String = get(r, 2)?;
                let currency = domain::Currency::new(&currency)
                    .map_err(|_| crate::rows::corrupt("currency", &currency))?;
                Ok(app::MoneyEntry {
                    kind: get(r, 0)?,
                    amount: domain::Money::new(get(r, 1)?, currency),
                    reference: get(r, 3)?,
                    at: Timestamp::from_unix_millis(get(r, 4)?),
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
        let row = sqlx::query("insert into outbox (topic, key, payload, created_at, due_at) values ($1, $2, $3, $4, $4) returning id")
            .bind(topic)
            .bind(key)
            .bind(payload)
            .bind(at)
            .fetch_one(&mut *self.0)
            .await
            .map_err(db_err)?;
        get(&row, 0)
    }
}

/// `returning id, external_id` rows as a map from external id to id.
fn ids_by_external_id(rows: &[PgRow]) -> Result<std::collections::HashMap<String, i64>> {
    rows.iter()
        .map(|r| Ok((get::<String>(r, 1)?, get::<i64>(r, 0)?)))
        .collect()
}

fn into_shop(r: &PgRow) -> Result<Shop> {
    let channel: String = get(r, 2)?;
    let channel = ChannelKind::parse(&channel).ok_or_else(|| corrupt("channel", &channel))?;
    Ok(Shop {
        id: ShopId(get(r, 0)?),
        code: get(r, 1)?,
        channel,
        name: get(r, 3)?,
    })
}

#[async_trait::async_trait]
impl Store for PostgresStore {
    async fn ensure_shop(&self, code: &str, channel: ChannelKind, name: &str) -> Result<Shop> {
        sqlx::query("insert into shops (code, channel, name) values ($1, $2, $3) on conflict (code) do nothing")
            .bind(code)
            .bind(channel.as_str())
            .bind(name)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        let row = sqlx::query("select id, code, channel, name from shops where code = $1")
            .bind(code)
            .fetch_one(&self.pool)
            .await
            .map_err(db_err)?;
        into_shop(&row)
    }

    async fn shops(&self) -> Result<Vec<Shop>> {
        let rows = sqlx::query("select id, code, channel, name from shops order by id")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(into_shop).collect()
    }

    async fn ingest_batch(&self, batch: IngestBatch) -> Result<IngestReport> {
        in_tx!(self, |tx| logic::ingest(&mut tx, batch))
    }

    async fn load_order(&self, id: OrderId) -> Result<Order> {
        in_tx!(self, |tx| logic::load_order(&mut tx, id.0))
    }

    async fn find_order(&self, shop: ShopId, external_id: &ExternalId) -> Result<Option<Order>> {
        let row = sqlx::query("select id from orders where shop_id = $1 and external_id = $2")
            .bind(shop.0)
            .bind(external_id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        match row {
            Some(row) => Ok(Some(self.load_order(OrderId(get(&row, 0)?)).await?)),
            None => Ok(None),
        }
    }

    async fn search_orders(&self, q: &OrderQuery) -> Result<Vec<OrderSummary>> {
        let (sql, values) = rows::search_sql(q, true);
        let mut query = sqlx::query(&sql);
        for value in values {
            query = match value {
                rows::SearchValue::Int(n) => query.bind(n),
                rows::SearchValue::Text(t) => query.bind(t),
            };
        }
        let rows = query.fetch_all(&self.pool).await.map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(OrderSummary {
                    id: OrderId(get(r, 0)?),
                    shop: ShopId(get(r, 1)?),
                    external_id: ExternalId::new(get::<String>(r, 2)?)
                        .map_err(|err| corrupt("external id", err))?,
                    status: parse_status(&get::<String>(r, 3)?)?,
                    created_at: Timestamp::from_unix_millis(get(r, 4)?),
                    receiver_name: get(r, 5)?,
                    paid_minor: get(r, 6)?,
                    currency: get(r, 7)?,
                })
            })
            .collect()
    }

    async fn raw_document(&self, id: OrderId) -> Result<RawDocument> {
        let row = sqlx::query(
            "select d.shop_id, d.external_id, d.received_at, d.format, d.body from orders o \
             join raw_documents d on d.id = o.raw_document_id where o.id = $1",
        )
        .bind(id.0)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(r) = row else {
            return Err(Error::NotFound(format!("order {id}")));
        };
        Ok(RawDocument {
            shop: ShopId(get(&r, 0)?),
            external_id: ExternalId::new(get::<String>(&r, 1)?)
                .map_err(|err| corrupt("external id", err))?,
            received_at: Timestamp::from_unix_millis(get(&r, 2)?),
            format: get(&r, 3)?,
            body: get(&r, 4)?,
        })
    }

    async fn count_orders(&self) -> Result<Vec<(OrderStatus, u64)>> {
        let rows =
            sqlx::query("select status, count(*) from orders group by status order by status")
                .fetch_all(&self.pool)
                .await
                .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok((
                    parse_status(&get::<String>(r, 0)?)?,
                    get::<i64>(r, 1)? as u64,
                ))
            })
            .collect()
    }

    async fn record_rejects(&self, rejects: &[NewReject]) -> Result<()> {
        if rejects.is_empty() {
            return Ok(());
        }
        let mut tx = self.begin().await?;
        for r in rejects {
            sqlx::query(UPSERT_REJECT)
                .bind(r.shop.0)
                .bind(&r.source)
                .bind(&r.external_ref)
                .bind(&r.format)
                // Stored as the same 64 bits, read as signed.
                .bind(domain::content_hash(&r.raw) as i64)
                .bind(&r.raw)
                .bind(&r.field)
                .bind(&r.reason)
                .bind(r.at.unix_millis())
                .execute(&mut *tx.0)
                .await
                .map_err(db_err)?;
        }
        tx.commit().await
    }

    async fn open_rejects(
        &self,
        shop: Option<ShopId>,
        after: Option<i64>,
        limit: u32,
    ) -> Result<Vec<Reject>> {
        let rows = sqlx::query(&format!(
            "select {REJECT_COLUMNS} from rejects where resolved_at is null \
             and ($1::bigint is null or shop_id = $1) and ($2::bigint is null or id > $2) order by id limit $3"
        ))
        .bind(shop.map(|it| it.0))
        .bind(after)
        .bind(i64::from(limit.min(1000)))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| reject_row(r)?.into_reject()).collect()
    }

    async fn resolve_reject(&self, id: i64, at: Timestamp) -> Result<()> {
        let done = sqlx::query(
            "update rejects set resolved_at = $2 where id = $1 and resolved_at is null",
        )
        .bind(id)
        .bind(at.unix_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        if done.rows_affected() == 1 {
            return Ok(());
        }
        let exists = sqlx::query("select 1 from rejects where id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        Err(unresolvable_reject(id, exists.is_some()))
    }

    async fn order_documents(
        &self,
        shop: ShopId,
        since: Timestamp,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<(OrderId, RawDocument)>> {
        let rows = sqlx::query(
            "select o.id, d.shop_id, d.external_id, d.received_at, d.format, d.body from orders o \
             join raw_documents d on d.id = o.raw_document_id \
             where o.shop_id = $1 and o.ingested_at >= $2 and o.id > $3 order by o.id limit $4",
        )
        .bind(shop.0)
        .bind(since.unix_millis())
        .bind(after.map_or(0, |it| it.0))
        .bind(i64::from(limit.min(1000)))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let external_id = ExternalId::new(get::<String>(r, 2)?)
                    .map_err(|err| corrupt("external id", err))?;
                let raw = RawDocument {
                    shop: ShopId(get(r, 1)?),
                    external_id,
                    received_at: Timestamp::from_unix_millis(get(r, 3)?),
                    format: get(r, 4)?,
                    body: get(r, 5)?,
                };
                Ok((OrderId(get(r, 0)?), raw))
            })
            .collect()
    }

    async fn rederive_orders(
        &self,
        items: Vec<(OrderId, StandardOrder)>,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<u32> {
        in_tx!(self, |tx| logic::rederive(&mut tx, &items, actor, at))
    }

    async fn put_sku(&self, sku: &SkuDefinition) -> Result<()> {
        let mut tx = self.begin().await?;
        for component in &sku.components {
            let known = sqlx::query("select 1 from skus where code = $1")
                .bind(component.sku.as_str())
                .fetch_optional(&mut *tx.0)
                .await
                .map_err(db_err)?;
            if known.is_none() {
                return Err(Error::invalid(
                    "components",
                    format!("{} is not a known SKU", component.sku),
                ));
            }
        }
        sqlx::query(
            "insert into skus (code, name, category, weight_grams, bonded, presale) values ($1, $2, $3, $4, $5, $6) \
             on conflict (code) do update set name = excluded.name, category = excluded.category, \
             weight_grams = excluded.weight_grams, bonded = excluded.bonded, presale = excluded.presale",
        )
            .bind(sku.code.as_str())
            .bind(&sku.name)
            .bind(&sku.category)
            .bind(i64::from(sku.weight_grams))
            .bind(i64::from(sku.bonded))
            .bind(i64::from(sku.presale))
            .execute(&mut *tx.0)
            .await
            .map_err(db_err)?;
        sqlx::query("delete from sku_components where combo = $1")
            .bind(sku.code.as_str())
            .execute(&mut *tx.0)
            .await
            .map_err(db_err)?;
        for component in &sku.components {
            sqlx::query(
                "insert into sku_components (combo, component, quantity) values ($1, $2, $3)",
            )
            .bind(sku.code.as_str())
            .bind(component.sku.as_str())
            .bind(i64::from(component.quantity.get()))
            .execute(&mut *tx.0)
            .await
            .map_err(db_err)?;
        }
        tx.commit().await
    }

    async fn map_shop_sku(&self, shop: ShopId, key: &ShopSkuKey, sku: &SkuCode) -> Result<()> {
        let known = sqlx::query("select 1 from skus where code = $1")
            .bind(sku.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        if known.is_none() {
            return Err(Error::invalid("sku", format!("{sku} is not a known SKU")));
        }
        let (kind, key) = sku_key_parts(key);
        sqlx::query("insert into shop_skus (shop_id, key_kind, key, sku) values ($1, $2, $3, $4) on conflict (shop_id, key_kind, key) do update set sku = excluded.sku")
            .bind(shop.0)
            .bind(kind)
            .bind(key)
            .bind(sku.as_str())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn sku_map(&self) -> Result<SkuMap> {
        let skus = sqlx::query("select code from skus")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let skus = skus
            .iter()
            .map(|r| get::<String>(r, 0))
            .collect::<Result<Vec<_>>>()?;
        let components = sqlx::query("select combo, component, quantity from sku_components")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let components = components
            .iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
            .collect::<Result<Vec<_>>>()?;
        let keys = sqlx::query("select shop_id, key_kind, key, sku from shop_skus")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let keys = keys
            .iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?, get(r, 3)?)))
            .collect::<Result<Vec<_>>>()?;
        build_sku_map(skus, components, keys)
    }

    async fn catalog(&self) -> Result<Vec<SkuDefinition>> {
        let rows = sqlx::query(
            "select combo, component, quantity from sku_components order by combo, component",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let components = rows
            .iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
            .collect::<Result<Vec<_>>>()?;
        let rows = sqlx::query(
            "select code, name, category, weight_grams, bonded, presale from skus order by code",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let skus = rows
            .iter()
            .map(|r| {
                Ok((
                    get(r, 0)?,
                    get(r, 1)?,
                    get(r, 2)?,
                    get(r, 3)?,
                    get::<i64>(r, 4)? != 0,
                    get::<i64>(r, 5)? != 0,
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        crate::rows::catalog(skus, components)
    }

    async fn set_line_skus(&self, order: OrderId, skus: &[(u32, Option<SkuCode>)]) -> Result<()> {
        let line_nos: Vec<i64> = skus.iter().map(|(it, _)| i64::from(*it)).collect();
        let codes: Vec<Option<&str>> = skus
            .iter()
            .map(|(_, it)| it.as_ref().map(SkuCode::as_str))
            .collect();
        sqlx::query("update order_lines l set sku = t.sku from unnest($2::bigint[], $3::text[]) as t (line_no, sku) where l.order_id = $1 and l.line_no = t.line_no")
            .bind(order.0)
            .bind(line_nos)
            .bind(codes)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn unknown_skus(&self) -> Result<Vec<UnknownSku>> {
        let rows = sqlx::query(UNKNOWN_SKUS)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| unknown_sku((get(r, 0)?, get(r, 1)?, get(r, 2)?, get(r, 3)?, get(r, 4)?)))
            .collect()
    }

    async fn apply_order_event(
        &self,
        id: OrderId,
        expected_version: u64,
        event: OrderEvent,
        actor: &Actor,
        at: Timestamp,
    ) -> Result<Order> {
        in_tx!(self, |tx| logic::apply_order_event(
            &mut tx,
            id.0,
            expected_version,
            event,
            actor,
            at
        ))
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
        in_tx!(self, |tx| logic::apply_noted_event(
            &mut tx,
            id.0,
            expected_version,
            OrderEvent::Release(reason),
            note,
            actor,
            at
        ))
    }

    async fn load_orders(&self, ids: &[OrderId]) -> Result<Vec<Order>> {
        in_tx!(self, |tx| logic::load_orders(&mut tx, ids))
    }

    async fn apply_routing(&self, batch: &RoutingBatch) -> Result<Vec<ShipmentId>> {
        in_tx!(self, |tx| logic::apply_routing(&mut tx, batch))
    }

    async fn decisions(&self, order: OrderId) -> Result<Vec<StoredDecision>> {
        let sql =
            format!("select {DECISION_COLUMNS} from decisions where order_id = $1 order by id");
        let rows = sqlx::query(&sql)
            .bind(order.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(stored_decision).collect()
    }

    async fn latest_decisions(
        &self,
        since: Timestamp,
        after: Option<OrderId>,
        limit: u32,
    ) -> Result<Vec<StoredDecision>> {
        let sql = format!(
            "select {DECISION_COLUMNS} from decisions where id in \
             (select max(id) from decisions where at >= $1 and order_id > $2 group by order_id) \
             order by order_id limit $3"
        );
        let rows = sqlx::query(&sql)
            .bind(since.unix_millis())
            .bind(after.map_or(0, |it| it.0))
            .bind(i64::from(limit.min(10_000)))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(stored_decision).collect()
    }

    async fn save_rule_set(&self, body: &str, actor: &Actor, at: Timestamp) -> Result<u32> {
        let mut tx = self.begin().await?;
        sqlx::query("lock table rule_sets in exclusive mode")
            .execute(&mut *tx.0)
            .await
            .map_err(db_err)?;
        let latest =
            sqlx::query("select version, body from rule_sets order by version desc limit 1")
                .fetch_optional(&mut *tx.0)
                .await
                .map_err(db_err)?;
        let latest: Option<(i64, String)> = latest
            .as_ref()
            .map(|r| Ok::<_, Error>((get(r, 0)?, get(r, 1)?)))
            .transpose()?;
        let version = match latest {
            Some((version, text)) if text == body => version,
            latest => {
                let version = latest.map_or(1, |(v, _)| v + 1);
                let actor = actor.to_string();
                sqlx::query("insert into rule_sets (version, body, actor, created_at) values ($1, $2, $3, $4)")
                    .bind(version)
                    .bind(body)
                    .bind(&actor)
                    .bind(at.unix_millis())
                    .execute(&mut *tx.0)
                    .await
                    .map_err(db_err)?;
                let after = format!("version {version}");
                tx.append_event(NewEvent {
                    subject_kind: "rules",
                    subject_id: version,
                    kind: "rules:save",
                    actor: &actor,
                    at,
                    before: "",
                    after: &after,
                    note: "",
                })
                .await?;
                version
            }
        };
        tx.commit().await?;
        u32::try_from(version).map_err(|_| Error::Storage(format!("rule set version {version}")))
    }

    async fn rule_set(&self, version: Option<u32>) -> Result<Option<(u32, String)>> {
        let row = match version {
            Some(v) => {
                sqlx::query("select version, body from rule_sets where version = $1")
                    .bind(i64::from(v))
                    .fetch_optional(&self.pool)
                    .await
            }
            None => {
                sqlx::query("select version, body from rule_sets order by version desc limit 1")
                    .fetch_optional(&self.pool)
                    .await
            }
        }
        .map_err(db_err)?;
        row.as_ref()
            .map(|r| Ok((get::<i64>(r, 0)? as u32, get(r, 1)?)))
            .transpose()
    }

    async fn order_events(&self, id: OrderId) -> Result<Vec<EventRecord>> {
        let rows = sqlx::query("select id, subject_kind, subject_id, kind, actor, at, before, after, note from events where subject_kind = 'order' and subject_id = $1 order by id")
            .bind(id.0)
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                Ok(EventRecord {
                    id: get(r, 0)?,
                    subject_kind: get(r, 1)?,
                    subject_id: get(r, 2)?,
                    kind: get(r, 3)?,
                    actor: get(r, 4)?,
                    at: Timestamp::from_unix_millis(get(r, 5)?),
                    before: get(r, 6)?,
                    after: get(r, 7)?,
                    note: get(r, 8)?,
                })
            })
            .collect()
    }

    async fn put_warehouse(&self, w: &Warehouse) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query(
            "insert into warehouses (code, name, kind, area_code, allow_oversell) values ($1, $2, $3, $4, $5) \
             on conflict (code) do update set name = excluded.name, kind = excluded.kind, area_code = excluded.area_code, \
             allow_oversell = excluded.allow_oversell",
        )
        .bind(w.code.as_str())
        .bind(&w.name)
        .bind(w.kind.as_str())
        .bind(&w.area_code)
        .bind(i64::from(w.allow_oversell))
        .execute(&mut *tx.0)
        .await
        .map_err(db_err)?;
        sqlx::query("update stock set allow_oversell = $2 where warehouse = $1")
            .bind(w.code.as_str())
            .bind(i64::from(w.allow_oversell))
            .execute(&mut *tx.0)
            .await
            .map_err(db_err)?;
        tx.commit().await
    }

    async fn stock_level(&self, warehouse: &WarehouseCode, sku: &SkuCode) -> Result<StockLevel> {
        let row = sqlx::query("select on_hand, reserved, safety, allow_oversell from stock where warehouse = $1 and sku = $2")
            .bind(warehouse.as_str())
            .bind(sku.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref()
            .map(stock_level)
            .transpose()
            .map(|it| it.unwrap_or(StockLevel::EMPTY))
    }

    async fn shipments_since(&self, since: Timestamp) -> Result<Vec<(WarehouseCode, u64)>> {
        let rows = sqlx::query("select warehouse, count(*) from shipments where created_at >= $1 and status <> 'voided' group by warehouse order by warehouse")
            .bind(since.unix_millis())
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let rows = rows
            .iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?)))
            .collect::<Result<Vec<_>>>()?;
        crate::rows::loads(rows)
    }

    async fn stock_levels(&self) -> Result<Vec<(WarehouseCode, SkuCode, StockLevel)>> {
        let rows = sqlx::query("select warehouse, sku, on_hand, reserved, safety, allow_oversell from stock order by warehouse, sku")
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        let rows = rows
            .iter()
            .map(|r| {
                Ok((
                    get(r, 0)?,
                    get(r, 1)?,
                    StockLevel {
                        on_hand: get(r, 2)?,
                        reserved: get(r, 3)?,
                        safety: get(r, 4)?,
                        allow_oversell: get::<i64>(r, 5)? != 0,
                    },
                ))
            })
            .collect::<Result<Vec<_>>>()?;
        crate::rows::stock_rows(rows)
    }

    async fn receive_stock(
        &self,
        warehouse: &WarehouseCode,
        sku: &SkuCode,
        quantity: Quantity,
        reference: &str,
        at: Timestamp,
    ) -> Result<StockLevel> {
        in_tx!(self, |tx| logic::receive_stock(
            &mut tx,
            warehouse.as_str(),
            sku.as_str(),
            quantity,
            reference,
            at
        ))
    }

    async fn reserve_stock(
        &self,
        order: OrderId,
        requests: &[StockRequest],
        at: Timestamp,
    ) -> Result<()> {
        in_tx!(self, |tx| logic::reserve_stock(
            &mut tx, order.0, requests, at
        ))
    }

    async fn release_stock(&self, order: OrderId, at: Timestamp) -> Result<u64> {
        in_tx!(self, |tx| logic::release_stock(&mut tx, order.0, at))
    }

    async fn stock_ledger(
        &self,
        warehouse: &WarehouseCode,
        sku: &SkuCode,
    ) -> Result<Vec<(String, i64, String)>> {
        let rows = sqlx::query(
            "select l.kind, l.quantity, l.reference from stock_ledger l join stock s on s.id = l.stock_id \
             where s.warehouse = $1 and s.sku = $2 order by l.id",
        )
        .bind(warehouse.as_str())
        .bind(sku.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?)))
            .collect()
    }

    async fn create_shipment(&self, shipment: &NewShipment, at: Timestamp) -> Result<Shipment> {
        in_tx!(self, |tx| logic::create_shipment(&mut tx, shipment, at))
    }

    async fn load_shipment(&self, id: ShipmentId) -> Result<Shipment> {
        in_tx!(self, |tx| logic::load_shipment(&mut tx, id.0))
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
        in_tx!(self, |tx| logic::apply_shipment_event(
            &mut tx,
            id,
            expected_version,
            event,
            note,
            actor,
            at
        ))
    }

    async fn open_shipments(
        &self,
        warehouse: Option<&WarehouseCode>,
        limit: u32,
    ) -> Result<Vec<Shipment>> {
        let warehouse = warehouse.map(|it| it.as_str());
        in_tx!(self, |tx| fulfil::open_shipments(&mut tx, warehouse, limit))
    }

    async fn order_shipments(&self, order: OrderId) -> Result<Vec<Shipment>> {
        in_tx!(self, |tx| fulfil::order_shipments(&mut tx, order))
    }

    async fn lapsed_claims(&self, now: Timestamp) -> Result<Vec<(ShipmentId, u64)>> {
        let rows: Result<Vec<(i64, i64)>> = in_tx!(self, |tx| tx.lapsed_claims(now.unix_millis()));
        let rows = rows?;
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
        in_tx!(self, |tx| fulfil::create_after_sale(
            &mut tx, case, actor, at
        ))
    }

    async fn load_after_sale(&self, id: AfterSaleId) -> Result<AfterSale> {
        in_tx!(self, |tx| fulfil::load_after_sale(&mut tx, id.0))
    }

    async fn after_sales(&self, order: Option<OrderId>, open_only: bool) -> Result<Vec<AfterSale>> {
        in_tx!(self, |tx| fulfil::after_sales(&mut tx, order, open_only))
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
        in_tx!(self, |tx| fulfil::apply_after_sale(
            &mut tx,
            id,
            expected_version,
            action,
            note,
            actor,
            at
        ))
    }

    async fn money_ledger(&self, order: OrderId) -> Result<Vec<MoneyEntry>> {
        in_tx!(self, |tx| fulfil::money_ledger(&mut tx, order))
    }

    async fn enqueue_outbox(
        &self,
        topic: &str,
        key: &str,
        payload: &[u8],
        at: Timestamp,
    ) -> Result<i64> {
        in_tx!(self, |tx| tx.insert_outbox(
            topic,
            key,
            payload,
            at.unix_millis()
        ))
    }

    async fn claim_outbox(
        &self,
        worker: &str,
        limit: u32,
        now: Timestamp,
        lease_millis: i64,
    ) -> Result<Vec<OutboxItem>> {
        let rows = sqlx::query(
            "update outbox set claimed_by = $1, claim_until = $2 + $3, attempts = attempts + 1 \
             where id in (select id from outbox where delivered_at is null and due_at <= $2 \
             and (claim_until is null or claim_until <= $2) order by due_at, id limit $4 for update skip locked) \
             returning id, topic, key, payload, attempts",
        )
        .bind(worker)
        .bind(now.unix_millis())
        .bind(lease_millis)
        .bind(i64::from(limit))
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        let mut items = rows
            .iter()
            .map(|r| {
                Ok(OutboxItem {
                    id: get(r, 0)?,
                    topic: get(r, 1)?,
                    key: get(r, 2)?,
                    payload: get(r, 3)?,
                    attempts: u32::try_from(get::<i64>(r, 4)?)
                        .map_err(|_| corrupt("attempts", "negative"))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        items.sort_by_key(|it| it.id);
        Ok(items)
    }

    async fn finish_outbox(
        &self,
        id: i64,
        worker: &str,
        outcome: std::result::Result<(), String>,
        retry_at: Timestamp,
    ) -> Result<()> {
        let done = match outcome {
            Ok(()) => sqlx::query("update outbox set delivered_at = $3, claimed_by = null, claim_until = null, last_error = null where id = $1 and claimed_by = $2")
                .bind(id)
                .bind(worker)
                .bind(retry_at.unix_millis())
                .execute(&self.pool)
                .await,
            Err(error) => sqlx::query("update outbox set due_at = $3, claimed_by = null, claim_until = null, last_error = $4 where id = $1 and claimed_by = $2")
                .bind(id)
                .bind(worker)
                .bind(retry_at.unix_millis())
                .bind(error)
                .execute(&self.pool)
                .await,
        }
        .map_err(db_err)?;
        if done.rows_affected() == 0 {
            return Err(Error::Conflict(format!(
                "outbox row {id} is not claimed by {worker}"
            )));
        }
        Ok(())
    }

    async fn cursor(&self, shop: ShopId, stream: Stream) -> Result<Option<String>> {
        let row = sqlx::query("select value from sync_cursors where shop_id = $1 and stream = $2")
            .bind(shop.0)
            .bind(stream.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| get(r, 0)).transpose()
    }

    async fn set_cursor(
        &self,
        shop: ShopId,
        stream: Stream,
        value: &str,
        at: Timestamp,
    ) -> Result<()> {
        in_tx!(self, |tx| tx.set_cursor(
            shop.0,
            stream.as_str(),
            value,
            at.unix_millis()
        ))
    }

    async fn acquire_lease(
        &self,
        name: &str,
        holder: &str,
        now: Timestamp,
        ttl_millis: i64,
    ) -> Result<bool> {
        let done = sqlx::query(
            "insert into leases (name, holder, expires_at) values ($1, $2, $3 + $4) \
             on conflict (name) do update set holder = excluded.holder, expires_at = excluded.expires_at \
             where leases.holder = excluded.holder or leases.expires_at <= $3",
        )
        .bind(name)
        .bind(holder)
        .bind(now.unix_millis())
        .bind(ttl_millis)
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn listings(&self, shop: ShopId, sku: &SkuCode) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "select distinct l.platform_item_id, l.platform_sku_id from order_lines l \
             join orders o on o.id = l.order_id \
             where o.shop_id = $1 and l.sku = $2 and l.platform_item_id <> '' \
             order by 1, 2",
        )
        .bind(shop.0)
        .bind(sku.as_str())
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter().map(|r| Ok((get(r, 0)?, get(r, 1)?))).collect()
    }

    async fn put_secret(
        &self,
        shop: ShopId,
        name: &str,
        sealed: &[u8],
        at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "insert into shop_secrets (shop_id, name, sealed, updated_at) values ($1, $2, $3, $4) \
             on conflict (shop_id, name) do update set sealed = excluded.sealed, updated_at = excluded.updated_at",
        )
        .bind(shop.0)
        .bind(name)
        .bind(sealed)
        .bind(at.unix_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn secret(&self, shop: ShopId, name: &str) -> Result<Option<Vec<u8>>> {
        let row = sqlx::query("select sealed from shop_secrets where shop_id = $1 and name = $2")
            .bind(shop.0)
            .bind(name)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(|r| get(r, 0)).transpose()
    }

    async fn secret_names(&self, shop: ShopId) -> Result<Vec<(String, Timestamp)>> {
        let rows = sqlx::query(
            "select name, updated_at from shop_secrets where shop_id = $1 order by name",
        )
        .bind(shop.0)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| Ok((get(r, 0)?, Timestamp::from_unix_millis(get(r, 1)?))))
            .collect()
    }

    async fn create_user(&self, user: &NewUser, at: Timestamp) -> Result<User> {
        let row = sqlx::query(
            "insert into users (login, name, role, warehouses, password_hash, disabled, created_at) \
             values ($1, $2, $3, $4, $5, false, $6) returning id",
        )
        .bind(&user.login)
        .bind(&user.name)
        .bind(user.role.as_str())
        .bind(rows::warehouses_text(&user.warehouses))
        .bind(&user.password_hash)
        .bind(at.unix_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(|err| match db_err(err) {
            Error::Conflict(_) => Error::Conflict(format!("login {:?} is taken", user.login)),
            other => other,
        })?;
        Ok(User {
            id: get(&row, 0)?,
            login: user.login.clone(),
            name: user.name.clone(),
            role: user.role,
            warehouses: user.warehouses.clone(),
            password_hash: user.password_hash.clone(),
            disabled: false,
        })
    }

    async fn user(&self, login: &str) -> Result<Option<User>> {
        let row = sqlx::query(&format!("{USER_COLUMNS} where login = $1"))
            .bind(login)
            .fetch_optional(&self.pool)
            .await
            .map_err(db_err)?;
        row.as_ref().map(user_row).transpose()
    }

    async fn users(&self) -> Result<Vec<User>> {
        let rows = sqlx::query(&format!("{USER_COLUMNS} order by login"))
            .fetch_all(&self.pool)
            .await
            .map_err(db_err)?;
        rows.iter().map(user_row).collect()
    }

    async fn create_session(
        &self,
        user: i64,
        key_hash: &str,
        csrf: &str,
        expires: Timestamp,
        at: Timestamp,
    ) -> Result<()> {
        sqlx::query(
            "insert into sessions (key_hash, user_id, csrf, expires_at, created_at) values ($1, $2, $3, $4, $5)",
        )
        .bind(key_hash)
        .bind(user)
        .bind(csrf)
        .bind(expires.unix_millis())
        .bind(at.unix_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        // Sessions that ended are forgotten as new ones start.
        sqlx::query("delete from sessions where expires_at <= $1")
            .bind(at.unix_millis())
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn session(&self, key_hash: &str, now: Timestamp) -> Result<Option<(User, String)>> {
        let row = sqlx::query(
            "select u.id, u.login, u.name, u.role, u.warehouses, u.password_hash, u.disabled, s.csrf \
             from sessions s join users u on u.id = s.user_id \
             where s.key_hash = $1 and s.expires_at > $2 and not u.disabled",
        )
        .bind(key_hash)
        .bind(now.unix_millis())
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        match row {
            Some(row) => Ok(Some((user_row(&row)?, get(&row, 7)?))),
            None => Ok(None),
        }
    }

    async fn end_session(&self, key_hash: &str) -> Result<()> {
        sqlx::query("delete from sessions where key_hash = $1")
            .bind(key_hash)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn create_token(
        &self,
        user: i64,
        name: &str,
        token_hash: &str,
        scopes: &[Permission],
        at: Timestamp,
    ) -> Result<ApiToken> {
        let row = sqlx::query(
            "insert into api_tokens (user_id, name, token_hash, scopes, created_at) values ($1, $2, $3, $4, $5) returning id",
        )
        .bind(user)
        .bind(name)
        .bind(token_hash)
        .bind(rows::scopes_text(scopes))
        .bind(at.unix_millis())
        .fetch_one(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(ApiToken {
            id: get(&row, 0)?,
            user,
            name: name.to_owned(),
            scopes: scopes.to_vec(),
            created_at: at,
            revoked_at: None,
        })
    }

    async fn token(&self, token_hash: &str) -> Result<Option<(User, ApiToken)>> {
        let row = sqlx::query(
            "select u.id, u.login, u.name, u.role, u.warehouses, u.password_hash, u.disabled, \
             t.id, t.name, t.scopes, t.created_at \
             from api_tokens t join users u on u.id = t.user_id \
             where t.token_hash = $1 and t.revoked_at is null and not u.disabled",
        )
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(db_err)?;
        let Some(row) = row else {
            return Ok(None);
        };
        let user = user_row(&row)?;
        let scopes: String = get(&row, 9)?;
        let token = rows::token_from(
            get(&row, 7)?,
            user.id,
            get(&row, 8)?,
            &scopes,
            get(&row, 10)?,
            None,
        )?;
        Ok(Some((user, token)))
    }

    async fn tokens(&self, user: i64) -> Result<Vec<ApiToken>> {
        let rows = sqlx::query(
            "select id, user_id, name, scopes, created_at, revoked_at from api_tokens where user_id = $1 order by id",
        )
        .bind(user)
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                let scopes: String = get(r, 3)?;
                rows::token_from(
                    get(r, 0)?,
                    get(r, 1)?,
                    get(r, 2)?,
                    &scopes,
                    get(r, 4)?,
                    get(r, 5)?,
                )
            })
            .collect()
    }

    async fn revoke_token(&self, user: i64, id: i64, at: Timestamp) -> Result<()> {
        let done = sqlx::query(
            "update api_tokens set revoked_at = coalesce(revoked_at, $3) where id = $1 and user_id = $2",
        )
        .bind(id)
        .bind(user)
        .bind(at.unix_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        match done.rows_affected() {
            0 => Err(Error::NotFound(format!("token {id}"))),
            _ => Ok(()),
        }
    }

    async fn keep_documents(
        &self,
        shop: ShopId,
        stream: Stream,
        documents: &[RawDocument],
        cursor: Option<&str>,
        at: Timestamp,
    ) -> Result<u32> {
        in_tx!(self, |tx| logic::keep_documents(
            &mut tx, shop, stream, documents, cursor, at
        ))
    }

    async fn set_sync_status(&self, status: &SyncStatus) -> Result<()> {
        sqlx::query(
            "insert into shop_sync (shop_id, stream, ok, last_error, at) values ($1, $2, $3, $4, $5) \
             on conflict (shop_id, stream) do update set ok = excluded.ok, last_error = excluded.last_error, at = excluded.at",
        )
        .bind(status.shop.0)
        .bind(status.stream.as_str())
        .bind(i64::from(status.ok))
        .bind(&status.last_error)
        .bind(status.at.unix_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(())
    }

    async fn sync_statuses(&self) -> Result<Vec<SyncStatus>> {
        let rows = sqlx::query(
            "select shop_id, stream, ok, last_error, at from shop_sync order by shop_id, stream",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                crate::rows::sync_status((
                    get(r, 0)?,
                    get(r, 1)?,
                    get::<i64>(r, 2)? != 0,
                    get(r, 3)?,
                    get(r, 4)?,
                ))
            })
            .collect()
    }

    async fn record_push(&self, shop: ShopId, event_id: &str, at: Timestamp) -> Result<bool> {
        let done = sqlx::query(
            "insert into push_events (shop_id, event_id, received_at) values ($1, $2, $3) \
             on conflict (shop_id, event_id) do nothing",
        )
        .bind(shop.0)
        .bind(event_id)
        .bind(at.unix_millis())
        .execute(&self.pool)
        .await
        .map_err(db_err)?;
        Ok(done.rows_affected() == 1)
    }

    async fn release_lease(&self, name: &str, holder: &str) -> Result<()> {
        sqlx::query("delete from leases where name = $1 and holder = $2")
            .bind(name)
            .bind(holder)
            .execute(&self.pool)
            .await
            .map_err(db_err)?;
        Ok(())
    }

    async fn open_work(&self, _now: Timestamp) -> Result<Vec<domain::WorkItem>> {
        in_tx!(self, |tx| crate::alerts::open_work(&mut tx.0))
    }

    async fn open_alerts(&self) -> Result<Vec<app::AlertRecord>> {
        in_tx!(self, |tx| crate::alerts::alerts(&mut tx.0, true, 0))
    }

    async fn recent_alerts(&self, limit: u32) -> Result<Vec<app::AlertRecord>> {
        in_tx!(self, |tx| crate::alerts::alerts(&mut tx.0, false, limit))
    }

    async fn apply_alerts(
        &self,
        changes: &[domain::AlertChange],
        notifiers: &[String],
        at: Timestamp,
    ) -> Result<app::AlertReport> {
        in_tx!(self, |tx| crate::alerts::apply_alerts(
            &mut tx.0, changes, notifiers, at
        ))
    }

    async fn claim_alert_deliveries(
        &self,
        worker: &str,
        limit: u32,
        now: Timestamp,
        lease_millis: i64,
    ) -> Result<Vec<OutboxItem>> {
        in_tx!(self, |tx| crate::alerts::claim_deliveries(
            &mut tx.0,
            worker,
            limit,
            now,
            lease_millis
        ))
    }

    async fn flow_figures(&self, since: Timestamp) -> Result<app::FlowFigures> {
        let mut tx = self.begin().await?;
        let rows = sqlx::query(crate::flow::STAGE_TIMES)
            .bind(since.unix_millis())
            .fetch_all(&mut *tx.0)
            .await
            .map_err(db_err)?;
        let stages = rows
            .iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?, get(r, 2)?, get(r, 3)?)))
            .collect::<Result<Vec<_>>>()?;
        let rows = sqlx::query(crate::flow::ARRIVALS)
            .bind(since.unix_millis())
            .fetch_all(&mut *tx.0)
            .await
            .map_err(db_err)?;
        let arrivals = rows
            .iter()
            .map(|r| Ok((get(r, 0)?, get(r, 1)?)))
            .collect::<Result<Vec<_>>>()?;
        tx.commit().await?;
        crate::flow::figures(stages, arrivals)
    }

    async fn warehouses(&self) -> Result<Vec<Warehouse>> {
        let rows = sqlx::query(
            "select code, name, kind, area_code, allow_oversell from warehouses order by code",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(db_err)?;
        rows.iter()
            .map(|r| {
                crate::rows::warehouse((
                    get(r, 0)?,
                    get(r, 1)?,
                    get(r, 2)?,
                    get(r, 3)?,
                    get::<i64>(r, 4)? != 0,
                ))
            })
            .collect()
    }
}

const USER_COLUMNS: &str =
    "select id, login, name, role, warehouses, password_hash, disabled from users";

/// A user from the first seven columns of a row, as [`USER_COLUMNS`] selects them.
fn user_row(r: &PgRow) -> Result<User> {
    let role: String = get(r, 3)?;
    let warehouses: String = get(r, 4)?;
    rows::user_from(
        get(r, 0)?,
        get(r, 1)?,
        get(r, 2)?,
        &role,
        &warehouses,
        get(r, 5)?,
        get(r, 6)?,
    )
}
