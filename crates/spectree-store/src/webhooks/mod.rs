//! The `webhooks` table: a team's outgoing hooks, their picked event kinds and their sealed
//! signing secrets. Every query is scoped by organization. Deliveries are in [`deliveries`].

pub mod deliveries;

use spectree_domain::Timestamp;
use spectree_domain::ids::{OrgId, TeamId, UserId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

use crate::row::{flag, parse, text, text_opt, ts};
use crate::seal::{Sealer, open_text, seal_text};
use crate::{StoreError, StoreResult};

/// A webhook as stored (without its secret, which is read on its own).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Webhook {
    /// Id (UUIDv7).
    pub id: String,
    /// Organization.
    pub org_id: OrgId,
    /// The team whose events it receives.
    pub team_id: TeamId,
    /// Target URL.
    pub url: String,
    /// Picked event kinds.
    pub events: Vec<String>,
    /// Whether deliveries are made.
    pub active: bool,
    /// Failed attempts in a row (reset by a success).
    pub consecutive_failures: i64,
    /// Why it was switched off by the server, if it was.
    pub disabled_reason: Option<String>,
    /// Who made it.
    pub created_by: UserId,
    /// Created.
    pub created_at: Timestamp,
    /// Last changed.
    pub updated_at: Timestamp,
}

const COLS: &str = "id, org_id, team_id, url, events, active, consecutive_failures, \
     disabled_reason, created_by, created_at, updated_at";

fn from_row(r: &AnyRow) -> StoreResult<Webhook> {
    let events: String = text(r, "events")?;
    Ok(Webhook {
        id: text(r, "id")?,
        org_id: parse(r, "org_id")?,
        team_id: parse(r, "team_id")?,
        url: text(r, "url")?,
        events: serde_json::from_str(&events)
            .map_err(|e| StoreError::Corrupt(format!("webhook events: {e}")))?,
        active: flag(r, "active")?,
        consecutive_failures: sqlx::Row::try_get(r, "consecutive_failures")?,
        disabled_reason: text_opt(r, "disabled_reason")?,
        created_by: parse(r, "created_by")?,
        created_at: ts(r, "created_at")?,
        updated_at: ts(r, "updated_at")?,
    })
}

fn events_json(events: &[String]) -> StoreResult<String> {
    serde_json::to_string(events).map_err(|e| StoreError::Corrupt(format!("webhook events: {e}")))
}

/// Stores a new hook with its secret, sealed.
pub async fn insert(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    w: &Webhook,
    secret: &str,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO webhooks (id, org_id, team_id, url, events, active, secret, \
         consecutive_failures, disabled_reason, created_by, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&w.id)
    .bind(w.org_id.to_string())
    .bind(w.team_id.to_string())
    .bind(&w.url)
    .bind(events_json(&w.events)?)
    .bind(i64::from(w.active))
    .bind(seal_text(sealer, w.org_id, secret)?)
    .bind(w.consecutive_failures)
    .bind(&w.disabled_reason)
    .bind(w.created_by.to_string())
    .bind(w.created_at.0)
    .bind(w.updated_at.0)
    .execute(c)
    .await?;
    Ok(())
}

/// Finds a hook by id, in any organization: callers authorize against its team next.
pub async fn get(c: &mut AnyConnection, id: &str) -> StoreResult<Option<Webhook>> {
    let sql = format!("SELECT {COLS} FROM webhooks WHERE id = $1");
    sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(id)
        .fetch_optional(c)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A hook's signing secret, opened.
pub async fn secret(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    id: &str,
) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT secret FROM webhooks WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id)
        .fetch_optional(c)
        .await?;
    row.map(|r| {
        let sealed: Vec<u8> = sqlx::Row::try_get(&r, "secret")?;
        open_text(sealer, org, &sealed)
    })
    .transpose()
}

/// Writes a hook's URL, kinds, active flag, failure count and reason.
pub async fn update(c: &mut AnyConnection, w: &Webhook) -> StoreResult<()> {
    sqlx::query(
        "UPDATE webhooks SET url = $1, events = $2, active = $3, consecutive_failures = $4, \
         disabled_reason = $5, updated_at = $6 WHERE org_id = $7 AND id = $8",
    )
    .bind(&w.url)
    .bind(events_json(&w.events)?)
    .bind(i64::from(w.active))
    .bind(w.consecutive_failures)
    .bind(&w.disabled_reason)
    .bind(w.updated_at.0)
    .bind(w.org_id.to_string())
    .bind(&w.id)
    .execute(c)
    .await?;
    Ok(())
}

/// Replaces a hook's secret.
pub async fn set_secret(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    id: &str,
    secret: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query("UPDATE webhooks SET secret = $1, updated_at = $2 WHERE org_id = $3 AND id = $4")
        .bind(seal_text(sealer, org, secret)?)
        .bind(now.0)
        .bind(org.to_string())
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Deletes a hook and (by cascade) its delivery log.
pub async fn delete(c: &mut AnyConnection, org: OrgId, id: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM webhooks WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// A team's hooks in id order after a cursor.
pub async fn list(
    c: &mut AnyConnection,
    org: OrgId,
    team: TeamId,
    after: Option<&str>,
    limit: u32,
) -> StoreResult<Vec<Webhook>> {
    let sql = format!(
        "SELECT {COLS} FROM webhooks WHERE org_id = $1 AND team_id = $2 AND id > $3 \
         ORDER BY id LIMIT $4"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(team.to_string())
        .bind(after.unwrap_or(""))
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(from_row).collect()
}

/// The active hooks of a team (the consumer of events picks those whose kinds match).
pub async fn active_for_team(
    c: &mut AnyConnection,
    org: OrgId,
    team: TeamId,
) -> StoreResult<Vec<Webhook>> {
    let sql = format!(
        "SELECT {COLS} FROM webhooks WHERE org_id = $1 AND team_id = $2 AND active = 1 ORDER BY id"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(team.to_string())
        .fetch_all(c)
        .await?;
    rows.iter().map(from_row).collect()
}

/// Notes a successful attempt: the failure count starts again from zero.
pub async fn note_success(c: &mut AnyConnection, org: OrgId, id: &str) -> StoreResult<()> {
    sqlx::query("UPDATE webhooks SET consecutive_failures = 0 WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id)
        .execute(c)
        .await?;
    Ok(())
}

/// Notes a failed attempt; returns the failures in a row now.
pub async fn note_failure(c: &mut AnyConnection, org: OrgId, id: &str) -> StoreResult<i64> {
    sqlx::query(
        "UPDATE webhooks SET consecutive_failures = consecutive_failures + 1 \
         WHERE org_id = $1 AND id = $2",
    )
    .bind(org.to_string())
    .bind(id)
    .execute(&mut *c)
    .await?;
    let row =
        sqlx::query("SELECT consecutive_failures FROM webhooks WHERE org_id = $1 AND id = $2")
            .bind(org.to_string())
            .bind(id)
            .fetch_optional(c)
            .await?;
    Ok(match row {
        Some(r) => sqlx::Row::try_get(&r, "consecutive_failures")?,
        None => 0,
    })
}

/// Switches a hook off, saying why.
pub async fn disable(
    c: &mut AnyConnection,
    org: OrgId,
    id: &str,
    reason: &str,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE webhooks SET active = 0, disabled_reason = $1, updated_at = $2 \
         WHERE org_id = $3 AND id = $4",
    )
    .bind(reason)
    .bind(now.0)
    .bind(org.to_string())
    .bind(id)
    .execute(c)
    .await?;
    Ok(())
}
