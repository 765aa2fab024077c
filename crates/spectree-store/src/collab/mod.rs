//! Durable form of live documents: snapshots, the update log, client-id bindings and editing
//! sessions. Document bytes pass through the sealing API.

use spectree_domain::Timestamp;
use spectree_domain::ids::{ItemId, OrgId, SessionId, TokenId, UserId};
use sqlx::{AnyConnection, Row};

use crate::{Dialect, StoreResult};

use crate::seal::Sealer;

pub mod conflicts;

/// A document as stored: the snapshot (if any) and the updates after it, in order.
#[derive(Debug, Clone, Default)]
pub struct StoredDoc {
    /// The snapshot's state and the seq it includes.
    pub snapshot: Option<(i64, Vec<u8>)>,
    /// Updates after the snapshot: (seq, bytes).
    pub updates: Vec<(i64, Vec<u8>)>,
}

impl StoredDoc {
    /// The last seq stored (0 when nothing is).
    pub fn last_seq(&self) -> i64 {
        self.updates
            .last()
            .map(|u| u.0)
            .or(self.snapshot.as_ref().map(|s| s.0))
            .unwrap_or(0)
    }

    /// Total size of the updates after the snapshot.
    pub fn update_bytes(&self) -> usize {
        self.updates.iter().map(|u| u.1.len()).sum()
    }
}

/// Loads a document's snapshot and the updates after it.
pub async fn load(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
) -> StoreResult<StoredDoc> {
    let snap = sqlx::query("SELECT seq, data FROM doc_snapshots WHERE item_id = $1")
        .bind(item.to_string())
        .fetch_optional(&mut *c)
        .await?;
    let snapshot = match snap {
        Some(r) => {
            let data: Vec<u8> = r.try_get("data")?;
            Some((r.try_get::<i64, _>("seq")?, sealer.open(org, &data)?))
        }
        None => None,
    };
    let after = snapshot.as_ref().map(|s| s.0).unwrap_or(0);
    let updates = updates_after(c, sealer, org, item, after).await?;
    Ok(StoredDoc { snapshot, updates })
}

/// The stored updates of a document after `after`, in order, opened.
async fn updates_after(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    after: i64,
) -> StoreResult<Vec<(i64, Vec<u8>)>> {
    let rows = sqlx::query(
        "SELECT seq, data FROM doc_updates WHERE item_id = $1 AND seq > $2 ORDER BY seq",
    )
    .bind(item.to_string())
    .bind(after)
    .fetch_all(c)
    .await?;
    let mut updates = Vec::with_capacity(rows.len());
    for r in rows {
        let data: Vec<u8> = r.try_get("data")?;
        updates.push((r.try_get::<i64, _>("seq")?, sealer.open(org, &data)?));
    }
    Ok(updates)
}

/// Stores the first snapshot of a document (seeded from its relational row) unless another
/// node stored one first; returns whether this call stored it.
pub async fn seed(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    state: &[u8],
    now: Timestamp,
) -> StoreResult<bool> {
    let r = sqlx::query(
        "INSERT INTO doc_snapshots (item_id, org_id, seq, data, updated_at) VALUES ($1, $2, 0, $3, $4) \
         ON CONFLICT (item_id) DO NOTHING",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .bind(sealer.seal(org, state)?)
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// One update to append.
#[derive(Debug, Clone)]
pub struct NewUpdate<'a> {
    /// Its seq (the previous one + 1).
    pub seq: i64,
    /// The Yjs update (v1 encoding).
    pub data: &'a [u8],
    /// Who made it.
    pub user_id: Option<UserId>,
    /// The Yjs client id it came under.
    pub client_id: Option<u64>,
}

/// Appends an update; [`crate::StoreError::Duplicate`] when the seq is taken (another node
/// appended first).
pub async fn append(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    u: &NewUpdate<'_>,
    now: Timestamp,
) -> StoreResult<()> {
    update_query(INSERT_UPDATE, sealer, org, item, u, now, None)?
        .execute(c)
        .await?;
    Ok(())
}

/// The insert of one update into the log: parameters `$1` to `$7` (a macro, so that
/// [`append_touching`] can put a statement after it).
macro_rules! insert_update_sql {
    () => {
        "INSERT INTO doc_updates (item_id, seq, org_id, data, user_id, client_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)"
    };
}

const INSERT_UPDATE: &str = insert_update_sql!();

/// The query `sql`, which starts with [`INSERT_UPDATE`], with the update's parameters and,
/// when given, an editor (`$8`), the idle limit of a live session (`$9`) and, unless the
/// editor's session is known to be open, the id of a session it may open (`$10`).
#[allow(clippy::too_many_arguments)]
fn update_query<'q>(
    sql: &'static str,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    u: &NewUpdate<'_>,
    now: Timestamp,
    editor: Option<(UserId, Timestamp, SessionState)>,
) -> StoreResult<sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>> {
    let mut q = sqlx::query(sql)
        .bind(item.to_string())
        .bind(u.seq)
        .bind(org.to_string())
        .bind(sealer.seal(org, u.data)?)
        .bind(u.user_id.map(|x| x.to_string()))
        .bind(u.client_id.map(|x| i64::try_from(x).unwrap_or(i64::MAX)))
        .bind(now.0);
    if let Some((user, idle_before, session)) = editor {
        q = q.bind(user.to_string()).bind(idle_before.0);
        if session == SessionState::Unknown {
            q = q.bind(uuid::Uuid::now_v7().to_string());
        }
    }
    Ok(q)
}

/// Replaces the snapshot with the state as of `seq` and drops the updates it includes.
pub async fn compact(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    seq: i64,
    state: &[u8],
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO doc_snapshots (item_id, org_id, seq, data, updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (item_id) DO UPDATE SET seq = excluded.seq, data = excluded.data, \
         updated_at = excluded.updated_at WHERE doc_snapshots.seq < excluded.seq",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .bind(seq)
    .bind(sealer.seal(org, state)?)
    .bind(now.0)
    .execute(&mut *c)
    .await?;
    sqlx::query("DELETE FROM doc_updates WHERE item_id = $1 AND seq <= $2")
        .bind(item.to_string())
        .bind(seq)
        .execute(c)
        .await?;
    Ok(())
}

/// Who a Yjs client id writes for on a document: the user, and whether an AI writes under it
/// for that user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientBinding {
    /// The person.
    pub user_id: UserId,
    /// An AI writes under this id for `user_id` (who started it).
    pub ai: bool,
}

/// The binding of a Yjs client id on a document, if any.
pub async fn client_owner(
    c: &mut AnyConnection,
    item: ItemId,
    client_id: u64,
) -> StoreResult<Option<ClientBinding>> {
    let row =
        sqlx::query("SELECT user_id, kind FROM doc_clients WHERE item_id = $1 AND client_id = $2")
            .bind(item.to_string())
            .bind(i64::try_from(client_id).unwrap_or(i64::MAX))
            .fetch_optional(c)
            .await?;
    match row {
        Some(r) => Ok(Some(ClientBinding {
            user_id: crate::row::parse(&r, "user_id")?,
            ai: crate::row::text(&r, "kind")? == "ai",
        })),
        None => Ok(None),
    }
}

/// Binds a client id (no-op when already bound).
pub async fn bind_client(
    c: &mut AnyConnection,
    item: ItemId,
    client_id: u64,
    binding: ClientBinding,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO doc_clients (item_id, client_id, user_id, created_at, kind) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (item_id, client_id) DO NOTHING",
    )
    .bind(item.to_string())
    .bind(i64::try_from(client_id).unwrap_or(i64::MAX))
    .bind(binding.user_id.to_string())
    .bind(now.0)
    .bind(if binding.ai { "ai" } else { "user" })
    .execute(c)
    .await?;
    Ok(())
}

/// Records an edit in the user's open editing session on the item, or opens one. A session
/// whose last edit is older than `idle_before` is closed and a new one opened.
pub async fn touch_session(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    user: UserId,
    now: Timestamp,
    idle_before: Timestamp,
) -> StoreResult<()> {
    // The common case, one statement: the user's open session is still live.
    let r = sqlx::query(
        "UPDATE edit_sessions SET last_edit_at = $3, updates = updates + 1 WHERE item_id = $1 \
         AND user_id = $2 AND ended_at IS NULL AND last_edit_at >= $4",
    )
    .bind(item.to_string())
    .bind(user.to_string())
    .bind(now.0)
    .bind(idle_before.0)
    .execute(&mut *c)
    .await?;
    if r.rows_affected() == 0 {
        open_session(c, org, item, user, now).await?;
    }
    Ok(())
}

/// [`touch_session`] in SQL, after [`INSERT_UPDATE`] (SQLite): the editor's (`$8`) live
/// session is touched; an open one idle since before `$9` is ended; and when none is open
/// then, one is opened (id `$10`) at the update's time (`$7`).
macro_rules! touch_session_sql {
    () => {
        "; UPDATE edit_sessions SET last_edit_at = $7, updates = updates + 1 WHERE item_id = $1 \
         AND user_id = $8 AND ended_at IS NULL AND last_edit_at >= $9; \
         UPDATE edit_sessions SET ended_at = last_edit_at WHERE item_id = $1 AND user_id = $8 \
         AND ended_at IS NULL AND last_edit_at < $9; \
         INSERT INTO edit_sessions (id, org_id, item_id, user_id, started_at, last_edit_at, updates) \
         SELECT $10, $3, $1, $8, $7, $7, 1 WHERE NOT EXISTS (SELECT 1 FROM edit_sessions \
         WHERE item_id = $1 AND user_id = $8 AND ended_at IS NULL)"
    };
}

/// [`append`] and then [`touch_session`] for `user`. On SQLite both are one multi-statement
/// query: one round trip to the connection's thread, for every update a person makes.
#[allow(clippy::too_many_arguments)]
pub async fn append_touching(
    c: &mut AnyConnection,
    dialect: Dialect,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    u: &NewUpdate<'_>,
    user: UserId,
    now: Timestamp,
    idle_before: Timestamp,
) -> StoreResult<()> {
    if dialect == Dialect::Postgres {
        append(c, sealer, org, item, u, now).await?;
        return touch_session(c, org, item, user, now, idle_before).await;
    }
    const SQL: &str = concat!(insert_update_sql!(), touch_session_sql!());
    let editor = Some((user, idle_before, SessionState::Unknown));
    update_query(SQL, sealer, org, item, u, now, editor)?
        .execute(c)
        .await?;
    Ok(())
}

/// What the caller knows of the editor's editing session on the item.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionState {
    /// Nothing: the session may be open, idle (to be closed) or missing (to be opened).
    Unknown,
    /// Open and last touched after the idle limit: by this node's last update of the
    /// editor's, and nothing else closes sessions. Just the touch is written (two
    /// statements fewer for every update a person makes).
    Open,
}

/// [`append_touching`] as a use case of its own, committed in the same round trip, when
/// SQLite's writer is idle ([`Store::write_alone`](crate::Store::write_alone)). `false`
/// when that is not possible now: nothing was written, and the caller appends in a
/// transaction of its own.
#[allow(clippy::too_many_arguments)]
pub async fn append_touching_alone(
    store: &crate::Store,
    org: OrgId,
    item: ItemId,
    u: &NewUpdate<'_>,
    user: UserId,
    now: Timestamp,
    idle_before: Timestamp,
    session: SessionState,
) -> StoreResult<bool> {
    if store.dialect() == Dialect::Postgres {
        return Ok(false);
    }
    const SQL: &str = concat!(
        "BEGIN IMMEDIATE; ",
        insert_update_sql!(),
        touch_session_sql!(),
        "; COMMIT"
    );
    // The touch alone; its idle condition stays, so a session closed after all is left
    // closed (the update is stored either way).
    const SQL_OPEN: &str = concat!(
        "BEGIN IMMEDIATE; ",
        insert_update_sql!(),
        "; UPDATE edit_sessions SET last_edit_at = $7, updates = updates + 1 WHERE item_id = $1 \
         AND user_id = $8 AND ended_at IS NULL AND last_edit_at >= $9; COMMIT"
    );
    let sql = match session {
        SessionState::Unknown => SQL,
        SessionState::Open => SQL_OPEN,
    };
    let editor = Some((user, idle_before, session));
    let q = update_query(sql, store.sealer(), org, item, u, now, editor)?;
    store.write_alone(q).await
}

/// Closes the user's open editing session on the item (if any) and opens a new one at `now`.
async fn open_session(
    c: &mut AnyConnection,
    org: OrgId,
    item: ItemId,
    user: UserId,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE edit_sessions SET ended_at = last_edit_at WHERE item_id = $1 AND user_id = $2 \
         AND ended_at IS NULL",
    )
    .bind(item.to_string())
    .bind(user.to_string())
    .execute(&mut *c)
    .await?;
    sqlx::query(
        "INSERT INTO edit_sessions (id, org_id, item_id, user_id, started_at, last_edit_at, updates) \
         VALUES ($1, $2, $3, $4, $5, $5, 1)",
    )
    .bind(uuid::Uuid::now_v7().to_string())
    .bind(org.to_string())
    .bind(item.to_string())
    .bind(user.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Editing sessions of an item: (user, started, last edit, ended, updates), oldest first.
pub async fn sessions(
    c: &mut AnyConnection,
    item: ItemId,
) -> StoreResult<Vec<(UserId, Timestamp, Timestamp, Option<Timestamp>, i64)>> {
    let rows = sqlx::query(
        "SELECT user_id, started_at, last_edit_at, ended_at, updates FROM edit_sessions \
         WHERE item_id = $1 ORDER BY started_at",
    )
    .bind(item.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                crate::row::parse(r, "user_id")?,
                crate::row::ts(r, "started_at")?,
                crate::row::ts(r, "last_edit_at")?,
                crate::row::ts_opt(r, "ended_at")?,
                r.try_get::<i64, _>("updates")?,
            ))
        })
        .collect()
}

/// Stores a ticket for opening an item's socket.
pub async fn insert_ticket(
    c: &mut AnyConnection,
    hash: &str,
    user: UserId,
    item: ItemId,
    via: TicketVia,
    expires_at: Timestamp,
) -> StoreResult<()> {
    let (session, token) = match via {
        TicketVia::Session(s) => (Some(s.to_string()), None),
        TicketVia::Token(t) => (None, Some(t.to_string())),
    };
    sqlx::query(
        "INSERT INTO collab_tickets (token_hash, user_id, item_id, expires_at, session_id, \
         api_token_id) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash)
    .bind(user.to_string())
    .bind(item.to_string())
    .bind(expires_at.0)
    .bind(session)
    .bind(token)
    .execute(c)
    .await?;
    Ok(())
}

/// The credential a ticket was asked for with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TicketVia {
    /// A session.
    Session(SessionId),
    /// An API token.
    Token(TokenId),
}

/// Uses up a live ticket for `item`: returns its user and the credential that asked for it,
/// or `None` when it is unknown, expired, used, or for another item.
pub async fn redeem_ticket(
    c: &mut AnyConnection,
    hash: &str,
    item: ItemId,
    now: Timestamp,
) -> StoreResult<Option<(UserId, Option<TicketVia>)>> {
    let row = sqlx::query(
        "DELETE FROM collab_tickets WHERE token_hash = $1 AND item_id = $2 AND expires_at > $3 \
         RETURNING user_id, session_id, api_token_id",
    )
    .bind(hash)
    .bind(item.to_string())
    .bind(now.0)
    .fetch_optional(c)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let via = match (
        crate::row::parse_opt(&r, "session_id")?,
        crate::row::parse_opt(&r, "api_token_id")?,
    ) {
        (Some(s), _) => Some(TicketVia::Session(s)),
        (None, Some(t)) => Some(TicketVia::Token(t)),
        (None, None) => None,
    };
    Ok(Some((crate::row::parse(&r, "user_id")?, via)))
}

/// What the database has of a document beyond `after` (the last seq a node applied): the
/// snapshot too when it has moved past `after` (the updates in between were compacted away).
pub async fn load_after(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    after: i64,
) -> StoreResult<StoredDoc> {
    let snap_seq: Option<i64> =
        sqlx::query_scalar("SELECT seq FROM doc_snapshots WHERE item_id = $1")
            .bind(item.to_string())
            .fetch_optional(&mut *c)
            .await?;
    if snap_seq.is_some_and(|s| s > after) {
        return load(c, sealer, org, item).await;
    }
    let updates = updates_after(c, sealer, org, item, after).await?;
    Ok(StoredDoc {
        snapshot: None,
        updates,
    })
}

/// Takes the compaction lock of a document for the rest of the transaction: on PostgreSQL an
/// advisory lock, so two nodes never compact one document at once (false when another node
/// holds it); SQLite has a single writer anyway.
pub async fn try_compaction_lock(
    c: &mut AnyConnection,
    dialect: crate::Dialect,
    item: ItemId,
) -> StoreResult<bool> {
    match dialect {
        crate::Dialect::Sqlite => Ok(true),
        crate::Dialect::Postgres => {
            let key = i64::from_be_bytes(
                item.as_uuid().as_bytes()[8..16]
                    .try_into()
                    .unwrap_or([0; 8]),
            );
            let got: bool = sqlx::query_scalar("SELECT pg_try_advisory_xact_lock($1)")
                .bind(key)
                .fetch_one(c)
                .await
                .or_else(|_| Ok::<bool, sqlx::Error>(false))?;
            Ok(got)
        }
    }
}
