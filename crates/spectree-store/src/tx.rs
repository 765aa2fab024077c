//! Use-case transactions, and SQLite's group commit (docs/decisions/0017).
//!
//! On PostgreSQL a [`Tx`] is a plain database transaction. SQLite has one writer connection;
//! committing each use case on its own costs a commit (the WAL frames of every page it
//! touched) per use case. So on SQLite the use cases that queue for the writer share one
//! SQLite transaction: each runs inside its own savepoint, in turn, and ends it either by
//! releasing it (its work joins the group) or by rolling back to it (its work is undone,
//! the others' stays). The group is committed when nobody else is waiting for the writer
//! (or once it holds `StoreOptions::sqlite_group_commit` use cases), and every use case of it learns that commit's
//! outcome: [`Store::commit`](crate::Store::commit) returns only once its work is durable
//! as far as SQLite's settings make any commit durable, or fails if it is not committed.
//!
//! Rule for callers (as before, with one writer): never wait, while holding a `Tx`, for
//! something that may itself be waiting for a commit.

use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::{Any, AnyConnection, Executor};
use tokio::sync::{Mutex, Notify, OwnedMutexGuard, watch};

use crate::{StoreError, StoreResult};

/// A transaction of a use case (see the module doc). It derefs to the connection, so
/// repository functions take `&mut tx`. Dropped without [`Store::commit`](crate::Store::commit),
/// its work is rolled back.
pub struct Tx(Inner);

enum Inner {
    Plain(sqlx::Transaction<'static, Any>),
    Member(Member),
}

impl Tx {
    pub(crate) fn plain(tx: sqlx::Transaction<'static, Any>) -> Tx {
        Tx(Inner::Plain(tx))
    }

    pub(crate) async fn commit(self) -> StoreResult<()> {
        match self.0 {
            Inner::Plain(t) => Ok(t.commit().await?),
            Inner::Member(m) => m.commit().await,
        }
    }

    pub(crate) async fn rollback(self) -> StoreResult<()> {
        match self.0 {
            Inner::Plain(t) => Ok(t.rollback().await?),
            // The writer undoes the member's savepoint before it runs anyone else's
            // statement (`Slot::tidy`), so nobody sees the work or waits on it.
            Inner::Member(m) => {
                drop(m);
                Ok(())
            }
        }
    }
}

impl std::fmt::Debug for Tx {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self.0 {
            Inner::Plain(_) => "Tx(plain)",
            Inner::Member(_) => "Tx(group member)",
        })
    }
}

impl Deref for Tx {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        match &self.0 {
            Inner::Plain(t) => t,
            Inner::Member(m) => &m.slot.conn,
        }
    }
}

impl DerefMut for Tx {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        match &mut self.0 {
            Inner::Plain(t) => t,
            Inner::Member(m) => &mut m.slot.conn,
        }
    }
}

/// What the members of a group learn: `None` until the group ends.
type Outcome = Option<Result<(), Arc<str>>>;

/// One SQLite transaction shared by several use cases.
struct Group {
    members: usize,
    outcome: watch::Sender<Outcome>,
}

/// A statement of ours that may have been cut off (its future dropped) before we saw its
/// result. SQLite runs a connection's statements in order, so by the next statement it has
/// finished, one way or the other.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Doubt {
    /// The group's `COMMIT`.
    Commit,
    /// Any other bookkeeping statement.
    Other,
}

/// The writer connection and the state of its open group.
struct Slot {
    conn: AnyConnection,
    group: Option<Group>,
    /// The last member committed: its savepoint is still to be released (done together with
    /// the next statement we send, to save a round trip).
    release_pending: bool,
    /// A member holds the slot, or dropped it without committing (its savepoint is still to
    /// be rolled back).
    member_open: bool,
    doubt: Option<Doubt>,
}

const RELEASE_AND_BEGIN: &str = "RELEASE spectree_member; SAVEPOINT spectree_member";
const BEGIN: &str = "SAVEPOINT spectree_member";
/// `IMMEDIATE` takes the write lock when the group opens, so a second process on the same
/// file (a test's second node, the CLI next to a server) waits for it (`busy_timeout`)
/// instead of failing at its first write with `SQLITE_BUSY` after reading a stale snapshot.
const OPEN: &str = "BEGIN IMMEDIATE; SAVEPOINT spectree_member";
const UNDO: &str = "ROLLBACK TO spectree_member; RELEASE spectree_member";
const RELEASE_AND_COMMIT: &str = "RELEASE spectree_member; COMMIT";

impl Slot {
    /// Runs a bookkeeping statement, noting it as in doubt while it runs.
    async fn run(&mut self, sql: &'static str, doubt: Doubt) -> Result<(), sqlx::Error> {
        self.doubt = Some(doubt);
        // A prepared statement sqlx keeps, not a string SQLite parses again for every member.
        sqlx::query(sql).execute(&mut self.conn).await?;
        self.doubt = None;
        Ok(())
    }

    /// Ends the group as failed: rolls back whatever is open and tells its members.
    async fn fail(&mut self, why: &str) {
        let _ = self.conn.execute("ROLLBACK").await;
        self.doubt = None;
        self.release_pending = false;
        self.member_open = false;
        if let Some(g) = self.group.take() {
            tracing::warn!(members = g.members, error = why, "group commit failed");
            g.outcome.send_replace(Some(Err(Arc::from(why))));
        }
    }

    /// Puts the slot back in order after a member dropped without committing or a statement
    /// of ours was cut off.
    async fn tidy(&mut self) {
        match self.doubt {
            None => {}
            Some(Doubt::Other) => self.fail("a transaction statement was interrupted").await,
            Some(Doubt::Commit) => {
                // The COMMIT ran to its end before this ROLLBACK: if no transaction is left,
                // it succeeded.
                let committed = match self.conn.execute("ROLLBACK").await {
                    Ok(_) => false,
                    Err(e) => e.to_string().contains("no transaction is active"),
                };
                self.doubt = None;
                self.release_pending = false;
                if let Some(g) = self.group.take() {
                    let outcome = if committed {
                        Ok(())
                    } else {
                        Err(Arc::from("the group's commit was interrupted"))
                    };
                    g.outcome.send_replace(Some(outcome));
                }
            }
        }
        if self.member_open {
            self.member_open = false;
            if let Err(e) = self.run(UNDO, Doubt::Other).await {
                self.fail(&e.to_string()).await;
            }
        }
    }

    /// Commits the open group (if any) and tells its members.
    async fn finish(&mut self, shared: &Shared) -> Result<(), Arc<str>> {
        self.tidy().await;
        if self.group.is_none() {
            return Ok(());
        }
        let sql = if self.release_pending {
            RELEASE_AND_COMMIT
        } else {
            "COMMIT"
        };
        if let Err(e) = self.run(sql, Doubt::Commit).await {
            let why = e.to_string();
            self.fail(&why).await;
            return Err(Arc::from(why));
        }
        self.release_pending = false;
        if let Some(g) = self.group.take() {
            shared.groups.fetch_add(1, Ordering::Relaxed);
            shared
                .members
                .fetch_add(g.members as u64, Ordering::Relaxed);
            g.outcome.send_replace(Some(Ok(())));
        }
        Ok(())
    }
}

/// A use case holding the writer inside the group's transaction.
struct Member {
    slot: OwnedMutexGuard<Slot>,
    writer: Arc<Shared>,
}

impl Drop for Member {
    fn drop(&mut self) {
        if self.slot.member_open {
            // Rolled back by whoever takes the writer next; make sure someone does.
            self.writer.flush.notify_one();
        }
    }
}

impl Member {
    async fn commit(mut self) -> StoreResult<()> {
        let slot = &mut *self.slot;
        let Some(group) = slot.group.as_mut() else {
            return Err(StoreError::Commit(
                "the transaction is no longer open".into(),
            ));
        };
        group.members += 1;
        let full = group.members >= self.writer.max_group;
        let mut outcome = group.outcome.subscribe();
        slot.member_open = false;
        slot.release_pending = true;
        if full || self.writer.waiting.load(Ordering::SeqCst) == 0 {
            slot.finish(&self.writer)
                .await
                .map_err(|e| StoreError::Commit(e.to_string()))
        } else {
            // Others are waiting: let them join; the flusher commits the group once it
            // gets the writer after them.
            let writer = self.writer.clone();
            drop(self);
            writer.flush.notify_one();
            match outcome.wait_for(Option::is_some).await {
                Ok(o) => match o.as_ref() {
                    Some(Ok(())) => Ok(()),
                    Some(Err(e)) => Err(StoreError::Commit(e.to_string())),
                    None => Err(StoreError::Commit("no outcome".into())),
                },
                Err(_) => Err(StoreError::Commit(
                    "the group's transaction was abandoned".into(),
                )),
            }
        }
    }
}

/// What the writer, its members and its flusher share.
struct Shared {
    /// Use cases waiting for the writer.
    waiting: AtomicUsize,
    /// Groups committed, and the use cases they held.
    groups: AtomicU64,
    members: AtomicU64,
    /// Most members of a group.
    max_group: usize,
    /// The store is gone: the flusher ends.
    closed: AtomicBool,
    /// Wakes the flusher.
    flush: Arc<Notify>,
}

/// SQLite's one writer connection with group commit.
pub(crate) struct SqliteWriter {
    slot: Arc<Mutex<Slot>>,
    shared: Arc<Shared>,
    acquire_timeout: Duration,
}

impl Drop for SqliteWriter {
    fn drop(&mut self) {
        // Lets the flusher see that the writer is gone and end.
        self.shared.closed.store(true, Ordering::SeqCst);
        self.shared.flush.notify_one();
    }
}

/// Counts a waiter for as long as it waits (also when its future is dropped).
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl SqliteWriter {
    /// Takes over the writer connection and starts its flusher task.
    pub(crate) fn new(
        conn: AnyConnection,
        acquire_timeout: Duration,
        max_group: usize,
    ) -> SqliteWriter {
        let slot = Arc::new(Mutex::new(Slot {
            conn,
            group: None,
            release_pending: false,
            member_open: false,
            doubt: None,
        }));
        let shared = Arc::new(Shared {
            waiting: AtomicUsize::new(0),
            groups: AtomicU64::new(0),
            members: AtomicU64::new(0),
            max_group,
            closed: AtomicBool::new(false),
            flush: Arc::new(Notify::new()),
        });
        let weak: Weak<Mutex<Slot>> = Arc::downgrade(&slot);
        let flusher = shared.clone();
        tokio::spawn(async move {
            loop {
                flusher.flush.notified().await;
                if flusher.closed.load(Ordering::SeqCst) {
                    return;
                }
                let Some(slot) = weak.upgrade() else { return };
                let mut s = slot.lock().await;
                let _ = s.finish(&flusher).await;
            }
        });
        SqliteWriter {
            slot,
            shared,
            acquire_timeout,
        }
    }

    async fn lock(&self) -> StoreResult<OwnedMutexGuard<Slot>> {
        self.shared.waiting.fetch_add(1, Ordering::SeqCst);
        let _waiting = Waiting(&self.shared.waiting);
        tokio::time::timeout(self.acquire_timeout, self.slot.clone().lock_owned())
            .await
            .map_err(|_| StoreError::Database(sqlx::Error::PoolTimedOut))
    }

    /// Groups committed so far, and the use cases they held (committed groups only).
    pub(crate) fn stats(&self) -> (u64, u64) {
        (
            self.shared.groups.load(Ordering::Relaxed),
            self.shared.members.load(Ordering::Relaxed),
        )
    }

    /// Use cases waiting for the writer right now.
    pub(crate) fn waiting(&self) -> usize {
        self.shared.waiting.load(Ordering::SeqCst)
    }

    /// Starts a use case's transaction: joins the open group or opens one.
    pub(crate) async fn begin(&self) -> StoreResult<Tx> {
        let mut slot = self.lock().await?;
        slot.tidy().await;
        if slot.group.is_some() {
            let sql = if slot.release_pending {
                RELEASE_AND_BEGIN
            } else {
                BEGIN
            };
            match slot.run(sql, Doubt::Other).await {
                Ok(()) => slot.release_pending = false,
                Err(e) => slot.fail(&e.to_string()).await,
            }
        }
        if slot.group.is_none() {
            if let Err(e) = slot.run(OPEN, Doubt::Other).await {
                slot.fail(&e.to_string()).await;
                return Err(e.into());
            }
            slot.group = Some(Group {
                members: 0,
                outcome: watch::channel(None).0,
            });
        }
        slot.member_open = true;
        Ok(Tx(Inner::Member(Member {
            slot,
            writer: self.shared.clone(),
        })))
    }

    /// Runs `query`, whose text opens (`BEGIN IMMEDIATE`) and commits its own transaction, as
    /// a use case alone, in one round trip to the connection's thread instead of three
    /// (open, statements, commit). Only while the writer is idle: when other use cases wait
    /// or a group is open it returns `false` without running anything, and the caller takes
    /// the usual way (which joins the group).
    pub(crate) async fn write_alone<'q>(
        &self,
        query: sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>,
    ) -> StoreResult<bool> {
        if self.shared.waiting.load(Ordering::SeqCst) > 0 {
            return Ok(false);
        }
        let mut slot = self.lock().await?;
        slot.tidy().await;
        if slot.group.is_some() || self.shared.waiting.load(Ordering::SeqCst) > 0 {
            return Ok(false);
        }
        // Cut off halfway, the transaction may be open: `tidy` rolls it back (with no
        // group, nobody else is told anything).
        slot.doubt = Some(Doubt::Commit);
        match query.execute(&mut slot.conn).await {
            Ok(_) => {
                slot.doubt = None;
                self.shared.groups.fetch_add(1, Ordering::Relaxed);
                self.shared.members.fetch_add(1, Ordering::Relaxed);
                Ok(true)
            }
            Err(e) => {
                // A statement failed before the commit (or the commit did): nothing of it
                // stays. "No transaction is active" only says the open itself failed.
                slot.doubt = None;
                let _ = slot.conn.execute("ROLLBACK").await;
                Err(e.into())
            }
        }
    }

    /// The writer connection outside any transaction (the open group is committed first),
    /// for migrations and maintenance statements.
    pub(crate) async fn exclusive(&self) -> StoreResult<Exclusive> {
        let mut slot = self.lock().await?;
        slot.finish(&self.shared)
            .await
            .map_err(|e| StoreError::Commit(e.to_string()))?;
        Ok(Exclusive(slot))
    }
}

/// The writer connection held outside any transaction.
pub(crate) struct Exclusive(OwnedMutexGuard<Slot>);

impl Deref for Exclusive {
    type Target = AnyConnection;

    fn deref(&self) -> &AnyConnection {
        &self.0.conn
    }
}

impl DerefMut for Exclusive {
    fn deref_mut(&mut self) -> &mut AnyConnection {
        &mut self.0.conn
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use sqlx::{Executor, Row};

    use crate::{Store, StoreError, StoreOptions};

    async fn store(dir: &tempfile::TempDir) -> Store {
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let store = Store::connect(&StoreOptions {
            database_url: url,
            max_connections: 4,
            acquire_timeout: Duration::from_secs(30),
            ..StoreOptions::default()
        })
        .await
        .unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.execute("CREATE TABLE t (k TEXT PRIMARY KEY)")
            .await
            .unwrap();
        Store::commit(tx).await.unwrap();
        store
    }

    async fn insert(tx: &mut super::Tx, k: &str) -> Result<(), StoreError> {
        sqlx::query("INSERT INTO t (k) VALUES ($1)")
            .bind(k.to_owned())
            .execute(&mut **tx)
            .await?;
        Ok(())
    }

    async fn keys(store: &Store) -> Vec<String> {
        let mut c = store.read().await.unwrap();
        sqlx::query("SELECT k FROM t ORDER BY k")
            .fetch_all(&mut *c)
            .await
            .unwrap()
            .iter()
            .map(|r| r.get::<String, _>("k"))
            .collect()
    }

    /// Many use cases queue for the writer at once: the failing ones (a duplicate key, then
    /// dropped) leave nothing behind, the others are all committed, in shared groups.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn queued_use_cases_commit_together_and_a_failed_one_undoes_only_its_own_work() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let mut tx = store.begin().await.unwrap();
        insert(&mut tx, "taken").await.unwrap();
        Store::commit(tx).await.unwrap();
        let (groups_before, _) = store.group_commit_stats().unwrap();

        // Hold the writer until everyone is queued, so that they form groups.
        let holder = store.begin().await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..40 {
            let store = store.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = store.begin().await?;
                insert(&mut tx, &format!("k{i:02}")).await?;
                if i % 4 == 0 {
                    // Fails; the use case gives up and its transaction is dropped.
                    insert(&mut tx, "taken").await?;
                }
                tokio::task::yield_now().await;
                Store::commit(tx).await
            }));
        }
        while store.group_commit_waiting() < 40 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        Store::commit(holder).await.unwrap();
        for (i, t) in tasks.into_iter().enumerate() {
            let r = t.await.unwrap();
            if i % 4 == 0 {
                assert!(matches!(r, Err(StoreError::Duplicate)), "{i}: {r:?}");
            } else {
                assert!(r.is_ok(), "{i}: {r:?}");
            }
        }
        let mut want: Vec<String> = (0..40)
            .filter(|i| i % 4 != 0)
            .map(|i| format!("k{i:02}"))
            .collect();
        want.push("taken".into());
        assert_eq!(keys(&store).await, want);
        let (groups, members) = store.group_commit_stats().unwrap();
        assert!(
            groups - groups_before < 30,
            "30 successful use cases took {} commits",
            groups - groups_before
        );
        assert!(members >= 31);
    }

    /// A use case dropped in the middle of a group (say, its request was cancelled) does not
    /// stall the group: the members before and after it are committed and told so.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_transaction_dropped_inside_a_group_is_rolled_back_and_the_group_commits() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let first = store.begin().await.unwrap();
        let spawn = |name: &'static str, commit: bool| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut tx = store.begin().await?;
                insert(&mut tx, name).await?;
                if commit {
                    Store::commit(tx).await
                } else {
                    drop(tx);
                    Ok(())
                }
            })
        };
        let a = spawn("a", true);
        while store.group_commit_waiting() < 1 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let b = spawn("b", false);
        while store.group_commit_waiting() < 2 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let c = spawn("c", true);
        while store.group_commit_waiting() < 3 {
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let mut first = first;
        insert(&mut first, "first").await.unwrap();
        Store::commit(first).await.unwrap();
        for t in [a, b, c] {
            t.await.unwrap().unwrap();
        }
        assert_eq!(keys(&store).await, ["a", "c", "first"]);
        // And the writer is free and clean afterwards.
        let mut tx = store.begin().await.unwrap();
        insert(&mut tx, "later").await.unwrap();
        Store::commit(tx).await.unwrap();
        assert_eq!(keys(&store).await, ["a", "c", "first", "later"]);
    }

    /// A use case written alone in one round trip is committed; one whose statement fails
    /// halfway leaves nothing behind and the writer clean for the next.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_use_case_alone_commits_in_one_go_or_leaves_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let done = store
            .write_alone(
                sqlx::query("BEGIN IMMEDIATE; INSERT INTO t (k) VALUES ($1); COMMIT").bind("a"),
            )
            .await
            .unwrap();
        assert!(done);
        let failed = store
            .write_alone(sqlx::query(
                "BEGIN IMMEDIATE; INSERT INTO t (k) VALUES ('b'); INSERT INTO t (k) VALUES ('a'); COMMIT",
            ))
            .await;
        assert!(matches!(failed, Err(StoreError::Duplicate)), "{failed:?}");
        assert_eq!(keys(&store).await, ["a"]);
        let mut tx = store.begin().await.unwrap();
        insert(&mut tx, "c").await.unwrap();
        Store::commit(tx).await.unwrap();
        assert_eq!(keys(&store).await, ["a", "c"]);
    }

    /// A committed use case is in the file: a new connection (another process, after a
    /// restart) sees it.
    #[tokio::test]
    async fn a_commit_is_seen_by_a_new_connection() {
        let dir = tempfile::tempdir().unwrap();
        let store = store(&dir).await;
        let mut tx = store.begin().await.unwrap();
        insert(&mut tx, "kept").await.unwrap();
        Store::commit(tx).await.unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let mut c = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
            .await
            .unwrap();
        let n: i64 = sqlx::query("SELECT COUNT(*) AS n FROM t WHERE k = 'kept'")
            .fetch_one(&mut c)
            .await
            .unwrap()
            .get("n");
        assert_eq!(n, 1);
    }
}
