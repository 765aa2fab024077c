//! The `webhook_deliveries` table: the outbox the delivery worker drains and, per hook, its
//! delivery log. A payload is sealed; each row keeps the outcome of its latest attempt.

use spectree_domain::Timestamp;
use spectree_domain::ids::OrgId;
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::StoreResult;
use crate::row::{parse, text, text_opt, ts, ts_opt};
use crate::seal::{Sealer, open_text, seal_text};

/// Where a delivery stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    /// Waiting for its next attempt.
    Pending,
    /// The receiver answered 2xx.
    Succeeded,
    /// Given up: attempts used up, or the hook was switched off.
    Failed,
}

impl DeliveryStatus {
    /// The stable name used in the API and the database.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Succeeded => "succeeded",
            DeliveryStatus::Failed => "failed",
        }
    }
}

impl std::str::FromStr for DeliveryStatus {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        match s {
            "pending" => Ok(DeliveryStatus::Pending),
            "succeeded" => Ok(DeliveryStatus::Succeeded),
            "failed" => Ok(DeliveryStatus::Failed),
            _ => Err(()),
        }
    }
}

/// One delivery of one event to one hook.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// Id (UUIDv7), sent as `X-Spectree-Delivery`.
    pub id: String,
    /// Organization.
    pub org_id: OrgId,
    /// The hook.
    pub webhook_id: String,
    /// Event kind, sent as `X-Spectree-Event`.
    pub event: String,
    /// The JSON body.
    pub payload: String,
    /// Where it stands.
    pub status: DeliveryStatus,
    /// Attempts made.
    pub attempts: i64,
    /// When the next attempt is due (pending deliveries).
    pub next_attempt_at: Option<Timestamp>,
    /// HTTP status of the latest attempt, if the receiver answered.
    pub status_code: Option<i64>,
    /// Duration of the latest attempt in milliseconds.
    pub duration_ms: Option<i64>,
    /// What went wrong in the latest attempt.
    pub error: Option<String>,
    /// The start of the receiver's latest answer.
    pub response: Option<String>,
    /// The delivery this one replays.
    pub replay_of: Option<String>,
    /// Created.
    pub created_at: Timestamp,
    /// When it succeeded or was given up.
    pub completed_at: Option<Timestamp>,
}

const COLS: &str = "id, org_id, webhook_id, event, payload, status, attempts, next_attempt_at, \
     status_code, duration_ms, error, response, replay_of, created_at, completed_at";

fn from_row(r: &AnyRow, sealer: &dyn Sealer) -> StoreResult<Delivery> {
    let org_id: OrgId = parse(r, "org_id")?;
    let payload: Vec<u8> = sqlx::Row::try_get(r, "payload")?;
    Ok(Delivery {
        id: text(r, "id")?,
        org_id,
        webhook_id: text(r, "webhook_id")?,
        event: text(r, "event")?,
        payload: open_text(sealer, org_id, &payload)?,
        status: parse(r, "status")?,
        attempts: sqlx::Row::try_get(r, "attempts")?,
        next_attempt_at: ts_opt(r, "next_attempt_at")?,
        status_code: sqlx::Row::try_get(r, "status_code")?,
        duration_ms: sqlx::Row::try_get(r, "duration_ms")?,
        error: text_opt(r, "error")?,
        response: text_opt(r, "response")?,
        replay_of: text_opt(r, "replay_of")?,
        created_at: ts(r, "created_at")?,
        completed_at: ts_opt(r, "completed_at")?,
    })
}

/// Queues a delivery (status pending, due at `next_attempt_at`).
pub async fn insert(c: &mut AnyConnection, sealer: &dyn Sealer, d: &Delivery) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhook_deliveries (id, org_id, webhook_id, event, payload, status, \
         attempts, next_attempt_at, replay_of, created_at) \
         VALUES ($1, $2, $3, $4, $5, 'pending', 0, $6, $7, $8)",
    )
    .bind(&d.id)
    .bind(d.org_id.to_string())
    .bind(&d.webhook_id)
    .bind(&d.event)
    .bind(seal_text(sealer, d.org_id, &d.payload)?)
    .bind(d.next_attempt_at.map(|t| t.0))
    .bind(&d.replay_of)
    .bind(d.created_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// One delivery of a hook.
pub async fn get(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    webhook: &str,
    id: &str,
) -> StoreResult<Option<Delivery>> {
    let sql = format!(
        "SELECT {COLS} FROM webhook_deliveries WHERE org_id = $1 AND webhook_id = $2 AND id = $3"
    );
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(webhook)
        .bind(id)
        .fetch_optional(c)
        .await?
        .map(|r| from_row(&r, sealer))
        .transpose()
}

/// A hook's delivery log, newest first, before a cursor.
pub async fn list(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    webhook: &str,
    before: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "SELECT {COLS} FROM webhook_deliveries WHERE org_id = $1 AND webhook_id = $2 \
         AND ($3 = '' OR id < $3) ORDER BY id DESC LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(webhook)
        .bind(before.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(|r| from_row(r, sealer)).collect()
}

/// Pending deliveries due at `now`, the most overdue first, on any organization.
pub async fn due(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    now: Timestamp,
    limit: u32,
) -> StoreResult<Vec<Delivery>> {
    let sql = format!(
        "SELECT {COLS} FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= $1 \
         ORDER BY next_attempt_at, id LIMIT $2"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(now.0)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(|r| from_row(r, sealer)).collect()
}

/// Takes a due delivery for one attempt by moving its due time to `lease_until`; false when
/// another worker (or node) took it first.
pub async fn claim(
    c: &mut AnyConnection,
    d: &Delivery,
    lease_until: Timestamp,
) -> StoreResult<bool> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET next_attempt_at = $1 WHERE org_id = $2 AND id = $3 \
         AND status = 'pending' AND next_attempt_at = $4",
    )
    .bind(lease_until.0)
    .bind(d.org_id.to_string())
    .bind(&d.id)
    .bind(d.next_attempt_at.map(|t| t.0))
    .execute(c)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Writes the outcome of an attempt: status, attempt count, next due time and what the
/// receiver said.
pub async fn record_attempt(c: &mut AnyConnection, d: &Delivery) -> StoreResult<()> {
    sqlx::query(
        "UPDATE webhook_deliveries SET status = $1, attempts = $2, next_attempt_at = $3, \
         status_code = $4, duration_ms = $5, error = $6, response = $7, completed_at = $8 \
         WHERE org_id = $9 AND id = $10",
    )
    .bind(d.status.as_str())
    .bind(d.attempts)
    .bind(d.next_attempt_at.map(|t| t.0))
    .bind(d.status_code)
    .bind(d.duration_ms)
    .bind(&d.error)
    .bind(&d.response)
    .bind(d.completed_at.map(|t| t.0))
    .bind(d.org_id.to_string())
    .bind(&d.id)
    .execute(c)
    .await?;
    Ok(())
}

/// Gives up every pending delivery of a hook (it was switched off); returns how many.
pub async fn fail_pending(
    c: &mut AnyConnection,
    org: OrgId,
    webhook: &str,
    reason: &str,
    now: Timestamp,
) -> StoreResult<u64> {
    let done = sqlx::query(
        "UPDATE webhook_deliveries SET status = 'failed', next_attempt_at = NULL, error = $1, \
         completed_at = $2 WHERE org_id = $3 AND webhook_id = $4 AND status = 'pending'",
    )
    .bind(reason)
    .bind(now.0)
    .bind(org.to_string())
    .bind(webhook)
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}

/// Deletes up to `limit` finished deliveries (succeeded or failed) that finished before
/// `cutoff`; returns how many (call again while it returns `limit`).
pub async fn prune(c: &mut AnyConnection, cutoff: Timestamp, limit: u32) -> StoreResult<u64> {
    let done = sqlx::query(
        "DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries \
         WHERE completed_at < $1 AND status <> 'pending' ORDER BY completed_at LIMIT $2)",
    )
    .bind(cutoff.0)
    .bind(i64::from(limit))
    .execute(c)
    .await?;
    Ok(done.rows_affected())
}
