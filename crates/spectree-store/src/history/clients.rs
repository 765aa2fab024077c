//! Who wrote under which Yjs client id of a document, for attribution: the bindings made per
//! authenticated connection (`doc_clients`) and the user recorded with each stored update.

use spectree_domain::ids::{ItemId, UserId};
use sqlx::{AnyConnection, Row};

use crate::StoreResult;
use crate::row::{parse, parse_opt};

/// Client ids bound on the document (`doc_clients`), with the user and whether an AI
/// wrote under the id for that user.
pub async fn bindings(
    c: &mut AnyConnection,
    item: ItemId,
) -> StoreResult<Vec<(u64, UserId, bool)>> {
    let rows = sqlx::query("SELECT client_id, user_id, kind FROM doc_clients WHERE item_id = $1")
        .bind(item.to_string())
        .fetch_all(c)
        .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("client_id")?;
            let kind: String = r.try_get("kind")?;
            Ok((id as u64, parse(r, "user_id")?, kind == "ai"))
        })
        .collect()
}

/// The distinct (client id, user) pairs of the document's stored updates (the server's own
/// client ids included, under which REST edits are written).
pub async fn update_users(
    c: &mut AnyConnection,
    item: ItemId,
) -> StoreResult<Vec<(u64, Option<UserId>)>> {
    let rows = sqlx::query(
        "SELECT DISTINCT client_id, user_id FROM doc_updates WHERE item_id = $1 \
         AND client_id IS NOT NULL",
    )
    .bind(item.to_string())
    .fetch_all(c)
    .await?;
    rows.iter()
        .map(|r| {
            let id: i64 = r.try_get("client_id")?;
            Ok((id as u64, parse_opt(r, "user_id")?))
        })
        .collect()
}
