//! The activity feed: recording activity inside the transaction of the change (with its
//! outbox row), reading the project, team and person feeds newest first by id, and the
//! [`outbox`] the background consumers claim from.

pub mod outbox;
mod signal;

use serde::{Deserialize, Serialize};
use spectree_domain::Timestamp;
use spectree_domain::activity::ActivityKind;
use spectree_domain::ids::{ItemId, OrgId, ProjectId, TeamId, UserId};
use sqlx::AnyConnection;
use sqlx::any::AnyRow;

pub(crate) use signal::committed as signal_commit;
pub use signal::{CommitSignal, commits};

use crate::row::{parse, parse_opt, text, ts};
use crate::{StoreError, StoreResult, Writes};

/// An activity to record. Its team is the project's.
#[derive(Debug, Clone, PartialEq)]
pub struct NewActivity {
    /// Organization.
    pub org_id: OrgId,
    /// Project it happened in.
    pub project_id: ProjectId,
    /// Item it happened to, if any (not for bulk creates or project snapshots).
    pub item_id: Option<ItemId>,
    /// Who did it (none for the system).
    pub actor_id: Option<UserId>,
    /// What happened.
    pub kind: ActivityKind,
    /// Details: identifiers, field names, statuses, counts; never customer text (see
    /// [`ActivityKind`] for the keys of each kind).
    pub data: serde_json::Value,
    /// When.
    pub created_at: Timestamp,
}

/// A recorded activity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    /// Its id: increasing, the feeds' order and cursor.
    pub id: i64,
    /// Organization.
    pub org_id: OrgId,
    /// Team owning the project.
    pub team_id: TeamId,
    /// Project.
    pub project_id: ProjectId,
    /// Item, if any.
    pub item_id: Option<ItemId>,
    /// Who did it.
    pub actor_id: Option<UserId>,
    /// What happened.
    pub kind: ActivityKind,
    /// Details.
    pub data: serde_json::Value,
    /// When.
    pub created_at: Timestamp,
}

const COLUMNS: &str = "id, org_id, team_id, project_id, item_id, actor_id, kind, data, created_at";

fn from_row(r: &AnyRow) -> StoreResult<Activity> {
    let data = text(r, "data")?;
    Ok(Activity {
        id: sqlx::Row::try_get(r, "id")?,
        org_id: parse(r, "org_id")?,
        team_id: parse(r, "team_id")?,
        project_id: parse(r, "project_id")?,
        item_id: parse_opt(r, "item_id")?,
        actor_id: parse_opt(r, "actor_id")?,
        kind: parse(r, "kind")?,
        data: serde_json::from_str(&data)
            .map_err(|e| StoreError::Corrupt(format!("activity data: {e}")))?,
        created_at: ts(r, "created_at")?,
    })
}

/// Records an activity and (by trigger) its outbox row, inside the caller's transaction;
/// returns its id.
/// The project must exist in the organization (its team is copied from it).
pub async fn insert(c: &mut AnyConnection, a: &NewActivity) -> StoreResult<i64> {
    let data = serde_json::to_string(&a.data)
        .map_err(|e| StoreError::Constraint(format!("activity data: {e}")))?;
    let row = sqlx::query(
        "INSERT INTO activity (org_id, team_id, project_id, item_id, actor_id, kind, data, \
         created_at) SELECT p.org_id, p.team_id, p.id, $3, $4, $5, $6, $7 FROM projects p \
         WHERE p.id = $2 AND p.org_id = $1 RETURNING id",
    )
    .bind(a.org_id.to_string())
    .bind(a.project_id.to_string())
    .bind(a.item_id.map(|i| i.to_string()))
    .bind(a.actor_id.map(|u| u.to_string()))
    .bind(a.kind.as_str())
    .bind(data)
    .bind(a.created_at.0)
    .fetch_optional(&mut *c)
    .await?
    .ok_or_else(|| StoreError::Constraint("activity of an unknown project".into()))?;
    // A trigger queues it in the outbox (migration 0027).
    Ok(sqlx::Row::try_get(&row, "id")?)
}

/// [`insert`] for several activities in one statement (their rows as one JSON parameter),
/// recorded in order.
pub async fn insert_many(c: &mut AnyConnection, all: &[NewActivity]) -> StoreResult<()> {
    let mut w = Writes::new(c);
    push_insert_many(&mut w, all)?;
    w.run(c).await?;
    Ok(())
}

/// [`insert_many`] as statements of `w`.
pub fn push_insert_many(w: &mut Writes, all: &[NewActivity]) -> StoreResult<()> {
    if all.is_empty() {
        return Ok(());
    }
    let rows: Vec<serde_json::Value> = all
        .iter()
        .map(|a| {
            let data = serde_json::to_string(&a.data)
                .map_err(|e| StoreError::Constraint(format!("activity data: {e}")))?;
            Ok(serde_json::json!([
                a.org_id.to_string(),
                a.project_id.to_string(),
                a.item_id.map(|i| i.to_string()),
                a.actor_id.map(|u| u.to_string()),
                a.kind.as_str(),
                data,
                a.created_at.0,
            ]))
        })
        .collect::<StoreResult<_>>()?;
    let sql = if w.is_postgres() {
        "INSERT INTO activity (org_id, team_id, project_id, item_id, actor_id, kind, data, \
         created_at) SELECT p.org_id, p.team_id, p.id, v->>2, v->>3, v->>4, v->>5, \
         CAST(v->>6 AS BIGINT) FROM jsonb_array_elements(CAST($1 AS jsonb)) WITH ORDINALITY AS j(v, n) \
         JOIN projects p ON p.id = v->>1 AND p.org_id = v->>0 ORDER BY j.n"
    } else {
        "INSERT INTO activity (org_id, team_id, project_id, item_id, actor_id, kind, data, \
         created_at) SELECT p.org_id, p.team_id, p.id, j.value->>2, j.value->>3, j.value->>4, \
         j.value->>5, j.value->>6 FROM json_each($1) j \
         JOIN projects p ON p.id = j.value->>1 AND p.org_id = j.value->>0 ORDER BY j.key"
    };
    w.push(sql)
        .bind(serde_json::Value::Array(rows).to_string())
        .expect_rows(all.len() as u64, "activity of an unknown project");
    Ok(())
}

/// Which activity a feed shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// One project's.
    Project(OrgId, ProjectId),
    /// The activity in these teams (a team feed: one team; a person feed: every team the
    /// reader may see), each with its organization.
    Teams(Vec<(OrgId, TeamId)>),
}

/// A feed query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedQuery {
    /// Where.
    pub scope: Scope,
    /// Only these kinds (all when empty).
    pub kinds: Vec<ActivityKind>,
    /// Only by this person.
    pub actor: Option<UserId>,
    /// Newest first, below this id (the cursor), or, when `ascending`, above it.
    pub cursor: Option<i64>,
    /// Oldest first after `cursor` (resuming a live stream) instead of newest first.
    pub ascending: bool,
    /// At most this many.
    pub limit: u32,
}

enum Bind {
    Text(String),
    Int(i64),
}

/// Reads a feed.
pub async fn feed(c: &mut AnyConnection, q: &FeedQuery) -> StoreResult<Vec<Activity>> {
    let mut binds: Vec<Bind> = Vec::new();
    let mut conds: Vec<String> = Vec::new();
    let param = |binds: &mut Vec<Bind>, b: Bind| {
        binds.push(b);
        format!("${}", binds.len())
    };
    match &q.scope {
        Scope::Project(org, project) => {
            let o = param(&mut binds, Bind::Text(org.to_string()));
            let p = param(&mut binds, Bind::Text(project.to_string()));
            conds.push(format!("org_id = {o} AND project_id = {p}"));
        }
        Scope::Teams(teams) => {
            if teams.is_empty() {
                return Ok(Vec::new());
            }
            let mut orgs: Vec<OrgId> = teams.iter().map(|t| t.0).collect();
            orgs.sort();
            orgs.dedup();
            let os: Vec<String> = orgs
                .iter()
                .map(|o| param(&mut binds, Bind::Text(o.to_string())))
                .collect();
            let ts: Vec<String> = teams
                .iter()
                .map(|t| param(&mut binds, Bind::Text(t.1.to_string())))
                .collect();
            conds.push(format!(
                "org_id IN ({}) AND team_id IN ({})",
                os.join(", "),
                ts.join(", ")
            ));
        }
    }
    if let Some(actor) = q.actor {
        let a = param(&mut binds, Bind::Text(actor.to_string()));
        conds.push(format!("actor_id = {a}"));
    }
    if !q.kinds.is_empty() {
        let ks: Vec<String> = q
            .kinds
            .iter()
            .map(|k| param(&mut binds, Bind::Text(k.as_str().to_owned())))
            .collect();
        conds.push(format!("kind IN ({})", ks.join(", ")));
    }
    if let Some(cursor) = q.cursor {
        let p = param(&mut binds, Bind::Int(cursor));
        conds.push(format!("id {} {p}", if q.ascending { ">" } else { "<" }));
    }
    let limit = param(&mut binds, Bind::Int(i64::from(q.limit)));
    let sql = format!(
        "SELECT {COLUMNS} FROM activity WHERE {} ORDER BY id {} LIMIT {limit}",
        conds.join(" AND "),
        if q.ascending { "ASC" } else { "DESC" }
    );
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for b in binds {
        query = match b {
            Bind::Text(s) => query.bind(s),
            Bind::Int(i) => query.bind(i),
        };
    }
    query.fetch_all(c).await?.iter().map(from_row).collect()
}

/// Activities by id, in id order (missing ones are left out).
pub async fn get_many(c: &mut AnyConnection, ids: &[i64]) -> StoreResult<Vec<Activity>> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(500) {
        let sql = format!(
            "SELECT {COLUMNS} FROM activity WHERE id IN ({}) ORDER BY id",
            crate::param_list(1, chunk.len())
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql));
        for id in chunk {
            q = q.bind(*id);
        }
        for r in q.fetch_all(&mut *c).await? {
            out.push(from_row(&r)?);
        }
    }
    Ok(out)
}
