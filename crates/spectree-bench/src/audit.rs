//! `spectree-bench audit`: audit appends from concurrent writers, each event in its own
//! transaction, on SQLite or PostgreSQL, straight against the store (no HTTP), with the
//! chainer running beside them as the server runs it. Reports appends per second, the
//! latency of one append transaction, how long chaining lagged, and verifies the chain.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, ensure};
use spectree_domain::Timestamp;
use spectree_domain::audit::{AuditEvent, ChainVerifier, GENESIS_HASH, chain_hash};
use spectree_domain::ids::{AuditId, OrgId, UserId};
use spectree_store::audit::chain::{chain_pending, pending_count};
use spectree_store::{Store, StoreOptions};
use sqlx::Row;

use crate::stats::Summary;

/// How the benchmark appends.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Design {
    /// The current design (decision 0010): insert pending, a chainer links.
    Pending,
    /// The design before it (decision 0004): lock the chain head row, link inline.
    HeadLock,
}

/// Settings of one run.
pub struct AuditBench {
    /// Database URL (`sqlite://…` or a fresh PostgreSQL database).
    pub url: String,
    /// Concurrent writers.
    pub writers: usize,
    /// Events in all.
    pub events: usize,
    /// Which append path.
    pub design: Design,
    /// The chainer's pause between runs.
    pub chain_interval: Duration,
    /// SQLite group commit: most transactions per commit.
    pub group_commit: u32,
}

/// Runs the benchmark and returns the Markdown report.
pub async fn run(b: &AuditBench) -> anyhow::Result<String> {
    ensure!(
        b.writers > 0 && b.events >= b.writers,
        "need writers and events"
    );
    let store = Store::connect(&StoreOptions {
        database_url: b.url.clone(),
        max_connections: u32::try_from(b.writers + 4).unwrap_or(64),
        acquire_timeout: Duration::from_secs(60),
        sqlite_group_commit: b.group_commit,
        ..StoreOptions::default()
    })
    .await
    .context("connecting")?;
    store.migrate().await.context("migrating")?;
    let org = OrgId::new();
    let per_writer = b.events / b.writers;
    let total = per_writer * b.writers;

    let stop = Arc::new(AtomicBool::new(false));
    let chainer = (b.design == Design::Pending).then(|| {
        let store = store.clone();
        let stop = stop.clone();
        let pause = b.chain_interval;
        tokio::spawn(async move {
            let mut chained = 0usize;
            loop {
                let done = stop.load(Ordering::Relaxed);
                let mut tx = store.begin().await?;
                let n = chain_pending(&mut tx, store.dialect(), 2000).await?;
                Store::commit(tx).await?;
                chained += n;
                if done && n == 0 {
                    return Ok::<usize, anyhow::Error>(chained);
                }
                if n < 2000 {
                    tokio::time::sleep(pause).await;
                }
            }
        })
    });

    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..b.writers {
        let store = store.clone();
        let design = b.design;
        tasks.push(tokio::spawn(async move {
            let actor = UserId::new();
            let mut lat = Vec::with_capacity(per_writer);
            for i in 0..per_writer {
                let event = AuditEvent {
                    org_id: org,
                    actor_id: Some(actor),
                    action: "item.created".into(),
                    target_kind: "work_item".into(),
                    target_id: Some(format!("w{w}-{i}")),
                    ip: Some("10.0.0.1".into()),
                    user_agent: Some("spectree-bench".into()),
                    data: serde_json::json!({ "project_id": "p", "title": "A benchmark item" }),
                };
                let t = Instant::now();
                let mut tx = store.begin().await?;
                let now = Timestamp(unix_ms());
                match design {
                    Design::Pending => {
                        spectree_store::audit::append(&mut tx, &event, now).await?;
                    }
                    Design::HeadLock => append_with_head_lock(&mut tx, &event, now).await?,
                }
                Store::commit(tx).await?;
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut latencies = Vec::with_capacity(total);
    for t in tasks {
        latencies.extend(t.await??);
    }
    let append_wall = start.elapsed();
    stop.store(true, Ordering::Relaxed);
    let chained = match chainer {
        Some(c) => Some(c.await??),
        None => None,
    };
    let drained = start.elapsed();

    // Verify the whole chain and the head.
    let mut c = store.read().await?;
    let left = pending_count(&mut c).await?;
    let mut v = ChainVerifier::default();
    let mut after = 0;
    loop {
        let page = spectree_store::audit::list(&mut c, org, after, 5000).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        for r in &page {
            v.push(r)
                .map_err(|e| anyhow::anyhow!("chain broken: {e}"))?;
        }
    }
    let head = sqlx::query("SELECT seq, hash FROM audit_heads WHERE org_id = $1")
        .bind(org.to_string())
        .fetch_one(&mut *c)
        .await?;
    let checked = v
        .finish(head.try_get("seq")?, &head.try_get::<String, _>("hash")?)
        .map_err(|e| anyhow::anyhow!("chain head: {e}"))?;
    drop(c);
    let groups = store.group_commit_stats();
    store.close().await;
    ensure!(
        checked as usize == total && left == 0,
        "chained {checked} of {total}, {left} left pending"
    );

    let s = Summary::of(&latencies);
    let rate = total as f64 / append_wall.as_secs_f64();
    let design = match b.design {
        Design::Pending => "pending + chainer (0010)",
        Design::HeadLock => "head row lock (0004)",
    };
    let mut out = String::new();
    out.push_str("| design | writers | events | appends/s | append tx p50 / p90 / p99 / max | all chained after | chain verified |\n|---|---|---|---|---|---|---|\n");
    out.push_str(&format!(
        "| {design} | {} | {total} | {rate:.0} | {} | {:.2} s{} | {checked} records |\n",
        b.writers,
        s.row(),
        drained.as_secs_f64(),
        chained.map_or(String::new(), |n| format!(" ({n} by the chainer)")),
    ));
    if let Some((g, m)) = groups {
        out.push_str(&format!(
            "\nSQLite group commit (at most {} per commit): {m} transactions in {g} commits, {:.1} per commit.\n",
            b.group_commit,
            m as f64 / (g.max(1) as f64)
        ));
    }
    out.push_str(&format!(
        "\n{} {rate:.0} appends/s (target 10,000)\n",
        if rate >= 10_000.0 { "PASS" } else { "MISS" }
    ));
    Ok(out)
}

/// The append path of decision 0004, kept here only to measure against.
async fn append_with_head_lock(
    c: &mut sqlx::AnyConnection,
    event: &AuditEvent,
    now: Timestamp,
) -> anyhow::Result<()> {
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
    let prev: String = head.try_get("hash")?;
    let id = AuditId::new();
    let hash = chain_hash(&prev, id, seq, now, event);
    sqlx::query("UPDATE audit_heads SET hash = $2 WHERE org_id = $1")
        .bind(&org)
        .bind(&hash)
        .execute(&mut *c)
        .await?;
    sqlx::query(
        "INSERT INTO audit_log (org_id, seq, id, at, actor_id, action, target_kind, target_id, ip, \
         user_agent, data, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
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
    .bind(&event.user_agent)
    .bind(event.data.to_string())
    .bind(&prev)
    .bind(&hash)
    .execute(c)
    .await?;
    Ok(())
}

fn unix_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
