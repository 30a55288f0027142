//! Throw-away databases: a SQLite file in a temporary folder, or a fresh PostgreSQL database on the
//! local server that is dropped again when the value is dropped.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use app::Store;

/// The environment variable naming the PostgreSQL server to test against, as a URL of a database the
/// tests may connect to (e.g. `postgres://postgres@127.0.0.1:5432/test`). `cargo xtask test` sets it.
pub const POSTGRES_URL_VAR: &str = "ORDERHUB_TEST_POSTGRES_URL";

/// Set (by `cargo xtask test`) to make a missing [`POSTGRES_URL_VAR`] a failure instead of a skip.
const REQUIRE_POSTGRES_VAR: &str = "ORDERHUB_REQUIRE_POSTGRES";

/// A database that lives as long as this value.
pub enum TestDb {
    Sqlite {
        _dir: tempfile::TempDir,
        url: String,
    },
    Postgres {
        admin_url: String,
        name: String,
        url: String,
    },
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let url = format!("sqlite://{}", dir.path().join("orderhub.db").display());
        TestDb::Sqlite { _dir: dir, url }
    }

    /// A new, empty database on the server named by [`POSTGRES_URL_VAR`], or `None` when it is unset.
    pub async fn postgres() -> Option<TestDb> {
        let admin_url = match std::env::var(POSTGRES_URL_VAR) {
            Ok(url) => url,
            Err(_) if std::env::var_os(REQUIRE_POSTGRES_VAR).is_some() => {
                panic!("{REQUIRE_POSTGRES_VAR} is set but {POSTGRES_URL_VAR} is not")
            }
            Err(_) => return None,
        };
        Some(TestDb::postgres_at(&admin_url).await)
    }

    /// A new, empty database on the server of `admin_url` (a URL of a database we may connect to).
    pub async fn postgres_at(admin_url: &str) -> TestDb {
        let admin_url = admin_url.to_owned();
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|it| it.subsec_nanos())
            .unwrap_or(0);
        let name = format!(
            "orderhub_t{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        store::admin_execute(&admin_url, &format!("create database {name}"))
            .await
            .expect("create the test database");
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => panic!("{POSTGRES_URL_VAR} must end in /DATABASE"),
        };
        TestDb::Postgres {
            admin_url,
            name,
            url,
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDb::Sqlite { url, .. } | TestDb::Postgres { url, .. } => url,
        }
    }

    pub async fn open(&self) -> Arc<dyn Store> {
        store::open(self.url()).await.expect("open the test store")
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let TestDb::Postgres {
            admin_url, name, ..
        } = self
        else {
            return;
        };
        let (admin_url, sql) = (
            admin_url.clone(),
            format!("drop database if exists {name} with (force)"),
        );
        // Drop may run inside a runtime; a thread of its own may start another.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime");
            rt.block_on(store::admin_execute(&admin_url, &sql))
        })
        .join();
        if !matches!(dropped, Ok(Ok(()))) {
            eprintln!("could not drop test database {name}");
        }
    }
}
