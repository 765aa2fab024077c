//! The append-only audit log: one hash chain per organization (decisions 0004 and 0010).
//!
//! Writers [`append`] into `audit_pending` inside their own transaction, taking no lock that
//! other writers share; [`chain::chain_pending`] moves pending events, in order, into
//! `audit_log` with their seq and hashes and advances `audit_heads`, the checkpoint kept
//! outside the log.

pub mod chain;
pub mod query;
pub mod retention;

use spectree_domain::Timestamp;
use spectree_domain::audit::{AuditEvent, AuditRecord};
use spectree_domain::ids::{AuditId, OrgId};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

use crate::row::{parse, parse_opt, text, text_opt, ts};
use crate::{StoreResult, Writes};

/// The columns [`record_from_row`] reads, in `SELECT` form.
pub(crate) const RECORD_COLUMNS: &str = "org_id, seq, id, at, actor_id, action, target_kind, \
     target_id, ip, user_agent, data, prev_hash, hash";

/// Appends an event inside the caller's transaction. It joins its organization's chain when
/// the chainer next runs (in the order the events were inserted).
pub async fn append(
    c: &mut AnyConnection,
    event: &AuditEvent,
    now: Timestamp,
) -> StoreResult<AuditId> {
    let id = AuditId::new();
    sqlx::query(
        "INSERT INTO audit_pending (id, org_id, at, actor_id, action, target_kind, target_id, \
         ip, user_agent, data) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
    )
    .bind(id.to_string())
    .bind(event.org_id.to_string())
    .bind(now.0)
    .bind(event.actor_id.map(|a| a.to_string()))
    .bind(&event.action)
    .bind(&event.target_kind)
    .bind(&event.target_id)
    .bind(&event.ip)
    .bind(&event.user_agent)
    .bind(event.data.to_string())
    .execute(c)
    .await?;
    Ok(id)
}

/// [`append`] for several events (each with its time) in one statement per 90 events,
/// inserted in order.
pub async fn append_many(
    c: &mut AnyConnection,
    events: &[(AuditEvent, Timestamp)],
) -> StoreResult<()> {
    let mut w = Writes::new(c);
    push_append_many(&mut w, events);
    w.run(c).await?;
    Ok(())
}

/// [`append_many`] as statements of `w`.
pub fn push_append_many(w: &mut Writes, events: &[(AuditEvent, Timestamp)]) {
    for chunk in events.chunks(90) {
        let sql = format!(
            "INSERT INTO audit_pending (id, org_id, at, actor_id, action, target_kind, target_id, \
             ip, user_agent, data) VALUES {}",
            crate::spec::values_placeholders(chunk.len(), 10)
        );
        let mut q = w.push(&sql);
        for (event, at) in chunk {
            q = q
                .bind(AuditId::new().to_string())
                .bind(event.org_id.to_string())
                .bind(at.0)
                .bind(event.actor_id.map(|a| a.to_string()))
                .bind(event.action.clone())
                .bind(event.target_kind.clone())
                .bind(event.target_id.clone())
                .bind(event.ip.clone())
                .bind(event.user_agent.clone())
                .bind(event.data.to_string());
        }
    }
}

/// Chained records of one chain after `after_seq`, oldest first.
pub async fn list(
    c: &mut AnyConnection,
    org: OrgId,
    after_seq: i64,
    limit: u32,
) -> StoreResult<Vec<AuditRecord>> {
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    );
    let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
        .bind(org.to_string())
        .bind(after_seq)
        .bind(i64::from(limit))
        .fetch_all(c)
        .await?;
    rows.iter().map(record_from_row).collect()
}

/// A chain's head: its last seq and hash, kept outside the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainHead {
    /// The chain.
    pub org_id: OrgId,
    /// Last seq.
    pub seq: i64,
    /// Last hash.
    pub hash: String,
}

/// Every chain's head.
pub async fn heads(c: &mut AnyConnection) -> StoreResult<Vec<ChainHead>> {
    let rows = sqlx::query("SELECT org_id, seq, hash FROM audit_heads ORDER BY org_id")
        .fetch_all(c)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(ChainHead {
                org_id: parse(r, "org_id")?,
                seq: r.try_get("seq")?,
                hash: text(r, "hash")?,
            })
        })
        .collect()
}

pub(crate) fn record_from_row(r: &AnyRow) -> StoreResult<AuditRecord> {
    Ok(AuditRecord {
        id: parse(r, "id")?,
        seq: r.try_get("seq")?,
        at: ts(r, "at")?,
        event: event_from_row(r)?,
        prev_hash: text(r, "prev_hash")?,
        hash: text(r, "hash")?,
    })
}

/// The event columns of an `audit_log` or `audit_pending` row.
pub(crate) fn event_from_row(r: &AnyRow) -> StoreResult<AuditEvent> {
    let data: String = r.try_get("data")?;
    Ok(AuditEvent {
        org_id: parse(r, "org_id")?,
        actor_id: parse_opt(r, "actor_id")?,
        action: text(r, "action")?,
        target_kind: text(r, "target_kind")?,
        target_id: text_opt(r, "target_id")?,
        ip: text_opt(r, "ip")?,
        user_agent: text_opt(r, "user_agent")?,
        data: serde_json::from_str(&data)
            .map_err(|e| crate::StoreError::Corrupt(format!("audit data: {e}")))?,
    })
}
