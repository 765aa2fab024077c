//! Connecting, migrating and handing out connections and transactions.
//!
//! SQLite allows one writer at a time; a transaction that reads and then writes can fail with
//! `SQLITE_BUSY` when another connection wrote in between. So on SQLite all transactions run
//! on exactly one writer connection (writes queue for it, never fail), where use cases that
//! queue together are committed together (group commit, `tx.rs`), and plain reads use a
//! separate pool of reader connections (WAL lets them run alongside the writer). On
//! PostgreSQL both are the same pool.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, ConnectOptions, Executor, Row};

use crate::seal::{PassThroughSealer, Sealer};
use crate::tx::{SqliteWriter, Tx};
use crate::{StoreError, StoreResult};

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// SQLite (embedded default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

/// A pooled connection for reads.
pub type Conn = PoolConnection<Any>;

/// How to reach the database.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path` or `postgres://…`.
    pub database_url: String,
    /// Most connections in the pool (readers on SQLite).
    pub max_connections: u32,
    /// How long to wait for a free connection.
    pub acquire_timeout: Duration,
    /// SQLite: most use-case transactions committed together (group commit); 1 commits
    /// each on its own. Ignored on PostgreSQL.
    pub sqlite_group_commit: u32,
    /// SQLite: page cache of the writer connection, in KiB.
    pub sqlite_writer_cache_kib: u32,
    /// SQLite: page cache of each reader connection, in KiB.
    pub sqlite_reader_cache_kib: u32,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            database_url: String::new(),
            max_connections: 10,
            acquire_timeout: Duration::from_secs(10),
            sqlite_group_commit: 64,
            sqlite_writer_cache_kib: WRITER_CACHE_KIB,
            sqlite_reader_cache_kib: READER_CACHE_KIB,
        }
    }
}

/// The database: pools, dialect and the sealing API for content columns.
#[derive(Clone)]
pub struct Store {
    writer: Writer,
    reader: AnyPool,
    dialect: Dialect,
    sealer: Arc<dyn Sealer>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("dialect", &self.dialect)
            .finish()
    }
}

/// Where transactions run.
#[derive(Clone)]
enum Writer {
    /// SQLite: the one writer connection, with group commit.
    Sqlite(Arc<SqliteWriter>),
    /// PostgreSQL: the pool.
    Pool(AnyPool),
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

impl Store {
    /// Connects (creating a SQLite file if needed). Does not migrate.
    pub async fn connect(opts: &StoreOptions) -> StoreResult<Store> {
        sqlx::any::install_default_drivers();
        let url = opts.database_url.as_str();
        let dialect = if url.starts_with("sqlite:") {
            Dialect::Sqlite
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Dialect::Postgres
        } else {
            return Err(StoreError::Constraint(format!(
                "unsupported database url scheme in {url:?}"
            )));
        };
        let sealer: Arc<dyn Sealer> = Arc::new(PassThroughSealer);
        match dialect {
            Dialect::Sqlite => {
                let rwc = if url.contains('?') {
                    format!("{url}&mode=rwc")
                } else {
                    format!("{url}?mode=rwc")
                };
                let mut conn = AnyConnectOptions::from_str(&rwc)?.connect().await?;
                conn.execute(sqlx::AssertSqlSafe(sqlite_pragmas(
                    opts.sqlite_writer_cache_kib,
                )))
                .await?;
                let writer = Writer::Sqlite(Arc::new(SqliteWriter::new(
                    conn,
                    opts.acquire_timeout,
                    usize::try_from(opts.sqlite_group_commit.max(1)).unwrap_or(1),
                )));
                let reader = sqlite_pool(
                    &rwc,
                    opts.max_connections.max(1),
                    opts.acquire_timeout,
                    opts.sqlite_reader_cache_kib,
                )
                .await?;
                Ok(Store {
                    writer,
                    reader,
                    dialect,
                    sealer,
                })
            }
            Dialect::Postgres => {
                let options = AnyConnectOptions::from_str(url)?;
                let pool = AnyPoolOptions::new()
                    .max_connections(opts.max_connections.max(2))
                    .acquire_timeout(opts.acquire_timeout)
                    .connect_with(options)
                    .await?;
                Ok(Store {
                    writer: Writer::Pool(pool.clone()),
                    reader: pool,
                    dialect,
                    sealer,
                })
            }
        }
    }

    /// Applies pending migrations of this backend. Safe to run from several nodes at once
    /// (sqlx takes a lock on PostgreSQL).
    pub async fn migrate(&self) -> StoreResult<()> {
        match &self.writer {
            Writer::Sqlite(w) => SQLITE_MIGRATIONS.run(&mut *w.exclusive().await?).await?,
            Writer::Pool(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    /// Which database this is.
    pub fn dialect(&self) -> Dialect {
        self.dialect
    }

    /// The sealing API for content and secrets.
    pub fn sealer(&self) -> &dyn Sealer {
        self.sealer.as_ref()
    }

    /// Commits a use case's transaction; returns once it is committed (on SQLite, once the
    /// group it joined is), or fails if it is not.
    pub async fn commit(tx: Tx) -> StoreResult<()> {
        tx.commit().await?;
        // Wakes the activity dispatchers: what this transaction recorded is visible now.
        crate::activity::signal_commit();
        Ok(())
    }

    /// [`Store::commit`] for a transaction that recorded no activity: the activity
    /// dispatchers are not woken. Live documents commit every update they store this way
    /// (hundreds a second under load), so the dispatcher does not read its outbox after
    /// each (docs/decisions/0022). An activity committed this way by mistake is not lost:
    /// the dispatcher finds it on its next `activity.dispatch_interval` tick.
    pub async fn commit_without_activity(tx: Tx) -> StoreResult<()> {
        tx.commit().await
    }

    /// Undoes a use case's transaction and returns once the database has let go of it. A
    /// [`Tx`] dropped is rolled back too, but on PostgreSQL only when its connection is next
    /// used: until then its row locks stay, and a `SKIP LOCKED` read right after (the
    /// activity dispatcher claiming again) passes over the rows it held.
    pub async fn rollback(tx: Tx) -> StoreResult<()> {
        tx.rollback().await
    }

    /// PostgreSQL: a connection of the pool outside any transaction, for a use case that
    /// reads, then writes everything in one statement ([`crate::Writes`]), which PostgreSQL
    /// runs atomically on its own; `None` on SQLite, whose writes all go through
    /// [`Store::begin`]. Under PostgreSQL's READ COMMITTED a read inside a transaction sees
    /// what the same read outside would (each statement takes a fresh snapshot and plain
    /// reads lock nothing), so such a use case saves the `BEGIN` and `COMMIT` round trips
    /// without seeing anything else (docs/decisions/0036). After a write that recorded
    /// activity, call [`Store::committed`].
    pub async fn autocommit(&self) -> StoreResult<Option<Conn>> {
        match &self.writer {
            Writer::Sqlite(_) => Ok(None),
            Writer::Pool(p) => Ok(Some(p.acquire().await?)),
        }
    }

    /// Wakes the activity dispatchers after a write made without [`Store::commit`] (one
    /// statement on an [`Store::autocommit`] connection) recorded activity.
    pub fn committed(&self) {
        crate::activity::signal_commit();
    }

    /// Starts a transaction for a use case.
    pub async fn begin(&self) -> StoreResult<Tx> {
        match &self.writer {
            Writer::Sqlite(w) => w.begin().await,
            Writer::Pool(p) => Ok(Tx::plain(p.begin().await?)),
        }
    }

    /// Runs `query` as a use case of its own in one round trip when SQLite's writer is idle
    /// (see `SqliteWriter::write_alone`): its text must open its transaction with
    /// `BEGIN IMMEDIATE` and end it with `COMMIT`. `false` when that is not possible now (the
    /// writer is busy, or this is PostgreSQL): nothing ran, and the caller uses
    /// [`Store::begin`]. Commits this way do not wake the activity dispatcher.
    pub async fn write_alone<'q>(
        &self,
        query: sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>,
    ) -> StoreResult<bool> {
        match &self.writer {
            Writer::Sqlite(w) => w.write_alone(query).await,
            Writer::Pool(_) => Ok(false),
        }
    }

    /// A read-only transaction on a reader connection that sees one snapshot for all its
    /// statements (for reads that take several statements, such as a streamed export). It
    /// ends (rolls back) when dropped.
    pub async fn read_snapshot(&self) -> StoreResult<Tx> {
        let mut tx = self.reader.begin().await?;
        if self.dialect == Dialect::Postgres {
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
                .await?;
        }
        Ok(Tx::plain(tx))
    }

    /// Refreshes the planner's statistics of the spec tree's tables after a large write
    /// (PostgreSQL `ANALYZE`, SQLite `PRAGMA optimize`): without them PostgreSQL chose
    /// plans up to 200 times slower for search (docs/benchmarks.md).
    pub async fn analyze_spec_tables(&self) -> StoreResult<()> {
        let sql = match self.dialect {
            Dialect::Postgres => "ANALYZE work_items, item_search",
            Dialect::Sqlite => "PRAGMA optimize",
        };
        match &self.writer {
            Writer::Sqlite(w) => w.exclusive().await?.execute(sql).await?,
            Writer::Pool(p) => p.acquire().await?.execute(sql).await?,
        };
        Ok(())
    }

    /// A connection for reads outside a transaction.
    pub async fn read(&self) -> StoreResult<Conn> {
        Ok(self.reader.acquire().await?)
    }

    /// Checks that the database answers.
    pub async fn ping(&self) -> StoreResult<()> {
        let mut c = self.read().await?;
        c.execute("SELECT 1").await?;
        Ok(())
    }

    /// Most connections the writing pool opens (1 on SQLite, whose one writer takes every
    /// write).
    pub fn max_writers(&self) -> u32 {
        match &self.writer {
            Writer::Sqlite(_) => 1,
            Writer::Pool(p) => p.options().get_max_connections(),
        }
    }

    /// Pool figures for metrics: (open connections, idle connections), writer and readers
    /// together on SQLite.
    pub fn pool_stats(&self) -> (u32, u32) {
        let idle = |p: &AnyPool| u32::try_from(p.num_idle()).unwrap_or(u32::MAX);
        match &self.writer {
            // The writer connection is counted as open and not idle.
            Writer::Sqlite(_) => (1 + self.reader.size(), idle(&self.reader)),
            Writer::Pool(p) => (p.size(), idle(p)),
        }
    }

    /// SQLite: sizes the writer's page cache to the database, a quarter of its size between
    /// the reader cache and `max_kib`, and returns the new size in KiB (`None` on
    /// PostgreSQL). The cache fills only as pages are used, but it keeps every page the
    /// writer touched: on a small database (the update log of live documents, say) a fixed
    /// 64 MiB ceiling let it hold the whole file for no gain, while a large database (where
    /// created items write search keys into random leaves) still gets the full `max_kib`.
    pub async fn fit_writer_cache(&self, max_kib: u32) -> StoreResult<Option<u32>> {
        if self.dialect != Dialect::Sqlite {
            return Ok(None);
        }
        let Writer::Sqlite(w) = &self.writer else {
            return Ok(None);
        };
        let mut c = w.exclusive().await?;
        let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
            .fetch_one(&mut *c)
            .await?;
        let page_size: i64 = sqlx::query_scalar("PRAGMA page_size")
            .fetch_one(&mut *c)
            .await?;
        let kib = fitted_cache_kib(pages.saturating_mul(page_size) / 1024, max_kib);
        c.execute(sqlx::AssertSqlSafe(format!("PRAGMA cache_size = -{kib}")))
            .await?;
        Ok(Some(kib))
    }

    /// SQLite only: copies the write-ahead log's committed pages into the database file
    /// (`PRAGMA wal_checkpoint(PASSIVE)`) on a reader connection, so the writer does not
    /// stop for it (decision 0025); returns the log's frames and those now copied, `None`
    /// on PostgreSQL. Passive: it never waits for the writer or readers, and copies what
    /// they allow.
    pub async fn checkpoint_wal(&self) -> StoreResult<Option<(i64, i64)>> {
        if self.dialect != Dialect::Sqlite {
            return Ok(None);
        }
        let mut c = self.read().await?;
        let row = sqlx::query("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *c)
            .await?;
        Ok(Some((row.try_get(1)?, row.try_get(2)?)))
    }

    /// SQLite group commit so far: (groups committed, use-case transactions they held).
    /// `None` on PostgreSQL, where every transaction commits on its own.
    pub fn group_commit_stats(&self) -> Option<(u64, u64)> {
        match &self.writer {
            Writer::Sqlite(w) => Some(w.stats()),
            Writer::Pool(_) => None,
        }
    }

    /// Use cases waiting for SQLite's writer right now (0 on PostgreSQL).
    pub fn group_commit_waiting(&self) -> usize {
        match &self.writer {
            Writer::Sqlite(w) => w.waiting(),
            Writer::Pool(_) => 0,
        }
    }

    /// Closes the pools, waiting for connections in use (on SQLite, commits the open group;
    /// the writer connection closes when the last clone of the store is dropped).
    pub async fn close(&self) {
        match &self.writer {
            Writer::Sqlite(w) => {
                let _ = w.exclusive().await;
            }
            Writer::Pool(p) => p.close().await,
        }
        self.reader.close().await;
    }
}

/// Default page cache of SQLite's one writer connection, in KiB. A created item writes about a
/// hundred search keys into random leaves of one large b-tree; with SQLite's default of
/// 2 MiB most of them were read again from the file for every item.
pub const WRITER_CACHE_KIB: u32 = 64 * 1024;
/// WAL pages after which a commit copies the log back into the database file itself. The
/// server checkpoints on a reader every `database.sqlite_checkpoint_interval` instead
/// (decision 0025): a checkpoint on the writer stopped every write for as long as it took
/// (about 270 ms for 10,000 pages while creating items). This is the safety net when that
/// task falls behind, and cheap then: pages already copied are not copied again.
const WAL_CHECKPOINT_PAGES: u32 = 100_000;
/// Default page cache of each reader connection, in KiB (SQLite's default).
pub const READER_CACHE_KIB: u32 = 2 * 1024;

/// The writer cache for a database of `db_kib`: a quarter of it, at least the reader cache,
/// at most `max_kib`.
fn fitted_cache_kib(db_kib: i64, max_kib: u32) -> u32 {
    let quarter = u32::try_from(db_kib / 4).unwrap_or(u32::MAX);
    quarter.clamp(READER_CACHE_KIB.min(max_kib), max_kib)
}

async fn sqlite_pool(
    url: &str,
    max: u32,
    acquire: Duration,
    cache_kib: u32,
) -> StoreResult<AnyPool> {
    let options = AnyConnectOptions::from_str(url)?;
    let pool = AnyPoolOptions::new()
        .max_connections(max)
        .min_connections(1)
        .acquire_timeout(acquire)
        // A connection to a local file does not go stale: skip sqlx's ping on every
        // acquire (one round trip to the connection's worker thread per read).
        .test_before_acquire(false)
        .after_connect(move |conn, _meta| {
            Box::pin(async move {
                conn.execute(sqlx::AssertSqlSafe(sqlite_pragmas(cache_kib)))
                    .await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// The settings of every SQLite connection.
fn sqlite_pragmas(cache_kib: u32) -> String {
    format!(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
         PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 10000; \
         PRAGMA temp_store = MEMORY; \
         PRAGMA cache_size = -{cache_kib}; \
         PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES};"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_passive_checkpoint_on_a_reader_copies_the_writers_log() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&StoreOptions {
            database_url: format!("sqlite://{}", dir.path().join("c.db").display()),
            max_connections: 2,
            ..StoreOptions::default()
        })
        .await
        .unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)")
            .await
            .unwrap();
        for k in 0..200 {
            sqlx::query("INSERT INTO t (k, v) VALUES ($1, $2)")
                .bind(k)
                .bind("x".repeat(500))
                .execute(&mut *tx)
                .await
                .unwrap();
        }
        Store::commit(tx).await.unwrap();
        // Far below the writer's own threshold: only the reader's checkpoint copies it.
        let (frames, copied) = store.checkpoint_wal().await.unwrap().unwrap();
        assert!(frames > 10, "{frames} frames in the log");
        assert_eq!(copied, frames, "every committed frame is copied");
        let mut c = store.read().await.unwrap();
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM t")
            .fetch_one(&mut *c)
            .await
            .unwrap();
        assert_eq!(n, 200);
    }

    #[test]
    fn the_writer_cache_is_a_quarter_of_the_database_within_bounds() {
        assert_eq!(fitted_cache_kib(0, 65536), 2048);
        assert_eq!(fitted_cache_kib(40 * 1024, 65536), 10 * 1024);
        assert_eq!(fitted_cache_kib(1_500_000, 65536), 65536);
        assert_eq!(fitted_cache_kib(1_500_000, 1024), 1024);
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_full_text_migration_indexes_the_words_already_stored() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::connect(&StoreOptions {
            database_url: format!("sqlite://{}", dir.path().join("m.db").display()),
            max_connections: 2,
            ..StoreOptions::default()
        })
        .await
        .unwrap();
        let Writer::Sqlite(w) = &store.writer else {
            unreachable!()
        };
        {
            let mut c = w.exclusive().await.unwrap();
            SQLITE_MIGRATIONS.run_to(24, &mut *c).await.unwrap();
            // Words as the previous schema held them (items are not needed for this).
            c.execute(
                "PRAGMA foreign_keys = OFF; \
                 INSERT INTO item_search (item_id, project_id, words) VALUES \
                 ('b', 'p1', ' gateway payment'), ('a', 'p1', ' payment retries'), \
                 ('c', 'p2', ' payment'), ('d', 'p1', ''); \
                 INSERT INTO item_keys (project_id, prefix, item_id) VALUES ('p1', 'pay', 'a'); \
                 INSERT INTO item_keys_pending (project_id, item_id) VALUES ('p1', 'b');",
            )
            .await
            .unwrap();
            SQLITE_MIGRATIONS.run(&mut *c).await.unwrap();
            c.execute("PRAGMA foreign_keys = ON").await.unwrap();
        }
        let mut c = store.read().await.unwrap();
        let found = |q: &'static str| {
            sqlx::query(
                "SELECT s.item_id FROM item_fts f JOIN item_search s ON s.doc = f.rowid \
                 WHERE item_fts MATCH $1 ORDER BY f.rowid",
            )
            .bind(q)
        };
        let ids = |rows: Vec<sqlx::any::AnyRow>| -> Vec<String> {
            rows.iter().map(|r| r.get::<String, _>("item_id")).collect()
        };
        // Numbered in id order, each project's token and every word indexed.
        let rows = found(r##""#p1" AND "pay"*"##)
            .fetch_all(&mut *c)
            .await
            .unwrap();
        assert_eq!(ids(rows), ["a", "b"]);
        let rows = found(r##""#p1""##).fetch_all(&mut *c).await.unwrap();
        assert_eq!(ids(rows), ["a", "b", "d"]);
        let rows = found(r#""gateway""#).fetch_all(&mut *c).await.unwrap();
        assert_eq!(ids(rows), ["b"]);
        let tables: i64 = sqlx::query(
            "SELECT COUNT(*) AS n FROM sqlite_master WHERE name IN ('item_keys', 'item_keys_pending')",
        )
        .fetch_one(&mut *c)
        .await
        .unwrap()
        .get("n");
        assert_eq!(tables, 0);
    }
}
