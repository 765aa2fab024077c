//! Item versions as people use them: list, read, save a named version, diff, restore.

use serde_json::json;
use spectree_domain::history::{
    FieldChange, ItemDiff, ItemSnapshot, VersionKind, diff_items, field_changes, validate_message,
};
use spectree_domain::ids::ItemId;
use spectree_domain::org::Action;
use spectree_domain::page::{Page, PageRequest};
use spectree_domain::spec::{ItemType, check_parent};
use spectree_store::history::drafts;
use spectree_store::history::versions::{self, RenderedIndex, VersionMeta};
use spectree_store::spec::items::{self, Item};
use spectree_store::{AnyConnection, Store};

use super::record::{VersionCause, snapshot_of};
use super::{HistoryError, conflicts};
use crate::events::ItemEventKind;
use crate::spec::{Placement, SpecError};
use crate::{Actor, App, audit};

/// One version with its snapshot and the field changes since the version before it.
#[derive(Debug, Clone)]
pub struct VersionDetail {
    /// The version.
    pub meta: VersionMeta,
    /// The item as of this version.
    pub snapshot: ItemSnapshot,
    /// Changes since the version before (every field for the first).
    pub changes: Vec<FieldChange>,
}

/// The most versions one request of the version index returns (and its default).
pub const VERSION_INDEX_MAX: u32 = 10_000;

/// One side of a diff.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffTarget {
    /// A version number.
    Version(i64),
    /// The item as it is now.
    Now,
}

pub(crate) fn parse_cursor(page: &PageRequest) -> Result<Option<i64>, HistoryError> {
    page.after
        .as_deref()
        .map(|c| c.parse::<i64>().map_err(|_| HistoryError::InvalidCursor))
        .transpose()
}

/// Why a restore left the item where it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceKept {
    /// The version's parent is purged, in the trash, or no longer in the project.
    ParentGone,
    /// The version's parent now sits inside the item's own subtree.
    OwnSubtree,
    /// The version's type may not sit under the version's parent (type ranks).
    Rank,
}

impl PlaceKept {
    /// The stable code.
    pub fn code(self) -> &'static str {
        match self {
            PlaceKept::ParentGone => "parent_gone",
            PlaceKept::OwnSubtree => "move_into_own_subtree",
            PlaceKept::Rank => "rank_violation",
        }
    }

    /// A sentence for people.
    pub fn reason(self) -> &'static str {
        match self {
            PlaceKept::ParentGone => {
                "the version's parent is no longer a live item of this project"
            }
            PlaceKept::OwnSubtree => "the version's parent is now inside this item's subtree",
            PlaceKept::Rank => "the version's type cannot sit under the version's parent",
        }
    }
}

/// What a restore did with the item's place in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlaceRestore {
    /// The item already sat where the version had it.
    Unchanged,
    /// The item moved back under the version's parent, at its position (or the nearest free
    /// rank next to it).
    Restored,
    /// The item stayed where it is.
    Kept(PlaceKept),
}

impl PlaceRestore {
    fn kept(why: PlaceKept) -> Self {
        PlaceRestore::Kept(why)
    }

    /// `unchanged`, `restored` or `kept`.
    pub fn code(self) -> &'static str {
        match self {
            PlaceRestore::Unchanged => "unchanged",
            PlaceRestore::Restored => "restored",
            PlaceRestore::Kept(_) => "kept",
        }
    }
}

/// What an item restore did.
#[derive(Debug, Clone)]
pub struct ItemRestore {
    /// The new version.
    pub version: VersionMeta,
    /// What happened to the item's place.
    pub place: PlaceRestore,
    /// The item after the restore.
    pub item: Item,
}

/// How a restore will treat the item's place.
enum PlacePlan {
    Stay(PlaceRestore),
    Move {
        parent: Option<ItemId>,
        parent_type: Option<ItemType>,
    },
}

/// An item row with a snapshot's content and fields applied (its place is kept).
fn with_snapshot(row: &Item, s: &ItemSnapshot) -> Item {
    let mut i = row.clone();
    i.title = s.title.clone();
    i.description = s.description.clone();
    i.acceptance_criteria = s.acceptance_criteria.clone();
    i.item_type = s.item_type;
    i.status = s.status;
    i.priority = s.priority;
    i.assignee_id = s.assignee_id;
    i
}

impl App {
    /// The item, authorized for `action`.
    pub(crate) async fn history_item(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        item: ItemId,
        action: Action,
    ) -> Result<Item, HistoryError> {
        Ok(self.authorize_item(c, actor, item, action).await?.0)
    }

    async fn snapshot_at(
        &self,
        c: &mut AnyConnection,
        row: &Item,
        at: DiffTarget,
    ) -> Result<ItemSnapshot, HistoryError> {
        match at {
            DiffTarget::Now => Ok(snapshot_of(row)),
            DiffTarget::Version(n) => {
                match versions::snapshot(c, self.store().sealer(), row.org_id, row.id, n).await? {
                    Some((got, s)) if got == n => Ok(s),
                    _ => Err(HistoryError::NotFound),
                }
            }
        }
    }

    /// An item's versions, newest first (Viewers and up).
    pub async fn list_item_versions(
        &self,
        actor: &Actor,
        item: ItemId,
        page: &PageRequest,
    ) -> Result<Page<VersionMeta>, HistoryError> {
        let before = parse_cursor(page)?;
        let mut c = self.store().read().await?;
        let row = self.history_item(&mut c, actor, item, Action::View).await?;
        let rows = versions::list(
            &mut c,
            self.store().sealer(),
            row.org_id,
            row.id,
            before,
            page.limit + 1,
        )
        .await?;
        Ok(Page::from_overfetch(rows, page.limit, |v| {
            v.number.to_string()
        }))
    }

    /// An item's version index, newest first (Viewers and up): up to `limit` versions (at
    /// most [`VERSION_INDEX_MAX`]) numbered below the cursor, metadata only, rendered as JSON
    /// by the database (decision 0024), so a timeline of 10,000 versions is one request.
    pub async fn item_version_index(
        &self,
        actor: &Actor,
        item: ItemId,
        cursor: Option<&str>,
        limit: Option<u32>,
    ) -> Result<RenderedIndex, HistoryError> {
        let before = cursor
            .map(|c| c.parse::<i64>().map_err(|_| HistoryError::InvalidCursor))
            .transpose()?;
        let limit = limit
            .unwrap_or(VERSION_INDEX_MAX)
            .clamp(1, VERSION_INDEX_MAX);
        let mut c = self.store().read().await?;
        let row = self.history_item(&mut c, actor, item, Action::View).await?;
        Ok(versions::index_json(
            &mut c,
            self.store().sealer(),
            row.org_id,
            row.id,
            before,
            limit,
        )
        .await?)
    }

    /// One version of an item (Viewers and up).
    pub async fn get_item_version(
        &self,
        actor: &Actor,
        item: ItemId,
        number: i64,
    ) -> Result<VersionDetail, HistoryError> {
        let mut c = self.store().read().await?;
        let row = self.history_item(&mut c, actor, item, Action::View).await?;
        let sealer = self.store().sealer();
        let meta = versions::meta(&mut c, sealer, row.org_id, row.id, number)
            .await?
            .ok_or(HistoryError::NotFound)?;
        let snapshot = self
            .snapshot_at(&mut c, &row, DiffTarget::Version(number))
            .await?;
        let previous = versions::previous_number(&mut c, row.org_id, row.id, number).await?;
        let prev = match previous {
            Some(p) => versions::snapshot(&mut c, sealer, row.org_id, row.id, p)
                .await?
                .map(|s| s.1),
            None => None,
        };
        let mut changes = field_changes(prev.as_ref(), &snapshot);
        conflicts::fold_span(
            &mut c,
            row.org_id,
            row.id,
            previous.unwrap_or(0),
            Some(number),
            &mut changes,
        )
        .await?;
        Ok(VersionDetail {
            meta,
            snapshot,
            changes,
        })
    }

    /// The diff of an item between two versions, or a version and now (Viewers and up).
    pub async fn diff_item(
        &self,
        actor: &Actor,
        item: ItemId,
        from: DiffTarget,
        to: DiffTarget,
    ) -> Result<ItemDiff, HistoryError> {
        let mut c = self.store().read().await?;
        let row = self.history_item(&mut c, actor, item, Action::View).await?;
        let old = self.snapshot_at(&mut c, &row, from).await?;
        let new = self.snapshot_at(&mut c, &row, to).await?;
        let mut diff = diff_items(&old, &new);
        // The races recorded in the versions the diff spans.
        let span = match (from, to) {
            (DiffTarget::Version(a), DiffTarget::Version(b)) => Some((a.min(b), Some(a.max(b)))),
            (DiffTarget::Version(a), DiffTarget::Now)
            | (DiffTarget::Now, DiffTarget::Version(a)) => Some((a, None)),
            (DiffTarget::Now, DiffTarget::Now) => None,
        };
        if let Some((after, through)) = span {
            conflicts::fold_span(&mut c, row.org_id, row.id, after, through, &mut diff.fields)
                .await?;
        }
        Ok(diff)
    }

    /// Saves the item as it is now as a named version (Editors and up).
    pub async fn save_item_version(
        &self,
        actor: &Actor,
        item: ItemId,
        message: &str,
    ) -> Result<VersionMeta, HistoryError> {
        let message = validate_message(message).map_err(HistoryError::InvalidMessage)?;
        let mut tx = self.store().begin().await?;
        let row = self
            .history_item(&mut tx, actor, item, Action::Edit)
            .await?;
        versions::lock_item(&mut tx, self.store().dialect(), row.id).await?;
        let draft = drafts::take(&mut tx, row.id).await?;
        let why = VersionCause {
            kind: VersionKind::Named,
            cause: "save",
            actor: Some(actor.user_id),
            message: Some(&message),
            restored_from: None,
            activity: true,
        };
        let n = self
            .store_version(&mut tx, &row, &why, draft)
            .await?
            .ok_or(HistoryError::NotFound)?;
        let meta = versions::meta(&mut tx, self.store().sealer(), row.org_id, row.id, n)
            .await?
            .ok_or(HistoryError::NotFound)?;
        Store::commit(tx).await?;
        Ok(meta)
    }

    /// Restores an item to a version (Editors and up): its content and fields through the
    /// live document as a minimal diff, so connected editors see it at once and untouched text
    /// keeps its identity, and its place in the tree (the version's parent and position)
    /// through the move use case when that parent is still a live item of the project and the
    /// type ranks allow it; otherwise the item stays where it is and the outcome says why. The
    /// restore becomes a new version, and nothing after the restored version is lost.
    pub async fn restore_item_version(
        &self,
        actor: &Actor,
        item: ItemId,
        number: i64,
    ) -> Result<ItemRestore, HistoryError> {
        let (app, actor) = (self.clone(), actor.clone());
        self.detached(async move { app.restore_item_version_now(&actor, item, number).await })
            .await
    }

    async fn restore_item_version_now(
        &self,
        actor: &Actor,
        item: ItemId,
        number: i64,
    ) -> Result<ItemRestore, HistoryError> {
        let (row, snap, plan) = {
            let mut c = self.store().read().await?;
            let row = self.history_item(&mut c, actor, item, Action::Edit).await?;
            if row.deleted_at.is_some() {
                return Err(HistoryError::ItemInTrash);
            }
            let snap = self
                .snapshot_at(&mut c, &row, DiffTarget::Version(number))
                .await?;
            let plan = self.plan_place(&mut c, &row, &snap).await?;
            let parent_type = match &plan {
                PlacePlan::Move { parent_type, .. } => *parent_type,
                PlacePlan::Stay(_) => self.parent_type(&mut c, row.parent_id).await?,
            };
            self.check_restorable(&mut c, &row, &snap, parent_type)
                .await?;
            (row, snap, plan)
        };
        let target = with_snapshot(&row, &snap);
        // What was collected before the restore stays its own version.
        self.close_item_draft(item, None).await?;
        let (mut place, move_first) = match &plan {
            PlacePlan::Stay(p) => (*p, false),
            // Move first when the item's present type may sit under the version's parent,
            // else change the type first: one of the two orders always passes the rank rule.
            PlacePlan::Move { parent_type, .. } => (
                PlaceRestore::Unchanged,
                check_parent(row.item_type, *parent_type).is_ok(),
            ),
        };
        if move_first && let PlacePlan::Move { parent, .. } = &plan {
            place = self
                .restore_place(actor, item, *parent, &snap.position)
                .await?;
        }
        self.edit_document_to(item, actor.user_id, crate::collab::content_of(&target))
            .await?;
        if !move_first && let PlacePlan::Move { parent, .. } = &plan {
            place = self
                .restore_place(actor, item, *parent, &snap.position)
                .await?;
        }
        let mut tx = self.store().begin().await?;
        versions::lock_item(&mut tx, self.store().dialect(), item).await?;
        let row = items::get(&mut tx, self.store().sealer(), item)
            .await?
            .ok_or(HistoryError::NotFound)?;
        let draft = drafts::take(&mut tx, item).await?;
        let message = format!("Restored version {number}");
        let why = VersionCause {
            kind: VersionKind::Restore,
            cause: "rollback",
            actor: Some(actor.user_id),
            message: Some(&message),
            restored_from: Some(number),
            activity: true,
        };
        let n = self
            .store_version(&mut tx, &row, &why, draft)
            .await?
            .ok_or(HistoryError::NotFound)?;
        audit::record(
            &mut tx,
            self.now(),
            row.org_id,
            Some(actor.user_id),
            "item.version_restored",
            ("work_item", Some(row.id.to_string())),
            &actor.ctx,
            json!({ "project_id": row.project_id, "restored": number, "version": n,
                    "place": place.code() }),
        )
        .await?;
        let meta = versions::meta(&mut tx, self.store().sealer(), row.org_id, row.id, n)
            .await?
            .ok_or(HistoryError::NotFound)?;
        Store::commit(tx).await?;
        Ok(ItemRestore {
            version: meta,
            place,
            item: row,
        })
    }

    /// The type of a parent (none at the root).
    async fn parent_type(
        &self,
        c: &mut AnyConnection,
        parent: Option<ItemId>,
    ) -> Result<Option<ItemType>, HistoryError> {
        Ok(match parent {
            Some(p) => items::get(&mut *c, self.store().sealer(), p)
                .await?
                .map(|p| p.item_type),
            None => None,
        })
    }

    /// Whether the version's place can be restored, checked before anything changes.
    async fn plan_place(
        &self,
        c: &mut AnyConnection,
        row: &Item,
        snap: &ItemSnapshot,
    ) -> Result<PlacePlan, HistoryError> {
        if snap.parent_id == row.parent_id && snap.position == row.position {
            return Ok(PlacePlan::Stay(PlaceRestore::Unchanged));
        }
        let Some(p) = snap.parent_id else {
            return Ok(PlacePlan::Move {
                parent: None,
                parent_type: None,
            });
        };
        let parent = match items::get(&mut *c, self.store().sealer(), p).await? {
            Some(parent) if parent.project_id == row.project_id && parent.deleted_at.is_none() => {
                parent
            }
            _ => return Ok(PlacePlan::Stay(PlaceRestore::kept(PlaceKept::ParentGone))),
        };
        if items::ancestors(&mut *c, p).await?.contains(&row.id) {
            return Ok(PlacePlan::Stay(PlaceRestore::kept(PlaceKept::OwnSubtree)));
        }
        if check_parent(snap.item_type, Some(parent.item_type)).is_err() {
            return Ok(PlacePlan::Stay(PlaceRestore::kept(PlaceKept::Rank)));
        }
        Ok(PlacePlan::Move {
            parent: Some(p),
            parent_type: Some(parent.item_type),
        })
    }

    /// Moves the item back to `parent` at (or next to) `rank` through the move use case; a
    /// tree rule that refuses it now (the tree changed since the check) leaves it in place.
    async fn restore_place(
        &self,
        actor: &Actor,
        item: ItemId,
        parent: Option<ItemId>,
        rank: &str,
    ) -> Result<PlaceRestore, HistoryError> {
        let to = Placement {
            parent_id: parent,
            ..Placement::default()
        };
        match self.move_item_to(actor, item, &to, Some(rank)).await {
            Ok(moved) => {
                self.events()
                    .publish(moved.project_id, ItemEventKind::Moved, moved.id);
                Ok(PlaceRestore::Restored)
            }
            Err(SpecError::InvalidParent) => Ok(PlaceRestore::kept(PlaceKept::ParentGone)),
            Err(SpecError::MoveIntoOwnSubtree) => Ok(PlaceRestore::kept(PlaceKept::OwnSubtree)),
            Err(SpecError::Rule(_)) => Ok(PlaceRestore::kept(PlaceKept::Rank)),
            Err(e) => Err(e.into()),
        }
    }

    /// Refuses a restore whose type no longer fits the item's place (`parent`: the type of the
    /// parent it will have), or whose assignee can no longer see the project.
    async fn check_restorable(
        &self,
        c: &mut AnyConnection,
        row: &Item,
        snap: &ItemSnapshot,
        parent: Option<ItemType>,
    ) -> Result<(), HistoryError> {
        if snap.item_type != row.item_type || snap.parent_id != row.parent_id {
            let children = items::child_types(&mut *c, row.id).await?;
            if check_parent(snap.item_type, parent).is_err()
                || children
                    .iter()
                    .any(|t| check_parent(*t, Some(snap.item_type)).is_err())
            {
                return Err(HistoryError::RestoreConflict(format!(
                    "the version's type {} no longer fits the item's place in the tree",
                    snap.item_type
                )));
            }
        }
        if let Some(a) = snap.assignee_id
            && Some(a) != row.assignee_id
        {
            let project =
                spectree_store::spec::projects::get(&mut *c, self.store().sealer(), row.project_id)
                    .await?
                    .ok_or(HistoryError::NotFound)?;
            if self
                .check_assignee(c, project.org_id, project.team_id, a)
                .await
                .is_err()
            {
                return Err(HistoryError::RestoreConflict(
                    "the version's assignee can no longer see this project".into(),
                ));
            }
        }
        Ok(())
    }
}
