//! Retention: automatic versions older than a cutoff are deleted; named versions, restores,
//! project snapshots and each item's latest version stay. The versions after a deleted one
//! are re-encoded so every surviving version still reads back exactly.

use std::collections::HashSet;

use spectree_domain::Timestamp;
use spectree_domain::history::Patch;
use spectree_domain::ids::{ItemId, OrgId};
use sqlx::{AnyConnection, Row};

use super::versions::{FULL_EVERY, replay};
use crate::StoreResult;
use crate::row::parse;
use crate::seal::{Sealer, seal_text};

/// Deletes `org`'s automatic versions created before `cutoff` (each item keeps its latest
/// version); returns how many were deleted. Run it inside a transaction.
pub async fn prune_automatic_versions(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    cutoff: Timestamp,
) -> StoreResult<u64> {
    let items: Vec<ItemId> = sqlx::query(
        "SELECT DISTINCT item_id FROM item_versions WHERE org_id = $1 AND kind = 'auto' \
         AND created_at < $2",
    )
    .bind(org.to_string())
    .bind(cutoff.0)
    .fetch_all(&mut *c)
    .await?
    .iter()
    .map(|r| parse(r, "item_id"))
    .collect::<StoreResult<_>>()?;
    let mut deleted = 0;
    for item in items {
        deleted += prune_item(c, sealer, org, item, cutoff).await?;
    }
    Ok(deleted)
}

async fn prune_item(
    c: &mut AnyConnection,
    sealer: &dyn Sealer,
    org: OrgId,
    item: ItemId,
    cutoff: Timestamp,
) -> StoreResult<u64> {
    let rows = sqlx::query(
        "SELECT number, is_full, state, kind, created_at FROM item_versions \
         WHERE item_id = $1 AND org_id = $2 ORDER BY number",
    )
    .bind(item.to_string())
    .bind(org.to_string())
    .fetch_all(&mut *c)
    .await?;
    let mut states = Vec::with_capacity(rows.len());
    let mut doomed = HashSet::new();
    for (i, r) in rows.iter().enumerate() {
        let number: i64 = r.try_get("number")?;
        states.push((
            number,
            r.try_get::<i64, _>("is_full")? != 0,
            r.try_get::<Vec<u8>, _>("state")?,
        ));
        let kind: String = r.try_get("kind")?;
        let created: i64 = r.try_get("created_at")?;
        if kind == "auto" && created < cutoff.0 && i + 1 < rows.len() {
            doomed.insert(number);
        }
    }
    let Some(first_gone) = states.iter().map(|s| s.0).find(|n| doomed.contains(n)) else {
        return Ok(0);
    };
    let texts = replay(sealer, org, &states)?;
    // Survivors before the first deleted version keep their encoding; the rest are chained
    // again onto the survivor before them.
    let mut prev: Option<&str> = None;
    let mut since_full = 0;
    for ((number, full, _), (_, text)) in states.iter().zip(&texts) {
        if doomed.contains(number) {
            continue;
        }
        if *number < first_gone {
            since_full = if *full { 0 } else { since_full + 1 };
            prev = Some(text);
            continue;
        }
        let (full, state) = match prev {
            Some(p) if since_full + 1 < FULL_EVERY => (false, Patch::between(p, text).to_json()),
            _ => (true, text.clone()),
        };
        since_full = if full { 0 } else { since_full + 1 };
        sqlx::query(
            "UPDATE item_versions SET is_full = $3, state = $4 WHERE item_id = $1 AND number = $2",
        )
        .bind(item.to_string())
        .bind(number)
        .bind(i64::from(full))
        .bind(seal_text(sealer, org, &state)?)
        .execute(&mut *c)
        .await?;
        prev = Some(text);
    }
    let mut deleted = 0;
    for number in &doomed {
        deleted += sqlx::query("DELETE FROM item_versions WHERE item_id = $1 AND number = $2")
            .bind(item.to_string())
            .bind(number)
            .execute(&mut *c)
            .await?
            .rows_affected();
    }
    Ok(deleted)
}
