//! Reading the chained log of one organization by time range, actor, action and target,
//! a page at a time (keyset on seq).

use spectree_domain::Timestamp;
use spectree_domain::audit::AuditRecord;
use spectree_domain::ids::{OrgId, UserId};
use sqlx::AnyConnection;

use super::{RECORD_COLUMNS, record_from_row};
use crate::StoreResult;

/// Which records to read. Every field narrows the result; `None` does not filter.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    /// Written at or after this time.
    pub from: Option<Timestamp>,
    /// Written before this time.
    pub to: Option<Timestamp>,
    /// Done by this user.
    pub actor: Option<UserId>,
    /// This action (`auth.login`).
    pub action: Option<String>,
    /// Happened to this kind of object (`user`, `item`).
    pub target_kind: Option<String>,
    /// Happened to this object.
    pub target_id: Option<String>,
}

/// Reading direction and where the last page ended.
#[derive(Debug, Clone, Copy)]
pub enum Cursor {
    /// Newest first, from before this seq (`None`: from the newest).
    NewestBefore(Option<i64>),
    /// Oldest first, from after this seq.
    OldestAfter(i64),
}

/// Up to `limit` records of the organization's chain matching `filter`.
pub async fn query(
    c: &mut AnyConnection,
    org: OrgId,
    filter: &AuditFilter,
    cursor: Cursor,
    limit: u32,
) -> StoreResult<Vec<AuditRecord>> {
    let mut clauses = vec!["org_id = $1".to_owned()];
    let mut n = 1;
    let mut next = |col: &str, op: &str| {
        n += 1;
        format!("{col} {op} ${n}")
    };
    if filter.from.is_some() {
        clauses.push(next("at", ">="));
    }
    if filter.to.is_some() {
        clauses.push(next("at", "<"));
    }
    if filter.actor.is_some() {
        clauses.push(next("actor_id", "="));
    }
    if filter.action.is_some() {
        clauses.push(next("action", "="));
    }
    if filter.target_kind.is_some() {
        clauses.push(next("target_kind", "="));
    }
    if filter.target_id.is_some() {
        clauses.push(next("target_id", "="));
    }
    let (order, after) = match cursor {
        Cursor::NewestBefore(Some(s)) => ("DESC", Some((next("seq", "<"), s))),
        Cursor::NewestBefore(None) => ("DESC", None),
        Cursor::OldestAfter(s) => ("ASC", Some((next("seq", ">"), s))),
    };
    if let Some((clause, _)) = &after {
        clauses.push(clause.clone());
    }
    let limit_ph = format!("${}", n + 1);
    // Only fixed column names and numbered placeholders are spliced in.
    let sql = format!(
        "SELECT {RECORD_COLUMNS} FROM audit_log WHERE {} ORDER BY seq {order} LIMIT {limit_ph}",
        clauses.join(" AND ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org.to_string());
    if let Some(t) = filter.from {
        q = q.bind(t.0);
    }
    if let Some(t) = filter.to {
        q = q.bind(t.0);
    }
    if let Some(a) = filter.actor {
        q = q.bind(a.to_string());
    }
    if let Some(a) = &filter.action {
        q = q.bind(a.clone());
    }
    if let Some(k) = &filter.target_kind {
        q = q.bind(k.clone());
    }
    if let Some(t) = &filter.target_id {
        q = q.bind(t.clone());
    }
    if let Some((_, s)) = after {
        q = q.bind(s);
    }
    let rows = q.bind(i64::from(limit)).fetch_all(c).await?;
    rows.iter().map(record_from_row).collect()
}
