//! Generation jobs. The prompt and the output are customer content and pass through the
//! sealing API. A partial unique index keeps one running job per item, on every node.

use spectree_domain::Timestamp;
use spectree_domain::ai::{GenerationKind, GenerationState};
use spectree_domain::ids::{GenerationId, ItemId, OrgId, UserId};
use sqlx::{AnyConnection, Row};

use crate::StoreResult;
use crate::row::{parse, text, text_opt, ts, ts_opt};
use crate::seal::{Sealer, open_text, seal_text};

/// A generation job.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generation {
    /// Id.
    pub id: GenerationId,
    /// Organization.
    pub org_id: OrgId,
    /// The item written into.
    pub item_id: ItemId,
    /// Who started it.
    pub started_by: UserId,
    /// What it writes.
    pub kind: GenerationKind,
    /// Which provider (`offline`, `openai`).
    pub provider: String,
    /// What was asked.
    pub prompt: String,
    /// The Yjs client id it writes under.
    pub client_id: u64,
    /// How it stands.
    pub state: GenerationState,
    /// What it wrote (set when it ends).
    pub output: Option<String>,
    /// Tokens written.
    pub tokens: i64,
    /// Why it failed.
    pub error: Option<String>,
    /// Started.
    pub created_at: Timestamp,
    /// Ended.
    pub finished_at: Option<Timestamp>,
}

const COLUMNS: &str = "id, org_id, item_id, started_by, kind, provider, prompt, client_id, \
                       state, output, tokens, error, created_at, finished_at";

/// Inserts a running job. `Duplicate` when the item already has a running job.
pub async fn insert(c: &mut AnyConnection, sealer: &dyn Sealer, g: &Generation) -> StoreResult<()> {
    // Only the fixed column list is formatted in.
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "INSERT INTO ai_generations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14)"
    )))
    .bind(g.id.to_string())
    .bind(g.org_id.to_string())
    .bind(g.item_id.to_string())
    .bind(g.started_by.to_string())
    .bind(g.kind.as_str())
    .bind(g.provider.clone())
    .bind(seal_text(sealer, g.org_id, &g.prompt)?)
    .bind(i64::try_from(g.client_id).unwrap_or(i64::MAX))
    .bind(g.state.as_str())
    .bind(
        g.output
            .as_deref()
            .map(|o| seal_text(sealer, g.org_id, o))
            .transpose()?,
    )
    .bind(g.tokens)
    .bind(g.error.clone())
    .bind(g.created_at.0)
    .bind(g.finished_at.map(|t| t.0))
    .execute(c)
    .await?;
    Ok(())
}

/// Ends a running job; false when it was no longer running.
#[allow(clippy::too_many_arguments)]
pub async fn finish(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    id: GenerationId,
    state: GenerationState,
    output: &str,
    tokens: i64,
    error: Option<&str>,
    now: Timestamp,
) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE ai_generations SET state = $3, output = $4, tokens = $5, error = $6, \
         finished_at = $7 WHERE org_id = $1 AND id = $2 AND state = 'running'",
    )
    .bind(org.to_string())
    .bind(id.to_string())
    .bind(state.as_str())
    .bind(seal_text(sealer, org, output)?)
    .bind(tokens)
    .bind(error.map(str::to_owned))
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}

/// A job by id (any organization: the caller checks access to its item).
pub async fn get(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    id: GenerationId,
) -> StoreResult<Option<Generation>> {
    let row = sqlx::query(sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM ai_generations WHERE id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(c)
    .await?;
    let Some(r) = row else {
        return Ok(None);
    };
    let org_id: OrgId = parse(&r, "org_id")?;
    let prompt: Vec<u8> = r.try_get("prompt")?;
    let output: Option<Vec<u8>> = r.try_get("output")?;
    let client: i64 = r.try_get("client_id")?;
    Ok(Some(Generation {
        id: parse(&r, "id")?,
        org_id,
        item_id: parse(&r, "item_id")?,
        started_by: parse(&r, "started_by")?,
        kind: parse(&r, "kind")?,
        provider: text(&r, "provider")?,
        prompt: open_text(sealer, org_id, &prompt)?,
        client_id: client as u64,
        state: parse(&r, "state")?,
        output: output.map(|o| open_text(sealer, org_id, &o)).transpose()?,
        tokens: r.try_get("tokens")?,
        error: text_opt(&r, "error")?,
        created_at: ts(&r, "created_at")?,
        finished_at: ts_opt(&r, "finished_at")?,
    }))
}

/// A job of the item still marked running but started before `cutoff` (its node stopped
/// while it ran: a live job never runs that long) is marked failed, so the item accepts a
/// new job. Returns how many.
pub async fn fail_stale(
    c: &mut AnyConnection,
    item: ItemId,
    cutoff: Timestamp,
    now: Timestamp,
) -> StoreResult<u64> {
    let r = sqlx::query(
        "UPDATE ai_generations SET state = 'failed', error = 'abandoned: the server stopped \
         while it ran', finished_at = $3 WHERE item_id = $1 AND state = 'running' \
         AND created_at < $2",
    )
    .bind(item.to_string())
    .bind(cutoff.0)
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected())
}

/// Records what a job wrote (after it was cancelled, possibly from another node).
pub async fn set_output(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    id: GenerationId,
    output: &str,
    tokens: i64,
) -> StoreResult<()> {
    sqlx::query("UPDATE ai_generations SET output = $3, tokens = $4 WHERE org_id = $1 AND id = $2")
        .bind(org.to_string())
        .bind(id.to_string())
        .bind(seal_text(sealer, org, output)?)
        .bind(tokens)
        .execute(c)
        .await?;
    Ok(())
}

/// A job's state (for a runner checking whether it was cancelled elsewhere).
pub async fn state(
    c: &mut AnyConnection,
    id: GenerationId,
) -> StoreResult<Option<GenerationState>> {
    let row = sqlx::query("SELECT state FROM ai_generations WHERE id = $1")
        .bind(id.to_string())
        .fetch_optional(c)
        .await?;
    row.map(|r| parse(&r, "state")).transpose()
}

/// Marks a running job cancelled; false when it was not running. Meant as the first
/// statement of its transaction (on SQLite a write first takes the write lock, waiting
/// for it, instead of failing to upgrade a read snapshot another process moved past).
pub async fn cancel_running(
    c: &mut AnyConnection,
    id: GenerationId,
    now: Timestamp,
) -> StoreResult<bool> {
    let r = sqlx::query(
        "UPDATE ai_generations SET state = 'cancelled', output = NULL, tokens = 0, \
         finished_at = $2 WHERE id = $1 AND state = 'running'",
    )
    .bind(id.to_string())
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(r.rows_affected() > 0)
}
