//! The activity outbox. Each recorded activity leaves a row here in the transaction of the
//! change; a dispatcher claims rows in its own transaction (deleting them) and hands the
//! activities to its consumers in that same transaction, so an activity is processed once:
//! a claim that rolls back puts its rows back. On PostgreSQL claimers on several nodes skip
//! each other's locked rows (`FOR UPDATE SKIP LOCKED`); SQLite has one writer.
//!
//! An activity a consumer failed on goes back with its attempts counted and a time before
//! which it is not claimed ([`retry_later`]), or, out of attempts, into the dead letters
//! ([`dead_letter`]), so one bad activity never holds back the others.

use spectree_domain::clock::Timestamp;
use sqlx::AnyConnection;

use super::{Activity, COLUMNS, from_row, get_many};
use crate::{Dialect, StoreResult};

/// Whether anything due waits in the outbox (a cheap read, so an idle dispatcher does not
/// open a write transaction for nothing).
pub async fn pending(c: &mut AnyConnection, now: Timestamp) -> StoreResult<bool> {
    Ok(
        sqlx::query("SELECT activity_id FROM activity_outbox WHERE retry_at <= $1 LIMIT 1")
            .bind(now.0)
            .fetch_optional(c)
            .await?
            .is_some(),
    )
}

/// Opens a savepoint for one activity's writes, inside the claim transaction.
pub async fn isolate(c: &mut AnyConnection) -> StoreResult<()> {
    sqlx::raw_sql("SAVEPOINT spectree_activity")
        .execute(c)
        .await?;
    Ok(())
}

/// Closes the savepoint of [`isolate`], keeping its writes or (`keep` false) undoing them.
pub async fn settle(c: &mut AnyConnection, keep: bool) -> StoreResult<()> {
    let sql = if keep {
        "RELEASE SAVEPOINT spectree_activity"
    } else {
        "ROLLBACK TO SAVEPOINT spectree_activity; RELEASE SAVEPOINT spectree_activity"
    };
    sqlx::raw_sql(sql).execute(c).await?;
    Ok(())
}

/// A claimed activity with the attempts made on it before.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The activity.
    pub activity: Activity,
    /// Failed attempts before this claim.
    pub attempts: u32,
}

/// Puts a claimed activity back, after a failed attempt, to be claimed again at `retry_at`.
pub async fn retry_later(
    c: &mut AnyConnection,
    activity_id: i64,
    attempts: u32,
    retry_at: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO activity_outbox (activity_id, attempts, retry_at) VALUES ($1, $2, $3)",
    )
    .bind(activity_id)
    .bind(i64::from(attempts))
    .bind(retry_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Sets a claimed activity aside for good: `consumer` failed on it `attempts` times, the
/// last with `error` (kept to 2,000 characters).
pub async fn dead_letter(
    c: &mut AnyConnection,
    activity_id: i64,
    consumer: &str,
    error: &str,
    attempts: u32,
    now: Timestamp,
) -> StoreResult<()> {
    let error: String = error.chars().take(2000).collect();
    sqlx::query(
        "INSERT INTO activity_dead_letters (activity_id, consumer, error, attempts, failed_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(activity_id)
    .bind(consumer)
    .bind(error)
    .bind(i64::from(attempts))
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}

/// A dead letter: an activity the consumers gave up on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The activity.
    pub activity_id: i64,
    /// The consumer that failed last.
    pub consumer: String,
    /// Its last error.
    pub error: String,
    /// Attempts made.
    pub attempts: u32,
    /// When it was set aside.
    pub failed_at: Timestamp,
}

/// The dead letters, oldest first (at most `limit`).
pub async fn dead_letters(c: &mut AnyConnection, limit: u32) -> StoreResult<Vec<DeadLetter>> {
    let rows = sqlx::query(
        "SELECT activity_id, consumer, error, attempts, failed_at FROM activity_dead_letters \
         ORDER BY activity_id LIMIT $1",
    )
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            use sqlx::Row;
            Ok(DeadLetter {
                activity_id: r.try_get("activity_id")?,
                consumer: r.try_get("consumer")?,
                error: r.try_get("error")?,
                attempts: u32::try_from(r.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
                failed_at: crate::row::ts(r, "failed_at")?,
            })
        })
        .collect()
}

/// Activity waiting in the outbox (due or not) and dead letters, for the metrics.
pub async fn counts(c: &mut AnyConnection) -> StoreResult<(i64, i64)> {
    use sqlx::Row;
    let r = sqlx::query(
        "SELECT (SELECT COUNT(*) FROM activity_outbox) AS waiting, \
         (SELECT COUNT(*) FROM activity_dead_letters) AS dead",
    )
    .fetch_one(c)
    .await?;
    Ok((r.try_get("waiting")?, r.try_get("dead")?))
}

/// Claims (deletes) up to `limit` of the oldest due outbox rows and returns their
/// activities in id order. Call inside the dispatcher's transaction, first.
///
/// On PostgreSQL the claim transaction commits asynchronously (`synchronous_commit = off`,
/// for this transaction only): should the database crash before it flushes, the whole
/// transaction (claim and consumers' writes) is lost together and the rows are claimed
/// again, so nothing is processed twice in the database; only side effects after the
/// commit (a live event) may repeat, with the same activity id.
pub async fn claim(
    c: &mut AnyConnection,
    dialect: Dialect,
    limit: u32,
    now: Timestamp,
) -> StoreResult<Vec<Claimed>> {
    if dialect == Dialect::Postgres {
        // One round trip: the claim's commit made asynchronous (`SET LOCAL`), the claim, and
        // the claimed activities read. The ids go through an array and the activities are
        // read in a lateral subquery (`OFFSET 0` keeps it from being flattened) so that
        // both are looked up by primary key: the prepared statement's generic plan expects
        // `$1` rows and, joining, hashed the whole outbox and the whole activity table
        // (which only grows) on every claim.
        let columns: Vec<String> = COLUMNS.split(", ").map(|col| format!("a.{col}")).collect();
        let sql = format!(
            "WITH claimed AS (DELETE FROM activity_outbox WHERE activity_id = ANY(ARRAY(\
             SELECT activity_id FROM activity_outbox WHERE retry_at <= $2 ORDER BY activity_id \
             LIMIT $1 FOR UPDATE SKIP LOCKED)) RETURNING activity_id, attempts) SELECT {}, \
             claimed.attempts FROM (SELECT set_config('synchronous_commit', 'off', true)) AS s, \
             claimed CROSS JOIN LATERAL (SELECT * FROM activity WHERE id = claimed.activity_id \
             OFFSET 0) AS a ORDER BY a.id",
            columns.join(", ")
        );
        let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
            .bind(i64::from(limit))
            .bind(now.0)
            .fetch_all(c)
            .await?;
        return rows
            .iter()
            .map(|r| {
                let attempts = sqlx::Row::try_get::<i64, _>(r, "attempts")?;
                Ok(Claimed {
                    activity: from_row(r)?,
                    attempts: u32::try_from(attempts).unwrap_or(u32::MAX),
                })
            })
            .collect();
    }
    let claimed = sqlx::query(
        "DELETE FROM activity_outbox WHERE activity_id IN (SELECT activity_id FROM \
         activity_outbox WHERE retry_at <= $2 ORDER BY activity_id LIMIT $1) \
         RETURNING activity_id, attempts",
    )
    .bind(i64::from(limit))
    .bind(now.0)
    .fetch_all(&mut *c)
    .await?;
    let mut ids = Vec::with_capacity(claimed.len());
    for r in &claimed {
        use sqlx::Row;
        let attempts = r.try_get::<i64, _>("attempts")?;
        ids.push((
            r.try_get::<i64, _>("activity_id")?,
            u32::try_from(attempts).unwrap_or(u32::MAX),
        ));
    }
    ids.sort_unstable();
    let only: Vec<i64> = ids.iter().map(|(id, _)| *id).collect();
    let activities = get_many(c, &only).await?;
    Ok(activities
        .into_iter()
        .map(|activity| {
            let attempts = ids
                .binary_search_by_key(&activity.id, |(id, _)| *id)
                .map(|i| ids[i].1)
                .unwrap_or(0);
            Claimed { activity, attempts }
        })
        .collect())
}
