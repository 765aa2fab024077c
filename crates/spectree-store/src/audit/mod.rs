//! The append-only audit log: one hash chain per organization.

use spectree_domain::Timestamp;
use spectree_domain::audit::{AuditEvent, AuditRecord, GENESIS_HASH, chain_hash};
use spectree_domain::ids::{AuditId, OrgId};
use sqlx::{AnyConnection, Row};

use crate::StoreResult;
use crate::row::{parse, parse_opt, text, text_opt, ts};

/// Appends an event to its organization's chain inside the caller's transaction. The head
/// row is updated first: on PostgreSQL that takes its row lock, so concurrent appends to one
/// chain queue behind each other until the transaction ends, and each links to the last.
pub async fn append(
    c: &mut AnyConnection,
    event: &AuditEvent,
    now: Timestamp,
) -> StoreResult<AuditRecord> {
    let org = event.org_id.to_string();
    sqlx::query("INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (org_id) DO NOTHING")
        .bind(&org)
        .bind(GENESIS_HASH)
        .execute(&mut *c)
        .await?;
    let head =
        sqlx::query("UPDATE audit_heads SET seq = seq + 1 WHERE org_id = $1 RETURNING seq, hash")
            .bind(&org)
            .fetch_one(&mut *c)
            .await?;
    let seq: i64 = head.try_get("seq")?;
    let prev_hash: String = head.try_get("hash")?;
    let id = AuditId::new();
    let hash = chain_hash(&prev_hash, id, seq, now, event);
    sqlx::query("UPDATE audit_heads SET hash = $2 WHERE org_id = $1")
        .bind(&org)
        .bind(&hash)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO audit_log (org_id, seq, id, at, actor_id, action, target_kind, target_id, ip, \
         data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(&org)
    .bind(seq)
    .bind(id.to_string())
    .bind(now.0)
    .bind(event.actor_id.map(|a| a.to_string()))
    .bind(&event.action)
    .bind(&event.target_kind)
    .bind(&event.target_id)
    .bind(&event.ip)
    .bind(event.data.to_string())
    .bind(&prev_hash)
    .bind(&hash)
    .execute(c)
    .await?;
    Ok(AuditRecord {
        id,
        seq,
        at: now,
        event: event.clone(),
        prev_hash,
        hash,
    })
}

/// Records of one chain from `after_seq` (exclusive), oldest first.
pub async fn list(
    c: &mut AnyConnection,
    org: OrgId,
    after_seq: i64,
    limit: u32,
) -> StoreResult<Vec<AuditRecord>> {
    let rows = sqlx::query(
        "SELECT org_id, seq, id, at, actor_id, action, target_kind, target_id, ip, data, prev_hash, hash \
         FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3",
    )
    .bind(org.to_string())
    .bind(after_seq)
    .bind(i64::from(limit))
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            let data: String = r.try_get("data")?;
            Ok(AuditRecord {
                id: parse(r, "id")?,
                seq: r.try_get("seq")?,
                at: ts(r, "at")?,
                event: AuditEvent {
                    org_id: parse(r, "org_id")?,
                    actor_id: parse_opt(r, "actor_id")?,
                    action: text(r, "action")?,
                    target_kind: text(r, "target_kind")?,
                    target_id: text_opt(r, "target_id")?,
                    ip: text_opt(r, "ip")?,
                    data: serde_json::from_str(&data)
                        .map_err(|e| crate::StoreError::Corrupt(format!("audit data: {e}")))?,
                },
                prev_hash: text(r, "prev_hash")?,
                hash: text(r, "hash")?,
            })
        })
        .collect()
}
