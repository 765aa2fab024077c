//! The database of one test server: a SQLite file in the test's temporary directory, or a
//! fresh PostgreSQL database when `SPECTREE_TEST_DATABASE_URL` is set.

use std::path::Path;
use std::sync::Arc;

use sqlx::{AnyConnection, Connection, Executor};

/// A database made for one test server (and the other nodes of its cluster).
pub(crate) struct TestDb {
    url: String,
    pg: Option<Arc<PgDatabase>>,
}

/// A PostgreSQL test database: dropped when the last server using it is gone, whether the
/// test stopped its servers or ended without (a failed assertion, an early return).
struct PgDatabase {
    admin_url: String,
    name: String,
}

impl Drop for PgDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let admin = self.admin_url.clone();
        // Drop may run inside the test's runtime, which must not be blocked on: the statement
        // runs on a thread of its own, waited for so that it is done before the test ends.
        let done = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            rt.block_on(async {
                if let Ok(mut c) = AnyConnection::connect(&admin).await {
                    let _ = c.execute(sqlx::AssertSqlSafe(sql)).await;
                    c.close().await.ok();
                }
            });
        });
        let _ = done.join();
    }
}

impl TestDb {
    /// Creates the database.
    pub(crate) async fn create(dir: &Path) -> TestDb {
        match std::env::var("SPECTREE_TEST_DATABASE_URL") {
            Ok(admin_url) if admin_url.starts_with("postgres") => {
                sqlx::any::install_default_drivers();
                let name = format!("spectree_test_{}", uuid::Uuid::now_v7().simple());
                let mut c = AnyConnection::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("SPECTREE_TEST_DATABASE_URL unreachable: {e}"));
                c.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
                    .await
                    .unwrap();
                c.close().await.ok();
                let base = admin_url
                    .rsplit_once('/')
                    .map(|(b, _)| b)
                    .unwrap_or(&admin_url);
                TestDb {
                    url: format!("{base}/{name}"),
                    pg: Some(Arc::new(PgDatabase { admin_url, name })),
                }
            }
            _ => TestDb {
                url: format!("sqlite://{}", dir.join("spectree.db").display()),
                pg: None,
            },
        }
    }

    /// The same database for another node; it is dropped after the last node goes.
    pub(crate) fn shared(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            pg: self.pg.clone(),
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn is_postgres(&self) -> bool {
        self.pg.is_some()
    }
}
