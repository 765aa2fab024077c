//! The database of one test server: a SQLite file in the test's temporary directory, or a
//! fresh PostgreSQL database when `SPECTREE_TEST_DATABASE_URL` is set.

use std::path::Path;

use sqlx::{AnyConnection, Connection, Executor};

/// A database made for one test server.
pub(crate) struct TestDb {
    url: String,
    admin_url: Option<String>,
    name: Option<String>,
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
                    admin_url: Some(admin_url.clone()),
                    name: Some(name),
                }
            }
            _ => TestDb {
                url: format!("sqlite://{}", dir.join("spectree.db").display()),
                admin_url: None,
                name: None,
            },
        }
    }

    /// The same database for another node; only the original drops it.
    pub(crate) fn shared(&self) -> TestDb {
        TestDb {
            url: self.url.clone(),
            admin_url: None,
            name: self.name.clone(),
        }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    pub(crate) fn is_postgres(&self) -> bool {
        self.name.is_some()
    }

    /// Drops a PostgreSQL test database (SQLite files go with the temporary directory).
    pub(crate) async fn drop_database(&self) {
        if let (Some(admin), Some(name)) = (&self.admin_url, &self.name)
            && let Ok(mut c) = AnyConnection::connect(admin).await
        {
            let _ = c
                .execute(sqlx::AssertSqlSafe(format!(
                    "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
                )))
                .await;
            c.close().await.ok();
        }
    }
}
