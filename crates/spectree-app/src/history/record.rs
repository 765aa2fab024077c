//! Recording versions. Changes collect in the item's draft (its open automatic version); the
//! draft closes into a version when the item goes idle, when it reaches its maximum length,
//! after a REST change, or before an immediate version (move, trash, restore, named save).
//! Every function here runs inside the caller's transaction.

use std::collections::BTreeSet;

use spectree_domain::Timestamp;
use spectree_domain::history::{Author, ItemSnapshot, VersionKind, field_changes};
use spectree_domain::ids::{ItemId, UserId};
use spectree_store::collab::conflicts;
use spectree_store::history::drafts::{self, Draft};
use spectree_store::history::versions::{self, NewVersion};
use spectree_store::spec::items::{self, Item};
use spectree_store::{AnyConnection, Store, StoreResult, Writes};

use crate::App;
use crate::activity::emit::StoredVersion;

/// The history snapshot of an item row.
pub fn snapshot_of(i: &Item) -> ItemSnapshot {
    ItemSnapshot {
        title: i.title.clone(),
        description: i.description.clone(),
        acceptance_criteria: i.acceptance_criteria.clone(),
        item_type: i.item_type,
        status: i.status,
        priority: i.priority,
        assignee_id: i.assignee_id,
        parent_id: i.parent_id,
        position: i.position.clone(),
        trashed: i.deleted_at.is_some(),
    }
}

/// The top-level names of the fields that differ between two snapshots (all set fields of
/// a first version).
fn changed_fields(prev: Option<&ItemSnapshot>, snap: &ItemSnapshot) -> Vec<String> {
    let mut fields: Vec<String> = Vec::new();
    for f in field_changes(prev, snap) {
        let name = match f.field.split_once('/') {
            Some((head, _)) => head.to_owned(),
            None => f.field,
        };
        if !fields.contains(&name) {
            fields.push(name);
        }
    }
    fields
}

/// How a version to store came about.
pub(crate) struct VersionCause<'a> {
    pub(crate) kind: VersionKind,
    pub(crate) cause: &'a str,
    pub(crate) actor: Option<UserId>,
    pub(crate) message: Option<&'a str>,
    pub(crate) restored_from: Option<i64>,
    /// Whether the version becomes activity (not for the items of a project restore, which
    /// is one activity of the project).
    pub(crate) activity: bool,
}

impl<'a> VersionCause<'a> {
    pub(crate) fn auto(cause: &'a str, actor: Option<UserId>) -> Self {
        Self {
            kind: VersionKind::Auto,
            cause,
            actor,
            message: None,
            restored_from: None,
            activity: true,
        }
    }
}

impl App {
    /// An item that has no version yet (made before history existed, or in bulk) gets its
    /// current state as version 1.
    async fn ensure_baseline(&self, c: &mut AnyConnection, row: &Item) -> StoreResult<()> {
        let sealer = self.store().sealer();
        if versions::exists(c, row.org_id, row.id).await? {
            return Ok(());
        }
        let snap = snapshot_of(row);
        let authors = [Author::user(row.updated_by)];
        let v = NewVersion {
            item_id: row.id,
            org_id: row.org_id,
            project_id: row.project_id,
            kind: VersionKind::Auto,
            cause: "baseline",
            started_at: row.updated_at,
            created_at: row.updated_at,
            authors: &authors,
            message: None,
            fields: Vec::new(),
            restored_from: None,
        };
        versions::insert(c, sealer, &v, &snap, None).await?;
        Ok(())
    }

    /// Stores a version of `row` as it is now. The draft's authors (and everyone with a live
    /// editing session in it) become its authors. An automatic version that changes nothing
    /// is not stored.
    pub(crate) async fn store_version(
        &self,
        c: &mut AnyConnection,
        row: &Item,
        why: &VersionCause<'_>,
        draft: Option<Draft>,
    ) -> StoreResult<Option<i64>> {
        let prev = versions::latest(c, self.store().sealer(), row.org_id, row.id).await?;
        self.store_version_after(c, row, why, draft, prev).await
    }

    /// The first versions of items just created in this transaction (`(item, actor)`; nothing
    /// to read first: they have no earlier version, and no one else can see them yet to lock
    /// them), their versions and their activities each in one statement of `w`. Mentions in
    /// the descriptions are recorded on `c` at once, so the items must be there by then.
    pub(crate) async fn record_created_items(
        &self,
        c: &mut AnyConnection,
        w: &mut Writes,
        created: &[(&Item, UserId)],
    ) -> StoreResult<()> {
        let now = self.now();
        let snaps: Vec<ItemSnapshot> = created.iter().map(|(i, _)| snapshot_of(i)).collect();
        let authors: Vec<[Author; 1]> = created.iter().map(|(_, a)| [Author::user(*a)]).collect();
        let versions: Vec<(NewVersion<'_>, &ItemSnapshot)> = created
            .iter()
            .zip(&snaps)
            .zip(&authors)
            .map(|(((row, _), snap), authors)| {
                let v = NewVersion {
                    item_id: row.id,
                    org_id: row.org_id,
                    project_id: row.project_id,
                    kind: VersionKind::Auto,
                    cause: "create",
                    started_at: now,
                    created_at: now,
                    authors,
                    message: None,
                    fields: changed_fields(None, snap),
                    restored_from: None,
                };
                (v, snap)
            })
            .collect();
        versions::push_insert_first_many(w, self.store().sealer(), &versions)?;
        let mut activities = Vec::with_capacity(created.len());
        for ((row, actor), (v, _)) in created.iter().zip(&versions) {
            let mentioned = self
                .record_description_mentions(c, row, None, Some(*actor))
                .await?;
            activities.extend(self.version_activities(&StoredVersion {
                row,
                kind: v.kind,
                cause: v.cause,
                actor: Some(*actor),
                authors: v.authors,
                fields: &v.fields,
                before: None,
                number: 1,
                restored_from: None,
                mentioned: &mentioned,
            }));
        }
        spectree_store::activity::push_insert_many(w, &activities)
    }

    /// [`App::store_version`] after the item's latest version `prev`.
    async fn store_version_after(
        &self,
        c: &mut AnyConnection,
        row: &Item,
        why: &VersionCause<'_>,
        draft: Option<Draft>,
        prev: Option<(i64, ItemSnapshot)>,
    ) -> StoreResult<Option<i64>> {
        let sealer = self.store().sealer();
        let now = self.now();
        let snap = snapshot_of(row);
        if why.kind == VersionKind::Auto && prev.as_ref().is_some_and(|p| p.1 == snap) {
            return Ok(None);
        }
        let mut authors: BTreeSet<Author> = BTreeSet::new();
        let mut started_at = now;
        if let Some(d) = draft {
            started_at = d.started_at;
            authors.extend(d.authors);
            for u in drafts::session_editors(c, row.id, d.started_at).await? {
                authors.insert(Author::user(u));
            }
        }
        if let Some(a) = why.actor {
            authors.insert(Author::user(a));
        }
        if authors.is_empty() {
            authors.insert(Author::user(row.updated_by));
        }
        let authors: Vec<Author> = authors.into_iter().collect();
        let fields = changed_fields(prev.as_ref().map(|p| &p.1), &snap);
        let before = prev.as_ref().map(|p| (p.1.status, p.1.parent_id));
        let v = NewVersion {
            item_id: row.id,
            org_id: row.org_id,
            project_id: row.project_id,
            kind: why.kind,
            cause: why.cause,
            started_at,
            created_at: now,
            authors: &authors,
            message: why.message,
            fields,
            restored_from: why.restored_from,
        };
        let number = versions::insert(c, sealer, &v, &snap, prev.as_ref()).await?;
        if prev.is_some() {
            // Races on its fields recorded since the version before belong to this one.
            conflicts::assign_version(c, row.org_id, row.id, number).await?;
        }
        if !why.activity {
            return Ok(Some(number));
        }
        // Every item change passes here: this is the activity feed's one chokepoint.
        let mut mentioned = Vec::new();
        if prev.is_none() || v.fields.iter().any(|f| f == "description") {
            let actor = why.actor.or_else(|| authors.first().map(|a| a.user_id));
            mentioned = self
                .record_description_mentions(
                    c,
                    row,
                    prev.as_ref().map(|p| p.1.description.as_str()),
                    actor,
                )
                .await?;
        }
        self.record_version_activity(
            c,
            &StoredVersion {
                row,
                kind: why.kind,
                cause: why.cause,
                actor: why.actor,
                authors: &authors,
                fields: &v.fields,
                before,
                number,
                restored_from: why.restored_from,
                mentioned: &mentioned,
            },
        )
        .await?;
        Ok(Some(number))
    }

    /// Notes a live or REST change (`before` → `after`) in the item's draft. A draft past its
    /// maximum length is closed first, with the state before this change. Returns whether it
    /// closed one (and so recorded an activity).
    pub(crate) async fn note_item_change(
        &self,
        c: &mut AnyConnection,
        before: &Item,
        after: &Item,
        editor: Option<Author>,
    ) -> StoreResult<bool> {
        versions::lock_item(c, self.store().dialect(), after.id).await?;
        self.ensure_baseline(c, before).await?;
        let now = self.now();
        let max = self.settings().version_max;
        let mut closed = false;
        let draft = match drafts::get(c, after.id).await? {
            Some(d) if d.started_at > now.minus(max) => Some(d),
            Some(_) => {
                let d = drafts::take(c, after.id).await?;
                self.store_version(c, before, &VersionCause::auto("edit", None), d)
                    .await?;
                closed = true;
                None
            }
            None => None,
        };
        let mut d = draft.unwrap_or(Draft {
            item_id: after.id,
            org_id: after.org_id,
            started_at: now,
            last_change_at: now,
            authors: Vec::new(),
        });
        let author = editor.unwrap_or(Author::user(after.updated_by));
        if !d.authors.contains(&author) {
            d.authors.push(author);
        }
        d.last_change_at = now;
        drafts::put(c, &d).await?;
        Ok(closed)
    }

    /// Records an immediate change (`create`, `move`, `trash`, `untrash`): the open draft
    /// closes first as its own version (with the state `before`), then the change becomes a
    /// version.
    pub(crate) async fn record_item_change(
        &self,
        c: &mut AnyConnection,
        before: Option<&Item>,
        after: &Item,
        actor: UserId,
        cause: &str,
    ) -> StoreResult<()> {
        self.record_item_version(c, before, after, &VersionCause::auto(cause, Some(actor)))
            .await
    }

    /// [`App::record_item_change`] with any kind of version.
    pub(crate) async fn record_item_version(
        &self,
        c: &mut AnyConnection,
        before: Option<&Item>,
        after: &Item,
        why: &VersionCause<'_>,
    ) -> StoreResult<()> {
        versions::lock_item(c, self.store().dialect(), after.id).await?;
        if let Some(before) = before {
            self.ensure_baseline(c, before).await?;
            if let Some(d) = drafts::take(c, after.id).await? {
                self.store_version(c, before, &VersionCause::auto("edit", None), Some(d))
                    .await?;
            }
        }
        self.store_version(c, after, why, None).await?;
        Ok(())
    }

    /// Closes an item's draft into a version now (after a REST change, or before a named
    /// version or restore); returns the version number when one was stored.
    pub(crate) async fn close_item_draft(
        &self,
        item: ItemId,
        actor: Option<UserId>,
    ) -> StoreResult<Option<i64>> {
        let mut tx = self.store().begin().await?;
        versions::lock_item(&mut tx, self.store().dialect(), item).await?;
        let Some(d) = drafts::take(&mut tx, item).await? else {
            return Ok(None);
        };
        let row = items::get(&mut tx, self.store().sealer(), item).await?;
        let n = match row {
            Some(row) => {
                self.store_version(&mut tx, &row, &VersionCause::auto("edit", actor), Some(d))
                    .await?
            }
            None => None,
        };
        Store::commit(tx).await?;
        Ok(n)
    }

    /// Closes every draft that went idle (`history.version_idle`) or reached its maximum
    /// length (`history.version_max`); returns how many versions were stored.
    pub async fn close_due_versions(&self) -> StoreResult<usize> {
        let now = self.now();
        let idle_before = now.minus(self.settings().version_idle);
        let started_before = now.minus(self.settings().version_max);
        let due = drafts::due(
            &mut *self.store().read().await?,
            idle_before,
            started_before,
            500,
        )
        .await?;
        let mut stored = 0;
        for item in due {
            if self.close_if_due(item, idle_before, started_before).await? {
                stored += 1;
            }
        }
        Ok(stored)
    }

    async fn close_if_due(
        &self,
        item: ItemId,
        idle_before: Timestamp,
        started_before: Timestamp,
    ) -> StoreResult<bool> {
        let mut tx = self.store().begin().await?;
        versions::lock_item(&mut tx, self.store().dialect(), item).await?;
        let due = drafts::get(&mut tx, item)
            .await?
            .is_some_and(|d| d.last_change_at <= idle_before || d.started_at <= started_before);
        if !due {
            return Ok(false);
        }
        let d = drafts::take(&mut tx, item).await?;
        let stored = match items::get(&mut tx, self.store().sealer(), item).await? {
            Some(row) => self
                .store_version(&mut tx, &row, &VersionCause::auto("edit", None), d)
                .await?
                .is_some(),
            None => false,
        };
        Store::commit(tx).await?;
        Ok(stored)
    }
}

impl App {
    /// Records an immediate change of an item already written in this transaction: `before`
    /// is the row as it was, the row as it is now is read back.
    pub(crate) async fn record_item_event(
        &self,
        c: &mut AnyConnection,
        before: &Item,
        actor: UserId,
        cause: &str,
    ) -> StoreResult<()> {
        match items::get(&mut *c, self.store().sealer(), before.id).await? {
            Some(after) => {
                self.record_item_change(c, Some(before), &after, actor, cause)
                    .await
            }
            None => Ok(()),
        }
    }
}
