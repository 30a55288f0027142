//! The [`app::Store`] port for SQLite (the embedded default) and PostgreSQL.
//!
//! This is the only crate that speaks SQL. Each backend has its own hand-written queries and its own
//! migrations folder (`migrations/sqlite`, `migrations/postgres`, numbered alike), applied when the store
//! opens. Rows are plain structs in [`rows`] and are converted to domain types by hand, once, for both.
//!
//! SQLite runs on one connection behind a mutex on the blocking thread pool (WAL, `synchronous=NORMAL`):
//! SQLite has one writer at a time anyway, and a transaction per batch is what makes ingest fast.
//! PostgreSQL runs on a `sqlx` pool; races are settled by conditional updates and row locks.

mod alerts;
mod flow;
mod fulfil;
mod logic;
mod postgres;
mod rows;
mod sqlite;
mod tx;

pub use crate::postgres::{PostgresStore, admin_execute};
pub use crate::sqlite::SqliteStore;

/// Opens the store a URL names: `sqlite://PATH` (or a bare path) or `postgres://…`.
pub async fn open(url: &str) -> app::Result<std::sync::Arc<dyn app::Store>> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return Ok(std::sync::Arc::new(PostgresStore::connect(url).await?));
    }
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    Ok(std::sync::Arc::new(SqliteStore::open(
        std::path::Path::new(path),
    )?))
}
