//! Retention of the audit log: per-organization policies, and cutting a chain's oldest
//! records behind a checkpoint (`audit_cuts`) that verification starts from.

use spectree_domain::Timestamp;
use spectree_domain::audit::RetentionPolicy;
use spectree_domain::ids::{OrgId, UserId};
use sqlx::{AnyConnection, Row};

use crate::StoreResult;
use crate::row::{flag, text};

/// An organization's policy, when it set one.
pub async fn policy(c: &mut AnyConnection, org: OrgId) -> StoreResult<Option<RetentionPolicy>> {
    let row = sqlx::query(
        "SELECT version_days, audit_days, legal_hold FROM retention_policies WHERE org_id = $1",
    )
    .bind(org.to_string())
    .fetch_optional(c)
    .await?;
    row.map(|r| {
        let days = |v: i64| u32::try_from(v).unwrap_or(u32::MAX);
        Ok(RetentionPolicy {
            version_days: r.try_get::<Option<i64>, _>("version_days")?.map(days),
            audit_days: days(r.try_get("audit_days")?),
            legal_hold: flag(&r, "legal_hold")?,
        })
    })
    .transpose()
}

/// Sets an organization's policy.
pub async fn set_policy(
    c: &mut AnyConnection,
    org: OrgId,
    p: &RetentionPolicy,
    now: Timestamp,
    by: UserId,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO retention_policies (org_id, version_days, audit_days, legal_hold, \
         updated_at, updated_by) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (org_id) DO UPDATE \
         SET version_days = excluded.version_days, audit_days = excluded.audit_days, \
         legal_hold = excluded.legal_hold, updated_at = excluded.updated_at, \
         updated_by = excluded.updated_by",
    )
    .bind(org.to_string())
    .bind(p.version_days.map(i64::from))
    .bind(i64::from(p.audit_days))
    .bind(i64::from(p.legal_hold))
    .bind(now.0)
    .bind(by.to_string())
    .execute(c)
    .await?;
    Ok(())
}

/// A retention cut: records up to `through_seq` were removed; the next links to `through_hash`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// Last removed seq.
    pub through_seq: i64,
    /// Its hash.
    pub through_hash: String,
    /// How many records this cut removed.
    pub removed: i64,
}

/// The newest cut of a chain.
pub async fn latest_cut(c: &mut AnyConnection, org: OrgId) -> StoreResult<Option<Cut>> {
    let row = sqlx::query(
        "SELECT through_seq, through_hash, removed FROM audit_cuts WHERE org_id = $1 \
         ORDER BY through_seq DESC LIMIT 1",
    )
    .bind(org.to_string())
    .fetch_optional(c)
    .await?;
    row.map(|r| {
        Ok(Cut {
            through_seq: r.try_get("through_seq")?,
            through_hash: text(&r, "through_hash")?,
            removed: r.try_get("removed")?,
        })
    })
    .transpose()
}

/// Removes the chain's records written before `cutoff`, up to the first record that is not
/// (so a cut never leaves a gap), after recording the cut. Runs in the caller's transaction;
/// `None` when there is nothing to remove.
pub async fn cut_before(
    c: &mut AnyConnection,
    org: OrgId,
    cutoff: Timestamp,
    now: Timestamp,
) -> StoreResult<Option<Cut>> {
    let org_s = org.to_string();
    let from = latest_cut(c, org).await?.map_or(0, |k| k.through_seq);
    // The common case, answered from the primary key: the oldest record is still kept.
    let oldest: Option<i64> = sqlx::query_scalar(
        "SELECT at FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT 1",
    )
    .bind(&org_s)
    .bind(from)
    .fetch_optional(&mut *c)
    .await?;
    if oldest.is_none_or(|at| at >= cutoff.0) {
        return Ok(None);
    }
    let first_kept: Option<i64> = sqlx::query_scalar(
        "SELECT MIN(seq) FROM audit_log WHERE org_id = $1 AND seq > $2 AND at >= $3",
    )
    .bind(&org_s)
    .bind(from)
    .bind(cutoff.0)
    .fetch_one(&mut *c)
    .await?;
    let last: Option<i64> = sqlx::query_scalar("SELECT MAX(seq) FROM audit_log WHERE org_id = $1")
        .bind(&org_s)
        .fetch_one(&mut *c)
        .await?;
    let through = match (first_kept, last) {
        (Some(k), _) => k - 1,
        (None, Some(l)) => l,
        (None, None) => return Ok(None),
    };
    if through <= from {
        return Ok(None);
    }
    let hash: String =
        sqlx::query_scalar("SELECT hash FROM audit_log WHERE org_id = $1 AND seq = $2")
            .bind(&org_s)
            .bind(through)
            .fetch_one(&mut *c)
            .await?;
    let removed = through - from;
    sqlx::query(
        "INSERT INTO audit_cuts (org_id, through_seq, through_hash, cut_at, removed) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&org_s)
    .bind(through)
    .bind(&hash)
    .bind(now.0)
    .bind(removed)
    .execute(&mut *c)
    .await?;
    // The trigger lets only records at or before a recorded cut go.
    let deleted = sqlx::query("DELETE FROM audit_log WHERE org_id = $1 AND seq > $2 AND seq <= $3")
        .bind(&org_s)
        .bind(from)
        .bind(through)
        .execute(&mut *c)
        .await?
        .rows_affected();
    Ok(Some(Cut {
        through_seq: through,
        through_hash: hash,
        removed: i64::try_from(deleted).unwrap_or(removed),
    }))
}
