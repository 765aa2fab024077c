//! The `notification_preferences` table: a person's channel choices per kind (only those
//! that differ from the defaults need a row, but a stored row always wins).

use spectree_domain::Timestamp;
use spectree_domain::ids::UserId;
use spectree_domain::notification::{ChannelSet, NotificationKind};
use sqlx::AnyConnection;

use crate::StoreResult;
use crate::row::{flag, text};

/// A person's stored choices; kinds this build does not know are skipped.
pub async fn of_user(
    c: &mut AnyConnection,
    user: UserId,
) -> StoreResult<Vec<(NotificationKind, ChannelSet)>> {
    let rows = sqlx::query(
        "SELECT kind, in_app, email, digest FROM notification_preferences WHERE user_id = $1",
    )
    .bind(user.to_string())
    .fetch_all(c)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let Ok(kind) = text(&r, "kind")?.parse::<NotificationKind>() else {
            continue;
        };
        out.push((
            kind,
            ChannelSet {
                in_app: flag(&r, "in_app")?,
                email: flag(&r, "email")?,
                digest: flag(&r, "digest")?,
            },
        ));
    }
    Ok(out)
}

/// Stores one choice.
pub async fn put(
    c: &mut AnyConnection,
    user: UserId,
    kind: NotificationKind,
    ch: ChannelSet,
    now: Timestamp,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO notification_preferences (user_id, kind, in_app, email, digest, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (user_id, kind) DO UPDATE SET \
         in_app = excluded.in_app, email = excluded.email, digest = excluded.digest, \
         updated_at = excluded.updated_at",
    )
    .bind(user.to_string())
    .bind(kind.as_str())
    .bind(i64::from(ch.in_app))
    .bind(i64::from(ch.email))
    .bind(i64::from(ch.digest))
    .bind(now.0)
    .execute(c)
    .await?;
    Ok(())
}
