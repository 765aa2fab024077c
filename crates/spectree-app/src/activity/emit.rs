//! Turning changes into activity: every item change passes [`App::store_version`]
//! (crate::history), which calls [`App::record_version_activity`] with the version it
//! stored; discussions and project snapshots call [`App::record_activity`] directly.

use serde_json::json;
use spectree_domain::activity::ActivityKind;
use spectree_domain::history::{Author, VersionKind};
use spectree_domain::ids::{ItemId, OrgId, ProjectId, UserId};
use spectree_domain::spec::Status;
use spectree_store::activity::NewActivity;
use spectree_store::spec::items::Item;
use spectree_store::{AnyConnection, StoreResult};

use crate::App;

/// A version that was just stored, as the activity feed sees it.
pub(crate) struct StoredVersion<'a> {
    /// The item as the version holds it.
    pub(crate) row: &'a Item,
    /// Its kind.
    pub(crate) kind: VersionKind,
    /// What closed it (`create`, `edit`, `move`, `trash`, `untrash`, `save`, `rollback`,
    /// `project_restore`).
    pub(crate) cause: &'a str,
    /// Who caused it, when one person did.
    pub(crate) actor: Option<UserId>,
    /// Everyone who changed the item in it.
    pub(crate) authors: &'a [Author],
    /// Top-level names of the fields it changed.
    pub(crate) fields: &'a [String],
    /// The state before (none for the first version).
    pub(crate) before: Option<(Status, Option<ItemId>)>,
    /// Its number.
    pub(crate) number: i64,
    /// The version a restore brought back.
    pub(crate) restored_from: Option<i64>,
    /// People its description newly mentions (told by a `mentioned` activity of their own,
    /// so the notifications of this change leave them out).
    pub(crate) mentioned: &'a [UserId],
}

impl App {
    /// Records one activity in the caller's transaction, now: `at` is the organization,
    /// project and item (if any) it happened in.
    pub(crate) async fn record_activity(
        &self,
        c: &mut AnyConnection,
        at: (OrgId, ProjectId, Option<ItemId>),
        actor: Option<UserId>,
        kind: ActivityKind,
        data: serde_json::Value,
    ) -> StoreResult<i64> {
        super::record(
            c,
            &NewActivity {
                org_id: at.0,
                project_id: at.1,
                item_id: at.2,
                actor_id: actor,
                kind,
                data,
                created_at: self.now(),
            },
        )
        .await
    }

    /// Records the activity of a stored version. A project restore is recorded once for the
    /// project by its use case, not per item.
    pub(crate) async fn record_version_activity(
        &self,
        c: &mut AnyConnection,
        v: &StoredVersion<'_>,
    ) -> StoreResult<()> {
        for a in self.version_activities(v) {
            super::record(c, &a).await?;
        }
        Ok(())
    }

    /// The activities [`App::record_version_activity`] records for a stored version.
    pub(crate) fn version_activities(&self, v: &StoredVersion<'_>) -> Vec<NewActivity> {
        let row = v.row;
        let actor = v
            .actor
            .or_else(|| v.authors.first().map(|a| a.user_id))
            .or(Some(row.updated_by));
        let n = v.number;
        let mut out: Vec<(ActivityKind, serde_json::Value)> = Vec::new();
        match (v.kind, v.cause) {
            (_, "project_restore") => {}
            (VersionKind::Named, _) => {
                out.push((ActivityKind::VersionSaved, json!({ "version": n })))
            }
            (VersionKind::Restore, _) => out.push((
                ActivityKind::VersionRestored,
                json!({ "version": n, "restored_from": v.restored_from }),
            )),
            (VersionKind::Auto, "create") => {
                let mut data = json!({ "version": n });
                if !v.mentioned.is_empty() {
                    data["mentioned"] = json!(v.mentioned);
                }
                out.push((ActivityKind::ItemCreated, data))
            }
            (VersionKind::Auto, "move") => out.push((
                ActivityKind::ItemMoved,
                json!({ "from_parent": v.before.and_then(|b| b.1), "to_parent": row.parent_id,
                        "version": n }),
            )),
            (VersionKind::Auto, "trash") => {
                out.push((ActivityKind::ItemTrashed, json!({ "version": n })))
            }
            (VersionKind::Auto, "untrash") => {
                out.push((ActivityKind::ItemRestored, json!({ "version": n })))
            }
            (VersionKind::Auto, _) => {
                let authors: Vec<UserId> = v.authors.iter().map(|a| a.user_id).collect();
                if let Some((from, _)) = v.before
                    && v.fields.iter().any(|f| f == "status")
                {
                    out.push((
                        ActivityKind::StatusChanged,
                        json!({ "from": from, "to": row.status, "version": n }),
                    ));
                }
                let others: Vec<&String> = v.fields.iter().filter(|f| *f != "status").collect();
                if !others.is_empty() {
                    let mut data = json!({ "fields": others, "version": n, "authors": authors });
                    if !v.mentioned.is_empty() {
                        data["mentioned"] = json!(v.mentioned);
                    }
                    out.push((ActivityKind::ItemEdited, data));
                }
            }
        }
        let now = self.now();
        out.into_iter()
            .map(|(kind, data)| NewActivity {
                org_id: row.org_id,
                project_id: row.project_id,
                item_id: Some(row.id),
                actor_id: actor,
                kind,
                data,
                created_at: now,
            })
            .collect()
    }
}
