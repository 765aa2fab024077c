//! Project snapshots: take (the whole tree with every item's content), list, read, diff,
//! and restore. A restore first snapshots the project as it is, then puts every item of the
//! snapshot back (content, fields, place; out of the trash, or recreated if purged), moves
//! items made since to the trash, records a version of each changed item, and finally
//! brings the live documents in line, so connected editors see the restore at once.

use std::collections::{HashMap, HashSet};

use serde_json::json;
use spectree_domain::activity::ActivityKind;
use spectree_domain::history::{
    ItemSnapshot, TreeDiff, TreeItem, VersionKind, diff_trees, validate_message,
};
use spectree_domain::ids::{ItemId, ProjectId};
use spectree_domain::org::Action;
use spectree_domain::page::{Page, PageRequest};
use spectree_store::history::snapshots::{self, NewSnapshot, SnapshotMeta};
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::projects::{self, Project};
use spectree_store::spec::words;
use spectree_store::{AnyConnection, Store};

use super::HistoryError;
use super::record::{VersionCause, snapshot_of};
use super::versions::parse_cursor;
use crate::spec::item_words;
use crate::{Actor, App, audit};

/// What a project restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreOutcome {
    /// The snapshot restored.
    pub restored: i64,
    /// The snapshot taken of the project just before.
    pub saved_before: i64,
    /// Items whose content, fields, place or trash state changed.
    pub changed: usize,
    /// Items recreated because they had been purged.
    pub recreated: usize,
    /// Items made after the snapshot, moved to the trash (with their subtrees).
    pub trashed: usize,
}

/// One side of a snapshot diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotTarget {
    /// A snapshot number.
    Snapshot(i64),
    /// The project as it is now.
    Now,
}

async fn current_tree(
    app: &App,
    c: &mut AnyConnection,
    project: &Project,
) -> Result<Vec<TreeItem>, HistoryError> {
    let rows = items::tree(c, app.store().sealer(), project.org_id, project.id, true).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let (description, criteria) = r.content.unwrap_or_default();
            TreeItem {
                id: r.id,
                snapshot: ItemSnapshot {
                    title: r.title,
                    description,
                    acceptance_criteria: criteria,
                    item_type: r.item_type,
                    status: r.status,
                    priority: r.priority,
                    assignee_id: r.assignee_id,
                    parent_id: r.parent_id,
                    position: r.position,
                    trashed: false,
                },
            }
        })
        .collect())
}

/// The snapshot's items ordered so every parent comes before its children (a purged parent
/// is recreated before a child points at it).
fn parents_first(items: Vec<TreeItem>) -> Vec<TreeItem> {
    let parent: HashMap<ItemId, Option<ItemId>> =
        items.iter().map(|i| (i.id, i.snapshot.parent_id)).collect();
    let depth = |mut id: ItemId| {
        let mut d = 0;
        while let Some(Some(p)) = parent.get(&id) {
            d += 1;
            id = *p;
            if d > 64 {
                break;
            }
        }
        d
    };
    let mut keyed: Vec<(usize, TreeItem)> = items.into_iter().map(|i| (depth(i.id), i)).collect();
    keyed.sort_by_key(|(d, _)| *d);
    keyed.into_iter().map(|(_, i)| i).collect()
}

fn apply(row: &Item, s: &ItemSnapshot) -> Item {
    let mut i = row.clone();
    i.title = s.title.clone();
    i.description = s.description.clone();
    i.acceptance_criteria = s.acceptance_criteria.clone();
    i.item_type = s.item_type;
    i.status = s.status;
    i.priority = s.priority;
    i.assignee_id = s.assignee_id;
    i.parent_id = s.parent_id;
    i.position = s.position.clone();
    i.deleted_at = None;
    i.deleted_by = None;
    i.trash_root_id = None;
    i
}

impl App {
    async fn history_project(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        project: ProjectId,
        action: Action,
    ) -> Result<Project, HistoryError> {
        Ok(self.authorize_project(c, actor, project, action).await?)
    }

    /// Takes a snapshot of a whole project (Editors and up).
    pub async fn create_project_snapshot(
        &self,
        actor: &Actor,
        project: ProjectId,
        message: &str,
    ) -> Result<SnapshotMeta, HistoryError> {
        let message = validate_message(message).map_err(HistoryError::InvalidMessage)?;
        let mut tx = self.store().begin().await?;
        let project = self
            .history_project(&mut tx, actor, project, Action::Edit)
            .await?;
        projects::lock(&mut tx, project.id).await?;
        let tree = current_tree(self, &mut tx, &project).await?;
        let s = NewSnapshot {
            org_id: project.org_id,
            project_id: project.id,
            message: &message,
            cause: "manual",
            created_by: actor.user_id,
            created_at: self.now(),
        };
        let number = snapshots::insert(&mut tx, self.store().sealer(), &s, &tree).await?;
        audit::record(
            &mut tx,
            s.created_at,
            project.org_id,
            Some(actor.user_id),
            "project.snapshot_created",
            ("project", Some(project.id.to_string())),
            &actor.ctx,
            json!({ "snapshot": number, "items": tree.len() }),
        )
        .await?;
        self.record_activity(
            &mut tx,
            (project.org_id, project.id, None),
            Some(actor.user_id),
            ActivityKind::SnapshotTaken,
            json!({ "snapshot": number }),
        )
        .await?;
        let created_at = s.created_at;
        Store::commit(tx).await?;
        Ok(SnapshotMeta {
            project_id: project.id,
            number,
            org_id: project.org_id,
            message: message.clone(),
            cause: "manual".into(),
            created_by: actor.user_id,
            created_at,
            item_count: tree.len() as i64,
        })
    }

    /// A project's snapshots, newest first (Viewers and up).
    pub async fn list_project_snapshots(
        &self,
        actor: &Actor,
        project: ProjectId,
        page: &PageRequest,
    ) -> Result<Page<SnapshotMeta>, HistoryError> {
        let before = parse_cursor(page)?;
        let mut c = self.store().read().await?;
        let project = self
            .history_project(&mut c, actor, project, Action::View)
            .await?;
        let rows = snapshots::list(
            &mut c,
            self.store().sealer(),
            project.org_id,
            project.id,
            before,
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |s| {
            s.number.to_string()
        }))
    }

    /// One snapshot with every item (Viewers and up).
    pub async fn get_project_snapshot(
        &self,
        actor: &Actor,
        project: ProjectId,
        number: i64,
    ) -> Result<(SnapshotMeta, Vec<TreeItem>), HistoryError> {
        let mut c = self.store().read().await?;
        let project = self
            .history_project(&mut c, actor, project, Action::View)
            .await?;
        snapshots::get(
            &mut c,
            self.store().sealer(),
            project.org_id,
            project.id,
            number,
        )
        .await?
        .ok_or(HistoryError::NotFound)
    }

    /// The diff between two snapshots of a project, or a snapshot and now (Viewers and up).
    pub async fn diff_project_snapshots(
        &self,
        actor: &Actor,
        project: ProjectId,
        from: SnapshotTarget,
        to: SnapshotTarget,
    ) -> Result<TreeDiff, HistoryError> {
        let mut c = self.store().read().await?;
        let project = self
            .history_project(&mut c, actor, project, Action::View)
            .await?;
        let mut side = async |t: SnapshotTarget| -> Result<Vec<TreeItem>, HistoryError> {
            match t {
                SnapshotTarget::Now => current_tree(self, &mut c, &project).await,
                SnapshotTarget::Snapshot(n) => Ok(snapshots::get(
                    &mut c,
                    self.store().sealer(),
                    project.org_id,
                    project.id,
                    n,
                )
                .await?
                .ok_or(HistoryError::NotFound)?
                .1),
            }
        };
        let old = side(from).await?;
        let new = side(to).await?;
        Ok(diff_trees(&old, &new))
    }

    /// Restores a project to a snapshot (Managers and up). Nothing is lost: the project as
    /// it was is snapshotted first, items made since go to the trash, and every changed
    /// item gets a restore version.
    pub async fn restore_project_snapshot(
        &self,
        actor: &Actor,
        project: ProjectId,
        number: i64,
    ) -> Result<RestoreOutcome, HistoryError> {
        let (app, actor) = (self.clone(), actor.clone());
        self.detached(async move {
            app.restore_project_snapshot_now(&actor, project, number)
                .await
        })
        .await
    }

    async fn restore_project_snapshot_now(
        &self,
        actor: &Actor,
        project: ProjectId,
        number: i64,
    ) -> Result<RestoreOutcome, HistoryError> {
        let sealer = self.store().sealer();
        let mut tx = self.store().begin().await?;
        let project = self
            .history_project(&mut tx, actor, project, Action::Delete)
            .await?;
        projects::lock(&mut tx, project.id).await?;
        let (_, wanted) = snapshots::get(&mut tx, sealer, project.org_id, project.id, number)
            .await?
            .ok_or(HistoryError::NotFound)?;
        let now_tree = current_tree(self, &mut tx, &project).await?;
        let before_msg = format!("Before restoring snapshot {number}");
        let saved_before = snapshots::insert(
            &mut tx,
            sealer,
            &NewSnapshot {
                org_id: project.org_id,
                project_id: project.id,
                message: &before_msg,
                cause: "before_restore",
                created_by: actor.user_id,
                created_at: self.now(),
            },
            &now_tree,
        )
        .await?;
        let wanted = parents_first(wanted);
        let ids: Vec<ItemId> = wanted.iter().map(|i| i.id).collect();
        let existing: HashMap<ItemId, Item> = items::get_many(&mut tx, sealer, &ids)
            .await?
            .into_iter()
            .filter(|i| i.project_id == project.id && i.org_id == project.org_id)
            .map(|i| (i.id, i))
            .collect();
        let message = format!("Restored project snapshot {number}");
        let why = VersionCause {
            kind: VersionKind::Restore,
            cause: "project_restore",
            actor: Some(actor.user_id),
            message: Some(&message),
            restored_from: None,
            activity: false,
        };
        let mut outcome = RestoreOutcome {
            restored: number,
            saved_before,
            changed: 0,
            recreated: 0,
            trashed: 0,
        };
        let mut documents: Vec<Item> = Vec::new();
        for w in &wanted {
            match existing.get(&w.id) {
                Some(row) => {
                    let target = apply(row, &w.snapshot);
                    if snapshot_of(&target) == snapshot_of(row) {
                        continue;
                    }
                    let mut target = target;
                    target.updated_by = actor.user_id;
                    target.updated_at = self.now();
                    items::update(&mut tx, sealer, &target).await?;
                    if row.deleted_at.is_some() {
                        snapshots::untrash_item(&mut tx, project.org_id, row.id).await?;
                    }
                    words::replace(&mut tx, project.id, target.id, item_words(&target)).await?;
                    self.record_item_version(&mut tx, Some(row), &target, &why)
                        .await?;
                    outcome.changed += 1;
                    documents.push(target);
                }
                None => {
                    let now = self.now();
                    let s = &w.snapshot;
                    let item = Item {
                        id: w.id,
                        org_id: project.org_id,
                        project_id: project.id,
                        parent_id: s.parent_id,
                        position: s.position.clone(),
                        item_type: s.item_type,
                        status: s.status,
                        priority: s.priority,
                        assignee_id: s.assignee_id,
                        title: s.title.clone(),
                        description: s.description.clone(),
                        acceptance_criteria: s.acceptance_criteria.clone(),
                        created_by: actor.user_id,
                        created_at: now,
                        updated_by: actor.user_id,
                        updated_at: now,
                        deleted_at: None,
                        deleted_by: None,
                        trash_root_id: None,
                    };
                    outcome.recreated += 1;
                    documents.push(item.clone());
                    self.insert_restored(&mut tx, &project, item, &why).await?;
                }
            }
        }
        let keep: HashSet<ItemId> = ids.iter().copied().collect();
        for t in now_tree.iter().filter(|t| !keep.contains(&t.id)) {
            let Some(before) = items::get(&mut tx, sealer, t.id).await? else {
                continue;
            };
            if before.deleted_at.is_some() {
                continue;
            }
            let n = items::soft_delete(&mut tx, t.id, actor.user_id, self.now()).await?;
            outcome.trashed += n as usize;
            if let Some(after) = items::get(&mut tx, sealer, t.id).await? {
                let trashed = VersionCause {
                    activity: false,
                    ..VersionCause::auto("trash", Some(actor.user_id))
                };
                self.record_item_version(&mut tx, Some(&before), &after, &trashed)
                    .await?;
            }
        }
        audit::record(
            &mut tx,
            self.now(),
            project.org_id,
            Some(actor.user_id),
            "project.snapshot_restored",
            ("project", Some(project.id.to_string())),
            &actor.ctx,
            json!({ "snapshot": number, "saved_before": saved_before, "changed": outcome.changed,
                    "recreated": outcome.recreated, "trashed": outcome.trashed }),
        )
        .await?;
        self.record_activity(
            &mut tx,
            (project.org_id, project.id, None),
            Some(actor.user_id),
            ActivityKind::SnapshotRestored,
            json!({ "snapshot": number, "saved_before": saved_before, "changed": outcome.changed,
                    "recreated": outcome.recreated, "trashed": outcome.trashed }),
        )
        .await?;
        Store::commit(tx).await?;
        self.sync_documents(actor, &documents).await?;
        Ok(outcome)
    }

    async fn insert_restored(
        &self,
        c: &mut AnyConnection,
        project: &Project,
        item: Item,
        why: &VersionCause<'_>,
    ) -> Result<(), HistoryError> {
        items::insert_many(&mut *c, self.store().sealer(), std::slice::from_ref(&item)).await?;
        words::insert(&mut *c, project.id, &[(item.id, item_words(&item))]).await?;
        self.record_item_version(c, None, &item, why).await?;
        Ok(())
    }

    /// Brings each item's live document in line with its (already written) row, as a
    /// minimal diff, so connected editors see the change.
    async fn sync_documents(&self, actor: &Actor, rows: &[Item]) -> Result<(), HistoryError> {
        let mut first_err = None;
        for row in rows {
            let r = self
                .edit_document_to(row.id, actor.user_id, crate::collab::content_of(row))
                .await;
            if let Err(e) = r {
                tracing::error!(item = %row.id, error = %e, "bringing a document in line after a restore failed");
                first_err.get_or_insert(e);
            }
        }
        match first_err {
            Some(e) => Err(e.into()),
            None => Ok(()),
        }
    }
}
