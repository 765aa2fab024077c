//! The chainer: moves pending events into their chains, in insertion order, one run at a time
//! (a PostgreSQL advisory lock across nodes; SQLite has one writer anyway).

use std::collections::HashMap;

use spectree_domain::Timestamp;
use spectree_domain::audit::{AuditEvent, GENESIS_HASH, chain_hash};
use spectree_domain::ids::{AuditId, OrgId};
use sqlx::{AnyConnection, Row};

use crate::row::{parse, text};
use crate::{Dialect, StoreResult};

/// The advisory lock key of the chainer ("spectree audit chainer").
const CHAINER_LOCK: i64 = 0x5350_4543_4155_4454;
/// Rows per multi-row `INSERT` on PostgreSQL (13 binds each stays far below its limit).
const VALUES_CHUNK: usize = 200;
/// Rows per `INSERT` on SQLite, sent as one JSON parameter: there a `VALUES` list of 13
/// binds per row cost a linear scan of the statement's parameter names per bind (a quarter
/// of the audit benchmark's CPU at 200 rows per statement; decision 0024). PostgreSQL has
/// no such cost and parsing the JSON made it slower (docs/benchmarks.md).
const JSON_CHUNK: usize = 1000;

struct Pending {
    pos: i64,
    id: AuditId,
    at: Timestamp,
    event: AuditEvent,
}

/// Chains up to `batch` pending events inside the caller's transaction; returns how many.
/// Waits for another node's run to finish first (PostgreSQL).
pub async fn chain_pending(
    c: &mut AnyConnection,
    dialect: Dialect,
    batch: u32,
) -> StoreResult<usize> {
    if dialect == Dialect::Postgres {
        sqlx::query("SELECT pg_advisory_xact_lock($1)")
            .bind(CHAINER_LOCK)
            .execute(&mut *c)
            .await?;
    }
    let pending = load_pending(c, batch).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let mut heads: HashMap<OrgId, (i64, String)> = HashMap::new();
    let mut rows = Vec::with_capacity(pending.len());
    for p in &pending {
        let head = match heads.get_mut(&p.event.org_id) {
            Some(h) => h,
            None => {
                let h = load_head(c, p.event.org_id).await?;
                heads.entry(p.event.org_id).or_insert(h)
            }
        };
        let seq = head.0 + 1;
        let hash = chain_hash(&head.1, p.id, seq, p.at, &p.event);
        rows.push((p, seq, std::mem::replace(&mut head.1, hash.clone()), hash));
        head.0 = seq;
    }
    if dialect == Dialect::Postgres {
        for chunk in rows.chunks(VALUES_CHUNK) {
            insert_chained_values(c, chunk).await?;
        }
    } else {
        for chunk in rows.chunks(JSON_CHUNK) {
            insert_chained_json(c, chunk).await?;
        }
    }
    for (org, (seq, hash)) in &heads {
        sqlx::query(
            "INSERT INTO audit_heads (org_id, seq, hash) VALUES ($1, $2, $3) \
             ON CONFLICT (org_id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
        )
        .bind(org.to_string())
        .bind(seq)
        .bind(hash)
        .execute(&mut *c)
        .await?;
    }
    // Delete exactly the rows chained: an event committed meanwhile with a lower `pos` stays
    // pending for the next run.
    if dialect == Dialect::Postgres {
        for chunk in pending.chunks(1000) {
            let list: Vec<String> = chunk.iter().map(|p| p.pos.to_string()).collect();
            // Only integers read back from the database are spliced in.
            let sql = format!(
                "DELETE FROM audit_pending WHERE pos IN ({})",
                list.join(",")
            );
            sqlx::query(sqlx::AssertSqlSafe(sql))
                .execute(&mut *c)
                .await?;
        }
    } else {
        // One statement text, prepared once, rather than a new literal list per run.
        let positions: Vec<i64> = pending.iter().map(|p| p.pos).collect();
        sqlx::query("DELETE FROM audit_pending WHERE pos IN (SELECT value FROM json_each($1))")
            .bind(
                serde_json::to_string(&positions)
                    .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?,
            )
            .execute(&mut *c)
            .await?;
    }
    Ok(pending.len())
}

/// How many events wait to be chained.
pub async fn pending_count(c: &mut AnyConnection) -> StoreResult<i64> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM audit_pending")
        .fetch_one(c)
        .await?)
}

async fn load_pending(c: &mut AnyConnection, batch: u32) -> StoreResult<Vec<Pending>> {
    let rows = sqlx::query(
        "SELECT pos, id, org_id, at, actor_id, action, target_kind, target_id, ip, user_agent, \
         data FROM audit_pending ORDER BY pos LIMIT $1",
    )
    .bind(i64::from(batch))
    .fetch_all(&mut *c)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(Pending {
                pos: r.try_get("pos")?,
                id: parse(r, "id")?,
                at: Timestamp(r.try_get("at")?),
                event: super::event_from_row(r)?,
            })
        })
        .collect()
}

async fn load_head(c: &mut AnyConnection, org: OrgId) -> StoreResult<(i64, String)> {
    let row = sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_optional(&mut *c)
        .await?;
    Ok(match row {
        Some(r) => (r.try_get("seq")?, text(&r, "hash")?),
        None => (0, GENESIS_HASH.to_owned()),
    })
}

async fn insert_chained_values(
    c: &mut AnyConnection,
    rows: &[(&Pending, i64, String, String)],
) -> StoreResult<()> {
    const COLS: usize = 13;
    let values: Vec<String> = (0..rows.len())
        .map(|i| {
            let ph: Vec<String> = (1..=COLS).map(|k| format!("${}", i * COLS + k)).collect();
            format!("({})", ph.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO audit_log (org_id, seq, id, at, actor_id, action, target_kind, target_id, \
         ip, user_agent, data, prev_hash, hash) VALUES {}",
        values.join(", ")
    );
    let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
    for (p, seq, prev, hash) in rows {
        let e = &p.event;
        q = q
            .bind(e.org_id.to_string())
            .bind(*seq)
            .bind(p.id.to_string())
            .bind(p.at.0)
            .bind(e.actor_id.map(|a| a.to_string()))
            .bind(e.action.clone())
            .bind(e.target_kind.clone())
            .bind(e.target_id.clone())
            .bind(e.ip.clone())
            .bind(e.user_agent.clone())
            .bind(e.data.to_string())
            .bind(prev.clone())
            .bind(hash.clone());
    }
    q.execute(c).await?;
    Ok(())
}

async fn insert_chained_json(
    c: &mut AnyConnection,
    rows: &[(&Pending, i64, String, String)],
) -> StoreResult<()> {
    let json: Vec<serde_json::Value> = rows
        .iter()
        .map(|(p, seq, prev, hash)| {
            let e = &p.event;
            serde_json::json!([
                e.org_id.to_string(),
                seq,
                p.id.to_string(),
                p.at.0,
                e.actor_id.map(|a| a.to_string()),
                e.action,
                e.target_kind,
                e.target_id,
                e.ip,
                e.user_agent,
                e.data.to_string(),
                prev,
                hash,
            ])
        })
        .collect();
    sqlx::query(
        "INSERT INTO audit_log (org_id, seq, id, at, actor_id, action, target_kind, target_id, \
         ip, user_agent, data, prev_hash, hash) \
         SELECT value->>0, value->>1, value->>2, value->>3, value->>4, value->>5, value->>6, \
         value->>7, value->>8, value->>9, value->>10, value->>11, value->>12 FROM json_each($1)",
    )
    .bind(serde_json::Value::Array(json).to_string())
    .execute(c)
    .await?;
    Ok(())
}
