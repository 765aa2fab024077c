//! The notification consumer of the activity dispatcher (docs/decisions/0012): each
//! committed activity, exactly once, becomes an [`Occurrence`] whose inbox rows and digest
//! lines are written inside the dispatcher's claim transaction; mail and live count hints go
//! out once that transaction committed.

use std::collections::HashMap;
use std::sync::Mutex;

use futures_util::future::BoxFuture;
use spectree_domain::activity::ActivityKind;
use spectree_domain::ids::{ItemId, UserId};
use spectree_domain::notification::NotificationKind;
use spectree_store::activity::Activity;
use spectree_store::discussion as discussion_store;
use spectree_store::notification::watches;
use spectree_store::spec::items::{self, Item};
use spectree_store::{AnyConnection, StoreResult};

use super::{Deliveries, Occurrence};
use crate::App;
use crate::activity::{ActivityConsumer, ConsumeError};

/// Turns activity into notifications.
pub struct NotificationConsumer {
    app: App,
    /// Deliveries of activities consumed in a claim that has not committed yet, by activity
    /// id (a batch that rolls back is consumed again and replaces its entries).
    pending: Mutex<HashMap<i64, Deliveries>>,
}

impl NotificationConsumer {
    /// A consumer delivering through `app`.
    pub fn new(app: App) -> Self {
        Self {
            app,
            pending: Mutex::new(HashMap::new()),
        }
    }
}

fn users_in(data: &serde_json::Value, key: &str) -> Vec<UserId> {
    data.get(key)
        .and_then(|v| v.as_array())
        .map(|a| {
            a.iter()
                .filter_map(|u| u.as_str().and_then(|s| s.parse().ok()))
                .collect()
        })
        .unwrap_or_default()
}

fn touches_field(data: &serde_json::Value, field: &str) -> bool {
    data.get("fields")
        .and_then(|v| v.as_array())
        .is_some_and(|a| a.iter().any(|f| f.as_str() == Some(field)))
}

/// The kind watchers are told of an activity; `None` when it tells no one (reactions,
/// comment edits and deletions, resolutions, bulk creations, purges, snapshots).
fn watch_kind_of(kind: ActivityKind) -> Option<NotificationKind> {
    use ActivityKind as A;
    use NotificationKind as N;
    Some(match kind {
        A::ItemCreated => N::ItemCreated,
        A::ItemEdited => N::ItemEdited,
        A::StatusChanged => N::StatusChanged,
        A::ItemMoved => N::ItemMoved,
        A::ItemTrashed => N::ItemTrashed,
        A::ItemRestored => N::ItemRestored,
        A::Commented => N::Commented,
        A::Mentioned => N::Mentioned,
        A::VersionSaved => N::VersionSaved,
        A::VersionRestored => N::VersionRestored,
        // A purged item is gone, with its notifications (they cascade).
        A::ItemPurged
        | A::ItemsCreated
        | A::CommentEdited
        | A::CommentDeleted
        | A::ThreadResolved
        | A::ThreadReopened
        | A::Reacted
        | A::SnapshotTaken
        | A::SnapshotRestored => return None,
    })
}

impl App {
    /// What an activity means for notifications, given its item (`None`: it is gone);
    /// `None` when it tells no one (reactions, comment edits and deletions, resolutions,
    /// bulk creations, purges, snapshots, project-level activity).
    async fn occurrence_of(
        &self,
        c: &mut AnyConnection,
        a: &Activity,
        item: Option<&Item>,
    ) -> StoreResult<Option<Occurrence>> {
        use ActivityKind as A;
        use NotificationKind as N;
        let (Some(item_id), Some(watch_kind), Some(item)) =
            (a.item_id, watch_kind_of(a.kind), item)
        else {
            return Ok(None);
        };
        let mut occ = Occurrence {
            org_id: a.org_id,
            project_id: a.project_id,
            team_id: a.team_id,
            item_id,
            title: item.title.clone(),
            actor: a.actor_id,
            watch_kind: Some(watch_kind),
            direct: Vec::new(),
            exclude: Vec::new(),
            unreachable: Vec::new(),
        };
        match a.kind {
            // The mention is told to the people it names, not to the other watchers.
            A::Mentioned => {
                occ.watch_kind = None;
                occ.direct = users_in(&a.data, "users")
                    .into_iter()
                    .map(|u| (u, N::Mentioned))
                    .collect();
                occ.unreachable = a
                    .data
                    .get("without_access")
                    .and_then(|v| v.as_array())
                    .map(|a| {
                        a.iter()
                            .filter_map(|h| h.as_str().map(str::to_owned))
                            .collect()
                    })
                    .unwrap_or_default();
            }
            // People the comment mentions hear of it through the mention only.
            A::Commented => {
                if let Some(comment) = a.data.get("comment_id").and_then(|v| v.as_str()) {
                    occ.exclude = discussion_store::mentions_of(
                        c,
                        a.org_id,
                        std::slice::from_ref(&comment.to_owned()),
                    )
                    .await?
                    .into_iter()
                    .filter(|m| m.2)
                    .map(|m| m.1)
                    .collect();
                }
            }
            A::ItemCreated | A::ItemEdited
                if a.kind == A::ItemCreated || touches_field(&a.data, "assignee") =>
            {
                if let Some(assignee) = item.assignee_id {
                    occ.direct.push((assignee, N::Assigned));
                }
            }
            _ => {}
        }
        if matches!(a.kind, A::ItemCreated | A::ItemEdited) {
            // People the description newly mentions hear of it through the mention only.
            occ.exclude.extend(users_in(&a.data, "mentioned"));
        }
        Ok(Some(occ))
    }
}

impl ActivityConsumer for NotificationConsumer {
    fn name(&self) -> &'static str {
        "notifications"
    }

    /// The batch's items and their watchers are read in two statements, not two to four per
    /// activity.
    fn consume_batch<'a>(
        &'a self,
        c: &'a mut AnyConnection,
        batch: &'a [Activity],
    ) -> BoxFuture<'a, Result<(), (usize, ConsumeError)>> {
        Box::pin(async move {
            let mut ids: Vec<ItemId> = batch
                .iter()
                .filter(|a| watch_kind_of(a.kind).is_some())
                .filter_map(|a| a.item_id)
                .collect();
            ids.sort_unstable();
            ids.dedup();
            let (found, watchers) = async {
                let found = items::get_many(&mut *c, self.app.store().sealer(), &ids).await?;
                let watchers = watches::watchers_of_many(&mut *c, &ids).await?;
                StoreResult::Ok((found, watchers))
            }
            .await
            .map_err(|e| (0, e.into()))?;
            let found: HashMap<ItemId, Item> = found.into_iter().map(|i| (i.id, i)).collect();
            for (i, a) in batch.iter().enumerate() {
                let item = a.item_id.and_then(|id| found.get(&id));
                let step = async {
                    let Some(occ) = self.app.occurrence_of(c, a, item).await? else {
                        return StoreResult::Ok(());
                    };
                    let watching = watchers.get(&occ.item_id).map_or(&[][..], Vec::as_slice);
                    let deliveries = self.app.notify(c, &occ, watching).await?;
                    if !deliveries.is_empty() {
                        self.pending
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .insert(a.id, deliveries);
                    }
                    Ok(())
                };
                step.await.map_err(|e| (i, e.into()))?;
            }
            Ok(())
        })
    }

    fn abandoned(&self, activity_id: i64) {
        self.pending
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&activity_id);
    }

    fn committed(&self, batch: &[Activity]) {
        let mut all = Deliveries::default();
        {
            let mut pending = self.pending.lock().unwrap_or_else(|e| e.into_inner());
            for a in batch {
                if let Some(d) = pending.remove(&a.id) {
                    all.extend(d);
                }
            }
        }
        if !all.is_empty() {
            let app = self.app.clone();
            tokio::spawn(async move { app.dispatch(all).await });
        }
    }
}
