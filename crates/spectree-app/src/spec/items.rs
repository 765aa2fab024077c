//! Creating (one or in bulk), reading and updating work items.

use std::collections::{BTreeSet, HashMap, HashSet};

use serde_json::json;
use spectree_domain::activity::ActivityKind;
use spectree_domain::discussion::mentions;
use spectree_domain::ids::{ItemId, OrgId, ProjectId, UserId};
use spectree_domain::notification::WatchReason;
use spectree_domain::org::Action;
use spectree_domain::spec::search::{index_words, words_text};
use spectree_domain::spec::{
    Criterion, ItemType, Position, Priority, Status, check_parent, validate_criteria,
    validate_description, validate_title,
};
use spectree_store::notification::watches;
use spectree_store::spec::items::{self, Item};
use spectree_store::spec::projects::Project;
use spectree_store::spec::words;
use spectree_store::{AnyConnection, Store, StoreResult, Writes};

use super::{BULK_MAX_ITEMS, SpecError};
use crate::{Actor, App, audit};

/// Where an item goes: under `parent_id` (the root when `None`), right after the sibling
/// `after_id` or right before `before_id`, or last.
#[derive(Debug, Clone, Default)]
pub struct Placement {
    /// New parent.
    pub parent_id: Option<ItemId>,
    /// Place right before this sibling.
    pub before_id: Option<ItemId>,
    /// Place right after this sibling.
    pub after_id: Option<ItemId>,
}

/// A new work item.
#[derive(Debug, Clone)]
pub struct NewItem {
    /// Where it goes.
    pub placement: Placement,
    /// Type.
    pub item_type: ItemType,
    /// Title.
    pub title: String,
    /// Markdown description.
    pub description: String,
    /// Acceptance criteria (empty ids are filled in).
    pub acceptance_criteria: Vec<Criterion>,
    /// Status (default draft).
    pub status: Option<Status>,
    /// Priority (default medium).
    pub priority: Option<Priority>,
    /// Assignee.
    pub assignee_id: Option<UserId>,
}

/// One item of a bulk create. Its parent is an existing item (`parent_id`) or an earlier item
/// of the same request (`parent_ref`); items go last under their parent, in request order.
#[derive(Debug, Clone)]
pub struct BulkItem {
    /// The client's name for this item, for `parent_ref` of later items.
    pub item_ref: Option<String>,
    /// Parent among earlier items of the request.
    pub parent_ref: Option<String>,
    /// Existing parent.
    pub parent_id: Option<ItemId>,
    /// The item's fields (its `placement` is ignored).
    pub item: NewItem,
}

/// A partial update of an item.
#[derive(Debug, Clone, Default)]
pub struct ItemChanges {
    /// New title.
    pub title: Option<String>,
    /// New description.
    pub description: Option<String>,
    /// New criteria (the whole list).
    pub acceptance_criteria: Option<Vec<Criterion>>,
    /// New type.
    pub item_type: Option<ItemType>,
    /// New status.
    pub status: Option<Status>,
    /// New priority.
    pub priority: Option<Priority>,
    /// New assignee (`Some(None)` unassigns).
    pub assignee_id: Option<Option<UserId>>,
}

/// The names of the fields that differ between two versions of an item, for change records.
pub(crate) fn changed_fields(before: &Item, after: &Item) -> Vec<&'static str> {
    [
        ("title", before.title != after.title),
        ("description", before.description != after.description),
        (
            "acceptance_criteria",
            before.acceptance_criteria != after.acceptance_criteria,
        ),
        ("type", before.item_type != after.item_type),
        ("status", before.status != after.status),
        ("priority", before.priority != after.priority),
        ("assignee", before.assignee_id != after.assignee_id),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}

/// The search words of an item's text.
pub(crate) fn item_words(item: &Item) -> BTreeSet<String> {
    text_words(&item.title, &item.description, &item.acceptance_criteria)
}

/// The search words of an item's title, description and criteria.
pub(crate) fn text_words(
    title: &str,
    description: &str,
    criteria: &[Criterion],
) -> BTreeSet<String> {
    index_words(
        [title, description]
            .into_iter()
            .chain(criteria.iter().map(|c| c.text.as_str())),
    )
}

/// The watches new items get: their creator, and their assignee.
fn auto_watches(created: &[Item]) -> Vec<(OrgId, ItemId, UserId, WatchReason)> {
    let mut rows = Vec::with_capacity(created.len());
    for i in created {
        rows.push((i.org_id, i.id, i.created_by, WatchReason::Creator));
        if let Some(a) = i.assignee_id
            && a != i.created_by
        {
            rows.push((i.org_id, i.id, a, WatchReason::Assignee));
        }
    }
    rows
}

fn new_criterion_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

impl App {
    /// The live parent of a placement, checked to be in `project`.
    pub(crate) async fn live_parent(
        &self,
        c: &mut AnyConnection,
        project: ProjectId,
        parent: Option<ItemId>,
    ) -> Result<Option<Item>, SpecError> {
        let Some(parent) = parent else {
            return Ok(None);
        };
        match items::get(c, self.store().sealer(), parent).await? {
            Some(p) if p.project_id == project && p.deleted_at.is_none() => Ok(Some(p)),
            _ => Err(SpecError::InvalidParent),
        }
    }

    /// The position a placement asks for.
    pub(crate) async fn position_for(
        &self,
        c: &mut AnyConnection,
        project: ProjectId,
        placement: &Placement,
        moving: Option<ItemId>,
    ) -> Result<Position, SpecError> {
        let parent = placement.parent_id;
        let (which, anchor_id, after) = match (placement.after_id, placement.before_id) {
            (Some(_), Some(_)) => {
                return Err(SpecError::InvalidAnchor(
                    "only one of before_id and after_id",
                ));
            }
            (Some(a), None) => ("after_id", a, true),
            (None, Some(b)) => ("before_id", b, false),
            (None, None) => {
                let last = items::last_position(c, project, parent).await?;
                let last = last.and_then(|p| Position::parse(&p).ok());
                return Ok(Position::between(last.as_ref(), None));
            }
        };
        let a = items::get(&mut *c, self.store().sealer(), anchor_id).await?;
        let a = match a {
            Some(a)
                if a.project_id == project
                    && a.parent_id == parent
                    && a.deleted_at.is_none()
                    && Some(a.id) != moving =>
            {
                a
            }
            _ => return Err(SpecError::InvalidAnchor(which)),
        };
        let other = items::neighbour_position(c, project, parent, &a.position, a.id, after).await?;
        let here = Position::parse(&a.position).ok();
        let other = other.and_then(|p| Position::parse(&p).ok());
        Ok(if after {
            Position::between(here.as_ref(), other.as_ref())
        } else {
            Position::between(other.as_ref(), here.as_ref())
        })
    }

    /// Validates a new item's fields; returns the stored item (position left empty).
    pub(super) async fn build_item(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        project: &Project,
        parent: Option<(ItemId, ItemType)>,
        new: NewItem,
        assignees_ok: &mut HashSet<UserId>,
    ) -> Result<Item, SpecError> {
        check_parent(new.item_type, parent.map(|p| p.1))?;
        let title = validate_title(&new.title)?;
        validate_description(&new.description)?;
        let criteria = validate_criteria(new.acceptance_criteria, new_criterion_id)?;
        if let Some(a) = new.assignee_id
            && !assignees_ok.contains(&a)
        {
            self.check_assignee(c, project.org_id, project.team_id, a)
                .await?;
            assignees_ok.insert(a);
        }
        let now = self.now();
        Ok(Item {
            id: ItemId::new(),
            org_id: project.org_id,
            project_id: project.id,
            parent_id: parent.map(|p| p.0),
            position: String::new(),
            item_type: new.item_type,
            status: new.status.unwrap_or_default(),
            priority: new.priority.unwrap_or_default(),
            assignee_id: new.assignee_id,
            title,
            description: new.description,
            acceptance_criteria: criteria,
            created_by: actor.user_id,
            created_at: now,
            updated_by: actor.user_id,
            updated_at: now,
            deleted_at: None,
            deleted_by: None,
            trash_root_id: None,
        })
    }

    /// Creates one work item (Editors and up). Creates placed last under their parent are
    /// written together with the others that arrive meanwhile (`batch.rs`); one placed
    /// before or after a sibling reads its neighbours and is written alone.
    pub async fn create_item(
        &self,
        actor: &Actor,
        project: ProjectId,
        new: NewItem,
    ) -> Result<Item, SpecError> {
        if new.placement.before_id.is_some() || new.placement.after_id.is_some() {
            return self.create_item_alone(actor, project, new).await;
        }
        self.create_queued(actor, project, new).await
    }

    /// Creates one work item in a transaction of its own.
    pub(super) async fn create_item_alone(
        &self,
        actor: &Actor,
        project: ProjectId,
        new: NewItem,
    ) -> Result<Item, SpecError> {
        let mut tx = self.store().begin().await?;
        let project = self
            .authorize_project(&mut tx, actor, project, Action::Edit)
            .await?;
        let parent = self
            .live_parent(&mut tx, project.id, new.placement.parent_id)
            .await?;
        let position = self
            .position_for(&mut tx, project.id, &new.placement, None)
            .await?;
        let mut item = self
            .build_item(
                &mut tx,
                actor,
                &project,
                parent.map(|p| (p.id, p.item_type)),
                new,
                &mut HashSet::new(),
            )
            .await?;
        item.position = position.as_str().to_owned();
        self.write_created_items(&mut tx, std::slice::from_ref(&item), &[actor], Vec::new())
            .await?;
        Store::commit(tx).await?;
        Ok(item)
    }

    /// Writes checked single creates (`rows[i]` by `actors[i]`), each a use case of its own
    /// whether alone or in a batch: the rows, their words for search, version 1 with its
    /// activity, the automatic watches, and an audit record each, in one round trip
    /// (docs/decisions/0031). `words[i]` is the text of `rows[i]`'s search words ([`words_text`]), when the caller
    /// has it already.
    pub(super) async fn write_created_items(
        &self,
        c: &mut AnyConnection,
        rows: &[Item],
        actors: &[&Actor],
        mut words: Vec<String>,
    ) -> StoreResult<()> {
        let mut w = Writes::new(c);
        items::push_insert_many(&mut w, self.store().sealer(), rows)?;
        if words.len() != rows.len() {
            words = rows.iter().map(|i| words_text(&item_words(i))).collect();
        }
        let mut by_project: HashMap<ProjectId, Vec<(ItemId, String)>> = HashMap::new();
        for (i, words) in rows.iter().zip(words) {
            by_project
                .entry(i.project_id)
                .or_default()
                .push((i.id, words));
        }
        for (project, words) in by_project {
            words::push_insert(&mut w, project, &words)?;
        }
        // Mentions are recorded as the versions are (they need the items); without any,
        // every row goes in one round trip.
        if rows.iter().any(|i| !mentions(&i.description).is_empty()) {
            std::mem::replace(&mut w, Writes::new(c)).run(c).await?;
        }
        let created: Vec<(&Item, UserId)> = rows
            .iter()
            .zip(actors)
            .map(|(item, actor)| (item, actor.user_id))
            .collect();
        self.record_created_items(&mut *c, &mut w, &created).await?;
        watches::push_add_auto_many(&mut w, &auto_watches(rows), self.now());
        let events: Vec<_> = rows
            .iter()
            .zip(actors)
            .map(|(item, actor)| {
                let event = audit::event(
                    item.org_id,
                    Some(actor.user_id),
                    "item.created",
                    ("work_item", Some(item.id.to_string())),
                    &actor.ctx,
                    json!({ "project_id": item.project_id, "type": item.item_type, "parent_id": item.parent_id }),
                );
                (event, item.created_at)
            })
            .collect();
        spectree_store::audit::push_append_many(&mut w, &events);
        w.run(c).await?;
        Ok(())
    }

    /// Creates many items in one transaction: all or none (Editors and up).
    pub async fn bulk_create_items(
        &self,
        actor: &Actor,
        project: ProjectId,
        batch: Vec<BulkItem>,
    ) -> Result<Vec<(Option<String>, Item)>, SpecError> {
        if batch.is_empty() || batch.len() > BULK_MAX_ITEMS {
            return Err(SpecError::InvalidBulk(format!(
                "a bulk create holds 1 to {BULK_MAX_ITEMS} items"
            )));
        }
        let mut tx = self.store().begin().await?;
        let project = self
            .authorize_project(&mut tx, actor, project, Action::Edit)
            .await?;
        let items = self.build_items(&mut tx, actor, &project, batch).await?;
        let created: Vec<Item> = items.iter().map(|(_, i)| i.clone()).collect();
        self.insert_items(&mut tx, &project, &created).await?;
        // A bulk creation adds its automatic watches but tells no one: a batch is one act,
        // not a thousand pieces of news. (Imports add no watches: they copy a tree.)
        self.watch_new_items(&mut tx, &created).await?;
        audit::record(
            &mut tx,
            self.now(),
            project.org_id,
            Some(actor.user_id),
            "items.bulk_created",
            ("project", Some(project.id.to_string())),
            &actor.ctx,
            json!({ "count": created.len(), "item_ids": created.iter().map(|i| i.id).collect::<Vec<_>>() }),
        )
        .await?;
        // One activity for the bulk, not one per item.
        self.record_activity(
            &mut tx,
            (project.org_id, project.id, None),
            Some(actor.user_id),
            ActivityKind::ItemsCreated,
            json!({ "count": created.len() }),
        )
        .await?;
        Store::commit(tx).await?;
        Ok(items)
    }

    /// Resolves parents and positions of a batch (request order, last under each parent).
    pub(crate) async fn build_items(
        &self,
        c: &mut AnyConnection,
        actor: &Actor,
        project: &Project,
        batch: Vec<BulkItem>,
    ) -> Result<Vec<(Option<String>, Item)>, SpecError> {
        let mut by_ref: HashMap<String, (ItemId, ItemType)> = HashMap::new();
        let mut last: HashMap<Option<ItemId>, Option<Position>> = HashMap::new();
        let mut existing: HashMap<ItemId, ItemType> = HashMap::new();
        let mut assignees_ok = HashSet::new();
        let mut out = Vec::with_capacity(batch.len());
        for (i, b) in batch.into_iter().enumerate() {
            let parent = match (&b.parent_ref, b.parent_id) {
                (Some(_), Some(_)) => {
                    return Err(SpecError::InvalidBulk(format!(
                        "item {i}: give parent_ref or parent_id, not both"
                    )));
                }
                (Some(r), None) => Some(*by_ref.get(r).ok_or_else(|| {
                    SpecError::InvalidBulk(format!(
                        "item {i}: parent_ref {r:?} names no earlier item"
                    ))
                })?),
                (None, Some(p)) => match existing.get(&p) {
                    Some(t) => Some((p, *t)),
                    None => {
                        let parent = self.live_parent(&mut *c, project.id, Some(p)).await?;
                        parent.map(|p| {
                            existing.insert(p.id, p.item_type);
                            (p.id, p.item_type)
                        })
                    }
                },
                (None, None) => None,
            };
            let parent_id = parent.map(|p| p.0);
            let prev = match last.get(&parent_id) {
                Some(p) => p.clone(),
                None => items::last_position(&mut *c, project.id, parent_id)
                    .await?
                    .and_then(|p| Position::parse(&p).ok()),
            };
            let position = Position::between(prev.as_ref(), None);
            let mut item = self
                .build_item(&mut *c, actor, project, parent, b.item, &mut assignees_ok)
                .await
                .map_err(|e| match e {
                    SpecError::Rule(r) => SpecError::InvalidBulk(format!("item {i}: {r}")),
                    other => other,
                })?;
            item.position = position.as_str().to_owned();
            last.insert(parent_id, Some(position));
            if let Some(r) = &b.item_ref
                && by_ref
                    .insert(r.clone(), (item.id, item.item_type))
                    .is_some()
            {
                return Err(SpecError::InvalidBulk(format!(
                    "item {i}: ref {r:?} is used twice"
                )));
            }
            out.push((b.item_ref, item));
        }
        Ok(out)
    }

    /// Writes new items and their search words.
    pub(crate) async fn insert_items(
        &self,
        c: &mut AnyConnection,
        project: &Project,
        created: &[Item],
    ) -> Result<(), SpecError> {
        items::insert_many(&mut *c, self.store().sealer(), created).await?;
        let w: Vec<(ItemId, BTreeSet<String>)> =
            created.iter().map(|i| (i.id, item_words(i))).collect();
        words::insert(c, project.id, &w).await?;
        Ok(())
    }

    /// The creator and the assignee of new items watch them.
    async fn watch_new_items(&self, c: &mut AnyConnection, created: &[Item]) -> StoreResult<()> {
        watches::add_auto_many(c, &auto_watches(created), self.now()).await
    }

    /// Reads an item (live or in the trash).
    pub async fn get_item(&self, actor: &Actor, id: ItemId) -> Result<Item, SpecError> {
        let mut c = self.store().read().await?;
        Ok(self
            .authorize_item(&mut c, actor, id, Action::View)
            .await?
            .0)
    }

    /// Changes an item's fields (Editors and up). With `if_match`, only when the item's
    /// ETag still matches.
    pub async fn update_item(
        &self,
        actor: &Actor,
        id: ItemId,
        changes: ItemChanges,
        if_match: Option<&str>,
    ) -> Result<Item, SpecError> {
        let (app, actor) = (self.clone(), actor.clone());
        let if_match = if_match.map(str::to_owned);
        self.detached(async move {
            app.update_item_now(&actor, id, changes, if_match.as_deref())
                .await
        })
        .await
    }

    async fn update_item_now(
        &self,
        actor: &Actor,
        id: ItemId,
        changes: ItemChanges,
        if_match: Option<&str>,
    ) -> Result<Item, SpecError> {
        let mut tx = self.store().begin().await?;
        let (mut item, project) = self
            .authorize_item(&mut tx, actor, id, Action::Edit)
            .await?;
        if item.deleted_at.is_some() {
            return Err(SpecError::ItemInTrash);
        }
        if let Some(tag) = if_match
            && tag.trim() != "*"
            && !tag.split(',').any(|t| t.trim() == item.fields().etag())
        {
            return Err(SpecError::PreconditionFailed);
        }
        let before = item.clone();
        if let Some(t) = changes.title {
            item.title = validate_title(&t)?;
        }
        if let Some(d) = changes.description {
            validate_description(&d)?;
            item.description = d;
        }
        if let Some(c) = changes.acceptance_criteria {
            item.acceptance_criteria = validate_criteria(c, new_criterion_id)?;
        }
        if let Some(t) = changes.item_type
            && t != item.item_type
        {
            let parent = self
                .live_parent(&mut tx, project.id, item.parent_id)
                .await?;
            check_parent(t, parent.map(|p| p.item_type))?;
            for child in items::child_types(&mut tx, item.id).await? {
                check_parent(child, Some(t))?;
            }
            item.item_type = t;
        }
        if let Some(s) = changes.status {
            item.status = s;
        }
        if let Some(p) = changes.priority {
            item.priority = p;
        }
        if let Some(a) = changes.assignee_id {
            if let Some(user) = a
                && Some(user) != item.assignee_id
            {
                self.check_assignee(&mut tx, project.org_id, project.team_id, user)
                    .await?;
            }
            item.assignee_id = a;
        }
        let changed = changed_fields(&before, &item);
        if changed.is_empty() {
            return Ok(before);
        }
        // The change goes through the item's live document, so connected editors see it at
        // once and REST and live edits share one history; the room projects it back into
        // the row (with its audit record) before answering. This transaction's locks go
        // first: the room writes the same row.
        Store::rollback(tx).await?;
        self.edit_document_to(item.id, actor.user_id, crate::collab::content_of(&item))
            .await?;
        // A REST change is a version of its own (with any live edits collected with it).
        self.close_item_draft(item.id, Some(actor.user_id)).await?;
        let item = items::get(
            &mut *self.store().read().await?,
            self.store().sealer(),
            item.id,
        )
        .await?
        .ok_or(SpecError::NotFound)?;
        Ok(item)
    }
}
